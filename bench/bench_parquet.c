/*
 * bench_parquet.c - the Korolev side of the Parquet benchmark against
 * DuckDB (bench/parquet_duckdb.mjs is the other side; bench/README.md says
 * how to run both and what the figures mean).
 *
 * usage: bench_parquet write  REF.parquet OUTDIR REPEATS
 *        bench_parquet decode REF.parquet THREADS REPEATS [--values]
 *
 * write   reads every column chunk of REF into one ko_pq_column per leaf
 *         (untimed), then times ko_pq_writer_open / write / close of the
 *         whole table with ZSTD into OUTDIR/korolev.parquet (the last
 *         repetition's file is kept there).  It reports the
 *         file size, the row groups written, and the peak memory of the
 *         write: the high-water mark of resident memory (VmHWM, reset
 *         through /proc/self/clear_refs before the write) less the resident
 *         memory before it, so the input columns are not counted.
 * decode  times opening REF and decoding every column chunk with
 *         ko_pq_read_column_chunk on THREADS pool threads, which take
 *         (row group, column) pairs from a shared counter, keep one column
 *         buffer per leaf, and fold each decoded chunk into that column's
 *         minimum and maximum (signed integers, bytewise strings).
 *         --values prints the minima and maxima as JSON values.
 *
 * BENCH_PQ_CODEC=uncompressed (or another codec name) in the environment
 * overrides ZSTD for the write, to see what the codec costs.
 *
 * Output lines start with "korolev <measure>", one per repetition, then a
 * "median" line.  Not part of `make test`; bench/run drives it.
 */
#include "parquet/parquet.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char OUT_KEY[] = "korolev.parquet";

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

static int fail(const char *what, const ko_err *err)
{
    fprintf(stderr, "bench_parquet: %s: %s\n", what, err->msg);
    return 1;
}

/* CPU time of the process (all threads), in microseconds. */
static int64_t cpu_us(void)
{
    return (int64_t)((double)clock() * 1e6 / CLOCKS_PER_SEC);
}

/* ---------------------------------------------------------------- memory */

/* A "VmRSS" or "VmHWM" line of /proc/self/status, in KiB (-1 if absent). */
static long status_kib(const char *field)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = -1;
    size_t n = strlen(field);
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, field, n) == 0 && line[n] == ':')
            kib = strtol(line + n + 1, NULL, 10);
    if (f)
        fclose(f);
    return kib;
}

/* Resets VmHWM to the current VmRSS (Linux 4.0 and later). */
static bool reset_peak(void)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (!f)
        return false;
    bool ok = fputs("5", f) >= 0;
    return fclose(f) == 0 && ok;
}

/* ------------------------------------------------------------ the input */

/* Opens the directory of path as a local store and the file as a reader. */
static ko_status open_ref(const char *path, ko_store **store, ko_pq_reader **r, ko_err *err)
{
    char *key = NULL;
    ko_status st = ko_store_open_object(path, NULL, store, &key, err);
    if (st == KO_OK)
        st = ko_pq_reader_open(*store, key, r, err);
    free(key);
    return st;
}

/* Appends the entries of chunk to col (both of one leaf). */
static ko_status append_column(ko_pq_column *col, const ko_pq_column *chunk)
{
    ko_status st = ko_buf_append(&col->def, chunk->def.data, chunk->def.len);
    if (st == KO_OK)
        st = ko_buf_append(&col->rep, chunk->rep.data, chunk->rep.len);
    int64_t base = (int64_t)col->values.len;
    if (st == KO_OK)
        st = ko_buf_append(&col->values, chunk->values.data, chunk->values.len);
    const int64_t *off = (const int64_t *)chunk->offsets.data;
    for (size_t i = 1; st == KO_OK && col->type == KO_PQ_BYTE_ARRAY && i <= chunk->n_values; i++) {
        int64_t o = base + off[i];
        st = ko_buf_append(&col->offsets, &o, sizeof o);
    }
    col->n += chunk->n;
    col->n_values += chunk->n_values;
    return st;
}

