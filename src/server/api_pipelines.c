/*
 * api_pipelines.c - pipelines over HTTP (docs/api.md "Pipelines"), the
 * in-process workers of `korolev serve`, and GET /api/v1/whoami.
 *
 *   GET  /api/v1/whoami                     {"principal","role","namespace"}
 *   GET  /api/v1/pipelines                  {"pipelines":[spec + "last-run"]}
 *   POST /api/v1/pipelines/{name}/run       queue a manual run (writer)
 *   GET  /api/v1/runs?limit=&pipeline=&state=   {"runs":[...]} newest first
 *   GET  /api/v1/runs/{id}                  one run
 *   GET  /api/v1/runs/{id}/logs             the logs of every attempt (text)
 *   POST /api/v1/runs/{id}/cancel           cancel (writer)
 *   GET  /api/v1/alerts?limit=              {"alerts":[...]}
 *
 * The JSON shapes are pipeline.h's (ko_pipe_*_json), shared with the CLI.
 * Pipelines are not namespaced (a spec reads and writes any tables), so
 * the pipeline routes refuse tokens limited to a namespace (403); whoami
 * answers every authenticated caller.
 *
 * A manual run is only queued here: the workers (in this process unless
 * --no-workers, or `korolev worker` elsewhere) claim and execute it.  The
 * workers are started by ko_srv_run after the listener and stopped after
 * the requests in flight have drained; stopping lets running attempts
 * finish.
 */
#include "pipeline/pipeline.h"
#include "server/srv_internal.h"

#include <stdlib.h>
#include <string.h>

enum { DEFAULT_LIMIT = 100, MAX_LIMIT = 1000 };

/* --------------------------------------------------------------- workers */

ko_status srv_workers_start(srv *s, ko_err *err)
{
    if (s->cfg.workers <= 0 || !s->cfg.pipelines_dir) {
        ko_log(KO_LOG_INFO, "serve", "no in-process pipeline workers%s",
               s->cfg.workers > 0 ? " (no pipelines directory)" : "");
        return KO_OK;
    }
    ko_pipe_worker_opts o = {
        .warehouse_uri = s->cfg.warehouse,
        .catalog_uri = s->cfg.catalog,
        .pipelines_dir = s->cfg.pipelines_dir,
        .concurrency = s->cfg.workers,
    };
    ko_status st = ko_pipe_worker_start(&o, &s->workers, err);
    if (st == KO_OK)
        ko_log(KO_LOG_INFO, "serve", "%d pipeline worker(s) on %s", s->cfg.workers,
               s->cfg.pipelines_dir);
    return st;
}

void srv_workers_stop(srv *s)
{
    if (!s->workers)
        return;
    ko_log(KO_LOG_INFO, "serve", "stopping pipeline workers (running attempts finish)");
    ko_pipe_worker_stop(s->workers);
    s->workers = NULL;
}

/* --------------------------------------------------------------- helpers */

static const char *role_name(srv_role role)
{
    static const char *const names[] = {"none", "reader", "writer", "admin"};
    return names[role];
}

/* Pipelines span namespaces: a limited token may not see or run them. */
static bool unscoped(srv_req *r)
{
    if (!r->who.scope)
        return true;
    srv_error(r, 403, "ForbiddenException",
              "principal %s is limited to namespace %s; pipelines need a token without a "
              "namespace",
              r->who.name, r->who.scope);
    return false;
}

static bool query_limit(srv_req *r, size_t *out)
{
    const char *lim = srv_query(r, "limit");
    char *end = NULL;
    long n = lim ? strtol(lim, &end, 10) : DEFAULT_LIMIT;
    if (lim && (!*lim || *end || n < 1 || n > MAX_LIMIT)) {
        srv_error(r, 400, "BadRequestException", "limit must be 1 to %d", MAX_LIMIT);
        return false;
    }
    *out = (size_t)n;
    return true;
}

static void reply(srv_req *r, ko_status st, const ko_err *err, const char *key, json_t *j)
{
    if (st != KO_OK) {
        json_decref(j);
        srv_fail(r, err, "NoSuchRunException", "ConflictException");
        return;
    }
    srv_json(r, 200, key ? json_pack("{s:o}", key, j) : j);
}

/* ---------------------------------------------------------------- whoami */

void srv_h_whoami(srv_req *r)
{
    srv_json(r, 200,
             json_pack("{s:s, s:s, s:s?}", "principal", r->who.name ? r->who.name : "", "role",
                       role_name(r->who.role), "namespace", r->who.scope));
}

/* ------------------------------------------------------------- pipelines */

/* Adds "last-run" (the newest run, with "status" = its state) to spec. */
static void add_last_run(srv_req *r, json_t *spec)
{
    const char *name = json_string_value(json_object_get(spec, "name"));
    json_t *runs = NULL;
    ko_err err = {0};
    if (!name || ko_pipe_runs_json(srv_cat(r), name, NULL, 1, &runs, &err) != KO_OK)
        return;
    json_t *last = json_array_get(runs, 0);
    if (last) {
        json_object_set(last, "status", json_object_get(last, "state"));
        json_object_set(spec, "last-run", last);
    }
    json_decref(runs);
}

void srv_h_pipelines(srv_req *r)
{
    if (!unscoped(r))
        return;
    const char *dir = r->s->cfg.pipelines_dir;
    json_t *specs = NULL;
    ko_err err = {0};
    ko_status st = dir ? ko_pipe_specs_json(dir, &specs, &err) : KO_OK;
    if (st == KO_OK && !specs)
        specs = json_array();
    for (size_t i = 0; i < json_array_size(specs); i++)
        add_last_run(r, json_array_get(specs, i));
    if (st == KO_OK)
        srv_json(r, 200,
                 json_pack("{s:o, s:s?, s:b}", "pipelines", specs, "directory", dir, "workers",
                           r->s->workers != NULL));
    else
        reply(r, st, &err, NULL, specs);
}

