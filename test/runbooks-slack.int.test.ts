// Runbooks in Slack, end to end: signed slash commands and block_actions into the real Bolt
// receiver of `ftpops`, real Redis, the bot's checks run by a real worker against the test
// daemons, and the fake Slack Web API recording what people would see.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Socket } from 'node:net';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTestbed, type Testbed } from './support/testbed.js';
import { startFakeSlackApi, type FakeSlackApi } from './support/fake-slack-api.js';
import { RoleProcess, freePort, slackRoleEnv, sendButtonClick, sendSlashCommand, uniquePrefix, writeConfig, endProcesses } from './support/bot-process.js';
import { click, isTimeline, messageText, settled, stepOf, thread, walkToEnd } from './support/runbook-walker.js';
import { fillPlaceholders, loadRunbooks, type Runbook } from '../src/runbooks/runbook.js';

let tb: Testbed;
let fake: FakeSlackApi;
let config: string;
const processes: RoleProcess[] = [];
const runbooks = loadRunbooks([fileURLToPath(new URL('../src/knowledge/runbooks', import.meta.url))]);

/** Which test target each built-in runbook walks against: one on which its checks pass. */
const TARGET_OF: Record<string, string> = {
  'ssh-host-key-changed': 'sftp-main',
  'plaintext-ftp-exposure': 'ftp-forcessl',
  'too-many-connections': 'ftp-full',
};

beforeAll(async () => {
  tb = loadTestbed();
  fake = await startFakeSlackApi();
  const port = (name: string) => tb.servers[name]!.port;
  const quick = '    recovery: { roundTrips: 2, quietMinutes: 0 }';
  config = writeConfig(
    [
      'targets:',
      '  ftp-main:',
      `    url: ftpes://${tb.user}@127.0.0.1:${port('vsftpd-main')}`,
      '    passwordEnv: FTPOPS_TEST_PW',
      `    ca: ${tb.caFile}`,
      '    write: true',
      quick,
      '  ftp-forcessl:',
      `    url: ftpes://${tb.user}@127.0.0.1:${port('vsftpd-forcessl')}`,
      '    passwordEnv: FTPOPS_TEST_PW',
      `    ca: ${tb.caFile}`,
      quick,
      '  ftp-full:',
      `    url: ftp://${tb.user}@127.0.0.1:${port('vsftpd-full')}`,
      '    passwordEnv: FTPOPS_TEST_PW',
      quick,
      '  sftp-main:',
      `    url: sftp://${tb.user}@127.0.0.1:${port('sshd-main')}`,
      '    passwordEnv: FTPOPS_TEST_PW',
      `    hostKey: '${tb.servers['sshd-main']!.hostKeyFingerprint}'`,
      '    write: true',
      quick,
      '  quiet-ftp:',
      `    url: ftpes://${tb.user}@127.0.0.1:${port('vsftpd-main')}`,
      '    passwordEnv: FTPOPS_TEST_PW',
      `    ca: ${tb.caFile}`,
      '    recovery: { roundTrips: 1, quietMinutes: 0.05 }',
      // Dozens of walks click as one user within a minute: well past the default rate.
      'access:',
      '  commandsPerMinute: 10000',
      '',
    ].join('\n'),
  );
});

afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail') {
    for (const channel of ['C0RBQUIET', 'C0RBRESTART']) console.log(`--- ${channel} ---\n${fake.messages(channel).map((m) => `[${m.thread_ts ? 'thread' : 'root'}] ${messageText(m)}`).join('\n---\n')}`);
  }
  await endProcesses(ctx, processes);
});

afterAll(async () => {
  await fake.close();
});

async function start(role: 'bot' | 'worker' | 'all', prefix: string, port: number, owner = processes, configFile = config): Promise<RoleProcess> {
  const proc = new RoleProcess(role, {
    ...slackRoleEnv({ apiUrl: fake.url, port, prefix, config: configFile }),
    FTPOPS_TEST_PW: tb.password,
    FTPOPS_LOCK_MS: '2000',
    FTPOPS_WORKER_CONCURRENCY: '6',
  });
  owner.push(proc);
  await proc.ready();
  return proc;
}

/** Answers at decisions: one for all, with exceptions by step id. */
interface WalkPlan {
  otherwise: 'yes' | 'no';
  at: Record<string, 'yes' | 'no'>;
}

