/*
 * reader.c - reading Parquet files from an object store (or memory).
 *
 * Opening reads the tail of the file in one range request (64 KiB, enough
 * for most footers; a second request fetches a larger footer), checks the
 * magic bytes and decodes FileMetaData and the schema tree into the
 * reader's arena.  Nothing else is read until a column chunk is asked for.
 *
 * A column chunk is fetched with one range read and decoded page by page
 * into a ko_pq_column: levels first, then the values, whatever their
 * encoding.  Every size read from the file is checked against what holds it
 * (a page against its chunk, a chunk against the file) before it is used,
 * so corrupt files give an error naming the column, the page and the
 * problem instead of crashing or allocating wildly.  Decoding state lives on
 * the stack of the calling thread: threads may read different chunks of one
 * reader at once.
 *
 * For scans that read a chunk morsel by morsel, a ko_pq_chunk_reader (one
 * per thread) keeps that state instead: its scratch buffers and the last
 * chunk's dictionary live from call to call, the pages overlapping the
 * wanted rows are fetched with one range read, and pages wholly inside the
 * rows decode straight into the caller's column (partial ones through a
 * scratch page).  Every read counts its bytes in the reader
 * (ko_pq_reader_bytes_read).
 */
#include "parquet/encoding.h"
#include "parquet/parquet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { TAIL_READ = 64 * 1024, MAX_PAGE_RATIO = 1024 };

struct ko_pq_reader {
    ko_store *store; /* NULL when reading from memory */
    char *key;
    const uint8_t *mem;
    uint64_t size;
    char *name;
    ko_arena arena;
    ko_pq_file_meta meta;
    ko_pq_schema schema;
    _Atomic uint64_t bytes_read; /* fetched from the store so far */
};

/* Decoding state of one column chunk. */
typedef struct chunk_ctx {
    ko_pq_reader *r;
    uint32_t rg, leaf;
    const ko_pq_column_meta *meta;
    ko_pq_column *col;
    int page;     /* index of the page being decoded, for messages */
    size_t width; /* fixed value width, 0 for BYTE_ARRAY */
    bool has_dict;
    size_t dict_n;       /* dictionary entries */
    ko_buf dict_values;  /* fixed-width values, or bytes */
    ko_buf dict_offsets; /* BYTE_ARRAY: int64 offsets, dict_n + 1 */
    ko_buf page_buf;     /* decompressed page */
    ko_buf idx;          /* dictionary indices */
    bool codes;          /* dictionary codes (uint32) into col instead of values */
    ko_err *err;
} chunk_ctx;

/* ------------------------------------------------------------- helpers */

