// One check, start to end: resolve → connect → protocol stages → report. Never throws for a
// failing server: the first failing stage becomes the report's finding.
import type { Socket } from 'node:net';
import type { KnowledgeBase } from '../knowledge/knowledge-base.js';
import { type FailureSignal, type ProbeFacts, type ProbeReport, type ProbeRequest, STAGE_NAMES, type StageListener } from './probe.js';
import { StageFailure, StageRunner } from './run-stage.js';
import { connectTcp, type HostLookup, type Resolved, resolveHost } from './net-stages.js';
import type { ProbeContext } from './probe-context.js';
import { collectWarnings } from './warnings.js';
import { textCleaner } from './server-text.js';
import { redactor } from '../secrets/redact.js';
import { displayUrl } from './target-url.js';

export interface ProbeEngineOptions {
  /** How host names become addresses; default dns.promises.lookup (see resolveHost). Tests inject their own. */
  lookup?: HostLookup;
}

export class ProbeEngine {
  private readonly lookup: HostLookup | undefined;

  constructor(private readonly knowledge: KnowledgeBase, options: ProbeEngineOptions = {}) {
    this.lookup = options.lookup;
  }

  async run(req: ProbeRequest, onStage?: StageListener): Promise<ProbeReport> {
    const startedAt = new Date();
    const started = performance.now();
    const sockets = new Set<Socket>();
    // Newest first: a TLS socket before the TCP socket under it. Tearing the TCP socket out from
    // under a live TLS 1.3 session crashed Node 20 (SIGSEGV) when both ends share the process.
    const destroyAll = () => {
      for (const s of [...sockets].reverse()) s.destroy();
    };
    // Knows the request's secrets, so that no kept (and cut) server text holds one.
    const clean = textCleaner(redactor([req.password, req.passphrase], req.user));
    const runner = new StageRunner({
      family: req.protocol === 'sftp' ? 'sftp' : 'ftp',
      clean,
      stageTimeouts: req.stageTimeouts,
      timeoutMs: req.timeoutMs,
      onStage,
      onAbort: destroyAll,
    });
    const facts: ProbeFacts = { host: req.host, port: req.port };
    let failure: FailureSignal | undefined;
    try {
      // The name is looked up here and only here: everything after uses resolved.address.
      const resolved = await runner.run('resolve', () => resolveChecked(req, this.lookup), (r) =>
        r.addresses.length > 1 ? `${r.address} (of ${r.addresses.join(', ')})` : r.address);
      facts.addresses = resolved.addresses;
      facts.address = resolved.address;
      const ctx: ProbeContext = { req, runner, facts, address: resolved.address, clean, track: (s) => sockets.add(s) };
      const socket = await runner.run('connect', () => connectTcp(ctx.address, req.port, ctx.track), () =>
        `${ctx.address.includes(':') ? `[${ctx.address}]` : ctx.address}:${req.port}`);
      // Each protocol's client library is loaded by its first check: an FTP check from the
      // command line does not pay for ssh2, nor an SFTP one for basic-ftp.
      if (req.protocol === 'sftp') await (await import('./sftp/sftp-probe.js')).runSftpProbe(ctx, socket);
      else await (await import('./ftp/ftp-probe.js')).runFtpProbe(ctx, socket);
    } catch (err) {
      failure = err instanceof StageFailure
        ? err.signal
        : { source: 'check', key: 'unexpected', stage: runner.stages.at(-1)?.name ?? 'resolve', message: clean(String(err)) };
    } finally {
      destroyAll();
    }
    // Show the stages that were never reached, so a timeline always has all of them.
    for (const name of STAGE_NAMES) {
      if (!runner.stages.some((s) => s.name === name)) runner.skip(name, 'not reached');
    }
    const finding = failure ? this.knowledge.findingFor(failure) : null;
    return {
      target: req.target,
      url: displayUrl(req),
      protocol: req.protocol,
      ok: finding === null,
      startedAt: startedAt.toISOString(),
      durationMs: Math.round(performance.now() - started),
      stages: runner.stages,
      finding,
      warnings: collectWarnings(this.knowledge, req, facts, runner.stages),
      facts,
    };
  }
}

/** Resolve, then hold the address to the request's policy: the connection goes to this address only. */
async function resolveChecked(req: ProbeRequest, lookup: HostLookup | undefined): Promise<Resolved> {
  const resolved = await resolveHost(req.host, lookup);
  const refusal = req.refuseAddress?.(resolved.address, req.host);
  // Picked up by the one error normaliser as errno EFTPOPSDENIED → check.address_denied.
  if (refusal) throw Object.assign(new Error(refusal), { code: 'EFTPOPSDENIED' });
  return resolved;
}

