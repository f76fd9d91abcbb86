// A small helper to build elements without HTML strings (so no text from the
// API is ever parsed as markup), and the shared pieces: icons, dialogs, toasts.

// h('button', {class: 'x', onclick: fn, 'aria-label': 'Close'}, 'text', child, ...)
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'value') el.value = v;
    else if (k === 'checked' || k === 'disabled' || k === 'hidden') el[k] = Boolean(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

// Replaces `el`'s children, leaving out null, undefined and false (which the
// DOM's own replaceChildren would show as text).
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

const SVG = 'http://www.w3.org/2000/svg';
const PATHS = {
  funnel: 'M3 4h18l-7 8v6l-4 2v-8z',
  clock: 'M12 3a9 9 0 1 0 0 18a9 9 0 0 0 0-18zM12 7v5l3 3',
  wallet: 'M3 7h15a2 2 0 0 1 2 2v9a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2zM3 7l12-4v4M16 13h2',
  pencil: 'M4 20h4L19 9l-4-4L4 16zM14 6l4 4',
  plus: 'M12 5v14M5 12h14',
  close: 'M6 6l12 12M18 6L6 18',
  back: 'M15 5l-7 7l7 7',
};

// An icon (decorative: the button around it carries the label).
export function icon(name) {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  svg.setAttribute('class', 'icon');
  const path = document.createElementNS(SVG, 'path');
  path.setAttribute('d', PATHS[name]);
  svg.append(path);
  return svg;
}

// A modal <dialog> with a title and a close button, added to the page and
// removed when closed. Returns {dialog, body, close}. The dialog is labelled
// by its title; Escape closes it; focus returns where it was.
export function openDialog(title, { className, onClose } = {}) {
  const before = document.activeElement;
  const id = `dlg-${Math.random().toString(36).slice(2)}`;
  const body = h('div', { class: 'dialog-body' });
  const dialog = h(
    'dialog',
    { class: `dialog ${className || ''}`, 'aria-labelledby': id },
    h(
      'header',
      { class: 'dialog-head' },
      h('h2', { id }, title),
      h('button', { type: 'button', class: 'icon-button', 'aria-label': 'Close', onclick: () => close() }, icon('close')),
    ),
    body,
  );
  function close() {
    if (dialog.open) dialog.close();
  }
  dialog.addEventListener('close', () => {
    dialog.remove();
    if (onClose) onClose();
    if (before && before.isConnected && typeof before.focus === 'function') before.focus();
  });
  document.body.append(dialog);
  dialog.showModal();
  return { dialog, body, close };
}

// Asks a yes/no question in a dialog; resolves true for the confirming button.
export function confirmDialog(title, message, confirmLabel, { danger } = {}) {
  return new Promise((resolve) => {
    let answer = false;
    const { body, close } = openDialog(title, { className: 'narrow', onClose: () => resolve(answer) });
    const yes = h('button', {
      type: 'button',
      class: danger ? 'danger' : 'primary',
      onclick: () => {
        answer = true;
        close();
      },
    }, confirmLabel);
    body.append(
      h('p', {}, message),
      h('div', { class: 'actions' }, h('button', { type: 'button', onclick: close }, 'Cancel'), yes),
    );
    yes.focus();
  });
}

let toastTimer = 0;
// A short message in the page's status region (read by screen readers).
export function toast(message) {
  const el = document.getElementById('toast');
  if (!el) return;
  el.textContent = message;
  el.classList.add('shown');
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => el.classList.remove('shown'), 4000);
}

// Previous / Next over an API's cursor pages: `state.cursors` is the stack of
// cursors of the pages seen ([''] for the first), `state.next` the answer's
// next_cursor; `load()` shows the page of the top cursor.
export function wirePaging(prev, next, state, load) {
  prev.addEventListener('click', () => {
    if (state.cursors.length > 1) {
      state.cursors.pop();
      load();
    }
  });
  next.addEventListener('click', () => {
    if (state.next) {
      state.cursors.push(state.next);
      load();
    }
  });
}
