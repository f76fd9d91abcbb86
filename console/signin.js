// The sign-in form: POST /v1/session with a name and a password.
import { api } from './api.js';
import { h } from './dom.js';

// Shows the form in `root`; calls `done(sessionBody)` once signed in.
export function renderSignIn(root, done, message) {
  const name = h('input', { id: 'signin-name', name: 'name', autocomplete: 'username', required: true, autocapitalize: 'none', spellcheck: 'false' });
  const password = h('input', { id: 'signin-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const error = h('p', { class: 'form-error', id: 'signin-error', role: 'alert' }, message || '');
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const form = h(
    'form',
    { class: 'signin', 'aria-labelledby': 'signin-title', novalidate: true },
    h('h1', { id: 'signin-title' }, 'Clientele HQ Manager'),
    h('p', { class: 'muted' }, 'Sign in with your name and password.'),
    h('label', { for: 'signin-name' }, 'Name'),
    name,
    h('label', { for: 'signin-password' }, 'Password'),
    password,
    error,
    submit,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    if (!name.value.trim() || !password.value) {
      error.textContent = 'Enter your name and password.';
      (name.value.trim() ? password : name).focus();
      return;
    }
    submit.disabled = true;
    try {
      const res = await api('POST', '/v1/session', {
        body: { name: name.value.trim(), password: password.value },
        signIn: true,
      });
      password.value = '';
      done(res.data);
    } catch (err) {
      password.value = '';
      if (err.status === 401) {
        error.textContent = 'Wrong name or password.';
      } else if (err.status === 429) {
        const seconds = Number(err.headers?.get('Retry-After')) || 0;
        const minutes = Math.max(1, Math.ceil(seconds / 60));
        error.textContent = `Too many failed attempts. Try again in ${minutes} minute${minutes > 1 ? 's' : ''}.`;
      } else {
        error.textContent = err.detail || 'The node could not be reached.';
      }
      password.focus();
    } finally {
      submit.disabled = false;
    }
  });
  root.replaceChildren(h('main', { id: 'main', class: 'signin-page', tabindex: '-1' }, form));
  name.focus();
}
