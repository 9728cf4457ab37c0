// The probe contract: what a check asks for and what it reports.
// Everything chat, alerts and runbooks show is derived from a ProbeReport.

export type Protocol = 'ftp' | 'ftpes' | 'ftps' | 'sftp';

/** Stages in the order a check walks them (see docs/domain.md, The stages of a check). */
export const STAGE_NAMES = [
  'resolve',
  'connect',
  'greet',
  'secure',
  'login',
  'list',
  'transfer',
  'close',
] as const;
export type StageName = (typeof STAGE_NAMES)[number];

export type StageStatus = 'ok' | 'failed' | 'skipped';

export interface StageResult {
  name: StageName;
  status: StageStatus;
  durationMs: number;
  /** One line for people: "127.0.0.1:2121", "TLSv1.3 TLS_AES_256_GCM_SHA384", "12 entries". */
  detail?: string;
}

/** A reply the server itself sent: an FTP reply, an SSH disconnect or SFTP status, a TLS alert. */
export interface ServerReply {
  code?: number | string;
  text: string;
}

/** What the host key / TLS / socket layer said, in a shape the knowledge base can look up. */
export interface FailureSignal {
  /** Where the signal came from; together with `key` it selects a knowledge-base rule. */
  source: SignalSource;
  /** e.g. "530", "ECONNREFUSED", "CERT_HAS_EXPIRED", "client-authentication", "mismatch:ssh" */
  key: string;
  stage: StageName;
  /** For FTP: whether the fault was on the data connection rather than the control connection. */
  channel?: 'control' | 'data';
  reply?: ServerReply;
  /** Extra words for people (never a secret). */
  message?: string;
  /** What a foreign port speaks, for `protocol.mismatch`. */
  speaks?: 'ssh' | 'ftp' | 'tls' | 'http' | 'unknown';
  /**
   * What the probe found out beside the reply, for rules that the reply alone cannot decide, e.g.
   * "path-present" / "path-absent" / "path-unknown" after an FTP CWD refusal that gives no reason.
   */
  evidence?: string;
}

export type SignalSource =
  | 'ftp-reply' // an FTP reply code from the server (basic-ftp FTPError)
  | 'errno' // a Node socket/DNS errno (ECONNREFUSED, ENOTFOUND, ...)
  | 'tls' // a TLS verification or handshake error (CERT_HAS_EXPIRED, ERR_SSL_..., hostname)
  | 'ssh' // an ssh2 error level or SSH-specific condition
  | 'sftp' // an SFTP status code (SSH_FX_*)
  | 'protocol' // the port speaks another protocol: key "mismatch:<ssh|ftp|tls|http|unknown>"
  | 'timeout' // a stage or the whole check ran out of time: key "stage" | "overall"
  | 'check'; // a verdict of ours, e.g. "checksum_mismatch", "hostkey_mismatch"

export type Layer = 'dns' | 'tcp' | 'protocol' | 'tls' | 'ssh' | 'auth' | 'data' | 'fs' | 'check';

export interface Finding {
  code: string;
  severity: 'failure' | 'warning';
  layer: Layer;
  stage: StageName;
  reply: ServerReply | null;
  title: string;
  causes: string[];
  nextSteps: string[];
  runbook: string;
  /** Extra context for this occurrence: "the port speaks ssh", "certificate expires in 12 days". */
  detail?: string;
}

export interface TlsFacts {
  version?: string;
  cipher?: string;
  subject?: string;
  issuer?: string;
  subjectAltNames?: string[];
  validFrom?: string;
  validTo?: string;
  daysLeft?: number;
  fingerprint256?: string;
  /** Hex serial number of the leaf certificate. */
  serial?: string;
  /** SHA-256 of the leaf's SubjectPublicKeyInfo, base64 (HPKP form): what `pin: spki` compares. */
  spki256?: string;
  /** The chain as the server sent it, leaf first, up to the trust anchor when it was sent. */
  chain?: Array<{ subject: string; issuer: string; fingerprint256: string }>;
  authorized?: boolean;
  authorizationError?: string;
}

export interface SshFacts {
  identification?: string;
  kex?: string;
  hostKeyAlgorithm?: string;
  cipher?: string;
  mac?: string;
  compression?: string;
  hostKeyFingerprint?: string;
  /** The presented key's type as its blob names it: ssh-ed25519, ecdsa-sha2-nistp256, ssh-rsa. */
  hostKeyType?: string;
  /** Every host key the server proved it holds (OpenSSH hostkeys-00 after login). */
  hostKeys?: HostKeyId[];
  /**
   * After a host key mismatch: what the server presents for each other expected key type, from
   * key-exchange-only connections (no authentication): a whole-server rebuild changes them all.
   */
  otherKeys?: HostKeyId[];
}

