// rest_iceberg_js.mjs - drives a running `korolev serve` with iceberg-js, an
// independent Iceberg REST catalog client from npm.
//
//   KO_URL=http://127.0.0.1:PORT KO_TOKEN=... node rest_iceberg_js.mjs scenario
//       namespaces create/list/load/update/exists/drop, tables create/list/
//       load (ETag, 304)/commit/rename/drop, the expected errors for missing
//       and conflicting objects, with and without a {prefix} segment
//   ... node rest_iceberg_js.mjs setup-append DIR
//       creates namespace `shared` and table shared.appended (id long,
//       name string) through the API and writes DIR/rows.parquet (3 rows)
//       with DuckDB for `korolev table append`
//   ... node rest_iceberg_js.mjs verify-append
//       loads shared.appended and checks the snapshot the CLI appended
//
// Exit status 0 when every check passes; failures are printed.
import { IcebergRestCatalog, IcebergError } from 'iceberg-js';
import { DuckDBInstance } from '@duckdb/node-api';
import assert from 'node:assert/strict';

const url = process.env.KO_URL;
const token = process.env.KO_TOKEN;
const [mode, arg] = process.argv.slice(2);
if (!url || !token || !mode) {
  console.error('usage: KO_URL=... KO_TOKEN=... rest_iceberg_js.mjs scenario|setup-append DIR|verify-append');
  process.exit(2);
}

const catalog = new IcebergRestCatalog({ baseUrl: url, auth: { type: 'bearer', token } });
// The same server addressed with a {prefix} segment (/v1/main/...).
const prefixed = new IcebergRestCatalog({ baseUrl: url, warehouse: 'main', auth: { type: 'bearer', token } });

const schema = {
  type: 'struct',
  fields: [
    { id: 1, name: 'id', type: 'long', required: true },
    { id: 2, name: 'name', type: 'string', required: false },
  ],
};

let checks = 0;
function ok(cond, what) {
  assert.ok(cond, what);
  checks++;
}

async function expectError(promise, status, type, what) {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof IcebergError, `${what}: not an IcebergError: ${e}`);
    assert.equal(e.status, status, `${what}: status ${e.status} (${e.message})`);
    assert.equal(e.icebergType, type, `${what}: type ${e.icebergType}`);
    checks++;
    return;
  }
  assert.fail(`${what}: expected ${status} ${type}, but it succeeded`);
}

async function namespaces() {
  const ns = { namespace: ['js_ns'] };
  await catalog.createNamespace(ns, { properties: { owner: 'js', team: 'x' } });
  await catalog.createNamespace({ namespace: ['js_ns', 'child'] });
  await expectError(catalog.createNamespace(ns), 409, 'AlreadyExistsException', 'create twice');
  await expectError(catalog.createNamespace({ namespace: ['nope', 'child'] }), 404,
    'NoSuchNamespaceException', 'create under a missing parent');
  const top = await catalog.listNamespaces();
  ok(top.namespaces.some((n) => n.namespace.join('.') === 'js_ns'), 'top-level list has js_ns');
  ok(!top.namespaces.some((n) => n.namespace.length > 1), 'top-level list has no children');
  const kids = await catalog.listNamespaces({ parent: ns });
  assert.deepEqual(kids.namespaces.map((n) => n.namespace), [['js_ns', 'child']]);
  checks++;
  const meta = await catalog.loadNamespaceMetadata(ns);
  assert.deepEqual(meta.properties, { owner: 'js', team: 'x' });
  checks++;
  const upd = await catalog.updateNamespaceProperties(ns, { updates: { owner: 'iceberg-js', tier: '1' }, removals: ['team', 'absent'] });
  assert.deepEqual([...upd.updated].sort(), ['owner', 'tier']);
  assert.deepEqual(upd.removed, ['team']);
  assert.deepEqual(upd.missing, ['absent']);
  checks += 3;
  const meta2 = await prefixed.loadNamespaceMetadata(ns);
  assert.deepEqual(meta2.properties, { owner: 'iceberg-js', tier: '1' });
  checks++;
  ok(await catalog.namespaceExists(ns), 'namespace exists');
  ok(!(await catalog.namespaceExists({ namespace: ['missing_ns'] })), 'missing namespace does not exist');
  await expectError(catalog.loadNamespaceMetadata({ namespace: ['missing_ns'] }), 404,
    'NoSuchNamespaceException', 'load a missing namespace');
  // paginated listing
  for (const n of ['p1', 'p2', 'p3']) await catalog.createNamespace({ namespace: ['js_ns', 'child', n] });
  const page1 = await catalog.listNamespaces({ parent: { namespace: ['js_ns', 'child'] }, pageSize: 2 });
  ok(page1.namespaces.length === 2 && page1.nextPageToken, 'first page of 2 with a token');
  const page2 = await catalog.listNamespaces({ parent: { namespace: ['js_ns', 'child'] }, pageSize: 2, pageToken: page1.nextPageToken });
  ok(page2.namespaces.length === 1 && !page2.nextPageToken, 'last page of 1 without a token');
  for (const n of ['p1', 'p2', 'p3']) await catalog.dropNamespace({ namespace: ['js_ns', 'child', n] });
}

