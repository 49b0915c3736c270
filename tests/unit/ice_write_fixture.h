/*
 * ice_write_fixture.h - what the Iceberg table tests (test_ice_table.c,
 * test_ice_write_*.c, test_ice_audit.c, test_ice_badinput.c) share: a
 * local warehouse with two handles on its catalog (two writers racing;
 * SQLite, or PostgreSQL for the tests CTest runs again under it), tables
 * (by default of (id long, grp int, name string, score double)), input
 * Parquet files of such rows, reading a table's rows back through
 * ko_ice_reader, and counting audit records and files.  Header-only:
 * every function is static and marked unused, so each test includes what
 * it needs.
 */
#ifndef KO_ICE_WRITE_FIXTURE_H
#define KO_ICE_WRITE_FIXTURE_H

#include "testutil.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ice_catalog_fixture.h"

/* ----------------------------------------------------------------- fixture */

typedef struct fx {
    char *dir;
    char ns[16]; /* the namespace fx_open created */
    char wh_uri[4200], cat_uri[4200];
    const char *pg_dsn; /* NULL: the catalog is SQLite in dir */
    ko_store *store;
    ko_cat *cat, *cat2;
    ko_ice_catalog icat, icat2;
    ko_ice_warehouse wh, wh2;
    ko_arena arena;
} fx;

static const char FX_SCHEMA[] =
    "{\"type\":\"struct\",\"fields\":["
    "{\"id\":1,\"name\":\"id\",\"required\":true,\"type\":\"long\"},"
    "{\"id\":2,\"name\":\"grp\",\"required\":false,\"type\":\"int\"},"
    "{\"id\":3,\"name\":\"name\",\"required\":false,\"type\":\"string\"},"
    "{\"id\":4,\"name\":\"score\",\"required\":false,\"type\":\"double\"}]}";

/* A fresh warehouse in a temporary directory with two handles on its
 * catalog: SQLite there, or with pg_ok the PostgreSQL server
 * KO_TEST_PG_DSN names; creates namespace ns (which a PostgreSQL
 * database shared by several tests needs distinct) unless NULL. */
FX_UNUSED static fx *fx_open(const char *ns, bool pg_ok)
{
    fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    ko_err err = {0};
    f->dir = tu_mkdtemp();
    snprintf(f->wh_uri, sizeof f->wh_uri, "%s/wh", f->dir);
    TU_OK(ko_store_open(f->wh_uri, NULL, &f->store, &err), &err);
    const char *dsn = pg_ok ? getenv("KO_TEST_PG_DSN") : NULL;
    f->pg_dsn = dsn && *dsn ? dsn : NULL;
    if (f->pg_dsn)
        snprintf(f->cat_uri, sizeof f->cat_uri, "%s", dsn);
    else
        snprintf(f->cat_uri, sizeof f->cat_uri, "sqlite:%s/catalog.db", f->dir);
    TU_OK(ko_cat_open(f->cat_uri, NULL, &f->cat, &err), &err);
    TU_OK(ko_cat_open(f->cat_uri, NULL, &f->cat2, &err), &err);
    f->icat = fx_catalog(f->cat);
    f->icat2 = fx_catalog(f->cat2);
    f->wh = (ko_ice_warehouse){f->store, &f->icat};
    f->wh2 = (ko_ice_warehouse){f->store, &f->icat2};
    snprintf(f->ns, sizeof f->ns, "%s", ns ? ns : "");
    if (ns)
        TU_OK(ko_cat_ns_create(f->cat, NULL, KO_CAT_NS(ns), NULL, 0, &err), &err);
    return f;
}

FX_UNUSED static void fx_close(fx *f)
{
    ko_cat_close(f->cat);
    ko_cat_close(f->cat2);
    ko_store_close(f->store);
    ko_arena_free(&f->arena);
    tu_rmtree(f->dir);
    free(f->dir);
    free(f);
}

/* cmocka setup and teardown of a SQLite fixture with namespace "db". */
FX_UNUSED static int fx_setup(void **state)
{
    *state = fx_open("db", false);
    return 0;
}

FX_UNUSED static int fx_teardown(void **state)
{
    fx_close(*state);
    return 0;
}

/* Creates db.name with the schema in JSON. */
FX_UNUSED static void fx_create_table_json(fx *f, const char *name, const char *schema_json,
                                           const char *partition_by, const ko_ice_kv *props,
                                           uint32_t n_props)
{
    ko_err err = {0};
    ko_ice_schema schema;
    TU_OK(ko_ice_schema_parse(schema_json, strlen(schema_json), &f->arena, &schema, &err), &err);
    ko_ice_table_create_opts o = {.schema = &schema,
                                  .partition_by = partition_by,
                                  .properties = props,
                                  .n_properties = n_props};
    TU_OK(ko_ice_table_create(&f->wh, f->ns, name, &o, &f->arena, NULL, &err), &err);
}

