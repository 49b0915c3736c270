/*
 * worker.c - workers: a scheduler thread and executor threads
 * (pipeline.h).
 *
 * Each thread opens its own store and catalog handles from the URIs, so
 * nothing is shared but the stop flag.  The scheduler thread reloads the
 * pipelines directory and ticks every poll interval; executors claim a
 * ready run (any pipeline) with a lease and execute it, sleeping a poll
 * interval when there is none.  Stopping lets running attempts finish.
 */
#include "pipeline/pipe_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct pipe_thread {
    ko_pipe_worker *w;
    pthread_t t;
    bool started;
    int index;
} pipe_thread;

struct ko_pipe_worker {
    ko_pipe_worker_opts o;
    char worker_id[200];
    _Atomic bool stop;
    pipe_thread *threads;
    size_t n;
};

static void defaults(ko_pipe_worker_opts *o, char *id, size_t idlen)
{
    if (!o->pipelines_dir)
        o->pipelines_dir = getenv("KOROLEV_PIPELINES") ? getenv("KOROLEV_PIPELINES") : "pipelines";
    if (o->concurrency <= 0)
        o->concurrency = 1;
    if (o->lease_ms <= 0) {
        const char *l = getenv("KOROLEV_LEASE_MS");
        o->lease_ms = l && strtoll(l, NULL, 10) > 0 ? strtoll(l, NULL, 10) : 30000;
    }
    if (o->poll_ms <= 0) {
        const char *p = getenv("KOROLEV_POLL_MS");
        o->poll_ms = p && strtoll(p, NULL, 10) > 0 ? strtoll(p, NULL, 10) : 1000;
    }
    if (!o->worker_id) {
        char host[100] = "host";
        gethostname(host, sizeof host - 1);
        snprintf(id, idlen, "%s:%d", host, (int)getpid());
        o->worker_id = id;
    }
}

/* Opens the handles of one thread's environment. */
static ko_status env_open(const ko_pipe_worker_opts *o, const char *suffix, ko_pipe_env *env,
                          ko_err *err)
{
    memset(env, 0, sizeof *env);
    ko_status st = ko_store_open(o->warehouse_uri, NULL, &env->store, err);
    if (st == KO_OK)
        st = ko_cat_open(o->catalog_uri, NULL, &env->cat, err);
    if (st != KO_OK) {
        if (env->store)
            ko_store_close(env->store);
        env->store = NULL;
        return st;
    }
    env->warehouse_uri = o->warehouse_uri;
    env->catalog_uri = o->catalog_uri;
    env->pipelines_dir = o->pipelines_dir;
    env->lease_ms = o->lease_ms;
    env->heartbeat_ms = o->lease_ms / 3 > 0 ? o->lease_ms / 3 : 1;
    env->worker_id = suffix;
    return KO_OK;
}

static void env_close(ko_pipe_env *env)
{
    if (env->cat)
        ko_cat_close(env->cat);
    if (env->store)
        ko_store_close(env->store);
}

/* Claims and executes one run; *ran says whether there was one. */
static ko_status run_one(const ko_pipe_env *env, bool *ran, ko_err *err)
{
    ko_arena a = {0};
    ko_cat_run run;
    *ran = false;
    ko_status st = ko_cat_run_claim(env->cat, env->worker_id, env->lease_ms * 1000,
                                    ko_pipe_now_us(), NULL, 0, &a, &run, ran, err);
    if (st == KO_OK && *ran) {
        ko_log(KO_LOG_INFO, "pipeline", "%s runs %s of %s (attempt %lld)", env->worker_id, run.id,
               run.pipeline, (long long)run.attempt);
        st = ko_pipe_execute(env, &run, err);
    }
    ko_arena_free(&a);
    return st;
}

static ko_status tick_dir(const ko_pipe_env *env, ko_err *err)
{
    ko_arena a = {0};
    ko_pipe_spec *specs = NULL;
    size_t n = 0;
    ko_status st = ko_pipe_load_dir(env->pipelines_dir, &a, &specs, &n, err);
    if (st == KO_OK)
        st = ko_pipe_tick(env, specs, n, NULL, err);
    ko_arena_free(&a);
    return st;
}

