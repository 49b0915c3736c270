/*
 * test_sql_engine.c - the SQL engine end to end without tables: casts,
 * arithmetic and its overflow errors (the DECIMAL(18) bound included),
 * three-valued logic, CASE / COALESCE / NULLIF / IN / BETWEEN / LIKE,
 * aggregates (FILTER, DISTINCT, empty input), GROUP BY forms, sort with
 * NULLS FIRST / LAST, DISTINCT, UNION, LIMIT / OFFSET, DuckDB's output
 * column names, error positions, and SET / RESET / SHOW of settings.
 * Expected values are DuckDB's answers to the same statements.
 */
#include "sql_testutil.h"

static st_env E;

static int setup(void **state)
{
    (void)state;
    st_open(&E, false, 2);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    st_close(&E);
    return 0;
}

static void test_casts(void **state)
{
    (void)state;
    st_csv(&E,
           "SELECT CAST('42' AS INTEGER) a, CAST(2.5 AS DOUBLE)::INTEGER b, "
           "CAST(3.5::DOUBLE AS INTEGER) c, CAST(-2.7::DOUBLE AS BIGINT) d",
           "a,b,c,d\n42,2,4,-3\n");
    st_csv(&E, "SELECT CAST(1.5::DOUBLE AS VARCHAR) a, CAST(-2::DOUBLE AS VARCHAR) b",
           "a,b\n1.5,-2.0\n");
    st_csv(&E,
           "SELECT TRY_CAST('x' AS INTEGER) a, TRY_CAST('300' AS TINYINT) b, "
           "CAST('2024-02-29' AS DATE) c",
           "a,b,c\n,,2024-02-29\n");
    st_csv(&E, "SELECT CAST(1.005 AS DECIMAL(4,2)) a, CAST(-1.005 AS DECIMAL(4,2)) b",
           "a,b\n1.01,-1.01\n");
    st_err(&E, "SELECT CAST('x' AS INTEGER)", KO_ERR_INVALID, "Could not convert");
    st_err(&E, "SELECT CAST(300 AS TINYINT)", KO_ERR_INVALID, "TINYINT");
    st_err(&E, "SELECT CAST(123.4 AS DECIMAL(3,1))", KO_ERR_INVALID, "DECIMAL(3,1)");
}

static void test_arith_overflow(void **state)
{
    (void)state;
    st_csv(&E, "SELECT 2147483647 + 0 a, 7 // 2 b, -7 // 2 c, -7 % 3 d, 7 / 2 e",
           "a,b,c,d,e\n2147483647,3,-3,-1,3.5\n");
    st_err(&E, "SELECT 2147483647 + 1", KO_ERR_INVALID, "Overflow in addition of INT32");
    st_err(&E, "SELECT 9223372036854775807::BIGINT + 1", KO_ERR_INVALID,
           "Overflow in addition of INT64");
    st_err(&E, "SELECT (-9223372036854775807 - 1)::BIGINT * -1", KO_ERR_INVALID, "Overflow");
    st_err(&E, "SELECT 2147483647::INTEGER * 2::INTEGER", KO_ERR_INVALID, "INT32");
    /* decimals: exact, and a DECIMAL(18) product must stay below 10^18 */
    st_csv(&E,
           "SELECT 0.1 + 0.2 a, 1.10 * 3 b, 999999999::DECIMAL(10,0) * 1000000000::DECIMAL(10,0) c",
           "a,b,c\n0.3,3.30,999999999000000000\n");
    st_err(&E, "SELECT 1000000000::DECIMAL(10,0) * 1000000000::DECIMAL(10,0)", KO_ERR_INVALID,
           "Overflow in DECIMAL(18,0)");
}

