/*
 * coerce.c - one value to a column's representation, by the strict rules
 * of ingest.h.
 *
 * Numbers are read from their text, never through a double unless the
 * column is float or double: parse_exact() turns JSON number syntax into
 * an exact digit string and a power of ten, from which integers and
 * decimals are built in 128-bit arithmetic, with "would need rounding"
 * (not_integral, decimal_scale) and "too large" (out_of_range) told
 * apart.  Dates, times and timestamps accept the ISO-8601 forms listed in
 * ingest.h; timestamps go through ko_time_parse after checks that it
 * would not truncate (fraction digits) or reinterpret (zones on a
 * timestamp without zone) anything.
 */
#include "ingest/ingest_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef __int128 i128;

enum { MAX_DIGITS = 40 };

/* An exact number: digits (no leading zeros, "" for zero) times
 * 10^exp10, with a sign. */
typedef struct exact {
    bool neg;
    char digits[MAX_DIGITS + 1];
    size_t n;
    int64_t exp10;
    bool too_many; /* more significant digits than MAX_DIGITS */
} exact;

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static void add_digit(exact *e, char c, bool frac)
{
    if (e->n == 0 && c == '0') { /* a leading zero */
        if (frac)
            e->exp10--;
        return;
    }
    if (e->n < MAX_DIGITS) {
        e->digits[e->n++] = c;
        if (frac)
            e->exp10--;
        return;
    }
    if (c != '0')
        e->too_many = true;
    if (!frac)
        e->exp10++;
}

/* Parses JSON number syntax (checked before) into e. */
static void parse_exact(const char *s, size_t n, exact *e)
{
    memset(e, 0, sizeof *e);
    size_t i = 0;
    if (s[i] == '-')
        e->neg = true, i++;
    for (; i < n && is_digit(s[i]); i++)
        add_digit(e, s[i], false);
    if (i < n && s[i] == '.')
        for (i++; i < n && is_digit(s[i]); i++)
            add_digit(e, s[i], true);
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        bool eneg = s[i] == '-';
        if (s[i] == '+' || s[i] == '-')
            i++;
        int64_t ev = 0;
        for (; i < n && is_digit(s[i]); i++)
            if (ev < 100000)
                ev = ev * 10 + (s[i] - '0');
        e->exp10 += eneg ? -ev : ev;
    }
    /* trailing zeros of the digits move into the exponent */
    while (e->n && e->digits[e->n - 1] == '0')
        e->n--, e->exp10++;
    e->digits[e->n] = '\0';
}

typedef enum exact_res { EX_OK, EX_FRACTION, EX_RANGE } exact_res;

/* The exact value times 10^scale as an integer of at most max_digits
 * digits. */
static exact_res exact_scaled(const exact *e, int32_t scale, int max_digits, i128 *out)
{
    *out = 0;
    if (e->n == 0)
        return e->too_many ? EX_RANGE : EX_OK;
    if (e->too_many)
        return e->exp10 + scale < 0 ? EX_FRACTION : EX_RANGE;
    int64_t shift = e->exp10 + scale;
    if (shift < 0)
        return EX_FRACTION; /* the last digit is non-zero and would be cut */
    if ((int64_t)e->n + shift > max_digits)
        return EX_RANGE;
    i128 v = 0;
    for (size_t i = 0; i < e->n; i++)
        v = v * 10 + (e->digits[i] - '0');
    for (int64_t k = 0; k < shift; k++)
        v *= 10;
    *out = e->neg ? -v : v;
    return EX_OK;
}

/* --------------------------------------------------------------- helpers */

static ki_reason need_number(ki_src src, const char *s, size_t n, const char *type, ki_fail *f)
{
    if (src == KI_SRC_STR || src == KI_SRC_BOOL)
        return ki_failf(f, KI_WRONG_TYPE, "a %s is not a %s",
                        src == KI_SRC_STR ? "string" : "boolean", type);
    if (!ki_number_syntax(s, n))
        return ki_failf(f, KI_INVALID_VALUE, "'%.*s' is not a number", (int)(n > 40 ? 40 : n), s);
    return KI_OK;
}

