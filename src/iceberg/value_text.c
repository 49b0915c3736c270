/*
 * value_text.c - values as text: Appendix D's JSON single-value form (used
 * for field defaults) and the human-readable form of partition paths.
 *
 * Both follow what the Java implementation writes, since other engines
 * compare against it:
 *   JSON   dates "2017-11-16"; times and timestamps in ISO local form with
 *          the fraction's trailing zeros dropped ("22:31:08.1"); tz types
 *          end in "+00:00"; decimals in plain notation with exactly the
 *          type's scale; fixed and binary as hex.
 *   human  like JSON for dates and timestamps, times as LocalTime prints
 *          them ("22:31", fractions in groups of three digits), binary as
 *          base64, decimals as BigDecimal.toString, floats as
 *          Float/Double.toString.
 * Dates use the proleptic Gregorian calendar of base/time.c; values before
 * 1970 round down (floor division) everywhere.
 */
#include "iceberg/iceberg.h"

#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__extension__ typedef __int128 i128;
__extension__ typedef unsigned __int128 u128;

#define NS_PER_US  INT64_C(1000)
#define NS_PER_SEC INT64_C(1000000000)
#define NS_PER_DAY (INT64_C(86400) * NS_PER_SEC)

enum { TEXT_MAX = 96 };

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/* -------------------------------------------------------- dates and times */

static void fmt_date(int64_t days, char *out, size_t cap)
{
    int64_t y;
    unsigned m, d;
    ko_civil_from_days(days, &y, &m, &d);
    if (y >= 0 && y <= 9999)
        snprintf(out, cap, "%04" PRId64 "-%02u-%02u", y, m, d);
    else
        snprintf(out, cap, "%c%04" PRId64 "-%02u-%02u", y < 0 ? '-' : '+', y < 0 ? -y : y, m, d);
}

/* ISO fraction: '.' and the digits without trailing zeros; nothing for 0. */
static void fmt_frac_iso(int64_t ns, char *out, size_t cap)
{
    out[0] = '\0';
    if (ns == 0)
        return;
    int digits = 9;
    while (ns % 10 == 0) {
        ns /= 10;
        digits--;
    }
    snprintf(out, cap, ".%0*" PRId64, digits, ns);
}

/* java.time.LocalTime.toString: fraction in groups of 3, 6 or 9 digits. */
static void fmt_frac_java(int64_t ns, char *out, size_t cap)
{
    out[0] = '\0';
    if (ns == 0)
        return;
    if (ns % 1000000 == 0)
        snprintf(out, cap, ".%03" PRId64, ns / 1000000);
    else if (ns % 1000 == 0)
        snprintf(out, cap, ".%06" PRId64, ns / 1000);
    else
        snprintf(out, cap, ".%09" PRId64, ns);
}

static void fmt_time(int64_t ns_of_day, bool java_local, char *out, size_t cap)
{
    int64_t secs = ns_of_day / NS_PER_SEC, ns = ns_of_day % NS_PER_SEC;
    int h = (int)(secs / 3600), m = (int)(secs / 60 % 60), s = (int)(secs % 60);
    char frac[16];
    if (java_local && s == 0 && ns == 0) {
        snprintf(out, cap, "%02d:%02d", h, m);
        return;
    }
    if (java_local)
        fmt_frac_java(ns, frac, sizeof frac);
    else
        fmt_frac_iso(ns, frac, sizeof frac);
    snprintf(out, cap, "%02d:%02d:%02d%s", h, m, s, frac);
}

static void fmt_timestamp(int64_t ns_since_epoch_day_part, int64_t days, bool tz, char *out,
                          size_t cap)
{
    char date[32], time[32];
    fmt_date(days, date, sizeof date);
    fmt_time(ns_since_epoch_day_part, false, time, sizeof time);
    snprintf(out, cap, "%sT%s%s", date, time, tz ? "+00:00" : "");
}

