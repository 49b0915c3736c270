/*
 * stats.c - value ordering and min/max statistics for the Parquet writer.
 *
 * Parquet readers trust min_value/max_value (in ColumnMetaData, page
 * headers and the ColumnIndex) to prune data, so they must follow the
 * column's TypeDefinedOrder exactly (parquet.thrift, ColumnOrder):
 *
 *   INT32/INT64       signed, unless annotated unsigned (INTEGER(signed =
 *                     false), UINT_8..UINT_64): unsigned
 *   FLOAT/DOUBLE      numeric; NaN never becomes a bound; a zero minimum is
 *                     written as -0.0 and a zero maximum as +0.0
 *   FLOAT16           the same, for half floats in FIXED_LEN_BYTE_ARRAY(2)
 *   BYTE_ARRAY, FLBA  unsigned bytewise, except DECIMAL: signed big-endian
 *                     two's complement (shorter values sign-extended)
 *   BOOLEAN           false < true
 *   INT96, INTERVAL   undefined: no bounds at all
 *
 * ko_pq_minmax keeps the running bounds as PLAIN bytes.  Batches are
 * scanned for their own extremes first and copied into the owned buffers
 * once, so the per-value cost is one comparison.  The page index may
 * truncate long byte strings (ko_pq_minmax_bounds); truncating a maximum
 * must round it up so it still bounds the page.
 */
#include "parquet/writer_internal.h"

#include <math.h>
#include <string.h>

/* ------------------------------------------------------------ ordering */

static bool is_unsigned_int(const ko_pq_schema_element *el)
{
    if (el->logical.kind == KO_PQ_LT_INTEGER)
        return !el->logical.is_signed;
    return el->converted >= KO_PQ_CT_UINT_8 && el->converted <= KO_PQ_CT_UINT_64;
}

static bool is_decimal(const ko_pq_schema_element *el)
{
    return el->logical.kind == KO_PQ_LT_DECIMAL || el->converted == KO_PQ_CT_DECIMAL;
}

static ko_pq_order flba_order(const ko_pq_schema_element *el)
{
    if (is_decimal(el))
        return KO_PQ_ORD_DECIMAL;
    if (el->logical.kind == KO_PQ_LT_FLOAT16 && el->type_length == 2)
        return KO_PQ_ORD_FLOAT16;
    if (el->converted == KO_PQ_CT_INTERVAL)
        return KO_PQ_ORD_NONE;
    return KO_PQ_ORD_BYTES;
}

ko_pq_order ko_pq_order_of(const ko_pq_schema_element *el)
{
    switch (el->type) {
    case KO_PQ_BOOLEAN:
        return KO_PQ_ORD_BOOL;
    case KO_PQ_INT32:
        return is_unsigned_int(el) ? KO_PQ_ORD_U32 : KO_PQ_ORD_I32;
    case KO_PQ_INT64:
        return is_unsigned_int(el) ? KO_PQ_ORD_U64 : KO_PQ_ORD_I64;
    case KO_PQ_FLOAT:
        return KO_PQ_ORD_FLOAT;
    case KO_PQ_DOUBLE:
        return KO_PQ_ORD_DOUBLE;
    case KO_PQ_BYTE_ARRAY:
        return is_decimal(el) ? KO_PQ_ORD_DECIMAL : KO_PQ_ORD_BYTES;
    case KO_PQ_FIXED_LEN_BYTE_ARRAY:
        return flba_order(el);
    default:
        return KO_PQ_ORD_NONE;
    }
}

static float half_to_float(const uint8_t *p)
{
    unsigned h = (unsigned)p[0] | (unsigned)p[1] << 8;
    unsigned exp = (h >> 10) & 0x1f, man = h & 0x3ff;
    float v;
    if (exp == 0)
        v = ldexpf((float)man, -24);
    else if (exp == 31)
        v = man ? NAN : INFINITY;
    else
        v = ldexpf((float)(man | 0x400), (int)exp - 25);
    return (h & 0x8000) ? -v : v;
}

