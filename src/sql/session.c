/*
 * session.c - SQL sessions (sql.h): the warehouse and catalog adapter, the
 * statement loop, queries run to the caller's sink, EXPLAIN, the settings
 * (SET / RESET / SHOW threads, memory_limit, statement_timeout; they apply
 * to the following statements), USE, CREATE SCHEMA, and the dispatch of
 * the other statements to stmt_*.c.  Each statement runs with its own
 * arena, bind environment and query context (deadline from the current
 * statement_timeout, memory limit, threads).
 */
#include "sql/join.h"
#include "sql/stmt.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

struct ko_sql_session {
    ko_sql_options opts;
    ko_sql_options defaults; /* as opened: RESET restores them */
    char *use_ns;            /* USE ns: the namespace of unqualified table names */
    ko_ice_catalog icat;
    ko_ice_warehouse wh;
    _Atomic bool cancel;
    ko_sql_read_fn on_read; /* ko_sql_session_on_read */
    void *on_read_ctx;
};

bool ko_sql_session_cancelled_(ko_sql_session *s)
{
    return s->cancel;
}

void ko_sql_cancel(ko_sql_session *s)
{
    s->cancel = true;
}

void ko_sql_session_on_read(ko_sql_session *s, ko_sql_read_fn fn, void *ctx)
{
    s->on_read = fn;
    s->on_read_ctx = ctx;
}

void ko_sql_note_read_(ko_sql_session *s, const char *table, int64_t snapshot_id)
{
    if (s && s->on_read)
        s->on_read(s->on_read_ctx, table, snapshot_id);
}

/* --------------------------------------------------- catalog adapter */

static ko_status ad_load(void *ctx, const char *ns, const char *name, ko_arena *arena,
                         const char **location, ko_err *err)
{
    ko_sql_session *s = ctx;
    ko_cat_ns n;
    ko_cat_table t;
    ko_status st = ko_cat_ns_parse(ns, arena, &n, err);
    if (st == KO_OK)
        st = ko_cat_table_load(s->opts.catalog, n, name, arena, &t, err);
    if (st == KO_OK)
        *location = t.location;
    return st;
}

static ko_status ad_create(void *ctx, const char *ns, const char *name, const char *location,
                           const char *summary, ko_err *err)
{
    ko_sql_session *s = ctx;
    ko_arena a = {0};
    ko_cat_ns n;
    ko_cat_change chg = {getenv("USER"), summary};
    ko_status st = ko_cat_ns_parse(ns, &a, &n, err);
    if (st == KO_OK)
        st = ko_cat_table_create(s->opts.catalog, &chg, n, name, location, err);
    ko_arena_free(&a);
    return st;
}

static ko_status ad_commit(void *ctx, const char *ns, const char *name, const char *expected,
                           const char *location, const char *summary, ko_err *err)
{
    ko_sql_session *s = ctx;
    ko_arena a = {0};
    ko_cat_ns n;
    ko_cat_change chg = {getenv("USER"), summary};
    ko_status st = ko_cat_ns_parse(ns, &a, &n, err);
    if (st == KO_OK)
        st = ko_cat_commit(s->opts.catalog, &chg, n, name, expected, location, err);
    ko_arena_free(&a);
    return st;
}

static ko_status ad_audit(void *ctx, const char *action, const char *object, const char *summary,
                          ko_err *err)
{
    ko_sql_session *s = ctx;
    ko_cat_change chg = {getenv("USER"), summary};
    return ko_cat_audit_append(s->opts.catalog, &chg, action, object, NULL, NULL, NULL, err);
}

ko_status ko_sql_session_open(const ko_sql_options *opts, ko_sql_session **out, ko_err *err)
{
    ko_sql_session *s = calloc(1, sizeof *s);
    if (!s)
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory");
    s->opts = *opts;
    if (s->opts.threads <= 0)
        s->opts.threads = ko_cpu_count();
    if (!s->opts.memory_limit) {
        long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGE_SIZE);
        s->opts.memory_limit = pages > 0 && psz > 0 ? (size_t)pages * (size_t)psz / 10 * 8 : 0;
    }
    s->defaults = s->opts;
    s->icat = (ko_ice_catalog){s, ad_load, ad_create, ad_commit, ad_audit};
    s->wh = (ko_ice_warehouse){opts->warehouse, &s->icat};
    *out = s;
    return KO_OK;
}

