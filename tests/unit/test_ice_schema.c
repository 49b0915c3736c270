/*
 * test_ice_schema.c - Iceberg schemas in src/iceberg: Appendix C JSON both
 * ways, validation errors, lookups, conversion to and from Parquet schema
 * elements (including a Parquet file written by the Java implementation)
 * and schema evolution with its refusals.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iceberg/iceberg.h"
#include "store/store.h"

static const char *const FULL_SCHEMA =
    "{\"type\":\"struct\",\"schema-id\":3,\"identifier-field-ids\":[1,17],\"fields\":["
    "{\"id\":1,\"name\":\"id\",\"required\":true,\"type\":\"long\",\"doc\":\"row id\"},"
    "{\"id\":2,\"name\":\"flag\",\"required\":false,\"type\":\"boolean\","
    "\"initial-default\":true,\"write-default\":false},"
    "{\"id\":3,\"name\":\"i\",\"required\":false,\"type\":\"int\",\"write-default\":34},"
    "{\"id\":4,\"name\":\"f\",\"required\":false,\"type\":\"float\"},"
    "{\"id\":5,\"name\":\"d\",\"required\":false,\"type\":\"double\"},"
    "{\"id\":6,\"name\":\"price\",\"required\":false,\"type\":\"decimal(9,2)\","
    "\"initial-default\":\"14.20\"},"
    "{\"id\":7,\"name\":\"day\",\"required\":false,\"type\":\"date\","
    "\"initial-default\":\"2017-11-16\"},"
    "{\"id\":8,\"name\":\"t\",\"required\":false,\"type\":\"time\"},"
    "{\"id\":9,\"name\":\"ts\",\"required\":false,\"type\":\"timestamp\"},"
    "{\"id\":10,\"name\":\"tstz\",\"required\":false,\"type\":\"timestamptz\"},"
    "{\"id\":11,\"name\":\"tsn\",\"required\":false,\"type\":\"timestamp_ns\"},"
    "{\"id\":12,\"name\":\"tsnz\",\"required\":false,\"type\":\"timestamptz_ns\"},"
    "{\"id\":13,\"name\":\"s\",\"required\":false,\"type\":\"string\"},"
    "{\"id\":14,\"name\":\"u\",\"required\":false,\"type\":\"uuid\"},"
    "{\"id\":15,\"name\":\"fx\",\"required\":false,\"type\":\"fixed[16]\"},"
    "{\"id\":16,\"name\":\"b\",\"required\":false,\"type\":\"binary\"},"
    "{\"id\":18,\"name\":\"loc\",\"required\":true,\"type\":{\"type\":\"struct\",\"fields\":["
    "{\"id\":17,\"name\":\"lat\",\"required\":true,\"type\":\"int\"},"
    "{\"id\":19,\"name\":\"Long\",\"required\":false,\"type\":\"decimal(38,10)\"}]}},"
    "{\"id\":20,\"name\":\"tags\",\"required\":false,\"type\":{\"type\":\"list\","
    "\"element-id\":21,\"element\":\"string\",\"element-required\":true}},"
    "{\"id\":22,\"name\":\"props\",\"required\":false,\"type\":{\"type\":\"map\","
    "\"key-id\":23,\"key\":\"string\",\"value-id\":24,\"value\":{\"type\":\"struct\","
    "\"fields\":[{\"id\":25,\"name\":\"v\",\"required\":false,\"type\":\"decimal(20,0)\"}]},"
    "\"value-required\":false}},"
    "{\"id\":26,\"name\":\"nested\",\"required\":false,\"type\":{\"type\":\"list\","
    "\"element-id\":27,\"element\":{\"type\":\"list\",\"element-id\":28,\"element\":\"int\","
    "\"element-required\":false},\"element-required\":false}}]}";

static ko_status parse(const char *text, ko_arena *arena, ko_ice_schema *out, ko_err *err)
{
    return ko_ice_schema_parse(text, strlen(text), arena, out, err);
}

static ko_ice_schema must_parse(const char *text, ko_arena *arena)
{
    ko_err err = {0};
    ko_ice_schema s;
    TU_OK(parse(text, arena, &s, &err), &err);
    return s;
}

/* ---------------------------------------------------------------- JSON */

