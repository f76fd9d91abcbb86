// Data (seed 002 "Exporting and importing customers"): export the table as
// CSV; import a file: upload with a progress bar, the analysis (new, updated,
// unchanged, deleted / deactivated, each row error with its line and column),
// then confirm or discard.
import { api, currentCsrfToken, url } from './api.js';
import { fill, h } from './dom.js';
import { formatInteger } from './format.js';
import { can } from './session.js';

export function renderData(main) {
  main.append(h('h1', {}, 'Data'));
  if (can('customers.view')) main.append(exportSection());
  if (can('customers.manage')) main.append(importSection());
}

// The export takes the table's filters (and, for a mailing list, a consent).
function exportSection() {
  const link = h('a', { class: 'button', download: 'customers.csv', id: 'export-link' }, 'Download CSV');
  const check = (id, label) => h('div', { class: 'toggle' }, h('input', { type: 'checkbox', id }), h('label', { for: id }, label));
  const status = h('select', { id: 'export-status' },
    h('option', { value: 'all' }, 'All customers'), h('option', { value: 'active' }, 'Active'), h('option', { value: 'inactive' }, 'Inactive'));
  const consent = h('select', { id: 'export-consent' },
    h('option', { value: '' }, 'Everyone'), h('option', { value: 'email' }, 'Who accept email marketing'), h('option', { value: 'sms' }, 'Who accept SMS marketing'));
  const section = h('section', { class: 'card', 'aria-labelledby': 'export-title' },
    h('h2', { id: 'export-title' }, 'Export customers'),
    h('p', {}, 'A CSV file (first name, last name, email, phone, address, code, consents) for a spreadsheet.'),
    h('form', { id: 'export-form' },
      can('customers.manage_loyalty') ? check('export-has-points', 'Has points') : null,
      can('customers.manage_credit') ? check('export-has-credit', 'Has credit') : null,
      h('label', { for: 'export-status' }, 'Customers'), status,
      h('label', { for: 'export-consent' }, 'Marketing consent'), consent,
      h('div', { class: 'actions' }, link)));
  function update() {
    link.href = url('/v1/customers/export.csv', {
      status: status.value,
      has_points: section.querySelector('#export-has-points')?.checked ? 'true' : '',
      has_credit: section.querySelector('#export-has-credit')?.checked ? 'true' : '',
      consent: consent.value,
    });
  }
  section.addEventListener('change', update);
  update();
  return section;
}

function importSection() {
  const file = h('input', { type: 'file', id: 'import-file', accept: '.csv,text/csv' });
  const mode = h('select', { id: 'import-mode' },
    h('option', { value: 'merge' }, 'Merge: add and update'),
    h('option', { value: 'replace' }, 'Replace: also remove customers missing from the file'));
  const progress = h('progress', { id: 'import-progress', max: '100', value: '0', hidden: true, 'aria-label': 'Upload' });
  const result = h('div', { id: 'import-result', 'aria-live': 'polite' });
  const analyse = h('button', { type: 'submit', class: 'primary' }, 'Analyse');
  const form = h('form', { id: 'import-form' },
    h('label', { for: 'import-file' }, 'Customer file (CSV)'), file,
    h('label', { for: 'import-mode' }, 'Mode'), mode,
    h('div', { class: 'actions' }, analyse), progress);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    result.replaceChildren();
    if (!file.files[0]) {
      result.append(h('p', { class: 'form-error', role: 'alert' }, 'Choose a file first.'));
      return;
    }
    analyse.disabled = true;
    progress.hidden = false;
    try {
      const analysis = await upload(file.files[0], mode.value, (p) => { progress.value = p; });
      showAnalysis(result, analysis);
    } catch (err) {
      result.append(h('p', { class: 'form-error', role: 'alert' }, err.detail || 'The upload failed.'));
    } finally {
      analyse.disabled = false;
      progress.hidden = true;
    }
  });
  return h('section', { class: 'card', 'aria-labelledby': 'import-title' },
    h('h2', { id: 'import-title' }, 'Import customers'),
    h('p', {}, 'The file is analysed first; nothing changes until you confirm.'),
    form, result);
}

// fetch() cannot report an upload's progress: XMLHttpRequest can.
function upload(blob, mode, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/v1/customers/imports?mode=${encodeURIComponent(mode)}`);
    xhr.setRequestHeader('Content-Type', 'text/csv');
    xhr.setRequestHeader('X-CSRF-Token', currentCsrfToken());
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(Math.round((e.loaded / e.total) * 100));
    };
    xhr.onload = () => {
      let data = null;
      try {
        data = JSON.parse(xhr.responseText);
      } catch {
        // not JSON
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(data);
      else reject({ status: xhr.status, detail: data?.detail || `HTTP ${xhr.status}` });
    };
    xhr.onerror = () => reject({ detail: 'The node could not be reached.' });
    xhr.send(blob);
  });
}

function showAnalysis(result, a) {
  const c = a.counts || {};
  const item = (label, n, id) => [h('dt', {}, label), h('dd', { id }, formatInteger(n ?? 0))];
  const confirm = h('button', { type: 'button', class: 'primary', id: 'import-confirm', disabled: (a.error_count || 0) > 0 }, 'Confirm import');
  const discard = h('button', { type: 'button', id: 'import-discard' }, 'Discard');
  const errors = (a.errors || []).map((e) => h('tr', {},
    h('td', { class: 'num' }, formatInteger(e.line)), h('td', {}, e.column || '—'), h('td', {}, e.reason), h('td', {}, e.detail || '')));
  fill(result,
    h('h3', {}, 'Analysis'),
    h('dl', { class: 'counts' },
      item('New', c.new, 'count-new'), item('Updated', c.updated, 'count-updated'),
      item('Unchanged', c.unchanged, 'count-unchanged'), item('Deleted', c.deleted, 'count-deleted'),
      item('Deactivated', c.deactivated, 'count-deactivated'), item('Rows with errors', c.rows_with_errors, 'count-errors')),
    errors.length ? h('div', { class: 'table-wrap' }, h('table', {},
      h('caption', {}, 'Row errors (fix the file and analyse it again)'),
      h('thead', {}, h('tr', {}, ['Line', 'Column', 'Reason', 'Detail'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, errors))) : null,
    h('div', { class: 'actions' }, discard, confirm));
  discard.addEventListener('click', () => result.replaceChildren(h('p', {}, 'Discarded: nothing was changed.')));
  confirm.addEventListener('click', async () => {
    confirm.disabled = true;
    try {
      await api('POST', `/v1/customers/imports/${encodeURIComponent(a.id)}/confirm`, { body: {} });
      result.replaceChildren(h('p', { id: 'import-done' }, 'Imported.'));
    } catch (err) {
      result.append(h('p', { class: 'form-error', role: 'alert' }, err.detail));
      confirm.disabled = false;
    }
  });
  confirm.focus();
}
