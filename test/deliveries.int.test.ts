// Expected deliveries against real daemons: a real FTP/SFTP client acting as the partner
// (logging in as the testbed user) uploads to the testbed's vsftpd and sshd, or fails to; the
// delivery watch lists the folders through the probe engine, judged against a clock the test
// sets; the server's real log lines are ingested through the bot's LogAlerts; the threads are
// carried out by the real alert poster into a fake chat. Each "why" is produced for real.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { Client } from 'basic-ftp';
import ssh2 from 'ssh2';
import { Redis } from 'ioredis';
import { loadTestbed, type Testbed } from './support/testbed.js';
import { uniquePrefix } from './support/bot-process.js';
import { FakeChat, type Said } from './support/fake-chat.js';
import { parseTargetsYaml, type TargetsFile } from '../src/config/targets-file.js';
import { requestForTarget } from '../src/config/probe-request.js';
import { createBotCore, type BotCore } from '../src/bot/bot-core.js';
import { KnowledgeBase } from '../src/knowledge/knowledge-base.js';
import { ProbeEngine } from '../src/probes/probe-engine.js';
import { CheckResults } from '../src/alerts/check-results.js';
import { IncidentStore } from '../src/alerts/incidents.js';
import { DEFAULT_ALERT_POLICY } from '../src/alerts/alert-machine.js';
import { DeliveryWatch } from '../src/deliveries/delivery-watch.js';
import { DeliveryStore } from '../src/deliveries/delivery-store.js';
import { PartnerEvents } from '../src/deliveries/partner-events.js';
import { localClock } from '../src/deliveries/delivery-schedule.js';
import { plainOf } from '../src/bot/rich.js';
import type { ChatMessage } from '../src/bot/messages.js';
import { startWorker } from '../src/worker.js';
import { runBin } from './support/run-cli.js';

let tb: Testbed;
let core: BotCore;
let slack: FakeChat;
let redis: Redis;
let watch: DeliveryWatch;
let config: TargetsFile;
let clock = Date.now();
const prefix = uniquePrefix();
const run = randomBytes(3).toString('hex');
const CHANNEL = 'C0DELIVERIES';
/** The test's own vsftpd (case 1: our server stops), in this issue's port range. */
const OWN_PORT = 22160;
let own: ChildProcess | undefined;
let ownDir: string;

const T0 = Math.floor(Date.now() / 60_000) * 60_000;
const hhmm = (t: number) => localClock(t, 'UTC');
const folder = (name: string) => `${tb.homeDir}/deliveries-${run}/${name}`;

/** One target per scenario (the evidence is per target), all on vsftpd-main unless said. */
function targetYaml(name: string, due: number, opts: { url?: string; match?: string; path?: string; warnBefore?: string; stableFor?: string; extra?: string[] } = {}): string[] {
  return [
    `  ${name}:`,
    `    url: ${opts.url ?? `ftp://${tb.user}@127.0.0.1:${tb.servers['vsftpd-main']!.port}`}`,
    `    passwordFile: ${tb.passwordFile}`,
    `    alertChannel: ${CHANNEL}`,
    ...(opts.extra ?? []),
    '    deliveries:',
    `      - name: orders`,
    `        path: ${opts.path ?? folder(name)}`,
    `        match: "${opts.match ?? 'orders_*.csv'}"`,
    `        due: "${hhmm(due)}"`,
    '        timezone: UTC',
    ...(opts.warnBefore ? [`        warnBefore: ${opts.warnBefore}`] : []),
    '        minSize: 1KB',
    `        stableFor: ${opts.stableFor ?? '2m'}`,
    `        partnerUser: ${tb.user}`,
  ];
}

/** The partner: a real FTP client logged in as the testbed user. */
async function ftpPartner<T>(port: number, act: (c: Client) => Promise<T>, password = tb.password): Promise<T> {
  const client = new Client(10_000);
  try {
    await client.access({ host: '127.0.0.1', port, user: tb.user, password });
    return await act(client);
  } finally {
    client.close();
  }
}
const upload = (c: Client, path: string, bytes: number) => c.uploadFrom(Readable.from([Buffer.alloc(bytes, 'x')]), path);

