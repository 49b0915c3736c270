/*
 * test_ice_write_overwrite.c - copy-on-write changes (iceberg.h sections
 * 10 and 13): DELETE WHERE dropping whole files by their bounds and
 * rewriting files that partly match, with the rows read back equal to the
 * expected set; exact snapshot summaries and DELETED manifest entries;
 * INSERT OVERWRITE of a partition and a full replace; conflicts (a file
 * removed concurrently, serializable isolation against a concurrent
 * append of matching rows); no manifest or list left behind by a lost
 * race or a failed commit; position and equality delete files applied
 * before a rewrite and dropped when obsolete; one audit record per
 * change.
 */
#include "ice_write_fixture.h"

static const ko_ice_pred *parse(fx *f, const char *table, const char *text)
{
    ko_err err = {0};
    ko_ice_table t = fx_table(f, table);
    const ko_ice_pred *p = NULL;
    TU_OK(ko_ice_pred_parse_text(text, ko_ice_meta_current_schema(&t.meta), &f->arena, &p, &err),
          &err);
    return p;
}

static ko_ice_commit_info delete_where(fx *f, const char *table, const char *text,
                                       ko_ice_rewrite_result *res)
{
    ko_err err = {0};
    ko_ice_commit_info info;
    TU_OK(ko_ice_table_delete_where(&f->wh, "db", table, parse(f, table, text), NULL, NULL,
                                    &f->arena, &info, res, &err),
          &err);
    return info;
}

/* Sum of record counts and count of the live data files. */
static int64_t live_records(fx *f, const ko_ice_table *t, size_t *n_data)
{
    ko_err err = {0};
    ko_ice_manifest_entry *es;
    size_t n;
    TU_OK(ko_ice_table_files(&f->wh, t, -1, &f->arena, &es, &n, &err), &err);
    int64_t rec = 0;
    *n_data = 0;
    for (size_t i = 0; i < n; i++)
        if (es[i].data_file.content == KO_ICE_CONTENT_DATA) {
            rec += es[i].data_file.record_count;
            (*n_data)++;
        }
    return rec;
}

/* Entries with status DELETED in the current snapshot's manifests, all
 * carrying its id; their record counts summed into *records. */
static size_t deleted_entries(fx *f, const ko_ice_table *t, int64_t *records)
{
    ko_err err = {0};
    ko_arena a = {0};
    const ko_ice_snapshot *s = ko_ice_meta_current_snapshot(&t->meta);
    ko_ice_dir *dir = NULL;
    TU_OK(ko_ice_table_open_dir(&f->wh, t, &dir, &err), &err);
    ko_buf buf = {0};
    TU_OK(ko_ice_dir_read(dir, s->manifest_list, &buf, &err), &err);
    ko_ice_manifest_file *mfs;
    size_t n_mfs, n = 0;
    TU_OK(ko_ice_manifest_list_read(buf.data, buf.len, "list", &a, &mfs, &n_mfs, &err), &err);
    *records = 0;
    for (size_t i = 0; i < n_mfs; i++) {
        ko_buf mb = {0};
        ko_ice_manifest m;
        TU_OK(ko_ice_dir_read(dir, mfs[i].manifest_path, &mb, &err), &err);
        TU_OK(ko_ice_manifest_read(mb.data, mb.len, "m", &mfs[i], &t->meta, &a, &m, &err), &err);
        for (size_t e = 0; e < m.n_entries; e++) {
            if (m.entries[e].status != KO_ICE_ENTRY_DELETED)
                continue;
            assert_int_equal(m.entries[e].snapshot_id, s->snapshot_id);
            assert_true(m.entries[e].sequence_number < s->sequence_number);
            *records += m.entries[e].data_file.record_count;
            n++;
        }
        if (m.n_entries && mfs[i].added_snapshot_id == s->snapshot_id)
            assert_int_equal(mfs[i].deleted_files_count + mfs[i].added_files_count +
                                 mfs[i].existing_files_count,
                             (int32_t)m.n_entries);
        ko_buf_free(&mb);
    }
    ko_buf_free(&buf);
    ko_ice_dir_close(dir);
    ko_arena_free(&a);
    return n;
}

/* ------------------------------------------------------------ delete */

static bool keep_not_grp1(int64_t id)
{
    fx_row r = fx_row_of(id);
    return r.grp_null || r.grp != 1;
}

