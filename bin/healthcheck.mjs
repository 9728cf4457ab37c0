#!/usr/bin/env node
// The container's health check: GET /healthz (or the path given, e.g. /readyz) on the bot's port
// ($PORT, 3000) or the worker's metrics port ($FTPOPS_METRICS_PORT), whichever this role serves.
// Exit 0 when one answers 200 within 3 s, else 1. No dependencies: it runs in any ftpops image.
const path = process.argv[2] ?? '/healthz';
const ports = [process.env.FTPOPS_METRICS_PORT, process.env.PORT ?? '3000'].filter(Boolean);
for (const port of ports) {
  try {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(3_000) });
    if (res.ok) process.exit(0);
  } catch {
    // Nothing on this port in this role: try the next.
  }
}
process.exit(1);
