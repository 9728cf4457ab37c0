// The canary of a broken FTP round trip (issue 14, item 8), against in-process servers whose
// refusals real daemons give only with a full disk (canary-cleanup.int.test.ts does that).
import { afterAll, describe, expect, it } from 'vitest';
import { KnowledgeBase } from '../src/knowledge/knowledge-base.js';
import { ProbeEngine } from '../src/probes/probe-engine.js';
import { requestForUrl } from '../src/config/probe-request.js';
import { type FaultServer, startFaultFtpServer } from './support/fault-servers.js';

const engine = new ProbeEngine(KnowledgeBase.load());
const open: FaultServer[] = [];
afterAll(async () => {
  await Promise.all(open.map((s) => s.close()));
});

describe.concurrent('the canary of a broken round trip (issue 14, item 8)', () => {
  const run = async (replies: Partial<Record<string, string>>) => {
    const server = await startFaultFtpServer({ replies });
    open.push(server);
    const report = await engine.run(requestForUrl(`ftp://alice@${server.host}:${server.port}`, { timeout: '5s', password: 'pw', write: true }, {}));
    return { report, log: server.log };
  };

  it('a failed upload (452 after the data): the canary is deleted all the same, and nothing is said when it was never kept', async () => {
    const server = await startFaultFtpServer({ storReply: '452 Insufficient storage space' });
    open.push(server);
    const report = await engine.run(requestForUrl(`ftp://alice@${server.host}:${server.port}`, { timeout: '5s', password: 'pw', write: true }, {}));
    expect(report.finding).toMatchObject({ code: 'fs.storage_full', stage: 'transfer' });
    // This server keeps nothing of a refused upload: DELE fails, SIZE says it is not there.
    expect(server.log.filter((l) => /^(DELE|SIZE) \.ftpops-canary-/.test(l))).toHaveLength(2);
    expect(report.warnings.map((w) => w.code)).not.toContain('fs.canary_left');
  });

  it('and when it cannot be deleted, the check says so (fs.canary_left, naming the file)', async () => {
    const { report } = await run({ RETR: '550 Failed to open file.', DELE: '550 Permission denied.' });
    const left = report.warnings.find((w) => w.code === 'fs.canary_left');
    expect(left?.detail).toMatch(/^\.ftpops-canary-[\w-]+\.txt \(\d+ bytes\) could not be deleted: 550 Permission denied\.$/);
  });
});
