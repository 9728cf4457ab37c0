// Redis for a first run: the token-less start finds Redis, or starts a private redis-server
// (loopback, append-only, data in the folder given), or says exactly how to get one.
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { ensureRedis, type LocalRedis } from '../src/queue/local-redis.js';
import { ConfigError } from '../src/config/config-error.js';
import { freePort } from './support/bot-process.js';

const started: LocalRedis[] = [];
afterAll(async () => {
  for (const r of started) await r.stop();
});

describe('ensureRedis', () => {
  it('REDIS_URL wins; otherwise the Redis that answers on the default port', async () => {
    expect((await ensureRedis({ REDIS_URL: 'redis://example.invalid:6379' })).url).toBe('redis://example.invalid:6379');
    expect((await ensureRedis({}, undefined, 6379)).url).toBe('redis://127.0.0.1:6379');
  });

  it('nothing answers: a private redis-server on loopback, append-only, stopped with the bot', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ftpops-redis-'));
    const local = await ensureRedis({}, dir, await freePort());
    started.push(local);
    expect(local.describe).toMatch(/a private redis-server on 127\.0\.0\.1:\d+/);
    const client = new Redis(local.url);
    await client.set('ftpops-test', 'kept');
    expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
    client.disconnect();
    await local.stop();
    expect(existsSync(join(dir, 'appendonlydir')) || existsSync(join(dir, 'appendonly.aof'))).toBe(true);
    const gone = new Redis(local.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    gone.on('error', () => undefined);
    await expect(gone.connect()).rejects.toThrow();
  });

  it('no redis-server either: one line saying how to get one', async () => {
    const attempt = ensureRedis({ FTPOPS_REDIS_SERVER: '/nonexistent/redis-server' }, mkdtempSync(join(tmpdir(), 'ftpops-redis-')), await freePort());
    await expect(attempt).rejects.toBeInstanceOf(ConfigError);
    await expect(attempt).rejects.toThrow(/sudo apt-get install -y redis-server.*docker compose up -d redis.*REDIS_URL/);
  });
});