/** A log file the daemon has not created yet (ProFTPD's TransferLog before its first transfer) is empty. */
function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** Lines a log file gained since the last call (the daemon's real lines, ingested as the bot would). */
class LogCursor {
  private offset: number;
  constructor(private readonly path: string) {
    this.offset = sizeOf(path);
  }
  take(): string[] {
    const size = sizeOf(this.path);
    if (size <= this.offset) return [];
    const fd = openSync(this.path, 'r');
    const buf = Buffer.alloc(size - this.offset);
    readSync(fd, buf, 0, buf.length, this.offset);
    closeSync(fd);
    this.offset = size;
    return buf.toString('utf8').split('\n').filter(Boolean);
  }
}

/** Feed the lines vsftpd-main wrote during `act` (its log and its xferlog) to the target's ingestion. */
async function partnerLogged(target: string, act: () => Promise<unknown>, name: 'vsftpd-main' | 'proftpd-main' = 'vsftpd-main'): Promise<void> {
  const server = tb.servers[name]!;
  const cursors = [new LogCursor(server.logFile), new LogCursor(server.xferLogFile!)];
  await act();
  // vsftpd writes its log lines as the session goes; give the last one a moment.
  await new Promise((r) => setTimeout(r, 300));
  for (const c of cursors) {
    const lines = c.take();
    if (lines.length) await core.logs.ingest(target, lines, server.kind === 'proftpd' ? 'proftpd' : 'vsftpd');
  }
}

/** Evaluate one target at a time the test chooses, then let the poster carry out the effects. */
async function evaluateAt(target: string, at: number): Promise<Said[]> {
  clock = at;
  const from = slack.said.length;
  const { effects } = await watch.evaluate(config.targets.get(target)!);
  if (effects.length) {
    const deadline = Date.now() + 5_000;
    // The poster drains the outbox every 250 ms.
    while (Date.now() < deadline && (await redis.llen(`${prefix}:alert-outbox`)) > 0) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 400));
  }
  return slack.since(from);
}

function words(m: ChatMessage): string {
  if (m.kind === 'alert') return `${m.severity} ${m.status} ${m.alertClass} ${m.target}: ${m.detail} [runbook ${m.runbook}]`;
  if (m.kind === 'alert-update') return m.text;
  if (m.kind === 'notice') return plainOf(m.text);
  return m.kind;
}
const rootsOf = (said: Said[], target: string) => said.filter((s) => s.how === 'post' && !s.place?.thread && s.message.kind === 'alert' && s.message.target === target);

function waitPort(port: number, open: boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        if (open) resolve();
        else retry();
      });
      s.once('error', () => (open ? retry() : resolve()));
    };
    const retry = () => (Date.now() > deadline ? reject(new Error(`port ${port} not ${open ? 'open' : 'closed'}`)) : setTimeout(attempt, 50));
    attempt();
  });
}

async function startOwnVsftpd(): Promise<void> {
  const main = readFileSync(tb.servers['vsftpd-main']!.configFile!, 'utf8');
  const cfg = join(ownDir, 'vsftpd.conf');
  writeFileSync(cfg, main
    .replace(/^listen_port=.*$/m, `listen_port=${OWN_PORT}`)
    .replace(/^pasv_min_port=.*$/m, 'pasv_min_port=30975')
    .replace(/^pasv_max_port=.*$/m, 'pasv_max_port=30999')
    .replace(/^xferlog_file=.*$/m, `xferlog_file=${ownDir}/xferlog`)
    .replace(/^vsftpd_log_file=.*$/m, `vsftpd_log_file=${ownDir}/vsftpd.log`));
  own = spawn('/usr/sbin/vsftpd', [cfg], { stdio: 'ignore' });
  await waitPort(OWN_PORT, true);
}

/** The partner over SFTP: a real ssh2 client writing one file. */
function sftpUpload(port: number, path: string, bytes: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const conn = new ssh2.Client();
    conn.on('error', reject);
    conn.on('ready', () => conn.sftp((err, sftp) => {
      if (err) return reject(err);
      sftp.writeFile(path, Buffer.alloc(bytes, 'y'), (e) => {
        conn.end();
        e ? reject(e) : resolve();
      });
    }));
    conn.connect({ host: '127.0.0.1', port, username: tb.user, password: tb.password });
  });
}

