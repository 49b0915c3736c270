/*
 * func_string.c - string functions with DuckDB's semantics: lengths and
 * positions count Unicode code points, never bytes; case mapping is
 * Unicode's simple per-code-point mapping (func_case_tab.h).
 *
 * Every kernel is a typed loop over the selected rows (KO_SQL_LOOP).
 * Pure-ASCII strings, by far the common case, take byte fast paths
 * (fu_ascii checks 8 bytes at a time); otherwise the text is walked as
 * UTF-8.  Results are written once into out's string heap (sized up front,
 * no per-row malloc).  Null rows get an empty string slot.
 *
 * Also here: the LIKE family as functions (~~, !~~, ~~*, !~~*,
 * like_escape, ilike_escape) on top of func_like.c, with constant patterns
 * compiled in bind.
 */
#include "sql/func_util.h"

#include "sql/func_case_tab.h"
#include "sql/func_like.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>

/* ---------------------------------------------------------- case mapping */

static uint32_t case_map(const ko_case_range *t, size_t n, uint32_t c)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (c < t[mid].lo)
            hi = mid;
        else if (c > t[mid].hi)
            lo = mid + 1;
        else
            return (c - t[mid].lo) % t[mid].step == 0 ? (uint32_t)((int32_t)c + t[mid].delta) : c;
    }
    return c;
}

uint32_t ko_sql_unicode_upper(uint32_t c)
{
    if (c < 0x80)
        return c >= 'a' && c <= 'z' ? c - 32 : c;
    return case_map(ko_case_upper, KO_ARRAY_LEN(ko_case_upper), c);
}

uint32_t ko_sql_unicode_lower(uint32_t c)
{
    if (c < 0x80)
        return c >= 'A' && c <= 'Z' ? c + 32 : c;
    return case_map(ko_case_lower, KO_ARRAY_LEN(ko_case_lower), c);
}

static const ko_sql_str empty_str = {NULL, 0, 0};

static ko_status case_kernel(KO_FN_PARAMS, bool upper)
{
    KO_FN_UNUSED;
    const ko_vec *a = args[0];
    ko_sql_str *o = KO_VEC_DATA(out, ko_sql_str);
    ko_status st = KO_OK;
    KO_SQL_LOOP(i, sel, n_sel, n_rows, {
        ko_sql_str s = fu_str(a, i);
        o[i] = empty_str;
        if (!s.len || !fu_live(out, i))
            continue;
        /* A code point grows by at most half its bytes (2 -> 3). */
        size_t cap = s.len + s.len / 2 + 4;
        char *d = ko_sql_heap_alloc(&out->heap, cap);
        if (!d) {
            st = fu_nomem(ctx, upper ? "upper" : "lower");
            break;
        }
        size_t n = 0;
        if (fu_ascii(s.ptr, s.len)) {
            for (uint32_t j = 0; j < s.len; j++) {
                unsigned c = (unsigned char)s.ptr[j];
                unsigned lo = upper ? 'a' : 'A';
                d[j] = (char)(c - lo < 26u ? (upper ? c - 32 : c + 32) : c);
            }
            n = s.len;
        } else {
            for (size_t j = 0; j < s.len;) {
                uint32_t c = fu_utf8_next(s.ptr, s.len, &j);
                n += fu_utf8_put(upper ? ko_sql_unicode_upper(c) : ko_sql_unicode_lower(c), d + n);
            }
        }
        o[i] = (ko_sql_str){d, (uint32_t)n, 0};
    });
    return st;
}

static ko_status fn_lower(KO_FN_PARAMS)
{
    return case_kernel(ctx, args, n_args, sel, n_sel, n_rows, out, false);
}

static ko_status fn_upper(KO_FN_PARAMS)
{
    return case_kernel(ctx, args, n_args, sel, n_sel, n_rows, out, true);
}

/* ---------------------------------------------------------------- length */

/* Code points: bytes minus continuation bytes (10xxxxxx), 8 at a time. */
static int64_t char_count(const char *p, size_t n)
{
    size_t i = 0, cont = 0;
    const uint64_t hi = UINT64_C(0x8080808080808080);
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        cont += (size_t)__builtin_popcountll(w & hi & ~(w << 1));
    }
    for (; i < n; i++)
        cont += ((unsigned char)p[i] & 0xC0) == 0x80;
    return (int64_t)(n - cont);
}

static ko_status fn_length(KO_FN_PARAMS)
{
    KO_FN_UNUSED;
    const ko_vec *a = args[0];
    const ko_sql_str *in = KO_VEC_DATA(a, const ko_sql_str);
    int64_t *o = KO_VEC_DATA(out, int64_t);
    if (a->is_const) {
        int64_t n = char_count(in[0].ptr, in[0].len);
        KO_SQL_LOOP(i, sel, n_sel, n_rows, { o[i] = n; });
        return KO_OK;
    }
    KO_SQL_LOOP(i, sel, n_sel, n_rows, { o[i] = char_count(in[i].ptr, in[i].len); });
    return KO_OK;
}

static ko_status fn_octet_length(KO_FN_PARAMS)
{
    KO_FN_UNUSED;
    const ko_vec *a = args[0];
    int64_t *o = KO_VEC_DATA(out, int64_t);
    KO_SQL_LOOP(i, sel, n_sel, n_rows, { o[i] = fu_str(a, i).len; });
    return KO_OK;
}

/* ------------------------------------------------------------- substring */

#define SUBSTR_MAX INT64_C(4294967295)

/* DuckDB's SubstringStartEnd over a text of `size` characters: the
 * half-open character range [*start, *end); false when empty. */
