// DNS rebinding: a check looks its host name up ONCE, holds that address to the request's policy,
// and makes every connection to it — control, TLS, sniffing a port that failed its handshake,
// identifying a silent port. A resolver that answers 127.0.0.1 first and 127.0.0.2 afterwards
// stands for a name an attacker re-points between the policy check and a later connection:
// 127.0.0.2 must never see a connection, and the resolver must be asked exactly once.
// `rebind.test` is a reserved name (RFC 6761): a second lookup through the system resolver fails
// too, so the answers about what the port speaks are lost and the test fails either way.
import { afterAll, describe, expect, it } from 'vitest';
import type { LookupAddress } from 'node:dns';
import { createServer, type Server, type Socket } from 'node:net';
import { KnowledgeBase } from '../src/knowledge/knowledge-base.js';
import { ProbeEngine } from '../src/probes/probe-engine.js';
import { requestForUrl } from '../src/config/probe-request.js';
import { type FaultServer, HTTP_400_RESPONSE, startBannerServer, startFaultFtpServer, startTcpServer } from './support/fault-servers.js';

const NAME = 'rebind.test';
const FIRST = '127.0.0.1';
const REBOUND = '127.0.0.2';

/** A resolver that re-points the name after its first answer, and counts what it was asked. */
function rebindingResolver() {
  const asked: string[] = [];
  const lookup = async (host: string): Promise<LookupAddress[]> => {
    asked.push(host);
    return [{ address: asked.length === 1 ? FIRST : REBOUND, family: 4 }];
  };
  return { asked, lookup };
}

/** Listens on 127.0.0.2 at the port of a 127.0.0.1 server and records every connection. */
async function reboundTwin(port: number): Promise<{ connections: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const twin = { connections: 0, close: () => closeAll(server, sockets) };
  const server: Server = createServer((s) => {
    twin.connections++;
    sockets.add(s);
    s.on('error', () => undefined);
    // Would it be asked, it would answer like the real thing: a sniff there would "succeed".
    s.write('220 rebound\r\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, REBOUND, () => resolve());
  });
  return twin;
}

function closeAll(server: Server, sockets: Set<Socket>): Promise<void> {
  for (const s of sockets) s.destroy();
  return new Promise((r) => server.close(() => r()));
}

/** Silent until it hears an HTTP request, then answers 400 (a web port waiting for its client). */
function startQuietHttpServer(): Promise<FaultServer> {
  return startTcpServer((socket) => {
    socket.on('data', (chunk: Buffer) => {
      if (/^(HEAD|GET) /.test(chunk.toString('latin1'))) socket.end(HTTP_400_RESPONSE);
    });
  });
}

describe.concurrent('DNS rebinding: one lookup, one address', () => {
  const open: Array<{ close(): Promise<void> }> = [];
  afterAll(async () => {
    await Promise.all(open.map((s) => s.close()));
  });

  /** A server on 127.0.0.1 and its recording twin on 127.0.0.2, same port. */
  async function withTwin(start: Promise<FaultServer>) {
    const server = await start;
    const twin = await reboundTwin(server.port);
    open.push(server, twin);
    return { server, twin };
  }

  const engineWith = (resolver: ReturnType<typeof rebindingResolver>) => new ProbeEngine(KnowledgeBase.load(), { lookup: resolver.lookup });
  const request = (url: string) => requestForUrl(url, { timeout: '6s' }, {});

  it('implicit FTPS on a plain FTP port: the sniff after the failed handshake goes to the checked address', async () => {
    const { server, twin } = await withTwin(startBannerServer('220 plain FTP here\r\n'));
    const resolver = rebindingResolver();
    const report = await engineWith(resolver).run(request(`ftps://${NAME}:${server.port}`));
    expect(report.finding).toMatchObject({ code: 'protocol.mismatch', stage: 'secure' });
    expect(report.finding?.detail).toMatch(/speaks ftp/);
    expect(report.facts.address).toBe(FIRST);
    expect(resolver.asked).toEqual([NAME]);
    // The TLS attempt and the sniff, both at the first address.
    expect(server.connections()).toBe(2);
    expect(twin.connections).toBe(0);
  });

  it.each([
    ['ftp', `ftp://${NAME}`],
    ['sftp', `sftp://u@${NAME}`],
  ])('a silent port checked as %s is identified at the checked address', async (_protocol, base) => {
    const { server, twin } = await withTwin(startQuietHttpServer());
    const resolver = rebindingResolver();
    const report = await engineWith(resolver).run(request(`${base}:${server.port}`));
    expect(report.finding).toMatchObject({ code: 'protocol.mismatch', stage: 'greet' });
    expect(report.finding?.detail).toMatch(/HTTP/);
    expect(resolver.asked).toEqual([NAME]);
    // The check's own connection and the TLS and HTTP questions, all at the first address.
    expect(server.connections()).toBe(3);
    expect(twin.connections).toBe(0);
  });

  it('data connections (listing, upload, download) go to the checked address too', async () => {
    // The PASV reply even names the rebound address: it is reported, never followed.
    const { server, twin } = await withTwin(startFaultFtpServer({ pasvAddress: REBOUND }));
    const resolver = rebindingResolver();
    const report = await engineWith(resolver).run(requestForUrl(`ftp://alice@${NAME}:${server.port}`, { timeout: '6s', write: true, password: 'pw' }, {}));
    expect(report.finding).toBeNull();
    expect(report.stages.find((s) => s.name === 'transfer')?.status).toBe('ok');
    expect(report.facts.passiveAddress).toMatch(/^127\.0\.0\.2:/);
    expect(resolver.asked).toEqual([NAME]);
    expect(twin.connections).toBe(0);
  });

  it('the address policy sees the one address every connection then uses', async () => {
    const { server, twin } = await withTwin(startBannerServer('220 plain FTP here\r\n'));
    const resolver = rebindingResolver();
    const seen: string[] = [];
    const req = { ...request(`ftps://${NAME}:${server.port}`), refuseAddress: (address: string) => void seen.push(address) };
    const report = await engineWith(resolver).run(req);
    expect(report.finding?.detail).toMatch(/speaks ftp/);
    expect(seen).toEqual([FIRST]);
    expect(resolver.asked).toHaveLength(1);
    expect(twin.connections).toBe(0);
  });
});
