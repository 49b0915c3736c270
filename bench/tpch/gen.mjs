// gen.mjs - a deterministic generator of the eight TPC-H tables, in DuckDB
// SQL (DuckDB's tpch extension is not available offline).
//
//   node bench/tpch/gen.mjs DIR SF [--force] [--load KOROLEV WAREHOUSE]
//
// Writes DIR/<table>.parquet (ZSTD, DuckDB's default row groups) for region,
// nation, supplier, customer, part, partsupp, orders and lineitem at scale
// factor SF, and DIR/tpch.json: the generator's version, SF, row counts and
// files.  A DIR whose tpch.json has the same version and SF is reused as it
// is (--force regenerates).  --load also loads every table into the Korolev
// warehouse WAREHOUSE (namespace tpch; `table create --like` + `table
// append`, through tests/sql/korolev.mjs).
//
// What follows TPC-H (spec 4.2.3, dbgen) and what does not:
//   - cardinalities: SF*10,000 suppliers, SF*150,000 customers, SF*200,000
//     parts, 4 partsupp rows per part, SF*1,500,000 orders with 1..7 lines
//     each (about SF*6,000,000 lines), 25 nations, 5 regions;
//   - keys are BIGINT, money DECIMAL(15,2), dates DATE, text VARCHAR; order
//     keys are sparse (8 of every 32); only customers whose key is not a
//     multiple of 3 place orders; partsupp's 4 suppliers of a part and a
//     line's supplier come from dbgen's formula, so every (l_partkey,
//     l_suppkey) is in partsupp; p_retailprice is dbgen's formula of the key
//     and l_extendedprice = l_quantity * p_retailprice;
//   - dates: o_orderdate uniform in 1992-01-01 .. 1998-08-02, ship = order +
//     1..121 days, commit = order + 30..90, receipt = ship + 1..30; return
//     flag R/A up to 1995-06-17 (receipt), else N; line status O after it
//     (ship), else F; o_orderstatus F, O or P from the lines; o_totalprice
//     the sum of extendedprice * (1 + tax) * (1 - discount) over the lines;
//   - enumerations (segments, priorities, ship modes and instructions, part
//     types, containers, brands, manufacturers) uniform over dbgen's lists;
//     p_name five distinct words of dbgen's 92 colours; phone numbers start
//     with the country code nationkey + 10;
//   - comments are substrings at random offsets of a text pool made from
//     dbgen's sentence grammar and weighted word lists (so "special ...
//     requests" occurs, for Q13), with the spec's lengths; addresses are
//     random hex strings of 10..40 characters;
//   - departures: "Customer ... Complaints" / "Customer ... Recommends" go
//     into max(2, ceil(SF * 5)) supplier comments each (the spec: SF * 5;
//     under one at SF 0.1), and the random streams are DuckDB's
//     hash(row * 4096 + salt) instead of dbgen's generators, so values
//     differ from dbgen's while their distributions match.
// Determinism: every value is a function of the row number (hash() and a
// seeded PRNG for the text pool), and the files are written with
// preserve_insertion_order, so the same SF gives the same rows in the
// same order.  DuckDB comes from tests/node_modules (`npm ci` in tests/).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(new URL('../../tests/package.json', import.meta.url));
const { DuckDBInstance } = require('@duckdb/node-api');

export const TABLES = ['region', 'nation', 'supplier', 'customer', 'part', 'partsupp', 'orders', 'lineitem'];

// The version of the data: a hash of this file, so that a cache made by an
// older generator is not reused.
export const GEN_VERSION = createHash('sha256').update(readFileSync(fileURLToPath(import.meta.url))).digest('hex').slice(0, 16);

// ------------------------------------------------------------ dbgen's lists