async function tables() {
  const ns = { namespace: ['js_ns'] };
  const id = { namespace: ['js_ns'], name: 'events' };
  const created = await catalog.createTable(ns, {
    name: 'events',
    schema,
    'partition-spec': { fields: [{ 'source-id': 1, name: 'id_bucket', transform: 'bucket[4]' }] },
    properties: { 'created-by': 'iceberg-js' },
  });
  ok(created['format-version'] === 2, 'created table is format v2');
  ok(created.properties['created-by'] === 'iceberg-js', 'created table keeps its properties');
  await expectError(catalog.createTable(ns, { name: 'events', schema }), 409, 'AlreadyExistsException', 'create table twice');
  await expectError(catalog.createTable({ namespace: ['missing_ns'] }, { name: 't', schema }), 404,
    'NoSuchNamespaceException', 'create table in a missing namespace');
  const list = await catalog.listTables(ns);
  assert.deepEqual(list.identifiers, [id]);
  checks++;
  const loaded = await catalog.loadTable(id);
  assert.deepEqual(loaded.schemas[0].fields.map((f) => f.name), ['id', 'name']);
  ok(loaded['partition-specs'][0].fields[0].transform === 'bucket[4]', 'partition spec loaded');
  ok(loaded['current-snapshot-id'] === -1 || loaded['current-snapshot-id'] == null, 'no snapshot yet');
  const withTag = await catalog.loadTableResult(id);
  ok(typeof withTag.etag === 'string' && withTag.etag.length > 2, 'load returns an ETag');
  ok(withTag['metadata-location'].endsWith('.metadata.json'), 'load returns the metadata location');
  ok((await catalog.loadTable(id, { ifNoneMatch: withTag.etag })) === null, 'If-None-Match gives 304');
  const refs = await catalog.loadTable(id, { snapshots: 'refs' });
  ok(Array.isArray(refs.snapshots ?? []), 'snapshots=refs loads');

  const committed = await catalog.commitTable(id, {
    requirements: [
      { type: 'assert-table-uuid', uuid: loaded['table-uuid'] },
      { type: 'assert-current-schema-id', 'current-schema-id': loaded['current-schema-id'] },
    ],
    updates: [
      { action: 'set-properties', updates: { 'commit.by': 'iceberg-js' } },
      { action: 'add-schema', schema: { type: 'struct', fields: [...schema.fields, { id: 3, name: 'note', type: 'string', required: false }] } },
      { action: 'set-current-schema', 'schema-id': -1 },
    ],
  });
  ok(committed.metadata.properties['commit.by'] === 'iceberg-js', 'commit set a property');
  ok(committed.metadata['current-schema-id'] === 1, 'commit made the new schema current');
  ok(committed['metadata-location'] !== withTag['metadata-location'], 'commit wrote a new metadata file');
  ok((await catalog.loadTable(id, { ifNoneMatch: withTag.etag })) !== null, 'old ETag no longer matches');
  await expectError(catalog.commitTable(id, {
    requirements: [{ type: 'assert-current-schema-id', 'current-schema-id': 0 }],
    updates: [{ action: 'set-properties', updates: { x: 'y' } }],
  }), 409, 'CommitFailedException', 'stale requirement');
  await expectError(catalog.commitTable({ namespace: ['js_ns'], name: 'missing' }, { requirements: [], updates: [] }),
    404, 'NoSuchTableException', 'commit to a missing table');
  await expectError(catalog.loadTable({ namespace: ['js_ns'], name: 'missing' }), 404, 'NoSuchTableException', 'load a missing table');
  await expectError(catalog.dropNamespace(ns), 409, 'NamespaceNotEmptyException', 'drop a non-empty namespace');
  ok(await prefixed.tableExists(id), 'table exists (prefixed path)');

  await catalog.renameTable({ source: id, destination: { namespace: ['js_ns', 'child'], name: 'events2' } });
  ok(!(await catalog.tableExists(id)), 'renamed table left its old name');
  const moved = await catalog.loadTable({ namespace: ['js_ns', 'child'], name: 'events2' });
  ok(moved.properties['commit.by'] === 'iceberg-js', 'renamed table keeps its metadata');
  await expectError(catalog.renameTable({ source: id, destination: { namespace: ['js_ns'], name: 'x' } }), 404,
    'NoSuchTableException', 'rename a missing table');
  await catalog.dropTable({ namespace: ['js_ns', 'child'], name: 'events2' }, { purge: true });
  ok(!(await catalog.tableExists({ namespace: ['js_ns', 'child'], name: 'events2' })), 'dropped table is gone');
  await expectError(catalog.dropTable({ namespace: ['js_ns'], name: 'events' }), 404, 'NoSuchTableException', 'drop a missing table');
  await catalog.dropNamespace({ namespace: ['js_ns', 'child'] });
  await catalog.dropNamespace(ns);
  ok(!(await catalog.namespaceExists(ns)), 'namespace dropped');
  await expectError(catalog.dropNamespace(ns), 404, 'NoSuchNamespaceException', 'drop a missing namespace');
}

