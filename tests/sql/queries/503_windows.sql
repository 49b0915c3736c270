-- Window functions (issue 6): ROW_NUMBER, RANK, DENSE_RANK, PERCENT_RANK,
-- CUME_DIST, NTILE, LAG, LEAD, FIRST_VALUE, LAST_VALUE, NTH_VALUE and
-- aggregates OVER (PARTITION BY .. ORDER BY .. ROWS / RANGE frames, with
-- DuckDB's default frames), windows over aggregates, and QUALIFY.

-- ROW_NUMBER over the whole input
SELECT k, row_number() OVER (ORDER BY k DESC) AS rn FROM ns.dim WHERE k < 6 ORDER BY k;
-- ROW_NUMBER per partition
SELECT k, region, row_number() OVER (PARTITION BY region ORDER BY k) AS rn FROM ns.dim WHERE k < 15 ORDER BY k;
-- RANK and DENSE_RANK with ties
SELECT k, rank() OVER (ORDER BY k % 4) AS r, dense_rank() OVER (ORDER BY k % 4) AS dr FROM ns.dim WHERE k < 12 ORDER BY k;
-- RANK with NULLs in the ORDER BY key (NULLS LAST)
SELECT x, rank() OVER (ORDER BY x) AS r FROM ns.tv ORDER BY x;
-- RANK descending with NULLS FIRST
SELECT x, rank() OVER (ORDER BY x DESC NULLS FIRST) AS r FROM ns.tv ORDER BY x;
-- PERCENT_RANK and CUME_DIST
SELECT k, percent_rank() OVER (ORDER BY k % 5) AS pr, cume_dist() OVER (ORDER BY k % 5) AS cd FROM ns.dim WHERE k < 10 ORDER BY k;
-- NTILE with uneven buckets
SELECT k, ntile(4) OVER (ORDER BY k) AS t FROM ns.dim WHERE k < 10 ORDER BY k;
-- NTILE with more buckets than rows
SELECT k, ntile(10) OVER (ORDER BY k) AS t FROM ns.dim WHERE k < 4 ORDER BY k;
-- LAG and LEAD
SELECT k, lag(k) OVER (ORDER BY k) AS prev, lead(k) OVER (ORDER BY k) AS next FROM ns.dim WHERE k < 6 ORDER BY k;
-- LAG with an offset and a default
SELECT k, lag(name, 2, 'none') OVER (ORDER BY k) AS p2 FROM ns.dim WHERE k < 5 ORDER BY k;
-- LEAD per partition
SELECT k, region, lead(k, 1) OVER (PARTITION BY region ORDER BY k) AS nk FROM ns.dim WHERE k < 12 ORDER BY k;
-- LAG over NULL values
SELECT y, lag(x) OVER (ORDER BY y) AS px FROM ns.tv WHERE y IS NOT NULL ORDER BY y;
-- FIRST_VALUE and LAST_VALUE with the default frame
SELECT k, first_value(k) OVER (PARTITION BY region ORDER BY k) AS f, last_value(k) OVER (PARTITION BY region ORDER BY k) AS l FROM ns.dim WHERE k < 12 ORDER BY k;
-- LAST_VALUE over the whole partition
SELECT k, last_value(name) OVER (PARTITION BY flag ORDER BY k ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS l FROM ns.dim WHERE k < 8 ORDER BY k;
-- NTH_VALUE
SELECT k, nth_value(k, 3) OVER (ORDER BY k) AS n3 FROM ns.dim WHERE k < 6 ORDER BY k;
-- running SUM (default frame: RANGE with peers)
SELECT k, sum(k) OVER (ORDER BY k % 3, k) AS s, sum(k) OVER (ORDER BY k % 3) AS sp FROM ns.dim WHERE k < 9 ORDER BY k;
-- SUM over the partition without ORDER BY
SELECT k, region, sum(weight) OVER (PARTITION BY region) AS s FROM ns.dim WHERE k < 10 ORDER BY k;
-- COUNT(*) and COUNT(x) OVER ()
SELECT x, count(*) OVER () AS n, count(x) OVER () AS nx FROM ns.tv ORDER BY x;
-- AVG, MIN, MAX over a sliding ROWS frame
SELECT k, avg(k) OVER (ORDER BY k ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS a, min(k) OVER (ORDER BY k ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) AS mn, max(k) OVER (ORDER BY k ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) AS mx FROM ns.dim WHERE k < 8 ORDER BY k;
-- frame from the current row to the end
SELECT k, sum(k) OVER (ORDER BY k ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS rest, min(k) OVER (ORDER BY k DESC ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS mn FROM ns.dim WHERE k < 7 ORDER BY k;
-- frame entirely after the current row
SELECT k, sum(k) OVER (ORDER BY k ROWS BETWEEN 1 FOLLOWING AND 2 FOLLOWING) AS s FROM ns.dim WHERE k < 6 ORDER BY k;
-- RANGE frame with CURRENT ROW (peers)
SELECT k, count(*) OVER (ORDER BY k % 3 RANGE BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS n FROM ns.dim WHERE k < 9 ORDER BY k;
-- ROWS shorthand: ROWS 2 PRECEDING
SELECT k, sum(k) OVER (ORDER BY k ROWS 2 PRECEDING) AS s FROM ns.dim WHERE k < 6 ORDER BY k;
-- SUM of decimals, exact
SELECT id, sum(d9) OVER (ORDER BY id) AS s FROM ns.wide WHERE id < 12 ORDER BY id;
-- SUM of a BIGINT column
SELECT id, sum(i64) OVER (PARTITION BY cat ORDER BY id) AS s FROM ns.wide WHERE id < 20 ORDER BY id;
-- aggregates of doubles over frames
SELECT id, sum(dx) OVER (ORDER BY id ROWS BETWEEN 3 PRECEDING AND CURRENT ROW) AS s FROM ns.wide WHERE id < 15 ORDER BY id;
-- MIN and MAX of strings per partition
SELECT k, min(name) OVER (PARTITION BY region) AS mn, max(name) OVER (PARTITION BY region) AS mx FROM ns.dim WHERE k < 8 ORDER BY k;
-- window over aggregates
SELECT region, count(*) AS n, rank() OVER (ORDER BY sum(k) DESC) AS r FROM ns.dim GROUP BY region ORDER BY region;
-- running total of a grouped sum
SELECT kind, batch, sum(amount) AS s, sum(sum(amount)) OVER (PARTITION BY kind ORDER BY batch) AS running FROM ns.events GROUP BY kind, batch ORDER BY kind, batch;
-- several windows in one SELECT, different partitions
SELECT k, row_number() OVER (PARTITION BY flag ORDER BY k) AS a, row_number() OVER (PARTITION BY region ORDER BY k DESC) AS b, count(*) OVER (PARTITION BY flag) AS c FROM ns.dim WHERE k < 10 ORDER BY k;
-- window in an expression
SELECT k, k - lag(k, 1, 0) OVER (ORDER BY k) AS diff, 100.0 * k / sum(k) OVER () AS pct FROM ns.dim WHERE k BETWEEN 1 AND 5 ORDER BY k;
-- window over a join
SELECT d.k, w.id, row_number() OVER (PARTITION BY d.k ORDER BY w.id) AS rn FROM ns.wide w JOIN ns.dim d ON w.k = d.k WHERE d.k < 2 AND w.id < 500 ORDER BY d.k, w.id;
-- window in a subquery, filtered outside (top-N per group)
SELECT cat, id FROM (SELECT cat, id, row_number() OVER (PARTITION BY cat ORDER BY id DESC) AS rn FROM ns.wide WHERE cat IS NOT NULL) t WHERE rn <= 2 ORDER BY cat, id;
-- QUALIFY
SELECT k, region FROM ns.dim QUALIFY row_number() OVER (PARTITION BY region ORDER BY k DESC) = 1 ORDER BY k;
-- QUALIFY on a window not in the select list with WHERE
SELECT id, cat FROM ns.wide WHERE id < 100 QUALIFY rank() OVER (PARTITION BY cat ORDER BY i32 DESC NULLS LAST) = 1 ORDER BY cat;
-- ORDER BY a window function
SELECT k FROM ns.dim WHERE k < 5 ORDER BY row_number() OVER (ORDER BY k DESC);
-- partition by an expression, order by two keys
SELECT id, row_number() OVER (PARTITION BY id % 3 ORDER BY cat DESC NULLS FIRST, id) AS rn FROM ns.wide WHERE id < 10 ORDER BY id;
-- window over an empty input
SELECT id, row_number() OVER (ORDER BY id) AS rn, sum(i32) OVER () AS s FROM ns.empty;
-- window over booleans and NULL partitions
SELECT a, b, count(*) OVER (PARTITION BY a) AS n, row_number() OVER (PARTITION BY a ORDER BY b NULLS FIRST) AS rn FROM ns.tv ORDER BY a, b;
-- dense rank of timestamps per day
SELECT id, dense_rank() OVER (PARTITION BY CAST(ts AS DATE) ORDER BY ts) AS r FROM ns.events WHERE id < 8 ORDER BY id;
-- window with DISTINCT on top
SELECT DISTINCT region, count(*) OVER (PARTITION BY region) AS n FROM ns.dim ORDER BY region;
-- named window (WINDOW w AS ...)
SELECT k, row_number() OVER w AS rn, sum(k) OVER w AS s FROM ns.dim WHERE k < 6 WINDOW w AS (PARTITION BY flag ORDER BY k) ORDER BY k;
-- a named window refined with a frame
SELECT k, sum(k) OVER (w ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS s FROM ns.dim WHERE k < 5 WINDOW w AS (ORDER BY k) ORDER BY k;
