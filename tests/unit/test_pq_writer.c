/*
 * test_pq_writer.c - the Parquet writer (src/parquet/writer.c, stats.c,
 * dict.c).
 *
 * Each test writes a file into a temporary local store, then checks it
 * from the bytes up: the footer decodes (ko_pq_decode_file_meta), every
 * column chunk is a run of page headers that decode and whose CRCs match,
 * the offset index points at those pages, the column index and the
 * statistics hold the bounds the test computed itself, and the reader
 * (ko_pq_read_column_chunk) returns the levels and values that were
 * written.  Set KO_PQ_KEEP=DIR to keep the files for other readers
 * (DuckDB, hyparquet).
 */
#include "testutil.h"

#include "parquet/encoding.h"
#include "parquet/parquet.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct fixture {
    char *dir;
    ko_store *s;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    const char *keep = getenv("KO_PQ_KEEP");
    f->dir = keep && *keep ? strdup(keep) : tu_mkdtemp();
    ko_err err = {0};
    TU_OK(ko_store_open(f->dir, NULL, &f->s, &err), &err);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    ko_store_close(f->s);
    const char *keep = getenv("KO_PQ_KEEP");
    if (!keep || !*keep)
        tu_rmtree(f->dir);
    free(f->dir);
    free(f);
    return 0;
}

/* ------------------------------------------------------------ schemas */

static ko_pq_schema_element group(const char *name, ko_pq_repetition rep, int children)
{
    ko_pq_schema_element e = {0};
    e.name = name;
    e.has_repetition = true;
    e.repetition = rep;
    e.num_children = children;
    e.converted = KO_PQ_CT_NONE;
    return e;
}

static ko_pq_schema_element leaf(const char *name, ko_pq_repetition rep, ko_pq_type t)
{
    ko_pq_schema_element e = group(name, rep, 0);
    e.has_type = true;
    e.type = t;
    if (t == KO_PQ_FIXED_LEN_BYTE_ARRAY)
        e.type_length = 16;
    return e;
}

static ko_pq_schema_element root(int children)
{
    ko_pq_schema_element e = group("schema", KO_PQ_REQUIRED, children);
    e.has_repetition = false;
    return e;
}

/* ------------------------------------------------------------ columns */

typedef struct cols {
    ko_arena arena;
    ko_pq_schema schema;
    ko_pq_column *c;
} cols;

static void cols_init(cols *cs, const ko_pq_schema_element *els, uint32_t n)
{
    memset(cs, 0, sizeof *cs);
    ko_err err = {0};
    TU_OK(ko_pq_schema_build(els, n, &cs->arena, &cs->schema, &err), &err);
    cs->c = calloc(cs->schema.n_leaves, sizeof *cs->c);
    for (uint32_t i = 0; i < cs->schema.n_leaves; i++)
        assert_int_equal(ko_pq_column_init(&cs->c[i], &cs->schema.leaves[i]), KO_OK);
}

static void cols_reset(cols *cs)
{
    for (uint32_t i = 0; i < cs->schema.n_leaves; i++)
        ko_pq_column_reset(&cs->c[i]);
}

static void cols_free(cols *cs)
{
    for (uint32_t i = 0; i < cs->schema.n_leaves; i++)
        ko_pq_column_free(&cs->c[i]);
    free(cs->c);
    ko_arena_free(&cs->arena);
}

/* Appends one entry; v (len bytes) is used when def is the maximum. */
static void put(ko_pq_column *c, int16_t rep, int16_t def, const void *v, size_t len)
{
    if (c->max_rep > 0)
        assert_int_equal(ko_buf_append(&c->rep, &rep, 2), KO_OK);
    if (c->max_def > 0)
        assert_int_equal(ko_buf_append(&c->def, &def, 2), KO_OK);
    c->n++;
    if (def != c->max_def)
        return;
    assert_int_equal(ko_buf_append(&c->values, v, len), KO_OK);
    if (c->type == KO_PQ_BYTE_ARRAY) {
        int64_t end = (int64_t)c->values.len;
        assert_int_equal(ko_buf_append(&c->offsets, &end, sizeof end), KO_OK);
    }
    c->n_values++;
}

static void put_str(ko_pq_column *c, int16_t rep, int16_t def, const char *s)
{
    put(c, rep, def, s, s ? strlen(s) : 0);
}

/* -------------------------------------------------------------- files */

typedef struct pfile {
    ko_buf bytes;
    ko_arena arena;
    ko_pq_file_meta meta;
} pfile;

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void pfile_load(ko_store *s, const char *key, pfile *pf)
{
    memset(pf, 0, sizeof *pf);
    ko_err err = {0};
    TU_OK(ko_store_get(s, key, &pf->bytes, &err), &err);
    const uint8_t *b = pf->bytes.data;
    size_t n = pf->bytes.len;
    assert_true(n >= 12);
    assert_memory_equal(b, "PAR1", 4);
    assert_memory_equal(b + n - 4, "PAR1", 4);
    uint32_t flen = rd32(b + n - 8);
    assert_true(flen <= n - 12);
    TU_OK(ko_pq_decode_file_meta(b + n - 8 - flen, flen, &pf->arena, &pf->meta, &err), &err);
}

static void pfile_free(pfile *pf)
{
    ko_buf_free(&pf->bytes);
    ko_arena_free(&pf->arena);
}

static void write_file(ko_store *s, const char *key, const ko_pq_schema_element *els, uint32_t n,
                       const ko_pq_writer_options *o, const cols *cs)
{
    ko_err err = {0};
    ko_pq_writer *w = NULL;
    TU_OK(ko_pq_writer_open(s, key, els, n, o, &w, &err), &err);
    if (cs)
        TU_OK(ko_pq_writer_write(w, cs->c, &err), &err);
    TU_OK(ko_pq_writer_close(w, &err), &err);
}

/* Decodes the page header at off; checks its CRC; returns the page's end. */
static size_t check_page(const pfile *pf, size_t off, ko_pq_page_header *h)
{
    ko_err err = {0};
    ko_arena a = {0};
    size_t used = 0;
    TU_OK(ko_pq_decode_page_header(pf->bytes.data + off, pf->bytes.len - off, &a, h, &used, &err),
          &err);
    ko_arena_free(&a);
    size_t body = off + used;
    assert_true(body + (size_t)h->compressed_page_size <= pf->bytes.len);
    assert_true(h->has_crc);
    assert_int_equal(ko_pq_crc32(pf->bytes.data + body, (size_t)h->compressed_page_size), h->crc);
    return body + (size_t)h->compressed_page_size;
}

