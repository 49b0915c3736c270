/*
 * pipeline_cmd.c - `korolev pipeline ...`: pipelines declared in YAML
 * (docs/pipelines.md), their runs, logs and alerts.
 *
 *   pipeline list [--format F]            the pipelines of the directory
 *   pipeline validate [FILE...]           validate the directory (or files)
 *   pipeline run NAME [--param k=v]... [--backfill FROM..TO] [--dry-run]
 *   pipeline runs [NAME] [--state S] [--limit N] [--format F]
 *   pipeline show RUN                     one run as JSON
 *   pipeline logs RUN                     the logs of every attempt
 *   pipeline cancel RUN
 *   pipeline alerts [--limit N] [--format F]
 *   pipeline tick                         one scheduler tick (no execution)
 *   pipeline maintenance [--log-retention DURATION]
 *
 * F is table (default), json or jsonl (output.c); --json is the old
 * spelling of --format json.
 * --pipelines DIR (anywhere) names the directory; default
 * $KOROLEV_PIPELINES, else ./pipelines.  Exit status: 0 ok, 1 failed (a
 * dry run with failed checks, an invalid spec), 2 usage.
 */
#include "catalog/catalog.h"
#include "cli/cli.h"
#include "pipeline/pipeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char USAGE[] =
    "pipeline list [--format F]|validate [FILE...]|run NAME [--param k=v]... "
    "[--backfill FROM..TO] [--dry-run]|runs [NAME] [--state S] [--limit N] [--format F]|show RUN|"
    "logs RUN|cancel RUN|alerts [--limit N] [--format F]|tick|maintenance [--log-retention D]  "
    "[--pipelines DIR]  (F: table|json|jsonl)";

typedef struct pargs {
    const char *dir;
    const char *pos[8];
    int npos;
    json_t *params;
    const char *backfill, *state, *retention;
    size_t limit;
    bool dry;
    ko_cli_fmt fmt; /* --format (listings); --json is --format json */
} pargs;

static bool add_param(pargs *p, const char *kv)
{
    const char *eq = strchr(kv, '=');
    if (!eq || eq == kv)
        return false;
    char key[200];
    snprintf(key, sizeof key, "%.*s", (int)(eq - kv), kv);
    return json_object_set_new(p->params, key, json_string(eq + 1)) == 0;
}

static bool valued(pargs *p, const char *flag, const char *v)
{
    if (strcmp(flag, "--pipelines") == 0)
        p->dir = v;
    else if (strcmp(flag, "--param") == 0)
        return add_param(p, v);
    else if (strcmp(flag, "--backfill") == 0)
        p->backfill = v;
    else if (strcmp(flag, "--state") == 0)
        p->state = v;
    else if (strcmp(flag, "--limit") == 0) {
        char *end = NULL;
        p->limit = (size_t)strtoull(v, &end, 10);
        return *v >= '0' && *v <= '9' && !*end;
    } else if (strcmp(flag, "--format") == 0)
        return ko_cli_fmt_parse(v, &p->fmt);
    else if (strcmp(flag, "--log-retention") == 0)
        p->retention = v;
    else
        return false;
    return true;
}

static bool parse(int argc, char **argv, pargs *p)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--dry-run") == 0)
            p->dry = true;
        else if (strcmp(a, "--json") == 0)
            p->fmt = KO_CLI_FMT_JSON;
        else if (strncmp(a, "--", 2) == 0) {
            if (i + 1 >= argc || !valued(p, a, argv[i + 1]))
                return false;
            i++;
        } else if (p->npos < 8)
            p->pos[p->npos++] = a;
        else
            return false;
    }
    if (!p->dir)
        p->dir = getenv("KOROLEV_PIPELINES") ? getenv("KOROLEV_PIPELINES") : "pipelines";
    return p->npos >= 1;
}

static int print_json(json_t *j)
{
    char *s = j ? json_dumps(j, JSON_INDENT(2)) : NULL;
    if (s)
        puts(s);
    free(s);
    json_decref(j);
    return s ? 0 : 1;
}

/* ------------------------------------------------------------ environment */

typedef struct cli_env {
    ko_pipe_env env;
    ko_arena a;
    ko_pipe_spec *specs;
    size_t n;
} cli_env;

