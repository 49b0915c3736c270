/*
 * test_ice_transform.c - values, transforms, partition specs and sort
 * orders of src/iceberg against format/spec.md: the Appendix B hash
 * vectors, the truncate examples, time transforms before 1970, Appendix D
 * single-value forms (binary and JSON), partition paths as Java writes
 * them, the --partition-by text and spec/sort-order JSON.
 */
#include "testutil.h"

#include <math.h>
#include <string.h>

#include "iceberg/iceberg.h"

static ko_ice_type T(ko_ice_type_id id)
{
    return (ko_ice_type){.id = id};
}

static int64_t us_of(const char *s)
{
    int64_t us = 0;
    ko_err err = {0};
    TU_OK(ko_time_parse(s, strlen(s), &us, &err), &err);
    return us;
}

static int32_t hash_of(ko_ice_type t, ko_ice_value v)
{
    ko_err err = {0};
    int32_t h = 0;
    TU_OK(ko_ice_hash_value(&t, &v, &h, &err), &err);
    return h;
}

/* ------------------------------------------------------------ Appendix B */

static void test_bucket_hash_vectors(void **state)
{
    (void)state;
    static const uint8_t uuid[16] = {0xF7, 0x9C, 0x3E, 0x09, 0x67, 0x7C, 0x4B, 0xBD,
                                     0xA4, 0x79, 0x3F, 0x34, 0x9C, 0xB7, 0x85, 0xE7};
    static const uint8_t bytes[4] = {0, 1, 2, 3};
    ko_ice_type dec = {.id = KO_ICE_DECIMAL, .precision = 9, .scale = 2};
    ko_ice_type fixed4 = {.id = KO_ICE_FIXED, .length = 4};
    int64_t ts = us_of("2017-11-16T22:31:08");
    int64_t ts1 = us_of("2017-11-16T22:31:08.000001");

    assert_int_equal(hash_of(T(KO_ICE_INT), ko_ice_value_int(34)), 2017239379);
    assert_int_equal(hash_of(T(KO_ICE_LONG), ko_ice_value_long(34)), 2017239379);
    assert_int_equal(hash_of(dec, ko_ice_value_decimal(1420, 2)), -500754589);
    assert_int_equal(hash_of(T(KO_ICE_DATE), ko_ice_value_int_of(KO_ICE_DATE, 17486)), -653330422);
    assert_int_equal(hash_of(T(KO_ICE_TIME), ko_ice_value_int_of(KO_ICE_TIME, 81068000000)),
                     -662762989);
    assert_int_equal(hash_of(T(KO_ICE_TIMESTAMP), ko_ice_value_int_of(KO_ICE_TIMESTAMP, ts)),
                     -2047944441);
    assert_int_equal(hash_of(T(KO_ICE_TIMESTAMP), ko_ice_value_int_of(KO_ICE_TIMESTAMP, ts1)),
                     -1207196810);
    assert_int_equal(
        hash_of(T(KO_ICE_TIMESTAMPTZ),
                ko_ice_value_int_of(KO_ICE_TIMESTAMPTZ, us_of("2017-11-16T14:31:08-08:00"))),
        -2047944441);
    assert_int_equal(
        hash_of(T(KO_ICE_TIMESTAMP_NS), ko_ice_value_int_of(KO_ICE_TIMESTAMP_NS, ts * 1000)),
        -2047944441);
    assert_int_equal(hash_of(T(KO_ICE_TIMESTAMPTZ_NS),
                             ko_ice_value_int_of(KO_ICE_TIMESTAMPTZ_NS, ts * 1000 + 1001)),
                     -1207196810);
    assert_int_equal(hash_of(T(KO_ICE_STRING), ko_ice_value_string("iceberg")), 1210000089);
    assert_int_equal(hash_of(T(KO_ICE_UUID), ko_ice_value_bytes(KO_ICE_UUID, uuid, 16)),
                     1488055340);
    assert_int_equal(hash_of(fixed4, ko_ice_value_bytes(KO_ICE_FIXED, bytes, 4)), -188683207);
    assert_int_equal(hash_of(T(KO_ICE_BINARY), ko_ice_value_bytes(KO_ICE_BINARY, bytes, 4)),
                     -188683207);
    /* The table of types not valid for bucketing. */
    assert_int_equal(hash_of(T(KO_ICE_BOOLEAN), ko_ice_value_bool(true)), 1392991556);
    assert_int_equal(hash_of(T(KO_ICE_FLOAT), ko_ice_value_float(1.0f)), -142385009);
    assert_int_equal(hash_of(T(KO_ICE_FLOAT), ko_ice_value_float(-0.0f)), 1669671676);
    assert_int_equal(hash_of(T(KO_ICE_DOUBLE), ko_ice_value_double(1.0)), -142385009);
    assert_int_equal(hash_of(T(KO_ICE_DOUBLE), ko_ice_value_double(0.0)), 1669671676);
    assert_int_equal(hash_of(T(KO_ICE_DOUBLE), ko_ice_value_double(-0.0)), 1669671676);
    /* Wide decimals hash their minimal bytes too: -1 is one 0xff byte. */
    ko_ice_type d38 = {.id = KO_ICE_DECIMAL, .precision = 38, .scale = 0};
    assert_int_equal(hash_of(d38, ko_ice_value_decimal(-1, 0)),
                     (int32_t)ko_murmur3_32("\xff", 1, 0));
}

static ko_ice_value apply(const char *tr, ko_ice_type src, ko_ice_value v)
{
    ko_ice_transform t;
    ko_ice_value out;
    ko_err err = {0};
    TU_OK(ko_ice_transform_parse(tr, &t, &err), &err);
    TU_OK(ko_ice_transform_apply(&t, &src, &v, &out, &err), &err);
    return out;
}

