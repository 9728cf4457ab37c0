// /ftp deliveries: the board as chat text (a notice, rendered by every platform the same way).
import { type BoardRow, boardLine } from '../deliveries/delivery-board.js';
import { type Rich, rich, richLines } from './rich.js';

export function deliveryBoardText(boards: Array<{ target: string; rows: BoardRow[]; expected: string[] }>): Rich {
  if (!boards.length) return rich`no expected deliveries here (add \`deliveries:\` to a target in ftpops.yaml)`;
  const lines: Rich[] = [rich`*Expected deliveries today*`];
  for (const b of boards) {
    for (const name of b.expected) {
      const row = b.rows.find((r) => r.name === name);
      // The text is the server's and the partner's (file names, the why): plain text, never markup.
      lines.push(row ? [boardLine(row)] : [`❔ ${b.target}/${name}: not evaluated yet (is a worker running?)`]);
    }
  }
  return richLines(lines);
}
