// mock_server.mjs - a tiny stand-in for `korolev serve` (node http, no
// dependencies) so the console can be developed and its browser test run
// before every route of the real server exists.  It serves console/ at /
// and canned JSON shaped like docs/api.md and the Iceberg REST spec:
//   GET  /healthz /readyz /metrics /v1/config /v1/namespaces[?parent=]
//   GET  /v1/namespaces/{ns}/tables  /api/v1/tables/{ns}/{t}  /api/v1/audit
//   POST /api/v1/query (a few statement shapes; see query())
//   POST /api/v1/tables/{ns}/{t}/ingest (CSV / JSON lines; lines holding
//        "bad" are rejected as invalid_value; appends a snapshot)
//   /api/v1/pipelines, /runs, /alerts: 404 NoSuchRouteException, as now.
// Snapshot ids are above 2^53, like real ones, and go out as bare JSON
// integers so the console's exact-integer parsing is exercised.
//
//   node tests/browser/mock_server.mjs [--port N]   (prints "listening on URL")
//   import { startMock } from './mock_server.mjs'    (the browser test)

import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const MOCK_TOKEN = 'mock-admin-token';
const CONSOLE_DIR = resolve(fileURLToPath(new URL('../../console', import.meta.url)));
const MIME = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.json': 'application/json', '.png': 'image/png',
};
const CITIES = ['Paris', 'Oslo', 'Lima', 'Rome', 'Kyiv', 'Quito', 'Accra'];
const DAY = 86400000;

function big(n) {
  return { big: String(n) };
}

// JSON with {big: "digits"} written as a bare integer.
function dump(v) {
  return JSON.stringify(v, (k, x) => (x && typeof x === 'object' && typeof x.big === 'string' ? `@@${x.big}@@` : x))
    .replace(/"@@(-?\d+)@@"/g, '$1');
}

function makeTable(ns, name, batches, t0, partitioned) {
  const t = {
    ns, name, uuid: `00000000-0000-4000-8000-${String(name.length).padStart(12, '0')}`,
    partitioned, snapshots: [], rows: 0, bytes: 0, files: [], seq: 0,
  };
  batches.forEach((n, i) => appendSnapshot(t, n, t0 + i * DAY / 2, 'append'));
  return t;
}

function appendSnapshot(t, added, time, op, extra) {
  t.seq++;
  const id = 7000000000000000000n + BigInt(t.seq) * 1234567891234567n + BigInt(t.name.length);
  const addedBytes = added * 37 + 900;
  t.rows += added;
  t.bytes += addedBytes;
  const day = new Date(time).toISOString().slice(0, 10);
  t.files.push({ day, records: added, bytes: addedBytes, seq: t.seq, id });
  t.snapshots.push({
    id, parent: t.snapshots.length ? t.snapshots[t.snapshots.length - 1].id : null, seq: t.seq, time, op,
    summary: Object.assign({
      'added-data-files': '1', 'added-records': String(added), 'added-files-size': String(addedBytes),
      'total-records': String(t.rows), 'total-files-size': String(t.bytes), 'total-data-files': String(t.files.length),
      'total-delete-files': '0', operation: op,
    }, extra || {}),
  });
}

export function mockState(now = Date.now()) {
  const t0 = now - 6 * DAY;
  const tables = [
    makeTable('demo', 'events', [12, 50, 30, 25, 60], t0, true),
    makeTable('demo', 'events__rejects', [2, 1], t0 + DAY, false),
    makeTable('sales', 'orders', [120, 80, 140, 90, 110, 130, 70, 100], t0 - 2 * DAY, true),
  ];
  const audit = [];
  const actions = ['namespace.create', 'table.create', 'table.commit', 'query', 'ingest.succeeded', 'token.create'];
  for (let i = 1; i <= 130; i++) {
    const action = actions[i % actions.length];
    audit.push({
      id: i, time: new Date(now - (131 - i) * 600000).toISOString(), principal: i % 3 ? 'alice' : 'etl',
      action, object: action === 'query' ? 'sql' : i % 2 ? 'demo.events' : 'sales.orders', before: null, after: null,
      summary: action === 'query' ? { statement: `select ${i}`, outcome: 'ok', rows: 1, bytes: 10, format: 'json' } : {},
      hash: i.toString(16).padStart(64, '0'),
    });
  }
  return { tables, audit, queries: 0, requests: 0, now };
}

