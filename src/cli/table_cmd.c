/*
 * table_cmd.c - `korolev namespace|table|audit ...`: Iceberg tables in a
 * warehouse, through the catalog.
 *
 *   namespace create NS [--property k=v]... | list [PARENT] | drop NS
 *   table create NS.T (--schema FILE.json | --like FILE.parquet)
 *                     [--partition-by SPEC] [--property k=v]...
 *   table append NS.T FILE.parquet...
 *   table describe|history|files NS.T [--snapshot ID]     (JSON)
 *   table expire NS.T [--older-than TS] [--retain-last N]
 *                     [--files-older-than TS | --keep-files]
 *   table rollback NS.T SNAPSHOT
 *   table add-column NS.T NAME TYPE | rename-column NS.T OLD NEW |
 *         drop-column NS.T NAME                       (schema evolution)
 *   table list NS
 *   table delete|overwrite|replace|partition|tag|branch|drop-ref|
 *         fast-forward ..., table append NS.T --branch B ...
 *                                          (table_write_cmd.c)
 *   audit list [--object X] [--action A] [--limit N] | verify
 *
 * The warehouse and catalog come from the global flags (main.c).  The
 * iceberg layer reaches the catalog through ko_ice_catalog; the adapter
 * here binds it to ko_cat, with the principal from KO_PRINCIPAL or USER.
 * Times (TS) are ISO-8601 ("2024-05-01T12:00:00Z"), milliseconds since
 * the epoch, or "now".  Results are JSON on stdout; errors one line on
 * stderr (exit 1), usage errors exit 2.  The listing verbs (namespace
 * list, table list|history|files, audit list) take --format
 * table|json|jsonl (output.c); history, files and audit list print their
 * old JSON by default when stdout is not a terminal.
 */
#include "catalog/catalog.h"
#include "cli/cli.h"
#include "cli/table_write_cmd.h"
#include "iceberg/iceberg.h"
#include "store/store.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char NS_USAGE[] =
    "namespace create NS [--property k=v]... | list [PARENT] [--format table|json|jsonl] | drop NS";
static const char TABLE_USAGE[] =
    "table create NS.T (--schema FILE.json | --like FILE.parquet) [--partition-by SPEC] "
    "[--property k=v]... | append NS.T FILE.parquet... | describe NS.T | history NS.T [--format F] "
    "| files NS.T [--snapshot ID] [--format F] | expire NS.T [--older-than TS] [--retain-last N] "
    "[--files-older-than TS | "
    "--keep-files] | rollback NS.T SNAPSHOT | add-column NS.T NAME TYPE | rename-column NS.T OLD "
    "NEW | drop-column NS.T NAME | list NS [--format F] | "
    "delete|overwrite|replace|partition|tag|branch|"
    "drop-ref|fast-forward ... (`korolev table delete` shows their usage)";
static const char AUDIT_USAGE[] =
    "audit list [--object X] [--action A] [--limit N] [--format table|json|jsonl] | verify";

enum { MAX_PROPS = 256 };

/* ------------------------------------------------------- catalog adapter */

typedef struct env {
    ko_store *store;
    ko_cat *cat;
    ko_cat_change chg;
    ko_ice_catalog icat;
    ko_ice_warehouse wh;
    ko_arena arena;
} env;

static ko_status ad_ns(env *e, const char *ns, ko_arena *a, ko_cat_ns *out, ko_err *err)
{
    return ko_cat_ns_parse(ns, a ? a : &e->arena, out, err);
}

static ko_status ad_load(void *ctx, const char *ns, const char *name, ko_arena *arena,
                         const char **location, ko_err *err)
{
    env *e = ctx;
    ko_cat_ns n;
    ko_cat_table t;
    ko_status st = ad_ns(e, ns, arena, &n, err);
    if (st == KO_OK)
        st = ko_cat_table_load(e->cat, n, name, arena, &t, err);
    if (st == KO_OK)
        *location = t.location;
    return st;
}

static ko_status ad_create(void *ctx, const char *ns, const char *name, const char *location,
                           const char *summary, ko_err *err)
{
    env *e = ctx;
    ko_cat_ns n;
    ko_cat_change chg = {e->chg.principal, summary};
    ko_status st = ad_ns(e, ns, NULL, &n, err);
    return st == KO_OK ? ko_cat_table_create(e->cat, &chg, n, name, location, err) : st;
}