static bool keep_after_two(int64_t id)
{
    return keep_not_grp1(id) && id >= 50 && !(id >= 200 && id < 210);
}

static void test_delete_where(void **state)
{
    fx *f = *state;
    fx_create_table(f, "d", "grp", NULL, 0);
    fx_append(f, &f->wh, "d", 0, 100);
    fx_append(f, &f->wh, "d", 100, 300);
    int64_t audits = fx_audit_count(f);

    /* A whole partition: dropped by metadata alone. */
    ko_ice_rewrite_result res;
    ko_ice_commit_info i1 = delete_where(f, "d", "grp = 1", &res);
    assert_int_equal(res.files_rewritten, 0);
    assert_int_equal(res.files_added, 0);
    assert_int_equal(res.files_removed, 2);
    ko_ice_table t = fx_table(f, "d");
    const ko_ice_snapshot *s = ko_ice_meta_current_snapshot(&t.meta);
    assert_int_equal(s->snapshot_id, i1.snapshot_id);
    assert_string_equal(s->operation, "delete");
    assert_int_equal(fx_summary(s, "deleted-data-files"), 2);
    int64_t deleted_recs = 0;
    assert_int_equal(deleted_entries(f, &t, &deleted_recs), 2);
    assert_int_equal(fx_summary(s, "deleted-records"), deleted_recs);
    assert_null(ko_ice_snapshot_summary(s, "added-data-files"));
    fx_expect_ids(f, "d", 300, keep_not_grp1);
    assert_int_equal(fx_audit_count(f), audits + 1);

    /* Partial matches: rewritten without the rows (two ranges, an OR). */
    ko_ice_commit_info i2 = delete_where(f, "d", "id < 50 or (id >= 200 and id < 210)", &res);
    assert_true(res.files_rewritten > 0);
    assert_true(res.files_added > 0);
    t = fx_table(f, "d");
    s = ko_ice_meta_current_snapshot(&t.meta);
    assert_int_equal(s->snapshot_id, i2.snapshot_id);
    assert_int_equal(s->parent_id, i1.snapshot_id);
    assert_string_equal(s->operation, "overwrite");
    fx_expect_ids(f, "d", 300, keep_after_two);
    size_t n_data = 0, n_rows = 0;
    int64_t live = live_records(f, &t, &n_data);
    int64_t *ids = fx_read_ids(f, "d", NULL, &n_rows);
    free(ids);
    assert_int_equal(live, (int64_t)n_rows);
    assert_int_equal(fx_summary(s, "total-records"), live);
    assert_int_equal(fx_summary(s, "total-data-files"), (int64_t)n_data);
    assert_int_equal(fx_summary(s, "deleted-data-files"), (int64_t)res.files_rewritten);
    assert_int_equal(fx_summary(s, "added-data-files"), (int64_t)res.files_added);
    assert_int_equal(fx_summary(s, "deleted-records") - fx_summary(s, "added-records"),
                     res.rows_deleted);
    assert_int_equal(deleted_entries(f, &t, &deleted_recs), res.files_rewritten);
    assert_int_equal(fx_summary(s, "deleted-records"), deleted_recs);
    assert_int_equal(fx_audit_count(f), audits + 2);

    /* Nothing matches: no commit. */
    ko_ice_commit_info i3 = delete_where(f, "d", "id > 100000", &res);
    assert_int_equal(i3.snapshot_id, i2.snapshot_id);
    assert_int_equal(res.files_removed + res.files_rewritten, 0);
    assert_int_equal(fx_audit_count(f), audits + 2);
    assert_int_equal(fx_unreferenced(f, "d"), 0);
}

/* ---------------------------------------------------- overwrite, replace */

static bool keep_overwritten(int64_t id)
{
    fx_row r = fx_row_of(id);
    if (id >= 1000)
        return true; /* the new rows */
    return id < 60 && (r.grp_null || r.grp != 2);
}

static bool keep_replaced(int64_t id)
{
    return id >= 5000 && id < 5010;
}

static void overwrite(fx *f, const char *table, const char *where, int64_t from, int64_t to,
                      ko_ice_rewrite_result *res)
{
    char key[64];
    snprintf(key, sizeof key, "in/ow-%" PRId64 ".parquet", from);
    fx_write_range(f, key, from, to);
    ko_err err = {0};
    ko_pq_reader *r = NULL;
    TU_OK(ko_pq_reader_open(f->store, key, &r, &err), &err);
    const char *name = key;
    ko_ice_commit_info info;
    TU_OK(ko_ice_table_overwrite_where(&f->wh, "db", table, where ? parse(f, table, where) : NULL,
                                       &r, &name, 1, NULL, NULL, &f->arena, &info, res, &err),
          &err);
    ko_pq_reader_close(r);
}

