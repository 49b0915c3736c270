/*
 * test_sql_parse_errors.c - the SQL parser on bad and abusive input: exact
 * messages with line, column and caret; "did you mean" for misspelt
 * keywords and types; a corpus of malformed statements that must each fail
 * cleanly (run under ASan/UBSan by the sanitizer build); nesting limits
 * (parentheses, operators, subqueries, casts, joins, set operations);
 * huge IN lists and a 1 MB statement in linear time; the text size limit;
 * NUL bytes and invalid UTF-8; and the helpers ko_sql_error_at,
 * ko_sql_edit_distance and ko_sql_suggest.
 */
#include "testutil.h"

#include "sql/ast.h"
#include "sql/parse_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Parses text (len bytes) and expects KO_ERR_INVALID; returns the message
 * in a static buffer. */
static const char *parse_error_n(const char *text, size_t len, const ko_sql_parse_opts *opts,
                                 ko_sql_pos *pos)
{
    static ko_err err;
    ko_arena a = {0};
    ko_sql_stmt **stmts = (ko_sql_stmt **)&err; /* must be reset to NULL */
    size_t n = 99;
    ko_err_clear(&err);
    ko_status st = ko_sql_parse_ex(text, len, opts, &a, &stmts, &n, pos, &err);
    if (st != KO_ERR_INVALID)
        fail_msg("expected a syntax error, got %s for: %.200s", ko_status_name(st), text);
    assert_null(stmts);
    assert_int_equal(n, 0);
    assert_true(strncmp(err.msg, "error at line ", 14) == 0);
    ko_arena_free(&a);
    return err.msg;
}

static const char *parse_error(const char *text)
{
    return parse_error_n(text, strlen(text), NULL, NULL);
}

static void assert_contains(const char *msg, const char *part)
{
    if (!strstr(msg, part))
        fail_msg("message does not contain '%s':\n%s", part, msg);
}

/* ------------------------------------------------------------ messages */

typedef struct msg_case {
    const char *sql;
    const char *msg; /* the whole message */
} msg_case;

static const msg_case messages[] = {
    {"select a FORM t",
     "error at line 1, column 10: expected FROM or end of statement, found 'FORM' (did you mean "
     "FROM?)\n  select a FORM t\n           ^"},
    {"select a,\n  b\nfrom t\nwhere (a = 1",
     "error at line 4, column 13: expected ')', found end of input\n  where (a = 1\n"
     "              ^"},
    {"select 1;\nselect 'abc\n\n",
     "error at line 2, column 8: unterminated string literal starting here\n  select 'abc\n"
     "         ^"},
    {"select a from t\twher x = 1",
     "error at line 1, column 17: expected WHERE or end of statement, found 'wher' (did you mean "
     "WHERE?)\n  select a from t\twher x = 1\n                 \t^"},
    {"select cast(x as integr) from t",
     "error at line 1, column 18: unknown type 'integr' (did you mean integer?)\n"
     "  select cast(x as integr) from t\n                   ^"},
    {"SELEC 1", "error at line 1, column 1: expected SELECT, found 'SELEC' (did you mean SELECT?)\n"
                "  SELEC 1\n  ^"},
    {"select * from t where a in ()",
     "error at line 1, column 29: expected expression, found ')'\n"
     "  select * from t where a in ()\n                              ^"},
    {"select 1 +",
     "error at line 1, column 11: expected expression, found end of input\n  select 1 +\n"
     "            ^"},
    {"select a from t limit 1 limit 2",
     "error at line 1, column 25: expected OFFSET or end of statement, found 'limit'\n"
     "  select a from t limit 1 limit 2\n                          ^"},
    {"select * from t join u",
     "error at line 1, column 23: expected '.', FOR, AS or ON, found end of input\n"
     "  select * from t join u\n                        ^"},
    {"select\n  /* a comment that never\n ends",
     "error at line 2, column 3: unterminated /* comment */ starting here\n"
     "    /* a comment that never\n    ^"},
    {"select \"abc from t",
     "error at line 1, column 8: unterminated quoted identifier starting here\n"
     "  select \"abc from t\n         ^"},
    {"select from t",
     "error at line 1, column 8: expected expression, found reserved word FROM (quote it as "
     "\"from\" to use it as a name)\n  select from t\n         ^"},
    {"values (1, 2), (3)",
     "error at line 1, column 16: VALUES row 2 has 1 values, the first row has 2\n"
     "  values (1, 2), (3)\n                 ^"},
};

