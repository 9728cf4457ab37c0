// Text with a little markup of our own, in a form no platform can misread. A plain string span is
// shown exactly as it is, whoever wrote it (a server's reply, a person's words): never a mention,
// a link, a heading or markup, on any platform. Emphasis, code, a person and a block of
// preformatted text are spans of their own, so a renderer never has to guess which parts are
// ours. (Escaping server text and then restoring "our" mentions let a server mention people.)
export type Span = string | { strong: string } | { code: string } | { user: string } | { pre: string };
export type Rich = Span[];

/**
 * Rich text from a template: in the literal parts (ours), `code` and *strong* are markup; the
 * values put in are spans as given (a string stays plain text, whatever it holds).
 *   rich`unknown target '${name}' (try \`/ftp targets\`)`
 */
export function rich(literals: TemplateStringsArray, ...values: Array<Span | Rich>): Rich {
  const out: Rich = [];
  literals.forEach((literal, i) => {
    out.push(...ourMarkup(literal));
    if (i < values.length) {
      const value = values[i]!;
      if (Array.isArray(value)) out.push(...value);
      else out.push(value);
    }
  });
  return compact(out);
}

/** Our own literal words: `code` and *strong* become spans; nothing else is markup. */
export function ourMarkup(text: string): Rich {
  const out: Rich = [];
  const pattern = /`([^`\n]+)`|\*([^*\n]+)\*/g;
  let last = 0;
  for (let m = pattern.exec(text); m; m = pattern.exec(text)) {
    if (m.index > last) out.push(text.slice(last, m.index));
    out.push(m[1] !== undefined ? { code: m[1] } : { strong: m[2]! });
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

/** Lines joined into one rich text. */
export function richLines(lines: Rich[]): Rich {
  return compact(lines.flatMap((line, i) => (i ? ['\n', ...line] : line)));
}

/** The words alone, for a notification preview or a log line. */
export function plainOf(text: Rich): string {
  return text.map((s) => (typeof s === 'string' ? s : 'strong' in s ? s.strong : 'code' in s ? s.code : 'user' in s ? `@${s.user}` : s.pre)).join('');
}

function compact(spans: Rich): Rich {
  const out: Rich = [];
  for (const span of spans) {
    if (span === '') continue;
    const prev = out[out.length - 1];
    if (typeof span === 'string' && typeof prev === 'string') out[out.length - 1] = prev + span;
    else out.push(span);
  }
  return out;
}
