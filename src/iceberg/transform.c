/*
 * transform.c - partition transforms (format/spec.md "Partition Transforms")
 * and the 32-bit hash of Appendix B.
 *
 * A transform is a kind plus one integer parameter (bucket count or
 * truncation width).  Three operations matter:
 *
 *   result type   what the transform produces for a source type, which is
 *                 also the check that it applies at all;
 *   apply         one value in, one value out, nulls passing through;
 *   human text    how partition paths spell a result.
 *
 * Arithmetic follows the Java reference: integer truncation rounds toward
 * negative infinity (v - (((v % W) + W) % W)), wrapping like Java's int and
 * long; dates and timestamps count whole years, months, days or hours
 * since 1970-01-01T00:00 rounding down, so 1969-12-31T23:00 is hour -1,
 * day -1, month -1, year -1.  Strings are truncated by code points, never
 * inside a UTF-8 sequence; results of truncation borrow the input's bytes.
 */
#include "iceberg/iceberg.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

__extension__ typedef __int128 i128;
__extension__ typedef unsigned __int128 u128;

#define US_PER_HOUR INT64_C(3600000000)
#define US_PER_DAY  (24 * US_PER_HOUR)

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/* ------------------------------------------------------------ text form */

static const char *const KIND_NAMES[] = {
    [KO_ICE_TR_IDENTITY] = "identity", [KO_ICE_TR_BUCKET] = "bucket",
    [KO_ICE_TR_TRUNCATE] = "truncate", [KO_ICE_TR_YEAR] = "year",
    [KO_ICE_TR_MONTH] = "month",       [KO_ICE_TR_DAY] = "day",
    [KO_ICE_TR_HOUR] = "hour",         [KO_ICE_TR_VOID] = "void",
};

static ko_status parse_param(const char *s, const char *p, ko_ice_transform *out, ko_err *err)
{
    int64_t v = 0;
    int digits = 0;
    if (*p++ != '[')
        return ko_err_set(err, KO_ERR_INVALID, "transform '%s': expected '[' after the name", s);
    for (; *p >= '0' && *p <= '9' && digits < 11; p++, digits++)
        v = v * 10 + (*p - '0');
    if (digits == 0 || *p != ']' || p[1] != '\0')
        return ko_err_set(err, KO_ERR_INVALID, "transform '%s': malformed parameter", s);
    if (v < 1 || v > INT32_MAX)
        return ko_err_set(err, KO_ERR_INVALID, "transform '%s': the parameter must be in 1..%d", s,
                          INT32_MAX);
    out->param = (int32_t)v;
    return KO_OK;
}

ko_status ko_ice_transform_parse(const char *s, ko_ice_transform *out, ko_err *err)
{
    *out = (ko_ice_transform){.kind = KO_ICE_TR_UNKNOWN, .unknown = s};
    for (int k = 0; k < (int)KO_ARRAY_LEN(KIND_NAMES); k++) {
        size_t n = strlen(KIND_NAMES[k]);
        if (strncmp(s, KIND_NAMES[k], n) != 0)
            continue;
        bool param = k == KO_ICE_TR_BUCKET || k == KO_ICE_TR_TRUNCATE;
        if (!param && s[n] != '\0')
            continue;
        out->kind = (ko_ice_transform_kind)k;
        out->unknown = NULL;
        return param ? parse_param(s, s + n, out, err) : KO_OK;
    }
    return ko_err_set(err, KO_ERR_UNSUPPORTED, "unknown transform '%s'", s);
}

size_t ko_ice_transform_format(const ko_ice_transform *t, char out[KO_ICE_TRANSFORM_STR_MAX])
{
    int n;
    if (t->kind == KO_ICE_TR_BUCKET || t->kind == KO_ICE_TR_TRUNCATE)
        n = snprintf(out, KO_ICE_TRANSFORM_STR_MAX, "%s[%d]", KIND_NAMES[t->kind], (int)t->param);
    else if (t->kind == KO_ICE_TR_UNKNOWN || (unsigned)t->kind >= KO_ARRAY_LEN(KIND_NAMES))
        n = snprintf(out, KO_ICE_TRANSFORM_STR_MAX, "%s", t->unknown ? t->unknown : "unknown");
    else
        n = snprintf(out, KO_ICE_TRANSFORM_STR_MAX, "%s", KIND_NAMES[t->kind]);
    if (n < 0)
        return 0;
    return (size_t)n < KO_ICE_TRANSFORM_STR_MAX ? (size_t)n : KO_ICE_TRANSFORM_STR_MAX - 1;
}

bool ko_ice_transform_equal(const ko_ice_transform *a, const ko_ice_transform *b)
{
    if (a->kind != b->kind)
        return false;
    if (a->kind == KO_ICE_TR_UNKNOWN)
        return a->unknown && b->unknown && strcmp(a->unknown, b->unknown) == 0;
    return a->param == b->param;
}

/* ---------------------------------------------------------- result type */

