/*
 * pipeline.c - pipeline runs, leases, trigger state and alerts
 * (catalog.h, "pipelines"; the model is in src/pipeline/pipeline.h).
 *
 * One row of ko_pipe_run per run.  Every change runs in a catalog write
 * transaction, which holds the catalog's single write lock (SQLite: BEGIN
 * IMMEDIATE; PostgreSQL: the audit head FOR UPDATE), so "find a ready run,
 * then take it" is atomic across processes and machines.  On PostgreSQL
 * the candidate row is also selected FOR UPDATE SKIP LOCKED, which keeps
 * the claim correct should the global lock ever be relaxed.
 *
 * Fencing.  A claim increments attempt and sets lease_until.  Heartbeat,
 * finish and the fenced table commit all match (id, attempt, state
 * running) and, for the commit, lease_until >= now, in the same
 * transaction as their change: a worker that stalled past its lease (and
 * whose run was reaped and claimed again) can change nothing.  The fenced
 * commit does the table pointer compare-and-swap itself (the same UPDATE
 * and audit record as table.c) so that the lease check and the swap are
 * one transaction.
 *
 * Times come from the caller (now_us), so that tests can drive the
 * scheduler with a controllable clock.
 */
#include "catalog/cat_internal.h"

#include <stdlib.h>
#include <string.h>

/* Out parameters are written through the transaction contexts, which
 * clang-tidy does not follow. */
// NOLINTBEGIN(readability-non-const-parameter)

enum { RUN_COLS = 23 };

#define RUN_SELECT                                                                             \
    "SELECT id, pipeline, state, trigger, logical_date, scheduled_us, params, dedup, attempt," \
    " max_attempts, backoff_ms, exclusive, worker, lease_until, not_before, cancel,"           \
    " created_us, started_us, updated_us, finished_us, error, inputs, outputs FROM ko_pipe_run"

static int64_t num(const char *s)
{
    return s ? strtoll(s, NULL, 10) : 0;
}

static ko_status nomem(ko_err *err)
{
    return ko_err_set(err, KO_ERR_NOMEM, "out of memory in the pipeline catalog");
}

static ko_status row_to_run(const ko_db_rows *r, size_t i, ko_arena *a, ko_cat_run *g, ko_err *err)
{
    const char *v[RUN_COLS];
    for (size_t c = 0; c < RUN_COLS; c++) {
        const char *cell = ko_db_cell(r, i, c);
        v[c] = cell ? ko_arena_strdup(a, cell) : NULL;
        if (cell && !v[c])
            return nomem(err);
    }
    *g = (ko_cat_run){.id = v[0],
                      .pipeline = v[1],
                      .state = v[2],
                      .trigger = v[3],
                      .logical_date = v[4],
                      .scheduled_us = num(v[5]),
                      .params = v[6],
                      .dedup = v[7],
                      .attempt = num(v[8]),
                      .max_attempts = num(v[9]),
                      .backoff_ms = num(v[10]),
                      .exclusive = num(v[11]) != 0,
                      .worker = v[12],
                      .lease_until = num(v[13]),
                      .not_before = num(v[14]),
                      .cancel = num(v[15]) != 0,
                      .created_us = num(v[16]),
                      .started_us = num(v[17]),
                      .updated_us = num(v[18]),
                      .finished_us = num(v[19]),
                      .error = v[20],
                      .inputs = v[21],
                      .outputs = v[22]};
    return KO_OK;
}

static ko_status rows_to_runs(const ko_db_rows *rows, ko_arena *a, ko_cat_run **out, size_t *n,
                              ko_err *err)
{
    ko_cat_run *items = ko_arena_calloc(a, rows->nrows ? rows->nrows : 1, sizeof *items);
    if (!items)
        return nomem(err);
    ko_status s = KO_OK;
    for (size_t i = 0; s == KO_OK && i < rows->nrows; i++)
        s = row_to_run(rows, i, a, &items[i], err);
    *out = items;
    *n = rows->nrows;
    return s;
}