static ko_status ad_commit(void *ctx, const char *ns, const char *name, const char *expected,
                           const char *location, const char *summary, ko_err *err)
{
    env *e = ctx;
    ko_cat_ns n;
    ko_cat_change chg = {e->chg.principal, summary};
    ko_status st = ad_ns(e, ns, NULL, &n, err);
    return st == KO_OK ? ko_cat_commit(e->cat, &chg, n, name, expected, location, err) : st;
}

static ko_status ad_audit(void *ctx, const char *action, const char *object, const char *summary,
                          ko_err *err)
{
    env *e = ctx;
    ko_cat_change chg = {e->chg.principal, summary};
    return ko_cat_audit_append(e->cat, &chg, action, object, NULL, NULL, NULL, err);
}

/* mkdir -p of the directory holding a SQLite catalog file. */
static void make_catalog_dir(const char *uri)
{
    if (strncmp(uri, "sqlite:", 7) != 0 || strcmp(uri, "sqlite::memory:") == 0)
        return;
    char path[4096];
    snprintf(path, sizeof path, "%s", uri + 7);
    char *slash = strrchr(path, '/');
    if (!slash)
        return;
    *slash = '\0';
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        (void)mkdir(path, 0777);
        *p = '/';
    }
    (void)mkdir(path, 0777);
}

static void env_close(env *e)
{
    ko_cat_close(e->cat);
    ko_store_close(e->store);
    ko_arena_free(&e->arena);
}

static ko_status env_open(env *e, ko_err *err)
{
    memset(e, 0, sizeof *e);
    const char *principal = getenv("KO_PRINCIPAL");
    e->chg.principal = principal && *principal ? principal : getenv("USER");
    ko_status st = ko_store_open(ko_cli_warehouse(), NULL, &e->store, err);
    if (st == KO_OK) {
        make_catalog_dir(ko_cli_catalog());
        st = ko_cat_open(ko_cli_catalog(), NULL, &e->cat, err);
    }
    e->icat = (ko_ice_catalog){e, ad_load, ad_create, ad_commit, ad_audit};
    e->wh = (ko_ice_warehouse){e->store, &e->icat};
    if (st != KO_OK)
        env_close(e);
    return st;
}

/* ---------------------------------------------------------------- helpers */

static int print_json(json_t *j)
{
    if (!j)
        return 1;
    int rc = json_dumpf(j, stdout, JSON_INDENT(2)) == 0 && fputc('\n', stdout) != EOF ? 0 : 1;
    json_decref(j);
    return rc;
}

/* "k=v" into props; false when malformed or full. */
static bool parse_prop(char *arg, ko_ice_kv *props, uint32_t *n)
{
    char *eq = strchr(arg, '=');
    if (!eq || eq == arg || *n >= MAX_PROPS)
        return false;
    *eq = '\0';
    props[(*n)++] = (ko_ice_kv){arg, eq + 1};
    return true;
}

/* TS: ISO-8601, digits (ms since the epoch) or "now"; milliseconds out. */
static ko_status parse_time_ms(const char *s, int64_t *out, ko_err *err)
{
    if (strcmp(s, "now") == 0) {
        *out = ko_now_us() / 1000;
        return KO_OK;
    }
    char *end = NULL;
    long long v = strtoll(s, &end, 10);
    if (*s && end && !*end) {
        *out = v;
        return KO_OK;
    }
    int64_t us = 0;
    ko_status st = ko_time_parse(s, strlen(s), &us, err);
    *out = us / 1000;
    return st;
}

static bool parse_i64(const char *s, int64_t *out)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end || errno)
        return false;
    *out = v;
    return true;
}

static ko_status split_ident(env *e, const char *text, const char **ns, const char **name,
                             ko_err *err)
{
    return ko_ice_ident_parse(text, &e->arena, ns, name, err);
}

/* ------------------------------------------------------------- namespace */

