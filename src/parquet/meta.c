/*
 * meta.c - Parquet metadata structs to and from the Thrift compact protocol.
 *
 * Each Thrift struct of parquet.thrift that Korolev reads has three parts
 * here: a field table indexed by field id (name, wire type, required), a
 * callback that decodes one known field into the C struct of parquet.h, and
 * an init function that sets the C defaults (converted = KO_PQ_CT_NONE,
 * is_compressed = true, ...).  thrift.c's ko_tc_read_struct drives them: it
 * skips unknown fields of any type, checks required fields, bounds every
 * list count by the remaining input before allocating, limits nesting and
 * keeps the field path that error messages print.  The callbacks add
 * Parquet's own rules: sizes, counts and offsets must not be negative (but
 * negative optional statistics - null_count, distinct_count, ColumnIndex
 * null_counts - read as absent: some writers store -1 for unknown), the
 * physical type and repetition must be known (other enums such as encodings
 * and codecs keep unknown values for the layers above to reject), unknown
 * LogicalType members become KO_PQ_LT_OTHER, and encryption structures only
 * set the `encrypted` flags.
 *
 * Encoders write exactly the fields that are set (has_* flags, non-NULL
 * optional lists, non-default values where parquet.h has no flag), in
 * increasing field id order as parquet-mr and Arrow do.
 */
#include "parquet/parquet.h"
#include "parquet/thrift.h"

#include <string.h>
#include <strings.h>

/* ======================================================= decoding helpers */

static ko_status rd_i32_nonneg(ko_tc_reader *r, int32_t *out)
{
    size_t at = r->pos;
    ko_status st = ko_tc_read_i32(r, out);
    if (st == KO_OK && *out < 0) {
        r->pos = at;
        return ko_tc_fail(r, KO_ERR_CORRUPT, "negative value %d", (int)*out);
    }
    return st;
}

static ko_status rd_i64_nonneg(ko_tc_reader *r, int64_t *out)
{
    size_t at = r->pos;
    ko_status st = ko_tc_read_i64(r, out);
    if (st == KO_OK && *out < 0) {
        r->pos = at;
        return ko_tc_fail(r, KO_ERR_CORRUPT, "negative value %lld", (long long)*out);
    }
    return st;
}

/* An optional statistic such as null_count: some writers store -1 for
 * "unknown", so a negative value reads as absent rather than corrupt. */
static ko_status rd_count(ko_tc_reader *r, bool *has, int64_t *out)
{
    ko_status st = ko_tc_read_i64(r, out);
    *has = st == KO_OK && *out >= 0;
    if (!*has)
        *out = 0;
    return st;
}

/* An enum whose every value this code must understand (0..max). */
static ko_status rd_enum_closed(ko_tc_reader *r, int32_t max, int32_t *out)
{
    size_t at = r->pos;
    ko_status st = ko_tc_read_i32(r, out);
    if (st == KO_OK && (*out < 0 || *out > max)) {
        r->pos = at;
        return ko_tc_fail(r, KO_ERR_CORRUPT, "unknown value %d", (int)*out);
    }
    return st;
}

static ko_status rd_type(ko_tc_reader *r, ko_pq_type *out)
{
    int32_t v = 0;
    ko_status st = rd_enum_closed(r, KO_PQ_FIXED_LEN_BYTE_ARRAY, &v);
    if (st == KO_OK)
        *out = (ko_pq_type)v;
    return st;
}

/* Open enums (encodings, codecs, page types ...) keep values newer than
 * this code; only negative ones are corrupt. */
static ko_status rd_enum_open(ko_tc_reader *r, int32_t *out)
{
    return rd_i32_nonneg(r, out);
}

static ko_status rd_encoding(ko_tc_reader *r, ko_pq_encoding *out)
{
    int32_t v = 0;
    ko_status st = rd_enum_open(r, &v);
    if (st == KO_OK)
        *out = (ko_pq_encoding)v;
    return st;
}

static ko_status rd_page_type(ko_tc_reader *r, ko_pq_page_type *out)
{
    int32_t v = 0;
    ko_status st = rd_enum_open(r, &v);
    if (st == KO_OK)
        *out = (ko_pq_page_type)v;
    return st;
}

static ko_status rd_bin(ko_tc_reader *r, ko_pq_bin *out)
{
    return ko_tc_read_binary(r, &out->ptr, &out->len);
}

static ko_status alloc_array(ko_tc_reader *r, uint32_t n, size_t size, void **out)
{
    *out = ko_arena_calloc(r->arena, n, size);
    if (!*out)
        return ko_tc_fail(r, KO_ERR_NOMEM, "out of memory for %u elements", n);
    return KO_OK;
}

/* list<struct d> into *(T **)out_ptr. */
static ko_status rd_structs(ko_tc_reader *r, const ko_tc_struct_desc *d, size_t size, void *out_ptr,
                            uint32_t *n)
{
    void *p = NULL;
    ko_status st = ko_tc_read_struct_list(r, d, size, &p, n);
    if (st == KO_OK)
        memcpy(out_ptr, &p, sizeof p);
    return st;
}

static ko_status rd_encoding_list(ko_tc_reader *r, ko_pq_encoding **out, uint32_t *n)
{
    uint32_t cnt = 0;
    void *p = NULL;
    ko_status st = ko_tc_read_list_begin(r, KO_TC_I32, 0, &cnt);
    if (st == KO_OK)
        st = alloc_array(r, cnt, sizeof(ko_pq_encoding), &p);
    for (uint32_t i = 0; st == KO_OK && i < cnt; i++) {
        ko_tc_set_index(r, i);
        st = rd_encoding(r, (ko_pq_encoding *)p + i);
    }
    if (st != KO_OK)
        return st;
    ko_tc_set_index(r, -1);
    *out = p;
    *n = cnt;
    return KO_OK;
}

static ko_status rd_string_list(ko_tc_reader *r, const char ***out, uint32_t *n)
{
    uint32_t cnt = 0;
    void *p = NULL;
    ko_status st = ko_tc_read_list_begin(r, KO_TC_BINARY, 0, &cnt);
    if (st == KO_OK)
        st = alloc_array(r, cnt, sizeof(const char *), &p);
    for (uint32_t i = 0; st == KO_OK && i < cnt; i++) {
        ko_tc_set_index(r, i);
        st = ko_tc_read_string(r, (const char **)p + i);
    }
    if (st != KO_OK)
        return st;
    ko_tc_set_index(r, -1);
    *out = p;
    *n = cnt;
    return KO_OK;
}

static ko_status rd_bool_list(ko_tc_reader *r, bool **out, uint32_t *n)
{
    uint32_t cnt = 0;
    void *p = NULL;
    ko_status st = ko_tc_read_list_begin(r, KO_TC_BOOL, 0, &cnt);
    if (st == KO_OK)
        st = alloc_array(r, cnt, sizeof(bool), &p);
    for (uint32_t i = 0; st == KO_OK && i < cnt; i++)
        st = ko_tc_read_bool(r, (bool *)p + i);
    if (st != KO_OK)
        return st;
    *out = p;
    *n = cnt;
    return KO_OK;
}

static ko_status rd_bin_list(ko_tc_reader *r, ko_pq_bin **out, uint32_t *n)
{
    uint32_t cnt = 0;
    void *p = NULL;
    ko_status st = ko_tc_read_list_begin(r, KO_TC_BINARY, 0, &cnt);
    if (st == KO_OK)
        st = alloc_array(r, cnt, sizeof(ko_pq_bin), &p);
    for (uint32_t i = 0; st == KO_OK && i < cnt; i++) {
        ko_tc_set_index(r, i);
        st = rd_bin(r, (ko_pq_bin *)p + i);
    }
    if (st != KO_OK)
        return st;
    ko_tc_set_index(r, -1);
    *out = p;
    *n = cnt;
    return KO_OK;
}

/* ColumnIndex.null_counts: a negative entry (some writers store -1 for
 * "unknown") makes the whole optional list absent. */
