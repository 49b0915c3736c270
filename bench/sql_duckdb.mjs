// sql_duckdb.mjs - the query side of the SQL benchmark (bench/sql_bench;
// see bench/README.md): TPC-H Q1 and Q6 and five single-table queries over
// a 6M-row lineitem-shaped table, timed in DuckDB and in `korolev sql`.
//
//   sql_duckdb.mjs list
//       prints "NAME<TAB>SQL" per query (the table is bench.lineitem)
//   sql_duckdb.mjs duckdb FILES.txt NAME THREADS REPEATS
//       DuckDB over the Parquet files listed in FILES.txt (one path a line:
//       the data files of the Korolev table, so both sides read the same
//       bytes), SET threads = THREADS, runs query NAME REPEATS times
//   sql_duckdb.mjs korolev BIN WAREHOUSE NAME THREADS REPEATS
//       runs `BIN --warehouse W sql --threads THREADS --format jsonl SQL`
//       REPEATS times, each a new process that reports its peak RSS and
//       CPU time at exit (KO_RUSAGE_FILE; SQL_BENCH_TIME=1: /usr/bin/time)
//   sql_duckdb.mjs compare A.jsonl B.jsonl
//       the two results equal (numbers within 1e-9 relative)?
//
// Output lines: "<side> NAME tN run K: X ms, cpu C ms, peak Y KiB" per run (bench/
// sql_bench parses them); the result rows (JSON lines) go to the file
// named by $SQL_BENCH_RESULT, if set.  For
// DuckDB the time is that of runAndReadAll in a warm process (the view is
// created first, untimed) and the peak is the process's maxRSS after the
// runs, printed with the baseline it had before the first one.  For
// Korolev the time is the whole process: start, catalog, planning, output.
// The CPU time (user + system, all threads) is process.cpuUsage() across
// the query for DuckDB and /usr/bin/time's %U + %S for Korolev's process.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(new URL('../tests/package.json', import.meta.url));

const QUERIES = [
  ['q1', `SELECT l_returnflag, l_linestatus, sum(l_quantity) AS sum_qty, sum(l_extendedprice) AS sum_base_price,
  sum(l_extendedprice * (1 - l_discount)) AS sum_disc_price,
  sum(l_extendedprice * (1 - l_discount) * (1 + l_tax)) AS sum_charge, avg(l_quantity) AS avg_qty,
  avg(l_extendedprice) AS avg_price, avg(l_discount) AS avg_disc, count(*) AS count_order
FROM bench.lineitem WHERE l_shipdate <= DATE '1998-12-01' - INTERVAL 90 DAY
GROUP BY l_returnflag, l_linestatus ORDER BY l_returnflag, l_linestatus`],
  ['q6', `SELECT sum(l_extendedprice * l_discount) AS revenue FROM bench.lineitem
WHERE l_shipdate >= DATE '1994-01-01' AND l_shipdate < DATE '1995-01-01'
  AND l_discount BETWEEN 0.05 AND 0.07 AND l_quantity < 24`],
  ['count_filter', `SELECT count(*) AS n FROM bench.lineitem
WHERE l_shipmode = 'AIR' AND l_quantity > 45 AND l_receiptdate > DATE '1998-01-01'`],
  ['group_topn', `SELECT l_orderkey, sum(l_extendedprice * (1 - l_discount)) AS revenue, count(*) AS lines
FROM bench.lineitem GROUP BY l_orderkey ORDER BY revenue DESC, l_orderkey LIMIT 10`],
  ['count_distinct', `SELECT count(DISTINCT l_partkey) AS parts, count(DISTINCT l_suppkey) AS suppliers FROM bench.lineitem`],
  ['like', `SELECT l_shipmode, count(*) AS n FROM bench.lineitem WHERE l_comment LIKE '%furious%sly%' GROUP BY l_shipmode ORDER BY l_shipmode`],
  ['monthly', `SELECT date_trunc('month', l_shipdate) AS month, min(l_extendedprice) AS lo, max(l_extendedprice) AS hi,
  avg(l_discount) AS avg_disc, count(*) AS n FROM bench.lineitem GROUP BY 1 ORDER BY 1`],
];

