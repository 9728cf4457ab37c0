// Watches the first bytes a server sends, beside the protocol library that parses them:
//  - tells which protocol the port really speaks (an SSH identification on "port 21", a 220
//    greeting on "port 22", a TLS record where a greeting was expected), because basic-ftp and
//    ssh2 only wait and time out on a foreign greeting;
//  - keeps the SSH identification line, which ssh2 has no public API for;
//  - bounds what a hostile server can make us buffer before the greeting is complete
//    (basic-ftp keeps an unfinished reply in memory without limit).
import type { Socket } from 'node:net';
import type { FailureSignal } from './probe.js';
import { SignalError } from './failure-signal.js';
import { cleanText, type TextCleaner } from './server-text.js';

export type Speaks = NonNullable<FailureSignal['speaks']>;

/** The longest single reply line we accept (RFC 959 has no limit; real greetings are < 1 KiB). */
export const MAX_LINE_BYTES = 64 * 1024;
/** The most we read before a greeting is complete (multi-line 220- banners included). */
export const MAX_GREETING_BYTES = 256 * 1024;

/** Printable ASCII with tabs and line ends only: text a person can read as it is. */
export function isReadable(bytes: Buffer): boolean {
  if (bytes.length === 0) return false;
  for (const b of bytes) if (!(b === 0x09 || b === 0x0a || b === 0x0d || (b >= 0x20 && b < 0x7f))) return false;
  return true;
}

/** What do these first bytes look like? undefined = not enough bytes to tell yet. */
export function classifyFirstBytes(bytes: Buffer): Speaks | undefined {
  if (bytes.length === 0) return undefined;
  const first = bytes[0];
  // TLS record header: content type 0x16 handshake / 0x15 alert, then major version 3.
  if (first === 0x16 || first === 0x15) return bytes.length < 2 ? undefined : bytes[1] === 0x03 ? 'tls' : 'unknown';
  const head = bytes.subarray(0, 5).toString('latin1');
  if (head.startsWith('SSH-')) return 'ssh';
  if (head.startsWith('HTTP/')) return 'http';
  if (/^\d{3}[ \-\r\n]/.test(head)) return 'ftp';
  const couldStillMatch = ['SSH-', 'HTTP/'].some((p) => p.startsWith(head)) || /^\d{0,3}$/.test(head);
  return couldStillMatch && bytes.length < 5 ? undefined : 'unknown';
}

export interface WireWatchOptions {
  /** The protocol the probe expects; anything else is a protocol.mismatch. */
  expects: 'ftp' | 'ssh';
  /** The check's cleaner for what is kept of the server's bytes; default cleanText. */
  clean?: TextCleaner;
}

/**
 * Attach to a socket before the protocol library reads it. `verdict` settles as soon as the first
 * bytes tell what the port speaks: it resolves when they match what is expected and rejects with
 * a protocol.mismatch SignalError otherwise. Until `release()`, oversized input destroys the socket
 * and is reported through `violation`.
 */