const char *ko_sql_session_use_(const ko_sql_session *s)
{
    return s->use_ns;
}

void ko_sql_session_close(ko_sql_session *s)
{
    if (s)
        free(s->use_ns);
    free(s);
}

/* ------------------------------------------------------------ types */

/* STRUCT, LIST and MAP types with their children converted. */
static ko_status nested_from_ice(const ko_ice_type *t, ko_arena *arena, ko_sql_dtype *out,
                                 ko_err *err)
{
    uint32_t n = t->n_fields;
    ko_sql_dtype *kids = ko_arena_calloc(arena, n + 1, sizeof *kids);
    const char **names = ko_arena_calloc(arena, n + 1, sizeof *names);
    if (!kids || !names)
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory");
    for (uint32_t i = 0; i < n; i++) {
        names[i] = t->fields[i].name;
        ko_status st = ko_sql_dtype_from_ice(&t->fields[i].type, arena, &kids[i], err);
        if (st != KO_OK)
            return st;
    }
    if (t->id == KO_ICE_STRUCT)
        *out = ko_sql_dtype_struct(arena, names, kids, n);
    else if (t->id == KO_ICE_LIST && n == 1)
        *out = ko_sql_dtype_list(arena, kids[0]);
    else if (n == 2)
        *out = ko_sql_dtype_map(arena, kids[0], kids[1]);
    else
        return ko_err_set(err, KO_ERR_INVALID, "malformed %s type", ko_ice_type_name(t->id));
    return ko_sql_dtype_valid(out) ? KO_OK : ko_err_set(err, KO_ERR_NOMEM, "out of memory");
}

ko_status ko_sql_dtype_from_ice(const ko_ice_type *t, ko_arena *arena, ko_sql_dtype *out,
                                ko_err *err)
{
    switch (t->id) {
    case KO_ICE_BOOLEAN:
        *out = ko_sql_dtype_of(KO_SQL_DT_BOOLEAN);
        return KO_OK;
    case KO_ICE_INT:
        *out = ko_sql_dtype_of(KO_SQL_DT_INTEGER);
        return KO_OK;
    case KO_ICE_LONG:
        *out = ko_sql_dtype_of(KO_SQL_DT_BIGINT);
        return KO_OK;
    case KO_ICE_FLOAT:
        *out = ko_sql_dtype_of(KO_SQL_DT_FLOAT);
        return KO_OK;
    case KO_ICE_DOUBLE:
        *out = ko_sql_dtype_of(KO_SQL_DT_DOUBLE);
        return KO_OK;
    case KO_ICE_DECIMAL:
        *out = ko_sql_dtype_decimal(t->precision, t->scale);
        return KO_OK;
    case KO_ICE_DATE:
        *out = ko_sql_dtype_of(KO_SQL_DT_DATE);
        return KO_OK;
    case KO_ICE_TIME:
        *out = ko_sql_dtype_of(KO_SQL_DT_TIME);
        return KO_OK;
    case KO_ICE_TIMESTAMP:
    case KO_ICE_TIMESTAMP_NS:
        *out = ko_sql_dtype_of(KO_SQL_DT_TIMESTAMP);
        return KO_OK;
    case KO_ICE_TIMESTAMPTZ:
    case KO_ICE_TIMESTAMPTZ_NS:
        *out = ko_sql_dtype_of(KO_SQL_DT_TIMESTAMPTZ);
        return KO_OK;
    case KO_ICE_STRING:
        *out = ko_sql_dtype_of(KO_SQL_DT_VARCHAR);
        return KO_OK;
    case KO_ICE_UUID:
        *out = ko_sql_dtype_of(KO_SQL_DT_UUID);
        return KO_OK;
    case KO_ICE_FIXED:
    case KO_ICE_BINARY:
        *out = ko_sql_dtype_of(KO_SQL_DT_BLOB);
        return KO_OK;
    case KO_ICE_STRUCT:
    case KO_ICE_LIST:
    case KO_ICE_MAP:
        return nested_from_ice(t, arena, out, err);
    default:
        return ko_err_set(err, KO_ERR_UNSUPPORTED,
                          "columns of type %s are not supported by SQL yet",
                          ko_ice_type_name(t->id));
    }
}

