// A small TCP front in front of an in-process FTP server, for the faults ftp-srv cannot produce
// through its own API: a 421 refusal before the server says anything (a full vsftpd), and a TCP
// reset at a chosen moment (fail2ban, an IPS, a crashing daemon). It relays the control
// connection only: PASV answers 127.0.0.1 and a port of the FTP server itself, so data
// connections go straight to it and never pass through here.
import { connect, createServer, type Server, type Socket } from 'node:net';
import { LOOPBACK, listenOnLoopback } from './loopback-listener.js';


export interface FrontOptions {
  /** Public port (0: any free one). */
  port: number;
  /** Where the real server listens on 127.0.0.1. */
  backendPort: number;
  /** Called at accept: a reply to send before closing (e.g. a 421), or undefined to relay. */
  refusal?: () => string | undefined;
  /**
   * Asked for every chunk the client sends once the server has spoken: true resets both sides.
   * For FTP that is the first command after the 220 greeting (USER, or AUTH TLS); for implicit
   * FTPS, the client's second TLS flight, i.e. during the handshake.
   */
  resetNow?: () => boolean;
}

export interface Front {
  port: number;
  close(): Promise<void>;
}

export async function startFront(options: FrontOptions): Promise<Front> {
  const sockets = new Set<Socket>();
  const track = (socket: Socket): Socket => {
    sockets.add(socket);
    // A client that resets or vanishes must never crash the process that hosts the demo.
    socket.on('error', () => undefined);
    socket.once('close', () => sockets.delete(socket));
    return socket;
  };

  const server: Server = createServer((client) => {
    track(client);
    const refusal = options.refusal?.();
    client.setNoDelay(true);
    if (refusal !== undefined) {
      // Read (and drop) whatever the client still sends, such as its QUIT: an unread socket
      // stays half-open for good, and the soak run leaked ~1,400 of them per 10,000 checks.
      client.end(`${refusal}\r\n`);
      client.resume();
      return;
    }
    const backend = track(connect({ host: LOOPBACK, port: options.backendPort }));
    // Nagle off both ways: small control replies would otherwise wait ~40 ms for delayed ACKs.
    backend.setNoDelay(true);
    let serverSpoke = false;
    // Relayed by hand rather than with pipe(): a chunk that triggers a reset must not reach the
    // server first. Control connections carry a few hundred bytes, so back-pressure is moot.
    backend.on('data', (chunk: Buffer) => {
      serverSpoke = true;
      if (!client.destroyed) client.write(chunk);
    });
    client.on('data', (chunk: Buffer) => {
      if (serverSpoke && options.resetNow?.()) {
        client.resetAndDestroy();
        backend.destroy();
        return;
      }
      if (!backend.destroyed) backend.write(chunk);
    });
    // Half-close passes through (QUIT → 221 → server closes); a vanished side takes the other along.
    client.on('end', () => backend.end());
    backend.on('end', () => client.end());
    client.on('close', () => backend.destroy());
    backend.on('close', () => {
      if (!client.destroyed && !client.writableEnded) client.destroy();
    });
  });
  return listenOnLoopback(server, options.port, sockets);
}
