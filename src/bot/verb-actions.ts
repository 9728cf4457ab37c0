// What a command and its button both do: start a check (/ftp check, Re-check) and open a
// runbook (/ftp runbook, Open runbook).
import { randomUUID } from 'node:crypto';
import { QueueUnavailableError } from '../queue/check-queue.js';
import { StaleActionError } from '../runbooks/runbook-session.js';
import type { Delivery } from './delivery-book.js';
import { errorMessage, notice, progressMessage } from './messages.js';
import { replies } from './replies.js';
import { RunbookRequestError } from './runbook-conductor.js';
import type { Act } from './verb.js';

/** Post "checking …" where the person is (or in `thread`), then queue the check; the coordinator turns that message into the answer. */
export async function startCheck(subject: string, act: Act, thread?: string): Promise<void> {
  const { checks, scope, outbounds } = act.services;
  const ref = await act.reply.post(progressMessage(subject, scope.urlOf(subject), []), thread);
  const delivery: Delivery = {
    id: randomUUID(),
    platform: act.incoming.platform,
    channel: ref.channel,
    messageId: ref.id,
    target: subject,
    deadlineAt: checks.deadlineFor(subject),
  };
  try {
    await checks.request(delivery);
  } catch (err) {
    const text = err instanceof QueueUnavailableError ? err.message : replies.cannotStartCheck((err as Error).message);
    await outbounds[act.incoming.platform]?.edit(ref, errorMessage(text));
  }
}

/** Start (or point at) a runbook session; what happened is said to the person privately. */
export async function openRunbook(query: string, target: string, act: Act, thread?: string): Promise<void> {
  try {
    const started = await act.services.runbooks.open({ query, target, platform: act.incoming.platform, channel: act.scope.channel, by: act.incoming.user, ...(thread ? { threadId: thread } : {}) });
    await act.reply.private(notice(started.alreadyOpen ? replies.runbookAlreadyOpen(started.runbook.title) : replies.runbookOpened(started.runbook.title, target)));
  } catch (err) {
    const known = err instanceof RunbookRequestError || err instanceof StaleActionError;
    await act.reply.private(notice(known ? [(err as Error).message] : replies.cannotOpenRunbook((err as Error).message)));
  }
}