/* Creates db.name with FX_SCHEMA. */
FX_UNUSED static void fx_create_table(fx *f, const char *name, const char *partition_by,
                                      const ko_ice_kv *props, uint32_t n_props)
{
    fx_create_table_json(f, name, FX_SCHEMA, partition_by, props, n_props);
}

FX_UNUSED static ko_ice_table fx_table(fx *f, const char *name)
{
    ko_err err = {0};
    ko_ice_table t;
    TU_OK(ko_ice_table_load(&f->wh, f->ns, name, &f->arena, &t, &err), &err);
    return t;
}

/* ------------------------------------------------------------ input files */

/* Row i of an input: id, grp = id % 3 (null when id % 7 == 6), name
 * "n<id>", score id / 2. */
typedef struct fx_row {
    int64_t id;
    int32_t grp;
    bool grp_null;
    char name[24];
    double score;
} fx_row;

FX_UNUSED static fx_row fx_row_of(int64_t id)
{
    fx_row r = {.id = id, .grp = (int32_t)(id % 3), .grp_null = id % 7 == 6, .score = id / 2.0};
    snprintf(r.name, sizeof r.name, "n%" PRId64, id);
    return r;
}

FX_UNUSED static ko_pq_schema_element fx_el(const char *name, ko_pq_type t, ko_pq_repetition rep)
{
    return (ko_pq_schema_element){.name = name,
                                  .has_type = true,
                                  .type = t,
                                  .has_repetition = true,
                                  .repetition = rep,
                                  .converted = KO_PQ_CT_NONE};
}

FX_UNUSED static void fx_push(ko_pq_column *c, bool present, const void *v, size_t len)
{
    int16_t d = present ? c->max_def : 0;
    if (c->max_def > 0)
        assert_int_equal(ko_buf_append(&c->def, &d, sizeof d), KO_OK);
    c->n++;
    if (!present)
        return;
    assert_int_equal(ko_buf_append(&c->values, v, len), KO_OK);
    if (c->type == KO_PQ_BYTE_ARRAY) {
        int64_t end = (int64_t)c->values.len;
        assert_int_equal(ko_buf_append(&c->offsets, &end, sizeof end), KO_OK);
    }
    c->n_values++;
}

/* Writes rows with ids[0..n) (no field ids, as a user's file). */
FX_UNUSED static void fx_write_input(fx *f, const char *key, const int64_t *ids, size_t n)
{
    ko_pq_schema_element els[5] = {
        {.name = "schema", .num_children = 4, .converted = KO_PQ_CT_NONE},
        fx_el("id", KO_PQ_INT64, KO_PQ_REQUIRED),
        fx_el("grp", KO_PQ_INT32, KO_PQ_OPTIONAL),
        fx_el("name", KO_PQ_BYTE_ARRAY, KO_PQ_OPTIONAL),
        fx_el("score", KO_PQ_DOUBLE, KO_PQ_OPTIONAL)};
    els[3].logical = (ko_pq_logical){.kind = KO_PQ_LT_STRING};
    ko_err err = {0};
    ko_pq_writer *w = NULL;
    TU_OK(ko_pq_writer_open(f->store, key, els, 5, NULL, &w, &err), &err);
    const ko_pq_schema *s = ko_pq_writer_schema(w);
    ko_pq_column cols[4] = {0};
    for (int i = 0; i < 4; i++)
        assert_int_equal(ko_pq_column_init(&cols[i], &s->leaves[i]), KO_OK);
    for (size_t i = 0; i < n; i++) {
        fx_row r = fx_row_of(ids[i]);
        fx_push(&cols[0], true, &r.id, 8);
        fx_push(&cols[1], !r.grp_null, &r.grp, 4);
        fx_push(&cols[2], true, r.name, strlen(r.name));
        fx_push(&cols[3], true, &r.score, 8);
    }
    TU_OK(ko_pq_writer_write(w, cols, &err), &err);
    TU_OK(ko_pq_writer_close(w, &err), &err);
    for (int i = 0; i < 4; i++)
        ko_pq_column_free(&cols[i]);
}

FX_UNUSED static void fx_write_range(fx *f, const char *key, int64_t from, int64_t to)
{
    size_t n = (size_t)(to - from);
    int64_t *ids = calloc(n + 1, sizeof *ids);
    for (size_t i = 0; i < n; i++)
        ids[i] = from + (int64_t)i;
    fx_write_input(f, key, ids, n);
    free(ids);
}

/* Appends ids [from, to) through a writer on wh (f->wh or f->wh2). */
FX_UNUSED static ko_ice_commit_info fx_append(fx *f, const ko_ice_warehouse *wh, const char *table,
                                              int64_t from, int64_t to)
{
    char key[64];
    snprintf(key, sizeof key, "in/%s-%" PRId64 "-%" PRId64 ".parquet", table, from, to);
    fx_write_range(f, key, from, to);
    ko_err err = {0};
    ko_pq_reader *r = NULL;
    TU_OK(ko_pq_reader_open(f->store, key, &r, &err), &err);
    const char *name = key;
    ko_ice_commit_info info;
    TU_OK(ko_ice_table_append(wh, f->ns, table, &r, &name, 1, NULL, &f->arena, &info, &err), &err);
    ko_pq_reader_close(r);
    return info;
}

