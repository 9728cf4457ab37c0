// What every chat platform's adapter provides to the rest of the bot: showing check answers,
// posting alert threads, stepping runbooks, and being started and stopped. Slack, Discord and the
// web console each implement it; main.ts wires whichever are configured, side by side.
import type { DeliveryChannel } from '../bot/check-coordinator.js';
import type { AlertChannel } from '../bot/alert-poster.js';
import type { RunbookChat, RunbookConductor } from '../bot/runbook-conductor.js';
import type { StatusAnswers } from '../bot/status-answer.js';

/** What the alert buttons and the mute command act on. */
export interface AlertActions {
  acknowledge(alert: string, user: string): Promise<boolean>;
  mute(target: string, minutes: number, by: string): Promise<void>;
}

export interface ChatAdapter extends DeliveryChannel, AlertChannel, RunbookChat {
  useAlerts(alerts: AlertActions, status: StatusAnswers): void;
  useRunbooks(conductor: RunbookConductor): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** One line for the start-up message: "Slack HTTP on port 3000". */
  readonly describe: string;
}
