// Which hosts an ad-hoc check (`/ftp check sftp://host`, admins only) may reach. The bot holds a
// position inside the network; without this, chat would be a port scanner. Hosts must match an
// allowlist entry: a name ("files.partner.example"), a wildcard ("*.partner.example"), an address
// or a CIDR block ("10.20.0.0/16", "2001:db8::/32"). The check resolves first and connects to
// the address it checked (src/probes/probe-engine.ts), so a name cannot be re-pointed between
// the check and the connection (DNS rebinding). Loopback, link-local (with the cloud metadata
// address 169.254.169.254) and unspecified addresses stay denied unless a CIDR entry names them.
import { BlockList, isIP } from 'node:net';

const SPECIAL: Array<[string, number, 'ipv4' | 'ipv6']> = [
  ['127.0.0.0', 8, 'ipv4'],
  ['169.254.0.0', 16, 'ipv4'],
  ['0.0.0.0', 8, 'ipv4'],
  ['100.100.100.200', 32, 'ipv4'], // Alibaba Cloud metadata
  ['::1', 128, 'ipv6'],
  ['fe80::', 10, 'ipv6'],
  ['fd00:ec2::', 32, 'ipv6'], // AWS IMDS over IPv6
  ['::', 128, 'ipv6'],
];

export class AdhocPolicy {
  private readonly names: RegExp[] = [];
  private readonly blocks = new BlockList();
  private readonly special = new BlockList();
  private hasBlocks = false;

  /** Entries as written in ftpops.yaml (`access.adhocHosts`); an invalid one throws a one-line Error. */
  constructor(readonly entries: readonly string[]) {
    for (const entry of entries) {
      const [base, bits] = entry.split('/');
      const family = isIP(base ?? '');
      if (family) {
        const prefix = bits === undefined ? (family === 4 ? 32 : 128) : Number(bits);
        if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) throw new Error(`'${entry}' is not a valid CIDR block`);
        this.blocks.addSubnet(base!, prefix, family === 4 ? 'ipv4' : 'ipv6');
        this.hasBlocks = true;
      } else if (/^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i.test(entry)) {
        const pattern = entry.toLowerCase().replace(/\./g, '\\.').replace(/^\*\\\./, '([a-z0-9-]+\\.)+');
        this.names.push(new RegExp(`^${pattern}$`));
      } else {
        throw new Error(`'${entry.slice(0, 60)}' is neither a host name, a *.wildcard nor an address or CIDR block`);
      }
    }
    for (const [address, prefix, type] of SPECIAL) this.special.addSubnet(address, prefix, type);
  }

  /** Before resolving: a one-line refusal, or undefined when the host may be tried. */
  refuseHost(host: string): string | undefined {
    if (!this.entries.length) return 'ad-hoc checks are off: list the hosts they may reach in ftpops.yaml (access.adhocHosts)';
    const family = isIP(host);
    if (family) return this.refuseAddress(host, host);
    if (this.names.some((n) => n.test(host.toLowerCase())) || this.hasBlocks) return undefined;
    return `${host} is not in access.adhocHosts`;
  }

  /** After resolving, before connecting: may the check connect to this address for this host? */
  refuseAddress(address: string, host: string): string | undefined {
    const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    const listed = this.blocks.check(address, type);
    if (this.special.check(address, type) && !listed) return `${address} is a loopback, link-local or metadata address; ad-hoc checks may reach it only if a CIDR entry in access.adhocHosts names it`;
    if (listed || this.names.some((n) => n.test(host.toLowerCase()))) return undefined;
    return `${host === address ? address : `${host} (${address})`} is not in access.adhocHosts`;
  }
}