static void test_json_round_trip(void **state)
{
    (void)state;
    ko_arena arena = {0};
    ko_err err = {0};
    ko_ice_schema s = must_parse(FULL_SCHEMA, &arena);
    assert_int_equal(s.schema_id, 3);
    assert_int_equal(s.root.n_fields, 20);
    assert_int_equal(s.highest_id, 28);
    assert_int_equal(s.n_by_id, 28);
    assert_int_equal(s.n_identifier_ids, 2);
    const ko_ice_field *f = ko_ice_schema_find_id(&s, 6);
    assert_int_equal(f->type.id, KO_ICE_DECIMAL);
    assert_int_equal(f->type.precision, 9);
    assert_string_equal(f->initial_default, "\"14.20\"");
    assert_string_equal(ko_ice_schema_find_id(&s, 1)->doc, "row id");

    json_t *orig = NULL, *back = NULL;
    TU_OK(ko_ice_json_load(FULL_SCHEMA, strlen(FULL_SCHEMA), "t", &orig, &err), &err);
    TU_OK(ko_ice_schema_to_json(&s, &back, &err), &err);
    if (!json_equal(orig, back)) {
        char *a = json_dumps(back, JSON_COMPACT);
        fail_msg("re-serialized schema differs: %s", a);
    }
    /* Text, parsed again, gives an equal model. */
    ko_buf b = {0};
    TU_OK(ko_ice_schema_write_json(&s, &b, &err), &err);
    ko_ice_schema again = must_parse((const char *)b.data, &arena);
    assert_true(ko_ice_schema_equal(&s, &again));
    assert_int_equal(again.schema_id, 3);
    ko_buf_free(&b);
    json_decref(orig);
    json_decref(back);

    /* Blanks in parameterized types are accepted, the canonical form written. */
    ko_ice_schema sp = must_parse("{\"type\":\"struct\",\"schema-id\":0,\"fields\":[{\"id\":1,"
                                  "\"name\":\"x\",\"required\":true,\"type\":\"decimal( 9 , 2 )\"},"
                                  "{\"id\":2,\"name\":\"y\",\"required\":true,"
                                  "\"type\":\"fixed[ 3 ]\"}]}",
                                  &arena);
    TU_OK(ko_ice_schema_write_json(&sp, &b, &err), &err);
    assert_non_null(strstr((const char *)b.data, "\"decimal(9,2)\""));
    assert_non_null(strstr((const char *)b.data, "\"fixed[3]\""));
    ko_buf_free(&b);
    ko_arena_free(&arena);
}

static void expect_error(const char *fields, ko_status want, const char *msg)
{
    char text[2048];
    snprintf(text, sizeof text, "{\"type\":\"struct\",\"schema-id\":7,\"fields\":[%s]}", fields);
    ko_arena arena = {0};
    ko_err err = {0};
    ko_ice_schema s;
    ko_status st = parse(text, &arena, &s, &err);
    if (st != want || !strstr(err.msg, msg))
        fail_msg("%s\n  got %s '%s'\n  want %s '%s'", fields, ko_status_name(st), err.msg,
                 ko_status_name(want), msg);
    ko_arena_free(&arena);
}

#define F(id, name, type) \
    "{\"id\":" #id ",\"name\":\"" name "\",\"required\":false,\"type\":" type "}"

static void test_validation_errors(void **state)
{
    (void)state;
    expect_error(F(1, "a", "\"int\"") "," F(1, "b", "\"long\""), KO_ERR_INVALID,
                 "schema 7: duplicate field id 1 ('a' and 'b')");
    expect_error(F(1, "a", "\"int\"") "," F(2, "a", "\"long\""), KO_ERR_INVALID,
                 "duplicate field name 'a' (ids 1 and 2)");
    expect_error(
        F(1, "s",
          "{\"type\":\"struct\",\"fields\":[" F(2, "x", "\"int\"") "," F(3, "x", "\"int\"") "]}"),
        KO_ERR_INVALID, "field 's': duplicate field name 'x'");
    expect_error(F(1, "a", "\"varchar\""), KO_ERR_INVALID, "field 'a': unknown type 'varchar'");
    expect_error(F(1, "a", "\"variant\""), KO_ERR_UNSUPPORTED, "(Iceberg v3) is not supported");
    expect_error(F(1, "a", "\"decimal(39,2)\""), KO_ERR_INVALID,
                 "decimal precision 39 is not in 1..38");
    expect_error(F(1, "a", "\"decimal(0,0)\""), KO_ERR_INVALID, "precision 0 is not in 1..38");
    expect_error(F(1, "a", "\"decimal(5,6)\""), KO_ERR_INVALID, "scale 6 is larger");
    expect_error(F(1, "a", "\"decimal(5)\""), KO_ERR_INVALID, "malformed decimal type");
    expect_error(F(1, "a", "\"fixed[0]\""), KO_ERR_INVALID, "fixed length must be positive");
    expect_error(F(1, "a", "{\"type\":\"set\"}"), KO_ERR_INVALID, "unknown nested type 'set'");
    expect_error(F(1, "a", "{\"type\":\"list\",\"element-id\":2,\"element\":\"int\"}"),
                 KO_ERR_CORRUPT, "list: missing required field 'element-required'");
    expect_error(F(1, "a",
                   "{\"type\":\"map\",\"key-id\":2,\"key\":\"int\",\"value-id\":2,"
                   "\"value\":\"int\",\"value-required\":true}"),
                 KO_ERR_INVALID, "duplicate field id 2");
    expect_error("{\"id\":1,\"name\":\"a\",\"type\":\"int\"}", KO_ERR_CORRUPT,
                 "field 'a': missing required field 'required'");
    expect_error("{\"id\":\"1\",\"name\":\"a\",\"required\":true,\"type\":\"int\"}", KO_ERR_CORRUPT,
                 "field 'a': field 'id' must be an integer");
    expect_error("{\"id\":1,\"required\":true,\"type\":\"int\"}", KO_ERR_CORRUPT,
                 "field 0: missing required field 'name'");
    expect_error(F(-4, "a", "\"int\""), KO_ERR_INVALID, "has id -4");
    expect_error("{\"id\":1,\"name\":\"a\",\"required\":false,\"type\":\"int\","
                 "\"initial-default\":\"x\"}",
                 KO_ERR_INVALID, "initial-default: cannot read \"x\" as a int value");
    expect_error("{\"id\":1,\"name\":\"a\",\"required\":false,\"type\":\"date\","
                 "\"write-default\":\"2017-13-01\"}",
                 KO_ERR_INVALID, "write-default");

    ko_arena arena = {0};
    ko_err err = {0};
    ko_ice_schema s;
#define IDENT(ID)                                                                                  \
    "{\"type\":\"struct\",\"schema-id\":1,\"identifier-field-ids\":[" #ID "],"                     \
    "\"fields\":[" F(                                                                              \
        1, "opt", "\"int\"") ","                                                                   \
                             "{\"id\":2,\"name\":\"fl\",\"required\":true,\"type\":\"float\"},"    \
                             "{\"id\":3,\"name\":\"ok\",\"required\":true,\"type\":\"int\"},"      \
                             "{\"id\":4,\"name\":\"st\",\"required\":false,\"type\":{\"type\":"    \
                             "\"struct\",\"fields\":[{\"id\":5,\"name\":\"in\",\"required\":true," \
                             "\"type\":\"int\"}]}}]}"
    static const struct {
        const char *text, *msg;
    } bad[] = {{IDENT(1), "identifier field 'opt' (id 1) is optional"},
               {IDENT(2), "is a float or double"},
               {IDENT(5), "'st.in' (id 5) is inside an optional struct"},
               {IDENT(4), "is not a primitive type"},
               {IDENT(9), "identifier field id 9 does not exist"}};
    for (size_t i = 0; i < KO_ARRAY_LEN(bad); i++) {
        assert_int_equal(parse(bad[i].text, &arena, &s, &err), KO_ERR_INVALID);
        if (!strstr(err.msg, bad[i].msg))
            fail_msg("got '%s', want '%s'", err.msg, bad[i].msg);
    }
    TU_OK(parse(IDENT(3), &arena, &s, &err), &err);
    assert_int_equal(parse("{\"type\":\"struct\",\"fields\":[", &arena, &s, &err), KO_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "invalid JSON"));
    ko_arena_free(&arena);
}