static ki_reason need_text(ki_src src, const char *type, ki_fail *f)
{
    if (src == KI_SRC_NUM || src == KI_SRC_BOOL)
        return ki_failf(f, KI_WRONG_TYPE, "a %s is not a %s (give a string)",
                        src == KI_SRC_NUM ? "number" : "boolean", type);
    return KI_OK;
}

static ki_reason bad_text(ki_fail *f, const char *s, size_t n, const char *what)
{
    return ki_failf(f, KI_INVALID_VALUE, "'%.*s' is not %s", (int)(n > 60 ? 60 : n), s, what);
}

static void put_le(uint8_t *out, uint64_t v, size_t w)
{
    for (size_t i = 0; i < w; i++)
        out[i] = (uint8_t)(v >> (8 * i));
}

/* -------------------------------------------------------------- numbers */

static ki_reason to_integer(const ko_ice_type *t, ki_src src, const char *s, size_t n,
                            uint8_t out[16], size_t *len, ki_fail *f)
{
    bool is_int = t->id == KO_ICE_INT;
    ki_reason r = need_number(src, s, n, is_int ? "int" : "long", f);
    if (r != KI_OK)
        return r;
    exact e;
    parse_exact(s, n, &e);
    i128 v;
    exact_res x = exact_scaled(&e, 0, 20, &v);
    i128 lo = is_int ? INT32_MIN : INT64_MIN, hi = is_int ? INT32_MAX : INT64_MAX;
    if (x == EX_FRACTION)
        return ki_failf(f, KI_NOT_INTEGRAL, "%.*s is not integral", (int)(n > 40 ? 40 : n), s);
    if (x == EX_RANGE || v < lo || v > hi)
        return ki_failf(f, KI_OUT_OF_RANGE, "%.*s is out of range for %s", (int)(n > 40 ? 40 : n),
                        s, is_int ? "int" : "long");
    *len = is_int ? 4 : 8;
    put_le(out, (uint64_t)(int64_t)v, *len);
    return KI_OK;
}

static bool special_float(const char *s, size_t n, double *out)
{
    if (n == 3 && memcmp(s, "NaN", 3) == 0)
        *out = NAN;
    else if (n == 8 && memcmp(s, "Infinity", 8) == 0)
        *out = INFINITY;
    else if (n == 9 && memcmp(s, "-Infinity", 9) == 0)
        *out = -INFINITY;
    else
        return false;
    return true;
}

static ki_reason to_float(const ko_ice_type *t, ki_src src, const char *s, size_t n,
                          uint8_t out[16], size_t *len, ki_fail *f)
{
    bool dbl = t->id == KO_ICE_DOUBLE;
    double d = 0;
    if ((src == KI_SRC_STR || src == KI_SRC_TEXT) && special_float(s, n, &d)) {
        /* NaN and infinities, spelled as ingest.h says */
    } else {
        ki_reason r = need_number(src, s, n, dbl ? "double" : "float", f);
        if (r != KI_OK)
            return r;
        char buf[512];
        if (n >= sizeof buf)
            return ki_failf(f, KI_VALUE_TOO_LONG, "number text longer than %zu bytes",
                            sizeof buf - 1);
        memcpy(buf, s, n);
        buf[n] = '\0';
        d = dbl ? strtod(buf, NULL) : (double)strtof(buf, NULL);
        if (isinf(d))
            return ki_failf(f, KI_OUT_OF_RANGE, "%s is out of range for %s", buf,
                            dbl ? "double" : "float");
    }
    if (dbl) {
        memcpy(out, &d, 8);
        *len = 8;
    } else {
        float fl = (float)d;
        memcpy(out, &fl, 4);
        *len = 4;
    }
    return KI_OK;
}

