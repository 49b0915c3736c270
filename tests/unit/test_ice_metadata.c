/*
 * test_ice_metadata.c - Iceberg table metadata in src/iceberg: the five
 * metadata.json versions of the Java-written bunnies table parse and
 * re-serialize to equal JSON, v1 files read with the spec's defaults,
 * required fields and cross-references are checked with clear errors, and
 * a new table's metadata goes through snapshots, refs, schema and spec
 * changes and back through JSON unchanged.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iceberg/iceberg.h"

static char *read_text(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s (set KO_TESTDATA)", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static char *bunnies_path(int version)
{
    const char *td = getenv("KO_TESTDATA");
    static char path[1024];
    snprintf(path, sizeof path, "%s/iceberg/java/bunnies/metadata/v%d.metadata.json",
             td ? td : "../shared/testdata", version);
    return path;
}

static json_t *load(const char *text)
{
    ko_err err = {0};
    json_t *j = NULL;
    TU_OK(ko_ice_json_load(text, strlen(text), "test", &j, &err), &err);
    return j;
}

/* Serializes m, parses that, serializes again: both texts must agree. */
static json_t *round_trip(const ko_ice_table_meta *m, ko_arena *arena)
{
    ko_err err = {0};
    ko_buf b1 = {0}, b2 = {0};
    TU_OK(ko_ice_meta_write_json(m, &b1, &err), &err);
    ko_ice_table_meta again;
    TU_OK(ko_ice_meta_parse((const char *)b1.data, b1.len, arena, &again, &err), &err);
    TU_OK(ko_ice_meta_write_json(&again, &b2, &err), &err);
    assert_string_equal((const char *)b1.data, (const char *)b2.data);
    json_t *j = load((const char *)b1.data);
    ko_buf_free(&b1);
    ko_buf_free(&b2);
    return j;
}

static void test_bunnies_round_trip(void **state)
{
    (void)state;
    for (int v = 1; v <= 5; v++) {
        size_t len;
        char *text = read_text(bunnies_path(v), &len);
        ko_arena arena = {0};
        ko_err err = {0};
        ko_ice_table_meta m;
        TU_OK(ko_ice_meta_parse(text, len, &arena, &m, &err), &err);
        json_t *orig = load(text);
        json_t *back = round_trip(&m, &arena);
        if (!json_equal(orig, back)) {
            char *s = json_dumps(back, JSON_INDENT(1));
            fail_msg("v%d.metadata.json re-serializes differently:\n%s", v, s);
        }
        json_decref(orig);
        json_decref(back);
        free(text);
        ko_arena_free(&arena);
    }
}