static ko_status rd_count_list(ko_tc_reader *r, int64_t **out, uint32_t *n)
{
    uint32_t cnt = 0;
    void *p = NULL;
    bool unknown = false;
    ko_status st = ko_tc_read_list_begin(r, KO_TC_I64, 0, &cnt);
    if (st == KO_OK)
        st = alloc_array(r, cnt, sizeof(int64_t), &p);
    for (uint32_t i = 0; st == KO_OK && i < cnt; i++) {
        ko_tc_set_index(r, i);
        st = ko_tc_read_i64(r, (int64_t *)p + i);
        unknown |= st == KO_OK && ((int64_t *)p)[i] < 0;
    }
    if (st != KO_OK)
        return st;
    ko_tc_set_index(r, -1);
    *out = unknown ? NULL : p;
    *n = unknown ? 0 : cnt;
    return KO_OK;
}

#define DESC(nm, tbl, fn_, init_)                                                 \
    static const ko_tc_struct_desc nm = {.name = #nm,                             \
                                         .fields = (tbl),                         \
                                         .n_fields = (uint16_t)KO_ARRAY_LEN(tbl), \
                                         .fn = (fn_),                             \
                                         .init = (init_)}

/* ============================================== unions of empty structs */

/* BloomFilterAlgorithm/Hash/Compression and ColumnOrder: member 1 (BLOCK,
 * XXHASH, UNCOMPRESSED, TYPE_ORDER) sets a bool; other members leave it
 * false. */
static ko_status flag_union_field(ko_tc_reader *r, int16_t id, void *out)
{
    (void)id;
    *(bool *)out = true;
    return ko_tc_skip(r, KO_TC_STRUCT);
}

static void flag_union_init(void *out)
{
    *(bool *)out = false;
}

static const ko_tc_field_desc BLOCK_FIELDS[] = {[1] = {"BLOCK", KO_TC_STRUCT, false}};
static const ko_tc_field_desc XXHASH_FIELDS[] = {[1] = {"XXHASH", KO_TC_STRUCT, false}};
static const ko_tc_field_desc UNCOMPRESSED_FIELDS[] = {[1] = {"UNCOMPRESSED", KO_TC_STRUCT, false}};
static const ko_tc_field_desc COLUMN_ORDER_FIELDS[] = {[1] = {"TYPE_ORDER", KO_TC_STRUCT, false}};
DESC(BloomFilterAlgorithm, BLOCK_FIELDS, flag_union_field, flag_union_init);
DESC(BloomFilterHash, XXHASH_FIELDS, flag_union_field, flag_union_init);
DESC(BloomFilterCompression, UNCOMPRESSED_FIELDS, flag_union_field, flag_union_init);
DESC(ColumnOrder, COLUMN_ORDER_FIELDS, flag_union_field, flag_union_init);

/* ============================================================= Statistics */

static const ko_tc_field_desc STATISTICS_FIELDS[] = {
    [1] = {"max", KO_TC_BINARY, false},
    [2] = {"min", KO_TC_BINARY, false},
    [3] = {"null_count", KO_TC_I64, false},
    [4] = {"distinct_count", KO_TC_I64, false},
    [5] = {"max_value", KO_TC_BINARY, false},
    [6] = {"min_value", KO_TC_BINARY, false},
    [7] = {"is_max_value_exact", KO_TC_BOOL, false},
    [8] = {"is_min_value_exact", KO_TC_BOOL, false},
};

static ko_status statistics_field(ko_tc_reader *r, int16_t id, void *out)
{
    ko_pq_statistics *s = out;
    switch (id) {
    case 1:
        s->has_legacy_max = true;
        return rd_bin(r, &s->legacy_max);
    case 2:
        s->has_legacy_min = true;
        return rd_bin(r, &s->legacy_min);
    case 3:
        return rd_count(r, &s->has_null_count, &s->null_count);
    case 4:
        return rd_count(r, &s->has_distinct_count, &s->distinct_count);
    case 5:
        s->has_max = true;
        return rd_bin(r, &s->max_value);
    case 6:
        s->has_min = true;
        return rd_bin(r, &s->min_value);
    case 7:
        s->has_max_exact = true;
        return ko_tc_read_bool(r, &s->is_max_exact);
    default:
        s->has_min_exact = true;
        return ko_tc_read_bool(r, &s->is_min_exact);
    }
}

static void statistics_init(void *out)
{
    *(ko_pq_statistics *)out = (ko_pq_statistics){.present = true};
}

DESC(Statistics, STATISTICS_FIELDS, statistics_field, statistics_init);

/* ============================================================ LogicalType */

static ko_status time_unit_field(ko_tc_reader *r, int16_t id, void *out)
{
    *(ko_pq_time_unit *)out = (ko_pq_time_unit)id;
    return ko_tc_skip(r, KO_TC_STRUCT);
}

static const ko_tc_field_desc TIME_UNIT_FIELDS[] = {
    [1] = {"MILLIS", KO_TC_STRUCT, false},
    [2] = {"MICROS", KO_TC_STRUCT, false},
    [3] = {"NANOS", KO_TC_STRUCT, false},
};
DESC(TimeUnit, TIME_UNIT_FIELDS, time_unit_field, NULL);

static ko_status decimal_field(ko_tc_reader *r, int16_t id, void *out)
{
    ko_pq_logical *l = out;
    return ko_tc_read_i32(r, id == 1 ? &l->scale : &l->precision);
}

static const ko_tc_field_desc DECIMAL_FIELDS[] = {
    [1] = {"scale", KO_TC_I32, true},
    [2] = {"precision", KO_TC_I32, true},
};
DESC(DecimalType, DECIMAL_FIELDS, decimal_field, NULL);

/* TimeType and TimestampType have the same fields. */
static ko_status time_field(ko_tc_reader *r, int16_t id, void *out)
{
    ko_pq_logical *l = out;
    if (id == 1)
        return ko_tc_read_bool(r, &l->utc);
    return ko_tc_read_struct(r, &TimeUnit, &l->unit, NULL);
}

static const ko_tc_field_desc TIME_FIELDS[] = {
    [1] = {"isAdjustedToUTC", KO_TC_BOOL, true},
    [2] = {"unit", KO_TC_STRUCT, true},
};
DESC(TimeType, TIME_FIELDS, time_field, NULL);

static ko_status int_field(ko_tc_reader *r, int16_t id, void *out)
{
    ko_pq_logical *l = out;
    if (id == 1)
        return ko_tc_read_i8(r, &l->bit_width);
    return ko_tc_read_bool(r, &l->is_signed);
}

static const ko_tc_field_desc INT_FIELDS[] = {
    [1] = {"bitWidth", KO_TC_I8, true},
    [2] = {"isSigned", KO_TC_BOOL, true},
};
DESC(IntType, INT_FIELDS, int_field, NULL);

static ko_status logical_field(ko_tc_reader *r, int16_t id, void *out)
{
    ko_pq_logical *l = out;
    *l = (ko_pq_logical){.kind = (ko_pq_logical_kind)id};
    switch (id) {
    case KO_PQ_LT_DECIMAL:
        return ko_tc_read_struct(r, &DecimalType, l, NULL);
    case KO_PQ_LT_TIME:
    case KO_PQ_LT_TIMESTAMP:
        return ko_tc_read_struct(r, &TimeType, l, NULL);
    case KO_PQ_LT_INTEGER:
        return ko_tc_read_struct(r, &IntType, l, NULL);
    default:
        return ko_tc_skip(r, KO_TC_STRUCT); /* members without fields */
    }
}

static void logical_init(void *out)
{
    *(ko_pq_logical *)out = (ko_pq_logical){.kind = KO_PQ_LT_NONE};
}

static const ko_tc_field_desc LOGICAL_FIELDS[] = {
    [1] = {"STRING", KO_TC_STRUCT, false},   [2] = {"MAP", KO_TC_STRUCT, false},
    [3] = {"LIST", KO_TC_STRUCT, false},     [4] = {"ENUM", KO_TC_STRUCT, false},
    [5] = {"DECIMAL", KO_TC_STRUCT, false},  [6] = {"DATE", KO_TC_STRUCT, false},
    [7] = {"TIME", KO_TC_STRUCT, false},     [8] = {"TIMESTAMP", KO_TC_STRUCT, false},
    [10] = {"INTEGER", KO_TC_STRUCT, false}, [11] = {"UNKNOWN", KO_TC_STRUCT, false},
    [12] = {"JSON", KO_TC_STRUCT, false},    [13] = {"BSON", KO_TC_STRUCT, false},
    [14] = {"UUID", KO_TC_STRUCT, false},    [15] = {"FLOAT16", KO_TC_STRUCT, false},
};
DESC(LogicalType, LOGICAL_FIELDS, logical_field, logical_init);

