// bench_ingest_duckdb.mjs FILE OUT.parquet THREADS REPEATS
//
// The DuckDB side of bench/run's ingest section: times
//   COPY (SELECT * FROM read_json|read_csv('FILE')) TO 'OUT' (FORMAT parquet, COMPRESSION zstd)
// (types detected by DuckDB) with `threads` set, REPEATS times, printing
// "duckdb ingest run N: X ms" lines and the median.
import { createRequire } from 'node:module';
import { statSync } from 'node:fs';

const require = createRequire(new URL('../tests/package.json', import.meta.url));
const { DuckDBInstance } = require('@duckdb/node-api');

const [file, out, threads, repeats] = process.argv.slice(2);
if (!file || !out || !(Number(threads) > 0) || !(Number(repeats) > 0)) {
  console.error('usage: bench_ingest_duckdb.mjs FILE OUT.parquet THREADS REPEATS');
  process.exit(2);
}
const reader = file.endsWith('.csv') ? 'read_csv' : 'read_json';
const db = await DuckDBInstance.create(':memory:', { threads: String(threads) });
const con = await db.connect();
const q = (s) => s.replaceAll("'", "''");
const times = [];
for (let i = 1; i <= Number(repeats); i++) {
  const t0 = process.hrtime.bigint();
  await con.run(`COPY (SELECT * FROM ${reader}('${q(file)}')) TO '${q(out)}' (FORMAT parquet, COMPRESSION zstd)`);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  times.push(ms);
  console.log(`duckdb ingest run ${i}: ${ms.toFixed(1)} ms, ${statSync(out).size} bytes`);
}
times.sort((a, b) => a - b);
console.log(`duckdb ingest median ${times[Math.floor(times.length / 2)].toFixed(1)} ms`);
