// Sync (GET /v1/sync/status, and the node registry GET /v1/nodes when the
// principal may read it): this node's state, then a row per node of the
// chain: how far this node holds its events, the gaps (numbers missing here),
// how far the node itself (at HQ: its last report) or HQ (at a store) is, and
// the lag between them. HQ with no store yet says so.
import { api } from './api.js';
import { fill, h } from './dom.js';
import { formatDateTime, formatInteger } from './format.js';
import { canAny } from './session.js';

const STATES = {
  joining: 'Joining (copying HQ\'s log)',
  starting: 'Starting',
  comparing: 'Comparing with HQ',
  in_sync: 'In sync',
  gap_open: 'Events missing',
  hq_unreachable: 'HQ unreachable',
  standalone: 'Standalone',
  serving: 'Serving',
};

// [[first, last], ...] -> "3–5, 9"
function ranges(list) {
  if (!Array.isArray(list)) return '';
  return list.map((r) => (Array.isArray(r)
    ? (r[0] === r[1] ? formatInteger(r[0]) : `${formatInteger(r[0])}–${formatInteger(r[1])}`)
    : String(r))).join(', ');
}

export async function renderSync(main) {
  main.append(h('h1', {}, 'Sync'));
  const out = h('div', { id: 'sync-output', 'aria-live': 'polite' });
  const refresh = h('button', { type: 'button', id: 'sync-refresh' }, 'Refresh');
  main.append(h('div', { class: 'actions' }, refresh), out);
  const mayListNodes = canAny('sync', 'nodes.manage');

  async function load() {
    refresh.disabled = true;
    try {
      const [status, registry] = await Promise.all([
        api('GET', '/v1/sync/status'),
        mayListNodes ? api('GET', '/v1/nodes').catch(() => null) : null,
      ]);
      show(status.data, registry?.data?.nodes || null);
    } catch (err) {
      out.replaceChildren(h('p', { class: 'form-error', role: 'alert' }, err.detail));
    } finally {
      refresh.disabled = false;
    }
  }

  function show(s, registry) {
    const self = s.node || '';
    const origins = s.origins || [];
    const reports = new Map((s.peer_reports || []).map((r) => [r.node, r]));
    const enrolled = new Map((registry || []).map((n) => [n.node, n]));
    // Every node known from any of the three: what is held of it, what it
    // reported, or its enrolled keys.
    const names = [...new Set([
      ...origins.map((o) => o.origin ?? o.here?.origin),
      ...reports.keys(),
      ...enrolled.keys(),
    ].filter(Boolean))].sort((a, b) => (a === self ? -1 : b === self ? 1 : a === 'hq' ? -1 : b === 'hq' ? 1 : a.localeCompare(b)));
    const others = names.filter((n) => n !== self);
    const rows = names.map((name) => {
      const o = origins.find((x) => (x.origin ?? x.here?.origin) === name) || {};
      const here = o.here || {};
      const report = reports.get(name);
      const node = enrolled.get(name);
      // How far the node itself is: its own report (at HQ), or HQ's holding (at a store).
      const there = report?.own?.highest ?? o.hq?.highest;
      const lag = typeof there === 'number' ? Math.max(0, there - (here.through ?? 0)) : null;
      const missing = ranges(o.open?.length ? o.open : here.missing);
      const keys = node ? node.keys || [] : null;
      return h('tr', { dataset: { node: name } },
        h('th', { scope: 'row' }, name, name === self ? [' ', h('span', { class: 'tag self' }, 'this node')] : null),
        h('td', { class: 'num' }, formatInteger(here.through ?? 0)),
        h('td', { class: 'num' }, formatInteger(here.highest ?? 0)),
        h('td', { class: 'gaps' }, missing || 'none', here.more_missing ? ' and more' : ''),
        h('td', { class: 'num' }, typeof there === 'number' ? formatInteger(there) : '—'),
        h('td', { class: 'num lag' }, name === self ? '—' : lag === null ? 'unknown' : formatInteger(lag)),
        h('td', {}, report ? formatDateTime(report.reported_at) : '—'),
        registry ? h('td', {}, keys === null ? 'not enrolled'
          : `${formatInteger(keys.filter((k) => !k.revoked).length)} active, ${formatInteger(keys.filter((k) => k.revoked).length)} revoked`) : null);
    });
    const state = s.state || '';
    fill(out,
      h('dl', { class: 'counts' },
        h('dt', {}, 'Node'), h('dd', { id: 'sync-node' }, self),
        h('dt', {}, 'State'), h('dd', { id: 'sync-state' }, h('span', { class: `state ${state}` }, STATES[state] || state.replace(/_/g, ' '))),
        typeof s.open_events === 'number' ? [h('dt', {}, 'Events missing here'), h('dd', {}, formatInteger(s.open_events))] : null,
        s.last_compared_at ? [h('dt', {}, 'Last compared with HQ'), h('dd', {}, formatDateTime(s.last_compared_at))] : null,
        typeof s.gaps_found === 'number' ? [h('dt', {}, 'Gaps found / repaired'), h('dd', {}, `${formatInteger(s.gaps_found)} / ${formatInteger(s.gaps_repaired ?? 0)}`)] : null),
      s.detail ? h('p', { role: 'status' }, s.detail) : null,
      s.join ? h('p', { role: 'status' }, `Copied ${formatInteger(s.join.copied ?? 0)} events of HQ's log (position ${formatInteger(s.join.hq_position ?? 0)} of ${formatInteger(s.join.hq_head ?? 0)}).`) : null,
      !others.length ? h('div', { class: 'empty-state', id: 'sync-empty' },
        h('h2', {}, 'No stores yet'),
        h('p', {}, 'No store has sent events, reported what it holds or had a key enrolled. A store appears here once it is enrolled (POST /v1/nodes) or has synced.')) : null,
      rows.length ? h('div', { class: 'table-wrap' }, h('table', { id: 'sync-origins' },
        h('caption', { class: 'visually-hidden' }, 'Each node\'s events: held here, missing here, and how far behind this node is'),
        h('thead', {}, h('tr', {}, [
          ['Node', ''], ['Held here through', 'num'], ['Highest number here', 'num'], ['Missing here (gaps)', ''],
          [self === 'hq' ? 'Highest the node reported' : 'Highest at HQ', 'num'],
          [self === 'hq' ? 'Lag: events not here yet' : 'Lag behind HQ (events)', 'num'], ['Last report', ''],
          registry ? ['Signing keys', ''] : null,
        ].filter(Boolean).map(([t, c]) => h('th', { scope: 'col', class: c }, t)))),
        h('tbody', {}, rows))) : null);
  }

  refresh.addEventListener('click', load);
  load();
}
