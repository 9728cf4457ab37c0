// Who may use the web console. On loopback it is the operator's own machine: no login. Bound
// to anything else it is reachable by others, and the console acts as admin, so it asks for a
// token first: FTPOPS_CONSOLE_TOKEN, or one made up at start and printed once. The token is
// exchanged for a session cookie (HttpOnly, SameSite=Strict: no script and no other site can
// use it), so the token itself is typed or clicked once and never stored by the browser.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { networkInterfaces, hostname } from 'node:os';
import type { IncomingMessage } from 'node:http';

const COOKIE = 'ftpops_console';
const SESSION_MS = 12 * 3_600_000;
const MAX_SESSIONS = 1_000;

export interface ConsoleAuthOptions {
  /** The address the console listens on. */
  host: string;
  port: number;
  env: NodeJS.ProcessEnv;
  now?: () => number;
}

export class ConsoleAuth {
  /** Undefined on loopback: no login there. */
  readonly token: string | undefined;
  /** True when the token was made up here (and must be shown to the operator once). */
  readonly generated: boolean;
  /** The Host headers the console answers to (anything else could be DNS rebinding). */
  readonly hosts: string[];
  private readonly sessions = new Map<string, number>();
  private readonly now: () => number;

  constructor(options: ConsoleAuthOptions) {
    this.now = options.now ?? Date.now;
    const given = options.env.FTPOPS_CONSOLE_TOKEN?.trim();
    const open = isLoopback(options.host);
    this.token = open ? undefined : given || randomBytes(24).toString('base64url');
    this.generated = !open && !given;
    this.hosts = consoleHosts(options.host, options.port, options.env.FTPOPS_CONSOLE_HOSTS);
  }

  get required(): boolean {
    return this.token !== undefined;
  }

  /** True for a request that may use the console (always, on loopback). */
  admits(req: IncomingMessage): boolean {
    if (!this.token) return true;
    const id = cookieOf(req, COOKIE);
    const expires = id ? this.sessions.get(id) : undefined;
    if (expires === undefined || expires < this.now()) return false;
    return true;
  }

  /** A session cookie for a right token; undefined for a wrong one. */
  login(token: unknown): string | undefined {
    if (!this.token || typeof token !== 'string' || !sameSecret(token.trim(), this.token)) return undefined;
    this.forgetExpired();
    const id = randomBytes(24).toString('base64url');
    this.sessions.set(id, this.now() + SESSION_MS);
    return `${COOKIE}=${id}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${SESSION_MS / 1000}`;
  }

  private forgetExpired(): void {
    const now = this.now();
    for (const [id, expires] of this.sessions) if (expires < now) this.sessions.delete(id);
    // Bounded memory whoever logs in how often: the oldest sessions go first.
    while (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
  }
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/**
 * Host headers to accept: the address listened on, and for a wildcard address (0.0.0.0, ::) the
 * machine's own names and addresses, so that the operator's browser works with any of them;
 * FTPOPS_CONSOLE_HOSTS adds names (a reverse proxy's, a DNS alias).
 */
export function consoleHosts(host: string, port: number, extra = ''): string[] {
  const names = new Set<string>();
  const add = (name: string) => names.add((name.includes(':') && !name.startsWith('[') ? `[${name}]` : name).toLowerCase());
  if (host === '0.0.0.0' || host === '::' || host === '') {
    add('localhost');
    add(hostname());
    for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) add(a.address);
  } else {
    add(host);
    if (isLoopback(host)) ['localhost', '127.0.0.1'].forEach(add);
  }
  for (const name of extra.split(',').map((n) => n.trim()).filter(Boolean)) add(name);
  const withPort = [...names].map((n) => `${n}:${port}`);
  // Browsers leave the port out of Host when it is the scheme's default.
  return port === 80 || port === 443 ? [...withPort, ...names] : withPort;
}

function cookieOf(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
