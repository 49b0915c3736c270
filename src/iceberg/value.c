/*
 * value.c - single primitive values and their binary form (Appendix D).
 *
 * ko_ice_value is a small tagged struct rather than a union so that values
 * can be built with designated initialisers and compared field by field.
 * Decimals hold their unscaled value as 128 bits (hi:i), enough for
 * precision 38; arithmetic on them uses the compiler's __int128.
 *
 * The binary single-value form is what manifests store as column bounds
 * and partition summaries: little-endian fixed-width numbers, raw bytes for
 * strings and binaries, big-endian uuids and minimal big-endian two's
 * complement decimals.  Reading accepts the shorter encodings a column had
 * before a type promotion (int bounds on a long column, and so on), as the
 * spec's schema evolution section requires.
 */
#include "iceberg/iceberg.h"

#include <string.h>

__extension__ typedef __int128 i128;
__extension__ typedef unsigned __int128 u128;

/* ---------------------------------------------------------- constructors */

ko_ice_value ko_ice_value_null(ko_ice_type_id type)
{
    return (ko_ice_value){.type = type, .is_null = true};
}

ko_ice_value ko_ice_value_bool(bool v)
{
    return (ko_ice_value){.type = KO_ICE_BOOLEAN, .i = v ? 1 : 0};
}

ko_ice_value ko_ice_value_int(int32_t v)
{
    return (ko_ice_value){.type = KO_ICE_INT, .i = v};
}

ko_ice_value ko_ice_value_long(int64_t v)
{
    return (ko_ice_value){.type = KO_ICE_LONG, .i = v};
}

ko_ice_value ko_ice_value_int_of(ko_ice_type_id type, int64_t v)
{
    return (ko_ice_value){.type = type, .i = v};
}

ko_ice_value ko_ice_value_float(float v)
{
    return (ko_ice_value){.type = KO_ICE_FLOAT, .d = v};
}

ko_ice_value ko_ice_value_double(double v)
{
    return (ko_ice_value){.type = KO_ICE_DOUBLE, .d = v};
}

ko_ice_value ko_ice_value_decimal(int64_t unscaled, int32_t scale)
{
    return (ko_ice_value){
        .type = KO_ICE_DECIMAL, .i = unscaled, .hi = unscaled < 0 ? -1 : 0, .scale = scale};
}

ko_ice_value ko_ice_value_bytes(ko_ice_type_id type, const void *bytes, size_t len)
{
    return (ko_ice_value){.type = type, .bytes = bytes, .len = len};
}

ko_ice_value ko_ice_value_string(const char *s)
{
    return ko_ice_value_bytes(KO_ICE_STRING, s, strlen(s));
}

/* -------------------------------------------------------------- decimals */

static i128 dec_get(const ko_ice_value *v)
{
    return (i128)(((u128)(uint64_t)v->hi << 64) | (uint64_t)v->i);
}

static void dec_set(ko_ice_value *v, i128 x)
{
    v->i = (int64_t)(uint64_t)(u128)x;
    v->hi = (int64_t)(uint64_t)((u128)x >> 64);
}

/* 10^p for p in 0..38. */
static i128 pow10_128(int p)
{
    i128 r = 1;
    for (int k = 0; k < p; k++)
        r *= 10;
    return r;
}

size_t ko_ice_decimal_min_bytes(const ko_ice_value *v, uint8_t out[16])
{
    u128 u = (u128)dec_get(v);
    uint8_t be[16];
    for (int k = 0; k < 16; k++)
        be[15 - k] = (uint8_t)(u >> (8 * k));
    /* Drop leading bytes that are pure sign extension of the next one. */
    size_t start = 0;
    while (start < 15 && ((be[start] == 0x00 && !(be[start + 1] & 0x80)) ||
                          (be[start] == 0xff && (be[start + 1] & 0x80))))
        start++;
    memcpy(out, be + start, 16 - start);
    return 16 - start;
}

ko_status ko_ice_decimal_from_be(const uint8_t *p, size_t len, int32_t scale, ko_ice_value *out,
                                 ko_err *err)
{
    if (len < 1 || len > 16)
        return ko_err_set(err, KO_ERR_CORRUPT, "a decimal needs 1 to 16 bytes, not %zu", len);
    u128 u = (p[0] & 0x80) ? ~(u128)0 : 0;
    for (size_t k = 0; k < len; k++)
        u = (u << 8) | p[k];
    *out = (ko_ice_value){.type = KO_ICE_DECIMAL, .scale = scale};
    dec_set(out, (i128)u);
    return KO_OK;
}

