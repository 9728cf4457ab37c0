// A reply is a whole line up to CR LF (RFC 959 §4.2), kept to a bounded length: what the control
// connection of an FTP check reads, against in-process servers (probe-ftp-context.ts).
import { afterAll, describe, expect, it } from 'vitest';
import { KnowledgeBase } from '../src/knowledge/knowledge-base.js';
import { ProbeEngine } from '../src/probes/probe-engine.js';
import { requestForUrl } from '../src/config/probe-request.js';
import { type FaultServer, startBannerServer, startFaultFtpServer } from './support/fault-servers.js';

const engine = new ProbeEngine(KnowledgeBase.load());
const open: FaultServer[] = [];
afterAll(async () => {
  await Promise.all(open.map((s) => s.close()));
});

describe.concurrent('FTP reply lines', () => {
  it('a 100 KB refusal line is kept as its code and its first words (not an oversize error)', async () => {
    const server = await startFaultFtpServer({ loginReply: `530 Go away ${'x'.repeat(100 * 1024)}` });
    open.push(server);
    const report = await engine.run(requestForUrl(`ftp://alice@${server.host}:${server.port}`, { timeout: '5s', password: 'pw' }, {}));
    expect(report.finding).toMatchObject({ code: 'auth.failed', stage: 'login', reply: { code: 530 } });
    expect(report.finding?.reply?.text).toMatch(/^Go away x+…$/);
  });

  it('a reply ended by FIN instead of CR LF is still the reply, not a closed connection', async () => {
    const server = await startBannerServer('500 OOPS: vsftpd: no line end', { after: 'end' });
    open.push(server);
    const report = await engine.run(requestForUrl(`ftp://alice@${server.host}:${server.port}`, { timeout: '5s', password: 'pw' }, {}));
    expect(report.finding).toMatchObject({ code: 'ftp.server_error', stage: 'greet', reply: { code: 500, text: 'OOPS: vsftpd: no line end' } });
  });
});
