// Reports (GET /v1/reports/{report}): pick a report and its day or period;
// its rows as a table, money in the locale's format, and its CSV. Charts drawn
// by Chart.js (Debian's libjs-chart.js, built in as /console/chart.min.js and
// loaded when the screen first needs it): credit liability over the period,
// activity by store, and a bar per row of the other reports. Each canvas is an
// image labelled with a summary of what it shows; the table below it holds
// the same figures. The API leaves out the figures the principal may not see
// (credit without customers.manage_credit, points without
// customers.manage_loyalty): a chart shows what is there, or says why not.
import { api, url } from './api.js';
import { fill, h } from './dom.js';
import { formatDate, formatInteger, formatMoney } from './format.js';

// liability: the table holds the liability at the end of the period's last
// day, the chart the liability at days spread over the period.
const REPORTS = [
  { id: 'liability', label: 'Credit liability', overTime: true },
  { id: 'roll-forward', label: 'Credit roll-forward' },
  { id: 'between-stores', label: 'Credit between stores' },
  { id: 'dormant', label: 'Dormant credit', day: true },
  { id: 'activity', label: 'Activity by store' },
  { id: 'top-customers', label: 'Top customers' },
];

// Columns whose names say they hold money (minor units).
const MONEY = /(credit|amount|spent|liability|balance|top_ups|deductions|opening|closing|adjust|sales|refund|owed)/;
const money = (k) => MONEY.test(k) && !/(holders|count|customers|points)$/.test(k) && !k.startsWith('points_');

