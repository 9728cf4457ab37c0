// basic-ftp's FTPContext with two corrections a diagnosis needs:
//
//  1. A reply is a whole line up to CR LF, however the bytes arrive (RFC 959 §4.2: a reply is the
//     code, a space, one line of text, "terminated by the Telnet end-of-line code"). basic-ftp
//     parses each chunk as it comes and takes an unterminated "500 OOPS: " at the end of a chunk
//     for the whole reply; vsftpd writes "500 OOPS: ", the reason and CR LF in separate write()s
//     (utility.c die()), so the reason was lost whenever a read fell between them. Here only
//     complete lines reach basic-ftp's parser; an unfinished reply line is handed over only when
//     the server ends the connection after it. A line is kept up to 16 KiB and the rest of it,
//     up to its CR LF, is dropped: what is kept of server text is cut to 500 characters anyway
//     (server-text.ts), a path in a 257 reply is at most PATH_MAX (4096), and a hostile 100 KB
//     line must neither grow without bound nor hide the reply code it starts with.
//  2. When a data connection fails and the control connection has a reply on its way, the control
//     reply says why. ProFTPD refusing STOR into a read-only folder answers
//     "550 <file>: Permission denied" and closes its passive listener, which resets the data
//     connection the client had already opened: the RST and the 550 arrive together, and basic-ftp
//     closed the whole session on whichever came first (the data error, every time on loopback).
//     Here a data-connection error closes the data connection only, and waits a moment for the
//     control reply before it is believed.
import { FTPContext, FTPError, type FTPResponse, type ResponseHandler, type TaskResolver } from 'basic-ftp';

/** How long a data-connection error waits for the control connection's reply. */
export const DATA_ERROR_GRACE_MS = 1_000;

/** The most of one reply line that is kept (see above). */
export const MAX_KEPT_LINE = 16 * 1024;

/**
 * Errors of the data connection: basic-ftp's default handler suffixes a data socket's errors with
 * "(data socket)"; stream.pipeline reports a data socket closed mid-transfer as a premature close.
 */
function isDataError(err: Error): boolean {
  return /\(data socket\)$/.test(err.message) || (err as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE';
}

export class ProbeFtpContext extends FTPContext {
  /** The last reply the server sent on the control connection (the 226 that ends a listing, say). */
  lastResponse: FTPResponse | undefined;
  private unfinished = '';
  private unfinishedSocket: unknown;
  /** The line being received has passed MAX_KEPT_LINE: drop the rest of it up to its line end. */
  private discarding = false;

  constructor() {
    // basic-ftp's own timeout stays off: the stage runner owns every deadline.
    super(0);
  }

  /**
   * Take over the check's own connected socket. basic-ftp starts with a socket of its own that
   * never connects, and replacing it "closes" it politely: a QUIT written to an unconnected
   * socket, which fails with a Node error and its stack trace — the largest cost the engine had
   * over the bare library (bench:instructions). Dropped quietly instead.
   */
  adopt(socket: this['socket']): void {
    if (this._socket && !this._socket.remoteAddress) {
      this._socket.removeAllListeners();
      this._socket.destroy();
      (this as unknown as { _socket: undefined })._socket = undefined;
    }
    this.socket = socket;
  }

  protected override _onControlSocketData(chunk: string): void {
    // A new control socket (the first, or the TLS upgrade) starts a new line.
    if (this.unfinishedSocket !== this.socket) {
      this.unfinishedSocket = this.socket;
      this.unfinished = '';
      this.discarding = false;
    }
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf('\n', start);
      const piece = nl < 0 ? chunk.slice(start) : chunk.slice(start, nl);
      if (!this.discarding) this.unfinished += piece;
      if (this.unfinished.length > MAX_KEPT_LINE) {
        this.unfinished = this.unfinished.slice(0, MAX_KEPT_LINE);
        this.discarding = true;
      }
      if (nl < 0) return;
      // One whole line at a time: basic-ftp's parser groups multi-line replies across calls.
      const line = `${this.unfinished}\n`;
      this.unfinished = '';
      this.discarding = false;
      super._onControlSocketData(line);
      start = nl + 1;
    }
  }

  protected override _passToHandler(response: Error | FTPResponse): void {
    if (response instanceof FTPError) this.lastResponse = { code: response.code, message: response.message };
    else if (!(response instanceof Error)) this.lastResponse = response;
    super._passToHandler(response);
  }

  override closeWithError(err: Error): void {
    // A data connection's failure ends that connection, not the session: the task hears of it
    // (and waits for the control reply, see handle) and the control connection stays usable.
    if (isDataError(err) && !this.closed) {
      this.dataSocket = undefined;
      this._passToHandler(err);
      return;
    }
    // A reply the server ended with FIN instead of CR LF is still its last word.
    if (/^\d{3}[ -]/.test(this.unfinished) && !this.closed) {
      const last = this.unfinished;
      this.unfinished = '';
      super._onControlSocketData(`${last}\n`);
    }
    super.closeWithError(err);
  }

  override handle(command: string | undefined, responseHandler: ResponseHandler): Promise<any> {
    let held: Error | undefined;
    let timer: NodeJS.Timeout | undefined;
    const settle = (task: TaskResolver, err: Error) => {
      clearTimeout(timer);
      held = undefined;
      task.reject(err);
    };
    return super.handle(command, (res, task) => {
      if (held) {
        // Waiting for the control connection's word on a failed data connection.
        if (res instanceof Error && isDataError(res)) return;
        if (res instanceof FTPError) return settle(task, res.code >= 400 ? res : held);
        // A preliminary reply (150) says nothing yet; a success (226) or the session ending does
        // not explain the failure: the data error stands.
        if (!(res instanceof Error) && res.code < 200) return;
        return settle(task, held);
      }
      responseHandler(res, {
        resolve: (value) => task.resolve(value),
        reject: (err) => {
          if (held || !isDataError(err) || this.closed) return task.reject(err);
          held = err;
          timer = setTimeout(() => {
            if (held) settle(task, held);
          }, DATA_ERROR_GRACE_MS);
        },
      });
    });
  }
}
