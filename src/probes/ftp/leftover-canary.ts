// A canary whose round trip broke off (a refused or failed upload, a failed download) is deleted
// all the same: the README promises that the round trip never leaves a file, and most servers
// create the file at STOR even when not a byte can be written (a full disk leaves 0 bytes on
// vsftpd, ProFTPD, pure-ftpd). When it cannot be deleted, the check says so.
import { FTPError } from 'basic-ftp';
import type { ProbeContext } from '../probe-context.js';
import type { ProbeFtpClient } from './ftp-probe.js';

/** Deletes the canary if it is there. Resolves undefined when nothing is left, else why it may be. */
export async function removeLeftoverCanary(ctx: ProbeContext, client: ProbeFtpClient, name: string): Promise<string | undefined> {
  if (client.closed) return `${name} may be left behind: the control connection was lost before it could be deleted`;
  let refusal: string;
  try {
    await client.remove(name);
    return undefined;
  } catch (err) {
    if (!(err instanceof FTPError)) return `${name} may be left behind: ${ctx.clean(String((err as Error).message ?? err))}`;
    refusal = ctx.clean(err.message);
  }
  // DELE failed: because the file was never created (nothing to do), or because it may not be
  // deleted? SIZE (RFC 3659 §4) answers 213 for a file that is there.
  try {
    const size = await client.ftp.request(`SIZE ${name}`);
    return `${name} (${size.message.replace(/^\d{3}[ -]?/, '').trim()} bytes) could not be deleted: ${refusal}`;
  } catch (err) {
    if (err instanceof FTPError && err.code === 550) return undefined;
    return `${name} may be left behind: DELE answered ${refusal}`;
  }
}
