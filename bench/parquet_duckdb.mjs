// parquet_duckdb.mjs - the DuckDB side of the Parquet benchmark (see
// bench/README.md; bench_parquet.c is the Korolev side).
//
//   parquet_duckdb.mjs gen    REF.parquet [ROWS]
//   parquet_duckdb.mjs write  REF.parquet OUTDIR THREADS REPEATS
//   parquet_duckdb.mjs decode REF.parquet THREADS REPEATS [--values]
//
// gen     writes a deterministic table shaped like TPC-H lineitem (16
//         columns, ROWS rows, default 6,000,000) with TPC-H-like value
//         distributions, from DuckDB SQL alone (range() and hash(); the
//         tpch extension is not available), as Parquet with DuckDB's
//         defaults (122,880 rows per row group) and ZSTD.
// write   loads REF into an in-memory table t, then times
//         COPY (SELECT * FROM t) TO 'OUTDIR/duckdb.parquet' (FORMAT parquet,
//         COMPRESSION zstd) REPEATS times with SET threads = THREADS.
// decode  times SELECT min(c), max(c) for every column c of REF (one query,
//         32 aggregates) REPEATS times with SET threads = THREADS;
//         --values also prints the minima and maxima.
//
// Output lines start with "duckdb <measure>", one per repetition, then a
// "median" line; bench/run parses them.  DuckDB comes from the test peers'
// node_modules (tests/package.json, `npm ci` in tests/).
import { createRequire } from 'node:module';
import { statSync, unlinkSync } from 'node:fs';

const require = createRequire(new URL('../tests/package.json', import.meta.url));
const { DuckDBInstance } = require('@duckdb/node-api');

const COLUMNS = [
  'l_orderkey', 'l_partkey', 'l_suppkey', 'l_linenumber', 'l_quantity', 'l_extendedprice',
  'l_discount', 'l_tax', 'l_returnflag', 'l_linestatus', 'l_shipdate', 'l_commitdate',
  'l_receiptdate', 'l_shipinstruct', 'l_shipmode', 'l_comment',
];

// Words of TPC-H's comment grammar (dbgen's nouns, verbs, adjectives,
// adverbs and prepositions), joined in pseudo-random order for l_comment.
const WORDS = [
  'foxes', 'ideas', 'theodolites', 'pinto', 'beans', 'instructions', 'dependencies', 'excuses',
  'platelets', 'asymptotes', 'courts', 'dolphins', 'multipliers', 'sauternes', 'warthogs',
  'frets', 'dinos', 'attainments', 'somas', 'Tiresias', 'patterns', 'forges', 'braids',
  'frays', 'warhorses', 'dugouts', 'notornis', 'epitaphs', 'pearls', 'tithes', 'waters',
  'orbits', 'gifts', 'sheaves', 'depths', 'sentiments', 'decoys', 'realms', 'pains', 'grouches',
  'escapades', 'hockey', 'players', 'sleep', 'wake', 'are', 'cajole', 'haggle', 'nag', 'use',
  'boost', 'affix', 'detect', 'integrate', 'maintain', 'nod', 'was', 'lose', 'sublate',
  'solve', 'thrash', 'promise', 'engage', 'hinder', 'print', 'x-ray', 'breach', 'eat', 'grow',
  'impress', 'mold', 'poach', 'serve', 'run', 'dazzle', 'snooze', 'doze', 'unwind', 'kindle',
  'play', 'hang', 'believe', 'doubt', 'furious', 'sly', 'careful', 'blithe', 'quick', 'fluffy',
  'slow', 'quiet', 'ruthless', 'thin', 'close', 'dogged', 'daring', 'brave', 'stealthy',
  'permanent', 'enticing', 'idle', 'busy', 'regular', 'final', 'ironic', 'even', 'bold',
  'silent', 'sometimes', 'always', 'never', 'furiously', 'slyly', 'carefully', 'blithely',
  'quickly', 'fluffily', 'slowly', 'quietly', 'ruthlessly', 'thinly', 'closely', 'doggedly',
  'daringly', 'bravely', 'stealthily', 'permanently', 'enticingly', 'idly', 'busily',
  'regularly', 'finally', 'ironically', 'evenly', 'boldly', 'silently', 'about', 'above',
  'according to', 'across', 'after', 'against', 'along', 'alongside of', 'among', 'around',
  'at', 'atop', 'before', 'behind', 'beneath', 'beside', 'besides', 'between', 'beyond', 'by',
  'despite', 'during', 'except', 'for', 'from', 'in place of', 'inside', 'instead of', 'into',
  'near', 'of', 'on', 'outside', 'over', 'past', 'since', 'through', 'throughout', 'to',
  'toward', 'under', 'until', 'up', 'upon', 'without', 'with', 'within',
];

