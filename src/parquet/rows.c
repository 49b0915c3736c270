/*
 * rows.c - records out of Dremel columns, as JSON lines or CSV.
 *
 * Tools (korolev parquet cat, ingest previews, tests) want records, while
 * the reader produces columns: per leaf, a repetition and a definition
 * level for every entry and the non-null values packed densely.  This file
 * turns the second into the first with the record assembly of the Dremel
 * paper, done recursively over the schema tree with one cursor per leaf:
 *
 *   field F inside one instance of its parent: look at the next entry of
 *   the first leaf under F.  If F is optional or repeated and that entry's
 *   definition level is below F's, F is null (optional) or an empty list
 *   (repeated), and every leaf under F consumes exactly one entry.  Else a
 *   repeated F emits instances while the first leaf's next entry repeats at
 *   F's level (the first instance starts at the current entry); a group
 *   instance emits its children in order, and a leaf emits its next value.
 *
 * Every instance consumes at least one entry of its first leaf and cursors
 * only move forward, so assembly ends on any input; every cursor is checked
 * against its column's length, and columns are validated when they become
 * current (level ranges, value counts, byte-array offsets), so malformed
 * levels give KO_ERR_CORRUPT instead of reads outside the buffers.
 *
 * What a node looks like in JSON is decided once, when the cursor opens:
 * nodes get a kind (leaf, struct, LIST, the middle group of a 3-level list,
 * MAP, and the two forms of a map's key-value group), and leaves get a value
 * format from their logical type, their converted type or, failing both,
 * their physical type.  The per-value work is then a switch and a formatter.
 */
#include "parquet/parquet.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    JULIAN_EPOCH = 2440588,   /* Julian day number of 1970-01-01 */
    MAX_DECIMAL_BYTES = 4096, /* longer decimals are shown as base64 */
    TEXT_MAX = 96,            /* room for any date, time, number or UUID text */
};

/* ============================================================ values */

typedef enum vkind {
    V_NULL, /* UNKNOWN: always null */
    V_BOOL,
    V_I32,
    V_U32,
    V_I64,
    V_U64,
    V_FLOAT,
    V_DOUBLE,
    V_F16,
    V_DATE,
    V_TIME,
    V_TS,
    V_INT96,
    V_DEC,
    V_STRING,
    V_UUID,
    V_INTERVAL,
    V_BINARY,
} vkind;

/* How the values of one leaf are written. */
typedef struct vfmt {
    vkind kind;
    ko_pq_type type;
    int32_t type_length;
    int32_t scale;        /* V_DEC */
    ko_pq_time_unit unit; /* V_TIME, V_TS */
    bool utc;             /* V_TIME, V_TS: append "+00" */
} vfmt;

/* Whether kind k can format values of physical type t. */
static bool fits(vkind k, ko_pq_type t, int32_t len)
{
    switch (k) {
    case V_STRING:
    case V_BINARY:
        return t == KO_PQ_BYTE_ARRAY || t == KO_PQ_FIXED_LEN_BYTE_ARRAY;
    case V_DEC:
        return t == KO_PQ_INT32 || t == KO_PQ_INT64 || t == KO_PQ_BYTE_ARRAY ||
               t == KO_PQ_FIXED_LEN_BYTE_ARRAY;
    case V_DATE:
    case V_I32:
    case V_U32:
        return t == KO_PQ_INT32;
    case V_TIME:
        return t == KO_PQ_INT32 || t == KO_PQ_INT64;
    case V_TS:
    case V_I64:
    case V_U64:
        return t == KO_PQ_INT64;
    case V_UUID:
        return t == KO_PQ_FIXED_LEN_BYTE_ARRAY && len == 16;
    case V_F16:
        return t == KO_PQ_FIXED_LEN_BYTE_ARRAY && len == 2;
    case V_INTERVAL:
        return t == KO_PQ_FIXED_LEN_BYTE_ARRAY && len == 12;
    default:
        return true;
    }
}

static vkind physical_kind(ko_pq_type t)
{
    static const vkind kinds[] = {V_BOOL,  V_I32,    V_I64,    V_INT96,
                                  V_FLOAT, V_DOUBLE, V_BINARY, V_BINARY};
    return (unsigned)t < KO_ARRAY_LEN(kinds) ? kinds[t] : V_BINARY;
}

/* The kind a LogicalType asks for (V_BINARY when it says nothing). */
static vkind logical_kind(const ko_pq_logical *lt, ko_pq_type t, vfmt *f)
{
    switch (lt->kind) {
    case KO_PQ_LT_STRING:
    case KO_PQ_LT_ENUM:
    case KO_PQ_LT_JSON:
        return V_STRING;
    case KO_PQ_LT_DECIMAL:
        f->scale = lt->scale;
        return V_DEC;
    case KO_PQ_LT_DATE:
        return V_DATE;
    case KO_PQ_LT_TIME:
    case KO_PQ_LT_TIMESTAMP:
        f->unit = lt->unit;
        f->utc = lt->utc;
        return lt->kind == KO_PQ_LT_TIME ? V_TIME : V_TS;
    case KO_PQ_LT_INTEGER:
        if (t == KO_PQ_INT64)
            return lt->is_signed ? V_I64 : V_U64;
        return lt->is_signed ? V_I32 : V_U32;
    case KO_PQ_LT_UNKNOWN:
        return V_NULL;
    case KO_PQ_LT_UUID:
        return V_UUID;
    case KO_PQ_LT_FLOAT16:
        return V_F16;
    default:
        return V_BINARY;
    }
}

/* The kind a ConvertedType asks for (V_BINARY when it says nothing).
 * Converted timestamps are not marked UTC: DuckDB reads them as local. */
static vkind converted_kind(const ko_pq_schema_element *el, vfmt *f)
{
    switch (el->converted) {
    case KO_PQ_CT_UTF8:
    case KO_PQ_CT_ENUM:
    case KO_PQ_CT_JSON:
        return V_STRING;
    case KO_PQ_CT_DECIMAL:
        f->scale = el->scale;
        return V_DEC;
    case KO_PQ_CT_DATE:
        return V_DATE;
    case KO_PQ_CT_TIME_MILLIS:
    case KO_PQ_CT_TIMESTAMP_MILLIS:
        f->unit = KO_PQ_MILLIS;
        return el->converted == KO_PQ_CT_TIME_MILLIS ? V_TIME : V_TS;
    case KO_PQ_CT_TIME_MICROS:
    case KO_PQ_CT_TIMESTAMP_MICROS:
        f->unit = KO_PQ_MICROS;
        return el->converted == KO_PQ_CT_TIME_MICROS ? V_TIME : V_TS;
    case KO_PQ_CT_UINT_8:
    case KO_PQ_CT_UINT_16:
    case KO_PQ_CT_UINT_32:
        return V_U32;
    case KO_PQ_CT_UINT_64:
        return V_U64;
    case KO_PQ_CT_INTERVAL:
        return V_INTERVAL;
    default:
        return V_BINARY;
    }
}

