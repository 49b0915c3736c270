-- Joins (issue 6): INNER, LEFT, RIGHT, FULL, CROSS, SEMI and ANTI joins,
-- USING and NATURAL, multiple and expression keys, NULL keys (never
-- equal), non-equi conditions (nested loops), empty inputs, and WHERE
-- conditions pushed through joins.

-- inner equi-join on an integer key
SELECT w.id, d.name FROM ns.wide w JOIN ns.dim d ON w.k = d.k WHERE w.id < 40 ORDER BY w.id;
-- inner join, counting per dimension value
SELECT d.region, count(*) AS n FROM ns.wide w JOIN ns.dim d ON w.k = d.k GROUP BY d.region ORDER BY d.region;
-- comma join with the condition in WHERE
SELECT count(*) AS n, sum(w.i32) AS s FROM ns.wide w, ns.dim d WHERE w.k = d.k AND d.flag;
-- join with the build side much larger than the probe side
SELECT d.k, count(w.id) AS n FROM ns.dim d JOIN ns.wide w ON d.k = w.k WHERE d.k < 5 GROUP BY d.k ORDER BY d.k;
-- LEFT JOIN keeps rows without partner
SELECT w.id, w.k, d.name FROM ns.wide w LEFT JOIN ns.dim d ON w.k = d.k AND d.k < 10 WHERE w.id < 30 ORDER BY w.id;
-- LEFT JOIN: a NULL key never matches
SELECT count(*) AS n, count(d.k) AS matched FROM ns.wide w LEFT JOIN ns.dim d ON w.k = d.k;
-- RIGHT JOIN
SELECT d.k, w.id FROM ns.wide w RIGHT JOIN ns.dim d ON w.k = d.k AND w.id < 50 ORDER BY d.k, w.id;
-- FULL JOIN of two filtered inputs
SELECT a.k AS ak, b.k AS bk FROM (SELECT k FROM ns.dim WHERE k < 8) a FULL JOIN (SELECT k FROM ns.dim WHERE k > 4 AND k < 12) b ON a.k = b.k ORDER BY ak, bk;
-- FULL JOIN with NULL keys on both sides
SELECT t1.x AS x1, t2.y AS y2 FROM ns.tv t1 FULL JOIN ns.tv t2 ON t1.x = t2.y ORDER BY x1, y2;
-- CROSS JOIN
SELECT a.k AS ak, b.k AS bk FROM ns.dim a CROSS JOIN ns.dim b WHERE a.k < 3 AND b.k < 3 ORDER BY ak, bk;
-- comma CROSS JOIN counted
SELECT count(*) AS n FROM ns.tv a, ns.dim b;
-- non-equi join (nested loops)
SELECT a.k AS ak, count(*) AS n FROM ns.dim a JOIN ns.dim b ON a.k > b.k WHERE a.k < 6 GROUP BY a.k ORDER BY ak;
-- equi key plus a non-equi residual
SELECT w.id, d.k FROM ns.wide w JOIN ns.dim d ON w.k = d.k AND w.i8 > d.k WHERE w.id < 60 ORDER BY w.id;
-- band join
SELECT a.k AS ak, b.k AS bk FROM ns.dim a JOIN ns.dim b ON b.k BETWEEN a.k - 1 AND a.k + 1 WHERE a.k < 4 ORDER BY ak, bk;
-- join on two keys
SELECT count(*) AS n FROM ns.wide a JOIN ns.wide b ON a.k = b.k AND a.cat = b.cat WHERE a.id < 200 AND b.id < 200;
-- join on an expression key
SELECT a.k AS ak, b.k AS bk FROM ns.dim a JOIN ns.dim b ON a.k * 2 = b.k + 1 ORDER BY ak;
-- join on a string key
SELECT a.name, b.region FROM ns.dim a JOIN ns.dim b ON a.name = 'name_' || b.k WHERE a.k < 5 ORDER BY a.name;
-- join on a decimal key
SELECT a.k AS ak, b.k AS bk FROM ns.dim a JOIN ns.dim b ON a.weight = b.weight * 2 ORDER BY ak;
-- join on a date key
SELECT count(*) AS n FROM ns.wide a JOIN ns.one b ON a.dt = b.dt;
-- join keys of different integer widths
SELECT count(*) AS n FROM ns.wide a JOIN ns.dim b ON a.i8 = b.k;
-- join on a BIGINT against an INTEGER
SELECT w.id, d.k FROM ns.wide w JOIN ns.dim d ON w.id = d.k ORDER BY w.id LIMIT 5;
-- self join with duplicates on both sides
SELECT count(*) AS n FROM ns.wide a JOIN ns.wide b ON a.g = b.g WHERE a.g <> 0;
-- skewed key: cat 'a' is half of the rows
SELECT count(*) AS n FROM ns.wide a JOIN ns.wide b ON a.cat = b.cat WHERE a.id < 1000 AND b.id < 1000;
-- three-way join
SELECT d1.k, d2.name, d3.region FROM ns.dim d1 JOIN ns.dim d2 ON d1.k = d2.k JOIN ns.dim d3 ON d2.k = d3.k WHERE d1.k IN (1, 7, 42) ORDER BY d1.k;
-- star schema: facts joined to a dimension twice
SELECT d1.region AS r1, d2.region AS r2, count(*) AS n FROM ns.wide w JOIN ns.dim d1 ON w.k = d1.k JOIN ns.dim d2 ON w.g % 100 = d2.k GROUP BY r1, r2 ORDER BY r1, r2;
-- join with an empty table
SELECT count(*) AS n FROM ns.dim d JOIN ns.empty e ON d.k = e.k;
-- LEFT JOIN to an empty table
SELECT d.k, e.id FROM ns.dim d LEFT JOIN ns.empty e ON d.k = e.k WHERE d.k < 3 ORDER BY d.k;
-- empty LEFT side
SELECT count(*) AS n FROM ns.empty e LEFT JOIN ns.dim d ON e.k = d.k;
-- FULL JOIN with an empty side
SELECT d.k, e.id FROM ns.dim d FULL JOIN ns.empty e ON d.k = e.k WHERE d.k < 3 ORDER BY d.k;
-- join of a table with all-NULL keys
SELECT count(*) AS n FROM ns.nulls a JOIN ns.nulls b ON a.i = b.i;
-- USING merges the column
SELECT k, name, region FROM ns.dim a JOIN (SELECT k, region FROM ns.dim WHERE k < 5) b USING (k) ORDER BY k;
-- USING with SELECT *
SELECT * FROM (SELECT k, name FROM ns.dim WHERE k < 4) a JOIN (SELECT k, flag FROM ns.dim) b USING (k) ORDER BY k;
-- NATURAL JOIN
SELECT * FROM (SELECT k, name FROM ns.dim WHERE k < 4) a NATURAL JOIN (SELECT k, weight FROM ns.dim) b ORDER BY k;
-- FULL JOIN USING gives the merged key from either side
SELECT k FROM (SELECT k FROM ns.dim WHERE k < 5) a FULL JOIN (SELECT k FROM ns.dim WHERE k > 2 AND k < 8) b USING (k) ORDER BY k;
-- RIGHT JOIN USING
SELECT k, a.name FROM (SELECT k, name FROM ns.dim WHERE k < 3) a RIGHT JOIN (SELECT k FROM ns.dim WHERE k < 6) b USING (k) ORDER BY k;
-- qualified star of one side
SELECT b.* FROM ns.tv a JOIN ns.dim b ON a.x = b.k ORDER BY b.k;
-- SEMI JOIN
SELECT count(*) AS n FROM ns.wide a SEMI JOIN ns.dim b ON a.k = b.k AND b.region = 'east';
-- ANTI JOIN
SELECT count(*) AS n FROM ns.wide a ANTI JOIN ns.dim b ON a.k = b.k AND b.region = 'east';
-- ANTI JOIN keeps NULL keys
SELECT x FROM ns.tv a ANTI JOIN ns.tv b ON a.x = b.y ORDER BY x;
-- join condition with OR (nested loops)
SELECT a.k AS ak, b.k AS bk FROM ns.dim a JOIN ns.dim b ON a.k = b.k + 50 OR a.k = b.k * 10 WHERE a.k < 60 ORDER BY ak, bk;
-- OR of branches sharing the join key
SELECT count(*) AS n FROM ns.wide w JOIN ns.dim d ON (w.k = d.k AND d.region = 'north') OR (w.k = d.k AND w.i8 > 100);
-- WHERE conditions on both sides pushed down
SELECT w.id, d.name FROM ns.wide w JOIN ns.dim d ON w.k = d.k WHERE w.id BETWEEN 100 AND 120 AND d.flag ORDER BY w.id;
-- WHERE on the right side of a LEFT JOIN filters after the join
SELECT w.id, d.k FROM ns.wide w LEFT JOIN ns.dim d ON w.k = d.k WHERE w.id < 50 AND d.k IS NULL ORDER BY w.id;
-- ON condition on the left side of a LEFT JOIN does not filter
SELECT w.id, d.k FROM ns.wide w LEFT JOIN ns.dim d ON w.k = d.k AND w.id < 3 WHERE w.id < 6 ORDER BY w.id;
-- join over aggregated subqueries
SELECT a.cat, a.n, b.m FROM (SELECT cat, count(*) AS n FROM ns.wide GROUP BY cat) a JOIN (SELECT cat, max(id) AS m FROM ns.wide GROUP BY cat) b ON a.cat = b.cat ORDER BY a.cat;
-- join on IS NOT DISTINCT FROM matches NULLs
SELECT count(*) AS n FROM ns.tv a JOIN ns.tv b ON a.x IS NOT DISTINCT FROM b.x;
-- join of events to themselves by user and kind
SELECT e1.kind, count(*) AS n FROM ns.events e1 JOIN ns.events e2 ON e1.user_id = e2.user_id AND e1.kind = e2.kind WHERE e1.id < 100 AND e2.id < 100200 GROUP BY e1.kind ORDER BY e1.kind;
-- join then aggregate with HAVING
SELECT d.region, sum(w.d9) AS s FROM ns.wide w JOIN ns.dim d ON w.k = d.k GROUP BY d.region HAVING count(*) > 3800 ORDER BY d.region;
-- join then ORDER BY and LIMIT
SELECT w.id, d.weight FROM ns.wide w JOIN ns.dim d ON w.k = d.k ORDER BY d.weight DESC, w.id LIMIT 7;
-- join with DISTINCT
SELECT DISTINCT d.region, w.cat FROM ns.wide w JOIN ns.dim d ON w.k = d.k WHERE w.cat IN ('k01', 'k02') ORDER BY d.region, w.cat;
-- timestamps joined on a truncated key
SELECT count(*) AS n FROM ns.events a JOIN ns.events b ON date_trunc('day', a.ts) = date_trunc('day', b.ts) AND a.id = b.id;
-- three-valued join on booleans
SELECT a.a AS a1, b.b AS b2 FROM ns.tv a JOIN ns.tv b ON a.a = b.b ORDER BY a1, b2;
-- join with a constant-false condition
SELECT count(*) AS n FROM ns.dim a JOIN ns.dim b ON false;
-- LEFT JOIN with a constant-false condition
SELECT count(*) AS n, count(b.k) AS m FROM ns.dim a LEFT JOIN ns.dim b ON 1 = 0;
-- chain of LEFT JOINs
SELECT a.k, b.k AS bk, c.k AS ck FROM ns.dim a LEFT JOIN ns.dim b ON b.k = a.k + 95 LEFT JOIN ns.dim c ON c.k = b.k + 3 WHERE a.k < 6 ORDER BY a.k;
-- parenthesized join tree
SELECT count(*) AS n FROM ns.dim a JOIN (ns.dim b JOIN ns.dim c ON b.k = c.k) ON a.k = b.k;
