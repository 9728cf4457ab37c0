// Redis for a first run: with REDIS_URL unset and nothing answering on 127.0.0.1:6379, start a
// private redis-server child (loopback only, data under ./.data, append-only) if one is
// installed; otherwise say exactly how to get one. Used by the token-less start and `ftpops demo`.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { resolve } from 'node:path';
import { ConfigError } from '../config/config-error.js';

export interface LocalRedis {
  url: string;
  /** What was done, for the start-up line. */
  describe: string;
  stop(): Promise<void>;
}

/** Use REDIS_URL, or Redis on the default port, or a private redis-server child. */
export async function ensureRedis(env: NodeJS.ProcessEnv, dataDir = resolve('.data'), defaultPort = 6379): Promise<LocalRedis> {
  if (env.REDIS_URL) return { url: env.REDIS_URL, describe: 'Redis from REDIS_URL', stop: async () => undefined };
  if (await answersPing(defaultPort)) return { url: `redis://127.0.0.1:${defaultPort}`, describe: `Redis on 127.0.0.1:${defaultPort}`, stop: async () => undefined };
  const binary = env.FTPOPS_REDIS_SERVER ?? 'redis-server';
  const port = await freePort();
  mkdirSync(dataDir, { recursive: true });
  const child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dataDir, '--appendonly', 'yes', '--save', '', '--protected-mode', 'yes'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const started = await new Promise<boolean>((done) => {
    child.once('error', () => done(false));
    child.once('exit', () => done(false));
    const poll = setInterval(async () => {
      if (await answersPing(port)) {
        clearInterval(poll);
        done(true);
      }
    }, 100);
    setTimeout(() => {
      clearInterval(poll);
      done(false);
    }, 10_000).unref();
  });
  if (!started) {
    child.kill('SIGKILL');
    throw new ConfigError(
      `no Redis: nothing answers on 127.0.0.1:${defaultPort} and redis-server could not be started. Install it (sudo apt-get install -y redis-server), or run 'docker compose up -d redis', or set REDIS_URL`,
    );
  }
  return { url: `redis://127.0.0.1:${port}`, describe: `a private redis-server on 127.0.0.1:${port} (data in ${dataDir})`, stop: () => stopChild(child) };
}

/** Does something on this port answer PING with +PONG (so: is it Redis)? */
function answersPing(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect(port, '127.0.0.1');
    const finish = (ok: boolean) => {
      socket.destroy();
      done(ok);
    };
    socket.setTimeout(500, () => finish(false));
    socket.once('error', () => finish(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (d) => finish(d.toString().startsWith('+PONG')));
  });
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((done) => {
    child.once('exit', () => done());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
  });
}
