// The resolve and connect stages, shared by every protocol.
import { lookup } from 'node:dns/promises';
import { isIP, Socket } from 'node:net';

export interface Resolved {
  /** Every address the name resolved to (A and AAAA), in the resolver's order. */
  addresses: string[];
  /** The address the check connects to. */
  address: string;
}

/**
 * Resolve through getaddrinfo (dns.lookup) so /etc/hosts and the system's resolver order apply,
 * exactly as the operator's own clients would see the name.
 */
export async function resolveHost(host: string): Promise<Resolved> {
  if (isIP(host)) return { addresses: [host], address: host };
  const records = await lookup(host, { all: true, verbatim: true });
  const addresses = records.map((r) => r.address);
  const address = addresses[0];
  if (address === undefined) throw Object.assign(new Error(`${host} has no A or AAAA record`), { code: 'ENOTFOUND' });
  return { addresses, address };
}

/** Open a TCP connection; the caller owns the socket (and destroys it on abort). */
export function connectTcp(address: string, port: number, track: (socket: Socket) => void): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    track(socket);
    socket.setNoDelay(true);
    const onError = (err: Error) => reject(err);
    socket.once('error', onError);
    socket.connect({ host: address, port }, () => {
      socket.off('error', onError);
      resolve(socket);
    });
  });
}
