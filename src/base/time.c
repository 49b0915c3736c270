/*
 * time.c - clocks, civil dates and RFC 3339 timestamps.
 *
 * Timestamps are int64 microseconds since 1970-01-01T00:00:00Z, the unit
 * Iceberg and Parquet use for timestamp(tz) columns.  Date arithmetic uses
 * Howard Hinnant's days_from_civil / civil_from_days algorithms over the
 * proleptic Gregorian calendar: exact for negative years too, no tables, no
 * libc time zone state.  Civil years are astronomical (year 0 is 1 BC).
 *
 * Text form.  The parser is strict and reports the input and the 0-based
 * position of the first offending character:
 *
 *   date   = year "-" MM "-" DD
 *   year   = 4DIGIT | ("+" | "-") 4*9DIGIT        (ISO 8601 expanded years)
 *   time   = HH ":" MM [":" SS ["." 1*DIGIT]]
 *   zone   = "Z" | ("+" | "-") HH [[":"] MM]     (at most 18:00)
 *   stamp  = date [("T" | " ") time [zone]]
 *
 * Seconds must be below 60: leap seconds ("23:59:60") are rejected rather
 * than silently folded into the next minute, since int64 microseconds cannot
 * represent them.  'T' and 'Z' may be lowercase (RFC 3339 section 5.6).
 * The formatter writes years outside 0000..9999 in the expanded form
 * ("+10000-01-01T00:00:00Z", "-0001-...") so every int64 value round-trips.
 */
#include "base/base.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

enum { SECS_PER_DAY = 86400, US_PER_SEC = 1000000, MAX_ZONE_MINUTES = 18 * 60 };

/* Years beyond this would overflow int64 day counts; they saturate. */
#define CIVIL_YEAR_LIMIT INT64_C(10000000000000000)

static int64_t clock_us(clockid_t id)
{
    struct timespec ts;
    if (clock_gettime(id, &ts) != 0)
        return 0;
    return (int64_t)ts.tv_sec * US_PER_SEC + ts.tv_nsec / 1000;
}

int64_t ko_now_us(void)
{
    return clock_us(CLOCK_REALTIME);
}

int64_t ko_monotonic_us(void)
{
    return clock_us(CLOCK_MONOTONIC);
}

void ko_sleep_us(int64_t us)
{
    if (us <= 0)
        return;
    struct timespec req = {.tv_sec = us / US_PER_SEC, .tv_nsec = (long)(us % US_PER_SEC) * 1000};
    struct timespec rem;
    while (nanosleep(&req, &rem) != 0 && errno == EINTR)
        req = rem;
}

/* ------------------------------------------------------------ civil dates */

/* Floor division by b > 0 with the remainder in [0, b); never overflows. */
static int64_t floor_divmod(int64_t a, int64_t b, int64_t *rem)
{
    int64_t q = a / b, r = a % b;
    if (r < 0) {
        r += b;
        q--;
    }
    *rem = r;
    return q;
}

int64_t ko_days_from_civil(int64_t year, unsigned month, unsigned day)
{
    if (year > CIVIL_YEAR_LIMIT)
        year = CIVIL_YEAR_LIMIT;
    if (year < -CIVIL_YEAR_LIMIT)
        year = -CIVIL_YEAR_LIMIT;
    int64_t m = month, d = day;
    int64_t y = year - (m <= 2);
    int64_t yoe; /* year of era, [0, 399] */
    int64_t era = floor_divmod(y, 400, &yoe);
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* [0, 365] */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           /* [0, 146096] */
    return era * 146097 + doe - 719468;
}

void ko_civil_from_days(int64_t days, int64_t *year, unsigned *month, unsigned *day)
{
    /* Shift the epoch to 0000-03-01 without overflowing near INT64_MIN/MAX:
     * split into 400-year eras first, then add the offset to the remainder. */
    int64_t doe;
    int64_t era = floor_divmod(days, 146097, &doe);
    doe += 719468;
    era += doe / 146097;
    doe %= 146097;                                                       /* [0, 146096] */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* [0, 365] */
    int64_t mp = (5 * doy + 2) / 153;                                    /* [0, 11] */
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    *day = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *month = (unsigned)m;
    *year = yoe + era * 400 + (m <= 2);
}

