// Follows a log file the way `tail -F` does, safe across rotation: polls the path, reads what
// was appended since last time, and when the file was replaced (another inode: logrotate's
// rename + create) or truncated (copytruncate), finishes the old file and starts the new one
// from its beginning. A line is handed over only once it is complete.
import { type FileHandle, open, stat } from 'node:fs/promises';

const READ_CHUNK = 1024 * 1024;
const MAX_LINE = 64 * 1024;

export interface FileTailOptions {
  /** Start at the end of the file (new lines only), as a tail of a live log should. */
  fromEnd?: boolean;
  everyMs?: number;
}

export class FileTail {
  private handle: FileHandle | undefined;
  private inode: number | undefined;
  private position = 0;
  private partial = '';
  private timer: NodeJS.Timeout | undefined;
  private polling = false;

  constructor(
    private readonly path: string,
    private readonly onLines: (lines: string[]) => Promise<unknown>,
    private readonly options: FileTailOptions = {},
  ) {}

  async start(): Promise<void> {
    await this.openCurrent(this.options.fromEnd ?? true);
    this.timer = setInterval(() => void this.poll(), this.options.everyMs ?? 500);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.handle?.close().catch(() => undefined);
    this.handle = undefined;
  }

  /** One round: read the appended bytes; switch files after a rotation. Exposed for tests. */
  async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const current = await stat(this.path).catch(() => undefined);
      if (!this.handle) {
        if (current) await this.openCurrent(false);
        return;
      }
      await this.readAppended();
      if (!current) return;
      if (current.ino !== this.inode) {
        // Rotated: the old file is finished (read above); the new one is read from its start.
        await this.handle.close().catch(() => undefined);
        this.handle = undefined;
        this.flushPartial();
        await this.openCurrent(false);
        await this.readAppended();
      } else if (current.size < this.position) {
        // Truncated in place (copytruncate).
        this.position = 0;
        this.partial = '';
        await this.readAppended();
      }
    } finally {
      this.polling = false;
    }
  }

  private async openCurrent(atEnd: boolean): Promise<void> {
    try {
      this.handle = await open(this.path, 'r');
      const s = await this.handle.stat();
      this.inode = s.ino;
      this.position = atEnd ? s.size : 0;
      this.partial = '';
    } catch {
      this.handle = undefined;
    }
  }

  private async readAppended(): Promise<void> {
    if (!this.handle) return;
    const buffer = Buffer.alloc(READ_CHUNK);
    for (;;) {
      const { bytesRead } = await this.handle.read(buffer, 0, READ_CHUNK, this.position);
      if (bytesRead === 0) return;
      this.position += bytesRead;
      const text = this.partial + buffer.subarray(0, bytesRead).toString('utf8');
      const lines = text.split('\n');
      this.partial = (lines.pop() ?? '').slice(-MAX_LINE);
      if (lines.length) await this.onLines(lines.map((l) => l.replace(/\r$/, '')));
    }
  }

  private flushPartial(): void {
    if (this.partial) void this.onLines([this.partial]);
    this.partial = '';
  }
}
