/*
 * stmt_write.c - rows from the engine into Iceberg data files (stmt.h).
 *
 * Conversion.  A vector of the SQL type of an Iceberg column becomes the
 * Dremel column of its Parquet leaf (ko_ice_schema_to_parquet's mapping):
 * one definition level per row for an OPTIONAL leaf, the non-null values
 * packed densely; decimals of more than 18 digits become big-endian
 * FIXED_LEN_BYTE_ARRAY, timestamps in nanoseconds are scaled from the
 * engine's microseconds.  Only top-level primitive leaves are handled.
 *
 * Writing.  ko_stmt_write_plan runs a plan whose output matches the
 * table's columns into a ko_ice_table_writer; the engine calls the sink
 * under its lock, so batches arrive one at a time and one set of Dremel
 * columns is reused.
 */
#include "sql/stmt.h"

#include <stdlib.h>
#include <string.h>

static ko_status nomem(ko_err *err)
{
    return ko_err_set(err, KO_ERR_NOMEM, "out of memory writing rows");
}

/* ------------------------------------------------------- conversion */

static ko_status put_fixed(ko_pq_column *col, const ko_vec *v, size_t i, int32_t width)
{
    uint8_t be[16] = {0};
    if (v->type.id == KO_SQL_DT_UUID) {
        memcpy(be, KO_VEC_DATA(v, ko_sql_uuid)[i].b, 16);
        return ko_buf_append(&col->values, be, width < 16 ? (size_t)width : 16);
    }
    ko_i128 x = ko_sql_dtype_phys(&v->type) == KO_PHYS_I128 ? KO_VEC_DATA(v, ko_i128)[i]
                                                            : KO_VEC_DATA(v, int64_t)[i];
    for (int k = 0; k < width && k < 16; k++)
        be[width - 1 - k] = (uint8_t)((unsigned __int128)x >> (8 * k));
    return ko_buf_append(&col->values, be, (size_t)(width < 16 ? width : 16));
}

static ko_status put_bytes(ko_pq_column *col, const ko_vec *v, size_t i, const ko_pq_leaf *leaf,
                           const char *what, ko_err *err)
{
    const ko_sql_str *s = &KO_VEC_DATA(v, ko_sql_str)[i];
    if (leaf->type == KO_PQ_FIXED_LEN_BYTE_ARRAY) {
        if ((int32_t)s->len != leaf->type_length)
            return ko_err_set(err, KO_ERR_INVALID,
                              "column %s holds fixed[%d]: a value of %u bytes does not fit", what,
                              (int)leaf->type_length, s->len);
        return ko_buf_append(&col->values, s->ptr ? s->ptr : "", s->len);
    }
    ko_status st = s->len ? ko_buf_append(&col->values, s->ptr, s->len) : KO_OK;
    int64_t end = (int64_t)col->values.len;
    return st == KO_OK ? ko_buf_append(&col->offsets, &end, sizeof end) : st;
}

static ko_status put_value(ko_pq_column *col, const ko_vec *v, size_t i, const ko_pq_leaf *leaf,
                           const ko_pq_schema_element *el, const char *what, ko_err *err)
{
    ko_sql_phys ph = ko_sql_dtype_phys(&v->type);
    if (ph == KO_PHYS_STR)
        return put_bytes(col, v, i, leaf, what, err);
    if (leaf->type == KO_PQ_FIXED_LEN_BYTE_ARRAY)
        return put_fixed(col, v, i, leaf->type_length);
    if (leaf->type == KO_PQ_INT32) {
        int32_t x = ph == KO_PHYS_I64   ? (int32_t)KO_VEC_DATA(v, int64_t)[i]
                    : ph == KO_PHYS_I16 ? KO_VEC_DATA(v, int16_t)[i]
                    : ph == KO_PHYS_I8  ? KO_VEC_DATA(v, int8_t)[i]
                                        : KO_VEC_DATA(v, int32_t)[i];
        return ko_buf_append(&col->values, &x, sizeof x);
    }
    if (leaf->type == KO_PQ_INT64) {
        int64_t x = ph == KO_PHYS_I32 ? KO_VEC_DATA(v, int32_t)[i] : KO_VEC_DATA(v, int64_t)[i];
        if (el->logical.kind == KO_PQ_LT_TIMESTAMP && el->logical.unit == KO_PQ_NANOS)
            x *= 1000;
        return ko_buf_append(&col->values, &x, sizeof x);
    }
    size_t w = ko_sql_phys_size(ph);
    return ko_buf_append(&col->values, v->data + i * w, w);
}

