// Server logs into alerts: real sshd and vsftpd log lines of a 530 burst from one address, POSTed
// to /ingest/<target> of `ftpops all`, open one brute-force-shaped alert thread in the fake Slack.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendFileSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { startFakeSlackApi, type FakeSlackApi, type FakeSlackMessage } from './support/fake-slack-api.js';
import { BOT_TOKEN, RoleProcess, SIGNING_SECRET, freePort, uniquePrefix, writeConfig } from './support/bot-process.js';

const TOKEN = 'ingest-token-for-tests';
let fake: FakeSlackApi;
let port: number;
let logFile: string;
const processes: RoleProcess[] = [];
const text = (m: FakeSlackMessage) => `${m.text} ${JSON.stringify(m.blocks ?? [])}`;

/** The failed-login lines the real daemons wrote in the testbed (test/fixtures/logs). */
function failures(file: string, pattern: RegExp): string[] {
  return readFileSync(new URL(`./fixtures/logs/${file}`, import.meta.url), 'utf8').split('\n').filter((l) => pattern.test(l));
}

function post(target: string, body: string, token = TOKEN): Promise<Response> {
  return fetch(`http://127.0.0.1:${port}/ingest/${target}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' }, body });
}

beforeAll(async () => {
  fake = await startFakeSlackApi();
  port = await freePort();
  const config = writeConfig(
    [
      'targets:',
      '  edge-sftp:',
      '    url: sftp://deploy@127.0.0.1:1',
      '    alertChannel: C0LOGS',
      '    ingest: { tokenEnv: INGEST_TOKEN, daemon: sshd }',
      '  edge-file:',
      '    url: sftp://deploy@127.0.0.1:1',
      '    alertChannel: C0LOGSFILE',
      '    ingest: { file: auth.log, daemon: sshd }',
      '  edge-ftp:',
      '    url: ftp://deploy@127.0.0.1:1',
      '    alertChannel: C0LOGSFTP',
      '    ingest: { tokenEnv: INGEST_TOKEN, daemon: vsftpd }',
      '',
    ].join('\n'),
  );
  logFile = join(dirname(config), 'auth.log');
  writeFileSync(logFile, 'Nov 22 21:00:00 host sshd[1]: an old line before the bot started\n');
  const proc = new RoleProcess('all', {
    SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: fake.url, PORT: String(port),
    REDIS_URL: 'redis://127.0.0.1:6379', FTPOPS_QUEUE_PREFIX: uniquePrefix(), FTPOPS_CONFIG: config,
    INGEST_TOKEN: TOKEN, FTPOPS_EVALUATE_MS: '700',
  });
  processes.push(proc);
  await proc.ready();
});

afterAll(async () => {
  await Promise.all(processes.map((p) => p.kill('SIGKILL')));
  await fake.close();
});

describe('log ingestion', () => {
  it('refuses a wrong token and an unknown target alike', async () => {
    expect((await post('edge-sftp', 'x', 'wrong')).status).toBe(401);
    expect((await post('nope', 'x')).status).toBe(401);
  });

  it('an sshd 530-style burst from one address opens one brute-force alert', async () => {
    const lines = failures('sshd.log', /^Failed password for/);
    expect(lines.length).toBeGreaterThanOrEqual(3);
    const burst = Array.from({ length: 8 }, () => lines).flat();
    const response = await post('edge-sftp', [...burst, 'a line no parser knows'].join('\n'));
    expect(response.status).toBe(202);
    const counts = (await response.json()) as { events: number; unknown: number };
    expect(counts.events).toBe(burst.length);
    expect(counts.unknown).toBe(1);
    const root = await fake.waitFor(() => fake.messages('C0LOGS').find((m) => !m.thread_ts && /auth — edge-sftp/.test(text(m))), 15_000);
    expect(text(root)).toMatch(/brute force/);
    expect(text(root)).toMatch(/127\.0\.0\.1/);
    await new Promise((r) => setTimeout(r, 2_000));
    expect(fake.messages('C0LOGS').filter((m) => !m.thread_ts)).toHaveLength(1);

    // Resets join the same incident: a thread reply, the root now shows both classes.
    const resets = failures('sshd.log', /^Connection reset by \d/);
    expect(resets.length).toBeGreaterThan(0);
    expect((await post('edge-sftp', Array.from({ length: 10 }, () => resets).flat().join('\n'))).status).toBe(202);
    const joined = await fake.waitFor(() => fake.messages('C0LOGS').find((m) => m.thread_ts === root.ts && /Also reset/.test(m.text)), 15_000);
    expect(joined.text).toMatch(/critical|warning/);
    await fake.waitFor(() => fake.messages('C0LOGS').find((m) => m.ts === root.ts && /auth \+ reset — edge-sftp/.test(text(m))), 5_000);
    expect(fake.messages('C0LOGS').filter((m) => !m.thread_ts)).toHaveLength(1);
  });

  it('vsftpd FAIL LOGIN lines, as JSON lines from a shipper, count the same way', async () => {
    const lines = failures('vsftpd.log', /FAIL LOGIN/);
    expect(lines.length).toBeGreaterThanOrEqual(3);
    const body = Array.from({ length: 8 }, () => lines).flat().map((message) => JSON.stringify({ message, host: 'ftp1' })).join('\n');
    expect((await post('edge-ftp', body)).status).toBe(202);
    const root = await fake.waitFor(() => fake.messages('C0LOGSFTP').find((m) => !m.thread_ts && /auth — edge-ftp/.test(text(m))), 15_000);
    expect(text(root)).toMatch(/failed logins from 127\.0\.0\.1/);
  });

  it('a followed log file, rotated mid-burst, raises the same alert', async () => {
    const lines = failures('sshd.log', /^Failed password for/);
    appendFileSync(logFile, `${Array.from({ length: 4 }, () => lines).flat().join('\n')}\n`);
    renameSync(logFile, `${logFile}.1`);
    writeFileSync(logFile, `${Array.from({ length: 4 }, () => lines).flat().join('\n')}\n`);
    const root = await fake.waitFor(() => fake.messages('C0LOGSFILE').find((m) => !m.thread_ts && /auth — edge-file/.test(text(m))), 15_000);
    expect(text(root)).toMatch(/brute force/);
  });
});
