-- Subqueries (issue 6): scalar (uncorrelated and correlated), IN and NOT
-- IN with SQL's NULL rules, EXISTS and NOT EXISTS (correlated ones run as
-- semi / anti / mark joins), subqueries in FROM, SELECT and HAVING, and
-- WITH (CTEs, referenced several times).

-- scalar subquery in WHERE
SELECT id, i32 FROM ns.wide WHERE i32 = (SELECT max(i32) FROM ns.wide WHERE id < 100) ORDER BY id;
-- scalar subquery in the select list
SELECT k, (SELECT count(*) FROM ns.tv) AS n FROM ns.dim WHERE k < 3 ORDER BY k;
-- scalar subquery without rows is NULL
SELECT k, (SELECT k FROM ns.dim WHERE k > 1000) AS none FROM ns.dim WHERE k < 2 ORDER BY k;
-- scalar subquery with more than one row is an error
SELECT (SELECT k FROM ns.dim WHERE k < 5) AS x;
-- scalar subquery in arithmetic
SELECT id, i32 - (SELECT min(i32) FROM ns.wide) AS above FROM ns.wide WHERE id < 5 ORDER BY id;
-- scalar subquery in HAVING
SELECT cat, count(*) AS n FROM ns.wide GROUP BY cat HAVING count(*) > (SELECT count(*) / 25 FROM ns.wide) ORDER BY cat;
-- nested scalar subqueries
SELECT (SELECT max(k) FROM ns.dim WHERE k < (SELECT count(*) FROM ns.tv)) AS x;
-- IN subquery
SELECT k, name FROM ns.dim WHERE k IN (SELECT k * 3 FROM ns.dim WHERE k < 6) ORDER BY k;
-- NOT IN subquery
SELECT count(*) AS n FROM ns.dim WHERE k NOT IN (SELECT k FROM ns.dim WHERE k % 3 = 0);
-- NOT IN a subquery with a NULL: no row qualifies
SELECT count(*) AS n FROM ns.dim WHERE k NOT IN (SELECT x FROM ns.tv);
-- NOT IN an empty subquery: every row qualifies, NULL keys too
SELECT count(*) AS n FROM ns.tv WHERE x NOT IN (SELECT k FROM ns.dim WHERE k > 1000);
-- IN and NOT IN as values: NULL where SQL says so
SELECT x, x IN (SELECT y FROM ns.tv) AS isin, x NOT IN (SELECT y FROM ns.tv) AS notin FROM ns.tv ORDER BY x;
-- IN over a subquery without NULLs, NULL probe
SELECT x, x IN (SELECT k FROM ns.dim) AS isin FROM ns.tv ORDER BY x;
-- IN with a string key
SELECT count(*) AS n FROM ns.wide WHERE cat IN (SELECT 'k' || lpad(CAST(k AS VARCHAR), 2, '0') FROM ns.dim WHERE k < 5);
-- IN with a decimal key
SELECT k FROM ns.dim WHERE weight IN (SELECT d9 FROM ns.wide WHERE d9 < 20 AND d9 > 0) ORDER BY k;
-- IN subquery with aggregation inside
SELECT k FROM ns.dim WHERE k IN (SELECT k FROM ns.wide GROUP BY k HAVING count(*) > 210) ORDER BY k;
-- = ANY and <> ALL
SELECT count(*) AS a, count(*) FILTER (WHERE k <> ALL (SELECT k FROM ns.dim WHERE k < 50)) AS b FROM ns.dim WHERE k = ANY (SELECT k * 2 FROM ns.dim);
-- EXISTS uncorrelated
SELECT count(*) AS n FROM ns.dim WHERE EXISTS (SELECT 1 FROM ns.tv WHERE x > 5);
-- NOT EXISTS uncorrelated over an empty table
SELECT count(*) AS n FROM ns.dim WHERE NOT EXISTS (SELECT 1 FROM ns.empty);
-- correlated EXISTS
SELECT d.k FROM ns.dim d WHERE EXISTS (SELECT 1 FROM ns.wide w WHERE w.k = d.k AND w.i8 > 125) ORDER BY d.k;
-- correlated NOT EXISTS
SELECT count(*) AS n FROM ns.dim d WHERE NOT EXISTS (SELECT 1 FROM ns.wide w WHERE w.k = d.k AND w.i8 > 120);
-- correlated EXISTS with a non-equality condition
SELECT d.k FROM ns.dim d WHERE d.k < 20 AND EXISTS (SELECT 1 FROM ns.dim e WHERE e.k = d.k + 1 AND e.region <> d.region) ORDER BY d.k;
-- correlated EXISTS with only a non-equality (nested loops)
SELECT d.k FROM ns.dim d WHERE EXISTS (SELECT 1 FROM ns.tv t WHERE t.y > d.k) ORDER BY d.k;
-- EXISTS as a value
SELECT d.k, EXISTS (SELECT 1 FROM ns.wide w WHERE w.k = d.k AND w.i16 > 32000) AS e FROM ns.dim d WHERE d.k < 10 ORDER BY d.k;
-- NOT EXISTS in an OR
SELECT count(*) AS n FROM ns.dim d WHERE d.k < 5 OR NOT EXISTS (SELECT 1 FROM ns.wide w WHERE w.k = d.k);
-- correlated IN
SELECT d.k FROM ns.dim d WHERE d.k IN (SELECT w.g % 100 FROM ns.wide w WHERE w.k = d.k) ORDER BY d.k;
-- correlated NOT IN
SELECT count(*) AS n FROM ns.dim d WHERE d.k NOT IN (SELECT w.id FROM ns.wide w WHERE w.k = d.k);
-- correlated scalar aggregate
SELECT d.k, (SELECT max(w.id) FROM ns.wide w WHERE w.k = d.k) AS m FROM ns.dim d WHERE d.k < 6 ORDER BY d.k;
-- correlated count is 0, not NULL, without rows
SELECT d.k, (SELECT count(*) FROM ns.wide w WHERE w.k = d.k AND w.i8 > 125) AS n FROM ns.dim d WHERE d.k < 8 ORDER BY d.k;
-- correlated scalar in WHERE (TPC-H Q17 shape)
SELECT count(*) AS n FROM ns.wide w WHERE w.i32 < (SELECT avg(x.i32) FROM ns.wide x WHERE x.k = w.k) AND w.id < 2000;
-- correlated scalar on two keys
SELECT count(*) AS n FROM ns.wide w WHERE w.id = (SELECT min(x.id) FROM ns.wide x WHERE x.k = w.k AND x.cat = w.cat);
-- correlated scalar with an expression of the outer key
SELECT d.k, (SELECT sum(e.k) FROM ns.dim e WHERE e.k = d.k * 2) AS s FROM ns.dim d WHERE d.k < 6 ORDER BY d.k;
-- correlated scalar against a NULL outer key
SELECT x, (SELECT count(*) FROM ns.tv t2 WHERE t2.y = t1.x) AS n FROM ns.tv t1 ORDER BY x;
-- two correlated subqueries in one WHERE (TPC-H Q21 shape)
SELECT count(*) AS n FROM ns.wide w WHERE w.id < 3000 AND EXISTS (SELECT 1 FROM ns.wide x WHERE x.k = w.k AND x.id <> w.id) AND NOT EXISTS (SELECT 1 FROM ns.wide y WHERE y.k = w.k AND y.id <> w.id AND y.i8 > 126);
-- subquery in FROM
SELECT cat, n FROM (SELECT cat, count(*) AS n FROM ns.wide GROUP BY cat) t WHERE n > 500 ORDER BY cat;
-- subquery in FROM with column aliases
SELECT c, m FROM (SELECT cat, max(id) FROM ns.wide GROUP BY cat) AS t(c, m) ORDER BY c;
-- nested subqueries in FROM
SELECT max(n) AS mx FROM (SELECT k, count(*) AS n FROM (SELECT k FROM ns.wide WHERE id % 2 = 0) a GROUP BY k) b;
-- subquery in FROM joined to a table
SELECT d.name, t.n FROM ns.dim d JOIN (SELECT k, count(*) AS n FROM ns.wide GROUP BY k) t ON d.k = t.k WHERE d.k < 4 ORDER BY d.name;
-- WITH, one CTE
WITH big AS (SELECT k FROM ns.dim WHERE k > 95) SELECT k FROM big ORDER BY k;
-- WITH, a CTE referenced twice
WITH c AS (SELECT k, region FROM ns.dim WHERE k < 10) SELECT a.k, b.k AS bk FROM c a JOIN c b ON a.region = b.region AND a.k < b.k ORDER BY a.k, bk;
-- WITH, a CTE built on another
WITH a AS (SELECT k FROM ns.dim WHERE k < 20), b AS (SELECT k FROM a WHERE k % 2 = 0) SELECT count(*) AS n, sum(k) AS s FROM b;
-- WITH column names
WITH t(a, b) AS (SELECT k, name FROM ns.dim WHERE k < 3) SELECT b, a FROM t ORDER BY a;
-- WITH used in a scalar subquery (TPC-H Q15 shape)
WITH rev AS (SELECT k, sum(i32) AS total FROM ns.wide GROUP BY k) SELECT k, total FROM rev WHERE total = (SELECT max(total) FROM rev);
-- WITH and an IN subquery over it
WITH odd AS (SELECT k FROM ns.dim WHERE k % 2 = 1) SELECT count(*) AS n FROM ns.wide WHERE k IN (SELECT k FROM odd);
-- a CTE shadows a table name
WITH dim AS (SELECT 1 AS k) SELECT count(*) AS n FROM dim;
-- subquery over an empty table in the select list
SELECT (SELECT max(id) FROM ns.empty) AS m, (SELECT count(*) FROM ns.empty) AS n;
-- IN subquery in the select list of an aggregate query's input
SELECT count(*) FILTER (WHERE k IN (SELECT k FROM ns.dim WHERE flag)) AS f, count(*) AS n FROM ns.wide;
-- uncorrelated subquery on events with time filters
SELECT count(*) AS n FROM ns.events WHERE user_id IN (SELECT user_id FROM ns.events WHERE kind = 'refund' AND amount > 900);
-- correlated EXISTS on events
SELECT kind, count(*) AS n FROM ns.events e WHERE EXISTS (SELECT 1 FROM ns.events f WHERE f.user_id = e.user_id AND f.kind = 'buy' AND f.ts > e.ts) GROUP BY kind ORDER BY kind;
-- IN with NULLs on both sides as a filter
SELECT count(*) AS n FROM ns.tv WHERE x IN (SELECT y FROM ns.tv);
-- NOT IN with the probe NULL and the subquery without NULLs
SELECT x FROM ns.tv WHERE x NOT IN (SELECT k FROM ns.dim WHERE k > 5) ORDER BY x;
-- correlated scalar subquery without an aggregate
SELECT k, (SELECT name FROM ns.dim d2 WHERE d2.k = d.k + 1) AS nx FROM ns.dim d WHERE k < 4 ORDER BY k;
-- correlated scalar subquery with more than one row is an error
SELECT k, (SELECT name FROM ns.dim d2 WHERE d2.k > d.k) AS nx FROM ns.dim d WHERE k < 4 ORDER BY k;
-- correlated scalar subquery on a nullable key
SELECT x, (SELECT b FROM ns.tv t2 WHERE t2.y = t1.x) AS v FROM ns.tv t1 ORDER BY x;
-- x > ALL / x > ANY with and without NULLs in the subquery
SELECT x, x > ALL (SELECT y FROM ns.tv WHERE y < 5) AS a, x > ANY (SELECT y FROM ns.tv WHERE y < 5) AS b, x <= ALL (SELECT k FROM ns.dim WHERE k > 3) AS c, x < ANY (SELECT y FROM ns.tv) AS d FROM ns.tv ORDER BY x;
-- ALL / ANY against a subquery holding NULLs, and an all-NULL one
SELECT x, x > ALL (SELECT y FROM ns.tv) AS a, x > ANY (SELECT y FROM ns.tv) AS b, x >= ALL (SELECT x FROM ns.tv WHERE x IS NULL) AS c FROM ns.tv ORDER BY x;
-- >= ALL of an empty subquery is true
SELECT count(*) AS n FROM ns.dim WHERE k >= ALL (SELECT k FROM ns.dim WHERE k > 1000);
