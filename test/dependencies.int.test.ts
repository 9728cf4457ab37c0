// The demo servers cost production users nothing: their FTP server library (ftp-srv, which
// brings ip@1.1.9 with CVE-2024-29415, bunyan and deprecated rimraf/glob/inflight) is an
// optional dependency, loaded only by `ftpops demo` (or `all` with no chat tokens). Run here
// with ftp-srv made unloadable, as after `npm install --omit=optional`.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runBin } from './support/run-cli.js';
import { startFakeSlackApi } from './support/fake-slack-api.js';
import { RoleProcess, freePort, slackRoleEnv, uniquePrefix, writeConfig } from './support/bot-process.js';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  dependencies: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  allowScripts?: Record<string, boolean>;
};

/** A Node `--import` module that makes 'ftp-srv' impossible to load, like an install without it. */
function withoutFtpSrv(): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'ftpops-no-ftp-srv-'));
  writeFileSync(
    join(dir, 'hooks.mjs'),
    `export async function resolve(specifier, context, next) {
  if (specifier === 'ftp-srv' || specifier.startsWith('ftp-srv/')) {
    throw Object.assign(new Error("Cannot find package 'ftp-srv' imported from " + context.parentURL), { code: 'ERR_MODULE_NOT_FOUND' });
  }
  return next(specifier, context);
}\n`,
  );
  writeFileSync(join(dir, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(dir, 'hooks.mjs')).href)});\n`);
  return ['--import', join(dir, 'register.mjs')];
}

const processes: RoleProcess[] = [];
afterAll(async () => {
  await Promise.all(processes.map((p) => p.kill('SIGKILL')));
});

describe('dependencies', () => {
  it('ftp-srv is optional; the install scripts we rely on are allowed, the rest denied', () => {
    expect(pkg.dependencies['ftp-srv']).toBeUndefined();
    expect(pkg.optionalDependencies?.['ftp-srv']).toBeDefined();
    expect(pkg.allowScripts).toMatchObject({ ssh2: true, 'cpu-features': true, 'dtrace-provider': false });
  });

  it('without ftp-srv: checks and a Slack bot run; the demo says in one line what it needs', async () => {
    const nodeArgs = withoutFtpSrv();
    const config = writeConfig('targets:\n  nowhere:\n    url: ftp://127.0.0.1:1\n');
    const check = await runBin(['check', 'nowhere', '--timeout', '2s'], { env: { FTPOPS_CONFIG: config, NODE_OPTIONS: nodeArgs.join(' ') } });
    expect(check.stderr).not.toMatch(/ftp-srv/);
    expect(check.code).toBe(1);

    const fake = await startFakeSlackApi();
    try {
      const bot = new RoleProcess('all', { ...slackRoleEnv({ apiUrl: fake.url, port: await freePort(), prefix: uniquePrefix(), config }), NODE_OPTIONS: nodeArgs.join(' ') });
      processes.push(bot);
      await bot.ready();
      expect(bot.output).not.toMatch(/ftp-srv/);
    } finally {
      await fake.close();
    }

    const demo = await runBin(['demo', '--port', String(await freePort())], { env: { REDIS_URL: 'redis://127.0.0.1:6379', NODE_OPTIONS: nodeArgs.join(' ') } });
    expect(demo.code).toBe(2);
    expect(demo.stderr.trim().split('\n')).toHaveLength(1);
    expect(demo.stderr).toMatch(/demo servers need the optional package ftp-srv/);
  });
});
