// ftpops explain [--json] [TEXT…]: what a code, a reply, a client's error or a pasted log excerpt
// means here, the likeliest finding first. "-" reads the text from standard input (a whole log).
// Exit 0 when something was recognised, 1 when nothing was (with a one-line hint on stderr).
import { KnowledgeBase } from '../knowledge/knowledge-base.js';
import { codeListLines, explanationLines } from '../knowledge/explain.js';
import { explainText, nothingRecognised } from '../knowledge/explain/explain-text.js';
import type { CliIo } from './cli-io.js';

export interface ExplainFlags {
  json?: boolean;
}

export async function explainCommand(words: string[], flags: ExplainFlags, io: CliIo, kb = KnowledgeBase.load()): Promise<number> {
  if (!words.length) {
    if (flags.json) io.out(JSON.stringify({ codes: kb.codes().map((code) => ({ code, severity: kb.definition(code)!.severity, title: kb.definition(code)!.title })) }));
    else for (const line of codeListLines(kb)) io.out(line);
    return 0;
  }
  const text = words.length === 1 && words[0] === '-' ? await io.readStdin() : words.join(' ');
  const e = explainText(text, kb);
  if (flags.json) {
    const { input, best, candidates, reply, client } = e;
    io.out(JSON.stringify({ input, best, candidates, reply, client }));
  } else {
    for (const line of explanationLines(e, kb)) io.out(line);
  }
  if (!e.best) {
    io.err(`ftpops: ${nothingRecognised(text)}`);
    return 1;
  }
  return 0;
}