/* Reads every row group of leaf into col. */
static ko_status load_leaf(ko_pq_reader *r, uint32_t leaf, ko_pq_column *col, ko_err *err)
{
    const ko_pq_leaf *lf = &ko_pq_reader_schema(r)->leaves[leaf];
    ko_pq_column chunk = {0};
    ko_status st = ko_pq_column_init(col, lf);
    if (st == KO_OK)
        st = ko_pq_column_init(&chunk, lf);
    for (uint32_t g = 0; st == KO_OK && g < ko_pq_reader_meta(r)->n_row_groups; g++) {
        st = ko_pq_read_column_chunk(r, g, leaf, &chunk, err);
        if (st == KO_OK && append_column(col, &chunk) != KO_OK)
            st = ko_err_set(err, KO_ERR_NOMEM, "out of memory loading %s", lf->path);
    }
    ko_pq_column_free(&chunk);
    return st;
}

static size_t columns_bytes(const ko_pq_column *cols, uint32_t n)
{
    size_t b = 0;
    for (uint32_t i = 0; i < n; i++)
        b += cols[i].def.len + cols[i].rep.len + cols[i].values.len + cols[i].offsets.len;
    return b;
}

/* ----------------------------------------------------------------- write */

typedef struct write_result {
    int64_t us, cpu;
    long peak_kib; /* -1 when the peak could not be measured */
    uint64_t size;
    uint32_t row_groups;
    int64_t rg_bytes; /* largest row group, uncompressed (total_byte_size) */
} write_result;

static ko_status write_once(ko_store *out, const ko_pq_file_meta *m, const ko_pq_column *cols,
                            ko_err *err)
{
    ko_pq_writer_options o = {.codec = KO_PQ_ZSTD};
    const char *codec = getenv("BENCH_PQ_CODEC"); /* for analysis: "uncompressed", ... */
    if (codec && !ko_pq_codec_parse(codec, &o.codec))
        return ko_err_set(err, KO_ERR_INVALID, "BENCH_PQ_CODEC: unknown codec %s", codec);
    ko_pq_writer *w = NULL;
    ko_status st = ko_pq_writer_open(out, OUT_KEY, m->schema, m->n_schema, &o, &w, err);
    if (st == KO_OK)
        st = ko_pq_writer_write(w, cols, err);
    if (st != KO_OK) {
        if (w)
            ko_pq_writer_abort(w);
        return st;
    }
    return ko_pq_writer_close(w, err);
}

/* Size and row groups of the file just written. */
static ko_status inspect_output(ko_store *out, write_result *res, ko_err *err)
{
    ko_pq_reader *r = NULL;
    ko_status st = ko_pq_reader_open(out, OUT_KEY, &r, err);
    if (st != KO_OK)
        return st;
    const ko_pq_file_meta *m = ko_pq_reader_meta(r);
    res->size = ko_pq_reader_file_size(r);
    res->row_groups = m->n_row_groups;
    res->rg_bytes = 0;
    for (uint32_t g = 0; g < m->n_row_groups; g++)
        if (m->row_groups[g].total_byte_size > res->rg_bytes)
            res->rg_bytes = m->row_groups[g].total_byte_size;
    ko_pq_reader_close(r);
    return KO_OK;
}

static ko_status timed_write(ko_store *out, const ko_pq_file_meta *m, const ko_pq_column *cols,
                             write_result *res, ko_err *err)
{
    long before = status_kib("VmRSS");
    bool peak_ok = before > 0 && reset_peak();
    int64_t t0 = ko_monotonic_us(), c0 = cpu_us();
    ko_status st = write_once(out, m, cols, err);
    res->us = ko_monotonic_us() - t0;
    res->cpu = cpu_us() - c0;
    long hwm = status_kib("VmHWM");
    res->peak_kib = peak_ok && hwm >= before ? hwm - before : -1;
    if (st == KO_OK)
        st = inspect_output(out, res, err);
    return st;
}

