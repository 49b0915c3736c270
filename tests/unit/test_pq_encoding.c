/*
 * test_pq_encoding.c - Parquet value encodings (src/parquet/encoding.c).
 *
 * Known-answer vectors from parquet-format's Encodings.md, round trips of
 * random data at every bit width, streams built by an independent
 * reference encoder in this file (other block shapes, garbage in the
 * places the spec says readers must ignore), and hostile input: every
 * truncation of a valid stream is copied into an exactly-sized heap block
 * so that AddressSanitizer catches any read past the end.
 */
#include "testutil.h"

#include "parquet/encoding.h"

#include <stdlib.h>
#include <string.h>

/* ----------------------------------------------------------- helpers */

static uint64_t rng_state = 88172645463325252ull;

static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static uint64_t mask_bits(int bw)
{
    return bw >= 64 ? ~0ull : ((1ull << bw) - 1);
}

/* A heap copy of exactly n bytes (ASan flags any read past it). */
static uint8_t *exact(const uint8_t *p, size_t n)
{
    uint8_t *q = malloc(n ? n : 1);
    assert_non_null(q);
    if (n)
        memcpy(q, p, n);
    return q;
}

static void put_uleb(ko_buf *b, uint64_t v)
{
    do {
        uint8_t c = (uint8_t)(v & 0x7f);
        v >>= 7;
        if (v)
            c |= 0x80;
        assert_int_equal(ko_buf_append(b, &c, 1), KO_OK);
    } while (v);
}

static uint64_t zz(int64_t v)
{
    return ((uint64_t)v << 1) ^ (v < 0 ? ~0ull : 0);
}

/* A bit-at-a-time LSB-first writer, independent of the library's. */
typedef struct refbits {
    ko_buf *b;
    size_t bit;
} refbits;

static void ref_put(refbits *w, uint64_t v, int bw)
{
    for (int i = 0; i < bw; i++, w->bit++) {
        if (w->bit % 8 == 0) {
            uint8_t z = 0;
            assert_int_equal(ko_buf_append(w->b, &z, 1), KO_OK);
        }
        if ((v >> i) & 1)
            w->b->data[w->b->len - 1] |= (uint8_t)(1u << (w->bit % 8));
    }
}

static void append(ko_buf *b, const void *p, size_t n)
{
    assert_int_equal(ko_buf_append(b, p, n), KO_OK);
}

static int64_t off_at(const ko_buf *offsets, size_t i)
{
    int64_t v;
    memcpy(&v, offsets->data + 8 * i, 8);
    return v;
}

/* ------------------------------------------------------- bit widths */

static void test_bit_width(void **state)
{
    (void)state;
    assert_int_equal(ko_pq_bit_width(0), 0);
    assert_int_equal(ko_pq_bit_width(1), 1);
    assert_int_equal(ko_pq_bit_width(2), 2);
    assert_int_equal(ko_pq_bit_width(7), 3);
    assert_int_equal(ko_pq_bit_width(8), 4);
    assert_int_equal(ko_pq_bit_width(UINT32_MAX), 32);
    assert_int_equal(ko_pq_bit_width(UINT64_MAX), 64);
}

/* ----------------------------------------------- RLE: known answers */

static void test_rle_spec_example(void **state)
{
    (void)state;
    /* Encodings.md: 0..7 at width 3 bit-packed -> 10001000 11000110 11111010,
     * preceded by the header for one group of 8: (1 << 1) | 1. */
    static const uint8_t want[] = {0x03, 0x88, 0xC6, 0xFA};
    uint32_t vals[8] = {0, 1, 2, 3, 4, 5, 6, 7}, got[8];
    ko_buf b = {0};
    assert_int_equal(ko_pq_rle_encode_u32(vals, 8, 3, &b), KO_OK);
    assert_int_equal(b.len, sizeof want);
    assert_memory_equal(b.data, want, sizeof want);
    ko_err err = {0};
    size_t used = 0;
    TU_OK(ko_pq_rle_decode_u32(want, sizeof want, 3, got, 8, &used, &err), &err);
    assert_memory_equal(got, vals, sizeof vals);
    assert_int_equal(used, 4);
    ko_buf_free(&b);
}

static void test_rle_repeated_run(void **state)
{
    (void)state;
    uint32_t vals[20];
    for (int i = 0; i < 20; i++)
        vals[i] = 300;
    ko_buf b = {0};
    assert_int_equal(ko_pq_rle_encode_u32(vals, 20, 9, &b), KO_OK);
    static const uint8_t want[] = {20 << 1, 0x2C, 0x01}; /* run of 20, value 300 in 2 bytes */
    assert_int_equal(b.len, sizeof want);
    assert_memory_equal(b.data, want, sizeof want);
    ko_buf_free(&b);

    /* hand-made stream: run of 3 x 5, 2 packed groups, run of 1000 x 1,
     * then a packed group of which only 2 values are wanted */
    ko_buf s = {0};
    refbits w = {&s, 0};
    put_uleb(&s, 3 << 1);
    append(&s, "\x05", 1);
    put_uleb(&s, 2 << 1 | 1);
    w.bit = 0;
    for (int i = 0; i < 16; i++)
        ref_put(&w, (uint64_t)i % 8, 3);
    put_uleb(&s, 1000 << 1);
    append(&s, "\x01", 1);
    put_uleb(&s, 1 << 1 | 1);
    w.bit = 0;
    for (int i = 0; i < 8; i++)
        ref_put(&w, 7 - (uint64_t)i, 3);
    uint32_t got[1021];
    ko_err err = {0};
    size_t used;
    TU_OK(ko_pq_rle_decode_u32(s.data, s.len, 3, got, 1021, &used, &err), &err);
    assert_int_equal(used, s.len);
    for (int i = 0; i < 3; i++)
        assert_int_equal(got[i], 5);
    for (int i = 0; i < 16; i++)
        assert_int_equal(got[3 + i], i % 8);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(got[19 + i], 1);
    assert_int_equal(got[1019], 7);
    assert_int_equal(got[1020], 6);
    ko_buf_free(&s);
}

