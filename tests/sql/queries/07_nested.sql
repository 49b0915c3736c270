-- Nested access: struct.field, list[i] (1-based; out of range is NULL),
-- map['k'] (a missing key is NULL).

-- struct fields
SELECT id, st.a AS a, st.b AS b FROM ns.wide WHERE id < 60;
-- struct field in a filter
SELECT count(*) AS n FROM ns.wide WHERE st.a > 40;
-- struct field that is NULL inside a non-NULL struct
SELECT count(*) AS n FROM ns.wide WHERE st IS NOT NULL AND st.a IS NULL;
-- group by a struct field
SELECT st.b AS b, count(*) AS n, sum(st.a) AS s FROM ns.wide GROUP BY 1;
-- struct field through a table alias
SELECT w.st.a AS a FROM ns.wide w WHERE w.id < 10;
-- list elements
SELECT id, li[1] AS first, li[2] AS second, li[3] AS third FROM ns.wide WHERE id < 60;
-- list element past the end is NULL
SELECT id, li[4] AS fourth, li[10] AS tenth FROM ns.wide WHERE id < 30;
-- list element of an empty list and of a list with a NULL inside
SELECT id, li, li[1] AS first, li[2] AS second FROM ns.wide WHERE id IN (1, 2, 30, 31);
-- list element in a filter
SELECT count(*) AS n FROM ns.wide WHERE li[1] = 3;
-- list element with a computed index
SELECT id, li[1 + id % 3] AS x FROM ns.wide WHERE id < 40;
-- group by a list element
SELECT li[2] AS e, count(*) AS n FROM ns.wide GROUP BY 1;
-- map values by key
SELECT id, m['k1'] AS k1, m['k2'] AS k2, m['k3'] AS k3 FROM ns.wide WHERE id < 60;
-- missing map key is NULL
SELECT id, m['nope'] AS x FROM ns.wide WHERE id < 20;
-- map value in a filter and an aggregate
SELECT count(*) AS n, sum(m['k1']) AS s FROM ns.wide WHERE m['k3'] = 7;
-- map value that is NULL
SELECT count(*) AS n FROM ns.wide WHERE m IS NOT NULL AND m['k2'] IS NULL;
-- nested values of the empty table
SELECT st.a AS a, li[1] AS b, m['k1'] AS c FROM ns.empty;
-- struct and list of the one-row table
SELECT st.a AS a, st.b AS b, li[1] AS l1, m['k1'] AS m1 FROM ns.one;
