// Expectations as written in ftpops.yaml (errors with file, line and field), the evaluation step
// (heads-up, deadline, arrival, pickup) and the evidence for why a delivery is missing.
import { describe, expect, it } from 'vitest';
import { parseTargetsYaml } from '../src/config/targets-file.js';
import { ConfigError } from '../src/config/config-error.js';
import { type ArrivalState, initialArrival, stepArrival, stepPickup } from '../src/deliveries/delivery-evaluation.js';
import { explainMissing, type Evidence } from '../src/deliveries/delivery-evidence.js';
import type { ArrivalExpectation, PickupExpectation } from '../src/deliveries/delivery-schema.js';
import { globToRegExp } from '../src/deliveries/folder-listing.js';
import { listTime } from '../src/probes/ftp/listed-entry.js';

const yaml = (deliveries: string) => `targets:
  acme:
    url: sftp://acme@files.example.com
    deliveries:
${deliveries}`;

function loadError(text: string): string {
  try {
    parseTargetsYaml(text, 'ftpops.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('no error');
}

describe('deliveries in ftpops.yaml', () => {
  it('reads the example of the README with its defaults', () => {
    const file = parseTargetsYaml(yaml(`      - name: acme-daily-orders
        path: /in/acme
        match: "orders_*.csv"
        due: "06:00"
        days: mon-fri
        timezone: Europe/Berlin
        warnBefore: 30m
        minSize: 1KB
        stableFor: 2m
        partnerUser: acme
      - name: acme-outbound
        kind: pickup
        path: /out/acme
        match: "*.xml"
        within: 2h
`), 'ftpops.yaml');
    const [arrival, pickup] = file.targets.get('acme')!.deliveries!;
    expect(arrival).toMatchObject({ kind: 'arrival', warnBefore: 1_800_000, minSize: 1_000, stableFor: 120_000, atLeast: 1, timezone: 'Europe/Berlin' });
    expect(pickup).toMatchObject({ kind: 'pickup', within: 7_200_000, timezone: 'UTC' });
  });

  it.each([
    ['        due: "25:00"', 8, 'targets.acme.deliveries.0.due: due: "HH:MM"'],
    ['        due: "06:00"\n        timezone: Mars/Olympus', 9, 'targets.acme.deliveries.0.timezone: not a time zone'],
    ['        due: "06:00"\n        days: mon-funday', 9, 'targets.acme.deliveries.0.days'],
    ['        due: "06:00"\n        minSize: lots', 9, "targets.acme.deliveries.0.minSize: 'lots' is not a size"],
    ['        due: "06:00"\n        warnBefore: soon', 9, 'targets.acme.deliveries.0.warnBefore'],
    ['        due: "06:00"\n        colour: blue', 5, "unknown field 'colour'"],
  ])('refuses %j with its line and field', (extra, line, message) => {
    const text = yaml(`      - name: orders\n        path: /in/acme\n        match: "*.csv"\n${extra}\n`);
    const error = loadError(text);
    expect(error).toContain(message);
    expect(error).toMatch(new RegExp(`^ftpops\\.yaml:${line}: `));
  });

  it('refuses a relative folder, a pattern with a slash, and two deliveries of one name', () => {
    expect(loadError(yaml(`      - { name: a, path: in/acme, match: "*.csv", due: "06:00" }\n`))).toContain('deliveries.0.path: the folder is an absolute path');
    expect(loadError(yaml(`      - { name: a, path: /in, match: "x/*.csv", due: "06:00" }\n`))).toContain('deliveries.0.match');
    expect(loadError(yaml(`      - { name: a, path: /in, match: "*.csv", due: "06:00" }\n      - { name: a, path: /in, match: "*.csv", due: "07:00" }\n`))).toContain("deliveries.1.name: two deliveries are named 'a'");
  });

  it('accepts a cron expression as the due time', () => {
    const file = parseTargetsYaml(yaml(`      - { name: a, path: /in, match: "*.csv", due: "30 5 * * 1-5" }\n`), 'ftpops.yaml');
    expect(file.targets.get('acme')!.deliveries![0]).toMatchObject({ due: '30 5 * * 1-5' });
  });
});

describe('folder facts', () => {
  it('matches file-name globs', () => {
    expect(globToRegExp('orders_*.csv')!.test('orders_2026-12-02.csv')).toBe(true);
    expect(globToRegExp('orders_*.csv')!.test('orders_1.csv.part')).toBe(false);
    expect(globToRegExp('file?.[ct]sv')!.test('file1.tsv')).toBe(true);
    expect(globToRegExp('[!x]*')!.test('xa')).toBe(false);
    expect(globToRegExp('a.b')!.test('axb')).toBe(false);
  });

  it('reads LIST dates: this year to the minute, older ones to the day, a future date as last year', () => {
    const now = Date.parse('2026-12-02T06:00:00Z');
    expect(new Date(listTime('Dec 02 05:53', now)!).toISOString()).toBe('2026-12-02T05:53:00.000Z');
    expect(new Date(listTime('Dec  2  2025', now)!).toISOString()).toBe('2025-12-02T00:00:00.000Z');
    expect(new Date(listTime('Dec 25 10:00', now)!).toISOString()).toBe('2025-12-25T10:00:00.000Z');
    expect(listTime('yesterday', now)).toBeUndefined();
  });
});

const exp: ArrivalExpectation = { kind: 'arrival', name: 'orders', path: '/in/acme', match: 'orders_*.csv', due: '06:00', days: 'daily', timezone: 'UTC', warnBefore: 30 * 60_000, atLeast: 1, minSize: 1_000, stableFor: 2 * 60_000, partnerUser: 'acme' };
const due = Date.parse('2026-12-02T06:00:00Z');
const start = Date.parse('2026-12-02T00:00:00Z');
const at = (hhmm: string) => Date.parse(`2026-12-02T${hhmm}:00Z`);
const nothing = { ok: true, files: [] };
const why = async () => 'the why';

async function walk(steps: Array<{ now: number; files?: Array<{ name: string; size: number; modifiedAt?: number }>; ok?: boolean }>) {
  let state: ArrivalState = initialArrival(due, start);
  const effects = [];
  for (const s of steps) {
    const listed = s.ok === false ? { at: s.now, ok: false, files: [], failure: { code: 'tcp.refused', stage: 'connect', detail: 'ECONNREFUSED' } } : { at: s.now, ok: true, files: s.files ?? [] };
    const r = await stepArrival({ exp, state, listed, now: s.now, explain: why });
    state = r.state;
    effects.push(...r.effects.map((e) => ({ at: s.now, ...e })));
  }
  return { state, effects };
}

describe('the life of an expected delivery', () => {
  it('on time: no heads-up, no incident', async () => {
    const { state, effects } = await walk([{ now: at('05:00') }, { now: at('05:45'), files: [{ name: 'orders_1.csv', size: 5_000, modifiedAt: at('05:40') }] }, { now: at('06:01'), files: [{ name: 'orders_1.csv', size: 5_000, modifiedAt: at('05:40') }] }]);
    expect(effects).toEqual([]);
    expect(state.arrived).toMatchObject({ at: at('05:40'), lateMs: 0, bytes: 5_000 });
  });

  it('late: a heads-up, an incident at the deadline, the resolution on arrival, in that order', async () => {
    const late = { name: 'orders_1.csv', size: 18_200_000, modifiedAt: at('06:42') };
    const { state, effects } = await walk([{ now: at('05:29') }, { now: at('05:31') }, { now: at('05:50') }, { now: at('06:00') }, { now: at('06:30') }, { now: at('06:45'), files: [late] }]);
    expect(effects.map((e) => [e.type, e.at])).toEqual([['open', at('05:31')], ['escalate', at('06:00')], ['resolve', at('06:45')]]);
    expect(effects[0]).toMatchObject({ severity: 'warning', detail: expect.stringContaining('heads-up: nothing matching orders_*.csv in /in/acme yet; due 06:00 UTC (in 29 min)') });
    expect(effects[1]).toMatchObject({ to: 'critical', detail: expect.stringContaining('delivery.missing: no file matching orders_*.csv in /in/acme (due 06:00 UTC). Why: the why') });
    expect(effects[2]).toMatchObject({ detail: 'arrived 06:42, 42 min late, 18.2 MB' });
    expect(state.phase).toBe('arrived');
  });

  it('a zero-byte or still-growing file is incomplete, not arrived; the same size for stableFor completes it', async () => {
    const { effects } = await walk([
      { now: at('05:59'), files: [{ name: 'orders_1.csv', size: 0, modifiedAt: at('05:58') }] },
      { now: at('06:00'), files: [{ name: 'orders_1.csv', size: 0, modifiedAt: at('05:58') }] },
      { now: at('06:10'), files: [{ name: 'orders_1.csv', size: 4_000 }] },
      { now: at('06:11'), files: [{ name: 'orders_1.csv', size: 4_000 }] },
      { now: at('06:12'), files: [{ name: 'orders_1.csv', size: 4_000 }] },
    ]);
    // No heads-up: something is on its way.
    expect(effects.map((e) => [e.type, e.at])).toEqual([['open', at('06:00')], ['resolve', at('06:12')]]);
    expect(effects[0]).toMatchObject({ severity: 'critical', detail: expect.stringContaining('delivery.incomplete: orders_1.csv in /in/acme is empty (0 bytes)') });
    expect(effects[1]).toMatchObject({ detail: 'arrived 06:12, 12 min late, 4.0 KB' });
  });

  it("ignores an earlier day's file and a file that does not match", async () => {
    const { effects } = await walk([{ now: at('06:00'), files: [{ name: 'orders_0.csv', size: 5_000, modifiedAt: at('06:00') - 86_400_000 }] }]);
    expect(effects.map((e) => e.type)).toEqual(['open']);
  });

  it('a failed listing says nothing before the deadline and opens the incident at it', async () => {
    const { effects } = await walk([{ now: at('05:45'), ok: false }, { now: at('06:00'), ok: false }]);
    expect(effects.map((e) => [e.type, e.at])).toEqual([['open', at('06:00')]]);
    expect(effects[0]).toMatchObject({ detail: expect.stringContaining('/in/acme could not be listed') });
  });

  it('pickup: a file left longer than `within` opens an incident, its removal resolves it', () => {
    const pickup: PickupExpectation = { kind: 'pickup', name: 'out', path: '/out', match: '*.xml', timezone: 'UTC', within: 30 * 60_000 };
    const file = { name: 'a.xml', size: 10, modifiedAt: at('05:00') };
    let r = stepPickup(pickup, { kind: 'pickup', open: false, seen: {} }, { at: at('05:10'), ok: true, files: [file] }, at('05:10'));
    expect(r.effects).toEqual([]);
    r = stepPickup(pickup, r.state, { at: at('05:31'), ok: true, files: [file] }, at('05:31'));
    expect(r.effects[0]).toMatchObject({ type: 'open', detail: expect.stringContaining('1 file in /out not picked up within 30 min; oldest a.xml, there since 05:00') });
    r = stepPickup(pickup, r.state, { at: at('05:40'), ok: true, files: [] }, at('05:40'));
    expect(r.effects[0]).toMatchObject({ type: 'resolve' });
  });
});

describe('why a delivery is missing', () => {
  const base: Evidence = {
    exp,
    target: 'acme',
    code: 'delivery.missing',
    judged: { complete: [], short: [], sizes: {} },
    listed: { at: due, ok: true, files: [] },
    due,
    since: start,
    now: due,
    history: [],
    events: [],
    lastIngestAt: at('05:59'),
  };
  const ev = (kind: string, fields: Record<string, unknown>) => ({ kind, daemon: 'vsftpd', user: 'acme', source: '203.0.113.7', time: at('05:30'), ...fields }) as Evidence['events'][number];

  it('1. our side: the listing failed, or checks failed before the due time', () => {
    expect(explainMissing({ ...base, listed: { at: due, ok: false, files: [], failure: { code: 'tcp.refused', stage: 'connect', detail: 'ECONNREFUSED' } } })).toMatchObject({ cause: 'our_side' });
    const history = [{ at: new Date(at('05:40')).toISOString(), ok: false, code: 'tcp.refused', durationMs: 1, stages: {} }, { at: new Date(at('05:35')).toISOString(), ok: false, code: 'tcp.refused', durationMs: 1, stages: {} }];
    expect(explainMissing({ ...base, history }).text).toMatch(/^our side: 2 checks of acme failed between 05:35 and 05:40 \(tcp\.refused\)/);
  });

  it('2. the partner failed to log in, and never succeeded after', () => {
    const why = explainMissing({ ...base, events: [ev('login_failed', {}), ev('login_failed', { time: at('05:31') })] });
    expect(why).toMatchObject({ cause: 'partner_login_failed', text: expect.stringContaining('2 failed logins as acme (last at 05:31 from 203.0.113.7), none succeeded') });
  });

  it('3. the partner uploaded to another folder, or an empty file', () => {
    const wrong = explainMissing({ ...base, events: [ev('login_ok', {}), ev('transfer_ok', { detail: 'xferlog /in/other/orders_1.csv (5000 bytes)' })] });
    expect(wrong).toMatchObject({ cause: 'wrong_folder', text: 'wrong folder: acme uploaded /in/other/orders_1.csv at 05:30 — to /in/other instead of /in/acme' });
    const empty = explainMissing({ ...base, events: [ev('transfer_ok', { detail: 'xferlog /in/acme/orders_1.csv (0 bytes)' })] });
    expect(empty).toMatchObject({ cause: 'incomplete_upload', text: expect.stringContaining("acme's upload of /in/acme/orders_1.csv at 05:30 left 0 bytes") });
  });

  it('4. logs are connected and show nothing of the partner: they did not send', () => {
    expect(explainMissing({ ...base, events: [ev('login_ok', { user: 'someone-else' })] })).toMatchObject({ cause: 'not_sent', text: expect.stringContaining('no connection from acme since 00:00') });
  });

  it('5. no logs: unknown, with what to connect', () => {
    const { lastIngestAt: _l, ...noLogs } = base;
    expect(explainMissing(noLogs)).toMatchObject({ cause: 'unknown', text: expect.stringContaining('unknown: only the listing is known') });
  });
});

describe('SFTP uploads in the sshd log (internal-sftp -l INFO)', () => {
  it('pairs the session, the open for writing and the close into one upload of the session user', async () => {
    const { parseLogLine } = await import('../src/ingest/parse-line.js');
    const { SftpUploads } = await import('../src/deliveries/sftp-uploads.js');
    const lines = [
      'session opened for local user acme from [203.0.113.7]',
      'open "/in/acme/orders_1.csv" flags WRITE,CREATE,TRUNCATE mode 0644',
      'close "/in/acme/orders_1.csv" bytes read 0 written 18200',
      'open "/in/acme/readme.txt" flags READ mode 0666',
      'close "/in/acme/readme.txt" bytes read 120 written 0',
      'Dec  2 06:00:01 host internal-sftp[4242]: open "/in/acme/orders_2.csv" flags WRITE,CREATE,TRUNCATE mode 0644',
      'Dec  2 06:00:01 host internal-sftp[4242]: close "/in/acme/orders_2.csv" bytes read 0 written 0',
    ];
    const events = lines.map((l) => parseLogLine(l)).filter((e) => e !== undefined);
    expect(events.map((e) => e!.kind)).toEqual(['sftp_session', 'sftp_open_write', 'sftp_close', 'sftp_close', 'sftp_open_write', 'sftp_close']);
    const folded = new SftpUploads().fold('t', events as never);
    expect(folded).toEqual([
      expect.objectContaining({ kind: 'sftp_session', user: 'acme' }),
      expect.objectContaining({ kind: 'transfer_ok', user: 'acme', source: '203.0.113.7', detail: 'sftp-write /in/acme/orders_1.csv (18200 bytes)' }),
      expect.objectContaining({ kind: 'transfer_ok', user: 'acme', detail: 'sftp-write /in/acme/orders_2.csv (0 bytes)' }),
    ]);
  });
});
