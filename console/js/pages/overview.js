// overview.js - #/: the dashboard.
//
// Everything is derived from what the server already serves:
//   tables      GET /v1/namespaces (walked) and .../tables
//   volume,     GET /api/v1/tables/{ns}/{t}?files=false for each table:
//   freshness   stats and the snapshot history (added-records and
//               total-files-size of every snapshot give the ingest and
//               volume series over time)
//   queries     GET /api/v1/audit?action=query (admin tokens: one bar per
//               hour over the last 24 h); /metrics counters for the totals
//   runs,       GET /api/v1/runs and /api/v1/alerts: pipelines are not
//   alerts      served yet, so a missing route shows an empty state
// Requests run in parallel (at most 6 table details at a time).

import { api, listTables, optional, pool, tableApiPath } from '../api.js';
import { barChart, lineChart } from '../charts.js';
import { parseMetrics, sumOf } from '../metrics.js';
import { card, dataTable, empty, errorBox, fmtBytes, fmtCompact, fmtInt, fmtTime, h, section, timeEl } from '../ui.js';

const DAY = 86400000;
const HOUR = 3600000;

function settle(p) {
  return p.then((value) => ({ value }), (error) => ({ error }));
}

// Snapshot events of every table: {time, table, added, totalBytes}.
function snapshotEvents(details) {
  const ev = [];
  for (const d of details) {
    if (!d.info) continue;
    for (const s of d.info.history || []) {
      const sum = s.summary || {};
      ev.push({
        time: Number(s['timestamp-ms']), table: d.full, rejects: d.full.endsWith('__rejects'),
        added: Number(sum['added-records'] || 0), totalBytes: Number(sum['total-files-size'] || 0),
      });
    }
  }
  return ev.sort((a, b) => a.time - b.time);
}

function bucketLabel(t, size) {
  const d = new Date(t);
  const p = (x) => String(x).padStart(2, '0');
  const day = `${p(d.getMonth() + 1)}-${p(d.getDate())}`;
  return size === DAY ? day : `${day} ${p(d.getHours())}h`;
}

function ingestChart(events) {
  const rows = events.filter((e) => !e.rejects && e.added > 0);
  if (!rows.length) return empty('No records ingested yet.');
  const span = rows[rows.length - 1].time - rows[0].time;
  const size = span > 2 * DAY ? DAY : HOUR;
  const last = Math.floor(rows[rows.length - 1].time / size);
  const first = Math.max(Math.floor(rows[0].time / size), last - 29);
  const values = new Array(last - first + 1).fill(0);
  for (const e of rows) {
    const b = Math.floor(e.time / size) - first;
    if (b >= 0) values[b] += e.added;
  }
  const labels = values.map((_, i) => bucketLabel((first + i) * size, size));
  return barChart({ label: `Records ingested per ${size === DAY ? 'day' : 'hour'}`, labels, values, valueFmt: fmtInt });
}

function volumeChart(events) {
  if (!events.length) return empty('No snapshots yet.');
  const cur = new Map();
  const xs = [];
  const ys = [];
  for (const e of events) {
    cur.set(e.table, e.totalBytes);
    let total = 0;
    for (const v of cur.values()) total += v;
    xs.push(e.time);
    ys.push(total);
  }
  // Commits hours apart: a time axis; a burst of commits: one step each.
  const byTime = xs[xs.length - 1] - xs[0] >= HOUR;
  return lineChart({
    label: 'Data volume over time (all tables)', xs: byTime ? xs : xs.map((_, i) => i), ys, step: true,
    integerX: !byTime, xFmt: byTime ? (t) => fmtTime(t).slice(5, 16) : (i) => fmtTime(xs[Math.round(i)]).slice(11, 19),
    yFmt: fmtBytes,
    pointTitle: (i) => `${fmtTime(xs[i])}: ${fmtBytes(ys[i])}`,
  });
}

function queryChart(audit, metricsTotal) {
  if (audit.error) {
    const why = audit.error.status === 403 ? 'Query history needs an admin token.' : audit.error.message;
    return empty(why, metricsTotal === null ? null : `${fmtInt(metricsTotal)} queries since the server started (from /metrics).`);
  }
  const now = Date.now();
  const first = Math.floor((now - 23 * HOUR) / HOUR);
  const values = new Array(24).fill(0);
  for (const r of audit.value.records || []) {
    const b = Math.floor(Date.parse(r.time) / HOUR) - first;
    if (b >= 0 && b < 24) values[b]++;
  }
  const labels = values.map((_, i) => bucketLabel((first + i) * HOUR, HOUR));
  const more = audit.value['next-page-token'] ? ' (first 1,000 shown)' : '';
  return barChart({ label: `Queries per hour, last 24 hours${more}`, labels, values, valueFmt: fmtInt });
}

