// The chat-neutral message model: what the bot says, before any platform decides how it looks.
// Builders are pure; each platform renderer (slack/, discord/, console/) turns a ChatMessage into
// its own wire shape and owns that platform's limits and escaping. Text here is raw, unescaped.
import type { AlertOrigin } from '../alerts/incidents.js';
import type { ExplanationDetail } from '../knowledge/explain/explain-text.js';
import type { FindingDefinition } from '../knowledge/knowledge-base.js';
import type { Finding, ProbeReport, Protocol, StageName, StageResult, StageStatus } from '../probes/probe.js';
import type { RunbookActionType } from '../runbooks/runbook-session.js';
import type { Rich } from './rich.js';

/** The chats ftpops speaks in; each has an adapter that renders the messages below. */
export type ChatPlatform = 'slack' | 'discord' | 'console';

export const STAGE_MARK: Record<StageStatus, string> = { ok: '✓', failed: '✗', skipped: '·' };

export interface StageLine {
  name: StageName;
  status: StageStatus;
  /** ✓ ok, ✗ failed, · skipped */
  mark: string;
  /** Absent for skipped stages, as in the terminal timeline. */
  durationMs?: number;
  /** Human one-liner; may carry server-provided text. */
  detail?: string;
}

export interface FindingView {
  code: string;
  severity: Finding['severity'];
  title: string;
  layer: Finding['layer'];
  stage: StageName;
  detail?: string;
  /** What the server itself said, code first: "530 Login incorrect.". */
  reply?: string;
  causes: string[];
  nextSteps: string[];
  runbook: string;
}

export interface Fact {
  /** Stable key a renderer can pick on: 'server', 'tls', 'certificate', 'host-key', ... */
  key: string;
  label: string;
  value: string;
}

export type ChatAction =
  /** Re-check (a summary), or with a label "Check prod-sftp now" (an explanation naming the target's host). */
  | { kind: 'recheck'; target: string; label?: string }
  | { kind: 'open-runbook'; runbook: string; code: string; target: string }
  | { kind: 'acknowledge'; alert: string }
  | { kind: 'mute'; target: string; minutes: number }
  /** A button on a runbook step; `version` makes a stale or double click harmless. */
  | { kind: 'runbook-step'; session: string; version: number; action: RunbookActionType; label: string; primary?: boolean }
  /** A decision on a changed server identity (src/identity/): Accept (admins) or Treat as suspicious. */
  | { kind: 'identity-decision'; decision: 'accept' | 'suspicious'; change: string; target: string; label: string };

export interface ProgressMessage {
  kind: 'progress';
  target: string;
  url: string;
  /** "checking prod-sftp…" */
  headline: string;
  /** Stages finished so far, in order. */
  stages: StageLine[];
}

export interface SummaryMessage {
  kind: 'summary';
  target: string;
  url: string;
  protocol: Protocol;
  ok: boolean;
  /** "✓ prod-sftp is healthy" / "✗ prod-ftp failed at login: auth.failed" */
  headline: string;
  startedAt: string;
  durationMs: number;
  stages: StageLine[];
  finding: FindingView | null;
  warnings: FindingView[];
  facts: Fact[];
  actions: ChatAction[];
}

export interface ErrorMessage {
  kind: 'error';
  /** One line: "cannot queue the check: Redis unreachable at redis://…". */
  text: string;
}

export interface HelpCommand {
  usage: string;
  description: string;
}

export interface HelpMessage {
  kind: 'help';
  commands: HelpCommand[];
}

/** The root message of an incident: its current state, edited in place as it changes. */
export interface AlertMessage {
  kind: 'alert';
  target: string;
  /** auth, capacity, reset, unreachable, tls */
  alertClass: string;
  /** Where the evidence comes from: scheduled checks or server logs. */
  origin: AlertOrigin;
  status: 'firing' | 'resolved';
  severity: 'warning' | 'critical';
  /** "530 Login incorrect. — 3 checks in a row", counts, top sources. */
  detail: string;
  firstSeenAt: string;
  durationMs?: number;
  runbook: string;
  /** Who acknowledged it (a chat user id), if anyone. */
  ackedBy?: string;
  actions: ChatAction[];
}

/** A reply in the incident's thread: escalation, easing, still firing, resolved. */
export interface AlertUpdateMessage {
  kind: 'alert-update';
  text: string;
}

