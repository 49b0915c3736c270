// console.test.mjs - drives the web console in Debian's chromium (headless,
// through playwright-core) against a running server, and checks what it
// shows against the server's own API answers (no hard-coded results):
// sign in (bad token refused, good token accepted), the overview, a table
// page (schema, history, timeline chart, sample rows, time travel), the
// SQL editor (Ctrl+Enter, paging, CSV download, chart, an error), the
// audit trail (filter, next page), an upload with its accounting, the
// pipelines empty state, keyboard focus order and labels, a phone-sized
// viewport, render times under 500 ms, and no errors in the browser
// console.  Saves a screenshot of every page.
//
//   node tests/browser/console.test.mjs --mock         (starts mock_server.mjs)
//   KO_URL=http://127.0.0.1:8181 KO_TOKEN=... node tests/browser/console.test.mjs
// Environment: KO_TABLE (default demo.events: a table with columns id, ts,
// city, amount and at least 2 snapshots), KO_ARTIFACTS (screenshot
// directory, default ./test-artifacts/console), KO_CHROMIUM (default
// /usr/bin/chromium).  Exit status 0 when every check passed.

import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startMock, MOCK_TOKEN } from './mock_server.mjs';

const MOCK = process.argv.includes('--mock');
const TABLE = process.env.KO_TABLE || 'demo.events';
const [NS, TNAME] = [TABLE.slice(0, TABLE.lastIndexOf('.')), TABLE.slice(TABLE.lastIndexOf('.') + 1)];
const ARTIFACTS = process.env.KO_ARTIFACTS || 'test-artifacts/console';
const BUDGET_MS = 500;
const mode = MOCK ? 'mock' : 'real';

let passed = 0;
let failed = 0;
let shot = 0;
let step = 'start';
const allowed = []; // [{step, re}] console errors expected in a step
const consoleErrors = [];

function check(name, ok, detail = '') {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ` — ${detail}` : ''}`);
  return ok;
}

function allow(re) {
  allowed.push({ step, re });
}

let BASE;
let TOKEN;
let mock;

async function apiRaw(path, init = {}) {
  const res = await fetch(BASE + path, {
    ...init, headers: { Authorization: `Bearer ${TOKEN}`, ...(init.headers || {}) },
  });
  return { status: res.status, text: await res.text(), type: res.headers.get('content-type') || '' };
}

async function apiJson(path, init) {
  const r = await apiRaw(path, init);
  if (r.status >= 300) throw new Error(`${path}: HTTP ${r.status} ${r.text}`);
  return JSON.parse(r.text);
}

async function sql(statement) {
  return apiJson('/api/v1/query', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ sql: statement }) });
}

async function allTables() {
  const out = [];
  const ns = await apiJson('/v1/namespaces');
  for (const levels of ns.namespaces) {
    const t = await apiJson(`/v1/namespaces/${levels.map(encodeURIComponent).join('%1F')}/tables`);
    for (const id of t.identifiers) out.push(`${id.namespace.join('.')}.${id.name}`);
  }
  return out;
}

function cellText(v) {
  if (v === null || v === undefined) return 'null';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

async function ready(page, name) {
  await page.waitForSelector(`main[data-ready="${name}"]`, { timeout: 15000 });
}

async function snap(page, name, fullPage = true) {
  shot++;
  const file = join(ARTIFACTS, `${mode}-${String(shot).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage });
}

// Every form control has an accessible name; every chart says what it is.
async function a11y(page, name) {
  const bad = await page.evaluate(() => {
    const out = [];
    for (const el of document.querySelectorAll('input, select, textarea')) {
      if (el.type === 'hidden' || el.hidden) continue;
      const named = (el.labels && el.labels.length) || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
      if (!named) out.push(`${el.tagName.toLowerCase()}[name=${el.name}]`);
    }
    for (const b of document.querySelectorAll('button, a[href]')) {
      if (!(b.textContent.trim() || b.getAttribute('aria-label'))) out.push(`${b.tagName.toLowerCase()} without a name`);
    }
    for (const s of document.querySelectorAll('svg.chart')) {
      if (s.getAttribute('role') !== 'img' || !s.getAttribute('aria-label')) out.push('chart without role/label');
    }
    if (document.querySelectorAll('main h1').length !== 1) out.push('not exactly one h1');
    return out;
  });
  check(`${name}: controls labelled, charts described, one h1`, bad.length === 0, bad.join(', '));
}

