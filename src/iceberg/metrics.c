/*
 * metrics.c - the column metrics of a data file's manifest entry, taken
 * from the footer of the file as written (spec: "Manifests", data_file
 * fields 108-137; Java's ParquetUtil.footerMetrics).
 *
 * Per leaf field id: column_sizes sums the chunks' compressed sizes,
 * value_counts their value counts (nulls included), null_value_counts the
 * statistics' null counts (only when every row group has one).  Bounds
 * merge the row groups' min_value/max_value as Iceberg values of the
 * column's type; a row group of only nulls adds nothing, a row group with
 * values but no statistics drops the bounds.  Fields inside lists and maps
 * get no bounds.  Strings keep at most 16 code points and binary values
 * 16 bytes, as Java's default "truncate(16)" metrics mode: a lower bound is
 * cut, an upper bound cut and its last character (byte) incremented, or
 * dropped when that cannot be done.  NaN counts of float and double
 * columns are counted while writing (the footer does not hold them).
 */
#include "iceberg/table_internal.h"

#include <math.h>
#include <string.h>

enum { TRUNCATE_LEN = 16 };

void kt_count_nans(const ko_pq_column *cols, uint32_t n_leaves, kt_nan_counts *nans)
{
    for (uint32_t l = 0; l < n_leaves && l < nans->n; l++) {
        const ko_pq_column *c = &cols[l];
        for (size_t i = 0; c->type == KO_PQ_DOUBLE && i < c->n_values; i++) {
            double d;
            memcpy(&d, c->values.data + 8 * i, 8);
            nans->per_leaf[l] += isnan(d) != 0;
        }
        for (size_t i = 0; c->type == KO_PQ_FLOAT && i < c->n_values; i++) {
            float f;
            memcpy(&f, c->values.data + 4 * i, 4);
            nans->per_leaf[l] += isnan(f) != 0;
        }
    }
}

/* ---------------------------------------------------------- comparison */

static int cmp_bytes(const ko_ice_value *a, const ko_ice_value *b)
{
    size_t n = a->len < b->len ? a->len : b->len;
    int c = n ? memcmp(a->bytes, b->bytes, n) : 0;
    return c ? c : (a->len > b->len) - (a->len < b->len);
}

static int cmp_values(const ko_ice_value *a, const ko_ice_value *b)
{
    switch (a->type) {
    case KO_ICE_FLOAT:
    case KO_ICE_DOUBLE:
        return (a->d > b->d) - (a->d < b->d);
    case KO_ICE_DECIMAL:
        if (a->hi != b->hi)
            return (a->hi > b->hi) - (a->hi < b->hi);
        return ((uint64_t)a->i > (uint64_t)b->i) - ((uint64_t)a->i < (uint64_t)b->i);
    case KO_ICE_STRING:
    case KO_ICE_BINARY:
    case KO_ICE_FIXED:
    case KO_ICE_UUID:
        return cmp_bytes(a, b);
    default:
        return (a->i > b->i) - (a->i < b->i);
    }
}

/* ---------------------------------------------------------- truncation */

/* Bytes of the first n code points of UTF-8 text. */
static size_t utf8_prefix(const uint8_t *p, size_t len, size_t n)
{
    size_t i = 0;
    while (i < len && n > 0) {
        i++;
        while (i < len && (p[i] & 0xC0) == 0x80)
            i++;
        n--;
    }
    return i;
}