static bool substr_range(int64_t size, int64_t off, int64_t len, int64_t *start, int64_t *end)
{
    if (len == 0)
        return false;
    if (off > 0) {
        *start = off - 1 < size ? off - 1 : size;
    } else if (off < 0) {
        *start = size + off > 0 ? size + off : 0;
    } else {
        *start = 0;
        len--;
        if (len <= 0)
            return false;
    }
    if (len > 0) {
        *end = *start + len < size ? *start + len : size;
    } else {
        *end = *start;
        *start = *start + len > 0 ? *start + len : 0;
    }
    return *start < *end;
}

static ko_status substr_check(const ko_sql_fn_ctx *ctx, int64_t off, int64_t len)
{
    if (off > SUBSTR_MAX)
        return ko_err_set(ctx->err, KO_ERR_INVALID,
                          "Substring offset outside of supported range (> 4294967295)");
    if (off < -SUBSTR_MAX - 1)
        return ko_err_set(ctx->err, KO_ERR_INVALID,
                          "Substring offset outside of supported range (< -4294967296)");
    if (len > SUBSTR_MAX)
        return ko_err_set(ctx->err, KO_ERR_INVALID,
                          "Substring length outside of supported range (> 4294967295)");
    if (len < -SUBSTR_MAX - 1)
        return ko_err_set(ctx->err, KO_ERR_INVALID,
                          "Substring length outside of supported range (< -4294967296)");
    return KO_OK;
}

/* Stores the characters [off, off+len) (DuckDB rules) of s at row i. */
static ko_status substr_row(const ko_sql_fn_ctx *ctx, ko_vec *out, size_t i, ko_sql_str s,
                            int64_t off, int64_t len)
{
    ko_status st = substr_check(ctx, off, len);
    if (st != KO_OK)
        return st;
    bool ascii = fu_ascii(s.ptr, s.len);
    int64_t size = ascii ? (int64_t)s.len : char_count(s.ptr, s.len);
    int64_t a, b;
    if (!substr_range(size, off, len, &a, &b))
        return KO_OK;
    size_t ba = (size_t)a, bb = (size_t)b;
    if (!ascii) {
        ba = fu_utf8_offset(s.ptr, s.len, (size_t)a);
        bb = ba + fu_utf8_offset(s.ptr + ba, s.len - ba, (size_t)(b - a));
    }
    return fu_set(out, i, s.ptr + ba, bb - ba) ? KO_OK : fu_nomem(ctx, "substring");
}

static ko_status fn_substring(KO_FN_PARAMS)
{
    const ko_vec *a = args[0];
    ko_sql_str *o = KO_VEC_DATA(out, ko_sql_str);
    ko_status st = KO_OK;
    KO_SQL_LOOP(i, sel, n_sel, n_rows, {
        o[i] = empty_str;
        if (!fu_live(out, i))
            continue;
        int64_t len = n_args > 2 ? fu_i64(args[2], i) : SUBSTR_MAX;
        st = substr_row(ctx, out, i, fu_str(a, i), fu_i64(args[1], i), len);
        if (st != KO_OK)
            break;
    });
    return st;
}

/* left(s, n): the first n characters; n < 0 drops the last -n. */
static ko_status fn_left(KO_FN_PARAMS)
{
    KO_FN_UNUSED;
    ko_sql_str *o = KO_VEC_DATA(out, ko_sql_str);
    ko_status st = KO_OK;
    KO_SQL_LOOP(i, sel, n_sel, n_rows, {
        o[i] = empty_str;
        if (!fu_live(out, i))
            continue;
        ko_sql_str s = fu_str(args[0], i);
        int64_t n = fu_i64(args[1], i);
        if (n < 0)
            n = char_count(s.ptr, s.len) + n;
        if (n > 0)
            st = substr_row(ctx, out, i, s, 1, n);
        if (st != KO_OK)
            break;
    });
    return st;
}

/* right(s, n): the last n characters; n < 0 drops the first -n. */
static ko_status fn_right(KO_FN_PARAMS)
{
    KO_FN_UNUSED;
    ko_sql_str *o = KO_VEC_DATA(out, ko_sql_str);
    ko_status st = KO_OK;
    KO_SQL_LOOP(i, sel, n_sel, n_rows, {
        o[i] = empty_str;
        if (!fu_live(out, i))
            continue;
        ko_sql_str s = fu_str(args[0], i);
        int64_t n = fu_i64(args[1], i), size = char_count(s.ptr, s.len);
        int64_t keep = n >= 0 ? (n < size ? n : size) : (size + n > 0 ? size + n : 0);
        if (keep > 0)
            st = substr_row(ctx, out, i, s, size - keep + 1, keep);
        if (st != KO_OK)
            break;
    });
    return st;
}

/* ------------------------------------------------------------------ trim */

/* Unicode space separators (category Zs): what DuckDB's trim removes. */
static bool is_space_sep(uint32_t c)
{
    return c == 0x20 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x202F ||
           c == 0x205F || c == 0x3000;
}

typedef struct trim_set {
    bool dflt;
    uint32_t cps[64];
    size_t n;
    const char *raw; /* chars argument when it has more than 64 code points */
    size_t raw_len;
} trim_set;

static void trim_set_init(trim_set *t, const ko_sql_str *chars)
{
    t->dflt = chars == NULL;
    t->n = 0;
    t->raw = NULL;
    if (!chars)
        return;
    for (size_t j = 0; j < chars->len;) {
        uint32_t c = fu_utf8_next(chars->ptr, chars->len, &j);
        if (t->n == KO_ARRAY_LEN(t->cps)) {
            t->raw = chars->ptr;
            t->raw_len = chars->len;
            return;
        }
        t->cps[t->n++] = c;
    }
}

static bool trim_has(const trim_set *t, uint32_t c)
{
    if (t->dflt)
        return is_space_sep(c);
    if (t->raw) {
        for (size_t j = 0; j < t->raw_len;)
            if (fu_utf8_next(t->raw, t->raw_len, &j) == c)
                return true;
        return false;
    }
    for (size_t k = 0; k < t->n; k++)
        if (t->cps[k] == c)
            return true;
    return false;
}

