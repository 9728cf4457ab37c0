// Liveness, readiness and metrics, on the bot's HTTP server and on a worker's own port:
// - GET /healthz: the process is alive and its event loop turns (no dependency checked: a
//   restart would not fix Redis);
// - GET /readyz: every readiness check passes within its deadline (Redis answers, the queue is
//   usable, the chat connections are up); otherwise 503 naming what is not ready;
// - GET /metrics: the Prometheus text format (src/metrics/metrics.ts); with FTPOPS_METRICS_TOKEN
//   set, only for `Authorization: Bearer <token>` (target names and finding counts are not for
//   everyone who can reach the bot's public port).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FtpopsMetrics } from '../metrics/metrics.js';
import { answerJson, type HttpRoute } from './http-server.js';

export interface ReadinessCheck {
  name: string;
  /** Resolves when ready; rejects (or resolves with a reason) when not. */
  check(): Promise<void | string>;
}

const CHECK_DEADLINE_MS = 2_000;

export function healthRoutes(readiness: () => ReadinessCheck[], metrics?: FtpopsMetrics, metricsToken?: string): HttpRoute[] {
  const routes: HttpRoute[] = [
    { method: 'GET', prefix: '/healthz', handler: (_req, res) => answerJson(res, 200, { status: 'alive' }) },
    {
      method: 'GET',
      prefix: '/readyz',
      handler: async (_req, res) => {
        const results = await Promise.all(readiness().map(async (c) => [c.name, await verdict(c)] as const));
        const failed = results.filter(([, v]) => v !== 'ok');
        answerJson(res, failed.length ? 503 : 200, { status: failed.length ? 'not ready' : 'ready', checks: Object.fromEntries(results) }, { 'cache-control': 'no-store' });
      },
    },
  ];
  if (metrics) {
    routes.push({
      method: 'GET',
      prefix: '/metrics',
      handler: async (req, res) => {
        if (metricsToken && !bearerMatches(req, metricsToken)) {
          answerJson(res, 401, { error: 'this endpoint needs Authorization: Bearer <FTPOPS_METRICS_TOKEN>' }, { 'www-authenticate': 'Bearer' });
          return;
        }
        const { contentType, body } = await metrics.text();
        res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
        res.end(body);
      },
    });
  }
  return routes;
}

/** "ok", or one line on why not (a check that hangs counts as not ready). */
async function verdict(c: ReadinessCheck): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<string>((resolve) => (timer = setTimeout(() => resolve(`no answer within ${CHECK_DEADLINE_MS} ms`), CHECK_DEADLINE_MS)));
  try {
    const outcome = await Promise.race([c.check().then((reason) => reason ?? 'ok'), deadline]);
    return outcome;
  } catch (err) {
    return (err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 200) || 'failed';
  } finally {
    clearTimeout(timer);
  }
}

/** The request's bearer token equals `token` (compared in constant time, as digests). */
function bearerMatches(req: IncomingMessage, token: string): boolean {
  const given = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
  if (!given) return false;
  const digest = (t: string) => createHash('sha256').update(t).digest();
  return timingSafeEqual(digest(given), digest(token));
}
