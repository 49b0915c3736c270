/*
 * writer.c - writing Parquet files (ko_pq_writer).
 *
 * The file goes out through one streaming store writer, so nothing is
 * visible until close commits it.  Its layout:
 *
 *   "PAR1"
 *   row group 0: column chunk 0 (dictionary page?, data pages), chunk 1 ...
 *   row group 1 ...
 *   ColumnIndex of every chunk that has one, then OffsetIndex of every chunk
 *   FileMetaData, its 4-byte little-endian length, "PAR1"
 *
 * Each leaf column has a `colw` that fills the current page with the
 * entries it is given: levels are copied, values either looked up in the
 * chunk's dictionary (dict.c; the page keeps indices) or kept PLAIN, and
 * the page's min/max and null count are tracked (stats.c).  Pages are cut
 * only before an entry with repetition level 0, so each starts a record,
 * when they reach page_bytes (estimated) or PAGE_MAX_ENTRIES entries.  A
 * cut page is encoded as a DATA_PAGE (v1: RLE levels with 4-byte length
 * prefixes, then values), compressed, checksummed and appended with its
 * header to the chunk's in-memory buffer; its bounds are kept for the
 * ColumnIndex.
 *
 * ko_pq_writer_write validates the whole batch first (types, levels, value
 * counts), so a rejected batch changes nothing.  It then feeds the columns
 * slice by slice, sizing slices from the bytes left in the row group; when
 * the estimated uncompressed size reaches row_group_bytes the row group is
 * cut at that slice boundary, a record boundary for every column: the
 * chunks are written (dictionary page first), their metadata recorded and
 * their page indexes encoded into buffers kept until close.  Memory is
 * about one row group, compressed.
 *
 * A chunk starts dictionary-encoded (except BOOLEAN); when the dictionary's
 * PLAIN size passes dict_bytes the current page is finished with it and
 * the rest of the chunk is PLAIN, or DELTA_BINARY_PACKED for INT32/INT64
 * pages where that is smaller.  Each row group starts a new dictionary.
 *
 * Statistics (null count, min/max in the column's order, see stats.c) go
 * into each data page header, the ColumnIndex and ColumnMetaData.  Page
 * bounds of byte strings are truncated to 64 bytes; chunk bounds are kept
 * whole, or left out above 4 KiB as Arrow does.  A chunk gets no
 * ColumnIndex when a page with values has no bounds (all NaN, INT96),
 * when statistics are off, or with no_page_index (which also drops the
 * OffsetIndex).
 *
 * Failures while writing (I/O, memory) leave the writer failed: close then
 * reports the error and discards the object, as abort does.
 */
#include "parquet/encoding.h"
#include "parquet/writer_internal.h"

#include <stdlib.h>
#include <string.h>

#define DEFAULT_CREATED_BY "korolev version 0.1.0"

enum {
    PAGE_MAX_ENTRIES = 20000, /* as Arrow: keeps the page index selective */
    SEGMENT_MAX = 4096,       /* entries added between page checks */
    INDEX_TRUNCATE = 64,      /* byte-string bounds in page headers and indexes */
    CHUNK_STAT_MAX = 4096,    /* longer chunk bounds are left out, as Arrow does */
    DICT_MAX_ENTRIES = 1 << 30,
    FILE_VERSION = 2,
};

static const size_t DEFAULT_ROW_GROUP_BYTES = (size_t)128 << 20;
static const size_t DEFAULT_PAGE_BYTES = (size_t)1 << 20;
static const size_t DEFAULT_DICT_BYTES = (size_t)1 << 20;
static const uint8_t EMPTY[1] = {0};
static const uint8_t MAGIC[4] = {'P', 'A', 'R', '1'};

/* A data page of the chunk being built. */
typedef struct page_info {
    uint64_t offset;   /* in colw.data */
    int32_t size;      /* header and compressed body */
    int64_t first_row; /* in the row group */
    int64_t nulls;
    bool null_page;                          /* no values at all */
    size_t min_at, min_len, max_at, max_len; /* bounds in colw.bounds */
} page_info;

typedef struct colw {
    const ko_pq_leaf *leaf;
    ko_pq_order order;
    size_t width;     /* bytes per value; 0 for BYTE_ARRAY */
    int16_t *rep_def; /* [r]: definition level of the repeated field at level r */
    int bw_def, bw_rep;
    /* the page being filled */
    ko_buf def, rep; /* int16_t levels */
    ko_buf vals;     /* PLAIN values (BOOLEAN one byte each) */
    ko_buf idx;      /* uint32_t dictionary indices */
    size_t page_n, page_nvals;
    int64_t page_first_row;
    ko_pq_minmax page_mm;
    /* the chunk of the current row group */
    bool dict_on;
    ko_pq_dict dict;
    ko_buf data; /* encoded data pages with their headers */
    page_info *pages;
    size_t n_pages, cap_pages;
    ko_buf bounds; /* page bounds for the ColumnIndex */
    bool ci_ok;    /* every non-null page has bounds */
    ko_pq_minmax chunk_mm;
    int64_t chunk_nulls, chunk_entries, rows, data_unc;
    int32_t enc_pages[KO_PQ_ENC_BYTE_STREAM_SPLIT + 1];
    /* the batch being appended */
    size_t in_e, in_v;
    size_t per_entry; /* estimated PLAIN bytes per entry */
    /* scratch */
    ko_buf body, zbuf, tmp, smin, smax;
} colw;

struct ko_pq_writer {
    ko_arena arena; /* schema copy, options, footer metadata */
    ko_store_writer *out;
    ko_pq_schema_element *els;
    uint32_t n_els;
    ko_pq_schema schema;
    ko_pq_writer_options o;
    colw *cols;
    uint64_t pos;     /* bytes written so far */
    int64_t num_rows; /* in finished row groups */
    int64_t rg_rows;  /* in the current one */
    ko_pq_row_group *rgs;
    uint32_t n_rgs, cap_rgs;
    ko_buf ci, oi; /* encoded page indexes, written at close */
    ko_buf hdr;    /* scratch for page headers */
    bool failed;
};

/* ------------------------------------------------------------- helpers */

static void put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static ko_status out_write(ko_pq_writer *w, const void *data, size_t n, ko_err *err)
{
    if (n == 0)
        return KO_OK;
    ko_status st = ko_store_writer_write(w->out, data, n, err);
    if (st == KO_OK)
        w->pos += n;
    return st;
}

static ko_status nomem(ko_err *err, const char *what)
{
    return ko_err_set(err, KO_ERR_NOMEM, "parquet writer: out of memory %s", what);
}

/* Reports a failed encoder call (they return a bare status) for a column. */
static ko_status col_fail(ko_err *err, ko_status st, const colw *c, const char *what)
{
    return ko_err_set(err, st, "parquet writer: column %s: %s: %s", c->leaf->path, what,
                      ko_status_name(st));
}

static bool stats_on(const ko_pq_writer *w)
{
    return !w->o.no_statistics;
}