function tableJson(t) {
  const cur = t.snapshots[t.snapshots.length - 1];
  const hist = t.snapshots.map((s) => ({
    'snapshot-id': big(s.id), 'parent-snapshot-id': s.parent === null ? null : big(s.parent), 'sequence-number': s.seq,
    'timestamp-ms': s.time, operation: s.op, summary: s.summary, 'is-current': s === cur,
  }));
  const schema = {
    type: 'struct', 'schema-id': 0, fields: [
      { id: 1, name: 'id', required: true, type: 'long' },
      { id: 2, name: 'ts', required: false, type: 'timestamp' },
      { id: 3, name: 'city', required: false, type: 'string' },
      { id: 4, name: 'amount', required: false, type: 'double' },
      { id: 5, name: 'tags', required: false, type: { type: 'list', 'element-id': 6, element: 'string', 'element-required': false } },
    ],
  };
  return {
    table: `${t.ns}.${t.name}`,
    describe: {
      table: `${t.ns}.${t.name}`, 'metadata-location': `file:///mock/${t.ns}/${t.name}/metadata/v${t.seq + 1}.metadata.json`,
      location: `file:///mock/${t.ns}/${t.name}`, 'table-uuid': t.uuid, 'format-version': 2,
      'current-snapshot-id': cur ? big(cur.id) : null, schema,
      'partition-spec': { 'spec-id': 0, fields: t.partitioned ? [{ name: 'ts_day', transform: 'day', 'source-id': 2, 'field-id': 1000 }] : [] },
      'sort-order': { 'order-id': 0, fields: [] },
      properties: { 'write.parquet.compression-codec': 'zstd', owner: 'mock' },
      snapshots: t.snapshots.length,
    },
    stats: {
      'data-files': t.files.length, 'delete-files': 0, records: t.rows, 'deleted-records': 0, 'total-bytes': t.bytes,
      snapshots: t.snapshots.length, 'last-updated-ms': cur ? cur.time : 0, 'current-snapshot-timestamp-ms': cur ? cur.time : -1,
    },
    refs: cur ? { main: { type: 'branch', 'snapshot-id': big(cur.id) } } : {},
    history: hist,
    files: t.files.map((f, i) => ({
      content: 'data', 'file-path': `file:///mock/${t.ns}/${t.name}/data/${i}.parquet`, 'file-format': 'PARQUET',
      'snapshot-id': big(f.id), 'sequence-number': f.seq, partition: t.partitioned ? { ts_day: f.day } : {},
      'record-count': f.records, 'file-size-in-bytes': f.bytes,
    })),
  };
}

function rowsOf(t, n, t0) {
  const out = [];
  for (let i = 0; i < n; i++) {
    out.push([i + 1, new Date(t0 + i * 60000).toISOString().replace('T', ' ').slice(0, 19), CITIES[i % CITIES.length],
      Math.round(i * 137 % 1000) / 10, i % 4 ? ['a', 'b'] : null]);
  }
  return out;
}

const COLUMNS = [
  { name: 'id', type: 'BIGINT' }, { name: 'ts', type: 'TIMESTAMP' }, { name: 'city', type: 'VARCHAR' },
  { name: 'amount', type: 'DOUBLE' }, { name: 'tags', type: 'VARCHAR[]' },
];