/* Text of a DATE/TIME/TIMESTAMP* value (iso: JSON form, else human). */
static void fmt_temporal(const ko_ice_value *v, bool java_time, char *out, size_t cap)
{
    bool nanos = v->type == KO_ICE_TIMESTAMP_NS || v->type == KO_ICE_TIMESTAMPTZ_NS;
    bool tz = v->type == KO_ICE_TIMESTAMPTZ || v->type == KO_ICE_TIMESTAMPTZ_NS;
    if (v->type == KO_ICE_DATE) {
        fmt_date(v->i, out, cap);
    } else if (v->type == KO_ICE_TIME) {
        int64_t us = v->i % (INT64_C(86400) * 1000000);
        fmt_time((us < 0 ? us + INT64_C(86400) * 1000000 : us) * NS_PER_US, java_time, out, cap);
    } else {
        int64_t per_day = nanos ? NS_PER_DAY : NS_PER_DAY / NS_PER_US;
        int64_t days = floor_div(v->i, per_day);
        int64_t rest = v->i - days * per_day;
        fmt_timestamp(nanos ? rest : rest * NS_PER_US, days, tz, out, cap);
    }
}

static bool read_digits(const char **pp, int min, int max, int64_t *out)
{
    const char *p = *pp;
    int64_t v = 0;
    int n = 0;
    while (n < max && isdigit((unsigned char)p[n])) {
        v = v * 10 + (p[n] - '0');
        n++;
    }
    if (n < min)
        return false;
    *out = v;
    *pp = p + n;
    return true;
}

static bool expect(const char **pp, char c)
{
    if (**pp != c)
        return false;
    (*pp)++;
    return true;
}

static bool parse_date(const char **pp, int64_t *days)
{
    const char *p = *pp;
    int sign = 1;
    if (*p == '+' || *p == '-')
        sign = *p++ == '-' ? -1 : 1;
    int64_t y, m, d;
    if (!read_digits(&p, 4, 9, &y) || !expect(&p, '-') || !read_digits(&p, 2, 2, &m) ||
        !expect(&p, '-') || !read_digits(&p, 2, 2, &d))
        return false;
    if (m < 1 || m > 12 || d < 1 || d > 31)
        return false;
    int64_t back_y;
    unsigned back_m, back_d;
    *days = ko_days_from_civil(sign * y, (unsigned)m, (unsigned)d);
    ko_civil_from_days(*days, &back_y, &back_m, &back_d);
    *pp = p;
    return back_d == (unsigned)d; /* rejects February 30th */
}

/* "HH:MM[:SS[.f{1,9}]]" to nanoseconds of the day. */
static bool parse_time(const char **pp, int64_t *ns)
{
    const char *p = *pp;
    int64_t h, m, s = 0, frac = 0;
    if (!read_digits(&p, 2, 2, &h) || !expect(&p, ':') || !read_digits(&p, 2, 2, &m))
        return false;
    if (expect(&p, ':')) {
        if (!read_digits(&p, 2, 2, &s))
            return false;
        if (expect(&p, '.')) {
            const char *f = p;
            if (!read_digits(&p, 1, 9, &frac))
                return false;
            for (long k = p - f; k < 9; k++)
                frac *= 10;
        }
    }
    if (h > 23 || m > 59 || s > 59)
        return false;
    *ns = ((h * 60 + m) * 60 + s) * NS_PER_SEC + frac;
    *pp = p;
    return true;
}

/* "Z" or "+HH:MM[:SS]" to seconds east of UTC. */
static bool parse_zone(const char **pp, int64_t *secs)
{
    const char *p = *pp;
    if (*p == 'Z' || *p == 'z') {
        *secs = 0;
        *pp = p + 1;
        return true;
    }
    if (*p != '+' && *p != '-')
        return false;
    int sign = *p++ == '-' ? -1 : 1;
    int64_t h, m, s = 0;
    if (!read_digits(&p, 2, 2, &h) || !expect(&p, ':') || !read_digits(&p, 2, 2, &m))
        return false;
    if (expect(&p, ':') && !read_digits(&p, 2, 2, &s))
        return false;
    if (h > 18 || m > 59 || s > 59)
        return false;
    *secs = sign * (h * 3600 + m * 60 + s);
    *pp = p;
    return true;
}

/* A timestamp to microseconds or nanoseconds since the epoch; a zone is
 * required for tz types and refused otherwise. */
