// The identity-change message on each platform: the fingerprints and the decision buttons, within
// each platform's limits, and a certificate's names (the server's text) shown, never obeyed.
import { describe, expect, it } from 'vitest';
import { identityChangeMessage } from '../src/bot/identity-desk.js';
import type { PendingChange } from '../src/identity/identity-store.js';
import { renderBlocks } from '../src/chat/slack/render-blocks.js';
import { renderDiscord } from '../src/chat/discord/render-embeds.js';
import { entryForPage } from '../src/chat/console/console-adapter.js';
import { decodeButton } from '../src/bot/incoming.js';

const change = (over: Partial<PendingChange> = {}): PendingChange => ({
  id: '1a2b3c4d',
  target: 'prod-sftp',
  kind: 'ssh',
  against: 'remembered',
  firstSeenAt: '2026-12-02T06:00:00.000Z',
  lastSeenAt: '2026-12-02T06:05:00.000Z',
  old: 'ssh-ed25519 SHA256:oldoldoldoldoldoldoldoldoldoldoldoldoldoldo',
  new: 'ssh-ed25519 SHA256:newnewnewnewnewnewnewnewnewnewnewnewnewnewn',
  what: 'same key type, new key',
  others: 'its other keys are unchanged (ecdsa-sha2-nistp256): only this key was swapped',
  observed: {},
  ...over,
});

describe('identity-change message', () => {
  it('Slack: header, both fingerprints, Accept and Suspicious with distinct action ids that decode', () => {
    const r = renderBlocks(identityChangeMessage(change()));
    const text = JSON.stringify(r.blocks);
    expect(text).toContain('Host key changed — prod-sftp');
    expect(text).toContain('SHA256:oldoldold');
    expect(text).toContain('SHA256:newnewnew');
    const buttons = r.blocks.flatMap((b) => (b.type === 'actions' ? b.elements : []));
    expect(buttons.map((b) => [b.text.text, b.action_id])).toEqual([['Accept new key', 'ftpops.idaccept'], ['Treat as suspicious', 'ftpops.idsuspect']]);
    expect(buttons.map((b) => decodeButton(b.value))).toEqual([{ kind: 'identity', decision: 'accept', change: '1a2b3c4d', target: 'prod-sftp' }, { kind: 'identity', decision: 'suspicious', change: '1a2b3c4d', target: 'prod-sftp' }]);
  });

  it('Discord: an embed with the same words and buttons; a hostile issuer neither pings nor links', () => {
    const r = renderDiscord(identityChangeMessage(change({ kind: 'tls', old: 'issuer CN=@everyone <@123456789012345678> [x](http://evil)', new: 'issuer CN=Other' })));
    expect(r.payload.allowed_mentions).toEqual({ parse: [] });
    const embed = r.payload.embeds[0]!;
    expect(embed.title).toBe('🔑 Certificate changed — prod-sftp');
    expect(embed.description).not.toMatch(/@everyone|(?<!\\)<@\d|(?<!\\)\[x(?<!\\)\]/);
    expect(embed.description).toContain('\\<@123456789012345678>');
    expect(r.payload.components.flatMap((row) => row.components.map((c) => ('label' in c ? c.label : '')))).toEqual(['Accept new certificate', 'Treat as suspicious']);
  });

  it('a change against a pin in the config file offers no Accept', () => {
    const m = identityChangeMessage(change({ against: 'pin', old: 'pinned SHA256:x' }));
    expect(m.actions.map((a) => a.kind === 'identity-decision' && a.decision)).toEqual(['suspicious']);
  });

  it('console: each button carries the id a click sends back', () => {
    const page = entryForPage({ id: 'e1', at: 0, message: identityChangeMessage(change()) } as never) as { message: { actions: Array<{ id: string }> } };
    expect(page.message.actions.map((a) => a.id)).toEqual(['idaccept:1a2b3c4d:prod-sftp', 'idsuspect:1a2b3c4d:prod-sftp']);
  });
});
