/*
 * test_ice_manifest.c - Iceberg manifests and manifest lists
 * (src/iceberg/manifest.c, manifest_write.c).
 *
 * Round trips write -> read of manifests with every data_file field set,
 * a partition spec over many types (identity of string, date, decimal,
 * uuid, boolean and float; bucket; day; truncate), entries of every status
 * and both delete kinds; the manifest-list entry the writer computes
 * (counts, sequence numbers, partition field summaries); inheritance of
 * null snapshot ids and sequence numbers; the Avro header keys and
 * field-id attributes; manifest lists; the Java-written bunnies files; and
 * errors for bad entries and damaged files.
 */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iceberg/avro.h"
#include "iceberg/iceberg.h"

/* ================================================================ fixtures */

static const char k_schema_json[] =
    "{\"type\":\"struct\",\"schema-id\":3,\"fields\":["
    "{\"id\":1,\"name\":\"id\",\"required\":true,\"type\":\"long\"},"
    "{\"id\":2,\"name\":\"name\",\"required\":false,\"type\":\"string\"},"
    "{\"id\":3,\"name\":\"ts\",\"required\":false,\"type\":\"timestamptz\"},"
    "{\"id\":4,\"name\":\"d\",\"required\":false,\"type\":\"date\"},"
    "{\"id\":5,\"name\":\"amount\",\"required\":false,\"type\":\"decimal(12,2)\"},"
    "{\"id\":6,\"name\":\"u\",\"required\":false,\"type\":\"uuid\"},"
    "{\"id\":7,\"name\":\"flag\",\"required\":false,\"type\":\"boolean\"},"
    "{\"id\":8,\"name\":\"score\",\"required\":false,\"type\":\"float\"},"
    "{\"id\":9,\"name\":\"Odd Name\",\"required\":false,\"type\":\"string\"}]}";

static const char k_spec_text[] = "name, bucket(16, id), day(ts), d, amount, u, flag, score, "
                                  "truncate(3, `Odd Name`)";

typedef struct fixture {
    ko_arena arena;
    ko_ice_schema schema;
    ko_ice_partition_spec spec;
} fixture;

static void fixture_init(fixture *fx)
{
    ko_err err = {0};
    memset(fx, 0, sizeof *fx);
    TU_OK(ko_ice_schema_parse(k_schema_json, strlen(k_schema_json), &fx->arena, &fx->schema, &err),
          &err);
    int32_t last = 999;
    TU_OK(ko_ice_spec_parse_text(k_spec_text, &fx->schema, 4, &last, &fx->arena, &fx->spec, &err),
          &err);
    assert_int_equal(fx->spec.n_fields, 9);
}

static const uint8_t k_uuid[16] = {0x12, 0x3e, 0x45, 0x67, 0xe8, 0x9b, 0x12, 0xd3,
                                   0xa4, 0x56, 0x42, 0x66, 0x14, 0x17, 0x40, 0x00};

/* A partition tuple; variant v changes every value (v 2 makes most null). */
static ko_ice_value *tuple(fixture *fx, int v)
{
    ko_ice_value *p = ko_arena_calloc(&fx->arena, 9, sizeof *p);
    static const char *const names[] = {"alpha", "beta", "", "zulu"};
    p[0] = v == 2 ? ko_ice_value_null(KO_ICE_STRING) : ko_ice_value_string(names[v & 3]);
    p[1] = ko_ice_value_int(v * 5);
    p[2] = v == 2 ? ko_ice_value_null(KO_ICE_DATE) : ko_ice_value_int_of(KO_ICE_DATE, 19000 + v);
    p[3] = ko_ice_value_int_of(KO_ICE_DATE, -3 + v);
    p[4] = ko_ice_value_decimal(v % 2 ? -12345 : 99999999999LL, 2);
    p[5] = v == 2 ? ko_ice_value_null(KO_ICE_UUID) : ko_ice_value_bytes(KO_ICE_UUID, k_uuid, 16);
    p[6] = ko_ice_value_bool(v & 1);
    p[7] = ko_ice_value_float(v == 3 ? NAN : (float)v * 1.5f);
    p[8] = ko_ice_value_string(v == 1 ? "ab" : "xyz");
    return p;
}

