// Server identity against real daemons of the test's own: an OpenSSH sshd whose host key is
// regenerated under it (SIGHUP), a vsftpd whose certificate is re-issued (same CA: a renewal;
// another CA with `pin: issuer`: tls.identity_changed), known_hosts pins with hashed entries.
// The real worker (src/worker.ts) runs the checks as scheduled jobs; the real bot core posts the
// changes to Slack, Discord and the console (fake chats through the shared router). That no
// credential reached a server with another identity is read from the daemons' own logs.
import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { createBotCore, type BotCore } from '../src/bot/bot-core.js';
import type { AuditRecord } from '../src/bot/router.js';
import type { ChatMessage, IdentityChangeMessage } from '../src/bot/messages.js';
import { plainOf } from '../src/bot/rich.js';
import { parseTargetsYaml } from '../src/config/targets-file.js';
import { CHECK_JOB, CHECK_QUEUE, type CheckJobData, type CheckJobResult } from '../src/queue/check-job.js';
import type { ProbeReport } from '../src/probes/probe.js';
import { startWorker } from '../src/worker.js';
import type { Running } from '../src/running.js';
import { FakeChat, type Said } from './support/fake-chat.js';
import { uniquePrefix } from './support/bot-process.js';
import { loadTestbed } from './support/testbed.js';
import { checkJson, runBin } from './support/run-cli.js';
import { IdentitySshd, IdentityVsftpd, IDENTITY_SSHD_PORT, IDENTITY_VSFTPD_PORT } from './support/identity-servers.js';

const ADMIN = { user: 'U0ADMIN' };
const OPS = { user: 'U0OPS' };
const ALERTS = { channel: 'C0ALERTS' };
const DISCORD_ALERTS = '222222222222222222';

const sshd = new IdentitySshd();
let vsftpd: IdentityVsftpd;
let core: BotCore;
let worker: Running;
let slack: FakeChat;
let discord: FakeChat;
let web: FakeChat;
let queue: Queue<CheckJobData, CheckJobResult>;
let redis: Redis;
const audit: AuditRecord[] = [];
const prefix = uniquePrefix();
let knownGood: string;
let knownBad: string;
let configFile: string;

/** What a person would read in a message. */
function words(m: ChatMessage): string {
  if (m.kind === 'notice' || m.kind === 'status') return plainOf(m.text);
  if (m.kind === 'identity-change') return `${m.title}\n${plainOf(m.text)}`;
  if (m.kind === 'alert-update' || m.kind === 'error') return m.text;
  return JSON.stringify(m);
}