const ko_ice_warehouse *ko_sql_session_wh_(ko_sql_session *s)
{
    return &s->wh;
}

/* ------------------------------------------------------- tables */

typedef struct open_ctx {
    ko_sql_session *s;
    ko_ice_dir **dirs;
    size_t n_dirs;
} open_ctx;

static ko_status open_table(void *ctx, const ko_sql_qname *name, ko_arena *a, ko_ice_table **t,
                            ko_ice_dir **dir, ko_err *err)
{
    open_ctx *oc = ctx;
    if (!oc->s->opts.warehouse || !oc->s->opts.catalog)
        return ko_err_set(err, KO_ERR_NOT_FOUND, "no warehouse: tables are not available");
    if (name->n < 2 && !oc->s->use_ns)
        return ko_err_set(err, KO_ERR_NOT_FOUND,
                          "Table with name %s does not exist (name it as schema.table, or USE "
                          "a schema first)",
                          name->parts[0].text);
    ko_buf ns = {0};
    ko_status st = name->n < 2 ? ko_buf_append_str(&ns, oc->s->use_ns) : KO_OK;
    for (size_t i = 0; i + 1 < name->n && st == KO_OK; i++)
        st = ko_buf_appendf(&ns, "%s%s", i ? "." : "", name->parts[i].name);
    *t = ko_arena_calloc(a, 1, sizeof **t);
    if (st != KO_OK || !*t) {
        ko_buf_free(&ns);
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory");
    }
    st = ko_ice_table_load(&oc->s->wh, (const char *)ns.data, name->parts[name->n - 1].name, a, *t,
                           err);
    ko_buf_free(&ns);
    if (st == KO_OK)
        st = ko_ice_table_open_dir(&oc->s->wh, *t, dir, err);
    if (st == KO_OK && oc->n_dirs < 64)
        oc->dirs[oc->n_dirs++] = *dir;
    return st;
}

/* ------------------------------------------------------- statements */

typedef struct run {
    ko_sql_session *s;
    const ko_sql_sink *sink;
    ko_qctx q;
    ko_arena arena;
    ko_bind_env env;
    open_ctx oc;
    ko_ice_dir *dirs[64];
} run;

static ko_status sink_batch(void *ctx, const ko_batch *b, ko_err *err)
{
    const ko_sql_sink *s = ctx;
    return s->batch ? s->batch(s->ctx, b, err) : KO_OK;
}

static ko_status run_query(run *r, const ko_sql_query *query, const char *kind)
{
    ko_pnode *plan = NULL;
    ko_status st = ko_bind_query(&r->q, &r->arena, &r->env, query, &plan);
    if (st != KO_OK)
        return st;
    ko_sql_result_info info = {plan->n_cols, plan->names, plan->types, kind};
    if (r->sink->begin && (st = r->sink->begin(r->sink->ctx, &info, r->q.err)) != KO_OK)
        return st;
    st = ko_exec_plan(&r->q, plan, sink_batch, (void *)r->sink);
    if (st == KO_OK && r->sink->end)
        st = r->sink->end(r->sink->ctx, r->q.err);
    return st;
}