static ko_ice_id_count *counts(fixture *fx, int64_t base, uint32_t n)
{
    ko_ice_id_count *c = ko_arena_calloc(&fx->arena, n, sizeof *c);
    for (uint32_t i = 0; i < n; i++)
        c[i] = (ko_ice_id_count){(int32_t)i + 1, base + i};
    return c;
}

static ko_ice_id_bound *bounds(fixture *fx, int64_t base)
{
    ko_ice_id_bound *b = ko_arena_calloc(&fx->arena, 2, sizeof *b);
    int64_t *v = ko_arena_alloc(&fx->arena, sizeof *v);
    *v = base; /* little-endian host: the Appendix D long form */
    b[0] = (ko_ice_id_bound){1, {(const uint8_t *)v, 8}};
    b[1] = (ko_ice_id_bound){2, {(const uint8_t *)"", 0}}; /* an empty string bound */
    return b;
}

static ko_ice_manifest_entry data_entry(fixture *fx, int v, ko_ice_entry_status status)
{
    ko_ice_manifest_entry e = {.status = status,
                               .snapshot_id = KO_ICE_NULL_ID,
                               .sequence_number = KO_ICE_NULL_ID,
                               .file_sequence_number = KO_ICE_NULL_ID};
    if (status != KO_ICE_ENTRY_ADDED) {
        e.snapshot_id = 77 + v;
        e.sequence_number = 3 + v;
        e.file_sequence_number = 4 + v;
    }
    ko_ice_data_file *f = &e.data_file;
    f->content = KO_ICE_CONTENT_DATA;
    f->file_path = ko_arena_sprintf(&fx->arena, "s3://b/t/data/f%d.parquet", v);
    f->file_format = "PARQUET";
    f->partition = tuple(fx, v);
    f->n_partition = 9;
    f->record_count = 100 + v;
    f->file_size_in_bytes = 4096 + v;
    f->column_sizes = counts(fx, 10, 3);
    f->n_column_sizes = 3;
    f->value_counts = counts(fx, 100, 9);
    f->n_value_counts = 9;
    f->null_value_counts = counts(fx, 0, 2);
    f->n_null_value_counts = 2;
    f->nan_value_counts = counts(fx, 5, 1);
    f->n_nan_value_counts = 1;
    f->lower_bounds = bounds(fx, -7 - v);
    f->n_lower_bounds = 2;
    f->upper_bounds = bounds(fx, 70 + v);
    f->n_upper_bounds = 2;
    f->key_metadata = (ko_ice_bytes){(const uint8_t *)"\x01\x02", 2};
    int64_t *so = ko_arena_calloc(&fx->arena, 2, sizeof *so);
    so[0] = 4;
    so[1] = 1000 + v;
    f->split_offsets = so;
    f->n_split_offsets = 2;
    f->sort_order_id = v == 1 ? -1 : 1;
    return e;
}

static void assert_bytes_equal(ko_ice_bytes a, ko_ice_bytes b)
{
    assert_true((a.ptr == NULL) == (b.ptr == NULL));
    assert_int_equal(a.len, b.len);
    if (a.len)
        assert_memory_equal(a.ptr, b.ptr, a.len);
}

static void assert_counts_equal(const ko_ice_id_count *a, uint32_t na, const ko_ice_id_count *b,
                                uint32_t nb)
{
    assert_int_equal(na, nb);
    for (uint32_t i = 0; i < na; i++) {
        assert_int_equal(a[i].field_id, b[i].field_id);
        assert_int_equal(a[i].value, b[i].value);
    }
}

static void assert_bounds_equal(const ko_ice_id_bound *a, uint32_t na, const ko_ice_id_bound *b,
                                uint32_t nb)
{
    assert_int_equal(na, nb);
    for (uint32_t i = 0; i < na; i++) {
        assert_int_equal(a[i].field_id, b[i].field_id);
        assert_bytes_equal(a[i].value, b[i].value);
    }
}

static void assert_values_equal(const ko_ice_value *a, const ko_ice_value *b, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        if (isnan(a[i].d) && a[i].type == KO_ICE_FLOAT) {
            assert_int_equal(b[i].type, KO_ICE_FLOAT);
            assert_true(isnan(b[i].d));
            continue;
        }
        if (!ko_ice_value_equal(&a[i], &b[i]))
            fail_msg("partition value %u differs (types %d/%d)", i, a[i].type, b[i].type);
    }
}