static void test_bucket_transform(void **state)
{
    (void)state;
    ko_ice_value b = apply("bucket[16]", T(KO_ICE_INT), ko_ice_value_int(34));
    assert_int_equal(b.type, KO_ICE_INT);
    assert_int_equal(b.i, (2017239379 & INT32_MAX) % 16);
    b = apply("bucket[100]", T(KO_ICE_STRING), ko_ice_value_string("iceberg"));
    assert_int_equal(b.i, 1210000089 % 100);
    /* A negative hash drops its sign bit before the modulo. */
    ko_ice_type dec = {.id = KO_ICE_DECIMAL, .precision = 9, .scale = 2};
    b = apply("bucket[7]", dec, ko_ice_value_decimal(1420, 2));
    assert_int_equal(b.i, (-500754589 & INT32_MAX) % 7);
    /* int and long agree, so promoting a bucketed column is safe. */
    for (int32_t v = -1000; v < 1000; v += 37)
        assert_int_equal(apply("bucket[13]", T(KO_ICE_INT), ko_ice_value_int(v)).i,
                         apply("bucket[13]", T(KO_ICE_LONG), ko_ice_value_long(v)).i);
    b = apply("bucket[4]", T(KO_ICE_LONG), ko_ice_value_null(KO_ICE_LONG));
    assert_true(b.is_null);
    assert_int_equal(b.type, KO_ICE_INT);
}

/* -------------------------------------------------------------- truncate */

static void test_truncate_examples(void **state)
{
    (void)state;
    assert_int_equal(apply("truncate[10]", T(KO_ICE_INT), ko_ice_value_int(1)).i, 0);
    assert_int_equal(apply("truncate[10]", T(KO_ICE_INT), ko_ice_value_int(-1)).i, -10);
    assert_int_equal(apply("truncate[10]", T(KO_ICE_INT), ko_ice_value_int(-10)).i, -10);
    assert_int_equal(apply("truncate[10]", T(KO_ICE_INT), ko_ice_value_int(19)).i, 10);
    assert_int_equal(apply("truncate[10]", T(KO_ICE_LONG), ko_ice_value_long(1)).i, 0);
    assert_int_equal(apply("truncate[10]", T(KO_ICE_LONG), ko_ice_value_long(-1)).i, -10);
    assert_int_equal(apply("truncate[10]", T(KO_ICE_LONG), ko_ice_value_long(INT64_MIN + 5)).i,
                     INT64_MAX - 1); /* wraps like Java's long arithmetic */

    ko_ice_type dec = {.id = KO_ICE_DECIMAL, .precision = 9, .scale = 2};
    ko_ice_value d = apply("truncate[50]", dec, ko_ice_value_decimal(1065, 2));
    assert_int_equal(d.i, 1050); /* 10.65 -> 10.50 */
    assert_int_equal(d.scale, 2);
    d = apply("truncate[50]", dec, ko_ice_value_decimal(-1065, 2));
    assert_int_equal(d.i, -1100);
    assert_int_equal(d.hi, -1);

    ko_ice_value s = apply("truncate[3]", T(KO_ICE_STRING), ko_ice_value_string("iceberg"));
    assert_int_equal(s.len, 3);
    assert_memory_equal(s.bytes, "ice", 3);
    /* Code points, not bytes: é is 2 bytes, the emoji 4. */
    s = apply("truncate[2]", T(KO_ICE_STRING), ko_ice_value_string("\xc3\xa9\xc3\xa0\xc3\xbc"));
    assert_int_equal(s.len, 4);
    s = apply("truncate[2]", T(KO_ICE_STRING), ko_ice_value_string("a\xf0\x9f\x98\x80z"));
    assert_int_equal(s.len, 5);
    s = apply("truncate[10]", T(KO_ICE_STRING), ko_ice_value_string("short"));
    assert_int_equal(s.len, 5);

    static const uint8_t bin[5] = {1, 2, 3, 4, 5};
    ko_ice_value b =
        apply("truncate[3]", T(KO_ICE_BINARY), ko_ice_value_bytes(KO_ICE_BINARY, bin, 5));
    assert_int_equal(b.len, 3);
    assert_ptr_equal(b.bytes, bin);
}

/* --------------------------------------------------------- time transforms */

static void check_units(ko_ice_type src, ko_ice_value v, int64_t y, int64_t m, int64_t d, int64_t h)
{
    assert_int_equal(apply("year", src, v).i, y);
    assert_int_equal(apply("month", src, v).i, m);
    ko_ice_value day = apply("day", src, v);
    assert_int_equal(day.type, KO_ICE_DATE);
    assert_int_equal(day.i, d);
    if (src.id != KO_ICE_DATE)
        assert_int_equal(apply("hour", src, v).i, h);
}

