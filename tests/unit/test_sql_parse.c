/*
 * test_sql_parse.c - the SQL parser, statement by statement: every case is
 * parsed and printed with ko_sql_ast_print, and the S-expression must be
 * exactly the expected one, which pins down precedence (a + b * c), the
 * associativity of operators and set operations, how joins nest, where
 * ORDER BY / LIMIT attach, how literals are typed and how the special
 * syntaxes (TRIM ... FROM, SUBSTRING ... FOR, EXTRACT) are rewritten.
 * Positions, identifiers, literal values and the statement API are checked
 * field by field below the table.  Errors and limits are in
 * test_sql_parse_errors.c.
 */
#include "testutil.h"

#include "sql/ast.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct parse_case {
    const char *sql;
    const char *expected; /* statements' S-expressions, one per line */
} parse_case;

static const parse_case cases[] = {
    {"select 1", "(select (items 1))"},
    {"SELECT a, b AS c, d e FROM t", "(select (items a (as b c) (as d e)) (from (table t)))"},
    {"select DISTINCT a from t", "(select distinct (items a) (from (table t)))"},
    {"select distinct on (a) a, b from t", "(select distinct (on a) (items a b) (from (table t)))"},
    {"select \"Foo\", \"a\"\"b\", FOO, Foo.Bar from \"My Table\"",
     "(select (items \"Foo\" \"a\"\"b\" foo foo.bar) (from (table \"My Table\")))"},
    {"select t.* from ns.sub.t", "(select (items t.*) (from (table ns.sub.t)))"},
    {"select * exclude (a, b) from t", "(select (items (* (exclude a b))) (from (table t)))"},
    {"select * exclude a from t", "(select (items (* (exclude a))) (from (table t)))"},
    {"select x.f.g, (x).f, f(x).g, l[1], l[1][2], m['k'], l[1:2], l[:2], l[2:] from t",
     "(select (items x.f.g (field x f) (field (f x) g) (index l 1) (index (index l 1) 2) (index m "
     "'k') (slice l 1 2) (slice l _ 2) (slice l 2 _)) (from (table t)))"},
    {"select a + b * c, (a + b) * c, a - b - c, a / b / c, a % 2",
     "(select (items (+ a (* b c)) (* (+ a b) c) (- (- a b) c) (/ (/ a b) c) (% a 2)))"},
    {"select -a, +a, - - a, -1, - 1, -1.5, -1e3, -(1), -x::int, -1::int",
     "(select (items (neg a) (pos a) (neg (neg a)) -1 -1 (decimal -1.5 2 1) (double -1000) (neg 1) "
     "(neg (cast x INTEGER)) (neg (cast 1 INTEGER))))"},
    {"select a || b || c, a || b + c, a + b || c",
     "(select (items (|| (|| a b) c) (+ (|| a b) c) (|| (+ a b) c)))"},
    {"select a = b, a <> b, a != b, a < b, a <= b, a > b, a >= b, a == b",
     "(select (items (= a b) (<> a b) (<> a b) (< a b) (<= a b) (> a b) (>= a b) (= a b)))"},
    {"select a or b or c, a and b and c, a or b and c, (a or b) and c, not a and b, not (a and b), "
     "not not a",
     "(select (items (or a b c) (and a b c) (or a (and b c)) (and (or a b) c) (and (not a) b) (not "
     "(and a b)) (not (not a))))"},
    {"select a = 1 and b = 2 or c = 3", "(select (items (or (and (= a 1) (= b 2)) (= c 3))))"},
    {"select a is null, a is not null, a isnull, a notnull, a is true, a is not false",
     "(select (items (is-null a) (is-not-null a) (is-null a) (is-not-null a) (is-true a) "
     "(is-not-false a)))"},
    {"select a is distinct from b, a is not distinct from b + 1",
     "(select (items (is-distinct a b) (is-not-distinct a (+ b 1))))"},
    {"select a between 1 and 10, a not between b and c + 1, a between symmetric 2 and 1, a between "
     "1 and 2 and b",
     "(select (items (between a 1 10) (not-between a b (+ c 1)) (between-symmetric a 2 1) (and "
     "(between a 1 2) b)))"},
    {"select a in (1, 2, 3), a not in ('x'), a in (select b from u), a not in (select b from u)",
     "(select (items (in a 1 2 3) (not-in a 'x') (in a (select (items b) (from (table u)))) "
     "(not-in a (select (items b) (from (table u))))))"},
    {"select a like 'x%', a not like 'y', a ilike 'Z', a not ilike 'q' escape '!', a like b || '%'",
     "(select (items (like a 'x%') (not-like a 'y') (ilike a 'Z') (not-ilike a 'q' (escape '!')) "
     "(like a (|| b '%'))))"},
    {"select a = any (select b from u), a < some (select b from u), a <> all (select b from u)",
     "(select (items (any = a (select (items b) (from (table u)))) (any < a (select (items b) "
     "(from (table u)))) (all <> a (select (items b) (from (table u))))))"},
    {"select exists (select 1), not exists (select 1 from t where t.a = u.a)",
     "(select (items (exists (select (items 1))) (not (exists (select (items 1) (from (table t)) "
     "(where (= t.a u.a)))))))"},
    {"select (select max(a) from t), (select 1) + 1",
     "(select (items (subquery (select (items (max a)) (from (table t)))) (+ (subquery (select "
     "(items 1))) 1)))"},
    {"select 42, 0, 9223372036854775807, -9223372036854775808, 9223372036854775808, 1.5, 1.50, .5, "
     "1., 00.10, 1e3, 1.5E-2, 2e+2",
     "(select (items 42 0 9223372036854775807 -9223372036854775808 (decimal 9223372036854775808 19 "
     "0) (decimal 1.5 2 1) (decimal 1.50 3 2) (decimal .5 1 1) (decimal 1. 1 0) (decimal 00.10 2 "
     "2) (double 1000) (double 0.014999999999999999) (double 200)))"},
    {"select 123456789012345678901234567890123456789012",
     "(select (items (double 1.2345678901234568e+41)))"},
    {"select 'abc', 'it''s', '', E'a\\tb\\\\c\\'d', e'x'",
     "(select (items 'abc' 'it''s' '' 'a\tb\\c''d' 'x'))"},
    {"select null, true, false, NULL, TRUE", "(select (items null true false null true))"},
    {"select date '2024-01-31', time '12:00:00', timestamp '2024-01-01 10:00:00', timestamptz "
     "'2024-01-01 10:00:00+02', timestamp with time zone '2024-01-01', uuid "
     "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', decimal '1.5', varchar 'x'",
     "(select (items (DATE '2024-01-31') (TIME '12:00:00') (TIMESTAMP '2024-01-01 10:00:00') "
     "(TIMESTAMP WITH TIME ZONE '2024-01-01 10:00:00+02') (TIMESTAMP WITH TIME ZONE '2024-01-01') "
     "(UUID 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11') (DECIMAL '1.5') (VARCHAR 'x')))"},
    {"select interval '3 days', interval 3 day, interval '1' month, interval 2 years, interval -5 "
     "minutes, interval '1.5' hour",
     "(select (items (interval '3 days') (interval '3' day) (interval '1' month) (interval '2' "
     "year) (interval '-5' minute) (interval '1.5' hour)))"},
    {"select date '2024-01-01' + interval 1 day, date - 1",
     "(select (items (+ (DATE '2024-01-01') (interval '1' day)) (- date 1)))"},
    {"select cast(a as int), cast(a as integer), a::bigint, a::decimal(10, 2), a::varchar(20), "
     "try_cast(a as double), cast(a as double precision), a::text::int",
     "(select (items (cast a INTEGER) (cast a INTEGER) (cast a BIGINT) (cast a DECIMAL(10,2)) "
     "(cast a VARCHAR(20)) (try-cast a DOUBLE) (cast a DOUBLE) (cast (cast a VARCHAR) INTEGER)))"},
    {"select cast(a as boolean), a::bool, a::tinyint, a::smallint, a::real, a::float, a::float8, "
     "a::numeric, a::numeric(5), a::string, a::char(3), a::blob, a::varbinary, a::date, a::time, "
     "a::timestamp, a::timestamptz, a::interval, a::uuid, a::hugeint",
     "(select (items (cast a BOOLEAN) (cast a BOOLEAN) (cast a TINYINT) (cast a SMALLINT) (cast a "
     "REAL) (cast a REAL) (cast a DOUBLE) (cast a DECIMAL) (cast a DECIMAL(5)) (cast a VARCHAR) "
     "(cast a CHAR(3)) (cast a BLOB) (cast a BLOB) (cast a DATE) (cast a TIME) (cast a TIMESTAMP) "
     "(cast a TIMESTAMP WITH TIME ZONE) (cast a INTERVAL) (cast a UUID) (cast a HUGEINT)))"},
    {"select cast(a as int[]), a::varchar[][], cast(a as list(int)), cast(a as array(bigint)), "
     "cast(a as array<int>), cast(a as map(varchar, int)), cast(a as map<varchar, list(int)>), "
     "cast(a as struct(a int, b varchar)), cast(a as row(x double)), cast(a as struct<a: int>)",
     "(select (items (cast a INTEGER[]) (cast a VARCHAR[][]) (cast a INTEGER[]) (cast a BIGINT[]) "
     "(cast a INTEGER[]) (cast a MAP(VARCHAR, INTEGER)) (cast a MAP(VARCHAR, INTEGER[])) (cast a "
     "STRUCT(a INTEGER, b VARCHAR)) (cast a STRUCT(x DOUBLE)) (cast a STRUCT(a INTEGER))))"},
    {"select case when a = 1 then 'one' when a = 2 then 'two' else 'many' end, case a when 1 then "
     "'x' end, case when a then b end",
     "(select (items (case (when (= a 1) 'one') (when (= a 2) 'two') (else 'many')) (case a (when "
     "1 'x')) (case (when a b))))"},
    {"select extract(year from d), extract(epoch from ts), extract('month' from d), extract(dow "
     "from d)",
     "(select (items (extract year d) (extract epoch ts) (extract month d) (extract dow d)))"},
    {"select substring(s from 2 for 3), substring(s from 2), substring(s, 1, 2), substring(s for "
     "2), substr(s, 2)",
     "(select (items (substring s 2 3) (substring s 2) (substring s 1 2) (substring s 1 2) "
     "(substring s 2)))"},
    {"select trim(s), trim(both from s), trim(leading 'x' from s), trim(trailing from s), "
     "trim('xy' from s), trim(s, 'x'), trim(both 'x' from s)",
     "(select (items (trim s) (trim s) (ltrim s 'x') (rtrim s) (trim s 'xy') (trim s 'x') (trim s "
     "'x')))"},
    {"select position('a' in s), position(x || 'b' in upper(s))",
     "(select (items (position 'a' s) (position (|| x 'b') (upper s))))"},
    {"select count(*), count(a), count(distinct a), count(all a), sum(a) filter (where a > 0), "
     "avg(a) filter (a > 1), string_agg(s, ',' order by s desc), percentile_cont(0.5) within group "
     "(order by a)",
     "(select (items (count *) (count a) (count distinct a) (count a) (sum a (filter (> a 0))) "
     "(avg a (filter (> a 1))) (string_agg s ',' (order (desc s))) (percentile_cont (decimal 0.5 1 "
     "1) (order a))))"},
    {"select coalesce(a, b, 0), nullif(a, 0), f(), ns.f(x), \"Quoted\"(x), left(s, 1), right(s, "
     "2), if(a, 1, 2)",
     "(select (items (coalesce a b 0) (nullif a 0) (f) (ns.f x) (\"Quoted\" x) (left s 1) (right s "
     "2) (if a 1 2)))"},
    {"select current_date, current_timestamp, current_time, localtimestamp, now(), current_date()",
     "(select (items (current_date) (current_timestamp) (current_time) (localtimestamp) (now) "
     "(current_date)))"},
    {"select row_number() over (), rank() over (partition by a order by b), sum(x) over (partition "
     "by a, b order by c desc nulls first, d rows between 3 preceding and 1 following), avg(x) "
     "over (order by t range between interval 1 day preceding and current row), count(*) over "
     "(rows unbounded preceding), last_value(x) over (order by a rows between current row and "
     "unbounded following), lag(x, 1) ignore nulls over (order by a), first_value(x ignore nulls) "
     "over w, sum(x) over w, sum(x) over (w order by b), count(x) over (groups between 1 preceding "
     "and 2 following)",
     "(select (items (row_number (window)) (rank (window (partition a) (order b))) (sum x (window "
     "(partition a b) (order (desc c nulls-first) d) (rows (preceding 3) (following 1)))) (avg x "
     "(window (order t) (range (preceding (interval '1' day)) current-row))) (count * (window "
     "(rows unbounded-preceding current-row))) (last_value x (window (order a) (rows current-row "
     "unbounded-following))) (lag x 1 ignore-nulls (window (order a))) (first_value x ignore-nulls "
     "(window w)) (sum x (window w)) (sum x (window w (order b))) (count x (window (groups "
     "(preceding 1) (following 2))))))"},
    {"select a, sum(b) from t group by a having sum(b) > 10 order by 2 desc limit 5",
     "(select (items a (sum b)) (from (table t)) (group a) (having (> (sum b) 10)) (order (desc "
     "2)) (limit 5))"},
    {"select a from t group by 1, 2 order by a nulls first",
     "(select (items a) (from (table t)) (group 1 2) (order (asc a nulls-first)))"},
    {"select a, b from t group by all order by a",
     "(select (items a b) (from (table t)) (group all) (order a))"},
    {"select a from t qualify row_number() over (partition by a order by b) = 1",
     "(select (items a) (from (table t)) (qualify (= (row_number (window (partition a) (order b))) "
     "1)))"},
    {"select a from t window w as (partition by a), w2 as (w order by b) qualify rank() over w2 < "
     "3",
     "(select (items a) (from (table t)) (defwindow w (window (partition a))) (defwindow w2 "
     "(window w (order b))) (qualify (< (rank (window w2)) 3)))"},
    {"select a from t order by a asc, b desc, c nulls last, d desc nulls first",
     "(select (items a) (from (table t)) (order a (desc b) (asc c nulls-last) (desc d "
     "nulls-first)))"},
    {"select a from t limit 10", "(select (items a) (from (table t)) (limit 10))"},
    {"select a from t limit 10 offset 20",
     "(select (items a) (from (table t)) (limit 10) (offset 20))"},
    {"select a from t offset 20 limit 10",
     "(select (items a) (from (table t)) (limit 10) (offset 20))"},
    {"select a from t offset 5 rows fetch next 3 rows only",
     "(select (items a) (from (table t)) (limit 3) (offset 5))"},
    {"select a from t fetch first row only", "(select (items a) (from (table t)) (limit 1))"},
    {"select a from t limit all", "(select (items a) (from (table t)))"},
    {"select a from t limit ?", "(select (items a) (from (table t)) (limit $1))"},
    {"select [1, 2, 3], [], array[1, 2], [[1], [2]], {'a': 1, 'b': 'x'}, {a: 1}, (1, 2), l[1].f",
     "(select (items (list 1 2 3) (list) (list 1 2) (list (list 1) (list 2)) (struct (\"a\" 1) "
     "(\"b\" 'x')) (struct (a 1)) (row 1 2) (field (index l 1) f)))"},
    {"select ?, ?, $1, $12", "(select (items $1 $2 $1 $12))"},
    {"select a from t1, t2, t3",
     "(select (items a) (from (join comma (join comma (table t1) (table t2)) (table t3))))"},
    {"select * from a join b on a.x = b.x",
     "(select (items *) (from (join inner (table a) (table b) (on (= a.x b.x)))))"},
    {"select * from a inner join b on true left join c on c.y = b.y left outer join d using (z) "
     "right join e using (p, q) full outer join f on 1 = 1 full join g on 1 = 1 cross join h "
     "natural join i natural left join j",
     "(select (items *) (from (join left natural (join inner natural (join cross (join full (join "
     "full (join right (join left (join left (join inner (table a) (table b) (on true)) (table c) "
     "(on (= c.y b.y))) (table d) (using z)) (table e) (using p q)) (table f) (on (= 1 1))) (table "
     "g) (on (= 1 1))) (table h)) (table i)) (table j))))"},
    {"select * from a semi join b on a.x = b.x anti join c on a.y = c.y left semi join d on true "
     "left anti join e on true",
     "(select (items *) (from (join anti (join semi (join anti (join semi (table a) (table b) (on "
     "(= a.x b.x))) (table c) (on (= a.y c.y))) (table d) (on true)) (table e) (on true))))"},
    {"select * from (a join b on a.x = b.x) join c on c.x = a.x",
     "(select (items *) (from (join inner (join inner (table a) (table b) (on (= a.x b.x))) (table "
     "c) (on (= c.x a.x)))))"},
    {"select * from (a join b on a.x = b.x) as j",
     "(select (items *) (from (as (join inner (table a) (table b) (on (= a.x b.x))) j)))"},
    {"select * from t as x, t y, t as z(a, b), t w(c)",
     "(select (items *) (from (join comma (join comma (join comma (as (table t) x) (as (table t) "
     "y)) (as (table t) z (a b))) (as (table t) w (c)))))"},
    {"select * from ns.t for version as of 12345",
     "(select (items *) (from (table ns.t (version 12345))))"},
    {"select * from ns.t for timestamp as of '2024-01-01 00:00:00' as x",
     "(select (items *) (from (as (table ns.t (timestamp '2024-01-01 00:00:00')) x)))"},
    {"select * from ns.t for timestamp as of timestamp '2024-01-01 00:00:00'",
     "(select (items *) (from (table ns.t (timestamp (TIMESTAMP '2024-01-01 00:00:00')))))"},
    {"select * from ns.t as x for version as of 1",
     "(select (items *) (from (as (table ns.t (version 1)) x)))"},
    {"select * from ns.t for system_time as of '2024-01-01'",
     "(select (items *) (from (table ns.t (timestamp '2024-01-01'))))"},
    {"select * from \"t$snapshots\", ns.\"t$files\", \"ns\".\"t$history\"",
     "(select (items *) (from (join comma (join comma (table \"t$snapshots\") (table "
     "ns.\"t$files\")) (table \"ns\".\"t$history\"))))"},
    {"select * from (select 1 as x) s, (select 2) as s2(y), lateral (select s.x) l",
     "(select (items *) (from (join comma (join comma (as (derived (select (items (as 1 x)))) s) "
     "(as (derived (select (items 2))) s2 (y))) (as (lateral (select (items s.x))) l))))"},
    {"select * from unnest([1, 2]), unnest(l) with ordinality as u(v, i), range(10), "
     "generate_series(1, 10, 2) g, read_parquet('a.parquet')",
     "(select (items *) (from (join comma (join comma (join comma (join comma (tfunc unnest (list "
     "1 2)) (as (tfunc unnest l ordinality) u (v i))) (tfunc range 10)) (as (tfunc generate_series "
     "1 10 2) g)) (tfunc read_parquet 'a.parquet'))))"},
    {"select * from ((select 1) union (select 2)) u",
     "(select (items *) (from (as (derived (union (select (items 1)) (select (items 2)))) u)))"},
    {"select 1 union select 2", "(union (select (items 1)) (select (items 2)))"},
    {"select 1 union all select 2 union select 3",
     "(union (union-all (select (items 1)) (select (items 2))) (select (items 3)))"},
    {"select 1 union select 2 intersect select 3",
     "(union (select (items 1)) (intersect (select (items 2)) (select (items 3))))"},
    {"select 1 intersect select 2 union select 3",
     "(union (intersect (select (items 1)) (select (items 2))) (select (items 3)))"},
    {"select 1 except select 2 except select 3",
     "(except (except (select (items 1)) (select (items 2))) (select (items 3)))"},
    {"select 1 intersect all select 2 except distinct select 3",
     "(except (intersect-all (select (items 1)) (select (items 2))) (select (items 3)))"},
    {"select 1 union all by name select 2",
     "(union-all-by-name (select (items 1)) (select (items 2)))"},
    {"(select 1) union (select 2)", "(union (select (items 1)) (select (items 2)))"},
    {"(select 1 order by 1 limit 1) union all (select 2 limit 2) order by 1 limit 3",
     "(union-all (select (items 1) (order 1) (limit 1)) (select (items 2) (limit 2)) (order 1) "
     "(limit 3))"},
    {"(select 1 limit 1) limit 2",
     "(select (items *) (from (derived (select (items 1) (limit 1)))) (limit 2))"},
    {"((select 1))", "(select (items 1))"},
    {"select 1 order by 1 limit 1", "(select (items 1) (order 1) (limit 1))"},
    {"with x as (select 1) select * from x",
     "(with (x (select (items 1))) (select (items *) (from (table x))))"},
    {"with x(a, b) as (select 1, 2), y as materialized (select 3) select * from x, y",
     "(with (x (columns a b) (select (items 1 2))) (y (select (items 3))) (select (items *) (from "
     "(join comma (table x) (table y)))))"},
    {"with recursive r(n) as (select 1 union all select n + 1 from r where n < 10) select * from r",
     "(with-recursive (r (columns n) (union-all (select (items 1)) (select (items (+ n 1)) (from "
     "(table r)) (where (< n 10))))) (select (items *) (from (table r))))"},
    {"with x as (select 1) (with y as (select 2) select * from y)",
     "(with (x (select (items 1))) (select (items *) (from (derived (with (y (select (items 2))) "
     "(select (items *) (from (table y))))))))"},
    {"with x as (select 1) select * from x union select * from x order by 1",
     "(with (x (select (items 1))) (union (select (items *) (from (table x))) (select (items *) "
     "(from (table x))) (order 1)))"},
    {"select * from t where a in (with w as (select 1) select * from w)",
     "(select (items *) (from (table t)) (where (in a (with (w (select (items 1))) (select (items "
     "*) (from (table w)))))))"},
    {"values (1, 'a'), (2, 'b')", "(values (1 'a') (2 'b'))"},
    {"values (1) order by 1 limit 1", "(values (1) (order 1) (limit 1))"},
    {"select * from (values (1, 2), (3, 4)) as v(a, b)",
     "(select (items *) (from (as (derived (values (1 2) (3 4))) v (a b))))"},
    {"select 1 -- comment", "(select (items 1))"},
    {"select /* c1 */ 1 /* nested /* inner */ still */ + 2", "(select (items (+ 1 2)))"},
    {"select 1; select 2;; ;select 3",
     "(select (items 1))\n(select (items 2))\n(select (items 3))"},
    {"-- only a comment", ""},
    {"create schema s", "(create-schema s)"},
    {"create schema if not exists a.b.c", "(create-schema a.b.c if-not-exists)"},
    {"drop schema s", "(drop-schema s)"},
    {"drop schema if exists s cascade", "(drop-schema s if-exists cascade)"},
    {"drop schema s restrict", "(drop-schema s)"},
    {"create table t (a int)", "(create-table t (columns (a INTEGER)))"},
    {"create table if not exists ns.t (id bigint not null, name varchar, price decimal(10, 2) not "
     "null, tags varchar[], attrs map(varchar, varchar), loc struct(lat double, lon double), ts "
     "timestamp with time zone, d date default current_date, c int null comment 'a column')",
     "(create-table ns.t if-not-exists (columns (id BIGINT not-null) (name VARCHAR) (price "
     "DECIMAL(10,2) not-null) (tags VARCHAR[]) (attrs MAP(VARCHAR, VARCHAR)) (loc STRUCT(lat "
     "DOUBLE, lon DOUBLE)) (ts TIMESTAMP WITH TIME ZONE) (d DATE (default (current_date))) (c "
     "INTEGER (comment 'a column'))))"},
    {"create table t (ts timestamp, id bigint, s varchar, c int) partitioned by (day(ts), "
     "bucket(16, id), truncate(4, s), c, hour(ts), month(ts), year(ts), identity(c), void(c))",
     "(create-table t (columns (ts TIMESTAMP) (id BIGINT) (s VARCHAR) (c INTEGER)) (partition (day "
     "ts) (bucket 16 id) (truncate 4 s) (identity c) (hour ts) (month ts) (year ts) (identity c) "
     "(void c)))"},
    {"create table t (ts timestamp) partition by (days(ts)) with (format_version = 2, "
     "'write.parquet.compression-codec' = 'zstd')",
     "(create-table t (columns (ts TIMESTAMP)) (partition (day ts)) (with (format_version 2) "
     "(\"write.parquet.compression-codec\" 'zstd')))"},
    {"create table t (id bigint, s string) partitioned by (bucket(id, 8), truncate(s, 3))",
     "(create-table t (columns (id BIGINT) (s VARCHAR)) (partition (bucket 8 id) (truncate 3 s)))"},
    {"create table t as select * from u",
     "(create-table t (as (select (items *) (from (table u)))))"},
    {"create table ns.t with (x = 'y') as select 1 as a",
     "(create-table ns.t (with (x 'y')) (as (select (items (as 1 a)))))"},
    {"create table if not exists t partitioned by (a) as select 1 as a",
     "(create-table t if-not-exists (partition (identity a)) (as (select (items (as 1 a)))))"},
    {"create or replace table t (a int)", "(create-table t or-replace (columns (a INTEGER)))"},
    {"insert into t values (1, 'a'), (2, 'b')", "(insert t (values (1 'a') (2 'b')))"},
    {"insert into ns.t (a, b) values (1, 2)", "(insert ns.t (columns a b) (values (1 2)))"},
    {"insert into t select * from u where x",
     "(insert t (select (items *) (from (table u)) (where x)))"},
    {"insert into t (a) (select 1)", "(insert t (columns a) (select (items 1)))"},
    {"insert into t with x as (select 1) select * from x",
     "(insert t (with (x (select (items 1))) (select (items *) (from (table x)))))"},
    {"insert into t (select 1) union (select 2)",
     "(insert t (union (select (items 1)) (select (items 2))))"},
    {"insert overwrite t select 1", "(insert-overwrite t (select (items 1)))"},
    {"insert overwrite table t select 1", "(insert-overwrite t (select (items 1)))"},
    {"delete from t", "(delete t)"},
    {"delete from ns.t where a = 1 and b in (1, 2)",
     "(delete ns.t (where (and (= a 1) (in b 1 2))))"},
    {"delete from t as x where x.a = 1", "(delete t (as x) (where (= x.a 1)))"},
    {"update t set a = 1", "(update t (set (a 1)))"},
    {"update ns.t set a = a + 1, b = 'x' where c is null",
     "(update ns.t (set (a (+ a 1)) (b 'x')) (where (is-null c)))"},
    {"update t x set a = x.b where x.c", "(update t (as x) (set (a x.b)) (where x.c))"},
    {"alter table t add column c int", "(alter-table t (add-column (c INTEGER)))"},
    {"alter table t add c varchar not null", "(alter-table t (add-column (c VARCHAR not-null)))"},
    {"alter table t add column if not exists c struct(a int)",
     "(alter-table t (add-column if-not-exists (c STRUCT(a INTEGER))))"},
    {"alter table t drop column c", "(alter-table t (drop-column c))"},
    {"alter table t drop c", "(alter-table t (drop-column c))"},
    {"alter table t drop column if exists c", "(alter-table t (drop-column if-exists c))"},
    {"alter table t rename column a to b", "(alter-table t (rename-column a b))"},
    {"alter table t rename a to b", "(alter-table t (rename-column a b))"},
    {"alter table t rename to u", "(alter-table t (rename-table u))"},
    {"alter table t rename to ns.u", "(alter-table t (rename-table ns.u))"},
    {"alter table t alter column c set data type bigint", "(alter-table t (set-type c BIGINT))"},
    {"alter table t alter column c type bigint", "(alter-table t (set-type c BIGINT))"},
    {"alter table t alter c type decimal(20, 2)", "(alter-table t (set-type c DECIMAL(20,2)))"},
    {"alter table t alter column c set not null", "(alter-table t (set-not-null c))"},
    {"alter table t alter column c drop not null", "(alter-table t (drop-not-null c))"},
    {"alter table if exists t rename column s.a to b",
     "(alter-table t if-exists (rename-column s.a b))"},
    {"alter table t set properties 'write.format.default' = 'parquet'",
     "(alter-table t (set-properties (with (\"write.format.default\" 'parquet'))))"},
    {"alter table t set tblproperties ('a' = 'b', c = 1)",
     "(alter-table t (set-properties (with (\"a\" 'b') (c 1))))"},
    {"drop table t", "(drop-table t)"},
    {"drop table if exists ns.t", "(drop-table ns.t if-exists)"},
    {"show schemas", "(show-schemas)"},
    {"show schemas from a", "(show-schemas a)"},
    {"show tables", "(show-tables)"},
    {"show tables from ns", "(show-tables ns)"},
    {"show tables in ns like 'a%'", "(show-tables ns (like 'a%'))"},
    {"show columns from t", "(describe t)"},
    {"show threads", "(show threads)"},
    {"describe t", "(describe t)"},
    {"describe table ns.t", "(describe ns.t)"},
    {"desc t", "(describe t)"},
    {"describe select a from t", "(describe (select (items a) (from (table t))))"},
    {"describe (select 1)", "(describe (select (items 1)))"},
    {"explain select 1", "(explain (select (items 1)))"},
    {"explain analyze select a from t where a > 1",
     "(explain analyze (select (items a) (from (table t)) (where (> a 1))))"},
    {"explain verbose select 1", "(explain verbose (select (items 1)))"},
    {"explain analyze verbose select 1", "(explain analyze verbose (select (items 1)))"},
    {"explain insert into t values (1)", "(explain (insert t (values (1))))"},
    {"explain explain select 1", "(explain (explain (select (items 1))))"},
    {"set threads = 4", "(set threads 4)"},
    {"set threads to 8", "(set threads 8)"},
    {"set memory_limit = '4GB'", "(set memory_limit '4GB')"},
    {"set session statement_timeout = '30s'", "(set statement_timeout '30s')"},
    {"set global x = on; set y = off", "(set x 'on')\n(set y off)"},
    {"set search_path = ns", "(set search_path ns)"},
    {"set x = default", "(reset x)"},
    {"reset threads", "(reset threads)"},
    {"reset session threads", "(reset threads)"},
    {"use ns", "(use ns)"},
    {"use ns.sub", "(use ns.sub)"},
};