static ki_reason to_decimal(const ko_ice_type *t, ko_pq_type phys, int32_t tl, ki_src src,
                            const char *s, size_t n, uint8_t out[16], size_t *len, ki_fail *f)
{
    ki_reason r = need_number(src, s, n, "decimal", f);
    if (r != KI_OK)
        return r;
    exact e;
    parse_exact(s, n, &e);
    i128 v;
    exact_res x = exact_scaled(&e, t->scale, t->precision, &v);
    int w = (int)(n > 40 ? 40 : n);
    if (x == EX_FRACTION)
        return ki_failf(f, KI_DECIMAL_SCALE, "%.*s has more than %d fractional digits", w, s,
                        (int)t->scale);
    if (x == EX_RANGE)
        return ki_failf(f, KI_OUT_OF_RANGE, "%.*s does not fit decimal(%d,%d)", w, s,
                        (int)t->precision, (int)t->scale);
    if (phys == KO_PQ_INT32 || phys == KO_PQ_INT64) {
        *len = phys == KO_PQ_INT32 ? 4 : 8;
        put_le(out, (uint64_t)(int64_t)v, *len);
        return KI_OK;
    }
    if (tl <= 0 || tl > 16)
        return ki_failf(f, KI_INVALID_VALUE, "unsupported decimal width %d", (int)tl);
    for (int32_t i = 0; i < tl; i++) /* big-endian two's complement */
        out[tl - 1 - i] = (uint8_t)((unsigned __int128)v >> (8 * i));
    *len = (size_t)tl;
    return KI_OK;
}

static ki_reason to_bool(ki_src src, const char *s, size_t n, uint8_t out[16], size_t *len,
                         ki_fail *f)
{
    *len = 1;
    if (src == KI_SRC_BOOL) {
        out[0] = s[0] == 't';
        return KI_OK;
    }
    if (src != KI_SRC_TEXT)
        return ki_failf(f, KI_WRONG_TYPE, "a %s is not a boolean",
                        src == KI_SRC_NUM ? "number" : "string");
    static const char *const yes[] = {"true", "t", "1"}, *const no[] = {"false", "f", "0"};
    for (size_t i = 0; i < 3; i++) {
        if (strlen(yes[i]) == n && strncasecmp(s, yes[i], n) == 0)
            return out[0] = 1, KI_OK;
        if (strlen(no[i]) == n && strncasecmp(s, no[i], n) == 0)
            return out[0] = 0, KI_OK;
    }
    return bad_text(f, s, n, "a boolean (true, false, t, f, 1, 0)");
}

/* ---------------------------------------------------------- dates, times */

static int dig(const char *s, size_t at, size_t count)
{
    int v = 0;
    for (size_t i = 0; i < count; i++) {
        if (!is_digit(s[at + i]))
            return -1;
        v = v * 10 + (s[at + i] - '0');
    }
    return v;
}

static bool parse_date(const char *s, size_t n, int64_t *days)
{
    if (n != 10 || s[4] != '-' || s[7] != '-')
        return false;
    int y = dig(s, 0, 4), m = dig(s, 5, 2), d = dig(s, 8, 2);
    if (y < 0 || m < 1 || m > 12 || d < 1)
        return false;
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (d > mdays[m - 1] + (m == 2 && leap))
        return false;
    *days = ko_days_from_civil(y, (unsigned)m, (unsigned)d);
    return true;
}

/* "HH:MM:SS[.f{1,6}]" -> microseconds. */
static bool parse_time(const char *s, size_t n, int64_t *us)
{
    if (n < 8 || s[2] != ':' || s[5] != ':')
        return false;
    int h = dig(s, 0, 2), m = dig(s, 3, 2), sec = dig(s, 6, 2);
    if (h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 59)
        return false;
    int64_t frac = 0;
    if (n > 8) {
        if (s[8] != '.' || n == 9 || n > 15)
            return false;
        int64_t scale = 100000;
        for (size_t i = 9; i < n; i++, scale /= 10) {
            if (!is_digit(s[i]))
                return false;
            frac += (s[i] - '0') * scale;
        }
    }
    *us = ((int64_t)h * 3600 + (int64_t)m * 60 + sec) * 1000000 + frac;
    return true;
}

/* Fraction digits and zone of an ISO-8601 timestamp text (after the date
 * part, index 10 on). */
