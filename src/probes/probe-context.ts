// What a protocol probe works with during one check, handed down by the engine.
import type { Socket } from 'node:net';
import type { ProbeFacts, ProbeRequest } from './probe.js';
import type { StageRunner } from './run-stage.js';
import type { TextCleaner } from './server-text.js';

export interface ProbeContext {
  req: ProbeRequest;
  runner: StageRunner;
  facts: ProbeFacts;
  /**
   * The ONE address the resolve stage chose and the request's policy allowed. Every connection
   * of the check (control, data, sniffing a silent or non-TLS port) goes to it, never to the host
   * name: looking the name up again could answer another address (DNS rebinding) that no policy
   * has seen. The host name is still what TLS verifies and sends as SNI.
   */
  address: string;
  /**
   * Every text a server supplies (replies, banner, paths, FEAT lines, SSH identification,
   * certificate names) passes through this before it is kept: see server-text.ts.
   */
  clean: TextCleaner;
  /** Sockets the probe opens, for the engine to destroy on abort and at the end. */
  track(socket: Socket): void;
}
