/*
 * exec.c - one attempt of a run: the heartbeat, the steps, the fenced
 * commits, the outcome (pipeline.h).
 *
 * An attempt runs in the calling thread while a heartbeat thread renews
 * the lease every heartbeat interval.  The heartbeat also notices a lost
 * lease, a cancellation request and the attempt's deadline; any of these
 * aborts the attempt: the running SQL statement is cancelled and the
 * running command's process group killed.
 *
 * Every table commit a step makes goes through a ko_ice_catalog whose
 * commit is ko_cat_run_fenced_commit: the attempt's lease is re-checked in
 * the transaction that swaps the table pointer.  SQL "INSERT INTO t
 * <query>" statements are run by this file, not by the engine, so that
 * their commit is fenced and stamped: the query runs to an in-memory
 * Parquet file (ko_sql renderer), which ko_ice_table_append commits with
 * korolev.run-id, korolev.attempt and korolev.step in the snapshot
 * summary.  Its columns are matched to the table's as in SQL, by position
 * or by the statement's column list (insert.c projects and casts the
 * query to the table's columns first).  A retry skips
 * any such statement whose snapshot is already in the table's history.
 * Other statements (CREATE, DELETE, ...) run in the engine unfenced and
 * must be idempotent (CREATE TABLE IF NOT EXISTS).  Ingest steps use an
 * idempotency key derived from the run and step, so a retried ingest
 * returns the first one's record instead of writing again.  Commands are
 * run again on a retry and get KOROLEV_ATTEMPT to decide.
 */
#include "iceberg/iceberg.h"
#include "ingest/ingest.h"
#include "pipeline/pipe_internal.h"
#include "sql/sql.h"

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* ------------------------------------------------------------------- logs */

void pipe_log(pipe_attempt *at, const char *fmt, ...)
{
    char ts[KO_TIME_STR_MAX];
    ko_time_format(ko_now_us(), ts);
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&at->mu);
    if (at->log.len < PIPE_LOG_MAX && ko_buf_appendf(&at->log, "%s %s\n", ts, line) != KO_OK)
        ko_buf_reset(&at->log);
    pthread_mutex_unlock(&at->mu);
}

void pipe_log_raw(pipe_attempt *at, const uint8_t *data, size_t len)
{
    pthread_mutex_lock(&at->mu);
    if (len && at->log.len + len < PIPE_LOG_MAX && ko_buf_append(&at->log, data, len) != KO_OK)
        ko_buf_reset(&at->log);
    if (len && data[len - 1] != '\n' && ko_buf_append(&at->log, "\n", 1) != KO_OK)
        ko_buf_reset(&at->log);
    pthread_mutex_unlock(&at->mu);
}

static void flush_log(pipe_attempt *at)
{
    char key[160];
    snprintf(key, sizeof key, "_korolev/runs/%s/attempt-%lld.log", at->run->id,
             (long long)at->run->attempt);
    pthread_mutex_lock(&at->mu);
    ko_err e;
    if (ko_store_put(at->env->store, key, at->log.data ? at->log.data : (const uint8_t *)"",
                     at->log.len, KO_PUT_OVERWRITE, &e) != KO_OK)
        ko_log(KO_LOG_WARN, "pipeline", "run %s: cannot write its log: %s", at->run->id, e.msg);
    pthread_mutex_unlock(&at->mu);
}

/* ------------------------------------------------------------- heartbeat */

static bool aborted(pipe_attempt *at)
{
    return at->lost || at->cancelled || at->timed_out;
}

static void abort_work(pipe_attempt *at)
{
    pthread_mutex_lock(&at->mu);
    if (at->session)
        ko_sql_cancel(at->session);
    if (at->child > 0)
        kill(-at->child, SIGKILL);
    pthread_mutex_unlock(&at->mu);
}

static void beat(pipe_attempt *at)
{
    bool cancel = false;
    ko_err e;
    ko_status st = ko_cat_run_heartbeat(at->env->cat, at->run->id, at->run->attempt,
                                        at->env->lease_ms * 1000, ko_pipe_now_us(), &cancel, &e);
    if (st == KO_ERR_CONFLICT) {
        at->lost = true;
        pipe_log(at, "lease lost: %s", e.msg);
    } else if (st != KO_OK) {
        pipe_log(at, "heartbeat failed (will retry): %s", e.msg);
    } else if (cancel && !at->cancelled) {
        at->cancelled = true;
        pipe_log(at, "cancellation requested");
    }
}

