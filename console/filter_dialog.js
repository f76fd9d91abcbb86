// The filter dialog (the funnel): "Has points", "Has credit" and which
// customers (active, inactive, all). Calls `apply(filters)` on Apply.
import { h, openDialog } from './dom.js';

export function openFilterDialog(filters, vis, apply) {
  const { body, close } = openDialog('Filter customers', { className: 'narrow' });
  const toggle = (id, label, checked) => h('div', { class: 'toggle' },
    h('input', { type: 'checkbox', role: 'switch', id, checked }),
    h('label', { for: id }, label));
  const points = vis.points ? toggle('filter-has-points', 'Has points', filters.has_points) : null;
  const credit = vis.credit ? toggle('filter-has-credit', 'Has credit', filters.has_credit) : null;
  const radio = (value, label) => h('div', { class: 'radio' },
    h('input', { type: 'radio', name: 'filter-status', id: `filter-status-${value}`, value, checked: filters.status === value }),
    h('label', { for: `filter-status-${value}` }, label));
  const form = h('form', { method: 'dialog' },
    points, credit,
    h('fieldset', {}, h('legend', {}, 'Customers'),
      radio('active', 'Active'), radio('inactive', 'Inactive'), radio('all', 'All')),
    h('div', { class: 'actions' },
      h('button', { type: 'button', id: 'filter-reset', onclick: () => {
        body.querySelectorAll('input[type=checkbox]').forEach((c) => { c.checked = false; });
        body.querySelector('#filter-status-active').checked = true;
      } }, 'Reset'),
      h('button', { type: 'submit', class: 'primary', id: 'filter-apply' }, 'Apply')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    apply({
      has_points: Boolean(body.querySelector('#filter-has-points')?.checked),
      has_credit: Boolean(body.querySelector('#filter-has-credit')?.checked),
      status: body.querySelector('input[name=filter-status]:checked')?.value || 'active',
    });
    close();
  });
  body.append(form);
  body.querySelector('input')?.focus();
}