static bool keep_replaced_but_5003(int64_t id)
{
    return keep_replaced(id) && id != 5003;
}

/* Manifests of the current snapshot's list without live files. */
static size_t dead_manifests(fx *f, const char *table)
{
    ko_err err = {0};
    ko_arena a = {0};
    ko_ice_table t = fx_table(f, table);
    ko_ice_dir *dir = NULL;
    TU_OK(ko_ice_table_open_dir(&f->wh, &t, &dir, &err), &err);
    ko_buf buf = {0};
    TU_OK(ko_ice_dir_read(dir, ko_ice_meta_current_snapshot(&t.meta)->manifest_list, &buf, &err),
          &err);
    ko_ice_manifest_file *mfs;
    size_t n = 0, dead = 0;
    TU_OK(ko_ice_manifest_list_read(buf.data, buf.len, "list", &a, &mfs, &n, &err), &err);
    for (size_t i = 0; i < n; i++)
        dead += mfs[i].added_files_count == 0 && mfs[i].existing_files_count == 0;
    ko_buf_free(&buf);
    ko_ice_dir_close(dir);
    ko_arena_free(&a);
    return dead;
}

static void test_overwrite_replace(void **state)
{
    fx *f = *state;
    fx_create_table(f, "o", "bucket(2,id)", NULL, 0);
    fx_append(f, &f->wh, "o", 0, 60);
    int64_t audits = fx_audit_count(f);
    /* The new rows are ids 1000.. with grp = id % 3, so some are grp 2. */
    ko_ice_rewrite_result res;
    overwrite(f, "o", "grp = 2", 1000, 1030, &res);
    assert_int_equal(res.rows_added, 30);
    fx_expect_ids(f, "o", 1030, keep_overwritten);
    ko_ice_table t = fx_table(f, "o");
    const ko_ice_snapshot *s = ko_ice_meta_current_snapshot(&t.meta);
    assert_string_equal(s->operation, "overwrite");
    size_t n_data = 0, n_rows = 0;
    assert_int_equal(fx_summary(s, "total-records"), live_records(f, &t, &n_data));
    free(fx_read_ids(f, "o", NULL, &n_rows));
    assert_int_equal(fx_summary(s, "total-records"), (int64_t)n_rows);
    assert_int_equal(fx_summary(s, "deleted-records") - fx_summary(s, "added-records") + 30,
                     res.rows_deleted);

    overwrite(f, "o", NULL, 5000, 5010, &res);
    fx_expect_ids(f, "o", 6000, keep_replaced);
    t = fx_table(f, "o");
    s = ko_ice_meta_current_snapshot(&t.meta);
    assert_int_equal(fx_summary(s, "total-records"), 10);
    assert_int_equal(res.files_rewritten, 0); /* a full replace reads nothing */
    assert_int_equal(fx_audit_count(f), audits + 2);
    assert_int_equal(fx_unreferenced(f, "o"), 0);

    /* The replace's manifests hold only DELETED entries; the next change
     * leaves them out of its list. */
    assert_true(dead_manifests(f, "o") > 0);
    delete_where(f, "o", "id = 5003", &res);
    assert_int_equal(dead_manifests(f, "o"), 0);
    fx_expect_ids(f, "o", 6000, keep_replaced_but_5003);
}

/* ------------------------------------------------------------- conflicts */

