/*
 * test_ice_write_memory.c - bounded memory for appends into many
 * partitions: one input of about 50 MiB whose rows fall into 5,000
 * partitions (bucket(5000, id), rows in random partition order) is
 * appended in a child process, whose peak RSS (wait4's ru_maxrss) must
 * stay under twice the input size with write.korolev.buffer-bytes at 16
 * MiB; every row must arrive (total-records, record counts of the files,
 * one partition per file), and the files must not multiply beyond a small
 * factor of the partitions.  The peak with the default settings is
 * printed for the record.
 */
#include "ice_write_fixture.h"

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

/* Under AddressSanitizer RSS says nothing about the code (shadow memory,
 * quarantine): the bounds are checked in normal builds only. */
#if defined(__SANITIZE_ADDRESS__)
#define KO_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KO_TEST_ASAN 1
#endif
#endif
#ifndef KO_TEST_ASAN
#define KO_TEST_ASAN 0
#endif

enum { ROWS = 250000, BATCH = 10000, PAYLOAD = 180, PARTS = 5000 };

/* Input rows: id = a permutation of 0..ROWS-1 (so partitions interleave),
 * name = PAYLOAD pseudo-random letters. */
static uint64_t write_big_input(fx *f, const char *key)
{
    ko_pq_schema_element els[3] = {
        {.name = "schema", .num_children = 2, .converted = KO_PQ_CT_NONE},
        fx_el("id", KO_PQ_INT64, KO_PQ_REQUIRED),
        fx_el("name", KO_PQ_BYTE_ARRAY, KO_PQ_OPTIONAL)};
    els[2].logical = (ko_pq_logical){.kind = KO_PQ_LT_STRING};
    ko_err err = {0};
    ko_pq_writer_options o = {.codec = KO_PQ_UNCOMPRESSED, .row_group_bytes = 4 << 20};
    ko_pq_writer *w = NULL;
    TU_OK(ko_pq_writer_open(f->store, key, els, 3, &o, &w, &err), &err);
    const ko_pq_schema *s = ko_pq_writer_schema(w);
    ko_pq_column cols[2] = {0};
    char payload[PAYLOAD];
    for (int64_t base = 0; base < ROWS; base += BATCH) {
        for (int i = 0; i < 2; i++)
            assert_int_equal(ko_pq_column_init(&cols[i], &s->leaves[i]), KO_OK);
        for (int64_t r = base; r < base + BATCH; r++) {
            int64_t id = (r * 7919) % ROWS; /* 7919 is prime to ROWS */
            tu_fill(payload, sizeof payload, (uint64_t)id);
            for (size_t k = 0; k < sizeof payload; k++)
                payload[k] = (char)('a' + (uint8_t)payload[k] % 26);
            fx_push(&cols[0], true, &id, 8);
            fx_push(&cols[1], true, payload, sizeof payload);
        }
        TU_OK(ko_pq_writer_write(w, cols, &err), &err);
        for (int i = 0; i < 2; i++)
            ko_pq_column_free(&cols[i]);
    }
    TU_OK(ko_pq_writer_close(w, &err), &err);
    ko_obj_info info;
    TU_OK(ko_store_head(f->store, key, &info, &err), &err);
    return info.size;
}

/* Appends in a child; returns its peak RSS in bytes (0 when it failed). */
static uint64_t append_in_child(fx *f, const char *table, const char *key)
{
    (void)fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        ko_err err = {0};
        ko_store *store = NULL;
        ko_cat *cat = NULL;
        char uri[4200];
        snprintf(uri, sizeof uri, "%s/wh", f->dir);
        ko_status st = ko_store_open(uri, NULL, &store, &err);
        snprintf(uri, sizeof uri, "sqlite:%s/catalog.db", f->dir);
        if (st == KO_OK)
            st = ko_cat_open(uri, NULL, &cat, &err);
        ko_ice_catalog icat = {cat, fx_load, fx_create, fx_commit, fx_audit};
        ko_ice_warehouse wh = {store, &icat};
        ko_pq_reader *r = NULL;
        ko_arena a = {0};
        ko_ice_commit_info info;
        if (st == KO_OK)
            st = ko_pq_reader_open(store, key, &r, &err);
        if (st == KO_OK)
            st = ko_ice_table_append(&wh, "db", table, &r, &key, 1, NULL, &a, &info, &err);
        if (st != KO_OK)
            fprintf(stderr, "child: %s\n", err.msg);
        _exit(st == KO_OK ? 0 : 1);
    }
    int status = 0;
    struct rusage ru;
    assert_int_equal(wait4(pid, &status, 0, &ru), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    return (uint64_t)ru.ru_maxrss * 1024;
}

