// POST /ingest/<target>: newline-delimited text, or JSON lines as Vector, Fluent Bit or rsyslog's
// omhttp send them (the line is taken from "message", "msg", "log" or "MESSAGE"). Each target has
// its own bearer token (by reference, from the environment). Answers 202 with counts.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TargetConfig } from '../config/targets-file.js';
import type { LogAlerts } from './log-alerts.js';
import { answerJson, pathOf } from '../http/http-server.js';

const MAX_BODY_BYTES = 8 * 1024 * 1024;
const LINE_FIELDS = ['message', 'msg', 'log', 'MESSAGE'];

export interface IngestDeps {
  targets: () => Map<string, TargetConfig>;
  env: NodeJS.ProcessEnv;
  logs: LogAlerts;
}

export async function handleIngest(req: IncomingMessage, res: ServerResponse, deps: IngestDeps): Promise<void> {
  const answer = (status: number, body: object) => answerJson(res, status, body);
  const name = targetName(pathOf(req));
  const target = name === undefined ? undefined : deps.targets().get(name);
  const expected = target?.ingest?.tokenEnv ? deps.env[target.ingest.tokenEnv] : undefined;
  // One answer for unknown targets, targets without ingest and wrong tokens: no target probing.
  if (!target?.ingest || !expected || !bearerMatches(req.headers.authorization, expected)) {
    answer(401, { error: 'unknown target or wrong token' });
    return;
  }
  const body = await readBody(req);
  if (body === undefined) return tooLarge(req, res);
  const result = await deps.logs.ingest(target.name, linesOf(body), target.ingest.daemon);
  answer(202, result);
}

/** "/ingest/<target>" → the target's name; undefined for a malformed %-escape. */
function targetName(path: string): string | undefined {
  try {
    return decodeURIComponent(path.replace(/^\/ingest\//, ''));
  } catch {
    return undefined;
  }
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

/** The body as text; undefined as soon as it grows past the limit (the rest is left unread). */
function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) return void chunks.push(chunk);
      req.off('data', onData);
      resolve(undefined);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * 413, then close. The client may still be sending: closing with its bytes unread would make the
 * kernel reset the connection and the client would lose the answer. So the rest is read and
 * dropped until the client is done (the server's request timeout bounds how long), then the
 * connection closes.
 */
function tooLarge(req: IncomingMessage, res: ServerResponse): void {
  answerJson(res, 413, { error: `body over ${MAX_BODY_BYTES / 1024 / 1024} MiB` }, { connection: 'close' });
  req.resume();
}
