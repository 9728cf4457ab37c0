// How the data connection is opened. Like FileZilla on IPv4, ask PASV first, because the address
// it offers is what most partners' clients see and the classic NAT misconfiguration shows there;
// fall back to EPSV (RFC 2428) when PASV is refused, and use EPSV alone on IPv6.
//
// The data connection always goes to the control connection's address, never to the address the
// server offers: an offered address that differs is reported (data.private_address) but not
// followed, so a check can never be turned into a connection to some other host (FTP bounce,
// RFC 2577).
import { type FTPContext, type FTPResponse, FTPError, enterPassiveModeIPv6 } from 'basic-ftp';
// basic-ftp exports these helpers from its transfer module but not from its index.
import { connectForPassiveTransfer, parsePasvResponse } from 'basic-ftp/dist/transfer.js';
import type { ProbeFacts } from '../probe.js';

export function passiveStrategy(facts: ProbeFacts): (ftp: FTPContext) => Promise<FTPResponse> {
  return async (ftp) => {
    const controlHost = ftp.socket.remoteAddress;
    if (controlHost === undefined) throw Object.assign(new Error('control connection closed'), { code: 'ECONNRESET' });
    if (ftp.socket.remoteFamily === 'IPv6' && !controlHost.startsWith('::ffff:')) return enterPassiveModeIPv6(ftp);
    let res: FTPResponse;
    try {
      res = await ftp.request('PASV');
    } catch (err) {
      // 500/502: PASV not implemented; try the extended form.
      if (err instanceof FTPError && err.code >= 500 && err.code < 510) return enterPassiveModeIPv6(ftp);
      throw err;
    }
    const offered = parsePasvResponse(res.message);
    facts.passiveAddress = `${offered.host}:${offered.port}`;
    await connectForPassiveTransfer(controlHost.replace(/^::ffff:/, ''), offered.port, ftp);
    return res;
  };
}
