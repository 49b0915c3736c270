/*
 * stmt_ddl.c - CREATE TABLE [AS], DROP TABLE, DROP SCHEMA and ALTER TABLE
 * over the Iceberg layer and the catalog (stmt.h).
 *
 * CREATE TABLE maps SQL types to Iceberg types (TINYINT and SMALLINT widen
 * to int, HUGEINT becomes decimal(38,0)), NOT NULL to required fields,
 * PARTITIONED BY entries to the partition text of ko_ice_table_create
 * ("day(ts),bucket(16,id)") and WITH (k = v) to table properties.  CTAS
 * creates the table from the query's output columns, writes the rows and
 * commits them as the first snapshot; if writing fails the new table is
 * dropped again.  ALTER TABLE runs one schema change through
 * ko_ice_table_update_schema (retried on conflicts by that layer); RENAME
 * TO goes to the catalog.  DROP TABLE removes the catalog entry (the
 * files stay for ko_ice_table_remove_files / a purge).
 */
#include "sql/stmt.h"

#include <stdlib.h>
#include <string.h>

static ko_status nomem(ko_err *err)
{
    return ko_err_set(err, KO_ERR_NOMEM, "out of memory");
}

static ko_cat_change change(void)
{
    return (ko_cat_change){getenv("USER"), NULL};
}

/* --------------------------------------------------------- helpers */

/* The text of a constant expression (a bare word is taken as text). */
static ko_status const_text(ko_stmt_ctx *c, const ko_sql_expr *x, const char **out)
{
    if (x->kind == KO_SQL_E_COLUMN) {
        *out = x->column.parts[x->column.n - 1].text;
        return KO_OK;
    }
    ko_bind_scope none = {NULL, 0};
    ko_bexpr *e = NULL;
    ko_status st = ko_bind_expr(c->q, c->arena, c->env, &none, x, &e);
    if (st != KO_OK)
        return st;
    if (e->kind != BX_CONST)
        return ko_sql_error_at(c->q->err, KO_ERR_INVALID, c->q->text, c->q->text_len, x->pos,
                               "a property value must be a constant");
    ko_buf b = {0};
    st = ko_vec_format(e->value, 0, &b);
    *out =
        st == KO_OK ? ko_arena_strndup(c->arena, b.data ? (const char *)b.data : "", b.len) : NULL;
    ko_buf_free(&b);
    return *out ? KO_OK : nomem(c->q->err);
}

static ko_status partition_text(ko_stmt_ctx *c, const ko_sql_stmt *s, const char **out)
{
    ko_buf b = {0};
    ko_status st = KO_OK;
    for (size_t i = 0; i < s->create_table.n_partition_by && st == KO_OK; i++) {
        const ko_sql_partition_field *p = &s->create_table.partition_by[i];
        const char *sep = i ? "," : "";
        if (strcmp(p->transform, "identity") == 0)
            st = ko_buf_appendf(&b, "%s`%s`", sep, p->column.name);
        else if (p->param >= 0)
            st = ko_buf_appendf(&b, "%s%s(%lld,`%s`)", sep, p->transform, (long long)p->param,
                                p->column.name);
        else
            st = ko_buf_appendf(&b, "%s%s(`%s`)", sep, p->transform, p->column.name);
    }
    *out =
        st == KO_OK ? ko_arena_strndup(c->arena, b.data ? (const char *)b.data : "", b.len) : NULL;
    ko_buf_free(&b);
    return *out ? KO_OK : nomem(c->q->err);
}

static ko_status properties(ko_stmt_ctx *c, const ko_sql_property *p, size_t n, ko_ice_kv **out)
{
    *out = ko_arena_calloc(c->arena, n + 1, sizeof **out);
    if (!*out)
        return nomem(c->q->err);
    for (size_t i = 0; i < n; i++) {
        (*out)[i].key = p[i].key.quoted ? p[i].key.text : p[i].key.name;
        ko_status st = const_text(c, p[i].value, &(*out)[i].value);
        if (st != KO_OK)
            return st;
    }
    return KO_OK;
}

static bool is_flat(const ko_ice_schema *sc)
{
    for (uint32_t i = 0; i < sc->root.n_fields; i++)
        if (!ko_ice_type_is_primitive(&sc->root.fields[i].type))
            return false;
    return true;
}

