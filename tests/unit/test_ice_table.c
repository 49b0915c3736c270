/*
 * test_ice_table.c - Iceberg tables in a warehouse (iceberg.h section 10)
 * over a local store and a SQLite catalog: create (and its failures, which
 * leave catalog and store unchanged), appends partitioned by day(ts) and
 * bucket(4, id) whose data files hold only their partition's rows, file
 * metrics whose bounds decode back to each file's true minima and maxima
 * (strings truncated to 16 characters), exact snapshot summaries over
 * several appends, a commit conflict between two catalog handles resolved
 * by a retry, a metadata version left by a crashed writer skipped, schema
 * evolution, rollback, expiry and file removal that keeps every file a
 * retained snapshot references, and input files that do not fit the table.
 */
#include "ice_write_fixture.h"

#include <math.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

static const char SCHEMA_JSON[] =
    "{\"type\":\"struct\",\"fields\":["
    "{\"id\":1,\"name\":\"id\",\"required\":true,\"type\":\"long\"},"
    "{\"id\":2,\"name\":\"name\",\"required\":false,\"type\":\"string\"},"
    "{\"id\":3,\"name\":\"ts\",\"required\":false,\"type\":\"timestamp\"},"
    "{\"id\":4,\"name\":\"score\",\"required\":false,\"type\":\"double\"},"
    "{\"id\":5,\"name\":\"qty\",\"required\":false,\"type\":\"long\"}]}";

static void create_table(fx *f, const char *name, const char *partition_by)
{
    fx_create_table_json(f, name, SCHEMA_JSON, partition_by, NULL, 0);
}

/* ------------------------------------------------------------ input files */

typedef struct row {
    int64_t id;
    const char *name; /* NULL: null */
    int64_t ts;       /* microseconds */
    double score;
    bool qty_null;
    int32_t qty;
} row;

/* A Parquet file like a user would bring: no field ids, qty as INT32. */
static void write_input(fx *f, const char *key, const row *rows, size_t n)
{
    ko_pq_schema_element els[6] = {
        {.name = "schema", .num_children = 5, .converted = KO_PQ_CT_NONE},
        fx_el("id", KO_PQ_INT64, KO_PQ_REQUIRED),
        fx_el("name", KO_PQ_BYTE_ARRAY, KO_PQ_OPTIONAL),
        fx_el("ts", KO_PQ_INT64, KO_PQ_OPTIONAL),
        fx_el("score", KO_PQ_DOUBLE, KO_PQ_OPTIONAL),
        fx_el("qty", KO_PQ_INT32, KO_PQ_OPTIONAL)};
    els[2].logical = (ko_pq_logical){.kind = KO_PQ_LT_STRING};
    els[3].logical = (ko_pq_logical){.kind = KO_PQ_LT_TIMESTAMP, .unit = KO_PQ_MICROS};
    ko_err err = {0};
    ko_pq_writer *w = NULL;
    TU_OK(ko_pq_writer_open(f->store, key, els, 6, NULL, &w, &err), &err);
    const ko_pq_schema *s = ko_pq_writer_schema(w);
    ko_pq_column cols[5];
    for (int i = 0; i < 5; i++)
        assert_int_equal(ko_pq_column_init(&cols[i], &s->leaves[i]), KO_OK);
    for (size_t r = 0; r < n; r++) {
        fx_push(&cols[0], true, &rows[r].id, 8);
        fx_push(&cols[1], rows[r].name != NULL, rows[r].name,
                rows[r].name ? strlen(rows[r].name) : 0);
        fx_push(&cols[2], true, &rows[r].ts, 8);
        fx_push(&cols[3], true, &rows[r].score, 8);
        fx_push(&cols[4], !rows[r].qty_null, &rows[r].qty, 4);
    }
    TU_OK(ko_pq_writer_write(w, cols, &err), &err);
    TU_OK(ko_pq_writer_close(w, &err), &err);
    for (int i = 0; i < 5; i++)
        ko_pq_column_free(&cols[i]);
}

static const int64_t DAY_US = 86400LL * 1000000LL;
static const int64_t JAN1_2024_US = 1704067200LL * 1000000LL;

/* n rows spread over 3 days; a long name and a NaN score in each batch. */
static row *make_rows(size_t n, int64_t base_id, char names[][40])
{
    row *rows = calloc(n, sizeof *rows);
    for (size_t i = 0; i < n; i++) {
        snprintf(names[i], 40, i == 1 ? "a name much longer than sixteen chars %zu" : "n%03zu", i);
        rows[i] = (row){.id = base_id + (int64_t)i,
                        .name = i % 10 == 3 ? NULL : names[i],
                        .ts = JAN1_2024_US + (int64_t)(i % 3) * DAY_US + (int64_t)i * 1000000,
                        .score = i == 5 ? NAN : (double)i * 0.5,
                        .qty_null = i % 4 == 0,
                        .qty = (int32_t)i};
    }
    return rows;
}

