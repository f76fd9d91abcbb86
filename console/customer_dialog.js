// Add or edit a customer (seed 000 "Customer Information", seed 002
// "Customer details"): required fields marked, each refusal shown next to its
// field with the API's reason, If-Match with the customer's ETag (a 412 offers
// a reload), deactivate / reactivate and delete with a confirmation.
import { api } from './api.js';
import { confirmDialog, h, icon, openDialog, toast } from './dom.js';
import { formatDateTime, formatInteger, formatMoney } from './format.js';
import { can, canAny } from './session.js';
import { eraseButton } from './erase_dialog.js';
import { privacySection } from './privacy.js';

const FIELDS = [
  { key: 'first_name', label: 'First name', required: true, autocomplete: 'given-name' },
  { key: 'last_name', label: 'Last name', required: true, autocomplete: 'family-name' },
  { key: 'email', label: 'Email', type: 'email', autocomplete: 'email' },
  { key: 'phone', label: 'Phone', type: 'tel', autocomplete: 'tel' },
  { key: 'tax_id', label: 'Tax ID' },
  { key: 'address', label: 'Address', multiline: true, autocomplete: 'street-address' },
  { key: 'notes', label: 'Notes (internal, never on receipts)', multiline: true },
];

// `id`: the customer to edit, or null to add one. `hooks.onChange(customer)`
// after each write; `hooks.onCredit(customer)`, `hooks.onHistory(customer)`
// open those dialogs.
export async function openCustomerDialog(id, vis, hooks) {
  let customer = null;
  let etag = null;
  if (id) {
    const res = await api('GET', `/v1/customers/${encodeURIComponent(id)}`);
    customer = res.data;
    etag = res.etag;
  }
  const editing = Boolean(customer);
  const { body, close } = openDialog(editing ? 'Edit customer' : 'Add customer', { className: 'wide' });
  const formError = h('div', { class: 'form-error', role: 'alert', id: 'customer-form-error' });
  const inputs = {};
  const errors = {};
  const readOnly = editing ? !can('customers.edit') : false;

  const fieldRows = FIELDS.map((f) => {
    const id = `customer-${f.key}`;
    const err = h('p', { class: 'field-error', id: `${id}-error` });
    const attrs = {
      id,
      name: f.key,
      autocomplete: f.autocomplete || 'off',
      'aria-describedby': `${id}-error`,
      'aria-required': f.required ? 'true' : null,
      readonly: readOnly || null,
    };
    const input = f.multiline ? h('textarea', { ...attrs, rows: '2' }) : h('input', { ...attrs, type: f.type || 'text' });
    inputs[f.key] = input;
    errors[f.key] = err;
    return h('div', { class: `field field-${f.key}` },
      h('label', { for: id }, f.label, f.required ? h('span', { class: 'required', 'aria-hidden': 'true' }, ' *') : null),
      input, err);
  });

  const info = h('dl', { class: 'customer-info' });
  const status = h('p', { class: 'customer-status' });
  const actions = h('div', { class: 'actions sticky' });
  const form = h('form', { novalidate: true, id: 'customer-form' },
    info, status,
    h('p', { class: 'muted required-note' }, h('span', { class: 'required', 'aria-hidden': 'true' }, '*'), ' Required'),
    h('div', { class: 'fields' }, fieldRows), formError, actions);
  body.append(form);
  // Consent and the personal-data document (privacy.js), for a customer being edited.
  const privacy = privacySection(customer, {
    etag: () => etag,
    onChange: (changed, tag) => {
      customer = changed;
      etag = tag || etag;
      hooks.onChange?.(customer);
    },
  });
  if (privacy) form.insertBefore(privacy, formError);

  function fill() {
    for (const f of FIELDS) inputs[f.key].value = customer?.[f.key] ?? '';
    info.replaceChildren();
    status.replaceChildren();
    if (!customer) return;
    const item = (label, value, ...extra) => [h('dt', {}, label), h('dd', {}, value, ...extra)];
    info.append(
      ...item('Code', customer.code),
      ...item('Origin store', customer.origin_store || 'HQ'),
    );
    if (vis.points && customer.points !== undefined) {
      info.append(...item('Points', h('span', { id: 'customer-points' }, formatInteger(customer.points)),
        canAny('customers.manage_loyalty') ? h('button', { type: 'button', class: 'icon-button', 'aria-label': 'Transaction history', title: 'Transaction history', id: 'customer-history', onclick: () => hooks.onHistory?.(customer) }, icon('clock')) : null));
    }
    if (vis.credit && customer.credit !== undefined) {
      info.append(...item('Credit', h('span', { id: 'customer-credit' }, formatMoney(customer.credit)),
        h('button', { type: 'button', class: 'icon-button', 'aria-label': 'Manage credit', title: 'Manage credit', id: 'customer-wallet', onclick: () => {
          close();
          hooks.onCredit?.(customer);
        } }, icon('wallet'))));
    }
    info.append(
      ...item('Total spent', formatMoney(customer.total_spent ?? 0)),
      ...item('Last visit', customer.last_visit ? formatDateTime(customer.last_visit) : 'Never'),
    );
    status.textContent = customer.active ? '' : 'This customer is deactivated: hidden from the registers’ search.';
    if (customer.erased) status.textContent = 'This customer’s personal data was erased: the code, balances and history amounts stay.';
  }

  function clearErrors() {
    formError.replaceChildren();
    for (const f of FIELDS) {
      errors[f.key].textContent = '';
      inputs[f.key].removeAttribute('aria-invalid');
    }
  }

  // Shows an API refusal: per-field errors next to their fields, the rest above the buttons.
  function showProblem(err) {
    clearErrors();
    let first = null;
    const loose = [];
    for (const e of err.errors) {
      const key = String(e.field || '').replace(/^\//, '');
      if (errors[key]) {
        errors[key].textContent = `${e.detail || e.reason} (${e.reason})`;
        inputs[key].setAttribute('aria-invalid', 'true');
        first ||= inputs[key];
      } else {
        loose.push(`${e.field ? `${e.field}: ` : ''}${e.detail || e.reason}`);
      }
    }
    if (!err.errors.length || loose.length) {
      formError.append(h('p', {}, loose.length ? loose.join('; ') : `${err.detail}${err.reason ? ` (${err.reason})` : ''}`));
    }
    if (err.status === 412) {
      formError.replaceChildren(
        h('p', {}, 'Someone changed this customer since you opened it. Reload to see their changes (yours are not saved).'),
        h('button', { type: 'button', id: 'customer-reload', onclick: reload }, 'Reload'));
      formError.querySelector('button').focus();
      return;
    }
    (first || formError).focus?.();
  }

  async function reload() {
    const res = await api('GET', `/v1/customers/${encodeURIComponent(customer.id)}`);
    customer = res.data;
    etag = res.etag;
    clearErrors();
    fill();
    renderActions();
    inputs.first_name.focus();
  }

  function changes() {
    const out = {};
    for (const f of FIELDS) {
      const value = inputs[f.key].value.trim();
      if (!customer) {
        if (value) out[f.key] = value;
      } else if (value !== (customer[f.key] ?? '')) {
        out[f.key] = value === '' && !f.required ? null : value;
      }
    }
    return out;
  }

  async function run(method, path, body) {
    const res = await api(method, path, { body, headers: etag ? { 'If-Match': etag } : {} });
    if (res.data) customer = res.data;
    etag = res.etag || etag;
    hooks.onChange?.(customer);
    return res;
  }

  async function save(e) {
    e.preventDefault();
    clearErrors();
    const patch = changes();
    const missing = FIELDS.filter((f) => f.required && !inputs[f.key].value.trim());
    if (missing.length) {
      for (const f of missing) {
        errors[f.key].textContent = `${f.label} is required.`;
        inputs[f.key].setAttribute('aria-invalid', 'true');
      }
      inputs[missing[0].key].focus();
      return;
    }
    try {
      if (!customer) {
        const res = await api('POST', '/v1/customers', { body: patch });
        customer = res.data;
        etag = res.etag;
        hooks.onChange?.(customer);
        toast(`${customer.first_name} ${customer.last_name} added as ${customer.code}.`);
        close();
        return;
      }
      if (!Object.keys(patch).length) {
        close();
        return;
      }
      await run('PATCH', `/v1/customers/${encodeURIComponent(customer.id)}`, patch);
      toast('Saved.');
      close();
    } catch (err) {
      showProblem(err);
    }
  }

  async function setActive(active) {
    try {
      await run('POST', `/v1/customers/${encodeURIComponent(customer.id)}/${active ? 'reactivate' : 'deactivate'}`);
      fill();
      renderActions();
      // The button pressed is gone: the focus goes to the one that undoes it.
      actions.querySelector(active ? '#customer-deactivate' : '#customer-reactivate')?.focus();
      toast(active ? 'Reactivated.' : 'Deactivated.');
    } catch (err) {
      showProblem(err);
    }
  }

  async function remove() {
    const name = `${customer.first_name ?? ''} ${customer.last_name ?? ''}`.trim() || customer.code;
    const ok = await confirmDialog('Delete customer', `Delete ${name} (${customer.code})? This cannot be undone.`, 'Delete', { danger: true });
    if (!ok) return;
    try {
      await api('DELETE', `/v1/customers/${encodeURIComponent(customer.id)}`, { headers: etag ? { 'If-Match': etag } : {} });
      hooks.onChange?.(null);
      toast(`${name} deleted.`);
      close();
    } catch (err) {
      if (err.reason === 'customer_has_history') {
        clearErrors();
        formError.append(h('p', {}, `${err.detail} Deactivate the customer instead: they disappear from the registers’ search and stay in the reports.`));
        if (customer.active) formError.append(h('button', { type: 'button', onclick: () => setActive(false) }, 'Deactivate'));
        formError.querySelector('button')?.focus();
      } else {
        showProblem(err);
      }
    }
  }

  function renderActions() {
    const buttons = [];
    if (customer && can('customers.manage')) {
      buttons.push(h('button', { type: 'button', class: 'danger', id: 'customer-delete', onclick: remove }, 'Delete'));
      buttons.push(customer.active
        ? h('button', { type: 'button', id: 'customer-deactivate', onclick: () => setActive(false) }, 'Deactivate')
        : h('button', { type: 'button', id: 'customer-reactivate', onclick: () => setActive(true) }, 'Reactivate'));
    }
    // Erasure (erase_dialog.js): customers.erase only; the table then shows the customer erased.
    const erase = eraseButton(customer, {
      onErased: (erased) => {
        hooks.onChange?.(erased);
        close();
      },
    });
    if (erase) buttons.push(erase);
    buttons.push(h('span', { class: 'spacer' }));
    buttons.push(h('button', { type: 'button', onclick: close }, readOnly ? 'Close' : 'Cancel'));
    if (!readOnly) buttons.push(h('button', { type: 'submit', class: 'primary', id: 'customer-save' }, 'Save'));
    actions.replaceChildren(...buttons);
  }

  form.addEventListener('submit', save);
  fill();
  renderActions();
  inputs.first_name.focus();
}
