// run_errors.mjs - the malformed and abusive statement corpus (issue 5,
// bar 2): every statement of tests/sql/errors/*.sql goes through `korolev
// sql` over a warehouse holding the test tables, and must fail cleanly:
//   - exit status 1 (not 0, not a signal, not a sanitizer's status, no
//     timeout: 60 s),
//   - a message on stderr that is not empty, holds no sanitizer report
//     and is at most 4 KiB and 20 lines (one error, with its caret),
//   - and contains one of the case's `-- expect:` alternatives (case-
//     insensitive; /.../ is a regular expression).
// Generated cases follow: empty, blank and comment-only input (no output
// or a clean error), 5,000 nested parentheses, 2,000 nested function
// calls, a 100,000-term sum, 10,000 NOTs, 1,000 nested CASEs (each: a
// clean error naming the depth, or the right answer), a 100,000-item IN
// list and a 1 MB string literal (valid: the answer must equal DuckDB's,
// or a clean error), a 100,000-character identifier (unknown column),
// 10,000 select items (valid).
//
//   node tests/sql/run_errors.mjs [--korolev BIN] [--loader BIN] [--self-check] [--only REGEX] [--jobs N]
//   (--loader: another binary for loading the tables, as in sql_diff.mjs)
//
// --self-check runs the corpus through DuckDB instead: every case not
// marked `-- korolev-only:` must be rejected by DuckDB too, which keeps
// the corpus honest.  Exit: 0 all clean, 1 a failure, 2 setup error, 77
// when `korolev sql` does not exist yet.
import { DuckDBInstance } from '@duckdb/node-api';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadErrors } from './corpus.mjs';
import { generate } from './gen.mjs';
import { loadWarehouse, pool, runSql, sqlMissing } from './korolev.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));

function args(argv) {
  const o = { korolev: process.env.KOROLEV, loader: null, selfCheck: false, only: null, jobs: 2 };
  for (let k = 0; k < argv.length; k++) {
    if (argv[k] === '--korolev') o.korolev = argv[++k];
    else if (argv[k] === '--loader') o.loader = argv[++k];
    else if (argv[k] === '--self-check') o.selfCheck = true;
    else if (argv[k] === '--only') o.only = new RegExp(argv[++k]);
    else if (argv[k] === '--jobs') o.jobs = Number(argv[++k]);
    else {
      console.error('usage: run_errors.mjs [--korolev BIN] [--loader BIN] [--self-check] [--only REGEX] [--jobs N]');
      process.exit(2);
    }
  }
  if (!o.selfCheck && !o.korolev) {
    console.error('run_errors: no korolev binary (--korolev or $KOROLEV)');
    process.exit(2);
  }
  return o;
}

// ------------------------------------------------------------ generated cases

const nest = (n, open, inner, close) => open.repeat(n) + inner + close.repeat(n);