static ko_pq_reader *open_input(fx *f, const char *key)
{
    ko_err err = {0};
    ko_pq_reader *r = NULL;
    TU_OK(ko_pq_reader_open(f->store, key, &r, &err), &err);
    return r;
}

static ko_ice_commit_info append_rows(fx *f, const char *table, const char *key, const row *rows,
                                      size_t n)
{
    write_input(f, key, rows, n);
    ko_pq_reader *r = open_input(f, key);
    ko_err err = {0};
    ko_ice_commit_info info;
    TU_OK(ko_ice_table_append(&f->wh, "db", table, &r, &key, 1, NULL, &f->arena, &info, &err),
          &err);
    ko_pq_reader_close(r);
    return info;
}

static ko_ice_table load(fx *f, const char *name)
{
    ko_err err = {0};
    ko_ice_table t;
    TU_OK(ko_ice_table_load(&f->wh, "db", name, &f->arena, &t, &err), &err);
    return t;
}

static const char *key_of(fx *f, const char *location)
{
    ko_err err = {0};
    const char *key = NULL;
    TU_OK(ko_ice_location_key(&f->wh, location, &f->arena, &key, &err), &err);
    return key;
}

static bool exists(fx *f, const char *key)
{
    ko_obj_info info;
    return ko_store_head(f->store, key, &info, NULL) == KO_OK;
}

static int64_t summary_i64(const ko_ice_snapshot *s, const char *key)
{
    const char *v = ko_ice_snapshot_summary(s, key);
    assert_non_null(v);
    return strtoll(v, NULL, 10);
}

/* ------------------------------------------------------------------- create */

static void test_create(void **state)
{
    fx *f = *state;
    ko_err err = {0};
    create_table(f, "t", "day(ts), bucket(4, id)");
    ko_ice_table t = load(f, "t");
    assert_int_equal(t.version, 1);
    assert_true(exists(f, "db/t/metadata/v1.metadata.json"));
    ko_buf hint = {0};
    TU_OK(ko_store_get(f->store, "db/t/metadata/version-hint.text", &hint, &err), &err);
    assert_int_equal(hint.len, 1);
    assert_int_equal(hint.data[0], '1');
    ko_buf_free(&hint);
    assert_int_equal(ko_ice_meta_default_spec(&t.meta)->n_fields, 2);
    assert_string_equal(ko_ice_meta_property(&t.meta, "write.parquet.compression-codec"), "zstd");

    /* Failures name the table and leave nothing behind. */
    ko_ice_schema schema;
    TU_OK(ko_ice_schema_parse(SCHEMA_JSON, strlen(SCHEMA_JSON), &f->arena, &schema, &err), &err);
    ko_ice_table_create_opts o = {.schema = &schema};
    assert_int_equal(ko_ice_table_create(&f->wh, "db", "t", &o, &f->arena, NULL, &err),
                     KO_ERR_EXISTS);
    assert_non_null(strstr(err.msg, "db.t"));
    o.partition_by = "hour(name)";
    assert_int_equal(ko_ice_table_create(&f->wh, "db", "u", &o, &f->arena, NULL, &err),
                     KO_ERR_INVALID);
    assert_false(exists(f, "db/u/metadata/v1.metadata.json"));
    o.partition_by = NULL;
    assert_int_equal(ko_ice_table_create(&f->wh, "nope", "u", &o, &f->arena, NULL, &err),
                     KO_ERR_NOT_FOUND);
    assert_false(exists(f, "nope/u/metadata/v1.metadata.json"));
    assert_false(exists(f, "nope/u/metadata/version-hint.text"));
    assert_int_equal(ko_ice_table_load(&f->wh, "db", "u", &f->arena, &t, &err), KO_ERR_NOT_FOUND);
    int64_t count = 0;
    TU_OK(ko_cat_audit_verify(f->cat, &count, &err), &err);
    assert_int_equal(count, 2); /* namespace.create, table.create */
}

/* ------------------------------------------------------------------ append */

typedef struct truth {
    int64_t rows, id_lo, id_hi, nulls_qty, nans;
    int64_t qty_lo, qty_hi;
    double score_lo, score_hi;
    const char *name_lo, *name_hi;
} truth;

/* Reads the int64 column `leaf` of a data file. */
static int64_t *read_i64(ko_pq_reader *r, uint32_t leaf, size_t *n, const uint8_t **defs,
                         ko_pq_column *c)
{
    ko_err err = {0};
    TU_OK(ko_pq_read_column_chunk(r, 0, leaf, c, &err), &err);
    *n = c->n;
    *defs = c->def.data;
    return (int64_t *)c->values.data;
}

