// sql_pruning_gen.mjs - the data and the expected answers of
// tests/integration/sql_pruning.sh (issue 5, bar 3).
//
//   sql_pruning_gen.mjs gen OUT.parquet ROWS
//       writes ROWS rows sorted by id: id BIGINT 0.., d DATE (180 days from
//       2024-01-01, increasing with id: 6 months), cat VARCHAR, amount
//       DECIMAL(12,2), note VARCHAR (about 40 characters, for bytes)
//   sql_pruning_gen.mjs query FILE.parquet SQL
//       runs SQL (over a view `t` of the file) in DuckDB and prints the
//       first row as JSON: the answer Korolev must give
import { createRequire } from 'node:module';

const require = createRequire(new URL('../package.json', import.meta.url));
const { DuckDBInstance } = require('@duckdb/node-api');

const [mode, file, arg] = process.argv.slice(2);
const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
if (mode === 'gen') {
  const rows = Number(arg);
  const q = (s) => s.replaceAll("'", "''");
  await c.run(`COPY (SELECT range AS id,
      DATE '2024-01-01' + CAST(range * 180 // ${rows} AS INTEGER) AS d,
      'c' || (hash(range) % 7)::VARCHAR AS cat,
      CAST((hash(range * 3) % 100000) / 100.0 AS DECIMAL(12,2)) AS amount,
      md5(range::VARCHAR) || ' ' || (hash(range) % 1000)::VARCHAR AS note
    FROM range(${rows}) ORDER BY id) TO '${q(file)}' (FORMAT parquet)`);
} else if (mode === 'query') {
  await c.run(`CREATE VIEW t AS SELECT * FROM read_parquet('${file.replaceAll("'", "''")}')`);
  const r = await c.runAndReadAll(arg);
  console.log(JSON.stringify(r.getRowObjectsJson()[0]));
} else {
  console.error('usage: sql_pruning_gen.mjs gen OUT ROWS | query FILE SQL');
  process.exit(2);
}
