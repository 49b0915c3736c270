/*
 * table_convert.c - turns one input column chunk into the table's column
 * as table_map.c decided: definition levels translated through the map,
 * repetition levels copied, values copied or converted (int -> long,
 * float -> double, millisecond times and timestamps to microseconds,
 * INT96 timestamps to microseconds, decimals between INT32, INT64 and
 * big-endian byte forms).  Absent columns become null records, with the
 * levels of a sibling column when they sit inside a present struct.
 */
#include "iceberg/table_internal.h"

#include <string.h>

enum { JULIAN_EPOCH = 2440588 };

static ko_status null_in_required(const kt_leaf_map *m, const char *file, size_t entry, ko_err *err)
{
    return ko_err_set(err, KO_ERR_INVALID,
                      "%s: column '%s': null at entry %zu, but the table column is required", file,
                      m->name, entry);
}

/* Levels of dst from src through m->def_map; cap limits absent columns. */
static ko_status convert_levels(const kt_leaf_map *m, const ko_pq_column *src, ko_pq_column *dst,
                                const char *file, ko_err *err)
{
    size_t n = src->n;
    const int16_t *sd = (const int16_t *)src->def.data;
    if (dst->max_def > 0 && ko_buf_reserve(&dst->def, n * sizeof(int16_t)) != KO_OK)
        return kt_nomem(err);
    int16_t *dd = (int16_t *)dst->def.data;
    for (size_t i = 0; i < n; i++) {
        int16_t d = src->max_def > 0 ? sd[i] : src->max_def;
        int16_t o = d >= 0 && d <= m->in_max_def ? m->def_map[d] : -1;
        if (o < 0 || (dst->max_def == 0 && o != 0))
            return null_in_required(m, file, i, err);
        if (dst->max_def > 0)
            dd[i] = o;
    }
    if (dst->max_def > 0)
        dst->def.len = n * sizeof(int16_t);
    if (dst->max_rep > 0 && ko_buf_append(&dst->rep, src->rep.data, n * sizeof(int16_t)) != KO_OK)
        return kt_nomem(err);
    dst->n = n;
    return KO_OK;
}

static ko_status absent(const kt_leaf_map *m, const ko_pq_column *src, size_t rows,
                        ko_pq_column *dst, const char *file, ko_err *err)
{
    if (src)
        return convert_levels(m, src, dst, file, err);
    int16_t zero = 0;
    for (size_t i = 0; i < rows; i++) {
        bool ok = (dst->max_def == 0 || ko_buf_append(&dst->def, &zero, sizeof zero) == KO_OK) &&
                  (dst->max_rep == 0 || ko_buf_append(&dst->rep, &zero, sizeof zero) == KO_OK);
        if (!ok)
            return kt_nomem(err);
    }
    dst->n = rows;
    return KO_OK;
}

/* ---------------------------------------------------------------- values */

static int64_t load_i32(const uint8_t *p)
{
    int32_t v;
    memcpy(&v, p, 4);
    return v;
}

static int64_t load_i64(const uint8_t *p)
{
    int64_t v;
    memcpy(&v, p, 8);
    return v;
}

static ko_status widen(const kt_leaf_map *m, const ko_pq_column *src, ko_pq_column *dst,
                       const char *file, ko_err *err)
{
    size_t n = src->n_values;
    if (ko_buf_reserve(&dst->values, n * 8) != KO_OK)
        return kt_nomem(err);
    const uint8_t *in = src->values.data;
    uint8_t *out = dst->values.data;
    for (size_t i = 0; i < n; i++) {
        int64_t v = 0;
        double d = 0;
        switch (m->conv) {
        case KT_I32_TO_I64:
            v = load_i32(in + 4 * i);
            break;
        case KT_U32_TO_I64:
            v = (int64_t)(uint32_t)load_i32(in + 4 * i);
            break;
        case KT_MILLIS_32_TO_64:
            v = load_i32(in + 4 * i) * 1000;
            break;
        case KT_MILLIS_TO_MICROS:
            if (__builtin_mul_overflow(load_i64(in + 8 * i), 1000, &v))
                return ko_err_set(err, KO_ERR_INVALID,
                                  "%s: column '%s': value %zu is out of range in microseconds",
                                  file, m->name, i);
            break;
        case KT_INT96_TO_MICROS: {
            int64_t nanos = load_i64(in + 12 * i);
            int64_t day = (int64_t)(uint32_t)load_i32(in + 12 * i + 8);
            v = (day - JULIAN_EPOCH) * 86400LL * 1000000LL + nanos / 1000;
            break;
        }
        default: { /* KT_F32_TO_F64 */
            float f;
            memcpy(&f, in + 4 * i, 4);
            d = f;
            memcpy(&v, &d, 8);
            break;
        }
        }
        memcpy(out + 8 * i, &v, 8);
    }
    dst->values.len = n * 8;
    return KO_OK;
}