/* The run's context for every body below. */
typedef struct run_ctx {
    const ko_cat_run *in;
    const ko_cat_change *chg;
    int64_t now, lease_us;
    const char *worker;
    const char *const *pipelines;
    size_t npipelines;
    ko_arena *a;
    ko_cat_run *out;
    ko_cat_run **many;
    size_t *n;
    bool *flag;
    const char **state;
    const char *pipeline, *key, *value;
    size_t limit;
} run_ctx;

/* ----------------------------------------------------------------- enqueue */

static ko_status enqueue_body(ko_cat *cat, void *ctx, ko_err *err)
{
    run_ctx *c = ctx;
    const ko_cat_run *r = c->in;
    ko_db_arg args[] = {
        ko_db_text(r->id),           ko_db_text(r->pipeline),    ko_db_text(r->trigger),
        ko_db_text(r->logical_date), ko_db_int(r->scheduled_us), ko_db_text(r->params),
        ko_db_text(r->dedup),        ko_db_int(r->max_attempts), ko_db_int(r->backoff_ms),
        ko_db_int(r->exclusive),     ko_db_int(r->not_before),   ko_db_int(c->now)};
    int64_t changed = 0;
    ko_status s = cat_exec(cat,
                           "INSERT INTO ko_pipe_run (id, pipeline, state, trigger, logical_date,"
                           " scheduled_us, params, dedup, max_attempts, backoff_ms, exclusive,"
                           " not_before, created_us, updated_us) VALUES ($1, $2, 'queued', $3,"
                           " $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)"
                           " ON CONFLICT (dedup) DO NOTHING",
                           args, KO_ARRAY_LEN(args), NULL, &changed, err);
    if (c->flag)
        *c->flag = changed == 1;
    return s;
}

ko_status ko_cat_run_enqueue(ko_cat *cat, const ko_cat_run *r, int64_t now_us, bool *created,
                             ko_err *err)
{
    ko_status s = cat_check_name("run id", r->id, err);
    if (s == KO_OK)
        s = cat_check_name("pipeline", r->pipeline, err);
    if (s == KO_OK)
        s = cat_check_name("trigger", r->trigger, err);
    if (s == KO_OK)
        s = cat_check_summary(r->params, err);
    if (s == KO_OK && !r->params)
        s = ko_err_set(err, KO_ERR_INVALID, "run %s: no parameters", r->id);
    if (s == KO_OK && r->max_attempts < 1)
        s = ko_err_set(err, KO_ERR_INVALID, "run %s: max attempts %lld < 1", r->id,
                       (long long)r->max_attempts);
    if (s != KO_OK)
        return s;
    run_ctx c = {.in = r, .now = now_us, .flag = created};
    return cat_run(cat, KO_DB_WRITE, enqueue_body, &c, err);
}

/* ------------------------------------------------------------------- claim */

static bool pipeline_wanted(const run_ctx *c, const char *name)
{
    if (!c->pipelines)
        return true;
    for (size_t i = 0; i < c->npipelines; i++)
        if (strcmp(c->pipelines[i], name) == 0)
            return true;
    return false;
}

/* Candidate ready runs, oldest first (at most 64 looked at per claim). */
static ko_status ready_runs(ko_cat *cat, int64_t now, ko_db_rows *rows, ko_err *err)
{
    bool pg = strcmp(cat->db->ops->name, "postgresql") == 0;
    ko_db_arg arg = ko_db_int(now);
    const char *sql = pg ? "SELECT r.id, r.pipeline FROM ko_pipe_run r WHERE (r.state = 'queued'"
                           " OR r.state = 'retrying') AND r.not_before <= $1 AND (r.exclusive = 0"
                           " OR NOT EXISTS (SELECT 1 FROM ko_pipe_run o WHERE o.pipeline ="
                           " r.pipeline AND o.state = 'running')) ORDER BY r.not_before,"
                           " r.created_us, r.id LIMIT 64 FOR UPDATE OF r SKIP LOCKED"
                         : "SELECT r.id, r.pipeline FROM ko_pipe_run r WHERE (r.state = 'queued'"
                           " OR r.state = 'retrying') AND r.not_before <= $1 AND (r.exclusive = 0"
                           " OR NOT EXISTS (SELECT 1 FROM ko_pipe_run o WHERE o.pipeline ="
                           " r.pipeline AND o.state = 'running')) ORDER BY r.not_before,"
                           " r.created_us, r.id LIMIT 64";
    return cat_exec(cat, sql, &arg, 1, rows, NULL, err);
}