static bool parse_timestamp(const char *s, bool nanos, bool tz, int64_t *out)
{
    const char *p = s;
    int64_t days, ns, zone = 0;
    if (!parse_date(&p, &days) || !(expect(&p, 'T') || expect(&p, 't')) || !parse_time(&p, &ns))
        return false;
    if (tz != (*p != '\0'))
        return false;
    if (tz && !parse_zone(&p, &zone))
        return false;
    if (*p != '\0')
        return false;
    i128 total = (i128)days * NS_PER_DAY + ns - (i128)zone * NS_PER_SEC;
    if (!nanos)
        total = total >= 0 ? total / NS_PER_US : -((-total + NS_PER_US - 1) / NS_PER_US);
    if (total > INT64_MAX || total < INT64_MIN)
        return false;
    *out = (int64_t)total;
    return true;
}

static bool parse_temporal(ko_ice_type_id t, const char *s, int64_t *out)
{
    const char *p = s;
    int64_t ns;
    switch (t) {
    case KO_ICE_DATE:
        return parse_date(&p, out) && *p == '\0' && *out >= INT32_MIN && *out <= INT32_MAX;
    case KO_ICE_TIME:
        if (!parse_time(&p, &ns) || *p != '\0')
            return false;
        *out = ns / NS_PER_US;
        return true;
    case KO_ICE_TIMESTAMP:
    case KO_ICE_TIMESTAMPTZ:
        return parse_timestamp(s, false, t == KO_ICE_TIMESTAMPTZ, out);
    default:
        return parse_timestamp(s, true, t == KO_ICE_TIMESTAMPTZ_NS, out);
    }
}

/* -------------------------------------------------------------- decimals */

/* The unscaled value's decimal digits (no sign) into out; returns count. */
static int dec_digits(const ko_ice_value *v, bool *negative, char out[48])
{
    i128 x = (i128)(((u128)(uint64_t)v->hi << 64) | (uint64_t)v->i);
    *negative = x < 0;
    u128 u = x < 0 ? (u128)0 - (u128)x : (u128)x;
    char rev[48];
    int n = 0;
    do {
        rev[n++] = (char)('0' + (int)(u % 10));
        u /= 10;
    } while (u);
    for (int k = 0; k < n; k++)
        out[k] = rev[n - 1 - k];
    out[n] = '\0';
    return n;
}