static ko_status explain_node(const ko_pnode *n, int depth, bool analyze, ko_buf *out)
{
    static const char *const names[] = {
        [PN_SCAN] = "SCAN",        [PN_VALUES] = "VALUES",      [PN_FILTER] = "FILTER",
        [PN_PROJECT] = "PROJECT",  [PN_AGG] = "HASH_AGGREGATE", [PN_SORT] = "SORT",
        [PN_LIMIT] = "LIMIT",      [PN_UNION] = "UNION",        [PN_META] = "METADATA",
        [PN_EMPTY] = "DUMMY_SCAN", [PN_JOIN] = "HASH_JOIN",     [PN_WINDOW] = "WINDOW",
    };
    ko_status st = ko_buf_appendf(out, "%*s%s", depth * 2, "", names[n->kind]);
    if (st == KO_OK && n->kind == PN_SCAN)
        st = ko_buf_appendf(out, " %s columns=%zu%s", n->scan->ident, n->scan->n_cols,
                            n->scan->filter ? " filter=pushed" : "");
    if (st == KO_OK && n->kind == PN_SORT && n->limit >= 0)
        st = ko_buf_appendf(out, " top-n=%lld", (long long)n->limit);
    if (st == KO_OK && n->kind == PN_AGG)
        st = ko_buf_appendf(out, " groups=%zu aggregates=%zu", n->n_groups, n->n_aggs);
    if (st == KO_OK && n->kind == PN_JOIN) /* join.c */
        st = ko_join_describe(n, out);
    if (st == KO_OK && analyze)
        st = ko_buf_appendf(out, " rows=%llu time=%.3fms", (unsigned long long)n->rows_out,
                            (double)n->time_us / 1000.0);
    if (st == KO_OK)
        st = ko_buf_append_str(out, "\n");
    for (size_t i = 0; i < n->n_kids && st == KO_OK; i++)
        st = explain_node(n->kids[i], depth + 1, analyze, out);
    return st;
}

ko_status ko_explain(const ko_qctx *q, const ko_pnode *root, bool analyze, ko_buf *out)
{
    ko_status st = explain_node(root, 0, analyze, out);
    if (st == KO_OK && analyze)
        st = ko_buf_appendf(
            out,
            "files: %llu scanned, %llu skipped; row groups: %llu scanned, %llu skipped; pages: "
            "%llu read, %llu skipped; rows skipped by page index: %llu\nrows read: %llu; bytes "
            "read: %llu of %llu\n",
            (unsigned long long)(q->files - q->files_skipped), (unsigned long long)q->files_skipped,
            (unsigned long long)(q->rgs - q->rgs_skipped), (unsigned long long)q->rgs_skipped,
            (unsigned long long)q->pages, (unsigned long long)q->pages_skipped,
            (unsigned long long)q->pages_rows_skipped, (unsigned long long)q->rows_read,
            (unsigned long long)q->bytes_read, (unsigned long long)q->bytes_total);
    if (st == KO_OK && analyze && (q->dict_rows || q->dict_entries))
        st = ko_buf_appendf(out, "dictionary filters: %llu rows by code, %llu entries evaluated\n",
                            (unsigned long long)q->dict_rows, (unsigned long long)q->dict_entries);
    return st;
}

static ko_status one_text_row(run *r, const char *col, const char *kind, const char *text,
                              size_t len)
{
    ko_sql_dtype vt = ko_sql_dtype_of(KO_SQL_DT_VARCHAR);
    const char *names[1] = {col};
    ko_sql_result_info info = {1, names, &vt, kind};
    ko_vec *v = ko_vec_new(&vt);
    if (!v || ko_vec_reserve(v, 1) != KO_OK || ko_vec_set_str(v, 0, text, len) != KO_OK) {
        ko_vec_free(v);
        return ko_err_set(r->q.err, KO_ERR_NOMEM, "out of memory");
    }
    ko_batch b = {1, NULL, 0, &v, 1};
    ko_status st = r->sink->begin ? r->sink->begin(r->sink->ctx, &info, r->q.err) : KO_OK;
    if (st == KO_OK && r->sink->batch)
        st = r->sink->batch(r->sink->ctx, &b, r->q.err);
    if (st == KO_OK && r->sink->end)
        st = r->sink->end(r->sink->ctx, r->q.err);
    ko_vec_free(v);
    return st;
}

static ko_status run_explain(run *r, const ko_sql_stmt *s)
{
    if (s->explain.stmt->kind != KO_SQL_S_QUERY)
        return ko_err_set(r->q.err, KO_ERR_UNSUPPORTED, "EXPLAIN supports queries only");
    ko_pnode *plan = NULL;
    ko_status st = ko_bind_query(&r->q, &r->arena, &r->env, s->explain.stmt->query, &plan);
    if (st != KO_OK)
        return st;
    r->q.analyze = s->explain.analyze;
    if (s->explain.analyze)
        st = ko_exec_plan(&r->q, plan, NULL, NULL);
    ko_buf out = {0};
    if (st == KO_OK)
        st = ko_explain(&r->q, plan, s->explain.analyze, &out);
    if (st == KO_OK)
        st = one_text_row(r, "explain", "EXPLAIN", (const char *)out.data, out.len);
    ko_buf_free(&out);
    return st;
}

