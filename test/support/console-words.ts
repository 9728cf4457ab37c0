// The words the console page shows for an entry: its own renderer (src/chat/console/static/
// render.js) called as Preact would call it, and the vnode tree walked without a DOM. A node
// that would set inner HTML fails the test: the page shows text as text nodes only.
import { expect } from 'vitest';
// @ts-expect-error the page's own module: plain JS, no types
import { Entry } from '../../src/chat/console/static/render.js';

export function consolePageWords(pageEntry: unknown): { text: string; buttons: string[] } {
  const buttons: string[] = [];
  const walk = (node: unknown): string => {
    if (node === null || node === undefined || typeof node === 'boolean') return '';
    if (typeof node === 'string' || typeof node === 'number') return String(node);
    if (Array.isArray(node)) return node.map(walk).join('');
    const v = node as { type: unknown; props: Record<string, unknown> };
    if (typeof v.type === 'function') return walk((v.type as (p: unknown) => unknown)(v.props));
    expect(v.props.dangerouslySetInnerHTML).toBeUndefined();
    const inner = walk(v.props.children);
    if (v.type === 'button') buttons.push(inner);
    return ['div', 'li', 'pre', 'ol', 'ul', 'article'].includes(v.type as string) ? `\n${inner}\n` : inner;
  };
  return { text: walk(Entry({ entry: pageEntry, onAction: () => undefined })), buttons };
}
