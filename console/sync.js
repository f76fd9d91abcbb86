// Sync (GET /v1/sync/status): this node's state and, per origin, how far it
// holds each node's events, with any gap.
import { api } from './api.js';
import { fill, h } from './dom.js';
import { formatInteger } from './format.js';

export async function renderSync(main) {
  main.append(h('h1', {}, 'Sync'));
  const out = h('div', { id: 'sync-output', 'aria-live': 'polite' });
  const refresh = h('button', { type: 'button', id: 'sync-refresh' }, 'Refresh');
  main.append(h('div', { class: 'actions' }, refresh), out);
  async function load() {
    try {
      const s = (await api('GET', '/v1/sync/status')).data;
      const origins = s.origins || [];
      const cols = [...new Set(origins.flatMap((o) => Object.keys(o)))];
      const value = (v) => (typeof v === 'number' ? formatInteger(v) : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v ?? ''));
      fill(out,
        h('dl', { class: 'counts' },
          h('dt', {}, 'Node'), h('dd', {}, s.node ?? ''),
          h('dt', {}, 'State'), h('dd', { id: 'sync-state' }, s.state ?? ''),
          h('dt', {}, 'Gaps found / repaired'), h('dd', {}, `${formatInteger(s.gaps_found ?? 0)} / ${formatInteger(s.gaps_repaired ?? 0)}`)),
        s.detail ? h('p', {}, s.detail) : null,
        origins.length ? h('div', { class: 'table-wrap' }, h('table', {},
          h('caption', {}, 'Origins'),
          h('thead', {}, h('tr', {}, cols.map((c) => h('th', { scope: 'col' }, c.replace(/_/g, ' '))))),
          h('tbody', {}, origins.map((o) => h('tr', {}, cols.map((c) => h('td', {}, value(o[c])))))))) : null);
    } catch (err) {
      out.replaceChildren(h('p', { class: 'form-error', role: 'alert' }, err.detail));
    }
  }
  refresh.addEventListener('click', load);
  load();
}
