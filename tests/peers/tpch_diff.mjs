// tpch_diff.mjs - the TPC-H test (issue 6, bar 1): the 22 queries of
// bench/tpch/queries/ run on Korolev (`korolev sql --format jsonl` over the
// eight tables loaded into a throwaway warehouse) and on DuckDB (views of
// the same Parquet files, with the same names tpch.*), and every result
// must be equal.
//
//   node tests/peers/tpch_diff.mjs --data DIR [--sf SF] [--korolev BIN]
//        [--self-check] [--only REGEX] [--jobs N] [--xfail FILE] [--keep DIR]
//
//   --data DIR      where the generated tables are cached (bench/tpch/gen.mjs
//                   reuses them while its version and SF match)
//   --sf SF         scale factor (default 0.1)
//   --korolev BIN   the binary (default $KOROLEV)
//   --self-check    the "Korolev" side is a second DuckDB (threads=1, tables
//                   materialised, results printed the way `korolev sql`
//                   prints them and parsed back); the xfail list does not
//                   apply, so all 22 must pass.  It also checks the data
//                   (row counts per table, every query's result non-empty
//                   with no NULL in its first row) and that the comparator
//                   tells a result from a broken copy of it (a row dropped,
//                   a number changed, the order reversed).
//   --only REGEX    only the queries whose name (q01..q22) matches
//   --jobs N        Korolev processes at a time (default 2)
//   --xfail FILE    expected failures (default bench/tpch/xfail.txt)
//   --keep DIR      load the warehouse into DIR and keep it
//
// The comparison is tests/sql/compare.mjs's, as in the differential test
// (tests/peers/sql_diff.mjs): in order under ORDER BY with ties compared as
// multisets, floats within 1e-9 relative, decimals and integers exact,
// column names where DuckDB's is an identifier.  A query that Korolev
// cannot run (an error, a crash, a timeout: env TPCH_TIMEOUT_MS, default
// 30000) fails with the engine's message.  A query listed in the xfail
// file ("qNN reason") that fails prints XFAIL; one that passes prints
// "XPASS: remove qNN from xfail.txt" and fails the test.
//
// Exit status: 0 when every query passed or is an expected failure, 1
// otherwise, 2 on a usage or setup error, 77 (skip) when `korolev sql`
// does not exist.
import { DuckDBInstance } from '@duckdb/node-api';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate, TABLES, warehouseTables } from '../../bench/tpch/gen.mjs';
import { canonDuck, compareResults, csvHeader, korolevJson, parseKorolev, show } from '../sql/compare.mjs';
import { loadXfail, splitStatements } from '../sql/corpus.mjs';
import { loadWarehouse, pool, runSql, sqlMissing } from '../sql/korolev.mjs';

const TPCH_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'tpch');
const TIMEOUT_MS = Number(process.env.TPCH_TIMEOUT_MS ?? 30000);

// Rows per table at scale factor sf (lineitem: 1..7 lines per order, so
// about 4 per order; checked within 2%).
const EXPECTED_ROWS = (sf) => ({ region: 5, nation: 25, supplier: sf * 10000, customer: sf * 150000,
  part: sf * 200000, partsupp: sf * 800000, orders: sf * 1500000, lineitem: sf * 6000000 });

function parseArgs(argv) {
  const o = { korolev: process.env.KOROLEV, data: null, sf: 0.1, selfCheck: false, only: null, jobs: 2,
    xfail: join(TPCH_DIR, 'xfail.txt'), keep: null };
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k];
    const val = () => {
      if (k + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++k];
    };
    if (a === '--korolev') o.korolev = val();
    else if (a === '--data') o.data = val();
    else if (a === '--sf') o.sf = Number(val());
    else if (a === '--self-check') o.selfCheck = true;
    else if (a === '--only') o.only = new RegExp(val());
    else if (a === '--jobs') o.jobs = Number(val());
    else if (a === '--xfail') o.xfail = val();
    else if (a === '--keep') o.keep = val();
    else usage(`unknown argument ${a}`);
  }
  if (!o.data) usage('no --data DIR');
  if (!(o.sf > 0)) usage('--sf must be a positive number');
  if (!o.selfCheck && !o.korolev) usage('no korolev binary (--korolev or $KOROLEV)');
  return o;
}

