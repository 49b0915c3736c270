/*
 * bench_iceberg.c - Iceberg table and catalog latencies (issue 4, bar 7).
 *
 * usage: bench_iceberg CATALOG_URI DIR [CAS_COMMITS [APPENDS [FILES [PLANS]]]]
 *   CATALOG_URI  sqlite:PATH or postgresql://... (the catalog to measure)
 *   DIR          an empty local directory: the warehouse
 *   defaults     1000 CAS commits, 200 appends, 10000 files, 30 plans
 *
 * Three measures, one writer, no contention:
 *   1. catalog CAS commit: ko_cat_commit swapping one table's pointer (one
 *      database transaction with its audit record); p50/p99/max.
 *   2. whole small append: ko_ice_table_append of a 100-row Parquet file
 *      (open the input, write one data file, a manifest, a manifest list and
 *      vN.metadata.json, swap the pointer, rewrite version-hint.text);
 *      p50/p99/max, and the first and last tenth separately, since the
 *      metadata file grows with every snapshot.
 *   3. planning a selective scan of a table of FILES data files: the files
 *      are synthetic entries (not written; planning never opens data files)
 *      with distinct bounds on column id (file i holds ids [1000 i,
 *      1000 i + 999]), committed through ko_ice_table_commit_append in
 *      batches of 100 files, so the table has FILES/100 snapshots and as
 *      many real manifests.  Each plan opens the table directory
 *      (ko_ice_dir_open: version hint, metadata JSON) and runs
 *      ko_ice_scan_plan_files for id = <a value inside one file>, which
 *      reads the manifest list and every manifest (an unpartitioned table:
 *      no manifest can be skipped) and must keep exactly one file.
 *      Reported: open + plan, and plan alone; the goal is < 50 ms.
 * Times come from the monotonic clock; planning also reports the
 * process's CPU time (user + system, getrusage), which a loaded machine
 * inflates less than wall time.  Not part of `make test`; bench/run
 * drives it on SQLite and on a throwaway PostgreSQL server.
 */
#include "../tests/unit/ice_catalog_fixture.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

/* ----------------------------------------------------------------- helpers */

typedef struct bench {
    ko_store *store;
    ko_cat *cat;
    ko_ice_catalog icat;
    ko_ice_warehouse wh;
} bench;