/* gcc cannot see that cap always holds the digits (a decimal has at most 39
 * digits and 40 zeros are the most added) and warns of truncation. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif
/* BigDecimal.toPlainString (plain) or BigDecimal.toString. */
static void fmt_decimal(const ko_ice_value *v, bool plain, char *out, size_t cap)
{
    char d[48], zeros[48];
    bool neg;
    int n = dec_digits(v, &neg, d);
    int scale = v->scale;
    int adjusted = -scale + (n - 1);
    const char *sign = neg ? "-" : "";
    int nz = scale > n ? scale - n : (scale < 0 ? -scale : 0);
    if (nz > 40)
        nz = 40;
    memset(zeros, '0', (size_t)nz);
    zeros[nz] = '\0';
    int w;
    if (!plain && (scale < 0 || adjusted < -6))
        w = snprintf(out, cap, "%s%c%s%sE%s%d", sign, d[0], n > 1 ? "." : "", d + 1,
                     adjusted >= 0 ? "+" : "", adjusted);
    else if (scale <= 0)
        w = snprintf(out, cap, "%s%s%s", sign, d, zeros);
    else if (n > scale)
        w = snprintf(out, cap, "%s%.*s.%s", sign, n - scale, d, d + n - scale);
    else
        w = snprintf(out, cap, "%s0.%s%s", sign, zeros, d);
    (void)w;
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

/* BigDecimal text ("-12.30", "1.5E+3") to an unscaled value and scale. */
static bool parse_decimal(const char *s, ko_ice_value *out)
{
    const char *p = s;
    bool neg = false;
    if (*p == '+' || *p == '-')
        neg = *p++ == '-';
    u128 u = 0;
    int digits = 0, frac = 0;
    bool dot = false;
    for (; isdigit((unsigned char)*p) || (*p == '.' && !dot); p++) {
        if (*p == '.') {
            dot = true;
            continue;
        }
        if (++digits > 38)
            return false;
        u = u * 10 + (u128)(*p - '0');
        frac += dot;
    }
    int64_t exp = 0;
    if (digits == 0)
        return false;
    if (*p == 'e' || *p == 'E') {
        p++;
        int esign = (*p == '-') ? -1 : 1;
        if (*p == '+' || *p == '-')
            p++;
        if (!read_digits(&p, 1, 4, &exp))
            return false;
        exp *= esign;
    }
    if (*p != '\0')
        return false;
    *out = (ko_ice_value){.type = KO_ICE_DECIMAL, .scale = (int32_t)(frac - exp)};
    i128 x = neg ? -(i128)u : (i128)u;
    out->i = (int64_t)(uint64_t)(u128)x;
    out->hi = (int64_t)(uint64_t)((u128)x >> 64);
    return true;
}

/* ----------------------------------------------------------------- bytes */

static void put_hex(ko_buf *b, const uint8_t *p, size_t n, ko_status *st)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t k = 0; k < n && *st == KO_OK; k++) {
        char two[2] = {hex[p[k] >> 4], hex[p[k] & 15]};
        *st = ko_buf_append(b, two, 2);
    }
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)tolower((unsigned char)c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static bool parse_hex(const char *s, size_t n, ko_arena *arena, uint8_t **out)
{
    if (n % 2)
        return false;
    uint8_t *b = ko_arena_alloc(arena, n / 2 + 1);
    if (!b)
        return false;
    for (size_t k = 0; k < n; k += 2) {
        int hi = hex_value(s[k]), lo = hex_value(s[k + 1]);
        if (hi < 0 || lo < 0)
            return false;
        b[k / 2] = (uint8_t)(hi << 4 | lo);
    }
    *out = b;
    return true;
}

static ko_status put_base64(ko_buf *b, const uint8_t *p, size_t n)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    ko_status st = KO_OK;
    for (size_t k = 0; k < n && st == KO_OK; k += 3) {
        uint32_t v = (uint32_t)p[k] << 16;
        if (k + 1 < n)
            v |= (uint32_t)p[k + 1] << 8;
        if (k + 2 < n)
            v |= p[k + 2];
        char q[4] = {tbl[v >> 18], tbl[(v >> 12) & 63], k + 1 < n ? tbl[(v >> 6) & 63] : '=',
                     k + 2 < n ? tbl[v & 63] : '='};
        st = ko_buf_append(b, q, 4);
    }
    return st;
}

/* ---------------------------------------------------------------- floats */

/* The shortest decimal digits of a finite non-zero x that read back to the
 * same float or double (no trailing zeros), and the decimal exponent of
 * the first digit. */
static int shortest_digits(double x, bool is_float, char digits[24])
{
    char e[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(e, sizeof e, "%.*e", prec - 1, x);
        if (is_float ? strtof(e, NULL) == (float)x : strtod(e, NULL) == x)
            break;
    }
    /* e is "[-]d[.ddd]e[+-]NN". */
    int nd = 0;
    const char *p = e + (e[0] == '-');
    for (; *p && *p != 'e'; p++)
        if (isdigit((unsigned char)*p) && nd < 20)
            digits[nd++] = *p;
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    digits[nd] = '\0';
    return *p ? (int)strtol(p + 1, NULL, 10) : 0;
}

/* digits * 10^exp in plain notation with at least one fraction digit. */
static void fmt_plain(const char *digits, int exp, char *out, size_t cap)
{
    int nd = (int)strlen(digits);
    if (exp < 0) {
        snprintf(out, cap, "0.%.*s%s", -exp - 1, "000000", digits);
        return;
    }
    int ip = exp + 1;
    snprintf(out, cap, "%.*s%.*s.%s", ip < nd ? ip : nd, digits, ip > nd ? ip - nd : 0,
             "0000000000", ip < nd ? digits + ip : "0");
}

/* Java's Float.toString / Double.toString: the shortest digits that read
 * back to the same value, plain for 1e-3 <= |x| < 1e7, else d.dddE[-]n. */
static void fmt_java_float(double x, bool is_float, char *out, size_t cap)
{
    const char *sign = signbit(x) && !isnan(x) ? "-" : "";
    if (isnan(x) || isinf(x)) {
        snprintf(out, cap, "%s", isnan(x) ? "NaN" : (x < 0 ? "-Infinity" : "Infinity"));
        return;
    }
    if (x == 0) {
        snprintf(out, cap, "%s0.0", sign);
        return;
    }
    char digits[24] = {0}, body[64];
    int exp = shortest_digits(x, is_float, digits);
    if (fabs(x) >= 1e-3 && fabs(x) < 1e7)
        fmt_plain(digits, exp, body, sizeof body);
    else
        snprintf(body, sizeof body, "%c.%sE%d", digits[0], digits[1] ? digits + 1 : "0", exp);
    snprintf(out, cap, "%s%s", sign, body);
}