static bool kind_ok(vkind k, const vfmt *f)
{
    if (k == V_DEC && (f->scale < 0 || f->scale > 1000))
        return false;
    if ((k == V_TIME || k == V_TS) && (f->unit < KO_PQ_MILLIS || f->unit > KO_PQ_NANOS))
        return false;
    return k != V_BINARY && fits(k, f->type, f->type_length);
}

static vfmt classify(const ko_pq_schema_element *el)
{
    vfmt f = {.type = el->type, .type_length = el->type_length};
    vkind k = logical_kind(&el->logical, el->type, &f);
    if (k == V_NULL)
        return f.kind = V_NULL, f;
    if (kind_ok(k, &f))
        return f.kind = k, f;
    f.utc = false;
    k = converted_kind(el, &f);
    if (kind_ok(k, &f))
        return f.kind = k, f;
    f.kind = physical_kind(el->type);
    return f;
}

/* ------------------------------------------------------------ helpers */

static ko_status put(ko_buf *b, const void *p, size_t n)
{
    return ko_buf_append(b, p, n);
}

static ko_status put_c(ko_buf *b, char c)
{
    return ko_buf_append(b, &c, 1);
}

static ko_status put_quoted(ko_buf *b, const char *s, size_t n, bool raw)
{
    if (raw)
        return put(b, s, n);
    ko_status st = put_c(b, '"');
    if (st == KO_OK)
        st = put(b, s, n);
    return st == KO_OK ? put_c(b, '"') : st;
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
    return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static int64_t floor_div(int64_t a, int64_t b, int64_t *rem)
{
    int64_t q = a / b, r = a % b;
    if (r < 0) {
        r += b;
        q--;
    }
    *rem = r;
    return q;
}

/* ------------------------------------------------------------ strings */

/* Valid UTF-8 lead bytes: continuation bytes needed and the range of the
 * first continuation byte (Unicode table 3-7). */
static size_t utf8_lead(uint8_t c, uint8_t *lo, uint8_t *hi)
{
    *lo = 0x80;
    *hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF)
        return 1;
    if (c >= 0xE0 && c <= 0xEF) {
        *lo = c == 0xE0 ? 0xA0 : 0x80;
        *hi = c == 0xED ? 0x9F : 0xBF;
        return 2;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        *lo = c == 0xF0 ? 0x90 : 0x80;
        *hi = c == 0xF4 ? 0x8F : 0xBF;
        return 3;
    }
    return 0;
}

/* Length of the valid sequence at p (n > 0, p[0] >= 0x80), or 0; then
 * *bad is the length of the maximal invalid subpart, replaced by one
 * U+FFFD as the Unicode standard recommends. */
static size_t utf8_seq(const uint8_t *p, size_t n, size_t *bad)
{
    uint8_t lo, hi;
    size_t need = utf8_lead(p[0], &lo, &hi), i = 1;
    *bad = 1;
    if (need == 0)
        return 0;
    for (; i <= need && i < n; i++) {
        if (p[i] < lo || p[i] > hi)
            break;
        lo = 0x80;
        hi = 0xBF;
    }
    if (i > need)
        return need + 1;
    *bad = i;
    return 0;
}

static ko_status put_escape(ko_buf *b, uint8_t c)
{
    static const char short_esc[] = "btn\0fr";
    if (c == '"' || c == '\\') {
        char e[2] = {'\\', (char)c};
        return put(b, e, 2);
    }
    if (c >= 8 && c <= 13 && short_esc[c - 8]) {
        char e[2] = {'\\', short_esc[c - 8]};
        return put(b, e, 2);
    }
    return ko_buf_appendf(b, "\\u%04x", c);
}

/* Appends s as a JSON string (quoted, escaped) or, raw, as text; invalid
 * UTF-8 becomes U+FFFD either way. */
static ko_status put_string(ko_buf *b, const uint8_t *s, size_t n, bool raw)
{
    ko_status st = raw ? KO_OK : put_c(b, '"');
    size_t run = 0, i = 0;
    while (st == KO_OK && i < n) {
        uint8_t c = s[i];
        size_t k = 1, bad = 0;
        if (c >= 0x80)
            k = utf8_seq(s + i, n - i, &bad);
        else if (!raw && (c < 0x20 || c == '"' || c == '\\'))
            k = 0, bad = 1;
        if (k) {
            i += k;
            continue;
        }
        st = put(b, s + run, i - run);
        if (st == KO_OK)
            st = c < 0x80 ? put_escape(b, c)
                          : (raw ? put(b, "\xEF\xBF\xBD", 3) : put(b, "\\ufffd", 6));
        i += bad;
        run = i;
    }
    if (st == KO_OK)
        st = put(b, s + run, n - run);
    return st == KO_OK && !raw ? put_c(b, '"') : st;
}

static ko_status put_base64(ko_buf *b, const uint8_t *s, size_t n, bool raw)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    if (ko_buf_reserve(b, (n + 2) / 3 * 4 + 2) != KO_OK)
        return KO_ERR_NOMEM;
    char *o = (char *)b->data + b->len;
    size_t k = 0;
    if (!raw)
        o[k++] = '"';
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)s[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)s[i + 1] << 8;
        if (i + 2 < n)
            v |= s[i + 2];
        o[k++] = tab[v >> 18];
        o[k++] = tab[(v >> 12) & 63];
        o[k++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
        o[k++] = i + 2 < n ? tab[v & 63] : '=';
    }
    if (!raw)
        o[k++] = '"';
    b->len += k;
    b->data[b->len] = '\0';
    return KO_OK;
}

/* ------------------------------------------------------------ numbers */

/* Writes v in decimal, zero-padded to at least `width` digits; returns the
 * length (at most 20 + width).  printf is the bottleneck otherwise. */
