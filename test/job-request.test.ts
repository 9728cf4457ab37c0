// How a check job's `protocol` turns a target's request into the request probed (the worker's one
// place for it): probing as plain FTP never takes along credentials meant for TLS or SSH.
import { describe, expect, it } from 'vitest';
import { requestForJob } from '../src/queue/check-worker.js';
import { requestForUrl } from '../src/config/probe-request.js';

const secrets = { password: 'target-pw-1', passphrase: 'key-pass-1', privateKey: Buffer.from('KEY') };

describe('requestForJob', () => {
  it('without a protocol, the target as configured', () => {
    const target = { ...requestForUrl('ftpes://deploy@files.example:21', {}, {}), ...secrets };
    expect(requestForJob(target, { target: 't' })).toBe(target);
  });

  it.each(['ftpes://deploy@files.example', 'ftps://deploy@files.example', 'sftp://deploy@files.example'])('%s as plain FTP: no credentials, a plaintext-exposure probe', (url) => {
    const target = { ...requestForUrl(url, { hostKey: url.startsWith('sftp') ? `SHA256:${'A'.repeat(43)}` : undefined, write: true }, {}), ...secrets };
    const req = requestForJob(target, { target: 't', protocol: 'ftp' });
    expect(req).toMatchObject({ protocol: 'ftp', host: 'files.example', port: target.port, plaintextProbe: true, write: false });
    for (const field of ['user', 'password', 'passphrase', 'privateKey', 'hostKey'] as const) expect(req[field], field).toBeUndefined();
    // Only the target's label (here an ad-hoc URL) still names the user; nothing that is sent does.
    expect(JSON.stringify({ ...req, target: undefined })).not.toMatch(/deploy|target-pw|key-pass/);
  });

  it('a plain ftp:// target keeps its normal check', () => {
    const target = { ...requestForUrl('ftp://deploy@files.example', { write: true }, {}), password: 'target-pw-1' };
    const req = requestForJob(target, { target: 't', protocol: 'ftp' });
    expect(req).toMatchObject({ protocol: 'ftp', user: 'deploy', password: 'target-pw-1', write: false });
    expect(req.plaintextProbe).toBeUndefined();
  });
});
