/*
 * test_sql_limits.c - the limits of a statement over a real table of 2^17
 * rows: the memory limit (a clean KO_ERR_NOMEM naming --memory-limit), the
 * statement timeout (SET statement_timeout, KO_ERR_TIMEOUT) and
 * cancellation from another thread (ko_sql_cancel: "query cancelled"); the
 * session keeps working after each.
 */
#include "sql_testutil.h"

#include <pthread.h>
#include <time.h>

/* s.<name>(k BIGINT, s VARCHAR) with 2^rounds distinct rows, by doubling
 * inserts. */
static void doubling_table(st_env *e, const char *name, int rounds)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "CREATE SCHEMA s; CREATE TABLE s.%s AS SELECT 0::BIGINT AS k, 'x0' AS s", name);
    st_csv(e, sql, "status\nOK\nCount\n1\n");
    for (int i = 0; i < rounds; i++) {
        snprintf(sql, sizeof sql, "INSERT INTO s.%s SELECT k + %lld, 'x' || (k + %lld) FROM s.%s",
                 name, 1LL << i, 1LL << i, name);
        char *out = NULL;
        ko_err err = {0};
        TU_OK(st_run(e, KO_SQL_FMT_CSV, sql, &out, &err), &err);
        free(out);
    }
}

static void test_limits(void **state)
{
    (void)state;
    st_env e;
    st_open(&e, true, 2);
    doubling_table(&e, "big", 17);
    st_csv(&e, "SELECT count(*), count(DISTINCT s), min(k), max(k) FROM s.big",
           "count_star(),count(DISTINCT s),min(k),max(k)\n131072,131072,0,131071\n");
    /* memory limit: grouping 131072 distinct keys in 64 KiB fails cleanly */
    st_err(&e, "SET memory_limit = '64KB'; SELECT s, count(*) FROM s.big GROUP BY s", KO_ERR_NOMEM,
           "memory-limit");
    st_csv(&e, "RESET memory_limit; SELECT count(*) FROM (SELECT s FROM s.big GROUP BY s) t",
           "status\nOK\ncount_star()\n131072\n");
    /* statement timeout */
    st_err(&e, "SET statement_timeout = '1ms'; SELECT s, count(*) FROM s.big GROUP BY s ORDER BY s",
           KO_ERR_TIMEOUT, "timeout");
    st_csv(&e, "RESET statement_timeout", "status\nOK\n");
    st_close(&e);
}

typedef struct canceller {
    ko_sql_session *s;
    _Atomic bool done;
} canceller;

static void *cancel_loop(void *arg)
{
    canceller *c = arg;
    while (!c->done) {
        struct timespec ms = {0, 1000000};
        nanosleep(&ms, NULL);
        ko_sql_cancel(c->s);
    }
    return NULL;
}

static void test_cancel(void **state)
{
    (void)state;
    st_env e;
    st_open(&e, true, 2);
    doubling_table(&e, "c", 16);
    char *out = NULL;
    ko_err err = {0};
    canceller c = {e.s, false};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, cancel_loop, &c), 0);
    ko_status st = KO_OK;
    for (int tries = 0; tries < 50 && st == KO_OK; tries++) {
        out = NULL;
        err = (ko_err){0};
        st = st_run(&e, KO_SQL_FMT_CSV,
                    "SELECT s, count(*) FROM s.c GROUP BY s ORDER BY s DESC LIMIT 1", &out, &err);
        free(out);
    }
    c.done = true;
    pthread_join(th, NULL);
    assert_int_equal(st, KO_ERR_TIMEOUT);
    assert_non_null(strstr(err.msg, "cancelled"));
    /* the session still works afterwards */
    st_csv(&e, "SELECT count(*) FROM s.c", "count_star()\n65536\n");
    st_close(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_cancel),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