async function stopOwnVsftpd(): Promise<void> {
  own?.kill('SIGKILL');
  own = undefined;
  await waitPort(OWN_PORT, false);
}

const DUE = T0 + 30 * 60_000;

beforeAll(async () => {
  tb = loadTestbed();
  ownDir = mkdtempSync(join(tmpdir(), 'ftpops-deliveries-'));
  const sshd = tb.servers['sshd-main']!;
  const yaml = [
    'targets:',
    ...targetYaml('d-ontime', T0 + 10 * 60_000),
    ...targetYaml('d-late', DUE, { warnBefore: '20m' }),
    ...targetYaml('d-down', DUE, { url: `ftp://${tb.user}@127.0.0.1:${OWN_PORT}`, warnBefore: '20m' }),
    ...targetYaml('d-password', DUE),
    ...targetYaml('d-elsewhere', DUE),
    ...targetYaml('d-empty', DUE),
    ...targetYaml('d-proftpd', DUE, { url: `ftp://${tb.user}@127.0.0.1:${tb.servers['proftpd-main']!.port}` }),
    ...targetYaml('d-silent', DUE),
    ...targetYaml('d-nologs', DUE),
    '  d-pickup:',
    `    url: ftp://${tb.user}@127.0.0.1:${tb.servers['vsftpd-main']!.port}`,
    `    passwordFile: ${tb.passwordFile}`,
    `    alertChannel: ${CHANNEL}`,
    '    deliveries:',
    '      - { name: outbound, kind: pickup, path: PICKUP_FOLDER, match: "*.xml", within: 30m }',
    ...targetYaml('d-sftp', DUE, { url: `sftp://${tb.user}@127.0.0.1:${sshd.port}`, extra: [`    hostKey: "${sshd.hostKeyFingerprint}"`], warnBefore: '20m' }),
    '',
  ].join('\n');
  writeFileSync(join(ownDir, 'ftpops.yaml'), yaml.replace('PICKUP_FOLDER', folder('d-pickup')));
  config = parseTargetsYaml(yaml.replace('PICKUP_FOLDER', folder('d-pickup')), join(ownDir, 'ftpops.yaml'));
  core = createBotCore({ REDIS_URL: 'redis://127.0.0.1:6379', FTPOPS_QUEUE_PREFIX: prefix }, config);
  slack = new FakeChat('slack', core.router);
  Object.assign(core.outbounds, { slack });
  await core.start();
  redis = new Redis('redis://127.0.0.1:6379');
  const history = new CheckResults(redis, prefix, new IncidentStore(redis, prefix), () => DEFAULT_ALERT_POLICY);
  watch = new DeliveryWatch({
    engine: new ProbeEngine(KnowledgeBase.load()),
    store: new DeliveryStore(redis, prefix),
    events: new PartnerEvents(redis, prefix),
    history: (t) => history.history(t),
    requestFor: (t) => requestForTarget(config.targets.get(t)!, {}, {}),
    now: () => clock,
  });
  // The partner's folders (and the wrong one), made by the partner's own login.
  await ftpPartner(tb.servers['vsftpd-main']!.port, async (c) => {
    for (const name of ['d-ontime', 'd-late', 'd-down', 'd-password', 'd-elsewhere', 'd-empty', 'd-silent', 'd-nologs', 'd-sftp', 'd-proftpd', 'd-pickup', 'wrong']) {
      await c.ensureDir(folder(name));
    }
  });
});

afterAll(async () => {
  if (own) await stopOwnVsftpd();
  await core?.finishAnswers();
  await core?.stop();
  await ftpPartner(tb.servers['vsftpd-main']!.port, (c) => c.removeDir(`${tb.homeDir}/deliveries-${run}`)).catch(() => undefined);
  if (redis) {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  }
  rmSync(ownDir, { recursive: true, force: true });
});

