// The bot's own HTTP server (src/http/http-server.ts) with real sockets: a failing handler is a
// 500 and the server carries on; slow and trickling clients are cut off; too many connections
// are refused; stop() ends within its grace whatever the clients do.
import { afterEach, describe, expect, it } from 'vitest';
import { connect, type Socket } from 'node:net';
import { type RunningHttpServer, startHttpServer } from '../src/http/http-server.js';

const servers: RunningHttpServer[] = [];
const sockets: Socket[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

async function serve(options: Partial<Parameters<typeof startHttpServer>[0]> = {}): Promise<RunningHttpServer> {
  const server = await startHttpServer({
    host: '127.0.0.1',
    port: 0,
    routes: [
      { method: 'GET', prefix: '/ok', handler: (_req, res) => void res.end('fine') },
      { method: 'GET', prefix: '/throws', handler: () => { throw new URIError('URI malformed'); } },
      { method: 'GET', prefix: '/rejects', handler: async () => { throw new Error('boom'); } },
      {
        method: 'POST',
        prefix: '/body',
        handler: async (req, res) => {
          for await (const _ of req) void _;
          res.end('read');
        },
      },
    ],
    ...options,
  });
  servers.push(server);
  return server;
}

/** A raw client; resolves when the server closes the connection, with what it sent back. */
function rawClient(port: number): { socket: Socket; closed: Promise<{ ms: number; data: string }> } {
  const started = performance.now();
  const socket = connect(port, '127.0.0.1');
  sockets.push(socket);
  let data = '';
  socket.on('data', (d) => (data += d.toString()));
  socket.on('error', () => undefined);
  const closed = new Promise<{ ms: number; data: string }>((resolve) => socket.once('close', () => resolve({ ms: performance.now() - started, data })));
  return { socket, closed };
}

describe('the bot HTTP server', () => {
  it('answers 500 for a handler that throws or rejects, and goes on serving', async () => {
    const { port } = await serve();
    for (const path of ['/throws', '/rejects']) {
      const res = await fetch(`http://127.0.0.1:${port}${path}`);
      expect(res.status).toBe(500);
      expect(await res.json()).toEqual({ error: 'internal error' });
    }
    expect(await (await fetch(`http://127.0.0.1:${port}/ok`)).text()).toBe('fine');
    expect((await fetch(`http://127.0.0.1:${port}/nowhere`)).status).toBe(404);
  });

  it('closes a client whose headers do not arrive in time', async () => {
    const { port } = await serve({ headersTimeoutMs: 600, requestTimeoutMs: 600 });
    const { socket, closed } = rawClient(port);
    socket.write('GET /ok HTTP/1.1\r\nHost: x\r\n');
    const timer = setInterval(() => socket.writable && socket.write('X-Slow: 1\r\n'), 100);
    const { ms, data } = await closed;
    clearInterval(timer);
    expect(ms).toBeLessThan(3_000);
    expect(data).not.toContain('fine');
  });

  it('closes a client that trickles its body past the request deadline', async () => {
    const { port } = await serve({ headersTimeoutMs: 500, requestTimeoutMs: 800 });
    const { socket, closed } = rawClient(port);
    socket.write('POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n');
    const timer = setInterval(() => socket.writable && socket.write('a'), 100);
    const { ms, data } = await closed;
    clearInterval(timer);
    expect(ms).toBeLessThan(3_000);
    expect(data).not.toContain('read');
  });

  it('refuses connections over its cap', async () => {
    const { port } = await serve({ maxConnections: 2 });
    const held = [rawClient(port), rawClient(port)];
    await Promise.all(held.map((c) => new Promise((r) => c.socket.once('connect', r))));
    await new Promise((r) => setTimeout(r, 50));
    const extra = rawClient(port);
    const { ms } = await extra.closed;
    expect(ms).toBeLessThan(1_000);
    for (const c of held) expect(c.socket.destroyed).toBe(false);
  });

  it('stops within its grace although a client is still trickling a body', async () => {
    const server = await serve({ stopGraceMs: 300 });
    const { socket, closed } = rawClient(server.port);
    socket.write('POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n');
    const timer = setInterval(() => socket.writable && socket.write('a'), 50);
    await new Promise((r) => setTimeout(r, 200));
    const started = performance.now();
    await server.stop();
    servers.splice(servers.indexOf(server), 1);
    clearInterval(timer);
    expect(performance.now() - started).toBeLessThan(1_500);
    await closed;
  });
});