static void test_conflict_removed(void **state)
{
    fx *f = *state;
    ko_err err = {0};
    fx_create_table(f, "c", "grp", NULL, 0);
    fx_append(f, &f->wh, "c", 0, 30);
    /* Writer 1 plans to remove grp 0; writer 2 removes it first. */
    ko_ice_table t1;
    TU_OK(ko_ice_table_load(&f->wh, "db", "c", &f->arena, &t1, &err), &err);
    ko_ice_rewrite_plan plan;
    const ko_ice_pred *p = parse(f, "c", "grp = 0");
    TU_OK(ko_ice_table_plan_rewrite(&f->wh, &t1, NULL, p, &f->arena, &plan, &err), &err);
    assert_int_equal(plan.n_all, 1);
    ko_ice_commit_info i2;
    TU_OK(ko_ice_table_delete_where(&f->wh2, "db", "c", p, NULL, NULL, &f->arena, &i2, NULL, &err),
          &err);
    size_t meta_before = fx_count_keys(f, "db/c/metadata/");
    int64_t audits = fx_audit_count(f);
    ko_ice_data_file gone = *plan.scan.tasks[0].file;
    ko_ice_overwrite_opts oo = {.base_snapshot_id = plan.snapshot_id};
    ko_ice_commit_opts fast = {.backoff_base_ms = 1};
    ko_ice_commit_info i1;
    ko_status st = ko_ice_table_commit_overwrite(&f->wh, &t1, &gone, 1, NULL, 0, &oo, &fast,
                                                 &f->arena, &i1, &err);
    assert_int_equal(st, KO_ERR_CONFLICT);
    assert_non_null(strstr(err.msg, gone.file_path));
    /* Nothing new is left behind and nothing was recorded. */
    assert_int_equal(fx_count_keys(f, "db/c/metadata/"), meta_before);
    assert_int_equal(fx_audit_count(f), audits);
    ko_ice_table t = fx_table(f, "c");
    assert_int_equal(t.meta.current_snapshot_id, i2.snapshot_id);
}

static void test_serializable(void **state)
{
    fx *f = *state;
    ko_err err = {0};
    fx_create_table(f, "s", "grp", NULL, 0);
    fx_append(f, &f->wh, "s", 0, 30);
    const ko_ice_pred *p = parse(f, "s", "grp = 0");
    for (int round = 0; round < 2; round++) {
        ko_ice_table t1;
        TU_OK(ko_ice_table_load(&f->wh, "db", "s", &f->arena, &t1, &err), &err);
        ko_ice_rewrite_plan plan;
        TU_OK(ko_ice_table_plan_rewrite(&f->wh, &t1, NULL, p, &f->arena, &plan, &err), &err);
        assert_true(plan.scan.n_tasks > 0);
        ko_ice_data_file *del = calloc(plan.scan.n_tasks + 1, sizeof *del);
        for (size_t i = 0; i < plan.scan.n_tasks; i++)
            del[i] = *plan.scan.tasks[i].file;
        /* Round 0: a concurrent append of rows in grp 0 (ids 303..305 hold
         * grp 0, 1, 2); round 1: rows of grp 1 only (id 301). */
        if (round == 0)
            fx_append(f, &f->wh2, "s", 303, 306);
        else
            fx_append(f, &f->wh2, "s", 301, 302);
        size_t meta_before = fx_count_keys(f, "db/s/metadata/");
        ko_ice_overwrite_opts oo = {.base_snapshot_id = plan.snapshot_id, .conflict_filter = p};
        ko_ice_commit_opts fast = {.backoff_base_ms = 1};
        ko_ice_commit_info info;
        ko_status st = ko_ice_table_commit_overwrite(&f->wh, &t1, del, plan.scan.n_tasks, NULL, 0,
                                                     &oo, &fast, &f->arena, &info, &err);
        if (round == 0) {
            assert_int_equal(st, KO_ERR_CONFLICT);
            assert_int_equal(fx_count_keys(f, "db/s/metadata/"), meta_before);
        } else {
            TU_OK(st, &err);
            assert_int_equal(info.attempts, 2); /* lost the race once, then landed */
            /* The losing attempt's files were deleted: all that was added is
             * one metadata file, one manifest list and the two rewritten
             * manifests (of the first append and of round 0's append). */
            assert_int_equal(fx_count_keys(f, "db/s/metadata/"), meta_before + 4);
        }
        free(del);
    }
    assert_int_equal(fx_unreferenced(f, "s"), 0);
}

static bool keep_all(int64_t id)
{
    (void)id;
    return true;
}

