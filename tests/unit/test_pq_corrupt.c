/*
 * test_pq_corrupt.c - damaged Parquet files give clean errors.
 *
 * Every file of parquet-testing's data/ is read whole (every column chunk,
 * every record) after truncation at many points and after random byte
 * flips and overwrites.  Any status may come back, but an error must carry
 * a message, and nothing may crash, leak or read out of bounds (the suite
 * runs under ASan+UBSan in `make check`).  Every file of bad_data/ must be
 * refused, or read, cleanly the same way.
 */
#include "testutil.h"

#include "parquet/parquet.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t errors_seen;

static void check(ko_status st, const ko_err *err)
{
    if (st == KO_OK)
        return;
    errors_seen++;
    if (err->msg[0] == '\0')
        fail_msg("status %s without a message", ko_status_name(st));
    if (st == KO_ERR_INTERNAL)
        fail_msg("internal error: %s", err->msg);
}

/* Reads everything; returns the first error status (KO_OK if none). */
static ko_status read_all(const uint8_t *data, size_t len)
{
    ko_err err = {0};
    ko_pq_reader *r = NULL;
    ko_status st = ko_pq_reader_open_memory(data, len, "damaged.parquet", &r, &err);
    check(st, &err);
    if (st != KO_OK)
        return st;
    const ko_pq_file_meta *m = ko_pq_reader_meta(r);
    const ko_pq_schema *s = ko_pq_reader_schema(r);
    ko_pq_column col = {0};
    ko_status first = KO_OK;
    for (uint32_t rg = 0; rg < m->n_row_groups; rg++)
        for (uint32_t leaf = 0; leaf < s->n_leaves; leaf++) {
            st = ko_pq_read_column_chunk(r, rg, leaf, &col, &err);
            check(st, &err);
            first = first ? first : st;
        }
    ko_pq_column_free(&col);
    ko_pq_rows *rows = NULL;
    st = ko_pq_rows_open(r, NULL, 0, &rows, &err);
    check(st, &err);
    ko_buf out = {0};
    bool done = st != KO_OK;
    while (!done && st == KO_OK) {
        st = ko_pq_rows_next_rowgroup(rows, &done, &err);
        check(st, &err);
        size_t written = 1;
        while (st == KO_OK && !done && written > 0) {
            ko_buf_reset(&out);
            st = ko_pq_rows_write_jsonl(rows, &out, 1000, &written, &err);
            check(st, &err);
        }
    }
    ko_buf_free(&out);
    ko_pq_rows_close(rows);
    ko_pq_reader_close(r);
    return first ? first : st;
}

static uint8_t *load(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *p = malloc((size_t)n + 1);
    assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return p;
}

/* Calls fn(path) for each .parquet file of testdata/parquet-testing/<sub>. */
static int for_each_file(const char *sub, void (*fn)(const char *path))
{
    const char *td = getenv("KO_TESTDATA");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/parquet-testing/%s", td ? td : "../shared/testdata", sub);
    DIR *d = opendir(dir);
    if (!d)
        fail_msg("cannot open %s (set KO_TESTDATA)", dir);
    int n = 0;
    const struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t l = strlen(de->d_name);
        if (l < 8 || strcmp(de->d_name + l - 8, ".parquet") != 0)
            continue;
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        fn(path);
        n++;
    }
    closedir(d);
    return n;
}

static void damage_file(const char *path)
{
    size_t len;
    uint8_t *orig = load(path, &len);
    uint8_t *copy = malloc(len + 1);
    /* Truncations: exact-size heap copies so ASan sees any overread. */
    for (int i = 0; i < 40; i++) {
        size_t cut = (size_t)((uint64_t)len * (uint64_t)i / 40);
        uint8_t *t = malloc(cut ? cut : 1);
        memcpy(t, orig, cut);
        read_all(t, cut);
        free(t);
    }
    /* Mutations: flip or overwrite 1..4 bytes, biased to the footer and
     * the first pages, where the structure is. */
    uint64_t x = 0x9E3779B97F4A7C15ull ^ len;
    for (int i = 0; i < 150; i++) {
        memcpy(copy, orig, len);
        int flips = 1 + i % 4;
        for (int k = 0; k < flips; k++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            size_t window = i % 2 ? (len < 2048 ? len : 2048) : len;
            size_t pos = i % 3 == 0 ? (size_t)(x % len) : len - 1 - (size_t)(x % window);
            copy[pos] = i % 5 == 0 ? (uint8_t)(x >> 32) : (uint8_t)(copy[pos] ^ (1u << (x % 8)));
        }
        read_all(copy, len);
    }
    free(copy);
    free(orig);
}

static void test_damaged_files(void **state)
{
    (void)state;
    errors_seen = 0;
    assert_true(for_each_file("data", damage_file) > 40);
    assert_true(errors_seen > 1000); /* the damage was noticed, not ignored */
}

static void read_bad(const char *path)
{
    size_t len;
    uint8_t *data = load(path, &len);
    read_all(data, len);
    free(data);
}

static void test_bad_data(void **state)
{
    (void)state;
    assert_true(for_each_file("bad_data", read_bad) >= 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_damaged_files),
        cmocka_unit_test(test_bad_data),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
