// sql_diff.mjs - the differential SQL test: every query of the corpus runs
// on Korolev (`korolev sql --format jsonl`, over Iceberg tables loaded from
// generated Parquet files) and on DuckDB (over views of the same files),
// and the results must be equal.
//
//   node tests/peers/sql_diff.mjs [--korolev BIN] [--self-check] [--only REGEX]
//        [--seed N] [--generated N] [--jobs N] [--keep DIR] [--list]
//
//   --korolev BIN   the binary (default $KOROLEV)
//   --loader BIN    another binary for loading the tables (namespace and
//                   table commands), e.g. a plain build when BIN is a
//                   sanitizer build whose loader trips
//   --self-check    the "Korolev" side is a second DuckDB (threads=1, tables
//                   materialised, results printed the way `korolev sql`
//                   prints them and parsed back): validates the data, the
//                   corpus and this comparator before the engine exists.
//                   With a binary, the warehouse is still loaded (snapshot
//                   ids and metadata tables come from it).
//   --only REGEX    only the queries whose id (FILE:N, gen:N) matches
//   --seed, --generated   the random part (default seed 1, 120 queries;
//                   env SQL_DIFF_SEED / SQL_DIFF_GENERATED)
//   --jobs N        Korolev processes at a time (default 2)
//   --keep DIR      build the data and warehouse in DIR and keep them
//   --list          print the expanded queries and exit
//   (env SQL_DIFF_FLAT=1: ns.wide without its nested columns, a diagnostic
//   run while an engine lacks them; the queries that use them then fail
//   on both sides and count as passing)
//
// Data: tests/sql/gen.mjs.  Queries: tests/sql/queries/*.sql (see
// tests/sql/corpus.mjs for the format and the {{ns.events@N}} time-travel
// templates) plus the generated ones (tests/sql/genq.mjs).  Comparison
// rules: tests/sql/compare.mjs.  If DuckDB rejects a query, Korolev must
// reject it too (exit 1 with a message), and the other way round.  Queries
// listed in tests/sql/xfail.txt ("ID reason") are reported as XFAIL, and
// as XPASS when they pass.
//
// Output: one FAIL line per failing query with both results (truncated),
// then a summary.  Exit status: 0 all passed, 1 a failure, 2 usage or setup
// error, 77 (skip) when `korolev sql` does not exist yet.
import { DuckDBInstance } from '@duckdb/node-api';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compareResults, canonDuck, csvHeader, korolevJson, parseKorolev, show } from '../sql/compare.mjs';
import { expandTemplates, loadQueries, loadXfail } from '../sql/corpus.mjs';
import { generate } from '../sql/gen.mjs';
import { generateQueries } from '../sql/genq.mjs';
import { loadWarehouse, pool, runSql, sqlMissing } from '../sql/korolev.mjs';

const SQL_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'sql');

// ------------------------------------------------------------ arguments

function parseArgs(argv) {
  const o = { korolev: process.env.KOROLEV, loader: null, selfCheck: false, only: null, jobs: 2,
    seed: Number(process.env.SQL_DIFF_SEED ?? 1), generated: Number(process.env.SQL_DIFF_GENERATED ?? 120),
    keep: null, list: false, queries: join(SQL_DIR, 'queries'), xfail: join(SQL_DIR, 'xfail.txt') };
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k];
    const val = () => {
      if (k + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++k];
    };
    if (a === '--korolev') o.korolev = val();
    else if (a === '--loader') o.loader = val();
    else if (a === '--self-check') o.selfCheck = true;
    else if (a === '--only') o.only = new RegExp(val());
    else if (a === '--seed') o.seed = Number(val());
    else if (a === '--generated') o.generated = Number(val());
    else if (a === '--jobs') o.jobs = Number(val());
    else if (a === '--keep') o.keep = val();
    else if (a === '--queries') o.queries = val();
    else if (a === '--xfail') o.xfail = val();
    else if (a === '--list') o.list = true;
    else usage(`unknown argument ${a}`);
  }
  if (!o.selfCheck && !o.list && !o.korolev) usage('no korolev binary (--korolev or $KOROLEV)');
  return o;
}

function usage(msg) {
  console.error(`sql_diff: ${msg}\nusage: sql_diff.mjs [--korolev BIN] [--loader BIN] [--self-check] [--only REGEX] ` +
    '[--seed N] [--generated N] [--jobs N] [--keep DIR] [--list]');
  process.exit(2);
}

// ------------------------------------------------------------ DuckDB side

