-- Errors of joins, subqueries and windows (issue 6).  Format: see
-- 01_syntax.sql.

-- expect: more than one row
SELECT (SELECT k FROM ns.dim WHERE k < 5) AS x
-- expect: more than one row
SELECT k, (SELECT name FROM ns.dim d2 WHERE d2.k > d.k) AS nx FROM ns.dim d
-- expect: ambiguous
SELECT k FROM ns.dim a JOIN ns.dim b ON a.k = b.k
-- expect: nope
SELECT * FROM ns.dim a JOIN ns.dim b USING (nope)
-- expect: window function
SELECT k FROM ns.dim QUALIFY k > 1
-- expect: same number of result columns
SELECT k, name FROM ns.dim INTERSECT SELECT k FROM ns.dim
-- expect: zzz
SELECT a.k FROM ns.dim a JOIN ns.dim b ON a.zzz = b.k
-- expect: zzz
SELECT k FROM ns.dim d WHERE EXISTS (SELECT 1 FROM ns.tv t WHERE t.zzz = d.k)