/* Start of the code point that ends at byte e (exclusive). */
static size_t utf8_prev(const char *p, size_t e)
{
    size_t b = e - 1;
    while (b > 0 && ((unsigned char)p[b] & 0xC0) == 0x80 && e - b < 4)
        b--;
    return b;
}

static ko_sql_str trim_str(ko_sql_str s, const trim_set *t, bool left, bool right)
{
    size_t a = 0, b = s.len;
    while (left && a < b) {
        size_t j = a;
        if (!trim_has(t, fu_utf8_next(s.ptr, b, &j)))
            break;
        a = j;
    }
    while (right && b > a) {
        size_t p = utf8_prev(s.ptr, b), j = p;
        if (p < a || !trim_has(t, fu_utf8_next(s.ptr, b, &j)))
            break;
        b = p;
    }
    return (ko_sql_str){s.ptr ? s.ptr + a : NULL, (uint32_t)(b - a), 0};
}

static ko_status trim_kernel(KO_FN_PARAMS, bool left, bool right)
{
    ko_sql_str *o = KO_VEC_DATA(out, ko_sql_str);
    trim_set t;
    ko_sql_str chars = {0};
    bool have_set = false;
    KO_SQL_LOOP(i, sel, n_sel, n_rows, {
        o[i] = empty_str;
        if (!fu_live(out, i))
            continue;
        if (n_args > 1) {
            ko_sql_str c = fu_str(args[1], i);
            if (!have_set || c.ptr != chars.ptr || c.len != chars.len) {
                chars = c;
                trim_set_init(&t, &chars);
                have_set = true;
            }
        } else if (!have_set) {
            trim_set_init(&t, NULL);
            have_set = true;
        }
        ko_sql_str r = trim_str(fu_str(args[0], i), &t, left, right);
        if (!fu_set(out, i, r.ptr, r.len))
            return fu_nomem(ctx, "trim");
    });
    return KO_OK;
}

static ko_status fn_trim(KO_FN_PARAMS)
{
    return trim_kernel(ctx, args, n_args, sel, n_sel, n_rows, out, true, true);
}

static ko_status fn_ltrim(KO_FN_PARAMS)
{
    return trim_kernel(ctx, args, n_args, sel, n_sel, n_rows, out, true, false);
}

static ko_status fn_rtrim(KO_FN_PARAMS)
{
    return trim_kernel(ctx, args, n_args, sel, n_sel, n_rows, out, false, true);
}

/* ---------------------------------------------------------------- concat */

/* Appends row i of v as text (VARCHAR bytes as is, other types as DuckDB
 * prints them). */
static ko_status append_text(ko_buf *b, const ko_vec *v, size_t i)
{
    if (v->type.id == KO_SQL_DT_VARCHAR) {
        ko_sql_str s = fu_str(v, i);
        return s.len ? ko_buf_append(b, s.ptr, s.len) : KO_OK;
    }
    return ko_vec_format(v, i, b);
}

static ko_status concat_row(ko_buf *b, ko_vec *const *args, size_t first, size_t n_args, size_t i,
                            const ko_sql_str *sep)
{
    bool any = false;
    ko_status st = KO_OK;
    for (size_t k = first; k < n_args && st == KO_OK; k++) {
        if (!ko_vec_valid(args[k], i))
            continue;
        if (sep && any && sep->len)
            st = ko_buf_append(b, sep->ptr, sep->len);
        if (st == KO_OK)
            st = append_text(b, args[k], i);
        any = true;
    }
    return st;
}

/* concat(...): NULL arguments are skipped; the result is never NULL. */
static ko_status fn_concat(KO_FN_PARAMS)
{
    ko_buf b = {0};
    ko_status st = KO_OK;
    KO_SQL_LOOP(i, sel, n_sel, n_rows, {
        ko_buf_reset(&b);
        st = concat_row(&b, args, 0, n_args, i, NULL);
        if (st != KO_OK || ko_vec_set_str(out, i, (const char *)b.data, b.len) != KO_OK)
            break;
    });
    ko_buf_free(&b);
    return st == KO_OK ? KO_OK : fu_nomem(ctx, "concat");
}

/* concat_ws(sep, ...): NULL when sep is NULL, NULL arguments skipped. */
static ko_status fn_concat_ws(KO_FN_PARAMS)
{
    ko_sql_str *o = KO_VEC_DATA(out, ko_sql_str);
    ko_buf b = {0};
    ko_status st = KO_OK;
    KO_SQL_LOOP(i, sel, n_sel, n_rows, {
        o[i] = empty_str;
        if (!ko_vec_valid(args[0], i)) {
            fu_null(out, i);
            continue;
        }
        ko_sql_str sep = fu_str(args[0], i);
        ko_buf_reset(&b);
        st = concat_row(&b, args, 1, n_args, i, &sep);
        if (st != KO_OK || ko_vec_set_str(out, i, (const char *)b.data, b.len) != KO_OK)
            break;
    });
    ko_buf_free(&b);
    return st == KO_OK ? KO_OK : fu_nomem(ctx, "concat_ws");
}

/* --------------------------------------------------------------- replace */

static const char *find(const char *h, size_t hn, const char *n, size_t nn)
{
    if (nn == 0)
        return h;
    if (nn > hn)
        return NULL;
    return memmem(h, hn, n, nn);
}

