/*
 * scan.c - the table scan operator: an Iceberg table read as batches.
 *
 * Planning (ko_scan_open).  The pushed filter becomes an Iceberg predicate
 * (scan_pred.c), which prunes manifests and data files by partition values
 * and column bounds (ko_ice_scan_plan_files), and its simple conjuncts
 * (column op constant, IS [NOT] NULL) become Parquet predicates, which
 * prune row groups by their statistics and rows by the page index
 * (ko_pq_select_rows).  The OffsetIndex of every projected column of a
 * kept row group is read once here.  What survives is cut into morsels:
 * ranges of rows of one row group of about MORSEL_ROWS rows, cut at page
 * starts of a reference column (a filter column's) so that pages are not
 * decoded twice (whole row groups when a column lacks an OffsetIndex),
 * which worker threads take in any order.
 *
 * Reading a morsel.  Each worker keeps a ko_scan_worker from morsel to
 * morsel: per projected column a chunk reader (scratch buffers and the
 * chunk's decoded dictionary survive between morsels), the decoded column,
 * its expanded slots, selections and the filter's state, so the steady
 * state allocates nothing.  Only projected columns are read, and only the
 * pages overlapping the morsel, in one range read per column.  Late
 * materialisation: the columns the filter needs are read first and the
 * filter is evaluated batch by batch into selection vectors; the other
 * columns are read only if some row survived.  Decoded columns become
 * vectors without copying when the values are dense and of the engine's
 * width; otherwise they are expanded once per morsel (nulls scattered,
 * promotions such as int -> long applied, strings turned into pointer +
 * length pairs into the decoded bytes).
 *
 * Nested columns (STRUCT, LIST, MAP) are mapped per file onto the Parquet
 * schema tree and read leaf by leaf, then assembled into nested vectors
 * (scan_nested.c); the batches borrow slices of the assembled morsel.  Their
 * first leaf stands for them in morsel cutting and page counting; they
 * are never Parquet pruning predicates (a leaf's statistics do not speak
 * for the struct or list holding it).
 *
 * Statistics for EXPLAIN ANALYZE: files, row groups and pages (of the
 * projected columns) kept and skipped, rows read, and the bytes the
 * Parquet readers actually fetched (footers, page indexes, dictionaries,
 * pages: ko_pq_reader_bytes_read, summed when the scan closes).
 *
 * Data files with delete files are read through the Iceberg layer's
 * reader (ko_ice_reader) over a one-task plan, one morsel per file, so
 * position and equality deletes are applied by the same code everywhere.
 */
#include "sql/engine.h"
#include "sql/scan_nested.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { MORSEL_ROWS = 64 * 1024 };

typedef struct morsel {
    uint32_t task;
    int32_t rg; /* -1: whole task through ko_ice_reader (deletes) */
    int64_t start, end;
} morsel;

typedef struct scan_file {
    ko_pq_reader *pr;
    int32_t *leaf;      /* per projected column: file leaf, -1 missing (nested:
                           the first leaf of its plan) */
    ko_nest_col **nest; /* per projected column: nested plan, NULL if flat or missing */
    /* per row group and projected column (rg * n_cols + c): the chunk's
     * OffsetIndex, read once at planning (n_pages 0: none) */
    ko_pq_offset_index *oi;
    ko_pq_pred *preds;
    size_t n_preds;
} scan_file;

struct ko_scan_run {
    ko_qctx *q; /* bytes read are added to it at close */
    ko_scan_spec *spec;
    ko_arena arena;
    scan_file *files; /* per task */
    morsel *morsels;
    size_t n_morsels, cap_morsels;
    bool *filter_col; /* per projected column: used by the filter */
    bool has_filter;
    ko_dict_plan dict; /* dictionary filters (scan_pred.c) */
    /* simple conjuncts for Parquet pruning: column, op, constant */
    int *pc_col;
    ko_pq_pred_op *pc_op;
    const ko_vec **pc_val;
    size_t n_pc;
};

/* ------------------------------------------------------------ helpers */

static ko_status nomem(ko_err *err)
{
    return ko_err_set(err, KO_ERR_NOMEM, "out of memory in table scan");
}

static void collect_cols(const ko_bexpr *e, bool *used)
{
    if (!e)
        return;
    if (e->kind == BX_COL)
        used[e->col] = true;
    for (size_t i = 0; i < e->n_args; i++)
        collect_cols(e->args[i], used);
}

static bool flip_op(int op, int *out)
{
    static const int flipped[] = {[OP_EQ] = OP_EQ, [OP_NE] = OP_NE, [OP_LT] = OP_GT,
                                  [OP_LE] = OP_GE, [OP_GT] = OP_LT, [OP_GE] = OP_LE};
    if (op < OP_EQ || op > OP_GE)
        return false;
    *out = flipped[op];
    return true;
}

static ko_pq_pred_op pq_op(int op)
{
    switch (op) {
    case OP_EQ:
        return KO_PQ_EQ;
    case OP_NE:
        return KO_PQ_NE;
    case OP_LT:
        return KO_PQ_LT;
    case OP_LE:
        return KO_PQ_LE;
    case OP_GT:
        return KO_PQ_GT;
    default:
        return KO_PQ_GE;
    }
}

static void add_conjunct(ko_scan_run *r, const ko_bexpr *e)
{
    if (r->n_pc >= 64)
        return;
    if (e->kind == BX_IS_NULL && e->args[0]->kind == BX_COL) {
        r->pc_col[r->n_pc] = e->args[0]->col;
        r->pc_op[r->n_pc] = e->negated ? KO_PQ_IS_NOT_NULL : KO_PQ_IS_NULL;
        r->pc_val[r->n_pc++] = NULL;
        return;
    }
    if (e->kind != BX_CMP)
        return;
    const ko_bexpr *a = e->args[0], *b = e->args[1];
    int op = e->op;
    if (a->kind == BX_CONST && b->kind == BX_COL) {
        const ko_bexpr *t = a;
        a = b;
        b = t;
        if (!flip_op(op, &op))
            return;
    }
    if (a->kind != BX_COL || b->kind != BX_CONST || !ko_vec_valid(b->value, 0) || op == OP_NE)
        return;
    r->pc_col[r->n_pc] = a->col;
    r->pc_op[r->n_pc] = pq_op(op);
    r->pc_val[r->n_pc++] = b->value;
}

