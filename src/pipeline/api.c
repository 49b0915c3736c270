/*
 * api.c - JSON views of runs, alerts and specs for the server and the
 * CLI, run logs, dry runs and the built-in maintenance (pipeline.h).
 *
 * Dry runs check without committing: queries (and the query of each
 * INSERT INTO ... SELECT) are planned with EXPLAIN in a SQL session, which
 * parses and binds them against the current schemas without running them;
 * the SQL API has no parse-only call for other statements (CREATE,
 * DELETE, ...), which are reported as "not checked".  Tables read by SQL
 * are found by a lexical scan for FROM/JOIN names (a hint, not a binder).
 */
#include "ingest/ingest.h"
#include "pipeline/pipe_internal.h"
#include "sql/sql.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* -------------------------------------------------------------------- runs */

static json_t *time_or_null(int64_t us)
{
    if (!us)
        return json_null();
    char t[KO_TIME_STR_MAX];
    ko_time_format(us, t);
    return json_string(t);
}

static json_t *json_or_null(const char *text)
{
    json_t *j = text ? json_loads(text, 0, NULL) : NULL;
    return j ? j : json_null();
}

json_t *ko_pipe_run_to_json(const ko_cat_run *r)
{
    return json_pack("{s:s, s:s, s:s, s:s?, s:o, s:I, s:I, s:s?, s:o, s:o, s:o, s:o, s:s?, s:o,"
                     " s:o, s:o}",
                     "id", r->id, "pipeline", r->pipeline, "state", r->state, "trigger", r->trigger,
                     "logical-date", r->logical_date ? json_string(r->logical_date) : json_null(),
                     "attempt", (json_int_t)r->attempt, "max-attempts", (json_int_t)r->max_attempts,
                     "worker", r->worker, "created", time_or_null(r->created_us), "started",
                     time_or_null(r->started_us), "finished", time_or_null(r->finished_us),
                     "scheduled", time_or_null(r->scheduled_us), "error", r->error, "params",
                     json_or_null(r->params), "inputs", json_or_null(r->inputs), "outputs",
                     json_or_null(r->outputs));
}

ko_status ko_pipe_runs_json(ko_cat *cat, const char *pipeline, const char *state, size_t limit,
                            json_t **out, ko_err *err)
{
    ko_arena a = {0};
    ko_cat_run *runs = NULL;
    size_t n = 0;
    ko_status st = ko_cat_run_list(cat, pipeline, state, limit, &a, &runs, &n, err);
    json_t *arr = st == KO_OK ? json_array() : NULL;
    for (size_t i = 0; arr && i < n; i++)
        json_array_append_new(arr, ko_pipe_run_to_json(&runs[i]));
    ko_arena_free(&a);
    if (st == KO_OK && !arr)
        st = ko_err_set(err, KO_ERR_NOMEM, "out of memory");
    *out = arr;
    return st;
}

ko_status ko_pipe_run_json(ko_cat *cat, const char *id, json_t **out, ko_err *err)
{
    ko_arena a = {0};
    ko_cat_run r;
    ko_status st = ko_cat_run_get(cat, id, &a, &r, err);
    *out = st == KO_OK ? ko_pipe_run_to_json(&r) : NULL;
    ko_arena_free(&a);
    if (st == KO_OK && !*out)
        st = ko_err_set(err, KO_ERR_NOMEM, "out of memory");
    return st;
}

ko_status ko_pipe_alerts_json(ko_cat *cat, size_t limit, json_t **out, ko_err *err)
{
    ko_arena a = {0};
    ko_cat_alert *al = NULL;
    size_t n = 0;
    ko_status st = ko_cat_alert_list(cat, limit, &a, &al, &n, err);
    json_t *arr = st == KO_OK ? json_array() : NULL;
    for (size_t i = 0; arr && i < n; i++)
        json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s, s:s?, s:o}", "id", al[i].id,
                                             "kind", al[i].kind, "object", al[i].object, "message",
                                             al[i].message, "run-id", al[i].run_id, "created",
                                             time_or_null(al[i].created_us)));
    ko_arena_free(&a);
    *out = arr;
    return st == KO_OK && !arr ? ko_err_set(err, KO_ERR_NOMEM, "out of memory") : st;
}

static const char *const TRIG_NAMES[] = {"cron", "upstream", "landing", "manual"};
static const char *const STEP_NAMES[] = {"sql", "ingest", "command"};