static void nap(const ko_pipe_worker *w, int64_t ms)
{
    for (int64_t t = 0; t < ms && !w->stop; t += 20)
        ko_sleep_us(20000);
}

static void *scheduler_main(void *arg)
{
    pipe_thread *pt = arg;
    ko_pipe_worker *w = pt->w;
    ko_pipe_env env;
    ko_err e;
    char id[260];
    snprintf(id, sizeof id, "%s/scheduler", w->worker_id);
    if (env_open(&w->o, id, &env, &e) != KO_OK) {
        ko_log(KO_LOG_ERROR, "pipeline", "scheduler: %s", e.msg);
        return NULL;
    }
    while (!w->stop) {
        if (tick_dir(&env, &e) != KO_OK)
            ko_log(KO_LOG_WARN, "pipeline", "scheduler tick: %s", e.msg);
        nap(w, w->o.poll_ms);
    }
    env_close(&env);
    return NULL;
}

static void *executor_main(void *arg)
{
    pipe_thread *pt = arg;
    ko_pipe_worker *w = pt->w;
    ko_pipe_env env;
    ko_err e;
    char id[260];
    snprintf(id, sizeof id, "%s/%d", w->worker_id, pt->index);
    if (env_open(&w->o, id, &env, &e) != KO_OK) {
        ko_log(KO_LOG_ERROR, "pipeline", "executor %d: %s", pt->index, e.msg);
        return NULL;
    }
    while (!w->stop) {
        bool ran = false;
        if (run_one(&env, &ran, &e) != KO_OK)
            ko_log(KO_LOG_WARN, "pipeline", "executor %d: %s", pt->index, e.msg);
        if (!ran)
            nap(w, w->o.poll_ms);
    }
    env_close(&env);
    return NULL;
}

ko_status ko_pipe_worker_start(const ko_pipe_worker_opts *o, ko_pipe_worker **out, ko_err *err)
{
    ko_pipe_worker *w = calloc(1, sizeof *w);
    if (!w)
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory starting a worker");
    w->o = *o;
    defaults(&w->o, w->worker_id, sizeof w->worker_id);
    if (w->o.worker_id != w->worker_id)
        snprintf(w->worker_id, sizeof w->worker_id, "%s", w->o.worker_id);
    w->n = (size_t)w->o.concurrency + 1;
    w->threads = calloc(w->n, sizeof *w->threads);
    if (!w->threads) {
        free(w);
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory starting a worker");
    }
    for (size_t i = 0; i < w->n; i++) {
        pipe_thread *pt = &w->threads[i];
        pt->w = w;
        pt->index = (int)i;
        if (i == 0 && w->o.no_scheduler)
            continue;
        pt->started =
            pthread_create(&pt->t, NULL, i == 0 ? scheduler_main : executor_main, pt) == 0;
    }
    ko_log(KO_LOG_INFO, "pipeline", "worker %s: %d executors, pipelines in %s, lease %lld ms",
           w->worker_id, w->o.concurrency, w->o.pipelines_dir, (long long)w->o.lease_ms);
    *out = w;
    return KO_OK;
}

void ko_pipe_worker_stop(ko_pipe_worker *w)
{
    if (!w)
        return;
    w->stop = true;
    for (size_t i = 0; i < w->n; i++)
        if (w->threads[i].started)
            pthread_join(w->threads[i].t, NULL);
    free(w->threads);
    free(w);
}

ko_status ko_pipe_worker_once(const ko_pipe_worker_opts *o, size_t *ran, ko_err *err)
{
    ko_pipe_worker_opts opts = *o;
    char id[200];
    defaults(&opts, id, sizeof id);
    ko_pipe_env env;
    ko_status st = env_open(&opts, opts.worker_id, &env, err);
    if (st != KO_OK)
        return st;
    if (!opts.no_scheduler)
        st = tick_dir(&env, err);
    size_t count = 0;
    for (bool more = true; st == KO_OK && more;) {
        st = run_one(&env, &more, err);
        count += more;
    }
    env_close(&env);
    if (ran)
        *ran = count;
    return st;
}