static ko_status rd_logical(ko_tc_reader *r, ko_pq_logical *l)
{
    uint32_t n = 0;
    ko_status st = ko_tc_read_struct(r, &LogicalType, l, &n);
    if (st != KO_OK)
        return st;
    bool timed = l->kind == KO_PQ_LT_TIME || l->kind == KO_PQ_LT_TIMESTAMP;
    if ((n > 0 && l->kind == KO_PQ_LT_NONE) || (timed && l->unit == 0))
        *l = (ko_pq_logical){.kind = KO_PQ_LT_OTHER}; /* a member we do not know */
    return KO_OK;
}

/* ========================================================== SchemaElement */

static const ko_tc_field_desc SCHEMA_FIELDS[] = {
    [1] = {"type", KO_TC_I32, false},
    [2] = {"type_length", KO_TC_I32, false},
    [3] = {"repetition_type", KO_TC_I32, false},
    [4] = {"name", KO_TC_BINARY, true},
    [5] = {"num_children", KO_TC_I32, false},
    [6] = {"converted_type", KO_TC_I32, false},
    [7] = {"scale", KO_TC_I32, false},
    [8] = {"precision", KO_TC_I32, false},
    [9] = {"field_id", KO_TC_I32, false},
    [10] = {"logicalType", KO_TC_STRUCT, false},
};

static ko_status schema_field(ko_tc_reader *r, int16_t id, void *out)
{
    ko_pq_schema_element *e = out;
    int32_t v = 0;
    ko_status st;
    switch (id) {
    case 1:
        e->has_type = true;
        return rd_type(r, &e->type);
    case 2:
        return ko_tc_read_i32(r, &e->type_length);
    case 3:
        e->has_repetition = true;
        st = rd_enum_closed(r, KO_PQ_REPEATED, &v);
        e->repetition = st == KO_OK ? (ko_pq_repetition)v : KO_PQ_REQUIRED;
        return st;
    case 4:
        return ko_tc_read_string(r, &e->name);
    case 5:
        return rd_i32_nonneg(r, &e->num_children);
    case 6:
        st = rd_enum_open(r, &v);
        e->converted = st == KO_OK ? (ko_pq_converted)v : KO_PQ_CT_NONE;
        return st;
    case 7:
        return ko_tc_read_i32(r, &e->scale);
    case 8:
        return ko_tc_read_i32(r, &e->precision);
    case 9:
        e->has_field_id = true;
        return ko_tc_read_i32(r, &e->field_id);
    default:
        return rd_logical(r, &e->logical);
    }
}

static void schema_init(void *out)
{
    *(ko_pq_schema_element *)out = (ko_pq_schema_element){
        .converted = KO_PQ_CT_NONE,
        .logical = {.kind = KO_PQ_LT_NONE},
    };
}

DESC(SchemaElement, SCHEMA_FIELDS, schema_field, schema_init);

/* ============================================ KeyValue, PageEncodingStats */

static ko_status kv_field(ko_tc_reader *r, int16_t id, void *out)
{
    ko_pq_kv *kv = out;
    return ko_tc_read_string(r, id == 1 ? &kv->key : &kv->value);
}

static void kv_init(void *out)
{
    *(ko_pq_kv *)out = (ko_pq_kv){0};
}

static const ko_tc_field_desc KV_FIELDS[] = {
    [1] = {"key", KO_TC_BINARY, true},
    [2] = {"value", KO_TC_BINARY, false},
};
DESC(KeyValue, KV_FIELDS, kv_field, kv_init);

static ko_status encoding_stats_field(ko_tc_reader *r, int16_t id, void *out)
{
    ko_pq_page_encoding_stats *s = out;
    if (id == 1)
        return rd_page_type(r, &s->page_type);
    if (id == 2)
        return rd_encoding(r, &s->encoding);
    return rd_i32_nonneg(r, &s->count);
}

static void encoding_stats_init(void *out)
{
    *(ko_pq_page_encoding_stats *)out = (ko_pq_page_encoding_stats){0};
}

static const ko_tc_field_desc ENCODING_STATS_FIELDS[] = {
    [1] = {"page_type", KO_TC_I32, true},
    [2] = {"encoding", KO_TC_I32, true},
    [3] = {"count", KO_TC_I32, true},
};
DESC(PageEncodingStats, ENCODING_STATS_FIELDS, encoding_stats_field, encoding_stats_init);

/* ========================================================= ColumnMetaData */

static const ko_tc_field_desc COLUMN_META_FIELDS[] = {
    [1] = {"type", KO_TC_I32, true},
    [2] = {"encodings", KO_TC_LIST, true},
    [3] = {"path_in_schema", KO_TC_LIST, true},
    [4] = {"codec", KO_TC_I32, true},
    [5] = {"num_values", KO_TC_I64, true},
    [6] = {"total_uncompressed_size", KO_TC_I64, true},
    [7] = {"total_compressed_size", KO_TC_I64, true},
    [8] = {"key_value_metadata", KO_TC_LIST, false},
    [9] = {"data_page_offset", KO_TC_I64, true},
    [10] = {"index_page_offset", KO_TC_I64, false},
    [11] = {"dictionary_page_offset", KO_TC_I64, false},
    [12] = {"statistics", KO_TC_STRUCT, false},
    [13] = {"encoding_stats", KO_TC_LIST, false},
    [14] = {"bloom_filter_offset", KO_TC_I64, false},
    [15] = {"bloom_filter_length", KO_TC_I32, false},
};

static ko_status column_meta_field(ko_tc_reader *r, int16_t id, void *out)
{
    ko_pq_column_meta *m = out;
    int32_t v = 0;
    ko_status st;
    switch (id) {
    case 1:
        return rd_type(r, &m->type);
    case 2:
        return rd_encoding_list(r, &m->encodings, &m->n_encodings);
    case 3:
        return rd_string_list(r, &m->path, &m->path_len);
    case 4:
        st = rd_enum_open(r, &v);
        m->codec = st == KO_OK ? (ko_pq_codec)v : KO_PQ_UNCOMPRESSED;
        return st;
    case 5:
        return rd_i64_nonneg(r, &m->num_values);
    case 6:
        return rd_i64_nonneg(r, &m->total_uncompressed_size);
    case 7:
        return rd_i64_nonneg(r, &m->total_compressed_size);
    case 8:
        return rd_structs(r, &KeyValue, sizeof(ko_pq_kv), &m->kv, &m->n_kv);
    case 9:
        return rd_i64_nonneg(r, &m->data_page_offset);
    case 10:
        m->has_index_page_offset = true;
        return rd_i64_nonneg(r, &m->index_page_offset);
    case 11:
        m->has_dictionary_page_offset = true;
        return rd_i64_nonneg(r, &m->dictionary_page_offset);
    case 12:
        return ko_tc_read_struct(r, &Statistics, &m->statistics, NULL);
    case 13:
        return rd_structs(r, &PageEncodingStats, sizeof(ko_pq_page_encoding_stats),
                          &m->encoding_stats, &m->n_encoding_stats);
    case 14:
        m->has_bloom_filter_offset = true;
        return rd_i64_nonneg(r, &m->bloom_filter_offset);
    default:
        m->has_bloom_filter_length = true;
        return rd_i32_nonneg(r, &m->bloom_filter_length);
    }
}

static void column_meta_init(void *out)
{
    *(ko_pq_column_meta *)out = (ko_pq_column_meta){0};
}

DESC(ColumnMetaData, COLUMN_META_FIELDS, column_meta_field, column_meta_init);

/* ============================================================ ColumnChunk */

static const ko_tc_field_desc COLUMN_CHUNK_FIELDS[] = {
    [1] = {"file_path", KO_TC_BINARY, false},
    [2] = {"file_offset", KO_TC_I64, true},
    [3] = {"meta_data", KO_TC_STRUCT, false},
    [4] = {"offset_index_offset", KO_TC_I64, false},
    [5] = {"offset_index_length", KO_TC_I32, false},
    [6] = {"column_index_offset", KO_TC_I64, false},
    [7] = {"column_index_length", KO_TC_I32, false},
    [8] = {"crypto_metadata", KO_TC_STRUCT, false},
    [9] = {"encrypted_column_metadata", KO_TC_BINARY, false},
};

