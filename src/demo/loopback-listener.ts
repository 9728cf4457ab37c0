// Listening on loopback for a demo server, and letting go of it: the port it got, and a close
// that also ends the connections still open (a demo client may hold one for ever).
import type { AddressInfo, Server, Socket } from 'node:net';

export const LOOPBACK = '127.0.0.1';

export interface Listening {
  port: number;
  close(): Promise<void>;
}

/** Listen on 127.0.0.1:port (0 = any free port); `sockets` are the open connections to end on close. */
export async function listenOnLoopback(server: Server, port: number, sockets: Set<Socket>, onClose: () => void = () => undefined): Promise<Listening> {
  server.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, LOOPBACK, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
        onClose();
      }),
  };
}
