// A folder read one SSH_FXP_READDIR reply at a time (OPENDIR, READDIR until EOF, CLOSE; draft-
// ietf-secsh-filexfer-02 §6.7), each batch handed on and dropped: a folder of 10,000+ entries is
// never held whole, unlike ssh2's readdir(path), which gathers every batch into one array first.
import type { SFTPWrapper } from 'ssh2';
import type { ListedEntry } from '../probe.js';
import { sftpCall } from './sftp-calls.js';

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;

export async function readFolderInBatches(sftp: SFTPWrapper, path: string, hear: (entry: ListedEntry) => void): Promise<number> {
  const handle = await sftpCall<Buffer>((cb) => sftp.opendir(path, cb));
  let count = 0;
  try {
    for (;;) {
      // ssh2 answers EOF with list === false (and no error).
      const batch = await sftpCall<Array<{ filename: string; attrs: { size: number; mtime: number; mode: number } }> | false>((cb) => sftp.readdir(handle, cb as never));
      if (!batch) break;
      for (const e of batch) {
        if (e.filename === '.' || e.filename === '..') continue;
        count += 1;
        hear({ name: e.filename, size: e.attrs.size, modifiedAt: e.attrs.mtime * 1_000, isFile: (e.attrs.mode & S_IFMT) === S_IFREG });
      }
    }
  } finally {
    await sftpCall<void>((cb) => sftp.close(handle, cb)).catch(() => undefined);
  }
  return count;
}