/* ---------------------------------------------- RLE: round trips */

/* Fills v with a mix of literal stretches and runs of random lengths. */
static void fill_levels(uint32_t *v, size_t n, int bw, int style)
{
    uint64_t m = mask_bits(bw);
    for (size_t i = 0; i < n;) {
        size_t len = style == 0 ? 1 : 1 + rnd() % (style == 1 ? 20 : 300);
        uint32_t x = (uint32_t)(rnd() & m);
        for (size_t k = 0; k < len && i < n; k++, i++)
            v[i] = (style == 0 || rnd() % 16 == 0) ? (uint32_t)(rnd() & m) : x;
    }
}

static void check_truncations_u32(const uint8_t *enc, size_t len, int bw, const uint32_t *want,
                                  size_t n)
{
    uint32_t *got = malloc((n ? n : 1) * sizeof *got);
    assert_non_null(got);
    for (size_t l = 0; l < len; l++) {
        uint8_t *p = exact(enc, l);
        ko_err err = {0};
        size_t used = 0;
        ko_status st = ko_pq_rle_decode_u32(p, l, bw, got, n, &used, &err);
        if (st != KO_OK) {
            assert_int_equal(st, KO_ERR_CORRUPT);
            assert_non_null(strstr(err.msg, "RLE"));
            assert_non_null(strstr(err.msg, "at byte"));
        } else { /* only the zero padding of the last group may be missing */
            assert_true(len - l < (size_t)bw);
            assert_memory_equal(got, want, n * sizeof *got);
            assert_true(used <= l);
        }
        free(p);
    }
    free(got);
}

static void roundtrip_u32(int bw, size_t n, int style, bool truncations)
{
    uint32_t *v = malloc((n ? n : 1) * sizeof *v), *got = malloc((n + 1) * sizeof *v);
    assert_true(v && got);
    fill_levels(v, n, bw, style);
    ko_buf b = {0};
    assert_int_equal(ko_pq_rle_encode_u32(v, n, bw, &b), KO_OK);
    uint8_t *p = exact(b.data, b.len);
    ko_err err = {0};
    size_t used = 12345;
    got[n] = 0xdeadbeef;
    TU_OK(ko_pq_rle_decode_u32(p, b.len, bw, got, n, &used, &err), &err);
    assert_int_equal(got[n], 0xdeadbeef);
    if (n)
        assert_memory_equal(got, v, n * sizeof *v);
    assert_int_equal(used, bw == 0 ? 0 : b.len);
    if (truncations && bw > 0)
        check_truncations_u32(b.data, b.len, bw, v, n);
    free(p);
    free(v);
    free(got);
    ko_buf_free(&b);
}

static void test_rle_roundtrip_all_widths(void **state)
{
    (void)state;
    static const size_t sizes[] = {0, 1, 2, 7, 8, 9, 15, 16, 17, 63, 100, 1000, 4099};
    for (int bw = 0; bw <= 32; bw++)
        for (size_t s = 0; s < KO_ARRAY_LEN(sizes); s++)
            for (int style = 0; style < 3; style++)
                roundtrip_u32(bw, sizes[s], style, sizes[s] <= 100);
}

static void test_rle_i16(void **state)
{
    (void)state;
    enum { N = 3001 };
    int16_t v[N], got[N];
    for (int bw = 0; bw <= 16; bw++) {
        uint64_t m = bw == 16 ? 0x7fff : mask_bits(bw);
        for (size_t i = 0; i < N; i++)
            v[i] = (int16_t)(i % 50 < 30 ? (i / 50) & m : rnd() & m);
        ko_buf b = {0};
        assert_int_equal(ko_pq_rle_encode_i16(v, N, bw, &b), KO_OK);
        ko_err err = {0};
        size_t used;
        TU_OK(ko_pq_rle_decode_i16(b.data, b.len, bw, got, N, &used, &err), &err);
        assert_memory_equal(got, v, sizeof v);
        assert_int_equal(used, bw ? b.len : 0);
        ko_buf_free(&b);
    }
    int16_t neg = -1;
    ko_buf b = {0};
    assert_int_equal(ko_pq_rle_encode_i16(&neg, 1, 3, &b), KO_ERR_INVALID);
    assert_int_equal(ko_pq_rle_encode_i16(v, 1, 17, &b), KO_ERR_INVALID);
    ko_err err = {0};
    assert_int_equal(ko_pq_rle_decode_i16((const uint8_t *)"\x02\x01", 2, 17, got, 1, NULL, &err),
                     KO_ERR_CORRUPT);
    ko_buf_free(&b);
}

static void test_rle_encode_rejects_wide_values(void **state)
{
    (void)state;
    uint32_t v[3] = {1, 8, 2};
    ko_buf b = {0};
    assert_int_equal(ko_pq_rle_encode_u32(v, 3, 3, &b), KO_ERR_INVALID);
    assert_int_equal(ko_pq_rle_encode_u32(v, 3, 33, &b), KO_ERR_INVALID);
    assert_int_equal(b.len, 0);
    ko_buf_free(&b);
}

