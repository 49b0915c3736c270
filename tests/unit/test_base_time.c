/*
 * test_base_time.c - clocks, civil date conversion, timestamp parse/format.
 */
#include "testutil.h"

#include <stdio.h>
#include <string.h>

static int64_t parse_ok(const char *s)
{
    int64_t us = -1;
    ko_err err = {0};
    TU_OK(ko_time_parse(s, strlen(s), &us, &err), &err);
    return us;
}

/* Expects a parse error whose message names the input and the position. */
static void parse_bad(const char *s, size_t pos)
{
    int64_t us = 12345;
    ko_err err = {0};
    ko_status st = ko_time_parse(s, strlen(s), &us, &err);
    if (st != KO_ERR_INVALID)
        fail_msg("\"%s\" parsed (status %s) but should not", s, ko_status_name(st));
    assert_int_equal(us, 12345);
    char want[64];
    snprintf(want, sizeof want, "position %zu", pos);
    if (!strstr(err.msg, want) || (strlen(s) < 60 && !strstr(err.msg, s)))
        fail_msg("\"%s\": message \"%s\" lacks the input or \"%s\"", s, err.msg, want);
}

static uint64_t rng_next(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

static void test_clocks(void **state)
{
    (void)state;
    int64_t now = ko_now_us();
    assert_true(now > INT64_C(1700000000000000)); /* after 2023 */
    int64_t m0 = ko_monotonic_us();
    ko_sleep_us(20000);
    int64_t m1 = ko_monotonic_us();
    assert_true(m1 - m0 >= 20000);
    assert_true(m1 - m0 < 5000000);
    ko_sleep_us(0);
    ko_sleep_us(-5);
}

static void test_civil_known(void **state)
{
    (void)state;
    assert_int_equal(ko_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(ko_days_from_civil(1969, 12, 31), -1);
    assert_int_equal(ko_days_from_civil(2017, 11, 16), 17486);
    assert_int_equal(ko_days_from_civil(2000, 3, 1), 11017);
    assert_int_equal(ko_days_from_civil(0, 3, 1), -719468);
    assert_int_equal(ko_days_from_civil(-1, 12, 31), -719529);
    assert_int_equal(ko_days_from_civil(0, 1, 1), -719528);
    int64_t y;
    unsigned m, d;
    ko_civil_from_days(-719529, &y, &m, &d);
    assert_true(y == -1 && m == 12 && d == 31);
    ko_civil_from_days(11016, &y, &m, &d);
    assert_true(y == 2000 && m == 2 && d == 29);
}

static void test_civil_round_trip(void **state)
{
    (void)state;
    /* Every day over +/- 2000 years is consecutive and round-trips. */
    int64_t prev_y = -400, days = ko_days_from_civil(-400, 1, 1);
    unsigned prev_m = 1, prev_d = 1;
    for (int i = 0; i < 2000 * 366; i++) {
        int64_t y;
        unsigned m, d;
        ko_civil_from_days(days + i, &y, &m, &d);
        assert_int_equal(ko_days_from_civil(y, m, d), days + i);
        if (i > 0)
            assert_true((y == prev_y && m == prev_m && d == prev_d + 1) ||
                        (y == prev_y && m == prev_m + 1 && d == 1) ||
                        (y == prev_y + 1 && m == 1 && d == 1 && prev_m == 12));
        prev_y = y;
        prev_m = m;
        prev_d = d;
    }
    /* Extremes must not overflow (UBSan checks). */
    int64_t extremes[] = {INT64_MAX, INT64_MIN, INT64_MAX / 86400, INT64_MIN / 86400};
    for (size_t i = 0; i < KO_ARRAY_LEN(extremes); i++) {
        int64_t y;
        unsigned m, d;
        ko_civil_from_days(extremes[i], &y, &m, &d);
        assert_true(m >= 1 && m <= 12 && d >= 1 && d <= 31);
    }
}

static void test_parse_vectors(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("2017-11-16T22:31:08Z"), INT64_C(1510871468000000));
    assert_int_equal(parse_ok("2017-11-16T22:31:08"), INT64_C(1510871468000000));
    assert_int_equal(parse_ok("1970-01-01"), 0);
    assert_int_equal(parse_ok("1970-01-01T00:00:00Z"), 0);
    assert_int_equal(parse_ok("2017-11-16T22:31:08.000001+01:00"),
                     INT64_C(1510871468000001) - INT64_C(3600000000));
    assert_int_equal(parse_ok("2017-11-16T14:31:08-08:00"), INT64_C(1510871468000000));
    assert_int_equal(parse_ok("2017-11-16T14:31:08-0800"), INT64_C(1510871468000000));
    assert_int_equal(parse_ok("2017-11-16T14:31:08-08"), INT64_C(1510871468000000));
    assert_int_equal(parse_ok("2017-11-16 22:31:08"), INT64_C(1510871468000000));
    assert_int_equal(parse_ok("2017-11-16t22:31:08z"), INT64_C(1510871468000000));
    assert_int_equal(parse_ok("2017-11-16T22:31"), INT64_C(1510871460000000));
    assert_int_equal(parse_ok("2017-11-16T22:31Z"), INT64_C(1510871460000000));
    assert_int_equal(parse_ok("2017-11-16T22:31:08.5"), INT64_C(1510871468500000));
    /* Digits beyond microseconds are truncated. */
    assert_int_equal(parse_ok("2017-11-16T22:31:08.000001999"), INT64_C(1510871468000001));
    assert_int_equal(parse_ok("1969-12-31T23:59:59.999999Z"), -1);
    assert_int_equal(parse_ok("2000-02-29"), INT64_C(951782400000000));
    assert_int_equal(parse_ok("1600-02-29"),
                     ko_days_from_civil(1600, 2, 29) * INT64_C(86400000000));
    assert_int_equal(parse_ok("0000-01-01"), INT64_C(-62167219200000000));
    assert_int_equal(parse_ok("+10000-01-01T00:00:00Z"), INT64_C(253402300800000000));
    assert_int_equal(parse_ok("-0001-12-31T23:59:59Z"), INT64_C(-62167219201000000));
    assert_int_equal(parse_ok("2017-11-16T00:00:00+18:00"),
                     INT64_C(1510790400000000) - 18 * INT64_C(3600000000));
    assert_int_equal(parse_ok("2017-11-16T00:00:00-18:00"),
                     INT64_C(1510790400000000) + 18 * INT64_C(3600000000));
    /* The extremes of int64 microseconds. */
    assert_int_equal(parse_ok("-290308-12-21T19:59:05.224192Z"), INT64_MIN);
    assert_int_equal(parse_ok("+294247-01-10T04:00:54.775807Z"), INT64_MAX);
    /* Only len bytes are read. */
    int64_t us;
    ko_err err = {0};
    TU_OK(ko_time_parse("1970-01-02 garbage", 10, &us, &err), &err);
    assert_int_equal(us, INT64_C(86400000000));
}

static void test_parse_rejects(void **state)
{
    (void)state;
    parse_bad("", 0);
    parse_bad("2017", 4);
    parse_bad("17-11-16", 0);
    parse_bad("20171-11-16", 0);
    parse_bad("2017/11/16", 4);
    parse_bad("2017-13-01", 5);
    parse_bad("2017-00-01", 5);
    parse_bad("2017-1-01", 6);
    parse_bad("2017-11-00", 8);
    parse_bad("2017-11-31", 8);
    parse_bad("2001-02-29", 8);
    parse_bad("1900-02-29", 8);
    parse_bad("2017-11-16T", 11);
    parse_bad("2017-11-16X22:31:08", 10);
    parse_bad("2017-11-16T24:00:00", 11);
    parse_bad("2017-11-16T22:60:00", 14);
    parse_bad("2017-11-16T22:31:60", 17);
    parse_bad("2017-11-16T22:31:08.", 20);
    parse_bad("2017-11-16T22:31:08.x", 20);
    parse_bad("2017-11-16T22:31:08+18:01", 19);
    parse_bad("2017-11-16T22:31:08+19:00", 20);
    parse_bad("2017-11-16T22:31:08+01:60", 23);
    parse_bad("2017-11-16T22:31:08+01:", 23);
    parse_bad("2017-11-16T22:31:08+1", 21);
    parse_bad("2017-11-16T22:31:08Z ", 20);
    parse_bad("2017-11-16T22:31:08 ", 19);
    parse_bad("2017-11-16T22:31:08ZZ", 20);
    parse_bad(" 2017-11-16", 0);
    parse_bad("2017-11-16T22", 13);
    parse_bad("2017-11-16T2:31", 12);
    parse_bad("+2017", 5);
    parse_bad("+123-01-01", 1);
    parse_bad("+1234567890-01-01", 1);
    parse_bad("+294248-01-01", 0); /* beyond int64 microseconds */
    parse_bad("-290309-01-01", 0);
    /* An embedded NUL is just a bad character. */
    int64_t us;
    ko_err err = {0};
    assert_int_equal(ko_time_parse("2017-11-16\0T", 12, &us, &err), KO_ERR_INVALID);
    assert_int_equal(ko_time_parse(NULL, 0, &us, NULL), KO_ERR_INVALID);
    /* A long input is shown shortened. */
    char big[300];
    memset(big, '9', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(ko_time_parse(big, strlen(big), &us, &err), KO_ERR_INVALID);
    assert_true(strlen(err.msg) < 200);
}

static void test_format(void **state)
{
    (void)state;
    char buf[KO_TIME_STR_MAX];
    assert_int_equal(ko_time_format(0, buf), 20);
    assert_string_equal(buf, "1970-01-01T00:00:00Z");
    ko_time_format(INT64_C(1510871468000000), buf);
    assert_string_equal(buf, "2017-11-16T22:31:08Z");
    ko_time_format(INT64_C(1510871468000001), buf);
    assert_string_equal(buf, "2017-11-16T22:31:08.000001Z");
    ko_time_format(-1, buf);
    assert_string_equal(buf, "1969-12-31T23:59:59.999999Z");
    ko_time_format(INT64_C(253402300800000000), buf);
    assert_string_equal(buf, "+10000-01-01T00:00:00Z");
    ko_time_format(INT64_C(-62167219201000000), buf);
    assert_string_equal(buf, "-0001-12-31T23:59:59Z");
    size_t n = ko_time_format(INT64_MIN, buf);
    assert_string_equal(buf, "-290308-12-21T19:59:05.224192Z");
    assert_int_equal(n, strlen(buf));
    n = ko_time_format(INT64_MAX, buf);
    assert_string_equal(buf, "+294247-01-10T04:00:54.775807Z");
    assert_true(n < KO_TIME_STR_MAX);
}

static void check_round_trip(int64_t us)
{
    char buf[KO_TIME_STR_MAX];
    size_t n = ko_time_format(us, buf);
    assert_int_equal(n, strlen(buf));
    int64_t back = 0;
    ko_err err = {0};
    TU_OK(ko_time_parse(buf, n, &back, &err), &err);
    if (back != us)
        fail_msg("%lld -> %s -> %lld", (long long)us, buf, (long long)back);
}

static void test_round_trip(void **state)
{
    (void)state;
    uint64_t x = 0x1234567887654321ull;
    for (int i = 0; i < 200000; i++) {
        uint64_t r = rng_next(&x);
        check_round_trip((int64_t)r); /* the whole range */
        check_round_trip((int64_t)(r % (UINT64_C(1) << 52)) - (INT64_C(1) << 51)); /* +/-71 years */
        check_round_trip((int64_t)(r % 2000000) - 1000000); /* around the epoch */
    }
    int64_t edges[] = {INT64_MIN,
                       INT64_MIN + 1,
                       INT64_MAX,
                       INT64_MAX - 1,
                       -1,
                       0,
                       1,
                       INT64_C(-62167219200000000),
                       INT64_C(253402300799999999)};
    for (size_t i = 0; i < KO_ARRAY_LEN(edges); i++)
        check_round_trip(edges[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clocks),           cmocka_unit_test(test_civil_known),
        cmocka_unit_test(test_civil_round_trip), cmocka_unit_test(test_parse_vectors),
        cmocka_unit_test(test_parse_rejects),    cmocka_unit_test(test_format),
        cmocka_unit_test(test_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
