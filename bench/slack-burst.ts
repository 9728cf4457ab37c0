// The load generator of bench:slack, in a process of its own: sends N signed /ftp check requests
// at once and prints their acknowledgement times (JSON on stdout). Apart from the fake Slack (which
// the bot's follow-up calls keep busy), so that a busy fake cannot delay reading the bot's answers.
//   tsx bench/slack-burst.ts PORT COUNT RESPONSE_URL
import { sendSlashCommand } from '../test/support/bot-process.js';

const [port, count, responseUrl] = process.argv.slice(2);
const acks = await Promise.all(
  // Different people: one person's burst would be (rightly) slowed down by the per-user rate.
  Array.from({ length: Number(count) }, (_, i) => sendSlashCommand(Number(port), 'check bench-ftp', { channel: `CACK${i % 10}`, user: `U0BENCH${i}`, responseUrl: responseUrl! })),
);
process.stdout.write(JSON.stringify(acks.map((a) => ({ status: a.status, ms: a.ms }))));
