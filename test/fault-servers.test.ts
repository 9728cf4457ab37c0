// Proves each in-process fault server misbehaves exactly as advertised, with raw node:net/tls
// sockets and with the real basic-ftp client. Nothing here connects anywhere but 127.0.0.1.
import { createHash } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { Readable, Writable } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import { Client, FTPError } from 'basic-ftp';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  makeSelfSignedCert,
  startBannerServer,
  startByteDripServer,
  startDelayedServer,
  startEndlessBannerServer,
  startFaultFtpServer,
  startHttpLikeServer,
  startResetServer,
  startSilentServer,
  startTlsOnlyServer,
  type FaultFtpOptions,
  type FaultServer,
} from './support/fault-servers.js';

// Every server and client a test opens is closed after it, pass or fail.
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
// No listener or socket may outlive the tests (close() must really tear everything down).
afterAll(async () => {
  await new Promise((r) => setTimeout(r, 20));
  const net = process.getActiveResourcesInfo().filter((r) => /^TCP|TLS/.test(r));
  expect(net).toEqual([]);
});
async function use<T extends FaultServer>(p: Promise<T>): Promise<T> {
  const s = await p;
  cleanups.push(() => s.close());
  return s;
}
function client(timeoutMs = 2000): Client {
  const c = new Client(timeoutMs);
  cleanups.push(() => c.close());
  return c;
}

interface Seen {
  data: Buffer;
  error?: NodeJS.ErrnoException;
  closed: boolean;
  ms: number;
}

/** Connects, optionally writes, and reports what came back within `waitMs` (or until close / `untilBytes`). */
function watch(port: number, opts: { send?: string; waitMs?: number; untilBytes?: number } = {}): Promise<Seen> {
  const started = performance.now();
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let error: NodeJS.ErrnoException | undefined;
    const socket: Socket = connect(port, '127.0.0.1');
    const done = (closed: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ data: Buffer.concat(chunks), error, closed, ms: performance.now() - started });
    };
    const timer = setTimeout(() => done(false), opts.waitMs ?? 300);
    socket.on('connect', () => {
      if (opts.send !== undefined) socket.write(opts.send);
    });
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      size += c.length;
      if (opts.untilBytes !== undefined && size >= opts.untilBytes) done(false);
    });
    socket.on('error', (e: NodeJS.ErrnoException) => (error = e));
    socket.on('close', () => done(true));
  });
}

/** A tiny line-oriented FTP control client for checks basic-ftp cannot make (reply text as sent). */
async function rawFtp(port: number) {
  const socket = connect(port, '127.0.0.1');
  cleanups.push(() => socket.destroy());
  let buf = '';
  const waiters: Array<() => void> = [];
  socket.setEncoding('utf8');
  socket.on('data', (c: string) => {
    buf += c;
    waiters.splice(0).forEach((w) => w());
  });
  const reply = async (): Promise<string> => {
    for (;;) {
      const m = /^(\d{3}) [^\n]*\r\n/m.exec(buf);
      if (m) {
        const end = m.index + m[0].length;
        const text = buf.slice(0, end);
        buf = buf.slice(end);
        return text.trimEnd();
      }
      await new Promise<void>((r) => waiters.push(r));
    }
  };
  await reply();
  return {
    socket,
    next: reply,
    cmd: async (line: string) => {
      socket.write(`${line}\r\n`);
      return reply();
    },
  };
}

async function ftpCode(p: Promise<unknown>): Promise<number | string> {
  try {
    await p;
    return 'resolved';
  } catch (e) {
    if (e instanceof FTPError) return e.code;
    return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
  }
}

const sink = () => {
  const chunks: Buffer[] = [];
  const w = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk);
      cb();
    },
  });
  return { w, bytes: () => Buffer.concat(chunks) };
};
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function ftpReady(opts: FaultFtpOptions = {}, timeoutMs = 2000) {
  const srv = await use(startFaultFtpServer(opts));
  const c = client(timeoutMs);
  return { srv, c, login: () => c.access({ host: srv.host, port: srv.port, user: 'alice', password: 's3cret' }) };
}