/* Parses sql and returns its printed statements (malloc'd), or fails. */
static char *print_script(const char *sql)
{
    ko_arena a = {0};
    ko_err err = {0};
    ko_sql_stmt **stmts;
    size_t n;
    ko_status st = ko_sql_parse(sql, strlen(sql), &a, &stmts, &n, &err);
    if (st != KO_OK)
        fail_msg("parse failed: %s\n  SQL: %s", err.msg, sql);
    ko_buf out = {0};
    for (size_t i = 0; i < n; i++) {
        if (i)
            assert_int_equal(ko_buf_append_str(&out, "\n"), KO_OK);
        assert_int_equal(ko_sql_ast_print(stmts[i], &out), KO_OK);
    }
    assert_int_equal(ko_buf_append(&out, "", 1), KO_OK);
    ko_arena_free(&a);
    return (char *)out.data;
}

static void test_roundtrip(void **state)
{
    (void)state;
    size_t failed = 0;
    for (size_t i = 0; i < KO_ARRAY_LEN(cases); i++) {
        char *got = print_script(cases[i].sql);
        if (strcmp(got, cases[i].expected) != 0) {
            fprintf(stderr, "case %zu: %s\n  expected: %s\n  got:      %s\n", i, cases[i].sql,
                    cases[i].expected, got);
            failed++;
        }
        free(got);
    }
    assert_int_equal(failed, 0);
    assert_true(KO_ARRAY_LEN(cases) >= 150);
}

