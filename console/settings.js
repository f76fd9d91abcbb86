// Settings (settings.manage): the modules with their dependencies, and the
// loyalty program (points per amount, rounding, expiry).
import { api } from './api.js';
import { h, toast } from './dom.js';

const MODULES = [
  { key: 'customers', label: 'Customers', note: 'Customer records and purchase history' },
  { key: 'loyalty_points', label: 'Loyalty points', note: 'Requires Customers' },
  { key: 'customer_credits', label: 'Customer credit', note: 'Requires Customers' },
];

export async function renderSettings(main) {
  main.append(h('h1', {}, 'Settings'));
  const modules = h('section', { class: 'card', 'aria-labelledby': 'modules-title' }, h('h2', { id: 'modules-title' }, 'Modules'));
  const program = h('section', { class: 'card', 'aria-labelledby': 'program-title' }, h('h2', { id: 'program-title' }, 'Loyalty program'));
  main.append(modules, program);
  let settings = (await api('GET', '/v1/settings')).data;

  function renderModules() {
    modules.replaceChildren(modules.firstChild, ...MODULES.map((m) => {
      const id = `module-${m.key}`;
      const input = h('input', { type: 'checkbox', role: 'switch', id, checked: settings.modules?.[m.key] });
      const err = h('p', { class: 'field-error', id: `${id}-error` });
      input.setAttribute('aria-describedby', `${id}-note ${id}-error`);
      input.addEventListener('change', async () => {
        err.textContent = '';
        try {
          settings = (await api('PUT', `/v1/settings/modules/${m.key}`, { body: { enabled: input.checked } })).data;
          toast(`${m.label} ${input.checked ? 'enabled' : 'disabled'}.`);
          renderModules();
        } catch (e) {
          input.checked = !input.checked;
          err.textContent = e.detail;
        }
      });
      return h('div', { class: 'toggle' }, input, h('label', { for: id }, m.label),
        h('span', { class: 'muted', id: `${id}-note` }, m.note), err);
    }));
  }

  function renderProgram() {
    const p = settings.loyalty_program || {};
    const num = (id, label, value) => [h('label', { for: id }, label), h('input', { id, type: 'number', min: '1', step: '1', value: String(value ?? '') }), h('p', { class: 'field-error', id: `${id}-error` })];
    const rounding = h('select', { id: 'program-rounding' }, ['floor', 'nearest', 'ceil'].map((r) => h('option', { value: r, selected: p.rounding === r ? 'selected' : null }, r)));
    const expiry = h('select', { id: 'program-expiry' },
      [['never', 'Never'], ['months_after_earning', 'Months after earning'], ['after_inactivity', 'After inactivity']]
        .map(([v, t]) => h('option', { value: v, selected: (p.expiry || 'never') === v ? 'selected' : null }, t)));
    const formError = h('div', { class: 'form-error', role: 'alert' });
    const form = h('form', { id: 'program-form', novalidate: true },
      num('program-points', 'Points', p.points),
      num('program-per_amount', 'Per amount (minor units, e.g. 100 = 1.00)', p.per_amount),
      h('label', { for: 'program-rounding' }, 'Rounding'), rounding,
      h('label', { for: 'program-expiry' }, 'Points expire'), expiry,
      ...num('program-expiry_months', 'Expiry months', p.expiry_months),
      formError,
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Save program')));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      formError.replaceChildren();
      form.querySelectorAll('.field-error').forEach((x) => { x.textContent = ''; });
      const body = {
        points: Number(form.querySelector('#program-points').value),
        per_amount: Number(form.querySelector('#program-per_amount').value),
        rounding: rounding.value,
        expiry: expiry.value,
      };
      const months = form.querySelector('#program-expiry_months').value;
      if (expiry.value !== 'never' && months) body.expiry_months = Number(months);
      try {
        settings = (await api('PUT', '/v1/settings/loyalty-program', { body })).data;
        toast('Loyalty program saved; it applies to purchases from now on.');
      } catch (err) {
        for (const fe of err.errors) {
          const el = form.querySelector(`#program-${String(fe.field).replace(/^\//, '')}-error`);
          if (el) el.textContent = `${fe.detail} (${fe.reason})`;
        }
        if (!err.errors.length) formError.append(h('p', {}, err.detail));
      }
    });
    program.replaceChildren(program.firstChild, form);
  }
  renderModules();
  renderProgram();
}
