// A minimal, scriptable, plain-FTP server (RFC 959 subset, enough for basic-ftp 6 and the ftpops
// FTP probe) with injectable faults. Passive mode only; a fresh 127.0.0.1 listener per PASV/EPSV.
// Files live in memory, shared by all connections of one server instance.
import { createServer, type Socket } from 'node:net';
import { posix } from 'node:path';
import { LOOPBACK, Tracker, closeServer, closedPort, listenLoopback, type FaultServer } from './fault-tcp-servers.js';

export interface FaultFtpOptions {
  /** Replaces the "220 (fault-ftpd 1.0)" greeting. A string gets "\r\n" appended if it has no newline; a Buffer is sent verbatim. */
  greeting?: Buffer | string;
  /** Close the control connection right after the greeting. Default: true when the greeting starts with 4 or 5 (421, 500 OOPS). */
  closeAfterGreeting?: boolean;
  /** Wait this long after the accept before greeting (a slow greet stage). */
  greetDelayMs?: number;
  /** Wait this long before answering the named commands, e.g. { PASS: 2000, LIST: 500 }. */
  replyDelayMs?: Partial<Record<string, number>>;
  /** If set, only these credentials log in; anything else gets "530 Login incorrect.". Default: anyone. */
  user?: string;
  password?: string;
  /** Answer to USER instead of "331 Please specify the password." (e.g. "530 Permission denied."). */
  userReply?: string;
  /** Answer to PASS instead of 230, whatever the credentials (e.g. "530 Login incorrect."). 2xx logs in. */
  loginReply?: string;
  /** Generic per-command overrides, e.g. { AUTH: '534 Policy requires SSL.', SYST: '215 Windows_NT' }. Wins over built-ins. */
  replies?: Partial<Record<string, string>>;
  /** Advertise MLST in FEAT (basic-ftp then lists with MLSD). MLSD is always understood. */
  mlsd?: boolean;
  /** EPSV → "500 Unknown command." (forces clients onto PASV). */
  noEpsv?: boolean;
  /** LIST/MLSD/NLST/STOR/RETR → "425 Can't open data connection." without using the data socket. */
  dataReply425?: boolean;
  /** PASV/EPSV answer with a loopback port on which nothing listens (data connect → ECONNREFUSED). */
  pasvToClosedPort?: boolean;
  /** LIST/MLSD/NLST/STOR/RETR → "522 SSL connection failed: session reuse required". */
  data522?: boolean;
  /** 150, part of the data, then the data socket is reset and the reply is "426 Connection closed; transfer aborted.". */
  dataAbort426?: boolean;
  /** STOR answer, e.g. "552 Exceeded storage allocation" / "452 Insufficient storage space" (after 150 and the data), or "553 Could not create file." / "550 ..." (instead of 150). */
  storReply?: string;
  /** RETR sends the stored bytes with one byte changed. */
  corruptRetr?: boolean;
  /** Command name (e.g. "PASS", "LIST", "PWD") at which the server stops answering anything, forever. */
  stallAt?: string;
  /** Command after whose reply the server closes the control connection (FIN), e.g. PASS with a "500 OOPS: ..." reply. */
  closeAfter?: string;
  /** Command at which the server resets the control connection (RST) instead of answering. */
  resetAt?: string;
  /** CWD answer, e.g. "550 Failed to change directory.". */
  cwdReply?: string;
  /** Address written in the PASV reply text (e.g. "10.255.255.1"); the listener stays on 127.0.0.1. EPSV is unaffected. */
  pasvAddress?: string;
  /** Initial files, by absolute path ("/hello.txt"). */
  files?: Record<string, Buffer | string>;
  /** How long a data command waits for the client's data connection before "425 Failed to establish connection.". Default 5000 ms. */
  dataAcceptTimeoutMs?: number;
}

export interface FaultFtpServer extends FaultServer {
  /** Every command received, over all connections, in order; PASS is logged as "PASS ***". */
  log: string[];
  /** The in-memory file store (absolute path → content). */
  files: Map<string, Buffer>;
}

const FEATURES = [' EPSV', ' PASV', ' SIZE', ' MDTM', ' REST STREAM', ' UTF8', ' TVFS'];
const PRE_LOGIN = new Set(['USER', 'PASS', 'QUIT', 'FEAT', 'SYST', 'AUTH', 'PBSZ', 'PROT', 'OPTS', 'NOOP', 'HELP']);
const MODIFY = '20240101000000';

interface Passive {
  listener: ReturnType<typeof createServer> | undefined;
  socket: Promise<Socket | undefined>;
}

