// sql_exec_features.mjs - data and DuckDB's answers for
// tests/integration/sql_exec_features.sh (issue 5: dictionary-aware
// string filters, parallel count(DISTINCT) on strings, first error wins
// across workers).
//
//   sql_exec_features.mjs gen OUT.parquet ROWS
//       ROWS rows by id: id BIGINT 0.., mode VARCHAR (7 shipping modes,
//       NULL every 97th row: a small dictionary), grp VARCHAR (13 values),
//       name VARCHAR (about ROWS / 3 distinct values), qty INTEGER,
//       amount DECIMAL(15,2), num VARCHAR (the id as text, except 'bad-first'
//       at row ROWS / 2 and 'bad-<id>' at every 1000th row after it: the
//       first failing cast of a serial scan is 'bad-first')
//   sql_exec_features.mjs query FILE.parquet SQL
//       runs SQL over a view `t` of the file and prints the rows as JSON
//       lines (values as Korolev's jsonl output gives them)
//   sql_exec_features.mjs same A B
//       exits 0 when the JSON lines A and B (strings) hold the same rows in
//       the same order (numbers within 1e-9 relative), else prints both
import { createRequire } from 'node:module';

const require = createRequire(new URL('../package.json', import.meta.url));

const [mode, a1, a2] = process.argv.slice(2);
const lit = (s) => s.replaceAll("'", "''");
const rows = (s) => s.split('\n').filter(Boolean).map((l) => Object.values(JSON.parse(l)));
const num = (v) => (typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : null);
const same1 = (x, y) => {
  const nx = num(x);
  const ny = num(y);
  if (nx !== null && ny !== null) return Math.abs(nx - ny) <= 1e-9 * Math.max(1, Math.abs(nx), Math.abs(ny));
  return JSON.stringify(x) === JSON.stringify(y);
};

if (mode === 'same') {
  const ra = rows(a1);
  const rb = rows(a2);
  const ok = ra.length === rb.length && ra.every((r, k) => r.length === rb[k].length && r.every((v, n) => same1(v, rb[k][n])));
  if (!ok) console.log(`korolev: ${JSON.stringify(ra.slice(0, 5))} (${ra.length} rows)\nduckdb:  ${JSON.stringify(rb.slice(0, 5))} (${rb.length} rows)`);
  process.exit(ok ? 0 : 1);
}
const { DuckDBInstance } = require('@duckdb/node-api');
const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
if (mode === 'gen') {
  const n = Number(a2);
  const first = Math.floor(n / 2);
  await c.run(`COPY (SELECT range AS id,
      CASE WHEN range % 97 = 5 THEN NULL
           ELSE ['AIR', 'MAIL', 'SHIP', 'TRUCK', 'RAIL', 'FOB', 'REG AIR'][1 + (hash(range) % 7)::BIGINT] END AS mode,
      'g' || (range % 13)::VARCHAR AS grp,
      'n' || (hash(range * 7) % ${Math.max(1, Math.floor(n / 3))})::VARCHAR AS name,
      (hash(range * 3) % 50)::INTEGER AS qty,
      CAST((hash(range * 5) % 100000) / 100.0 AS DECIMAL(15,2)) AS amount,
      CASE WHEN range = ${first} THEN 'bad-first'
           WHEN range > ${first} AND range % 1000 = 0 THEN 'bad-' || range::VARCHAR
           ELSE range::VARCHAR END AS num
    FROM range(${n}) ORDER BY id) TO '${lit(a1)}' (FORMAT parquet)`);
} else if (mode === 'query') {
  await c.run(`SET TimeZone = 'UTC'`);
  await c.run(`CREATE VIEW t AS SELECT * FROM read_parquet('${lit(a1)}')`);
  const r = await c.runAndReadAll(a2);
  for (const o of r.getRowObjectsJson()) console.log(JSON.stringify(o));
} else {
  console.error('usage: sql_exec_features.mjs gen OUT ROWS | query FILE SQL | same A B');
  process.exit(2);
}