static void test_time_transforms(void **state)
{
    (void)state;
    ko_ice_type ts = T(KO_ICE_TIMESTAMP), tsz = T(KO_ICE_TIMESTAMPTZ), ns = T(KO_ICE_TIMESTAMP_NS);
    ko_ice_type date = T(KO_ICE_DATE);
    int64_t t = us_of("2017-11-16T22:31:08");
    check_units(ts, ko_ice_value_int_of(KO_ICE_TIMESTAMP, t), 47, 47 * 12 + 10, 17486,
                17486 * 24 + 22);
    check_units(ns, ko_ice_value_int_of(KO_ICE_TIMESTAMP_NS, t * 1000 + 999), 47, 574, 17486,
                419686);
    check_units(ts, ko_ice_value_int_of(KO_ICE_TIMESTAMP, 0), 0, 0, 0, 0);
    /* Just before the epoch everything is -1, rounding down. */
    check_units(ts, ko_ice_value_int_of(KO_ICE_TIMESTAMP, -1), -1, -1, -1, -1);
    check_units(ns, ko_ice_value_int_of(KO_ICE_TIMESTAMP_NS, -1), -1, -1, -1, -1);
    check_units(tsz, ko_ice_value_int_of(KO_ICE_TIMESTAMPTZ, us_of("1969-12-31T23:00:00Z")), -1, -1,
                -1, -1);
    check_units(ts, ko_ice_value_int_of(KO_ICE_TIMESTAMP, us_of("1969-01-01T00:00:00")), -1, -12,
                -365, -365 * 24);
    check_units(ts, ko_ice_value_int_of(KO_ICE_TIMESTAMP, us_of("1968-12-31T23:59:59.999999")), -2,
                -13, -366, -365 * 24 - 1);
    check_units(date, ko_ice_value_int_of(KO_ICE_DATE, -1), -1, -1, -1, 0);
    check_units(date, ko_ice_value_int_of(KO_ICE_DATE, 17486), 47, 574, 17486, 0);
    check_units(date, ko_ice_value_int_of(KO_ICE_DATE, -719528), -1970, -1970 * 12, -719528, 0);
}

static void test_transform_types(void **state)
{
    (void)state;
    ko_err err = {0};
    ko_ice_transform t;
    ko_ice_type rt, src = T(KO_ICE_FLOAT);
    TU_OK(ko_ice_transform_parse("bucket[16]", &t, &err), &err);
    assert_int_equal(ko_ice_transform_result_type(&t, &src, &rt, &err), KO_ERR_INVALID);
    assert_non_null(strstr(err.msg, "bucket[16] cannot be applied to type float"));
    TU_OK(ko_ice_transform_parse("hour", &t, &err), &err);
    src = T(KO_ICE_DATE);
    assert_int_equal(ko_ice_transform_result_type(&t, &src, &rt, &err), KO_ERR_INVALID);
    TU_OK(ko_ice_transform_parse("day", &t, &err), &err);
    TU_OK(ko_ice_transform_result_type(&t, &src, &rt, &err), &err);
    assert_int_equal(rt.id, KO_ICE_DATE);
    src = (ko_ice_type){.id = KO_ICE_DECIMAL, .precision = 10, .scale = 3};
    TU_OK(ko_ice_transform_parse("truncate[5]", &t, &err), &err);
    TU_OK(ko_ice_transform_result_type(&t, &src, &rt, &err), &err);
    assert_true(ko_ice_type_equal(&rt, &src));
    TU_OK(ko_ice_transform_parse("void", &t, &err), &err);
    ko_ice_value v = ko_ice_value_decimal(5, 3), out;
    TU_OK(ko_ice_transform_apply(&t, &src, &v, &out, &err), &err);
    assert_true(out.is_null);

    /* Text forms. */
    char buf[KO_ICE_TRANSFORM_STR_MAX];
    TU_OK(ko_ice_transform_parse("truncate[20]", &t, &err), &err);
    ko_ice_transform_format(&t, buf);
    assert_string_equal(buf, "truncate[20]");
    assert_int_equal(ko_ice_transform_parse("bucket[0]", &t, &err), KO_ERR_INVALID);
    assert_int_equal(ko_ice_transform_parse("bucket[x]", &t, &err), KO_ERR_INVALID);
    assert_int_equal(ko_ice_transform_parse("bucket", &t, &err), KO_ERR_INVALID);
    assert_int_equal(ko_ice_transform_parse("zorder", &t, &err), KO_ERR_UNSUPPORTED);
    assert_int_equal(t.kind, KO_ICE_TR_UNKNOWN);
    assert_string_equal(t.unknown, "zorder");
    assert_int_equal(ko_ice_transform_parse("years", &t, &err), KO_ERR_UNSUPPORTED);
}

/* ----------------------------------------------------------- Appendix D */

static void bytes_round_trip(ko_ice_type t, ko_ice_value v, const char *hex)
{
    ko_err err = {0};
    ko_buf b = {0};
    TU_OK(ko_ice_value_to_bytes(&t, &v, &b, &err), &err);
    char got[128] = {0};
    for (size_t i = 0; i < b.len && i < 60; i++)
        snprintf(got + 2 * i, 3, "%02x", b.data[i]);
    assert_string_equal(got, hex);
    ko_ice_value back;
    TU_OK(ko_ice_value_from_bytes(&t, b.data, b.len, &back, &err), &err);
    assert_true(ko_ice_value_equal(&v, &back));
    ko_buf_free(&b);
}