static bool dict_allowed(const ko_pq_writer *w, const colw *c)
{
    return !w->o.no_dictionary && c->leaf->type != KO_PQ_BOOLEAN;
}

/* ----------------------------------------------------------- open/free */

static void colw_free(colw *c)
{
    ko_buf *bufs[] = {&c->def,  &c->rep,  &c->vals, &c->idx,  &c->data, &c->bounds,
                      &c->body, &c->zbuf, &c->tmp,  &c->smin, &c->smax};
    for (size_t i = 0; i < KO_ARRAY_LEN(bufs); i++)
        ko_buf_free(bufs[i]);
    ko_pq_minmax_free(&c->page_mm);
    ko_pq_minmax_free(&c->chunk_mm);
    ko_pq_dict_free(&c->dict);
    free(c->pages);
}

static void writer_free(ko_pq_writer *w)
{
    if (w->out)
        ko_store_writer_abort(w->out);
    for (uint32_t i = 0; w->cols && i < w->schema.n_leaves; i++)
        colw_free(&w->cols[i]);
    free(w->cols);
    free(w->rgs);
    ko_buf_free(&w->ci);
    ko_buf_free(&w->oi);
    ko_buf_free(&w->hdr);
    ko_arena_free(&w->arena);
    free(w);
}

static ko_status copy_options(ko_pq_writer *w, const ko_pq_writer_options *opts, ko_err *err)
{
    if (opts)
        w->o = *opts;
    else
        w->o.codec = KO_PQ_ZSTD;
    if (!w->o.row_group_bytes)
        w->o.row_group_bytes = DEFAULT_ROW_GROUP_BYTES;
    if (!w->o.page_bytes)
        w->o.page_bytes = DEFAULT_PAGE_BYTES;
    if (!w->o.dict_bytes)
        w->o.dict_bytes = DEFAULT_DICT_BYTES;
    const char *by = w->o.created_by ? w->o.created_by : DEFAULT_CREATED_BY;
    w->o.created_by = ko_arena_strdup(&w->arena, by);
    if (w->o.n_kv && !w->o.kv)
        return ko_err_set(err, KO_ERR_INVALID, "parquet writer: n_kv is %u but kv is NULL",
                          w->o.n_kv);
    ko_pq_kv *kv = w->o.n_kv ? ko_arena_calloc(&w->arena, w->o.n_kv, sizeof *kv) : NULL;
    if (!w->o.created_by || (w->o.n_kv && !kv))
        return nomem(err, "copying the options");
    for (uint32_t i = 0; i < w->o.n_kv; i++) {
        const ko_pq_kv *src = &w->o.kv[i];
        if (!src->key)
            return ko_err_set(err, KO_ERR_INVALID, "parquet writer: key-value %u has no key", i);
        kv[i].key = ko_arena_strdup(&w->arena, src->key);
        kv[i].value = src->value ? ko_arena_strdup(&w->arena, src->value) : NULL;
        if (!kv[i].key || (src->value && !kv[i].value))
            return nomem(err, "copying the options");
    }
    w->o.kv = kv;
    return KO_OK;
}

/* Fails early, with the codec's own message, for a codec that cannot be
 * written (LZO, unknown values, a bad level). */
static ko_status check_codec(const ko_pq_writer *w, ko_err *err)
{
    ko_buf probe = {0};
    ko_status st = w->o.codec == KO_PQ_UNCOMPRESSED
                       ? KO_OK
                       : ko_pq_compress(w->o.codec, w->o.level, MAGIC, sizeof MAGIC, &probe, err);
    ko_buf_free(&probe);
    return st == KO_OK ? KO_OK : ko_err_prefix(err, "parquet writer");
}

static ko_status copy_schema(ko_pq_writer *w, const ko_pq_schema_element *els, uint32_t n,
                             ko_err *err)
{
    if (!els || n == 0)
        return ko_err_set(err, KO_ERR_INVALID, "parquet writer: empty schema");
    w->els = ko_arena_calloc(&w->arena, n, sizeof *w->els);
    if (!w->els)
        return nomem(err, "copying the schema");
    for (uint32_t i = 0; i < n; i++) {
        w->els[i] = els[i];
        if (!els[i].name)
            continue; /* ko_pq_schema_build names the element */
        w->els[i].name = ko_arena_strdup(&w->arena, els[i].name);
        if (!w->els[i].name)
            return nomem(err, "copying the schema");
    }
    w->n_els = n;
    return ko_pq_schema_build(w->els, n, &w->arena, &w->schema, err);
}

static ko_status colw_init(ko_pq_writer *w, colw *c, const ko_pq_leaf *leaf)
{
    const ko_pq_schema *s = &w->schema;
    c->leaf = leaf;
    c->order = ko_pq_order_of(s->nodes[leaf->node].el);
    c->width =
        leaf->type == KO_PQ_BYTE_ARRAY ? 0 : ko_pq_value_width(leaf->type, leaf->type_length);
    c->bw_def = ko_pq_bit_width((uint64_t)leaf->max_def);
    c->bw_rep = ko_pq_bit_width((uint64_t)leaf->max_rep);
    c->rep_def = ko_arena_calloc(&w->arena, (size_t)leaf->max_rep + 1, sizeof *c->rep_def);
    if (!c->rep_def)
        return KO_ERR_NOMEM;
    for (int32_t p = leaf->node; p > 0; p = s->nodes[p].parent) {
        const ko_pq_node *nd = &s->nodes[p];
        if (nd->el->has_repetition && nd->el->repetition == KO_PQ_REPEATED)
            c->rep_def[nd->max_rep] = nd->max_def;
    }
    ko_pq_dict_init(&c->dict, c->width);
    c->dict_on = dict_allowed(w, c);
    c->ci_ok = true;
    return KO_OK;
}

static ko_status init_columns(ko_pq_writer *w, ko_err *err)
{
    w->cols = calloc(w->schema.n_leaves, sizeof *w->cols);
    if (!w->cols)
        return nomem(err, "for the columns");
    for (uint32_t i = 0; i < w->schema.n_leaves; i++)
        if (colw_init(w, &w->cols[i], &w->schema.leaves[i]) != KO_OK)
            return nomem(err, "for the columns");
    return KO_OK;
}

ko_status ko_pq_writer_open(ko_store *store, const char *key, const ko_pq_schema_element *schema,
                            uint32_t n_schema, const ko_pq_writer_options *opts, ko_pq_writer **out,
                            ko_err *err)
{
    if (!out || !store || !key)
        return ko_err_set(err, KO_ERR_INVALID, "parquet writer: no store, key or output");
    *out = NULL;
    ko_pq_writer *w = calloc(1, sizeof *w);
    if (!w)
        return nomem(err, "opening a writer");
    ko_status st = copy_options(w, opts, err);
    if (st == KO_OK)
        st = check_codec(w, err);
    if (st == KO_OK)
        st = copy_schema(w, schema, n_schema, err);
    if (st == KO_OK)
        st = init_columns(w, err);
    if (st == KO_OK)
        st = ko_store_writer_open(store, key, KO_PUT_OVERWRITE, &w->out, err);
    if (st == KO_OK)
        st = out_write(w, MAGIC, sizeof MAGIC, err);
    if (st != KO_OK) {
        writer_free(w);
        return st;
    }
    *out = w;
    return KO_OK;
}

