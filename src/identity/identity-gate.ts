// The worker's side of server identity: before a check of a configured target, what the server
// must present (the remembered host key, the remembered certificate key or issuer where pinned);
// after it, what it did present: remembered on first sight, refreshed, or a change recorded for a
// decision in chat. The probe engine never sees Redis: it gets expectations in the request and
// returns what it saw in the report.
import type { KnowledgeBase } from '../knowledge/knowledge-base.js';
import type { HostKeyId, ProbeReport, ProbeRequest } from '../probes/probe.js';
import type { IdentityStore } from './identity-store.js';
import { compareCertificates, observedIdentity, otherKeysVerdict, type ServerIdentity, sshDowngrades, tlsDowngrades } from './server-identity.js';

export class IdentityGate {
  constructor(
    private readonly store: IdentityStore,
    private readonly kb: KnowledgeBase,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The request with what the server must present. Throws when the store cannot be read: failing closed beats sending a password to any key. */
  async expect(target: string, req: ProbeRequest): Promise<ProbeRequest> {
    const remembered = await this.store.get(target);
    const out: ProbeRequest = { ...req };
    if (req.protocol === 'sftp' && !req.hostKey && !req.expectedHostKeys?.length && req.unpinned !== 'any') {
      out.unpinned = 'remember';
      if (remembered?.ssh?.hostKeys.length) {
        out.expectedHostKeys = remembered.ssh.hostKeys;
        out.expectedFrom = 'remembered';
      }
    }
    if (req.tlsPin && remembered?.tls) {
      out.tlsPin = { kind: req.tlsPin.kind, ...(remembered.tls.spki256 ? { spki256: remembered.tls.spki256 } : {}), ...(remembered.tls.issuer ? { issuer: remembered.tls.issuer } : {}) };
    }
    return out;
  }

  /** Records what the check saw; returns the report with any downgrade warnings added. */
  async observe(target: string, req: ProbeRequest, report: ProbeReport): Promise<ProbeReport> {
    const seen = observedIdentity(report);
    const remembered = await this.store.get(target);
    const now = this.now();
    const at = now.toISOString();
    const secured = report.stages.some((s) => s.name === 'secure' && s.status === 'ok');
    const warnings = [...report.warnings];
    let next: ServerIdentity | undefined = remembered ? { ...remembered, seenAt: at } : undefined;
    const code = report.finding?.code;

    // ------------------------------------------------------------------ SSH
    if (code === 'ssh.hostkey_mismatch' && seen.ssh) {
      const presented = seen.ssh.presented;
      const expected: HostKeyId[] = req.hostKey ? [{ type: '', fingerprint: req.hostKey }] : (req.expectedHostKeys ?? []);
      const sameType = expected.find((k) => k.type === presented.type);
      const typeChanged = !req.hostKey && !sameType;
      const pinned = Boolean(req.hostKey) || req.expectedFrom !== 'remembered';
      const { fresh, change } = await this.store.sawChange(
        {
          target,
          kind: 'ssh',
          against: pinned ? 'pin' : 'remembered',
          old: req.hostKey ? `pinned ${req.hostKey}` : sameType ? `${sameType.type} ${sameType.fingerprint}` : expected.map((k) => `${k.type} ${k.fingerprint}`).join(', '),
          new: `${presented.type} ${presented.fingerprint}`,
          what: typeChanged ? `the key type changed (was ${[...new Set(expected.map((k) => k.type))].join(', ')}, now ${presented.type})` : 'same key type, new key',
          others: req.hostKey ? 'the pin names one key only' : otherKeysVerdict(expected, presented.type, report.facts.ssh?.otherKeys),
          observed: { ssh: { ...seen.ssh, hostKeys: [presented, ...(report.facts.ssh?.otherKeys ?? []).filter((k) => k.fingerprint !== presented.fingerprint)] } },
        },
        now,
      );
      if (fresh) {
        await this.store.addHistory(target, { at, kind: 'key-changed', text: `host key changed: ${change.old} → ${change.new}; ${change.what}; ${change.others}` });
        await this.store.notify({ target, change });
      }
    } else if (seen.ssh && secured && req.unpinned === 'remember') {
      if (!remembered?.ssh) {
        if (report.ok) {
          next = { ...(next ?? { since: at, seenAt: at }), ssh: seen.ssh };
          await this.store.addHistory(target, { at, kind: 'first-seen', text: `remembered ${seen.ssh.hostKeys.map((k) => `${k.type} ${k.fingerprint}`).join(', ')}` });
        }
      } else {
        const downgrades = sshDowngrades(remembered.ssh, seen.ssh);
        if (downgrades.length) {
          warnings.push(this.kb.finding('ssh.downgrade', 'secure', null, `weaker than before: ${downgrades.join('; ')}`));
          await this.store.addHistory(target, { at, kind: 'downgrade', text: `SSH ${downgrades.join('; ')}` });
        }
        // The presented key matched, so the list it brought came over an authenticated channel
        // (and ssh2 checked the server's proof of each key): it may replace the remembered list.
        const proven = report.facts.ssh?.hostKeys?.length ? seen.ssh.hostKeys : remembered.ssh.hostKeys;
        const listed = (keys: HostKeyId[]) => keys.map((k) => k.fingerprint).sort().join(',');
        if (listed(proven) !== listed(remembered.ssh.hostKeys)) {
          await this.store.addHistory(target, { at, kind: 'keys-updated', text: `server now holds ${proven.map((k) => `${k.type} ${k.fingerprint}`).join(', ')}` });
        }
        next = { ...next!, ssh: { ...seen.ssh, hostKeys: proven } };
      }
    }
    // The server presents an accepted key again (or its pin was corrected): nothing waits any more.
    if (seen.ssh && secured && code !== 'ssh.hostkey_mismatch') await this.clearWaiting(target, 'ssh');

    // ------------------------------------------------------------------ TLS
    if (code === 'tls.identity_changed' && seen.tls && remembered?.tls) {
      const what = [remembered.tls.issuer !== seen.tls.issuer ? 'issuer changed' : '', remembered.tls.spki256 !== seen.tls.spki256 ? 'key (SPKI) changed' : '', remembered.tls.subject !== seen.tls.subject ? 'subject changed' : ''].filter(Boolean).join(', ') || 'certificate changed';
      const { fresh, change } = await this.store.sawChange(
        { target, kind: 'tls', against: 'remembered', old: certLine(remembered.tls), new: certLine(seen.tls), what, observed: { tls: seen.tls } },
        now,
      );
      if (fresh) {
        await this.store.addHistory(target, { at, kind: 'cert-changed', text: `certificate changed (${what}): ${change.old} → ${change.new}` });
        await this.store.notify({ target, change });
      }
    } else if (seen.tls && secured && !code?.startsWith('tls.')) {
      if (!remembered?.tls) {
        if (report.ok) {
          next = { ...(next ?? { since: at, seenAt: at }), tls: seen.tls };
          await this.store.addHistory(target, { at, kind: 'first-seen', text: `remembered certificate ${certLine(seen.tls)}` });
        }
      } else {
        const cmp = compareCertificates(remembered.tls, seen.tls);
        if (cmp.kind === 'renewed') {
          await this.store.addHistory(target, { at, kind: 'renewed', text: `renewed, now valid until ${seen.tls.validTo?.slice(0, 10) ?? '?'} (serial ${seen.tls.serial ?? '?'})` });
        } else if (cmp.kind === 'changed') {
          await this.store.addHistory(target, { at, kind: 'cert-changed', text: `certificate changed without a pin: ${certLine(remembered.tls)} → ${certLine(seen.tls)}` });
        }
        const downgrades = tlsDowngrades(remembered.tls, seen.tls);
        if (downgrades.length) {
          warnings.push(this.kb.finding('tls.downgrade', 'secure', null, `weaker than before: ${downgrades.join('; ')}`));
          await this.store.addHistory(target, { at, kind: 'downgrade', text: `TLS ${downgrades.join('; ')}` });
        }
        next = { ...next!, tls: seen.tls };
      }
    }
    if (seen.tls && secured && code !== 'tls.identity_changed') await this.clearWaiting(target, 'tls');
    if (next) await this.store.put(target, next);
    return warnings.length === report.warnings.length ? report : { ...report, warnings };
  }

  private async clearWaiting(target: string, kind: 'ssh' | 'tls'): Promise<void> {
    const waiting = await this.store.pending(target);
    if (waiting?.kind === kind) await this.store.clearPending(target);
  }
}

export function certLine(tls: { issuer?: string; serial?: string; validTo?: string; spki256?: string; fingerprint256: string }): string {
  return `issuer ${tls.issuer ?? '?'}, serial ${tls.serial ?? '?'}, valid until ${tls.validTo?.slice(0, 10) ?? '?'}, key sha256/${tls.spki256 ?? '?'}`;
}
