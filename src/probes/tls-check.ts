// TLS for FTPS: the options every handshake uses, the facts read from a finished handshake, and
// the verdict on the certificate. The handshake itself always completes (rejectUnauthorized:false)
// so that the certificate can be shown even when it is expired or untrusted; the verdict is then
// Node's own chain and hostname verification (authorizationError), applied before any credential
// is sent.
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { type ConnectionOptions, createSecureContext, rootCertificates, type SecureContext, type TLSSocket } from 'node:tls';
import type { DetailedPeerCertificate } from 'node:tls';
import type { ProbeRequest, TlsFacts } from './probe.js';
import { SignalError } from './failure-signal.js';
import { cleanText, type TextCleaner } from './server-text.js';

const DAY_MS = 86_400_000;

export const MIN_TLS_VERSION = 'TLSv1.2';

/** How long a TLS 1.3 session may take to show that the server refused it after the handshake. */
export const TLS13_VERDICT_MS = 1_000;

export function tlsOptionsFor(req: ProbeRequest): ConnectionOptions {
  return {
    // Identity for hostname verification and for TLS session reuse on data connections
    // (basic-ftp binds resumption to this host, see its connectImplicitTLS comment).
    host: req.host,
    ...(isIP(req.host) ? {} : { servername: req.host }),
    rejectUnauthorized: false,
    // TLS 1.2 or newer, as a partner's current client insists (OpenSSL 3 refuses TLS 1.0/1.1 at
    // its default security level; RFC 8996 deprecates them). A server that offers only those
    // fails the handshake, and old-tls-version.ts then names the version it offers.
    minVersion: MIN_TLS_VERSION,
    ...(req.ca ? { secureContext: contextWithCa(req.ca.toString('utf8')) } : {}),
  };
}

/**
 * One secure context per CA bundle, built once: with `ca` in the options Node builds a trust store
 * of the ~146 system roots plus the bundle on every connection (~25 ms of CPU each, and RSS that
 * climbed by ~160 MiB per 1,000 connections in the soak run). Settings that a context carries
 * (minVersion) must be in it: with `secureContext` given, Node ignores them in the options.
 */
const contexts = new Map<string, SecureContext>();
const MAX_CONTEXTS = 64;

function contextWithCa(pem: string): SecureContext {
  let context = contexts.get(pem);
  if (!context) {
    context = createSecureContext({ ca: [...rootCertificates, pem], minVersion: MIN_TLS_VERSION });
    if (contexts.size >= MAX_CONTEXTS) contexts.delete(contexts.keys().next().value!);
    contexts.set(pem, context);
  }
  return context;
}

/** What the handshake showed; the certificate's names are the server's text and are cleaned. */
export function tlsFacts(socket: TLSSocket, clean: TextCleaner = cleanText, now = Date.now()): TlsFacts {
  // Detailed (with the issuer chain), asked once and first: asked again after
  // getPeerX509Certificate() it came back empty (Node 20).
  const cert = socket.getPeerCertificate(true);
  const cipher = socket.getCipher();
  const facts: TlsFacts = {
    version: socket.getProtocol() ?? undefined,
    cipher: cipher?.standardName ?? cipher?.name,
    authorized: socket.authorized,
  };
  if (socket.authorizationError) facts.authorizationError = clean(String(socket.authorizationError));
  if (cert && Object.keys(cert).length > 0) {
    const subject = distinguishedName(cert.subject);
    const issuer = distinguishedName(cert.issuer);
    if (subject !== undefined) facts.subject = clean(subject);
    if (issuer !== undefined) facts.issuer = clean(issuer);
    facts.subjectAltNames = cert.subjectaltname ? cert.subjectaltname.split(/,\s*/).map(clean) : [];
    facts.validFrom = new Date(cert.valid_from).toISOString();
    facts.validTo = new Date(cert.valid_to).toISOString();
    facts.daysLeft = Math.floor((Date.parse(cert.valid_to) - now) / DAY_MS);
    facts.fingerprint256 = cert.fingerprint256;
    if (cert.serialNumber) facts.serial = cert.serialNumber.toUpperCase();
    facts.chain = chainOf(cert, clean);
    const spki = spki256(socket);
    if (spki) facts.spki256 = spki;
  }
  return facts;
}