// mode 'deep': a clean error or the right answer; 'valid': the right answer
// (DuckDB's) or a clean error; 'error': an error.
function generatedCases() {
  const inList = Array.from({ length: 100000 }, (_, k) => k * 3).join(', ');
  const items = Array.from({ length: 10000 }, (_, k) => `k + ${k} AS c${k}`).join(', ');
  const deep = ['nest|deep|depth|recursion|too many|too long|limit|complex|stack'];
  return [
    { id: 'gen:parens-5000', mode: 'deep', expect: deep, sql: `SELECT ${nest(5000, '(', '1', ')')} AS x` },
    { id: 'gen:parens-5000-where', mode: 'deep', expect: deep, sql: `SELECT count(*) AS n FROM ns.wide WHERE ${nest(5000, '(', 'k = 1', ')')}` },
    { id: 'gen:calls-2000', mode: 'deep', expect: deep, sql: `SELECT ${nest(2000, 'upper(', "'x'", ')')} AS x` },
    { id: 'gen:sum-100000', mode: 'deep', expect: deep, sql: `SELECT ${Array(100000).fill('1').join(' + ')} AS x` },
    { id: 'gen:not-10000', mode: 'deep', expect: deep, sql: `SELECT ${'NOT '.repeat(10000)}true AS x` },
    { id: 'gen:case-1000', mode: 'deep', expect: deep, sql: `SELECT ${nest(1000, 'CASE WHEN k > 0 THEN ', '1', ' ELSE 0 END')} AS x FROM ns.dim` },
    { id: 'gen:minus-5000', mode: 'deep', expect: deep, sql: `SELECT ${'- '.repeat(5000)}1 AS x` },
    { id: 'gen:unbalanced-5000', mode: 'error', expect: ['/[0-9]+:[0-9]+/', '/line [0-9]+/', ...deep], sql: `SELECT ${'('.repeat(5000)}1` },
    { id: 'gen:in-100000', mode: 'valid', expect: ['in list|too many|limit|large'], sql: `SELECT count(*) AS n, sum(k) AS s FROM ns.wide WHERE id IN (${inList})` },
    { id: 'gen:not-in-100000', mode: 'valid', expect: ['in list|too many|limit|large'], sql: `SELECT count(*) AS n FROM ns.wide WHERE id NOT IN (${inList})` },
    { id: 'gen:string-1MB', mode: 'valid', expect: ['too long|too large|limit|size'], sql: `SELECT length('${'x'.repeat(1 << 20)}') AS n` },
    { id: 'gen:select-10000', mode: 'valid', expect: ['too many|limit|columns'], sql: `SELECT ${items} FROM ns.dim WHERE k < 3` },
    { id: 'gen:empty', mode: 'deep', expect: ['empty|no statement|nothing'], sql: '' },
    { id: 'gen:blank', mode: 'deep', expect: ['empty|no statement|nothing'], sql: ' \n\t ' },
    { id: 'gen:comment-only', mode: 'deep', expect: ['empty|no statement|nothing'], sql: '-- only a comment' },
    { id: 'gen:ident-100000', mode: 'error', expect: ['not found|unknown|does not exist|no such|too long|identifier'], sql: `SELECT ${'c'.repeat(100000)} FROM ns.wide` },
    { id: 'gen:string-unterminated-1MB', mode: 'error', expect: ['/[0-9]+:[0-9]+/', '/line [0-9]+/', 'unterminated'], sql: `SELECT '${'y'.repeat(1 << 20)}` },
  ].map((c) => ({ ...c, file: 'generated', line: 0, expect: c.expect.flatMap((e) => e.split('|')) }));
}

// ------------------------------------------------------------ checks

const matches = (msg, alts) => alts.some((a) => (a.startsWith('/') && a.endsWith('/') && a.length > 2
  ? new RegExp(a.slice(1, -1), 'i').test(msg) : msg.toLowerCase().includes(a.toLowerCase())));

// A clean error: exit 1 and one clear message.  Returns null or why not.
function cleanError(r, expect) {
  if (r.timedOut) return 'timed out (60 s)';
  if (r.signal) return `killed by signal ${r.signal}`;
  if (r.code === 0) return `exit status 0 (no error), printed ${JSON.stringify(r.stdout.slice(0, 120))}`;
  const msg = r.stderr.trim();
  if (/AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:/.test(msg))
    return `sanitizer report: ${msg.split('\n').find((l) => /Sanitizer|runtime error/.test(l))}`;
  if (r.code !== 1) return `exit status ${r.code}, want 1: ${msg.slice(0, 200)}`;
  if (!msg) return 'exit status 1 but nothing on stderr';
  if (Buffer.byteLength(msg) > 4096 || msg.split('\n').length > 20)
    return `message too long (${Buffer.byteLength(msg)} bytes, ${msg.split('\n').length} lines): ${msg.slice(0, 160)}...`;
  if (expect && !matches(msg, expect)) return `message lacks ${expect.join(' | ')}: ${msg.slice(0, 300)}`;
  return null;
}

async function duckAnswer(con, sql) {
  try {
    const r = await con.runAndReadAll(sql);
    return { rows: JSON.stringify(r.getRowsJson()) };
  } catch (e) {
    return { error: String(e.message).split('\n')[0] };
  }
}

// ------------------------------------------------------------ main

