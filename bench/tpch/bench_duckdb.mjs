// bench_duckdb.mjs - the timing side of the TPC-H benchmark (bench/tpch/
// bench.sh; see bench/README.md): one query, DuckDB in a warm process or
// `korolev sql` as a new process per run, and the check that both results
// are equal.
//
//   bench_duckdb.mjs files BIN WAREHOUSE OUT.json
//       the local paths of the data files of every tpch.* table of the
//       warehouse (`korolev table files`), as {table: [path]}
//   bench_duckdb.mjs duckdb FILES.json QUERY.sql THREADS REPEATS
//       DuckDB with SET threads = THREADS over views tpch.<table> of those
//       files (the bytes Korolev reads), the query REPEATS times
//   bench_duckdb.mjs korolev BIN WAREHOUSE QUERY.sql THREADS REPEATS
//       `BIN --warehouse W --catalog sqlite:W/catalog.db sql --threads N
//       --format jsonl SQL` REPEATS times, each under /usr/bin/time for its
//       peak RSS; stops at the first failure or at a run longer than
//       $TPCH_TIMEOUT seconds (default 600): "error: ...", exit 1
//   bench_duckdb.mjs compare FILES.json QUERY.sql KOROLEV.jsonl
//       Korolev's result against DuckDB's, with the comparator of the
//       tests (tests/sql/compare.mjs): prints "same" or "DIFFERENT: ..."
//
// Output lines: "<side> tN run K: X ms, peak Y KiB" per run (bench.sh
// parses them).  DuckDB's time is that of runAndReadAll in a warm process
// (views created first, untimed), its peak the process's maxRSS after the
// runs, printed with the base it had before the first one (node and
// DuckDB, about 85 MiB).  Korolev's time is the whole process: start,
// catalog, planning, output.  $TPCH_RESULT names a file for the result
// rows of the last run (JSON lines).
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(new URL('../../tests/package.json', import.meta.url));
const { DuckDBInstance } = require('@duckdb/node-api');
const TABLES = ['region', 'nation', 'supplier', 'customer', 'part', 'partsupp', 'orders', 'lineitem'];
// Seconds one Korolev run may take ($TPCH_TIMEOUT, default 600).
const TIMEOUT_MS = 1000 * Number(process.env.TPCH_TIMEOUT ?? 600);

const lit = (s) => `'${String(s).replaceAll("'", "''")}'`;
// The query text of a bench/tpch/queries file, without its comments and ';'.
const querySql = (file) => readFileSync(file, 'utf8').split('\n').filter((l) => !/^\s*--/.test(l)).join('\n').trim().replace(/;$/, '');

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const whArgs = (wh) => ['--warehouse', wh, '--catalog', `sqlite:${wh}/catalog.db`];