static void test_bunnies_model(void **state)
{
    (void)state;
    size_t len;
    char *text = read_text(bunnies_path(5), &len);
    ko_arena arena = {0};
    ko_err err = {0};
    ko_ice_table_meta m;
    TU_OK(ko_ice_meta_parse(text, len, &arena, &m, &err), &err);
    assert_int_equal(m.format_version, 2);
    char uuid[KO_UUID_STR_LEN + 1];
    ko_uuid_format(&m.table_uuid, uuid);
    assert_string_equal(uuid, "eee3ca77-1713-442c-8c2f-ad98d8d36a9b");
    assert_string_equal(m.location, "s3a://hyperparam-iceberg/java/bunnies");
    assert_int_equal(m.last_sequence_number, 3);
    assert_int_equal(m.last_column_id, 9);
    assert_int_equal(m.n_schemas, 2);
    const ko_ice_schema *cur = ko_ice_meta_current_schema(&m);
    assert_int_equal(cur->schema_id, 1);
    assert_string_equal(ko_ice_schema_find_id(cur, 9)->name, "__happy__");
    assert_int_equal(ko_ice_meta_default_spec(&m)->n_fields, 0);
    assert_int_equal(m.last_partition_id, 999);
    assert_string_equal(ko_ice_meta_property(&m, "write.parquet.compression-codec"), "zstd");
    const ko_ice_snapshot *s = ko_ice_meta_current_snapshot(&m);
    assert_non_null(s);
    assert_int_equal(s->snapshot_id, 9158179788527662767LL);
    assert_int_equal(s->parent_id, 6458828015811002920LL);
    assert_int_equal(s->sequence_number, 3);
    assert_string_equal(s->operation, "overwrite");
    assert_string_equal(ko_ice_snapshot_summary(s, "total-records"), "22");
    assert_string_equal(ko_ice_snapshot_summary(s, "operation"), "overwrite");
    assert_int_equal(s->schema_id, 1);
    assert_non_null(strstr(s->manifest_list, "snap-9158179788527662767-1-"));
    assert_int_equal(m.snapshots[0].parent_id, -1);
    const ko_ice_ref *main_ref = ko_ice_meta_ref(&m, "main");
    assert_non_null(main_ref);
    assert_int_equal(main_ref->type, KO_ICE_REF_BRANCH);
    assert_int_equal(main_ref->snapshot_id, s->snapshot_id);
    assert_int_equal(m.n_snapshot_log, 3);
    assert_int_equal(m.n_metadata_log, 4);
    assert_string_equal(m.metadata_log[3].metadata_file,
                        "s3a://hyperparam-iceberg/java/bunnies/metadata/v4.metadata.json");
    assert_string_equal(m.statistics, "[]");
    assert_null(m.extra);
    free(text);
    ko_arena_free(&arena);

    /* v1 has no snapshot: current-snapshot-id -1, no refs. */
    text = read_text(bunnies_path(1), &len);
    TU_OK(ko_ice_meta_parse(text, len, &arena, &m, &err), &err);
    assert_int_equal(m.current_snapshot_id, -1);
    assert_null(ko_ice_meta_current_snapshot(&m));
    assert_int_equal(m.n_refs, 0);
    free(text);
    ko_arena_free(&arena);
}

/* Parses v5 with one member removed (or replaced by `value`). */
static ko_status parse_edited(const char *key, json_t *value, ko_err *err)
{
    size_t len;
    char *text = read_text(bunnies_path(5), &len);
    json_t *j = load(text);
    free(text);
    if (value)
        json_object_set_new(j, key, value);
    else
        json_object_del(j, key);
    ko_arena arena = {0};
    ko_ice_table_meta m;
    ko_status st = ko_ice_meta_from_json(j, &arena, &m, err);
    json_decref(j);
    ko_arena_free(&arena);
    return st;
}

static void expect(const char *key, json_t *value, ko_status want, const char *msg)
{
    ko_err err = {0};
    ko_status st = parse_edited(key, value, &err);
    if (st != want || !strstr(err.msg, msg))
        fail_msg("%s: got %s '%s', want %s '%s'", key, ko_status_name(st), err.msg,
                 ko_status_name(want), msg);
}