static void ts_shape(const char *s, size_t n, size_t *frac_at, size_t *frac_digits, bool *zone)
{
    *frac_at = 0;
    *frac_digits = 0;
    *zone = false;
    for (size_t i = 10; i < n; i++) {
        if (s[i] == '.' && !*frac_at) {
            *frac_at = i + 1;
            while (*frac_at + *frac_digits < n && is_digit(s[*frac_at + *frac_digits]))
                (*frac_digits)++;
        }
        if (s[i] == 'Z' || s[i] == 'z' || s[i] == '+' || s[i] == '-')
            *zone = true;
    }
}

static ki_reason to_timestamp(const ko_ice_type *t, const char *s, size_t n, uint8_t out[16],
                              size_t *len, ki_fail *f)
{
    bool tz = t->id == KO_ICE_TIMESTAMPTZ || t->id == KO_ICE_TIMESTAMPTZ_NS;
    bool ns = t->id == KO_ICE_TIMESTAMP_NS || t->id == KO_ICE_TIMESTAMPTZ_NS;
    size_t frac_at, frac_digits;
    bool zone;
    if (n < 10)
        return bad_text(f, s, n, "an ISO-8601 timestamp");
    ts_shape(s, n, &frac_at, &frac_digits, &zone);
    if (zone && !tz)
        return ki_failf(f, KI_INVALID_VALUE,
                        "'%.*s' has a time zone; a timestamp without zone takes none",
                        (int)(n > 60 ? 60 : n), s);
    if (frac_digits > (ns ? 9u : 6u))
        return ki_failf(f, KI_INVALID_VALUE, "'%.*s' has more than %d fraction digits",
                        (int)(n > 60 ? 60 : n), s, ns ? 9 : 6);
    int64_t us;
    if (ko_time_parse(s, n, &us, NULL) != KO_OK)
        return bad_text(f, s, n, "an ISO-8601 timestamp");
    int64_t v = us;
    if (ns) {
        int64_t extra = 0;
        for (size_t i = 6; i < 9; i++)
            extra = extra * 10 + (i < frac_digits ? s[frac_at + i] - '0' : 0);
        if (us > INT64_MAX / 1000 || us < INT64_MIN / 1000)
            return ki_failf(f, KI_OUT_OF_RANGE, "'%.*s' is out of range for nanoseconds",
                            (int)(n > 60 ? 60 : n), s);
        v = us * 1000 + extra; /* the fraction counts forward, also before 1970 */
    }
    put_le(out, (uint64_t)v, 8);
    *len = 8;
    return KI_OK;
}

/* ----------------------------------------------------------- byte values */

