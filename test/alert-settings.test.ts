import { describe, expect, it } from 'vitest';
import { parseTargetsYaml } from '../src/config/targets-file.js';
import { alertSettingsFor, inMaintenance } from '../src/alerts/alert-settings.js';
import { DEFAULT_ALERT_POLICY } from '../src/alerts/alert-machine.js';
import { DEFAULT_THRESHOLDS } from '../src/alerts/window-evaluation.js';

const yaml = [
  'targets:',
  '  tuned:',
  '    url: ftp://h',
  '    alerts:',
  '      fireAfter: 4',
  '      remindEveryMinutes: 15',
  '      failureRateWarning: 0.1',
  '      maintenance:',
  '        - { from: "2026-11-23T01:00:00Z", to: "2026-11-23T03:00:00Z" }',
  '  plain:',
  '    url: ftp://h',
  '',
].join('\n');

describe('alert settings per target', () => {
  const file = parseTargetsYaml(yaml, 'ftpops.yaml');

  it('overrides only what the target says', () => {
    const tuned = alertSettingsFor(file.targets.get('tuned'));
    expect(tuned.policy).toEqual({ ...DEFAULT_ALERT_POLICY, fireAfter: 4, remindEveryMs: 15 * 60_000 });
    expect(tuned.thresholds).toEqual({ ...DEFAULT_THRESHOLDS, failureRateWarning: 0.1 });
    expect(alertSettingsFor(file.targets.get('plain'))).toEqual({ policy: DEFAULT_ALERT_POLICY, thresholds: DEFAULT_THRESHOLDS });
  });

  it('knows its maintenance windows', () => {
    const tuned = file.targets.get('tuned');
    expect(inMaintenance(tuned, Date.parse('2026-11-23T02:00:00Z'))).toBe(true);
    expect(inMaintenance(tuned, Date.parse('2026-11-23T03:00:00Z'))).toBe(false);
    expect(inMaintenance(file.targets.get('plain'), Date.parse('2026-11-23T02:00:00Z'))).toBe(false);
  });

  it('refuses nonsense with file, line and field', () => {
    expect(() => parseTargetsYaml('targets:\n  a:\n    url: ftp://h\n    alerts:\n      failureRateWarning: 5\n', 'f.yaml')).toThrow(/^f\.yaml:5: targets\.a\.alerts\.failureRateWarning: /);
    expect(() => parseTargetsYaml('targets:\n  a:\n    url: ftp://h\n    alerts:\n      maintenance: [{ from: tomorrow, to: later }]\n', 'f.yaml')).toThrow(/maintenance/);
  });
});