static void collect_conjuncts(ko_scan_run *r, const ko_bexpr *e)
{
    if (!e)
        return;
    if (e->kind == BX_AND) {
        for (size_t i = 0; i < e->n_args; i++)
            collect_conjuncts(r, e->args[i]);
        return;
    }
    add_conjunct(r, e);
}

/* ----------------------------------------------------- column mapping */

static int32_t find_leaf(const ko_pq_schema *fs, int32_t field_id, const char *name)
{
    for (uint32_t l = 0; l < fs->n_leaves; l++) {
        const ko_pq_node *nd = &fs->nodes[fs->leaves[l].node];
        if (nd->parent != 0 || fs->leaves[l].max_rep > 0)
            continue;
        if (nd->el->has_field_id ? nd->el->field_id == field_id
                                 : strcasecmp(nd->el->name, name) == 0)
            return (int32_t)l;
    }
    return -1;
}

/* The constant of a pruning conjunct as PLAIN bytes of the leaf's type;
 * false when it cannot be expressed (then the conjunct is not used). */
static bool pred_bytes(const ko_pq_schema_element *el, const ko_vec *v, uint8_t *buf, size_t *len,
                       const uint8_t **ptr)
{
    *ptr = buf;
    switch (v->type.id) {
    case KO_SQL_DT_INTEGER:
    case KO_SQL_DT_DATE:
        if (el->type == KO_PQ_INT32) {
            memcpy(buf, v->data, 4);
            *len = 4;
        } else if (el->type == KO_PQ_INT64) {
            int64_t x = KO_VEC_DATA(v, int32_t)[0];
            memcpy(buf, &x, 8);
            *len = 8;
        } else {
            return false;
        }
        return true;
    case KO_SQL_DT_BIGINT:
    case KO_SQL_DT_TIMESTAMP:
    case KO_SQL_DT_TIMESTAMPTZ:
    case KO_SQL_DT_TIME:
        if (el->type != KO_PQ_INT64 || el->logical.unit == KO_PQ_NANOS ||
            el->logical.unit == KO_PQ_MILLIS)
            return false;
        memcpy(buf, v->data, 8);
        *len = 8;
        return true;
    case KO_SQL_DT_DECIMAL:
        if (v->type.precision > 18 || el->type != KO_PQ_INT64 || el->logical.scale != v->type.scale)
            return false;
        memcpy(buf, v->data, 8);
        *len = 8;
        return true;
    case KO_SQL_DT_DOUBLE:
        if (el->type != KO_PQ_DOUBLE)
            return false;
        memcpy(buf, v->data, 8);
        *len = 8;
        return true;
    case KO_SQL_DT_VARCHAR: {
        if (el->type != KO_PQ_BYTE_ARRAY)
            return false;
        const ko_sql_str *s = KO_VEC_DATA(v, const ko_sql_str);
        *ptr = (const uint8_t *)s->ptr;
        *len = s->len;
        return true;
    }
    default:
        return false;
    }
}

static ko_status file_preds(ko_scan_run *r, scan_file *f)
{
    const ko_pq_schema *fs = ko_pq_reader_schema(f->pr);
    f->preds = ko_arena_calloc(&r->arena, r->n_pc ? r->n_pc : 1, sizeof *f->preds);
    if (!f->preds)
        return KO_ERR_NOMEM;
    for (size_t i = 0; i < r->n_pc; i++) {
        int32_t leaf = f->leaf[r->pc_col[i]];
        if (leaf < 0 || f->nest[r->pc_col[i]])
            continue;
        ko_pq_pred *p = &f->preds[f->n_preds];
        p->leaf = (uint32_t)leaf;
        p->op = r->pc_op[i];
        if (r->pc_val[i]) {
            uint8_t *buf = ko_arena_alloc(&r->arena, 16);
            const uint8_t *ptr = NULL;
            size_t len = 0;
            const ko_pq_schema_element *el = fs->nodes[fs->leaves[leaf].node].el;
            if (!buf)
                return KO_ERR_NOMEM;
            if (!pred_bytes(el, r->pc_val[i], buf, &len, &ptr))
                continue;
            p->value = ptr;
            p->len = len;
        }
        f->n_preds++;
    }
    return KO_OK;
}

static ko_status add_morsel(ko_scan_run *r, morsel m)
{
    if (r->n_morsels == r->cap_morsels) {
        size_t cap = r->cap_morsels ? r->cap_morsels * 2 : 64;
        morsel *p = realloc(r->morsels, cap * sizeof *p);
        if (!p)
            return KO_ERR_NOMEM;
        r->morsels = p;
        r->cap_morsels = cap;
    }
    r->morsels[r->n_morsels++] = m;
    return KO_OK;
}

static bool has_offset_index(const ko_pq_row_group *rg, const scan_file *f, size_t n_cols)
{
    for (size_t c = 0; c < n_cols; c++)
        if (f->leaf[c] >= 0 && !rg->columns[f->leaf[c]].has_offset_index)
            return false;
    return true;
}

/* Cuts rows [s, e) of a row group into morsels of about MORSEL_ROWS rows
 * (one when !split), cutting at page starts of the reference column ref so
 * that no page of it (and, when the writer cut all columns' pages at the
 * same rows, of any column) is decoded by two morsels. */
static ko_status split_range(ko_scan_run *r, uint32_t task, uint32_t rg, int64_t s, int64_t e,
                             bool split, const ko_pq_offset_index *ref)
{
    ko_status st = KO_OK;
    int64_t a = s;
    if (split && ref && ref->n_pages) {
        for (uint32_t i = 0; i < ref->n_pages && st == KO_OK; i++) {
            int64_t p = ref->pages[i].first_row_index;
            if (p > a && p < e && p - a >= MORSEL_ROWS) {
                st = add_morsel(r, (morsel){task, (int32_t)rg, a, p});
                a = p;
            }
        }
        return st == KO_OK ? add_morsel(r, (morsel){task, (int32_t)rg, a, e}) : st;
    }
    int64_t step = split ? MORSEL_ROWS : e - s;
    for (; a < e && st == KO_OK; a += step)
        st = add_morsel(r, (morsel){task, (int32_t)rg, a, a + step < e ? a + step : e});
    return st;
}

/* Reads the OffsetIndex of every leaf of a nested column but its first
 * (which load_offsets reads as the column's). */