static ko_status take_run(ko_cat *cat, run_ctx *c, const char *id, ko_err *err)
{
    ko_db_arg args[] = {ko_db_text(c->worker), ko_db_int(c->now + c->lease_us), ko_db_int(c->now),
                        ko_db_text(id)};
    int64_t changed = 0;
    ko_status s = cat_exec(cat,
                           "UPDATE ko_pipe_run SET state = 'running', attempt = attempt + 1,"
                           " worker = $1, lease_until = $2, started_us = $3, updated_us = $3,"
                           " cancel = 0 WHERE id = $4 AND (state = 'queued' OR state = 'retrying')",
                           args, KO_ARRAY_LEN(args), NULL, &changed, err);
    if (s == KO_OK && changed != 1)
        return ko_err_set(err, KO_ERR_CONFLICT, "run %s changed while being claimed", id);
    ko_db_arg arg = ko_db_text(id);
    ko_db_rows rows;
    if (s == KO_OK)
        s = cat_exec(cat, RUN_SELECT " WHERE id = $1", &arg, 1, &rows, NULL, err);
    if (s == KO_OK && rows.nrows != 1)
        return ko_err_set(err, KO_ERR_INTERNAL, "run %s vanished while being claimed", id);
    return s == KO_OK ? row_to_run(&rows, 0, c->a, c->out, err) : s;
}

static ko_status claim_body(ko_cat *cat, void *ctx, ko_err *err)
{
    run_ctx *c = ctx;
    *c->flag = false;
    ko_db_rows rows;
    ko_status s = ready_runs(cat, c->now, &rows, err);
    for (size_t i = 0; s == KO_OK && i < rows.nrows; i++) {
        if (!pipeline_wanted(c, ko_db_cell(&rows, i, 1)))
            continue;
        s = take_run(cat, c, ko_db_cell(&rows, i, 0), err);
        *c->flag = s == KO_OK;
        break;
    }
    return s;
}

ko_status ko_cat_run_claim(ko_cat *cat, const char *worker, int64_t lease_us, int64_t now_us,
                           const char *const *pipelines, size_t n, ko_arena *a, ko_cat_run *out,
                           bool *got, ko_err *err)
{
    ko_status s = cat_check_name("worker", worker, err);
    if (s == KO_OK && lease_us <= 0)
        s = ko_err_set(err, KO_ERR_INVALID, "lease of %lld us is not positive",
                       (long long)lease_us);
    if (s != KO_OK)
        return s;
    run_ctx c = {.worker = worker,
                 .lease_us = lease_us,
                 .now = now_us,
                 .pipelines = pipelines,
                 .npipelines = n,
                 .a = a,
                 .out = out,
                 .flag = got};
    return cat_run(cat, KO_DB_WRITE, claim_body, &c, err);
}

/* --------------------------------------------------------------- heartbeat */

static ko_status lost_lease(const char *id, int64_t attempt, ko_err *err)
{
    return ko_err_set(err, KO_ERR_CONFLICT, "run %s attempt %lld no longer holds its lease", id,
                      (long long)attempt);
}