static ko_status exists_error(ko_stmt_ctx *c, const ko_sql_qname *q, ko_status st)
{
    if (st != KO_ERR_EXISTS)
        return st;
    return ko_sql_error_at(c->q->err, st, c->q->text, c->q->text_len, q->pos,
                           "Catalog Error: Table with name %s already exists!",
                           ko_stmt_join(q, q->n, c->arena));
}

static ko_status drop_quietly(ko_stmt_ctx *c, const char *ns, const char *name)
{
    ko_cat_ns n = {0};
    ko_err e2 = {0};
    ko_cat_change chg = change();
    if (ko_cat_ns_parse(ns, c->arena, &n, &e2) == KO_OK)
        (void)ko_cat_table_drop(c->cat, &chg, n, name, NULL, NULL, &e2);
    return KO_OK;
}

static ko_status table_exists(ko_stmt_ctx *c, const char *ns, const char *name, bool *exists)
{
    ko_cat_ns n = {0};
    ko_status st = ko_cat_ns_parse(ns, c->arena, &n, c->q->err);
    return st == KO_OK ? ko_cat_table_exists(c->cat, n, name, exists, c->q->err) : st;
}

/* ------------------------------------------------------ CREATE TABLE */

static ko_status column_schema(ko_stmt_ctx *c, const ko_sql_stmt *s, ko_ice_schema *out)
{
    size_t n = s->create_table.n_columns;
    const char **names = ko_arena_calloc(c->arena, n + 1, sizeof *names);
    ko_sql_dtype *types = ko_arena_calloc(c->arena, n + 1, sizeof *types);
    bool *req = ko_arena_calloc(c->arena, n + 1, sizeof *req);
    if (!names || !types || !req)
        return nomem(c->q->err);
    for (size_t i = 0; i < n; i++) {
        const ko_sql_column_def *d = &s->create_table.columns[i];
        if (d->default_value)
            return ko_sql_error_at(c->q->err, KO_ERR_UNSUPPORTED, c->q->text, c->q->text_len,
                                   d->pos, "DEFAULT values are not supported yet");
        for (size_t j = 0; j < i; j++)
            if (strcmp(names[j], d->name.name) == 0)
                return ko_sql_error_at(c->q->err, KO_ERR_INVALID, c->q->text, c->q->text_len,
                                       d->pos, "Catalog Error: Column with name %s already exists!",
                                       d->name.name);
        names[i] = d->name.name;
        req[i] = d->not_null;
        ko_status st = ko_bind_ast_type(d->type, c->arena, &types[i], c->q->err);
        if (st != KO_OK)
            return st;
    }
    return ko_stmt_schema_of(c, names, types, req, n, out);
}

static ko_status create_opts(ko_stmt_ctx *c, const ko_sql_stmt *s, const ko_ice_schema *schema,
                             ko_ice_table_create_opts *o)
{
    ko_ice_kv *props = NULL;
    const char *part = NULL;
    ko_status st = partition_text(c, s, &part);
    if (st == KO_OK)
        st = properties(c, s->create_table.properties, s->create_table.n_properties, &props);
    *o = (ko_ice_table_create_opts){schema, part, props, (uint32_t)s->create_table.n_properties};
    return st;
}

/* Handles IF NOT EXISTS / OR REPLACE before creating: *skip when the
 * table exists and IF NOT EXISTS was given. */
static ko_status before_create(ko_stmt_ctx *c, const ko_sql_stmt *s, const char *ns,
                               const char *name, bool *skip)
{
    bool exists = false;
    *skip = false;
    ko_status st = table_exists(c, ns, name, &exists);
    if (st != KO_OK || !exists)
        return st;
    if (s->create_table.if_not_exists) {
        *skip = true;
        return KO_OK;
    }
    if (!s->create_table.or_replace)
        return exists_error(c, &s->create_table.name, KO_ERR_EXISTS);
    ko_cat_ns n = {0};
    ko_cat_change chg = change();
    st = ko_cat_ns_parse(ns, c->arena, &n, c->q->err);
    return st == KO_OK ? ko_cat_table_drop(c->cat, &chg, n, name, NULL, NULL, c->q->err) : st;
}

