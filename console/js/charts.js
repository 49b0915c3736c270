// charts.js - small SVG charts drawn by hand (no library): a bar chart
// and a line chart with optional per-point classes (used to colour a
// snapshot timeline by operation).  Each chart is a <figure> holding an
// <svg role="img"> whose aria-label says what it shows and how many
// values it holds; every bar and point has a <title> for hover and for
// screen readers that walk the SVG.  The viewBox scales with the width of
// its container, so the same chart reads on a phone and a laptop.

import { fmtCompact } from './ui.js';

const SVG = 'http://www.w3.org/2000/svg';
const H = 220;
const M = { top: 12, right: 12, bottom: 30, left: 56 };
let W = 640; // the width being drawn: the figure's own width in CSS pixels

function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v !== undefined && v !== null) el.setAttribute(k, String(v));
  }
  for (const c of children) if (c !== null && c !== undefined) el.append(c);
  return el;
}

function title(text) {
  return s('title', {}, text);
}

// 0 = lo < ticks <= hi, "nice" steps of 1, 2 or 5 x 10^k.
export function niceTicks(lo, hi, count = 4) {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((v) => v >= raw) || raw;
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(+v.toPrecision(12));
  return out;
}

function frame(label, yTicks, y, yFmt) {
  const svg = s('svg', {
    class: 'chart', viewBox: `0 0 ${W} ${H}`, width: '100%', height: H, role: 'img', 'aria-label': label,
    preserveAspectRatio: 'none',
  });
  for (const t of yTicks) {
    const py = y(t);
    svg.append(s('line', { class: 'grid-line', x1: M.left, x2: W - M.right, y1: py, y2: py }));
    svg.append(s('text', { x: M.left - 6, y: py + 4, 'text-anchor': 'end' }, yFmt(t)));
  }
  svg.append(s('line', { class: 'axis', x1: M.left, x2: W - M.right, y1: H - M.bottom, y2: H - M.bottom }));
  return svg;
}

// A figure that redraws its SVG at its own width (1 SVG unit = 1 CSS
// pixel, so labels keep their size on a phone and on a wide screen).
// The SVG's height is fixed, so redrawing cannot change the width that
// the ResizeObserver watches (no resize loops).
function figure(draw, caption, legend) {
  const fig = document.createElement('figure');
  let drawn = 0;
  const paint = (w) => {
    W = Math.max(240, Math.round(w));
    drawn = W;
    const svg = draw();
    const old = fig.querySelector('svg');
    if (old) old.replaceWith(svg);
    else fig.prepend(svg);
  };
  paint(640);
  if (typeof ResizeObserver === 'function') {
    new ResizeObserver((entries) => {
      const w = entries[entries.length - 1].contentRect.width;
      if (w > 0 && Math.abs(Math.max(240, Math.round(w)) - drawn) >= 1) paint(w);
    }).observe(fig);
  }
  if (legend && legend.length) {
    const ul = document.createElement('ul');
    ul.className = 'legend';
    for (const { label, cls } of legend) {
      const li = document.createElement('li');
      const sw = document.createElement('span');
      sw.className = `sw ${cls}`;
      sw.setAttribute('aria-hidden', 'true');
      li.append(sw, label);
      ul.append(li);
    }
    fig.append(ul);
  }
  if (caption) {
    const fc = document.createElement('figcaption');
    fc.className = 'visually-hidden';
    fc.textContent = caption;
    fig.append(fc);
  }
  return fig;
}

function yScale(values) {
  const finite = values.filter(Number.isFinite);
  const lo = Math.min(0, ...finite);
  const hi = Math.max(0, ...finite);
  const ticks = niceTicks(lo, hi === lo ? lo + 1 : hi);
  const top = Math.max(hi, ticks[ticks.length - 1]);
  const bottom = Math.min(lo, ticks[0]);
  const span = top - bottom || 1;
  const y = (v) => M.top + (H - M.top - M.bottom) * (1 - (v - bottom) / span);
  return { ticks, y, bottom };
}

