// Last line of defence: whatever leaves the process (terminal, JSON, logs, chat) passes through
// here with the secrets of the check it describes. Secrets should never reach the output in the
// first place; this makes sure a server echoing one back cannot leak it either.
const MASK = '***';

export function redactText(text: string, secrets: Array<string | undefined>): string {
  let out = text;
  for (const secret of secrets) {
    // Very short secrets would mask ordinary words; they are still never printed by us.
    if (secret && secret.length >= 4) out = out.split(secret).join(MASK);
  }
  return out;
}

/** Deep copy of a JSON-able value with every string redacted. */
export function redactValue<T>(value: T, secrets: Array<string | undefined>): T {
  if (!secrets.some((s) => s && s.length >= 4)) return value;
  return JSON.parse(JSON.stringify(value), (_key, v: unknown) => (typeof v === 'string' ? redactText(v, secrets) : v)) as T;
}
