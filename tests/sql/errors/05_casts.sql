-- Bad casts and bad literals of dates and times.

-- expect: cast|convert|invalid|abc
SELECT CAST('abc' AS INTEGER)
-- expect: cast|convert|invalid|out of range|overflow
SELECT CAST('99999999999' AS INTEGER)
-- expect: cast|convert|invalid|out of range|overflow
SELECT CAST(big AS INTEGER) FROM ns.wide
-- expect: cast|convert|invalid|out of range|overflow
SELECT CAST(i32 AS SMALLINT) FROM ns.wide
-- expect: cast|convert|invalid|out of range|overflow
SELECT CAST(300 AS TINYINT)
-- expect: cast|convert|invalid|out of range|overflow|decimal
SELECT CAST(d9 AS DECIMAL(3,1)) FROM ns.wide
-- expect: cast|convert|invalid|out of range|overflow
SELECT CAST(fx AS BIGINT) FROM ns.wide
-- expect: cast|convert|invalid|nan|out of range
SELECT CAST(CAST('NaN' AS DOUBLE) AS INTEGER)
-- expect: cast|convert|invalid|x1
SELECT CAST('1.5x1' AS DOUBLE)
-- expect: cast|convert|invalid|decimal|abc
SELECT CAST('abc' AS DECIMAL(9,2))
-- expect: cast|convert|invalid|date|out of range|2023-02-29
SELECT CAST('2023-02-29' AS DATE)
-- expect: cast|convert|invalid|date|out of range|2024-13-01
SELECT CAST('2024-13-01' AS DATE)
-- expect: cast|convert|invalid|date|out of range|2024-04-31
SELECT DATE '2024-04-31'
-- expect: cast|convert|invalid|date|yesterday
SELECT DATE 'yesterday-ish'
-- expect: cast|convert|invalid|timestamp|out of range|25:00
SELECT TIMESTAMP '2024-01-01 25:00:00'
-- expect: cast|convert|invalid|time|out of range|61
SELECT TIME '12:61:00'
-- expect: cast|convert|invalid|timestamp|garbage
SELECT CAST('garbage' AS TIMESTAMP)
-- expect: cast|convert|invalid|bool|maybe
SELECT CAST('maybe' AS BOOLEAN)
-- expect: cast|convert|invalid|uuid|not-a-uuid
SELECT CAST('not-a-uuid' AS UUID)
-- expect: cast|convert|invalid|interval|fortnights
SELECT DATE '2024-01-01' + INTERVAL '3 fortnights'
-- expect: cast|convert|invalid|date|str
SELECT CAST(s AS DATE) FROM ns.wide
-- expect: cast|convert|invalid|int|str
SELECT CAST(s AS INTEGER) FROM ns.wide
-- expect: cast|convert|invalid|struct|integer|unsupported
SELECT CAST(st AS INTEGER) FROM ns.wide
-- expect: cast|convert|invalid|list|date|unsupported
SELECT CAST(li AS DATE) FROM ns.wide
-- expect: type|unknown|notatype
SELECT CAST(k AS NOTATYPE) FROM ns.wide
-- expect: cast|convert|invalid|decimal|precision|width|scale
SELECT CAST(k AS DECIMAL(40,2)) FROM ns.wide
-- expect: cast|convert|invalid|decimal|precision|width|scale
SELECT CAST(k AS DECIMAL(5,7)) FROM ns.wide
