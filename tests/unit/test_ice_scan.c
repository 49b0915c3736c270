/*
 * test_ice_scan.c - predicates, pruning, scan planning and reading
 * (src/iceberg/scan_expr.c, scan.c, scan_read.c, table_read.c).
 *
 * Pure parts on synthetic values: value ordering; file pruning by bounds
 * and null counts; partition pruning through identity, bucket, day and
 * truncate; manifest pruning by partition summaries; which delete files a
 * plan attaches to which data file (sequence numbers, partitions, global
 * equality deletes, referenced_data_file).
 *
 * End to end on a table built here in a temporary directory whose metadata
 * records another location (s3a://bucket/wh/t): files with field ids and
 * without (read through the name mapping), a renamed column, an int
 * promoted to long, a field added inside a struct and a new top-level
 * column, a position delete, equality deletes on a column and on a
 * nullable column (nulls equal) with sequence numbers deciding where they
 * apply, time travel, and pruning by column bounds.
 */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iceberg/iceberg.h"

/* ================================================================ values */

static void test_value_compare(void **state)
{
    (void)state;
    ko_ice_value a = ko_ice_value_long(5), b = ko_ice_value_long(7),
                 n = ko_ice_value_null(KO_ICE_LONG);
    assert_true(ko_ice_value_compare(&a, &b) < 0);
    assert_true(ko_ice_value_compare(&b, &a) > 0);
    assert_int_equal(ko_ice_value_compare(&a, &a), 0);
    assert_true(ko_ice_value_compare(&n, &a) < 0);
    ko_ice_value i = ko_ice_value_int(6);
    assert_true(ko_ice_value_compare(&a, &i) < 0); /* int vs long */
    ko_ice_value nz = ko_ice_value_double(-0.0), pz = ko_ice_value_double(0.0),
                 nan = ko_ice_value_double(NAN), big = ko_ice_value_double(1e300);
    assert_true(ko_ice_value_compare(&nz, &pz) < 0);
    assert_true(ko_ice_value_compare(&big, &nan) < 0);
    ko_ice_value s1 = ko_ice_value_string("ab"), s2 = ko_ice_value_string("abc"),
                 s3 = ko_ice_value_string("\xc3\xa9"); /* é sorts after ASCII */
    assert_true(ko_ice_value_compare(&s1, &s2) < 0);
    assert_true(ko_ice_value_compare(&s2, &s3) < 0);
    ko_ice_value d1 = ko_ice_value_decimal(-100, 2), d2 = ko_ice_value_decimal(3, 2);
    assert_true(ko_ice_value_compare(&d1, &d2) < 0);
}

/* ============================================================= pruning */

static const char k_schema[] =
    "{\"type\":\"struct\",\"schema-id\":0,\"fields\":["
    "{\"id\":1,\"name\":\"id\",\"required\":true,\"type\":\"long\"},"
    "{\"id\":2,\"name\":\"name\",\"required\":false,\"type\":\"string\"},"
    "{\"id\":3,\"name\":\"ts\",\"required\":false,\"type\":\"timestamp\"},"
    "{\"id\":4,\"name\":\"x\",\"required\":false,\"type\":\"double\"}]}";

typedef struct pfx {
    ko_arena arena;
    ko_ice_schema schema;
    ko_ice_partition_spec spec; /* name, bucket(4, id), day(ts), truncate(2, name) */
} pfx;

static void pfx_init(pfx *p)
{
    ko_err err = {0};
    memset(p, 0, sizeof *p);
    TU_OK(ko_ice_schema_parse(k_schema, strlen(k_schema), &p->arena, &p->schema, &err), &err);
    int32_t last = 999;
    TU_OK(ko_ice_spec_parse_text("name, bucket(4, id), day(ts), truncate(2, name)", &p->schema, 0,
                                 &last, &p->arena, &p->spec, &err),
          &err);
}

static ko_ice_id_bound bound_long(ko_arena *a, int32_t id, int64_t v)
{
    int64_t *p = ko_arena_alloc(a, 8);
    *p = v;
    return (ko_ice_id_bound){id, {(const uint8_t *)p, 8}};
}

static ko_ice_data_file metrics_file(pfx *p, int64_t lo, int64_t hi, int64_t nulls_x)
{
    ko_ice_data_file f = {.content = KO_ICE_CONTENT_DATA, .record_count = 10, .sort_order_id = -1};
    ko_ice_id_bound *lb = ko_arena_calloc(&p->arena, 1, sizeof *lb);
    ko_ice_id_bound *ub = ko_arena_calloc(&p->arena, 1, sizeof *ub);
    ko_ice_id_count *vc = ko_arena_calloc(&p->arena, 2, sizeof *vc);
    ko_ice_id_count *nc = ko_arena_calloc(&p->arena, 2, sizeof *nc);
    lb[0] = bound_long(&p->arena, 1, lo);
    ub[0] = bound_long(&p->arena, 1, hi);
    vc[0] = (ko_ice_id_count){1, 10};
    vc[1] = (ko_ice_id_count){4, 10};
    nc[0] = (ko_ice_id_count){1, 0};
    nc[1] = (ko_ice_id_count){4, nulls_x};
    f.lower_bounds = lb;
    f.n_lower_bounds = 1;
    f.upper_bounds = ub;
    f.n_upper_bounds = 1;
    f.value_counts = vc;
    f.n_value_counts = 2;
    f.null_value_counts = nc;
    f.n_null_value_counts = 2;
    return f;
}