static ko_status column_chunk_field(ko_tc_reader *r, int16_t id, void *out)
{
    ko_pq_column_chunk *c = out;
    switch (id) {
    case 1:
        return ko_tc_read_string(r, &c->file_path);
    case 2:
        return ko_tc_read_i64(r, &c->file_offset); /* deprecated, often wrong: unchecked */
    case 3:
        c->has_meta_data = true;
        return ko_tc_read_struct(r, &ColumnMetaData, &c->meta, NULL);
    case 4:
        c->has_offset_index = true;
        return rd_i64_nonneg(r, &c->offset_index_offset);
    case 5:
        c->has_offset_index = true;
        return rd_i32_nonneg(r, &c->offset_index_length);
    case 6:
        c->has_column_index = true;
        return rd_i64_nonneg(r, &c->column_index_offset);
    case 7:
        c->has_column_index = true;
        return rd_i32_nonneg(r, &c->column_index_length);
    default: /* 8, 9: the column is encrypted; the key material is not ours */
        c->encrypted = true;
        return ko_tc_skip(r, id == 8 ? KO_TC_STRUCT : KO_TC_BINARY);
    }
}

static void column_chunk_init(void *out)
{
    *(ko_pq_column_chunk *)out = (ko_pq_column_chunk){0};
}

DESC(ColumnChunk, COLUMN_CHUNK_FIELDS, column_chunk_field, column_chunk_init);

/* =============================================== SortingColumn, RowGroup */

static ko_status sorting_field(ko_tc_reader *r, int16_t id, void *out)
{
    ko_pq_sorting_column *s = out;
    if (id == 1)
        return rd_i32_nonneg(r, &s->column_idx);
    return ko_tc_read_bool(r, id == 2 ? &s->descending : &s->nulls_first);
}

static void sorting_init(void *out)
{
    *(ko_pq_sorting_column *)out = (ko_pq_sorting_column){0};
}

static const ko_tc_field_desc SORTING_FIELDS[] = {
    [1] = {"column_idx", KO_TC_I32, true},
    [2] = {"descending", KO_TC_BOOL, true},
    [3] = {"nulls_first", KO_TC_BOOL, true},
};
DESC(SortingColumn, SORTING_FIELDS, sorting_field, sorting_init);

static const ko_tc_field_desc ROW_GROUP_FIELDS[] = {
    [1] = {"columns", KO_TC_LIST, true},     [2] = {"total_byte_size", KO_TC_I64, true},
    [3] = {"num_rows", KO_TC_I64, true},     [4] = {"sorting_columns", KO_TC_LIST, false},
    [5] = {"file_offset", KO_TC_I64, false}, [6] = {"total_compressed_size", KO_TC_I64, false},
    [7] = {"ordinal", KO_TC_I16, false},
};

static ko_status row_group_field(ko_tc_reader *r, int16_t id, void *out)
{
    ko_pq_row_group *g = out;
    switch (id) {
    case 1:
        return rd_structs(r, &ColumnChunk, sizeof(ko_pq_column_chunk), &g->columns, &g->n_columns);
    case 2:
        return rd_i64_nonneg(r, &g->total_byte_size);
    case 3:
        return rd_i64_nonneg(r, &g->num_rows);
    case 4:
        return rd_structs(r, &SortingColumn, sizeof(ko_pq_sorting_column), &g->sorting_columns,
                          &g->n_sorting_columns);
    case 5:
        g->has_file_offset = true;
        return rd_i64_nonneg(r, &g->file_offset);
    case 6:
        g->has_total_compressed_size = true;
        return rd_i64_nonneg(r, &g->total_compressed_size);
    default:
        g->has_ordinal = true;
        return ko_tc_read_i16(r, &g->ordinal);
    }
}

static void row_group_init(void *out)
{
    *(ko_pq_row_group *)out = (ko_pq_row_group){0};
}

DESC(RowGroup, ROW_GROUP_FIELDS, row_group_field, row_group_init);

/* =========================================================== FileMetaData */

static const ko_tc_field_desc FILE_META_FIELDS[] = {
    [1] = {"version", KO_TC_I32, true},
    [2] = {"schema", KO_TC_LIST, true},
    [3] = {"num_rows", KO_TC_I64, true},
    [4] = {"row_groups", KO_TC_LIST, true},
    [5] = {"key_value_metadata", KO_TC_LIST, false},
    [6] = {"created_by", KO_TC_BINARY, false},
    [7] = {"column_orders", KO_TC_LIST, false},
    [8] = {"encryption_algorithm", KO_TC_STRUCT, false},
};

static ko_status file_meta_field(ko_tc_reader *r, int16_t id, void *out)
{
    ko_pq_file_meta *m = out;
    switch (id) {
    case 1:
        return ko_tc_read_i32(r, &m->version);
    case 2:
        return rd_structs(r, &SchemaElement, sizeof(ko_pq_schema_element), &m->schema,
                          &m->n_schema);
    case 3:
        return rd_i64_nonneg(r, &m->num_rows);
    case 4:
        return rd_structs(r, &RowGroup, sizeof(ko_pq_row_group), &m->row_groups, &m->n_row_groups);
    case 5:
        return rd_structs(r, &KeyValue, sizeof(ko_pq_kv), &m->kv, &m->n_kv);
    case 6:
        return ko_tc_read_string(r, &m->created_by);
    case 7:
        return rd_structs(r, &ColumnOrder, sizeof(bool), &m->column_orders, &m->n_column_orders);
    default: /* plaintext footer of an encrypted file */
        m->encrypted = true;
        return ko_tc_skip(r, KO_TC_STRUCT);
    }
}

static void file_meta_init(void *out)
{
    *(ko_pq_file_meta *)out = (ko_pq_file_meta){0};
}

DESC(FileMetaData, FILE_META_FIELDS, file_meta_field, file_meta_init);

/* ============================================================ PageHeader */

static const ko_tc_field_desc DATA_PAGE_FIELDS[] = {
    [1] = {"num_values", KO_TC_I32, true},
    [2] = {"encoding", KO_TC_I32, true},
    [3] = {"definition_level_encoding", KO_TC_I32, true},
    [4] = {"repetition_level_encoding", KO_TC_I32, true},
    [5] = {"statistics", KO_TC_STRUCT, false},
};

static ko_status data_page_field(ko_tc_reader *r, int16_t id, void *out)
{
    ko_pq_data_page_header *h = out;
    switch (id) {
    case 1:
        return rd_i32_nonneg(r, &h->num_values);
    case 2:
        return rd_encoding(r, &h->encoding);
    case 3:
        return rd_encoding(r, &h->def_encoding);
    case 4:
        return rd_encoding(r, &h->rep_encoding);
    default:
        return ko_tc_read_struct(r, &Statistics, &h->statistics, NULL);
    }
}

static void data_page_init(void *out)
{
    *(ko_pq_data_page_header *)out = (ko_pq_data_page_header){0};
}

DESC(DataPageHeader, DATA_PAGE_FIELDS, data_page_field, data_page_init);

static const ko_tc_field_desc DICT_PAGE_FIELDS[] = {
    [1] = {"num_values", KO_TC_I32, true},
    [2] = {"encoding", KO_TC_I32, true},
    [3] = {"is_sorted", KO_TC_BOOL, false},
};

static ko_status dict_page_field(ko_tc_reader *r, int16_t id, void *out)
{
    ko_pq_dict_page_header *h = out;
    if (id == 1)
        return rd_i32_nonneg(r, &h->num_values);
    if (id == 2)
        return rd_encoding(r, &h->encoding);
    return ko_tc_read_bool(r, &h->is_sorted);
}

static void dict_page_init(void *out)
{
    *(ko_pq_dict_page_header *)out = (ko_pq_dict_page_header){0};
}

DESC(DictionaryPageHeader, DICT_PAGE_FIELDS, dict_page_field, dict_page_init);