const NATIONS = [
  ['ALGERIA', 0], ['ARGENTINA', 1], ['BRAZIL', 1], ['CANADA', 1], ['EGYPT', 4], ['ETHIOPIA', 0],
  ['FRANCE', 3], ['GERMANY', 3], ['INDIA', 2], ['INDONESIA', 2], ['IRAN', 4], ['IRAQ', 4],
  ['JAPAN', 2], ['JORDAN', 4], ['KENYA', 0], ['MOROCCO', 0], ['MOZAMBIQUE', 0], ['PERU', 1],
  ['CHINA', 2], ['ROMANIA', 3], ['SAUDI ARABIA', 4], ['VIETNAM', 2], ['RUSSIA', 3],
  ['UNITED KINGDOM', 3], ['UNITED STATES', 1],
];
const REGIONS = ['AFRICA', 'AMERICA', 'ASIA', 'EUROPE', 'MIDDLE EAST'];
const COLORS = [
  'almond', 'antique', 'aquamarine', 'azure', 'beige', 'bisque', 'black', 'blanched', 'blue', 'blush',
  'brown', 'burlywood', 'burnished', 'chartreuse', 'chiffon', 'chocolate', 'coral', 'cornflower',
  'cornsilk', 'cream', 'cyan', 'dark', 'deep', 'dim', 'dodger', 'drab', 'firebrick', 'floral', 'forest',
  'frosted', 'gainsboro', 'ghost', 'goldenrod', 'green', 'grey', 'honeydew', 'hot', 'indian', 'ivory',
  'khaki', 'lace', 'lavender', 'lawn', 'lemon', 'light', 'lime', 'linen', 'magenta', 'maroon', 'medium',
  'metallic', 'midnight', 'mint', 'misty', 'moccasin', 'navajo', 'navy', 'olive', 'orange', 'orchid',
  'pale', 'papaya', 'peach', 'peru', 'pink', 'plum', 'powder', 'puff', 'purple', 'red', 'rose', 'rosy',
  'royal', 'saddle', 'salmon', 'sandy', 'seashell', 'sienna', 'sky', 'slate', 'smoke', 'snow', 'spring',
  'steel', 'tan', 'thistle', 'tomato', 'turquoise', 'violet', 'wheat', 'white', 'yellow',
];
const TYPE_S1 = ['STANDARD', 'SMALL', 'MEDIUM', 'LARGE', 'ECONOMY', 'PROMO'];
const TYPE_S2 = ['ANODIZED', 'BURNISHED', 'PLATED', 'POLISHED', 'BRUSHED'];
const TYPE_S3 = ['TIN', 'NICKEL', 'BRASS', 'STEEL', 'COPPER'];
const CONT_S1 = ['SM', 'LG', 'MED', 'JUMBO', 'WRAP'];
const CONT_S2 = ['CASE', 'BOX', 'BAG', 'JAR', 'PKG', 'PACK', 'CAN', 'DRUM'];
const SEGMENTS = ['AUTOMOBILE', 'BUILDING', 'FURNITURE', 'MACHINERY', 'HOUSEHOLD'];
const PRIORITIES = ['1-URGENT', '2-HIGH', '3-MEDIUM', '4-NOT SPECIFIED', '5-LOW'];
const INSTRUCTIONS = ['DELIVER IN PERSON', 'COLLECT COD', 'NONE', 'TAKE BACK RETURN'];
const MODES = ['REG AIR', 'AIR', 'RAIL', 'SHIP', 'TRUCK', 'MAIL', 'FOB'];

// The text grammar of dbgen's dists.dss: word lists with weights.
const W = (s) => s.split(',').map((x) => {
  const [w, n] = x.split(':');
  return [w.trim(), Number(n ?? 1)];
});
const NOUNS = W(`packages:40,requests:40,accounts:40,deposits:40,foxes:20,ideas:20,theodolites:20,
  pinto beans:20,instructions:20,dependencies:10,excuses:10,platelets:10,asymptotes:10,courts:5,dolphins:5,
  multipliers,sauternes,warthogs,frets,dinos,attainments,somas,Tiresias,patterns,forges,braids,
  hockey players,frays,warhorses,dugouts,notornis,epitaphs,pearls,tithes,waters,orbits,gifts,sheaves,
  depths,sentiments,decoys,realms,pains,grouches,escapades`);