static void test_messages(void **state)
{
    (void)state;
    for (size_t i = 0; i < KO_ARRAY_LEN(messages); i++) {
        const char *got = parse_error(messages[i].sql);
        if (strcmp(got, messages[i].msg) != 0)
            fail_msg("case %zu: %s\nexpected:\n%s\ngot:\n%s", i, messages[i].sql, messages[i].msg,
                     got);
    }
}

static void test_error_positions(void **state)
{
    (void)state;
    ko_sql_pos pos = {0};
    const char *sql = "select 1;\n\n  select a\n  from t where a = = 2";
    (void)parse_error_n(sql, strlen(sql), NULL, &pos);
    assert_int_equal(pos.line, 4);
    assert_int_equal(pos.col, 20);
    assert_int_equal(pos.off, (uint32_t)(strstr(sql, "= 2") - sql));
    /* A suggestion for a misspelt keyword after a complete clause. */
    assert_contains(parse_error("select a from t where a = 1 grop by a"), "did you mean GROUP?");
    assert_contains(parse_error("select a from t oder by a"), "did you mean ORDER?");
    assert_contains(parse_error("CRATE TABLE t (a int)"), "did you mean CREATE?");
    assert_contains(parse_error("select a::timestmp"), "did you mean timestamp?");
    /* No far-fetched suggestions. */
    const char *m = parse_error("select a from t xyzzy qqq");
    assert_null(strstr(m, "did you mean"));
    assert_contains(m, "found 'qqq'");
}

/* --------------------------------------------------------- malformed */

