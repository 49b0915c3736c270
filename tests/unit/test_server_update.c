/*
 * test_server_update.c - the REST protocol's requirements and updates
 * applied to table metadata (iceberg/rest_update.c): a table built from
 * nothing by the updates a staged create commits, every requirement type
 * holding and failing, snapshots and refs, schema/spec/sort-order
 * evolution with -1 ids, statistics, properties, and the refusals
 * (format v3, relocation, unknown actions, dangling ids).
 */
#include "testutil.h"

#include "iceberg/rest_update.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char CREATE[] =
    "[{\"action\":\"add-schema\",\"schema\":{\"type\":\"struct\",\"fields\":["
    "{\"id\":1,\"name\":\"id\",\"type\":\"long\",\"required\":true},"
    "{\"id\":2,\"name\":\"ts\",\"type\":\"timestamp\",\"required\":false}]}},"
    "{\"action\":\"set-current-schema\",\"schema-id\":-1},"
    "{\"action\":\"add-spec\",\"spec\":{\"fields\":[{\"source-id\":2,\"name\":\"d\","
    "\"transform\":\"day\"}]}},"
    "{\"action\":\"set-default-spec\",\"spec-id\":-1},"
    "{\"action\":\"add-sort-order\",\"sort-order\":{\"order-id\":0,\"fields\":[]}},"
    "{\"action\":\"set-default-sort-order\",\"sort-order-id\":-1},"
    "{\"action\":\"set-properties\",\"updates\":{\"a\":\"1\",\"b\":\"2\"}}]";

static json_t *js(const char *text)
{
    json_error_t je;
    json_t *j = json_loads(text, 0, &je);
    if (!j)
        fail_msg("bad test JSON: %s", je.text);
    return j;
}

/* Applies update JSON text to m; returns the status. */
static ko_status apply(ko_ice_table_meta *m, ko_arena *a, const char *text, ko_err *err)
{
    json_t *u = js(text);
    json_t *actions = NULL;
    ko_status st = ko_ice_rest_apply(m, u, a, &actions, err);
    json_decref(u);
    json_decref(actions);
    return st;
}

static ko_status check(const ko_ice_table_meta *m, const char *text, ko_err *err)
{
    json_t *r = js(text);
    ko_status st = ko_ice_rest_check(m, r, err);
    json_decref(r);
    return st;
}

static void created(ko_ice_table_meta *m, ko_arena *a)
{
    ko_err err = {0};
    ko_ice_rest_empty_meta("file:///wh/ns/t", m);
    TU_OK(apply(m, a, CREATE, &err), &err);
}

static void test_create_from_nothing(void **state)
{
    (void)state;
    ko_arena a = {0};
    ko_ice_table_meta m;
    created(&m, &a);
    assert_int_equal(m.format_version, 2);
    assert_int_equal(m.n_schemas, 1);
    assert_int_equal(m.current_schema_id, 0);
    assert_int_equal(m.last_column_id, 2);
    assert_int_equal(m.n_specs, 1);
    assert_int_equal(m.specs[0].fields[0].field_id, 1000); /* assigned */
    assert_int_equal(m.last_partition_id, 1000);
    assert_int_equal(m.default_sort_order_id, 0);
    assert_string_equal(ko_ice_meta_property(&m, "b"), "2");
    assert_int_equal(m.current_snapshot_id, -1);
    ko_err err = {0};
    TU_OK(ko_ice_meta_validate(&m, &err), &err);
    ko_arena_free(&a);
}