static int bench_write(const char *ref, const char *outdir, int repeats)
{
    ko_err err = {0};
    ko_store *in = NULL, *out = NULL;
    ko_pq_reader *r = NULL;
    if (open_ref(ref, &in, &r, &err) != KO_OK || ko_store_open(outdir, NULL, &out, &err) != KO_OK)
        return fail(ref, &err);
    const ko_pq_schema *s = ko_pq_reader_schema(r);
    ko_pq_column *cols = calloc(s->n_leaves, sizeof *cols);
    int64_t *us = calloc((size_t)repeats, sizeof *us);
    if (!cols || !us)
        return fprintf(stderr, "bench_parquet: out of memory\n"), 1;
    for (uint32_t i = 0; i < s->n_leaves; i++)
        if (load_leaf(r, i, &cols[i], &err) != KO_OK)
            return fail("loading the input", &err);
    printf("korolev input: %lld rows, %.1f MiB of decoded columns\n",
           (long long)ko_pq_reader_meta(r)->num_rows, columns_bytes(cols, s->n_leaves) / 1048576.0);
    write_result res = {0};
    for (int i = 0; i < repeats; i++) {
        if (timed_write(out, ko_pq_reader_meta(r), cols, &res, &err) != KO_OK)
            return fail("writing", &err);
        us[i] = res.us;
        printf("korolev write run %d: %.1f ms (cpu %.1f ms), %llu bytes, %u row groups (largest "
               "%.1f MiB uncompressed), peak %+.1f MiB\n",
               i + 1, res.us / 1000.0, res.cpu / 1000.0, (unsigned long long)res.size,
               res.row_groups, res.rg_bytes / 1048576.0, res.peak_kib / 1024.0);
        fflush(stdout);
        if (i + 1 < repeats) /* the last file stays for inspection */
            ko_store_delete(out, OUT_KEY, &err);
    }
    printf("korolev write median %.1f ms %llu bytes\n", median(us, repeats) / 1000.0,
           (unsigned long long)res.size);
    for (uint32_t i = 0; i < s->n_leaves; i++)
        ko_pq_column_free(&cols[i]);
    free(cols);
    free(us);
    ko_pq_reader_close(r);
    ko_store_close(in);
    ko_store_close(out);
    return 0;
}

/* ---------------------------------------------------------------- decode */

/* Minimum and maximum of one column (or chunk): integers in i, byte
 * strings in the buffers. */
typedef struct minmax {
    bool has;
    int64_t lo, hi;
    ko_buf slo, shi;
} minmax;

static void mm_int(minmax *m, int64_t lo, int64_t hi)
{
    if (!m->has || lo < m->lo)
        m->lo = lo;
    if (!m->has || hi > m->hi)
        m->hi = hi;
    m->has = true;
}

static void fold_i32(minmax *m, const int32_t *v, size_t n)
{
    if (n == 0)
        return;
    int32_t lo = v[0], hi = v[0];
    for (size_t i = 1; i < n; i++) {
        lo = v[i] < lo ? v[i] : lo;
        hi = v[i] > hi ? v[i] : hi;
    }
    mm_int(m, lo, hi);
}

/* Four running bounds break the dependency chain of one cmov per value. */
static void fold_i64(minmax *m, const int64_t *v, size_t n)
{
    if (n == 0)
        return;
    int64_t lo[4] = {v[0], v[0], v[0], v[0]}, hi[4] = {v[0], v[0], v[0], v[0]};
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        for (int k = 0; k < 4; k++) {
            lo[k] = v[i + k] < lo[k] ? v[i + k] : lo[k];
            hi[k] = v[i + k] > hi[k] ? v[i + k] : hi[k];
        }
    }
    for (; i < n; i++) {
        lo[0] = v[i] < lo[0] ? v[i] : lo[0];
        hi[0] = v[i] > hi[0] ? v[i] : hi[0];
    }
    for (int k = 1; k < 4; k++) {
        lo[0] = lo[k] < lo[0] ? lo[k] : lo[0];
        hi[0] = hi[k] > hi[0] ? hi[k] : hi[0];
    }
    mm_int(m, lo[0], hi[0]);
}