static void test_rle_corrupt(void **state)
{
    (void)state;
    uint32_t out[16];
    ko_err err = {0};
    /* bit width out of range */
    assert_int_equal(ko_pq_rle_decode_u32((const uint8_t *)"\x02\x01", 2, 33, out, 1, NULL, &err),
                     KO_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "bit width 33"));
    /* an empty run */
    assert_int_equal(ko_pq_rle_decode_u32((const uint8_t *)"\x00\x00", 2, 3, out, 1, NULL, &err),
                     KO_ERR_CORRUPT);
    /* repeated value wider than the bit width */
    assert_int_equal(ko_pq_rle_decode_u32((const uint8_t *)"\x10\x09", 2, 3, out, 8, NULL, &err),
                     KO_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "byte 1"));
    /* an 11-byte varint header */
    static const uint8_t big[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                  0xff, 0xff, 0xff, 0xff, 0x01, 0x00};
    assert_int_equal(ko_pq_rle_decode_u32(big, sizeof big, 3, out, 1, NULL, &err), KO_ERR_CORRUPT);
    /* a huge bit-packed run header with no data */
    static const uint8_t huge[] = {0xff, 0xff, 0xff, 0xff, 0x0f};
    assert_int_equal(ko_pq_rle_decode_u32(huge, sizeof huge, 5, out, 16, NULL, &err),
                     KO_ERR_CORRUPT);
    /* not enough runs for the values wanted */
    assert_int_equal(ko_pq_rle_decode_u32((const uint8_t *)"\x10\x01", 2, 1, out, 9, NULL, &err),
                     KO_ERR_CORRUPT);
    /* bit width 0: all zeros, no bytes read */
    size_t used = 99;
    out[0] = 5;
    TU_OK(ko_pq_rle_decode_u32(NULL, 0, 0, out, 16, &used, &err), &err);
    assert_int_equal(out[0], 0);
    assert_int_equal(out[15], 0);
    assert_int_equal(used, 0);
}

/* ------------------------------------------------- legacy BIT_PACKED */

static void test_bitpacked_legacy(void **state)
{
    (void)state;
    /* Encodings.md: 0..7 at width 3 -> 00000101 00111001 01110111 */
    static const uint8_t spec[] = {0x05, 0x39, 0x77};
    int16_t got[8];
    ko_err err = {0};
    size_t used;
    TU_OK(ko_pq_bitpacked_decode_i16(spec, 3, 3, got, 8, &used, &err), &err);
    for (int i = 0; i < 8; i++)
        assert_int_equal(got[i], i);
    assert_int_equal(used, 3);
    for (size_t l = 0; l < 3; l++) {
        uint8_t *p = exact(spec, l);
        assert_int_equal(ko_pq_bitpacked_decode_i16(p, l, 3, got, 8, NULL, &err), KO_ERR_CORRUPT);
        free(p);
    }
    /* MSB-first round trip at every width */
    enum { N = 77 };
    for (int bw = 1; bw <= 16; bw++) {
        int16_t v[N], out[N];
        uint8_t buf[N * 2 + 1] = {0};
        for (size_t i = 0; i < N; i++) {
            v[i] = (int16_t)(rnd() & (bw == 16 ? 0x7fff : mask_bits(bw)));
            for (int k = 0; k < bw; k++) {
                size_t bit = i * (size_t)bw + (size_t)k;
                if ((v[i] >> (bw - 1 - k)) & 1)
                    buf[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
            }
        }
        size_t bytes = (N * (size_t)bw + 7) / 8;
        uint8_t *p = exact(buf, bytes);
        TU_OK(ko_pq_bitpacked_decode_i16(p, bytes, bw, out, N, &used, &err), &err);
        assert_memory_equal(out, v, sizeof v);
        assert_int_equal(used, bytes);
        free(p);
    }
    assert_int_equal(ko_pq_bitpacked_decode_i16(spec, 3, 17, got, 1, NULL, &err), KO_ERR_CORRUPT);
    TU_OK(ko_pq_bitpacked_decode_i16(NULL, 0, 0, got, 8, &used, &err), &err);
    assert_int_equal(got[7], 0);
}

/* ------------------------------------------------------------ PLAIN */

static void test_plain_bool(void **state)
{
    (void)state;
    static const uint8_t in[] = {0x05, 0xff, 0x80};
    uint8_t got[24];
    ko_err err = {0};
    size_t used;
    TU_OK(ko_pq_plain_decode_bool(in, 3, got, 17, &used, &err), &err);
    static const uint8_t want[17] = {1, 0, 1, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0};
    assert_memory_equal(got, want, 17);
    assert_int_equal(used, 3);
    assert_int_equal(ko_pq_plain_decode_bool(in, 2, got, 17, NULL, &err), KO_ERR_CORRUPT);
    for (size_t n = 0; n < 200; n++) {
        uint8_t v[200], out[200];
        for (size_t i = 0; i < n; i++)
            v[i] = (uint8_t)(rnd() % 3 == 0);
        ko_buf b = {0};
        assert_int_equal(ko_pq_plain_encode_bool(v, n, &b), KO_OK);
        assert_int_equal(b.len, (n + 7) / 8);
        uint8_t *p = exact(b.data, b.len);
        TU_OK(ko_pq_plain_decode_bool(p, b.len, out, n, &used, &err), &err);
        if (n)
            assert_memory_equal(out, v, n);
        if (n)
            assert_int_equal(ko_pq_plain_decode_bool(p, b.len - 1, out, n, NULL, &err),
                             KO_ERR_CORRUPT);
        free(p);
        ko_buf_free(&b);
    }
}

static void test_plain_bytes(void **state)
{
    (void)state;
    ko_buf in = {0}, offsets = {0}, data = {0};
    enum { N = 500 };
    size_t lens[N];
    for (size_t i = 0; i < N; i++) {
        lens[i] = rnd() % 40;
        uint8_t hdr[4] = {(uint8_t)lens[i], 0, 0, 0};
        uint8_t bytes[40];
        for (size_t k = 0; k < lens[i]; k++)
            bytes[k] = (uint8_t)(i + k);
        append(&in, hdr, 4);
        append(&in, bytes, lens[i]);
    }
    append(&data, "xy", 2); /* pre-existing bytes: offsets continue after them */
    ko_err err = {0};
    size_t used;
    TU_OK(ko_pq_plain_decode_bytes(in.data, in.len, N, &offsets, &data, &used, &err), &err);
    assert_int_equal(used, in.len);
    assert_int_equal(offsets.len, 8 * N);
    int64_t prev = 2;
    for (size_t i = 0; i < N; i++) {
        assert_int_equal(off_at(&offsets, i) - prev, (int64_t)lens[i]);
        for (size_t k = 0; k < lens[i]; k++)
            assert_int_equal(data.data[prev + (int64_t)k], (uint8_t)(i + k));
        prev = off_at(&offsets, i);
    }
    /* every truncation fails and leaves the buffers alone */
    for (size_t l = 0; l < in.len; l += 1 + l / 64) {
        uint8_t *p = exact(in.data, l);
        size_t olen = offsets.len, dlen = data.len;
        assert_int_equal(ko_pq_plain_decode_bytes(p, l, N, &offsets, &data, NULL, &err),
                         KO_ERR_CORRUPT);
        assert_int_equal(offsets.len, olen);
        assert_int_equal(data.len, dlen);
        free(p);
    }
    /* a length past the end */
    static const uint8_t bad_len[] = {0x05, 0, 0, 0, 'a', 'b'};
    assert_int_equal(ko_pq_plain_decode_bytes(bad_len, 6, 1, &offsets, &data, NULL, &err),
                     KO_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "PLAIN BYTE_ARRAY"));
    static const uint8_t neg_len[] = {0xff, 0xff, 0xff, 0xff, 'a', 'b'};
    assert_int_equal(ko_pq_plain_decode_bytes(neg_len, 6, 1, &offsets, &data, NULL, &err),
                     KO_ERR_CORRUPT);
    /* more values than the input can hold */
    assert_int_equal(ko_pq_plain_decode_bytes(bad_len, 6, 2, &offsets, &data, NULL, &err),
                     KO_ERR_CORRUPT);
    ko_buf_free(&in);
    ko_buf_free(&offsets);
    ko_buf_free(&data);
}