static void test_file_pruning(void **state)
{
    (void)state;
    pfx p;
    pfx_init(&p);
    ko_arena *a = &p.arena;
    ko_ice_data_file f = metrics_file(&p, 10, 20, 10); /* x all null */
    struct {
        ko_ice_pred_op op;
        int64_t v;
        bool may;
    } cases[] = {
        {KO_ICE_PRED_EQ, 5, false},  {KO_ICE_PRED_EQ, 10, true},  {KO_ICE_PRED_EQ, 15, true},
        {KO_ICE_PRED_EQ, 21, false}, {KO_ICE_PRED_LT, 10, false}, {KO_ICE_PRED_LT, 11, true},
        {KO_ICE_PRED_LE, 10, true},  {KO_ICE_PRED_LE, 9, false},  {KO_ICE_PRED_GT, 20, false},
        {KO_ICE_PRED_GT, 19, true},  {KO_ICE_PRED_GE, 20, true},  {KO_ICE_PRED_GE, 21, false},
    };
    for (size_t i = 0; i < KO_ARRAY_LEN(cases); i++) {
        ko_ice_pred *q = ko_ice_pred_cmp(a, cases[i].op, 1, ko_ice_value_long(cases[i].v));
        if (ko_ice_pred_eval_file(q, &p.schema, &f) != cases[i].may)
            fail_msg("case %zu: op %d %lld", i, cases[i].op, (long long)cases[i].v);
    }
    /* An int literal on a long column. */
    assert_false(ko_ice_pred_eval_file(ko_ice_pred_cmp(a, KO_ICE_PRED_EQ, 1, ko_ice_value_int(3)),
                                       &p.schema, &f));
    /* Null tests: id has no nulls (and is required), x only nulls. */
    assert_false(ko_ice_pred_eval_file(ko_ice_pred_null(a, true, 1), &p.schema, &f));
    assert_true(ko_ice_pred_eval_file(ko_ice_pred_null(a, false, 1), &p.schema, &f));
    assert_true(ko_ice_pred_eval_file(ko_ice_pred_null(a, true, 4), &p.schema, &f));
    assert_false(ko_ice_pred_eval_file(ko_ice_pred_null(a, false, 4), &p.schema, &f));
    assert_false(ko_ice_pred_eval_file(
        ko_ice_pred_cmp(a, KO_ICE_PRED_GT, 4, ko_ice_value_double(1)), &p.schema, &f));
    /* No metrics for name: maybe. */
    assert_true(ko_ice_pred_eval_file(
        ko_ice_pred_cmp(a, KO_ICE_PRED_EQ, 2, ko_ice_value_string("zz")), &p.schema, &f));
    /* AND / OR. */
    const ko_ice_pred *no = ko_ice_pred_cmp(a, KO_ICE_PRED_EQ, 1, ko_ice_value_long(99));
    const ko_ice_pred *yes = ko_ice_pred_cmp(a, KO_ICE_PRED_EQ, 1, ko_ice_value_long(12));
    assert_false(ko_ice_pred_eval_file(ko_ice_pred_and(a, yes, no), &p.schema, &f));
    assert_true(ko_ice_pred_eval_file(ko_ice_pred_or(a, no, yes), &p.schema, &f));
    /* Empty files never match. */
    f.record_count = 0;
    assert_false(ko_ice_pred_eval_file(yes, &p.schema, &f));
    /* Checks. */
    ko_err err = {0};
    TU_OK(ko_ice_pred_check(ko_ice_pred_and(a, yes, no), &p.schema, &err), &err);
    assert_int_equal(ko_ice_pred_check(ko_ice_pred_cmp(a, KO_ICE_PRED_EQ, 9, ko_ice_value_long(1)),
                                       &p.schema, &err),
                     KO_ERR_INVALID);
    assert_int_equal(ko_ice_pred_check(ko_ice_pred_cmp(a, KO_ICE_PRED_EQ, 2, ko_ice_value_long(1)),
                                       &p.schema, &err),
                     KO_ERR_INVALID);
    ko_arena_free(a);
}

static const ko_ice_value *row_lookup(void *ctx, int32_t id)
{
    const ko_ice_value *row = ctx;
    return id >= 1 && id <= 4 ? &row[id - 1] : NULL;
}

static void test_row_eval(void **state)
{
    (void)state;
    pfx p;
    pfx_init(&p);
    ko_arena *a = &p.arena;
    ko_ice_value row[4] = {ko_ice_value_long(3), ko_ice_value_string("bob"),
                           ko_ice_value_null(KO_ICE_TIMESTAMP), ko_ice_value_double(NAN)};
    assert_true(ko_ice_pred_eval_row(ko_ice_pred_cmp(a, KO_ICE_PRED_LE, 1, ko_ice_value_long(3)),
                                     row_lookup, row));
    assert_false(ko_ice_pred_eval_row(
        ko_ice_pred_cmp(a, KO_ICE_PRED_EQ, 2, ko_ice_value_string("bo")), row_lookup, row));
    assert_true(ko_ice_pred_eval_row(ko_ice_pred_null(a, true, 3), row_lookup, row));
    assert_false(ko_ice_pred_eval_row(
        ko_ice_pred_cmp(a, KO_ICE_PRED_GT, 3, ko_ice_value_int_of(KO_ICE_TIMESTAMP, 0)), row_lookup,
        row));
    assert_false(ko_ice_pred_eval_row(ko_ice_pred_cmp(a, KO_ICE_PRED_GT, 4, ko_ice_value_double(0)),
                                      row_lookup, row));
    ko_arena_free(a);
}

/* A partition tuple for (name, id, ts). */
static ko_ice_value *tuple_of(pfx *p, const char *name, int64_t id, int64_t ts_us)
{
    ko_ice_value *t = ko_arena_calloc(&p->arena, 4, sizeof *t);
    ko_ice_value src[3] = {name ? ko_ice_value_string(name) : ko_ice_value_null(KO_ICE_STRING),
                           ko_ice_value_long(id), ko_ice_value_int_of(KO_ICE_TIMESTAMP, ts_us)};
    const int32_t source_index[4] = {0, 1, 2, 0};
    for (uint32_t k = 0; k < 4; k++) {
        const ko_ice_partition_field *pf = &p->spec.fields[k];
        const ko_ice_field *f = ko_ice_schema_find_id(&p->schema, pf->source_id);
        ko_err err = {0};
        TU_OK(ko_ice_transform_apply(&pf->transform, &f->type, &src[source_index[k]], &t[k], &err),
              &err);
    }
    return t;
}

