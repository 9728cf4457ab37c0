// The login stage of a plaintext-exposure probe (ProbeRequest.plaintextProbe): would this server
// take a password over plain FTP? A target whose credentials are meant for TLS or SSH must never
// have them cross the network in the clear, not even its user name; so the server is asked with
// USER and a throwaway name that is no account, and never PASS. Its answer to USER tells: 331
// (send the password) means it would take one in the clear; a refusal ("530 Non-anonymous
// sessions must use encryption", "550 SSL/TLS required") fails the stage and is classified from
// the reply like any login failure (tls.required, …).
import type { Client } from 'basic-ftp';
import type { ProbeContext } from '../probe-context.js';

/** Not an account anywhere; what the server's log will show for this probe. */
export const THROWAWAY_USER = 'ftpops-plaintext-probe';

export async function probePlaintextLogin(ctx: ProbeContext, client: Client): Promise<void> {
  const { runner, clean } = ctx;
  await runner.run('login', () => client.send(`USER ${THROWAWAY_USER}`), (res) =>
    `${res.code} ${clean(res.message.replace(/^\d{3}[ -]?/, ''))} — ${verdict(res.code)}`);
  const why = 'plaintext exposure probe: no password sent, nothing listed or written';
  runner.skip('list', why);
  runner.skip('transfer', why);
}

function verdict(code: number): string {
  if (code === 331) return 'the server asks for a password over plain FTP; none was sent';
  if (code >= 200 && code < 300) return 'the server let a made-up user in over plain FTP without a password';
  return 'the server goes on with a login over plain FTP; no password was sent';
}
