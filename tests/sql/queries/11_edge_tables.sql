-- Edge tables: ns.empty (no snapshot at all), ns.one (one row), ns.nulls
-- (every value NULL), and constant-folding corner cases.

-- count of an empty table
SELECT count(*) AS n FROM ns.empty;
-- every column of an empty table
SELECT * FROM ns.empty;
-- aggregates of an empty table: one row of NULLs and zeros
SELECT count(*) AS n, count(i8) AS c, sum(i32) AS s, avg(dx) AS a, min(s) AS lo, max(dt) AS hi, stddev(dx) AS sd, count(DISTINCT k) AS d FROM ns.empty;
-- group by over an empty table: no rows
SELECT cat, count(*) AS n FROM ns.empty GROUP BY cat;
-- filter over an empty table
SELECT id FROM ns.empty WHERE k > 0;
-- order and limit over an empty table
SELECT id FROM ns.empty ORDER BY id DESC LIMIT 3;
-- DISTINCT over an empty table
SELECT DISTINCT cat FROM ns.empty;
-- HAVING over an empty global aggregate
SELECT count(*) AS n FROM ns.empty HAVING count(*) > 0;
-- the one-row table
SELECT id, b, i8, i16, i32, i64, big, f32, fx, dx, d9, d18, d38, s, cat, k, g FROM ns.one;
-- aggregates of one row
SELECT count(*) AS n, sum(d38) AS s, avg(i32) AS a, stddev(dx) AS sd, stddev_pop(dx) AS sp, min(ts) AS t FROM ns.one;
-- expressions over one row
SELECT id + 1 AS a, upper(s) AS b, dt + INTERVAL 1 DAY AS c, st.a * 2 AS d FROM ns.one;
-- every value NULL
SELECT * FROM ns.nulls;
-- aggregates over all-NULL columns
SELECT count(*) AS n, count(b) AS cb, sum(i) AS si, avg(d) AS ad, min(s) AS ms, max(dt) AS md, sum(dec) AS sd, count(DISTINCT l) AS dl FROM ns.nulls;
-- group by an all-NULL column: one group
SELECT s, count(*) AS n FROM ns.nulls GROUP BY s;
-- DISTINCT of all-NULL rows: one row
SELECT DISTINCT b, i, s FROM ns.nulls;
-- filters over NULLs keep nothing
SELECT count(*) AS n FROM ns.nulls WHERE i > 0 OR i <= 0;
-- IS NULL keeps everything
SELECT count(*) AS n FROM ns.nulls WHERE i IS NULL AND s IS NULL AND ts IS NULL;
-- order by an all-NULL column
SELECT i, l FROM ns.nulls ORDER BY i NULLS FIRST LIMIT 3;
-- the 9 rows of the three-valued-logic table
SELECT * FROM ns.tv;
-- WHERE false
SELECT id FROM ns.wide WHERE false;
-- WHERE NULL
SELECT id FROM ns.wide WHERE NULL;
-- WHERE true
SELECT count(*) AS n FROM ns.wide WHERE true;
-- a constant predicate mixed with a column predicate
SELECT count(*) AS n FROM ns.wide WHERE 1 = 1 AND k = 3;
-- an aggregate without FROM
SELECT count(*) AS n, sum(1) AS s;
-- count(*) of a filter on every row group
SELECT count(*) AS n FROM ns.wide WHERE id >= 0;
