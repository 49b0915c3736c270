/*
 * test_ice_avro.c - the Avro codec for Iceberg manifests (src/iceberg/avro.c).
 *
 * Binary encodings against the examples of the Avro specification; schema
 * parsing (field ids, docs, defaults, logical types, named references,
 * errors that name the JSON path); round trips of a manifest-entry-like
 * schema through container files with both codecs and several block sizes;
 * the real manifests and manifest lists of the bunnies table written by
 * Iceberg Java (values cross-checked with an independent decoder); and
 * hostile input: every truncation and many mutations of real files, huge
 * counts, deep and exponential schemas, bad framing.  All must fail cleanly.
 */
#include "testutil.h"

#include "iceberg/avro.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

/* ================================================================ helpers */

static const char *testdata(void)
{
    const char *d = getenv("KO_TESTDATA");
    return d ? d : "/work/shared/testdata";
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s (set KO_TESTDATA)", path);
    ko_buf b = {0};
    uint8_t tmp[65536];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
        assert_int_equal(ko_buf_append(&b, tmp, n), KO_OK);
    fclose(f);
    uint8_t *p = ko_buf_detach(&b, len);
    return p ? p : calloc(1, 1);
}

static uint8_t *read_bunny(const char *name, size_t *len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/iceberg/java/bunnies/metadata/%s", testdata(), name);
    return read_file(path, len);
}

static const char *const k_bunny_files[] = {
    "583a45a0-7389-4d71-9305-ac3a8725c38b-m0.avro",
    "a01399a1-e864-4562-b921-c8cb56e6e4a9-m0.avro",
    "a01399a1-e864-4562-b921-c8cb56e6e4a9-m1.avro",
    "e1756967-c907-47e2-8b37-82123c5e5908-m0.avro",
    "snap-4951213507629824583-1-583a45a0-7389-4d71-9305-ac3a8725c38b.avro",
    "snap-6458828015811002920-1-e1756967-c907-47e2-8b37-82123c5e5908.avro",
    "snap-9158179788527662767-1-a01399a1-e864-4562-b921-c8cb56e6e4a9.avro",
};

static bool values_equal(const ko_avro_value *a, const ko_avro_value *b);

static bool containers_equal(const ko_avro_value *a, const ko_avro_value *b)
{
    bool eq = true;
    switch (a->type) {
    case KO_AVRO_ARRAY:
        eq = a->u.array.n == b->u.array.n;
        for (size_t i = 0; eq && i < a->u.array.n; i++)
            eq = values_equal(&a->u.array.items[i], &b->u.array.items[i]);
        return eq;
    case KO_AVRO_MAP:
        eq = a->u.map.n == b->u.map.n;
        for (size_t i = 0; eq && i < a->u.map.n; i++)
            eq = values_equal(&a->u.map.keys[i], &b->u.map.keys[i]) &&
                 values_equal(&a->u.map.values[i], &b->u.map.values[i]);
        return eq;
    default: /* KO_AVRO_RECORD */
        eq = a->u.record.n == b->u.record.n;
        for (size_t i = 0; eq && i < a->u.record.n; i++)
            eq = values_equal(&a->u.record.fields[i], &b->u.record.fields[i]);
        return eq;
    }
}

static bool values_equal(const ko_avro_value *a, const ko_avro_value *b)
{
    if (a->type != b->type)
        return false;
    switch (a->type) {
    case KO_AVRO_NULL:
        return true;
    case KO_AVRO_BOOLEAN:
        return a->u.b == b->u.b;
    case KO_AVRO_INT:
    case KO_AVRO_LONG:
    case KO_AVRO_ENUM:
        return a->u.i == b->u.i;
    case KO_AVRO_FLOAT:
    case KO_AVRO_DOUBLE:
        return memcmp(&a->u.d, &b->u.d, sizeof a->u.d) == 0 || (isnan(a->u.d) && isnan(b->u.d));
    case KO_AVRO_BYTES:
    case KO_AVRO_STRING:
    case KO_AVRO_FIXED:
        return a->u.bytes.len == b->u.bytes.len &&
               (a->u.bytes.len == 0 || memcmp(a->u.bytes.ptr, b->u.bytes.ptr, a->u.bytes.len) == 0);
    case KO_AVRO_ARRAY:
    case KO_AVRO_MAP:
    case KO_AVRO_RECORD:
        return containers_equal(a, b);
    default:
        return false;
    }
}

/* Reads every record of a container; returns the status, count in *n. */
static ko_status read_all(const uint8_t *data, size_t len, uint64_t *n, ko_err *err)
{
    ko_arena a = {0};
    ko_avro_reader *r = NULL;
    *n = 0;
    ko_status st = ko_avro_reader_open(data, len, &a, &r, err);
    while (st == KO_OK) {
        ko_arena rec = {0};
        ko_avro_value v;
        bool has;
        st = ko_avro_reader_next_in(r, &rec, &v, &has, err);
        ko_arena_free(&rec);
        if (st != KO_OK || !has)
            break;
        (*n)++;
    }
    ko_avro_reader_close(r);
    ko_arena_free(&a);
    return st;
}

static void assert_clean_failure(ko_status st, const ko_err *err)
{
    if (st == KO_OK)
        return;
    if (st != KO_ERR_CORRUPT && st != KO_ERR_UNSUPPORTED)
        fail_msg("unexpected status %s: %s", ko_status_name(st), err->msg);
    assert_true(err->msg[0] != '\0');
}

static void assert_contains(const char *hay, const char *needle)
{
    if (!strstr(hay, needle))
        fail_msg("\"%s\" does not contain \"%s\"", hay, needle);
}

/* Decodes one datum of schema JSON `json` from bytes. */
static ko_status decode_bytes(const char *json, const void *bytes, size_t n, ko_arena *a,
                              ko_avro_value *out, ko_err *err)
{
    const ko_avro_schema *s;
    TU_OK(ko_avro_schema_parse(json, strlen(json), a, &s, err), err);
    size_t used = 0;
    ko_status st = ko_avro_decode(s, bytes, n, a, out, &used, err);
    if (st == KO_OK)
        assert_int_equal(used, n);
    return st;
}

static void assert_encodes(const char *json, ko_avro_value v, const void *want, size_t n)
{
    ko_arena a = {0};
    ko_err err = {0};
    const ko_avro_schema *s;
    TU_OK(ko_avro_schema_parse(json, strlen(json), &a, &s, &err), &err);
    ko_buf b = {0};
    TU_OK(ko_avro_encode(s, &v, &b, &err), &err);
    assert_int_equal(b.len, n);
    assert_memory_equal(b.data, want, n);
    ko_avro_value back;
    size_t used;
    TU_OK(ko_avro_decode(s, b.data, b.len, &a, &back, &used, &err), &err);
    assert_int_equal(used, n);
    ko_buf_free(&b);
    ko_arena_free(&a);
}

/* ============================================================ primitives */

static void test_spec_encodings(void **state)
{
    (void)state;
    /* The examples of the Avro specification, "Binary Encoding". */
    static const struct {
        int64_t v;
        uint8_t b[2];
        size_t n;
    } longs[] = {{0, {0x00}, 1}, {-1, {0x01}, 1},  {1, {0x02}, 1},       {-2, {0x03}, 1},
                 {2, {0x04}, 1}, {-64, {0x7f}, 1}, {64, {0x80, 0x01}, 2}};
    for (size_t i = 0; i < KO_ARRAY_LEN(longs); i++) {
        assert_encodes("\"long\"", ko_avro_long(longs[i].v), longs[i].b, longs[i].n);
        assert_encodes("\"int\"", ko_avro_int((int32_t)longs[i].v), longs[i].b, longs[i].n);
    }
    assert_encodes("\"string\"", ko_avro_string("foo"),
                   "\x06"
                   "foo",
                   4);
    assert_encodes("[\"null\",\"string\"]", ko_avro_string("a"),
                   "\x02\x02"
                   "a",
                   3);
    assert_encodes("[\"null\",\"string\"]", ko_avro_null(), "\x00", 1);
    assert_encodes("\"boolean\"", ko_avro_bool(true), "\x01", 1);
    assert_encodes("\"float\"", ko_avro_float(1.0f), "\x00\x00\x80\x3f", 4);
    assert_encodes("\"double\"", ko_avro_double(-2.0), "\x00\x00\x00\x00\x00\x00\x00\xc0", 8);
    assert_encodes("{\"type\":\"fixed\",\"name\":\"f\",\"size\":3}", ko_avro_fixed("xyz", 3), "xyz",
                   3);
    assert_encodes("{\"type\":\"enum\",\"name\":\"e\",\"symbols\":[\"A\",\"B\"]}",
                   ko_avro_string("B"), "\x02", 1);

    ko_arena a = {0};
    ko_avro_value arr;
    assert_int_equal(ko_avro_array_init(&arr, &a, 2), KO_OK);
    arr.u.array.items[0] = ko_avro_long(3);
    arr.u.array.items[1] = ko_avro_long(27);
    assert_encodes("{\"type\":\"array\",\"items\":\"long\"}", arr, "\x04\x06\x36\x00", 4);
    ko_avro_value map;
    assert_int_equal(ko_avro_map_init(&map, &a, 1), KO_OK);
    map.u.map.keys[0] = ko_avro_string("k");
    map.u.map.values[0] = ko_avro_long(1);
    assert_encodes("{\"type\":\"map\",\"values\":\"long\"}", map, "\x02\x02k\x02\x00", 5);
    ko_arena_free(&a);

    /* Extremes. */
    assert_encodes("\"long\"", ko_avro_long(INT64_MIN), "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01",
                   10);
    assert_encodes("\"long\"", ko_avro_long(INT64_MAX), "\xfe\xff\xff\xff\xff\xff\xff\xff\xff\x01",
                   10);
    assert_encodes("\"int\"", ko_avro_int(INT32_MIN), "\xff\xff\xff\xff\x0f", 5);
}

