// Sync (GET /v1/sync/status): this node's state and, per origin, how far it
// holds each node's events, with any gap.
import { api } from './api.js';
import { fill, h } from './dom.js';
import { formatDateTime, formatInteger } from './format.js';

export async function renderSync(main) {
  main.append(h('h1', {}, 'Sync'));
  const out = h('div', { id: 'sync-output', 'aria-live': 'polite' });
  const refresh = h('button', { type: 'button', id: 'sync-refresh' }, 'Refresh');
  main.append(h('div', { class: 'actions' }, refresh), out);
  async function load() {
    try {
      const s = (await api('GET', '/v1/sync/status')).data;
      const origins = s.origins || [];
      // Per origin (HQ and each store): how far this node holds its events,
      // how far HQ does (at a store), the lag between them and any gap.
      const ranges = (list) => (Array.isArray(list) && list.length
        ? list.map((r) => (Array.isArray(r) ? (r[0] === r[1] ? `${r[0]}` : `${r[0]}–${r[1]}`) : typeof r === 'object' ? `${r.from ?? r.first}–${r.to ?? r.last}` : String(r))).join(', ')
        : '');
      const rows = origins.map((o) => {
        const here = o.here || {};
        const hq = o.hq;
        const lag = hq && typeof hq.highest === 'number' && typeof here.through === 'number' ? Math.max(0, hq.highest - here.through) : null;
        return h('tr', {},
          h('th', { scope: 'row' }, o.origin ?? here.origin ?? ''),
          h('td', { class: 'num' }, formatInteger(here.through ?? 0)),
          h('td', { class: 'num' }, formatInteger(here.highest ?? 0)),
          h('td', { class: 'num' }, hq ? formatInteger(hq.highest ?? 0) : '—'),
          h('td', { class: 'num' }, lag === null ? '—' : formatInteger(lag)),
          h('td', {}, ranges(o.open) || ranges(here.missing) || 'none', here.more_missing ? ' …' : ''),
          h('td', { class: 'num' }, `${formatInteger(o.gaps_found ?? 0)} / ${formatInteger(o.gaps_repaired ?? 0)}`));
      });
      fill(out,
        h('dl', { class: 'counts' },
          h('dt', {}, 'Node'), h('dd', {}, s.node ?? ''),
          h('dt', {}, 'State'), h('dd', { id: 'sync-state' }, (s.state ?? '').replace(/_/g, ' ')),
          s.last_compared_at ? [h('dt', {}, 'Last compared with HQ'), h('dd', {}, formatDateTime(s.last_compared_at))] : null,
          h('dt', {}, 'Gaps found / repaired'), h('dd', {}, `${formatInteger(s.gaps_found ?? 0)} / ${formatInteger(s.gaps_repaired ?? 0)}`)),
        s.detail ? h('p', { role: 'status' }, s.detail) : null,
        rows.length ? h('div', { class: 'table-wrap' }, h('table', { id: 'sync-origins' },
          h('caption', { class: 'visually-hidden' }, 'Events held per origin'),
          h('thead', {}, h('tr', {}, ['Origin', 'Held through', 'Highest held', 'Highest at HQ', 'Behind HQ', 'Missing', 'Gaps found / repaired']
            .map((t, i) => h('th', { scope: 'col', class: i && i < 5 ? 'num' : '' }, t)))),
          h('tbody', {}, rows))) : null);
    } catch (err) {
      out.replaceChildren(h('p', { class: 'form-error', role: 'alert' }, err.detail));
    }
  }
  refresh.addEventListener('click', load);
  load();
}