const VERBS = W(`sleep:20,wake:20,are:20,cajole:20,haggle:20,nag:10,use:10,boost:10,affix:5,detect:5,
  integrate:5,maintain,nod,was,lose,sublate,solve,thrash,promise,engage,hinder,print,x-ray,breach,eat,
  grow,impress,mold,poach,serve,run,dazzle,snooze,doze,unwind,kindle,play,hang,believe,doubt`);
const ADJECTIVES = W(`special:20,pending:20,unusual:20,express:20,furious,sly,careful,blithe,quick,
  fluffy,slow,quiet,ruthless,thin,close,dogged,daring,brave,stealthy,permanent,enticing,idle,busy,
  regular:50,final:40,ironic:40,even:30,bold:20,silent:10`);
const ADVERBS = W(`sometimes,always,never,furiously:50,slyly:50,carefully:50,blithely:40,quickly:30,
  fluffily:20,slowly,quietly,ruthlessly,thinly,closely,doggedly,daringly,bravely,stealthily,permanently,
  enticingly,idly,busily,regularly,finally,ironically,evenly,boldly,silently`);
const PREPOSITIONS = W(`about:50,above:50,according to:50,across:50,after:50,against:40,along:40,
  alongside of:30,among:30,around:20,at:10,atop,before,behind,beneath,beside,besides,between,beyond,by,
  despite,during,except,for,from,in place of,inside,instead of,into,near,of,on,outside,over,past,since,
  through,throughout,to,toward,under,until,up,upon,without,with,within`);
const AUXILIARIES = W(`do,may,might,shall,will,would,can,could,should,ought to,must,will have to,
  shall have to,could have to,should have to,must have to,need to,try to`);
const TERMINATORS = [['.', 50], [';', 1], [':', 1], ['?', 1], ['!', 1], ['--', 1]];
const SENTENCES = W('N V T:3,N V P T:3,N V N T:3,N P V N T,N P V P T');
const NOUN_PHRASES = W('N:10,J N:20,J@ J N:10,D J N:50');
const VERB_PHRASES = W('V:30,X V:1,V D:40,X V D:1');

// A small seeded PRNG (xorshift32), so that the pool is the same every time.
function prng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

function pick(rnd, list) {
  const total = list.reduce((a, [, n]) => a + n, 0);
  let x = rnd() * total;
  for (const [w, n] of list) {
    if ((x -= n) < 0) return w;
  }
  return list[list.length - 1][0];
}

function phrase(rnd, template) {
  return template.split(' ').map((sym) => {
    switch (sym) {
    case 'N': return pick(rnd, NOUNS);
    case 'V': return pick(rnd, VERBS);
    case 'J': return pick(rnd, ADJECTIVES);
    case 'J@': return `${pick(rnd, ADJECTIVES)},`;
    case 'D': return pick(rnd, ADVERBS);
    case 'X': return pick(rnd, AUXILIARIES);
    default: return sym;
    }
  }).join(' ');
}

function sentence(rnd) {
  const parts = pick(rnd, SENTENCES).split(' ').map((sym) => {
    if (sym === 'N') return phrase(rnd, pick(rnd, NOUN_PHRASES));
    if (sym === 'V') return phrase(rnd, pick(rnd, VERB_PHRASES));
    if (sym === 'P') return `${pick(rnd, PREPOSITIONS)} the ${phrase(rnd, pick(rnd, NOUN_PHRASES))}`;
    return null;
  }).filter(Boolean);
  return `${parts.join(' ')}${pick(rnd, TERMINATORS)}`;
}

// POOL_SIZE texts of at least POOL_LEN characters each.
const POOL_SIZE = 8192;
const POOL_LEN = 400;
function textPool() {
  const rnd = prng(20240101);
  const out = [];
  for (let k = 0; k < POOL_SIZE; k++) {
    let t = '';
    while (t.length < POOL_LEN) t += `${sentence(rnd)} `;
    out.push(t.trim());
  }
  return out;
}

