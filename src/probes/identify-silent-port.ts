// A port that accepts but says nothing may be waiting for the client to speak first: TLS
// (an implicit-FTPS or HTTPS port) or HTTP. Ask both ways, on connections of their own, so a
// silent port can be reported as "speaks tls/http" rather than only "no greeting".
// `address` is the check's resolved address, never a name (see ProbeContext.address).
import { Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { classifyFirstBytes, type Speaks } from './wire-watch.js';
import { SignalError } from './failure-signal.js';
import { noSecondLookup } from './net-stages.js';

/** Resolves 'tls', 'http' or undefined (still silent) within budgetMs; never rejects. */
export function identifySilentPort(address: string, port: number, budgetMs: number): Promise<Speaks | undefined> {
  const sockets: Socket[] = [];
  const attempts = [askTls(address, port, sockets), askHttp(address, port, sockets)];
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), budgetMs);
  });
  const firstAnswer = Promise.all(attempts.map((a) => a.then((v) => (v ? Promise.reject(v) : undefined)))).then(
    () => undefined,
    (speaks: Speaks) => speaks,
  );
  return Promise.race([firstAnswer, timeout]).finally(() => {
    clearTimeout(timer);
    for (const s of sockets) s.destroy();
  });
}

function askTls(address: string, port: number, sockets: Socket[]): Promise<Speaks | undefined> {
  return new Promise((resolve) => {
    // Only the handshake is wanted: no certificate is trusted or used here.
    const socket = tlsConnect({ host: address, port, rejectUnauthorized: false, lookup: noSecondLookup });
    sockets.push(socket);
    socket.once('secureConnect', () => resolve('tls'));
    socket.once('error', (err: NodeJS.ErrnoException) => {
      // A TLS alert means a TLS server that did not like our hello: still TLS.
      resolve(/alert/i.test(err.message) ? 'tls' : undefined);
    });
    socket.once('close', () => resolve(undefined));
  });
}

function askHttp(address: string, port: number, sockets: Socket[]): Promise<Speaks | undefined> {
  return new Promise((resolve) => {
    const socket = new Socket();
    sockets.push(socket);
    let head = '';
    socket.once('error', () => resolve(undefined));
    socket.once('close', () => resolve(undefined));
    socket.on('data', (chunk: Buffer) => {
      head += chunk.toString('latin1');
      if (head.length >= 5) resolve(head.startsWith('HTTP/') ? 'http' : undefined);
    });
    socket.connect({ host: address, port, lookup: noSecondLookup }, () => socket.write('HEAD / HTTP/1.0\r\n\r\n'));
  });
}

/** Read what a port says on its own within budgetMs (for a port that failed a TLS handshake). */
export function sniffGreeting(address: string, port: number, budgetMs: number): Promise<Speaks | undefined> {
  return new Promise((resolve) => {
    const socket = new Socket();
    let bytes = Buffer.alloc(0);
    const finish = (speaks: Speaks | undefined) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(speaks);
    };
    const timer = setTimeout(() => finish(bytes.length ? classifyFirstBytes(bytes) ?? 'unknown' : undefined), budgetMs);
    socket.once('error', () => finish(undefined));
    socket.once('close', () => finish(bytes.length ? classifyFirstBytes(bytes) ?? 'unknown' : undefined));
    socket.on('data', (chunk: Buffer) => {
      bytes = Buffer.concat([bytes, chunk]).subarray(0, 512);
      const speaks = classifyFirstBytes(bytes);
      if (speaks) finish(speaks);
    });
    socket.connect({ host: address, port, lookup: noSecondLookup });
  });
}

/** How long a port may stay silent before it is asked whether it waits for TLS or HTTP. */
export const SILENCE_BEFORE_IDENTIFY_MS = 2_000;

/**
 * While a probe waits for a greeting: once the port has been silent for a while, ask it (on
 * other connections) whether it speaks TLS or HTTP, and report a protocol.mismatch if so.
 * Returns a function that cancels the wait.
 */
export function reportForeignIfSilent(
  isSilent: () => boolean,
  address: string,
  port: number,
  expected: string,
  onForeign: (error: SignalError) => void,
): () => void {
  const timer = setTimeout(async () => {
    if (!isSilent()) return;
    const speaks = await identifySilentPort(address, port, 3_000);
    if (speaks && isSilent()) {
      onForeign(new SignalError({
        source: 'protocol',
        key: `mismatch:${speaks}`,
        speaks,
        stage: 'greet',
        message: `no ${expected}; the port answers ${speaks === 'tls' ? 'a TLS handshake (implicit FTPS? try ftps://)' : 'HTTP'}`,
      }));
    }
  }, SILENCE_BEFORE_IDENTIFY_MS);
  return () => clearTimeout(timer);
}
