// Who may do what in chat. Three roles, each including the one below it: viewer (status,
// explain, targets, help), operator (check, runbooks, acknowledge, mute), admin (ad-hoc URLs);
// which verb needs which is said by the verb itself (verbs.ts, buttons.ts).
// Members are listed in ftpops.yaml (`access:`) as user ids (Slack "U…", Discord snowflakes),
// "group:<id>" for a Slack user group or a Discord role, or "*" for everyone. Without any role
// lists everyone is an operator and nobody an admin. The local web console is its
// operator's own machine: always admin.
import type { ChatPlatform } from './messages.js';
import { replies } from './replies.js';
import type { Rich } from './rich.js';

export type Role = 'viewer' | 'operator' | 'admin';
const RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

export interface AccessLists {
  admins?: string[];
  operators?: string[];
  viewers?: string[];
}

/** Someone in a chat: their user id, and the groups (Slack user groups, Discord roles) they are in. */
export interface Principal {
  platform: ChatPlatform;
  user: string;
  groups?: string[];
}

export class AccessPolicy {
  constructor(private readonly lists: AccessLists | undefined) {}

  /** The group ids the lists mention (an adapter looks up membership only for these). */
  groupsMentioned(): string[] {
    const all = [...(this.lists?.admins ?? []), ...(this.lists?.operators ?? []), ...(this.lists?.viewers ?? [])];
    return [...new Set(all.filter((e) => e.startsWith('group:')).map((e) => e.slice('group:'.length)))];
  }

  roleOf(who: Principal): Role | undefined {
    if (who.platform === 'console') return 'admin';
    // No role lists at all (no access: section, or one with only adhocHosts or a rate): everyone operates.
    if (!this.lists?.admins && !this.lists?.operators && !this.lists?.viewers) return 'operator';
    const member = (list: string[] | undefined) => (list ?? []).some((e) => e === '*' || e === who.user || (e.startsWith('group:') && (who.groups ?? []).includes(e.slice(6))));
    if (member(this.lists.admins)) return 'admin';
    if (member(this.lists.operators)) return 'operator';
    if (member(this.lists.viewers)) return 'viewer';
    return undefined;
  }

  /** A one-line refusal that says why, or undefined when allowed. */
  refuse(who: Principal, need: Role): Rich | undefined {
    const role = this.roleOf(who);
    if (role && RANK[role] >= RANK[need]) return undefined;
    return replies.needsRole(need, role);
  }
}