static ko_status load_nest_offsets(ko_qctx *q, ko_scan_run *r, scan_file *f, uint32_t rg,
                                   ko_nest_col *nc)
{
    const ko_pq_row_group *g = &ko_pq_reader_meta(f->pr)->row_groups[rg];
    ko_pq_offset_index *oi = ko_nest_oi(nc, rg);
    for (uint32_t s = 1; s < ko_nest_n_leaves(nc); s++) {
        uint32_t leaf = ko_nest_leaf(nc, s);
        if (!g->columns[leaf].has_offset_index)
            continue;
        ko_pq_column_index ci;
        bool has_ci = false, has_oi = false;
        ko_status st = ko_pq_read_page_index(f->pr, rg, leaf, &r->arena, &ci, &has_ci, &oi[s],
                                             &has_oi, q->err);
        if (st != KO_OK)
            return st;
        if (!has_oi)
            oi[s].n_pages = 0;
    }
    return KO_OK;
}

/* Reads the OffsetIndex of every projected column of row group rg; *ref
 * gets the reference column's (a filter column's if any) for cutting. */
static ko_status load_offsets(ko_qctx *q, ko_scan_run *r, scan_file *f, uint32_t rg,
                              const ko_pq_offset_index **ref)
{
    size_t nc = r->spec->n_cols;
    const ko_pq_row_group *g = &ko_pq_reader_meta(f->pr)->row_groups[rg];
    size_t ref_c = SIZE_MAX;
    *ref = NULL;
    for (size_t c = 0; c < nc; c++) {
        int32_t leaf = f->leaf[c];
        if (leaf < 0 || !g->columns[leaf].has_offset_index)
            continue;
        ko_pq_column_index ci;
        bool has_ci = false, has_oi = false;
        ko_pq_offset_index *oi = &f->oi[(size_t)rg * nc + c];
        ko_status st = ko_pq_read_page_index(f->pr, rg, (uint32_t)leaf, &r->arena, &ci, &has_ci, oi,
                                             &has_oi, q->err);
        if (st != KO_OK)
            return st;
        if (!has_oi)
            oi->n_pages = 0;
        if (has_oi && (ref_c == SIZE_MAX || (r->filter_col[c] && !r->filter_col[ref_c]))) {
            ref_c = c;
            *ref = oi;
        }
        if (f->nest[c] && (st = load_nest_offsets(q, r, f, rg, f->nest[c])) != KO_OK)
            return st;
    }
    return KO_OK;
}

/* EXPLAIN ANALYZE: the pages of the projected columns of row group rg that
 * overlap the kept row ranges (all: every row kept), and those that do not. */
static void count_pages(ko_qctx *q, const ko_scan_run *r, const scan_file *f, uint32_t rg,
                        const ko_pq_row_range *rr, size_t n_rr, bool all)
{
    size_t nc = r->spec->n_cols;
    int64_t rows = ko_pq_reader_meta(f->pr)->row_groups[rg].num_rows;
    for (size_t c = 0; c < nc; c++) {
        const ko_pq_offset_index *oi = &f->oi[(size_t)rg * nc + c];
        if (all) {
            q->pages += oi->n_pages;
            continue;
        }
        for (uint32_t i = 0, k = 0; i < oi->n_pages; i++) {
            int64_t a = oi->pages[i].first_row_index;
            int64_t b = i + 1 < oi->n_pages ? oi->pages[i + 1].first_row_index : rows;
            while (k < n_rr && rr[k].end <= a)
                k++;
            bool kept = k < n_rr && rr[k].start < b;
            q->pages += kept;
            q->pages_skipped += !kept;
        }
    }
}

static ko_status plan_rowgroup(ko_qctx *q, ko_scan_run *r, uint32_t task, uint32_t rg)
{
    scan_file *f = &r->files[task];
    const ko_pq_file_meta *m = ko_pq_reader_meta(f->pr);
    const ko_pq_row_group *g = &m->row_groups[rg];
    if (g->num_rows == 0)
        return KO_OK;
    q->rgs++;
    if (f->n_preds && !ko_pq_rowgroup_may_match(f->pr, rg, f->preds, f->n_preds)) {
        q->rgs_skipped++;
        return KO_OK;
    }
    bool split = has_offset_index(g, f, r->spec->n_cols);
    const ko_pq_offset_index *ref = NULL;
    ko_status lst = split ? load_offsets(q, r, f, rg, &ref) : KO_OK;
    if (lst != KO_OK)
        return lst;
    if (!f->n_preds || !split) {
        count_pages(q, r, f, rg, NULL, 0, true);
        return split_range(r, task, rg, 0, g->num_rows, split, ref);
    }
    ko_buf ranges = {0};
    ko_status st = ko_pq_select_rows(f->pr, rg, f->preds, f->n_preds, &ranges, q->err);
    size_t n = ranges.len / sizeof(ko_pq_row_range);
    const ko_pq_row_range *rr = (const ko_pq_row_range *)(const void *)ranges.data;
    int64_t kept = 0;
    for (size_t i = 0; i < n && st == KO_OK; i++) {
        kept += rr[i].end - rr[i].start;
        st = split_range(r, task, rg, rr[i].start, rr[i].end, true, ref);
    }
    if (n == 0)
        q->rgs_skipped++;
    count_pages(q, r, f, rg, rr, n, false);
    q->pages_rows_skipped += (uint64_t)(g->num_rows - kept);
    ko_buf_free(&ranges);
    return st;
}

/* The nested plan of column c in file schema fs (NULL when flat or absent). */
static ko_status plan_nested(ko_qctx *q, const ko_scan_run *r, ko_arena *arena,
                             const ko_pq_schema *fs, size_t c, ko_nest_col **out)
{
    ko_scan_spec *sp = r->spec;
    *out = NULL;
    if (!ko_sql_dtype_is_nested(sp->types[c].id))
        return KO_OK;
    const ko_ice_field *ice =
        sp->schema ? ko_ice_schema_find_id(sp->schema, sp->field_ids[c]) : NULL;
    return ko_nest_plan(arena, fs, ice, sp->field_ids[c], sp->names[c], &sp->types[c], out, q->err);
}

