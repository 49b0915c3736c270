// korolev.mjs - drives the korolev binary for the SQL tests: loads the
// generated Parquet files into a warehouse with `namespace create`, `table
// create --like` and `table append` (one snapshot per append), reads back
// the snapshot ids and data files, and runs `korolev sql` with a timeout.
//
// Statements longer than ARG_MAX_SQL bytes go to `korolev sql` on stdin
// (no SQL argument): Linux limits one argument to 128 KiB.  So do those
// that start with '-' (a comment), which would read as an option.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const ARG_MAX_SQL = 100000;

export function globalArgs(wh) {
  return ['--warehouse', wh, '--catalog', `sqlite:${wh}/catalog.db`];
}

function cli(bin, wh, args) {
  try {
    return execFileSync(bin, [...globalArgs(wh), ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    throw new Error(`korolev ${args.join(' ')} failed: ${String(e.stderr || e.message).trim()}`);
  }
}

// Parses JSON whose long integers (snapshot ids) must stay exact: as strings.
const jsonExactIds = (text) => JSON.parse(text.replace(/([:[,]\s*)(-?\d{16,})(?=\s*[,}\]])/g, '$1"$2"'));

// Loads every table; returns {snapshots: {name: [{id, ms, parent}]}, files: {name: [...]}}.
export function loadWarehouse(bin, wh, dataDir, tables) {
  mkdirSync(wh, { recursive: true });
  const namespaces = [...new Set(tables.map((t) => t.name.split('.')[0]))];
  for (const ns of namespaces) cli(bin, wh, ['namespace', 'create', ns]);
  const snapshots = {};
  const files = {};
  for (const t of tables) {
    const like = join(dataDir, t.like ?? t.appends[0][0]);
    cli(bin, wh, ['table', 'create', t.name, '--like', like, ...(t.partitionBy ? ['--partition-by', t.partitionBy] : [])]);
    for (const group of t.appends) cli(bin, wh, ['table', 'append', t.name, ...group.map((f) => join(dataDir, f))]);
    const hist = t.appends.length ? jsonExactIds(cli(bin, wh, ['table', 'history', t.name])) : [];
    hist.sort((a, b) => Number(a['sequence-number']) - Number(b['sequence-number']));
    snapshots[t.name] = hist.map((h) => ({ id: String(h['snapshot-id']), ms: Number(h['timestamp-ms']),
      parent: h['parent-snapshot-id'] === null ? null : String(h['parent-snapshot-id']), operation: h.operation }));
    files[t.name] = t.appends.length ? jsonExactIds(cli(bin, wh, ['table', 'files', t.name])) : [];
  }
  return { snapshots, files };
}

// Runs one statement; resolves {code, signal, stdout, stderr, ms, timedOut}.
export function runSql(bin, wh, sql, { format = 'jsonl', timeoutMs = 60000, extra = [] } = {}) {
  const viaStdin = Buffer.byteLength(sql) > ARG_MAX_SQL || sql.startsWith('-');
  const args = [...globalArgs(wh), 'sql', '--format', format, ...extra, ...(viaStdin ? [] : [sql])];
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(bin, args, { stdio: [viaStdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    if (viaStdin) {
      child.stdin.on('error', () => {});
      child.stdin.end(sql);
    }
    child.on('error', (e) => err.push(Buffer.from(String(e.message))));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, timedOut, stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'), ms: Number(process.hrtime.bigint() - t0) / 1e6 });
    });
  });
}

// Whether `korolev sql` exists: null if it answers, else why not.
export async function sqlMissing(bin, wh) {
  mkdirSync(wh, { recursive: true });
  const r = await runSql(bin, wh, 'SELECT 1 AS x', { timeoutMs: 20000 });
  if (r.code === 0) return null;
  const msg = (r.stderr || r.stdout).trim().split('\n')[0];
  if (/unknown command/i.test(msg) || r.code === 2) return `korolev sql is not available yet (${msg || `exit ${r.code}`})`;
  return null; /* it exists but failed: the tests will say how */
}

// Runs an async function over items with at most n at a time.
export async function pool(items, n, fn) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const k = next++;
      await fn(items[k], k);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, n) }, worker));
}