static void *heartbeat_main(void *arg)
{
    pipe_attempt *at = arg;
    int64_t next = ko_monotonic_us() + at->env->heartbeat_ms * 1000;
    while (!at->stop) {
        ko_sleep_us(20000);
        int64_t now = ko_monotonic_us();
        if (!at->timed_out && now >= at->deadline_mono) {
            at->timed_out = true;
            pipe_log(at, "attempt timed out after %lld ms", (long long)at->timeout_ms);
        }
        if (now >= next) {
            beat(at);
            next = now + at->env->heartbeat_ms * 1000;
        }
        if (aborted(at))
            abort_work(at);
    }
    return NULL;
}

/* --------------------------------------------------------- fenced catalog */

static ko_status fc_load(void *ctx, const char *ns, const char *name, ko_arena *arena,
                         const char **location, ko_err *err)
{
    pipe_attempt *at = ctx;
    ko_cat_ns n;
    ko_cat_table t;
    ko_status st = ko_cat_ns_parse(ns, arena, &n, err);
    if (st == KO_OK)
        st = ko_cat_table_load(at->env->cat, n, name, arena, &t, err);
    if (st == KO_OK)
        *location = t.location;
    return st;
}

static ko_status fc_create(void *ctx, const char *ns, const char *name, const char *location,
                           const char *summary, ko_err *err)
{
    pipe_attempt *at = ctx;
    ko_arena a = {0};
    ko_cat_ns n;
    ko_cat_change chg = {at->principal, summary};
    ko_status st = ko_cat_ns_parse(ns, &a, &n, err);
    if (st == KO_OK)
        st = ko_cat_table_create(at->env->cat, &chg, n, name, location, err);
    ko_arena_free(&a);
    return st;
}

static ko_status fc_commit(void *ctx, const char *ns, const char *name, const char *expected,
                           const char *location, const char *summary, ko_err *err)
{
    pipe_attempt *at = ctx;
    ko_arena a = {0};
    ko_cat_ns n;
    ko_cat_change chg = {at->principal, summary};
    ko_status st = ko_cat_ns_parse(ns, &a, &n, err);
    if (st == KO_OK)
        st = ko_cat_run_fenced_commit(at->env->cat, &chg, at->run->id, at->run->attempt,
                                      ko_pipe_now_us(), n, name, expected, location, err);
    if (st == KO_ERR_TIMEOUT)
        at->lost = true;
    ko_arena_free(&a);
    return st;
}

static ko_status fc_audit(void *ctx, const char *action, const char *object, const char *summary,
                          ko_err *err)
{
    pipe_attempt *at = ctx;
    ko_cat_change chg = {at->principal, summary};
    return ko_cat_audit_append(at->env->cat, &chg, action, object, NULL, NULL, NULL, err);
}

/* ------------------------------------------------------------ SQL splitting */

/* Splits script into statements at semicolons outside quotes and
 * comments; empty statements are dropped. */
ko_status pipe_split_sql(const char *script, ko_arena *a, const char ***out, size_t *n, ko_err *err)
{
    size_t cap = 8, count = 0;
    const char **list = ko_arena_calloc(a, cap, sizeof *list);
    const char *start = script;
    for (const char *p = script; list; p++) {
        if (*p == '\'' || *p == '"') {
            const char *q = strchr(p + 1, *p);
            p = q ? q : p + strlen(p) - 1;
        } else if (p[0] == '-' && p[1] == '-') {
            p += strcspn(p, "\n");
        } else if (p[0] == '/' && p[1] == '*') {
            const char *q = strstr(p + 2, "*/");
            p = q ? q + 1 : p + strlen(p) - 1;
        }
        if (*p != ';' && *p != '\0')
            continue;
        const char *s = start;
        while (isspace((unsigned char)*s))
            s++;
        if (s < p) {
            if (count + 1 >= cap) {
                const char **bigger = ko_arena_calloc(a, cap * 2, sizeof *list);
                if (bigger)
                    memcpy(bigger, list, count * sizeof *list);
                list = bigger;
                cap *= 2;
            }
            if (list && !(list[count++] = ko_arena_strndup(a, s, (size_t)(p - s))))
                list = NULL;
        }
        if (*p == '\0')
            break;
        start = p + 1;
    }
    if (!list)
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory splitting SQL");
    *out = list;
    *n = count;
    return KO_OK;
}