static int ns_create(env *e, int argc, char **argv, ko_err *err)
{
    ko_cat_prop props[MAX_PROPS];
    size_t n = 0;
    for (int i = 3; i < argc; i++) {
        char *eq =
            i + 1 < argc && strcmp(argv[i], "--property") == 0 ? strchr(argv[++i], '=') : NULL;
        if (!eq || eq == argv[i] || n >= MAX_PROPS)
            return ko_cli_usage(NS_USAGE);
        *eq = '\0';
        props[n++] = (ko_cat_prop){argv[i], eq + 1};
    }
    ko_cat_ns ns;
    ko_status st = ko_cat_ns_parse(argv[2], &e->arena, &ns, err);
    if (st == KO_OK)
        st = ko_cat_ns_create(e->cat, &e->chg, ns, props, n, err);
    return st == KO_OK ? 0 : ko_cli_fail(err);
}

static const ko_cli_col NS_COLS[] = {{"NAMESPACE", "namespace", false}};

/* "[PARENT] [--format F]" from argv[i0..]; false on a usage error. */
static bool list_args(int argc, char **argv, int i0, const char **pos, ko_cli_fmt *fmt)
{
    for (int i = i0; i < argc; i++) {
        if (strcmp(argv[i], "--format") == 0) {
            if (i + 1 >= argc || !ko_cli_fmt_parse(argv[++i], fmt))
                return false;
        } else if (!*pos && argv[i][0] != '-') {
            *pos = argv[i];
        } else {
            return false;
        }
    }
    return true;
}

static int ns_list(env *e, int argc, char **argv, ko_err *err)
{
    const char *parent = NULL;
    ko_cli_fmt fmt = KO_CLI_FMT_TABLE;
    if (!list_args(argc, argv, 2, &parent, &fmt))
        return ko_cli_usage(NS_USAGE);
    ko_cat_ns p = {0};
    if (parent && ko_cat_ns_parse(parent, &e->arena, &p, err) != KO_OK)
        return ko_cli_fail(err);
    const char *token = NULL;
    json_t *rows = json_array();
    do {
        ko_cat_ns_page page;
        if (ko_cat_ns_list(e->cat, parent ? &p : NULL, token, 1000, &e->arena, &page, err) !=
            KO_OK) {
            json_decref(rows);
            return ko_cli_fail(err);
        }
        for (size_t i = 0; i < page.len; i++)
            json_array_append_new(
                rows, json_pack("{s:s}", "namespace", ko_cat_ns_str(page.items[i], &e->arena)));
        token = page.next_token;
    } while (token);
    return ko_cli_print_list(rows, fmt, NS_COLS, KO_ARRAY_LEN(NS_COLS));
}

static int ns_run(env *e, int argc, char **argv, ko_err *err)
{
    const char *op = argv[1];
    if (strcmp(op, "create") == 0 && argc >= 3)
        return ns_create(e, argc, argv, err);
    if (strcmp(op, "list") == 0)
        return ns_list(e, argc, argv, err);
    if (strcmp(op, "drop") == 0 && argc == 3) {
        ko_cat_ns ns;
        ko_status st = ko_cat_ns_parse(argv[2], &e->arena, &ns, err);
        if (st == KO_OK)
            st = ko_cat_ns_drop(e->cat, &e->chg, ns, err);
        return st == KO_OK ? 0 : ko_cli_fail(err);
    }
    return ko_cli_usage(NS_USAGE);
}

int ko_cli_namespace(int argc, char **argv)
{
    if (argc < 2)
        return ko_cli_usage(NS_USAGE);
    env e;
    ko_err err = {0};
    if (env_open(&e, &err) != KO_OK)
        return ko_cli_fail(&err);
    int rc = ns_run(&e, argc, argv, &err);
    env_close(&e);
    return rc;
}

/* ------------------------------------------------------------- table create */

static ko_status schema_from_json_file(env *e, const char *uri, ko_ice_schema *out, ko_err *err)
{
    ko_store *s = NULL;
    char *key = NULL;
    ko_buf buf = {0};
    ko_status st = ko_store_open_object(uri, NULL, &s, &key, err);
    if (st == KO_OK)
        st = ko_store_get(s, key, &buf, err);
    if (st == KO_OK)
        st = ko_ice_schema_parse((const char *)buf.data, buf.len, &e->arena, out, err);
    if (st != KO_OK && !strstr(err->msg, uri))
        ko_err_prefix(err, "%s", uri);
    ko_buf_free(&buf);
    free(key);
    ko_store_close(s);
    return st;
}