describe('plain TCP fault servers', () => {
  it('reset server: the client sees ECONNRESET', async () => {
    const srv = await use(startResetServer());
    const seen = await watch(srv.port, { waitMs: 1000 });
    expect(seen.error?.code).toBe('ECONNRESET');
    expect(seen.data.length).toBe(0);
    expect(srv.connections()).toBe(1);
  });

  it('reset server with a partial banner: bytes, then ECONNRESET', async () => {
    const srv = await use(startResetServer({ banner: '220-Wel', delayMs: 50 }));
    const seen = await watch(srv.port, { waitMs: 1000 });
    expect(seen.data.toString()).toBe('220-Wel');
    expect(seen.error?.code).toBe('ECONNRESET');
  });

  it('silent server: connects, never sends, never closes', async () => {
    const srv = await use(startSilentServer());
    const seen = await watch(srv.port, { send: 'USER x\r\n', waitMs: 250 });
    expect(seen).toMatchObject({ closed: false, error: undefined });
    expect(seen.data.length).toBe(0);
  });

  it('endless banner: "220-" then one line with no newline, throttled, stops when the client leaves', async () => {
    const srv = await use(startEndlessBannerServer());
    const seen = await watch(srv.port, { untilBytes: 512 * 1024, waitMs: 2000 });
    expect(seen.data.subarray(0, 4).toString()).toBe('220-');
    expect(seen.data.includes(0x0a)).toBe(false);
    expect(seen.data.length).toBeGreaterThanOrEqual(512 * 1024);
    // 64 KiB per 10 ms: half a megabyte takes some tens of milliseconds, not a hot loop.
    expect(seen.ms).toBeGreaterThan(40);
    await new Promise((r) => setTimeout(r, 50));
    const after = srv.bytesSent();
    expect(after).toBeGreaterThanOrEqual(seen.data.length);
    await new Promise((r) => setTimeout(r, 100));
    expect(srv.bytesSent()).toBe(after);
  });

  it('endless banner honours maxBytes and stays open', async () => {
    const srv = await use(startEndlessBannerServer({ maxBytes: 100_000, intervalMs: 1 }));
    const seen = await watch(srv.port, { waitMs: 300 });
    expect(seen.closed).toBe(false);
    expect(seen.data.length).toBe(100_000);
    expect(srv.bytesSent()).toBe(100_000);
  });

  it('byte-drip server: one byte per interval', async () => {
    const srv = await use(startByteDripServer('220 slow\r\n', { intervalMs: 15 }));
    const early = await watch(srv.port, { waitMs: 5 });
    expect(early.data.length).toBeLessThanOrEqual(1);
    const all = await watch(srv.port, { waitMs: 1000, untilBytes: 10 });
    expect(all.data.toString()).toBe('220 slow\r\n');
    expect(all.ms).toBeGreaterThan(9 * 15 - 20);
  });

  it('byte-drip server defaults to one byte a second', async () => {
    const srv = await use(startByteDripServer('220 slow\r\n'));
    const seen = await watch(srv.port, { waitMs: 300 });
    expect(seen.data.toString()).toBe('2');
    expect(seen.closed).toBe(false);
  });

  it.each([
    ['SSH-2.0-OpenSSH_9.2p1 Debian\r\n'],
    ['220 FTP ready\r\n'],
    ['120 Service ready in 5 minutes\r\n'],
  ])('banner server sends %j and stays open', async (banner) => {
    const srv = await use(startBannerServer(banner));
    const seen = await watch(srv.port, { waitMs: 150 });
    expect(seen.data.toString('latin1')).toBe(banner);
    expect(seen.closed).toBe(false);
  });

  it('banner server sends non-UTF-8 bytes verbatim', async () => {
    const garbage = Buffer.from([0x00, 0xff, 0xfe, 0xc3, 0x28, 0x80, 0x0d, 0x0a]);
    const srv = await use(startBannerServer(garbage));
    const seen = await watch(srv.port, { untilBytes: garbage.length });
    expect(seen.data.equals(garbage)).toBe(true);
  });

  it('banner server sends a 1 MB single-line reply', async () => {
    const big = `220 ${'x'.repeat(1024 * 1024)}\r\n`;
    const srv = await use(startBannerServer(big));
    const seen = await watch(srv.port, { untilBytes: big.length, waitMs: 2000 });
    expect(seen.data.length).toBe(big.length);
    expect(seen.data.indexOf('\n')).toBe(big.length - 1);
  });

  it('banner server with after:"end" sends 421 then closes; basic-ftp reports 421', async () => {
    const srv = await use(startBannerServer('421 Too many connections\r\n', { after: 'end' }));
    const seen = await watch(srv.port, { waitMs: 1000 });
    expect(seen.data.toString()).toBe('421 Too many connections\r\n');
    expect(seen.closed).toBe(true);
    expect(seen.error).toBeUndefined();
    expect(await ftpCode(client().connect(srv.host, srv.port))).toBe(421);
  });

  it('basic-ftp rejects a 120 greeting with code 120', async () => {
    const srv = await use(startBannerServer('120 Service ready in 5 minutes\r\n'));
    expect(await ftpCode(client().connect(srv.host, srv.port))).toBe(120);
  });

  it('banner server with after:"reset" sends then resets', async () => {
    const srv = await use(startBannerServer('SSH-2.0-OpenSSH_9.2p1\r\n', { after: 'reset' }));
    const seen = await watch(srv.port, { waitMs: 1000 });
    expect(seen.error?.code).toBe('ECONNRESET');
  });

  it('delayed server sends its banner only after the delay', async () => {
    const srv = await use(startDelayedServer(150, '220 late\r\n'));
    const seen = await watch(srv.port, { untilBytes: 10, waitMs: 1000 });
    expect(seen.data.toString()).toBe('220 late\r\n');
    expect(seen.ms).toBeGreaterThanOrEqual(140);
  });

  it('http-like server: silent until spoken to, then HTTP 400 and close', async () => {
    const srv = await use(startHttpLikeServer());
    const quiet = await watch(srv.port, { waitMs: 150 });
    expect(quiet.data.length).toBe(0);
    expect(quiet.closed).toBe(false);
    const spoken = await watch(srv.port, { send: 'USER anonymous\r\n', waitMs: 1000 });
    expect(spoken.data.toString()).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(spoken.closed).toBe(true);
    expect(srv.received.map((b) => b.toString())).toEqual(['USER anonymous\r\n']);
  });

  it('close() destroys connections that are still open', async () => {
    const srv = await startSilentServer();
    const pending = watch(srv.port, { waitMs: 2000 });
    await new Promise((r) => setTimeout(r, 50));
    await srv.close();
    const seen = await pending;
    expect(seen.closed).toBe(true);
    expect(seen.ms).toBeLessThan(1000);
  });
});