static int cmp_bytes(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    int c = memcmp(a, b, alen < blen ? alen : blen);
    return c ? c : (alen > blen) - (alen < blen);
}

static ko_status set_bytes(ko_buf *b, const uint8_t *v, size_t len)
{
    ko_buf_reset(b);
    return ko_buf_append(b, v, len);
}

/* Offers the byte strings lo and hi as bounds. */
static ko_status mm_bytes(minmax *m, const uint8_t *lo, size_t lolen, const uint8_t *hi,
                          size_t hilen)
{
    ko_status st = KO_OK;
    if (!m->has || cmp_bytes(lo, lolen, m->slo.data, m->slo.len) < 0)
        st = set_bytes(&m->slo, lo, lolen);
    if (st == KO_OK && (!m->has || cmp_bytes(hi, hilen, m->shi.data, m->shi.len) > 0))
        st = set_bytes(&m->shi, hi, hilen);
    m->has = m->has || st == KO_OK;
    return st;
}

/* The first 8 bytes of v as a big-endian integer, zero-padded: when two
 * prefixes differ they order the strings bytewise; when equal, the whole
 * strings decide. */
static uint64_t prefix8(const uint8_t *v, size_t len)
{
    uint64_t x = 0;
    if (len >= 8) {
        memcpy(&x, v, 8);
        return __builtin_bswap64(x);
    }
    for (size_t k = 0; k < len; k++)
        x |= (uint64_t)v[k] << (56 - 8 * k);
    return x;
}

/* A running bound: a value of the chunk and its prefix. */
typedef struct bound {
    const uint8_t *p;
    size_t len;
    uint64_t pfx;
} bound;

static ko_status fold_bytes(minmax *m, const uint8_t *data, const int64_t *off, size_t n)
{
    if (n == 0)
        return KO_OK;
    bound lo = {data + off[0], (size_t)(off[1] - off[0]), 0}, hi;
    lo.pfx = prefix8(lo.p, lo.len);
    hi = lo;
    for (size_t i = 1; i < n; i++) {
        bound v = {data + off[i], (size_t)(off[i + 1] - off[i]), 0};
        v.pfx = prefix8(v.p, v.len);
        if (v.pfx < lo.pfx || (v.pfx == lo.pfx && cmp_bytes(v.p, v.len, lo.p, lo.len) < 0))
            lo = v;
        else if (v.pfx > hi.pfx || (v.pfx == hi.pfx && cmp_bytes(v.p, v.len, hi.p, hi.len) > 0))
            hi = v;
    }
    return mm_bytes(m, lo.p, lo.len, hi.p, hi.len);
}

static ko_status fold_column(minmax *m, const ko_pq_column *c)
{
    switch (c->type) {
    case KO_PQ_INT32:
        fold_i32(m, (const int32_t *)c->values.data, c->n_values);
        return KO_OK;
    case KO_PQ_INT64:
        fold_i64(m, (const int64_t *)c->values.data, c->n_values);
        return KO_OK;
    case KO_PQ_BYTE_ARRAY:
        return fold_bytes(m, c->values.data, (const int64_t *)c->offsets.data, c->n_values);
    default:
        return KO_ERR_UNSUPPORTED;
    }
}

typedef struct decode_job {
    ko_pq_reader *r;
    uint32_t n_leaves, n_pairs;
    atomic_uint next; /* next (row group, leaf) pair */
    minmax *chunk_mm; /* [pair] */
    atomic_int failed;
    ko_err err; /* the first failure */
} decode_job;