/** One SSH host key: its type and OpenSSH fingerprint. */
export interface HostKeyId {
  type: string;
  fingerprint: string;
  /** The public key blob, base64 (as in known_hosts): public, kept so known_hosts lines can be written. */
  key?: string;
}

/** A certificate pin: the leaf's key (SPKI hash) or its issuer must stay what it was. */
export interface TlsPin {
  kind: 'spki' | 'issuer';
  spki256?: string;
  issuer?: string;
}

export interface ProbeFacts {
  host?: string;
  port?: number;
  /** Every address the name resolved to, and the one the check used. */
  addresses?: string[];
  address?: string;
  banner?: string;
  software?: string;
  features?: string[];
  passiveAddress?: string;
  tls?: TlsFacts;
  ssh?: SshFacts;
  cwd?: string;
  entries?: number;
  loginUser?: string;
  transfer?: { bytes: number; sha256: string };
  /** Set when a canary of the transfer stage could not be deleted (or may not have been): why. */
  canaryLeft?: string;
}

export interface ProbeReport {
  target: string;
  /** The URL without password. */
  url: string;
  protocol: Protocol;
  ok: boolean;
  startedAt: string;
  durationMs: number;
  stages: StageResult[];
  finding: Finding | null;
  warnings: Finding[];
  facts: ProbeFacts;
}

/** Per-stage deadlines in milliseconds. */
export type StageTimeouts = Record<StageName, number>;

/** Everything a probe needs, secrets already resolved from their references. */
export interface ProbeRequest {
  /** Target name, or the URL when checked ad hoc. */
  target: string;
  protocol: Protocol;
  host: string;
  port: number;
  user?: string;
  password?: string;
  privateKey?: Buffer;
  passphrase?: string;
  /** Directory to list (and to write the canary into). */
  path?: string;
  write: boolean;
  /** Pinned SSH host key, OpenSSH form "SHA256:…". */
  hostKey?: string;
  /**
   * Host keys the server may present (remembered from an earlier check, or from a known_hosts
   * file): any other key fails ssh.hostkey_mismatch before a credential is offered.
   */
  expectedHostKeys?: HostKeyId[];
  /** Where the expected keys come from, for the finding's words. */
  expectedFrom?: string;
  /**
   * What happens when nothing pins the host key: 'remember' (a configured target: the worker
   * remembers it on first sight), 'any' (the target opted out with `hostKey: any`). Unset (ad-hoc
   * and command-line checks): a ssh.hostkey_unpinned warning names the fingerprint to pin.
   */
  unpinned?: 'remember' | 'any';
  /** A certificate pin: a leaf whose key or issuer differs fails tls.identity_changed before login. */
  tlsPin?: TlsPin;
  /** PEM CA bundle to trust in addition to the system store. */
  ca?: Buffer;
  insecure: boolean;
  /** Overall deadline for the check. */
  timeoutMs: number;
  stageTimeouts: StageTimeouts;
  /**
   * Plaintext-exposure probe (protocol ftp only): would the server take a password over plain
   * FTP? Sends USER with a throwaway name and never PASS; login passes on 331, fails with the
   * server's refusal; nothing is listed or written. Set by the worker alone, for a runbook step
   * probing a TLS or SFTP target as plain FTP, whose credentials must never travel in the clear
   * (the request then carries none). See probes/ftp/plaintext-probe.ts.
   */
  plaintextProbe?: boolean;
  /**
   * Ad-hoc checks: may the check connect to this resolved address? A refusal (one line) ends the
   * check at the resolve stage as check.address_denied, before any connection is made.
   */
  refuseAddress?: (address: string, host: string) => string | undefined;
  /**
   * Hears the list stage's entries that `wants` (by name), with their facts: expected deliveries
   * keep the matching files only (src/deliveries/folder-listing.ts), and the facts of the others
   * are never worked out. Set by the worker; never job data.
   */
  listing?: { wants(name: string): boolean; keep(entry: ListedEntry): void };
}

/** A directory entry with the facts the server gave: MLSD facts, a parsed LIST line, SFTP attributes. */
export interface ListedEntry {
  name: string;
  size: number;
  /** Modify time (ms since the epoch) when the server gave one; LIST gives it to the minute. */
  modifiedAt?: number;
  isFile: boolean;
}

export const DEFAULT_PORTS: Record<Protocol, number> = { ftp: 21, ftpes: 21, ftps: 990, sftp: 22 };

export const DEFAULT_STAGE_TIMEOUTS: StageTimeouts = {
  resolve: 5_000,
  connect: 10_000,
  greet: 10_000,
  secure: 10_000,
  // pure-ftpd answers a wrong password after ~5.5 s on purpose; leave room for it.
  login: 15_000,
  list: 15_000,
  transfer: 30_000,
  close: 3_000,
};

export const DEFAULT_TIMEOUT_MS = 30_000;

/** Live progress for a TTY or a chat message: called as each stage ends. */
export type StageListener = (stage: StageResult) => void;