static ko_status replace_row(ko_vec *out, size_t i, ko_sql_str s, ko_sql_str from, ko_sql_str to)
{
    if (from.len == 0 || s.len < from.len)
        return ko_vec_set_str(out, i, s.ptr, s.len);
    size_t count = 0;
    for (const char *p = s.ptr, *e = s.ptr + s.len;
         (p = find(p, (size_t)(e - p), from.ptr, from.len)); p += from.len)
        count++;
    size_t n = s.len + count * to.len - count * from.len;
    if (n == 0) {
        KO_VEC_DATA(out, ko_sql_str)[i] = (ko_sql_str){NULL, 0, 0};
        return KO_OK;
    }
    char *d = ko_sql_heap_alloc(&out->heap, n);
    if (!d)
        return KO_ERR_NOMEM;
    size_t w = 0;
    const char *p = s.ptr, *e = s.ptr + s.len;
    for (const char *q; (q = find(p, (size_t)(e - p), from.ptr, from.len)); p = q + from.len) {
        memcpy(d + w, p, (size_t)(q - p));
        w += (size_t)(q - p);
        if (to.len)
            memcpy(d + w, to.ptr, to.len);
        w += to.len;
    }
    if (e > p)
        memcpy(d + w, p, (size_t)(e - p));
    KO_VEC_DATA(out, ko_sql_str)[i] = (ko_sql_str){d, (uint32_t)n, 0};
    return KO_OK;
}

static ko_status fn_replace(KO_FN_PARAMS)
{
    KO_FN_UNUSED;
    ko_sql_str *o = KO_VEC_DATA(out, ko_sql_str);
    KO_SQL_LOOP(i, sel, n_sel, n_rows, {
        o[i] = empty_str;
        if (!fu_live(out, i))
            continue;
        if (replace_row(out, i, fu_str(args[0], i), fu_str(args[1], i), fu_str(args[2], i)) !=
            KO_OK)
            return fu_nomem(ctx, "replace");
    });
    return KO_OK;
}

/* ------------------------------------------------------------ split_part */

/* Number of parts of s split by d (characters when d is empty). */
static size_t part_count(ko_sql_str s, ko_sql_str d)
{
    if (d.len == 0)
        return (size_t)char_count(s.ptr, s.len);
    size_t n = 1;
    for (const char *p = s.ptr, *e = s.ptr + s.len; (p = find(p, (size_t)(e - p), d.ptr, d.len));
         p += d.len)
        n++;
    return n;
}

/* Part k (0-based) of s split by d. */
static ko_sql_str part_at(ko_sql_str s, ko_sql_str d, size_t k)
{
    if (d.len == 0) {
        size_t a = fu_utf8_offset(s.ptr, s.len, k);
        size_t b = a + fu_utf8_offset(s.ptr + a, s.len - a, 1);
        return (ko_sql_str){s.ptr + a, (uint32_t)(b - a), 0};
    }
    const char *p = s.ptr, *e = s.ptr + s.len;
    for (; k > 0; k--)
        p = find(p, (size_t)(e - p), d.ptr, d.len) + d.len;
    const char *q = find(p, (size_t)(e - p), d.ptr, d.len);
    if (!q)
        q = e;
    return (ko_sql_str){p, (uint32_t)(q - p), 0};
}

static ko_status fn_split_part(KO_FN_PARAMS)
{
    KO_FN_UNUSED;
    ko_sql_str *o = KO_VEC_DATA(out, ko_sql_str);
    KO_SQL_LOOP(i, sel, n_sel, n_rows, {
        o[i] = empty_str;
        if (!fu_live(out, i))
            continue;
        ko_sql_str s = fu_str(args[0], i), d = fu_str(args[1], i);
        int64_t idx = fu_i64(args[2], i);
        if (idx == 0 || s.len == 0)
            continue;
        size_t np = part_count(s, d);
        int64_t k = idx > 0 ? idx - 1 : (int64_t)np + idx;
        if (k < 0 || k >= (int64_t)np)
            continue;
        ko_sql_str r = part_at(s, d, (size_t)k);
        if (!fu_set(out, i, r.ptr, r.len))
            return fu_nomem(ctx, "split_part");
    });
    return KO_OK;
}

/* ------------------------------------------------------------ predicates */

static bool str_prefix(ko_sql_str s, ko_sql_str p)
{
    return s.len >= p.len && (p.len == 0 || memcmp(s.ptr, p.ptr, p.len) == 0);
}

static bool str_suffix(ko_sql_str s, ko_sql_str p)
{
    return s.len >= p.len && (p.len == 0 || memcmp(s.ptr + s.len - p.len, p.ptr, p.len) == 0);
}

static bool str_contains(ko_sql_str s, ko_sql_str p)
{
    return p.len == 0 || find(s.ptr, s.len, p.ptr, p.len) != NULL;
}

#define STR_PRED(NAME, TEST)                                                                  \
    static ko_status NAME(KO_FN_PARAMS)                                                       \
    {                                                                                         \
        KO_FN_UNUSED;                                                                         \
        uint8_t *o = out->data;                                                               \
        const ko_vec *a = args[0], *b = args[1];                                              \
        if (b->is_const) {                                                                    \
            ko_sql_str p = fu_str(b, 0);                                                      \
            KO_SQL_LOOP(i, sel, n_sel, n_rows, { o[i] = TEST(fu_str(a, i), p); });            \
        } else {                                                                              \
            KO_SQL_LOOP(i, sel, n_sel, n_rows, { o[i] = TEST(fu_str(a, i), fu_str(b, i)); }); \
        }                                                                                     \
        return KO_OK;                                                                         \
    }

STR_PRED(fn_starts_with, str_prefix)
STR_PRED(fn_ends_with, str_suffix)
STR_PRED(fn_contains, str_contains)

/* strpos(s, sub): 1-based character position of the first match, 0 if
 * none, 1 for an empty sub. */