/* Walks a column chunk page by page; returns the number of data pages and
 * checks the offset index against them. */
static uint32_t check_chunk(const pfile *pf, const ko_pq_column_chunk *cc)
{
    const ko_pq_column_meta *m = &cc->meta;
    size_t off =
        (size_t)(m->has_dictionary_page_offset ? m->dictionary_page_offset : m->data_page_offset);
    size_t end = off + (size_t)m->total_compressed_size;
    assert_int_equal(cc->file_offset, off);
    int64_t values = 0;
    uint32_t pages = 0;
    ko_err err = {0};
    ko_arena a = {0};
    ko_pq_offset_index oi = {0};
    if (cc->has_offset_index)
        TU_OK(ko_pq_decode_offset_index(pf->bytes.data + cc->offset_index_offset,
                                        (size_t)cc->offset_index_length, &a, &oi, &err),
              &err);
    while (off < end) {
        ko_pq_page_header h;
        size_t next = check_page(pf, off, &h);
        if (h.type == KO_PQ_DICTIONARY_PAGE) {
            assert_int_equal(pages, 0);
            assert_int_equal(off, m->dictionary_page_offset);
            assert_int_equal(h.dict.encoding, KO_PQ_ENC_PLAIN);
        } else {
            assert_int_equal(h.type, KO_PQ_DATA_PAGE);
            if (pages == 0)
                assert_int_equal(off, m->data_page_offset);
            if (cc->has_offset_index) {
                assert_true(pages < oi.n_pages);
                assert_int_equal(oi.pages[pages].offset, off);
                assert_int_equal(oi.pages[pages].compressed_page_size, next - off);
            }
            values += h.data.num_values;
            pages++;
        }
        off = next;
    }
    assert_int_equal(off, end);
    assert_int_equal(values, m->num_values);
    if (cc->has_offset_index)
        assert_int_equal(oi.n_pages, pages);
    ko_arena_free(&a);
    return pages;
}

static void check_all_chunks(const pfile *pf)
{
    int64_t rows = 0;
    for (uint32_t g = 0; g < pf->meta.n_row_groups; g++) {
        const ko_pq_row_group *rg = &pf->meta.row_groups[g];
        int64_t comp = 0;
        for (uint32_t i = 0; i < rg->n_columns; i++) {
            check_chunk(pf, &rg->columns[i]);
            comp += rg->columns[i].meta.total_compressed_size;
        }
        assert_int_equal(rg->total_compressed_size, comp);
        assert_int_equal(rg->file_offset, rg->columns[0].file_offset);
        assert_int_equal(rg->ordinal, g);
        rows += rg->num_rows;
    }
    assert_int_equal(rows, pf->meta.num_rows);
}

static void decode_ci(const pfile *pf, const ko_pq_column_chunk *cc, ko_arena *a,
                      ko_pq_column_index *ci)
{
    ko_err err = {0};
    assert_true(cc->has_column_index);
    TU_OK(ko_pq_decode_column_index(pf->bytes.data + cc->column_index_offset,
                                    (size_t)cc->column_index_length, a, ci, &err),
          &err);
}

/* Reads every row group of every leaf back and compares with cs. */
static void check_roundtrip(ko_store *s, const char *key, const cols *cs)
{
    ko_err err = {0};
    ko_pq_reader *r = NULL;
    TU_OK(ko_pq_reader_open(s, key, &r, &err), &err);
    const ko_pq_file_meta *m = ko_pq_reader_meta(r);
    for (uint32_t l = 0; l < cs->schema.n_leaves; l++) {
        const ko_pq_column *want = &cs->c[l];
        ko_pq_column got = {0};
        size_t e = 0, v = 0, bytes = 0;
        for (uint32_t g = 0; g < m->n_row_groups; g++) {
            TU_OK(ko_pq_read_column_chunk(r, g, l, &got, &err), &err);
            assert_true(e + got.n <= want->n);
            if (want->max_def > 0)
                assert_memory_equal(got.def.data, want->def.data + e * 2, got.n * 2);
            if (want->max_rep > 0)
                assert_memory_equal(got.rep.data, want->rep.data + e * 2, got.n * 2);
            if (got.values.len)
                assert_memory_equal(got.values.data, want->values.data + bytes, got.values.len);
            e += got.n;
            v += got.n_values;
            bytes += got.values.len;
        }
        assert_int_equal(e, want->n);
        assert_int_equal(v, want->n_values);
        assert_int_equal(bytes, want->values.len);
        ko_pq_column_free(&got);
    }
    ko_pq_reader_close(r);
}

static bool has_encoding(const ko_pq_column_meta *m, ko_pq_encoding e)
{
    for (uint32_t i = 0; i < m->n_encodings; i++)
        if (m->encodings[i] == e)
            return true;
    return false;
}

/* --------------------------------------------------- flat, every type */

enum { FLAT_ROWS = 3000, FLAT_TYPES = 8 };

static const ko_pq_type FLAT[FLAT_TYPES] = {
    KO_PQ_BOOLEAN, KO_PQ_INT32,  KO_PQ_INT64,      KO_PQ_INT96,
    KO_PQ_FLOAT,   KO_PQ_DOUBLE, KO_PQ_BYTE_ARRAY, KO_PQ_FIXED_LEN_BYTE_ARRAY};
static const char *const FLAT_NAMES[FLAT_TYPES * 2] = {"b",  "i32", "i64", "i96",  "f",    "d",
                                                       "s",  "fl",  "ob",  "oi32", "oi64", "oi96",
                                                       "of", "od",  "os",  "ofl"};

static void flat_schema(ko_pq_schema_element *els)
{
    els[0] = root(FLAT_TYPES * 2);
    for (int i = 0; i < FLAT_TYPES * 2; i++)
        els[1 + i] = leaf(FLAT_NAMES[i], i < FLAT_TYPES ? KO_PQ_REQUIRED : KO_PQ_OPTIONAL,
                          FLAT[i % FLAT_TYPES]);
    els[1 + 6].converted = KO_PQ_CT_UTF8;
    els[1 + 6].logical.kind = KO_PQ_LT_STRING;
}