static ko_status heartbeat_body(ko_cat *cat, void *ctx, ko_err *err)
{
    run_ctx *c = ctx;
    const ko_cat_run *r = c->in;
    ko_db_arg args[] = {ko_db_int(c->now + c->lease_us), ko_db_int(c->now), ko_db_text(r->id),
                        ko_db_int(r->attempt)};
    int64_t changed = 0;
    ko_db_rows rows = {0};
    ko_status s = cat_exec(cat,
                           "UPDATE ko_pipe_run SET lease_until = $1, updated_us = $2 WHERE id = $3"
                           " AND attempt = $4 AND state = 'running' AND lease_until >= $2",
                           args, KO_ARRAY_LEN(args), NULL, &changed, err);
    if (s == KO_OK && changed != 1)
        return lost_lease(r->id, r->attempt, err);
    if (s == KO_OK && c->flag)
        s = cat_exec(cat, "SELECT cancel FROM ko_pipe_run WHERE id = $1", &args[2], 1, &rows, NULL,
                     err);
    if (s == KO_OK && c->flag)
        *c->flag = rows.nrows == 1 && num(ko_db_cell(&rows, 0, 0)) != 0;
    return s;
}

ko_status ko_cat_run_heartbeat(ko_cat *cat, const char *id, int64_t attempt, int64_t lease_us,
                               int64_t now_us, bool *cancel, ko_err *err)
{
    ko_cat_run r = {.id = id, .attempt = attempt};
    run_ctx c = {.in = &r, .now = now_us, .lease_us = lease_us, .flag = cancel};
    return cat_run(cat, KO_DB_WRITE, heartbeat_body, &c, err);
}

/* ------------------------------------------------------------------ finish */

static ko_status audit_run(ko_cat *cat, const ko_cat_change *chg, const ko_cat_run *r,
                           const char *state, ko_err *err)
{
    const char *action = ko_arena_sprintf(&cat->scratch, "pipeline.run.%s", state);
    const char *object = ko_arena_sprintf(&cat->scratch, "pipeline:%s", r->pipeline);
    if (!action || !object)
        return nomem(err);
    const char *summary = ko_arena_sprintf(&cat->scratch, "{\"run-id\":\"%s\",\"attempt\":%lld}",
                                           r->id, (long long)r->attempt);
    if (!summary)
        return nomem(err);
    cat_audit_in in = {chg, summary, action, object, NULL, NULL, NULL};
    return cat_audit_add(cat, &in, NULL, err);
}

static ko_status finish_body(ko_cat *cat, void *ctx, ko_err *err)
{
    run_ctx *c = ctx;
    const ko_cat_run *f = c->in;
    ko_db_arg args[] = {ko_db_text(f->state),   ko_db_text(f->error),  ko_db_text(f->inputs),
                        ko_db_text(f->outputs), ko_db_int(c->now),     ko_db_int(f->not_before),
                        ko_db_text(f->id),      ko_db_int(f->attempt), ko_db_text(f->pipeline)};
    int64_t changed = 0;
    ko_status s = cat_exec(cat,
                           "UPDATE ko_pipe_run SET state = $1, error = $2,"
                           " inputs = COALESCE($3, inputs), outputs = COALESCE($4, outputs),"
                           " updated_us = $5, finished_us = CASE WHEN $1 = 'retrying' THEN 0"
                           " ELSE $5 END, not_before = $6, lease_until = 0"
                           " WHERE id = $7 AND attempt = $8 AND state = 'running'",
                           args, KO_ARRAY_LEN(args), NULL, &changed, err);
    if (s == KO_OK && changed != 1)
        return lost_lease(f->id, f->attempt, err);
    return s == KO_OK ? audit_run(cat, c->chg, f, f->state, err) : s;
}

ko_status ko_cat_run_finish(ko_cat *cat, const ko_cat_change *chg, const ko_cat_run *fin,
                            int64_t now_us, ko_err *err)
{
    static const char *const ok[] = {"succeeded", "failed", "retrying", "cancelled"};
    bool known = false;
    for (size_t i = 0; fin->state && i < KO_ARRAY_LEN(ok); i++)
        known = known || strcmp(fin->state, ok[i]) == 0;
    if (!known)
        return ko_err_set(err, KO_ERR_INVALID, "run state '%s' does not end an attempt",
                          fin->state ? fin->state : "");
    ko_status s = cat_check_name("run id", fin->id, err);
    if (s == KO_OK)
        s = cat_check_name("pipeline", fin->pipeline, err);
    if (s != KO_OK)
        return s;
    run_ctx c = {.in = fin, .chg = chg, .now = now_us};
    return cat_run(cat, KO_DB_WRITE, finish_body, &c, err);
}