static void test_lookups(void **state)
{
    (void)state;
    ko_arena arena = {0};
    ko_ice_schema s = must_parse(FULL_SCHEMA, &arena);
    const ko_ice_schema_entry *e = ko_ice_schema_entry_by_name(&s, "loc.lat", false);
    assert_non_null(e);
    assert_int_equal(e->field->id, 17);
    assert_int_equal(s.by_id[e->parent].field->id, 18);
    assert_false(e->nullable);
    assert_null(ko_ice_schema_find_name(&s, "LOC.LAT", false));
    assert_int_equal(ko_ice_schema_find_name(&s, "LOC.LAT", true)->id, 17);
    assert_int_equal(ko_ice_schema_find_name(&s, "loc.long", true)->id, 19);
    e = ko_ice_schema_entry_by_name(&s, "props.value.v", false);
    assert_non_null(e);
    assert_true(e->in_collection);
    assert_true(e->nullable);
    assert_int_equal(ko_ice_schema_find_name(&s, "tags.element", false)->id, 21);
    assert_int_equal(ko_ice_schema_find_name(&s, "nested.element.element", false)->id, 28);
    assert_int_equal(ko_ice_schema_find_name(&s, "props.key", false)->id, 23);
    assert_string_equal(ko_ice_schema_entry_by_id(&s, 25)->name, "props.value.v");
    assert_null(ko_ice_schema_find_id(&s, 29));
    assert_null(ko_ice_schema_find_id(&s, 0));
    assert_false(ko_ice_schema_entry_by_id(&s, 13)->in_collection);
    /* An exact match wins over a case-insensitive one. */
    ko_ice_schema c = must_parse("{\"type\":\"struct\",\"schema-id\":0,\"fields\":[" F(
                                     1, "a", "\"int\"") "," F(2, "A", "\"int\"") "]}",
                                 &arena);
    assert_int_equal(ko_ice_schema_find_name(&c, "A", true)->id, 2);
    assert_int_equal(c.highest_id, 2);
    ko_arena_free(&arena);
}

/* -------------------------------------------------------------- Parquet */

static const ko_pq_schema_element *find_el(const ko_pq_schema_element *els, uint32_t n,
                                           const char *name)
{
    for (uint32_t i = 0; i < n; i++)
        if (strcmp(els[i].name, name) == 0)
            return &els[i];
    fail_msg("no element '%s'", name);
    return NULL;
}

