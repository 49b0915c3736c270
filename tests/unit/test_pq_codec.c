/*
 * test_pq_codec.c - Parquet compression codecs and the page CRC
 * (src/parquet/codec.c).
 *
 * Every writable codec round-trips random and compressible data of 0, 1,
 * 1000 and 1 MiB bytes; a wrong expected size, truncation or garbage is
 * KO_ERR_CORRUPT; the quirks readers must accept (several gzip members,
 * zlib headers, Hadoop-framed and raw LZ4) are built here with the
 * libraries directly; and several threads decompress at once, so the
 * per-thread contexts are exercised (and leak-checked under ASan).
 */
#include "testutil.h"

#include "parquet/encoding.h"

#include <lz4.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static const ko_pq_codec writable[] = {KO_PQ_UNCOMPRESSED, KO_PQ_SNAPPY,  KO_PQ_GZIP,
                                       KO_PQ_ZSTD,         KO_PQ_LZ4_RAW, KO_PQ_BROTLI};

/* Text-like bytes: repetitive, so every real codec must shrink them. */
static void fill_compressible(uint8_t *p, size_t n, uint64_t seed)
{
    static const char *const words[] = {"parquet ", "korolev ", "column ", "page ", "12345 "};
    uint64_t x = seed * 2654435761u + 7;
    size_t i = 0;
    while (i < n) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        const char *w = words[(x >> 33) % 5];
        for (size_t k = 0; w[k] && i < n; k++)
            p[i++] = (uint8_t)w[k];
    }
}

static void roundtrip(ko_pq_codec codec, const uint8_t *in, size_t n, bool compressible)
{
    ko_buf c = {0};
    ko_err err = {0};
    TU_OK(ko_pq_compress(codec, 0, in, n, &c, &err), &err);
    if (compressible && codec != KO_PQ_UNCOMPRESSED && n > 100000)
        assert_true(c.len < n / 2);
    uint8_t *out = malloc(n + 1);
    assert_non_null(out);
    uint8_t *src = malloc(c.len ? c.len : 1); /* exact size: ASan sees over-reads */
    assert_non_null(src);
    memcpy(src, c.data, c.len);
    TU_OK(ko_pq_decompress(codec, src, c.len, out, n, &err), &err);
    if (n)
        assert_memory_equal(out, in, n);
    /* a wrong expected size is corrupt, both ways */
    assert_int_equal(ko_pq_decompress(codec, src, c.len, out, n + 1, &err), KO_ERR_CORRUPT);
    if (n)
        assert_int_equal(ko_pq_decompress(codec, src, c.len, out, n - 1, &err), KO_ERR_CORRUPT);
    /* so is a truncated stream */
    if (c.len > 1)
        assert_int_equal(ko_pq_decompress(codec, src, c.len / 2, out, n, &err), KO_ERR_CORRUPT);
    free(src);
    free(out);
    ko_buf_free(&c);
}

static void test_roundtrip_all(void **state)
{
    (void)state;
    static const size_t sizes[] = {0, 1, 1000, 1 << 20};
    uint8_t *buf = malloc(1 << 20);
    assert_non_null(buf);
    for (size_t c = 0; c < KO_ARRAY_LEN(writable); c++) {
        for (size_t s = 0; s < KO_ARRAY_LEN(sizes); s++) {
            tu_fill(buf, sizes[s], 1000 + s);
            roundtrip(writable[c], buf, sizes[s], false);
            fill_compressible(buf, sizes[s], s);
            roundtrip(writable[c], buf, sizes[s], true);
        }
    }
    free(buf);
}

static void test_levels(void **state)
{
    (void)state;
    enum { N = 200000 };
    uint8_t *buf = malloc(N), *out = malloc(N);
    assert_true(buf && out);
    fill_compressible(buf, N, 3);
    ko_err err = {0};
    static const struct {
        ko_pq_codec codec;
        int level;
        ko_status want;
    } cases[] = {
        {KO_PQ_GZIP, 1, KO_OK},
        {KO_PQ_GZIP, 9, KO_OK},
        {KO_PQ_GZIP, 10, KO_ERR_INVALID},
        {KO_PQ_GZIP, -1, KO_ERR_INVALID},
        {KO_PQ_ZSTD, 19, KO_OK},
        {KO_PQ_ZSTD, -5, KO_OK},
        {KO_PQ_ZSTD, 99, KO_ERR_INVALID},
        {KO_PQ_BROTLI, 11, KO_OK},
        {KO_PQ_BROTLI, 12, KO_ERR_INVALID},
        {KO_PQ_SNAPPY, 7, KO_OK},
        {KO_PQ_LZ4_RAW, 7, KO_OK},
    };
    for (size_t i = 0; i < KO_ARRAY_LEN(cases); i++) {
        ko_buf c = {0};
        ko_status st = ko_pq_compress(cases[i].codec, cases[i].level, buf, N, &c, &err);
        assert_int_equal(st, cases[i].want);
        if (st == KO_OK) {
            TU_OK(ko_pq_decompress(cases[i].codec, c.data, c.len, out, N, &err), &err);
            assert_memory_equal(out, buf, N);
        } else {
            assert_int_equal(c.len, 0);
        }
        ko_buf_free(&c);
    }
    /* compress appends after what the buffer already holds */
    ko_buf c = {0};
    assert_int_equal(ko_buf_append(&c, "hdr", 3), KO_OK);
    TU_OK(ko_pq_compress(KO_PQ_ZSTD, 0, buf, N, &c, &err), &err);
    assert_memory_equal(c.data, "hdr", 3);
    TU_OK(ko_pq_decompress(KO_PQ_ZSTD, c.data + 3, c.len - 3, out, N, &err), &err);
    assert_memory_equal(out, buf, N);
    ko_buf_free(&c);
    free(buf);
    free(out);
}

