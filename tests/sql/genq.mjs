// genq.mjs - a seeded random query generator for the differential test.
//
//   generateQueries(seed, count) -> [{id: 'gen:N', sql, comment}]
//   node tests/sql/genq.mjs [SEED] [COUNT]    prints them
//
// It combines random filters (comparisons, BETWEEN, IN, LIKE, IS NULL,
// AND/OR/NOT over nullable columns), group keys (columns and expressions,
// referenced by ordinal or by expression), aggregates, HAVING, DISTINCT and
// ORDER BY ... LIMIT over ns.wide (and a few over ns.events), and UNIONs.  It only
// draws what is deterministic and numerically stable across engines: no
// SUM/AVG over the column with +-1.8e308 (its sums depend on the order of
// addition), no LIMIT without an ORDER BY over every output column, no
// float equality.  The same seed gives the same queries; SQL_DIFF_SEED in
// the harness explores others.

// mulberry32: a small, well-mixed 32-bit PRNG.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const GROUP_KEYS = [
  'cat', 'k', 'b', 'i8', 'g % 10', 'k % 7', 'st.b', 'length(s) % 5', 'k IS NULL',
  "CASE WHEN i32 > 0 THEN 'pos' WHEN i32 < 0 THEN 'neg' ELSE 'zero' END",
  'extract(year FROM dt)', "date_trunc('month', ts)", 'dt', 'lower(cat)', 'i16 % 3', 'li[1]',
  "m['k1']", 'substring(s, 1, 3)', 'coalesce(cat, \'none\')', 'big % 4', 'd9 > 0', 'u IS NULL',
];

const AGGS = [
  'count(*)', 'count(i8)', 'count(s)', 'count(DISTINCT cat)', 'count(DISTINCT k)', 'count(DISTINCT s)',
  'sum(i32)', 'sum(i64)', 'sum(i16)', 'sum(d9)', 'sum(d18)', 'sum(d38)', 'sum(dx)', 'avg(dx)', 'avg(i32)',
  'avg(i8)', 'min(i64)', 'max(i64)', 'min(big)', 'max(big)', 'min(fx)', 'max(fx)', 'min(s)', 'max(s)',
  'min(dt)', 'max(dt)', 'min(ts)', 'max(ts)', 'min(tz)', 'max(tz)', 'min(d38)', 'max(d9)', 'min(tm)',
  'max(u)', 'min(b)', 'max(b)', 'stddev(dx)', 'stddev(i16)', 'stddev_pop(dx)', 'count(DISTINCT dt)',
  'sum(i64) FILTER (WHERE k > 50)', 'max(length(s))', 'sum(CASE WHEN b THEN 1 ELSE 0 END)', 'min(f32)', 'max(f32)',
  'sum(d9 * 2)', 'max(upper(s))', "min(date_trunc('day', ts))", 'count(DISTINCT substring(s, 1, 2))',
  'avg(CAST(k AS DOUBLE))', 'sum(i32) - min(i32)', 'count(*) - count(k)', 'max(dt) - min(dt)',
];

