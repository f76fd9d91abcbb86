// Erasing a customer's personal data (OPERATIONS.md "Personal data",
// "Erasure"; POST /v1/customers/{ref}/erase, permission customers.erase): a
// confirmation that asks for the reason the API requires and says it cannot
// be undone. A customer holding credit is refused (409 credit_held): the
// dialog shows the API's answer and offers to write the credit off
// (write_off_credit), with the amount, and erase.
import { api } from './api.js';
import { h, openDialog, toast } from './dom.js';
import { formatMoney } from './format.js';
import { can } from './session.js';

// The "Erase personal data" button of the customer dialog, or null for a
// principal without customers.erase or a customer erased already.
// `hooks.onErased(customer)` after the erasure.
export function eraseButton(customer, hooks = {}) {
  if (!customer || customer.erased || !can('customers.erase')) return null;
  return h('button', {
    type: 'button',
    class: 'danger',
    id: 'customer-erase',
    'aria-haspopup': 'dialog',
    onclick: () => openEraseDialog(customer, hooks),
  }, 'Erase personal data');
}

export function openEraseDialog(customer, hooks = {}) {
  const name = `${customer.first_name ?? ''} ${customer.last_name ?? ''}`.trim() || customer.code;
  const { body, close } = openDialog('Erase personal data', { className: 'erase' });
  const reason = h('input', {
    id: 'erase-reason',
    autocomplete: 'off',
    maxlength: '500',
    'aria-required': 'true',
    'aria-describedby': 'erase-reason-hint erase-reason-error',
  });
  const reasonError = h('p', { class: 'field-error', id: 'erase-reason-error' });
  const credit = h('div', { class: 'erase-credit', id: 'erase-credit', role: 'alert' });
  const formError = h('div', { class: 'form-error', role: 'alert', id: 'erase-error' });
  const erase = h('button', { type: 'button', class: 'danger', id: 'erase-confirm' }, 'Erase');

  async function run(writeOff) {
    reasonError.textContent = '';
    reason.removeAttribute('aria-invalid');
    formError.replaceChildren();
    const text = reason.value.trim();
    if (!text) {
      reasonError.textContent = 'Say why the personal data is erased (for example “customer request (GDPR art. 17)”).';
      reason.setAttribute('aria-invalid', 'true');
      reason.focus();
      return;
    }
    for (const b of body.querySelectorAll('.actions button, .erase-credit button')) b.disabled = true;
    try {
      const res = await api('POST', `/v1/customers/${encodeURIComponent(customer.id)}/erase`, {
        body: { reason: text, write_off_credit: Boolean(writeOff) },
      });
      toast(`${res.data.code}: personal data erased${writeOff ? ', credit written off' : ''}.`);
      close();
      hooks.onErased?.(res.data);
    } catch (err) {
      if (err.reason === 'credit_held') {
        showCreditHeld(err);
      } else {
        const field = err.errors.find((e) => String(e.field || '').replace(/^\//, '') === 'reason');
        if (field) {
          reasonError.textContent = `${field.detail || field.reason} (${field.reason})`;
          reason.setAttribute('aria-invalid', 'true');
          reason.focus();
        } else {
          formError.replaceChildren(h('p', {}, `${err.detail}${err.reason ? ` (${err.reason})` : ''}`));
        }
      }
    } finally {
      for (const b of body.querySelectorAll('button')) b.disabled = false;
    }
  }

  // The API's refusal, and the offer to write the credit off and erase.
  function showCreditHeld(err) {
    const amount = typeof customer.credit === 'number' && customer.credit > 0 ? formatMoney(customer.credit) : '';
    const writeOff = h('button', { type: 'button', class: 'danger', id: 'erase-write-off', onclick: () => run(true) },
      amount ? `Write off ${amount} and erase` : 'Write off the credit and erase');
    credit.replaceChildren(
      h('p', {}, `${err.detail} (${err.reason})`),
      h('p', {}, 'Refund the credit first, or write it off: an adjustment taking the credit to zero',
        amount ? ` (−${amount})` : '', ', which stays in the ledger.'),
      h('div', { class: 'actions' }, writeOff));
    writeOff.focus();
  }

  reason.addEventListener('input', () => {
    reasonError.textContent = '';
    reason.removeAttribute('aria-invalid');
  });
  reason.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      run(false);
    }
  });
  erase.addEventListener('click', () => run(false));
  body.append(
    h('p', {}, 'Erase the personal data of ', h('strong', { id: 'erase-name' }, name), ` (${customer.code})? `,
      'The name, email, phone, tax ID, address and notes are destroyed on every node, with those of the customers merged into this one. ',
      'The code, the balances and the history’s amounts stay, for the ledger.'),
    h('p', { class: 'warning' }, 'This cannot be undone.'),
    h('label', { for: 'erase-reason' }, 'Reason', h('span', { class: 'required', 'aria-hidden': 'true' }, ' *')),
    reason,
    h('p', { class: 'muted hint', id: 'erase-reason-hint' }, 'Kept in clear for the auditors: never write the person’s data in it.'),
    reasonError,
    credit,
    formError,
    h('div', { class: 'actions' }, h('span', { class: 'spacer' }),
      h('button', { type: 'button', onclick: close }, 'Cancel'), erase));
  reason.focus();
}