static void test_unsupported(void **state)
{
    (void)state;
    ko_err err = {0};
    uint8_t out[4];
    ko_buf c = {0};
    assert_int_equal(ko_pq_decompress(KO_PQ_LZO, (const uint8_t *)"abcd", 4, out, 4, &err),
                     KO_ERR_UNSUPPORTED);
    assert_string_equal(err.msg, "LZO codec is not supported");
    assert_int_equal(ko_pq_compress(KO_PQ_LZO, 0, (const uint8_t *)"abcd", 4, &c, &err),
                     KO_ERR_UNSUPPORTED);
    assert_int_equal(ko_pq_compress(KO_PQ_LZ4, 0, (const uint8_t *)"abcd", 4, &c, &err),
                     KO_ERR_UNSUPPORTED);
    assert_int_equal(ko_pq_decompress((ko_pq_codec)42, (const uint8_t *)"abcd", 4, out, 4, &err),
                     KO_ERR_UNSUPPORTED);
    ko_buf_free(&c);
}

/* Random bytes are never a valid page of the expected size. */
static void test_garbage(void **state)
{
    (void)state;
    static const ko_pq_codec codecs[] = {KO_PQ_SNAPPY,  KO_PQ_GZIP, KO_PQ_ZSTD,
                                         KO_PQ_LZ4_RAW, KO_PQ_LZ4,  KO_PQ_BROTLI};
    uint8_t in[300], out[5000];
    for (int iter = 0; iter < 200; iter++) {
        size_t len = 1 + (size_t)iter % 300;
        tu_fill(in, len, (uint64_t)iter);
        uint8_t *p = malloc(len);
        assert_non_null(p);
        memcpy(p, in, len);
        for (size_t c = 0; c < KO_ARRAY_LEN(codecs); c++) {
            ko_err err = {0};
            ko_status st = ko_pq_decompress(codecs[c], p, len, out, sizeof out, &err);
            assert_int_equal(st, KO_ERR_CORRUPT);
            assert_true(strlen(err.msg) > 0);
        }
        free(p);
    }
    ko_err err = {0};
    assert_int_equal(ko_pq_decompress(KO_PQ_UNCOMPRESSED, in, 3, out, 4, &err), KO_ERR_CORRUPT);
    /* an empty page is fine whatever the codec */
    TU_OK(ko_pq_decompress(KO_PQ_ZSTD, NULL, 0, NULL, 0, &err), &err);
}

static size_t gzip_member(const uint8_t *in, size_t n, uint8_t *out, size_t cap, int wbits)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    assert_int_equal(deflateInit2(&zs, 6, Z_DEFLATED, wbits, 8, Z_DEFAULT_STRATEGY), Z_OK);
    zs.next_in = (Bytef *)(uintptr_t)in;
    zs.avail_in = (uInt)n;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
    size_t len = cap - zs.avail_out;
    deflateEnd(&zs);
    return len;
}

