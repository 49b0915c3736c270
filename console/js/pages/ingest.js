// ingest.js - #/ingest: upload a file into a table.
//
// POST /api/v1/tables/{ns}/{t}/ingest?format=csv|jsonl|parquet[&header=]
// with the file as the raw body (XMLHttpRequest, for upload progress) and
// an Idempotency-Key per chosen file, so a retried upload writes nothing
// twice.  The answer is the ingest record of docs/ingest.md: received =
// written + rejected, bytes, rejects by reason and sample rejects, the
// snapshot ids.  A server without the route says so (404
// NoSuchRouteException) and the page points to `korolev ingest`.

import { ApiError, listTables, parseJSON, tableApiPath, token } from '../api.js';
import { announce, dataTable, empty, errorBox, field, fmtBytes, fmtInt, h, kv, section } from '../ui.js';

const FORMATS = { csv: 'text/csv', jsonl: 'application/x-ndjson', parquet: 'application/vnd.apache.parquet' };

function formatOf(name) {
  const n = name.toLowerCase();
  if (n.endsWith('.csv') || n.endsWith('.tsv')) return 'csv';
  if (n.endsWith('.parquet')) return 'parquet';
  return 'jsonl';
}

// 128 random bits as hex (crypto.randomUUID needs a secure context; plain
// HTTP to a remote server is not one).
function randomId() {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}

function upload(url, file, type, key, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.setRequestHeader('Authorization', `Bearer ${token()}`);
    xhr.setRequestHeader('Content-Type', type);
    xhr.setRequestHeader('Idempotency-Key', key);
    xhr.upload.addEventListener('progress', (ev) => onProgress(ev.loaded, ev.lengthComputable ? ev.total : file.size));
    xhr.addEventListener('load', () => {
      let body = null;
      try {
        body = parseJSON(xhr.responseText);
      } catch (e) {
        body = null;
      }
      if (xhr.status >= 200 && xhr.status < 300 && body) resolve({ status: xhr.status, body });
      else if (body && body.error) reject(new ApiError(xhr.status, body.error.type, body.error.message));
      else reject(new ApiError(xhr.status, '', `upload failed: HTTP ${xhr.status}`));
    });
    xhr.addEventListener('error', () => reject(new ApiError(0, '', 'the connection failed during the upload')));
    xhr.send(file);
  });
}

function resultView(rec, tableHref) {
  const ok = rec.status === 'succeeded';
  const balanced = Number(rec.received) === Number(rec.written) + Number(rec.rejected);
  const reasons = Object.entries(rec['rejects-by-reason'] || {});
  const samples = rec['reject-samples'] || [];
  return h('div', { id: 'ingest-result', dataset: { status: rec.status || '' } },
    h('p', h(`strong.${ok ? 'ok' : 'bad'}`, `Ingest ${rec.status || 'finished'}`), rec.replayed ? ' (replayed: this file was already ingested, nothing was written again)' : '', '. ',
      h('a', { href: tableHref }, 'Open the table')),
    h('div.cards',
      h('div.card', { dataset: { count: 'received' } }, h('div.label', 'Received'), h('div.value', fmtInt(rec.received))),
      h('div.card', { dataset: { count: 'written' } }, h('div.label', 'Written'), h('div.value', fmtInt(rec.written))),
      h('div.card', { dataset: { count: 'rejected' } }, h('div.label', 'Rejected'), h('div.value', fmtInt(rec.rejected))),
      h('div.card', h('div.label', 'Bytes'), h('div.value', fmtBytes(rec.bytes)))),
    h('p', { class: balanced ? 'ok' : 'bad' }, balanced
      ? `Accounting balances: ${fmtInt(rec.received)} received = ${fmtInt(rec.written)} written + ${fmtInt(rec.rejected)} rejected.`
      : `Accounting does not balance: ${rec.received} ≠ ${rec.written} + ${rec.rejected}.`),
    kv([
      ['Ingest id', h('code', rec['ingest-id'] || '–')],
      ['Snapshot', rec['snapshot-id'] ? h('code', String(rec['snapshot-id'])) : 'none'],
      ['Rejects table', rec['rejects-table'] || 'none'],
      ['Blank lines', fmtInt(rec['blank-lines'] || 0)],
    ]),
    reasons.length ? dataTable({
      caption: 'Rejects by reason',
      columns: [{ label: 'Reason', get: (r) => h('code', r[0]) }, { label: 'Records', num: true, get: (r) => fmtInt(r[1]) }],
      rows: reasons,
    }) : null,
    samples.length ? dataTable({
      caption: 'Sample rejects',
      columns: [
        { label: 'Line', num: true, get: (s) => s.line },
        { label: 'Field', get: (s) => s.field || '(record)' },
        { label: 'Reason', get: (s) => h('code', s.reason) },
        { label: 'Detail', get: (s) => s.detail },
      ],
      rows: samples,
    }) : null);
}

