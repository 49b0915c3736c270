// compare.mjs - brings DuckDB results and `korolev sql --format jsonl`
// output to one canonical form and compares them.
//
// Canonical values are directed by the column types DuckDB reports:
//   integers   {I: 'exact decimal text'}   Korolev must print a JSON integer
//   DECIMAL    {D: 'exact text'}           trailing zeros dropped (scales may
//                                          differ), compared exactly
//   FLOAT, DOUBLE {F: number | 'NaN' | 'Infinity' | '-Infinity', s}
//                                          equal within 1e-9 relative or
//                                          1e-12 absolute; FLOAT results (s)
//                                          are rounded to single precision
//                                          and compared within 1e-6
//   BLOB       {B: base64}                 Korolev's base64 (or DuckDB's
//                                          \xNN text) both accepted
//   MAP        [{key, value}]              Korolev's object form accepted
//   STRUCT, LIST  objects and arrays of canonical values
//   others     the text (dates, times, timestamps as DuckDB prints them)
// A Korolev value of the wrong JSON shape becomes {X: text}, equal to
// nothing: that is the loose type-family check.
//
// compareResults() checks column count and names (names only where DuckDB's
// is a plain identifier: an alias or a column, not an expression text), then
// rows: as multisets without a top-level ORDER BY; with one, in order, rows
// tied on the ORDER BY keys compared as multisets (and the first and last tie
// groups by their keys only when OFFSET (first group) or LIMIT/OFFSET (last
// group) may cut them).
import { DuckDBTypeId as T } from '@duckdb/node-api';
import { scanTopLevel, tokText } from './corpus.mjs';
import { parseExact } from '../peers/exact_json.mjs';

// ------------------------------------------------------------ canonical values

export const INTEGERS = new Set([T.TINYINT, T.SMALLINT, T.INTEGER, T.BIGINT, T.UTINYINT, T.USMALLINT,
  T.UINTEGER, T.UBIGINT, T.HUGEINT, T.UHUGEINT]);
const FLOATS = new Set([T.FLOAT, T.DOUBLE]);

// "-001.2300" -> "-1.23"; "-0.0" -> "0".
export function canonDecimal(s) {
  let [int, frac = ''] = String(s).split('.');
  const neg = int.startsWith('-');
  int = int.replace(/^[-+]/, '').replace(/^0+(?=\d)/, '');
  frac = frac.replace(/0+$/, '');
  const body = frac ? `${int}.${frac}` : int;
  return neg && /[1-9]/.test(body) ? `-${body}` : body;
}

// DuckDB's BLOB text: printable bytes as themselves, others as \xNN.
export function blobBytes(s) {
  const out = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\' && s[i + 1] === 'x') {
      out.push(parseInt(s.slice(i + 2, i + 4), 16));
      i += 3;
    } else {
      out.push(...Buffer.from(s[i], 'utf8'));
    }
  }
  return Buffer.from(out);
}

const isNum = (v) => v !== null && typeof v === 'object' && 'num' in v;
const isObj = (v) => v !== null && typeof v === 'object' && 'obj' in v;
const bad = (v) => ({ X: JSON.stringify(v) });

// @duckdb/node-api prints year 0 (1 BC) as "0000-12-31 ..."; DuckDB's own
// text, which Korolev follows, is "0001-12-31 (BC) ..." (other BC years
// agree).
const DATE_TYPES = new Set([T.DATE, T.TIMESTAMP, T.TIMESTAMP_TZ, T.TIMESTAMP_S, T.TIMESTAMP_MS, T.TIMESTAMP_NS]);
export const duckDateText = (v) => v.replace(/^0000-(\d\d-\d\d)/, '0001-$1 (BC)');

// A DuckDB value (getRowsJson form) in canonical form.
export function canonDuck(v, type) {
  if (v === null || v === undefined) return null;
  const id = type.typeId;
  if (DATE_TYPES.has(id) && typeof v === 'string') return duckDateText(v);
  if (id === T.LIST || id === T.ARRAY) return v.map((x) => canonDuck(x, type.valueType));
  if (id === T.STRUCT) {
    const o = {};
    type.entryNames.forEach((n, k) => (o[n] = canonDuck(v[n], type.entryTypes[k])));
    return o;
  }
  if (id === T.MAP)
    return v.map((e) => ({ key: canonDuck(e.key, type.keyType), value: canonDuck(e.value, type.valueType) }));
  if (INTEGERS.has(id)) return { I: BigInt(v).toString() };
  if (id === T.DECIMAL) return { D: canonDecimal(v) };
  if (FLOATS.has(id)) return { F: typeof v === 'string' ? v.replace('-NaN', 'NaN') : v, s: id === T.FLOAT };
  if (id === T.BLOB) return { B: blobBytes(v).toString('base64') };
  return v;
}