static void test_single_value_binary(void **state)
{
    (void)state;
    static const uint8_t uuid[16] = {0xF7, 0x9C, 0x3E, 0x09, 0x67, 0x7C, 0x4B, 0xBD,
                                     0xA4, 0x79, 0x3F, 0x34, 0x9C, 0xB7, 0x85, 0xE7};
    ko_ice_type d9 = {.id = KO_ICE_DECIMAL, .precision = 9, .scale = 2};
    ko_ice_type f3 = {.id = KO_ICE_FIXED, .length = 3};
    bytes_round_trip(T(KO_ICE_BOOLEAN), ko_ice_value_bool(true), "01");
    bytes_round_trip(T(KO_ICE_BOOLEAN), ko_ice_value_bool(false), "00");
    bytes_round_trip(T(KO_ICE_INT), ko_ice_value_int(34), "22000000");
    bytes_round_trip(T(KO_ICE_INT), ko_ice_value_int(-2), "feffffff");
    bytes_round_trip(T(KO_ICE_LONG), ko_ice_value_long(34), "2200000000000000");
    bytes_round_trip(T(KO_ICE_FLOAT), ko_ice_value_float(1.0f), "0000803f");
    bytes_round_trip(T(KO_ICE_DOUBLE), ko_ice_value_double(1.0), "000000000000f03f");
    bytes_round_trip(T(KO_ICE_DATE), ko_ice_value_int_of(KO_ICE_DATE, 17486), "4e440000");
    bytes_round_trip(T(KO_ICE_TIME), ko_ice_value_int_of(KO_ICE_TIME, 1), "0100000000000000");
    bytes_round_trip(T(KO_ICE_TIMESTAMPTZ), ko_ice_value_int_of(KO_ICE_TIMESTAMPTZ, -1),
                     "ffffffffffffffff");
    bytes_round_trip(T(KO_ICE_TIMESTAMP_NS), ko_ice_value_int_of(KO_ICE_TIMESTAMP_NS, 256),
                     "0001000000000000");
    bytes_round_trip(T(KO_ICE_STRING), ko_ice_value_string("iceberg"), "69636562657267");
    bytes_round_trip(T(KO_ICE_STRING), ko_ice_value_string(""), "");
    bytes_round_trip(T(KO_ICE_UUID), ko_ice_value_bytes(KO_ICE_UUID, uuid, 16),
                     "f79c3e09677c4bbda4793f349cb785e7");
    bytes_round_trip(f3, ko_ice_value_bytes(KO_ICE_FIXED, "\x01\x02\x03", 3), "010203");
    bytes_round_trip(T(KO_ICE_BINARY), ko_ice_value_bytes(KO_ICE_BINARY, "\x00\xff", 2), "00ff");
    /* Decimals: minimal big-endian two's complement of the unscaled value. */
    bytes_round_trip(d9, ko_ice_value_decimal(1420, 2), "058c");
    bytes_round_trip(d9, ko_ice_value_decimal(0, 2), "00");
    bytes_round_trip(d9, ko_ice_value_decimal(-1, 2), "ff");
    bytes_round_trip(d9, ko_ice_value_decimal(127, 2), "7f");
    bytes_round_trip(d9, ko_ice_value_decimal(128, 2), "0080");
    bytes_round_trip(d9, ko_ice_value_decimal(-128, 2), "80");
    bytes_round_trip(d9, ko_ice_value_decimal(-129, 2), "ff7f");
    ko_ice_type d38 = {.id = KO_ICE_DECIMAL, .precision = 38, .scale = 0};
    ko_ice_value big = {.type = KO_ICE_DECIMAL, .hi = 1, .i = 0};
    bytes_round_trip(d38, big, "010000000000000000");
}

static void test_single_value_promoted_bounds(void **state)
{
    (void)state;
    ko_err err = {0};
    ko_ice_value v;
    ko_ice_type t = T(KO_ICE_LONG);
    TU_OK(ko_ice_value_from_bytes(&t, (const uint8_t *)"\xfe\xff\xff\xff", 4, &v, &err), &err);
    assert_int_equal(v.i, -2);
    t = T(KO_ICE_DOUBLE);
    TU_OK(ko_ice_value_from_bytes(&t, (const uint8_t *)"\x00\x00\xc0\x3f", 4, &v, &err), &err);
    assert_true(v.d == 1.5);
    t = T(KO_ICE_TIMESTAMP);
    TU_OK(ko_ice_value_from_bytes(&t, (const uint8_t *)"\x01\x00\x00\x00", 4, &v, &err), &err);
    assert_int_equal(v.i, 86400000000LL);
    t = T(KO_ICE_INT);
    assert_int_equal(ko_ice_value_from_bytes(&t, (const uint8_t *)"\x01\x00", 2, &v, &err),
                     KO_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "2 bytes cannot be a int value"));
    t = (ko_ice_type){.id = KO_ICE_FIXED, .length = 4};
    assert_int_equal(ko_ice_value_from_bytes(&t, (const uint8_t *)"abc", 3, &v, &err),
                     KO_ERR_CORRUPT);
    t = (ko_ice_type){.id = KO_ICE_DECIMAL, .precision = 9, .scale = 2};
    assert_int_equal(ko_ice_value_from_bytes(&t, (const uint8_t *)"", 0, &v, &err), KO_ERR_CORRUPT);
    /* Writing checks the value against the type. */
    ko_buf b = {0};
    ko_ice_value wide = ko_ice_value_decimal(1000000000, 2);
    assert_int_equal(ko_ice_value_to_bytes(&t, &wide, &b, &err), KO_ERR_INVALID);
    ko_ice_value s = ko_ice_value_string("x");
    assert_int_equal(ko_ice_value_to_bytes(&t, &s, &b, &err), KO_ERR_INVALID);
    ko_buf_free(&b);
}

static void json_round_trip(ko_ice_type t, const char *json, ko_ice_value want)
{
    ko_err err = {0};
    ko_arena arena = {0};
    json_t *j = NULL;
    TU_OK(ko_ice_json_load(json, strlen(json), "test", &j, &err), &err);
    ko_ice_value v;
    TU_OK(ko_ice_value_from_json(&t, j, &arena, &v, &err), &err);
    assert_true(ko_ice_value_equal(&v, &want));
    json_t *back = NULL;
    TU_OK(ko_ice_value_to_json(&t, &v, &back, &err), &err);
    char *text = json_dumps(back, JSON_ENCODE_ANY | JSON_COMPACT);
    assert_string_equal(text, json);
    free(text);
    json_decref(back);
    json_decref(j);
    ko_arena_free(&arena);
}