const ko_pq_schema *ko_pq_writer_schema(const ko_pq_writer *w)
{
    return &w->schema;
}

void ko_pq_writer_abort(ko_pq_writer *w)
{
    if (w)
        writer_free(w);
}

/* ---------------------------------------------------------- validation */

static ko_status check_offsets(const ko_pq_leaf *lf, const ko_pq_column *col, ko_err *err)
{
    if (col->offsets.len != (col->n_values + 1) * sizeof(int64_t))
        return ko_err_set(err, KO_ERR_INVALID,
                          "column %s: %zu values need %zu offsets, the column has %zu bytes",
                          lf->path, col->n_values, col->n_values + 1, col->offsets.len);
    const int64_t *off = (const int64_t *)col->offsets.data;
    if (off[0] != 0)
        return ko_err_set(err, KO_ERR_INVALID, "column %s: offsets do not start at 0", lf->path);
    for (size_t i = 0; i < col->n_values; i++) {
        if (off[i + 1] < off[i] || off[i + 1] - off[i] > INT32_MAX)
            return ko_err_set(err, KO_ERR_INVALID, "column %s: value %zu: bad offsets %lld..%lld",
                              lf->path, i, (long long)off[i], (long long)off[i + 1]);
    }
    if ((uint64_t)off[col->n_values] > col->values.len)
        return ko_err_set(err, KO_ERR_INVALID,
                          "column %s: offsets end at %lld, past the %zu bytes of values", lf->path,
                          (long long)off[col->n_values], col->values.len);
    return KO_OK;
}

static ko_status check_values(const ko_pq_leaf *lf, const ko_pq_column *col, ko_err *err)
{
    if (lf->type == KO_PQ_BYTE_ARRAY)
        return check_offsets(lf, col, err);
    size_t width = ko_pq_value_width(lf->type, lf->type_length);
    if (col->n_values > SIZE_MAX / width || col->values.len != col->n_values * width)
        return ko_err_set(err, KO_ERR_INVALID,
                          "column %s: %zu values of %zu bytes, but the column holds %zu bytes",
                          lf->path, col->n_values, width, col->values.len);
    for (size_t i = 0; lf->type == KO_PQ_BOOLEAN && i < col->n_values; i++)
        if (col->values.data[i] > 1)
            return ko_err_set(err, KO_ERR_INVALID, "column %s: boolean value %zu is %u, not 0 or 1",
                              lf->path, i, col->values.data[i]);
    return KO_OK;
}

static ko_status check_shape(const ko_pq_leaf *lf, const ko_pq_column *col, ko_err *err)
{
    const char *p = lf->path;
    if (col->type != lf->type)
        return ko_err_set(err, KO_ERR_INVALID, "column %s: type %s, but the schema says %s", p,
                          ko_pq_type_name(col->type), ko_pq_type_name(lf->type));
    if (lf->type == KO_PQ_FIXED_LEN_BYTE_ARRAY && col->type_length != lf->type_length)
        return ko_err_set(err, KO_ERR_INVALID, "column %s: fixed length %d, but the schema says %d",
                          p, (int)col->type_length, (int)lf->type_length);
    if (col->max_def != lf->max_def || col->max_rep != lf->max_rep)
        return ko_err_set(err, KO_ERR_INVALID,
                          "column %s: max levels def %d rep %d, but the schema says %d and %d", p,
                          col->max_def, col->max_rep, lf->max_def, lf->max_rep);
    if (col->n > SIZE_MAX / 16 || col->n_values > col->n)
        return ko_err_set(err, KO_ERR_INVALID, "column %s: %zu values for %zu entries", p,
                          col->n_values, col->n);
    if ((lf->max_def > 0 && col->def.len != col->n * 2) ||
        (lf->max_rep > 0 && col->rep.len != col->n * 2))
        return ko_err_set(err, KO_ERR_INVALID,
                          "column %s: %zu entries, but %zu bytes of definition and %zu of "
                          "repetition levels",
                          p, col->n, col->def.len, col->rep.len);
    return check_values(lf, col, err);
}

/* Checks entry i's levels; d_prev is the previous entry's definition level. */
static ko_status check_entry(const colw *c, size_t i, int d, int r, int d_prev, ko_err *err)
{
    const ko_pq_leaf *lf = c->leaf;
    if (d < 0 || d > lf->max_def)
        return ko_err_set(err, KO_ERR_INVALID,
                          "column %s: entry %zu: definition level %d outside [0, %d]", lf->path, i,
                          d, lf->max_def);
    if (r < 0 || r > lf->max_rep)
        return ko_err_set(err, KO_ERR_INVALID,
                          "column %s: entry %zu: repetition level %d outside [0, %d]", lf->path, i,
                          r, lf->max_rep);
    if (r > 0 && i == 0)
        return ko_err_set(err, KO_ERR_INVALID,
                          "column %s: the first entry has repetition level %d; a batch must "
                          "start a record (level 0)",
                          lf->path, r);
    if (r > 0 && (d < c->rep_def[r] || d_prev < c->rep_def[r]))
        return ko_err_set(err, KO_ERR_INVALID,
                          "column %s: entry %zu: repetition level %d continues a list that the "
                          "definition levels (%d after %d) say is null or empty",
                          lf->path, i, r, d, d_prev);
    return KO_OK;
}

/* The common flat case (no repetition levels) in one branch-free pass:
 * false when some definition level is out of range, which check_levels
 * then names.  *nv gets the number of values. */
static bool flat_levels_ok(const int16_t *def, size_t n, int16_t max_def, size_t *nv)
{
    size_t k = 0;
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        int16_t d = def[i];
        bad |= (d < 0) | (d > max_def);
        k += d == max_def;
    }
    *nv = k;
    return !bad;
}

static ko_status check_levels(const colw *c, const ko_pq_column *col, size_t *records, ko_err *err)
{
    const ko_pq_leaf *lf = c->leaf;
    size_t flat_nv = col->n;
    if (lf->max_rep == 0 &&
        (lf->max_def == 0 ||
         flat_levels_ok((const int16_t *)col->def.data, col->n, lf->max_def, &flat_nv)) &&
        flat_nv == col->n_values) {
        *records = col->n;
        return KO_OK;
    }
    const int16_t *def = lf->max_def ? (const int16_t *)col->def.data : NULL;
    const int16_t *rep = lf->max_rep ? (const int16_t *)col->rep.data : NULL;
    size_t nv = 0, recs = 0;
    int d_prev = 0;
    for (size_t i = 0; i < col->n; i++) {
        int d = def ? def[i] : lf->max_def, r = rep ? rep[i] : 0;
        ko_status st = check_entry(c, i, d, r, d_prev, err);
        if (st != KO_OK)
            return st;
        nv += d == lf->max_def;
        recs += r == 0;
        d_prev = d;
    }
    if (nv != col->n_values)
        return ko_err_set(err, KO_ERR_INVALID,
                          "column %s: %zu entries have the full definition level %d, but the "
                          "column holds %zu values",
                          lf->path, nv, lf->max_def, col->n_values);
    *records = recs;
    return KO_OK;
}

