// Duplicates (OPERATIONS.md "Merging duplicates"): the candidate pairs the
// API finds (GET /v1/customers/duplicates: equal email, equal phone digits,
// or an equal name with another equal field), strongest first, with why they
// match; and, for a principal with customers.manage, the merge of a pair
// (POST /v1/customers/{survivor}/merge) after a dialog that shows both
// customers side by side, lets the clerk pick the survivor and, per field,
// which value stays, and says that a merge cannot be undone.
import { api } from './api.js';
import { h, openDialog, toast, wirePaging } from './dom.js';
import { formatDateTime, formatInteger, formatMoney } from './format.js';
import { can } from './session.js';

const PAGE_SIZE = 50;

const MATCHES = { email: 'Same email', phone: 'Same phone', name: 'Same name' };

// The customer fields a merge can take from the duplicate (MergeRequest.fields).
const DETAILS = [
  { key: 'first_name', label: 'First name' },
  { key: 'last_name', label: 'Last name' },
  { key: 'email', label: 'Email' },
  { key: 'phone', label: 'Phone' },
  { key: 'tax_id', label: 'Tax ID' },
  { key: 'address', label: 'Address' },
  { key: 'notes', label: 'Notes' },
];

function fullName(c) {
  return [c.first_name, c.last_name].filter(Boolean).join(' ') || c.code;
}

export function renderDuplicates(main) {
  delete main.dataset.duplicates;  // counts this screen's loads (the browser test waits on it)
  delete main.dataset.loaded;  // the customers table's count: that screen is gone
  const canMerge = can('customers.manage');
  const state = { cursors: [''], next: null, total: 0, shown: 0 };
  const status = h('p', { class: 'table-status', id: 'duplicates-status', role: 'status', 'aria-live': 'polite' });
  const tbody = h('tbody');
  const table = h('table', { class: 'duplicates', id: 'duplicates-table', 'aria-describedby': 'duplicates-status' },
    h('caption', { class: 'visually-hidden' }, 'Candidate duplicate customers'),
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, 'Customer'),
      h('th', { scope: 'col' }, 'Possible duplicate'),
      h('th', { scope: 'col' }, 'Why'),
      canMerge ? h('th', { scope: 'col', class: 'actions-col' }, h('span', { class: 'visually-hidden' }, 'Actions')) : null)),
    tbody);
  const prev = h('button', { type: 'button', id: 'duplicates-prev', disabled: true }, 'Previous');
  const next = h('button', { type: 'button', id: 'duplicates-next', disabled: true }, 'Next');
  const refresh = h('button', { type: 'button', id: 'duplicates-refresh', onclick: () => load() }, 'Refresh');

  main.append(
    h('div', { class: 'screen-head' },
      h('h1', {}, 'Duplicates'),
      h('div', { class: 'toolbar' }, refresh)),
    h('p', { class: 'muted intro' },
      'Customers who may be the same person (registered twice, for example at two stores while they were apart), strongest match first. ',
      canMerge
        ? 'Merge a pair to keep one record: the other one’s points, credit and spending move to it, and its code keeps working.'
        : 'Merging needs the customers.manage permission.'),
    h('div', { class: 'table-wrap' }, table),
    h('div', { class: 'pager' }, status, h('div', { class: 'pager-buttons' }, prev, next)));

  function who(c) {
    return h('div', { class: 'dup-who' },
      h('span', { class: 'dup-name' }, fullName(c)), ' ',
      h('span', { class: 'muted' }, c.code),
      c.email ? h('span', { class: 'dup-line' }, c.email) : null,
      c.phone ? h('span', { class: 'dup-line' }, c.phone) : null,
      c.origin_store ? h('span', { class: 'dup-line muted' }, `Registered at ${c.origin_store}`) : null);
  }

  function renderRows(candidates) {
    tbody.replaceChildren(...candidates.map((pair) => {
      const [a, b] = pair.customers;
      const why = (pair.matches || []).map((m) => MATCHES[m] || m).join(', ');
      return h('tr', { dataset: { codes: `${a.code} ${b.code}` } },
        h('td', { 'data-label': 'Customer' }, who(a)),
        h('td', { 'data-label': 'Possible duplicate' }, who(b)),
        h('td', { 'data-label': 'Why', class: 'dup-why' }, why),
        canMerge
          ? h('td', { class: 'actions-col' }, h('button', {
            type: 'button',
            dataset: { action: 'merge' },
            'aria-label': `Merge ${fullName(a)} (${a.code}) and ${fullName(b)} (${b.code})`,
            'aria-haspopup': 'dialog',
            // The button pressed is gone with its pair: the focus goes to the next one.
            onclick: () => openMergeDialog(pair, {
              onMerged: () => load().then(() => (tbody.querySelector('button') || refresh).focus()),
            }),
          }, 'Merge…'))
          : null);
    }));
    if (!candidates.length) {
      tbody.append(h('tr', {}, h('td', { colspan: canMerge ? '4' : '3', class: 'empty' }, 'No possible duplicates.')));
    }
    const page = state.cursors.length - 1;
    const first = candidates.length ? page * PAGE_SIZE + 1 : 0;
    const last = page * PAGE_SIZE + candidates.length;
    status.textContent = candidates.length
      ? `${formatInteger(first)}–${formatInteger(last)} of ${formatInteger(state.total)} pairs`
      : `0 of ${formatInteger(state.total)} pairs`;
    prev.disabled = page === 0;
    next.disabled = !state.next;
  }

  async function load() {
    table.setAttribute('aria-busy', 'true');
    try {
      const res = await api('GET', '/v1/customers/duplicates', {
        query: { limit: PAGE_SIZE, cursor: state.cursors[state.cursors.length - 1] },
      });
      state.total = res.data.total ?? 0;
      state.next = res.data.next_cursor || null;
      renderRows(res.data.candidates || []);
      main.dataset.duplicates = String(++state.shown);
    } catch (err) {
      status.textContent = err.detail || 'The possible duplicates could not be loaded.';
    } finally {
      table.removeAttribute('aria-busy');
    }
  }

  wirePaging(prev, next, state, () => load());
  load();
}