static void test_partition_pruning(void **state)
{
    (void)state;
    pfx p;
    pfx_init(&p);
    ko_arena *a = &p.arena;
    const int64_t day = 86400000000LL;
    ko_ice_value *t = tuple_of(&p, "carol", 42, 100 * day + 5);
    const ko_ice_partition_spec *s = &p.spec;
#define MAY(pred) ko_ice_pred_eval_partition((pred), s, &p.schema, t)
    assert_true(MAY(ko_ice_pred_cmp(a, KO_ICE_PRED_EQ, 2, ko_ice_value_string("carol"))));
    assert_false(MAY(ko_ice_pred_cmp(a, KO_ICE_PRED_EQ, 2, ko_ice_value_string("carl"))));
    assert_false(MAY(ko_ice_pred_cmp(a, KO_ICE_PRED_LT, 2, ko_ice_value_string("carol"))));
    assert_true(MAY(ko_ice_pred_cmp(a, KO_ICE_PRED_LE, 2, ko_ice_value_string("carol"))));
    /* bucket: only equality prunes. */
    assert_true(MAY(ko_ice_pred_cmp(a, KO_ICE_PRED_EQ, 1, ko_ice_value_long(42))));
    int misses = 0;
    for (int64_t id = 0; id < 8; id++)
        misses += !MAY(ko_ice_pred_cmp(a, KO_ICE_PRED_EQ, 1, ko_ice_value_long(id)));
    assert_true(misses > 0 && misses < 8);
    assert_true(MAY(ko_ice_pred_cmp(a, KO_ICE_PRED_GT, 1, ko_ice_value_long(1000))));
    /* day(ts): ts < day 100 00:00 cannot match day 100; ts < day 100 + 1us can. */
    assert_false(MAY(
        ko_ice_pred_cmp(a, KO_ICE_PRED_LT, 3, ko_ice_value_int_of(KO_ICE_TIMESTAMP, 100 * day))));
    assert_true(MAY(ko_ice_pred_cmp(a, KO_ICE_PRED_LT, 3,
                                    ko_ice_value_int_of(KO_ICE_TIMESTAMP, 100 * day + 1))));
    assert_true(MAY(ko_ice_pred_cmp(a, KO_ICE_PRED_GE, 3,
                                    ko_ice_value_int_of(KO_ICE_TIMESTAMP, 100 * day + 999))));
    assert_false(MAY(
        ko_ice_pred_cmp(a, KO_ICE_PRED_GE, 3, ko_ice_value_int_of(KO_ICE_TIMESTAMP, 101 * day))));
    /* Null tests go through identity: name is not null here. */
    assert_false(MAY(ko_ice_pred_null(a, true, 2)));
    /* x is not partitioned: maybe. */
    assert_true(MAY(ko_ice_pred_cmp(a, KO_ICE_PRED_EQ, 4, ko_ice_value_double(1))));
    /* A null partition value. */
    t = tuple_of(&p, NULL, 1, 0);
    assert_true(MAY(ko_ice_pred_null(a, true, 2)));
    assert_false(MAY(ko_ice_pred_cmp(a, KO_ICE_PRED_EQ, 2, ko_ice_value_string("x"))));
#undef MAY
    ko_arena_free(a);
}

static ko_ice_bytes bytes_of(pfx *p, const ko_ice_type *t, ko_ice_value v)
{
    ko_buf b = {0};
    ko_err err = {0};
    TU_OK(ko_ice_value_to_bytes(t, &v, &b, &err), &err);
    uint8_t *c = ko_arena_alloc(&p->arena, b.len + 1);
    memcpy(c, b.data, b.len);
    ko_ice_bytes r = {c, b.len};
    ko_buf_free(&b);
    return r;
}

static void test_manifest_pruning(void **state)
{
    (void)state;
    pfx p;
    pfx_init(&p);
    ko_arena *a = &p.arena;
    ko_ice_type pt;
    ko_err err = {0};
    TU_OK(ko_ice_spec_partition_type(&p.spec, &p.schema, a, &pt, &err), &err);
    ko_ice_field_summary sums[4] = {0};
    sums[0] = (ko_ice_field_summary){
        .contains_null = false,
        .lower_bound = bytes_of(&p, &pt.fields[0].type, ko_ice_value_string("b")),
        .upper_bound = bytes_of(&p, &pt.fields[0].type, ko_ice_value_string("d"))};
    sums[2] = (ko_ice_field_summary){
        .contains_null = true,
        .lower_bound = bytes_of(&p, &pt.fields[2].type, ko_ice_value_int_of(KO_ICE_DATE, 10)),
        .upper_bound = bytes_of(&p, &pt.fields[2].type, ko_ice_value_int_of(KO_ICE_DATE, 20))};
    sums[1].contains_null = sums[3].contains_null = false;
    ko_ice_manifest_file mf = {.partitions = sums, .n_partitions = 4, .added_files_count = 1};
#define MAY(pred) ko_ice_pred_eval_manifest((pred), &p.spec, &p.schema, &mf)
    assert_true(MAY(ko_ice_pred_cmp(a, KO_ICE_PRED_EQ, 2, ko_ice_value_string("c"))));
    assert_false(MAY(ko_ice_pred_cmp(a, KO_ICE_PRED_EQ, 2, ko_ice_value_string("e"))));
    assert_false(MAY(ko_ice_pred_cmp(a, KO_ICE_PRED_LT, 2, ko_ice_value_string("b"))));
    assert_false(MAY(ko_ice_pred_null(a, true, 2)));
    const int64_t day = 86400000000LL;
    assert_false(MAY(
        ko_ice_pred_cmp(a, KO_ICE_PRED_GT, 3, ko_ice_value_int_of(KO_ICE_TIMESTAMP, 21 * day))));
    assert_true(MAY(
        ko_ice_pred_cmp(a, KO_ICE_PRED_GT, 3, ko_ice_value_int_of(KO_ICE_TIMESTAMP, 20 * day))));
    assert_true(MAY(ko_ice_pred_null(a, true, 3)));
    /* OR of a miss and a hit. */
    assert_true(
        MAY(ko_ice_pred_or(a, ko_ice_pred_cmp(a, KO_ICE_PRED_EQ, 2, ko_ice_value_string("z")),
                           ko_ice_pred_cmp(a, KO_ICE_PRED_EQ, 2, ko_ice_value_string("c")))));
    /* Summaries without bounds (all null): comparisons cannot match. */
    sums[0] = (ko_ice_field_summary){.contains_null = true, .has_contains_nan = true};
    sums[3] = sums[0]; /* truncate(name) is null where name is */
    assert_false(MAY(ko_ice_pred_cmp(a, KO_ICE_PRED_EQ, 2, ko_ice_value_string("c"))));
    assert_true(MAY(ko_ice_pred_null(a, true, 2)));
#undef MAY
    ko_arena_free(a);
}

/* ============================================================ planning */