static void test_single_value_json(void **state)
{
    (void)state;
    static const uint8_t uuid[16] = {0xF7, 0x9C, 0x3E, 0x09, 0x67, 0x7C, 0x4B, 0xBD,
                                     0xA4, 0x79, 0x3F, 0x34, 0x9C, 0xB7, 0x85, 0xE7};
    int64_t t = us_of("2017-11-16T22:31:08.123456");
    json_round_trip(T(KO_ICE_BOOLEAN), "true", ko_ice_value_bool(true));
    json_round_trip(T(KO_ICE_INT), "34", ko_ice_value_int(34));
    json_round_trip(T(KO_ICE_LONG), "-34", ko_ice_value_long(-34));
    json_round_trip(T(KO_ICE_DOUBLE), "1.5", ko_ice_value_double(1.5));
    json_round_trip((ko_ice_type){.id = KO_ICE_DECIMAL, .precision = 9, .scale = 2}, "\"14.20\"",
                    ko_ice_value_decimal(1420, 2));
    json_round_trip((ko_ice_type){.id = KO_ICE_DECIMAL, .precision = 9, .scale = 4}, "\"-0.0012\"",
                    ko_ice_value_decimal(-12, 4));
    json_round_trip(T(KO_ICE_DATE), "\"2017-11-16\"", ko_ice_value_int_of(KO_ICE_DATE, 17486));
    json_round_trip(T(KO_ICE_DATE), "\"1969-12-31\"", ko_ice_value_int_of(KO_ICE_DATE, -1));
    json_round_trip(T(KO_ICE_TIME), "\"22:31:08.123456\"",
                    ko_ice_value_int_of(KO_ICE_TIME, 81068123456));
    json_round_trip(T(KO_ICE_TIME), "\"22:31:08\"", ko_ice_value_int_of(KO_ICE_TIME, 81068000000));
    json_round_trip(T(KO_ICE_TIMESTAMP), "\"2017-11-16T22:31:08.123456\"",
                    ko_ice_value_int_of(KO_ICE_TIMESTAMP, t));
    json_round_trip(T(KO_ICE_TIMESTAMPTZ), "\"2017-11-16T22:31:08.123456+00:00\"",
                    ko_ice_value_int_of(KO_ICE_TIMESTAMPTZ, t));
    json_round_trip(T(KO_ICE_TIMESTAMP_NS), "\"2017-11-16T22:31:08.123456789\"",
                    ko_ice_value_int_of(KO_ICE_TIMESTAMP_NS, t * 1000 + 789));
    json_round_trip(T(KO_ICE_TIMESTAMPTZ_NS), "\"1969-12-31T23:59:59.999999999+00:00\"",
                    ko_ice_value_int_of(KO_ICE_TIMESTAMPTZ_NS, -1));
    json_round_trip(T(KO_ICE_STRING), "\"iceberg\"", ko_ice_value_string("iceberg"));
    json_round_trip(T(KO_ICE_UUID), "\"f79c3e09-677c-4bbd-a479-3f349cb785e7\"",
                    ko_ice_value_bytes(KO_ICE_UUID, uuid, 16));
    json_round_trip((ko_ice_type){.id = KO_ICE_FIXED, .length = 4}, "\"000102ff\"",
                    ko_ice_value_bytes(KO_ICE_FIXED, "\x00\x01\x02\xff", 4));
    json_round_trip(T(KO_ICE_BINARY), "\"000102ff\"",
                    ko_ice_value_bytes(KO_ICE_BINARY, "\x00\x01\x02\xff", 4));

    /* Other zones convert; bad text and mismatched scales are refused. */
    ko_err err = {0};
    ko_arena arena = {0};
    ko_ice_value v;
    ko_ice_type tz = T(KO_ICE_TIMESTAMPTZ);
    json_t *j = json_string("2017-11-16T14:31:08-08:00");
    TU_OK(ko_ice_value_from_json(&tz, j, &arena, &v, &err), &err);
    assert_int_equal(v.i, us_of("2017-11-16T22:31:08Z"));
    json_decref(j);
    ko_ice_type ts = T(KO_ICE_TIMESTAMP);
    j = json_string("2017-11-16T14:31:08+00:00");
    assert_int_equal(ko_ice_value_from_json(&ts, j, &arena, &v, &err), KO_ERR_INVALID);
    json_decref(j);
    ko_ice_type date = T(KO_ICE_DATE);
    j = json_string("2017-02-30");
    assert_int_equal(ko_ice_value_from_json(&date, j, &arena, &v, &err), KO_ERR_INVALID);
    json_decref(j);
    ko_ice_type d = {.id = KO_ICE_DECIMAL, .precision = 9, .scale = 2};
    j = json_string("14.2");
    assert_int_equal(ko_ice_value_from_json(&d, j, &arena, &v, &err), KO_ERR_INVALID);
    assert_non_null(strstr(err.msg, "scale"));
    json_decref(j);
    ko_ice_type i = T(KO_ICE_INT);
    j = json_integer(1LL << 40);
    assert_int_equal(ko_ice_value_from_json(&i, j, &arena, &v, &err), KO_ERR_INVALID);
    json_decref(j);
    ko_arena_free(&arena);
}

/* ------------------------------------------------------------ human text */

static void human_is(ko_ice_type t, ko_ice_value v, const char *want)
{
    ko_err err = {0};
    ko_buf b = {0};
    TU_OK(ko_ice_value_human(&t, &v, &b, &err), &err);
    assert_non_null(b.data);
    assert_string_equal((const char *)b.data, want);
    ko_buf_free(&b);
}