/* Value i of a flat column of type t into buf; returns its length. */
static size_t flat_value(ko_pq_type t, int i, uint8_t *buf)
{
    switch (t) {
    case KO_PQ_BOOLEAN:
        buf[0] = i % 3 == 0;
        return 1;
    case KO_PQ_INT32: {
        int32_t v = (int32_t)((i * 7919) % 2001) - 1000;
        memcpy(buf, &v, 4);
        return 4;
    }
    case KO_PQ_INT64: {
        int64_t v = (int64_t)i * 1000003 - 5000000000ll;
        memcpy(buf, &v, 8);
        return 8;
    }
    case KO_PQ_INT96:
        tu_fill(buf, 12, (uint64_t)i);
        return 12;
    case KO_PQ_FLOAT: {
        float v = (float)(i % 100) * 0.5f - 20.0f;
        memcpy(buf, &v, 4);
        return 4;
    }
    case KO_PQ_DOUBLE: {
        double v = (double)i * 0.25 - 50.0;
        memcpy(buf, &v, 8);
        return 8;
    }
    case KO_PQ_BYTE_ARRAY:
        return (size_t)snprintf((char *)buf, 32, "s%05d", (i * 37) % 1000);
    default:
        tu_fill(buf, 16, (uint64_t)i % 50);
        return 16;
    }
}

static void fill_flat(cols *cs, int rows)
{
    for (int i = 0; i < rows; i++) {
        for (int k = 0; k < FLAT_TYPES * 2; k++) {
            uint8_t buf[32];
            size_t len = flat_value(FLAT[k % FLAT_TYPES], i, buf);
            bool null = k >= FLAT_TYPES && i % 5 == 2;
            put(&cs->c[k], 0, (int16_t)(null ? 0 : cs->c[k].max_def), buf, len);
        }
    }
}

static void check_i32_stats(const ko_pq_statistics *st, int32_t lo, int32_t hi)
{
    int32_t a, b;
    assert_true(st->has_min && st->has_max);
    assert_int_equal(st->min_value.len, 4);
    memcpy(&a, st->min_value.ptr, 4);
    memcpy(&b, st->max_value.ptr, 4);
    assert_int_equal(a, lo);
    assert_int_equal(b, hi);
}

static void check_flat_stats(const ko_pq_row_group *rg)
{
    for (int k = 0; k < FLAT_TYPES * 2; k++) {
        const ko_pq_statistics *st = &rg->columns[k].meta.statistics;
        assert_true(st->present && st->has_null_count);
        assert_int_equal(st->null_count, k >= FLAT_TYPES ? FLAT_ROWS / 5 : 0);
        assert_true(st->has_min == (FLAT[k % FLAT_TYPES] != KO_PQ_INT96));
        assert_false(st->has_legacy_min || st->has_legacy_max);
    }
    check_i32_stats(&rg->columns[1].meta.statistics, -1000, 1000);
    const ko_pq_statistics *s = &rg->columns[6].meta.statistics;
    assert_int_equal(s->min_value.len, 6);
    assert_memory_equal(s->min_value.ptr, "s00000", 6);
    assert_memory_equal(s->max_value.ptr, "s00999", 6);
    s = &rg->columns[0].meta.statistics;
    assert_int_equal(s->min_value.ptr[0], 0);
    assert_int_equal(s->max_value.ptr[0], 1);
    double lo, hi;
    s = &rg->columns[5].meta.statistics;
    memcpy(&lo, s->min_value.ptr, 8);
    memcpy(&hi, s->max_value.ptr, 8);
    assert_true(lo == -50.0 && hi == (FLAT_ROWS - 1) * 0.25 - 50.0);
}

static void test_flat_all_types(void **state)
{
    fixture *f = *state;
    ko_pq_schema_element els[1 + FLAT_TYPES * 2];
    flat_schema(els);
    els[1].has_field_id = true;
    els[1].field_id = 42;
    cols cs;
    cols_init(&cs, els, KO_ARRAY_LEN(els));
    fill_flat(&cs, FLAT_ROWS);
    ko_pq_kv kv[] = {{"origin", "korolev test"}, {"empty", NULL}};
    ko_pq_writer_options o = {.codec = KO_PQ_ZSTD, .kv = kv, .n_kv = 2};
    write_file(f->s, "flat.parquet", els, KO_ARRAY_LEN(els), &o, &cs);

    pfile pf;
    pfile_load(f->s, "flat.parquet", &pf);
    const ko_pq_file_meta *m = &pf.meta;
    assert_int_equal(m->num_rows, FLAT_ROWS);
    assert_int_equal(m->n_row_groups, 1);
    assert_int_equal(m->n_schema, KO_ARRAY_LEN(els));
    assert_string_equal(m->schema[7].name, "s");
    assert_int_equal(m->schema[7].converted, KO_PQ_CT_UTF8);
    assert_int_equal(m->schema[7].logical.kind, KO_PQ_LT_STRING);
    assert_true(m->schema[1].has_field_id && m->schema[1].field_id == 42);
    assert_int_equal(m->n_kv, 2);
    assert_string_equal(m->kv[0].value, "korolev test");
    assert_null(m->kv[1].value);
    assert_string_equal(m->created_by, "korolev version 0.1.0");
    assert_int_equal(m->n_column_orders, FLAT_TYPES * 2);
    check_all_chunks(&pf);
    const ko_pq_row_group *rg = &m->row_groups[0];
    assert_int_equal(rg->num_rows, FLAT_ROWS);
    for (int k = 0; k < FLAT_TYPES * 2; k++) {
        const ko_pq_column_meta *cm = &rg->columns[k].meta;
        assert_int_equal(cm->codec, KO_PQ_ZSTD);
        assert_int_equal(cm->num_values, FLAT_ROWS);
        assert_string_equal(cm->path[0], FLAT_NAMES[k]);
        /* Booleans are never dictionary-encoded; the rest repeat enough. */
        assert_true(cm->has_dictionary_page_offset == (k % FLAT_TYPES != 0));
        assert_true(rg->columns[k].has_offset_index);
        assert_true(rg->columns[k].has_column_index == (k % FLAT_TYPES != 3));
    }
    check_flat_stats(rg);
    check_roundtrip(f->s, "flat.parquet", &cs);
    pfile_free(&pf);
    cols_free(&cs);
}

/* ------------------------------------------------------------- nested */

/* id: required int64;
 * items: optional list<optional struct<a: optional int32,
 *                                      tags: optional list<optional string>>> */
