// ftpops targets: the configured targets, with how each one authenticates (never the secret).
import { defaultConfigPath, loadTargetsFile } from '../config/targets-file.js';
import { ConfigError } from '../config/config-error.js';
import { parseTargetUrl, displayUrl } from '../probes/target-url.js';
import type { CliIo } from './cli-io.js';

export function targetsCommand(flags: { json?: boolean }, io: CliIo): number {
  const path = defaultConfigPath(io.env);
  const file = loadTargetsFile(path, Boolean(io.env.FTPOPS_CONFIG));
  if (file.targets.size === 0) {
    throw new ConfigError(`no targets configured in ${path} (see README: Targets file)`);
  }
  const rows = [...file.targets.values()].map((t) => {
    const url = parseTargetUrl(t.url);
    const auth = [
      t.passwordEnv ? `password from $${t.passwordEnv}` : undefined,
      t.passwordFile ? `password from ${t.passwordFile}` : undefined,
      t.privateKeyFile ? `key ${t.privateKeyFile}` : undefined,
    ].filter(Boolean).join(', ') || (url.user ? 'no secret configured' : 'anonymous');
    const options = [t.write ? 'write check' : undefined, t.hostKey === 'any' ? 'host key not checked (hostKey: any)' : t.hostKey ? 'host key pinned' : t.knownHosts ? `host key from ${t.knownHosts}` : undefined, t.pin ? `certificate ${t.pin} pinned` : undefined, t.insecure ? 'insecure TLS' : undefined, t.ca ? `CA ${t.ca}` : undefined]
      .filter(Boolean).join(', ');
    return { name: t.name, url: displayUrl({ ...url }), auth, options, description: t.description };
  });
  if (flags.json) {
    io.out(JSON.stringify(rows, null, 2));
    return 0;
  }
  const width = Math.max(...rows.map((r) => r.name.length)) + 2;
  for (const r of rows) {
    io.out(`${r.name.padEnd(width)}${r.url}`);
    io.out(`${''.padEnd(width)}${r.auth}${r.options ? `; ${r.options}` : ''}${r.description ? ` — ${r.description}` : ''}`);
  }
  return 0;
}
