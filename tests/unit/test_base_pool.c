/*
 * test_base_pool.c - thread pool: tasks run exactly once, waits, parallel
 * loops (also concurrent and nested), destroy with work still queued.
 */
#include "testutil.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

enum { NTASKS = 10000 };

typedef struct counts {
    atomic_int runs[NTASKS];
    atomic_int total;
} counts;

typedef struct task_arg {
    counts *c;
    int index;
} task_arg;

static void count_task(void *arg)
{
    task_arg *t = arg;
    atomic_fetch_add(&t->c->runs[t->index], 1);
    atomic_fetch_add(&t->c->total, 1);
}

static ko_pool *make_pool(int n)
{
    ko_pool *p = NULL;
    ko_err err = {0};
    TU_OK(ko_pool_create(n, &p, &err), &err);
    assert_non_null(p);
    return p;
}

static void test_cpu_count(void **state)
{
    (void)state;
    assert_true(ko_cpu_count() >= 1);
    ko_pool *p = make_pool(0);
    assert_int_equal(ko_pool_size(p), ko_cpu_count());
    ko_pool_destroy(p);
    assert_int_equal(ko_pool_size(NULL), 0);
    ko_pool_destroy(NULL);
    ko_err err = {0};
    assert_int_equal(ko_pool_create(1000000, &p, &err), KO_ERR_INVALID);
    assert_null(p);
}

static void test_tasks_run_once(void **state)
{
    (void)state;
    counts *c = calloc(1, sizeof *c);
    task_arg *args = calloc(NTASKS, sizeof *args);
    assert_true(c && args);
    ko_pool *p = make_pool(4);
    assert_int_equal(ko_pool_size(p), 4);
    for (int i = 0; i < NTASKS; i++) {
        args[i] = (task_arg){c, i};
        assert_int_equal(ko_pool_submit(p, count_task, &args[i]), KO_OK);
    }
    ko_pool_wait(p);
    assert_int_equal(atomic_load(&c->total), NTASKS);
    for (int i = 0; i < NTASKS; i++)
        assert_int_equal(atomic_load(&c->runs[i]), 1);
    /* The pool is reusable after a wait. */
    assert_int_equal(ko_pool_submit(p, count_task, &args[0]), KO_OK);
    ko_pool_wait(p);
    assert_int_equal(atomic_load(&c->runs[0]), 2);
    ko_pool_wait(p); /* nothing pending: returns at once */
    ko_pool_destroy(p);
    /* Without a pool, submit runs inline. */
    assert_int_equal(ko_pool_submit(NULL, count_task, &args[1]), KO_OK);
    assert_int_equal(atomic_load(&c->runs[1]), 2);
    free(args);
    free(c);
}

typedef struct sum_arg {
    const int64_t *values;
    atomic_llong sum;
    atomic_int *hits;
} sum_arg;

static void sum_fn(void *arg, size_t i)
{
    sum_arg *s = arg;
    atomic_fetch_add(&s->sum, s->values[i]);
    atomic_fetch_add(&s->hits[i], 1);
}

static void check_for(ko_pool *p, size_t n)
{
    int64_t *values = malloc((n + 1) * sizeof *values);
    atomic_int *hits = calloc(n + 1, sizeof *hits);
    assert_true(values && hits);
    int64_t want = 0;
    for (size_t i = 0; i < n; i++) {
        values[i] = (int64_t)(i * 7 + 3);
        want += values[i];
    }
    sum_arg s = {.values = values, .hits = hits};
    atomic_init(&s.sum, 0);
    ko_pool_for(p, n, sum_fn, &s);
    assert_int_equal(atomic_load(&s.sum), want);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(atomic_load(&hits[i]), 1);
    free(values);
    free(hits);
}

static void test_pool_for(void **state)
{
    (void)state;
    ko_pool *p = make_pool(4);
    size_t sizes[] = {0, 1, 2, 3, 4, 5, 7, 100, 100000};
    for (size_t i = 0; i < KO_ARRAY_LEN(sizes); i++) {
        check_for(p, sizes[i]);
        check_for(NULL, sizes[i]); /* serial */
    }
    ko_pool_destroy(p);
}

/* Several threads run parallel loops on one pool at the same time. */
typedef struct for_thread_arg {
    ko_pool *p;
    size_t n;
} for_thread_arg;