static ko_status ctas(ko_stmt_ctx *c, const ko_sql_stmt *s, const char *ns, const char *name)
{
    ko_pnode *plan = NULL;
    ko_status st = ko_bind_query(c->q, c->arena, c->env, s->create_table.query, &plan);
    ko_ice_schema schema = {0};
    if (st == KO_OK)
        st = ko_stmt_schema_of(c, plan->names, plan->types, NULL, plan->n_cols, &schema);
    ko_ice_table_create_opts o;
    if (st == KO_OK)
        st = create_opts(c, s, &schema, &o);
    if (st == KO_OK && !is_flat(&schema))
        st = ko_err_set(c->q->err, KO_ERR_UNSUPPORTED,
                        "CREATE TABLE AS with nested columns is not supported yet");
    ko_ice_table t;
    if (st == KO_OK)
        st = exists_error(c, &s->create_table.name,
                          ko_ice_table_create(c->wh, ns, name, &o, c->arena, &t, c->q->err));
    if (st != KO_OK)
        return st;
    int *map = ko_arena_calloc(c->arena, plan->n_cols + 1, sizeof *map);
    if (!map)
        st = nomem(c->q->err);
    for (size_t i = 0; map && i < plan->n_cols; i++)
        map[i] = (int)i;
    ko_pnode *top = NULL;
    ko_ice_data_file *files = NULL;
    size_t n_files = 0;
    int64_t rows = 0;
    if (st == KO_OK)
        st = ko_stmt_project_to_table(c, &t, plan, map, &top);
    if (st == KO_OK)
        st = ko_stmt_write_plan(c, &t, top, &files, &n_files, &rows);
    ko_ice_commit_info info;
    if (st == KO_OK)
        st =
            ko_ice_table_commit_append(c->wh, &t, files, n_files, NULL, c->arena, &info, c->q->err);
    if (st != KO_OK)
        return drop_quietly(c, ns, name), st;
    return ko_stmt_emit_count(c, "CREATE TABLE", rows);
}

ko_status ko_stmt_create_table(ko_stmt_ctx *c, const ko_sql_stmt *s)
{
    const char *ns = NULL, *name = NULL;
    bool skip = false;
    ko_status st = ko_stmt_need_warehouse(c);
    if (st == KO_OK)
        st = ko_stmt_table_name(c, &s->create_table.name, &ns, &name);
    if (st == KO_OK)
        st = before_create(c, s, ns, name, &skip);
    if (st != KO_OK)
        return st;
    if (skip)
        return ko_stmt_emit_ok(c, "CREATE TABLE");
    if (s->create_table.query)
        return ctas(c, s, ns, name);
    ko_ice_schema schema = {0};
    ko_ice_table_create_opts o;
    st = column_schema(c, s, &schema);
    if (st == KO_OK && !is_flat(&schema))
        st = ko_err_set(c->q->err, KO_ERR_UNSUPPORTED,
                        "nested column types (STRUCT, LIST, MAP) are not supported in SQL "
                        "tables yet");
    if (st == KO_OK)
        st = create_opts(c, s, &schema, &o);
    if (st == KO_OK)
        st = exists_error(c, &s->create_table.name,
                          ko_ice_table_create(c->wh, ns, name, &o, c->arena, NULL, c->q->err));
    return st == KO_OK ? ko_stmt_emit_ok(c, "CREATE TABLE") : st;
}

/* ------------------------------------------------------------- DROP */

ko_status ko_stmt_drop_table(ko_stmt_ctx *c, const ko_sql_stmt *s)
{
    const char *ns = NULL, *name = NULL;
    ko_cat_ns n = {0};
    ko_cat_change chg = change();
    ko_status st = ko_stmt_need_warehouse(c);
    if (st == KO_OK)
        st = ko_stmt_table_name(c, &s->drop_table.name, &ns, &name);
    if (st == KO_OK)
        st = ko_cat_ns_parse(ns, c->arena, &n, c->q->err);
    if (st == KO_OK)
        st = ko_cat_table_drop(c->cat, &chg, n, name, NULL, NULL, c->q->err);
    if (st == KO_ERR_NOT_FOUND && s->drop_table.if_exists)
        st = KO_OK;
    else if (st == KO_ERR_NOT_FOUND)
        return ko_sql_error_at(c->q->err, st, c->q->text, c->q->text_len, s->drop_table.name.pos,
                               "Catalog Error: Table with name %s.%s does not exist!", ns, name);
    return st == KO_OK ? ko_stmt_emit_ok(c, "DROP TABLE") : st;
}