static int cmp_double(double a, double b)
{
    return (a > b) - (a < b);
}

static int cmp_bytes(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    size_t n = alen < blen ? alen : blen;
    int c = n ? memcmp(a, b, n) : 0;
    if (c)
        return c < 0 ? -1 : 1;
    return (alen > blen) - (alen < blen);
}

/* Byte k of a big-endian two's complement value of len bytes, sign-extended
 * to width bytes. */
static unsigned decimal_byte(const uint8_t *v, size_t len, size_t width, size_t k, unsigned ext)
{
    size_t pad = width - len;
    return k < pad ? ext : v[k - pad];
}

static int cmp_decimal(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    bool aneg = alen && (a[0] & 0x80), bneg = blen && (b[0] & 0x80);
    if (aneg != bneg)
        return aneg ? -1 : 1;
    /* Same sign: the sign-extended forms compare as unsigned bytes. */
    unsigned ext = aneg ? 0xFF : 0x00;
    size_t width = alen > blen ? alen : blen;
    for (size_t k = 0; k < width; k++) {
        unsigned x = decimal_byte(a, alen, width, k, ext);
        unsigned y = decimal_byte(b, blen, width, k, ext);
        if (x != y)
            return x < y ? -1 : 1;
    }
    return 0;
}

static int cmp_int(ko_pq_order o, const uint8_t *a, const uint8_t *b)
{
    switch (o) {
    case KO_PQ_ORD_I32: {
        int32_t x, y;
        memcpy(&x, a, 4);
        memcpy(&y, b, 4);
        return (x > y) - (x < y);
    }
    case KO_PQ_ORD_U32: {
        uint32_t x, y;
        memcpy(&x, a, 4);
        memcpy(&y, b, 4);
        return (x > y) - (x < y);
    }
    case KO_PQ_ORD_I64: {
        int64_t x, y;
        memcpy(&x, a, 8);
        memcpy(&y, b, 8);
        return (x > y) - (x < y);
    }
    default: {
        uint64_t x, y;
        memcpy(&x, a, 8);
        memcpy(&y, b, 8);
        return (x > y) - (x < y);
    }
    }
}

static int cmp_float(ko_pq_order o, const uint8_t *a, const uint8_t *b)
{
    if (o == KO_PQ_ORD_FLOAT16)
        return cmp_double(half_to_float(a), half_to_float(b));
    if (o == KO_PQ_ORD_FLOAT) {
        float x, y;
        memcpy(&x, a, 4);
        memcpy(&y, b, 4);
        return cmp_double(x, y);
    }
    double x, y;
    memcpy(&x, a, 8);
    memcpy(&y, b, 8);
    return cmp_double(x, y);
}

int ko_pq_order_cmp(ko_pq_order o, const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    switch (o) {
    case KO_PQ_ORD_BOOL:
        return (a[0] > b[0]) - (a[0] < b[0]);
    case KO_PQ_ORD_I32:
    case KO_PQ_ORD_U32:
    case KO_PQ_ORD_I64:
    case KO_PQ_ORD_U64:
        return cmp_int(o, a, b);
    case KO_PQ_ORD_FLOAT:
    case KO_PQ_ORD_DOUBLE:
    case KO_PQ_ORD_FLOAT16:
        return cmp_float(o, a, b);
    case KO_PQ_ORD_DECIMAL:
        return cmp_decimal(a, alen, b, blen);
    case KO_PQ_ORD_BYTES:
        return cmp_bytes(a, alen, b, blen);
    default:
        return 0;
    }
}

