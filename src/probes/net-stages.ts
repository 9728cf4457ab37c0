// The resolve and connect stages, shared by every protocol.
import type { LookupAddress } from 'node:dns';
import { lookup as systemLookup } from 'node:dns/promises';
import { isIP, type LookupFunction, Socket } from 'node:net';

/** The shape of dns.promises.lookup as the resolve stage calls it (injectable for tests). */
export type HostLookup = (host: string, options: { all: true; verbatim: true }) => Promise<LookupAddress[]>;

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
export async function resolveHost(host: string, lookup: HostLookup = systemLookup): Promise<Resolved> {
  if (isIP(host)) return { addresses: [host], address: host };
  const records = await lookup(host, { all: true, verbatim: true });
  const addresses = records.map((r) => r.address);
  const address = addresses[0];
  if (address === undefined) throw Object.assign(new Error(`${host} has no A or AAAA record`), { code: 'ENOTFOUND' });
  return { addresses, address };
}

/**
 * For every socket.connect / tls.connect of a check: the name was resolved once, at the resolve
 * stage, and only that address may be connected to. Node calls `lookup` only for a host name, so
 * a name reaching a connect is a bug: fail that connection instead of looking the name up again.
 */
export const noSecondLookup: LookupFunction = (hostname, _options, callback) => {
  callback(Object.assign(new Error(`refusing to look up ${hostname} again: connect to the resolved address`), { code: 'EFTPOPSLOOKUP' }), '', 4);
};

/** Open a TCP connection; the caller owns the socket (and destroys it on abort). */
export function connectTcp(address: string, port: number, track: (socket: Socket) => void): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    track(socket);
    socket.setNoDelay(true);
    const onError = (err: Error) => reject(err);
    socket.once('error', onError);
    socket.connect({ host: address, port, lookup: noSecondLookup }, () => {
      socket.off('error', onError);
      resolve(socket);
    });
  });
}