/* Every row of the file belongs to its partition tuple. */
static void check_partition(fx *f, const ko_ice_table *t, const ko_ice_data_file *df)
{
    ko_pq_reader *r = open_input(f, key_of(f, df->file_path));
    const ko_pq_file_meta *fm = ko_pq_reader_meta(r);
    assert_int_equal(fm->n_row_groups, 1);
    assert_int_equal(fm->num_rows, df->record_count);
    bool has_schema = false;
    for (uint32_t i = 0; i < fm->n_kv; i++)
        has_schema |= strcmp(fm->kv[i].key, "iceberg.schema") == 0;
    assert_true(has_schema);
    for (uint32_t i = 1; i < fm->n_schema; i++)
        assert_true(fm->schema[i].has_field_id);
    ko_pq_column ids = {0}, tss = {0};
    size_t n_id, n_ts;
    const uint8_t *d_id, *d_ts;
    int64_t *id = read_i64(r, 0, &n_id, &d_id, &ids);
    int64_t *ts = read_i64(r, 2, &n_ts, &d_ts, &tss);
    assert_int_equal(n_id, (size_t)df->record_count);
    const ko_ice_schema *schema = ko_ice_meta_current_schema(&t->meta);
    const ko_ice_partition_spec *spec = ko_ice_meta_default_spec(&t->meta);
    for (size_t i = 0; i < n_id; i++) {
        ko_ice_value day, bucket, vts = ko_ice_value_int_of(KO_ICE_TIMESTAMP, ts[i]);
        ko_ice_value vid = ko_ice_value_long(id[i]);
        ko_err err = {0};
        TU_OK(ko_ice_transform_apply(&spec->fields[0].transform,
                                     &ko_ice_schema_find_id(schema, 3)->type, &vts, &day, &err),
              &err);
        TU_OK(ko_ice_transform_apply(&spec->fields[1].transform,
                                     &ko_ice_schema_find_id(schema, 1)->type, &vid, &bucket, &err),
              &err);
        assert_int_equal(day.i, df->partition[0].i);
        assert_int_equal(bucket.i, df->partition[1].i);
    }
    ko_pq_column_free(&ids);
    ko_pq_column_free(&tss);
    ko_obj_info info;
    ko_err err = {0};
    TU_OK(ko_store_head(f->store, key_of(f, df->file_path), &info, &err), &err);
    assert_int_equal((int64_t)info.size, df->file_size_in_bytes);
    assert_int_equal(df->n_split_offsets, 1);
    assert_int_equal(df->split_offsets[0], 4);
    ko_pq_reader_close(r);
}

static void truth_of(const row *rows, size_t n, const ko_ice_data_file *df, truth *tr)
{
    memset(tr, 0, sizeof *tr);
    tr->id_lo = INT64_MAX;
    tr->id_hi = INT64_MIN;
    tr->qty_lo = INT64_MAX;
    tr->qty_hi = INT64_MIN;
    tr->score_lo = INFINITY;
    tr->score_hi = -INFINITY;
    /* The file's rows are those whose id falls in its bounds and bucket/day match:
     * collect by the id set recorded in the file itself (ids are unique). */
    (void)df;
    for (size_t i = 0; i < n; i++) {
        const row *r = &rows[i];
        tr->rows++;
        tr->id_lo = r->id < tr->id_lo ? r->id : tr->id_lo;
        tr->id_hi = r->id > tr->id_hi ? r->id : tr->id_hi;
        tr->nulls_qty += r->qty_null;
        if (!r->qty_null) {
            tr->qty_lo = r->qty < tr->qty_lo ? r->qty : tr->qty_lo;
            tr->qty_hi = r->qty > tr->qty_hi ? r->qty : tr->qty_hi;
        }
        if (isnan(r->score)) {
            tr->nans++;
        } else {
            tr->score_lo = r->score < tr->score_lo ? r->score : tr->score_lo;
            tr->score_hi = r->score > tr->score_hi ? r->score : tr->score_hi;
        }
        if (r->name && (!tr->name_lo || strcmp(r->name, tr->name_lo) < 0))
            tr->name_lo = r->name;
        if (r->name && (!tr->name_hi || strcmp(r->name, tr->name_hi) > 0))
            tr->name_hi = r->name;
    }
}

static ko_ice_value bound(const ko_ice_table *t, const ko_ice_id_bound *m, uint32_t n, int32_t id)
{
    const ko_ice_id_bound *b = ko_ice_id_bound_find(m, n, id);
    assert_non_null(b);
    ko_ice_value v;
    ko_err err = {0};
    TU_OK(ko_ice_value_from_bytes(
              &ko_ice_schema_find_id(ko_ice_meta_current_schema(&t->meta), id)->type, b->value.ptr,
              b->value.len, &v, &err),
          &err);
    return v;
}