describe('TLS-only server', () => {
  it('completes a handshake with a trusted CA, then stays silent', async () => {
    const { cert, key } = await makeSelfSignedCert();
    expect(cert.toString()).toMatch(/^-----BEGIN CERTIFICATE-----/);
    const srv = await use(startTlsOnlyServer({ cert, key }));
    const result = await new Promise<{ authorized: boolean; data: number; closed: boolean }>((resolve, reject) => {
      let data = 0;
      const s = tlsConnect({ host: srv.host, port: srv.port, ca: cert }, () => {
        setTimeout(() => {
          resolve({ authorized: s.authorized, data, closed: s.destroyed });
          s.destroy();
        }, 150);
      });
      s.on('data', (c: Buffer) => (data += c.length));
      s.on('error', reject);
    });
    expect(result).toEqual({ authorized: true, data: 0, closed: false });
    expect(srv.handshakes()).toBe(1);
  });

  it('an untrusting client fails with DEPTH_ZERO_SELF_SIGNED_CERT; a plain client hears nothing', async () => {
    const { cert, key } = await makeSelfSignedCert();
    const srv = await use(startTlsOnlyServer({ cert, key }));
    const code = await new Promise<string | undefined>((resolve) => {
      const s = tlsConnect({ host: srv.host, port: srv.port }, () => resolve('connected'));
      s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code));
    });
    expect(code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    const plain = await watch(srv.port, { waitMs: 150 });
    expect(plain).toMatchObject({ closed: false });
    expect(plain.data.length).toBe(0);
  });

  it('afterHandshake writes a greeting over TLS (implicit FTPS)', async () => {
    const { cert, key } = await makeSelfSignedCert();
    const srv = await use(startTlsOnlyServer({ cert, key, afterHandshake: '220 implicit\r\n' }));
    const c = client();
    const res = await c.connectImplicitTLS(srv.host, srv.port, { ca: cert });
    expect(res.code).toBe(220);
  });
});