static ko_sql_stmt *parse1(ko_arena *a, const char *sql)
{
    ko_err err = {0};
    ko_sql_stmt *s = NULL;
    TU_OK(ko_sql_parse_one(sql, strlen(sql), a, &s, &err), &err);
    return s;
}

static void assert_span(const char *sql, const ko_sql_expr *e, const char *text)
{
    size_t n = e->end - e->pos.off;
    if (n != strlen(text) || memcmp(sql + e->pos.off, text, n) != 0)
        fail_msg("span [%u, %u) is '%.*s', expected '%s'", e->pos.off, e->end, (int)n,
                 sql + e->pos.off, text);
}

static void test_positions(void **state)
{
    (void)state;
    ko_arena a = {0};
    const char *sql = "-- leading comment\nselect a,\n  sum(b) + 1 as \"C\"\nfrom ns.t\n"
                      "where (x)\t= 'y'";
    ko_sql_stmt *s = parse1(&a, sql);
    assert_int_equal(s->kind, KO_SQL_S_QUERY);
    assert_int_equal(s->pos.line, 2);
    assert_int_equal(s->pos.col, 1);
    assert_int_equal(s->pos.off, 19);
    assert_int_equal(s->end, strlen(sql));
    const ko_sql_select *sel = s->query->select;
    assert_int_equal(sel->n_items, 2);
    const ko_sql_expr *e = sel->items[1].expr;
    assert_int_equal(e->kind, KO_SQL_E_BINARY);
    assert_int_equal(e->pos.line, 3);
    assert_int_equal(e->pos.col, 3);
    assert_span(sql, e, "sum(b) + 1");
    assert_span(sql, e->binary.left, "sum(b)");
    assert_int_equal(sel->items[1].alias->pos.line, 3);
    assert_int_equal(sel->items[1].alias->pos.col, 17);
    const ko_sql_tref *t = sel->from;
    assert_int_equal(t->pos.line, 4);
    assert_int_equal(t->pos.col, 6);
    assert_int_equal(t->table.name.parts[1].pos.col, 9);
    const ko_sql_expr *w = sel->where;
    assert_span(sql, w, "(x)\t= 'y'");
    assert_span(sql, w->binary.left, "(x)");
    assert_int_equal(w->binary.right->pos.line, 5);
    assert_int_equal(w->binary.right->pos.col, 13);
    ko_arena_free(&a);
}

