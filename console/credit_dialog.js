// The credit dialog (the wallet icon, seed 002 "Customer credit"): the
// customer's name and balance, an amount typed or entered on the numpad, a
// note, Top up (recording the payment reference of the paid top-up tab) and
// Deduct (enabled only up to the balance).
import { api } from './api.js';
import { h, openDialog, toast } from './dom.js';
import { decimalSeparator, formatMoney, parseMoney } from './format.js';
import { canAny } from './session.js';
import { openHistoryDialog } from './history_dialog.js';

export async function openCreditDialog(row, vis, hooks) {
  const res = await api('GET', `/v1/customers/${encodeURIComponent(row.id)}`);
  let customer = res.data;
  const name = `${customer.first_name ?? ''} ${customer.last_name ?? ''}`.trim() || customer.code;
  const { body } = openDialog('Credit', { className: 'credit' });

  const balance = h('output', { id: 'credit-balance', 'aria-live': 'polite' }, formatMoney(customer.credit));
  const amount = h('input', {
    id: 'credit-amount',
    inputmode: 'decimal',
    autocomplete: 'off',
    placeholder: `0${decimalSeparator}00`,
    'aria-describedby': 'credit-amount-error',
  });
  const amountError = h('p', { class: 'field-error', id: 'credit-amount-error' });
  const note = h('input', { id: 'credit-note', autocomplete: 'off', 'aria-describedby': 'credit-note-error' });
  const noteError = h('p', { class: 'field-error', id: 'credit-note-error' });
  const payment = h('input', { id: 'credit-payment-ref', autocomplete: 'off', 'aria-describedby': 'credit-payment-ref-error' });
  const paymentError = h('p', { class: 'field-error', id: 'credit-payment-ref-error' });
  const formError = h('div', { class: 'form-error', role: 'alert' });
  const topUp = h('button', { type: 'button', class: 'primary', id: 'credit-top-up' }, 'Top up');
  const deduct = h('button', { type: 'button', id: 'credit-deduct' }, 'Deduct');

  const key = (label, text, aria) => h('button', {
    type: 'button',
    class: 'key',
    'aria-label': aria || null,
    onclick: () => press(text),
  }, label);
  const numpad = h('div', { class: 'numpad', role: 'group', 'aria-label': 'Numpad' },
    ['7', '8', '9', '4', '5', '6', '1', '2', '3'].map((d) => key(d, d)),
    key(decimalSeparator, decimalSeparator, 'Decimal separator'),
    key('0', '0'),
    key('⌫', 'back', 'Delete last digit'),
    key('00', '00'),
    key('C', 'clear', 'Clear amount'));

  function press(k) {
    if (k === 'back') amount.value = amount.value.slice(0, -1);
    else if (k === 'clear') amount.value = '';
    else amount.value += k;
    update();
  }

  function cents() {
    return amount.value.trim() ? parseMoney(amount.value) : 0;
  }

  function update() {
    const c = cents();
    amountError.textContent = c === null ? `Enter an amount such as 12${decimalSeparator}50.` : '';
    amount.toggleAttribute('aria-invalid', c === null);
    topUp.disabled = !c;
    deduct.disabled = !c || c > customer.credit;
    deduct.title = c && c > customer.credit ? 'More than the balance' : '';
  }

  function clearErrors() {
    for (const el of [amountError, noteError, paymentError]) el.textContent = '';
    formError.replaceChildren();
  }

  function showProblem(err) {
    const byField = { amount: amountError, note: noteError, payment_ref: paymentError, reference: paymentError };
    let shown = false;
    for (const e of err.errors) {
      const el = byField[String(e.field || '').replace(/^\//, '')];
      if (el) {
        el.textContent = `${e.detail || e.reason} (${e.reason})`;
        shown = true;
      }
    }
    if (!shown) formError.append(h('p', {}, `${err.detail}${err.reason ? ` (${err.reason})` : ''}`));
  }

  async function post(kind) {
    clearErrors();
    const c = cents();
    if (!c) return;
    const body = { amount: c };
    if (note.value.trim()) body.note = note.value.trim();
    if (kind === 'top-up') {
      if (!payment.value.trim()) {
        paymentError.textContent = 'The payment reference of the paid top-up is required.';
        payment.focus();
        return;
      }
      body.payment_ref = payment.value.trim();
    }
    topUp.disabled = deduct.disabled = true;
    try {
      const r = await api('POST', `/v1/customers/${encodeURIComponent(customer.id)}/credit/${kind}`, { body });
      customer = r.data;
      balance.textContent = formatMoney(customer.credit);
      amount.value = '';
      note.value = '';
      payment.value = '';
      toast(`${kind === 'top-up' ? 'Topped up' : 'Deducted'} ${formatMoney(c)}. Balance ${formatMoney(customer.credit)}.`);
      hooks.onChange?.(customer);
    } catch (err) {
      showProblem(err);
    } finally {
      update();
      // The button pressed was disabled while the node answered: the focus
      // goes back to the amount, ready for the next one.
      amount.focus();
    }
  }

  amount.addEventListener('input', update);
  payment.addEventListener('input', () => { paymentError.textContent = ''; });
  amount.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      if (!deduct.disabled && !payment.value.trim()) post('deduct');
      else if (!topUp.disabled) post('top-up');
    }
  });
  topUp.addEventListener('click', () => post('top-up'));
  deduct.addEventListener('click', () => post('deduct'));

  body.append(
    h('div', { class: 'credit-head' },
      h('p', { class: 'credit-name', id: 'credit-name' }, name, ' ', h('span', { class: 'muted' }, customer.code)),
      h('p', {}, h('span', { class: 'muted' }, 'Balance '), balance)),
    h('div', { class: 'credit-grid' },
      h('div', { class: 'credit-fields' },
        h('label', { for: 'credit-amount' }, 'Amount'), amount, amountError,
        h('label', { for: 'credit-note' }, 'Note (optional)'), note, noteError,
        h('label', { for: 'credit-payment-ref' }, 'Payment reference (for a top-up)'), payment, paymentError),
      numpad),
    formError,
    h('div', { class: 'actions' },
      canAny('customers.manage_loyalty', 'customers.manage_credit')
        ? h('button', { type: 'button', id: 'credit-history', onclick: () => openHistoryDialog(customer, vis) }, 'Transaction history')
        : null,
      h('span', { class: 'spacer' }), deduct, topUp));
  update();
  amount.focus();
}