async function noHorizontalScroll(page, name) {
  const [sw, cw] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
  check(`${name}: fits a ${cw}px-wide screen`, sw <= cw + 1, `scrollWidth ${sw}`);
}

async function nav(page, label, name) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label }).click();
  await ready(page, name);
}

async function testSignin(page) {
  step = 'signin';
  await page.goto(`${BASE}/`);
  await ready(page, 'signin');
  check('unsigned visit goes to #/signin', new URL(page.url()).hash === '#/signin', page.url());
  await a11y(page, 'signin');
  await snap(page, 'signin');
  step = 'bad-token';
  allow(/401|Unauthorized/i);
  await page.getByLabel('Access token').fill('not-a-token');
  await page.getByLabel('Access token').press('Enter');
  await page.waitForSelector('#signin-msg .error');
  check('a bad token is refused', /not accepted/.test(await page.textContent('#signin-msg')));
  step = 'good-token';
  await page.getByLabel('Access token').fill(TOKEN);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await ready(page, 'overview');
  check('signed in: overview shown', true);
  check('token kept in sessionStorage', (await page.evaluate(() => sessionStorage.getItem('korolev.token'))) === TOKEN);
}

async function testOverview(page) {
  step = 'overview';
  const tables = await allTables();
  const shown = await page.textContent('[data-metric="tables"] .value');
  check('overview: table count matches the catalog', Number(shown.replace(/,/g, '')) === tables.length, `${shown} vs ${tables.length}`);
  const links = await page.$$eval('#tables a', (as) => as.map((a) => a.textContent));
  check('overview: freshness lists every table', tables.every((t) => links.includes(t)), links.join(' '));
  const charts = await page.$$eval('svg.chart', (s) => s.length);
  check('overview: ingest/volume/query charts drawn', charts >= 3, `${charts} charts`);
  const runs = await apiRaw('/api/v1/runs?limit=20');
  if (runs.status === 404) check('overview: runs empty state while /api/v1/runs is missing', /No pipeline runs yet/.test(await page.textContent('main')));
  // Keyboard: the skip link comes first in tab order and moves focus into
  // main; then Tab walks brand, the navigation and Sign out in order.
  const first = await page.evaluate(() => {
    const sel = 'a[href], button:not([disabled]), input, select, textarea, [tabindex]:not([tabindex="-1"])';
    const el = [...document.querySelectorAll(sel)].find((e) => !e.closest('[hidden]'));
    return el && el.id;
  });
  check('keyboard: "Skip to content" is the first tab stop', first === 'skip-link', first);
  await page.focus('#skip-link');
  const order = [];
  for (let i = 0; i < 7; i++) {
    await page.keyboard.press('Tab');
    order.push(await page.evaluate(() => document.activeElement.textContent.trim()));
  }
  check('keyboard: focus order brand → nav → sign out', order.join('|') === 'Korolev|Overview|SQL|Ingest|Pipelines|Audit|Sign out', order.join('|'));
  await page.focus('#skip-link');
  await page.keyboard.press('Enter');
  check('keyboard: skip link focuses the page heading', (await page.evaluate(() => document.activeElement.tagName)) === 'H1');
  await a11y(page, 'overview');
  await snap(page, 'overview');
}