static ko_status run_create_schema(run *r, const ko_sql_stmt *s)
{
    if (!r->s->opts.catalog)
        return ko_err_set(r->q.err, KO_ERR_INVALID, "no catalog");
    ko_buf ns = {0};
    ko_status st = KO_OK;
    for (size_t i = 0; i < s->schema.name.n && st == KO_OK; i++)
        st = ko_buf_appendf(&ns, "%s%s", i ? "." : "", s->schema.name.parts[i].name);
    ko_cat_ns n;
    if (st == KO_OK)
        st = ko_cat_ns_parse((const char *)ns.data, &r->arena, &n, r->q.err);
    ko_cat_change chg = {getenv("USER"), NULL};
    if (st == KO_OK)
        st = ko_cat_ns_create(r->s->opts.catalog, &chg, n, NULL, 0, r->q.err);
    if (st == KO_ERR_EXISTS && s->schema.if_not_exists)
        st = KO_OK;
    ko_buf_free(&ns);
    return st == KO_OK ? one_text_row(r, "status", "CREATE SCHEMA", "OK", 2) : st;
}

/* ------------------------------------------------------------ settings */

static const char *set_name(const ko_sql_stmt *s)
{
    return s->set.name.parts[s->set.name.n - 1].name;
}

/* The value of SET name = v as text: a bare word or a constant. */
static ko_status set_text(run *r, const ko_sql_stmt *s, ko_buf *out)
{
    const ko_sql_expr *x = s->set.value;
    if (x->kind == KO_SQL_E_COLUMN)
        return ko_buf_append_str(out, x->column.parts[x->column.n - 1].text);
    ko_bind_scope none = {NULL, 0};
    ko_bexpr *e = NULL;
    ko_status st = ko_bind_expr(&r->q, &r->arena, &r->env, &none, x, &e);
    if (st != KO_OK)
        return st;
    if (e->kind != BX_CONST)
        return ko_sql_error_at(r->q.err, KO_ERR_INVALID, r->q.text, r->q.text_len, x->pos,
                               "SET %s needs a constant", set_name(s));
    return ko_vec_format(e->value, 0, out);
}

static bool parse_seconds(const char *v, double *out)
{
    char *end = NULL;
    double d = strtod(v, &end);
    if (end == v || d < 0)
        return false;
    while (*end == ' ')
        end++;
    double m = !*end || strcasecmp(end, "s") == 0 ? 1
               : strcasecmp(end, "ms") == 0       ? 0.001
               : strcasecmp(end, "min") == 0      ? 60
                                                  : -1;
    *out = d * m;
    return m > 0;
}

static ko_status apply_setting(run *r, const ko_sql_stmt *s, const char *name, const char *v)
{
    ko_sql_options *o = &r->s->opts;
    char *end = NULL;
    if (strcmp(name, "threads") == 0 || strcmp(name, "worker_threads") == 0) {
        long n = strtol(v, &end, 10);
        if (end != v && !*end && n > 0 && n <= 1024) {
            o->threads = (int)n;
            return KO_OK;
        }
    } else if (strcmp(name, "memory_limit") == 0 || strcmp(name, "max_memory") == 0) {
        if (ko_sql_parse_size(v, &o->memory_limit) && o->memory_limit > 0)
            return KO_OK;
    } else if (strcmp(name, "statement_timeout") == 0) {
        if (parse_seconds(v, &o->timeout_s))
            return KO_OK;
    } else {
        return ko_sql_error_at(r->q.err, KO_ERR_INVALID, r->q.text, r->q.text_len, s->pos,
                               "Catalog Error: unrecognized configuration parameter \"%s\" "
                               "(threads, memory_limit, statement_timeout)",
                               name);
    }
    return ko_sql_error_at(r->q.err, KO_ERR_INVALID, r->q.text, r->q.text_len, s->pos,
                           "Invalid Input Error: bad value '%s' for %s", v, name);
}