static void test_to_parquet(void **state)
{
    (void)state;
    ko_arena arena = {0};
    ko_err err = {0};
    ko_ice_schema s = must_parse(FULL_SCHEMA, &arena);
    ko_pq_schema_element *els = NULL;
    uint32_t n = 0;
    TU_OK(ko_ice_schema_to_parquet(&s, &arena, &els, &n, &err), &err);
    assert_int_equal(n, 1 + 28 + 4); /* root, fields, list/key_value groups */
    assert_string_equal(els[0].name, "table");
    assert_int_equal(els[0].num_children, 20);
    ko_pq_schema tree;
    TU_OK(ko_pq_schema_build(els, n, &arena, &tree, &err), &err);

    const ko_pq_schema_element *e = find_el(els, n, "id");
    assert_int_equal(e->type, KO_PQ_INT64);
    assert_int_equal(e->repetition, KO_PQ_REQUIRED);
    assert_true(e->has_field_id);
    assert_int_equal(e->field_id, 1);
    e = find_el(els, n, "price");
    assert_int_equal(e->type, KO_PQ_INT32);
    assert_int_equal(e->logical.kind, KO_PQ_LT_DECIMAL);
    assert_int_equal(e->logical.precision, 9);
    assert_int_equal(e->converted, KO_PQ_CT_DECIMAL);
    e = find_el(els, n, "Long");
    assert_int_equal(e->type, KO_PQ_FIXED_LEN_BYTE_ARRAY);
    assert_int_equal(e->type_length, 16);
    e = find_el(els, n, "v");
    assert_int_equal(e->type_length, 9); /* decimal(20,0) */
    e = find_el(els, n, "t");
    assert_int_equal(e->logical.kind, KO_PQ_LT_TIME);
    assert_int_equal(e->logical.unit, KO_PQ_MICROS);
    assert_false(e->logical.utc);
    e = find_el(els, n, "ts");
    assert_int_equal(e->logical.kind, KO_PQ_LT_TIMESTAMP);
    assert_false(e->logical.utc);
    e = find_el(els, n, "tstz");
    assert_true(e->logical.utc);
    assert_int_equal(e->converted, KO_PQ_CT_TIMESTAMP_MICROS);
    e = find_el(els, n, "tsnz");
    assert_int_equal(e->logical.unit, KO_PQ_NANOS);
    assert_true(e->logical.utc);
    e = find_el(els, n, "s");
    assert_int_equal(e->type, KO_PQ_BYTE_ARRAY);
    assert_int_equal(e->logical.kind, KO_PQ_LT_STRING);
    e = find_el(els, n, "u");
    assert_int_equal(e->type_length, 16);
    assert_int_equal(e->logical.kind, KO_PQ_LT_UUID);
    e = find_el(els, n, "fx");
    assert_int_equal(e->logical.kind, KO_PQ_LT_NONE);
    e = find_el(els, n, "day");
    assert_int_equal(e->logical.kind, KO_PQ_LT_DATE);
    assert_int_equal(e->type, KO_PQ_INT32);

    /* tags: optional group (LIST) id 20 / repeated group list / required element id 21 */
    const ko_pq_schema_element *tags = find_el(els, n, "tags");
    assert_int_equal(tags->logical.kind, KO_PQ_LT_LIST);
    assert_int_equal(tags->field_id, 20);
    assert_string_equal(tags[1].name, "list");
    assert_int_equal(tags[1].repetition, KO_PQ_REPEATED);
    assert_false(tags[1].has_field_id);
    assert_string_equal(tags[2].name, "element");
    assert_int_equal(tags[2].field_id, 21);
    assert_int_equal(tags[2].repetition, KO_PQ_REQUIRED);
    const ko_pq_schema_element *props = find_el(els, n, "props");
    assert_int_equal(props->logical.kind, KO_PQ_LT_MAP);
    assert_string_equal(props[1].name, "key_value");
    assert_string_equal(props[2].name, "key");
    assert_int_equal(props[2].field_id, 23);
    assert_string_equal(props[3].name, "value");
    assert_int_equal(props[3].num_children, 1);
    assert_int_equal(props[3].repetition, KO_PQ_OPTIONAL);

    /* And back, with the file's ids: the same schema. */
    ko_ice_schema back;
    TU_OK(ko_ice_schema_from_parquet(els, n, false, &arena, &back, &err), &err);
    back.schema_id = s.schema_id;
    /* Docs, defaults and identifier ids are not in Parquet. */
    assert_int_equal(back.root.n_fields, s.root.n_fields);
    for (uint32_t i = 0; i < s.root.n_fields; i++) {
        ko_ice_field a = s.root.fields[i], b = back.root.fields[i];
        a.doc = NULL, a.initial_default = a.write_default = NULL;
        if (!ko_ice_type_equal(&a.type, &b.type) || a.id != b.id || a.required != b.required ||
            strcmp(a.name, b.name) != 0)
            fail_msg("field %s differs after the Parquet round trip", a.name);
    }
    ko_arena_free(&arena);
}

