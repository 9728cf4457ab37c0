// ftpops report <target> --period 30d [--json|--csv]: the same report as /ftp report, read from
// the deployment's Redis (REDIS_URL, FTPOPS_QUEUE_PREFIX). Loads ioredis and the history module
// only: no chat SDK, no BullMQ, no chart.
import { ConfigError } from '../config/config-error.js';
import { PERIOD_WORDS, parseReportPeriod } from '../history/report-period.js';
import { ReportReader } from '../history/report-reader.js';
import { reportCsv, reportJson, reportLines } from '../history/report-text.js';
import { ResultStore } from '../history/result-store.js';
import { createRedis, describeRedisUrl, redisSettings, whenReady } from '../queue/redis-connection.js';
import type { CliIo } from './cli-io.js';

export async function reportCommand(target: string, flags: { period?: string; json?: boolean; csv?: boolean }, io: CliIo, now = Date.now()): Promise<number> {
  if (!/^[a-z0-9][a-z0-9._-]*$/i.test(target)) throw new ConfigError(`'${target.slice(0, 60)}' is not a target name`);
  const period = parseReportPeriod(flags.period, now);
  if (!period) throw new ConfigError(`--period: '${String(flags.period).slice(0, 20)}' is not a period (${PERIOD_WORDS})`);
  if (flags.json && flags.csv) throw new ConfigError('choose one of --json and --csv');
  const settings = redisSettings(io.env);
  const redis = createRedis(settings.url, 'command');
  try {
    try {
      await whenReady(redis, 3_000);
    } catch {
      io.err(`ftpops: cannot read the history: Redis unreachable at ${describeRedisUrl(settings.url)}`);
      return 1;
    }
    if ((await new ResultStore(redis, settings.prefix).firstCheckAt(target)) === undefined) {
      throw new ConfigError(`no history for '${target}' in Redis at ${describeRedisUrl(settings.url)} (prefix ${settings.prefix}): is it a target with an interval, and is this the deployment's REDIS_URL?`);
    }
    const report = await new ReportReader(redis, settings.prefix).report(target, period, now);
    io.out(flags.json ? reportJson(report) : flags.csv ? reportCsv(report).trimEnd() : reportLines(report).join('\n'));
    return 0;
  } finally {
    redis.disconnect();
  }
}