static ko_status run_set(run *r, const ko_sql_stmt *s)
{
    ko_buf v = {0};
    ko_status st = set_text(r, s, &v);
    if (st == KO_OK)
        st = ko_buf_append(&v, "", 1);
    if (st == KO_OK)
        st = apply_setting(r, s, set_name(s), (const char *)v.data);
    ko_buf_free(&v);
    return st == KO_OK ? one_text_row(r, "status", "SET", "OK", 2) : st;
}

static ko_status run_reset(run *r, const ko_sql_stmt *s)
{
    const char *name = set_name(s);
    ko_sql_options *o = &r->s->opts;
    if (strcmp(name, "threads") == 0 || strcmp(name, "worker_threads") == 0)
        o->threads = r->s->defaults.threads;
    else if (strcmp(name, "memory_limit") == 0 || strcmp(name, "max_memory") == 0)
        o->memory_limit = r->s->defaults.memory_limit;
    else if (strcmp(name, "statement_timeout") == 0)
        o->timeout_s = r->s->defaults.timeout_s;
    else
        return apply_setting(r, s, name, "");
    return one_text_row(r, "status", "RESET", "OK", 2);
}

static ko_status run_show_setting(run *r, const ko_sql_stmt *s)
{
    const char *name = set_name(s);
    const ko_sql_options *o = &r->s->opts;
    char v[64];
    if (strcmp(name, "threads") == 0 || strcmp(name, "worker_threads") == 0)
        snprintf(v, sizeof v, "%d", o->threads);
    else if (strcmp(name, "memory_limit") == 0 || strcmp(name, "max_memory") == 0)
        snprintf(v, sizeof v, "%zu", o->memory_limit);
    else if (strcmp(name, "statement_timeout") == 0)
        snprintf(v, sizeof v, "%g", o->timeout_s);
    else
        return apply_setting(r, s, name, "");
    return one_text_row(r, name, "SHOW", v, strlen(v));
}

static ko_status run_use(run *r, const ko_sql_stmt *s)
{
    if (!r->s->opts.catalog)
        return ko_err_set(r->q.err, KO_ERR_INVALID, "no catalog: USE needs a warehouse");
    ko_buf ns = {0};
    ko_status st = KO_OK;
    for (size_t i = 0; i < s->use.name.n && st == KO_OK; i++)
        st = ko_buf_appendf(&ns, "%s%s", i ? "." : "", s->use.name.parts[i].name);
    ko_cat_ns n = {0};
    bool exists = false;
    if (st == KO_OK)
        st = ko_cat_ns_parse((const char *)ns.data, &r->arena, &n, r->q.err);
    if (st == KO_OK)
        st = ko_cat_ns_exists(r->s->opts.catalog, n, &exists, r->q.err);
    if (st == KO_OK && !exists)
        st = ko_sql_error_at(r->q.err, KO_ERR_NOT_FOUND, r->q.text, r->q.text_len, s->use.name.pos,
                             "Catalog Error: Schema with name %s does not exist!",
                             (const char *)ns.data);
    if (st == KO_OK) {
        char *keep = strdup(ns.data ? (const char *)ns.data : "");
        if (!keep)
            st = ko_err_set(r->q.err, KO_ERR_NOMEM, "out of memory");
        else {
            free(r->s->use_ns);
            r->s->use_ns = keep;
        }
    }
    ko_buf_free(&ns);
    return st == KO_OK ? one_text_row(r, "status", "USE", "OK", 2) : st;
}

/* ------------------------------------------------------------ dispatch */

typedef ko_status (*stmt_fn)(ko_stmt_ctx *c, const ko_sql_stmt *s);

static stmt_fn stmt_impl(ko_sql_stmt_kind k)
{
    switch (k) {
    case KO_SQL_S_CREATE_TABLE:
        return ko_stmt_create_table;
    case KO_SQL_S_DROP_TABLE:
        return ko_stmt_drop_table;
    case KO_SQL_S_DROP_SCHEMA:
        return ko_stmt_drop_schema;
    case KO_SQL_S_ALTER_TABLE:
        return ko_stmt_alter_table;
    case KO_SQL_S_SHOW_SCHEMAS:
        return ko_stmt_show_schemas;
    case KO_SQL_S_SHOW_TABLES:
        return ko_stmt_show_tables;
    case KO_SQL_S_DESCRIBE:
        return ko_stmt_describe;
    case KO_SQL_S_INSERT:
        return ko_stmt_insert;
    case KO_SQL_S_DELETE:
        return ko_stmt_delete;
    case KO_SQL_S_UPDATE:
        return ko_stmt_update;
    default:
        return NULL;
    }
}