static const ko_tc_field_desc DATA_PAGE_V2_FIELDS[] = {
    [1] = {"num_values", KO_TC_I32, true},
    [2] = {"num_nulls", KO_TC_I32, true},
    [3] = {"num_rows", KO_TC_I32, true},
    [4] = {"encoding", KO_TC_I32, true},
    [5] = {"definition_levels_byte_length", KO_TC_I32, true},
    [6] = {"repetition_levels_byte_length", KO_TC_I32, true},
    [7] = {"is_compressed", KO_TC_BOOL, false},
    [8] = {"statistics", KO_TC_STRUCT, false},
};

static ko_status data_page_v2_field(ko_tc_reader *r, int16_t id, void *out)
{
    ko_pq_data_page_header_v2 *h = out;
    switch (id) {
    case 1:
        return rd_i32_nonneg(r, &h->num_values);
    case 2:
        return rd_i32_nonneg(r, &h->num_nulls);
    case 3:
        return rd_i32_nonneg(r, &h->num_rows);
    case 4:
        return rd_encoding(r, &h->encoding);
    case 5:
        return rd_i32_nonneg(r, &h->def_levels_byte_length);
    case 6:
        return rd_i32_nonneg(r, &h->rep_levels_byte_length);
    case 7:
        return ko_tc_read_bool(r, &h->is_compressed);
    default:
        return ko_tc_read_struct(r, &Statistics, &h->statistics, NULL);
    }
}

static void data_page_v2_init(void *out)
{
    *(ko_pq_data_page_header_v2 *)out = (ko_pq_data_page_header_v2){.is_compressed = true};
}

DESC(DataPageHeaderV2, DATA_PAGE_V2_FIELDS, data_page_v2_field, data_page_v2_init);

static const ko_tc_field_desc PAGE_HEADER_FIELDS[] = {
    [1] = {"type", KO_TC_I32, true},
    [2] = {"uncompressed_page_size", KO_TC_I32, true},
    [3] = {"compressed_page_size", KO_TC_I32, true},
    [4] = {"crc", KO_TC_I32, false},
    [5] = {"data_page_header", KO_TC_STRUCT, false},
    [7] = {"dictionary_page_header", KO_TC_STRUCT, false},
    [8] = {"data_page_header_v2", KO_TC_STRUCT, false},
};

static ko_status page_header_field(ko_tc_reader *r, int16_t id, void *out)
{
    ko_pq_page_header *h = out;
    int32_t crc = 0;
    ko_status st;
    switch (id) {
    case 1:
        return rd_page_type(r, &h->type);
    case 2:
        return rd_i32_nonneg(r, &h->uncompressed_page_size);
    case 3:
        return rd_i32_nonneg(r, &h->compressed_page_size);
    case 4:
        h->has_crc = true;
        st = ko_tc_read_i32(r, &crc);
        h->crc = st == KO_OK ? (uint32_t)crc : 0;
        return st;
    case 5:
        h->has_data = true;
        return ko_tc_read_struct(r, &DataPageHeader, &h->data, NULL);
    case 7:
        h->has_dict = true;
        return ko_tc_read_struct(r, &DictionaryPageHeader, &h->dict, NULL);
    default:
        h->has_data_v2 = true;
        return ko_tc_read_struct(r, &DataPageHeaderV2, &h->data_v2, NULL);
    }
}

static void page_header_init(void *out)
{
    *(ko_pq_page_header *)out = (ko_pq_page_header){0};
}

DESC(PageHeader, PAGE_HEADER_FIELDS, page_header_field, page_header_init);

/* ======================================================= ColumnIndex etc. */

/* Decoding state: the three lists must have the same length. */
typedef struct column_index_ctx {
    ko_pq_column_index *ci;
    uint32_t n_null_pages, n_min, n_max, n_null_counts;
} column_index_ctx;

static ko_status column_index_field(ko_tc_reader *r, int16_t id, void *out)
{
    column_index_ctx *c = out;
    int32_t v = 0;
    ko_status st;
    switch (id) {
    case 1:
        return rd_bool_list(r, &c->ci->null_pages, &c->n_null_pages);
    case 2:
        return rd_bin_list(r, &c->ci->min_values, &c->n_min);
    case 3:
        return rd_bin_list(r, &c->ci->max_values, &c->n_max);
    case 4:
        st = rd_enum_open(r, &v);
        c->ci->boundary_order = st == KO_OK ? (ko_pq_boundary_order)v : KO_PQ_UNORDERED;
        return st;
    default:
        return rd_count_list(r, &c->ci->null_counts, &c->n_null_counts);
    }
}

static void column_index_init(void *out)
{
    column_index_ctx *c = out;
    *c->ci = (ko_pq_column_index){0};
    c->n_null_pages = c->n_min = c->n_max = c->n_null_counts = 0;
}

static const ko_tc_field_desc COLUMN_INDEX_FIELDS[] = {
    [1] = {"null_pages", KO_TC_LIST, true},   [2] = {"min_values", KO_TC_LIST, true},
    [3] = {"max_values", KO_TC_LIST, true},   [4] = {"boundary_order", KO_TC_I32, true},
    [5] = {"null_counts", KO_TC_LIST, false},
};
DESC(ColumnIndex, COLUMN_INDEX_FIELDS, column_index_field, column_index_init);

static ko_status page_location_field(ko_tc_reader *r, int16_t id, void *out)
{
    ko_pq_page_location *p = out;
    if (id == 1)
        return rd_i64_nonneg(r, &p->offset);
    if (id == 2)
        return rd_i32_nonneg(r, &p->compressed_page_size);
    return rd_i64_nonneg(r, &p->first_row_index);
}

static void page_location_init(void *out)
{
    *(ko_pq_page_location *)out = (ko_pq_page_location){0};
}

static const ko_tc_field_desc PAGE_LOCATION_FIELDS[] = {
    [1] = {"offset", KO_TC_I64, true},
    [2] = {"compressed_page_size", KO_TC_I32, true},
    [3] = {"first_row_index", KO_TC_I64, true},
};
DESC(PageLocation, PAGE_LOCATION_FIELDS, page_location_field, page_location_init);

static ko_status offset_index_field(ko_tc_reader *r, int16_t id, void *out)
{
    ko_pq_offset_index *oi = out;
    (void)id;
    return rd_structs(r, &PageLocation, sizeof(ko_pq_page_location), &oi->pages, &oi->n_pages);
}

static void offset_index_init(void *out)
{
    *(ko_pq_offset_index *)out = (ko_pq_offset_index){0};
}

static const ko_tc_field_desc OFFSET_INDEX_FIELDS[] = {
    [1] = {"page_locations", KO_TC_LIST, true},
};
DESC(OffsetIndex, OFFSET_INDEX_FIELDS, offset_index_field, offset_index_init);

static ko_status bloom_field(ko_tc_reader *r, int16_t id, void *out)
{
    ko_pq_bloom_header *h = out;
    switch (id) {
    case 1:
        return rd_i32_nonneg(r, &h->num_bytes);
    case 2:
        return ko_tc_read_struct(r, &BloomFilterAlgorithm, &h->block_split, NULL);
    case 3:
        return ko_tc_read_struct(r, &BloomFilterHash, &h->xxhash, NULL);
    default:
        return ko_tc_read_struct(r, &BloomFilterCompression, &h->uncompressed, NULL);
    }
}

static void bloom_init(void *out)
{
    *(ko_pq_bloom_header *)out = (ko_pq_bloom_header){0};
}

static const ko_tc_field_desc BLOOM_FIELDS[] = {
    [1] = {"numBytes", KO_TC_I32, true},
    [2] = {"algorithm", KO_TC_STRUCT, true},
    [3] = {"hash", KO_TC_STRUCT, true},
    [4] = {"compression", KO_TC_STRUCT, true},
};
DESC(BloomFilterHeader, BLOOM_FIELDS, bloom_field, bloom_init);

/* ====================================================== public decoders */

static ko_status bad_args(ko_err *err, const char *what)
{
    return ko_err_set(err, KO_ERR_INVALID, "%s: NULL argument", what);
}

ko_status ko_pq_decode_file_meta(const uint8_t *buf, size_t len, ko_arena *arena,
                                 ko_pq_file_meta *out, ko_err *err)
{
    if (!arena || !out || (!buf && len))
        return bad_args(err, "ko_pq_decode_file_meta");
    ko_tc_reader r;
    ko_tc_reader_init(&r, buf, len, arena, err, "FileMetaData");
    ko_status st = ko_tc_read_struct(&r, &FileMetaData, out, NULL);
    if (st == KO_OK && out->n_schema == 0)
        st = ko_tc_fail(&r, KO_ERR_CORRUPT, "schema is empty");
    if (st != KO_OK)
        *out = (ko_pq_file_meta){0};
    return st;
}

