// table.js - #/tables/NS/TABLE: one table.
//
// GET /api/v1/tables/{ns}/{t} gives the schema, partition spec, sort
// order, properties, statistics, refs, the snapshot history and the live
// data files; the page draws the snapshot timeline (total records per
// snapshot, coloured by operation), file size statistics and the biggest
// partitions.  Sample rows come from POST /api/v1/query with
// "SELECT * FROM ns.t [FOR VERSION AS OF id] LIMIT 20"; the time-travel
// selector re-runs it against any snapshot.  Lineage is a placeholder
// until pipelines record their inputs and outputs.

import { api, query, sqlIdent, tableApiPath } from '../api.js';
import { barChart, lineChart } from '../charts.js';
import { resultTable } from './sql.js';
import { card, dataTable, empty, errorBox, field, fmtBytes, fmtInt, fmtTime, h, kv, section, timeEl } from '../ui.js';

const OPS = ['append', 'overwrite', 'delete', 'replace'];
const SAMPLE_ROWS = 20;

function opClass(op) {
  const i = OPS.indexOf(op);
  return `s${i < 0 ? 5 : i + 1}`;
}

function typeText(t) {
  if (typeof t === 'string') return t;
  if (!t || typeof t !== 'object') return String(t);
  if (t.type === 'list') return `list<${typeText(t.element)}>`;
  if (t.type === 'map') return `map<${typeText(t.key)}, ${typeText(t.value)}>`;
  if (t.type === 'struct') return 'struct';
  return JSON.stringify(t);
}

// Schema fields flattened: nested struct members as "parent.child".
function flatFields(fields, prefix = '', out = []) {
  for (const f of fields || []) {
    out.push({ id: f.id, name: prefix + f.name, type: typeText(f.type), required: f.required, doc: f.doc });
    if (f.type && typeof f.type === 'object' && f.type.type === 'struct') flatFields(f.type.fields, `${prefix}${f.name}.`, out);
  }
  return out;
}

function schemaSection(d) {
  const fields = flatFields(d.schema && d.schema.fields);
  return section('Schema', dataTable({
    caption: `Schema ${d.schema ? d.schema['schema-id'] : ''}: ${fields.length} fields`,
    id: 'schema',
    columns: [
      { label: 'ID', num: true, get: (f) => f.id },
      { label: 'Name', get: (f) => h('code', f.name) },
      { label: 'Type', get: (f) => f.type },
      { label: 'Required', get: (f) => (f.required ? 'yes' : 'no') },
      { label: 'Doc', get: (f) => f.doc || '' },
    ],
    rows: fields,
  }));
}

function layoutSection(d) {
  const names = new Map(flatFields(d.schema && d.schema.fields).map((f) => [f.id, f.name]));
  const spec = (d['partition-spec'] && d['partition-spec'].fields) || [];
  const sort = (d['sort-order'] && d['sort-order'].fields) || [];
  const props = Object.entries(d.properties || {});
  return h('div.grid',
    section('Partitioning', spec.length ? dataTable({
      caption: `Spec ${d['partition-spec']['spec-id']}`,
      columns: [
        { label: 'Partition field', get: (f) => h('code', f.name) },
        { label: 'Transform', get: (f) => f.transform },
        { label: 'Source column', get: (f) => names.get(f['source-id']) || f['source-id'] },
      ],
      rows: spec,
    }) : empty('Not partitioned.'),
    sort.length ? [h('h3', 'Sort order'), h('ol', sort.map((f) => h('li', `${names.get(f['source-id']) || f['source-id']} ${f.direction || ''} ${f['null-order'] || ''}`)))] : null),
    section('Properties', props.length ? dataTable({
      columns: [{ label: 'Key', get: (p) => h('code', p[0]) }, { label: 'Value', get: (p) => p[1] }],
      rows: props,
    }) : empty('No properties.')));
}