static void test_script_positions(void **state)
{
    (void)state;
    ko_arena a = {0};
    ko_err err = {0};
    ko_sql_stmt **stmts;
    size_t n;
    const char *sql = "select 1;\n  select 2 ; /* x */ ;\n\nshow tables";
    TU_OK(ko_sql_parse(sql, strlen(sql), &a, &stmts, &n, &err), &err);
    assert_int_equal(n, 3);
    assert_int_equal(stmts[1]->pos.line, 2);
    assert_int_equal(stmts[1]->pos.col, 3);
    assert_int_equal(stmts[1]->end - stmts[1]->pos.off, strlen("select 2"));
    assert_int_equal(stmts[2]->kind, KO_SQL_S_SHOW_TABLES);
    assert_int_equal(stmts[2]->pos.line, 4);
    /* Empty scripts are empty, not errors. */
    TU_OK(ko_sql_parse(" ; -- nothing\n ;", 16, &a, &stmts, &n, &err), &err);
    assert_int_equal(n, 0);
    TU_OK(ko_sql_parse(NULL, 0, &a, &stmts, &n, &err), &err);
    assert_int_equal(n, 0);
    /* Text need not be NUL-terminated: only len bytes are read. */
    TU_OK(ko_sql_parse("select 1garbage", 8, &a, &stmts, &n, &err), &err);
    assert_int_equal(n, 1);
    ko_arena_free(&a);
}