/* ------------------------------------------------------------- reading */

FX_UNUSED static int fx_i64_cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* The sorted ids of every row of table at snapshot sel (deletes applied);
 * checks each row's other columns against fx_row_of(id). */
FX_UNUSED static int64_t *fx_read_ids(fx *f, const char *table, const ko_ice_snapshot_sel *sel,
                                      size_t *n_out)
{
    ko_err err = {0};
    ko_ice_table t = fx_table(f, table);
    ko_ice_dir *dir = NULL;
    TU_OK(ko_ice_table_open_dir(&f->wh, &t, &dir, &err), &err);
    ko_arena a = {0};
    ko_ice_scan_plan plan;
    ko_ice_scan_opts o = {.snapshot = sel ? *sel : (ko_ice_snapshot_sel){.snapshot_id = -1}};
    TU_OK(ko_ice_scan_plan_files(dir, &o, &a, &plan, &err), &err);
    size_t cap = 1024, n = 0;
    int64_t *ids = malloc(cap * sizeof *ids);
    ko_ice_reader *r = NULL;
    TU_OK(ko_ice_reader_open(dir, &plan, &r, &err), &err);
    for (bool done = false; !done;) {
        const ko_pq_column *cols;
        size_t rows;
        TU_OK(ko_ice_reader_next(r, &cols, &rows, &done, &err), &err);
        if (!rows)
            continue;
        const int64_t *idv = (const int64_t *)cols[0].values.data;
        const int16_t *gdef = (const int16_t *)cols[1].def.data;
        const int32_t *gv = (const int32_t *)cols[1].values.data;
        size_t gi = 0;
        for (size_t i = 0; i < rows; i++) {
            fx_row want = fx_row_of(idv[i]);
            bool present = gdef[i] == cols[1].max_def;
            assert_int_equal(present, !want.grp_null);
            if (present)
                assert_int_equal(gv[gi++], want.grp);
            if (n == cap) {
                int64_t *more = realloc(ids, (cap *= 2) * sizeof *ids);
                assert_non_null(more);
                ids = more;
            }
            ids[n++] = idv[i];
        }
    }
    ko_ice_reader_close(r);
    ko_ice_dir_close(dir);
    ko_arena_free(&a);
    qsort(ids, n, sizeof *ids, fx_i64_cmp);
    *n_out = n;
    return ids;
}

/* Asserts the table holds exactly the ids for which keep(id) is true among
 * [0, upto). */
FX_UNUSED static void fx_expect_ids(fx *f, const char *table, int64_t upto, bool (*keep)(int64_t))
{
    size_t n = 0, k = 0;
    int64_t *ids = fx_read_ids(f, table, NULL, &n);
    for (int64_t id = 0; id < upto; id++) {
        if (!keep(id))
            continue;
        if (k >= n || ids[k] != id)
            fail_msg("table %s: expected id %" PRId64 " at row %zu, found %" PRId64, table, id, k,
                     k < n ? ids[k] : (int64_t)-1);
        k++;
    }
    assert_int_equal(k, n);
    free(ids);
}

FX_UNUSED static int64_t fx_summary(const ko_ice_snapshot *s, const char *key)
{
    const char *v = ko_ice_snapshot_summary(s, key);
    if (!v)
        fail_msg("summary has no %s", key);
    return v ? strtoll(v, NULL, 10) : -1;
}

/* Number of audit records so far. */
FX_UNUSED static int64_t fx_audit_count(fx *f)
{
    ko_err err = {0};
    int64_t count = 0;
    TU_OK(ko_cat_audit_verify(f->cat, &count, &err), &err);
    return count;
}

/* Keys under prefix in the store. */
FX_UNUSED static size_t fx_count_keys(fx *f, const char *prefix)
{
    ko_err err = {0};
    size_t n = 0;
    const char *token = NULL;
    char *owned = NULL;
    do {
        ko_list_page page = {0};
        TU_OK(ko_store_list(f->store, prefix, token, 1000, &page, &err), &err);
        n += page.count;
        free(owned);
        owned = page.next_token ? strdup(page.next_token) : NULL;
        token = owned;
        ko_list_page_free(&page);
    } while (token);
    return n;
}

/* Files under the table that no retained snapshot references (removed). */
FX_UNUSED static size_t fx_unreferenced(fx *f, const char *table)
{
    ko_err err = {0};
    ko_ice_remove_result rm;
    int64_t future = ko_now_us() / 1000 + 24LL * 3600 * 1000;
    TU_OK(ko_ice_table_remove_files(&f->wh, f->ns, table, future, &f->arena, &rm, &err), &err);
    for (size_t i = 0; i < rm.n_removed; i++)
        print_message("unreferenced: %s\n", rm.removed[i]);
    return rm.n_removed;
}

#endif
