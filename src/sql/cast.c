/*
 * cast.c - CAST and TRY_CAST between SQL types, and parsing of text into
 * dates, times, timestamps, intervals and decimals.
 *
 * Numbers go through one of two exact intermediate forms: a 128-bit
 * integer with a decimal scale (integers are scale 0) or a double.  The
 * common hot casts (integer widening, decimal rescaling within int64,
 * decimal or integer to double) have their own loops.  A value that does
 * not fit the target is an error naming the value and both types (DuckDB:
 * "Could not convert string 'x' to INT32"), or NULL under TRY_CAST.
 * Decimal rounding is half away from zero, as DuckDB does.
 */
#include "sql/engine.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---------------------------------------------------------- text parse */

static bool parse_uint(const char **p, const char *e, int min_digits, int max_digits, int64_t *out)
{
    int64_t v = 0;
    int n = 0;
    while (*p < e && isdigit((unsigned char)**p) && n < max_digits) {
        v = v * 10 + (**p - '0');
        (*p)++;
        n++;
    }
    *out = v;
    return n >= min_digits;
}

static void trim(const char **s, size_t *len)
{
    while (*len && isspace((unsigned char)(*s)[0])) {
        (*s)++;
        (*len)--;
    }
    while (*len && isspace((unsigned char)(*s)[*len - 1]))
        (*len)--;
}