/* ---------------------------------------------- DELTA_BINARY_PACKED */

/* Reference encoder with any block shape.  garbage: unused miniblock widths
 * in the last block are 0xEE and padding bits are random, as the spec says
 * readers must accept. */
static void ref_delta(const int64_t *v, size_t n, uint64_t block, uint64_t mb, bool garbage,
                      bool is32, ko_buf *out)
{
    put_uleb(out, block);
    put_uleb(out, mb);
    put_uleb(out, n);
    put_uleb(out, zz(n ? v[0] : 0));
    uint64_t vpm = block / mb;
    int64_t *d = malloc(block * sizeof *d);
    assert_non_null(d);
    for (size_t start = 1; start < n; start += block) {
        size_t cnt = n - start < block ? n - start : block;
        int64_t min = INT64_MAX;
        for (size_t i = 0; i < cnt; i++) {
            uint64_t diff = (uint64_t)v[start + i] - (uint64_t)v[start + i - 1];
            d[i] = is32 ? (int64_t)(int32_t)(uint32_t)diff : (int64_t)diff;
            min = d[i] < min ? d[i] : min;
        }
        put_uleb(out, zz(min));
        size_t used_mb = (cnt + vpm - 1) / vpm;
        int widths[1024];
        for (size_t m = 0; m < mb; m++) {
            uint64_t any = 0;
            for (size_t i = m * vpm; i < (m + 1) * vpm && i < cnt; i++)
                any |= (uint64_t)d[i] - (uint64_t)min;
            widths[m] = m < used_mb ? ko_pq_bit_width(any) : (garbage ? 0xEE : 0);
            uint8_t w = (uint8_t)widths[m];
            append(out, &w, 1);
        }
        for (size_t m = 0; m < used_mb; m++) {
            refbits w = {out, 0};
            for (size_t i = m * vpm; i < (m + 1) * vpm; i++) {
                uint64_t x = i < cnt ? (uint64_t)d[i] - (uint64_t)min : (garbage ? rnd() : 0);
                ref_put(&w, x & mask_bits(widths[m]), widths[m]);
            }
        }
    }
    free(d);
}

static void test_delta_spec_examples(void **state)
{
    (void)state;
    /* Example 1 (1..5) and 2 (7,5,3,1,2,3,4,5) with a legal block size of
     * 128 in one miniblock instead of the spec's illustrative 8. */
    static const uint8_t ex1[] = {0x80, 0x01, 0x01, 0x05, 0x02, 0x02, 0x00};
    int32_t got[8];
    ko_err err = {0};
    size_t used;
    TU_OK(ko_pq_delta_decode_i32(ex1, sizeof ex1, got, 5, &used, &err), &err);
    for (int i = 0; i < 5; i++)
        assert_int_equal(got[i], i + 1);
    assert_int_equal(used, sizeof ex1);

    uint8_t ex2[7 + 32] = {0x80, 0x01, 0x01, 0x08, 0x0e, 0x03, 0x02, 0xC0, 0x3F};
    static const int32_t want2[8] = {7, 5, 3, 1, 2, 3, 4, 5};
    TU_OK(ko_pq_delta_decode_i32(ex2, sizeof ex2, got, 8, &used, &err), &err);
    assert_memory_equal(got, want2, sizeof want2);
    assert_int_equal(used, sizeof ex2);
    int64_t got64[8];
    TU_OK(ko_pq_delta_decode_i64(ex2, sizeof ex2, got64, 8, &used, &err), &err);
    for (int i = 0; i < 8; i++)
        assert_int_equal(got64[i], want2[i]);

    /* our encoder: block 128, 4 miniblocks; 1..5 needs one zero-width miniblock */
    ko_buf b = {0};
    static const int32_t one_to_five[] = {1, 2, 3, 4, 5};
    assert_int_equal(ko_pq_delta_encode_i32(one_to_five, 5, &b), KO_OK);
    static const uint8_t want_enc[] = {0x80, 0x01, 0x04, 0x05, 0x02, 0x02, 0, 0, 0, 0};
    assert_int_equal(b.len, sizeof want_enc);
    assert_memory_equal(b.data, want_enc, sizeof want_enc);
    ko_buf_free(&b);
}

