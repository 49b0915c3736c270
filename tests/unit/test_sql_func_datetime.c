/*
 * test_sql_func_datetime.c - date and time functions (func_datetime.c)
 * against DuckDB 1.5's answers (each expectation was checked in DuckDB
 * when the tests were written), on constant and flat vectors.
 */
#include "sqlfunc_testutil.h"

static void test_date_part(void **state)
{
    (void)state;
    ft_check("2024", "date_part", "v:year", "date:2024-02-29");
    ft_check("0", "date_part", "v:dow", "date:2024-02-25");
    ft_check("7", "date_part", "v:isodow", "date:2024-02-25");
    ft_check("366", "date_part", "v:doy", "date:2024-12-31");
    ft_check("1", "date_part", "v:week", "date:2024-12-30");
    ft_check("2", "date_part", "v:quarter", "date:2024-05-01");
    ft_check("1704067201.5", "date_part", "v:epoch", "ts:2024-01-01 00:00:01.5");
    ft_check("1", "date_part", "v:second", "ts:2024-01-01 00:00:01.5");
    ft_check("1500", "date_part", "v:millisecond", "ts:2024-01-01 00:00:01.5");
    ft_check("1500000", "date_part", "v:microsecond", "ts:2024-01-01 00:00:01.5");
    ft_check("0", "date_part", "v:hour", "date:2024-01-01");
    ft_check("1704067200", "date_part", "v:epoch", "date:2024-01-01");
    ft_check("86400", "date_part", "v:epoch", "iv:1 day");
    ft_check("2592000", "date_part", "v:epoch", "iv:1 month");
    ft_check("2", "date_part", "v:month", "iv:14 months");
    ft_check("1", "date_part", "v:year", "iv:14 months");
    ft_check("40", "date_part", "v:day", "iv:40 days");
    ft_check("30", "date_part", "v:minute", "iv:90 minutes");
    ft_check("30", "date_part", "v:hour", "iv:30 hours");
    ft_check("12", "date_part", "v:hour", "time:12:34:56");
    ft_check("12", "date_part", "v:second", "time:10:11:12.5");
    ft_check("3600", "date_part", "v:epoch", "time:01:00:00");
    ft_check("21", "date_part", "v:century", "date:2024-02-05");
    ft_check("20", "date_part", "v:century", "date:2000-12-31");
    ft_check("202", "date_part", "v:decade", "date:2024-02-05");
    ft_check("3", "date_part", "v:millennium", "date:2024-02-05");
    ft_check("2", "date_part", "v:millennium", "date:2000-01-01");
    ft_check("1", "date_part", "v:era", "date:2024-02-05");
    ft_check("2025", "date_part", "v:isoyear", "date:2024-12-30");
    ft_check("202501", "date_part", "v:yearweek", "date:2024-12-30");
    ft_check("53", "date_part", "v:week", "date:2021-01-03");
    ft_check("2020", "date_part", "v:isoyear", "date:2021-01-03");
    ft_check("53", "date_part", "v:week", "date:2026-12-31");
    ft_check("2460346", "date_part", "v:julian", "date:2024-02-05");
    ft_check("3", "date_part", "v:dow", "date:1969-12-31");
    ft_check("59", "date_part", "v:minute", "ts:1969-12-31 23:59:59");
    ft_check("59", "date_part", "v:second", "ts:1969-12-31 23:59:59.5");
    ft_check("59500000", "date_part", "v:microsecond", "ts:1969-12-31 23:59:59.5");
    ft_check("2024", "date_part", "v:YEAR", "date:2024-01-01");
    ft_check("1", "date_part", "v:mon", "date:2024-01-01");
    ft_check("NULL", "date_part", "v:NULL", "date:2024-01-01");
    ft_check("NULL", "date_part", "v:year", "date:NULL");
    ft_check("ERR:extract specifier \"foo\" not recognized", "date_part", "v:foo",
             "date:2024-01-01");
    ft_type_is("BIGINT", "date_part", "v:year", "date:2024-01-01");
    ft_type_is("DOUBLE", "date_part", "v:epoch", "date:2024-01-01");
    /* year(), month() ... */
    ft_check("2024", "year", "date:2024-05-06");
    ft_check("5", "month", "ts:2024-05-06 01:02:03");
    ft_check("6", "day", "date:2024-05-06");
    ft_check("1", "hour", "ts:2024-05-06 01:02:03");
    ft_check("2", "minute", "ts:2024-05-06 01:02:03");
    ft_check("3", "second", "ts:2024-05-06 01:02:03.7");
    ft_check("1", "dayofweek", "date:2024-05-06");
    ft_check("127", "dayofyear", "date:2024-05-06");
    ft_check("19", "week", "date:2024-05-06");
    ft_check("2", "quarter", "date:2024-05-06");
    ft_check("7", "isodow", "date:2024-05-05");
    ft_check("202419", "yearweek", "date:2024-05-06");
    ft_check("3700", "millisecond", "ts:2024-05-06 01:02:03.7");
    ft_check("3700000", "microsecond", "ts:2024-05-06 01:02:03.7");
    ft_check("1704067201.5", "epoch", "ts:2024-01-01 00:00:01.5");
}