static ko_status read_range(ko_pq_reader *r, uint64_t off, uint64_t len, ko_buf *out, ko_err *err)
{
    if (off > r->size || len > r->size - off)
        return ko_err_set(
            err, KO_ERR_CORRUPT, "%s: range %llu+%llu is outside the file (%llu bytes)", r->name,
            (unsigned long long)off, (unsigned long long)len, (unsigned long long)r->size);
    r->bytes_read += len;
    if (!r->store) {
        if (ko_buf_append(out, r->mem + off, (size_t)len) != KO_OK)
            return ko_err_set(err, KO_ERR_NOMEM, "%s: out of memory", r->name);
        return KO_OK;
    }
    return ko_store_get_range(r->store, r->key, off, len, out, err);
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Prefixes err with "<file>: column <path> (row group N, page P)". */
static ko_status chunk_fail(chunk_ctx *c, ko_status st)
{
    const ko_pq_leaf *lf = &c->r->schema.leaves[c->leaf];
    if (c->page >= 0)
        ko_err_prefix(c->err, "%s: column %s, row group %u, page %d", c->r->name, lf->path, c->rg,
                      c->page);
    else
        ko_err_prefix(c->err, "%s: column %s, row group %u", c->r->name, lf->path, c->rg);
    return st;
}

static ko_status corrupt(chunk_ctx *c, const char *msg)
{
    ko_err_set(c->err, KO_ERR_CORRUPT, "%s", msg);
    return chunk_fail(c, KO_ERR_CORRUPT);
}

/* ---------------------------------------------------------------- open */

static ko_status check_meta(ko_pq_reader *r, ko_err *err)
{
    const ko_pq_file_meta *m = &r->meta;
    if (m->encrypted)
        return ko_err_set(err, KO_ERR_UNSUPPORTED, "%s: encrypted Parquet is not supported",
                          r->name);
    if (m->num_rows < 0)
        return ko_err_set(err, KO_ERR_CORRUPT, "%s: negative row count", r->name);
    ko_status st = ko_pq_schema_build(m->schema, m->n_schema, &r->arena, &r->schema, err);
    if (st != KO_OK)
        return ko_err_prefix(err, "%s", r->name), st;
    for (uint32_t i = 0; i < m->n_row_groups; i++) {
        if (m->row_groups[i].n_columns != r->schema.n_leaves)
            return ko_err_set(err, KO_ERR_CORRUPT,
                              "%s: row group %u has %u columns but the schema has %u", r->name, i,
                              m->row_groups[i].n_columns, r->schema.n_leaves);
        if (m->row_groups[i].num_rows < 0)
            return ko_err_set(err, KO_ERR_CORRUPT, "%s: row group %u has a negative row count",
                              r->name, i);
    }
    return KO_OK;
}

static ko_status parse_footer(ko_pq_reader *r, ko_err *err)
{
    if (r->size < 12)
        return ko_err_set(err, KO_ERR_CORRUPT, "%s: %llu bytes is too small to be a Parquet file",
                          r->name, (unsigned long long)r->size);
    ko_buf tail = {0};
    uint64_t want = r->size < TAIL_READ ? r->size : TAIL_READ;
    ko_status st = read_range(r, r->size - want, want, &tail, err);
    if (st != KO_OK)
        return ko_buf_free(&tail), st;
    const uint8_t *end = tail.data + tail.len;
    if (memcmp(end - 4, "PARE", 4) == 0)
        st = ko_err_set(err, KO_ERR_UNSUPPORTED, "%s: encrypted Parquet is not supported", r->name);
    else if (memcmp(end - 4, "PAR1", 4) != 0)
        st =
            ko_err_set(err, KO_ERR_CORRUPT, "%s: not a Parquet file (no PAR1 at the end)", r->name);
    else if (want == r->size && memcmp(tail.data, "PAR1", 4) != 0)
        st = ko_err_set(err, KO_ERR_CORRUPT, "%s: not a Parquet file (no PAR1 at the start)",
                        r->name);
    uint64_t footer_len = le32(end - 8);
    if (st == KO_OK && footer_len > r->size - 12)
        st = ko_err_set(err, KO_ERR_CORRUPT, "%s: footer length %llu exceeds the file size",
                        r->name, (unsigned long long)footer_len);
    const uint8_t *footer = end - 8 - footer_len;
    if (st == KO_OK && footer_len + 8 > tail.len) {
        ko_buf_reset(&tail);
        st = read_range(r, r->size - 8 - footer_len, footer_len, &tail, err);
        footer = tail.data;
    }
    if (st == KO_OK)
        st = ko_pq_decode_file_meta(footer, footer_len, &r->arena, &r->meta, err);
    if (st != KO_OK && err && !strstr(err->msg, r->name))
        ko_err_prefix(err, "%s: footer", r->name);
    ko_buf_free(&tail);
    return st == KO_OK ? check_meta(r, err) : st;
}

static ko_status reader_new(const char *name, ko_pq_reader **out, ko_err *err)
{
    ko_pq_reader *r = calloc(1, sizeof *r);
    if (!r || !(r->name = strdup(name))) {
        free(r);
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory opening %s", name);
    }
    *out = r;
    return KO_OK;
}

static ko_status finish_open(ko_pq_reader *r, ko_pq_reader **out, ko_err *err)
{
    ko_status st = parse_footer(r, err);
    if (st != KO_OK) {
        ko_pq_reader_close(r);
        return st;
    }
    *out = r;
    return KO_OK;
}

ko_status ko_pq_reader_open(ko_store *store, const char *key, ko_pq_reader **out, ko_err *err)
{
    *out = NULL;
    char name[KO_STORE_KEY_MAX + 512];
    snprintf(name, sizeof name, "%s/%s", ko_store_uri(store), key);
    ko_pq_reader *r = NULL;
    ko_status st = reader_new(name, &r, err);
    if (st != KO_OK)
        return st;
    r->store = store;
    r->key = strdup(key);
    ko_obj_info info;
    if (!r->key)
        st = ko_err_set(err, KO_ERR_NOMEM, "out of memory opening %s", name);
    else
        st = ko_store_head(store, key, &info, err);
    if (st != KO_OK) {
        ko_pq_reader_close(r);
        return st;
    }
    r->size = info.size;
    return finish_open(r, out, err);
}

ko_status ko_pq_reader_open_memory(const uint8_t *data, size_t len, const char *name,
                                   ko_pq_reader **out, ko_err *err)
{
    *out = NULL;
    ko_pq_reader *r = NULL;
    ko_status st = reader_new(name ? name : "(memory)", &r, err);
    if (st != KO_OK)
        return st;
    r->mem = data;
    r->size = len;
    return finish_open(r, out, err);
}

void ko_pq_reader_close(ko_pq_reader *r)
{
    if (!r)
        return;
    ko_arena_free(&r->arena);
    free(r->key);
    free(r->name);
    free(r);
}

const ko_pq_file_meta *ko_pq_reader_meta(const ko_pq_reader *r)
{
    return &r->meta;
}

const ko_pq_schema *ko_pq_reader_schema(const ko_pq_reader *r)
{
    return &r->schema;
}

uint64_t ko_pq_reader_bytes_read(const ko_pq_reader *r)
{
    return r->bytes_read;
}

uint64_t ko_pq_reader_file_size(const ko_pq_reader *r)
{
    return r->size;
}

/* --------------------------------------------------------------- values */

/* Appends n fixed-width values of the column's width from PLAIN bytes. */
static ko_status plain_fixed(chunk_ctx *c, const uint8_t *in, size_t len, size_t n)
{
    ko_pq_column *col = c->col;
    if (col->type == KO_PQ_BOOLEAN) {
        if (ko_buf_reserve(&col->values, n) != KO_OK)
            return ko_err_set(c->err, KO_ERR_NOMEM, "out of memory");
        ko_status st =
            ko_pq_plain_decode_bool(in, len, col->values.data + col->values.len, n, NULL, c->err);
        if (st == KO_OK)
            col->values.len += n;
        return st;
    }
    if (n > len / c->width)
        return ko_err_set(c->err, KO_ERR_CORRUPT, "PLAIN values need %zu bytes, the page has %zu",
                          n * c->width, len);
    if (ko_buf_append(&col->values, in, n * c->width) != KO_OK)
        return ko_err_set(c->err, KO_ERR_NOMEM, "out of memory");
    return KO_OK;
}

/* Rebases end offsets appended by a byte-array decoder: decoders write
 * offsets relative to the data buffer they were given. */
static ko_status decode_bytes(chunk_ctx *c, ko_pq_encoding enc, const uint8_t *in, size_t len,
                              size_t n)
{
    ko_pq_column *col = c->col;
    switch (enc) {
    case KO_PQ_ENC_PLAIN:
        return ko_pq_plain_decode_bytes(in, len, n, &col->offsets, &col->values, NULL, c->err);
    case KO_PQ_ENC_DELTA_LENGTH_BYTE_ARRAY:
        return ko_pq_delta_length_decode(in, len, n, &col->offsets, &col->values, c->err);
    case KO_PQ_ENC_DELTA_BYTE_ARRAY:
        return ko_pq_delta_byte_array_decode(in, len, n, &col->offsets, &col->values, c->err);
    default:
        return ko_err_set(c->err, KO_ERR_UNSUPPORTED, "encoding %s is not valid for BYTE_ARRAY",
                          ko_pq_encoding_name(enc));
    }
}

/* DELTA_BYTE_ARRAY on FIXED_LEN_BYTE_ARRAY: decode as strings, then check
 * every length and pack them. */
static ko_status delta_fixed(chunk_ctx *c, const uint8_t *in, size_t len, size_t n)
{
    ko_buf offs = {0}, data = {0};
    int64_t zero = 0;
    ko_status st = ko_buf_append(&offs, &zero, sizeof zero) == KO_OK
                       ? ko_pq_delta_byte_array_decode(in, len, n, &offs, &data, c->err)
                       : ko_err_set(c->err, KO_ERR_NOMEM, "out of memory");
    if (st == KO_OK && data.len != n * c->width)
        st = ko_err_set(c->err, KO_ERR_CORRUPT,
                        "DELTA_BYTE_ARRAY values are not all %zu bytes long", c->width);
    if (st == KO_OK && ko_buf_append(&c->col->values, data.data, data.len) != KO_OK)
        st = ko_err_set(c->err, KO_ERR_NOMEM, "out of memory");
    ko_buf_free(&offs);
    ko_buf_free(&data);
    return st;
}

static ko_status delta_ints(chunk_ctx *c, const uint8_t *in, size_t len, size_t n)
{
    ko_pq_column *col = c->col;
    if (ko_buf_reserve(&col->values, n * c->width) != KO_OK)
        return ko_err_set(c->err, KO_ERR_NOMEM, "out of memory");
    void *dst = col->values.data + col->values.len;
    ko_status st = c->width == 4 ? ko_pq_delta_decode_i32(in, len, dst, n, NULL, c->err)
                                 : ko_pq_delta_decode_i64(in, len, dst, n, NULL, c->err);
    if (st == KO_OK)
        col->values.len += n * c->width;
    return st;
}

static ko_status bss_values(chunk_ctx *c, const uint8_t *in, size_t len, size_t n)
{
    ko_pq_column *col = c->col;
    if (ko_buf_reserve(&col->values, n * c->width) != KO_OK)
        return ko_err_set(c->err, KO_ERR_NOMEM, "out of memory");
    ko_status st =
        ko_pq_bss_decode(in, len, c->width, n, col->values.data + col->values.len, c->err);
    if (st == KO_OK)
        col->values.len += n * c->width;
    return st;
}

/* BOOLEAN with RLE: 4-byte length, then the hybrid encoding at width 1. */
static ko_status rle_bools(chunk_ctx *c, const uint8_t *in, size_t len, size_t n)
{
    if (len < 4 || le32(in) > len - 4)
        return ko_err_set(c->err, KO_ERR_CORRUPT, "RLE boolean length prefix is invalid");
    ko_buf *idx = &c->idx;
    ko_buf_reset(idx);
    if (ko_buf_reserve(idx, n * sizeof(uint32_t)) != KO_OK ||
        ko_buf_reserve(&c->col->values, n) != KO_OK)
        return ko_err_set(c->err, KO_ERR_NOMEM, "out of memory");
    uint32_t *v = (uint32_t *)idx->data;
    ko_status st = ko_pq_rle_decode_u32(in + 4, le32(in), 1, v, n, NULL, c->err);
    uint8_t *dst = c->col->values.data + c->col->values.len;
    for (size_t i = 0; st == KO_OK && i < n; i++)
        dst[i] = (uint8_t)v[i];
    if (st == KO_OK)
        c->col->values.len += n;
    return st;
}

static ko_status gather_fixed(chunk_ctx *c, const uint32_t *idx, size_t n)
{
    ko_pq_column *col = c->col;
    size_t w = c->width;
    if (ko_buf_reserve(&col->values, n * w) != KO_OK)
        return ko_err_set(c->err, KO_ERR_NOMEM, "out of memory");
    uint8_t *dst = col->values.data + col->values.len;
    const uint8_t *dict = c->dict_values.data;
    if (w == 4) {
        for (size_t i = 0; i < n; i++)
            memcpy(dst + i * 4, dict + (size_t)idx[i] * 4, 4);
    } else if (w == 8) {
        for (size_t i = 0; i < n; i++)
            memcpy(dst + i * 8, dict + (size_t)idx[i] * 8, 8);
    } else {
        for (size_t i = 0; i < n; i++)
            memcpy(dst + i * w, dict + (size_t)idx[i] * w, w);
    }
    col->values.len += n * w;
    return KO_OK;
}

/* Bytes of slack kept after the dictionary's strings and the column's
 * values, so that short strings are copied with one fixed-size move. */
enum { COPY_SLACK = 16 };

static ko_status gather_bytes(chunk_ctx *c, const uint32_t *idx, size_t n)
{
    ko_pq_column *col = c->col;
    const int64_t *doff = (const int64_t *)c->dict_offsets.data;
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += (size_t)(doff[idx[i] + 1] - doff[idx[i]]);
    if (ko_buf_reserve(&col->values, total + COPY_SLACK) != KO_OK ||
        ko_buf_reserve(&col->offsets, n * sizeof(int64_t)) != KO_OK)
        return ko_err_set(c->err, KO_ERR_NOMEM, "out of memory");
    uint8_t *dst = col->values.data;
    const uint8_t *src = c->dict_values.data; /* COPY_SLACK readable past its end */
    int64_t *off = (int64_t *)(col->offsets.data + col->offsets.len);
    int64_t pos = (int64_t)col->values.len;
    for (size_t i = 0; i < n; i++) {
        int64_t s = doff[idx[i]], l = doff[idx[i] + 1] - s;
        if (l <= COPY_SLACK)
            memcpy(dst + pos, src + s, COPY_SLACK);
        else
            memcpy(dst + pos, src + s, (size_t)l);
        pos += l;
        off[i] = pos;
    }
    col->values.len = (size_t)pos;
    col->values.data[pos] = '\0'; /* keep ko_buf's terminator */
    col->offsets.len += n * sizeof(int64_t);
    return KO_OK;
}

static ko_status dict_values(chunk_ctx *c, const uint8_t *in, size_t len, size_t n)
{
    if (!c->has_dict)
        return ko_err_set(c->err, KO_ERR_CORRUPT, "dictionary-encoded page without a dictionary");
    if (n == 0)
        return KO_OK;
    if (len < 1 || in[0] > 32)
        return ko_err_set(c->err, KO_ERR_CORRUPT, "invalid dictionary index bit width");
    ko_buf_reset(&c->idx);
    if (ko_buf_reserve(&c->idx, n * sizeof(uint32_t)) != KO_OK)
        return ko_err_set(c->err, KO_ERR_NOMEM, "out of memory");
    uint32_t *idx = (uint32_t *)c->idx.data;
    ko_status st = ko_pq_rle_decode_u32(in + 1, len - 1, in[0], idx, n, NULL, c->err);
    if (st != KO_OK)
        return st;
    uint32_t bad = 0, lim = (uint32_t)c->dict_n; /* at most INT32_MAX entries */
    for (size_t i = 0; i < n; i++)
        bad |= (uint32_t)(idx[i] >= lim);
    if (bad)
        return ko_err_set(c->err, KO_ERR_CORRUPT, "dictionary index out of range (%zu entries)",
                          c->dict_n);
    if (c->codes)
        return ko_buf_append(&c->col->values, idx, n * sizeof(uint32_t)) == KO_OK
                   ? KO_OK
                   : ko_err_set(c->err, KO_ERR_NOMEM, "out of memory");
    return c->width ? gather_fixed(c, idx, n) : gather_bytes(c, idx, n);
}

/* Decodes n non-null values of the page's encoding, appending to the column. */
static ko_status decode_values(chunk_ctx *c, ko_pq_encoding enc, const uint8_t *in, size_t len,
                               size_t n)
{
    ko_pq_type t = c->col->type;
    if (enc == KO_PQ_ENC_PLAIN_DICTIONARY || enc == KO_PQ_ENC_RLE_DICTIONARY)
        return dict_values(c, in, len, n);
    if (c->codes)
        return ko_err_set(c->err, KO_ERR_UNSUPPORTED, "page %d is not dictionary-encoded", c->page);
    if (t == KO_PQ_BYTE_ARRAY)
        return decode_bytes(c, enc, in, len, n);
    switch (enc) {
    case KO_PQ_ENC_PLAIN:
        return plain_fixed(c, in, len, n);
    case KO_PQ_ENC_DELTA_BINARY_PACKED:
        if (t == KO_PQ_INT32 || t == KO_PQ_INT64)
            return delta_ints(c, in, len, n);
        break;
    case KO_PQ_ENC_BYTE_STREAM_SPLIT:
        if (t != KO_PQ_BOOLEAN && t != KO_PQ_INT96)
            return bss_values(c, in, len, n);
        break;
    case KO_PQ_ENC_RLE:
        if (t == KO_PQ_BOOLEAN)
            return rle_bools(c, in, len, n);
        break;
    case KO_PQ_ENC_DELTA_BYTE_ARRAY:
        if (t == KO_PQ_FIXED_LEN_BYTE_ARRAY)
            return delta_fixed(c, in, len, n);
        break;
    default:
        break;
    }
    return ko_err_set(c->err, KO_ERR_UNSUPPORTED, "encoding %s is not supported for %s",
                      ko_pq_encoding_name(enc), ko_pq_type_name(t));
}

/* ----------------------------------------------------------- dictionary */

static ko_status load_dictionary(chunk_ctx *c, const ko_pq_page_header *h, const uint8_t *data,
                                 size_t len)
{
    if (!h->has_dict || h->dict.num_values < 0)
        return ko_err_set(c->err, KO_ERR_CORRUPT, "dictionary page without a valid header");
    if (h->dict.encoding != KO_PQ_ENC_PLAIN && h->dict.encoding != KO_PQ_ENC_PLAIN_DICTIONARY)
        return ko_err_set(c->err, KO_ERR_UNSUPPORTED, "dictionary page encoding %s",
                          ko_pq_encoding_name(h->dict.encoding));
    size_t n = (size_t)h->dict.num_values;
    ko_buf_reset(&c->dict_values);
    ko_buf_reset(&c->dict_offsets);
    ko_status st;
    if (c->width == 0) {
        int64_t zero = 0;
        st = ko_buf_append(&c->dict_offsets, &zero, sizeof zero) == KO_OK
                 ? ko_pq_plain_decode_bytes(data, len, n, &c->dict_offsets, &c->dict_values, NULL,
                                            c->err)
                 : ko_err_set(c->err, KO_ERR_NOMEM, "out of memory");
    } else if (c->col->type == KO_PQ_BOOLEAN) {
        st = ko_err_set(c->err, KO_ERR_CORRUPT, "BOOLEAN columns cannot have a dictionary");
    } else if (n > len / c->width) {
        st = ko_err_set(c->err, KO_ERR_CORRUPT, "dictionary of %zu values needs %zu bytes, has %zu",
                        n, n * c->width, len);
    } else {
        st = ko_buf_append(&c->dict_values, data, n * c->width) == KO_OK
                 ? KO_OK
                 : ko_err_set(c->err, KO_ERR_NOMEM, "out of memory");
    }
    if (st == KO_OK && ko_buf_reserve(&c->dict_values, COPY_SLACK) != KO_OK)
        st = ko_err_set(c->err, KO_ERR_NOMEM, "out of memory");
    c->has_dict = st == KO_OK;
    c->dict_n = n;
    return st;
}

/* ----------------------------------------------------------------- pages */

/* Decodes levels at the start of a v1 page; returns bytes consumed. */
static ko_status levels_v1(chunk_ctx *c, ko_pq_encoding enc, int16_t max, const uint8_t *in,
                           size_t len, int16_t *out, size_t n, size_t *used)
{
    int bw = ko_pq_bit_width((uint64_t)max);
    if (enc == KO_PQ_ENC_BIT_PACKED) {
        size_t bytes = (n * (size_t)bw + 7) / 8;
        *used = bytes;
        return ko_pq_bitpacked_decode_i16(in, len, bw, out, n, NULL, c->err);
    }
    if (enc != KO_PQ_ENC_RLE)
        return ko_err_set(c->err, KO_ERR_UNSUPPORTED, "level encoding %s",
                          ko_pq_encoding_name(enc));
    if (len < 4 || le32(in) > len - 4)
        return ko_err_set(c->err, KO_ERR_CORRUPT, "level length prefix exceeds the page");
    *used = 4 + (size_t)le32(in);
    return ko_pq_rle_decode_i16(in + 4, le32(in), bw, out, n, NULL, c->err);
}

static ko_status check_levels(chunk_ctx *c, const int16_t *lv, size_t n, int16_t max,
                              const char *what)
{
    int16_t bad = 0;
    for (size_t i = 0; i < n; i++)
        bad |= (int16_t)(lv[i] > max || lv[i] < 0);
    if (bad)
        return ko_err_set(c->err, KO_ERR_CORRUPT, "%s level above the maximum %d", what, max);
    return KO_OK;
}

/* Makes room for n more levels in both level buffers; returns pointers. */
static ko_status grow_levels(chunk_ctx *c, size_t n, int16_t **def, int16_t **rep)
{
    ko_pq_column *col = c->col;
    *def = *rep = NULL;
    if ((col->max_def > 0 && ko_buf_reserve(&col->def, n * 2) != KO_OK) ||
        (col->max_rep > 0 && ko_buf_reserve(&col->rep, n * 2) != KO_OK))
        return ko_err_set(c->err, KO_ERR_NOMEM, "out of memory for %zu levels", n);
    if (col->max_def > 0)
        *def = (int16_t *)(col->def.data + col->def.len);
    if (col->max_rep > 0)
        *rep = (int16_t *)(col->rep.data + col->rep.len);
    return KO_OK;
}

static size_t count_present(const int16_t *def, size_t n, int16_t max)
{
    if (!def)
        return n;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += def[i] == max;
    return k;
}

/* After levels and values of a page decoded: commit the counts. */
static ko_status finish_page(chunk_ctx *c, ko_pq_encoding enc, const uint8_t *vals, size_t vlen,
                             size_t n, const int16_t *def, const int16_t *rep)
{
    ko_pq_column *col = c->col;
    if (rep && n > 0 && col->n == 0 && rep[0] != 0)
        return ko_err_set(c->err, KO_ERR_CORRUPT, "first repetition level is not 0");
    size_t present = count_present(def, n, col->max_def);
    ko_status st = decode_values(c, enc, vals, vlen, present);
    if (st != KO_OK)
        return st;
    col->def.len += def ? n * 2 : 0;
    col->rep.len += rep ? n * 2 : 0;
    col->n += n;
    col->n_values += present;
    return KO_OK;
}

static ko_status decompress_into(chunk_ctx *c, const uint8_t *in, size_t in_len, size_t out_len,
                                 ko_pq_codec codec)
{
    ko_buf_reset(&c->page_buf);
    if (out_len > (in_len + 1024) * (size_t)MAX_PAGE_RATIO)
        return ko_err_set(c->err, KO_ERR_CORRUPT,
                          "uncompressed size %zu is implausible for %zu compressed bytes", out_len,
                          in_len);
    if (ko_buf_reserve(&c->page_buf, out_len) != KO_OK)
        return ko_err_set(c->err, KO_ERR_NOMEM, "out of memory for a %zu-byte page", out_len);
    ko_status st = ko_pq_decompress(codec, in, in_len, c->page_buf.data, out_len, c->err);
    if (st == KO_OK)
        c->page_buf.len = out_len;
    return st;
}

static ko_status data_page_v1(chunk_ctx *c, const ko_pq_page_header *h, const uint8_t *raw,
                              size_t raw_len)
{
    if (!h->has_data || h->data.num_values < 0)
        return ko_err_set(c->err, KO_ERR_CORRUPT, "data page without a valid header");
    ko_status st =
        decompress_into(c, raw, raw_len, (size_t)h->uncompressed_page_size, c->meta->codec);
    if (st != KO_OK)
        return st;
    size_t n = (size_t)h->data.num_values, pos = 0, used = 0;
    const uint8_t *p = c->page_buf.data;
    size_t len = c->page_buf.len;
    int16_t *def, *rep;
    st = grow_levels(c, n, &def, &rep);
    if (st == KO_OK && rep) {
        st = levels_v1(c, h->data.rep_encoding, c->col->max_rep, p, len, rep, n, &used);
        pos += used;
        if (st == KO_OK)
            st = check_levels(c, rep, n, c->col->max_rep, "repetition");
    }
    if (st == KO_OK && def) {
        st = levels_v1(c, h->data.def_encoding, c->col->max_def, p + pos, len - pos, def, n, &used);
        pos += used;
        if (st == KO_OK)
            st = check_levels(c, def, n, c->col->max_def, "definition");
    }
    if (st == KO_OK && pos > len)
        st = ko_err_set(c->err, KO_ERR_CORRUPT, "levels run past the end of the page");
    if (st != KO_OK)
        return st;
    return finish_page(c, h->data.encoding, p + pos, len - pos, n, def, rep);
}

static ko_status levels_v2(chunk_ctx *c, const uint8_t *in, size_t len, int16_t max, int16_t *out,
                           size_t n, const char *what)
{
    if (!out)
        return len == 0
                   ? KO_OK
                   : ko_err_set(c->err, KO_ERR_CORRUPT, "%s levels in a column without them", what);
    ko_status st =
        ko_pq_rle_decode_i16(in, len, ko_pq_bit_width((uint64_t)max), out, n, NULL, c->err);
    return st == KO_OK ? check_levels(c, out, n, max, what) : st;
}

static ko_status data_page_v2(chunk_ctx *c, const ko_pq_page_header *h, const uint8_t *raw,
                              size_t raw_len)
{
    const ko_pq_data_page_header_v2 *v2 = &h->data_v2;
    if (!h->has_data_v2 || v2->num_values < 0 || v2->rep_levels_byte_length < 0 ||
        v2->def_levels_byte_length < 0)
        return ko_err_set(c->err, KO_ERR_CORRUPT, "data page v2 without a valid header");
    size_t rl = (size_t)v2->rep_levels_byte_length, dl = (size_t)v2->def_levels_byte_length;
    if (rl > raw_len || dl > raw_len - rl || rl + dl > (size_t)h->uncompressed_page_size)
        return ko_err_set(c->err, KO_ERR_CORRUPT, "level lengths exceed the page");
    size_t n = (size_t)v2->num_values;
    int16_t *def, *rep;
    ko_status st = grow_levels(c, n, &def, &rep);
    if (st == KO_OK)
        st = levels_v2(c, raw, rl, c->col->max_rep, rep, n, "repetition");
    if (st == KO_OK)
        st = levels_v2(c, raw + rl, dl, c->col->max_def, def, n, "definition");
    if (st != KO_OK)
        return st;
    const uint8_t *vals = raw + rl + dl;
    size_t vlen = raw_len - rl - dl;
    size_t out_len = (size_t)h->uncompressed_page_size - rl - dl;
    if (v2->is_compressed && c->meta->codec != KO_PQ_UNCOMPRESSED) {
        st = vlen == 0 && out_len == 0 ? (ko_buf_reset(&c->page_buf), KO_OK)
                                       : decompress_into(c, vals, vlen, out_len, c->meta->codec);
        vals = c->page_buf.data;
        vlen = c->page_buf.len;
    }
    if (st != KO_OK)
        return st;
    return finish_page(c, v2->encoding, vals, vlen, n, def, rep);
}

static ko_status decode_page(chunk_ctx *c, const ko_pq_page_header *h, const uint8_t *raw,
                             size_t len)
{
    if (h->has_crc && ko_pq_crc32(raw, len) != h->crc)
        return ko_err_set(c->err, KO_ERR_CORRUPT, "page checksum (CRC-32) mismatch");
    switch (h->type) {
    case KO_PQ_DICTIONARY_PAGE: {
        if (c->col->n > 0)
            return ko_err_set(c->err, KO_ERR_CORRUPT, "dictionary page after data pages");
        ko_status st =
            decompress_into(c, raw, len, (size_t)h->uncompressed_page_size, c->meta->codec);
        return st == KO_OK ? load_dictionary(c, h, c->page_buf.data, c->page_buf.len) : st;
    }
    case KO_PQ_DATA_PAGE:
        return data_page_v1(c, h, raw, len);
    case KO_PQ_DATA_PAGE_V2:
        return data_page_v2(c, h, raw, len);
    default:
        return KO_OK; /* index pages and unknown page types are skipped */
    }
}

static ko_status decode_pages(chunk_ctx *c, const uint8_t *buf, size_t len)
{
    size_t pos = 0;
    int64_t want = c->meta->num_values;
    ko_arena hdr_arena = {.chunk_size = 4096};
    ko_status st = KO_OK;
    for (c->page = 0; st == KO_OK && pos < len && (int64_t)c->col->n < want; c->page++) {
        ko_pq_page_header h;
        size_t used = 0;
        st = ko_pq_decode_page_header(buf + pos, len - pos, &hdr_arena, &h, &used, c->err);
        if (st != KO_OK)
            break;
        pos += used;
        if (h.compressed_page_size < 0 || h.uncompressed_page_size < 0 ||
            (size_t)h.compressed_page_size > len - pos) {
            st = ko_err_set(c->err, KO_ERR_CORRUPT,
                            "page size %d exceeds the column chunk (%zu bytes left)",
                            h.compressed_page_size, len - pos);
            break;
        }
        st = decode_page(c, &h, buf + pos, (size_t)h.compressed_page_size);
        pos += (size_t)h.compressed_page_size;
        ko_arena_free(&hdr_arena);
    }
    ko_arena_free(&hdr_arena);
    if (st != KO_OK)
        return chunk_fail(c, st);
    c->page = -1;
    if ((int64_t)c->col->n != want) {
        ko_err_set(c->err, KO_ERR_CORRUPT, "column chunk declares %lld values, its pages hold %zu",
                   (long long)want, c->col->n);
        return chunk_fail(c, KO_ERR_CORRUPT);
    }
    return KO_OK;
}

/* ----------------------------------------------------------- the chunk */

/* parquet-mr before 1.2.9 (PARQUET-816) left the dictionary page header out
 * of total_compressed_size; like other readers, read up to this many extra
 * bytes for files from such writers (or from parquet-mr with no version). */
enum { PARQUET_816_PADDING = 100 };

static bool old_parquet_mr(const char *created_by)
{
    if (!created_by || strncmp(created_by, "parquet-mr", 10) != 0)
        return false;
    const char *v = strstr(created_by, "version ");
    if (!v)
        return true;
    char *end = NULL;
    long major = strtol(v + 8, &end, 10);
    long minor = *end == '.' ? strtol(end + 1, &end, 10) : 0;
    long patch = *end == '.' ? strtol(end + 1, &end, 10) : 0;
    return major < 1 || (major == 1 && (minor < 2 || (minor == 2 && patch < 9)));
}

static ko_status chunk_range(chunk_ctx *c, uint64_t *start, uint64_t *len)
{
    const ko_pq_column_meta *m = c->meta;
    int64_t s = m->data_page_offset;
    /* The chunk starts at its dictionary page if it has one.  Some writers
     * put 0 in one of the two offsets: ignore offsets inside the magic. */
    if (m->has_dictionary_page_offset && m->dictionary_page_offset >= 4 &&
        (m->dictionary_page_offset < s || s < 4))
        s = m->dictionary_page_offset;
    if (s < 4 || m->total_compressed_size < 0 ||
        (uint64_t)s + (uint64_t)m->total_compressed_size > c->r->size)
        return corrupt(c, "column chunk lies outside the file");
    *start = (uint64_t)s;
    *len = (uint64_t)m->total_compressed_size;
    if (old_parquet_mr(c->r->meta.created_by)) {
        uint64_t room = c->r->size - *start - *len;
        *len += room < PARQUET_816_PADDING ? room : PARQUET_816_PADDING;
    }
    return KO_OK;
}

static ko_status check_chunk(chunk_ctx *c, const ko_pq_column_chunk *cc)
{
    const ko_pq_leaf *lf = &c->r->schema.leaves[c->leaf];
    if (cc->encrypted) {
        ko_err_set(c->err, KO_ERR_UNSUPPORTED, "encrypted Parquet is not supported");
        return chunk_fail(c, KO_ERR_UNSUPPORTED);
    }
    if (!cc->has_meta_data)
        return corrupt(c, "column chunk has no metadata");
    if (cc->file_path) {
        ko_err_set(c->err, KO_ERR_UNSUPPORTED, "column chunk in another file (%s)", cc->file_path);
        return chunk_fail(c, KO_ERR_UNSUPPORTED);
    }
    if (cc->meta.type != lf->type)
        return corrupt(c, "column chunk type differs from the schema");
    if (cc->meta.num_values < 0)
        return corrupt(c, "negative value count");
    return KO_OK;
}

static void ctx_free(chunk_ctx *c)
{
    ko_buf_free(&c->dict_values);
    ko_buf_free(&c->dict_offsets);
    ko_buf_free(&c->page_buf);
    ko_buf_free(&c->idx);
}

/* Empties col, (re)initialising it first when it was set up for another
 * kind of leaf. */
static ko_status col_prepare(ko_pq_column *col, const ko_pq_leaf *lf)
{
    if (col->type != lf->type || col->max_def != lf->max_def || col->max_rep != lf->max_rep ||
        col->type_length != lf->type_length ||
        (lf->type == KO_PQ_BYTE_ARRAY && !col->offsets.len)) {
        ko_pq_column_free(col);
        if (ko_pq_column_init(col, lf) != KO_OK)
            return KO_ERR_NOMEM;
    }
    ko_pq_column_reset(col);
    return KO_OK;
}

/* The leaf as the column it is decoded into: in codes mode an INT32
 * column of dictionary codes. */
static ko_pq_leaf leaf_as(const ko_pq_leaf *lf, bool codes)
{
    ko_pq_leaf l = *lf;
    if (codes) {
        l.type = KO_PQ_INT32;
        l.type_length = 0;
    }
    return l;
}

/* Checks the arguments, (re)initialises col for the leaf (for its codes
 * when `codes`) and sets up c. */
static ko_status ctx_setup_as(chunk_ctx *c, ko_pq_reader *r, uint32_t rg, uint32_t leaf,
                              ko_pq_column *col, bool codes, ko_err *err)
{
    if (rg >= r->meta.n_row_groups || leaf >= r->schema.n_leaves)
        return ko_err_set(err, KO_ERR_INVALID, "%s: no row group %u column %u", r->name, rg, leaf);
    const ko_pq_leaf *lf = &r->schema.leaves[leaf];
    ko_pq_leaf as = leaf_as(lf, codes);
    if (col_prepare(col, &as) != KO_OK)
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory");
    const ko_pq_column_chunk *cc = &r->meta.row_groups[rg].columns[leaf];
    *c = (chunk_ctx){.r = r,
                     .rg = rg,
                     .leaf = leaf,
                     .meta = &cc->meta,
                     .col = col,
                     .page = -1,
                     .width = ko_pq_value_width(lf->type, lf->type_length),
                     .codes = codes,
                     .err = err};
    return check_chunk(c, cc);
}

static ko_status ctx_setup(chunk_ctx *c, ko_pq_reader *r, uint32_t rg, uint32_t leaf,
                           ko_pq_column *col, ko_err *err)
{
    return ctx_setup_as(c, r, rg, leaf, col, false, err);
}

ko_status ko_pq_read_column_chunk(ko_pq_reader *r, uint32_t rg, uint32_t leaf, ko_pq_column *col,
                                  ko_err *err)
{
    chunk_ctx c;
    ko_status st = ctx_setup(&c, r, rg, leaf, col, err);
    if (st != KO_OK)
        return st;
    if (c.meta->num_values == 0)
        return ctx_free(&c), KO_OK; /* nothing to read */
    uint64_t start = 0, len = 0;
    st = chunk_range(&c, &start, &len);
    ko_buf raw = {0};
    if (st == KO_OK)
        st = read_range(r, start, len, &raw, err);
    if (st == KO_OK)
        st = decode_pages(&c, raw.data, raw.len);
    ko_buf_free(&raw);
    ctx_free(&c);
    if (st != KO_OK)
        ko_pq_column_reset(col);
    return st;
}

/* ------------------------------------------------------------ page index */

static ko_status read_index(ko_pq_reader *r, int64_t off, int32_t len, ko_buf *buf, ko_err *err)
{
    if (off < 4 || len <= 0)
        return ko_err_set(err, KO_ERR_CORRUPT, "%s: page index at %lld+%d is invalid", r->name,
                          (long long)off, len);
    ko_buf_reset(buf);
    return read_range(r, (uint64_t)off, (uint64_t)len, buf, err);
}

ko_status ko_pq_read_page_index(ko_pq_reader *r, uint32_t rg, uint32_t leaf, ko_arena *arena,
                                ko_pq_column_index *ci, bool *has_ci, ko_pq_offset_index *oi,
                                bool *has_oi, ko_err *err)
{
    *has_ci = *has_oi = false;
    if (rg >= r->meta.n_row_groups || leaf >= r->schema.n_leaves)
        return ko_err_set(err, KO_ERR_INVALID, "%s: no row group %u column %u", r->name, rg, leaf);
    const ko_pq_column_chunk *cc = &r->meta.row_groups[rg].columns[leaf];
    ko_buf buf = {0};
    ko_status st = KO_OK;
    if (cc->has_column_index) {
        st = read_index(r, cc->column_index_offset, cc->column_index_length, &buf, err);
        if (st == KO_OK)
            st = ko_pq_decode_column_index(buf.data, buf.len, arena, ci, err);
        *has_ci = st == KO_OK;
    }
    if (st == KO_OK && cc->has_offset_index) {
        st = read_index(r, cc->offset_index_offset, cc->offset_index_length, &buf, err);
        if (st == KO_OK)
            st = ko_pq_decode_offset_index(buf.data, buf.len, arena, oi, err);
        *has_oi = st == KO_OK;
    }
    ko_buf_free(&buf);
    if (st != KO_OK)
        ko_err_prefix(err, "%s: column %s, row group %u", r->name, r->schema.leaves[leaf].path, rg);
    return st;
}

/* ------------------------------------------------------- slices of columns */

static size_t values_in(const ko_pq_column *c, size_t e0, size_t e1)
{
    if (c->max_def == 0)
        return e1 - e0;
    return count_present((const int16_t *)c->def.data + e0, e1 - e0, c->max_def);
}

static ko_status append_value_slice(ko_pq_column *dst, const ko_pq_column *src, size_t v0,
                                    size_t nv)
{
    if (src->type != KO_PQ_BYTE_ARRAY) {
        size_t w = ko_pq_value_width(src->type, src->type_length);
        return ko_buf_append(&dst->values, src->values.data + v0 * w, nv * w);
    }
    const int64_t *so = (const int64_t *)src->offsets.data;
    int64_t shift = (int64_t)dst->values.len - so[v0];
    if (ko_buf_append(&dst->values, src->values.data + so[v0], (size_t)(so[v0 + nv] - so[v0])) !=
            KO_OK ||
        ko_buf_reserve(&dst->offsets, nv * sizeof(int64_t)) != KO_OK)
        return KO_ERR_NOMEM;
    int64_t *d = (int64_t *)(dst->offsets.data + dst->offsets.len);
    for (size_t k = 0; k < nv; k++)
        d[k] = so[v0 + 1 + k] + shift;
    dst->offsets.len += nv * sizeof(int64_t);
    return KO_OK;
}

/* Appends entries [e0, e1) of src, whose first value is value v0, to dst;
 * returns the number of values in *nv. */
static ko_status append_entries(ko_pq_column *dst, const ko_pq_column *src, size_t e0, size_t e1,
                                size_t v0, size_t *nv)
{
    *nv = values_in(src, e0, e1);
    if ((src->max_def > 0 &&
         ko_buf_append(&dst->def, src->def.data + e0 * 2, (e1 - e0) * 2) != KO_OK) ||
        (src->max_rep > 0 &&
         ko_buf_append(&dst->rep, src->rep.data + e0 * 2, (e1 - e0) * 2) != KO_OK) ||
        append_value_slice(dst, src, v0, *nv) != KO_OK)
        return KO_ERR_NOMEM;
    dst->n += e1 - e0;
    dst->n_values += *nv;
    return KO_OK;
}

/* Drops the first `by` bytes of b. */
static void buf_shift(ko_buf *b, size_t by)
{
    if (by == 0 || !b->data)
        return;
    memmove(b->data, b->data + by, b->len - by);
    b->len -= by;
}

/* Drops the first e entries (holding v values) of c, in place. */
static void drop_head(ko_pq_column *c, size_t e, size_t v)
{
    if (c->max_def > 0)
        buf_shift(&c->def, e * 2);
    if (c->max_rep > 0)
        buf_shift(&c->rep, e * 2);
    if (c->type == KO_PQ_BYTE_ARRAY) {
        int64_t *o = (int64_t *)c->offsets.data, base = o[v];
        buf_shift(&c->values, (size_t)base);
        for (size_t k = 0; k + v <= c->n_values; k++)
            o[k] = o[k + v] - base;
        c->offsets.len -= v * sizeof(int64_t);
    } else {
        buf_shift(&c->values, v * ko_pq_value_width(c->type, c->type_length));
    }
    c->n -= e;
    c->n_values -= v;
}

/* Walks the records of a column, keeping those whose row number (first +
 * index) is in the ranges. */
typedef struct trim {
    const ko_pq_row_range *rr;
    size_t n_rr, i;
} trim;

static bool row_wanted(trim *t, int64_t row)
{
    while (t->i < t->n_rr && t->rr[t->i].end <= row)
        t->i++;
    return t->i < t->n_rr && t->rr[t->i].start <= row;
}

/* Appends the records of src whose rows are wanted to dst. */
static ko_status append_rows(ko_pq_column *dst, const ko_pq_column *src, int64_t first, trim *t)
{
    const int16_t *rep = src->max_rep > 0 ? (const int16_t *)src->rep.data : NULL;
    const int16_t *def = src->max_def > 0 ? (const int16_t *)src->def.data : NULL;
    size_t v = 0, run_e = 0, run_v = 0, nv;
    int64_t row = first - 1;
    bool in = false;
    for (size_t e = 0; e < src->n; e++) {
        if (!rep || rep[e] == 0) {
            bool want = row_wanted(t, ++row);
            if (in && !want && append_entries(dst, src, run_e, e, run_v, &nv) != KO_OK)
                return KO_ERR_NOMEM;
            if (!in && want)
                run_e = e, run_v = v;
            in = want;
        }
        v += !def || def[e] == src->max_def;
    }
    if (in && append_entries(dst, src, run_e, src->n, run_v, &nv) != KO_OK)
        return KO_ERR_NOMEM;
    return KO_OK;
}

/* ------------------------------------------------------- reading by rows */

static bool page_overlaps(const ko_pq_offset_index *oi, uint32_t i, int64_t rows, trim *t)
{
    int64_t a = oi->pages[i].first_row_index;
    int64_t b = i + 1 < oi->n_pages ? oi->pages[i + 1].first_row_index : rows;
    size_t k = t->i;
    while (k < t->n_rr && t->rr[k].end <= a)
        k++;
    return k < t->n_rr && t->rr[k].start < b;
}

/* Decodes the pages (headers included) in buf[0, len) into c->col. */
static ko_status decode_span(chunk_ctx *c, const uint8_t *buf, size_t len, ko_arena *hdr)
{
    size_t pos = 0;
    ko_status st = KO_OK;
    while (st == KO_OK && pos < len) {
        ko_pq_page_header h;
        size_t used = 0;
        st = ko_pq_decode_page_header(buf + pos, len - pos, hdr, &h, &used, c->err);
        if (st != KO_OK)
            break;
        pos += used;
        if (h.compressed_page_size < 0 || h.uncompressed_page_size < 0 ||
            (size_t)h.compressed_page_size > len - pos)
            return ko_err_set(c->err, KO_ERR_CORRUPT, "page size %d exceeds its page location",
                              h.compressed_page_size);
        st = decode_page(c, &h, buf + pos, (size_t)h.compressed_page_size);
        pos += (size_t)h.compressed_page_size;
    }
    return st;
}

/* Reads bytes [off, off + len) of the file and decodes the pages there. */
static ko_status decode_at(chunk_ctx *c, int64_t off, int64_t len, ko_buf *raw, ko_arena *hdr)
{
    ko_buf_reset(raw);
    if (off < 0 || len < 0)
        return ko_err_set(c->err, KO_ERR_CORRUPT, "invalid page location");
    ko_status st = read_range(c->r, (uint64_t)off, (uint64_t)len, raw, c->err);
    return st == KO_OK ? decode_span(c, raw->data, raw->len, hdr) : st;
}

/* The dictionary page sits between the chunk start and the first data page. */
static ko_status rows_dictionary(chunk_ctx *c, const ko_pq_offset_index *oi, ko_buf *raw,
                                 ko_arena *hdr)
{
    uint64_t start = 0, len = 0;
    ko_status st = chunk_range(c, &start, &len);
    if (st != KO_OK || oi->pages[0].offset <= (int64_t)start)
        return st;
    st = decode_at(c, (int64_t)start, oi->pages[0].offset - (int64_t)start, raw, hdr);
    ko_pq_column_reset(c->col);
    return st;
}

static ko_status rows_by_pages(chunk_ctx *c, const ko_pq_offset_index *oi, ko_pq_column *out,
                               trim *t)
{
    ko_buf raw = {0};
    ko_arena hdr = {.chunk_size = 4096};
    int64_t rows = c->r->meta.row_groups[c->rg].num_rows;
    ko_status st = rows_dictionary(c, oi, &raw, &hdr);
    for (uint32_t i = 0; st == KO_OK && i < oi->n_pages; i++) {
        if (!page_overlaps(oi, i, rows, t))
            continue;
        c->page = (int)i;
        ko_pq_column_reset(c->col);
        st = decode_at(c, oi->pages[i].offset, oi->pages[i].compressed_page_size, &raw, &hdr);
        if (st == KO_OK && append_rows(out, c->col, oi->pages[i].first_row_index, t) != KO_OK)
            st = ko_err_set(c->err, KO_ERR_NOMEM, "out of memory");
        ko_arena_free(&hdr);
    }
    ko_arena_free(&hdr);
    ko_buf_free(&raw);
    return st == KO_OK || strstr(c->err->msg, c->r->name) ? st : chunk_fail(c, st);
}

static ko_status rows_whole_chunk(ko_pq_reader *r, uint32_t rg, uint32_t leaf, ko_pq_column *out,
                                  trim *t, ko_err *err)
{
    ko_pq_column tmp = {0};
    ko_status st = ko_pq_read_column_chunk(r, rg, leaf, &tmp, err);
    if (st == KO_OK && append_rows(out, &tmp, 0, t) != KO_OK)
        st = ko_err_set(err, KO_ERR_NOMEM, "out of memory");
    ko_pq_column_free(&tmp);
    return st;
}

ko_status ko_pq_read_column_rows(ko_pq_reader *r, uint32_t rg, uint32_t leaf,
                                 const ko_pq_row_range *ranges, size_t n_ranges, ko_pq_column *col,
                                 ko_err *err)
{
    ko_err local = {0};
    if (!err)
        err = &local;
    chunk_ctx c;
    ko_status st = ctx_setup(&c, r, rg, leaf, col, err);
    if (st != KO_OK || n_ranges == 0 || c.meta->num_values == 0)
        return st;
    trim t = {ranges, n_ranges, 0};
    ko_arena arena = {.chunk_size = 16384};
    ko_pq_column_index ci;
    ko_pq_offset_index oi;
    bool has_ci = false, has_oi = false;
    st = ko_pq_read_page_index(r, rg, leaf, &arena, &ci, &has_ci, &oi, &has_oi, err);
    ko_pq_column page = {0};
    if (st == KO_OK && has_oi && oi.n_pages > 0) {
        c.col = &page;
        st = ko_pq_column_init(&page, &r->schema.leaves[leaf]) == KO_OK
                 ? rows_by_pages(&c, &oi, col, &t)
                 : ko_err_set(err, KO_ERR_NOMEM, "out of memory");
    } else if (st == KO_OK) {
        st = rows_whole_chunk(r, rg, leaf, col, &t, err);
    }
    ko_pq_column_free(&page);
    ko_arena_free(&arena);
    ctx_free(&c);
    if (st != KO_OK)
        ko_pq_column_reset(col);
    return st;
}

/* ------------------------------------------------------------ chunk reader */

struct ko_pq_chunk_reader {
    chunk_ctx c;                /* its buffers (and dictionary) persist between calls */
    const ko_pq_reader *dict_r; /* the chunk whose dictionary c holds */
    uint32_t dict_rg, dict_leaf;
    bool dict_loaded;
    bool codes;        /* this call reads dictionary codes */
    ko_buf raw;        /* bytes fetched from the file */
    ko_pq_column page; /* a page only partly wanted */
    ko_arena hdr;      /* page headers */
};

ko_pq_chunk_reader *ko_pq_chunk_reader_new(void)
{
    ko_pq_chunk_reader *cr = calloc(1, sizeof *cr);
    if (cr)
        cr->hdr.chunk_size = 4096;
    return cr;
}

void ko_pq_chunk_reader_free(ko_pq_chunk_reader *cr)
{
    if (!cr)
        return;
    ctx_free(&cr->c);
    ko_buf_free(&cr->raw);
    ko_pq_column_free(&cr->page);
    ko_arena_free(&cr->hdr);
    free(cr);
}

/* Sets cr->c up for a chunk, keeping its buffers, and its dictionary when
 * the chunk is the one the dictionary came from.  (Readers are compared by
 * address: the caller keeps them open while it uses cr.) */
static ko_status cr_setup(ko_pq_chunk_reader *cr, ko_pq_reader *r, uint32_t rg, uint32_t leaf,
                          ko_pq_column *col, ko_err *err)
{
    chunk_ctx keep = cr->c;
    ko_status st = ctx_setup_as(&cr->c, r, rg, leaf, col, cr->codes, err);
    cr->c.dict_values = keep.dict_values;
    cr->c.dict_offsets = keep.dict_offsets;
    cr->c.page_buf = keep.page_buf;
    cr->c.idx = keep.idx;
    bool same = cr->dict_loaded && cr->dict_r == r && cr->dict_rg == rg && cr->dict_leaf == leaf;
    cr->c.has_dict = same && keep.has_dict;
    cr->c.dict_n = same ? keep.dict_n : 0;
    cr->dict_loaded = same;
    ko_pq_leaf as = leaf_as(&r->schema.leaves[leaf], cr->codes);
    if (st == KO_OK && col_prepare(&cr->page, &as) != KO_OK)
        st = ko_err_set(err, KO_ERR_NOMEM, "out of memory");
    return st;
}

/* Loads the dictionary page (between the chunk start and the first data
 * page) unless it is loaded already. */
static ko_status cr_dictionary(ko_pq_chunk_reader *cr, const ko_pq_offset_index *oi,
                               uint64_t *bytes)
{
    chunk_ctx *c = &cr->c;
    if (cr->dict_loaded)
        return KO_OK;
    uint64_t start = 0, len = 0;
    ko_status st = chunk_range(c, &start, &len);
    if (st == KO_OK && oi->pages[0].offset > (int64_t)start) {
        ko_pq_column *col = c->col;
        c->col = &cr->page;
        ko_pq_column_reset(&cr->page);
        st = decode_at(c, (int64_t)start, oi->pages[0].offset - (int64_t)start, &cr->raw, &cr->hdr);
        *bytes += cr->raw.len;
        ko_arena_free(&cr->hdr);
        ko_pq_column_reset(&cr->page);
        c->col = col;
    }
    if (st == KO_OK) {
        cr->dict_loaded = true;
        cr->dict_r = c->r;
        cr->dict_rg = c->rg;
        cr->dict_leaf = c->leaf;
    }
    return st;
}

/* Appends rows [start, end) of cr->page, whose first row is `first`, to dst. */
static ko_status cr_trim(ko_pq_chunk_reader *cr, ko_pq_column *dst, int64_t first, int64_t start,
                         int64_t end)
{
    ko_pq_row_range rr = {start, end};
    trim t = {&rr, 1, 0};
    if (append_rows(dst, &cr->page, first, &t) != KO_OK)
        return ko_err_set(cr->c.err, KO_ERR_NOMEM, "out of memory");
    return KO_OK;
}

/* Without an OffsetIndex: the whole chunk, trimmed to the rows. */
static ko_status cr_whole(ko_pq_chunk_reader *cr, int64_t start, int64_t end, uint64_t *bytes)
{
    chunk_ctx *c = &cr->c;
    int64_t rows = c->r->meta.row_groups[c->rg].num_rows;
    uint64_t off = 0, len = 0;
    ko_status st = chunk_range(c, &off, &len);
    ko_buf_reset(&cr->raw);
    if (st == KO_OK)
        st = read_range(c->r, off, len, &cr->raw, c->err);
    if (st != KO_OK)
        return st;
    *bytes += len;
    cr->dict_loaded = false;
    bool all = start <= 0 && end >= rows;
    ko_pq_column *dst = c->col;
    if (!all)
        c->col = &cr->page;
    st = decode_pages(c, cr->raw.data, cr->raw.len);
    c->col = dst;
    return st == KO_OK && !all ? cr_trim(cr, dst, 0, start, end) : st;
}

/* Records (entries with repetition level 0) of col from entry `from` on. */
static size_t records_since(const ko_pq_column *col, size_t from)
{
    if (col->max_rep == 0)
        return col->n - from;
    const int16_t *rep = (const int16_t *)(const void *)col->rep.data;
    size_t n = 0;
    for (size_t e = from; e < col->n; e++)
        n += rep[e] == 0;
    return n;
}

/* Decodes page i of the offset index, held at raw[po, po + pl), into
 * c->col; checks that it holds the rows the index says. */
static ko_status cr_page(ko_pq_chunk_reader *cr, int64_t po, int64_t pl, int64_t rows)
{
    chunk_ctx *c = &cr->c;
    if (po < 0 || pl < 0 || (uint64_t)(po + pl) > cr->raw.len)
        return corrupt(c, "page location outside the pages read");
    size_t before = c->col->n;
    ko_status st = decode_span(c, cr->raw.data + po, (size_t)pl, &cr->hdr);
    ko_arena_free(&cr->hdr);
    if (st == KO_OK && (int64_t)records_since(c->col, before) != rows)
        return corrupt(c, "page holds another number of rows than its offset index says");
    return st == KO_OK ? KO_OK : chunk_fail(c, st);
}

/* With an OffsetIndex: the pages overlapping [start, end), fetched at once;
 * pages wholly inside decode straight into the column. */
static ko_status cr_pages(ko_pq_chunk_reader *cr, const ko_pq_offset_index *oi, int64_t start,
                          int64_t end, uint64_t *bytes)
{
    chunk_ctx *c = &cr->c;
    int64_t rows = c->r->meta.row_groups[c->rg].num_rows;
    uint32_t i0 = 0, i1;
    while (i0 + 1 < oi->n_pages && oi->pages[i0 + 1].first_row_index <= start)
        i0++;
    for (i1 = i0; i1 + 1 < oi->n_pages && oi->pages[i1 + 1].first_row_index < end;)
        i1++;
    ko_status st = cr_dictionary(cr, oi, bytes);
    int64_t off0 = oi->pages[i0].offset;
    int64_t off1 = oi->pages[i1].offset + oi->pages[i1].compressed_page_size;
    if (st == KO_OK && (off0 < 0 || off1 < off0))
        st = corrupt(c, "invalid page locations in the offset index");
    ko_buf_reset(&cr->raw);
    if (st == KO_OK)
        st = read_range(c->r, (uint64_t)off0, (uint64_t)(off1 - off0), &cr->raw, c->err);
    if (st != KO_OK)
        return st;
    *bytes += (uint64_t)(off1 - off0);
    ko_pq_column *dst = c->col;
    for (uint32_t i = i0; i <= i1 && st == KO_OK; i++) {
        int64_t a = oi->pages[i].first_row_index;
        int64_t b = i + 1 < oi->n_pages ? oi->pages[i + 1].first_row_index : rows;
        bool whole = start <= a && b <= end;
        c->page = (int)i;
        c->col = whole ? dst : &cr->page;
        ko_pq_column_reset(&cr->page);
        st = cr_page(cr, oi->pages[i].offset - off0, oi->pages[i].compressed_page_size, b - a);
        c->col = dst;
        if (st == KO_OK && !whole)
            st = cr_trim(cr, dst, a, start, end);
    }
    c->page = -1;
    return st;
}

ko_status ko_pq_chunk_reader_rows(ko_pq_chunk_reader *cr, ko_pq_reader *r, uint32_t rg,
                                  uint32_t leaf, const ko_pq_offset_index *oi, int64_t start,
                                  int64_t end, ko_pq_column *col, uint64_t *bytes_read, ko_err *err)
{
    ko_err local = {0};
    uint64_t ignored = 0;
    if (!err)
        err = &local;
    if (!bytes_read)
        bytes_read = &ignored;
    ko_status st = cr_setup(cr, r, rg, leaf, col, err);
    if (st != KO_OK || cr->c.meta->num_values == 0 || start >= end)
        return st;
    st = oi && oi->n_pages ? cr_pages(cr, oi, start, end, bytes_read)
                           : cr_whole(cr, start, end, bytes_read);
    if (st != KO_OK) {
        ko_pq_column_reset(col);
        cr->dict_loaded = false;
    }
    return st;
}

ko_status ko_pq_chunk_reader_codes(ko_pq_chunk_reader *cr, ko_pq_reader *r, uint32_t rg,
                                   uint32_t leaf, const ko_pq_offset_index *oi, int64_t start,
                                   int64_t end, ko_pq_column *codes, uint64_t *bytes_read,
                                   ko_err *err)
{
    cr->codes = true;
    ko_status st = ko_pq_chunk_reader_rows(cr, r, rg, leaf, oi, start, end, codes, bytes_read, err);
    cr->codes = false;
    cr->c.codes = false;
    return st;
}

bool ko_pq_chunk_reader_dict(const ko_pq_chunk_reader *cr, ko_pq_column *dict)
{
    const chunk_ctx *c = &cr->c;
    if (!cr->dict_loaded || !c->has_dict)
        return false;
    const ko_pq_leaf *lf = &c->r->schema.leaves[c->leaf];
    memset(dict, 0, sizeof *dict);
    dict->type = lf->type;
    dict->type_length = lf->type_length;
    dict->n = dict->n_values = c->dict_n;
    dict->values = c->dict_values;
    dict->offsets = c->dict_offsets;
    return true;
}

bool ko_pq_chunk_all_dict(const ko_pq_column_meta *m)
{
    uint32_t data = 0;
    for (uint32_t i = 0; i < m->n_encoding_stats; i++) {
        const ko_pq_page_encoding_stats *e = &m->encoding_stats[i];
        if (e->page_type != KO_PQ_DATA_PAGE && e->page_type != KO_PQ_DATA_PAGE_V2)
            continue;
        if (e->encoding != KO_PQ_ENC_RLE_DICTIONARY && e->encoding != KO_PQ_ENC_PLAIN_DICTIONARY)
            return false;
        data++;
    }
    return data > 0;
}

/* ----------------------------------------------------------------- cursor */

enum { CURSOR_WINDOW = 4 << 20, HEADER_GUESS = 64 * 1024 };

struct ko_pq_chunk_cursor {
    chunk_ctx c;
    ko_pq_column page;   /* decoded entries not yet returned */
    size_t e_pos, v_pos; /* entries and values of page already returned */
    uint64_t start, len; /* the chunk's bytes in the file */
    uint64_t pos;        /* next page header, from the chunk start */
    ko_buf win;          /* bytes [win_off, win_off + win.len) of the chunk */
    uint64_t win_off;
    int64_t decoded; /* entries decoded so far */
    bool data_seen;
    ko_arena hdr;
};

ko_status ko_pq_chunk_cursor_open(ko_pq_reader *r, uint32_t rg, uint32_t leaf,
                                  ko_pq_chunk_cursor **out, ko_err *err)
{
    *out = NULL;
    ko_pq_chunk_cursor *cur = calloc(1, sizeof *cur);
    if (!cur)
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory");
    ko_status st = ctx_setup(&cur->c, r, rg, leaf, &cur->page, err);
    if (st == KO_OK && cur->c.meta->num_values > 0)
        st = chunk_range(&cur->c, &cur->start, &cur->len);
    if (st != KO_OK) {
        ko_pq_chunk_cursor_close(cur);
        return st;
    }
    cur->hdr.chunk_size = 4096;
    *out = cur;
    return KO_OK;
}

void ko_pq_chunk_cursor_close(ko_pq_chunk_cursor *cur)
{
    if (!cur)
        return;
    ctx_free(&cur->c);
    ko_pq_column_free(&cur->page);
    ko_buf_free(&cur->win);
    ko_arena_free(&cur->hdr);
    free(cur);
}

/* Makes the window hold chunk bytes [cur->pos, end) (end clipped to the
 * chunk), reading at least CURSOR_WINDOW bytes at a time. */
static ko_status window_fill(ko_pq_chunk_cursor *cur, uint64_t end)
{
    if (end > cur->len)
        end = cur->len;
    uint64_t drop = cur->pos - cur->win_off;
    if (drop > cur->win.len)
        drop = cur->win.len;
    buf_shift(&cur->win, (size_t)drop);
    cur->win_off += drop;
    if (cur->win_off < cur->pos) { /* window was behind pos: restart it */
        ko_buf_reset(&cur->win);
        cur->win_off = cur->pos;
    }
    uint64_t have = cur->win_off + cur->win.len;
    if (have >= end)
        return KO_OK;
    uint64_t want = end - have < CURSOR_WINDOW ? CURSOR_WINDOW : end - have;
    if (want > cur->len - have)
        want = cur->len - have;
    return read_range(cur->c.r, cur->start + have, want, &cur->win, cur->c.err);
}

static const uint8_t *win_at(ko_pq_chunk_cursor *cur, size_t *avail)
{
    size_t off = (size_t)(cur->pos - cur->win_off);
    *avail = cur->win.len - off;
    return cur->win.data + off;
}

/* Decodes the page header at cur->pos, widening the window when it is cut. */
static ko_status cursor_header(ko_pq_chunk_cursor *cur, ko_pq_page_header *h, size_t *used)
{
    uint64_t want = HEADER_GUESS;
    for (;;) {
        ko_status st = window_fill(cur, cur->pos + want);
        if (st != KO_OK)
            return st;
        size_t avail;
        const uint8_t *p = win_at(cur, &avail);
        ko_arena_free(&cur->hdr);
        st = ko_pq_decode_page_header(p, avail, &cur->hdr, h, used, cur->c.err);
        if (st == KO_OK || cur->pos + avail >= cur->len)
            return st;
        want *= 2;
    }
}

static ko_status cursor_page(ko_pq_chunk_cursor *cur)
{
    chunk_ctx *c = &cur->c;
    ko_pq_page_header h;
    size_t used = 0, avail;
    ko_status st = cursor_header(cur, &h, &used);
    if (st != KO_OK)
        return st;
    cur->pos += used;
    if (h.compressed_page_size < 0 || h.uncompressed_page_size < 0 ||
        (uint64_t)h.compressed_page_size > cur->len - cur->pos)
        return ko_err_set(c->err, KO_ERR_CORRUPT,
                          "page size %d exceeds the column chunk (%llu bytes left)",
                          h.compressed_page_size, (unsigned long long)(cur->len - cur->pos));
    st = window_fill(cur, cur->pos + (uint64_t)h.compressed_page_size);
    if (st != KO_OK)
        return st;
    const uint8_t *p = win_at(cur, &avail);
    size_t before = c->col->n;
    if (h.type == KO_PQ_DICTIONARY_PAGE && cur->data_seen)
        return ko_err_set(c->err, KO_ERR_CORRUPT, "dictionary page after data pages");
    st = decode_page(c, &h, p, (size_t)h.compressed_page_size);
    cur->pos += (uint64_t)h.compressed_page_size;
    cur->decoded += (int64_t)(c->col->n - before);
    cur->data_seen |= h.type == KO_PQ_DATA_PAGE || h.type == KO_PQ_DATA_PAGE_V2;
    return st;
}

static bool cursor_exhausted(const ko_pq_chunk_cursor *cur)
{
    return cur->decoded >= cur->c.meta->num_values || cur->pos >= cur->len;
}

/* Decodes the next page after dropping what was returned. */
static ko_status cursor_more(ko_pq_chunk_cursor *cur)
{
    chunk_ctx *c = &cur->c;
    drop_head(&cur->page, cur->e_pos, cur->v_pos);
    cur->e_pos = cur->v_pos = 0;
    ko_status st = cursor_page(cur);
    if (st == KO_OK && cursor_exhausted(cur) && cur->decoded != c->meta->num_values)
        st = ko_err_set(c->err, KO_ERR_CORRUPT,
                        "column chunk declares %lld values, its pages hold %lld",
                        (long long)c->meta->num_values, (long long)cur->decoded);
    if (st != KO_OK)
        chunk_fail(c, st);
    c->page++;
    return st;
}

/* From entry e_pos: the end of up to max whole records (a record is whole
 * when the next one has begun or the chunk is exhausted). */
static size_t whole_records(const ko_pq_chunk_cursor *cur, size_t max, size_t *end)
{
    const ko_pq_column *p = &cur->page;
    size_t n = p->n, e = cur->e_pos, k = 0;
    if (p->max_rep == 0) {
        k = n - e < max ? n - e : max;
        *end = e + k;
        return k;
    }
    const int16_t *rep = (const int16_t *)p->rep.data;
    size_t last = e;
    for (e = e + 1; e < n && k < max; e++) {
        if (rep[e] == 0)
            k++, last = e;
    }
    if (k < max && cur->e_pos < n && cursor_exhausted(cur))
        k++, last = n;
    *end = last;
    return k;
}

ko_status ko_pq_chunk_cursor_next(ko_pq_chunk_cursor *cur, size_t max_records, ko_pq_column *col,
                                  bool *done, ko_err *err)
{
    chunk_ctx *c = &cur->c;
    ko_err local = {0};
    c->err = err ? err : &local;
    const ko_pq_leaf *lf = &c->r->schema.leaves[c->leaf];
    if (col->type != lf->type || col->max_def != lf->max_def || col->max_rep != lf->max_rep ||
        col->type_length != lf->type_length ||
        (lf->type == KO_PQ_BYTE_ARRAY && !col->offsets.len)) {
        ko_pq_column_free(col);
        if (ko_pq_column_init(col, lf) != KO_OK)
            return ko_err_set(c->err, KO_ERR_NOMEM, "out of memory");
    }
    ko_pq_column_reset(col);
    ko_status st = KO_OK;
    size_t got = 0, nv;
    while (st == KO_OK && got < max_records) {
        size_t end, k = whole_records(cur, max_records - got, &end);
        if (k > 0 && append_entries(col, &cur->page, cur->e_pos, end, cur->v_pos, &nv) != KO_OK)
            return ko_err_set(c->err, KO_ERR_NOMEM, "out of memory");
        if (k > 0)
            got += k, cur->e_pos = end, cur->v_pos += nv;
        else if (cursor_exhausted(cur))
            break;
        else
            st = cursor_more(cur);
    }
    *done = st == KO_OK && cursor_exhausted(cur) && cur->e_pos >= cur->page.n;
    return st;
}