static void test_human_values(void **state)
{
    (void)state;
    int64_t t = us_of("2017-11-16T22:31:08");
    human_is(T(KO_ICE_INT), ko_ice_value_null(KO_ICE_INT), "null");
    human_is(T(KO_ICE_LONG), ko_ice_value_long(-5), "-5");
    human_is(T(KO_ICE_BOOLEAN), ko_ice_value_bool(true), "true");
    human_is(T(KO_ICE_DATE), ko_ice_value_int_of(KO_ICE_DATE, -1), "1969-12-31");
    human_is(T(KO_ICE_TIME), ko_ice_value_int_of(KO_ICE_TIME, 81060000000), "22:31");
    human_is(T(KO_ICE_TIME), ko_ice_value_int_of(KO_ICE_TIME, 81068500000), "22:31:08.500");
    human_is(T(KO_ICE_TIME), ko_ice_value_int_of(KO_ICE_TIME, 81068000001), "22:31:08.000001");
    human_is(T(KO_ICE_TIMESTAMP), ko_ice_value_int_of(KO_ICE_TIMESTAMP, t), "2017-11-16T22:31:08");
    human_is(T(KO_ICE_TIMESTAMP), ko_ice_value_int_of(KO_ICE_TIMESTAMP, t + 100000),
             "2017-11-16T22:31:08.1");
    human_is(T(KO_ICE_TIMESTAMPTZ), ko_ice_value_int_of(KO_ICE_TIMESTAMPTZ, -1),
             "1969-12-31T23:59:59.999999+00:00");
    human_is(T(KO_ICE_TIMESTAMP_NS), ko_ice_value_int_of(KO_ICE_TIMESTAMP_NS, t * 1000 + 1),
             "2017-11-16T22:31:08.000000001");
    ko_ice_type d = {.id = KO_ICE_DECIMAL, .precision = 20, .scale = 2};
    human_is(d, ko_ice_value_decimal(1420, 2), "14.20");
    human_is(d, ko_ice_value_decimal(-5, 2), "-0.05");
    ko_ice_type d7 = {.id = KO_ICE_DECIMAL, .precision = 20, .scale = 7};
    human_is(d7, ko_ice_value_decimal(1, 7), "1E-7");
    human_is(d7, ko_ice_value_decimal(123, 7), "0.0000123");
    human_is(T(KO_ICE_DOUBLE), ko_ice_value_double(1.0), "1.0");
    human_is(T(KO_ICE_DOUBLE), ko_ice_value_double(-0.0), "-0.0");
    human_is(T(KO_ICE_DOUBLE), ko_ice_value_double(1e10), "1.0E10");
    human_is(T(KO_ICE_DOUBLE), ko_ice_value_double(1234567.5), "1234567.5");
    human_is(T(KO_ICE_DOUBLE), ko_ice_value_double(0.001), "0.001");
    human_is(T(KO_ICE_DOUBLE), ko_ice_value_double(0.0001), "1.0E-4");
    human_is(T(KO_ICE_DOUBLE), ko_ice_value_double(NAN), "NaN");
    human_is(T(KO_ICE_FLOAT), ko_ice_value_float(0.1f), "0.1");
    human_is(T(KO_ICE_FLOAT), ko_ice_value_float(1.5e-5f), "1.5E-5");
    human_is(T(KO_ICE_BINARY), ko_ice_value_bytes(KO_ICE_BINARY, "\x00\x01\x02\x03", 4),
             "AAECAw==");
    human_is(T(KO_ICE_STRING), ko_ice_value_string("a/b c"), "a/b c");
}

/* --------------------------------------------------------- specs, paths */

static const char *const SCHEMA_JSON =
    "{\"type\":\"struct\",\"schema-id\":0,\"fields\":["
    "{\"id\":1,\"name\":\"id\",\"required\":true,\"type\":\"long\"},"
    "{\"id\":2,\"name\":\"ts\",\"required\":false,\"type\":\"timestamp\"},"
    "{\"id\":3,\"name\":\"name\",\"required\":false,\"type\":\"string\"},"
    "{\"id\":4,\"name\":\"d\",\"required\":false,\"type\":\"date\"},"
    "{\"id\":5,\"name\":\"f\",\"required\":false,\"type\":\"float\"},"
    "{\"id\":6,\"name\":\"Point\",\"required\":false,\"type\":{\"type\":\"struct\",\"fields\":["
    "{\"id\":7,\"name\":\"x\",\"required\":true,\"type\":\"int\"}]}},"
    "{\"id\":8,\"name\":\"tags\",\"required\":false,\"type\":{\"type\":\"list\","
    "\"element-id\":9,\"element-required\":true,\"element\":\"string\"}},"
    "{\"id\":10,\"name\":\"d2\",\"required\":false,\"type\":\"date\"}]}";

static ko_ice_schema load_schema(ko_arena *arena)
{
    ko_err err = {0};
    ko_ice_schema s;
    TU_OK(ko_ice_schema_parse(SCHEMA_JSON, strlen(SCHEMA_JSON), arena, &s, &err), &err);
    return s;
}