/* -------------------------------------------------------------------- reap */

static ko_status reap_one(ko_cat *cat, run_ctx *c, ko_cat_run *r, ko_err *err)
{
    bool retry = r->attempt < r->max_attempts;
    char when[KO_TIME_STR_MAX];
    ko_time_format(r->lease_until, when);
    const char *msg =
        ko_arena_sprintf(c->a, "worker lost: %s's lease of attempt %lld expired at %s",
                         r->worker ? r->worker : "worker", (long long)r->attempt, when);
    if (!msg)
        return nomem(err);
    r->state = retry ? "retrying" : "failed";
    r->error = msg;
    r->not_before = retry ? c->now + r->backoff_ms * 1000 : r->not_before;
    ko_db_arg args[] = {ko_db_text(r->state),     ko_db_text(msg),   ko_db_int(c->now),
                        ko_db_int(r->not_before), ko_db_text(r->id), ko_db_int(r->attempt)};
    int64_t changed = 0;
    ko_status s = cat_exec(cat,
                           "UPDATE ko_pipe_run SET state = $1, error = $2, updated_us = $3,"
                           " finished_us = CASE WHEN $1 = 'failed' THEN $3 ELSE 0 END,"
                           " not_before = $4, lease_until = 0 WHERE id = $5 AND attempt = $6"
                           " AND state = 'running'",
                           args, KO_ARRAY_LEN(args), NULL, &changed, err);
    if (s == KO_OK && changed != 1)
        return ko_err_set(err, KO_ERR_INTERNAL, "run %s changed while being reaped", r->id);
    return s == KO_OK ? audit_run(cat, NULL, r, "lost", err) : s;
}

static ko_status reap_body(ko_cat *cat, void *ctx, ko_err *err)
{
    run_ctx *c = ctx;
    ko_db_arg arg = ko_db_int(c->now);
    ko_db_rows rows;
    ko_status s = cat_exec(cat, RUN_SELECT " WHERE state = 'running' AND lease_until < $1", &arg, 1,
                           &rows, NULL, err);
    if (s == KO_OK)
        s = rows_to_runs(&rows, c->a, c->many, c->n, err);
    for (size_t i = 0; s == KO_OK && i < *c->n; i++)
        s = reap_one(cat, c, &(*c->many)[i], err);
    return s;
}

ko_status ko_cat_run_reap(ko_cat *cat, int64_t now_us, ko_arena *a, ko_cat_run **lost, size_t *n,
                          ko_err *err)
{
    *n = 0;
    run_ctx c = {.now = now_us, .a = a, .many = lost, .n = n};
    ko_status s = cat_run(cat, KO_DB_WRITE, reap_body, &c, err);
    if (s != KO_OK)
        *n = 0;
    return s;
}

/* ------------------------------------------------------------------ cancel */

static ko_status cancel_body(ko_cat *cat, void *ctx, ko_err *err)
{
    run_ctx *c = ctx;
    const char *id = c->in->id;
    ko_db_arg args[] = {ko_db_text(id), ko_db_int(c->now)};
    ko_db_rows rows;
    ko_status s =
        cat_exec(cat, "SELECT state FROM ko_pipe_run WHERE id = $1", args, 1, &rows, NULL, err);
    if (s == KO_OK && rows.nrows == 0)
        return ko_err_set(err, KO_ERR_NOT_FOUND, "run %s does not exist", id);
    if (s != KO_OK)
        return s;
    const char *st = ko_db_cell(&rows, 0, 0);
    if (strcmp(st, "running") == 0) {
        *c->state = "running";
        return cat_exec(cat, "UPDATE ko_pipe_run SET cancel = 1, updated_us = $2 WHERE id = $1",
                        args, 2, NULL, NULL, err);
    }
    if (strcmp(st, "queued") != 0 && strcmp(st, "retrying") != 0)
        return ko_err_set(err, KO_ERR_CONFLICT, "run %s is already %s", id, st);
    *c->state = "cancelled";
    return cat_exec(cat,
                    "UPDATE ko_pipe_run SET state = 'cancelled', error = 'cancelled',"
                    " updated_us = $2, finished_us = $2 WHERE id = $1",
                    args, 2, NULL, NULL, err);
}

