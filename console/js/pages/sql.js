// sql.js - #/sql[?q=SQL]: the SQL editor.
//
// A labelled textarea (Ctrl+Enter or Cmd+Enter runs it), POST
// /api/v1/query with format json, and the result as a grid of 50 rows a
// page with Previous/Next.  "Download CSV" asks the server for the same
// statement as CSV (its RFC 4180 renderer) and saves it.  "Chart" draws
// a bar or line chart of one numeric column against another column of
// the first 500 rows.  The last statement is kept in sessionStorage.

import { query } from '../api.js';
import { barChart, lineChart } from '../charts.js';
import { announce, cellText, download, empty, errorBox, field, fmtCompact, fmtInt, h, section } from '../ui.js';

const PAGE = 50;
const CHART_ROWS = 500;
const NUMERIC = /^(TINYINT|SMALLINT|INTEGER|INT|BIGINT|HUGEINT|FLOAT|DOUBLE|REAL|DECIMAL|NUMERIC|UTINYINT|USMALLINT|UINTEGER|UBIGINT)/i;

function isNumeric(col) {
  return NUMERIC.test(col.type || '');
}

// A result grid for rows (a slice of res.rows) with the result's columns.
export function resultTable(res, rows, caption, offset = 0) {
  const head = h('tr', h('th.num', { scope: 'col' }, '#'),
    res.columns.map((c) => h(`th${isNumeric(c) ? '.num' : ''}`, { scope: 'col', title: c.type }, c.name)));
  const body = rows.map((r, i) => h('tr', h('td.num.muted', offset + i + 1),
    r.map((v, j) => {
      const text = cellText(v);
      if (text === null) return h('td.null', 'null');
      return h(`td.cell${isNumeric(res.columns[j]) ? '.num' : ''}`, { title: text.length > 40 ? text : null }, text);
    })));
  return h('div.scroll', h('table.result', caption ? h('caption', caption) : null, h('thead', head), h('tbody', body)));
}

function grid(res, host) {
  const pages = Math.max(1, Math.ceil(res.rows.length / PAGE));
  let pageNo = 0;
  const status = h('span', { 'aria-live': 'polite' });
  const prev = h('button.secondary', { type: 'button', 'aria-label': 'Previous page of results' }, '‹ Previous');
  const next = h('button.secondary', { type: 'button', 'aria-label': 'Next page of results' }, 'Next ›');
  const holder = h('div');
  function show() {
    const start = pageNo * PAGE;
    holder.replaceChildren(resultTable(res, res.rows.slice(start, start + PAGE), null, start));
    status.textContent = `Page ${pageNo + 1} of ${pages} (rows ${fmtInt(res.rows.length ? start + 1 : 0)}–${fmtInt(Math.min(start + PAGE, res.rows.length))} of ${fmtInt(res.rows.length)})`;
    prev.disabled = pageNo === 0;
    next.disabled = pageNo >= pages - 1;
    holder.dataset.page = String(pageNo + 1);
  }
  prev.addEventListener('click', () => { pageNo--; show(); });
  next.addEventListener('click', () => { pageNo++; show(); });
  show();
  host.append(holder, pages > 1 ? h('div.pager', prev, next, status) : h('div.pager', status));
}