// ------------------------------------------------------------ SQL

const lit = (s) => `'${String(s).replaceAll("'", "''")}'`;
const list = (items) => `[${items.map(lit).join(', ')}]`;
// A pseudo-random UBIGINT of the row key (an integer below 2^50) and a salt
// (below 4096).  Not hash(key, salt): DuckDB combines the hashes of its
// arguments so that hash(k, 1) % 4 and hash(k, 2) % 20000 are correlated.
const h = (key, salt) => `hash((${key}) * 4096 + ${salt})`;
// One of the items, uniformly.
const oneOf = (items, key, salt) => `${list(items)}[1 + (${h(key, salt)} % ${items.length})::INT]`;
// A comment of lo..hi characters: a substring of a pool text at a random offset.
const comment = (key, salt, lo, hi) => `(SELECT substr(p.t, 1 + (${h(key, salt + 1)} % (length(p.t) - ${hi}))::INT,
    ${lo} + (${h(key, salt + 2)} % ${hi - lo + 1})::INT) FROM pool p WHERE p.id = ${h(key, salt)} % ${POOL_SIZE})`;
const money = (cents) => `((${cents}) / 100)::DECIMAL(15,2)`;
const address = (key, salt) => `left(md5(${h(key, salt)}::VARCHAR) || md5(${h(key, salt + 1)}::VARCHAR),
    10 + (${h(key, salt + 2)} % 31)::INT)`;
const phone = (key, salt, nation) => `concat(${nation} + 10, '-', 100 + ${h(key, salt)} % 900, '-',
    100 + ${h(key, salt + 1)} % 900, '-', 1000 + ${h(key, salt + 2)} % 9000)`;
const padded = (prefix, n) => `${lit(prefix)} || lpad((${n})::VARCHAR, 9, '0')`;
// dbgen's retail price of a part, in cents.
const priceCents = (pk) => `(90000 + ((${pk}) // 10) % 20001 + 100 * ((${pk}) % 1000))`;
// The supplier of part pk in slot i (0..3): dbgen's PART_SUPP_BRIDGE.
const suppOf = (pk, i, s) => `((${pk}) + (${i}) * (${Math.floor(s / 4)} + ((${pk}) - 1) // ${s})) % ${s} + 1`;

// The odd residues mod 92 that are not multiples of 23: steps that visit
// five distinct colours.
const STEPS = Array.from({ length: 92 }, (_, k) => k).filter((k) => k % 2 === 1 && k % 23 !== 0);

function counts(sf) {
  const n = (base) => Math.max(1, Math.round(sf * base));
  return { supplier: n(10000), customer: n(150000), part: n(200000), orders: n(1500000), clerks: n(1000),
    bbb: Math.max(2, Math.ceil(sf * 5)) };
}

