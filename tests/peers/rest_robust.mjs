// rest_robust.mjs - abuse of a running `korolev serve` (started with
// --max-body-bytes 65536 --timeout-seconds 2 and a console directory):
// malformed JSON, invalid UTF-8, oversize bodies (413), path traversal in
// names and static paths, N random garbage requests on raw sockets, huge
// headers and slow clients; after each group the server must still answer.
//
//   KO_URL=... KO_TOKEN=<admin> node rest_robust.mjs [GARBAGE_COUNT]
import net from 'node:net';

const url = new URL(process.env.KO_URL);
const token = process.env.KO_TOKEN;
const garbageCount = Number(process.argv[2] ?? 2000);
let failures = 0, checks = 0;
const H = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };

function expect(cond, what) {
  checks++;
  if (!cond) {
    failures++;
    console.error(`FAIL ${what}`);
  }
}

// One retry on a network error: a pooled keep-alive connection may have
// been closed by the server's 2 s idle timeout just before reuse.
async function req(method, path, body, headers = H) {
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await fetch(url.origin + path, { method, headers, body });
      return { status: res.status, text: await res.text() };
    } catch (e) {
      if (attempt > 0) throw e;
    }
  }
}

async function alive(what) {
  const r = await req('GET', '/healthz');
  expect(r.status === 200, `server alive after ${what} (got ${r.status})`);
  const n = await req('GET', '/v1/namespaces');
  expect(n.status === 200, `server serves after ${what} (got ${n.status})`);
}

// Raw request on its own connection; resolves with what came back (maybe '').
function raw(bytes, { timeoutMs = 3000, trickle = false } = {}) {
  return new Promise((resolve) => {
    const sock = net.connect(Number(url.port), url.hostname);
    let got = Buffer.alloc(0);
    const done = () => {
      sock.destroy();
      resolve(got.toString('latin1'));
    };
    sock.setTimeout(timeoutMs, done);
    sock.on('data', (d) => (got = Buffer.concat([got, d])));
    sock.on('error', done);
    sock.on('close', done);
    sock.on('connect', () => {
      if (!trickle) sock.end(bytes);
      else sock.write(bytes);
    });
  });
}

function rnd(n) {
  return Math.floor(Math.random() * n);
}

function garbage() {
  const kinds = [
    () => Buffer.from(Array.from({ length: 1 + rnd(300) }, () => rnd(256))),
    () => Buffer.from(`${['GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'XYZ', ''][rnd(7)]} /${'%'.repeat(rnd(3))}${Math.random().toString(36)} HTTP/1.1\r\n\r\n`),
    () => Buffer.from(`POST /v1/namespaces HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Length: ${rnd(100)}\r\n\r\n{"namespace":[${'"a",'.repeat(rnd(5))}`),
    () => Buffer.from(`GET /v1/namespaces/${Buffer.from(Array.from({ length: 20 }, () => rnd(256))).toString('latin1')} HTTP/1.1\r\nHost: x\r\n\r\n`, 'latin1'),
    () => Buffer.from(`POST /v1/transactions/commit HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n`),
    () => Buffer.from(`GET / HTTP/1.1\r\n${'X: y\r\n'.repeat(rnd(50))}`),
  ];
  return kinds[rnd(kinds.length)]();
}

// ------------------------------------------------------------------ setup
await req('POST', '/v1/namespaces', JSON.stringify({ namespace: ['rb'] }));

// ---------------------------------------------------------- malformed JSON
for (const body of ['{', '{"namespace":', '[1,2]', '"str"', '{"namespace": [1]}', '{"namespace":["a"],"namespace":["b"]}', '']) {
  const r = await req('POST', '/v1/namespaces', body);
  expect(r.status === 400 && r.text.includes('BadRequestException'), `malformed body ${JSON.stringify(body)} -> 400 (got ${r.status})`);
}
const badCommit = await req('POST', '/v1/namespaces/rb/tables', JSON.stringify({ name: 't', schema: { type: 'struct', fields: [{ id: 1, name: 'x', type: 'nosuchtype', required: true }] } }));
expect(badCommit.status === 400, `bad schema -> 400 (got ${badCommit.status})`);
await alive('malformed JSON');

// ------------------------------------------------------------ invalid UTF-8
const utf = await fetch(url.origin + '/v1/namespaces', { method: 'POST', headers: H, body: Buffer.from([0x7b, 0x22, 0x6e, 0xff, 0xfe, 0x22, 0x7d]) });
expect(utf.status === 400, `invalid UTF-8 body -> 400 (got ${utf.status})`);
const utfPath = await req('GET', '/v1/namespaces/%FF%FE');
expect(utfPath.status === 400, `invalid UTF-8 in a path -> 400 (got ${utfPath.status})`);
const overlong = await req('GET', '/v1/namespaces/%C0%AF');
expect(overlong.status === 400, `overlong UTF-8 -> 400 (got ${overlong.status})`);
await alive('invalid UTF-8');