static size_t digits(uint64_t v, int width, char *out)
{
    char t[20];
    size_t n = 0;
    do {
        t[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    size_t k = 0;
    for (; (int)(n + k) < width; k++)
        out[k] = '0';
    for (size_t i = 0; i < n; i++)
        out[k + i] = t[n - 1 - i];
    return k + n;
}

static ko_status put_int(ko_buf *b, uint64_t mag, bool neg)
{
    char t[24];
    size_t n = 0;
    if (neg)
        t[n++] = '-';
    n += digits(mag, 1, t + n);
    return put(b, t, n);
}

static ko_status put_signed(ko_buf *b, int64_t v)
{
    return put_int(b, v < 0 ? 0 - (uint64_t)v : (uint64_t)v, v < 0);
}

static ko_status put_double(ko_buf *b, double v, int min_digits, int max_digits, bool raw)
{
    char t[TEXT_MAX];
    if (isnan(v))
        return put_quoted(b, "NaN", 3, raw);
    if (isinf(v))
        return v > 0 ? put_quoted(b, "Infinity", 8, raw) : put_quoted(b, "-Infinity", 9, raw);
    int n = 0;
    for (int p = min_digits; p <= max_digits; p++) {
        n = snprintf(t, sizeof t, "%.*g", p, v);
        bool same = max_digits > 9 ? strtod(t, NULL) == v : strtof(t, NULL) == (float)v;
        if (same)
            break;
    }
    return put(b, t, (size_t)n);
}

static float half_to_float(uint16_t h)
{
    int e = (h >> 10) & 0x1f;
    float m = (float)(h & 0x3ff), v;
    if (e == 0)
        v = ldexpf(m, -24);
    else if (e == 31)
        v = m != 0 ? NAN : INFINITY;
    else
        v = ldexpf(m + 1024.0f, e - 25);
    return (h & 0x8000) ? -v : v;
}

/* Writes the decimal digits of the big-endian magnitude mag (modified:
 * divided down to zero) into dig, most significant first; returns the
 * count. */
static size_t magnitude_digits(uint8_t *mag, size_t n, char *dig, size_t cap)
{
    size_t nd = 0, start = 0;
    while (start < n && mag[start] == 0)
        start++;
    while (start < n && nd < cap) {
        unsigned rem = 0;
        for (size_t i = start; i < n; i++) {
            unsigned cur = rem << 8 | mag[i];
            mag[i] = (uint8_t)(cur / 10);
            rem = cur % 10;
        }
        dig[nd++] = (char)('0' + rem);
        while (start < n && mag[start] == 0)
            start++;
    }
    if (nd == 0)
        dig[nd++] = '0';
    for (size_t i = 0; i < nd / 2; i++) {
        char t = dig[i];
        dig[i] = dig[nd - 1 - i];
        dig[nd - 1 - i] = t;
    }
    return nd;
}

/* Appends [-]digits with the decimal point `scale` digits from the right. */
static ko_status put_scaled(ko_buf *b, bool neg, const char *dig, size_t nd, size_t scale)
{
    ko_status st = neg ? put_c(b, '-') : KO_OK;
    if (scale == 0)
        return st == KO_OK ? put(b, dig, nd) : st;
    if (nd <= scale) {
        if (st == KO_OK)
            st = put(b, "0.", 2);
        for (size_t i = nd; st == KO_OK && i < scale; i++)
            st = put_c(b, '0');
        return st == KO_OK ? put(b, dig, nd) : st;
    }
    if (st == KO_OK)
        st = put(b, dig, nd - scale);
    if (st == KO_OK)
        st = put_c(b, '.');
    return st == KO_OK ? put(b, dig + nd - scale, scale) : st;
}

/* A big-endian two's complement integer of n bytes with `scale` fraction
 * digits, as exact decimal text. */
static ko_status put_decimal(ko_buf *b, const uint8_t *be, size_t n, int32_t scale, bool raw)
{
    if (n > MAX_DECIMAL_BYTES)
        return put_base64(b, be, n, raw);
    size_t cap = n * 5 / 2 + 4;
    uint8_t *mag = malloc(n + 1);
    char *dig = malloc(cap);
    ko_status st = KO_ERR_NOMEM;
    if (mag && dig) {
        bool neg = n > 0 && (be[0] & 0x80);
        unsigned carry = 1;
        for (size_t i = n; i-- > 0;) {
            unsigned v = neg ? (uint8_t)~be[i] + carry : be[i];
            mag[i] = (uint8_t)v;
            carry = neg ? v >> 8 : 0;
        }
        size_t nd = magnitude_digits(mag, n, dig, cap);
        st = put_scaled(b, neg, dig, nd, (size_t)scale);
    }
    free(mag);
    free(dig);
    return st;
}

static ko_status put_int_decimal(ko_buf *b, int64_t v, int32_t scale)
{
    char dig[24];
    size_t nd = digits(v < 0 ? 0 - (uint64_t)v : (uint64_t)v, 1, dig);
    return put_scaled(b, v < 0, dig, nd, (size_t)scale);
}

/* ------------------------------------------------------- dates, times */

static const int64_t UNITS_PER_SEC[] = {0, 1000, 1000000, 1000000000};

/* "YYYY-MM-DD", or "YYYY-MM-DD (BC)" before year 1 (DuckDB's form); at most
 * 31 bytes. */
static size_t date_text(int64_t days, char *t)
{
    int64_t y;
    unsigned m, d;
    ko_civil_from_days(days, &y, &m, &d);
    size_t n = digits(y > 0 ? (uint64_t)y : (uint64_t)(1 - y), 4, t);
    t[n++] = '-';
    n += digits(m, 2, t + n);
    t[n++] = '-';
    n += digits(d, 2, t + n);
    if (y <= 0)
        memcpy(t + n, " (BC)", 6), n += 5; /* with the NUL: room is left */
    return n;
}

/* "HH:MM:SS[.fraction]" of seconds and nanoseconds, trailing zeros of the
 * fraction dropped (DuckDB's form). */
static size_t clock_text(uint64_t secs, uint32_t nanos, char *t)
{
    size_t n = digits(secs / 3600, 2, t);
    t[n++] = ':';
    n += digits(secs / 60 % 60, 2, t + n);
    t[n++] = ':';
    n += digits(secs % 60, 2, t + n);
    if (nanos) {
        int k = 9;
        while (nanos % 10 == 0)
            nanos /= 10, k--;
        t[n++] = '.';
        n += digits(nanos, k, t + n);
    }
    return n;
}

static ko_status put_time(ko_buf *b, int64_t v, const vfmt *f, bool raw)
{
    char t[TEXT_MAX];
    size_t n = 0;
    uint64_t per = (uint64_t)UNITS_PER_SEC[f->unit];
    uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    if (v < 0)
        t[n++] = '-';
    n += clock_text(mag / per, (uint32_t)(mag % per * (1000000000 / per)), t + n);
    if (f->utc)
        memcpy(t + n, "+00", 4), n += 3;
    return put_quoted(b, t, n, raw);
}

static ko_status put_stamp(ko_buf *b, int64_t days, int64_t nanos_of_day, bool utc, bool raw)
{
    char t[TEXT_MAX];
    int64_t nod;
    days += floor_div(nanos_of_day, 86400000000000LL, &nod);
    size_t n = date_text(days, t);
    t[n++] = ' ';
    n += clock_text((uint64_t)(nod / 1000000000), (uint32_t)(nod % 1000000000), t + n);
    if (utc)
        memcpy(t + n, "+00", 4), n += 3;
    return put_quoted(b, t, n, raw);
}

static ko_status put_timestamp(ko_buf *b, int64_t v, const vfmt *f, bool raw)
{
    int64_t per = UNITS_PER_SEC[f->unit], sub, secs = floor_div(v, per, &sub), sod;
    int64_t days = floor_div(secs, 86400, &sod);
    return put_stamp(b, days, sod * 1000000000 + sub * (1000000000 / per), f->utc, raw);
}

static ko_status put_int96(ko_buf *b, const uint8_t *p, bool raw)
{
    int64_t nanos = (int64_t)rd64(p);
    int64_t julian = (int32_t)rd32(p + 8);
    return put_stamp(b, julian - JULIAN_EPOCH, nanos, false, raw);
}

static void plural(char *t, size_t cap, size_t *n, long long v, const char *unit)
{
    if (v == 0)
        return;
    int k = snprintf(t + *n, cap - *n, "%s%lld %s%s", *n ? " " : "", v, unit,
                     v == 1 || v == -1 ? "" : "s");
    *n += k > 0 ? (size_t)k : 0;
}

/* INTERVAL: months, days, milliseconds (unsigned little-endian), in
 * DuckDB's words: "1 year 2 months 3 days 00:00:00.004". */
static ko_status put_interval(ko_buf *b, const uint8_t *p, bool raw)
{
    char t[TEXT_MAX * 2];
    size_t n = 0;
    uint32_t months = rd32(p), days = rd32(p + 4), ms = rd32(p + 8);
    plural(t, sizeof t, &n, months / 12, "year");
    plural(t, sizeof t, &n, months % 12, "month");
    plural(t, sizeof t, &n, days, "day");
    if (ms || n == 0) {
        if (n)
            t[n++] = ' ';
        n += clock_text(ms / 1000, ms % 1000 * 1000000, t + n);
    }
    return put_quoted(b, t, n, raw);
}

/* ------------------------------------------------------- one value */

static size_t fixed_width(const vfmt *f)
{
    return f->type == KO_PQ_BYTE_ARRAY ? 0 : ko_pq_value_width(f->type, f->type_length);
}

static ko_status put_number(ko_buf *b, const vfmt *f, const uint8_t *p, bool raw)
{
    switch (f->kind) {
    case V_I32:
        return put_signed(b, (int32_t)rd32(p));
    case V_U32:
        return put_int(b, rd32(p), false);
    case V_I64:
        return put_signed(b, (int64_t)rd64(p));
    case V_U64:
        return put_int(b, rd64(p), false);
    case V_FLOAT: {
        float v;
        memcpy(&v, p, 4);
        return put_double(b, v, 6, 9, raw);
    }
    case V_DOUBLE: {
        double v;
        memcpy(&v, p, 8);
        return put_double(b, v, 15, 17, raw);
    }
    default: /* V_F16 */
        return put_double(b, half_to_float((uint16_t)(p[0] | p[1] << 8)), 6, 9, raw);
    }
}

static ko_status put_dec_value(ko_buf *b, const vfmt *f, const uint8_t *p, size_t len, bool raw)
{
    if (f->type == KO_PQ_INT32)
        return put_int_decimal(b, (int32_t)rd32(p), f->scale);
    if (f->type == KO_PQ_INT64)
        return put_int_decimal(b, (int64_t)rd64(p), f->scale);
    return put_decimal(b, p, len, f->scale, raw);
}

static ko_status put_temporal(ko_buf *b, const vfmt *f, const uint8_t *p, bool raw)
{
    char t[TEXT_MAX];
    int64_t v = f->type == KO_PQ_INT32 ? (int32_t)rd32(p) : (int64_t)rd64(p);
    switch (f->kind) {
    case V_DATE:
        return put_quoted(b, t, date_text(v, t), raw);
    case V_TIME:
        return put_time(b, v, f, raw);
    default:
        return put_timestamp(b, v, f, raw);
    }
}

/* Appends one value (p, len as a column holds it) formatted by f. */
static ko_status put_value(ko_buf *b, const vfmt *f, const uint8_t *p, size_t len, bool raw)
{
    char t[KO_UUID_STR_LEN + 1];
    switch (f->kind) {
    case V_NULL:
        return raw ? KO_OK : put(b, "null", 4);
    case V_BOOL:
        return p[0] ? put(b, "true", 4) : put(b, "false", 5);
    case V_DATE:
    case V_TIME:
    case V_TS:
        return put_temporal(b, f, p, raw);
    case V_INT96:
        return put_int96(b, p, raw);
    case V_DEC:
        return put_dec_value(b, f, p, len, raw);
    case V_STRING:
        return put_string(b, p, len, raw);
    case V_UUID:
        ko_uuid_format((const ko_uuid *)(const void *)p, t);
        return put_quoted(b, t, KO_UUID_STR_LEN, raw);
    case V_INTERVAL:
        return put_interval(b, p, raw);
    case V_BINARY:
        return put_base64(b, p, len, raw);
    default:
        return put_number(b, f, p, raw);
    }
}

ko_status ko_pq_value_to_json(const ko_pq_schema_element *el, const void *val, size_t len,
                              ko_buf *out, ko_err *err)
{
    if (!el->has_type)
        return ko_err_set(err, KO_ERR_INVALID, "%s is a group, not a leaf", el->name);
    vfmt f = classify(el);
    size_t w = fixed_width(&f);
    if (w && len != w)
        return ko_err_set(err, KO_ERR_CORRUPT, "%s: a %s value of %zu bytes (want %zu)", el->name,
                          ko_pq_type_name(el->type), len, w);
    if (put_value(out, &f, val, len, false) != KO_OK)
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory formatting %s", el->name);
    return KO_OK;
}

/* ============================================================ assembly */

typedef enum node_kind {
    NK_LEAF,
    NK_STRUCT,
    NK_LIST,      /* LIST group: its value is its repeated child's array */
    NK_LIST_WRAP, /* middle group of a 3-level list: its value is its child's */
    NK_MAP,       /* MAP group: its value is its key-value child's */
    NK_ENTRY_OBJ, /* key-value group with string keys: "key":value in {} */
    NK_ENTRY_KV,  /* other key-value group: {"key":k,"value":v} in [] */
} node_kind;

typedef struct anode {
    node_kind kind;
    bool claimed; /* kind set by the parent's annotation */
    ko_pq_repetition rep;
    int16_t max_def, max_rep;
    int32_t first_leaf, n_leaves; /* the leaves under the node */
    int32_t inner;                /* LIST, LIST_WRAP, MAP: the child; ENTRY: key */
    int32_t value;                /* ENTRY: the value child, or -1 */
    char open, close;             /* brackets of a repeated node's value */
    const char *jname;            /* "\"name\":" */
    size_t jname_len;
} anode;

typedef struct cursor {
    size_t pos, vpos; /* next entry, next value */
} cursor;

struct ko_pq_rows {
    ko_pq_reader *reader; /* NULL over caller's columns */
    const ko_pq_schema *schema;
    ko_arena arena;
    anode *nodes;
    vfmt *fmts; /* per leaf */
    bool *want; /* per leaf: under a projected field */
    int32_t *fields;
    size_t n_fields;
    ko_pq_column *own; /* per leaf, reading from a file */
    const ko_pq_column *cols;
    cursor *cur;
    uint32_t next_rg, rg;
    size_t left;  /* records left in the current row group */
    ko_buf field; /* CSV: one field's text */
};

typedef struct emit {
    ko_pq_rows *rows;
    ko_buf *out;
    bool raw; /* a CSV top-level value: plain text, null as nothing */
    ko_err *err;
} emit;

static ko_status oom(ko_err *err)
{
    ko_err_set(err, KO_ERR_NOMEM, "out of memory assembling records");
    return KO_ERR_NOMEM;
}

static ko_status bad_levels(emit *e, int32_t leaf, const char *what)
{
    const ko_pq_rows *r = e->rows;
    return ko_err_set(e->err, KO_ERR_CORRUPT, "row group %u, column %s: %s", r->rg,
                      r->schema->leaves[leaf].path, what);
}

static int16_t def_at(const ko_pq_column *c, size_t i)
{
    return c->max_def ? ((const int16_t *)(const void *)c->def.data)[i] : 0;
}

static int16_t rep_at(const ko_pq_column *c, size_t i)
{
    return c->max_rep ? ((const int16_t *)(const void *)c->rep.data)[i] : 0;
}

static ko_status emit_field(emit *e, int32_t node);

static ko_status put_null(emit *e)
{
    return e->raw || put(e->out, "null", 4) == KO_OK ? KO_OK : oom(e->err);
}

/* A null or empty field: every leaf under it consumes one entry (and its
 * value, should a corrupt file have one there, to stay aligned). */
static ko_status skip_absent(emit *e, const anode *a)
{
    for (int32_t l = a->first_leaf; l < a->first_leaf + a->n_leaves; l++) {
        const ko_pq_column *col = &e->rows->cols[l];
        cursor *c = &e->rows->cur[l];
        if (c->pos >= col->n)
            return bad_levels(e, l, "levels end inside a record");
        c->vpos += def_at(col, c->pos) == col->max_def;
        c->pos++;
    }
    return KO_OK;
}

static ko_status emit_absent(emit *e, const anode *a)
{
    ko_status st = skip_absent(e, a);
    if (st != KO_OK)
        return st;
    if (a->rep != KO_PQ_REPEATED)
        return put_null(e);
    char pair[2] = {a->open, a->close};
    return put(e->out, pair, 2) == KO_OK ? KO_OK : oom(e->err);
}

static ko_status emit_leaf(emit *e, const anode *a)
{
    ko_pq_rows *r = e->rows;
    int32_t l = a->first_leaf;
    const ko_pq_column *col = &r->cols[l];
    cursor *c = &r->cur[l];
    if (c->pos >= col->n)
        return bad_levels(e, l, "levels end inside a record");
    if (def_at(col, c->pos++) != col->max_def)
        return put_null(e);
    const uint8_t *p = col->values.data;
    size_t len = 0, i = c->vpos++;
    if (col->type == KO_PQ_BYTE_ARRAY) {
        const int64_t *off = (const int64_t *)(const void *)col->offsets.data;
        p += off[i];
        len = (size_t)(off[i + 1] - off[i]);
    } else {
        len = ko_pq_value_width(col->type, col->type_length);
        p += i * len;
    }
    return put_value(e->out, &r->fmts[l], p, len, e->raw) == KO_OK ? KO_OK : oom(e->err);
}

static ko_status emit_struct(emit *e, int32_t node)
{
    const ko_pq_schema *s = e->rows->schema;
    ko_status st = put_c(e->out, '{');
    for (int32_t ch = s->nodes[node].first_child; st == KO_OK && ch >= 0;
         ch = s->nodes[ch].next_sibling) {
        const anode *a = &e->rows->nodes[ch];
        if (ch != s->nodes[node].first_child && put_c(e->out, ',') != KO_OK)
            return oom(e->err);
        if (put(e->out, a->jname, a->jname_len) != KO_OK)
            return oom(e->err);
        st = emit_field(e, ch);
    }
    if (st == KO_OK && put_c(e->out, '}') != KO_OK)
        return oom(e->err);
    return st;
}

/* A map key as an object key: a string, "null" when absent. */
static ko_status emit_key(emit *e, int32_t key)
{
    const anode *a = &e->rows->nodes[key];
    const ko_pq_column *col = &e->rows->cols[a->first_leaf];
    const cursor *c = &e->rows->cur[a->first_leaf];
    if (c->pos >= col->n)
        return bad_levels(e, a->first_leaf, "levels end inside a record");
    if (a->rep == KO_PQ_REQUIRED || def_at(col, c->pos) >= a->max_def)
        return emit_field(e, key);
    ko_status st = skip_absent(e, a);
    return st == KO_OK && put(e->out, "\"null\"", 6) != KO_OK ? oom(e->err) : st;
}

static ko_status emit_value_of(emit *e, int32_t value)
{
    if (value >= 0)
        return emit_field(e, value);
    return put(e->out, "null", 4) == KO_OK ? KO_OK : oom(e->err);
}

/* One map entry: "key":value inside an object, or {"key":k,"value":v}. */
static ko_status emit_entry(emit *e, const anode *a)
{
    bool obj = a->kind == NK_ENTRY_OBJ;
    if (!obj && put(e->out, "{\"key\":", 7) != KO_OK)
        return oom(e->err);
    ko_status st = obj ? emit_key(e, a->inner) : emit_field(e, a->inner);
    if (st == KO_OK && put(e->out, obj ? ":" : ",\"value\":", obj ? 1 : 9) != KO_OK)
        return oom(e->err);
    if (st == KO_OK)
        st = emit_value_of(e, a->value);
    if (st == KO_OK && !obj && put_c(e->out, '}') != KO_OK)
        return oom(e->err);
    return st;
}

/* One instance of a node whose presence is established. */
static ko_status emit_instance(emit *e, int32_t node)
{
    const anode *a = &e->rows->nodes[node];
    switch (a->kind) {
    case NK_LEAF:
        return emit_leaf(e, a);
    case NK_STRUCT:
        return emit_struct(e, node);
    case NK_LIST:
    case NK_LIST_WRAP:
    case NK_MAP:
        return emit_field(e, a->inner);
    default:
        return emit_entry(e, a);
    }
}

static ko_status emit_repeated(emit *e, int32_t node)
{
    const anode *a = &e->rows->nodes[node];
    const ko_pq_column *col = &e->rows->cols[a->first_leaf];
    const cursor *c = &e->rows->cur[a->first_leaf];
    if (put_c(e->out, a->open) != KO_OK)
        return oom(e->err);
    ko_status st = emit_instance(e, node);
    while (st == KO_OK && c->pos < col->n && rep_at(col, c->pos) == a->max_rep) {
        if (put_c(e->out, ',') != KO_OK)
            return oom(e->err);
        st = emit_instance(e, node);
    }
    if (st == KO_OK && put_c(e->out, a->close) != KO_OK)
        return oom(e->err);
    return st;
}

/* Field `node` inside one instance of its parent. */
static ko_status emit_field(emit *e, int32_t node)
{
    const anode *a = &e->rows->nodes[node];
    const ko_pq_column *col = &e->rows->cols[a->first_leaf];
    const cursor *c = &e->rows->cur[a->first_leaf];
    if (c->pos >= col->n)
        return bad_levels(e, a->first_leaf, "levels end inside a record");
    if (a->rep != KO_PQ_REQUIRED && def_at(col, c->pos) < a->max_def)
        return emit_absent(e, a);
    return a->rep == KO_PQ_REPEATED ? emit_repeated(e, node) : emit_instance(e, node);
}

/* ------------------------------------------------------------ shape */

static bool annotated(const ko_pq_schema_element *el, ko_pq_logical_kind lk, ko_pq_converted ct)
{
    return el->logical.kind == lk || el->converted == ct;
}

static int32_t only_child(const ko_pq_schema *s, int32_t node)
{
    int32_t ch = s->nodes[node].first_child;
    return ch >= 0 && s->nodes[ch].next_sibling < 0 ? ch : -1;
}

static bool is_repeated(const ko_pq_schema *s, int32_t node)
{
    const ko_pq_schema_element *el = s->nodes[node].el;
    return el->has_repetition && el->repetition == KO_PQ_REPEATED;
}

/* LIST: one repeated child R.  R is the element (2-level) when it is a
 * primitive, a group of several fields, or a group named "array" or
 * "<list>_tuple"; otherwise R's only child is (3-level). */
static bool shape_list(ko_pq_rows *rows, int32_t node)
{
    const ko_pq_schema *s = rows->schema;
    const ko_pq_schema_element *el = s->nodes[node].el;
    int32_t r = only_child(s, node);
    if (!annotated(el, KO_PQ_LT_LIST, KO_PQ_CT_LIST) || r < 0 || !is_repeated(s, r))
        return false;
    rows->nodes[node].kind = NK_LIST;
    rows->nodes[node].inner = r;
    int32_t elem = only_child(s, r);
    const char *rname = s->nodes[r].el->name;
    size_t ln = strlen(el->name);
    bool tuple = strncmp(rname, el->name, ln) == 0 && strcmp(rname + ln, "_tuple") == 0;
    if (s->nodes[r].leaf >= 0 || elem < 0 || strcmp(rname, "array") == 0 || tuple)
        return true;
    rows->nodes[r].kind = NK_LIST_WRAP;
    rows->nodes[r].inner = elem;
    rows->nodes[r].claimed = true;
    return true;
}

/* MAP (or MAP_KEY_VALUE on the group or its child): one repeated group
 * child with a key and at most one value. */
static bool shape_map(ko_pq_rows *rows, int32_t node)
{
    const ko_pq_schema *s = rows->schema;
    int32_t kv = only_child(s, node);
    if (kv < 0 || !is_repeated(s, kv) || s->nodes[kv].leaf >= 0)
        return false;
    if (!annotated(s->nodes[node].el, KO_PQ_LT_MAP, KO_PQ_CT_MAP) &&
        s->nodes[node].el->converted != KO_PQ_CT_MAP_KEY_VALUE &&
        s->nodes[kv].el->converted != KO_PQ_CT_MAP_KEY_VALUE)
        return false;
    int32_t key = s->nodes[kv].first_child;
    int32_t value = s->nodes[key].next_sibling;
    if (value >= 0 && s->nodes[value].next_sibling >= 0)
        return false;
    anode *m = &rows->nodes[node], *e = &rows->nodes[kv];
    m->kind = NK_MAP;
    m->inner = kv;
    int32_t kl = s->nodes[key].leaf;
    bool str = kl >= 0 && !is_repeated(s, key) && rows->fmts[kl].kind == V_STRING;
    e->kind = str ? NK_ENTRY_OBJ : NK_ENTRY_KV;
    e->open = str ? '{' : '[';
    e->close = str ? '}' : ']';
    e->inner = key;
    e->value = value;
    e->claimed = true;
    return true;
}

static ko_status set_jname(ko_pq_rows *rows, int32_t node, ko_err *err)
{
    ko_buf b = {0};
    const char *name = rows->schema->nodes[node].el->name;
    ko_status st = put_string(&b, (const uint8_t *)name, strlen(name), false);
    if (st == KO_OK)
        st = put_c(&b, ':');
    char *j = st == KO_OK ? ko_arena_strndup(&rows->arena, (const char *)b.data, b.len) : NULL;
    ko_buf_free(&b);
    if (!j)
        return oom(err);
    rows->nodes[node].jname = j;
    rows->nodes[node].jname_len = strlen(j);
    return KO_OK;
}

/* Gives every node its kind, leaf range and JSON name; leaves their value
 * formats.  Parents come before children in the node order, so LIST and
 * MAP groups claim their children before those are looked at. */
static ko_status shape_nodes(ko_pq_rows *rows, ko_err *err)
{
    const ko_pq_schema *s = rows->schema;
    for (uint32_t l = 0; l < s->n_leaves; l++) {
        rows->fmts[l] = classify(s->nodes[s->leaves[l].node].el);
        for (int32_t n = s->leaves[l].node; n > 0; n = s->nodes[n].parent) {
            if (rows->nodes[n].n_leaves++ == 0)
                rows->nodes[n].first_leaf = (int32_t)l;
        }
    }
    for (uint32_t i = 1; i < s->n_nodes; i++) {
        const ko_pq_node *nd = &s->nodes[i];
        anode *a = &rows->nodes[i];
        a->rep = nd->el->has_repetition ? nd->el->repetition : KO_PQ_OPTIONAL;
        a->max_def = nd->max_def;
        a->max_rep = nd->max_rep;
        a->open = '[';
        a->close = ']';
        a->value = -1;
        a->kind = nd->leaf >= 0 ? NK_LEAF : NK_STRUCT;
    }
    for (uint32_t i = 1; i < s->n_nodes; i++) {
        if (!rows->nodes[i].claimed && s->nodes[i].leaf < 0 && !shape_list(rows, (int32_t)i))
            shape_map(rows, (int32_t)i);
        ko_status st = set_jname(rows, (int32_t)i, err);
        if (st != KO_OK)
            return st;
    }
    return KO_OK;
}

/* ------------------------------------------------------------ open */

static int32_t find_field(const ko_pq_schema *s, const char *name)
{
    for (int32_t ch = s->nodes[0].first_child; ch >= 0; ch = s->nodes[ch].next_sibling)
        if (strcmp(s->nodes[ch].el->name, name) == 0)
            return ch;
    return -1;
}

static ko_status project(ko_pq_rows *rows, const char *const *names, size_t n_names, ko_err *err)
{
    const ko_pq_schema *s = rows->schema;
    size_t k = 0;
    for (int32_t ch = s->nodes[0].first_child; !n_names && ch >= 0; ch = s->nodes[ch].next_sibling)
        rows->fields[k++] = ch;
    for (size_t i = 0; i < n_names; i++) {
        int32_t f = find_field(s, names[i]);
        if (f < 0)
            return ko_err_set(err, KO_ERR_NOT_FOUND, "no column named '%s'", names[i]);
        if (rows->want[rows->nodes[f].first_leaf])
            return ko_err_set(err, KO_ERR_INVALID, "column '%s' is listed twice", names[i]);
        rows->fields[k++] = f;
        rows->want[rows->nodes[f].first_leaf] = true;
    }
    rows->n_fields = k;
    for (size_t i = 0; i < k; i++) {
        const anode *a = &rows->nodes[rows->fields[i]];
        for (int32_t l = a->first_leaf; l < a->first_leaf + a->n_leaves; l++)
            rows->want[l] = true;
    }
    return KO_OK;
}

static ko_status rows_new(const ko_pq_schema *s, const char *const *names, size_t n_names,
                          ko_pq_rows **out, ko_err *err)
{
    *out = NULL;
    ko_pq_rows *rows = calloc(1, sizeof *rows);
    if (!rows)
        return oom(err);
    rows->schema = s;
    size_t nf = n_names ? n_names : (size_t)s->nodes[0].el->num_children;
    rows->nodes = ko_arena_calloc(&rows->arena, s->n_nodes, sizeof *rows->nodes);
    rows->fmts = ko_arena_calloc(&rows->arena, s->n_leaves + 1, sizeof *rows->fmts);
    rows->want = ko_arena_calloc(&rows->arena, s->n_leaves + 1, sizeof *rows->want);
    rows->cur = ko_arena_calloc(&rows->arena, s->n_leaves + 1, sizeof *rows->cur);
    rows->fields = ko_arena_calloc(&rows->arena, nf + 1, sizeof *rows->fields);
    ko_status st = rows->nodes && rows->fmts && rows->want && rows->cur && rows->fields
                       ? shape_nodes(rows, err)
                       : oom(err);
    if (st == KO_OK)
        st = project(rows, names, n_names, err);
    if (st != KO_OK) {
        ko_pq_rows_close(rows);
        return st;
    }
    *out = rows;
    return KO_OK;
}

/* Checks a column's levels: in range, the first record starts at 0, and
 * as many present entries as values. */
static const char *levels_problem(const ko_pq_column *c)
{
    if ((c->max_def && c->def.len < c->n * 2) || (c->max_rep && c->rep.len < c->n * 2))
        return "fewer levels than entries";
    size_t present = 0;
    for (size_t i = 0; i < c->n; i++) {
        int16_t d = def_at(c, i), r = rep_at(c, i);
        if (d < 0 || d > c->max_def || r < 0 || r > c->max_rep || (i == 0 && r != 0))
            return "a level is out of range";
        present += d == c->max_def;
    }
    return present != c->n_values ? "the number of values differs from the definition levels"
                                  : NULL;
}

/* Checks a column before assembly reads it: its shape matches the leaf,
 * levels are in range, values and offsets are where the levels say. */
static const char *column_problem(const ko_pq_column *c, const ko_pq_leaf *lf)
{
    if (c->type != lf->type || c->type_length != lf->type_length || c->max_def != lf->max_def ||
        c->max_rep != lf->max_rep)
        return "the column does not match the schema";
    const char *why = levels_problem(c);
    if (why)
        return why;
    if (c->type != KO_PQ_BYTE_ARRAY)
        return c->values.len / ko_pq_value_width(c->type, c->type_length) < c->n_values
                   ? "fewer values than the levels need"
                   : NULL;
    if (c->offsets.len < (c->n_values + 1) * sizeof(int64_t))
        return "fewer value offsets than values";
    const int64_t *off = (const int64_t *)(const void *)c->offsets.data;
    for (size_t i = 0; i < c->n_values; i++)
        if (off[i] < 0 || off[i + 1] < off[i])
            return "value offsets go backwards";
    return (size_t)off[c->n_values] > c->values.len ? "value offsets run past the values" : NULL;
}

/* Makes rows->cols current: validates the projected columns and checks
 * that they all hold `records` records (SIZE_MAX: take the first's). */
static ko_status start_columns(ko_pq_rows *rows, size_t records, ko_err *err)
{
    const ko_pq_schema *s = rows->schema;
    const char *first = "the row group";
    for (uint32_t l = 0; l < s->n_leaves; l++) {
        if (!rows->want[l])
            continue;
        rows->cur[l] = (cursor){0, 0};
        const char *why = column_problem(&rows->cols[l], &s->leaves[l]);
        size_t n = why ? 0 : ko_pq_column_records(&rows->cols[l]);
        if (!why && records == SIZE_MAX)
            records = n, first = s->leaves[l].path;
        if (!why && n != records)
            return ko_err_set(err, KO_ERR_CORRUPT,
                              "row group %u, column %s: %zu records, but %s has %zu", rows->rg,
                              s->leaves[l].path, n, first, records);
        if (why)
            return ko_err_set(err, KO_ERR_CORRUPT, "row group %u, column %s: %s", rows->rg,
                              s->leaves[l].path, why);
    }
    rows->left = records == SIZE_MAX ? 0 : records;
    return KO_OK;
}

ko_status ko_pq_rows_open(ko_pq_reader *r, const char *const *names, size_t n_names,
                          ko_pq_rows **out, ko_err *err)
{
    const ko_pq_schema *s = ko_pq_reader_schema(r);
    ko_status st = rows_new(s, names, n_names, out, err);
    if (st != KO_OK)
        return st;
    ko_pq_rows *rows = *out;
    rows->reader = r;
    rows->own = calloc(s->n_leaves + 1, sizeof *rows->own);
    if (!rows->own) {
        ko_pq_rows_close(rows);
        *out = NULL;
        return oom(err);
    }
    rows->cols = rows->own;
    return KO_OK;
}

ko_status ko_pq_rows_open_columns(const ko_pq_schema *schema, const ko_pq_column *cols,
                                  const char *const *names, size_t n_names, ko_pq_rows **out,
                                  ko_err *err)
{
    ko_status st = rows_new(schema, names, n_names, out, err);
    if (st != KO_OK)
        return st;
    (*out)->cols = cols;
    st = start_columns(*out, SIZE_MAX, err);
    if (st != KO_OK) {
        ko_pq_rows_close(*out);
        *out = NULL;
    }
    return st;
}

ko_status ko_pq_rows_next_rowgroup(ko_pq_rows *rows, bool *done, ko_err *err)
{
    *done = true;
    rows->left = 0;
    if (!rows->reader)
        return KO_OK;
    const ko_pq_file_meta *m = ko_pq_reader_meta(rows->reader);
    while (rows->next_rg < m->n_row_groups && m->row_groups[rows->next_rg].num_rows == 0)
        rows->next_rg++; /* nothing to read (some writers leave such chunks odd) */
    if (rows->next_rg >= m->n_row_groups)
        return KO_OK;
    rows->rg = rows->next_rg++;
    for (uint32_t l = 0; l < rows->schema->n_leaves; l++) {
        if (!rows->want[l])
            continue;
        ko_status st = ko_pq_read_column_chunk(rows->reader, rows->rg, l, &rows->own[l], err);
        if (st != KO_OK)
            return st;
    }
    *done = false;
    return start_columns(rows, (size_t)m->row_groups[rows->rg].num_rows, err);
}

/* ------------------------------------------------------------ records */

static ko_status record_start(emit *e)
{
    const ko_pq_rows *r = e->rows;
    for (uint32_t l = 0; l < r->schema->n_leaves; l++) {
        const ko_pq_column *col = &r->cols[l];
        if (!r->want[l])
            continue;
        if (r->cur[l].pos >= col->n)
            return bad_levels(e, (int32_t)l, "the column has fewer records than the row group");
        if (rep_at(col, r->cur[l].pos) != 0)
            return bad_levels(e, (int32_t)l, "repetition levels disagree with other columns");
    }
    return KO_OK;
}

/* After the last record: every projected column is used up. */
static ko_status rowgroup_end(emit *e)
{
    const ko_pq_rows *r = e->rows;
    for (uint32_t l = 0; l < r->schema->n_leaves; l++)
        if (r->want[l] && r->cur[l].pos != r->cols[l].n)
            return bad_levels(e, (int32_t)l, "levels disagree with other columns");
    return KO_OK;
}

static ko_status json_record(emit *e)
{
    const ko_pq_rows *r = e->rows;
    ko_status st = put_c(e->out, '{') == KO_OK ? KO_OK : oom(e->err);
    for (size_t i = 0; st == KO_OK && i < r->n_fields; i++) {
        const anode *a = &r->nodes[r->fields[i]];
        if ((i && put_c(e->out, ',') != KO_OK) || put(e->out, a->jname, a->jname_len) != KO_OK)
            return oom(e->err);
        st = emit_field(e, r->fields[i]);
    }
    if (st == KO_OK && put(e->out, "}\n", 2) != KO_OK)
        return oom(e->err);
    return st;
}

static bool csv_needs_quotes(const uint8_t *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n')
            return true;
    return false;
}

static ko_status put_csv_field(ko_buf *out, const uint8_t *s, size_t n)
{
    if (!csv_needs_quotes(s, n))
        return put(out, s, n);
    ko_status st = put_c(out, '"');
    for (size_t i = 0; st == KO_OK && i < n; i++)
        st = s[i] == '"' ? put(out, "\"\"", 2) : put_c(out, (char)s[i]);
    return st == KO_OK ? put_c(out, '"') : st;
}

static ko_status csv_record(emit *e)
{
    ko_pq_rows *r = e->rows;
    ko_buf *out = e->out;
    ko_status st = KO_OK;
    e->out = &r->field;
    for (size_t i = 0; st == KO_OK && i < r->n_fields; i++) {
        const anode *a = &r->nodes[r->fields[i]];
        ko_buf_reset(&r->field);
        e->raw = a->kind == NK_LEAF && a->rep != KO_PQ_REPEATED;
        st = emit_field(e, r->fields[i]);
        if (!e->raw && r->field.len == 4 && memcmp(r->field.data, "null", 4) == 0)
            r->field.len = 0; /* a null list or group: an empty field too */
        if (st == KO_OK && ((i && put_c(out, ',') != KO_OK) ||
                            put_csv_field(out, r->field.data, r->field.len) != KO_OK))
            st = oom(e->err);
    }
    e->out = out;
    e->raw = false;
    if (st == KO_OK && put_c(out, '\n') != KO_OK)
        return oom(e->err);
    return st;
}

static ko_status write_records(ko_pq_rows *rows, ko_buf *out, size_t max, size_t *written, bool csv,
                               ko_err *err)
{
    *written = 0;
    emit e = {.rows = rows, .out = out, .err = err};
    ko_status st = KO_OK;
    bool had = rows->left > 0;
    while (st == KO_OK && *written < max && rows->left > 0) {
        st = record_start(&e);
        if (st == KO_OK)
            st = csv ? csv_record(&e) : json_record(&e);
        if (st == KO_OK) {
            rows->left--;
            (*written)++;
        }
    }
    if (st == KO_OK && had && rows->left == 0)
        st = rowgroup_end(&e);
    return st;
}

ko_status ko_pq_rows_write_jsonl(ko_pq_rows *rows, ko_buf *out, size_t max, size_t *written,
                                 ko_err *err)
{
    return write_records(rows, out, max, written, false, err);
}

ko_status ko_pq_rows_write_csv(ko_pq_rows *rows, ko_buf *out, size_t max, size_t *written,
                               ko_err *err)
{
    return write_records(rows, out, max, written, true, err);
}

ko_status ko_pq_rows_write_csv_header(const ko_pq_rows *rows, ko_buf *out, ko_err *err)
{
    ko_buf name = {0};
    ko_status st = KO_OK;
    for (size_t i = 0; st == KO_OK && i < rows->n_fields; i++) {
        const char *n = ko_pq_rows_field_name(rows, i);
        ko_buf_reset(&name);
        st = put_string(&name, (const uint8_t *)n, strlen(n), true);
        if (st == KO_OK && i)
            st = put_c(out, ',');
        if (st == KO_OK)
            st = put_csv_field(out, name.data, name.len);
    }
    ko_buf_free(&name);
    if (st == KO_OK)
        st = put_c(out, '\n');
    return st == KO_OK ? KO_OK : oom(err);
}

size_t ko_pq_rows_n_fields(const ko_pq_rows *rows)
{
    return rows->n_fields;
}

const char *ko_pq_rows_field_name(const ko_pq_rows *rows, size_t i)
{
    return i < rows->n_fields ? rows->schema->nodes[rows->fields[i]].el->name : NULL;
}

void ko_pq_rows_close(ko_pq_rows *rows)
{
    if (!rows)
        return;
    for (uint32_t l = 0; rows->own && l < rows->schema->n_leaves; l++)
        ko_pq_column_free(&rows->own[l]);
    free(rows->own);
    ko_buf_free(&rows->field);
    ko_arena_free(&rows->arena);
    free(rows);
}