function files(bin, wh, out) {
  const map = {};
  for (const t of TABLES) {
    const text = execFileSync(bin, [...whArgs(wh), 'table', 'files', `tpch.${t}`], { encoding: 'utf8' });
    const list = JSON.parse(text.replace(/([:[,]\s*)(-?\d{16,})(?=\s*[,}\]])/g, '$1"$2"'));
    map[t] = list.filter((f) => (f.content ?? 'data') === 'data').map((f) => f['file-path'].replace(/^file:\/\//, ''));
  }
  writeFileSync(out, `${JSON.stringify(map, null, 1)}\n`);
}

async function duckConnect(filesJson, threads) {
  const map = JSON.parse(readFileSync(filesJson, 'utf8'));
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  await c.run(`SET threads = ${Number(threads)}`);
  await c.run('CREATE SCHEMA tpch');
  for (const t of TABLES)
    await c.run(`CREATE VIEW tpch.${t} AS SELECT * FROM read_parquet([${map[t].map(lit).join(', ')}], hive_partitioning = false)`);
  return c;
}

async function duckdb(filesJson, file, threads, repeats) {
  const c = await duckConnect(filesJson, threads);
  const sql = querySql(file);
  const base = process.resourceUsage().maxRSS;
  const times = [];
  for (let k = 1; k <= repeats; k++) {
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    await c.runAndReadAll(sql);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const c1 = process.cpuUsage(c0);
    const cpu = (c1.user + c1.system) / 1000;
    times.push(ms);
    console.log(`duckdb t${threads} run ${k}: ${ms.toFixed(1)} ms, cpu ${cpu.toFixed(1)} ms, peak ${process.resourceUsage().maxRSS} KiB, base ${base} KiB`);
  }
  console.log(`duckdb t${threads} median ${median(times).toFixed(1)} ms`);
}

// One `korolev sql` process, killed after TIMEOUT_MS (the query then
// counts as an error).
function runOnce(bin, wh, sql, threads) {
  const args = ['-f', 'cpu %U %S peak %M', bin, ...whArgs(wh), 'sql', '--threads', String(threads), '--format', 'jsonl', sql];
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const child = spawn('/usr/bin/time', args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const out = [];
    const err = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL'); /* /usr/bin/time and korolev: their own process group */
      } catch {
        /* already gone */
      }
    }, TIMEOUT_MS);
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    child.on('close', (code) => {
      clearTimeout(timer);
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      const e = Buffer.concat(err).toString();
      const peak = Number((/peak (\d+)\s*$/.exec(e) ?? [0, 0])[1]);
      const cm = /cpu ([0-9.]+) ([0-9.]+) peak \d+\s*$/.exec(e);
      const cpu = cm ? (Number(cm[1]) + Number(cm[2])) * 1000 : 0;
      const stderr = timedOut ? `timed out after ${TIMEOUT_MS / 1000} s (TPCH_TIMEOUT)` :
        e.replace(/(Command exited with non-zero status \d+\s*)?cpu [0-9.]+ [0-9.]+ peak \d+\s*$/, '').trim();
      resolve({ code: timedOut ? 124 : code, ms, cpu, peak, stdout: Buffer.concat(out).toString(), stderr });
    });
  });
}

async function korolev(bin, wh, file, threads, repeats) {
  const sql = querySql(file);
  const times = [];
  for (let k = 1; k <= repeats; k++) {
    const r = await runOnce(bin, wh, sql, threads);
    if (r.code !== 0) {
      console.log(`korolev t${threads} error: ${(r.stderr.split('\n')[0] || `exit status ${r.code}`).slice(0, 200)}`);
      return 1;
    }
    times.push(r.ms);
    if (process.env.TPCH_RESULT) writeFileSync(process.env.TPCH_RESULT, r.stdout);
    console.log(`korolev t${threads} run ${k}: ${r.ms.toFixed(1)} ms, cpu ${r.cpu.toFixed(1)} ms, peak ${r.peak} KiB`);
  }
  console.log(`korolev t${threads} median ${median(times).toFixed(1)} ms`);
  return 0;
}

async function compare(filesJson, file, koFile) {
  const { canonDuck, compareResults, parseKorolev } = await import('../../tests/sql/compare.mjs');
  const c = await duckConnect(filesJson, 2);
  const sql = querySql(file);
  const r = await c.runAndReadAll(sql);
  const types = r.columnTypes();
  const ref = { names: r.columnNames(), types, rows: r.getRowsJson().map((row) => row.map((v, k) => canonDuck(v, types[k]))) };
  let d;
  try {
    d = compareResults(sql, ref, parseKorolev(readFileSync(koFile, 'utf8'), types));
  } catch (e) {
    d = `cannot read Korolev's output: ${e.message}`;
  }
  console.log(d === null ? 'same' : `DIFFERENT: ${d}`.slice(0, 300));
  return d === null ? 0 : 1;
}

const [mode, ...a] = process.argv.slice(2);
let code = 0;
if (mode === 'files' && a.length === 3) files(a[0], a[1], a[2]);
else if (mode === 'duckdb' && a.length === 4) await duckdb(a[0], a[1], Number(a[2]), Number(a[3]));
else if (mode === 'korolev' && a.length === 5) code = await korolev(a[0], a[1], a[2], Number(a[3]), Number(a[4]));
else if (mode === 'compare' && a.length === 3) code = await compare(a[0], a[1], a[2]);
else {
  console.error('usage: bench_duckdb.mjs files BIN WH OUT.json | duckdb FILES.json Q.sql THREADS REPEATS |' +
    ' korolev BIN WH Q.sql THREADS REPEATS | compare FILES.json Q.sql KO.jsonl');
  code = 2;
}
process.exit(code);