function usage(msg) {
  console.error(`tpch_diff: ${msg}\nusage: tpch_diff.mjs --data DIR [--sf SF] [--korolev BIN] [--self-check] ` +
    '[--only REGEX] [--jobs N] [--xfail FILE] [--keep DIR]');
  process.exit(2);
}

// [{name: 'q01', sql}] from bench/tpch/queries/qNN.sql (one statement each).
export function loadTpchQueries(dir = join(TPCH_DIR, 'queries')) {
  return readdirSync(dir).filter((f) => /^q\d\d\.sql$/.test(f)).sort().map((f) => {
    const stmts = splitStatements(readFileSync(join(dir, f), 'utf8'));
    if (stmts.length !== 1) throw new Error(`${f}: ${stmts.length} statements, want 1`);
    return { name: f.replace(/\.sql$/, ''), sql: stmts[0].sql };
  });
}

// ------------------------------------------------------------ DuckDB

const lit = (s) => `'${String(s).replaceAll("'", "''")}'`;

async function duckWith(manifest, threads, materialise) {
  const db = await DuckDBInstance.create(':memory:', { threads: String(threads) });
  const c = await db.connect();
  await c.run('CREATE SCHEMA tpch');
  for (const t of TABLES)
    await c.run(`CREATE ${materialise ? 'TABLE' : 'VIEW'} tpch.${t} AS SELECT * FROM read_parquet([${manifest.files[t].map(lit).join(', ')}])`);
  return c;
}

async function runDuck(con, sql) {
  try {
    const r = await con.runAndReadAll(sql);
    const types = r.columnTypes();
    return { names: r.columnNames(), types, rows: r.getRowsJson().map((row) => row.map((v, k) => canonDuck(v, types[k]))) };
  } catch (e) {
    return { error: String(e.message).split('\n')[0] };
  }
}

// A stand-in for `korolev sql`: DuckDB printing JSON lines the way Korolev
// is specified to (tests/sql/compare.mjs's korolevJson).
function selfCheckRunner(con) {
  return async (sql, format) => {
    const t0 = performance.now();
    try {
      const r = await con.runAndReadAll(sql);
      const names = r.columnNames();
      const types = r.columnTypes();
      if (format === 'csv') return { code: 0, stdout: `${names.join(',')}\n`, stderr: '', ms: performance.now() - t0 };
      const lines = r.getRowsJson().map((row) => `{${row.map((v, k) => `${JSON.stringify(names[k])}:${korolevJson(v, types[k])}`).join(',')}}\n`);
      return { code: 0, stdout: lines.join(''), stderr: '', ms: performance.now() - t0 };
    } catch (e) {
      return { code: 1, stdout: '', stderr: `Error: ${String(e.message).split('\n')[0]}\n`, ms: performance.now() - t0 };
    }
  };
}

// ------------------------------------------------------------ one query

// Why Korolev's run failed, or null.  A message that the parser would
// give ("expected X, found Y") is marked as a parse error.
function koFailure(r) {
  if (r.timedOut) return `timed out after ${TIMEOUT_MS} ms`;
  if (r.signal) return `killed by signal ${r.signal}`;
  if (r.code === 0) return null;
  const msg = (r.stderr || '').trim().split('\n')[0] || `exit status ${r.code} with nothing on stderr`;
  const kind = /\bexpected\b.*\bfound\b/.test(msg) ? 'parse error' : r.code === 1 ? 'engine error' : `exit status ${r.code}`;
  return `${kind}: ${msg}`;
}

