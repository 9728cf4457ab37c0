// basic-ftp's FileInfo → the facts a delivery needs. MLSD gives modify time to the second
// (RFC 3659 §7, in UTC); a LIST line gives "Dec 02 05:53" (this year, to the minute) or
// "Dec 02  2025" (an older file, to the day), in the server's zone: vsftpd writes UTC unless
// use_localtime=YES, so UTC is assumed.
import type { FileInfo } from 'basic-ftp';
import type { ListedEntry } from '../probe.js';

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const RECENT = /^([A-Za-z]{3}) {1,2}(\d{1,2}) {1,2}(\d{1,2}):(\d\d)$/;
const OLDER = /^([A-Za-z]{3}) {1,2}(\d{1,2}) {1,2}(\d{4})$/;

export function listedEntry(info: FileInfo, now = Date.now()): ListedEntry {
  const modifiedAt = info.modifiedAt?.getTime() ?? listTime(info.rawModifiedAt, now);
  return { name: info.name, size: info.size, isFile: info.isFile, ...(modifiedAt !== undefined && Number.isFinite(modifiedAt) ? { modifiedAt } : {}) };
}

/** A LIST date → ms; a "recent" date without a year is in the last twelve months (ls's rule). */
export function listTime(raw: string, now: number): number | undefined {
  const text = raw.trim();
  let m = RECENT.exec(text);
  if (m) {
    const month = MONTHS.indexOf(m[1]!.toLowerCase());
    if (month < 0) return undefined;
    const year = new Date(now).getUTCFullYear();
    const t = Date.UTC(year, month, Number(m[2]), Number(m[3]), Number(m[4]));
    // More than a day ahead of now: the file is from last year (clock skew allowed for).
    return t > now + 86_400_000 ? Date.UTC(year - 1, month, Number(m[2]), Number(m[3]), Number(m[4])) : t;
  }
  m = OLDER.exec(text);
  if (m) {
    const month = MONTHS.indexOf(m[1]!.toLowerCase());
    return month < 0 ? undefined : Date.UTC(Number(m[3]), month, Number(m[2]));
  }
  return undefined;
}