static const char *const malformed[] = {
    "select",
    "select from t",
    "select a from",
    "select a from t where",
    "select a,",
    "select (1",
    "select (1))",
    "select 1 +",
    "select * from t join u",
    "select * from t left join u",
    "select case when 1 then 2",
    "select case end",
    "select cast(a as)",
    "select cast(a as foo)",
    "select cast(a as integr)",
    "select a::",
    "select 'abc",
    "select \"abc",
    "select /* never closed",
    "select 1e",
    "select 1abc",
    "select a from t group a",
    "select a from t order a",
    "select count(",
    "select f(a,)",
    "select a in ()",
    "select a in 1",
    "select a between 1",
    "select a is 5",
    "select a not 1",
    "select * from t for version 1",
    "select * from t for time as of 1",
    "insert t values (1)",
    "insert into t (a values (1)",
    "insert into t",
    "update t a = 1",
    "delete t",
    "create table t",
    "create table t ()",
    "create table t (a)",
    "create table t (a int,)",
    "create table t (a decimal(40, 2))",
    "create table t (a decimal(10, 12))",
    "create view v as select 1",
    "drop t",
    "drop table",
    "alter table t frobnicate",
    "alter table t rename column a",
    "alter table t add",
    "show",
    "set threads",
    "set = 1",
    "explain",
    "values",
    "values (1), (2, 3)",
    "select 1 union",
    "select 1 union all",
    "with x select 1",
    "with x as select 1",
    "with x as (select 1)",
    "select * from (select 1",
    "select [1, 2",
    "select {'a' 1}",
    "select l[1",
    "select interval",
    "select interval 3",
    "select interval 3 fortnights",
    "select x from t limit",
    "select x from t offset",
    "select x from t fetch first 3 rows",
    "select row_number() over (order by)",
    "select sum(x) over (rows between 1 and 2)",
    "select sum(x) over (rows between unbounded and current row)",
    "select trim(",
    "select extract(year d)",
    "select position('a' s)",
    "select substring(s from)",
    "select a from t where a = = 1",
    "select a b c from t",
    "select ,a from t",
    "select a from t,",
    "select a from t join u on",
    "select a from t where a like",
    "select ? ? from t",
    "select $ from t",
    "select $0 from t",
    "select a # b",
    "select a ` b",
    "select 1;; select",
    "SELEC 1",
    "selct 1",
    "slect 1",
    "CRATE TABLE t (a int)",
    "select a from t were a = 1",
    "select a from t groop by a",
    "select a from t oder by a",
    "select a from t limt 1",
    "select a from t where a = 1 grop by a",
    "select a frm t",
    "select \"\" from t",
    "select a from t as",
    "select a from t t2(",
    "select a from t natural join u on true",
    "select all from t",
    "select select",
    "select from",
    "from t select a",
    "select * from t where exists select 1",
    "select 9999999999999999999999999999e999999",
    "select a.b.*.c from t",
    "select t.* as x from t",
    "select cast(1 as int",
    "select (select 1 from t",
    "select x::varchar(",
    "select x::decimal(0)",
    "select x::map(int)",
    "select x::struct()",
    "select x::int[",
    "select a from t where a in (select)",
    "select (select 1, 2 from",
    "select a from t where not",
    "select a from t group by",
    "select a from t having",
    "select a from t qualify",
    "select a from t window w",
    "select a from t window w as",
    "select a from t window w as (",
    "select * from t left",
    "select * from t natural",
    "select * from t cross join",
    "select * from t join u using",
    "select * from t join u using ()",
    "select * from (select 1) as",
    "select * from unnest(",
    "select * from t for",
    "select * from t for version as of",
    "select a::int[][",
    "select [1,2,3][",
    "select {'a': }",
    "select {1: 2}",
    "select 1 is not",
    "select 1 is distinct 2",
    "select a not between 1 and",
    "select a like",
    "select a like 'x' escape",
    "select a = any (1, 2)",
    "select case 1 when then 2 end",
    "select case when 1 then end",
    "select count(distinct)",
    "select count(*) filter (where)",
    "select f(x) over (partition by)",
    "select f(x) over (order by a rows)",
    "select f(x) over (order by a rows between current row)",
    "select f(x) over (order by a rows between current and 1 following)",
    "select f(x) over",
    "select f(x) over (x y)",
    "select interval 'x' day to",
    "select timestamp with time zone",
    "select cast(",
    "select cast(1",
    "select cast(1 as decimal(10",
    "select cast(1 as decimal(10,",
    "select cast(1 as struct(a))",
    "select cast(1 as map(int,))",
    "select cast(1 as list())",
    "select extract(from x)",
    "select substring(s from 1 for)",
    "select trim(leading 'x' from)",
    "select a from t limit 1 limit 2",
    "select a from t offset 1 offset 2",
    "select a from t fetch first 3 rows with ties",
    "select a from t order by a desc nulls",
    "select a from t order by a nulls middle",
    "values ()",
    "values (1) (2)",
    "with x as (select 1) , select 1",
    "with as (select 1) select 1",
    "with x(a as (select 1) select 1",
    "create schema",
    "create schema if exists s",
    "create schema if not s",
    "drop schema if s",
    "create table t (a int) partitioned by",
    "create table t (a int) partitioned by ()",
    "create table t (a int) partitioned by (bucket(16))",
    "create table t (a int) partitioned by (bucket(16, a, b))",
    "create table t (a int) with (x)",
    "create table t (a int) with (x = )",
    "create table t (a int primary key)",
    "create table t (a int, primary key (a))",
    "create table t (a int comment)",
    "create table t (a int default)",
    "create table t (a int not)",
    "create or table t (a int)",
    "create or replace schema s",
    "insert into t values",
    "insert into t values (1",
    "insert into t default values",
    "insert into t (a) (b)",
    "update t set",
    "update t set a",
    "update t set a =",
    "update t set a = 1 where",
    "delete from t where",
    "delete from",
    "alter table",
    "alter table t",
    "alter table t add column",
    "alter table t add column c",
    "alter table t drop column",
    "alter table t rename column a to",
    "alter table t rename",
    "alter table t alter column c",
    "alter table t alter column c set",
    "alter table t alter column c set data",
    "alter table t alter column c set data type",
    "alter table t alter column c drop",
    "alter table t set properties",
    "alter table t set properties (a)",
    "alter schema s rename to t",
    "drop table if t",
    "drop view v",
    "show tables from",
    "show tables like",
    "show columns t",
    "describe",
    "describe table",
    "explain analyze",
    "set x",
    "set x =",
    "set x to",
    "reset",
    "use",
    "use ns.",
    "select 1 select 2",
    "select 1; select",
    ";;select;",
    "select * from t where a = 'x' and b = \"unterminated",
    "select 0x1F",
    "select @x",
    "select a from t where a = 'x''",
    "select 1 /* /* nested */",
    "select a from t where x = $",
    "select a from t limit 1 2",
    "select t.*.x from t",
    "select * + 1 from t",
    "select t.* || 'x' from t",
};

