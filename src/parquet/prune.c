/*
 * prune.c - predicates on statistics: row group pruning and page selection.
 *
 * A predicate is tested against bounds that every value of a row group (its
 * column chunk Statistics) or of a page (its ColumnIndex entry) lies within.
 * Pruning must never drop a matching row, so every doubt is "may match":
 *
 *   - min_value/max_value follow the column's TypeDefinedOrder
 *     (ko_pq_order_of); they are ignored when column_orders says the leaf
 *     has another order.  The deprecated min/max were written in signed
 *     order, so they are used only where that agrees with the column's
 *     order: BOOLEAN, signed INT32/INT64, FLOAT, DOUBLE.
 *   - A bound of the wrong width, or a NaN bound, is no bound.  NaN values
 *     never enter bounds, so on floating-point columns != always may match;
 *     a NaN predicate value may match anything.
 *   - Truncated byte-string bounds (page indexes shorten them) still bound
 *     the values: a truncated minimum is below and a rounded-up maximum
 *     above every value.
 *   - null_count (entries without a value) decides IS NULL / IS NOT NULL;
 *     when every entry is null, only IS NULL may match.
 */
#include "parquet/writer_internal.h"

#include <string.h>

/* A column's bounds as this file can prove them. */
typedef struct bounds {
    ko_pq_order order;
    const ko_pq_bin *min, *max; /* NULL: unknown */
    int has_values;             /* 0 no value, 1 some, -1 unknown */
    int has_nulls;              /* 0 no null, 1 some, -1 unknown */
} bounds;

static size_t order_width(ko_pq_order o)
{
    switch (o) {
    case KO_PQ_ORD_BOOL:
        return 1;
    case KO_PQ_ORD_FLOAT16:
        return 2;
    case KO_PQ_ORD_I32:
    case KO_PQ_ORD_U32:
    case KO_PQ_ORD_FLOAT:
        return 4;
    case KO_PQ_ORD_I64:
    case KO_PQ_ORD_U64:
    case KO_PQ_ORD_DOUBLE:
        return 8;
    default:
        return 0; /* any length */
    }
}

static bool is_nan(ko_pq_order o, const uint8_t *p)
{
    if (o == KO_PQ_ORD_FLOAT) {
        uint32_t b;
        memcpy(&b, p, 4);
        return (b & 0x7f800000u) == 0x7f800000u && (b & 0x007fffffu);
    }
    if (o == KO_PQ_ORD_DOUBLE) {
        uint64_t b;
        memcpy(&b, p, 8);
        return (b & 0x7ff0000000000000ull) == 0x7ff0000000000000ull && (b & 0xfffffffffffffull);
    }
    if (o == KO_PQ_ORD_FLOAT16) {
        unsigned h = (unsigned)p[0] | (unsigned)p[1] << 8;
        return (h & 0x7c00) == 0x7c00 && (h & 0x3ff);
    }
    return false;
}

static bool is_float(ko_pq_order o)
{
    return o == KO_PQ_ORD_FLOAT || o == KO_PQ_ORD_DOUBLE || o == KO_PQ_ORD_FLOAT16;
}

/* A value of order o that can be compared: right width, not NaN. */
static bool usable(ko_pq_order o, const void *v, size_t len)
{
    size_t w = order_width(o);
    if (o == KO_PQ_ORD_NONE || (!v && len) || (w && len != w))
        return false;
    return !is_nan(o, v);
}

static const ko_pq_bin *bound_or_null(ko_pq_order o, const ko_pq_bin *b)
{
    return b->ptr && usable(o, b->ptr, b->len) ? b : NULL;
}

static int cmp(const bounds *b, const ko_pq_bin *x, const void *v, size_t len)
{
    return ko_pq_order_cmp(b->order, x->ptr, x->len, v, len);
}

/* != fails only when every value equals v (NaN values, never in bounds,
 * are != anything). */
static bool ne_may_match(const bounds *b, const void *v, size_t len)
{
    return is_float(b->order) || !b->min || !b->max || cmp(b, b->min, v, len) != 0 ||
           cmp(b, b->max, v, len) != 0;
}

/* Whether some non-null value within b may satisfy op v. */
static bool values_may_match(const bounds *b, ko_pq_pred_op op, const void *v, size_t len)
{
    if (b->has_values == 0)
        return false;
    if (!usable(b->order, v, len))
        return true;
    const ko_pq_bin *lo = b->min, *hi = b->max;
    switch (op) {
    case KO_PQ_EQ:
        return (!lo || cmp(b, lo, v, len) <= 0) && (!hi || cmp(b, hi, v, len) >= 0);
    case KO_PQ_NE:
        return ne_may_match(b, v, len);
    case KO_PQ_LT:
        return !lo || cmp(b, lo, v, len) < 0;
    case KO_PQ_LE:
        return !lo || cmp(b, lo, v, len) <= 0;
    case KO_PQ_GT:
        return !hi || cmp(b, hi, v, len) > 0;
    case KO_PQ_GE:
        return !hi || cmp(b, hi, v, len) >= 0;
    default:
        return true;
    }
}