function sqlList(items) {
  return '[' + items.map((s) => `'${s.replaceAll("'", "''")}'`).join(', ') + ']';
}

// h(k): a pseudo-random UBIGINT for line (o, l) and salt k.
const h = (k) => `hash(o, l, ${k})`;

function lineitemSql(rows) {
  const orders = Math.ceil((rows / 4) * 1.02) + 8;
  const words = sqlList(WORDS);
  const word = (k) => `${words}[1 + (${h(100 + k)} % ${WORDS.length})::INT]`;
  const comment = `left(concat_ws(' ', ${[0, 1, 2, 3, 4, 5, 6, 7].map(word).join(', ')}),
                        10 + (${h(20)} % 34)::INT)`;
  return `
    WITH lines AS (
      SELECT o, l,
             DATE '1992-01-01' + (hash(o, 2) % 2406)::INT AS orderdate,
             1 + (${h(4)} % 200000)::BIGINT AS partkey
      FROM range(${orders}) r1(o), range(7) r2(l)
      WHERE l < 1 + hash(o, 1) % 7
      ORDER BY o, l
      LIMIT ${rows}
    ), dated AS (
      SELECT *, orderdate + 1 + (${h(3)} % 121)::INT AS shipdate FROM lines
    ), li AS (
      SELECT
        (o // 8) * 32 + (o % 8) + 1 AS l_orderkey,
        partkey AS l_partkey,
        (partkey + (${h(5)} % 4)::BIGINT * (2500 + (partkey - 1) // 10000)) % 10000 + 1 AS l_suppkey,
        (l + 1)::INT AS l_linenumber,
        (1 + ${h(6)} % 50)::DECIMAL(15,2) AS l_quantity,
        ((1 + ${h(6)} % 50) * (90000 + ((partkey // 10) % 20001) + 100 * (partkey % 1000))
           / 100)::DECIMAL(15,2) AS l_extendedprice,
        ((${h(7)} % 11) / 100)::DECIMAL(15,2) AS l_discount,
        ((${h(8)} % 9) / 100)::DECIMAL(15,2) AS l_tax,
        shipdate + 1 + (${h(9)} % 30)::INT AS l_receiptdate,
        shipdate AS l_shipdate,
        orderdate + 30 + (${h(10)} % 61)::INT AS l_commitdate,
        ${sqlList(['DELIVER IN PERSON', 'COLLECT COD', 'NONE', 'TAKE BACK RETURN'])}
           [1 + (${h(11)} % 4)::INT] AS l_shipinstruct,
        ${sqlList(['REG AIR', 'AIR', 'RAIL', 'SHIP', 'TRUCK', 'MAIL', 'FOB'])}
           [1 + (${h(12)} % 7)::INT] AS l_shipmode,
        ${comment} AS l_comment,
        ${h(13)} % 2 AS coin
      FROM dated
    )
    SELECT l_orderkey, l_partkey, l_suppkey, l_linenumber, l_quantity, l_extendedprice,
           l_discount, l_tax,
           (CASE WHEN l_receiptdate <= DATE '1995-06-17'
                 THEN (CASE WHEN coin = 0 THEN 'R' ELSE 'A' END) ELSE 'N' END)::VARCHAR(1)
             AS l_returnflag,
           (CASE WHEN l_shipdate > DATE '1995-06-17' THEN 'O' ELSE 'F' END)::VARCHAR(1)
             AS l_linestatus,
           l_shipdate, l_commitdate, l_receiptdate,
           l_shipinstruct::VARCHAR(25) AS l_shipinstruct,
           l_shipmode::VARCHAR(10) AS l_shipmode,
           l_comment::VARCHAR(44) AS l_comment
    FROM li`;
}