ko_status ko_pq_decode_page_header(const uint8_t *buf, size_t len, ko_arena *arena,
                                   ko_pq_page_header *out, size_t *used, ko_err *err)
{
    if (!arena || !out || (!buf && len))
        return bad_args(err, "ko_pq_decode_page_header");
    ko_tc_reader r;
    ko_tc_reader_init(&r, buf, len, arena, err, "PageHeader");
    ko_status st = ko_tc_read_struct(&r, &PageHeader, out, NULL);
    if (st != KO_OK) {
        *out = (ko_pq_page_header){0};
        return st;
    }
    if (used)
        *used = r.pos;
    return KO_OK;
}

static ko_status check_column_index(ko_tc_reader *r, const column_index_ctx *c)
{
    uint32_t n = c->n_null_pages;
    if (c->n_min != n || c->n_max != n)
        return ko_tc_fail(r, KO_ERR_CORRUPT,
                          "null_pages, min_values and max_values have %u, %u and %u entries", n,
                          c->n_min, c->n_max);
    if (c->ci->null_counts && c->n_null_counts != n)
        return ko_tc_fail(r, KO_ERR_CORRUPT, "null_counts has %u entries for %u pages",
                          c->n_null_counts, n);
    return KO_OK;
}

ko_status ko_pq_decode_column_index(const uint8_t *buf, size_t len, ko_arena *arena,
                                    ko_pq_column_index *out, ko_err *err)
{
    if (!arena || !out || (!buf && len))
        return bad_args(err, "ko_pq_decode_column_index");
    ko_tc_reader r;
    ko_tc_reader_init(&r, buf, len, arena, err, "ColumnIndex");
    column_index_ctx c = {.ci = out};
    ko_status st = ko_tc_read_struct(&r, &ColumnIndex, &c, NULL);
    if (st == KO_OK)
        st = check_column_index(&r, &c);
    if (st != KO_OK) {
        *out = (ko_pq_column_index){0};
        return st;
    }
    out->n_pages = c.n_null_pages;
    return KO_OK;
}

ko_status ko_pq_decode_offset_index(const uint8_t *buf, size_t len, ko_arena *arena,
                                    ko_pq_offset_index *out, ko_err *err)
{
    if (!arena || !out || (!buf && len))
        return bad_args(err, "ko_pq_decode_offset_index");
    ko_tc_reader r;
    ko_tc_reader_init(&r, buf, len, arena, err, "OffsetIndex");
    ko_status st = ko_tc_read_struct(&r, &OffsetIndex, out, NULL);
    if (st != KO_OK)
        *out = (ko_pq_offset_index){0};
    return st;
}

ko_status ko_pq_decode_bloom_header(const uint8_t *buf, size_t len, ko_pq_bloom_header *out,
                                    size_t *used, ko_err *err)
{
    if (!out || (!buf && len))
        return bad_args(err, "ko_pq_decode_bloom_header");
    ko_tc_reader r;
    ko_tc_reader_init(&r, buf, len, NULL, err, "BloomFilterHeader");
    ko_status st = ko_tc_read_struct(&r, &BloomFilterHeader, out, NULL);
    if (st != KO_OK) {
        *out = (ko_pq_bloom_header){0};
        return st;
    }
    if (used)
        *used = r.pos;
    return KO_OK;
}

/* ============================================================== encoders */

static void wr_bin_field(ko_tc_writer *w, int16_t id, ko_pq_bin b)
{
    ko_tc_write_field_binary(w, id, b.ptr, b.len);
}

static void wr_statistics(ko_tc_writer *w, int16_t id, const ko_pq_statistics *s)
{
    ko_tc_write_field_begin(w, id, KO_TC_STRUCT);
    ko_tc_write_struct_begin(w);
    if (s->has_legacy_max)
        wr_bin_field(w, 1, s->legacy_max);
    if (s->has_legacy_min)
        wr_bin_field(w, 2, s->legacy_min);
    if (s->has_null_count)
        ko_tc_write_field_i64(w, 3, s->null_count);
    if (s->has_distinct_count)
        ko_tc_write_field_i64(w, 4, s->distinct_count);
    if (s->has_max)
        wr_bin_field(w, 5, s->max_value);
    if (s->has_min)
        wr_bin_field(w, 6, s->min_value);
    if (s->has_max_exact)
        ko_tc_write_field_bool(w, 7, s->is_max_exact);
    if (s->has_min_exact)
        ko_tc_write_field_bool(w, 8, s->is_min_exact);
    ko_tc_write_struct_end(w);
}

/* A field holding an empty struct (union members such as StringType). */
static void wr_empty_struct_field(ko_tc_writer *w, int16_t id)
{
    ko_tc_write_field_begin(w, id, KO_TC_STRUCT);
    ko_tc_write_struct_begin(w);
    ko_tc_write_struct_end(w);
}

static void wr_logical_body(ko_tc_writer *w, const ko_pq_logical *l)
{
    switch (l->kind) {
    case KO_PQ_LT_DECIMAL:
        ko_tc_write_field_i32(w, 1, l->scale);
        ko_tc_write_field_i32(w, 2, l->precision);
        break;
    case KO_PQ_LT_TIME:
    case KO_PQ_LT_TIMESTAMP:
        ko_tc_write_field_bool(w, 1, l->utc);
        ko_tc_write_field_begin(w, 2, KO_TC_STRUCT);
        ko_tc_write_struct_begin(w);
        wr_empty_struct_field(w, (int16_t)l->unit);
        ko_tc_write_struct_end(w);
        break;
    case KO_PQ_LT_INTEGER:
        ko_tc_write_field_i8(w, 1, l->bit_width);
        ko_tc_write_field_bool(w, 2, l->is_signed);
        break;
    default:
        break;
    }
}

static void wr_logical(ko_tc_writer *w, int16_t id, const ko_pq_logical *l)
{
    ko_tc_write_field_begin(w, id, KO_TC_STRUCT);
    ko_tc_write_struct_begin(w); /* LogicalType union */
    ko_tc_write_field_begin(w, (int16_t)l->kind, KO_TC_STRUCT);
    ko_tc_write_struct_begin(w); /* the member */
    wr_logical_body(w, l);
    ko_tc_write_struct_end(w);
    ko_tc_write_struct_end(w);
}

/* KO_PQ_LT_OTHER (and anything not a LogicalType member) is not written. */
static bool logical_encodable(const ko_pq_logical *l)
{
    if (l->kind == KO_PQ_LT_TIME || l->kind == KO_PQ_LT_TIMESTAMP)
        return l->unit >= KO_PQ_MILLIS && l->unit <= KO_PQ_NANOS;
    return l->kind >= KO_PQ_LT_STRING && l->kind <= KO_PQ_LT_FLOAT16 && l->kind != 9;
}

static void wr_schema_element(ko_tc_writer *w, const ko_pq_schema_element *e)
{
    ko_tc_write_struct_begin(w);
    if (e->has_type)
        ko_tc_write_field_i32(w, 1, (int32_t)e->type);
    if ((e->has_type && e->type == KO_PQ_FIXED_LEN_BYTE_ARRAY) || e->type_length != 0)
        ko_tc_write_field_i32(w, 2, e->type_length);
    if (e->has_repetition)
        ko_tc_write_field_i32(w, 3, (int32_t)e->repetition);
    ko_tc_write_field_string(w, 4, e->name ? e->name : "");
    if (!e->has_type || e->num_children != 0)
        ko_tc_write_field_i32(w, 5, e->num_children);
    if (e->converted != KO_PQ_CT_NONE)
        ko_tc_write_field_i32(w, 6, (int32_t)e->converted);
    if (e->converted == KO_PQ_CT_DECIMAL || e->scale != 0 || e->precision != 0) {
        ko_tc_write_field_i32(w, 7, e->scale);
        ko_tc_write_field_i32(w, 8, e->precision);
    }
    if (e->has_field_id)
        ko_tc_write_field_i32(w, 9, e->field_id);
    if (logical_encodable(&e->logical))
        wr_logical(w, 10, &e->logical);
    ko_tc_write_struct_end(w);
}