static void test_requirements(void **state)
{
    (void)state;
    ko_arena a = {0};
    ko_ice_table_meta m;
    created(&m, &a);
    ko_err err = {0};
    char uuid[KO_UUID_STR_LEN + 1], text[512];
    ko_uuid_format(&m.table_uuid, uuid);
    snprintf(text, sizeof text,
             "[{\"type\":\"assert-table-uuid\",\"uuid\":\"%s\"},"
             "{\"type\":\"assert-ref-snapshot-id\",\"ref\":\"main\",\"snapshot-id\":null},"
             "{\"type\":\"assert-last-assigned-field-id\",\"last-assigned-field-id\":2},"
             "{\"type\":\"assert-current-schema-id\",\"current-schema-id\":0},"
             "{\"type\":\"assert-last-assigned-partition-id\",\"last-assigned-partition-id\":1000},"
             "{\"type\":\"assert-default-spec-id\",\"default-spec-id\":0},"
             "{\"type\":\"assert-default-sort-order-id\",\"default-sort-order-id\":0}]",
             uuid);
    TU_OK(check(&m, text, &err), &err);
    static const char *const failing[] = {
        "[{\"type\":\"assert-create\"}]",
        "[{\"type\":\"assert-table-uuid\",\"uuid\":\"00000000-0000-4000-8000-000000000000\"}]",
        "[{\"type\":\"assert-ref-snapshot-id\",\"ref\":\"main\",\"snapshot-id\":5}]",
        "[{\"type\":\"assert-last-assigned-field-id\",\"last-assigned-field-id\":3}]",
        "[{\"type\":\"assert-current-schema-id\",\"current-schema-id\":1}]",
        "[{\"type\":\"assert-last-assigned-partition-id\",\"last-assigned-partition-id\":999}]",
        "[{\"type\":\"assert-default-spec-id\",\"default-spec-id\":1}]",
        "[{\"type\":\"assert-default-sort-order-id\",\"default-sort-order-id\":1}]",
    };
    for (size_t i = 0; i < KO_ARRAY_LEN(failing); i++)
        assert_int_equal(check(&m, failing[i], &err), KO_ERR_CONFLICT);
    assert_non_null(strstr(err.msg, "requirement failed"));
    assert_int_equal(check(NULL, "[{\"type\":\"assert-create\"}]", &err), KO_OK);
    assert_int_equal(check(&m, "[{\"type\":\"assert-nothing\"}]", &err), KO_ERR_INVALID);
    assert_int_equal(check(&m, "[{\"type\":\"assert-current-schema-id\"}]", &err), KO_ERR_INVALID);
    assert_int_equal(check(&m, "{}", &err), KO_ERR_INVALID);
    json_t *r = js("[{\"type\":\"assert-create\"}]");
    assert_true(ko_ice_rest_is_create(r));
    json_decref(r);
    ko_arena_free(&a);
}

static void test_snapshots_and_refs(void **state)
{
    (void)state;
    ko_arena a = {0};
    ko_ice_table_meta m;
    created(&m, &a);
    ko_err err = {0};
    TU_OK(apply(&m, &a,
                "[{\"action\":\"add-snapshot\",\"snapshot\":{\"snapshot-id\":11,"
                "\"sequence-number\":1,\"timestamp-ms\":1000,\"manifest-list\":\"ml1.avro\","
                "\"summary\":{\"operation\":\"append\",\"added-records\":\"3\"},\"schema-id\":0}},"
                "{\"action\":\"set-snapshot-ref\",\"ref-name\":\"main\",\"type\":\"branch\","
                "\"snapshot-id\":11},"
                "{\"action\":\"add-snapshot\",\"snapshot\":{\"snapshot-id\":12,"
                "\"parent-snapshot-id\":11,\"sequence-number\":2,\"timestamp-ms\":2000,"
                "\"manifest-list\":\"ml2.avro\",\"summary\":{\"operation\":\"append\"}}},"
                "{\"action\":\"set-snapshot-ref\",\"ref-name\":\"main\",\"type\":\"branch\","
                "\"snapshot-id\":12},"
                "{\"action\":\"set-snapshot-ref\",\"ref-name\":\"v1\",\"type\":\"tag\","
                "\"snapshot-id\":11,\"max-ref-age-ms\":5000}]",
                &err),
          &err);
    assert_int_equal(m.current_snapshot_id, 12);
    assert_int_equal(m.last_sequence_number, 2);
    assert_int_equal(m.n_snapshot_log, 2);
    assert_string_equal(ko_ice_snapshot_summary(ko_ice_meta_snapshot(&m, 11), "added-records"),
                        "3");
    const ko_ice_ref *tag = ko_ice_meta_ref(&m, "v1");
    assert_non_null(tag);
    assert_int_equal(tag->type, KO_ICE_REF_TAG);
    assert_int_equal(tag->max_ref_age_ms, 5000);
    TU_OK(check(&m, "[{\"type\":\"assert-ref-snapshot-id\",\"ref\":\"main\",\"snapshot-id\":12}]",
                &err),
          &err);

    /* snapshots=refs keeps only what a ref points at. */
    TU_OK(apply(&m, &a, "[{\"action\":\"remove-snapshot-ref\",\"ref-name\":\"v1\"}]", &err), &err);
    json_t *j = NULL;
    TU_OK(ko_ice_rest_meta_json(&m, true, &j, &err), &err);
    assert_int_equal(json_array_size(json_object_get(j, "snapshots")), 1);
    json_decref(j);

    /* Removing snapshots takes their refs and log entries with them. */
    TU_OK(apply(&m, &a, "[{\"action\":\"remove-snapshots\",\"snapshot-ids\":[12]}]", &err), &err);
    assert_int_equal(m.n_snapshots, 1);
    assert_int_equal(m.current_snapshot_id, -1);
    assert_null(ko_ice_meta_ref(&m, "main"));
    assert_int_equal(m.n_snapshot_log, 1);

    /* A duplicate snapshot id and an old sequence number are refused. */
    assert_int_equal(apply(&m, &a,
                           "[{\"action\":\"add-snapshot\",\"snapshot\":{\"snapshot-id\":11,"
                           "\"timestamp-ms\":1,\"manifest-list\":\"x\",\"summary\":"
                           "{\"operation\":\"append\"}}}]",
                           &err),
                     KO_ERR_INVALID);
    assert_int_equal(apply(&m, &a,
                           "[{\"action\":\"add-snapshot\",\"snapshot\":{\"snapshot-id\":13,"
                           "\"sequence-number\":1,\"timestamp-ms\":1,\"manifest-list\":\"x\","
                           "\"summary\":{\"operation\":\"append\"}}}]",
                           &err),
                     KO_ERR_INVALID);
    assert_int_equal(apply(&m, &a,
                           "[{\"action\":\"add-snapshot\",\"snapshot\":{\"snapshot-id\":14,"
                           "\"timestamp-ms\":1,\"manifest-list\":\"x\",\"summary\":{}}}]",
                           &err),
                     KO_ERR_INVALID);
    ko_arena_free(&a);
}