/** The decisions a plan passes through, following the runbook's branches (no chat involved). */
function simulate(runbook: Runbook, plan: WalkPlan): string[] {
  const taken: string[] = [];
  for (let i = 0, guard = 0; i >= 0 && i < runbook.steps.length && guard < 100; guard++) {
    const step = runbook.steps[i]!;
    if (step.kind !== 'decision') {
      i++;
      continue;
    }
    const answer = plan.at[step.id] ?? plan.otherwise;
    taken.push(`${runbook.id}/${step.id}:${answer}`);
    i = runbook.steps.findIndex((s) => s.id === (answer === 'yes' ? step.yes : step.no));
  }
  return taken;
}

/** Walks that between them take both answers at every decision. */
function walkPlans(runbook: Runbook): WalkPlan[] {
  const plans: WalkPlan[] = [{ otherwise: 'yes', at: {} }, { otherwise: 'no', at: {} }];
  const covered = new Set(plans.flatMap((p) => simulate(runbook, p)));
  for (const step of runbook.steps.filter((s) => s.kind === 'decision')) {
    for (const answer of ['yes', 'no'] as const) {
      if (covered.has(`${runbook.id}/${step.id}:${answer}`)) continue;
      const plan = (['yes', 'no'] as const).map((otherwise) => ({ otherwise, at: { [step.id]: answer } })).find((p) => simulate(runbook, p).includes(`${runbook.id}/${step.id}:${answer}`));
      if (!plan) throw new Error(`${runbook.id}: no simple walk reaches ${step.id}:${answer}`);
      plans.push(plan);
      for (const pair of simulate(runbook, plan)) covered.add(pair);
    }
  }
  return plans;
}

/** The step a message shows, by its title (placeholders filled as for the test targets). */
function answerFor(runbook: Runbook, plan: WalkPlan, text: string): 'yes' | 'no' {
  const step = runbook.steps.find((s) => s.kind === 'decision' && text.includes(s.title.split('{')[0]!));
  return (step && plan.at[step.id]) ?? plan.otherwise;
}

/** Decisions as the timeline recorded them: "**Title**: yes". */
function decisionsTaken(runbook: Runbook, markdown: string): string[] {
  return runbook.steps
    .filter((s) => s.kind === 'decision')
    .flatMap((s) => (['yes', 'no'] as const).filter((a) => markdown.includes(`**${fillPlaceholders(s.title, { host: '127.0.0.1' })}**: ${a} —`)).map((a) => `${runbook.id}/${s.id}:${a}`));
}

/** `/ftp runbook …` in a channel of its own; resolves with the thread the runbook runs in. */
async function openRunbook(port: number, channel: string, query: string, target: string): Promise<string> {
  const answer = await sendSlashCommand(port, `runbook ${query} ${target}`, { channel, responseUrl: fake.responseUrl(channel) });
  expect(answer.status).toBe(200);
  const root = await fake.waitFor(({ messages }) => messages.find((m) => m.channel === channel && !m.thread_ts && m.text.includes('Runbook:')), 10_000);
  return root.ts;
}

/** A session on vsftpd-full (max_clients=1): while the test holds it, everyone else gets 421. */
function holdGreeting(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('error', reject);
    socket.once('data', (d) => (d.toString().startsWith('220') ? resolve(socket) : reject(new Error(`no 220: ${d}`))));
  });
}

/** Wait until the daemon greets a newcomer with 220 again (the held session's process is gone). */
async function untilGreets(port: number): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const greeting = await new Promise<string>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('data', (d) => {
        resolve(d.toString());
        s.end('QUIT\r\n');
      });
      s.once('error', () => resolve(''));
    });
    if (greeting.startsWith('220')) return new Promise((r) => setTimeout(r, 200));
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('vsftpd-full never greeted again');
}

const ephemerals = (id: string) => fake.callsTo('response_url').filter((c) => c.responseUrlId?.startsWith(id)).map((c) => String(c.body.text ?? ''));

