import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTargetsYaml } from '../src/config/targets-file.js';
import { requestForTarget } from '../src/config/probe-request.js';

const parse = (text: string) => parseTargetsYaml(text, 'ftpops.yaml');

describe('targets file', () => {
  it('loads targets with defaults', () => {
    const file = parse('targets:\n  prod-sftp:\n    url: sftp://deploy@files.example.com/upload\n    passwordEnv: PROD_PW\n    timeout: 15s\n');
    const t = file.targets.get('prod-sftp')!;
    expect(t).toMatchObject({ url: 'sftp://deploy@files.example.com/upload', passwordEnv: 'PROD_PW', write: false, insecure: false });
  });

  it.each([
    ['targets:\n  a:\n    url: ftp://h\n    password: hunter22\n', /^ftpops\.yaml:4: targets\.a\.password: inline secrets are refused/],
    ['targets:\n  a:\n    url: ftp://u:hunter22@h\n', /^ftpops\.yaml:3: targets\.a\.url: inline passwords are refused/],
    ['targets:\n  a:\n    url: ftp://h\n    pasword: x\n', /^ftpops\.yaml:3: targets\.a: unknown field 'pasword'/],
    ['targets:\n  a:\n    url: gopher://h\n', /^ftpops\.yaml:3: targets\.a\.url: unknown scheme/],
    ['targets:\n  a:\n    url: ftp://h\n    timeout: forever\n', /^ftpops\.yaml:4: targets\.a\.timeout: .*not a duration/],
    ['targets:\n  a:\n    url: ftp://h\n    write: "yes"\n', /^ftpops\.yaml:4: targets\.a\.write: /],
    ['targets:\n  a:\n    description: no url\n', /^ftpops\.yaml:3: targets\.a\.url: /],
    ['targets:\n  a: [\n', /^ftpops\.yaml:\d+: invalid YAML/],
    ['targets:\n  a:\n    url: sftp://u@h\n    hostKey: abc\n', /^ftpops\.yaml:4: targets\.a\.hostKey: must be an OpenSSH fingerprint/],
  ])('refuses %j with file, line and field', (text, message) => {
    expect(() => parse(text)).toThrow(message);
    try {
      parse(text);
    } catch (err) {
      expect((err as Error).message).not.toContain('hunter22');
      expect((err as Error).message).not.toContain('\n');
    }
  });

  it('resolves secrets by reference and says which one is missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ftpops-cfg-'));
    writeFileSync(join(dir, 'pw'), 's3cret-from-file\n');
    const file = parseTargetsYaml('targets:\n  a:\n    url: ftp://u@h\n    passwordFile: pw\n  b:\n    url: sftp://u@h\n    passwordEnv: NOPE_NOT_SET\n', join(dir, 'ftpops.yaml'));
    expect(requestForTarget(file.targets.get('a')!, {}, {}).password).toBe('s3cret-from-file');
    expect(() => requestForTarget(file.targets.get('b')!, {}, {})).toThrow('target b: passwordEnv: environment variable NOPE_NOT_SET is not set');
    expect(requestForTarget(file.targets.get('b')!, {}, { NOPE_NOT_SET: 'x' }).password).toBe('x');
  });
});