/** One runbook step, edited in place as it changes; earlier steps stay as closed records. */
export interface RunbookStepMessage {
  kind: 'runbook-step';
  runbookTitle: string;
  target: string;
  /** Position along the walk: "step 3". */
  position: number;
  stepKind: 'instruction' | 'check' | 'decision' | 'verify';
  title: string;
  text: string;
  /** Copyable commands, the target's host, port and user filled in. */
  commands: string[];
  /** What the bot will do or is doing, the last check result, who did what: one line each. */
  notes: Rich[];
  /** An earlier step: a record of what was done, without buttons. */
  closed: boolean;
  actions: ChatAction[];
}

/** The head of a runbook's thread when no incident thread exists for it. */
export interface RunbookStartMessage {
  kind: 'runbook-start';
  runbookTitle: string;
  target: string;
  summary: string;
  /** Chat user id of who started it. */
  by: string;
}

/** The end of a runbook: its timeline, as Markdown to paste into a postmortem. */
export interface RunbookTimelineMessage {
  kind: 'runbook-timeline';
  title: string;
  markdown: string;
}

/** A short answer of ours: a refusal, a confirmation, an explanation, the list of targets. */
export interface NoticeMessage {
  kind: 'notice';
  text: Rich;
}

/** One finding an explanation offers, with what in the pasted text pointed there. */
export interface ExplainedView {
  code: string;
  title: string;
  /** Quotes the pasted text: raw, never markup. */
  why: string;
  /** Its share of the evidence, 0…1. */
  confidence: number;
}

/** /ftp explain: the likeliest finding for pasted text first, then the alternatives. */
export interface ExplanationMessage {
  kind: 'explanation';
  best: ExplainedView & Pick<FindingDefinition, 'severity' | 'layer' | 'causes' | 'nextSteps' | 'runbook'>;
  alternatives: ExplainedView[];
  /** The client that wrote the text, when recognised: "FileZilla", "OpenSSH". */
  client?: string;
  /** The line of a pasted log the answer rests on, as pasted: raw, never markup. */
  decisive?: string;
  /** "Check <target> now", for targets of this channel whose host the text names. */
  actions: ChatAction[];
}

/** /ftp status: the words, and for one target a chart. */
export interface StatusMessage {
  kind: 'status';
  text: Rich;
  chart?: ChartImage;
}

/** /ftp report: a target's availability, incidents and timings over a period, with a chart. */
export interface ReportMessage {
  kind: 'report';
  text: Rich;
  chart?: ChartImage;
}

export interface ChartImage {
  png: Buffer;
  filename: string;
  title: string;
}

/** A changed host key or certificate, posted in the target's alert channel: its thread holds the decision. */
export interface IdentityChangeMessage {
  kind: 'identity-change';
  target: string;
  /** "🔑 Host key changed — prod-sftp" */
  title: string;
  /** Old and new, when first seen, key type, the other keys: one line each. */
  text: Rich;
  actions: ChatAction[];
}

export type ChatMessage =
  | IdentityChangeMessage
  | ProgressMessage
  | SummaryMessage
  | ErrorMessage
  | HelpMessage
  | NoticeMessage
  | ExplanationMessage
  | StatusMessage
  | ReportMessage
  | AlertMessage
  | AlertUpdateMessage
  | RunbookStartMessage
  | RunbookStepMessage
  | RunbookTimelineMessage;

/** The chart a message carries (status, report), for the renderers that attach it. */
export function chartOf(message: ChatMessage | undefined): ChartImage | undefined {
  return message?.kind === 'status' || message?.kind === 'report' ? message.chart : undefined;
}

/** Where an incident's evaluations come from, in words (the footer of an alert). */
export function originLabel(origin: AlertOrigin): string {
  if (origin === 'check') return 'from scheduled checks';
  if (origin === 'logs') return 'from server logs';
  return `expected delivery ${origin.slice('delivery:'.length)}`;
}

export function notice(text: Rich): NoticeMessage {
  return { kind: 'notice', text };
}

/** An explanation (src/knowledge/explain/) as a message; undefined when nothing was recognised. */
export function explanationMessage(e: ExplanationDetail, definition: (code: string) => FindingDefinition | undefined, targets: readonly string[] = []): ExplanationMessage | undefined {
  const [first, ...rest] = e.candidates;
  const def = first && definition(first.code);
  if (!first || !def) return undefined;
  return {
    kind: 'explanation',
    best: { ...first, severity: def.severity, layer: def.layer, causes: [...def.causes], nextSteps: [...def.nextSteps], runbook: def.runbook },
    alternatives: rest.map((c) => ({ ...c })),
    ...(e.client ? { client: e.client } : {}),
    ...(e.decisive ? { decisive: e.decisive } : {}),
    actions: targets.map((target) => ({ kind: 'recheck', target, label: `Check ${target} now` })),
  };
}