static void assert_file_equal(const ko_ice_data_file *a, const ko_ice_data_file *b)
{
    assert_int_equal(a->content, b->content);
    assert_string_equal(a->file_path, b->file_path);
    assert_string_equal(a->file_format, b->file_format);
    assert_int_equal(a->n_partition, b->n_partition);
    assert_values_equal(a->partition, b->partition, a->n_partition);
    assert_int_equal(a->record_count, b->record_count);
    assert_int_equal(a->file_size_in_bytes, b->file_size_in_bytes);
    assert_counts_equal(a->column_sizes, a->n_column_sizes, b->column_sizes, b->n_column_sizes);
    assert_counts_equal(a->value_counts, a->n_value_counts, b->value_counts, b->n_value_counts);
    assert_counts_equal(a->null_value_counts, a->n_null_value_counts, b->null_value_counts,
                        b->n_null_value_counts);
    assert_counts_equal(a->nan_value_counts, a->n_nan_value_counts, b->nan_value_counts,
                        b->n_nan_value_counts);
    assert_bounds_equal(a->lower_bounds, a->n_lower_bounds, b->lower_bounds, b->n_lower_bounds);
    assert_bounds_equal(a->upper_bounds, a->n_upper_bounds, b->upper_bounds, b->n_upper_bounds);
    assert_bytes_equal(a->key_metadata, b->key_metadata);
    assert_int_equal(a->n_split_offsets, b->n_split_offsets);
    for (uint32_t i = 0; i < a->n_split_offsets; i++)
        assert_int_equal(a->split_offsets[i], b->split_offsets[i]);
    assert_int_equal(a->n_equality_ids, b->n_equality_ids);
    for (uint32_t i = 0; i < a->n_equality_ids; i++)
        assert_int_equal(a->equality_ids[i], b->equality_ids[i]);
    assert_int_equal(a->sort_order_id, b->sort_order_id);
    assert_true((a->referenced_data_file == NULL) == (b->referenced_data_file == NULL));
    if (a->referenced_data_file)
        assert_string_equal(a->referenced_data_file, b->referenced_data_file);
}

static void write_manifest(fixture *fx, ko_ice_manifest_content content,
                           const ko_ice_manifest_entry *e, size_t n, ko_buf *out,
                           ko_ice_manifest_file *mf)
{
    ko_err err = {0};
    ko_ice_manifest_write_opts o = {.schema = &fx->schema,
                                    .spec = &fx->spec,
                                    .content = content,
                                    .path = "s3://b/t/metadata/m0.avro",
                                    .snapshot_id = 555,
                                    .sequence_number = 9};
    TU_OK(ko_ice_manifest_write(&o, e, n, out, mf, &fx->arena, &err), &err);
}

/* ================================================================== tests */

