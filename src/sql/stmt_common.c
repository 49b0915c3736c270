/*
 * stmt_common.c - what the statements share (stmt.h): one-row results,
 * the row builder behind SHOW / DESCRIBE / metadata tables, table names,
 * and SQL types as Iceberg types.
 */
#include "sql/stmt.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ results */

static ko_status nomem(ko_err *err)
{
    return ko_err_set(err, KO_ERR_NOMEM, "out of memory");
}

static ko_status emit_vecs(ko_stmt_ctx *c, const char *kind, const char *const *names,
                           const ko_sql_dtype *types, ko_vec **cols, size_t n_cols, size_t n_rows,
                           bool begin, bool end)
{
    const ko_sql_sink *k = c->sink;
    ko_sql_result_info info = {n_cols, names, types, kind};
    ko_status st = KO_OK;
    if (begin && k->begin)
        st = k->begin(k->ctx, &info, c->q->err);
    ko_batch b = {n_rows, NULL, 0, cols, n_cols};
    if (st == KO_OK && n_rows && k->batch)
        st = k->batch(k->ctx, &b, c->q->err);
    if (st == KO_OK && end && k->end)
        st = k->end(k->ctx, c->q->err);
    return st;
}

ko_status ko_stmt_emit_count(ko_stmt_ctx *c, const char *kind, int64_t n)
{
    static const char *const names[] = {"Count"};
    static const ko_sql_dtype types[] = {{KO_SQL_DT_BIGINT, 0, 0, NULL}};
    ko_stmt_rows r = {names, types, 1, 0, 0, NULL};
    ko_stmt_cell *cell = ko_stmt_rows_add(&r);
    if (!cell)
        return nomem(c->q->err);
    ko_stmt_set_i64(cell, n);
    ko_status st = ko_stmt_rows_emit(c, &r, kind);
    ko_stmt_rows_free(&r);
    return st;
}

ko_status ko_stmt_emit_ok(ko_stmt_ctx *c, const char *kind)
{
    static const char *const names[] = {"status"};
    static const ko_sql_dtype types[] = {{KO_SQL_DT_VARCHAR, 0, 0, NULL}};
    ko_stmt_rows r = {names, types, 1, 0, 0, NULL};
    ko_stmt_cell *cell = ko_stmt_rows_add(&r);
    if (!cell)
        return nomem(c->q->err);
    ko_stmt_set_str(cell, "OK");
    ko_status st = ko_stmt_rows_emit(c, &r, kind);
    ko_stmt_rows_free(&r);
    return st;
}

/* ------------------------------------------------------- row builder */

ko_stmt_cell *ko_stmt_rows_add(ko_stmt_rows *r)
{
    if (r->n_rows == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        ko_stmt_cell *p = realloc(r->cells, cap * r->n_cols * sizeof *p);
        if (!p)
            return NULL;
        r->cells = p;
        r->cap = cap;
    }
    ko_stmt_cell *row = &r->cells[r->n_rows++ * r->n_cols];
    memset(row, 0, r->n_cols * sizeof *row);
    return row;
}

void ko_stmt_rows_free(ko_stmt_rows *r)
{
    free(r->cells);
    r->cells = NULL;
    r->n_rows = r->cap = 0;
}

static ko_status str_at(ko_vec *v, size_t i, const char *s)
{
    return ko_vec_set_str(v, i, s ? s : "", s ? strlen(s) : 0);
}

/* A MAP(VARCHAR, VARCHAR) vector of the cells' key-value lists. */
static ko_status fill_map(ko_vec *v, const ko_stmt_rows *r, size_t col, size_t from, size_t n)
{
    size_t total = 0;
    for (size_t k = 0; k < n; k++)
        total += r->cells[(from + k) * r->n_cols + col].n_kv;
    ko_vec *kv = v->children[0];
    ko_vec *keys = kv->children[0], *vals = kv->children[1];
    ko_status st = ko_vec_reserve(keys, total ? total : 1);
    if (st == KO_OK)
        st = ko_vec_reserve(vals, total ? total : 1);
    size_t at = 0;
    for (size_t k = 0; k < n && st == KO_OK; k++) {
        const ko_stmt_cell *cell = &r->cells[(from + k) * r->n_cols + col];
        KO_VEC_DATA(v, ko_sql_list)[k] = (ko_sql_list){at, cell->n_kv};
        for (uint32_t j = 0; j < cell->n_kv && st == KO_OK; j++, at++) {
            st = str_at(keys, at, cell->kv[j].key);
            if (st == KO_OK)
                st = str_at(vals, at, cell->kv[j].value);
        }
    }
    v->child_len = total;
    return st;
}

