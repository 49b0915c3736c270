-- INTERSECT and EXCEPT [ALL] (issue 6): NULLs are equal, duplicates
-- removed without ALL and counted with ALL; combined with UNION, ORDER BY
-- and LIMIT, and over joins and subqueries.

-- INTERSECT
SELECT x FROM ns.tv INTERSECT SELECT y FROM ns.tv ORDER BY x;
-- EXCEPT
SELECT x FROM ns.tv EXCEPT SELECT y FROM ns.tv ORDER BY x;
-- INTERSECT ALL keeps min(m, n) copies
SELECT k % 3 AS v FROM ns.dim INTERSECT ALL SELECT k % 2 FROM ns.dim ORDER BY v;
-- EXCEPT ALL keeps m - n copies
SELECT k % 3 AS v FROM ns.dim WHERE k < 10 EXCEPT ALL SELECT k % 2 FROM ns.dim WHERE k < 7 ORDER BY v;
-- EXCEPT with a constant
SELECT region FROM ns.dim EXCEPT SELECT 'north' ORDER BY region;
-- INTERSECT on two columns with NULLs
SELECT a, b FROM ns.tv INTERSECT SELECT b, a FROM ns.tv ORDER BY a, b;
-- EXCEPT on two columns
SELECT a, b FROM ns.tv EXCEPT SELECT b, a FROM ns.tv ORDER BY a, b;
-- INTERSECT of strings from two tables
SELECT cat FROM ns.wide WHERE id < 100 INTERSECT SELECT cat FROM ns.wide WHERE id > 19900 ORDER BY cat;
-- EXCEPT with an empty right side
SELECT k FROM ns.dim WHERE k < 4 EXCEPT SELECT k FROM ns.empty ORDER BY k;
-- INTERSECT with an empty side
SELECT k FROM ns.dim INTERSECT SELECT k FROM ns.empty;
-- INTERSECT with integer widths unified
SELECT i8 AS v FROM ns.wide WHERE id < 50 INTERSECT SELECT k FROM ns.dim ORDER BY v;
-- EXCEPT, then UNION
SELECT k FROM ns.dim WHERE k < 5 EXCEPT SELECT k FROM ns.dim WHERE k = 2 UNION SELECT 42 ORDER BY k;
-- INTERSECT with LIMIT
SELECT k FROM ns.dim INTERSECT SELECT k + 50 FROM ns.dim ORDER BY k DESC LIMIT 3;
-- EXCEPT ALL with NULL duplicates
SELECT x FROM (VALUES (1), (NULL), (NULL), (2), (2)) t(x) EXCEPT ALL SELECT x FROM (VALUES (NULL), (2)) u(x) ORDER BY x;
-- INTERSECT ALL of VALUES
SELECT x FROM (VALUES (1), (1), (1), (NULL), (NULL)) t(x) INTERSECT ALL SELECT x FROM (VALUES (1), (1), (NULL), (3)) u(x) ORDER BY x;
-- EXCEPT counted
SELECT count(*) AS n FROM (SELECT user_id FROM ns.events EXCEPT SELECT user_id FROM ns.events WHERE kind = 'buy') t;
-- INTERSECT of dates
SELECT count(*) AS n FROM (SELECT dt FROM ns.wide WHERE id < 5000 INTERSECT SELECT dt FROM ns.wide WHERE id >= 5000) t;
-- INTERSECT in a subquery used by IN
SELECT k FROM ns.dim WHERE k IN (SELECT k FROM ns.dim WHERE k < 10 INTERSECT SELECT k FROM ns.dim WHERE k % 2 = 0) ORDER BY k;
