// How the data connection is opened. Like FileZilla on IPv4, ask PASV first, because the address
// it offers is what most partners' clients see and the classic NAT misconfiguration shows there;
// fall back to EPSV (RFC 2428) when PASV is refused, and use EPSV alone on IPv6.
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

export function passiveStrategy({ facts, address, clean }: Pick<ProbeContext, 'facts' | 'address' | 'clean'>): (ftp: FTPContext) => Promise<FTPResponse> {
  const dataHost = address.replace(/^::ffff:/, '');
  return async (ftp) => {
    if (ftp.closed) throw Object.assign(new Error('control connection closed'), { code: 'ECONNRESET' });
    if (isIP(dataHost) === 6) return extendedPassive(ftp, dataHost);
    let res: FTPResponse;
    try {
      res = await ftp.request('PASV');
    } catch (err) {
      // 500/502: PASV not implemented; try the extended form.
      if (err instanceof FTPError && err.code >= 500 && err.code < 510) return extendedPassive(ftp, dataHost);
      throw err;
    }
    const offered = parsePasvResponse(res.message);
    // Digits and dots by basic-ftp's pattern; cleaned all the same, like all server text.
    facts.passiveAddress = clean(`${offered.host}:${offered.port}`);
    await connectForPassiveTransfer(dataHost, offered.port, ftp);
    return res;
  };
}

/** EPSV (RFC 2428): the reply carries a port only; basic-ftp's own version connects to the control socket's remoteAddress. */
async function extendedPassive(ftp: FTPContext, dataHost: string): Promise<FTPResponse> {
  const res = await ftp.request('EPSV');
  await connectForPassiveTransfer(dataHost, parseEpsvResponse(res.message), ftp);
  return res;
}
