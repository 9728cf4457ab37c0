// In-process TLS servers the test bed's daemons cannot be (issue 14, items 10-11): a server that
// offers only TLS 1.0 or 1.1, and a TLS 1.3 server that requires a client certificate on implicit FTPS.
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { KnowledgeBase } from '../src/knowledge/knowledge-base.js';
import { ProbeEngine } from '../src/probes/probe-engine.js';
import { requestForUrl } from '../src/config/probe-request.js';
import type { ProbeReport } from '../src/probes/probe.js';
import { type FaultServer, LOOPBACK, listenLoopback, makeSelfSignedCert, Tracker, closedAfterAll } from './support/fault-servers.js';

const engine = new ProbeEngine(KnowledgeBase.load());
const serve = closedAfterAll();

function check(scheme: string, server: FaultServer, timeout = '8s'): Promise<ProbeReport> {
  // insecure: these servers' certificates are self-signed; what is judged here is the handshake.
  return engine.run(requestForUrl(`${scheme}://alice@${server.host}:${server.port}`, { timeout, password: 'tls-pw', insecure: true }, {}));
}

/** Implicit FTPS: TLS from the first byte, then a 220 greeting inside it. */
async function startImplicitServer(options: Parameters<typeof createTlsServer>[0]): Promise<FaultServer> {
  const tracker = new Tracker();
  const server = createTlsServer(options, (tls: TLSSocket) => {
    tracker.track(tls);
    tls.on('error', () => undefined);
    tls.resume();
    tls.write('220 old server\r\n');
  });
  server.on('connection', (raw) => tracker.track(raw));
  server.on('tlsClientError', () => undefined);
  tracker.trackServer(server);
  const port = await listenLoopback(server);
  return { host: LOOPBACK, port, close: () => tracker.close(), connections: () => 0 };
}

describe.concurrent('old TLS versions (RFC 8996)', () => {
  it.each(['TLSv1', 'TLSv1.1'] as const)('a server offering only %s fails the handshake and says which version', async (version) => {
    const { cert, key } = await makeSelfSignedCert();
    const server = await serve(startImplicitServer({ cert, key, minVersion: version, maxVersion: version, ciphers: 'DEFAULT@SECLEVEL=0' }));
    const report = await check('ftps', server);
    expect(report.ok).toBe(false);
    expect(report.finding).toMatchObject({ code: 'tls.handshake_failed', stage: 'secure' });
    expect(report.finding?.detail).toMatch(new RegExp(`offers only TLS 1\\.${version === 'TLSv1' ? 0 : 1}, which the checker refuses \\(.*RFC 8996`));
    expect(report.facts.tls?.version).toBe(version);
    expect(report.warnings.map((w) => w.code)).not.toContain('tls.old_version');
    expect(report.stages.find((s) => s.name === 'login')?.status).toBe('skipped');
  });

  it('TLS 1.2 still passes', async () => {
    const { cert, key } = await makeSelfSignedCert();
    const server = await serve(startImplicitServer({ cert, key, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' }));
    // The server greets and then says nothing more: only the secure stage is of interest.
    const report = await check('ftps', server, '2s');
    expect(report.stages.find((s) => s.name === 'secure')).toMatchObject({ status: 'ok' });
    expect(report.facts.tls?.version).toBe('TLSv1.2');
  });
});

describe('TLS 1.3 client certificate required, implicit FTPS', () => {
  it('→ tls.client_cert_required at the secure stage, not a pass followed by a failed greeting', async () => {
    const { cert, key } = await makeSelfSignedCert();
    const server = await serve(startImplicitServer({ cert, key, minVersion: 'TLSv1.3', requestCert: true, rejectUnauthorized: true, ca: [cert] }));
    const report = await check('ftps', server);
    expect(report.finding).toMatchObject({ code: 'tls.client_cert_required', stage: 'secure' });
    expect(report.stages.find((s) => s.name === 'greet')?.status).toBe('skipped');
  });
});