static bool is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned days_in_month(int64_t y, unsigned m)
{
    static const unsigned char dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* ---------------------------------------------------------------- parsing */

typedef struct tparser {
    const char *s;
    size_t len;
    size_t pos;
    ko_err *err;
} tparser;

typedef struct tfields {
    int64_t year;
    unsigned month, day, hour, minute, second;
    int64_t frac_us;
    int64_t zone_secs; /* local time minus UTC */
} tfields;

static ko_status tp_fail(tparser *p, const char *what)
{
    enum { SHOW = 80 };
    int shown = (int)(p->len > SHOW ? SHOW : p->len);
    ko_err_set(p->err, KO_ERR_INVALID, "invalid timestamp \"%.*s%s\": %s at position %zu", shown,
               p->s, p->len > SHOW ? "..." : "", what, p->pos);
    return KO_ERR_INVALID;
}

static bool tp_at_end(const tparser *p)
{
    return p->pos >= p->len;
}

static bool tp_is_digit(const tparser *p, size_t off)
{
    return p->pos + off < p->len && p->s[p->pos + off] >= '0' && p->s[p->pos + off] <= '9';
}

/* Consumes c (or its lowercase form when alt is non-zero). */
static bool tp_accept(tparser *p, char c, char alt)
{
    if (tp_at_end(p) || (p->s[p->pos] != c && (!alt || p->s[p->pos] != alt)))
        return false;
    p->pos++;
    return true;
}

/* Reads exactly n digits. */
static ko_status tp_digits(tparser *p, size_t n, const char *what, int64_t *out)
{
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!tp_is_digit(p, 0))
            return tp_fail(p, what);
        v = v * 10 + (p->s[p->pos++] - '0');
    }
    *out = v;
    return KO_OK;
}

static ko_status tp_expect(tparser *p, char c, const char *what)
{
    return tp_accept(p, c, 0) ? KO_OK : tp_fail(p, what);
}

/* A field of exactly two digits in [lo, hi]. */
static ko_status tp_field(tparser *p, unsigned lo, unsigned hi, const char *what, unsigned *out)
{
    size_t start = p->pos;
    int64_t v = 0;
    if (tp_digits(p, 2, what, &v) != KO_OK)
        return KO_ERR_INVALID;
    if (v < lo || v > hi) {
        p->pos = start;
        return tp_fail(p, what);
    }
    *out = (unsigned)v;
    return KO_OK;
}

static ko_status tp_year(tparser *p, int64_t *year)
{
    bool neg = false, sign = false;
    if (tp_accept(p, '+', 0) || (neg = tp_accept(p, '-', 0)))
        sign = true;
    size_t n = 0;
    while (tp_is_digit(p, n) && n < 10)
        n++;
    if (sign ? (n < 4 || n > 9) : n != 4)
        return tp_fail(p, sign ? "expected 4 to 9 year digits" : "expected a 4-digit year");
    int64_t v = 0;
    tp_digits(p, n, "year", &v);
    *year = neg ? -v : v;
    return KO_OK;
}

static ko_status tp_date(tparser *p, tfields *f)
{
    if (tp_year(p, &f->year) != KO_OK || tp_expect(p, '-', "expected '-' after year") != KO_OK ||
        tp_field(p, 1, 12, "expected month 01-12", &f->month) != KO_OK ||
        tp_expect(p, '-', "expected '-' after month") != KO_OK)
        return KO_ERR_INVALID;
    return tp_field(p, 1, days_in_month(f->year, f->month), "day out of range for the month",
                    &f->day);
}

/* "." followed by one or more digits; digits past microseconds are dropped. */
static ko_status tp_fraction(tparser *p, tfields *f)
{
    if (!tp_accept(p, '.', 0))
        return KO_OK;
    if (!tp_is_digit(p, 0))
        return tp_fail(p, "expected digits after '.'");
    int64_t scale = 100000;
    for (; tp_is_digit(p, 0); p->pos++, scale /= 10)
        f->frac_us += (p->s[p->pos] - '0') * scale;
    return KO_OK;
}

static ko_status tp_time(tparser *p, tfields *f)
{
    if (tp_field(p, 0, 23, "expected hour 00-23", &f->hour) != KO_OK ||
        tp_expect(p, ':', "expected ':' after hour") != KO_OK ||
        tp_field(p, 0, 59, "expected minute 00-59", &f->minute) != KO_OK)
        return KO_ERR_INVALID;
    if (!tp_accept(p, ':', 0))
        return KO_OK;
    if (tp_field(p, 0, 59, "expected second 00-59", &f->second) != KO_OK)
        return KO_ERR_INVALID;
    return tp_fraction(p, f);
}

