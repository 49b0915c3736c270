/*
 * test_pipe_state.c - the run state machine in the catalog: enqueue with
 * dedup, claims with leases (exclusive pipelines never overlap), heartbeats
 * and finishes fenced by the attempt, lost workers reaped into retrying or
 * failed, fenced table commits refused to a stale attempt, cancellation.
 * Runs on SQLite, and on PostgreSQL when KO_TEST_PG_DSN is set.
 */
#include "testutil.h"

#include "catalog/catalog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static ko_cat *cat;
static char pipe_name[64];
static const int64_t S = 1000000;

static int setup(void **state)
{
    (void)state;
    const char *dsn = getenv("KO_TEST_PG_DSN");
    ko_err err;
    if (ko_cat_open(dsn && *dsn ? dsn : "sqlite::memory:", NULL, &cat, &err) != KO_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    ko_uuid u = ko_uuid_random();
    char id[KO_UUID_STR_LEN + 1];
    ko_uuid_format(&u, id);
    snprintf(pipe_name, sizeof pipe_name, "p-%.8s", id);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ko_cat_close(cat);
    return 0;
}

static void enqueue(const char *id, const char *pipeline, bool exclusive, int64_t now,
                    const char *dedup, bool want_created)
{
    ko_cat_run r = {.id = id,
                    .pipeline = pipeline,
                    .trigger = "manual",
                    .params = "{}",
                    .dedup = dedup,
                    .max_attempts = 2,
                    .backoff_ms = 1000,
                    .exclusive = exclusive,
                    .not_before = now};
    bool created = false;
    ko_err err;
    TU_OK(ko_cat_run_enqueue(cat, &r, now, &created, &err), &err);
    assert_int_equal(created, want_created);
}

static bool claim(const char *worker, int64_t now, ko_arena *a, ko_cat_run *out)
{
    bool got = false;
    ko_err err;
    TU_OK(ko_cat_run_claim(cat, worker, 10 * S, now, (const char *[]){pipe_name}, 1, a, out, &got,
                           &err),
          &err);
    return got;
}

static void test_lifecycle(void **state)
{
    (void)state;
    ko_arena a = {0};
    ko_err err;
    int64_t t0 = 1000 * S;
    char id1[80], id2[80];
    snprintf(id1, sizeof id1, "%s-1", pipe_name);
    snprintf(id2, sizeof id2, "%s-2", pipe_name);
    char dedup[80];
    snprintf(dedup, sizeof dedup, "%s:once", pipe_name);
    enqueue(id1, pipe_name, true, t0, dedup, true);
    enqueue("ignored", pipe_name, true, t0, dedup, false); /* dedup */
    enqueue(id2, pipe_name, true, t0 + 1, NULL, true);

    ko_cat_run r;
    assert_false(claim("w1", t0 - 1, &a, &r)); /* not ready yet */
    assert_true(claim("w1", t0 + 5, &a, &r));
    assert_string_equal(r.id, id1);
    assert_string_equal(r.state, "running");
    assert_int_equal(r.attempt, 1);
    assert_int_equal(r.lease_until, t0 + 5 + 10 * S);
    /* Exclusive: the second run waits while the first one runs. */
    ko_cat_run r2;
    assert_false(claim("w2", t0 + 5, &a, &r2));

    /* Heartbeat renews; a wrong attempt is fenced out. */
    bool cancel = true;
    TU_OK(ko_cat_run_heartbeat(cat, id1, 1, 10 * S, t0 + 6 * S, &cancel, &err), &err);
    assert_false(cancel);
    assert_int_equal(ko_cat_run_heartbeat(cat, id1, 2, 10 * S, t0 + 6 * S, NULL, &err),
                     KO_ERR_CONFLICT);

    /* The worker dies: its lease (t0+16 s) expires, the reaper retries. */
    ko_cat_run *lost;
    size_t n;
    TU_OK(ko_cat_run_reap(cat, t0 + 10 * S, &a, &lost, &n, &err), &err);
    assert_int_equal(n, 0);
    TU_OK(ko_cat_run_reap(cat, t0 + 17 * S, &a, &lost, &n, &err), &err);
    assert_int_equal(n, 1);
    assert_string_equal(lost[0].state, "retrying");
    assert_non_null(strstr(lost[0].error, "worker lost"));
    assert_int_equal(lost[0].not_before, t0 + 18 * S);

    /* The stale attempt can neither heartbeat, finish nor commit. */
    assert_int_equal(ko_cat_run_heartbeat(cat, id1, 1, 10 * S, t0 + 17 * S, NULL, &err),
                     KO_ERR_CONFLICT);
    ko_cat_run fin = {.id = id1, .pipeline = pipe_name, .attempt = 1, .state = "succeeded"};
    assert_int_equal(ko_cat_run_finish(cat, NULL, &fin, t0 + 17 * S, &err), KO_ERR_CONFLICT);
    assert_int_equal(ko_cat_run_fenced_commit(cat, NULL, id1, 1, t0 + 17 * S, KO_CAT_NS("nowhere"),
                                              "t", "a", "b", &err),
                     KO_ERR_TIMEOUT);

    ko_arena_free(&a);
}

static void test_finish_and_fail(void **state)
{
    (void)state;
    ko_arena a = {0};
    ko_err err;
    int64_t t0 = 1000 * S + 18 * S;
    ko_cat_run r;
    char id1[80];
    snprintf(id1, sizeof id1, "%s-1", pipe_name);
    /* Left by the previous test: id2 queued, id1 retrying from t0; the
     * older not_before goes first. */
    char id2[80], id5[80];
    snprintf(id2, sizeof id2, "%s-2", pipe_name);
    snprintf(id5, sizeof id5, "%s-5", pipe_name);
    assert_true(claim("w2", t0, &a, &r));
    assert_string_equal(r.id, id2);
    ko_cat_run ok = {.id = id2, .pipeline = pipe_name, .attempt = 1, .state = "succeeded"};
    TU_OK(ko_cat_run_finish(cat, NULL, &ok, t0, &err), &err);
    assert_true(claim("w2", t0, &a, &r));
    assert_string_equal(r.id, id1);
    assert_int_equal(r.attempt, 2);
    ko_cat_run fin = {.id = id1,
                      .pipeline = pipe_name,
                      .attempt = 2,
                      .state = "failed",
                      .error = "boom",
                      .outputs = "[]"};
    TU_OK(ko_cat_run_finish(cat, NULL, &fin, t0 + S, &err), &err);
    ko_cat_run got;
    TU_OK(ko_cat_run_get(cat, id1, &a, &got, &err), &err);
    assert_string_equal(got.state, "failed");
    assert_string_equal(got.error, "boom");
    assert_int_equal(got.finished_us, t0 + S);
    /* Finished runs cannot be cancelled; queued ones are at once. */
    assert_int_equal(ko_cat_run_cancel(cat, id1, t0, NULL, &err), KO_ERR_CONFLICT);
    enqueue(id5, pipe_name, true, t0, NULL, true);
    const char *st = NULL;
    TU_OK(ko_cat_run_cancel(cat, id5, t0, &st, &err), &err);
    assert_string_equal(st, "cancelled");
    assert_false(claim("w3", t0 + 100 * S, &a, &r));
    ko_cat_run *runs;
    size_t n;
    TU_OK(ko_cat_run_list(cat, pipe_name, NULL, 0, &a, &runs, &n, &err), &err);
    assert_int_equal(n, 3);
    TU_OK(ko_cat_run_list(cat, pipe_name, "failed", 0, &a, &runs, &n, &err), &err);
    assert_int_equal(n, 1);
    ko_arena_free(&a);
}

static void test_cancel_running_and_alerts(void **state)
{
    (void)state;
    ko_arena a = {0};
    ko_err err;
    int64_t t0 = 2000 * S;
    char id[80];
    snprintf(id, sizeof id, "%s-3", pipe_name);
    enqueue(id, pipe_name, false, t0, NULL, true);
    ko_cat_run r;
    assert_true(claim("w1", t0, &a, &r));
    const char *st = NULL;
    TU_OK(ko_cat_run_cancel(cat, id, t0, &st, &err), &err);
    assert_string_equal(st, "running");
    bool cancel = false;
    TU_OK(ko_cat_run_heartbeat(cat, id, r.attempt, 10 * S, t0 + S, &cancel, &err), &err);
    assert_true(cancel);
    ko_cat_run fin = {.id = id, .pipeline = pipe_name, .attempt = r.attempt, .state = "cancelled"};
    TU_OK(ko_cat_run_finish(cat, NULL, &fin, t0 + 2 * S, &err), &err);
    /* A reaped run with no attempts left fails. */
    char id4[80];
    snprintf(id4, sizeof id4, "%s-4", pipe_name);
    ko_cat_run one = {.id = id4,
                      .pipeline = pipe_name,
                      .trigger = "manual",
                      .params = "{}",
                      .max_attempts = 1,
                      .backoff_ms = 0,
                      .not_before = t0};
    TU_OK(ko_cat_run_enqueue(cat, &one, t0, NULL, &err), &err);
    assert_true(claim("w1", t0, &a, &r));
    ko_cat_run *lost;
    size_t n;
    TU_OK(ko_cat_run_reap(cat, t0 + 11 * S, &a, &lost, &n, &err), &err);
    assert_int_equal(n, 1);
    assert_string_equal(lost[0].state, "failed");
    /* Alerts are deduplicated by key. */
    char dedup[80];
    snprintf(dedup, sizeof dedup, "%s:alert", pipe_name);
    ko_cat_alert al = {NULL, "run_failed", pipe_name, "it failed", id4, dedup, 0};
    bool created = false;
    TU_OK(ko_cat_alert_raise(cat, &al, t0, &created, &err), &err);
    assert_true(created);
    TU_OK(ko_cat_alert_raise(cat, &al, t0, &created, &err), &err);
    assert_false(created);
    ko_cat_alert *alerts;
    TU_OK(ko_cat_alert_list(cat, 1000, &a, &alerts, &n, &err), &err);
    size_t mine = 0;
    for (size_t i = 0; i < n; i++)
        mine += strcmp(alerts[i].object, pipe_name) == 0;
    assert_int_equal(mine, 1);
    /* Trigger state. */
    const char *v = NULL;
    TU_OK(ko_cat_pipe_state_get(cat, pipe_name, "cron:0", &a, &v, &err), &err);
    assert_null(v);
    TU_OK(ko_cat_pipe_state_set(cat, pipe_name, "cron:0", "42", &err), &err);
    TU_OK(ko_cat_pipe_state_set(cat, pipe_name, "cron:0", "43", &err), &err);
    TU_OK(ko_cat_pipe_state_get(cat, pipe_name, "cron:0", &a, &v, &err), &err);
    assert_string_equal(v, "43");
    ko_arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lifecycle),
        cmocka_unit_test(test_finish_and_fail),
        cmocka_unit_test(test_cancel_running_and_alerts),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
