/*
 * test_pq_meta.c - Parquet metadata codec (src/parquet/meta.c, thrift.c).
 *
 * Round trips of every struct built by hand, the footers and first page
 * headers of every file in parquet-testing, hostile and mutated inputs
 * (which must fail cleanly: KO_ERR_CORRUPT with a message naming the field
 * and byte offset, no crash, no leak, no huge allocation), and the Thrift
 * compact primitives the decoders rest on.
 */
#include "testutil.h"

#include "parquet/parquet.h"
#include "parquet/thrift.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ================================================================ helpers */

static ko_pq_bin bin_of(const char *s)
{
    return (ko_pq_bin){.ptr = (const uint8_t *)s, .len = (uint32_t)strlen(s)};
}

static void assert_bin_eq(ko_pq_bin a, ko_pq_bin b)
{
    assert_int_equal(a.len, b.len);
    if (a.len)
        assert_memory_equal(a.ptr, b.ptr, a.len);
}

static void assert_str_eq_or_null(const char *a, const char *b)
{
    if (!a || !b)
        assert_ptr_equal(a, b);
    else
        assert_string_equal(a, b);
}

static bool read_file(const char *path, uint8_t **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    ko_buf b = {0};
    uint8_t tmp[65536];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
        assert_int_equal(ko_buf_append(&b, tmp, n), KO_OK);
    fclose(f);
    *out = ko_buf_detach(&b, len);
    if (!*out) {
        *out = malloc(1);
        *len = 0;
    }
    return true;
}

static const char *testdata(void)
{
    const char *d = getenv("KO_TESTDATA");
    return d ? d : "/work/shared/testdata";
}

/* Finds the footer of a Parquet file image; false if the framing is bad. */
static bool footer_of(const uint8_t *buf, size_t len, const uint8_t **footer, size_t *flen)
{
    if (len < 12 || memcmp(buf, "PAR1", 4) != 0 || memcmp(buf + len - 4, "PAR1", 4) != 0)
        return false;
    const uint8_t *p = buf + len - 8;
    uint32_t n = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    if (n > len - 12)
        return false;
    *footer = buf + len - 8 - n;
    *flen = n;
    return true;
}

/* Paths of the regular files in dir ending with suffix (sorted; NULL end). */
static char **list_files(const char *dir, const char *suffix, size_t *count)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    char **names = NULL;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name), sl = strlen(suffix);
        if (l < sl || strcmp(e->d_name + l - sl, suffix) != 0)
            continue;
        names = realloc(names, (n + 2) * sizeof *names);
        assert_non_null(names);
        size_t need = strlen(dir) + l + 2;
        names[n] = malloc(need);
        assert_non_null(names[n]);
        snprintf(names[n], need, "%s/%s", dir, e->d_name);
        n++;
    }
    closedir(d);
    for (size_t i = 1; i < n; i++) /* insertion sort: stable test order */
        for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
            char *t = names[j];
            names[j] = names[j - 1];
            names[j - 1] = t;
        }
    *count = n;
    return names;
}

