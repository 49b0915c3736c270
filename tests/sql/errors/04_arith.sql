-- Arithmetic errors: division by zero (DuckDB gives Infinity or NULL,
-- Korolev raises an error as issue 5 asks), integer overflow.

-- expect: division by zero|divide by zero
-- korolev-only: DuckDB divides to Infinity
SELECT 1 / 0
-- expect: division by zero|divide by zero
-- korolev-only: DuckDB gives NULL
SELECT 7 // 0
-- expect: division by zero|divide by zero|modulo by zero
-- korolev-only: DuckDB gives NULL
SELECT 7 % 0
-- expect: division by zero|divide by zero
-- korolev-only: DuckDB divides to Infinity
SELECT i32 / (k - k) FROM ns.wide
-- expect: division by zero|divide by zero
-- korolev-only: DuckDB gives NULL
SELECT i64 // 0 FROM ns.wide
-- expect: division by zero|divide by zero|modulo by zero
-- korolev-only: DuckDB gives NULL
SELECT sum(k % (id - id)) FROM ns.wide
-- expect: division by zero|divide by zero
-- korolev-only: DuckDB divides to Infinity
SELECT d9 / 0 FROM ns.wide
-- expect: division by zero|divide by zero
-- korolev-only: DuckDB divides to Infinity
SELECT 1.5 / 0.0
-- expect: overflow|out of range
SELECT 9223372036854775807 + 1
-- expect: overflow|out of range
SELECT -9223372036854775807 - 2
-- expect: overflow|out of range
SELECT 4611686018427387904 * 2
-- expect: overflow|out of range
SELECT big + 1 FROM ns.wide
-- expect: overflow|out of range
SELECT big * big FROM ns.wide
-- expect: overflow|out of range
SELECT -big FROM ns.wide
-- expect: overflow|out of range
SELECT i32 * 2 FROM ns.wide
-- expect: overflow|out of range
SELECT i32 + 2147483647 FROM ns.wide
-- expect: overflow|out of range
SELECT i32 - 2147483647 - 10 FROM ns.wide
-- expect: overflow|out of range
SELECT sum(big * 2) FROM ns.wide
-- expect: overflow|out of range
SELECT CAST(2147483647 AS INTEGER) + CAST(1 AS INTEGER)
-- expect: overflow|out of range|decimal
SELECT CAST(99999999999999999999999999.9 AS DECIMAL(38,10)) * 1000000000000
