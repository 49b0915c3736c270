#!/usr/bin/env bash
# The SQL engine end to end through `korolev sql` on a temporary warehouse:
# DDL and DML statements (CREATE SCHEMA / TABLE with partitioning, CTAS,
# INSERT VALUES and SELECT, DELETE, UPDATE, ALTER TABLE), then queries.
#  1. The same script runs in DuckDB (tests/peers/sql_engine_peer.mjs);
#     the final table contents and several queries must match as multisets.
#  2. The written Iceberg table reads back the same through icebird, an
#     independent reader (tests/peers/icebird_read.mjs).
#  3. `--format parquet --output F` writes a file DuckDB reads back equal.
#  4. Statement results: the "Count" column of each DML statement, the
#     metadata tables ($snapshots one per change, $files, $history),
#     SHOW / DESCRIBE, and errors: a statement timeout, a memory limit.
set -euo pipefail
: "${KOROLEV:?path of the korolev binary}"
here="$(cd "$(dirname "$0")/.." && pwd)"
[ -d "$here/node_modules/@duckdb/node-api" ] || { echo "FAIL: tests/node_modules lacks @duckdb/node-api" >&2; exit 1; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
wh="$tmp/wh"
mkdir -p "$wh"
k() { "$KOROLEV" --warehouse "$wh" --catalog "sqlite:$wh/catalog.db" sql "$@"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
expect() { # expect NAME WANT GOT
  [ "$2" = "$3" ] || fail "$1: got [$3], want [$2]"
}

cat > "$tmp/setup.sql" <<'SQL'
CREATE SCHEMA shop;
CREATE TABLE shop.orders (id BIGINT NOT NULL, customer VARCHAR, amount DECIMAL(10,2), qty INTEGER, ts TIMESTAMP, d DATE, ok BOOLEAN, score DOUBLE) PARTITIONED BY (day(ts), bucket(4, id)) WITH ('write.parquet.compression-codec' = 'zstd');
INSERT INTO shop.orders VALUES (1, 'ann', 10.50, 1, TIMESTAMP '2024-03-01 10:00:00', DATE '2024-03-01', true, 0.5), (2, 'bob', 20.00, 2, TIMESTAMP '2024-03-01 11:30:00', DATE '2024-03-01', false, -1.25), (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL), (4, 'cid', 99999999.99, 2147483647, TIMESTAMP '1970-01-01 00:00:00', DATE '1900-01-01', true, 1e300);
INSERT INTO shop.orders SELECT id + 10, upper(customer), amount * 2, qty, ts + INTERVAL 1 DAY, d, NOT ok, score / 2 FROM shop.orders WHERE id < 3;
INSERT INTO shop.orders (id, customer) VALUES (20, 'only id');
DELETE FROM shop.orders WHERE customer = 'bob' OR amount > 1000000;
UPDATE shop.orders SET amount = amount + 1, customer = customer || '*' WHERE ts >= TIMESTAMP '2024-03-02 00:00:00';
UPDATE shop.orders SET qty = 0 WHERE qty IS NULL;
CREATE TABLE shop.summary AS SELECT customer IS NULL AS anon, count(*) AS n, sum(amount) AS total FROM shop.orders GROUP BY 1;
ALTER TABLE shop.orders ADD COLUMN note VARCHAR;
INSERT INTO shop.orders (id, note) VALUES (30, 'late');
ALTER TABLE shop.orders RENAME COLUMN score TO rating
SQL

k -f "$tmp/setup.sql" --format csv > "$tmp/setup.out" || fail "setup script failed: $(cat "$tmp/setup.out")"
# counts of the DML statements, in order
counts="$(grep -A1 '^Count$' "$tmp/setup.out" | grep -v -e '^Count$' -e '^--$' | tr '\n' ' ')"
expect "DML counts" "4 2 1 2 2 2 2 1 " "$counts"

# 1. DuckDB runs the same script; compare tables and queries
q() { # q NAME QUERY: Korolev's rows against DuckDB's
  k --format jsonl "$2" > "$tmp/$1.jsonl" || fail "$1: korolev failed"
  node "$here/peers/sql_engine_peer.mjs" compare "$tmp/setup.sql" "$2" "$tmp/$1.jsonl" || fail "$1 differs from DuckDB"
}
q orders "SELECT * FROM shop.orders"
q summary "SELECT * FROM shop.summary"
q agg "SELECT customer, count(*) AS n, sum(amount) AS s, min(ts) AS first, max(rating) AS r FROM shop.orders GROUP BY customer"
q filt "SELECT id, amount FROM shop.orders WHERE amount BETWEEN 10 AND 100 OR qty = 0"
q top "SELECT id, customer FROM shop.orders ORDER BY amount DESC NULLS LAST, id LIMIT 3"

# 2. icebird reads the table Korolev wrote
k --format jsonl "SELECT * FROM shop.orders" | node "$here/peers/icebird_read.mjs" --canon | sort > "$tmp/k.canon"
# (icebird gives DATE values as midnight timestamps)
node "$here/peers/icebird_read.mjs" "$wh/shop/orders" > "$tmp/i.raw" || fail "icebird cannot read shop.orders"
sed -E 's/"d":"([0-9]{4}-[0-9]{2}-[0-9]{2})T00:00:00.000Z"/"d":"\1"/' "$tmp/i.raw" | sort > "$tmp/i.canon"
diff "$tmp/k.canon" "$tmp/i.canon" > /dev/null || { diff "$tmp/k.canon" "$tmp/i.canon" | head -20 >&2; fail "icebird reads different rows"; }
echo "icebird: $(wc -l < "$tmp/i.canon") rows equal"

# 3. Parquet output
k --format parquet --output "$tmp/out.parquet" "SELECT id, customer, amount, ts, d, ok, rating FROM shop.orders"
k --format jsonl "SELECT id, customer, amount, ts, d, ok, rating FROM shop.orders" > "$tmp/pq.jsonl"
node "$here/peers/sql_engine_peer.mjs" parquet "$tmp/out.parquet" "$tmp/pq.jsonl" || fail "parquet output differs"

# 4. metadata tables, SHOW, DESCRIBE
snaps="$(k --format csv "SELECT count(*) FROM shop.\"orders\$snapshots\"" | tail -1)"
# one snapshot per change: 4 INSERTs, the DELETE and the 2 UPDATEs
expect "snapshots" 7 "$snaps"
ops="$(k --format csv "SELECT operation, count(*) FROM shop.\"orders\$snapshots\" WHERE operation <> 'append' GROUP BY 1" | tail -n +2 | tr '\n' ' ')"
[ "$ops" = "overwrite,3 " ] || [ "$ops" = "delete,1 overwrite,2 " ] || [ "$ops" = "overwrite,2 delete,1 " ] || fail "operations: $ops"
files="$(k --format csv "SELECT sum(record_count) FROM shop.\"orders\$files\"" | tail -1)"
rows="$(k --format csv "SELECT count(*) FROM shop.orders" | tail -1)"
expect "\$files record counts" "$rows" "$files"
hist="$(k --format csv "SELECT count(*) FROM shop.\"orders\$history\" WHERE is_current_ancestor" | tail -1)"
expect "history" "$snaps" "$hist"
expect "SHOW TABLES" "$(printf 'name\norders\nsummary')" "$(k --format csv 'SHOW TABLES FROM shop')"
expect "DESCRIBE" "note,VARCHAR,YES" "$(k --format csv 'DESCRIBE shop.orders' | tail -1 | cut -d, -f1-3)"

# time travel: the first snapshot holds the four first rows
first="$(k --format csv "SELECT snapshot_id FROM shop.\"orders\$snapshots\" WHERE parent_id IS NULL" | tail -1)"
expect "time travel" 4 "$(k --format csv "SELECT count(*) FROM shop.orders FOR VERSION AS OF $first" | tail -1)"

# errors: timeout and memory limit give clear messages and exit 1
set +e
msg="$(k --timeout 0.000001 "SELECT customer, count(*) FROM shop.orders GROUP BY customer" 2>&1)"; rc=$?
set -e
[ "$rc" = 1 ] && grep -q "timeout" <<< "$msg" || fail "timeout: rc $rc, $msg"
set +e
msg="$(k --memory-limit 1KB "SELECT id, count(*) FROM shop.orders GROUP BY id" 2>&1)"; rc=$?
set -e
[ "$rc" = 1 ] && grep -q "memory-limit" <<< "$msg" || fail "memory limit: rc $rc, $msg"
echo "sql_engine: ok"