static int64_t count_of(const ko_ice_id_count *m, uint32_t n, int32_t id)
{
    const ko_ice_id_count *c = ko_ice_id_count_find(m, n, id);
    assert_non_null(c);
    return c->value;
}

/* The rows of `all` that went to data file df (by their ids, read back). */
static size_t rows_of_file(fx *f, const ko_ice_data_file *df, const row *all, size_t n, row *out)
{
    ko_pq_reader *r = open_input(f, key_of(f, df->file_path));
    ko_pq_column c = {0};
    size_t k, m = 0;
    const uint8_t *d;
    int64_t *ids = read_i64(r, 0, &k, &d, &c);
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j < n; j++)
            if (all[j].id == ids[i])
                out[m++] = all[j];
    ko_pq_column_free(&c);
    ko_pq_reader_close(r);
    return m;
}

static void check_metrics(fx *f, const ko_ice_table *t, const ko_ice_data_file *df, const row *all,
                          size_t n)
{
    row *mine = calloc(n, sizeof *mine);
    size_t m = rows_of_file(f, df, all, n, mine);
    assert_int_equal((int64_t)m, df->record_count);
    truth tr;
    truth_of(mine, m, df, &tr);
    assert_int_equal(count_of(df->value_counts, df->n_value_counts, 1), tr.rows);
    assert_int_equal(count_of(df->null_value_counts, df->n_null_value_counts, 5), tr.nulls_qty);
    assert_int_equal(count_of(df->nan_value_counts, df->n_nan_value_counts, 4), tr.nans);
    assert_true(count_of(df->column_sizes, df->n_column_sizes, 2) > 0);
    const ko_ice_id_bound *lo = df->lower_bounds, *hi = df->upper_bounds;
    uint32_t nlo = df->n_lower_bounds, nhi = df->n_upper_bounds;
    assert_int_equal(bound(t, lo, nlo, 1).i, tr.id_lo);
    assert_int_equal(bound(t, hi, nhi, 1).i, tr.id_hi);
    if (tr.qty_lo <= tr.qty_hi) {
        assert_int_equal(bound(t, lo, nlo, 5).i, tr.qty_lo);
        assert_int_equal(bound(t, hi, nhi, 5).i, tr.qty_hi);
    }
    if (tr.score_lo <= tr.score_hi) {
        assert_true(bound(t, lo, nlo, 4).d == tr.score_lo);
        assert_true(bound(t, hi, nhi, 4).d == tr.score_hi);
    }
    if (tr.name_lo) {
        ko_ice_value l = bound(t, lo, nlo, 2), h = bound(t, hi, nhi, 2);
        size_t ll = strlen(tr.name_lo) < 16 ? strlen(tr.name_lo) : 16;
        assert_int_equal(l.len, ll);
        assert_memory_equal(l.bytes, tr.name_lo, ll);
        if (strlen(tr.name_hi) <= 16) {
            assert_int_equal(h.len, strlen(tr.name_hi));
            assert_memory_equal(h.bytes, tr.name_hi, h.len);
        } else { /* truncated and rounded up: "a name much lons" */
            assert_int_equal(h.len, 16);
            assert_memory_equal(h.bytes, tr.name_hi, 15);
            assert_int_equal(h.bytes[15], tr.name_hi[15] + 1);
        }
    }
    free(mine);
}

static void test_append_partitioned(void **state)
{
    fx *f = *state;
    ko_err err = {0};
    create_table(f, "t", "day(ts),bucket(4,id)");
    enum { N = 60 };
    char names[N][40];
    row *rows = make_rows(N, 100, names);
    ko_ice_commit_info info = append_rows(f, "t", "in/a.parquet", rows, N);
    assert_int_equal(info.attempts, 1);
    assert_int_equal(info.sequence_number, 1);
    assert_true(info.snapshot_id > 0);
    ko_ice_table t = load(f, "t");
    assert_int_equal(t.version, 2);
    assert_int_equal(t.meta.current_snapshot_id, info.snapshot_id);
    ko_ice_manifest_entry *es = NULL;
    size_t n = 0;
    TU_OK(ko_ice_table_files(&f->wh, &t, -1, &f->arena, &es, &n, &err), &err);
    assert_true(n >= 4 && n <= 12); /* 3 days x up to 4 buckets */
    int64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        const ko_ice_data_file *df = &es[i].data_file;
        assert_int_equal(es[i].status, KO_ICE_ENTRY_ADDED);
        assert_int_equal(es[i].snapshot_id, info.snapshot_id);
        assert_int_equal(es[i].sequence_number, 1);
        assert_non_null(strstr(df->file_path, "/data/ts_day=2024-01-0"));
        assert_non_null(strstr(df->file_path, "/id_bucket="));
        total += df->record_count;
        check_partition(f, &t, df);
        check_metrics(f, &t, df, rows, N);
    }
    assert_int_equal(total, N);
    const ko_ice_snapshot *s = ko_ice_meta_current_snapshot(&t.meta);
    assert_string_equal(s->operation, "append");
    assert_int_equal(summary_i64(s, "added-data-files"), (int64_t)n);
    assert_int_equal(summary_i64(s, "changed-partition-count"), (int64_t)n);
    assert_int_equal(summary_i64(s, "total-records"), N);
    free(rows);
}

