// What Slack puts on the wire when it calls the bot: the request signature
// (https://api.slack.com/authentication/verifying-requests-from-slack) and the form-encoded body
// of a slash command. Bolt verifies with the same recipe (receivers/verify-request.js):
// x-slack-signature = "v0=" + hex(HMAC-SHA256(signingSecret, "v0:" + timestamp + ":" + rawBody)),
// and rejects a timestamp more than 5 minutes old.
import { createHmac } from 'node:crypto';

export interface SlackSignedHeaders {
  'content-type': string;
  'x-slack-request-timestamp': string;
  'x-slack-signature': string;
}

/** Headers Slack sends with `body`. The body must be sent byte-for-byte as signed. */
export function signSlackRequest(
  body: string,
  signingSecret: string,
  timestampSec: number = Math.floor(Date.now() / 1000),
  contentType = 'application/x-www-form-urlencoded',
): SlackSignedHeaders {
  const ts = String(Math.floor(timestampSec));
  const hex = createHmac('sha256', signingSecret).update(`v0:${ts}:${body}`).digest('hex');
  return {
    'content-type': contentType,
    'x-slack-request-timestamp': ts,
    'x-slack-signature': `v0=${hex}`,
  };
}

/** Fields of a slash-command payload; everything but `text` has a test default. */
export interface SlashCommandFields {
  command?: string;
  text: string;
  user_id?: string;
  user_name?: string;
  channel_id?: string;
  channel_name?: string;
  team_id?: string;
  team_domain?: string;
  response_url?: string;
  trigger_id?: string;
  api_app_id?: string;
  /** Deprecated verification token; Slack still sends it. */
  token?: string;
  enterprise_id?: string;
  enterprise_name?: string;
  is_enterprise_install?: boolean;
}

/** The application/x-www-form-urlencoded body Slack POSTs for a slash command. */
export function slashCommandBody(fields: SlashCommandFields): string {
  const p = new URLSearchParams();
  const set = (k: string, v: string | undefined): void => {
    if (v !== undefined) p.set(k, v);
  };
  // Same field order as Slack's documented example payload.
  set('token', fields.token ?? 'deprecated-verification-token');
  set('team_id', fields.team_id ?? 'T0FAKE');
  set('team_domain', fields.team_domain ?? 'ftpops-test');
  set('enterprise_id', fields.enterprise_id);
  set('enterprise_name', fields.enterprise_name);
  set('channel_id', fields.channel_id ?? 'C0FAKE');
  set('channel_name', fields.channel_name ?? 'ops');
  set('user_id', fields.user_id ?? 'U0FAKEUSER');
  set('user_name', fields.user_name ?? 'operator');
  set('command', fields.command ?? '/ftp');
  set('text', fields.text);
  set('api_app_id', fields.api_app_id ?? 'A0FAKE');
  set('is_enterprise_install', String(fields.is_enterprise_install ?? false));
  set('response_url', fields.response_url ?? 'https://hooks.slack.com/commands/T0FAKE/1/fake');
  set('trigger_id', fields.trigger_id ?? '1.2.fake-trigger');
  return p.toString();
}