async function check(q, ref, runKo) {
  if (ref.error) return { fail: `DuckDB cannot run it: ${ref.error}` };
  const r = await runKo(q.sql, 'jsonl');
  const why = koFailure(r);
  if (why) return { fail: `Korolev ${why}`, ms: r.ms };
  let ko;
  try {
    ko = parseKorolev(r.stdout, ref.types);
  } catch (x) {
    return { fail: `cannot read Korolev's output: ${x.message}`, ko: r.stdout.slice(0, 300), ms: r.ms };
  }
  if (!ko.names) {
    const hdr = await runKo(q.sql, 'csv');
    ko.names = hdr.code === 0 && hdr.stdout.trim() ? csvHeader(hdr.stdout.split('\n')[0]) : null;
  }
  const d = compareResults(q.sql, ref, ko);
  return d ? { fail: d, duck: show(ref.rows.slice(0, 3)), ko: show(ko.rows.slice(0, 3)), ms: r.ms } : { pass: true, ms: r.ms };
}

// ------------------------------------------------------------ self-check

// The data: row counts, and results that are not trivially empty.
function dataProblems(manifest, sf, queries, refs) {
  const bad = [];
  const want = EXPECTED_ROWS(sf);
  for (const t of TABLES) {
    const n = manifest.rows[t];
    const w = want[t];
    const ok = t === 'lineitem' ? Math.abs(n - w) <= 0.02 * w : n === Math.max(1, Math.round(w));
    if (!ok) bad.push(`data: ${t} has ${n} rows, want ${t === 'lineitem' ? 'about ' : ''}${Math.round(w)}`);
  }
  queries.forEach((q, k) => {
    const r = refs[k];
    if (r.error) return;
    if (!r.rows.length) bad.push(`data: ${q.name} returns no row`);
    else if (r.rows[0].some((v) => v === null)) bad.push(`data: ${q.name}'s first row has a NULL: ${show(r.rows[0])}`);
  });
  return bad;
}

// A copy of canonical rows with the first integer or decimal changed.
function bumpNumber(rows) {
  const out = rows.map((r) => [...r]);
  for (const r of out) {
    const c = r.findIndex((v) => v && typeof v === 'object' && ('D' in v || 'I' in v));
    if (c >= 0) {
      r[c] = 'D' in r[c] ? { D: `${r[c].D}1` } : { I: String(BigInt(r[c].I) + 1n) };
      return out;
    }
  }
  return null;
}

// The comparator must see that broken copies of each result differ.
function comparatorProblems(queries, refs) {
  const bad = [];
  queries.forEach((q, k) => {
    const ref = refs[k];
    if (ref.error || !ref.rows.length) return;
    const cases = [['a row dropped', ref.rows.slice(0, -1)], ['a number changed', bumpNumber(ref.rows)]];
    const rev = [...ref.rows].reverse();
    if (/\border\s+by\b/i.test(q.sql) && ref.rows.length > 1 && compareResults(q.sql, ref, { names: ref.names, rows: rev }) === null &&
        !ref.rows.every((r) => show(r) === show(ref.rows[0])))
      bad.push(`comparator: ${q.name} with its rows reversed compares equal`);
    for (const [what, rows] of cases) {
      if (rows && compareResults(q.sql, ref, { names: ref.names, rows }) === null) bad.push(`comparator: ${q.name} with ${what} compares equal`);
    }
    if (compareResults(q.sql, ref, { names: ref.names, rows: ref.rows }) !== null) bad.push(`comparator: ${q.name} differs from itself`);
  });
  return bad;
}

// ------------------------------------------------------------ main

