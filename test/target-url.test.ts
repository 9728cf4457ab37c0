import { describe, expect, it } from 'vitest';
import { displayUrl, parseTargetUrl } from '../src/probes/target-url.js';
import { requestForUrl } from '../src/config/probe-request.js';
import { parseDuration, parseInterval } from '../src/config/duration.js';

describe('parseTargetUrl', () => {
  it.each([
    ['ftp://host', { protocol: 'ftp', host: 'host', port: 21 }],
    ['ftpes://u@host', { protocol: 'ftpes', host: 'host', port: 21, user: 'u' }],
    ['ftps://host', { protocol: 'ftps', port: 990 }],
    ['sftp://deploy@files.example.com/upload', { protocol: 'sftp', port: 22, user: 'deploy', path: '/upload' }],
    ['SFTP://a%40b@[::1]:2222', { protocol: 'sftp', host: '::1', port: 2222, user: 'a@b' }],
    ['ftp://u:p%3Ass@127.0.0.1:2121/', { user: 'u', password: 'p:ss', host: '127.0.0.1', port: 2121 }],
  ])('%s', (url, expected) => {
    expect(parseTargetUrl(url)).toMatchObject(expected);
  });

  it.each([
    ['http://host', /unknown scheme 'http:\/\/'/],
    ['host:21', /not a URL/],
    ['ftp://', /malformed URL|names no host/],
    ['ftp://host:99999', /port out of range|malformed/],
    ['sftp://ho st', /malformed|not a valid host/],
    ['ftp://u:secret@host:0x', /malformed/],
    // A password with an unencoded "/" or "@" in a malformed URL is still hidden.
    ['ftp://u:se/cret@host:0x', /malformed/],
    // ... and one with a line break in it.
    ['ftp://u:se\ncret@host:0x', /malformed/],
  ])('%s is refused in one line', (url, message) => {
    expect(() => parseTargetUrl(url)).toThrow(message);
    try {
      parseTargetUrl(url);
    } catch (err) {
      expect((err as Error).message).not.toMatch(/secret|cret|se\//);
      expect((err as Error).message).not.toContain('\n');
    }
  });

  it('an unencoded "@" in the password: split at the last "@", as URL does, and shown without it', () => {
    expect(parseTargetUrl('ftp://user:S3cret@PW@host:2121/')).toMatchObject({ user: 'user', password: 'S3cret@PW', host: 'host', port: 2121 });
    const req = requestForUrl('ftp://user:S3cret@PW@host:2121/', {}, {});
    expect(req.password).toBe('S3cret@PW');
    expect(req.target).toBe('ftp://user@host:2121');
    expect(requestForUrl('ftp://us:er:p:w@host', {}, {}).target).toBe('ftp://us@host:21');
  });

  it('never shows a password', () => {
    expect(displayUrl({ protocol: 'ftp', host: 'h', port: 21, user: 'u' })).toBe('ftp://u@h:21');
    expect(displayUrl({ protocol: 'sftp', host: '::1', port: 22, path: '/x' })).toBe('sftp://[::1]:22/x');
  });
});

describe('parseDuration', () => {
  it('reads units and refuses absurd values', () => {
    expect(parseDuration('10s', 't')).toBe(10_000);
    expect(parseDuration('500ms', 't')).toBe(500);
    expect(parseDuration('2m', 't')).toBe(120_000);
    expect(parseDuration(5, 't')).toBe(5_000);
    expect(() => parseDuration('0s', 't')).toThrow(/out of range/);
    expect(() => parseDuration('99999m', 't')).toThrow(/out of range/);
    expect(() => parseDuration('soon', 't')).toThrow(/not a duration/);
    expect(() => parseDuration('1h', 't')).toThrow(/not a duration/);
  });
});

describe('parseInterval', () => {
  it('takes hours, up to a day, for scheduled checks', () => {
    expect(parseInterval('1h', 'interval')).toBe(3_600_000);
    expect(parseInterval('30s', 'interval')).toBe(30_000);
    expect(parseInterval('24h', 'interval')).toBe(86_400_000);
    expect(() => parseInterval('25h', 'interval')).toThrow(/out of range \(between 1 s and 24 hours\)/);
    expect(() => parseInterval('0.5s', 'interval')).toThrow(/out of range/);
  });
});