/* ------------------------------------------------------------------- steps */

static ko_status already_committed(pipe_attempt *at, const ko_ice_table *t, const char *step_key,
                                   int64_t *snap)
{
    for (uint32_t i = 0; i < t->meta.n_snapshots; i++) {
        const ko_ice_snapshot *s = &t->meta.snapshots[i];
        const char *rid = ko_ice_snapshot_summary(s, "korolev.run-id");
        const char *stp = ko_ice_snapshot_summary(s, "korolev.step");
        if (rid && stp && strcmp(rid, at->run->id) == 0 && strcmp(stp, step_key) == 0) {
            *snap = s->snapshot_id;
            return KO_OK;
        }
    }
    *snap = -1;
    return KO_OK;
}

static ko_status render_parquet(pipe_attempt *at, const char *query, char **data, size_t *len,
                                ko_err *err)
{
    FILE *mem = open_memstream(data, len);
    if (!mem)
        return ko_err_errno(err, errno, "in-memory result file");
    ko_sql_renderer *r = NULL;
    ko_status st = ko_sql_renderer_new(KO_SQL_FMT_PARQUET, mem, &r, err);
    if (st == KO_OK) {
        ko_sql_sink sink = ko_sql_render_sink(r);
        st = ko_sql_exec(at->session, query, strlen(query), &sink, err);
        ko_sql_renderer_free(r);
    }
    (void)fclose(mem);
    return st;
}

static void record_output(pipe_attempt *at, const char *table, int64_t snap, const char *step)
{
    json_t *o =
        json_pack("{s:s, s:I, s:s}", "table", table, "snapshot-id", (json_int_t)snap, "step", step);
    pthread_mutex_lock(&at->mu);
    if (o)
        json_array_append_new(at->outputs, o);
    pthread_mutex_unlock(&at->mu);
}

static ko_status append_result(pipe_attempt *at, const char *ns, const char *name,
                               const char *step_key, const char *data, size_t len, ko_arena *a,
                               int64_t *snap, ko_err *err)
{
    ko_pq_reader *r = NULL;
    ko_status st = ko_pq_reader_open_memory((const uint8_t *)data, len, "query result", &r, err);
    if (st != KO_OK)
        return st;
    char attempt[24];
    snprintf(attempt, sizeof attempt, "%lld", (long long)at->run->attempt);
    ko_ice_kv kv[] = {{"korolev.run-id", at->run->id},
                      {"korolev.attempt", attempt},
                      {"korolev.pipeline", at->run->pipeline},
                      {"korolev.step", step_key}};
    ko_ice_commit_opts o = {.summary = kv, .n_summary = (uint32_t)KO_ARRAY_LEN(kv)};
    ko_ice_commit_info info;
    const char *names[] = {"query result"};
    st = ko_ice_table_append(&at->wh, ns, name, &r, names, 1, &o, a, &info, err);
    ko_pq_reader_close(r);
    *snap = info.snapshot_id;
    return st;
}

/* INSERT INTO table <query>, fenced and stamped (see the top). */
static ko_status fenced_insert(pipe_attempt *at, const pipe_insert *ins, const char *step_key,
                               ko_err *err)
{
    ko_arena a = {0};
    const char *table = ins->table, *query = NULL;
    const char *ns, *name;
    ko_ice_table t;
    int64_t snap = -1;
    ko_status st = ko_ice_ident_parse(table, &a, &ns, &name, err);
    if (st == KO_OK)
        st = ko_ice_table_load(&at->wh, ns, name, &a, &t, err);
    if (st == KO_OK)
        st = already_committed(at, &t, step_key, &snap);
    if (st == KO_OK && snap >= 0) {
        pipe_log(at, "%s: already committed to %s as snapshot %lld by an earlier attempt: skipped",
                 step_key, table, (long long)snap);
        record_output(at, table, snap, step_key);
        ko_arena_free(&a);
        return KO_OK;
    }
    char *data = NULL;
    size_t len = 0;
    if (st == KO_OK)
        st = pipe_insert_plan(at->session, ins, &t, &a, &query, err);
    if (st == KO_OK)
        st = render_parquet(at, query, &data, &len, err);
    if (st == KO_OK && aborted(at))
        st = ko_err_set(err, KO_ERR_TIMEOUT, "attempt aborted before its commit");
    if (st == KO_OK)
        st = append_result(at, ns, name, step_key, data, len, &a, &snap, err);
    if (st == KO_OK) {
        pipe_log(at, "%s: committed snapshot %lld to %s", step_key, (long long)snap, table);
        record_output(at, table, snap, step_key);
    }
    free(data);
    ko_arena_free(&a);
    return st;
}

