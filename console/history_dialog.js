// The history dialog (the clock icon): every points and credit change, newest
// first, with time, changes, note or reference, actor, store and the balances
// after each; "Older" pages back (GET /v1/customers/{id}/history).
import { api } from './api.js';
import { h, openDialog } from './dom.js';
import { formatDateTime, formatInteger, formatMoney, formatSigned } from './format.js';
import { can } from './session.js';
import { openPointsDialog } from './points_dialog.js';

const PAGE = 25;

export function openHistoryDialog(customer, vis) {
  const name = `${customer.first_name ?? ''} ${customer.last_name ?? ''}`.trim() || customer.code;
  const { body } = openDialog(`History of ${name}`, { className: 'wide' });
  const cols = [
    { label: 'Time', value: (e) => formatDateTime(e.time) },
    vis.points && { label: 'Points', num: true, value: (e) => formatSigned(e.points_change, false) },
    vis.credit && { label: 'Credit', num: true, value: (e) => formatSigned(e.credit_change, true) },
    { label: 'Note or reference', value: (e) => [e.note, e.reference].filter(Boolean).join(' · ') },
    { label: 'By', value: (e) => e.actor ?? '' },
    { label: 'Store', value: (e) => e.store ?? '' },
    vis.points && { label: 'Points after', num: true, value: (e) => formatInteger(e.points_after) },
    vis.credit && { label: 'Credit after', num: true, value: (e) => formatMoney(e.credit_after) },
  ].filter(Boolean);
  const tbody = h('tbody');
  const more = h('button', { type: 'button', id: 'history-more', hidden: true }, 'Older entries');
  const status = h('p', { class: 'muted', role: 'status' }, 'Loading…');
  body.append(
    h('div', { class: 'table-wrap' },
      h('table', { class: 'history', id: 'history-table' },
        h('caption', { class: 'visually-hidden' }, `Points and credit history of ${name}`),
        h('thead', {}, h('tr', {}, cols.map((c) => h('th', { scope: 'col', class: c.num ? 'num' : '' }, c.label)))),
        tbody)),
    status,
    h('div', { class: 'actions' }, more, h('span', { class: 'spacer' }),
      vis.points && can('customers.manage_loyalty')
        ? h('button', { type: 'button', id: 'history-points', onclick: () => openPointsDialog(customer, { onChange: refresh }) }, 'Redeem or adjust points')
        : null));
  let before = '';
  let count = 0;
  async function load() {
    more.disabled = true;
    try {
      const res = await api('GET', `/v1/customers/${encodeURIComponent(customer.id)}/history`, { query: { limit: PAGE, before } });
      const entries = res.data.entries || [];
      count += entries.length;
      tbody.append(...entries.map((e) => h('tr', {}, cols.map((c) => h('td', { class: c.num ? 'num' : '', 'data-label': c.label }, c.value(e))))));
      before = res.data.next_before || '';
      more.hidden = !before;
      status.textContent = count ? `${formatInteger(count)} entr${count === 1 ? 'y' : 'ies'} shown.` : 'No points or credit changes yet.';
    } catch (err) {
      status.textContent = err.detail;
    } finally {
      more.disabled = false;
    }
  }
  function refresh() {
    before = '';
    count = 0;
    tbody.replaceChildren();
    load();
  }
  more.addEventListener('click', load);
  load();
}
