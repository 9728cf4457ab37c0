// The SFTP file operations of the demo server, over a directory that the user sees as "/".
// Enough for our probe (realpath, opendir/readdir, open/write/close, open/fstat/read/close,
// remove) and for a person with `sftp` or FileZilla (stat, mkdir, rmdir, rename). Paths are
// resolved from "/" first, so ".." can never leave the directory.
import { constants, type Stats } from 'node:fs';
import { mkdir, open, readdir, rename, rmdir, stat, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join, posix } from 'node:path';
import ssh2 from 'ssh2';
import type { Attributes, FileEntry, SFTPWrapper } from 'ssh2';

const { STATUS_CODE, OPEN_MODE } = ssh2.utils.sftp;
/** Entries per READDIR answer, so one answer stays well inside an SFTP packet (34000 bytes). */
const DIR_BATCH = 100;

type Handle = { kind: 'file'; file: FileHandle } | { kind: 'dir'; path: string; entries?: FileEntry[] };

export function serveSftp(sftp: SFTPWrapper, root: string): void {
  const handles = new Map<number, Handle>();
  let nextHandle = 1;
  const local = (path: string) => join(root, posix.resolve('/', path));
  const handleOf = (buf: Buffer) => (buf.length === 4 ? handles.get(buf.readUInt32BE(0)) : undefined);
  const newHandle = (reqId: number, h: Handle) => {
    const id = nextHandle++;
    handles.set(id, h);
    const buf = Buffer.alloc(4);
    buf.writeUInt32BE(id);
    sftp.handle(reqId, buf);
  };
  const ok = (reqId: number) => sftp.status(reqId, STATUS_CODE.OK);
  /** Run an operation; a file-system error becomes the matching SSH_FX_* status. */
  const guard = (reqId: number, work: () => Promise<void>) => {
    work().catch((err: NodeJS.ErrnoException) => {
      try {
        sftp.status(reqId, statusOf(err), err.code === 'ENOENT' ? 'No such file' : err.code === 'EACCES' ? 'Permission denied' : 'Failure');
      } catch {
        /* the channel is gone */
      }
    });
  };

  sftp.on('REALPATH', (reqId, path) => {
    const virtual = posix.resolve('/', path);
    sftp.name(reqId, [{ filename: virtual, longname: virtual, attrs: {} as Attributes }]);
  });
  for (const op of ['STAT', 'LSTAT'] as const) {
    sftp.on(op, (reqId: number, path: string) => guard(reqId, async () => void sftp.attrs(reqId, attrsOf(await stat(local(path))))));
  }
  sftp.on('FSTAT', (reqId, buf) => {
    const h = handleOf(buf);
    if (h?.kind !== 'file') return sftp.status(reqId, STATUS_CODE.FAILURE, 'Bad handle');
    guard(reqId, async () => void sftp.attrs(reqId, attrsOf(await h.file.stat())));
  });
  sftp.on('OPENDIR', (reqId, path) =>
    guard(reqId, async () => {
      if (!(await stat(local(path))).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
      newHandle(reqId, { kind: 'dir', path: local(path) });
    }));
  sftp.on('READDIR', (reqId, buf) => {
    const h = handleOf(buf);
    if (h?.kind !== 'dir') return sftp.status(reqId, STATUS_CODE.FAILURE, 'Bad handle');
    guard(reqId, async () => {
      // Read the whole directory at the first READDIR, then hand it out in batches, then EOF.
      if (!h.entries) {
        h.entries = [];
        for (const name of await readdir(h.path)) {
          const st = await stat(join(h.path, name)).catch(() => undefined);
          if (st) h.entries.push({ filename: name, longname: longname(name, st), attrs: attrsOf(st) });
        }
      }
      const batch = h.entries.splice(0, DIR_BATCH);
      if (batch.length === 0) sftp.status(reqId, STATUS_CODE.EOF);
      else sftp.name(reqId, batch);
    });
  });
  sftp.on('OPEN', (reqId, filename, flags) =>
    guard(reqId, async () => {
      newHandle(reqId, { kind: 'file', file: await open(local(filename), openFlags(flags), 0o644) });
    }));
  sftp.on('READ', (reqId, buf, offset, length) => {
    const h = handleOf(buf);
    if (h?.kind !== 'file') return sftp.status(reqId, STATUS_CODE.FAILURE, 'Bad handle');
    guard(reqId, async () => {
      const data = Buffer.alloc(Math.min(length, 256 * 1024));
      const { bytesRead } = await h.file.read(data, 0, data.length, offset);
      if (bytesRead === 0) sftp.status(reqId, STATUS_CODE.EOF);
      else sftp.data(reqId, data.subarray(0, bytesRead));
    });
  });
  sftp.on('WRITE', (reqId, buf, offset, data) => {
    const h = handleOf(buf);
    if (h?.kind !== 'file') return sftp.status(reqId, STATUS_CODE.FAILURE, 'Bad handle');
    guard(reqId, async () => {
      await h.file.write(data, 0, data.length, offset);
      ok(reqId);
    });
  });
  sftp.on('CLOSE', (reqId, buf) => {
    const h = handleOf(buf);
    if (!h) return sftp.status(reqId, STATUS_CODE.FAILURE, 'Bad handle');
    handles.delete(buf.readUInt32BE(0));
    guard(reqId, async () => {
      if (h.kind === 'file') await h.file.close();
      ok(reqId);
    });
  });
  sftp.on('REMOVE', (reqId, path) => guard(reqId, async () => (await unlink(local(path)), ok(reqId))));
  sftp.on('MKDIR', (reqId, path) => guard(reqId, async () => (await mkdir(local(path)), ok(reqId))));
  sftp.on('RMDIR', (reqId, path) => guard(reqId, async () => (await rmdir(local(path)), ok(reqId))));
  sftp.on('RENAME', (reqId, from, to) => guard(reqId, async () => (await rename(local(from), local(to)), ok(reqId))));
  // Clients set times and modes after an upload (WinSCP, `put -p`); the demo accepts and ignores.
  sftp.on('SETSTAT', (reqId) => ok(reqId));
  sftp.on('FSETSTAT', (reqId) => ok(reqId));
  for (const op of ['READLINK', 'SYMLINK'] as const) sftp.on(op, (reqId: number) => sftp.status(reqId, STATUS_CODE.OP_UNSUPPORTED));

  // Files left open by a client that vanished are closed with the channel.
  const closeAll = () => {
    for (const h of handles.values()) if (h.kind === 'file') void h.file.close().catch(() => undefined);
    handles.clear();
  };
  sftp.on('end', closeAll);
  sftp.on('close', closeAll);
}

/** SSH_FXF_* open flags → open(2) flags (any combination, not only the ones fopen() modes name). */
function openFlags(flags: number): number {
  const access = flags & OPEN_MODE.READ && flags & OPEN_MODE.WRITE ? constants.O_RDWR : flags & OPEN_MODE.WRITE ? constants.O_WRONLY : constants.O_RDONLY;
  return (
    access |
    (flags & OPEN_MODE.APPEND ? constants.O_APPEND : 0) |
    (flags & OPEN_MODE.CREAT ? constants.O_CREAT : 0) |
    (flags & OPEN_MODE.TRUNC ? constants.O_TRUNC : 0) |
    (flags & OPEN_MODE.EXCL ? constants.O_EXCL : 0)
  );
}

function statusOf(err: NodeJS.ErrnoException): number {
  switch (err.code) {
    case 'ENOENT':
      return STATUS_CODE.NO_SUCH_FILE;
    case 'EACCES':
    case 'EPERM':
      return STATUS_CODE.PERMISSION_DENIED;
    default:
      return STATUS_CODE.FAILURE;
  }
}

function attrsOf(st: Stats): Attributes {
  return { mode: st.mode, uid: st.uid, gid: st.gid, size: st.size, atime: Math.floor(st.atimeMs / 1000), mtime: Math.floor(st.mtimeMs / 1000) };
}

/** An `ls -l` line, which clients such as `sftp` show as is. */
function longname(name: string, st: Stats): string {
  const type = st.isDirectory() ? 'd' : '-';
  const bits = [0o400, 0o200, 0o100, 0o40, 0o20, 0o10, 0o4, 0o2, 0o1].map((b, i) => (st.mode & b ? 'rwx'[i % 3] : '-')).join('');
  const [, day, month, , time] = st.mtime.toUTCString().split(' '); // "Tue, 01 Dec 2026 05:52:14 GMT"
  const when = `${month} ${String(Number(day)).padStart(2)} ${time?.slice(0, 5)}`; // "Dec  1 05:52", as ls -l
  return `${type}${bits} 1 demo demo ${String(st.size).padStart(8)} ${when} ${name}`;
}
