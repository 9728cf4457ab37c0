// Every real message in the explain data (src/knowledge/data/explain/*.yaml) is a test: explained
// alone, it must put the finding its pattern was written for first. The data hangs together with
// the knowledge base, and says where each message comes from.
import { describe, expect, it } from 'vitest';
import { KnowledgeBase } from '../src/knowledge/knowledge-base.js';
import { ExplainCatalog } from '../src/knowledge/explain/catalog.js';
import { explainText } from '../src/knowledge/explain/explain-text.js';
import { readLine } from '../src/knowledge/explain/read-text.js';

const kb = KnowledgeBase.load();
const catalog = ExplainCatalog.load();
const cases = catalog.families.flatMap((f) => f.patterns.flatMap((p) => p.examples.map((e) => ({ family: f, pattern: p.id, ...e }))));

describe('explain data', () => {
  it('is consistent with the knowledge base: known codes, unique ids, rankings only of what the signal rules reach', () => {
    expect(catalog.problems(kb)).toEqual([]);
  });

  it('has well over a hundred real messages, each with the client (or server) and version it comes from', () => {
    expect(cases.length).toBeGreaterThan(150);
    for (const c of cases) expect(c.from, `${c.pattern}: ${c.text}`).toMatch(/\d/);
  });

  it('covers every client family the issue names', () => {
    const names = catalog.families.map((f) => f.name).join(' | ');
    for (const family of ['FileZilla', 'WinSCP', 'PuTTY', 'OpenSSH', 'curl', 'lftp', 'Python', 'Java', '.NET', 'Node.js', 'Windows Sockets', 'vsftpd', 'ProFTPD', 'pure-ftpd', 'IIS', 'FileZilla Server', 'zh-CN']) {
      expect(names).toContain(family);
    }
    const froms = cases.map((c) => c.from).join(' | ');
    for (const client of ['paramiko', 'ftplib', 'JSch', 'Commons Net', 'FtpWebRequest', 'SSH.NET', 'basic-ftp', 'ssh2', 'psftp', 'scp', 'sftp']) expect(froms).toContain(client);
  });

  it('has no pattern that a message of its own would not reach', () => {
    const bodies = (text: string) => text.split('\n').map((l) => readLine(l).body);
    for (const p of catalog.patterns()) expect(p.examples.some((e) => bodies(e.text).some((b) => p.regex.test(b))), p.id).toBe(true);
  });
});

describe.each(catalog.families.map((f) => [f.file, f] as const))('%s', (_file, family) => {
  const mine = cases.filter((c) => c.family === family);
  it.each(mine.map((c) => [c.text.trim().split('\n').at(-1)!.slice(0, 90), c] as const))('%s', (_line, c) => {
    const e = explainText(c.text, kb, catalog);
    expect(e.best, `${c.pattern} (${c.from}): ${e.candidates.map((x) => `${x.code} ${x.confidence}`).join(', ')}`).toBe(c.best);
    // A client's own message says which client it is; a server's reply or the system's words need not.
    if (family.kind === 'client') expect(e.client, c.pattern).not.toBeNull();
  });
});