static void test_data_manifest_round_trip(void **state)
{
    (void)state;
    fixture fx;
    fixture_init(&fx);
    ko_ice_manifest_entry e[4] = {
        data_entry(&fx, 0, KO_ICE_ENTRY_ADDED), data_entry(&fx, 1, KO_ICE_ENTRY_EXISTING),
        data_entry(&fx, 2, KO_ICE_ENTRY_DELETED), data_entry(&fx, 3, KO_ICE_ENTRY_ADDED)};
    e[3].snapshot_id = 556; /* an explicit id on an added entry is kept */
    e[3].sequence_number = 8;
    e[3].file_sequence_number = 9;
    ko_buf file = {0};
    ko_ice_manifest_file mf;
    write_manifest(&fx, KO_ICE_MANIFEST_DATA, e, 4, &file, &mf);

    /* The manifest-list entry. */
    assert_string_equal(mf.manifest_path, "s3://b/t/metadata/m0.avro");
    assert_int_equal(mf.manifest_length, file.len);
    assert_int_equal(mf.partition_spec_id, 4);
    assert_int_equal(mf.content, KO_ICE_MANIFEST_DATA);
    assert_int_equal(mf.sequence_number, 9);
    assert_int_equal(mf.min_sequence_number, 4); /* existing entry 1 has 3 + 1 */
    assert_int_equal(mf.added_snapshot_id, 555);
    assert_int_equal(mf.added_files_count, 2);
    assert_int_equal(mf.existing_files_count, 1);
    assert_int_equal(mf.deleted_files_count, 1);
    assert_int_equal(mf.added_rows_count, 100 + 103);
    assert_int_equal(mf.existing_rows_count, 101);
    assert_int_equal(mf.deleted_rows_count, 102);

    /* Read back, inheriting from that entry. */
    ko_err err = {0};
    ko_ice_manifest m;
    TU_OK(ko_ice_manifest_read(file.data, file.len, "m0.avro", &mf, NULL, &fx.arena, &m, &err),
          &err);
    assert_int_equal(m.format_version, 2);
    assert_int_equal(m.content, KO_ICE_MANIFEST_DATA);
    assert_int_equal(m.schema_id, 3);
    assert_non_null(m.schema);
    assert_true(ko_ice_schema_equal(m.schema, &fx.schema));
    assert_int_equal(m.spec.spec_id, 4);
    assert_true(ko_ice_spec_equal(&m.spec, &fx.spec));
    assert_int_equal(m.n_entries, 4);
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(m.entries[i].status, e[i].status);
        assert_int_equal(m.entries[i].data_file.spec_id, 4);
        assert_file_equal(&e[i].data_file, &m.entries[i].data_file);
    }
    /* Inheritance: entry 0 was ADDED with nulls. */
    assert_int_equal(m.entries[0].snapshot_id, 555);
    assert_int_equal(m.entries[0].sequence_number, 9);
    assert_int_equal(m.entries[0].file_sequence_number, 9);
    assert_int_equal(m.entries[1].snapshot_id, 78);
    assert_int_equal(m.entries[1].sequence_number, 4);
    assert_int_equal(m.entries[1].file_sequence_number, 5);
    assert_int_equal(m.entries[3].snapshot_id, 556);
    assert_int_equal(m.entries[3].sequence_number, 8);

    /* Without a list entry nulls stay null. */
    TU_OK(ko_ice_manifest_read(file.data, file.len, "m0.avro", NULL, NULL, &fx.arena, &m, &err),
          &err);
    assert_int_equal(m.entries[0].snapshot_id, KO_ICE_NULL_ID);
    assert_int_equal(m.entries[0].sequence_number, KO_ICE_NULL_ID);
    assert_int_equal(m.entries[0].file_sequence_number, KO_ICE_NULL_ID);
    assert_int_equal(m.entries[1].sequence_number, 4);
    ko_buf_free(&file);
    ko_arena_free(&fx.arena);
}

static ko_ice_value decode(const ko_ice_type *t, ko_ice_bytes b)
{
    ko_ice_value v;
    ko_err err = {0};
    assert_non_null(b.ptr);
    TU_OK(ko_ice_value_from_bytes(t, b.ptr, b.len, &v, &err), &err);
    return v;
}