export async function startFaultFtpServer(opts: FaultFtpOptions = {}): Promise<FaultFtpServer> {
  const tracker = new Tracker();
  const log: string[] = [];
  const files = new Map<string, Buffer>();
  for (const [p, content] of Object.entries(opts.files ?? {})) {
    files.set(posix.resolve('/', p), typeof content === 'string' ? Buffer.from(content) : content);
  }
  let accepted = 0;
  const upper = (s: string | undefined) => s?.toUpperCase();
  const stallAt = upper(opts.stallAt);
  const closeAfter = upper(opts.closeAfter);
  const resetAt = upper(opts.resetAt);
  const acceptTimeout = opts.dataAcceptTimeoutMs ?? 5000;
  const delay = (ms: number) => new Promise<void>((resolve) => tracker.setTimeout(resolve, ms));

  const server = createServer((control) => {
    accepted++;
    tracker.track(control);
    if (tracker.closed) return;
    void session(control);
  });
  tracker.trackServer(server);
  const port = await listenLoopback(server);

  async function session(control: Socket): Promise<void> {
    const send = (line: string) => {
      if (!control.destroyed && control.writable) control.write(line.endsWith('\r\n') ? line : `${line}\r\n`);
    };
    let loggedIn = false;
    let userName = '';
    let cwd = '/';
    let passive: Passive | undefined;
    let stalled = false;
    let renameFrom: string | undefined;
    let restAt = 0;

    const lines: string[] = [];
    let wake: (() => void) | undefined;
    let ended = false;
    let pending = '';
    control.setEncoding('utf8');
    control.on('data', (chunk: string) => {
      pending += chunk;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        lines.push(pending.slice(0, nl).replace(/\r$/, ''));
        pending = pending.slice(nl + 1);
      }
      wake?.();
    });
    control.once('close', () => {
      ended = true;
      wake?.();
      dropPassive();
    });

    function dropPassive(): void {
      const p = passive;
      passive = undefined;
      if (!p) return;
      if (p.listener) void closeServer(p.listener);
      void p.socket.then((s) => s?.destroy());
    }

    async function openPassive(): Promise<number> {
      dropPassive();
      if (opts.pasvToClosedPort) {
        passive = { listener: undefined, socket: Promise.resolve(undefined) };
        return closedPort();
      }
      const listener = createServer();
      tracker.trackServer(listener);
      let resolveSocket!: (s: Socket | undefined) => void;
      const socket = new Promise<Socket | undefined>((r) => (resolveSocket = r));
      listener.on('connection', (s) => {
        tracker.track(s);
        resolveSocket(s);
        // One data connection per PASV, as real servers do.
        void closeServer(listener);
      });
      listener.once('close', () => resolveSocket(undefined));
      const p = await listenLoopback(listener);
      passive = { listener, socket };
      return p;
    }

    /** Takes the pending data connection; undefined (after a 425) if there is none. */
    async function takeDataSocket(): Promise<Socket | undefined> {
      const p = passive;
      passive = undefined;
      if (!p) {
        send('425 Use PORT or PASV first.');
        return undefined;
      }
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<undefined>((r) => (timer = tracker.setTimeout(() => r(undefined), acceptTimeout)));
      const s = await Promise.race([p.socket, timeout]);
      tracker.clearTimeout(timer);
      if (p.listener) void closeServer(p.listener);
      if (!s || s.destroyed) {
        send('425 Failed to establish connection.');
        return undefined;
      }
      return s;
    }

    /** Reply first, then drop the data connection the client may already have opened. */
    function refuseData(reply: string): void {
      send(reply);
      const p = passive;
      passive = undefined;
      if (p) setImmediate(() => {
        if (p.listener) void closeServer(p.listener);
        void p.socket.then((s) => s?.destroy());
      });
    }

    const resolvePath = (arg: string) => posix.resolve(cwd, arg || '.');

    function listing(cmd: string, arg: string): string {
      // Ignore ls-style flags ("LIST -a").
      const target = arg.split(' ').filter((a) => !a.startsWith('-')).join(' ');
      const dir = resolvePath(target);
      const entries = [...files.entries()].filter(([p]) => posix.dirname(p) === dir || p === dir);
      return entries
        .map(([p, content]) => {
          const name = posix.basename(p);
          if (cmd === 'NLST') return `${name}\r\n`;
          if (cmd === 'MLSD') return `type=file;size=${content.length};modify=${MODIFY};unix.mode=0644; ${name}\r\n`;
          return `-rw-r--r--    1 1000     1000     ${String(content.length).padStart(8)} Jan 01 00:00 ${name}\r\n`;
        })
        .join('');
    }

    async function dataCommand(cmd: string, arg: string): Promise<void> {
      if (opts.dataReply425) return refuseData("425 Can't open data connection.");
      if (opts.data522) return refuseData('522 SSL connection failed: session reuse required');
      const path = resolvePath(arg);
      if (cmd === 'RETR' && !files.has(path)) return refuseData('550 Failed to open file.');
      if ((cmd === 'STOR' || cmd === 'APPE') && opts.storReply && !/^(452|552)/.test(opts.storReply)) {
        return refuseData(opts.storReply);
      }
      const data = await takeDataSocket();
      if (!data) return;
      const finished = new Promise<void>((r) => data.once('close', () => r()));

      if (cmd === 'STOR' || cmd === 'APPE') {
        send('150 Ok to send data.');
        const chunks: Buffer[] = [];
        let received = 0;
        data.on('data', (c: Buffer) => {
          chunks.push(c);
          received += c.length;
          if (opts.dataAbort426 && received > 0 && !data.destroyed) data.resetAndDestroy();
        });
        await finished;
        if (opts.dataAbort426) return void send('426 Connection closed; transfer aborted.');
        if (opts.storReply) return void send(opts.storReply);
        const body = Buffer.concat(chunks);
        const prev = cmd === 'APPE' ? files.get(path) : undefined;
        files.set(path, prev ? Buffer.concat([prev, body]) : body);
        return void send('226 Transfer complete.');
      }

      let body: Buffer;
      if (cmd === 'RETR') {
        body = (files.get(path) ?? Buffer.alloc(0)).subarray(restAt);
        restAt = 0;
        if (opts.corruptRetr) {
          body = Buffer.from(body);
          const i = Math.floor(body.length / 2);
          if (body.length === 0) body = Buffer.from('X');
          else body[i] = (body[i] ?? 0) ^ 0x01;
        }
        send(`150 Opening BINARY mode data connection for ${posix.basename(path)} (${body.length} bytes).`);
      } else {
        body = Buffer.from(listing(cmd, arg));
        send('150 Here comes the directory listing.');
      }
      if (opts.dataAbort426) {
        // Enough for the client to have started receiving, then an abrupt end (RST).
        const part = body.length > 1 ? body.subarray(0, Math.ceil(body.length / 2)) : Buffer.from('-');
        data.write(part, () => {
          if (!data.destroyed) data.resetAndDestroy();
        });
        await finished;
        return void send('426 Connection closed; transfer aborted.');
      }
      data.end(body);
      await finished;
      send(cmd === 'RETR' ? '226 Transfer complete.' : '226 Directory send OK.');
    }

    async function handle(line: string): Promise<'close' | undefined> {
      const sp = line.indexOf(' ');
      const cmd = (sp < 0 ? line : line.slice(0, sp)).toUpperCase();
      const arg = sp < 0 ? '' : line.slice(sp + 1);
      log.push(cmd === 'PASS' ? 'PASS ***' : line);

      if (cmd === stallAt) {
        stalled = true;
        return undefined;
      }
      if (cmd === resetAt) {
        control.resetAndDestroy();
        return 'close';
      }
      const wait = opts.replyDelayMs?.[cmd];
      if (wait) await delay(wait);

      const override = opts.replies?.[cmd];
      if (override !== undefined) {
        send(override);
        if (cmd === 'PASS' && override.startsWith('2')) loggedIn = true;
        return cmd === 'QUIT' ? 'close' : undefined;
      }
      if (!loggedIn && !PRE_LOGIN.has(cmd)) {
        send('530 Please login with USER and PASS.');
        return undefined;
      }

      switch (cmd) {
        case 'USER':
          userName = arg;
          send(opts.userReply ?? '331 Please specify the password.');
          return undefined;
        case 'PASS': {
          if (opts.loginReply !== undefined) {
            loggedIn = opts.loginReply.startsWith('2');
            send(opts.loginReply);
            return undefined;
          }
          const okUser = opts.user === undefined || opts.user === userName;
          const okPass = opts.password === undefined || opts.password === arg;
          loggedIn = okUser && okPass;
          send(loggedIn ? '230 Login successful.' : '530 Login incorrect.');
          return undefined;
        }
        case 'QUIT':
          send('221 Goodbye.');
          return 'close';
        case 'SYST':
          send('215 UNIX Type: L8');
          return undefined;
        case 'FEAT':
          send(['211-Features:', ...FEATURES, ...(opts.mlsd ? [' MLST type*;size*;modify*;unix.mode*;'] : []), '211 End'].join('\r\n'));
          return undefined;
        case 'HELP':
          send('214 Help OK.');
          return undefined;
        case 'NOOP':
          send('200 NOOP ok.');
          return undefined;
        case 'OPTS':
          send(/^UTF8 ON$/i.test(arg) ? '200 Always in UTF8 mode.' : '200 OPTS ok.');
          return undefined;
        case 'PBSZ':
          send('200 PBSZ=0');
          return undefined;
        case 'PROT':
          send('200 PROT now Private.');
          return undefined;
        case 'PWD':
        case 'XPWD':
          send(`257 "${cwd}" is the current directory`);
          return undefined;
        case 'CWD':
        case 'XCWD':
          if (opts.cwdReply !== undefined) {
            send(opts.cwdReply);
            if (opts.cwdReply.startsWith('2')) cwd = resolvePath(arg);
          } else {
            cwd = resolvePath(arg);
            send('250 Directory successfully changed.');
          }
          return undefined;
        case 'CDUP':
          cwd = posix.dirname(cwd);
          send('250 Directory successfully changed.');
          return undefined;
        case 'TYPE':
          if (/^I/i.test(arg)) send('200 Switching to Binary mode.');
          else if (/^A/i.test(arg)) send('200 Switching to ASCII mode.');
          else send('504 Bad TYPE command.');
          return undefined;
        case 'STRU':
          send(/^F$/i.test(arg) ? '200 Structure set to F.' : '504 Bad STRU command.');
          return undefined;
        case 'MODE':
          send(/^S$/i.test(arg) ? '200 Mode set to S.' : '504 Bad MODE command.');
          return undefined;
        case 'EPSV': {
          if (opts.noEpsv) {
            send('500 Unknown command.');
            return undefined;
          }
          const p = await openPassive();
          send(`229 Entering Extended Passive Mode (|||${p}|)`);
          return undefined;
        }
        case 'PASV': {
          const p = await openPassive();
          const addr = (opts.pasvAddress ?? LOOPBACK).replace(/\./g, ',');
          send(`227 Entering Passive Mode (${addr},${p >> 8},${p & 255}).`);
          return undefined;
        }
        case 'PORT':
        case 'EPRT':
          send('500 Illegal PORT command.');
          return undefined;
        case 'REST':
          restAt = Number.parseInt(arg, 10) || 0;
          send(`350 Restart position accepted (${restAt}).`);
          return undefined;
        case 'LIST':
        case 'MLSD':
        case 'NLST':
        case 'RETR':
        case 'STOR':
        case 'APPE':
          await dataCommand(cmd, arg);
          return undefined;
        case 'SIZE': {
          const f = files.get(resolvePath(arg));
          send(f ? `213 ${f.length}` : '550 Could not get file size.');
          return undefined;
        }
        case 'MDTM':
          send(files.has(resolvePath(arg)) ? `213 ${MODIFY}` : '550 Could not get file modification time.');
          return undefined;
        case 'DELE':
          send(files.delete(resolvePath(arg)) ? '250 Delete operation successful.' : '550 Delete operation failed.');
          return undefined;
        case 'MKD':
        case 'XMKD':
          send(`257 "${resolvePath(arg)}" created`);
          return undefined;
        case 'RMD':
        case 'XRMD':
          send('250 Remove directory operation successful.');
          return undefined;
        case 'RNFR':
          renameFrom = resolvePath(arg);
          send(files.has(renameFrom) ? '350 Ready for RNTO.' : '550 RNFR command failed.');
          return undefined;
        case 'RNTO': {
          const from = renameFrom;
          renameFrom = undefined;
          const content = from === undefined ? undefined : files.get(from);
          if (from === undefined || content === undefined) {
            send('503 RNFR required first.');
            return undefined;
          }
          files.delete(from);
          files.set(resolvePath(arg), content);
          send('250 Rename successful.');
          return undefined;
        }
        case 'ABOR':
          dropPassive();
          send('225 No transfer to ABOR.');
          return undefined;
        default:
          send('502 Command not implemented.');
          return undefined;
      }
    }

    // Greeting.
    if (opts.greetDelayMs) await delay(opts.greetDelayMs);
    if (control.destroyed || tracker.closed) return;
    const greeting = opts.greeting === undefined ? '220 (fault-ftpd 1.0)\r\n' : opts.greeting;
    const gbuf = typeof greeting === 'string' ? Buffer.from(greeting.endsWith('\n') ? greeting : `${greeting}\r\n`) : greeting;
    const closeAfterGreeting = opts.closeAfterGreeting ?? /^[45]/.test(gbuf.toString('latin1', 0, 1));
    if (closeAfterGreeting) {
      control.end(gbuf);
      return;
    }
    control.write(gbuf);

    // Commands, strictly one at a time, in order.
    for (;;) {
      while (lines.length === 0 && !ended) await new Promise<void>((r) => (wake = r));
      wake = undefined;
      const line = lines.shift();
      if (line === undefined || ended || tracker.closed) return;
      if (stalled || line === '') continue;
      const cmd = line.split(' ', 1)[0]?.toUpperCase() ?? '';
      const result = await handle(line);
      if (result === 'close' || control.destroyed) {
        if (!control.destroyed) control.end();
        return;
      }
      if (cmd === closeAfter) {
        control.end();
        return;
      }
    }
  }

  return {
    host: LOOPBACK,
    port,
    close: () => tracker.close(),
    connections: () => accepted,
    log,
    files,
  };
}
