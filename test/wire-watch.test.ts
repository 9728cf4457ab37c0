import { describe, expect, it } from 'vitest';
import { classifyFirstBytes } from '../src/probes/wire-watch.js';

describe('classifyFirstBytes', () => {
  it.each([
    ['SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u6\r\n', 'ssh'],
    ['220 (vsFTPd 3.0.3)\r\n', 'ftp'],
    ['220-Welcome\r\n', 'ftp'],
    ['421 Too many\r\n', 'ftp'],
    ['HTTP/1.1 400 Bad Request\r\n', 'http'],
    ['\u0000\u00ff garbage', 'unknown'],
    ['hello world', 'unknown'],
  ])('%j → %s', (text, speaks) => {
    expect(classifyFirstBytes(Buffer.from(text, 'latin1'))).toBe(speaks);
  });

  it('recognises a TLS record and waits on a partial prefix', () => {
    expect(classifyFirstBytes(Buffer.from([0x16, 0x03, 0x03, 0x00, 0x7a]))).toBe('tls');
    expect(classifyFirstBytes(Buffer.from([0x15, 0x03, 0x01, 0x00, 0x02]))).toBe('tls');
    expect(classifyFirstBytes(Buffer.from([0x16]))).toBeUndefined();
    expect(classifyFirstBytes(Buffer.from('SS'))).toBeUndefined();
    expect(classifyFirstBytes(Buffer.from('22'))).toBeUndefined();
    expect(classifyFirstBytes(Buffer.from('HTTP'))).toBeUndefined();
  });
});