/* The run request body: {"params": {...}, "logical-date": "YYYY-MM-DD"},
 * both optional; an empty body is fine.  false: answered 400. */
static bool run_body(srv_req *r, char **params, const char **date)
{
    *params = NULL;
    *date = NULL;
    if (r->body.len == 0)
        return true;
    json_t *b = srv_body_json(r);
    if (!b)
        return false;
    json_t *p = json_object_get(b, "params");
    json_t *d = json_object_get(b, "logical-date");
    bool ok = (!p || json_is_object(p)) && (!d || json_is_string(d));
    if (ok && d)
        *date = ko_arena_strdup(&r->arena, json_string_value(d));
    if (ok && p)
        *params = json_dumps(p, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(b);
    if (!ok)
        srv_error(r, 400, "BadRequestException",
                  "params must be an object and logical-date a string (YYYY-MM-DD)");
    return ok;
}

void srv_h_pipeline_run(srv_req *r)
{
    if (!unscoped(r))
        return;
    const char *dir = r->s->cfg.pipelines_dir;
    ko_pipe_spec *specs = NULL;
    size_t n = 0;
    ko_err err = {0};
    if (!dir) {
        srv_error(r, 404, "NoSuchPipelineException", "the server has no pipelines directory");
        return;
    }
    if (ko_pipe_load_dir(dir, &r->arena, &specs, &n, &err) != KO_OK) {
        srv_fail(r, &err, "NoSuchPipelineException", NULL);
        return;
    }
    const ko_pipe_spec *spec = ko_pipe_find(specs, n, r->params[0]);
    if (!spec) {
        srv_error(r, 404, "NoSuchPipelineException", "pipeline %s is not defined in %s",
                  r->params[0], dir);
        return;
    }
    char *params = NULL;
    const char *date = NULL;
    if (!run_body(r, &params, &date))
        return;
    ko_pipe_env env = {.warehouse_uri = r->s->cfg.warehouse,
                       .catalog_uri = r->s->cfg.catalog,
                       .store = r->s->store,
                       .cat = srv_cat(r),
                       .pipelines_dir = dir,
                       .lease_ms = 30000,
                       .worker_id = "serve"};
    char id[KO_UUID_STR_LEN + 1] = {0};
    ko_status st = ko_pipe_enqueue(&env, spec, "manual", date, 0, params, NULL, NULL, id, &err);
    free(params);
    json_t *run = NULL;
    if (st == KO_OK)
        st = ko_pipe_run_json(srv_cat(r), id, &run, &err);
    if (st != KO_OK) {
        srv_fail(r, &err, "NoSuchPipelineException", "ConflictException");
        return;
    }
    srv_add_header(r, "Location", ko_arena_sprintf(&r->arena, "/api/v1/runs/%s", id));
    srv_json(r, 202, run);
}

/* ------------------------------------------------------------------ runs */

void srv_h_runs(srv_req *r)
{
    size_t limit = 0;
    if (!unscoped(r) || !query_limit(r, &limit))
        return;
    json_t *runs = NULL;
    ko_err err = {0};
    ko_status st = ko_pipe_runs_json(srv_cat(r), srv_query(r, "pipeline"), srv_query(r, "state"),
                                     limit, &runs, &err);
    reply(r, st, &err, "runs", runs);
}

void srv_h_run(srv_req *r)
{
    if (!unscoped(r))
        return;
    json_t *run = NULL;
    ko_err err = {0};
    ko_status st = ko_pipe_run_json(srv_cat(r), r->params[0], &run, &err);
    reply(r, st, &err, NULL, run);
}

void srv_h_run_logs(srv_req *r)
{
    if (!unscoped(r))
        return;
    json_t *run = NULL;
    ko_err err = {0};
    /* The run must exist: logs of an unknown id are a 404, not an empty text. */
    ko_status st = ko_pipe_run_json(srv_cat(r), r->params[0], &run, &err);
    json_decref(run);
    ko_buf b = {0};
    if (st == KO_OK)
        st = ko_pipe_logs(r->s->store, r->params[0], &b, &err);
    if (st == KO_OK)
        srv_body(r, 200, "text/plain; charset=utf-8", b.data, b.len);
    else
        srv_fail(r, &err, "NoSuchRunException", NULL);
    ko_buf_free(&b);
}

void srv_h_run_cancel(srv_req *r)
{
    if (!unscoped(r))
        return;
    const char *state = NULL;
    ko_err err = {0};
    ko_status st = ko_cat_run_cancel(srv_cat(r), r->params[0], ko_pipe_now_us(), &state, &err);
    if (st != KO_OK) {
        srv_fail(r, &err, "NoSuchRunException", "RunFinishedException");
        return;
    }
    bool running = state && strcmp(state, "running") == 0;
    srv_json(r, 200,
             json_pack("{s:s, s:s, s:b}", "id", r->params[0], "state", state ? state : "cancelled",
                       "cancel-requested", running));
}

void srv_h_alerts(srv_req *r)
{
    size_t limit = 0;
    if (!unscoped(r) || !query_limit(r, &limit))
        return;
    json_t *alerts = NULL;
    ko_err err = {0};
    ko_status st = ko_pipe_alerts_json(srv_cat(r), limit, &alerts, &err);
    reply(r, st, &err, "alerts", alerts);
}
