// Following a log file across logrotate's two styles: rename + create, and copytruncate.
import { afterEach, describe, expect, it } from 'vitest';
import { appendFileSync, mkdtempSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileTail } from '../src/ingest/file-tail.js';

const tails: FileTail[] = [];
afterEach(async () => {
  await Promise.all(tails.splice(0).map((t) => t.stop()));
});

async function follow(path: string, fromEnd: boolean): Promise<{ tail: FileTail; seen: string[] }> {
  const seen: string[] = [];
  const tail = new FileTail(path, async (lines) => void seen.push(...lines), { fromEnd, everyMs: 60_000 });
  tails.push(tail);
  await tail.start();
  return { tail, seen };
}

describe('FileTail', () => {
  it('starts at the end and hands over complete lines only', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'ftpops-tail-')), 'vsftpd.log');
    writeFileSync(path, 'old line\n');
    const { tail, seen } = await follow(path, true);
    appendFileSync(path, 'one\ntw');
    await tail.poll();
    expect(seen).toEqual(['one']);
    appendFileSync(path, 'o\r\n');
    await tail.poll();
    expect(seen).toEqual(['one', 'two']);
  });

  it('survives rename + create rotation without losing or repeating a line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ftpops-tail-'));
    const path = join(dir, 'auth.log');
    writeFileSync(path, '');
    const { tail, seen } = await follow(path, true);
    appendFileSync(path, 'a\nb\n');
    await tail.poll();
    appendFileSync(path, 'c\n'); // written just before rotation, not yet read
    renameSync(path, join(dir, 'auth.log.1'));
    writeFileSync(path, 'd\n');
    await tail.poll();
    appendFileSync(path, 'e\n');
    await tail.poll();
    expect(seen).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('starts over after copytruncate', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'ftpops-tail-')), 'pure-ftpd.log');
    writeFileSync(path, '');
    const { tail, seen } = await follow(path, true);
    appendFileSync(path, 'first\nsecond\n');
    await tail.poll();
    truncateSync(path, 0);
    appendFileSync(path, 'x\n');
    await tail.poll();
    expect(seen).toEqual(['first', 'second', 'x']);
  });

  it('waits for a file that does not exist yet', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'ftpops-tail-')), 'later.log');
    const { tail, seen } = await follow(path, true);
    await tail.poll();
    writeFileSync(path, 'hello\n');
    await tail.poll();
    await tail.poll();
    expect(seen).toEqual(['hello']);
  });
});
