// demo-gen.mjs OUTDIR EVENTS_PER_DAY DAYS
//
// Writes the demo dataset of scripts/demo with DuckDB (@duckdb/node-api
// from tests/node_modules): deterministic pseudo-random data (hash of the
// row number, no RNG state), so the same arguments give the same rows.
//   events-YYYY-MM-DD.parquet  web/app events of one UTC day (ts, user_id,
//                              session_id, kind, path, device, country,
//                              duration_ms), one file per day of the last
//                              DAYS days ending yesterday
//   users.jsonl                the users dimension (EVENTS_PER_DAY / 20 rows)
//   orders.jsonl               orders over the same days (EVENTS_PER_DAY / 10)
// The two JSON lines files end with a handful of invalid records (a bad
// number, an impossible date, a missing required field, ...) that
// `korolev ingest` sends to the rejects tables.
import { appendFileSync } from 'node:fs';
import { createRequire } from 'node:module';

// DuckDB is a test peer: resolve it from tests/node_modules (scripts/setup).
const require = createRequire(new URL('../tests/package.json', import.meta.url));
const { DuckDBInstance } = require('@duckdb/node-api');

const [out, perDayText, daysText] = process.argv.slice(2);
const perDay = Number(perDayText), days = Number(daysText);
if (!out || !(perDay >= 100) || !(days >= 1)) {
  console.error('usage: demo-gen.mjs OUTDIR EVENTS_PER_DAY DAYS');
  process.exit(2);
}
const nUsers = Math.max(10, Math.floor(perDay / 20));
const nOrders = Math.max(10, Math.floor(perDay / 10)) * days;
const today = new Date(); today.setUTCHours(0, 0, 0, 0);
const first = new Date(today.getTime() - days * 86400e3).toISOString().slice(0, 10);
const q = (s) => `'${s.replaceAll("'", "''")}'`;
// pick(list, h): an element of a SQL list literal chosen by hash h
// H(k): a non-negative BIGINT hash of the row number i and k
const H = (k) => `CAST(hash(i, ${k}) >> 1 AS BIGINT)`;
const pick = (list, h) => `[${list.map(q).join(',')}][1 + (${h}) % ${list.length}]`;

const db = await DuckDBInstance.create(':memory:', { threads: '2' });
const con = await db.connect();
const run = (sql) => con.run(sql);

const countries = ['FR', 'DE', 'US', 'GB', 'ES', 'IT', 'NL', 'PL', 'BR', 'JP', 'IN', 'CA'];
const kinds = ['page_view', 'page_view', 'page_view', 'page_view', 'click', 'click', 'search',
  'add_to_cart', 'app_open', 'purchase', 'signup', 'error'];
const paths = ['/', '/search', '/product/42', '/product/7', '/cart', '/checkout', '/account',
  '/blog/launch', '/pricing', '/docs'];
const devices = ['web', 'web', 'ios', 'android'];

for (let d = 0; d < days; d++) {
  const day = new Date(today.getTime() - (days - d) * 86400e3).toISOString().slice(0, 10);
  // a daily traffic curve: more events in the afternoon (ts skewed by a square root)
  await run(`COPY (
    SELECT TIMESTAMP ${q(day)} + to_microseconds(CAST(86400e6 * sqrt((${H(1)} % 1000000) / 1e6)
                                                  AS BIGINT)) AS ts,
           CAST(1 + ${H(2)} % ${nUsers} AS BIGINT) AS user_id,
           'S' || CAST(${d} * ${perDay} // 8 + i // 8 AS VARCHAR) AS session_id,
           ${pick(kinds, H(3))} AS kind,
           ${pick(paths, H(4))} AS path,
           ${pick(devices, H(5))} AS device,
           ${pick(countries, H(6))} AS country,
           CAST(${H(7)} % 30000 AS INTEGER) AS duration_ms
    FROM range(${perDay}) t(i) ORDER BY ts
  ) TO ${q(`${out}/events-${day}.parquet`)} (FORMAT parquet, COMPRESSION zstd)`);
}

const plans = ['free', 'free', 'free', 'pro', 'team'];
await run(`COPY (
  SELECT i AS user_id, 'user' || i AS name, ${pick(countries, H(6))} AS country,
         ${pick(plans, H(8))} AS plan,
         strftime(TIMESTAMP ${q(first)} - to_microseconds(CAST(${H(9)} % (365 * 86400) AS BIGINT) * 1000000),
                  '%Y-%m-%dT%H:%M:%S') AS signup_ts
  FROM range(1, ${nUsers + 1}) t(i)
) TO ${q(`${out}/users.jsonl`)} (FORMAT json)`);

const statuses = ['paid', 'paid', 'paid', 'shipped', 'refunded', 'cancelled'];
await run(`COPY (
  SELECT i AS order_id, CAST(1 + ${H(2)} % ${nUsers} AS BIGINT) AS user_id,
         strftime(TIMESTAMP ${q(first)} + to_microseconds(CAST(${H(10)} % (${days} * 86400) AS BIGINT) * 1000000),
                  '%Y-%m-%dT%H:%M:%S') AS ts,
         ${pick(statuses, H(11))} AS status,
         CAST((500 + ${H(12)} % 20000) / 100 AS DECIMAL(10,2)) AS amount,
         ${pick(['EUR', 'EUR', 'USD', 'GBP'], H(13))} AS currency
  FROM range(1, ${nOrders + 1}) t(i)
) TO ${q(`${out}/orders.jsonl`)} (FORMAT json)`);

// The invalid records: each one is rejected by `korolev ingest` with a reason.
appendFileSync(`${out}/users.jsonl`, [
  '{"user_id":"u-17","name":"bad id","country":"FR","plan":"free","signup_ts":"2024-01-01T00:00:00"}',
  '{"name":"no id","country":"DE","plan":"pro","signup_ts":"2024-01-01T00:00:00"}',
  `{"user_id":${nUsers + 1},"name":"bad date","country":"US","plan":"free","signup_ts":"2024-02-30T10:00:00"}`,
  '{"user_id": 12, "name": "truncated',
].join('\n') + '\n');
appendFileSync(`${out}/orders.jsonl`, [
  `{"order_id":${nOrders + 1},"user_id":1,"ts":"${first}T10:00:00","status":"paid","amount":12.345,"currency":"EUR"}`,
  `{"order_id":${nOrders + 2},"user_id":2.5,"ts":"${first}T10:00:00","status":"paid","amount":10.00,"currency":"EUR"}`,
  `{"order_id":${nOrders + 3},"user_id":3,"ts":"yesterday","status":"paid","amount":10.00,"currency":"EUR"}`,
  'not json at all',
].join('\n') + '\n');
console.log(`demo-gen: ${days} x ${perDay} events, ${nUsers} users, ${nOrders} orders in ${out}`);