function tableSql(c) {
  return {
    region: `SELECT k::BIGINT AS r_regionkey, ${list(REGIONS)}[k + 1]::VARCHAR AS r_name,
      ${comment('k', 900, 31, 115)} AS r_comment FROM range(5) t(k) ORDER BY k`,
    nation: `SELECT k::BIGINT AS n_nationkey, ${list(NATIONS.map((n) => n[0]))}[k + 1]::VARCHAR AS n_name,
      [${NATIONS.map((n) => n[1]).join(', ')}][k + 1]::BIGINT AS n_regionkey,
      ${comment('k', 910, 31, 114)} AS n_comment FROM range(25) t(k) ORDER BY k`,
    supplier: `WITH s AS (
        SELECT k::BIGINT AS s_suppkey, (${h('k', 100)} % 25)::BIGINT AS nat,
               row_number() OVER (ORDER BY ${h('k', 101)}, k) AS bbb,
               ${comment('k', 110, 25, 100)} AS cmt
        FROM range(1, ${c.supplier + 1}) t(k))
      SELECT s_suppkey, ${padded('Supplier#', 's_suppkey')} AS s_name, ${address('s_suppkey', 120)} AS s_address,
        nat AS s_nationkey, ${phone('s_suppkey', 130, 'nat')} AS s_phone,
        ${money(`(${h('s_suppkey', 140)} % 1099999)::BIGINT - 99999`)} AS s_acctbal,
        CASE WHEN bbb <= ${c.bbb} THEN left(cmt, 20) || 'Customer ' || substr(cmt, 21, 30) || 'Complaints'
             WHEN bbb <= ${2 * c.bbb} THEN left(cmt, 20) || 'Customer ' || substr(cmt, 21, 30) || 'Recommends'
             ELSE cmt END AS s_comment
      FROM s ORDER BY s_suppkey`,
    customer: `WITH c AS (SELECT k::BIGINT AS ck, (${h('k', 200)} % 25)::BIGINT AS nat
                        FROM range(1, ${c.customer + 1}) t(k))
      SELECT ck AS c_custkey, ${padded('Customer#', 'ck')} AS c_name, ${address('ck', 210)} AS c_address,
        nat AS c_nationkey, ${phone('ck', 220, 'nat')} AS c_phone,
        ${money(`(${h('ck', 230)} % 1099999)::BIGINT - 99999`)} AS c_acctbal,
        ${oneOf(SEGMENTS, 'ck', 240)} AS c_mktsegment, ${comment('ck', 250, 29, 116)} AS c_comment
      FROM c ORDER BY ck`,
    part: `WITH p AS (SELECT k::BIGINT AS pk, ${h('k', 300)} % 92 AS c0,
                             ${list(STEPS.map(String))}[1 + (${h('k', 301)} % ${STEPS.length})::INT]::INT AS step,
                             1 + ${h('k', 302)} % 5 AS m
                      FROM range(1, ${c.part + 1}) t(k))
      SELECT pk AS p_partkey,
        concat_ws(' ', ${[0, 1, 2, 3, 4].map((i) => `${list(COLORS)}[1 + ((c0 + ${i} * step) % 92)::INT]`).join(', ')}) AS p_name,
        concat('Manufacturer#', m) AS p_mfgr, concat('Brand#', m, 1 + ${h('pk', 303)} % 5) AS p_brand,
        concat_ws(' ', ${oneOf(TYPE_S1, 'pk', 304)}, ${oneOf(TYPE_S2, 'pk', 305)}, ${oneOf(TYPE_S3, 'pk', 306)}) AS p_type,
        (1 + ${h('pk', 307)} % 50)::INTEGER AS p_size,
        concat_ws(' ', ${oneOf(CONT_S1, 'pk', 308)}, ${oneOf(CONT_S2, 'pk', 309)}) AS p_container,
        ${money(priceCents('pk'))} AS p_retailprice, ${comment('pk', 310, 5, 22)} AS p_comment
      FROM p ORDER BY pk`,
    partsupp: `WITH ps AS (SELECT k::BIGINT AS pk, i::BIGINT AS i, k * 4 + i AS r
                           FROM range(1, ${c.part + 1}) t(k), range(4) s(i))
      SELECT pk AS ps_partkey, (${suppOf('pk', 'i', c.supplier)})::BIGINT AS ps_suppkey,
        (1 + ${h('r', 400)} % 9999)::INTEGER AS ps_availqty, ${money(`100 + ${h('r', 401)} % 99901`)} AS ps_supplycost,
        ${comment('r', 410, 49, 198)} AS ps_comment
      FROM ps ORDER BY pk, i`,
  };
}