function freshnessTable(details) {
  const rows = details.slice().sort((a, b) => lastUpdated(b) - lastUpdated(a));
  return dataTable({
    caption: 'Tables by last commit (newest first)',
    id: 'tables',
    columns: [
      { label: 'Table', get: (d) => h('a', { href: `#/tables/${encodeURIComponent(d.ns)}/${encodeURIComponent(d.name)}` }, d.full) },
      { label: 'Records', num: true, get: (d) => (d.info ? fmtInt(d.info.stats.records) : '–') },
      { label: 'Size', num: true, get: (d) => (d.info ? fmtBytes(d.info.stats['total-bytes']) : '–') },
      { label: 'Files', num: true, get: (d) => (d.info ? fmtInt(d.info.stats['data-files']) : '–') },
      { label: 'Snapshots', num: true, get: (d) => (d.info ? fmtInt(d.info.stats.snapshots) : '–') },
      { label: 'Last commit', get: (d) => (d.info ? timeEl(lastUpdated(d)) : h('span.bad', d.error.message)) },
      { label: 'Operation', get: (d) => lastOp(d) },
    ],
    rows,
  });
}

function lastUpdated(d) {
  if (!d.info) return -1;
  const s = d.info.stats;
  return Number(s['current-snapshot-timestamp-ms']) > 0 ? Number(s['current-snapshot-timestamp-ms']) : Number(s['last-updated-ms']);
}

function lastOp(d) {
  const hist = d.info && d.info.history;
  return hist && hist.length ? hist[hist.length - 1].operation || '–' : '–';
}

function runsPanel(runs) {
  if (runs.error) return errorBox(runs.error);
  if (runs.value === null) return empty('No pipeline runs yet: pipelines are not available on this server yet.');
  const list = runs.value.runs || [];
  if (!list.length) return empty('No pipeline runs yet.');
  return dataTable({
    caption: 'Most recent runs; failed runs are marked',
    columns: [
      { label: 'Pipeline', get: (r) => r.pipeline || '–' },
      { label: 'Status', get: (r) => h(`span.badge.${r.status === 'failed' ? 'bad' : 'ok'}`, r.status || '–') },
      { label: 'Started', get: (r) => r.started || r['started-at'] || '–' },
      { label: 'Attempts', num: true, get: (r) => fmtInt(r.attempts) },
    ],
    rows: list.slice(0, 10),
  });
}

function alertsPanel(alerts) {
  if (alerts.error) return errorBox(alerts.error);
  if (alerts.value === null) return empty('No alerts: the alerts API is not available on this server yet.');
  const list = alerts.value.alerts || [];
  if (!list.length) return empty('No open alerts.');
  return h('ul', list.map((a) => h('li', h('strong', a.kind || a.type || 'alert'), ' ', a.object || '', ': ', a.message || '')));
}

async function tableDetails(tables) {
  return pool(tables.slice(0, 200), 6, async (t) => {
    try {
      return Object.assign({ info: await api(`${tableApiPath(t.ns, t.name)}?files=false`) }, t);
    } catch (error) {
      return Object.assign({ error }, t);
    }
  });
}

export async function render(page) {
  const since = Date.now() - 24 * HOUR;
  const [tablesR, metricsR, auditR, runsR, alertsR] = await Promise.all([
    settle(listTables().then(tableDetails)),
    settle(api('/metrics', { as: 'text' })),
    settle(api(`/api/v1/audit?action=query&order=desc&page_size=1000&since=${since}`)),
    settle(optional('/api/v1/runs?limit=20')),
    settle(optional('/api/v1/alerts')),
  ]);
  page.append(h('h1', 'Overview'));
  if (tablesR.error) {
    page.append(errorBox(tablesR.error));
    return;
  }
  const details = tablesR.value;
  const ok = details.filter((d) => d.info);
  const samples = metricsR.value ? parseMetrics(metricsR.value) : [];
  const queries = metricsR.value ? sumOf(samples, 'korolev_queries_total') : null;
  const total = (k) => ok.reduce((a, d) => a + Number(d.info.stats[k] || 0), 0);
  page.append(h('div.cards', { id: 'summary' },
    card('Tables', fmtInt(details.length), { dataset: { metric: 'tables' } }),
    card('Records', fmtCompact(total('records')), { title: fmtInt(total('records')) }),
    card('Data volume', fmtBytes(total('total-bytes'))),
    card('Data files', fmtInt(total('data-files'))),
    card('Queries', queries === null ? '–' : fmtInt(queries), { title: 'since the server started (/metrics)' }),
    card('Requests', metricsR.value ? fmtCompact(sumOf(samples, 'korolev_http_requests_total')) : '–'),
    card('5xx errors', metricsR.value ? fmtInt(sumOf(samples, 'korolev_errors_total')) : '–')));
  if (!details.length) {
    page.append(empty('No tables yet.', ['Create one with ', h('code', 'korolev table create NS.T --like FILE.parquet'), ' or through the Iceberg REST API.']));
  }
  const events = snapshotEvents(details);
  page.append(h('div.grid',
    section('Ingest rate', ingestChart(events)),
    section('Data volume', volumeChart(events)),
    section('Query rate', queryChart(auditR, queries))));
  page.append(section('Freshness', details.length ? freshnessTable(details) : empty('No tables yet.')));
  page.append(h('div.grid',
    section('Recent and failed runs', runsPanel(runsR)),
    section('Alerts', alertsPanel(alertsR))));
}