static void test_malformed(void **state)
{
    (void)state;
    for (size_t i = 0; i < KO_ARRAY_LEN(malformed); i++) {
        const char *m = parse_error(malformed[i]);
        /* Every message says what was wrong, not just "syntax error". */
        if (!strstr(m, "expected") && !strstr(m, "unterminated") && !strstr(m, "not ") &&
            !strstr(m, "unknown") && !strstr(m, "invalid") && !strstr(m, "unexpected") &&
            !strstr(m, "cannot") && !strstr(m, "needs") && !strstr(m, "zero-length") &&
            !strstr(m, "out of range") && !strstr(m, "parameter") && !strstr(m, "VALUES row"))
            fail_msg("unhelpful message for %s:\n%s", malformed[i], m);
    }
    assert_true(KO_ARRAY_LEN(malformed) >= 100);
}

/* Every prefix of a valid statement is either valid or a clean error. */
static void test_prefixes(void **state)
{
    (void)state;
    const char *sql = "with x(a) as (select 1) select distinct t.a, sum(b) filter (where b > 0) "
                      "over (partition by c order by d rows between 1 preceding and current row) "
                      "from ns.t for version as of 3 as t left join u using (a) where a in (1, 2) "
                      "and b between 1 and 2 group by 1 having count(*) > 1 order by 1 desc "
                      "nulls last limit 10 offset 2";
    size_t n = strlen(sql);
    for (size_t len = 0; len <= n; len++) {
        ko_arena a = {0};
        ko_err err = {0};
        ko_sql_stmt **stmts;
        size_t ns;
        ko_status st = ko_sql_parse(sql, len, &a, &stmts, &ns, &err);
        assert_true(st == KO_OK || st == KO_ERR_INVALID);
        if (st == KO_ERR_INVALID)
            assert_true(strncmp(err.msg, "error at line 1, column ", 24) == 0);
        ko_arena_free(&a);
    }
}

/* ------------------------------------------------------------- limits */

/* prefix repeated n times + middle + suffix repeated n times (malloc'd). */
static char *nest(const char *lead, const char *prefix, const char *middle, const char *suffix,
                  size_t n, size_t *len)
{
    size_t ll = strlen(lead), lp = strlen(prefix), lm = strlen(middle), ls = strlen(suffix);
    char *s = malloc(n * (lp + ls) + ll + lm + 8);
    assert_non_null(s);
    size_t o = 0;
    memcpy(s, "select ", 7);
    o = 7;
    memcpy(s + o, lead, ll);
    o += ll;
    for (size_t i = 0; i < n; i++, o += lp)
        memcpy(s + o, prefix, lp);
    memcpy(s + o, middle, lm);
    o += lm;
    for (size_t i = 0; i < n; i++, o += ls)
        memcpy(s + o, suffix, ls);
    s[o] = 0;
    *len = o;
    return s;
}

static ko_status try_parse(const char *s, size_t len, ko_err *err)
{
    ko_arena a = {0};
    ko_sql_stmt **stmts;
    size_t n;
    ko_status st = ko_sql_parse(s, len, &a, &stmts, &n, err);
    if (st == KO_OK) { /* the printer recurses over the whole tree */
        ko_buf b = {0};
        for (size_t i = 0; i < n; i++)
            assert_int_equal(ko_sql_ast_print(stmts[i], &b), KO_OK);
        ko_buf_free(&b);
    }
    ko_arena_free(&a);
    return st;
}

typedef struct nest_case {
    const char *lead, *prefix, *middle, *suffix;
    size_t ok_depth; /* parses at this depth */
} nest_case;

static const nest_case nests[] = {
    {"", "(", "1", ")", 990},
    {"", "- ", "x", "", 990},
    {"", "not ", "x", "", 990},
    {"", "f(", "1", ")", 990},
    {"", "[", "1", "]", 990},
    {"", "case when x then ", "1", " end", 490},
    {"", "cast(", "1", " as int)", 990},
    {"", "(select ", "1", ")", 490},
    {"", "", "x", "::int", 990},
    {"", "", "x", "[1]", 990},
    {"", "", "x", " + 1", 990},
    {"", "", "x", " || 'a'", 990},
    {"", "", "1", " = 1", 990},
    {"", "", "x", " is null", 990},
    {"", "{'a': ", "1", "}", 990},
    {"", "exists (select ", "1", ")", 490},
    {"", "1 in (select ", "1", ")", 320},
    {"x::", "struct(a ", "int", ")", 990},
    {"x::", "map(int, ", "int", ")", 990},
    {"x::", "", "int", "[]", 990},
};