describe('fault FTP server, healthy', () => {
  it('basic-ftp logs in, lists, uploads, downloads, sizes, deletes and quits', async () => {
    const { srv, c, login } = await ftpReady({ files: { '/hello.txt': 'hello\n' } });
    expect((await login()).code).toBe(220); // access() resolves with the welcome
    expect(await c.pwd()).toBe('/');
    const list = await c.list();
    expect(list.map((f) => [f.name, f.size])).toEqual([['hello.txt', 6]]);

    const payload = Buffer.from(Array.from({ length: 70_000 }, (_, i) => i % 251));
    expect((await c.uploadFrom(Readable.from([payload]), 'canary.bin')).code).toBe(226);
    expect(srv.files.get('/canary.bin')?.equals(payload)).toBe(true);
    const out = sink();
    expect((await c.downloadTo(out.w, 'canary.bin')).code).toBe(226);
    expect(sha(out.bytes())).toBe(sha(payload));
    expect(await c.size('canary.bin')).toBe(payload.length);
    expect((await c.remove('canary.bin')).code).toBe(250);
    expect(srv.files.has('/canary.bin')).toBe(false);
    expect(await ftpCode(c.send('XYZZ'))).toBe(502);
    expect((await c.send('QUIT')).code).toBe(221);

    expect(srv.log).toContain('PASS ***');
    expect(srv.log.join('\n')).not.toContain('s3cret');
    expect(srv.log).toEqual(expect.arrayContaining(['USER alice', 'FEAT', 'TYPE I', 'PWD', 'EPSV', 'LIST -a', 'STOR canary.bin', 'RETR canary.bin', 'DELE canary.bin']));
  });

  it('answers the raw dialogue with well-formed replies', async () => {
    const srv = await use(startFaultFtpServer());
    const f = await rawFtp(srv.port);
    expect(await f.cmd('PWD')).toBe('530 Please login with USER and PASS.');
    expect(await f.cmd('FEAT')).toMatch(/^211-Features:\r\n EPSV\r\n[\s\S]*\r\n211 End$/);
    expect(await f.cmd('USER bob')).toBe('331 Please specify the password.');
    expect(await f.cmd('PASS x')).toBe('230 Login successful.');
    expect(await f.cmd('SYST')).toBe('215 UNIX Type: L8');
    expect(await f.cmd('EPSV')).toMatch(/^229 Entering Extended Passive Mode \(\|\|\|\d+\|\)$/);
    expect(await f.cmd('PASV')).toMatch(/^227 Entering Passive Mode \(127,0,0,1,\d+,\d+\)\.$/);
    expect(await f.cmd('CWD /pub')).toBe('250 Directory successfully changed.');
    expect(await f.cmd('PWD')).toBe('257 "/pub" is the current directory');
    expect(await f.cmd('QUIT')).toBe('221 Goodbye.');
  });

  it('MLSD when asked to advertise MLST', async () => {
    const { srv, c, login } = await ftpReady({ mlsd: true, files: { '/a.txt': 'abc' } });
    await login();
    const list = await c.list();
    expect(list[0]).toMatchObject({ name: 'a.txt', size: 3 });
    expect(srv.log).toContain('MLSD');
  });

  it('checks credentials when user/password are set', async () => {
    const { c, srv } = await ftpReady({ user: 'alice', password: 'right' });
    expect(await ftpCode(c.access({ host: srv.host, port: srv.port, user: 'alice', password: 'wrong' }))).toBe(530);
  });
});

