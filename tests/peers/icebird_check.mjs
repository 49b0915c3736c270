// icebird_check.mjs TABLE_DIR METADATA_FILE FILE.parquet...
//
// Reads the Iceberg table in TABLE_DIR at metadata/METADATA_FILE with
// icebird (an independent Iceberg reader; localfetch.mjs serves it the
// local files) and checks it against DuckDB reading the Parquet files that
// were appended up to that version (read_parquet(..., union_by_name)):
//   schema  every column DuckDB sees is in the table's current schema,
//           in the same order, with the Iceberg type matching DuckDB's; a
//           table column the files lack must be optional and read as null;
//           icebird's rows carry exactly the schema's column names
//   rows    the same multiset of rows, compared in a canonical form:
//           integers as decimal text, timestamps and dates as epoch
//           milliseconds (hyparquet gives Date objects), decimals as
//           doubles, binary as hex, null and a missing value alike
// Exit status: 0 same, 1 different (the differences are printed), 2 usage
// or a reader failure.
import { DuckDBInstance } from '@duckdb/node-api';
import { icebergMetadata, icebergRead } from 'icebird';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { installLocalFetch } from './localfetch.mjs';

const [dir, metadataFileName, ...files] = process.argv.slice(2);
if (!dir || !metadataFileName || files.length === 0) {
  console.error('usage: icebird_check.mjs TABLE_DIR METADATA_FILE FILE.parquet...');
  process.exit(2);
}
installLocalFetch([]);

const DUCK_TYPES = {
  boolean: 'BOOLEAN',
  int: 'INTEGER',
  long: 'BIGINT',
  float: 'FLOAT',
  double: 'DOUBLE',
  date: 'DATE',
  time: 'TIME',
  timestamp: 'TIMESTAMP',
  timestamptz: 'TIMESTAMP WITH TIME ZONE',
  string: 'VARCHAR',
  uuid: 'UUID',
  binary: 'BLOB',
};

function duckTypeOf(icebergType) {
  if (typeof icebergType !== 'string') return null; // nested: not compared here
  const dec = /^decimal\((\d+),\s*(\d+)\)$/.exec(icebergType);
  if (dec) return `DECIMAL(${dec[1]},${dec[2]})`;
  if (/^fixed\[\d+\]$/.test(icebergType)) return 'BLOB';
  return DUCK_TYPES[icebergType] ?? null;
}

const sqlString = (s) => `'${s.replaceAll("'", "''")}'`;
const ident = (s) => `"${s.replaceAll('"', '""')}"`;

// One value in canonical text form.
function canon(v) {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : String(v);
  if (typeof v === 'boolean') return String(v);
  if (v instanceof Date) return `ms:${v.getTime()}`;
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  if (typeof v === 'string') return v;
  return JSON.stringify(plain(v));
}

// Nested values with leaves in canonical form; DuckDB's maps (lists of
// {key, value}) become objects, as hyparquet gives them.
function plain(v) {
  if (Array.isArray(v)) {
    const isMap = v.length > 0 && v.every((e) => e && typeof e === 'object' && !Array.isArray(e) &&
      Object.keys(e).length === 2 && 'key' in e && 'value' in e);
    if (isMap) return Object.fromEntries(v.map((e) => [canon(e.key), plain(e.value)]));
    return v.map(plain);
  }
  if (v && typeof v === 'object' && !(v instanceof Date) && !(v instanceof Uint8Array))
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return canon(v);
}

function canonRow(row, names) {
  return JSON.stringify(names.map((n) => canon(row[n])));
}

// The SELECT expression that puts a DuckDB column in canonical form.
function duckExpr(name, type) {
  const c = ident(name);
  if (type.startsWith('TIMESTAMP') || type === 'DATE') return `'ms:' || epoch_ms(${c}::TIMESTAMP)`;
  if (type.startsWith('DECIMAL')) return `${c}::DOUBLE`;
  if (type === 'BLOB') return `lower(hex(${c}))`;
  return c;
}

const problems = [];
const tableUrl = pathToFileURL(resolve(dir)).href;
let metadata, rows;
try {
  metadata = await icebergMetadata({ tableUrl, metadataFileName });
  rows = await icebergRead({ tableUrl, metadata });
} catch (e) {
  console.error(`icebird failed on ${dir} ${metadataFileName}: ${e.stack ?? e}`);
  process.exit(2);
}
const schema = metadata.schemas.find((s) => s['schema-id'] === metadata['current-schema-id']);

const db = await DuckDBInstance.create(':memory:', { threads: '2' });
const con = await db.connect();
const list = `[${files.map(sqlString).join(', ')}]`;
const source = `read_parquet(${list}, union_by_name = true)`;
const desc = (await con.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`)).getRows();
const duckCols = desc.map((r) => ({ name: r[0], type: String(r[1]) }));

// ---------------------------------------------------------------- schema
const fieldNames = schema.fields.map((f) => f.name);
const inTable = duckCols.filter((c) => fieldNames.includes(c.name)).map((c) => c.name);
if (inTable.length !== duckCols.length)
  problems.push(`columns missing from the table: ${duckCols.filter((c) => !fieldNames.includes(c.name)).map((c) => c.name)}`);
if (JSON.stringify(fieldNames.filter((n) => inTable.includes(n))) !== JSON.stringify(inTable))
  problems.push(`column order differs: table ${fieldNames}, files ${inTable}`);
for (const f of schema.fields) {
  const d = duckCols.find((c) => c.name === f.name);
  if (!d) {
    if (f.required) problems.push(`required column ${f.name} is not in the files`);
    continue;
  }
  const want = duckTypeOf(f.type);
  if (want && want !== d.type) problems.push(`column ${f.name}: table type ${f.type}, files ${d.type}`);
}
for (const r of rows.slice(0, 1))
  if (JSON.stringify(Object.keys(r)) !== JSON.stringify(fieldNames))
    problems.push(`icebird row keys ${Object.keys(r)} differ from the schema ${fieldNames}`);

// ------------------------------------------------------------------ rows
const exprs = fieldNames.map((n) => {
  const d = duckCols.find((c) => c.name === n);
  return d ? `${duckExpr(n, d.type)} AS ${ident(n)}` : `NULL AS ${ident(n)}`;
});
const duckRows = (await con.runAndReadAll(`SELECT ${exprs.join(', ')} FROM ${source}`)).getRowObjectsJS();
const ours = rows.map((r) => canonRow(r, fieldNames)).sort();
const theirs = duckRows.map((r) => canonRow(r, fieldNames)).sort();
if (ours.length !== theirs.length) problems.push(`icebird read ${ours.length} rows, DuckDB ${theirs.length}`);
const a = new Map(), b = new Map();
for (const r of ours) a.set(r, (a.get(r) ?? 0) + 1);
for (const r of theirs) b.set(r, (b.get(r) ?? 0) + 1);
let shown = 0;
for (const [r, n] of a)
  if ((b.get(r) ?? 0) !== n && shown++ < 5) problems.push(`icebird has ${n} x ${r}, DuckDB ${b.get(r) ?? 0}`);
for (const [r, n] of b)
  if (!a.has(r) && shown++ < 10) problems.push(`DuckDB has ${n} x ${r}, icebird none`);

if (problems.length) {
  console.error(`${dir} ${metadataFileName}:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`${metadataFileName}: ${ours.length} rows, ${fieldNames.length} columns: same as DuckDB`);