/* Builds a manifest of one entry per file, status ADDED, with seq. */
static ko_ice_manifest one_manifest(ko_arena *a, ko_ice_manifest_content c, ko_ice_data_file *files,
                                    size_t n, int64_t seq)
{
    ko_ice_manifest m = {.format_version = 2, .content = c};
    m.entries = ko_arena_calloc(a, n, sizeof *m.entries);
    m.n_entries = n;
    for (size_t i = 0; i < n; i++)
        m.entries[i] = (ko_ice_manifest_entry){.status = KO_ICE_ENTRY_ADDED,
                                               .snapshot_id = 1,
                                               .sequence_number = seq,
                                               .file_sequence_number = seq,
                                               .data_file = files[i]};
    return m;
}

static ko_ice_data_file pfile(pfx *p, const char *path, ko_ice_file_content c, int32_t spec_id,
                              const char *name)
{
    ko_ice_data_file f = {.content = c,
                          .file_path = path,
                          .file_format = "PARQUET",
                          .record_count = 5,
                          .spec_id = spec_id,
                          .sort_order_id = -1};
    if (spec_id == 1) {
        f.partition = ko_arena_calloc(&p->arena, 1, sizeof *f.partition);
        f.partition[0] = ko_ice_value_string(name);
        f.n_partition = 1;
    }
    return f;
}

static bool has_delete(const ko_ice_scan_task *t, const char *path)
{
    for (uint32_t i = 0; i < t->n_deletes; i++)
        if (strcmp(t->deletes[i].file->file_path, path) == 0)
            return true;
    return false;
}

static void test_plan_deletes(void **state)
{
    (void)state;
    pfx p;
    pfx_init(&p);
    ko_err err = {0};
    ko_arena *a = &p.arena;
    /* Metadata with spec 0 (unpartitioned) and spec 1 (identity name). */
    ko_ice_table_meta m;
    ko_ice_meta_create_opts co = {.schema = &p.schema, .location = "s3://b/t", .now_ms = 1};
    TU_OK(ko_ice_meta_create(&co, a, &m, &err), &err);
    ko_ice_partition_spec s1;
    int32_t last = 999;
    TU_OK(ko_ice_spec_parse_text("name", &p.schema, 1, &last, a, &s1, &err), &err);
    int32_t sid = 0;
    TU_OK(ko_ice_meta_add_spec(&m, &s1, false, a, &sid, &err), &err);
    assert_int_equal(sid, 1);

    ko_ice_data_file data[3] = {pfile(&p, "d/a1", KO_ICE_CONTENT_DATA, 1, "a"),
                                pfile(&p, "d/b1", KO_ICE_CONTENT_DATA, 1, "b"),
                                pfile(&p, "d/a2", KO_ICE_CONTENT_DATA, 1, "a")};
    ko_ice_data_file dels2[3] = {pfile(&p, "x/pos-a", KO_ICE_CONTENT_POSITION_DELETES, 1, "a"),
                                 pfile(&p, "x/pos-ref", KO_ICE_CONTENT_POSITION_DELETES, 1, "a"),
                                 pfile(&p, "x/eq-a", KO_ICE_CONTENT_EQUALITY_DELETES, 1, "a")};
    dels2[1].referenced_data_file = "d/a2";
    ko_ice_data_file dels3[2] = {pfile(&p, "x/eq-global", KO_ICE_CONTENT_EQUALITY_DELETES, 0, NULL),
                                 pfile(&p, "x/empty", KO_ICE_CONTENT_EQUALITY_DELETES, 0, NULL)};
    dels3[1].record_count = 0;
    /* Data a1 and b1 at seq 1, a2 at seq 2; deletes at seq 2 and 3. */
    ko_ice_manifest ms[4] = {
        one_manifest(a, KO_ICE_MANIFEST_DATA, data, 2, 1),
        one_manifest(a, KO_ICE_MANIFEST_DATA, data + 2, 1, 2),
        one_manifest(a, KO_ICE_MANIFEST_DELETES, dels2, 3, 2),
        one_manifest(a, KO_ICE_MANIFEST_DELETES, dels3, 2, 3),
    };
    ms[0].entries[1].status = KO_ICE_ENTRY_EXISTING;
    ko_ice_manifest_file list[4] = {{.content = KO_ICE_MANIFEST_DATA},
                                    {.content = KO_ICE_MANIFEST_DATA},
                                    {.content = KO_ICE_MANIFEST_DELETES},
                                    {.content = KO_ICE_MANIFEST_DELETES}};
    ko_ice_scan_plan plan = {0};
    TU_OK(ko_ice_scan_plan_manifests(&m, &p.schema, NULL, list, ms, 4, a, &plan, &err), &err);
    assert_int_equal(plan.n_tasks, 3);
    assert_int_equal(plan.delete_files, 5);
    assert_int_equal(plan.delete_files_skipped, 1); /* the empty one */
    const ko_ice_scan_task *a1 = &plan.tasks[0], *b1 = &plan.tasks[1], *a2 = &plan.tasks[2];
    assert_string_equal(a1->file->file_path, "d/a1");
    /* a1 (seq 1, partition a): pos-a, eq-a (2 > 1), eq-global; not pos-ref. */
    assert_true(has_delete(a1, "x/pos-a"));
    assert_false(has_delete(a1, "x/pos-ref"));
    assert_true(has_delete(a1, "x/eq-a"));
    assert_true(has_delete(a1, "x/eq-global"));
    assert_int_equal(a1->n_deletes, 3);
    /* b1 (partition b): only the global equality delete. */
    assert_int_equal(b1->n_deletes, 1);
    assert_true(has_delete(b1, "x/eq-global"));
    /* a2 (seq 2): position deletes of seq 2 apply, eq-a of seq 2 does not. */
    assert_true(has_delete(a2, "x/pos-a"));
    assert_true(has_delete(a2, "x/pos-ref"));
    assert_false(has_delete(a2, "x/eq-a"));
    assert_true(has_delete(a2, "x/eq-global"));
    assert_int_equal(a2->sequence_number, 2);

    /* A filter on the partition column prunes data files and deletes. */
    ko_ice_scan_plan fp = {0};
    const ko_ice_pred *f = ko_ice_pred_cmp(a, KO_ICE_PRED_EQ, 2, ko_ice_value_string("b"));
    TU_OK(ko_ice_scan_plan_manifests(&m, &p.schema, f, list, ms, 4, a, &fp, &err), &err);
    assert_int_equal(fp.n_tasks, 1);
    assert_string_equal(fp.tasks[0].file->file_path, "d/b1");
    assert_int_equal(fp.data_files_skipped, 2);
    assert_int_equal(fp.delete_files_skipped, 4); /* three of partition a, the empty one */
    ko_arena_free(a);
}

