// Chat messages beyond check summaries, shared by the renderer tests of each platform.
import type { AlertMessage, RunbookStepMessage } from '../../src/bot/messages.js';

export function alertMessageSample(): AlertMessage {
  return {
    kind: 'alert',
    target: 'prod-ftp',
    alertClass: 'auth',
    origin: 'check',
    status: 'firing',
    severity: 'warning',
    detail: '530 Login incorrect. — 3 checks in a row',
    firstSeenAt: '2026-12-01T10:00:00.000Z',
    runbook: 'login-failures',
    actions: [
      { kind: 'acknowledge', alert: 'prod-ftp:check' },
      { kind: 'mute', target: 'prod-ftp', minutes: 60 },
      { kind: 'open-runbook', runbook: 'login-failures', code: 'auth', target: 'prod-ftp' },
      { kind: 'recheck', target: 'prod-ftp' },
    ],
  };
}

export function runbookStepSample(): RunbookStepMessage {
  return {
    kind: 'runbook-step',
    runbookTitle: 'Too many connections (FTP 421)',
    target: 'prod-ftp',
    position: 1,
    stepKind: 'check',
    title: 'Re-check the greeting',
    text: 'Connect to ftp.example.com:21 and wait for the greeting.',
    commands: ["ss -tn state established '( sport = :21 )' | wc -l"],
    notes: ['🔎 The bot runs the check: the *greet* stage should pass.'],
    closed: false,
    actions: [
      { kind: 'runbook-step', session: 'abc123', version: 4, action: 'run-check', label: 'Run check', primary: true },
      { kind: 'runbook-step', session: 'abc123', version: 4, action: 'skip', label: 'Skip' },
    ],
  };
}