static void free_files(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

static uint32_t count_leaves(const ko_pq_file_meta *m)
{
    uint32_t n = 0;
    for (uint32_t i = 1; i < m->n_schema; i++)
        if (m->schema[i].num_children == 0)
            n++;
    return n;
}

static bool acceptable(ko_status st)
{
    return st == KO_OK || st == KO_ERR_CORRUPT || st == KO_ERR_UNSUPPORTED;
}

/* ============================================== building a FileMetaData */

typedef struct node {
    const char *name;
    int type; /* -1: group */
    int32_t type_length;
    ko_pq_repetition rep;
    int32_t children;
    ko_pq_converted conv;
    ko_pq_logical lt;
} node;

#define LT(...) ((ko_pq_logical){__VA_ARGS__})

static const node SCHEMA[] = {
    {"schema", -1, 0, KO_PQ_REQUIRED, 15, KO_PQ_CT_NONE, LT(.kind = KO_PQ_LT_NONE)},
    {"id", KO_PQ_INT64, 0, KO_PQ_REQUIRED, 0, KO_PQ_CT_INT_64,
     LT(.kind = KO_PQ_LT_INTEGER, .bit_width = 64, .is_signed = true)},
    {"name", KO_PQ_BYTE_ARRAY, 0, KO_PQ_OPTIONAL, 0, KO_PQ_CT_UTF8, LT(.kind = KO_PQ_LT_STRING)},
    {"tags", -1, 0, KO_PQ_OPTIONAL, 1, KO_PQ_CT_LIST, LT(.kind = KO_PQ_LT_LIST)},
    {"list", -1, 0, KO_PQ_REPEATED, 1, KO_PQ_CT_NONE, LT(.kind = KO_PQ_LT_NONE)},
    {"element", KO_PQ_BYTE_ARRAY, 0, KO_PQ_OPTIONAL, 0, KO_PQ_CT_ENUM, LT(.kind = KO_PQ_LT_ENUM)},
    {"props", -1, 0, KO_PQ_OPTIONAL, 1, KO_PQ_CT_MAP, LT(.kind = KO_PQ_LT_MAP)},
    {"key_value", -1, 0, KO_PQ_REPEATED, 2, KO_PQ_CT_MAP_KEY_VALUE, LT(.kind = KO_PQ_LT_NONE)},
    {"key", KO_PQ_BYTE_ARRAY, 0, KO_PQ_REQUIRED, 0, KO_PQ_CT_UTF8, LT(.kind = KO_PQ_LT_STRING)},
    {"value", KO_PQ_BYTE_ARRAY, 0, KO_PQ_OPTIONAL, 0, KO_PQ_CT_JSON, LT(.kind = KO_PQ_LT_JSON)},
    {"price", KO_PQ_FIXED_LEN_BYTE_ARRAY, 16, KO_PQ_OPTIONAL, 0, KO_PQ_CT_DECIMAL,
     LT(.kind = KO_PQ_LT_DECIMAL, .scale = 10, .precision = 38)},
    {"day", KO_PQ_INT32, 0, KO_PQ_OPTIONAL, 0, KO_PQ_CT_DATE, LT(.kind = KO_PQ_LT_DATE)},
    {"t", KO_PQ_INT64, 0, KO_PQ_OPTIONAL, 0, KO_PQ_CT_TIME_MICROS,
     LT(.kind = KO_PQ_LT_TIME, .utc = false, .unit = KO_PQ_MICROS)},
    {"ts", KO_PQ_INT64, 0, KO_PQ_OPTIONAL, 0, KO_PQ_CT_NONE,
     LT(.kind = KO_PQ_LT_TIMESTAMP, .utc = true, .unit = KO_PQ_NANOS)},
    {"ts2", KO_PQ_INT64, 0, KO_PQ_OPTIONAL, 0, KO_PQ_CT_TIMESTAMP_MILLIS,
     LT(.kind = KO_PQ_LT_TIMESTAMP, .utc = true, .unit = KO_PQ_MILLIS)},
    {"u", KO_PQ_FIXED_LEN_BYTE_ARRAY, 16, KO_PQ_OPTIONAL, 0, KO_PQ_CT_NONE,
     LT(.kind = KO_PQ_LT_UUID)},
    {"h", KO_PQ_FIXED_LEN_BYTE_ARRAY, 2, KO_PQ_OPTIONAL, 0, KO_PQ_CT_NONE,
     LT(.kind = KO_PQ_LT_FLOAT16)},
    {"n", KO_PQ_INT32, 0, KO_PQ_OPTIONAL, 0, KO_PQ_CT_NONE, LT(.kind = KO_PQ_LT_UNKNOWN)},
    {"b", KO_PQ_BYTE_ARRAY, 0, KO_PQ_OPTIONAL, 0, KO_PQ_CT_BSON, LT(.kind = KO_PQ_LT_BSON)},
    {"small", KO_PQ_INT32, 0, KO_PQ_OPTIONAL, 0, KO_PQ_CT_UINT_8,
     LT(.kind = KO_PQ_LT_INTEGER, .bit_width = 8, .is_signed = false)},
    {"tm", KO_PQ_INT32, 0, KO_PQ_REQUIRED, 0, KO_PQ_CT_TIME_MILLIS,
     LT(.kind = KO_PQ_LT_TIME, .utc = true, .unit = KO_PQ_MILLIS)},
};

enum { N_SCHEMA = KO_ARRAY_LEN(SCHEMA), N_LEAVES = 16 };

/* Path of each leaf, computed from the depth-first schema. */
typedef struct leaf_path {
    const char *parts[4];
    uint32_t len;
    uint32_t schema_idx;
} leaf_path;

static uint32_t walk(uint32_t idx, const char **prefix, uint32_t depth, leaf_path *out,
                     uint32_t *n_out)
{
    const node *nd = &SCHEMA[idx];
    if (idx > 0)
        prefix[depth++] = nd->name;
    uint32_t next = idx + 1;
    if (nd->type >= 0) {
        leaf_path *p = &out[(*n_out)++];
        memcpy(p->parts, prefix, depth * sizeof *prefix);
        p->len = depth;
        p->schema_idx = idx;
        return next;
    }
    for (int32_t c = 0; c < nd->children; c++)
        next = walk(next, prefix, depth, out, n_out);
    return next;
}

static void build_column(ko_arena *a, const leaf_path *lp, int rg, uint32_t i,
                         ko_pq_column_chunk *c)
{
    const node *nd = &SCHEMA[lp->schema_idx];
    ko_pq_column_meta *m = &c->meta;
    int64_t base = 4 + rg * 100000 + (int64_t)i * 1000;
    c->file_offset = base;
    c->has_meta_data = true;
    m->type = (ko_pq_type)nd->type;
    m->encodings = ko_arena_calloc(a, 3, sizeof *m->encodings);
    m->encodings[0] = KO_PQ_ENC_PLAIN;
    m->encodings[1] = KO_PQ_ENC_RLE;
    m->encodings[2] = KO_PQ_ENC_RLE_DICTIONARY;
    m->n_encodings = 3;
    m->path = ko_arena_calloc(a, lp->len, sizeof *m->path);
    memcpy(m->path, lp->parts, lp->len * sizeof *m->path);
    m->path_len = lp->len;
    m->codec = (ko_pq_codec)(i % 8);
    m->num_values = 1000 + i;
    m->total_uncompressed_size = 5000 + i;
    m->total_compressed_size = 900 + i;
    m->data_page_offset = base + 100;
    if (i % 2 == 0) {
        m->has_dictionary_page_offset = true;
        m->dictionary_page_offset = base;
    }
    if (i == 3) {
        m->kv = ko_arena_calloc(a, 2, sizeof *m->kv);
        m->kv[0] = (ko_pq_kv){"colkey", "colvalue"};
        m->kv[1] = (ko_pq_kv){"novalue", NULL};
        m->n_kv = 2;
        m->has_index_page_offset = true;
        m->index_page_offset = base + 50;
    }
    ko_pq_statistics *s = &m->statistics;
    s->present = true;
    s->has_min = s->has_max = true;
    s->min_value = bin_of(i % 3 ? "aaa" : "");
    s->max_value = bin_of("zzzz");
    s->has_null_count = true;
    s->null_count = i;
    if (i % 4 == 1) {
        s->has_legacy_min = s->has_legacy_max = true;
        s->legacy_min = bin_of("\x01\x02");
        s->legacy_max = bin_of("\xff");
        s->has_distinct_count = true;
        s->distinct_count = 77;
        s->has_min_exact = s->has_max_exact = true;
        s->is_min_exact = true;
        s->is_max_exact = false;
    }
    m->encoding_stats = ko_arena_calloc(a, 2, sizeof *m->encoding_stats);
    m->encoding_stats[0] = (ko_pq_page_encoding_stats){KO_PQ_DICTIONARY_PAGE, KO_PQ_ENC_PLAIN, 1};
    m->encoding_stats[1] =
        (ko_pq_page_encoding_stats){KO_PQ_DATA_PAGE_V2, KO_PQ_ENC_RLE_DICTIONARY, 3};
    m->n_encoding_stats = 2;
    if (i % 3 == 0) {
        m->has_bloom_filter_offset = m->has_bloom_filter_length = true;
        m->bloom_filter_offset = base + 700;
        m->bloom_filter_length = 1040;
    }
    if (i % 2 == 1) {
        c->has_offset_index = c->has_column_index = true;
        c->offset_index_offset = 500000 + i;
        c->offset_index_length = 33;
        c->column_index_offset = 600000 + i;
        c->column_index_length = 44;
    }
    if (i == 5)
        c->file_path = "other/file.parquet";
}

static void build_file_meta(ko_arena *a, ko_pq_file_meta *m)
{
    memset(m, 0, sizeof *m);
    m->version = 2;
    m->schema = ko_arena_calloc(a, N_SCHEMA, sizeof *m->schema);
    m->n_schema = N_SCHEMA;
    for (uint32_t i = 0; i < N_SCHEMA; i++) {
        const node *nd = &SCHEMA[i];
        ko_pq_schema_element *e = &m->schema[i];
        e->name = nd->name;
        e->has_type = nd->type >= 0;
        e->type = nd->type >= 0 ? (ko_pq_type)nd->type : KO_PQ_BOOLEAN;
        e->type_length = nd->type_length;
        e->has_repetition = i > 0;
        e->repetition = nd->rep;
        e->num_children = nd->children;
        e->converted = nd->conv;
        if (nd->conv == KO_PQ_CT_DECIMAL) {
            e->scale = nd->lt.scale;
            e->precision = nd->lt.precision;
        }
        e->has_field_id = i > 0 && i % 3 != 0;
        e->field_id = e->has_field_id ? (int32_t)i * 10 : 0;
        e->logical = nd->lt;
    }
    leaf_path leaves[N_LEAVES];
    const char *prefix[4];
    uint32_t n_leaves = 0;
    walk(0, prefix, 0, leaves, &n_leaves);
    assert_int_equal(n_leaves, N_LEAVES);

    m->num_rows = 3000;
    m->n_row_groups = 2;
    m->row_groups = ko_arena_calloc(a, 2, sizeof *m->row_groups);
    for (int rg = 0; rg < 2; rg++) {
        ko_pq_row_group *g = &m->row_groups[rg];
        g->n_columns = N_LEAVES;
        g->columns = ko_arena_calloc(a, N_LEAVES, sizeof *g->columns);
        for (uint32_t i = 0; i < N_LEAVES; i++)
            build_column(a, &leaves[i], rg, i, &g->columns[i]);
        g->total_byte_size = 123456 + rg;
        g->num_rows = rg == 0 ? 1000 : 2000;
        if (rg == 1) {
            g->sorting_columns = ko_arena_calloc(a, 2, sizeof *g->sorting_columns);
            g->sorting_columns[0] = (ko_pq_sorting_column){0, false, true};
            g->sorting_columns[1] = (ko_pq_sorting_column){7, true, false};
            g->n_sorting_columns = 2;
        }
        g->has_file_offset = g->has_total_compressed_size = g->has_ordinal = true;
        g->file_offset = 4 + rg * 100000;
        g->total_compressed_size = 99999;
        g->ordinal = (int16_t)rg;
    }
    m->kv = ko_arena_calloc(a, 2, sizeof *m->kv);
    m->kv[0] = (ko_pq_kv){"ARROW:schema", "/////base64"};
    m->kv[1] = (ko_pq_kv){"writer.note", NULL};
    m->n_kv = 2;
    m->created_by = "korolev version 0.1.0 (build test)";
    m->column_orders = ko_arena_calloc(a, N_LEAVES, sizeof(bool));
    for (uint32_t i = 0; i < N_LEAVES; i++)
        m->column_orders[i] = true;
    m->n_column_orders = N_LEAVES;
}

/* ========================================================== comparisons */

static void assert_logical_eq(const ko_pq_logical *a, const ko_pq_logical *b)
{
    assert_int_equal(a->kind, b->kind);
    if (a->kind == KO_PQ_LT_DECIMAL) {
        assert_int_equal(a->scale, b->scale);
        assert_int_equal(a->precision, b->precision);
    }
    if (a->kind == KO_PQ_LT_TIME || a->kind == KO_PQ_LT_TIMESTAMP) {
        assert_int_equal(a->utc, b->utc);
        assert_int_equal(a->unit, b->unit);
    }
    if (a->kind == KO_PQ_LT_INTEGER) {
        assert_int_equal(a->bit_width, b->bit_width);
        assert_int_equal(a->is_signed, b->is_signed);
    }
}

static void assert_schema_eq(const ko_pq_schema_element *a, const ko_pq_schema_element *b)
{
    assert_string_equal(a->name, b->name);
    assert_int_equal(a->has_type, b->has_type);
    if (a->has_type)
        assert_int_equal(a->type, b->type);
    assert_int_equal(a->type_length, b->type_length);
    assert_int_equal(a->has_repetition, b->has_repetition);
    if (a->has_repetition)
        assert_int_equal(a->repetition, b->repetition);
    assert_int_equal(a->num_children, b->num_children);
    assert_int_equal(a->converted, b->converted);
    assert_int_equal(a->scale, b->scale);
    assert_int_equal(a->precision, b->precision);
    assert_int_equal(a->has_field_id, b->has_field_id);
    assert_int_equal(a->field_id, b->field_id);
    assert_logical_eq(&a->logical, &b->logical);
}

static void assert_stats_eq(const ko_pq_statistics *a, const ko_pq_statistics *b)
{
    assert_int_equal(a->present, b->present);
    if (!a->present)
        return;
    assert_int_equal(a->has_min, b->has_min);
    assert_int_equal(a->has_max, b->has_max);
    assert_int_equal(a->has_legacy_min, b->has_legacy_min);
    assert_int_equal(a->has_legacy_max, b->has_legacy_max);
    if (a->has_min)
        assert_bin_eq(a->min_value, b->min_value);
    if (a->has_max)
        assert_bin_eq(a->max_value, b->max_value);
    if (a->has_legacy_min)
        assert_bin_eq(a->legacy_min, b->legacy_min);
    if (a->has_legacy_max)
        assert_bin_eq(a->legacy_max, b->legacy_max);
    assert_int_equal(a->has_null_count, b->has_null_count);
    assert_int_equal(a->null_count, b->null_count);
    assert_int_equal(a->has_distinct_count, b->has_distinct_count);
    assert_int_equal(a->distinct_count, b->distinct_count);
    assert_int_equal(a->has_min_exact, b->has_min_exact);
    assert_int_equal(a->has_max_exact, b->has_max_exact);
    assert_int_equal(a->is_min_exact, b->is_min_exact);
    assert_int_equal(a->is_max_exact, b->is_max_exact);
}

static void assert_kvs_eq(const ko_pq_kv *a, uint32_t na, const ko_pq_kv *b, uint32_t nb)
{
    assert_int_equal(na, nb);
    assert_int_equal(a == NULL, b == NULL);
    for (uint32_t i = 0; i < na; i++) {
        assert_string_equal(a[i].key, b[i].key);
        assert_str_eq_or_null(a[i].value, b[i].value);
    }
}

static void assert_column_meta_eq(const ko_pq_column_meta *a, const ko_pq_column_meta *b)
{
    assert_int_equal(a->type, b->type);
    assert_int_equal(a->n_encodings, b->n_encodings);
    for (uint32_t i = 0; i < a->n_encodings; i++)
        assert_int_equal(a->encodings[i], b->encodings[i]);
    assert_int_equal(a->path_len, b->path_len);
    for (uint32_t i = 0; i < a->path_len; i++)
        assert_string_equal(a->path[i], b->path[i]);
    assert_int_equal(a->codec, b->codec);
    assert_int_equal(a->num_values, b->num_values);
    assert_int_equal(a->total_uncompressed_size, b->total_uncompressed_size);
    assert_int_equal(a->total_compressed_size, b->total_compressed_size);
    assert_kvs_eq(a->kv, a->n_kv, b->kv, b->n_kv);
    assert_int_equal(a->data_page_offset, b->data_page_offset);
    assert_int_equal(a->has_index_page_offset, b->has_index_page_offset);
    assert_int_equal(a->index_page_offset, b->index_page_offset);
    assert_int_equal(a->has_dictionary_page_offset, b->has_dictionary_page_offset);
    assert_int_equal(a->dictionary_page_offset, b->dictionary_page_offset);
    assert_stats_eq(&a->statistics, &b->statistics);
    assert_int_equal(a->n_encoding_stats, b->n_encoding_stats);
    for (uint32_t i = 0; i < a->n_encoding_stats; i++) {
        assert_int_equal(a->encoding_stats[i].page_type, b->encoding_stats[i].page_type);
        assert_int_equal(a->encoding_stats[i].encoding, b->encoding_stats[i].encoding);
        assert_int_equal(a->encoding_stats[i].count, b->encoding_stats[i].count);
    }
    assert_int_equal(a->has_bloom_filter_offset, b->has_bloom_filter_offset);
    assert_int_equal(a->bloom_filter_offset, b->bloom_filter_offset);
    assert_int_equal(a->has_bloom_filter_length, b->has_bloom_filter_length);
    assert_int_equal(a->bloom_filter_length, b->bloom_filter_length);
}

static void assert_chunk_eq(const ko_pq_column_chunk *a, const ko_pq_column_chunk *b)
{
    assert_str_eq_or_null(a->file_path, b->file_path);
    assert_int_equal(a->file_offset, b->file_offset);
    assert_int_equal(a->has_meta_data, b->has_meta_data);
    if (a->has_meta_data)
        assert_column_meta_eq(&a->meta, &b->meta);
    assert_int_equal(a->has_offset_index, b->has_offset_index);
    assert_int_equal(a->offset_index_offset, b->offset_index_offset);
    assert_int_equal(a->offset_index_length, b->offset_index_length);
    assert_int_equal(a->has_column_index, b->has_column_index);
    assert_int_equal(a->column_index_offset, b->column_index_offset);
    assert_int_equal(a->column_index_length, b->column_index_length);
    assert_int_equal(a->encrypted, b->encrypted);
}

static void assert_row_group_eq(const ko_pq_row_group *a, const ko_pq_row_group *b)
{
    assert_int_equal(a->n_columns, b->n_columns);
    for (uint32_t i = 0; i < a->n_columns; i++)
        assert_chunk_eq(&a->columns[i], &b->columns[i]);
    assert_int_equal(a->total_byte_size, b->total_byte_size);
    assert_int_equal(a->num_rows, b->num_rows);
    assert_int_equal(a->sorting_columns == NULL, b->sorting_columns == NULL);
    assert_int_equal(a->n_sorting_columns, b->n_sorting_columns);
    for (uint32_t i = 0; i < a->n_sorting_columns; i++) {
        assert_int_equal(a->sorting_columns[i].column_idx, b->sorting_columns[i].column_idx);
        assert_int_equal(a->sorting_columns[i].descending, b->sorting_columns[i].descending);
        assert_int_equal(a->sorting_columns[i].nulls_first, b->sorting_columns[i].nulls_first);
    }
    assert_int_equal(a->has_file_offset, b->has_file_offset);
    assert_int_equal(a->file_offset, b->file_offset);
    assert_int_equal(a->has_total_compressed_size, b->has_total_compressed_size);
    assert_int_equal(a->total_compressed_size, b->total_compressed_size);
    assert_int_equal(a->has_ordinal, b->has_ordinal);
    assert_int_equal(a->ordinal, b->ordinal);
}

static void assert_file_meta_eq(const ko_pq_file_meta *a, const ko_pq_file_meta *b)
{
    assert_int_equal(a->version, b->version);
    assert_int_equal(a->n_schema, b->n_schema);
    for (uint32_t i = 0; i < a->n_schema; i++)
        assert_schema_eq(&a->schema[i], &b->schema[i]);
    assert_int_equal(a->num_rows, b->num_rows);
    assert_int_equal(a->n_row_groups, b->n_row_groups);
    for (uint32_t i = 0; i < a->n_row_groups; i++)
        assert_row_group_eq(&a->row_groups[i], &b->row_groups[i]);
    assert_kvs_eq(a->kv, a->n_kv, b->kv, b->n_kv);
    assert_str_eq_or_null(a->created_by, b->created_by);
    assert_int_equal(a->n_column_orders, b->n_column_orders);
    assert_int_equal(a->column_orders == NULL, b->column_orders == NULL);
    for (uint32_t i = 0; i < a->n_column_orders; i++)
        assert_int_equal(a->column_orders[i], b->column_orders[i]);
    assert_int_equal(a->encrypted, b->encrypted);
}

/* ============================================================ round trips */

static void test_roundtrip_file_meta(void **state)
{
    (void)state;
    ko_arena a = {0};
    ko_err err = {0};
    ko_pq_file_meta m, d;
    build_file_meta(&a, &m);

    ko_buf enc = {0};
    assert_int_equal(ko_pq_encode_file_meta(&m, &enc), KO_OK);
    /* Decode from a copy that is freed first: results must live in the arena. */
    uint8_t *copy = malloc(enc.len);
    assert_non_null(copy);
    memcpy(copy, enc.data, enc.len);
    ko_arena da = {0};
    TU_OK(ko_pq_decode_file_meta(copy, enc.len, &da, &d, &err), &err);
    memset(copy, 0xAA, enc.len);
    free(copy);
    assert_file_meta_eq(&m, &d);
    assert_int_equal(d.schema[1].logical.kind, KO_PQ_LT_INTEGER);
    assert_string_equal(d.row_groups[1].columns[5].file_path, "other/file.parquet");
    assert_null(d.kv[1].value);

    /* Re-encoding the decoded struct gives the same bytes. */
    ko_buf enc2 = {0};
    assert_int_equal(ko_pq_encode_file_meta(&d, &enc2), KO_OK);
    assert_int_equal(enc.len, enc2.len);
    assert_memory_equal(enc.data, enc2.data, enc.len);

    ko_buf_free(&enc);
    ko_buf_free(&enc2);
    ko_arena_free(&da);
    ko_arena_free(&a);
}

static void test_roundtrip_file_meta_minimal(void **state)
{
    (void)state;
    ko_arena a = {0};
    ko_err err = {0};
    ko_pq_schema_element schema[2] = {
        {.name = "root", .num_children = 1, .converted = KO_PQ_CT_NONE},
        {.name = "x",
         .has_type = true,
         .type = KO_PQ_INT32,
         .has_repetition = true,
         .repetition = KO_PQ_OPTIONAL,
         .converted = KO_PQ_CT_NONE},
    };
    ko_pq_file_meta m = {.version = 1, .schema = schema, .n_schema = 2, .num_rows = 0};
    ko_buf enc = {0};
    assert_int_equal(ko_pq_encode_file_meta(&m, &enc), KO_OK);
    ko_pq_file_meta d;
    TU_OK(ko_pq_decode_file_meta(enc.data, enc.len, &a, &d, &err), &err);
    assert_file_meta_eq(&m, &d);
    assert_int_equal(d.n_row_groups, 0);
    assert_null(d.kv);
    assert_null(d.created_by);
    assert_null(d.column_orders);
    assert_int_equal(d.schema[1].converted, KO_PQ_CT_NONE);
    assert_int_equal(d.schema[1].logical.kind, KO_PQ_LT_NONE);
    assert_false(d.schema[1].has_field_id);
    ko_buf_free(&enc);
    ko_arena_free(&a);
}

static void roundtrip_page_header(const ko_pq_page_header *h)
{
    ko_arena a = {0};
    ko_err err = {0};
    ko_buf enc = {0};
    assert_int_equal(ko_pq_encode_page_header(h, &enc), KO_OK);
    /* Trailing page bytes after the header must not be consumed. */
    assert_int_equal(ko_buf_append(&enc, "PAGEDATA", 8), KO_OK);
    ko_pq_page_header d;
    size_t used = 0;
    TU_OK(ko_pq_decode_page_header(enc.data, enc.len, &a, &d, &used, &err), &err);
    assert_int_equal(used, enc.len - 8);
    assert_int_equal(d.type, h->type);
    assert_int_equal(d.uncompressed_page_size, h->uncompressed_page_size);
    assert_int_equal(d.compressed_page_size, h->compressed_page_size);
    assert_int_equal(d.has_crc, h->has_crc);
    assert_int_equal(d.crc, h->crc);
    assert_int_equal(d.has_data, h->has_data);
    assert_int_equal(d.has_dict, h->has_dict);
    assert_int_equal(d.has_data_v2, h->has_data_v2);
    if (h->has_data) {
        assert_int_equal(d.data.num_values, h->data.num_values);
        assert_int_equal(d.data.encoding, h->data.encoding);
        assert_int_equal(d.data.def_encoding, h->data.def_encoding);
        assert_int_equal(d.data.rep_encoding, h->data.rep_encoding);
        assert_stats_eq(&d.data.statistics, &h->data.statistics);
    }
    if (h->has_dict) {
        assert_int_equal(d.dict.num_values, h->dict.num_values);
        assert_int_equal(d.dict.encoding, h->dict.encoding);
        assert_int_equal(d.dict.is_sorted, h->dict.is_sorted);
    }
    if (h->has_data_v2) {
        const ko_pq_data_page_header_v2 *x = &h->data_v2, *y = &d.data_v2;
        assert_int_equal(y->num_values, x->num_values);
        assert_int_equal(y->num_nulls, x->num_nulls);
        assert_int_equal(y->num_rows, x->num_rows);
        assert_int_equal(y->encoding, x->encoding);
        assert_int_equal(y->def_levels_byte_length, x->def_levels_byte_length);
        assert_int_equal(y->rep_levels_byte_length, x->rep_levels_byte_length);
        assert_int_equal(y->is_compressed, x->is_compressed);
        assert_stats_eq(&y->statistics, &x->statistics);
    }
    ko_buf_free(&enc);
    ko_arena_free(&a);
}

static void test_roundtrip_page_headers(void **state)
{
    (void)state;
    ko_pq_page_header v1 = {
        .type = KO_PQ_DATA_PAGE,
        .uncompressed_page_size = 4096,
        .compressed_page_size = 1234,
        .has_crc = true,
        .crc = 0xDEADBEEF,
        .has_data = true,
        .data = {.num_values = 100,
                 .encoding = KO_PQ_ENC_RLE_DICTIONARY,
                 .def_encoding = KO_PQ_ENC_RLE,
                 .rep_encoding = KO_PQ_ENC_BIT_PACKED,
                 .statistics = {.present = true,
                                .has_min = true,
                                .has_max = true,
                                .min_value = bin_of("a"),
                                .max_value = bin_of("b"),
                                .has_null_count = true,
                                .null_count = 3}},
    };
    roundtrip_page_header(&v1);

    ko_pq_page_header v2 = {
        .type = KO_PQ_DATA_PAGE_V2,
        .uncompressed_page_size = 70000,
        .compressed_page_size = 65536,
        .has_data_v2 = true,
        .data_v2 = {.num_values = 5000,
                    .num_nulls = 10,
                    .num_rows = 4000,
                    .encoding = KO_PQ_ENC_DELTA_BINARY_PACKED,
                    .def_levels_byte_length = 20,
                    .rep_levels_byte_length = 30,
                    .is_compressed = false,
                    .statistics = {.present = true,
                                   .has_legacy_min = true,
                                   .legacy_min = bin_of("\x00\x01"),
                                   .has_distinct_count = true,
                                   .distinct_count = 9}},
    };
    roundtrip_page_header(&v2);
    v2.data_v2.is_compressed = true;
    v2.data_v2.statistics.present = false;
    roundtrip_page_header(&v2);

    ko_pq_page_header dict = {
        .type = KO_PQ_DICTIONARY_PAGE,
        .uncompressed_page_size = 800,
        .compressed_page_size = 800,
        .has_dict = true,
        .dict = {.num_values = 100, .encoding = KO_PQ_ENC_PLAIN, .is_sorted = true},
    };
    roundtrip_page_header(&dict);
}

static void test_roundtrip_indexes(void **state)
{
    (void)state;
    ko_arena a = {0};
    ko_err err = {0};
    bool nulls[20];
    ko_pq_bin mins[20], maxs[20];
    int64_t counts[20];
    char text[20][8];
    for (int i = 0; i < 20; i++) {
        nulls[i] = i % 5 == 0;
        snprintf(text[i], sizeof text[i], "v%03d", i);
        mins[i] = nulls[i] ? bin_of("") : bin_of(text[i]);
        maxs[i] = bin_of(text[i]);
        counts[i] = i * 7;
    }
    ko_pq_column_index ci = {.null_pages = nulls,
                             .min_values = mins,
                             .max_values = maxs,
                             .n_pages = 20,
                             .boundary_order = KO_PQ_ASCENDING,
                             .null_counts = counts};
    for (int with_counts = 0; with_counts < 2; with_counts++) {
        ci.null_counts = with_counts ? counts : NULL;
        ko_buf enc = {0};
        assert_int_equal(ko_pq_encode_column_index(&ci, &enc), KO_OK);
        ko_pq_column_index d;
        TU_OK(ko_pq_decode_column_index(enc.data, enc.len, &a, &d, &err), &err);
        assert_int_equal(d.n_pages, 20);
        assert_int_equal(d.boundary_order, KO_PQ_ASCENDING);
        for (int i = 0; i < 20; i++) {
            assert_int_equal(d.null_pages[i], nulls[i]);
            assert_bin_eq(d.min_values[i], mins[i]);
            assert_bin_eq(d.max_values[i], maxs[i]);
        }
        if (with_counts) {
            assert_non_null(d.null_counts);
            for (int i = 0; i < 20; i++)
                assert_int_equal(d.null_counts[i], counts[i]);
        } else {
            assert_null(d.null_counts);
        }
        ko_buf_free(&enc);
    }

    ko_pq_page_location locs[3] = {{4, 100, 0}, {104, 200, 1000}, {304, 5000000, 2000000000000}};
    ko_pq_offset_index oi = {.pages = locs, .n_pages = 3};
    ko_buf enc = {0};
    assert_int_equal(ko_pq_encode_offset_index(&oi, &enc), KO_OK);
    ko_pq_offset_index d;
    TU_OK(ko_pq_decode_offset_index(enc.data, enc.len, &a, &d, &err), &err);
    assert_int_equal(d.n_pages, 3);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(d.pages[i].offset, locs[i].offset);
        assert_int_equal(d.pages[i].compressed_page_size, locs[i].compressed_page_size);
        assert_int_equal(d.pages[i].first_row_index, locs[i].first_row_index);
    }
    ko_buf_free(&enc);

    /* Mismatched list lengths are corrupt. */
    ci.null_counts = NULL;
    assert_int_equal(ko_pq_encode_column_index(&ci, &enc), KO_OK);
    ko_pq_column_index bad;
    /* Re-encode with a shorter max_values list by hand. */
    ko_buf_reset(&enc);
    ko_tc_writer w;
    ko_tc_writer_init(&w, &enc);
    ko_tc_write_struct_begin(&w);
    ko_tc_write_field_begin(&w, 1, KO_TC_LIST);
    ko_tc_write_list_begin(&w, KO_TC_BOOL, 2);
    ko_tc_write_bool(&w, true);
    ko_tc_write_bool(&w, false);
    ko_tc_write_field_begin(&w, 2, KO_TC_LIST);
    ko_tc_write_list_begin(&w, KO_TC_BINARY, 2);
    ko_tc_write_string(&w, "");
    ko_tc_write_string(&w, "a");
    ko_tc_write_field_begin(&w, 3, KO_TC_LIST);
    ko_tc_write_list_begin(&w, KO_TC_BINARY, 1);
    ko_tc_write_string(&w, "z");
    ko_tc_write_field_i32(&w, 4, 0);
    ko_tc_write_struct_end(&w);
    assert_int_equal(ko_tc_writer_status(&w), KO_OK);
    assert_int_equal(ko_pq_decode_column_index(enc.data, enc.len, &a, &bad, &err), KO_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "ColumnIndex"));
    ko_buf_free(&enc);
    ko_arena_free(&a);
}