/* ===================================================== end-to-end read */

static const char k_schema0[] =
    "{\"type\":\"struct\",\"schema-id\":0,\"fields\":["
    "{\"id\":1,\"name\":\"id\",\"required\":true,\"type\":\"long\"},"
    "{\"id\":2,\"name\":\"name\",\"required\":false,\"type\":\"string\"},"
    "{\"id\":3,\"name\":\"v\",\"required\":false,\"type\":\"int\"},"
    "{\"id\":4,\"name\":\"s\",\"required\":false,\"type\":{\"type\":\"struct\",\"fields\":["
    "{\"id\":5,\"name\":\"a\",\"required\":false,\"type\":\"int\"}]}}]}";

static const char k_schema1[] =
    "{\"type\":\"struct\",\"schema-id\":1,\"fields\":["
    "{\"id\":1,\"name\":\"id\",\"required\":true,\"type\":\"long\"},"
    "{\"id\":2,\"name\":\"label\",\"required\":false,\"type\":\"string\"},"
    "{\"id\":3,\"name\":\"v\",\"required\":false,\"type\":\"long\"},"
    "{\"id\":4,\"name\":\"s\",\"required\":false,\"type\":{\"type\":\"struct\",\"fields\":["
    "{\"id\":5,\"name\":\"a\",\"required\":false,\"type\":\"int\"},"
    "{\"id\":6,\"name\":\"b\",\"required\":false,\"type\":\"string\"}]}},"
    "{\"id\":7,\"name\":\"extra\",\"required\":false,\"type\":\"double\"}]}";

static const char k_mapping[] =
    "[{\"field-id\":1,\"names\":[\"id\"]},{\"field-id\":2,\"names\":[\"label\",\"name\"]},"
    "{\"field-id\":3,\"names\":[\"v\"]},{\"field-id\":4,\"names\":[\"s\"],\"fields\":["
    "{\"field-id\":5,\"names\":[\"a\"]},{\"field-id\":6,\"names\":[\"b\"]}]},"
    "{\"field-id\":7,\"names\":[\"extra\"]}]";

#define REC "s3a://bucket/wh/t"

typedef struct tbl {
    ko_arena arena;
    char *dir;
    ko_store *store;
    ko_ice_schema s0, s1;
    ko_ice_table_meta meta;
} tbl;