/* ------------------------------------------------------------------ JSON */

static ko_status temporal_or_decimal_json(const ko_ice_value *v, json_t **out)
{
    char text[TEXT_MAX];
    if (v->type == KO_ICE_DECIMAL)
        fmt_decimal(v, true, text, sizeof text);
    else
        fmt_temporal(v, false, text, sizeof text);
    *out = json_string(text);
    return KO_OK;
}

static json_t *bytes_json(const ko_ice_value *v)
{
    if (v->type == KO_ICE_STRING)
        return json_stringn((const char *)v->bytes, v->len);
    if (v->type == KO_ICE_UUID) {
        char s[KO_UUID_STR_LEN + 1];
        ko_uuid u;
        memcpy(u.b, v->bytes, 16);
        ko_uuid_format(&u, s);
        return json_string(s);
    }
    ko_buf b = {0};
    ko_status st = ko_buf_reserve(&b, 1);
    put_hex(&b, v->bytes, v->len, &st);
    json_t *j = st == KO_OK ? json_stringn((const char *)b.data, b.len) : NULL;
    ko_buf_free(&b);
    return j;
}

ko_status ko_ice_value_to_json(const ko_ice_type *t, const ko_ice_value *v, json_t **out,
                               ko_err *err)
{
    ko_status st = ko_ice_value_check(t, v, err);
    if (st != KO_OK)
        return st;
    *out = NULL;
    if (v->is_null)
        *out = json_null();
    else if (t->id == KO_ICE_BOOLEAN)
        *out = json_boolean(v->i);
    else if (t->id == KO_ICE_INT || t->id == KO_ICE_LONG)
        *out = json_integer(v->i);
    else if (t->id == KO_ICE_FLOAT || t->id == KO_ICE_DOUBLE) {
        if (!isfinite(v->d))
            return ko_err_set(err, KO_ERR_INVALID, "JSON cannot hold the %s value %g",
                              ko_ice_type_name(t->id), v->d);
        *out = json_real(v->d);
    } else if (t->id >= KO_ICE_DECIMAL && t->id <= KO_ICE_TIMESTAMPTZ_NS)
        temporal_or_decimal_json(v, out);
    else
        *out = bytes_json(v);
    return *out ? KO_OK : ko_err_set(err, KO_ERR_NOMEM, "out of memory writing a value");
}

static ko_status bad_json(const ko_ice_type *t, const json_t *j, const char *why, ko_err *err)
{
    char name[KO_ICE_TYPE_STR_MAX];
    ko_ice_type_format(t, name);
    char *text = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
    ko_err_set(err, KO_ERR_INVALID, "cannot read %.80s as a %s value%s%s", text ? text : "(JSON)",
               name, why ? ": " : "", why ? why : "");
    free(text);
    return KO_ERR_INVALID;
}

static ko_status number_from_json(const ko_ice_type *t, const json_t *j, ko_ice_value *out,
                                  ko_err *err)
{
    *out = (ko_ice_value){.type = t->id};
    if (t->id == KO_ICE_BOOLEAN) {
        if (!json_is_boolean(j))
            return bad_json(t, j, NULL, err);
        out->i = json_is_true(j);
    } else if (t->id == KO_ICE_INT || t->id == KO_ICE_LONG) {
        if (!json_is_integer(j))
            return bad_json(t, j, NULL, err);
        out->i = (int64_t)json_integer_value(j);
        if (t->id == KO_ICE_INT && (out->i < INT32_MIN || out->i > INT32_MAX))
            return bad_json(t, j, "out of range", err);
    } else {
        if (!json_is_number(j))
            return bad_json(t, j, NULL, err);
        out->d = json_number_value(j);
    }
    return KO_OK;
}