static bool is_timestamp(ko_ice_type_id t)
{
    return t >= KO_ICE_TIMESTAMP && t <= KO_ICE_TIMESTAMPTZ_NS;
}

static bool source_ok(ko_ice_transform_kind k, ko_ice_type_id t)
{
    switch (k) {
    case KO_ICE_TR_IDENTITY:
    case KO_ICE_TR_VOID:
        return true;
    case KO_ICE_TR_BUCKET:
        return t != KO_ICE_BOOLEAN && t != KO_ICE_FLOAT && t != KO_ICE_DOUBLE;
    case KO_ICE_TR_TRUNCATE:
        return t == KO_ICE_INT || t == KO_ICE_LONG || t == KO_ICE_DECIMAL || t == KO_ICE_STRING ||
               t == KO_ICE_BINARY;
    case KO_ICE_TR_YEAR:
    case KO_ICE_TR_MONTH:
    case KO_ICE_TR_DAY:
        return t == KO_ICE_DATE || is_timestamp(t);
    case KO_ICE_TR_HOUR:
        return is_timestamp(t);
    default:
        return false;
    }
}

ko_status ko_ice_transform_result_type(const ko_ice_transform *t, const ko_ice_type *src,
                                       ko_ice_type *out, ko_err *err)
{
    char tname[KO_ICE_TRANSFORM_STR_MAX], sname[KO_ICE_TYPE_STR_MAX];
    ko_ice_transform_format(t, tname);
    if (t->kind == KO_ICE_TR_UNKNOWN)
        return ko_err_set(err, KO_ERR_UNSUPPORTED, "unknown transform '%s'", tname);
    ko_ice_type_format(src, sname);
    if (!ko_ice_type_is_primitive(src) || !source_ok(t->kind, src->id))
        return ko_err_set(err, KO_ERR_INVALID, "transform %s cannot be applied to type %s", tname,
                          sname);
    if (t->kind == KO_ICE_TR_IDENTITY || t->kind == KO_ICE_TR_TRUNCATE || t->kind == KO_ICE_TR_VOID)
        *out = (ko_ice_type){
            .id = src->id, .precision = src->precision, .scale = src->scale, .length = src->length};
    else
        *out = (ko_ice_type){.id = t->kind == KO_ICE_TR_DAY ? KO_ICE_DATE : KO_ICE_INT};
    return KO_OK;
}

/* ----------------------------------------------------------------- hash */

static int32_t hash_long(int64_t v)
{
    uint8_t b[8];
    for (int k = 0; k < 8; k++)
        b[k] = (uint8_t)((uint64_t)v >> (8 * k));
    return (int32_t)ko_murmur3_32(b, 8, 0);
}

/* doubleToLongBits with NaN and -0.0 canonicalised. */
static int64_t double_bits(double d)
{
    if (d != d)
        return INT64_C(0x7ff8000000000000);
    if (d == 0)
        return 0;
    int64_t bits;
    memcpy(&bits, &d, 8);
    return bits;
}

ko_status ko_ice_hash_value(const ko_ice_type *t, const ko_ice_value *v, int32_t *out, ko_err *err)
{
    ko_status st = ko_ice_value_check(t, v, err);
    if (st != KO_OK)
        return st;
    if (v->is_null)
        return ko_err_set(err, KO_ERR_INVALID, "null values have no hash");
    uint8_t dec[16];
    switch (t->id) {
    case KO_ICE_FLOAT:
    case KO_ICE_DOUBLE:
        *out = hash_long(double_bits(t->id == KO_ICE_FLOAT ? (double)(float)v->d : v->d));
        break;
    case KO_ICE_TIMESTAMP_NS:
    case KO_ICE_TIMESTAMPTZ_NS:
        *out = hash_long(floor_div(v->i, 1000));
        break;
    case KO_ICE_DECIMAL:
        *out = (int32_t)ko_murmur3_32(dec, ko_ice_decimal_min_bytes(v, dec), 0);
        break;
    case KO_ICE_STRING:
    case KO_ICE_UUID:
    case KO_ICE_FIXED:
    case KO_ICE_BINARY:
        *out = (int32_t)ko_murmur3_32(v->bytes, v->len, 0);
        break;
    default: /* boolean, int, long, date, time, timestamp(tz): as a long */
        *out = hash_long(v->i);
        break;
    }
    return KO_OK;
}

/* ---------------------------------------------------------------- apply */

/* Bytes of the first w code points of a UTF-8 string. */
static size_t utf8_prefix(const uint8_t *s, size_t len, int32_t w)
{
    size_t i = 0;
    int32_t cps = 0;
    while (i < len) {
        if ((s[i] & 0xC0) != 0x80) { /* the start of a code point */
            if (cps == w)
                break;
            cps++;
        }
        i++;
    }
    return i;
}