static void test_partition_by_text(void **state)
{
    (void)state;
    ko_arena arena = {0};
    ko_err err = {0};
    ko_ice_schema s = load_schema(&arena);
    ko_ice_partition_spec spec;
    int32_t last = 999;
    TU_OK(ko_ice_spec_parse_text(" day(ts), bucket(16,id),truncate(name, 4), identity(d), "
                                 "point.x ",
                                 &s, 0, &last, &arena, &spec, &err),
          &err);
    assert_int_equal(last, 1004);
    assert_int_equal(spec.n_fields, 5);
    const char *names[] = {"ts_day", "id_bucket", "name_trunc", "d", "Point.x"};
    const ko_ice_transform_kind kinds[] = {KO_ICE_TR_DAY, KO_ICE_TR_BUCKET, KO_ICE_TR_TRUNCATE,
                                           KO_ICE_TR_IDENTITY, KO_ICE_TR_IDENTITY};
    const int32_t sources[] = {2, 1, 3, 4, 7}, params[] = {0, 16, 4, 0, 0};
    for (uint32_t i = 0; i < 5; i++) {
        assert_string_equal(spec.fields[i].name, names[i]);
        assert_int_equal(spec.fields[i].transform.kind, kinds[i]);
        assert_int_equal(spec.fields[i].transform.param, params[i]);
        assert_int_equal(spec.fields[i].source_id, sources[i]);
        assert_int_equal(spec.fields[i].field_id, 1000 + (int32_t)i);
    }
    TU_OK(
        ko_ice_spec_parse_text("hours(ts), void(name), `name`", &s, 1, &last, &arena, &spec, &err),
        &err);
    assert_string_equal(spec.fields[0].name, "ts_hour");
    assert_string_equal(spec.fields[1].name, "name_null");
    assert_int_equal(spec.fields[2].field_id, 1007);
    TU_OK(ko_ice_spec_parse_text("  ", &s, 2, &last, &arena, &spec, &err), &err);
    assert_int_equal(spec.n_fields, 0);

    static const struct {
        const char *text, *msg;
    } bad[] = {
        {"day(nope)", "no column named 'nope'"},
        {"bogus(ts)", "unknown transform 'bogus'"},
        {"bucket(ts)", "bucket takes a number and a column"},
        {"bucket(0, id)", "positive number of buckets"},
        {"hour(d)", "transform hour cannot be applied to type date"},
        {"bucket(4, f)", "cannot be applied to type float"},
        {"tags.element", "inside a list or map"},
        {"Point", "not a primitive type"},
        {"day(ts), hour(ts)", "redundant"},
        {"id, id", "duplicate partition field name 'id'"},
        {"day(ts),", "expected a partition field after ','"},
        {"day(ts", "expected ',' or ')'"},
    };
    for (size_t i = 0; i < KO_ARRAY_LEN(bad); i++) {
        last = 999;
        ko_status st = ko_ice_spec_parse_text(bad[i].text, &s, 0, &last, &arena, &spec, &err);
        assert_int_equal(st, KO_ERR_INVALID);
        if (!strstr(err.msg, bad[i].msg))
            fail_msg("'%s': got '%s', want '%s'", bad[i].text, err.msg, bad[i].msg);
        assert_int_equal(last, 999);
    }
    ko_arena_free(&arena);
}

static void test_partition_path(void **state)
{
    (void)state;
    ko_arena arena = {0};
    ko_err err = {0};
    ko_ice_schema s = load_schema(&arena);
    ko_ice_partition_spec spec;
    int32_t last = 999;
    TU_OK(ko_ice_spec_parse_text("hour(ts), bucket(10, id), name, truncate(3, name)", &s, 0, &last,
                                 &arena, &spec, &err),
          &err);
    /* TestPartitionPaths in the Java implementation. */
    int64_t ts = us_of("2017-12-01T10:12:55.038194");
    ko_ice_value in[4] = {ko_ice_value_int_of(KO_ICE_TIMESTAMP, ts), ko_ice_value_long(1),
                          ko_ice_value_string("a/b c\xc3\xa9"), ko_ice_value_string("\"esc\"#1")};
    ko_ice_value out[4];
    ko_ice_type types[4] = {T(KO_ICE_TIMESTAMP), T(KO_ICE_LONG), T(KO_ICE_STRING),
                            T(KO_ICE_STRING)};
    for (int i = 0; i < 4; i++)
        TU_OK(ko_ice_transform_apply(&spec.fields[i].transform, &types[i], &in[i], &out[i], &err),
              &err);
    int32_t bucket = (int32_t)((hash_of(T(KO_ICE_LONG), ko_ice_value_long(1)) & INT32_MAX) % 10);
    ko_buf b = {0};
    TU_OK(ko_ice_partition_path(&spec, &s, out, &b, &err), &err);
    char want[160];
    snprintf(want, sizeof want,
             "ts_hour=2017-12-01-10/id_bucket=%d/name=a%%2Fb+c%%C3%%A9/"
             "name_trunc=%%22es",
             bucket);
    assert_string_equal((const char *)b.data, want);

    /* Days, months and years; null values. */
    ko_buf_reset(&b);
    TU_OK(ko_ice_spec_parse_text("day(ts), month(d), year(d2)", &s, 1, &last, &arena, &spec, &err),
          &err);
    ko_ice_value v3[3] = {ko_ice_value_int_of(KO_ICE_DATE, -1), ko_ice_value_int(-13),
                          ko_ice_value_null(KO_ICE_INT)};
    TU_OK(ko_ice_partition_path(&spec, &s, v3, &b, &err), &err);
    assert_string_equal((const char *)b.data, "ts_day=1969-12-31/d_month=1968-12/d2_year=null");
    ko_buf_reset(&b);
    v3[2] = ko_ice_value_int(51);
    TU_OK(ko_ice_partition_path(&spec, &s, v3, &b, &err), &err);
    assert_string_equal((const char *)b.data, "ts_day=1969-12-31/d_month=1968-12/d2_year=2021");
    ko_buf_free(&b);

    ko_ice_type pt;
    TU_OK(ko_ice_spec_partition_type(&spec, &s, &arena, &pt, &err), &err);
    assert_int_equal(pt.n_fields, 3);
    assert_int_equal(pt.fields[0].id, 1004);
    assert_int_equal(pt.fields[0].type.id, KO_ICE_DATE);
    assert_int_equal(pt.fields[1].type.id, KO_ICE_INT);
    assert_false(pt.fields[2].required);
    ko_arena_free(&arena);
}

