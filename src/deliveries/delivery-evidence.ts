// Why a delivery is missing, from what ftpops knows, in the order of the "missing delivery"
// runbook (src/knowledge/runbooks/missing-delivery.yaml):
//   1. our server was down or unreachable (the listing failed, or checks failed that day) → our side;
//   2. the partner's user failed to log in (ingested 530s / SSH failures) → credentials or account;
//   3. the partner uploaded elsewhere, or an empty or aborted file (transfer log) → wrong folder / incomplete;
//   4. logs are ingested but show nothing of the partner → they did not send;
//   5. no logs at all → unknown: only the listing is known.
// Pure: the caller gathers history and events (src/deliveries/delivery-watch.ts).
import { posix } from 'node:path';
import type { HistoryEntry } from '../alerts/check-results.js';
import { CLASS_OF_FINDING } from '../alerts/alert-classes.js';
import type { ArrivalExpectation } from './delivery-schema.js';
import type { DeliveryCode, Judged, Listed } from './delivery-evaluation.js';
import type { StoredEvent } from './partner-events.js';
import { localClock } from './delivery-schedule.js';
import { globToRegExp } from './folder-listing.js';

export type WhyCause = 'our_side' | 'partner_login_failed' | 'wrong_folder' | 'incomplete_upload' | 'not_sent' | 'unknown';

export interface Why {
  cause: WhyCause;
  text: string;
}

export interface Evidence {
  exp: ArrivalExpectation;
  target: string;
  code: DeliveryCode;
  judged: Judged;
  listed: Listed;
  due: number;
  /** From the start of the occurrence's window to now. */
  since: number;
  now: number;
  history: HistoryEntry[];
  events: StoredEvent[];
  /** When the target's logs last came in at all. */
  lastIngestAt?: number;
}

/** Failed checks this close before the due time still count as "our side" (the partner's try may have met them). */
const OUTAGE_LOOKBACK_MS = 2 * 3_600_000;
const OUR_SIDE_CLASSES = new Set(['unreachable', 'capacity', 'tls', 'reset']);
/** Logs older than this do not say anything about today. */
const LOGS_FRESH_MS = 24 * 3_600_000;

