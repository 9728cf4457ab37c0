// Runs `ftpops bot|worker|all` as real child processes, wired to the fake Slack API, a real
// Redis and the test daemons, and sends them signed slash commands as Slack would.
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { BIN } from './run-cli.js';
import { signSlackRequest, slashCommandBody } from './slack-signing.js';

export const SIGNING_SECRET = 'test-signing-secret';
export const BOT_TOKEN = 'xoxb-test-token';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** What every Slack-attached `ftpops` role gets in the tests: the fake's URL, a port, the real Redis, a queue prefix of its own and a targets file. */
export function slackRoleEnv(o: { apiUrl: string; port: number; prefix: string; config: string }): NodeJS.ProcessEnv {
  return {
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: o.apiUrl,
    PORT: String(o.port),
    REDIS_URL: 'redis://127.0.0.1:6379',
    FTPOPS_QUEUE_PREFIX: o.prefix,
    FTPOPS_CONFIG: o.config,
  };
}

export function writeConfig(yaml: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'ftpops-bot-'));
  const path = join(dir, 'ftpops.yaml');
  writeFileSync(path, yaml);
  return path;
}

export function uniquePrefix(): string {
  return `{ftpops-test-${randomBytes(4).toString('hex')}}`;
}

export class RoleProcess {
  readonly child: ChildProcess;
  output = '';

  constructor(role: 'bot' | 'worker' | 'all' | 'demo', readonly env: NodeJS.ProcessEnv, args: string[] = [], cwd?: string) {
    // BENCH_NODE_ARGS: flags for the child's Node, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to
    // profile the bot during a benchmark (NODE_OPTIONS refuses --cpu-prof).
    const nodeArgs = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
    this.child = spawn(process.execPath, [...nodeArgs, BIN, role, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], ...(cwd ? { cwd } : {}) });
    this.child.stdout?.on('data', (d: Buffer) => (this.output += d.toString()));
    this.child.stderr?.on('data', (d: Buffer) => (this.output += d.toString()));
  }

  /** Resolves once the process says it is running; rejects if it exits first. */
  ready(timeoutMs = 15_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not ready in ${timeoutMs} ms:\n${this.output}`)), timeoutMs);
      const check = () => {
        if (/running/.test(this.output)) {
          clearTimeout(timer);
          resolve();
        }
      };
      this.child.stderr?.on('data', check);
      this.child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`exited with ${code} before it was ready:\n${this.output}`));
      });
      check();
    });
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (!this.alive) return Promise.resolve();
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.kill(signal);
    });
  }
}

/** POST a signed /ftp slash command to the bot, as Slack does; resolves with status and time. */
export async function sendSlashCommand(
  port: number,
  text: string,
  options: { responseUrl: string; channel?: string; user?: string; secret?: string; timestampSec?: number },
): Promise<{ status: number; ms: number; body: string }> {
  // response_url must point at the fake: nothing may reach for Slack's real hosts.
  const body = slashCommandBody({ text, channel_id: options.channel ?? 'C0TEST', user_id: options.user ?? 'U0TEST', response_url: options.responseUrl });
  const headers = signSlackRequest(body, options.secret ?? SIGNING_SECRET, options.timestampSec);
  const started = performance.now();
  const response = await fetch(`http://127.0.0.1:${port}/slack/events`, { method: 'POST', headers: { ...headers }, body });
  return { status: response.status, ms: performance.now() - started, body: await response.text() };
}

/** POST a signed block_actions payload (a button click), as Slack does for interactivity. */
export async function sendButtonClick(
  port: number,
  click: { actionId: string; value: string; channel: string; messageTs: string; responseUrl: string; user?: string; ephemeral?: boolean },
): Promise<{ status: number; ms: number }> {
  const payload = {
    type: 'block_actions',
    team: { id: 'T0FAKE', domain: 'ftpops-test' },
    user: { id: click.user ?? 'U0TEST', username: 'operator', team_id: 'T0FAKE' },
    api_app_id: 'A0FAKE',
    token: 'deprecated-verification-token',
    container: { type: 'message', message_ts: click.messageTs, channel_id: click.channel, is_ephemeral: Boolean(click.ephemeral) },
    trigger_id: '1.2.fake-trigger',
    channel: { id: click.channel, name: 'ops' },
    // Slack sends no `message` for a click on an ephemeral one: only the container names it.
    ...(click.ephemeral ? {} : { message: { type: 'message', ts: click.messageTs, text: '' } }),
    response_url: click.responseUrl,
    actions: [{ type: 'button', action_id: click.actionId, block_id: 'actions', value: click.value, action_ts: `${Date.now() / 1000}` }],
  };
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  const headers = signSlackRequest(body, SIGNING_SECRET);
  const started = performance.now();
  const response = await fetch(`http://127.0.0.1:${port}/slack/events`, { method: 'POST', headers: { ...headers }, body });
  await response.text();
  return { status: response.status, ms: performance.now() - started };
}

/**
 * After a test: the output of every process it started when it failed (the first thing one needs
 * to see), then SIGKILL for each, then the cleanups, newest first.
 */
export async function endProcesses(ctx: { task: { result?: { state?: string } } }, processes: RoleProcess[], cleanups: Array<() => unknown> = []): Promise<void> {
  if (ctx.task.result?.state === 'fail') for (const p of processes) console.log(`--- process output (${p.child.spawnargs.slice(2).join(' ')}) ---\n${p.output.slice(-3000)}`);
  await Promise.all(processes.splice(0).map((p) => p.kill('SIGKILL')));
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
}

/** One target of a targets file, as YAML lines: its name, its URL, then its other fields. */
export function targetLines(name: string, url: string, ...fields: string[]): string[] {
  return [`  ${name}:`, `    url: ${url}`, ...fields.map((f) => `    ${f}`)];
}