bool ko_ice_decimal_fits(const ko_ice_value *v, int32_t precision)
{
    if (precision < 1 || precision > KO_ICE_DECIMAL_MAX_PRECISION)
        return false;
    i128 x = dec_get(v);
    i128 lim = pow10_128(precision);
    return x < lim && x > -lim;
}

/* ------------------------------------------------------- check, compare */

static bool is_int32_type(ko_ice_type_id t)
{
    return t == KO_ICE_INT || t == KO_ICE_DATE;
}

ko_status ko_ice_value_check(const ko_ice_type *t, const ko_ice_value *v, ko_err *err)
{
    if (!ko_ice_type_is_primitive(t))
        return ko_err_set(err, KO_ERR_INVALID, "%s has no single values", ko_ice_type_name(t->id));
    if (v->type != t->id)
        return ko_err_set(err, KO_ERR_INVALID, "a %s value where a %s is expected",
                          ko_ice_type_name(v->type), ko_ice_type_name(t->id));
    if (v->is_null)
        return KO_OK;
    if (is_int32_type(t->id) && (v->i < INT32_MIN || v->i > INT32_MAX))
        return ko_err_set(err, KO_ERR_INVALID, "%s value %lld is out of range",
                          ko_ice_type_name(t->id), (long long)v->i);
    if (t->id == KO_ICE_FIXED && v->len != (size_t)t->length)
        return ko_err_set(err, KO_ERR_INVALID, "fixed[%d] value has %zu bytes", (int)t->length,
                          v->len);
    if (t->id == KO_ICE_UUID && v->len != 16)
        return ko_err_set(err, KO_ERR_INVALID, "uuid value has %zu bytes, not 16", v->len);
    if (t->id == KO_ICE_DECIMAL && v->scale != t->scale)
        return ko_err_set(err, KO_ERR_INVALID, "decimal value has scale %d, the type %d",
                          (int)v->scale, (int)t->scale);
    if (t->id == KO_ICE_DECIMAL && !ko_ice_decimal_fits(v, t->precision))
        return ko_err_set(err, KO_ERR_INVALID, "decimal value has more than %d digits",
                          (int)t->precision);
    return KO_OK;
}

/* Floats are equal when their bits are: NaN equals NaN, -0.0 differs from 0.0. */
static bool same_bits(double a, double b)
{
    uint64_t x, y;
    memcpy(&x, &a, sizeof x);
    memcpy(&y, &b, sizeof y);
    return x == y;
}

bool ko_ice_value_equal(const ko_ice_value *a, const ko_ice_value *b)
{
    if (a->type != b->type || a->is_null != b->is_null)
        return false;
    if (a->is_null)
        return true;
    switch (a->type) {
    case KO_ICE_FLOAT:
    case KO_ICE_DOUBLE:
        return same_bits(a->d, b->d);
    case KO_ICE_DECIMAL:
        return a->i == b->i && a->hi == b->hi && a->scale == b->scale;
    case KO_ICE_STRING:
    case KO_ICE_BINARY:
    case KO_ICE_FIXED:
    case KO_ICE_UUID:
        return a->len == b->len && (a->len == 0 || memcmp(a->bytes, b->bytes, a->len) == 0);
    default:
        return a->i == b->i;
    }
}

/* ---------------------------------------------------------------- binary */

static void put_le(uint8_t *p, uint64_t v, int n)
{
    for (int k = 0; k < n; k++)
        p[k] = (uint8_t)(v >> (8 * k));
}

static uint64_t get_le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int k = n - 1; k >= 0; k--)
        v = (v << 8) | p[k];
    return v;
}

/* Width of the little-endian encoding of a fixed-width type, 0 otherwise. */
static int fixed_width(ko_ice_type_id t)
{
    switch (t) {
    case KO_ICE_BOOLEAN:
        return 1;
    case KO_ICE_INT:
    case KO_ICE_DATE:
    case KO_ICE_FLOAT:
        return 4;
    case KO_ICE_LONG:
    case KO_ICE_TIME:
    case KO_ICE_TIMESTAMP:
    case KO_ICE_TIMESTAMPTZ:
    case KO_ICE_TIMESTAMP_NS:
    case KO_ICE_TIMESTAMPTZ_NS:
    case KO_ICE_DOUBLE:
        return 8;
    default:
        return 0;
    }
}