/* The common case in one copy: all rows, no NULLs, a fixed-width slot
 * that is the leaf's physical value.  False when it does not apply. */
static bool dense_copy(const ko_vec *v, const ko_batch *b, const ko_pq_leaf *leaf,
                       const ko_pq_schema_element *el, ko_pq_column *col, ko_status *st)
{
    ko_sql_phys ph = ko_sql_dtype_phys(&v->type);
    bool same = (leaf->type == KO_PQ_INT32 && ph == KO_PHYS_I32) ||
                (leaf->type == KO_PQ_INT64 && ph == KO_PHYS_I64 &&
                 !(el->logical.kind == KO_PQ_LT_TIMESTAMP && el->logical.unit == KO_PQ_NANOS)) ||
                (leaf->type == KO_PQ_DOUBLE && ph == KO_PHYS_F64) ||
                (leaf->type == KO_PQ_FLOAT && ph == KO_PHYS_F32) ||
                (leaf->type == KO_PQ_BOOLEAN && ph == KO_PHYS_U8);
    if (!same || b->sel || v->is_const || v->validity || !b->n)
        return false;
    size_t w = ko_sql_phys_size(ph);
    *st = ko_buf_append(&col->values, v->data, b->n * w);
    if (*st == KO_OK && leaf->max_def > 0) {
        *st = ko_buf_reserve(&col->def, b->n * sizeof(int16_t));
        for (size_t i = 0; *st == KO_OK && i < b->n; i++) {
            int16_t d = leaf->max_def;
            memcpy(col->def.data + col->def.len, &d, sizeof d);
            col->def.len += sizeof d;
        }
    }
    col->n += b->n;
    col->n_values += b->n;
    return true;
}

ko_status ko_sql_vec_to_pq(const ko_vec *v, const ko_batch *b, const ko_pq_leaf *leaf,
                           const ko_pq_schema_element *el, ko_pq_column *col, const char *what,
                           ko_err *err)
{
    if (leaf->max_rep > 0 || leaf->max_def > 1 || leaf->n_parts != 1)
        return ko_err_set(err, KO_ERR_UNSUPPORTED,
                          "column %s: writing nested columns from SQL is not supported yet", what);
    ko_status dst = KO_OK;
    if (dense_copy(v, b, leaf, el, col, &dst))
        return dst == KO_OK ? KO_OK : nomem(err);
    size_t live = ko_batch_live(b);
    ko_status st = KO_OK;
    for (size_t k = 0; k < live && st == KO_OK; k++) {
        size_t r = ko_batch_row(b, k);
        bool valid = ko_vec_valid(v, r);
        if (!valid && leaf->max_def == 0)
            return ko_err_set(err, KO_ERR_INVALID,
                              "Constraint Error: NOT NULL constraint failed: %s", what);
        if (leaf->max_def > 0) {
            int16_t d = valid ? leaf->max_def : 0;
            st = ko_buf_append(&col->def, &d, sizeof d);
        }
        if (st == KO_OK && valid) {
            st = put_value(col, v, ko_vec_idx(v, r), leaf, el, what, err);
            col->n_values++;
        }
        col->n++;
    }
    return st == KO_OK || st == KO_ERR_INVALID ? st : nomem(err);
}

/* ---------------------------------------------------------- writing */

struct ko_stmt_writer {
    ko_stmt_ctx *c;
    const ko_ice_table *t;
    ko_ice_table_writer *w;
    const ko_pq_schema *ps; /* owned by w */
    ko_pq_column *cols;
    uint32_t n_leaves;
    const char **what;  /* "ns.t.col" per leaf */
    ko_estate *drop_if; /* rows where it is true are not written */
    uint32_t sel[KO_SQL_BATCH], hit[KO_SQL_BATCH];
    int64_t rows;
};

/* The live rows of b where drop_if is not true (false or NULL). */
static ko_status keep_rows(ko_stmt_writer *ws, const ko_batch *b, ko_batch *out)
{
    size_t live = ko_batch_live(b), m = 0, n = 0;
    ko_status st = ko_eval_filter(ws->c->q, ws->drop_if, b, b->sel, live, ws->hit, &m);
    for (size_t k = 0, h = 0; k < live && st == KO_OK; k++) {
        uint32_t r = (uint32_t)ko_batch_row(b, k);
        if (h < m && ws->hit[h] == r)
            h++;
        else
            ws->sel[n++] = r;
    }
    *out = *b;
    out->sel = ws->sel;
    out->n_sel = n;
    return st;
}