/* Two appends race; the loser's first manifest list must not survive. */
static void test_no_orphans_after_race(void **state)
{
    fx *f = *state;
    ko_err err = {0};
    fx_create_table(f, "r", NULL, NULL, 0);
    fx_write_range(f, "in/r1.parquet", 0, 10);
    fx_write_range(f, "in/r2.parquet", 10, 20);
    ko_ice_table t1, t2;
    TU_OK(ko_ice_table_load(&f->wh, "db", "r", &f->arena, &t1, &err), &err);
    TU_OK(ko_ice_table_load(&f->wh2, "db", "r", &f->arena, &t2, &err), &err);
    ko_pq_reader *r1, *r2;
    TU_OK(ko_pq_reader_open(f->store, "in/r1.parquet", &r1, &err), &err);
    TU_OK(ko_pq_reader_open(f->store, "in/r2.parquet", &r2, &err), &err);
    ko_ice_data_file *d1, *d2;
    size_t n1, n2;
    TU_OK(ko_ice_table_write_files(&f->wh, &t1, &r1, NULL, 1, &f->arena, &d1, &n1, &err), &err);
    TU_OK(ko_ice_table_write_files(&f->wh2, &t2, &r2, NULL, 1, &f->arena, &d2, &n2, &err), &err);
    ko_ice_commit_info i1, i2;
    TU_OK(ko_ice_table_commit_append(&f->wh, &t1, d1, n1, NULL, &f->arena, &i1, &err), &err);
    ko_ice_commit_opts fast = {.backoff_base_ms = 1};
    TU_OK(ko_ice_table_commit_append(&f->wh2, &t2, d2, n2, &fast, &f->arena, &i2, &err), &err);
    assert_int_equal(i2.attempts, 2);
    assert_int_equal(fx_unreferenced(f, "r"), 0);

    /* A commit that fails for certain leaves none of its files. */
    ko_ice_table stale;
    TU_OK(ko_ice_table_load(&f->wh, "db", "r", &f->arena, &stale, &err), &err);
    size_t before = fx_count_keys(f, "db/r/metadata/");
    ko_ice_commit_opts once = {.max_attempts = 1};
    fx_append(f, &f->wh2, "r", 20, 25); /* makes `stale` lose */
    size_t after_other = fx_count_keys(f, "db/r/metadata/");
    assert_true(after_other > before);
    ko_status st = ko_ice_table_commit_append(&f->wh, &stale, d1, n1, &once, &f->arena, &i1, &err);
    assert_int_equal(st, KO_ERR_CONFLICT);
    assert_int_equal(fx_count_keys(f, "db/r/metadata/"), after_other);
    fx_expect_ids(f, "r", 25, keep_all);
    ko_pq_reader_close(r1);
    ko_pq_reader_close(r2);
}

/* ------------------------------------------------- deletes of other engines */

static ko_ice_data_file delete_file(fx *f, const char *key, ko_ice_file_content content,
                                    const char *data_path, const int64_t *vals, size_t n)
{
    ko_err err = {0};
    bool pos = content == KO_ICE_CONTENT_POSITION_DELETES;
    ko_pq_schema_element els[3] = {
        {.name = "schema", .num_children = pos ? 2 : 1, .converted = KO_PQ_CT_NONE},
        fx_el(pos ? "file_path" : "id", pos ? KO_PQ_BYTE_ARRAY : KO_PQ_INT64, KO_PQ_REQUIRED),
        fx_el("pos", KO_PQ_INT64, KO_PQ_REQUIRED)};
    els[1].has_field_id = els[2].has_field_id = true;
    els[1].field_id = pos ? 2147483546 : 1;
    els[2].field_id = 2147483545;
    if (pos)
        els[1].logical = (ko_pq_logical){.kind = KO_PQ_LT_STRING};
    ko_pq_writer *w = NULL;
    TU_OK(ko_pq_writer_open(f->store, key, els, pos ? 3 : 2, NULL, &w, &err), &err);
    const ko_pq_schema *s = ko_pq_writer_schema(w);
    ko_pq_column cols[2] = {0};
    for (uint32_t i = 0; i < s->n_leaves; i++)
        assert_int_equal(ko_pq_column_init(&cols[i], &s->leaves[i]), KO_OK);
    for (size_t i = 0; i < n; i++) {
        if (pos)
            fx_push(&cols[0], true, data_path, strlen(data_path));
        fx_push(&cols[pos ? 1 : 0], true, &vals[i], 8);
    }
    uint32_t n_leaves = s->n_leaves; /* s goes with the writer */
    TU_OK(ko_pq_writer_write(w, cols, &err), &err);
    TU_OK(ko_pq_writer_close(w, &err), &err);
    for (uint32_t i = 0; i < n_leaves; i++)
        ko_pq_column_free(&cols[i]);
    ko_obj_info info;
    TU_OK(ko_store_head(f->store, key, &info, &err), &err);
    static int32_t eq_ids[] = {1};
    ko_ice_data_file d = {.content = content,
                          .file_path =
                              ko_arena_sprintf(&f->arena, "%s/%s", ko_store_uri(f->store), key),
                          .file_format = "PARQUET",
                          .record_count = (int64_t)n,
                          .file_size_in_bytes = (int64_t)info.size,
                          .equality_ids = pos ? NULL : eq_ids,
                          .n_equality_ids = pos ? 0 : 1,
                          .sort_order_id = -1};
    return d;
}

