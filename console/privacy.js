// The customer dialog's privacy block (OPERATIONS.md "Consent" and "The
// customer's own data"): the email and SMS marketing consent with how and
// where each was given (switches for a principal with customers.edit: PUT
// /v1/customers/{ref}/consent), and the "Download personal data" link to the
// customer's whole document (customers.export_personal: GET
// /v1/customers/{ref}/personal-data, a download named personal-data-CODE.json).
import { api } from './api.js';
import { h, toast } from './dom.js';
import { formatDateTime } from './format.js';
import { can } from './session.js';

const CHANNELS = [
  { key: 'email', label: 'Email marketing' },
  { key: 'sms', label: 'SMS marketing' },
];
const SOURCES = { register: 'with the registration', import: 'from a customer file', hq: 'at HQ', store: 'at a store' };

function describe(consent) {
  if (!consent || consent.state === 'never_asked') return 'Never asked';
  const parts = [consent.state === 'granted' ? 'Agreed' : 'Declined or withdrawn'];
  if (consent.source) parts.push(SOURCES[consent.source] || consent.source);
  if (consent.store && consent.source !== 'hq') parts.push(`(${consent.store})`);
  if (consent.at) parts.push(`on ${formatDateTime(consent.at)}`);
  return parts.join(' ');
}

// The block for `customer` (null when adding one, or nothing to show: null).
// `hooks.etag()` is the dialog's ETag, sent as If-Match; `hooks.onChange(customer,
// etag)` after a consent change (the customer's version moved).
export function privacySection(customer, hooks = {}) {
  if (!customer) return null;
  const mayEdit = can('customers.edit') && !customer.erased;
  const mayExport = can('customers.export_personal');
  if (customer.erased && !mayExport) return null;
  const error = h('p', { class: 'field-error', id: 'consent-error', role: 'alert' });
  let current = customer;

  const rows = CHANNELS.map((ch) => {
    const id = `consent-${ch.key}`;
    const state = h('span', { class: 'muted consent-state', id: `${id}-state` }, describe(current.consent?.[ch.key]));
    const input = h('input', {
      type: 'checkbox',
      role: 'switch',
      id,
      checked: current.consent?.[ch.key]?.state === 'granted',
      disabled: !mayEdit,
      'aria-describedby': `${id}-state consent-error`,
    });
    input.addEventListener('change', async () => {
      error.textContent = '';
      input.disabled = true;
      const etag = hooks.etag?.();
      try {
        const res = await api('PUT', `/v1/customers/${encodeURIComponent(current.id)}/consent`, {
          body: { [ch.key]: input.checked ? 'granted' : 'withdrawn' },
          headers: etag ? { 'If-Match': etag } : {},
        });
        current = res.data;
        hooks.onChange?.(current, res.etag);
        state.textContent = describe(current.consent?.[ch.key]);
        toast(`${ch.label}: ${input.checked ? 'agreed' : 'withdrawn'}.`);
      } catch (err) {
        input.checked = !input.checked;
        error.textContent = err.status === 412
          ? 'Someone changed this customer since you opened it: close and open it again.'
          : `${err.detail}${err.reason ? ` (${err.reason})` : ''}`;
      } finally {
        input.disabled = !mayEdit;
      }
    });
    return h('div', { class: 'toggle' }, input, h('label', { for: id }, ch.label), state);
  });

  const download = mayExport
    ? h('a', {
      class: 'button',
      id: 'customer-personal-data',
      href: `/v1/customers/${encodeURIComponent(customer.id)}/personal-data`,
      download: `personal-data-${customer.code}.json`,
    }, 'Download personal data')
    : null;
  // Folded by default: the dialog stays the height of its fields.
  return h('details', { class: 'privacy', id: 'customer-privacy' },
    h('summary', {}, customer.erased ? 'Personal data' : 'Consent and personal data'),
    customer.erased ? null : h('fieldset', {}, h('legend', {}, 'Marketing consent'), rows),
    error,
    download ? h('p', { class: 'privacy-download' }, download,
      h('span', { class: 'muted' }, ' Everything held about the customer, as one JSON file (GDPR art. 15 and 20).')) : null);
}
