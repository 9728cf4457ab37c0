// OpenSSH's SFTP subsystem logs an upload as separate lines (with `-l INFO`):
//   session opened for local user acme from [203.0.113.7]
//   open "/in/acme/orders_1.csv" flags WRITE,CREATE,TRUNCATE mode 0644
//   close "/in/acme/orders_1.csv" bytes read 0 written 18200
// Only the session line names the user. This pairs them, per target, in the order the lines come:
// a close of a file opened for writing becomes one upload of the session's user, in the shape
// the transfer log's uploads have ("sftp-write <path> (<n> bytes)"); a close of a file only read
// is no upload. Lines of one session arrive together in practice; with several partners'
// sessions interleaved in one batch, a file is given to the user whose session line came last
// (the pid that would tell them apart is not in an `sshd -E` file). State is per process and
// bounded.
import type { LogEvent } from '../ingest/log-event.js';

const MAX_OPEN = 1_000;

export class SftpUploads {
  private readonly sessions = new Map<string, { user: string; source?: string }>();
  private readonly writing = new Map<string, Set<string>>();

  /** The events with SFTP lines folded into uploads; other events pass as they are. */
  fold(target: string, events: readonly LogEvent[]): LogEvent[] {
    const out: LogEvent[] = [];
    for (const e of events) {
      if (e.kind === 'sftp_session') {
        if (e.user) this.sessions.set(target, { user: e.user, ...(e.source ? { source: e.source } : {}) });
        out.push(e);
      } else if (e.kind === 'sftp_open_write') {
        const open = this.writing.get(target) ?? new Set<string>();
        if (open.size >= MAX_OPEN) open.delete(open.values().next().value!);
        open.add(e.detail ?? '');
        this.writing.set(target, open);
      } else if (e.kind === 'sftp_close') {
        const m = /^(.*) \((\d+) bytes\)$/.exec(e.detail ?? '');
        if (!m || !this.writing.get(target)?.delete(m[1]!)) continue;
        const session = this.sessions.get(target);
        out.push({
          kind: 'transfer_ok',
          daemon: e.daemon,
          ...(session ? { user: session.user, ...(session.source ? { source: session.source } : {}) } : {}),
          ...(e.at ? { at: e.at } : {}),
          detail: `sftp-write ${m[1]} (${m[2]} bytes)`,
        });
      } else out.push(e);
    }
    return out;
  }
}