static bool bounds_may_match(const bounds *b, const ko_pq_pred *p)
{
    switch (p->op) {
    case KO_PQ_IS_NULL:
        return b->has_nulls != 0;
    case KO_PQ_IS_NOT_NULL:
        return b->has_values != 0;
    default:
        return values_may_match(b, p->op, p->value, p->len);
    }
}

static ko_pq_order leaf_order(ko_pq_reader *r, uint32_t leaf)
{
    const ko_pq_schema *s = ko_pq_reader_schema(r);
    const ko_pq_file_meta *m = ko_pq_reader_meta(r);
    if (m->column_orders && leaf < m->n_column_orders && !m->column_orders[leaf])
        return KO_PQ_ORD_NONE;
    return ko_pq_order_of(s->nodes[s->leaves[leaf].node].el);
}

static bool legacy_ok(ko_pq_order o)
{
    return o == KO_PQ_ORD_BOOL || o == KO_PQ_ORD_I32 || o == KO_PQ_ORD_I64 ||
           o == KO_PQ_ORD_FLOAT || o == KO_PQ_ORD_DOUBLE;
}

static void chunk_minmax(bounds *b, const ko_pq_statistics *st, ko_pq_order legacy_order)
{
    if (st->has_min)
        b->min = bound_or_null(b->order, &st->min_value);
    else if (st->has_legacy_min && legacy_ok(legacy_order))
        b->min = bound_or_null(legacy_order, &st->legacy_min);
    if (st->has_max)
        b->max = bound_or_null(b->order, &st->max_value);
    else if (st->has_legacy_max && legacy_ok(legacy_order))
        b->max = bound_or_null(legacy_order, &st->legacy_max);
}

/* Bounds of a column chunk from its Statistics. */
static bounds chunk_bounds(ko_pq_reader *r, const ko_pq_column_meta *m, uint32_t leaf)
{
    const ko_pq_schema *s = ko_pq_reader_schema(r);
    bounds b = {.order = leaf_order(r, leaf), .has_values = -1, .has_nulls = -1};
    const ko_pq_statistics *st = &m->statistics;
    if (!st->present)
        return b;
    /* the legacy fields are signed whatever column_orders says */
    ko_pq_order legacy = ko_pq_order_of(s->nodes[s->leaves[leaf].node].el);
    chunk_minmax(&b, st, legacy);
    if (!b.min || !b.max) /* on NaN or width problems, use neither */
        b.min = b.max = NULL;
    if (st->has_null_count && st->null_count >= 0) {
        b.has_nulls = st->null_count > 0;
        if (st->null_count >= m->num_values)
            b.has_values = 0;
    }
    if (st->has_min || st->has_max || st->has_legacy_min || st->has_legacy_max)
        b.has_values = 1;
    return b;
}

bool ko_pq_rowgroup_may_match(ko_pq_reader *r, uint32_t rg, const ko_pq_pred *preds, size_t n_preds)
{
    const ko_pq_file_meta *m = ko_pq_reader_meta(r);
    const ko_pq_schema *s = ko_pq_reader_schema(r);
    if (rg >= m->n_row_groups)
        return true;
    const ko_pq_row_group *g = &m->row_groups[rg];
    for (size_t i = 0; i < n_preds; i++) {
        uint32_t leaf = preds[i].leaf;
        if (leaf >= s->n_leaves || leaf >= g->n_columns || !g->columns[leaf].has_meta_data)
            continue;
        const ko_pq_column_meta *cm = &g->columns[leaf].meta;
        if (cm->type != s->leaves[leaf].type)
            continue;
        bounds b = chunk_bounds(r, cm, leaf);
        if (!bounds_may_match(&b, &preds[i]))
            return false;
    }
    return true;
}

/* ----------------------------------------------------------- page index */

static bounds page_bounds(ko_pq_order o, const ko_pq_column_index *ci, uint32_t i)
{
    bounds b = {.order = o, .has_values = -1, .has_nulls = -1};
    if (ci->null_pages[i]) {
        b.has_values = 0;
        b.has_nulls = 1;
        return b;
    }
    b.min = bound_or_null(o, &ci->min_values[i]);
    b.max = bound_or_null(o, &ci->max_values[i]);
    if (!b.min || !b.max)
        b.min = b.max = NULL;
    if (ci->null_counts && ci->null_counts[i] >= 0)
        b.has_nulls = ci->null_counts[i] > 0;
    return b;
}

static ko_status push_range(ko_buf *out, int64_t start, int64_t end)
{
    if (start >= end)
        return KO_OK;
    ko_pq_row_range *last = out->len ? (ko_pq_row_range *)(out->data + out->len) - 1 : NULL;
    if (last && last->end >= start) {
        if (end > last->end)
            last->end = end;
        return KO_OK;
    }
    ko_pq_row_range rr = {start, end};
    return ko_buf_append(out, &rr, sizeof rr);
}