async function testTable(page) {
  step = 'table';
  await page.getByRole('link', { name: TABLE, exact: true }).click();
  await ready(page, 'table');
  const info = await apiJson(`/api/v1/tables/${encodeURIComponent(NS)}/${encodeURIComponent(TNAME)}`);
  const names = await page.$$eval('#schema tbody tr td:nth-child(2)', (tds) => tds.map((t) => t.textContent));
  const top = info.describe.schema.fields.map((f) => f.name);
  check('table: schema shows every column', top.every((n) => names.includes(n)), names.join(','));
  const hist = await page.$$eval('#history tbody tr', (r) => r.length);
  check('table: history lists every snapshot', hist === info.history.length, `${hist} vs ${info.history.length}`);
  const points = await page.$$eval('section[aria-labelledby="s-snapshot-timeline"] circle', (c) => c.length);
  check('table: timeline has one point per snapshot', points === info.history.length, `${points}`);
  await page.waitForSelector('#sample table, #sample .empty, #sample .error');
  const rows = await page.$$eval('#sample tbody tr', (r) => r.length);
  check('table: sample rows from the current snapshot', rows === Math.min(20, info.stats.records), `${rows} rows, ${info.stats.records} records`);
  const options = await page.$$eval('select[name="snapshot"] option', (o) => o.map((x) => x.value));
  const oldest = options[options.length - 1];
  await page.getByLabel('Time travel (FOR VERSION AS OF)').selectOption(oldest);
  await page.waitForSelector(`#sample[data-snapshot="${oldest}"]`);
  const old = await sql(`SELECT count(*) FROM ${TABLE} FOR VERSION AS OF ${oldest}`);
  const oldRows = await page.$$eval('#sample tbody tr', (r) => r.length);
  check('table: time travel to the first snapshot shows its rows', oldRows === Math.min(20, Number(old.rows[0][0])) && options.length === info.history.length + 1,
    `${oldRows} rows shown, ${old.rows[0][0]} in snapshot ${oldest}`);
  await a11y(page, 'table');
  await snap(page, 'table');
}

async function runSql(page, statement, runs) {
  await page.getByLabel('Statement').fill(statement);
  await page.getByLabel('Statement').press('Control+Enter');
  await page.waitForSelector(`#results[data-runs="${runs}"]`);
}

async function testSql(page) {
  step = 'sql';
  await nav(page, 'SQL', 'sql');
  const stmt = `SELECT * FROM ${TABLE} ORDER BY id`;
  await runSql(page, stmt, 1);
  const want = await sql(stmt);
  const first = await page.$$eval('#results tbody tr:first-child td', (t) => t.map((x) => x.textContent));
  const gridRows = await page.$$eval('#results tbody tr', (r) => r.length);
  check('sql: Ctrl+Enter runs; first page holds min(50, rows)', gridRows === Math.min(50, want.rows.length), `${gridRows} of ${want.rows.length}`);
  check('sql: first row matches the API', first.slice(1).join('|') === want.rows[0].map(cellText).join('|'), first.join('|'));
  if (want.rows.length > 50) {
    await page.getByRole('button', { name: 'Next page of results' }).click();
    await page.waitForSelector('#results [data-page="2"]');
    const p2 = await page.$$eval('#results tbody tr:first-child td', (t) => t.map((x) => x.textContent));
    check('sql: next page starts at row 51', p2[0] === '51' && p2.slice(1).join('|') === want.rows[50].map(cellText).join('|'), p2.join('|'));
  } else {
    check('sql: paging (needs > 50 rows)', false, `${TABLE} has only ${want.rows.length} rows`);
  }
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
  const csv = readFileSync(await dl.path(), 'utf8').trimEnd().split('\n');
  check('sql: CSV download has a header and every row', csv.length === want.rows.length + 1 && csv[0].startsWith('id,'), `${csv.length} lines`);
  const agg = `SELECT city, count(*) AS n FROM ${TABLE} GROUP BY city ORDER BY n DESC`;
  await runSql(page, agg, 2);
  const aggWant = await sql(agg);
  const bars = await page.$$eval('#chart rect.bar', (r) => r.length);
  check('sql: bar chart has one bar per result row', bars === aggWant.rows.length, `${bars} bars, ${aggWant.rows.length} rows`);
  await page.getByLabel('Chart type').selectOption('line');
  const pts = await page.$$eval('#chart circle', (c) => c.length);
  check('sql: line chart has one point per row', pts === aggWant.rows.length, `${pts}`);
  await a11y(page, 'sql');
  await snap(page, 'sql');
  step = 'sql-error';
  allow(/400|Bad Request/i);
  await runSql(page, 'SELEC 1', 3);
  const err = await page.textContent('#results .error');
  check('sql: a parse error is shown with its message', /SELECT/i.test(err || ''), err);
}