static void test_bloom_header(void **state)
{
    (void)state;
    ko_err err = {0};
    char path[1024];
    snprintf(path, sizeof path, "%s/parquet-testing/data/bloom_filter.xxhash.bin", testdata());
    uint8_t *buf;
    size_t len;
    assert_true(read_file(path, &buf, &len));
    ko_pq_bloom_header h;
    size_t used = 0;
    TU_OK(ko_pq_decode_bloom_header(buf, len, &h, &used, &err), &err);
    assert_int_equal(h.num_bytes, 1024);
    assert_true(h.block_split);
    assert_true(h.xxhash);
    assert_true(h.uncompressed);
    assert_int_equal(used + (size_t)h.num_bytes, len);
    free(buf);

    /* An unknown algorithm is not an error: the flags say what is known. */
    ko_buf b = {0};
    ko_tc_writer w;
    ko_tc_writer_init(&w, &b);
    ko_tc_write_struct_begin(&w);
    ko_tc_write_field_i32(&w, 1, 32);
    ko_tc_write_field_begin(&w, 2, KO_TC_STRUCT);
    ko_tc_write_struct_begin(&w);
    ko_tc_write_field_begin(&w, 2, KO_TC_STRUCT); /* a future algorithm */
    ko_tc_write_struct_begin(&w);
    ko_tc_write_struct_end(&w);
    ko_tc_write_struct_end(&w);
    ko_tc_write_struct_end(&w);
    assert_int_equal(ko_pq_decode_bloom_header(b.data, b.len, &h, NULL, &err), KO_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "hash"));
    ko_buf_free(&b);
}