async function main() {
  const o = args(process.argv.slice(2));
  const base = mkdtempSync(join(tmpdir(), 'sql-errors-'));
  try {
    if (!o.selfCheck) {
      const why = await sqlMissing(o.korolev, join(base, 'probe'));
      if (why) {
        console.log(`SKIP: ${why}`);
        return 77;
      }
    }
    const dataDir = join(base, 'data');
    const wh = join(base, 'wh');
    const tables = await generate(dataDir);
    if (!o.selfCheck) loadWarehouse(o.loader ?? o.korolev, wh, dataDir, tables);
    const db = await DuckDBInstance.create(':memory:', { threads: '2' });
    const con = await db.connect();
    await con.run(`SET TimeZone = 'UTC'; CREATE SCHEMA ns`);
    for (const t of tables) {
      const fl = t.appends.flat();
      const src = (fl.length ? fl : [t.like]).map((f) => `'${join(dataDir, f)}'`).join(', ');
      await con.run(`CREATE VIEW ${t.name} AS SELECT * FROM read_parquet([${src}])${fl.length ? '' : ' LIMIT 0'}`);
    }

    let cases = [...loadErrors(join(HERE, 'errors')).map((c) => ({ ...c, mode: 'error' })), ...generatedCases()];
    if (o.only) cases = cases.filter((c) => o.only.test(c.id));
    const fails = [];
    const notes = [];
    const t0 = Date.now();
    await pool(cases, o.selfCheck ? 1 : o.jobs, async (c) => {
      const duck = c.mode === 'error' && !o.selfCheck ? null : await duckAnswer(con, c.sql);
      if (o.selfCheck) {
        if (c.mode === 'error' && !c.korolevOnly && !duck.error) fails.push(`${c.id} [${c.file}:${c.line}]: DuckDB accepts it: ${c.sql.slice(0, 120)}`);
        if (c.mode === 'error' && c.korolevOnly && duck.error) notes.push(`${c.id}: marked korolev-only but DuckDB rejects it too (${duck.error.slice(0, 80)})`);
        if (c.mode === 'valid' && duck.error) fails.push(`${c.id}: DuckDB rejects a case meant to be valid: ${duck.error}`);
        return;
      }
      const r = await runSql(o.korolev, wh, c.sql);
      if (c.mode === 'error') {
        const why = cleanError(r, c.expect);
        if (why) fails.push(`${c.id} [${c.file}:${c.line}]: ${why} | sql: ${c.sql.replace(/\s+/g, ' ').slice(0, 160)}`);
        return;
      }
      // deep and valid cases: the right answer, or a clean error.
      if (r.code === 0 && !r.signal && !r.timedOut) {
        const want = c.mode === 'valid' ? duck.rows : null;
        const got = r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l.replace(/(:\s*)(-?\d{16,})/g, '$1"$2"')));
        const text = JSON.stringify(got.map((row) => Object.values(row).map((v) => (typeof v === 'number' ? String(v) : v))));
        const wantText = want && JSON.stringify(JSON.parse(want).map((row) => row.map((v) => (typeof v === 'number' ? String(v) : v))));
        if (c.mode === 'valid' && text !== wantText) fails.push(`${c.id}: answer ${text.slice(0, 200)}, DuckDB ${wantText.slice(0, 200)}`);
        else notes.push(`${c.id}: answered (${r.ms.toFixed(0)} ms)`);
        return;
      }
      const why = cleanError(r, c.expect);
      if (why) fails.push(`${c.id}: neither an answer nor a clean error: ${why}`);
      else notes.push(`${c.id}: clean error: ${r.stderr.trim().split('\n')[0].slice(0, 120)}`);
    });
    for (const n of notes) console.log(`note ${n}`);
    for (const f of fails) console.log(`FAIL ${f}`);
    const corpus = cases.filter((c) => c.file !== 'generated').length;
    console.log(`sql_errors${o.selfCheck ? ' (self-check against DuckDB)' : ''}: ${cases.length} statements (${corpus} from ` +
      `tests/sql/errors, ${cases.length - corpus} generated): ${cases.length - fails.length} clean, ${fails.length} failed, ` +
      `in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return fails.length ? 1 : 0;
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

main().then((code) => process.exit(code), (e) => {
  console.error(`run_errors: ${e.stack}`);
  process.exit(2);
});
