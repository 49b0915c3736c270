/*
 * bench_pq_encoding.c - decode throughput of the hot Parquet encodings:
 * RLE/bit-packed hybrid (dictionary indices at bit width 10, definition
 * levels at width 1), DELTA_BINARY_PACKED int64 and int32, and
 * BYTE_STREAM_SPLIT doubles.  For reference it also times a bit-unpacker
 * with a run-time bit width (the same 64-bit-load algorithm without the
 * per-width specialisation encoding.c uses), to show what that buys.
 *
 * Not built by CMake.  Build and run from the repository root:
 *
 *   cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo
 *   cmake --build build --target korolev_core
 *   cc -O2 -std=c17 -D_GNU_SOURCE -Isrc bench/bench_pq_encoding.c \
 *      build/libkorolev_core.a $(pkg-config --libs libzstd zlib liblz4 \
 *      libbrotlienc libbrotlidec snappy libcurl uuid libcrypto) -lpthread -lm \
 *      -o build/bench_pq_encoding
 *   build/bench_pq_encoding [VALUES]
 *
 * Prints, per case, the best of several timed repetitions in million
 * values per second (and encoded bytes per value).  VALUES defaults to
 * 1,000,000 per call, about one large page.
 */
#include "parquet/encoding.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t rng = 0x2545F4914F6CDD1Dull;

static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef int (*bench_fn)(void *ctx);

/* Best time of 7 rounds, each repeating fn until 50 ms have passed. */
static void run(const char *name, bench_fn fn, void *ctx, size_t values, size_t enc_bytes)
{
    double best = 1e30;
    for (int round = 0; round < 7; round++) {
        int reps = 0;
        double t0 = now_s(), t;
        do {
            if (fn(ctx) != 0) {
                printf("%-44s FAILED\n", name);
                return;
            }
            reps++;
            t = now_s() - t0;
        } while (t < 0.05);
        if (t / reps < best)
            best = t / reps;
    }
    printf("%-44s %8.0f M values/s  %6.3f ns/value  %5.2f bytes/value\n", name,
           (double)values / best / 1e6, best * 1e9 / (double)values,
           (double)enc_bytes / (double)values);
}

/* ------------------------------------------------------------- cases */

typedef struct rle_ctx {
    ko_buf enc;
    int bw;
    size_t n;
    uint32_t *out32;
    int16_t *out16;
} rle_ctx;

static int rle_u32(void *p)
{
    rle_ctx *c = p;
    return ko_pq_rle_decode_u32(c->enc.data, c->enc.len, c->bw, c->out32, c->n, NULL, NULL);
}

static int rle_i16(void *p)
{
    rle_ctx *c = p;
    return ko_pq_rle_decode_i16(c->enc.data, c->enc.len, c->bw, c->out16, c->n, NULL, NULL);
}

/* A run-time-width unpacker of the same shape, for comparison. */
static int generic_unpack(void *p)
{
    rle_ctx *c = p;
    const uint8_t *in = c->enc.data;
    while (*in & 0x80) /* past the one run header */
        in++;
    in++;
    const unsigned bw = (unsigned)c->bw;
    const uint64_t mask = ((uint64_t)1 << bw) - 1;
    size_t groups = c->n / 8;
    for (size_t g = 0; g + 2 < groups; g++, in += bw) {
        for (unsigned i = 0; i < 8; i++) {
            unsigned bit = i * bw;
            uint64_t w;
            memcpy(&w, in + (bit >> 3), 8);
            c->out32[g * 8 + i] = (uint32_t)((w >> (bit & 7)) & mask);
        }
    }
    return 0;
}

typedef struct delta_ctx {
    ko_buf enc;
    size_t n;
    int64_t *out64;
    int32_t *out32;
} delta_ctx;

static int delta_i64(void *p)
{
    delta_ctx *c = p;
    return ko_pq_delta_decode_i64(c->enc.data, c->enc.len, c->out64, c->n, NULL, NULL);
}

static int delta_i32(void *p)
{
    delta_ctx *c = p;
    return ko_pq_delta_decode_i32(c->enc.data, c->enc.len, c->out32, c->n, NULL, NULL);
}

typedef struct bss_ctx {
    uint8_t *in, *out;
    size_t n;
} bss_ctx;

static int bss_f64(void *p)
{
    bss_ctx *c = p;
    return ko_pq_bss_decode(c->in, c->n * 8, 8, c->n, c->out, NULL);
}