static int b64v(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* Standard padded base64 into scratch (reset first). */
static bool base64_decode(const char *s, size_t n, ko_buf *out)
{
    ko_buf_reset(out);
    if (n % 4 || ko_buf_reserve(out, n / 4 * 3 + 1) != KO_OK)
        return false;
    for (size_t i = 0; i < n; i += 4) {
        int v[4];
        int pad = 0;
        for (int k = 0; k < 4; k++) {
            char c = s[i + (size_t)k];
            bool last = i + 4 == n;
            if (c == '=' && last && k >= 2 && (k == 3 || s[i + 3] == '=')) {
                v[k] = 0;
                pad++;
                continue;
            }
            v[k] = b64v(c);
            if (v[k] < 0 || pad)
                return false;
        }
        uint32_t w =
            (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
        uint8_t b[3] = {(uint8_t)(w >> 16), (uint8_t)(w >> 8), (uint8_t)w};
        memcpy(out->data + out->len, b, (size_t)(3 - pad));
        out->len += (size_t)(3 - pad);
    }
    return true;
}

static ki_reason to_bytes(const ko_ice_type *t, ki_src src, const char *s, size_t n,
                          size_t max_value, const uint8_t **bytes, size_t *len, ko_buf *scratch,
                          ki_fail *f)
{
    ki_reason r = need_text(src, ko_ice_type_name(t->id), f);
    if (r != KI_OK)
        return r;
    if (n / 4 * 3 > max_value)
        return ki_failf(f, KI_VALUE_TOO_LONG, "value of %zu bytes exceeds the limit of %zu",
                        n / 4 * 3, max_value);
    if (!base64_decode(s, n, scratch))
        return bad_text(f, s, n, "base64");
    if (t->id == KO_ICE_FIXED && scratch->len != (size_t)t->length)
        return ki_failf(f, KI_INVALID_VALUE, "%zu bytes given for fixed[%d]", scratch->len,
                        (int)t->length);
    *bytes = scratch->data ? scratch->data : (const uint8_t *)"";
    *len = scratch->len;
    return KI_OK;
}

static ki_reason to_string(ki_src src, const char *s, size_t n, size_t max_value,
                           const uint8_t **bytes, size_t *len, ki_fail *f)
{
    ki_reason r = need_text(src, "string", f);
    if (r != KI_OK)
        return r;
    if (n > max_value)
        return ki_failf(f, KI_VALUE_TOO_LONG, "string of %zu bytes exceeds the limit of %zu", n,
                        max_value);
    size_t bad = 0;
    if (src == KI_SRC_TEXT && !ki_utf8_valid((const uint8_t *)s, n, &bad))
        return ki_failf(f, KI_INVALID_UTF8, "invalid UTF-8 at byte %zu of the value", bad);
    *bytes = (const uint8_t *)s;
    *len = n;
    return KI_OK;
}

/* ------------------------------------------------------------- dispatch */

static ki_reason to_textual(const ko_ice_type *t, ki_src src, const char *s, size_t n,
                            uint8_t out[16], size_t *len, ki_fail *f)
{
    ki_reason r = need_text(src, ko_ice_type_name(t->id), f);
    if (r != KI_OK)
        return r;
    int64_t v;
    ko_uuid u;
    switch (t->id) {
    case KO_ICE_DATE:
        if (!parse_date(s, n, &v))
            return bad_text(f, s, n, "a date (YYYY-MM-DD)");
        put_le(out, (uint64_t)v, 4);
        *len = 4;
        return KI_OK;
    case KO_ICE_TIME:
        if (!parse_time(s, n, &v))
            return bad_text(f, s, n, "a time (HH:MM:SS[.ffffff])");
        put_le(out, (uint64_t)v, 8);
        *len = 8;
        return KI_OK;
    case KO_ICE_UUID: {
        char buf[KO_UUID_STR_LEN + 1];
        if (n != KO_UUID_STR_LEN)
            return bad_text(f, s, n, "a UUID");
        memcpy(buf, s, n);
        buf[n] = '\0';
        if (ko_uuid_parse(buf, &u, NULL) != KO_OK)
            return bad_text(f, s, n, "a UUID");
        memcpy(out, u.b, 16);
        *len = 16;
        return KI_OK;
    }
    default:
        return to_timestamp(t, s, n, out, len, f);
    }
}

ki_reason ki_coerce(const ko_ice_type *t, ko_pq_type phys, int32_t type_length, ki_src src,
                    const char *s, size_t n, size_t max_value, uint8_t out[16],
                    const uint8_t **bytes, size_t *out_len, ko_buf *scratch, ki_fail *f)
{
    *bytes = NULL;
    switch (t->id) {
    case KO_ICE_BOOLEAN:
        return to_bool(src, s, n, out, out_len, f);
    case KO_ICE_INT:
    case KO_ICE_LONG:
        return to_integer(t, src, s, n, out, out_len, f);
    case KO_ICE_FLOAT:
    case KO_ICE_DOUBLE:
        return to_float(t, src, s, n, out, out_len, f);
    case KO_ICE_DECIMAL:
        return to_decimal(t, phys, type_length, src, s, n, out, out_len, f);
    case KO_ICE_STRING:
        return to_string(src, s, n, max_value, bytes, out_len, f);
    case KO_ICE_BINARY:
    case KO_ICE_FIXED:
        return to_bytes(t, src, s, n, max_value, bytes, out_len, scratch, f);
    case KO_ICE_DATE:
    case KO_ICE_TIME:
    case KO_ICE_UUID:
    case KO_ICE_TIMESTAMP:
    case KO_ICE_TIMESTAMPTZ:
    case KO_ICE_TIMESTAMP_NS:
    case KO_ICE_TIMESTAMPTZ_NS:
        return to_textual(t, src, s, n, out, out_len, f);
    default:
        return ki_failf(f, KI_WRONG_TYPE, "a primitive value for a %s column",
                        ko_ice_type_name(t->id));
    }
}