static ko_status schema_like_parquet(env *e, const char *uri, ko_ice_schema *out, ko_err *err)
{
    ko_store *s = NULL;
    char *key = NULL;
    ko_pq_reader *r = NULL;
    ko_status st = ko_store_open_object(uri, NULL, &s, &key, err);
    if (st == KO_OK)
        st = ko_pq_reader_open(s, key, &r, err);
    if (st == KO_OK) {
        const ko_pq_file_meta *m = ko_pq_reader_meta(r);
        st = ko_ice_schema_from_parquet(m->schema, m->n_schema, true, &e->arena, out, err);
    }
    if (st != KO_OK && !strstr(err->msg, uri))
        ko_err_prefix(err, "%s", uri);
    ko_pq_reader_close(r);
    free(key);
    ko_store_close(s);
    return st;
}

typedef struct create_args {
    const char *schema_file, *like_file, *partition_by;
    ko_ice_kv props[MAX_PROPS];
    uint32_t n_props;
} create_args;

static bool parse_create(int argc, char **argv, create_args *a)
{
    memset(a, 0, sizeof *a);
    for (int i = 3; i < argc; i++) {
        bool has = i + 1 < argc;
        if (strcmp(argv[i], "--schema") == 0 && has)
            a->schema_file = argv[++i];
        else if (strcmp(argv[i], "--like") == 0 && has)
            a->like_file = argv[++i];
        else if (strcmp(argv[i], "--partition-by") == 0 && has)
            a->partition_by = argv[++i];
        else if (!(strcmp(argv[i], "--property") == 0 && has &&
                   parse_prop(argv[++i], a->props, &a->n_props)))
            return false;
    }
    return (a->schema_file != NULL) != (a->like_file != NULL);
}

static int table_create(env *e, int argc, char **argv, ko_err *err)
{
    create_args a;
    if (!parse_create(argc, argv, &a))
        return ko_cli_usage(TABLE_USAGE);
    const char *ns, *name;
    ko_ice_schema schema;
    ko_ice_table t;
    ko_status st = split_ident(e, argv[2], &ns, &name, err);
    if (st == KO_OK)
        st = a.schema_file ? schema_from_json_file(e, a.schema_file, &schema, err)
                           : schema_like_parquet(e, a.like_file, &schema, err);
    ko_ice_table_create_opts o = {&schema, a.partition_by, a.props, a.n_props};
    if (st == KO_OK)
        st = ko_ice_table_create(&e->wh, ns, name, &o, &e->arena, &t, err);
    if (st != KO_OK)
        return ko_cli_fail(err);
    return print_json(json_pack("{s:s, s:s, s:s}", "table", t.ident, "metadata-location",
                                t.metadata_location, "location", t.meta.location));
}

/* ------------------------------------------------------------- table append */

typedef struct inputs {
    ko_store **stores;
    char **keys;
    ko_pq_reader **readers;
    size_t n;
} inputs;

static void inputs_close(inputs *in)
{
    for (size_t i = 0; i < in->n; i++) {
        ko_pq_reader_close(in->readers[i]);
        free(in->keys[i]);
        ko_store_close(in->stores[i]);
    }
    free(in->stores);
    free(in->keys);
    free(in->readers);
}

static ko_status inputs_open(char **uris, size_t n, ko_cli_progress *p, inputs *in, ko_err *err)
{
    memset(in, 0, sizeof *in);
    in->stores = calloc(n, sizeof(ko_store *));
    in->keys = calloc(n, sizeof *in->keys);
    in->readers = calloc(n, sizeof(ko_pq_reader *));
    if (!in->stores || !in->keys || !in->readers)
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        in->n = i + 1;
        ko_status st = ko_store_open_object(uris[i], NULL, &in->stores[i], &in->keys[i], err);
        if (st == KO_OK)
            st = ko_cli_progress_wrap(p, &in->stores[i], in->keys[i], err);
        if (st == KO_OK)
            st = ko_pq_reader_open(in->stores[i], in->keys[i], &in->readers[i], err);
        if (st != KO_OK)
            return strstr(err->msg, uris[i]) ? st : ko_err_prefix(err, "%s", uris[i]);
    }
    return KO_OK;
}

/* Takes --progress / --no-progress out of argv[3..]: -1 auto, 0, 1. */
static int take_progress(int *argc, char **argv)
{
    int mode = -1, out = 3;
    for (int i = 3; i < *argc; i++) {
        if (strcmp(argv[i], "--progress") == 0)
            mode = 1;
        else if (strcmp(argv[i], "--no-progress") == 0)
            mode = 0;
        else
            argv[out++] = argv[i];
    }
    *argc = out;
    return mode;
}