// At most this many days of liability are asked for one chart (one request
// each, four at a time): daily over a month, spread evenly over longer periods.
const MAX_POINTS = 31;
const PARALLEL = 4;
const CHAIN = '(chain)';
const COLORS = ['#1f5fbf', '#2e8540', '#b35c00', '#7a3db8', '#b3261e', '#00798c', '#5b6675', '#8a6d00'];
const MAX_SERIES = 7;  // the chain and at most six stores on the line chart
let charts = [];        // the Chart instances on screen, destroyed before the next

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
  // The charts of a screen left earlier (its canvases are gone with it).
  for (const c of charts) c.destroy();
  charts = [];
  let shown = 0;     // the latest show(): an older one's answers are dropped

  const kind = () => REPORTS.find((x) => x.id === select.value);
  function query() {
    const r = kind();
    if (r.day) return { date: date.value };
    if (r.overTime) return { date: to.value };
    return { from: from.value, to: to.value };
  }
  function sync() {
    const r = kind();
    dayFields.hidden = !r.day;
    periodFields.hidden = Boolean(r.day);
    csv.href = url(`/v1/reports/${r.id}`, { ...query(), format: 'csv' });
    csv.setAttribute('download', `${r.id}.csv`);
  }
  async function show(e) {
    e?.preventDefault();
    sync();
    const mine = ++shown;
    for (const c of charts) c.destroy();
    charts = [];
    const r = kind();
    out.replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
    try {
      const res = await api('GET', `/v1/reports/${r.id}`, { query: query() });
      if (mine !== shown) return;
      const rep = res.data;
      const rows = rep.rows || [];
      const cols = [...new Set(rows.flatMap((x) => Object.keys(x)))];
      const fmt = (k, v) => (typeof v === 'number' ? (money(k) ? formatMoney(v) : formatInteger(v)) : v ?? '');
      const figure = h('div', { class: 'chart-slot' });
      fill(out,
        rep.note ? h('p', { class: 'muted' }, rep.note) : null,
        figure,
        r.overTime ? h('h2', { class: 'table-title' }, `At the end of ${formatDate(noon(rep.date || to.value))}`) : null,
        rows.length
          ? h('div', { class: 'table-wrap' }, h('table', { id: 'report-table' },
            h('caption', { class: 'visually-hidden' }, r.label),
            h('thead', {}, h('tr', {}, cols.map((c) => h('th', { scope: 'col', class: typeof rows[0][c] === 'number' ? 'num' : '' }, c.replace(/_/g, ' '))))),
            h('tbody', {}, rows.map((x) => h('tr', {}, cols.map((c) => h('td', { class: typeof x[c] === 'number' ? 'num' : '' }, fmt(c, x[c]))))))))
          : h('p', {}, 'Nothing in this period.'),
        rep.total !== undefined ? h('p', {}, 'Total: ', formatMoney(rep.total)) : null);
      const drawn = r.id === 'liability' ? await liabilityChart(figure, rep, () => mine === shown)
        : r.id === 'activity' ? await activityChart(figure, rep)
          : await rowsChart(figure, rows, cols, fmt, r.label);
      if (mine === shown && drawn) charts.push(drawn);
      else drawn?.destroy();
    } catch (err) {
      if (mine === shown) out.replaceChildren(h('p', { class: 'form-error', role: 'alert' }, err.detail || String(err.message || err)));
    }
  }

  // Credit liability (else points, when credit is not visible) at the end of
  // days spread over from..to: one line for the chain, one per store.
  async function liabilityChart(slot, last, current) {
    const days = sampleDays(from.value, to.value);
    if (!days.length) return note(slot, 'Choose a period that ends after it starts to see the liability over time.');
    fill(slot, h('p', { class: 'muted' }, `Loading the liability on ${formatInteger(days.length)} days…`));
    const answers = new Map([[last.date || to.value, last]]);
    const wanted = days.filter((d) => !answers.has(d));
    for (let i = 0; i < wanted.length; i += PARALLEL) {
      const batch = wanted.slice(i, i + PARALLEL);
      const got = await Promise.all(batch.map((d) => api('GET', '/v1/reports/liability', { query: { date: d } })));
      if (!current()) return null;
      batch.forEach((d, j) => answers.set(d, got[j].data));
    }
    const all = days.map((d) => answers.get(d)?.rows || []);
    const field = all.some((rows) => rows.some((x) => typeof x.credit === 'number')) ? 'credit'
      : all.some((rows) => rows.some((x) => typeof x.points === 'number')) ? 'points' : null;
    if (!field) return note(slot, 'Your permissions show no credit or points figures, so there is no liability to chart.');
    const isMoney = field === 'credit';
    const value = (rows, store) => rows.find((x) => x.store === store)?.[field] ?? 0;
    // The chain, then the stores holding the most at the period's end.
    const lastRows = all[all.length - 1];
    const stores = [...new Set(all.flatMap((rows) => rows.map((x) => x.store)))]
      .filter((s) => s && s !== CHAIN)
      .sort((a, b) => value(lastRows, b) - value(lastRows, a))
      .slice(0, MAX_SERIES - 1);
    const series = [CHAIN, ...stores].map((store) => ({ store, values: all.map((rows) => value(rows, store)) }));
    const format = isMoney ? formatMoney : formatInteger;
    const what = isMoney ? 'Credit liability' : 'Points held (credit is not visible to you)';
    const chain = series[0].values;
    const peak = chain.reduce((best, v, i) => (v > chain[best] ? i : best), 0);
    const summary = `${what}, chain-wide, from ${formatDate(noon(days[0]))} to ${formatDate(noon(days[days.length - 1]))}: ` +
      `${format(chain[0])} at the start, ${format(chain[chain.length - 1])} at the end, highest ${format(chain[peak])} on ${formatDate(noon(days[peak]))}` +
      (stores.length ? `; by store at the end: ${stores.map((s) => `${s} ${format(value(lastRows, s))}`).join(', ')}.` : '.');
    const canvas = h('canvas', { id: 'liability-chart', role: 'img', 'aria-label': summary });
    const detail = h('details', { class: 'chart-figures' },
      h('summary', {}, 'The chart\'s figures'),
      h('div', { class: 'table-wrap' }, h('table', { id: 'liability-series' },
        h('caption', { class: 'visually-hidden' }, `${what} by day`),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Day'), series.map((s) => h('th', { scope: 'col', class: 'num' }, s.store)))),
        h('tbody', {}, days.map((d, i) => h('tr', {}, h('th', { scope: 'row' }, formatDate(noon(d))),
          series.map((s) => h('td', { class: 'num' }, format(s.values[i])))))))));
    fill(slot, h('figure', { class: 'chart', id: 'report-chart' },
      h('figcaption', {}, `${what} over the period`, days.length > 1 && step(days) > 1 ? ` (every ${formatInteger(step(days))} days)` : ''),
      h('div', { class: 'chart-box' }, canvas), detail));
    const Chart = await loadChart(slot);
    if (!Chart || !current()) return null;
    return new Chart(canvas, {
      type: 'line',
      data: {
        labels: days.map((d) => formatDate(noon(d))),
        datasets: series.map((s, i) => ({
          label: s.store === CHAIN ? 'Chain' : s.store,
          data: s.values,
          borderColor: COLORS[i % COLORS.length],
          backgroundColor: COLORS[i % COLORS.length],
          borderWidth: i === 0 ? 3 : 1.5,
          pointRadius: days.length > 15 ? 1.5 : 3,
          tension: 0,
        })),
      },
      options: options(format, { interaction: { mode: 'index', intersect: false } }),
    });
  }

  // Activity summed by store over the period: purchases, credit topped up and
  // spent (the money columns the API answered), a group of bars per store.
  async function activityChart(slot, rep) {
    const rows = rep.rows || [];
    const measures = [
      ['purchase_amount', 'Purchases'],
      ['credit_topped_up', 'Credit topped up'],
      ['credit_spent', 'Credit spent'],
    ].filter(([k]) => rows.some((x) => typeof x[k] === 'number'));
    const stores = [...new Set(rows.map((x) => x.store).filter((s) => s && s !== CHAIN))].sort();
    if (!stores.length || !measures.length) return note(slot, 'No activity to chart in this period.');
    const sum = (store, k) => rows.filter((x) => x.store === store).reduce((t, x) => t + (x[k] || 0), 0);
    const summary = `Activity by store from ${formatDate(noon(rep.from || from.value))} to ${formatDate(noon(rep.to || to.value))}: ` +
      stores.slice(0, 12).map((s) => `${s}: ${measures.map(([k, t]) => `${t.toLowerCase()} ${formatMoney(sum(s, k))}`).join(', ')}`).join('; ') +
      (stores.length > 12 ? `; and ${formatInteger(stores.length - 12)} more stores` : '') + '.';
    const canvas = h('canvas', { id: 'activity-chart', role: 'img', 'aria-label': summary });
    fill(slot, h('figure', { class: 'chart', id: 'report-chart' },
      h('figcaption', {}, 'Activity by store over the period'),
      h('div', { class: 'chart-box' }, canvas)));
    const Chart = await loadChart(slot);
    if (!Chart) return null;
    return new Chart(canvas, {
      type: 'bar',
      data: {
        labels: stores,
        datasets: measures.map(([k, t], i) => ({
          label: t, data: stores.map((s) => sum(s, k)), backgroundColor: COLORS[i % COLORS.length],
        })),
      },
      options: options(formatMoney),
    });
  }

  // The other reports: a bar per row (the chain's total row left out) of the
  // report's first money column, else its first number.
  async function rowsChart(slot, rows, cols, fmt, title) {
    const label = cols.find((c) => rows.some((x) => typeof x[c] === 'string'));
    const numeric = cols.filter((c) => rows.some((x) => typeof x[c] === 'number'));
    const value = numeric.find(money) || numeric[0];
    const bars = rows.filter((x) => label && x[label] !== CHAIN && typeof x[value] === 'number').slice(0, 50);
    if (!label || !value || !bars.length) return null;
    const name = value.replace(/_/g, ' ');
    const summary = `${title}: ${name} by ${label.replace(/_/g, ' ')}: ` +
      bars.slice(0, 12).map((x) => `${x[label]} ${fmt(value, x[value])}`).join(', ') +
      (bars.length > 12 ? `, and ${formatInteger(bars.length - 12)} more` : '') + '.';
    const canvas = h('canvas', { id: 'rows-chart', role: 'img', 'aria-label': summary });
    fill(slot, h('figure', { class: 'chart', id: 'report-chart' },
      h('figcaption', {}, name), h('div', { class: 'chart-box' }, canvas)));
    const Chart = await loadChart(slot);
    if (!Chart) return null;
    return new Chart(canvas, {
      type: 'bar',
      data: {
        labels: bars.map((x) => String(x[label]).slice(0, 24)),
        datasets: [{ label: name, data: bars.map((x) => x[value]), backgroundColor: COLORS[0] }],
      },
      options: options((v) => fmt(value, v), { plugins: { legend: { display: false } } }),
    });
  }

  for (const el of [select, date, from, to]) el.addEventListener('change', sync);
  form.addEventListener('submit', show);
  select.addEventListener('change', show);
  sync();
  show();
}