static void job_fail(decode_job *j, const ko_err *err)
{
    int expected = 0;
    if (atomic_compare_exchange_strong(&j->failed, &expected, 1))
        j->err = *err;
}

/* One pool thread: decodes pairs until none is left. */
static void decode_worker(void *arg)
{
    decode_job *j = arg;
    ko_pq_column *cols = calloc(j->n_leaves, sizeof *cols);
    ko_err err = {0};
    if (!cols) {
        ko_err_set(&err, KO_ERR_NOMEM, "out of memory");
        job_fail(j, &err);
        return;
    }
    for (unsigned k;
         !atomic_load(&j->failed) && (k = atomic_fetch_add(&j->next, 1)) < j->n_pairs;) {
        uint32_t g = k / j->n_leaves, leaf = k % j->n_leaves;
        ko_status st = ko_pq_read_column_chunk(j->r, g, leaf, &cols[leaf], &err);
        if (st == KO_OK && fold_column(&j->chunk_mm[k], &cols[leaf]) != KO_OK)
            st = ko_err_set(&err, KO_ERR_UNSUPPORTED, "min/max of leaf %u: type not handled", leaf);
        if (st != KO_OK)
            job_fail(j, &err);
    }
    for (uint32_t i = 0; i < j->n_leaves; i++)
        ko_pq_column_free(&cols[i]);
    free(cols);
}

static void mm_free(minmax *m, size_t n)
{
    for (size_t i = 0; m && i < n; i++) {
        ko_buf_free(&m[i].slo);
        ko_buf_free(&m[i].shi);
    }
    free(m);
}

/* Folds the chunks' bounds into one per leaf (res[leaf]). */
static ko_status merge_chunks(const decode_job *j, minmax *res)
{
    const ko_pq_leaf *leaves = ko_pq_reader_schema(j->r)->leaves;
    ko_status st = KO_OK;
    for (uint32_t k = 0; st == KO_OK && k < j->n_pairs; k++) {
        const minmax *c = &j->chunk_mm[k];
        uint32_t leaf = k % j->n_leaves;
        if (!c->has)
            continue;
        if (leaves[leaf].type == KO_PQ_BYTE_ARRAY)
            st = mm_bytes(&res[leaf], c->slo.data, c->slo.len, c->shi.data, c->shi.len);
        else
            mm_int(&res[leaf], c->lo, c->hi);
    }
    return st;
}

/* Opens the file, decodes every chunk on the pool and merges the bounds
 * into *res (one per leaf, *n_res of them; the caller frees them). */
static ko_status decode_all(ko_store *store, const char *key, ko_pool *pool, int threads,
                            minmax **res, uint32_t *n_res, ko_err *err)
{
    decode_job j = {0};
    ko_status st = ko_pq_reader_open(store, key, &j.r, err);
    if (st != KO_OK)
        return st;
    j.n_leaves = *n_res = ko_pq_reader_schema(j.r)->n_leaves;
    j.n_pairs = ko_pq_reader_meta(j.r)->n_row_groups * j.n_leaves;
    j.chunk_mm = calloc(j.n_pairs ? j.n_pairs : 1, sizeof *j.chunk_mm);
    *res = calloc(j.n_leaves ? j.n_leaves : 1, sizeof **res);
    if (!j.chunk_mm || !*res)
        st = ko_err_set(err, KO_ERR_NOMEM, "out of memory");
    for (int t = 0; st == KO_OK && t < threads; t++)
        if (ko_pool_submit(pool, decode_worker, &j) != KO_OK)
            st = ko_err_set(err, KO_ERR_NOMEM, "out of memory");
    ko_pool_wait(pool);
    if (st == KO_OK && atomic_load(&j.failed))
        st = (*err = j.err).status;
    if (st == KO_OK && merge_chunks(&j, *res) != KO_OK)
        st = ko_err_set(err, KO_ERR_NOMEM, "out of memory");
    mm_free(j.chunk_mm, j.n_pairs);
    ko_pq_reader_close(j.r);
    return st;
}