/* Our elements go through the project's Parquet writer and reader intact. */
static void test_parquet_file_round_trip(void **state)
{
    (void)state;
    ko_arena arena = {0};
    ko_err err = {0};
    ko_ice_schema s = must_parse(FULL_SCHEMA, &arena);
    ko_pq_schema_element *els = NULL;
    uint32_t n = 0;
    TU_OK(ko_ice_schema_to_parquet(&s, &arena, &els, &n, &err), &err);
    char *dir = tu_mkdtemp();
    ko_store *store = NULL;
    TU_OK(ko_store_open(dir, NULL, &store, &err), &err);
    ko_pq_writer *w = NULL;
    TU_OK(ko_pq_writer_open(store, "empty.parquet", els, n, NULL, &w, &err), &err);
    TU_OK(ko_pq_writer_close(w, &err), &err);
    ko_pq_reader *r = NULL;
    TU_OK(ko_pq_reader_open(store, "empty.parquet", &r, &err), &err);
    const ko_pq_file_meta *m = ko_pq_reader_meta(r);
    ko_ice_schema back;
    TU_OK(ko_ice_schema_from_parquet(m->schema, m->n_schema, false, &arena, &back, &err), &err);
    for (uint32_t i = 0; i < s.n_by_id; i++) {
        const ko_ice_field *a = s.by_id[i].field, *b = ko_ice_schema_find_id(&back, a->id);
        assert_non_null(b);
        assert_string_equal(a->name, b->name);
        assert_int_equal(a->required, b->required);
        if (ko_ice_type_is_primitive(&a->type) && !ko_ice_type_equal(&a->type, &b->type))
            fail_msg("field %s: type differs after writing a file", a->name);
    }
    ko_pq_reader_close(r);
    ko_store_close(store);
    tu_rmtree(dir);
    free(dir);
    ko_arena_free(&arena);
}

static void test_compatible_names(void **state)
{
    (void)state;
    ko_arena arena = {0};
    assert_string_equal(ko_ice_compatible_name("Breed Name", &arena), "Breed_x20Name");
    assert_string_equal(ko_ice_compatible_name("ok_name1", &arena), "ok_name1");
    assert_string_equal(ko_ice_compatible_name("1st", &arena), "_1st");
    assert_string_equal(ko_ice_compatible_name("a.b-c", &arena), "a_x2Eb_x2Dc");
    assert_string_equal(ko_ice_compatible_name("\xc3\xa9t\xc3\xa9", &arena), "\xc3\xa9t\xc3\xa9");
    ko_arena_free(&arena);
}

static ko_pq_schema_element leaf(const char *name, ko_pq_repetition rep, ko_pq_type type)
{
    return (ko_pq_schema_element){.name = name,
                                  .has_type = true,
                                  .type = type,
                                  .has_repetition = true,
                                  .repetition = rep,
                                  .converted = KO_PQ_CT_NONE};
}

static ko_pq_schema_element group(const char *name, ko_pq_repetition rep, int children,
                                  ko_pq_converted ct)
{
    return (ko_pq_schema_element){.name = name,
                                  .has_repetition = true,
                                  .repetition = rep,
                                  .num_children = children,
                                  .converted = ct};
}