static const ko_pq_schema_element *nested_schema(uint32_t *n)
{
    static ko_pq_schema_element els[9];
    els[0] = root(2);
    els[1] = leaf("id", KO_PQ_REQUIRED, KO_PQ_INT64);
    els[2] = group("items", KO_PQ_OPTIONAL, 1);
    els[2].converted = KO_PQ_CT_LIST;
    els[2].logical.kind = KO_PQ_LT_LIST;
    els[3] = group("list", KO_PQ_REPEATED, 1);
    els[4] = group("element", KO_PQ_OPTIONAL, 2);
    els[5] = leaf("a", KO_PQ_OPTIONAL, KO_PQ_INT32);
    els[6] = group("tags", KO_PQ_OPTIONAL, 1);
    els[6].converted = KO_PQ_CT_LIST;
    els[6].logical.kind = KO_PQ_LT_LIST;
    els[7] = group("list", KO_PQ_REPEATED, 1);
    els[8] = leaf("element", KO_PQ_OPTIONAL, KO_PQ_BYTE_ARRAY);
    els[8].converted = KO_PQ_CT_UTF8;
    els[8].logical.kind = KO_PQ_LT_STRING;
    *n = 9;
    return els;
}

/* The four records of the nested test, shredded by hand:
 *   0: items = [{a: 1, tags: ["x", "y"]}, {a: null, tags: []}]
 *   1: items = null
 *   2: items = []
 *   3: items = [null, {a: 5, tags: null}, {a: 6, tags: [null, "z"]}]
 * Record ids are base .. base + 3. */
static void fill_nested(cols *cs, int64_t base)
{
    ko_pq_column *id = &cs->c[0], *a = &cs->c[1], *t = &cs->c[2];
    for (int64_t r = 0; r < 4; r++) {
        int64_t v = base + r;
        put(id, 0, 0, &v, 8);
    }
    int32_t one = 1, five = 5, six = 6;
    put(a, 0, 4, &one, 4);
    put(a, 1, 3, NULL, 0);
    put(a, 0, 0, NULL, 0);
    put(a, 0, 1, NULL, 0);
    put(a, 0, 2, NULL, 0);
    put(a, 1, 4, &five, 4);
    put(a, 1, 4, &six, 4);
    put_str(t, 0, 6, "x");
    put_str(t, 2, 6, "y");
    put_str(t, 1, 4, NULL);
    put_str(t, 0, 0, NULL);
    put_str(t, 0, 1, NULL);
    put_str(t, 0, 2, NULL);
    put_str(t, 1, 3, NULL);
    put_str(t, 1, 5, NULL);
    put_str(t, 2, 6, "z");
}

static void test_nested(void **state)
{
    fixture *f = *state;
    uint32_t n = 0;
    const ko_pq_schema_element *els = nested_schema(&n);
    cols cs;
    cols_init(&cs, els, n);
    assert_int_equal(cs.c[2].max_def, 6);
    assert_int_equal(cs.c[2].max_rep, 2);
    fill_nested(&cs, 0);
    write_file(f->s, "nested.parquet", els, n, NULL, &cs);

    pfile pf;
    pfile_load(f->s, "nested.parquet", &pf);
    assert_int_equal(pf.meta.num_rows, 4);
    check_all_chunks(&pf);
    const ko_pq_column_chunk *tags = &pf.meta.row_groups[0].columns[2];
    assert_int_equal(tags->meta.num_values, 9);
    assert_int_equal(tags->meta.path_len, 6);
    assert_string_equal(tags->meta.path[3], "tags");
    assert_int_equal(tags->meta.statistics.null_count, 6);
    assert_memory_equal(tags->meta.statistics.min_value.ptr, "x", 1);
    assert_memory_equal(tags->meta.statistics.max_value.ptr, "z", 1);
    assert_true(has_encoding(&tags->meta, KO_PQ_ENC_RLE));
    assert_int_equal(pf.meta.row_groups[0].columns[1].meta.statistics.null_count, 4);
    check_roundtrip(f->s, "nested.parquet", &cs);
    pfile_free(&pf);
    cols_free(&cs);
}

/* Many nested batches with small pages and row groups: pages and row
 * groups are cut only at record boundaries. */
static void test_nested_many(void **state)
{
    fixture *f = *state;
    uint32_t n = 0;
    const ko_pq_schema_element *els = nested_schema(&n);
    cols cs, all;
    cols_init(&cs, els, n);
    cols_init(&all, els, n);
    ko_err err = {0};
    ko_pq_writer *w = NULL;
    ko_pq_writer_options o = {.codec = KO_PQ_SNAPPY, .page_bytes = 64, .row_group_bytes = 2048};
    TU_OK(ko_pq_writer_open(f->s, "nested_many.parquet", els, n, &o, &w, &err), &err);
    for (int b = 0; b < 50; b++) {
        cols_reset(&cs);
        for (int k = 0; k < 10; k++) {
            fill_nested(&cs, b * 40 + k * 4);
            fill_nested(&all, b * 40 + k * 4);
        }
        TU_OK(ko_pq_writer_write(w, cs.c, &err), &err);
    }
    TU_OK(ko_pq_writer_close(w, &err), &err);
    pfile pf;
    pfile_load(f->s, "nested_many.parquet", &pf);
    assert_int_equal(pf.meta.num_rows, 2000);
    assert_true(pf.meta.n_row_groups > 1);
    check_all_chunks(&pf);
    check_roundtrip(f->s, "nested_many.parquet", &all);
    pfile_free(&pf);
    cols_free(&cs);
    cols_free(&all);
}

/* ------------------------------------------------- empty and all-null */

static void test_zero_rows(void **state)
{
    fixture *f = *state;
    ko_pq_schema_element els[1 + FLAT_TYPES * 2];
    flat_schema(els);
    write_file(f->s, "empty.parquet", els, KO_ARRAY_LEN(els), NULL, NULL);
    pfile pf;
    pfile_load(f->s, "empty.parquet", &pf);
    assert_int_equal(pf.meta.num_rows, 0);
    assert_int_equal(pf.meta.n_row_groups, 0);
    assert_int_equal(pf.meta.n_schema, KO_ARRAY_LEN(els));
    pfile_free(&pf);

    /* A batch of zero records writes nothing either. */
    cols cs;
    cols_init(&cs, els, KO_ARRAY_LEN(els));
    write_file(f->s, "empty2.parquet", els, KO_ARRAY_LEN(els), NULL, &cs);
    pfile_load(f->s, "empty2.parquet", &pf);
    assert_int_equal(pf.meta.n_row_groups, 0);
    pfile_free(&pf);
    cols_free(&cs);
}