static void test_date_trunc(void **state)
{
    (void)state;
    ft_check("2024-02-01 00:00:00", "date_trunc", "v:month", "date:2024-02-29");
    ft_type_is("TIMESTAMP", "date_trunc", "v:month", "date:2024-02-29");
    ft_check("2024-02-26 00:00:00", "date_trunc", "v:week", "ts:2024-02-29 12:00:00");
    ft_check("2024-04-01 00:00:00", "date_trunc", "v:quarter", "date:2024-05-15");
    ft_check("2024-02-29 12:00:00", "date_trunc", "v:hour", "ts:2024-02-29 12:34:56.789");
    ft_check("1969-01-01 00:00:00", "date_trunc", "v:year", "ts:1969-05-03 01:00:00");
    ft_check("2024-02-05 00:00:00", "date_trunc", "v:day", "date:2024-02-05");
    ft_check("2000-01-01 00:00:00", "date_trunc", "v:millennium", "date:2024-02-05");
    ft_check("2020-01-01 00:00:00", "date_trunc", "v:decade", "date:2024-02-05");
    ft_check("2000-01-01 00:00:00", "date_trunc", "v:century", "date:2024-02-05");
    ft_check("2024-02-05 10:11:00", "date_trunc", "v:minute", "ts:2024-02-05 10:11:12");
    ft_check("2024-02-05 10:11:12", "date_trunc", "v:second", "ts:2024-02-05 10:11:12.5");
    ft_check("2024-02-05 10:11:12.567", "date_trunc", "v:milliseconds",
             "ts:2024-02-05 10:11:12.5678");
    ft_check("1969-12-01 00:00:00", "date_trunc", "v:month", "ts:1969-12-31 23:59:59.999999");
    ft_check("2024-01-01 00:00:00", "date_trunc", "v:week", "date:2024-01-07");
    ft_check("2024-01-01 00:00:00", "date_trunc", "v:isoyear", "date:2024-01-07");
    ft_check("2024-02-01 00:00:00+00", "date_trunc", "v:month", "tstz:2024-02-10 10:00:00");
    ft_check("NULL", "date_trunc", "v:month", "date:NULL");
    ft_check("ERR:extract specifier \"foo\" not recognized", "date_trunc", "v:foo",
             "date:2024-01-01");
}

