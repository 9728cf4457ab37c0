// What an SSH check hears on a port that is not SSH, or that refuses in words (issue 14, items 7
// and 9): a TLS server on a port checked as sftp:// hangs up on the SSH identification; a server
// that writes a line and closes is shown that line as text.
import { describe, expect, it } from 'vitest';
import { KnowledgeBase } from '../src/knowledge/knowledge-base.js';
import { ProbeEngine } from '../src/probes/probe-engine.js';
import { requestForUrl } from '../src/config/probe-request.js';
import type { ProbeReport } from '../src/probes/probe.js';
import { type FaultServer, makeSelfSignedCert, startBannerServer, startTlsOnlyServer, closedAfterAll } from './support/fault-servers.js';

const engine = new ProbeEngine(KnowledgeBase.load());
const serve = closedAfterAll();

function check(scheme: string, server: FaultServer, timeout = '8s'): Promise<ProbeReport> {
  return engine.run(requestForUrl(`${scheme}://alice@${server.host}:${server.port}`, { timeout, password: 'ssh-pw' }, {}));
}

describe.concurrent('TLS where the check expects something else', () => {
  it('a TLS server on a port checked as sftp:// → protocol.mismatch (tls), not tcp.reset', async () => {
    const server = await serve(startTlsOnlyServer(await makeSelfSignedCert()));
    const report = await check('sftp', server);
    expect(report.finding).toMatchObject({ code: 'protocol.mismatch', stage: 'greet' });
    expect(report.finding?.detail).toMatch(/TLS handshake/);
  });

  it('a port that answers in words and hangs up: the words as text, never hex', async () => {
    const server = await serve(startBannerServer('Go away: maintenance until 18:00\r\n', { after: 'end' }));
    const report = await check('sftp', server);
    expect(report.finding).toMatchObject({ code: 'protocol.mismatch', stage: 'greet', reply: { text: 'Go away: maintenance until 18:00' } });
  });

  it('"Exceeded MaxStartups" (sshd.c drop_connection) → ssh.unavailable', async () => {
    const server = await serve(startBannerServer('Exceeded MaxStartups\r\n', { after: 'end' }));
    const report = await check('sftp', server);
    expect(report.finding).toMatchObject({ code: 'ssh.unavailable', stage: 'greet', reply: { text: 'Exceeded MaxStartups' } });
  });

  it('an SSH server may send lines before its identification (RFC 4253 §4.2): still SSH', async () => {
    const server = await serve(startBannerServer('Authorised use only\r\nSSH-2.0-OpenSSH_9.2p1\r\n'));
    const report = await check('sftp', server, '1s');
    // No key exchange follows from this fake server: what matters is that the greet stage passed.
    expect(report.stages.find((s) => s.name === 'greet')).toMatchObject({ status: 'ok', detail: 'SSH-2.0-OpenSSH_9.2p1' });
  });
});