function chartBuilder(res, host) {
  const cols = res.columns.map((c, i) => ({ ...c, i }));
  const numeric = cols.filter(isNumeric);
  if (!numeric.length || !res.rows.length) {
    host.append(empty('Charts need a numeric column in the result.'));
    return;
  }
  const opt = (c) => h('option', { value: String(c.i) }, c.name);
  const kind = h('select', { name: 'chart-kind' }, h('option', { value: 'bar' }, 'Bar'), h('option', { value: 'line' }, 'Line'));
  const xSel = h('select', { name: 'chart-x' }, cols.map(opt));
  const ySel = h('select', { name: 'chart-y' }, numeric.map(opt));
  const firstText = cols.find((c) => !isNumeric(c));
  xSel.value = String((firstText || cols.find((c) => c.i !== numeric[0].i) || cols[0]).i);
  ySel.value = String(numeric[numeric.length > 1 && !firstText && Number(xSel.value) === numeric[0].i ? 1 : 0].i);
  const out = h('div', { id: 'chart' });
  function draw() {
    const rows = res.rows.slice(0, CHART_ROWS);
    const xi = Number(xSel.value);
    const yi = Number(ySel.value);
    const labels = rows.map((r) => cellText(r[xi]) ?? 'null');
    const values = rows.map((r) => Number(r[yi]));
    const label = `${res.columns[yi].name} by ${res.columns[xi].name}${res.rows.length > CHART_ROWS ? ` (first ${CHART_ROWS} rows)` : ''}`;
    const xNum = isNumeric(res.columns[xi]);
    out.replaceChildren(kind.value === 'bar'
      ? barChart({ label, labels, values, valueFmt: fmtInt })
      : lineChart({ label, xs: xNum ? rows.map((r) => Number(r[xi])) : rows.map((_, i) => i), ys: values, xFmt: xNum ? fmtCompact : (i) => labels[Math.round(i)] ?? '', integerX: !xNum, pointTitle: (i) => `${labels[i]}: ${values[i]}` }));
  }
  for (const s of [kind, xSel, ySel]) s.addEventListener('change', draw);
  host.append(h('div.row', field('Chart type', kind), field('X (labels)', xSel), field('Y (values)', ySel)), out);
  draw();
}

export async function render(page, _params, q) {
  const initial = q.get('q') || sessionStorage.getItem('korolev.sql') || 'SELECT 1 AS one';
  const editor = h('textarea', {
    name: 'sql', rows: 8, spellcheck: 'false', autocapitalize: 'off', 'aria-describedby': 'sql-help',
  });
  editor.value = initial;
  const run = h('button', { type: 'submit' }, 'Run');
  const csv = h('button.secondary', { type: 'button', disabled: true }, 'Download CSV');
  const meta = h('p.muted', { id: 'sql-meta' });
  const results = h('div', { id: 'results' });
  const chart = h('div');
  let last = null;

  async function execute() {
    const sql = editor.value.trim();
    if (!sql) return;
    sessionStorage.setItem('korolev.sql', sql);
    run.disabled = true;
    results.setAttribute('aria-busy', 'true');
    meta.textContent = 'Running…';
    const t0 = performance.now();
    try {
      const res = await query(sql);
      const ms = performance.now() - t0;
      last = { sql, res };
      meta.textContent = `${fmtInt(res.row_count ?? res.rows.length)} rows, ${res.columns.length} columns in ${ms.toFixed(0)} ms`;
      results.replaceChildren();
      if (res.columns.length) grid(res, results);
      else results.append(empty(`${res.statement || 'Statement'} done.`));
      chart.replaceChildren();
      chartBuilder(res, chart);
      csv.disabled = !res.columns.length;
      announce(meta.textContent);
    } catch (e) {
      last = null;
      csv.disabled = true;
      meta.textContent = 'The statement failed.';
      results.replaceChildren(errorBox(e));
      chart.replaceChildren();
      announce(`Query failed: ${e.message}`);
    }
    results.removeAttribute('aria-busy');
    results.dataset.runs = String(Number(results.dataset.runs || 0) + 1);
    run.disabled = false;
  }

  csv.addEventListener('click', async () => {
    if (!last) return;
    csv.disabled = true;
    try {
      download('result.csv', await query(last.sql, 'csv'), 'text/csv');
    } catch (e) {
      results.prepend(errorBox(e));
    }
    csv.disabled = false;
  });
  editor.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) {
      ev.preventDefault();
      execute();
    }
  });
  const form = h('form', { 'aria-labelledby': 'sql-title' },
    h('h1', { id: 'sql-title' }, 'SQL'),
    field('Statement', editor),
    h('p.muted', { id: 'sql-help' }, 'Press ', h('kbd', 'Ctrl'), '+', h('kbd', 'Enter'), ' to run. Tables are named ',
      h('code', 'namespace.table'), '; add ', h('code', 'FOR VERSION AS OF snapshot_id'), ' after a table to read an older snapshot.'),
    h('div.row', run, csv));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    execute();
  });
  page.append(form, section('Result', meta, results), section('Chart', chart));
  if (q.get('q')) await execute();
  else results.append(empty('Run a statement to see its rows.'));
}