/* True for values that never become a bound (NaN). */
static bool excluded(ko_pq_order o, const uint8_t *v)
{
    if (o == KO_PQ_ORD_FLOAT) {
        float f;
        memcpy(&f, v, 4);
        return isnan(f);
    }
    if (o == KO_PQ_ORD_DOUBLE) {
        double d;
        memcpy(&d, v, 8);
        return isnan(d);
    }
    if (o == KO_PQ_ORD_FLOAT16) {
        unsigned h = (unsigned)v[0] | (unsigned)v[1] << 8;
        return (h & 0x7c00) == 0x7c00 && (h & 0x3ff) != 0;
    }
    return false;
}

static bool is_float_order(ko_pq_order o)
{
    return o == KO_PQ_ORD_FLOAT || o == KO_PQ_ORD_DOUBLE || o == KO_PQ_ORD_FLOAT16;
}

/* ---------------------------------------------------------- statistics */

void ko_pq_minmax_reset(ko_pq_minmax *m)
{
    m->has = false;
    ko_buf_reset(&m->min);
    ko_buf_reset(&m->max);
}

void ko_pq_minmax_free(ko_pq_minmax *m)
{
    m->has = false;
    ko_buf_free(&m->min);
    ko_buf_free(&m->max);
}

static ko_status set_buf(ko_buf *b, const uint8_t *v, size_t len)
{
    ko_buf_reset(b);
    return ko_buf_append(b, v, len);
}

/* Offers one candidate minimum and one candidate maximum. */
static ko_status offer(ko_pq_minmax *m, ko_pq_order o, const uint8_t *lo, size_t lolen,
                       const uint8_t *hi, size_t hilen)
{
    ko_status st = KO_OK;
    if (!m->has || ko_pq_order_cmp(o, lo, lolen, m->min.data, m->min.len) < 0)
        st = set_buf(&m->min, lo, lolen);
    if (st == KO_OK && (!m->has || ko_pq_order_cmp(o, hi, hilen, m->max.data, m->max.len) > 0))
        st = set_buf(&m->max, hi, hilen);
    if (st == KO_OK)
        m->has = true;
    return st;
}

/* Typed scans for the integer orders: the positions of the smallest and
 * largest of n values, in a loop the compiler keeps free of calls. */
#define INT_EXTREMES(name, T)                                               \
    static void name(const uint8_t *vals, size_t n, size_t *lo, size_t *hi) \
    {                                                                       \
        T vlo, vhi;                                                         \
        memcpy(&vlo, vals, sizeof vlo);                                     \
        vhi = vlo;                                                          \
        size_t ilo = 0, ihi = 0;                                            \
        for (size_t i = 1; i < n; i++) {                                    \
            T v;                                                            \
            memcpy(&v, vals + i * sizeof v, sizeof v);                      \
            if (v < vlo) {                                                  \
                vlo = v;                                                    \
                ilo = i;                                                    \
            }                                                               \
            if (v > vhi) {                                                  \
                vhi = v;                                                    \
                ihi = i;                                                    \
            }                                                               \
        }                                                                   \
        *lo = ilo;                                                          \
        *hi = ihi;                                                          \
    }
INT_EXTREMES(extremes_i32, int32_t)
INT_EXTREMES(extremes_u32, uint32_t)
INT_EXTREMES(extremes_i64, int64_t)
INT_EXTREMES(extremes_u64, uint64_t)
#undef INT_EXTREMES

/* Integer orders through the typed scans; false for the other orders. */
static bool int_extremes(ko_pq_order o, const uint8_t *vals, size_t n, size_t *lo, size_t *hi)
{
    switch (o) {
    case KO_PQ_ORD_I32:
        extremes_i32(vals, n, lo, hi);
        return true;
    case KO_PQ_ORD_U32:
        extremes_u32(vals, n, lo, hi);
        return true;
    case KO_PQ_ORD_I64:
        extremes_i64(vals, n, lo, hi);
        return true;
    case KO_PQ_ORD_U64:
        extremes_u64(vals, n, lo, hi);
        return true;
    default:
        return false;
    }
}

