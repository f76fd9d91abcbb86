// Numbers, money and dates in the browser's locale (Intl). Money is integer
// minor units (cents) of the chain's one currency: formatted and parsed as
// decimal strings, never through floating point.

const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
// Amounts in a field: the locale's digits and separators, no currency sign.
const money = new Intl.NumberFormat(undefined, {
  minimumFractionDigits: 2,
  maximumFractionDigits: 2,
});
// Amounts shown: in the chain's currency (the session's "currency"), once known.
let shownMoney = money;

// The chain's currency, an ISO 4217 code ("EUR"): money is shown in it.
export function setCurrency(code) {
  shownMoney = money;
  if (!code) return;
  try {
    shownMoney = new Intl.NumberFormat(undefined, {
      style: 'currency',
      currency: code,
      minimumFractionDigits: 2,
      maximumFractionDigits: 2,
    });
  } catch {
    // A code this browser does not know: the amount without its sign.
  }
}
const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function formatInteger(n) {
  return n === undefined || n === null ? '' : integer.format(n);
}

// 1234567 (cents) -> "€12,345.67" in the browser's locale and the chain's
// currency. Formatted from a decimal string: no floating point on the way.
export function formatMoney(cents) {
  if (cents === undefined || cents === null) return '';
  const negative = cents < 0;
  const digits = String(Math.abs(cents)).padStart(3, '0');
  const text = `${negative ? '-' : ''}${digits.slice(0, -2)}.${digits.slice(-2)}`;
  return shownMoney.format(text);
}

// A change with its sign: "+5", "−12.00"; '' for zero.
export function formatSigned(n, asMoney) {
  if (!n) return '';
  const text = asMoney ? formatMoney(Math.abs(n)) : formatInteger(Math.abs(n));
  return `${n > 0 ? '+' : '−'}${text}`;
}

const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: 'short' });

export function formatDate(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateOnly.format(d);
}

export function formatDateTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateTime.format(d);
}

// The locale's decimal separator ("." or ",").
export const decimalSeparator =
  money.formatToParts(1.5).find((p) => p.type === 'decimal')?.value || '.';

// "12,5" or "12.50" -> 1250 cents; null if it is not an amount with at most
// two decimals. Group separators and spaces are ignored.
export function parseMoney(text) {
  let t = String(text).trim().replace(/[\s\u00a0\u202f]/g, '');
  if (decimalSeparator === ',') t = t.replace(/\./g, '').replace(',', '.');
  else t = t.replace(/,/g, '');
  const m = /^(\d{0,12})(?:\.(\d{0,2}))?$/.exec(t);
  if (!m || (m[1] === '' && !m[2])) return null;
  return Number(m[1] || '0') * 100 + Number((m[2] || '').padEnd(2, '0'));
}
