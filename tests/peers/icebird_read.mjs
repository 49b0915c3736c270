// icebird_read.mjs TABLE_DIR [METADATA_FILE]   icebird's rows, canonical
// icebird_read.mjs --canon                      canonicalises JSON lines
//
// Reads an Iceberg table directory with icebird (an independent JavaScript
// Iceberg reader) and prints its rows as canonical JSON lines, one per row.
// METADATA_FILE is a file name in TABLE_DIR/metadata (default: the one
// version-hint.text names).  icebird fetches URLs; localfetch.mjs serves
// them from TABLE_DIR, mapping the location the metadata records (such as
// s3a://hyperparam-iceberg/java/bunnies) onto TABLE_DIR, so copied tables
// read as they are.
//
// --canon reads JSON lines (from `korolev iceberg cat`) on stdin and prints
// them in the same canonical form, so that `sort` and `diff` compare the
// two as multisets of rows.  Canonical form: object keys sorted; missing
// (undefined) values null; integers and bigints as JSON numbers (through
// doubles on both sides); Dates and timestamp text ("2021-01-31 10:00:00",
// "...T...+00:00") as ISO-8601 UTC with milliseconds; bytes as base64.
//
// One icebird limitation is papered over: it throws for a table without a
// current snapshot, which has no rows; such metadata prints nothing.
// Exit status: 0 ok, 2 usage or read failure.
import { readFileSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { installLocalFetch } from './localfetch.mjs';

const TIMESTAMP_TEXT = /^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d(?:\.\d+)?)(Z|[+-]\d\d(?::?\d\d)?)?$/;

function canonTimestamp(s) {
  const m = TIMESTAMP_TEXT.exec(s);
  if (!m) return s;
  let zone = m[3] ?? 'Z';
  if (/^[+-]\d\d$/.test(zone)) zone += ':00';
  const ms = Date.parse(`${m[1]}T${m[2].replace(/(\.\d{3})\d+$/, '$1')}${zone}`);
  return Number.isNaN(ms) ? s : new Date(ms).toISOString();
}

function canon(v) {
  if (v === undefined || v === null) return null;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number') return Object.is(v, -0) ? 0 : v;
  if (typeof v === 'string') return canonTimestamp(v);
  if (typeof v === 'boolean') return v;
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (Array.isArray(v)) return v.map(canon);
  if (v instanceof Map) return canon(Object.fromEntries(v));
  const out = {};
  for (const k of Object.keys(v).sort()) out[k] = canon(v[k]);
  return out;
}

function line(row, names) {
  const obj = {};
  for (const k of names ?? Object.keys(row)) obj[k] = row[k];
  return JSON.stringify(canon(obj));
}

async function canonStdin() {
  const chunks = [];
  for await (const c of process.stdin) chunks.push(c);
  const text = Buffer.concat(chunks).toString('utf8');
  const out = [];
  for (const l of text.split('\n')) if (l.trim()) out.push(line(JSON.parse(l)));
  process.stdout.write(out.length ? `${out.join('\n')}\n` : '');
}

function metadataName(dir, given) {
  if (given) return given;
  const hint = `${dir}/metadata/version-hint.text`;
  if (!existsSync(hint)) throw new Error(`${dir}: no version-hint.text; name the metadata file`);
  const text = readFileSync(hint, 'utf8').trim();
  return /^\d+$/.test(text) ? `v${text}.metadata.json` : text;
}

async function readTable(dirArg, given) {
  const dir = resolve(dirArg);
  const name = metadataName(dir, given);
  const metadata = JSON.parse(readFileSync(`${dir}/metadata/${name}`, 'utf8'));
  installLocalFetch([{ prefix: metadata.location, dir }]);
  const current = metadata['current-snapshot-id'];
  if (current === undefined || current === null || current < 0) return;
  const { icebergRead } = await import('icebird');
  const rows = await icebergRead({ tableUrl: dir, metadataFileName: name });
  const schema = metadata.schemas?.find(s => s['schema-id'] === metadata['current-schema-id']);
  const names = schema?.fields.map(f => f.name);
  const out = rows.map(r => line(r, names));
  process.stdout.write(out.length ? `${out.join('\n')}\n` : '');
}

const args = process.argv.slice(2);
try {
  if (args[0] === '--canon' && args.length === 1) await canonStdin();
  else if (args.length >= 1 && args.length <= 2 && !args[0].startsWith('--')) await readTable(args[0], args[1]);
  else {
    console.error('usage: icebird_read.mjs TABLE_DIR [METADATA_FILE] | --canon');
    process.exit(2);
  }
} catch (e) {
  console.error(`icebird_read: ${e?.stack ?? e}`);
  process.exit(2);
}
