// The board as the workers last wrote it (one row per expectation, refreshed at every
// evaluation), for the chat: the bot lists nothing itself.
import type { TargetsFile } from '../config/targets-file.js';
import type { BoardRow } from './delivery-board.js';
import type { DeliveryStore } from './delivery-store.js';

export class DeliveryBoardReader {
  constructor(private readonly store: Pick<DeliveryStore, 'rows'>) {}

  /** Rows of these targets that have deliveries, in the order of the targets file. */
  async rows(config: TargetsFile, targets: string[]): Promise<Array<{ target: string; rows: BoardRow[]; expected: string[] }>> {
    const out = [];
    for (const name of targets) {
      const expected = (config.targets.get(name)?.deliveries ?? []).map((d) => d.name);
      if (!expected.length) continue;
      const rows = await this.store.rows(name);
      out.push({ target: name, expected, rows: expected.flatMap((n) => rows.filter((r) => r.name === n)) });
    }
    return out;
  }
}