static bool date_part(const char **p, const char *e, int64_t *days)
{
    int64_t y, m, d;
    bool neg = *p < e && **p == '-';
    if (neg)
        (*p)++;
    if (!parse_uint(p, e, 1, 7, &y) || *p >= e || **p != '-')
        return false;
    (*p)++;
    if (!parse_uint(p, e, 1, 2, &m) || *p >= e || **p != '-')
        return false;
    (*p)++;
    if (!parse_uint(p, e, 1, 2, &d))
        return false;
    if (neg)
        y = -y;
    if (m < 1 || m > 12 || d < 1)
        return false;
    static const int md[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (d > md[m - 1] || (m == 2 && d == 29 && !leap))
        return false;
    *days = ko_days_from_civil(y, (unsigned)m, (unsigned)d);
    if (e - *p >= 5 && strncmp(*p, " (BC)", 5) == 0) {
        *days = ko_days_from_civil(1 - y, (unsigned)m, (unsigned)d);
        *p += 5;
    }
    return true;
}

static bool time_part(const char **p, const char *e, int64_t *us)
{
    int64_t h, mi, s = 0, frac = 0;
    if (!parse_uint(p, e, 1, 2, &h) || *p >= e || **p != ':')
        return false;
    (*p)++;
    if (!parse_uint(p, e, 2, 2, &mi))
        return false;
    if (*p < e && **p == ':') {
        (*p)++;
        if (!parse_uint(p, e, 2, 2, &s))
            return false;
        if (*p < e && **p == '.') {
            (*p)++;
            int n = 0;
            while (*p < e && isdigit((unsigned char)**p)) {
                if (n < 6) {
                    frac = frac * 10 + (**p - '0');
                    n++;
                }
                (*p)++;
            }
            while (n++ < 6)
                frac *= 10;
        }
    }
    if (h > 24 || mi > 59 || s > 60)
        return false;
    *us = ((h * 60 + mi) * 60 + s) * 1000000 + frac;
    return true;
}

bool ko_sql_parse_date(const char *s, size_t len, int32_t *out)
{
    trim(&s, &len);
    const char *p = s, *e = s + len;
    int64_t d;
    if (!date_part(&p, e, &d) || p != e || d < INT32_MIN || d > INT32_MAX)
        return false;
    *out = (int32_t)d;
    return true;
}

bool ko_sql_parse_time(const char *s, size_t len, int64_t *out)
{
    trim(&s, &len);
    const char *p = s, *e = s + len;
    return time_part(&p, e, out) && p == e;
}

static bool zone_part(const char **p, const char *e, int64_t *offset_us)
{
    *offset_us = 0;
    if (*p < e && (**p == 'Z' || **p == 'z')) {
        (*p)++;
        return true;
    }
    if (*p < e && (**p == '+' || **p == '-')) {
        int sign = **p == '-' ? -1 : 1;
        (*p)++;
        int64_t h = 0, m = 0;
        if (!parse_uint(p, e, 1, 2, &h))
            return false;
        if (*p < e && **p == ':')
            (*p)++;
        (void)parse_uint(p, e, 0, 2, &m);
        *offset_us = sign * (h * 3600 + m * 60) * 1000000;
        return true;
    }
    if (e - *p >= 3 && strncasecmp(*p, "UTC", 3) == 0) {
        *p += 3;
        return true;
    }
    return true;
}

bool ko_sql_parse_timestamp(const char *s, size_t len, int64_t *out)
{
    trim(&s, &len);
    const char *p = s, *e = s + len;
    int64_t d, t = 0, off = 0;
    if (!date_part(&p, e, &d))
        return false;
    if (p < e && (*p == ' ' || *p == 'T')) {
        p++;
        while (p < e && *p == ' ')
            p++;
        if (!time_part(&p, e, &t))
            return false;
        while (p < e && *p == ' ')
            p++;
        if (!zone_part(&p, e, &off))
            return false;
    }
    if (p != e)
        return false;
    *out = d * 86400000000LL + t - off;
    return true;
}

static bool unit_scale(const char *u, size_t n, int *kind, int64_t *mult)
{
    static const struct {
        const char *name;
        int kind; /* 0 months, 1 days, 2 micros */
        int64_t mult;
    } units[] = {
        {"year", 0, 12},
        {"years", 0, 12},
        {"y", 0, 12},
        {"month", 0, 1},
        {"months", 0, 1},
        {"mon", 0, 1},
        {"mons", 0, 1},
        {"day", 1, 1},
        {"days", 1, 1},
        {"d", 1, 1},
        {"week", 1, 7},
        {"weeks", 1, 7},
        {"hour", 2, 3600000000LL},
        {"hours", 2, 3600000000LL},
        {"h", 2, 3600000000LL},
        {"minute", 2, 60000000LL},
        {"minutes", 2, 60000000LL},
        {"min", 2, 60000000LL},
        {"mins", 2, 60000000LL},
        {"second", 2, 1000000},
        {"seconds", 2, 1000000},
        {"sec", 2, 1000000},
        {"secs", 2, 1000000},
        {"s", 2, 1000000},
        {"millisecond", 2, 1000},
        {"milliseconds", 2, 1000},
        {"ms", 2, 1000},
        {"microsecond", 2, 1},
        {"microseconds", 2, 1},
        {"us", 2, 1},
        {"decade", 0, 120},
        {"decades", 0, 120},
        {"century", 0, 1200},
        {"centuries", 0, 1200},
        {"quarter", 0, 3},
        {"quarters", 0, 3},
    };
    for (size_t i = 0; i < KO_ARRAY_LEN(units); i++)
        if (strlen(units[i].name) == n && strncasecmp(units[i].name, u, n) == 0) {
            *kind = units[i].kind;
            *mult = units[i].mult;
            return true;
        }
    return false;
}

bool ko_sql_parse_interval(const char *s, size_t len, ko_sql_interval *out)
{
    trim(&s, &len);
    const char *p = s, *e = s + len;
    ko_sql_interval iv = {0, 0, 0};
    bool any = false;
    while (p < e) {
        while (p < e && *p == ' ')
            p++;
        if (p >= e)
            break;
        const char *start = p;
        int64_t t;
        if (time_part(&p, e, &t)) {
            iv.micros += t;
            any = true;
            continue;
        }
        p = start;
        int sign = 1;
        if (*p == '-' || *p == '+') {
            sign = *p == '-' ? -1 : 1;
            p++;
        }
        char *end = NULL;
        double v = strtod(p, &end);
        if (end == p)
            return false;
        p = end;
        while (p < e && *p == ' ')
            p++;
        const char *u = p;
        while (p < e && isalpha((unsigned char)*p))
            p++;
        int kind;
        int64_t mult;
        if (!unit_scale(u, (size_t)(p - u), &kind, &mult))
            return false;
        v *= sign;
        if (kind == 0)
            iv.months += (int32_t)(v * (double)mult);
        else if (kind == 1)
            iv.days += (int32_t)(v * (double)mult);
        else
            iv.micros += (int64_t)llround(v * (double)mult);
        any = true;
    }
    *out = iv;
    return any;
}

bool ko_sql_parse_decimal(const char *s, size_t len, int scale, ko_i128 *out)
{
    trim(&s, &len);
    const char *p = s, *e = s + len;
    bool neg = false;
    if (p < e && (*p == '-' || *p == '+'))
        neg = *p++ == '-';
    ko_i128 v = 0;
    int digits = 0, frac = 0;
    bool point = false, any = false;
    int round_digit = -1;
    for (; p < e; p++) {
        if (*p == '.' && !point) {
            point = true;
            continue;
        }
        if (!isdigit((unsigned char)*p))
            break;
        any = true;
        if (point && frac >= scale) {
            if (round_digit < 0)
                round_digit = *p - '0';
            continue;
        }
        v = v * 10 + (*p - '0');
        if (v != 0)
            digits++;
        if (digits > 38)
            return false;
        frac += point;
    }
    int64_t exp = 0;
    if (p < e && (*p == 'e' || *p == 'E')) {
        char *end = NULL;
        exp = strtoll(p + 1, &end, 10);
        p = end;
    }
    if (!any || p != e || exp != 0)
        return false;
    while (frac < scale) {
        v *= 10;
        frac++;
    }
    if (round_digit >= 5)
        v += 1;
    *out = neg ? -v : v;
    return true;
}

/* ------------------------------------------------------- numeric values */

typedef struct num {
    bool is_dbl;
    ko_i128 i; /* unscaled */
    int scale;
    double d;
} num;

static num load_num(const ko_vec *v, size_t row)
{
    size_t i = ko_vec_idx(v, row);
    num n = {false, 0, 0, 0};
    switch (v->type.id) {
    case KO_SQL_DT_BOOLEAN:
        n.i = v->data[i];
        break;
    case KO_SQL_DT_TINYINT:
        n.i = (int)((const int8_t *)(const void *)v->data)[i];
        break;
    case KO_SQL_DT_SMALLINT:
        n.i = KO_VEC_DATA(v, int16_t)[i];
        break;
    case KO_SQL_DT_INTEGER:
        n.i = KO_VEC_DATA(v, int32_t)[i];
        break;
    case KO_SQL_DT_BIGINT:
        n.i = KO_VEC_DATA(v, int64_t)[i];
        break;
    case KO_SQL_DT_HUGEINT:
        n.i = KO_VEC_DATA(v, ko_i128)[i];
        break;
    case KO_SQL_DT_DECIMAL:
        n.i = v->type.precision <= 18 ? KO_VEC_DATA(v, int64_t)[i] : KO_VEC_DATA(v, ko_i128)[i];
        n.scale = v->type.scale;
        break;
    case KO_SQL_DT_FLOAT:
        n.is_dbl = true;
        n.d = KO_VEC_DATA(v, float)[i];
        break;
    default:
        n.is_dbl = true;
        n.d = KO_VEC_DATA(v, double)[i];
        break;
    }
    return n;
}

static double num_to_dbl(const num *n)
{
    if (n->is_dbl)
        return n->d;
    if (n->scale == 0)
        return (double)n->i;
    /* exact-ish: integer part and fraction separately */
    ko_i128 p = ko_sql_pow10(n->scale);
    ko_i128 whole = n->i / p; /* integer part: the division truncates on purpose */
    return (double)whole + (double)(n->i % p) / (double)p;
}

/* Rescales to `scale` rounding half away from zero; false on overflow. */
static bool num_to_scaled(const num *n, int scale, ko_i128 *out)
{
    if (n->is_dbl) {
        double x = n->d * (double)ko_sql_pow10(scale);
        if (!(x > -1.7e38 && x < 1.7e38))
            return false;
        *out = (ko_i128)(x < 0 ? x - 0.5 : x + 0.5);
        return true;
    }
    ko_i128 v = n->i;
    if (scale >= n->scale) {
        ko_i128 m = ko_sql_pow10(scale - n->scale);
        if (__builtin_mul_overflow(v, m, &v))
            return false;
    } else {
        ko_i128 d = ko_sql_pow10(n->scale - scale);
        ko_i128 q = v / d, r = v % d;
        if (r * 2 >= d)
            q++;
        else if (r * 2 <= -d)
            q--;
        v = q;
    }
    *out = v;
    return true;
}

static bool int_range(ko_sql_dtid id, ko_i128 v)
{
    switch (id) {
    case KO_SQL_DT_TINYINT:
        return v >= INT8_MIN && v <= INT8_MAX;
    case KO_SQL_DT_SMALLINT:
        return v >= INT16_MIN && v <= INT16_MAX;
    case KO_SQL_DT_INTEGER:
        return v >= INT32_MIN && v <= INT32_MAX;
    case KO_SQL_DT_BIGINT:
        return v >= INT64_MIN && v <= INT64_MAX;
    default:
        return true;
    }
}

static bool store_num(ko_vec *out, size_t i, const num *n)
{
    ko_sql_dtid id = out->type.id;
    if (id == KO_SQL_DT_DOUBLE || id == KO_SQL_DT_FLOAT) {
        double d = num_to_dbl(n);
        if (id == KO_SQL_DT_DOUBLE)
            KO_VEC_DATA(out, double)[i] = d;
        else
            KO_VEC_DATA(out, float)[i] = (float)d;
        return true;
    }
    if (id == KO_SQL_DT_BOOLEAN) {
        out->data[i] = n->is_dbl ? n->d != 0 : n->i != 0;
        return true;
    }
    int scale = id == KO_SQL_DT_DECIMAL ? out->type.scale : 0;
    if (n->is_dbl && (n->d != n->d || isinf(n->d)))
        return false;
    num m = *n;
    if (m.is_dbl && id != KO_SQL_DT_DECIMAL)
        m.d = nearbyint(m.d); /* DuckDB: doubles to integers round half to even */
    ko_i128 v;
    if (!num_to_scaled(&m, scale, &v))
        return false;
    if (id == KO_SQL_DT_DECIMAL) {
        ko_i128 lim = ko_sql_pow10(out->type.precision);
        if (v >= lim || v <= -lim)
            return false;
        if (out->type.precision <= 18)
            KO_VEC_DATA(out, int64_t)[i] = (int64_t)v;
        else
            KO_VEC_DATA(out, ko_i128)[i] = v;
        return true;
    }
    if (!int_range(id, v))
        return false;
    switch (id) {
    case KO_SQL_DT_TINYINT:
        ((int8_t *)out->data)[i] = (int8_t)v;
        break;
    case KO_SQL_DT_SMALLINT:
        KO_VEC_DATA(out, int16_t)[i] = (int16_t)v;
        break;
    case KO_SQL_DT_INTEGER:
        KO_VEC_DATA(out, int32_t)[i] = (int32_t)v;
        break;
    case KO_SQL_DT_BIGINT:
        KO_VEC_DATA(out, int64_t)[i] = (int64_t)v;
        break;
    default:
        KO_VEC_DATA(out, ko_i128)[i] = v;
        break;
    }
    return true;
}

/* ------------------------------------------------------- string -> x */

static bool parse_bool(const char *s, size_t n, uint8_t *out)
{
    trim(&s, &n);
    static const char *const t[] = {"true", "t", "1", "yes", "y"};
    static const char *const f[] = {"false", "f", "0", "no", "n"};
    for (size_t i = 0; i < 5; i++) {
        if (strlen(t[i]) == n && strncasecmp(t[i], s, n) == 0) {
            *out = 1;
            return true;
        }
        if (strlen(f[i]) == n && strncasecmp(f[i], s, n) == 0) {
            *out = 0;
            return true;
        }
    }
    return false;
}

static bool parse_num_text(const ko_sql_str *s, const ko_sql_dtype *to, num *n)
{
    char buf[128];
    if (s->len >= sizeof buf)
        return false;
    size_t len = s->len;
    if (s->ptr)
        memcpy(buf, s->ptr, len);
    buf[len] = '\0';
    const char *p = buf;
    size_t l = len;
    trim(&p, &l);
    memset(n, 0, sizeof *n);
    if (to->id == KO_SQL_DT_DOUBLE || to->id == KO_SQL_DT_FLOAT) {
        char *end = NULL;
        n->is_dbl = true;
        n->d = strtod(p, &end);
        return l > 0 && end == p + l;
    }
    int scale = to->id == KO_SQL_DT_DECIMAL ? to->scale : 0;
    if (!ko_sql_parse_decimal(p, l, scale, &n->i)) {
        return false;
    }
    n->scale = scale;
    /* integers refuse fractions that rounding would hide: DuckDB rounds too */
    return true;
}

static bool parse_uuid(const ko_sql_str *s, ko_sql_uuid *out)
{
    char buf[64];
    if (s->len >= sizeof buf)
        return false;
    memcpy(buf, s->ptr, s->len);
    buf[s->len] = '\0';
    ko_uuid u;
    if (ko_uuid_parse(buf, &u, NULL) != KO_OK)
        return false;
    memcpy(out->b, u.b, 16);
    return true;
}

static bool parse_blob(ko_vec *out, size_t i, const ko_sql_str *s)
{
    char *d = s->len ? ko_sql_heap_alloc(&out->heap, s->len) : NULL;
    if (s->len && !d)
        return false;
    size_t n = 0;
    for (uint32_t k = 0; k < s->len; k++) {
        if (s->ptr[k] == '\\' && k + 3 < s->len && (s->ptr[k + 1] == 'x' || s->ptr[k + 1] == 'X')) {
            char hex[3] = {s->ptr[k + 2], s->ptr[k + 3], 0};
            char *end = NULL;
            long v = strtol(hex, &end, 16);
            if (end != hex + 2)
                return false;
            d[n++] = (char)v;
            k += 3;
        } else {
            d[n++] = s->ptr[k];
        }
    }
    KO_VEC_DATA(out, ko_sql_str)[i] = (ko_sql_str){d, (uint32_t)n, 0};
    return true;
}

static bool cast_from_str(ko_vec *out, size_t i, const ko_sql_str *s)
{
    num n;
    switch (out->type.id) {
    case KO_SQL_DT_VARCHAR:
        KO_VEC_DATA(out, ko_sql_str)[i] = *s;
        return true;
    case KO_SQL_DT_BLOB:
        return parse_blob(out, i, s);
    case KO_SQL_DT_BOOLEAN:
        return parse_bool(s->ptr, s->len, &out->data[i]);
    case KO_SQL_DT_DATE:
        return ko_sql_parse_date(s->ptr, s->len, &KO_VEC_DATA(out, int32_t)[i]);
    case KO_SQL_DT_TIME:
        return ko_sql_parse_time(s->ptr, s->len, &KO_VEC_DATA(out, int64_t)[i]);
    case KO_SQL_DT_TIMESTAMP:
    case KO_SQL_DT_TIMESTAMPTZ:
        return ko_sql_parse_timestamp(s->ptr, s->len, &KO_VEC_DATA(out, int64_t)[i]);
    case KO_SQL_DT_INTERVAL:
        return ko_sql_parse_interval(s->ptr, s->len, &KO_VEC_DATA(out, ko_sql_interval)[i]);
    case KO_SQL_DT_UUID:
        return parse_uuid(s, &KO_VEC_DATA(out, ko_sql_uuid)[i]);
    default:
        if (!ko_sql_dtype_is_numeric(out->type.id))
            return false;
        return parse_num_text(s, &out->type, &n) && store_num(out, i, &n);
    }
}

/* ----------------------------------------------------------- temporal */

static int64_t floor_div(int64_t a, int64_t b)
{
    return a >= 0 ? a / b : -((-a + b - 1) / b);
}

static bool cast_temporal(const ko_vec *in, size_t row, ko_vec *out, size_t i)
{
    size_t j = ko_vec_idx(in, row);
    ko_sql_dtid f = in->type.id, t = out->type.id;
    int64_t day = 86400000000LL;
    if (f == KO_SQL_DT_DATE && (t == KO_SQL_DT_TIMESTAMP || t == KO_SQL_DT_TIMESTAMPTZ)) {
        KO_VEC_DATA(out, int64_t)[i] = (int64_t)KO_VEC_DATA(in, int32_t)[j] * day;
        return true;
    }
    if ((f == KO_SQL_DT_TIMESTAMP || f == KO_SQL_DT_TIMESTAMPTZ) && t == KO_SQL_DT_DATE) {
        KO_VEC_DATA(out, int32_t)[i] = (int32_t)floor_div(KO_VEC_DATA(in, int64_t)[j], day);
        return true;
    }
    if ((f == KO_SQL_DT_TIMESTAMP || f == KO_SQL_DT_TIMESTAMPTZ) && t == KO_SQL_DT_TIME) {
        int64_t v = KO_VEC_DATA(in, int64_t)[j];
        KO_VEC_DATA(out, int64_t)[i] = v - floor_div(v, day) * day;
        return true;
    }
    if ((f == KO_SQL_DT_TIMESTAMP || f == KO_SQL_DT_TIMESTAMPTZ) &&
        (t == KO_SQL_DT_TIMESTAMP || t == KO_SQL_DT_TIMESTAMPTZ)) {
        KO_VEC_DATA(out, int64_t)[i] = KO_VEC_DATA(in, int64_t)[j];
        return true;
    }
    return false;
}

/* ------------------------------------------------------------ dispatch */

bool ko_cast_supported(const ko_sql_dtype *from, const ko_sql_dtype *to)
{
    ko_sql_dtid f = from->id, t = to->id;
    if (f == t || f == KO_SQL_DT_NULL || t == KO_SQL_DT_VARCHAR || f == KO_SQL_DT_VARCHAR)
        return !ko_sql_dtype_is_nested(t) || f == KO_SQL_DT_NULL || f == t;
    bool fn = ko_sql_dtype_is_numeric(f) || f == KO_SQL_DT_BOOLEAN;
    bool tn = ko_sql_dtype_is_numeric(t) || t == KO_SQL_DT_BOOLEAN;
    if (fn && tn)
        return true;
    if (f == KO_SQL_DT_BLOB || t == KO_SQL_DT_BLOB)
        return false;
    return (f == KO_SQL_DT_DATE || f == KO_SQL_DT_TIMESTAMP || f == KO_SQL_DT_TIMESTAMPTZ) &&
           (t == KO_SQL_DT_DATE || t == KO_SQL_DT_TIMESTAMP || t == KO_SQL_DT_TIMESTAMPTZ ||
            t == KO_SQL_DT_TIME);
}

static ko_status cast_error(ko_qctx *q, const ko_vec *in, size_t row, const ko_sql_dtype *to)
{
    ko_buf b = {0};
    char tn[KO_SQL_DTYPE_STR_MAX];
    ko_status st = ko_vec_format(in, row, &b);
    const char *txt = st == KO_OK && b.data ? (const char *)b.data : "?";
    if (in->type.id == KO_SQL_DT_VARCHAR)
        st = ko_err_set(q->err, KO_ERR_INVALID,
                        "Conversion Error: Could not convert string '%s' to %s", txt,
                        ko_sql_dtype_name(to, tn));
    else {
        char fn[KO_SQL_DTYPE_STR_MAX];
        st = ko_err_set(q->err, KO_ERR_INVALID,
                        "Conversion Error: Type %s with value %s can't be cast to the destination "
                        "type %s",
                        ko_sql_dtype_name(&in->type, fn), txt, ko_sql_dtype_name(to, tn));
    }
    ko_buf_free(&b);
    return st;
}

/* DuckDB writes integral doubles with ".0" ("-2.0"); true unless out of
 * memory. */
static bool float_text(const ko_vec *in, ko_buf *tmp)
{
    if (in->type.id != KO_SQL_DT_DOUBLE && in->type.id != KO_SQL_DT_FLOAT)
        return true;
    for (size_t k = 0; k < tmp->len; k++)
        if (!isdigit(tmp->data[k]) && tmp->data[k] != '-')
            return true;
    return ko_buf_append(tmp, ".0", 2) == KO_OK;
}

static bool cast_row(const ko_vec *in, size_t row, ko_vec *out, size_t i, ko_buf *tmp)
{
    ko_sql_dtid f = in->type.id, t = out->type.id;
    if (t == KO_SQL_DT_VARCHAR) {
        ko_buf_reset(tmp);
        if (f == KO_SQL_DT_BLOB) {
            const ko_sql_str *s = &KO_VEC_DATA(in, ko_sql_str)[ko_vec_idx(in, row)];
            KO_VEC_DATA(out, ko_sql_str)[i] = *s;
            return true;
        }
        if (ko_vec_format(in, row, tmp) != KO_OK || !float_text(in, tmp))
            return false;
        return ko_vec_set_str(out, i, (const char *)tmp->data, tmp->len) == KO_OK;
    }
    if (f == KO_SQL_DT_VARCHAR || (f == KO_SQL_DT_BLOB && t == KO_SQL_DT_BLOB))
        return cast_from_str(out, i, &KO_VEC_DATA(in, ko_sql_str)[ko_vec_idx(in, row)]);
    if ((ko_sql_dtype_is_numeric(f) || f == KO_SQL_DT_BOOLEAN) &&
        (ko_sql_dtype_is_numeric(t) || t == KO_SQL_DT_BOOLEAN)) {
        num n = load_num(in, row);
        return store_num(out, i, &n);
    }
    if (f == t) {
        size_t w = ko_sql_phys_size(ko_sql_dtype_phys(&in->type));
        memcpy(out->data + i * w, in->data + ko_vec_idx(in, row) * w, w);
        return true;
    }
    return cast_temporal(in, row, out, i);
}

/* Fast paths to wider integers and decimals of the same scale. */
static bool cast_fast_int(const ko_vec *in, const uint32_t *sel, size_t n_sel, size_t n,
                          ko_vec *out)
{
    ko_sql_phys pf = ko_sql_dtype_phys(&in->type), pt = ko_sql_dtype_phys(&out->type);
    ko_sql_dtid f = in->type.id, t = out->type.id;
    size_t s = in->is_const ? 0 : 1;
    bool fint = ko_sql_dtype_is_integer(f) || (f == KO_SQL_DT_DECIMAL && in->type.scale == 0 &&
                                               t == KO_SQL_DT_DECIMAL && out->type.scale == 0);
    bool same_scale = f == KO_SQL_DT_DECIMAL && t == KO_SQL_DT_DECIMAL &&
                      in->type.scale == out->type.scale &&
                      out->type.precision >= in->type.precision;
    if (pf == KO_PHYS_I32 && pt == KO_PHYS_I64 && (t == KO_SQL_DT_BIGINT || same_scale)) {
        const int32_t *x = KO_VEC_DATA(in, const int32_t);
        int64_t *o = KO_VEC_DATA(out, int64_t);
        KO_SQL_LOOP(i, sel, n_sel, n, { o[i] = x[i * s]; });
        return true;
    }
    if (pf == KO_PHYS_I64 && pt == KO_PHYS_I64 && same_scale) {
        memcpy(out->data, in->data, (in->is_const ? 1 : n) * 8);
        return true;
    }
    if (pf == KO_PHYS_I64 && pt == KO_PHYS_I128 &&
        (same_scale || (fint && t == KO_SQL_DT_HUGEINT))) {
        const int64_t *x = KO_VEC_DATA(in, const int64_t);
        ko_i128 *o = KO_VEC_DATA(out, ko_i128);
        KO_SQL_LOOP(i, sel, n_sel, n, { o[i] = x[i * s]; });
        return true;
    }
    return false;
}

/* Fast paths to DOUBLE from INTEGER, BIGINT and 64-bit decimals. */
static bool cast_fast_double(const ko_vec *in, const uint32_t *sel, size_t n_sel, size_t n,
                             ko_vec *out)
{
    ko_sql_dtid f = in->type.id;
    size_t s = in->is_const ? 0 : 1;
    double *o = KO_VEC_DATA(out, double);
    if (out->type.id != KO_SQL_DT_DOUBLE)
        return false;
    if (f == KO_SQL_DT_INTEGER) {
        const int32_t *x = KO_VEC_DATA(in, const int32_t);
        KO_SQL_LOOP(i, sel, n_sel, n, { o[i] = x[i * s]; });
        return true;
    }
    if (f == KO_SQL_DT_BIGINT) {
        const int64_t *x = KO_VEC_DATA(in, const int64_t);
        KO_SQL_LOOP(i, sel, n_sel, n, { o[i] = (double)x[i * s]; });
        return true;
    }
    if (f == KO_SQL_DT_DECIMAL && ko_sql_dtype_phys(&in->type) == KO_PHYS_I64) {
        const int64_t *x = KO_VEC_DATA(in, const int64_t);
        double div = (double)ko_sql_pow10(in->type.scale);
        KO_SQL_LOOP(i, sel, n_sel, n, { o[i] = (double)x[i * s] / div; });
        return true;
    }
    return false;
}

/* Fast paths for the hot casts; false when none applies. */
static bool cast_fast(const ko_vec *in, const uint32_t *sel, size_t n_sel, size_t n, ko_vec *out)
{
    return cast_fast_int(in, sel, n_sel, n, out) || cast_fast_double(in, sel, n_sel, n, out);
}

ko_status ko_cast_vec(ko_qctx *q, const ko_vec *in, const uint32_t *sel, size_t n_sel,
                      size_t n_rows, ko_vec *out, bool try_, ko_sql_pos pos)
{
    (void)pos;
    if (in->type.id == KO_SQL_DT_NULL || (in->is_const && !ko_vec_valid(in, 0))) {
        ko_status st = ko_vec_validity_init(out, n_rows);
        if (st == KO_OK)
            memset(out->validity, 0, (n_rows + 63) / 64 * 8);
        return st;
    }
    if (in->validity) {
        if (ko_vec_validity_init(out, n_rows) != KO_OK)
            return KO_ERR_NOMEM;
        if (in->is_const)
            memcpy(out->validity, in->validity, 8);
        else
            memcpy(out->validity, in->validity, (n_rows + 63) / 64 * 8);
    }
    if (cast_fast(in, sel, n_sel, n_rows, out))
        return KO_OK;
    if (!ko_cast_supported(&in->type, &out->type)) {
        char a[KO_SQL_DTYPE_STR_MAX], b[KO_SQL_DTYPE_STR_MAX];
        return ko_err_set(q->err, KO_ERR_INVALID, "Unimplemented type for cast (%s -> %s)",
                          ko_sql_dtype_name(&in->type, a), ko_sql_dtype_name(&out->type, b));
    }
    ko_buf tmp = {0};
    ko_status st = KO_OK;
    KO_SQL_LOOP(i, sel, n_sel, n_rows, {
        if (st == KO_OK && ko_vec_valid(in, i) && !cast_row(in, i, out, i, &tmp)) {
            if (try_) {
                if (!out->validity && ko_vec_validity_init(out, n_rows) != KO_OK)
                    st = KO_ERR_NOMEM;
                else
                    ko_vec_set_null_fast(out, i);
            } else {
                st = cast_error(q, in, i, &out->type);
            }
        }
    });
    ko_buf_free(&tmp);
    return st;
}
