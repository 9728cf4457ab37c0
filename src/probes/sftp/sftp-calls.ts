import type { SFTPWrapper } from 'ssh2';

/** Promise form of an ssh2 SFTP callback call; errors keep their SSH_FX_* numeric code. */
export function sftpCall<T>(call: (cb: (err: Error | null | undefined, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    call((err, value) => (err ? reject(err) : resolve(value)));
  });
}

export function writeRemote(sftp: SFTPWrapper, path: string, data: Buffer): Promise<void> {
  return sftpCall<void>((cb) => sftp.writeFile(path, data, (err) => cb(err, undefined)));
}

export function readRemote(sftp: SFTPWrapper, path: string): Promise<Buffer> {
  return sftpCall<Buffer>((cb) => sftp.readFile(path, (err, data) => cb(err, data)));
}
