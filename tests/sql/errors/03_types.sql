-- Wrong types: operators and functions over types they do not take.

-- expect: type|operator|no function|cannot|mismatch|varchar|string
SELECT s + 1 FROM ns.wide
-- expect: type|operator|no function|cannot|mismatch|date
SELECT dt + dt FROM ns.wide
-- expect: type|operator|no function|cannot|mismatch|bool
SELECT b * 2 FROM ns.wide
-- expect: type|operator|no function|cannot|mismatch|struct
SELECT st + 1 FROM ns.wide
-- expect: type|operator|no function|cannot|mismatch|list
SELECT li * 2 FROM ns.wide
-- expect: type|no function|cannot|mismatch|sum|varchar|string
SELECT sum(s) FROM ns.wide
-- expect: type|no function|cannot|mismatch|avg|varchar|string
SELECT avg(cat) FROM ns.wide
-- expect: type|no function|cannot|mismatch|sum|date
SELECT sum(dt) FROM ns.wide
-- expect: type|no function|cannot|mismatch|stddev|varchar|string
SELECT stddev(s) FROM ns.wide
-- expect: type|no function|cannot|mismatch|length|integer|int
SELECT length(k) FROM ns.wide
-- expect: type|no function|cannot|mismatch|upper|date
SELECT upper(dt) FROM ns.wide
-- expect: type|no function|cannot|mismatch|substring|bool
SELECT substring(b, 1, 2) FROM ns.wide
-- expect: type|cannot|convert|cast|boolean|mismatch
SELECT id FROM ns.wide WHERE s
-- expect: type|cannot|convert|cast|boolean|mismatch|varchar
SELECT id FROM ns.wide WHERE cat AND b
-- expect: type|operator|no function|cannot|mismatch|varchar|string
SELECT -s FROM ns.wide
-- expect: type|cannot|convert|cast|boolean|mismatch|not
SELECT NOT s FROM ns.wide
-- expect: type|cannot|convert|cast|mismatch|date|compare
SELECT count(*) FROM ns.wide WHERE dt = 5
-- expect: type|cannot|convert|cast|mismatch|blob|compare
SELECT count(*) FROM ns.wide WHERE bl > 5
-- expect: type|cannot|convert|cast|mismatch|struct|compare
SELECT count(*) FROM ns.wide WHERE st = 1
-- expect: type|cannot|convert|cast|mismatch|list|compare
SELECT count(*) FROM ns.wide WHERE li = 'x'
-- expect: type|cannot|convert|cast|mismatch|map|key
SELECT m[1] FROM ns.wide
-- expect: type|cannot|subscript|index|struct|extract|mismatch
SELECT st[1] FROM ns.wide
-- expect: type|cannot|subscript|index|integer|extract|mismatch
SELECT k[1] FROM ns.wide
-- expect: type|cannot|field|struct|mismatch
SELECT k.a FROM ns.wide
-- expect: type|no function|cannot|mismatch|regexp_matches|integer
SELECT regexp_matches(k, 'a') FROM ns.wide
-- expect: type|no function|cannot|mismatch|starts_with|integer
SELECT starts_with(k, 1) FROM ns.wide
-- expect: type|no function|cannot|mismatch|like|integer
SELECT count(*) FROM ns.wide WHERE k LIKE 1
-- expect: type|cannot|convert|cast|mismatch|case|then
SELECT CASE WHEN k > 1 THEN dt ELSE st END FROM ns.wide
-- expect: type|cannot|convert|cast|mismatch|union|column
SELECT st FROM ns.one UNION ALL SELECT dt FROM ns.one
-- expect: type|no function|cannot|mismatch|extract|date_part|varchar
SELECT extract(year FROM s) FROM ns.wide
-- expect: type|no function|cannot|mismatch|date_trunc|integer
SELECT date_trunc('month', k) FROM ns.wide
-- expect: type|cannot|interval|mismatch|operator|no function
SELECT s + INTERVAL 1 DAY FROM ns.wide
-- expect: type|cannot|convert|cast|mismatch|coalesce
SELECT coalesce(st, li) FROM ns.wide
-- expect: type|cannot|convert|cast|mismatch
SELECT count(*) FROM ns.wide WHERE dt IN (1, 2)
