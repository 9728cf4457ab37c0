// `ftpops report` must start light: its static import graph (type-only imports aside) reaches
// no chat SDK, no BullMQ, no chart code. Lazy imports (`await import(...)`) are not followed:
// they load only when used.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

const HEAVY = [/^@slack\//, /^discord\.js$/, /^bullmq$/, /^chart\.js$/, /^@napi-rs\/canvas$/, /^prom-client$/];

function staticImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers: string[] = [];
  for (const m of text.matchAll(/^(?:import|export)\s+(?!type\b)[^;]*?\sfrom\s+'([^']+)';/gms)) specifiers.push(m[1]!);
  for (const m of text.matchAll(/^import\s+'([^']+)';/gm)) specifiers.push(m[1]!);
  return specifiers;
}

function reach(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    for (const spec of staticImports(file)) {
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      else packages.add(spec);
    }
  };
  visit(resolve(entry));
  return { files, packages };
}

describe('ftpops report loads little', () => {
  it('reaches ioredis, not the chat SDKs, BullMQ, Chart.js or the metrics', () => {
    const { files, packages } = reach('src/cli/report-command.ts');
    expect([...packages].filter((p) => HEAVY.some((h) => h.test(p)))).toEqual([]);
    expect(packages.has('ioredis')).toBe(true);
    expect([...files].some((f) => f.includes('/src/history/report-reader.ts'))).toBe(true);
  });

  it('the walker does see a heavy import where there is one (the bot core reaches BullMQ)', () => {
    expect(reach('src/bot/bot-core.ts').packages.has('bullmq')).toBe(true);
  });
});
