/*
 * pool.c - a fixed set of worker threads and a FIFO task queue.
 *
 * One mutex guards the queue (a singly linked list, one malloc per task) and
 * the count of tasks submitted but not finished.  Workers sleep on work_cv;
 * ko_pool_wait sleeps on idle_cv until that count drops to zero.
 *
 * ko_pool_for is a parallel loop.  Indexes are handed out one at a time from
 * an atomic counter, so uneven iterations balance themselves.  The caller
 * submits up to min(n - 1, size) helper tasks and then claims indexes itself.
 * It waits for the indexes to be *done*, not for the helper tasks to run:
 * a helper still sitting in the queue when the last index finishes simply
 * finds nothing left to do.  That keeps nested or concurrent ko_pool_for
 * calls from deadlocking even when every worker is busy, because the caller
 * can always do all the work alone.  The loop state lives on the heap with a
 * reference count, since late helpers may run after the caller returned.
 * Finished loops are announced on for_cv (broadcast; each waiter rechecks its
 * own counter).  When allocation fails the loop simply runs on fewer threads.
 *
 * ko_pool_destroy lets the workers drain the queue, then joins them.  Tasks
 * must not call ko_pool_wait or ko_pool_destroy on their own pool.
 */
#include "base/base.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

enum { POOL_MAX_THREADS = 1024 };

typedef struct task {
    struct task *next;
    ko_task_fn fn;
    void *arg;
} task;

struct ko_pool {
    pthread_mutex_t mu;
    pthread_cond_t work_cv; /* queue non-empty or stopping */
    pthread_cond_t idle_cv; /* pending reached zero */
    pthread_cond_t for_cv;  /* some ko_pool_for loop finished */
    task *head, *tail;
    size_t pending; /* queued + running */
    bool stopping;
    int nthreads;
    pthread_t threads[];
};

int ko_cpu_count(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
        return CPU_COUNT(&set);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)(n < POOL_MAX_THREADS ? n : POOL_MAX_THREADS) : 1;
}

/* Takes the next task, sleeping while the queue is empty; NULL means stop. */
static task *next_task(ko_pool *p)
{
    pthread_mutex_lock(&p->mu);
    while (!p->head && !p->stopping)
        pthread_cond_wait(&p->work_cv, &p->mu);
    task *t = p->head;
    if (t) {
        p->head = t->next;
        if (!p->head)
            p->tail = NULL;
    }
    pthread_mutex_unlock(&p->mu);
    return t;
}

static void *worker_main(void *arg)
{
    ko_pool *p = arg;
    task *t;
    while ((t = next_task(p)) != NULL) {
        t->fn(t->arg);
        free(t);
        pthread_mutex_lock(&p->mu);
        if (--p->pending == 0)
            pthread_cond_broadcast(&p->idle_cv);
        pthread_mutex_unlock(&p->mu);
    }
    return NULL;
}

/* Stops and joins the first n threads, then frees the pool. */
static void pool_teardown(ko_pool *p, int n)
{
    pthread_mutex_lock(&p->mu);
    p->stopping = true;
    pthread_cond_broadcast(&p->work_cv);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < n; i++)
        pthread_join(p->threads[i], NULL);
    pthread_cond_destroy(&p->for_cv);
    pthread_cond_destroy(&p->idle_cv);
    pthread_cond_destroy(&p->work_cv);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

static ko_status pool_init_sync(ko_pool *p, ko_err *err)
{
    int rc = pthread_mutex_init(&p->mu, NULL);
    if (rc == 0 && (rc = pthread_cond_init(&p->work_cv, NULL)) != 0)
        pthread_mutex_destroy(&p->mu);
    if (rc == 0 && (rc = pthread_cond_init(&p->idle_cv, NULL)) != 0) {
        pthread_cond_destroy(&p->work_cv);
        pthread_mutex_destroy(&p->mu);
    }
    if (rc == 0 && (rc = pthread_cond_init(&p->for_cv, NULL)) != 0) {
        pthread_cond_destroy(&p->idle_cv);
        pthread_cond_destroy(&p->work_cv);
        pthread_mutex_destroy(&p->mu);
    }
    return rc ? ko_err_errno(err, rc, "thread pool: initialising locks") : KO_OK;
}