ko_status ko_pq_minmax_add_fixed(ko_pq_minmax *m, ko_pq_order o, const uint8_t *vals, size_t n,
                                 size_t width)
{
    if (o == KO_PQ_ORD_NONE || n == 0)
        return KO_OK;
    size_t ilo, ihi;
    if (int_extremes(o, vals, n, &ilo, &ihi))
        return offer(m, o, vals + ilo * width, width, vals + ihi * width, width);
    const uint8_t *lo = NULL, *hi = NULL;
    bool skip = is_float_order(o);
    for (size_t i = 0; i < n; i++) {
        const uint8_t *v = vals + i * width;
        if (skip && excluded(o, v))
            continue;
        if (!lo) {
            lo = hi = v;
            continue;
        }
        if (ko_pq_order_cmp(o, v, width, lo, width) < 0)
            lo = v;
        else if (ko_pq_order_cmp(o, v, width, hi, width) > 0)
            hi = v;
    }
    return lo ? offer(m, o, lo, width, hi, width) : KO_OK;
}

/* The first 8 bytes of v as a big-endian integer, zero-padded.  When two
 * prefixes differ they order the strings bytewise; when they are equal the
 * whole strings decide (cmp_bytes). */
static uint64_t prefix8(const uint8_t *v, size_t len)
{
    uint64_t x = 0;
    if (len >= 8) {
        memcpy(&x, v, 8);
        return __builtin_bswap64(x);
    }
    for (size_t k = 0; k < len; k++)
        x |= (uint64_t)v[k] << (56 - 8 * k);
    return x;
}

/* A candidate bound: a value, its length and prefix. */
typedef struct bytes_bound {
    const uint8_t *p;
    size_t len;
    uint64_t pfx;
    size_t at;
} bytes_bound;

static bytes_bound bytes_at(const uint8_t *data, const int64_t *off, size_t i)
{
    bytes_bound b = {data + off[i], (size_t)(off[i + 1] - off[i]), 0, i};
    b.pfx = prefix8(b.p, b.len);
    return b;
}

/* Positions of the smallest and largest byte strings in bytewise order;
 * the prefixes decide most comparisons without a memcmp call. */
static void bytes_extremes(const uint8_t *data, const int64_t *off, size_t n, size_t *lo,
                           size_t *hi)
{
    bytes_bound blo = bytes_at(data, off, 0), bhi = blo;
    for (size_t i = 1; i < n; i++) {
        bytes_bound v = bytes_at(data, off, i);
        if (v.pfx < blo.pfx || (v.pfx == blo.pfx && cmp_bytes(v.p, v.len, blo.p, blo.len) < 0))
            blo = v;
        else if (v.pfx > bhi.pfx || (v.pfx == bhi.pfx && cmp_bytes(v.p, v.len, bhi.p, bhi.len) > 0))
            bhi = v;
    }
    *lo = blo.at;
    *hi = bhi.at;
}

static void ordered_extremes(ko_pq_order o, const uint8_t *data, const int64_t *offsets, size_t n,
                             size_t *lo, size_t *hi)
{
    size_t ilo = 0, ihi = 0;
    for (size_t i = 1; i < n; i++) {
        const uint8_t *v = data + offsets[i];
        size_t len = (size_t)(offsets[i + 1] - offsets[i]);
        size_t lolen = (size_t)(offsets[ilo + 1] - offsets[ilo]);
        size_t hilen = (size_t)(offsets[ihi + 1] - offsets[ihi]);
        if (ko_pq_order_cmp(o, v, len, data + offsets[ilo], lolen) < 0)
            ilo = i;
        else if (ko_pq_order_cmp(o, v, len, data + offsets[ihi], hilen) > 0)
            ihi = i;
    }
    *lo = ilo;
    *hi = ihi;
}

