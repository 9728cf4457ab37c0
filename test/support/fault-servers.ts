// In-process fault servers for the failures real daemons will not produce on demand.
// Plain TCP / TLS misbehaviours live in fault-tcp-servers.ts, the scriptable FTP server in
// fault-ftp-server.ts; import from here.
export * from './fault-tcp-servers.js';
export * from './fault-ftp-server.js';