describe('every built-in runbook, walked in Slack', () => {
  let port: number;
  const shared: RoleProcess[] = [];
  beforeAll(async () => {
    port = await freePort();
    await start('all', uniquePrefix(), port, shared);
  });
  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail') for (const p of shared) console.log(`--- process output ---\n${p.output.slice(-(Number(process.env.RB_OUTPUT_TAIL) || 3000))}`);
  });
  afterAll(async () => {
    await Promise.all(shared.map((p) => p.kill('SIGKILL')));
  });

  it('each can be walked to its end along every branch; checks run for real; the timeline posts', async () => {
    const walks = [...runbooks.values()].flatMap((runbook, i) =>
      walkPlans(runbook).map(async (plan, j) => {
        const channel = `C0RB${i}W${j}`;
        const target = TARGET_OF[runbook.id] ?? 'ftp-main';
        const root = await openRunbook(port, channel, runbook.id, target);
        const { timeline, clicks } = await walkToEnd(fake, port, channel, root, (text) => answerFor(runbook, plan, text)).catch((err: Error) => {
          throw new Error(`${runbook.id} on ${target}: ${err.message}`);
        });
        const markdown = messageText(timeline);
        expect(markdown, runbook.id).toContain(`### ${runbook.title} — ${target}`);
        expect(markdown, runbook.id).toMatch(/\(resolved\) — <@U0TEST>/);
        // Every verify step reports what the bot saw, as the bot.
        expect(markdown, runbook.id).toMatch(/check result \(as expected.*— ftpops/);
        expect(clicks.at(-1), runbook.id).toBe('Resolve');
        // One message per step visited: all closed now (no buttons left), the timeline last.
        const steps = thread(fake, channel, root).filter((m) => !isTimeline(m));
        expect(steps.filter((m) => stepOf(m)).length, runbook.id).toBe(0);
        expect(steps.length, runbook.id).toBe(clicks.filter((c) => c !== 'Run verification').length);
        return decisionsTaken(runbook, markdown);
      }),
    );
    const results = await Promise.allSettled(walks);
    const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => String(r.reason));
    expect(failures).toEqual([]);
    // Together the walks took both answers at every decision of every runbook.
    const taken = new Set(results.flatMap((r) => (r.status === 'fulfilled' ? r.value : [])));
    const all = [...runbooks.values()].flatMap((r) => r.steps.filter((s) => s.kind === 'decision').flatMap((s) => [`${r.id}/${s.id}:yes`, `${r.id}/${s.id}:no`]));
    expect(all.filter((pair) => !taken.has(pair))).toEqual([]);
  }, 120_000);

  it('a finding code or an alert class opens its runbook; an unknown one gets the list', async () => {
    const byCode = await openRunbook(port, 'C0RBCODE', 'auth.failed', 'ftp-main');
    await fake.waitFor(() => thread(fake, 'C0RBCODE', byCode).find((m) => /Re-check the login/.test(messageText(m))));
    const byClass = await openRunbook(port, 'C0RBCLASS', 'capacity', 'ftp-full');
    await fake.waitFor(() => thread(fake, 'C0RBCLASS', byClass).find((m) => /Re-check the greeting/.test(messageText(m))));
    await sendSlashCommand(port, 'runbook nonsense.code ftp-main', { channel: 'C0RBBAD', responseUrl: fake.responseUrl('C0RBBAD') });
    await fake.waitFor(() => ephemerals('C0RBBAD').find((t) => /no runbook, finding code or alert class 'nonsense\.code' \(runbooks: .*too-many-connections/.test(t)));
    const noTarget = await sendSlashCommand(port, 'runbook capacity nope', { channel: 'C0RBBAD', responseUrl: fake.responseUrl('C0RBBAD2') });
    expect(noTarget.status).toBe(200);
    await fake.waitFor(() => ephemerals('C0RBBAD2').find((t) => /unknown target 'nope'/.test(t)));
  });

  it('the capacity runbook: its check fails while vsftpd-full is held, and passes once it is let go', async () => {
    const full = tb.servers['vsftpd-full']!.port;
    const held = await holdGreeting(full);
    const root = await openRunbook(port, 'C0RBFULL', 'too-many-connections', 'ftp-full');
    let state = await settled(fake, 'C0RBFULL', root, 0);
    if (state.kind !== 'step') throw new Error('no first step');
    expect(state.step.text).toContain('Re-check the greeting');
    await click(fake, port, 'C0RBFULL', state.step, 'run-check');
    state = await settled(fake, 'C0RBFULL', root, state.step.version);
    if (state.kind !== 'step') throw new Error('ended early');
    // Still the same message, edited in place, with what the daemon said.
    expect(state.step.text).toContain('Re-check the greeting');
    expect(state.step.text).toMatch(/✗ greet failed: ftp\.unavailable — 421/);
    expect(state.step.labels).toContain('Run check again');
    held.destroy();
    await untilGreets(full);
    await click(fake, port, 'C0RBFULL', state.step, 'run-check');
    state = await settled(fake, 'C0RBFULL', root, state.step.version);
    if (state.kind !== 'step') throw new Error('ended early');
    expect(state.step.text).toContain('Count the open sessions');
    // The first step's message became the record of both tries.
    const first = thread(fake, 'C0RBFULL', root)[0]!;
    expect(messageText(first)).toMatch(/not as expected: greet failed: ftp\.unavailable[\s\S]*as expected: greet passed/);
    const { timeline } = await walkToEnd(fake, port, 'C0RBFULL', root, 'yes', state.step.version - 1);
    expect(messageText(timeline)).toMatch(/Re-check the greeting\*\*: check result \(not as expected/);
  }, 60_000);

  it('a double click, and a click on an older message, make one transition; the others are told', async () => {
    const root = await openRunbook(port, 'C0RBDOUBLE', 'certificates', 'ftp-main');
    const state = await settled(fake, 'C0RBDOUBLE', root, 0);
    if (state.kind !== 'step') throw new Error('no first step');
    await Promise.all([click(fake, port, 'C0RBDOUBLE', state.step, 'done', 'U0ANN'), click(fake, port, 'C0RBDOUBLE', state.step, 'done', 'U0BOB')]);
    const next = await settled(fake, 'C0RBDOUBLE', root, state.step.version);
    if (next.kind !== 'step') throw new Error('ended early');
    expect(next.step.version).toBe(state.step.version + 1);
    expect(thread(fake, 'C0RBDOUBLE', root)).toHaveLength(2);
    await fake.waitFor(() => ephemerals(`C0RBDOUBLE-${state.step.version}-done`).find((t) => /^Nothing changed: that button belongs to an earlier state/.test(t)));
    const records = messageText(thread(fake, 'C0RBDOUBLE', root)[0]!).match(/✓ Done/g) ?? [];
    expect(records).toHaveLength(1);
    // The first step's old button, clicked again later: refused, nothing moves.
    await click(fake, port, 'C0RBDOUBLE', state.step, 'skip', 'U0CAROL');
    await fake.waitFor(() => ephemerals(`C0RBDOUBLE-${state.step.version}-skip`).find((t) => /Nothing changed/.test(t)));
    expect(stepOf(thread(fake, 'C0RBDOUBLE', root)[1]!)?.version).toBe(next.step.version);
  });

  it('a verify step waits out the quiet period, checks once more, then proposes to resolve', async () => {
    const root = await openRunbook(port, 'C0RBQUIET', 'unexpected-error', 'quiet-ftp');
    let version = 0;
    for (;;) {
      const state = await settled(fake, 'C0RBQUIET', root, version);
      if (state.kind !== 'step') throw new Error('ended before the verify step');
      const verify = /complete round trip/.test(state.step.text);
      await click(fake, port, 'C0RBQUIET', state.step, state.step.actions.includes('run-check') ? 'run-check' : state.step.actions.includes('done') ? 'done' : 'yes');
      version = state.step.version;
      if (verify) break;
    }
    const waiting = await fake.waitFor(() => thread(fake, 'C0RBQUIET', root).map(stepOf).find((s) => s && /Quiet period until/.test(s.text)));
    expect(waiting!.labels).not.toContain('Resolve');
    const verified = await settled(fake, 'C0RBQUIET', root, version, 20_000);
    if (verified.kind !== 'step') throw new Error('ended without Resolve');
    expect(verified.step.labels).toEqual(['Resolve', ...(verified.step.actions.includes('back') ? ['Back'] : [])]);
    expect(verified.step.text).toMatch(/the last check passed .*no failed check during the quiet period/);
    expect(verified.step.text).toContain('Verified');
  }, 30_000);
});

