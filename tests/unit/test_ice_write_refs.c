/*
 * test_ice_write_refs.c - tags and branches (create, replace, drop, with
 * retention stored in the metadata; appends into a branch that leave main
 * alone; reading a branch or tag; fast-forward of main, and its refusal
 * when main has moved on; expiry keeping what refs point at) and
 * partition spec evolution (new field ids above last-partition-id, old
 * files keeping their spec, scans over mixed specs pruning each file by
 * its own spec, field ids reused for a transform seen before, back to
 * unpartitioned), each change with one audit record.
 */
#include "ice_write_fixture.h"

static bool below_20(int64_t id)
{
    return id < 20;
}

static bool below_30(int64_t id)
{
    return id < 30;
}

static size_t count_ids(fx *f, const char *table, const ko_ice_snapshot_sel *sel)
{
    size_t n = 0;
    free(fx_read_ids(f, table, sel, &n));
    return n;
}

static void test_tags_branches(void **state)
{
    fx *f = *state;
    ko_err err = {0};
    fx_create_table(f, "t", "bucket(2,id)", NULL, 0);
    ko_ice_commit_info a1 = fx_append(f, &f->wh, "t", 0, 10);
    fx_append(f, &f->wh, "t", 10, 20);
    int64_t audits = fx_audit_count(f);

    /* A tag at the first snapshot, a branch at the current one. */
    ko_ice_ref_opts tag = {
        .type = KO_ICE_REF_TAG, .snapshot_id = a1.snapshot_id, .max_ref_age_ms = 86400000};
    ko_ice_commit_info info;
    TU_OK(ko_ice_table_set_ref(&f->wh, "db", "t", "v1", &tag, NULL, &f->arena, &info, &err), &err);
    assert_int_equal(info.snapshot_id, a1.snapshot_id);
    ko_ice_ref_opts br = {.type = KO_ICE_REF_BRANCH,
                          .snapshot_id = -1,
                          .min_snapshots_to_keep = 3,
                          .max_snapshot_age_ms = 1};
    TU_OK(ko_ice_table_set_ref(&f->wh, "db", "t", "dev", &br, NULL, &f->arena, &info, &err), &err);
    ko_ice_table t = fx_table(f, "t");
    const ko_ice_ref *r = ko_ice_meta_ref(&t.meta, "v1");
    assert_non_null(r);
    assert_int_equal(r->type, KO_ICE_REF_TAG);
    assert_int_equal(r->max_ref_age_ms, 86400000);
    r = ko_ice_meta_ref(&t.meta, "dev");
    assert_int_equal(r->type, KO_ICE_REF_BRANCH);
    assert_int_equal(r->min_snapshots_to_keep, 3);
    assert_int_equal(r->snapshot_id, t.meta.current_snapshot_id);

    /* Errors: existing name, unknown snapshot, main, a tag as a branch. */
    assert_int_equal(
        ko_ice_table_set_ref(&f->wh, "db", "t", "v1", &tag, NULL, &f->arena, &info, &err),
        KO_ERR_EXISTS);
    ko_ice_ref_opts bad = {.type = KO_ICE_REF_TAG, .snapshot_id = 12345};
    assert_int_equal(
        ko_ice_table_set_ref(&f->wh, "db", "t", "x", &bad, NULL, &f->arena, &info, &err),
        KO_ERR_NOT_FOUND);
    assert_int_equal(
        ko_ice_table_set_ref(&f->wh, "db", "t", "main", &br, NULL, &f->arena, &info, &err),
        KO_ERR_INVALID);
    br.replace = true;
    assert_int_equal(
        ko_ice_table_set_ref(&f->wh, "db", "t", "v1", &br, NULL, &f->arena, &info, &err),
        KO_ERR_INVALID);
    assert_int_equal(fx_audit_count(f), audits + 2);

    /* Append into the branch: main does not move. */
    fx_write_range(f, "in/b.parquet", 20, 30);
    ko_pq_reader *rd = NULL;
    TU_OK(ko_pq_reader_open(f->store, "in/b.parquet", &rd, &err), &err);
    const char *nm = "in/b.parquet";
    int64_t main_before = fx_table(f, "t").meta.current_snapshot_id;
    TU_OK(ko_ice_table_append_branch(&f->wh, "db", "t", "dev", &rd, &nm, 1, NULL, &f->arena, &info,
                                     &err),
          &err);
    ko_pq_reader_close(rd);
    t = fx_table(f, "t");
    assert_int_equal(t.meta.current_snapshot_id, main_before);
    assert_int_equal(ko_ice_meta_ref(&t.meta, "dev")->snapshot_id, info.snapshot_id);
    assert_int_equal(ko_ice_meta_snapshot(&t.meta, info.snapshot_id)->parent_id, main_before);
    assert_int_equal(fx_summary(ko_ice_meta_snapshot(&t.meta, info.snapshot_id), "total-records"),
                     30);
    ko_ice_snapshot_sel dev = {.snapshot_id = -1, .ref = "dev"},
                        v1 = {.snapshot_id = -1, .ref = "v1"};
    assert_int_equal(count_ids(f, "t", &dev), 30);
    assert_int_equal(count_ids(f, "t", &v1), 10);
    fx_expect_ids(f, "t", 100, below_20);

    /* Fast-forward main to dev. */
    ko_ice_commit_info ff;
    TU_OK(ko_ice_table_fast_forward(&f->wh, "db", "t", "main", "dev", NULL, &f->arena, &ff, &err),
          &err);
    assert_int_equal(ff.snapshot_id, info.snapshot_id);
    fx_expect_ids(f, "t", 100, below_30);
    /* main moves on; dev is now behind, so dev cannot be fast-forwarded
     * from... and main cannot take dev once it has diverged. */
    fx_append(f, &f->wh, "t", 30, 31);
    fx_write_range(f, "in/b2.parquet", 40, 41);
    TU_OK(ko_pq_reader_open(f->store, "in/b2.parquet", &rd, &err), &err);
    nm = "in/b2.parquet";
    TU_OK(ko_ice_table_append_branch(&f->wh, "db", "t", "dev", &rd, &nm, 1, NULL, &f->arena, &info,
                                     &err),
          &err);
    ko_pq_reader_close(rd);
    size_t meta_before = fx_count_keys(f, "db/t/metadata/");
    assert_int_equal(
        ko_ice_table_fast_forward(&f->wh, "db", "t", "main", "dev", NULL, &f->arena, &ff, &err),
        KO_ERR_CONFLICT);
    assert_int_equal(fx_count_keys(f, "db/t/metadata/"), meta_before);

    /* Expiry keeps the tagged snapshot and dev's history. */
    ko_ice_expire_opts eo = {.older_than_ms = ko_now_us() / 1000 + 1000, .retain_last = 1};
    int64_t *expired = NULL;
    size_t n_expired = 0;
    TU_OK(ko_ice_table_expire(&f->wh, "db", "t", &eo, NULL, &f->arena, &expired, &n_expired, &info,
                              &err),
          &err);
    t = fx_table(f, "t");
    assert_non_null(ko_ice_meta_snapshot(&t.meta, a1.snapshot_id));
    assert_int_equal(count_ids(f, "t", &v1), 10);
    assert_int_equal(count_ids(f, "t", &dev), 31);
    for (size_t i = 0; i < n_expired; i++)
        assert_true(expired[i] != a1.snapshot_id);

    /* Drop the tag: now its snapshot may expire. */
    TU_OK(ko_ice_table_drop_ref(&f->wh, "db", "t", "v1", NULL, &f->arena, &info, &err), &err);
    assert_int_equal(ko_ice_table_drop_ref(&f->wh, "db", "t", "v1", NULL, &f->arena, &info, &err),
                     KO_ERR_NOT_FOUND);
    assert_int_equal(ko_ice_table_drop_ref(&f->wh, "db", "t", "main", NULL, &f->arena, &info, &err),
                     KO_ERR_INVALID);
    TU_OK(ko_ice_table_expire(&f->wh, "db", "t", &eo, NULL, &f->arena, &expired, &n_expired, &info,
                              &err),
          &err);
    t = fx_table(f, "t");
    assert_null(ko_ice_meta_snapshot(&t.meta, a1.snapshot_id));
    assert_int_equal(count_ids(f, "t", &dev), 31);
    assert_int_equal(fx_unreferenced(f, "t") > 0, true); /* the expired snapshot's files */

    /* A tag past its max-ref-age-ms goes at the next expiry, and so does
     * the snapshot only it kept. */
    int64_t tagged = ko_ice_meta_ref(&t.meta, "dev")->snapshot_id;
    TU_OK(ko_ice_table_drop_ref(&f->wh, "db", "t", "dev", NULL, &f->arena, &info, &err), &err);
    ko_ice_ref_opts aging = {.type = KO_ICE_REF_TAG, .snapshot_id = tagged, .max_ref_age_ms = 1};
    TU_OK(ko_ice_table_set_ref(&f->wh, "db", "t", "old", &aging, NULL, &f->arena, &info, &err),
          &err);
    ko_ice_ref_opts lasting = {
        .type = KO_ICE_REF_TAG, .snapshot_id = -1, .max_ref_age_ms = 86400000};
    TU_OK(ko_ice_table_set_ref(&f->wh, "db", "t", "keep", &lasting, NULL, &f->arena, &info, &err),
          &err);
    ko_sleep_us(5000);
    eo.older_than_ms = ko_now_us() / 1000 + 1000;
    TU_OK(ko_ice_table_expire(&f->wh, "db", "t", &eo, NULL, &f->arena, &expired, &n_expired, &info,
                              &err),
          &err);
    t = fx_table(f, "t");
    assert_null(ko_ice_meta_ref(&t.meta, "old"));
    assert_non_null(ko_ice_meta_ref(&t.meta, "keep"));
    assert_null(ko_ice_meta_snapshot(&t.meta, tagged));
}