/** One scheduled check of a target, through the queue and the real worker. */
async function check(target: string): Promise<ProbeReport> {
  const job = await queue.add(CHECK_JOB, { target, scheduled: true });
  const deadline = Date.now() + 30_000;
  for (;;) {
    const state = await job.getState();
    if (state === 'completed' || state === 'failed') break;
    if (Date.now() > deadline) throw new Error(`check of ${target} still ${state}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const done = (await queue.getJob(job.id!))!;
  const result = done.returnvalue;
  if (result?.kind !== 'report') throw new Error(`check of ${target}: ${JSON.stringify(result ?? done.failedReason)}`);
  return result.report;
}

/** The identity-change message each platform got since `marks`, once the desk has posted it. */
async function posted(marks: number[]): Promise<Said[]> {
  const chats = [slack, discord, web];
  const deadline = Date.now() + 5_000;
  for (;;) {
    const found = chats.map((c, i) => c.since(marks[i]!).find((s) => s.how === 'post' && s.message.kind === 'identity-change'));
    if (found.every(Boolean)) return found as Said[];
    if (Date.now() > deadline) throw new Error(`identity change not posted on every platform: ${found.map((f) => Boolean(f)).join(', ')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const marks = () => [slack.said.length, discord.said.length, web.said.length];

function buttonOf(m: ChatMessage, label: RegExp): string {
  const action = (m as IdentityChangeMessage).actions.find((a) => a.kind === 'identity-decision' && label.test(a.label));
  if (!action || action.kind !== 'identity-decision') throw new Error(`no ${label} button`);
  return `${action.decision === 'accept' ? 'idaccept' : 'idsuspect'}:${action.change}:${action.target}`;
}

/** A hashed known_hosts entry (HashKnownHosts yes): |1|base64(salt)|base64(HMAC-SHA1(salt, "[host]:port")). */
function hashedEntry(host: string, pubFile: string): string {
  const salt = randomBytes(20);
  const hash = createHmac('sha1', salt).update(host).digest('base64');
  const [type, blob] = readFileSync(pubFile, 'utf8').trim().split(/\s+/);
  return `|1|${salt.toString('base64')}|${hash} ${type} ${blob}`;
}

const noAuthIn = (log: string) => expect(log).not.toMatch(/userauth-request|Accepted (password|publickey)|Failed (password|publickey)/);

beforeAll(async () => {
  const tb = loadTestbed();
  await sshd.start();
  vsftpd = new IdentityVsftpd();
  vsftpd.issue('testbed');
  await vsftpd.start();
  knownGood = join(sshd.dir, 'known_hosts_good');
  knownBad = join(sshd.dir, 'known_hosts_bad');
  const yaml = `
targets:
  id-sftp:
    url: sftp://${tb.user}@127.0.0.1:${IDENTITY_SSHD_PORT}
    passwordEnv: ID_TEST_PASSWORD
    alertChannel: ${ALERTS.channel}
    discordAlertChannel: '${DISCORD_ALERTS}'
  id-ftps:
    url: ftpes://${tb.user}@127.0.0.1:${IDENTITY_VSFTPD_PORT}
    passwordEnv: ID_TEST_PASSWORD
    ca: ${vsftpd.caBundle}
    pin: issuer
    alertChannel: ${ALERTS.channel}
    discordAlertChannel: '${DISCORD_ALERTS}'
  id-known-good:
    url: sftp://${tb.user}@127.0.0.1:${IDENTITY_SSHD_PORT}
    passwordEnv: ID_TEST_PASSWORD
    knownHosts: ${knownGood}
  id-any:
    url: sftp://${tb.user}@127.0.0.1:${IDENTITY_SSHD_PORT}
    passwordEnv: ID_TEST_PASSWORD
    hostKey: any
  id-known-bad:
    url: sftp://${tb.user}@127.0.0.1:${IDENTITY_SSHD_PORT}
    passwordEnv: ID_TEST_PASSWORD
    knownHosts: ${knownBad}
channels:
  '*': ['*']
access:
  admins: [U0ADMIN]
  operators: [U0OPS]
  viewers: ['*']
`;
  configFile = join(sshd.dir, 'ftpops.yaml');
  writeFileSync(configFile, yaml);
  const config = parseTargetsYaml(yaml, configFile);
  const env = { REDIS_URL: 'redis://127.0.0.1:6379', FTPOPS_QUEUE_PREFIX: prefix, ID_TEST_PASSWORD: tb.password, FTPOPS_WORKER_CONCURRENCY: '1' };
  worker = await startWorker(env, config);
  core = createBotCore(env, config, { audit: (r) => audit.push(r) });
  slack = new FakeChat('slack', core.router);
  discord = new FakeChat('discord', core.router);
  web = new FakeChat('console', core.router);
  Object.assign(core.outbounds, { slack, discord, console: web });
  await core.start();
  redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
  queue = new Queue<CheckJobData, CheckJobResult>(CHECK_QUEUE, { connection: redis, prefix });
}, 60_000);

afterAll(async () => {
  await core?.finishAnswers();
  await core?.stop();
  await worker?.stop();
  await queue?.obliterate({ force: true }).catch(() => undefined);
  await queue?.close();
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  await sshd.stop();
  await vsftpd?.stop();
});

describe('SSH host key: remembered, changed, decided in chat', () => {
  it('remembers every host key on the first successful check (hostkeys-00 after login)', async () => {
    const mark = sshd.logMark();
    const report = await check('id-sftp');
    expect(report.ok, JSON.stringify(report.finding)).toBe(true);
    // The positive control for the log proofs below: a check that does log in shows up.
    expect(sshd.logSince(mark)).toMatch(/userauth-request for user \S+ service ssh-connection method password/);
    const [answer] = await slack.command('identity id-sftp', OPS, ALERTS);
    const text = words(answer!.message);
    expect(text).toContain(`ssh-ed25519 ${sshd.fingerprint('ed25519')} (presented)`);
    expect(text).toContain(`ecdsa-sha2-nistp256 ${sshd.fingerprint('ecdsa')}`);
    expect(text).toMatch(/first-seen: remembered/);
  });

  it('fails a check before authentication after one key is regenerated, and shows both fingerprints on every platform', async () => {
    const before = sshd.fingerprint('ed25519');
    sshd.regenerate('ed25519');
    await sshd.reload();
    const after = sshd.fingerprint('ed25519');
    const at = marks();
    const mark = sshd.logMark();
    const report = await check('id-sftp');
    expect(report.finding?.code).toBe('ssh.hostkey_mismatch');
    expect(report.finding?.stage).toBe('secure');
    expect(report.stages.find((s) => s.name === 'login')?.status).not.toBe('ok');
    noAuthIn(sshd.logSince(mark));
    const [s, d, c] = await posted(at);
    for (const said of [s!, d!, c!]) {
      const text = words(said.message);
      expect(text).toContain(`old: ssh-ed25519 ${before}`);
      expect(text).toContain(`new: ssh-ed25519 ${after}`);
      expect(text).toMatch(/first seen: \d{4}-\d\d-\d\dT/);
      expect(text).toContain('same key type, new key');
      expect(text).toMatch(/other keys are unchanged \(ecdsa-sha2-nistp256\): only this key was swapped/);
    }
    expect(s!.place).toEqual({ channel: ALERTS.channel });
    expect(d!.place).toEqual({ channel: DISCORD_ALERTS });
    // Seen again: still failing, but not posted twice.
    const again = marks();
    expect((await check('id-sftp')).finding?.code).toBe('ssh.hostkey_mismatch');
    await new Promise((r) => setTimeout(r, 1_200));
    expect(slack.since(again[0]!).filter((x) => x.message.kind === 'identity-change')).toHaveLength(0);
  });

  it('refuses Accept from an operator; Treat as suspicious opens the runbook; Accept by an admin lets the next check pass', async () => {
    const change = slack.said.filter((x) => x.message.kind === 'identity-change').at(-1)!;
    const accept = buttonOf(change.message, /Accept new key/);
    const refused = await slack.click(accept, OPS, ALERTS, { id: change.ref.id });
    expect(refused.map((x) => x.how)).toEqual(['private']);
    expect(words(refused[0]!.message)).toMatch(/admin/i);
    expect(audit.at(-1)).toMatchObject({ outcome: 'refused', verb: 'identity.accept', target: 'id-sftp', user: OPS.user });
    expect((await check('id-sftp')).finding?.code).toBe('ssh.hostkey_mismatch');

    const suspicious = await discord.click(buttonOf(change.message, /suspicious/), OPS, { channel: DISCORD_ALERTS, guild: '111111111111111111' }, { id: 'd1' });
    const runbook = suspicious.find((x) => x.message.kind === 'runbook-step');
    expect(runbook?.message).toMatchObject({ kind: 'runbook-step', runbookTitle: expect.stringMatching(/host key/i), target: 'id-sftp' });
    expect(suspicious.some((x) => /treats the new host key of id-sftp as suspicious/.test(words(x.message)))).toBe(true);
    expect(audit.at(-1)).toMatchObject({ outcome: 'done', verb: 'identity.suspicious', user: OPS.user });

    const accepted = await web.click(accept, ADMIN, { channel: 'console' }, { id: 'c1' });
    expect(accepted.some((x) => x.how === 'post' && /accepted the new host key of id-sftp/.test(words(x.message)))).toBe(true);
    expect(audit.at(-1)).toMatchObject({ outcome: 'done', verb: 'identity.accept', target: 'id-sftp', user: ADMIN.user, platform: 'console' });
    const report = await check('id-sftp');
    expect(report.ok, JSON.stringify(report.finding)).toBe(true);
    const [answer] = await slack.command('identity id-sftp', OPS, ALERTS);
    expect(words(answer!.message)).toMatch(/accepted by U0ADMIN: accepted ssh-ed25519 SHA256:/);
    expect(words(answer!.message)).toContain(`ssh-ed25519 ${sshd.fingerprint('ed25519')} (presented)`);
    // A second click on the same button: nothing is waiting any more.
    const late = await slack.click(accept, ADMIN, ALERTS, { id: change.ref.id });
    expect(words(late[0]!.message)).toMatch(/no longer waiting/);
  });

  it('a whole-server rebuild (every host key new) says so, and an accepted rebuild remembers the new keys of every type', async () => {
    sshd.regenerate('ed25519');
    sshd.regenerate('ecdsa');
    await sshd.reload();
    const at = marks();
    const mark = sshd.logMark();
    expect((await check('id-sftp')).finding?.code).toBe('ssh.hostkey_mismatch');
    noAuthIn(sshd.logSince(mark));
    const [s] = await posted(at);
    expect(words(s!.message)).toMatch(/other keys changed too \(ecdsa-sha2-nistp256\): looks like a whole-server rebuild/);
    await slack.click(buttonOf(s!.message, /Accept new key/), ADMIN, ALERTS, { id: s!.ref.id });
    expect((await check('id-sftp')).ok).toBe(true);
    const [answer] = await slack.command('identity id-sftp', OPS, ALERTS);
    expect(words(answer!.message)).toContain(`ecdsa-sha2-nistp256 ${sshd.fingerprint('ecdsa')}`);
  });

  it('warns ssh.downgrade with before and after when the server now settles for CBC and SHA-1', async () => {
    await sshd.reconfigure(['Ciphers aes128-cbc', 'MACs hmac-sha1']);
    try {
      const report = await check('id-sftp');
      expect(report.ok, JSON.stringify(report.finding)).toBe(true);
      expect(report.warnings.find((w) => w.code === 'ssh.downgrade')?.detail).toMatch(/cipher (chacha20-poly1305@openssh\.com|aes\d+-(gcm|ctr)\S*) → aes128-cbc; mac \S+ → hmac-sha1/);
    } finally {
      await sshd.reconfigure([]);
    }
    // Back to the strong settings: no warning (the remembered session is the weak one now, so
    // nothing got weaker).
    expect((await check('id-sftp')).warnings.map((w) => w.code)).not.toContain('ssh.downgrade');
  });
});

describe('pins in the config file', () => {
  it('hostKey: any opts out explicitly: nothing is verified or remembered, and every check says so', async () => {
    const report = await check('id-any');
    expect(report.ok, JSON.stringify(report.finding)).toBe(true);
    expect(report.warnings.find((w) => w.code === 'ssh.hostkey_unpinned')?.detail).toMatch(/opts out \(hostKey: any\).*SHA256:/);
    const [answer] = await slack.command('identity id-any', OPS, ALERTS);
    expect(words(answer!.message)).toMatch(/pinned: nothing \(hostKey: any/);
    expect(words(answer!.message)).toMatch(/remembered: nothing yet/);
  });

  it('a hashed [host]:port entry pins an SFTP target; a file naming another key fails it before authentication', async () => {
    const name = `[127.0.0.1]:${IDENTITY_SSHD_PORT}`;
    writeFileSync(knownGood, `# hashed\n${hashedEntry(name, `${sshd.keyFile('ed25519')}.pub`)}\n`);
    const stale = join(sshd.dir, 'stale');
    const { execFileSync } = await import('node:child_process');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', stale]);
    writeFileSync(knownBad, `${hashedEntry(name, `${stale}.pub`)}\n`);
    const good = await check('id-known-good');
    expect(good.ok, JSON.stringify(good.finding)).toBe(true);
    expect(good.warnings.map((w) => w.code)).not.toContain('ssh.hostkey_unpinned');
    const mark = sshd.logMark();
    const bad = await check('id-known-bad');
    expect(bad.finding?.code).toBe('ssh.hostkey_mismatch');
    expect(bad.finding?.detail).toMatch(/known_hosts/);
    noAuthIn(sshd.logSince(mark));
  });
});

describe('TLS certificate: renewal, another issuer', () => {
  it('remembers the certificate; a re-issue from the same CA is a quiet renewal note', async () => {
    const mark = vsftpd.logMark();
    expect((await check('id-ftps')).ok).toBe(true);
    // The positive control for the log proof below: a check that logs in shows USER and PASS.
    expect(vsftpd.logSince(mark)).toMatch(/"USER [\s\S]*"PASS /);
    vsftpd.issue('testbed', 60);
    await vsftpd.restart();
    const at = marks();
    const report = await check('id-ftps');
    expect(report.ok, JSON.stringify(report.finding)).toBe(true);
    await new Promise((r) => setTimeout(r, 1_200));
    expect(slack.since(at[0]!).filter((x) => x.how === 'post')).toHaveLength(0);
    const [answer] = await slack.command('identity id-ftps', OPS, ALERTS);
    expect(words(answer!.message)).toMatch(/renewed: renewed, now valid until \d{4}-\d\d-\d\d/);
    expect(words(answer!.message)).toMatch(/certificate pin: issuer/);
    expect(words(answer!.message), words(answer!.message)).toMatch(/chain: O=ftpops testbed, CN=127\.0\.0\.1 ← O=ftpops testbed, CN=ftpops testbed CA/);
    const [status] = await slack.command('status id-ftps', OPS, ALERTS);
    expect(words(status!.message)).toMatch(/certificate renewed, now valid until \d{4}-\d\d-\d\d/);
  });

  it('a certificate from another CA with pin: issuer fails tls.identity_changed before USER, then Accept lets it pass', async () => {
    vsftpd.issue('other');
    await vsftpd.restart();
    const at = marks();
    const mark = vsftpd.logMark();
    const report = await check('id-ftps');
    expect(report.finding?.code).toBe('tls.identity_changed');
    expect(report.finding?.stage).toBe('secure');
    const log = vsftpd.logSince(mark);
    expect(log).toMatch(/AUTH TLS/);
    expect(log).not.toMatch(/"USER |"PASS /);
    const [s] = await posted(at);
    expect(words(s!.message)).toMatch(/Certificate changed — id-ftps/);
    expect(words(s!.message)).toMatch(/old: issuer .*ftpops testbed CA/);
    expect(words(s!.message)).toMatch(/new: issuer .*other test CA/);
    const accept = buttonOf(s!.message, /Accept new certificate/);
    expect(words((await slack.click(accept, OPS, ALERTS, { id: s!.ref.id }))[0]!.message)).toMatch(/admin/i);
    await slack.click(accept, ADMIN, ALERTS, { id: s!.ref.id });
    const passed = await check('id-ftps');
    expect(passed.ok, JSON.stringify(passed.finding)).toBe(true);
  });

  it('warns tls.downgrade with before and after when the server drops to TLS 1.2 with a CBC suite', async () => {
    const before = (await check('id-ftps')).facts.tls;
    await vsftpd.restart({ weak: true });
    try {
      const report = await check('id-ftps');
      expect(report.ok, JSON.stringify(report.finding)).toBe(true);
      expect(report.facts.tls?.version).toBe('TLSv1.2');
      expect(report.warnings.find((w) => w.code === 'tls.downgrade')?.detail).toBe(`weaker than before: version ${before?.version} → TLSv1.2; cipher ${before?.cipher} → ${report.facts.tls?.cipher}`);
    } finally {
      await vsftpd.restart();
    }
  });
});

describe('command line', () => {
  const env = () => ({ FTPOPS_CONFIG: configFile, FTPOPS_QUEUE_PREFIX: prefix, REDIS_URL: 'redis://127.0.0.1:6379', ID_TEST_PASSWORD: loadTestbed().password });
  const adhoc = () => `sftp://${loadTestbed().user}@127.0.0.1:${IDENTITY_SSHD_PORT}`;

  it('an ad-hoc check without a pin warns ssh.hostkey_unpinned naming the fingerprint; --known-hosts verifies it', async () => {
    const open = await checkJson([adhoc(), '--password-env', 'ID_TEST_PASSWORD'], { env: env() });
    expect(open.report.ok).toBe(true);
    expect(open.report.warnings.find((w) => w.code === 'ssh.hostkey_unpinned')?.detail).toContain(`--host-key ${sshd.fingerprint('ed25519')}`);
    const pinned = await checkJson([adhoc(), '--password-env', 'ID_TEST_PASSWORD', '--known-hosts', knownGood], { env: env() });
    expect(pinned.report.ok).toBe(true);
    expect(pinned.report.warnings.map((w) => w.code)).not.toContain('ssh.hostkey_unpinned');
    const mark = sshd.logMark();
    const refused = await checkJson([adhoc(), '--password-env', 'ID_TEST_PASSWORD', '--known-hosts', knownBad], { env: env() });
    expect(refused.report.finding?.code).toBe('ssh.hostkey_mismatch');
    noAuthIn(sshd.logSince(mark));
  });

  it('ftpops identity <target> --json shows what is remembered and who accepted what', async () => {
    const result = await runBin(['identity', 'id-sftp', '--json'], { env: env() });
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { remembered: { ssh: { hostKeys: Array<{ fingerprint: string }> } }; history: Array<{ kind: string; by?: string }> };
    expect(report.remembered.ssh.hostKeys.map((k) => k.fingerprint)).toEqual(expect.arrayContaining([sshd.fingerprint('ed25519'), sshd.fingerprint('ecdsa')]));
    expect(report.history).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'accepted', by: 'U0ADMIN' }), expect.objectContaining({ kind: 'suspicious', by: 'U0OPS' })]));
    const text = await runBin(['identity', 'id-ftps'], { env: env() });
    expect(text.stdout).toMatch(/accepted by U0ADMIN/);
    expect(text.stdout).toMatch(/other test CA/);
  });

  it('ftpops identity export writes known_hosts lines that ssh-keygen reads', async () => {
    const result = await runBin(['identity', 'export'], { env: env() });
    expect(result.code, result.stderr).toBe(0);
    const exported = join(sshd.dir, 'exported_known_hosts');
    writeFileSync(exported, result.stdout);
    const { execFileSync } = await import('node:child_process');
    const found = execFileSync('ssh-keygen', ['-F', `[127.0.0.1]:${IDENTITY_SSHD_PORT}`, '-l', '-f', exported], { encoding: 'utf8' });
    expect(found).toContain(sshd.fingerprint('ed25519'));
    expect(found).toContain(sshd.fingerprint('ecdsa'));
  });
});