static void wr_kv_list(ko_tc_writer *w, int16_t id, const ko_pq_kv *kv, uint32_t n)
{
    ko_tc_write_field_begin(w, id, KO_TC_LIST);
    ko_tc_write_list_begin(w, KO_TC_STRUCT, n);
    for (uint32_t i = 0; i < n; i++) {
        ko_tc_write_struct_begin(w);
        ko_tc_write_field_string(w, 1, kv[i].key ? kv[i].key : "");
        if (kv[i].value)
            ko_tc_write_field_string(w, 2, kv[i].value);
        ko_tc_write_struct_end(w);
    }
}

static void wr_encoding_stats(ko_tc_writer *w, int16_t id, const ko_pq_page_encoding_stats *s,
                              uint32_t n)
{
    ko_tc_write_field_begin(w, id, KO_TC_LIST);
    ko_tc_write_list_begin(w, KO_TC_STRUCT, n);
    for (uint32_t i = 0; i < n; i++) {
        ko_tc_write_struct_begin(w);
        ko_tc_write_field_i32(w, 1, (int32_t)s[i].page_type);
        ko_tc_write_field_i32(w, 2, (int32_t)s[i].encoding);
        ko_tc_write_field_i32(w, 3, s[i].count);
        ko_tc_write_struct_end(w);
    }
}

static void wr_column_meta_lists(ko_tc_writer *w, const ko_pq_column_meta *m)
{
    ko_tc_write_field_begin(w, 2, KO_TC_LIST);
    ko_tc_write_list_begin(w, KO_TC_I32, m->n_encodings);
    for (uint32_t i = 0; i < m->n_encodings; i++)
        ko_tc_write_i32(w, (int32_t)m->encodings[i]);
    ko_tc_write_field_begin(w, 3, KO_TC_LIST);
    ko_tc_write_list_begin(w, KO_TC_BINARY, m->path_len);
    for (uint32_t i = 0; i < m->path_len; i++)
        ko_tc_write_string(w, m->path[i] ? m->path[i] : "");
}

static void wr_column_meta(ko_tc_writer *w, int16_t id, const ko_pq_column_meta *m)
{
    ko_tc_write_field_begin(w, id, KO_TC_STRUCT);
    ko_tc_write_struct_begin(w);
    ko_tc_write_field_i32(w, 1, (int32_t)m->type);
    wr_column_meta_lists(w, m);
    ko_tc_write_field_i32(w, 4, (int32_t)m->codec);
    ko_tc_write_field_i64(w, 5, m->num_values);
    ko_tc_write_field_i64(w, 6, m->total_uncompressed_size);
    ko_tc_write_field_i64(w, 7, m->total_compressed_size);
    if (m->kv)
        wr_kv_list(w, 8, m->kv, m->n_kv);
    ko_tc_write_field_i64(w, 9, m->data_page_offset);
    if (m->has_index_page_offset)
        ko_tc_write_field_i64(w, 10, m->index_page_offset);
    if (m->has_dictionary_page_offset)
        ko_tc_write_field_i64(w, 11, m->dictionary_page_offset);
    if (m->statistics.present)
        wr_statistics(w, 12, &m->statistics);
    if (m->encoding_stats)
        wr_encoding_stats(w, 13, m->encoding_stats, m->n_encoding_stats);
    if (m->has_bloom_filter_offset)
        ko_tc_write_field_i64(w, 14, m->bloom_filter_offset);
    if (m->has_bloom_filter_length)
        ko_tc_write_field_i32(w, 15, m->bloom_filter_length);
    ko_tc_write_struct_end(w);
}

static void wr_column_chunk(ko_tc_writer *w, const ko_pq_column_chunk *c)
{
    ko_tc_write_struct_begin(w);
    if (c->file_path)
        ko_tc_write_field_string(w, 1, c->file_path);
    ko_tc_write_field_i64(w, 2, c->file_offset);
    if (c->has_meta_data)
        wr_column_meta(w, 3, &c->meta);
    if (c->has_offset_index) {
        ko_tc_write_field_i64(w, 4, c->offset_index_offset);
        ko_tc_write_field_i32(w, 5, c->offset_index_length);
    }
    if (c->has_column_index) {
        ko_tc_write_field_i64(w, 6, c->column_index_offset);
        ko_tc_write_field_i32(w, 7, c->column_index_length);
    }
    ko_tc_write_struct_end(w);
}

static void wr_sorting_columns(ko_tc_writer *w, int16_t id, const ko_pq_sorting_column *s,
                               uint32_t n)
{
    ko_tc_write_field_begin(w, id, KO_TC_LIST);
    ko_tc_write_list_begin(w, KO_TC_STRUCT, n);
    for (uint32_t i = 0; i < n; i++) {
        ko_tc_write_struct_begin(w);
        ko_tc_write_field_i32(w, 1, s[i].column_idx);
        ko_tc_write_field_bool(w, 2, s[i].descending);
        ko_tc_write_field_bool(w, 3, s[i].nulls_first);
        ko_tc_write_struct_end(w);
    }
}

static void wr_row_group(ko_tc_writer *w, const ko_pq_row_group *g)
{
    ko_tc_write_struct_begin(w);
    ko_tc_write_field_begin(w, 1, KO_TC_LIST);
    ko_tc_write_list_begin(w, KO_TC_STRUCT, g->n_columns);
    for (uint32_t i = 0; i < g->n_columns; i++)
        wr_column_chunk(w, &g->columns[i]);
    ko_tc_write_field_i64(w, 2, g->total_byte_size);
    ko_tc_write_field_i64(w, 3, g->num_rows);
    if (g->sorting_columns)
        wr_sorting_columns(w, 4, g->sorting_columns, g->n_sorting_columns);
    if (g->has_file_offset)
        ko_tc_write_field_i64(w, 5, g->file_offset);
    if (g->has_total_compressed_size)
        ko_tc_write_field_i64(w, 6, g->total_compressed_size);
    if (g->has_ordinal)
        ko_tc_write_field_i16(w, 7, g->ordinal);
    ko_tc_write_struct_end(w);
}

/* column_orders: TypeDefinedOrder for true; an empty ColumnOrder union (an
 * order this code does not know) for false. */
static void wr_column_orders(ko_tc_writer *w, int16_t id, const bool *orders, uint32_t n)
{
    ko_tc_write_field_begin(w, id, KO_TC_LIST);
    ko_tc_write_list_begin(w, KO_TC_STRUCT, n);
    for (uint32_t i = 0; i < n; i++) {
        ko_tc_write_struct_begin(w);
        if (orders[i])
            wr_empty_struct_field(w, 1);
        ko_tc_write_struct_end(w);
    }
}

ko_status ko_pq_encode_file_meta(const ko_pq_file_meta *m, ko_buf *out)
{
    ko_tc_writer w;
    ko_tc_writer_init(&w, out);
    ko_tc_write_struct_begin(&w);
    ko_tc_write_field_i32(&w, 1, m->version);
    ko_tc_write_field_begin(&w, 2, KO_TC_LIST);
    ko_tc_write_list_begin(&w, KO_TC_STRUCT, m->n_schema);
    for (uint32_t i = 0; i < m->n_schema; i++)
        wr_schema_element(&w, &m->schema[i]);
    ko_tc_write_field_i64(&w, 3, m->num_rows);
    ko_tc_write_field_begin(&w, 4, KO_TC_LIST);
    ko_tc_write_list_begin(&w, KO_TC_STRUCT, m->n_row_groups);
    for (uint32_t i = 0; i < m->n_row_groups; i++)
        wr_row_group(&w, &m->row_groups[i]);
    if (m->kv)
        wr_kv_list(&w, 5, m->kv, m->n_kv);
    if (m->created_by)
        ko_tc_write_field_string(&w, 6, m->created_by);
    if (m->column_orders)
        wr_column_orders(&w, 7, m->column_orders, m->n_column_orders);
    ko_tc_write_struct_end(&w);
    return ko_tc_writer_status(&w);
}