static void test_from_parquet_fresh_ids(void **state)
{
    (void)state;
    ko_arena arena = {0};
    ko_err err = {0};
    ko_pq_schema_element els[] = {
        group("schema", KO_PQ_REQUIRED, 7, KO_PQ_CT_NONE),
        leaf("a", KO_PQ_REQUIRED, KO_PQ_INT32),
        group("b", KO_PQ_OPTIONAL, 2, KO_PQ_CT_NONE),
        leaf("c", KO_PQ_OPTIONAL, KO_PQ_BYTE_ARRAY),
        leaf("d", KO_PQ_OPTIONAL, KO_PQ_INT96),
        group("e", KO_PQ_OPTIONAL, 1, KO_PQ_CT_LIST),
        group("list", KO_PQ_REPEATED, 1, KO_PQ_CT_NONE),
        leaf("element", KO_PQ_OPTIONAL, KO_PQ_INT64),
        group("m", KO_PQ_OPTIONAL, 1, KO_PQ_CT_MAP),
        group("key_value", KO_PQ_REPEATED, 2, KO_PQ_CT_NONE),
        leaf("key", KO_PQ_REQUIRED, KO_PQ_BYTE_ARRAY),
        leaf("value", KO_PQ_OPTIONAL, KO_PQ_DOUBLE),
        group("legacy", KO_PQ_OPTIONAL, 1, KO_PQ_CT_LIST), /* 2-level */
        leaf("array", KO_PQ_REPEATED, KO_PQ_INT32),
        leaf("rep", KO_PQ_REPEATED, KO_PQ_FLOAT), /* bare repeated */
        leaf("u", KO_PQ_OPTIONAL, KO_PQ_INT64),
    };
    els[3].converted = KO_PQ_CT_UTF8;
    els[10].logical.kind = KO_PQ_LT_STRING;
    els[15].logical =
        (ko_pq_logical){.kind = KO_PQ_LT_INTEGER, .bit_width = 32, .is_signed = false};
    uint32_t n = KO_ARRAY_LEN(els);
    ko_ice_schema s;
    TU_OK(ko_ice_schema_from_parquet(els, n, true, &arena, &s, &err), &err);
    ko_buf b = {0};
    TU_OK(ko_ice_schema_write_json(&s, &b, &err), &err);
    const char *want =
        "{\"type\":\"struct\",\"schema-id\":0,\"fields\":["
        "{\"id\":1,\"name\":\"a\",\"required\":true,\"type\":\"int\"},"
        "{\"id\":2,\"name\":\"b\",\"required\":false,\"type\":{\"type\":\"struct\",\"fields\":["
        "{\"id\":8,\"name\":\"c\",\"required\":false,\"type\":\"string\"},"
        "{\"id\":9,\"name\":\"d\",\"required\":false,\"type\":\"timestamptz\"}]}},"
        "{\"id\":3,\"name\":\"e\",\"required\":false,\"type\":{\"type\":\"list\","
        "\"element-id\":10,\"element\":\"long\",\"element-required\":false}},"
        "{\"id\":4,\"name\":\"m\",\"required\":false,\"type\":{\"type\":\"map\","
        "\"key-id\":11,\"key\":\"string\",\"value-id\":12,\"value\":\"double\","
        "\"value-required\":false}},"
        "{\"id\":5,\"name\":\"legacy\",\"required\":false,\"type\":{\"type\":\"list\","
        "\"element-id\":13,\"element\":\"int\",\"element-required\":true}},"
        "{\"id\":6,\"name\":\"rep\",\"required\":true,\"type\":{\"type\":\"list\","
        "\"element-id\":14,\"element\":\"float\",\"element-required\":true}},"
        "{\"id\":7,\"name\":\"u\",\"required\":false,\"type\":\"long\"}]}";
    assert_string_equal((const char *)b.data, want);
    ko_buf_free(&b);

    /* Without fresh ids every element needs one. */
    assert_int_equal(ko_ice_schema_from_parquet(els, n, false, &arena, &s, &err), KO_ERR_INVALID);
    assert_non_null(strstr(err.msg, "Parquet column 'a' has no field_id"));
    els[15].logical.bit_width = 64;
    assert_int_equal(ko_ice_schema_from_parquet(els, n, true, &arena, &s, &err),
                     KO_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.msg, "'u': unsigned 64-bit INTEGER has no Iceberg type"));
    ko_arena_free(&arena);
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s (set KO_TESTDATA)", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc((size_t)n);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static void test_from_java_parquet_file(void **state)
{
    (void)state;
    const char *td = getenv("KO_TESTDATA");
    char path[1024];
    snprintf(path, sizeof path, "%s/iceberg/java/bunnies/data/bunnies-initial.parquet",
             td ? td : "../shared/testdata");
    size_t len;
    uint8_t *data = read_file(path, &len);
    ko_err err = {0};
    ko_pq_reader *r = NULL;
    TU_OK(ko_pq_reader_open_memory(data, len, path, &r, &err), &err);
    const ko_pq_file_meta *m = ko_pq_reader_meta(r);
    ko_arena arena = {0};
    ko_ice_schema s;
    TU_OK(ko_ice_schema_from_parquet(m->schema, m->n_schema, false, &arena, &s, &err), &err);
    assert_int_equal(s.root.n_fields, 8);
    assert_string_equal(s.root.fields[0].name, "Breed_x20Name");
    assert_int_equal(s.root.fields[0].type.id, KO_ICE_STRING);
    assert_int_equal(s.root.fields[1].type.id, KO_ICE_DOUBLE);
    assert_int_equal(s.root.fields[3].type.id, KO_ICE_LONG);
    assert_int_equal(s.root.fields[7].id, 8);
    assert_false(s.root.fields[7].required);
    /* Our writer's elements for this schema are the file's, field for field. */
    ko_ice_schema fresh;
    TU_OK(ko_ice_schema_from_parquet(m->schema, m->n_schema, true, &arena, &fresh, &err), &err);
    assert_true(ko_ice_schema_equal(&s, &fresh));
    ko_pq_schema_element *els;
    uint32_t n;
    TU_OK(ko_ice_schema_to_parquet(&s, &arena, &els, &n, &err), &err);
    assert_int_equal(n, m->n_schema);
    for (uint32_t i = 1; i < n; i++) {
        assert_string_equal(els[i].name, m->schema[i].name);
        assert_int_equal(els[i].type, m->schema[i].type);
        assert_int_equal(els[i].field_id, m->schema[i].field_id);
        assert_int_equal(els[i].logical.kind, m->schema[i].logical.kind);
        assert_int_equal(els[i].converted, m->schema[i].converted);
    }
    ko_pq_reader_close(r);
    free(data);
    ko_arena_free(&arena);
}

/* ------------------------------------------------------------- evolution */

static const char *const BASE =
    "{\"type\":\"struct\",\"schema-id\":4,\"identifier-field-ids\":[1],\"fields\":["
    "{\"id\":1,\"name\":\"id\",\"required\":true,\"type\":\"int\"},"
    "{\"id\":2,\"name\":\"f\",\"required\":false,\"type\":\"float\"},"
    "{\"id\":3,\"name\":\"price\",\"required\":true,\"type\":\"decimal(9,2)\"},"
    "{\"id\":4,\"name\":\"loc\",\"required\":false,\"type\":{\"type\":\"struct\",\"fields\":["
    "{\"id\":5,\"name\":\"lat\",\"required\":false,\"type\":\"double\"},"
    "{\"id\":6,\"name\":\"lon\",\"required\":false,\"type\":\"double\"}]}},"
    "{\"id\":7,\"name\":\"pts\",\"required\":false,\"type\":{\"type\":\"list\","
    "\"element-id\":8,\"element\":{\"type\":\"struct\",\"fields\":["
    "{\"id\":9,\"name\":\"x\",\"required\":true,\"type\":\"long\"}]},"
    "\"element-required\":true}},"
    "{\"id\":10,\"name\":\"s\",\"required\":false,\"type\":\"string\"},"
    "{\"id\":11,\"name\":\"day\",\"required\":false,\"type\":\"date\"}]}";