static ko_status validate(const ko_pq_writer *w, const ko_pq_column *cols, size_t *records,
                          ko_err *err)
{
    for (uint32_t i = 0; i < w->schema.n_leaves; i++) {
        const colw *c = &w->cols[i];
        size_t recs = 0;
        ko_status st = check_shape(c->leaf, &cols[i], err);
        if (st == KO_OK)
            st = check_levels(c, &cols[i], &recs, err);
        if (st != KO_OK)
            return st;
        if (i > 0 && recs != *records)
            return ko_err_set(err, KO_ERR_INVALID,
                              "column %s holds %zu records, but column %s holds %zu", c->leaf->path,
                              recs, w->cols[0].leaf->path, *records);
        *records = recs;
    }
    return KO_OK;
}

/* ------------------------------------------------------------- pages */

/* Uncompressed size of the page being filled, estimated. */
static size_t page_estimate(const colw *c)
{
    size_t levels = c->page_n * (size_t)(c->bw_def + c->bw_rep) / 8;
    if (c->dict_on)
        return levels + c->page_nvals * (size_t)ko_pq_bit_width(c->dict.n) / 8 + 1;
    if (c->leaf->type == KO_PQ_BOOLEAN)
        return levels + c->vals.len / 8;
    return levels + c->vals.len;
}

/* Appends levels with the hybrid encoding behind a 4-byte length. */
static ko_status put_levels(ko_buf *out, const ko_buf *levels, size_t n, int bw)
{
    size_t at = out->len;
    uint8_t zero[4] = {0};
    ko_status st = ko_buf_append(out, zero, sizeof zero);
    if (st == KO_OK)
        st = ko_pq_rle_encode_i16((const int16_t *)levels->data, n, bw, out);
    if (st != KO_OK)
        return st;
    size_t len = out->len - at - 4;
    if (len > INT32_MAX)
        return KO_ERR_UNSUPPORTED;
    put_le32(out->data + at, (uint32_t)len);
    return KO_OK;
}

/* PLAIN or, where it is smaller, DELTA_BINARY_PACKED for INT32/INT64. */
static ko_status put_plain(colw *c, ko_buf *out, ko_pq_encoding *enc)
{
    ko_pq_type t = c->leaf->type;
    *enc = KO_PQ_ENC_PLAIN;
    if (t == KO_PQ_BOOLEAN)
        return ko_pq_plain_encode_bool(c->vals.data, c->page_nvals, out);
    if (t == KO_PQ_INT32 || t == KO_PQ_INT64) {
        ko_buf_reset(&c->tmp);
        ko_status st =
            t == KO_PQ_INT32
                ? ko_pq_delta_encode_i32((const int32_t *)c->vals.data, c->page_nvals, &c->tmp)
                : ko_pq_delta_encode_i64((const int64_t *)c->vals.data, c->page_nvals, &c->tmp);
        if (st != KO_OK)
            return st;
        if (c->tmp.len < c->vals.len) {
            *enc = KO_PQ_ENC_DELTA_BINARY_PACKED;
            return ko_buf_append(out, c->tmp.data, c->tmp.len);
        }
    }
    return ko_buf_append(out, c->vals.data, c->vals.len);
}

static ko_status put_values(colw *c, ko_buf *out, ko_pq_encoding *enc)
{
    *enc = KO_PQ_ENC_PLAIN;
    if (c->page_nvals == 0)
        return KO_OK;
    if (!c->dict_on)
        return put_plain(c, out, enc);
    int bw = ko_pq_bit_width(c->dict.n > 0 ? c->dict.n - 1 : 0);
    uint8_t b = (uint8_t)(bw < 1 ? 1 : bw);
    *enc = KO_PQ_ENC_RLE_DICTIONARY;
    ko_status st = ko_buf_append(out, &b, 1);
    return st == KO_OK ? ko_pq_rle_encode_u32((const uint32_t *)c->idx.data, c->page_nvals, b, out)
                       : st;
}

/* The body compressed with the writer's codec (the body itself if none). */
static ko_status compress(const ko_pq_writer *w, const ko_buf *in, ko_buf *z, const ko_buf **res,
                          ko_err *err)
{
    *res = in;
    if (w->o.codec == KO_PQ_UNCOMPRESSED)
        return KO_OK;
    ko_buf_reset(z);
    *res = z;
    return ko_pq_compress(w->o.codec, w->o.level, in->data, in->len, z, err);
}

static ko_pq_statistics make_stats(int64_t nulls, bool has, const ko_buf *min, const ko_buf *max)
{
    ko_pq_statistics s = {0};
    s.present = true;
    s.has_null_count = true;
    s.null_count = nulls;
    if (has) {
        s.has_min = s.has_max = true;
        s.min_value = (ko_pq_bin){min->data ? min->data : EMPTY, (uint32_t)min->len};
        s.max_value = (ko_pq_bin){max->data ? max->data : EMPTY, (uint32_t)max->len};
    }
    return s;
}

static ko_status push_page(colw *c, const page_info *p)
{
    if (c->n_pages == c->cap_pages) {
        size_t cap = c->cap_pages ? c->cap_pages * 2 : 16;
        page_info *np = realloc(c->pages, cap * sizeof *np);
        if (!np)
            return KO_ERR_NOMEM;
        c->pages = np;
        c->cap_pages = cap;
    }
    c->pages[c->n_pages++] = *p;
    return KO_OK;
}

/* Keeps the page's bounds (already in smin/smax) for the column index. */
static ko_status keep_bounds(colw *c, page_info *p, bool has)
{
    if (p->null_page)
        return KO_OK;
    if (!has) {
        c->ci_ok = false;
        return KO_OK;
    }
    p->min_at = c->bounds.len;
    p->min_len = c->smin.len;
    p->max_at = c->bounds.len + c->smin.len;
    p->max_len = c->smax.len;
    ko_status st = ko_buf_append(&c->bounds, c->smin.data, c->smin.len);
    return st == KO_OK ? ko_buf_append(&c->bounds, c->smax.data, c->smax.len) : st;
}

/* Page statistics into smin/smax and the header; bounds for the index. */
static ko_status page_stats(const ko_pq_writer *w, colw *c, ko_pq_page_header *h, page_info *p)
{
    ko_buf_reset(&c->smin);
    ko_buf_reset(&c->smax);
    if (!stats_on(w))
        return KO_OK;
    bool has = false;
    ko_status st =
        ko_pq_minmax_bounds(&c->page_mm, c->order, INDEX_TRUNCATE, &c->smin, &c->smax, &has);
    if (st == KO_OK)
        st = keep_bounds(c, p, has);
    h->data.statistics = make_stats(p->nulls, has, &c->smin, &c->smax);
    return st;
}