static uint64_t number_bits(const ko_ice_value *v)
{
    if (v->type == KO_ICE_FLOAT) {
        float f = (float)v->d;
        uint32_t u;
        memcpy(&u, &f, 4);
        return u;
    }
    if (v->type == KO_ICE_DOUBLE) {
        uint64_t u;
        memcpy(&u, &v->d, 8);
        return u;
    }
    if (v->type == KO_ICE_BOOLEAN)
        return v->i ? 1 : 0;
    return (uint64_t)v->i;
}

ko_status ko_ice_value_to_bytes(const ko_ice_type *t, const ko_ice_value *v, ko_buf *out,
                                ko_err *err)
{
    ko_status st = ko_ice_value_check(t, v, err);
    if (st != KO_OK)
        return st;
    if (v->is_null)
        return ko_err_set(err, KO_ERR_INVALID, "a null %s has no binary form",
                          ko_ice_type_name(t->id));
    uint8_t tmp[16];
    size_t n = 0;
    const void *src = tmp;
    int w = fixed_width(t->id);
    if (w) {
        put_le(tmp, number_bits(v), w);
        n = (size_t)w;
    } else if (t->id == KO_ICE_DECIMAL) {
        n = ko_ice_decimal_min_bytes(v, tmp);
    } else {
        src = v->bytes;
        n = v->len;
    }
    st = n ? ko_buf_append(out, src, n) : KO_OK;
    return st == KO_OK ? KO_OK : ko_err_set(err, st, "out of memory serializing a value");
}

static ko_status bad_length(const ko_ice_type *t, size_t len, ko_err *err)
{
    char name[KO_ICE_TYPE_STR_MAX];
    ko_ice_type_format(t, name);
    return ko_err_set(err, KO_ERR_CORRUPT, "%zu bytes cannot be a %s value", len, name);
}

static double float_from_bits(uint32_t u)
{
    float f;
    memcpy(&f, &u, 4);
    return f;
}

/* A 4-byte value on an 8-byte type: written before a promotion. */
static ko_status promoted_from4(const ko_ice_type *t, const uint8_t *p, ko_ice_value *out,
                                ko_err *err)
{
    int64_t v32 = (int32_t)(uint32_t)get_le(p, 4);
    *out = (ko_ice_value){.type = t->id};
    switch (t->id) {
    case KO_ICE_LONG:
        out->i = v32;
        return KO_OK;
    case KO_ICE_DOUBLE:
        out->d = float_from_bits((uint32_t)get_le(p, 4));
        return KO_OK;
    case KO_ICE_TIMESTAMP:
    case KO_ICE_TIMESTAMPTZ:
        out->i = v32 * INT64_C(86400000000);
        return KO_OK;
    case KO_ICE_TIMESTAMP_NS:
    case KO_ICE_TIMESTAMPTZ_NS:
        out->i = v32 * INT64_C(86400000000000);
        return KO_OK;
    default:
        return bad_length(t, 4, err);
    }
}

static ko_status fixed_from_bytes(const ko_ice_type *t, const uint8_t *p, size_t len,
                                  ko_ice_value *out, ko_err *err)
{
    int w = fixed_width(t->id);
    if (len == 4 && w == 8)
        return promoted_from4(t, p, out, err);
    if (len != (size_t)w)
        return bad_length(t, len, err);
    uint64_t u = get_le(p, w);
    *out = (ko_ice_value){.type = t->id};
    if (t->id == KO_ICE_BOOLEAN)
        out->i = u != 0;
    else if (t->id == KO_ICE_FLOAT)
        out->d = float_from_bits((uint32_t)u);
    else if (t->id == KO_ICE_DOUBLE)
        memcpy(&out->d, &u, 8);
    else if (w == 4)
        out->i = (int32_t)(uint32_t)u;
    else
        out->i = (int64_t)u;
    return KO_OK;
}

ko_status ko_ice_value_from_bytes(const ko_ice_type *t, const uint8_t *p, size_t len,
                                  ko_ice_value *out, ko_err *err)
{
    if (!ko_ice_type_is_primitive(t))
        return ko_err_set(err, KO_ERR_INVALID, "%s has no single values", ko_ice_type_name(t->id));
    if (fixed_width(t->id))
        return fixed_from_bytes(t, p, len, out, err);
    if (t->id == KO_ICE_DECIMAL) {
        ko_status st = ko_ice_decimal_from_be(p, len, t->scale, out, err);
        return st == KO_OK ? KO_OK : bad_length(t, len, err);
    }
    if ((t->id == KO_ICE_FIXED && len != (size_t)t->length) || (t->id == KO_ICE_UUID && len != 16))
        return bad_length(t, len, err);
    *out = ko_ice_value_bytes(t->id, p, len);
    return KO_OK;
}