static void test_all_null(void **state)
{
    fixture *f = *state;
    ko_pq_schema_element els[] = {root(2), leaf("n", KO_PQ_OPTIONAL, KO_PQ_BYTE_ARRAY),
                                  leaf("k", KO_PQ_REQUIRED, KO_PQ_INT32)};
    cols cs;
    cols_init(&cs, els, 3);
    for (int32_t i = 0; i < 50000; i++) {
        put(&cs.c[0], 0, 0, NULL, 0);
        put(&cs.c[1], 0, 0, &i, 4);
    }
    write_file(f->s, "allnull.parquet", els, 3, NULL, &cs);
    pfile pf;
    pfile_load(f->s, "allnull.parquet", &pf);
    check_all_chunks(&pf);
    const ko_pq_column_chunk *cc = &pf.meta.row_groups[0].columns[0];
    assert_int_equal(cc->meta.statistics.null_count, 50000);
    assert_false(cc->meta.statistics.has_min);
    assert_false(cc->meta.has_dictionary_page_offset);
    ko_arena a = {0};
    ko_pq_column_index ci;
    decode_ci(&pf, cc, &a, &ci);
    assert_true(ci.n_pages >= 3); /* 20000 entries at most per page */
    for (uint32_t i = 0; i < ci.n_pages; i++) {
        assert_true(ci.null_pages[i]);
        assert_int_equal(ci.min_values[i].len, 0);
    }
    /* The sorted key column's index is ascending. */
    decode_ci(&pf, &pf.meta.row_groups[0].columns[1], &a, &ci);
    assert_int_equal(ci.boundary_order, KO_PQ_ASCENDING);
    ko_arena_free(&a);
    check_roundtrip(f->s, "allnull.parquet", &cs);
    pfile_free(&pf);
    cols_free(&cs);
}

/* ------------------------------------------------ dictionary fallback */

static void test_dict_fallback(void **state)
{
    fixture *f = *state;
    ko_pq_schema_element els[] = {root(3), leaf("s", KO_PQ_REQUIRED, KO_PQ_BYTE_ARRAY),
                                  leaf("seq", KO_PQ_REQUIRED, KO_PQ_INT64),
                                  leaf("rnd", KO_PQ_OPTIONAL, KO_PQ_INT32)};
    cols cs;
    cols_init(&cs, els, 4);
    for (int i = 0; i < 40000; i++) {
        char s[40];
        int len = snprintf(s, sizeof s, "distinct-string-%08d", i);
        put(&cs.c[0], 0, 0, s, (size_t)len);
        int64_t v = 1000000 + i;
        put(&cs.c[1], 0, 0, &v, 8);
        int32_t r;
        tu_fill(&r, 4, (uint64_t)i);
        put(&cs.c[2], 0, (int16_t)(i % 7 != 0), &r, 4);
    }
    ko_pq_writer_options o = {.codec = KO_PQ_ZSTD, .dict_bytes = 16384};
    write_file(f->s, "fallback.parquet", els, 4, &o, &cs);
    pfile pf;
    pfile_load(f->s, "fallback.parquet", &pf);
    check_all_chunks(&pf);
    const ko_pq_row_group *rg = &pf.meta.row_groups[0];
    const ko_pq_column_meta *s = &rg->columns[0].meta, *seq = &rg->columns[1].meta;
    assert_true(s->has_dictionary_page_offset);
    assert_true(has_encoding(s, KO_PQ_ENC_RLE_DICTIONARY));
    assert_true(has_encoding(s, KO_PQ_ENC_PLAIN));
    assert_true(seq->has_dictionary_page_offset);
    /* Sequential integers delta-encode to almost nothing. */
    assert_true(has_encoding(seq, KO_PQ_ENC_DELTA_BINARY_PACKED));
    assert_true(seq->total_uncompressed_size < 40000 * 8 / 2);
    assert_true(has_encoding(&rg->columns[2].meta, KO_PQ_ENC_PLAIN));
    check_roundtrip(f->s, "fallback.parquet", &cs);
    pfile_free(&pf);

    o.no_dictionary = true;
    write_file(f->s, "nodict.parquet", els, 4, &o, &cs);
    pfile_load(f->s, "nodict.parquet", &pf);
    for (int i = 0; i < 3; i++) {
        assert_false(pf.meta.row_groups[0].columns[i].meta.has_dictionary_page_offset);
        assert_false(
            has_encoding(&pf.meta.row_groups[0].columns[i].meta, KO_PQ_ENC_RLE_DICTIONARY));
    }
    check_roundtrip(f->s, "nodict.parquet", &cs);
    pfile_free(&pf);
    cols_free(&cs);
}

/* ------------------------------------------ row groups, pages, codecs */

static void check_multi_layout(const pfile *pf, int rows)
{
    assert_int_equal(pf->meta.num_rows, rows);
    assert_true(pf->meta.n_row_groups > 3);
    check_all_chunks(pf);
    int64_t first = 0;
    for (uint32_t g = 0; g < pf->meta.n_row_groups; g++) {
        const ko_pq_column_chunk *cc = &pf->meta.row_groups[g].columns[0];
        ko_arena a = {0};
        ko_err err = {0};
        ko_pq_offset_index oi;
        TU_OK(ko_pq_decode_offset_index(pf->bytes.data + cc->offset_index_offset,
                                        (size_t)cc->offset_index_length, &a, &oi, &err),
              &err);
        assert_true(oi.n_pages > 1);
        assert_int_equal(oi.pages[0].first_row_index, 0);
        for (uint32_t p = 1; p < oi.n_pages; p++)
            assert_true(oi.pages[p].first_row_index > oi.pages[p - 1].first_row_index);
        ko_pq_column_index ci;
        decode_ci(pf, cc, &a, &ci);
        assert_int_equal(ci.n_pages, oi.n_pages);
        assert_int_equal(ci.boundary_order, KO_PQ_ASCENDING);
        int64_t lo;
        memcpy(&lo, ci.min_values[0].ptr, 8);
        assert_int_equal(lo, first);
        first += pf->meta.row_groups[g].num_rows;
        ko_arena_free(&a);
    }
}