function csvOf(res) {
  const q = (v) => {
    if (v === null) return '';
    const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [res.columns.map((c) => q(c.name)).join(','), ...res.rows.map((r) => r.map(q).join(','))].join('\n') + '\n';
}

// Statement shapes the mock understands; anything else is a 400.
function query(state, sql) {
  const s = sql.trim().replace(/;$/, '');
  if (!/^(select|with)\b/i.test(s)) return { error: `error at line 1, column 1: expected SELECT, found '${s.split(/\s/)[0]}'\n  ${s}\n  ^` };
  const m = /from\s+"?(\w+)"?\."?(\w+)"?(?:\s+for\s+version\s+as\s+of\s+(\d+))?/i.exec(s);
  const limit = /limit\s+(\d+)/i.exec(s);
  if (!m) {
    const one = /^select\s+(\d+)(?:\s+as\s+(\w+))?$/i.exec(s);
    if (one) return { statement: 'SELECT', columns: [{ name: one[2] || one[1], type: 'INTEGER' }], rows: [[Number(one[1])]] };
    return { error: 'error at line 1, column 8: the mock server only knows SELECT n and queries over one table' };
  }
  const t = state.tables.find((x) => x.ns === m[1] && x.name === m[2]);
  if (!t) return { error: `Catalog Error: Table with name ${m[1]}.${m[2]} does not exist!` };
  let snap = t.snapshots[t.snapshots.length - 1];
  if (m[3]) {
    snap = t.snapshots.find((x) => String(x.id) === m[3]);
    if (!snap) return { error: `snapshot ${m[3]} of ${m[1]}.${m[2]} not found` };
  }
  const total = Number(snap.summary['total-records']);
  if (/group\s+by/i.test(s)) {
    const counts = new Map();
    for (const r of rowsOf(t, total, 0)) counts.set(r[2], (counts.get(r[2]) || 0) + 1);
    return { statement: 'SELECT', columns: [{ name: 'city', type: 'VARCHAR' }, { name: 'n', type: 'BIGINT' }], rows: [...counts.entries()].sort((a, b) => b[1] - a[1]) };
  }
  if (/count\(\*\)/i.test(s)) return { statement: 'SELECT', columns: [{ name: 'count_star()', type: 'BIGINT' }], rows: [[total]] };
  const n = limit ? Math.min(total, Number(limit[1])) : total;
  return { statement: 'SELECT', columns: COLUMNS, rows: rowsOf(t, n, snap.time - DAY) };
}

function ingest(state, t, body, params) {
  const fmt = params.get('format') || 'jsonl';
  let lines = body.toString('utf8').split(/\r?\n/);
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  let first = 1;
  if (fmt === 'csv' && params.get('header') !== 'false') {
    lines = lines.slice(1);
    first = 2;
  }
  const samples = [];
  let written = 0;
  let rejected = 0;
  let blank = 0;
  lines.forEach((l, i) => {
    if (!l.trim()) blank++;
    else if (/bad/.test(l)) {
      rejected++;
      if (samples.length < 10) samples.push({ source: 'upload', line: i + first, field: 'amount', reason: 'invalid_value', detail: "'bad' is not a number" });
    } else written++;
  });
  const id = `00000000-0000-4000-8000-${String(state.audit.length).padStart(12, '0')}`;
  appendSnapshot(t, written, Date.now(), 'append', { 'korolev.ingest-id': id, 'korolev.received': String(written + rejected) });
  const snap = t.snapshots[t.snapshots.length - 1];
  return {
    'ingest-id': id, table: `${t.ns}.${t.name}`, status: 'succeeded', attempt: 1, received: written + rejected, written, rejected,
    'blank-lines': blank, bytes: body.length, sources: [{ name: 'upload', format: fmt, bytes: body.length, received: written + rejected, written, rejected }],
    'rejects-by-reason': rejected ? { invalid_value: rejected } : {}, 'reject-samples': samples,
    'snapshot-id': big(snap.id), 'rejects-table': rejected ? `${t.ns}.${t.name}__rejects` : null,
  };
}

function metricsText(state) {
  return [
    '# TYPE korolev_http_requests_total counter',
    `korolev_http_requests_total{method="GET",route="/v1/namespaces",status="200"} ${state.requests}`,
    '# TYPE korolev_queries_total counter', `korolev_queries_total ${state.queries}`,
    '# TYPE korolev_commits_total counter', 'korolev_commits_total 3',
    '# TYPE korolev_errors_total counter', 'korolev_errors_total 0', '',
  ].join('\n');
}

function auditPage(state, p) {
  let recs = state.audit.filter((r) => (!p.get('principal') || r.principal === p.get('principal')) &&
    (!p.get('action') || r.action === p.get('action')) &&
    (!p.get('object_prefix') || r.object.startsWith(p.get('object_prefix'))) &&
    (!p.get('since') || Date.parse(r.time) >= Number(p.get('since'))) &&
    (!p.get('until') || Date.parse(r.time) < Number(p.get('until'))));
  if (p.get('order') === 'desc') recs = recs.slice().reverse();
  const size = Math.min(1000, Number(p.get('page_size') || 100));
  const from = Number(p.get('page_token') || 0);
  const page = recs.slice(from, from + size);
  return { records: page, 'next-page-token': from + size < recs.length ? String(from + size) : null };
}

function send(res, status, body, type = 'application/json') {
  res.writeHead(status, { 'Content-Type': type, 'X-Request-Id': 'mock' });
  res.end(typeof body === 'string' || Buffer.isBuffer(body) ? body : dump(body));
}

function fail(res, status, type, message) {
  send(res, status, { error: { message, type, code: status } });
}

async function serveStatic(res, path) {
  const rel = normalize(decodeURIComponent(path === '/' ? '/index.html' : path));
  const full = join(CONSOLE_DIR, rel);
  if (!full.startsWith(CONSOLE_DIR + sep)) return fail(res, 404, 'NotFoundException', 'no such file');
  try {
    return send(res, 200, await readFile(full), MIME[extname(full)] || 'application/octet-stream');
  } catch (e) {
    return fail(res, 404, 'NotFoundException', 'no such file');
  }
}

function readBody(req) {
  return new Promise((ok, bad) => {
    const parts = [];
    req.on('data', (c) => parts.push(c));
    req.on('end', () => ok(Buffer.concat(parts)));
    req.on('error', bad);
  });
}

async function handleApi(state, req, res, url) {
  const p = url.pathname;
  const m = (re) => re.exec(p);
  let g;
  if (p === '/v1/config') return send(res, 200, { defaults: {}, overrides: { warehouse: 'file:///mock' }, endpoints: [] });
  if (p === '/metrics') return send(res, 200, metricsText(state), 'text/plain; version=0.0.4');
  if (p === '/v1/namespaces') {
    const parent = url.searchParams.get('parent');
    const names = parent ? [] : [...new Set(state.tables.map((t) => t.ns))].map((n) => [n]);
    return send(res, 200, { namespaces: names, 'next-page-token': null });
  }
  if ((g = m(/^\/v1\/namespaces\/([^/]+)\/tables$/))) {
    const ns = decodeURIComponent(g[1]);
    return send(res, 200, { identifiers: state.tables.filter((t) => t.ns === ns).map((t) => ({ namespace: [t.ns], name: t.name })), 'next-page-token': null });
  }
  if ((g = m(/^\/api\/v1\/tables\/([^/]+)\/([^/]+)(\/ingest)?$/))) {
    const t = state.tables.find((x) => x.ns === decodeURIComponent(g[1]) && x.name === decodeURIComponent(g[2]));
    if (!t) return fail(res, 404, 'NoSuchTableException', `table ${g[1]}.${g[2]} not found`);
    if (g[3] && req.method === 'POST') return send(res, 200, ingest(state, t, await readBody(req), url.searchParams));
    if (!g[3] && req.method === 'GET') return send(res, 200, tableJson(t));
    return fail(res, 405, 'MethodNotAllowedException', `${req.method} not allowed on ${p}`);
  }
  if (p === '/api/v1/audit') return send(res, 200, auditPage(state, url.searchParams));
  if (p === '/api/v1/query' && req.method === 'POST') {
    let body;
    try {
      body = JSON.parse((await readBody(req)).toString('utf8'));
    } catch (e) {
      return fail(res, 400, 'BadRequestException', 'malformed JSON');
    }
    state.queries++;
    const r = query(state, String(body.sql || ''));
    if (r.error) return fail(res, 400, 'BadRequestException', r.error);
    r.row_count = r.rows.length;
    const fmt = url.searchParams.get('format') || body.format || 'json';
    return fmt === 'csv' ? send(res, 200, csvOf(r), 'text/csv') : send(res, 200, r);
  }
  return fail(res, 404, 'NoSuchRouteException', `no route for ${req.method} ${p}`);
}

export function startMock({ port = 0, host = '127.0.0.1' } = {}) {
  const state = mockState();
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://mock');
    state.requests++;
    try {
      if (url.pathname === '/healthz' || url.pathname === '/readyz') return send(res, 200, { status: 'ok' });
      if (!url.pathname.startsWith('/v1/') && !url.pathname.startsWith('/api/') && url.pathname !== '/metrics') {
        return await serveStatic(res, url.pathname);
      }
      if (req.headers.authorization !== `Bearer ${MOCK_TOKEN}`) {
        res.setHeader('WWW-Authenticate', 'Bearer');
        return fail(res, 401, 'NotAuthorizedException', 'missing or unknown token');
      }
      return await handleApi(state, req, res, url);
    } catch (e) {
      return fail(res, 500, 'InternalServerError', String(e && e.stack));
    }
  });
  return new Promise((ok) => server.listen(port, host, () => {
    ok({ server, state, url: `http://${host}:${server.address().port}`, close: () => new Promise((c) => server.close(c)) });
  }));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--port');
  const m = await startMock({ port: i > 0 ? Number(process.argv[i + 1]) : 0 });
  console.log(`listening on ${m.url} (token: ${MOCK_TOKEN})`);
}