static int table_append(env *e, int argc, char **argv, ko_err *err)
{
    int mode = take_progress(&argc, argv);
    if (argc < 4)
        return ko_cli_usage(TABLE_USAGE);
    const char *ns, *name;
    inputs in = {0};
    ko_ice_commit_info info;
    ko_cli_progress *p =
        ko_cli_progress_start(ko_arena_sprintf(&e->arena, "append %s", argv[2]), 0, mode);
    ko_status st = split_ident(e, argv[2], &ns, &name, err);
    if (st == KO_OK)
        st = inputs_open(argv + 3, (size_t)(argc - 3), p, &in, err);
    if (st == KO_OK)
        st = ko_ice_table_append(&e->wh, ns, name, in.readers, (const char *const *)(argv + 3),
                                 in.n, NULL, &e->arena, &info, err);
    inputs_close(&in);
    ko_cli_progress_finish(p, st == KO_OK);
    if (st != KO_OK)
        return ko_cli_fail(err);
    return print_json(json_pack("{s:s, s:I, s:I, s:s, s:i}", "table", argv[2], "snapshot-id",
                                (json_int_t)info.snapshot_id, "sequence-number",
                                (json_int_t)info.sequence_number, "metadata-location",
                                info.metadata_location, "attempts", info.attempts));
}

/* ----------------------------------------------------------- table views */

static const ko_cli_col HISTORY_COLS[] = {{"SNAPSHOT", "snapshot-id", false},
                                          {"PARENT", "parent-snapshot-id", false},
                                          {"SEQ", "sequence-number", false},
                                          {"TIME", "timestamp-ms", true},
                                          {"OPERATION", "operation", false},
                                          {"ADDED", "summary.added-records", false},
                                          {"DELETED", "summary.deleted-records", false},
                                          {"TOTAL", "summary.total-records", false},
                                          {"CURRENT", "is-current", false}};
static const ko_cli_col FILES_COLS[] = {{"CONTENT", "content", false},
                                        {"RECORDS", "record-count", false},
                                        {"BYTES", "file-size-in-bytes", false},
                                        {"PARTITION", "partition", false},
                                        {"PATH", "file-path", false}};

/* "[--snapshot ID] [--format F]" of history|files|describe. */
static bool view_args(int argc, char **argv, bool files, int64_t *snap, ko_cli_fmt *fmt)
{
    for (int i = 3; i < argc; i++) {
        bool has = i + 1 < argc;
        if (files && strcmp(argv[i], "--snapshot") == 0 && has) {
            if (!parse_i64(argv[++i], snap))
                return false;
        } else if (strcmp(argv[i], "--format") != 0 || !has || !ko_cli_fmt_parse(argv[++i], fmt)) {
            return false;
        }
    }
    return true;
}

static int table_view(env *e, int argc, char **argv, ko_err *err)
{
    const char *op = argv[1], *ns, *name;
    int64_t snap = -1;
    bool files = strcmp(op, "files") == 0, describe = strcmp(op, "describe") == 0;
    ko_cli_fmt fmt = KO_CLI_FMT_AUTO;
    if (!view_args(argc, argv, files, &snap, &fmt) || (describe && argc != 3))
        return ko_cli_usage(TABLE_USAGE);
    ko_ice_table t;
    json_t *j = NULL;
    ko_status st = split_ident(e, argv[2], &ns, &name, err);
    if (st == KO_OK)
        st = ko_ice_table_load(&e->wh, ns, name, &e->arena, &t, err);
    if (st == KO_OK && describe)
        st = ko_ice_table_describe_json(&t, &j, err);
    else if (st == KO_OK && !files)
        st = ko_ice_table_history_json(&t, &j, err);
    else if (st == KO_OK) {
        ko_ice_manifest_entry *es = NULL;
        size_t n = 0;
        st = ko_ice_table_files(&e->wh, &t, snap, &e->arena, &es, &n, err);
        if (st == KO_OK)
            st = ko_ice_table_files_json(&t, es, n, &j, err);
    }
    if (st != KO_OK)
        return ko_cli_fail(err);
    if (describe)
        return print_json(j);
    fmt = ko_cli_fmt_resolve(fmt, KO_CLI_FMT_JSON);
    return files ? ko_cli_print_list(j, fmt, FILES_COLS, KO_ARRAY_LEN(FILES_COLS))
                 : ko_cli_print_list(j, fmt, HISTORY_COLS, KO_ARRAY_LEN(HISTORY_COLS));
}

