// CWD to the checked folder, and when the server refuses without saying why, look. vsftpd answers
// "550 Failed to change directory." for a folder that is missing and for one the user may not
// enter (postlogin.c handle_cwd: one reply for any failed chdir()), while pure-ftpd and ProFTPD
// append strerror(). Where the parent can be listed, its listing tells: the name is there (so it
// is forbidden), or it is not (so it is missing). The look goes into the signal as `evidence`;
// which finding that makes is the knowledge base's business (signals.yaml), and a reply whose
// own words say why is classified on them first.
import { FTPError } from 'basic-ftp';
import type { ProbeContext } from '../probe-context.js';
import { SignalError } from '../failure-signal.js';
import type { ProbeFtpClient } from './ftp-probe.js';

export type PathPresence = 'present' | 'absent' | 'unknown';

/** The replies of a refused CWD that may hide the reason (RFC 959 §4.2: 550 file unavailable, 450 busy). */
const REFUSALS = new Set([550, 450]);

/** A reply that names its reason needs no look (the rules read its words). */
const EXPLAINED = /no such|not found|does not exist|doesn't exist|denied|permission|not allowed/i;

export async function changeDirectory(ctx: ProbeContext, client: ProbeFtpClient, path: string): Promise<void> {
  try {
    await client.cd(path);
  } catch (err) {
    if (!(err instanceof FTPError) || !REFUSALS.has(err.code) || client.closed || EXPLAINED.test(err.message)) throw err;
    const look = await lookInParent(client, path);
    const text = ctx.clean(err.message.replace(/^\d{3}[ -]?/, ''));
    throw new SignalError({
      source: 'ftp-reply',
      key: String(err.code),
      stage: 'list',
      reply: { code: err.code, text },
      evidence: `path-${look.presence}`,
      message: ctx.clean(describe(path, look)),
    });
  }
}

export interface Look {
  presence: PathPresence;
  /** The name looked for and the folder whose listing decided (or could not be read). */
  name: string;
  folder: string;
}

function describe(path: string, look: Look): string {
  const where = look.folder === '' ? 'the login directory' : look.folder;
  if (look.presence === 'present') return `"${look.name}" is listed in ${where} but cannot be entered: access is denied`;
  if (look.presence === 'absent') return `${path} does not exist: ${where} has no "${look.name}"`;
  return `${where} could not be listed, so whether ${path} is missing or may not be entered is unknown`;
}

function split(path: string): { parent: string; name: string } {
  const trimmed = path.length > 1 ? path.replace(/\/+$/, '') : path;
  const slash = trimmed.lastIndexOf('/');
  if (slash < 0) return { parent: '', name: trimmed };
  return { parent: slash === 0 ? '/' : trimmed.slice(0, slash), name: trimmed.slice(slash + 1) };
}

/**
 * Is `path` listed in its parent? Never throws: anything that stops the look makes it unknown.
 * A parent that cannot be entered is looked up in its own parent: if it is missing, so is `path`.
 */
export async function lookInParent(client: ProbeFtpClient, path: string, depth = 0): Promise<Look> {
  const { parent, name } = split(path);
  const unknown: Look = { presence: 'unknown', name, folder: parent };
  if (name === '' || name === '.' || name === '..') return unknown;
  try {
    if (parent !== '') await client.cd(parent);
  } catch (err) {
    if (!(err instanceof FTPError) || client.closed || parent === '/' || depth >= 8) return unknown;
    const above = await lookInParent(client, parent, depth + 1);
    return above.presence === 'absent' ? above : unknown;
  }
  try {
    const entries = await client.list();
    // vsftpd lists a folder it cannot read as empty, and says so only in the closing reply:
    // "226 Transfer done (but failed to open directory)."
    const closing = client.context.lastResponse?.message ?? '';
    if (/fail|error|denied|cannot|can't|unable/i.test(closing)) return unknown;
    return { presence: entries.some((e) => e.name === name) ? 'present' : 'absent', name, folder: parent };
  } catch {
    return unknown;
  }
}