/* The unscaled value of input decimal i as 128 bits (hi, lo). */
static ko_status decimal_in(const ko_pq_column *src, size_t i, int64_t *hi, uint64_t *lo,
                            ko_err *err)
{
    const uint8_t *p;
    size_t len;
    if (src->type == KO_PQ_INT32 || src->type == KO_PQ_INT64) {
        int64_t v = src->type == KO_PQ_INT32 ? load_i32(src->values.data + 4 * i)
                                             : load_i64(src->values.data + 8 * i);
        *lo = (uint64_t)v;
        *hi = v < 0 ? -1 : 0;
        return KO_OK;
    }
    if (src->type == KO_PQ_BYTE_ARRAY) {
        const int64_t *off = (const int64_t *)src->offsets.data;
        p = src->values.data + off[i];
        len = (size_t)(off[i + 1] - off[i]);
    } else {
        len = (size_t)src->type_length;
        p = src->values.data + len * i;
    }
    ko_ice_value v;
    ko_status st = ko_ice_decimal_from_be(p, len, 0, &v, err);
    *lo = (uint64_t)v.i;
    *hi = v.hi;
    return st;
}

static ko_status decimal_out(ko_pq_column *dst, int64_t hi, uint64_t lo, ko_err *err)
{
    uint8_t be[16];
    int32_t w = dst->type == KO_PQ_INT32 ? 4 : dst->type == KO_PQ_INT64 ? 8 : dst->type_length;
    if (dst->type == KO_PQ_INT32 || dst->type == KO_PQ_INT64) {
        int32_t v32 = (int32_t)(int64_t)lo;
        return ko_buf_append(&dst->values, w == 4 ? (const void *)&v32 : (const void *)&lo,
                             (size_t)w) == KO_OK
                   ? KO_OK
                   : kt_nomem(err);
    }
    for (int k = 0; k < 8; k++) {
        be[7 - k] = (uint8_t)((uint64_t)hi >> (8 * k));
        be[15 - k] = (uint8_t)(lo >> (8 * k));
    }
    uint8_t fill = hi < 0 ? 0xFF : 0x00;
    for (int32_t k = 16; k < w; k++)
        if (ko_buf_append(&dst->values, &fill, 1) != KO_OK)
            return kt_nomem(err);
    int32_t take = w < 16 ? w : 16;
    return ko_buf_append(&dst->values, be + 16 - take, (size_t)take) == KO_OK ? KO_OK
                                                                              : kt_nomem(err);
}

static ko_status decimals(const ko_pq_column *src, ko_pq_column *dst, ko_err *err)
{
    for (size_t i = 0; i < src->n_values; i++) {
        int64_t hi;
        uint64_t lo;
        ko_status st = decimal_in(src, i, &hi, &lo, err);
        if (st == KO_OK)
            st = decimal_out(dst, hi, lo, err);
        if (st != KO_OK)
            return st;
    }
    return KO_OK;
}

static ko_status copy_values(const ko_pq_column *src, ko_pq_column *dst, ko_err *err)
{
    if (ko_buf_append(&dst->values, src->values.data, src->values.len) != KO_OK)
        return kt_nomem(err);
    if (src->type == KO_PQ_BYTE_ARRAY) {
        ko_buf_reset(&dst->offsets);
        if (ko_buf_append(&dst->offsets, src->offsets.data, src->offsets.len) != KO_OK)
            return kt_nomem(err);
    }
    return KO_OK;
}

ko_status kt_convert_column(const kt_leaf_map *m, const ko_pq_column *src, size_t rows,
                            ko_pq_column *dst, const char *file, ko_err *err)
{
    ko_pq_column_reset(dst);
    if (m->conv == KT_ABSENT)
        return absent(m, src, rows, dst, file, err);
    ko_status st = convert_levels(m, src, dst, file, err);
    if (st != KO_OK)
        return st;
    dst->n_values = src->n_values;
    switch (m->conv) {
    case KT_COPY:
        return copy_values(src, dst, err);
    case KT_DECIMAL:
        return decimals(src, dst, err);
    default:
        return widen(m, src, dst, file, err);
    }
}