ko_status ko_cat_run_cancel(ko_cat *cat, const char *id, int64_t now_us, const char **state,
                            ko_err *err)
{
    const char *ignored = NULL;
    ko_cat_run r = {.id = id};
    ko_status s = cat_check_name("run id", id, err);
    run_ctx c = {.in = &r, .now = now_us, .state = state ? state : &ignored};
    return s == KO_OK ? cat_run(cat, KO_DB_WRITE, cancel_body, &c, err) : s;
}

/* ------------------------------------------------------------------- reads */

static ko_status get_body(ko_cat *cat, void *ctx, ko_err *err)
{
    run_ctx *c = ctx;
    ko_db_arg arg = ko_db_text(c->in->id);
    ko_db_rows rows;
    ko_status s = cat_exec(cat, RUN_SELECT " WHERE id = $1", &arg, 1, &rows, NULL, err);
    if (s == KO_OK && rows.nrows == 0)
        return ko_err_set(err, KO_ERR_NOT_FOUND, "run %s does not exist", c->in->id);
    return s == KO_OK ? row_to_run(&rows, 0, c->a, c->out, err) : s;
}

ko_status ko_cat_run_get(ko_cat *cat, const char *id, ko_arena *a, ko_cat_run *out, ko_err *err)
{
    ko_cat_run r = {.id = id};
    ko_status s = cat_check_name("run id", id, err);
    run_ctx c = {.in = &r, .a = a, .out = out};
    return s == KO_OK ? cat_run(cat, KO_DB_READ, get_body, &c, err) : s;
}

static ko_status list_body(ko_cat *cat, void *ctx, ko_err *err)
{
    run_ctx *c = ctx;
    ko_db_arg args[] = {ko_db_text(c->pipeline), ko_db_text(c->value),
                        ko_db_int((int64_t)c->limit)};
    ko_db_rows rows;
    ko_status s = cat_exec(cat,
                           RUN_SELECT " WHERE ($1 IS NULL OR pipeline = $1) AND ($2 IS NULL OR"
                                      " state = $2) ORDER BY created_us DESC, id DESC LIMIT $3",
                           args, 3, &rows, NULL, err);
    return s == KO_OK ? rows_to_runs(&rows, c->a, c->many, c->n, err) : s;
}

ko_status ko_cat_run_list(ko_cat *cat, const char *pipeline, const char *state, size_t limit,
                          ko_arena *a, ko_cat_run **out, size_t *n, ko_err *err)
{
    run_ctx c = {.pipeline = pipeline,
                 .value = state,
                 .limit = limit ? limit : 100,
                 .a = a,
                 .many = out,
                 .n = n};
    return cat_run(cat, KO_DB_READ, list_body, &c, err);
}

/* ------------------------------------------------------------ fenced commit */

typedef struct fence_ctx {
    const ko_cat_change *chg;
    const char *run_id;
    int64_t attempt, now;
    ko_cat_ns ns;
    const char *name, *expected, *location;
} fence_ctx;

static ko_status check_fence(ko_cat *cat, const fence_ctx *f, ko_err *err)
{
    ko_db_arg args[] = {ko_db_text(f->run_id), ko_db_int(f->attempt), ko_db_int(f->now)};
    ko_db_rows rows;
    ko_status s = cat_exec(cat,
                           "SELECT 1 FROM ko_pipe_run WHERE id = $1 AND attempt = $2 AND"
                           " state = 'running' AND lease_until >= $3",
                           args, 3, &rows, NULL, err);
    if (s == KO_OK && rows.nrows != 1)
        return ko_err_set(err, KO_ERR_TIMEOUT,
                          "run %s attempt %lld no longer holds its lease: commit refused",
                          f->run_id, (long long)f->attempt);
    return s;
}