function note(slot, text) {
  fill(slot, h('p', { class: 'muted chart-note' }, text));
  return null;
}

// Chart.js options shared by the charts: no animation (nothing moves for a
// reader who asked for reduced motion, and a test sees the final chart), the
// axis and tooltips in the locale's format.
function options(format, extra = {}) {
  const text = getComputedStyle(document.body);
  return {
    responsive: true,
    maintainAspectRatio: false,
    animation: false,
    ...extra,
    scales: {
      y: { beginAtZero: true, ticks: { callback: (v) => format(Math.round(v)), color: text.color } },
      x: { ticks: { color: text.color, maxRotation: 0, autoSkip: true } },
    },
    plugins: {
      ...extra.plugins,
      tooltip: { callbacks: { label: (ctx) => `${ctx.dataset.label}: ${format(ctx.parsed.y)}` } },
    },
  };
}

let chartScript = null;

// Chart.js (window.Chart), loaded once from this node. Null, with a note in
// `slot`, if it cannot be loaded: the table still holds the figures.
async function loadChart(slot) {
  if (!window.Chart) {
    chartScript ??= new Promise((resolve, reject) => {
      const s = h('script', { src: '/console/chart.min.js' });
      s.addEventListener('load', () => resolve());
      s.addEventListener('error', () => {
        chartScript = null;
        s.remove();
        reject(new Error('chart.min.js'));
      });
      document.head.append(s);
    });
    try {
      await chartScript;
    } catch {
      slot.append(h('p', { class: 'muted chart-note' }, 'The chart could not be loaded; the table holds its figures.'));
      return null;
    }
    const style = getComputedStyle(document.body);
    window.Chart.defaults.font.family = style.fontFamily;
    window.Chart.defaults.color = style.color;
  }
  return window.Chart;
}

// A day (YYYY-MM-DD) as the local noon, so it formats as that day anywhere.
function noon(day) {
  return `${day}T12:00:00`;
}

const DAY_MS = 86400000;

// The days of from..to, or at most MAX_POINTS spread evenly (the last one
// always to); [] when the period is not a valid one.
function sampleDays(from, to) {
  const a = Date.parse(`${from}T00:00:00Z`);
  const b = Date.parse(`${to}T00:00:00Z`);
  if (Number.isNaN(a) || Number.isNaN(b) || b < a) return [];
  const span = Math.round((b - a) / DAY_MS);
  const gap = Math.max(1, Math.ceil(span / (MAX_POINTS - 1)));
  const days = [];
  for (let d = 0; d < span; d += gap) days.push(new Date(a + d * DAY_MS).toISOString().slice(0, 10));
  days.push(to);
  return days;
}

function step(days) {
  return days.length > 1 ? Math.round((Date.parse(days[1]) - Date.parse(days[0])) / DAY_MS) : 1;
}
