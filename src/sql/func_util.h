/*
 * func_util.h - small helpers shared by the scalar function libraries
 * (func_string.c, func_regex.c, func_datetime.c, func_math.c,
 * func_nested.c): the kernel signature, argument access, UTF-8 decoding
 * and encoding, and the Unicode simple case mapping.
 *
 * Kernels follow func.h: out is flat and reserved, its validity already
 * holds the AND of the arguments' validity, so `fu_live(out, i)` says
 * whether row i is worth computing (and whether an error on it is real:
 * null rows carry zeros that must never raise an error).
 */
#ifndef KO_SQL_FUNC_UTIL_H
#define KO_SQL_FUNC_UTIL_H

#include "sql/func.h"

#include <string.h>

#define KO_FN_PARAMS                                                                   \
    const ko_sql_fn_ctx *ctx, ko_vec *const *args, size_t n_args, const uint32_t *sel, \
        size_t n_sel, size_t n_rows, ko_vec *out

#define KO_FN_UNUSED \
    (void)ctx;       \
    (void)n_args

#define KO_BIND_PARAMS                                                                     \
    const ko_sql_dtype *bargs, size_t bn_args, ko_vec *const *const_args, ko_arena *arena, \
        ko_sql_dtype *ret, void **bind_data, ko_err *err

static inline bool fu_live(const ko_vec *out, size_t i)
{
    return !out->validity || ((out->validity[i >> 6] >> (i & 63)) & 1);
}

static inline void fu_null(ko_vec *out, size_t i)
{
    ko_vec_set_null_fast(out, i);
}

/* Row i's string; an empty string's NULL pointer becomes "" so that
 * pointer arithmetic on it is defined. */
static inline ko_sql_str fu_str(const ko_vec *v, size_t i)
{
    ko_sql_str s = KO_VEC_DATA(v, const ko_sql_str)[ko_vec_idx(v, i)];
    if (!s.ptr)
        s.ptr = "";
    return s;
}

static inline int64_t fu_i64(const ko_vec *v, size_t i)
{
    return KO_VEC_DATA(v, const int64_t)[ko_vec_idx(v, i)];
}

static inline int32_t fu_i32(const ko_vec *v, size_t i)
{
    return KO_VEC_DATA(v, const int32_t)[ko_vec_idx(v, i)];
}

static inline double fu_f64(const ko_vec *v, size_t i)
{
    return KO_VEC_DATA(v, const double)[ko_vec_idx(v, i)];
}

/* A constant argument of a bind call (NULL when not constant). */
static inline const ko_vec *fu_const_arg(ko_vec *const *const_args, size_t i)
{
    return const_args ? const_args[i] : NULL;
}

/* Stores bytes as row i's string in out's heap; false when out of memory. */
static inline bool fu_set(ko_vec *out, size_t i, const char *p, size_t len)
{
    return ko_vec_set_str(out, i, p, len) == KO_OK;
}

static inline ko_status fu_nomem(const ko_sql_fn_ctx *ctx, const char *what)
{
    return ko_err_set(ctx->err, KO_ERR_NOMEM, "%s: out of memory", what);
}

/* True when every byte is ASCII (8 bytes at a time). */
static inline bool fu_ascii(const char *p, size_t n)
{
    size_t i = 0;
    uint64_t acc = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        acc |= w;
    }
    for (; i < n; i++)
        acc |= (unsigned char)p[i];
    return (acc & UINT64_C(0x8080808080808080)) == 0;
}

/* Code points in UTF-8 text (bytes that do not continue a sequence). */
static inline size_t fu_utf8_len(const char *p, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)p[i] & 0xC0) != 0x80;
    return c;
}

/* Length in bytes of the UTF-8 sequence starting with byte b (1 for
 * continuation or invalid bytes, so scans always advance). */
static inline size_t fu_utf8_seq(unsigned char b)
{
    if (b < 0xC0)
        return 1;
    if (b < 0xE0)
        return 2;
    if (b < 0xF0)
        return 3;
    return 4;
}

/* Decodes the code point at p[*i] (< n) and advances *i; malformed bytes
 * decode as themselves (one byte). */
static inline uint32_t fu_utf8_next(const char *p, size_t n, size_t *i)
{
    unsigned char b = (unsigned char)p[*i];
    size_t k = fu_utf8_seq(b);
    if (k == 1 || *i + k > n) {
        (*i)++;
        return b;
    }
    uint32_t c = b & (0x7F >> k);
    for (size_t j = 1; j < k; j++)
        c = (c << 6) | ((unsigned char)p[*i + j] & 0x3F);
    *i += k;
    return c;
}

/* Encodes c as UTF-8 into out (4 bytes of room); returns the length. */
static inline size_t fu_utf8_put(uint32_t c, char *out)
{
    if (c < 0x80) {
        out[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        out[0] = (char)(0xC0 | (c >> 6));
        out[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        out[0] = (char)(0xE0 | (c >> 12));
        out[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        out[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (c >> 18));
    out[1] = (char)(0x80 | ((c >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((c >> 6) & 0x3F));
    out[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

/* Byte offset of the code point with index `chars` (0-based) in p[0, n),
 * or n when the text is shorter. */
static inline size_t fu_utf8_offset(const char *p, size_t n, size_t chars)
{
    size_t i = 0;
    while (chars > 0 && i < n) {
        i += fu_utf8_seq((unsigned char)p[i]);
        chars--;
    }
    return i < n ? i : n;
}

/* Unicode simple case mapping (func_string.c). */
uint32_t ko_sql_unicode_upper(uint32_t c);
uint32_t ko_sql_unicode_lower(uint32_t c);

#endif /* KO_SQL_FUNC_UTIL_H */
