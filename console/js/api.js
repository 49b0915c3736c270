// api.js - the console's only door to the server (docs/api.md).
//
// The token lives in sessionStorage (gone when the tab closes) and goes
// out as "Authorization: Bearer".  Errors come back as ApiError with the
// server's ErrorModel type and message; a 401 also tells the app to show
// the sign-in page.  JSON is parsed so that integers beyond 2^53 (Iceberg
// snapshot ids are random 63-bit numbers) stay exact: they become strings
// holding their source digits, which is what SQL's FOR VERSION AS OF and
// the ?snapshot= parameter need.

const TOKEN_KEY = 'korolev.token';
let onUnauthorized = () => {};

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(t) {
  if (t) sessionStorage.setItem(TOKEN_KEY, t);
  else sessionStorage.removeItem(TOKEN_KEY);
}

export function setUnauthorizedHandler(fn) {
  onUnauthorized = fn;
}

export class ApiError extends Error {
  constructor(status, type, message) {
    super(message || `HTTP ${status}`);
    this.status = status;
    this.type = type || '';
  }
  // The route itself does not exist on this server (an API not built yet).
  get missingRoute() {
    return this.status === 404 && (this.type === 'NoSuchRouteException' || this.type === '');
  }
}

// JSON.parse that keeps unsafe integers exact (as digit strings).
export function parseJSON(text) {
  return JSON.parse(text, (key, value, ctx) => {
    if (typeof value === 'number' && !Number.isSafeInteger(value) && ctx &&
        /^-?\d+$/.test(ctx.source)) {
      return ctx.source;
    }
    return value;
  });
}

function headers(extra) {
  const h = Object.assign({}, extra);
  const t = token();
  if (t) h.Authorization = `Bearer ${t}`;
  return h;
}

async function errorOf(res) {
  let type = '';
  let message = `${res.status} ${res.statusText}`;
  try {
    const body = parseJSON(await res.text());
    if (body && body.error) {
      type = body.error.type || '';
      message = body.error.message || message;
    }
  } catch (e) {
    // not JSON: keep the status line
  }
  if (res.status === 401) onUnauthorized();
  return new ApiError(res.status, type, message);
}

// api(path, {method, json, body, headers, as}) -> parsed JSON, text or Response.
export async function api(path, opts = {}) {
  const init = { method: opts.method || 'GET', headers: headers(opts.headers) };
  if (opts.json !== undefined) {
    init.body = JSON.stringify(opts.json);
    init.headers['Content-Type'] = 'application/json';
    if (!opts.method) init.method = 'POST';
  } else if (opts.body !== undefined) {
    init.body = opts.body;
  }
  if (opts.signal) init.signal = opts.signal;
  const res = await fetch(path, init);
  if (!res.ok) throw await errorOf(res);
  if (opts.as === 'response') return res;
  if (res.status === 204) return null;
  const text = await res.text();
  if (opts.as === 'text') return text;
  return (res.headers.get('content-type') || '').includes('json') ? parseJSON(text) : text;
}

// An API that may not exist yet: null when the route is missing.
export async function optional(path, opts) {
  try {
    return await api(path, opts);
  } catch (e) {
    if (e instanceof ApiError && e.missingRoute) return null;
    throw e;
  }
}

// Iceberg REST path segment of a namespace (levels joined by %1F).
export function nsPath(levels) {
  return levels.map(encodeURIComponent).join('%1F');
}

export function tableApiPath(ns, table) {
  return `/api/v1/tables/${encodeURIComponent(ns)}/${encodeURIComponent(table)}`;
}

// Every namespace (walking children) and every table in them.
export async function listTables(limit = 500) {
  const out = [];
  const queue = [[]];
  while (queue.length && out.length < limit) {
    const parent = queue.shift();
    const q = parent.length ? `?parent=${nsPath(parent)}` : '';
    const page = await api(`/v1/namespaces${q}`);
    for (const levels of page.namespaces || []) {
      queue.push(levels);
      const t = await api(`/v1/namespaces/${nsPath(levels)}/tables`);
      for (const id of t.identifiers || []) {
        out.push({ ns: id.namespace.join('.'), name: id.name, full: `${id.namespace.join('.')}.${id.name}` });
      }
    }
  }
  return out;
}

// SQL through POST /api/v1/query.
export function query(sql, format = 'json') {
  return api('/api/v1/query', { json: { sql, format }, as: format === 'json' ? undefined : 'text' });
}

// Quotes an identifier for SQL ("a.b" -> "a"."b" per level).
export function sqlIdent(dotted) {
  return dotted.split('.').map((p) => `"${p.replace(/"/g, '""')}"`).join('.');
}

// Runs fn over items with at most n in flight; results keep their order.
export async function pool(items, n, fn) {
  const results = new Array(items.length);
  let next = 0;
  async function worker() {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  }
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  return results;
}