static void test_summaries_exact(void **state)
{
    fx *f = *state;
    ko_err err = {0};
    create_table(f, "s", "bucket(3,id)");
    int64_t want_records = 0;
    for (int k = 0; k < 4; k++) {
        size_t n = 10 + 7 * (size_t)k;
        char names[40][40];
        row *rows = make_rows(n, 1000 * k, names);
        char key[64];
        snprintf(key, sizeof key, "in/s%d.parquet", k);
        append_rows(f, "s", key, rows, n);
        want_records += (int64_t)n;
        free(rows);
        ko_ice_table t = load(f, "s");
        const ko_ice_snapshot *s = ko_ice_meta_current_snapshot(&t.meta);
        ko_ice_manifest_entry *es = NULL;
        size_t nf = 0;
        TU_OK(ko_ice_table_files(&f->wh, &t, -1, &f->arena, &es, &nf, &err), &err);
        int64_t size = 0, recs = 0, added = 0, added_size = 0;
        for (size_t i = 0; i < nf; i++) {
            size += es[i].data_file.file_size_in_bytes;
            recs += es[i].data_file.record_count;
            if (es[i].snapshot_id == s->snapshot_id) {
                added++;
                added_size += es[i].data_file.file_size_in_bytes;
            }
        }
        assert_int_equal(s->sequence_number, k + 1);
        assert_int_equal(summary_i64(s, "total-records"), want_records);
        assert_int_equal(recs, want_records);
        assert_int_equal(summary_i64(s, "total-data-files"), (int64_t)nf);
        assert_int_equal(summary_i64(s, "total-files-size"), size);
        assert_int_equal(summary_i64(s, "added-records"), (int64_t)n);
        assert_int_equal(summary_i64(s, "added-data-files"), added);
        assert_int_equal(summary_i64(s, "added-files-size"), added_size);
        assert_int_equal(summary_i64(s, "total-delete-files"), 0);
        assert_int_equal(summary_i64(s, "total-position-deletes"), 0);
        assert_int_equal(summary_i64(s, "total-equality-deletes"), 0);
        assert_int_equal(t.meta.n_snapshot_log, (uint32_t)k + 1);
        assert_int_equal(t.meta.n_metadata_log, (uint32_t)k + 1);
    }
}

/* ---------------------------------------------------------------- conflicts */

static void test_conflict_retry(void **state)
{
    fx *f = *state;
    ko_err err = {0};
    create_table(f, "c", "bucket(2,id)");
    char names[20][40];
    row *rows = make_rows(20, 0, names);
    write_input(f, "in/c1.parquet", rows, 10);
    write_input(f, "in/c2.parquet", rows + 10, 10);
    /* Both writers read v1, write their files, then race to commit. */
    ko_ice_table t1, t2;
    TU_OK(ko_ice_table_load(&f->wh, "db", "c", &f->arena, &t1, &err), &err);
    TU_OK(ko_ice_table_load(&f->wh2, "db", "c", &f->arena, &t2, &err), &err);
    ko_pq_reader *r1 = open_input(f, "in/c1.parquet"), *r2 = open_input(f, "in/c2.parquet");
    ko_ice_data_file *d1, *d2;
    size_t n1, n2;
    TU_OK(ko_ice_table_write_files(&f->wh, &t1, &r1, NULL, 1, &f->arena, &d1, &n1, &err), &err);
    TU_OK(ko_ice_table_write_files(&f->wh2, &t2, &r2, NULL, 1, &f->arena, &d2, &n2, &err), &err);
    ko_ice_commit_info i1, i2;
    TU_OK(ko_ice_table_commit_append(&f->wh, &t1, d1, n1, NULL, &f->arena, &i1, &err), &err);
    ko_ice_commit_opts fast = {.backoff_base_ms = 1};
    TU_OK(ko_ice_table_commit_append(&f->wh2, &t2, d2, n2, &fast, &f->arena, &i2, &err), &err);
    assert_int_equal(i1.attempts, 1);
    assert_int_equal(i2.attempts, 2);
    assert_int_equal(i2.sequence_number, 2);
    ko_ice_table t = load(f, "c");
    const ko_ice_snapshot *s = ko_ice_meta_current_snapshot(&t.meta);
    assert_int_equal(s->snapshot_id, i2.snapshot_id);
    assert_int_equal(s->parent_id, i1.snapshot_id);
    assert_int_equal(summary_i64(s, "total-records"), 20);
    ko_ice_manifest_entry *es;
    size_t n;
    TU_OK(ko_ice_table_files(&f->wh, &t, -1, &f->arena, &es, &n, &err), &err);
    assert_int_equal(n, n1 + n2);
    /* The loser's first metadata file (also v2) was never written over. */
    assert_int_equal(t.version, 3);

    /* A version left by a writer that crashed before its commit is skipped. */
    const char stray[] = "{}";
    TU_OK(
        ko_store_put(f->store, "db/c/metadata/v4.metadata.json", stray, 2, KO_PUT_IF_ABSENT, &err),
        &err);
    ko_ice_commit_info i3 = append_rows(f, "c", "in/c3.parquet", rows, 5);
    assert_non_null(strstr(i3.metadata_location, "/v5.metadata.json"));
    t = load(f, "c");
    assert_int_equal(summary_i64(ko_ice_meta_current_snapshot(&t.meta), "total-records"), 25);
    int64_t count = 0;
    TU_OK(ko_cat_audit_verify(f->cat, &count, &err), &err);
    assert_int_equal(count, 5); /* ns, create, 3 commits */
    ko_pq_reader_close(r1);
    ko_pq_reader_close(r2);
    free(rows);
}