static json_t *spec_json(const ko_pipe_spec *s)
{
    json_t *trig = json_array(), *steps = json_array(), *outs = json_array();
    for (size_t i = 0; i < s->n_triggers; i++) {
        const ko_pipe_trigger *t = &s->triggers[i];
        json_array_append_new(trig, json_pack("{s:s, s:s?, s:s?, s:s?, s:s?}", "kind",
                                              TRIG_NAMES[t->kind], "cron", t->cron_text, "timezone",
                                              t->tz, "table", t->table, "prefix", t->prefix));
    }
    for (size_t i = 0; i < s->n_steps; i++)
        json_array_append_new(steps, json_pack("{s:s, s:s}", "name", s->steps[i].name, "kind",
                                               STEP_NAMES[s->steps[i].kind]));
    for (size_t i = 0; i < s->n_outputs; i++)
        json_array_append_new(outs, json_pack("{s:s, s:I}", "table", s->outputs[i].table,
                                              "max-staleness-ms",
                                              (json_int_t)s->outputs[i].max_staleness_ms));
    return json_pack("{s:s, s:s, s:s?, s:s, s:o, s:o, s:o, s:i, s:s}", "name", s->name, "owner",
                     s->owner, "description", s->description, "file", s->file, "triggers", trig,
                     "steps", steps, "outputs", outs, "retries", s->retries, "concurrency",
                     s->allow_overlap ? "allow" : "forbid");
}

ko_status ko_pipe_specs_json(const char *dir, json_t **out, ko_err *err)
{
    ko_arena a = {0};
    ko_pipe_spec *specs = NULL;
    size_t n = 0;
    ko_status st = ko_pipe_load_dir(dir, &a, &specs, &n, err);
    json_t *arr = st == KO_OK ? json_array() : NULL;
    for (size_t i = 0; arr && i < n; i++)
        json_array_append_new(arr, spec_json(&specs[i]));
    ko_arena_free(&a);
    *out = arr;
    return st == KO_OK && !arr ? ko_err_set(err, KO_ERR_NOMEM, "out of memory") : st;
}

ko_status ko_pipe_logs(ko_store *store, const char *id, ko_buf *out, ko_err *err)
{
    char prefix[200];
    snprintf(prefix, sizeof prefix, "_korolev/runs/%s/", id);
    ko_list_page page = {0};
    ko_status st = ko_store_list(store, prefix, NULL, 1000, &page, err);
    for (size_t i = 0; st == KO_OK && i < page.count; i++) {
        st = ko_buf_appendf(out, "==> %s <==\n", page.entries[i].key + strlen(prefix));
        if (st == KO_OK)
            st = ko_store_get(store, page.entries[i].key, out, err);
    }
    if (st == KO_OK && page.count == 0)
        st = ko_err_set(err, KO_ERR_NOT_FOUND, "run %s has no logs (yet, or any more)", id);
    ko_list_page_free(&page);
    return st;
}

/* ----------------------------------------------------------------- dry run */

typedef struct dry {
    const ko_pipe_env *env;
    json_t *checks, *reads, *writes, *errors;
    ko_sql_session *session;
} dry;

static void note(dry *d, bool ok, const char *what, const char *detail)
{
    json_array_append_new(d->checks,
                          json_pack("{s:s, s:b, s:s?}", "check", what, "ok", ok, "detail", detail));
    if (!ok)
        json_array_append_new(d->errors, json_sprintf("%s: %s", what, detail ? detail : ""));
}

static void add_unique(json_t *arr, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) if (strcmp(json_string_value(v), s) == 0) return;
    json_array_append_new(arr, json_string(s));
}

static void check_table(dry *d, const char *table, json_t *list, const char *role)
{
    ko_arena a = {0};
    const char *ns, *name;
    ko_cat_ns cns;
    bool exists = false;
    ko_err e;
    ko_status st = ko_ice_ident_parse(table, &a, &ns, &name, &e);
    if (st == KO_OK)
        st = ko_cat_ns_parse(ns, &a, &cns, &e);
    if (st == KO_OK)
        st = ko_cat_table_exists(d->env->cat, cns, name, &exists, &e);
    char what[600];
    snprintf(what, sizeof what, "%s table %s exists", role, table);
    note(d, st == KO_OK && exists, what, st != KO_OK ? e.msg : exists ? NULL : "no such table");
    add_unique(list, table);
    ko_arena_free(&a);
}