/* ========================================================= real files */

static void check_page_headers(const char *path, const uint8_t *buf, size_t len,
                               const ko_pq_file_meta *m, bool must_succeed)
{
    for (uint32_t g = 0; g < m->n_row_groups; g++) {
        const ko_pq_row_group *rg = &m->row_groups[g];
        for (uint32_t c = 0; c < rg->n_columns; c++) {
            const ko_pq_column_chunk *cc = &rg->columns[c];
            if (!cc->has_meta_data || cc->file_path)
                continue;
            int64_t off = cc->meta.data_page_offset;
            if (cc->meta.has_dictionary_page_offset && cc->meta.dictionary_page_offset > 0)
                off = cc->meta.dictionary_page_offset;
            if (off < 0 || (uint64_t)off >= len) {
                if (must_succeed)
                    fail_msg("%s rg %u col %u: page offset %lld outside the file", path, g, c,
                             (long long)off);
                continue;
            }
            ko_arena a = {0};
            ko_err err = {0};
            ko_pq_page_header h;
            size_t used = 0;
            ko_status st =
                ko_pq_decode_page_header(buf + off, len - (size_t)off, &a, &h, &used, &err);
            if (must_succeed && st != KO_OK)
                fail_msg("%s rg %u col %u: %s", path, g, c, err.msg);
            if (!acceptable(st))
                fail_msg("%s: page header status %s", path, ko_status_name(st));
            if (st == KO_OK)
                assert_true(used > 0 && used <= len - (size_t)off);
            ko_arena_free(&a);
        }
    }
}

