// Loyalty points (customers.manage_loyalty): redeem points (not beyond the
// balance), or adjust them up or down with the note the API requires.
import { api } from './api.js';
import { h, openDialog, toast } from './dom.js';
import { formatInteger } from './format.js';

export async function openPointsDialog(row, hooks = {}) {
  let customer = (await api('GET', `/v1/customers/${encodeURIComponent(row.id)}`)).data;
  const name = `${customer.first_name ?? ''} ${customer.last_name ?? ''}`.trim() || customer.code;
  const { body } = openDialog('Points', { className: 'narrow' });
  const balance = h('output', { id: 'points-balance' }, formatInteger(customer.points));
  const field = (id, label, attrs) => {
    const err = h('p', { class: 'field-error', id: `${id}-error` });
    const input = h('input', { id, autocomplete: 'off', 'aria-describedby': `${id}-error`, ...attrs });
    return { input, err, nodes: [h('label', { for: id }, label), input, err] };
  };
  const points = field('points-amount', 'Points', { inputmode: 'numeric' });
  const note = field('points-note', 'Note (required to adjust)', {});
  const formError = h('div', { class: 'form-error', role: 'alert' });
  const redeem = h('button', { type: 'button', id: 'points-redeem' }, 'Redeem');
  const remove = h('button', { type: 'button', id: 'points-remove' }, 'Remove');
  const add = h('button', { type: 'button', class: 'primary', id: 'points-add' }, 'Add');

  function count() {
    const t = points.input.value.trim();
    return /^\d{1,12}$/.test(t) ? Number(t) : null;
  }
  function update() {
    const n = count();
    points.err.textContent = points.input.value.trim() && n === null ? 'Enter a whole number of points.' : '';
    add.disabled = !n;
    remove.disabled = !n;
    redeem.disabled = !n || n > customer.points;
  }
  async function post(kind) {
    const n = count();
    for (const el of [points.err, note.err]) el.textContent = '';
    formError.replaceChildren();
    const text = note.input.value.trim();
    if (kind !== 'redeem' && !text) {
      note.err.textContent = 'Say why the points change.';
      note.input.focus();
      return;
    }
    const req = kind === 'redeem'
      ? { path: 'redeem', body: { points: n, ...(text ? { note: text } : {}) } }
      : { path: 'adjust', body: { delta: kind === 'add' ? n : -n, note: text } };
    try {
      customer = (await api('POST', `/v1/customers/${encodeURIComponent(customer.id)}/points/${req.path}`, { body: req.body })).data;
      balance.textContent = formatInteger(customer.points);
      points.input.value = '';
      note.input.value = '';
      toast(`Points: ${formatInteger(customer.points)}.`);
      hooks.onChange?.(customer);
    } catch (err) {
      let shown = false;
      for (const e of err.errors) {
        const el = { points: points.err, delta: points.err, note: note.err }[e.field];
        if (el) {
          el.textContent = `${e.detail || e.reason} (${e.reason})`;
          shown = true;
        }
      }
      if (!shown) formError.append(h('p', {}, `${err.detail}${err.reason ? ` (${err.reason})` : ''}`));
    } finally {
      update();
      if (!body.contains(document.activeElement) || document.activeElement.disabled) points.input.focus();
    }
  }
  points.input.addEventListener('input', update);
  redeem.addEventListener('click', () => post('redeem'));
  remove.addEventListener('click', () => post('remove'));
  add.addEventListener('click', () => post('add'));
  body.append(
    h('div', { class: 'credit-head' },
      h('p', { class: 'credit-name' }, name, ' ', h('span', { class: 'muted' }, customer.code)),
      h('p', {}, h('span', { class: 'muted' }, 'Points '), balance)),
    ...points.nodes, ...note.nodes, formError,
    h('div', { class: 'actions' }, redeem, h('span', { class: 'spacer' }), remove, add));
  update();
  points.input.focus();
}