static void test_identifiers(void **state)
{
    (void)state;
    ko_arena a = {0};
    ko_sql_stmt *s =
        parse1(&a, "select MyCol, \"MyCol\", \"a\"\"b\", \"sélect\" from NS.\"T$snapshots\"");
    const ko_sql_select *sel = s->query->select;
    const ko_sql_ident *id = &sel->items[0].expr->column.parts[0];
    assert_string_equal(id->name, "mycol");
    assert_string_equal(id->text, "MyCol");
    assert_false(id->quoted);
    id = &sel->items[1].expr->column.parts[0];
    assert_string_equal(id->name, "MyCol");
    assert_true(id->quoted);
    assert_string_equal(sel->items[2].expr->column.parts[0].name, "a\"b");
    assert_string_equal(sel->items[3].expr->column.parts[0].name, "sélect");
    const ko_sql_qname *q = &sel->from->table.name;
    assert_int_equal(q->n, 2);
    assert_string_equal(q->parts[0].name, "ns");
    assert_string_equal(q->parts[0].text, "NS");
    assert_string_equal(q->parts[1].name, "T$snapshots");
    /* Unreserved keywords are names; reserved ones only when quoted. */
    s = parse1(&a, "select date, year, value, type, name, first, \"select\" from data");
    assert_int_equal(s->query->select->n_items, 7);
    assert_string_equal(s->query->select->items[6].expr->column.parts[0].name, "select");
    ko_arena_free(&a);
}