// A Korolev value (parseExact form) in canonical form, shaped by DuckDB's type.
export function canonKo(v, type) {
  if (v === null || v === undefined) return null;
  const id = type.typeId;
  if (id === T.LIST || id === T.ARRAY)
    return Array.isArray(v) ? v.map((x) => canonKo(x, type.valueType)) : bad(v);
  if (id === T.STRUCT) {
    if (!isObj(v)) return bad(v);
    const names = type.entryNames;
    if (v.obj.length !== names.length || v.obj.some((k, n) => k !== names[n])) return bad(v.obj);
    const o = {};
    names.forEach((n, k) => (o[n] = canonKo(v.vals[k], type.entryTypes[k])));
    return o;
  }
  if (id === T.MAP) {
    let entries;
    if (isObj(v)) entries = v.obj.map((key, k) => ({ key: INTEGERS.has(type.keyType.typeId) || type.keyType.typeId === T.DECIMAL ? { num: key } : key, value: v.vals[k] }));
    else if (Array.isArray(v)) entries = v.map((e) => (isObj(e) ? { key: e.vals[e.obj.indexOf('key')], value: e.vals[e.obj.indexOf('value')] } : e));
    else return bad(v);
    return entries.map((e) => ({ key: canonKo(e.key, type.keyType), value: canonKo(e.value, type.valueType) }));
  }
  if (INTEGERS.has(id)) return isNum(v) && /^-?\d+$/.test(v.num) ? { I: BigInt(v.num).toString() } : bad(v);
  if (id === T.DECIMAL) return isNum(v) && !/[eE]/.test(v.num) ? { D: canonDecimal(v.num) } : bad(v);
  if (FLOATS.has(id)) {
    if (isNum(v)) return { F: Number(v.num), s: id === T.FLOAT };
    if (typeof v === 'string' && /^-?(NaN|Infinity)$/.test(v)) return { F: v.replace('-NaN', 'NaN'), s: id === T.FLOAT };
    return bad(v);
  }
  if (id === T.BOOLEAN) return typeof v === 'boolean' ? v : bad(v);
  if (id === T.BLOB) {
    if (typeof v !== 'string') return bad(v);
    const b64 = /^[A-Za-z0-9+/]*={0,2}$/.test(v) && v.length % 4 === 0;
    return { B: b64 ? Buffer.from(v, 'base64').toString('base64') : blobBytes(v).toString('base64') };
  }
  return typeof v === 'string' ? v : bad(v);
}

// ------------------------------------------------------------ equality

function floatEq(a, b, single) {
  if (typeof a === 'string' || typeof b === 'string') {
    const norm = (x) => (typeof x === 'number' && !Number.isFinite(x) ? (Number.isNaN(x) ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity') : x);
    return norm(a) === norm(b);
  }
  let x = a;
  let y = b;
  let rel = 1e-9;
  if (single) {
    x = Math.fround(x);
    y = Math.fround(y);
    rel = 1e-6;
  }
  if (x === y) return true;
  const d = Math.abs(x - y);
  return d <= 1e-12 || d <= rel * Math.max(Math.abs(x), Math.abs(y));
}

export function same(a, b) {
  if (a === null || b === null) return a === b;
  if (typeof a !== 'object' || typeof b !== 'object') return a === b;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, k) => same(x, b[k]));
  }
  if ('F' in a && 'F' in b) return floatEq(a.F, b.F, a.s || b.s);
  if ('X' in a || 'X' in b) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => k in b && (k === 's' || same(a[k], b[k])));
}

// ------------------------------------------------------------ rows

// Key of a row without its floats (rows that are same() have equal keys).
const exactKey = (row) => JSON.stringify(row, (k, v) => (v && typeof v === 'object' && 'F' in v ? '~' : v));

function floatsOf(row, out = []) {
  for (const v of Array.isArray(row) ? row : Object.values(row ?? {})) {
    if (v && typeof v === 'object') {
      if ('F' in v) {
        const f = v.F;
        out.push(typeof f === 'number' ? f : f === 'NaN' ? Infinity : f === 'Infinity' ? Number.MAX_VALUE : -Number.MAX_VALUE);
      } else {
        floatsOf(v, out);
      }
    }
  }
  return out;
}

function cmpVec(a, b) {
  for (let k = 0; k < Math.min(a.length, b.length); k++) if (a[k] !== b[k]) return a[k] < b[k] ? -1 : 1;
  return a.length - b.length;
}

