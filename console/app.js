// The console's entry point: reads the session (GET /v1/session), shows the
// sign-in form or the app shell, and routes between the screens by the URL's
// hash (#/customers, #/data, ...). Each screen is offered only to a principal
// whose permissions let the API answer it.
import { api, setCsrfToken, setSignedOutHandler } from './api.js';
import { h, toast } from './dom.js';
import { setCurrency } from './format.js';
import { canAny, currentSession, setSession } from './session.js';
import { renderSignIn } from './signin.js';
import { renderCustomers } from './customers.js';
import { renderData } from './data.js';
import { renderReports } from './reports.js';
import { renderSettings } from './settings.js';
import { renderSync } from './sync.js';

const SCREENS = [
  { path: 'customers', title: 'Customers', allowed: () => canAny('customers.view'), render: renderCustomers },
  { path: 'duplicates', title: 'Duplicates', allowed: () => canAny('customers.view') && canAny('customers.manage'), render: (main) => import('./duplicates.js').then((m) => m.renderDuplicates(main)) },
  { path: 'data', title: 'Data', allowed: () => canAny('customers.view', 'customers.manage'), render: renderData },
  { path: 'reports', title: 'Reports', allowed: () => canAny('reports.view'), render: renderReports },
  { path: 'settings', title: 'Settings', allowed: () => canAny('settings.manage'), render: renderSettings },
  { path: 'sync', title: 'Sync', allowed: () => canAny('sync', 'nodes.manage', 'audit.read'), render: renderSync },
];

const root = document.getElementById('app');
let shell = null;  // {main, links}

function signedIn(data) {
  setCsrfToken(data.csrf_token);
  setCurrency(data.currency);
  setSession(data);
  renderShell();
}

function signedOut(message) {
  setCsrfToken('');
  setSession(null);
  shell = null;
  renderSignIn(root, signedIn, message);
}

async function signOut() {
  try {
    await api('DELETE', '/v1/session');
  } catch {
    // Signed out already, or the node is gone: the form is the answer either way.
  }
  signedOut('You are signed out.');
}

function renderShell() {
  const s = currentSession();
  const screens = SCREENS.filter((sc) => sc.allowed());
  const links = new Map();
  const nav = h(
    'nav',
    { class: 'nav', 'aria-label': 'Main' },
    h('ul', {}, screens.map((sc) => {
      const a = h('a', { href: `#/${sc.path}` }, sc.title);
      links.set(sc.path, a);
      return h('li', {}, a);
    })),
  );
  const main = h('main', { id: 'main', tabindex: '-1' });
  const header = h(
    'header',
    { class: 'topbar' },
    h('div', { class: 'brand' }, h('span', { class: 'product' }, 'Clientele'), h('span', { class: 'node', title: 'This node' }, s.node || '')),
    nav,
    h(
      'div',
      { class: 'user' },
      h('span', { class: 'principal', 'aria-label': `Signed in as ${s.principal}` }, s.principal),
      h('button', { type: 'button', id: 'sign-out', onclick: signOut }, 'Sign out'),
    ),
  );
  root.replaceChildren(header, main);
  shell = { main, links, screens };
  route();
}

function route() {
  if (!shell) return;
  const wanted = (location.hash.replace(/^#\/?/, '').split(/[/?]/)[0]) || '';
  const screen = shell.screens.find((sc) => sc.path === wanted) || shell.screens[0];
  if (!screen) {
    shell.main.replaceChildren(h('h1', {}, 'Nothing to show'), h('p', {}, 'Your permissions do not include any screen of the console. Ask an administrator.'));
    return;
  }
  if (screen.path !== wanted) {
    history.replaceState(null, '', `#/${screen.path}`);
  }
  for (const [path, a] of shell.links) {
    if (path === screen.path) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  document.title = `${screen.title} — Clientele`;
  document.getElementById('toast')?.classList.remove('shown');
  shell.main.replaceChildren();
  screen.render(shell.main);
}

window.addEventListener('hashchange', () => {
  route();
  // A screen that put the focus somewhere keeps it; else the screen's start.
  if (shell && !shell.main.contains(document.activeElement)) shell.main.focus();
});

setSignedOutHandler(() => {
  if (shell) signedOut('Your session has ended. Sign in again.');
});

window.addEventListener('unhandledrejection', (e) => {
  const err = e.reason;
  if (err && err.name === 'AbortError') return;
  if (err && err.status !== 401) toast(err.detail || String(err.message || err));
});

// The skip link moves the focus to the screen (the hash is the router's).
document.querySelector('.skip')?.addEventListener('click', (e) => {
  e.preventDefault();
  document.getElementById('main')?.focus();
});

async function start() {
  try {
    const res = await api('GET', '/v1/session', { signIn: true });
    signedIn(res.data);
  } catch (err) {
    signedOut(err.status && err.status !== 401 ? err.detail : '');
  }
}

start();