static void names_are(const ko_ice_type *t, const char *want)
{
    char got[256] = "";
    for (uint32_t i = 0; i < t->n_fields; i++) {
        strcat(got, i ? "," : "");
        strcat(got, t->fields[i].name);
    }
    assert_string_equal(got, want);
}

static void test_evolution(void **state)
{
    (void)state;
    ko_arena arena = {0};
    ko_err err = {0};
    ko_ice_schema base = must_parse(BASE, &arena), s, s2;
    int32_t last = 11;

    ko_ice_new_column col = {.name = "note", .type = {.id = KO_ICE_STRING}, .doc = "free text"};
    TU_OK(ko_ice_schema_add_column(&base, &col, &last, &arena, &s, &err), &err);
    assert_int_equal(s.schema_id, 5);
    assert_int_equal(last, 12);
    assert_int_equal(ko_ice_schema_find_name(&s, "note", false)->id, 12);
    assert_string_equal(ko_ice_schema_find_id(&s, 12)->doc, "free text");
    assert_int_equal(base.root.n_fields, 7); /* the base is untouched */

    /* A nested new column: ids in Java's order (the field, then its children). */
    ko_ice_field kv[2] = {{.name = "key", .required = true, .type = {.id = KO_ICE_STRING}},
                          {.name = "value", .type = {.id = KO_ICE_INT}}};
    ko_ice_field inner[2] = {{.name = "m", .type = {.id = KO_ICE_MAP, .fields = kv, .n_fields = 2}},
                             {.name = "z", .type = {.id = KO_ICE_BOOLEAN}}};
    col = (ko_ice_new_column){.name = "extra",
                              .type = {.id = KO_ICE_STRUCT, .fields = inner, .n_fields = 2}};
    TU_OK(ko_ice_schema_add_column(&s, &col, &last, &arena, &s2, &err), &err);
    assert_int_equal(last, 17);
    assert_int_equal(ko_ice_schema_find_name(&s2, "extra", false)->id, 13);
    assert_int_equal(ko_ice_schema_find_name(&s2, "extra.m", false)->id, 14);
    assert_int_equal(ko_ice_schema_find_name(&s2, "extra.z", false)->id, 15);
    assert_int_equal(ko_ice_schema_find_name(&s2, "extra.m.key", false)->id, 16);
    assert_int_equal(ko_ice_schema_find_name(&s2, "extra.m.value", false)->id, 17);

    /* Into a nested struct and into a list's struct element. */
    col = (ko_ice_new_column){.parent = "loc", .name = "alt", .type = {.id = KO_ICE_FLOAT}};
    TU_OK(ko_ice_schema_add_column(&base, &col, &last, &arena, &s, &err), &err);
    assert_int_equal(ko_ice_schema_find_name(&s, "loc.alt", false)->id, 18);
    col.parent = "pts";
    col.name = "y";
    TU_OK(ko_ice_schema_add_column(&base, &col, &last, &arena, &s, &err), &err);
    assert_int_equal(ko_ice_schema_find_name(&s, "pts.element.y", false)->id, 19);

    /* Required columns need a default. */
    col = (ko_ice_new_column){.name = "r", .type = {.id = KO_ICE_INT}, .required = true};
    assert_int_equal(ko_ice_schema_add_column(&base, &col, &last, &arena, &s, &err),
                     KO_ERR_INVALID);
    assert_non_null(strstr(err.msg, "cannot add required column 'r' without a default"));
    assert_int_equal(last, 19);
    col.default_json = "\"x\"";
    assert_int_equal(ko_ice_schema_add_column(&base, &col, &last, &arena, &s, &err),
                     KO_ERR_INVALID);
    col.default_json = "7";
    TU_OK(ko_ice_schema_add_column(&base, &col, &last, &arena, &s, &err), &err);
    const ko_ice_field *r = ko_ice_schema_find_name(&s, "r", false);
    assert_string_equal(r->initial_default, "7");
    assert_string_equal(r->write_default, "7");
    assert_true(r->required);
    col = (ko_ice_new_column){.name = "s", .type = {.id = KO_ICE_INT}};
    assert_int_equal(ko_ice_schema_add_column(&base, &col, &last, &arena, &s, &err),
                     KO_ERR_INVALID);
    assert_non_null(strstr(err.msg, "'s': it already exists"));
    col = (ko_ice_new_column){.parent = "id", .name = "q", .type = {.id = KO_ICE_INT}};
    assert_int_equal(ko_ice_schema_add_column(&base, &col, &last, &arena, &s, &err),
                     KO_ERR_INVALID);
    col.parent = "nope";
    assert_int_equal(ko_ice_schema_add_column(&base, &col, &last, &arena, &s, &err),
                     KO_ERR_NOT_FOUND);

    /* Rename, drop, move. */
    TU_OK(ko_ice_schema_rename_column(&base, "loc.lat", "latitude", &arena, &s, &err), &err);
    assert_int_equal(ko_ice_schema_find_name(&s, "loc.latitude", false)->id, 5);
    assert_int_equal(ko_ice_schema_rename_column(&base, "s", "f", &arena, &s, &err),
                     KO_ERR_INVALID);
    assert_int_equal(ko_ice_schema_rename_column(&base, "pts.element", "e", &arena, &s, &err),
                     KO_ERR_INVALID);
    assert_int_equal(ko_ice_schema_rename_column(&base, "zz", "e", &arena, &s, &err),
                     KO_ERR_NOT_FOUND);
    TU_OK(ko_ice_schema_drop_column(&base, "loc", &arena, &s, &err), &err);
    assert_null(ko_ice_schema_find_id(&s, 5));
    assert_int_equal(s.highest_id, 11);
    names_are(&s.root, "id,f,price,pts,s,day");
    assert_int_equal(ko_ice_schema_drop_column(&base, "id", &arena, &s, &err), KO_ERR_INVALID);
    assert_non_null(strstr(err.msg, "identifier field"));
    TU_OK(ko_ice_schema_move_column(&base, "day", KO_ICE_MOVE_FIRST, NULL, &arena, &s, &err), &err);
    names_are(&s.root, "day,id,f,price,loc,pts,s");
    TU_OK(ko_ice_schema_move_column(&base, "id", KO_ICE_MOVE_AFTER, "s", &arena, &s, &err), &err);
    names_are(&s.root, "f,price,loc,pts,s,id,day");
    TU_OK(ko_ice_schema_move_column(&base, "s", KO_ICE_MOVE_BEFORE, "f", &arena, &s, &err), &err);
    names_are(&s.root, "id,s,f,price,loc,pts,day");
    TU_OK(ko_ice_schema_move_column(&base, "loc.lon", KO_ICE_MOVE_BEFORE, "loc.lat", &arena, &s,
                                    &err),
          &err);
    names_are(&ko_ice_schema_find_name(&s, "loc", false)->type, "lon,lat");
    assert_int_equal(
        ko_ice_schema_move_column(&base, "loc.lon", KO_ICE_MOVE_AFTER, "id", &arena, &s, &err),
        KO_ERR_INVALID);
    assert_non_null(strstr(err.msg, "not another field of the same struct"));
    ko_arena_free(&arena);
}

