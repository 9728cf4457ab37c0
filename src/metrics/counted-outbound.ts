// A chat platform's outbound (post, edit) that counts its failures in the metrics: a failure
// here is one the platform's client library already retried and gave up on.
import type { ChatOutbound } from '../bot/incoming.js';
import { processMetrics } from './metrics.js';

export function countedOutbound(platform: string, outbound: ChatOutbound): ChatOutbound {
  const counted = <T>(call: Promise<T>): Promise<T> =>
    call.catch((err: unknown) => {
      processMetrics().chatError(platform);
      throw err;
    });
  return {
    post: (place, message) => counted(outbound.post(place, message)),
    edit: (ref, message) => counted(outbound.edit(ref, message)),
  };
}