static ko_status wsink_batch(void *ctx, const ko_batch *in, ko_err *err)
{
    ko_stmt_writer *ws = ctx;
    ko_batch kept = *in;
    ko_status st = ko_qctx_check(ws->c->q);
    if (st == KO_OK && ws->drop_if)
        st = keep_rows(ws, in, &kept);
    size_t live = ko_batch_live(&kept);
    for (uint32_t l = 0; l < ws->ps->n_leaves && st == KO_OK && live; l++) {
        ko_pq_column_reset(&ws->cols[l]);
        const ko_pq_leaf *leaf = &ws->ps->leaves[l];
        st = ko_sql_vec_to_pq(kept.cols[l], &kept, leaf, ws->ps->nodes[leaf->node].el, &ws->cols[l],
                              ws->what[l], err);
    }
    if (st == KO_OK && live)
        st = ko_ice_table_writer_write(ws->w, ws->cols, live, err);
    ws->rows += (int64_t)live;
    return st;
}

static ko_status wsink_init(ko_stmt_writer *ws)
{
    ko_err *err = ws->c->q->err;
    const ko_ice_schema *sc = ko_ice_meta_current_schema(&ws->t->meta);
    ws->ps = ko_ice_table_writer_schema(ws->w);
    if (ws->ps->n_leaves != sc->root.n_fields)
        return ko_err_set(err, KO_ERR_UNSUPPORTED,
                          "table %s has nested columns: writing them from SQL is not supported yet",
                          ws->t->ident);
    ws->cols = calloc(ws->ps->n_leaves ? ws->ps->n_leaves : 1, sizeof *ws->cols);
    ws->n_leaves = ws->ps->n_leaves;
    ws->what = ko_arena_calloc(ws->c->arena, ws->ps->n_leaves + 1, sizeof *ws->what);
    if (!ws->cols || !ws->what)
        return nomem(err);
    for (uint32_t l = 0; l < ws->ps->n_leaves; l++) {
        ws->what[l] =
            ko_arena_sprintf(ws->c->arena, "%s.%s", ws->t->ident, sc->root.fields[l].name);
        if (!ws->what[l] || ko_pq_column_init(&ws->cols[l], &ws->ps->leaves[l]) != KO_OK)
            return nomem(err);
    }
    return KO_OK;
}

static void wsink_free(ko_stmt_writer *ws)
{
    for (uint32_t l = 0; ws->cols && l < ws->n_leaves; l++)
        ko_pq_column_free(&ws->cols[l]);
    free(ws->cols);
    ws->cols = NULL;
    ko_estate_free(ws->drop_if);
    ws->drop_if = NULL;
}

ko_status ko_stmt_writer_open(ko_stmt_ctx *c, const ko_ice_table *t, ko_stmt_writer **out)
{
    ko_stmt_writer *ws = calloc(1, sizeof *ws);
    if (!ws)
        return nomem(c->q->err);
    ws->c = c;
    ws->t = t;
    ko_status st = ko_ice_table_writer_open(c->wh, t, c->arena, &ws->w, c->q->err);
    if (st != KO_OK) {
        free(ws);
        return st;
    }
    st = wsink_init(ws);
    if (st != KO_OK) {
        ko_stmt_writer_abort(ws);
        return st;
    }
    *out = ws;
    return KO_OK;
}

ko_status ko_stmt_writer_run(ko_stmt_writer *ws, ko_pnode *plan, const ko_bexpr *drop_if)
{
    ko_estate_free(ws->drop_if);
    ws->drop_if = NULL;
    if (drop_if && ko_estate_new(drop_if, &ws->drop_if) != KO_OK)
        return nomem(ws->c->q->err);
    return ko_exec_plan(ws->c->q, plan, wsink_batch, ws);
}

ko_status ko_stmt_writer_finish(ko_stmt_writer *ws, ko_ice_data_file **files, size_t *n_files,
                                int64_t *rows)
{
    *rows = ws->rows;
    wsink_free(ws);
    ko_status st = ko_ice_table_writer_finish(ws->w, files, n_files, ws->c->q->err);
    free(ws);
    return st;
}

