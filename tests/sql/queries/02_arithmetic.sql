-- Arithmetic: integer widths, overflow (DuckDB errors: Korolev must too),
-- exact decimals, doubles, division and modulo.  No division by zero here:
-- DuckDB returns Infinity or NULL for it, Korolev is asked to raise an
-- error (see tests/sql/errors).  No arithmetic that overflows TINYINT or
-- SMALLINT: Iceberg has no such types, Korolev reads them as int.

-- integer + - * on int32
SELECT id, i32 + 1 AS a, i32 - 1000 AS b, i32 * 3 AS c FROM ns.wide WHERE i32 BETWEEN -100000 AND 100000;
-- int64 arithmetic
SELECT id, i64 + i64 AS a, i64 - 7 AS b, i64 * 2 AS c FROM ns.wide WHERE id < 300;
-- mixed widths promote (int32 first: TINYINT + SMALLINT overflow differs)
SELECT id, i32 + i16 + i8 AS a, i32 * i8 AS b FROM ns.wide WHERE id < 300 AND id NOT IN (5, 6);
-- int32 overflow on addition (DuckDB: Out of Range Error)
SELECT i32 + 1 AS x FROM ns.wide WHERE i32 = 2147483647;
-- int32 overflow on subtraction
SELECT i32 - 1 AS x FROM ns.wide WHERE i32 = -2147483648;
-- int32 overflow on multiplication
SELECT i32 * 2 AS x FROM ns.wide WHERE id = 5;
-- int64 overflow on addition
SELECT big + 1 AS x FROM ns.wide WHERE big = 9223372036854775807;
-- int64 overflow on subtraction
SELECT big - 2 AS x FROM ns.wide WHERE big = -9223372036854775807;
-- int64 overflow on multiplication
SELECT big * 2 AS x FROM ns.wide WHERE big = 9223372036854775806;
-- int64 near the limits without overflow
SELECT big - 1 AS a, big + 0 AS b FROM ns.wide WHERE big = 9223372036854775807;
-- literal int64 overflow
SELECT 9223372036854775807 + 1 AS x;
-- literal int64 extremes
SELECT 9223372036854775807 AS mx, -9223372036854775807 - 1 AS mn;
-- unary minus
SELECT id, -i32 AS a, -i64 AS b, -d9 AS c, -fx AS d FROM ns.wide WHERE id < 50 AND id > 10;
-- unary minus of int64 minimum overflows
SELECT -big AS x FROM ns.wide WHERE big = -9223372036854775808;
-- integer division with // and modulo with %, negative operands
SELECT id, i32 // 7 AS q, i32 % 7 AS r FROM ns.wide WHERE id < 200 AND i32 IS NOT NULL;
-- % of negative numbers truncates toward zero
SELECT -7 % 3 AS a, 7 % -3 AS b, -7 // 2 AS c;
-- / on integers gives a double
SELECT id, i32 / 4 AS q FROM ns.wide WHERE id < 100;
-- division by NULLIF(x, 0): NULL instead of a division by zero
SELECT id, i64 / NULLIF(k, 0) AS q FROM ns.wide WHERE id < 300;
-- decimal addition is exact
SELECT id, d9 + d18 AS a, d9 - d18 AS b FROM ns.wide WHERE id < 500;
-- decimal multiplication is exact
SELECT id, d9 * d9 AS sq, d18 * 3 AS t FROM ns.wide WHERE id < 500;
-- decimal(38,10) extremes survive addition with zero
SELECT id, d38 + 0 AS a FROM ns.wide WHERE id IN (1, 2, 3, 4);
-- decimal with integer
SELECT id, d9 + 1 AS a, d9 * 100 AS b FROM ns.wide WHERE id < 100;
-- decimal literal arithmetic is exact (0.1 + 0.2 = 0.3)
SELECT 0.1 + 0.2 AS x, 1.10 * 2.5 AS y, 10.00 - 0.01 AS z;
-- double arithmetic (0.1 + 0.2 is not 0.3)
SELECT CAST(0.1 AS DOUBLE) + CAST(0.2 AS DOUBLE) AS x;
-- double with NaN and infinities
SELECT id, fx + 1 AS a, fx * 2 AS b, fx - fx AS c FROM ns.wide WHERE id < 12;
-- double with decimal
SELECT id, dx + d9 AS a FROM ns.wide WHERE id < 200;
-- float arithmetic stays single precision
SELECT id, f32 * 2 AS a, f32 + f32 AS b FROM ns.wide WHERE id < 100;
-- decimal division gives a double
SELECT id, d9 / 4 AS q FROM ns.wide WHERE id < 100;
-- arithmetic precedence
SELECT 2 + 3 * 4 AS a, (2 + 3) * 4 AS b, 2 - 3 - 4 AS c, 100 // 10 // 3 AS d, 2 * 3 % 4 AS e;
-- NULL propagates through arithmetic
SELECT id, i8 + NULL AS a, NULL * 2 AS b FROM ns.wide WHERE id < 5;
-- arithmetic in WHERE
SELECT id FROM ns.wide WHERE i64 * 2 + 1 > 1999990000000;
-- arithmetic on the events table
SELECT id, amount * 2 AS twice, amount + 0.01 AS plus FROM ns.events WHERE id % 50 = 0;
-- sum of products
SELECT sum(i32 * 2) AS s FROM ns.wide WHERE i32 BETWEEN -1000000 AND 1000000;
-- int64 products that fit
SELECT id, i64 * 1000 AS x FROM ns.wide WHERE id < 100;
-- int64 product that overflows in the select list
SELECT id, big * 3 AS x FROM ns.wide WHERE id < 12;