/* A branch's own max-snapshot-age-ms and min-snapshots-to-keep decide
 * what of its history expiry keeps, in both directions: a long age keeps
 * ancestors the table's cut-off would drop; a short one drops ancestors
 * younger than the table's cut-off. */
static void test_branch_retention(void **state)
{
    fx *f = *state;
    ko_err err = {0};
    fx_create_table(f, "r", NULL, NULL, 0);
    ko_ice_commit_info s1 = fx_append(f, &f->wh, "r", 0, 1);
    ko_ice_commit_info s2 = fx_append(f, &f->wh, "r", 1, 2);
    ko_ice_commit_info s3 = fx_append(f, &f->wh, "r", 2, 3);
    ko_ice_commit_info info;
    ko_ice_ref_opts br = {.type = KO_ICE_REF_BRANCH,
                          .snapshot_id = -1,
                          .min_snapshots_to_keep = 1,
                          .max_snapshot_age_ms = 86400000};
    TU_OK(ko_ice_table_set_ref(&f->wh, "db", "r", "b", &br, NULL, &f->arena, &info, &err), &err);
    /* Everything is older than the table's cut-off and main keeps one,
     * but b keeps a day of its history. */
    ko_ice_expire_opts eo = {.older_than_ms = ko_now_us() / 1000 + 1000, .retain_last = 1};
    int64_t *expired = NULL;
    size_t n_expired = 0;
    TU_OK(ko_ice_table_expire(&f->wh, "db", "r", &eo, NULL, &f->arena, &expired, &n_expired, &info,
                              &err),
          &err);
    assert_int_equal(n_expired, 0);
    assert_int_equal(fx_table(f, "r").meta.n_snapshots, 3);

    /* A short age: b keeps its newest (min-snapshots-to-keep 1) only. */
    br.replace = true;
    br.max_snapshot_age_ms = 1;
    TU_OK(ko_ice_table_set_ref(&f->wh, "db", "r", "b", &br, NULL, &f->arena, &info, &err), &err);
    ko_sleep_us(5000);
    TU_OK(ko_ice_table_expire(&f->wh, "db", "r", &eo, NULL, &f->arena, &expired, &n_expired, &info,
                              &err),
          &err);
    assert_int_equal(n_expired, 2);
    ko_ice_table t = fx_table(f, "r");
    assert_null(ko_ice_meta_snapshot(&t.meta, s1.snapshot_id));
    assert_null(ko_ice_meta_snapshot(&t.meta, s2.snapshot_id));
    assert_non_null(ko_ice_meta_snapshot(&t.meta, s3.snapshot_id));

    /* b's own history, younger than the table's default cut-off (5
     * days), still goes past b's age and its min-snapshots-to-keep. */
    fx_write_range(f, "in/r-b.parquet", 10, 11);
    for (int i = 0; i < 2; i++) {
        ko_pq_reader *rd = NULL;
        TU_OK(ko_pq_reader_open(f->store, "in/r-b.parquet", &rd, &err), &err);
        const char *nm = "in/r-b.parquet";
        TU_OK(ko_ice_table_append_branch(&f->wh, "db", "r", "b", &rd, &nm, 1, NULL, &f->arena,
                                         &info, &err),
              &err);
        ko_pq_reader_close(rd);
    }
    t = fx_table(f, "r");
    int64_t b2 = info.snapshot_id, b1 = ko_ice_meta_snapshot(&t.meta, b2)->parent_id;
    ko_sleep_us(5000);
    TU_OK(ko_ice_table_expire(&f->wh, "db", "r", NULL, NULL, &f->arena, &expired, &n_expired, &info,
                              &err),
          &err);
    assert_int_equal(n_expired, 1);
    assert_int_equal(expired[0], b1);
    t = fx_table(f, "r");
    assert_non_null(ko_ice_meta_snapshot(&t.meta, s3.snapshot_id)); /* main's head */
    assert_int_equal(ko_ice_meta_ref(&t.meta, "b")->snapshot_id, b2);
    assert_non_null(ko_ice_meta_snapshot(&t.meta, b2));
}