const query = (name) => {
  const q = QUERIES.find(([n]) => n === name);
  if (!q) throw new Error(`unknown query ${name}`);
  return q[1];
};
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function duckdb(filesTxt, name, threads, repeats) {
  const { DuckDBInstance } = require('@duckdb/node-api');
  const files = readFileSync(filesTxt, 'utf8').split('\n').filter(Boolean);
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  await c.run(`SET threads = ${Number(threads)}`);
  await c.run(`SET TimeZone = 'UTC'`);
  await c.run('CREATE SCHEMA bench');
  await c.run(`CREATE VIEW bench.lineitem AS SELECT * FROM read_parquet([${files.map((f) => `'${f.replaceAll("'", "''")}'`).join(', ')}], hive_partitioning = false)`);
  const base = process.resourceUsage().maxRSS;
  const times = [];
  let rows;
  for (let k = 1; k <= repeats; k++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const r = await c.runAndReadAll(query(name));
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const cu = process.cpuUsage(c0);
    const cpu = (cu.user + cu.system) / 1e3;
    rows = r.getRowObjectsJson();
    times.push(ms);
    console.log(`duckdb ${name} t${threads} run ${k}: ${ms.toFixed(1)} ms, cpu ${cpu.toFixed(1)} ms, peak ${process.resourceUsage().maxRSS} KiB, base ${base} KiB`);
  }
  console.log(`duckdb ${name} t${threads} median ${median(times).toFixed(1)} ms`);
  if (process.env.SQL_BENCH_RESULT) writeFileSync(process.env.SQL_BENCH_RESULT, rows.map((x) => `${JSON.stringify(x)}\n`).join(''));
}

// Korolev is spawned directly and reports its own peak RSS and CPU time
// at exit (KO_RUSAGE_FILE, written by main.c from getrusage); with
// SQL_BENCH_TIME=1 it runs under /usr/bin/time as before (an extra fork
// and exec inside the timed span).
function runOnce(bin, wh, name, threads) {
  const kargs = ['--warehouse', wh, 'sql', '--threads', String(threads), '--format', 'jsonl', query(name)];
  const wrap = process.env.SQL_BENCH_TIME === '1';
  const ru = join(tmpdir(), `ko-sql-bench-${process.pid}.rusage`);
  rmSync(ru, { force: true });
  const [cmd, args] = wrap ? ['/usr/bin/time', ['-f', 'peak %M cpu %U %S', bin, ...kargs]] : [bin, kargs];
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: wrap ? process.env : { ...process.env, KO_RUSAGE_FILE: ru } });
    const out = [];
    const err = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      const e = Buffer.concat(err).toString();
      let peak = 0;
      let cpu = 0;
      if (wrap) {
        peak = Number((/peak (\d+)/.exec(e) ?? [0, 0])[1]);
        const cm = /cpu ([0-9.]+) ([0-9.]+)\s*$/.exec(e);
        cpu = cm ? (Number(cm[1]) + Number(cm[2])) * 1000 : 0;
      } else if (existsSync(ru)) {
        const m = /peak (\d+) cpu ([0-9.]+)/.exec(readFileSync(ru, 'utf8')) ?? [0, 0, 0];
        peak = Number(m[1]);
        cpu = Number(m[2]);
      }
      resolve({ code, ms, peak, cpu, stdout: Buffer.concat(out).toString(), stderr: e.replace(/peak \d+ cpu \S+ \S+\s*$/, '').trim() });
    });
  });
}

async function korolev(bin, wh, name, threads, repeats) {
  const times = [];
  let result = '';
  for (let k = 1; k <= repeats; k++) {
    const r = await runOnce(bin, wh, name, threads);
    if (r.code !== 0) {
      console.log(`korolev ${name} t${threads} error: ${r.stderr.split('\n')[0]}`);
      process.exit(1);
    }
    times.push(r.ms);
    result = r.stdout.trim();
    console.log(`korolev ${name} t${threads} run ${k}: ${r.ms.toFixed(1)} ms, cpu ${r.cpu.toFixed(1)} ms, peak ${r.peak} KiB`);
  }
  console.log(`korolev ${name} t${threads} median ${median(times).toFixed(1)} ms`);
  if (process.env.SQL_BENCH_RESULT) writeFileSync(process.env.SQL_BENCH_RESULT, `${result}\n`);
}

// Equal results: same rows in the same order, numbers within 1e-9.
function compare(a, b) {
  const rows = (f) => readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => Object.values(JSON.parse(l)));
  const ra = rows(a);
  const rb = rows(b);
  const num = (v) => (typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : null);
  const same = (x, y) => {
    const nx = num(x);
    const ny = num(y);
    if (nx !== null && ny !== null) return Math.abs(nx - ny) <= 1e-9 * Math.max(1, Math.abs(nx), Math.abs(ny));
    return JSON.stringify(x) === JSON.stringify(y);
  };
  const ok = ra.length === rb.length && ra.every((r, k) => r.length === rb[k].length && r.every((v, n) => same(v, rb[k][n])));
  console.log(ok ? 'same' : `DIFFERENT: ${JSON.stringify(ra.slice(0, 3))} vs ${JSON.stringify(rb.slice(0, 3))}`);
  process.exit(ok ? 0 : 1);
}

const [mode, ...rest] = process.argv.slice(2);
if (mode === 'list') for (const [n, q] of QUERIES) console.log(`${n}\t${q.replace(/\s+/g, ' ')}`);
else if (mode === 'duckdb' && rest.length === 4) await duckdb(rest[0], rest[1], Number(rest[2]), Number(rest[3]));
else if (mode === 'korolev' && rest.length === 5) await korolev(rest[0], rest[1], rest[2], Number(rest[3]), Number(rest[4]));
else if (mode === 'compare' && rest.length === 2) compare(rest[0], rest[1]);
else if (mode === 'write-files' && rest.length === 2) {
  // write-files FILES.json OUT.txt: the local paths of `korolev table files`.
  const j = JSON.parse(readFileSync(rest[0], 'utf8').replace(/([:[,]\s*)(-?\d{16,})(?=\s*[,}\]])/g, '$1"$2"'));
  writeFileSync(rest[1], `${j.filter((f) => f.content === 'data').map((f) => f['file-path'].replace(/^file:\/\//, '')).join('\n')}\n`);
} else {
  console.error('usage: sql_duckdb.mjs list | duckdb FILES.txt NAME THREADS REPEATS | korolev BIN WH NAME THREADS REPEATS | compare A B | write-files FILES.json OUT.txt');
  process.exit(2);
}