static void delta_truncations(const uint8_t *enc, size_t len, size_t n, bool wide)
{
    int64_t *out = malloc((n ? n : 1) * 8);
    assert_non_null(out);
    for (size_t l = 0; l < len; l++) {
        uint8_t *p = exact(enc, l);
        ko_err err = {0};
        ko_status st = wide ? ko_pq_delta_decode_i64(p, l, out, n, NULL, &err)
                            : ko_pq_delta_decode_i32(p, l, (int32_t *)out, n, NULL, &err);
        assert_int_equal(st, KO_ERR_CORRUPT);
        assert_non_null(strstr(err.msg, "DELTA_BINARY_PACKED"));
        free(p);
    }
    free(out);
}

static void delta_check64(const int64_t *v, size_t n, const ko_buf *b, bool truncations)
{
    int64_t *got = malloc((n + 1) * sizeof *got);
    assert_non_null(got);
    uint8_t *p = exact(b->data, b->len);
    ko_err err = {0};
    size_t used = 0;
    TU_OK(ko_pq_delta_decode_i64(p, b->len, got, n, &used, &err), &err);
    assert_int_equal(used, b->len);
    if (n)
        assert_memory_equal(got, v, n * sizeof *v);
    /* a prefix of the values still reports the whole stream as used */
    if (n > 3) {
        TU_OK(ko_pq_delta_decode_i64(p, b->len, got, n / 3, &used, &err), &err);
        assert_memory_equal(got, v, n / 3 * sizeof *v);
        assert_int_equal(used, b->len);
    }
    assert_int_equal(ko_pq_delta_decode_i64(p, b->len, got, n + 1, NULL, &err), KO_ERR_CORRUPT);
    if (truncations)
        delta_truncations(b->data, b->len, n, true);
    free(p);
    free(got);
}

static void delta_check32(const int32_t *v, size_t n, const ko_buf *b, bool truncations)
{
    int32_t *got = malloc((n + 1) * sizeof *got);
    assert_non_null(got);
    uint8_t *p = exact(b->data, b->len);
    ko_err err = {0};
    size_t used = 0;
    TU_OK(ko_pq_delta_decode_i32(p, b->len, got, n, &used, &err), &err);
    assert_int_equal(used, b->len);
    if (n)
        assert_memory_equal(got, v, n * sizeof *v);
    if (n > 3) {
        TU_OK(ko_pq_delta_decode_i32(p, b->len, got, n - 3, &used, &err), &err);
        assert_memory_equal(got, v, (n - 3) * sizeof *v);
        assert_int_equal(used, b->len);
    }
    if (truncations)
        delta_truncations(b->data, b->len, n, false);
    free(p);
    free(got);
}

/* Values whose deltas need about bw bits; style 1 alternates extremes. */
static void fill_delta64(int64_t *v, size_t n, int bw, int style)
{
    int64_t x = (int64_t)rnd();
    for (size_t i = 0; i < n; i++) {
        if (style == 1)
            v[i] = (i % 3 == 0) ? INT64_MIN : (i % 3 == 1 ? INT64_MAX : (int64_t)rnd());
        else
            v[i] = x = (int64_t)((uint64_t)x + (rnd() & mask_bits(bw)));
    }
}

static void test_delta_roundtrip_i64(void **state)
{
    (void)state;
    static const size_t sizes[] = {0, 1, 2, 31, 32, 33, 127, 128, 129, 130, 257, 1000, 5000};
    for (int bw = 0; bw <= 64; bw++) {
        for (size_t s = 0; s < KO_ARRAY_LEN(sizes); s++) {
            size_t n = sizes[s];
            int64_t *v = malloc((n ? n : 1) * sizeof *v);
            assert_non_null(v);
            fill_delta64(v, n, bw, bw == 64 && s % 2);
            ko_buf b = {0};
            assert_int_equal(ko_pq_delta_encode_i64(v, n, &b), KO_OK);
            delta_check64(v, n, &b, n <= 130 && bw % 7 == 0);
            ko_buf_reset(&b);
            ref_delta(v, n, 256, 4, true, false, &b);
            delta_check64(v, n, &b, false);
            ko_buf_free(&b);
            free(v);
        }
    }
}

static void test_delta_roundtrip_i32(void **state)
{
    (void)state;
    static const size_t sizes[] = {0, 1, 2, 33, 128, 129, 1000, 4097};
    for (int bw = 0; bw <= 32; bw++) {
        for (size_t s = 0; s < KO_ARRAY_LEN(sizes); s++) {
            size_t n = sizes[s];
            int32_t *v = malloc((n ? n : 1) * sizeof *v);
            int64_t *v64 = malloc((n ? n : 1) * sizeof *v64);
            assert_true(v && v64);
            uint32_t x = (uint32_t)rnd();
            for (size_t i = 0; i < n; i++) {
                if (bw == 32 && s % 2)
                    x = i % 2 ? (uint32_t)INT32_MIN : (uint32_t)INT32_MAX;
                else
                    x += (uint32_t)(rnd() & mask_bits(bw));
                v[i] = (int32_t)x;
                v64[i] = v[i];
            }
            ko_buf b = {0};
            assert_int_equal(ko_pq_delta_encode_i32(v, n, &b), KO_OK);
            delta_check32(v, n, &b, n <= 129 && bw % 5 == 0);
            ko_buf_reset(&b);
            ref_delta(v64, n, 128, 1, true, true, &b);
            delta_check32(v, n, &b, false);
            ko_buf_reset(&b);
            ref_delta(v64, n, 1024, 32, false, true, &b);
            delta_check32(v, n, &b, false);
            ko_buf_free(&b);
            free(v);
            free(v64);
        }
    }
}

