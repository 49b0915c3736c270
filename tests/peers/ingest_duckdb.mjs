// ingest_duckdb.mjs INPUT.jsonl 'DATA_GLOB' EVERY
//
// Checks what `korolev ingest` wrote against its input, with DuckDB as the
// independent reader: DuckDB reads the table's Parquet data files (the
// glob; the table must hold exactly one ingest) and must return exactly
// the input's valid records, every column equal, in any order.  The input
// comes from tests/integration/ingest_gen.awk, whose every EVERY-th line
// is invalid; the others are parsed here with JSON.parse (prices and
// quantities are small, so doubles hold them exactly) and rendered the way
// DuckDB casts each column to text.
// Exit status: 0 same, 1 different (first differences printed), 2 usage.
import { DuckDBInstance } from '@duckdb/node-api';
import { readFileSync } from 'node:fs';

const [input, glob, everyText] = process.argv.slice(2);
const every = Number(everyText);
if (!input || !glob || !(every > 0)) {
  console.error("usage: ingest_duckdb.mjs INPUT.jsonl 'DATA_GLOB' EVERY");
  process.exit(2);
}

const want = [];
readFileSync(input, 'latin1').split('\n').forEach((line, i) => {
  if (!line || (i + 1) % every === 0) return;
  const r = JSON.parse(Buffer.from(line, 'latin1').toString('utf8'));
  want.push([r.id, r.name, r.qty, r.price.toFixed(2), r.day,
    new Date(r.ts).getTime() * 1000, r.ok, r.score, JSON.stringify(r.tags)].join('|'));
});

const db = await DuckDBInstance.create(':memory:', { threads: '2' });
const con = await db.connect();
const reader = await con.runAndReadAll(
  `SELECT id::VARCHAR, name, qty::VARCHAR, price::VARCHAR, day::VARCHAR, epoch_us(ts)::VARCHAR,
          ok::VARCHAR, score, to_json(tags)::VARCHAR
   FROM read_parquet('${glob.replaceAll("'", "''")}')`);
const got = reader.getRows().map((r) => r.map((v) => String(v)).join('|'));

want.sort();
got.sort();
let bad = 0;
if (want.length !== got.length) {
  console.error(`row count: input has ${want.length} valid records, DuckDB reads ${got.length}`);
  bad++;
}
for (let i = 0; i < Math.min(want.length, got.length) && bad < 5; i++)
  if (want[i] !== got[i]) {
    console.error(`row ${i}:\n  input  ${want[i]}\n  duckdb ${got[i]}`);
    bad++;
  }
if (bad) process.exit(1);
console.log(`DuckDB reads the ${got.length} valid records, every column equal`);