static void *for_thread(void *arg)
{
    for_thread_arg *a = arg;
    for (int r = 0; r < 20; r++)
        check_for(a->p, a->n);
    return NULL;
}

static void test_pool_for_concurrent(void **state)
{
    (void)state;
    ko_pool *p = make_pool(3);
    pthread_t th[4];
    for_thread_arg args[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (for_thread_arg){p, (size_t)(10 + i * 1000)};
        assert_int_equal(pthread_create(&th[i], NULL, for_thread, &args[i]), 0);
    }
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    ko_pool_destroy(p);
}

/* A loop inside a pool task, with every worker busy: must not deadlock. */
typedef struct nested_arg {
    ko_pool *p;
    atomic_llong total;
} nested_arg;

static void inner_fn(void *arg, size_t i)
{
    nested_arg *a = arg;
    atomic_fetch_add(&a->total, (long long)i);
}

static void outer_fn(void *arg, size_t i)
{
    (void)i;
    nested_arg *a = arg;
    ko_pool_for(a->p, 50, inner_fn, a);
}

static void test_pool_for_nested(void **state)
{
    (void)state;
    ko_pool *p = make_pool(2);
    nested_arg a = {.p = p};
    atomic_init(&a.total, 0);
    ko_pool_for(p, 16, outer_fn, &a);
    assert_int_equal(atomic_load(&a.total), 16 * (49 * 50 / 2));
    ko_pool_destroy(p);
}

/* Several threads submit to one pool at once. */
typedef struct submitter {
    ko_pool *p;
    task_arg *args;
    int first, count;
} submitter;

static void *submit_thread(void *arg)
{
    submitter *s = arg;
    for (int i = 0; i < s->count; i++)
        if (ko_pool_submit(s->p, count_task, &s->args[s->first + i]) != KO_OK)
            return (void *)1;
    return NULL;
}

static void test_concurrent_submitters(void **state)
{
    (void)state;
    counts *c = calloc(1, sizeof *c);
    task_arg *args = calloc(NTASKS, sizeof *args);
    assert_true(c && args);
    for (int i = 0; i < NTASKS; i++)
        args[i] = (task_arg){c, i};
    ko_pool *p = make_pool(4);
    enum { NSUB = 8 };
    pthread_t th[NSUB];
    submitter subs[NSUB];
    for (int i = 0; i < NSUB; i++) {
        subs[i] = (submitter){p, args, i * (NTASKS / NSUB), NTASKS / NSUB};
        assert_int_equal(pthread_create(&th[i], NULL, submit_thread, &subs[i]), 0);
    }
    for (int i = 0; i < NSUB; i++) {
        void *ret;
        pthread_join(th[i], &ret);
        assert_null(ret);
    }
    ko_pool_wait(p);
    assert_int_equal(atomic_load(&c->total), NTASKS);
    for (int i = 0; i < NTASKS; i++)
        assert_int_equal(atomic_load(&c->runs[i]), 1);
    ko_pool_destroy(p);
    free(args);
    free(c);
}

/* Destroy with work still queued: every task still runs, nothing leaks. */
static void slow_task(void *arg)
{
    ko_sleep_us(100);
    count_task(arg);
}

static void test_destroy_drains(void **state)
{
    (void)state;
    counts *c = calloc(1, sizeof *c);
    task_arg *args = calloc(2000, sizeof *args);
    assert_true(c && args);
    ko_pool *p = make_pool(2);
    for (int i = 0; i < 2000; i++) {
        args[i] = (task_arg){c, i};
        assert_int_equal(ko_pool_submit(p, slow_task, &args[i]), KO_OK);
    }
    ko_pool_destroy(p);
    assert_int_equal(atomic_load(&c->total), 2000);
    /* A pool destroyed right after creation. */
    ko_pool_destroy(make_pool(3));
    free(args);
    free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cpu_count),       cmocka_unit_test(test_tasks_run_once),
        cmocka_unit_test(test_pool_for),        cmocka_unit_test(test_pool_for_concurrent),
        cmocka_unit_test(test_pool_for_nested), cmocka_unit_test(test_concurrent_submitters),
        cmocka_unit_test(test_destroy_drains),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