static void truncate_value(int32_t w, const ko_ice_value *v, ko_ice_value *out)
{
    *out = *v;
    switch (v->type) {
    case KO_ICE_INT:
        out->i = (int32_t)(uint32_t)(uint64_t)(v->i - (((v->i % w) + w) % w));
        break;
    case KO_ICE_LONG:
        out->i = (int64_t)(uint64_t)(u128)((i128)v->i - (((v->i % w) + w) % w));
        break;
    case KO_ICE_DECIMAL: {
        i128 x = (i128)(((u128)(uint64_t)v->hi << 64) | (uint64_t)v->i);
        x -= ((x % w) + w) % w;
        out->i = (int64_t)(uint64_t)(u128)x;
        out->hi = (int64_t)(uint64_t)((u128)x >> 64);
        break;
    }
    case KO_ICE_STRING:
        out->len = utf8_prefix(v->bytes, v->len, w);
        break;
    default: /* binary */
        out->len = v->len < (size_t)w ? v->len : (size_t)w;
        break;
    }
}

/* Years, months, days or hours since 1970 of a date or timestamp. */
static int64_t time_unit(ko_ice_transform_kind k, const ko_ice_value *v)
{
    bool nanos = v->type == KO_ICE_TIMESTAMP_NS || v->type == KO_ICE_TIMESTAMPTZ_NS;
    int64_t us = nanos ? floor_div(v->i, 1000) : v->i;
    int64_t days = v->type == KO_ICE_DATE ? v->i : floor_div(us, US_PER_DAY);
    if (k == KO_ICE_TR_HOUR)
        return floor_div(us, US_PER_HOUR);
    if (k == KO_ICE_TR_DAY)
        return days;
    int64_t y;
    unsigned m, d;
    ko_civil_from_days(days, &y, &m, &d);
    return k == KO_ICE_TR_YEAR ? y - 1970 : (y - 1970) * 12 + (int64_t)m - 1;
}

ko_status ko_ice_transform_apply(const ko_ice_transform *t, const ko_ice_type *src,
                                 const ko_ice_value *v, ko_ice_value *out, ko_err *err)
{
    ko_ice_type rt = {0};
    ko_status st = ko_ice_transform_result_type(t, src, &rt, err);
    if (st == KO_OK)
        st = ko_ice_value_check(src, v, err);
    if (st != KO_OK)
        return st;
    if (v->is_null || t->kind == KO_ICE_TR_VOID) {
        *out = ko_ice_value_null(rt.id);
        return KO_OK;
    }
    int32_t h = 0;
    switch (t->kind) {
    case KO_ICE_TR_IDENTITY:
        *out = *v;
        return KO_OK;
    case KO_ICE_TR_BUCKET:
        st = ko_ice_hash_value(src, v, &h, err);
        *out = ko_ice_value_int((int32_t)((h & INT32_MAX) % t->param));
        return st;
    case KO_ICE_TR_TRUNCATE:
        truncate_value(t->param, v, out);
        return KO_OK;
    default:
        *out = ko_ice_value_int_of(rt.id, time_unit(t->kind, v));
        return KO_OK;
    }
}

/* ----------------------------------------------------------- human text */

/* Years, months and hours since 1970 as Java's TransformUtil writes them. */
static void human_ordinal(ko_ice_transform_kind kind, int64_t v, char *text, size_t cap)
{
    int64_t y;
    unsigned m, d;
    if (kind == KO_ICE_TR_YEAR) {
        snprintf(text, cap, "%04" PRId64, 1970 + v);
    } else if (kind == KO_ICE_TR_MONTH) {
        snprintf(text, cap, "%04" PRId64 "-%02d", 1970 + floor_div(v, 12),
                 (int)(v - floor_div(v, 12) * 12) + 1);
    } else {
        ko_civil_from_days(floor_div(v, 24), &y, &m, &d);
        snprintf(text, cap, "%04" PRId64 "-%02u-%02u-%02d", y, m, d,
                 (int)(v - floor_div(v, 24) * 24));
    }
}

ko_status ko_ice_transform_human(const ko_ice_transform *t, const ko_ice_type *result_type,
                                 const ko_ice_value *v, ko_buf *out, ko_err *err)
{
    ko_ice_transform_kind k = t->kind;
    if (v->is_null || !(k == KO_ICE_TR_YEAR || k == KO_ICE_TR_MONTH || k == KO_ICE_TR_HOUR ||
                        k == KO_ICE_TR_DAY)) {
        return ko_ice_value_human(result_type, v, out, err);
    }
    if (k == KO_ICE_TR_DAY) { /* readers must accept int days too */
        ko_ice_type date = {.id = KO_ICE_DATE};
        ko_ice_value days = ko_ice_value_int_of(KO_ICE_DATE, v->i);
        return ko_ice_value_human(&date, &days, out, err);
    }
    char text[64];
    human_ordinal(k, v->i, text, sizeof text);
    ko_status st = ko_buf_append_str(out, text);
    return st == KO_OK ? KO_OK : ko_err_set(err, st, "out of memory formatting a value");
}
