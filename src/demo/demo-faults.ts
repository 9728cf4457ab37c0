// The demo servers' fault switches: each one makes the in-process servers fail the way a real
// daemon or network fails (docs/domain.md, The stages of a check), so a new user can watch the bot name the fault.
// Switches are read at the moment they matter (accept, login, TLS handshake), so flipping one
// takes effect on the next connection or login without restarting anything.

export const FAULT_IDS = ['wrong-password', 'capacity', 'reset', 'slow-login', 'expired-certificate', 'host-key-changed'] as const;
export type FaultId = (typeof FAULT_IDS)[number];

export interface FaultState {
  id: FaultId;
  /** A short name for a toggle. */
  label: string;
  /** What the servers do while it is on, and what an operator would see. */
  description: string;
  on: boolean;
}

export type FaultListener = (fault: FaultState, all: FaultState[]) => void;

export const DEFAULT_SLOW_LOGIN_MS = 5_000;

const TEXTS: Record<FaultId, (slowMs: number) => { label: string; description: string }> = {
  'wrong-password': () => ({
    label: 'Wrong password',
    description: 'The servers no longer accept the demo password, as after a credential rotation: FTP answers 530, SSH rejects the password.',
  }),
  capacity: () => ({
    label: 'Too many connections',
    description:
      'The servers are full: FTP answers "421 Too many connections" instead of its greeting; ' +
      'SFTP drops new connections without a word, as sshd does past MaxStartups (the client sees a reset).',
  }),
  reset: () => ({
    label: 'Connection resets',
    description:
      'Something on the path resets connections (TCP RST) after the greeting: FTP when the client sends its first command ' +
      '(USER or AUTH TLS), implicit FTPS during the TLS handshake, SFTP during login.',
  }),
  'slow-login': (ms) => ({
    label: 'Slow login',
    description: `Logins are answered only after ${ms / 1000} s, as with a slow authentication backend (PAM, LDAP).`,
  }),
  'expired-certificate': () => ({
    label: 'Expired certificate',
    description: 'FTPS presents a certificate that expired on 2021-01-01 (new TLS sessions), as when renewal failed or the daemon was not reloaded.',
  }),
  'host-key-changed': () => ({
    label: 'SSH host key changed',
    description: 'The SFTP server presents a different host key than the pinned fingerprint, as after a rebuild or in an interception.',
  }),
};

export interface DemoFaults {
  list(): FaultState[];
  /** Whether a fault is on; unknown ids are refused so a typo in a UI does not pass silently. */
  isOn(id: FaultId): boolean;
  set(id: FaultId, on: boolean): void;
  /** Called after every change that really changes a switch; returns a function that unsubscribes. */
  onChange(listener: FaultListener): () => void;
  /** How long the slow-login fault holds a login. */
  readonly slowLoginMs: number;
}

export function isFaultId(value: string): value is FaultId {
  return (FAULT_IDS as readonly string[]).includes(value);
}

export function createDemoFaults(options: { slowLoginMs?: number; on?: FaultId[] } = {}): DemoFaults {
  const slowLoginMs = options.slowLoginMs ?? DEFAULT_SLOW_LOGIN_MS;
  if (!Number.isFinite(slowLoginMs) || slowLoginMs < 0) throw new RangeError('slowLoginMs must be a duration in milliseconds (>= 0)');
  const state = new Map<FaultId, boolean>(FAULT_IDS.map((id) => [id, false]));
  for (const id of options.on ?? []) state.set(check(id), true);
  const listeners = new Set<FaultListener>();

  const describe = (id: FaultId): FaultState => ({ id, ...TEXTS[id](slowLoginMs), on: state.get(id) === true });
  const list = () => FAULT_IDS.map(describe);

  return {
    list,
    isOn: (id) => state.get(check(id)) === true,
    set(id, on) {
      check(id);
      if (state.get(id) === on) return;
      state.set(id, on);
      const fault = describe(id);
      const all = list();
      // A failing listener (say, a closed web socket) must not stop the switch or the others.
      for (const listener of [...listeners]) {
        try {
          listener(fault, all);
        } catch {
          /* ignored on purpose */
        }
      }
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    slowLoginMs,
  };
}

function check(id: string): FaultId {
  if (!isFaultId(id)) throw new RangeError(`unknown demo fault '${id}' (known: ${FAULT_IDS.join(', ')})`);
  return id;
}