describe('a summary or alert: "Open runbook"', () => {
  it('opens the runbook in that thread, once however often it is clicked', async () => {
    const port = await freePort();
    await start('all', uniquePrefix(), port);
    const root = '1700000000.000100';
    const value = 'runbook:too-many-connections:ftp-full';
    const open = () => sendButtonClick(port, { actionId: 'ftpops.runbook', value, channel: 'C0RBOPEN', messageTs: root, responseUrl: fake.responseUrl('C0RBOPEN') });
    await open();
    await fake.waitFor(() => thread(fake, 'C0RBOPEN', root).find((m) => stepOf(m)));
    await open();
    await fake.waitFor(() => ephemerals('C0RBOPEN').find((t) => /already open in this thread/.test(t)));
    expect(thread(fake, 'C0RBOPEN', root)).toHaveLength(1);
  });
});

describe('/ftp runbook while an incident is open', () => {
  it("runs in the incident's thread; its check shows the daemon's refusal until the password is put right", async () => {
    const alerting = writeConfig(
      [
        'targets:',
        '  broken-ftp:',
        `    url: ftp://${tb.user}@127.0.0.1:${tb.servers['vsftpd-main']!.port}`,
        '    passwordFile: pw.txt',
        '    interval: 1s',
        '    alertChannel: C0RBALERT',
        '',
      ].join('\n'),
    );
    const passwordFile = join(dirname(alerting), 'pw.txt');
    writeFileSync(passwordFile, 'a-wrong-password\n');
    const port = await freePort();
    await start('all', uniquePrefix(), port, processes, alerting);
    const root = await fake.waitFor(() => fake.messages('C0RBALERT').find((m) => !m.thread_ts && /auth — broken-ftp/.test(m.text)), 20_000);
    await sendSlashCommand(port, 'runbook auth.failed broken-ftp', { channel: 'C0RBALERT', responseUrl: fake.responseUrl('C0RBALERT') });
    let state = await settled(fake, 'C0RBALERT', root.ts, 0);
    if (state.kind !== 'step') throw new Error('no first step');
    expect(state.step.text).toContain('Re-check the login');
    expect(fake.messages('C0RBALERT').filter((m) => !m.thread_ts)).toHaveLength(1); // no new thread
    await click(fake, port, 'C0RBALERT', state.step, 'run-check');
    state = await settled(fake, 'C0RBALERT', root.ts, state.step.version);
    if (state.kind !== 'step') throw new Error('ended early');
    expect(state.step.text).toMatch(/✗ login failed: auth\.failed — 530 Login incorrect\./);
    writeFileSync(passwordFile, `${tb.password}\n`);
    await click(fake, port, 'C0RBALERT', state.step, 'run-check');
    state = await settled(fake, 'C0RBALERT', root.ts, state.step.version);
    if (state.kind !== 'step') throw new Error('ended early');
    expect(state.step.text).toContain("Read the server's reason");
  }, 60_000);
});

