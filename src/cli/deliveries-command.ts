// ftpops deliveries [target] [--json]: today's expected deliveries, judged now from a fresh
// listing of each folder (the same rows as /ftp deliveries). Exit 1 when one is missing,
// incomplete or not picked up.
import { defaultConfigPath, loadTargetsFile } from '../config/targets-file.js';
import { ConfigError } from '../config/config-error.js';
import { requestForTarget } from '../config/probe-request.js';
import { KnowledgeBase } from '../knowledge/knowledge-base.js';
import { ProbeEngine } from '../probes/probe-engine.js';
import { type BoardRow, boardLine } from '../deliveries/delivery-board.js';
import { judgeTargetNow } from '../deliveries/delivery-check.js';
import type { CliIo } from './cli-io.js';

const BAD = new Set(['missing', 'incomplete', 'not-picked-up']);

export async function deliveriesCommand(only: string | undefined, flags: { json?: boolean }, io: CliIo, now: () => number = Date.now): Promise<number> {
  const path = defaultConfigPath(io.env);
  const file = loadTargetsFile(path, Boolean(io.env.FTPOPS_CONFIG));
  if (only !== undefined && !file.targets.has(only)) throw new ConfigError(`no target '${only}' in ${path}`);
  const targets = [...file.targets.values()].filter((t) => (only === undefined || t.name === only) && t.deliveries?.length);
  if (!targets.length) throw new ConfigError(`no expected deliveries in ${path} (add deliveries: to a target; see README: Expected deliveries)`);
  const engine = new ProbeEngine(KnowledgeBase.load());
  const rows: BoardRow[] = [];
  for (const target of targets) rows.push(...(await judgeTargetNow(target, engine, requestForTarget(target, {}, io.env), now())));
  if (flags.json) io.out(JSON.stringify(rows, null, 2));
  else for (const r of rows) io.out(boardLine(r));
  return rows.some((r) => BAD.has(r.status)) ? 1 : 0;
}
