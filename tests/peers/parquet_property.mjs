// parquet_property.mjs KOROLEV FILE...
//
// Checks Parquet files written by Korolev (tests/unit/test_pq_roundtrip.c
// with KO_PQ_KEEP) against two independent readers:
//
//   values      every record as DuckDB reads it, as hyparquet reads it and
//               as `korolev parquet cat --format jsonl` prints it must be
//               the same once brought to one canonical form
//   statistics  for every row group and leaf column, the min, max and null
//               count that `korolev parquet meta` reports must equal those
//               DuckDB's parquet_metadata() reports, the true ones computed
//               here from the data in the column's order (parquet.thrift's
//               TypeDefinedOrder), and, for top-level columns, the min and
//               max DuckDB computes itself over the row group's rows
//
// The canonical form follows the Parquet schema (read by hyparquet, not by
// Korolev): structs are objects in schema order, LIST groups and repeated
// fields arrays, MAP groups arrays of {key, value}; leaves become text or
// numbers by their logical type:
//   integers, DECIMAL    exact decimal text ("-1.5", never "-1.50" or "-.5")
//   FLOAT, DOUBLE        JS numbers as text, single floats rounded to single
//                        precision; "NaN", "Infinity", "-Infinity", "-0"
//   STRING, ENUM, JSON   the string; other binary: base64
//   DATE, TIME,          text as DuckDB prints it ("2021-01-31", "0044-03-15
//   TIMESTAMP, INT96     (BC)", "10:00:00.5+00", "2021-01-31 10:00:00.123"):
//                        Korolev's as printed, DuckDB's and hyparquet's made
//                        here from the days and units they return (the node
//                        API's own text gets year 0 wrong)
//   INTERVAL             "months/days/micros"; UUID its text
// hyparquet gives decimals as doubles (compared with a relative tolerance of
// 1e-15), maps as objects (entries compared sorted by key) and cannot read
// INTERVAL columns (left out of its check).  Known DuckDB behaviour, not
// differences: it drops non-finite float statistics, and it reads an
// unannotated repeated group of one field as a list of that field.
//
// Prints one line per file; a difference names the file, the row group and
// the column.  Exit status: 0 all same, 1 differences, 2 usage.
import { DuckDBInstance } from '@duckdb/node-api';
import { spawnSync } from 'node:child_process';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet/src/node.js';
import { compressors } from 'hyparquet-compressors';
import { parseExact as parseJson } from './exact_json.mjs';

const [korolev, ...files] = process.argv.slice(2);
if (!korolev || files.length === 0) {
  console.error('usage: parquet_property.mjs KOROLEV FILE...');
  process.exit(2);
}

// ------------------------------------------------------------ exact JSON

// Korolev's JSON with every digit kept: numbers become {num: 'text'},
// objects Maps (key order kept, integer-like keys too).
const parseExact = (text) => parseJson(text, (keys, vals) => new Map(keys.map((k, n) => [k, vals[n]])));

// ------------------------------------------------------------ schema

// The schema tree from the flat element list (hyparquet's parse).
function schemaTree(elements) {
  let at = 0;
  function node() {
    const el = elements[at++];
    const children = [];
    for (let k = 0; k < (el.num_children ?? 0); k++) children.push(node());
    return { el, children, name: el.name };
  }
  return node();
}

const isRepeated = (n) => n.el.repetition_type === 'REPEATED';
const annotated = (n, what) => n.el.converted_type === what || n.el.logical_type?.type === what;
const isList = (n) => !n.el.type && annotated(n, 'LIST') && n.children.length === 1 &&
  isRepeated(n.children[0]) && n.children[0].children.length === 1;
const isMap = (n) => !n.el.type && annotated(n, 'MAP') && n.children.length === 1 &&
  isRepeated(n.children[0]) && n.children[0].children.length === 2;

