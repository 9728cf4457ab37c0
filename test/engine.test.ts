// The engine against in-process servers that cannot be made to misbehave on demand otherwise;
// and the stage runner's deadlines. Real daemons are in *.int.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server, type Socket } from 'node:net';
import { KnowledgeBase } from '../src/knowledge/knowledge-base.js';
import { ProbeEngine } from '../src/probes/probe-engine.js';
import { requestForUrl } from '../src/config/probe-request.js';
import { StageRunner } from '../src/probes/run-stage.js';
import { DEFAULT_STAGE_TIMEOUTS } from '../src/probes/probe.js';

const kb = KnowledgeBase.load();
const engine = new ProbeEngine(kb);

function listen(onConnection: (s: Socket) => void): Promise<{ server: Server; port: number; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    onConnection(s);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port, sockets })));
}

describe('stage runner', () => {
  it('times out a stage at its own deadline and names it', async () => {
    const runner = new StageRunner({ family: 'ftp', stageTimeouts: { ...DEFAULT_STAGE_TIMEOUTS, login: 50 }, timeoutMs: 10_000 });
    await expect(runner.run('login', () => new Promise(() => undefined))).rejects.toMatchObject({ signal: { source: 'timeout', key: 'stage', stage: 'login' } });
    expect(runner.stages[0]).toMatchObject({ name: 'login', status: 'failed' });
    expect(runner.stages[0]!.durationMs).toBeGreaterThanOrEqual(45);
  });

  it('never runs a stage past the overall deadline', async () => {
    const runner = new StageRunner({ family: 'ftp', stageTimeouts: DEFAULT_STAGE_TIMEOUTS, timeoutMs: 80 });
    const started = performance.now();
    await expect(runner.run('greet', () => new Promise(() => undefined))).rejects.toMatchObject({ signal: { key: 'overall' } });
    expect(performance.now() - started).toBeLessThan(500);
  });
});

describe('engine on odd ports', () => {
  const servers: Array<{ server: Server; sockets: Set<Socket> }> = [];
  let ports: Record<string, number> = {};

  beforeAll(async () => {
    const make = async (name: string, fn: (s: Socket) => void) => {
      const l = await listen(fn);
      servers.push(l);
      ports[name] = l.port;
    };
    ports = {};
    await make('ssh', (s) => s.write('SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n'));
    await make('ftp', (s) => s.write('220 ready\r\n'));
    await make('silent', () => undefined);
    await make('reset', (s) => s.resetAndDestroy());
    await make('closer', (s) => s.end());
  });

  afterAll(async () => {
    for (const { server, sockets } of servers) {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    }
  });

  const check = (url: string, timeout = '5s') => engine.run(requestForUrl(url, { timeout }, {}));

  it('names the protocol an FTP port really speaks', async () => {
    const report = await check(`ftp://127.0.0.1:${ports.ssh}`);
    expect(report.finding).toMatchObject({ code: 'protocol.mismatch', stage: 'greet' });
    expect(report.finding?.detail).toMatch(/speaks ssh/);
  });

  it('says "this is FTP" to an SFTP client', async () => {
    const report = await check(`sftp://u@127.0.0.1:${ports.ftp}`);
    expect(report.finding).toMatchObject({ code: 'protocol.mismatch' });
    expect(report.finding?.detail).toMatch(/speaks ftp/);
  });

  it('reports a plaintext greeting on an implicit FTPS port', async () => {
    const report = await check(`ftps://127.0.0.1:${ports.ftp}`);
    expect(report.finding).toMatchObject({ code: 'protocol.mismatch', stage: 'secure' });
  });

  it('ends a silent port as greet.timeout within the deadline', async () => {
    const started = performance.now();
    const report = await check(`ftp://127.0.0.1:${ports.silent}`, '3s');
    expect(report.finding?.code).toBe('greet.timeout');
    expect(performance.now() - started).toBeLessThan(3_500);
  });

  it('reports a reset or a close right after accept as tcp.reset', async () => {
    expect((await check(`ftp://127.0.0.1:${ports.reset}`)).finding?.code).toBe('tcp.reset');
    expect((await check(`ftp://127.0.0.1:${ports.closer}`)).finding?.code).toBe('tcp.reset');
    expect((await check(`sftp://u@127.0.0.1:${ports.reset}`)).finding?.code).toBe('tcp.reset');
    // ssh2 calls this a protocol-level error ("Connection lost before handshake"); it is a close.
    expect((await check(`sftp://u@127.0.0.1:${ports.closer}`)).finding?.code).toBe('tcp.reset');
  });

  it('reports refused and unresolvable targets', async () => {
    const closed = await listen(() => undefined);
    const port = closed.port;
    await new Promise((r) => closed.server.close(r));
    expect((await check(`ftp://127.0.0.1:${port}`)).finding).toMatchObject({ code: 'tcp.refused', stage: 'connect' });
    expect((await check('sftp://u@no-such-host.invalid')).finding).toMatchObject({ code: 'dns.not_found', stage: 'resolve' });
  });

  it('keeps every stage in the timeline, with the unreached ones skipped', async () => {
    const report = await check(`ftp://127.0.0.1:${ports.reset}`);
    expect(report.stages.map((s) => s.name).sort()).toEqual(['close', 'connect', 'greet', 'list', 'login', 'resolve', 'secure', 'transfer'].sort());
    expect(report.stages.find((s) => s.name === 'login')?.status).toBe('skipped');
  });
});
