// corpus.mjs - reads the SQL corpora and takes query text apart.
//
// Query files (tests/sql/queries/*.sql): statements end with ';' outside
// quotes and comments.  The comment lines just before a statement describe
// it (the first one is shown in reports).  A query's id is FILE:N, N its
// 1-based position in the file; the expected-failure list
// (tests/sql/xfail.txt) names queries by that id.
//
// Templates, expanded per side by the harness:
//   {{ns.events@N}}    the table as of its Nth snapshot: Korolev reads
//                      `ns.events FOR VERSION AS OF <id>` (id from `korolev
//                      table history`), DuckDB a view over the files of
//                      the first N appends
//   {{ns.events@tsN}}  the same through FOR TIMESTAMP AS OF '<commit time>'
//
// Error files (tests/sql/errors/*.sql): each case starts with a line
// `-- expect: WORDS[|OTHER WORDS...]` (the error message must contain one
// of the alternatives, case-insensitively); the statement is every line up
// to the next `-- expect:` line or the end of the file, so it may hold
// semicolons, unterminated strings or nothing at all.  A line
// `-- korolev-only: WHY` in a case marks one that DuckDB accepts (division
// by zero gives Infinity there); the self-check skips its DuckDB test.
//
// scanTopLevel() finds a query's top-level ORDER BY keys, LIMIT and OFFSET
// (outside parentheses, strings and comments) and its first select list,
// which the harness needs to compare ordered results.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// ------------------------------------------------------------ tokens

// Splits SQL into tokens {t: kind, v: text, depth}; kinds: word, quoted
// (a "identifier"), string, number, punct.  Comments and blanks vanish.
export function tokenize(sql) {
  const out = [];
  let i = 0;
  let depth = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === '-' && sql[i + 1] === '-') {
      while (i < n && sql[i] !== '\n') i++;
    } else if (c === '/' && sql[i + 1] === '*') {
      const e = sql.indexOf('*/', i + 2);
      i = e < 0 ? n : e + 2;
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      for (; j < n; j++) {
        if (sql[j] === c) {
          if (sql[j + 1] === c) j++;
          else break;
        }
      }
      out.push({ t: c === "'" ? 'string' : 'quoted', v: sql.slice(i, j + 1), depth, at: i });
      i = j + 1;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_$]*/.exec(sql.slice(i, i + 256));
      out.push({ t: 'word', v: m[0], depth, at: i });
      i += m[0].length;
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(sql[i + 1] ?? ''))) {
      const m = /^[0-9]*\.?[0-9]*([eE][+-]?[0-9]+)?/.exec(sql.slice(i, i + 256));
      out.push({ t: 'number', v: m[0], depth, at: i });
      i += m[0].length;
    } else {
      if (c === '(' || c === '[') {
        out.push({ t: 'punct', v: c, depth, at: i });
        depth++;
      } else if (c === ')' || c === ']') {
        depth--;
        out.push({ t: 'punct', v: c, depth, at: i });
      } else {
        out.push({ t: 'punct', v: c, depth, at: i });
      }
      i++;
    }
  }
  return out;
}

const isWord = (tok, w) => tok && tok.t === 'word' && tok.v.toUpperCase() === w;

// Splits a token list at top-level commas.
function splitCommas(toks, depth) {
  const parts = [[]];
  for (const t of toks) {
    if (t.t === 'punct' && t.v === ',' && t.depth === depth) parts.push([]);
    else parts[parts.length - 1].push(t);
  }
  return parts.filter((p) => p.length);
}

// Normalised text of tokens, for matching an ORDER BY key to a select item.
export const tokText = (toks) =>
  toks.map((t) => (t.t === 'word' ? t.v.toLowerCase() : t.t === 'quoted' ? t.v.slice(1, -1) : t.v)).join(' ');

