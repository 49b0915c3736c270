-- ORDER BY ASC/DESC with NULLS FIRST/LAST (DuckDB's default: NULLS LAST),
-- top-N, LIMIT/OFFSET, DISTINCT.  Rows tied on the ORDER BY keys may come
-- in any order (the harness compares tie groups as multisets).

-- order by an integer ascending, NULLs last by default
SELECT id, k FROM ns.wide ORDER BY k, id LIMIT 50;
-- descending, NULLs last by default
SELECT id, k FROM ns.wide ORDER BY k DESC, id LIMIT 50;
-- NULLS FIRST
SELECT id, k FROM ns.wide ORDER BY k NULLS FIRST, id LIMIT 50;
-- DESC NULLS FIRST
SELECT id, i8 FROM ns.wide ORDER BY i8 DESC NULLS FIRST, id LIMIT 40;
-- ASC NULLS LAST explicitly
SELECT id, i16 FROM ns.wide ORDER BY i16 ASC NULLS LAST, id DESC LIMIT 40;
-- order the whole table (ties on k compared as multisets)
SELECT k, cat FROM ns.wide ORDER BY k;
-- order by a string (bytewise)
SELECT s FROM ns.wide WHERE s IS NOT NULL AND length(s) < 40 ORDER BY s LIMIT 100;
-- order by a string descending with ties
SELECT cat, id FROM ns.wide ORDER BY cat DESC, id DESC LIMIT 30;
-- order by doubles: -Inf, ..., -0 = 0, ..., +Inf, NaN
SELECT id, fx FROM ns.wide WHERE id < 30 ORDER BY fx, id;
-- order by doubles descending, NaN first
SELECT id, fx FROM ns.wide WHERE id < 30 ORDER BY fx DESC NULLS LAST, id;
-- order by decimals
SELECT id, d38 FROM ns.wide ORDER BY d38 DESC NULLS LAST, id LIMIT 20;
-- order by dates and timestamps with far values
SELECT id, dt FROM ns.wide ORDER BY dt NULLS FIRST, id LIMIT 30;
-- order by timestamp descending
SELECT id, ts FROM ns.wide ORDER BY ts DESC, id LIMIT 30;
-- order by timestamptz and time
SELECT id, tz, tm FROM ns.wide ORDER BY tz, tm LIMIT 30;
-- order by an expression
SELECT id, i32 FROM ns.wide WHERE i32 IS NOT NULL ORDER BY i32 % 1000, id LIMIT 40;
-- order by an expression not in the select list
SELECT id FROM ns.wide ORDER BY -id LIMIT 10;
-- order by an ordinal
SELECT cat, count(*) AS n FROM ns.wide GROUP BY 1 ORDER BY 2 DESC, 1;
-- order by an alias
SELECT k % 7 AS r, sum(i32) AS s FROM ns.wide GROUP BY 1 ORDER BY s;
-- order by a boolean
SELECT b, count(*) AS n FROM ns.wide GROUP BY b ORDER BY b NULLS FIRST;
-- top-N on a large table: the 10 largest int64 values
SELECT id, i64 FROM ns.wide ORDER BY i64 DESC NULLS LAST LIMIT 10;
-- top-N with ties at the cut (the last tie group may differ in its other columns)
SELECT cat, id FROM ns.wide ORDER BY cat LIMIT 15;
-- top-N with the int64 extremes
SELECT id, big FROM ns.wide ORDER BY big LIMIT 5;
-- top-N of a group by
SELECT g, count(*) AS n FROM ns.wide GROUP BY g ORDER BY n DESC, g LIMIT 10;
-- LIMIT 0
SELECT id FROM ns.wide ORDER BY id LIMIT 0;
-- LIMIT larger than the table
SELECT k, name FROM ns.dim ORDER BY k LIMIT 1000;
-- LIMIT with OFFSET
SELECT id FROM ns.wide ORDER BY id LIMIT 10 OFFSET 100;
-- OFFSET past the end
SELECT id FROM ns.wide ORDER BY id LIMIT 10 OFFSET 100000;
-- OFFSET without LIMIT
SELECT k FROM ns.dim ORDER BY k OFFSET 95;
-- LIMIT without ORDER BY (only the row count is defined)
SELECT id FROM ns.wide LIMIT 7;
-- DISTINCT on one column
SELECT DISTINCT cat FROM ns.wide;
-- DISTINCT on several columns
SELECT DISTINCT cat, b FROM ns.wide;
-- DISTINCT with NULLs
SELECT DISTINCT i8 FROM ns.wide WHERE id < 400;
-- DISTINCT of doubles merges -0.0 and 0.0, keeps NaN once
SELECT DISTINCT fx FROM ns.wide WHERE id < 12;
-- DISTINCT with ORDER BY and LIMIT
SELECT DISTINCT k FROM ns.wide ORDER BY k DESC NULLS FIRST LIMIT 5;
-- DISTINCT over duplicated rows
SELECT DISTINCT i32, i64, s FROM ns.wide WHERE id >= 17990;
-- DISTINCT of an expression
SELECT DISTINCT k % 5 AS r FROM ns.wide;
-- DISTINCT of dates and strings
SELECT DISTINCT st.b AS b, li[1] AS l FROM ns.wide;
-- order by multiple keys with mixed directions
SELECT cat, k, id FROM ns.wide WHERE id < 500 ORDER BY cat ASC NULLS FIRST, k DESC NULLS LAST, id;
-- order by of the partitioned table
SELECT id, ts, kind FROM ns.events ORDER BY ts, id LIMIT 25;
-- order by amount descending over the partitioned table
SELECT id, amount FROM ns.events ORDER BY amount DESC NULLS LAST, id LIMIT 25;
-- order by uuid
SELECT u FROM ns.wide WHERE u IS NOT NULL ORDER BY u LIMIT 10;