static bool keep_engine(int64_t id)
{
    return id != 3 && id != 10 && id != 20 && id != 21 && !(id >= 90 && id < 95);
}

static bool keep_engine_before(int64_t id)
{
    return id < 100 && id != 3 && id != 10 && id != 20 && id != 21;
}

static void test_engine_deletes(void **state)
{
    fx *f = *state;
    ko_err err = {0};
    fx_create_table(f, "e", NULL, NULL, 0);
    fx_append(f, &f->wh, "e", 0, 100);
    ko_ice_table t = fx_table(f, "e");
    ko_ice_manifest_entry *es;
    size_t n;
    TU_OK(ko_ice_table_files(&f->wh, &t, -1, &f->arena, &es, &n, &err), &err);
    assert_int_equal(n, 1);
    const int64_t positions[] = {3, 10}, ids[] = {20, 21};
    ko_ice_data_file dels[2] = {
        delete_file(f, "db/e/data/pos-1.parquet", KO_ICE_CONTENT_POSITION_DELETES,
                    es[0].data_file.file_path, positions, 2),
        delete_file(f, "db/e/data/eq-1.parquet", KO_ICE_CONTENT_EQUALITY_DELETES, NULL, ids, 2)};
    ko_ice_commit_info info;
    TU_OK(ko_ice_table_commit_overwrite(&f->wh, &t, NULL, 0, dels, 2, NULL, NULL, &f->arena, &info,
                                        &err),
          &err);
    t = fx_table(f, "e");
    const ko_ice_snapshot *s = ko_ice_meta_current_snapshot(&t.meta);
    assert_string_equal(s->operation, "delete");
    assert_int_equal(fx_summary(s, "added-delete-files"), 2);
    assert_int_equal(fx_summary(s, "added-position-deletes"), 2);
    assert_int_equal(fx_summary(s, "added-equality-deletes"), 2);
    assert_int_equal(fx_summary(s, "total-delete-files"), 2);
    fx_expect_ids(f, "e", 100, keep_engine_before);

    fx_append(f, &f->wh, "e", 100, 150); /* newer: no delete applies to it */
    ko_ice_rewrite_result res;
    delete_where(f, "e", "id >= 90 and id < 95", &res);
    assert_int_equal(res.files_rewritten, 1);
    assert_int_equal(res.deletes_removed, 2);
    assert_int_equal(res.rows_deleted, 5);
    fx_expect_ids(f, "e", 150, keep_engine);
    t = fx_table(f, "e");
    s = ko_ice_meta_current_snapshot(&t.meta);
    assert_int_equal(fx_summary(s, "removed-delete-files"), 2);
    assert_int_equal(fx_summary(s, "removed-position-deletes"), 2);
    assert_int_equal(fx_summary(s, "removed-equality-deletes"), 2);
    assert_int_equal(fx_summary(s, "total-delete-files"), 0);
    assert_int_equal(fx_summary(s, "total-position-deletes"), 0);
    /* The rewritten file carries the merged result: 100 - 4 - 5 rows. */
    assert_int_equal(fx_summary(s, "added-records"), 91);
    assert_int_equal(fx_summary(s, "total-records"), 91 + 50);
    assert_int_equal(fx_unreferenced(f, "e"), 0);
}

/* A DELETE WHERE whose rewrite loses to a concurrent delete of a file it
 * rewrites fails with a conflict and leaves no file behind. */
static void concurrent_delete(void *arg)
{
    fx *f = arg;
    ko_err err = {0};
    ko_ice_commit_info info;
    TU_OK(ko_ice_table_delete_where(&f->wh2, "db", "k", parse(f, "k", "grp = 0"), NULL, NULL,
                                    &f->arena, &info, NULL, &err),
          &err);
}

