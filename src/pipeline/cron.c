/*
 * cron.c - the pipeline clock, a five-field cron parser, next fire times
 * in a time zone, and local dates (pipeline.h).
 *
 * A cron expression becomes one bit set per field.  The next fire time is
 * found by walking forward in UTC and testing the local time of each
 * candidate: a minute whose local hour or day cannot match skips ahead to
 * the next hour or local midnight, so even "once a year" takes a few
 * hundred steps.  Walking in UTC handles daylight saving time without
 * special cases: a local time that does not exist (spring forward) never
 * fires, one that happens twice (fall back) fires twice.
 *
 * Time zones come from the system tzdata through localtime_r with TZ set;
 * TZ is process-wide, so conversions are serialised on one mutex and TZ
 * is restored afterwards.
 */
#include "pipeline/pipeline.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

/* ------------------------------------------------------------------- clock */

static bool parse_time_text(const char *s, int64_t *us)
{
    while (*s == ' ' || *s == '\n')
        s++;
    size_t len = strcspn(s, " \n\r");
    if (len == 0)
        return false;
    char *end = NULL;
    long long secs = strtoll(s, &end, 10);
    if (end == s + len) {
        *us = (int64_t)secs * 1000000;
        return true;
    }
    return ko_time_parse(s, len, us, NULL) == KO_OK;
}

int64_t ko_pipe_now_us(void)
{
    const char *file = getenv("KOROLEV_FAKE_NOW_FILE");
    int64_t us = 0;
    if (file && *file) {
        char text[64] = {0};
        FILE *f = fopen(file, "r");
        size_t n = f ? fread(text, 1, sizeof text - 1, f) : 0;
        if (f)
            (void)fclose(f);
        text[n] = '\0';
        if (n && parse_time_text(text, &us))
            return us;
    }
    const char *fixed = getenv("KOROLEV_FAKE_NOW");
    if (fixed && *fixed && parse_time_text(fixed, &us))
        return us;
    return ko_now_us();
}

/* -------------------------------------------------------------- time zones */

static pthread_mutex_t tz_mu = PTHREAD_MUTEX_INITIALIZER;

ko_status ko_pipe_tz_check(const char *tz, ko_err *err)
{
    if (!tz || strcmp(tz, "UTC") == 0)
        return KO_OK;
    if (!*tz || tz[0] == '/' || strstr(tz, "..") || strlen(tz) > 200)
        return ko_err_set(err, KO_ERR_INVALID, "time zone '%s' is not a zone name", tz);
    char path[256];
    snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", tz);
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return ko_err_set(err, KO_ERR_INVALID, "time zone '%s' is unknown (no %s)", tz, path);
    return KO_OK;
}

/* Sets TZ to tz (under tz_mu) and returns the previous value to restore
 * (malloc'ed or NULL). */
static char *tz_enter(const char *tz)
{
    pthread_mutex_lock(&tz_mu);
    const char *old = getenv("TZ");
    char *saved = old ? strdup(old) : NULL;
    setenv("TZ", tz, 1);
    tzset();
    return saved;
}

static void tz_leave(char *saved)
{
    if (saved)
        setenv("TZ", saved, 1);
    else
        unsetenv("TZ");
    tzset();
    free(saved);
    pthread_mutex_unlock(&tz_mu);
}

static bool is_utc(const char *tz)
{
    return !tz || strcmp(tz, "UTC") == 0;
}

/* Local broken-down time of t: UTC, or the zone set by tz_enter. */
static void local_tm(time_t t, bool utc, struct tm *out)
{
    if (utc)
        gmtime_r(&t, out);
    else
        localtime_r(&t, out);
}

void ko_pipe_local_date(int64_t us, const char *tz, char out[11])
{
    struct tm tm;
    time_t t = (time_t)(us / 1000000 - (us < 0 && us % 1000000 ? 1 : 0));
    bool utc = is_utc(tz);
    char *saved = utc ? NULL : tz_enter(tz);
    local_tm(t, utc, &tm);
    if (!utc)
        tz_leave(saved);
    unsigned y = (unsigned)(tm.tm_year + 1900) % 10000u, m = (unsigned)(tm.tm_mon + 1) % 100u,
             d = (unsigned)tm.tm_mday % 100u;
    snprintf(out, 11, "%04u-%02u-%02u", y, m, d);
}

/* -------------------------------------------------------------------- parse */

