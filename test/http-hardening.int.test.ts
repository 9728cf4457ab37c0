// The bot's own HTTP server, attacked from outside the process (`ftpops demo`: console mode,
// whose server is the same one Socket Mode and Discord-only bots run): a malformed path cannot
// end the process, an oversized body gets its 413, and a client trickling a body neither holds
// the process after SIGTERM nor keeps it from answering others.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { RoleProcess, freePort, uniquePrefix, writeConfig } from './support/bot-process.js';

const TOKEN = 'ingest-token-for-hardening';
let port: number;
let proc: RoleProcess;

beforeAll(async () => {
  port = await freePort();
  const config = writeConfig(['targets:', '  edge:', '    url: sftp://deploy@127.0.0.1:1', '    ingest: { tokenEnv: INGEST_TOKEN, daemon: sshd }', ''].join('\n'));
  proc = new RoleProcess('demo', { REDIS_URL: 'redis://127.0.0.1:6379', FTPOPS_QUEUE_PREFIX: uniquePrefix(), FTPOPS_CONFIG: config, INGEST_TOKEN: TOKEN, FTPOPS_DEMO_INTERVAL: '1h' }, ['--port', String(port)]);
  await proc.ready();
});

afterAll(async () => {
  await proc.kill('SIGKILL');
});

const base = () => `http://127.0.0.1:${port}`;

describe("the bot's HTTP server from outside", () => {
  it('a malformed %-escape in an ingest path is refused, and the process stays up', async () => {
    const res = await fetch(`${base()}/ingest/%E0%A4%A`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body: 'x' });
    expect(res.status).toBe(401);
    await new Promise((r) => setTimeout(r, 200));
    expect(proc.alive).toBe(true);
    expect((await fetch(`${base()}/`, { headers: { host: `127.0.0.1:${port}` } })).status).toBe(200);
  });

  it('an oversized ingest body gets a 413 that the client can read', async () => {
    const body = Buffer.alloc(9 * 1024 * 1024, 'a');
    const res = await fetch(`${base()}/ingest/edge`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ error: 'body over 8 MiB' });
    expect(proc.alive).toBe(true);
  });

  it('SIGTERM ends the process within 10 s although a client is trickling a body', async () => {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    await new Promise((r) => socket.once('connect', r));
    socket.write(`POST /ingest/edge HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Length: 1000000\r\n\r\n`);
    const timer = setInterval(() => socket.writable && socket.write('x'), 200);
    await new Promise((r) => setTimeout(r, 500));
    const started = performance.now();
    const exited = new Promise<number | null>((resolve) => proc.child.once('exit', (code) => resolve(code)));
    proc.child.kill('SIGTERM');
    const code = await exited;
    clearInterval(timer);
    socket.destroy();
    expect(code).toBe(0);
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});