/* Finds every projected column in the file: its leaf, or its nested plan. */
static ko_status map_columns(ko_qctx *q, ko_scan_run *r, scan_file *f, const ko_pq_schema *fs,
                             uint32_t n_rgs)
{
    size_t nc = r->spec->n_cols ? r->spec->n_cols : 1;
    f->leaf = ko_arena_calloc(&r->arena, nc, sizeof *f->leaf);
    f->nest = ko_arena_calloc(&r->arena, nc, sizeof(ko_nest_col *));
    if (!f->leaf || !f->nest)
        return nomem(q->err);
    for (size_t c = 0; c < r->spec->n_cols; c++) {
        ko_status st = plan_nested(q, r, &r->arena, fs, c, &f->nest[c]);
        if (st != KO_OK)
            return st;
        if (f->nest[c] && ko_nest_alloc_oi(&r->arena, f->nest[c], n_rgs) != KO_OK)
            return nomem(q->err);
        f->leaf[c] = f->nest[c] ? (int32_t)ko_nest_leaf(f->nest[c], 0)
                     : ko_sql_dtype_is_nested(r->spec->types[c].id)
                         ? -1
                         : find_leaf(fs, r->spec->field_ids[c], r->spec->names[c]);
    }
    return KO_OK;
}

static ko_status open_file(ko_qctx *q, ko_scan_run *r, uint32_t task)
{
    ko_scan_spec *sp = r->spec;
    const ko_ice_scan_task *t = &sp->plan.tasks[task];
    scan_file *f = &r->files[task];
    if (t->n_deletes)
        return add_morsel(r, (morsel){task, -1, 0, 0});
    if (strcasecmp(t->file->file_format, "parquet") != 0)
        return ko_err_set(q->err, KO_ERR_UNSUPPORTED, "%s: file format %s is not supported",
                          t->file->file_path, t->file->file_format);
    ko_store *store = NULL;
    const char *key = NULL;
    ko_status st = ko_ice_dir_resolve(sp->dir, t->file->file_path, &r->arena, &store, &key, q->err);
    if (st == KO_OK)
        st = ko_pq_reader_open(store, key, &f->pr, q->err);
    if (st != KO_OK)
        return st;
    const ko_pq_schema *fs = ko_pq_reader_schema(f->pr);
    const ko_pq_file_meta *m = ko_pq_reader_meta(f->pr);
    st = map_columns(q, r, f, fs, m->n_row_groups);
    if (st != KO_OK)
        return st;
    st = file_preds(r, f);
    if (st != KO_OK)
        return nomem(q->err);
    q->bytes_total += ko_pq_reader_file_size(f->pr);
    f->oi = ko_arena_calloc(&r->arena, (size_t)m->n_row_groups * sp->n_cols + 1, sizeof *f->oi);
    if (!f->oi)
        return nomem(q->err);
    for (uint32_t rg = 0; rg < m->n_row_groups && st == KO_OK; rg++)
        st = plan_rowgroup(q, r, task, rg);
    return st;
}

ko_status ko_scan_open(ko_qctx *q, ko_scan_spec *spec, ko_scan_run **out)
{
    *out = NULL;
    ko_scan_run *r = calloc(1, sizeof *r);
    if (!r)
        return nomem(q->err);
    r->spec = spec;
    r->q = q;
    r->pc_col = ko_arena_calloc(&r->arena, 64, sizeof *r->pc_col);
    r->pc_op = ko_arena_calloc(&r->arena, 64, sizeof *r->pc_op);
    r->pc_val = ko_arena_calloc(&r->arena, 64, sizeof(const ko_vec *));
    r->filter_col = ko_arena_calloc(&r->arena, spec->n_cols + 1, sizeof *r->filter_col);
    if (!r->pc_col || !r->pc_op || !r->pc_val || !r->filter_col) {
        ko_scan_close(r);
        return nomem(q->err);
    }
    r->has_filter = spec->filter != NULL;
    collect_cols(spec->filter, r->filter_col);
    collect_conjuncts(r, spec->filter);
    if (ko_dict_plan_make(&r->arena, spec->filter, spec->n_cols, &r->dict) != KO_OK) {
        ko_scan_close(r);
        return nomem(q->err);
    }
    if (!spec->ice_pred)
        spec->ice_pred = ko_scan_ice_pred(q->arena, spec);
    ko_ice_scan_opts so = {spec->snap, spec->ice_pred, spec->schema};
    ko_status st = KO_OK;
    if (spec->fixed_plan)
        spec->plan = *spec->fixed_plan;
    else
        st = ko_ice_scan_plan_files(spec->dir, &so, q->arena, &spec->plan, q->err);
    if (st == KO_OK) {
        /* for the audit trail (ko_sql_session_on_read) */
        ko_sql_note_read_(q->sess, spec->ident,
                          spec->plan.snapshot ? spec->plan.snapshot->snapshot_id : -1);
        q->files += spec->plan.data_files; /* skipped ones included */
        q->files_skipped += spec->plan.data_files_skipped;
        r->files = calloc(spec->plan.n_tasks ? spec->plan.n_tasks : 1, sizeof *r->files);
        if (!r->files)
            st = nomem(q->err);
    }
    for (size_t t = 0; t < spec->plan.n_tasks && st == KO_OK; t++)
        st = open_file(q, r, (uint32_t)t);
    if (st != KO_OK) {
        ko_scan_close(r);
        return st;
    }
    *out = r;
    return KO_OK;
}

size_t ko_scan_morsels(const ko_scan_run *r)
{
    return r->n_morsels;
}

void ko_scan_close(ko_scan_run *r)
{
    if (!r)
        return;
    for (size_t t = 0; r->files && t < r->spec->plan.n_tasks; t++) {
        if (r->files[t].pr && r->q)
            r->q->bytes_read += ko_pq_reader_bytes_read(r->files[t].pr);
        ko_pq_reader_close(r->files[t].pr);
    }
    free(r->files);
    free(r->morsels);
    ko_arena_free(&r->arena);
    free(r);
}

/* ------------------------------------------------ columns -> vectors */

/* Per-call working memory for one morsel: decoded columns and their
 * expanded forms (one per projected column). */
typedef struct colbuf {
    ko_pq_column pq;
    bool pq_init;
    uint8_t *dense; /* expanded slots, rows of the morsel */
    size_t dense_cap;
    uint64_t *valid;
    size_t valid_cap;
    bool has_nulls;
    const uint8_t *slots; /* what the batch slices point into */
    bool all_null;
    ko_nest_state *nest; /* nested columns: their leaves and assembled rows */
} colbuf;

static ko_status grow(uint8_t **p, size_t *cap, size_t need)
{
    if (*cap >= need)
        return KO_OK;
    size_t c = *cap ? *cap : 4096;
    while (c < need)
        c *= 2;
    uint8_t *n = realloc(*p, c);
    if (!n)
        return KO_ERR_NOMEM;
    *p = n;
    *cap = c;
    return KO_OK;
}