export class WireWatch {
  readonly verdict: Promise<void>;
  /** The SSH identification line (without CR LF), once seen. */
  identification: string | undefined;
  /** First line the server sent, for facts and messages. */
  firstLine: string | undefined;
  violation: FailureSignal | undefined;
  /** The protocol.mismatch (or text-before-identification) signal, once the verdict rejected. */
  signal: FailureSignal | undefined;
  private received = Buffer.alloc(0);
  private total = 0;
  private lineLength = 0;
  private settle!: { resolve: () => void; reject: (e: Error) => void; done: boolean };
  private lineEndWaiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  private ended = false;
  private readonly onData = (chunk: Buffer | string) => this.inspect(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk, 'utf8'));
  /** The server hung up: whatever it sent before is all there is to judge. */
  private readonly onEnd = () => {
    this.ended = true;
    if (!this.settle.done && this.received.length > 0) this.judge();
  };
  private readonly clean: TextCleaner;

  constructor(private readonly socket: Socket, private readonly options: WireWatchOptions) {
    this.clean = options.clean ?? cleanText;
    this.verdict = new Promise<void>((resolve, reject) => {
      this.settle = { resolve, reject, done: false };
    });
    // Nobody may be awaiting the verdict when the socket dies: keep that rejection handled.
    this.verdict.catch(() => undefined);
    socket.on('data', this.onData);
    // Registered before the protocol library's own listeners, so the words are judged before it
    // reports a closed connection.
    socket.on('end', this.onEnd);
    socket.on('close', this.onEnd);
  }

  /** Stop watching (greeting complete; later replies are bounded by the library's own parsing). */
  release(): void {
    this.socket.off('data', this.onData);
    this.socket.off('end', this.onEnd);
    this.socket.off('close', this.onEnd);
  }

  /**
   * Resolves once the last line received is complete. basic-ftp takes an unterminated "220 …"
   * at the end of a chunk for a whole reply, so a greeting split mid-line (or an endless one)
   * must be seen through to its line end before it is believed.
   */
  lineEnd(): Promise<void> {
    if (this.violation) return Promise.reject(new SignalError(this.violation));
    if (this.lineLength === 0) return Promise.resolve();
    return new Promise((resolve, reject) => this.lineEndWaiters.push({ resolve, reject }));
  }

  /** Have any bytes arrived at all? */
  get silent(): boolean {
    return this.total === 0;
  }

  private inspect(chunk: Buffer): void {
    this.total += chunk.length;
    if (this.received.length < 512) this.received = Buffer.concat([this.received, chunk.subarray(0, 512)]);
    if (!this.settle.done) this.judge();
    if (this.options.expects === 'ssh' && this.identification === undefined) this.findIdentification();
    this.bound(chunk);
  }

  private judge(): void {
    const speaks = classifyFirstBytes(this.received);
    if (speaks === undefined && !this.ended) return;
    const text = isReadable(this.received);
    // Readable text that is neither protocol (sshd at MaxStartups: "Exceeded MaxStartups\r\n",
    // then close) is judged as a whole line, or as everything sent before the server hung up.
    if ((speaks === 'unknown' || speaks === undefined) && text && !this.ended && this.received.length < 512) {
      if (this.options.expects === 'ssh' ? !this.sshLineFollows() : this.received.indexOf(0x0a) < 0) return;
    }
    if (this.options.expects === 'ssh' && (speaks === 'unknown' || speaks === undefined) && text && this.sshLineFollows()) {
      // RFC 4253 §4.2: "The server MAY send other lines of data before sending the version string."
      this.settle.done = true;
      return this.settle.resolve();
    }
    const newline = this.received.indexOf(0x0a);
    if (newline >= 0) this.firstLine = this.clean(this.received.subarray(0, newline).toString('utf8'));
    this.settle.done = true;
    const expected = this.options.expects === 'ssh' ? 'ssh' : 'ftp';
    // A real SSH server does not send an FTP-looking line first, and a 3-digit line there is an
    // FTP greeting, so judge by the first line.
    if (speaks === expected) return this.settle.resolve();
    const said = text ? this.clean(this.received.subarray(0, 240).toString('latin1')) : undefined;
    if (expected === 'ssh' && said !== undefined && speaks !== 'ftp' && speaks !== 'http') {
      // The server spoke in words and gave no identification: an SSH server turning the
      // connection away (sshd.c drop_connection(): "Exceeded MaxStartups"), or some other service.
      // Which it is, the knowledge base reads from the words (signals.yaml).
      this.signal = {
        source: 'ssh',
        key: 'text-before-identification',
        stage: 'greet',
        reply: { text: said },
        message: `the server sent "${said}" ${this.ended ? 'and closed the connection ' : ''}instead of an SSH identification`,
      };
      return this.settle.reject(new SignalError(this.signal));
    }
    // Readable ASCII is shown as the text it is; only binary (a TLS record, say) as hex.
    const sample = said ?? this.clean(this.received.subarray(0, 80).toString(speaks === 'tls' || speaks === 'unknown' || speaks === undefined ? 'hex' : 'utf8'));
    const foreign: Speaks = speaks ?? 'unknown';
    this.signal = {
      source: 'protocol',
      key: `mismatch:${foreign}`,
      speaks: foreign,
      stage: 'greet',
      reply: { text: sample },
      message: `expected ${expected === 'ssh' ? 'an SSH identification' : 'an FTP greeting'} but the port speaks ${foreign}`,
    };
    this.settle.reject(new SignalError(this.signal));
  }

  /** Is there an "SSH-" line among what arrived (after any text lines)? */
  private sshLineFollows(): boolean {
    return /(?:^|\n)SSH-/.test(this.received.toString('latin1'));
  }

  private findIdentification(): void {
    const text = this.received.toString('latin1');
    const match = /(?:^|\n)(SSH-[^\r\n]*)\r?\n/.exec(text);
    if (match?.[1]) this.identification = this.clean(match[1]);
  }

  private bound(chunk: Buffer): void {
    // The longest line in this chunk, counting the unfinished line carried over from before.
    let longest = 0;
    let start = 0;
    let carried = this.lineLength;
    for (let nl = chunk.indexOf(0x0a); nl >= 0; nl = chunk.indexOf(0x0a, start)) {
      longest = Math.max(longest, carried + nl - start);
      carried = 0;
      start = nl + 1;
    }
    this.lineLength = carried + chunk.length - start;
    const tooLong = Math.max(longest, this.lineLength) > MAX_LINE_BYTES;
    const tooMuch = this.options.expects === 'ftp' && this.total > MAX_GREETING_BYTES;
    if (!tooLong && !tooMuch) {
      if (this.lineLength === 0) for (const w of this.lineEndWaiters.splice(0)) w.resolve();
      return;
    }
    this.violation = {
      source: 'protocol',
      key: 'oversized-reply',
      stage: 'greet',
      reply: this.firstLine ? { text: this.firstLine } : { text: this.clean(this.received.subarray(0, 120).toString('utf8')) },
      message: tooLong
        ? `the server sent a line longer than ${MAX_LINE_BYTES / 1024} KiB without ending it`
        : `the server sent more than ${MAX_GREETING_BYTES / 1024} KiB before completing its greeting`,
    };
    this.release();
    const error = new SignalError(this.violation);
    for (const w of this.lineEndWaiters.splice(0)) w.reject(error);
    this.socket.destroy(error);
  }
}