// barChart({label, labels: [..], values: [..], yFmt})
export function barChart({ label, labels, values, yFmt = fmtCompact, valueFmt }) {
  const nums = values.map(Number);
  const caption = `${label}: ${labels.map((l, i) => `${l} ${values[i]}`).slice(0, 50).join(', ')}`;
  return figure(() => drawBars(label, labels, nums, yFmt, valueFmt), caption);
}

function drawBars(label, labels, nums, yFmt, valueFmt) {
  const { ticks, y } = yScale(nums);
  const svg = frame(`${label} (bar chart, ${nums.length} bars)`, ticks, y, yFmt);
  const plotW = W - M.left - M.right;
  const slot = plotW / Math.max(1, nums.length);
  const every = Math.max(1, Math.ceil(nums.length / Math.max(2, Math.floor(plotW / 70))));
  const y0 = y(0);
  nums.forEach((v, i) => {
    const bw = Math.max(1, Math.min(slot * 0.76, 64));
    const x = M.left + (i + 0.5) * slot - bw / 2;
    const top = Number.isFinite(v) ? y(v) : y0;
    const bar = s('rect', {
      class: 'bar', x, y: Math.min(top, y0), width: bw,
      height: Math.max(Number.isFinite(v) && v !== 0 ? 1 : 0, Math.abs(y0 - top)),
    }, title(`${labels[i]}: ${(valueFmt || yFmt)(v)}`));
    svg.append(bar);
    if (i % every === 0) {
      const text = String(labels[i]);
      svg.append(s('text', { x: M.left + (i + 0.5) * slot, y: H - M.bottom + 16, 'text-anchor': 'middle' },
        text.length > 14 ? `${text.slice(0, 13)}…` : text));
    }
  });
  return svg;
}

// lineChart({label, xs, ys, xFmt, yFmt, pointClass(i), pointTitle(i), legend, step,
//            integerX: xs are 0..n-1 positions, ticks only at whole ones})
export function lineChart(opts) {
  return figure(() => drawLine(opts), `${opts.label}: ${opts.ys.length} points`, opts.legend);
}

function drawLine({ label, xs, ys, xFmt = String, yFmt = fmtCompact, pointClass, pointTitle, step, integerX }) {
  const xv = xs.map(Number);
  const yv = ys.map(Number);
  const { ticks, y, bottom } = yScale(yv);
  const svg = frame(`${label} (line chart, ${yv.length} points)`, ticks, y, yFmt);
  let lo = Math.min(...xv);
  let hi = Math.max(...xv);
  if (!(hi > lo)) {
    lo -= 1;
    hi += 1;
  }
  const x = (v) => M.left + 8 + (W - M.left - M.right - 16) * ((v - lo) / (hi - lo));
  let d = '';
  xv.forEach((v, i) => {
    const px = x(v);
    const py = y(yv[i]);
    if (i === 0) d += `M${px},${py}`;
    else if (step) d += `H${px}V${py}`;
    else d += `L${px},${py}`;
  });
  if (xv.length > 1) {
    svg.append(s('path', { class: 'area', d: `${d}V${y(bottom)}H${x(xv[0])}Z` }));
    svg.append(s('path', { class: 'line', d }));
  }
  const n = Math.max(2, Math.min(5, Math.floor((W - M.left - M.right) / 110)));
  let xticks = xv.length <= 1 ? xv : Array.from({ length: n }, (_, i) => lo + (i / (n - 1)) * (hi - lo));
  if (integerX && xv.length > 1) {
    const every = Math.ceil((xv.length - 1) / (n - 1));
    xticks = xv.filter((_, i) => i % every === 0);
  }
  xticks.forEach((t, i) => {
    const anchor = xticks.length > 1 && i === 0 ? 'start' : (i === xticks.length - 1 && xticks.length > 1 ? 'end' : 'middle');
    svg.append(s('text', { x: x(t), y: H - M.bottom + 16, 'text-anchor': anchor }, xFmt(t)));
  });
  xv.forEach((v, i) => {
    svg.append(s('circle', {
      class: `pt ${pointClass ? pointClass(i) : 's1'}`, cx: x(v), cy: y(yv[i]), r: 4,
    }, title(pointTitle ? pointTitle(i) : `${xFmt(v)}: ${yFmt(yv[i])}`)));
  });
  return svg;
}