function timelineSection(hist) {
  if (!hist.length) return section('Snapshot timeline', empty('No snapshots: the table is empty.'));
  const times = hist.map((s) => Number(s['timestamp-ms']));
  // Snapshots minutes apart or more: a time axis; a burst of commits: one
  // step per snapshot, labelled with its time.
  const byTime = times[times.length - 1] - times[0] >= 3600000;
  const xs = byTime ? times : times.map((_, i) => i);
  const xFmt = byTime ? (t) => fmtTime(t).slice(5, 16) : (i) => fmtTime(times[Math.round(i)]).slice(5, 19);
  const ys = hist.map((s) => Number((s.summary || {})['total-records'] || 0));
  const used = [...new Set(hist.map((s) => s.operation || 'other'))];
  const chart = lineChart({
    label: 'Total records after each snapshot', xs, ys, xFmt, integerX: !byTime, yFmt: (v) => fmtInt(v),
    pointClass: (i) => opClass(hist[i].operation),
    pointTitle: (i) => `${fmtTime(times[i])} ${hist[i].operation}: ${fmtInt(ys[i])} records (snapshot ${hist[i]['snapshot-id']})`,
    legend: used.map((op) => ({ label: op, cls: opClass(op) })),
  });
  const rows = hist.slice().reverse();
  return section('Snapshot timeline', chart, dataTable({
    caption: `${hist.length} snapshots, newest first`,
    id: 'history',
    rowAttrs: (s) => (s['is-current'] ? { class: 'current', 'aria-current': 'true' } : {}),
    columns: [
      { label: 'Committed', get: (s) => fmtTime(s['timestamp-ms']) },
      { label: 'Snapshot', get: (s) => h('code', String(s['snapshot-id'])) },
      { label: 'Operation', get: (s) => s.operation || '–' },
      { label: 'Added', num: true, get: (s) => fmtInt((s.summary || {})['added-records'] || 0) },
      { label: 'Deleted', num: true, get: (s) => fmtInt((s.summary || {})['deleted-records'] || 0) },
      { label: 'Total records', num: true, get: (s) => fmtInt((s.summary || {})['total-records']) },
      { label: 'Current', get: (s) => (s['is-current'] ? 'yes' : '') },
    ],
    rows,
  }));
}

function sizeBins(sizes) {
  const edges = [0, 1e5, 1e6, 8e6, 32e6, 128e6, 256e6, 512e6, Infinity];
  const labels = ['<100KB', '<1MB', '<8MB', '<32MB', '<128MB', '<256MB', '<512MB', '≥512MB'];
  const counts = new Array(labels.length).fill(0);
  for (const s of sizes) counts[edges.findIndex((e, i) => s >= e && s < edges[i + 1])]++;
  let lo = counts.findIndex((c) => c > 0);
  let hi = counts.length - 1 - [...counts].reverse().findIndex((c) => c > 0);
  lo = Math.max(0, lo);
  hi = Math.max(lo, hi);
  return { labels: labels.slice(lo, hi + 1), values: counts.slice(lo, hi + 1) };
}

function filesSection(files) {
  const data = (files || []).filter((f) => f.content === 'data');
  if (!data.length) return section('Files', empty('No live data files.'));
  const sizes = data.map((f) => Number(f['file-size-in-bytes'])).sort((a, b) => a - b);
  const sum = sizes.reduce((a, b) => a + b, 0);
  const parts = new Map();
  for (const f of data) {
    const key = JSON.stringify(f.partition || {});
    const p = parts.get(key) || { key, files: 0, records: 0, bytes: 0 };
    p.files++;
    p.records += Number(f['record-count']);
    p.bytes += Number(f['file-size-in-bytes']);
    parts.set(key, p);
  }
  const top = [...parts.values()].sort((a, b) => b.records - a.records).slice(0, 20);
  const bins = sizeBins(sizes);
  return section('Files',
    kv([
      ['Live data files', fmtInt(data.length)],
      ['Delete files', fmtInt(files.length - data.length)],
      ['Smallest / median / largest', `${fmtBytes(sizes[0])} / ${fmtBytes(sizes[Math.floor(sizes.length / 2)])} / ${fmtBytes(sizes[sizes.length - 1])}`],
      ['Average size', fmtBytes(sum / data.length)],
      ['Partitions', fmtInt(parts.size)],
    ]),
    h('h3', 'File sizes'),
    barChart({ label: 'Data files by size', labels: bins.labels, values: bins.values, valueFmt: fmtInt }),
    h('h3', 'Largest partitions'),
    dataTable({
      caption: `Top ${top.length} of ${parts.size} partitions by records`,
      columns: [
        { label: 'Partition', get: (p) => h('code', p.key === '{}' ? '(unpartitioned)' : p.key) },
        { label: 'Files', num: true, get: (p) => fmtInt(p.files) },
        { label: 'Records', num: true, get: (p) => fmtInt(p.records) },
        { label: 'Size', num: true, get: (p) => fmtBytes(p.bytes) },
      ],
      rows: top,
    }));
}

