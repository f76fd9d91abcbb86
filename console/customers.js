// Customers (seed 002, "Customer table"): the table with sortable bold
// headers, search as you type, the filter dialog, paging, and the row actions
// the principal's permissions allow (edit, history, credit).
import { api } from './api.js';
import { h, icon, wirePaging } from './dom.js';
import { formatDate, formatDateTime, formatInteger, formatMoney } from './format.js';
import { can, canAny } from './session.js';
import { openCustomerDialog } from './customer_dialog.js';
import { openHistoryDialog } from './history_dialog.js';
import { openCreditDialog } from './credit_dialog.js';
import { openFilterDialog } from './filter_dialog.js';

const PAGE_SIZE = 50;
// Keys typed within this of each other make one search (the previous one's
// request is dropped anyway when a new one starts).
const SEARCH_DELAY_MS = 40;

// What the principal may see of points and credit: its permission and the
// module both (the API leaves the field out otherwise).
export async function visibility() {
  let modules = { loyalty_points: true, customer_credits: true };
  try {
    modules = (await api('GET', '/v1/settings')).data.modules || modules;
  } catch {
    // Without the settings, the fields the API sends decide.
  }
  return {
    points: can('customers.manage_loyalty') && modules.loyalty_points !== false,
    credit: can('customers.manage_credit') && modules.customer_credits !== false,
  };
}

