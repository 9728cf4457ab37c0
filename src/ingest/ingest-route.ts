// POST /ingest/<target>: newline-delimited text, or JSON lines as Vector, Fluent Bit or rsyslog's
// omhttp send them (the line is taken from "message", "msg", "log" or "MESSAGE"). Each target has
// its own bearer token (by reference, from the environment). Answers 202 with counts.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TargetConfig } from '../config/targets-file.js';
import type { LogAlerts } from './log-alerts.js';

const MAX_BODY_BYTES = 8 * 1024 * 1024;
const LINE_FIELDS = ['message', 'msg', 'log', 'MESSAGE'];

export interface IngestDeps {
  targets: () => Map<string, TargetConfig>;
  env: NodeJS.ProcessEnv;
  logs: LogAlerts;
}

export async function handleIngest(req: IncomingMessage & { params?: Record<string, string> }, res: ServerResponse, deps: IngestDeps): Promise<void> {
  const answer = (status: number, body: object) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const name = req.params?.target ?? decodeURIComponent((req.url ?? '').split('?')[0]!.replace(/^\/ingest\//, ''));
  const target = deps.targets().get(name);
  const expected = target?.ingest?.tokenEnv ? deps.env[target.ingest.tokenEnv] : undefined;
  // One answer for unknown targets, targets without ingest and wrong tokens: no target probing.
  if (!target?.ingest || !expected || !bearerMatches(req.headers.authorization, expected)) {
    answer(401, { error: 'unknown target or wrong token' });
    return;
  }
  let body: string;
  try {
    body = await readBody(req);
  } catch (err) {
    answer(413, { error: (err as Error).message });
    return;
  }
  const result = await deps.logs.ingest(name, linesOf(body), target.ingest.daemon);
  answer(202, result);
}

export function linesOf(body: string): string[] {
  return body.split(/\r?\n/).map((line) => {
    if (!line.startsWith('{')) return line;
    try {
      const record = JSON.parse(line) as Record<string, unknown>;
      const field = LINE_FIELDS.find((f) => typeof record[f] === 'string');
      return field ? (record[field] as string) : '';
    } catch {
      return line;
    }
  });
}

function bearerMatches(header: string | undefined, expected: string): boolean {
  const given = Buffer.from(/^Bearer (.+)$/i.exec(header ?? '')?.[1] ?? '');
  const want = Buffer.from(expected);
  return given.length === want.length && timingSafeEqual(given, want);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error(`body over ${MAX_BODY_BYTES / 1024 / 1024} MiB`));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
