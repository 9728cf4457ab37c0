// Target URLs with FileZilla's and curl's meanings: ftp:// plain, ftpes:// explicit FTPS (AUTH TLS),
// ftps:// implicit FTPS (port 990), sftp:// SSH file transfer (port 22).
import { isIP } from 'node:net';
import { ConfigError } from '../config/config-error.js';
import { DEFAULT_PORTS, type Protocol, type ProbeRequest } from './probe.js';

export interface ParsedTargetUrl {
  protocol: Protocol;
  host: string;
  port: number;
  user?: string;
  password?: string;
  path?: string;
}

const SCHEMES: Record<string, Protocol> = { 'ftp:': 'ftp', 'ftpes:': 'ftpes', 'ftps:': 'ftps', 'sftp:': 'sftp' };

/** A check subject that is a URL rather than a target name. */
export function isAdhocUrl(subject: string): boolean {
  return /^[a-z]+:\/\//i.test(subject);
}

export function parseTargetUrl(input: string): ParsedTargetUrl {
  const text = input.trim();
  const scheme = /^([a-z][a-z0-9+.-]*:)\/\//i.exec(text)?.[1]?.toLowerCase();
  if (!scheme) throw new ConfigError(`not a URL: '${printable(text)}' (expected e.g. sftp://user@host or ftpes://host:21)`);
  const protocol = SCHEMES[scheme];
  if (!protocol) throw new ConfigError(`unknown scheme '${printable(scheme)}//' (use ftp://, ftpes://, ftps:// or sftp://)`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(`malformed URL: '${printable(withoutPassword(text))}'`);
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host) throw new ConfigError(`the URL names no host: '${printable(withoutPassword(text))}'`);
  if (!isIP(host) && !/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.?$/i.test(host)) {
    throw new ConfigError(`'${printable(host)}' is not a valid host name`);
  }
  const port = url.port ? Number(url.port) : DEFAULT_PORTS[protocol];
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new ConfigError(`port out of range in '${printable(withoutPassword(text))}'`);
  const parsed: ParsedTargetUrl = { protocol, host, port };
  if (url.username) parsed.user = decode(url.username);
  if (url.password) parsed.password = decode(url.password);
  const path = decode(url.pathname);
  if (path && path !== '/') parsed.path = path;
  return parsed;
}

/** The URL as shown anywhere: never with a password. */
export function displayUrl(req: Pick<ProbeRequest, 'protocol' | 'host' | 'port' | 'user' | 'path'>): string {
  const host = isIP(req.host) === 6 ? `[${req.host}]` : req.host;
  const user = req.user ? `${encodeURIComponent(req.user)}@` : '';
  const path = req.path ? (req.path.startsWith('/') ? req.path : `/${req.path}`) : '';
  return `${req.protocol}://${user}${host}:${req.port}${path}`;
}

/**
 * Hide a password in a URL we quote back (only when `URL` could not parse it, so there are no
 * parts to rebuild it from). Up to the LAST "@": a malformed URL may hold a password with an
 * unencoded "/" or "@" in it (ftp://u:pa/ss@host), and hiding too much is harmless here.
 * [\s\S], not ".": a line break inside the password must not stop the mask half way.
 */
function withoutPassword(text: string): string {
  return text.replace(/^([a-z]+:\/\/[^/@:]*):[\s\S]*@/i, '$1:***@');
}

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new ConfigError('the URL has a malformed %-escape');
  }
}

function printable(text: string): string {
  // C1 controls (NEL U+0085 is a line break) and U+2028/U+2029 too: found by fuzzing
  // (test/fuzz.test.ts), they made the one-line ConfigError two lines.
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '?');
  return clean.length > 120 ? `${clean.slice(0, 120)}…` : clean;
}
