-- UNION (duplicates removed) and UNION ALL (kept), with ORDER BY and LIMIT
-- over the whole union.

-- UNION ALL keeps duplicates
SELECT k FROM ns.dim WHERE k < 5 UNION ALL SELECT k FROM ns.dim WHERE k < 3;
-- UNION removes duplicates
SELECT k FROM ns.dim WHERE k < 5 UNION SELECT k FROM ns.dim WHERE k < 3;
-- UNION of literals
SELECT 1 AS x UNION SELECT 2 UNION SELECT 1;
-- UNION ALL of three branches
SELECT 'a' AS tag, count(*) AS n FROM ns.wide UNION ALL SELECT 'b', count(*) FROM ns.dim UNION ALL SELECT 'c', count(*) FROM ns.empty;
-- UNION with ORDER BY over the result
SELECT k AS v FROM ns.dim WHERE k < 4 UNION SELECT k * 10 FROM ns.dim WHERE k < 4 ORDER BY v DESC;
-- UNION ALL with ORDER BY and LIMIT
SELECT id, 'w' AS src FROM ns.wide WHERE id < 5 UNION ALL SELECT id, 'e' FROM ns.events WHERE id < 100005 ORDER BY id, src LIMIT 8;
-- UNION with NULLs: NULLs are equal for duplicate removal
SELECT x FROM ns.tv UNION SELECT y FROM ns.tv;
-- UNION of different integer widths and a decimal
SELECT i8 AS v FROM ns.wide WHERE id < 20 UNION SELECT d9 FROM ns.wide WHERE id < 20;
-- UNION ALL of an empty table
SELECT cat FROM ns.empty UNION ALL SELECT cat FROM ns.one;
-- UNION of strings with duplicates across branches
SELECT cat FROM ns.wide WHERE k < 10 UNION SELECT cat FROM ns.wide WHERE k > 90;
-- UNION ALL of aggregates
SELECT cat, count(*) AS n FROM ns.wide GROUP BY cat UNION ALL SELECT region, count(*) FROM ns.dim GROUP BY region;
-- UNION of dates and timestamps
SELECT dt AS d FROM ns.one UNION ALL SELECT CAST(ts AS DATE) FROM ns.one;