static int fail(const char *what, const ko_err *err)
{
    fprintf(stderr, "bench_iceberg: %s: %s\n", what, err->msg);
    return 1;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Sorts v and returns the q-quantile (nearest rank). */
static double quantile_ms(int64_t *v, size_t n, double q)
{
    qsort(v, n, sizeof *v, cmp_i64);
    size_t i = (size_t)(q * (double)n + 0.5);
    if (i >= n)
        i = n - 1;
    return (double)v[i] / 1000.0;
}

static void report(const char *label, int64_t *us, size_t n)
{
    double p50 = quantile_ms(us, n, 0.50), p99 = quantile_ms(us, n, 0.99);
    printf("%-44s n %5zu  p50 %8.3f ms  p99 %8.3f ms  max %8.3f ms\n", label, n, p50, p99,
           (double)us[n - 1] / 1000.0);
}

/* ------------------------------------------------------- 1. CAS commits */

static int bench_cas(bench *b, size_t n)
{
    ko_err err = {0};
    int64_t *us = calloc(n, sizeof *us);
    char prev[64], next[64];
    snprintf(prev, sizeof prev, "file:///bench/cas/v0.metadata.json");
    if (!us)
        return 1;
    if (ko_cat_table_create(b->cat, NULL, KO_CAT_NS("bench"), "cas", prev, &err) != KO_OK) {
        free(us);
        return fail("create the CAS table", &err);
    }
    for (size_t i = 0; i < n; i++) {
        snprintf(next, sizeof next, "file:///bench/cas/v%zu.metadata.json", i + 1);
        ko_cat_change chg = {"bench", "{\"operation\":\"append\"}"};
        int64_t t0 = ko_monotonic_us();
        if (ko_cat_commit(b->cat, &chg, KO_CAT_NS("bench"), "cas", prev, next, &err) != KO_OK) {
            free(us);
            return fail("CAS commit", &err);
        }
        us[i] = ko_monotonic_us() - t0;
        memcpy(prev, next, sizeof prev);
    }
    char label[96];
    snprintf(label, sizeof label, "catalog CAS commit (%s)", ko_cat_backend(b->cat));
    report(label, us, n);
    free(us);
    return 0;
}

/* ------------------------------------------------------- 2. small appends */

static ko_status push(ko_pq_column *c, const void *v, size_t len)
{
    if (c->max_def > 0) {
        int16_t d = c->max_def;
        if (ko_buf_append(&c->def, &d, sizeof d) != KO_OK)
            return KO_ERR_NOMEM;
    }
    c->n++;
    c->n_values++;
    if (ko_buf_append(&c->values, v, len) != KO_OK)
        return KO_ERR_NOMEM;
    if (c->type != KO_PQ_BYTE_ARRAY)
        return KO_OK;
    int64_t end = (int64_t)c->values.len;
    return ko_buf_append(&c->offsets, &end, sizeof end);
}

/* A 100-row Parquet file (id long, name string) at key. */
static ko_status write_input(bench *b, const char *key, ko_err *err)
{
    ko_pq_schema_element els[3] = {
        {.name = "schema", .num_children = 2, .converted = KO_PQ_CT_NONE},
        {.name = "id",
         .has_type = true,
         .type = KO_PQ_INT64,
         .has_repetition = true,
         .repetition = KO_PQ_REQUIRED,
         .converted = KO_PQ_CT_NONE},
        {.name = "name",
         .has_type = true,
         .type = KO_PQ_BYTE_ARRAY,
         .has_repetition = true,
         .repetition = KO_PQ_OPTIONAL,
         .converted = KO_PQ_CT_NONE,
         .logical = {.kind = KO_PQ_LT_STRING}},
    };
    ko_pq_writer *w = NULL;
    ko_pq_column cols[2] = {0};
    ko_status st = ko_pq_writer_open(b->store, key, els, 3, NULL, &w, err);
    for (int i = 0; st == KO_OK && i < 2; i++)
        st = ko_pq_column_init(&cols[i], &ko_pq_writer_schema(w)->leaves[i]);
    for (int64_t r = 0; st == KO_OK && r < 100; r++) {
        char name[32];
        int len = snprintf(name, sizeof name, "name %lld", (long long)r);
        st = push(&cols[0], &r, sizeof r);
        if (st == KO_OK)
            st = push(&cols[1], name, (size_t)len);
    }
    if (st == KO_OK)
        st = ko_pq_writer_write(w, cols, err);
    if (w && st == KO_OK)
        st = ko_pq_writer_close(w, err);
    for (int i = 0; i < 2; i++)
        ko_pq_column_free(&cols[i]);
    return st == KO_ERR_NOMEM && !err->msg[0] ? ko_err_set(err, st, "out of memory") : st;
}

static ko_status make_table(bench *b, const char *name, const char *partition_by, ko_arena *a,
                            ko_err *err)
{
    static const char schema_json[] =
        "{\"type\":\"struct\",\"fields\":[{\"id\":1,\"name\":\"id\",\"required\":true,"
        "\"type\":\"long\"},{\"id\":2,\"name\":\"name\",\"required\":false,\"type\":\"string\"}]}";
    ko_ice_schema schema;
    ko_status st = ko_ice_schema_parse(schema_json, strlen(schema_json), a, &schema, err);
    ko_ice_table_create_opts o = {.schema = &schema, .partition_by = partition_by};
    return st == KO_OK ? ko_ice_table_create(&b->wh, "bench", name, &o, a, NULL, err) : st;
}

static ko_status one_append(bench *b, const char *key, ko_err *err)
{
    ko_arena a = {0};
    ko_pq_reader *r = NULL;
    ko_ice_commit_info info;
    ko_status st = ko_pq_reader_open(b->store, key, &r, err);
    if (st == KO_OK)
        st = ko_ice_table_append(&b->wh, "bench", "app", &r, &key, 1, NULL, &a, &info, err);
    ko_pq_reader_close(r);
    ko_arena_free(&a);
    return st;
}

static int bench_appends(bench *b, size_t n)
{
    ko_err err = {0};
    ko_arena a = {0};
    const char *key = "input/small.parquet";
    if (write_input(b, key, &err) != KO_OK || make_table(b, "app", NULL, &a, &err) != KO_OK) {
        ko_arena_free(&a);
        return fail("set up the append table", &err);
    }
    ko_arena_free(&a);
    int64_t *us = calloc(n, sizeof *us);
    if (!us)
        return 1;
    for (size_t i = 0; i < n; i++) {
        int64_t t0 = ko_monotonic_us();
        if (one_append(b, key, &err) != KO_OK) {
            free(us);
            return fail("append", &err);
        }
        us[i] = ko_monotonic_us() - t0;
    }
    char label[96];
    size_t tenth = n / 10 ? n / 10 : 1;
    snprintf(label, sizeof label, "small append, first %zu (%s)", tenth, ko_cat_backend(b->cat));
    int64_t *first = malloc(tenth * sizeof *first), *last = malloc(tenth * sizeof *last);
    if (first && last) {
        memcpy(first, us, tenth * sizeof *us);
        memcpy(last, us + n - tenth, tenth * sizeof *us);
        report(label, first, tenth);
        snprintf(label, sizeof label, "small append, last %zu (%s)", tenth, ko_cat_backend(b->cat));
        report(label, last, tenth);
    }
    snprintf(label, sizeof label, "small append, all (%s)", ko_cat_backend(b->cat));
    report(label, us, n);
    free(first);
    free(last);
    free(us);
    return 0;
}

/* --------------------------------------------------------- 3. planning */

enum { BATCH = 100, IDS_PER_FILE = 1000 };

/* Synthetic entries for files [first, first + BATCH) of the table at
 * location, in arena. */
static ko_status synthetic_files(const char *location, size_t first, ko_arena *a,
                                 ko_ice_data_file *out, ko_err *err)
{
    static const ko_ice_type long_type = {.id = KO_ICE_LONG};
    for (size_t i = 0; i < BATCH; i++) {
        size_t k = first + i;
        ko_ice_id_count *counts = ko_arena_calloc(a, 2, sizeof *counts);
        ko_ice_id_bound *lo = ko_arena_calloc(a, 1, sizeof *lo),
                        *hi = ko_arena_calloc(a, 1, sizeof *hi);
        uint8_t *bytes = ko_arena_alloc(a, 16);
        const char *path = ko_arena_sprintf(a, "%s/data/synthetic-%06zu.parquet", location, k);
        if (!counts || !lo || !hi || !bytes || !path)
            return ko_err_set(err, KO_ERR_NOMEM, "out of memory");
        ko_ice_value lv = ko_ice_value_long((int64_t)(k * IDS_PER_FILE));
        ko_ice_value hv = ko_ice_value_long((int64_t)(k * IDS_PER_FILE + IDS_PER_FILE - 1));
        ko_buf buf = {0};
        ko_status st = ko_ice_value_to_bytes(&long_type, &lv, &buf, err);
        if (st == KO_OK)
            st = ko_ice_value_to_bytes(&long_type, &hv, &buf, err);
        if (st != KO_OK || buf.len != 16) {
            ko_buf_free(&buf);
            return st != KO_OK ? st : ko_err_set(err, KO_ERR_INTERNAL, "bad long bounds");
        }
        memcpy(bytes, buf.data, 16);
        ko_buf_free(&buf);
        counts[0] = (ko_ice_id_count){1, IDS_PER_FILE};
        counts[1] = (ko_ice_id_count){2, IDS_PER_FILE};
        *lo = (ko_ice_id_bound){1, {bytes, 8}};
        *hi = (ko_ice_id_bound){1, {bytes + 8, 8}};
        out[i] = (ko_ice_data_file){.content = KO_ICE_CONTENT_DATA,
                                    .file_path = path,
                                    .file_format = "PARQUET",
                                    .record_count = IDS_PER_FILE,
                                    .file_size_in_bytes = 8192,
                                    .value_counts = counts,
                                    .n_value_counts = 2,
                                    .null_value_counts = NULL,
                                    .lower_bounds = lo,
                                    .n_lower_bounds = 1,
                                    .upper_bounds = hi,
                                    .n_upper_bounds = 1,
                                    .sort_order_id = -1,
                                    .spec_id = 0};
    }
    return KO_OK;
}

static ko_status build_plan_table(bench *b, size_t n_files, const char **location, ko_err *err)
{
    ko_arena keep = {0};
    ko_status st = make_table(b, "plan", NULL, &keep, err);
    for (size_t first = 0; st == KO_OK && first < n_files; first += BATCH) {
        ko_arena a = {0};
        ko_ice_table t;
        ko_ice_data_file files[BATCH];
        ko_ice_commit_info info;
        st = ko_ice_table_load(&b->wh, "bench", "plan", &a, &t, err);
        if (st == KO_OK)
            st = synthetic_files(t.meta.location, first, &a, files, err);
        if (st == KO_OK)
            st = ko_ice_table_commit_append(&b->wh, &t, files, BATCH, NULL, &a, &info, err);
        if (st == KO_OK && first + BATCH >= n_files) {
            size_t len = strlen(t.meta.location) + 1;
            char *copy = malloc(len);
            if (copy)
                memcpy(copy, t.meta.location, len);
            *location = copy;
            st = copy ? KO_OK : ko_err_set(err, KO_ERR_NOMEM, "out of memory");
        }
        ko_arena_free(&a);
    }
    ko_arena_free(&keep);
    return st;
}

static int64_t cpu_us(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return 0;
    return (int64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 + ru.ru_utime.tv_usec +
           ru.ru_stime.tv_usec;
}

/* One timed plan for id = target; *open_us and *plan_us receive the times. */
static ko_status plan_once(const char *location, int64_t target, int64_t *open_us, int64_t *plan_us,
                           ko_ice_scan_plan *out, ko_arena *a, ko_err *err)
{
    int64_t t0 = ko_monotonic_us();
    ko_ice_dir *dir = NULL;
    ko_status st = ko_ice_dir_open(location, NULL, NULL, &dir, err);
    int64_t t1 = ko_monotonic_us();
    ko_ice_pred *p = ko_ice_pred_cmp(a, KO_ICE_PRED_EQ, 1, ko_ice_value_long(target));
    if (st == KO_OK && !p)
        st = ko_err_set(err, KO_ERR_NOMEM, "out of memory");
    ko_ice_scan_opts o = {.snapshot = {.snapshot_id = -1}, .filter = p};
    if (st == KO_OK)
        st = ko_ice_scan_plan_files(dir, &o, a, out, err);
    int64_t t2 = ko_monotonic_us();
    ko_ice_dir_close(dir);
    *open_us = t2 - t0;
    *plan_us = t2 - t1;
    return st;
}

static int bench_plan(bench *b, size_t n_files, size_t n_plans)
{
    ko_err err = {0};
    const char *location = NULL;
    int64_t t0 = ko_monotonic_us();
    if (build_plan_table(b, n_files, &location, &err) != KO_OK)
        return fail("build the planning table", &err);
    printf("built a table of %zu data files in %zu appends of %d files in %.1f s\n", n_files,
           n_files / BATCH, BATCH, (double)(ko_monotonic_us() - t0) / 1e6);
    int64_t *open_us = calloc(n_plans, sizeof *open_us),
            *plan_us = calloc(n_plans, sizeof *plan_us);
    int64_t *cpu = calloc(n_plans, sizeof *cpu);
    int rc = open_us && plan_us && cpu ? 0 : 1;
    for (size_t i = 0; rc == 0 && i < n_plans; i++) {
        int64_t c0 = cpu_us();
        ko_arena a = {0};
        ko_ice_scan_plan plan;
        size_t file = (i * 7919) % n_files;
        int64_t target = (int64_t)(file * IDS_PER_FILE + 500);
        if (plan_once(location, target, &open_us[i], &plan_us[i], &plan, &a, &err) != KO_OK)
            rc = fail("plan", &err);
        else if (plan.n_tasks != 1 || plan.manifests != n_files / BATCH ||
                 plan.data_files_skipped != n_files - 1)
            rc = fprintf(stderr,
                         "bench_iceberg: plan for id %lld kept %zu files (%zu skipped) of %zu "
                         "manifests, want 1\n",
                         (long long)target, plan.n_tasks, plan.data_files_skipped,
                         plan.manifests) > 0;
        ko_arena_free(&a);
        cpu[i] = cpu_us() - c0;
    }
    if (rc == 0) {
        char label[96];
        snprintf(label, sizeof label, "plan id = x, %zu files: open + plan", n_files);
        report(label, open_us, n_plans);
        snprintf(label, sizeof label, "plan id = x, %zu files: plan only", n_files);
        report(label, plan_us, n_plans);
        snprintf(label, sizeof label, "plan id = x, %zu files: CPU, open + plan", n_files);
        report(label, cpu, n_plans);
    }
    free(cpu);
    free(open_us);
    free(plan_us);
    free((char *)location);
    return rc;
}

/* ------------------------------------------------------------------ main */

static size_t arg(int argc, char **argv, int i, size_t dflt)
{
    return argc > i ? (size_t)strtoull(argv[i], NULL, 10) : dflt;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_iceberg CATALOG_URI DIR [CAS_COMMITS [APPENDS [FILES "
                        "[PLANS]]]]\n");
        return 2;
    }
    size_t n_cas = arg(argc, argv, 3, 1000), n_app = arg(argc, argv, 4, 200);
    size_t n_files = arg(argc, argv, 5, 10000), n_plans = arg(argc, argv, 6, 30);
    if (!n_cas || !n_app || !n_plans || n_files < BATCH || n_files % BATCH) {
        fprintf(stderr, "bench_iceberg: counts must be positive, FILES a multiple of %d\n", BATCH);
        return 2;
    }
    (void)setvbuf(stdout, NULL, _IOLBF, 0);
    bench b = {0};
    ko_err err = {0};
    if (ko_store_open(argv[2], NULL, &b.store, &err) != KO_OK)
        return fail(argv[2], &err);
    if (ko_cat_open(argv[1], NULL, &b.cat, &err) != KO_OK) {
        ko_store_close(b.store);
        return fail(argv[1], &err);
    }
    b.icat = fx_catalog(b.cat);
    b.wh = (ko_ice_warehouse){b.store, &b.icat};
    int rc = ko_cat_ns_create(b.cat, NULL, KO_CAT_NS("bench"), NULL, 0, &err) == KO_OK
                 ? 0
                 : fail("create namespace bench (use a fresh catalog)", &err);
    if (rc == 0)
        rc = bench_cas(&b, n_cas);
    if (rc == 0)
        rc = bench_appends(&b, n_app);
    if (rc == 0)
        rc = bench_plan(&b, n_files, n_plans);
    ko_cat_close(b.cat);
    ko_store_close(b.store);
    return rc;
}