/* ----------------------------------------------------- evolution, history */

static ko_status add_note(void *ctx, const ko_ice_schema *base, int32_t *last, ko_arena *arena,
                          ko_ice_schema *out, ko_err *err)
{
    (void)ctx;
    ko_ice_new_column col = {.name = "note", .type = {.id = KO_ICE_STRING}};
    return ko_ice_schema_add_column(base, &col, last, arena, out, err);
}

static ko_status drop_ts(void *ctx, const ko_ice_schema *base, int32_t *last, ko_arena *arena,
                         ko_ice_schema *out, ko_err *err)
{
    (void)ctx;
    (void)last;
    return ko_ice_schema_drop_column(base, "ts", arena, out, err);
}

static void test_evolve(void **state)
{
    fx *f = *state;
    ko_err err = {0};
    create_table(f, "e", "day(ts)");
    char names[10][40];
    row *rows = make_rows(10, 0, names);
    append_rows(f, "e", "in/e1.parquet", rows, 10);
    ko_ice_commit_info info;
    TU_OK(ko_ice_table_update_schema(&f->wh, "db", "e", add_note, NULL, "add note", NULL, &f->arena,
                                     &info, &err),
          &err);
    ko_ice_table t = load(f, "e");
    assert_int_equal(t.meta.current_schema_id, 1);
    assert_int_equal(t.meta.last_column_id, 6);
    assert_non_null(ko_ice_schema_find_name(ko_ice_meta_current_schema(&t.meta), "note", false));
    /* Old-shaped files still append: the new optional column reads as null. */
    append_rows(f, "e", "in/e2.parquet", rows, 10);
    t = load(f, "e");
    ko_ice_manifest_entry *es;
    size_t n;
    TU_OK(ko_ice_table_files(&f->wh, &t, -1, &f->arena, &es, &n, &err), &err);
    int64_t notes_null = 0;
    for (size_t i = 0; i < n; i++)
        if (es[i].sequence_number == 2)
            notes_null +=
                count_of(es[i].data_file.null_value_counts, es[i].data_file.n_null_value_counts, 6);
    assert_int_equal(notes_null, 10);
    /* A partition source cannot be dropped; nothing changes. */
    assert_int_equal(ko_ice_table_update_schema(&f->wh, "db", "e", drop_ts, NULL, "drop ts", NULL,
                                                &f->arena, &info, &err),
                     KO_ERR_INVALID);
    assert_int_equal(load(f, "e").version, t.version);
    free(rows);
}

