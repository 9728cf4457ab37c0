// The token-less start as a new user meets it: `ftpops demo` serves the web console with demo
// servers; real headless Chromium (Debian's package, driven by playwright-core) types a check,
// sees the summary, switches a demo fault on, sees the alert thread appear, and steps through a
// runbook check that fails while the fault is on and passes once it is off.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, chromium, type Page } from 'playwright-core';
import { freePort, RoleProcess, uniquePrefix } from './support/bot-process.js';

const CHROMIUM = process.env.FTPOPS_CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = join(process.cwd(), 'test-artifacts');

let demo: RoleProcess;
let browser: Browser;
let page: Page;
let url: string;

beforeAll(async () => {
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  // A directory of its own: no ftpops.yaml there, only the demo targets.
  demo = new RoleProcess('demo', { REDIS_URL: 'redis://127.0.0.1:6379', FTPOPS_QUEUE_PREFIX: uniquePrefix(), FTPOPS_DEMO_INTERVAL: '1s', FTPOPS_CONFIG: '', SLACK_BOT_TOKEN: '', DISCORD_TOKEN: '' }, ['--port', String(port)], mkdtempSync(join(tmpdir(), 'ftpops-demo-')));
  await demo.ready(30_000);
  // As root (CI), Chromium's sandbox cannot start; the page is our own, on loopback.
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await demo?.kill('SIGTERM');
});

/** Wait until the locator shows this text (Playwright's own matchers are not vitest's). */
function seeText(locator: ReturnType<Page['locator']>, text: string, timeout = 10_000): Promise<void> {
  return locator.filter({ hasText: text }).first().waitFor({ timeout });
}

/** A GET with a Host header of our choosing (fetch will not forge it). */
function getWithHost(target: string, host: string): Promise<number> {
  return new Promise((done, fail) => {
    const req = request(target, { headers: { host } }, (res) => {
      res.resume();
      done(res.statusCode ?? 0);
    });
    req.once('error', fail);
    req.end();
  });
}

async function command(text: string): Promise<void> {
  await page.getByTestId('command').fill(text);
  await page.getByTestId('command').press('Enter');
}

describe('the web console in Chromium', () => {
  it('check, fault, alert thread, runbook step — and a screenshot', async () => {
    await page.goto(url);
    await seeText(page.locator('header'), 'ftpops');
    await expect.poll(() => page.getByTestId('demo-panel').isVisible()).toBe(true);

    await command('/ftp check demo-sftp');
    const summary = page.getByTestId('summary').filter({ hasText: 'demo-sftp is healthy' });
    await summary.waitFor({ timeout: 20_000 });
    await seeText(summary, 'transfer');

    // The wrong-password fault: scheduled checks (every second here) fail, an alert thread opens.
    await page.getByTestId('fault-wrong-password').check();
    const alert = page.getByTestId('alert').filter({ hasText: 'auth — demo-sftp' });
    await alert.waitFor({ timeout: 30_000 });
    await seeText(alert, 'WARNING');

    // Its runbook, in the alert's thread: the login check fails while the fault is on …
    await alert.getByTestId('button-open-runbook').click();
    const step = page.getByTestId('runbook-step').filter({ hasText: 'Re-check the login' });
    await step.waitFor({ timeout: 10_000 });
    await step.getByTestId('button-rb-run-check').click();
    await seeText(step, '✗ login failed: auth.failed', 20_000);

    // … and passes once it is off: the runbook moves to its next step.
    await page.getByTestId('fault-wrong-password').uncheck();
    await step.getByTestId('button-rb-run-check').click();
    await page.getByTestId('runbook-step').filter({ hasText: "Read the server's reason" }).waitFor({ timeout: 20_000 });
    await seeText(page.getByTestId('runbook-step-closed').filter({ hasText: 'Re-check the login' }), 'as expected: login passed');

    // Status: the words and the 24-hour chart, as an image in the conversation.
    await command('/ftp status demo-sftp');
    const chart = page.locator('[data-kind="status"] img[alt="chart"]').first();
    await chart.waitFor({ timeout: 20_000 });
    expect(await chart.evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBeGreaterThan(100);

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'console.png'), fullPage: true });
  }, 120_000);

  it('refuses a forged cross-site request and a foreign Host header', async () => {
    const port = new URL(url).port;
    const forged = await fetch(`${url}/api/command`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"text":"check demo-sftp"}' });
    expect(forged.status).toBe(403);
    const otherOrigin = await fetch(`${url}/api/command`, { method: 'POST', headers: { 'content-type': 'application/json', origin: 'http://evil.example' }, body: '{"text":"check demo-sftp"}' });
    expect(otherOrigin.status).toBe(403);
    expect(await getWithHost(`${url}/api/demo`, `evil.example:${port}`)).toBe(421);
    expect(await getWithHost(`${url}/api/demo`, `127.0.0.1:${port}`)).toBe(200);
  });

  it('cannot be framed by another page (a click in a hidden frame would run a command)', async () => {
    // Another origin: a page of its own on another port that frames the console.
    const framer = createServer((_req, res) => res.end(`<!doctype html><iframe id="victim" src="${url}/" width="800" height="600"></iframe>`));
    await new Promise<void>((r) => framer.listen(0, '127.0.0.1', () => r()));
    const other = await browser.newPage();
    try {
      let consoleRequested = false;
      other.on('response', (r) => void (r.url().startsWith(url) && (consoleRequested = true)));
      await other.goto(`http://127.0.0.1:${(framer.address() as AddressInfo).port}/`);
      await other.waitForTimeout(1_000);
      expect(consoleRequested).toBe(true);
      // Chromium refuses to render it: the frame holds its error page, not the console.
      const frame = other.frames().find((f) => f !== other.mainFrame());
      expect(frame).toBeDefined();
      expect(await frame!.locator('#app').count()).toBe(0);
      expect(await frame!.locator('[data-testid="command"]').count()).toBe(0);
    } finally {
      await other.close();
      framer.close();
    }
  });
});