static const ko_sql_literal *item_lit(const ko_sql_stmt *s, size_t i)
{
    const ko_sql_expr *e = s->query->select->items[i].expr;
    assert_int_equal(e->kind, KO_SQL_E_LITERAL);
    return &e->lit;
}

static void test_literals(void **state)
{
    (void)state;
    ko_arena a = {0};
    ko_sql_stmt *s = parse1(&a, "select 9223372036854775807, -9223372036854775808, "
                                "9223372036854775808, 0012.3400, 2.5e-3, 'a''b', E'x\\ty', "
                                "date '2024-02-29', interval '2' hours, interval '1 day 2 hours', "
                                "null, false");
    assert_int_equal(item_lit(s, 0)->kind, KO_SQL_LIT_INT);
    assert_true(item_lit(s, 0)->i == INT64_MAX);
    assert_int_equal(item_lit(s, 1)->kind, KO_SQL_LIT_INT);
    assert_true(item_lit(s, 1)->i == INT64_MIN);
    const ko_sql_literal *l = item_lit(s, 2);
    assert_int_equal(l->kind, KO_SQL_LIT_DECIMAL);
    assert_string_equal(l->str, "9223372036854775808");
    assert_int_equal(l->precision, 19);
    assert_int_equal(l->scale, 0);
    l = item_lit(s, 3);
    assert_int_equal(l->kind, KO_SQL_LIT_DECIMAL);
    assert_int_equal(l->precision, 6);
    assert_int_equal(l->scale, 4);
    l = item_lit(s, 4);
    assert_int_equal(l->kind, KO_SQL_LIT_FLOAT);
    assert_true(l->f == 2.5e-3);
    l = item_lit(s, 5);
    assert_int_equal(l->kind, KO_SQL_LIT_STRING);
    assert_string_equal(l->str, "a'b");
    assert_int_equal(l->str_len, 3);
    assert_string_equal(item_lit(s, 6)->str, "x\ty");
    l = item_lit(s, 7);
    assert_int_equal(l->kind, KO_SQL_LIT_TYPED);
    assert_int_equal(l->type->kind, KO_SQL_T_DATE);
    assert_string_equal(l->str, "2024-02-29");
    l = item_lit(s, 8);
    assert_int_equal(l->kind, KO_SQL_LIT_INTERVAL);
    assert_string_equal(l->str, "2");
    assert_string_equal(l->unit, "hour");
    l = item_lit(s, 9);
    assert_null(l->unit);
    assert_string_equal(l->str, "1 day 2 hours");
    assert_int_equal(item_lit(s, 10)->kind, KO_SQL_LIT_NULL);
    assert_int_equal(item_lit(s, 11)->kind, KO_SQL_LIT_BOOL);
    assert_false(item_lit(s, 11)->b);
    ko_arena_free(&a);
}

