// Every sentence the router says to people, in one place: refusals (each says why, and what to
// do about it), confirmations and short answers. Values put in are plain text spans (a person's
// or a server's words can never become markup); see rich.ts.
import type { Role } from './access.js';
import { type Rich, rich } from './rich.js';

const LIST_OF: Record<Role, string> = { admin: 'access.admins', operator: 'access.operators', viewer: 'access.viewers' };

export const replies = {
  // -------------------------------------------------------------- who may do what
  needsRole: (need: Role, role: Role | undefined): Rich =>
    role
      ? rich`this needs the ${need} role; you are ${role === 'viewer' ? 'a' : 'an'} ${role} (ask an admin to add you to ${LIST_OF[need]} in ftpops.yaml)`
      : rich`you have no ftpops role here (ask an admin to add you to ${LIST_OF[need]} in ftpops.yaml)`,
  slowDown: (perMinute: number, waitS: number): Rich => rich`slow down: at most ${String(perMinute)} commands a minute each (try again in ${String(waitS)} s)`,
  noDirectMessages: (): Rich => rich`ftpops answers in the channels of a server, not in direct messages: use /ftp in a channel`,
  guildNotAllowed: (): Rich => rich`this Discord server may not use ftpops (discord.guilds in ftpops.yaml)`,

  // -------------------------------------------------------------- which targets a channel may use
  unknownTarget: (target: string, known: string[]): Rich =>
    known.length ? rich`unknown target '${target}' (known here: ${known.join(', ')})` : rich`unknown target '${target}'`,
  channelMayNot: (target: string, allowed: string[]): Rich => rich`this channel may not check '${target}' (allowed here: ${allowed.join(', ') || 'none'})`,
  adhocNoPasswords: (): Rich =>
    rich`ad-hoc checks from chat carry no passwords (they would stay in the chat history): add a target to ftpops.yaml with passwordEnv or passwordFile`,
  noTargetsHere: (): Rich => rich`no targets are configured for this channel`,
  /** A refusal the config layer worded (a URL that does not parse, a host not in access.adhocHosts). */
  refused: (why: string): Rich => [why],

  // -------------------------------------------------------------- buttons
  notOurButton: (): Rich => rich`this button is not one of ftpops' (or it comes from an older version): nothing was done`,
  runbookElsewhere: (): Rich => rich`this runbook runs in another channel: act on it there`,
  incidentResolved: (): Rich => rich`this incident is already resolved`,
  nothingChanged: (why: string): Rich => rich`Nothing changed: ${why}.`,

  // -------------------------------------------------------------- answers
  muted: (target: string, minutes: number, by: string): Rich => rich`🔕 ${target}: no new alert threads for ${String(minutes)} min (muted by ${{ user: by }})`,
  runbookOpened: (title: string, target: string): Rich => rich`📖 ${title} for ${target}: the steps are in the thread.`,
  runbookAlreadyOpen: (title: string): Rich => rich`The runbook "${title}" is already open in this thread; carry on there.`,
  cannotStartCheck: (why: string): string => `cannot start the check: ${why}`,
  cannotShowStatus: (why: string): Rich => rich`⚠️ cannot show the status: ${why}`,
  cannotOpenRunbook: (why: string): Rich => rich`⚠️ cannot open the runbook: ${why}`,
  failed: (why: string): Rich => rich`⚠️ ${why}`,
};