static void test_evolution(void **state)
{
    (void)state;
    ko_arena a = {0};
    ko_ice_table_meta m;
    created(&m, &a);
    ko_err err = {0};
    TU_OK(apply(&m, &a,
                "[{\"action\":\"add-schema\",\"schema\":{\"type\":\"struct\",\"fields\":["
                "{\"id\":1,\"name\":\"id\",\"type\":\"long\",\"required\":true},"
                "{\"id\":2,\"name\":\"ts\",\"type\":\"timestamp\",\"required\":false},"
                "{\"id\":3,\"name\":\"n\",\"type\":\"string\",\"required\":false}]}},"
                "{\"action\":\"set-current-schema\",\"schema-id\":-1},"
                "{\"action\":\"add-spec\",\"spec\":{\"fields\":[{\"source-id\":1,\"name\":\"b\","
                "\"transform\":\"bucket[4]\"}]}},"
                "{\"action\":\"set-default-spec\",\"spec-id\":-1},"
                "{\"action\":\"add-sort-order\",\"sort-order\":{\"order-id\":7,\"fields\":["
                "{\"source-id\":3,\"transform\":\"identity\",\"direction\":\"desc\","
                "\"null-order\":\"nulls-last\"}]}},"
                "{\"action\":\"set-default-sort-order\",\"sort-order-id\":-1},"
                "{\"action\":\"remove-properties\",\"removals\":[\"a\",\"zz\"]},"
                "{\"action\":\"upgrade-format-version\",\"format-version\":2},"
                "{\"action\":\"assign-uuid\",\"uuid\":\"9c12d441-03fe-4693-9a96-a0705ddf69c1\"},"
                "{\"action\":\"set-location\",\"location\":\"file:///wh/ns/t/\"}]",
                &err),
          &err);
    assert_int_equal(m.current_schema_id, 1);
    assert_int_equal(m.last_column_id, 3);
    assert_int_equal(m.default_spec_id, 1);
    assert_int_equal(ko_ice_meta_default_spec(&m)->fields[0].field_id, 1001);
    assert_int_equal(m.default_sort_order_id, 1);
    assert_null(ko_ice_meta_property(&m, "a"));
    char uuid[KO_UUID_STR_LEN + 1];
    ko_uuid_format(&m.table_uuid, uuid);
    assert_string_equal(uuid, "9c12d441-03fe-4693-9a96-a0705ddf69c1");

    /* An equal schema is reused, not added again. */
    TU_OK(apply(&m, &a,
                "[{\"action\":\"add-schema\",\"schema\":{\"type\":\"struct\",\"fields\":["
                "{\"id\":1,\"name\":\"id\",\"type\":\"long\",\"required\":true},"
                "{\"id\":2,\"name\":\"ts\",\"type\":\"timestamp\",\"required\":false}]}},"
                "{\"action\":\"set-current-schema\",\"schema-id\":-1}]",
                &err),
          &err);
    assert_int_equal(m.n_schemas, 2);
    assert_int_equal(m.current_schema_id, 0);

    static const struct {
        const char *text;
        ko_status st;
    } bad[] = {
        {"[{\"action\":\"upgrade-format-version\",\"format-version\":3}]", KO_ERR_UNSUPPORTED},
        {"[{\"action\":\"upgrade-format-version\",\"format-version\":1}]", KO_ERR_INVALID},
        {"[{\"action\":\"set-location\",\"location\":\"s3://elsewhere/t\"}]", KO_ERR_UNSUPPORTED},
        {"[{\"action\":\"set-current-schema\",\"schema-id\":-1}]", KO_ERR_INVALID},
        {"[{\"action\":\"set-current-schema\",\"schema-id\":9}]", KO_ERR_INVALID},
        {"[{\"action\":\"set-default-spec\",\"spec-id\":9}]", KO_ERR_INVALID},
        {"[{\"action\":\"set-default-sort-order\",\"sort-order-id\":9}]", KO_ERR_INVALID},
        {"[{\"action\":\"add-spec\",\"spec\":{\"fields\":[{\"source-id\":99,\"name\":\"x\","
         "\"transform\":\"identity\"}]}}]",
         KO_ERR_INVALID},
        {"[{\"action\":\"add-schema\",\"schema\":{\"type\":\"struct\",\"fields\":[{\"id\":1,"
         "\"name\":\"x\",\"type\":\"nope\",\"required\":true}]}}]",
         KO_ERR_INVALID},
        {"[{\"action\":\"teleport\"}]", KO_ERR_UNSUPPORTED},
        {"[{\"no-action\":1}]", KO_ERR_INVALID},
        {"[{\"action\":\"set-properties\",\"updates\":{\"k\":1}}]", KO_ERR_INVALID},
        {"{}", KO_ERR_INVALID},
    };
    for (size_t i = 0; i < KO_ARRAY_LEN(bad); i++) {
        ko_ice_table_meta copy;
        created(&copy, &a);
        assert_int_equal(apply(&copy, &a, bad[i].text, &err), bad[i].st);
    }
    ko_arena_free(&a);
}

