-- UNNEST of lists and the range table functions in FROM (issue 6), list
-- literals, and joins with them.

-- unnest a list literal, NULL elements kept
SELECT * FROM unnest([1, 2, NULL, 4]) t(x) ORDER BY x;
-- unnest WITH ORDINALITY
SELECT x, o FROM unnest(['a', 'b', 'c']) WITH ORDINALITY t(x, o) ORDER BY o;
-- unnest of an empty list
SELECT count(*) AS n FROM unnest(CAST([] AS INTEGER[])) t(x);
-- unnest the result of string_split
SELECT * FROM unnest(string_split('a,b,,c', ',')) t(s) ORDER BY s;
-- join a table with an unnested list
SELECT d.k, d.name FROM ns.dim d JOIN unnest([3, 5, 7, 500]) u(v) ON d.k = u.v ORDER BY d.k;
-- IN over an unnested list
SELECT count(*) AS n FROM ns.wide WHERE k IN (SELECT x FROM unnest([1, 2, 3]) t(x));
-- range and generate_series
SELECT count(*) AS n, sum(range) AS s FROM range(10);
-- generate_series with a step
SELECT * FROM generate_series(1, 10, 3) ORDER BY 1;
-- range counting down
SELECT * FROM range(5, 0, -2) ORDER BY 1;
-- a calendar from generate_series joined to events
SELECT g.d, count(e.id) AS n FROM generate_series(0, 3) g(d) LEFT JOIN ns.events e ON e.batch = g.d GROUP BY g.d ORDER BY g.d;
-- list literals
SELECT [1, 2, 3] AS l, ['x', NULL] AS s;
-- unnest in the select list, NULL elements kept
SELECT unnest([1, 2, NULL]) AS x;
-- unnest in the select list repeats the other columns, once per element
SELECT k, unnest(string_split(name, '_')) AS part FROM ns.dim WHERE k < 3 ORDER BY k, part;
-- unnest of an empty list gives no rows
SELECT k, unnest(CAST([] AS INTEGER[])) AS v FROM ns.dim WHERE k < 3;
-- unnest feeding an aggregate in a subquery
SELECT part, count(*) AS n FROM (SELECT unnest(string_split(s, ',')) AS part FROM ns.wide WHERE s LIKE 'a,b,%') t GROUP BY part ORDER BY part;
