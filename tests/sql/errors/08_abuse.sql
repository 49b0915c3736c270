-- Abusive input: stray characters, unbalanced and misplaced tokens.
-- (Empty and comment-only input may succeed with no output or fail
-- cleanly: those are generated cases of tests/sql/run_errors.mjs.)
-- (Generated cases - 5,000 nested parentheses, 100,000-item IN lists,
-- 100,000-character identifiers and 1 MB strings - are built by
-- tests/sql/run_errors.mjs.)

-- expect: /[0-9]+:[0-9]+/|/line [0-9]+/
SELECT 1 FROM ns.wide WHERE k = 1 ;; SELECT
-- expect: /[0-9]+:[0-9]+/|/line [0-9]+/
SELECT 'a' 'b' 'c' + FROM
-- expect: /[0-9]+:[0-9]+/|/line [0-9]+/
SELECT ))))((((
-- expect: /[0-9]+:[0-9]+/|/line [0-9]+/
SELECT 1 FROM ns.wide WHERE k = 1 AND ( OR )
-- expect: /[0-9]+:[0-9]+/|/line [0-9]+/
SELECT id FROM ns.wide ORDER BY id LIMIT 1 OFFSET
-- expect: /[0-9]+:[0-9]+/|/line [0-9]+/|`
SELECT `id` FROM ns.wide
-- expect: /[0-9]+:[0-9]+/|/line [0-9]+/
SELECT id FROM ns.wide WHERE k = 1 #
-- expect: /[0-9]+:[0-9]+/|/line [0-9]+/|☃
SELECT ☃ FROM ns.wide
-- expect: /[0-9]+:[0-9]+/|/line [0-9]+/
SELECT "" FROM ns.wide
-- expect: /[0-9]+:[0-9]+/|/line [0-9]+/
SELECT * FROM ns.
-- expect: /[0-9]+:[0-9]+/|/line [0-9]+/
SELECT * FROM .wide
-- expect: /[0-9]+:[0-9]+/|/line [0-9]+/
SELECT CASE CASE CASE END END END