static void test_delete_conflict_cleans_up(void **state)
{
    fx *f = *state;
    ko_err err = {0};
    fx_create_table(f, "k", "grp", NULL, 0);
    fx_append(f, &f->wh, "k", 0, 60);
    fx_before_commit = concurrent_delete;
    fx_before_commit_arg = f;
    ko_ice_commit_info info;
    ko_ice_commit_opts fast = {.backoff_base_ms = 1};
    ko_status st = ko_ice_table_delete_where(&f->wh, "db", "k", parse(f, "k", "id < 10"), NULL,
                                             &fast, &f->arena, &info, NULL, &err);
    assert_null(fx_before_commit); /* the concurrent delete ran */
    assert_int_equal(st, KO_ERR_CONFLICT);
    assert_non_null(strstr(err.msg, "conflict"));
    /* Only the concurrent delete's files are new: nothing is unreferenced. */
    assert_int_equal(fx_unreferenced(f, "k"), 0);
    ko_ice_table t = fx_table(f, "k");
    assert_string_equal(ko_ice_meta_current_snapshot(&t.meta)->operation, "delete");
}

/* UPDATE as the SQL engine does it: plan, read the files with the reader,
 * change the rows, write them with a table writer, commit. */
static void test_update_flow(void **state)
{
    fx *f = *state;
    ko_err err = {0};
    fx_create_table(f, "u", "grp", NULL, 0);
    fx_append(f, &f->wh, "u", 0, 90);
    ko_ice_table t = fx_table(f, "u");
    const ko_ice_pred *p = parse(f, "u", "grp = 0");
    ko_ice_rewrite_plan plan;
    TU_OK(ko_ice_table_plan_rewrite(&f->wh, &t, NULL, p, &f->arena, &plan, &err), &err);
    assert_int_equal(plan.n_all, 1); /* the grp 0 partition's file */
    ko_ice_dir *dir = NULL;
    ko_ice_reader *r = NULL;
    ko_ice_table_writer *tw = NULL;
    TU_OK(ko_ice_table_open_dir(&f->wh, &t, &dir, &err), &err);
    TU_OK(ko_ice_reader_open(dir, &plan.scan, &r, &err), &err);
    TU_OK(ko_ice_table_writer_open(&f->wh, &t, &f->arena, &tw, &err), &err);
    assert_int_equal(ko_ice_table_writer_schema(tw)->n_leaves, ko_ice_reader_schema(r)->n_leaves);
    size_t updated = 0;
    for (bool done = false; !done;) {
        const ko_pq_column *cols;
        size_t rows;
        TU_OK(ko_ice_reader_next(r, &cols, &rows, &done, &err), &err);
        if (!rows)
            continue;
        ko_pq_column score = cols[3]; /* SET score = score + 1000 */
        ko_buf copy = {0};
        assert_int_equal(ko_buf_append(&copy, cols[3].values.data, cols[3].values.len), KO_OK);
        for (size_t i = 0; i < cols[3].n_values; i++) {
            double d;
            memcpy(&d, copy.data + i * sizeof d, sizeof d);
            d += 1000;
            memcpy(copy.data + i * sizeof d, &d, sizeof d);
        }
        score.values = copy;
        ko_pq_column batch[4] = {cols[0], cols[1], cols[2], score};
        TU_OK(ko_ice_table_writer_write(tw, batch, rows, &err), &err);
        ko_buf_free(&copy);
        updated += rows;
    }
    ko_ice_reader_close(r);
    ko_ice_dir_close(dir);
    ko_ice_data_file *added, *removed;
    size_t n_added, n_removed;
    TU_OK(ko_ice_table_writer_finish(tw, &added, &n_added, &err), &err);
    TU_OK(ko_ice_rewrite_plan_removed(&plan, &f->arena, &removed, &n_removed, &err), &err);
    ko_ice_overwrite_opts oo = {.base_snapshot_id = plan.snapshot_id, .conflict_filter = p};
    ko_ice_commit_info info;
    TU_OK(ko_ice_table_commit_overwrite(&f->wh, &t, removed, n_removed, added, n_added, &oo, NULL,
                                        &f->arena, &info, &err),
          &err);
    /* Every row is still there; grp 0 rows have the new score. */
    fx_expect_ids(f, "u", 90, keep_all);
    t = fx_table(f, "u");
    const ko_ice_snapshot *s = ko_ice_meta_current_snapshot(&t.meta);
    assert_string_equal(s->operation, "overwrite");
    assert_int_equal(fx_summary(s, "added-records"), (int64_t)updated);
    assert_int_equal(fx_summary(s, "deleted-records"), (int64_t)updated);
    assert_int_equal(fx_summary(s, "total-records"), 90);
    TU_OK(ko_ice_table_open_dir(&f->wh, &t, &dir, &err), &err);
    ko_ice_scan_plan all;
    ko_ice_scan_opts o = {.snapshot = {.snapshot_id = -1}};
    TU_OK(ko_ice_scan_plan_files(dir, &o, &f->arena, &all, &err), &err);
    TU_OK(ko_ice_reader_open(dir, &all, &r, &err), &err);
    size_t bumped = 0;
    for (bool done = false; !done;) {
        const ko_pq_column *cols;
        size_t rows;
        TU_OK(ko_ice_reader_next(r, &cols, &rows, &done, &err), &err);
        const int64_t *ids = rows ? (const int64_t *)cols[0].values.data : NULL;
        for (size_t i = 0; i < rows; i++) {
            fx_row want = fx_row_of(ids[i]);
            bool grp0 = !want.grp_null && want.grp == 0;
            double sc;
            memcpy(&sc, cols[3].values.data + i * sizeof sc, sizeof sc);
            assert_true(sc == want.score + (grp0 ? 1000 : 0));
            bumped += grp0;
        }
    }
    assert_int_equal(bumped, updated);
    ko_ice_reader_close(r);
    ko_ice_dir_close(dir);
}

