/*
 * command.c - command steps and ingest verdicts (pipe_internal.h).
 *
 * A command runs in its own process group (so a timeout or cancellation
 * kills it and everything it started) with PR_SET_PDEATHSIG, so a worker
 * killed with SIGKILL takes its command with it.  Its standard output and
 * error go to the attempt's log.  Environment (docs/pipelines.md):
 *   KOROLEV_RUN_ID, KOROLEV_ATTEMPT, KOROLEV_PIPELINE, KOROLEV_STEP,
 *   KOROLEV_LOGICAL_DATE, KOROLEV_WAREHOUSE, KOROLEV_CATALOG, KOROLEV (the
 *   korolev binary), KOROLEV_PARAM_<NAME> for every variable.
 * A command fails the step when it exits with a non-zero status, is killed
 * by a signal, or outlives its timeout (the step's, else the attempt's).
 */
#include "pipeline/pipe_internal.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *var(const pipe_attempt *at, const char *name)
{
    for (size_t i = at->vars.n; i-- > 0;)
        if (strcmp(at->vars.names[i], name) == 0)
            return at->vars.values[i];
    return "";
}

typedef struct envb {
    char **items;
    size_t n, cap;
    ko_arena *a;
} envb;

static void put(envb *e, const char *name, const char *value)
{
    char *item = e->n < e->cap ? ko_arena_sprintf(e->a, "%s=%s", name, value) : NULL;
    if (item)
        e->items[e->n++] = item;
}

/* The command's environment, built before fork (the child of a threaded
 * process must not allocate): ours first, then the worker's own. */
static char **build_env(const pipe_attempt *at, const ko_pipe_step *step, ko_arena *a)
{
    size_t outer = 0;
    while (environ && environ[outer])
        outer++;
    envb e = {NULL, 0, outer + at->vars.n + 16, a};
    e.items = ko_arena_calloc(a, e.cap + 1, sizeof *e.items);
    if (!e.items)
        return NULL;
    char attempt[24], self[4096];
    snprintf(attempt, sizeof attempt, "%lld", (long long)at->run->attempt);
    put(&e, "KOROLEV_RUN_ID", at->run->id);
    put(&e, "KOROLEV_ATTEMPT", attempt);
    put(&e, "KOROLEV_PIPELINE", at->run->pipeline);
    put(&e, "KOROLEV_STEP", step->name);
    put(&e, "KOROLEV_LOGICAL_DATE", var(at, "ds"));
    put(&e, "KOROLEV_WAREHOUSE", at->env->warehouse_uri ? at->env->warehouse_uri : "");
    put(&e, "KOROLEV_CATALOG", at->env->catalog_uri ? at->env->catalog_uri : "");
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n > 0) {
        self[n] = '\0';
        put(&e, "KOROLEV", self);
    }
    for (size_t i = 0; i < at->vars.n; i++) {
        char name[160];
        int len = snprintf(name, sizeof name, "KOROLEV_PARAM_%s", at->vars.names[i]);
        for (int k = 14; k < len && k < (int)sizeof name - 1; k++)
            name[k] = isalnum((unsigned char)name[k]) ? (char)toupper((unsigned char)name[k]) : '_';
        put(&e, name, at->vars.values[i]);
    }
    for (size_t i = 0; i < outer && e.n < e.cap; i++)
        e.items[e.n++] = environ[i];
    return e.items;
}

/* In the child: never returns. */
static void child_main(char **argv, char **envp, int out_fd)
{
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    dup2(out_fd, 1);
    dup2(out_fd, 2);
    close(out_fd);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0)
        dup2(devnull, 0);
    execvpe(argv[0], argv, envp);
    static const char msg[] = "cannot run the command\n";
    (void)!write(2, msg, sizeof msg - 1);
    _exit(127);
}

typedef struct wait_state {
    int64_t deadline;
    bool timed_out;
    ko_buf out;
} wait_state;

/* Reads the child's output until it closes, the deadline passes or the
 * attempt is aborted (then the process group is killed). */
static void drain(pipe_attempt *at, pid_t pid, int fd, wait_state *w)
{
    char chunk[4096];
    for (;;) {
        struct pollfd p = {fd, POLLIN, 0};
        int r = poll(&p, 1, 100);
        if (r > 0) {
            ssize_t n = read(fd, chunk, sizeof chunk);
            if (n <= 0)
                break;
            if (w->out.len < PIPE_LOG_MAX && ko_buf_append(&w->out, chunk, (size_t)n) != KO_OK)
                break;
        }
        if (ko_monotonic_us() >= w->deadline && !w->timed_out) {
            w->timed_out = true;
            kill(-pid, SIGKILL);
        }
        if (at->lost || at->cancelled || at->timed_out)
            kill(-pid, SIGKILL);
    }
}