// The merge of one pair: both customers side by side, the survivor picked
// by the clerk (the older record by default), per field which value stays
// where both have one, what the survivor takes, and the merge itself.
export function openMergeDialog(pair, hooks = {}) {
  const [a, b] = pair.customers;
  // The older record stays by default: it is usually the one people know.
  let survivor = (a.created_at || '') <= (b.created_at || '') ? a : b;
  const picks = {};  // field -> 'survivor' | 'duplicate', where both hold a different value
  const { body, close } = openDialog('Merge duplicates', { className: 'wide merge' });
  const formError = h('div', { class: 'form-error', role: 'alert', id: 'merge-error' });
  const compare = h('div', { class: 'table-wrap' });
  const summary = h('div', { class: 'merge-summary', id: 'merge-summary' });
  const confirm = h('button', { type: 'button', class: 'danger', id: 'merge-confirm' });

  const choice = (c) => {
    const id = `merge-survivor-${c.code}`;
    return h('div', { class: 'radio' },
      h('input', {
        type: 'radio', name: 'merge-survivor', id, value: c.id, checked: c === survivor,
        onchange: () => {
          survivor = c;
          for (const k of Object.keys(picks)) delete picks[k];
          render();
        },
      }),
      h('label', { for: id }, `${fullName(c)} (${c.code})`,
        h('span', { class: 'muted registered' }, c.created_at ? ` — registered ${formatDateTime(c.created_at)}` : '')));
  };

  const has = (v) => v !== undefined && v !== null && v !== '';

  function render() {
    const duplicate = survivor === a ? b : a;
    const side = (c) => (c === survivor ? 'Stays' : 'Merged into the other');
    const rows = DETAILS.map((f) => {
      const s = survivor[f.key];
      const d = duplicate[f.key];
      let after;
      if (has(s) && has(d) && s !== d) {
        picks[f.key] ||= 'survivor';
        const sel = h('select', {
          id: `merge-field-${f.key}`,
          'aria-label': `${f.label} after the merge`,
          onchange: (e) => {
            picks[f.key] = e.target.value;
            renderSummary();
          },
        },
        h('option', { value: 'survivor' }, `${s} (${survivor.code})`),
        h('option', { value: 'duplicate' }, `${d} (${duplicate.code})`));
        sel.value = picks[f.key];
        after = sel;
      } else {
        after = has(s) ? s : has(d) ? h('span', { class: 'taken' }, d, h('span', { class: 'muted' }, ` (from ${duplicate.code})`)) : '';
      }
      return h('tr', {},
        h('th', { scope: 'row' }, f.label),
        h('td', { 'data-label': a.code }, a[f.key] ?? ''),
        h('td', { 'data-label': b.code }, b[f.key] ?? ''),
        h('td', { 'data-label': 'After the merge' }, after));
    });
    const sum = (k) => (survivor[k] ?? 0) + (duplicate[k] ?? 0);
    const figures = [
      { key: 'points', label: 'Points', fmt: formatInteger },
      { key: 'credit', label: 'Credit', fmt: formatMoney },
      { key: 'total_spent', label: 'Total spent', fmt: formatMoney },
    ].filter((f) => a[f.key] !== undefined && b[f.key] !== undefined)
      .map((f) => h('tr', {},
        h('th', { scope: 'row' }, f.label),
        h('td', { class: 'num', 'data-label': a.code }, f.fmt(a[f.key])),
        h('td', { class: 'num', 'data-label': b.code }, f.fmt(b[f.key])),
        h('td', { class: 'num', 'data-label': 'After the merge', id: `merge-after-${f.key}` }, f.fmt(sum(f.key)))));
    const visits = [a.last_visit, b.last_visit].filter(Boolean).sort();
    const fact = (label, fn) => h('tr', {},
      h('th', { scope: 'row' }, label),
      h('td', { 'data-label': a.code }, fn(a)),
      h('td', { 'data-label': b.code }, fn(b)),
      h('td', { 'data-label': 'After the merge' }, fn(survivor)));
    compare.replaceChildren(h('table', { class: 'merge-compare', id: 'merge-compare' },
      h('caption', { class: 'visually-hidden' }, 'The two customers side by side, and the result of the merge'),
      h('thead', {}, h('tr', {},
        h('td', {}),
        ...[a, b].map((c) => h('th', { scope: 'col', class: c === survivor ? 'survivor' : 'duplicate' },
          c.code, h('span', { class: 'tag' }, side(c)))),
        h('th', { scope: 'col' }, 'After the merge'))),
      h('tbody', {},
        fact('Code', (c) => c.code),
        fact('Registered at', (c) => c.origin_store || 'HQ'),
        ...rows,
        ...figures,
        h('tr', {},
          h('th', { scope: 'row' }, 'Last visit'),
          h('td', { 'data-label': a.code }, a.last_visit ? formatDateTime(a.last_visit) : 'Never'),
          h('td', { 'data-label': b.code }, b.last_visit ? formatDateTime(b.last_visit) : 'Never'),
          h('td', { 'data-label': 'After the merge' }, visits.length ? formatDateTime(visits[visits.length - 1]) : 'Never')))));
    renderSummary();
  }

  function renderSummary() {
    const duplicate = survivor === a ? b : a;
    const takes = [];
    if (duplicate.points) takes.push(`${formatInteger(duplicate.points)} points`);
    if (duplicate.credit) takes.push(`${formatMoney(duplicate.credit)} of credit`);
    if (duplicate.total_spent) takes.push(`${formatMoney(duplicate.total_spent)} of spending`);
    const fields = DETAILS.filter((f) => (!has(survivor[f.key]) && has(duplicate[f.key])) ||
      picks[f.key] === 'duplicate').map((f) => f.label.toLowerCase());
    summary.replaceChildren(
      h('p', {}, h('strong', {}, `${fullName(survivor)} (${survivor.code})`), ' stays, with its code and id. ',
        h('strong', {}, duplicate.code), ' is merged into it',
        takes.length ? ` and hands over ${takes.join(', ')} (both histories show the transfer)` : '',
        fields.length ? `; ${survivor.code} takes its ${fields.join(', ')} as shown above` : '',
        `. From then on ${duplicate.code} finds ${survivor.code} everywhere: at the registers, in the search and in sales recorded on the old code.`));
    confirm.textContent = `Merge ${duplicate.code} into ${survivor.code}`;
  }

  async function merge() {
    const duplicate = survivor === a ? b : a;
    formError.replaceChildren();
    const fields = {};
    for (const [k, v] of Object.entries(picks)) if (v === 'duplicate') fields[k] = 'duplicate';
    confirm.disabled = true;
    try {
      const res = await api('POST', `/v1/customers/${encodeURIComponent(survivor.id)}/merge`, {
        body: { duplicate: duplicate.id, ...(Object.keys(fields).length ? { fields } : {}) },
      });
      toast(`${duplicate.code} merged into ${res.data.code}.`);
      close();
      hooks.onMerged?.(res.data);
    } catch (err) {
      formError.replaceChildren(h('p', {}, `${err.detail}${err.reason ? ` (${err.reason})` : ''}`));
      confirm.disabled = false;
      formError.setAttribute('tabindex', '-1');
      formError.focus();
    }
  }

  confirm.addEventListener('click', merge);
  body.append(
    h('fieldset', { class: 'merge-survivor' },
      h('legend', {}, 'Which record stays?'),
      choice(a), choice(b)),
    compare,
    summary,
    formError,
    h('div', { class: 'actions sticky' }, h('p', { class: 'warning', id: 'merge-warning' }, 'A merge cannot be undone.'),
      h('span', { class: 'spacer' }), h('button', { type: 'button', onclick: close }, 'Cancel'), confirm));
  render();
  body.querySelector('input[name=merge-survivor]:checked')?.focus();
}