static void test_delta_corrupt(void **state)
{
    (void)state;
    int32_t out[200];
    ko_err err = {0};
    ko_buf b = {0};
    /* bit width 40 is fine for int64 but not for int32 */
    int64_t v[100];
    for (size_t i = 0; i < 100; i++)
        v[i] = (int64_t)(rnd() & mask_bits(40));
    ref_delta(v, 100, 128, 4, false, false, &b);
    int64_t out64[100];
    TU_OK(ko_pq_delta_decode_i64(b.data, b.len, out64, 100, NULL, &err), &err);
    assert_memory_equal(out64, v, sizeof v);
    assert_int_equal(ko_pq_delta_decode_i32(b.data, b.len, out, 100, NULL, &err), KO_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "bit width"));
    /* bit width 65 */
    static const uint8_t w65[] = {0x80, 0x01, 0x01, 0x03, 0x00, 0x00, 65};
    assert_int_equal(ko_pq_delta_decode_i64(w65, sizeof w65, out64, 3, NULL, &err), KO_ERR_CORRUPT);
    /* block size not a multiple of 128, zero, or with 16-value miniblocks */
    static const uint8_t bs100[] = {0x64, 0x01, 0x01, 0x00};
    assert_int_equal(ko_pq_delta_decode_i32(bs100, sizeof bs100, out, 1, NULL, &err),
                     KO_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "block size 100"));
    static const uint8_t bs0[] = {0x00, 0x01, 0x01, 0x00};
    assert_int_equal(ko_pq_delta_decode_i32(bs0, sizeof bs0, out, 1, NULL, &err), KO_ERR_CORRUPT);
    static const uint8_t mb8[] = {0x80, 0x01, 0x08, 0x01, 0x00};
    assert_int_equal(ko_pq_delta_decode_i32(mb8, sizeof mb8, out, 1, NULL, &err), KO_ERR_CORRUPT);
    static const uint8_t mb0[] = {0x80, 0x01, 0x00, 0x01, 0x00};
    assert_int_equal(ko_pq_delta_decode_i32(mb0, sizeof mb0, out, 1, NULL, &err), KO_ERR_CORRUPT);
    /* a huge value count with almost no data, decoding nothing */
    static const uint8_t huge[] = {0x80, 0x01, 0x01, 0xff, 0xff, 0xff,
                                   0xff, 0x0f, 0x00, 0x00, 0x00};
    assert_int_equal(ko_pq_delta_decode_i32(huge, sizeof huge, out, 0, NULL, &err), KO_ERR_CORRUPT);
    /* more values wanted than the header holds */
    static const uint8_t ex1[] = {0x80, 0x01, 0x01, 0x05, 0x02, 0x02, 0x00};
    assert_int_equal(ko_pq_delta_decode_i32(ex1, sizeof ex1, out, 6, NULL, &err), KO_ERR_CORRUPT);
    /* an empty stream: header only */
    ko_buf_reset(&b);
    assert_int_equal(ko_pq_delta_encode_i32(out, 0, &b), KO_OK);
    size_t used;
    TU_OK(ko_pq_delta_decode_i32(b.data, b.len, out, 0, &used, &err), &err);
    assert_int_equal(used, b.len);
    ko_buf_free(&b);
}

/* Deltas that wrap: the spec wants two's complement arithmetic. */
static void test_delta_wrapping(void **state)
{
    (void)state;
    int64_t v[] = {INT64_MAX, INT64_MIN, INT64_MAX, 0, -1, INT64_MIN, INT64_MIN, 5};
    ko_buf b = {0};
    assert_int_equal(ko_pq_delta_encode_i64(v, 8, &b), KO_OK);
    delta_check64(v, 8, &b, true);
    int32_t w[] = {INT32_MAX, INT32_MIN, 0, INT32_MIN, INT32_MAX, -1, 1};
    ko_buf_reset(&b);
    assert_int_equal(ko_pq_delta_encode_i32(w, 7, &b), KO_OK);
    delta_check32(w, 7, &b, true);
    ko_buf_free(&b);
}

/* ------------------------------------- DELTA_LENGTH_BYTE_ARRAY / DELTA_BYTE_ARRAY */

static void encode_lengths(const size_t *lens, size_t n, ko_buf *out)
{
    int32_t *l = malloc((n ? n : 1) * sizeof *l);
    assert_non_null(l);
    for (size_t i = 0; i < n; i++)
        l[i] = (int32_t)lens[i];
    assert_int_equal(ko_pq_delta_encode_i32(l, n, out), KO_OK);
    free(l);
}

static void check_values(const ko_buf *offsets, const ko_buf *data, size_t base_off,
                         const char *const *want, size_t n)
{
    int64_t prev = (int64_t)base_off;
    assert_int_equal(offsets->len, 8 * n);
    for (size_t i = 0; i < n; i++) {
        int64_t end = off_at(offsets, i);
        assert_int_equal(end - prev, (int64_t)strlen(want[i]));
        assert_memory_equal(data->data + prev, want[i], strlen(want[i]));
        prev = end;
    }
    assert_int_equal((size_t)prev, data->len);
}