const lit = (s) => `'${String(s).replaceAll("'", "''")}'`;
const ident = (s) => `"${s.replaceAll('"', '""')}"`;
const qname = (name) => name.split('.').map(ident).join('.');
const files = (dir, list) => `read_parquet([${list.map((f) => lit(join(dir, f))).join(', ')}])`;

// Metadata tables, from what `korolev table history|files` say (or made up
// in a self-check without a binary).
function metaRows(meta, t) {
  const snaps = meta?.snapshots[t.name] ?? t.appends.map((_, k) => ({ id: String(k + 1), ms: 1.7e12 + k, parent: k ? String(k) : null, operation: 'append' }));
  const fl = meta?.files[t.name] ?? t.appends.map((g, k) => g.map((f) => ({ 'file-path': f, 'record-count': 0, 'snapshot-id': k + 1 }))).flat();
  return { snaps, fl };
}

async function setupDuck(db, dataDir, tables, meta, materialise) {
  const c = await db.connect();
  await c.run(`SET TimeZone = 'UTC'`);
  const kind = materialise ? 'TABLE' : 'VIEW';
  for (const ns of new Set(tables.map((t) => t.name.split('.')[0]))) await c.run(`CREATE SCHEMA IF NOT EXISTS ${ident(ns)}`);
  for (const t of tables) {
    const all = t.appends.flat();
    const src = all.length ? files(dataDir, all) : `${files(dataDir, [t.like])} LIMIT 0`;
    await c.run(`CREATE ${kind} ${qname(t.name)} AS SELECT * FROM ${src}`);
    for (let n = 1; n <= t.appends.length; n++)
      await c.run(`CREATE ${kind} ${qname(`${t.name}_at_${n}`)} AS SELECT * FROM ${files(dataDir, t.appends.slice(0, n).flat())}`);
    const { snaps, fl } = metaRows(meta, t);
    const [ns, name] = t.name.split('.');
    const values = (rows) => (rows.length ? `VALUES ${rows.join(', ')}` : null);
    const sv = values(snaps.map((s) => `(${lit(s.id)}, ${s.parent === null ? 'NULL' : lit(s.parent)}, ${s.ms}, ${lit(s.operation)})`));
    await c.run(`CREATE TABLE ${ident(ns)}.${ident(`${name}$snapshots`)} AS SELECT epoch_ms(ms::BIGINT)::TIMESTAMPTZ AS committed_at,
      id::BIGINT AS snapshot_id, parent::BIGINT AS parent_id, op AS operation
      FROM ${sv ? `(${sv}) v(id, parent, ms, op)` : '(SELECT NULL id, NULL parent, 0 ms, NULL op LIMIT 0)'}`);
    await c.run(`CREATE TABLE ${ident(ns)}.${ident(`${name}$history`)} AS SELECT committed_at AS made_current_at,
      snapshot_id, parent_id, true AS is_current_ancestor FROM ${ident(ns)}.${ident(`${name}$snapshots`)}`);
    const fv = values(fl.map((f) => `(${lit(f['file-path'])}, ${Number(f['record-count'])})`));
    await c.run(`CREATE TABLE ${ident(ns)}.${ident(`${name}$files`)} AS SELECT path AS file_path, n::BIGINT AS record_count
      FROM ${fv ? `(${fv}) v(path, n)` : '(SELECT NULL path, 0 n LIMIT 0)'}`);
  }
  return c;
}

async function runDuck(con, sql) {
  try {
    const r = await con.runAndReadAll(sql);
    const types = r.columnTypes();
    return { names: r.columnNames(), types, rows: r.getRowsJson().map((row) => row.map((v, k) => canonDuck(v, types[k]))), raw: r };
  } catch (e) {
    return { error: String(e.message).split('\n')[0] };
  }
}

// ------------------------------------------------------------ self-check side

function selfCheckRunner(con) {
  return async (sql, format) => {
    try {
      const r = await con.runAndReadAll(sql);
      const names = r.columnNames();
      const types = r.columnTypes();
      if (format === 'csv') return { code: 0, stdout: `${names.join(',')}\n`, stderr: '' };
      const lines = r.getRowsJson().map((row) => `{${row.map((v, k) => `${JSON.stringify(names[k])}:${korolevJson(v, types[k])}`).join(',')}}`);
      return { code: 0, stdout: lines.map((l) => `${l}\n`).join(''), stderr: '' };
    } catch (e) {
      return { code: 1, stdout: '', stderr: `Error: ${String(e.message).split('\n')[0]}\n` };
    }
  };
}