describe('fault FTP server, injected faults', () => {
  it.each([
    ['421 Too many users\r\n', 421],
    ['500 OOPS: vsftpd: refusing to run with writable root inside chroot()\r\n', 500],
  ])('greeting %j → code %i, then the server closes', async (greeting, code) => {
    const srv = await use(startFaultFtpServer({ greeting }));
    expect(await ftpCode(client().connect(srv.host, srv.port))).toBe(code);
    const seen = await watch(srv.port, { waitMs: 1000 });
    expect(seen.data.toString()).toBe(greeting);
    expect(seen.closed).toBe(true);
  });

  it('greetDelayMs delays the 220', async () => {
    const { c, srv } = await ftpReady({ greetDelayMs: 150 });
    const t0 = performance.now();
    expect((await c.connect(srv.host, srv.port)).code).toBe(220);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
  });

  it('replyDelayMs delays the named command', async () => {
    const { c, login } = await ftpReady({ replyDelayMs: { PASS: 150 } });
    const t0 = performance.now();
    await login();
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
    expect(c.closed).toBe(false);
  });

  it('loginReply 530 → FTPError 530', async () => {
    const { login } = await ftpReady({ loginReply: '530 Login incorrect.' });
    expect(await ftpCode(login())).toBe(530);
  });

  it('userReply rejects at USER (userlist deny)', async () => {
    const { login } = await ftpReady({ userReply: '530 Permission denied.' });
    expect(await ftpCode(login())).toBe(530);
  });

  it('replies + closeAfter: a 500 OOPS after PASS, then the session closes', async () => {
    const oops = '500 OOPS: vsftpd: refusing to run with writable root inside chroot()';
    const { login, srv } = await ftpReady({ replies: { PASS: oops }, closeAfter: 'PASS' });
    expect(await ftpCode(login())).toBe(500);
    const f = await rawFtp(srv.port);
    await f.cmd('USER a');
    expect(await f.cmd('PASS b')).toBe(oops);
    await new Promise<void>((r) => (f.socket.readableEnded ? r() : f.socket.once('end', () => r())));
  });

  it('resetAt resets the control connection', async () => {
    const { login } = await ftpReady({ resetAt: 'PASS' });
    expect(await ftpCode(login())).toBe('ECONNRESET');
  });

  it('stallAt PASS: no answer ever (client times out)', async () => {
    const { login, srv } = await ftpReady({ stallAt: 'PASS' }, 300);
    const err = await login().catch((e: Error) => e);
    expect(String(err)).toMatch(/Timeout/i);
    expect(srv.log.slice(-2)).toEqual(['USER alice', 'PASS ***']);
  });

  it('stallAt LIST: logged in, but the listing never comes', async () => {
    const { c, login, srv } = await ftpReady({ stallAt: 'LIST' }, 300);
    await login();
    const err = await c.list().catch((e: Error) => e);
    expect(String(err)).toMatch(/Timeout/i);
    expect(srv.log.at(-1)).toBe('LIST -a');
  });

  it('stallAt PWD', async () => {
    const { c, login } = await ftpReady({ stallAt: 'PWD' }, 300);
    await login();
    expect(String(await c.pwd().catch((e: Error) => e))).toMatch(/Timeout/i);
  });

  it('noEpsv: EPSV → 500, the client falls back to PASV', async () => {
    const { c, login, srv } = await ftpReady({ noEpsv: true, files: { '/x': '1' } });
    await login();
    expect((await c.list()).length).toBe(1);
    expect(srv.log).toEqual(expect.arrayContaining(['EPSV', 'PASV', 'LIST -a']));
  });

  it('dataReply425: LIST/RETR/STOR → 425', async () => {
    const { c, login } = await ftpReady({ dataReply425: true, files: { '/x': '1' } });
    await login();
    expect(await ftpCode(c.list())).toBe(425);
    expect(await ftpCode(c.downloadTo(sink().w, 'x'))).toBe(425);
    expect(await ftpCode(c.uploadFrom(Readable.from([Buffer.from('y')]), 'y'))).toBe(425);
  });

  it('pasvToClosedPort: the data connection is refused', async () => {
    const { c, login } = await ftpReady({ pasvToClosedPort: true });
    await login();
    const err = await c.list().catch((e: Error) => e);
    expect(String(err)).toMatch(/ECONNREFUSED/);
  });

  it('data522: session reuse required', async () => {
    const { c, login } = await ftpReady({ data522: true });
    await login();
    const err = await c.list().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FTPError);
    expect(err).toMatchObject({ code: 522, message: '522 SSL connection failed: session reuse required' });
  });

  it('dataAbort426: a download starts, then is aborted', async () => {
    const payload = Buffer.alloc(10_000, 7);
    const { c, login, srv } = await ftpReady({ dataAbort426: true, files: { '/big': payload } });
    await login();
    const out = sink();
    const result = await ftpCode(c.downloadTo(out.w, 'big'));
    expect([426, 'ECONNRESET']).toContain(result);
    expect(out.bytes().length).toBeLessThan(payload.length);
    expect(srv.log).toContain('RETR big');
  });

  it('dataAbort426: a listing is aborted with 426', async () => {
    const { c, login } = await ftpReady({ dataAbort426: true, files: { '/a': 'a', '/b': 'b' } });
    await login();
    expect([426, 'ECONNRESET']).toContain(await ftpCode(c.list()));
  });

  it('dataAbort426: an upload is aborted', async () => {
    const { c, login, srv } = await ftpReady({ dataAbort426: true });
    await login();
    const res = await ftpCode(c.uploadFrom(Readable.from([Buffer.alloc(200_000, 1)]), 'up'));
    expect([426, 'ECONNRESET', 'EPIPE']).toContain(res);
    expect(srv.files.has('/up')).toBe(false);
  });

  it.each([
    ['552 Exceeded storage allocation', 552],
    ['452 Insufficient storage space', 452],
    ['553 Could not create file.', 553],
  ])('storReply %j → %i, nothing stored', async (storReply, code) => {
    const { c, login, srv } = await ftpReady({ storReply });
    await login();
    expect(await ftpCode(c.uploadFrom(Readable.from([Buffer.from('canary')]), 'canary'))).toBe(code);
    expect(srv.files.has('/canary')).toBe(false);
  });

  it('corruptRetr: same size, different SHA-256', async () => {
    const { c, login } = await ftpReady({ corruptRetr: true });
    await login();
    const payload = Buffer.from('ftpops canary payload\n'.repeat(100));
    await c.uploadFrom(Readable.from([payload]), 'canary');
    const out = sink();
    expect((await c.downloadTo(out.w, 'canary')).code).toBe(226);
    expect(out.bytes().length).toBe(payload.length);
    expect(sha(out.bytes())).not.toBe(sha(payload));
  });

  it('cwdReply 550', async () => {
    const { c, login } = await ftpReady({ cwdReply: '550 Failed to change directory.' });
    await login();
    expect(await ftpCode(c.cd('/nope'))).toBe(550);
  });

  it('pasvAddress: the PASV text carries the foreign address, the listener stays on loopback', async () => {
    // Only the reply text is inspected; the data connection goes to 127.0.0.1, never to 10.x.
    const srv = await use(startFaultFtpServer({ pasvAddress: '10.255.255.1' }));
    const f = await rawFtp(srv.port);
    await f.cmd('USER a');
    await f.cmd('PASS b');
    const pasv = await f.cmd('PASV');
    const m = /^227 Entering Passive Mode \(10,255,255,1,(\d+),(\d+)\)\.$/.exec(pasv);
    expect(m).not.toBeNull();
    const port = Number(m?.[1]) * 256 + Number(m?.[2]);
    const data = connect(port, '127.0.0.1');
    cleanups.push(() => data.destroy());
    await new Promise<void>((resolve, reject) => {
      data.once('connect', resolve);
      data.once('error', reject);
    });
    const listing = new Promise<string>((resolve) => {
      let text = '';
      data.setEncoding('utf8');
      data.on('data', (c: string) => (text += c));
      data.on('end', () => resolve(text));
    });
    expect(await f.cmd('LIST')).toBe('150 Here comes the directory listing.');
    expect(await listing).toBe('');
    expect(await f.next()).toBe('226 Directory send OK.');
    // EPSV carries no address and is unaffected.
    expect(await f.cmd('EPSV')).toMatch(/^229 .*\(\|\|\|\d+\|\)$/);
  });
});
