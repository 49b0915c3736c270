/*
 * bench_store.c - throughput of the object store: put and get of 1 MiB and
 * 64 MiB objects, through the same ko_store_* calls the platform uses.
 *
 * usage: bench_store STORE_URI [REPEATS]
 * Prints one line per (operation, size): median time and MiB/s over the
 * repeats.  Not part of `make test`; bench/run drives it for local and s3rver.
 */
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int64_t median(int64_t *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_i64);
    return v[n / 2];
}

static void report(const char *uri, const char *op, size_t size, int64_t us)
{
    double mib = (double)size / (1024.0 * 1024.0);
    printf("%-28s %-4s %6.0f MiB  median %9.2f ms  %9.1f MiB/s\n", uri, op, mib, us / 1000.0,
           mib / (us / 1e6));
}

static int bench_size(ko_store *s, size_t size, int repeats)
{
    uint8_t *data = malloc(size);
    int64_t *put_us = calloc((size_t)repeats, sizeof *put_us);
    int64_t *get_us = calloc((size_t)repeats, sizeof *get_us);
    if (!data || !put_us || !get_us)
        return 1;
    for (size_t i = 0; i < size; i++)
        data[i] = (uint8_t)(i * 2654435761u >> 13);
    ko_err err = {0};
    ko_buf buf = {0};
    for (int r = 0; r < repeats; r++) {
        char key[64];
        snprintf(key, sizeof key, "bench/obj-%zu-%d", size, r);
        int64_t t0 = ko_monotonic_us();
        ko_status st = ko_store_put(s, key, data, size, KO_PUT_OVERWRITE, &err);
        int64_t t1 = ko_monotonic_us();
        ko_buf_reset(&buf);
        if (st == KO_OK)
            st = ko_store_get(s, key, &buf, &err);
        int64_t t2 = ko_monotonic_us();
        if (st != KO_OK || buf.len != size || memcmp(buf.data, data, size) != 0) {
            fprintf(stderr, "bench_store: %s\n", st != KO_OK ? err.msg : "data mismatch");
            return 1;
        }
        put_us[r] = t1 - t0;
        get_us[r] = t2 - t1;
        ko_store_delete(s, key, &err);
    }
    report(ko_store_uri(s), "put", size, median(put_us, repeats));
    report(ko_store_uri(s), "get", size, median(get_us, repeats));
    ko_buf_free(&buf);
    free(data);
    free(put_us);
    free(get_us);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_store STORE_URI [REPEATS]\n");
        return 2;
    }
    int repeats = argc > 2 ? atoi(argv[2]) : 5;
    if (repeats < 1)
        repeats = 1;
    ko_err err = {0};
    ko_store *s = NULL;
    if (ko_store_open(argv[1], NULL, &s, &err) != KO_OK) {
        fprintf(stderr, "bench_store: %s\n", err.msg);
        return 1;
    }
    int rc = bench_size(s, 1u << 20, repeats * 4) || bench_size(s, 64u << 20, repeats);
    ko_store_close(s);
    return rc;
}
