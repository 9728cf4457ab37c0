// FTP, explicit FTPS (AUTH TLS, RFC 4217) and implicit FTPS, driven step by step through
// basic-ftp so that every stage can be timed and classified on its own and the greeting is kept
// even when it is a refusal (basic-ftp's access() loses it on failure).
import type { Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { Client, type FTPContext, FTPError, type FTPResponse } from 'basic-ftp';
import type { ProbeFacts } from '../probe.js';
import type { ProbeContext } from '../probe-context.js';
import { SignalError } from '../failure-signal.js';
import type { TextCleaner } from '../server-text.js';
import { WireWatch } from '../wire-watch.js';
import { reportForeignIfSilent, sniffGreeting } from '../identify-silent-port.js';
import { tlsFacts, tlsOptionsFor, verifyCertificate, verifyTlsPin } from '../tls-check.js';
import { passiveStrategy } from './passive-strategy.js';
import { canaryPayload, sha256 } from '../canary.js';
import { softwareFromBanner } from '../server-software.js';
import { collectStream, streamOf } from './streams.js';
import { probePlaintextLogin } from './plaintext-probe.js';
import { ProbeFtpContext } from './probe-ftp-context.js';
import { changeDirectory } from './change-directory.js';
import { removeLeftoverCanary } from './leftover-canary.js';
import { awaitTls13Verdict } from '../tls-check.js';
import { explainVersionFailure } from '../old-tls-version.js';
import { listedEntry } from './listed-entry.js';

/** A basic-ftp Client that exposes the greeting step and remembers what FEAT said. */
export class ProbeFtpClient extends Client {
  features_: string[] = [];

  constructor(private readonly clean: TextCleaner) {
    // basic-ftp's own timeout stays off: the stage runner owns every deadline.
    super(0);
    // Whole reply lines, and a control reply before a data error: see probe-ftp-context.ts.
    (this as { ftp: FTPContext }).ftp = new ProbeFtpContext();
  }

  get context(): ProbeFtpContext {
    return this.ftp as ProbeFtpContext;
  }

  /** What Client.connect() does after the socket connects (its own step is private). */
  awaitGreeting(): Promise<FTPResponse> {
    return this.ftp.handle(undefined, (res, task) => {
      if (res instanceof Error) task.reject(res);
      // 120 "ready in nnn minutes" is not ready: reject it like any non-2xx greeting.
      else if (res.code >= 200 && res.code < 300) task.resolve(res);
      else task.reject(new FTPError(res));
    });
  }

  override async features(): Promise<Map<string, string>> {
    const features = await super.features();
    this.features_ = [...features.entries()].map(([k, v]) => this.clean(v ? `${k} ${v}` : k));
    return features;
  }
}

const ANONYMOUS = { user: 'anonymous', password: 'anonymous@' };

export async function runFtpProbe(ctx: ProbeContext, socket: Socket): Promise<void> {
  const { req, runner, facts, clean } = ctx;
  const client = new ProbeFtpClient(clean);
  client.prepareTransfer = passiveStrategy(ctx);
  const closeClient = () => client.close();
  try {
    if (req.protocol === 'ftps') {
      // The certificate is judged exactly as for explicit FTPS, before a password is sent.
      const secured = await runner.run('secure', async () => {
        const tls = checkTls(await implicitHandshake(ctx, socket).catch(async (err) => {
          throw await explainVersionFailure(ctx, err, false);
        }), ctx);
        // TLS 1.3 delivers a refused client certificate after the handshake "succeeded": the
        // greeting is the first thing read, so wait for it (or the alert) here.
        await awaitTls13Verdict(tls);
        return tls;
      }, (s) => describeTls(facts, s));
      await greet(ctx, client, secured);
      client.ftp.tlsOptions = tlsOptionsFor(req); // after the socket: setting the socket resets them
    } else {
      await greet(ctx, client, socket);
      if (req.protocol === 'ftpes') {
        await runner.run('secure', async () => {
          await client.useTLS(tlsOptionsFor(req)).catch(async (err) => {
            throw await explainVersionFailure(ctx, err, true);
          });
          const tls = checkTls(client.ftp.socket as TLSSocket, ctx);
          // One exchange inside TLS before the stage passes: TLS 1.3 delivers a refused client
          // certificate (alert 116, certificate_required, RFC 8446 §4.4.2.4) only when the client
          // first reads. PBSZ 0 is due before PROT anyway (RFC 4217 §9) and harmless before USER;
          // any reply will do, only an alert or a hang-up fails the stage.
          await client.ftp.request('PBSZ 0').catch((err: unknown) => {
            if (!(err instanceof FTPError)) throw err;
          });
          return tls;
        }, (s) => describeTls(facts, s));
      } else {
        runner.skip('secure', 'plain FTP: no TLS');
      }
    }

    if (req.plaintextProbe) {
      // Only USER with a throwaway name: the request carries no credentials to send anyway.
      await probePlaintextLogin(ctx, client);
    } else {
      await loginListTransfer(ctx, client);
    }

    // QUIT is a courtesy: a server that hangs up without 221 does not fail the check.
    await runner
      .run('close', async () => {
        const res = await client.send('QUIT').catch(() => undefined);
        return res ? `${res.code}` : 'closed';
      }, (s) => s)
      .catch(() => undefined);
  } finally {
    closeClient();
  }
}

async function loginListTransfer(ctx: ProbeContext, client: ProbeFtpClient): Promise<void> {
  const { req, runner, facts, clean } = ctx;
  const credentials = req.user ? { user: req.user, password: req.password ?? '' } : ANONYMOUS;
  facts.loginUser = credentials.user;
  await runner.run('login', async () => {
    const res = await client.login(credentials.user, credentials.password);
    await client.useDefaultSettings();
    facts.features = client.features_;
    return res;
  }, (res) => `${res.code} ${clean(res.message.replace(/^\d{3}[ -]?/, ''))}`);

  await runner.run('list', async () => {
    if (req.path) await changeDirectory(ctx, client, req.path);
    // The path is the server's text (PWD's reply), like any other.
    facts.cwd = clean(await client.pwd());
    const entries = await client.list();
    facts.entries = entries.length;
    const listing = req.listing;
    if (listing) for (const entry of entries) if (entry.isFile && listing.wants(entry.name)) listing.keep(listedEntry(entry));
    return entries.length;
  }, (n) => `${facts.cwd} — ${n} entr${n === 1 ? 'y' : 'ies'}${facts.passiveAddress ? ` via passive ${facts.passiveAddress}` : ''}`);

  if (req.write) {
    await runner.run('transfer', () => roundTrip(ctx, client), (n) => `${n} bytes up and down, SHA-256 matches`);
  } else {
    runner.skip('transfer', 'read-only check (use --write for an upload/download round trip)');
  }
}

async function greet(ctx: ProbeContext, client: ProbeFtpClient, socket: Socket): Promise<void> {
  const { runner, facts, clean } = ctx;
  const watch = new WireWatch(socket, { expects: 'ftp', clean });
  client.context.adopt(socket);
  try {
    const res = await runner.run('greet', async () => {
      try {
        const res = await awaitGreeting(ctx, client, watch);
        await watch.lineEnd();
        return res;
      } catch (err) {
        // The watch destroyed the socket for an oversized reply: report that, not the socket error.
        throw watch.violation ? new SignalError(watch.violation) : err;
      }
    }, (r) => clean(r.message.split(/\r?\n/)[0] ?? ''));
    facts.banner = bannerOf(res.message, clean);
    facts.software = softwareFromBanner(facts.banner);
  } catch (err) {
    // A refusing greeting (421, 500 OOPS) is a fact worth showing too.
    if (watch.firstLine) facts.banner = watch.firstLine;
    throw err;
  } finally {
    watch.release();
  }
}

async function awaitGreeting(ctx: ProbeContext, client: ProbeFtpClient, watch: WireWatch): Promise<FTPResponse> {
  const greeting = client.awaitGreeting();
  const socket = client.ftp.socket;
  let cancel = () => undefined as void;
  // If the port stays silent, it may be waiting for the client: TLS (implicit FTPS, HTTPS) or HTTP.
  const foreign = new Promise<never>((_, reject) => {
    cancel = reportForeignIfSilent(() => watch.silent && !socket.destroyed, ctx.address, ctx.req.port, 'FTP greeting', reject);
  });
  try {
    return await Promise.race([greeting, watch.verdict.then(() => greeting), foreign]);
  } finally {
    cancel();
  }
}

async function implicitHandshake(ctx: ProbeContext, socket: Socket): Promise<TLSSocket> {
  const { req, track } = ctx;
  // Over the connected socket: TLS opens no connection of its own (host is only for verification).
  const options: ConnectionOptions = { ...tlsOptionsFor(req), socket };
  try {
    return await new Promise<TLSSocket>((resolve, reject) => {
      const secured = tlsConnect(options, () => {
        secured.off('error', reject);
        resolve(secured);
      });
      track(secured);
      secured.once('error', reject);
    });
  } catch (err) {
    // A plaintext greeting where a TLS ServerHello was expected: say what the port speaks.
    // On a connection of its own, to the address already checked: the failed handshake has
    // destroyed the socket (its remoteAddress is gone) and the name must not be looked up again.
    const speaks = await sniffGreeting(ctx.address, req.port, 1_500);
    if (speaks && speaks !== 'tls') {
      throw new SignalError({
        source: 'protocol',
        key: `mismatch:${speaks}`,
        speaks,
        stage: 'secure',
        message: `implicit FTPS expected a TLS handshake but the port speaks ${speaks}${speaks === 'ftp' ? ' in plain text (try ftp:// or ftpes://)' : ''}`,
      });
    }
    throw err;
  }
}

function checkTls(socket: TLSSocket, ctx: ProbeContext): TLSSocket {
  ctx.facts.tls = tlsFacts(socket, ctx.clean);
  verifyCertificate(ctx.facts.tls, ctx.req);
  verifyTlsPin(ctx.facts.tls, ctx.req);
  return socket;
}

function describeTls(facts: ProbeFacts, _socket: TLSSocket): string {
  const t = facts.tls;
  return t ? `${t.version ?? '?'} ${t.cipher ?? ''}${t.daysLeft !== undefined ? `, certificate ${t.daysLeft} days left` : ''}`.trim() : 'TLS';
}

async function roundTrip(ctx: ProbeContext, client: ProbeFtpClient): Promise<number> {
  const { facts } = ctx;
  const { name, payload } = canaryPayload();
  // From the moment STOR may have created the file, it is ours to delete, whatever happens next:
  // a refused or broken upload (a full disk) leaves a 0-byte file on most servers.
  let started = false;
  let removed = false;
  try {
    started = true;
    await client.uploadFrom(streamOf(payload), name);
    const back = await collectStream((sink) => client.downloadTo(sink, name));
    // A server that takes the upload but refuses DELE fails the round trip: it would leave files.
    await client.remove(name);
    removed = true;
    const expected = sha256(payload);
    if (sha256(back) !== expected) {
      throw new SignalError({
        source: 'check',
        key: 'checksum_mismatch',
        stage: 'transfer',
        message: `uploaded ${payload.length} bytes (sha256 ${expected.slice(0, 12)}…) but read back ${back.length} bytes (sha256 ${sha256(back).slice(0, 12)}…)`,
      });
    }
    facts.transfer = { bytes: payload.length, sha256: expected };
    return payload.length;
  } finally {
    if (started && !removed) {
      const left = await removeLeftoverCanary(ctx, client, name);
      if (left) facts.canaryLeft = left;
    }
  }
}

function bannerOf(message: string, clean: TextCleaner): string {
  return message
    .split(/\r?\n/)
    .map((line) => clean(line.replace(/^\d{3}[ -]?/, '')))
    .filter((line) => line.length > 0)
    .join('\n');
}
