// rest_authz.mjs - the authorization matrix of `korolev serve`: every route
// x {no token, bad token, reader, writer, admin, writer limited to another
// namespace} gives the expected status, and no refused request returns data.
//
//   KO_URL=... KO_TOKENS='{"admin":..,"reader":..,"writer":..,"other":..}' node rest_authz.mjs
//
// "other" is a writer limited to namespace `beta`; every route below names
// namespace `alpha` (or is global).  Objects each role mutates are created
// first with the admin token, one per role, so that every cell starts from
// the same state.  Exit status 0 when every cell matches.
const url = process.env.KO_URL;
const tokens = JSON.parse(process.env.KO_TOKENS ?? '{}');
const KINDS = ['none', 'bad', 'reader', 'writer', 'admin', 'other'];
const auth = {
  none: null,
  bad: 'kor_0123456789abcdef_' + '0'.repeat(64),
  reader: tokens.reader,
  writer: tokens.writer,
  admin: tokens.admin,
  other: tokens.other,
};

async function call(kind, method, path, body) {
  const headers = { 'Content-Type': 'application/json' };
  if (auth[kind]) headers.Authorization = `Bearer ${auth[kind]}`;
  const res = await fetch(url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, text };
}

async function admin(method, path, body, want) {
  const r = await call('admin', method, path, body);
  if (!want.includes(r.status)) throw new Error(`setup ${method} ${path}: ${r.status} ${r.text}`);
  return r.text ? JSON.parse(r.text) : null;
}

const schema = { type: 'struct', fields: [{ id: 1, name: 'id', type: 'long', required: true }] };
const NS = '/v1/namespaces';

// Setup: alpha with table t1, and per-kind objects to drop/rename.
await admin('POST', NS, { namespace: ['alpha'] }, [200]);
await admin('POST', NS, { namespace: ['beta'] }, [200]);
await admin('POST', `${NS}/alpha/tables`, { name: 't1', schema }, [200]);
const t1 = await admin('GET', `${NS}/alpha/tables/t1`, undefined, [200]);
for (const k of KINDS) {
  await admin('POST', NS, { namespace: ['alpha', `d_${k}`] }, [200]);
  await admin('POST', `${NS}/alpha/tables`, { name: `drop_${k}`, schema }, [200]);
  await admin('POST', `${NS}/alpha/tables`, { name: `ren_${k}`, schema }, [200]);
}

const R = [200, 204]; // success
const READ = { none: [401], bad: [401], reader: R, writer: R, admin: R, other: [403] };
const WRITE = { none: [401], bad: [401], reader: [403], writer: R, admin: R, other: [403] };
const ADMIN = { none: [401], bad: [401], reader: [403], writer: [403], admin: R, other: [403] };
const GLOBAL_READ = { none: [401], bad: [401], reader: R, writer: R, admin: R, other: R };
const PUBLIC = { none: R, bad: R, reader: R, writer: R, admin: R, other: R };
const ZERO_RUN = '00000000-0000-0000-0000-000000000000';
const commit = { requirements: [], updates: [{ action: 'set-properties', updates: { touched: 'yes' } }] };

// [method, path(kind), body(kind), expected]
const routes = [
  ['GET', () => '/healthz', null, PUBLIC],
  ['GET', () => '/readyz', null, PUBLIC],
  ['GET', () => '/metrics', null, GLOBAL_READ],
  ['GET', () => '/v1/config', null, GLOBAL_READ],
  ['GET', () => NS, null, GLOBAL_READ],
  ['POST', () => NS, (k) => ({ namespace: ['alpha', `c_${k}`] }), WRITE],
  ['GET', () => `${NS}/alpha`, null, READ],
  ['HEAD', () => `${NS}/alpha`, null, READ],
  ['DELETE', (k) => `${NS}/alpha%1Fd_${k}`, null, WRITE],
  ['POST', () => `${NS}/alpha/properties`, () => ({ updates: { k: 'v' } }), WRITE],
  ['GET', () => `${NS}/alpha/tables`, null, READ],
  ['POST', () => `${NS}/alpha/tables`, (k) => ({ name: `new_${k}`, schema }), WRITE],
  ['POST', () => `${NS}/alpha/register`, (k) => ({ name: `reg_${k}`, 'metadata-location': t1['metadata-location'] }), WRITE],
  ['GET', () => `${NS}/alpha/tables/t1`, null, READ],
  ['GET', () => `/v1/main/namespaces/alpha/tables/t1?snapshots=refs`, null, READ],
  ['HEAD', () => `${NS}/alpha/tables/t1`, null, READ],
  ['POST', () => `${NS}/alpha/tables/t1`, () => commit, WRITE],
  ['DELETE', (k) => `${NS}/alpha/tables/drop_${k}`, null, WRITE],
  ['POST', () => `${NS}/alpha/tables/t1/metrics`, () => ({ 'report-type': 'scan-report', 'table-name': 'alpha.t1' }), READ],
  ['POST', () => '/v1/tables/rename', (k) => ({ source: { namespace: ['alpha'], name: `ren_${k}` }, destination: { namespace: ['alpha'], name: `ren2_${k}` } }), WRITE],
  ['POST', () => '/v1/transactions/commit', () => ({ 'table-changes': [{ identifier: { namespace: ['alpha'], name: 't1' }, ...commit }] }), WRITE],
  ['GET', () => '/api/v1/tables/alpha/t1', null, READ],
  ['GET', () => '/api/v1/audit?object=alpha.t1', null, ADMIN],
  ['POST', () => '/api/v1/query', () => ({ sql: 'SELECT 1' }), READ],
  // Every query format (streamed responses), by body, ?format= and over a table.
  ['POST', () => '/api/v1/query', () => ({ sql: 'SELECT * FROM alpha.t1', format: 'json' }), READ],
  ['POST', () => '/api/v1/query', () => ({ sql: 'SELECT * FROM alpha.t1', format: 'jsonl' }), READ],
  ['POST', () => '/api/v1/query', () => ({ sql: 'SELECT * FROM alpha.t1', format: 'csv' }), READ],
  ['POST', () => '/api/v1/query', () => ({ sql: 'SELECT 1 AS one', format: 'parquet' }), READ],
  ['POST', () => '/api/v1/query?format=jsonl', () => ({ sql: 'SELECT 1 AS one' }), READ],
  ['GET', () => '/api/v1/tokens', null, ADMIN],
  ['POST', () => '/api/v1/tokens', (k) => ({ principal: `made-by-${k}`, role: 'reader' }), { ...ADMIN, admin: [201] }],
  ['DELETE', () => '/api/v1/tokens/0000000000000000', null, { ...ADMIN, admin: [404] }],
  ['POST', () => '/api/v1/tables/alpha/t1/ingest?format=jsonl', () => ({ id: 1 }), WRITE],
  ['GET', () => '/api/v1/tables/alpha/t1/ingest', null, Object.fromEntries(KINDS.map((k) => [k, [405]]))],
  ['GET', () => '/api/v1/tables/alpha/t1/ingests', null, READ],
  ['GET', () => '/api/v1/whoami', null, GLOBAL_READ],
  // Pipelines span namespaces: limited tokens are refused (403).  This
  // server has no pipelines directory and no runs, hence the 404s.
  ['GET', () => '/api/v1/pipelines', null, READ],
  ['POST', () => '/api/v1/pipelines/nope/run', null, { ...WRITE, writer: [404], admin: [404] }],
  ['GET', () => '/api/v1/runs?limit=5', null, READ],
  ['GET', () => `/api/v1/runs/${ZERO_RUN}`, null, { ...READ, reader: [404], writer: [404], admin: [404] }],
  ['GET', () => `/api/v1/runs/${ZERO_RUN}/logs`, null, { ...READ, reader: [404], writer: [404], admin: [404] }],
  ['POST', () => `/api/v1/runs/${ZERO_RUN}/cancel`, null, { ...WRITE, writer: [404], admin: [404] }],
  ['GET', () => '/api/v1/alerts', null, READ],
];