const q = (path) => `'${path.replaceAll("'", "''")}'`;

function median(v) {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function connect(threads) {
  const inst = await DuckDBInstance.create(':memory:');
  const conn = await inst.connect();
  if (threads) await conn.run(`SET threads = ${Number(threads)}`);
  return conn;
}

async function gen(ref, rows) {
  const conn = await connect(0);
  await conn.run(`SET preserve_insertion_order = true`);
  await conn.run(`COPY (${lineitemSql(rows)}) TO ${q(ref)} (FORMAT parquet, COMPRESSION zstd)`);
  const r = await conn.runAndReadAll(
    `SELECT count(*), count(DISTINCT row_group_id) FROM parquet_metadata(${q(ref)})`);
  const [[chunks, groups]] = r.getRows();
  console.log(`duckdb gen ${ref}: ${rows} rows, ${groups} row groups, ${chunks} column chunks, ` +
              `${statSync(ref).size} bytes`);
}

async function write(ref, outdir, threads, repeats) {
  const conn = await connect(threads);
  await conn.run(`CREATE TABLE t AS SELECT * FROM read_parquet(${q(ref)})`);
  const out = `${outdir}/duckdb.parquet`;
  const ms = [];
  let size = 0;
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    await conn.run(`COPY (SELECT * FROM t) TO ${q(out)} (FORMAT parquet, COMPRESSION zstd)`);
    ms.push(performance.now() - t0);
    size = statSync(out).size;
    console.log(`duckdb write threads=${threads} run ${i + 1}: ${ms[i].toFixed(1)} ms, ` +
                `${size} bytes`);
  }
  unlinkSync(out);
  console.log(`duckdb write threads=${threads} median ${median(ms).toFixed(1)} ms ${size} bytes`);
}

async function decode(ref, threads, repeats, values) {
  const conn = await connect(threads);
  const aggs = COLUMNS.map((c) => `min(${c}), max(${c})`).join(', ');
  const sql = `SELECT ${aggs} FROM read_parquet(${q(ref)})`;
  const ms = [];
  let row = null;
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    const r = await conn.runAndReadAll(sql);
    ms.push(performance.now() - t0);
    row = r.getRows()[0];
    console.log(`duckdb decode threads=${threads} run ${i + 1}: ${ms[i].toFixed(1)} ms`);
  }
  console.log(`duckdb decode threads=${threads} median ${median(ms).toFixed(1)} ms`);
  for (let c = 0; values && c < COLUMNS.length; c++)
    console.log(`minmax ${COLUMNS[c]} ${String(row[2 * c])} | ${String(row[2 * c + 1])}`);
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'gen' && args.length >= 1) {
  await gen(args[0], Number(args[1] ?? 6000000));
} else if (mode === 'write' && args.length === 4) {
  await write(args[0], args[1], Number(args[2]), Number(args[3]));
} else if (mode === 'decode' && args.length >= 3) {
  await decode(args[0], Number(args[1]), Number(args[2]), args[3] === '--values');
} else {
  console.error('usage: parquet_duckdb.mjs gen REF [ROWS] | write REF OUTDIR THREADS REPEATS |' +
                ' decode REF THREADS REPEATS [--values]');
  process.exit(2);
}
