/*
 * test_base_hash.c - MurmurHash3 x86_32 against the reference vectors and
 * the Iceberg spec's bucket-transform test values (format/spec.md,
 * "Appendix B: 32-bit Hash Requirements").
 */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

static int32_t h32(const void *data, size_t len)
{
    return (int32_t)ko_murmur3_32(data, len, 0);
}

/* Iceberg hashLong: the 8-byte little-endian two's complement value. */
static int32_t hash_long(int64_t v)
{
    uint8_t b[8];
    uint64_t u = (uint64_t)v;
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(u >> (8 * i));
    return h32(b, sizeof b);
}

/* Iceberg decimal: minimal big-endian two's complement of the unscaled value. */
static int32_t hash_decimal(int64_t unscaled)
{
    uint8_t b[8];
    uint64_t u = (uint64_t)unscaled;
    for (int i = 0; i < 8; i++)
        b[7 - i] = (uint8_t)(u >> (8 * i));
    size_t start = 0;
    while (start < 7 && ((b[start] == 0x00 && !(b[start + 1] & 0x80)) ||
                         (b[start] == 0xff && (b[start + 1] & 0x80))))
        start++;
    return h32(b + start, 8 - start);
}

static int64_t parse_us(const char *s)
{
    int64_t us = 0;
    ko_err err = {0};
    TU_OK(ko_time_parse(s, strlen(s), &us, &err), &err);
    return us;
}

static void test_reference_vectors(void **state)
{
    (void)state;
    /* Appleby's SMHasher-verified values, as collected by Peter Dimov (Boost.Hash2). */
    assert_int_equal(ko_murmur3_32("", 0, 0), 0);
    assert_int_equal(ko_murmur3_32("", 0, 1), 0x514E28B7u);
    assert_int_equal(ko_murmur3_32("", 0, 0xFFFFFFFFu), 0x81F16F39u);
    assert_int_equal(ko_murmur3_32("\xFF\xFF\xFF\xFF", 4, 0), 0x76293B50u);
    assert_int_equal(ko_murmur3_32("\x21\x43\x65\x87", 4, 0), 0xF55B516Bu);
    assert_int_equal(ko_murmur3_32("\x21\x43\x65\x87", 4, 0x5082EDEEu), 0x2362F9DEu);
    assert_int_equal(ko_murmur3_32("\x21\x43\x65", 3, 0), 0x7E4A8634u);
    assert_int_equal(ko_murmur3_32("\x21\x43", 2, 0), 0xA0F7B07Au);
    assert_int_equal(ko_murmur3_32("\x21", 1, 0), 0x72661CF4u);
    assert_int_equal(ko_murmur3_32("\0\0\0\0", 4, 0), 0x2362F9DEu);
    assert_int_equal(ko_murmur3_32("\0\0\0", 3, 0), 0x85F0B427u);
    assert_int_equal(ko_murmur3_32("\0\0", 2, 0), 0x30F4C306u);
    assert_int_equal(ko_murmur3_32("\0", 1, 0), 0x514E28B7u);
    assert_int_equal(ko_murmur3_32("abc", 3, 0), 0xB3DD93FAu);
    const char *long_s = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    assert_int_equal(ko_murmur3_32(long_s, strlen(long_s), 0), 0xEE925B90u);
    const char *fox = "The quick brown fox jumps over the lazy dog";
    assert_int_equal(ko_murmur3_32(fox, strlen(fox), 0x9747B28Cu), 0x2FA826CDu);
}