static ko_status fence_body(ko_cat *cat, void *ctx, ko_err *err)
{
    fence_ctx *f = ctx;
    const char *key = NULL, *dotted = NULL;
    ko_status s = check_fence(cat, f, err);
    if (s == KO_OK)
        s = cat_ns_key(cat, f->ns, &key, NULL, &dotted, err);
    if (s != KO_OK)
        return s;
    const char *shown = ko_arena_sprintf(&cat->scratch, "%s.%s", dotted, f->name);
    if (!shown)
        return nomem(err);
    ko_db_arg args[] = {ko_db_text(key), ko_db_text(f->name), ko_db_text(f->location),
                        ko_db_text(f->expected), ko_db_int(ko_now_us())};
    int64_t changed = 0;
    s = cat_exec(cat,
                 "UPDATE ko_table SET location = $3, prev_location = $4, updated_us = $5"
                 " WHERE ns = $1 AND name = $2 AND location = $4",
                 args, 5, NULL, &changed, err);
    if (s == KO_OK && changed != 1)
        return ko_err_set(err, KO_ERR_CONFLICT,
                          "commit of %s conflicts: its metadata location is not %s", shown,
                          f->expected);
    cat_audit_in in = {f->chg, NULL, "table.commit", shown, f->expected, f->location, NULL};
    return s == KO_OK ? cat_audit_add(cat, &in, NULL, err) : s;
}

ko_status ko_cat_run_fenced_commit(ko_cat *cat, const ko_cat_change *chg, const char *run_id,
                                   int64_t attempt, int64_t now_us, ko_cat_ns ns, const char *name,
                                   const char *expected_location, const char *new_location,
                                   ko_err *err)
{
    ko_status s = cat_check_name("run id", run_id, err);
    if (s == KO_OK)
        s = cat_check_name("table name", name, err);
    if (s == KO_OK && (!expected_location || !new_location))
        s = ko_err_set(err, KO_ERR_INVALID, "commit of %s: a metadata location is missing", name);
    if (s == KO_OK)
        s = cat_check_summary(chg ? chg->summary : NULL, err);
    if (s != KO_OK)
        return s;
    fence_ctx f = {chg, run_id, attempt, now_us, ns, name, expected_location, new_location};
    return cat_run(cat, KO_DB_WRITE, fence_body, &f, err);
}

/* ----------------------------------------------------------- trigger state */

static ko_status state_get_body(ko_cat *cat, void *ctx, ko_err *err)
{
    run_ctx *c = ctx;
    ko_db_arg args[] = {ko_db_text(c->pipeline), ko_db_text(c->key)};
    ko_db_rows rows;
    ko_status s = cat_exec(cat, "SELECT value FROM ko_pipe_state WHERE pipeline = $1 AND key = $2",
                           args, 2, &rows, NULL, err);
    *c->state = NULL;
    if (s == KO_OK && rows.nrows == 1 &&
        !(*c->state = ko_arena_strdup(c->a, ko_db_cell(&rows, 0, 0))))
        return nomem(err);
    return s;
}

ko_status ko_cat_pipe_state_get(ko_cat *cat, const char *pipeline, const char *key, ko_arena *a,
                                const char **value, ko_err *err)
{
    run_ctx c = {.pipeline = pipeline, .key = key, .a = a, .state = value};
    return cat_run(cat, KO_DB_READ, state_get_body, &c, err);
}

static ko_status state_set_body(ko_cat *cat, void *ctx, ko_err *err)
{
    run_ctx *c = ctx;
    ko_db_arg args[] = {ko_db_text(c->pipeline), ko_db_text(c->key), ko_db_text(c->value)};
    return cat_exec(cat,
                    "INSERT INTO ko_pipe_state (pipeline, key, value) VALUES ($1, $2, $3)"
                    " ON CONFLICT (pipeline, key) DO UPDATE SET value = excluded.value",
                    args, 3, NULL, NULL, err);
}