static ko_status verdict(const ko_pipe_step *step, int status, const wait_state *w,
                         int64_t timeout_ms, ko_err *err)
{
    if (w->timed_out)
        return ko_err_set(err, KO_ERR_TIMEOUT, "command %s timed out after %lld ms", step->argv[0],
                          (long long)timeout_ms);
    if (WIFSIGNALED(status))
        return ko_err_set(err, KO_ERR_IO, "command %s was killed by signal %d", step->argv[0],
                          WTERMSIG(status));
    if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
        return ko_err_set(err, KO_ERR_IO, "command %s exited with status %d", step->argv[0],
                          WEXITSTATUS(status));
    return KO_OK;
}

static ko_status render_argv(pipe_attempt *at, const ko_pipe_step *step, ko_arena *a, char ***out,
                             ko_err *err)
{
    char **argv = ko_arena_calloc(a, step->argc + 1, sizeof *argv);
    if (!argv)
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < step->argc; i++) {
        const char *r;
        ko_status st = ko_pipe_render(step->argv[i], &at->vars, false, a, &r, err);
        if (st != KO_OK)
            return st;
        argv[i] = (char *)r;
    }
    *out = argv;
    return KO_OK;
}

ko_status pipe_command_step(pipe_attempt *at, const ko_pipe_step *step, ko_arena *a, ko_err *err)
{
    char **argv = NULL;
    ko_status st = render_argv(at, step, a, &argv, err);
    int fds[2];
    if (st != KO_OK)
        return st;
    char **envp = build_env(at, step, a);
    if (!envp)
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory");
    if (pipe2(fds, O_CLOEXEC) != 0)
        return ko_err_errno(err, errno, "pipe for command %s", argv[0]);
    pid_t pid = fork();
    if (pid == 0)
        child_main(argv, envp, fds[1]);
    close(fds[1]);
    if (pid < 0) {
        close(fds[0]);
        return ko_err_errno(err, errno, "fork for command %s", argv[0]);
    }
    pthread_mutex_lock(&at->mu);
    at->child = pid;
    pthread_mutex_unlock(&at->mu);
    int64_t left_ms = (at->deadline_mono - ko_monotonic_us()) / 1000;
    int64_t timeout_ms =
        step->timeout_ms && step->timeout_ms < left_ms ? step->timeout_ms : left_ms;
    wait_state w = {.deadline = ko_monotonic_us() + timeout_ms * 1000};
    drain(at, pid, fds[0], &w);
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    pthread_mutex_lock(&at->mu);
    at->child = 0;
    pthread_mutex_unlock(&at->mu);
    pipe_log(at, "%s: %s exited; its output:", step->name, argv[0]);
    pipe_log_raw(at, w.out.data, w.out.len);
    st = verdict(step, status, &w, timeout_ms, err);
    ko_buf_free(&w.out);
    return st;
}

/* ------------------------------------------------------------------ ingest */

ko_status pipe_ingest_verdict(pipe_attempt *at, const ko_pipe_step *step, const char *from,
                              json_t *rec, ko_err *err)
{
    const char *status = json_string_value(json_object_get(rec, "status"));
    json_int_t received = json_integer_value(json_object_get(rec, "received"));
    json_int_t rejected = json_integer_value(json_object_get(rec, "rejected"));
    json_int_t written = json_integer_value(json_object_get(rec, "written"));
    pipe_log(at, "%s: ingest %s: %s, received %lld, written %lld, rejected %lld", step->name, from,
             status ? status : "?", (long long)received, (long long)written, (long long)rejected);
    double r = received > 0 ? (double)rejected / (double)received : 0;
    if (step->has_alert_reject_ratio && r > step->alert_reject_ratio) {
        char dedup[300];
        snprintf(dedup, sizeof dedup, "rejects:%s:%s:%s", at->run->id, step->name, from);
        ko_pipe_alert(at->env, "reject_ratio", step->into, at->run->id, dedup,
                      "ingest of %s into %s rejected %lld of %lld records (%.2f%% > %.2f%%)", from,
                      step->into, (long long)rejected, (long long)received, r * 100,
                      step->alert_reject_ratio * 100);
    }
    if (status && strcmp(status, "failed") == 0)
        return ko_err_set(err, KO_ERR_INVALID,
                          "ingest of %s into %s failed: %lld of %lld records rejected", from,
                          step->into, (long long)rejected, (long long)received);
    json_t *snap = json_object_get(rec, "snapshot-id");
    if (json_is_integer(snap)) {
        json_t *o = json_pack("{s:s, s:I, s:s}", "table", step->into, "snapshot-id",
                              json_integer_value(snap), "step", step->name);
        pthread_mutex_lock(&at->mu);
        if (o)
            json_array_append_new(at->outputs, o);
        pthread_mutex_unlock(&at->mu);
    }
    return KO_OK;
}