static void test_nesting(void **state)
{
    (void)state;
    for (size_t i = 0; i < KO_ARRAY_LEN(nests); i++) {
        const nest_case *c = &nests[i];
        ko_err err = {0};
        size_t len;
        char *s = nest(c->lead, c->prefix, c->middle, c->suffix, c->ok_depth, &len);
        if (try_parse(s, len, &err) != KO_OK)
            fail_msg("case %zu (%s...%s) at depth %zu: %s", i, c->prefix, c->suffix, c->ok_depth,
                     err.msg);
        free(s);
        /* Far deeper: a clean error, not a stack overflow. */
        s = nest(c->lead, c->prefix, c->middle, c->suffix, 100000, &len);
        assert_int_equal(try_parse(s, len, &err), KO_ERR_INVALID);
        assert_contains(err.msg, "nested too deeply (more than 1000 levels)");
        free(s);
    }
}

/* Appends item with every "%u" replaced by i. */
static void append_item(ko_buf *b, const char *item, size_t i)
{
    for (const char *c = item; *c; c++) {
        if (c[0] == '%' && c[1] == 'u') {
            assert_int_equal(ko_buf_appendf(b, "%zu", i), KO_OK);
            c++;
        } else {
            assert_int_equal(ko_buf_append(b, c, 1), KO_OK);
        }
    }
}

static char *repeat_join(const char *head, const char *item, const char *sep, const char *tail,
                         size_t n, size_t *len)
{
    ko_buf b = {0};
    assert_int_equal(ko_buf_append_str(&b, head), KO_OK);
    for (size_t i = 0; i < n; i++) {
        if (i)
            assert_int_equal(ko_buf_append_str(&b, sep), KO_OK);
        append_item(&b, item, i);
    }
    assert_int_equal(ko_buf_append_str(&b, tail), KO_OK);
    *len = b.len;
    return (char *)b.data;
}

static void test_long_chains(void **state)
{
    (void)state;
    size_t len;
    ko_err err = {0};
    /* AND / OR chains are flat: any length. */
    char *s = repeat_join("select * from t where ", "a = %u", " or ", "", 50000, &len);
    ko_arena a = {0};
    ko_sql_stmt *st = NULL;
    TU_OK(ko_sql_parse_one(s, len, &a, &st, &err), &err);
    assert_int_equal(st->query->select->where->kind, KO_SQL_E_OR);
    assert_int_equal(st->query->select->where->list.n, 50000);
    ko_arena_free(&a);
    free(s);
    /* Joins, unions and comma lists nest: limited like any nesting. */
    s = repeat_join("select * from t0", " join t%u using (a)", "", "", 900, &len);
    TU_OK(try_parse(s, len, &err), &err);
    free(s);
    s = repeat_join("select * from t0", " join t%u using (a)", "", "", 5000, &len);
    assert_int_equal(try_parse(s, len, &err), KO_ERR_INVALID);
    assert_contains(err.msg, "nested too deeply");
    free(s);
    s = repeat_join("", "select %u", " union all ", "", 5000, &len);
    assert_int_equal(try_parse(s, len, &err), KO_ERR_INVALID);
    assert_contains(err.msg, "nested too deeply");
    free(s);
    s = repeat_join("select * from ", "t%u", ", ", "", 900, &len);
    TU_OK(try_parse(s, len, &err), &err);
    free(s);
    /* A user-set limit. */
    ko_sql_parse_opts opts = {.max_depth = 10};
    (void)parse_error_n("select ((((((((((((1))))))))))))", 32, &opts, NULL);
}

/* CPU time of the process in microseconds: robust on a busy machine. */
static int64_t cpu_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static double elapsed_ms(int64_t start_us)
{
    return (double)(cpu_us() - start_us) / 1000.0;
}

