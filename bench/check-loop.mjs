// One side of the instruction-count comparison (bench/instructions-bench.ts): N checks of one
// FTP target, either by the ftpops engine or by a bare basic-ftp loop doing the same steps
// (connect, login, PWD, LIST, QUIT). Run under valgrind --tool=callgrind; prints nothing.
//   node bench/check-loop.mjs engine|bare N host port user   (password in $BENCH_PW)
import { bareFtpCheck } from './bare-ftp.mjs';
import { KnowledgeBase } from '../dist/knowledge/knowledge-base.js';
import { ProbeEngine } from '../dist/probes/probe-engine.js';
import { DEFAULT_STAGE_TIMEOUTS } from '../dist/probes/probe.js';

const [side, n, host, port, user] = process.argv.slice(2);
const password = process.env.BENCH_PW;
const req = { target: 'bench', protocol: 'ftp', host, port: Number(port), user, password, write: false, insecure: false, timeoutMs: 60_000, stageTimeouts: { ...DEFAULT_STAGE_TIMEOUTS, login: 60_000, list: 60_000, greet: 60_000, connect: 60_000 } };

const bare = () => bareFtpCheck(req, 60_000);

const engine = side === 'engine' ? new ProbeEngine(KnowledgeBase.load()) : undefined;
for (let i = 0; i < Number(n); i++) {
  if (engine) {
    const report = await engine.run(req);
    if (!report.ok) throw new Error(`${report.finding.code}: ${report.finding.detail ?? ''}`);
  } else {
    await bare();
  }
}
process.exit(0);
