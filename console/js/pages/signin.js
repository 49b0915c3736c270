// signin.js - #/signin: the token form.  The token is checked against
// GET /v1/config (any role may read it) before it is kept in
// sessionStorage; then the console goes back to the page that asked.

import { api, setToken, token } from '../api.js';
import { errorBox, field, h } from '../ui.js';

export async function render(page) {
  const reason = sessionStorage.getItem('korolev.signin-reason');
  sessionStorage.removeItem('korolev.signin-reason');
  const input = h('input', {
    type: 'password', name: 'token', autocomplete: 'off', spellcheck: 'false', required: true,
    'aria-describedby': 'token-help',
  });
  const msg = h('div', { id: 'signin-msg' });
  const button = h('button', { type: 'submit' }, 'Sign in');
  const form = h('form.panel.signin', { 'aria-labelledby': 'signin-title' },
    h('h1', { id: 'signin-title' }, 'Sign in to Korolev'),
    field('Access token', input),
    h('p.muted', { id: 'token-help' }, 'A token from ', h('code', 'korolev token create --principal NAME --role reader|writer|admin'),
      '. It is kept in this tab only (sessionStorage) and sent as a Bearer token.'),
    h('div.row', button),
    msg);
  if (reason) msg.append(h('p.notice', reason));
  if (token()) msg.append(h('p.muted', 'You are signed in; a new token replaces the current one.'));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const t = input.value.trim();
    if (!t) return;
    button.disabled = true;
    msg.replaceChildren(h('p.muted', 'Checking the token…'));
    setToken(t);
    try {
      await api('/v1/config');
      const back = sessionStorage.getItem('korolev.after-signin');
      sessionStorage.removeItem('korolev.after-signin');
      location.hash = back || '#/';
    } catch (e) {
      setToken(null);
      msg.replaceChildren(errorBox(e.status === 401 ? 'That token was not accepted (unknown, malformed or revoked).' : e));
      button.disabled = false;
      input.focus();
    }
  });
  page.append(form);
}