static void test_delta_length_spec(void **state)
{
    (void)state;
    static const char *const words[] = {"Hello", "World", "Foobar", "ABCDEF"};
    size_t lens[] = {5, 5, 6, 6};
    ko_buf in = {0}, offsets = {0}, data = {0};
    encode_lengths(lens, 4, &in);
    append(&in, "HelloWorldFoobarABCDEF", 22);
    ko_err err = {0};
    TU_OK(ko_pq_delta_length_decode(in.data, in.len, 4, &offsets, &data, &err), &err);
    check_values(&offsets, &data, 0, words, 4);
    for (size_t l = 0; l < in.len; l++) {
        uint8_t *p = exact(in.data, l);
        assert_int_equal(ko_pq_delta_length_decode(p, l, 4, &offsets, &data, &err), KO_ERR_CORRUPT);
        assert_int_equal(offsets.len, 32);
        assert_int_equal(data.len, 22);
        free(p);
    }
    /* a negative length */
    ko_buf_reset(&in);
    int32_t neg[] = {3, -1};
    assert_int_equal(ko_pq_delta_encode_i32(neg, 2, &in), KO_OK);
    append(&in, "abcdef", 6);
    assert_int_equal(ko_pq_delta_length_decode(in.data, in.len, 2, &offsets, &data, &err),
                     KO_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "negative length"));
    ko_buf_free(&in);
    ko_buf_free(&offsets);
    ko_buf_free(&data);
}

static void test_delta_length_random(void **state)
{
    (void)state;
    enum { N = 2000 };
    static char store[N][33];
    const char *vals[N];
    size_t lens[N];
    ko_buf in = {0}, payload = {0}, offsets = {0}, data = {0};
    for (size_t i = 0; i < N; i++) {
        lens[i] = rnd() % 33;
        for (size_t k = 0; k < lens[i]; k++)
            store[i][k] = (char)('a' + rnd() % 26);
        store[i][lens[i]] = '\0';
        vals[i] = store[i];
        append(&payload, store[i], lens[i]);
    }
    encode_lengths(lens, N, &in);
    append(&in, payload.data, payload.len);
    uint8_t *p = exact(in.data, in.len);
    ko_err err = {0};
    TU_OK(ko_pq_delta_length_decode(p, in.len, N, &offsets, &data, &err), &err);
    check_values(&offsets, &data, 0, vals, N);
    /* fewer values than the stream holds */
    ko_buf_reset(&offsets);
    ko_buf_reset(&data);
    TU_OK(ko_pq_delta_length_decode(p, in.len, 700, &offsets, &data, &err), &err);
    check_values(&offsets, &data, 0, vals, 700);
    free(p);
    ko_buf_free(&in);
    ko_buf_free(&payload);
    ko_buf_free(&offsets);
    ko_buf_free(&data);
}

/* Front-codes vals into DELTA_BYTE_ARRAY. */
static void encode_dba(const char *const *vals, size_t n, ko_buf *out)
{
    size_t *pre = calloc(n + 1, sizeof *pre), *suf = calloc(n + 1, sizeof *suf);
    assert_true(pre && suf);
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(vals[i]), k = 0;
        if (i)
            while (k < l && vals[i - 1][k] && vals[i - 1][k] == vals[i][k])
                k++;
        pre[i] = k;
        suf[i] = l - k;
    }
    encode_lengths(pre, n, out);
    encode_lengths(suf, n, out);
    for (size_t i = 0; i < n; i++)
        append(out, vals[i] + pre[i], suf[i]);
    free(pre);
    free(suf);
}

static void test_delta_byte_array(void **state)
{
    (void)state;
    static const char *const words[] = {"axis", "axle", "babble", "babyhood"};
    ko_buf in = {0}, offsets = {0}, data = {0};
    size_t pre[] = {0, 2, 0, 3}, suf[] = {4, 2, 6, 5};
    encode_lengths(pre, 4, &in);
    encode_lengths(suf, 4, &in);
    append(&in, "axislebabbleyhood", 17);
    ko_buf mine = {0};
    encode_dba(words, 4, &mine);
    assert_int_equal(mine.len, in.len);
    assert_memory_equal(mine.data, in.data, in.len);
    append(&data, "zz", 2);
    ko_err err = {0};
    TU_OK(ko_pq_delta_byte_array_decode(in.data, in.len, 4, &offsets, &data, &err), &err);
    check_values(&offsets, &data, 2, words, 4);
    for (size_t l = 0; l < in.len; l++) {
        uint8_t *p = exact(in.data, l);
        assert_int_equal(ko_pq_delta_byte_array_decode(p, l, 4, &offsets, &data, &err),
                         KO_ERR_CORRUPT);
        assert_int_equal(offsets.len, 32);
        assert_int_equal(data.len, 2 + 4 + 4 + 6 + 8);
        free(p);
    }
    /* prefix longer than the previous value */
    ko_buf_reset(&in);
    size_t bpre[] = {0, 5}, bsuf[] = {4, 1};
    encode_lengths(bpre, 2, &in);
    encode_lengths(bsuf, 2, &in);
    append(&in, "axisz", 5);
    assert_int_equal(ko_pq_delta_byte_array_decode(in.data, in.len, 2, &offsets, &data, &err),
                     KO_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "prefix length 5"));
    ko_buf_free(&mine);
    ko_buf_free(&in);
    ko_buf_free(&offsets);
    ko_buf_free(&data);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void test_delta_byte_array_random(void **state)
{
    (void)state;
    enum { N = 3000 };
    static char store[N][24];
    const char *vals[N];
    for (size_t i = 0; i < N; i++) {
        size_t l = rnd() % 23;
        for (size_t k = 0; k < l; k++)
            store[i][k] = (char)('a' + rnd() % 3);
        store[i][l] = '\0';
        vals[i] = store[i];
    }
    qsort(vals, N, sizeof vals[0], cmp_str);
    ko_buf in = {0}, offsets = {0}, data = {0};
    encode_dba(vals, N, &in);
    uint8_t *p = exact(in.data, in.len);
    ko_err err = {0};
    TU_OK(ko_pq_delta_byte_array_decode(p, in.len, N, &offsets, &data, &err), &err);
    check_values(&offsets, &data, 0, vals, N);
    free(p);
    ko_buf_free(&in);
    ko_buf_free(&offsets);
    ko_buf_free(&data);
}

/* ------------------------------------------------ BYTE_STREAM_SPLIT */