const PREDS = [
  () => `i8 > ${pick([-100, -1, 0, 50])}`,
  () => `i16 <= ${pick([-20000, 0, 100, 30000])}`,
  () => `i32 BETWEEN ${pick([-500000, -1000, 0])} AND ${pick([1000, 400000, 2147483647])}`,
  () => `i64 < ${pick(['0', '-500000000000', '999999999999'])}`,
  () => `big ${pick(['>', '<', '>=', '<>'])} ${pick(['0', '-100', '9223372036854775806', '-9223372036854775807'])}`,
  () => `k IN (${pick(['1, 2, 3', '10, 20, NULL', '99', '0, 50, 51, 52'])})`,
  () => `k NOT IN (${pick(['1, 2, 3', '5, 6'])})`,
  () => `cat ${pick(['=', '<>', '<', '>='])} '${pick(['a', 'k05', 'k10', 'zz'])}'`,
  () => `cat IS ${pick(['', 'NOT '])}NULL`,
  () => `b${pick(['', ' IS TRUE', ' IS NOT FALSE', ' = false', ' IS NULL'])}`,
  () => `NOT b`,
  () => `s LIKE '${pick(['str_1%', '%ll%', 'a,b,_,d', 'HELLO%', '%'])}'${pick(['', ''])}`,
  () => `s ILIKE '${pick(['hello%', '%LLO_1', 'STR_2%'])}'`,
  () => `length(s) ${pick(['>', '<'])} ${pick([0, 5, 10, 100])}`,
  () => `d9 ${pick(['>', '<', '>='])} ${pick(['0', '100.50', '-5000.25'])}`,
  () => `d18 BETWEEN ${pick(['-1000', '0'])} AND ${pick(['1000', '100000.5'])}`,
  () => `dx ${pick(['>', '<'])} ${pick([100, 500.5, 900])}`,
  () => `fx ${pick(['>', '<', '>='])} ${pick([0, -100.5, 1000])}`,
  () => `dt ${pick(['>=', '<', '>'])} DATE '${pick(['2000-01-01', '2010-06-15', '1970-01-01', '2020-02-29'])}'`,
  () => `ts ${pick(['>=', '<'])} TIMESTAMP '${pick(['2021-01-01 00:00:00', '2022-06-30 12:00:00', '2023-12-31 23:59:59.5'])}'`,
  () => `tz < TIMESTAMPTZ '${pick(['2022-01-01 00:00:00+00', '2021-09-01 12:00:00+00'])}'`,
  () => `tm ${pick(['<', '>'])} TIME '${pick(['06:00:00', '12:30:00', '18:00:00.5'])}'`,
  () => `st.a ${pick(['<', '>', '='])} ${pick([0, 10, 25, 49])}`,
  () => `li[${pick([1, 2, 3])}] ${pick(['=', '>', '<'])} ${pick([0, 3, 5])}`,
  () => `m['k2'] IS ${pick(['', 'NOT '])}NULL`,
  () => `id % ${pick([2, 3, 7, 100])} = ${pick([0, 1])}`,
  () => `g ${pick(['=', '<>'])} 0`,
  () => `coalesce(i8, ${pick([0, -1, 127])}) ${pick(['>', '<'])} 0`,
  () => `i64 + i16 ${pick(['>', '<'])} 0`,
  () => `(i8 > 0) = (i16 > 0)`,
  () => `starts_with(s, '${pick(['str', 'x', 'a,', 'Hello'])}')`,
];

let R = Math.random;
const pick = (xs) => xs[Math.floor(R() * xs.length)];
const some = (xs, lo, hi) => {
  const n = lo + Math.floor(R() * (hi - lo + 1));
  const pool = [...xs];
  const out = [];
  while (out.length < n && pool.length) out.push(pool.splice(Math.floor(R() * pool.length), 1)[0]);
  return out;
};

function predicate(depth = 0) {
  const r = R();
  if (depth < 2 && r < 0.2) return `(${predicate(depth + 1)} AND ${predicate(depth + 1)})`;
  if (depth < 2 && r < 0.35) return `(${predicate(depth + 1)} OR ${predicate(depth + 1)})`;
  if (depth < 2 && r < 0.4) return `NOT (${predicate(depth + 1)})`;
  return pick(PREDS)();
}

const dir = () => pick(['', ' ASC', ' DESC']) + pick(['', ' NULLS FIRST', ' NULLS LAST']);

function aggregateQuery() {
  const keys = some(GROUP_KEYS, 1, 3);
  const aggs = some(AGGS, 1, 4);
  const where = R() < 0.7 ? ` WHERE ${predicate()}` : '';
  const byOrdinal = R() < 0.5;
  const group = byOrdinal ? keys.map((_, k) => k + 1).join(', ') : keys.join(', ');
  const items = [...keys.map((e, k) => `${e} AS g${k + 1}`), ...aggs.map((a, k) => `${a} AS a${k + 1}`)];
  const having = R() < 0.25 ? ` HAVING count(*) ${pick(['>', '>=', '<'])} ${pick([1, 5, 50, 500])}` : '';
  let tail = '';
  if (R() < 0.5) {
    // Order by every group key: groups are unique, so the order is total.
    tail = ` ORDER BY ${keys.map((_, k) => `g${k + 1}${dir()}`).join(', ')}`;
    if (R() < 0.5) tail += ` LIMIT ${pick([1, 3, 10, 25])}${R() < 0.3 ? ` OFFSET ${pick([1, 2, 5])}` : ''}`;
  }
  return `SELECT ${items.join(', ')} FROM ns.wide${where} GROUP BY ${group}${having}${tail}`;
}

function globalAggregateQuery() {
  const aggs = some(AGGS, 1, 6);
  return `SELECT ${aggs.map((a, k) => `${a} AS a${k + 1}`).join(', ')} FROM ns.wide WHERE ${predicate()}`;
}