function sampleSql(full, snap) {
  return `SELECT * FROM ${sqlIdent(full)}${snap ? ` FOR VERSION AS OF ${snap}` : ''} LIMIT ${SAMPLE_ROWS}`;
}

function sampleSection(full, hist) {
  const out = h('div', { id: 'sample' });
  const select = h('select', { name: 'snapshot' },
    h('option', { value: '' }, 'Current snapshot'),
    hist.slice().reverse().map((s) => h('option', { value: String(s['snapshot-id']) },
      `${fmtTime(s['timestamp-ms'])} · ${s.operation} · ${fmtInt((s.summary || {})['total-records'])} rows · ${s['snapshot-id']}`)));
  const link = h('a', { href: '#/sql' }, 'Open in the SQL editor');
  async function load() {
    const sql = sampleSql(full, select.value);
    link.setAttribute('href', `#/sql?q=${encodeURIComponent(sql)}`);
    out.setAttribute('aria-busy', 'true');
    try {
      const res = await query(sql);
      out.replaceChildren(res.rows.length ? resultTable(res, res.rows, `Up to ${SAMPLE_ROWS} rows${select.value ? ` as of snapshot ${select.value}` : ''}`) : empty('No rows in this snapshot.'));
    } catch (e) {
      out.replaceChildren(errorBox(e));
    }
    out.removeAttribute('aria-busy');
    out.dataset.snapshot = select.value;
  }
  select.addEventListener('change', load);
  const sec = section('Sample rows',
    h('div.row', field('Time travel (FOR VERSION AS OF)', select), link),
    out);
  return { sec, load };
}

function lineageSection(hist) {
  const ingests = hist.filter((s) => (s.summary || {})['korolev.ingest-id']).length;
  return section('Lineage',
    h('div.grid',
      h('div', h('h3', 'Upstream'), ingests ? h('p', `${fmtInt(ingests)} of ${fmtInt(hist.length)} snapshots were written by ingests.`) : null,
        empty('No upstream tables recorded.')),
      h('div', h('h3', 'Downstream'), empty('No downstream tables recorded.'))),
    h('p.muted', 'Pipelines will record the tables each run reads and writes; lineage appears here then.'));
}

export async function render(page, [ns, name]) {
  const full = `${ns}.${name}`;
  page.append(h('h1', full));
  let info;
  try {
    info = await api(tableApiPath(ns, name));
  } catch (e) {
    page.append(errorBox(e), h('p', h('a', { href: '#/' }, 'Back to the overview')));
    return;
  }
  const d = info.describe || {};
  const st = info.stats || {};
  const hist = info.history || [];
  page.append(h('div.cards', { id: 'table-stats' },
    card('Records', fmtInt(st.records)),
    card('Data files', fmtInt(st['data-files'])),
    card('Delete files', fmtInt(st['delete-files'])),
    card('Size', fmtBytes(st['total-bytes'])),
    card('Snapshots', fmtInt(st.snapshots)),
    card('Last commit', timeEl(st['current-snapshot-timestamp-ms'] > 0 ? st['current-snapshot-timestamp-ms'] : st['last-updated-ms']))));
  page.append(section('Details', kv([
    ['Location', h('code', d.location)],
    ['Table UUID', h('code', d['table-uuid'])],
    ['Format version', d['format-version']],
    ['Current snapshot', d['current-snapshot-id'] === undefined || d['current-snapshot-id'] === null ? 'none' : h('code', String(d['current-snapshot-id']))],
    ['Refs', Object.entries(info.refs || {}).map(([k, r]) => `${k} (${r.type})`).join(', ') || 'none'],
    ['Metadata', h('code', d['metadata-location'])],
  ])));
  const sample = sampleSection(full, hist);
  page.append(schemaSection(d), layoutSection(d), timelineSection(hist), sample.sec, filesSection(info.files), lineageSection(hist));
  await sample.load();
}