static ko_status emit_page(ko_pq_writer *w, colw *c, ko_pq_encoding enc, ko_err *err)
{
    const ko_buf *z = NULL;
    ko_status st = compress(w, &c->body, &c->zbuf, &z, err);
    if (st != KO_OK)
        return ko_err_prefix(err, "parquet writer: column %s", c->leaf->path);
    if (c->body.len > INT32_MAX || z->len > INT32_MAX || c->page_n > INT32_MAX)
        return col_fail(err, KO_ERR_UNSUPPORTED, c, "a page over 2 GiB");
    ko_pq_page_header h = {0};
    h.type = KO_PQ_DATA_PAGE;
    h.uncompressed_page_size = (int32_t)c->body.len;
    h.compressed_page_size = (int32_t)z->len;
    h.has_crc = true;
    h.crc = ko_pq_crc32(z->data, z->len);
    h.has_data = true;
    h.data.num_values = (int32_t)c->page_n;
    h.data.encoding = enc;
    h.data.def_encoding = KO_PQ_ENC_RLE;
    h.data.rep_encoding = KO_PQ_ENC_RLE;
    page_info p = {.offset = c->data.len,
                   .first_row = c->page_first_row,
                   .nulls = (int64_t)(c->page_n - c->page_nvals),
                   .null_page = c->page_nvals == 0};
    st = page_stats(w, c, &h, &p);
    if (st == KO_OK)
        st = ko_pq_encode_page_header(&h, &c->data);
    size_t hdr_len = c->data.len - p.offset;
    if (st == KO_OK)
        st = ko_buf_append(&c->data, z->data, z->len);
    if (st == KO_OK)
        st = ko_pq_minmax_merge(&c->chunk_mm, c->order, &c->page_mm);
    if (st != KO_OK)
        return col_fail(err, st, c, "writing a page");
    p.size = (int32_t)(c->data.len - p.offset);
    c->data_unc += (int64_t)(hdr_len + c->body.len);
    c->chunk_nulls += p.nulls;
    c->chunk_entries += (int64_t)c->page_n;
    c->enc_pages[enc]++;
    st = push_page(c, &p);
    return st == KO_OK ? KO_OK : col_fail(err, st, c, "writing a page");
}

static void page_reset(colw *c)
{
    c->page_n = c->page_nvals = 0;
    ko_buf_reset(&c->def);
    ko_buf_reset(&c->rep);
    ko_buf_reset(&c->vals);
    ko_buf_reset(&c->idx);
    ko_pq_minmax_reset(&c->page_mm);
}

static ko_status cut_page(ko_pq_writer *w, colw *c, ko_err *err)
{
    ko_buf_reset(&c->body);
    ko_status st = KO_OK;
    if (c->leaf->max_rep > 0)
        st = put_levels(&c->body, &c->rep, c->page_n, c->bw_rep);
    if (st == KO_OK && c->leaf->max_def > 0)
        st = put_levels(&c->body, &c->def, c->page_n, c->bw_def);
    ko_pq_encoding enc = KO_PQ_ENC_PLAIN;
    if (st == KO_OK)
        st = put_values(c, &c->body, &enc);
    if (st != KO_OK)
        return col_fail(err, st, c, "encoding a page");
    st = emit_page(w, c, enc, err);
    page_reset(c);
    return st;
}

/* ------------------------------------------------------------ appending */

static ko_status append_plain_bytes(ko_buf *out, const uint8_t *data, const int64_t *off, size_t n)
{
    ko_status st = ko_buf_reserve(out, (size_t)(off[n] - off[0]) + 4 * n);
    for (size_t i = 0; st == KO_OK && i < n; i++) {
        uint8_t pre[4];
        size_t len = (size_t)(off[i + 1] - off[i]);
        put_le32(pre, (uint32_t)len);
        st = ko_buf_append(out, pre, sizeof pre);
        if (st == KO_OK)
            st = ko_buf_append(out, data + off[i], len);
    }
    return st;
}

/* Adds values v .. v+nv of col to the page (dictionary or PLAIN) and its
 * statistics. */
static ko_status add_values(const ko_pq_writer *w, colw *c, const ko_pq_column *col, size_t v,
                            size_t nv)
{
    if (nv == 0)
        return KO_OK;
    ko_status st;
    if (c->width) {
        const uint8_t *p = col->values.data + v * c->width;
        st = c->dict_on ? ko_pq_dict_add_fixed(&c->dict, p, nv, &c->idx)
                        : ko_buf_append(&c->vals, p, nv * c->width);
        if (st == KO_OK && stats_on(w))
            st = ko_pq_minmax_add_fixed(&c->page_mm, c->order, p, nv, c->width);
        return st;
    }
    const int64_t *off = (const int64_t *)col->offsets.data + v;
    st = c->dict_on ? ko_pq_dict_add_bytes(&c->dict, col->values.data, off, nv, &c->idx)
                    : append_plain_bytes(&c->vals, col->values.data, off, nv);
    if (st == KO_OK && stats_on(w))
        st = ko_pq_minmax_add_bytes(&c->page_mm, c->order, col->values.data, off, nv);
    return st;
}

static size_t count_eq(const ko_buf *levels, size_t e, size_t s, int16_t level)
{
    const int16_t *l = (const int16_t *)levels->data;
    size_t k = 0;
    for (size_t i = e; i < s; i++)
        k += l[i] == level;
    return k;
}

/* Adds entries [e, s) of col, which start a record, to the page. */
static ko_status add_segment(const ko_pq_writer *w, colw *c, const ko_pq_column *col, size_t e,
                             size_t s, ko_err *err)
{
    const ko_pq_leaf *lf = c->leaf;
    size_t n = s - e;
    ko_status st = KO_OK;
    if (c->page_n == 0)
        c->page_first_row = c->rows;
    if (lf->max_def > 0)
        st = ko_buf_append(&c->def, col->def.data + e * 2, n * 2);
    if (st == KO_OK && lf->max_rep > 0)
        st = ko_buf_append(&c->rep, col->rep.data + e * 2, n * 2);
    size_t nv = lf->max_def > 0 ? count_eq(&col->def, e, s, lf->max_def) : n;
    if (st == KO_OK)
        st = add_values(w, c, col, c->in_v, nv);
    if (st != KO_OK)
        return col_fail(err, st, c, "buffering values");
    c->rows += (int64_t)(lf->max_rep > 0 ? count_eq(&col->rep, e, s, 0) : n);
    c->in_v += nv;
    c->page_n += n;
    c->page_nvals += nv;
    return KO_OK;
}

/* Before an entry that starts a record: falls back from the dictionary
 * when it is too large, and cuts a full page. */
