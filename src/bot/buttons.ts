// Every button: what a click needs and does. A button's id comes back from the platform as
// untrusted text (incoming.ts decodes its shape); here each click is judged again as if typed
// in that channel: the clicker's role, the channel's access to the target, bounded durations.
import type { Button } from './incoming.js';
import { notice } from './messages.js';
import { replies } from './replies.js';
import { RunbookConductor } from './runbook-conductor.js';
import { StaleActionError } from '../runbooks/runbook-session.js';
import { isAdhocUrl } from '../probes/target-url.js';
import { openRunbook, startCheck } from './verb-actions.js';
import { type Act, type AnyVerb, actsOnTarget, type Verb } from './verb.js';
import { IDENTITY_RUNBOOK } from './identity-desk.js';

type Of<K extends Button['kind']> = Extract<Button, { kind: K }>;

/**
 * The thread of the message clicked (or the thread it sits in): where its answers go. A private
 * message has none: the answer goes where the person is.
 */
const threadOf = (act: Act) => {
  if (act.incoming.what.kind !== 'click') return undefined;
  const { message } = act.incoming.what;
  return message.thread ?? (message.private ? undefined : message.id);
};

const recheck: Verb<Of<'recheck'>> = {
  name: 'recheck',
  need: (b) => (isAdhocUrl(b.subject) ? 'admin' : 'operator'),
  counted: true,
  subject: (b) => b.subject,
  refuse: (b, act) => act.services.scope.refuseSubject(b.subject, act.scope),
  run: (b, act) => startCheck(b.subject, act, threadOf(act)),
};

/** A button that acts on one configured target: for operators, in channels allowed that target. */
function targetButton<K extends 'open-runbook' | 'acknowledge' | 'mute'>(name: K, counted: boolean, run: Verb<Of<K>>['run']): Verb<Of<K>> {
  return { name, counted, ...actsOnTarget(), run };
}

const openRunbookButton = targetButton('open-runbook', true, (b, act) => openRunbook(b.runbook, b.target, act, threadOf(act)));

const acknowledge = targetButton('acknowledge', false, async (b, act) => {
  const open = await act.services.alerts.acknowledge(`${b.target}:${b.origin}`, act.incoming.user);
  if (!open) await act.reply.private(notice(replies.incidentResolved()));
});

const mute = targetButton('mute', false, async (b, act) => {
  await act.services.alerts.mute(b.target, b.minutes, act.incoming.user);
  await act.reply.private(notice(replies.muted(b.target, b.minutes, act.incoming.user)));
});

/** Runbook steps: the session says which target and channel it belongs to; a click elsewhere is refused. */
const runbookStep: Verb<Of<'runbook-step'>> = {
  name: 'runbook-step',
  need: () => 'operator',
  counted: false,
  async refuse(b, act) {
    if (!RunbookConductor.isPeopleAction(b.action)) return replies.notOurButton();
    const place = await act.services.runbooks.sessionPlace(b.session);
    if (!place) return replies.nothingChanged('this runbook session is gone (older than 30 days?)');
    if (place.platform !== act.incoming.platform || place.channel !== act.scope.channel) return replies.runbookElsewhere();
    return act.services.scope.refuseTarget(place.target, act.scope);
  },
  async run(b, act) {
    try {
      await act.services.runbooks.act(b.session, b.action, b.version, act.incoming.user);
    } catch (err) {
      await act.reply.private(notice(err instanceof StaleActionError ? replies.nothingChanged(err.message) : replies.failed((err as Error).message)));
    }
  },
};

/**
 * A decision on a changed server identity. Accepting trusts a new key for every later check: for
 * admins only. Treating it as suspicious keeps the checks failing and opens the runbook: operators.
 * Either is recorded (who, when) in the target's identity history and in the audit log.
 */
const identityDecision: Verb<Of<'identity'>> = {
  name: 'identity',
  need: (b) => (b.decision === 'accept' ? 'admin' : 'operator'),
  counted: false,
  subject: (b) => b.target,
  refuse: (b, act) => act.services.scope.refuseTarget(b.target, act.scope),
  async run(b, act) {
    const desk = act.services.identity;
    const decided = b.decision === 'accept' ? await desk.accept(b.target, b.change, act.incoming.user) : await desk.suspicious(b.target, b.change, act.incoming.user);
    if (!decided.ok) {
      await act.reply.private(notice(decided.text));
      return;
    }
    await act.reply.post(notice(decided.text), threadOf(act));
    if (b.decision === 'suspicious') await openRunbook(IDENTITY_RUNBOOK[decided.change.kind], b.target, act, threadOf(act));
  },
};

const BUTTONS: Record<Button['kind'], AnyVerb> = {
  identity: identityDecision,
  recheck,
  'open-runbook': openRunbookButton,
  acknowledge,
  mute,
  'runbook-step': runbookStep,
};

/** The verb of a decoded click; its audit name carries the step's action ("runbook-step.done"). */
export function buttonVerb(button: Button): { verb: AnyVerb; name: string } {
  const verb = BUTTONS[button.kind];
  const name = button.kind === 'runbook-step' ? `runbook-step.${button.action}` : button.kind === 'identity' ? `identity.${button.decision}` : verb.name;
  return { verb, name };
}

/** Run-check starts work; the other step buttons only record what people did. */
export function buttonCounted(button: Button): boolean {
  return button.kind === 'runbook-step' ? button.action === 'run-check' : BUTTONS[button.kind].counted;
}