const oneLine = (s, n = 300) => {
  const t = String(s ?? '').replace(/\s+/g, ' ').trim();
  return t.length > n ? `${t.slice(0, n)}...` : t;
};

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const base = o.keep ?? mkdtempSync(join(tmpdir(), 'tpch-diff-'));
  mkdirSync(base, { recursive: true });
  try {
    if (!o.selfCheck) {
      const why = await sqlMissing(o.korolev, join(base, 'probe'));
      if (why) {
        console.log(`SKIP: ${why}`);
        return 77;
      }
    }
    const manifest = await generate(o.data, o.sf, { log: (s) => console.log(s) });
    console.log(`tpch: SF ${o.sf} data in ${o.data}, generated in ${manifest.seconds} s (${Object.entries(manifest.rows).map(([t, n]) => `${t} ${n}`).join(', ')})`);
    let queries = loadTpchQueries();
    if (queries.length !== 22) throw new Error(`bench/tpch/queries holds ${queries.length} queries, want 22`);
    if (o.only) queries = queries.filter((q) => o.only.test(q.name));
    const xfail = o.selfCheck ? new Map() : loadXfail(o.xfail);
    const stale = [...xfail.keys()].filter((id) => !/^q(0[1-9]|1\d|2[0-2])$/.test(id));

    let runKo;
    if (o.selfCheck) {
      runKo = selfCheckRunner(await duckWith(manifest, 1, true));
    } else {
      const wh = join(base, 'wh');
      rmSync(wh, { recursive: true, force: true });
      const t0 = performance.now();
      loadWarehouse(o.korolev, wh, '/', warehouseTables(manifest));
      console.log(`tpch: loaded the 8 tables into ${wh} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      runKo = (sql, format) => runSql(o.korolev, wh, sql, { format, timeoutMs: TIMEOUT_MS });
    }
    const ref = await duckWith(manifest, 2, false);
    const refs = [];
    for (const q of queries) refs.push(await runDuck(ref, q.sql));
    const extra = o.selfCheck ? [...dataProblems(manifest, o.sf, queries, refs), ...comparatorProblems(queries, refs)] : [];
    for (const b of extra) console.log(`FAIL ${b}`);
    for (const id of stale) console.log(`FAIL xfail.txt names ${id}, which is no TPC-H query (q01..q22)`);

    const results = new Array(queries.length);
    const t0 = performance.now();
    await pool(queries, o.selfCheck ? 1 : o.jobs, async (q, k) => {
      try {
        results[k] = await check(q, refs[k], runKo);
      } catch (x) {
        results[k] = { fail: `harness error: ${x.stack}` };
      }
    });

    const count = { pass: 0, fail: 0, xfail: 0, xpass: 0 };
    queries.forEach((q, k) => {
      const r = results[k];
      const why = xfail.get(q.name);
      const ms = r.ms === undefined ? '' : ` (${Math.round(r.ms)} ms)`;
      if (r.pass && why) {
        count.xpass++;
        console.log(`FAIL ${q.name} XPASS: remove ${q.name} from xfail.txt (it passes now; listed as: ${why})`);
      } else if (r.pass) {
        count.pass++;
        console.log(`PASS ${q.name}: ${refs[k].rows.length} rows equal to DuckDB's${ms}`);
      } else if (why) {
        count.xfail++;
        console.log(`XFAIL ${q.name} (${why}): ${oneLine(r.fail, 200)}`);
      } else {
        count.fail++;
        console.log(`FAIL ${q.name}: ${oneLine(r.fail, 400)}${ms}` +
          (r.duck !== undefined ? ` | duckdb: ${oneLine(r.duck)} | korolev: ${oneLine(r.ko)}` : ''));
      }
    });
    console.log(`tpch${o.selfCheck ? ' (self-check: DuckDB against DuckDB)' : ''}: ${queries.length} queries at SF ${o.sf}: ` +
      `${count.pass} passed, ${count.fail} failed, ${count.xfail} xfail, ${count.xpass} xpass, in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    if (o.selfCheck) console.log(`tpch self-check: data and comparator checks: ${extra.length} problems`);
    return count.fail || count.xpass || extra.length || stale.length ? 1 : 0;
  } finally {
    if (!o.keep) rmSync(base, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().then((code) => process.exit(code), (e) => {
    console.error(`tpch_diff: ${e.stack}`);
    process.exit(2);
  });
}