static void test_diff_sub_age(void **state)
{
    (void)state;
    ft_check("1", "date_diff", "v:month", "date:2024-01-31", "date:2024-02-01");
    ft_check("1", "datediff", "v:day", "ts:2024-01-01 23:00", "ts:2024-01-02 01:00");
    ft_check("1", "date_diff", "v:year", "date:2023-12-31", "date:2024-01-01");
    ft_check("24", "date_diff", "v:hour", "date:2024-01-01", "date:2024-01-02");
    ft_check("1", "date_diff", "v:week", "date:2024-01-01", "date:2024-01-14");
    ft_check("0", "date_diff", "v:week", "date:2024-01-07", "date:2024-01-08");
    ft_check("1", "date_diff", "v:week", "ts:2024-01-01 10:00", "ts:2024-01-08 09:00");
    ft_check("1", "date_diff", "v:second", "ts:1969-12-31 23:59:59.5", "ts:1970-01-01 00:00:00.5");
    ft_check("1", "date_diff", "v:hour", "ts:1969-12-31 23:30:00", "ts:1970-01-01 00:30:00");
    ft_check("-1", "date_diff", "v:day", "date:2024-01-01", "date:2023-12-31");
    ft_check("1", "date_diff", "v:month", "ts:2024-01-31 10:00", "ts:2024-02-29 09:00");
    ft_check("3", "date_diff", "v:quarter", "date:2024-01-01", "date:2024-12-31");
    ft_check("1", "date_diff", "v:minute", "ts:2024-01-01 00:00:59", "ts:2024-01-01 00:01:00");
    ft_check("-60", "date_diff", "v:day", "date:2024-03-01", "date:2024-01-01");
    ft_check("1", "date_diff", "v:isoyear", "date:2024-01-01", "date:2025-01-01");
    ft_check("1", "date_diff", "v:decade", "date:2019-01-01", "date:2020-01-01");
    ft_check("1000", "date_diff", "v:millisecond", "ts:2024-01-01", "ts:2024-01-01 00:00:01");
    ft_check("1", "date_sub", "v:month", "date:2024-01-31", "date:2024-02-29");
    ft_check("0", "date_sub", "v:year", "date:2023-03-01", "date:2024-02-29");
    ft_check("0", "date_sub", "v:day", "ts:2024-01-01 23:00", "ts:2024-01-02 01:00");
    ft_check("1", "date_sub", "v:hour", "ts:2024-01-01 23:30", "ts:2024-01-02 01:00");
    ft_check("0", "date_sub", "v:month", "ts:2024-01-31 10:00", "ts:2024-02-29 09:00");
    ft_check("1", "date_sub", "v:month", "ts:2024-01-31 10:00", "ts:2024-02-29 11:00");
    ft_check("-60", "date_sub", "v:day", "date:2024-03-01", "date:2024-01-01");
    ft_check("1", "date_sub", "v:week", "date:2024-01-07", "date:2024-01-14");
    ft_check("1", "date_sub", "v:year", "date:2024-02-29", "date:2025-02-28");
    ft_check("1", "date_sub", "v:quarter", "date:2024-01-31", "date:2024-04-30");
    ft_check("1 year 1 month 16 days 14:00:00", "age", "ts:2024-03-01", "ts:2023-01-15 10:00");
    ft_check("1 month 2 days", "age", "ts:2024-03-31", "ts:2024-02-29");
    ft_check("-2 months -10:00:00", "age", "ts:2024-01-01", "ts:2024-03-01 10:00");
}

static void test_make_misc(void **state)
{
    (void)state;
    ft_check("2024-02-29 00:00:00", "date_add", "date:2024-01-31", "iv:1 month");
    ft_check("2024-02-29 10:00:00", "date_add", "ts:2024-01-31 10:00", "iv:1 month");
    ft_check("2024-02-29 00:00:00", "date_add", "ts:2024-03-31", "iv:-1 month");
    ft_check("2024-01-02 02:00:00", "date_add", "date:2024-01-01", "iv:1 day 2 hours");
    ft_check("2023-02-28 00:00:00", "date_add", "date:2024-02-29", "iv:-12 months");
    ft_check("2024-02-29", "make_date", "i:2024", "i:2", "i:29");
    ft_check("ERR:Date out of range: 2024-2-30", "make_date", "i:2024", "i:2", "i:30");
    ft_check("2024-02-29 12:30:15.5", "make_timestamp", "i:2024", "i:2", "i:29", "i:12", "i:30",
             "f64:15.5");
    ft_check("ERR:Time out of range", "make_timestamp", "i:2024", "i:1", "i:1", "i:0", "i:0",
             "f64:61");
    ft_check("01:02:03.5", "make_time", "i:1", "i:2", "f64:3.5");
    ft_check("2024-02-29", "last_day", "date:2024-02-10");
    ft_check("2023-02-28", "last_day", "ts:2023-02-10 10:00");
    ft_check("Sunday", "dayname", "date:2024-02-25");
    ft_check("February", "monthname", "date:2024-02-25");
    ft_check("2023-11-14 22:13:20.123", "epoch_ms", "i:1700000000123");
    ft_check("1969-12-31 23:59:59.999", "epoch_ms", "i:-1");
    ft_check("1704067200000", "epoch_ms", "ts:2024-01-01");
    ft_check("0", "epoch_ms", "ts:1969-12-31 23:59:59.9995");
    ft_check("2023-11-14 22:13:20.5+00", "to_timestamp", "f64:1700000000.5");
    ft_check("1969-12-31 23:59:58.5+00", "to_timestamp", "f64:-1.5");
    /* ctx->now_us in the test harness is 2024-06-15 12:30:45.123456 UTC. */
    ft_check0("2024-06-15 12:30:45.123456+00", "now");
    ft_check0("2024-06-15 12:30:45.123456+00", "current_timestamp");
    ft_check0("2024-06-15", "current_date");
}

