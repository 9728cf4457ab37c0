// The bot's log: JSON lines on stderr (pino), for what operators may need to audit later, such
// as refused commands. Never a secret: what is logged is ids, command kinds and our own words.
import { destination, pino, stdTimeFunctions } from 'pino';

export const log = pino({ base: undefined, timestamp: stdTimeFunctions.isoTime, level: process.env.FTPOPS_LOG_LEVEL ?? 'info' }, destination({ dest: 2, sync: true }));
