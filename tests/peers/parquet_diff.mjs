// parquet_diff.mjs ORIGINAL COPY [ORIGINAL COPY ...]
//
// Differential check of Parquet files rewritten by Korolev: for each pair,
// DuckDB must read both with the same row count and no difference either way
// (EXCEPT ALL), and hyparquet, an independent reader, must return the same
// values from both.  Prints one line per pair; exits 1 if any pair differs.
// A pair whose ORIGINAL DuckDB or hyparquet cannot read is reported as
// "skip" for that reader (it proves nothing about the copy).  COPY "-" means
// Korolev refused the original: that is right only if DuckDB refuses it too.
import { DuckDBInstance } from '@duckdb/node-api';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet/src/node.js';
import { compressors } from 'hyparquet-compressors';

const args = process.argv.slice(2);
if (args.length === 0 || args.length % 2) {
  console.error('usage: parquet_diff.mjs ORIGINAL COPY [ORIGINAL COPY ...]');
  process.exit(2);
}

const db = await DuckDBInstance.create(':memory:', { threads: '2' });
const con = await db.connect();
const sql = (s) => `'${s.replaceAll("'", "''")}'`;

async function scalar(q) {
  const r = await con.runAndReadAll(q);
  return r.getRows()[0][0];
}

async function duckdbDiff(a, b) {
  try {
    await con.runAndReadAll(`SELECT * FROM read_parquet(${sql(a)})`); /* decode every value */
  } catch (e) {
    return { skip: `DuckDB cannot read the original: ${e.message.split('\n')[0]}` };
  }
  const na = await scalar(`SELECT count(*) FROM read_parquet(${sql(a)})`);
  const nb = await scalar(`SELECT count(*) FROM read_parquet(${sql(b)})`);
  if (na !== nb) return { diff: `row count ${na} vs ${nb}` };
  for (const [x, y] of [[a, b], [b, a]]) {
    const n = await scalar(`SELECT count(*) FROM (SELECT * FROM read_parquet(${sql(x)})
                            EXCEPT ALL SELECT * FROM read_parquet(${sql(y)}))`);
    if (n !== 0n) return { diff: `${n} rows of ${x} are not in ${y}` };
  }
  const ta = await con.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${sql(a)})`);
  const tb = await con.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${sql(b)})`);
  const types = (r) => JSON.stringify(r.getRows().map((row) => [row[0], row[1]]));
  if (types(ta) !== types(tb)) return { diff: `column types ${types(ta)} vs ${types(tb)}` };
  return { ok: `${na} rows` };
}

// Canonical JSON text of a hyparquet value: BigInt, typed arrays, Dates and
// NaN made comparable.
function canon(v) {
  return JSON.stringify(v, (k, x) => {
    if (typeof x === 'bigint') return `${x}n`;
    if (typeof x === 'number' && !Number.isFinite(x)) return String(x);
    if (x instanceof Uint8Array) return `bytes:${Buffer.from(x).toString('hex')}`;
    return x;
  });
}

async function readAll(path) {
  const file = await asyncBufferFromFile(path);
  return parquetReadObjects({ file, compressors, utf8: true });
}

async function hyparquetDiff(a, b) {
  let ra;
  try {
    ra = await readAll(a);
  } catch (e) {
    return { skip: `hyparquet cannot read the original: ${String(e.message).split('\n')[0]}` };
  }
  let rb;
  try {
    rb = await readAll(b);
  } catch (e) {
    return { diff: `hyparquet cannot read the copy: ${e.message}` };
  }
  if (ra.length !== rb.length) return { diff: `row count ${ra.length} vs ${rb.length}` };
  for (let i = 0; i < ra.length; i++) {
    const x = canon(ra[i]);
    const y = canon(rb[i]);
    if (x !== y) return { diff: `row ${i}: ${x.slice(0, 300)} vs ${y.slice(0, 300)}` };
  }
  return { ok: `${ra.length} rows` };
}

async function refusedToo(a) {
  const r = await duckdbDiff(a, a);
  return r.skip ? { ok: `refused, as DuckDB does` } : { diff: 'Korolev refused a file DuckDB reads' };
}

let failed = 0;
for (let i = 0; i < args.length; i += 2) {
  const [a, b] = [args[i], args[i + 1]];
  const checks = b === '-' ? [['duckdb', refusedToo]] : [['duckdb', duckdbDiff], ['hyparquet', hyparquetDiff]];
  for (const [name, check] of checks) {
    let r;
    try {
      r = await check(a, b);
    } catch (e) {
      r = { diff: `error: ${e.message.split('\n')[0]}` };
    }
    const [status, detail] = r.ok ? ['same', r.ok] : r.skip ? ['skip', r.skip] : ['DIFF', r.diff];
    if (r.diff) failed++;
    console.log(`${status.padEnd(4)} ${name.padEnd(9)} ${a.split('/').pop()}: ${detail}`);
  }
}
console.log(`${failed ? 'FAILED' : 'OK'}: ${args.length / 2} files, ${failed} differences`);
process.exit(failed ? 1 : 0);