static const ko_cli_col TABLE_COLS[] = {{"TABLE", "table", false}};

static int table_list(env *e, int argc, char **argv, ko_err *err)
{
    const char *nstext = NULL;
    ko_cli_fmt fmt = KO_CLI_FMT_TABLE;
    if (!list_args(argc, argv, 2, &nstext, &fmt) || !nstext)
        return ko_cli_usage(TABLE_USAGE);
    ko_cat_ns ns;
    if (ko_cat_ns_parse(nstext, &e->arena, &ns, err) != KO_OK)
        return ko_cli_fail(err);
    const char *token = NULL;
    json_t *rows = json_array();
    do {
        ko_cat_name_page page;
        if (ko_cat_table_list(e->cat, ns, token, 1000, &e->arena, &page, err) != KO_OK) {
            json_decref(rows);
            return ko_cli_fail(err);
        }
        for (size_t i = 0; i < page.len; i++)
            json_array_append_new(
                rows, json_pack("{s:s}", "table",
                                ko_arena_sprintf(&e->arena, "%s.%s", nstext, page.names[i])));
        token = page.next_token;
    } while (token);
    return ko_cli_print_list(rows, fmt, TABLE_COLS, KO_ARRAY_LEN(TABLE_COLS));
}

/* ------------------------------------------------------ table maintenance */

typedef struct expire_args {
    ko_ice_expire_opts o;
    int64_t files_before_ms;
    bool keep_files;
} expire_args;

static int parse_expire(int argc, char **argv, expire_args *a, ko_err *err)
{
    memset(a, 0, sizeof *a);
    for (int i = 3; i < argc; i++) {
        bool has = i + 1 < argc;
        int64_t n = 0;
        ko_status st = KO_OK;
        if (strcmp(argv[i], "--older-than") == 0 && has)
            st = parse_time_ms(argv[++i], &a->o.older_than_ms, err);
        else if (strcmp(argv[i], "--files-older-than") == 0 && has)
            st = parse_time_ms(argv[++i], &a->files_before_ms, err);
        else if (strcmp(argv[i], "--retain-last") == 0 && has && parse_i64(argv[++i], &n) &&
                 n > 0 && n <= INT32_MAX)
            a->o.retain_last = (int32_t)n;
        else if (strcmp(argv[i], "--keep-files") == 0)
            a->keep_files = true;
        else
            return 2;
        if (st != KO_OK)
            return 2;
    }
    return 0;
}

static json_t *ids_json(const int64_t *ids, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        json_array_append_new(a, json_integer(ids[i]));
    return a;
}

static int table_expire(env *e, int argc, char **argv, ko_err *err)
{
    expire_args a;
    const char *ns, *name;
    if (argc < 3 || parse_expire(argc, argv, &a, err) != 0)
        return ko_cli_usage(TABLE_USAGE);
    int64_t *ids = NULL;
    size_t n = 0;
    ko_ice_commit_info info = {0};
    ko_ice_remove_result rm = {0};
    ko_status st = split_ident(e, argv[2], &ns, &name, err);
    if (st == KO_OK)
        st = ko_ice_table_expire(&e->wh, ns, name, &a.o, NULL, &e->arena, &ids, &n, &info, err);
    if (st == KO_OK && !a.keep_files)
        st = ko_ice_table_remove_files(&e->wh, ns, name, a.files_before_ms, &e->arena, &rm, err);
    if (st != KO_OK)
        return ko_cli_fail(err);
    return print_json(json_pack("{s:s, s:o, s:s, s:I, s:I, s:I}", "table", argv[2],
                                "expired-snapshot-ids", ids_json(ids, n), "metadata-location",
                                info.metadata_location, "removed-files", (json_int_t)rm.n_removed,
                                "removed-bytes", (json_int_t)rm.bytes, "unreferenced-too-new",
                                (json_int_t)rm.n_too_new));
}