static ko_status fill_cell(ko_vec *v, size_t k, const ko_stmt_cell *cell)
{
    switch (ko_sql_dtype_phys(&v->type)) {
    case KO_PHYS_U8:
        v->data[k] = cell->i != 0;
        return KO_OK;
    case KO_PHYS_I32:
        KO_VEC_DATA(v, int32_t)[k] = (int32_t)cell->i;
        return KO_OK;
    case KO_PHYS_I64:
        KO_VEC_DATA(v, int64_t)[k] = cell->i;
        return KO_OK;
    case KO_PHYS_STR:
        return str_at(v, k, cell->s);
    default:
        return KO_OK;
    }
}

static ko_status fill_col(ko_vec *v, const ko_stmt_rows *r, size_t col, size_t from, size_t n)
{
    ko_status st = ko_vec_reserve(v, n ? n : 1);
    if (st == KO_OK && v->type.id == KO_SQL_DT_MAP)
        st = fill_map(v, r, col, from, n);
    for (size_t k = 0; k < n && st == KO_OK; k++) {
        const ko_stmt_cell *cell = &r->cells[(from + k) * r->n_cols + col];
        if (!cell->valid)
            st = ko_vec_set_null(v, k);
        else if (v->type.id != KO_SQL_DT_MAP)
            st = fill_cell(v, k, cell);
    }
    return st;
}

ko_status ko_stmt_rows_vecs(const ko_stmt_rows *r, size_t from, size_t n, ko_vec **out, ko_err *err)
{
    for (size_t c = 0; c < r->n_cols; c++) {
        out[c] = ko_vec_new(&r->types[c]);
        if (!out[c] || fill_col(out[c], r, c, from, n) != KO_OK) {
            for (size_t j = 0; j <= c; j++) {
                ko_vec_free(out[j]);
                out[j] = NULL;
            }
            return nomem(err);
        }
    }
    return KO_OK;
}

ko_status ko_stmt_rows_emit(ko_stmt_ctx *c, const ko_stmt_rows *r, const char *kind)
{
    ko_vec **cols = calloc(r->n_cols ? r->n_cols : 1, sizeof(ko_vec *));
    if (!cols)
        return nomem(c->q->err);
    ko_status st = KO_OK;
    size_t from = 0;
    do {
        size_t n = r->n_rows - from < KO_SQL_BATCH ? r->n_rows - from : KO_SQL_BATCH;
        st = ko_stmt_rows_vecs(r, from, n, cols, c->q->err);
        if (st != KO_OK)
            break;
        st = emit_vecs(c, kind, r->names, r->types, cols, r->n_cols, n, from == 0,
                       from + n == r->n_rows);
        for (size_t j = 0; j < r->n_cols; j++)
            ko_vec_free(cols[j]);
        from += n;
    } while (st == KO_OK && from < r->n_rows);
    free(cols);
    return st;
}

/* -------------------------------------------------------------- names */

const char *ko_stmt_errmsg(ko_stmt_ctx *c)
{
    const char *m = ko_arena_strdup(c->arena, c->q->err->msg);
    return m ? m : "out of memory";
}

const char *ko_stmt_join(const ko_sql_qname *q, size_t n, ko_arena *a)
{
    ko_buf b = {0};
    ko_status st = KO_OK;
    for (size_t i = 0; i < n && st == KO_OK; i++)
        st = ko_buf_appendf(&b, "%s%s", i ? "." : "", q->parts[i].name);
    const char *s =
        st == KO_OK ? ko_arena_strndup(a, b.data ? (const char *)b.data : "", b.len) : NULL;
    ko_buf_free(&b);
    return s;
}

ko_status ko_stmt_need_warehouse(ko_stmt_ctx *c)
{
    if (!c->wh->store || !c->cat)
        return ko_err_set(c->q->err, KO_ERR_INVALID, "no warehouse: tables are not available");
    return KO_OK;
}

ko_status ko_stmt_table_name(ko_stmt_ctx *c, const ko_sql_qname *q, const char **ns,
                             const char **name)
{
    const char *use = c->q->sess ? ko_sql_session_use_(c->q->sess) : NULL;
    if (q->n < 2 && !use)
        return ko_sql_error_at(c->q->err, KO_ERR_INVALID, c->q->text, c->q->text_len, q->pos,
                               "Catalog Error: name the table as schema.table (or USE a schema "
                               "first), not %s",
                               q->parts[0].text);
    *ns = q->n < 2 ? ko_arena_strdup(c->arena, use) : ko_stmt_join(q, q->n - 1, c->arena);
    *name = q->parts[q->n - 1].name;
    return *ns ? KO_OK : nomem(c->q->err);
}

ko_status ko_stmt_load(ko_stmt_ctx *c, const ko_sql_qname *q, ko_ice_table *t)
{
    const char *ns = NULL, *name = NULL;
    ko_status st = ko_stmt_need_warehouse(c);
    if (st == KO_OK)
        st = ko_stmt_table_name(c, q, &ns, &name);
    if (st == KO_OK)
        st = ko_ice_table_load(c->wh, ns, name, c->arena, t, c->q->err);
    if (st == KO_ERR_NOT_FOUND)
        return ko_sql_error_at(c->q->err, st, c->q->text, c->q->text_len, q->pos,
                               "Catalog Error: Table with name %s.%s does not exist!", ns, name);
    return st;
}