static void test_types(void **state)
{
    (void)state;
    ko_arena a = {0};
    ko_sql_stmt *s = parse1(&a, "create table t (a decimal(12, 3), b varchar(5), c char(2), "
                                "d struct(x int, y map(varchar, double[])), e numeric)");
    const ko_sql_column_def *c = s->create_table.columns;
    assert_int_equal(s->create_table.n_columns, 5);
    assert_int_equal(c[0].type->kind, KO_SQL_T_DECIMAL);
    assert_int_equal(c[0].type->precision, 12);
    assert_int_equal(c[0].type->scale, 3);
    assert_int_equal(c[1].type->length, 5);
    assert_false(c[1].type->char_fixed);
    assert_true(c[2].type->char_fixed);
    const ko_sql_type *d = c[3].type;
    assert_int_equal(d->kind, KO_SQL_T_STRUCT);
    assert_int_equal(d->n_fields, 2);
    assert_string_equal(d->fields[1].name.name, "y");
    assert_int_equal(d->fields[1].type->kind, KO_SQL_T_MAP);
    assert_int_equal(d->fields[1].type->value->kind, KO_SQL_T_LIST);
    assert_int_equal(d->fields[1].type->value->elem->kind, KO_SQL_T_DOUBLE);
    assert_int_equal(c[4].type->precision, -1);
    assert_int_equal(c[4].type->scale, -1);
    ko_buf b = {0};
    assert_int_equal(ko_sql_type_print(d, &b), KO_OK);
    assert_string_equal((char *)b.data, "STRUCT(x INTEGER, y MAP(VARCHAR, DOUBLE[]))");
    ko_buf_free(&b);
    ko_arena_free(&a);
}

