-- CAST and TRY_CAST between the types; failing casts must fail on both
-- sides (DuckDB: Conversion Error) and TRY_CAST must give NULL instead.

-- integer widening and narrowing that fits
SELECT id, CAST(i8 AS BIGINT) AS a, CAST(i32 AS DOUBLE) AS b, CAST(i16 AS INTEGER) AS c FROM ns.wide WHERE id < 100;
-- narrowing that overflows fails
SELECT CAST(i32 AS SMALLINT) AS x FROM ns.wide WHERE id = 5;
-- TRY_CAST narrowing gives NULL on overflow
SELECT id, TRY_CAST(i32 AS SMALLINT) AS x FROM ns.wide WHERE id < 100;
-- int64 to int32 overflow fails
SELECT CAST(big AS INTEGER) AS x FROM ns.wide WHERE id = 1;
-- decimal to integer rounds half away from zero
SELECT CAST(2.5 AS INTEGER) AS a, CAST(-2.5 AS INTEGER) AS b, CAST(3.7 AS INTEGER) AS c, CAST(3.2 AS BIGINT) AS d;
-- double to integer rounds to nearest, ties to even
SELECT CAST(CAST(2.5 AS DOUBLE) AS INTEGER) AS a, CAST(CAST(3.5 AS DOUBLE) AS INTEGER) AS b, CAST(CAST(-2.7 AS DOUBLE) AS BIGINT) AS c;
-- decimal column to integer
SELECT id, CAST(d9 AS INTEGER) AS a, CAST(d18 AS BIGINT) AS b FROM ns.wide WHERE id < 200;
-- integer to decimal
SELECT id, CAST(i16 AS DECIMAL(9,2)) AS a, CAST(k AS DECIMAL(18,4)) AS b FROM ns.wide WHERE id < 100;
-- decimal rescaling rounds
SELECT id, CAST(d18 AS DECIMAL(18,1)) AS a, CAST(d9 AS DECIMAL(12,0)) AS b FROM ns.wide WHERE id < 100;
-- decimal that does not fit fails
SELECT CAST(d9 AS DECIMAL(4,2)) AS x FROM ns.wide WHERE id = 1;
-- TRY_CAST decimal that does not fit
SELECT id, TRY_CAST(d9 AS DECIMAL(5,2)) AS x FROM ns.wide WHERE id < 50;
-- double to decimal
SELECT id, CAST(dx AS DECIMAL(12,3)) AS x FROM ns.wide WHERE id < 100;
-- string to integer, with blanks
SELECT CAST('42' AS INTEGER) AS a, CAST('  -7 ' AS BIGINT) AS b, CAST('+3' AS INTEGER) AS c;
-- bad string to integer fails
SELECT CAST('12abc' AS INTEGER) AS x;
-- TRY_CAST of strings to numbers
SELECT id, s, TRY_CAST(s AS INTEGER) AS i, TRY_CAST(s AS DOUBLE) AS d FROM ns.wide WHERE id < 60;
-- string to double, special values
SELECT CAST('1.5e3' AS DOUBLE) AS a, CAST('-0.25' AS DOUBLE) AS b, CAST('NaN' AS DOUBLE) AS c, CAST('-Infinity' AS DOUBLE) AS d;
-- string to decimal
SELECT CAST('123.456' AS DECIMAL(9,3)) AS a, CAST('-0.5' AS DECIMAL(9,2)) AS b;
-- string to date and back
SELECT CAST('2024-02-29' AS DATE) AS d, CAST(DATE '2024-02-29' AS VARCHAR) AS s;
-- invalid date fails
SELECT CAST('2023-02-29' AS DATE) AS x;
-- TRY_CAST of invalid dates
SELECT TRY_CAST('2023-02-29' AS DATE) AS a, TRY_CAST('2024-13-01' AS DATE) AS b, TRY_CAST('2024-01-01' AS DATE) AS c;
-- string to timestamp
SELECT CAST('2024-01-31 13:45:00.123456' AS TIMESTAMP) AS a, CAST('2024-01-31' AS TIMESTAMP) AS b;
-- string to boolean
SELECT CAST('true' AS BOOLEAN) AS a, CAST('false' AS BOOLEAN) AS b, CAST('t' AS BOOLEAN) AS c, TRY_CAST('maybe' AS BOOLEAN) AS d;
-- numbers to strings
SELECT id, CAST(i32 AS VARCHAR) AS a, CAST(d9 AS VARCHAR) AS b, CAST(big AS VARCHAR) AS c FROM ns.wide WHERE id < 50;
-- doubles to strings
SELECT CAST(CAST(0.1 AS DOUBLE) AS VARCHAR) AS a, CAST(CAST(1.5 AS DOUBLE) AS VARCHAR) AS b, CAST(CAST(-2 AS DOUBLE) AS VARCHAR) AS c;
-- booleans to strings and integers
SELECT a, CAST(a AS VARCHAR) AS s, CAST(a AS INTEGER) AS i FROM ns.tv;
-- integer to boolean
SELECT x, CAST(x AS BOOLEAN) AS t FROM ns.tv;
-- timestamp to date, date to timestamp
SELECT id, CAST(ts AS DATE) AS d, CAST(dt AS TIMESTAMP) AS t FROM ns.wide WHERE id < 60;
-- timestamp to time
SELECT id, CAST(ts AS TIME) AS t FROM ns.wide WHERE id < 60;
-- timestamps and dates to strings
SELECT id, CAST(ts AS VARCHAR) AS a, CAST(dt AS VARCHAR) AS b, CAST(tm AS VARCHAR) AS c FROM ns.wide WHERE id < 60;
-- uuid to string and back
SELECT id, CAST(u AS VARCHAR) AS s FROM ns.wide WHERE id < 30;
-- string to uuid
SELECT CAST('c4ca4238-a0b9-2382-0dcc-509a6f75849b' AS UUID) AS u;
-- cast in a filter
SELECT count(*) AS n FROM ns.wide WHERE CAST(k AS VARCHAR) = '42';
-- cast of NULL keeps NULL
SELECT CAST(NULL AS INTEGER) AS a, CAST(s AS INTEGER) AS b FROM ns.nulls;
-- :: shorthand
SELECT id, k::BIGINT AS a, '7'::INTEGER AS b FROM ns.wide WHERE id < 5;
-- TRY_CAST that succeeds everywhere
SELECT sum(TRY_CAST(k AS BIGINT)) AS s FROM ns.wide;
-- float to double keeps the float value
SELECT id, CAST(f32 AS DOUBLE) AS d FROM ns.wide WHERE id < 40;