/* Decodes the column/offset indexes and bloom filter headers a file has. */
static void check_indexes(const char *path, const uint8_t *buf, size_t len,
                          const ko_pq_file_meta *m)
{
    for (uint32_t g = 0; g < m->n_row_groups; g++) {
        for (uint32_t c = 0; c < m->row_groups[g].n_columns; c++) {
            const ko_pq_column_chunk *cc = &m->row_groups[g].columns[c];
            ko_arena a = {0};
            ko_err err = {0};
            if (cc->has_column_index && cc->column_index_offset > 0 &&
                (uint64_t)cc->column_index_offset + (uint64_t)cc->column_index_length <= len) {
                ko_pq_column_index ci;
                ko_status st = ko_pq_decode_column_index(
                    buf + cc->column_index_offset, (size_t)cc->column_index_length, &a, &ci, &err);
                if (st != KO_OK)
                    fail_msg("%s column index rg %u col %u: %s", path, g, c, err.msg);
            }
            if (cc->has_offset_index && cc->offset_index_offset > 0 &&
                (uint64_t)cc->offset_index_offset + (uint64_t)cc->offset_index_length <= len) {
                ko_pq_offset_index oi;
                ko_status st = ko_pq_decode_offset_index(
                    buf + cc->offset_index_offset, (size_t)cc->offset_index_length, &a, &oi, &err);
                if (st != KO_OK)
                    fail_msg("%s offset index rg %u col %u: %s", path, g, c, err.msg);
                assert_true(oi.n_pages > 0);
            }
            if (cc->has_meta_data && cc->meta.has_bloom_filter_offset &&
                (uint64_t)cc->meta.bloom_filter_offset < len) {
                ko_pq_bloom_header bh;
                size_t off = (size_t)cc->meta.bloom_filter_offset;
                ko_status st = ko_pq_decode_bloom_header(buf + off, len - off, &bh, NULL, &err);
                if (st != KO_OK)
                    fail_msg("%s bloom rg %u col %u: %s", path, g, c, err.msg);
                assert_true(bh.num_bytes > 0);
            }
            ko_arena_free(&a);
        }
    }
}

static void check_good_file(const char *path)
{
    uint8_t *buf;
    size_t len;
    assert_true(read_file(path, &buf, &len));
    const uint8_t *footer;
    size_t flen;
    if (!footer_of(buf, len, &footer, &flen))
        fail_msg("%s: bad PAR1 framing", path);
    ko_arena a = {0};
    ko_err err = {0};
    ko_pq_file_meta m;
    ko_status st = ko_pq_decode_file_meta(footer, flen, &a, &m, &err);
    if (st != KO_OK)
        fail_msg("%s: %s", path, err.msg);
    assert_true(m.num_rows >= 0);
    assert_true(m.n_schema >= 1);
    assert_true(m.schema[0].num_children > 0);
    uint32_t leaves = count_leaves(&m);
    for (uint32_t g = 0; g < m.n_row_groups; g++) {
        if (m.row_groups[g].n_columns != leaves)
            fail_msg("%s: row group %u has %u columns for %u leaves", path, g,
                     m.row_groups[g].n_columns, leaves);
    }
    check_page_headers(path, buf, len, &m, true);
    check_indexes(path, buf, len, &m);

    /* What we decode, we can encode and decode again to the same struct
     * (LogicalType members we do not know are dropped by the encoder). */
    for (uint32_t i = 0; i < m.n_schema; i++)
        if (m.schema[i].logical.kind == KO_PQ_LT_OTHER)
            m.schema[i].logical.kind = KO_PQ_LT_NONE;
    ko_buf enc = {0};
    assert_int_equal(ko_pq_encode_file_meta(&m, &enc), KO_OK);
    ko_pq_file_meta d;
    TU_OK(ko_pq_decode_file_meta(enc.data, enc.len, &a, &d, &err), &err);
    if (!m.encrypted)
        assert_file_meta_eq(&m, &d);
    ko_buf_free(&enc);
    ko_arena_free(&a);
    free(buf);
}

static void test_real_footers(void **state)
{
    (void)state;
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/parquet-testing/data", testdata());
    size_t n;
    char **files = list_files(dir, ".parquet", &n);
    assert_true(n >= 40);
    for (size_t i = 0; i < n; i++)
        check_good_file(files[i]);
    free_files(files, n);
}

static void test_real_footer_details(void **state)
{
    (void)state;
    char path[1024];
    snprintf(path, sizeof path, "%s/parquet-testing/data/alltypes_plain.parquet", testdata());
    uint8_t *buf;
    size_t len;
    assert_true(read_file(path, &buf, &len));
    const uint8_t *footer;
    size_t flen;
    assert_true(footer_of(buf, len, &footer, &flen));
    ko_arena a = {0};
    ko_err err = {0};
    ko_pq_file_meta m;
    TU_OK(ko_pq_decode_file_meta(footer, flen, &a, &m, &err), &err);
    assert_int_equal(m.num_rows, 8);
    assert_int_equal(m.n_schema, 12);
    assert_string_equal(m.schema[1].name, "id");
    assert_int_equal(m.schema[1].type, KO_PQ_INT32);
    assert_int_equal(m.schema[1].converted, KO_PQ_CT_NONE);
    assert_int_equal(m.row_groups[0].n_columns, 11);
    assert_string_equal(m.row_groups[0].columns[0].meta.path[0], "id");
    ko_arena_free(&a);
    free(buf);

    snprintf(path, sizeof path, "%s/parquet-testing/data/unknown-logical-type.parquet", testdata());
    assert_true(read_file(path, &buf, &len));
    assert_true(footer_of(buf, len, &footer, &flen));
    TU_OK(ko_pq_decode_file_meta(footer, flen, &a, &m, &err), &err);
    bool saw_other = false;
    for (uint32_t i = 0; i < m.n_schema; i++)
        saw_other |= m.schema[i].logical.kind == KO_PQ_LT_OTHER;
    assert_true(saw_other);
    ko_arena_free(&a);
    free(buf);
}

static void test_bad_data(void **state)
{
    (void)state;
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/parquet-testing/bad_data", testdata());
    size_t n;
    char **files = list_files(dir, ".parquet", &n);
    assert_true(n >= 1);
    for (size_t i = 0; i < n; i++) {
        uint8_t *buf;
        size_t len;
        assert_true(read_file(files[i], &buf, &len));
        const uint8_t *footer;
        size_t flen;
        if (footer_of(buf, len, &footer, &flen)) {
            ko_arena a = {0};
            ko_err err = {0};
            ko_pq_file_meta m;
            ko_status st = ko_pq_decode_file_meta(footer, flen, &a, &m, &err);
            if (st != KO_OK && st != KO_ERR_CORRUPT)
                fail_msg("%s: unexpected status %s", files[i], ko_status_name(st));
            if (st == KO_ERR_CORRUPT)
                assert_true(strlen(err.msg) > 0);
            else
                check_page_headers(files[i], buf, len, &m, false);
            ko_arena_free(&a);
        }
        free(buf);
    }
    free_files(files, n);
}