static void test_bss(void **state)
{
    (void)state;
    static const uint8_t spec_in[] = {0xAA, 0x00, 0xA3, 0xBB, 0x11, 0xB4,
                                      0xCC, 0x22, 0xC5, 0xDD, 0x33, 0xD6};
    static const uint8_t spec_out[] = {0xAA, 0xBB, 0xCC, 0xDD, 0x00, 0x11,
                                       0x22, 0x33, 0xA3, 0xB4, 0xC5, 0xD6};
    uint8_t got[16 * 100];
    ko_err err = {0};
    TU_OK(ko_pq_bss_decode(spec_in, 12, 4, 3, got, &err), &err);
    assert_memory_equal(got, spec_out, 12);
    /* fewer values than the page holds keep the page's stream stride */
    TU_OK(ko_pq_bss_decode(spec_in, 12, 4, 2, got, &err), &err);
    assert_memory_equal(got, spec_out, 8);
    for (size_t width = 1; width <= 16; width++) {
        size_t n = 97;
        uint8_t vals[16 * 97], enc[16 * 97];
        for (size_t i = 0; i < n * width; i++)
            vals[i] = (uint8_t)rnd();
        for (size_t i = 0; i < n; i++)
            for (size_t k = 0; k < width; k++)
                enc[k * n + i] = vals[i * width + k];
        uint8_t *p = exact(enc, n * width);
        TU_OK(ko_pq_bss_decode(p, n * width, width, n, got, &err), &err);
        assert_memory_equal(got, vals, n * width);
        free(p);
    }
    /* a page of 100 values read only in part (the vector path, stride 100) */
    for (size_t width = 4; width <= 8; width += 4) {
        uint8_t vals[8 * 100], enc[8 * 100];
        for (size_t i = 0; i < 100 * width; i++)
            vals[i] = (uint8_t)rnd();
        for (size_t i = 0; i < 100; i++)
            for (size_t k = 0; k < width; k++)
                enc[k * 100 + i] = vals[i * width + k];
        uint8_t *p = exact(enc, 100 * width);
        TU_OK(ko_pq_bss_decode(p, 100 * width, width, 50, got, &err), &err);
        assert_memory_equal(got, vals, 50 * width);
        free(p);
    }
    assert_int_equal(ko_pq_bss_decode(spec_in, 11, 4, 2, got, &err), KO_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "BYTE_STREAM_SPLIT"));
    assert_int_equal(ko_pq_bss_decode(spec_in, 12, 4, 4, got, &err), KO_ERR_CORRUPT);
    assert_int_equal(ko_pq_bss_decode(spec_in, 12, 0, 1, got, &err), KO_ERR_CORRUPT);
}

/* Random bytes thrown at every decoder must never crash or over-read. */
static void test_fuzz_decoders(void **state)
{
    (void)state;
    uint32_t u32[300];
    int16_t i16[300];
    int64_t i64[300];
    uint8_t u8[300 * 8];
    ko_buf offsets = {0}, data = {0};
    for (int iter = 0; iter < 3000; iter++) {
        size_t len = rnd() % 64;
        uint8_t buf[64];
        for (size_t i = 0; i < len; i++)
            buf[i] = (uint8_t)(iter % 2 ? rnd() : rnd() % 4);
        if (iter % 3 == 0 && len >= 3) { /* a plausible delta header */
            buf[0] = 0x80;
            buf[1] = 0x01;
            buf[2] = (uint8_t)(1u << (rnd() % 3));
        }
        uint8_t *p = exact(buf, len);
        size_t n = rnd() % 300;
        ko_err err = {0};
        (void)ko_pq_rle_decode_u32(p, len, (int)(rnd() % 33), u32, n, NULL, &err);
        (void)ko_pq_rle_decode_i16(p, len, (int)(rnd() % 17), i16, n, NULL, &err);
        (void)ko_pq_bitpacked_decode_i16(p, len, (int)(rnd() % 17), i16, n, NULL, &err);
        (void)ko_pq_delta_decode_i32(p, len, (int32_t *)u32, n, NULL, &err);
        (void)ko_pq_delta_decode_i64(p, len, i64, n, NULL, &err);
        (void)ko_pq_plain_decode_bool(p, len, u8, n, NULL, &err);
        (void)ko_pq_plain_decode_bytes(p, len, n % 20, &offsets, &data, NULL, &err);
        (void)ko_pq_delta_length_decode(p, len, n, &offsets, &data, &err);
        (void)ko_pq_delta_byte_array_decode(p, len, n, &offsets, &data, &err);
        (void)ko_pq_bss_decode(p, len, 1 + rnd() % 8, n % 9, u8, &err);
        free(p);
        ko_buf_reset(&offsets);
        ko_buf_reset(&data);
    }
    ko_buf_free(&offsets);
    ko_buf_free(&data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bit_width),
        cmocka_unit_test(test_rle_spec_example),
        cmocka_unit_test(test_rle_repeated_run),
        cmocka_unit_test(test_rle_roundtrip_all_widths),
        cmocka_unit_test(test_rle_i16),
        cmocka_unit_test(test_rle_encode_rejects_wide_values),
        cmocka_unit_test(test_rle_corrupt),
        cmocka_unit_test(test_bitpacked_legacy),
        cmocka_unit_test(test_plain_bool),
        cmocka_unit_test(test_plain_bytes),
        cmocka_unit_test(test_delta_spec_examples),
        cmocka_unit_test(test_delta_roundtrip_i64),
        cmocka_unit_test(test_delta_roundtrip_i32),
        cmocka_unit_test(test_delta_corrupt),
        cmocka_unit_test(test_delta_wrapping),
        cmocka_unit_test(test_delta_length_spec),
        cmocka_unit_test(test_delta_length_random),
        cmocka_unit_test(test_delta_byte_array),
        cmocka_unit_test(test_delta_byte_array_random),
        cmocka_unit_test(test_bss),
        cmocka_unit_test(test_fuzz_decoders),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