static void write_multi(ko_store *s, const char *key, ko_pq_codec codec, cols *cs, int rows)
{
    ko_pq_schema_element els[] = {root(2), leaf("k", KO_PQ_REQUIRED, KO_PQ_INT64),
                                  leaf("v", KO_PQ_OPTIONAL, KO_PQ_BYTE_ARRAY)};
    cols_init(cs, els, 3);
    for (int64_t i = 0; i < rows; i++) {
        char buf[64];
        int len = snprintf(buf, sizeof buf, "value %lld %s", (long long)(i % 777),
                           i % 2 ? "odd" : "even");
        put(&cs->c[0], 0, 0, &i, 8);
        put(&cs->c[1], 0, (int16_t)(i % 11 != 0), buf, (size_t)len);
    }
    ko_pq_writer_options o = {
        .codec = codec, .page_bytes = 4096, .row_group_bytes = 64 * 1024, .dict_bytes = 8192};
    write_file(s, key, els, 3, &o, cs);
}

static void test_row_groups_pages(void **state)
{
    fixture *f = *state;
    cols cs;
    write_multi(f->s, "multi.parquet", KO_PQ_ZSTD, &cs, 60000);
    pfile pf;
    pfile_load(f->s, "multi.parquet", &pf);
    check_multi_layout(&pf, 60000);
    /* Row groups stay near their target (128 KiB plain estimate aside). */
    for (uint32_t g = 0; g + 1 < pf.meta.n_row_groups; g++)
        assert_true(pf.meta.row_groups[g].total_byte_size < 3 * 64 * 1024);
    check_roundtrip(f->s, "multi.parquet", &cs);
    pfile_free(&pf);
    cols_free(&cs);
}

static void test_codecs(void **state)
{
    fixture *f = *state;
    static const ko_pq_codec codecs[] = {KO_PQ_UNCOMPRESSED, KO_PQ_SNAPPY, KO_PQ_GZIP,
                                         KO_PQ_BROTLI,       KO_PQ_ZSTD,   KO_PQ_LZ4_RAW};
    for (size_t i = 0; i < KO_ARRAY_LEN(codecs); i++) {
        char key[64];
        snprintf(key, sizeof key, "codec-%s.parquet", ko_pq_codec_name(codecs[i]));
        cols cs;
        write_multi(f->s, key, codecs[i], &cs, 30000);
        pfile pf;
        pfile_load(f->s, key, &pf);
        check_all_chunks(&pf);
        assert_int_equal(pf.meta.row_groups[0].columns[1].meta.codec, codecs[i]);
        check_roundtrip(f->s, key, &cs);
        pfile_free(&pf);
        cols_free(&cs);
    }
}

/* ---------------------------------------------------------- statistics */

static void stats_schema(ko_pq_schema_element *els)
{
    els[0] = root(7);
    els[1] = leaf("u32", KO_PQ_REQUIRED, KO_PQ_INT32);
    els[1].converted = KO_PQ_CT_UINT_32;
    els[2] = leaf("u64", KO_PQ_REQUIRED, KO_PQ_INT64);
    els[2].logical = (ko_pq_logical){.kind = KO_PQ_LT_INTEGER, .bit_width = 64};
    els[3] = leaf("f", KO_PQ_OPTIONAL, KO_PQ_FLOAT);
    els[4] = leaf("dec", KO_PQ_REQUIRED, KO_PQ_FIXED_LEN_BYTE_ARRAY);
    els[4].type_length = 4;
    els[4].converted = KO_PQ_CT_DECIMAL;
    els[4].precision = 9;
    els[4].scale = 2;
    els[4].logical = (ko_pq_logical){.kind = KO_PQ_LT_DECIMAL, .precision = 9, .scale = 2};
    els[5] = leaf("h", KO_PQ_REQUIRED, KO_PQ_FIXED_LEN_BYTE_ARRAY);
    els[5].type_length = 2;
    els[5].logical.kind = KO_PQ_LT_FLOAT16;
    els[6] = leaf("long", KO_PQ_REQUIRED, KO_PQ_BYTE_ARRAY);
    els[7] = leaf("nan", KO_PQ_REQUIRED, KO_PQ_DOUBLE);
}

static void fill_stats(cols *cs)
{
    static const uint32_t u32[] = {5, 0xFFFFFFFFu, 7, 0x80000000u};
    static const float fl[] = {0.0f, 2.5f, NAN, -0.0f};
    static const uint8_t dec[][4] = {{0xFF, 0xFF, 0xFF, 0x9C}, /* -100 */
                                     {0x00, 0x00, 0x00, 0x05},
                                     {0x80, 0x00, 0x00, 0x00}, /* most negative */
                                     {0x7F, 0xFF, 0xFF, 0xFF}};
    static const uint16_t half[] = {0x3C00 /* 1 */, 0xC000 /* -2 */, 0x7E00 /* NaN */, 0x4200};
    for (int i = 0; i < 4; i++) {
        uint64_t u64 = i == 1 ? UINT64_MAX : (uint64_t)i;
        uint8_t longv[100];
        memset(longv, 'a' + i, sizeof longv);
        if (i == 3)
            memset(longv, 0xFF, sizeof longv);
        double nan = NAN;
        put(&cs->c[0], 0, 0, &u32[i], 4);
        put(&cs->c[1], 0, 0, &u64, 8);
        put(&cs->c[2], 0, 1, &fl[i], 4);
        put(&cs->c[3], 0, 0, dec[i], 4);
        put(&cs->c[4], 0, 0, &half[i], 2);
        put(&cs->c[5], 0, 0, longv, i == 0 ? 70 : 100);
        put(&cs->c[6], 0, 0, &nan, 8);
    }
}

static void check_bounds(const ko_pq_statistics *s, const void *lo, const void *hi, size_t len)
{
    assert_true(s->has_min && s->has_max);
    assert_int_equal(s->min_value.len, len);
    assert_int_equal(s->max_value.len, len);
    assert_memory_equal(s->min_value.ptr, lo, len);
    assert_memory_equal(s->max_value.ptr, hi, len);
}