static void test_params(void **state)
{
    (void)state;
    ko_arena a = {0};
    ko_sql_stmt *s = parse1(&a, "select ? from t where a = ? and b = $7 limit ?");
    assert_int_equal(s->query->select->items[0].expr->param.index, 1);
    const ko_sql_expr *w = s->query->select->where;
    assert_int_equal(w->kind, KO_SQL_E_AND);
    assert_int_equal(w->list.items[0]->binary.right->param.index, 2);
    assert_int_equal(w->list.items[1]->binary.right->param.index, 7);
    assert_int_equal(s->query->limit->param.index, 3);
    ko_arena_free(&a);
}

static void test_parse_one(void **state)
{
    (void)state;
    ko_arena a = {0};
    ko_err err = {0};
    ko_sql_stmt *s = NULL;
    TU_OK(ko_sql_parse_one("select 1;", 9, &a, &s, &err), &err);
    assert_non_null(s);
    assert_int_equal(ko_sql_parse_one("select 1; select 2", 18, &a, &s, &err), KO_ERR_INVALID);
    assert_null(s);
    assert_non_null(strstr(err.msg, "expected one statement, found 2"));
    assert_non_null(strstr(err.msg, "column 11"));
    assert_int_equal(ko_sql_parse_one("", 0, &a, &s, &err), KO_ERR_INVALID);
    ko_arena_free(&a);
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(ko_sql_op_name(KO_SQL_OP_NE), "<>");
    assert_string_equal(ko_sql_op_name(KO_SQL_OP_CONCAT), "||");
    assert_string_equal(ko_sql_join_name(KO_SQL_JOIN_FULL), "FULL");
    assert_string_equal(ko_sql_stmt_kind_name(KO_SQL_S_ALTER_TABLE), "ALTER TABLE");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_positions),
        cmocka_unit_test(test_script_positions),
        cmocka_unit_test(test_identifiers),
        cmocka_unit_test(test_literals),
        cmocka_unit_test(test_types),
        cmocka_unit_test(test_params),
        cmocka_unit_test(test_parse_one),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
