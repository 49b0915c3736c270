/*
 * worker_cmd.c - `korolev worker`: executes pipeline runs and, unless
 * --no-scheduler, runs the scheduler too (scheduling lives in the workers:
 * any number of them may tick at once, docs/pipelines.md).
 *
 *   --concurrency N   executor threads (default 1)
 *   --once            tick once, run every ready run, exit
 *   --pipelines DIR   default $KOROLEV_PIPELINES, else ./pipelines
 *   --lease MS        lease length (default 30000; KOROLEV_LEASE_MS)
 *   --poll MS         tick / idle interval (default 1000; KOROLEV_POLL_MS)
 *   --no-scheduler    executors only
 *   --id ID           worker id in runs (default host:pid)
 *
 * Without --once it runs until SIGINT or SIGTERM, then lets running
 * attempts finish.
 */
#define _GNU_SOURCE /* sigwait, pthread_sigmask */
#include "cli/cli.h"
#include "pipeline/pipeline.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char USAGE[] = "worker [--concurrency N] [--once] [--pipelines DIR] [--lease MS] "
                            "[--poll MS] [--no-scheduler] [--id ID]";

static bool valued(ko_pipe_worker_opts *o, const char *flag, const char *v)
{
    char *end = NULL;
    long long n = strtoll(v, &end, 10);
    bool num = *v && !*end && n > 0;
    if (strcmp(flag, "--concurrency") == 0 && num && n <= 256)
        o->concurrency = (int)n;
    else if (strcmp(flag, "--lease") == 0 && num)
        o->lease_ms = n;
    else if (strcmp(flag, "--poll") == 0 && num)
        o->poll_ms = n;
    else if (strcmp(flag, "--pipelines") == 0)
        o->pipelines_dir = v;
    else if (strcmp(flag, "--id") == 0)
        o->worker_id = v;
    else
        return false;
    return true;
}

static int run_forever(const ko_pipe_worker_opts *o)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    ko_pipe_worker *w = NULL;
    ko_err err;
    if (ko_pipe_worker_start(o, &w, &err) != KO_OK)
        return ko_cli_fail(&err);
    int sig = 0;
    sigwait(&set, &sig);
    ko_log(KO_LOG_INFO, "pipeline", "signal %d: stopping after the running attempts", sig);
    ko_pipe_worker_stop(w);
    return 0;
}

int ko_cli_worker(int argc, char **argv)
{
    ko_pipe_worker_opts o = {.warehouse_uri = ko_cli_warehouse(), .catalog_uri = ko_cli_catalog()};
    bool once = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--once") == 0)
            once = true;
        else if (strcmp(argv[i], "--no-scheduler") == 0)
            o.no_scheduler = true;
        else if (i + 1 < argc && valued(&o, argv[i], argv[i + 1]))
            i++;
        else
            return ko_cli_usage(USAGE);
    }
    ko_log_init_from_env();
    ko_cli_make_catalog_dir(o.catalog_uri);
    if (!once)
        return run_forever(&o);
    size_t ran = 0;
    ko_err err;
    if (ko_pipe_worker_once(&o, &ran, &err) != KO_OK)
        return ko_cli_fail(&err);
    printf("ran %zu attempt%s\n", ran, ran == 1 ? "" : "s");
    return 0;
}
