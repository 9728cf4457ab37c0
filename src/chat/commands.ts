// "/ftp …" text → a command. Anything unrecognised gets the help text, with a word on why.
export type ChatCommand =
  | { kind: 'check'; target: string }
  | { kind: 'explain'; query: string }
  | { kind: 'targets' }
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
      if (!/^[a-z0-9][a-z0-9._-]*$/i.test(rest[0]!)) return { kind: 'help', problem: `'${rest[0]!.slice(0, 60)}' is not a target name` };
      return { kind: 'check', target: rest[0]! };
    case 'explain':
      if (rest.length !== 1) return { kind: 'help', problem: 'say what to explain: `/ftp explain 530` or `/ftp explain auth.failed`' };
      return { kind: 'explain', query: rest[0]! };
    case 'targets':
      return { kind: 'targets' };
    default:
      return { kind: 'help', problem: `unknown command '${(verb ?? '').slice(0, 40)}'` };
  }
}