static void test_iceberg_spec_vectors(void **state)
{
    (void)state;
    /* int and long: hashLong(long(v)). */
    assert_int_equal(hash_long(34), 2017239379);
    /* decimal(9,2) 14.20: unscaled 1420 = 0x058C. */
    assert_int_equal(hash_decimal(1420), -500754589);
    const uint8_t dec[] = {0x05, 0x8c};
    assert_int_equal(h32(dec, sizeof dec), -500754589);
    /* date 2017-11-16: days from the epoch, hashed as a long. */
    int64_t days = ko_days_from_civil(2017, 11, 16);
    assert_int_equal(days, 17486);
    assert_int_equal(hash_long(days), -653330422);
    /* time 22:31:08: microseconds from midnight. */
    assert_int_equal(hash_long((22 * 3600 + 31 * 60 + 8) * INT64_C(1000000)), -662762989);
    /* timestamp / timestamptz: microseconds from the epoch. */
    assert_int_equal(hash_long(parse_us("2017-11-16T22:31:08")), -2047944441);
    assert_int_equal(hash_long(parse_us("2017-11-16T22:31:08.000001")), -1207196810);
    assert_int_equal(hash_long(parse_us("2017-11-16T14:31:08-08:00")), -2047944441);
    assert_int_equal(hash_long(parse_us("2017-11-16T14:31:08.000001-08:00")), -1207196810);
    /* timestamp_ns: converted to microseconds before hashing (spec note 3). */
    int64_t ns = INT64_C(1510871468000001001);
    assert_int_equal(hash_long(ns / 1000), -1207196810);
    assert_int_equal(hash_long(parse_us("2017-11-16T22:31:08.000001001")), -1207196810);
    /* string: UTF-8 bytes. */
    assert_int_equal(h32("iceberg", 7), 1210000089);
    /* uuid: 16 bytes, big endian. */
    ko_uuid u;
    ko_err err = {0};
    TU_OK(ko_uuid_parse("f79c3e09-677c-4bbd-a479-3f349cb785e7", &u, &err), &err);
    const uint8_t want[16] = {0xF7, 0x9C, 0x3E, 0x09, 0x67, 0x7C, 0x4B, 0xBD,
                              0xA4, 0x79, 0x3F, 0x34, 0x9C, 0xB7, 0x85, 0xE7};
    assert_memory_equal(u.b, want, 16);
    assert_int_equal(h32(u.b, 16), 1488055340);
    /* fixed(L) / binary. */
    const uint8_t bin[] = {0x00, 0x01, 0x02, 0x03};
    assert_int_equal(h32(bin, sizeof bin), -188683207);
    /* Values not valid for bucketing, but specified: boolean true = hashInt(1),
     * double 1.0 / 0.0 = hashLong(doubleToLongBits(v)). */
    assert_int_equal(hash_long(1), 1392991556);
    assert_int_equal(hash_long(INT64_C(0x3FF0000000000000)), -142385009);
    assert_int_equal(hash_long(0), 1669671676);
}

static void test_decimal_encoding(void **state)
{
    (void)state;
    /* The minimal encoding keeps a sign byte where the top bit would lie. */
    const uint8_t b128[] = {0x00, 0x80};
    assert_int_equal(hash_decimal(128), h32(b128, 2));
    const uint8_t bm1[] = {0xff};
    assert_int_equal(hash_decimal(-1), h32(bm1, 1));
    const uint8_t bm129[] = {0xff, 0x7f};
    assert_int_equal(hash_decimal(-129), h32(bm129, 2));
    const uint8_t b0[] = {0x00};
    assert_int_equal(hash_decimal(0), h32(b0, 1));
}

/* The result must not depend on the alignment of the input. */
static void test_unaligned(void **state)
{
    (void)state;
    uint8_t src[300];
    tu_fill(src, sizeof src, 7);
    uint8_t *buf = malloc(sizeof src + 8);
    assert_non_null(buf);
    for (size_t len = 0; len < 260; len += 13) {
        uint32_t want = ko_murmur3_32(src, len, 42);
        for (size_t off = 1; off < 8; off++) {
            memcpy(buf + off, src, len);
            assert_int_equal(ko_murmur3_32(buf + off, len, 42), want);
        }
    }
    free(buf);
}

static void test_seed_and_length_matter(void **state)
{
    (void)state;
    uint8_t data[64];
    tu_fill(data, sizeof data, 3);
    assert_int_not_equal(ko_murmur3_32(data, 64, 0), ko_murmur3_32(data, 64, 1));
    for (size_t n = 1; n < 64; n++)
        assert_int_not_equal(ko_murmur3_32(data, n, 0), ko_murmur3_32(data, n - 1, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_vectors),      cmocka_unit_test(test_iceberg_spec_vectors),
        cmocka_unit_test(test_decimal_encoding),       cmocka_unit_test(test_unaligned),
        cmocka_unit_test(test_seed_and_length_matter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
