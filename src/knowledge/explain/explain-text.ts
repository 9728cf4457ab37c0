// Any pasted text → the likeliest finding first, then the alternatives, each with what in the
// text pointed there. Pure: the same text always gives the same answer. The words of
// `ftpops explain` and `/ftp explain` both come from here (../explain.ts, src/bot/commands.ts).
import type { KnowledgeBase } from '../knowledge-base.js';
import { catalogFor, type ExplainCatalog } from './catalog.js';
import { type Evidence, evidenceOf, keyLikelihoods, replyIn, type ReplyInText } from './evidence.js';
import { failing, normalise, readText, type TextLine } from './read-text.js';

export interface ExplainedCandidate {
  code: string;
  title: string;
  /** What in the text pointed here, and why that means this. */
  why: string;
  /** Its share of all the evidence, 0…1. */
  confidence: number;
}

/** The answer, as `ftpops explain --json` prints it. */
export interface Explanation {
  input: string;
  best: string | null;
  candidates: ExplainedCandidate[];
  /** The server's FTP reply the answer rests on, if the text has one. */
  reply: ReplyInText | null;
  client: string | null;
}

/** With what the words need beside the JSON: the line the answer rests on. */
export interface ExplanationDetail extends Explanation {
  /** The line of the text the best answer rests on, as pasted (absent for a bare code). */
  decisive: string | null;
}

const MAX_CANDIDATES = 5;
/** An alternative with less than this share of the evidence is noise, not a possibility. */
const MIN_CONFIDENCE = 0.03;
const QUOTE_MAX = 160;

export function explainText(input: string, kb: KnowledgeBase, catalog: ExplainCatalog = catalogFor(kb)): ExplanationDetail {
  const text = normalise(input);
  const bare = /^\S+$/.test(text) ? text : undefined;
  const definition = bare ? (kb.definition(bare) ?? kb.definition(bare.toLowerCase())) : undefined;
  if (definition) {
    const why = `${definition.code} is an ftpops finding code: ${definition.title}`;
    return { input: text, best: definition.code, candidates: [{ code: definition.code, title: definition.title, why, confidence: 1 }], reply: null, client: null, decisive: null };
  }
  // A bare errno in lower case ("econnreset") is the errno.
  const upper = bare && bare !== bare.toUpperCase() && keyLikelihoods(kb, catalog, bare.toUpperCase(), 'named', undefined, undefined).length ? bare.toUpperCase() : text;
  const lines = readText(upper, catalog);
  const evidence = lines.flatMap((line) => evidenceOf(line, kb, catalog));

  const scores = new Map<string, { score: number; top: { amount: number; ev: Evidence; why: string } }>();
  for (const ev of evidence) {
    for (const s of ev.shares) {
      const amount = ev.weight * s.share;
      const entry = scores.get(s.code) ?? { score: 0, top: { amount: -1, ev, why: s.why } };
      entry.score += amount;
      // On a tie the later line wins: in a log, the decisive line comes last.
      if (amount >= entry.top.amount) entry.top = { amount, ev, why: s.why };
      scores.set(s.code, entry);
    }
  }
  const total = [...scores.values()].reduce((sum, e) => sum + e.score, 0);
  const ranked = [...scores.entries()].sort((a, b) => b[1].score - a[1].score);
  const candidates = ranked
    .map(([code, e]) => ({ code, title: kb.definition(code)?.title ?? code, why: whyOf(e.top.ev, e.top.why), confidence: round(e.score / total) }))
    .filter((c, i) => i === 0 || c.confidence >= MIN_CONFIDENCE)
    .slice(0, MAX_CANDIDATES);
  const top = ranked[0]?.[1].top.ev;
  return {
    input: text,
    best: candidates[0]?.code ?? null,
    candidates,
    reply: replyOf(lines, top?.line),
    client: clientOf(lines, catalog, evidence, candidates[0]?.code),
    decisive: top && (lines.length > 1 || top.line.raw !== top.quote) ? clipped(top.line.raw) : null,
  };
}

/** The reply the answer rests on: on the decisive line, else the last failing reply. */
function replyOf(lines: TextLine[], decisive: TextLine | undefined): ReplyInText | null {
  const on = decisive ? replyIn(decisive) : undefined;
  if (on && on.code >= 400) return on;
  for (const line of [...lines].reverse()) {
    const reply = replyIn(line);
    if (reply && reply.code >= 400 && (failing(line) || line.kind === 'text')) return reply;
  }
  return null;
}

/** The client by its own way of writing (signatures), else by the patterns that decided. */
function clientOf(lines: TextLine[], catalog: ExplainCatalog, evidence: Evidence[], best: string | undefined): string | null {
  const hits = new Map<string, number>();
  for (const family of catalog.families) {
    for (const s of family.signatures) {
      const n = lines.filter((l) => s.regex.test(l.raw)).length;
      if (n) hits.set(s.client, (hits.get(s.client) ?? 0) + n);
    }
  }
  const signed = [...hits.entries()].sort((a, b) => b[1] - a[1])[0];
  if (signed) return signed[0];
  const deciding = evidence
    .filter((e) => e.family?.kind === 'client' && e.shares.some((s) => s.code === best))
    .sort((a, b) => b.weight - a.weight)[0];
  return deciding?.family?.name ?? null;
}

function whyOf(ev: Evidence, why: string): string {
  return `“${clipped(ev.quote, QUOTE_MAX)}”: ${why}`;
}

function clipped(text: string, max = 300): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

/** The one-line hint when nothing in the text is recognised; `where` says how to list the codes. */
export function nothingRecognised(input: string, where = " (run 'ftpops explain' for the codes)"): string {
  const word = input.trim();
  const looksLikeCode = /^[a-z_]+(?:\.[a-z_]+)+$/i.test(word);
  return looksLikeCode
    ? `'${printable(word)}' is not a finding code ftpops knows, nor an error it recognises${where}`
    : `nothing in that text is an FTP, FTPS or SFTP error ftpops recognises: paste the client's error line or its log from the connection to the last error${where}`;
}

function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.slice(0, 60).replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '?');
}
