// Which configured targets a pasted text is about: those whose host name or address appears in
// it as a whole name ("files.example.com" in "Connecting to files.example.com:21", not in
// "old-files.example.com"). The answer then offers to check them now.

export interface TargetHost {
  name: string;
  /** The host of the target's URL: a name, an IPv4 or an IPv6 address (without brackets). */
  host: string;
}

/** Buttons beyond a few help nobody. */
const MAX_TARGETS = 3;

export function targetsNamedIn(text: string, targets: readonly TargetHost[], max = MAX_TARGETS): string[] {
  const named: string[] = [];
  for (const t of targets) {
    if (named.length >= max) break;
    if (t.host && mentions(text, t.host)) named.push(t.name);
  }
  return named;
}

function mentions(text: string, host: string): boolean {
  const escaped = host.replace(/\.$/, '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  // Not part of a longer name or address on either side; a port (":21") or a sentence's full
  // stop may follow, but an IPv6 address goes on after a colon.
  const after = host.includes(':') ? '(?![\\w-]|[.:][\\w])' : '(?![\\w-]|\\.[\\w])';
  return new RegExp(`(?<![\\w.:-])${escaped}${after}`, 'i').test(text);
}
