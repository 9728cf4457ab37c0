// A small HTTP server for what must be reachable without Slack's receiver: log ingestion (and
// the web console). When Slack runs over HTTP, its receiver serves these routes instead.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface HttpRoute {
  method: string;
  /** Matched as a prefix of the path ("/ingest/"). */
  prefix: string;
  handler: (req: IncomingMessage, res: ServerResponse) => void;
}

export async function startLocalHttp(port: number, host: string, routes: HttpRoute[]): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const route = routes.find((r) => r.method === req.method && path.startsWith(r.prefix));
    if (route) return route.handler(req, res);
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: 'not found' }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}