/* ======================================================= fuzz-ish tests */

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void decode_any(const uint8_t *p, size_t n)
{
    ko_arena a = {0};
    ko_err err = {0};
    ko_pq_file_meta m;
    ko_status st = ko_pq_decode_file_meta(p, n, &a, &m, &err);
    if (!acceptable(st))
        fail_msg("file meta: status %s: %s", ko_status_name(st), err.msg);
    if (st != KO_OK)
        assert_true(err.msg[0] != '\0');
    ko_pq_page_header h;
    st = ko_pq_decode_page_header(p, n, &a, &h, NULL, &err);
    if (!acceptable(st))
        fail_msg("page header: status %s: %s", ko_status_name(st), err.msg);
    ko_arena_free(&a);
}

static void fuzz_file(const char *name, int mutations)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/parquet-testing/data/%s", testdata(), name);
    uint8_t *buf;
    size_t len;
    assert_true(read_file(path, &buf, &len));
    const uint8_t *footer;
    size_t flen;
    assert_true(footer_of(buf, len, &footer, &flen));
    /* Every truncation fails cleanly (heap copies, so ASan sees overreads). */
    for (size_t n = 0; n < flen; n++) {
        uint8_t *p = malloc(n ? n : 1);
        assert_non_null(p);
        memcpy(p, footer, n);
        ko_arena a = {0};
        ko_err err = {0};
        ko_pq_file_meta m;
        ko_status st = ko_pq_decode_file_meta(p, n, &a, &m, &err);
        if (st != KO_ERR_CORRUPT)
            fail_msg("%s: prefix of %zu bytes: %s", name, n, ko_status_name(st));
        ko_arena_free(&a);
        free(p);
    }
    uint64_t seed = 0x9E3779B97F4A7C15ull ^ flen;
    uint8_t *p = malloc(flen);
    assert_non_null(p);
    for (int i = 0; i < mutations; i++) {
        memcpy(p, footer, flen);
        size_t at = rng_next(&seed) % flen;
        uint8_t v = (uint8_t)rng_next(&seed);
        p[at] = v == p[at] ? (uint8_t)~v : v;
        decode_any(p, flen);
    }
    free(p);
    free(buf);
}

static void test_fuzz_truncations_and_mutations(void **state)
{
    (void)state;
    fuzz_file("data_index_bloom_encoding_stats.parquet", 2000);
    fuzz_file("nested_structs.rust.parquet", 2000);
    fuzz_file("alltypes_tiny_pages.parquet", 500);
}

/* ============================================================ hostile input */

static void test_hostile_huge_list(void **state)
{
    (void)state;
    /* FileMetaData.schema (field 2) claiming 2^31 structs, then nothing. */
    const uint8_t huge[] = {0x15, 0x02, 0x19, 0xFC, 0x80, 0x80, 0x80, 0x80, 0x08};
    /* And 2^31 - 1 i32 elements in an unknown field (skipped). */
    const uint8_t huge_skip[] = {0x15, 0x02, 0x09, 0x28, 0xF5, 0xFF, 0xFF, 0xFF, 0xFF, 0x07, 0x00};
    /* A map claiming 2^30 entries in an unknown field. */
    const uint8_t huge_map[] = {0x15, 0x02, 0x0B, 0x28, 0x80, 0x80, 0x80, 0x80, 0x04, 0x55, 0x00};
    /* Binary length 2^31 - 1 in created_by. */
    const uint8_t huge_bin[] = {0x15, 0x02, 0x58, 0xFF, 0xFF, 0xFF, 0xFF, 0x07, 'a', 'b'};
    const struct {
        const uint8_t *p;
        size_t n;
    } cases[] = {{huge, sizeof huge},
                 {huge_skip, sizeof huge_skip},
                 {huge_map, sizeof huge_map},
                 {huge_bin, sizeof huge_bin}};
    for (size_t i = 0; i < KO_ARRAY_LEN(cases); i++) {
        ko_arena a = {0};
        ko_err err = {0};
        ko_pq_file_meta m;
        int64_t t0 = ko_monotonic_us();
        assert_int_equal(ko_pq_decode_file_meta(cases[i].p, cases[i].n, &a, &m, &err),
                         KO_ERR_CORRUPT);
        assert_true(ko_monotonic_us() - t0 < 1000000);
        assert_true(a.allocated < 4096);
        assert_true(strstr(err.msg, "FileMetaData") != NULL);
        assert_true(strstr(err.msg, "at byte") != NULL);
        ko_arena_free(&a);
    }
}

static void test_hostile_nesting(void **state)
{
    (void)state;
    ko_buf b = {0};
    ko_tc_writer w;
    /* 1000 nested structs in unknown field 100. */
    ko_tc_writer_init(&w, &b);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(ko_buf_append(&b, "\x0C\xC8\x01", 3), KO_OK);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(ko_buf_append(&b, "\x00", 1), KO_OK);
    ko_arena a = {0};
    ko_err err = {0};
    ko_pq_file_meta m;
    assert_int_equal(ko_pq_decode_file_meta(b.data, b.len, &a, &m, &err), KO_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "nesting"));
    ko_pq_page_header h;
    assert_int_equal(ko_pq_decode_page_header(b.data, b.len, &a, &h, NULL, &err), KO_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "nesting"));

    /* 1000 nested lists: field 20 list<list<list<...>>>. */
    ko_buf_reset(&b);
    assert_int_equal(ko_buf_append(&b, "\x09\x28", 2), KO_OK);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(ko_buf_append(&b, "\x19", 1), KO_OK);
    assert_int_equal(ko_buf_append(&b, "\x00\x00", 2), KO_OK);
    assert_int_equal(ko_pq_decode_page_header(b.data, b.len, &a, &h, NULL, &err), KO_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "nesting"));

    /* Moderate nesting (40 levels) in an unknown field is skipped fine. */
    ko_buf_reset(&b);
    ko_tc_writer_init(&w, &b);
    ko_tc_write_struct_begin(&w);
    ko_tc_write_field_i32(&w, 1, KO_PQ_DATA_PAGE);
    ko_tc_write_field_i32(&w, 2, 10);
    ko_tc_write_field_i32(&w, 3, 8);
    for (int i = 0; i < 40; i++) {
        ko_tc_write_field_begin(&w, 99, KO_TC_STRUCT);
        ko_tc_write_struct_begin(&w);
    }
    for (int i = 0; i < 40; i++)
        ko_tc_write_struct_end(&w);
    ko_tc_write_struct_end(&w);
    assert_int_equal(ko_tc_writer_status(&w), KO_OK);
    TU_OK(ko_pq_decode_page_header(b.data, b.len, &a, &h, NULL, &err), &err);
    assert_int_equal(h.compressed_page_size, 8);
    ko_arena_free(&a);
    ko_buf_free(&b);
}

/* ======================================================= compact protocol */

static void test_varints(void **state)
{
    (void)state;
    ko_buf b = {0};
    ko_tc_writer w;
    ko_tc_writer_init(&w, &b);
    const int64_t vals[] = {0, 1, -1, 63, -64, 64, INT32_MAX, INT32_MIN, INT64_MAX, INT64_MIN};
    for (size_t i = 0; i < KO_ARRAY_LEN(vals); i++)
        ko_tc_write_i64(&w, vals[i]);
    ko_tc_write_i32(&w, INT32_MIN);
    ko_tc_write_i16(&w, INT16_MIN);
    ko_tc_write_double(&w, -2.5);
    ko_tc_write_i8(&w, -7);
    assert_int_equal(ko_tc_writer_status(&w), KO_OK);

    ko_err err = {0};
    ko_tc_reader r;
    ko_tc_reader_init(&r, b.data, b.len, NULL, &err, "test");
    for (size_t i = 0; i < KO_ARRAY_LEN(vals); i++) {
        int64_t v;
        TU_OK(ko_tc_read_i64(&r, &v), &err);
        assert_int_equal(v, vals[i]);
    }
    int32_t i32;
    int16_t i16;
    double d;
    int8_t i8;
    TU_OK(ko_tc_read_i32(&r, &i32), &err);
    assert_int_equal(i32, INT32_MIN);
    TU_OK(ko_tc_read_i16(&r, &i16), &err);
    assert_int_equal(i16, INT16_MIN);
    TU_OK(ko_tc_read_double(&r, &d), &err);
    assert_true(d == -2.5);
    TU_OK(ko_tc_read_i8(&r, &i8), &err);
    assert_int_equal(i8, -7);
    assert_int_equal(ko_tc_remaining(&r), 0);
    ko_buf_free(&b);

    /* 11-byte varint, 10-byte varint overflowing 64 bits, i32 out of range. */
    const uint8_t eleven[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
    const uint8_t overflow[] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02};
    const uint8_t big32[] = {0x80, 0x80, 0x80, 0x80, 0x10};
    uint64_t u;
    ko_tc_reader_init(&r, eleven, sizeof eleven, NULL, &err, "test");
    assert_int_equal(ko_tc_read_varint(&r, &u), KO_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "varint"));
    ko_tc_reader_init(&r, overflow, sizeof overflow, NULL, &err, "test");
    assert_int_equal(ko_tc_read_varint(&r, &u), KO_ERR_CORRUPT);
    ko_tc_reader_init(&r, big32, sizeof big32, NULL, &err, "test");
    assert_int_equal(ko_tc_read_i32(&r, &i32), KO_ERR_CORRUPT);
    ko_tc_reader_init(&r, big32, 2, NULL, &err, "test");
    assert_int_equal(ko_tc_read_i32(&r, &i32), KO_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "ends early"));
    ko_tc_reader_init(&r, big32, 3, NULL, &err, "test");
    assert_int_equal(ko_tc_read_double(&r, &d), KO_ERR_CORRUPT);
}