// Multiset equality of two row lists; returns null or a description.
export function multisetDiff(ra, rb) {
  if (ra.length !== rb.length) return `row count ${rb.length}, DuckDB ${ra.length}`;
  const buckets = new Map();
  for (const r of ra) {
    const k = exactKey(r);
    if (!buckets.has(k)) buckets.set(k, [[], []]);
    buckets.get(k)[0].push(r);
  }
  for (const r of rb) {
    const k = exactKey(r);
    if (!buckets.has(k)) return `row not in DuckDB's result: ${show(r)}`;
    buckets.get(k)[1].push(r);
  }
  for (const [, [a, b]] of buckets) {
    if (a.length !== b.length)
      return a.length > b.length ? `row missing (${a.length - b.length}x): ${show(a[0])}` : `extra row (${b.length - a.length}x): ${show(b[0])}`;
    if (!a.length || !floatsOf(a[0]).length) continue;
    const sa = [...a].sort((x, y) => cmpVec(floatsOf(x), floatsOf(y)));
    const sb = [...b].sort((x, y) => cmpVec(floatsOf(x), floatsOf(y)));
    if (sa.every((x, k) => same(x, sb[k]))) continue;
    if (a.length > 3000) return `rows differ in float values, e.g. ${show(sb.find((x, k) => !same(x, sa[k])))}`;
    const used = new Array(b.length).fill(false);
    for (const x of a) {
      const k = b.findIndex((y, n) => !used[n] && same(x, y));
      if (k < 0) return `row missing: ${show(x)}`;
      used[k] = true;
    }
  }
  return null;
}

// Compact text of a canonical value, for reports.
export function show(v, max = 300) {
  const s = JSON.stringify(v, (k, x) => {
    if (x && typeof x === 'object' && !Array.isArray(x)) {
      if ('I' in x) return x.I;
      if ('D' in x) return `${x.D}`;
      if ('F' in x) return x.F;
      if ('B' in x) return `b64:${x.B}`;
      if ('X' in x) return `?${x.X}`;
    }
    return x;
  });
  return s && s.length > max ? `${s.slice(0, max)}...` : s;
}

// Plain identifiers are aliases or column names in DuckDB's naming; other
// names (count_star(), "(x + 1)", CAST(...)) are expression texts that
// engines spell differently.
const comparableName = (n) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(n) && !/^(true|false|null)$/i.test(n);

// Maps the ORDER BY keys to result columns; null if one cannot be mapped.
function orderColumns(scan, names) {
  const lower = names.map((n) => n.toLowerCase());
  const cols = [];
  for (const key of scan.orderKeys) {
    const t = key.toks;
    let idx = -1;
    if (t.length === 1 && t[0].t === 'number' && /^\d+$/.test(t[0].v)) idx = Number(t[0].v) - 1;
    else if (t.length === 1 && (t[0].t === 'word' || t[0].t === 'quoted'))
      idx = lower.indexOf((t[0].t === 'quoted' ? t[0].v.slice(1, -1) : t[0].v).toLowerCase());
    else if (t.length === 3 && t[1].v === '.' && t[2].t === 'word') idx = lower.indexOf(t[2].v.toLowerCase());
    if (idx < 0 && !scan.selectItems.some((it) => tokText(it.toks) === '*')) {
      const text = tokText(t);
      idx = scan.selectItems.findIndex((it) => tokText(it.toks) === text);
    }
    if (idx < 0 || idx >= names.length) return null;
    cols.push(idx);
  }
  return cols;
}

// cut: {first, last}: which end groups OFFSET / LIMIT may have cut.
function orderedDiff(ra, rb, cols, cut) {
  if (ra.length !== rb.length) return `row count ${rb.length}, DuckDB ${ra.length}`;
  const keyOf = (r) => cols.map((c) => r[c]);
  let start = 0;
  const groups = [];
  for (let k = 1; k <= ra.length; k++) {
    if (k === ra.length || !same(keyOf(ra[k]), keyOf(ra[start]))) {
      groups.push([start, k]);
      start = k;
    }
  }
  for (let g = 0; g < groups.length; g++) {
    const [s, e] = groups[g];
    const want = keyOf(ra[s]);
    for (let k = s; k < e; k++)
      if (!same(keyOf(rb[k]), want)) return `row ${k + 1}: ORDER BY key ${show(keyOf(rb[k]))}, DuckDB ${show(want)}`;
    if ((cut.first && g === 0) || (cut.last && g === groups.length - 1)) continue;
    const d = multisetDiff(ra.slice(s, e), rb.slice(s, e));
    if (d) return `rows ${s + 1}..${e} (tied on the ORDER BY keys): ${d}`;
  }
  return null;
}