static void test_partition_summaries(void **state)
{
    (void)state;
    fixture fx;
    fixture_init(&fx);
    ko_ice_manifest_entry e[4];
    for (int i = 0; i < 4; i++)
        e[i] = data_entry(&fx, i, KO_ICE_ENTRY_ADDED);
    ko_buf file = {0};
    ko_ice_manifest_file mf;
    write_manifest(&fx, KO_ICE_MANIFEST_DATA, e, 4, &file, &mf);
    ko_ice_type pt;
    ko_err err = {0};
    TU_OK(ko_ice_spec_partition_type(&fx.spec, &fx.schema, &fx.arena, &pt, &err), &err);
    assert_int_equal(mf.n_partitions, 9);
    /* name: "alpha", "beta", null, "zulu"; "" sorts first but 2 is null. */
    assert_true(mf.partitions[0].contains_null);
    ko_ice_value lo = decode(&pt.fields[0].type, mf.partitions[0].lower_bound);
    ko_ice_value hi = decode(&pt.fields[0].type, mf.partitions[0].upper_bound);
    assert_int_equal(lo.len, 5);
    assert_memory_equal(lo.bytes, "alpha", 5);
    assert_memory_equal(hi.bytes, "zulu", 4);
    /* bucket: 0, 5, 10, 15 */
    assert_false(mf.partitions[1].contains_null);
    assert_int_equal(decode(&pt.fields[1].type, mf.partitions[1].lower_bound).i, 0);
    assert_int_equal(decode(&pt.fields[1].type, mf.partitions[1].upper_bound).i, 15);
    /* decimal: -123.45 and 999999999.99 */
    ko_ice_value dlo = decode(&pt.fields[4].type, mf.partitions[4].lower_bound);
    assert_int_equal(dlo.i, -12345);
    assert_int_equal(decode(&pt.fields[4].type, mf.partitions[4].upper_bound).i, 99999999999LL);
    /* float: 0, 1.5, 3 and a NaN */
    assert_true(mf.partitions[7].has_contains_nan);
    assert_true(mf.partitions[7].contains_nan);
    assert_true(decode(&pt.fields[7].type, mf.partitions[7].upper_bound).d == 3.0);
    assert_false(mf.partitions[6].contains_nan);

    /* Summaries survive the manifest list. */
    ko_buf list = {0};
    ko_ice_manifest_list_write_opts lo_opts = {
        .snapshot_id = 555, .parent_snapshot_id = -1, .sequence_number = 9};
    TU_OK(ko_ice_manifest_list_write(&lo_opts, &mf, 1, &list, &err), &err);
    ko_ice_manifest_file *back = NULL;
    size_t n = 0;
    TU_OK(ko_ice_manifest_list_read(list.data, list.len, "snap.avro", &fx.arena, &back, &n, &err),
          &err);
    assert_int_equal(n, 1);
    assert_string_equal(back[0].manifest_path, mf.manifest_path);
    assert_int_equal(back[0].manifest_length, mf.manifest_length);
    assert_int_equal(back[0].partition_spec_id, 4);
    assert_int_equal(back[0].sequence_number, 9);
    assert_int_equal(back[0].min_sequence_number, 9);
    assert_int_equal(back[0].added_snapshot_id, 555);
    assert_int_equal(back[0].added_files_count, 4);
    assert_int_equal(back[0].added_rows_count, 100 + 101 + 102 + 103);
    assert_int_equal(back[0].n_partitions, 9);
    for (uint32_t k = 0; k < 9; k++) {
        assert_int_equal(back[0].partitions[k].contains_null, mf.partitions[k].contains_null);
        assert_int_equal(back[0].partitions[k].contains_nan, mf.partitions[k].contains_nan);
        assert_bytes_equal(back[0].partitions[k].lower_bound, mf.partitions[k].lower_bound);
        assert_bytes_equal(back[0].partitions[k].upper_bound, mf.partitions[k].upper_bound);
    }
    assert_null(back[0].key_metadata.ptr);

    /* Header of the list. */
    ko_avro_reader *r = NULL;
    TU_OK(ko_avro_reader_open(list.data, list.len, &fx.arena, &r, &err), &err);
    assert_string_equal(ko_avro_reader_meta_get(r, "snapshot-id", NULL), "555");
    assert_string_equal(ko_avro_reader_meta_get(r, "parent-snapshot-id", NULL), "null");
    assert_string_equal(ko_avro_reader_meta_get(r, "sequence-number", NULL), "9");
    assert_string_equal(ko_avro_reader_meta_get(r, "format-version", NULL), "2");
    assert_int_equal(ko_avro_reader_codec(r), KO_AVRO_CODEC_DEFLATE);
    const ko_avro_field *f = ko_avro_schema_field(ko_avro_reader_schema(r), "min_sequence_number");
    assert_true(f && f->has_field_id && f->field_id == 516);
    ko_avro_reader_close(r);
    ko_buf_free(&list);
    ko_buf_free(&file);
    ko_arena_free(&fx.arena);
}

