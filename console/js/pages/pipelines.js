// pipelines.js - #/pipelines: pipeline definitions and their runs.
//
// Pipelines are not served yet: GET /api/v1/pipelines answers 404
// (NoSuchRouteException) and the page shows an empty state.  When the
// route exists it lists {"pipelines": [{name, owner, schedule|triggers,
// next-run, last-run: {status, ...}}]}; fields it does not know are shown
// as "–".

import { optional } from '../api.js';
import { dataTable, empty, errorBox, h, section } from '../ui.js';

function triggers(p) {
  if (p.schedule) return p.schedule;
  if (Array.isArray(p.triggers)) return p.triggers.map((t) => (typeof t === 'string' ? t : t.cron || t.type || JSON.stringify(t))).join(', ');
  return '–';
}

export async function render(page) {
  page.append(h('h1', 'Pipelines'));
  let res;
  try {
    res = await optional('/api/v1/pipelines');
  } catch (e) {
    page.append(errorBox(e));
    return;
  }
  const list = res ? res.pipelines || [] : [];
  if (!list.length) {
    page.append(section('Definitions', h('div', { id: 'pipelines-empty' }, empty('No pipelines yet.',
      res === null
        ? 'This server does not run pipelines yet. Pipelines will be YAML files (triggers, steps, retries, freshness) kept in Git; their runs, with status, attempts and logs, will appear here.'
        : 'Add a pipeline definition to the pipelines directory and it appears here.'))));
    return;
  }
  page.append(section('Definitions', dataTable({
    caption: `${list.length} pipelines`,
    id: 'pipelines',
    columns: [
      { label: 'Name', get: (p) => h('code', p.name) },
      { label: 'Owner', get: (p) => p.owner || '–' },
      { label: 'Triggers', get: triggers },
      { label: 'Next run', get: (p) => p['next-run'] || '–' },
      { label: 'Last run', get: (p) => (p['last-run'] ? h(`span.badge.${p['last-run'].status === 'failed' ? 'bad' : 'ok'}`, p['last-run'].status) : '–') },
    ],
    rows: list,
  })));
}
