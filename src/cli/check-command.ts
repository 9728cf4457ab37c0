// ftpops check <url|target>: run one check, print it (live stages on a TTY), exit 0/1/2.
import { KnowledgeBase } from '../knowledge/knowledge-base.js';
import { ProbeEngine } from '../probes/probe-engine.js';
import type { ProbeRequest } from '../probes/probe.js';
import { type CheckOverrides, requestForTarget, requestForUrl } from '../config/probe-request.js';
import { ConfigError } from '../config/config-error.js';
import { redactText, redactValue } from '../secrets/redact.js';
import { headerLine, renderReport, stageLine } from './render-text.js';
import { displayUrl, isAdhocUrl, parseTargetUrl } from '../probes/target-url.js';
import type { CliIo } from './cli-io.js';

export interface CheckFlags extends Omit<CheckOverrides, 'password'> {
  json?: boolean;
  passwordStdin?: boolean;
}

export async function checkCommand(subject: string, flags: CheckFlags, io: CliIo): Promise<number> {
  const overrides: CheckOverrides = { ...flags };
  if (flags.passwordStdin) overrides.password = await io.readStdin();
  const req = await buildRequest(subject, overrides, io.env);
  const secrets = [req.password, req.passphrase];
  if (isAdhocUrl(subject) && parseTargetUrl(subject).password !== undefined) {
    io.err('ftpops: note: a password in the URL is visible to other users of this machine; prefer --password-stdin or --password-env');
  }
  const live = io.isTTY && !flags.json;
  if (live) io.out(headerLine({ target: req.target, url: displayUrl(req) }));
  const engine = new ProbeEngine(KnowledgeBase.load());
  // The engine masks secrets in server text as it keeps it; these are the last line of defence.
  const report = await engine.run(req, live ? (stage) => io.out(redactText(stageLine(stage), secrets, req.user)) : undefined);
  const safe = redactValue(report, secrets, req.user);
  io.out(flags.json ? JSON.stringify(safe, null, 2) : renderReport(safe, { stagesAlreadyShown: live }));
  return report.ok ? 0 : 1;
}

async function buildRequest(subject: string, overrides: CheckOverrides, env: NodeJS.ProcessEnv): Promise<ProbeRequest> {
  if (subject.includes('://')) return requestForUrl(subject, overrides, env);
  // The targets file (yaml, zod) is read only for a target's name: a URL check goes without.
  const { defaultConfigPath, loadTargetsFile } = await import('../config/targets-file.js');
  const configPath = defaultConfigPath(env);
  const file = loadTargetsFile(configPath, Boolean(env.FTPOPS_CONFIG));
  const target = file.targets.get(subject);
  if (!target) {
    const known = [...file.targets.keys()];
    throw new ConfigError(
      `unknown target '${subject.slice(0, 60)}'${known.length ? ` (known: ${known.join(', ')})` : ` (no targets in ${configPath}; give a URL like sftp://user@host)`}`,
    );
  }
  return requestForTarget(target, overrides, env);
}
