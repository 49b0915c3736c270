-- Unknown tables, namespaces, columns and functions: the message names
-- what is missing.

-- expect: nosuch
SELECT * FROM ns.nosuch
-- expect: nons
SELECT * FROM nons.wide
-- expect: catt
SELECT catt FROM ns.wide
-- expect: idd
SELECT id FROM ns.wide WHERE idd = 1
-- expect: zzz
SELECT k FROM ns.wide GROUP BY zzz
-- expect: zzz
SELECT k FROM ns.wide ORDER BY zzz
-- expect: nofield
SELECT st.nofield FROM ns.wide
-- expect: xx
SELECT xx.id FROM ns.wide
-- expect: w2
SELECT w2.id FROM ns.wide w
-- expect: frobnicate
SELECT frobnicate(k) FROM ns.wide
-- expect: no_such_agg
SELECT no_such_agg(k) FROM ns.wide
-- expect: regionn
SELECT regionn FROM ns.dim
-- expect: wide$nosuch|nosuch
SELECT count(*) FROM ns."wide$nosuch"
-- expect: nosuch
SELECT count(*) FROM ns."nosuch$snapshots"
-- expect: wide
SELECT * FROM wide
-- expect: ns.x.y|x.y|not found|does not exist|unknown
SELECT * FROM ns.x.y
-- expect: ü
SELECT ü FROM ns.wide
-- expect: colx
SELECT count(colx) FROM ns.wide
-- expect: zz
SELECT cat FROM ns.wide WHERE cat IN (SELECT zz FROM ns.dim)
-- expect: nope
SELECT k FROM ns.dim UNION SELECT nope FROM ns.dim
-- expect: snapshot|version
-- korolev-only: DuckDB has no FOR VERSION AS OF
SELECT count(*) FROM ns.events FOR VERSION AS OF 12345
-- expect: snapshot|timestamp|before
-- korolev-only: DuckDB has no FOR TIMESTAMP AS OF
SELECT count(*) FROM ns.events FOR TIMESTAMP AS OF '1999-01-01 00:00:00'
-- expect: date_part|extract|unit|part|fortnight
SELECT extract(fortnight FROM dt) FROM ns.wide
-- expect: date_trunc|unit|part|fortnight
SELECT date_trunc('fortnight', ts) FROM ns.wide