static ko_status open_env(cli_env *c, const pargs *p, bool load, ko_err *err)
{
    memset(c, 0, sizeof *c);
    c->env.warehouse_uri = ko_cli_warehouse();
    c->env.catalog_uri = ko_cli_catalog();
    c->env.pipelines_dir = p->dir;
    c->env.lease_ms = 30000;
    c->env.worker_id = "cli";
    ko_cli_make_catalog_dir(c->env.catalog_uri);
    ko_status st = ko_store_open(c->env.warehouse_uri, NULL, &c->env.store, err);
    if (st == KO_OK)
        st = ko_cat_open(c->env.catalog_uri, NULL, &c->env.cat, err);
    if (st == KO_OK && load)
        st = ko_pipe_load_dir(p->dir, &c->a, &c->specs, &c->n, err);
    return st;
}

static void close_env(cli_env *c)
{
    if (c->env.cat)
        ko_cat_close(c->env.cat);
    if (c->env.store)
        ko_store_close(c->env.store);
    ko_arena_free(&c->a);
}

/* ------------------------------------------------------------------ verbs */

static int do_validate(const pargs *p)
{
    ko_arena a = {0};
    ko_err err;
    size_t n = 0;
    ko_status st = KO_OK;
    if (p->npos > 1) {
        for (int i = 1; st == KO_OK && i < p->npos; i++, n++) {
            ko_pipe_spec s;
            st = ko_pipe_spec_load(p->pos[i], &a, &s, &err);
        }
    } else {
        ko_pipe_spec *specs;
        st = ko_pipe_load_dir(p->dir, &a, &specs, &n, &err);
    }
    ko_arena_free(&a);
    if (st != KO_OK)
        return ko_cli_fail(&err);
    printf("ok: %zu pipeline%s valid\n", n, n == 1 ? "" : "s");
    return 0;
}

static int do_run(cli_env *c, const pargs *p, ko_err *err)
{
    const ko_pipe_spec *spec = ko_pipe_find(c->specs, c->n, p->pos[1]);
    if (!spec) {
        ko_err_set(err, KO_ERR_NOT_FOUND, "pipeline %s is not defined in %s", p->pos[1], p->dir);
        return ko_cli_fail(err);
    }
    char *params = json_dumps(p->params, JSON_COMPACT | JSON_SORT_KEYS);
    int rc = 0;
    if (p->dry) {
        json_t *report = NULL;
        if (ko_pipe_dry_run(&c->env, spec, params, &report, err) != KO_OK) {
            rc = ko_cli_fail(err);
        } else {
            rc = json_is_true(json_object_get(report, "ok")) ? 0 : 1;
            print_json(report);
        }
    } else if (p->backfill) {
        const char *dots = strstr(p->backfill, "..");
        char from[32];
        size_t n = 0;
        snprintf(from, sizeof from, "%.*s", dots ? (int)(dots - p->backfill) : 0, p->backfill);
        if (!dots || ko_pipe_backfill(&c->env, spec, from, dots + 2, params, &n, err) != KO_OK)
            rc = dots ? ko_cli_fail(err) : ko_cli_usage(USAGE);
        else
            printf("queued %zu backfill run%s of %s\n", n, n == 1 ? "" : "s", spec->name);
    } else {
        char id[KO_UUID_STR_LEN + 1];
        if (ko_pipe_enqueue(&c->env, spec, "manual",
                            json_string_value(json_object_get(p->params, "ds")), 0, params, NULL,
                            NULL, id, err) != KO_OK)
            rc = ko_cli_fail(err);
        else
            puts(id);
    }
    free(params);
    return rc;
}

static const ko_cli_col RUN_COLS[] = {
    {"RUN", "id", false},          {"PIPELINE", "pipeline", false}, {"STATE", "state", false},
    {"TRIGGER", "trigger", false}, {"DATE", "logical-date", false}, {"ATTEMPT", "attempt", false},
    {"OF", "max-attempts", false}, {"ERROR", "error", false}};
static const ko_cli_col SPEC_COLS[] = {{"NAME", "name", false},
                                       {"OWNER", "owner", false},
                                       {"FILE", "file", false},
                                       {"TRIGGERS", "triggers", false},
                                       {"OUTPUTS", "outputs", false}};
static const ko_cli_col ALERT_COLS[] = {{"ID", "id", false},
                                        {"CREATED", "created", false},
                                        {"KIND", "kind", false},
                                        {"OBJECT", "object", false},
                                        {"MESSAGE", "message", false}};