// ------------------------------------------------------------ one query

function koError(r) {
  if (r.timedOut) return { crash: 'timed out' };
  if (r.signal) return { crash: `killed by signal ${r.signal}` };
  if (r.code !== 0 && r.code !== 1) return { crash: `exit status ${r.code}: ${r.stderr.trim().slice(0, 300)}` };
  if (r.code === 1) {
    const msg = r.stderr.trim();
    return msg ? { error: msg.split('\n')[0] } : { crash: 'exit status 1 with nothing on stderr' };
  }
  return null;
}

async function check(q, ref, runKo) {
  const r = await runKo(q.koSql, 'jsonl');
  const e = koError(r);
  if (e?.crash) return { fail: `Korolev ${e.crash}` };
  if (ref.error && e) return { pass: true };
  if (ref.error) return { fail: `DuckDB errors but Korolev does not`, duck: ref.error, ko: r.stdout.slice(0, 300) };
  if (e) return { fail: 'Korolev errors', duck: show(ref.rows.slice(0, 3)), ko: e.error };
  let ko;
  try {
    ko = parseKorolev(r.stdout, ref.types);
  } catch (x) {
    return { fail: `cannot read Korolev's output: ${x.message}`, duck: show(ref.rows.slice(0, 3)), ko: r.stdout.slice(0, 300) };
  }
  if (!ko.names) {
    const h = await runKo(q.koSql, 'csv');
    ko.names = h.code === 0 && h.stdout.trim() ? csvHeader(h.stdout.split('\n')[0]) : null;
  }
  const d = compareResults(q.sql, ref, ko);
  return d ? { fail: d, duck: show(ref.rows.slice(0, 3)), ko: show(ko.rows.slice(0, 3)) } : { pass: true };
}

// ------------------------------------------------------------ comparator tests