static void test_three_valued_logic(void **state)
{
    (void)state;
    st_csv(&E,
           "SELECT NULL AND FALSE a, NULL AND TRUE b, NULL OR TRUE c, NULL OR FALSE d, "
           "NOT NULL::BOOLEAN e, NULL = NULL f, NULL IS NULL g, NULL IS DISTINCT FROM NULL h, "
           "1 IS DISTINCT FROM NULL i",
           "a,b,c,d,e,f,g,h,i\nfalse,,true,,,,true,false,true\n");
    st_csv(&E, "SELECT 1 IN (1, NULL) a, 2 IN (1, NULL) b, 2 NOT IN (1, NULL) c, 2 NOT IN (1, 3) d",
           "a,b,c,d\ntrue,,,true\n");
    st_csv(&E, "SELECT count(*) FROM (VALUES (1), (NULL), (3)) t(x) WHERE NOT (x > 1)",
           "count_star()\n1\n");
    /* long IN lists probe a hash set: the same three-valued answers */
    st_csv(&E,
           "SELECT x IN (1,2,3,4,5,6,7,8,9,NULL) a, x NOT IN (1,2,3,4,5,6,7,8,9) b, "
           "x IN (1,2,3,4,5,6,7,8,9,10) c FROM (VALUES (1), (11), (NULL)) t(x)",
           "a,b,c\ntrue,false,true\n,true,false\n,,\n");
    st_csv(&E,
           "SELECT s FROM (VALUES ('a'), ('zz'), ('i')) t(s) WHERE s IN "
           "('a','b','c','d','e','f','g','h','i','a') ORDER BY s",
           "s\na\ni\n");
}

static void test_expressions(void **state)
{
    (void)state;
    st_csv(&E,
           "SELECT CASE WHEN 1 > 2 THEN 'a' WHEN 2 > 1 THEN 'b' END a, COALESCE(NULL, NULL, 3) b, "
           "NULLIF(1, 1) c, 5 BETWEEN 1 AND 5 d, 'abc' LIKE 'a%' e, 'ABC' ILIKE 'a_c' f, "
           "'a' || 'b' || 1 g",
           "a,b,c,d,e,f,g\nb,3,,true,true,true,ab1\n");
    /* DuckDB's text of doubles (shortest round trip, Python's repr) and BC
     * timestamps */
    st_csv(&E,
           "SELECT 30::DOUBLE a, 1e16::DOUBLE b, 1e15::DOUBLE c, 0.00001::DOUBLE d, "
           "-0.5::REAL e, 2/3 f, TIMESTAMP '0001-01-01 00:00:00' - INTERVAL 2 HOUR g",
           "a,b,c,d,e,f,g\n30.0,1e+16,1000000000000000.0,1e-05,-0.5,0.6666666666666666,"
           "0001-12-31 (BC) 22:00:00\n");
    st_csv(&E,
           "SELECT DATE '2024-01-31' + INTERVAL 1 MONTH a, DATE '2024-03-01' - DATE '2024-02-01' b",
           "a,b\n2024-02-29 00:00:00,29\n");
}

static void test_aggregates(void **state)
{
    (void)state;
    const char *data = "(VALUES (1, 'a', 10), (2, 'a', NULL), (3, 'b', 30), (4, 'b', 30), "
                       "(5, NULL, 50)) t(id, g, v)";
    char sql[1024];
    snprintf(sql, sizeof sql,
             "SELECT count(*), count(v), count(DISTINCT v), sum(v), min(v), max(v), avg(v) "
             "FROM %s",
             data);
    st_csv(&E, sql,
           "count_star(),count(v),count(DISTINCT v),sum(v),min(v),max(v),avg(v)\n"
           "5,4,3,120,10,50,30.0\n");
    snprintf(sql, sizeof sql,
             "SELECT g, count(*) n, sum(v) FILTER (WHERE id > 1) s FROM %s GROUP BY g "
             "ORDER BY g NULLS FIRST",
             data);
    st_csv(&E, sql, "g,n,s\n,1,50\na,2,\nb,2,60\n");
    snprintf(sql, sizeof sql,
             "SELECT g, count(*) FROM %s GROUP BY 1 HAVING count(*) > 1 ORDER BY 1", data);
    st_csv(&E, sql, "g,count_star()\na,2\nb,2\n");
    snprintf(sql, sizeof sql, "SELECT upper(g) AS u, max(id) FROM %s GROUP BY u ORDER BY u", data);
    st_csv(&E, sql, "u,max(id)\nA,2\nB,4\n,5\n");
    /* aggregates of no rows: one row, count 0, the others NULL */
    snprintf(sql, sizeof sql, "SELECT count(*), sum(v), max(g) FROM %s WHERE id > 99", data);
    st_csv(&E, sql, "count_star(),sum(v),max(g)\n0,,\n");
    st_csv(&E, "SELECT stddev(x), var_pop(x) FROM (VALUES (1.0), (2.0), (3.0)) t(x)",
           "stddev(x),var_pop(x)\n1.0,0.6666666666666666\n");
    st_err(&E, "SELECT id, count(*) FROM (VALUES (1)) t(id)", KO_ERR_INVALID, "GROUP BY");
    st_err(&E, "SELECT sum(count(*)) FROM (VALUES (1)) t(id)", KO_ERR_INVALID, "aggregate");
    st_err(&E, "SELECT sum(*) FROM (VALUES (1)) t(id)", KO_ERR_INVALID, "only count");
    st_err(&E, "SELECT coalesce()", KO_ERR_INVALID, "at least one argument");
    st_err(&E, "SELECT 1 LIKE 1", KO_ERR_INVALID, "VARCHAR");
}