static int do_runs(cli_env *c, const pargs *p, ko_err *err)
{
    json_t *runs = NULL;
    if (ko_pipe_runs_json(c->env.cat, p->npos > 1 ? p->pos[1] : NULL, p->state, p->limit, &runs,
                          err) != KO_OK)
        return ko_cli_fail(err);
    return ko_cli_print_list(runs, ko_cli_fmt_resolve(p->fmt, KO_CLI_FMT_AUTO), RUN_COLS,
                             KO_ARRAY_LEN(RUN_COLS));
}

static int do_logs(cli_env *c, const pargs *p, ko_err *err)
{
    ko_buf b = {0};
    ko_status st = ko_pipe_logs(c->env.store, p->pos[1], &b, err);
    if (st == KO_OK)
        (void)fwrite(b.data, 1, b.len, stdout);
    ko_buf_free(&b);
    return st == KO_OK ? 0 : ko_cli_fail(err);
}

static int do_cancel(cli_env *c, const pargs *p, ko_err *err)
{
    const char *state = NULL;
    if (ko_cat_run_cancel(c->env.cat, p->pos[1], ko_pipe_now_us(), &state, err) != KO_OK)
        return ko_cli_fail(err);
    printf("%s: %s\n", p->pos[1],
           strcmp(state, "running") == 0 ? "cancellation requested" : "cancelled");
    return 0;
}

static int do_tick(cli_env *c, ko_err *err)
{
    size_t q = 0;
    if (ko_pipe_tick(&c->env, c->specs, c->n, &q, err) != KO_OK)
        return ko_cli_fail(err);
    printf("queued %zu run%s\n", q, q == 1 ? "" : "s");
    return 0;
}

static int do_maintenance(cli_env *c, const pargs *p, ko_err *err)
{
    int64_t ms = 30LL * 86400000;
    if (p->retention && !ko_pipe_duration_parse(p->retention, &ms))
        return ko_cli_usage(USAGE);
    json_t *report = NULL;
    ko_status st = ko_pipe_maintenance(&c->env, ms, &report, err);
    print_json(report);
    return st == KO_OK ? 0 : ko_cli_fail(err);
}

static int dispatch(cli_env *c, const pargs *p, ko_err *err)
{
    const char *v = p->pos[0];
    bool one = p->npos >= 2;
    json_t *j = NULL;
    ko_cli_fmt fmt = ko_cli_fmt_resolve(p->fmt, KO_CLI_FMT_AUTO);
    if (strcmp(v, "list") == 0)
        return ko_pipe_specs_json(p->dir, &j, err) == KO_OK
                   ? ko_cli_print_list(j, fmt, SPEC_COLS, KO_ARRAY_LEN(SPEC_COLS))
                   : ko_cli_fail(err);
    if (strcmp(v, "run") == 0 && one)
        return do_run(c, p, err);
    if (strcmp(v, "runs") == 0)
        return do_runs(c, p, err);
    if (strcmp(v, "show") == 0 && one)
        return ko_pipe_run_json(c->env.cat, p->pos[1], &j, err) == KO_OK ? print_json(j)
                                                                         : ko_cli_fail(err);
    if (strcmp(v, "logs") == 0 && one)
        return do_logs(c, p, err);
    if (strcmp(v, "cancel") == 0 && one)
        return do_cancel(c, p, err);
    if (strcmp(v, "alerts") == 0)
        return ko_pipe_alerts_json(c->env.cat, p->limit, &j, err) == KO_OK
                   ? ko_cli_print_list(j, fmt, ALERT_COLS, KO_ARRAY_LEN(ALERT_COLS))
                   : ko_cli_fail(err);
    if (strcmp(v, "tick") == 0)
        return do_tick(c, err);
    if (strcmp(v, "maintenance") == 0)
        return do_maintenance(c, p, err);
    return ko_cli_usage(USAGE);
}

int ko_cli_pipeline(int argc, char **argv)
{
    pargs p = {.params = json_object()};
    if (!p.params || !parse(argc, argv, &p)) {
        json_decref(p.params);
        return ko_cli_usage(USAGE);
    }
    int rc;
    ko_err err;
    if (strcmp(p.pos[0], "validate") == 0) {
        rc = do_validate(&p);
    } else {
        bool load = strcmp(p.pos[0], "run") == 0 || strcmp(p.pos[0], "tick") == 0;
        cli_env c;
        rc = open_env(&c, &p, load, &err) == KO_OK ? dispatch(&c, &p, &err) : ko_cli_fail(&err);
        close_env(&c);
    }
    json_decref(p.params);
    return rc;
}