static void test_huge_in_list(void **state)
{
    (void)state;
    size_t len;
    char *s = repeat_join("select * from t where a in (", "%u", ", ", ")", 100000, &len);
    ko_arena a = {0};
    ko_err err = {0};
    ko_sql_stmt *st = NULL;
    int64_t t0 = cpu_us();
    TU_OK(ko_sql_parse_one(s, len, &a, &st, &err), &err);
    double ms = elapsed_ms(t0);
    const ko_sql_expr *in = st->query->select->where;
    assert_int_equal(in->kind, KO_SQL_E_IN_LIST);
    assert_int_equal(in->in.n, 100000);
    assert_int_equal(in->in.items[99999]->lit.i, 99999);
    fprintf(stderr, "IN list of 100000 items (%zu bytes): %.1f ms CPU\n", len, ms);
    assert_true(ms < 2000); /* linear; generous for sanitizer builds */
    ko_arena_free(&a);
    free(s);
    /* 100000 VALUES rows. */
    s = repeat_join("insert into t values ", "(%u, 'x', null)", ", ", "", 100000, &len);
    t0 = cpu_us();
    TU_OK(ko_sql_parse_one(s, len, &a, &st, &err), &err);
    ms = elapsed_ms(t0);
    assert_int_equal(st->insert.query->values.n_rows, 100000);
    fprintf(stderr, "VALUES of 100000 rows (%zu bytes): %.1f ms CPU\n", len, ms);
    assert_true(ms < 2000);
    ko_arena_free(&a);
    free(s);
}

static void test_one_megabyte(void **state)
{
    (void)state;
    size_t len;
    char *s = repeat_join("select ",
                          "case when a%u > 0.5 then lower(b) || 'x' else cast(c as varchar) end "
                          "as c%u",
                          ",\n  ", " from ns.t where a in (1, 2, 3)", 14000, &len);
    assert_true(len > 1000000);
    ko_arena a = {0};
    ko_err err = {0};
    ko_sql_stmt *st = NULL;
    int64_t t0 = cpu_us();
    TU_OK(ko_sql_parse_one(s, len, &a, &st, &err), &err);
    double ms = elapsed_ms(t0);
    assert_int_equal(st->query->select->n_items, 14000);
    fprintf(stderr, "1 MB statement (%zu bytes): %.1f ms CPU\n", len, ms);
    assert_true(ms < 2000);
    ko_arena_free(&a);
    /* The text size limit. */
    ko_sql_parse_opts opts = {.max_text = 1000};
    ko_sql_stmt **stmts;
    size_t n;
    assert_int_equal(ko_sql_parse_ex(s, len, &opts, &a, &stmts, &n, NULL, &err), KO_ERR_INVALID);
    assert_contains(err.msg, "SQL text too long");
    assert_contains(err.msg, "limit 1000");
    free(s);
}

static void test_encoding(void **state)
{
    (void)state;
    const char nul[] = "select 'a\0b'";
    assert_contains(parse_error_n(nul, sizeof nul - 1, NULL, NULL),
                    "column 10: NUL byte in SQL text");
    assert_contains(parse_error("select 'a\xff'"), "column 10: invalid UTF-8 byte 0xff");
    assert_contains(parse_error("select 1 -- \xc0\x80 overlong"), "invalid UTF-8 byte 0xc0");
    assert_contains(parse_error("select '\xed\xa0\x80'"),
                    "invalid UTF-8 byte 0xed");                                     /* surrogate */
    assert_contains(parse_error("select 'ab\xe2\x82'"), "invalid UTF-8 byte 0xe2"); /* cut short */
    assert_contains(parse_error("select 1\n\n  \xf5\x80\x80\x80"), "line 3, column 3");
    assert_contains(parse_error("select E'\\0'"), "NUL characters are not allowed");
    /* Valid UTF-8 is fine in strings, quoted and unquoted names. */
    ko_arena a = {0};
    ko_err err = {0};
    ko_sql_stmt *st = NULL;
    const char *ok = "select 'héllo ✓ 😀', \"naïve\", größe from tà";
    TU_OK(ko_sql_parse_one(ok, strlen(ok), &a, &st, &err), &err);
    assert_string_equal(st->query->select->items[0].expr->lit.str, "héllo ✓ 😀");
    assert_string_equal(st->query->select->items[2].expr->column.parts[0].name, "größe");
    ko_arena_free(&a);
}

/* ------------------------------------------------------------ helpers */