/* -------------------------------------------------------------- types */

static const ko_ice_type_id ice_of[KO_SQL_DT_COUNT_] = {
    [KO_SQL_DT_BOOLEAN] = KO_ICE_BOOLEAN,     [KO_SQL_DT_TINYINT] = KO_ICE_INT,
    [KO_SQL_DT_SMALLINT] = KO_ICE_INT,        [KO_SQL_DT_INTEGER] = KO_ICE_INT,
    [KO_SQL_DT_BIGINT] = KO_ICE_LONG,         [KO_SQL_DT_FLOAT] = KO_ICE_FLOAT,
    [KO_SQL_DT_DOUBLE] = KO_ICE_DOUBLE,       [KO_SQL_DT_DECIMAL] = KO_ICE_DECIMAL,
    [KO_SQL_DT_VARCHAR] = KO_ICE_STRING,      [KO_SQL_DT_BLOB] = KO_ICE_BINARY,
    [KO_SQL_DT_DATE] = KO_ICE_DATE,           [KO_SQL_DT_TIME] = KO_ICE_TIME,
    [KO_SQL_DT_TIMESTAMP] = KO_ICE_TIMESTAMP, [KO_SQL_DT_TIMESTAMPTZ] = KO_ICE_TIMESTAMPTZ,
    [KO_SQL_DT_UUID] = KO_ICE_UUID,           [KO_SQL_DT_STRUCT] = KO_ICE_STRUCT,
    [KO_SQL_DT_LIST] = KO_ICE_LIST,           [KO_SQL_DT_MAP] = KO_ICE_MAP,
};

static ko_status nested_to_ice(const ko_sql_dtype *t, ko_arena *arena, ko_ice_type *out,
                               int32_t *next_id, ko_err *err)
{
    uint32_t n = t->nested->n;
    out->fields = ko_arena_calloc(arena, n ? n : 1, sizeof *out->fields);
    if (!out->fields)
        return nomem(err);
    out->n_fields = n;
    for (uint32_t i = 0; i < n; i++)
        out->fields[i].id = (*next_id)++;
    ko_status st = KO_OK;
    for (uint32_t i = 0; i < n && st == KO_OK; i++) {
        out->fields[i].name = t->id == KO_SQL_DT_STRUCT ? t->nested->names[i]
                              : t->id == KO_SQL_DT_LIST ? "element"
                              : i == 0                  ? "key"
                                                        : "value";
        out->fields[i].required = t->id == KO_SQL_DT_MAP && i == 0;
        st = ko_sql_dtype_to_ice(&t->nested->types[i], arena, &out->fields[i].type, next_id, err);
    }
    return st;
}

ko_status ko_sql_dtype_to_ice(const ko_sql_dtype *t, ko_arena *arena, ko_ice_type *out,
                              int32_t *next_id, ko_err *err)
{
    memset(out, 0, sizeof *out);
    ko_sql_dtid id = t->id;
    if (id <= KO_SQL_DT_NULL || id >= KO_SQL_DT_COUNT_ || !ice_of[id]) {
        char nm[KO_SQL_DTYPE_STR_MAX];
        return ko_err_set(err, KO_ERR_UNSUPPORTED, "type %s cannot be stored in a table",
                          ko_sql_dtype_name(t, nm));
    }
    out->id = ice_of[id];
    if (id == KO_SQL_DT_DECIMAL) {
        out->precision = t->precision;
        out->scale = t->scale;
    }
    if (ko_sql_dtype_is_nested(id))
        return t->nested ? nested_to_ice(t, arena, out, next_id, err) : nomem(err);
    return KO_OK;
}

ko_status ko_stmt_schema_of(ko_stmt_ctx *c, const char *const *names, const ko_sql_dtype *types,
                            const bool *required, size_t n, ko_ice_schema *out)
{
    memset(out, 0, sizeof *out);
    out->root.id = KO_ICE_STRUCT;
    out->root.fields = ko_arena_calloc(c->arena, n ? n : 1, sizeof *out->root.fields);
    if (!out->root.fields)
        return nomem(c->q->err);
    out->root.n_fields = (uint32_t)n;
    int32_t next = (int32_t)n + 1;
    ko_status st = KO_OK;
    for (size_t i = 0; i < n && st == KO_OK; i++) {
        ko_ice_field *f = &out->root.fields[i];
        f->id = (int32_t)i + 1;
        f->name = names[i];
        f->required = required && required[i];
        st = ko_sql_dtype_to_ice(&types[i], c->arena, &f->type, &next, c->q->err);
        if (st != KO_OK)
            return ko_err_set(c->q->err, st, "column %s: %s", names[i], ko_stmt_errmsg(c));
    }
    return ko_ice_schema_build(out, c->arena, c->q->err);
}
