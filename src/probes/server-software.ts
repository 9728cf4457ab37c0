// Server software named in a greeting or SSH identification. A table, not branches: add a row.
const SOFTWARE: Array<[RegExp, (m: RegExpExecArray) => string]> = [
  [/vsFTPd\s*([\d.]+)?/i, (m) => `vsftpd${m[1] ? ` ${m[1]}` : ''}`],
  [/ProFTPD\s*([\d.]+[a-z]?)?/i, (m) => `ProFTPD${m[1] ? ` ${m[1]}` : ''}`],
  [/Pure-FTPd/i, () => 'Pure-FTPd'],
  [/FileZilla Server\s*([\d.]+)?/i, (m) => `FileZilla Server${m[1] ? ` ${m[1]}` : ''}`],
  [/Microsoft FTP Service/i, () => 'Microsoft IIS FTP'],
  [/Serv-U[^\d]*([\d.]+)?/i, (m) => `Serv-U${m[1] ? ` ${m[1]}` : ''}`],
  [/OpenSSH_([\w.]+)/, (m) => `OpenSSH ${m[1]}`],
  [/SSH-2\.0-([^\s]+)/, (m) => m[1] ?? 'SSH server'],
];

export function softwareFromBanner(banner: string | undefined): string | undefined {
  if (!banner) return undefined;
  for (const [pattern, name] of SOFTWARE) {
    const m = pattern.exec(banner);
    if (m) return name(m);
  }
  return undefined;
}