/* FROM/JOIN names in stmt (a lexical hint). */
static void scan_reads(dry *d, const char *stmt)
{
    const char *p = stmt;
    while (*p) {
        bool kw = (strncasecmp(p, "from", 4) == 0 || strncasecmp(p, "join", 4) == 0) &&
                  (p == stmt || !isalnum((unsigned char)p[-1])) && isspace((unsigned char)p[4]);
        if (!kw) {
            p++;
            continue;
        }
        p += 4;
        while (isspace((unsigned char)*p))
            p++;
        size_t n = 0;
        while (isalnum((unsigned char)p[n]) || p[n] == '_' || p[n] == '.')
            n++;
        char name[300];
        if (n && n < sizeof name && memchr(p, '.', n)) {
            memcpy(name, p, n);
            name[n] = '\0';
            check_table(d, name, d->reads, "read");
        }
        p += n;
    }
}

static ko_status discard_begin(void *c, const ko_sql_result_info *i, ko_err *e)
{
    (void)c, (void)i, (void)e;
    return KO_OK;
}

static ko_status discard_batch(void *c, const ko_batch *b, ko_err *e)
{
    (void)c, (void)b, (void)e;
    return KO_OK;
}

static ko_status discard_end(void *c, ko_err *e)
{
    (void)c, (void)e;
    return KO_OK;
}

static void explain(dry *d, const char *query, const char *what)
{
    ko_arena a = {0};
    const char *text = ko_arena_sprintf(&a, "EXPLAIN %s", query);
    ko_sql_sink sink = {NULL, discard_begin, discard_batch, discard_end};
    ko_err e;
    ko_status st = text ? ko_sql_exec(d->session, text, strlen(text), &sink, &e) : KO_ERR_NOMEM;
    note(d, st == KO_OK, what, st == KO_OK ? "parsed and bound (EXPLAIN)" : e.msg);
    ko_arena_free(&a);
}

/* The INSERT's columns against the table's (count, types), as a run
 * would match them (insert.c). */
static void dry_insert_columns(dry *d, const pipe_insert *ins, const char *what)
{
    ko_arena a = {0};
    ko_ingest_catalog ic;
    ko_ingest_catalog_bind(&ic, d->env->cat, "dry-run");
    ko_ice_warehouse wh = {d->env->store, &ic.icat};
    const char *ns, *name, *query = NULL;
    ko_ice_table t;
    ko_err e;
    ko_status st = ko_ice_ident_parse(ins->table, &a, &ns, &name, &e);
    if (st == KO_OK)
        st = ko_ice_table_load(&wh, ns, name, &a, &t, &e);
    if (st != KO_OK) { /* check_table reports a missing table */
        ko_arena_free(&a);
        return;
    }
    st = pipe_insert_plan(d->session, ins, &t, &a, &query, &e);
    char label[340];
    snprintf(label, sizeof label, "%s columns", what);
    note(d, st == KO_OK, label,
         st != KO_OK      ? e.msg
         : ins->n_columns ? "match the table's by the column list"
                          : "match the table's by position");
    ko_arena_free(&a);
}

static void dry_statement(dry *d, const char *step, size_t i, const char *stmt, ko_arena *a)
{
    pipe_insert ins;
    char what[300];
    snprintf(what, sizeof what, "step %s statement %zu", step, i + 1);
    scan_reads(d, stmt);
    if (pipe_parse_insert(stmt, a, &ins)) {
        check_table(d, ins.table, d->writes, "written");
        explain(d, ins.query, what);
        dry_insert_columns(d, &ins, what);
        return;
    }
    const char *p = stmt;
    while (isspace((unsigned char)*p) || *p == '(')
        p++;
    if (strncasecmp(p, "select", 6) == 0 || strncasecmp(p, "with", 4) == 0)
        explain(d, stmt, what);
    else
        note(d, true, what,
             "not checked: the SQL API offers no parse-only call for this kind of statement");
}

static void dry_sql(dry *d, const ko_pipe_step *s, const ko_pipe_vars *v, ko_arena *a)
{
    const char *text, **stmts;
    size_t n = 0;
    ko_err e;
    char what[300];
    snprintf(what, sizeof what, "step %s parameters", s->name);
    if (ko_pipe_render(s->sql, v, true, a, &text, &e) != KO_OK ||
        pipe_split_sql(text, a, &stmts, &n, &e) != KO_OK) {
        note(d, false, what, e.msg);
        return;
    }
    for (size_t i = 0; i < n; i++)
        dry_statement(d, s->name, i, stmts[i], a);
}

static void dry_ingest(dry *d, const ko_pipe_step *s, const ko_pipe_vars *v, ko_arena *a)
{
    const char *from;
    ko_err e;
    char what[300];
    snprintf(what, sizeof what, "step %s source", s->name);
    ko_status st = ko_pipe_render(s->from ? s->from : "{{ file }}", v, false, a, &from, &e);
    note(d, st == KO_OK, what, st == KO_OK ? from : e.msg);
    if (st == KO_OK)
        add_unique(d->reads, from);
    check_table(d, s->into, d->writes, "written");
}