// The comparator must tell equal results from different ones: each case
// is a DuckDB query, a Korolev output (JSON lines) and whether they must
// compare equal.  Run in --self-check mode.
const COMPARATOR_CASES = [
  ['SELECT * FROM (VALUES (1), (2), (2)) t(x)', '{"x":2}\n{"x":1}\n{"x":2}', true, 'multiset in another order'],
  ['SELECT * FROM (VALUES (1), (2), (2)) t(x)', '{"x":2}\n{"x":1}\n{"x":1}', false, 'multiset with a changed duplicate'],
  ['SELECT * FROM (VALUES (1), (2)) t(x)', '{"x":1}', false, 'missing row'],
  ['SELECT 9007199254740993::BIGINT AS x', '{"x":9007199254740993}', true, 'integer above 2^53'],
  ['SELECT 9007199254740993::BIGINT AS x', '{"x":9007199254740992}', false, 'integer above 2^53, off by one'],
  ['SELECT 5::INTEGER AS x', '{"x":5.0}', false, 'integer printed as a double'],
  ['SELECT 0.1::DOUBLE AS x', '{"x":0.10000000000000001}', true, 'double, 17 digits'],
  ['SELECT 1000.0::DOUBLE AS x', '{"x":1000.0000000001}', true, 'double within 1e-9'],
  ['SELECT 1000.0::DOUBLE AS x', '{"x":1000.001}', false, 'double outside 1e-9'],
  ['SELECT 1e-13::DOUBLE AS x', '{"x":0}', true, 'double within 1e-12 of zero'],
  ["SELECT 'nan'::DOUBLE AS x, -0.0::DOUBLE AS z", '{"x":"NaN","z":0}', true, 'NaN and -0.0'],
  ["SELECT 'nan'::DOUBLE AS x", '{"x":"Infinity"}', false, 'NaN is not Infinity'],
  ['SELECT 12.30::DECIMAL(9,2) AS x', '{"x":12.3}', true, 'decimal scale differs'],
  ['SELECT 12.30::DECIMAL(9,2) AS x', '{"x":12.31}', false, 'decimal off by a cent'],
  ["SELECT '999999999999999999999999999.9999999999'::DECIMAL(38,10) AS x", '{"x":999999999999999999999999999.9999999998}', false, 'decimal(38) last digit'],
  ["SELECT 'a' AS x", '{"y":"a"}', false, 'column name'],
  ["SELECT 'a' AS x", '{"x":"a","y":1}', false, 'column count'],
  ["SELECT DATE '2024-01-31' AS d", '{"d":"2024-01-31 00:00:00"}', false, 'date printed as a timestamp'],
  ["SELECT TIMESTAMP '0001-01-01' - INTERVAL 2 HOUR AS t", '{"t":"0001-12-31 (BC) 22:00:00"}', true, 'year 1 BC as DuckDB prints it'],
  ["SELECT '\\x00\\xFF'::BLOB AS b", '{"b":"AP8="}', true, 'blob in base64'],
  ["SELECT MAP {'k': 1, 'j': NULL} AS m", '{"m":{"k":1,"j":null}}', true, 'map as an object'],
  ["SELECT {'a': 1, 'b': 'x'} AS s, [1, NULL] AS l", '{"s":{"a":1,"b":"x"},"l":[1,null]}', true, 'struct and list'],
  ["SELECT {'a': 1, 'b': 'x'} AS s", '{"s":{"b":"x","a":1}}', false, 'struct fields out of order'],
  ['SELECT * FROM (VALUES (1, 10), (1, 11), (2, 12)) t(k, v) ORDER BY k', '{"k":1,"v":11}\n{"k":1,"v":10}\n{"k":2,"v":12}', true, 'ties in any order'],
  ['SELECT * FROM (VALUES (1, 10), (2, 11), (3, 12)) t(k, v) ORDER BY k', '{"k":2,"v":11}\n{"k":1,"v":10}\n{"k":3,"v":12}', false, 'order broken'],
  ['SELECT * FROM (VALUES (1, 10), (1, 11), (2, 12)) t(k, v) ORDER BY k DESC', '{"k":2,"v":12}\n{"k":1,"v":10}\n{"k":1,"v":13}', false, 'tie group content'],
  ['SELECT * FROM (VALUES (1, 10), (2, 11), (2, 12)) t(k, v) ORDER BY k LIMIT 2', '{"k":1,"v":10}\n{"k":2,"v":99}', true, 'tie cut by LIMIT'],
  ['SELECT * FROM (VALUES (1, 10), (2, 11), (2, 12)) t(k, v) ORDER BY -k LIMIT 2', '{"k":2,"v":12}\n{"k":2,"v":11}', false, 'key not in output: exact order'],
  ['SELECT * FROM (VALUES (1), (2), (3)) t(x) LIMIT 2', '{"x":3}\n{"x":1}', true, 'LIMIT without ORDER BY: counts'],
  ['SELECT x FROM (VALUES (1)) t(x) WHERE x > 5', '', true, 'empty result'],
  ['SELECT x FROM (VALUES (1)) t(x) WHERE x > 5', '{"x":1}', false, 'row instead of none'],
  ['SELECT 1.5::FLOAT AS f', '{"f":1.5}', true, 'float'],
  ['SELECT 0.1::FLOAT AS f', '{"f":0.1}', true, 'float printed shortest'],
];

async function comparatorTests(con) {
  const bad = [];
  for (const [sql, out, equal, what] of COMPARATOR_CASES) {
    const ref = await runDuck(con, sql);
    let d;
    try {
      const ko = parseKorolev(out, ref.types);
      if (!ko.names) ko.names = ref.names;
      d = compareResults(sql, ref, ko);
    } catch (e) {
      d = e.message;
    }
    if ((d === null) !== equal) bad.push(`comparator: ${what}: ${equal ? `should be equal, got: ${d}` : 'should differ'}`);
  }
  return bad;
}

// ------------------------------------------------------------ main