static void test_statistics(void **state)
{
    (void)state;
    ko_arena a = {0};
    ko_ice_table_meta m;
    created(&m, &a);
    ko_err err = {0};
    TU_OK(apply(&m, &a,
                "[{\"action\":\"set-statistics\",\"statistics\":{\"snapshot-id\":5,"
                "\"statistics-path\":\"s1.puffin\",\"file-size-in-bytes\":10,"
                "\"file-footer-size-in-bytes\":2,\"blob-metadata\":[]}},"
                "{\"action\":\"set-statistics\",\"statistics\":{\"snapshot-id\":6,"
                "\"statistics-path\":\"s2.puffin\",\"file-size-in-bytes\":10,"
                "\"file-footer-size-in-bytes\":2,\"blob-metadata\":[]}},"
                "{\"action\":\"set-statistics\",\"statistics\":{\"snapshot-id\":5,"
                "\"statistics-path\":\"s3.puffin\",\"file-size-in-bytes\":10,"
                "\"file-footer-size-in-bytes\":2,\"blob-metadata\":[]}}]",
                &err),
          &err);
    assert_non_null(m.statistics);
    assert_null(strstr(m.statistics, "s1.puffin"));
    assert_non_null(strstr(m.statistics, "s3.puffin"));
    TU_OK(apply(&m, &a,
                "[{\"action\":\"remove-statistics\",\"snapshot-id\":5},"
                "{\"action\":\"remove-statistics\",\"snapshot-id\":6}]",
                &err),
          &err);
    assert_null(m.statistics);
    ko_arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_from_nothing), cmocka_unit_test(test_requirements),
        cmocka_unit_test(test_snapshots_and_refs),  cmocka_unit_test(test_evolution),
        cmocka_unit_test(test_statistics),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