static bool on_path(const char *cmd)
{
    if (strchr(cmd, '/'))
        return access(cmd, X_OK) == 0;
    const char *path = getenv("PATH");
    char buf[4096];
    for (const char *p = path ? path : "/usr/bin:/bin"; *p;) {
        size_t n = strcspn(p, ":");
        snprintf(buf, sizeof buf, "%.*s/%s", (int)n, p, cmd);
        if (access(buf, X_OK) == 0)
            return true;
        p += n + (p[n] == ':');
    }
    return false;
}

static void dry_command(dry *d, const ko_pipe_step *s, const ko_pipe_vars *v, ko_arena *a)
{
    char what[300];
    snprintf(what, sizeof what, "step %s command %s is executable", s->name, s->argv[0]);
    note(d, on_path(s->argv[0]), what, NULL);
    for (size_t i = 1; i < s->argc; i++) {
        const char *r;
        ko_err e;
        if (ko_pipe_render(s->argv[i], v, false, a, &r, &e) != KO_OK)
            note(d, false, what, e.msg);
    }
}

static void dry_triggers(dry *d, const ko_pipe_spec *spec)
{
    for (size_t i = 0; i < spec->n_triggers; i++) {
        const ko_pipe_trigger *t = &spec->triggers[i];
        if (t->kind == KO_PIPE_TRIG_UPSTREAM)
            check_table(d, t->table, d->reads, "upstream");
        if (t->kind == KO_PIPE_TRIG_CRON) {
            int64_t next = 0;
            ko_err e;
            char when[KO_TIME_STR_MAX] = "";
            ko_status st = ko_pipe_cron_next(&t->cron, t->tz, ko_pipe_now_us(), &next, &e);
            if (st == KO_OK)
                ko_time_format(next, when);
            note(d, st == KO_OK, "cron trigger: next run", st == KO_OK ? when : e.msg);
        }
    }
}

static const char *dry_params(const ko_pipe_spec *spec, const char *params, ko_arena *a)
{
    json_t *p = json_loads(params ? params : "{}", 0, NULL);
    for (size_t i = 0; json_is_object(p) && i < spec->n_triggers; i++)
        if (spec->triggers[i].kind == KO_PIPE_TRIG_LANDING && !json_object_get(p, "file"))
            json_object_set_new(p, "file", json_sprintf("%s/EXAMPLE", spec->triggers[i].prefix));
    char *s = p ? json_dumps(p, JSON_COMPACT) : NULL;
    const char *r = s ? ko_arena_strdup(a, s) : NULL;
    free(s);
    json_decref(p);
    return r;
}

static void dry_steps(dry *d, const ko_pipe_spec *spec, const char *params, ko_arena *a)
{
    ko_cat_run run = {.id = "dry-run",
                      .pipeline = spec->name,
                      .attempt = 1,
                      .created_us = ko_pipe_now_us(),
                      .params = dry_params(spec, params, a)};
    ko_pipe_vars v;
    ko_err e;
    if (!run.params || ko_pipe_vars_build(spec, &run, a, &v, &e) != KO_OK) {
        note(d, false, "parameters", run.params ? e.msg : "not a JSON object");
        return;
    }
    note(d, true, "parameters", NULL);
    for (size_t i = 0; i < spec->n_steps; i++) {
        const ko_pipe_step *s = &spec->steps[i];
        if (s->kind == KO_PIPE_STEP_SQL)
            dry_sql(d, s, &v, a);
        else if (s->kind == KO_PIPE_STEP_INGEST)
            dry_ingest(d, s, &v, a);
        else
            dry_command(d, s, &v, a);
    }
}