/** SHA-256 of the leaf's SubjectPublicKeyInfo (DER), base64: the HPKP / `openssl pkey -pubout` pin form. */
function spki256(socket: TLSSocket): string | undefined {
  try {
    const der = socket.getPeerX509Certificate()?.publicKey.export({ type: 'spki', format: 'der' });
    return der ? createHash('sha256').update(der).digest('base64') : undefined;
  } catch {
    return undefined;
  }
}

/** Leaf first, each certificate's issuer after it, until a self-signed one (Node links it to itself). */
function chainOf(leaf: DetailedPeerCertificate, clean: TextCleaner): NonNullable<TlsFacts['chain']> {
  const chain: NonNullable<TlsFacts['chain']> = [];
  const seen = new Set<string>();
  for (let cert: DetailedPeerCertificate | undefined = leaf; cert && Object.keys(cert).length && !seen.has(cert.fingerprint256) && chain.length < 10; cert = cert.issuerCertificate) {
    seen.add(cert.fingerprint256);
    chain.push({ subject: clean(distinguishedName(cert.subject) ?? ''), issuer: clean(distinguishedName(cert.issuer) ?? ''), fingerprint256: cert.fingerprint256 });
  }
  return chain;
}

/**
 * A target that pins its certificate's key (`pin: spki`) or issuer (`pin: issuer`) fails here,
 * after the handshake and before USER/PASS, when the leaf's key or issuer is not the remembered one.
 */
export function verifyTlsPin(facts: TlsFacts, req: ProbeRequest): void {
  const pin = req.tlsPin;
  if (!pin) return;
  const was = pin.kind === 'spki' ? pin.spki256 : pin.issuer;
  const now = pin.kind === 'spki' ? facts.spki256 : facts.issuer;
  if (was === undefined || was === now) return;
  throw new SignalError({
    source: 'check',
    key: 'tls_identity_changed',
    stage: 'secure',
    message: pin.kind === 'spki' ? `certificate key (SPKI sha256/${now ?? '?'}) is not the pinned sha256/${was}` : `certificate issued by ${now ?? 'unknown'}, not by the pinned ${was}`,
  });
}

/** Throws a tls SignalError unless the certificate is one the check may trust. */
export function verifyCertificate(facts: TlsFacts, req: ProbeRequest, now = Date.now()): void {
  if (req.insecure) return;
  const expired = facts.validTo !== undefined && Date.parse(facts.validTo) < now;
  // An expired certificate is the most actionable fact, whatever else is wrong with the chain.
  const key = expired ? 'CERT_HAS_EXPIRED' : facts.authorized ? undefined : (facts.authorizationError ?? 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  if (!key) return;
  throw new SignalError({
    source: 'tls',
    key,
    stage: 'secure',
    message: describe(key, facts),
  });
}

function describe(key: string, facts: TlsFacts): string {
  const subject = facts.subject ? ` for ${facts.subject}` : '';
  if (key === 'CERT_HAS_EXPIRED') return `certificate${subject} expired on ${facts.validTo?.slice(0, 10)}`;
  if (key === 'ERR_TLS_CERT_ALTNAME_INVALID') return `certificate${subject} names ${facts.subjectAltNames?.join(', ') || 'other hosts'}`;
  return `certificate${subject} issued by ${facts.issuer ?? 'unknown'} is not trusted (${key})`;
}

function distinguishedName(name: object | undefined): string | undefined {
  if (!name) return undefined;
  return Object.entries(name as Record<string, string | string[] | undefined>)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : v}`)
    .join(', ');
}

/**
 * TLS 1.3 finishes the client's side of the handshake before the server has judged the client's
 * certificate (RFC 8446 §4.4.2.4): a server that requires one sends its certificate_required
 * alert after "secureConnect", and the client hears it at its first read. For a server that speaks
 * first (implicit FTPS: the greeting), wait until there is something to read, or the alert, or a
 * hang-up, for up to `ms`; what was received stays buffered for the protocol library.
 */
export function awaitTls13Verdict(socket: TLSSocket, ms = TLS13_VERDICT_MS): Promise<void> {
  if (socket.getProtocol() !== 'TLSv1.3' || socket.readableLength > 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = (err?: Error) => {
      clearTimeout(timer);
      socket.off('readable', onReadable);
      socket.off('error', onError);
      socket.off('close', onClose);
      if (err) reject(err);
      else resolve();
    };
    const onReadable = () => done();
    const onError = (err: Error) => done(err);
    const onClose = () => done();
    const timer = setTimeout(() => done(), ms);
    socket.on('readable', onReadable);
    socket.once('error', onError);
    socket.once('close', onClose);
  });
}
