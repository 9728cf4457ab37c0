// The normaliser: every error shape our libraries produce becomes the right signal.
import { describe, expect, it } from 'vitest';
import { FTPError } from 'basic-ftp';
import { SignalError, toFailureSignal } from '../src/probes/failure-signal.js';
import { cleanText } from '../src/probes/server-text.js';

const errno = (code: string, message = code) => Object.assign(new Error(message), { code });

describe('toFailureSignal', () => {
  it.each([
    [new FTPError({ code: 530, message: '530 Login incorrect.' }), 'login', { source: 'ftp-reply', key: '530', reply: { code: 530, text: 'Login incorrect.' } }],
    [new FTPError({ code: 421, message: '421 There are too many connected users, please try later.' }), 'greet', { source: 'ftp-reply', key: '421' }],
    [errno('ENOTFOUND', 'getaddrinfo ENOTFOUND nope.invalid'), 'resolve', { source: 'errno', key: 'ENOTFOUND' }],
    [errno('EAI_AGAIN'), 'resolve', { source: 'errno', key: 'EAI_AGAIN' }],
    [errno('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1'), 'connect', { source: 'errno', key: 'ECONNREFUSED' }],
    [errno('ECONNREFUSED', "Can't open data connection in passive mode: connect ECONNREFUSED"), 'list', { source: 'errno', key: 'ECONNREFUSED', channel: 'data' }],
    [errno('CERT_HAS_EXPIRED', 'certificate has expired'), 'secure', { source: 'tls', key: 'CERT_HAS_EXPIRED' }],
    [errno('ERR_SSL_WRONG_VERSION_NUMBER', 'wrong version number'), 'secure', { source: 'tls', key: 'ERR_SSL_WRONG_VERSION_NUMBER' }],
    [Object.assign(new Error('All configured authentication methods failed'), { level: 'client-authentication' }), 'login', { source: 'ssh', key: 'client-authentication' }],
    [Object.assign(new Error('Handshake failed: no matching key exchange algorithm'), { level: 'handshake' }), 'secure', { source: 'ssh', key: 'handshake:no-match' }],
    [new Error('Server sent FIN packet unexpectedly, closing connection.'), 'greet', { source: 'errno', key: 'EOF' }],
    [new Error('something odd'), 'list', { source: 'check', key: 'unexpected' }],
  ] as const)('%s at %s', (err, stage, expected) => {
    expect(toFailureSignal(err, stage, 'ftp')).toMatchObject({ ...expected, stage });
  });

  it('reads numeric codes as SFTP status on sftp', () => {
    const err = Object.assign(new Error('No such file'), { code: 2 });
    expect(toFailureSignal(err, 'list', 'sftp')).toMatchObject({ source: 'sftp', key: 'SSH_FX_NO_SUCH_FILE' });
  });

  it('passes a SignalError through', () => {
    const signal = { source: 'check', key: 'checksum_mismatch', stage: 'transfer' } as const;
    expect(toFailureSignal(new SignalError(signal), 'transfer', 'ftp')).toEqual(signal);
  });

  it('never throws on odd input', () => {
    for (const odd of [undefined, null, 42, 'text', Symbol('x'), { code: {} }]) {
      expect(toFailureSignal(odd, 'greet', 'ftp').source).toBeTypeOf('string');
    }
  });
});

describe('cleanText', () => {
  it('keeps server text printable, one line and bounded', () => {
    expect(cleanText('220 hi\r\n220 there\u0000\u001b[31m')).toBe('220 hi 220 there??[31m');
    expect(cleanText('x'.repeat(10_000)).length).toBeLessThanOrEqual(501);
  });

  it('leaves no character a terminal obeys or that reorders text', () => {
    expect(cleanText('a\u001b]0;t\u0007b\u009b2Jc\u0085d\u2028e\u2029f\u202eg\u2066h\u200fi\u007fj')).toBe('a?]0;t?b?2Jc d e f?g?h?i?j');
  });
});