// ---------------------------------------------------------------- oversize
const declared = await raw(`POST /v1/namespaces HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Length: 20000000\r\n\r\n{`);
expect(declared.startsWith('HTTP/1.1 413'), `Content-Length over the limit -> 413 (got ${declared.slice(0, 20)})`);
const big = await req('POST', '/v1/namespaces', JSON.stringify({ namespace: ['big'], properties: { x: 'y'.repeat(200000) } }));
expect(big.status === 413, `200 KB body -> 413 (got ${big.status})`);
const chunked = await raw(`POST /v1/namespaces HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nTransfer-Encoding: chunked\r\n\r\n20000\r\n${'a'.repeat(0x20000)}\r\n0\r\n\r\n`);
expect(chunked.startsWith('HTTP/1.1 413'), `chunked body over the limit -> 413 (got ${chunked.slice(0, 20)})`);
const hugeHeader = await raw(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'h'.repeat(200000)}\r\n\r\n`);
expect(!hugeHeader.startsWith('HTTP/1.1 200'), `200 KB header refused (got ${hugeHeader.slice(0, 20) || 'closed'})`);
await alive('oversize requests');

// ---------------------------------------------------------- path traversal
const traversal = [
  ['GET', '/v1/namespaces/%2E%2E'],
  ['GET', '/v1/namespaces/..%2F..%2Fetc'],
  ['GET', '/v1/namespaces/rb/tables/..%2F..%2Fcatalog.db'],
  ['POST', '/v1/namespaces', { namespace: ['..'] }],
  ['POST', '/v1/namespaces', { namespace: ['a/b'] }],
  ['POST', '/v1/namespaces', { namespace: ['x\u0001'] }],
  ['POST', '/v1/namespaces/rb/tables', { name: '../../escape', schema: { type: 'struct', fields: [] } }],
  ['POST', '/v1/namespaces/rb/tables', { name: 'a\\b', schema: { type: 'struct', fields: [] } }],
  ['GET', '/api/v1/tables/..%2F../t'],
];
for (const [m, p, b] of traversal) {
  // GETs go over a raw socket: fetch would normalise the dots away.
  const r = b ? await req(m, p, JSON.stringify(b))
              : await raw(`${m} ${p} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n\r\n`)
                  .then((t) => ({ status: Number(t.slice(9, 12)), text: t }));
  expect(r.status === 400, `${m} ${p} ${b ? JSON.stringify(b) : ''} -> 400 (got ${r.status} ${r.text.slice(0, 120)})`);
}
for (const p of ['/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/..%2f..%2fetc%2fpasswd', '/%2e%2e%2f%2e%2e%2fetc/passwd']) {
  const r = await raw(`GET ${p} HTTP/1.1\r\nHost: x\r\n\r\n`);
  expect(!r.includes('root:'), `static ${p} does not leak /etc/passwd`);
  expect(!r.startsWith('HTTP/1.1 200'), `static ${p} is refused (got ${r.slice(0, 20)})`);
}
const index = await req('GET', '/');
expect(index.status === 200 && index.text.includes('console'), `console index served (got ${index.status})`);
await alive('path traversal');

// ------------------------------------------------------------------ garbage
const t0 = Date.now();
let answered = 0;
for (let i = 0; i < garbageCount; i += 200) {
  const batch = [];
  for (let k = 0; k < 200 && i + k < garbageCount; k++) batch.push(raw(garbage(), { timeoutMs: 1000 }));
  for (const r of await Promise.all(batch)) if (r.startsWith('HTTP/1.')) answered++;
}
console.log(`${garbageCount} garbage requests in ${Date.now() - t0} ms, ${answered} answered with HTTP`);
await alive('garbage');

// -------------------------------------------------------------- slow client
const slowStart = Date.now();
const slow = raw('GET /healthz HTTP/1.1\r\nHost: x\r\n', { timeoutMs: 15000, trickle: true });
const slowBody = raw(`POST /v1/namespaces HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Length: 100\r\n\r\n{"names`, { timeoutMs: 15000, trickle: true });
const during = await req('GET', '/healthz');
expect(during.status === 200, 'served while slow clients hang');
await Promise.all([slow, slowBody]);
const waited = Date.now() - slowStart;
expect(waited < 10000, `slow clients cut off after the timeout (took ${waited} ms)`);
await alive('slow clients');

console.log(`robustness: ${checks} checks, ${failures} failures`);
process.exit(failures ? 1 : 0);
