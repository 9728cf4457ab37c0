// Everything a server says is untrusted: a greeting, a reply, a path, an SSH identification, a
// certificate's names. It reaches terminals, chat and logs, so before it is kept anywhere it is
// made one printable, bounded line here. A terminal obeys escape sequences in what it prints
// (ESC ] 0 ; title BEL sets its title, ESC [ 2 J clears it, U+009B is an 8-bit CSI); bidi
// controls make text read differently from what it is; U+2028/U+2029 and NEL break lines that
// must stay one. Each such character becomes "?" (visible: something was there).
// A server may also echo what it was sent (a password in a refusal): the check's secrets are
// masked BEFORE the text is cut to length, or the cut could keep an echoed secret's first
// characters, which no later redaction would recognise.

/** The most of one piece of server text that is kept. */
export const MAX_REPLY_TEXT = 500;

/** Line breaks: CR, LF, NEL, LINE SEPARATOR, PARAGRAPH SEPARATOR. */
const LINE_BREAKS = /\s*[\r\n\u0085\u2028\u2029]+\s*/g;

/**
 * C0 controls but TAB (LF and CR are line breaks, above), DEL, C1 controls, the bidi marks,
 * embeddings, overrides and isolates (ALM, LRM, RLM, LRE…RLO, LRI…PDI), and U+FFFD (what bytes
 * that were not UTF-8 decode to).
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufffd]/g;

/** Makes one piece of server text safe to keep (the probes get one per check). */
export type TextCleaner = (text: string) => string;

/**
 * Server text made printable, one line and bounded, with `redact` applied before the cut: to the
 * text as sent, and again to the cleaned line (a secret with a space in it, echoed across a line
 * break).
 */
export function cleanText(text: string, redact: (text: string) => string = (t) => t): string {
  const printable = redact(redact(text).replace(LINE_BREAKS, ' ').replace(UNSAFE, '?').trim());
  return printable.length > MAX_REPLY_TEXT ? `${printable.slice(0, MAX_REPLY_TEXT)}…` : printable;
}

/** The cleaner of one check: its secrets masked in everything kept of what the server says. */
export function textCleaner(redact: (text: string) => string): TextCleaner {
  return (text) => cleanText(text, redact);
}