static void test_required_fields(void **state)
{
    (void)state;
    static const char *const required[] = {
        "format-version",        "table-uuid",      "location",          "last-sequence-number",
        "last-updated-ms",       "last-column-id",  "schemas",           "current-schema-id",
        "partition-specs",       "default-spec-id", "last-partition-id", "sort-orders",
        "default-sort-order-id",
    };
    for (size_t i = 0; i < KO_ARRAY_LEN(required); i++) {
        char msg[128];
        snprintf(msg, sizeof msg, "missing required field '%s'", required[i]);
        expect(required[i], NULL, KO_ERR_CORRUPT, msg);
    }
    /* Optional members may go. */
    ko_err err = {0};
    TU_OK(parse_edited("properties", NULL, &err), &err);
    TU_OK(parse_edited("metadata-log", NULL, &err), &err);
    TU_OK(parse_edited("statistics", NULL, &err), &err);

    expect("format-version", json_integer(3), KO_ERR_UNSUPPORTED, "format-version 3");
    expect("table-uuid", json_string("nope"), KO_ERR_CORRUPT, "table-uuid");
    expect("last-column-id", json_string("9"), KO_ERR_CORRUPT,
           "field 'last-column-id' must be an integer");
    expect("last-column-id", json_integer(8), KO_ERR_CORRUPT,
           "schema 1 uses field id 9 above last-column-id 8");
    expect("current-schema-id", json_integer(7), KO_ERR_CORRUPT,
           "current-schema-id 7 is not one of the schemas");
    expect("default-spec-id", json_integer(2), KO_ERR_CORRUPT, "default-spec-id 2");
    expect("default-sort-order-id", json_integer(1), KO_ERR_CORRUPT, "default-sort-order-id 1");
    expect("current-snapshot-id", json_integer(5), KO_ERR_CORRUPT,
           "current-snapshot-id 5 is not one of the snapshots");
    expect("last-sequence-number", json_integer(2), KO_ERR_CORRUPT,
           "sequence number 3 above last-sequence-number 2");
    expect("refs", load("{\"main\":{\"snapshot-id\":4951213507629824583,\"type\":\"branch\"}}"),
           KO_ERR_CORRUPT, "ref 'main' (snapshot 4951213507629824583) disagrees");
    expect("refs", load("{\"t\":{\"snapshot-id\":1,\"type\":\"tag\"}}"), KO_ERR_CORRUPT,
           "ref 't' points at snapshot 1, which does not exist");
    expect("refs", load("{\"t\":{\"snapshot-id\":1,\"type\":\"bough\"}}"), KO_ERR_CORRUPT,
           "ref 't': 'type' must be \"branch\" or \"tag\"");
    expect("refs",
           load("{\"t\":{\"snapshot-id\":4951213507629824583,\"type\":\"tag\","
                "\"max-ref-age-ms\":0}}"),
           KO_ERR_CORRUPT, "max-ref-age-ms must be positive");
    expect("snapshots",
           load("[{\"sequence-number\":1,\"snapshot-id\":1,\"timestamp-ms\":1,\"summary\":"
                "{\"operation\":\"append\"}}]"),
           KO_ERR_CORRUPT, "snapshot 1: missing required field 'manifest-list'");
    expect("snapshots",
           load("[{\"sequence-number\":1,\"snapshot-id\":1,\"timestamp-ms\":1,\"summary\":"
                "{\"added-files\":\"1\"},\"manifest-list\":\"x\"}]"),
           KO_ERR_CORRUPT, "snapshot 1: the summary has no 'operation'");
    expect("snapshots", load("[{\"snapshot-id\":1}]"), KO_ERR_CORRUPT,
           "snapshot 1: missing required field 'sequence-number'");
    expect("schemas",
           load("[{\"type\":\"struct\",\"schema-id\":1,\"fields\":[{\"id\":1,\"name\":\"a\","
                "\"required\":true,\"type\":\"integer\"}]}]"),
           KO_ERR_CORRUPT, "schemas[0]: schema 1: field 'a': unknown type 'integer'");
    expect("schemas", load("[{\"type\":\"struct\",\"fields\":[]}]"), KO_ERR_CORRUPT,
           "schemas[0]: schema: missing required field 'schema-id'");
    expect("partition-specs",
           load("[{\"spec-id\":0,\"fields\":[{\"name\":\"x\",\"transform\":\"day\","
                "\"source-id\":42,\"field-id\":1000}]}]"),
           KO_ERR_CORRUPT, "last-partition-id 999");
    expect("properties", load("{\"a\":1}"), KO_ERR_CORRUPT,
           "table properties: value of 'a' must be a string");

    err = (ko_err){0};
    ko_arena arena = {0};
    ko_ice_table_meta m;
    assert_int_equal(ko_ice_meta_parse("{\"format-version\":2", 19, &arena, &m, &err),
                     KO_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "table metadata: invalid JSON"));
    assert_int_equal(ko_ice_meta_parse("[]", 2, &arena, &m, &err), KO_ERR_CORRUPT);
    ko_arena_free(&arena);
}