async function setupAppend(dir) {
  await catalog.createNamespace({ namespace: ['shared'] });
  // Partitioned through the API; the CLI's append must honour the spec.
  await catalog.createTable({ namespace: ['shared'] }, {
    name: 'appended',
    schema,
    'partition-spec': { fields: [{ 'source-id': 1, name: 'id_bucket', transform: 'bucket[2]' }] },
  });
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  await con.run(`COPY (SELECT * FROM (VALUES (1::BIGINT, 'a'), (2, 'b'), (3, NULL)) t(id, name))
                 TO '${dir}/rows.parquet' (FORMAT parquet)`);
  checks++;
}

async function verifyAppend() {
  const t = await catalog.loadTable({ namespace: ['shared'], name: 'appended' });
  const cur = t['current-snapshot-id'];
  ok(typeof cur === 'number' || typeof cur === 'bigint', 'table has a current snapshot');
  ok(cur !== -1, 'current snapshot is set');
  const snap = t.snapshots.find((s) => String(s['snapshot-id']) === String(cur));
  ok(snap, 'current snapshot is listed');
  ok(snap.summary.operation === 'append', 'the CLI snapshot is an append');
  ok(snap.summary['added-records'] === '3', `3 records added (got ${snap.summary['added-records']})`);
  ok(t.refs.main && String(t.refs.main['snapshot-id']) === String(cur), 'main branch points at it');
  ok(Number(snap.summary['changed-partition-count']) >= 1, 'the append wrote partitioned files');
}

try {
  if (mode === 'scenario') {
    await namespaces();
    await tables();
  } else if (mode === 'setup-append') {
    await setupAppend(arg);
  } else if (mode === 'verify-append') {
    await verifyAppend();
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
  console.log(`iceberg-js ${mode}: ${checks} checks passed`);
} catch (e) {
  console.error(`iceberg-js ${mode} FAILED: ${e.stack ?? e}`);
  process.exit(1);
}