static void put_entry(ko_pq_column *c, int16_t def, const void *v, size_t len)
{
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

/* Writes a Parquet file of schema s (ids dropped when !ids); fill puts
 * the rows into the leaf columns.  Returns its size. */
static int64_t write_pq(tbl *t, const char *key, const ko_ice_schema *s, bool ids,
                        void (*fill)(ko_pq_column *cols, void *ctx), void *ctx)
{
    ko_err err = {0};
    ko_pq_schema_element *els = NULL;
    uint32_t n = 0;
    TU_OK(ko_ice_schema_to_parquet(s, &t->arena, &els, &n, &err), &err);
    for (uint32_t i = 0; i < n && !ids; i++)
        els[i].has_field_id = false;
    ko_pq_schema ps;
    TU_OK(ko_pq_schema_build(els, n, &t->arena, &ps, &err), &err);
    ko_pq_column *cols = calloc(ps.n_leaves, sizeof *cols);
    for (uint32_t i = 0; i < ps.n_leaves; i++)
        assert_int_equal(ko_pq_column_init(&cols[i], &ps.leaves[i]), KO_OK);
    fill(cols, ctx);
    ko_pq_writer *w = NULL;
    TU_OK(ko_pq_writer_open(t->store, key, els, n, NULL, &w, &err), &err);
    TU_OK(ko_pq_writer_write(w, cols, &err), &err);
    TU_OK(ko_pq_writer_close(w, &err), &err);
    for (uint32_t i = 0; i < ps.n_leaves; i++)
        ko_pq_column_free(&cols[i]);
    free(cols);
    ko_obj_info info;
    TU_OK(ko_store_head(t->store, key, &info, &err), &err);
    return (int64_t)info.size;
}

typedef struct rows_range {
    int64_t from, to; /* ids [from, to) */
} rows_range;

/* id, name ("n<i>", null when i % 4 == 0), v = 10 i (int), s (null for
 * i == 2, else {a: i}). */
static void fill_data(ko_pq_column *c, void *ctx)
{
    const rows_range *r = ctx;
    for (int64_t i = r->from; i < r->to; i++) {
        char name[32];
        snprintf(name, sizeof name, "n%lld", (long long)i);
        int32_t v = (int32_t)(i * 10), a = (int32_t)i;
        put_entry(&c[0], 0, &i, 8);
        put_entry(&c[1], i % 4 == 0 ? 0 : 1, name, strlen(name));
        put_entry(&c[2], 1, &v, 4);
        put_entry(&c[3], i == 2 ? 0 : 2, &a, 4);
    }
}

static void fill_positions(ko_pq_column *c, void *ctx)
{
    (void)ctx;
    const char *path = REC "/data/a.parquet";
    int64_t pos[2] = {1, 3};
    for (int i = 0; i < 2; i++) {
        put_entry(&c[0], 0, path, strlen(path));
        put_entry(&c[1], 0, &pos[i], 8);
    }
}

static void fill_eq_ids(ko_pq_column *c, void *ctx)
{
    (void)ctx;
    int64_t ids[2] = {5, 12};
    for (int i = 0; i < 2; i++)
        put_entry(&c[0], 0, &ids[i], 8);
}

static void fill_eq_names(ko_pq_column *c, void *ctx)
{
    (void)ctx;
    put_entry(&c[0], 1, "n11", 3);
    put_entry(&c[0], 0, NULL, 0);
}

static ko_ice_data_file data_file(tbl *t, const char *name, ko_ice_file_content c, int64_t size,
                                  int64_t rows, int64_t lo, int64_t hi)
{
    ko_ice_data_file f = {.content = c,
                          .file_path = ko_arena_sprintf(&t->arena, REC "/data/%s", name),
                          .file_format = "PARQUET",
                          .record_count = rows,
                          .file_size_in_bytes = size,
                          .sort_order_id = -1};
    if (lo <= hi) {
        ko_ice_id_bound *lb = ko_arena_calloc(&t->arena, 1, sizeof *lb);
        ko_ice_id_bound *ub = ko_arena_calloc(&t->arena, 1, sizeof *ub);
        int64_t *v = ko_arena_calloc(&t->arena, 2, sizeof *v);
        v[0] = lo;
        v[1] = hi;
        lb[0] = (ko_ice_id_bound){1, {(const uint8_t *)&v[0], 8}};
        ub[0] = (ko_ice_id_bound){1, {(const uint8_t *)&v[1], 8}};
        f.lower_bounds = lb;
        f.upper_bounds = ub;
        f.n_lower_bounds = f.n_upper_bounds = 1;
    }
    return f;
}

/* Writes a manifest of the files (ADDED in snapshot sid, seq) and returns
 * its list entry. */
static ko_ice_manifest_file write_manifest(tbl *t, const char *name, ko_ice_manifest_content c,
                                           ko_ice_data_file *files, size_t n, int64_t sid,
                                           int64_t seq)
{
    ko_err err = {0};
    ko_ice_manifest_entry *e = ko_arena_calloc(&t->arena, n, sizeof *e);
    for (size_t i = 0; i < n; i++)
        e[i] = (ko_ice_manifest_entry){.status = KO_ICE_ENTRY_ADDED,
                                       .snapshot_id = KO_ICE_NULL_ID,
                                       .sequence_number = KO_ICE_NULL_ID,
                                       .file_sequence_number = KO_ICE_NULL_ID,
                                       .data_file = files[i]};
    ko_ice_manifest_write_opts o = {.schema = &t->s1,
                                    .content = c,
                                    .path = ko_arena_sprintf(&t->arena, REC "/metadata/%s", name),
                                    .snapshot_id = sid,
                                    .sequence_number = seq};
    ko_buf b = {0};
    ko_ice_manifest_file mf;
    TU_OK(ko_ice_manifest_write(&o, e, n, &b, &mf, &t->arena, &err), &err);
    char *key = ko_arena_sprintf(&t->arena, "metadata/%s", name);
    TU_OK(ko_store_put(t->store, key, b.data, b.len, KO_PUT_OVERWRITE, &err), &err);
    ko_buf_free(&b);
    return mf;
}

static void add_snapshot(tbl *t, int64_t sid, int64_t parent, int64_t seq, int32_t schema_id,
                         const ko_ice_manifest_file *mfs, size_t n)
{
    ko_err err = {0};
    char *name = ko_arena_sprintf(&t->arena, "snap-%lld.avro", (long long)sid);
    ko_ice_manifest_list_write_opts lo = {
        .snapshot_id = sid, .parent_snapshot_id = parent, .sequence_number = seq};
    ko_buf b = {0};
    TU_OK(ko_ice_manifest_list_write(&lo, mfs, n, &b, &err), &err);
    TU_OK(ko_store_put(t->store, ko_arena_sprintf(&t->arena, "metadata/%s", name), b.data, b.len,
                       KO_PUT_OVERWRITE, &err),
          &err);
    ko_buf_free(&b);
    ko_ice_snapshot s = {.snapshot_id = sid,
                         .parent_id = parent,
                         .sequence_number = seq,
                         .timestamp_ms = 1000 * seq,
                         .manifest_list = ko_arena_sprintf(&t->arena, REC "/metadata/%s", name),
                         .operation = "append",
                         .schema_id = schema_id};
    TU_OK(ko_ice_meta_add_snapshot(&t->meta, &s, &t->arena, &err), &err);
    ko_ice_ref main_ref = {.name = "main", .snapshot_id = sid};
    TU_OK(ko_ice_meta_set_ref(&t->meta, &main_ref, &t->arena, &err), &err);
}

static void build_table(tbl *t)
{
    ko_err err = {0};
    memset(t, 0, sizeof *t);
    t->dir = tu_mkdtemp();
    TU_OK(ko_store_local_open(t->dir, &t->store, &err), &err);
    TU_OK(ko_ice_schema_parse(k_schema0, strlen(k_schema0), &t->arena, &t->s0, &err), &err);
    TU_OK(ko_ice_schema_parse(k_schema1, strlen(k_schema1), &t->arena, &t->s1, &err), &err);
    ko_ice_meta_create_opts co = {.schema = &t->s0, .location = REC, .now_ms = 1};
    TU_OK(ko_ice_meta_create(&co, &t->arena, &t->meta, &err), &err);
    int32_t sid = 0;
    TU_OK(ko_ice_meta_add_schema(&t->meta, &t->s1, true, &t->arena, &sid, &err), &err);
    assert_int_equal(sid, 1);
    TU_OK(ko_ice_meta_set_property(&t->meta, "schema.name-mapping.default", k_mapping, &t->arena,
                                   &err),
          &err);

    rows_range ra = {0, 10}, rb = {10, 15};
    ko_ice_schema eq_ids, eq_names;
    const char *j1 = "{\"type\":\"struct\",\"schema-id\":0,\"fields\":[{\"id\":1,\"name\":\"id\","
                     "\"required\":true,\"type\":\"long\"}]}";
    const char *j2 = "{\"type\":\"struct\",\"schema-id\":0,\"fields\":[{\"id\":2,\"name\":\"name\","
                     "\"required\":false,\"type\":\"string\"}]}";
    TU_OK(ko_ice_schema_parse(j1, strlen(j1), &t->arena, &eq_ids, &err), &err);
    TU_OK(ko_ice_schema_parse(j2, strlen(j2), &t->arena, &eq_names, &err), &err);
    int64_t sa = write_pq(t, "data/a.parquet", &t->s0, true, fill_data, &ra);
    int64_t sb = write_pq(t, "data/b.parquet", &t->s0, false, fill_data, &rb);
    int64_t se1 = write_pq(t, "data/eq-ids.parquet", &eq_ids, true, fill_eq_ids, NULL);
    int64_t se2 = write_pq(t, "data/eq-names.parquet", &eq_names, true, fill_eq_names, NULL);
    /* The position delete file: file_path and pos with reserved ids. */
    ko_pq_schema_element pe[3] = {{.name = "table", .num_children = 2, .converted = -1},
                                  {.name = "file_path",
                                   .has_type = true,
                                   .type = KO_PQ_BYTE_ARRAY,
                                   .has_repetition = true,
                                   .repetition = KO_PQ_REQUIRED,
                                   .converted = KO_PQ_CT_UTF8,
                                   .has_field_id = true,
                                   .field_id = 2147483546,
                                   .logical = {.kind = KO_PQ_LT_STRING}},
                                  {.name = "pos",
                                   .has_type = true,
                                   .type = KO_PQ_INT64,
                                   .has_repetition = true,
                                   .repetition = KO_PQ_REQUIRED,
                                   .converted = -1,
                                   .has_field_id = true,
                                   .field_id = 2147483545}};
    ko_pq_schema ps;
    TU_OK(ko_pq_schema_build(pe, 3, &t->arena, &ps, &err), &err);
    ko_pq_column pc[2] = {0};
    ko_pq_column_init(&pc[0], &ps.leaves[0]);
    ko_pq_column_init(&pc[1], &ps.leaves[1]);
    fill_positions(pc, NULL);
    ko_pq_writer *w = NULL;
    TU_OK(ko_pq_writer_open(t->store, "data/pos.parquet", pe, 3, NULL, &w, &err), &err);
    TU_OK(ko_pq_writer_write(w, pc, &err), &err);
    TU_OK(ko_pq_writer_close(w, &err), &err);
    ko_pq_column_free(&pc[0]);
    ko_pq_column_free(&pc[1]);
    ko_obj_info info;
    TU_OK(ko_store_head(t->store, "data/pos.parquet", &info, &err), &err);

    ko_ice_data_file fa = data_file(t, "a.parquet", KO_ICE_CONTENT_DATA, sa, 10, 0, 9);
    ko_ice_data_file fb = data_file(t, "b.parquet", KO_ICE_CONTENT_DATA, sb, 5, 10, 14);
    ko_ice_data_file dels2[2] = {
        data_file(t, "pos.parquet", KO_ICE_CONTENT_POSITION_DELETES, (int64_t)info.size, 2, 1, 0),
        data_file(t, "eq-names.parquet", KO_ICE_CONTENT_EQUALITY_DELETES, se2, 2, 1, 0)};
    ko_ice_data_file e1 =
        data_file(t, "eq-ids.parquet", KO_ICE_CONTENT_EQUALITY_DELETES, se1, 2, 5, 12);
    static int32_t ids_1[1] = {1}, ids_2[1] = {2};
    dels2[1].equality_ids = ids_2;
    dels2[1].n_equality_ids = 1;
    e1.equality_ids = ids_1;
    e1.n_equality_ids = 1;

    ko_ice_manifest_file ma = write_manifest(t, "ma.avro", KO_ICE_MANIFEST_DATA, &fa, 1, 101, 1);
    ko_ice_manifest_file mb = write_manifest(t, "mb.avro", KO_ICE_MANIFEST_DATA, &fb, 1, 102, 2);
    ko_ice_manifest_file md2 =
        write_manifest(t, "md2.avro", KO_ICE_MANIFEST_DELETES, dels2, 2, 102, 2);
    ko_ice_manifest_file md3 =
        write_manifest(t, "md3.avro", KO_ICE_MANIFEST_DELETES, &e1, 1, 103, 3);
    ko_ice_manifest_file l2[3] = {mb, ma, md2}, l3[4] = {mb, ma, md2, md3};
    add_snapshot(t, 101, -1, 1, 0, &ma, 1);
    add_snapshot(t, 102, 101, 2, 1, l2, 3);
    add_snapshot(t, 103, 102, 3, 1, l3, 4);

    ko_buf text = {0};
    TU_OK(ko_ice_meta_write_json(&t->meta, &text, &err), &err);
    TU_OK(ko_store_put(t->store, "metadata/v1.metadata.json", text.data, text.len, KO_PUT_OVERWRITE,
                       &err),
          &err);
    TU_OK(ko_store_put(t->store, "metadata/version-hint.text", "1", 1, KO_PUT_OVERWRITE, &err),
          &err);
    ko_buf_free(&text);
}

static void free_table(tbl *t)
{
    ko_store_close(t->store);
    tu_rmtree(t->dir);
    free(t->dir);
    ko_arena_free(&t->arena);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Reads the table with opts; returns the sorted JSON lines joined by \n. */
static char *read_rows(const char *dir, const ko_ice_scan_opts *opts, ko_ice_scan_plan *plan_out)
{
    ko_err err = {0};
    ko_ice_dir *d = NULL;
    TU_OK(ko_ice_dir_open(dir, NULL, NULL, &d, &err), &err);
    ko_arena a = {0};
    ko_ice_scan_plan plan;
    TU_OK(ko_ice_scan_plan_files(d, opts, &a, &plan, &err), &err);
    ko_ice_reader *r = NULL;
    TU_OK(ko_ice_reader_open(d, &plan, &r, &err), &err);
    ko_buf out = {0};
    for (;;) {
        const ko_pq_column *cols;
        size_t n;
        bool done;
        TU_OK(ko_ice_reader_next(r, &cols, &n, &done, &err), &err);
        if (done)
            break;
        ko_pq_rows *rows = NULL;
        TU_OK(ko_pq_rows_open_columns(ko_ice_reader_schema(r), cols, NULL, 0, &rows, &err), &err);
        size_t written;
        TU_OK(ko_pq_rows_write_jsonl(rows, &out, 1000, &written, &err), &err);
        assert_int_equal(written, n);
        ko_pq_rows_close(rows);
    }
    if (plan_out)
        *plan_out = (ko_ice_scan_plan){.n_tasks = plan.n_tasks,
                                       .data_files = plan.data_files,
                                       .data_files_skipped = plan.data_files_skipped};
    ko_ice_reader_close(r);
    ko_arena_free(&a);
    ko_ice_dir_close(d);
    /* Sort the lines. */
    char *text = out.data ? (char *)out.data : calloc(1, 1);
    char *lines[64];
    size_t n = 0;
    for (char *p = strtok(text, "\n"); p && n < 64; p = strtok(NULL, "\n"))
        lines[n++] = p;
    qsort(lines, n, sizeof *lines, cmp_str);
    ko_buf sorted = {0};
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(ko_buf_append_str(&sorted, lines[i]), KO_OK);
        assert_int_equal(ko_buf_append_str(&sorted, "\n"), KO_OK);
    }
    free(text);
    return sorted.data ? (char *)sorted.data : calloc(1, 1);
}

static const char *expected_row(int64_t i, bool v1)
{
    static char buf[512];
    char name[32], s[96];
    if (i % 4 == 0)
        snprintf(name, sizeof name, "null");
    else
        snprintf(name, sizeof name, "\"n%lld\"", (long long)i);
    if (v1)
        snprintf(s, sizeof s, i == 2 ? "null" : "{\"a\":%lld}", (long long)i);
    else
        snprintf(s, sizeof s, i == 2 ? "null" : "{\"a\":%lld,\"b\":null}", (long long)i);
    if (v1)
        snprintf(buf, sizeof buf, "{\"id\":%lld,\"name\":%s,\"v\":%lld,\"s\":%s}", (long long)i,
                 name, (long long)(i * 10), s);
    else
        snprintf(buf, sizeof buf, "{\"id\":%lld,\"label\":%s,\"v\":%lld,\"s\":%s,\"extra\":null}",
                 (long long)i, name, (long long)(i * 10), s);
    return buf;
}

static char *expected(const int64_t *ids, size_t n, bool v1)
{
    char *lines[64];
    for (size_t i = 0; i < n; i++)
        lines[i] = strdup(expected_row(ids[i], v1));
    qsort(lines, n, sizeof *lines, cmp_str);
    ko_buf b = {0};
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(ko_buf_append_str(&b, lines[i]), KO_OK);
        assert_int_equal(ko_buf_append_str(&b, "\n"), KO_OK);
        free(lines[i]);
    }
    return b.data ? (char *)b.data : calloc(1, 1);
}

