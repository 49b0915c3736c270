-- Semantic errors: aggregates where they are not allowed, columns that are
-- neither grouped nor aggregated, bad ordinals, mismatched UNIONs.

-- expect: aggregate|where
SELECT id FROM ns.wide WHERE count(*) > 1
-- expect: aggregate|where
SELECT id FROM ns.wide WHERE sum(k) > 0 AND k > 1
-- expect: aggregate|group by
SELECT id FROM ns.wide GROUP BY count(*)
-- expect: aggregate|nested
SELECT sum(count(*)) FROM ns.wide
-- expect: aggregate|nested
SELECT max(min(k)) FROM ns.wide GROUP BY cat
-- expect: group by|grouped|aggregate
SELECT cat, k FROM ns.wide GROUP BY cat
-- expect: group by|grouped|aggregate
SELECT id, count(*) FROM ns.wide
-- expect: group by|grouped|aggregate
SELECT cat, count(*) FROM ns.wide GROUP BY cat HAVING s = 'x'
-- expect: group by|grouped|aggregate
SELECT cat, count(*) FROM ns.wide GROUP BY cat ORDER BY k
-- expect: group by|grouped|aggregate
SELECT k % 10, id FROM ns.wide GROUP BY k % 10
-- expect: order by|position|out of range|ordinal|column
SELECT id, k FROM ns.wide ORDER BY 5
-- expect: order by|position|out of range|ordinal|column
SELECT id, k FROM ns.wide ORDER BY 0
-- expect: group by|position|out of range|ordinal|column
SELECT cat, count(*) FROM ns.wide GROUP BY 9
-- expect: group by|position|out of range|ordinal|aggregate
SELECT cat, count(*) FROM ns.wide GROUP BY 2
-- expect: union|column|number|same
SELECT id, k FROM ns.wide UNION SELECT id FROM ns.wide
-- expect: union|column|number|same
SELECT 1 UNION ALL SELECT 1, 2
-- expect: limit|negative|must|cannot
SELECT id FROM ns.wide LIMIT -1
-- expect: offset|negative|must|cannot
SELECT id FROM ns.wide LIMIT 1 OFFSET -5
-- expect: limit|integer|type|convert|cast|must
SELECT id FROM ns.wide LIMIT 'ten'
-- expect: having|group by|aggregate|grouped
SELECT count(*) FROM ns.wide HAVING s = 'a'