// How a leaf's values are canonicalised and ordered.
function leafInfo(el) {
  const lt = el.logical_type ?? {}, ct = el.converted_type;
  const info = (kind, extra = {}) => ({ kind, ...extra });
  if (lt.type === 'NULL') return info('null');
  if (['STRING', 'ENUM', 'JSON'].includes(lt.type) || ['UTF8', 'ENUM', 'JSON'].includes(ct))
    return info('string');
  if (lt.type === 'DECIMAL' || ct === 'DECIMAL') return info('decimal', { scale: lt.scale ?? el.scale ?? 0 });
  if (lt.type === 'DATE' || ct === 'DATE') return info('date');
  if (lt.type === 'TIME' || lt.type === 'TIMESTAMP')
    return info(lt.type.toLowerCase(), { unit: lt.unit, utc: lt.isAdjustedToUTC });
  if (lt.type === 'UUID') return info('uuid');
  if (lt.type === 'FLOAT16') return info('float');
  if (ct === 'INTERVAL') return info('interval');
  const physical = {
    BOOLEAN: 'bool', INT32: 'int', INT64: 'int', INT96: 'int96', FLOAT: 'float', DOUBLE: 'double',
  };
  return info(physical[el.type] ?? 'binary');
}

// Leaves in column order, each with its info and the nodes above it.
function leaves(root) {
  const out = [];
  (function walk(n, path) {
    if (n.el.type) out.push({ node: n, path: path.join('.'), info: leafInfo(n.el) });
    for (const c of n.children) walk(c, [...path, c.name]);
  })(root, []);
  return out;
}

// ------------------------------------------------------------ canonical leaves

const UNIT_NS = { MILLIS: 1000000n, MICROS: 1000n, NANOS: 1n };
const NS_PER_DAY = 86400000000000n;

function pad(v, n) {
  return String(v).padStart(n, '0');
}