static json_t *load(const char *text)
{
    ko_err err = {0};
    json_t *j = NULL;
    TU_OK(ko_ice_json_load(text, strlen(text), "test", &j, &err), &err);
    return j;
}

static void test_spec_json(void **state)
{
    (void)state;
    ko_arena arena = {0};
    ko_err err = {0};
    ko_ice_schema s = load_schema(&arena);
    const char *text = "{\"spec-id\":3,\"fields\":["
                       "{\"name\":\"ts_day\",\"transform\":\"day\",\"source-id\":2,"
                       "\"field-id\":1000},"
                       "{\"name\":\"id_bucket\",\"transform\":\"bucket[16]\",\"source-id\":1,"
                       "\"field-id\":1001},"
                       "{\"name\":\"z\",\"transform\":\"zorder[2]\",\"source-id\":3,"
                       "\"field-id\":1002}]}";
    json_t *j = load(text);
    ko_ice_partition_spec spec;
    TU_OK(ko_ice_spec_from_json(j, &arena, &spec, &err), &err);
    assert_int_equal(spec.spec_id, 3);
    assert_int_equal(spec.fields[1].transform.kind, KO_ICE_TR_BUCKET);
    assert_int_equal(spec.fields[2].transform.kind, KO_ICE_TR_UNKNOWN);
    json_t *back = NULL;
    TU_OK(ko_ice_spec_to_json(&spec, &back, &err), &err);
    assert_true(json_equal(j, back));
    json_decref(back);
    json_decref(j);
    /* Writers refuse unknown transforms. */
    assert_int_equal(ko_ice_spec_validate(&spec, &s, &err), KO_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.msg, "unknown transform 'zorder[2]'"));
    spec.n_fields = 2;
    TU_OK(ko_ice_spec_validate(&spec, &s, &err), &err);

    j = load("{\"spec-id\":0,\"fields\":[{\"name\":\"a\",\"transform\":\"day\","
             "\"source-id\":2}]}");
    assert_int_equal(ko_ice_spec_from_json(j, &arena, &spec, &err), KO_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "partition field 'a': missing required field 'field-id'"));
    json_decref(j);
    j = load("{\"spec-id\":0,\"fields\":[{\"name\":\"a\",\"transform\":\"bucket[-1]\","
             "\"source-id\":2,\"field-id\":1000}]}");
    assert_int_equal(ko_ice_spec_from_json(j, &arena, &spec, &err), KO_ERR_INVALID);
    json_decref(j);
    /* The v1 bare field list. */
    j = load("[{\"name\":\"a\",\"transform\":\"identity\",\"source-id\":1},"
             "{\"name\":\"b\",\"transform\":\"void\",\"source-id\":2}]");
    TU_OK(ko_ice_spec_from_json_fields(j, 0, &arena, &spec, &err), &err);
    assert_int_equal(spec.fields[1].field_id, 1001);
    json_decref(j);
    ko_arena_free(&arena);
}

static void test_sort_order_json(void **state)
{
    (void)state;
    ko_arena arena = {0};
    ko_err err = {0};
    ko_ice_schema s = load_schema(&arena);
    json_t *j = load("{\"order-id\":1,\"fields\":["
                     "{\"transform\":\"identity\",\"source-id\":2,\"direction\":\"asc\","
                     "\"null-order\":\"nulls-first\"},"
                     "{\"transform\":\"bucket[4]\",\"source-id\":3,\"direction\":\"desc\","
                     "\"null-order\":\"nulls-last\"}]}");
    ko_ice_sort_order o;
    TU_OK(ko_ice_sort_order_from_json(j, &arena, &o, &err), &err);
    assert_int_equal(o.fields[1].direction, KO_ICE_DESC);
    assert_int_equal(o.fields[1].null_order, KO_ICE_NULLS_LAST);
    TU_OK(ko_ice_sort_order_validate(&o, &s, &err), &err);
    json_t *back = NULL;
    TU_OK(ko_ice_sort_order_to_json(&o, &back, &err), &err);
    assert_true(json_equal(j, back));
    json_decref(back);
    json_decref(j);
    j = load("{\"order-id\":1,\"fields\":[{\"transform\":\"identity\",\"source-id\":2,"
             "\"direction\":\"up\",\"null-order\":\"nulls-first\"}]}");
    assert_int_equal(ko_ice_sort_order_from_json(j, &arena, &o, &err), KO_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "'direction' must be \"asc\" or \"desc\""));
    json_decref(j);
    j = load("{\"order-id\":0,\"fields\":[{\"transform\":\"identity\",\"source-id\":99,"
             "\"direction\":\"asc\",\"null-order\":\"nulls-first\"}]}");
    TU_OK(ko_ice_sort_order_from_json(j, &arena, &o, &err), &err);
    assert_int_equal(ko_ice_sort_order_validate(&o, &s, &err), KO_ERR_INVALID);
    o.order_id = 2;
    assert_int_equal(ko_ice_sort_order_validate(&o, &s, &err), KO_ERR_INVALID);
    assert_non_null(strstr(err.msg, "source column id 99 does not exist"));
    json_decref(j);
    ko_arena_free(&arena);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bucket_hash_vectors),
        cmocka_unit_test(test_bucket_transform),
        cmocka_unit_test(test_truncate_examples),
        cmocka_unit_test(test_time_transforms),
        cmocka_unit_test(test_transform_types),
        cmocka_unit_test(test_single_value_binary),
        cmocka_unit_test(test_single_value_promoted_bounds),
        cmocka_unit_test(test_single_value_json),
        cmocka_unit_test(test_human_values),
        cmocka_unit_test(test_partition_by_text),
        cmocka_unit_test(test_partition_path),
        cmocka_unit_test(test_spec_json),
        cmocka_unit_test(test_sort_order_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
