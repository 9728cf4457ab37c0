// Redaction: the forms a password comes back in, and masking before a cut.
import { describe, expect, it } from 'vitest';
import { redactText, redactValue, secretForms } from '../src/secrets/redact.js';
import { cleanText, MAX_REPLY_TEXT } from '../src/probes/server-text.js';

const PW = 'Pq4@/s3cret:word!';
const b64 = (text: string) => Buffer.from(text).toString('base64');

describe('redactText', () => {
  it('masks the password as is, URL-encoded and in base64 (alone, HTTP Basic, SASL PLAIN)', () => {
    for (const form of [PW, encodeURIComponent(PW), 'Pq4%40%2Fs3cret%3Aword!', b64(PW), b64(`alice:${PW}`), b64(`\0alice\0${PW}`)]) {
      const out = redactText(`said: ${form} end`, [PW], 'alice');
      expect(out, form).toMatch(/^said: \*\*\*=* end$/);
    }
  });

  it('masks the password base64-encoded inside a longer text, at any offset', () => {
    for (const before of ['', 'x', 'xy', 'Authorization: Basic bob:', 'user=someone;pass=']) {
      const encoded = b64(`${before}${PW}; trailing`);
      const out = redactText(encoded, [PW]);
      expect(out, before).toContain('***');
      expect(out).not.toContain(b64(PW).slice(4, 16));
    }
  });

  it('leaves short secrets and ordinary text alone', () => {
    expect(redactText('the pin is 123', ['123'])).toBe('the pin is 123');
    expect(redactValue({ a: 'nothing here' }, [PW], 'alice')).toEqual({ a: 'nothing here' });
    expect(secretForms([undefined, ''])).toEqual([]);
  });
});

describe('masking before the cut', () => {
  it('an echoed password at the cut leaves none of its characters', () => {
    const reply = `530 ${'x'.repeat(MAX_REPLY_TEXT - 20)} ${PW} rejected`;
    const cut = cleanText(reply);
    // What the bug looked like: redacting after the cut cannot find the password's head.
    expect(redactText(cut, [PW])).toContain(PW.slice(0, 5));
    const clean = cleanText(reply, (t) => redactText(t, [PW]));
    expect(clean).toMatch(/x \*\*\* rejected$/);
    expect(clean).not.toContain(PW.slice(0, 4));
  });
});
