-- Predicates: comparisons, three-valued logic, IS [NOT] NULL, IN, BETWEEN,
-- CASE, COALESCE, NULLIF.  ns.tv holds every combination of two nullable
-- booleans a, b and two nullable integers x, y.

-- AND, OR, NOT truth tables with NULL
SELECT a, b, a AND b AS a_and_b, a OR b AS a_or_b, NOT a AS not_a FROM ns.tv;
-- WHERE keeps only TRUE rows (NULL is not TRUE)
SELECT a, b FROM ns.tv WHERE a AND b;
-- WHERE with OR and NULLs
SELECT a, b FROM ns.tv WHERE a OR b;
-- WHERE NOT of NULL drops the row
SELECT a, b FROM ns.tv WHERE NOT (a AND b);
-- comparisons with NULL are NULL
SELECT x, y, x = y AS eq, x <> y AS ne, x < y AS lt, x >= y AS ge FROM ns.tv;
-- IS NULL and IS NOT NULL
SELECT x, y, x IS NULL AS xn, y IS NOT NULL AS ynn FROM ns.tv;
-- IS TRUE / IS FALSE / IS NOT TRUE never return NULL
SELECT a, a IS TRUE AS t, a IS FALSE AS f, a IS NOT TRUE AS nt, a IS NOT FALSE AS nf FROM ns.tv;
-- IS DISTINCT FROM treats NULLs as equal
SELECT x, y, x IS DISTINCT FROM y AS d, x IS NOT DISTINCT FROM y AS nd FROM ns.tv;
-- count of rows where a predicate is NULL
SELECT count(*) AS n FROM ns.tv WHERE (x > y) IS NULL;
-- IN list with a NULL element: NULL when not found
SELECT x, x IN (1, 4, NULL) AS in_list, x NOT IN (1, 4, NULL) AS not_in FROM ns.tv;
-- IN list without NULLs
SELECT x, x IN (0, 1, 2) AS i, x NOT IN (0, 1, 2) AS ni FROM ns.tv;
-- IN in WHERE over a large table
SELECT count(*) AS n FROM ns.wide WHERE k IN (1, 3, 5, 7, 11, 13);
-- NOT IN in WHERE (rows with NULL k are dropped)
SELECT count(*) AS n FROM ns.wide WHERE k NOT IN (1, 3, 5, 7, 11, 13);
-- NOT IN with a NULL in the list keeps nothing
SELECT count(*) AS n FROM ns.wide WHERE k NOT IN (1, NULL);
-- IN of strings
SELECT cat, count(*) AS n FROM ns.wide WHERE cat IN ('a', 'k01', 'k19', 'nope') GROUP BY cat;
-- IN of dates
SELECT id, dt FROM ns.wide WHERE dt IN (DATE '0001-01-01', DATE '9999-12-31', DATE '2000-02-29');
-- IN of decimals
SELECT id FROM ns.wide WHERE d9 IN (9999999.99, -9999999.99);
-- BETWEEN is inclusive
SELECT count(*) AS n FROM ns.wide WHERE k BETWEEN 10 AND 20;
-- NOT BETWEEN
SELECT count(*) AS n FROM ns.wide WHERE k NOT BETWEEN 10 AND 89;
-- BETWEEN with reversed bounds is empty
SELECT count(*) AS n FROM ns.wide WHERE k BETWEEN 20 AND 10;
-- BETWEEN on strings and timestamps
SELECT count(*) AS n FROM ns.wide WHERE cat BETWEEN 'k03' AND 'k07' AND ts BETWEEN TIMESTAMP '2021-01-01' AND TIMESTAMP '2022-01-01';
-- BETWEEN with NULL bounds
SELECT x, x BETWEEN 1 AND y AS bt FROM ns.tv;
-- simple CASE
SELECT k, CASE k WHEN 1 THEN 'one' WHEN 2 THEN 'two' ELSE 'many' END AS word FROM ns.dim WHERE k < 5;
-- searched CASE without ELSE gives NULL
SELECT x, CASE WHEN x > 5 THEN 'big' WHEN x > 1 THEN 'mid' END AS size FROM ns.tv;
-- CASE on a NULL condition takes the ELSE
SELECT a, CASE WHEN a THEN 1 ELSE 0 END AS v FROM ns.tv;
-- simple CASE never matches NULL
SELECT x, CASE x WHEN NULL THEN 'null' ELSE 'other' END AS v FROM ns.tv;
-- CASE mixing integer and decimal branches
SELECT id, CASE WHEN k > 50 THEN d9 ELSE 0 END AS v FROM ns.wide WHERE id < 100;
-- nested CASE
SELECT id, CASE WHEN b THEN CASE WHEN k > 50 THEN 'tb' ELSE 'ts' END ELSE 'f' END AS v FROM ns.wide WHERE id < 200;
-- CASE in an aggregate
SELECT sum(CASE WHEN cat = 'a' THEN 1 ELSE 0 END) AS a_rows, sum(CASE WHEN cat IS NULL THEN 1 END) AS null_rows FROM ns.wide;
-- COALESCE picks the first non-NULL
SELECT x, y, COALESCE(x, y, -1) AS c FROM ns.tv;
-- COALESCE over strings of the wide table
SELECT id, COALESCE(s, cat, 'none') AS c FROM ns.wide WHERE id < 100;
-- COALESCE of all NULLs is NULL
SELECT COALESCE(i, l) AS c FROM ns.nulls;
-- NULLIF
SELECT x, NULLIF(x, 4) AS n, NULLIF(x, NULL) AS n2 FROM ns.tv;
-- NULLIF on strings
SELECT count(NULLIF(s, '')) AS nonempty, count(s) AS all_s FROM ns.wide;
-- comparison operators on every type
SELECT count(*) AS n FROM ns.wide WHERE i8 < 0 AND i16 >= 0 AND i32 <> 0 AND i64 > 0 AND d18 <= 0;
-- != is <>
SELECT count(*) AS n FROM ns.wide WHERE k != 5;
-- comparisons of doubles with NaN (NaN is the largest value in DuckDB)
SELECT id, fx > 0 AS pos, fx = fx AS self FROM ns.wide WHERE id < 12;
-- -0.0 equals 0.0
SELECT count(*) AS n FROM ns.wide WHERE fx = 0;
-- boolean column compared to literals
SELECT count(*) AS t FROM ns.wide WHERE b = true;
-- boolean in WHERE directly
SELECT count(*) AS n FROM ns.wide WHERE b;
-- NOT of a boolean column
SELECT count(*) AS n FROM ns.wide WHERE NOT b;
-- predicate on a timestamp with time zone
SELECT count(*) AS n FROM ns.wide WHERE tz >= TIMESTAMPTZ '2022-01-01 00:00:00+00';
-- predicate on uuid
SELECT id FROM ns.wide WHERE u = 'c4ca4238-a0b9-2382-0dcc-509a6f75849b';
-- predicate on time
SELECT count(*) AS n FROM ns.wide WHERE tm BETWEEN TIME '10:00:00' AND TIME '11:00:00';
-- predicate on blob
SELECT count(*) AS n FROM ns.wide WHERE bl = 'blob7'::BLOB;
-- deep AND/OR mix with parentheses
SELECT count(*) AS n FROM ns.wide WHERE (k < 10 OR k > 90) AND (cat = 'a' OR (b AND i8 > 0)) AND NOT (s IS NULL);
-- OR of IS NULL tests
SELECT count(*) AS n FROM ns.wide WHERE i8 IS NULL OR i16 IS NULL OR s IS NULL;
-- contradiction returns nothing
SELECT id FROM ns.wide WHERE k = 1 AND k = 2;
-- tautology with NULLs: k = k is NULL for NULL k
SELECT count(*) AS n FROM ns.wide WHERE k = k;
-- filter on the int64 extremes
SELECT id, big FROM ns.wide WHERE big >= 9223372036854775806 OR big <= -9223372036854775807;
-- filter on decimal(38,10) extremes
SELECT id FROM ns.wide WHERE d38 > 1000000000000.0 OR d38 < -1000000000000.0;
-- filter on far dates
SELECT id, dt FROM ns.wide WHERE dt < DATE '1900-01-01' OR dt > DATE '2100-01-01';
-- filter on far timestamps
SELECT id, ts FROM ns.wide WHERE ts < TIMESTAMP '1970-01-01' OR ts > TIMESTAMP '3000-01-01';
