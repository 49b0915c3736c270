// sql_engine_peer.mjs - DuckDB's side of tests/integration/sql_engine.sh.
//
//   sql_engine_peer.mjs compare SETUP.sql QUERY ROWS.jsonl
//       runs the statements of SETUP.sql in an in-memory DuckDB (Korolev's
//       Iceberg clauses PARTITIONED BY (...) and WITH (...) removed, schemas
//       created as DuckDB schemas), then QUERY, and compares its rows with
//       Korolev's JSON lines in ROWS.jsonl as multisets.
//   sql_engine_peer.mjs parquet FILE.parquet ROWS.jsonl
//       reads FILE.parquet with DuckDB and compares its rows (and column
//       names) with ROWS.jsonl.
//
// Values compare in a canonical text form: numbers (and numeric strings,
// as DuckDB gives BIGINT and DECIMAL) as the shortest text of their
// double, the rest as strings; NULL as null.  Exit 0 when equal, 1 with
// the differences on stderr, 2 on usage errors.
import { readFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';

function canonValue(v) {
  if (v === null || v === undefined) return null;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number' || typeof v === 'bigint') return String(Number(v));
  if (typeof v === 'string' && /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(v)) return String(Number(v));
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function canonRows(names, rows) {
  return rows.map((r) => JSON.stringify(names.map((n, i) => [n, canonValue(r[i])]))).sort();
}

function korolevRows(file) {
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');
  const objs = lines.map((l) => JSON.parse(l));
  const names = objs.length ? Object.keys(objs[0]) : [];
  return { names, rows: objs.map((o) => names.map((n) => o[n])) };
}

function compare(what, want, got) {
  const a = canonRows(want.names, want.rows);
  const b = canonRows(got.names, got.rows);
  const missing = a.filter((x) => !b.includes(x));
  const extra = b.filter((x) => !a.includes(x));
  if (JSON.stringify(want.names) !== JSON.stringify(got.names) && want.rows.length) {
    console.error(`${what}: columns differ: duckdb ${JSON.stringify(want.names)}, korolev ${JSON.stringify(got.names)}`);
    return false;
  }
  if (a.length !== b.length || missing.length || extra.length) {
    console.error(`${what}: ${a.length} rows from DuckDB, ${b.length} from Korolev`);
    for (const m of missing.slice(0, 10)) console.error(`  only in DuckDB:  ${m}`);
    for (const m of extra.slice(0, 10)) console.error(`  only in Korolev: ${m}`);
    return false;
  }
  console.log(`${what}: ${a.length} rows equal`);
  return true;
}

function duckdbDialect(sql) {
  return sql
    .replace(/PARTITIONED\s+BY\s*\((?:[^()]|\([^()]*\))*\)/gi, '')
    .replace(/\)\s*WITH\s*\((?:[^()]|\([^()]*\))*\)/gi, ')');
}

async function rowsOf(conn, sql) {
  const r = await conn.runAndReadAll(sql);
  return { names: r.columnNames(), rows: r.getRowsJson() };
}

async function main() {
  const [mode, a, b, c] = process.argv.slice(2);
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  if (mode === 'compare' && c) {
    const setup = duckdbDialect(readFileSync(a, 'utf8'));
    for (const stmt of setup.split(';').map((s) => s.trim()).filter((s) => s))
      await conn.run(stmt);
    return compare(b, await rowsOf(conn, b), korolevRows(c)) ? 0 : 1;
  }
  if (mode === 'parquet' && b) {
    const want = korolevRows(b);
    const got = await rowsOf(conn, `SELECT * FROM read_parquet('${a.replace(/'/g, "''")}')`);
    return compare(`parquet ${a}`, got, want) ? 0 : 1;
  }
  console.error('usage: sql_engine_peer.mjs compare SETUP.sql QUERY ROWS.jsonl | parquet FILE ROWS.jsonl');
  return 2;
}

main().then((rc) => process.exit(rc), (e) => { console.error(e.message); process.exit(2); });