describe('expected deliveries on a real vsftpd and sshd', () => {
  it('on time: the file arrives before the due time, nothing is said; the board shows it arrived', async () => {
    await ftpPartner(tb.servers['vsftpd-main']!.port, (c) => upload(c, `${folder('d-ontime')}/orders_1.csv`, 2_000));
    const said = await evaluateAt('d-ontime', T0 + 10 * 60_000 + 1_000);
    expect(said).toEqual([]);
    const board = await slack.command('deliveries d-ontime', { user: 'U0VIEW' }, { channel: 'C0OPS' });
    expect(words(board.at(-1)!.message)).toMatch(new RegExp(`✅ d-ontime/orders .*: arrived \\d\\d:\\d\\d, 2\\.0 KB \\(due \\d{4}-\\d\\d-\\d\\d ${hhmm(T0 + 10 * 60_000)} UTC\\)`));
  });

  it('late: a heads-up, an incident at the due time, resolved in the same thread on arrival', async () => {
    const headsUp = await evaluateAt('d-late', DUE - 15 * 60_000);
    const root = rootsOf(headsUp, 'd-late')[0]!;
    expect(root.place?.channel).toBe(CHANNEL);
    expect(words(root.message)).toContain(`warning firing delivery d-late: heads-up: nothing matching orders_*.csv in ${folder('d-late')} yet; due ${hhmm(DUE)} UTC (in 15 min) [runbook missing-delivery]`);

    const deadline = await evaluateAt('d-late', DUE);
    const escalated = deadline.find((s) => s.place?.thread === root.ref.id)!;
    expect(words(escalated.message)).toMatch(/^⬆ delivery escalated to critical: delivery\.missing: no file matching orders_\*\.csv in .* \(due \d\d:\d\d UTC\)\. Why: unknown: only the listing is known/);
    expect(deadline.some((s) => s.how === 'edit' && s.ref.id === root.ref.id && s.message.kind === 'alert' && s.message.severity === 'critical')).toBe(true);

    await ftpPartner(tb.servers['vsftpd-main']!.port, (c) => upload(c, `${folder('d-late')}/orders_7.csv`, 18_200));
    const arrival = await evaluateAt('d-late', DUE + 42 * 60_000);
    const resolved = arrival.find((s) => s.place?.thread === root.ref.id)!;
    expect(words(resolved.message)).toMatch(new RegExp(`^✅ Resolved after .*: arrived ${hhmm(DUE + 42 * 60_000)}, 42 min late, 18\\.2 KB$`));
    expect(arrival.some((s) => s.how === 'edit' && s.ref.id === root.ref.id && s.message.kind === 'alert' && s.message.status === 'resolved')).toBe(true);
    // No second thread for the same delivery.
    expect(rootsOf(slack.said, 'd-late')).toHaveLength(1);
  });

  it('1. our server stopped at the due time: "our side"; it comes back, the file arrives, resolved', async () => {
    await startOwnVsftpd();
    const headsUp = await evaluateAt('d-down', DUE - 10 * 60_000);
    expect(rootsOf(headsUp, 'd-down')).toHaveLength(1);
    await stopOwnVsftpd();
    const deadline = await evaluateAt('d-down', DUE);
    expect(deadline.map((s) => words(s.message)).join('\n')).toMatch(/Why: our side: ftpops could not list .* \(tcp\.refused at connect: .*\); the server was down or unreachable around the due time/);
    await startOwnVsftpd();
    await ftpPartner(OWN_PORT, (c) => upload(c, `${folder('d-down')}/orders_1.csv`, 5_000));
    const back = await evaluateAt('d-down', DUE + 20 * 60_000);
    expect(back.map((s) => words(s.message)).join('\n')).toMatch(/✅ Resolved after .*: arrived \d\d:\d\d, 20 min late, 5\.0 KB/);
    await stopOwnVsftpd();
  });

  it('2. the partner tries a wrong password: its 530s are ingested and named', async () => {
    await partnerLogged('d-password', () => ftpPartner(tb.servers['vsftpd-main']!.port, async () => undefined, 'not-the-password').catch((err: { code?: number }) => expect(err.code).toBe(530)));
    const said = await evaluateAt('d-password', DUE);
    expect(words(rootsOf(said, 'd-password')[0]!.message)).toMatch(new RegExp(`critical firing delivery d-password: delivery\\.missing: .*Why: their credentials or our account: 1 failed login as ${tb.user} \\(last at \\d\\d:\\d\\d from 127\\.0\\.0\\.1\\), none succeeded`));
  });

  it('3a. the partner uploads to another folder: the transfer log names where it went', async () => {
    await partnerLogged('d-elsewhere', () => ftpPartner(tb.servers['vsftpd-main']!.port, (c) => upload(c, `${folder('wrong')}/orders_1.csv`, 3_000)));
    const said = await evaluateAt('d-elsewhere', DUE);
    expect(words(rootsOf(said, 'd-elsewhere')[0]!.message)).toContain(`Why: wrong folder: ${tb.user} uploaded ${folder('wrong')}/orders_1.csv at`);
    expect(words(rootsOf(said, 'd-elsewhere')[0]!.message)).toContain(`to ${folder('wrong')} instead of ${folder('d-elsewhere')}`);
  });

  it('3a. on ProFTPD: its TransferLog names the folder the upload went to', async () => {
    const proftpd = tb.servers['proftpd-main']!.port;
    await partnerLogged('d-proftpd', () => ftpPartner(proftpd, (c) => upload(c, `${folder('wrong')}/orders_9.csv`, 3_000)), 'proftpd-main');
    const said = await evaluateAt('d-proftpd', DUE);
    expect(words(rootsOf(said, 'd-proftpd')[0]!.message)).toContain(`Why: wrong folder: ${tb.user} uploaded ${folder('wrong')}/orders_9.csv at`);
  });

  it('3b. the partner uploads a zero-byte file: incomplete, seen in the listing and the transfer log', async () => {
    await partnerLogged('d-empty', () => ftpPartner(tb.servers['vsftpd-main']!.port, (c) => upload(c, `${folder('d-empty')}/orders_1.csv`, 0)));
    const said = await evaluateAt('d-empty', DUE);
    const text = words(rootsOf(said, 'd-empty')[0]!.message);
    expect(text).toContain('delivery.incomplete: orders_1.csv in');
    expect(text).toContain('is empty (0 bytes)');
    expect(text).toContain(`Why: incomplete upload: ${tb.user}'s upload of ${folder('d-empty')}/orders_1.csv at`);
  });

  it('4. silence: logs come in (someone else fails to log in) but nothing from the partner', async () => {
    await partnerLogged('d-silent', async () => {
      const other = new Client(10_000);
      await other.access({ host: '127.0.0.1', port: tb.servers['vsftpd-main']!.port, user: 'someone-else', password: 'x' }).catch(() => undefined);
      other.close();
    });
    const said = await evaluateAt('d-silent', DUE);
    expect(words(rootsOf(said, 'd-silent')[0]!.message)).toMatch(new RegExp(`Why: they did not send: no connection from ${tb.user} since 00:00 \\(the server's logs are connected: 1 event of others in that time\\)`));
  });

  it('5. no logs at all: unknown, only the listing is known, with what to connect', async () => {
    const said = await evaluateAt('d-nologs', DUE);
    expect(words(rootsOf(said, 'd-nologs')[0]!.message)).toContain('Why: unknown: only the listing is known (no server logs of d-nologs came in). Connect them to know whether the partner tried: targets.d-nologs.ingest');
  });

  it('SFTP (sshd): listed with readdir attributes; missing at the due time, then arrives', async () => {
    await evaluateAt('d-sftp', DUE - 15 * 60_000);
    const deadline = await evaluateAt('d-sftp', DUE);
    expect(deadline.map((s) => words(s.message)).join('\n')).toContain('delivery.missing: no file matching orders_*.csv');
    await sftpUpload(tb.servers['sshd-main']!.port, `${folder('d-sftp')}/orders_2.csv`, 4_000);
    const arrival = await evaluateAt('d-sftp', DUE + 5 * 60_000);
    expect(arrival.map((s) => words(s.message)).join('\n')).toMatch(/✅ Resolved after .*: arrived \d\d:\d\d, 5 min late, 4\.0 KB/);
  });

  it('pickup: a file left in an outbound folder past `within` opens an incident; its pickup resolves it', async () => {
    const server = tb.servers['vsftpd-main']!.port;
    await ftpPartner(server, (c) => upload(c, `${folder('d-pickup')}/invoice_1.xml`, 500));
    expect(await evaluateAt('d-pickup', Date.now())).toEqual([]);
    const stuck = await evaluateAt('d-pickup', Date.now() + 31 * 60_000);
    expect(words(rootsOf(stuck, 'd-pickup')[0]!.message)).toMatch(/critical firing delivery d-pickup: delivery\.not_picked_up: 1 file in .*d-pickup not picked up within 30 min; oldest invoice_1\.xml, there since \d\d:\d\d UTC/);
    await ftpPartner(server, (c) => c.remove(`${folder('d-pickup')}/invoice_1.xml`));
    const gone = await evaluateAt('d-pickup', Date.now() + 32 * 60_000);
    expect(gone.map((s) => words(s.message)).join('\n')).toMatch(/✅ Resolved after .*: picked up: no file matching \*\.xml waits in .* longer than 30 min any more/);
  });

  it('/ftp deliveries shows the board: arrived, late, missing with why', async () => {
    const said = await slack.command('deliveries', { user: 'U0VIEW' }, { channel: 'C0OPS' });
    const board = words(said.at(-1)!.message);
    expect(board).toMatch(/🟡 d-late\/orders .*: arrived \d\d:\d\d, 42 min late, 18\.2 KB/);
    expect(board).toMatch(/🔴 d-nologs\/orders .*: MISSING since .* — unknown: only the listing is known/);
    expect(board).toMatch(/🟠 d-empty\/orders .*: INCOMPLETE since/);
    expect(board).toMatch(/✅ d-ontime\/orders/);
  });

  it('the worker evaluates on its BullMQ job scheduler, against the clock it is given', async () => {
    const schedPrefix = uniquePrefix();
    const yaml = ['targets:', ...targetYaml('d-sched', DUE, { path: folder('d-nologs') }), ''].join('\n');
    const cfg = parseTargetsYaml(yaml, join(ownDir, 'sched.yaml'));
    const worker = await startWorker({ REDIS_URL: 'redis://127.0.0.1:6379', FTPOPS_QUEUE_PREFIX: schedPrefix, FTPOPS_DELIVERY_EVERY_MS: '1000' }, cfg, { now: () => DUE + 60_000 });
    try {
      const deadline = Date.now() + 15_000;
      let row: string | null = null;
      while (Date.now() < deadline && !(row = await redis.hget(`${schedPrefix}:delivery-board:d-sched`, 'orders'))) await new Promise((r) => setTimeout(r, 200));
      expect(JSON.parse(row!)).toMatchObject({ target: 'd-sched', status: 'missing', why: expect.stringContaining('unknown: only the listing is known') });
      const effects = (await redis.lrange(`${schedPrefix}:alert-outbox`, 0, -1)).map((e) => JSON.parse(e));
      expect(effects).toEqual([expect.objectContaining({ target: 'd-sched', class: 'delivery', origin: `delivery:orders@${new Date(DUE).toISOString().slice(0, 10)}`, effect: expect.objectContaining({ type: 'open', severity: 'critical' }) })]);
    } finally {
      await worker.stop();
      const keys = await redis.keys(`${schedPrefix}*`);
      if (keys.length) await redis.del(...keys);
    }
  });

  it('ftpops deliveries [--json]: the folders listed now, the same rows, exit 1 when one is missing', async () => {
    const yaml = ['targets:', ...targetYaml('d-ontime', T0 + 10 * 60_000, { path: folder('d-ontime'), stableFor: '0' }), ...targetYaml('d-nologs', T0 - 60_000, { path: folder('d-nologs') }), ''].join('\n');
    const path = join(ownDir, 'cli.yaml');
    writeFileSync(path, yaml);
    const json = await runBin(['deliveries', '--json'], { env: { FTPOPS_CONFIG: path } });
    expect(json.code, json.stderr).toBe(1);
    const rows = JSON.parse(json.stdout) as Array<{ target: string; status: string; why?: string; bytes?: number }>;
    expect(rows).toEqual([
      expect.objectContaining({ target: 'd-ontime', status: 'arrived', bytes: 2_000 }),
      expect.objectContaining({ target: 'd-nologs', status: 'missing', why: expect.stringContaining('unknown: only the listing is known') }),
    ]);
    const text = await runBin(['deliveries', 'd-ontime'], { env: { FTPOPS_CONFIG: path } });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^✅ d-ontime\/orders .*: arrived \d\d:\d\d, 2\.0 KB/);
    const unknown = await runBin(['deliveries', 'nope'], { env: { FTPOPS_CONFIG: path } });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
  });
});