void ko_stmt_writer_abort(ko_stmt_writer *ws)
{
    if (!ws)
        return;
    wsink_free(ws);
    ko_ice_table_writer_abort(ws->w);
    free(ws);
}

ko_status ko_stmt_write_plan(ko_stmt_ctx *c, const ko_ice_table *t, ko_pnode *plan,
                             ko_ice_data_file **files, size_t *n_files, int64_t *rows)
{
    ko_stmt_writer *w = NULL;
    *files = NULL;
    *n_files = 0;
    ko_status st = ko_stmt_writer_open(c, t, &w);
    if (st == KO_OK)
        st = ko_stmt_writer_run(w, plan, NULL);
    if (st != KO_OK) {
        ko_stmt_writer_abort(w);
        return st;
    }
    return ko_stmt_writer_finish(w, files, n_files, rows);
}

/* ------------------------------------------------------------- plans */

static ko_status table_types(ko_stmt_ctx *c, const ko_ice_schema *sc, ko_sql_dtype *types)
{
    for (uint32_t i = 0; i < sc->root.n_fields; i++) {
        ko_status st =
            ko_sql_dtype_from_ice(&sc->root.fields[i].type, c->arena, &types[i], c->q->err);
        if (st != KO_OK)
            return st;
    }
    return KO_OK;
}

ko_status ko_stmt_project_to_table(ko_stmt_ctx *c, const ko_ice_table *t, ko_pnode *in,
                                   const int *map, ko_pnode **out)
{
    const ko_ice_schema *sc = ko_ice_meta_current_schema(&t->meta);
    size_t n = sc->root.n_fields;
    ko_sql_dtype *types = ko_arena_calloc(c->arena, n + 1, sizeof *types);
    ko_bexpr **exprs = ko_arena_calloc(c->arena, n + 1, sizeof(ko_bexpr *));
    const char **names = ko_arena_calloc(c->arena, n + 1, sizeof *names);
    if (!types || !exprs || !names)
        return nomem(c->q->err);
    ko_status st = table_types(c, sc, types);
    for (size_t i = 0; i < n && st == KO_OK; i++) {
        const ko_ice_field *f = &sc->root.fields[i];
        names[i] = f->name;
        if (map[i] < 0 && f->required)
            return ko_err_set(c->q->err, KO_ERR_INVALID,
                              "Constraint Error: NOT NULL constraint failed: %s.%s", t->ident,
                              f->name);
        exprs[i] = map[i] < 0 ? ko_bind_null(c->q, c->arena, c->env, types[i])
                              : ko_bind_colref(c->arena, map[i], in->types[map[i]]);
        if (!exprs[i])
            return nomem(c->q->err);
        exprs[i]->text = f->name;
        st = ko_bind_cast(c->q, c->arena, c->env, &exprs[i], &types[i]);
        if (st != KO_OK)
            return ko_err_set(c->q->err, st, "column %s.%s: %s", t->ident, f->name,
                              ko_stmt_errmsg(c));
    }
    if (st != KO_OK)
        return st;
    *out = ko_bind_project(c->arena, in, exprs, names, n);
    return *out ? KO_OK : nomem(c->q->err);
}

ko_status ko_stmt_scan_node(ko_stmt_ctx *c, ko_ice_table *t, ko_ice_dir *dir,
                            const ko_ice_scan_plan *plan, ko_pnode **out)
{
    const ko_ice_schema *sc = ko_ice_meta_current_schema(&t->meta);
    size_t n = sc->root.n_fields;
    ko_scan_spec *sp = ko_arena_calloc(c->arena, 1, sizeof *sp);
    ko_pnode *node = ko_bind_node(c->arena, PN_SCAN, NULL, n);
    int32_t *ids = ko_arena_calloc(c->arena, n + 1, sizeof *ids);
    if (!sp || !node || !ids)
        return nomem(c->q->err);
    ko_status st = table_types(c, sc, node->types);
    if (st != KO_OK)
        return st;
    for (size_t i = 0; i < n; i++) {
        node->names[i] = sc->root.fields[i].name;
        ids[i] = sc->root.fields[i].id;
    }
    *sp = (ko_scan_spec){.ident = t->ident,
                         .table = t,
                         .dir = dir,
                         .schema = sc,
                         .snap = {.snapshot_id = -1},
                         .field_ids = ids,
                         .types = node->types,
                         .names = node->names,
                         .n_cols = n,
                         .fixed_plan = plan};
    node->scan = sp;
    *out = node;
    return KO_OK;
}