export function explainMissing(ev: Evidence): Why {
  const { exp, listed, now } = ev;
  const zone = exp.timezone;
  const at = (t: number) => localClock(t, zone);
  if (!listed.ok && listed.failure) {
    return { cause: 'our_side', text: `our side: ftpops could not list ${exp.path} at ${at(listed.at)} (${listed.failure.code} at ${listed.failure.stage}: ${listed.failure.detail}); the server was down or unreachable around the due time` };
  }
  const outage = ev.history.filter((h) => {
    const t = Date.parse(h.at);
    return !h.ok && t >= Math.max(ev.since, ev.due - OUTAGE_LOOKBACK_MS) && t <= now && h.code !== null && OUR_SIDE_CLASSES.has(CLASS_OF_FINDING[h.code] ?? '');
  });
  if (outage.length) {
    const first = Date.parse(outage[outage.length - 1]!.at);
    const last = Date.parse(outage[0]!.at);
    return { cause: 'our_side', text: `our side: ${outage.length} check${outage.length > 1 ? 's' : ''} of ${ev.target} failed between ${at(first)} and ${at(last)} (${outage[0]!.code}); the partner may have found the server down` };
  }

  const logsKnown = ev.lastIngestAt !== undefined && now - ev.lastIngestAt <= LOGS_FRESH_MS;
  if (!logsKnown) {
    return { cause: 'unknown', text: `unknown: only the listing is known (no server logs of ${ev.target} came in). Connect them to know whether the partner tried: targets.${ev.target}.ingest (the FTP log with its xferlog, or sshd's log with sftp-server -l INFO)` };
  }
  const user = exp.partnerUser;
  if (!user) {
    return { cause: 'unknown', text: `unknown: the server's logs are connected, but this delivery names no partnerUser, so the partner's logins cannot be told from others'` };
  }
  const mine = ev.events.filter((e) => e.user === user);
  const transfers = mine.filter((e) => (e.kind === 'transfer_ok' || e.kind === 'transfer_failed') && uploadOf(e));
  const stray = transfers.map((e) => ({ e, up: uploadOf(e)! })).filter(({ up }) => !sameFolder(up.path, exp.path) || !(globToRegExp(exp.match)?.test(posix.basename(up.path)) ?? false));
  const broken = transfers.map((e) => ({ e, up: uploadOf(e)! })).filter(({ e, up }) => sameFolder(up.path, exp.path) && (e.kind === 'transfer_failed' || up.bytes === 0 || (up.bytes !== undefined && up.bytes < exp.minSize)));

  if (ev.code === 'delivery.incomplete' || broken.length) {
    const b = broken[broken.length - 1];
    const s = ev.judged.short[0];
    const what = b ? `${user}'s upload of ${b.up.path} at ${at(b.e.time)} ${b.e.kind === 'transfer_failed' ? 'was aborted' : `left ${b.up.bytes ?? '?'} bytes`}` : s ? `${s.name} is ${s.size} bytes` : 'a matching file is not complete';
    return { cause: 'incomplete_upload', text: `incomplete upload: ${what}; the partner must send it again (a zero-byte or partial file is not a delivery)` };
  }
  if (stray.length) {
    const s = stray[stray.length - 1]!;
    const folder = posix.dirname(s.up.path);
    const where = sameFolder(s.up.path, exp.path) ? `as ${posix.basename(s.up.path)}, which does not match ${exp.match}` : `to ${folder} instead of ${exp.path}`;
    return { cause: 'wrong_folder', text: `wrong folder: ${user} uploaded ${s.up.path} at ${at(s.e.time)} — ${where}` };
  }
  const failed = mine.filter((e) => e.kind === 'login_failed');
  const ok = mine.filter((e) => e.kind === 'login_ok');
  if (failed.length && (!ok.length || ok[ok.length - 1]!.time < failed[failed.length - 1]!.time)) {
    const last = failed[failed.length - 1]!;
    return { cause: 'partner_login_failed', text: `their credentials or our account: ${failed.length} failed login${failed.length > 1 ? 's' : ''} as ${user} (last at ${at(last.time)}${last.source ? ` from ${last.source}` : ''})${ok.length ? '' : ', none succeeded'}` };
  }
  if (ok.length) {
    return { cause: 'not_sent', text: `they did not send: ${user} logged in at ${at(ok[ok.length - 1]!.time)} but uploaded nothing` };
  }
  return { cause: 'not_sent', text: `they did not send: no connection from ${user} since ${at(ev.since)} (the server's logs are connected: ${ev.events.length} event${ev.events.length === 1 ? '' : 's'} of others in that time)` };
}

interface Upload {
  path: string;
  bytes?: number;
}

/**
 * The path (and size) of an upload event: the xferlog line ("xferlog /in/acme/x.csv (123 bytes)",
 * both vsftpd and ProFTPD) or vsftpd's own log ("upload /in/acme/x.csv"). Downloads are not deliveries.
 */
export function uploadOf(e: StoredEvent): Upload | undefined {
  const d = e.detail ?? '';
  let m = /^xferlog (.+) \((\d+) bytes\)$/.exec(d);
  if (m) return { path: m[1]!, bytes: Number(m[2]) };
  m = /^(?:upload|sftp-write) (\/.*?)(?: \((\d+) bytes\))?$/.exec(d);
  if (m) return m[2] !== undefined ? { path: m[1]!, bytes: Number(m[2]) } : { path: m[1]! };
  return undefined;
}

/** The folder of an uploaded path is the expected one (the log may show it below a chroot). */
function sameFolder(path: string, folder: string): boolean {
  const dir = posix.dirname(posix.normalize(path));
  const want = posix.normalize(folder).replace(/\/+$/, '') || '/';
  return dir === want || dir.endsWith(want === '/' ? '\u0000' : want) && dir.charAt(dir.length - want.length - 1) === '/';
}