let failures = 0, cells = 0;
const secrets = ['metadata-location', 'alpha', 'kor_'];
for (const [method, path, body, want] of routes) {
  for (const k of KINDS) {
    const p = path(k);
    const r = await call(k, method, p, body ? body(k) : undefined);
    cells++;
    const okStatus = want[k].includes(r.status);
    // A refused request must not carry data: only the error model.
    const leaked = [401, 403].includes(r.status) && secrets.some((s) => r.text.includes(s) && !r.text.includes('"error"'));
    if (!okStatus || leaked) {
      failures++;
      console.error(`FAIL ${k.padEnd(6)} ${method} ${p}: got ${r.status}, want ${want[k].join('|')}${leaked ? ' (data leaked)' : ''} ${r.text.slice(0, 200)}`);
    }
  }
}

// A token limited to beta lists only what it may see.
const list = await call('other', 'GET', NS);
if (list.text.includes('alpha')) {
  failures++;
  console.error(`FAIL other sees alpha in the namespace list: ${list.text}`);
}
// A token limited to beta cannot point its tables at alpha's files.
await admin('POST', `${NS}/beta/tables`, { name: 'bt', schema }, [200]);
const alphaDir = t1.metadata.location;
const steal = [
  ['POST', `${NS}/beta/register`, { name: 'steal', 'metadata-location': t1['metadata-location'] }],
  ['POST', `${NS}/beta/tables`, { name: 'steal2', schema, location: `${alphaDir}-copy` }],
  ['POST', `${NS}/beta/tables/bt`, { requirements: [], updates: [{ action: 'add-snapshot', snapshot: {
    'snapshot-id': 1, 'timestamp-ms': 1, 'manifest-list': `${alphaDir}/metadata/snap.avro`, summary: { operation: 'append' } } }] }],
  ['POST', '/v1/transactions/commit', { 'table-changes': [{ identifier: { namespace: ['beta'], name: 'bt' }, requirements: [],
    updates: [{ action: 'set-location', location: alphaDir }] }] }],
];
for (const [m, p, b] of steal) {
  const r = await call('other', m, p, b);
  cells++;
  if (r.status !== 403) {
    failures++;
    console.error(`FAIL other ${m} ${p} pointing at alpha: got ${r.status} ${r.text.slice(0, 200)}`);
  }
}
// Inside its own namespace the same token may register.
const bt = await admin('GET', `${NS}/beta/tables/bt`, undefined, [200]);
const own = await call('other', 'POST', `${NS}/beta/register`, { name: 'bt_copy', 'metadata-location': bt['metadata-location'] });
cells++;
if (own.status !== 200) {
  failures++;
  console.error(`FAIL other registers a beta file: got ${own.status} ${own.text.slice(0, 200)}`);
}

// Revoked tokens stop working.
const made = await admin('POST', '/api/v1/tokens', { principal: 'shortlived', role: 'reader' }, [201]);
auth.temp = made.token;
const before = await call('temp', 'GET', NS);
await admin('DELETE', `/api/v1/tokens/${made.id}`, undefined, [204]);
const after = await call('temp', 'GET', NS);
if (before.status !== 200 || after.status !== 401) {
  failures++;
  console.error(`FAIL revoked token: before ${before.status}, after ${after.status}`);
}
console.log(`authorization matrix: ${cells} cells, ${routes.length} routes x ${KINDS.length} callers, ${failures} failures`);
process.exit(failures ? 1 : 0);
