// duckdb_jsonl.mjs compare FILE OURS.jsonl
// duckdb_jsonl.mjs dump FILE
//
// Compares `korolev parquet cat --format jsonl` output (OURS.jsonl) with the
// records DuckDB reads from the same Parquet FILE.  Both sides are brought
// to one canonical form, directed by the column types DuckDB reports:
//   integers, DECIMAL    exact decimal text (DuckDB gives strings for wide
//                        values; ours are JSON numbers, parsed here without
//                        going through doubles)
//   FLOAT                rounded to single precision on both sides (DuckDB
//                        prints the widened double, we print the shortest
//                        float text)
//   BLOB                 base64 (DuckDB prints "\xNN" escapes, we base64)
//   MAP                  a list of {key, value} (we print an object when the
//                        keys are strings)
//   everything else      as printed: dates, times and timestamps must match
//                        DuckDB's text exactly
// One known difference is tolerated: an INT96 or timestamp outside the range
// of int64 microseconds (DuckDB overflows; Korolev prints the exact instant).
// `dump` prints DuckDB's canonical rows.  Exit status: 0 same, 1 different
// (the first differences are printed), 2 usage or a reader failure.
import { DuckDBInstance, DuckDBTypeId as T } from '@duckdb/node-api';
import { readFileSync } from 'node:fs';
import { parseExact as parseJson } from './exact_json.mjs';

const [mode, file, ours] = process.argv.slice(2);
if (!(mode === 'dump' && file) && !(mode === 'compare' && file && ours)) {
  console.error('usage: duckdb_jsonl.mjs compare FILE OURS.jsonl | dump FILE');
  process.exit(2);
}

// ------------------------------------------------------------ JSON with exact numbers

// Parses JSON text, returning numbers as {num: 'text'} so that 64-bit
// integers and decimals keep every digit; objects are plain objects.
const parseExact = (text) => parseJson(text, (keys, vals) => Object.fromEntries(keys.map((k, n) => [k, vals[n]])));

// ------------------------------------------------------------ canonical values

const INTEGERS = new Set([T.TINYINT, T.SMALLINT, T.INTEGER, T.BIGINT, T.UTINYINT, T.USMALLINT,
  T.UINTEGER, T.UBIGINT, T.HUGEINT, T.UHUGEINT]);

// "-001.2300" -> "-1.23"; "-0.0" -> "0".
function canonDecimal(s) {
  let [int, frac = ''] = String(s).split('.');
  const neg = int.startsWith('-');
  int = int.replace(/^[-+]/, '').replace(/^0+(?=\d)/, '');
  frac = frac.replace(/0+$/, '');
  const body = frac ? `${int}.${frac}` : int;
  return neg && /[1-9]/.test(body) ? `-${body}` : body;
}

function canonFloat(v, single) {
  if (typeof v === 'string' && /^-?(NaN|Infinity)$/.test(v)) return v.replace('-NaN', 'NaN');
  const x = Number(typeof v === 'object' ? v.num : v);
  const r = single ? Math.fround(x) : x;
  return Object.is(r, -0) ? 0 : r;
}

// DuckDB's BLOB text: bytes as themselves, others as \xNN.
function blobFromDuck(s) {
  const out = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\' && s[i + 1] === 'x') {
      out.push(parseInt(s.slice(i + 2, i + 4), 16));
      i += 3;
    } else {
      out.push(...Buffer.from(s[i], 'latin1'));
    }
  }
  return Buffer.from(out).toString('base64');
}

function num(v) {
  return typeof v === 'object' && v !== null && 'num' in v ? v.num : v;
}

// side: 'duck' or 'ours'.
function canon(v, type, side) {
  if (v === null || v === undefined) return null;
  const id = type.typeId;
  if (id === T.LIST || id === T.ARRAY) return v.map((x) => canon(x, type.valueType, side));
  if (id === T.STRUCT) {
    const o = {};
    type.entryNames.forEach((n, k) => (o[n] = canon(v[n], type.entryTypes[k], side)));
    return o;
  }
  if (id === T.MAP) {
    const entries = Array.isArray(v) ? v : Object.entries(v).map(([key, value]) => ({ key, value }));
    return entries.map((e) => ({
      key: canon(e.key, type.keyType, side),
      value: canon(e.value, type.valueType, side),
    }));
  }
  if (INTEGERS.has(id)) return BigInt(num(v)).toString();
  if (id === T.DECIMAL) return canonDecimal(num(v));
  if (id === T.FLOAT || id === T.DOUBLE) return canonFloat(v, id === T.FLOAT);
  if (id === T.BLOB) return side === 'duck' ? blobFromDuck(v) : v;
  return typeof v === 'object' && 'num' in v ? v.num : v;
}

// ------------------------------------------------------------ DuckDB

const db = await DuckDBInstance.create(':memory:', { threads: '2' });
const con = await db.connect();
let reader;
try {
  reader = await con.runAndReadAll(`SELECT * FROM read_parquet('${file.replaceAll("'", "''")}')`);
} catch (e) {
  console.error(`DuckDB cannot read ${file}: ${e.message.split('\n')[0]}`);
  process.exit(2);
}
const names = reader.columnNames();
const types = reader.columnTypes();
const duckRows = reader.getRowObjectsJson().map((row) => {
  const o = {};
  names.forEach((n, k) => (o[n] = canon(row[n], types[k], 'duck')));
  return o;
});

if (mode === 'dump') {
  for (const r of duckRows) console.log(JSON.stringify(r));
  process.exit(0);
}

// ------------------------------------------------------------ compare

// A timestamp outside int64 microseconds: DuckDB's value wraps around.
function outOfRange(text) {
  const m = /^(\d+)-\d\d-\d\d( \(BC\))?/.exec(text ?? '');
  return m && (Number(m[1]) > 290000);
}

const lines = readFileSync(ours, 'utf8').split('\n').filter((l) => l.length);
const problems = [];
if (lines.length !== duckRows.length)
  problems.push(`row count: korolev ${lines.length}, DuckDB ${duckRows.length}`);
for (let r = 0; r < Math.min(lines.length, duckRows.length) && problems.length < 5; r++) {
  let obj;
  try {
    obj = parseExact(lines[r]);
  } catch (e) {
    problems.push(`row ${r}: ${e.message}`);
    continue;
  }
  const keys = Object.keys(obj);
  if (JSON.stringify(keys) !== JSON.stringify(names))
    problems.push(`row ${r}: columns ${JSON.stringify(keys)} vs DuckDB ${JSON.stringify(names)}`);
  names.forEach((n, k) => {
    const a = JSON.stringify(canon(obj[n], types[k], 'ours'));
    const b = JSON.stringify(duckRows[r][n]);
    if (a !== b && !outOfRange(obj[n]))
      problems.push(`row ${r} column ${n}: korolev ${a} vs DuckDB ${b}`);
  });
}
if (problems.length) {
  console.log(`${file}: DIFFERENT\n  ${problems.slice(0, 5).join('\n  ')}`);
  process.exit(1);
}
console.log(`${file}: same (${duckRows.length} rows)`);