static const char *const V1 =
    "{\"format-version\":1,\"location\":\"file:///t\",\"last-updated-ms\":10,"
    "\"last-column-id\":2,\"schema\":{\"type\":\"struct\",\"fields\":["
    "{\"id\":1,\"name\":\"id\",\"required\":true,\"type\":\"long\"},"
    "{\"id\":2,\"name\":\"ts\",\"required\":false,\"type\":\"timestamptz\"}]},"
    "\"partition-spec\":[{\"name\":\"ts_day\",\"transform\":\"day\",\"source-id\":2}],"
    "\"partition-specs\":[{\"spec-id\":0,\"fields\":[{\"name\":\"ts_day\","
    "\"transform\":\"day\",\"source-id\":2}]}],\"default-spec-id\":0,"
    "\"properties\":{},\"current-snapshot-id\":7,"
    "\"snapshots\":[{\"snapshot-id\":7,\"timestamp-ms\":9,\"manifests\":[\"m1.avro\","
    "\"m2.avro\"]}],\"x-engine\":{\"k\":[1,2]}}";

static void test_v1_metadata(void **state)
{
    (void)state;
    ko_arena arena = {0};
    ko_err err = {0};
    ko_ice_table_meta m;
    TU_OK(ko_ice_meta_parse(V1, strlen(V1), &arena, &m, &err), &err);
    assert_int_equal(m.format_version, 1);
    assert_int_equal(m.n_schemas, 1);
    assert_int_equal(m.current_schema_id, 0);
    assert_int_equal(m.n_specs, 1);
    assert_int_equal(m.specs[0].fields[0].field_id, 1000);
    assert_int_equal(m.last_partition_id, 1000);
    assert_int_equal(m.last_sequence_number, 0);
    assert_int_equal(m.n_sort_orders, 1);
    assert_int_equal(m.default_sort_order_id, 0);
    assert_int_equal(m.snapshots[0].sequence_number, 0);
    assert_int_equal(m.snapshots[0].n_manifests, 2);
    assert_null(m.snapshots[0].manifest_list);
    assert_null(m.snapshots[0].operation);
    assert_string_equal(ko_ice_meta_ref(&m, "main")->name, "main"); /* implicit */
    assert_string_equal(m.extra, "{\"x-engine\":{\"k\":[1,2]}}");
    json_t *j = round_trip(&m, &arena);
    /* Written back as v1, with the deprecated members and the unknown one. */
    assert_non_null(json_object_get(j, "schema"));
    assert_non_null(json_object_get(j, "partition-spec"));
    assert_null(json_object_get(j, "last-sequence-number"));
    assert_null(
        json_object_get(json_array_get(json_object_get(j, "snapshots"), 0), "sequence-number"));
    assert_int_equal(json_array_size(json_object_get(
                         json_array_get(json_object_get(j, "snapshots"), 0), "manifests")),
                     2);
    json_t *orig = load(V1);
    assert_true(json_equal(json_object_get(j, "x-engine"), json_object_get(orig, "x-engine")));
    json_decref(orig);
    json_decref(j);
    ko_arena_free(&arena);
}

static ko_ice_snapshot snap(int64_t id, int64_t parent, int64_t seq, int64_t ts)
{
    static ko_ice_kv summary[] = {{"added-records", "5"}, {"total-records", "5"}};
    return (ko_ice_snapshot){.snapshot_id = id,
                             .parent_id = parent,
                             .sequence_number = seq,
                             .timestamp_ms = ts,
                             .manifest_list = "file:///t/metadata/snap.avro",
                             .operation = "append",
                             .summary = summary,
                             .n_summary = 2,
                             .schema_id = 0};
}

