// What the windows count: per alert class, attempts and failures, and for failures the sources
// and users involved (to tell brute force from a changed credential from a broken backend).
export const ALERT_CLASSES = ['auth', 'capacity', 'reset', 'unreachable', 'tls', 'cert_expiry', 'latency'] as const;
/** An expected delivery that did not arrive (src/deliveries): decided by its own evaluation, not counted in windows. */
export const DELIVERY_CLASS = 'delivery';
export type AlertClass = (typeof ALERT_CLASSES)[number] | typeof DELIVERY_CLASS;

/** The runbook an incident of each class opens. */
export const RUNBOOK_OF_CLASS: Record<AlertClass, string> = {
  auth: 'login-failures',
  capacity: 'too-many-connections',
  reset: 'connection-resets',
  unreachable: 'service-down',
  tls: 'certificates',
  cert_expiry: 'certificates',
  latency: 'timeouts',
  delivery: 'missing-delivery',
};

/** One counted observation, from a probe result or a server log line. */
export interface CountedEvent {
  class: AlertClass;
  failed: boolean;
  source?: string;
  user?: string;
}

/** Finding code → the alert class a failed check counts against (codes not listed: no class). */
export const CLASS_OF_FINDING: Readonly<Record<string, AlertClass>> = {
  'auth.failed': 'auth',
  'tls.required': 'auth',
  'ftp.unavailable': 'capacity',
  'ssh.unavailable': 'capacity',
  'tcp.reset': 'reset',
  'data.aborted': 'reset',
  'tcp.refused': 'unreachable',
  'tcp.timeout': 'unreachable',
  'tcp.unreachable': 'unreachable',
  'greet.timeout': 'unreachable',
  'dns.not_found': 'unreachable',
  'dns.failed': 'unreachable',
  'tls.handshake_failed': 'tls',
  'tls.cert_expired': 'tls',
  'tls.cert_untrusted': 'tls',
  'tls.hostname_mismatch': 'tls',
  'tls.client_cert_required': 'tls',
};
