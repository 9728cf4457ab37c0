// How the data connection is opened. Like FileZilla on IPv4, ask PASV first, because the address
// it offers is what most partners' clients see and the classic NAT misconfiguration shows there;
// fall back to EPSV (RFC 2428) whenever PASV is refused, and use EPSV alone on IPv6. A refusal of
// passive mode is a data-channel failure whatever its words: vsftpd with pasv_enable=NO answers
// both with "550 Permission denied." (postlogin.c handle_pasv), which is no file permission.
//
// The data connection always goes to the address the check resolved and allowed at the start
// (the control connection's), never to the address the server offers: an offered address that
// differs is reported (data.private_address) but not followed, so a check can never be turned
// into a connection to some other host (FTP bounce, RFC 2577). Not the control socket's
// remoteAddress either: it is gone once that socket closes, and nothing may fall back to a name.
import { isIP } from 'node:net';
import { type FTPContext, type FTPResponse, FTPError } from 'basic-ftp';
// basic-ftp exports these helpers from its transfer module but not from its index.
import { connectForPassiveTransfer, parseEpsvResponse, parsePasvResponse } from 'basic-ftp/dist/transfer.js';
import type { ProbeContext } from '../probe-context.js';
import { dataChannelRefusal } from '../failure-signal.js';

export function passiveStrategy({ facts, address, clean }: Pick<ProbeContext, 'facts' | 'address' | 'clean'>): (ftp: FTPContext) => Promise<FTPResponse> {
  const dataHost = address.replace(/^::ffff:/, '');
  return async (ftp) => {
    if (ftp.closed) throw Object.assign(new Error('control connection closed'), { code: 'ECONNRESET' });
    if (isIP(dataHost) === 6) return extendedPassive(ftp, dataHost);
    let res: FTPResponse;
    try {
      res = await ftp.request('PASV');
    } catch (err) {
      // Any refusal (500/502 not implemented, 550 disabled, …): the extended form may still work.
      if (!isRefusal(err)) throw err;
      return extendedPassive(ftp, dataHost, err);
    }
    const offered = parsePasvResponse(res.message);
    // Digits and dots by basic-ftp's pattern; cleaned all the same, like all server text.
    facts.passiveAddress = clean(`${offered.host}:${offered.port}`);
    await connectForPassiveTransfer(dataHost, offered.port, ftp);
    return res;
  };
}

/** EPSV (RFC 2428): the reply carries a port only; basic-ftp's own version connects to the control socket's remoteAddress. */
async function extendedPassive(ftp: FTPContext, dataHost: string, pasvRefusal?: FTPError): Promise<FTPResponse> {
  let res: FTPResponse;
  try {
    res = await ftp.request('EPSV');
  } catch (err) {
    if (!isRefusal(err)) throw err;
    // Codes only: the reply itself is shown beside this sentence.
    const asked = pasvRefusal ? `PASV (${pasvRefusal.code}) and EPSV (${err.code})` : `EPSV (${err.code})`;
    throw dataChannelRefusal(pasvRefusal ?? err, `the server refused ${asked}: passive mode is disabled on the server, or not allowed for this user`);
  }
  await connectForPassiveTransfer(dataHost, parseEpsvResponse(res.message), ftp);
  return res;
}

/** A 4xx/5xx answer to PASV/EPSV; not 421, which ends the whole session (ftp.unavailable). */
function isRefusal(err: unknown): err is FTPError {
  return err instanceof FTPError && err.code >= 400 && err.code !== 421;
}

