// gen.mjs - deterministic test data for the differential SQL tests.
//
//   node tests/sql/gen.mjs DIR      writes the Parquet files into DIR and
//                                   prints the table list (JSON)
//
// Everything is computed in DuckDB SQL from range() and hash(), never from
// random(), so every run writes the same values.  TABLES describes how the
// harness (tests/peers/sql_diff.mjs) loads each file: one Korolev table per
// entry (namespace "ns"), created like the first file, optionally
// partitioned, with one append per element of `appends` (so `events` has
// four snapshots); DuckDB sees the same names as views over the same files.
//
// Tables (about 33,000 rows in all):
//   ns.wide    20,000 rows, every type Korolev supports: bool, tinyint ..
//              bigint, float, double, three decimals, varchar, blob, date,
//              time, timestamp, timestamptz, uuid, struct, list, map.  NULLs
//              in every column but id; rows 19,000.. repeat rows 18,000..
//              in every column but id (duplicates); `cat` is 'a' in half
//              of the rows (skew); `big`, `fx`, `dx`, `s`, `dt`, `ts` hold
//              the extremes (int64 min/max, NaN, +-Inf, +-0.0, denormals,
//              empty, unicode and 3,000-byte strings, year 1 and 9999).
//   ns.empty   the schema of wide, no rows (created, never appended)
//   ns.one     one row of wide with no NULLs
//   ns.events  12,000 rows in 4 appends (4 snapshots), partitioned by
//              day(ts), bucket(8, id), each file sorted by ts
//   ns.dim     100 rows keyed by k (0..99): a dimension for joins later
//   ns.tv      the 9 combinations of two nullable booleans and a few
//              nullable integers: three-valued logic
//   ns.nulls   10 rows in which every column is NULL
import { DuckDBInstance } from '@duckdb/node-api';
import { mkdirSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

export const TABLES = [
  { name: 'ns.wide', appends: [['wide.parquet']] },
  { name: 'ns.empty', like: 'empty.parquet', appends: [] },
  { name: 'ns.one', appends: [['one.parquet']] },
  {
    name: 'ns.events',
    partitionBy: 'day(ts),bucket(8,id)',
    appends: [['events_1.parquet'], ['events_2.parquet'], ['events_3.parquet'], ['events_4.parquet']],
  },
  { name: 'ns.dim', appends: [['dim.parquet']] },
  { name: 'ns.tv', appends: [['tv.parquet']] },
  { name: 'ns.nulls', appends: [['nulls.parquet']] },
];

// j: the "content" row number (duplicates repeat rows 18000..18999).
const WIDE = `
WITH base AS (
  SELECT i, CASE WHEN i >= 19000 THEN i - 1000 ELSE i END AS j FROM range(20000) t(i)
), h AS (
  SELECT i, j, hash(j) AS h1, hash(j + 1000003) AS h2, hash(j * 7 + 11) AS h3 FROM base
)
SELECT
  i::BIGINT AS id,
  CASE WHEN j % 7 = 0 THEN NULL ELSE h1 % 3 = 0 END AS b,
  CASE WHEN j % 11 = 0 THEN NULL ELSE ((h1 % 256)::INT - 128)::TINYINT END AS i8,
  CASE WHEN j % 13 = 0 THEN NULL ELSE ((h2 % 65536)::INT - 32768)::SMALLINT END AS i16,
  CASE WHEN j % 17 = 0 THEN NULL WHEN j = 5 THEN 2147483647 WHEN j = 6 THEN -2147483648
       ELSE ((h3 % 2000001)::BIGINT - 1000000)::INTEGER END AS i32,
  CASE WHEN j % 19 = 0 THEN NULL ELSE ((h1 % 2000000000001)::BIGINT - 1000000000000) END AS i64,
  CASE WHEN j % 10 = 3 THEN NULL
       WHEN j = 1 THEN 9223372036854775807 WHEN j = 2 THEN -9223372036854775808
       WHEN j = 4 THEN 9223372036854775806 WHEN j = 8 THEN -9223372036854775807
       ELSE (h2 % 1000)::BIGINT - 500 END AS big,
  CASE WHEN j % 9 = 0 THEN NULL ELSE ((h3 % 100000)::INT / 100.0 - 500)::FLOAT END AS f32,
  CASE WHEN j % 8 = 0 THEN NULL
       WHEN j = 1 THEN 'nan'::DOUBLE WHEN j = 2 THEN 'inf'::DOUBLE WHEN j = 3 THEN '-inf'::DOUBLE
       WHEN j = 4 THEN -0.0::DOUBLE WHEN j = 5 THEN 0.0::DOUBLE WHEN j = 6 THEN 1.7976931348623157e308
       WHEN j = 7 THEN -1.7976931348623157e308 WHEN j = 9 THEN 5e-324 WHEN j = 10 THEN 2.2250738585072014e-308
       ELSE ((h1 % 2000001)::BIGINT - 1000000) / 1000.0 END AS fx,
  CASE WHEN j % 12 = 0 THEN NULL ELSE (h2 % 1000000)::BIGINT / 1000.0 END AS dx,
  CASE WHEN j % 14 = 0 THEN NULL WHEN j = 1 THEN 9999999.99 WHEN j = 2 THEN -9999999.99
       ELSE (((h3 % 200001)::BIGINT - 100000) / 100)::DECIMAL(9,2) END::DECIMAL(9,2) AS d9,
  CASE WHEN j % 15 = 0 THEN NULL
       ELSE (((h1 % 2000000001)::BIGINT - 1000000000)::DECIMAL(18,4) / 1000)::DECIMAL(18,4) END AS d18,
  CASE WHEN j % 16 = 0 THEN NULL
       WHEN j = 1 THEN '999999999999999999999999999.9999999999'::DECIMAL(38,10)
       WHEN j = 2 THEN '-999999999999999999999999999.9999999999'::DECIMAL(38,10)
       ELSE (((h2 % 20000000001)::BIGINT - 10000000000)::DECIMAL(38,10) / 10000000)::DECIMAL(38,10) END AS d38,
  CASE WHEN j % 20 = 0 THEN NULL
       WHEN j % 20 = 1 THEN ''
       WHEN j % 50 = 2 THEN 'héllo wörld 日本語 🚀 ' || j
       WHEN j % 500 = 3 THEN repeat('abc', 1000) || j
       WHEN j % 20 = 4 THEN '  padded ' || (j % 7) || '  '
       WHEN j % 20 = 5 THEN 'a,b,' || (j % 5) || ',d'
       WHEN j % 20 = 6 THEN 'Hello ' || (j % 3)
       WHEN j % 20 = 7 THEN 'HELLO_' || (j % 4)
       WHEN j % 20 = 8 THEN '100% sure ' || (j % 3)
       WHEN j % 20 = 9 THEN 'x' || (h1 % 1000)::VARCHAR || 'y'
       ELSE 'str_' || (h3 % 5000)::VARCHAR END AS s,
  CASE WHEN j % 20 = 11 THEN NULL WHEN j % 2 = 0 THEN 'a'
       ELSE 'k' || lpad(((h2 % 20)::INT)::VARCHAR, 2, '0') END AS cat,
  CASE WHEN j % 23 = 0 THEN NULL ELSE (j % 100)::INTEGER END AS k,
  CASE WHEN j % 2 = 0 THEN 0 ELSE (h3 % 5000)::INTEGER END AS g,
  CASE WHEN j % 21 = 0 THEN NULL WHEN j % 21 = 1 THEN ''::BLOB WHEN j % 21 = 2 THEN '\\x00\\xFF\\x10'::BLOB
       ELSE ('blob' || (j % 300))::BLOB END AS bl,
  CASE WHEN j % 22 = 0 THEN NULL WHEN j = 1 THEN DATE '0001-01-01' WHEN j = 3 THEN DATE '9999-12-31'
       WHEN j = 5 THEN DATE '1970-01-01' WHEN j = 7 THEN DATE '1969-12-31' WHEN j = 9 THEN DATE '2000-02-29'
       ELSE DATE '1995-01-01' + ((h1 % 12000)::INT) END AS dt,
  CASE WHEN j % 24 = 0 THEN NULL WHEN j = 1 THEN TIME '00:00:00' WHEN j = 3 THEN TIME '23:59:59.999999'
       ELSE TIME '00:00:00' + to_microseconds((h2 % 86400000000)::BIGINT) END AS tm,
  CASE WHEN j % 25 = 0 THEN NULL WHEN j = 1 THEN TIMESTAMP '0001-01-01 00:00:00'
       WHEN j = 3 THEN TIMESTAMP '9999-12-31 23:59:59.999999' WHEN j = 7 THEN TIMESTAMP '1969-12-31 23:59:59.999999'
       ELSE TIMESTAMP '2020-01-01 00:00:00' + to_microseconds((h3 % 126230400000000)::BIGINT) END AS ts,
  CASE WHEN j % 26 = 0 THEN NULL
       ELSE (TIMESTAMP '2021-06-01 00:00:00' + to_microseconds((h1 % 31536000000000)::BIGINT))::TIMESTAMPTZ END AS tz,
  CASE WHEN j % 27 = 0 THEN NULL ELSE md5(j::VARCHAR)::UUID END AS u,
  CASE WHEN j % 28 = 0 THEN NULL WHEN j % 28 = 1 THEN {'a': NULL, 'b': NULL}::STRUCT(a INTEGER, b VARCHAR)
       ELSE {'a': (j % 50)::INTEGER, 'b': 'sb' || (j % 9)}::STRUCT(a INTEGER, b VARCHAR) END AS st,
  CASE WHEN j % 29 = 0 THEN NULL WHEN j % 29 = 1 THEN []::INTEGER[] WHEN j % 29 = 2 THEN [1, NULL, 3]::INTEGER[]
       ELSE [(j % 10)::INTEGER, (j % 7)::INTEGER, (h1 % 100)::INTEGER] END AS li,
  CASE WHEN j % 30 = 0 THEN NULL WHEN j % 30 = 1 THEN MAP {}::MAP(VARCHAR, INTEGER)
       WHEN j % 3 = 0 THEN MAP {'k1': (j % 10)::INTEGER, 'k2': NULL::INTEGER}
       ELSE MAP {'k1': (j % 13)::INTEGER, 'k2': (j % 4)::INTEGER, 'k3': 7} END AS m
FROM h ORDER BY i`;

const EVENTS = (part) => `
SELECT (i + ${part} * 100000)::BIGINT AS id,
  TIMESTAMP '2024-03-01 00:00:00' + to_microseconds(((i * 7919 + ${part} * 104729) % 864000)::BIGINT * 1000000) AS ts,
  CASE WHEN i % 31 = 0 THEN NULL ELSE ((hash(i, ${part}) % 500)::INTEGER) END AS user_id,
  (['view', 'click', 'buy', 'refund'])[1 + (i * ${part + 2}) % 4] AS kind,
  CASE WHEN i % 17 = 0 THEN NULL ELSE ((hash(i, ${part}, 1) % 100000)::BIGINT / 100.0)::DECIMAL(12,2) END AS amount,
  CASE WHEN i % 13 = 0 THEN NULL ELSE (hash(i, ${part}, 2) % 10000)::BIGINT / 7.0 END AS score,
  ${part}::INTEGER AS batch
FROM range(3000) t(i) ORDER BY ts, id`;

const DIM = `
SELECT k::INTEGER AS k, 'name_' || k AS name,
  (['north', 'south', 'east', 'west', NULL])[1 + k % 5] AS region,
  (k * 1.5)::DECIMAL(9,2) AS weight, k % 3 = 0 AS flag
FROM range(100) t(k)`;

const TV = `
SELECT a, b, x, y FROM (VALUES
  (true, true, 1, 1), (true, false, 2, NULL), (true, NULL, NULL, 3),
  (false, true, 4, 4), (false, false, NULL, NULL), (false, NULL, 6, 0),
  (NULL, true, 7, 7), (NULL, false, 0, 8), (NULL, NULL, NULL, 9)) v(a, b, x, y)`;

const NULLS = `
SELECT NULL::BOOLEAN AS b, NULL::INTEGER AS i, NULL::BIGINT AS l, NULL::DOUBLE AS d,
  NULL::DECIMAL(18,4) AS dec, NULL::VARCHAR AS s, NULL::DATE AS dt, NULL::TIMESTAMP AS ts
FROM range(10)`;

const q = (s) => `'${s.replaceAll("'", "''")}'`;

export async function generate(dir) {
  mkdirSync(dir, { recursive: true });
  const db = await DuckDBInstance.create(':memory:', { threads: '2' });
  const c = await db.connect();
  await c.run(`SET TimeZone = 'UTC'`);
  const copy = (sql, file) => c.run(`COPY (${sql}) TO ${q(`${dir}/${file}`)} (FORMAT PARQUET)`);
  await c.run(`CREATE TABLE wide AS ${WIDE}`);
  // Diagnostics only: SQL_DIFF_FLAT=1 drops the struct, list and map columns,
  // to see what else fails while an engine lacks nested types.
  if (process.env.SQL_DIFF_FLAT === '1') await c.run('ALTER TABLE wide DROP st; ALTER TABLE wide DROP li; ALTER TABLE wide DROP m');
  await copy('SELECT * FROM wide', 'wide.parquet');
  await copy('SELECT * FROM wide LIMIT 0', 'empty.parquet');
  await copy(`SELECT * FROM wide WHERE id = (SELECT min(id) FROM wide WHERE COLUMNS(*) IS NOT NULL)`, 'one.parquet');
  for (let p = 1; p <= 4; p++) await copy(EVENTS(p), `events_${p}.parquet`);
  await copy(DIM, 'dim.parquet');
  await copy(TV, 'tv.parquet');
  await copy(NULLS, 'nulls.parquet');
  c.closeSync?.();
  return TABLES;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (!process.argv[2]) {
    console.error('usage: gen.mjs DIR');
    process.exit(2);
  }
  console.log(JSON.stringify(await generate(process.argv[2]), null, 1));
}