static uint64_t own_rss(void)
{
    char text[128] = {0};
    FILE *fp = fopen("/proc/self/statm", "r");
    size_t n = fp ? fread(text, 1, sizeof text - 1, fp) : 0;
    if (fp)
        (void)fclose(fp);
    const char *sp = n ? strchr(text, ' ') : NULL;
    unsigned long long resident = sp ? strtoull(sp + 1, NULL, 10) : 0;
    return (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

static void check_table(fx *f, const char *table, size_t *n_files)
{
    ko_err err = {0};
    ko_ice_table t = fx_table(f, table);
    assert_int_equal(fx_summary(ko_ice_meta_current_snapshot(&t.meta), "total-records"), ROWS);
    ko_ice_manifest_entry *es;
    size_t n;
    TU_OK(ko_ice_table_files(&f->wh, &t, -1, &f->arena, &es, &n, &err), &err);
    int64_t rows = 0;
    bool *seen = calloc(PARTS, sizeof *seen);
    size_t distinct = 0;
    for (size_t i = 0; i < n; i++) {
        rows += es[i].data_file.record_count;
        assert_int_equal(es[i].data_file.n_partition, 1);
        int64_t b = es[i].data_file.partition[0].i;
        assert_true(b >= 0 && b < PARTS);
        distinct += !seen[b];
        seen[b] = true;
    }
    free(seen);
    assert_int_equal(rows, ROWS);
    assert_int_equal(distinct, PARTS);
    *n_files = n;
}

static void test_many_partitions(void **state)
{
    fx *f = *state;
    uint64_t input = write_big_input(f, "in/big.parquet");
    const ko_ice_kv small[] = {{"write.korolev.buffer-bytes", "16777216"}};
    fx_create_table(f, "m", "bucket(5000,id)", small, 1);
    fx_create_table(f, "m2", "bucket(5000,id)", NULL, 0);
    uint64_t base = own_rss();
    uint64_t peak = append_in_child(f, "m", "in/big.parquet");
    size_t files = 0;
    check_table(f, "m", &files);
    uint64_t peak_default = append_in_child(f, "m2", "in/big.parquet");
    size_t files_default = 0;
    check_table(f, "m2", &files_default);
    print_message("input %.1f MiB; parent RSS %.1f MiB; child peak RSS %.1f MiB with a 16 MiB "
                  "buffer (%zu files), %.1f MiB with the defaults (%zu files)\n",
                  (double)input / 1048576, (double)base / 1048576, (double)peak / 1048576, files,
                  (double)peak_default / 1048576, files_default);
    assert_true(input > (uint64_t)40 << 20);
    /* Bounded: the whole child stays under twice the input's size (before
     * bounding, the append held every partition's rows in an open writer:
     * about 5 times the input), and under what the defaults take, which
     * buffer this whole input. */
    if (!KO_TEST_ASAN) {
        assert_true(peak < 2 * input);
        assert_true(peak < peak_default);
    }
    assert_true(files <= (size_t)4 * PARTS);
    assert_int_equal(files_default, PARTS); /* everything fit: one file each */
}

int main(void)
{
    /* Thousands of files, each fsync'd: a tmpfs keeps that fast. */
    if (!getenv("TMPDIR") && access("/dev/shm", W_OK) == 0)
        setenv("TMPDIR", "/dev/shm", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_many_partitions, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
