// A connection a test holds open to take a daemon's connection slot, as a leaking client would:
// the raw control connection, read line by line, never through our own probe code.
import { connect, type Socket } from 'node:net';

export interface HeldConnection {
  socket: Socket;
  /** Every line the server sent so far. */
  lines: string[];
  /** Resolves with the first line matching `pattern` (rejects after `ms`). */
  waitFor(pattern: RegExp, ms?: number): Promise<string>;
  send(line: string): void;
  close(): void;
}

export async function holdConnection(port: number): Promise<HeldConnection> {
  const socket = connect({ host: '127.0.0.1', port });
  const lines: string[] = [];
  let buffer = '';
  const waiters: Array<() => void> = [];
  socket.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('latin1');
    for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
      lines.push(buffer.slice(0, nl).replace(/\r$/, ''));
      buffer = buffer.slice(nl + 1);
    }
    for (const w of waiters.splice(0)) w();
  });
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  const waitFor = (pattern: RegExp, ms = 5_000) =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no line matching ${pattern} within ${ms} ms (got ${JSON.stringify(lines)})`)), ms);
      const look = () => {
        const hit = lines.find((l) => pattern.test(l));
        if (hit !== undefined) {
          clearTimeout(timer);
          resolve(hit);
        } else waiters.push(look);
      };
      look();
    });
  return { socket, lines, waitFor, send: (line) => socket.write(`${line}\r\n`), close: () => socket.destroy() };
}