static void bench_rle(size_t n)
{
    rle_ctx c = {.bw = 10, .n = n};
    uint32_t *v = malloc(n * sizeof *v);
    c.out32 = malloc((n + 8) * sizeof *c.out32);
    c.out16 = malloc((n + 8) * sizeof *c.out16);
    int16_t *lv = malloc(n * sizeof *lv);
    if (!v || !c.out32 || !c.out16 || !lv)
        exit(1);
    for (size_t i = 0; i < n; i++)
        v[i] = (uint32_t)(rnd() & 1023);
    if (ko_pq_rle_encode_u32(v, n, 10, &c.enc) != KO_OK)
        exit(1);
    run("RLE dict indices, bw 10, all bit-packed", rle_u32, &c, n, c.enc.len);
    run("  (run-time-width unpacker, same data)", generic_unpack, &c, n, c.enc.len);
    ko_buf_reset(&c.enc);
    for (size_t i = 0; i < n;) { /* runs of 1..40 mixed with literals */
        size_t len = 1 + rnd() % 40;
        uint32_t x = (uint32_t)(rnd() & 1023);
        for (size_t k = 0; k < len && i < n; k++, i++)
            v[i] = len > 8 ? x : (uint32_t)(rnd() & 1023);
    }
    if (ko_pq_rle_encode_u32(v, n, 10, &c.enc) != KO_OK)
        exit(1);
    run("RLE dict indices, bw 10, runs + literals", rle_u32, &c, n, c.enc.len);
    ko_buf_reset(&c.enc);
    for (size_t i = 0; i < n; i++)
        lv[i] = (int16_t)(rnd() % 10 != 0); /* 10% nulls, scattered */
    c.bw = 1;
    if (ko_pq_rle_encode_i16(lv, n, 1, &c.enc) != KO_OK)
        exit(1);
    run("RLE def levels i16, bw 1, 10% nulls", rle_i16, &c, n, c.enc.len);
    ko_buf_free(&c.enc);
    free(v);
    free(lv);
    free(c.out32);
    free(c.out16);
}

static void bench_delta(size_t n)
{
    delta_ctx c = {.n = n};
    int64_t *v = malloc(n * sizeof *v);
    int32_t *v32 = malloc(n * sizeof *v32);
    c.out64 = malloc(n * sizeof *c.out64);
    c.out32 = malloc(n * sizeof *c.out32);
    if (!v || !v32 || !c.out64 || !c.out32)
        exit(1);
    int64_t t = 1700000000000000;
    for (size_t i = 0; i < n; i++)
        v[i] = t += (int64_t)(rnd() % 2000); /* timestamps: ~11-bit deltas */
    if (ko_pq_delta_encode_i64(v, n, &c.enc) != KO_OK)
        exit(1);
    run("DELTA_BINARY_PACKED int64, timestamps", delta_i64, &c, n, c.enc.len);
    ko_buf_reset(&c.enc);
    for (size_t i = 0; i < n; i++)
        v[i] = (int64_t)rnd();
    if (ko_pq_delta_encode_i64(v, n, &c.enc) != KO_OK)
        exit(1);
    run("DELTA_BINARY_PACKED int64, random (64-bit)", delta_i64, &c, n, c.enc.len);
    ko_buf_reset(&c.enc);
    for (size_t i = 0; i < n; i++)
        v32[i] = (int32_t)(i * 3 + rnd() % 100);
    if (ko_pq_delta_encode_i32(v32, n, &c.enc) != KO_OK)
        exit(1);
    run("DELTA_BINARY_PACKED int32, sorted ids", delta_i32, &c, n, c.enc.len);
    ko_buf_free(&c.enc);
    free(v);
    free(v32);
    free(c.out64);
    free(c.out32);
}

static void bench_bss(size_t n)
{
    bss_ctx c = {malloc(n * 8), malloc(n * 8), n};
    if (!c.in || !c.out)
        exit(1);
    for (size_t i = 0; i < n * 8; i++)
        c.in[i] = (uint8_t)rnd();
    run("BYTE_STREAM_SPLIT double", bss_f64, &c, n, n * 8);
    free(c.in);
    free(c.out);
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? (size_t)strtoull(argv[1], NULL, 10) : 1000000;
    if (n < 64)
        n = 64;
    bench_rle(n);
    bench_delta(n);
    bench_bss(n);
    return 0;
}