/* A PageHeader with unknown fields of every type around the known ones. */
static void write_unknowns(ko_tc_writer *w, int16_t first_id)
{
    int16_t id = first_id;
    ko_tc_write_field_bool(w, id++, true);
    ko_tc_write_field_bool(w, id++, false);
    ko_tc_write_field_i8(w, id++, -3);
    ko_tc_write_field_i16(w, id++, 1234);
    ko_tc_write_field_i32(w, id++, -99999);
    ko_tc_write_field_i64(w, id++, INT64_MIN);
    ko_tc_write_field_double(w, id++, 3.25);
    ko_tc_write_field_string(w, id++, "unknown string");
    ko_tc_write_field_begin(w, id++, KO_TC_LIST); /* short form */
    ko_tc_write_list_begin(w, KO_TC_BOOL, 3);
    ko_tc_write_bool(w, true);
    ko_tc_write_bool(w, false);
    ko_tc_write_bool(w, true);
    ko_tc_write_field_begin(w, id++, KO_TC_LIST); /* long form */
    ko_tc_write_list_begin(w, KO_TC_I64, 20);
    for (int i = 0; i < 20; i++)
        ko_tc_write_i64(w, i * 1000);
    ko_tc_write_field_begin(w, id++, KO_TC_SET);
    ko_tc_write_list_begin(w, KO_TC_DOUBLE, 2);
    ko_tc_write_double(w, 1.0);
    ko_tc_write_double(w, 2.0);
    ko_tc_write_field_begin(w, id++, KO_TC_MAP);
    ko_tc_write_map_begin(w, KO_TC_BINARY, KO_TC_STRUCT, 2);
    for (int i = 0; i < 2; i++) {
        ko_tc_write_string(w, "k");
        ko_tc_write_struct_begin(w);
        ko_tc_write_field_i32(w, 1, i);
        ko_tc_write_struct_end(w);
    }
    ko_tc_write_field_begin(w, id++, KO_TC_MAP); /* empty map */
    ko_tc_write_map_begin(w, KO_TC_I32, KO_TC_I32, 0);
    ko_tc_write_field_begin(w, id++, KO_TC_STRUCT);
    ko_tc_write_struct_begin(w);
    ko_tc_write_field_begin(w, 300, KO_TC_LIST); /* long-form id inside */
    ko_tc_write_list_begin(w, KO_TC_STRUCT, 1);
    ko_tc_write_struct_begin(w);
    ko_tc_write_struct_end(w);
    ko_tc_write_struct_end(w);
}

static void test_skip_unknown_fields(void **state)
{
    (void)state;
    ko_buf b = {0};
    ko_tc_writer w;
    ko_tc_writer_init(&w, &b);
    ko_tc_write_struct_begin(&w);
    ko_tc_write_field_i32(&w, 1, KO_PQ_DATA_PAGE_V2);
    ko_tc_write_field_i32(&w, 2, 100);
    write_unknowns(&w, 20); /* ids 20.. jump back to 3: long-form headers */
    ko_tc_write_field_i32(&w, 3, 50);
    ko_tc_write_field_string(&w, 5, "wrong type for data_page_header: skipped");
    ko_tc_write_field_begin(&w, 6, KO_TC_STRUCT); /* IndexPageHeader: ignored */
    ko_tc_write_struct_begin(&w);
    ko_tc_write_struct_end(&w);
    ko_tc_write_field_begin(&w, 8, KO_TC_STRUCT);
    ko_tc_write_struct_begin(&w);
    ko_tc_write_field_i32(&w, 1, 10);
    ko_tc_write_field_i32(&w, 2, 1);
    ko_tc_write_field_i32(&w, 3, 9);
    ko_tc_write_field_i32(&w, 4, KO_PQ_ENC_PLAIN);
    ko_tc_write_field_i32(&w, 5, 4);
    ko_tc_write_field_i32(&w, 6, 0);
    write_unknowns(&w, 9); /* no is_compressed: default true */
    ko_tc_write_struct_end(&w);
    write_unknowns(&w, 40);
    ko_tc_write_struct_end(&w);
    assert_int_equal(ko_tc_writer_status(&w), KO_OK);

    ko_arena a = {0};
    ko_err err = {0};
    ko_pq_page_header h;
    size_t used = 0;
    TU_OK(ko_pq_decode_page_header(b.data, b.len, &a, &h, &used, &err), &err);
    assert_int_equal(used, b.len);
    assert_int_equal(h.type, KO_PQ_DATA_PAGE_V2);
    assert_int_equal(h.uncompressed_page_size, 100);
    assert_int_equal(h.compressed_page_size, 50);
    assert_false(h.has_data);
    assert_false(h.has_crc);
    assert_true(h.has_data_v2);
    assert_int_equal(h.data_v2.num_rows, 9);
    assert_int_equal(h.data_v2.def_levels_byte_length, 4);
    assert_true(h.data_v2.is_compressed);
    assert_false(h.data_v2.statistics.present);
    ko_arena_free(&a);
    ko_buf_free(&b);
}

static void test_required_and_negative(void **state)
{
    (void)state;
    ko_arena a = {0};
    ko_err err = {0};
    ko_pq_page_header h;
    ko_buf b = {0};
    ko_tc_writer w;

    /* Missing compressed_page_size. */
    ko_tc_writer_init(&w, &b);
    ko_tc_write_struct_begin(&w);
    ko_tc_write_field_i32(&w, 1, KO_PQ_DATA_PAGE);
    ko_tc_write_field_i32(&w, 2, 100);
    ko_tc_write_struct_end(&w);
    assert_int_equal(ko_pq_decode_page_header(b.data, b.len, &a, &h, NULL, &err), KO_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "PageHeader"));
    assert_non_null(strstr(err.msg, "compressed_page_size"));

    /* Negative uncompressed_page_size. */
    ko_buf_reset(&b);
    ko_tc_writer_init(&w, &b);
    ko_tc_write_struct_begin(&w);
    ko_tc_write_field_i32(&w, 1, KO_PQ_DATA_PAGE);
    ko_tc_write_field_i32(&w, 2, -1);
    ko_tc_write_field_i32(&w, 3, 1);
    ko_tc_write_struct_end(&w);
    assert_int_equal(ko_pq_decode_page_header(b.data, b.len, &a, &h, NULL, &err), KO_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "PageHeader.uncompressed_page_size"));
    assert_non_null(strstr(err.msg, "negative"));
    assert_non_null(strstr(err.msg, "at byte 3"));

    /* A required field with the wrong wire type counts as missing. */
    ko_buf_reset(&b);
    ko_tc_writer_init(&w, &b);
    ko_tc_write_struct_begin(&w);
    ko_tc_write_field_string(&w, 1, "DATA_PAGE");
    ko_tc_write_field_i32(&w, 2, 1);
    ko_tc_write_field_i32(&w, 3, 1);
    ko_tc_write_struct_end(&w);
    assert_int_equal(ko_pq_decode_page_header(b.data, b.len, &a, &h, NULL, &err), KO_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "type"));

    /* Nested path in a FileMetaData message. */
    ko_pq_file_meta m, d;
    build_file_meta(&a, &m);
    m.row_groups[1].columns[2].meta.num_values = -5;
    ko_buf_reset(&b);
    assert_int_equal(ko_pq_encode_file_meta(&m, &b), KO_OK);
    assert_int_equal(ko_pq_decode_file_meta(b.data, b.len, &a, &d, &err), KO_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "FileMetaData.row_groups[1].columns[2].meta_data.num_values"));
    m.row_groups[1].columns[2].meta.num_values = 5;

    /* Empty schema and unknown physical type. */
    m.n_schema = 0;
    ko_buf_reset(&b);
    assert_int_equal(ko_pq_encode_file_meta(&m, &b), KO_OK);
    assert_int_equal(ko_pq_decode_file_meta(b.data, b.len, &a, &d, &err), KO_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "schema"));
    m.n_schema = N_SCHEMA;
    m.schema[1].type = (ko_pq_type)9;
    ko_buf_reset(&b);
    assert_int_equal(ko_pq_encode_file_meta(&m, &b), KO_OK);
    assert_int_equal(ko_pq_decode_file_meta(b.data, b.len, &a, &d, &err), KO_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "FileMetaData.schema[1].type"));

    /* Missing required FileMetaData fields. */
    ko_buf_reset(&b);
    ko_tc_writer_init(&w, &b);
    ko_tc_write_struct_begin(&w);
    ko_tc_write_field_i32(&w, 1, 1);
    ko_tc_write_struct_end(&w);
    assert_int_equal(ko_pq_decode_file_meta(b.data, b.len, &a, &d, &err), KO_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "schema"));

    /* NULL arguments. */
    assert_int_equal(ko_pq_decode_file_meta(b.data, b.len, NULL, &d, &err), KO_ERR_INVALID);
    ko_buf_free(&b);
    ko_arena_free(&a);
}

