// "/ftp …" text → a command. Anything unrecognised gets the help text, with a word on why.
export type ChatCommand =
  /** `adhoc`: the target is a URL (admins only, to allowed hosts only). */
  | { kind: 'check'; target: string; adhoc?: true }
  | { kind: 'explain'; query: string }
  | { kind: 'targets' }
  | { kind: 'mute'; target: string; minutes: number }
  | { kind: 'status'; target?: string }
  | { kind: 'runbook'; query: string; target: string }
  | { kind: 'help'; problem?: string };

const MAX_TEXT = 500;

export function parseCommand(text: string): ChatCommand {
  const words = text.slice(0, MAX_TEXT).trim().split(/\s+/).filter(Boolean);
  const [verb, ...rest] = words;
  switch (verb?.toLowerCase()) {
    case undefined:
    case 'help':
      return { kind: 'help' };
    case 'check':
      if (rest.length !== 1) return { kind: 'help', problem: 'say which target to check: `/ftp check <target>`' };
      {
        // Slack may wrap a URL as <sftp://host> or <sftp://host|label>.
        const url = /^<?((?:s?ftps?|ftpes):\/\/[^\s|<>]+)(?:\|[^>]*)?>?$/i.exec(rest[0]!)?.[1];
        if (url) return { kind: 'check', target: url, adhoc: true };
      }
      if (!/^[a-z0-9][a-z0-9._-]*$/i.test(rest[0]!)) return { kind: 'help', problem: `'${echo(rest[0]!, 60)}' is not a target name` };
      return { kind: 'check', target: rest[0]! };
    case 'explain':
      if (rest.length !== 1) return { kind: 'help', problem: 'say what to explain: `/ftp explain 530` or `/ftp explain auth.failed`' };
      return { kind: 'explain', query: rest[0]! };
    case 'targets':
      return { kind: 'targets' };
    case 'status':
      if (rest.length > 1 || (rest[0] !== undefined && !/^[a-z0-9][a-z0-9._-]*$/i.test(rest[0]))) {
        return { kind: 'help', problem: 'say which target, or none for all: `/ftp status [target]`' };
      }
      return rest[0] ? { kind: 'status', target: rest[0] } : { kind: 'status' };
    case 'runbook':
      if (rest.length !== 2 || !/^[a-z0-9][a-z0-9._-]*$/i.test(rest[0]!) || !/^[a-z0-9][a-z0-9._-]*$/i.test(rest[1]!)) {
        return { kind: 'help', problem: 'say which runbook (or finding code) and which target: `/ftp runbook too-many-connections prod-ftp` or `/ftp runbook auth.failed prod-ftp`' };
      }
      return { kind: 'runbook', query: rest[0]!, target: rest[1]! };
    case 'mute': {
      const minutes = muteMinutes(rest[1]);
      if (rest.length !== 2 || !/^[a-z0-9][a-z0-9._-]*$/i.test(rest[0]!) || minutes === undefined) {
        return { kind: 'help', problem: 'say what to mute and for how long: `/ftp mute <target> 1h` (minutes or hours, up to 7 days)' };
      }
      return { kind: 'mute', target: rest[0]!, minutes };
    }
    default:
      return { kind: 'help', problem: `unknown command '${echo(verb ?? '', 40)}'` };
  }
}

/**
 * A word of the person's text, quoted back in a one-line problem. Words are split on \s, which does
 * not include NEL (U+0085) or other controls: found by fuzzing (test/fuzz.test.ts), a NEL made the
 * problem two lines. Controls become '?'.
 */
function echo(word: string, max: number): string {
  // eslint-disable-next-line no-control-regex
  return word.slice(0, max).replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

const MAX_MUTE_MINUTES = 7 * 24 * 60;

/** "30m", "90min", "2h" → minutes; undefined when it is not a sane duration. */
function muteMinutes(text: string | undefined): number | undefined {
  const m = /^(\d{1,5})\s*(m|min|h)$/i.exec(text ?? '');
  if (!m) return undefined;
  const minutes = Number(m[1]) * (m[2]!.toLowerCase() === 'h' ? 60 : 1);
  return minutes >= 1 && minutes <= MAX_MUTE_MINUTES ? minutes : undefined;
}
