// A folder read one SSH_FXP_READDIR reply at a time (OPENDIR, READDIR until EOF, CLOSE; draft-
// ietf-secsh-filexfer-02 §6.7), each batch handed on and dropped: a folder of 10,000+ entries is
// never held whole, unlike ssh2's readdir(path), which gathers every batch into one array first.
import type { SFTPWrapper } from 'ssh2';
import type { ListedEntry } from '../probe.js';
import { sftpCall } from './sftp-calls.js';

const SSH_FX_EOF = 1;
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;

export async function readFolderInBatches(sftp: SFTPWrapper, path: string, listing: { wants(name: string): boolean; keep(entry: ListedEntry): void }): Promise<number> {
  const handle = await sftpCall<Buffer>((cb) => sftp.opendir(path, cb));
  let count = 0;
  try {
    for (;;) {
      // The end of the folder is a status EOF (SSH_FX_EOF = 1), which ssh2 passes on as an error.
      const batch = await sftpCall<Array<{ filename: string; attrs: { size: number; mtime: number; mode: number } }> | false>((cb) => sftp.readdir(handle, cb as never)).catch((err: { code?: number }) => {
        if (err.code === SSH_FX_EOF) return false as const;
        throw err;
      });
      if (!batch) break;
      for (const e of batch) {
        if (e.filename === '.' || e.filename === '..') continue;
        count += 1;
        if (listing.wants(e.filename)) listing.keep({ name: e.filename, size: e.attrs.size, modifiedAt: e.attrs.mtime * 1_000, isFile: (e.attrs.mode & S_IFMT) === S_IFREG });
      }
    }
  } finally {
    await sftpCall<void>((cb) => sftp.close(handle, cb)).catch(() => undefined);
  }
  return count;
}
