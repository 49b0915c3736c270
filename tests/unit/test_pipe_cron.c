/*
 * test_pipe_cron.c - the cron parser, next fire times (UTC and zones with
 * daylight saving time) and durations.
 */
#include "testutil.h"

#include "pipeline/pipeline.h"

#include <string.h>

static int64_t at(const char *iso)
{
    int64_t us = 0;
    ko_err err;
    TU_OK(ko_time_parse(iso, strlen(iso), &us, &err), &err);
    return us;
}

static void expect_next(const char *cron, const char *tz, const char *after, const char *want)
{
    ko_pipe_cron c;
    ko_err err;
    TU_OK(ko_pipe_cron_parse(cron, &c, NULL, &err), &err);
    int64_t next = 0;
    TU_OK(ko_pipe_cron_next(&c, tz, at(after), &next, &err), &err);
    char got[KO_TIME_STR_MAX];
    ko_time_format(next, got);
    if (next != at(want))
        fail_msg("%s in %s after %s: got %s, want %s", cron, tz ? tz : "UTC", after, got, want);
}

static void test_fields(void **state)
{
    (void)state;
    ko_pipe_cron c;
    ko_err err;
    TU_OK(ko_pipe_cron_parse("*/15 9-17 * * mon-fri", &c, NULL, &err), &err);
    assert_int_equal(c.minutes, (1ULL << 0) | (1ULL << 15) | (1ULL << 30) | (1ULL << 45));
    assert_int_equal(c.hours, 0x3fe00u);
    assert_true(c.mday_any);
    assert_false(c.wday_any);
    assert_int_equal(c.wdays, 0x3eu);
    TU_OK(ko_pipe_cron_parse("0 0 1,15 jan,JUL 7", &c, NULL, &err), &err);
    assert_int_equal(c.mdays, (1u << 1) | (1u << 15));
    assert_int_equal(c.months, (1u << 1) | (1u << 7));
    assert_int_equal(c.wdays, 1u); /* 7 is Sunday */
    TU_OK(ko_pipe_cron_parse("5/20 * * * *", &c, NULL, &err), &err);
    assert_int_equal(c.minutes, (1ULL << 5) | (1ULL << 25) | (1ULL << 45));
    TU_OK(ko_pipe_cron_parse("@daily", &c, NULL, &err), &err);
    assert_int_equal(c.minutes, 1u);
    assert_int_equal(c.hours, 1u);
}

static void test_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text, *msg;
        int col;
    } bad[] = {
        {"60 * * * *", "minute: 60 is out of range 0-59", 0},
        {"* * * *", "has 4 fields", -1},
        {"* * * * * *", "more than 5 fields", -1},
        {"* 5-2 * * *", "backwards range", 2},
        {"* * * foo *", "month: 'foo' is not a number", 6},
        {"*/0 * * * *", "not a valid step", 2},
        {"* * 0 * *", "day-of-month: 0 is out of range 1-31", 4},
        {"@sometimes", "not a known macro", -1},
        {"1,x * * * *", "'x' is not a number", 2},
    };
    for (size_t i = 0; i < KO_ARRAY_LEN(bad); i++) {
        ko_pipe_cron c;
        ko_err err;
        int col = -1;
        assert_int_equal(ko_pipe_cron_parse(bad[i].text, &c, &col, &err), KO_ERR_INVALID);
        if (!strstr(err.msg, bad[i].msg))
            fail_msg("'%s': message '%s' lacks '%s'", bad[i].text, err.msg, bad[i].msg);
        if (bad[i].col >= 0)
            assert_int_equal(col, bad[i].col);
    }
}

static void test_next_utc(void **state)
{
    (void)state;
    expect_next("*/15 * * * *", NULL, "2024-03-01T10:07:30Z", "2024-03-01T10:15:00Z");
    expect_next("*/15 * * * *", NULL, "2024-03-01T10:15:00Z", "2024-03-01T10:30:00Z");
    expect_next("0 0 * * *", NULL, "2024-12-31T23:59:00Z", "2025-01-01T00:00:00Z");
    expect_next("0 0 29 2 *", NULL, "2024-03-01T00:00:00Z", "2028-02-29T00:00:00Z");
    expect_next("30 6 * * mon-fri", NULL, "2024-03-01T07:00:00Z", "2024-03-04T06:30:00Z");
    /* Vixie: both day fields restricted -> either matches. */
    expect_next("0 12 13 * fri", NULL, "2024-01-01T00:00:00Z", "2024-01-05T12:00:00Z");
    expect_next("@hourly", NULL, "2024-01-01T00:59:59Z", "2024-01-01T01:00:00Z");
}

static void test_next_zones(void **state)
{
    (void)state;
    /* Paris is UTC+1 in winter, UTC+2 in summer (from 2024-03-31 01:00Z). */
    expect_next("0 9 * * *", "Europe/Paris", "2024-01-10T00:00:00Z", "2024-01-10T08:00:00Z");
    expect_next("0 9 * * *", "Europe/Paris", "2024-07-10T00:00:00Z", "2024-07-10T07:00:00Z");
    expect_next("0 9 * * *", "Europe/Paris", "2024-03-30T09:00:00Z", "2024-03-31T07:00:00Z");
    /* 02:30 does not exist on 2024-03-31 in Paris: the next one is April 1st. */
    expect_next("30 2 * * *", "Europe/Paris", "2024-03-30T02:00:00Z", "2024-04-01T00:30:00Z");
    expect_next("0 0 * * *", "America/New_York", "2024-06-01T00:00:00Z", "2024-06-01T04:00:00Z");
    expect_next("0 0 * * *", "Asia/Kolkata", "2024-06-01T00:00:00Z", "2024-06-01T18:30:00Z");
    char d[11];
    ko_pipe_local_date(at("2024-06-01T23:30:00Z"), "Asia/Tokyo", d);
    assert_string_equal(d, "2024-06-02");
    ko_pipe_local_date(at("2024-06-01T23:30:00Z"), NULL, d);
    assert_string_equal(d, "2024-06-01");
    ko_err err;
    assert_int_equal(ko_pipe_tz_check("Mars/Olympus", &err), KO_ERR_INVALID);
    assert_int_equal(ko_pipe_tz_check("../etc/passwd", &err), KO_ERR_INVALID);
    TU_OK(ko_pipe_tz_check("Europe/Paris", &err), &err);
}

static void test_never(void **state)
{
    (void)state;
    ko_pipe_cron c;
    ko_err err;
    int64_t next;
    TU_OK(ko_pipe_cron_parse("0 0 30 2 *", &c, NULL, &err), &err);
    assert_int_equal(ko_pipe_cron_next(&c, NULL, 0, &next, &err), KO_ERR_NOT_FOUND);
}

static void test_durations(void **state)
{
    (void)state;
    int64_t ms;
    assert_true(ko_pipe_duration_parse("30s", &ms) && ms == 30000);
    assert_true(ko_pipe_duration_parse("5m", &ms) && ms == 300000);
    assert_true(ko_pipe_duration_parse("1.5h", &ms) && ms == 5400000);
    assert_true(ko_pipe_duration_parse("250ms", &ms) && ms == 250);
    assert_true(ko_pipe_duration_parse("7", &ms) && ms == 7000);
    assert_false(ko_pipe_duration_parse("5 minutes", &ms));
    assert_false(ko_pipe_duration_parse("-3s", &ms));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fields),   cmocka_unit_test(test_errors),
        cmocka_unit_test(test_next_utc), cmocka_unit_test(test_next_zones),
        cmocka_unit_test(test_never),    cmocka_unit_test(test_durations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