/* --------------------------------------------------------- spec evolution */

static int64_t spec_files(fx *f, const ko_ice_table *t, int32_t spec_id)
{
    ko_err err = {0};
    ko_ice_manifest_entry *es;
    size_t n;
    TU_OK(ko_ice_table_files(&f->wh, t, -1, &f->arena, &es, &n, &err), &err);
    int64_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += es[i].data_file.spec_id == spec_id;
    return k;
}

/* Tasks of a scan planned with the filter; *hits counts read rows whose
 * id is want. */
static size_t plan_tasks(fx *f, const char *table, const char *where, int64_t want, size_t *hits)
{
    ko_err err = {0};
    ko_ice_table t = fx_table(f, table);
    const ko_ice_pred *p = NULL;
    TU_OK(ko_ice_pred_parse_text(where, ko_ice_meta_current_schema(&t.meta), &f->arena, &p, &err),
          &err);
    ko_ice_dir *dir = NULL;
    TU_OK(ko_ice_table_open_dir(&f->wh, &t, &dir, &err), &err);
    ko_ice_scan_plan plan;
    ko_ice_scan_opts o = {.snapshot = {.snapshot_id = -1}, .filter = p};
    TU_OK(ko_ice_scan_plan_files(dir, &o, &f->arena, &plan, &err), &err);
    ko_ice_reader *r = NULL;
    TU_OK(ko_ice_reader_open(dir, &plan, &r, &err), &err);
    *hits = 0;
    for (bool done = false; !done;) {
        const ko_pq_column *cols;
        size_t n;
        TU_OK(ko_ice_reader_next(r, &cols, &n, &done, &err), &err);
        const int64_t *ids = n ? (const int64_t *)cols[0].values.data : NULL;
        for (size_t i = 0; i < n; i++)
            *hits += ids[i] == want;
    }
    ko_ice_reader_close(r);
    ko_ice_dir_close(dir);
    return plan.n_tasks;
}

