// ui.js - small DOM helpers shared by the pages: an element builder that
// never parses HTML (text is always text, so server data cannot inject
// markup), number/byte/time formatting, data tables and empty states.

// h('tag.class#id', {attrs}, ...children): children are nodes, strings,
// numbers, arrays or null.  Attributes starting with "on" are listeners.
export function h(spec, attrs, ...children) {
  const m = /^([a-z0-9]+)?((?:[.#][\w-]+)*)$/i.exec(spec);
  const el = document.createElement((m && m[1]) || 'div');
  const rest = m ? m[2] : '';
  for (const part of rest.match(/[.#][\w-]+/g) || []) {
    if (part[0] === '.') el.classList.add(part.slice(1));
    else el.id = part.slice(1);
  }
  if (attrs && (typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs))) {
    children.unshift(attrs);
    attrs = null;
  }
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

const NF = new Intl.NumberFormat('en-US');

export function fmtInt(n) {
  if (n === null || n === undefined || n === '') return '–';
  const v = Number(n);
  return Number.isFinite(v) ? NF.format(v) : String(n);
}

export function fmtBytes(n) {
  const v = Number(n);
  if (!Number.isFinite(v)) return '–';
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let i = 0;
  let x = v;
  while (Math.abs(x) >= 1000 && i < units.length - 1) {
    x /= 1000;
    i++;
  }
  return `${i === 0 ? x : x.toFixed(x < 10 ? 2 : 1)} ${units[i]}`;
}

export function fmtCompact(n) {
  const v = Number(n);
  if (!Number.isFinite(v)) return String(n);
  return new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 }).format(v);
}

// Milliseconds since the epoch -> "2024-05-01 10:00:00" (local time).
export function fmtTime(ms) {
  const v = Number(ms);
  if (!Number.isFinite(v) || v < 0) return '–';
  const d = new Date(v);
  const p = (x) => String(x).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export function fmtAgo(ms, now = Date.now()) {
  const v = Number(ms);
  if (!Number.isFinite(v) || v <= 0) return 'never';
  const s = Math.round((now - v) / 1000);
  if (s < 0) return 'just now';
  if (s < 90) return `${s} s ago`;
  if (s < 5400) return `${Math.round(s / 60)} min ago`;
  if (s < 129600) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} days ago`;
}

export function timeEl(ms) {
  const v = Number(ms);
  if (!Number.isFinite(v) || v <= 0) return 'never';
  return h('time', { datetime: new Date(v).toISOString(), title: fmtTime(v) }, fmtAgo(v));
}

export function empty(text, extra) {
  return h('div.empty', { role: 'note' }, text, extra ? h('div', extra) : null);
}

export function errorBox(err) {
  return h('div.error', { role: 'alert' }, err && err.message ? err.message : String(err));
}

export function card(label, value, attrs) {
  return h('div.card', attrs || {}, h('div.label', label), h('div.value', value));
}

// dataTable({caption, columns: [{label, num?, get(row) -> node|string}], rows})
export function dataTable({ caption, columns, rows, rowAttrs, id }) {
  const head = h('tr', columns.map((c) => h(`th${c.num ? '.num' : ''}`, { scope: 'col' }, c.label)));
  const body = rows.map((r, i) => h('tr', rowAttrs ? rowAttrs(r, i) : {},
    columns.map((c) => {
      const v = c.get(r, i);
      return h(`td${c.num ? '.num' : ''}${c.cls ? `.${c.cls}` : ''}`, v === null || v === undefined ? '–' : v);
    })));
  return h('div.scroll', h('table', id ? { id } : {}, caption ? h('caption', caption) : null,
    h('thead', head), h('tbody', body)));
}

export function kv(pairs) {
  return h('dl.kv', pairs.flatMap(([k, v]) => [h('dt', k), h('dd', v === null || v === undefined ? '–' : v)]));
}

// One labelled form control: field('Principal', input).
export function field(label, control) {
  if (!control.id) control.id = `f-${Math.random().toString(36).slice(2, 9)}`;
  return h('div.field', h('label', { for: control.id }, label), control);
}

export function announce(text) {
  const s = document.getElementById('status');
  if (s) s.textContent = text;
}

export function section(title, ...children) {
  const id = `s-${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  return h('section.panel', { 'aria-labelledby': id }, h('h2', { id }, title), children);
}

// A value from a query result as text (objects as JSON).
export function cellText(v) {
  if (v === null || v === undefined) return null;
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export function download(name, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h('a', { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