static void test_logical_and_encryption(void **state)
{
    (void)state;
    ko_buf b = {0};
    ko_tc_writer w;
    ko_tc_writer_init(&w, &b);
    ko_tc_write_struct_begin(&w);
    ko_tc_write_field_i32(&w, 1, 1);
    ko_tc_write_field_begin(&w, 2, KO_TC_LIST);
    ko_tc_write_list_begin(&w, KO_TC_STRUCT, 4);
    /* root */
    ko_tc_write_struct_begin(&w);
    ko_tc_write_field_string(&w, 4, "root");
    ko_tc_write_field_i32(&w, 5, 3);
    ko_tc_write_struct_end(&w);
    /* a: LogicalType VARIANT (16), unknown here */
    ko_tc_write_struct_begin(&w);
    ko_tc_write_field_i32(&w, 1, KO_PQ_BYTE_ARRAY);
    ko_tc_write_field_string(&w, 4, "a");
    ko_tc_write_field_begin(&w, 10, KO_TC_STRUCT);
    ko_tc_write_struct_begin(&w);
    ko_tc_write_field_begin(&w, 16, KO_TC_STRUCT);
    ko_tc_write_struct_begin(&w);
    ko_tc_write_field_i8(&w, 1, 1);
    ko_tc_write_struct_end(&w);
    ko_tc_write_struct_end(&w);
    ko_tc_write_struct_end(&w);
    /* b: TIMESTAMP with an unknown TimeUnit member */
    ko_tc_write_struct_begin(&w);
    ko_tc_write_field_i32(&w, 1, KO_PQ_INT64);
    ko_tc_write_field_string(&w, 4, "b");
    ko_tc_write_field_begin(&w, 10, KO_TC_STRUCT);
    ko_tc_write_struct_begin(&w);
    ko_tc_write_field_begin(&w, 8, KO_TC_STRUCT);
    ko_tc_write_struct_begin(&w);
    ko_tc_write_field_bool(&w, 1, true);
    ko_tc_write_field_begin(&w, 2, KO_TC_STRUCT);
    ko_tc_write_struct_begin(&w);
    ko_tc_write_field_begin(&w, 9, KO_TC_STRUCT);
    ko_tc_write_struct_begin(&w);
    ko_tc_write_struct_end(&w);
    ko_tc_write_struct_end(&w);
    ko_tc_write_struct_end(&w);
    ko_tc_write_struct_end(&w);
    ko_tc_write_struct_end(&w);
    /* c: TIMESTAMP(MICROS, utc false) */
    ko_tc_write_struct_begin(&w);
    ko_tc_write_field_i32(&w, 1, KO_PQ_INT64);
    ko_tc_write_field_string(&w, 4, "c");
    ko_tc_write_field_begin(&w, 10, KO_TC_STRUCT);
    ko_tc_write_struct_begin(&w);
    ko_tc_write_field_begin(&w, 8, KO_TC_STRUCT);
    ko_tc_write_struct_begin(&w);
    ko_tc_write_field_bool(&w, 1, false);
    ko_tc_write_field_begin(&w, 2, KO_TC_STRUCT);
    ko_tc_write_struct_begin(&w);
    ko_tc_write_field_begin(&w, 2, KO_TC_STRUCT);
    ko_tc_write_struct_begin(&w);
    ko_tc_write_struct_end(&w);
    ko_tc_write_struct_end(&w);
    ko_tc_write_struct_end(&w);
    ko_tc_write_struct_end(&w);
    ko_tc_write_struct_end(&w);
    ko_tc_write_field_i64(&w, 3, 0);
    /* one row group, column chunk with crypto_metadata */
    ko_tc_write_field_begin(&w, 4, KO_TC_LIST);
    ko_tc_write_list_begin(&w, KO_TC_STRUCT, 1);
    ko_tc_write_struct_begin(&w);
    ko_tc_write_field_begin(&w, 1, KO_TC_LIST);
    ko_tc_write_list_begin(&w, KO_TC_STRUCT, 2);
    ko_tc_write_struct_begin(&w);
    ko_tc_write_field_i64(&w, 2, 4);
    ko_tc_write_field_begin(&w, 8, KO_TC_STRUCT);
    ko_tc_write_struct_begin(&w);
    ko_tc_write_field_begin(&w, 1, KO_TC_STRUCT);
    ko_tc_write_struct_begin(&w);
    ko_tc_write_struct_end(&w);
    ko_tc_write_struct_end(&w);
    ko_tc_write_struct_end(&w);
    ko_tc_write_struct_begin(&w);
    ko_tc_write_field_i64(&w, 2, 4);
    ko_tc_write_field_binary(&w, 9, "\x01\x02\x03", 3);
    ko_tc_write_struct_end(&w);
    ko_tc_write_field_i64(&w, 2, 0);
    ko_tc_write_field_i64(&w, 3, 0);
    ko_tc_write_struct_end(&w);
    /* encryption_algorithm AES_GCM_V1 with an aad_prefix */
    ko_tc_write_field_begin(&w, 8, KO_TC_STRUCT);
    ko_tc_write_struct_begin(&w);
    ko_tc_write_field_begin(&w, 1, KO_TC_STRUCT);
    ko_tc_write_struct_begin(&w);
    ko_tc_write_field_binary(&w, 1, "aad", 3);
    ko_tc_write_struct_end(&w);
    ko_tc_write_struct_end(&w);
    ko_tc_write_field_binary(&w, 9, "signing key", 11);
    ko_tc_write_struct_end(&w);
    assert_int_equal(ko_tc_writer_status(&w), KO_OK);

    ko_arena a = {0};
    ko_err err = {0};
    ko_pq_file_meta m;
    TU_OK(ko_pq_decode_file_meta(b.data, b.len, &a, &m, &err), &err);
    assert_int_equal(m.n_schema, 4);
    assert_int_equal(m.schema[0].logical.kind, KO_PQ_LT_NONE);
    assert_int_equal(m.schema[0].converted, KO_PQ_CT_NONE);
    assert_false(m.schema[0].has_type);
    assert_int_equal(m.schema[1].logical.kind, KO_PQ_LT_OTHER);
    assert_int_equal(m.schema[2].logical.kind, KO_PQ_LT_OTHER);
    assert_int_equal(m.schema[3].logical.kind, KO_PQ_LT_TIMESTAMP);
    assert_int_equal(m.schema[3].logical.unit, KO_PQ_MICROS);
    assert_false(m.schema[3].logical.utc);
    assert_true(m.encrypted);
    assert_int_equal(m.row_groups[0].n_columns, 2);
    assert_true(m.row_groups[0].columns[0].encrypted);
    assert_true(m.row_groups[0].columns[1].encrypted);
    assert_false(m.row_groups[0].columns[0].has_meta_data);
    ko_arena_free(&a);
    ko_buf_free(&b);
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(ko_pq_type_name(KO_PQ_INT64), "INT64");
    assert_string_equal(ko_pq_type_name(KO_PQ_FIXED_LEN_BYTE_ARRAY), "FIXED_LEN_BYTE_ARRAY");
    assert_string_equal(ko_pq_type_name((ko_pq_type)42), "UNKNOWN");
    assert_string_equal(ko_pq_codec_name(KO_PQ_ZSTD), "ZSTD");
    assert_string_equal(ko_pq_codec_name(KO_PQ_LZ4_RAW), "LZ4_RAW");
    assert_string_equal(ko_pq_encoding_name(KO_PQ_ENC_RLE_DICTIONARY), "RLE_DICTIONARY");
    assert_string_equal(ko_pq_encoding_name(KO_PQ_ENC_BYTE_STREAM_SPLIT), "BYTE_STREAM_SPLIT");
    assert_string_equal(ko_pq_encoding_name((ko_pq_encoding)77), "UNKNOWN");
    assert_string_equal(ko_pq_converted_name(KO_PQ_CT_NONE), "NONE");
    assert_string_equal(ko_pq_converted_name(KO_PQ_CT_INTERVAL), "INTERVAL");
    assert_string_equal(ko_pq_converted_name(KO_PQ_CT_TIMESTAMP_MICROS), "TIMESTAMP_MICROS");
    ko_pq_codec c = KO_PQ_UNCOMPRESSED;
    assert_true(ko_pq_codec_parse("zstd", &c));
    assert_int_equal(c, KO_PQ_ZSTD);
    assert_true(ko_pq_codec_parse("Snappy", &c));
    assert_int_equal(c, KO_PQ_SNAPPY);
    assert_true(ko_pq_codec_parse("lz4_raw", &c));
    assert_int_equal(c, KO_PQ_LZ4_RAW);
    assert_true(ko_pq_codec_parse("none", &c));
    assert_int_equal(c, KO_PQ_UNCOMPRESSED);
    assert_false(ko_pq_codec_parse("zip", &c));
    assert_false(ko_pq_codec_parse("", &c));
    assert_false(ko_pq_codec_parse(NULL, &c));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_file_meta),
        cmocka_unit_test(test_roundtrip_file_meta_minimal),
        cmocka_unit_test(test_roundtrip_page_headers),
        cmocka_unit_test(test_roundtrip_indexes),
        cmocka_unit_test(test_bloom_header),
        cmocka_unit_test(test_real_footers),
        cmocka_unit_test(test_real_footer_details),
        cmocka_unit_test(test_bad_data),
        cmocka_unit_test(test_fuzz_truncations_and_mutations),
        cmocka_unit_test(test_hostile_huge_list),
        cmocka_unit_test(test_hostile_nesting),
        cmocka_unit_test(test_varints),
        cmocka_unit_test(test_skip_unknown_fields),
        cmocka_unit_test(test_required_and_negative),
        cmocka_unit_test(test_logical_and_encryption),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