typedef struct field_def {
    const char *name;
    int lo, hi;
    const char *const *names; /* index 0 == lo */
} field_def;

static const char *const MONTHS[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                     "jul", "aug", "sep", "oct", "nov", "dec"};
static const char *const WDAYS[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

static const field_def FIELDS[5] = {
    {"minute", 0, 59, NULL},  {"hour", 0, 23, NULL},        {"day-of-month", 1, 31, NULL},
    {"month", 1, 12, MONTHS}, {"day-of-week", 0, 7, WDAYS},
};

typedef struct cursor {
    const char *text; /* whole expression */
    const char *p;
    const field_def *f;
    int *col;
} cursor;

static ko_status bad(cursor *c, const char *at, const char *why, ko_err *err)
{
    if (c->col)
        *c->col = (int)(at - c->text);
    size_t n = strcspn(at, " \t,");
    return ko_err_set(err, KO_ERR_INVALID, "cron %s: '%.*s' %s", c->f->name, (int)(n ? n : 1), at,
                      why);
}

static bool read_name(cursor *c, int *v)
{
    if (!c->f->names || !isalpha((unsigned char)c->p[0]))
        return false;
    int count = c->f->hi - c->f->lo + 1 - (c->f->hi == 7 ? 1 : 0);
    for (int i = 0; i < count; i++) {
        if (strncasecmp(c->p, c->f->names[i], 3) == 0 && !isalpha((unsigned char)c->p[3])) {
            *v = c->f->lo + i;
            c->p += 3;
            return true;
        }
    }
    return false;
}

static ko_status read_value(cursor *c, int *v, ko_err *err)
{
    const char *at = c->p;
    if (read_name(c, v))
        return KO_OK;
    if (!isdigit((unsigned char)*c->p))
        return bad(c, at, "is not a number", err);
    long x = 0;
    while (isdigit((unsigned char)*c->p) && x < 1000)
        x = x * 10 + (*c->p++ - '0');
    if (x < c->f->lo || x > c->f->hi) {
        if (c->col)
            *c->col = (int)(at - c->text);
        return ko_err_set(err, KO_ERR_INVALID, "cron %s: %ld is out of range %d-%d", c->f->name, x,
                          c->f->lo, c->f->hi);
    }
    *v = (int)x;
    return KO_OK;
}

/* One list element: *, a, a-b, with an optional /step. */
static ko_status read_elem(cursor *c, uint64_t *bits, ko_err *err)
{
    int lo = c->f->lo, hi = c->f->hi == 7 ? 6 : c->f->hi, step = 1;
    const char *at = c->p;
    ko_status s = KO_OK;
    if (*c->p == '*') {
        c->p++;
    } else {
        s = read_value(c, &lo, err);
        hi = lo;
        if (s == KO_OK && *c->p == '-') {
            c->p++;
            s = read_value(c, &hi, err);
        }
        if (s == KO_OK && hi < lo)
            return bad(c, at, "is a backwards range", err);
    }
    if (s == KO_OK && *c->p == '/') {
        c->p++;
        const char *sat = c->p;
        char *end = NULL;
        long st = strtol(c->p, &end, 10);
        if (end == c->p || st <= 0 || st > 100)
            return bad(c, sat, "is not a valid step", err);
        c->p = end;
        step = (int)st;
        if (at[0] != '*' && hi == lo)
            hi = c->f->hi == 7 ? 6 : c->f->hi;
    }
    for (int v = lo; s == KO_OK && v <= hi; v += step)
        *bits |= (uint64_t)1 << (c->f->hi == 7 && v == 7 ? 0 : v & 63);
    return s;
}

static ko_status read_field(cursor *c, uint64_t *bits, bool *any, ko_err *err)
{
    *bits = 0;
    *any = c->p[0] == '*' && (c->p[1] == ' ' || c->p[1] == '\t' || c->p[1] == '\0');
    for (;;) {
        ko_status s = read_elem(c, bits, err);
        if (s != KO_OK)
            return s;
        if (*c->p != ',')
            break;
        c->p++;
    }
    if (*c->p && *c->p != ' ' && *c->p != '\t')
        return bad(c, c->p, "is not expected here", err);
    return KO_OK;
}

static const char *macro(const char *text)
{
    static const char *const map[][2] = {
        {"@hourly", "0 * * * *"},   {"@daily", "0 0 * * *"},   {"@midnight", "0 0 * * *"},
        {"@weekly", "0 0 * * 0"},   {"@monthly", "0 0 1 * *"}, {"@yearly", "0 0 1 1 *"},
        {"@annually", "0 0 1 1 *"},
    };
    for (size_t i = 0; i < KO_ARRAY_LEN(map); i++)
        if (strcmp(text, map[i][0]) == 0)
            return map[i][1];
    return NULL;
}

// NOLINTNEXTLINE(readability-non-const-parameter): col is written through the cursor
ko_status ko_pipe_cron_parse(const char *text, ko_pipe_cron *out, int *col, ko_err *err)
{
    const char *m = text ? macro(text) : NULL;
    cursor c = {m ? m : text, m ? m : text, &FIELDS[0], col};
    if (!text || (text[0] == '@' && !m))
        return ko_err_set(err, KO_ERR_INVALID, "cron: '%s' is not a known macro", text ? text : "");
    uint64_t bits[5];
    bool any[5];
    for (int i = 0; i < 5; i++) {
        c.f = &FIELDS[i];
        while (*c.p == ' ' || *c.p == '\t')
            c.p++;
        if (!*c.p)
            return ko_err_set(err, KO_ERR_INVALID,
                              "cron: '%s' has %d fields, expected 5 (minute hour day-of-month "
                              "month day-of-week)",
                              text, i);
        ko_status s = read_field(&c, &bits[i], &any[i], err);
        if (s != KO_OK)
            return s;
    }
    while (*c.p == ' ' || *c.p == '\t')
        c.p++;
    if (*c.p)
        return ko_err_set(err, KO_ERR_INVALID, "cron: '%s' has more than 5 fields", text);
    *out = (ko_pipe_cron){
        bits[0], (uint32_t)bits[1], (uint32_t)bits[2], (uint16_t)bits[3], (uint8_t)bits[4], any[2],
        any[4]};
    return KO_OK;
}

/* --------------------------------------------------------------------- next */

static bool day_matches(const ko_pipe_cron *c, const struct tm *tm)
{
    bool md = (c->mdays >> tm->tm_mday) & 1u, wd = (c->wdays >> tm->tm_wday) & 1u;
    if (c->mday_any || c->wday_any)
        return (c->mday_any || md) && (c->wday_any || wd);
    return md || wd;
}

/* Seconds to skip from local time tm when it cannot match; 0 if it fires. */
static int64_t skip_from(const ko_pipe_cron *c, const struct tm *tm)
{
    int64_t into_hour = (int64_t)tm->tm_min * 60;
    if (!((c->months >> (tm->tm_mon + 1)) & 1u) || !day_matches(c, tm))
        return (int64_t)(23 - tm->tm_hour) * 3600 + 3600 - into_hour;
    if (!((c->hours >> tm->tm_hour) & 1u))
        return 3600 - into_hour;
    if (!((c->minutes >> tm->tm_min) & 1u))
        return 60;
    return 0;
}

static bool find_next(const ko_pipe_cron *c, bool utc, time_t t, time_t *out)
{
    time_t limit = t + (time_t)5 * 366 * 86400;
    while (t < limit) {
        struct tm tm;
        local_tm(t, utc, &tm);
        int64_t skip = skip_from(c, &tm);
        if (skip == 0) {
            *out = t;
            return true;
        }
        /* Outside UTC a day may be 23 or 25 hours long: skip at most an
         * hour at once, so no local midnight is jumped over. */
        t += (time_t)(!utc && skip > 3600 ? 3600 - (int64_t)tm.tm_min * 60 : skip);
    }
    return false;
}

ko_status ko_pipe_cron_next(const ko_pipe_cron *c, const char *tz, int64_t after_us,
                            int64_t *next_us, ko_err *err)
{
    int64_t secs = after_us / 1000000 - (after_us < 0 && after_us % 1000000 ? 1 : 0);
    int64_t mins = secs / 60 - (secs < 0 && secs % 60 ? 1 : 0);
    time_t t = (time_t)((mins + 1) * 60), found = 0;
    bool utc = is_utc(tz);
    char *saved = utc ? NULL : tz_enter(tz);
    bool ok = find_next(c, utc, t, &found);
    if (!utc)
        tz_leave(saved);
    if (!ok)
        return ko_err_set(err, KO_ERR_NOT_FOUND, "cron never fires in the next 5 years");
    *next_us = (int64_t)found * 1000000;
    return KO_OK;
}