typedef struct count_sink {
    pipe_attempt *at;
    const char *kind;
    int64_t rows;
} count_sink;

static ko_status cs_begin(void *ctx, const ko_sql_result_info *info, ko_err *err)
{
    (void)err;
    count_sink *c = ctx;
    c->kind = info->statement;
    c->rows = 0;
    return KO_OK;
}

static ko_status cs_batch(void *ctx, const ko_batch *b, ko_err *err)
{
    (void)err;
    ((count_sink *)ctx)->rows += (int64_t)b->n;
    return KO_OK;
}

static ko_status cs_end(void *ctx, ko_err *err)
{
    (void)err;
    count_sink *c = ctx;
    pipe_log(c->at, "  %s: %lld result rows", c->kind ? c->kind : "statement", (long long)c->rows);
    return KO_OK;
}

static ko_status open_session(pipe_attempt *at, double timeout_s, ko_err *err)
{
    ko_sql_options o = {
        .warehouse = at->env->store, .catalog = at->env->cat, .threads = 1, .timeout_s = timeout_s};
    ko_sql_session *s = NULL;
    ko_status st = ko_sql_session_open(&o, &s, err);
    pthread_mutex_lock(&at->mu);
    at->session = s;
    pthread_mutex_unlock(&at->mu);
    return st;
}

static void close_session(pipe_attempt *at)
{
    pthread_mutex_lock(&at->mu);
    ko_sql_session *s = at->session;
    at->session = NULL;
    pthread_mutex_unlock(&at->mu);
    if (s)
        ko_sql_session_close(s);
}

static ko_status run_statement(pipe_attempt *at, const ko_pipe_step *step, const char *stmt,
                               size_t idx, ko_arena *a, ko_err *err)
{
    pipe_insert ins;
    const char *key = ko_arena_sprintf(a, "%s#%zu", step->name, idx + 1);
    if (!key)
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory");
    pipe_log(at, "%s: %.200s", key, stmt);
    if (pipe_parse_insert(stmt, a, &ins))
        return fenced_insert(at, &ins, key, err);
    count_sink cs = {at, NULL, 0};
    ko_sql_sink sink = {&cs, cs_begin, cs_batch, cs_end};
    return ko_sql_exec(at->session, stmt, strlen(stmt), &sink, err);
}

static ko_status sql_step(pipe_attempt *at, const ko_pipe_step *step, ko_arena *a, ko_err *err)
{
    const char *text;
    const char **stmts;
    size_t n = 0;
    ko_status st = ko_pipe_render(step->sql, &at->vars, true, a, &text, err);
    if (st == KO_OK)
        st = pipe_split_sql(text, a, &stmts, &n, err);
    int64_t left = at->deadline_mono - ko_monotonic_us();
    double timeout = (double)(step->timeout_ms ? step->timeout_ms * 1000 : left) / 1e6;
    if (st == KO_OK)
        st = open_session(at, timeout > 0.001 ? timeout : 0.001, err);
    for (size_t i = 0; st == KO_OK && i < n && !aborted(at); i++)
        st = run_statement(at, step, stmts[i], i, a, err);
    close_session(at);
    return st;
}

static ko_status ingest_run(pipe_attempt *at, const ko_pipe_step *step, const char *from,
                            const char *key, ko_arena *a, ko_err *err)
{
    const char *ns, *name;
    ko_ingest_format fmt = KO_INGEST_AUTO;
    if (step->format)
        (void)ko_ingest_format_parse(step->format, &fmt);
    ko_ingest_opts o = {.idempotency_key = key,
                        .has_max_reject_ratio = step->has_max_reject_ratio,
                        .max_reject_ratio = step->max_reject_ratio,
                        .lease_ms = at->env->lease_ms,
                        .principal = at->principal};
    ko_ingest *in = NULL;
    json_t *rec = NULL;
    ko_status st = ko_ice_ident_parse(step->into, a, &ns, &name, err);
    if (st == KO_OK)
        st = ko_ingest_open(&at->wh, at->env->cat, ns, name, &o, &in, err);
    if (st == KO_OK && !ko_ingest_replayed(in)) {
        st = ko_ingest_uri(in, from, fmt, err);
        if (st != KO_OK) {
            ko_ingest_abort(in, err->msg);
            return st;
        }
    }
    if (st == KO_OK)
        st = ko_ingest_finish(in, &rec, err);
    if (st == KO_OK)
        st = pipe_ingest_verdict(at, step, from, rec, err);
    json_decref(rec);
    return st;
}