describe('a bot restarted mid-runbook', () => {
  it('continues the session, and a check asked for before the restart still lands on its step', async () => {
    const prefix = uniquePrefix();
    const port = await freePort();
    const bot = await start('bot', prefix, port);
    await start('worker', prefix, await freePort());
    const root = await openRunbook(port, 'C0RBRESTART', 'login-failures', 'ftp-main');
    const first = await settled(fake, 'C0RBRESTART', root, 0);
    if (first.kind !== 'step') throw new Error('no first step');
    // Ask for the check and kill the bot before its answer can come back.
    await click(fake, port, 'C0RBRESTART', first.step, 'run-check');
    await fake.waitFor(() => thread(fake, 'C0RBRESTART', root).map(stepOf).find((s) => s && s.version > first.step.version && /Running the check/.test(s.text)));
    await bot.kill('SIGKILL');
    await start('bot', prefix, port);
    const next = await settled(fake, 'C0RBRESTART', root, first.step.version);
    if (next.kind !== 'step') throw new Error('ended early');
    expect(next.step.text).toContain("Read the server's reason");
    const { timeline } = await walkToEnd(fake, port, 'C0RBRESTART', root, 'no', next.step.version - 1);
    expect(messageText(timeline)).toMatch(/login passed in \d+ ms/);
  }, 60_000);
});
