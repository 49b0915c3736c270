/*
 * stmt_show.c - SHOW SCHEMAS, SHOW TABLES and DESCRIBE (stmt.h).
 *
 * SHOW SCHEMAS lists every namespace (dotted, depth first) or the children
 * of FROM ns, one column "schema_name".  SHOW TABLES FROM ns gives DuckDB's
 * one column "name"; without FROM it lists the tables of every namespace
 * as "schema", "name".  LIKE 'pat' filters names.  DESCRIBE t / DESCRIBE
 * query give DuckDB's columns column_name, column_type, null, key,
 * default, extra.
 */
#include "sql/func_like.h"
#include "sql/stmt.h"

#include <string.h>

static const ko_sql_dtype VC = {KO_SQL_DT_VARCHAR, 0, 0, NULL};

static ko_status like_ok(ko_stmt_ctx *c, const ko_sql_stmt *s, const char *name, bool *ok)
{
    *ok = true;
    if (!s->show.like)
        return KO_OK;
    return ko_sql_like_match(name, strlen(name), s->show.like, strlen(s->show.like), NULL, 0, false,
                             ok, c->q->err);
}

/* ------------------------------------------------------------ schemas */

static ko_status list_ns(ko_stmt_ctx *c, const ko_sql_stmt *s, const ko_cat_ns *parent,
                         ko_stmt_rows *r, int depth)
{
    ko_cat_ns_page page = {0};
    ko_status st = KO_OK;
    if (depth > 32)
        return KO_OK;
    do {
        st = ko_cat_ns_list(c->cat, parent, page.next_token, 1000, c->arena, &page, c->q->err);
        for (size_t i = 0; i < page.len && st == KO_OK; i++) {
            const char *name = ko_cat_ns_str(page.items[i], c->arena);
            bool ok = false;
            st = name ? like_ok(c, s, name, &ok) : KO_ERR_NOMEM;
            ko_stmt_cell *cell = st == KO_OK && ok ? ko_stmt_rows_add(r) : NULL;
            if (st == KO_OK && ok && !cell)
                st = KO_ERR_NOMEM;
            if (cell)
                ko_stmt_set_str(cell, name);
            if (st == KO_OK)
                st = list_ns(c, s, &page.items[i], r, depth + 1);
        }
    } while (st == KO_OK && page.next_token);
    return st == KO_ERR_NOMEM ? ko_err_set(c->q->err, st, "out of memory") : st;
}

ko_status ko_stmt_show_schemas(ko_stmt_ctx *c, const ko_sql_stmt *s)
{
    static const char *const names[] = {"schema_name"};
    ko_stmt_rows r = {names, &VC, 1, 0, 0, NULL};
    ko_cat_ns parent = {NULL, 0};
    ko_status st = ko_stmt_need_warehouse(c);
    if (st == KO_OK && s->show.from.n) {
        const char *ns = ko_stmt_join(&s->show.from, s->show.from.n, c->arena);
        st = ns ? ko_cat_ns_parse(ns, c->arena, &parent, c->q->err) : KO_ERR_NOMEM;
    }
    if (st == KO_OK)
        st = list_ns(c, s, parent.len ? &parent : NULL, &r, 0);
    if (st == KO_OK)
        st = ko_stmt_rows_emit(c, &r, "SHOW");
    ko_stmt_rows_free(&r);
    return st;
}

/* ------------------------------------------------------------- tables */

static ko_status tables_of(ko_stmt_ctx *c, const ko_sql_stmt *s, ko_cat_ns ns, bool with_ns,
                           ko_stmt_rows *r)
{
    ko_cat_name_page page = {0};
    const char *nss = ko_cat_ns_str(ns, c->arena);
    ko_status st = KO_OK;
    do {
        st = ko_cat_table_list(c->cat, ns, page.next_token, 1000, c->arena, &page, c->q->err);
        for (size_t i = 0; i < page.len && st == KO_OK; i++) {
            bool ok = false;
            st = like_ok(c, s, page.names[i], &ok);
            ko_stmt_cell *row = st == KO_OK && ok ? ko_stmt_rows_add(r) : NULL;
            if (st == KO_OK && ok && !row)
                return ko_err_set(c->q->err, KO_ERR_NOMEM, "out of memory");
            if (row && with_ns)
                ko_stmt_set_str(row++, nss);
            if (row)
                ko_stmt_set_str(row, page.names[i]);
        }
    } while (st == KO_OK && page.next_token);
    return st;
}

static ko_status all_tables(ko_stmt_ctx *c, const ko_sql_stmt *s, const ko_cat_ns *parent,
                            ko_stmt_rows *r, int depth)
{
    ko_cat_ns_page page = {0};
    ko_status st = KO_OK;
    if (depth > 32)
        return KO_OK;
    do {
        st = ko_cat_ns_list(c->cat, parent, page.next_token, 1000, c->arena, &page, c->q->err);
        for (size_t i = 0; i < page.len && st == KO_OK; i++) {
            st = tables_of(c, s, page.items[i], true, r);
            if (st == KO_OK)
                st = all_tables(c, s, &page.items[i], r, depth + 1);
        }
    } while (st == KO_OK && page.next_token);
    return st;
}