static ko_status before_record(ko_pq_writer *w, colw *c, ko_err *err)
{
    if (c->dict_on && (c->dict.plain.len > w->o.dict_bytes || c->dict.n >= DICT_MAX_ENTRIES)) {
        ko_status st = c->page_n ? cut_page(w, c, err) : KO_OK;
        c->dict_on = false;
        return st;
    }
    if (c->page_n && (c->page_n >= PAGE_MAX_ENTRIES || page_estimate(c) >= w->o.page_bytes))
        return cut_page(w, c, err);
    return KO_OK;
}

/* End of the next segment after e: entries that should fit in the page,
 * extended to the next record boundary. */
static size_t segment_end(const ko_pq_writer *w, const colw *c, const ko_pq_column *col, size_t e,
                          size_t end)
{
    size_t room_n = PAGE_MAX_ENTRIES > c->page_n ? PAGE_MAX_ENTRIES - c->page_n : 1;
    size_t est = page_estimate(c);
    size_t room_b = w->o.page_bytes > est ? w->o.page_bytes - est : 1;
    size_t take = room_b / (c->dict_on ? 1 : c->per_entry);
    if (c->dict_on) {
        /* Values that the dictionary can still take, if they are all new. */
        size_t used = c->dict.plain.len;
        size_t room_d = w->o.dict_bytes > used ? w->o.dict_bytes - used : 1;
        size_t fit = room_d / c->per_entry + 1;
        take = take < fit ? take : fit;
    }
    take = take < 1 ? 1 : take;
    take = take > room_n ? room_n : take;
    take = take > SEGMENT_MAX ? SEGMENT_MAX : take;
    size_t s = end - e > take ? e + take : end;
    const int16_t *rep = (const int16_t *)col->rep.data;
    while (c->leaf->max_rep > 0 && s < end && rep[s] != 0)
        s++;
    return s;
}

/* Index just past the given number of records starting at entry e. */
static size_t record_end(const ko_pq_column *col, size_t e, size_t records)
{
    if (col->max_rep == 0)
        return e + records;
    const int16_t *rep = (const int16_t *)col->rep.data;
    for (; records > 0 && e < col->n; records--) {
        e++;
        while (e < col->n && rep[e] != 0)
            e++;
    }
    return e;
}

/* Appends the next `records` records of col. */
static ko_status colw_append(ko_pq_writer *w, colw *c, const ko_pq_column *col, size_t records,
                             ko_err *err)
{
    size_t end = record_end(col, c->in_e, records);
    while (c->in_e < end) {
        ko_status st = before_record(w, c, err);
        if (st != KO_OK)
            return st;
        size_t s = segment_end(w, c, col, c->in_e, end);
        st = add_segment(w, c, col, c->in_e, s, err);
        if (st != KO_OK)
            return st;
        c->in_e = s;
    }
    return KO_OK;
}

/* ------------------------------------------------------------ row groups */

static ko_status write_dict_page(ko_pq_writer *w, colw *c, int64_t *unc, ko_err *err)
{
    const ko_buf *z = NULL;
    ko_status st = compress(w, &c->dict.plain, &c->zbuf, &z, err);
    if (st != KO_OK)
        return ko_err_prefix(err, "parquet writer: column %s: dictionary", c->leaf->path);
    if (c->dict.plain.len > INT32_MAX || z->len > INT32_MAX)
        return col_fail(err, KO_ERR_UNSUPPORTED, c, "a dictionary page over 2 GiB");
    ko_pq_page_header h = {0};
    h.type = KO_PQ_DICTIONARY_PAGE;
    h.uncompressed_page_size = (int32_t)c->dict.plain.len;
    h.compressed_page_size = (int32_t)z->len;
    h.has_crc = true;
    h.crc = ko_pq_crc32(z->data, z->len);
    h.has_dict = true;
    h.dict.num_values = (int32_t)c->dict.n;
    h.dict.encoding = KO_PQ_ENC_PLAIN;
    ko_buf_reset(&w->hdr);
    if (ko_pq_encode_page_header(&h, &w->hdr) != KO_OK)
        return col_fail(err, KO_ERR_NOMEM, c, "dictionary page header");
    *unc = (int64_t)(w->hdr.len + c->dict.plain.len);
    st = out_write(w, w->hdr.data, w->hdr.len, err);
    return st == KO_OK ? out_write(w, z->data, z->len, err) : st;
}

static ko_status copy_bin(ko_arena *a, const ko_buf *b, ko_pq_bin *out)
{
    uint8_t *p = ko_arena_alloc(a, b->len ? b->len : 1);
    if (!p)
        return KO_ERR_NOMEM;
    ko_memcpy0(p, b->data, b->len);
    *out = (ko_pq_bin){p, (uint32_t)b->len};
    return KO_OK;
}

static ko_status chunk_stats(ko_pq_writer *w, colw *c, ko_pq_statistics *out)
{
    ko_buf_reset(&c->smin);
    ko_buf_reset(&c->smax);
    bool has = false;
    ko_status st = ko_pq_minmax_bounds(&c->chunk_mm, c->order, 0, &c->smin, &c->smax, &has);
    if (st != KO_OK)
        return st;
    has = has && c->smin.len <= CHUNK_STAT_MAX && c->smax.len <= CHUNK_STAT_MAX;
    *out = make_stats(c->chunk_nulls, has, &c->smin, &c->smax);
    if (!has)
        return KO_OK;
    st = copy_bin(&w->arena, &c->smin, &out->min_value);
    return st == KO_OK ? copy_bin(&w->arena, &c->smax, &out->max_value) : st;
}

/* Encodings and encoding_stats of the chunk's metadata. */
static ko_status chunk_encodings(ko_pq_writer *w, const colw *c, bool dict, ko_pq_column_meta *m)
{
    enum { N = KO_PQ_ENC_BYTE_STREAM_SPLIT + 1 };
    bool used[N] = {false};
    used[KO_PQ_ENC_PLAIN] = dict;
    used[KO_PQ_ENC_RLE] = c->leaf->max_def > 0 || c->leaf->max_rep > 0;
    m->encodings = ko_arena_calloc(&w->arena, N, sizeof *m->encodings);
    m->encoding_stats = ko_arena_calloc(&w->arena, N + 1, sizeof *m->encoding_stats);
    if (!m->encodings || !m->encoding_stats)
        return KO_ERR_NOMEM;
    if (dict)
        m->encoding_stats[m->n_encoding_stats++] =
            (ko_pq_page_encoding_stats){KO_PQ_DICTIONARY_PAGE, KO_PQ_ENC_PLAIN, 1};
    for (int e = 0; e < N; e++) {
        if (c->enc_pages[e])
            m->encoding_stats[m->n_encoding_stats++] =
                (ko_pq_page_encoding_stats){KO_PQ_DATA_PAGE, (ko_pq_encoding)e, c->enc_pages[e]};
        if (c->enc_pages[e] || used[e])
            m->encodings[m->n_encodings++] = (ko_pq_encoding)e;
    }
    return KO_OK;
}

