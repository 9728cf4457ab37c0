// What one line says: the client patterns it matches, the FTP reply in it, the errno or TLS
// error names in it. Replies and error names go through the probe's own signal rules
// (signals.yaml), so a pasted "530 …" means what a 530 means in a check; ranking.yaml says
// which of a key's findings is likelier when nothing else tells them apart.
import type { StageName } from '../../probes/probe.js';
import type { KnowledgeBase, SignalRule } from '../knowledge-base.js';
import type { ExplainCatalog, Family, Likelihood } from './catalog.js';
import type { TextLine } from './read-text.js';

/** One piece of evidence: the findings it points to (shares summing to 1) and how much it counts. */
export interface Evidence {
  line: TextLine;
  weight: number;
  shares: Array<{ code: string; share: number; why: string }>;
  /** The words it rests on, quoted in the answer. */
  quote: string;
  family?: Family;
}

export interface ReplyInText {
  code: number;
  text: string;
}

/** A reply a client quotes: "530 Login incorrect." at the start, or after ": ", "(" as .NET and curl write it. */
const REPLY_START = /^([1-5]\d\d)(?:[ -]+(.*))?$/u;
const REPLY_QUOTED = /(?:[:：]\s*\(?|\s\()([45]\d\d)(?:\)\s*|\s+|$)(.*)$/u;
/** ECONNRESET, CERT_HAS_EXPIRED, SSH_FX_NO_SUCH_FILE: names the signal rules may key on. */
const KEY_TOKEN = /\b[A-Z][A-Z0-9_]{2,}\b/gu;
/** A reply quoted beside a pattern that already read the line counts for less. */
const SECOND_OPINION = 0.35;
/** A rule's condition (its text or stage) seen true: the rule says what this is. */
const CONFIRMED = 300;

export function replyIn(line: Pick<TextLine, 'body' | 'kind'>): ReplyInText | undefined {
  const m = REPLY_START.exec(line.body) ?? (line.kind === 'command' ? null : REPLY_QUOTED.exec(line.body));
  if (!m) return undefined;
  return { code: Number(m[1]), text: (m[2] ?? '').trim() };
}

/** Everything one line says. */
export function evidenceOf(line: TextLine, kb: KnowledgeBase, catalog: ExplainCatalog): Evidence[] {
  if (line.kind === 'command') return [];
  const found: Evidence[] = [];
  const reply = replyIn(line);
  // A reply a client quotes ("FTPError: 530 …") is read as the server wrote it, too.
  const quoted = reply && !REPLY_START.test(line.body) ? `${reply.code} ${reply.text}`.trim() : undefined;
  for (const family of catalog.families) {
    for (const p of family.patterns) {
      if (!p.causes.length || !(p.regex.test(line.body) || (quoted !== undefined && p.regex.test(quoted)))) continue;
      const ranked = (line.stage && p.atStage[line.stage]) || p.causes;
      found.push({ line, family, weight: line.weight * p.strength, quote: line.body, shares: shares(ranked, p.why) });
    }
  }
  // A reply or error name counts less beside a pattern that read the same line, unless the
  // lines before it confirm one of its rules (a 530 that answers AUTH TLS).
  const second = (ranked: Likelihood[]) => (found.length && !ranked.some((r) => r.likelihood === CONFIRMED) ? SECOND_OPINION : 1);
  if (reply && reply.code >= 400) {
    const ranked = keyLikelihoods(kb, catalog, String(reply.code), 'ftp-reply', reply.text, line.stage);
    if (ranked.length) found.push({ line, weight: line.weight * second(ranked), quote: `${reply.code} ${reply.text}`.trim(), shares: shares(ranked, '') });
  }
  for (const token of new Set(line.body.match(KEY_TOKEN) ?? [])) {
    const ranked = keyLikelihoods(kb, catalog, token, 'named', undefined, line.stage);
    if (ranked.length) found.push({ line, weight: line.weight * second(ranked), quote: token, shares: shares(ranked, '') });
  }
  return found;
}

/**
 * The findings a key can lead to by the signal rules, with their likelihood: a rule whose
 * condition (reply text, stage) is seen true decides; one whose condition is seen false drops
 * out; the rest are ranked by ranking.yaml (or, not ranked there, by being specific).
 */
export function keyLikelihoods(kb: KnowledgeBase, catalog: ExplainCatalog, key: string, kind: 'ftp-reply' | 'named', text: string | undefined, stage: StageName | undefined): Likelihood[] {
  const ranking = catalog.keys.get(key) ?? [];
  const out = new Map<string, Likelihood>();
  for (const rule of kb.rulesForKey(key)) {
    if (kind === 'ftp-reply' ? rule.source !== 'ftp-reply' : rule.source === 'ftp-reply' || !namesExactly(rule, key)) continue;
    const textSays = rule.text && text ? ruleText(rule).test(text) : undefined;
    const stageSays = rule.stage && stage ? rule.stage.includes(stage) : undefined;
    if (textSays === false || stageSays === false) continue;
    const ranked = ranking.find((r) => r.code === rule.code);
    const exact = rule.key?.includes(key) ?? false;
    // A rule that also needs what the probe itself found out (was the folder in its parent's
    // listing?) is never confirmed by pasted text: it only ranks.
    const confirmed = (textSays || stageSays) && !rule.evidence;
    const likelihood = confirmed ? CONFIRMED : (ranked?.likelihood ?? (exact ? 5 : 1));
    const why = ranked?.why ?? defaultWhy(kb, key, rule);
    const before = out.get(rule.code);
    if (!before || before.likelihood < likelihood) out.set(rule.code, { code: rule.code, likelihood, why });
  }
  return [...out.values()];
}

function shares(ranked: Likelihood[], why: string): Evidence['shares'] {
  const total = ranked.reduce((sum, r) => sum + r.likelihood, 0);
  return ranked.map((r) => ({ code: r.code, share: r.likelihood / total, why: r.why ?? why }));
}

/** Tokens in text match a rule key as written (ECONNRESET, not "protocol" in a sentence). */
function namesExactly(rule: SignalRule, token: string): boolean {
  return (rule.key ?? []).some((k) => k === token || (k.endsWith('*') && /^[A-Z]/.test(k) && token.startsWith(k.slice(0, -1))));
}

const ruleTexts = new Map<string, RegExp>();
function ruleText(rule: SignalRule): RegExp {
  let regex = ruleTexts.get(rule.text!);
  if (!regex) ruleTexts.set(rule.text!, (regex = new RegExp(rule.text!, 'i')));
  return regex;
}

function defaultWhy(kb: KnowledgeBase, key: string, rule: SignalRule): string {
  const where = [rule.stage ? `at ${rule.stage.join('/')}` : '', rule.text ? `when the text matches /${rule.text}/` : ''].filter(Boolean).join(', ');
  return `ftpops reports ${key} as ${rule.code}${where ? ` ${where}` : ''}: ${kb.definition(rule.code)?.title ?? ''}`.trim();
}