static void print_values(ko_store *store, const char *key, const minmax *res)
{
    ko_err err = {0};
    ko_pq_reader *r = NULL;
    if (ko_pq_reader_open(store, key, &r, &err) != KO_OK)
        return;
    const ko_pq_schema *s = ko_pq_reader_schema(r);
    ko_buf lo = {0}, hi = {0};
    for (uint32_t i = 0; i < s->n_leaves; i++) {
        const ko_pq_schema_element *el = s->nodes[s->leaves[i].node].el;
        const minmax *m = &res[i];
        size_t w = s->leaves[i].type == KO_PQ_INT32 ? 4 : 8;
        bool bytes = s->leaves[i].type == KO_PQ_BYTE_ARRAY;
        ko_buf_reset(&lo);
        ko_buf_reset(&hi);
        ko_status st = ko_pq_value_to_json(el, bytes ? m->slo.data : (const void *)&m->lo,
                                           bytes ? m->slo.len : w, &lo, &err);
        if (st == KO_OK)
            st = ko_pq_value_to_json(el, bytes ? m->shi.data : (const void *)&m->hi,
                                     bytes ? m->shi.len : w, &hi, &err);
        printf("minmax %s %s | %s\n", s->leaves[i].path, st == KO_OK ? (char *)lo.data : "?",
               st == KO_OK ? (char *)hi.data : "?");
    }
    ko_buf_free(&lo);
    ko_buf_free(&hi);
    ko_pq_reader_close(r);
}

static int bench_decode(const char *ref, int threads, int repeats, bool values)
{
    ko_err err = {0};
    ko_store *store = NULL;
    char *key = NULL;
    ko_pool *pool = NULL;
    if (ko_store_open_object(ref, NULL, &store, &key, &err) != KO_OK ||
        ko_pool_create(threads, &pool, &err) != KO_OK)
        return fail(ref, &err);
    int64_t *us = calloc((size_t)repeats, sizeof *us);
    minmax *res = NULL;
    uint32_t n_res = 0;
    int rc = us ? 0 : 1;
    for (int i = 0; rc == 0 && i < repeats; i++) {
        mm_free(res, n_res);
        res = NULL;
        int64_t t0 = ko_monotonic_us(), c0 = cpu_us();
        if (decode_all(store, key, pool, threads, &res, &n_res, &err) != KO_OK)
            rc = fail("decoding", &err);
        us[i] = ko_monotonic_us() - t0;
        if (rc == 0)
            printf("korolev decode threads=%d run %d: %.1f ms (cpu %.1f ms)\n", threads, i + 1,
                   us[i] / 1000.0, (cpu_us() - c0) / 1000.0);
        fflush(stdout);
    }
    if (rc == 0)
        printf("korolev decode threads=%d median %.1f ms\n", threads, median(us, repeats) / 1000.0);
    if (rc == 0 && values)
        print_values(store, key, res);
    mm_free(res, n_res);
    free(us);
    free(key);
    ko_pool_destroy(pool);
    ko_store_close(store);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc == 5 && strcmp(argv[1], "write") == 0 && atoi(argv[4]) > 0)
        return bench_write(argv[2], argv[3], atoi(argv[4]));
    if ((argc == 5 || argc == 6) && strcmp(argv[1], "decode") == 0 && atoi(argv[3]) > 0 &&
        atoi(argv[4]) > 0)
        return bench_decode(argv[2], atoi(argv[3]), atoi(argv[4]),
                            argc == 6 && strcmp(argv[5], "--values") == 0);
    fprintf(stderr, "usage: bench_parquet write REF.parquet OUTDIR REPEATS\n"
                    "       bench_parquet decode REF.parquet THREADS REPEATS [--values]\n");
    return 2;
}