ko_status ko_pipe_dry_run(const ko_pipe_env *env, const ko_pipe_spec *spec, const char *params,
                          json_t **report, ko_err *err)
{
    dry d = {env, json_array(), json_array(), json_array(), json_array(), NULL};
    ko_sql_options o = {.warehouse = env->store, .catalog = env->cat, .threads = 1};
    ko_status st = ko_sql_session_open(&o, &d.session, err);
    ko_arena a = {0};
    if (st == KO_OK) {
        note(&d, true, "spec", spec->file);
        dry_triggers(&d, spec);
        dry_steps(&d, spec, params, &a);
        for (size_t i = 0; i < spec->n_inputs; i++)
            check_table(&d, spec->inputs[i], d.reads, "input");
        for (size_t i = 0; i < spec->n_outputs; i++)
            check_table(&d, spec->outputs[i].table, d.writes, "output");
        ko_sql_session_close(d.session);
    }
    ko_arena_free(&a);
    bool ok = json_array_size(d.errors) == 0;
    *report = st == KO_OK ? json_pack("{s:s, s:b, s:o, s:o, s:o, s:o}", "pipeline", spec->name,
                                      "ok", ok, "checks", d.checks, "reads", d.reads, "writes",
                                      d.writes, "errors", d.errors)
                          : NULL;
    if (st != KO_OK) {
        json_decref(d.checks);
        json_decref(d.reads);
        json_decref(d.writes);
        json_decref(d.errors);
    }
    return st;
}

/* ------------------------------------------------------------- maintenance */

typedef struct maint {
    const ko_pipe_env *env;
    ko_ice_warehouse wh;
    json_t *tables;
} maint;

static void maint_table(maint *m, const char *ns, const char *name)
{
    ko_arena a = {0};
    int64_t *expired = NULL;
    size_t n_expired = 0;
    ko_ice_commit_info info;
    ko_ice_remove_result rm = {0};
    ko_err e;
    ko_status st =
        ko_ice_table_expire(&m->wh, ns, name, NULL, NULL, &a, &expired, &n_expired, &info, &e);
    if (st == KO_OK)
        st = ko_ice_table_remove_files(&m->wh, ns, name, 0, &a, &rm, &e);
    json_array_append_new(m->tables,
                          json_pack("{s:s+++, s:I, s:I, s:I, s:s?}", "table", ns, ".", name, "",
                                    "expired-snapshots", (json_int_t)n_expired, "removed-files",
                                    (json_int_t)rm.n_removed, "removed-bytes", (json_int_t)rm.bytes,
                                    "error", st == KO_OK ? NULL : e.msg));
    ko_arena_free(&a);
}

static ko_status maint_ns(maint *m, const ko_cat_ns *parent, int depth, ko_err *err)
{
    ko_arena a = {0};
    ko_cat_ns_page page;
    ko_status st = ko_cat_ns_list(m->env->cat, parent, NULL, 10000, &a, &page, err);
    for (size_t i = 0; st == KO_OK && i < page.len && depth < 16; i++) {
        ko_cat_name_page tables;
        st = ko_cat_table_list(m->env->cat, page.items[i], NULL, 10000, &a, &tables, err);
        const char *dotted = ko_cat_ns_str(page.items[i], &a);
        for (size_t t = 0; st == KO_OK && dotted && t < tables.len; t++)
            maint_table(m, dotted, tables.names[t]);
        if (st == KO_OK)
            st = maint_ns(m, &page.items[i], depth + 1, err);
    }
    ko_arena_free(&a);
    return st;
}

static size_t maint_logs(const ko_pipe_env *env, int64_t retention_ms)
{
    ko_arena a = {0};
    ko_cat_run *runs = NULL;
    size_t n = 0, removed = 0;
    ko_err e;
    int64_t cutoff = ko_pipe_now_us() - retention_ms * 1000;
    if (ko_cat_run_list(env->cat, NULL, NULL, 100000, &a, &runs, &n, &e) != KO_OK)
        n = 0;
    for (size_t i = 0; i < n; i++) {
        if (!runs[i].finished_us || runs[i].finished_us >= cutoff)
            continue;
        char prefix[200];
        snprintf(prefix, sizeof prefix, "_korolev/runs/%s/", runs[i].id);
        ko_list_page page = {0};
        if (ko_store_list(env->store, prefix, NULL, 1000, &page, &e) == KO_OK)
            for (size_t k = 0; k < page.count; k++)
                removed += ko_store_delete(env->store, page.entries[k].key, &e) == KO_OK;
        ko_list_page_free(&page);
    }
    ko_arena_free(&a);
    return removed;
}

ko_status ko_pipe_maintenance(const ko_pipe_env *env, int64_t log_retention_ms, json_t **report,
                              ko_err *err)
{
    ko_ingest_catalog ic;
    ko_ingest_catalog_bind(&ic, env->cat, "maintenance");
    maint m = {env, {env->store, &ic.icat}, json_array()};
    ko_status st = maint_ns(&m, NULL, 0, err);
    size_t logs = maint_logs(env, log_retention_ms);
    *report = json_pack("{s:o, s:I}", "tables", m.tables, "removed-log-files", (json_int_t)logs);
    return st;
}