static bool keep_outside_15_25(int64_t id)
{
    return id < 15 || id >= 25;
}

/* Planning skips the data manifests whose partition summaries rule the
 * filter out, and plans the same files as without skipping. */
static void test_plan_prunes_manifests(void **state)
{
    fx *f = *state;
    ko_err err = {0};
    fx_create_table(f, "m", "truncate(10, id)", NULL, 0);
    for (int64_t from = 0; from < 40; from += 10)
        fx_append(f, &f->wh, "m", from, from + 10); /* one manifest per partition */
    ko_ice_table t = fx_table(f, "m");
    struct {
        const char *where;
        size_t skipped, n_all, n_some;
    } cases[] = {
        {"id >= 10 and id < 20", 3, 1, 0},
        {"id >= 15 and id < 25", 2, 0, 2},
        {"id = 37", 3, 0, 1},
        {"score > 100", 0, 0, 0}, /* no partition column: nothing skipped */
        {"id < 0", 4, 0, 0},
    };
    for (size_t i = 0; i < KO_ARRAY_LEN(cases); i++) {
        ko_ice_rewrite_plan plan;
        TU_OK(ko_ice_table_plan_rewrite(&f->wh, &t, NULL, parse(f, "m", cases[i].where), &f->arena,
                                        &plan, &err),
              &err);
        print_message("%s: %zu of %zu manifests skipped, %zu tasks\n", cases[i].where,
                      plan.scan.manifests_skipped, plan.scan.manifests, plan.scan.n_tasks);
        assert_int_equal(plan.scan.manifests, 4);
        assert_int_equal(plan.scan.manifests_skipped, cases[i].skipped);
        assert_int_equal(plan.scan.data_files, 4);
        assert_int_equal(plan.scan.n_tasks, cases[i].n_all + cases[i].n_some);
        assert_int_equal(plan.scan.data_files_skipped, 4 - plan.scan.n_tasks);
        assert_int_equal(plan.n_all, cases[i].n_all);
        assert_int_equal(plan.n_some, cases[i].n_some);
        for (size_t k = 0; k < plan.scan.n_tasks; k++)
            assert_true(plan.scan.tasks[k].file->record_count == 10);
    }
    /* And the change itself. */
    ko_ice_commit_info info;
    ko_ice_rewrite_result res;
    TU_OK(ko_ice_table_delete_where(&f->wh, "db", "m", parse(f, "m", "id >= 15 and id < 25"), NULL,
                                    NULL, &f->arena, &info, &res, &err),
          &err);
    fx_expect_ids(f, "m", 40, keep_outside_15_25);
    /* Files removed from and added to partitions 10 and 20. */
    t = fx_table(f, "m");
    const ko_ice_snapshot *s = ko_ice_meta_current_snapshot(&t.meta);
    assert_int_equal(fx_summary(s, "deleted-data-files"), 2);
    assert_int_equal(fx_summary(s, "changed-partition-count"), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_delete_where, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_overwrite_replace, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_conflict_removed, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_serializable, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_no_orphans_after_race, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_engine_deletes, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_delete_conflict_cleans_up, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_update_flow, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_plan_prunes_manifests, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