static void test_create_and_edit(void **state)
{
    (void)state;
    ko_arena arena = {0};
    ko_err err = {0};
    const char *schema_json = "{\"type\":\"struct\",\"fields\":["
                              "{\"id\":1,\"name\":\"id\",\"required\":true,\"type\":\"long\"},"
                              "{\"id\":2,\"name\":\"ts\",\"required\":false,"
                              "\"type\":\"timestamptz\"},"
                              "{\"id\":3,\"name\":\"name\",\"required\":false,"
                              "\"type\":\"string\"}]}";
    ko_ice_schema schema;
    TU_OK(ko_ice_schema_parse(schema_json, strlen(schema_json), &arena, &schema, &err), &err);
    ko_ice_partition_spec spec;
    int32_t last_pid = 999;
    TU_OK(
        ko_ice_spec_parse_text("day(ts),bucket(16,id)", &schema, 0, &last_pid, &arena, &spec, &err),
        &err);
    ko_ice_sort_field sf = {.transform = {.kind = KO_ICE_TR_IDENTITY}, .source_id = 1};
    ko_ice_sort_order order = {.order_id = 0, .fields = &sf, .n_fields = 1};
    ko_ice_kv props[] = {{"write.format.default", "parquet"}};
    ko_ice_meta_create_opts opts = {.schema = &schema,
                                    .spec = &spec,
                                    .order = &order,
                                    .properties = props,
                                    .n_properties = 1,
                                    .location = "file:///t/",
                                    .now_ms = 1000};
    ko_ice_table_meta m;
    TU_OK(ko_ice_meta_create(&opts, &arena, &m, &err), &err);
    assert_int_equal(m.format_version, 2);
    assert_string_equal(m.location, "file:///t");
    assert_int_equal(m.last_column_id, 3);
    assert_int_equal(m.last_partition_id, 1001);
    assert_int_equal(m.default_sort_order_id, 1);
    assert_int_equal(m.current_snapshot_id, -1);
    assert_int_equal(m.last_updated_ms, 1000);
    json_t *j = round_trip(&m, &arena);
    assert_int_equal(json_integer_value(json_object_get(j, "current-snapshot-id")), -1);
    json_decref(j);

    /* Two appends on main, a tag, a rollback. */
    ko_ice_snapshot s1 = snap(11, -1, 1, 2000), s2 = snap(12, 11, 2, 3000);
    TU_OK(ko_ice_meta_add_snapshot(&m, &s1, &arena, &err), &err);
    ko_ice_ref main_ref = {.name = "main", .snapshot_id = 11};
    TU_OK(ko_ice_meta_set_ref(&m, &main_ref, &arena, &err), &err);
    assert_int_equal(m.current_snapshot_id, 11);
    assert_int_equal(m.n_snapshot_log, 1);
    assert_int_equal(m.snapshot_log[0].timestamp_ms, 2000);
    TU_OK(ko_ice_meta_add_snapshot(&m, &s2, &arena, &err), &err);
    main_ref.snapshot_id = 12;
    TU_OK(ko_ice_meta_set_ref(&m, &main_ref, &arena, &err), &err);
    assert_int_equal(m.last_sequence_number, 2);
    assert_int_equal(m.last_updated_ms, 3000);
    assert_int_equal(m.n_refs, 1);
    ko_ice_ref tag = {
        .name = "v1", .snapshot_id = 11, .type = KO_ICE_REF_TAG, .max_ref_age_ms = 86400000};
    TU_OK(ko_ice_meta_set_ref(&m, &tag, &arena, &err), &err);
    main_ref.snapshot_id = 11; /* rollback */
    TU_OK(ko_ice_meta_set_ref(&m, &main_ref, &arena, &err), &err);
    assert_int_equal(m.n_snapshot_log, 3);
    assert_true(m.snapshot_log[2].timestamp_ms >= 3000);

    /* Refused edits leave the metadata alone. */
    assert_int_equal(ko_ice_meta_add_snapshot(&m, &s2, &arena, &err), KO_ERR_INVALID);
    assert_non_null(strstr(err.msg, "snapshot 12 already exists"));
    ko_ice_snapshot s3 = snap(13, 12, 2, 4000);
    assert_int_equal(ko_ice_meta_add_snapshot(&m, &s3, &arena, &err), KO_ERR_INVALID);
    assert_non_null(strstr(err.msg, "sequence number 2 is not above"));
    s3 = snap(13, 99, 3, 4000);
    assert_int_equal(ko_ice_meta_add_snapshot(&m, &s3, &arena, &err), KO_ERR_INVALID);
    ko_ice_ref bad = {.name = "main", .snapshot_id = 12, .type = KO_ICE_REF_TAG};
    assert_int_equal(ko_ice_meta_set_ref(&m, &bad, &arena, &err), KO_ERR_INVALID);
    bad = (ko_ice_ref){.name = "b", .snapshot_id = 77};
    assert_int_equal(ko_ice_meta_set_ref(&m, &bad, &arena, &err), KO_ERR_INVALID);
    assert_int_equal(m.n_snapshots, 2);
    assert_int_equal(m.n_refs, 2);

    /* Schema and spec evolution, properties, the metadata log. */
    ko_ice_schema evolved;
    int32_t last_col = m.last_column_id;
    ko_ice_new_column col = {.name = "extra", .type = {.id = KO_ICE_INT}};
    TU_OK(ko_ice_schema_add_column(ko_ice_meta_current_schema(&m), &col, &last_col, &arena,
                                   &evolved, &err),
          &err);
    int32_t sid = -1;
    TU_OK(ko_ice_meta_add_schema(&m, &evolved, true, &arena, &sid, &err), &err);
    assert_int_equal(sid, 1);
    assert_int_equal(m.last_column_id, 4);
    TU_OK(ko_ice_meta_add_schema(&m, &evolved, true, &arena, &sid, &err), &err);
    assert_int_equal(sid, 1);
    assert_int_equal(m.n_schemas, 2);
    ko_ice_partition_spec spec2;
    last_pid = m.last_partition_id;
    TU_OK(ko_ice_spec_parse_text("day(ts),bucket(16,id),extra", ko_ice_meta_current_schema(&m), 0,
                                 &last_pid, &arena, &spec2, &err),
          &err);
    int32_t pid = -1;
    TU_OK(ko_ice_meta_add_spec(&m, &spec2, true, &arena, &pid, &err), &err);
    assert_int_equal(pid, 1);
    assert_int_equal(m.last_partition_id, 1004);
    TU_OK(ko_ice_meta_set_property(&m, "commit.retry.num-retries", "4", &arena, &err), &err);
    TU_OK(ko_ice_meta_set_property(&m, "write.format.default", "avro", &arena, &err), &err);
    TU_OK(ko_ice_meta_set_property(&m, "write.format.default", NULL, &arena, &err), &err);
    assert_null(ko_ice_meta_property(&m, "write.format.default"));
    assert_string_equal(ko_ice_meta_property(&m, "commit.retry.num-retries"), "4");
    TU_OK(
        ko_ice_meta_add_metadata_log(&m, "file:///t/metadata/v1.metadata.json", 1000, &arena, &err),
        &err);
    TU_OK(ko_ice_meta_remove_ref(&m, "v1", &err), &err);
    assert_int_equal(ko_ice_meta_remove_ref(&m, "v1", &err), KO_ERR_NOT_FOUND);

    j = round_trip(&m, &arena);
    assert_int_equal(json_integer_value(json_object_get(j, "current-schema-id")), 1);
    assert_int_equal(json_integer_value(json_object_get(j, "default-spec-id")), 1);
    assert_int_equal(json_array_size(json_object_get(j, "snapshot-log")), 3);
    json_t *s = json_array_get(json_object_get(j, "snapshots"), 1);
    assert_int_equal(json_integer_value(json_object_get(s, "parent-snapshot-id")), 11);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(s, "summary"), "operation")), "append");
    json_decref(j);

    /* A spec that does not fit the schema is refused at creation. */
    ko_ice_partition_field pf = {
        .source_id = 3, .field_id = 1000, .name = "n", .transform = {.kind = KO_ICE_TR_DAY}};
    ko_ice_partition_spec badspec = {.fields = &pf, .n_fields = 1};
    opts.spec = &badspec;
    assert_int_equal(ko_ice_meta_create(&opts, &arena, &m, &err), KO_ERR_INVALID);
    assert_non_null(strstr(err.msg, "transform day cannot be applied to type string"));
    ko_arena_free(&arena);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bunnies_round_trip), cmocka_unit_test(test_bunnies_model),
        cmocka_unit_test(test_required_fields),    cmocka_unit_test(test_v1_metadata),
        cmocka_unit_test(test_create_and_edit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
