#!/usr/bin/env node
// fake_korolev.mjs - a test double of `korolev sql` for checking the SQL
// test harnesses end to end before the engine exists (never used by the
// suite):
//
//   KO_FAKE_REAL=build/korolev node tests/peers/sql_diff.mjs --korolev tests/sql/fake_korolev.mjs
//
// Every command but `sql` goes to the real binary (KO_FAKE_REAL).  `sql`
// answers with DuckDB over the data files of the warehouse's tables (as
// `korolev table files` lists them; FOR VERSION AS OF / FOR TIMESTAMP AS
// OF read the files of that snapshot, "t$snapshots" and friends come from
// `table history` and `table files`), prints JSON lines the way `korolev
// sql --format jsonl` is specified to (or a CSV header), and reports errors
// as one line on stderr with exit status 1.  The SQL comes as the last
// argument or on stdin.  A table without data files is unknown here.
import { DuckDBInstance } from '@duckdb/node-api';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { korolevJson } from './compare.mjs';

const real = process.env.KO_FAKE_REAL;
const argv = process.argv.slice(2);
if (!real) {
  console.error('fake_korolev: set KO_FAKE_REAL to the real korolev binary');
  process.exit(2);
}
const globals = [];
let k = 0;
while (k < argv.length && /^--(warehouse|catalog)$/.test(argv[k])) globals.push(argv[k], argv[k + 1]), (k += 2);
if (argv[k] !== 'sql') {
  const r = spawnSync(real, argv, { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
let format = 'table';
let sql = null;
for (k++; k < argv.length; k++) {
  if (argv[k] === '--format') format = argv[++k];
  else if (argv[k] === '--threads') k++;
  else sql = argv[k];
}
if (sql === null) sql = readFileSync(0, 'utf8');

const cli = (...a) => execFileSync(real, [...globals, ...a], { encoding: 'utf8' });
const exact = (t) => JSON.parse(t.replace(/([:[,]\s*)(-?\d{16,})(?=\s*[,}\]])/g, '$1"$2"'));
const lit = (s) => `'${String(s).replaceAll("'", "''")}'`;
const paths = (files) => files.filter((f) => f.content === 'data').map((f) => f['file-path'].replace(/^file:\/\//, ''));

try {
  const db = await DuckDBInstance.create(':memory:', { threads: '1' });
  const c = await db.connect();
  await c.run(`SET TimeZone = 'UTC'`);
  const view = async (name, files) =>
    files.length && c.run(`CREATE VIEW ${name} AS SELECT * FROM read_parquet([${files.map(lit).join(', ')}], hive_partitioning = false)`);
  let n = 0;
  // Time travel first: each clause becomes a view of that snapshot's files.
  const travel = [];
  if (/\sFOR\s+(VERSION|TIMESTAMP)\s/i.test(sql)) sql = sql.replace(/\b([A-Za-z_]\w{0,63})\.([A-Za-z_]\w{0,63})\s+FOR\s+(VERSION|TIMESTAMP)\s+AS\s+OF\s+('[^']*'|-?\d+)/gi, (m, ns, t, kind, v) => {
    const name = `tt_${n++}`;
    travel.push({ ns, t, kind: kind.toUpperCase(), v, name });
    return `main.${name}`;
  });
  for (const tt of travel) {
    let id = tt.v;
    if (tt.kind === 'TIMESTAMP') {
      const at = Date.parse(`${tt.v.slice(1, -1).replace(' ', 'T')}Z`);
      const h = exact(cli('table', 'history', `${tt.ns}.${tt.t}`)).filter((s) => Number(s['timestamp-ms']) <= at);
      if (!h.length) throw new Error(`no snapshot of ${tt.ns}.${tt.t} at or before ${tt.v}`);
      id = String(h[h.length - 1]['snapshot-id']);
    }
    await view(`main.${tt.name}`, paths(exact(cli('table', 'files', `${tt.ns}.${tt.t}`, '--snapshot', id))));
  }
  for (const ns of cli('namespace', 'list').split('\n').filter(Boolean)) {
    await c.run(`CREATE SCHEMA "${ns}"`);
    for (const t of cli('table', 'list', ns).split('\n').filter(Boolean).map((x) => x.split('.').pop())) {
      const files = exact(cli('table', 'files', `${ns}.${t}`));
      await view(`"${ns}"."${t}"`, paths(files));
      if (!sql.includes(`${t}$`)) continue;
      const hist = exact(cli('table', 'history', `${ns}.${t}`));
      const rows = hist.map((h) => `(${h['snapshot-id']}, ${h['parent-snapshot-id'] ?? 'NULL'}, ${h['timestamp-ms']}, ${lit(h.operation)})`);
      await c.run(`CREATE TABLE "${ns}"."${t}$snapshots" AS SELECT epoch_ms(ms) AS committed_at, id AS snapshot_id, p AS parent_id, op AS operation FROM (VALUES ${rows.join(', ')}) v(id, p, ms, op)`);
      await c.run(`CREATE TABLE "${ns}"."${t}$history" AS SELECT * FROM "${ns}"."${t}$snapshots"`);
      await c.run(`CREATE TABLE "${ns}"."${t}$files" AS SELECT * FROM (VALUES ${files.map((f) => `(${lit(f['file-path'])}, ${f['record-count']})`).join(', ')}) v(file_path, record_count)`);
    }
  }
  const r = await c.runAndReadAll(sql);
  const names = r.columnNames();
  const types = r.columnTypes();
  if (format === 'csv') process.stdout.write(`${names.join(',')}\n`);
  for (const row of r.getRowsJson())
    process.stdout.write(`{${row.map((v, i) => `${JSON.stringify(names[i])}:${korolevJson(v, types[i])}`).join(',')}}\n`);
} catch (e) {
  process.stderr.write(`korolev: ${String(e.message).split('\n')[0]}\n`);
  process.exit(1);
}