/* First row of page i and of the next (the row group's end after the last). */
static void page_rows(const ko_pq_offset_index *oi, uint32_t i, int64_t rows, int64_t *a,
                      int64_t *b)
{
    *a = oi->pages[i].first_row_index;
    *b = i + 1 < oi->n_pages ? oi->pages[i + 1].first_row_index : rows;
    if (*a < 0)
        *a = 0;
    if (*b > rows)
        *b = rows;
}

/* Pages of one predicate that may match, as row ranges into out. */
static ko_status pred_ranges(ko_pq_order o, const ko_pq_column_index *ci,
                             const ko_pq_offset_index *oi, int64_t rows, const ko_pq_pred *p,
                             ko_buf *out)
{
    for (uint32_t i = 0; i < oi->n_pages; i++) {
        int64_t a, b;
        page_rows(oi, i, rows, &a, &b);
        bounds bd = page_bounds(o, ci, i);
        if (bounds_may_match(&bd, p) && push_range(out, a, b) != KO_OK)
            return KO_ERR_NOMEM;
    }
    return KO_OK;
}

/* out = a AND b (both sorted and disjoint). */
static ko_status intersect(const ko_buf *a, const ko_buf *b, ko_buf *out)
{
    const ko_pq_row_range *x = (const ko_pq_row_range *)a->data;
    const ko_pq_row_range *y = (const ko_pq_row_range *)b->data;
    size_t nx = a->len / sizeof *x, ny = b->len / sizeof *y, i = 0, j = 0;
    ko_buf_reset(out);
    while (i < nx && j < ny) {
        int64_t s = x[i].start > y[j].start ? x[i].start : y[j].start;
        int64_t e = x[i].end < y[j].end ? x[i].end : y[j].end;
        if (push_range(out, s, e) != KO_OK)
            return KO_ERR_NOMEM;
        if (x[i].end < y[j].end)
            i++;
        else
            j++;
    }
    return KO_OK;
}

/* Whether the page index of a chunk can be used: both indexes, matching
 * page counts. */
static bool index_usable(const ko_pq_column_index *ci, bool has_ci, const ko_pq_offset_index *oi,
                         bool has_oi)
{
    return has_ci && has_oi && ci->n_pages == oi->n_pages && oi->n_pages > 0;
}

/* Narrows *cur by one predicate's page index. */
static ko_status narrow(ko_pq_reader *r, uint32_t rg, const ko_pq_pred *p, ko_buf *cur, ko_buf *tmp,
                        ko_err *err)
{
    ko_arena arena = {.chunk_size = 16384};
    ko_pq_column_index ci;
    ko_pq_offset_index oi;
    bool has_ci = false, has_oi = false;
    ko_status st = ko_pq_read_page_index(r, rg, p->leaf, &arena, &ci, &has_ci, &oi, &has_oi, err);
    int64_t rows = ko_pq_reader_meta(r)->row_groups[rg].num_rows;
    ko_buf pages = {0};
    if (st == KO_OK && index_usable(&ci, has_ci, &oi, has_oi)) {
        st = pred_ranges(leaf_order(r, p->leaf), &ci, &oi, rows, p, &pages);
        if (st == KO_OK)
            st = intersect(cur, &pages, tmp);
        if (st == KO_OK) {
            ko_buf t = *cur;
            *cur = *tmp;
            *tmp = t;
        }
        if (st == KO_ERR_NOMEM)
            ko_err_set(err, KO_ERR_NOMEM, "out of memory");
    }
    ko_buf_free(&pages);
    ko_arena_free(&arena);
    return st;
}

ko_status ko_pq_select_rows(ko_pq_reader *r, uint32_t rg, const ko_pq_pred *preds, size_t n_preds,
                            ko_buf *ranges, ko_err *err)
{
    const ko_pq_file_meta *m = ko_pq_reader_meta(r);
    ko_buf_reset(ranges);
    if (rg >= m->n_row_groups)
        return ko_err_set(err, KO_ERR_INVALID, "no row group %u", rg);
    if (!ko_pq_rowgroup_may_match(r, rg, preds, n_preds))
        return KO_OK;
    if (push_range(ranges, 0, m->row_groups[rg].num_rows) != KO_OK)
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory");
    ko_buf tmp = {0};
    ko_status st = KO_OK;
    for (size_t i = 0; st == KO_OK && i < n_preds && ranges->len; i++)
        if (preds[i].leaf < ko_pq_reader_schema(r)->n_leaves)
            st = narrow(r, rg, &preds[i], ranges, &tmp, err);
    ko_buf_free(&tmp);
    if (st != KO_OK)
        ko_buf_reset(ranges);
    return st;
}
