// In-process fault servers for the failures real daemons will not produce on demand.
// Plain TCP / TLS misbehaviours live in fault-tcp-servers.ts, the scriptable FTP server in
// fault-ftp-server.ts; import from here.
export * from './fault-tcp-servers.js';
export * from './fault-ftp-server.js';

import { afterAll } from 'vitest';
import type { FaultServer } from './fault-tcp-servers.js';

/**
 * For a test file's top level: returns `serve(startXServer(…))`, which awaits a fault server and
 * closes it after the file's tests.
 */
export function closedAfterAll(): <T extends FaultServer>(server: Promise<T>) => Promise<T> {
  const open: FaultServer[] = [];
  afterAll(async () => {
    await Promise.all(open.map((s) => s.close()));
  });
  return async (server) => {
    const s = await server;
    open.push(s);
    return s;
  };
}
