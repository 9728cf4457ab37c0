// Text helpers every renderer shares: clipping to a platform's limit, splitting long text into
// pieces that each render on their own (``` fences closed and reopened at a cut), durations.
import type { AlertMessage, RunbookStepMessage } from '../bot/messages.js';

/** Cut to at most `max` characters ending in "…", never inside an &entity; or a surrogate pair. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  return text.slice(0, safeCut(text, max - 1)) + '…';
}

const FENCE = '```';

/**
 * Split text into pieces of at most `max` characters, on line ends where possible. A ``` fence
 * (on a line of its own) open at a cut is closed and reopened in the next piece.
 */
export function splitFenced(text: string, max: number): string[] {
  const chunks: string[] = [];
  let cur: string[] = [];
  let len = 0;
  let inFence = false;
  const flush = () => {
    // Don't end a piece on a bare opener: drop it, the next piece opens the fence anyway.
    const bareOpener = inFence && cur[cur.length - 1] === FENCE;
    if (bareOpener) cur.pop();
    if (cur.some((l) => l.trim() && l !== FENCE)) chunks.push([...cur, ...(inFence && !bareOpener ? [FENCE] : [])].join('\n'));
    cur = inFence ? [FENCE] : [];
    len = inFence ? FENCE.length : 0;
  };
  const push = (line: string, force = false) => {
    // Inside a fence keep room for the closing "\n```".
    const room = max - (inFence ? FENCE.length + 1 : 0);
    if (!force && len + (cur.length ? 1 : 0) + line.length > room) flush();
    len += (cur.length ? 1 : 0) + line.length;
    cur.push(line);
  };
  for (const line of text.split('\n')) {
    if (line === FENCE) {
      push(line, inFence); // a closing fence always fits in the room kept for it
      inFence = !inFence;
      continue;
    }
    for (const piece of splitLong(line, max - 16)) push(piece);
  }
  if (inFence) cur.push(FENCE);
  if (cur.some((l) => l.trim() && l !== FENCE)) chunks.push(cur.join('\n'));
  return chunks;
}

/** "12 ms", "10.4 s". */
export function formatMs(ms: number): string {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

/** "45 s", "12 min", "3.5 h". */
export function formatDuration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 1) return `${Math.max(1, Math.round(ms / 1000))} s`;
  return minutes < 120 ? `${minutes} min` : `${(minutes / 60).toFixed(1)} h`;
}

/** The head of an alert root: "🔴 CRITICAL", "🟠 WARNING", "✅ RESOLVED". */
export function alertMark(m: Pick<AlertMessage, 'status' | 'severity'>): string {
  return m.status === 'resolved' ? '✅ RESOLVED' : m.severity === 'critical' ? '🔴 CRITICAL' : '🟠 WARNING';
}

export const STEP_KIND_MARK: Record<RunbookStepMessage['stepKind'], string> = { instruction: '📋', check: '🔎', decision: '❓', verify: '✅' };

/** "Mute 1 h", "Mute 30 min". */
export function muteLabel(minutes: number): string {
  return `Mute ${minutes >= 60 ? `${minutes / 60} h` : `${minutes} min`}`;
}

/** A code block's content that cannot close the block early (a ``` in server text would). */
export function defuseFences(text: string): string {
  return text.replace(/```/g, '`\u200b`\u200b`');
}

function splitLong(line: string, size: number): string[] {
  if (line.length <= size) return [line];
  const pieces: string[] = [];
  let rest = line;
  while (rest.length > size) {
    const at = safeCut(rest, size) || size;
    pieces.push(rest.slice(0, at));
    rest = rest.slice(at);
  }
  pieces.push(rest);
  return pieces;
}

/** Move a cut position left so it splits neither an escape entity nor a UTF-16 surrogate pair. */
function safeCut(text: string, at: number): number {
  let cut = Math.max(0, at);
  const amp = text.lastIndexOf('&', cut - 1);
  if (amp >= 0 && cut - amp < 5) {
    const entity = /^&(?:amp|lt|gt);/.exec(text.slice(amp, amp + 5));
    if (entity && amp + entity[0].length > cut) cut = amp;
  }
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
  return cut;
}
