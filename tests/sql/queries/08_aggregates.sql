-- Aggregates and grouping: COUNT(*), COUNT, COUNT(DISTINCT), SUM, AVG,
-- MIN, MAX, STDDEV; GROUP BY columns, expressions and ordinals; HAVING;
-- skewed groups (cat = 'a' in half of ns.wide's rows), NULL groups.

-- count(*) and count(column) with NULLs
SELECT count(*) AS n, count(b) AS nb, count(i8) AS n8, count(s) AS ns, count(st) AS nst, count(li) AS nli, count(m) AS nm FROM ns.wide;
-- count(DISTINCT) ignores NULLs
SELECT count(DISTINCT cat) AS c, count(DISTINCT k) AS k, count(DISTINCT s) AS s, count(DISTINCT dt) AS d FROM ns.wide;
-- count(DISTINCT) of doubles: NaN counts once, -0.0 equals 0.0
SELECT count(DISTINCT fx) AS n FROM ns.wide WHERE id < 12;
-- sum of every integer width (DuckDB widens, no overflow)
SELECT sum(i8) AS a, sum(i16) AS b, sum(i32) AS c, sum(i64) AS d FROM ns.wide;
-- sum of int64 extremes fits in 128 bits
SELECT sum(big) AS s FROM ns.wide WHERE id < 12;
-- sum of decimals is exact
SELECT sum(d9) AS a, sum(d18) AS b, sum(d38) AS c FROM ns.wide;
-- sum of decimals without the extremes
SELECT sum(d38) AS c FROM ns.wide WHERE id > 2;
-- sum and avg of doubles
SELECT sum(dx) AS s, avg(dx) AS a FROM ns.wide;
-- avg of integers is a double
SELECT avg(i8) AS a, avg(i32) AS b, avg(i64) AS c FROM ns.wide;
-- avg of decimals
SELECT avg(d9) AS a, avg(d18) AS b FROM ns.wide;
-- sum with NaN and infinities
SELECT sum(fx) AS s FROM ns.wide WHERE id < 6;
-- sum with only +Inf
SELECT sum(fx) AS s, max(fx) AS mx FROM ns.wide WHERE id IN (2, 11, 12, 13);
-- min and max of every orderable type
SELECT min(b) AS a, max(b) AS b2, min(i8) AS c, max(i16) AS d, min(i32) AS e, max(i64) AS f, min(big) AS g, max(big) AS h FROM ns.wide;
-- min and max of doubles: NaN is the largest
SELECT min(fx) AS lo, max(fx) AS hi, min(f32) AS flo, max(f32) AS fhi FROM ns.wide;
-- min and max of decimals
SELECT min(d9) AS a, max(d9) AS b, min(d38) AS c, max(d38) AS d FROM ns.wide;
-- min and max of uuids and blobs
SELECT min(u) AS a, max(u) AS b, min(bl) AS c, max(bl) AS d FROM ns.wide;
-- stddev (sample) and stddev_pop
SELECT stddev(dx) AS a, stddev_samp(i32) AS b, stddev_pop(i16) AS c FROM ns.wide;
-- stddev of a single value is NULL
SELECT stddev(dx) AS s FROM ns.wide WHERE id = 11;
-- stddev per group
SELECT k % 5 AS g, stddev(dx) AS s FROM ns.wide GROUP BY 1;
-- group by a column with the skewed key
SELECT cat, count(*) AS n FROM ns.wide GROUP BY cat;
-- group by with several aggregates on the skewed key
SELECT cat, count(*) AS n, sum(i32) AS s, min(s) AS lo, max(dt) AS hi, avg(dx) AS a FROM ns.wide GROUP BY cat;
-- group by a NULL-able integer: NULL is its own group
SELECT k, count(*) AS n FROM ns.wide GROUP BY k;
-- group by two columns
SELECT cat, b, count(*) AS n FROM ns.wide GROUP BY cat, b;
-- group by ordinals
SELECT cat, k % 3 AS r, count(*) AS n FROM ns.wide GROUP BY 1, 2;
-- group by an expression repeated in the select list
SELECT k % 10 AS r, count(*) AS n FROM ns.wide GROUP BY k % 10;
-- group by an expression not in the select list
SELECT count(*) AS n FROM ns.wide GROUP BY k % 4;
-- group by an alias
SELECT upper(cat) AS c, count(*) AS n FROM ns.wide GROUP BY c;
-- group by a boolean expression
SELECT i32 > 0 AS pos, count(*) AS n FROM ns.wide GROUP BY 1;
-- group by a date
SELECT dt, count(*) AS n FROM ns.wide GROUP BY dt HAVING count(*) > 3;
-- group by a high-cardinality key
SELECT g, count(*) AS n, sum(k) AS s FROM ns.wide GROUP BY g;
-- group by a decimal
SELECT d9, count(*) AS n FROM ns.wide GROUP BY d9 HAVING count(*) > 1;
-- group by a double with NaN, infinities and signed zeros
SELECT fx, count(*) AS n FROM ns.wide WHERE id < 40 GROUP BY fx;
-- group by a timestamp with time zone and a time
SELECT date_trunc('month', tz) AS m, count(*) AS n FROM ns.wide GROUP BY 1;
-- group by uuid (duplicates share one)
SELECT u, count(*) AS n FROM ns.wide GROUP BY u HAVING count(*) > 1;
-- group by blob
SELECT bl, count(*) AS n FROM ns.wide GROUP BY bl;
-- group by a string with unicode and long values
SELECT s, count(*) AS n FROM ns.wide WHERE length(s) > 20 GROUP BY s;
-- HAVING on an aggregate not in the select list
SELECT cat FROM ns.wide GROUP BY cat HAVING sum(k) > 20000;
-- HAVING on count
SELECT k, count(*) AS n FROM ns.wide GROUP BY k HAVING count(*) >= 200;
-- HAVING with AND and a group key
SELECT cat, count(*) AS n FROM ns.wide GROUP BY cat HAVING count(*) > 100 AND cat <> 'a';
-- HAVING that removes every group
SELECT cat, count(*) AS n FROM ns.wide GROUP BY cat HAVING count(*) > 100000;
-- aggregate over an expression
SELECT sum(i32 % 100) AS a, max(length(s)) AS b, min(k * 2) AS c FROM ns.wide;
-- expression over aggregates
SELECT cat, sum(k) * 2 + count(*) AS x, max(k) - min(k) AS span FROM ns.wide GROUP BY cat;
-- count(DISTINCT) per group
SELECT cat, count(DISTINCT k) AS dk, count(DISTINCT b) AS db FROM ns.wide GROUP BY cat;
-- count(DISTINCT) and count(*) on the skewed group only
SELECT count(DISTINCT g) AS dg, count(*) AS n FROM ns.wide WHERE cat = 'a';
-- sum(DISTINCT)
SELECT sum(DISTINCT k) AS s, count(DISTINCT k % 7) AS c FROM ns.wide;
-- aggregates with a WHERE that matches nothing
SELECT count(*) AS n, sum(i32) AS s, min(s) AS m, avg(dx) AS a, count(DISTINCT k) AS d FROM ns.wide WHERE k > 1000;
-- group by with a WHERE that matches nothing returns no rows
SELECT cat, count(*) AS n FROM ns.wide WHERE k > 1000 GROUP BY cat;
-- duplicates: groups of identical rows
SELECT i32, i64, s, count(*) AS n FROM ns.wide GROUP BY i32, i64, s HAVING count(*) > 1;
-- aggregates of the events table per kind
SELECT kind, count(*) AS n, sum(amount) AS s, avg(score) AS a, min(ts) AS first, max(ts) AS last FROM ns.events GROUP BY kind;
-- aggregates per batch (one batch per append)
SELECT batch, count(*) AS n, count(DISTINCT user_id) AS users FROM ns.events GROUP BY batch;
-- FILTER clause on aggregates
SELECT count(*) FILTER (WHERE b) AS t, sum(k) FILTER (WHERE cat = 'a') AS s FROM ns.wide;
-- aggregates of booleans
SELECT min(a) AS lo, max(a) AS hi, count(a) AS n FROM ns.tv;
-- aggregates with three-valued inputs
SELECT sum(x) AS sx, sum(y) AS sy, avg(x) AS ax, count(x) AS cx FROM ns.tv;
-- group by of the dimension table
SELECT region, count(*) AS n, sum(weight) AS w FROM ns.dim GROUP BY region;
-- group by every column of a small table (exact duplicates collapse)
SELECT k, name, region, weight, flag, count(*) AS n FROM ns.dim GROUP BY k, name, region, weight, flag;
