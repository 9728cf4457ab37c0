// A target's alert settings: the defaults of docs/domain.md, Thresholds, overridden per target in
// ftpops.yaml (`alerts:`), and its maintenance windows.
import type { TargetConfig } from '../config/targets-file.js';
import { type AlertPolicy, DEFAULT_ALERT_POLICY } from './alert-machine.js';
import { DEFAULT_THRESHOLDS, type Thresholds } from './window-evaluation.js';

export interface AlertSettings {
  policy: AlertPolicy;
  thresholds: Thresholds;
}

export function alertSettingsFor(target: TargetConfig | undefined): AlertSettings {
  const a = target?.alerts ?? {};
  const pick = <T extends object>(defaults: T): T =>
    Object.fromEntries(Object.entries(defaults).map(([k, v]) => [k, (a as Record<string, unknown>)[k] ?? v])) as T;
  const policy = pick(DEFAULT_ALERT_POLICY);
  if (a.remindEveryMinutes !== undefined) policy.remindEveryMs = a.remindEveryMinutes * 60_000;
  return { policy, thresholds: pick(DEFAULT_THRESHOLDS) };
}

export function inMaintenance(target: TargetConfig | undefined, now: number): boolean {
  return (target?.alerts?.maintenance ?? []).some((w) => Date.parse(w.from) <= now && now < Date.parse(w.to));
}