static void test_error_at(void **state)
{
    (void)state;
    ko_err err = {0};
    char line[400];
    memset(line, 'x', sizeof line);
    line[sizeof line - 1] = 0;
    memcpy(line + 200, "BAD", 3);
    ko_sql_pos pos = ko_sql_pos_at(line, strlen(line), 200);
    assert_int_equal(pos.col, 201);
    assert_int_equal(ko_sql_error_at(&err, KO_ERR_NOT_FOUND, line, strlen(line), pos,
                                     "unknown column \"%s\", did you mean \"%s\"?", "BAD", "bad"),
                     KO_ERR_NOT_FOUND);
    assert_int_equal(err.status, KO_ERR_NOT_FOUND);
    assert_contains(err.msg, "error at line 1, column 201: unknown column \"BAD\", did you mean "
                             "\"bad\"?\n  ...");
    /* The caret is under B: same offset in the source line and caret line. */
    const char *src = strchr(err.msg, '\n') + 1;
    const char *caret = strchr(src, '\n') + 1;
    assert_int_equal(strchr(caret, '^') - caret, strstr(src, "BAD") - src);
    assert_true(strlen(err.msg) < KO_ERR_MSG_MAX);
    /* No text: the first line only. */
    ko_sql_pos p2 = {5, 2, 3};
    ko_sql_error_at(&err, KO_ERR_INVALID, NULL, 0, p2, "boom");
    assert_string_equal(err.msg, "error at line 2, column 3: boom");
    /* A position at the end of text with a trailing newline. */
    pos = ko_sql_pos_at("ab\n", 3, 3);
    assert_int_equal(pos.line, 2);
    assert_int_equal(pos.col, 1);
    ko_sql_error_at(&err, KO_ERR_INVALID, "ab\n", 3, pos, "eof");
    assert_string_equal(err.msg, "error at line 2, column 1: eof\n  \n  ^");
    assert_int_equal(ko_sql_error_at(NULL, KO_ERR_INVALID, "x", 1, pos, "x"), KO_ERR_INVALID);
}

static void test_suggest(void **state)
{
    (void)state;
    assert_int_equal(ko_sql_edit_distance("kitten", "sitting", 10), 3);
    assert_int_equal(ko_sql_edit_distance("FORM", "from", 10), 1); /* transposition */
    assert_int_equal(ko_sql_edit_distance("abc", "ABC", 10), 0);
    assert_int_equal(ko_sql_edit_distance("a", "abcdef", 2), 3); /* capped at max + 1 */
    const char *cols[] = {"l_orderkey", "l_quantity", "l_extendedprice", "o_orderdate"};
    assert_string_equal(ko_sql_suggest("l_quantiy", cols, 4), "l_quantity");
    assert_string_equal(ko_sql_suggest("L_ORDERKY", cols, 4), "l_orderkey");
    assert_null(ko_sql_suggest("price", cols, 4));
    assert_null(ko_sql_suggest("x", cols, 0));
}

static void test_keywords(void **state)
{
    (void)state;
    /* The keyword table is sorted: every keyword is found by binary search. */
    for (int k = KW_NONE + 1; k < KW__COUNT; k++) {
        const char *name = ko_sql_kw_name((kw_id)k);
        assert_int_equal(ko_sql_kw_lookup(name, strlen(name)), k);
        char lower[32];
        size_t n = strlen(name);
        for (size_t i = 0; i <= n; i++)
            lower[i] = (char)((name[i] >= 'A' && name[i] <= 'Z') ? name[i] + 32 : name[i]);
        assert_int_equal(ko_sql_kw_lookup(lower, n), k);
    }
    assert_int_equal(ko_sql_kw_lookup("selectx", 7), KW_NONE);
    assert_int_equal(ko_sql_kw_lookup("a", 1), KW_NONE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_messages),     cmocka_unit_test(test_error_positions),
        cmocka_unit_test(test_malformed),    cmocka_unit_test(test_prefixes),
        cmocka_unit_test(test_nesting),      cmocka_unit_test(test_long_chains),
        cmocka_unit_test(test_huge_in_list), cmocka_unit_test(test_one_megabyte),
        cmocka_unit_test(test_encoding),     cmocka_unit_test(test_error_at),
        cmocka_unit_test(test_suggest),      cmocka_unit_test(test_keywords),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