static ko_i128 be_to_i128(const uint8_t *p, size_t len)
{
    ko_i128 v = (len && (p[0] & 0x80)) ? -1 : 0;
    for (size_t i = 0; i < len; i++)
        v = (ko_i128)(((unsigned __int128)v << 8) | p[i]);
    return v;
}

/* Converts value k of the decoded column into slot i of the engine type. */
void ko_scan_convert_value(const ko_pq_column *c, const ko_pq_schema_element *el, size_t k,
                           const ko_sql_dtype *t, uint8_t *dst)
{
    const uint8_t *v = c->values.data;
    switch (ko_sql_dtype_phys(t)) {
    case KO_PHYS_I64: {
        int64_t x;
        if (c->type == KO_PQ_INT32) {
            int32_t y;
            memcpy(&y, v + 4 * k, 4);
            x = y;
        } else if (c->type == KO_PQ_FIXED_LEN_BYTE_ARRAY || c->type == KO_PQ_BYTE_ARRAY) {
            size_t w = (size_t)c->type_length;
            x = (int64_t)be_to_i128(v + w * k, w);
        } else {
            memcpy(&x, v + 8 * k, 8);
        }
        if (el->logical.kind == KO_PQ_LT_TIMESTAMP || el->logical.kind == KO_PQ_LT_TIME ||
            el->converted == KO_PQ_CT_TIMESTAMP_MILLIS || el->converted == KO_PQ_CT_TIME_MILLIS) {
            if (el->logical.unit == KO_PQ_MILLIS || el->converted == KO_PQ_CT_TIMESTAMP_MILLIS ||
                el->converted == KO_PQ_CT_TIME_MILLIS)
                x *= 1000;
            else if (el->logical.unit == KO_PQ_NANOS)
                x = x >= 0 ? x / 1000 : -((-x + 999) / 1000);
        }
        memcpy(dst, &x, 8);
        return;
    }
    case KO_PHYS_I128: {
        ko_i128 x;
        if (c->type == KO_PQ_FIXED_LEN_BYTE_ARRAY) {
            x = be_to_i128(v + (size_t)c->type_length * k, (size_t)c->type_length);
        } else if (c->type == KO_PQ_INT32) {
            int32_t y;
            memcpy(&y, v + 4 * k, 4);
            x = y;
        } else {
            int64_t y;
            memcpy(&y, v + 8 * k, 8);
            x = y;
        }
        memcpy(dst, &x, 16);
        return;
    }
    case KO_PHYS_F64:
        if (c->type == KO_PQ_FLOAT) {
            float f;
            memcpy(&f, v + 4 * k, 4);
            double d = f;
            memcpy(dst, &d, 8);
        } else {
            memcpy(dst, v + 8 * k, 8);
        }
        return;
    case KO_PHYS_UUID:
        memcpy(dst, v + 16 * k, 16);
        return;
    default: {
        size_t w = ko_sql_phys_size(ko_sql_dtype_phys(t));
        memcpy(dst, v + w * k, w);
        return;
    }
    }
}

static bool zero_copy(const ko_pq_column *c, const ko_sql_dtype *t, const ko_pq_schema_element *el)
{
    ko_sql_phys p = ko_sql_dtype_phys(t);
    if (el->logical.unit == KO_PQ_MILLIS || el->logical.unit == KO_PQ_NANOS ||
        el->converted == KO_PQ_CT_TIMESTAMP_MILLIS || el->converted == KO_PQ_CT_TIME_MILLIS)
        return false;
    switch (c->type) {
    case KO_PQ_INT32:
        return p == KO_PHYS_I32 || (p == KO_PHYS_I16 && false);
    case KO_PQ_INT64:
        return p == KO_PHYS_I64;
    case KO_PQ_DOUBLE:
        return p == KO_PHYS_F64;
    case KO_PQ_FLOAT:
        return p == KO_PHYS_F32;
    case KO_PQ_BOOLEAN:
        return p == KO_PHYS_U8;
    default:
        return false;
    }
}

static ko_status build_strings(colbuf *cb, const ko_pq_column *c, size_t rows)
{
    if (grow(&cb->dense, &cb->dense_cap, rows * sizeof(ko_sql_str)) != KO_OK)
        return KO_ERR_NOMEM;
    ko_sql_str *o = (ko_sql_str *)(void *)cb->dense;
    const int64_t *off = (const int64_t *)(const void *)c->offsets.data;
    const char *base = (const char *)c->values.data;
    const int16_t *def = (const int16_t *)(const void *)c->def.data;
    size_t k = 0;
    for (size_t i = 0; i < rows; i++) {
        bool present = !c->max_def || def[i] == c->max_def;
        if (present) {
            o[i] = (ko_sql_str){base + off[k], (uint32_t)(off[k + 1] - off[k]), 0};
            k++;
        } else {
            o[i] = (ko_sql_str){NULL, 0, 0};
        }
    }
    return KO_OK;
}

static ko_status build_validity(colbuf *cb, const ko_pq_column *c, size_t rows)
{
    cb->has_nulls = c->max_def > 0 && c->n_values < c->n;
    if (!cb->has_nulls)
        return KO_OK;
    size_t words = (rows + 63) / 64 + 1;
    if (grow((uint8_t **)&cb->valid, &cb->valid_cap, words * 8) != KO_OK)
        return KO_ERR_NOMEM;
    memset(cb->valid, 0, words * 8);
    const int16_t *def = (const int16_t *)(const void *)c->def.data;
    for (size_t i = 0; i < rows; i++)
        cb->valid[i >> 6] |= (uint64_t)(def[i] == c->max_def) << (i & 63);
    return KO_OK;
}

