// ChatMessage (src/bot/messages.ts) → the console's view. Text is never parsed as HTML or as
// markup: server replies can hold anything, so everything goes through Preact as text nodes, and
// our own markup arrives as rich spans (src/bot/rich.ts), never inside text.
import { h } from 'preact';
import htm from 'htm';

const html = htm.bind(h);

/** Rich text: plain spans as text, ours as <strong>, <code>, a mention, a <pre> block. */
export function Rich({ text }) {
  return html`<span class="lines">${(text ?? []).map((span) => {
    if (typeof span === 'string') return span;
    if ('strong' in span) return html`<strong>${span.strong}</strong>`;
    if ('code' in span) return html`<code>${span.code}</code>`;
    if ('user' in span) return html`<span class="mention">@${span.user}</span>`;
    return html`<pre>${span.pre}</pre>`;
  })}</span>`;
}

const LABELS = { recheck: (a) => a.label ?? 'Re-check', 'open-runbook': () => 'Open runbook', acknowledge: () => 'Acknowledge', mute: (a) => `Mute ${a.minutes >= 60 ? `${a.minutes / 60} h` : `${a.minutes} min`}` };

/** Each button carries the id the bot gave it; a click sends that id back, nothing else. */
function Buttons({ actions, onAction }) {
  if (!actions?.length) return null;
  return html`<div class="buttons">${actions.map((a) => {
    const label = a.kind === 'runbook-step' ? a.label : LABELS[a.kind]?.(a) ?? a.label ?? a.kind;
    const id = a.kind === 'runbook-step' ? `rb-${a.action}` : a.kind === 'identity-decision' ? `identity-${a.decision}` : a.kind;
    return html`<button class=${a.primary || a.kind === 'recheck' ? 'primary' : ''} data-testid=${`button-${id}`} onClick=${() => onAction(a.id)}>${label}</button>`;
  })}</div>`;
}

function Stages({ stages }) {
  if (!stages?.length) return null;
  return html`<ol class="stages">${stages.map((s) => html`<li class=${`stage ${s.status}`}>
    <span class="mark">${s.mark}</span> <code>${s.name}</code>${s.durationMs !== undefined ? html` <span class="ms">${Math.round(s.durationMs)} ms</span>` : ''}
    ${s.detail ? html` <span class="detail">${s.detail}</span>` : ''}</li>`)}</ol>`;
}

function Finding({ f }) {
  return html`<div class=${`finding ${f.severity}`}>
    <div class="code"><strong>${f.severity === 'failure' ? '✗' : '⚠'} ${f.code}</strong> — ${f.title}</div>
    <div class="where">layer ${f.layer}, stage ${f.stage}${f.detail ? `: ${f.detail}` : ''} · runbook <code>${f.runbook}</code></div>
    ${f.reply !== undefined ? html`<div class="said"><div class="label">Server said</div><pre>${f.reply}</pre></div>` : ''}
    ${f.causes?.length ? html`<div class="label">Likely causes</div><ol>${f.causes.map((c) => html`<li>${c}</li>`)}</ol>` : ''}
    ${f.nextSteps?.length ? html`<div class="label">Next steps</div><ul>${f.nextSteps.map((c) => html`<li>${c}</li>`)}</ul>` : ''}
  </div>`;
}

const percent = (confidence) => `${Math.round(confidence * 100)}%`;

/** /ftp explain: the likeliest finding, what in the pasted text said so (as text, never markup), the alternatives. */
function Explanation({ m, onAction }) {
  const b = m.best;
  return html`<div class=${`explanation ${b.severity}`} data-testid="explanation">
    <div class="headline">🔎 ${b.code} — ${b.title}</div>
    <div class="url">${percent(b.confidence)} likely${m.client ? ` · ${m.client}` : ''} · runbook <code>${b.runbook}</code></div>
    ${m.decisive !== undefined ? html`<div class="said"><div class="label">From the text</div><pre>${m.decisive}</pre></div>` : ''}
    <div class="label">Why</div><div class="lines">${b.why}</div>
    <div class="label">Likely causes</div><ol>${b.causes.map((c) => html`<li>${c}</li>`)}</ol>
    <div class="label">Next steps</div><ul>${b.nextSteps.map((c) => html`<li>${c}</li>`)}</ul>
    ${m.alternatives.length ? html`<div class="label">Other possibilities</div><ul>${m.alternatives.map((a) => html`<li><code>${a.code}</code> (${percent(a.confidence)}) — ${a.title}<div class="lines">${a.why}</div></li>`)}</ul>` : ''}
    <${Buttons} actions=${m.actions} onAction=${onAction} />
  </div>`;
}

