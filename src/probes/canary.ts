// The canary file of the optional transfer stage. Its bytes include CR LF, a lone LF and bytes
// above 0x7f so that an ASCII-mode or re-encoding transfer shows up as a checksum mismatch.
import { createHash, randomBytes } from 'node:crypto';

export function canaryPayload(now = new Date()): { name: string; payload: Buffer } {
  const id = `${now.getTime().toString(36)}-${randomBytes(4).toString('hex')}`;
  const text = Buffer.from(`ftpops canary ${now.toISOString()} ${id}\r\nsafe to delete\n`, 'utf8');
  const binary = Buffer.from([0x00, 0x0d, 0x0a, 0x0a, 0x80, 0xff, 0xfe, 0x7f]);
  return { name: `.ftpops-canary-${id}.txt`, payload: Buffer.concat([text, binary, randomBytes(200)]) };
}

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