static ko_status tp_zone(tparser *p, tfields *f)
{
    if (tp_at_end(p) || tp_accept(p, 'Z', 'z'))
        return KO_OK;
    size_t start = p->pos;
    int sign = tp_accept(p, '+', 0) ? 1 : tp_accept(p, '-', 0) ? -1 : 0;
    if (!sign)
        return tp_fail(p, "expected 'Z', '+' or '-' for the zone");
    unsigned hh = 0, mm = 0;
    if (tp_field(p, 0, 18, "expected zone hour 00-18", &hh) != KO_OK)
        return KO_ERR_INVALID;
    bool colon = tp_accept(p, ':', 0);
    if ((colon || !tp_at_end(p)) && tp_field(p, 0, 59, "expected zone minute 00-59", &mm) != KO_OK)
        return KO_ERR_INVALID;
    if (hh * 60 + mm > MAX_ZONE_MINUTES) {
        p->pos = start;
        return tp_fail(p, "zone offset beyond +/-18:00");
    }
    f->zone_secs = sign * (int64_t)(hh * 3600 + mm * 60);
    return KO_OK;
}

/* Combines the fields; fails only when the instant is outside int64 us. */
static ko_status tp_combine(tparser *p, const tfields *f, int64_t *out_us)
{
    int64_t secs = ko_days_from_civil(f->year, f->month, f->day) * SECS_PER_DAY +
                   (int64_t)f->hour * 3600 + (int64_t)f->minute * 60 + f->second - f->zone_secs;
    int64_t frac = f->frac_us;
    if (secs < 0 && frac > 0) { /* keep secs * 1e6 in range near INT64_MIN */
        secs += 1;
        frac -= US_PER_SEC;
    }
    int64_t us;
    if (__builtin_mul_overflow(secs, (int64_t)US_PER_SEC, &us) ||
        __builtin_add_overflow(us, frac, &us)) {
        p->pos = 0;
        return tp_fail(p, "outside the representable range of microseconds");
    }
    *out_us = us;
    return KO_OK;
}

ko_status ko_time_parse(const char *s, size_t len, int64_t *out_us, ko_err *err)
{
    tparser p = {.s = s ? s : "", .len = s ? len : 0, .err = err};
    tfields f = {0};
    if (tp_date(&p, &f) != KO_OK)
        return KO_ERR_INVALID;
    if (!tp_at_end(&p)) {
        if (!tp_accept(&p, 'T', 't') && !tp_accept(&p, ' ', 0))
            return tp_fail(&p, "expected 'T' or ' ' after the date");
        if (tp_time(&p, &f) != KO_OK || tp_zone(&p, &f) != KO_OK)
            return KO_ERR_INVALID;
        if (!tp_at_end(&p))
            return tp_fail(&p, "unexpected character");
    }
    return tp_combine(&p, &f, out_us);
}

/* ------------------------------------------------------------- formatting */

size_t ko_time_format(int64_t us, char out[KO_TIME_STR_MAX])
{
    int64_t us_per_day = (int64_t)SECS_PER_DAY * US_PER_SEC;
    int64_t rem; /* [0, us_per_day) */
    int64_t days = floor_divmod(us, us_per_day, &rem);
    int64_t year;
    unsigned month, day;
    ko_civil_from_days(days, &year, &month, &day);
    int64_t secs = rem / US_PER_SEC, frac = rem % US_PER_SEC;
    const char *sign = year < 0 ? "-" : year > 9999 ? "+" : "";
    int n = snprintf(out, KO_TIME_STR_MAX, "%s%04" PRId64 "-%02u-%02uT%02d:%02d:%02d", sign,
                     year < 0 ? -year : year, month, day, (int)(secs / 3600), (int)(secs / 60 % 60),
                     (int)(secs % 60));
    if (frac)
        n += snprintf(out + n, KO_TIME_STR_MAX - (size_t)n, ".%06d", (int)frac);
    n += snprintf(out + n, KO_TIME_STR_MAX - (size_t)n, "Z");
    return (size_t)n;
}