function Body({ m, onAction }) {
  switch (m.kind) {
    case 'text':
      return html`<div class="text person"><span class="lines">${m.text}</span></div>`;
    case 'notice':
      return html`<div class="text bot"><${Rich} text=${m.text} /></div>`;
    case 'status':
    case 'report':
      return html`<div class=${`text bot ${m.kind}`}><${Rich} text=${m.text} />${m.image ? html`<img src=${m.image} alt="chart" />` : ''}</div>`;
    case 'progress':
      return html`<div class="progress"><div class="headline">⏳ ${m.headline}</div><div class="url">${m.url}</div><${Stages} stages=${m.stages} /></div>`;
    case 'summary':
      return html`<div class=${`summary ${m.ok ? 'ok' : 'failed'}`} data-testid="summary">
        <div class="headline">${m.headline}</div>
        <div class="url">${m.url} · ${m.protocol} · ${Math.round(m.durationMs)} ms</div>
        <${Stages} stages=${m.stages} />
        ${m.finding ? html`<${Finding} f=${m.finding} />` : ''}
        ${m.warnings.map((w) => html`<div class="warning">⚠ <code>${w.code}</code> — ${w.title}${w.detail ? `: ${w.detail}` : ''}</div>`)}
        ${m.facts.length ? html`<dl class="facts">${m.facts.map((f) => html`<dt>${f.label}</dt><dd>${f.value}</dd>`)}</dl>` : ''}
        <${Buttons} actions=${m.actions} onAction=${onAction} />
      </div>`;
    case 'explanation':
      return html`<${Explanation} m=${m} onAction=${onAction} />`;
    case 'error':
      return html`<div class="error-message">⚠️ ${m.text}</div>`;
    case 'help':
      return html`<div class="help"><div class="headline">ftpops commands</div><ul>${m.commands.map((c) => html`<li><code>${c.usage}</code> — ${c.description}</li>`)}</ul></div>`;
    case 'alert': {
      const mark = m.status === 'resolved' ? '✅ RESOLVED' : m.severity === 'critical' ? '🔴 CRITICAL' : '🟠 WARNING';
      return html`<div class=${`alert ${m.status} ${m.severity}`} data-testid="alert">
        <div class="headline">${mark} ${m.alertClass} — ${m.target}</div>
        <div class="detail lines">${m.detail}</div>
        <div class="url">${m.origin === 'check' ? 'from scheduled checks' : 'from server logs'} · first seen ${m.firstSeenAt} · runbook <code>${m.runbook}</code>${m.ackedBy ? ` · acknowledged by @${m.ackedBy}` : ''}</div>
        ${m.status === 'firing' ? html`<${Buttons} actions=${m.actions} onAction=${onAction} />` : ''}
      </div>`;
    }
    case 'alert-update':
      return html`<div class="alert-update">${m.text}</div>`;
    case 'identity-change':
      return html`<div class="alert firing warning" data-testid="identity-change">
        <div class="headline">${m.title}</div>
        <div class="detail"><${Rich} text=${m.text} /></div>
        <${Buttons} actions=${m.actions} onAction=${onAction} />
      </div>`;
    case 'runbook-start':
      return html`<div class="runbook-start"><div class="headline">📖 Runbook: ${m.runbookTitle} — ${m.target}</div><div>${m.summary}</div></div>`;
    case 'runbook-step':
      return html`<div class=${`runbook-step ${m.closed ? 'closed' : 'open'}`} data-testid=${m.closed ? 'runbook-step-closed' : 'runbook-step'}>
        <div class="url">📖 ${m.runbookTitle} · ${m.target}${m.closed ? ' · earlier step' : ''}</div>
        <div class="headline">${m.position}. ${m.title}</div>
        <div>${m.text}</div>
        ${m.commands.map((c) => html`<pre class="command-line">${c}</pre>`)}
        ${m.notes.map((n) => html`<div class="note"><${Rich} text=${n} /></div>`)}
        ${m.closed ? '' : html`<${Buttons} actions=${m.actions} onAction=${onAction} />`}
      </div>`;
    case 'runbook-timeline':
      return html`<div class="timeline" data-testid="timeline"><div class="headline">🧾 Timeline: ${m.title}</div>
        <button onClick=${() => navigator.clipboard?.writeText(m.markdown)}>Copy Markdown</button><pre>${m.markdown}</pre></div>`;
    default:
      return html`<pre>${JSON.stringify(m, null, 2)}</pre>`;
  }
}

export function Entry({ entry, onAction }) {
  const at = new Date(entry.at).toISOString().slice(11, 19);
  return html`<article class=${`entry${entry.private ? ' private' : ''}`} data-kind=${entry.message.kind}>
    <div class="who">${entry.message.kind === 'text' ? 'you' : 'ftpops'} <span class="at">${at}</span></div>
    <${Body} m=${entry.message} onAction=${onAction} />
    ${entry.private ? html`<div class="hint">only you can see this</div>` : ''}
  </article>`;
}