static ko_status fill_meta(ko_pq_writer *w, colw *c, ko_pq_column_chunk *cc, int64_t start,
                           int64_t data_start, int64_t dict_unc)
{
    ko_pq_column_meta *m = &cc->meta;
    cc->file_offset = start;
    cc->has_meta_data = true;
    m->type = c->leaf->type;
    m->path = c->leaf->parts;
    m->path_len = c->leaf->n_parts;
    m->codec = w->o.codec;
    m->num_values = c->chunk_entries;
    m->total_uncompressed_size = dict_unc + c->data_unc;
    m->total_compressed_size = (int64_t)w->pos - start;
    m->data_page_offset = data_start;
    m->has_dictionary_page_offset = data_start > start;
    m->dictionary_page_offset = m->has_dictionary_page_offset ? start : 0;
    ko_status st = chunk_encodings(w, c, data_start > start, m);
    if (st == KO_OK && stats_on(w))
        st = chunk_stats(w, c, &m->statistics);
    return st;
}

static ko_status add_offset_index(ko_pq_writer *w, const colw *c, ko_pq_column_chunk *cc,
                                  int64_t data_start)
{
    ko_pq_page_location *locs = calloc(c->n_pages ? c->n_pages : 1, sizeof *locs);
    if (!locs)
        return KO_ERR_NOMEM;
    for (size_t i = 0; i < c->n_pages; i++)
        locs[i] = (ko_pq_page_location){data_start + (int64_t)c->pages[i].offset, c->pages[i].size,
                                        c->pages[i].first_row};
    ko_pq_offset_index oi = {locs, (uint32_t)c->n_pages};
    size_t at = w->oi.len;
    ko_status st = ko_pq_encode_offset_index(&oi, &w->oi);
    free(locs);
    if (st != KO_OK || w->oi.len - at > INT32_MAX)
        return st != KO_OK ? st : KO_ERR_UNSUPPORTED;
    cc->has_offset_index = true;
    cc->offset_index_offset = (int64_t)at; /* made absolute at close */
    cc->offset_index_length = (int32_t)(w->oi.len - at);
    return KO_OK;
}

typedef struct ci_arrays {
    bool *null_pages;
    ko_pq_bin *mins, *maxs;
    int64_t *nulls;
} ci_arrays;

static void ci_free(ci_arrays *a)
{
    free(a->null_pages);
    free(a->mins);
    free(a->maxs);
    free(a->nulls);
}

static ko_status add_column_index(ko_pq_writer *w, const colw *c, ko_pq_column_chunk *cc)
{
    if (!stats_on(w) || !c->ci_ok || c->order == KO_PQ_ORD_NONE)
        return KO_OK;
    size_t n = c->n_pages ? c->n_pages : 1;
    ci_arrays a = {calloc(n, sizeof(bool)), calloc(n, sizeof(ko_pq_bin)),
                   calloc(n, sizeof(ko_pq_bin)), calloc(n, sizeof(int64_t))};
    if (!a.null_pages || !a.mins || !a.maxs || !a.nulls) {
        ci_free(&a);
        return KO_ERR_NOMEM;
    }
    for (size_t i = 0; i < c->n_pages; i++) {
        const page_info *p = &c->pages[i];
        a.null_pages[i] = p->null_page;
        a.nulls[i] = p->nulls;
        a.mins[i] =
            (ko_pq_bin){p->null_page ? EMPTY : c->bounds.data + p->min_at, (uint32_t)p->min_len};
        a.maxs[i] =
            (ko_pq_bin){p->null_page ? EMPTY : c->bounds.data + p->max_at, (uint32_t)p->max_len};
    }
    ko_pq_column_index ci = {
        a.null_pages,
        a.mins,
        a.maxs,
        (uint32_t)c->n_pages,
        ko_pq_boundary_order_of(c->order, a.mins, a.maxs, a.null_pages, c->n_pages),
        a.nulls};
    size_t at = w->ci.len;
    ko_status st = ko_pq_encode_column_index(&ci, &w->ci);
    ci_free(&a);
    if (st != KO_OK || w->ci.len - at > INT32_MAX)
        return st != KO_OK ? st : KO_ERR_UNSUPPORTED;
    cc->has_column_index = true;
    cc->column_index_offset = (int64_t)at; /* made absolute at close */
    cc->column_index_length = (int32_t)(w->ci.len - at);
    return KO_OK;
}

static ko_status write_chunk(ko_pq_writer *w, colw *c, ko_pq_column_chunk *cc, ko_err *err)
{
    int64_t start = (int64_t)w->pos, dict_unc = 0;
    ko_status st = c->dict.n > 0 ? write_dict_page(w, c, &dict_unc, err) : KO_OK;
    int64_t data_start = (int64_t)w->pos;
    if (st == KO_OK)
        st = out_write(w, c->data.data, c->data.len, err);
    if (st != KO_OK)
        return st;
    st = fill_meta(w, c, cc, start, data_start, dict_unc);
    if (st == KO_OK && !w->o.no_page_index)
        st = add_offset_index(w, c, cc, data_start);
    if (st == KO_OK && !w->o.no_page_index)
        st = add_column_index(w, c, cc);
    return st == KO_OK ? KO_OK : col_fail(err, st, c, "column chunk metadata");
}

static void chunk_reset(const ko_pq_writer *w, colw *c)
{
    ko_buf_reset(&c->data);
    ko_buf_reset(&c->bounds);
    c->n_pages = 0;
    c->ci_ok = true;
    ko_pq_minmax_reset(&c->chunk_mm);
    c->chunk_nulls = c->chunk_entries = c->rows = c->data_unc = 0;
    memset(c->enc_pages, 0, sizeof c->enc_pages);
    ko_pq_dict_reset(&c->dict);
    c->dict_on = dict_allowed(w, c);
}

static ko_status grow_row_groups(ko_pq_writer *w, ko_err *err)
{
    if (w->n_rgs < w->cap_rgs)
        return KO_OK;
    uint32_t cap = w->cap_rgs ? w->cap_rgs * 2 : 8;
    ko_pq_row_group *rgs = realloc(w->rgs, cap * sizeof *rgs);
    if (!rgs)
        return nomem(err, "for row groups");
    w->rgs = rgs;
    w->cap_rgs = cap;
    return KO_OK;
}

static ko_status flush_row_group(ko_pq_writer *w, ko_err *err)
{
    uint32_t n = w->schema.n_leaves;
    ko_status st = KO_OK;
    for (uint32_t i = 0; st == KO_OK && i < n; i++)
        st = w->cols[i].page_n ? cut_page(w, &w->cols[i], err) : KO_OK;
    if (st == KO_OK)
        st = grow_row_groups(w, err);
    if (st != KO_OK)
        return st;
    ko_pq_row_group *rg = &w->rgs[w->n_rgs];
    memset(rg, 0, sizeof *rg);
    rg->columns = ko_arena_calloc(&w->arena, n, sizeof *rg->columns);
    if (!rg->columns)
        return nomem(err, "for row group metadata");
    rg->n_columns = n;
    rg->has_file_offset = rg->has_total_compressed_size = true;
    rg->file_offset = (int64_t)w->pos;
    for (uint32_t i = 0; st == KO_OK && i < n; i++) {
        st = write_chunk(w, &w->cols[i], &rg->columns[i], err);
        rg->total_byte_size += rg->columns[i].meta.total_uncompressed_size;
        rg->total_compressed_size += rg->columns[i].meta.total_compressed_size;
        chunk_reset(w, &w->cols[i]);
    }
    rg->num_rows = w->rg_rows;
    rg->has_ordinal = w->n_rgs <= INT16_MAX;
    rg->ordinal = (int16_t)(rg->has_ordinal ? w->n_rgs : 0);
    w->n_rgs++;
    w->num_rows += w->rg_rows;
    w->rg_rows = 0;
    return st;
}