static void test_statistics_order(void **state)
{
    fixture *f = *state;
    ko_pq_schema_element els[8];
    stats_schema(els);
    cols cs;
    cols_init(&cs, els, 8);
    fill_stats(&cs);
    write_file(f->s, "stats.parquet", els, 8, NULL, &cs);
    pfile pf;
    pfile_load(f->s, "stats.parquet", &pf);
    check_all_chunks(&pf);
    const ko_pq_column_chunk *c = pf.meta.row_groups[0].columns;
    uint32_t u_lo = 5, u_hi = 0xFFFFFFFFu;
    check_bounds(&c[0].meta.statistics, &u_lo, &u_hi, 4);
    uint64_t l_lo = 0, l_hi = UINT64_MAX;
    check_bounds(&c[1].meta.statistics, &l_lo, &l_hi, 8);
    float f_lo = -0.0f, f_hi = 2.5f;
    check_bounds(&c[2].meta.statistics, &f_lo, &f_hi, 4);
    static const uint8_t d_lo[] = {0x80, 0, 0, 0}, d_hi[] = {0x7F, 0xFF, 0xFF, 0xFF};
    check_bounds(&c[3].meta.statistics, d_lo, d_hi, 4);
    uint16_t h_lo = 0xC000, h_hi = 0x4200;
    check_bounds(&c[4].meta.statistics, &h_lo, &h_hi, 2);
    /* Chunk statistics keep long values whole... */
    assert_int_equal(c[5].meta.statistics.min_value.len, 70);
    assert_int_equal(c[5].meta.statistics.max_value.len, 100);
    /* ...the column index truncates them to 64 bytes (max rounded up, or
     * kept whole when it cannot be). */
    ko_arena a = {0};
    ko_pq_column_index ci;
    decode_ci(&pf, &c[5], &a, &ci);
    assert_int_equal(ci.min_values[0].len, 64);
    assert_int_equal(ci.max_values[0].len, 100);
    decode_ci(&pf, &c[0], &a, &ci);
    assert_int_equal(ci.n_pages, 1);
    /* All NaN: no bounds, and so no column index. */
    assert_false(c[6].meta.statistics.has_min);
    assert_false(c[6].has_column_index);
    ko_arena_free(&a);
    check_roundtrip(f->s, "stats.parquet", &cs);
    pfile_free(&pf);
    cols_free(&cs);
}

static void test_truncated_max(void **state)
{
    fixture *f = *state;
    ko_pq_schema_element els[] = {root(1), leaf("s", KO_PQ_REQUIRED, KO_PQ_BYTE_ARRAY)};
    cols cs;
    cols_init(&cs, els, 2);
    uint8_t v[80];
    memset(v, 'q', sizeof v);
    v[63] = 0xFF;
    put(&cs.c[0], 0, 0, v, sizeof v);
    ko_pq_writer_options o = {.codec = KO_PQ_UNCOMPRESSED, .no_dictionary = true};
    write_file(f->s, "trunc.parquet", els, 2, &o, &cs);
    pfile pf;
    pfile_load(f->s, "trunc.parquet", &pf);
    ko_arena a = {0};
    ko_pq_column_index ci;
    decode_ci(&pf, &pf.meta.row_groups[0].columns[0], &a, &ci);
    assert_int_equal(ci.max_values[0].len, 63);
    assert_int_equal(ci.max_values[0].ptr[62], 'r');
    assert_int_equal(ci.min_values[0].len, 64);
    ko_arena_free(&a);
    pfile_free(&pf);
    cols_free(&cs);
}

static void test_boundary_orders(void **state)
{
    fixture *f = *state;
    ko_pq_schema_element els[] = {root(3), leaf("up", KO_PQ_REQUIRED, KO_PQ_INT32),
                                  leaf("down", KO_PQ_REQUIRED, KO_PQ_INT32),
                                  leaf("mixed", KO_PQ_OPTIONAL, KO_PQ_INT32)};
    cols cs;
    cols_init(&cs, els, 4);
    for (int32_t i = 0; i < 1000; i++) {
        int32_t down = -i, mixed = (i * 7919) % 1000;
        put(&cs.c[0], 0, 0, &i, 4);
        put(&cs.c[1], 0, 0, &down, 4);
        put(&cs.c[2], 0, (int16_t)(i < 300 || i >= 400), &mixed, 4);
    }
    ko_pq_writer_options o = {.codec = KO_PQ_LZ4_RAW, .page_bytes = 256, .no_dictionary = true};
    write_file(f->s, "orders.parquet", els, 4, &o, &cs);
    pfile pf;
    pfile_load(f->s, "orders.parquet", &pf);
    check_all_chunks(&pf);
    static const ko_pq_boundary_order want[] = {KO_PQ_ASCENDING, KO_PQ_DESCENDING, KO_PQ_UNORDERED};
    ko_arena a = {0};
    for (int i = 0; i < 3; i++) {
        ko_pq_column_index ci;
        decode_ci(&pf, &pf.meta.row_groups[0].columns[i], &a, &ci);
        assert_true(ci.n_pages > 5);
        assert_int_equal(ci.boundary_order, want[i]);
        int64_t nulls = 0;
        for (uint32_t p = 0; p < ci.n_pages; p++)
            nulls += ci.null_counts[p];
        assert_int_equal(nulls, i == 2 ? 100 : 0);
    }
    ko_arena_free(&a);
    check_roundtrip(f->s, "orders.parquet", &cs);
    pfile_free(&pf);
    cols_free(&cs);
}

/* --------------------------------------------- options and validation */

static void test_no_stats_no_index(void **state)
{
    fixture *f = *state;
    cols cs;
    ko_pq_schema_element els[] = {root(2), leaf("k", KO_PQ_REQUIRED, KO_PQ_INT64),
                                  leaf("v", KO_PQ_OPTIONAL, KO_PQ_BYTE_ARRAY)};
    cols_init(&cs, els, 3);
    for (int64_t i = 0; i < 100; i++) {
        put(&cs.c[0], 0, 0, &i, 8);
        put_str(&cs.c[1], 0, 1, "x");
    }
    ko_pq_writer_options o = {.codec = KO_PQ_GZIP, .no_statistics = true, .no_page_index = true};
    write_file(f->s, "plain.parquet", els, 3, &o, &cs);
    pfile pf;
    pfile_load(f->s, "plain.parquet", &pf);
    check_all_chunks(&pf);
    for (int i = 0; i < 2; i++) {
        const ko_pq_column_chunk *cc = &pf.meta.row_groups[0].columns[i];
        assert_false(cc->meta.statistics.present);
        assert_false(cc->has_column_index || cc->has_offset_index);
    }
    check_roundtrip(f->s, "plain.parquet", &cs);
    pfile_free(&pf);
    cols_free(&cs);
}

/* Expects write to fail with KO_ERR_INVALID and a message containing
 * `needle`. */