static void test_strftime_strptime(void **state)
{
    (void)state;
    ft_check("2024/02/05 Mon Monday Feb February 036 00:00:00 24 5 AM 12 000000  %", "strftime",
             "date:2024-02-05", "v:%Y/%m/%d %a %A %b %B %j %H:%M:%S %y %-d %p %I %f %Z %%");
    ft_check("13:04:05.123456 123 123456000 01PM 1 1 05 06 06 2024", "strftime",
             "ts:2024-02-05 13:04:05.123456", "v:%H:%M:%S.%f %g %n %I%p %w %u %U %W %V %G");
    ft_check("2024-02-05 2024-02-05 13:04:05 13:04:05 2 13 36", "strftime",
             "ts:2024-02-05 13:04:05", "v:%x %c %X %-m %-H %-j");
    ft_check("3 03 AM", "strftime", "ts:2024-02-05 03:04:05", "v:%-I %I %p");
    ft_check("12 AM", "strftime", "ts:2024-02-05 00:04:05", "v:%I %p");
    ft_check("00 01 01 2024", "strftime", "date:2024-01-01", "v:%U %W %V %G");
    ft_check("01 00 52 2022 7 0", "strftime", "date:2023-01-01", "v:%U %W %V %G %u %w");
    ft_check("ERR:Unrecognized format for strftime/strptime: %q", "strftime", "date:2024-02-05",
             "v:%q");
    ft_check("2024-02-05 13:04:05", "strptime", "v:2024-02-05 13:04:05", "v:%Y-%m-%d %H:%M:%S");
    ft_check("2024-02-05 00:00:00", "strptime", "v:05/02/2024", "v:%d/%m/%Y");
    ft_check("2024-02-05 00:00:00", "strptime", "v:2024-2-5", "v:%Y-%m-%d");
    ft_check("2024-02-05 00:00:00", "strptime", "v:Feb 5 2024", "v:%b %d %Y");
    ft_check("2024-02-05 13:04:05.25", "strptime", "v:2024-02-05 13:04:05.25",
             "v:%Y-%m-%d %H:%M:%S.%f");
    ft_check("2024-02-05 13:02:00", "strptime", "v:05/02/24 1:02 PM", "v:%d/%m/%y %I:%M %p");
    ft_check("ERR:Could not parse string \"2024-02-05 x\" according to format specifier "
             "\"%Y-%m-%d\"",
             "strptime", "v:2024-02-05 x", "v:%Y-%m-%d");
    ft_check("ERR:Could not parse string \"xx\"", "strptime", "v:xx", "v:%Y");
    ft_check("NULL", "strptime", "v:NULL", "v:%Y");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_date_part),         cmocka_unit_test(test_date_trunc),
        cmocka_unit_test(test_diff_sub_age),      cmocka_unit_test(test_make_misc),
        cmocka_unit_test(test_strftime_strptime),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
