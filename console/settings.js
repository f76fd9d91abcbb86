// Settings (GET /v1/settings; changed with settings.manage): the modules with
// what each needs and what needs it, and the loyalty program (points per
// amount, rounding, and the points expiry policy). A module the API will not
// switch (another module depends on it, or a store, where settings are HQ's)
// stays as it was, with the API's reason beside it. Without settings.manage
// the same figures are shown, read only.
import { api } from './api.js';
import { fill, h, toast } from './dom.js';
import { formatInteger, formatMoney } from './format.js';
import { can } from './session.js';

const MODULES = [
  { key: 'customers', label: 'Customers', note: 'Customer records and purchase history', needs: [] },
  { key: 'loyalty_points', label: 'Loyalty points', note: 'Points program for regular customers', needs: ['customers'] },
  { key: 'customer_credits', label: 'Customer credit', note: 'Credit system for customer accounts', needs: ['customers'] },
];
const label = (key) => MODULES.find((m) => m.key === key)?.label || key;
const EXPIRY = [
  ['never', 'Never'],
  ['months_after_earning', 'At the end of the month, some months after earning'],
  ['after_inactivity', 'Some months after the customer\'s last purchase or redemption'],
];
const ROUNDING = [['floor', 'Down'], ['nearest', 'To the nearest'], ['ceil', 'Up']];

