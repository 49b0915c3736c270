// main.js - boots the console: hash routing, the navigation bar, sign-in
// and sign-out, and render timing.
//
// Routes live after "#" so the server only serves index.html and assets:
//   #/signin  #/  #/tables/NS/TABLE  #/sql[?q=SQL]  #/audit  #/ingest  #/pipelines
// Each page module exports render(main, params, query) and resolves once
// its data is on screen.  Around it the router sets performance marks
// (ko:NAME:start / ko:NAME:end) and a measure "ko:render:NAME"; the
// durations are also pushed to window.__koRenders for the browser test.
// When a render is done, <main data-ready="NAME"> tells tests (and
// assistive tech, through the focused heading) that the page is complete.

import { token, setToken, setUnauthorizedHandler } from './api.js';
import { clear, errorBox, h } from './ui.js';

const PAGES = {
  signin: () => import('./pages/signin.js'),
  overview: () => import('./pages/overview.js'),
  table: () => import('./pages/table.js'),
  sql: () => import('./pages/sql.js'),
  audit: () => import('./pages/audit.js'),
  ingest: () => import('./pages/ingest.js'),
  pipelines: () => import('./pages/pipelines.js'),
};

const TITLES = {
  signin: 'Sign in', overview: 'Overview', table: 'Table', sql: 'SQL',
  audit: 'Audit', ingest: 'Ingest', pipelines: 'Pipelines',
};

window.__koRenders = window.__koRenders || [];
let generation = 0;

export function parseHash(hash) {
  const raw = (hash || '').replace(/^#/, '') || '/';
  const [path, qs] = raw.split('?');
  const parts = path.split('/').filter(Boolean).map((p) => {
    try {
      return decodeURIComponent(p);
    } catch (e) {
      return p;
    }
  });
  const query = new URLSearchParams(qs || '');
  if (parts.length === 0) return { name: 'overview', params: [], query };
  if (parts[0] === 'tables' && parts.length >= 3) return { name: 'table', params: [parts[1], parts[2]], query };
  if (PAGES[parts[0]] && parts[0] !== 'table') return { name: parts[0], params: parts.slice(1), query };
  return { name: 'notfound', params: parts, query };
}

function setNav(name) {
  const signedIn = Boolean(token());
  document.getElementById('nav').hidden = !signedIn;
  document.getElementById('signout').hidden = !signedIn;
  for (const a of document.querySelectorAll('[data-nav]')) {
    if (a.dataset.nav === name || (name === 'table' && a.dataset.nav === 'overview')) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

function focusHeading(main) {
  const h1 = main.querySelector('h1');
  if (h1) {
    h1.tabIndex = -1;
    h1.focus({ preventScroll: true });
  } else {
    main.focus({ preventScroll: true });
  }
}

async function route() {
  const gen = ++generation;
  let { name, params, query } = parseHash(location.hash);
  if (!token() && name !== 'signin') {
    const back = location.hash && location.hash !== '#/signin' ? location.hash : '';
    sessionStorage.setItem('korolev.after-signin', back);
    location.replace('#/signin');
    return;
  }
  const main = document.getElementById('main');
  main.removeAttribute('data-ready');
  setNav(name);
  performance.mark(`ko:${name}:start`);
  const t0 = performance.now();
  try {
    if (name === 'notfound') {
      clear(main).append(h('h1', 'Not found'), h('p', 'No page at ', h('code', location.hash), '. ',
        h('a', { href: '#/' }, 'Back to the overview')));
    } else {
      const mod = await PAGES[name]();
      if (gen !== generation) return;
      const page = h('div.page', { dataset: { page: name } });
      clear(main).append(page);
      await mod.render(page, params, query, () => gen === generation);
    }
  } catch (e) {
    if (gen !== generation) return;
    clear(main).append(h('h1', TITLES[name] || 'Error'), errorBox(e));
  }
  if (gen !== generation) return;
  performance.mark(`ko:${name}:end`);
  const m = performance.measure(`ko:render:${name}`, `ko:${name}:start`, `ko:${name}:end`);
  window.__koRenders.push({ page: name, hash: location.hash, ms: m ? m.duration : performance.now() - t0 });
  const h1 = main.querySelector('h1');
  document.title = `${h1 ? h1.textContent : TITLES[name]} · Korolev`;
  main.dataset.ready = name;
  focusHeading(main);
}

function signOut() {
  setToken(null);
  location.hash = '#/signin';
}

setUnauthorizedHandler(() => {
  if (parseHash(location.hash).name === 'signin') return;
  setToken(null);
  sessionStorage.setItem('korolev.after-signin', location.hash);
  sessionStorage.setItem('korolev.signin-reason', 'Your token was refused (expired or revoked). Sign in again.');
  location.replace('#/signin');
});

document.getElementById('signout').addEventListener('click', signOut);
document.getElementById('skip-link').addEventListener('click', (ev) => {
  ev.preventDefault();
  focusHeading(document.getElementById('main'));
});
window.addEventListener('hashchange', route);
route();