static int table_rollback(env *e, int argc, char **argv, ko_err *err)
{
    const char *ns, *name;
    int64_t snap = 0;
    if (argc != 4 || !parse_i64(argv[3], &snap))
        return ko_cli_usage(TABLE_USAGE);
    ko_ice_commit_info info;
    ko_status st = split_ident(e, argv[2], &ns, &name, err);
    if (st == KO_OK)
        st = ko_ice_table_rollback(&e->wh, ns, name, snap, NULL, &e->arena, &info, err);
    if (st != KO_OK)
        return ko_cli_fail(err);
    return print_json(json_pack("{s:s, s:I, s:s}", "table", argv[2], "snapshot-id",
                                (json_int_t)info.snapshot_id, "metadata-location",
                                info.metadata_location));
}

/* ------------------------------------------------------ schema evolution */

typedef struct column_change {
    const char *op; /* "add-column", "rename-column", "drop-column" */
    const char *name, *arg;
    ko_ice_type type;
} column_change;

static ko_status change_schema(void *ctx, const ko_ice_schema *base, int32_t *last_column_id,
                               ko_arena *arena, ko_ice_schema *out, ko_err *err)
{
    const column_change *c = ctx;
    if (strcmp(c->op, "rename-column") == 0)
        return ko_ice_schema_rename_column(base, c->name, c->arg, arena, out, err);
    if (strcmp(c->op, "drop-column") == 0)
        return ko_ice_schema_drop_column(base, c->name, arena, out, err);
    const char *dot = strrchr(c->name, '.');
    ko_ice_new_column col = {.name = dot ? dot + 1 : c->name, .type = c->type};
    if (dot)
        col.parent = ko_arena_strndup(arena, c->name, (size_t)(dot - c->name));
    return ko_ice_schema_add_column(base, &col, last_column_id, arena, out, err);
}

static int table_evolve(env *e, int argc, char **argv, ko_err *err)
{
    column_change c = {.op = argv[1], .name = argc > 3 ? argv[3] : NULL};
    bool drop = strcmp(c.op, "drop-column") == 0;
    if (argc != (drop ? 4 : 5))
        return ko_cli_usage(TABLE_USAGE);
    c.arg = drop ? NULL : argv[4];
    if (strcmp(c.op, "add-column") == 0 && ko_ice_type_parse(argv[4], &c.type, err) != KO_OK)
        return ko_cli_fail(err);
    const char *ns, *name;
    const char *what = ko_arena_sprintf(&e->arena, "%s %s%s%s", c.op, c.name, c.arg ? " " : "",
                                        c.arg ? c.arg : "");
    ko_ice_commit_info info;
    ko_status st = split_ident(e, argv[2], &ns, &name, err);
    if (st == KO_OK)
        st = ko_ice_table_update_schema(&e->wh, ns, name, change_schema, &c, what, NULL, &e->arena,
                                        &info, err);
    if (st != KO_OK)
        return ko_cli_fail(err);
    return print_json(json_pack("{s:s, s:s, s:s}", "table", argv[2], "change", what,
                                "metadata-location", info.metadata_location));
}

static bool has_arg(int argc, char **argv, const char *flag)
{
    for (int i = 3; i < argc; i++)
        if (strcmp(argv[i], flag) == 0)
            return true;
    return false;
}

static int table_run(env *e, int argc, char **argv, ko_err *err)
{
    const char *op = argv[1];
    if (strcmp(op, "create") == 0 && argc >= 3)
        return table_create(e, argc, argv, err);
    if (strcmp(op, "append") == 0 && has_arg(argc, argv, "--branch"))
        return ko_cli_table_write(&e->wh, argc, argv, &e->arena, err);
    if (strcmp(op, "append") == 0)
        return table_append(e, argc, argv, err);
    if (ko_cli_table_write_op(op))
        return ko_cli_table_write(&e->wh, argc, argv, &e->arena, err);
    if (strcmp(op, "describe") == 0 || strcmp(op, "history") == 0 || strcmp(op, "files") == 0)
        return table_view(e, argc, argv, err);
    if (strcmp(op, "expire") == 0)
        return table_expire(e, argc, argv, err);
    if (strcmp(op, "rollback") == 0)
        return table_rollback(e, argc, argv, err);
    if (strcmp(op, "list") == 0)
        return table_list(e, argc, argv, err);
    if (strcmp(op, "add-column") == 0 || strcmp(op, "rename-column") == 0 ||
        strcmp(op, "drop-column") == 0)
        return table_evolve(e, argc, argv, err);
    return ko_cli_usage(TABLE_USAGE);
}