ko_status ko_cat_pipe_state_set(ko_cat *cat, const char *pipeline, const char *key,
                                const char *value, ko_err *err)
{
    ko_status s = cat_check_name("pipeline", pipeline, err);
    if (s == KO_OK)
        s = cat_check_name("state key", key, err);
    if (s == KO_OK && !value)
        s = ko_err_set(err, KO_ERR_INVALID, "pipeline %s state %s: no value", pipeline, key);
    run_ctx c = {.pipeline = pipeline, .key = key, .value = value};
    return s == KO_OK ? cat_run(cat, KO_DB_WRITE, state_set_body, &c, err) : s;
}

/* ------------------------------------------------------------------ alerts */

typedef struct alert_ctx {
    const ko_cat_alert *in;
    int64_t now;
    bool *created;
    size_t limit;
    ko_arena *a;
    ko_cat_alert **out;
    size_t *n;
} alert_ctx;

static ko_status raise_body(ko_cat *cat, void *ctx, ko_err *err)
{
    alert_ctx *c = ctx;
    const ko_cat_alert *al = c->in;
    ko_uuid u = ko_uuid_random();
    char id[KO_UUID_STR_LEN + 1];
    ko_uuid_format(&u, id);
    ko_db_arg args[] = {ko_db_text(id),          ko_db_text(al->kind),   ko_db_text(al->object),
                        ko_db_text(al->message), ko_db_text(al->run_id), ko_db_text(al->dedup),
                        ko_db_int(c->now)};
    int64_t changed = 0;
    ko_status s = cat_exec(cat,
                           "INSERT INTO ko_pipe_alert (id, kind, object, message, run_id, dedup,"
                           " created_us) VALUES ($1, $2, $3, $4, $5, $6, $7)"
                           " ON CONFLICT (dedup) DO NOTHING",
                           args, KO_ARRAY_LEN(args), NULL, &changed, err);
    if (c->created)
        *c->created = changed == 1;
    return s;
}

ko_status ko_cat_alert_raise(ko_cat *cat, const ko_cat_alert *al, int64_t now_us, bool *created,
                             ko_err *err)
{
    ko_status s = cat_check_name("alert kind", al->kind, err);
    if (s == KO_OK)
        s = cat_check_name("alert object", al->object, err);
    if (s == KO_OK && !al->message)
        s = ko_err_set(err, KO_ERR_INVALID, "alert %s: no message", al->kind);
    alert_ctx c = {.in = al, .now = now_us, .created = created};
    return s == KO_OK ? cat_run(cat, KO_DB_WRITE, raise_body, &c, err) : s;
}

static ko_status alert_list_body(ko_cat *cat, void *ctx, ko_err *err)
{
    alert_ctx *c = ctx;
    ko_db_arg arg = ko_db_int((int64_t)c->limit);
    ko_db_rows rows;
    ko_status s = cat_exec(cat,
                           "SELECT id, kind, object, message, run_id, dedup, created_us FROM"
                           " ko_pipe_alert ORDER BY created_us DESC, id LIMIT $1",
                           &arg, 1, &rows, NULL, err);
    if (s != KO_OK)
        return s;
    ko_cat_alert *items = ko_arena_calloc(c->a, rows.nrows ? rows.nrows : 1, sizeof *items);
    if (!items)
        return nomem(err);
    for (size_t i = 0; i < rows.nrows; i++) {
        const char *v[7];
        for (size_t k = 0; k < 7; k++) {
            const char *cell = ko_db_cell(&rows, i, k);
            v[k] = cell ? ko_arena_strdup(c->a, cell) : NULL;
            if (cell && !v[k])
                return nomem(err);
        }
        items[i] = (ko_cat_alert){v[0], v[1], v[2], v[3], v[4], v[5], num(v[6])};
    }
    *c->out = items;
    *c->n = rows.nrows;
    return KO_OK;
}

ko_status ko_cat_alert_list(ko_cat *cat, size_t limit, ko_arena *a, ko_cat_alert **out, size_t *n,
                            ko_err *err)
{
    alert_ctx c = {.limit = limit ? limit : 100, .a = a, .out = out, .n = n};
    return cat_run(cat, KO_DB_READ, alert_list_body, &c, err);
}

// NOLINTEND(readability-non-const-parameter)
