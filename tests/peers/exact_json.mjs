// exact_json.mjs - a JSON parser that keeps every digit of every number,
// shared by the peers that compare Korolev's output with other readers
// (tests/sql/compare.mjs, parquet_property.mjs, duckdb_jsonl.mjs).

// Parses JSON text, numbers as {num: 'text'} so that no digit is lost.
// Objects are built by makeObject(keys, values), keys in text order; the
// default gives {obj: keys, vals: values}.
export function parseExact(text, makeObject = (obj, vals) => ({ obj, vals })) {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\r\n'.includes(text[i])) i++;
  };
  const fail = (what) => {
    throw new Error(`bad JSON at ${i}: ${what}: ${text.slice(i, i + 40)}`);
  };
  function value() {
    ws();
    const c = text[i];
    if (c === '{') return object();
    if (c === '[') return array();
    if (c === '"') return string();
    if (text.startsWith('true', i)) return (i += 4), true;
    if (text.startsWith('false', i)) return (i += 5), false;
    if (text.startsWith('null', i)) return (i += 4), null;
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m) fail('unexpected token');
    i += m[0].length;
    return { num: m[0] };
  }
  function string() {
    let j = i + 1;
    while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
    if (j >= text.length) fail('unterminated string');
    const s = JSON.parse(text.slice(i, j + 1));
    i = j + 1;
    return s;
  }
  function array() {
    const out = [];
    i++;
    ws();
    if (text[i] === ']') return i++, out;
    for (;;) {
      out.push(value());
      ws();
      if (text[i] === ']') return i++, out;
      if (text[i] !== ',') fail('expected , or ]');
      i++;
    }
  }
  function object() {
    const keys = [];
    const vals = [];
    i++;
    ws();
    if (text[i] === '}') return i++, makeObject(keys, vals);
    for (;;) {
      ws();
      if (text[i] !== '"') fail('expected a key');
      keys.push(string());
      ws();
      if (text[i] !== ':') fail('expected :');
      i++;
      vals.push(value());
      ws();
      if (text[i] === '}') return i++, makeObject(keys, vals);
      if (text[i] !== ',') fail('expected , or }');
      i++;
    }
  }
  const v = value();
  ws();
  if (i !== text.length) fail('trailing text');
  return v;
}
