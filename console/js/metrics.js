// metrics.js - reads the Prometheus text format of GET /metrics into
// samples {name, labels, value}, and sums them by name.

export function parseMetrics(text) {
  const out = [];
  const re = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/;
  for (const line of String(text || '').split('\n')) {
    if (!line || line[0] === '#') continue;
    const m = re.exec(line);
    if (!m) continue;
    const labels = {};
    for (const l of (m[2] || '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

export function sumOf(samples, name, pred) {
  return samples.filter((s) => s.name === name && (!pred || pred(s.labels)))
    .reduce((a, s) => a + (Number.isFinite(s.value) ? s.value : 0), 0);
}