// The orders (before their totals and status) and the lines, as temporary
// tables; orders then takes its status and total price from its lines.
function orderSql(c) {
  const custWithOrders = c.customer - Math.floor(c.customer / 3);
  const ord = `CREATE TEMP TABLE ord AS
    SELECT i, (i // 8) * 32 + i % 8 + 1 AS o_orderkey,
      (3 * ((${h('i', 500)} % ${custWithOrders}) // 2) + 1 + (${h('i', 500)} % ${custWithOrders}) % 2)::BIGINT AS o_custkey,
      DATE '1992-01-01' + (${h('i', 501)} % 2406)::INT AS o_orderdate,
      1 + ${h('i', 502)} % 7 AS nlines,
      ${oneOf(PRIORITIES, 'i', 503)} AS o_orderpriority,
      ${padded('Clerk#', `1 + ${h('i', 504)} % ${c.clerks}`)} AS o_clerk,
      ${comment('i', 510, 19, 78)} AS o_comment
    FROM range(${c.orders}) t(i)`;
  const li = `CREATE TEMP TABLE li AS
    WITH l0 AS (
      SELECT o.i * 8 + l AS r, o.o_orderkey, o.o_orderdate, l,
             (1 + ${h('o.i * 8 + l', 600)} % ${c.part})::BIGINT AS pk,
             1 + ${h('o.i * 8 + l', 601)} % 50 AS q
      FROM ord o, range(7) t(l) WHERE l < o.nlines
    ), l1 AS (
      SELECT *, o_orderdate + (1 + ${h('r', 602)} % 121)::INT AS ship FROM l0
    )
    SELECT o_orderkey AS l_orderkey, pk AS l_partkey,
      (${suppOf('pk', `${h('r', 603)} % 4`, c.supplier)})::BIGINT AS l_suppkey,
      (l + 1)::INTEGER AS l_linenumber, q::DECIMAL(15,2) AS l_quantity,
      ${money(`q * ${priceCents('pk')}`)} AS l_extendedprice,
      ((${h('r', 604)} % 11) / 100)::DECIMAL(15,2) AS l_discount,
      ((${h('r', 605)} % 9) / 100)::DECIMAL(15,2) AS l_tax,
      CASE WHEN ship + (1 + ${h('r', 606)} % 30)::INT <= DATE '1995-06-17'
           THEN (CASE WHEN ${h('r', 607)} % 2 = 0 THEN 'R' ELSE 'A' END) ELSE 'N' END AS l_returnflag,
      CASE WHEN ship > DATE '1995-06-17' THEN 'O' ELSE 'F' END AS l_linestatus,
      ship AS l_shipdate, o_orderdate + (30 + ${h('r', 608)} % 61)::INT AS l_commitdate,
      ship + (1 + ${h('r', 606)} % 30)::INT AS l_receiptdate,
      ${oneOf(INSTRUCTIONS, 'r', 609)} AS l_shipinstruct, ${oneOf(MODES, 'r', 610)} AS l_shipmode,
      ${comment('r', 620, 10, 43)} AS l_comment
    FROM l1 ORDER BY o_orderkey, l`;
  const orders = `SELECT o.o_orderkey, o.o_custkey,
      CASE WHEN a.nf = a.n THEN 'F' WHEN a.nf = 0 THEN 'O' ELSE 'P' END AS o_orderstatus,
      a.total::DECIMAL(15,2) AS o_totalprice, o.o_orderdate, o.o_orderpriority, o.o_clerk,
      0::INTEGER AS o_shippriority, o.o_comment
    FROM ord o JOIN (SELECT l_orderkey, count(*) AS n, count(*) FILTER (WHERE l_linestatus = 'F') AS nf,
                            sum(round(l_extendedprice * (1 + l_tax) * (1 - l_discount), 2)) AS total
                     FROM li GROUP BY l_orderkey) a ON a.l_orderkey = o.o_orderkey
    ORDER BY o.o_orderkey`;
  return { ord, li, orders };
}

// ------------------------------------------------------------ driver

function readManifest(dir) {
  try {
    return JSON.parse(readFileSync(join(dir, 'tpch.json'), 'utf8'));
  } catch {
    return null;
  }
}