static ko_status ingest_step(pipe_attempt *at, const ko_pipe_step *step, ko_arena *a, ko_err *err)
{
    const char *from;
    ko_status st =
        ko_pipe_render(step->from ? step->from : "{{ file }}", &at->vars, false, a, &from, err);
    if (st != KO_OK)
        return st;
    const char *key = ko_arena_sprintf(a, "run:%s:%s:%s", at->run->id, step->name, from);
    if (!key)
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory");
    pipe_log(at, "%s: ingest %s into %s", step->name, from, step->into);
    return ingest_run(at, step, from, key, a, err);
}

static ko_status run_step(pipe_attempt *at, const ko_pipe_step *step, ko_arena *a, ko_err *err)
{
    switch (step->kind) {
    case KO_PIPE_STEP_SQL:
        return sql_step(at, step, a, err);
    case KO_PIPE_STEP_INGEST:
        return ingest_step(at, step, a, err);
    case KO_PIPE_STEP_COMMAND:
        return pipe_command_step(at, step, a, err);
    }
    return ko_err_set(err, KO_ERR_INTERNAL, "unknown step kind");
}

/* ---------------------------------------------------------------- lineage */

static void record_inputs(pipe_attempt *at, const ko_pipe_spec *spec)
{
    for (size_t i = 0; i < spec->n_inputs + spec->n_triggers; i++) {
        const char *table = i < spec->n_inputs ? spec->inputs[i]
                            : spec->triggers[i - spec->n_inputs].kind == KO_PIPE_TRIG_UPSTREAM
                                ? spec->triggers[i - spec->n_inputs].table
                                : NULL;
        ko_arena a = {0};
        const char *ns, *name;
        ko_ice_table t;
        ko_err e;
        if (table && ko_ice_ident_parse(table, &a, &ns, &name, &e) == KO_OK &&
            ko_ice_table_load(&at->wh, ns, name, &a, &t, &e) == KO_OK)
            json_array_append_new(at->inputs, json_pack("{s:s, s:I}", "table", table, "snapshot-id",
                                                        (json_int_t)t.meta.current_snapshot_id));
        ko_arena_free(&a);
    }
}

/* ---------------------------------------------------------------- outcome */

static char *dump(json_t *j)
{
    return json_dumps(j, JSON_COMPACT);
}

static void finish(pipe_attempt *at, const char *state, const char *error, int64_t not_before)
{
    char *in = dump(at->inputs), *out = dump(at->outputs);
    ko_cat_run fin = *at->run;
    fin.state = state;
    fin.error = error;
    fin.inputs = in;
    fin.outputs = out;
    fin.not_before = not_before;
    ko_cat_change chg = {at->principal, NULL};
    ko_err e;
    if (ko_cat_run_finish(at->env->cat, &chg, &fin, ko_pipe_now_us(), &e) != KO_OK) {
        pipe_log(at, "could not record the outcome %s: %s", state, e.msg);
        ko_log(KO_LOG_WARN, "pipeline", "run %s: %s", at->run->id, e.msg);
    }
    free(in);
    free(out);
}

static void outcome(pipe_attempt *at, ko_status st, const char *error)
{
    const ko_cat_run *r = at->run;
    if (at->lost) {
        pipe_log(at, "lease lost: the outcome is left to the attempt that took over");
        return;
    }
    if (st == KO_OK && !at->cancelled && !at->timed_out) {
        pipe_log(at, "succeeded");
        finish(at, "succeeded", NULL, r->not_before);
        return;
    }
    if (at->cancelled) {
        pipe_log(at, "cancelled");
        finish(at, "cancelled", "cancelled", r->not_before);
        return;
    }
    if (r->attempt < r->max_attempts) {
        int shift = r->attempt - 1 < 20 ? (int)r->attempt - 1 : 20;
        int64_t delay = r->backoff_ms * ((int64_t)1 << shift);
        pipe_log(at, "attempt %lld failed: %s; retrying in %lld ms", (long long)r->attempt, error,
                 (long long)delay);
        finish(at, "retrying", error, ko_pipe_now_us() + delay * 1000);
        return;
    }
    pipe_log(at, "failed after %lld attempts: %s", (long long)r->attempt, error);
    finish(at, "failed", error, r->not_before);
    ko_pipe_alert(at->env, "run_failed", r->pipeline, r->id, NULL,
                  "pipeline %s run %s failed after %lld attempts: %s", r->pipeline, r->id,
                  (long long)r->attempt, error);
}