/* Turns the decoded column into slots for rows [0, rows). */
static ko_status build_column(colbuf *cb, const ko_pq_column *c, const ko_pq_schema_element *el,
                              const ko_sql_dtype *t, size_t rows)
{
    if (build_validity(cb, c, rows) != KO_OK)
        return KO_ERR_NOMEM;
    ko_sql_phys p = ko_sql_dtype_phys(t);
    if (p == KO_PHYS_STR) {
        if (build_strings(cb, c, rows) != KO_OK)
            return KO_ERR_NOMEM;
        cb->slots = cb->dense;
        return KO_OK;
    }
    if (!cb->has_nulls && zero_copy(c, t, el)) {
        cb->slots = c->values.data;
        return KO_OK;
    }
    size_t w = ko_sql_phys_size(p);
    if (grow(&cb->dense, &cb->dense_cap, rows * w + 16) != KO_OK || !cb->dense)
        return KO_ERR_NOMEM;
    const int16_t *def = (const int16_t *)(const void *)c->def.data;
    size_t k = 0;
    for (size_t i = 0; i < rows; i++) {
        if (!c->max_def || def[i] == c->max_def)
            ko_scan_convert_value(c, el, k++, t, cb->dense + i * w);
        else
            memset(cb->dense + i * w, 0, w);
    }
    cb->slots = cb->dense;
    return KO_OK;
}

/* ----------------------------------------------------- morsel reading */

/* A worker's reading state, kept from morsel to morsel: decoded columns,
 * expanded slots, selections, the filter's state and the chunk reader
 * (scratch buffers and the last dictionary of each column). */
struct ko_scan_worker {
    ko_pq_chunk_reader **cr; /* per projected column */
    colbuf *cb;
    ko_vec **vecs;
    ko_batch batch;
    uint32_t *sels; /* per batch selections (morsel rows) */
    size_t sels_cap;
    size_t *n_sel; /* per batch */
    size_t n_batches_cap;
    ko_estate *filter;
    ko_dict_state *dict; /* dictionary filters, when the plan has some */
    colbuf *dcb;         /* per column: its dictionary as engine slots */
};
typedef struct ko_scan_worker mstate;

static void slice_vec(ko_vec *v, const colbuf *cb, size_t from)
{
    size_t w = ko_sql_phys_size(ko_sql_dtype_phys(&v->type));
    if (cb->nest) {
        if (cb->all_null)
            ko_nest_const_null(v);
        else
            ko_nest_slice(v, cb->nest, from);
        return;
    }
    if (cb->all_null) {
        v->data = v->own;
        v->validity = v->own_validity;
        v->is_const = true;
        return;
    }
    v->is_const = false;
    v->data = (uint8_t *)cb->slots + from * w;
    v->validity = cb->has_nulls ? cb->valid + from / 64 : NULL;
    v->cap = KO_SQL_BATCH;
}

static ko_status read_col(ko_qctx *q, ko_scan_run *r, const morsel *m, mstate *ms, size_t c)
{
    scan_file *f = &r->files[m->task];
    colbuf *cb = &ms->cb[c];
    ko_vec *v = ms->vecs[c];
    size_t rows = (size_t)(m->end - m->start);
    int32_t leaf = f->leaf[c];
    if (leaf < 0) {
        cb->all_null = true;
        ko_status st = ko_vec_set_const_null(v);
        return st == KO_OK ? KO_OK : nomem(q->err);
    }
    cb->all_null = false;
    if (f->nest[c])
        return ko_nest_read(cb->nest, f->nest[c], f->pr, (uint32_t)m->rg, m->start, m->end,
                            r->spec->names[c], q->err);
    const ko_pq_offset_index *oi = &f->oi[(size_t)m->rg * r->spec->n_cols + c];
    ko_status st =
        ko_pq_chunk_reader_rows(ms->cr[c], f->pr, (uint32_t)m->rg, (uint32_t)leaf,
                                oi->n_pages ? oi : NULL, m->start, m->end, &cb->pq, NULL, q->err);
    if (st != KO_OK)
        return st;
    if (cb->pq.n != rows || cb->pq.max_rep > 0)
        return ko_err_set(q->err, KO_ERR_CORRUPT, "%s: column %s: %zu values for %zu rows",
                          r->spec->plan.tasks[m->task].file->file_path, r->spec->names[c], cb->pq.n,
                          rows);
    const ko_pq_schema *fs = ko_pq_reader_schema(f->pr);
    const ko_pq_schema_element *el = fs->nodes[fs->leaves[leaf].node].el;
    st = build_column(cb, &cb->pq, el, &r->spec->types[c], rows);
    return st == KO_OK ? KO_OK : nomem(q->err);
}

/* Dictionary filters: column c of morsel m read as dictionary codes when
 * every data page of its chunk is dictionary-encoded (*coded); its
 * dictionary is converted to engine slots and evaluated once per chunk. */
static ko_status read_codes(ko_qctx *q, ko_scan_run *r, const morsel *m, mstate *ms, size_t c,
                            bool *coded)
{
    scan_file *f = &r->files[m->task];
    int32_t leaf = f->leaf[c];
    *coded = false;
    if (leaf < 0 || f->nest[c])
        return KO_OK;
    const ko_pq_schema *fs = ko_pq_reader_schema(f->pr);
    const ko_pq_column_chunk *cc = &ko_pq_reader_meta(f->pr)->row_groups[m->rg].columns[leaf];
    if (fs->leaves[leaf].max_rep > 0 || !ko_pq_chunk_all_dict(&cc->meta))
        return KO_OK;
    colbuf *cb = &ms->cb[c];
    const ko_pq_offset_index *oi = &f->oi[(size_t)m->rg * r->spec->n_cols + c];
    ko_err err = {0};
    ko_status st =
        ko_pq_chunk_reader_codes(ms->cr[c], f->pr, (uint32_t)m->rg, (uint32_t)leaf,
                                 oi->n_pages ? oi : NULL, m->start, m->end, &cb->pq, NULL, &err);
    ko_pq_column dv;
    if (st == KO_ERR_UNSUPPORTED || (st == KO_OK && !ko_pq_chunk_reader_dict(ms->cr[c], &dv)))
        return KO_OK; /* read as values instead */
    if (st != KO_OK) {
        *q->err = err;
        return st;
    }
    size_t rows = (size_t)(m->end - m->start);
    if (cb->pq.n != rows)
        return ko_err_set(q->err, KO_ERR_CORRUPT, "%s: column %s: %zu values for %zu rows",
                          r->spec->plan.tasks[m->task].file->file_path, r->spec->names[c], cb->pq.n,
                          rows);
    ko_dict_key key = {f->pr, dv.values.data, (uint64_t)m->rg, dv.n};
    if (!ko_dict_has(ms->dict, c, &key)) {
        const ko_pq_schema_element *el = fs->nodes[fs->leaves[leaf].node].el;
        if (build_column(&ms->dcb[c], &dv, el, &r->spec->types[c], dv.n) != KO_OK)
            return nomem(q->err);
        st = ko_dict_load(q, ms->dict, c, &key, ms->dcb[c].slots, dv.n);
    }
    if (st == KO_OK)
        st = ko_dict_rows(q, ms->dict, c, (const uint32_t *)(const void *)cb->pq.values.data,
                          (const int16_t *)(const void *)cb->pq.def.data, cb->pq.max_def, rows);
    cb->all_null = false;
    *coded = st == KO_OK;
    return st;
}