static void test_type_promotion(void **state)
{
    (void)state;
    ko_arena arena = {0};
    ko_err err = {0};
    ko_ice_schema base = must_parse(BASE, &arena), s;
    ko_ice_type t_long = {.id = KO_ICE_LONG}, t_int = {.id = KO_ICE_INT};
    ko_ice_type t_double = {.id = KO_ICE_DOUBLE}, t_ts = {.id = KO_ICE_TIMESTAMP};
    ko_ice_type d12 = {.id = KO_ICE_DECIMAL, .precision = 12, .scale = 2};
    ko_ice_type d12s3 = {.id = KO_ICE_DECIMAL, .precision = 12, .scale = 3};
    ko_ice_type d8 = {.id = KO_ICE_DECIMAL, .precision = 8, .scale = 2};

    TU_OK(ko_ice_schema_update_type(&base, "id", &t_long, &arena, &s, &err), &err);
    assert_int_equal(ko_ice_schema_find_id(&s, 1)->type.id, KO_ICE_LONG);
    TU_OK(ko_ice_schema_update_type(&base, "f", &t_double, &arena, &s, &err), &err);
    TU_OK(ko_ice_schema_update_type(&base, "price", &d12, &arena, &s, &err), &err);
    assert_int_equal(ko_ice_schema_find_id(&s, 3)->type.precision, 12);
    TU_OK(ko_ice_schema_update_type(&base, "pts.element.x", &t_long, &arena, &s, &err), &err);

    const struct {
        const char *col;
        const ko_ice_type *to;
        const char *msg;
    } bad[] = {
        {"pts.element.x", &t_int, "from long to int"},
        {"s", &t_int, "from string to int"},
        {"price", &d12s3, "from decimal(9,2) to decimal(12,3)"},
        {"price", &d8, "from decimal(9,2) to decimal(8,2)"},
        {"day", &t_ts, "from date to timestamp"},
        {"loc", &t_long, "from struct to long"},
    };
    for (size_t i = 0; i < KO_ARRAY_LEN(bad); i++) {
        assert_int_equal(ko_ice_schema_update_type(&base, bad[i].col, bad[i].to, &arena, &s, &err),
                         KO_ERR_INVALID);
        if (!strstr(err.msg, bad[i].msg))
            fail_msg("got '%s', want '%s'", err.msg, bad[i].msg);
    }
    assert_true(ko_ice_type_can_promote(&t_int, &t_long));
    assert_false(ko_ice_type_can_promote(&t_long, &t_int));

    TU_OK(ko_ice_schema_make_optional(&base, "price", &arena, &s, &err), &err);
    assert_false(ko_ice_schema_find_id(&s, 3)->required);
    assert_int_equal(ko_ice_schema_make_optional(&base, "id", &arena, &s, &err), KO_ERR_INVALID);
    ko_arena_free(&arena);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_round_trip),
        cmocka_unit_test(test_validation_errors),
        cmocka_unit_test(test_lookups),
        cmocka_unit_test(test_to_parquet),
        cmocka_unit_test(test_parquet_file_round_trip),
        cmocka_unit_test(test_compatible_names),
        cmocka_unit_test(test_from_parquet_fresh_ids),
        cmocka_unit_test(test_from_java_parquet_file),
        cmocka_unit_test(test_evolution),
        cmocka_unit_test(test_type_promotion),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