static ko_status fn_strpos(KO_FN_PARAMS)
{
    KO_FN_UNUSED;
    int64_t *o = KO_VEC_DATA(out, int64_t);
    KO_SQL_LOOP(i, sel, n_sel, n_rows, {
        ko_sql_str s = fu_str(args[0], i), p = fu_str(args[1], i);
        const char *q = p.len ? find(s.ptr, s.len, p.ptr, p.len) : NULL;
        o[i] = p.len == 0 ? 1 : q ? char_count(s.ptr, (size_t)(q - s.ptr)) + 1 : 0;
    });
    return KO_OK;
}

/* position(sub, s): POSITION(sub IN s) as the parser writes it. */
static ko_status fn_position(KO_FN_PARAMS)
{
    ko_vec *swapped[2] = {args[1], args[0]};
    return fn_strpos(ctx, swapped, n_args, sel, n_sel, n_rows, out);
}

/* ------------------------------------------------------------- lpad/rpad */

/* Bytes of the first k characters when cycling through pad. */
static size_t pad_bytes(ko_sql_str pad, size_t pad_chars, size_t k)
{
    size_t full = k / pad_chars, rem = k % pad_chars;
    return full * pad.len + fu_utf8_offset(pad.ptr, pad.len, rem);
}

static void pad_fill(char *d, ko_sql_str pad, size_t pad_chars, size_t k)
{
    size_t full = k / pad_chars, rem = k % pad_chars, w = 0;
    for (size_t r = 0; r < full; r++, w += pad.len)
        memcpy(d + w, pad.ptr, pad.len);
    memcpy(d + w, pad.ptr, fu_utf8_offset(pad.ptr, pad.len, rem));
}

static ko_status pad_row(const ko_sql_fn_ctx *ctx, ko_vec *out, size_t i, ko_sql_str s, int64_t n,
                         ko_sql_str pad, bool left)
{
    const char *what = left ? "LPAD" : "RPAD";
    if (n <= 0)
        return KO_OK;
    if (n > (int64_t)UINT32_MAX)
        return ko_err_set(ctx->err, KO_ERR_INVALID, "%s: length %lld is too large", what,
                          (long long)n);
    size_t chars = (size_t)char_count(s.ptr, s.len);
    if (chars >= (size_t)n) {
        size_t b = fu_utf8_offset(s.ptr, s.len, (size_t)n);
        return fu_set(out, i, s.ptr, b) ? KO_OK : fu_nomem(ctx, what);
    }
    size_t pad_chars = (size_t)char_count(pad.ptr, pad.len);
    if (pad_chars == 0)
        return ko_err_set(ctx->err, KO_ERR_INVALID, "Insufficient padding in %s.", what);
    size_t k = (size_t)n - chars, pb = pad_bytes(pad, pad_chars, k);
    if (pb + s.len > UINT32_MAX)
        return ko_err_set(ctx->err, KO_ERR_INVALID, "%s: result is too large", what);
    char *d = ko_sql_heap_alloc(&out->heap, pb + s.len);
    if (!d)
        return fu_nomem(ctx, what);
    pad_fill(left ? d : d + s.len, pad, pad_chars, k);
    if (s.len)
        memcpy(left ? d + pb : d, s.ptr, s.len);
    KO_VEC_DATA(out, ko_sql_str)[i] = (ko_sql_str){d, (uint32_t)(pb + s.len), 0};
    return KO_OK;
}

static ko_status pad_kernel(KO_FN_PARAMS, bool left)
{
    KO_FN_UNUSED;
    ko_sql_str *o = KO_VEC_DATA(out, ko_sql_str);
    ko_status st = KO_OK;
    KO_SQL_LOOP(i, sel, n_sel, n_rows, {
        o[i] = empty_str;
        if (!fu_live(out, i))
            continue;
        st = pad_row(ctx, out, i, fu_str(args[0], i), fu_i64(args[1], i), fu_str(args[2], i), left);
        if (st != KO_OK)
            break;
    });
    return st;
}

static ko_status fn_lpad(KO_FN_PARAMS)
{
    return pad_kernel(ctx, args, n_args, sel, n_sel, n_rows, out, true);
}

static ko_status fn_rpad(KO_FN_PARAMS)
{
    return pad_kernel(ctx, args, n_args, sel, n_sel, n_rows, out, false);
}

/* ---------------------------------------------------- repeat, reverse ... */

static ko_status fn_repeat(KO_FN_PARAMS)
{
    KO_FN_UNUSED;
    ko_sql_str *o = KO_VEC_DATA(out, ko_sql_str);
    KO_SQL_LOOP(i, sel, n_sel, n_rows, {
        o[i] = empty_str;
        ko_sql_str s = fu_str(args[0], i);
        int64_t n = fu_i64(args[1], i);
        if (!fu_live(out, i) || n <= 0 || s.len == 0)
            continue;
        if ((uint64_t)n > UINT32_MAX / s.len)
            return ko_err_set(ctx->err, KO_ERR_INVALID,
                              "repeat: result of %lld copies of %u bytes is too large",
                              (long long)n, s.len);
        size_t total = (size_t)n * s.len;
        char *d = ko_sql_heap_alloc(&out->heap, total);
        if (!d)
            return fu_nomem(ctx, "repeat");
        for (size_t w = 0; w < total; w += s.len)
            memcpy(d + w, s.ptr, s.len);
        o[i] = (ko_sql_str){d, (uint32_t)total, 0};
    });
    return KO_OK;
}

/* Combining marks, joiners and variation selectors stay with the
 * character before them (an approximation of grapheme clusters). */
static bool is_combining(uint32_t c)
{
    return (c >= 0x300 && c <= 0x36F) || (c >= 0x1AB0 && c <= 0x1AFF) ||
           (c >= 0x1DC0 && c <= 0x1DFF) || (c >= 0x20D0 && c <= 0x20FF) ||
           (c >= 0xFE20 && c <= 0xFE2F) || (c >= 0xFE00 && c <= 0xFE0F) || c == 0x200D ||
           (c >= 0x1F3FB && c <= 0x1F3FF) || (c >= 0xE0100 && c <= 0xE01EF);
}