static void wr_data_page(ko_tc_writer *w, const ko_pq_data_page_header *d)
{
    ko_tc_write_field_begin(w, 5, KO_TC_STRUCT);
    ko_tc_write_struct_begin(w);
    ko_tc_write_field_i32(w, 1, d->num_values);
    ko_tc_write_field_i32(w, 2, (int32_t)d->encoding);
    ko_tc_write_field_i32(w, 3, (int32_t)d->def_encoding);
    ko_tc_write_field_i32(w, 4, (int32_t)d->rep_encoding);
    if (d->statistics.present)
        wr_statistics(w, 5, &d->statistics);
    ko_tc_write_struct_end(w);
}

static void wr_dict_page(ko_tc_writer *w, const ko_pq_dict_page_header *d)
{
    ko_tc_write_field_begin(w, 7, KO_TC_STRUCT);
    ko_tc_write_struct_begin(w);
    ko_tc_write_field_i32(w, 1, d->num_values);
    ko_tc_write_field_i32(w, 2, (int32_t)d->encoding);
    ko_tc_write_field_bool(w, 3, d->is_sorted);
    ko_tc_write_struct_end(w);
}

static void wr_data_page_v2(ko_tc_writer *w, const ko_pq_data_page_header_v2 *d)
{
    ko_tc_write_field_begin(w, 8, KO_TC_STRUCT);
    ko_tc_write_struct_begin(w);
    ko_tc_write_field_i32(w, 1, d->num_values);
    ko_tc_write_field_i32(w, 2, d->num_nulls);
    ko_tc_write_field_i32(w, 3, d->num_rows);
    ko_tc_write_field_i32(w, 4, (int32_t)d->encoding);
    ko_tc_write_field_i32(w, 5, d->def_levels_byte_length);
    ko_tc_write_field_i32(w, 6, d->rep_levels_byte_length);
    ko_tc_write_field_bool(w, 7, d->is_compressed);
    if (d->statistics.present)
        wr_statistics(w, 8, &d->statistics);
    ko_tc_write_struct_end(w);
}

ko_status ko_pq_encode_page_header(const ko_pq_page_header *h, ko_buf *out)
{
    ko_tc_writer w;
    ko_tc_writer_init(&w, out);
    ko_tc_write_struct_begin(&w);
    ko_tc_write_field_i32(&w, 1, (int32_t)h->type);
    ko_tc_write_field_i32(&w, 2, h->uncompressed_page_size);
    ko_tc_write_field_i32(&w, 3, h->compressed_page_size);
    if (h->has_crc)
        ko_tc_write_field_i32(&w, 4, (int32_t)h->crc);
    if (h->has_data)
        wr_data_page(&w, &h->data);
    if (h->has_dict)
        wr_dict_page(&w, &h->dict);
    if (h->has_data_v2)
        wr_data_page_v2(&w, &h->data_v2);
    ko_tc_write_struct_end(&w);
    return ko_tc_writer_status(&w);
}

static void wr_bin_list(ko_tc_writer *w, int16_t id, const ko_pq_bin *v, uint32_t n)
{
    ko_tc_write_field_begin(w, id, KO_TC_LIST);
    ko_tc_write_list_begin(w, KO_TC_BINARY, n);
    for (uint32_t i = 0; i < n; i++)
        ko_tc_write_binary(w, v[i].ptr, v[i].len);
}

ko_status ko_pq_encode_column_index(const ko_pq_column_index *ci, ko_buf *out)
{
    ko_tc_writer w;
    ko_tc_writer_init(&w, out);
    ko_tc_write_struct_begin(&w);
    ko_tc_write_field_begin(&w, 1, KO_TC_LIST);
    ko_tc_write_list_begin(&w, KO_TC_BOOL, ci->n_pages);
    for (uint32_t i = 0; i < ci->n_pages; i++)
        ko_tc_write_bool(&w, ci->null_pages[i]);
    wr_bin_list(&w, 2, ci->min_values, ci->n_pages);
    wr_bin_list(&w, 3, ci->max_values, ci->n_pages);
    ko_tc_write_field_i32(&w, 4, (int32_t)ci->boundary_order);
    if (ci->null_counts) {
        ko_tc_write_field_begin(&w, 5, KO_TC_LIST);
        ko_tc_write_list_begin(&w, KO_TC_I64, ci->n_pages);
        for (uint32_t i = 0; i < ci->n_pages; i++)
            ko_tc_write_i64(&w, ci->null_counts[i]);
    }
    ko_tc_write_struct_end(&w);
    return ko_tc_writer_status(&w);
}

ko_status ko_pq_encode_offset_index(const ko_pq_offset_index *oi, ko_buf *out)
{
    ko_tc_writer w;
    ko_tc_writer_init(&w, out);
    ko_tc_write_struct_begin(&w);
    ko_tc_write_field_begin(&w, 1, KO_TC_LIST);
    ko_tc_write_list_begin(&w, KO_TC_STRUCT, oi->n_pages);
    for (uint32_t i = 0; i < oi->n_pages; i++) {
        const ko_pq_page_location *p = &oi->pages[i];
        ko_tc_write_struct_begin(&w);
        ko_tc_write_field_i64(&w, 1, p->offset);
        ko_tc_write_field_i32(&w, 2, p->compressed_page_size);
        ko_tc_write_field_i64(&w, 3, p->first_row_index);
        ko_tc_write_struct_end(&w);
    }
    ko_tc_write_struct_end(&w);
    return ko_tc_writer_status(&w);
}

/* ================================================================= names */

static const char *const TYPE_NAMES[] = {
    "BOOLEAN", "INT32", "INT64", "INT96", "FLOAT", "DOUBLE", "BYTE_ARRAY", "FIXED_LEN_BYTE_ARRAY",
};

static const char *const CODEC_NAMES[] = {
    "UNCOMPRESSED", "SNAPPY", "GZIP", "LZO", "BROTLI", "LZ4", "ZSTD", "LZ4_RAW",
};

static const char *const ENCODING_NAMES[] = {
    "PLAIN",
    "GROUP_VAR_INT", /* 1: never used, reserved */
    "PLAIN_DICTIONARY",
    "RLE",
    "BIT_PACKED",
    "DELTA_BINARY_PACKED",
    "DELTA_LENGTH_BYTE_ARRAY",
    "DELTA_BYTE_ARRAY",
    "RLE_DICTIONARY",
    "BYTE_STREAM_SPLIT",
};

static const char *const CONVERTED_NAMES[] = {
    "UTF8",
    "MAP",
    "MAP_KEY_VALUE",
    "LIST",
    "ENUM",
    "DECIMAL",
    "DATE",
    "TIME_MILLIS",
    "TIME_MICROS",
    "TIMESTAMP_MILLIS",
    "TIMESTAMP_MICROS",
    "UINT_8",
    "UINT_16",
    "UINT_32",
    "UINT_64",
    "INT_8",
    "INT_16",
    "INT_32",
    "INT_64",
    "JSON",
    "BSON",
    "INTERVAL",
};

static const char *name_of(const char *const *names, size_t n, long v)
{
    return v >= 0 && (size_t)v < n ? names[v] : "UNKNOWN";
}

const char *ko_pq_type_name(ko_pq_type t)
{
    return name_of(TYPE_NAMES, KO_ARRAY_LEN(TYPE_NAMES), (long)t);
}

const char *ko_pq_codec_name(ko_pq_codec c)
{
    return name_of(CODEC_NAMES, KO_ARRAY_LEN(CODEC_NAMES), (long)c);
}

const char *ko_pq_encoding_name(ko_pq_encoding e)
{
    return name_of(ENCODING_NAMES, KO_ARRAY_LEN(ENCODING_NAMES), (long)e);
}

const char *ko_pq_converted_name(ko_pq_converted c)
{
    if (c == KO_PQ_CT_NONE)
        return "NONE";
    return name_of(CONVERTED_NAMES, KO_ARRAY_LEN(CONVERTED_NAMES), (long)c);
}

bool ko_pq_codec_parse(const char *name, ko_pq_codec *out)
{
    if (!name)
        return false;
    if (strcasecmp(name, "none") == 0) {
        *out = KO_PQ_UNCOMPRESSED;
        return true;
    }
    for (size_t i = 0; i < KO_ARRAY_LEN(CODEC_NAMES); i++) {
        if (strcasecmp(name, CODEC_NAMES[i]) == 0) {
            *out = (ko_pq_codec)i;
            return true;
        }
    }
    return false;
}