async function testAudit(page) {
  step = 'audit';
  await nav(page, 'Audit', 'audit');
  const all = await apiJson('/api/v1/audit?page_size=50&order=desc');
  const ids = await page.$$eval('#audit-table tbody tr td:first-child', (t) => t.map((x) => x.textContent));
  check('audit: first page matches the API', ids.join(',') === all.records.map((r) => String(r.id)).join(','), `${ids.length} records`);
  if (all.records.length === 50 && all['next-page-token']) {
    await page.getByRole('button', { name: 'Next page of audit records' }).click();
    await page.waitForSelector('#audit[data-page="2"]');
    const p2 = await apiJson(`/api/v1/audit?page_size=50&order=desc&page_token=${encodeURIComponent(all['next-page-token'])}`);
    const ids2 = await page.$$eval('#audit-table tbody tr td:first-child', (t) => t.map((x) => x.textContent));
    check('audit: next page matches the API', ids2.join(',') === p2.records.map((r) => String(r.id)).join(','), `${ids2.length} records`);
  } else {
    check('audit: paging (needs > 50 records)', false, `${all.records.length} records`);
  }
  await page.getByLabel('Action').fill('query');
  await page.getByRole('button', { name: 'Apply' }).click();
  const q = await apiJson('/api/v1/audit?page_size=50&order=desc&action=query');
  // Wait for the filtered rows themselves: data-ready may still describe the previous page.
  await page
    .waitForFunction(
      (n) => {
        const cells = [...document.querySelectorAll('#audit-table tbody tr td:nth-child(4)')];
        return location.hash.includes('action=query') && cells.length === n && cells.every((c) => c.textContent === 'query');
      },
      q.records.length,
      { timeout: 15000 },
    )
    .catch(() => {});
  const actions = await page.$$eval('#audit-table tbody tr td:nth-child(4)', (t) => t.map((x) => x.textContent));
  check('audit: action filter', actions.length === q.records.length && actions.every((a) => a === 'query'), `${actions.length} rows`);
  await a11y(page, 'audit');
  await snap(page, 'audit');
}

async function testIngest(page, dir) {
  step = 'ingest';
  await nav(page, 'Ingest', 'ingest');
  const file = join(dir, 'upload.csv');
  const ts = '2024-06-01 12:00:00';
  writeFileSync(file, `id,ts,city,amount\n9001,${ts},Turku,1.5\n9002,${ts},Oulu,2\n9003,${ts},Vaasa,bad\n9004,${ts},Pori,4.25\n9005,${ts},Kemi,5\n`);
  const before = await apiJson(`/api/v1/tables/${encodeURIComponent(NS)}/${encodeURIComponent(TNAME)}?files=false`);
  await page.getByLabel('Table').selectOption(TABLE);
  await page.getByLabel('File', { exact: true }).setInputFiles(file);
  // GET: 405 when the (POST) route exists, 404 NoSuchRouteException when not.
  const probe = await apiRaw(`/api/v1/tables/${encodeURIComponent(NS)}/${encodeURIComponent(TNAME)}/ingest`);
  const missing = probe.status === 404 && /NoSuchRoute/.test(probe.text);
  if (missing) allow(/404|Not Found/i);
  await page.getByRole('button', { name: 'Upload' }).click();
  await page.waitForSelector('#ingest-result, #ingest-unavailable, #ingest-out .error', { timeout: 30000 });
  if (missing) {
    check('ingest: server without the route → the page says so', Boolean(await page.$('#ingest-unavailable')));
    console.log('note: POST /api/v1/tables/{ns}/{t}/ingest is not served yet; the upload path ran against its 404');
  } else {
    const count = async (k) => Number((await page.textContent(`[data-count="${k}"] .value`)).replace(/,/g, ''));
    const [rec, wr, rej] = [await count('received'), await count('written'), await count('rejected')];
    check('ingest: accounting shown (5 = 4 + 1)', rec === 5 && wr === 4 && rej === 1, `${rec} = ${wr} + ${rej}`);
    const after = await apiJson(`/api/v1/tables/${encodeURIComponent(NS)}/${encodeURIComponent(TNAME)}?files=false`);
    check('ingest: the table grew by the written rows', after.stats.records - before.stats.records === wr, `${before.stats.records} → ${after.stats.records}`);
    check('ingest: progress reached 100%', (await page.$eval('progress', (p) => p.value)) === 100);
  }
  await a11y(page, 'ingest');
  await snap(page, 'ingest');
}

