// Bad input gets one clear line and exit 2 — never a stack trace, never a hang.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBin } from './support/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'ftpops-cli-'));
const file = (name: string, text: string | Buffer) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

function expectOneLine(stderr: string) {
  const lines = stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(stderr).not.toMatch(/\n\s+at /);
  expect(stderr).not.toMatch(/node:internal|\.js:\d+/);
}

const ALIAS_BOMB = ['a: &a [x, x, x, x, x, x, x, x, x]', ...'bcdefgh'.split('').map((k, i) => `${k}: &${k} [*${'abcdefgh'[i]}, *${'abcdefgh'[i]}, *${'abcdefgh'[i]}, *${'abcdefgh'[i]}, *${'abcdefgh'[i]}, *${'abcdefgh'[i]}, *${'abcdefgh'[i]}, *${'abcdefgh'[i]}, *${'abcdefgh'[i]}]`), 'targets: {}', ''].join('\n');

describe.concurrent('bad input', () => {
  it.each([
    [['check', 'ftp//nohost'], /unknown target|not a URL/],
    [['check', 'gopher://example.com'], /unknown scheme 'gopher:\/\/'/],
    [['check', 'ftp://exa mple.com'], /malformed URL|not a valid host/],
    [['check', 'ftp://example.com:70000'], /port out of range|malformed/],
    [['check', 'sftp://example.com'], /needs a user name/],
    [['check', 'ftp://127.0.0.1', '--timeout', '0s'], /out of range/],
    [['check', 'ftp://127.0.0.1', '--timeout', '3 weeks'], /not a duration/],
    [['check', 'ftp://127.0.0.1', '--host-key', 'MD5:ab'], /OpenSSH fingerprint/],
    [['check', 'sftp://u@127.0.0.1', '--identity', '/nonexistent/key'], /--identity: cannot read/],
    [['check', 'ftp://127.0.0.1', '--password-env', 'FTPOPS_UNSET_VAR'], /FTPOPS_UNSET_VAR is not set/],
    [['check', 'ftp://127.0.0.1', '--bogus'], /unknown option '--bogus'/],
    [['frobnicate'], /unknown command 'frobnicate'/],
  ])('ftpops %j', async (args, message) => {
    const result = await runBin(args, { env: { FTPOPS_CONFIG: file('empty.yaml', 'targets: {}\n') } });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expectOneLine(result.stderr);
  });

  it.each([
    ['bad.yaml', 'targets:\n  a: [\n', /bad\.yaml:\d+: invalid YAML/],
    ['inline.yaml', 'targets:\n  a:\n    url: ftp://h\n    password: canary-inline-pw\n', /inline\.yaml:4: targets\.a\.password: inline secrets are refused/],
    ['binary.yaml', Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x80]), /binary\.yaml/],
    // "Billion laughs": anchors that expand anchors. The yaml library stops it; we say so.
    ['bomb.yaml', ALIAS_BOMB, /^ftpops: .*bomb\.yaml: invalid YAML: .*alias/i],
  ])('targets file %s', async (name, text, message) => {
    const result = await runBin(['check', 'a'], { env: { FTPOPS_CONFIG: file(name, text) } });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toContain('canary-inline-pw');
    expectOneLine(result.stderr);
  });

  it('an unknown target names the known ones', async () => {
    const cfg = file('two.yaml', 'targets:\n  alpha:\n    url: ftp://a\n  beta:\n    url: sftp://u@b\n');
    const result = await runBin(['check', 'gamma'], { env: { FTPOPS_CONFIG: cfg } });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown target 'gamma' \(known: alpha, beta\)/);
  });

  it('a missing secret env var names the target and the variable', async () => {
    const cfg = file('secret.yaml', 'targets:\n  prod:\n    url: sftp://u@127.0.0.1:1\n    passwordEnv: FTPOPS_PROD_PW_UNSET\n');
    const result = await runBin(['check', 'prod'], { env: { FTPOPS_CONFIG: cfg } });
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe('ftpops: target prod: passwordEnv: environment variable FTPOPS_PROD_PW_UNSET is not set');
  });
});

describe.concurrent('explain and targets', () => {
  it('explains a finding code', async () => {
    const result = await runBin(['explain', 'auth.failed']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^auth\.failed — /);
    expect(result.stdout).toMatch(/likely causes:/);
  });

  it('explains an FTP reply code by its likeliest finding first, then the others', async () => {
    const result = await runBin(['explain', '530']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^auth\.failed — .*\n {2}failure, layer auth, runbook login-failures, \d+% likely\n/);
    expect(result.stdout).toMatch(/other possibilities, most likely first:\n {2}tls\.required +8% /);
    expect(result.stdout).not.toMatch(/most often \(tls\.unsupported\)/);
  });

  it('says in one line when nothing is recognised, exit 1', async () => {
    const result = await runBin(['explain', 'no.such.thing']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^ftpops: 'no\.such\.thing' is not a finding code ftpops knows/);
    expectOneLine(result.stderr);
  });

  it('explains errno and TLS errors', async () => {
    expect((await runBin(['explain', 'ECONNRESET'])).stdout).toMatch(/tcp\.reset/);
    expect((await runBin(['explain', 'CERT_HAS_EXPIRED'])).stdout).toMatch(/tls\.cert_expired/);
    expect((await runBin(['explain', 'econnrefused'])).stdout).toMatch(/tcp\.refused/);
  });

  it('lists every code without an argument', async () => {
    const result = await runBin(['explain']);
    expect(result.stdout).toMatch(/dns\.not_found/);
    expect(result.stdout).toMatch(/slow\.connect/);
  });

  it('lists targets with how they authenticate, never a secret', async () => {
    const cfg = file('list.yaml', 'targets:\n  prod-sftp:\n    url: sftp://deploy@files.example.com/upload\n    passwordEnv: PROD_PW\n    write: true\n');
    const result = await runBin(['targets'], { env: { FTPOPS_CONFIG: cfg, PROD_PW: 'canary-listed-pw' } });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/prod-sftp\s+sftp:\/\/deploy@files\.example\.com:22\/upload/);
    expect(result.stdout).toMatch(/password from \$PROD_PW; write check/);
    expect(result.stdout).not.toContain('canary-listed-pw');
  });
});

describe.concurrent('runbooks', () => {
  it('lists the built-ins with the codes they answer', async () => {
    const result = await runBin(['runbooks']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/too-many-connections\s+Too many connections \(FTP 421\) \(\d+ steps, \d+ run by the bot\)/);
    expect(result.stdout).toMatch(/for ftp\.unavailable/);
  });

  it('validates an operator folder: file and field in one line, exit 2', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'ftpops-runbooks-'));
    writeFileSync(join(folder, 'ours.yaml'), 'id: ours\ntitle: t\nsummary: s\nsteps:\n  - { id: a, kind: decision, title: t, text: t, yes: b, no: a }\n');
    const result = await runBin(['runbooks'], { env: { FTPOPS_RUNBOOKS: folder } });
    expect(result.code).toBe(2);
    expectOneLine(result.stderr);
    expect(result.stderr).toMatch(/ours\.yaml: steps\.0\.yes: no step 'b' to go to/);
  });
});