static void test_rollback_expire_remove(void **state)
{
    fx *f = *state;
    ko_err err = {0};
    create_table(f, "x", "bucket(2,id)");
    char names[12][40];
    row *rows = make_rows(12, 0, names);
    int64_t ids[3];
    for (int k = 0; k < 3; k++) {
        char key[32];
        snprintf(key, sizeof key, "in/x%d.parquet", k);
        ids[k] = append_rows(f, "x", key, rows + 4 * k, 4).snapshot_id;
    }
    ko_ice_commit_info info;
    assert_int_equal(ko_ice_table_rollback(&f->wh, "db", "x", 12345, NULL, &f->arena, &info, &err),
                     KO_ERR_NOT_FOUND);
    TU_OK(ko_ice_table_rollback(&f->wh, "db", "x", ids[1], NULL, &f->arena, &info, &err), &err);
    ko_ice_table t = load(f, "x");
    assert_int_equal(t.meta.current_snapshot_id, ids[1]);
    assert_int_equal(summary_i64(ko_ice_meta_current_snapshot(&t.meta), "total-records"), 8);
    TU_OK(ko_ice_table_rollback(&f->wh, "db", "x", ids[2], NULL, &f->arena, &info, &err), &err);

    /* Expire everything but the current snapshot. */
    int64_t *gone = NULL;
    size_t n_gone = 0;
    ko_ice_expire_opts eo = {.older_than_ms = ko_now_us() / 1000 + 1000, .retain_last = 1};
    TU_OK(ko_ice_table_expire(&f->wh, "db", "x", &eo, NULL, &f->arena, &gone, &n_gone, &info, &err),
          &err);
    assert_int_equal(n_gone, 2);
    t = load(f, "x");
    assert_int_equal(t.meta.n_snapshots, 1);
    assert_int_equal(t.meta.current_snapshot_id, ids[2]);

    /* An orphan from a crashed writer, and a fresh one. */
    TU_OK(ko_store_put(f->store, "db/x/data/orphan.parquet", "x", 1, KO_PUT_IF_ABSENT, &err), &err);
    ko_ice_remove_result rm;
    TU_OK(ko_ice_table_remove_files(&f->wh, "db", "x", ko_now_us() / 1000 - 60000, &f->arena, &rm,
                                    &err),
          &err);
    assert_int_equal(rm.n_removed, 0); /* everything is younger than a minute */
    assert_true(rm.n_too_new >= 3);    /* the orphan, expired manifest lists */
    TU_OK(ko_ice_table_remove_files(&f->wh, "db", "x", ko_now_us() / 1000 + 60000, &f->arena, &rm,
                                    &err),
          &err);
    assert_true(rm.n_removed >= 3);
    assert_false(exists(f, "db/x/data/orphan.parquet"));
    /* Every file the retained snapshot references is still there. */
    ko_ice_manifest_entry *es;
    size_t n;
    TU_OK(ko_ice_table_files(&f->wh, &t, -1, &f->arena, &es, &n, &err), &err);
    int64_t recs = 0;
    for (size_t i = 0; i < n; i++) {
        assert_true(exists(f, key_of(f, es[i].data_file.file_path)));
        recs += es[i].data_file.record_count;
    }
    assert_int_equal(recs, 12);
    assert_true(exists(f, key_of(f, t.metadata_location)));
    ko_cat_audit_page page;
    ko_cat_audit_filter flt = {.action = "table.remove_files"};
    TU_OK(ko_cat_audit_list(f->cat, &flt, NULL, 0, &f->arena, &page, &err), &err);
    assert_int_equal(page.len, 1);
    TU_OK(ko_cat_audit_verify(f->cat, NULL, &err), &err);
    free(rows);
}

/* ------------------------------------------------------------- bad inputs */

static void write_odd(fx *f, const char *key, ko_pq_schema_element *els, uint32_t n_leaves)
{
    ko_err err = {0};
    ko_pq_writer *w = NULL;
    TU_OK(ko_pq_writer_open(f->store, key, els, n_leaves + 1, NULL, &w, &err), &err);
    const ko_pq_schema *s = ko_pq_writer_schema(w);
    ko_pq_column cols[8];
    for (uint32_t i = 0; i < n_leaves; i++) {
        assert_int_equal(ko_pq_column_init(&cols[i], &s->leaves[i]), KO_OK);
        uint8_t v[8] = {'a', 0, 0, 0, 0, 0, 0, 0};
        fx_push(&cols[i], true, v,
                ko_pq_value_width(cols[i].type, cols[i].type_length)
                    ? ko_pq_value_width(cols[i].type, cols[i].type_length)
                    : 1);
    }
    TU_OK(ko_pq_writer_write(w, cols, &err), &err);
    TU_OK(ko_pq_writer_close(w, &err), &err);
    for (uint32_t i = 0; i < n_leaves; i++)
        ko_pq_column_free(&cols[i]);
}

static void expect_append_error(fx *f, const char *key, const char *pattern)
{
    ko_err err = {0};
    ko_pq_reader *r = open_input(f, key);
    ko_ice_commit_info info;
    assert_int_equal(
        ko_ice_table_append(&f->wh, "db", "b", &r, &key, 1, NULL, &f->arena, &info, &err),
        KO_ERR_INVALID);
    if (!strstr(err.msg, pattern) || !strstr(err.msg, key))
        fail_msg("error '%s' lacks '%s' or the file name", err.msg, pattern);
    ko_pq_reader_close(r);
}