static void reverse_utf8(const char *s, size_t n, char *d)
{
    size_t i = 0, w = n;
    while (i < n) {
        size_t a = i;
        fu_utf8_next(s, n, &i);
        for (size_t j = i; j < n;) {
            size_t k = j;
            if (!is_combining(fu_utf8_next(s, n, &k)))
                break;
            i = j = k;
        }
        w -= i - a;
        memcpy(d + w, s + a, i - a);
    }
}

static ko_status fn_reverse(KO_FN_PARAMS)
{
    KO_FN_UNUSED;
    ko_sql_str *o = KO_VEC_DATA(out, ko_sql_str);
    KO_SQL_LOOP(i, sel, n_sel, n_rows, {
        o[i] = empty_str;
        ko_sql_str s = fu_str(args[0], i);
        if (!fu_live(out, i) || s.len == 0)
            continue;
        char *d = ko_sql_heap_alloc(&out->heap, s.len);
        if (!d)
            return fu_nomem(ctx, "reverse");
        if (fu_ascii(s.ptr, s.len)) {
            for (uint32_t j = 0; j < s.len; j++)
                d[j] = s.ptr[s.len - 1 - j];
        } else {
            reverse_utf8(s.ptr, s.len, d);
        }
        o[i] = (ko_sql_str){d, s.len, 0};
    });
    return KO_OK;
}

static ko_status fn_ascii(KO_FN_PARAMS)
{
    KO_FN_UNUSED;
    int32_t *o = KO_VEC_DATA(out, int32_t);
    KO_SQL_LOOP(i, sel, n_sel, n_rows, {
        ko_sql_str s = fu_str(args[0], i);
        size_t j = 0;
        o[i] = s.len ? (int32_t)fu_utf8_next(s.ptr, s.len, &j) : 0;
    });
    return KO_OK;
}