static ko_status run_stmt(run *r, const ko_sql_stmt *s)
{
    switch (s->kind) {
    case KO_SQL_S_QUERY:
        return run_query(r, s->query, "SELECT");
    case KO_SQL_S_EXPLAIN:
        return run_explain(r, s);
    case KO_SQL_S_CREATE_SCHEMA:
        return run_create_schema(r, s);
    case KO_SQL_S_SET:
        return run_set(r, s);
    case KO_SQL_S_RESET:
        return run_reset(r, s);
    case KO_SQL_S_SHOW_SETTING:
        return run_show_setting(r, s);
    case KO_SQL_S_USE:
        return run_use(r, s);
    default:
        break;
    }
    stmt_fn fn = stmt_impl(s->kind);
    if (!fn)
        return ko_sql_error_at(r->q.err, KO_ERR_UNSUPPORTED, r->q.text, r->q.text_len, s->pos,
                               "%s is not supported yet", ko_sql_stmt_kind_name(s->kind));
    ko_stmt_ctx c = {&r->q, &r->arena, &r->env, r->sink, &r->s->wh, r->s->opts.catalog};
    return fn(&c, s);
}

ko_status ko_sql_exec(ko_sql_session *s, const char *text, size_t len, const ko_sql_sink *sink,
                      ko_err *err)
{
    ko_arena parse_arena = {0};
    ko_sql_stmt **stmts = NULL;
    size_t n = 0;
    ko_status st = ko_sql_parse(text, len, &parse_arena, &stmts, &n, err);
    s->cancel = false;
    for (size_t i = 0; i < n && st == KO_OK; i++) {
        run *r = calloc(1, sizeof *r);
        if (!r) {
            st = ko_err_set(err, KO_ERR_NOMEM, "out of memory");
            break;
        }
        r->s = s;
        r->sink = sink;
        r->q.sess = s;
        r->q.arena = &r->arena;
        r->q.err = err;
        r->q.text = text;
        r->q.text_len = len;
        r->q.threads = s->opts.threads;
        r->q.now_us = ko_now_us();
        r->q.mem_limit = s->opts.memory_limit;
        r->q.deadline_us =
            s->opts.timeout_s > 0 ? ko_monotonic_us() + (int64_t)(s->opts.timeout_s * 1e6) : 0;
        pthread_mutex_init(&r->q.lock, NULL);
        r->oc = (open_ctx){s, r->dirs, 0};
        r->env.open_table = open_table;
        r->env.ctx = &r->oc;
        st = run_stmt(r, stmts[i]);
        for (size_t d = 0; d < r->oc.n_dirs; d++)
            ko_ice_dir_close(r->dirs[d]);
        ko_bind_env_free(&r->env);
        pthread_mutex_destroy(&r->q.lock);
        ko_arena_free(&r->arena);
        free(r);
    }
    ko_arena_free(&parse_arena);
    return st;
}

bool ko_sql_parse_size(const char *s, size_t *out)
{
    char *end = NULL;
    double v = strtod(s, &end);
    if (end == s || v < 0)
        return false;
    while (*end == ' ')
        end++;
    double m = 1;
    if (!*end || strcasecmp(end, "b") == 0)
        m = 1;
    else if (strcasecmp(end, "kb") == 0 || strcasecmp(end, "kib") == 0 || strcasecmp(end, "k") == 0)
        m = 1024;
    else if (strcasecmp(end, "mb") == 0 || strcasecmp(end, "mib") == 0 || strcasecmp(end, "m") == 0)
        m = 1024.0 * 1024;
    else if (strcasecmp(end, "gb") == 0 || strcasecmp(end, "gib") == 0 || strcasecmp(end, "g") == 0)
        m = 1024.0 * 1024 * 1024;
    else if (strcasecmp(end, "tb") == 0 || strcasecmp(end, "tib") == 0)
        m = 1024.0 * 1024 * 1024 * 1024;
    else
        return false;
    *out = (size_t)(v * m);
    return true;
}