// ref: {names, types, rows} (rows canonical); ko: {names, rows} (canonical).
// Returns null when equal, else a description.
export function compareResults(sql, ref, ko) {
  if (ko.names && ko.names.length !== ref.names.length)
    return `${ko.names.length} columns ${JSON.stringify(ko.names)}, DuckDB ${ref.names.length} ${JSON.stringify(ref.names)}`;
  if (ko.names) {
    for (let k = 0; k < ref.names.length; k++) {
      if (comparableName(ref.names[k]) && ko.names[k] !== ref.names[k])
        return `column ${k + 1} is named ${JSON.stringify(ko.names[k])}, DuckDB ${JSON.stringify(ref.names[k])}`;
    }
  }
  const scan = scanTopLevel(sql);
  if (!scan.orderKeys) {
    if (scan.hasLimit || scan.hasOffset)
      return ko.rows.length === ref.rows.length ? null : `row count ${ko.rows.length}, DuckDB ${ref.rows.length} (LIMIT without ORDER BY: only counts compared)`;
    return multisetDiff(ref.rows, ko.rows);
  }
  const cols = orderColumns(scan, ref.names);
  if (cols) return orderedDiff(ref.rows, ko.rows, cols, { first: scan.hasOffset, last: scan.hasLimit || scan.hasOffset });
  // Keys not in the output: rows must come in DuckDB's order exactly.
  if (ko.rows.length !== ref.rows.length) return `row count ${ko.rows.length}, DuckDB ${ref.rows.length}`;
  const k = ref.rows.findIndex((r, n) => !same(r, ko.rows[n]));
  if (k < 0) return null;
  const m = multisetDiff(ref.rows, ko.rows);
  return m ?? `order differs at row ${k + 1} (ORDER BY keys are not result columns, so ties may explain it): ${show(ko.rows[k])}, DuckDB ${show(ref.rows[k])}`;
}

// Parses Korolev's JSON lines into {names, rows} shaped by DuckDB's types.
export function parseKorolev(stdout, types) {
  const lines = stdout.split('\n').filter((l) => l.trim().length);
  let names = null;
  const rows = lines.map((l) => {
    const o = parseExact(l);
    if (!isObj(o)) throw new Error(`a line is not a JSON object: ${l.slice(0, 80)}`);
    if (!names) names = o.obj;
    else if (o.obj.length !== names.length || o.obj.some((k, n) => k !== names[n]))
      throw new Error(`rows have different keys: ${JSON.stringify(o.obj)} vs ${JSON.stringify(names)}`);
    return o.vals.map((v, k) => (k < types.length ? canonKo(v, types[k]) : bad(v)));
  });
  return { names, rows };
}

// Splits a CSV header line into names.
export function csvHeader(line) {
  const out = [];
  const re = /\s*("(?:[^"]|"")*"|[^,]*)\s*(,|$)/g;
  let m;
  while ((m = re.exec(line)) && m[0].length) {
    out.push(m[1].startsWith('"') ? m[1].slice(1, -1).replaceAll('""', '"') : m[1]);
    if (!m[2]) break;
  }
  return out;
}

// ------------------------------------------------------------ printing

// Prints a DuckDB result the way `korolev sql --format jsonl` is specified
// to: exact integers and decimals, doubles with 17 significant digits,
// NaN/Infinity as strings, blobs in base64, maps with text keys as objects.
export function korolevJson(v, type) {
  if (v === null || v === undefined) return 'null';
  const id = type.typeId;
  if (id === T.LIST || id === T.ARRAY) return `[${v.map((x) => korolevJson(x, type.valueType)).join(',')}]`;
  if (id === T.STRUCT) return `{${type.entryNames.map((n, k) => `${JSON.stringify(n)}:${korolevJson(v[n], type.entryTypes[k])}`).join(',')}}`;
  if (id === T.MAP) {
    if (type.keyType.typeId === T.VARCHAR) return `{${v.map((e) => `${JSON.stringify(e.key)}:${korolevJson(e.value, type.valueType)}`).join(',')}}`;
    return `[${v.map((e) => `{"key":${korolevJson(e.key, type.keyType)},"value":${korolevJson(e.value, type.valueType)}}`).join(',')}]`;
  }
  if (INTEGERS.has(id)) return BigInt(v).toString();
  if (id === T.DECIMAL) return String(v);
  if (id === T.FLOAT || id === T.DOUBLE) {
    if (typeof v === 'string') return JSON.stringify(v);
    return id === T.FLOAT ? String(Math.fround(v)) : v.toPrecision(17);
  }
  if (id === T.BLOB) return JSON.stringify(blobBytes(v).toString('base64'));
  if (DATE_TYPES.has(id) && typeof v === 'string') return JSON.stringify(duckDateText(v));
  return JSON.stringify(v);
}