/* The coded columns' slots for the morsel's rows, once some row survived. */
static ko_status decode_coded(ko_qctx *q, ko_scan_run *r, mstate *ms, size_t rows)
{
    for (size_t c = 0; c < r->spec->n_cols; c++) {
        if (!ko_dict_coded(ms->dict, c))
            continue;
        colbuf *cb = &ms->cb[c];
        cb->slots = ko_dict_slots(q, ms->dict, c, rows, ms->sels, ms->n_sel);
        if (!cb->slots || build_validity(cb, &cb->pq, rows) != KO_OK)
            return nomem(q->err);
    }
    return KO_OK;
}

static ko_status ensure_sels(mstate *ms, size_t rows)
{
    size_t nb = (rows + KO_SQL_BATCH - 1) / KO_SQL_BATCH;
    if (ms->sels_cap < rows) {
        uint32_t *p = realloc(ms->sels, rows * sizeof *p);
        if (!p)
            return KO_ERR_NOMEM;
        ms->sels = p;
        ms->sels_cap = rows;
    }
    if (ms->n_batches_cap < nb) {
        size_t *p = realloc(ms->n_sel, nb * sizeof *p);
        if (!p)
            return KO_ERR_NOMEM;
        ms->n_sel = p;
        ms->n_batches_cap = nb;
    }
    return KO_OK;
}

static void set_batch(ko_scan_run *r, mstate *ms, size_t from, size_t n, bool only_filter)
{
    for (size_t c = 0; c < r->spec->n_cols; c++)
        if (!only_filter || (r->filter_col[c] && !(ms->dict && ko_dict_coded(ms->dict, c))))
            slice_vec(ms->vecs[c], &ms->cb[c], from); /* coded: filtered by code */
    ms->batch.n = n;
    ms->batch.sel = NULL;
}

/* Rows of the batch starting at row `from` of a morsel of `rows` rows. */
static size_t batch_rows(size_t rows, size_t from)
{
    size_t n = rows - from;
    return n > KO_SQL_BATCH ? (size_t)KO_SQL_BATCH : n;
}

static ko_status run_filter(ko_qctx *q, ko_scan_run *r, mstate *ms, size_t rows, size_t *kept)
{
    *kept = 0;
    ko_status st = ensure_sels(ms, rows);
    if (st != KO_OK || !ms->sels || !ms->n_sel)
        return rows ? nomem(q->err) : st;
    for (size_t b = 0, from = 0; from < rows; b++, from += KO_SQL_BATCH) {
        size_t n = batch_rows(rows, from);
        set_batch(r, ms, from, n, true);
        st = ms->dict
                 ? ko_dict_filter(q, ms->dict, &ms->batch, from, ms->sels + from, &ms->n_sel[b])
                 : ko_eval_filter(q, ms->filter, &ms->batch, NULL, n, ms->sels + from,
                                  &ms->n_sel[b]);
        if (st != KO_OK)
            return st;
        *kept += ms->n_sel[b];
    }
    return KO_OK;
}

static ko_status emit(ko_scan_run *r, mstate *ms, size_t rows,
                      ko_status (*fn)(void *ctx, const ko_batch *b), void *ctx)
{
    for (size_t b = 0, from = 0; from < rows; b++, from += KO_SQL_BATCH) {
        size_t n = batch_rows(rows, from);
        if (r->has_filter && ms->n_sel[b] == 0)
            continue;
        set_batch(r, ms, from, n, false);
        if (r->has_filter && ms->n_sel[b] < n) {
            ms->batch.sel = ms->sels + from;
            ms->batch.n_sel = ms->n_sel[b];
        }
        ko_status st = fn(ctx, &ms->batch);
        if (st != KO_OK)
            return st;
    }
    return KO_OK;
}

static ko_status mstate_init(ko_scan_run *r, mstate *ms)
{
    size_t nc = r->spec->n_cols;
    memset(ms, 0, sizeof *ms);
    ms->cb = calloc(nc ? nc : 1, sizeof *ms->cb);
    ms->vecs = calloc(nc ? nc : 1, sizeof(ko_vec *));
    ms->cr = calloc(nc ? nc : 1, sizeof(ko_pq_chunk_reader *));
    if (!ms->cb || !ms->vecs || !ms->cr)
        return KO_ERR_NOMEM;
    for (size_t c = 0; c < nc; c++) {
        ms->cr[c] = ko_pq_chunk_reader_new();
        if (!ms->cr[c])
            return KO_ERR_NOMEM;
        ms->vecs[c] = ko_vec_new(&r->spec->types[c]);
        if (!ms->vecs[c] || ko_vec_reserve(ms->vecs[c], 1) != KO_OK)
            return KO_ERR_NOMEM;
        if (ko_sql_dtype_is_nested(r->spec->types[c].id) &&
            !(ms->cb[c].nest = ko_nest_state_new(&r->spec->types[c])))
            return KO_ERR_NOMEM;
    }
    ms->batch.cols = ms->vecs;
    ms->batch.n_cols = nc;
    if (r->spec->filter && ko_estate_new(r->spec->filter, &ms->filter) != KO_OK)
        return KO_ERR_NOMEM;
    if (r->dict.any) {
        ms->dict = ko_dict_state_new(&r->dict, r->spec->types);
        ms->dcb = calloc(nc ? nc : 1, sizeof *ms->dcb);
        if (!ms->dict || !ms->dcb)
            return KO_ERR_NOMEM;
    }
    return KO_OK;
}

static void mstate_free(ko_scan_run *r, mstate *ms)
{
    for (size_t c = 0; ms->cb && c < r->spec->n_cols; c++) {
        ko_pq_column_free(&ms->cb[c].pq);
        ko_nest_state_free(ms->cb[c].nest);
        free(ms->cb[c].dense);
        free(ms->cb[c].valid);
    }
    for (size_t c = 0; ms->vecs && c < r->spec->n_cols; c++)
        ko_vec_free(ms->vecs[c]);
    for (size_t c = 0; ms->cr && c < r->spec->n_cols; c++)
        ko_pq_chunk_reader_free(ms->cr[c]);
    free(ms->cr);
    free(ms->cb);
    free(ms->vecs);
    free(ms->sels);
    free(ms->n_sel);
    ko_estate_free(ms->filter);
    for (size_t c = 0; ms->dcb && c < r->spec->n_cols; c++)
        free(ms->dcb[c].dense);
    free(ms->dcb);
    ko_dict_state_free(ms->dict);
}