ko_status ko_pq_minmax_add_bytes(ko_pq_minmax *m, ko_pq_order o, const uint8_t *data,
                                 const int64_t *offsets, size_t n)
{
    if (o == KO_PQ_ORD_NONE || n == 0)
        return KO_OK;
    size_t lo = 0, hi = 0;
    if (o == KO_PQ_ORD_BYTES)
        bytes_extremes(data, offsets, n, &lo, &hi);
    else
        ordered_extremes(o, data, offsets, n, &lo, &hi);
    return offer(m, o, data + offsets[lo], (size_t)(offsets[lo + 1] - offsets[lo]),
                 data + offsets[hi], (size_t)(offsets[hi + 1] - offsets[hi]));
}

ko_status ko_pq_minmax_merge(ko_pq_minmax *dst, ko_pq_order o, const ko_pq_minmax *src)
{
    if (!src->has)
        return KO_OK;
    return offer(dst, o, src->min.data, src->min.len, src->max.data, src->max.len);
}

/* Appends the bound v, writing a zero as -0.0 (minimum) or +0.0 (maximum). */
static ko_status put_float_bound(ko_pq_order o, const ko_buf *v, bool is_min, ko_buf *out)
{
    uint8_t z[8] = {0};
    size_t len = v->len;
    if (cmp_float(o, v->data, z) != 0) /* z holds +0.0 of every width */
        return ko_buf_append(out, v->data, len);
    if (is_min)
        z[len - 1] = 0x80; /* the sign bit of the little-endian value */
    return ko_buf_append(out, z, len);
}

/* Appends max cut to trunc bytes and rounded up; the whole value if no byte
 * can be incremented. */
static ko_status put_truncated_max(const ko_buf *v, size_t trunc, ko_buf *out)
{
    size_t k = trunc;
    while (k > 0 && v->data[k - 1] == 0xFF)
        k--;
    if (k == 0)
        return ko_buf_append(out, v->data, v->len);
    ko_status st = ko_buf_append(out, v->data, k);
    if (st == KO_OK)
        out->data[out->len - 1]++;
    return st;
}

ko_status ko_pq_minmax_bounds(const ko_pq_minmax *m, ko_pq_order o, size_t trunc, ko_buf *min,
                              ko_buf *max, bool *has)
{
    *has = m->has && o != KO_PQ_ORD_NONE;
    if (!*has)
        return KO_OK;
    ko_status st;
    if (is_float_order(o)) {
        st = put_float_bound(o, &m->min, true, min);
        return st == KO_OK ? put_float_bound(o, &m->max, false, max) : st;
    }
    bool cut = trunc > 0 && o == KO_PQ_ORD_BYTES;
    st = ko_buf_append(min, m->min.data, cut && m->min.len > trunc ? trunc : m->min.len);
    if (st != KO_OK)
        return st;
    if (cut && m->max.len > trunc)
        return put_truncated_max(&m->max, trunc, max);
    return ko_buf_append(max, m->max.data, m->max.len);
}

/* ---------------------------------------------------------- page index */

ko_pq_boundary_order ko_pq_boundary_order_of(ko_pq_order o, const ko_pq_bin *mins,
                                             const ko_pq_bin *maxs, const bool *null_pages,
                                             size_t n)
{
    bool asc = true, desc = true;
    size_t prev = SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        if (null_pages[i])
            continue;
        if (prev != SIZE_MAX) {
            int cmin = ko_pq_order_cmp(o, mins[prev].ptr, mins[prev].len, mins[i].ptr, mins[i].len);
            int cmax = ko_pq_order_cmp(o, maxs[prev].ptr, maxs[prev].len, maxs[i].ptr, maxs[i].len);
            asc = asc && cmin <= 0 && cmax <= 0;
            desc = desc && cmin >= 0 && cmax >= 0;
        }
        prev = i;
    }
    if (asc)
        return KO_PQ_ASCENDING;
    return desc ? KO_PQ_DESCENDING : KO_PQ_UNORDERED;
}
