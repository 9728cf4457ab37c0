// Server identity, the pure parts: known_hosts reading (hashed entries, [host]:port, wildcards,
// negation, markers), certificate comparison (renewal or change), downgrades, the verdict on a
// server's other keys, which presented key a check may trust, and the decision buttons' codec.
import { createHash, createHmac, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { keysFor, knownHostsLines, parseKnownHosts } from '../src/identity/known-hosts.js';
import { compareCertificates, otherKeysVerdict, sshDowngrades, tlsDowngrades, type TlsIdentity } from '../src/identity/server-identity.js';
import { hostKeyRefusal, keyBlobType } from '../src/probes/sftp/host-keys.js';
import { buttonId, decodeButton } from '../src/bot/incoming.js';
import type { ProbeRequest } from '../src/probes/probe.js';

/** An ed25519 public key blob in SSH wire form: string "ssh-ed25519", string key. */
function ed25519Blob(): Buffer {
  const raw = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const name = Buffer.from('ssh-ed25519');
  const len = (n: number) => Buffer.from([0, 0, 0, n]);
  return Buffer.concat([len(name.length), name, len(raw.length), raw]);
}
const fp = (blob: Buffer) => `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
const hashed = (name: string, salt = Buffer.from('0123456789abcdefghij')) => `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;

describe('known_hosts', () => {
  const a = ed25519Blob();
  const b = ed25519Blob();
  const c = ed25519Blob();
  const text = [
    '# comment',
    `${hashed('[files.example.com]:2222')} ssh-ed25519 ${a.toString('base64')}`,
    `files.example.com,10.0.0.5 ssh-ed25519 ${b.toString('base64')} owner@host`,
    `*.partner.example,!bad.partner.example ssh-ed25519 ${c.toString('base64')}`,
    `@revoked files.example.com ssh-ed25519 ${c.toString('base64')}`,
    'garbage line',
  ].join('\n');

  it('matches a hashed [host]:port entry only for that host and port', () => {
    expect(keysFor(text, 'files.example.com', 2222)).toEqual([{ type: 'ssh-ed25519', fingerprint: fp(a), key: a.toString('base64') }]);
    expect(keysFor(text, 'files.example.com', 2223)).toEqual([]);
  });

  it('matches plain names on port 22 and leaves out revoked keys', () => {
    expect(keysFor(text, 'files.example.com', 22).map((k) => k.fingerprint)).toEqual([fp(b)]);
    expect(keysFor(text, '10.0.0.5', 22).map((k) => k.fingerprint)).toEqual([fp(b)]);
  });

  it('honours wildcards and negation', () => {
    expect(keysFor(text, 'sftp.partner.example', 22).map((k) => k.fingerprint)).toEqual([fp(c)]);
    expect(keysFor(text, 'bad.partner.example', 22)).toEqual([]);
  });

  it('skips comments and malformed lines, and writes lines OpenSSH reads back', () => {
    expect(parseKnownHosts(text)).toHaveLength(4);
    const lines = knownHostsLines('files.example.com', 2222, [{ type: 'ssh-ed25519', fingerprint: fp(a), key: a.toString('base64') }, { type: 'ssh-rsa', fingerprint: 'SHA256:x' }], 'ftpops:t');
    expect(lines).toEqual([`[files.example.com]:2222 ssh-ed25519 ${a.toString('base64')} ftpops:t`]);
    expect(keysFor(lines.join('\n'), 'files.example.com', 2222).map((k) => k.fingerprint)).toEqual([fp(a)]);
  });
});

describe('which presented key a check trusts', () => {
  const blob = ed25519Blob();
  const seen = { type: keyBlobType(blob), fingerprint: fp(blob) };
  const req = (extra: Partial<ProbeRequest>) => ({ target: 't', protocol: 'sftp', host: 'h', port: 22, write: false, insecure: false, timeoutMs: 1, stageTimeouts: {}, ...extra }) as ProbeRequest;

  it('reads the key type from the blob', () => expect(seen.type).toBe('ssh-ed25519'));
  it('trusts anything when nothing is expected (the caller warns)', () => expect(hostKeyRefusal(req({}), seen)).toBeUndefined());
  it('trusts a remembered key of any type listed', () => expect(hostKeyRefusal(req({ expectedHostKeys: [{ type: 'ssh-rsa', fingerprint: 'SHA256:r' }, seen] }), seen)).toBeUndefined());
  it('refuses another key of the same type, naming the remembered one', () => {
    expect(hostKeyRefusal(req({ expectedHostKeys: [{ type: 'ssh-ed25519', fingerprint: 'SHA256:old' }], expectedFrom: 'remembered' }), seen)).toBe('the remembered ssh-ed25519 key SHA256:old');
  });
  it('says when the key type changed', () => {
    expect(hostKeyRefusal(req({ expectedHostKeys: [{ type: 'ssh-rsa', fingerprint: 'SHA256:r' }] }), seen)).toMatch(/key type changed/);
  });
  it('a pin wins over remembered keys', () => expect(hostKeyRefusal(req({ hostKey: 'SHA256:pin', expectedHostKeys: [seen] }), seen)).toBe('the pinned SHA256:pin'));
});

describe('certificates and downgrades', () => {
  const was: TlsIdentity = { fingerprint256: 'AA', spki256: 'k1', subject: 'CN=127.0.0.1', subjectAltNames: ['IP Address:127.0.0.1', 'DNS:localhost'], issuer: 'CN=CA', serial: '1', validTo: '2027-01-01T00:00:00.000Z', version: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384' };

  it('same subject, names and issuer with a new serial is a renewal (a new key too)', () => {
    expect(compareCertificates(was, { ...was, fingerprint256: 'BB', serial: '2', spki256: 'k2', subjectAltNames: ['DNS:localhost', 'IP Address:127.0.0.1'], validTo: '2028-01-01T00:00:00.000Z' })).toEqual({ kind: 'renewed', validTo: '2028-01-01T00:00:00.000Z' });
  });
  it('another issuer is a change', () => {
    expect(compareCertificates(was, { ...was, fingerprint256: 'BB', issuer: 'CN=Other' })).toEqual({ kind: 'changed', issuerChanged: true, keyChanged: false, namesChanged: false });
  });
  it('the same certificate is the same', () => expect(compareCertificates(was, { ...was })).toEqual({ kind: 'same' }));

  it('names TLS downgrades with before and after', () => {
    expect(tlsDowngrades(was, { ...was, version: 'TLSv1.2', cipher: 'ECDHE-RSA-AES128-SHA' })).toEqual(['version TLSv1.3 → TLSv1.2', 'cipher TLS_AES_256_GCM_SHA384 → ECDHE-RSA-AES128-SHA']);
    expect(tlsDowngrades(was, { ...was, cipher: 'TLS_CHACHA20_POLY1305_SHA256' })).toEqual([]);
  });
  it('names SSH downgrades (ssh-rsa, CBC, SHA-1) only when newly chosen', () => {
    const ssh = { presented: { type: 'ssh-ed25519', fingerprint: 'x' }, hostKeys: [], kex: 'curve25519-sha256', hostKeyAlgorithm: 'ssh-ed25519', cipher: 'aes128-gcm@openssh.com' };
    expect(sshDowngrades(ssh, { ...ssh, hostKeyAlgorithm: 'ssh-rsa', cipher: 'aes128-cbc', mac: 'hmac-sha1' })).toEqual(['host key algorithm ssh-ed25519 → ssh-rsa', 'cipher aes128-gcm@openssh.com → aes128-cbc', 'mac (none) → hmac-sha1']);
    expect(sshDowngrades({ ...ssh, cipher: 'aes128-cbc' }, { ...ssh, cipher: 'aes128-cbc' })).toEqual([]);
  });

  it('tells a whole-server rebuild from one swapped key', () => {
    const keys = [{ type: 'ssh-ed25519', fingerprint: 'e1' }, { type: 'ecdsa-sha2-nistp256', fingerprint: 'c1' }];
    expect(otherKeysVerdict(keys, 'ssh-ed25519', [{ type: 'ecdsa-sha2-nistp256', fingerprint: 'c1' }])).toMatch(/unchanged .*only this key was swapped/);
    expect(otherKeysVerdict(keys, 'ssh-ed25519', [{ type: 'ecdsa-sha2-nistp256', fingerprint: 'c2' }])).toMatch(/whole-server rebuild/);
    expect(otherKeysVerdict(keys, 'ssh-ed25519', [])).toMatch(/could not be read/);
  });
});

describe('identity decision buttons', () => {
  it('round-trip through the button id', () => {
    for (const decision of ['accept', 'suspicious'] as const) {
      const id = buttonId({ kind: 'identity-decision', decision, change: '1a2b3c4d', target: 'prod-sftp', label: 'x' });
      expect(decodeButton(id)).toEqual({ kind: 'identity', decision, change: '1a2b3c4d', target: 'prod-sftp' });
    }
  });
  it('refuse anything else', () => {
    for (const id of ['idaccept:1a2b3c4d', 'idaccept:XYZ!:t', 'idaccept:1a2b3c4d:t:extra', 'idsuspect::t', 'idaccept:1a2b3c4d:../etc']) expect(decodeButton(id), id).toBeUndefined();
  });
});