async function testPipelines(page) {
  step = 'pipelines';
  const probe = await apiRaw('/api/v1/pipelines');
  await nav(page, 'Pipelines', 'pipelines');
  if (probe.status === 404) check('pipelines: empty state while the API is missing', /No pipelines yet/.test(await page.textContent('#pipelines-empty')));
  else check('pipelines: the list is shown', Boolean(await page.$('#pipelines, #pipelines-empty')));
  await a11y(page, 'pipelines');
  await snap(page, 'pipelines');
}

async function testPhone(page) {
  step = 'phone';
  await page.setViewportSize({ width: 390, height: 844 });
  await nav(page, 'Overview', 'overview');
  await noHorizontalScroll(page, 'phone overview');
  await snap(page, 'phone-overview');
  await page.goto(`${BASE}/#/tables/${encodeURIComponent(NS)}/${encodeURIComponent(TNAME)}`);
  await ready(page, 'table');
  await noHorizontalScroll(page, 'phone table');
  await snap(page, 'phone-table');
  await nav(page, 'SQL', 'sql');
  await noHorizontalScroll(page, 'phone sql');
  await snap(page, 'phone-sql', false);
  await page.setViewportSize({ width: 1280, height: 860 });
}

async function main() {
  mkdirSync(ARTIFACTS, { recursive: true });
  if (MOCK) {
    mock = await startMock();
    BASE = mock.url;
    TOKEN = MOCK_TOKEN;
  } else {
    BASE = process.env.KO_URL;
    TOKEN = process.env.KO_TOKEN;
    if (!BASE || !TOKEN) throw new Error('set KO_URL and KO_TOKEN, or pass --mock');
  }
  console.log(`console test (${mode} server at ${BASE}), screenshots in ${ARTIFACTS}`);
  const dir = mkdtempSync(join(tmpdir(), 'ko-console-'));
  const browser = await chromium.launch({
    executablePath: process.env.KO_CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
  });
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, acceptDownloads: true });
    const page = await context.newPage();
    page.on('console', (msg) => {
      if (msg.type() === 'error') consoleErrors.push({ step, text: msg.text(), url: msg.location().url });
    });
    page.on('pageerror', (e) => consoleErrors.push({ step, text: `uncaught: ${e.message}`, url: '' }));
    await testSignin(page);
    await testOverview(page);
    await testTable(page);
    await testSql(page);
    await testAudit(page);
    await testIngest(page, dir);
    await testPipelines(page);
    await testPhone(page);
    step = 'signout';
    await page.getByRole('button', { name: 'Sign out' }).click();
    await ready(page, 'signin');
    check('sign out forgets the token', (await page.evaluate(() => sessionStorage.getItem('korolev.token'))) === null);
    const renders = await page.evaluate(() => window.__koRenders);
    for (const r of renders) console.log(`render ${r.page.padEnd(9)} ${r.ms.toFixed(1).padStart(7)} ms  ${r.hash}`);
    const slow = renders.filter((r) => r.ms >= BUDGET_MS);
    check(`every page rendered in under ${BUDGET_MS} ms (${renders.length} renders, max ${Math.max(...renders.map((r) => r.ms)).toFixed(0)} ms)`,
      slow.length === 0, slow.map((r) => `${r.page} ${r.ms.toFixed(0)} ms`).join(', '));
    const optionalRoute = /\/api\/v1\/(runs|alerts|pipelines)\b/;
    const unexpected = consoleErrors.filter((e) => {
      const missingApi = optionalRoute.test(e.url) && /404/.test(e.text);
      const expected = allowed.some((a) => a.step === e.step && a.re.test(e.text));
      if (missingApi || expected) console.log(`expected console message (${e.step}): ${e.text} ${e.url}`);
      return !missingApi && !expected;
    });
    check('no errors in the browser console', unexpected.length === 0, unexpected.map((e) => `[${e.step}] ${e.text} ${e.url}`).join('\n'));
  } catch (e) {
    check(`test step "${step}" ran to completion`, false, e.stack);
  } finally {
    await browser.close();
    if (mock) await mock.close();
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

await main();
