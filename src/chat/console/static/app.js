// The ftpops web console: the conversation (from /api/events), a command line, and the demo
// servers' fault switches. Messages are the bot's chat-neutral ChatMessage objects, rendered by
// render.js, so what shows here is what Slack and Discord show.
import { h, render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import htm from 'htm';
import { Entry } from './render.js';

const html = htm.bind(h);

async function post(path, body) {
  const res = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error((await res.json().catch(() => ({}))).error ?? `HTTP ${res.status}`);
  return res.json();
}

function useConversation() {
  const [entries, setEntries] = useState(new Map());
  const [connected, setConnected] = useState(false);
  useEffect(() => {
    const source = new EventSource('/api/events');
    source.onopen = () => setConnected(true);
    source.onerror = () => setConnected(false);
    source.onmessage = (event) => {
      const entry = JSON.parse(event.data);
      setEntries((old) => new Map(old).set(entry.id, entry));
    };
    return () => source.close();
  }, []);
  return { entries, connected };
}

function DemoPanel() {
  const [faults, setFaults] = useState([]);
  useEffect(() => {
    fetch('/api/demo').then((r) => r.json()).then((b) => setFaults(b.faults ?? [])).catch(() => undefined);
  }, []);
  if (!faults.length) return null;
  const toggle = async (fault) => setFaults((await post('/api/demo', { id: fault.id, on: !fault.on })).faults);
  return html`<aside class="demo" data-testid="demo-panel">
    <h2>Demo servers <span class="badge">DEMO</span></h2>
    <p class="hint">In-process FTP, FTPS and SFTP servers on loopback. Switch a fault on, then check a demo target.</p>
    ${faults.map((f) => html`<label class="fault" title=${f.description}>
      <input type="checkbox" data-testid=${`fault-${f.id}`} checked=${f.on} onChange=${() => toggle(f)} />
      <span>${f.label}</span></label>`)}
  </aside>`;
}

function CommandLine() {
  const [text, setText] = useState('');
  const [error, setError] = useState('');
  const submit = async (event) => {
    event.preventDefault();
    if (!text.trim()) return;
    try {
      await post('/api/command', { text });
      setText('');
      setError('');
    } catch (err) {
      setError(err.message);
    }
  };
  return html`<form class="command" onSubmit=${submit}>
    <input data-testid="command" value=${text} onInput=${(e) => setText(e.target.value)} placeholder="/ftp check demo-sftp   ·   /ftp status   ·   /ftp help" autocomplete="off" autofocus />
    <button type="submit">Send</button>
    ${error && html`<span class="error">${error}</span>`}
  </form>`;
}

function App() {
  const { entries, connected } = useConversation();
  const bottom = useRef(null);
  const all = [...entries.values()];
  const roots = all.filter((e) => !e.threadId);
  const replies = (id) => all.filter((e) => e.threadId === id);
  const act = (entry) => (button) => post('/api/action', { button, entry: entry.id }).catch(() => undefined);
  useEffect(() => bottom.current?.scrollIntoView({ block: 'end' }), [roots.length]);
  return html`<header>
      <h1>ftpops</h1><span class="status ${connected ? 'up' : 'down'}">${connected ? 'connected' : 'reconnecting…'}</span>
    </header>
    <main>
      <section class="conversation" data-testid="conversation">
        ${roots.map((entry) => html`<div class="root" key=${entry.id}>
          <${Entry} entry=${entry} onAction=${act(entry)} />
          ${replies(entry.id).length > 0 && html`<div class="thread" data-testid="thread">
            ${replies(entry.id).map((reply) => html`<${Entry} key=${reply.id} entry=${reply} onAction=${act(reply)} />`)}
          </div>`}
        </div>`)}
        <div ref=${bottom}></div>
      </section>
      <${DemoPanel} />
    </main>
    <${CommandLine} />`;
}

render(html`<${App} />`, document.getElementById('app'));