static void test_gzip_members(void **state)
{
    (void)state;
    enum { A = 5000, B = 7000 };
    uint8_t *src = malloc(A + B), *enc = malloc(2 * (A + B) + 1000), *out = malloc(A + B);
    assert_true(src && enc && out);
    fill_compressible(src, A, 1);
    tu_fill(src + A, B, 2);
    size_t l1 = gzip_member(src, A, enc, A + 500, 15 + 16);
    size_t l2 = gzip_member(src + A, B, enc + l1, B + 500, 15 + 16);
    ko_err err = {0};
    TU_OK(ko_pq_decompress(KO_PQ_GZIP, enc, l1 + l2, out, A + B, &err), &err);
    assert_memory_equal(out, src, A + B);
    /* the second member is missing: too few bytes */
    assert_int_equal(ko_pq_decompress(KO_PQ_GZIP, enc, l1, out, A + B, &err), KO_ERR_CORRUPT);
    /* trailing garbage where a second member should start */
    memset(enc + l1, 0x5a, 20);
    assert_int_equal(ko_pq_decompress(KO_PQ_GZIP, enc, l1 + 20, out, A + B, &err), KO_ERR_CORRUPT);
    /* a zlib-wrapped stream (as some writers produce) is accepted too */
    size_t lz = gzip_member(src, A, enc, A + 500, 15);
    TU_OK(ko_pq_decompress(KO_PQ_GZIP, enc, lz, out, A, &err), &err);
    assert_memory_equal(out, src, A);
    free(src);
    free(enc);
    free(out);
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void test_lz4_hadoop(void **state)
{
    (void)state;
    enum { A = 3000, B = 9000 };
    uint8_t *src = malloc(A + B), *enc = malloc(2 * (A + B) + 1000), *out = malloc(A + B);
    assert_true(src && enc && out);
    fill_compressible(src, A + B, 9);
    int c1 = LZ4_compress_default((const char *)src, (char *)enc + 8, A, A + 500);
    assert_true(c1 > 0);
    put_be32(enc, A);
    put_be32(enc + 4, (uint32_t)c1);
    size_t pos = 8 + (size_t)c1;
    int c2 = LZ4_compress_default((const char *)src + A, (char *)enc + pos + 8, B, B + 500);
    assert_true(c2 > 0);
    put_be32(enc + pos, B);
    put_be32(enc + pos + 4, (uint32_t)c2);
    pos += 8 + (size_t)c2;
    ko_err err = {0};
    TU_OK(ko_pq_decompress(KO_PQ_LZ4, enc, pos, out, A + B, &err), &err);
    assert_memory_equal(out, src, A + B);
    /* one frame short */
    assert_int_equal(ko_pq_decompress(KO_PQ_LZ4, enc, 8 + (size_t)c1, out, A + B, &err),
                     KO_ERR_CORRUPT);
    /* a raw block under the LZ4 codec: the fallback older files need */
    int raw = LZ4_compress_default((const char *)src, (char *)enc, A + B, 2 * (A + B));
    assert_true(raw > 0);
    TU_OK(ko_pq_decompress(KO_PQ_LZ4, enc, (size_t)raw, out, A + B, &err), &err);
    assert_memory_equal(out, src, A + B);
    free(src);
    free(enc);
    free(out);
}

static void test_crc32(void **state)
{
    (void)state;
    assert_int_equal(ko_pq_crc32((const uint8_t *)"123456789", 9), 0xCBF43926u);
    assert_int_equal(ko_pq_crc32(NULL, 0), 0);
    uint8_t buf[1000];
    tu_fill(buf, sizeof buf, 5);
    assert_int_equal(ko_pq_crc32(buf, sizeof buf), (uint32_t)crc32(0, buf, sizeof buf));
}

typedef struct thread_job {
    const uint8_t *src, *zst, *gz;
    size_t n, zst_len, gz_len;
    int failures;
} thread_job;

static void *thread_main(void *arg)
{
    thread_job *j = arg;
    uint8_t *out = malloc(j->n);
    if (!out) {
        j->failures++;
        return NULL;
    }
    for (int i = 0; i < 20; i++) {
        ko_err err = {0};
        if (ko_pq_decompress(KO_PQ_ZSTD, j->zst, j->zst_len, out, j->n, &err) != KO_OK ||
            memcmp(out, j->src, j->n) != 0)
            j->failures++;
        if (ko_pq_decompress(KO_PQ_GZIP, j->gz, j->gz_len, out, j->n, &err) != KO_OK ||
            memcmp(out, j->src, j->n) != 0)
            j->failures++;
        ko_buf c = {0};
        if (ko_pq_compress(KO_PQ_ZSTD, 0, j->src, j->n, &c, &err) != KO_OK)
            j->failures++;
        ko_buf_free(&c);
    }
    free(out);
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    enum { N = 100000, T = 4 };
    uint8_t *src = malloc(N);
    assert_non_null(src);
    fill_compressible(src, N, 11);
    ko_buf zst = {0}, gz = {0};
    ko_err err = {0};
    TU_OK(ko_pq_compress(KO_PQ_ZSTD, 0, src, N, &zst, &err), &err);
    TU_OK(ko_pq_compress(KO_PQ_GZIP, 0, src, N, &gz, &err), &err);
    pthread_t th[T];
    thread_job jobs[T];
    for (int i = 0; i < T; i++) {
        jobs[i] = (thread_job){src, zst.data, gz.data, N, zst.len, gz.len, 0};
        assert_int_equal(pthread_create(&th[i], NULL, thread_main, &jobs[i]), 0);
    }
    for (int i = 0; i < T; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(jobs[i].failures, 0);
    }
    ko_buf_free(&zst);
    ko_buf_free(&gz);
    free(src);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_all), cmocka_unit_test(test_levels),
        cmocka_unit_test(test_unsupported),   cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_gzip_members),  cmocka_unit_test(test_lz4_hadoop),
        cmocka_unit_test(test_crc32),         cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
