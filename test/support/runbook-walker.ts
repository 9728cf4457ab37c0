// Drives a runbook in the fake Slack as people would: reads the current step message's buttons
// from what the bot posted, clicks one with a signed block_actions payload, and waits for the
// bot's answer (the step edited in place, the next step's message, or the timeline).
import type { FakeSlackApi, FakeSlackMessage } from './fake-slack-api.js';
import { sendButtonClick } from './bot-process.js';

export interface StepState {
  message: FakeSlackMessage;
  session: string;
  version: number;
  /** Offered actions: done, skip, back, yes, no, run-check. */
  actions: string[];
  labels: string[];
  /** The whole message as text, for failure output and assertions. */
  text: string;
}

export type Settled = { kind: 'step'; step: StepState } | { kind: 'timeline'; message: FakeSlackMessage };

interface Button {
  action_id: string;
  value: string;
  text: { text: string };
}

function buttonsOf(m: FakeSlackMessage): Button[] {
  const blocks = (m.blocks ?? []) as Array<{ type: string; elements?: Button[] }>;
  return blocks.filter((b) => b.type === 'actions').flatMap((b) => b.elements ?? []).filter((e) => e.action_id?.startsWith('ftpops.rb.'));
}

export function messageText(m: FakeSlackMessage): string {
  const blocks = (m.blocks ?? []) as Array<{ text?: { text: string }; elements?: Array<{ text?: string | { text: string } }> }>;
  const parts = blocks.flatMap((b) => [b.text?.text ?? '', ...(b.elements ?? []).map((e) => (typeof e.text === 'string' ? e.text : (e.text?.text ?? '')))]);
  // As people read it: Slack shows &lt; &gt; &amp; as the characters.
  return [m.text, ...parts].join('\n').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

export function stepOf(m: FakeSlackMessage): StepState | undefined {
  const buttons = buttonsOf(m);
  if (!buttons.length) return undefined;
  // A step button's value is its id: rb:<action>:<session>:<version>.
  const [, , s, v] = buttons[0]!.value.split(':');
  return { message: m, session: s!, version: Number(v), actions: buttons.map((b) => b.action_id.slice('ftpops.rb.'.length)), labels: buttons.map((b) => b.text.text), text: messageText(m) };
}

export const isTimeline = (m: FakeSlackMessage) => m.text.startsWith('Timeline:');

/** The thread's messages, oldest first. */
export function thread(fake: FakeSlackApi, channel: string, threadTs: string): FakeSlackMessage[] {
  return fake.messages(channel).filter((m) => m.thread_ts === threadTs);
}

/**
 * Wait until the runbook in this thread rests on a version newer than `after`: a step offering
 * a person's choice (not one still running its check or waiting out a quiet period), or the end.
 */
export function settled(fake: FakeSlackApi, channel: string, threadTs: string, after: number, timeoutMs = 30_000): Promise<Settled> {
  return fake.waitFor(() => {
    const messages = thread(fake, channel, threadTs);
    const timeline = messages.find(isTimeline);
    if (timeline) return { kind: 'timeline', message: timeline } as Settled;
    const steps = messages.map(stepOf).filter((s): s is StepState => Boolean(s) && s!.version > after);
    const step = steps.sort((a, b) => b.version - a.version)[0];
    if (!step) return undefined;
    const choice = step.actions.some((a) => a === 'done' || a === 'yes' || a === 'no' || a === 'run-check');
    const waiting = /Quiet period until/.test(step.text) && !step.labels.includes('Resolve');
    return choice && !waiting ? ({ kind: 'step', step } as Settled) : undefined;
  }, timeoutMs);
}

export async function click(fake: FakeSlackApi, port: number, channel: string, step: StepState, action: string, user = 'U0TEST'): Promise<void> {
  const result = await sendButtonClick(port, {
    actionId: `ftpops.rb.${action}`,
    value: `rb:${action}:${step.session}:${step.version}`,
    channel,
    messageTs: step.message.ts,
    responseUrl: fake.responseUrl(`${channel}-${step.version}-${action}`),
    user,
  });
  if (result.status !== 200) throw new Error(`click ${action} answered HTTP ${result.status}`);
}

/**
 * Walk to the end: Done on instructions, `choose` at decisions (one answer, or one per step), Run check on checks, Resolve at
 * the end. A check that does not behave as the step expects fails the walk with the bot's words.
 */
export async function walkToEnd(
  fake: FakeSlackApi,
  port: number,
  channel: string,
  threadTs: string,
  choose: 'yes' | 'no' | ((stepText: string) => 'yes' | 'no'),
  after = 0,
): Promise<{ timeline: FakeSlackMessage; clicks: string[] }> {
  const clicks: string[] = [];
  let version = after;
  for (let i = 0; i < 80; i++) {
    const state = await settled(fake, channel, threadTs, version).catch((err: Error) => {
      // Say where it stopped: the thread's newest message as people would read it.
      const last = thread(fake, channel, threadTs).at(-1);
      throw new Error(`${channel}: ${err.message.split(";")[0]} after ${clicks.join(' → ') || 'no click'}; the thread ends with: ${last ? messageText(last).slice(0, 600) : '(nothing)'}`);
    });
    if (state.kind === 'timeline') return { timeline: state.message, clicks };
    const { step } = state;
    if (step.labels.some((l) => /again/.test(l))) throw new Error(`a check did not behave as the step expects:\n${step.text}`);
    const answer = typeof choose === 'function' ? choose(step.text) : choose;
    const action = step.actions.includes('done') ? 'done' : step.actions.includes(answer) ? answer : 'run-check';
    await click(fake, port, channel, step, action);
    clicks.push(`${step.labels[step.actions.indexOf(action)]}`);
    version = step.version;
  }
  throw new Error('no end after 80 clicks');
}