// Days since 1970-01-01 to proleptic Gregorian y, m, d (Hinnant's algorithm).
function civil(days) {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const f = Math.floor;
  const yoe = f((doe - f(doe / 1460) + f(doe / 36524) - f(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

function daysFromCivil(y, m, d) {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function dateText(days) {
  const [y, m, d] = civil(days);
  return `${pad(y > 0 ? y : 1 - y, 4)}-${pad(m, 2)}-${pad(d, 2)}${y > 0 ? '' : ' (BC)'}`;
}

// "HH:MM:SS[.fraction]" of nanoseconds within a day, trailing zeros dropped.
function clockText(ns) {
  const secs = ns / 1000000000n, frac = ns % 1000000000n;
  const hms = `${pad(secs / 3600n, 2)}:${pad((secs / 60n) % 60n, 2)}:${pad(secs % 60n, 2)}`;
  return frac ? `${hms}.${pad(frac, 9).replace(/0+$/, '')}` : hms;
}

function stampText(ns) {
  let days = ns / NS_PER_DAY, nod = ns % NS_PER_DAY;
  if (nod < 0n) (nod += NS_PER_DAY), days--;
  return `${dateText(Number(days))} ${clockText(nod)}`;
}

// "-001.2300" -> "-1.23", "-.5" -> "-0.5", "-0.0" -> "0".
function canonDecimal(s) {
  let [int, frac = ''] = String(s).split('.');
  const neg = int.startsWith('-');
  int = int.replace(/^[-+]/, '').replace(/^0+(?=\d)/, '') || '0';
  frac = frac.replace(/0+$/, '');
  const body = frac ? `${int}.${frac}` : int;
  return neg && /[1-9]/.test(body) ? `-${body}` : body;
}

function canonFloat(x, single) {
  if (typeof x === 'string' && /^[-+]?nan$/i.test(x)) x = NaN;
  if (typeof x === 'string' && /^[-+]?inf(inity)?$/i.test(x)) x = x.startsWith('-') ? -Infinity : Infinity;
  const v = single ? Math.fround(Number(x)) : Number(x);
  return Object.is(v, -0) ? '-0' : String(v);
}

// DuckDB's BLOB text: printable bytes as themselves, others as \xNN.
function bytesFromDuck(s) {
  const out = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\' && s[i + 1] === 'x') {
      out.push(parseInt(s.slice(i + 2, i + 4), 16));
      i += 3;
    } else {
      out.push(...Buffer.from(s[i], 'latin1'));
    }
  }
  return Buffer.from(out);
}

const num = (v) => (v !== null && typeof v === 'object' && 'num' in v ? v.num : v);
const withTz = (text, info) => (info.utc && !text.endsWith('+00') ? `${text}+00` : text);

// Korolev's INTERVAL text: "1 year 2 months 3 days 00:00:00.004".
function intervalFromText(s) {
  const n = (re) => Number(re.exec(s)?.[1] ?? 0);
  const t = /(\d+):(\d\d):(\d\d)(?:\.(\d+))?/.exec(s);
  const micros = t ? (BigInt(t[1]) * 3600n + BigInt(t[2]) * 60n + BigInt(t[3])) * 1000000n +
    BigInt((t[4] ?? '').padEnd(6, '0').slice(0, 6)) : 0n;
  return `${n(/(-?\d+) years?/) * 12 + n(/(-?\d+) months?/)}/${n(/(-?\d+) days?/)}/${micros}`;
}

// One leaf value as DuckDB's node API gives it (getRowObjects: numbers,
// bigints, strings, or DuckDB*Value objects holding days, micros, bytes...).
function duckLeaf(v, info) {
  const tz = (text) => withTz(text, info);
  switch (info.kind) {
    case 'int': return BigInt(v).toString();
    case 'decimal': return canonDecimal(decimalText(v.value, v.scale));
    case 'float': case 'double': return canonFloat(v, info.kind === 'float');
    case 'binary': return Buffer.from(v.bytes).toString('base64');
    case 'uuid': return v.toString();
    case 'date': return dateText(v.days);
    case 'time': return tz(clockText('nanos' in v ? v.nanos : BigInt(v.micros) * 1000n) + offsetText(v));
    case 'timestamp': case 'int96': return tz(stampText(stampNanos(v)));
    case 'interval': return `${v.months}/${v.days}/${BigInt(v.micros)}`;
    default: return v;
  }
}

// A TIMETZ offset other than UTC, as DuckDB would print it.
const offsetText = (v) => ('offset' in v && v.offset !== 0 ? `(offset ${v.offset})` : '');

function stampNanos(v) {
  if ('nanos' in v) return BigInt(v.nanos);
  if ('millis' in v) return BigInt(v.millis) * 1000000n;
  return BigInt(v.micros) * 1000n;
}

function decimalText(unscaled, scale) {
  const neg = unscaled < 0n;
  const digits = (neg ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const body = scale ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits;
  return neg ? `-${body}` : body;
}

// One statistics bound as DuckDB's parquet_metadata() prints it (VARCHAR).
function duckStatLeaf(v, info) {
  switch (info.kind) {
    case 'int': return BigInt(v).toString();
    case 'decimal': return canonDecimal(v);
    case 'float': case 'double': return canonFloat(v, info.kind === 'float');
    case 'bool': return v === 'true';
    case 'binary': return bytesFromDuck(v).toString('base64');
    case 'time': case 'timestamp': return withTz(v, info);
    default: return v;
  }
}

// One leaf value as `korolev parquet cat` prints it (exact-parsed).
function oursLeaf(v, info) {
  switch (info.kind) {
    case 'int': return BigInt(num(v)).toString();
    case 'decimal': return canonDecimal(num(v));
    case 'float': case 'double': return canonFloat(num(v), info.kind === 'float');
    case 'interval': return intervalFromText(v);
    default: return num(v);
  }
}

const textOf = (v) => (v instanceof Uint8Array ? new TextDecoder().decode(v) : v);

// One leaf value as hyparquet returns it with the parsers below.
function hypLeaf(v, info) {
  switch (info.kind) {
    case 'int': return BigInt(v).toString();
    case 'decimal': return { approx: Number(v) };
    case 'float': case 'double': return canonFloat(v, info.kind === 'float');
    case 'string': return textOf(v);
    case 'binary': return Buffer.from(v).toString('base64');
    case 'date': return dateText(Number(v));
    case 'time': return withTz(clockText(BigInt(v) * UNIT_NS[info.unit]), info);
    case 'timestamp': // nanoseconds from PARSERS
      return withTz(stampText(typeof v === 'bigint' ? v : BigInt(v) * UNIT_NS[info.unit]), info);
    case 'int96': return stampText(v);
    default: return v;
  }
}

// hyparquet parsers that keep values exact: days, nanoseconds, raw text.
const PARSERS = {
  timestampFromMilliseconds: (v) => BigInt(v) * 1000000n,
  timestampFromMicroseconds: (v) => BigInt(v) * 1000n,
  timestampFromNanoseconds: (v) => BigInt(v),
  dateFromDays: (v) => v,
  jsonFromBytes: (v) => v && new TextDecoder().decode(v),
};

// ------------------------------------------------------------ canonical records

// Each source's way of showing maps and structs.
const SOURCES = {
  duck: {
    leaf: duckLeaf,
    list: (v) => v.items,
    entries: (v) => v.entries.map((e) => [e.key, e.value]),
    field: (v, name) => (v.entries ? v.entries[name] : v[name]),
    names: (v) => Object.keys(v.entries ?? v),
  },
  ours: {
    leaf: oursLeaf,
    list: (v) => v,
    entries: (v) => (v instanceof Map ? [...v.entries()] : v.map((e) => [e.get('key'), e.get('value')])),
    field: (v, name) => v.get(name),
    names: (v) => [...v.keys()],
  },
  hyp: {
    leaf: hypLeaf,
    list: (v) => v,
    entries: (v) => Object.entries(v),
    field: (v, name) => v[name],
    names: (v) => Object.keys(v),
  },
};

// ctx: {src, sortMaps}.  A hyparquet map key is a string: parse it back.
function mapKey(ctx, k, keyNode) {
  if (ctx.src !== SOURCES.hyp) return canonField(ctx, k, keyNode);
  const kind = leafInfo(keyNode.el).kind;
  return hypLeaf(kind === 'string' ? k : kind === 'date' ? Number(k) : BigInt(k), leafInfo(keyNode.el));
}

function canonStruct(ctx, v, node) {
  const o = {};
  for (const c of node.children) o[c.name] = canonField(ctx, ctx.src.field(v, c.name), c);
  const names = ctx.src.names(v);
  if (names.join() !== node.children.map((c) => c.name).join()) o['(fields)'] = names;
  return o;
}

// DuckDB reads an unannotated repeated group of one field as a list of
// that field (as if it were a 2-level LIST), not as a list of structs.
const collapsedByDuck = (ctx, node) =>
  ctx.src === SOURCES.duck && isRepeated(node) && !node.el.type && node.children.length === 1;

function canonInstance(ctx, v, node) {
  if (node.el.type) return ctx.src.leaf(v, leafInfo(node.el));
  if (collapsedByDuck(ctx, node)) return { [node.children[0].name]: canonField(ctx, v, node.children[0]) };
  if (isList(node)) return ctx.src.list(v).map((x) => canonField(ctx, x, node.children[0].children[0]));
  if (isMap(node)) {
    const [key, value] = node.children[0].children;
    const out = ctx.src.entries(v).map(([k, x]) => ({
      key: mapKey(ctx, k, key),
      value: canonField(ctx, x, value),
    }));
    return ctx.sortMaps ? out.sort((a, b) => (JSON.stringify(a.key) < JSON.stringify(b.key) ? -1 : 1)) : out;
  }
  return canonStruct(ctx, v, node);
}

function canonField(ctx, v, node) {
  if (v === null || v === undefined) return null;
  if (isRepeated(node)) return ctx.src.list(v).map((x) => canonInstance(ctx, x, node));
  return canonInstance(ctx, v, node);
}

function canonRecord(src, row, root, columns, sortMaps = false) {
  const ctx = { src: SOURCES[src], sortMaps };
  const o = {};
  for (const c of root.children)
    if (columns.includes(c.name)) o[c.name] = canonField(ctx, ctx.src.field(row, c.name), c);
  return o;
}

// Deep equality; {approx} (hyparquet decimals) against a decimal text.
function same(a, b) {
  if (b && typeof b === 'object' && 'approx' in b) {
    const x = Number(a);
    return x === b.approx || Math.abs(x - b.approx) <= Math.abs(x) * 1e-15;
  }
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const ka = Object.keys(a), kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && same(a[k], b[k]));
}

// ------------------------------------------------------------ readers

const db = await DuckDBInstance.create(':memory:', { threads: '2' });
const con = await db.connect();
try {
  await con.run("SET TimeZone = 'UTC'"); // statistics print TIMESTAMPTZ in it (needs ICU)
} catch {
  // without ICU DuckDB prints them in UTC anyway
}
const lit = (s) => `'${s.replaceAll("'", "''")}'`;

async function duckRows(file) {
  const r = await con.runAndReadAll(`SELECT * FROM read_parquet(${lit(file)})`);
  return r.getRowObjects();
}

function runKorolev(args) {
  const r = spawnSync(korolev, args, { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`korolev ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  return r.stdout;
}

const oursRows = (file) =>
  runKorolev(['parquet', 'cat', '--format', 'jsonl', file]).split('\n').filter((l) => l).map(parseExact);

// Top-level columns hyparquet can read (it rejects INTERVAL and BSON).
function hypColumns(root) {
  const bad = (n) => ['INTERVAL', 'BSON'].includes(n.el.converted_type) || n.children.some(bad);
  return root.children.filter((c) => !bad(c)).map((c) => c.name);
}

// ------------------------------------------------------------ statistics

function bytesOf(canon, info) {
  if (info.kind === 'binary') return Buffer.from(canon, 'base64');
  if (info.kind === 'uuid') return Buffer.from(canon.replaceAll('-', ''), 'hex');
  return Buffer.from(canon, 'utf8');
}

function scaled(text, scale) {
  const [int, frac = ''] = text.replace('-', '').split('.');
  const v = BigInt(int + frac.padEnd(scale, '0'));
  return text.startsWith('-') ? -v : v;
}

function clockNs(t) {
  const m = /^(\d+):(\d\d):(\d\d)(?:\.(\d+))?/.exec(t);
  const secs = BigInt(m[1]) * 3600n + BigInt(m[2]) * 60n + BigInt(m[3]);
  return secs * 1000000000n + BigInt((m[4] ?? '').padEnd(9, '0'));
}

function dateDays(t) {
  const m = /^(\d+)-(\d\d)-(\d\d)( \(BC\))?/.exec(t);
  return daysFromCivil(m[4] ? 1 - Number(m[1]) : Number(m[1]), Number(m[2]), Number(m[3]));
}

// A comparable key of a canonical value in the column's order, or
// undefined for values that never become a bound (NaN) and types without
// an order.
function orderKey(canon, info) {
  switch (info.kind) {
    case 'bool': return canon ? 1n : 0n;
    case 'int': return BigInt(canon);
    case 'decimal': return scaled(canon, info.scale);
    case 'float': case 'double': return canon === 'NaN' ? undefined : Number(canon);
    case 'date': return BigInt(dateDays(canon));
    case 'time': return clockNs(canon);
    case 'timestamp': return BigInt(dateDays(canon)) * NS_PER_DAY + clockNs(canon.split(' ').at(-1));
    case 'string': case 'binary': case 'uuid': return bytesOf(canon, info);
    default: return undefined;
  }
}

function compareKeys(a, b) {
  if (Buffer.isBuffer(a)) return Buffer.compare(a, b);
  return a < b ? -1 : a > b ? 1 : 0;
}

// Adds one record's entries of every leaf under node to acc (per leaf:
// values and the count of entries without one).
function collect(acc, v, node) {
  const absent = (n) => {
    if (n.el.type) acc.get(n).nulls++;
    n.children.forEach(absent);
  };
  const instance = (x, n) => {
    if (n.el.type) return acc.get(n).values.push(x);
    if (isList(n)) return x.length ? x.forEach((e) => field(e, n.children[0].children[0])) : absent(n);
    if (isMap(n)) {
      const [k, val] = n.children[0].children;
      return x.length ? x.forEach((e) => (field(e.key, k), field(e.value, val))) : absent(n);
    }
    n.children.forEach((c) => field(x[c.name], c));
  };
  const field = (x, n) => {
    if (x === null) return absent(n);
    if (!isRepeated(n)) return instance(x, n);
    return x.length ? x.forEach((e) => instance(e, n)) : absent(n);
  };
  field(v, node);
}

const CHUNK_STAT_MAX = 4096; // longer bounds are left out, as Arrow does

// The statistics a row group's values call for: {min, max, null_count}.
function trueStats(values, nulls, info) {
  let lo, hi, klo, khi;
  for (const v of values) {
    const k = orderKey(v, info);
    if (k === undefined) continue;
    if (klo === undefined || compareKeys(k, klo) < 0) (lo = v), (klo = k);
    if (khi === undefined || compareKeys(k, khi) > 0) (hi = v), (khi = k);
  }
  const out = { null_count: String(nulls) };
  if (klo === undefined) return out;
  if (Buffer.isBuffer(klo) && (klo.length > CHUNK_STAT_MAX || khi.length > CHUNK_STAT_MAX)) return out;
  const zero = (v, z) => (['float', 'double'].includes(info.kind) && Number(v) === 0 ? z : v);
  return { ...out, min: zero(lo, '-0'), max: zero(hi, '0') };
}

// Korolev's statistics of one chunk from `parquet meta`.
function oursStats(col, info) {
  const s = col.get('statistics');
  if (!s) return {};
  const out = { null_count: s.has('null_count') ? num(s.get('null_count')) : undefined };
  for (const b of ['min', 'max']) if (s.has(b)) out[b] = oursLeaf(s.get(b), info);
  return out;
}

// DuckDB's parquet_metadata() statistics of one chunk.
function duckStats(row, info) {
  const out = { null_count: row.stats_null_count ?? undefined };
  if (row.stats_min !== null || row.stats_max !== null) out.legacy = [row.stats_min, row.stats_max];
  if (row.stats_min_value !== null) out.min = duckStatLeaf(row.stats_min_value, info);
  if (row.stats_max_value !== null) out.max = duckStatLeaf(row.stats_max_value, info);
  return out;
}

const show = (s) => JSON.stringify(s);

// Chunks whose bounds were compared, by leaf kind (printed at the end).
const bounded = {};

// Compares Korolev's statistics with the truth and with DuckDB's reading.
function checkChunk(where, ours, truth, duck, info) {
  const problems = [];
  if (truth.min !== undefined) bounded[info.kind] = (bounded[info.kind] ?? 0) + 1;
  if (show(ours) !== show(truth)) problems.push(`${where}: korolev meta ${show(ours)}, data ${show(truth)}`);
  const nonFinite = (v) => /Infinity/.test(v ?? '');
  const duckWant = { ...ours };
  for (const b of ['min', 'max'])
    if (['float', 'double'].includes(info.kind) && nonFinite(ours[b])) delete duckWant[b]; // DuckDB drops them
  if (show(duck) !== show(duckWant))
    problems.push(`${where}: korolev meta ${show(ours)}, DuckDB ${show(duck)}`);
  return problems;
}

// Row ranges [first, end) of the row groups.
function rowRanges(meta) {
  let at = 0;
  return meta.get('row_groups').map((g) => {
    const n = Number(num(g.get('num_rows')));
    return [at, (at += n)];
  });
}

async function checkStats(file, root, meta, records) {
  const ls = leaves(root);
  const ranges = rowRanges(meta);
  const md = await con.runAndReadAll(
    `SELECT * FROM parquet_metadata(${lit(file)}) ORDER BY row_group_id, column_id`);
  const duckMeta = md.getRowObjectsJson();
  const problems = [];
  ranges.forEach(([first, end], g) => {
    const acc = new Map(ls.map((l) => [l.node, { values: [], nulls: 0 }]));
    for (let r = first; r < end; r++) for (const c of root.children) collect(acc, records[r][c.name], c);
    const cols = meta.get('row_groups')[g].get('columns');
    ls.forEach((l, c) => {
      const where = `row group ${g}, column ${l.path}`;
      const a = acc.get(l.node);
      const duckRow = duckMeta.find((m) => Number(m.row_group_id) === g && Number(m.column_id) === c);
      if (!duckRow) return problems.push(`${where}: not in DuckDB's parquet_metadata`);
      problems.push(...checkChunk(where, oursStats(cols[c], l.info), trueStats(a.values, a.nulls, l.info),
        duckStats(duckRow, l.info), l.info));
    });
  });
  problems.push(...(await checkDuckMinMax(file, root, ranges, meta)));
  return problems;
}

// DuckDB's own min/max over each row group's rows, for top-level leaves
// whose order DuckDB shares (floats without NaN, zero signs ignored).
async function checkDuckMinMax(file, root, ranges, meta) {
  const ordered = ['int', 'decimal', 'float', 'double', 'string', 'binary', 'uuid', 'date', 'time',
    'timestamp', 'bool'];
  const cols = root.children.filter((c) =>
    c.el.type && !isRepeated(c) && ordered.includes(leafInfo(c.el).kind));
  if (cols.length === 0 || ranges.length === 0) return [];
  const leafIndex = new Map(leaves(root).map((l, i) => [l.node, i]));
  const q = (c) => `"${c.name}"`;
  const agg = cols.map((c) => {
    const f = ['float', 'double'].includes(leafInfo(c.el).kind) ? ` FILTER (WHERE NOT isnan(${q(c)}))` : '';
    return `min(${q(c)})${f} AS "min_${c.name}", max(${q(c)})${f} AS "max_${c.name}"`;
  });
  const groups = ranges.map(([a, b], g) => `(${g}, ${a}, ${b})`).join(',');
  const r = await con.runAndReadAll(`SELECT g."(rg)", ${agg.join(', ')}
    FROM (VALUES ${groups}) g("(rg)", "(lo)", "(hi)")
    JOIN read_parquet(${lit(file)}, file_row_number = true) t
      ON t.file_row_number >= g."(lo)" AND t.file_row_number < g."(hi)"
    GROUP BY g."(rg)" ORDER BY g."(rg)"`);
  const problems = [];
  const unsign = (v) => (v === '-0' ? '0' : v);
  for (const row of r.getRowObjects()) {
    const g = Number(row['(rg)']);
    for (const c of cols) {
      const info = leafInfo(c.el);
      const ours = oursStats(meta.get('row_groups')[g].get('columns')[leafIndex.get(c)], info);
      for (const b of ['min', 'max']) {
        const d = row[`${b}_${c.name}`];
        const want = d === null ? undefined : unsign(duckLeaf(d, info));
        if (ours[b] !== undefined && unsign(ours[b]) !== want)
          problems.push(`row group ${g}, column ${c.name}: ` +
            `korolev ${b} ${show(ours[b])}, DuckDB's ${b}() ${show(want)}`);
      }
    }
  }
  return problems;
}

// ------------------------------------------------------------ one file

function firstDifference(name, a, b, columns, ranges) {
  if (a.length !== b.length) return [`row count: DuckDB ${a.length}, ${name} ${b.length}`];
  for (let r = 0; r < a.length; r++) {
    for (const c of columns) {
      if (same(a[r][c], b[r][c])) continue;
      const g = ranges.findIndex(([lo, hi]) => r >= lo && r < hi);
      const [x, y] = [show(a[r][c]).slice(0, 300), show(b[r][c]).slice(0, 300)];
      return [`row ${r} (row group ${g}), column ${c}: DuckDB ${x}, ${name} ${y}`];
    }
  }
  return [];
}

async function checkFile(file) {
  const asyncBuffer = await asyncBufferFromFile(file);
  const hmeta = await parquetMetadataAsync(asyncBuffer);
  const root = schemaTree(hmeta.schema);
  const all = root.children.map((c) => c.name);
  const meta = parseExact(runKorolev(['parquet', 'meta', file]));
  const ranges = rowRanges(meta);
  const duckRaw = await duckRows(file);
  const duck = duckRaw.map((r) => canonRecord('duck', r, root, all));
  const ours = oursRows(file).map((r) => canonRecord('ours', r, root, all));
  const problems = firstDifference('korolev', duck, ours, all, ranges);
  const hcols = hypColumns(root);
  if (hcols.length) {
    const hyp = await parquetReadObjects({
      file: asyncBuffer, compressors, utf8: false, parsers: PARSERS, columns: hcols,
    });
    const want = duckRaw.map((r) => canonRecord('duck', r, root, hcols, true));
    const got = hyp.map((r) => canonRecord('hyp', r, root, hcols, true));
    problems.push(...firstDifference('hyparquet', want, got, hcols, ranges));
  }
  if (problems.length === 0) problems.push(...(await checkStats(file, root, meta, duck)));
  const skipped = all.filter((c) => !hcols.includes(c));
  return { problems, rows: duck.length, groups: ranges.length, skipped };
}

let failed = 0;
for (const file of files) {
  const base = file.split('/').pop();
  let r;
  try {
    r = await checkFile(file);
  } catch (e) {
    r = { problems: [`cannot be checked: ${String(e.message).split('\n')[0]}`] };
  }
  if (r.problems.length) {
    failed++;
    console.log(`DIFF ${base}:\n  ${r.problems.slice(0, 8).join('\n  ')}`);
  } else {
    const skip = r.skipped.length ? `; hyparquet skips ${r.skipped.join(',')}` : '';
    console.log(`same ${base}: ${r.rows} rows, ${r.groups} row groups${skip}`);
  }
}
const tally = Object.entries(bounded).sort().map(([k, n]) => `${k} ${n}`).join(', ');
console.log(`chunk bounds compared: ${tally}`);
console.log(`${failed ? 'FAILED' : 'OK'}: ${files.length} files, ${failed} with differences`);
process.exit(failed ? 1 : 0);
