// A loopback TCP relay in front of a real daemon that delivers each chunk the server sends in two
// pieces, the first `splitAt` bytes and, `pauseMs` later, the rest: a reply such as
// "500 OOPS: reason\r\n" reaches the client as "500 " … "OOPS: reason\r\n", which is how a
// reply split over several write()s (vsftpd's die()) arrives whenever a read falls in between.
// The bytes and their order are the daemon's own; only where reads end is chosen here. The client
// side is forwarded unchanged.
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface SplitRelay {
  port: number;
  close(): Promise<void>;
}

export async function startSplitRelay(targetPort: number, opts: { splitAt?: number; pauseMs?: number } = {}): Promise<SplitRelay> {
  const splitAt = opts.splitAt ?? 4;
  const pauseMs = opts.pauseMs ?? 30;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect({ host: '127.0.0.1', port: targetPort });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.setNoDelay(true);
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    }
    client.pipe(upstream);
    // One chunk at a time, in order: the second piece of a chunk goes out before the next chunk.
    let queue = Promise.resolve();
    upstream.on('data', (chunk: Buffer) => {
      queue = queue.then(async () => {
        if (client.destroyed) return;
        client.write(chunk.subarray(0, splitAt));
        if (chunk.length > splitAt) {
          await new Promise((r) => setTimeout(r, pauseMs));
          if (!client.destroyed) client.write(chunk.subarray(splitAt));
        }
      });
    });
    upstream.on('end', () => void queue.then(() => client.end()));
    upstream.on('close', () => void queue.then(() => client.destroy()));
    client.on('close', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('relay did not listen');
  return {
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
