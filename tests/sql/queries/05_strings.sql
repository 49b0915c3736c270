-- String functions: length, lower, upper, substring, trim, concat, ||,
-- replace, split_part, starts_with, regexp_matches, LIKE and ILIKE; over
-- empty, unicode, padded and 3,000-byte strings.

-- length counts characters, not bytes
SELECT id, s, length(s) AS n FROM ns.wide WHERE id < 60;
-- length of unicode text
SELECT length('héllo wörld 日本語 🚀') AS n, length('') AS e;
-- length of the long strings
SELECT id, length(s) AS n FROM ns.wide WHERE length(s) > 1000;
-- lower and upper of ASCII
SELECT id, lower(s) AS lo, upper(s) AS up FROM ns.wide WHERE id < 60;
-- lower and upper of unicode
SELECT lower('ÉCOLE Straße') AS lo, upper('héllo wörld') AS up;
-- substring with start and length
SELECT id, substring(s, 2, 3) AS a FROM ns.wide WHERE id < 60;
-- substring without a length
SELECT id, substring(s, 3) AS a FROM ns.wide WHERE id < 60;
-- substring beyond the end and from position 0
SELECT substring('hello', 4, 10) AS a, substring('hello', 9) AS b, substring('hello', 0, 2) AS c;
-- substring of unicode counts characters
SELECT substring('日本語テキスト', 2, 3) AS a, substring('héllo', 2, 1) AS b;
-- substring ... FROM ... FOR syntax
SELECT substring('abcdef' FROM 2 FOR 3) AS a;
-- trim, ltrim, rtrim of blanks
SELECT id, '[' || trim(s) || ']' AS t, '[' || ltrim(s) || ']' AS l, '[' || rtrim(s) || ']' AS r FROM ns.wide WHERE s LIKE '  padded%' AND id < 2000;
-- trim of other characters
SELECT trim('xxhixx', 'x') AS a, ltrim('--a--', '-') AS b, rtrim('a..', '.') AS c;
-- concat skips NULLs
SELECT id, concat(cat, '-', k, '-', s) AS c FROM ns.wide WHERE id < 60;
-- || propagates NULL
SELECT id, cat || '-' || s AS c FROM ns.wide WHERE id < 60;
-- || with numbers
SELECT k || '' AS a, 'k=' || k AS b FROM ns.dim WHERE k < 5;
-- concat of many arguments
SELECT concat('a', 'b', 'c', 'd', 'e', 1, 2.5, true) AS c;
-- replace
SELECT id, replace(s, 'str_', 'S-') AS r FROM ns.wide WHERE id < 60;
-- replace with an empty pattern result and growth
SELECT replace('aaa', 'a', 'bb') AS a, replace('abc', 'b', '') AS b, replace('abc', 'x', 'y') AS c;
-- split_part
SELECT id, split_part(s, ',', 1) AS p1, split_part(s, ',', 3) AS p3, split_part(s, ',', 9) AS p9 FROM ns.wide WHERE s LIKE 'a,b,%' AND id < 1000;
-- split_part with a multi-character separator
SELECT split_part('a::b::c', '::', 2) AS a, split_part('abc', ',', 1) AS b;
-- starts_with
SELECT count(*) AS n FROM ns.wide WHERE starts_with(s, 'str_1');
-- starts_with with an empty prefix is true except for NULL
SELECT count(*) AS n FROM ns.wide WHERE starts_with(s, '');
-- regexp_matches finds a match anywhere
SELECT count(*) AS n FROM ns.wide WHERE regexp_matches(s, '^str_[0-9]{3}$');
-- regexp_matches with classes and alternation
SELECT id, s FROM ns.wide WHERE regexp_matches(s, '^(x[0-9]+y|HELLO_[13])$') AND id < 300;
-- regexp_matches on unicode
SELECT count(*) AS n FROM ns.wide WHERE regexp_matches(s, '日本');
-- regexp_matches returns a boolean column
SELECT id, regexp_matches(s, 'l+') AS m FROM ns.wide WHERE id < 40;
-- LIKE with % and _
SELECT count(*) AS n FROM ns.wide WHERE s LIKE 'str\_1%' ESCAPE '\';
-- LIKE with _ wildcards
SELECT count(*) AS n FROM ns.wide WHERE s LIKE 'HELLO__';
-- LIKE matching the whole string only
SELECT count(*) AS n FROM ns.wide WHERE s LIKE 'Hello';
-- NOT LIKE drops NULLs
SELECT count(*) AS n FROM ns.wide WHERE s NOT LIKE '%o%';
-- LIKE with an escaped percent sign
SELECT count(*) AS n FROM ns.wide WHERE s LIKE '100!% sure%' ESCAPE '!';
-- LIKE on the empty string
SELECT count(*) AS n FROM ns.wide WHERE s LIKE '';
-- LIKE with % matches the empty string
SELECT count(*) AS n FROM ns.wide WHERE s LIKE '%';
-- ILIKE ignores case
SELECT count(*) AS n FROM ns.wide WHERE s ILIKE 'hello%';
-- NOT ILIKE
SELECT count(*) AS n FROM ns.wide WHERE s NOT ILIKE '%HELLO%';
-- ILIKE on unicode
SELECT 'HÉLLO' ILIKE 'héllo' AS a, 'ÀB' ILIKE 'àb%' AS b;
-- string comparison is bytewise
SELECT count(*) AS n FROM ns.wide WHERE s > 'Z' AND s < 'b';
-- min and max of strings
SELECT min(s) AS lo, max(s) AS hi FROM ns.wide;
-- string functions compose
SELECT id, upper(substring(trim(s), 1, 5)) || '!' AS x FROM ns.wide WHERE id < 60;
-- functions on NULL strings give NULL
SELECT length(s) AS a, upper(s) AS b, substring(s, 1, 2) AS c, replace(s, 'a', 'b') AS d FROM ns.nulls;
-- group by a string function
SELECT length(s) % 4 AS m, count(*) AS n FROM ns.wide GROUP BY 1;
-- strings from the dimension table
SELECT k, upper(name) AS up, length(region) AS n FROM ns.dim;
-- concatenation of a long string
SELECT id, length(s || s) AS n FROM ns.wide WHERE length(s) > 2000;