static size_t utf8_encode(uint32_t cp, uint8_t out[4])
{
    if (cp < 0x80) {
        out[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (uint8_t)(0xC0 | cp >> 6);
        out[1] = (uint8_t)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (uint8_t)(0xE0 | cp >> 12);
        out[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (uint8_t)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (uint8_t)(0xF0 | cp >> 18);
    out[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (uint8_t)(0x80 | (cp & 0x3F));
    return 4;
}

static uint32_t utf8_decode(const uint8_t *p, size_t len)
{
    static const uint8_t masks[] = {0x7F, 0x1F, 0x0F, 0x07};
    uint32_t cp = p[0] & masks[len - 1];
    for (size_t i = 1; i < len; i++)
        cp = cp << 6 | (p[i] & 0x3F);
    return cp;
}

/* The upper bound of strings starting with p[0, len): the text with its
 * last code point incremented (dropping code points that cannot be);
 * *out_len 0 when none exists. */
static void string_upper(uint8_t *p, size_t len, size_t *out_len)
{
    while (len > 0) {
        size_t start = len - 1;
        while (start > 0 && (p[start] & 0xC0) == 0x80)
            start--;
        uint32_t cp = utf8_decode(p + start, len - start) + 1;
        if (cp >= 0xD800 && cp <= 0xDFFF)
            cp = 0xE000;
        if (cp <= 0x10FFFF) {
            *out_len = start + utf8_encode(cp, p + start);
            return;
        }
        len = start;
    }
    *out_len = 0;
}

static void binary_upper(uint8_t *p, size_t len, size_t *out_len)
{
    while (len > 0 && p[len - 1] == 0xFF)
        len--;
    if (len > 0)
        p[len - 1]++;
    *out_len = len;
}

/* Truncates a string or binary bound in place (its bytes are in the
 * arena); *keep false when an upper bound has no truncated form. */
static ko_status truncate_bound(ko_ice_value *v, bool upper, ko_arena *arena, bool *keep,
                                ko_err *err)
{
    *keep = true;
    bool text = v->type == KO_ICE_STRING;
    if (!text && v->type != KO_ICE_BINARY)
        return KO_OK;
    size_t cut = text ? utf8_prefix(v->bytes, v->len, TRUNCATE_LEN) : TRUNCATE_LEN;
    if (cut >= v->len)
        return KO_OK;
    uint8_t *p = ko_arena_alloc(arena, cut + 4);
    if (!p)
        return kt_nomem(err);
    memcpy(p, v->bytes, cut);
    size_t len = cut;
    if (upper && text)
        string_upper(p, cut, &len);
    else if (upper)
        binary_upper(p, cut, &len);
    *keep = len > 0;
    v->bytes = p;
    v->len = len;
    return KO_OK;
}

/* ------------------------------------------------------------- per leaf */

typedef struct leaf_acc {
    int32_t field_id;
    const ko_ice_type *type;
    bool bounded; /* bounds still valid */
    bool have;    /* lo/hi set */
    ko_ice_value lo, hi;
    int64_t size, values, nulls;
    bool nulls_known;
} leaf_acc;

static ko_status merge_bounds(leaf_acc *a, const ko_pq_column_meta *cm, ko_err *err)
{
    const ko_pq_statistics *s = &cm->statistics;
    bool all_null = s->present && s->has_null_count && s->null_count == cm->num_values;
    if (!a->bounded || all_null || cm->num_values == 0)
        return KO_OK;
    if (!s->present || !s->has_min || !s->has_max) {
        a->bounded = false;
        return KO_OK;
    }
    ko_ice_value lo, hi;
    ko_status st = kt_plain_value(a->type, cm->type, s->min_value.ptr, s->min_value.len, &lo, err);
    if (st == KO_OK)
        st = kt_plain_value(a->type, cm->type, s->max_value.ptr, s->max_value.len, &hi, err);
    if (st != KO_OK)
        return st;
    if (!a->have || cmp_values(&lo, &a->lo) < 0)
        a->lo = lo;
    if (!a->have || cmp_values(&hi, &a->hi) > 0)
        a->hi = hi;
    a->have = true;
    return KO_OK;
}

static ko_status accumulate(leaf_acc *a, const ko_pq_column_chunk *cc, ko_err *err)
{
    if (!cc->has_meta_data) {
        a->bounded = a->nulls_known = false;
        return KO_OK;
    }
    const ko_pq_column_meta *cm = &cc->meta;
    a->size += cm->total_compressed_size;
    a->values += cm->num_values;
    if (cm->statistics.present && cm->statistics.has_null_count)
        a->nulls += cm->statistics.null_count;
    else
        a->nulls_known = false;
    return merge_bounds(a, cm, err);
}

/* ----------------------------------------------------------------- maps */

typedef struct maps {
    ko_ice_data_file *f;
    ko_arena *arena;
} maps;

static ko_status add_bound(maps *m, ko_ice_id_bound *arr, uint32_t *n, const leaf_acc *a,
                           const ko_ice_value *v, bool upper, ko_err *err)
{
    ko_ice_value t = *v;
    bool keep = true;
    ko_status st = truncate_bound(&t, upper, m->arena, &keep, err);
    if (st != KO_OK || !keep)
        return st;
    ko_buf b = {0};
    st = ko_ice_value_to_bytes(a->type, &t, &b, err);
    uint8_t *copy = st == KO_OK ? ko_arena_alloc(m->arena, b.len ? b.len : 1) : NULL;
    if (st == KO_OK && !copy)
        st = kt_nomem(err);
    if (st == KO_OK) {
        ko_memcpy0(copy, b.data, b.len); /* an empty bound ('' or an empty binary) has no buffer */
        arr[(*n)++] = (ko_ice_id_bound){a->field_id, {copy, b.len}};
    }
    ko_buf_free(&b);
    return st;
}

static ko_status alloc_maps(maps *m, uint32_t n, ko_err *err)
{
    ko_ice_data_file *f = m->f;
    size_t k = n ? n : 1;
    f->column_sizes = ko_arena_calloc(m->arena, k, sizeof(ko_ice_id_count));
    f->value_counts = ko_arena_calloc(m->arena, k, sizeof(ko_ice_id_count));
    f->null_value_counts = ko_arena_calloc(m->arena, k, sizeof(ko_ice_id_count));
    f->nan_value_counts = ko_arena_calloc(m->arena, k, sizeof(ko_ice_id_count));
    f->lower_bounds = ko_arena_calloc(m->arena, k, sizeof(ko_ice_id_bound));
    f->upper_bounds = ko_arena_calloc(m->arena, k, sizeof(ko_ice_id_bound));
    bool ok = f->column_sizes && f->value_counts && f->null_value_counts && f->nan_value_counts &&
              f->lower_bounds && f->upper_bounds;
    return ok ? KO_OK : kt_nomem(err);
}

static ko_status emit_leaf(maps *m, const leaf_acc *a, const kt_nan_counts *nans, uint32_t leaf,
                           ko_err *err)
{
    ko_ice_data_file *f = m->f;
    int32_t id = a->field_id;
    f->column_sizes[f->n_column_sizes++] = (ko_ice_id_count){id, a->size};
    f->value_counts[f->n_value_counts++] = (ko_ice_id_count){id, a->values};
    if (a->nulls_known)
        f->null_value_counts[f->n_null_value_counts++] = (ko_ice_id_count){id, a->nulls};
    if ((a->type->id == KO_ICE_FLOAT || a->type->id == KO_ICE_DOUBLE) && nans && leaf < nans->n)
        f->nan_value_counts[f->n_nan_value_counts++] = (ko_ice_id_count){id, nans->per_leaf[leaf]};
    if (!a->bounded || !a->have)
        return KO_OK;
    ko_status st = add_bound(m, f->lower_bounds, &f->n_lower_bounds, a, &a->lo, false, err);
    if (st == KO_OK)
        st = add_bound(m, f->upper_bounds, &f->n_upper_bounds, a, &a->hi, true, err);
    return st;
}

static void split_offsets(const ko_pq_file_meta *fm, ko_ice_data_file *f)
{
    for (uint32_t g = 0; g < fm->n_row_groups; g++) {
        const ko_pq_row_group *rg = &fm->row_groups[g];
        int64_t off = rg->has_file_offset && rg->file_offset > 0 ? rg->file_offset : 0;
        if (!off && rg->n_columns && rg->columns[0].has_meta_data) {
            const ko_pq_column_meta *cm = &rg->columns[0].meta;
            off = cm->has_dictionary_page_offset && cm->dictionary_page_offset > 0
                      ? cm->dictionary_page_offset
                      : cm->data_page_offset;
        }
        f->split_offsets[f->n_split_offsets++] = off;
    }
}

ko_status kt_file_metrics(const ko_ice_schema *schema, const ko_pq_file_meta *fm,
                          const ko_pq_schema *pq, const kt_nan_counts *nans, ko_arena *arena,
                          ko_ice_data_file *f, ko_err *err)
{
    maps m = {.f = f, .arena = arena};
    ko_status st = alloc_maps(&m, pq->n_leaves, err);
    f->split_offsets = ko_arena_calloc(arena, fm->n_row_groups + 1u, sizeof(int64_t));
    if (st == KO_OK && !f->split_offsets)
        st = kt_nomem(err);
    f->record_count = fm->num_rows;
    for (uint32_t l = 0; st == KO_OK && l < pq->n_leaves; l++) {
        const ko_pq_schema_element *e = pq->nodes[pq->leaves[l].node].el;
        const ko_ice_field *field =
            e->has_field_id ? ko_ice_schema_find_id(schema, e->field_id) : NULL;
        if (!field)
            continue;
        leaf_acc a = {.field_id = e->field_id,
                      .type = &field->type,
                      .bounded = pq->leaves[l].max_rep == 0,
                      .nulls_known = true};
        for (uint32_t g = 0; st == KO_OK && g < fm->n_row_groups; g++)
            if (l < fm->row_groups[g].n_columns)
                st = accumulate(&a, &fm->row_groups[g].columns[l], err);
        if (st == KO_OK)
            st = emit_leaf(&m, &a, nans, l, err);
    }
    if (st == KO_OK)
        split_offsets(fm, f);
    return st;
}