/* Estimated uncompressed bytes of the current row group. */
static size_t row_group_bytes(const ko_pq_writer *w)
{
    size_t total = 0;
    for (uint32_t i = 0; i < w->schema.n_leaves; i++) {
        const colw *c = &w->cols[i];
        total += (size_t)c->data_unc + page_estimate(c) + c->dict.plain.len;
    }
    return total;
}

/* PLAIN bytes of a batch column, levels included roughly. */
static size_t batch_bytes(const ko_pq_column *col)
{
    size_t b = col->values.len + col->n / 4;
    if (col->type == KO_PQ_BYTE_ARRAY)
        b += 4 * col->n_values;
    if (col->type == KO_PQ_BOOLEAN)
        b = col->values.len / 8 + col->n / 4;
    return b;
}

static size_t start_batch(ko_pq_writer *w, const ko_pq_column *cols)
{
    size_t total = 0;
    for (uint32_t i = 0; i < w->schema.n_leaves; i++) {
        colw *c = &w->cols[i];
        size_t b = batch_bytes(&cols[i]);
        c->in_e = c->in_v = 0;
        c->per_entry = cols[i].n ? b / cols[i].n : 1;
        c->per_entry = c->per_entry ? c->per_entry : 1;
        total += b;
    }
    return total;
}

static ko_status append_batch(ko_pq_writer *w, const ko_pq_column *cols, size_t records,
                              ko_err *err)
{
    size_t per_record = start_batch(w, cols) / records;
    per_record = per_record ? per_record : 1;
    size_t target = w->o.row_group_bytes;
    for (size_t done = 0; done < records;) {
        size_t before = row_group_bytes(w);
        size_t room = before < target ? target - before : 0;
        size_t take = room / per_record;
        take = take < 1 ? 1 : take > records - done ? records - done : take;
        for (uint32_t i = 0; i < w->schema.n_leaves; i++) {
            ko_status st = colw_append(w, &w->cols[i], &cols[i], take, err);
            if (st != KO_OK)
                return st;
        }
        done += take;
        w->rg_rows += (int64_t)take;
        size_t after = row_group_bytes(w);
        if (after > before)
            per_record = (after - before) / take > 0 ? (after - before) / take : 1;
        if (after >= target) {
            ko_status st = flush_row_group(w, err);
            if (st != KO_OK)
                return st;
        }
    }
    return KO_OK;
}

ko_status ko_pq_writer_write(ko_pq_writer *w, const ko_pq_column *cols, ko_err *err)
{
    if (!w || !cols)
        return ko_err_set(err, KO_ERR_INVALID, "parquet writer: no writer or columns");
    if (w->failed)
        return ko_err_set(err, KO_ERR_INVALID,
                          "parquet writer: an earlier write failed; the file can only be aborted");
    size_t records = 0;
    ko_status st = validate(w, cols, &records, err);
    if (st != KO_OK || records == 0)
        return st;
    st = append_batch(w, cols, records, err);
    w->failed = st != KO_OK;
    return st;
}

/* ---------------------------------------------------------------- close */

static ko_status write_indexes(ko_pq_writer *w, ko_err *err)
{
    int64_t ci_base = (int64_t)w->pos;
    ko_status st = out_write(w, w->ci.data, w->ci.len, err);
    int64_t oi_base = (int64_t)w->pos;
    if (st == KO_OK)
        st = out_write(w, w->oi.data, w->oi.len, err);
    for (uint32_t g = 0; st == KO_OK && g < w->n_rgs; g++) {
        for (uint32_t i = 0; i < w->rgs[g].n_columns; i++) {
            ko_pq_column_chunk *cc = &w->rgs[g].columns[i];
            if (cc->has_column_index)
                cc->column_index_offset += ci_base;
            if (cc->has_offset_index)
                cc->offset_index_offset += oi_base;
        }
    }
    return st;
}

static ko_status write_footer(ko_pq_writer *w, ko_err *err)
{
    ko_pq_file_meta m = {0};
    m.version = FILE_VERSION;
    m.schema = w->els;
    m.n_schema = w->n_els;
    m.num_rows = w->num_rows;
    m.row_groups = w->rgs;
    m.n_row_groups = w->n_rgs;
    m.kv = (ko_pq_kv *)w->o.kv;
    m.n_kv = w->o.n_kv;
    m.created_by = w->o.created_by;
    m.n_column_orders = w->schema.n_leaves;
    m.column_orders = ko_arena_calloc(&w->arena, m.n_column_orders, sizeof(bool));
    if (!m.column_orders)
        return nomem(err, "for the footer");
    for (uint32_t i = 0; i < m.n_column_orders; i++)
        m.column_orders[i] = true; /* TypeDefinedOrder */
    ko_buf foot = {0};
    ko_status st = ko_pq_encode_file_meta(&m, &foot);
    if (st != KO_OK || foot.len > UINT32_MAX) {
        ko_buf_free(&foot);
        return st != KO_OK
                   ? nomem(err, "encoding the footer")
                   : ko_err_set(err, KO_ERR_UNSUPPORTED, "parquet writer: footer too large");
    }
    uint8_t tail[8];
    put_le32(tail, (uint32_t)foot.len);
    memcpy(tail + 4, MAGIC, sizeof MAGIC);
    st = out_write(w, foot.data, foot.len, err);
    if (st == KO_OK)
        st = out_write(w, tail, sizeof tail, err);
    ko_buf_free(&foot);
    return st;
}

ko_status ko_pq_writer_close(ko_pq_writer *w, ko_err *err)
{
    if (!w)
        return ko_err_set(err, KO_ERR_INVALID, "parquet writer: no writer");
    ko_status st = KO_OK;
    if (w->failed)
        st = ko_err_set(err, KO_ERR_INVALID,
                        "parquet writer: an earlier write failed; nothing was written");
    if (st == KO_OK && w->rg_rows > 0)
        st = flush_row_group(w, err);
    if (st == KO_OK)
        st = write_indexes(w, err);
    if (st == KO_OK)
        st = write_footer(w, err);
    if (st == KO_OK) {
        ko_store_writer *out = w->out;
        w->out = NULL; /* commit frees it, also on failure */
        st = ko_store_writer_commit(out, err);
    }
    writer_free(w);
    return st;
}
