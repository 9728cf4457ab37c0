// One listing of a delivery folder through the probe engine: the whole check (resolve, connect,
// greet, TLS, login) with the list stage pointed at the folder, timed like any check, so a
// failure is a finding with its stage. Of the entries only the matching files are kept, and of
// those only name, size and modify time: a folder of 10,000 files costs the matches, not the folder.
import type { ProbeEngine } from '../probes/probe-engine.js';
import type { ListedEntry, ProbeReport, ProbeRequest } from '../probes/probe.js';

export interface KeptFile {
  name: string;
  size: number;
  modifiedAt?: number;
}

export interface FolderListing {
  report: ProbeReport;
  /** The matching regular files (empty when the check failed before or at the list stage). */
  files: KeptFile[];
  /** Entries in the folder, matching or not (what the list stage counted). */
  entries: number;
}

/** A file-name glob (* ? [abc] [!abc]) → an anchored RegExp; undefined when malformed. */
export function globToRegExp(glob: string): RegExp | undefined {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) return undefined;
      let body = glob.slice(i + 1, end);
      if (body.startsWith('!')) body = `^${body.slice(1)}`;
      out += `[${body.replace(/[\\\]]/g, '\\$&')}]`;
      i = end;
    } else out += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  try {
    return new RegExp(`^${out}$`);
  } catch {
    return undefined;
  }
}

export async function listFolder(engine: Pick<ProbeEngine, 'run'>, base: ProbeRequest, path: string, match: string): Promise<FolderListing> {
  const pattern = globToRegExp(match) ?? /^$/;
  const files: KeptFile[] = [];
  // The entry is kept as the probe made it (a ListedEntry is a KeptFile): no second object per match.
  const keep = (e: ListedEntry) => {
    if (e.isFile) files.push(e);
  };
  // A listing only: never the write round trip, whatever the target's own checks do.
  const report = await engine.run({ ...base, path, write: false, listing: { wants: (name) => pattern.test(name), keep } });
  return { report, files: report.ok ? files : [], entries: report.facts.entries ?? 0 };
}