const oneLine = (s, n = 240) => {
  const t = String(s ?? '').replace(/\s+/g, ' ').trim();
  return t.length > n ? `${t.slice(0, n)}...` : t;
};

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const base = o.keep ?? mkdtempSync(join(tmpdir(), 'sql-diff-'));
  if (o.keep) mkdirSync(base, { recursive: true });
  const cleanup = () => o.keep || rmSync(base, { recursive: true, force: true });
  try {
    const dataDir = join(base, 'data');
    const wh = join(base, 'wh');
    if (!o.selfCheck && !o.list) {
      const why = await sqlMissing(o.korolev, join(base, 'probe'));
      if (why) {
        console.log(`SKIP: ${why}`);
        return 77;
      }
    }
    const tables = await generate(dataDir);
    let meta = null;
    if (o.korolev && existsSync(o.korolev) && !o.list) {
      rmSync(wh, { recursive: true, force: true });
      meta = loadWarehouse(o.loader ?? o.korolev, wh, dataDir, tables);
    }
    const koText = (name, n, byTime) => {
      const s = meta?.snapshots[name]?.[n - 1];
      if (!s) throw new Error(`no snapshot ${n} of ${name}`);
      if (!byTime) return `${name} FOR VERSION AS OF ${s.id}`;
      return `${name} FOR TIMESTAMP AS OF '${new Date(s.ms).toISOString().replace('T', ' ').replace('Z', '')}'`;
    };
    const duckText = (name, n) => `${name}_at_${n}`;
    const xfail = loadXfail(o.xfail);
    let queries = [...loadQueries(o.queries), ...generateQueries(o.seed, o.generated)];
    if (o.only) queries = queries.filter((q) => o.only.test(q.id));
    for (const q of queries) {
      q.duckSql = expandTemplates(q.sql, duckText);
      q.koSql = o.selfCheck ? q.duckSql : expandTemplates(q.sql, koText);
    }
    if (o.list) {
      for (const q of queries) console.log(`-- ${q.id} ${q.comment}\n${q.koSql};`);
      return 0;
    }

    const refDb = await DuckDBInstance.create(':memory:', { threads: '2' });
    const refCon = await setupDuck(refDb, dataDir, tables, meta, false);
    let runKo;
    if (o.selfCheck) {
      const db2 = await DuckDBInstance.create(':memory:', { threads: '1' });
      runKo = selfCheckRunner(await setupDuck(db2, dataDir, tables, meta, true));
    } else {
      runKo = async (sql, format) => runSql(o.korolev, wh, sql, { format });
    }

    const refs = [];
    for (const q of queries) refs.push(await runDuck(refCon, q.duckSql));
    const compBad = o.selfCheck ? await comparatorTests(refCon) : [];
    for (const b of compBad) console.log(`FAIL ${b}`);
    const results = new Array(queries.length);
    const t0 = Date.now();
    await pool(queries, o.selfCheck ? 1 : o.jobs, async (q, k) => {
      try {
        results[k] = await check(q, refs[k], runKo);
      } catch (x) {
        results[k] = { fail: `harness error: ${x.stack}` };
      }
    });

    const count = { pass: 0, fail: 0, xfail: 0, xpass: 0, bothErr: 0 };
    queries.forEach((q, k) => {
      const r = results[k];
      const why = xfail.get(q.id);
      if (r.pass) {
        if (refs[k].error) count.bothErr++;
        if (why) {
          count.xpass++;
          console.log(`XPASS ${q.id} (listed in xfail.txt: ${why}): ${oneLine(q.sql, 160)}`);
        } else {
          count.pass++;
        }
      } else if (why) {
        count.xfail++;
        console.log(`XFAIL ${q.id}: ${why}`);
      } else {
        count.fail++;
        console.log(`FAIL ${q.id} [${q.file}:${q.line}] ${oneLine(q.comment, 60)}: ${oneLine(r.fail, 400)} | sql: ${oneLine(q.koSql, 300)}` +
          (r.duck !== undefined ? ` | duckdb: ${oneLine(r.duck, 300)} | korolev: ${oneLine(r.ko, 300)}` : ''));
      }
    });
    const hand = queries.filter((q) => !q.id.startsWith('gen:')).length;
    const refErrors = refs.filter((r) => r.error).length;
    if (process.env.SQL_DIFF_FLAT === '1') console.log('SQL_DIFF_FLAT=1: ns.wide has no struct, list or map columns (a diagnostic run, not the test)');
    console.log(`sql_diff${o.selfCheck ? ' (self-check: DuckDB against DuckDB)' : ''}: ${queries.length} queries ` +
      `(${hand} hand-written, ${queries.length - hand} generated with seed ${o.seed}; ${refErrors} that DuckDB rejects): ` +
      `${count.pass} passed (${count.bothErr} of them errors on both sides), ${count.fail} failed, ${count.xfail} xfail, ` +
      `${count.xpass} xpass, in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    if (process.env.SQL_DIFF_REPORT) writeFileSync(process.env.SQL_DIFF_REPORT, JSON.stringify(queries.map((q, k) => ({ id: q.id, ...results[k] })), null, 1));
    if (o.selfCheck) console.log(`comparator tests: ${COMPARATOR_CASES.length - compBad.length} of ${COMPARATOR_CASES.length} passed`);
    return count.fail || compBad.length ? 1 : 0;
  } finally {
    cleanup();
  }
}

main().then((code) => process.exit(code), (e) => {
  console.error(`sql_diff: ${e.stack}`);
  process.exit(2);
});
