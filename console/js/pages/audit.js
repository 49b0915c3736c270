// audit.js - #/audit: the audit trail (GET /api/v1/audit, admin only).
//
// Filters: principal, action, object prefix, since, until (local time,
// sent as milliseconds since the epoch) and order.  Pages of 50 records;
// "Next" follows next-page-token and "Previous" walks back through the
// tokens already seen.  The filters live in the hash's query string so a
// filtered view can be bookmarked and the back button works.

import { api } from '../api.js';
import { announce, dataTable, empty, errorBox, field, h, section } from '../ui.js';

const PAGE_SIZE = 50;
const ACTIONS = ['query', 'table.create', 'table.commit', 'table.drop', 'namespace.create', 'namespace.drop',
  'namespace.update', 'token.create', 'token.revoke', 'ingest.succeeded'];

function summaryText(s) {
  if (!s || typeof s !== 'object') return '';
  if (s.statement) return `${s.statement} → ${s.outcome || ''}${s.rows !== undefined ? `, ${s.rows} rows` : ''}`;
  const t = JSON.stringify(s);
  return t === '{}' ? '' : t;
}

function toMs(local) {
  if (!local) return '';
  const t = new Date(local).getTime();
  return Number.isFinite(t) ? String(t) : '';
}

export async function render(page, _params, q) {
  const inputs = {
    principal: h('input', { name: 'principal', value: q.get('principal') || '', autocomplete: 'off' }),
    action: h('input', { name: 'action', value: q.get('action') || '', list: 'audit-actions', autocomplete: 'off' }),
    object_prefix: h('input', { name: 'object_prefix', value: q.get('object_prefix') || '', autocomplete: 'off' }),
    since: h('input', { name: 'since', type: 'datetime-local', value: q.get('since') || '' }),
    until: h('input', { name: 'until', type: 'datetime-local', value: q.get('until') || '' }),
    order: h('select', { name: 'order' }, h('option', { value: 'desc' }, 'Newest first'), h('option', { value: 'asc' }, 'Oldest first')),
  };
  inputs.order.value = q.get('order') === 'asc' ? 'asc' : 'desc';
  const form = h('form.row', { 'aria-label': 'Audit filters' },
    field('Principal', inputs.principal), field('Action', inputs.action),
    h('datalist', { id: 'audit-actions' }, ACTIONS.map((a) => h('option', { value: a }))),
    field('Object prefix', inputs.object_prefix), field('Since', inputs.since), field('Until (exclusive)', inputs.until),
    field('Order', inputs.order), h('button', { type: 'submit' }, 'Apply'));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const p = new URLSearchParams();
    for (const [k, el] of Object.entries(inputs)) if (el.value) p.set(k, el.value);
    location.hash = `#/audit?${p}`;
  });
  const out = h('div', { id: 'audit' });
  page.append(h('h1', 'Audit trail'), form, section('Records', out));

  const tokens = [null];
  let index = 0;
  async function load(focus) {
    const p = new URLSearchParams({ page_size: String(PAGE_SIZE), order: inputs.order.value });
    for (const k of ['principal', 'action', 'object_prefix']) if (q.get(k)) p.set(k, q.get(k));
    if (toMs(q.get('since'))) p.set('since', toMs(q.get('since')));
    if (toMs(q.get('until'))) p.set('until', toMs(q.get('until')));
    if (tokens[index]) p.set('page_token', tokens[index]);
    out.setAttribute('aria-busy', 'true');
    let res;
    try {
      res = await api(`/api/v1/audit?${p}`);
    } catch (e) {
      out.replaceChildren(e.status === 403 ? empty('The audit trail needs an admin token (one without a namespace).') : errorBox(e));
      out.removeAttribute('aria-busy');
      return;
    }
    const recs = res.records || [];
    const nextToken = recs.length === PAGE_SIZE ? res['next-page-token'] : null;
    tokens[index + 1] = nextToken;
    const prev = h('button.secondary', { type: 'button', disabled: index === 0, 'aria-label': 'Previous page of audit records' }, '‹ Previous');
    const next = h('button.secondary', { type: 'button', disabled: !nextToken, 'aria-label': 'Next page of audit records' }, 'Next ›');
    prev.addEventListener('click', () => { index--; load('prev'); });
    next.addEventListener('click', () => { index++; load('next'); });
    const status = `Page ${index + 1}: ${recs.length} records`;
    out.replaceChildren(
      recs.length ? dataTable({
        caption: status,
        id: 'audit-table',
        columns: [
          { label: 'ID', num: true, get: (r) => r.id },
          { label: 'Time (UTC)', get: (r) => r.time.replace('T', ' ').replace(/\.\d+Z$/, 'Z') },
          { label: 'Principal', get: (r) => r.principal },
          { label: 'Action', get: (r) => h('code', r.action) },
          { label: 'Object', get: (r) => r.object },
          { label: 'Summary', cls: 'cell', get: (r) => { const t = summaryText(r.summary); return h('span', { title: t }, t); } },
        ],
        rows: recs,
      }) : empty('No audit records match these filters.'),
      h('div.pager', prev, next, h('span', status)));
    out.dataset.page = String(index + 1);
    out.removeAttribute('aria-busy');
    const target = focus === 'next' && next.disabled ? prev : focus === 'prev' && prev.disabled ? next : { prev, next }[focus];
    if (target) target.focus();
    announce(status);
  }
  await load();
}
