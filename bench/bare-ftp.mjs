// The baseline of the FTP benchmarks: what a script using basic-ftp alone does for the same
// check (connect, login, PWD, list, QUIT), with no diagnosis around it.
import { Client as FtpClient } from 'basic-ftp';

export async function bareFtpCheck(req, timeoutMs = 30_000) {
  const client = new FtpClient(timeoutMs);
  try {
    await client.access({ host: req.host, port: req.port, user: req.user, password: req.password });
    await client.pwd();
    await client.list();
    await client.send('QUIT');
  } finally {
    client.close();
  }
}