static ko_status drop_all_tables(ko_stmt_ctx *c, ko_cat_ns n)
{
    ko_cat_change chg = change();
    ko_cat_name_page page = {0};
    ko_status st = KO_OK;
    do {
        st = ko_cat_table_list(c->cat, n, page.next_token, 1000, c->arena, &page, c->q->err);
        for (size_t i = 0; i < page.len && st == KO_OK; i++)
            st = ko_cat_table_drop(c->cat, &chg, n, page.names[i], NULL, NULL, c->q->err);
    } while (st == KO_OK && page.next_token);
    return st;
}

ko_status ko_stmt_drop_schema(ko_stmt_ctx *c, const ko_sql_stmt *s)
{
    ko_cat_ns n = {0};
    ko_cat_change chg = change();
    const char *ns = ko_stmt_join(&s->schema.name, s->schema.name.n, c->arena);
    ko_status st = ko_stmt_need_warehouse(c);
    if (st == KO_OK)
        st = ns ? ko_cat_ns_parse(ns, c->arena, &n, c->q->err) : nomem(c->q->err);
    if (st == KO_OK && s->schema.cascade)
        st = drop_all_tables(c, n);
    if (st == KO_OK)
        st = ko_cat_ns_drop(c->cat, &chg, n, c->q->err);
    if (st == KO_ERR_NOT_FOUND && s->schema.if_exists)
        st = KO_OK;
    else if (st == KO_ERR_NOT_FOUND)
        return ko_sql_error_at(c->q->err, st, c->q->text, c->q->text_len, s->schema.name.pos,
                               "Catalog Error: Schema with name %s does not exist!", ns);
    else if (st == KO_ERR_CONFLICT)
        return ko_sql_error_at(c->q->err, st, c->q->text, c->q->text_len, s->schema.name.pos,
                               "Dependency Error: schema %s is not empty (%s); use CASCADE", ns,
                               ko_stmt_errmsg(c));
    return st == KO_OK ? ko_stmt_emit_ok(c, "DROP SCHEMA") : st;
}

/* ------------------------------------------------------------ ALTER */

typedef struct alter_ctx {
    ko_stmt_ctx *c;
    const ko_sql_stmt *s;
    const char *column; /* dotted */
    ko_ice_type type;   /* ADD, SET DATA TYPE */
    bool noop;          /* IF [NOT] EXISTS made it one */
} alter_ctx;

static ko_status alter_change(void *ctx, const ko_ice_schema *base, int32_t *last_id,
                              ko_arena *arena, ko_ice_schema *out, ko_err *err)
{
    alter_ctx *a = ctx;
    const ko_sql_stmt *s = a->s;
    bool has = ko_ice_schema_find_name(base, a->column, false) != NULL;
    bool add = s->alter.action == KO_SQL_ALTER_ADD_COLUMN;
    a->noop = s->alter.if_col_exists && has == add;
    if (a->noop)
        return ko_ice_schema_copy(base, arena, out, err);
    switch (s->alter.action) {
    case KO_SQL_ALTER_ADD_COLUMN: {
        ko_ice_new_column nc = {NULL, a->column, a->type, false, s->alter.column.comment, NULL};
        return ko_ice_schema_add_column(base, &nc, last_id, arena, out, err);
    }
    case KO_SQL_ALTER_DROP_COLUMN:
        return ko_ice_schema_drop_column(base, a->column, arena, out, err);
    case KO_SQL_ALTER_RENAME_COLUMN:
        return ko_ice_schema_rename_column(base, a->column, s->alter.new_name.name, arena, out,
                                           err);
    case KO_SQL_ALTER_COLUMN_TYPE:
        return ko_ice_schema_update_type(base, a->column, &a->type, arena, out, err);
    default: /* DROP NOT NULL */
        return ko_ice_schema_make_optional(base, a->column, arena, out, err);
    }
}

static ko_status alter_type(alter_ctx *a, const ko_sql_type *t)
{
    ko_sql_dtype d;
    int32_t next = 1;
    ko_status st = ko_bind_ast_type(t, a->c->arena, &d, a->c->q->err);
    if (st == KO_OK)
        st = ko_sql_dtype_to_ice(&d, a->c->arena, &a->type, &next, a->c->q->err);
    if (st == KO_OK && !ko_ice_type_is_primitive(&a->type))
        st = ko_err_set(a->c->q->err, KO_ERR_UNSUPPORTED,
                        "nested column types are not supported in SQL tables yet");
    return st;
}