static ko_status text_from_json(const ko_ice_type *t, const json_t *j, ko_arena *arena,
                                ko_ice_value *out, ko_err *err)
{
    const char *s = json_string_value(j);
    size_t n = json_string_length(j);
    *out = (ko_ice_value){.type = t->id};
    if (t->id == KO_ICE_STRING) {
        *out = ko_ice_value_bytes(KO_ICE_STRING, s, n);
    } else if (t->id == KO_ICE_UUID) {
        ko_uuid u;
        uint8_t *b = ko_arena_alloc(arena, 16);
        if (!b)
            return ko_err_set(err, KO_ERR_NOMEM, "out of memory reading a value");
        if (ko_uuid_parse(s, &u, NULL) != KO_OK)
            return bad_json(t, j, NULL, err);
        memcpy(b, u.b, 16);
        *out = ko_ice_value_bytes(KO_ICE_UUID, b, 16);
    } else if (t->id == KO_ICE_DECIMAL) {
        if (!parse_decimal(s, out))
            return bad_json(t, j, NULL, err);
        if (out->scale != t->scale)
            return bad_json(t, j, "the scale does not match", err);
    } else if (t->id == KO_ICE_FIXED || t->id == KO_ICE_BINARY) {
        uint8_t *b = NULL;
        if (!parse_hex(s, n, arena, &b))
            return bad_json(t, j, "not hexadecimal", err);
        *out = ko_ice_value_bytes(t->id, b, n / 2);
    } else if (!parse_temporal(t->id, s, &out->i)) {
        return bad_json(t, j, NULL, err);
    }
    ko_err why = {0};
    if (ko_ice_value_check(t, out, &why) != KO_OK)
        return bad_json(t, j, why.msg, err);
    return KO_OK;
}

ko_status ko_ice_value_from_json(const ko_ice_type *t, const json_t *j, ko_arena *arena,
                                 ko_ice_value *out, ko_err *err)
{
    if (!ko_ice_type_is_primitive(t))
        return ko_err_set(err, KO_ERR_INVALID, "%s has no single values", ko_ice_type_name(t->id));
    if (json_is_null(j)) {
        *out = ko_ice_value_null(t->id);
        return KO_OK;
    }
    if (t->id <= KO_ICE_DOUBLE)
        return number_from_json(t, j, out, err);
    if (!json_is_string(j))
        return bad_json(t, j, "a string is expected", err);
    return text_from_json(t, j, arena, out, err);
}

/* ----------------------------------------------------------------- human */

/* Text of a value of a type whose human form is short. */
static void human_scalar(const ko_ice_type *t, const ko_ice_value *v, char *text, size_t cap)
{
    if (t->id == KO_ICE_BOOLEAN) {
        snprintf(text, cap, "%s", v->i ? "true" : "false");
    } else if (t->id == KO_ICE_INT || t->id == KO_ICE_LONG) {
        snprintf(text, cap, "%" PRId64, v->i);
    } else if (t->id == KO_ICE_FLOAT || t->id == KO_ICE_DOUBLE) {
        fmt_java_float(v->d, t->id == KO_ICE_FLOAT, text, cap);
    } else if (t->id == KO_ICE_DECIMAL) {
        fmt_decimal(v, false, text, cap);
    } else if (t->id == KO_ICE_UUID) {
        ko_uuid u;
        memcpy(u.b, v->bytes, 16);
        ko_uuid_format(&u, text);
    } else {
        fmt_temporal(v, true, text, cap);
    }
}

ko_status ko_ice_value_human(const ko_ice_type *t, const ko_ice_value *v, ko_buf *out, ko_err *err)
{
    ko_status st = v->is_null ? KO_OK : ko_ice_value_check(t, v, err);
    if (st != KO_OK)
        return st;
    char text[TEXT_MAX];
    if (v->is_null) {
        st = ko_buf_append_str(out, "null");
    } else if (t->id == KO_ICE_STRING) {
        st = ko_buf_append(out, v->bytes ? (const void *)v->bytes : "", v->len);
    } else if (t->id == KO_ICE_BINARY || t->id == KO_ICE_FIXED) {
        st = put_base64(out, v->bytes, v->len);
    } else {
        human_scalar(t, v, text, sizeof text);
        st = ko_buf_append_str(out, text);
    }
    return st == KO_OK ? KO_OK : ko_err_set(err, st, "out of memory formatting a value");
}
