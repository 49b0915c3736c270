/*
 * test_sql_join.c - joins, subqueries, windows and set operations (issue
 * 6) through a session, on tables large enough to cross batch boundaries
 * (more than 2,048 rows, many partners per row), with 1 and 2 threads.
 * The expected numbers are worked out in the comments.
 */
#include "sql_testutil.h"

/* s.a: k = 0..4999, g = k % 7 (g 0 and 1: 715 rows, the others 714). */
static void load(st_env *e, int threads)
{
    st_open(e, true, threads);
    st_csv(e, "CREATE SCHEMA s", "status\nOK\n");
    st_csv(e, "CREATE TABLE s.a AS SELECT range AS k, range % 7 AS g FROM range(5000)",
           "Count\n5000\n");
}

static void joins(st_env *e)
{
    /* cross join with filters pushed into both sides */
    st_csv(e, "SELECT count(*) AS n FROM s.a x, s.a y WHERE x.k < 100 AND y.k < 100", "n\n10000\n");
    /* 2 * 715^2 + 5 * 714^2 pairs: many partners per probe row */
    st_csv(e, "SELECT count(*) AS n FROM s.a x JOIN s.a y ON x.g = y.g", "n\n3571430\n");
    /* LEFT: all 5000 rows, 1000 with a partner */
    st_csv(e,
           "SELECT count(*) AS n, count(y.k) AS m FROM s.a x LEFT JOIN s.a y ON x.k = y.k + 4000",
           "n,m\n5000,1000\n");
    /* FULL: 3000 + 3000 - 1000 overlapping */
    st_csv(e,
           "SELECT count(*) AS n, count(x.k) AS l, count(y.k) AS r FROM (SELECT k FROM s.a WHERE "
           "k < 3000) x FULL JOIN (SELECT k FROM s.a WHERE k >= 2000) y ON x.k = y.k",
           "n,l,r\n5000,3000,3000\n");
    /* residual on top of the key, and a semi join by EXISTS */
    st_csv(e, "SELECT count(*) AS n FROM s.a x JOIN s.a y ON x.k = y.k AND x.g <> y.g", "n\n0\n");
    st_csv(e,
           "SELECT count(*) AS n FROM s.a x WHERE EXISTS (SELECT 1 FROM s.a y WHERE y.k = x.k + "
           "1 AND y.g = 0)",
           "n\n714\n");
}

static void subqueries(st_env *e)
{
    /* NOT IN with a NULL in the subquery: never true */
    st_csv(e,
           "SELECT count(*) AS n FROM s.a WHERE k NOT IN (SELECT CASE WHEN k = 5 THEN NULL ELSE "
           "k END FROM s.a WHERE k < 10)",
           "n\n0\n");
    st_csv(e, "SELECT count(*) AS n FROM s.a WHERE k NOT IN (SELECT k FROM s.a WHERE k < 10)",
           "n\n4990\n");
    /* the largest k of each g */
    st_csv(e,
           "SELECT count(*) AS n, min(k) AS lo FROM s.a x WHERE x.k = (SELECT max(y.k) FROM s.a y "
           "WHERE y.g = x.g)",
           "n,lo\n7,4993\n");
    st_csv(e, "WITH t AS (SELECT k FROM s.a WHERE k < 10) SELECT count(*) AS n FROM t a, t b",
           "n\n100\n");
    st_err(e, "SELECT (SELECT k FROM s.a) AS x", KO_ERR_INVALID, "More than one row");
}

static void windows_setops(st_env *e)
{
    /* sum over g of n (n + 1) / 2: 715 * 716 + 5 * 714 * 715 / 2 */
    st_csv(e,
           "SELECT sum(rn) AS s FROM (SELECT row_number() OVER (PARTITION BY g ORDER BY k) AS rn "
           "FROM s.a) t",
           "s\n1788215\n");
    /* running total to the last row: 0 + 1 + ... + 4999 */
    st_csv(e, "SELECT max(r) AS m FROM (SELECT sum(k) OVER (ORDER BY k) AS r FROM s.a) t",
           "m\n12497500\n");
    st_csv(e, "SELECT count(*) AS n FROM (SELECT g FROM s.a INTERSECT ALL SELECT g FROM s.a) t",
           "n\n5000\n");
    st_csv(e,
           "SELECT count(*) AS n FROM (SELECT g FROM s.a EXCEPT ALL SELECT g FROM s.a WHERE k < "
           "4900) t",
           "n\n100\n");
}

static void statements(st_env *e)
{
    st_csv(e,
           "CREATE TABLE s.b AS SELECT x.k, y.g FROM s.a x JOIN s.a y ON x.k = y.k WHERE x.k < 10",
           "Count\n10\n");
    st_csv(e, "SELECT count(*) AS n, sum(k) AS s FROM s.b", "n,s\n10,45\n");
    st_csv(e, "SET memory_limit = '100KB'", "status\nOK\n");
    st_err(e, "SELECT count(*) AS n FROM s.a x JOIN s.a y ON x.g = y.g", KO_ERR_NOMEM,
           "memory-limit");
}

static void run_all(int threads)
{
    st_env e;
    load(&e, threads);
    joins(&e);
    subqueries(&e);
    windows_setops(&e);
    statements(&e);
    st_close(&e);
}

static void test_one_thread(void **state)
{
    (void)state;
    run_all(1);
}

static void test_two_threads(void **state)
{
    (void)state;
    run_all(2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_thread),
        cmocka_unit_test(test_two_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