static void check(const char *dir, const ko_ice_scan_opts *o, const int64_t *ids, size_t n, bool v1)
{
    char *got = read_rows(dir, o, NULL);
    char *want = expected(ids, n, v1);
    assert_string_equal(got, want);
    free(got);
    free(want);
}

static void test_read_table(void **state)
{
    (void)state;
    tbl t;
    build_table(&t);
    /* Current: A minus positions 1, 3, minus null names 0, 4, 8 (seq 2 >
     * 1), minus id 5 (seq 3); B minus id 12; n11 stays (seq 2 = 2). */
    const int64_t cur[] = {2, 6, 7, 9, 10, 11, 13, 14};
    check(t.dir, NULL, cur, KO_ARRAY_LEN(cur), false);
    /* Snapshot 101: all of A, read with its schema 0. */
    ko_ice_scan_opts o = {.snapshot = {.snapshot_id = 101}};
    const int64_t s1[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    check(t.dir, &o, s1, KO_ARRAY_LEN(s1), true);
    /* As of snapshot 102's time: no id deletes yet. */
    o = (ko_ice_scan_opts){.snapshot = {.snapshot_id = -1, .has_as_of = true, .as_of_ms = 2500}};
    const int64_t s2[] = {2, 5, 6, 7, 9, 10, 11, 12, 13, 14};
    check(t.dir, &o, s2, KO_ARRAY_LEN(s2), false);
    /* A filter on id prunes file A by its bounds. */
    ko_arena a = {0};
    o = (ko_ice_scan_opts){.snapshot = {.snapshot_id = -1},
                           .filter = ko_ice_pred_cmp(&a, KO_ICE_PRED_GE, 1, ko_ice_value_long(10))};
    ko_ice_scan_plan plan;
    char *got = read_rows(t.dir, &o, &plan);
    assert_int_equal(plan.n_tasks, 1);
    assert_int_equal(plan.data_files_skipped, 1);
    const int64_t hi[] = {10, 11, 13, 14};
    char *want = expected(hi, KO_ARRAY_LEN(hi), false);
    assert_string_equal(got, want);
    free(got);
    free(want);
    ko_arena_free(&a);
    free_table(&t);
}

static void test_table_errors(void **state)
{
    (void)state;
    tbl t;
    build_table(&t);
    ko_err err = {0};
    ko_ice_dir *d = NULL;
    assert_int_equal(ko_ice_dir_open(t.dir, "v7.metadata.json", NULL, &d, &err), KO_ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, "v7.metadata.json"));
    TU_OK(ko_ice_dir_open(t.dir, NULL, NULL, &d, &err), &err);
    /* Locations under the recorded one map into the directory. */
    ko_arena a = {0};
    ko_store *s = NULL;
    const char *key = NULL;
    TU_OK(ko_ice_dir_resolve(d, REC "/data//a.parquet", &a, &s, &key, &err), &err);
    assert_non_null(strstr(key, "/data/a.parquet"));
    assert_null(strstr(key, "//"));
    TU_OK(ko_ice_dir_resolve(d, "metadata/v1.metadata.json", &a, &s, &key, &err), &err);
    assert_non_null(strstr(key, "/metadata/v1.metadata.json"));
    ko_ice_scan_opts o = {.snapshot = {.snapshot_id = 999}};
    ko_ice_scan_plan plan;
    assert_int_equal(ko_ice_scan_plan_files(d, &o, &a, &plan, &err), KO_ERR_NOT_FOUND);
    o = (ko_ice_scan_opts){.snapshot = {.snapshot_id = -1, .has_as_of = true, .as_of_ms = 10}};
    assert_int_equal(ko_ice_scan_plan_files(d, &o, &a, &plan, &err), KO_ERR_NOT_FOUND);
    ko_ice_dir_close(d);
    /* A missing data file is named. */
    TU_OK(ko_store_delete(t.store, "data/b.parquet", &err), &err);
    TU_OK(ko_ice_dir_open(t.dir, NULL, NULL, &d, &err), &err);
    TU_OK(ko_ice_scan_plan_files(d, NULL, &a, &plan, &err), &err);
    ko_ice_reader *r = NULL;
    TU_OK(ko_ice_reader_open(d, &plan, &r, &err), &err);
    ko_status st = KO_OK;
    bool done = false;
    while (st == KO_OK && !done) {
        const ko_pq_column *cols;
        size_t n;
        st = ko_ice_reader_next(r, &cols, &n, &done, &err);
    }
    assert_int_equal(st, KO_ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, "b.parquet"));
    ko_ice_reader_close(r);
    ko_ice_dir_close(d);
    ko_arena_free(&a);
    free_table(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_value_compare),    cmocka_unit_test(test_file_pruning),
        cmocka_unit_test(test_row_eval),         cmocka_unit_test(test_partition_pruning),
        cmocka_unit_test(test_manifest_pruning), cmocka_unit_test(test_plan_deletes),
        cmocka_unit_test(test_read_table),       cmocka_unit_test(test_table_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