static void expect_invalid(ko_pq_writer *w, const cols *cs, const char *needle)
{
    ko_err err = {0};
    assert_int_equal(ko_pq_writer_write(w, cs->c, &err), KO_ERR_INVALID);
    if (!strstr(err.msg, needle))
        fail_msg("error \"%s\" does not mention \"%s\"", err.msg, needle);
}

static void test_validation(void **state)
{
    fixture *f = *state;
    uint32_t n = 0;
    const ko_pq_schema_element *els = nested_schema(&n);
    cols cs;
    cols_init(&cs, els, n);
    ko_err err = {0};
    ko_pq_writer *w = NULL;
    TU_OK(ko_pq_writer_open(f->s, "valid.parquet", els, n, NULL, &w, &err), &err);
    assert_int_equal(ko_pq_writer_schema(w)->n_leaves, 3);

    fill_nested(&cs, 0);
    int16_t *def = (int16_t *)cs.c[1].def.data, *rep = (int16_t *)cs.c[2].rep.data;
    def[0] = 7; /* above max_def 4 */
    expect_invalid(w, &cs, "items.list.element.a: entry 0: definition level 7");
    def[0] = 3; /* a null, but the value is still there */
    expect_invalid(w, &cs, "items.list.element.a: 2 entries have the full definition level 4");
    def[0] = 4;
    rep[0] = 1;
    expect_invalid(w, &cs, "must start a record");
    rep[0] = 0;
    rep[4] = 2; /* continues a list that is null */
    expect_invalid(w, &cs, "entry 4: repetition level 2 continues a list");
    rep[4] = 0;
    int64_t extra = 9;
    put(&cs.c[0], 0, 0, &extra, 8);
    expect_invalid(w, &cs, "holds 4 records, but column id holds 5");
    cs.c[0].n--;
    cs.c[0].n_values--;
    cs.c[0].values.len -= 8;
    cs.c[1].type = KO_PQ_INT64;
    expect_invalid(w, &cs, "type INT64, but the schema says INT32");
    cs.c[1].type = KO_PQ_INT32;
    cs.c[2].offsets.len -= 8;
    expect_invalid(w, &cs, "items.list.element.tags.list.element: 3 values need 4 offsets");
    cs.c[2].offsets.len += 8;

    /* Rejected batches changed nothing: the writer goes on. */
    TU_OK(ko_pq_writer_write(w, cs.c, &err), &err);
    TU_OK(ko_pq_writer_close(w, &err), &err);
    pfile pf;
    pfile_load(f->s, "valid.parquet", &pf);
    assert_int_equal(pf.meta.num_rows, 4);
    pfile_free(&pf);
    check_roundtrip(f->s, "valid.parquet", &cs);
    cols_free(&cs);
}

static void test_abort_and_bad_schema(void **state)
{
    fixture *f = *state;
    ko_pq_schema_element els[] = {root(1), leaf("k", KO_PQ_REQUIRED, KO_PQ_INT64)};
    cols cs;
    cols_init(&cs, els, 2);
    int64_t v = 1;
    put(&cs.c[0], 0, 0, &v, 8);
    ko_err err = {0};
    ko_pq_writer *w = NULL;
    TU_OK(ko_pq_writer_open(f->s, "aborted.parquet", els, 2, NULL, &w, &err), &err);
    TU_OK(ko_pq_writer_write(w, cs.c, &err), &err);
    ko_pq_writer_abort(w);
    ko_obj_info info;
    assert_int_equal(ko_store_head(f->s, "aborted.parquet", &info, &err), KO_ERR_NOT_FOUND);

    ko_pq_schema_element bad[] = {root(2), leaf("k", KO_PQ_REQUIRED, KO_PQ_INT64)};
    assert_int_not_equal(ko_pq_writer_open(f->s, "bad.parquet", bad, 2, NULL, &w, &err), KO_OK);
    assert_null(w);
    assert_int_equal(ko_store_head(f->s, "bad.parquet", &info, &err), KO_ERR_NOT_FOUND);

    ko_pq_writer_options lzo = {.codec = KO_PQ_LZO};
    assert_int_not_equal(ko_pq_writer_open(f->s, "lzo.parquet", els, 2, &lzo, &w, &err), KO_OK);
    assert_non_null(strstr(err.msg, "parquet writer"));
    assert_int_equal(ko_store_head(f->s, "lzo.parquet", &info, &err), KO_ERR_NOT_FOUND);
    cols_free(&cs);
}

/* A store failure while writing fails that write and every later call;
 * close reports it and leaves nothing behind. */
static void test_store_failure(void **state)
{
    fixture *f = *state;
    ko_err err = {0};
    ko_store *inner = NULL, *s = NULL;
    TU_OK(ko_store_open(f->dir, NULL, &inner, &err), &err);
    /* Calls: writer_open 1, "PAR1" 2, the first row group's chunks 3... */
    ko_fault_plan plan = {.fail_at = 3, .fail_status = KO_ERR_IO};
    TU_OK(ko_store_faulty_open(inner, &plan, &s, &err), &err);
    ko_pq_schema_element els[] = {root(1), leaf("k", KO_PQ_REQUIRED, KO_PQ_INT64)};
    cols cs;
    cols_init(&cs, els, 2);
    for (int64_t i = 0; i < 10000; i++)
        put(&cs.c[0], 0, 0, &i, 8);
    ko_pq_writer_options o = {.row_group_bytes = 4096};
    ko_pq_writer *w = NULL;
    TU_OK(ko_pq_writer_open(s, "failed.parquet", els, 2, &o, &w, &err), &err);
    assert_int_equal(ko_pq_writer_write(w, cs.c, &err), KO_ERR_IO);
    assert_int_equal(ko_pq_writer_write(w, cs.c, &err), KO_ERR_INVALID);
    assert_non_null(strstr(err.msg, "earlier write failed"));
    assert_int_not_equal(ko_pq_writer_close(w, &err), KO_OK);
    ko_obj_info info;
    assert_int_equal(ko_store_head(f->s, "failed.parquet", &info, &err), KO_ERR_NOT_FOUND);
    ko_store_close(s);
    cols_free(&cs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_flat_all_types, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nested, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nested_many, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zero_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_all_null, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dict_fallback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_row_groups_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_codecs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_statistics_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncated_max, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_stats_no_index, setup, teardown),
        cmocka_unit_test_setup_teardown(test_validation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_abort_and_bad_schema, setup, teardown),
        cmocka_unit_test_setup_teardown(test_boundary_orders, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_failure, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