static void test_manifest_header(void **state)
{
    (void)state;
    fixture fx;
    fixture_init(&fx);
    ko_ice_manifest_entry e = data_entry(&fx, 0, KO_ICE_ENTRY_ADDED);
    ko_buf file = {0};
    write_manifest(&fx, KO_ICE_MANIFEST_DATA, &e, 1, &file, NULL);
    ko_err err = {0};
    ko_avro_reader *r = NULL;
    TU_OK(ko_avro_reader_open(file.data, file.len, &fx.arena, &r, &err), &err);
    assert_int_equal(ko_avro_reader_codec(r), KO_AVRO_CODEC_DEFLATE);
    assert_string_equal(ko_avro_reader_meta_get(r, "format-version", NULL), "2");
    assert_string_equal(ko_avro_reader_meta_get(r, "content", NULL), "data");
    assert_string_equal(ko_avro_reader_meta_get(r, "schema-id", NULL), "3");
    assert_string_equal(ko_avro_reader_meta_get(r, "partition-spec-id", NULL), "4");
    const char *ps = ko_avro_reader_meta_get(r, "partition-spec", NULL);
    assert_non_null(ps);
    assert_int_equal(ps[0], '[');
    assert_non_null(strstr(ps, "\"transform\":\"bucket[16]\""));
    assert_non_null(strstr(ps, "\"field-id\":1000"));
    const char *schema = ko_avro_reader_meta_get(r, "schema", NULL);
    assert_non_null(strstr(schema, "\"schema-id\":3"));
    /* The partition record: field ids, Avro-compatible names, types. */
    size_t len = 0;
    const char *avro = ko_avro_reader_schema_json(r, &len);
    assert_non_null(strstr(avro, "{\"type\":\"record\",\"name\":\"r102\",\"fields\":[{\"name\":"
                                 "\"name\",\"type\":[\"null\",\"string\"],\"default\":null,"
                                 "\"field-id\":1000}"));
    assert_non_null(strstr(avro, "\"name\":\"Odd_x20Name_trunc\""));
    assert_non_null(strstr(avro, "\"logicalType\":\"decimal\",\"precision\":12,\"scale\":2"));
    assert_non_null(strstr(avro, "\"name\":\"uuid_fixed\",\"size\":16"));
    assert_non_null(strstr(avro, "\"field-id\":102"));
    assert_non_null(strstr(avro, "\"element-id\":133"));
    const ko_avro_schema *s = ko_avro_reader_schema(r);
    const ko_avro_schema *df = ko_avro_schema_field(s, "data_file")->type;
    const ko_avro_schema *part = ko_avro_schema_field(df, "partition")->type;
    assert_int_equal(part->n_fields, 9);
    for (size_t i = 0; i < 9; i++) {
        assert_true(part->fields[i].has_field_id);
        assert_int_equal(part->fields[i].field_id, 1000 + (int)i);
    }
    ko_avro_reader_close(r);
    ko_buf_free(&file);
    ko_arena_free(&fx.arena);
}

static void test_delete_manifest(void **state)
{
    (void)state;
    fixture fx;
    fixture_init(&fx);
    ko_ice_manifest_entry e[2] = {data_entry(&fx, 0, KO_ICE_ENTRY_ADDED),
                                  data_entry(&fx, 1, KO_ICE_ENTRY_ADDED)};
    e[0].data_file.content = KO_ICE_CONTENT_POSITION_DELETES;
    e[0].data_file.sort_order_id = -1;
    e[0].data_file.referenced_data_file = "s3://b/t/data/f0.parquet";
    int32_t ids[2] = {2, 1};
    e[1].data_file.content = KO_ICE_CONTENT_EQUALITY_DELETES;
    e[1].data_file.equality_ids = ids;
    e[1].data_file.n_equality_ids = 2;
    e[1].data_file.lower_bounds = NULL; /* metrics may be absent */
    e[1].data_file.n_lower_bounds = 0;
    e[1].data_file.column_sizes = NULL;
    e[1].data_file.n_column_sizes = 0;
    ko_buf file = {0};
    ko_ice_manifest_file mf;
    write_manifest(&fx, KO_ICE_MANIFEST_DELETES, e, 2, &file, &mf);
    assert_int_equal(mf.content, KO_ICE_MANIFEST_DELETES);
    ko_err err = {0};
    ko_ice_manifest m;
    TU_OK(ko_ice_manifest_read(file.data, file.len, "d.avro", &mf, NULL, &fx.arena, &m, &err),
          &err);
    assert_int_equal(m.content, KO_ICE_MANIFEST_DELETES);
    assert_int_equal(m.n_entries, 2);
    assert_file_equal(&e[0].data_file, &m.entries[0].data_file);
    assert_file_equal(&e[1].data_file, &m.entries[1].data_file);
    assert_null(m.entries[1].data_file.lower_bounds);
    ko_buf_free(&file);
    ko_arena_free(&fx.arena);
}

