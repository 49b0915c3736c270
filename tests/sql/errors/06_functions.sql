-- Invalid regular expressions, wrong argument counts, bad arguments.

-- expect: regex|regular expression|pattern|parenthes|missing
SELECT regexp_matches(s, '(') FROM ns.wide
-- expect: regex|regular expression|pattern|bracket|missing
SELECT regexp_matches(s, '[a-') FROM ns.wide
-- expect: regex|regular expression|pattern|repeat|nothing|quantifier|repetition
SELECT regexp_matches(s, '*a') FROM ns.wide
-- expect: regex|regular expression|pattern|escape|trailing
SELECT regexp_matches('abc', 'a\')
-- expect: argument|arguments|expects|parameter|substring
SELECT substring() FROM ns.wide
-- expect: argument|arguments|expects|parameter|length
SELECT length(s, s) FROM ns.wide
-- expect: argument|arguments|expects|parameter|split_part
SELECT split_part('a,b') FROM ns.wide
-- expect: argument|arguments|expects|parameter|replace
SELECT replace('a', 'b') FROM ns.wide
-- expect: argument|arguments|expects|parameter|starts_with
SELECT starts_with('a') FROM ns.wide
-- expect: argument|arguments|expects|parameter|lower
SELECT lower() FROM ns.wide
-- expect: argument|arguments|expects|parameter|upper
SELECT upper(s, 1) FROM ns.wide
-- expect: argument|arguments|expects|parameter|nullif|/[0-9]+:[0-9]+/|/line [0-9]+/
SELECT nullif(k) FROM ns.wide
-- expect: argument|arguments|expects|parameter|regexp_matches
SELECT regexp_matches(s) FROM ns.wide
-- expect: argument|arguments|expects|parameter|date_trunc
SELECT date_trunc(ts) FROM ns.wide
-- expect: argument|arguments|expects|parameter|count
SELECT count(k, s) FROM ns.wide
-- expect: argument|arguments|expects|parameter|sum
SELECT sum() FROM ns.wide
-- expect: argument|arguments|expects|parameter|min
SELECT min(k, s) FROM ns.wide
-- expect: argument|arguments|expects|parameter|stddev
SELECT stddev() FROM ns.wide
-- expect: argument|arguments|expects|parameter|coalesce|/[0-9]+:[0-9]+/|/line [0-9]+/
SELECT coalesce() FROM ns.wide
-- expect: distinct|count|star
SELECT count(DISTINCT *) FROM ns.wide
-- expect: star|sum
SELECT sum(*) FROM ns.wide