static void test_bad_primitives(void **state)
{
    (void)state;
    ko_arena a = {0};
    ko_err err = {0};
    ko_avro_value v;
    /* 11-byte varint, and a 10th byte carrying more than the 64th bit. */
    assert_int_equal(
        decode_bytes("\"long\"", "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11, &a, &v, &err),
        KO_ERR_CORRUPT);
    assert_contains(err.msg, "varint longer");
    assert_int_equal(
        decode_bytes("\"long\"", "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02", 10, &a, &v, &err),
        KO_ERR_CORRUPT);
    /* An int is at most 5 bytes and 32 bits. */
    assert_int_equal(decode_bytes("\"int\"", "\xff\xff\xff\xff\x1f", 5, &a, &v, &err),
                     KO_ERR_CORRUPT);
    assert_int_equal(decode_bytes("\"int\"", "\x80\x80\x80\x80\x80\x00", 6, &a, &v, &err),
                     KO_ERR_CORRUPT);
    TU_OK(decode_bytes("\"int\"", "\xfe\xff\xff\xff\x0f", 5, &a, &v, &err), &err);
    assert_int_equal(v.u.i, INT32_MAX);
    /* Truncated varint, float, string; negative and oversized lengths. */
    assert_int_equal(decode_bytes("\"long\"", "\x80", 1, &a, &v, &err), KO_ERR_CORRUPT);
    assert_contains(err.msg, "long needs");
    assert_int_equal(decode_bytes("\"float\"", "\x00\x00", 2, &a, &v, &err), KO_ERR_CORRUPT);
    assert_int_equal(decode_bytes("\"string\"",
                                  "\x08"
                                  "abc",
                                  4, &a, &v, &err),
                     KO_ERR_CORRUPT);
    assert_contains(err.msg, "string length 4 exceeds the 3 bytes left");
    assert_int_equal(decode_bytes("\"bytes\"", "\x01", 1, &a, &v, &err), KO_ERR_CORRUPT);
    assert_contains(err.msg, "negative");
    assert_int_equal(decode_bytes("\"boolean\"", "\x02", 1, &a, &v, &err), KO_ERR_CORRUPT);
    assert_int_equal(decode_bytes("[\"null\",\"long\"]", "\x04", 1, &a, &v, &err), KO_ERR_CORRUPT);
    assert_contains(err.msg, "union branch 2");
    assert_int_equal(decode_bytes("[\"null\",\"long\"]", "\x01", 1, &a, &v, &err), KO_ERR_CORRUPT);
    assert_int_equal(decode_bytes("{\"type\":\"enum\",\"name\":\"e\",\"symbols\":[\"A\"]}", "\x02",
                                  1, &a, &v, &err),
                     KO_ERR_CORRUPT);
    assert_int_equal(
        decode_bytes("{\"type\":\"fixed\",\"name\":\"f\",\"size\":4}", "abc", 3, &a, &v, &err),
        KO_ERR_CORRUPT);
    ko_arena_free(&a);
}

static void test_negative_block_counts(void **state)
{
    (void)state;
    ko_arena a = {0};
    ko_err err = {0};
    ko_avro_value v;
    /* Array of longs in two blocks: -2 items in 2 bytes, then 1 item. */
    TU_OK(decode_bytes("{\"type\":\"array\",\"items\":\"long\"}", "\x03\x04\x02\x04\x02\x06\x00", 7,
                       &a, &v, &err),
          &err);
    assert_int_equal(v.u.array.n, 3);
    assert_int_equal(v.u.array.items[0].u.i, 1);
    assert_int_equal(v.u.array.items[2].u.i, 3);
    /* Map with a negative count. */
    TU_OK(decode_bytes("{\"type\":\"map\",\"values\":\"int\"}",
                       "\x03\x0c\x02"
                       "a\x02\x02"
                       "b\x04\x00",
                       9, &a, &v, &err),
          &err);
    assert_int_equal(v.u.map.n, 2);
    assert_string_equal(ko_avro_str(&v.u.map.keys[1]), "b");
    assert_int_equal(v.u.map.values[1].u.i, 2);
    /* A size that disagrees with the items. */
    assert_int_equal(decode_bytes("{\"type\":\"array\",\"items\":\"long\"}", "\x03\x06\x02\x04\x00",
                                  5, &a, &v, &err),
                     KO_ERR_CORRUPT);
    assert_contains(err.msg, "declares");
    /* A size beyond the input. */
    assert_int_equal(decode_bytes("{\"type\":\"array\",\"items\":\"long\"}", "\x03\x40\x02\x04\x00",
                                  5, &a, &v, &err),
                     KO_ERR_CORRUPT);
    /* A huge count of nulls (no bytes each) is stopped by the value budget. */
    assert_int_equal(decode_bytes("{\"type\":\"array\",\"items\":\"null\"}",
                                  "\xfe\xff\xff\xff\xff\xff\xff\xff\x7f\x00", 10, &a, &v, &err),
                     KO_ERR_CORRUPT);
    assert_contains(err.msg, "exceed");
    /* INT64_MIN as a count. */
    assert_int_equal(decode_bytes("{\"type\":\"array\",\"items\":\"null\"}",
                                  "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 10, &a, &v, &err),
                     KO_ERR_CORRUPT);
    /* Many small blocks of nulls are fine. */
    TU_OK(decode_bytes("{\"type\":\"array\",\"items\":\"null\"}", "\x02\x02\x02\x01\x00\x00", 6, &a,
                       &v, &err),
          &err);
    assert_int_equal(v.u.array.n, 4);
    ko_arena_free(&a);
}

/* ================================================================ schema */

/* A manifest entry much like Iceberg's, with a partition tuple of several
 * types, maps as arrays of key/value records, a real Avro map and an enum. */
static const char k_entry_schema[] =
    "{\"type\":\"record\",\"name\":\"manifest_entry\",\"fields\":["
    "{\"name\":\"status\",\"type\":\"int\",\"field-id\":0},"
    "{\"name\":\"snapshot_id\",\"type\":[\"null\",\"long\"],\"default\":null,\"field-id\":1},"
    "{\"name\":\"sequence_number\",\"type\":[\"null\",\"long\"],\"default\":null,\"field-id\":3},"
    "{\"name\":\"data_file\",\"type\":{\"type\":\"record\",\"name\":\"r2\",\"fields\":["
    "{\"name\":\"content\",\"type\":\"int\",\"doc\":\"Contents of the file: 0=data, 1=position "
    "deletes, 2=equality deletes\",\"field-id\":134},"
    "{\"name\":\"file_path\",\"type\":\"string\",\"doc\":\"Location URI with FS "
    "scheme\",\"field-id\":100},"
    "{\"name\":\"file_format\",\"type\":\"string\",\"field-id\":101},"
    "{\"name\":\"partition\",\"type\":{\"type\":\"record\",\"name\":\"r102\",\"fields\":["
    "{\"name\":\"id_bucket\",\"type\":[\"null\",\"int\"],\"default\":null,\"field-id\":1000},"
    "{\"name\":\"day\",\"type\":[\"null\",{\"type\":\"int\",\"logicalType\":\"date\"}],"
    "\"default\":null,\"field-id\":1001},"
    "{\"name\":\"price\",\"type\":[\"null\",{\"type\":\"fixed\",\"name\":\"fixed_9_2\",\"size\":4,"
    "\"logicalType\":\"decimal\",\"precision\":9,\"scale\":2}],\"default\":null,\"field-id\":1002},"
    "{\"name\":\"ok\",\"type\":[\"null\",\"boolean\"],\"default\":null,\"field-id\":1003}]},"
    "\"field-id\":102},"
    "{\"name\":\"record_count\",\"type\":\"long\",\"field-id\":103},"
    "{\"name\":\"file_size_in_bytes\",\"type\":\"long\",\"field-id\":104},"
    "{\"name\":\"column_sizes\",\"type\":[\"null\",{\"type\":\"array\",\"items\":{\"type\":"
    "\"record\",\"name\":\"k117_v118\",\"fields\":[{\"name\":\"key\",\"type\":\"int\",\"field-id\":"
    "117},{\"name\":\"value\",\"type\":\"long\",\"field-id\":118}]},\"logicalType\":\"map\"}],"
    "\"default\":null,\"field-id\":108},"
    "{\"name\":\"lower_bounds\",\"type\":[\"null\",{\"type\":\"array\",\"items\":{\"type\":"
    "\"record\",\"name\":\"k126_v127\",\"fields\":[{\"name\":\"key\",\"type\":\"int\",\"field-id\":"
    "126},{\"name\":\"value\",\"type\":\"bytes\",\"field-id\":127}]},\"logicalType\":\"map\"}],"
    "\"default\":null,\"field-id\":125},"
    "{\"name\":\"upper_bounds\",\"type\":[\"null\",{\"type\":\"array\",\"items\":\"k126_v127\","
    "\"logicalType\":\"map\"}],\"default\":null,\"field-id\":128},"
    "{\"name\":\"split_offsets\",\"type\":[\"null\",{\"type\":\"array\",\"items\":\"long\","
    "\"element-id\":133}],\"default\":null,\"field-id\":132},"
    "{\"name\":\"avg\",\"type\":[\"null\",\"double\"],\"default\":null,\"field-id\":140},"
    "{\"name\":\"ratio\",\"type\":\"float\",\"field-id\":141},"
    "{\"name\":\"uuid\",\"type\":[\"null\",{\"type\":\"fixed\",\"name\":\"uuid_fixed\",\"size\":16,"
    "\"logicalType\":\"uuid\"}],\"default\":null,\"field-id\":142},"
    "{\"name\":\"props\",\"type\":{\"type\":\"map\",\"values\":\"string\",\"key-id\":143,"
    "\"value-id\":144},\"default\":{},\"field-id\":145},"
    "{\"name\":\"kind\",\"type\":{\"type\":\"enum\",\"name\":\"kind_enum\",\"symbols\":[\"A\","
    "\"B\",\"C\"]},\"field-id\":146}"
    "]},\"field-id\":2}]}";

static const ko_avro_schema *ftype(const ko_avro_schema *rec, const char *name)
{
    const ko_avro_field *f = ko_avro_schema_field(rec, name);
    if (!f)
        fail_msg("no field %s", name);
    return ko_avro_schema_nonnull(f->type);
}

static void check_entry_schema(const ko_avro_schema *s)
{
    assert_int_equal(s->type, KO_AVRO_RECORD);
    assert_string_equal(s->name, "manifest_entry");
    const ko_avro_field *f = ko_avro_schema_field(s, "status");
    assert_true(f->has_field_id);
    assert_int_equal(f->field_id, 0);
    f = ko_avro_schema_field(s, "snapshot_id");
    assert_int_equal(f->field_id, 1);
    assert_string_equal(f->default_json, "null");
    assert_int_equal(f->type->type, KO_AVRO_UNION);
    const ko_avro_schema *df = ftype(s, "data_file");
    assert_int_equal(ko_avro_schema_field(s, "data_file")->field_id, 2);
    f = ko_avro_schema_field(df, "content");
    assert_string_equal(f->doc, "Contents of the file: 0=data, 1=position deletes, 2=equality "
                                "deletes");
    assert_null(ko_avro_schema_field(df, "file_format")->doc);
    const ko_avro_schema *part = ftype(df, "partition");
    assert_int_equal(part->n_fields, 4);
    assert_int_equal(ko_avro_schema_field(part, "price")->field_id, 1002);
    const ko_avro_schema *day = ftype(part, "day");
    assert_int_equal(day->type, KO_AVRO_INT);
    assert_string_equal(day->logical_type, "date");
    const ko_avro_schema *price = ftype(part, "price");
    assert_int_equal(price->type, KO_AVRO_FIXED);
    assert_int_equal(price->fixed_size, 4);
    assert_string_equal(price->logical_type, "decimal");
    assert_int_equal(price->precision, 9);
    assert_int_equal(price->scale, 2);
    const ko_avro_schema *cs = ftype(df, "column_sizes");
    assert_int_equal(cs->type, KO_AVRO_ARRAY);
    assert_string_equal(cs->logical_type, "map");
    assert_int_equal(ko_avro_schema_field(cs->items, "value")->field_id, 118);
    /* upper_bounds names the record type defined by lower_bounds. */
    assert_ptr_equal(ftype(df, "upper_bounds")->items, ftype(df, "lower_bounds")->items);
    const ko_avro_schema *so = ftype(df, "split_offsets");
    assert_true(so->has_element_id);
    assert_int_equal(so->element_id, 133);
    const ko_avro_schema *props = ftype(df, "props");
    assert_int_equal(props->type, KO_AVRO_MAP);
    assert_int_equal(props->key_id, 143);
    assert_int_equal(props->value_id, 144);
    assert_string_equal(ko_avro_schema_field(df, "props")->default_json, "{}");
    assert_string_equal(ftype(df, "uuid")->logical_type, "uuid");
    assert_int_equal(ftype(df, "kind")->n_symbols, 3);
    assert_string_equal(ftype(df, "kind")->symbols[2], "C");
}

static void test_schema_parse(void **state)
{
    (void)state;
    ko_arena a = {0};
    ko_err err = {0};
    const ko_avro_schema *s;
    TU_OK(ko_avro_schema_parse(k_entry_schema, strlen(k_entry_schema), &a, &s, &err), &err);
    check_entry_schema(s);

    /* Namespaces: F, a.b.F and the fixed itself are one node. */
    const char *ns = "{\"type\":\"record\",\"name\":\"a.b.R\",\"fields\":["
                     "{\"name\":\"x\",\"type\":{\"type\":\"fixed\",\"name\":\"F\",\"size\":2}},"
                     "{\"name\":\"y\",\"type\":\"F\"},{\"name\":\"z\",\"type\":\"a.b.F\"},"
                     "{\"name\":\"w\",\"type\":{\"type\":\"enum\",\"name\":\"E\",\"namespace\":"
                     "\"q\",\"symbols\":[]}},{\"name\":\"v\",\"type\":\"q.E\"}]}";
    TU_OK(ko_avro_schema_parse(ns, strlen(ns), &a, &s, &err), &err);
    assert_string_equal(s->fields[0].type->name, "a.b.F");
    assert_ptr_equal(s->fields[1].type, s->fields[0].type);
    assert_ptr_equal(s->fields[2].type, s->fields[0].type);
    assert_string_equal(s->fields[3].type->name, "q.E");
    assert_ptr_equal(s->fields[4].type, s->fields[3].type);

    /* A primitive as a bare JSON string. */
    TU_OK(ko_avro_schema_parse("\"long\"", 6, &a, &s, &err), &err);
    assert_int_equal(s->type, KO_AVRO_LONG);
    ko_arena_free(&a);
}

static void expect_schema_error(const char *json, const char *msg)
{
    ko_arena a = {0};
    ko_err err = {0};
    const ko_avro_schema *s = (const ko_avro_schema *)&err;
    assert_int_equal(ko_avro_schema_parse(json, strlen(json), &a, &s, &err), KO_ERR_INVALID);
    assert_null(s);
    assert_contains(err.msg, msg);
    ko_arena_free(&a);
}

static void test_schema_errors(void **state)
{
    (void)state;
    expect_schema_error("{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"a\","
                        "\"type\":\"int\"},{\"name\":\"b\",\"type\":{\"type\":\"array\","
                        "\"items\":\"lon\"}}]}",
                        "avro schema: fields[1].type.items: unknown type \"lon\"");
    expect_schema_error("{\"type\":", "invalid JSON");
    expect_schema_error("[\"null\",[\"int\"]]", "a union may not contain a union");
    expect_schema_error("[]", "at least one branch");
    expect_schema_error("{\"type\":\"record\",\"fields\":[]}", "needs a \"name\"");
    expect_schema_error("{\"type\":\"record\",\"name\":\"r\"}", "\"fields\" array");
    expect_schema_error("{\"type\":\"fixed\",\"name\":\"f\"}", "needs a \"size\"");
    expect_schema_error("{\"type\":\"fixed\",\"name\":\"f\",\"size\":-1}", "\"size\" must be");
    expect_schema_error("{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"a\","
                        "\"type\":\"int\",\"field-id\":\"x\"}]}",
                        "fields[0]: \"field-id\" must be an integer");
    expect_schema_error("{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"a\","
                        "\"type\":{\"type\":\"fixed\",\"name\":\"r\",\"size\":1}}]}",
                        "defined twice");
    expect_schema_error("{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"a\"}]}",
                        "has no \"type\"");
    expect_schema_error("17", "must be a string, an array or an object");
    expect_schema_error("{\"type\":\"map\"}", "map needs \"values\"");

    /* Nesting deeper than the limit. */
    ko_buf b = {0};
    for (int i = 0; i < KO_AVRO_MAX_DEPTH + 2; i++)
        assert_int_equal(ko_buf_append_str(&b, "{\"type\":\"array\",\"items\":"), KO_OK);
    assert_int_equal(ko_buf_append_str(&b, "\"int\""), KO_OK);
    for (int i = 0; i < KO_AVRO_MAX_DEPTH + 2; i++)
        assert_int_equal(ko_buf_append_str(&b, "}"), KO_OK);
    expect_schema_error((const char *)b.data, "nested deeper");
    ko_buf_free(&b);
}

/* ============================================================ round trips */

static void set_field(ko_avro_value *rec, const char *name, ko_avro_value v)
{
    if (ko_avro_record_set(rec, name, v) != KO_OK)
        fail_msg("no field %s", name);
}

static ko_avro_value kv_array(ko_arena *a, const ko_avro_schema *arr, size_t n, int seed,
                              bool bytes)
{
    ko_avro_value v;
    assert_int_equal(ko_avro_array_init(&v, a, n), KO_OK);
    for (size_t j = 0; j < n; j++) {
        ko_avro_value *kv = &v.u.array.items[j];
        assert_int_equal(ko_avro_record_init(kv, a, arr->items), KO_OK);
        set_field(kv, "key", ko_avro_int((int32_t)j + 1));
        if (bytes) {
            char *s = ko_arena_sprintf(a, "b%d-%zu", seed, j);
            set_field(kv, "value", ko_avro_bytes(s, strlen(s)));
        } else {
            set_field(kv, "value", ko_avro_long((int64_t)j * 100 + seed));
        }
    }
    return v;
}

static ko_avro_value build_partition(ko_arena *a, const ko_avro_schema *part, int i)
{
    ko_avro_value p;
    assert_int_equal(ko_avro_record_init(&p, a, part), KO_OK);
    set_field(&p, "id_bucket", i % 7 == 0 ? ko_avro_null() : ko_avro_int(i % 16));
    set_field(&p, "day", ko_avro_int(19000 + i));
    uint8_t *price = ko_arena_alloc(a, 4);
    uint32_t cents = (uint32_t)i * 101u;
    for (int k = 0; k < 4; k++)
        price[k] = (uint8_t)(cents >> (24 - 8 * k));
    set_field(&p, "price", i % 5 == 1 ? ko_avro_null() : ko_avro_fixed(price, 4));
    set_field(&p, "ok", ko_avro_bool(i & 1));
    return p;
}

static ko_avro_value build_props(ko_arena *a, int i)
{
    ko_avro_value m;
    size_t n = (size_t)(i % 3);
    assert_int_equal(ko_avro_map_init(&m, a, n), KO_OK);
    for (size_t j = 0; j < n; j++) {
        m.u.map.keys[j] = ko_avro_string(ko_arena_sprintf(a, "k%zu", j));
        m.u.map.values[j] = ko_avro_string(ko_arena_sprintf(a, "value %d/%zu", i, j));
    }
    return m;
}

static ko_avro_value build_data_file(ko_arena *a, const ko_avro_schema *df, int i)
{
    static const double specials[] = {0.0, -0.0, 1e308, -1e-308, NAN, INFINITY};
    ko_avro_value d;
    assert_int_equal(ko_avro_record_init(&d, a, df), KO_OK);
    set_field(&d, "content", ko_avro_int(i % 3));
    set_field(&d, "file_path",
              ko_avro_string(ko_arena_sprintf(a, "s3://bucket/t/data/%05d-ünïcode.parquet", i)));
    set_field(&d, "file_format", ko_avro_string("PARQUET"));
    set_field(&d, "partition", build_partition(a, ftype(df, "partition"), i));
    set_field(&d, "record_count", ko_avro_long((int64_t)i * 1000 + 1));
    set_field(&d, "file_size_in_bytes", ko_avro_long(INT64_MAX - i));
    const ko_avro_schema *cs = ftype(df, "column_sizes");
    set_field(&d, "column_sizes",
              i % 4 == 0 ? ko_avro_null() : kv_array(a, cs, (size_t)(i % 5), i, false));
    set_field(&d, "lower_bounds", kv_array(a, ftype(df, "lower_bounds"), 2, i, true));
    set_field(&d, "upper_bounds",
              i % 2 ? ko_avro_null() : kv_array(a, ftype(df, "upper_bounds"), 1, -i, true));
    ko_avro_value so;
    assert_int_equal(ko_avro_array_init(&so, a, (size_t)(i % 3)), KO_OK);
    for (size_t j = 0; j < so.u.array.n; j++)
        so.u.array.items[j] = ko_avro_long(4 + (int64_t)j * (i + 1));
    set_field(&d, "split_offsets", so);
    set_field(&d, "avg", i < 6 ? ko_avro_double(specials[i]) : ko_avro_double(i / 3.0));
    set_field(&d, "ratio", ko_avro_float((float)i * 0.25f));
    ko_uuid u = ko_uuid_random();
    uint8_t *ub = ko_arena_alloc(a, 16);
    memcpy(ub, u.b, 16);
    set_field(&d, "uuid", i % 3 == 2 ? ko_avro_null() : ko_avro_fixed(ub, 16));
    set_field(&d, "props", build_props(a, i));
    set_field(&d, "kind", ko_avro_enum(i % 3));
    return d;
}

static ko_avro_value build_entry(ko_arena *a, const ko_avro_schema *s, int i)
{
    ko_avro_value e;
    assert_int_equal(ko_avro_record_init(&e, a, s), KO_OK);
    set_field(&e, "status", ko_avro_int(i % 3));
    set_field(&e, "snapshot_id",
              i % 5 == 0 ? ko_avro_null() : ko_avro_long(1000000000000LL * i - 7));
    set_field(&e, "sequence_number", ko_avro_long(-i));
    set_field(&e, "data_file", build_data_file(a, ftype(s, "data_file"), i));
    return e;
}

enum { N_ENTRIES = 300 };

static void roundtrip(ko_avro_codec codec, size_t block_records, size_t block_bytes)
{
    ko_arena a = {0};
    ko_err err = {0};
    static const uint8_t sync[16] = "0123456789abcdef";
    const ko_avro_meta meta[] = {
        {.key = "schema", .value = (const uint8_t *)"{\"type\":\"struct\"}", .len = 17},
        {.key = "format-version", .value = (const uint8_t *)"2", .len = 1},
        {.key = "partition-spec-id", .value = (const uint8_t *)"0", .len = 1},
        {.key = "content", .value = (const uint8_t *)"data", .len = 4},
        {.key = "empty", .value = NULL, .len = 0},
    };
    ko_avro_writer_opts o = {.codec = codec,
                             .block_records = block_records,
                             .block_bytes = block_bytes,
                             .meta = meta,
                             .n_meta = KO_ARRAY_LEN(meta),
                             .sync = sync};
    ko_avro_writer *w;
    TU_OK(ko_avro_writer_open(k_entry_schema, strlen(k_entry_schema), &o, &w, &err), &err);
    const ko_avro_schema *s = ko_avro_writer_schema(w);
    ko_avro_value *in = ko_arena_calloc(&a, N_ENTRIES, sizeof *in);
    for (int i = 0; i < N_ENTRIES; i++) {
        in[i] = build_entry(&a, s, i);
        TU_OK(ko_avro_writer_append(w, &in[i], &err), &err);
    }
    assert_int_equal(ko_avro_writer_count(w), N_ENTRIES);
    ko_buf file = {0};
    TU_OK(ko_avro_writer_finish(w, &file, &err), &err);
    assert_int_equal(ko_avro_writer_append(w, &in[0], &err), KO_ERR_INVALID);
    ko_avro_writer_free(w);

    ko_avro_reader *r;
    TU_OK(ko_avro_reader_open(file.data, file.len, &a, &r, &err), &err);
    size_t jl;
    const char *json = ko_avro_reader_schema_json(r, &jl);
    assert_int_equal(jl, strlen(k_entry_schema));
    assert_memory_equal(json, k_entry_schema, jl);
    assert_int_equal(ko_avro_reader_codec(r), codec);
    check_entry_schema(ko_avro_reader_schema(r));
    size_t nm;
    const ko_avro_meta *m = ko_avro_reader_meta(r, &nm);
    assert_int_equal(nm, KO_ARRAY_LEN(meta) + 2);
    for (size_t i = 0; i < KO_ARRAY_LEN(meta); i++) {
        assert_string_equal(m[i].key, meta[i].key);
        assert_int_equal(m[i].len, meta[i].len);
    }
    assert_string_equal(m[5].key, "avro.schema");
    assert_string_equal(m[6].key, "avro.codec");
    assert_string_equal(ko_avro_reader_meta_get(r, "avro.codec", NULL),
                        codec == KO_AVRO_CODEC_DEFLATE ? "deflate" : "null");
    assert_string_equal(ko_avro_reader_meta_get(r, "content", NULL), "data");
    assert_null(ko_avro_reader_meta_get(r, "nope", NULL));

    for (int i = 0; i < N_ENTRIES; i++) {
        ko_avro_value v;
        bool has;
        TU_OK(ko_avro_reader_next(r, &v, &has, &err), &err);
        assert_true(has);
        if (!values_equal(&v, &in[i]))
            fail_msg("record %d differs after the round trip", i);
        char want[64];
        snprintf(want, sizeof want, "s3://bucket/t/data/%05d-ünïcode.parquet", i);
        assert_string_equal(ko_avro_str(ko_avro_record_path(&v, "data_file.file_path")), want);
        const ko_avro_value *sid = ko_avro_record_get(&v, "snapshot_id");
        assert_int_equal(sid->branch, i % 5 == 0 ? 0 : 1);
        assert_int_equal(ko_avro_record_path(&v, "data_file.partition.day")->u.i, 19000 + i);
    }
    ko_avro_value v;
    bool has = true;
    TU_OK(ko_avro_reader_next(r, &v, &has, &err), &err);
    assert_false(has);
    assert_int_equal(ko_avro_reader_count(r), N_ENTRIES);
    ko_avro_reader_close(r);
    ko_buf_free(&file);
    ko_arena_free(&a);
}

static void test_roundtrip_null(void **state)
{
    (void)state;
    roundtrip(KO_AVRO_CODEC_NULL, 0, 0);
    roundtrip(KO_AVRO_CODEC_NULL, 7, 0);
    roundtrip(KO_AVRO_CODEC_NULL, 0, 100);
    roundtrip(KO_AVRO_CODEC_NULL, 1, 0);
}

static void test_roundtrip_deflate(void **state)
{
    (void)state;
    roundtrip(KO_AVRO_CODEC_DEFLATE, 0, 0);
    roundtrip(KO_AVRO_CODEC_DEFLATE, 7, 0);
    roundtrip(KO_AVRO_CODEC_DEFLATE, 0, 1000);
}

static void test_empty_file(void **state)
{
    (void)state;
    ko_err err = {0};
    ko_avro_writer *w;
    TU_OK(ko_avro_writer_open("\"int\"", 5, NULL, &w, &err), &err);
    ko_buf file = {0};
    assert_int_equal(ko_buf_append(&file, "prefix", 6), KO_OK);
    TU_OK(ko_avro_writer_finish(w, &file, &err), &err);
    ko_avro_writer_free(w);
    uint64_t n = 99;
    TU_OK(read_all(file.data + 6, file.len - 6, &n, &err), &err);
    assert_int_equal(n, 0);
    ko_buf_free(&file);
}

/* ========================================================= writer errors */

static void test_writer_errors(void **state)
{
    (void)state;
    ko_arena a = {0};
    ko_err err = {0};
    ko_avro_writer *w;
    TU_OK(ko_avro_writer_open(k_entry_schema, strlen(k_entry_schema), NULL, &w, &err), &err);
    const ko_avro_schema *s = ko_avro_writer_schema(w);
    ko_avro_value good = build_entry(&a, s, 1);
    TU_OK(ko_avro_writer_append(w, &good, &err), &err);

    ko_avro_value bad = build_entry(&a, s, 2);
    ko_avro_value *df = ko_avro_record_field(&bad, "data_file");
    set_field(df, "record_count", ko_avro_string("12"));
    assert_int_equal(ko_avro_writer_append(w, &bad, &err), KO_ERR_INVALID);
    assert_contains(err.msg, "record 1: manifest_entry.data_file.record_count: schema wants long, "
                             "value is string");
    set_field(df, "record_count", ko_avro_long(1));
    set_field(&bad, "snapshot_id", ko_avro_double(1));
    assert_int_equal(ko_avro_writer_append(w, &bad, &err), KO_ERR_INVALID);
    assert_contains(err.msg, "snapshot_id: no branch of the union accepts a double");
    set_field(&bad, "snapshot_id", ko_avro_null());
    set_field(&bad, "status", ko_avro_long(1LL << 40));
    assert_int_equal(ko_avro_writer_append(w, &bad, &err), KO_ERR_INVALID);
    assert_contains(err.msg, "does not fit an int");
    set_field(&bad, "status", ko_avro_long(1));
    ko_avro_value *part = ko_avro_record_field(df, "partition");
    set_field(part, "price", ko_avro_fixed("abc", 3));
    assert_int_equal(ko_avro_writer_append(w, &bad, &err), KO_ERR_INVALID);
    assert_contains(err.msg, "data_file.partition.price: no branch");
    set_field(part, "price", ko_avro_null());
    set_field(df, "kind", ko_avro_string("Z"));
    assert_int_equal(ko_avro_writer_append(w, &bad, &err), KO_ERR_INVALID);
    assert_contains(err.msg, "not a symbol");
    set_field(df, "kind", ko_avro_enum(1));
    ko_avro_value *cs = ko_avro_record_field(df, "column_sizes");
    if (cs->type == KO_AVRO_ARRAY && cs->u.array.n > 0) {
        cs->u.array.items[0].u.record.n = 1;
        assert_int_equal(ko_avro_writer_append(w, &bad, &err), KO_ERR_INVALID);
        assert_contains(err.msg, "column_sizes[0]: record has 1 fields");
        cs->u.array.items[0].u.record.n = 2;
    }
    ko_avro_value *props = ko_avro_record_field(df, "props");
    assert_int_equal(ko_avro_map_init(props, &a, 1), KO_OK);
    props->u.map.keys[0] = ko_avro_int(1);
    props->u.map.values[0] = ko_avro_string("x");
    assert_int_equal(ko_avro_writer_append(w, &bad, &err), KO_ERR_INVALID);
    assert_contains(err.msg, "map key is int");
    props->u.map.keys[0] = ko_avro_string("k");
    TU_OK(ko_avro_writer_append(w, &bad, &err), &err);

    /* The failed appends left nothing behind. */
    ko_buf file = {0};
    TU_OK(ko_avro_writer_finish(w, &file, &err), &err);
    ko_avro_writer_free(w);
    uint64_t n;
    TU_OK(read_all(file.data, file.len, &n, &err), &err);
    assert_int_equal(n, 2);
    ko_buf_free(&file);

    /* Options. */
    ko_avro_meta m[2] = {{.key = "avro.x", .value = (const uint8_t *)"1", .len = 1},
                         {.key = "k", .value = (const uint8_t *)"1", .len = 1}};
    ko_avro_writer_opts o = {.meta = m, .n_meta = 1};
    assert_int_equal(ko_avro_writer_open("\"int\"", 5, &o, &w, &err), KO_ERR_INVALID);
    assert_contains(err.msg, "reserved");
    m[0].key = "k";
    o.n_meta = 2;
    assert_int_equal(ko_avro_writer_open("\"int\"", 5, &o, &w, &err), KO_ERR_INVALID);
    assert_contains(err.msg, "twice");
    o = (ko_avro_writer_opts){.codec = (ko_avro_codec)7};
    assert_int_equal(ko_avro_writer_open("\"int\"", 5, &o, &w, &err), KO_ERR_INVALID);
    o = (ko_avro_writer_opts){.deflate_level = 11};
    assert_int_equal(ko_avro_writer_open("\"int\"", 5, &o, &w, &err), KO_ERR_INVALID);
    assert_int_equal(ko_avro_writer_open("\"lnog\"", 6, NULL, &w, &err), KO_ERR_INVALID);
    assert_contains(err.msg, "unknown type \"lnog\"");
    assert_null(w);
    ko_arena_free(&a);
}

/* ===================================================== real Iceberg files */

typedef struct list_want {
    const char *manifest;
    int64_t length, snapshot, seq, rows;
    int32_t content;
} list_want;

static void check_manifest_list(const char *name, const list_want *want, size_t n_want)
{
    ko_arena a = {0};
    ko_err err = {0};
    size_t len;
    uint8_t *data = read_bunny(name, &len);
    ko_avro_reader *r;
    TU_OK(ko_avro_reader_open(data, len, &a, &r, &err), &err);
    assert_int_equal(ko_avro_reader_codec(r), KO_AVRO_CODEC_DEFLATE);
    assert_string_equal(ko_avro_reader_meta_get(r, "format-version", NULL), "2");
    assert_non_null(ko_avro_reader_meta_get(r, "snapshot-id", NULL));
    const ko_avro_schema *s = ko_avro_reader_schema(r);
    assert_string_equal(s->name, "manifest_file");
    assert_int_equal(ko_avro_schema_field(s, "manifest_path")->field_id, 500);
    assert_int_equal(ko_avro_schema_field(s, "added_snapshot_id")->field_id, 503);
    for (size_t i = 0;; i++) {
        ko_avro_value v;
        bool has;
        TU_OK(ko_avro_reader_next(r, &v, &has, &err), &err);
        if (!has) {
            assert_int_equal(i, n_want);
            break;
        }
        assert_true(i < n_want);
        const char *path = ko_avro_str(ko_avro_record_get(&v, "manifest_path"));
        const char *base = strrchr(path, '/') + 1;
        assert_string_equal(base, want[i].manifest);
        assert_int_equal(ko_avro_record_get(&v, "manifest_length")->u.i, want[i].length);
        assert_int_equal(ko_avro_record_get(&v, "added_snapshot_id")->u.i, want[i].snapshot);
        assert_int_equal(ko_avro_record_get(&v, "sequence_number")->u.i, want[i].seq);
        assert_int_equal(ko_avro_record_get(&v, "added_rows_count")->u.i, want[i].rows);
        assert_int_equal(ko_avro_record_get(&v, "content")->u.i, want[i].content);
        assert_int_equal(ko_avro_record_get(&v, "partitions")->type, KO_AVRO_ARRAY);
        assert_int_equal(ko_avro_record_get(&v, "key_metadata")->type, KO_AVRO_NULL);
        /* The manifest it names is beside it, with that length. */
        size_t mlen;
        free(read_bunny(base, &mlen));
        assert_int_equal(mlen, want[i].length);
    }
    ko_avro_reader_close(r);
    free(data);
    ko_arena_free(&a);
}

static void test_bunnies_manifest_lists(void **state)
{
    (void)state;
    const list_want s1[] = {
        {"583a45a0-7389-4d71-9305-ac3a8725c38b-m0.avro", 7349, 4951213507629824583LL, 1, 21, 0}};
    check_manifest_list("snap-4951213507629824583-1-583a45a0-7389-4d71-9305-ac3a8725c38b.avro", s1,
                        1);
    const list_want s2[] = {
        {"583a45a0-7389-4d71-9305-ac3a8725c38b-m0.avro", 7349, 4951213507629824583LL, 1, 21, 0},
        {"e1756967-c907-47e2-8b37-82123c5e5908-m0.avro", 7453, 6458828015811002920LL, 2, 6, 1}};
    check_manifest_list("snap-6458828015811002920-1-e1756967-c907-47e2-8b37-82123c5e5908.avro", s2,
                        2);
    const list_want s3[] = {
        {"a01399a1-e864-4562-b921-c8cb56e6e4a9-m0.avro", 7422, 9158179788527662767LL, 3, 1, 0},
        {"583a45a0-7389-4d71-9305-ac3a8725c38b-m0.avro", 7349, 4951213507629824583LL, 1, 21, 0},
        {"a01399a1-e864-4562-b921-c8cb56e6e4a9-m1.avro", 7494, 9158179788527662767LL, 3, 1, 1},
        {"e1756967-c907-47e2-8b37-82123c5e5908-m0.avro", 7453, 6458828015811002920LL, 2, 6, 1}};
    check_manifest_list("snap-9158179788527662767-1-a01399a1-e864-4562-b921-c8cb56e6e4a9.avro", s3,
                        4);
}

typedef struct entry_want {
    const char *file;
    const char *content_meta;
    int64_t snapshot, record_count, size;
    int32_t content;
    int64_t sort_order; /* -1: null */
} entry_want;

static const ko_avro_value *read_single_entry(ko_avro_reader *r, ko_err *err)
{
    static ko_avro_value v;
    bool has;
    TU_OK(ko_avro_reader_next(r, &v, &has, err), err);
    assert_true(has);
    ko_avro_value end;
    TU_OK(ko_avro_reader_next(r, &end, &has, err), err);
    assert_false(has);
    return &v;
}

static void check_manifest(const char *name, const entry_want *w, ko_arena *a,
                           const ko_avro_value **out)
{
    ko_err err = {0};
    size_t len;
    uint8_t *data = read_bunny(name, &len);
    ko_avro_reader *r;
    TU_OK(ko_avro_reader_open(data, len, a, &r, &err), &err);
    assert_string_equal(ko_avro_reader_meta_get(r, "content", NULL), w->content_meta);
    assert_string_equal(ko_avro_reader_meta_get(r, "partition-spec-id", NULL), "0");
    size_t n;
    const ko_avro_meta *m = ko_avro_reader_meta(r, &n);
    assert_int_equal(n, 8);
    assert_string_equal(m[0].key, "schema");
    assert_string_equal(m[1].key, "avro.schema");
    size_t jl;
    const char *json = ko_avro_reader_schema_json(r, &jl);
    assert_non_null(memmem(json, jl, "\"field-id\":100", 14));
    const ko_avro_schema *s = ko_avro_reader_schema(r);
    const ko_avro_schema *df = ftype(s, "data_file");
    assert_int_equal(ko_avro_schema_field(df, "file_path")->field_id, 100);
    assert_int_equal(ko_avro_schema_field(df, "record_count")->field_id, 103);
    assert_int_equal(ftype(df, "partition")->n_fields, 0);

    const ko_avro_value *v = read_single_entry(r, &err);
    assert_int_equal(ko_avro_record_get(v, "status")->u.i, 1);
    assert_int_equal(ko_avro_record_get(v, "snapshot_id")->u.i, w->snapshot);
    assert_int_equal(ko_avro_record_get(v, "sequence_number")->type, KO_AVRO_NULL);
    const char *path = ko_avro_str(ko_avro_record_path(v, "data_file.file_path"));
    assert_string_equal(strrchr(path, '/') + 1, w->file);
    assert_string_equal(ko_avro_str(ko_avro_record_path(v, "data_file.file_format")), "PARQUET");
    assert_int_equal(ko_avro_record_path(v, "data_file.content")->u.i, w->content);
    assert_int_equal(ko_avro_record_path(v, "data_file.record_count")->u.i, w->record_count);
    assert_int_equal(ko_avro_record_path(v, "data_file.file_size_in_bytes")->u.i, w->size);
    const ko_avro_value *so = ko_avro_record_path(v, "data_file.sort_order_id");
    if (w->sort_order < 0)
        assert_int_equal(so->type, KO_AVRO_NULL);
    else
        assert_int_equal(so->u.i, w->sort_order);
    /* The data file it names exists. */
    char dpath[4096];
    struct stat stbuf;
    snprintf(dpath, sizeof dpath, "%s/iceberg/java/bunnies/data/%s", testdata(), w->file);
    assert_int_equal(stat(dpath, &stbuf), 0);
    assert_int_equal(stbuf.st_size, w->size);
    *out = v;
    ko_avro_reader_close(r);
    free(data);
}

static void test_bunnies_manifests(void **state)
{
    (void)state;
    ko_arena a = {0};
    const ko_avro_value *v;
    const entry_want w0 = {
        "bunnies-initial.parquet", "data", 4951213507629824583LL, 21, 3407, 0, 0};
    check_manifest("583a45a0-7389-4d71-9305-ac3a8725c38b-m0.avro", &w0, &a, &v);
    assert_int_equal(ko_avro_record_path(v, "data_file.column_sizes")->type, KO_AVRO_NULL);

    const entry_want w1 = {
        "bunnies-updated-new-zealand.parquet", "data", 9158179788527662767LL, 1, 2962, 0, 0};
    check_manifest("a01399a1-e864-4562-b921-c8cb56e6e4a9-m0.avro", &w1, &a, &v);

    /* The equality delete: maps of int -> long and int -> bytes. */
    const entry_want w2 = {
        "bunnies-eq-delete-new-zealand.parquet", "deletes", 9158179788527662767LL, 1, 2529, 2, 0};
    check_manifest("a01399a1-e864-4562-b921-c8cb56e6e4a9-m1.avro", &w2, &a, &v);
    const ko_avro_value *cs = ko_avro_record_path(v, "data_file.column_sizes");
    assert_int_equal(cs->type, KO_AVRO_ARRAY);
    assert_int_equal(cs->u.array.n, 9);
    static const int64_t sizes[9] = {62, 49, 49, 49, 49, 49, 49, 49, 49};
    for (size_t i = 0; i < 9; i++) {
        assert_int_equal(ko_avro_record_get(&cs->u.array.items[i], "key")->u.i, (int64_t)i + 1);
        assert_int_equal(ko_avro_record_get(&cs->u.array.items[i], "value")->u.i, sizes[i]);
    }
    const ko_avro_value *nan = ko_avro_record_path(v, "data_file.nan_value_counts");
    assert_int_equal(nan->u.array.n, 2);
    assert_int_equal(ko_avro_record_get(&nan->u.array.items[1], "key")->u.i, 3);
    const ko_avro_value *lb = ko_avro_record_path(v, "data_file.lower_bounds");
    assert_int_equal(lb->u.array.n, 1);
    const ko_avro_value *lbv = ko_avro_record_get(&lb->u.array.items[0], "value");
    assert_int_equal(lbv->type, KO_AVRO_BYTES);
    assert_int_equal(lbv->u.bytes.len, 11);
    assert_memory_equal(lbv->u.bytes.ptr, "New Zealand", 11);
    const ko_avro_value *eq = ko_avro_record_path(v, "data_file.equality_ids");
    assert_int_equal(eq->u.array.n, 1);
    assert_int_equal(eq->u.array.items[0].u.i, 1);
    const ko_avro_value *split = ko_avro_record_path(v, "data_file.split_offsets");
    assert_int_equal(split->u.array.n, 1);
    assert_int_equal(split->u.array.items[0].u.i, 4);

    /* The position delete: column ids near INT32_MAX, a long bound. */
    const entry_want w3 = {
        "bunnies-pos-deletes.parquet", "deletes", 6458828015811002920LL, 6, 1376, 1, -1};
    check_manifest("e1756967-c907-47e2-8b37-82123c5e5908-m0.avro", &w3, &a, &v);
    cs = ko_avro_record_path(v, "data_file.column_sizes");
    assert_int_equal(ko_avro_record_get(&cs->u.array.items[0], "key")->u.i, 2147483546);
    assert_int_equal(ko_avro_record_get(&cs->u.array.items[0], "value")->u.i, 146);
    lb = ko_avro_record_path(v, "data_file.lower_bounds");
    lbv = ko_avro_record_get(&lb->u.array.items[1], "value");
    assert_int_equal(ko_avro_record_get(&lb->u.array.items[1], "key")->u.i, 2147483545);
    assert_int_equal(lbv->u.bytes.len, 8);
    assert_memory_equal(lbv->u.bytes.ptr, "\x02\0\0\0\0\0\0\0", 8);
    ko_arena_free(&a);
}

/* Re-writes a real file with our writer (same schema text and metadata) and
 * checks that it reads back to the same values. */
static void rewrite(const uint8_t *data, size_t len, ko_avro_codec codec, ko_buf *out)
{
    ko_arena a = {0};
    ko_err err = {0};
    ko_avro_reader *r;
    TU_OK(ko_avro_reader_open(data, len, &a, &r, &err), &err);
    size_t nm, jl;
    const ko_avro_meta *m = ko_avro_reader_meta(r, &nm);
    ko_avro_meta *user = ko_arena_calloc(&a, nm, sizeof *user);
    size_t nu = 0;
    for (size_t i = 0; i < nm; i++)
        if (strncmp(m[i].key, "avro.", 5) != 0)
            user[nu++] = m[i];
    const char *json = ko_avro_reader_schema_json(r, &jl);
    ko_avro_writer_opts o = {.codec = codec, .meta = user, .n_meta = nu};
    ko_avro_writer *w;
    TU_OK(ko_avro_writer_open(json, jl, &o, &w, &err), &err);
    ko_avro_value vals[8];
    size_t n = 0;
    for (;;) {
        bool has;
        assert_true(n < KO_ARRAY_LEN(vals));
        TU_OK(ko_avro_reader_next(r, &vals[n], &has, &err), &err);
        if (!has)
            break;
        TU_OK(ko_avro_writer_append(w, &vals[n], &err), &err);
        n++;
    }
    ko_buf_reset(out);
    TU_OK(ko_avro_writer_finish(w, out, &err), &err);
    ko_avro_writer_free(w);

    ko_avro_reader *r2;
    TU_OK(ko_avro_reader_open(out->data, out->len, &a, &r2, &err), &err);
    size_t jl2, nm2;
    const char *json2 = ko_avro_reader_schema_json(r2, &jl2);
    assert_int_equal(jl2, jl);
    assert_memory_equal(json2, json, jl);
    ko_avro_reader_meta(r2, &nm2);
    assert_int_equal(nm2, nm);
    for (size_t i = 0; i <= n; i++) {
        ko_avro_value v;
        bool has;
        TU_OK(ko_avro_reader_next(r2, &v, &has, &err), &err);
        assert_int_equal(has, i < n);
        if (has)
            assert_true(values_equal(&v, &vals[i]));
    }
    ko_avro_reader_close(r2);
    ko_avro_reader_close(r);
    ko_arena_free(&a);
}

static void test_bunnies_rewrite(void **state)
{
    (void)state;
    for (size_t f = 0; f < KO_ARRAY_LEN(k_bunny_files); f++) {
        size_t len;
        uint8_t *data = read_bunny(k_bunny_files[f], &len);
        ko_buf out = {0};
        rewrite(data, len, KO_AVRO_CODEC_NULL, &out);
        rewrite(data, len, KO_AVRO_CODEC_DEFLATE, &out);
        ko_buf_free(&out);
        free(data);
    }
}

static uint64_t read_varint(const uint8_t *p, size_t len, size_t *pos)
{
    uint64_t u = 0;
    for (unsigned shift = 0; *pos < len && shift < 64; shift += 7) {
        uint8_t b = p[(*pos)++];
        u |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return u >> 1;
    }
    fail_msg("bad varint");
    return 0;
}

/* The data of the only block of a container (its sync marker ends the file
 * and first appears at the end of the header). */
static void only_block(const uint8_t *f, size_t len, const uint8_t **data, size_t *n)
{
    const uint8_t *end = memmem(f, len, f + len - 16, 16);
    assert_non_null(end);
    size_t pos = (size_t)(end - f) + 16;
    read_varint(f, len, &pos);
    *n = read_varint(f, len, &pos);
    *data = f + pos;
    assert_int_equal(pos + *n + 16, len);
}

/* Our encoding of the records Iceberg Java wrote is byte for byte Java's. */
static void test_bunnies_same_bytes(void **state)
{
    (void)state;
    for (size_t f = 0; f < KO_ARRAY_LEN(k_bunny_files); f++) {
        size_t len, zn, on;
        const uint8_t *z, *ours;
        uint8_t *data = read_bunny(k_bunny_files[f], &len);
        only_block(data, len, &z, &zn);
        uint8_t plain[4096];
        z_stream zs = {0};
        assert_int_equal(inflateInit2(&zs, -15), Z_OK);
        zs.next_in = (Bytef *)z;
        zs.avail_in = (uInt)zn;
        zs.next_out = plain;
        zs.avail_out = sizeof plain;
        assert_int_equal(inflate(&zs, Z_FINISH), Z_STREAM_END);
        size_t pn = sizeof plain - zs.avail_out;
        inflateEnd(&zs);
        ko_buf nul = {0};
        rewrite(data, len, KO_AVRO_CODEC_NULL, &nul);
        only_block(nul.data, nul.len, &ours, &on);
        assert_int_equal(on, pn);
        assert_memory_equal(ours, plain, pn);
        ko_buf_free(&nul);
        free(data);
    }
}

/* ================================================================ hostile */

static void test_truncations(void **state)
{
    (void)state;
    for (size_t f = 0; f < KO_ARRAY_LEN(k_bunny_files); f++) {
        size_t len;
        uint8_t *data = read_bunny(k_bunny_files[f], &len);
        ko_err err = {0};
        uint64_t full;
        TU_OK(read_all(data, len, &full, &err), &err);
        ko_buf nul = {0};
        rewrite(data, len, KO_AVRO_CODEC_NULL, &nul);
        const uint8_t *imgs[2] = {data, nul.data};
        size_t lens[2] = {len, nul.len};
        for (int k = 0; k < 2; k++) {
            int ok = 0;
            for (size_t cut = 0; cut < lens[k]; cut++) {
                /* An exact-size heap copy, so ASan sees any overread. */
                uint8_t *p = malloc(cut ? cut : 1);
                memcpy(p, imgs[k], cut);
                uint64_t n;
                ko_status st = read_all(p, cut, &n, &err);
                assert_clean_failure(st, &err);
                if (st == KO_OK) {
                    ok++;
                    assert_true(n < full);
                }
                free(p);
            }
            /* Only the header alone (a valid empty file) may read. */
            assert_true(ok <= 1);
        }
        ko_buf_free(&nul);
        free(data);
    }
}

static void test_mutations(void **state)
{
    (void)state;
    static const uint8_t flips[] = {0x01, 0x80, 0xff, 0x7f};
    for (size_t f = 0; f < KO_ARRAY_LEN(k_bunny_files); f += 2) {
        size_t len;
        uint8_t *data = read_bunny(k_bunny_files[f], &len);
        ko_buf nul = {0};
        rewrite(data, len, KO_AVRO_CODEC_NULL, &nul);
        const uint8_t *imgs[2] = {data, nul.data};
        size_t lens[2] = {len, nul.len};
        for (int k = 0; k < 2; k++) {
            uint8_t *p = malloc(lens[k]);
            for (size_t i = 0; i < lens[k]; i++) {
                ko_err err = {0};
                uint64_t n;
                memcpy(p, imgs[k], lens[k]);
                p[i] ^= flips[(i + f) % KO_ARRAY_LEN(flips)];
                assert_clean_failure(read_all(p, lens[k], &n, &err), &err);
            }
            free(p);
        }
        ko_buf_free(&nul);
        free(data);
    }
}

/* A container of schema `json` (null codec) with one raw block appended. */
static void container(const char *json, ko_avro_codec codec, int64_t count, const void *block,
                      size_t n, ko_buf *out)
{
    static const uint8_t sync[16] = "SYNCSYNCSYNCSYNC";
    ko_err err = {0};
    ko_avro_writer_opts o = {.codec = codec, .sync = sync};
    ko_avro_writer *w;
    ko_buf_reset(out);
    TU_OK(ko_avro_writer_open(json, strlen(json), &o, &w, &err), &err);
    TU_OK(ko_avro_writer_finish(w, out, &err), &err);
    ko_avro_writer_free(w);
    uint8_t v[10];
    uint64_t u = ((uint64_t)count << 1) ^ (uint64_t)(count >> 63);
    size_t k = 0;
    while (u >= 0x80) {
        v[k++] = (uint8_t)(u | 0x80);
        u >>= 7;
    }
    v[k++] = (uint8_t)u;
    assert_int_equal(ko_buf_append(out, v, k), KO_OK);
    assert_true(n < 64);
    uint8_t size = (uint8_t)(n << 1);
    assert_int_equal(ko_buf_append(out, &size, 1), KO_OK);
    assert_int_equal(ko_buf_append(out, block, n), KO_OK);
    assert_int_equal(ko_buf_append(out, sync, 16), KO_OK);
}

static ko_status read_container(const ko_buf *b, uint64_t *n, ko_err *err)
{
    ko_status st = read_all(b->data, b->len, n, err);
    assert_clean_failure(st, err);
    return st;
}

static void test_hostile_containers(void **state)
{
    (void)state;
    ko_buf b = {0};
    ko_err err = {0};
    uint64_t n;
    /* Many records of a type that takes no bytes: bounded by the budget. */
    container("\"null\"", KO_AVRO_CODEC_NULL, 1LL << 50, "", 0, &b);
    assert_int_equal(read_container(&b, &n, &err), KO_ERR_CORRUPT);
    assert_contains(err.msg, "avro block 0");
    container("\"null\"", KO_AVRO_CODEC_NULL, 1000, "", 0, &b);
    TU_OK(read_container(&b, &n, &err), &err);
    assert_int_equal(n, 1000);
    container("\"null\"", KO_AVRO_CODEC_NULL, -1, "", 0, &b);
    assert_int_equal(read_container(&b, &n, &err), KO_ERR_CORRUPT);

    /* Exponential: 8^6 empty records from no bytes at all. */
    ko_buf s = {0};
    assert_int_equal(ko_buf_append_str(&s, "{\"type\":\"record\",\"name\":\"L0\",\"fields\":[]}"),
                     KO_OK);
    for (int lvl = 1; lvl <= 6; lvl++) {
        ko_buf t = {0};
        assert_int_equal(ko_buf_appendf(&t,
                                        "{\"type\":\"record\",\"name\":\"L%d\",\"fields\":["
                                        "{\"name\":\"f0\",\"type\":%s}",
                                        lvl, (const char *)s.data),
                         KO_OK);
        for (int k = 1; k < 8; k++)
            assert_int_equal(ko_buf_appendf(&t, ",{\"name\":\"f%d\",\"type\":\"L%d\"}", k, lvl - 1),
                             KO_OK);
        assert_int_equal(ko_buf_append_str(&t, "]}"), KO_OK);
        ko_buf_free(&s);
        s = t;
    }
    container((const char *)s.data, KO_AVRO_CODEC_NULL, 1, "", 0, &b);
    assert_int_equal(read_container(&b, &n, &err), KO_ERR_CORRUPT);
    assert_contains(err.msg, "exceed");
    ko_buf_free(&s);

    /* Recursion through a named type: depth-limited. */
    const char *list = "{\"type\":\"record\",\"name\":\"node\",\"fields\":[{\"name\":\"next\","
                       "\"type\":[\"null\",\"node\"]}]}";
    uint8_t deep[60];
    memset(deep, 0x02, sizeof deep);
    deep[59] = 0;
    container(list, KO_AVRO_CODEC_NULL, 1, deep, 60, &b);
    assert_int_equal(read_container(&b, &n, &err), KO_ERR_CORRUPT);
    assert_contains(err.msg, "nested deeper");
    container(list, KO_AVRO_CODEC_NULL, 1, deep + 50, 10, &b);
    TU_OK(read_container(&b, &n, &err), &err);

    /* Leftover bytes, wrong sync, short block. */
    container("\"long\"", KO_AVRO_CODEC_NULL, 1, "\x02\x04", 2, &b);
    assert_int_equal(read_container(&b, &n, &err), KO_ERR_CORRUPT);
    assert_contains(err.msg, "left over");
    container("\"long\"", KO_AVRO_CODEC_NULL, 1, "\x02", 1, &b);
    b.data[b.len - 1] ^= 1;
    assert_int_equal(read_container(&b, &n, &err), KO_ERR_CORRUPT);
    assert_contains(err.msg, "sync marker");
    container("\"long\"", KO_AVRO_CODEC_NULL, 2, "\x02", 1, &b);
    assert_int_equal(read_container(&b, &n, &err), KO_ERR_CORRUPT);
    assert_contains(err.msg, "record 1");

    /* Deflate: garbage after the stream is tolerated; a cut stream is not. */
    uint8_t z[64];
    {
        /* raw deflate of "\x02\x04" (longs 1 and 2), stored block */
        const uint8_t stored[] = {0x01, 0x02, 0x00, 0xfd, 0xff, 0x02, 0x04};
        memcpy(z, stored, sizeof stored);
        memcpy(z + sizeof stored, "\xaa\xbb\xcc", 3);
        container("\"long\"", KO_AVRO_CODEC_DEFLATE, 2, z, sizeof stored + 3, &b);
        TU_OK(read_container(&b, &n, &err), &err);
        assert_int_equal(n, 2);
        container("\"long\"", KO_AVRO_CODEC_DEFLATE, 2, z, sizeof stored - 1, &b);
        assert_int_equal(read_container(&b, &n, &err), KO_ERR_CORRUPT);
        assert_contains(err.msg, "deflate data ends early");
        container("\"long\"", KO_AVRO_CODEC_DEFLATE, 2, "\xff\xff\xff", 3, &b);
        assert_int_equal(read_container(&b, &n, &err), KO_ERR_CORRUPT);
        assert_contains(err.msg, "deflate data is invalid");
    }
    ko_buf_free(&b);
}

static void test_bad_headers(void **state)
{
    (void)state;
    ko_arena a = {0};
    ko_err err = {0};
    ko_avro_reader *r;
    assert_int_equal(ko_avro_reader_open(NULL, 0, &a, &r, &err), KO_ERR_CORRUPT);
    assert_contains(err.msg, "magic");
    /* A Parquet header is not an Avro one: the magic check names it. */
    assert_int_equal(ko_avro_reader_open((const uint8_t *)"PAR1xxxx", 8, &a, &r, &err),
                     KO_ERR_CORRUPT);
    /* Metadata map with one entry, "k" -> "v", then no sync marker. */
    const uint8_t nosync[] = {'O', 'b', 'j', 1, 2, 2, 'k', 2, 'v', 0, 1, 2, 3};
    assert_int_equal(ko_avro_reader_open(nosync, sizeof nosync, &a, &r, &err), KO_ERR_CORRUPT);
    assert_contains(err.msg, "sync marker needs 16 bytes");
    uint8_t noschema[10 + 16] = {'O', 'b', 'j', 1, 2, 2, 'k', 2, 'v', 0};
    assert_int_equal(ko_avro_reader_open(noschema, sizeof noschema, &a, &r, &err), KO_ERR_CORRUPT);
    assert_contains(err.msg, "no avro.schema");
    /* A metadata block claiming more entries than bytes. */
    const uint8_t huge[] = {'O', 'b', 'j', 1, 0xfe, 0xff, 0xff, 0xff, 0x0f, 0};
    assert_int_equal(ko_avro_reader_open(huge, sizeof huge, &a, &r, &err), KO_ERR_CORRUPT);
    assert_contains(err.msg, "avro header: metadata");

    /* Codecs we do not implement, and a schema that does not parse. */
    static const char *const codecs[] = {"snappy", "zstandard", "bzip2", "lzma"};
    for (size_t i = 0; i < KO_ARRAY_LEN(codecs); i++) {
        ko_buf b = {0};
        assert_int_equal(ko_buf_appendf(&b,
                                        "Obj\x01\x04\x16"
                                        "avro.schema\x0c\"long\"\x14"
                                        "avro.codec%c%s",
                                        (char)(strlen(codecs[i]) * 2), codecs[i]),
                         KO_OK);
        assert_int_equal(ko_buf_append(&b, "\0SYNCSYNCSYNCSYNC", 17), KO_OK);
        assert_int_equal(ko_avro_reader_open(b.data, b.len, &a, &r, &err), KO_ERR_UNSUPPORTED);
        assert_contains(err.msg, codecs[i]);
        ko_buf_free(&b);
    }
    ko_buf b = {0};
    assert_int_equal(ko_buf_append(&b,
                                   "Obj\x01\x02\x16"
                                   "avro.schema\x0c\"lnog\"\x00SYNCSYNCSYNCSYNC",
                                   4 + 2 + 11 + 1 + 6 + 1 + 16),
                     KO_OK);
    assert_int_equal(ko_avro_reader_open(b.data, b.len, &a, &r, &err), KO_ERR_CORRUPT);
    assert_contains(err.msg, "avro header: avro.schema: avro schema: unknown type \"lnog\"");
    ko_buf_free(&b);
    ko_arena_free(&a);
}

static void test_sticky_errors(void **state)
{
    (void)state;
    ko_buf b = {0};
    ko_arena a = {0};
    ko_err err = {0};
    container("\"long\"", KO_AVRO_CODEC_NULL, 2, "\x02", 1, &b);
    ko_avro_reader *r;
    TU_OK(ko_avro_reader_open(b.data, b.len, &a, &r, &err), &err);
    ko_avro_value v;
    bool has;
    TU_OK(ko_avro_reader_next(r, &v, &has, &err), &err);
    assert_true(has);
    assert_int_equal(v.u.i, 1);
    assert_int_equal(ko_avro_reader_next(r, &v, &has, &err), KO_ERR_CORRUPT);
    assert_false(has);
    char first[KO_ERR_MSG_MAX];
    memcpy(first, err.msg, sizeof first);
    ko_err_clear(&err);
    assert_int_equal(ko_avro_reader_next(r, &v, &has, NULL), KO_ERR_CORRUPT);
    assert_int_equal(ko_avro_reader_next(r, &v, &has, &err), KO_ERR_CORRUPT);
    assert_string_equal(err.msg, first);
    assert_int_equal(ko_avro_reader_count(r), 1);
    ko_avro_reader_close(r);
    ko_buf_free(&b);
    ko_arena_free(&a);
}

int main(void)
{
    /* clang-format off */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_encodings),
        cmocka_unit_test(test_bad_primitives),
        cmocka_unit_test(test_negative_block_counts),
        cmocka_unit_test(test_schema_parse),
        cmocka_unit_test(test_schema_errors),
        cmocka_unit_test(test_roundtrip_null),
        cmocka_unit_test(test_roundtrip_deflate),
        cmocka_unit_test(test_empty_file),
        cmocka_unit_test(test_writer_errors),
        cmocka_unit_test(test_bunnies_manifest_lists),
        cmocka_unit_test(test_bunnies_manifests),
        cmocka_unit_test(test_bunnies_rewrite),
        cmocka_unit_test(test_bunnies_same_bytes),
        cmocka_unit_test(test_truncations),
        cmocka_unit_test(test_mutations),
        cmocka_unit_test(test_hostile_containers),
        cmocka_unit_test(test_bad_headers),
        cmocka_unit_test(test_sticky_errors),
    };
    /* clang-format on */
    return cmocka_run_group_tests(tests, NULL, NULL);
}
