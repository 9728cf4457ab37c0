// Who may do what, and where ad-hoc checks may go: roles from user ids, Slack user groups and
// Discord roles; the ad-hoc allowlist by name, wildcard and CIDR, with loopback, link-local and
// metadata addresses denied unless a CIDR names them; and the engine refusing to connect to an
// address the policy rejects (the DNS-rebinding guard), before any connection is made.
import { afterAll, describe, expect, it } from 'vitest';
import { AccessPolicy } from '../src/bot/access.js';
import { AdhocPolicy } from '../src/config/adhoc-policy.js';
import { parseCommand } from '../src/bot/commands.js';
import { plainOf } from '../src/bot/rich.js';
import { KnowledgeBase } from '../src/knowledge/knowledge-base.js';
import { ProbeEngine } from '../src/probes/probe-engine.js';
import { requestForAdhocUrl } from '../src/config/probe-request.js';
import { startSilentServer, type FaultServer } from './support/fault-servers.js';

describe('roles', () => {
  const policy = new AccessPolicy({ admins: ['U0ADMIN'], operators: ['group:S0ONCALL', 'group:111222333444555666'], viewers: ['*'] });

  it('from user ids, Slack user groups and Discord roles; everyone else a viewer', () => {
    expect(policy.roleOf({ platform: 'slack', user: 'U0ADMIN' })).toBe('admin');
    expect(policy.roleOf({ platform: 'slack', user: 'U0ANN', groups: ['S0ONCALL'] })).toBe('operator');
    expect(policy.roleOf({ platform: 'discord', user: '999', groups: ['111222333444555666'] })).toBe('operator');
    expect(policy.roleOf({ platform: 'discord', user: '999' })).toBe('viewer');
    expect(policy.roleOf({ platform: 'console', user: 'console' })).toBe('admin');
    expect(policy.groupsMentioned()).toEqual(['S0ONCALL', '111222333444555666']);
  });

  it('what each command needs, and refusals that say why', () => {
    const need = (text: string) => {
      const p = parseCommand(text);
      if ('problem' in p) throw new Error(plainOf(p.problem));
      return p.verb.need(p.args);
    };
    expect(need('status')).toBe('viewer');
    expect(need('explain 530')).toBe('viewer');
    expect(need('check prod-ftp')).toBe('operator');
    expect(need('runbook auth.failed prod-ftp')).toBe('operator');
    expect(need('check sftp://files.example.com')).toBe('admin');
    const viewer = { platform: 'slack' as const, user: 'U0BOB' };
    expect(policy.refuse(viewer, 'viewer')).toBeUndefined();
    expect(plainOf(policy.refuse(viewer, 'operator')!)).toBe('this needs the operator role; you are a viewer (ask an admin to add you to access.operators in ftpops.yaml)');
    expect(plainOf(new AccessPolicy({ admins: ['U0ADMIN'] }).refuse(viewer, 'viewer')!)).toMatch(/^you have no ftpops role here/);
  });

  it('without role lists: everyone an operator, nobody an admin', () => {
    for (const open of [new AccessPolicy(undefined), new AccessPolicy({})]) {
      expect(open.refuse({ platform: 'slack', user: 'U0X' }, 'operator')).toBeUndefined();
      expect(plainOf(open.refuse({ platform: 'slack', user: 'U0X' }, 'admin')!)).toMatch(/needs the admin role/);
    }
  });
});

describe('the ad-hoc allowlist', () => {
  const policy = new AdhocPolicy(['files.partner.example', '*.corp.example', '10.20.0.0/16', '2001:db8::/32', '127.0.0.1/32']);

  it.each([
    ['files.partner.example', '203.0.113.5', undefined],
    ['a.b.corp.example', '10.99.0.1', undefined],
    ['other.example', '10.20.3.4', undefined], // the address is in a listed block
    ['other.example', '203.0.113.9', /not in access\.adhocHosts/],
    ['corp.example', '203.0.113.9', /not in access\.adhocHosts/], // *.corp.example does not cover corp.example itself
    ['files.partner.example', '169.254.169.254', /metadata/], // a listed name re-pointed at the metadata service
    ['files.partner.example', '::1', /loopback/],
    ['files.partner.example', 'fe80::1', /link-local/],
    ['localhost', '127.0.0.1', undefined], // named explicitly by a CIDR entry
    ['2001:db8::5', '2001:db8::5', undefined],
  ])('%s → %s', (host, address, refusal) => {
    const answer = policy.refuseAddress(address, host);
    if (refusal) expect(answer).toMatch(refusal);
    else expect(answer).toBeUndefined();
  });

  it('refuses hosts before resolving only when nothing could allow them', () => {
    expect(new AdhocPolicy([]).refuseHost('files.partner.example')).toMatch(/ad-hoc checks are off/);
    expect(new AdhocPolicy(['files.partner.example']).refuseHost('evil.example')).toMatch(/not in access\.adhocHosts/);
    expect(new AdhocPolicy(['files.partner.example']).refuseHost('169.254.169.254')).toMatch(/metadata/);
    expect(new AdhocPolicy(['10.0.0.0/8']).refuseHost('anything.example')).toBeUndefined(); // decided after resolving
  });

  it('rejects entries that are neither names nor blocks', () => {
    expect(() => new AdhocPolicy(['10.0.0.0/33'])).toThrow(/not a valid CIDR/);
    expect(() => new AdhocPolicy(['http://x'])).toThrow(/neither a host name/);
  });
});

describe('the engine under an ad-hoc policy', () => {
  const engine = new ProbeEngine(KnowledgeBase.load());
  let server: FaultServer | undefined;
  afterAll(async () => server?.close());

  it('a name that resolves to loopback is refused at the resolve stage; nothing connects', async () => {
    server = await startSilentServer();
    const req = requestForAdhocUrl(`ftp://localhost:${server.port}`, new AdhocPolicy(['localhost']));
    const report = await engine.run(req);
    expect(report.finding).toMatchObject({ code: 'check.address_denied', stage: 'resolve' });
    expect(report.finding?.detail).toMatch(/loopback/);
    expect(server.connections()).toBe(0);
    expect(report.stages.find((s) => s.name === 'connect')?.status).toBe('skipped');
  });

  it('a listed block lets the same check through (the refusal above is the policy, not the server)', async () => {
    const req = requestForAdhocUrl(`ftp://localhost:${server!.port}`, new AdhocPolicy(['127.0.0.0/8']));
    const report = await engine.run({ ...req, timeoutMs: 1_500 });
    expect(server!.connections()).toBe(1);
    expect(report.finding?.code).toBe('greet.timeout');
  });

  it('no passwords in ad-hoc URLs from chat', () => {
    expect(() => requestForAdhocUrl('ftp://u:secret@files.partner.example', new AdhocPolicy(['files.partner.example']))).toThrow(/carry no passwords/);
  });
});
