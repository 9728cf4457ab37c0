// Masks a check's secrets in text. Used twice: at capture, on every server text a probe keeps
// (before that text is cut to length, so a cut can never keep the first characters of an echoed
// secret; see probes/server-text.ts), and as the last line of defence on whatever leaves the
// process (terminal, JSON, logs, chat) with the secrets of the check it describes. Secrets should
// never reach the output in the first place; this makes sure a server echoing one back cannot
// leak it either, in the forms it is likely to come back in.
const MASK = '***';
/** Shorter secrets would mask ordinary words; they are still never printed by us. */
const MIN_LENGTH = 4;
/** Base64 of a secret at an unknown offset: only runs this long are specific enough to mask. */
const MIN_BASE64_CORE = 8;

export type Redactor = (text: string) => string;

/**
 * Everything that gives the secrets away, longest first (so a longer form is masked whole before
 * a shorter one inside it): each secret as is, URL-encoded (encodeURIComponent and URL's userinfo
 * encoding), and in base64: alone, as HTTP Basic "user:secret", as SASL PLAIN "\0user\0secret",
 * and the characters that encode only the secret's bytes wherever it sits in a longer base64 text.
 */
export function secretForms(secrets: ReadonlyArray<string | undefined>, user?: string): string[] {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (!secret || secret.length < MIN_LENGTH) continue;
    forms.add(secret);
    forms.add(encodeURIComponent(secret));
    forms.add(userinfoEncoded(secret));
    for (const plain of [secret, ...(user ? [`${user}:${secret}`, `\0${user}\0${secret}`] : [])]) {
      forms.add(base64(Buffer.from(plain, 'utf8')).replace(/=+$/, ''));
    }
    for (const core of base64Cores(Buffer.from(secret, 'utf8'))) if (core.length >= MIN_BASE64_CORE) forms.add(core);
  }
  return [...forms].filter((f) => f.length >= MIN_LENGTH).sort((a, b) => b.length - a.length);
}

/** One check's redactor: the forms are worked out once. */
export function redactor(secrets: ReadonlyArray<string | undefined>, user?: string): Redactor {
  const forms = secretForms(secrets, user);
  if (!forms.length) return (text) => text;
  return (text) => {
    let out = text;
    // Most texts hold no secret: look before splitting (every server text of every check passes here).
    for (const form of forms) if (out.includes(form)) out = out.split(form).join(MASK);
    return out;
  };
}

export function redactText(text: string, secrets: ReadonlyArray<string | undefined>, user?: string): string {
  return redactor(secrets, user)(text);
}

/** Deep copy of a JSON-able value with every string redacted. */
export function redactValue<T>(value: T, secrets: ReadonlyArray<string | undefined>, user?: string): T {
  const forms = secretForms(secrets, user);
  if (!forms.length) return value;
  const redact = redactor(secrets, user);
  return JSON.parse(JSON.stringify(value), (_key, v: unknown) => (typeof v === 'string' ? redact(v) : v)) as T;
}

function base64(bytes: Buffer): string {
  return bytes.toString('base64');
}

/**
 * The base64 characters fixed by `bytes` alone, for each of the three offsets (mod 3) it can have
 * inside a longer encoded text: the first group is dropped when it mixes in earlier bytes, the
 * last when it mixes in later ones.
 */
function base64Cores(bytes: Buffer): string[] {
  return [0, 1, 2].map((pad) => {
    const encoded = base64(Buffer.concat([Buffer.alloc(pad), bytes])).replace(/=+$/, '');
    const complete = (pad + bytes.length) % 3 === 0;
    return encoded.slice(pad ? 4 : 0, complete ? undefined : -((((pad + bytes.length) % 3) + 1)));
  });
}

/** The secret as URL writes a password (the userinfo percent-encode set, unlike encodeURIComponent). */
function userinfoEncoded(secret: string): string {
  const url = new URL('ftp://host');
  url.password = secret;
  return url.password;
}