static void test_bad_inputs(void **state)
{
    fx *f = *state;
    create_table(f, "b", "");
    ko_pq_schema_element root = {.name = "schema", .converted = KO_PQ_CT_NONE};
    ko_pq_schema_element extra[3] = {root, fx_el("id", KO_PQ_INT64, KO_PQ_REQUIRED),
                                     fx_el("surprise", KO_PQ_INT64, KO_PQ_OPTIONAL)};
    extra[0].num_children = 2;
    write_odd(f, "in/extra.parquet", extra, 2);
    expect_append_error(f, "in/extra.parquet", "column 'surprise' is not in the table");
    ko_pq_schema_element missing[2] = {root, fx_el("name", KO_PQ_BYTE_ARRAY, KO_PQ_OPTIONAL)};
    missing[0].num_children = 1;
    missing[1].logical.kind = KO_PQ_LT_STRING;
    write_odd(f, "in/missing.parquet", missing, 1);
    expect_append_error(f, "in/missing.parquet", "required column 'id' is missing");
    ko_pq_schema_element wrong[2] = {root, fx_el("id", KO_PQ_BYTE_ARRAY, KO_PQ_REQUIRED)};
    wrong[0].num_children = 1;
    wrong[1].logical.kind = KO_PQ_LT_STRING;
    write_odd(f, "in/wrong.parquet", wrong, 1);
    expect_append_error(f, "in/wrong.parquet",
                        "file type string cannot be written to table type long");
    ko_ice_table t = load(f, "b");
    assert_int_equal(t.version, 1);
    assert_int_equal(t.meta.n_snapshots, 0);
    ko_list_page page;
    ko_err err = {0};
    TU_OK(ko_store_list(f->store, "db/b/data/", NULL, 0, &page, &err), &err);
    assert_int_equal(page.count, 0); /* nothing left behind */
    ko_list_page_free(&page);
}

/* Writes a file of n bytes at dir/rel (directories made) and backdates
 * its modification time by age_s seconds. */
static void put_temp(fx *f, const char *rel, size_t n, int64_t age_s)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/wh/%s", f->dir, rel);
    for (char *p = strchr(path + strlen(f->dir) + 1, '/'); p; p = strchr(p + 1, '/')) {
        *p = '\0';
        (void)mkdir(path, 0755);
        *p = '/';
    }
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(fputc('x', fp), 'x');
    assert_int_equal(fclose(fp), 0);
    struct timespec ts[2];
    clock_gettime(CLOCK_REALTIME, &ts[0]);
    ts[0].tv_sec -= (time_t)age_s;
    ts[1] = ts[0];
    assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
}

/* Is there a file at wh/rel (temporary files are no keys: no ko_store_head)? */
static bool file_exists(fx *f, const char *rel)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/wh/%s", f->dir, rel);
    return access(path, F_OK) == 0;
}

/* Temporary files of killed local writes (".ko-tmp-*", invisible to
 * listings) go with the other unreferenced files once older than the
 * safety age; younger ones, and every referenced file, stay. */
static void test_remove_stale_temps(void **state)
{
    fx *f = *state;
    ko_err err = {0};
    create_table(f, "tmp", "bucket(2,id)");
    row rows[4] = {{.id = 1, .name = "a"}, {.id = 2}, {.id = 3, .name = "c"}, {.id = 4}};
    append_rows(f, "tmp", "in/tmp.parquet", rows, 4);
    const char *stale[] = {"db/tmp/data/.ko-tmp-1111", "db/tmp/data/id_bucket=1/.ko-tmp-2222",
                           "db/tmp/metadata/.ko-tmp-3333"};
    const char *fresh = "db/tmp/metadata/.ko-tmp-4444";
    for (size_t i = 0; i < 3; i++)
        put_temp(f, stale[i], 100, 4LL * 24 * 3600); /* older than the default 3 days */
    put_temp(f, fresh, 100, 3600);
    put_temp(f, "elsewhere/.ko-tmp-5555", 100, 30LL * 24 * 3600); /* not the table's */
    size_t before = fx_count_keys(f, "db/tmp/");
    ko_ice_remove_result rm;
    TU_OK(ko_ice_table_remove_files(&f->wh, "db", "tmp", 0, &f->arena, &rm, &err), &err);
    assert_int_equal(rm.n_temps, 3);
    assert_int_equal(rm.n_removed, 0);
    assert_int_equal(rm.bytes, 300);
    for (size_t i = 0; i < 3; i++)
        assert_false(file_exists(f, stale[i]));
    assert_true(file_exists(f, fresh));
    assert_true(file_exists(f, "elsewhere/.ko-tmp-5555"));
    assert_int_equal(fx_count_keys(f, "db/tmp/"), before);
    assert_true(rm.n_referenced > 0);
    /* A cut-off in the future takes the young one too. */
    TU_OK(ko_ice_table_remove_files(&f->wh, "db", "tmp", ko_now_us() / 1000 + 1000, &f->arena, &rm,
                                    &err),
          &err);
    assert_int_equal(rm.n_temps, 1);
    assert_false(file_exists(f, fresh));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_append_partitioned, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_summaries_exact, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_conflict_retry, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_evolve, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_rollback_expire_remove, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_bad_inputs, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_remove_stale_temps, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