static void test_unpartitioned(void **state)
{
    (void)state;
    fixture fx;
    fixture_init(&fx);
    ko_ice_manifest_entry e = data_entry(&fx, 0, KO_ICE_ENTRY_ADDED);
    e.data_file.n_partition = 0;
    ko_err err = {0};
    ko_buf file = {0};
    ko_ice_manifest_file mf;
    ko_ice_manifest_write_opts o = {
        .schema = &fx.schema, .path = "u.avro", .snapshot_id = 1, .sequence_number = 1};
    TU_OK(ko_ice_manifest_write(&o, &e, 1, &file, &mf, &fx.arena, &err), &err);
    assert_int_equal(mf.partition_spec_id, 0);
    assert_non_null(mf.partitions);
    assert_int_equal(mf.n_partitions, 0);
    ko_ice_manifest m;
    TU_OK(ko_ice_manifest_read(file.data, file.len, "u.avro", &mf, NULL, &fx.arena, &m, &err),
          &err);
    assert_int_equal(m.entries[0].data_file.n_partition, 0);
    assert_int_equal(m.spec.n_fields, 0);
    /* An empty list round-trips as [] (Java writes that too). */
    ko_buf list = {0};
    ko_ice_manifest_list_write_opts lo = {.snapshot_id = 1, .parent_snapshot_id = 7};
    TU_OK(ko_ice_manifest_list_write(&lo, &mf, 1, &list, &err), &err);
    ko_ice_manifest_file *back;
    size_t n;
    TU_OK(ko_ice_manifest_list_read(list.data, list.len, "l", &fx.arena, &back, &n, &err), &err);
    assert_non_null(back[0].partitions);
    assert_int_equal(back[0].n_partitions, 0);
    ko_buf_free(&list);
    ko_buf_free(&file);
    ko_arena_free(&fx.arena);
}

static void expect_invalid(fixture *fx, ko_ice_manifest_content c, ko_ice_manifest_entry e,
                           const char *needle)
{
    ko_err err = {0};
    ko_buf file = {0};
    ko_ice_manifest_write_opts o = {.schema = &fx->schema,
                                    .spec = &fx->spec,
                                    .content = c,
                                    .path = "x.avro",
                                    .snapshot_id = 1,
                                    .sequence_number = 1};
    assert_int_equal(ko_ice_manifest_write(&o, &e, 1, &file, NULL, &fx->arena, &err),
                     KO_ERR_INVALID);
    if (!strstr(err.msg, needle))
        fail_msg("message '%s' lacks '%s'", err.msg, needle);
    assert_int_equal(file.len, 0);
    ko_buf_free(&file);
}

static void test_bad_entries(void **state)
{
    (void)state;
    fixture fx;
    fixture_init(&fx);
    ko_ice_manifest_entry e = data_entry(&fx, 0, KO_ICE_ENTRY_ADDED);
    expect_invalid(&fx, KO_ICE_MANIFEST_DELETES, e, "a data file in a delete manifest");
    ko_ice_manifest_entry x = data_entry(&fx, 0, KO_ICE_ENTRY_EXISTING);
    x.sequence_number = KO_ICE_NULL_ID;
    expect_invalid(&fx, KO_ICE_MANIFEST_DATA, x, "inherit");
    x = e;
    x.data_file.n_partition = 3;
    expect_invalid(&fx, KO_ICE_MANIFEST_DATA, x, "partition");
    x = e;
    x.data_file.partition = tuple(&fx, 0);
    x.data_file.partition[1] = ko_ice_value_string("nope");
    expect_invalid(&fx, KO_ICE_MANIFEST_DATA, x, "id_bucket");
    x = e;
    x.data_file.content = KO_ICE_CONTENT_EQUALITY_DELETES;
    expect_invalid(&fx, KO_ICE_MANIFEST_DELETES, x, "equality_ids");
    ko_arena_free(&fx.arena);
}