ko_status ko_pool_create(int nthreads, ko_pool **out, ko_err *err)
{
    *out = NULL;
    int n = nthreads > 0 ? nthreads : ko_cpu_count();
    if (n > POOL_MAX_THREADS)
        return ko_err_set(err, KO_ERR_INVALID, "thread pool: %d threads requested, at most %d", n,
                          POOL_MAX_THREADS);
    ko_pool *p = calloc(1, sizeof *p + (size_t)n * sizeof(pthread_t));
    if (!p)
        return ko_err_set(err, KO_ERR_NOMEM, "thread pool: out of memory");
    ko_status st = pool_init_sync(p, err);
    if (st != KO_OK) {
        free(p);
        return st;
    }
    p->nthreads = n;
    for (int i = 0; i < n; i++) {
        int rc = pthread_create(&p->threads[i], NULL, worker_main, p);
        if (rc != 0) {
            pool_teardown(p, i);
            /* EAGAIN: out of threads or memory for their stacks. */
            st = ko_err_errno(err, rc, "thread pool: starting thread %d of %d", i + 1, n);
            if (rc == EAGAIN && err)
                err->status = KO_ERR_NOMEM;
            return rc == EAGAIN ? KO_ERR_NOMEM : st;
        }
    }
    *out = p;
    return KO_OK;
}

int ko_pool_size(const ko_pool *p)
{
    return p ? p->nthreads : 0;
}

ko_status ko_pool_submit(ko_pool *p, ko_task_fn fn, void *arg)
{
    if (!p) {
        fn(arg); /* no pool: run inline, like ko_pool_for */
        return KO_OK;
    }
    task *t = malloc(sizeof *t);
    if (!t)
        return KO_ERR_NOMEM;
    t->next = NULL;
    t->fn = fn;
    t->arg = arg;
    pthread_mutex_lock(&p->mu);
    if (p->tail)
        p->tail->next = t;
    else
        p->head = t;
    p->tail = t;
    p->pending++;
    pthread_cond_signal(&p->work_cv);
    pthread_mutex_unlock(&p->mu);
    return KO_OK;
}

void ko_pool_wait(ko_pool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    while (p->pending > 0)
        pthread_cond_wait(&p->idle_cv, &p->mu);
    pthread_mutex_unlock(&p->mu);
}

void ko_pool_destroy(ko_pool *p)
{
    if (p)
        pool_teardown(p, p->nthreads);
}

/* ---------------------------------------------------------- parallel for */

typedef struct pool_for {
    ko_pool *pool;
    void (*fn)(void *arg, size_t i);
    void *arg;
    size_t n;
    atomic_size_t next; /* next index to hand out */
    atomic_size_t done; /* indexes finished */
    atomic_int refs;    /* caller + helper tasks not yet finished */
} pool_for;

static void for_release(pool_for *f)
{
    if (atomic_fetch_sub(&f->refs, 1) == 1)
        free(f);
}

/* Claims and runs indexes until none are left; announces the last one. */
static void for_run(pool_for *f)
{
    size_t mine = 0, i;
    while ((i = atomic_fetch_add(&f->next, 1)) < f->n) {
        f->fn(f->arg, i);
        mine++;
    }
    if (mine && atomic_fetch_add(&f->done, mine) + mine == f->n) {
        pthread_mutex_lock(&f->pool->mu);
        pthread_cond_broadcast(&f->pool->for_cv);
        pthread_mutex_unlock(&f->pool->mu);
    }
}

static void for_helper(void *arg)
{
    pool_for *f = arg;
    for_run(f);
    for_release(f);
}

static void for_serial(size_t n, void (*fn)(void *arg, size_t i), void *arg)
{
    for (size_t i = 0; i < n; i++)
        fn(arg, i);
}

void ko_pool_for(ko_pool *p, size_t n, void (*fn)(void *arg, size_t i), void *arg)
{
    pool_for *f = p && n > 1 ? malloc(sizeof *f) : NULL;
    if (!f) {
        for_serial(n, fn, arg);
        return;
    }
    /* The caller takes a share too, so n - 1 helpers are enough. */
    size_t helpers = n - 1 < (size_t)p->nthreads ? n - 1 : (size_t)p->nthreads;
    f->pool = p;
    f->fn = fn;
    f->arg = arg;
    f->n = n;
    atomic_init(&f->next, 0);
    atomic_init(&f->done, 0);
    atomic_init(&f->refs, (int)helpers + 1);
    for (size_t k = 0; k < helpers; k++) {
        if (ko_pool_submit(p, for_helper, f) != KO_OK) {
            atomic_fetch_sub(&f->refs, (int)(helpers - k)); /* run on fewer threads */
            break;
        }
    }
    for_run(f);
    pthread_mutex_lock(&p->mu);
    while (atomic_load(&f->done) < n)
        pthread_cond_wait(&p->for_cv, &p->mu);
    pthread_mutex_unlock(&p->mu);
    for_release(f);
}
