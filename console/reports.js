// Reports (GET /v1/reports/{report}): pick a report and its day or period;
// its rows as a table, money in the locale's format, and its CSV.
import { api, url } from './api.js';
import { fill, h } from './dom.js';
import { formatInteger, formatMoney } from './format.js';

const REPORTS = [
  { id: 'liability', label: 'Credit liability', day: true },
  { id: 'roll-forward', label: 'Credit roll-forward' },
  { id: 'between-stores', label: 'Credit between stores' },
  { id: 'dormant', label: 'Dormant credit', day: true },
  { id: 'activity', label: 'Activity by store' },
  { id: 'top-customers', label: 'Top customers' },
];

// Columns whose names say they hold money (minor units).
const MONEY = /(credit|amount|spent|liability|balance|top_ups|deductions|opening|closing|adjust|sales|refund|owed)/;

export function renderReports(main) {
  const today = new Date().toISOString().slice(0, 10);
  const monthStart = `${today.slice(0, 8)}01`;
  const select = h('select', { id: 'report-kind' }, REPORTS.map((r) => h('option', { value: r.id }, r.label)));
  const date = h('input', { type: 'date', id: 'report-date', value: today });
  const from = h('input', { type: 'date', id: 'report-from', value: monthStart });
  const to = h('input', { type: 'date', id: 'report-to', value: today });
  const dayFields = h('div', { class: 'field' }, h('label', { for: 'report-date' }, 'Day'), date);
  const periodFields = h('div', { class: 'period' },
    h('div', { class: 'field' }, h('label', { for: 'report-from' }, 'From'), from),
    h('div', { class: 'field' }, h('label', { for: 'report-to' }, 'To'), to));
  const out = h('div', { id: 'report-output', 'aria-live': 'polite' });
  const csv = h('a', { class: 'button', id: 'report-csv' }, 'Download CSV');
  const form = h('form', { class: 'report-form' },
    h('div', { class: 'field' }, h('label', { for: 'report-kind' }, 'Report'), select),
    dayFields, periodFields,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Show'), csv));
  main.append(h('h1', {}, 'Reports'), form, out);

  function query() {
    const r = REPORTS.find((x) => x.id === select.value);
    return r.day ? { date: date.value } : { from: from.value, to: to.value };
  }
  function sync() {
    const r = REPORTS.find((x) => x.id === select.value);
    dayFields.hidden = !r.day;
    periodFields.hidden = Boolean(r.day);
    csv.href = url(`/v1/reports/${r.id}`, { ...query(), format: 'csv' });
    csv.setAttribute('download', `${r.id}.csv`);
  }
  async function show(e) {
    e?.preventDefault();
    sync();
    out.replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
    try {
      const res = await api('GET', `/v1/reports/${select.value}`, { query: query() });
      const rep = res.data;
      const rows = rep.rows || [];
      const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
      const money = (k) => MONEY.test(k) && !/(holders|count|customers|points)$/.test(k);
      const fmt = (k, v) => (typeof v === 'number' ? (money(k) ? formatMoney(v) : formatInteger(v)) : v ?? '');
      fill(out,
        rep.note ? h('p', { class: 'muted' }, rep.note) : null,
        chart(rows, cols, money, fmt),
        rows.length
          ? h('div', { class: 'table-wrap' }, h('table', { id: 'report-table' },
            h('caption', { class: 'visually-hidden' }, select.selectedOptions[0].textContent),
            h('thead', {}, h('tr', {}, cols.map((c) => h('th', { scope: 'col', class: typeof rows[0][c] === 'number' ? 'num' : '' }, c.replace(/_/g, ' '))))),
            h('tbody', {}, rows.map((r) => h('tr', {}, cols.map((c) => h('td', { class: typeof r[c] === 'number' ? 'num' : '' }, fmt(c, r[c]))))))))
          : h('p', {}, 'Nothing in this period.'),
        rep.total !== undefined ? h('p', {}, 'Total: ', formatMoney(rep.total)) : null);
    } catch (err) {
      out.replaceChildren(h('p', { class: 'form-error', role: 'alert' }, err.detail));
    }
  }
  for (const el of [select, date, from, to]) el.addEventListener('change', sync);
  form.addEventListener('submit', show);
  sync();
  show();
}

const SVG = 'http://www.w3.org/2000/svg';

function svg(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  el.append(...children);
  return el;
}

// A bar per row (the chain's total row left out) of the report's first money
// column (else its first number), drawn as SVG: no chart library. The table
// below holds the same figures for screen readers.
function chart(rows, cols, money, fmt) {
  const label = cols.find((c) => rows.some((r) => typeof r[c] === 'string'));
  const numeric = cols.filter((c) => rows.some((r) => typeof r[c] === 'number'));
  const value = numeric.find(money) || numeric[0];
  const bars = rows.filter((r) => label && r[label] !== '(chain)' && typeof r[value] === 'number');
  if (!label || !value || bars.length < 1) return null;
  const max = Math.max(1, ...bars.map((r) => Math.abs(r[value])));
  const rowHeight = 28;
  const width = 640;
  const labelWidth = 160;
  const valueWidth = 110;
  const barSpace = width - labelWidth - valueWidth;
  const title = value.replace(/_/g, ' ');
  return h('figure', { class: 'chart', id: 'report-chart' },
    svg('svg', { viewBox: `0 0 ${width} ${bars.length * rowHeight + 4}`, role: 'img', 'aria-label': `${title} by ${label.replace(/_/g, ' ')}` },
      ...bars.flatMap((r, i) => {
        const y = i * rowHeight + 2;
        const w = Math.max(1, Math.round((Math.abs(r[value]) / max) * barSpace));
        return [
          svg('text', { x: labelWidth - 8, y: y + 18, 'text-anchor': 'end', class: 'chart-label' }, String(r[label]).slice(0, 22)),
          svg('rect', { x: labelWidth, y: y + 4, width: w, height: rowHeight - 10, rx: 3, class: 'chart-bar' }),
          svg('text', { x: labelWidth + w + 6, y: y + 18, class: 'chart-value' }, fmt(value, r[value])),
        ];
      })),
    h('figcaption', { class: 'muted' }, title));
}