// Generates the tables into DIR (or reuses them); returns the manifest
// {version, sf, seconds, rows: {table: n}, files: {table: [path]}}.
export async function generate(dir, sf, { force = false, log = () => {} } = {}) {
  const have = readManifest(dir);
  if (!force && have && have.version === GEN_VERSION && have.sf === sf &&
      TABLES.every((t) => have.files[t]?.every((f) => existsSync(f)))) {
    log(`tpch gen: reusing SF ${sf} in ${dir} (generated in ${have.seconds} s)`);
    return have;
  }
  const t0 = performance.now();
  mkdirSync(dir, { recursive: true });
  rmSync(join(dir, 'tpch.json'), { force: true });
  const c = counts(sf);
  const db = await DuckDBInstance.create(':memory:', { preserve_insertion_order: 'true' });
  const con = await db.connect();
  const poolFile = join(tmpdir(), `tpch-pool-${process.pid}.txt`);
  writeFileSync(poolFile, `${textPool().join('\n')}\n`);
  try {
    await con.run(`CREATE TEMP TABLE pool AS SELECT (row_number() OVER () - 1)::UBIGINT AS id, t
      FROM read_csv(${lit(poolFile)}, header = false, delim = '\t', quote = '', escape = '', columns = {'t': 'VARCHAR'})`);
  } finally {
    rmSync(poolFile, { force: true });
  }
  const manifest = { version: GEN_VERSION, sf, seconds: 0, rows: {}, files: {} };
  const write = async (table, sql) => {
    const file = join(dir, `${table}.parquet`);
    const t1 = performance.now();
    await con.run(`COPY (${sql}) TO ${lit(file)} (FORMAT parquet, COMPRESSION zstd)`);
    const r = await con.runAndReadAll(`SELECT count(*) FROM read_parquet(${lit(file)})`);
    manifest.rows[table] = Number(r.getRows()[0][0]);
    manifest.files[table] = [file];
    log(`tpch gen: ${table}: ${manifest.rows[table]} rows, ${statSync(file).size} bytes, ` +
        `${((performance.now() - t1) / 1000).toFixed(1)} s`);
  };
  const sql = tableSql(c);
  for (const t of ['region', 'nation', 'supplier', 'customer', 'part', 'partsupp']) await write(t, sql[t]);
  const o = orderSql(c);
  await con.run(o.ord);
  await con.run(o.li);
  await write('orders', o.orders);
  await write('lineitem', 'SELECT * FROM li');
  con.closeSync?.();
  manifest.seconds = Number(((performance.now() - t0) / 1000).toFixed(1));
  writeFileSync(join(dir, 'tpch.json'), `${JSON.stringify(manifest, null, 1)}\n`);
  log(`tpch gen: SF ${sf} in ${manifest.seconds} s into ${dir}`);
  return manifest;
}

// The tables as tests/sql/korolev.mjs's loadWarehouse() takes them.
export function warehouseTables(manifest) {
  return TABLES.map((t) => ({ name: `tpch.${t}`, like: manifest.files[t][0], appends: [manifest.files[t]] }));
}

async function main(argv) {
  const args = argv.filter((a) => a !== '--force');
  const force = args.length !== argv.length;
  let load = null;
  const k = args.indexOf('--load');
  if (k >= 0) {
    load = { bin: args[k + 1], wh: args[k + 2] };
    args.splice(k, 3);
    if (!load.bin || !load.wh) args.length = 0;
  }
  const sf = Number(args[1]);
  if (args.length !== 2 || !(sf > 0)) {
    console.error('usage: node bench/tpch/gen.mjs DIR SF [--force] [--load KOROLEV WAREHOUSE]');
    return 2;
  }
  const m = await generate(args[0], sf, { force, log: (s) => console.log(s) });
  if (load) {
    const { loadWarehouse } = await import('../../tests/sql/korolev.mjs');
    const t0 = performance.now();
    loadWarehouse(load.bin, load.wh, '/', warehouseTables(m));
    console.log(`tpch gen: loaded 8 tables into ${load.wh} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).then((code) => process.exit(code), (e) => {
    console.error(`tpch gen: ${e.stack}`);
    process.exit(1);
  });
}