ko_status ko_stmt_show_tables(ko_stmt_ctx *c, const ko_sql_stmt *s)
{
    static const char *const one[] = {"name"};
    static const char *const two[] = {"schema", "name"};
    static const ko_sql_dtype types[] = {{KO_SQL_DT_VARCHAR, 0, 0, NULL},
                                         {KO_SQL_DT_VARCHAR, 0, 0, NULL}};
    bool from = s->show.from.n > 0;
    ko_stmt_rows r = {from ? one : two, types, from ? 1 : 2, 0, 0, NULL};
    ko_status st = ko_stmt_need_warehouse(c);
    if (st == KO_OK && from) {
        ko_cat_ns ns = {0};
        const char *t = ko_stmt_join(&s->show.from, s->show.from.n, c->arena);
        st = t ? ko_cat_ns_parse(t, c->arena, &ns, c->q->err) : KO_ERR_NOMEM;
        if (st == KO_OK)
            st = tables_of(c, s, ns, false, &r);
        if (st == KO_ERR_NOT_FOUND)
            st = ko_sql_error_at(c->q->err, st, c->q->text, c->q->text_len, s->show.from.pos,
                                 "Catalog Error: Schema with name %s does not exist!", t);
    } else if (st == KO_OK) {
        st = all_tables(c, s, NULL, &r, 0);
    }
    if (st == KO_OK)
        st = ko_stmt_rows_emit(c, &r, "SHOW");
    ko_stmt_rows_free(&r);
    return st;
}

/* ----------------------------------------------------------- DESCRIBE */

static const char *const DESC_NAMES[] = {"column_name", "column_type", "null",
                                         "key",         "default",     "extra"};
static const ko_sql_dtype DESC_TYPES[] = {
    {KO_SQL_DT_VARCHAR, 0, 0, NULL}, {KO_SQL_DT_VARCHAR, 0, 0, NULL},
    {KO_SQL_DT_VARCHAR, 0, 0, NULL}, {KO_SQL_DT_VARCHAR, 0, 0, NULL},
    {KO_SQL_DT_VARCHAR, 0, 0, NULL}, {KO_SQL_DT_VARCHAR, 0, 0, NULL},
};

static ko_status desc_row(ko_stmt_ctx *c, ko_stmt_rows *r, const char *name, const char *type_name,
                          bool nullable)
{
    ko_stmt_cell *row = ko_stmt_rows_add(r);
    const char *tn = ko_arena_strdup(c->arena, type_name);
    if (!row || !tn)
        return ko_err_set(c->q->err, KO_ERR_NOMEM, "out of memory");
    ko_stmt_set_str(&row[0], name);
    ko_stmt_set_str(&row[1], tn);
    ko_stmt_set_str(&row[2], nullable ? "YES" : "NO");
    return KO_OK;
}

static ko_status describe_table(ko_stmt_ctx *c, const ko_sql_stmt *s, ko_stmt_rows *r)
{
    ko_ice_table t;
    ko_status st = ko_stmt_load(c, &s->describe.table, &t);
    const ko_ice_schema *sc = st == KO_OK ? ko_ice_meta_current_schema(&t.meta) : NULL;
    for (uint32_t i = 0; sc && i < sc->root.n_fields && st == KO_OK; i++) {
        const ko_ice_field *f = &sc->root.fields[i];
        ko_sql_dtype d;
        char nm[KO_SQL_DTYPE_STR_MAX];
        char ice[KO_ICE_TYPE_STR_MAX];
        ko_err e2 = {0};
        const char *tn = ko_sql_dtype_from_ice(&f->type, c->arena, &d, &e2) == KO_OK
                             ? ko_sql_dtype_name(&d, nm)
                             : (ko_ice_type_format(&f->type, ice), ice);
        st = desc_row(c, r, f->name, tn, !f->required);
    }
    return st;
}

ko_status ko_stmt_describe(ko_stmt_ctx *c, const ko_sql_stmt *s)
{
    ko_stmt_rows r = {DESC_NAMES, DESC_TYPES, 6, 0, 0, NULL};
    ko_status st = KO_OK;
    if (s->describe.table.n) {
        st = describe_table(c, s, &r);
    } else {
        ko_pnode *plan = NULL;
        st = ko_bind_query(c->q, c->arena, c->env, s->describe.query, &plan);
        for (size_t i = 0; st == KO_OK && i < plan->n_cols; i++) {
            char nm[KO_SQL_DTYPE_STR_MAX];
            st = desc_row(c, &r, plan->names[i], ko_sql_dtype_name(&plan->types[i], nm), true);
        }
    }
    if (st == KO_OK)
        st = ko_stmt_rows_emit(c, &r, "DESCRIBE");
    ko_stmt_rows_free(&r);
    return st;
}