static void test_damaged_files(void **state)
{
    (void)state;
    fixture fx;
    fixture_init(&fx);
    ko_ice_manifest_entry e = data_entry(&fx, 0, KO_ICE_ENTRY_ADDED);
    ko_buf file = {0};
    write_manifest(&fx, KO_ICE_MANIFEST_DATA, &e, 1, &file, NULL);
    for (size_t cut = 0; cut < file.len; cut += 7) {
        ko_err err = {0};
        ko_ice_manifest m;
        ko_arena a = {0};
        ko_status st = ko_ice_manifest_read(file.data, cut, "cut.avro", NULL, NULL, &a, &m, &err);
        assert_int_not_equal(st, KO_OK);
        if (!strstr(err.msg, "cut.avro"))
            fail_msg("message '%s' does not name the file", err.msg);
        ko_arena_free(&a);
    }
    /* A manifest list is not a manifest. */
    ko_buf list = {0};
    ko_ice_manifest_file mf = {.manifest_path = "p", .partitions = NULL};
    ko_err err = {0};
    ko_ice_manifest_list_write_opts lo = {.snapshot_id = 1, .parent_snapshot_id = -1};
    TU_OK(ko_ice_manifest_list_write(&lo, &mf, 1, &list, &err), &err);
    ko_ice_manifest m;
    assert_int_equal(
        ko_ice_manifest_read(list.data, list.len, "l.avro", NULL, NULL, &fx.arena, &m, &err),
        KO_ERR_CORRUPT);
    /* Null counts cannot be written in v2. */
    mf.added_rows_count = -1;
    assert_int_equal(ko_ice_manifest_list_write(&lo, &mf, 1, &list, &err), KO_ERR_INVALID);
    ko_buf_free(&list);
    ko_buf_free(&file);
    ko_arena_free(&fx.arena);
}

/* ------------------------------------------------------------- bunnies */

static uint8_t *read_bunny(const char *name, size_t *len)
{
    const char *td = getenv("KO_TESTDATA");
    char path[4096];
    snprintf(path, sizeof path, "%s/iceberg/java/bunnies/metadata/%s",
             td ? td : "../shared/testdata", name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s (set KO_TESTDATA)", path);
    ko_buf b = {0};
    uint8_t tmp[65536];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
        assert_int_equal(ko_buf_append(&b, tmp, n), KO_OK);
    fclose(f);
    return ko_buf_detach(&b, len);
}

static void test_bunnies(void **state)
{
    (void)state;
    ko_arena a = {0};
    ko_err err = {0};
    size_t len = 0, n = 0;
    uint8_t *list =
        read_bunny("snap-9158179788527662767-1-a01399a1-e864-4562-b921-c8cb56e6e4a9.avro", &len);
    ko_ice_manifest_file *mfs = NULL;
    TU_OK(ko_ice_manifest_list_read(list, len, "snap", &a, &mfs, &n, &err), &err);
    assert_int_equal(n, 4); /* new data and deletes, and the two older manifests */
    int deletes = 0;
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(mfs[i].partition_spec_id, 0);
        deletes += mfs[i].content == KO_ICE_MANIFEST_DELETES;
        const char *base = strrchr(mfs[i].manifest_path, '/') + 1;
        assert_true(strncmp(mfs[i].manifest_path, "s3a://hyperparam-iceberg/java/bunnies/", 38) ==
                    0);
        size_t mlen = 0;
        uint8_t *mdata = read_bunny(base, &mlen);
        assert_int_equal(mlen, mfs[i].manifest_length);
        ko_ice_manifest m;
        TU_OK(ko_ice_manifest_read(mdata, mlen, base, &mfs[i], NULL, &a, &m, &err), &err);
        assert_int_equal(m.format_version, 2);
        assert_int_equal(m.content, mfs[i].content);
        for (size_t k = 0; k < m.n_entries; k++) {
            const ko_ice_manifest_entry *e = &m.entries[k];
            assert_true(e->snapshot_id > 0);
            assert_true(e->sequence_number >= 1 && e->sequence_number <= 3);
            if (e->data_file.content == KO_ICE_CONTENT_EQUALITY_DELETES) {
                assert_int_equal(e->data_file.n_equality_ids, 1);
                assert_int_equal(e->sequence_number, 3);
            }
            if (e->data_file.content == KO_ICE_CONTENT_POSITION_DELETES)
                assert_int_equal(e->data_file.record_count, 6);
        }
        free(mdata);
    }
    assert_int_equal(deletes, 2);
    free(list);
    ko_arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_data_manifest_round_trip),
        cmocka_unit_test(test_partition_summaries),
        cmocka_unit_test(test_manifest_header),
        cmocka_unit_test(test_delete_manifest),
        cmocka_unit_test(test_unpartitioned),
        cmocka_unit_test(test_bad_entries),
        cmocka_unit_test(test_damaged_files),
        cmocka_unit_test(test_bunnies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