export async function render(page, _params, q) {
  page.append(h('h1', 'Ingest a file'));
  let tables;
  try {
    tables = (await listTables()).filter((t) => !t.name.endsWith('__rejects'));
  } catch (e) {
    page.append(errorBox(e));
    return;
  }
  if (!tables.length) {
    page.append(empty('No tables to ingest into yet.', ['Create one first, e.g. ', h('code', 'korolev table create NS.T --schema FILE.json')]));
    return;
  }
  const tableSel = h('select', { name: 'table', required: true }, tables.map((t) => h('option', { value: t.full }, t.full)));
  if (q.get('table')) tableSel.value = q.get('table');
  const fileIn = h('input', { type: 'file', name: 'file', accept: '.csv,.tsv,.jsonl,.json,.ndjson,.parquet', required: true });
  const fmtSel = h('select', { name: 'format' }, h('option', { value: '' }, 'From the file name'),
    h('option', { value: 'csv' }, 'CSV'), h('option', { value: 'jsonl' }, 'JSON lines'), h('option', { value: 'parquet' }, 'Parquet'));
  const header = h('input', { type: 'checkbox', name: 'header', id: 'ingest-header', checked: true });
  const bar = h('progress', { max: '100', value: '0', 'aria-label': 'Upload progress' });
  const progText = h('span.muted', { 'aria-live': 'polite' });
  const out = h('div', { id: 'ingest-out' });
  const go = h('button', { type: 'submit' }, 'Upload');
  const keys = new WeakMap();
  const form = h('form.panel', { 'aria-label': 'Upload a file' },
    h('div.row', field('Table', tableSel), field('File', fileIn), field('Format', fmtSel),
      h('div.field', h('label', { for: 'ingest-header' }, 'CSV header row'), header)),
    h('div.row', go),
    h('div', { hidden: true, id: 'progress' }, bar, progText));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const file = fileIn.files[0];
    if (!file) return;
    const t = tables.find((x) => x.full === tableSel.value);
    const fmt = fmtSel.value || formatOf(file.name);
    if (!keys.has(file)) keys.set(file, `console-${randomId()}`);
    const params = new URLSearchParams({ format: fmt });
    if (fmt === 'csv') params.set('header', header.checked ? 'true' : 'false');
    const url = `${tableApiPath(t.ns, t.name)}/ingest?${params}`;
    go.disabled = true;
    document.getElementById('progress').hidden = false;
    out.replaceChildren();
    try {
      const res = await upload(url, file, FORMATS[fmt], keys.get(file), (done, total) => {
        const pct = total ? Math.round((100 * done) / total) : 0;
        bar.value = pct;
        progText.textContent = `${fmtBytes(done)} of ${fmtBytes(total)} sent (${pct}%)${done >= total ? ', committing…' : ''}`;
      });
      bar.value = 100;
      progText.textContent = `${fmtBytes(file.size)} sent; done.`;
      out.replaceChildren(resultView(res.body, `#/tables/${encodeURIComponent(t.ns)}/${encodeURIComponent(t.name)}`));
      announce(`Ingest ${res.body.status}: ${res.body.received} received, ${res.body.written} written, ${res.body.rejected} rejected`);
    } catch (e) {
      if (e instanceof ApiError && e.missingRoute) {
        out.replaceChildren(h('div.notice', { id: 'ingest-unavailable', role: 'alert' },
          'This server does not accept uploads yet (no POST /api/v1/tables/{ns}/{t}/ingest). Use ',
          h('code', `korolev ingest ${t.full} ${file.name}`), ' on the server instead.'));
      } else {
        out.replaceChildren(errorBox(e));
      }
      progText.textContent = 'Upload stopped.';
      announce(`Upload failed: ${e.message}`);
    }
    go.disabled = false;
  });
  page.append(form, section('Result', out));
  out.append(empty('Choose a table and a file (CSV, JSON lines or Parquet). Every record is written or rejected with a reason; the accounting appears here.'));
}