static void test_spec_evolution(void **state)
{
    fx *f = *state;
    ko_err err = {0};
    fx_create_table(f, "p", "bucket(4,id)", NULL, 0);
    fx_append(f, &f->wh, "p", 0, 40);
    int64_t audits = fx_audit_count(f);
    ko_ice_commit_info info;
    TU_OK(ko_ice_table_update_spec(&f->wh, "db", "p", "grp", NULL, &f->arena, &info, &err), &err);
    assert_int_equal(fx_audit_count(f), audits + 1);
    ko_ice_table t = fx_table(f, "p");
    assert_int_equal(t.meta.n_specs, 2);
    const ko_ice_partition_spec *spec = ko_ice_meta_default_spec(&t.meta);
    assert_int_equal(spec->spec_id, 1);
    assert_int_equal(spec->n_fields, 1);
    assert_int_equal(spec->fields[0].field_id, 1001); /* above last-partition-id 1000 */
    assert_int_equal(t.meta.last_partition_id, 1001);
    fx_append(f, &f->wh, "p", 40, 100);
    t = fx_table(f, "p");
    int64_t old_files = spec_files(f, &t, 0), new_files = spec_files(f, &t, 1);
    assert_true(old_files > 0);
    assert_int_equal(new_files, 4); /* grp 0, 1, 2 and null */
    size_t n_rows = 0;
    free(fx_read_ids(f, "p", NULL, &n_rows));
    assert_int_equal(n_rows, 100);

    /* A filter on grp prunes new files by their spec and keeps every old
     * file (its spec says nothing about grp, its bounds allow it). */
    size_t hits = 0;
    size_t tasks = plan_tasks(f, "p", "grp = 1", 43, &hits);
    assert_int_equal(tasks, (size_t)old_files + 1);
    assert_int_equal(hits, 1); /* id 43 is in grp 1 */
    /* A filter on id prunes old files by bucket and new files by bounds. */
    tasks = plan_tasks(f, "p", "id = 7", 7, &hits);
    assert_int_equal(tasks, 1);
    assert_int_equal(hits, 1);
    tasks = plan_tasks(f, "p", "id = 77", 77, &hits);
    assert_true(tasks >= 1 && tasks <= 4); /* new files whose bounds hold 77 */
    assert_int_equal(hits, 1);

    /* Back to bucket(4,id): the spec and its field id 1000 are reused. */
    TU_OK(
        ko_ice_table_update_spec(&f->wh, "db", "p", "bucket(4, id)", NULL, &f->arena, &info, &err),
        &err);
    t = fx_table(f, "p");
    assert_int_equal(t.meta.n_specs, 2);
    assert_int_equal(t.meta.default_spec_id, 0);
    /* Unpartitioned, then a delete across all three specs' files. */
    TU_OK(ko_ice_table_update_spec(&f->wh, "db", "p", "", NULL, &f->arena, &info, &err), &err);
    t = fx_table(f, "p");
    assert_int_equal(ko_ice_meta_default_spec(&t.meta)->n_fields, 0);
    assert_int_equal(t.meta.last_partition_id, 1001);
    fx_append(f, &f->wh, "p", 100, 110);
    const ko_ice_pred *p = NULL;
    TU_OK(ko_ice_pred_parse_text("id >= 35 and id < 105", ko_ice_meta_current_schema(&t.meta),
                                 &f->arena, &p, &err),
          &err);
    ko_ice_rewrite_result res;
    TU_OK(ko_ice_table_delete_where(&f->wh, "db", "p", p, NULL, NULL, &f->arena, &info, &res, &err),
          &err);
    size_t n = 0;
    int64_t *ids = fx_read_ids(f, "p", NULL, &n);
    assert_int_equal(n, 35 + 5);
    for (size_t i = 0; i < n; i++)
        assert_true(ids[i] < 35 || ids[i] >= 105);
    free(ids);
    /* Bad texts change nothing. */
    int64_t before = fx_audit_count(f);
    assert_int_equal(
        ko_ice_table_update_spec(&f->wh, "db", "p", "bucket(x)", NULL, &f->arena, &info, &err),
        KO_ERR_INVALID);
    assert_int_equal(
        ko_ice_table_update_spec(&f->wh, "db", "p", "day(id)", NULL, &f->arena, &info, &err),
        KO_ERR_INVALID);
    assert_int_equal(fx_audit_count(f), before);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_tags_branches, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_branch_retention, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_spec_evolution, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
