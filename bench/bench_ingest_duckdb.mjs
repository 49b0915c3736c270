// bench_ingest_duckdb.mjs FILE OUT.parquet THREADS REPEATS
//
// The DuckDB side of bench/run's ingest section: times
//   COPY (SELECT * FROM read_json|read_csv('FILE')) TO 'OUT' (FORMAT parquet, COMPRESSION zstd)
// (types detected by DuckDB) with `threads` set, REPEATS times, printing
// "duckdb ingest run N: X ms, B bytes, C ms cpu" lines (C: the process's
// user + system CPU time during the run, all threads) and the medians.
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
const cpus = [];
for (let i = 1; i <= Number(repeats); i++) {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await con.run(`COPY (SELECT * FROM ${reader}('${q(file)}')) TO '${q(out)}' (FORMAT parquet, COMPRESSION zstd)`);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const c = process.cpuUsage(c0);
  const cpu = (c.user + c.system) / 1000;
  times.push(ms);
  cpus.push(cpu);
  console.log(`duckdb ingest run ${i}: ${ms.toFixed(1)} ms, ${statSync(out).size} bytes, ${cpu.toFixed(1)} ms cpu`);
}
const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
console.log(`duckdb ingest median ${median(times).toFixed(1)} ms, ${median(cpus).toFixed(1)} ms cpu`);
