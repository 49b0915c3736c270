-- Syntax errors.  Each case: `-- expect: A|B|/regex/` (the message must
-- contain one alternative, case-insensitively), then the statement, up to
-- the next `-- expect:`.  `-- korolev-only: why` marks a case DuckDB
-- accepts (the self-check then does not require DuckDB to reject it).
-- Syntax errors must give a position (line:column or "line N").

-- expect: /[0-9]+:[0-9]+/|/line [0-9]+/
SELEC 1
-- expect: /[0-9]+:[0-9]+/|/line [0-9]+/
SELECT FROM ns.wide
-- expect: /[0-9]+:[0-9]+/|/line [0-9]+/
SELECT 1 +
-- expect: /[0-9]+:[0-9]+/|/line [0-9]+/
SELECT (1
-- expect: /[0-9]+:[0-9]+/|/line [0-9]+/
SELECT 1)
-- expect: /[0-9]+:[0-9]+/|/line [0-9]+/
SELECT ((1 + 2) * 3
-- expect: /[0-9]+:[0-9]+/|/line [0-9]+/
SELECT id,, k FROM ns.wide
-- expect: /[0-9]+:[0-9]+/|/line [0-9]+/
SELECT id k l FROM ns.wide
-- expect: /[0-9]+:[0-9]+/|/line [0-9]+/
SELECT id FROM
-- expect: /[0-9]+:[0-9]+/|/line [0-9]+/
SELECT id FROM ns.wide WHERE
-- expect: /[0-9]+:[0-9]+/|/line [0-9]+/
SELECT id FROM ns.wide WHERE k = = 1
-- expect: /[0-9]+:[0-9]+/|/line [0-9]+/
SELECT id FROM ns.wide GROUP k
-- expect: /[0-9]+:[0-9]+/|/line [0-9]+/
SELECT id FROM ns.wide ORDER id
-- expect: /[0-9]+:[0-9]+/|/line [0-9]+/
SELECT id FROM ns.wide ORDER BY
-- expect: /[0-9]+:[0-9]+/|/line [0-9]+/
SELECT id FROM ns.wide LIMIT
-- expect: /[0-9]+:[0-9]+/|/line [0-9]+/
SELECT id FROM ns.wide WHERE k IN ()
-- expect: /[0-9]+:[0-9]+/|/line [0-9]+/
SELECT id FROM ns.wide WHERE k IN (1, 2
-- expect: /[0-9]+:[0-9]+/|/line [0-9]+/
SELECT id FROM ns.wide WHERE k BETWEEN 1
-- expect: /[0-9]+:[0-9]+/|/line [0-9]+/
SELECT CASE WHEN k = 1 THEN 'a' FROM ns.wide
-- expect: /[0-9]+:[0-9]+/|/line [0-9]+/
SELECT CASE END FROM ns.wide
-- expect: /[0-9]+:[0-9]+/|/line [0-9]+/
SELECT CAST(k AS) FROM ns.wide
-- expect: /[0-9]+:[0-9]+/|/line [0-9]+/
SELECT CAST(k INTEGER) FROM ns.wide
-- expect: /[0-9]+:[0-9]+/|/line [0-9]+/
SELECT 'unterminated
-- expect: /[0-9]+:[0-9]+/|/line [0-9]+/
SELECT "unterminated FROM ns.wide
-- expect: /[0-9]+:[0-9]+/|/line [0-9]+/
SELECT 1 /* unterminated comment
-- expect: /[0-9]+:[0-9]+/|/line [0-9]+/
SELECT 1 UNION
-- expect: /[0-9]+:[0-9]+/|/line [0-9]+/
SELECT 1 UNION ALL ALL SELECT 2
-- expect: /[0-9]+:[0-9]+/|/line [0-9]+/
SELECT id FROM ns.wide WHERE k LIKE
-- expect: /[0-9]+:[0-9]+/|/line [0-9]+/
SELECT id FROM ns.wide WHERE k IS
-- expect: /[0-9]+:[0-9]+/|/line [0-9]+/
SELECT id FROM ns.wide WHERE NOT
-- expect: /[0-9]+:[0-9]+/|/line [0-9]+/
SELECT li[ FROM ns.wide
-- expect: /[0-9]+:[0-9]+/|/line [0-9]+/
SELECT st. FROM ns.wide
-- expect: /[0-9]+:[0-9]+/|/line [0-9]+/
SELECT 1 2
-- expect: /[0-9]+:[0-9]+/|/line [0-9]+/
SELECT @ FROM ns.wide
-- expect: /[0-9]+:[0-9]+/|/line [0-9]+/
SELECT id FROM ns.wide
WHERE k = 1
  AND AND k = 2
-- expect: /[0-9]+:[0-9]+/|/line [0-9]+/
SELECT id FROM ns.wide LIMIT 5 LIMIT 6
-- expect: /[0-9]+:[0-9]+/|/line [0-9]+/
SELECT count(*) FROM ns.wide GROUP BY
-- expect: /[0-9]+:[0-9]+/|/line [0-9]+/
SELECT DISTINCT FROM ns.wide
-- expect: /[0-9]+:[0-9]+/|/line [0-9]+/
FROM WHERE SELECT
-- expect: /[0-9]+:[0-9]+/|/line [0-9]+/|interval
SELECT INTERVAL FROM ns.wide
-- expect: /[0-9]+:[0-9]+/|/line [0-9]+/
SELECT id FROM ns.wide FOR VERSION AS OF