export async function renderSettings(main) {
  const manage = can('settings.manage');
  main.append(h('h1', {}, 'Settings'));
  const modules = h('section', { class: 'card', id: 'modules', 'aria-labelledby': 'modules-title' });
  const program = h('section', { class: 'card', id: 'program', 'aria-labelledby': 'program-title' });
  main.append(modules, program);
  let settings;
  try {
    settings = (await api('GET', '/v1/settings')).data;
  } catch (err) {
    main.append(h('p', { class: 'form-error', role: 'alert' }, err.detail));
    return;
  }

  function renderModules() {
    const on = settings.modules || {};
    fill(modules,
      h('h2', { id: 'modules-title' }, 'Modules'),
      manage ? null : h('p', { class: 'muted readonly-note' }, 'Only a principal with settings.manage can switch modules.'),
      MODULES.map((m) => {
        const id = `module-${m.key}`;
        const dependents = MODULES.filter((d) => d.needs.includes(m.key));
        const deps = [
          m.needs.length ? `Needs ${m.needs.map((k) => `${label(k)} (${on[k] ? 'on' : 'off'})`).join(', ')}.` : null,
          dependents.length ? `Needed by ${dependents.map((d) => `${d.label} (${on[d.key] ? 'on' : 'off'})`).join(', ')}.` : null,
        ].filter(Boolean).join(' ');
        const input = h('input', {
          type: 'checkbox', role: 'switch', id, checked: on[m.key], disabled: !manage,
          'aria-describedby': `${id}-note ${id}-deps ${id}-error`,
        });
        const err = h('p', { class: 'field-error', id: `${id}-error`, role: 'alert' });
        input.addEventListener('change', async () => {
          err.textContent = '';
          delete err.dataset.reason;
          const wanted = input.checked;
          input.disabled = true;
          try {
            settings = (await api('PUT', `/v1/settings/modules/${m.key}`, { body: { enabled: wanted } })).data;
            toast(`${m.label} ${wanted ? 'switched on' : 'switched off'}.`);
            renderModules();
            document.getElementById(id)?.focus();
          } catch (e) {
            input.checked = !wanted;
            input.disabled = false;
            err.textContent = e.detail;
            if (e.reason) err.dataset.reason = e.reason;
            input.focus();
          }
        });
        return h('div', { class: 'toggle module', dataset: { module: m.key } },
          input, h('label', { for: id }, m.label),
          h('span', { class: 'muted', id: `${id}-note` }, m.note),
          h('p', { class: 'muted deps', id: `${id}-deps` }, deps || 'Needs no other module.'),
          err);
      }));
  }

  function renderProgram() {
    const p = settings.loyalty_program || {};
    const off = settings.modules && settings.modules.loyalty_points === false
      ? h('p', { class: 'muted', id: 'program-module-off' }, 'The Loyalty points module is off: no points are earned until it is switched on.')
      : null;
    if (!manage) {
      const expiry = EXPIRY.find(([v]) => v === (p.expiry || 'never'))?.[1] || p.expiry;
      fill(program, h('h2', { id: 'program-title' }, 'Loyalty program'), off,
        h('p', { class: 'muted readonly-note' }, 'Only a principal with settings.manage can change the program.'),
        h('dl', { class: 'program-view', id: 'program-view' },
          h('dt', {}, 'Points'), h('dd', {}, `${formatInteger(p.points)} per ${formatMoney(p.per_amount)} spent`),
          h('dt', {}, 'Rounding'), h('dd', {}, ROUNDING.find(([v]) => v === p.rounding)?.[1] || p.rounding || ''),
          h('dt', {}, 'Points expire'), h('dd', {}, expiry, p.expiry && p.expiry !== 'never' ? ` (${formatInteger(p.expiry_months)} months)` : '')));
      return;
    }
    // One labelled control per field, its error below it (the API's reason).
    const field = (name, text, control, hint) => {
      const errId = `program-${name}-error`;
      const hintId = hint ? `program-${name}-hint` : null;
      control.setAttribute('aria-describedby', [hintId, errId].filter(Boolean).join(' '));
      return h('div', { class: 'field', id: `program-${name}-field` },
        h('label', { for: control.id }, text), control,
        hint ? h('p', { class: 'muted', id: hintId }, hint) : null,
        h('p', { class: 'field-error', id: errId }));
    };
    const number = (name, value, min, max) => h('input', {
      id: `program-${name}`, type: 'number', min, max, step: '1', inputmode: 'numeric', value: String(value ?? ''),
    });
    const points = number('points', p.points, '0');
    const perAmount = number('per_amount', p.per_amount, '1');
    const rounding = h('select', { id: 'program-rounding' },
      ROUNDING.map(([v, t]) => h('option', { value: v, selected: p.rounding === v ? 'selected' : null }, t)));
    const expiry = h('select', { id: 'program-expiry' },
      EXPIRY.map(([v, t]) => h('option', { value: v, selected: (p.expiry || 'never') === v ? 'selected' : null }, t)));
    const months = number('expiry_months', p.expiry_months, '1', '120');
    const perHint = h('span', {});
    const monthsField = field('expiry_months', 'Months before points expire', months, '1 to 120');
    const formError = h('div', { class: 'form-error', role: 'alert', id: 'program-error' });
    const form = h('form', { id: 'program-form', novalidate: true },
      field('points', 'Points earned', points),
      field('per_amount', 'Per amount spent (minor units, e.g. 100 = 1.00)', perAmount, perHint),
      field('rounding', 'Rounding of points', rounding),
      field('expiry', 'Points expire', expiry, 'A policy applies to points earned while it is in force; a change is never retroactive.'),
      monthsField,
      formError,
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Save program')));
    const hint = () => {
      const n = Number(perAmount.value);
      perHint.textContent = Number.isInteger(n) && n > 0 ? `${formatInteger(Number(points.value) || 0)} point(s) per ${formatMoney(n)} spent` : '';
      monthsField.hidden = expiry.value === 'never';
    };
    for (const el of [points, perAmount, expiry]) el.addEventListener('input', hint);
    expiry.addEventListener('change', hint);
    hint();
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      formError.replaceChildren();
      form.querySelectorAll('.field-error').forEach((x) => { x.textContent = ''; });
      form.querySelectorAll('[aria-invalid]').forEach((x) => x.removeAttribute('aria-invalid'));
      // Sent as typed (a blank number as null): the API says what is wrong.
      const num = (el) => (el.value.trim() === '' ? null : Number(el.value));
      const body = { points: num(points), per_amount: num(perAmount), rounding: rounding.value, expiry: expiry.value };
      if (expiry.value !== 'never') body.expiry_months = num(months);
      try {
        settings = (await api('PUT', '/v1/settings/loyalty-program', { body })).data;
        toast('Loyalty program saved; it applies to purchases from now on.');
        renderProgram();
      } catch (err) {
        let first = null;
        for (const fe of err.errors) {
          const name = String(fe.field).replace(/^\//, '');
          const el = form.querySelector(`#program-${name}-error`);
          if (!el) continue;
          el.textContent = fe.detail;
          el.dataset.reason = fe.reason;
          const input = form.querySelector(`#program-${name}`);
          input?.setAttribute('aria-invalid', 'true');
          first ??= input;
        }
        if (first) first.focus();
        else formError.append(h('p', {}, err.detail));
      }
    });
    fill(program, h('h2', { id: 'program-title' }, 'Loyalty program'), off, form);
  }
  renderModules();
  renderProgram();
}