static ko_status alter_rename_table(ko_stmt_ctx *c, const ko_sql_stmt *s, const char *ns,
                                    const char *name)
{
    const ko_sql_qname *to = &s->alter.new_table;
    const char *to_ns = to->n > 1 ? ko_stmt_join(to, to->n - 1, c->arena) : ns;
    ko_cat_ns a = {0}, b = {0};
    ko_cat_change chg = change();
    ko_status st = to_ns ? ko_cat_ns_parse(ns, c->arena, &a, c->q->err) : nomem(c->q->err);
    if (st == KO_OK)
        st = ko_cat_ns_parse(to_ns, c->arena, &b, c->q->err);
    if (st == KO_OK)
        st = ko_cat_table_rename(c->cat, &chg, a, name, b, to->parts[to->n - 1].name, c->q->err);
    return st == KO_OK ? ko_stmt_emit_ok(c, "ALTER TABLE") : st;
}

static const char *alter_what(alter_ctx *a)
{
    static const char *const verbs[] = {
        [KO_SQL_ALTER_ADD_COLUMN] = "add column",
        [KO_SQL_ALTER_DROP_COLUMN] = "drop column",
        [KO_SQL_ALTER_RENAME_COLUMN] = "rename column",
        [KO_SQL_ALTER_COLUMN_TYPE] = "update column",
        [KO_SQL_ALTER_DROP_NOT_NULL] = "make optional",
    };
    const char *v = verbs[a->s->alter.action];
    return ko_arena_sprintf(a->c->arena, "%s %s", v ? v : "alter", a->column);
}

static ko_status alter_prepare(alter_ctx *a)
{
    const ko_sql_stmt *s = a->s;
    switch (s->alter.action) {
    case KO_SQL_ALTER_ADD_COLUMN:
        a->column = s->alter.column.name.name;
        if (s->alter.column.not_null || s->alter.column.default_value)
            return ko_err_set(a->c->q->err, KO_ERR_UNSUPPORTED,
                              "ADD COLUMN with NOT NULL or DEFAULT is not supported: existing "
                              "rows would need a value");
        return alter_type(a, s->alter.column.type);
    case KO_SQL_ALTER_COLUMN_TYPE:
        a->column = ko_stmt_join(&s->alter.target, s->alter.target.n, a->c->arena);
        return alter_type(a, s->alter.new_type);
    case KO_SQL_ALTER_DROP_COLUMN:
    case KO_SQL_ALTER_RENAME_COLUMN:
    case KO_SQL_ALTER_DROP_NOT_NULL:
        a->column = ko_stmt_join(&s->alter.target, s->alter.target.n, a->c->arena);
        return a->column ? KO_OK : nomem(a->c->q->err);
    default:
        return ko_sql_error_at(a->c->q->err, KO_ERR_UNSUPPORTED, a->c->q->text, a->c->q->text_len,
                               s->pos, "this ALTER TABLE action is not supported yet");
    }
}

ko_status ko_stmt_alter_table(ko_stmt_ctx *c, const ko_sql_stmt *s)
{
    const char *ns = NULL, *name = NULL;
    ko_status st = ko_stmt_need_warehouse(c);
    if (st == KO_OK)
        st = ko_stmt_table_name(c, &s->alter.table, &ns, &name);
    bool exists = false;
    if (st == KO_OK)
        st = table_exists(c, ns, name, &exists);
    if (st == KO_OK && !exists)
        return s->alter.if_exists
                   ? ko_stmt_emit_ok(c, "ALTER TABLE")
                   : ko_sql_error_at(c->q->err, KO_ERR_NOT_FOUND, c->q->text, c->q->text_len,
                                     s->alter.table.pos,
                                     "Catalog Error: Table with name %s.%s does not exist!", ns,
                                     name);
    if (st == KO_OK && s->alter.action == KO_SQL_ALTER_RENAME_TABLE)
        return alter_rename_table(c, s, ns, name);
    alter_ctx a = {c, s, NULL, {0}, false};
    if (st == KO_OK)
        st = alter_prepare(&a);
    ko_ice_commit_info info;
    const char *what = st == KO_OK ? alter_what(&a) : NULL;
    if (st == KO_OK)
        st = ko_ice_table_update_schema(c->wh, ns, name, alter_change, &a, what, NULL, c->arena,
                                        &info, c->q->err);
    if (st != KO_OK && st != KO_ERR_NOMEM)
        return ko_sql_error_at(c->q->err, st, c->q->text, c->q->text_len, s->pos,
                               "Binder Error: %s", ko_stmt_errmsg(c));
    return st == KO_OK ? ko_stmt_emit_ok(c, "ALTER TABLE") : st;
}
