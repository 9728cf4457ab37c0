// ftpops explain <530 | ECONNRESET | auth.failed | ...>: what a code, reply or error means here.
import { KnowledgeBase } from '../knowledge/knowledge-base.js';
import { explainLines } from '../knowledge/explain.js';
import type { CliIo } from './cli-io.js';

export function explainCommand(query: string | undefined, io: CliIo, kb = KnowledgeBase.load()): number {
  for (const line of explainLines(query, kb)) io.out(line);
  return 0;
}