export function renderCustomers(main) {
  delete main.dataset.loaded;  // counts this screen's loads (the browser test waits on it)
  const state = {
    search: '',
    sort: 'last_name',
    order: 'asc',
    filters: { has_points: false, has_credit: false, status: 'active' },
    cursors: [''],  // the cursor of each page shown so far; the last is this page's
    next: null,
    total: 0,
    rows: [],
    seen: { points: false, credit: false },
    request: null,
    shown: 0,
  };
  const columns = [
    { key: 'first_name', label: 'First name', sort: true },
    { key: 'last_name', label: 'Last name', sort: true },
    { key: 'email', label: 'Email' },
    { key: 'phone', label: 'Phone' },
    { key: 'points', label: 'Points', sort: true, numeric: true, when: 'points' },
    { key: 'credit', label: 'Credit', sort: true, numeric: true, when: 'credit' },
    { key: 'last_visit', label: 'Last visit', sort: true },
  ];
  const canEdit = can('customers.edit');
  const canHistory = canAny('customers.manage_loyalty', 'customers.manage_credit');
  const canCredit = can('customers.manage_credit');

  const search = h('input', {
    type: 'search',
    id: 'customer-search',
    placeholder: 'Name, email, phone or code',
    autocomplete: 'off',
    'aria-controls': 'customer-table',
  });
  const filterCount = h('span', { class: 'badge', hidden: true });
  const filterButton = h('button', {
    type: 'button',
    class: 'icon-button',
    id: 'filter-button',
    'aria-label': 'Filter',
    'aria-haspopup': 'dialog',
    title: 'Filter',
  }, icon('funnel'), filterCount);
  const addButton = can('customers.create')
    ? h('button', { type: 'button', class: 'primary', id: 'add-customer' }, icon('plus'), ' Add')
    : null;
  const status = h('p', { class: 'table-status', id: 'table-status', role: 'status', 'aria-live': 'polite' });
  const thead = h('thead');
  const tbody = h('tbody');
  const table = h('table', { class: 'customers', id: 'customer-table', 'aria-describedby': 'table-status' },
    h('caption', { class: 'visually-hidden' }, 'Customers'), thead, tbody);
  const prev = h('button', { type: 'button', id: 'page-prev', disabled: true }, 'Previous');
  const next = h('button', { type: 'button', id: 'page-next', disabled: true }, 'Next');

  main.append(
    h('div', { class: 'screen-head' },
      h('h1', {}, 'Customers'),
      h('div', { class: 'toolbar' },
        h('label', { for: 'customer-search', class: 'visually-hidden' }, 'Search customers'),
        search, filterButton, addButton)),
    h('div', { class: 'table-wrap' }, table),
    h('div', { class: 'pager' }, status, h('div', { class: 'pager-buttons' }, prev, next)),
  );

  let vis = { points: can('customers.manage_loyalty'), credit: can('customers.manage_credit') };
  const shownColumns = () => columns.filter((c) => !c.when || vis[c.when]);

  function renderHead() {
    const cells = shownColumns().map((c) => {
      if (!c.sort) return h('th', { scope: 'col', class: c.numeric ? 'num' : '' }, c.label);
      const active = state.sort === c.key;
      const dir = active ? (state.order === 'asc' ? 'ascending' : 'descending') : 'none';
      return h('th', { scope: 'col', class: `sortable ${c.numeric ? 'num' : ''}`, 'aria-sort': dir },
        h('button', {
          type: 'button',
          class: 'sort',
          dataset: { sort: c.key },
          onclick: () => sortBy(c.key),
        }, c.label, h('span', { class: 'arrow', 'aria-hidden': 'true' }, active ? (state.order === 'asc' ? '▲' : '▼') : '')));
    });
    const actions = canEdit || canHistory || canCredit;
    if (actions) cells.push(h('th', { scope: 'col', class: 'actions-col' }, h('span', { class: 'visually-hidden' }, 'Actions')));
    thead.replaceChildren(h('tr', {}, cells));
  }

  function cell(c, row) {
    const v = row[c.key];
    if (c.key === 'points') return formatInteger(v);
    if (c.key === 'credit') return formatMoney(v);
    if (c.key === 'last_visit') {
      // The short form on a tablet's narrower table (styles.css shows one).
      return v ? [h('span', { class: 'long' }, formatDateTime(v)), h('span', { class: 'short' }, formatDate(v))] : '';
    }
    if (c.key === 'email' && v) {
      const at = v.indexOf('@');  // a narrow column wraps after the @
      return at < 0 ? v : [v.slice(0, at + 1), h('wbr'), v.slice(at + 1)];
    }
    return v ?? '';
  }

  function fullName(row) {
    return [row.first_name, row.last_name].filter(Boolean).join(' ') || row.code;
  }

  function renderRows() {
    const cols = shownColumns();
    tbody.replaceChildren(...state.rows.map((row) => {
      const tds = cols.map((c) => {
        const td = h('td', { class: c.numeric ? 'num' : '', 'data-label': c.label }, cell(c, row));
        if (c.key === 'last_name' && row.erased) td.append(h('span', { class: 'tag' }, 'Erased'), ' ', row.code);
        else if (c.key === 'last_name' && !row.active) td.append(' ', h('span', { class: 'tag' }, 'Inactive'));
        return td;
      });
      const buttons = [];
      const name = fullName(row);
      if (canEdit) {
        buttons.push(h('button', { type: 'button', class: 'icon-button', 'aria-label': `Edit ${name}`, title: 'Edit', dataset: { action: 'edit' }, onclick: () => edit(row) }, icon('pencil')));
      }
      if (canHistory) {
        buttons.push(h('button', { type: 'button', class: 'icon-button', 'aria-label': `History of ${name}`, title: 'Transaction history', dataset: { action: 'history' }, onclick: () => openHistoryDialog(row, vis) }, icon('clock')));
      }
      if (canCredit && vis.credit) {
        buttons.push(h('button', { type: 'button', class: 'icon-button', 'aria-label': `Credit of ${name}`, title: 'Credit', dataset: { action: 'credit' }, onclick: () => credit(row) }, icon('wallet')));
      }
      if (buttons.length) tds.push(h('td', { class: 'actions-col' }, buttons));
      const tr = h('tr', { class: canEdit ? 'interactive' : '', dataset: { id: row.id, code: row.code } }, tds);
      if (canEdit) {
        tr.addEventListener('click', (e) => {
          if (!e.target.closest('button')) edit(row);
        });
      }
      return tr;
    }));
    if (!state.rows.length) {
      tbody.append(h('tr', {}, h('td', { colspan: String(cols.length + 1), class: 'empty' },
        state.search || state.filters.has_points || state.filters.has_credit ? 'No customer matches.' : 'No customers yet.')));
    }
    const page = state.cursors.length - 1;
    const first = state.rows.length ? page * PAGE_SIZE + 1 : 0;
    const last = page * PAGE_SIZE + state.rows.length;
    status.textContent = state.rows.length
      ? `${formatInteger(first)}–${formatInteger(last)} of ${formatInteger(state.total)}`
      : `0 of ${formatInteger(state.total)}`;
    prev.disabled = page === 0;
    next.disabled = !state.next;
  }

  // `typedAt`: when the key was pressed that made this search (from the
  // search box), so the time to its rows is measured as a person sees it.
  async function load(typedAt) {
    if (state.request) state.request.abort();
    const request = new AbortController();
    state.request = request;
    const query = {
      search: state.search,
      sort: state.sort,
      order: state.order,
      limit: PAGE_SIZE,
      cursor: state.cursors[state.cursors.length - 1],
      status: state.filters.status,
      has_points: state.filters.has_points ? 'true' : '',
      has_credit: state.filters.has_credit ? 'true' : '',
    };
    table.setAttribute('aria-busy', 'true');
    try {
      const started = performance.now();
      const res = await api('GET', '/v1/customers', { query, signal: request.signal });
      await visibilityKnown;  // the columns
      if (request !== state.request) return;
      state.rows = res.data.customers || [];
      state.total = res.data.total ?? state.rows.length;
      state.next = res.data.next_cursor || null;
      renderHead();
      renderRows();
      const end = performance.now();
      performance.measure('customers-table', { start: started, end, detail: state.search });
      if (typedAt !== undefined) {
        performance.measure('customers-search', { start: typedAt, end, detail: state.search });
      }
      main.dataset.loaded = String(++state.shown);
    } catch (err) {
      if (err.name === 'AbortError') return;
      // A page's cursor expires (10 minutes, or when the table changed while
      // too many queries were open): start the same query again from its top.
      if (err.reason === 'cursor_expired' && state.cursors.length > 1) {
        state.cursors = [''];
        return load(typedAt);
      }
      status.textContent = err.detail || 'The customers could not be loaded.';
    } finally {
      if (request === state.request) table.removeAttribute('aria-busy');
    }
  }

  function reload(typedAt) {
    state.cursors = [''];
    return load(typedAt);
  }

  function sortBy(key) {
    if (state.sort === key) state.order = state.order === 'asc' ? 'desc' : 'asc';
    else {
      state.sort = key;
      state.order = 'asc';
    }
    reload().then(() => thead.querySelector(`button[data-sort="${key}"]`)?.focus());
  }

  function updateFilterBadge() {
    const n = (state.filters.has_points ? 1 : 0) + (state.filters.has_credit ? 1 : 0) +
      (state.filters.status !== 'active' ? 1 : 0);
    filterCount.textContent = n ? String(n) : '';
    filterCount.hidden = !n;
    filterButton.setAttribute('aria-label', n ? `Filter (${n} on)` : 'Filter');
  }

  function edit(row) {
    openCustomerDialog(row.id, vis, { onChange: () => load(), onCredit: credit, onHistory: (r) => openHistoryDialog(r, vis) });
  }

  function credit(row) {
    openCreditDialog(row, vis, { onChange: () => load() });
  }

  let timer = 0;
  search.addEventListener('input', () => {
    const typedAt = performance.now();
    clearTimeout(timer);
    timer = setTimeout(() => {
      state.search = search.value.trim();
      reload(typedAt);
    }, SEARCH_DELAY_MS);
  });
  search.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      clearTimeout(timer);
      state.search = search.value.trim();
      reload();
    }
  });
  filterButton.addEventListener('click', () => {
    openFilterDialog(state.filters, vis, (filters) => {
      state.filters = filters;
      updateFilterBadge();
      reload();
    });
  });
  addButton?.addEventListener('click', () => {
    openCustomerDialog(null, vis, { onChange: () => reload(), onCredit: credit, onHistory: (r) => openHistoryDialog(r, vis) });
  });
  wirePaging(prev, next, state, () => load());

  // The settings (which columns) and the first page are asked for at once.
  const visibilityKnown = visibility().then((v) => {
    vis = v;
  });
  renderHead();
  load();
  search.focus();
}