static ko_status run_steps(pipe_attempt *at, const ko_pipe_spec *spec, ko_err *err)
{
    ko_status st = KO_OK;
    for (size_t i = 0; st == KO_OK && i < spec->n_steps; i++) {
        if (aborted(at))
            break;
        ko_arena a = {0};
        int64_t t0 = ko_monotonic_us();
        pipe_log(at, "step %s started", spec->steps[i].name);
        st = run_step(at, &spec->steps[i], &a, err);
        if (st == KO_OK)
            pipe_log(at, "step %s done in %.3f s", spec->steps[i].name,
                     (double)(ko_monotonic_us() - t0) / 1e6);
        else
            ko_err_prefix(err, "step %s", spec->steps[i].name);
        ko_arena_free(&a);
        flush_log(at);
    }
    if (st == KO_OK && at->timed_out)
        st = ko_err_set(err, KO_ERR_TIMEOUT, "timed out after %lld ms", (long long)at->timeout_ms);
    if (at->timed_out && st != KO_OK && err->status != KO_ERR_TIMEOUT)
        st = ko_err_set(err, KO_ERR_TIMEOUT, "timed out after %lld ms (%s)",
                        (long long)at->timeout_ms, err->msg);
    return st;
}

static ko_status load_spec(const ko_pipe_env *env, const char *name, ko_arena *a,
                           const ko_pipe_spec **out, ko_err *err)
{
    ko_pipe_spec *specs = NULL;
    size_t n = 0;
    ko_status st = ko_pipe_load_dir(env->pipelines_dir, a, &specs, &n, err);
    if (st != KO_OK)
        return st;
    *out = ko_pipe_find(specs, n, name);
    if (!*out)
        return ko_err_set(err, KO_ERR_NOT_FOUND, "pipeline %s is not defined in %s", name,
                          env->pipelines_dir);
    return KO_OK;
}

static void attempt_init(pipe_attempt *at, const ko_pipe_env *env, const ko_cat_run *run)
{
    memset(at, 0, sizeof *at);
    pthread_mutex_init(&at->mu, NULL);
    at->env = env;
    at->run = run;
    at->principal = "pipeline";
    at->icat = (ko_ice_catalog){at, fc_load, fc_create, fc_commit, fc_audit};
    at->wh = (ko_ice_warehouse){env->store, &at->icat};
    at->inputs = json_array();
    at->outputs = json_array();
}

static void attempt_free(pipe_attempt *at)
{
    json_decref(at->inputs);
    json_decref(at->outputs);
    ko_buf_free(&at->log);
    pthread_mutex_destroy(&at->mu);
}

ko_status ko_pipe_execute(const ko_pipe_env *env, const ko_cat_run *run, ko_err *err)
{
    pipe_attempt at;
    attempt_init(&at, env, run);
    ko_arena a = {0};
    const ko_pipe_spec *spec = NULL;
    ko_err serr;
    ko_err_clear(&serr);
    pipe_log(&at, "run %s of %s, attempt %lld of %lld, worker %s", run->id, run->pipeline,
             (long long)run->attempt, (long long)run->max_attempts, env->worker_id);
    ko_status st = load_spec(env, run->pipeline, &a, &spec, &serr);
    at.timeout_ms = spec ? spec->timeout_ms : 60000;
    at.deadline_mono = ko_monotonic_us() + at.timeout_ms * 1000;
    pthread_t hb;
    bool hb_started = pthread_create(&hb, NULL, heartbeat_main, &at) == 0;
    if (st == KO_OK)
        st = ko_pipe_vars_build(spec, run, &a, &at.vars, &serr);
    if (st == KO_OK) {
        record_inputs(&at, spec);
        st = run_steps(&at, spec, &serr);
    }
    at.stop = true;
    if (hb_started)
        pthread_join(hb, NULL);
    outcome(&at, st, serr.msg);
    flush_log(&at);
    attempt_free(&at);
    ko_arena_free(&a);
    (void)err;
    return KO_OK;
}