const PROJ = ['id', 'b', 'i8', 'i16', 'i32', 'i64', 'big', 'f32', 'fx', 'dx', 'd9', 'd18', 'd38', 's', 'cat',
  'k', 'bl', 'dt', 'tm', 'ts', 'tz', 'u', 'st', 'li', 'm', 'st.a', 'li[2]', "m['k1']", 'i64 * 2', 'i64 - i32',
  'd9 + d18', 'd9 * 3', 'upper(s)', 'length(s)', "coalesce(s, 'n/a')", 'dt + INTERVAL 1 DAY',
  "extract(month FROM ts)", 'nullif(k, 0)', "CASE WHEN b THEN 'y' WHEN NOT b THEN 'n' END", 'CAST(i16 AS VARCHAR)',
  "concat(cat, '-', k)", 'cat || s', 'i64 // 1000', 'i32 % 7', 'dx / 4', 'TRY_CAST(s AS INTEGER)',
  "replace(s, 'a', 'XY')", "split_part(s, ',', 2)", 'trim(s)', "regexp_matches(s, '[0-9]{2,}')", "date_trunc('day', ts)",
  'CAST(d18 AS DOUBLE)', 'CAST(i32 AS VARCHAR)', 'ts + INTERVAL 1 HOUR', 'coalesce(i8, i16)', 'i8 IN (1, 2, 3)',
  "s ILIKE '%o%'", 'k BETWEEN 10 AND 20', 'd38 - d9', 'CAST(dt AS VARCHAR)', 'lower(s)', 'extract(dow FROM dt)'];

function filterQuery() {
  const cols = some(PROJ, 1, 5);
  const items = ['id', ...cols.map((c, k) => `${c} AS p${k + 1}`)];
  const order = R() < 0.5 ? ` ORDER BY id${pick(['', ' DESC'])} LIMIT ${pick([5, 20, 100])}` : '';
  return `SELECT ${items.join(', ')} FROM ns.wide WHERE ${predicate()}${order}`;
}

function distinctQuery() {
  const cols = some(['cat', 'k', 'b', 'i8', 'st.b', 'dt', 'li[1]', 'g % 3', 'substring(s, 1, 2)'], 1, 3);
  return `SELECT DISTINCT ${cols.map((c, k) => `${c} AS c${k + 1}`).join(', ')} FROM ns.wide WHERE ${predicate()}`;
}

function eventsQuery() {
  const key = pick(['kind', 'batch', 'user_id % 10', "date_trunc('day', ts)", 'extract(hour FROM ts)']);
  const agg = some(['count(*)', 'sum(amount)', 'avg(score)', 'min(ts)', 'max(id)', 'count(DISTINCT user_id)'], 1, 3);
  const where = pick([
    `ts >= TIMESTAMP '2024-03-0${1 + Math.floor(R() * 9)} 00:00:00'`, `kind = '${pick(['view', 'buy'])}'`,
    `id BETWEEN ${pick([100000, 200500])} AND ${pick([201000, 400000])}`, `amount > ${pick([10, 500.5])}`,
    'user_id IS NULL', `ts < TIMESTAMP '2024-03-03 12:00:00' AND kind <> 'view'`]);
  return `SELECT ${key} AS k, ${agg.map((a, k) => `${a} AS a${k + 1}`).join(', ')} FROM ns.events WHERE ${where} GROUP BY 1`;
}

function unionQuery() {
  const col = pick(['k', 'cat', 'i8', 'dt', 'b']);
  const op = pick(['UNION', 'UNION ALL']);
  const tail = R() < 0.5 ? ` ORDER BY 1${dir()}` : '';
  return `SELECT ${col} AS v FROM ns.wide WHERE ${predicate()} ${op} SELECT ${col} FROM ns.wide WHERE ${predicate()}${tail}`;
}

export function generateQueries(seed = 1, count = 120) {
  R = rng(seed);
  const out = [];
  for (let n = 1; n <= count; n++) {
    const r = R();
    const sql = r < 0.42 ? aggregateQuery() : r < 0.56 ? globalAggregateQuery() : r < 0.76 ? filterQuery()
      : r < 0.85 ? distinctQuery() : r < 0.92 ? eventsQuery() : unionQuery();
    out.push({ id: `gen:${n}`, file: `generated(seed ${seed})`, line: n, sql, comment: 'generated' });
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const q of generateQueries(Number(process.argv[2] ?? 1), Number(process.argv[3] ?? 120)))
    console.log(`-- ${q.id}\n${q.sql};`);
}
