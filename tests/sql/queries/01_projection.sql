-- Projections: columns, aliases, *, literals, simple expressions.
-- Tables: ns.wide (20,000 rows, every type), ns.one, ns.empty, ns.dim,
-- ns.tv, ns.nulls, ns.events (see tests/sql/gen.mjs).

-- SELECT * of a one-row table with every type
SELECT * FROM ns.one;
-- SELECT * of the whole wide table (NULLs, extremes, nested values)
SELECT * FROM ns.wide;
-- a few columns, renamed
SELECT id AS ident, cat AS category, k AS key FROM ns.wide;
-- the same column twice under two names
SELECT k AS k1, k AS k2 FROM ns.wide WHERE id < 100;
-- literals of every simple type
SELECT 1 AS i, -2 AS neg, 2.5 AS dec, 'text' AS s, true AS t, false AS f, NULL AS n;
-- typed literals
SELECT DATE '2024-02-29' AS d, TIME '13:45:00.5' AS t, TIMESTAMP '2024-01-31 13:45:00.123456' AS ts;
-- a literal column over a table
SELECT 42 AS answer FROM ns.dim;
-- projection of nested columns as a whole
SELECT id, st, li, m FROM ns.wide WHERE id % 97 = 0;
-- quoted identifiers
SELECT "id", "cat" AS "Category Name" FROM ns.wide WHERE id < 10;
-- table-qualified column names
SELECT wide.id, wide.k FROM ns.wide WHERE wide.id < 20;
-- table alias
SELECT w.id, w.s FROM ns.wide AS w WHERE w.id BETWEEN 100 AND 120;
-- table alias without AS
SELECT w.id FROM ns.wide w WHERE w.k = 5;
-- case-insensitive keywords and identifiers
select ID, Cat from NS.WIDE where K = 7;
-- expression over every integer width
SELECT id, i8, i16, i32, i64, big FROM ns.wide WHERE id % 500 = 1;
-- floats and doubles with NaN, infinities and signed zeros
SELECT id, f32, fx, dx FROM ns.wide WHERE id < 40;
-- decimals of three precisions, extremes included
SELECT id, d9, d18, d38 FROM ns.wide WHERE id < 40;
-- dates, times and timestamps far in the past and future
SELECT id, dt, tm, ts, tz FROM ns.wide WHERE id < 40;
-- blobs, uuids
SELECT id, bl, u FROM ns.wide WHERE id < 40;
-- strings: empty, unicode, long, padded
SELECT id, s FROM ns.wide WHERE id < 60;
-- SELECT without FROM
SELECT 1 + 1 AS two;
-- every column of the dimension table
SELECT * FROM ns.dim;
-- every column of the partitioned table
SELECT * FROM ns.events;
-- star plus an expression
SELECT *, k * 2 AS k2 FROM ns.dim WHERE k < 10;
-- column named like a keyword needs quotes
SELECT k AS "select", name AS "from" FROM ns.dim WHERE k < 3;
-- a boolean column as a projection
SELECT id, b FROM ns.wide WHERE id < 30;