static ko_status fn_chr(KO_FN_PARAMS)
{
    KO_FN_UNUSED;
    ko_sql_str *o = KO_VEC_DATA(out, ko_sql_str);
    KO_SQL_LOOP(i, sel, n_sel, n_rows, {
        o[i] = empty_str;
        if (!fu_live(out, i))
            continue;
        int32_t c = fu_i32(args[0], i);
        if (c < 0 || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
            return ko_err_set(ctx->err, KO_ERR_INVALID, "Invalid UTF8 Codepoint %d", c);
        char buf[4];
        if (!fu_set(out, i, buf, fu_utf8_put((uint32_t)c, buf)))
            return fu_nomem(ctx, "chr");
    });
    return KO_OK;
}

static ko_status fn_md5(KO_FN_PARAMS)
{
    KO_FN_UNUSED;
    ko_sql_str *o = KO_VEC_DATA(out, ko_sql_str);
    static const char hex[] = "0123456789abcdef";
    KO_SQL_LOOP(i, sel, n_sel, n_rows, {
        o[i] = empty_str;
        if (!fu_live(out, i))
            continue;
        ko_sql_str s = fu_str(args[0], i);
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int mdlen = 0;
        if (!EVP_Digest(s.len ? s.ptr : "", s.len, md, &mdlen, EVP_md5(), NULL))
            return ko_err_set(ctx->err, KO_ERR_INTERNAL, "md5: libcrypto digest failed");
        char txt[2 * EVP_MAX_MD_SIZE];
        for (unsigned k = 0; k < mdlen; k++) {
            txt[2 * (size_t)k] = hex[md[k] >> 4];
            txt[2 * (size_t)k + 1] = hex[md[k] & 15];
        }
        if (!fu_set(out, i, txt, 2 * (size_t)mdlen))
            return fu_nomem(ctx, "md5");
    });
    return KO_OK;
}

/* ---------------------------------------------------------- string_split */

/* Appends the parts of s split by d to the list child (room reserved). */
static size_t split_into(ko_vec *child, size_t base, ko_sql_str s, ko_sql_str d, bool null_d)
{
    ko_sql_str *c = KO_VEC_DATA(child, ko_sql_str);
    if (null_d || (d.len == 0 && s.len == 0)) {
        c[base] = s;
        return 1;
    }
    size_t np = part_count(s, d);
    if (d.len == 0) {
        for (size_t k = 0, j = 0; k < np; k++) {
            size_t a = j;
            j += fu_utf8_seq((unsigned char)s.ptr[j]);
            c[base + k] = (ko_sql_str){s.ptr + a, (uint32_t)((j < s.len ? j : s.len) - a), 0};
        }
        return np;
    }
    const char *p = s.ptr, *e = s.ptr + s.len;
    for (size_t k = 0; k < np; k++) {
        const char *q = k + 1 < np ? find(p, (size_t)(e - p), d.ptr, d.len) : e;
        c[base + k] = (ko_sql_str){p, (uint32_t)(q - p), 0};
        p = q + d.len;
    }
    return np;
}

/* Copies the part strings of rows [from, to) of the child into its heap. */
static ko_status own_parts(ko_vec *child, size_t from, size_t to)
{
    ko_sql_str *c = KO_VEC_DATA(child, ko_sql_str);
    for (size_t k = from; k < to; k++) {
        ko_sql_str s = c[k];
        if (ko_vec_set_str(child, k, s.ptr, s.len) != KO_OK)
            return KO_ERR_NOMEM;
    }
    return KO_OK;
}

static size_t split_total(ko_vec *const *args, const uint32_t *sel, size_t n_sel, size_t n_rows,
                          const ko_vec *out)
{
    size_t total = 0;
    KO_SQL_LOOP(i, sel, n_sel, n_rows, {
        if (!ko_vec_valid(args[0], i))
            continue;
        ko_sql_str s = fu_str(args[0], i), d = fu_str(args[1], i);
        total += !ko_vec_valid(args[1], i) || (d.len == 0 && s.len == 0) ? 1 : part_count(s, d);
    });
    (void)out;
    return total;
}

/* string_split(s, sep): a list of parts; a NULL separator gives [s]. */
static ko_status fn_string_split(KO_FN_PARAMS)
{
    KO_FN_UNUSED;
    ko_vec *child = out->children[0];
    ko_sql_list *o = KO_VEC_DATA(out, ko_sql_list);
    size_t total = split_total(args, sel, n_sel, n_rows, out);
    if (ko_vec_reserve(child, total) != KO_OK)
        return fu_nomem(ctx, "string_split");
    size_t used = 0;
    KO_SQL_LOOP(i, sel, n_sel, n_rows, {
        o[i] = (ko_sql_list){used, 0};
        if (!ko_vec_valid(args[0], i)) {
            fu_null(out, i);
            continue;
        }
        size_t k = split_into(child, used, fu_str(args[0], i), fu_str(args[1], i),
                              !ko_vec_valid(args[1], i));
        o[i].length = k;
        used += k;
    });
    out->child_len = used;
    return own_parts(child, 0, used) == KO_OK ? KO_OK : fu_nomem(ctx, "string_split");
}

static ko_status bind_str_list(KO_BIND_PARAMS)
{
    (void)bargs;
    (void)bn_args;
    (void)const_args;
    (void)bind_data;
    *ret = ko_sql_dtype_list(arena, ko_sql_dtype_of(KO_SQL_DT_VARCHAR));
    return ko_sql_dtype_valid(ret) ? KO_OK : ko_err_set(err, KO_ERR_NOMEM, "out of memory");
}

/* ------------------------------------------------------------------ LIKE */

typedef struct like_bind {
    const ko_sql_like *lk; /* constant pattern (and escape), else NULL */
    bool icase, negate;
} like_bind;

static ko_status like_bind_common(ko_vec *const *const_args, size_t n_args, ko_arena *arena,
                                  void **bind_data, ko_err *err, bool icase, bool negate)
{
    like_bind *b = ko_arena_calloc(arena, 1, sizeof *b);
    if (!b)
        return ko_err_set(err, KO_ERR_NOMEM, "LIKE: out of memory");
    b->icase = icase;
    b->negate = negate;
    *bind_data = b;
    const ko_vec *p = fu_const_arg(const_args, 1);
    const ko_vec *e = n_args > 2 ? fu_const_arg(const_args, 2) : NULL;
    if (!p || !ko_vec_valid(p, 0) || (n_args > 2 && (!e || !ko_vec_valid(e, 0))))
        return KO_OK;
    ko_sql_str ps = fu_str(p, 0), es = e ? fu_str(e, 0) : empty_str;
    return ko_sql_like_compile(ps.ptr, ps.len, es.ptr, es.len, icase, arena, &b->lk, err);
}

#define LIKE_BIND(NAME, ICASE, NEG)                                                      \
    static ko_status NAME(KO_BIND_PARAMS)                                                \
    {                                                                                    \
        (void)bargs;                                                                     \
        *ret = ko_sql_dtype_of(KO_SQL_DT_BOOLEAN);                                       \
        return like_bind_common(const_args, bn_args, arena, bind_data, err, ICASE, NEG); \
    }

LIKE_BIND(bind_like, false, false)
LIKE_BIND(bind_not_like, false, true)
LIKE_BIND(bind_ilike, true, false)
LIKE_BIND(bind_not_ilike, true, true)

static ko_status fn_like(KO_FN_PARAMS)
{
    const like_bind *b = ctx->bind_data;
    uint8_t *o = out->data;
    const ko_vec *a = args[0];
    if (b && b->lk) {
        const ko_sql_like *lk = b->lk;
        bool neg = b->negate;
        KO_SQL_LOOP(i, sel, n_sel, n_rows, {
            ko_sql_str s = fu_str(a, i);
            o[i] = ko_sql_like_exec(lk, s.ptr, s.len) != neg;
        });
        return KO_OK;
    }
    KO_SQL_LOOP(i, sel, n_sel, n_rows, {
        if (!fu_live(out, i))
            continue;
        ko_sql_str s = fu_str(a, i), p = fu_str(args[1], i);
        ko_sql_str e = n_args > 2 ? fu_str(args[2], i) : empty_str;
        bool m = false;
        ko_status st = ko_sql_like_match(s.ptr, s.len, p.ptr, p.len, e.ptr, e.len, b && b->icase,
                                         &m, ctx->err);
        if (st != KO_OK)
            return st;
        o[i] = m != (b && b->negate);
    });
    return KO_OK;
}

/* -------------------------------------------------------------- registry */

#define T(x) KO_SQL_DT_##x
#define S1(name, fn, r)                                   \
    {                                                     \
        name, {T(VARCHAR)}, 1, T(NULL), T(r), 0, NULL, fn \
    }
#define S2(name, fn, a2, r)                                      \
    {                                                            \
        name, {T(VARCHAR), T(a2)}, 2, T(NULL), T(r), 0, NULL, fn \
    }
static const ko_sql_func string_funcs[] = {
    S1("lower", fn_lower, VARCHAR),
    S1("lcase", fn_lower, VARCHAR),
    S1("upper", fn_upper, VARCHAR),
    S1("ucase", fn_upper, VARCHAR),
    S1("length", fn_length, BIGINT),
    S1("char_length", fn_length, BIGINT),
    S1("character_length", fn_length, BIGINT),
    S1("len", fn_length, BIGINT),
    S1("octet_length", fn_octet_length, BIGINT),
    S1("strlen", fn_octet_length, BIGINT),
    S2("substring", fn_substring, BIGINT, VARCHAR),
    S2("substr", fn_substring, BIGINT, VARCHAR),
    {"substring",
     {T(VARCHAR), T(BIGINT), T(BIGINT)},
     3,
     T(NULL),
     T(VARCHAR),
     0,
     NULL,
     fn_substring},
    {"substr", {T(VARCHAR), T(BIGINT), T(BIGINT)}, 3, T(NULL), T(VARCHAR), 0, NULL, fn_substring},
    S2("left", fn_left, BIGINT, VARCHAR),
    S2("right", fn_right, BIGINT, VARCHAR),
    S1("trim", fn_trim, VARCHAR),
    S1("ltrim", fn_ltrim, VARCHAR),
    S1("rtrim", fn_rtrim, VARCHAR),
    S2("trim", fn_trim, VARCHAR, VARCHAR),
    S2("ltrim", fn_ltrim, VARCHAR, VARCHAR),
    S2("rtrim", fn_rtrim, VARCHAR, VARCHAR),
    {"concat", {T(ANY)}, 1, T(ANY), T(VARCHAR), KO_SQL_FN_SPECIAL_NULLS, NULL, fn_concat},
    {"concat_ws",
     {T(VARCHAR), T(ANY)},
     2,
     T(ANY),
     T(VARCHAR),
     KO_SQL_FN_SPECIAL_NULLS,
     NULL,
     fn_concat_ws},
    {"replace", {T(VARCHAR), T(VARCHAR), T(VARCHAR)}, 3, T(NULL), T(VARCHAR), 0, NULL, fn_replace},
    {"split_part",
     {T(VARCHAR), T(VARCHAR), T(BIGINT)},
     3,
     T(NULL),
     T(VARCHAR),
     0,
     NULL,
     fn_split_part},
    S2("starts_with", fn_starts_with, VARCHAR, BOOLEAN),
    S2("prefix", fn_starts_with, VARCHAR, BOOLEAN),
    S2("ends_with", fn_ends_with, VARCHAR, BOOLEAN),
    S2("suffix", fn_ends_with, VARCHAR, BOOLEAN),
    S2("contains", fn_contains, VARCHAR, BOOLEAN),
    S2("strpos", fn_strpos, VARCHAR, BIGINT),
    S2("instr", fn_strpos, VARCHAR, BIGINT),
    S2("position", fn_position, VARCHAR, BIGINT),
    {"lpad", {T(VARCHAR), T(BIGINT), T(VARCHAR)}, 3, T(NULL), T(VARCHAR), 0, NULL, fn_lpad},
    {"rpad", {T(VARCHAR), T(BIGINT), T(VARCHAR)}, 3, T(NULL), T(VARCHAR), 0, NULL, fn_rpad},
    S2("repeat", fn_repeat, BIGINT, VARCHAR),
    S1("reverse", fn_reverse, VARCHAR),
    S1("ascii", fn_ascii, INTEGER),
    {"chr", {T(INTEGER)}, 1, T(NULL), T(VARCHAR), 0, NULL, fn_chr},
    S1("md5", fn_md5, VARCHAR),
    {"string_split",
     {T(VARCHAR), T(VARCHAR)},
     2,
     T(NULL),
     T(LIST),
     KO_SQL_FN_SPECIAL_NULLS,
     bind_str_list,
     fn_string_split},
    {"str_split",
     {T(VARCHAR), T(VARCHAR)},
     2,
     T(NULL),
     T(LIST),
     KO_SQL_FN_SPECIAL_NULLS,
     bind_str_list,
     fn_string_split},
    {"string_to_array",
     {T(VARCHAR), T(VARCHAR)},
     2,
     T(NULL),
     T(LIST),
     KO_SQL_FN_SPECIAL_NULLS,
     bind_str_list,
     fn_string_split},
    {"split",
     {T(VARCHAR), T(VARCHAR)},
     2,
     T(NULL),
     T(LIST),
     KO_SQL_FN_SPECIAL_NULLS,
     bind_str_list,
     fn_string_split},
    {"~~", {T(VARCHAR), T(VARCHAR)}, 2, T(NULL), T(BOOLEAN), 0, bind_like, fn_like},
    {"!~~", {T(VARCHAR), T(VARCHAR)}, 2, T(NULL), T(BOOLEAN), 0, bind_not_like, fn_like},
    {"~~*", {T(VARCHAR), T(VARCHAR)}, 2, T(NULL), T(BOOLEAN), 0, bind_ilike, fn_like},
    {"!~~*", {T(VARCHAR), T(VARCHAR)}, 2, T(NULL), T(BOOLEAN), 0, bind_not_ilike, fn_like},
    {"like_escape",
     {T(VARCHAR), T(VARCHAR), T(VARCHAR)},
     3,
     T(NULL),
     T(BOOLEAN),
     0,
     bind_like,
     fn_like},
    {"not_like_escape",
     {T(VARCHAR), T(VARCHAR), T(VARCHAR)},
     3,
     T(NULL),
     T(BOOLEAN),
     0,
     bind_not_like,
     fn_like},
    {"ilike_escape",
     {T(VARCHAR), T(VARCHAR), T(VARCHAR)},
     3,
     T(NULL),
     T(BOOLEAN),
     0,
     bind_ilike,
     fn_like},
    {"not_ilike_escape",
     {T(VARCHAR), T(VARCHAR), T(VARCHAR)},
     3,
     T(NULL),
     T(BOOLEAN),
     0,
     bind_not_ilike,
     fn_like},
};
#undef S1
#undef S2
#undef T

const ko_sql_func_lib ko_sql_lib_string = {string_funcs, KO_ARRAY_LEN(string_funcs)};
