// serve_load.mjs - load on a running `korolev serve` with autocannon.
//
//   KO_URL=... KO_TOKEN=... node bench/serve_load.mjs MODE [SECONDS] [CONNECTIONS]
//     MODE load    GET of one table's metadata (the Iceberg loadTable route)
//     MODE mixed   table loads, table lists, namespace loads and lists, and
//                  conditional loads (If-None-Match -> 304), round robin
//     MODE query   POST /api/v1/query of a small SQL query over table t0
//                  (each query is also an audit record: one catalog write)
//     MODE mix     the three at once in one run: of the CONNECTIONS, 5/8 do
//                  table loads, 1/8 table lists and 2/8 small queries
//                  (three autocannon instances in parallel); prints each
//                  one's requests/s and latency, and the total
// Prints requests/s, latency p50/p90/p99/max (ms), and the count of errors
// and non-2xx/304 responses, which must be zero; exit status 1 otherwise.
import { createRequire } from 'node:module';

// autocannon lives in tests/node_modules (tests/package.json).
const autocannon = createRequire(new URL('../tests/package.json', import.meta.url))('autocannon');

const [mode = 'load', seconds = '30', connections = '64'] = process.argv.slice(2);
const url = process.env.KO_URL;
const headers = { authorization: `Bearer ${process.env.KO_TOKEN}` };
const table = '/v1/namespaces/bench/tables/t0';

const first = await fetch(url + table, { headers });
const etag = first.headers.get('etag');
if (first.status !== 200 || !etag) {
  console.error(`setup: GET ${table} -> ${first.status}`);
  process.exit(1);
}

const query = {
  method: 'POST', path: '/api/v1/query', headers: { ...headers, 'content-type': 'application/json' },
  body: JSON.stringify({ sql: 'select count(*) as n from bench.t0' }),
};

function summary(name, conns, r, extraOk = 0) {
  const bad = r.errors + r.timeouts + r.non2xx - extraOk;
  console.log(`${name}: ${conns} connections, ${seconds} s: ${Math.round(r.requests.average)} req/s ` +
    `(${r.requests.total} requests), latency p50 ${r.latency.p50} ms, p90 ${r.latency.p90} ms, ` +
    `p99 ${r.latency.p99} ms, max ${r.latency.max} ms; ` +
    `errors ${r.errors}, timeouts ${r.timeouts}, non-2xx ${r.non2xx}, ` +
    `status codes ${JSON.stringify(Object.fromEntries(Object.entries(r.statusCodeStats).map(([k, v]) => [k, v.count])))}`);
  return bad;
}

if (mode === 'mix') {
  const total = Number(connections);
  const nq = Math.max(1, Math.round(total / 4));
  const nl = Math.max(1, Math.round(total / 8));
  const nt = Math.max(1, total - nq - nl);
  const run = (conns, reqs) => autocannon({ url, connections: conns, duration: Number(seconds), headers, requests: reqs });
  const [loads, lists, queries] = await Promise.all([
    run(nt, [{ method: 'GET', path: table }, { method: 'GET', path: '/v1/namespaces/bench/tables/t1' }]),
    run(nl, [{ method: 'GET', path: '/v1/namespaces/bench/tables' }, { method: 'GET', path: '/v1/namespaces' }]),
    run(nq, [query]),
  ]);
  let bad = summary('mix/table-loads', nt, loads);
  bad += summary('mix/table-lists', nl, lists);
  bad += summary('mix/queries', nq, queries);
  const all = loads.requests.total + lists.requests.total + queries.requests.total;
  console.log(`mix: ${total} connections, ${seconds} s: ${Math.round(all / Number(seconds))} req/s in all ` +
    `(${all} requests); table loads ${Math.round(loads.requests.average)} req/s, p50 ${loads.latency.p50} ms, ` +
    `p99 ${loads.latency.p99} ms; errors and non-2xx ${bad}`);
  process.exit(bad === 0 ? 0 : 1);
}

const requests = mode === 'mixed'
  ? [
      { method: 'GET', path: table },
      { method: 'GET', path: '/v1/namespaces/bench/tables' },
      { method: 'GET', path: '/v1/namespaces/bench/tables/t1?snapshots=refs' },
      { method: 'GET', path: '/v1/namespaces/bench' },
      { method: 'GET', path: '/v1/namespaces' },
      { method: 'GET', path: table, headers: { ...headers, 'if-none-match': etag } },
    ]
  : mode === 'query'
    ? [query]
    : [{ method: 'GET', path: table }];

const result = await autocannon({
  url,
  connections: Number(connections),
  duration: Number(seconds),
  headers,
  requests,
});
const bad = result.errors + result.timeouts + result.non2xx -
  (mode === 'mixed' ? (result.statusCodeStats['304']?.count ?? 0) : 0);
console.log(`${mode}: ${connections} connections, ${seconds} s: ${Math.round(result.requests.average)} req/s ` +
  `(${result.requests.total} requests), latency p50 ${result.latency.p50} ms, p90 ${result.latency.p90} ms, ` +
  `p99 ${result.latency.p99} ms, max ${result.latency.max} ms; ` +
  `errors ${result.errors}, timeouts ${result.timeouts}, non-2xx ${result.non2xx}, ` +
  `status codes ${JSON.stringify(Object.fromEntries(Object.entries(result.statusCodeStats).map(([k, v]) => [k, v.count])))}`);
process.exit(bad === 0 ? 0 : 1);