/* Late materialisation: the filter's columns (as dictionary codes where
 * the dictionary filters allow), then the filter; *kept rows survive. */
static ko_status filter_morsel(ko_qctx *q, ko_scan_run *r, const morsel *m, mstate *ms, size_t rows,
                               size_t *kept)
{
    ko_status st = KO_OK;
    if (ms->dict)
        ko_dict_begin(ms->dict);
    for (size_t c = 0; c < r->spec->n_cols && st == KO_OK; c++) {
        bool coded = false;
        if (r->filter_col[c] && ms->dict && r->dict.col_dict[c])
            st = read_codes(q, r, m, ms, c, &coded);
        if (st == KO_OK && r->filter_col[c] && !coded)
            st = read_col(q, r, m, ms, c);
    }
    if (st == KO_OK)
        st = run_filter(q, r, ms, rows, kept);
    if (st == KO_OK && *kept && ms->dict)
        st = decode_coded(q, r, ms, rows);
    return st;
}

static ko_status read_parquet_morsel(ko_qctx *q, ko_scan_run *r, const morsel *m, mstate *ms,
                                     ko_status (*fn)(void *ctx, const ko_batch *b), void *ctx)
{
    size_t rows = (size_t)(m->end - m->start);
    ko_status st = KO_OK;
    size_t kept = rows;
    if (r->has_filter) {
        st = filter_morsel(q, r, m, ms, rows, &kept);
        if (st != KO_OK || kept == 0)
            return st;
    }
    for (size_t c = 0; c < r->spec->n_cols && st == KO_OK; c++)
        if (!r->has_filter || !r->filter_col[c])
            st = read_col(q, r, m, ms, c);
    q->rows_read += rows;
    return st == KO_OK ? emit(r, ms, rows, fn, ctx) : st;
}

/* ------------------------------------------------- deletes: ice reader */

/* Column c of a batch of `rows` rows of an Iceberg reader (schema rs). */
static ko_status deleted_col(ko_qctx *q, ko_scan_run *r, mstate *ms, size_t c,
                             const ko_pq_schema *rs, const ko_pq_column *cols, size_t rows,
                             ko_arena *pa)
{
    ko_scan_spec *sp = r->spec;
    colbuf *cb = &ms->cb[c];
    ko_nest_col *nc = NULL;
    int32_t leaf = -1;
    ko_status st = plan_nested(q, r, pa, rs, c, &nc);
    if (st != KO_OK)
        return st;
    if (!cb->nest)
        leaf = find_leaf(rs, sp->field_ids[c], sp->names[c]);
    cb->all_null = leaf < 0 && !nc;
    if (nc)
        return ko_nest_assemble(cb->nest, nc, cols, rows, sp->names[c], q->err);
    if (leaf < 0)
        st = ko_vec_set_const_null(ms->vecs[c]);
    else
        st =
            build_column(cb, &cols[leaf], rs->nodes[rs->leaves[leaf].node].el, &sp->types[c], rows);
    return st == KO_OK ? KO_OK : nomem(q->err);
}

static ko_status read_deleted_task(ko_qctx *q, ko_scan_run *r, const morsel *m, mstate *ms,
                                   ko_status (*fn)(void *ctx, const ko_batch *b), void *ctx)
{
    ko_scan_spec *sp = r->spec;
    ko_ice_scan_plan one = sp->plan;
    one.tasks = &sp->plan.tasks[m->task];
    one.n_tasks = 1;
    ko_ice_reader *rd = NULL;
    ko_status st = ko_ice_reader_open(sp->dir, &one, &rd, q->err);
    if (st != KO_OK)
        return st;
    if (ms->dict)
        ko_dict_begin(ms->dict); /* no column is coded here */
    const ko_pq_schema *rs = ko_ice_reader_schema(rd);
    ko_arena pa = {0}; /* nested plans, per batch */
    bool done = false;
    while (st == KO_OK) {
        const ko_pq_column *cols = NULL;
        size_t rows = 0;
        st = ko_ice_reader_next(rd, &cols, &rows, &done, q->err);
        if (st != KO_OK || done)
            break;
        for (size_t c = 0; c < sp->n_cols && st == KO_OK; c++)
            st = deleted_col(q, r, ms, c, rs, cols, rows, &pa);
        size_t kept = rows;
        if (st == KO_OK && r->has_filter)
            st = run_filter(q, r, ms, rows, &kept);
        q->rows_read += rows;
        if (st == KO_OK && kept)
            st = emit(r, ms, rows, fn, ctx);
    }
    ko_ice_reader_close(rd);
    ko_arena_free(&pa);
    return st;
}

ko_scan_worker *ko_scan_worker_new(ko_scan_run *r)
{
    mstate *ms = malloc(sizeof *ms);
    if (ms && mstate_init(r, ms) != KO_OK) {
        mstate_free(r, ms);
        free(ms);
        return NULL;
    }
    return ms;
}

void ko_scan_worker_free(ko_scan_run *r, ko_scan_worker *w)
{
    if (!w)
        return;
    mstate_free(r, w);
    free(w);
}

ko_status ko_scan_morsel_w(ko_qctx *q, ko_scan_run *r, ko_scan_worker *w, size_t mi,
                           ko_status (*fn)(void *ctx, const ko_batch *b), void *ctx)
{
    const morsel *m = &r->morsels[mi];
    return m->rg < 0 ? read_deleted_task(q, r, m, w, fn, ctx)
                     : read_parquet_morsel(q, r, m, w, fn, ctx);
}

ko_status ko_scan_morsel(ko_qctx *q, ko_scan_run *r, size_t mi,
                         ko_status (*fn)(void *ctx, const ko_batch *b), void *ctx)
{
    ko_scan_worker *w = ko_scan_worker_new(r);
    if (!w)
        return nomem(q->err);
    ko_status st = ko_scan_morsel_w(q, r, w, mi, fn, ctx);
    ko_scan_worker_free(r, w);
    return st;
}