int ko_cli_table(int argc, char **argv)
{
    if (argc == 2 && ko_cli_table_write_op(argv[1]))
        return ko_cli_usage(KO_CLI_TABLE_WRITE_USAGE);
    if (argc < 3)
        return ko_cli_usage(TABLE_USAGE);
    env e;
    ko_err err = {0};
    if (env_open(&e, &err) != KO_OK)
        return ko_cli_fail(&err);
    int rc = table_run(&e, argc, argv, &err);
    env_close(&e);
    return rc;
}

/* ------------------------------------------------------------------ audit */

static json_t *audit_json(const ko_cat_audit_rec *r)
{
    json_t *summary = r->summary ? json_loads(r->summary, 0, NULL) : NULL;
    char when[KO_TIME_STR_MAX];
    ko_time_format(r->time_us, when);
    return json_pack("{s:I, s:s, s:s?, s:s, s:s, s:s?, s:s?, s:o, s:s}", "id", (json_int_t)r->id,
                     "time", when, "principal", r->principal, "action", r->action, "object",
                     r->object, "before", r->before_location, "after", r->after_location, "summary",
                     summary ? summary : json_null(), "hash", r->hash);
}

static bool parse_audit_flags(int argc, char **argv, ko_cat_audit_filter *f, int64_t *limit,
                              ko_cli_fmt *fmt)
{
    for (int i = 2; i < argc; i++) {
        bool has = i + 1 < argc;
        if (strcmp(argv[i], "--object") == 0 && has)
            f->object = argv[++i];
        else if (strcmp(argv[i], "--action") == 0 && has)
            f->action = argv[++i];
        else if (strcmp(argv[i], "--format") == 0 && has) {
            if (!ko_cli_fmt_parse(argv[++i], fmt))
                return false;
        } else if (!(strcmp(argv[i], "--limit") == 0 && has && parse_i64(argv[++i], limit) &&
                     *limit >= 0))
            return false;
    }
    return true;
}

static const ko_cli_col AUDIT_COLS[] = {{"ID", "id", false},
                                        {"TIME", "time", false},
                                        {"PRINCIPAL", "principal", false},
                                        {"ACTION", "action", false},
                                        {"OBJECT", "object", false}};

static int audit_list(env *e, int argc, char **argv, ko_err *err)
{
    ko_cat_audit_filter f = {0};
    int64_t limit = -1;
    ko_cli_fmt fmt = KO_CLI_FMT_AUTO;
    if (!parse_audit_flags(argc, argv, &f, &limit, &fmt))
        return ko_cli_usage(AUDIT_USAGE);
    const char *token = NULL;
    int64_t shown = 0;
    json_t *rows = json_array();
    do {
        ko_cat_audit_page page = {0};
        if (ko_cat_audit_list(e->cat, &f, token, 1000, &e->arena, &page, err) != KO_OK) {
            json_decref(rows);
            return ko_cli_fail(err);
        }
        for (size_t i = 0; i < page.len && (limit < 0 || shown < limit); i++, shown++)
            json_array_append_new(rows, audit_json(&page.items[i]));
        token = page.next_token;
    } while (token && (limit < 0 || shown < limit));
    fmt = ko_cli_fmt_resolve(fmt, KO_CLI_FMT_JSONL);
    return ko_cli_print_list(rows, fmt, AUDIT_COLS, KO_ARRAY_LEN(AUDIT_COLS));
}

static int audit_run(env *e, int argc, char **argv, ko_err *err)
{
    if (strcmp(argv[1], "list") == 0)
        return audit_list(e, argc, argv, err);
    if (strcmp(argv[1], "verify") == 0 && argc == 2) {
        int64_t count = 0;
        if (ko_cat_audit_verify(e->cat, &count, err) != KO_OK)
            return ko_cli_fail(err);
        printf("audit chain ok: %" PRId64 " records\n", count);
        return 0;
    }
    return ko_cli_usage(AUDIT_USAGE);
}

int ko_cli_audit(int argc, char **argv)
{
    if (argc < 2)
        return ko_cli_usage(AUDIT_USAGE);
    env e;
    ko_err err = {0};
    if (env_open(&e, &err) != KO_OK)
        return ko_cli_fail(&err);
    int rc = audit_run(&e, argc, argv, &err);
    env_close(&e);
    return rc;
}