static void test_sort_limit_union(void **state)
{
    (void)state;
    const char *data = "(VALUES (3, 'c'), (NULL, 'n'), (1, 'a'), (2, 'b'), (1, 'a2')) t(k, s)";
    char sql[1024];
    snprintf(sql, sizeof sql, "SELECT k, s FROM %s ORDER BY k, s", data);
    st_csv(&E, sql, "k,s\n1,a\n1,a2\n2,b\n3,c\n,n\n");
    snprintf(sql, sizeof sql, "SELECT k FROM %s ORDER BY k DESC NULLS FIRST LIMIT 3", data);
    st_csv(&E, sql, "k\n\n3\n2\n");
    snprintf(sql, sizeof sql, "SELECT s FROM %s ORDER BY s DESC LIMIT 2 OFFSET 1", data);
    st_csv(&E, sql, "s\nc\nb\n");
    snprintf(sql, sizeof sql, "SELECT DISTINCT k FROM %s ORDER BY 1 NULLS LAST", data);
    st_csv(&E, sql, "k\n1\n2\n3\n\n");
    st_csv(&E, "SELECT 1 x UNION SELECT 1 UNION ALL SELECT 2 ORDER BY x", "x\n1\n2\n");
    st_csv(&E, "SELECT 1 x UNION ALL SELECT 1 ORDER BY x", "x\n1\n1\n");
}

static void test_names(void **state)
{
    (void)state;
    st_csv(&E, "SELECT x, x + 1, sum(x), count(*), 42 FROM (VALUES (1)) t(x) GROUP BY x",
           "x,(x + 1),sum(x),count_star(),42\n1,2,1,1,42\n");
    st_csv(&E, "SELECT X FROM (VALUES (1)) t(x)", "x\n1\n");
    st_jsonl(&E, "SELECT 1 a, 2 a", "{\"a\":1,\"a_1\":2}\n");
}

static void test_errors(void **state)
{
    (void)state;
    st_err(&E, "SELECT nope FROM (VALUES (1)) t(nop)", KO_ERR_NOT_FOUND, "line 1, column 8");
    st_err(&E, "SELECT nope FROM (VALUES (1)) t(nop)", 0, "nop");
    st_err(&E, "SELECT 1 +", KO_ERR_INVALID, "line 1");
    st_err(&E, "SELECT * FROM nosuch.table1", 0, "no warehouse");
    st_err(&E, "INSERT INTO a.b VALUES (1)", 0, "warehouse");
}

static void test_settings(void **state)
{
    (void)state;
    st_csv(&E, "SET threads = 3; SHOW threads", "status\nOK\nthreads\n3\n");
    st_csv(&E, "SET memory_limit = '1GB'; SHOW memory_limit",
           "status\nOK\nmemory_limit\n1073741824\n");
    st_csv(&E, "SET statement_timeout = '250ms'; SHOW statement_timeout",
           "status\nOK\nstatement_timeout\n0.25\n");
    st_csv(&E, "RESET threads; RESET statement_timeout; SHOW threads; SHOW statement_timeout",
           "status\nOK\nstatus\nOK\nthreads\n2\nstatement_timeout\n0\n");
    st_err(&E, "SET threads = 0", KO_ERR_INVALID, "bad value");
    st_err(&E, "SET no_such_setting = 1", KO_ERR_INVALID, "unrecognized configuration");
    st_err(&E, "SET memory_limit = 'lots'", KO_ERR_INVALID, "memory_limit");
    st_csv(&E, "RESET memory_limit", "status\nOK\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_casts),
        cmocka_unit_test(test_arith_overflow),
        cmocka_unit_test(test_three_valued_logic),
        cmocka_unit_test(test_expressions),
        cmocka_unit_test(test_aggregates),
        cmocka_unit_test(test_sort_limit_union),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_settings),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