export function stageLine(stage: StageResult): StageLine {
  return {
    name: stage.name,
    status: stage.status,
    mark: STAGE_MARK[stage.status],
    ...(stage.status === 'skipped' ? {} : { durationMs: stage.durationMs }),
    ...(stage.detail ? { detail: stage.detail } : {}),
  };
}

export function progressMessage(target: string, url: string, stages: readonly StageResult[]): ProgressMessage {
  return { kind: 'progress', target, url, headline: `checking ${target}…`, stages: stages.map(stageLine) };
}

export function summaryMessage(report: ProbeReport): SummaryMessage {
  const f = report.finding;
  const headline = f
    ? `✗ ${report.target} failed at ${f.stage}: ${f.code}`
    : `✓ ${report.target} is healthy${report.warnings.length ? ` (${report.warnings.length} warning${report.warnings.length > 1 ? 's' : ''})` : ''}`;
  // One runbook button: the failure's, or when healthy the first warning's (an expiring
  // certificate has a runbook worth opening). Action ids must stay unique per message.
  const runbookOf = f ?? report.warnings[0];
  const actions: ChatAction[] = [{ kind: 'recheck', target: report.target }];
  if (runbookOf) actions.push({ kind: 'open-runbook', runbook: runbookOf.runbook, code: runbookOf.code, target: report.target });
  return {
    kind: 'summary',
    target: report.target,
    url: report.url,
    protocol: report.protocol,
    ok: report.ok,
    headline,
    startedAt: report.startedAt,
    durationMs: report.durationMs,
    stages: report.stages.map(stageLine),
    finding: f ? findingView(f) : null,
    warnings: report.warnings.map(findingView),
    facts: factsOf(report),
    actions,
  };
}

export function errorMessage(text: string): ErrorMessage {
  const line = text.replace(/\s+/g, ' ').trim();
  return { kind: 'error', text: line || 'unknown error' };
}

export function helpMessage(commands: readonly HelpCommand[]): HelpMessage {
  return { kind: 'help', commands: commands.map((c) => ({ ...c })) };
}

export function findingView(f: Finding): FindingView {
  return {
    code: f.code,
    severity: f.severity,
    title: f.title,
    layer: f.layer,
    stage: f.stage,
    ...(f.detail ? { detail: f.detail } : {}),
    ...(f.reply ? { reply: f.reply.code !== undefined ? `${f.reply.code} ${f.reply.text}` : f.reply.text } : {}),
    causes: [...f.causes],
    nextSteps: [...f.nextSteps],
    runbook: f.runbook,
  };
}

/** The facts worth seeing in chat, in the order people scan them; empty values are left out. */
export function factsOf(report: ProbeReport): Fact[] {
  const f = report.facts;
  const tls = f.tls;
  const ssh = f.ssh;
  const rows: Array<[string, string, string | undefined]> = [
    ['server', 'server', f.software],
    ['tls', 'TLS', tls?.version ? `${tls.version} ${tls.cipher ?? ''}`.trim() : undefined],
    ['certificate', 'certificate', certificate(tls)],
    ['host-key', 'host key', ssh?.hostKeyFingerprint ? `${ssh.hostKeyAlgorithm ? `${ssh.hostKeyAlgorithm} ` : ''}${ssh.hostKeyFingerprint}` : undefined],
    ['ssh', 'SSH', ssh?.identification],
    ['address', 'address', f.address && f.addresses && f.addresses.length > 1 ? `${f.address} (resolved: ${f.addresses.join(', ')})` : f.address],
    ['directory', 'directory', f.cwd !== undefined ? `${f.cwd} (${f.entries ?? 0} entries)` : undefined],
  ];
  return rows.filter((r): r is [string, string, string] => Boolean(r[2])).map(([key, label, value]) => ({ key, label, value }));
}

function certificate(tls: ProbeReport['facts']['tls']): string | undefined {
  if (!tls || (tls.daysLeft === undefined && !tls.subject)) return undefined;
  const parts: string[] = [];
  if (tls.daysLeft !== undefined) {
    const days = tls.daysLeft < 0 ? `expired ${-tls.daysLeft} days ago` : `${tls.daysLeft} days left`;
    parts.push(tls.validTo ? `expires ${tls.validTo.slice(0, 10)} (${days})` : days);
  }
  if (tls.subject) parts.push(tls.subject);
  return parts.join('; ');
}