// {orderKeys: [{toks, desc}], hasLimit, hasOffset, selectItems: [{toks, alias}]}
export function scanTopLevel(sql) {
  const toks = tokenize(sql).filter((t) => !(t.t === 'punct' && t.v === ';'));
  let order = -1;
  let limit = -1;
  let offset = -1;
  toks.forEach((t, k) => {
    if (t.depth !== 0 || t.t !== 'word') return;
    const u = t.v.toUpperCase();
    if (u === 'ORDER' && isWord(toks[k + 1], 'BY')) order = k;
    else if (u === 'LIMIT') limit = k;
    else if (u === 'OFFSET') offset = k;
    else if (u === 'UNION' || u === 'INTERSECT' || u === 'EXCEPT') order = limit = offset = -1;
  });
  const res = { orderKeys: null, hasLimit: limit >= 0, hasOffset: offset >= 0, selectItems: [] };
  if (order >= 0) {
    const ends = [limit, offset, toks.length].filter((x) => x > order);
    const keys = splitCommas(toks.slice(order + 2, Math.min(...ends)), 0);
    res.orderKeys = keys.map((k) => {
      const key = [...k];
      let desc = false;
      for (;;) {
        const last = key[key.length - 1];
        const prev = key[key.length - 2];
        if (isWord(last, 'ASC')) key.pop();
        else if (isWord(last, 'DESC')) key.pop(), (desc = true);
        else if ((isWord(last, 'FIRST') || isWord(last, 'LAST')) && isWord(prev, 'NULLS')) key.splice(-2);
        else break;
      }
      return { toks: key, desc };
    });
  }
  // The first top-level select list: SELECT [DISTINCT] ... FROM.
  const sel = toks.findIndex((t) => t.depth === 0 && isWord(t, 'SELECT'));
  if (sel >= 0) {
    let from = toks.findIndex((t, k) => k > sel && t.depth === 0 && /^(FROM|WHERE|GROUP|ORDER|LIMIT|UNION|HAVING)$/i.test(t.t === 'word' ? t.v : ''));
    if (from < 0) from = toks.length;
    let start = sel + 1;
    if (isWord(toks[start], 'DISTINCT') || isWord(toks[start], 'ALL')) start++;
    res.selectItems = splitCommas(toks.slice(start, from), 0).map((item) => {
      const k = item.length;
      if (k >= 3 && isWord(item[k - 2], 'AS')) return { toks: item.slice(0, -2), alias: item[k - 1] };
      if (k >= 2 && (item[k - 1].t === 'word' || item[k - 1].t === 'quoted') && item[k - 2].t !== 'punct')
        return { toks: item.slice(0, -1), alias: item[k - 1] };
      return { toks: item, alias: null };
    });
  }
  return res;
}

// ------------------------------------------------------------ query files

// Splits a file into statements: [{sql, line, comment}].
export function splitStatements(text) {
  const out = [];
  let i = 0;
  let start = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (c === '-' && text[i + 1] === '-') {
      while (i < n && text[i] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const e = text.indexOf('*/', i + 2);
      i = e < 0 ? n : e + 2;
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      for (; j < n; j++) {
        if (text[j] === c) {
          if (text[j + 1] === c) j++;
          else break;
        }
      }
      i = j + 1;
    } else if (c === ';') {
      out.push(chunk(text, start, i));
      start = i + 1;
      i++;
    } else {
      i++;
    }
  }
  if (text.slice(start).replace(/--[^\n]*/g, '').trim()) out.push(chunk(text, start, n));
  return out;
}

function chunk(text, start, end) {
  const raw = text.slice(start, end);
  const lines = raw.split('\n');
  const comments = [];
  let k = 0;
  for (; k < lines.length; k++) {
    const l = lines[k].trim();
    if (l.startsWith('--')) comments.push(l.replace(/^--\s?/, ''));
    else if (l) break;
  }
  const line = text.slice(0, start).split('\n').length + k;
  return { sql: lines.slice(k).join('\n').trim(), line, comment: comments.join(' ').trim() };
}

// Every query of every file in DIR: [{id, file, line, sql, comment}].
export function loadQueries(dir) {
  const out = [];
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.sql')).sort()) {
    const stmts = splitStatements(readFileSync(join(dir, f), 'utf8'));
    stmts.forEach((s, k) => out.push({ id: `${f.replace(/\.sql$/, '')}:${k + 1}`, file: f, ...s }));
  }
  return out;
}

// The expected-failure list: "ID reason" per line, # comments.
export function loadXfail(path) {
  const m = new Map();
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return m;
  }
  for (const l of text.split('\n')) {
    const t = l.replace(/#.*/, '').trim();
    if (!t) continue;
    const [id, ...why] = t.split(/\s+/);
    m.set(id, why.join(' ') || '(no reason given)');
  }
  return m;
}

// ------------------------------------------------------------ error files

// [{id, file, line, sql, expect: [alternatives]}].
export function loadErrors(dir) {
  const out = [];
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.sql')).sort()) {
    const lines = readFileSync(join(dir, f), 'utf8').split('\n');
    let cur = null;
    const flush = () => {
      if (!cur) return;
      cur.sql = cur.body.join('\n').trim();
      delete cur.body;
      out.push(cur);
    };
    lines.forEach((l, k) => {
      const m = /^--\s*expect:\s*(.*)$/.exec(l.trim());
      if (m) {
        flush();
        const n = out.filter((x) => x.file === f).length + 1;
        cur = { id: `${f.replace(/\.sql$/, '')}:${n}`, file: f, line: k + 1, body: [],
          expect: m[1].split('|').map((x) => x.trim().toLowerCase()).filter(Boolean) };
      } else if (cur && /^--\s*korolev-only:/.test(l.trim())) {
        cur.korolevOnly = l.trim().replace(/^--\s*korolev-only:\s*/, '');
      } else if (cur) {
        cur.body.push(l);
      }
    });
    flush();
  }
  return out;
}

// ------------------------------------------------------------ templates

// Expands {{NS.T@N}} / {{NS.T@tsN}}.  side(name, n, byTime) returns the text.
export function expandTemplates(sql, side) {
  return sql.replace(/\{\{\s*([A-Za-z_][\w]*\.[A-Za-z_][\w]*)@(ts)?(\d+)\s*\}\}/g, (_, name, ts, n) =>
    side(name, Number(n), Boolean(ts)));
}
