/*
 * vec.c - SQL types and column vectors (see vec.h): type names and
 * properties, the string heap, vector allocation and row copies.
 *
 * Memory: a vector owns its slots (own), validity bitmap and string heap;
 * the heap keeps its chunks across resets, so refilling a vector batch
 * after batch allocates nothing once it has grown.
 */
#include "sql/vec.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ types */

static ko_sql_dtype nested_type(ko_arena *arena, ko_sql_dtid id, const char *const *names,
                                const ko_sql_dtype *types, uint32_t n)
{
    ko_sql_dtype t = {id, 0, 0, NULL};
    ko_sql_nested *nd = ko_arena_calloc(arena, 1, sizeof *nd);
    const char **nm = ko_arena_calloc(arena, n ? n : 1, sizeof *nm);
    ko_sql_dtype *ty = ko_arena_calloc(arena, n ? n : 1, sizeof *ty);
    if (!nd || !nm || !ty)
        return t;
    for (uint32_t i = 0; i < n; i++) {
        nm[i] = names && names[i] ? ko_arena_strdup(arena, names[i]) : NULL;
        ty[i] = types[i];
    }
    nd->n = n;
    nd->names = nm;
    nd->types = ty;
    t.nested = nd;
    return t;
}

ko_sql_dtype ko_sql_dtype_list(ko_arena *arena, ko_sql_dtype element)
{
    static const char *const names[] = {"element"};
    return nested_type(arena, KO_SQL_DT_LIST, names, &element, 1);
}

ko_sql_dtype ko_sql_dtype_map(ko_arena *arena, ko_sql_dtype key, ko_sql_dtype value)
{
    static const char *const names[] = {"key", "value"};
    ko_sql_dtype kv[2] = {key, value};
    return nested_type(arena, KO_SQL_DT_MAP, names, kv, 2);
}

ko_sql_dtype ko_sql_dtype_struct(ko_arena *arena, const char *const *names,
                                 const ko_sql_dtype *types, uint32_t n)
{
    return nested_type(arena, KO_SQL_DT_STRUCT, names, types, n);
}

bool ko_sql_dtype_valid(const ko_sql_dtype *t)
{
    return !ko_sql_dtype_is_nested(t->id) || t->nested != NULL;
}

ko_sql_phys ko_sql_dtype_phys(const ko_sql_dtype *t)
{
    switch (t->id) {
    case KO_SQL_DT_BOOLEAN:
        return KO_PHYS_U8;
    case KO_SQL_DT_TINYINT:
        return KO_PHYS_I8;
    case KO_SQL_DT_SMALLINT:
        return KO_PHYS_I16;
    case KO_SQL_DT_INTEGER:
    case KO_SQL_DT_DATE:
        return KO_PHYS_I32;
    case KO_SQL_DT_BIGINT:
    case KO_SQL_DT_TIME:
    case KO_SQL_DT_TIMESTAMP:
    case KO_SQL_DT_TIMESTAMPTZ:
        return KO_PHYS_I64;
    case KO_SQL_DT_HUGEINT:
        return KO_PHYS_I128;
    case KO_SQL_DT_FLOAT:
        return KO_PHYS_F32;
    case KO_SQL_DT_DOUBLE:
        return KO_PHYS_F64;
    case KO_SQL_DT_DECIMAL:
        return t->precision <= 18 ? KO_PHYS_I64 : KO_PHYS_I128;
    case KO_SQL_DT_VARCHAR:
    case KO_SQL_DT_BLOB:
        return KO_PHYS_STR;
    case KO_SQL_DT_INTERVAL:
        return KO_PHYS_INTERVAL;
    case KO_SQL_DT_UUID:
        return KO_PHYS_UUID;
    case KO_SQL_DT_LIST:
    case KO_SQL_DT_MAP:
        return KO_PHYS_LIST;
    default:
        return KO_PHYS_NONE;
    }
}

size_t ko_sql_phys_size(ko_sql_phys p)
{
    static const size_t sizes[] = {
        [KO_PHYS_NONE] = 0,
        [KO_PHYS_U8] = 1,
        [KO_PHYS_I8] = 1,
        [KO_PHYS_I16] = 2,
        [KO_PHYS_I32] = 4,
        [KO_PHYS_I64] = 8,
        [KO_PHYS_I128] = 16,
        [KO_PHYS_F32] = 4,
        [KO_PHYS_F64] = 8,
        [KO_PHYS_STR] = sizeof(ko_sql_str),
        [KO_PHYS_INTERVAL] = sizeof(ko_sql_interval),
        [KO_PHYS_UUID] = 16,
        [KO_PHYS_LIST] = sizeof(ko_sql_list),
    };
    return sizes[p];
}

bool ko_sql_dtype_equal(const ko_sql_dtype *a, const ko_sql_dtype *b)
{
    if (a->id != b->id)
        return false;
    if (a->id == KO_SQL_DT_DECIMAL)
        return a->precision == b->precision && a->scale == b->scale;
    if (!ko_sql_dtype_is_nested(a->id))
        return true;
    if (!a->nested || !b->nested || a->nested->n != b->nested->n)
        return a->nested == b->nested;
    for (uint32_t i = 0; i < a->nested->n; i++) {
        const char *na = a->nested->names[i], *nb = b->nested->names[i];
        if (a->id == KO_SQL_DT_STRUCT && (!na || !nb || strcmp(na, nb) != 0))
            return false;
        if (!ko_sql_dtype_equal(&a->nested->types[i], &b->nested->types[i]))
            return false;
    }
    return true;
}

bool ko_sql_dtype_is_integer(ko_sql_dtid id)
{
    return id >= KO_SQL_DT_TINYINT && id <= KO_SQL_DT_HUGEINT;
}

bool ko_sql_dtype_is_numeric(ko_sql_dtid id)
{
    return id >= KO_SQL_DT_TINYINT && id <= KO_SQL_DT_DECIMAL;
}

bool ko_sql_dtype_is_temporal(ko_sql_dtid id)
{
    return id >= KO_SQL_DT_DATE && id <= KO_SQL_DT_INTERVAL;
}

bool ko_sql_dtype_is_nested(ko_sql_dtid id)
{
    return id == KO_SQL_DT_STRUCT || id == KO_SQL_DT_LIST || id == KO_SQL_DT_MAP;
}

int ko_sql_int_precision(ko_sql_dtid id)
{
    switch (id) {
    case KO_SQL_DT_BOOLEAN:
        return 1;
    case KO_SQL_DT_TINYINT:
        return 3;
    case KO_SQL_DT_SMALLINT:
        return 5;
    case KO_SQL_DT_INTEGER:
        return 10;
    case KO_SQL_DT_BIGINT:
        return 19;
    case KO_SQL_DT_HUGEINT:
        return 38;
    default:
        return 0;
    }
}

const char *ko_sql_dtid_name(ko_sql_dtid id)
{
    static const char *const names[] = {
        [KO_SQL_DT_NULL] = "NULL",
        [KO_SQL_DT_BOOLEAN] = "BOOLEAN",
        [KO_SQL_DT_TINYINT] = "TINYINT",
        [KO_SQL_DT_SMALLINT] = "SMALLINT",
        [KO_SQL_DT_INTEGER] = "INTEGER",
        [KO_SQL_DT_BIGINT] = "BIGINT",
        [KO_SQL_DT_HUGEINT] = "HUGEINT",
        [KO_SQL_DT_FLOAT] = "FLOAT",
        [KO_SQL_DT_DOUBLE] = "DOUBLE",
        [KO_SQL_DT_DECIMAL] = "DECIMAL",
        [KO_SQL_DT_VARCHAR] = "VARCHAR",
        [KO_SQL_DT_BLOB] = "BLOB",
        [KO_SQL_DT_DATE] = "DATE",
        [KO_SQL_DT_TIME] = "TIME",
        [KO_SQL_DT_TIMESTAMP] = "TIMESTAMP",
        [KO_SQL_DT_TIMESTAMPTZ] = "TIMESTAMP WITH TIME ZONE",
        [KO_SQL_DT_INTERVAL] = "INTERVAL",
        [KO_SQL_DT_UUID] = "UUID",
        [KO_SQL_DT_STRUCT] = "STRUCT",
        [KO_SQL_DT_LIST] = "LIST",
        [KO_SQL_DT_MAP] = "MAP",
        [KO_SQL_DT_ANY] = "ANY",
    };
    return (unsigned)id < KO_ARRAY_LEN(names) && names[id] ? names[id] : "?";
}

typedef struct tbuf {
    char *out;
    size_t n, cap;
} tbuf;

static void tput(tbuf *b, const char *fmt, ...) KO_PRINTF(2, 3);
static void tput(tbuf *b, const char *fmt, ...)
{
    if (b->n >= b->cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(b->out + b->n, b->cap - b->n, fmt, ap);
    va_end(ap);
    if (k > 0)
        b->n = b->n + (size_t)k < b->cap ? b->n + (size_t)k : b->cap - 1;
}

static void type_name_rec(const ko_sql_dtype *t, tbuf *b, int depth)
{
    if (depth > KO_SQL_DTYPE_MAX_DEPTH || (ko_sql_dtype_is_nested(t->id) && !t->nested)) {
        tput(b, "%s", ko_sql_dtid_name(t->id));
        return;
    }
    switch (t->id) {
    case KO_SQL_DT_DECIMAL:
        tput(b, "DECIMAL(%d,%d)", t->precision, t->scale);
        return;
    case KO_SQL_DT_LIST:
        type_name_rec(&t->nested->types[0], b, depth + 1);
        tput(b, "[]");
        return;
    case KO_SQL_DT_MAP:
        tput(b, "MAP(");
        type_name_rec(&t->nested->types[0], b, depth + 1);
        tput(b, ", ");
        type_name_rec(&t->nested->types[1], b, depth + 1);
        tput(b, ")");
        return;
    case KO_SQL_DT_STRUCT:
        tput(b, "STRUCT(");
        for (uint32_t i = 0; i < t->nested->n; i++) {
            tput(b, "%s%s ", i ? ", " : "", t->nested->names[i]);
            type_name_rec(&t->nested->types[i], b, depth + 1);
        }
        tput(b, ")");
        return;
    default:
        tput(b, "%s", ko_sql_dtid_name(t->id));
    }
}

const char *ko_sql_dtype_name(const ko_sql_dtype *t, char out[KO_SQL_DTYPE_STR_MAX])
{
    tbuf b = {out, 0, KO_SQL_DTYPE_STR_MAX};
    out[0] = '\0';
    type_name_rec(t, &b, 0);
    return out;
}

/* ------------------------------------------------------------ string heap */

struct ko_sql_heap_chunk {
    ko_sql_heap_chunk *next;
    size_t cap, used;
    char data[];
};

char *ko_sql_heap_alloc(ko_sql_heap *h, size_t n)
{
    ko_sql_heap_chunk *c = h->cur;
    while (c && c->cap - c->used < n)
        c = c->next;
    if (!c) {
        size_t cap = n > 65536 ? n : 65536;
        c = malloc(sizeof *c + cap);
        if (!c)
            return NULL;
        c->cap = cap;
        c->used = 0;
        c->next = h->head;
        h->head = c;
        h->bytes += cap;
    }
    h->cur = c;
    char *p = c->data + c->used;
    c->used += n;
    return p;
}

void ko_sql_heap_reset(ko_sql_heap *h)
{
    for (ko_sql_heap_chunk *c = h->head; c; c = c->next)
        c->used = 0;
    h->cur = h->head;
}

void ko_sql_heap_free(ko_sql_heap *h)
{
    ko_sql_heap_chunk *c = h->head;
    while (c) {
        ko_sql_heap_chunk *n = c->next;
        free(c);
        c = n;
    }
    memset(h, 0, sizeof *h);
}

/* ---------------------------------------------------------------- vectors */

ko_vec *ko_vec_new(const ko_sql_dtype *t)
{
    ko_vec *v = calloc(1, sizeof *v);
    if (!v)
        return NULL;
    v->type = *t;
    uint32_t nc = 0;
    if (t->id == KO_SQL_DT_STRUCT && t->nested)
        nc = t->nested->n;
    else if ((t->id == KO_SQL_DT_LIST || t->id == KO_SQL_DT_MAP) && t->nested)
        nc = 1;
    if (!nc)
        return v;
    v->children = calloc(nc, sizeof(ko_vec *));
    if (!v->children) {
        free(v);
        return NULL;
    }
    v->n_children = nc;
    for (uint32_t i = 0; i < nc; i++) {
        ko_sql_dtype ct = t->nested->types[i];
        if (t->id == KO_SQL_DT_MAP) {
            static const char *const kv[] = {"key", "value"};
            ct.id = KO_SQL_DT_STRUCT;
            ct.nested = t->nested; /* STRUCT(key, value) shares the map's children */
            (void)kv;
        }
        v->children[i] = ko_vec_new(&ct);
        if (!v->children[i]) {
            ko_vec_free(v);
            return NULL;
        }
    }
    return v;
}

void ko_vec_free(ko_vec *v)
{
    if (!v)
        return;
    for (uint32_t i = 0; i < v->n_children; i++)
        ko_vec_free(v->children[i]);
    free(v->children);
    free(v->own); // NOLINT(clang-analyzer-unix.Malloc): each vector owns its slots
    free(v->own_validity);
    ko_sql_heap_free(&v->heap);
    free(v);
}

static ko_status own_slots(ko_vec *v, size_t n, bool keep)
{
    size_t w = ko_sql_phys_size(ko_sql_dtype_phys(&v->type));
    if (n == 0)
        n = 1;
    if (v->own_cap < n) {
        size_t cap = v->own_cap ? v->own_cap : 64;
        while (cap < n)
            cap *= 2;
        uint8_t *p = calloc(cap, w ? w : 1);
        if (!p)
            return KO_ERR_NOMEM;
        if (keep && v->own && w)
            memcpy(p, v->own, v->own_cap * w);
        free(v->own);
        v->own = p;
        v->own_cap = cap;
    }
    v->data = v->own;
    v->cap = v->own_cap;
    return KO_OK;
}

ko_status ko_vec_prepare(ko_vec *v, size_t n)
{
    bool keep = v->data == v->own;
    ko_status st = own_slots(v, n, keep);
    v->is_const = false;
    v->validity = NULL;
    return st;
}

ko_status ko_vec_reserve(ko_vec *v, size_t n)
{
    ko_sql_heap_reset(&v->heap);
    v->child_len = 0;
    return ko_vec_prepare(v, n);
}

ko_status ko_vec_validity_init(ko_vec *v, size_t n)
{
    size_t words = (n + 63) / 64;
    if (words == 0)
        words = 1;
    if (v->own_validity_words < words) {
        size_t w = v->own_validity_words ? v->own_validity_words : 32;
        while (w < words)
            w *= 2;
        uint64_t *p = malloc(w * sizeof *p);
        if (!p)
            return KO_ERR_NOMEM;
        free(v->own_validity);
        v->own_validity = p;
        v->own_validity_words = w;
    }
    memset(v->own_validity, 0xff, words * sizeof(uint64_t));
    v->validity = v->own_validity;
    return KO_OK;
}

ko_status ko_vec_set_null(ko_vec *v, size_t i)
{
    if (!v->validity) {
        ko_status st = ko_vec_validity_init(v, v->cap > i ? v->cap : i + 1);
        if (st != KO_OK)
            return st;
    }
    ko_vec_set_null_fast(v, i);
    return KO_OK;
}

ko_status ko_vec_make_writable(ko_vec *v, size_t n)
{
    if (v->data == v->own && (!v->validity || v->validity == v->own_validity))
        return KO_OK;
    size_t w = ko_sql_phys_size(ko_sql_dtype_phys(&v->type));
    const uint8_t *src = v->data;
    const uint64_t *valid = v->validity;
    if (src != v->own) {
        if (own_slots(v, n, false) != KO_OK)
            return KO_ERR_NOMEM;
        if (w && n && src)
            memcpy(v->own, src, n * w);
    }
    v->data = v->own;
    if (valid && valid != v->own_validity) {
        if (ko_vec_validity_init(v, n) != KO_OK)
            return KO_ERR_NOMEM;
        memcpy(v->own_validity, valid, (n + 63) / 64 * sizeof(uint64_t));
    }
    return KO_OK;
}

void ko_vec_reference(ko_vec *v, const ko_vec *src)
{
    v->data = src->data;
    v->validity = src->validity;
    v->is_const = src->is_const;
    v->cap = src->cap;
    v->child_len = src->child_len;
    for (uint32_t i = 0; i < v->n_children && i < src->n_children; i++)
        ko_vec_reference(v->children[i], src->children[i]);
}

ko_status ko_vec_set_const_null(ko_vec *v)
{
    ko_status st = ko_vec_reserve(v, 1);
    if (st == KO_OK)
        st = ko_vec_validity_init(v, 1);
    if (st != KO_OK)
        return st;
    ko_vec_set_null_fast(v, 0);
    v->is_const = true;
    for (uint32_t i = 0; i < v->n_children; i++)
        if (ko_vec_set_const_null(v->children[i]) != KO_OK)
            return KO_ERR_NOMEM;
    return KO_OK;
}

ko_status ko_vec_set_str(ko_vec *v, size_t i, const char *p, size_t len)
{
    ko_sql_str *s = &KO_VEC_DATA(v, ko_sql_str)[i];
    if (len > UINT32_MAX)
        return KO_ERR_INVALID;
    char *d = len ? ko_sql_heap_alloc(&v->heap, len) : NULL;
    if (len && !d)
        return KO_ERR_NOMEM;
    if (len)
        memcpy(d, p, len);
    s->ptr = d;
    s->len = (uint32_t)len;
    s->pad_ = 0;
    return KO_OK;
}

static ko_status ensure_rows(ko_vec *v, size_t rows)
{
    if (v->data == v->own && rows <= v->own_cap)
        return KO_OK;
    if (v->data != v->own)
        return KO_ERR_INVALID;
    if (own_slots(v, rows, true) != KO_OK)
        return KO_ERR_NOMEM;
    if (v->validity == v->own_validity && v->validity && v->own_validity_words * 64 < v->own_cap) {
        size_t words = (v->own_cap + 63) / 64;
        uint64_t *p = malloc(words * sizeof *p);
        if (!p)
            return KO_ERR_NOMEM;
        memset(p, 0xff, words * sizeof *p);
        memcpy(p, v->own_validity, v->own_validity_words * sizeof *p);
        free(v->own_validity);
        v->own_validity = v->validity = p;
        v->own_validity_words = words;
    }
    return KO_OK;
}

static ko_status copy_list_row(ko_vec *dst, size_t dst_row, const ko_vec *src, size_t si)
{
    const ko_sql_list *le = &KO_VEC_DATA(src, ko_sql_list)[si];
    ko_vec *dc = dst->children[0];
    size_t base = dst->child_len;
    ko_status st = ensure_rows(dc, base + le->length + 1);
    for (uint64_t k = 0; k < le->length && st == KO_OK; k++)
        st = ko_vec_copy_row(dc, base + k, src->children[0], le->offset + k);
    if (st != KO_OK)
        return st;
    dst->child_len = base + le->length;
    KO_VEC_DATA(dst, ko_sql_list)[dst_row] = (ko_sql_list){base, le->length};
    return KO_OK;
}

/* Copies row src_row of src into slot dst_row of dst (owned, with room):
 * strings into dst's heap, nested values recursively. */
ko_status ko_vec_copy_row(ko_vec *dst, size_t dst_row, const ko_vec *src, size_t src_row)
{
    size_t si = ko_vec_idx(src, src_row);
    ko_status st = ensure_rows(dst, dst_row + 1);
    if (st != KO_OK)
        return st;
    if (!ko_vec_valid(src, src_row)) {
        if (!dst->validity && ko_vec_validity_init(dst, dst->own_cap) != KO_OK)
            return KO_ERR_NOMEM;
        ko_vec_set_null_fast(dst, dst_row);
        size_t w = ko_sql_phys_size(ko_sql_dtype_phys(&dst->type));
        memset(dst->data + dst_row * w, 0, w);
        for (uint32_t c = 0; dst->type.id == KO_SQL_DT_STRUCT && c < dst->n_children; c++)
            if (ko_vec_copy_row(dst->children[c], dst_row, src->children[c], src_row) != KO_OK)
                return KO_ERR_NOMEM;
        return KO_OK;
    }
    if (dst->validity)
        ko_vec_set_valid_fast(dst, dst_row);
    ko_sql_phys p = ko_sql_dtype_phys(&dst->type);
    size_t w = ko_sql_phys_size(p);
    if (p == KO_PHYS_STR) {
        const ko_sql_str *s = &KO_VEC_DATA(src, ko_sql_str)[si];
        return ko_vec_set_str(dst, dst_row, s->ptr, s->len);
    }
    if (p == KO_PHYS_LIST)
        return copy_list_row(dst, dst_row, src, si);
    if (dst->type.id == KO_SQL_DT_STRUCT) {
        for (uint32_t c = 0; c < dst->n_children && st == KO_OK; c++)
            st = ko_vec_copy_row(dst->children[c], dst_row, src->children[c], src_row);
        return st;
    }
    if (w)
        memcpy(dst->data + dst_row * w, src->data + si * w, w);
    return KO_OK;
}

/* ----------------------------------------------------------- number text */

ko_i128 ko_sql_pow10(int k)
{
    ko_i128 r = 1;
    for (int i = 0; i < k && i < 38; i++)
        r *= 10;
    return r;
}

size_t ko_sql_i128_format(ko_i128 v, char out[48])
{
    char tmp[48];
    size_t n = 0;
    unsigned __int128 u =
        v < 0 ? (unsigned __int128)0 - (unsigned __int128)v : (unsigned __int128)v;
    do {
        tmp[n++] = (char)('0' + (int)(u % 10));
        u /= 10;
    } while (u);
    size_t o = 0;
    if (v < 0)
        out[o++] = '-';
    while (n)
        out[o++] = tmp[--n];
    out[o] = '\0';
    return o;
}

size_t ko_sql_decimal_format(ko_i128 v, int scale, char out[48])
{
    char digits[48];
    unsigned __int128 u =
        v < 0 ? (unsigned __int128)0 - (unsigned __int128)v : (unsigned __int128)v;
    size_t n = 0;
    do {
        digits[n++] = (char)('0' + (int)(u % 10));
        u /= 10;
    } while (u);
    while ((int)n <= scale)
        digits[n++] = '0';
    size_t o = 0;
    if (v < 0)
        out[o++] = '-';
    for (size_t i = n; i-- > 0;) {
        out[o++] = digits[i];
        if (scale > 0 && (int)i == scale)
            out[o++] = '.';
    }
    out[o] = '\0';
    return o;
}

/* Python's repr / DuckDB's form of shortest round-trip digits: fixed
 * notation with at least one decimal ("30.0", "0.0001") for decimal
 * exponents -4..15, else d[.ddd]e+XX ("1e+16", "1.5e-05"). */
static size_t repr_format(const char *sci, char out[40])
{
    /* sci is "-d.ddde+XX" from %.*e */
    bool neg = sci[0] == '-';
    const char *p = sci + neg;
    char digits[24];
    size_t nd = 0;
    for (; *p && *p != 'e' && nd < sizeof digits - 1; p++)
        if (*p != '.')
            digits[nd++] = *p;
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    digits[nd] = 0;
    int exp = *p == 'e' ? (int)strtol(p + 1, NULL, 10) : 0;
    char *o = out;
    if (neg)
        *o++ = '-';
    if (exp < -4 || exp >= 16) {
        *o++ = digits[0];
        if (nd > 1) {
            *o++ = '.';
            memcpy(o, digits + 1, nd - 1);
            o += nd - 1;
        }
        return (size_t)(o - out) +
               (size_t)snprintf(o, 12, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
    }
    if (exp < 0) {
        *o++ = '0';
        *o++ = '.';
        for (int k = -1; k > exp; k--)
            *o++ = '0';
        memcpy(o, digits, nd);
        o += nd;
    } else {
        for (int k = 0; k <= exp; k++)
            *o++ = (size_t)k < nd ? digits[k] : '0';
        *o++ = '.';
        if ((size_t)exp + 1 < nd) {
            memcpy(o, digits + exp + 1, nd - (size_t)exp - 1);
            o += nd - (size_t)exp - 1;
        } else {
            *o++ = '0';
        }
    }
    *o = 0;
    return (size_t)(o - out);
}

size_t ko_sql_double_format(double d, char out[40])
{
    if (d != d)
        return (size_t)snprintf(out, 40, "nan");
    if (d > 1.7976931348623157e308)
        return (size_t)snprintf(out, 40, "inf");
    if (d < -1.7976931348623157e308)
        return (size_t)snprintf(out, 40, "-inf");
    char sci[40];
    for (int prec = 0; prec <= 16; prec++) {
        snprintf(sci, sizeof sci, "%.*e", prec, d);
        if (strtod(sci, NULL) == d)
            break;
    }
    return repr_format(sci, out);
}

size_t ko_sql_float_format(float f, char out[40])
{
    if (f != f)
        return (size_t)snprintf(out, 40, "nan");
    if (f > 3.4028234663852886e38f)
        return (size_t)snprintf(out, 40, "inf");
    if (f < -3.4028234663852886e38f)
        return (size_t)snprintf(out, 40, "-inf");
    char sci[40];
    for (int prec = 0; prec <= 8; prec++) {
        snprintf(sci, sizeof sci, "%.*e", prec, (double)f);
        if (strtof(sci, NULL) == f)
            break;
    }
    return repr_format(sci, out);
}

/* ---------------------------------------------------------- time text */

size_t ko_sql_date_format(int32_t days, char out[32])
{
    int64_t y;
    unsigned m, d;
    ko_civil_from_days(days, &y, &m, &d);
    if (y <= 0)
        return (size_t)snprintf(out, 32, "%04lld-%02u-%02u (BC)", (long long)(1 - y), m, d);
    return (size_t)snprintf(out, 32, "%04lld-%02u-%02u", (long long)y, m, d);
}

static size_t frac_format(int64_t us, char *out, size_t cap)
{
    if (us == 0)
        return 0;
    char tmp[8];
    snprintf(tmp, sizeof tmp, "%06lld", (long long)us);
    size_t n = 6;
    while (n > 0 && tmp[n - 1] == '0')
        n--;
    return (size_t)snprintf(out, cap, ".%.*s", (int)n, tmp);
}

size_t ko_sql_time_format(int64_t us, char out[32])
{
    int64_t s = us / 1000000, f = us % 1000000;
    size_t n = (size_t)snprintf(out, 32, "%02lld:%02lld:%02lld", (long long)(s / 3600),
                                (long long)(s / 60 % 60), (long long)(s % 60));
    return n + frac_format(f, out + n, 32 - n);
}

size_t ko_sql_timestamp_format(int64_t us, bool tz, char out[48])
{
    int64_t days = us >= 0 ? us / 86400000000LL : -((-us + 86399999999LL) / 86400000000LL);
    int64_t rem = us - days * 86400000000LL;
    /* DuckDB: "0001-12-31 (BC) 22:00:00": the era stays with the date */
    size_t n = ko_sql_date_format((int32_t)days, out);
    out[n++] = ' ';
    n += ko_sql_time_format(rem, out + n);
    if (tz)
        n += (size_t)snprintf(out + n, 48 - n, "+00");
    return n;
}

static size_t unit_part(char *out, size_t cap, size_t n, long long v, const char *unit)
{
    if (v == 0 || n >= cap)
        return n;
    return n + (size_t)snprintf(out + n, cap - n, "%s%lld %s%s", n ? " " : "", v, unit,
                                v == 1 || v == -1 ? "" : "s");
}

size_t ko_sql_interval_format(const ko_sql_interval *iv, char out[96])
{
    size_t n = 0;
    out[0] = '\0';
    n = unit_part(out, 96, n, iv->months / 12, "year");
    n = unit_part(out, 96, n, iv->months % 12, "month");
    n = unit_part(out, 96, n, iv->days, "day");
    if (iv->micros != 0 || n == 0) {
        int64_t us = iv->micros;
        bool neg = us < 0;
        uint64_t u = neg ? (uint64_t)0 - (uint64_t)us : (uint64_t)us;
        uint64_t s = u / 1000000, f = u % 1000000;
        n += (size_t)snprintf(out + n, 96 - n, "%s%s%02llu:%02llu:%02llu", n ? " " : "",
                              neg ? "-" : "", (unsigned long long)(s / 3600),
                              (unsigned long long)(s / 60 % 60), (unsigned long long)(s % 60));
        n += frac_format((int64_t)f, out + n, 96 - n);
    }
    return n;
}

/* --------------------------------------------------------------- format */

static ko_status format_list(const ko_vec *v, size_t si, ko_buf *out)
{
    const ko_sql_list *le = &KO_VEC_DATA(v, ko_sql_list)[si];
    bool map = v->type.id == KO_SQL_DT_MAP;
    ko_status st = ko_buf_append_str(out, map ? "{" : "[");
    const ko_vec *c = v->children[0];
    for (uint64_t k = 0; k < le->length && st == KO_OK; k++) {
        if (k)
            st = ko_buf_append_str(out, ", ");
        if (st == KO_OK && map) {
            st = ko_vec_format(c->children[0], le->offset + k, out);
            if (st == KO_OK)
                st = ko_buf_append_str(out, "=");
            if (st == KO_OK)
                st = ko_vec_format(c->children[1], le->offset + k, out);
        } else if (st == KO_OK) {
            st = ko_vec_format(c, le->offset + k, out);
        }
    }
    return st == KO_OK ? ko_buf_append_str(out, map ? "}" : "]") : st;
}

static ko_status format_struct(const ko_vec *v, size_t row, ko_buf *out)
{
    ko_status st = ko_buf_append_str(out, "{");
    for (uint32_t c = 0; c < v->n_children && st == KO_OK; c++) {
        st = ko_buf_appendf(out, "%s'%s': ", c ? ", " : "", v->type.nested->names[c]);
        if (st == KO_OK)
            st = ko_vec_format(v->children[c], row, out);
    }
    return st == KO_OK ? ko_buf_append_str(out, "}") : st;
}

static ko_status format_blob(const ko_sql_str *s, ko_buf *out)
{
    ko_status st = KO_OK;
    for (uint32_t i = 0; i < s->len && st == KO_OK; i++) {
        unsigned char c = (unsigned char)s->ptr[i];
        if (c >= 32 && c < 127 && c != '\\' && c != '\'' && c != '"')
            st = ko_buf_append(out, &c, 1);
        else
            st = ko_buf_appendf(out, "\\x%02X", c);
    }
    return st;
}

static ko_status format_uuid(const ko_sql_uuid *u, ko_buf *out)
{
    ko_uuid x;
    memcpy(x.b, u->b, 16);
    char s[KO_UUID_STR_LEN + 1];
    ko_uuid_format(&x, s);
    return ko_buf_append_str(out, s);
}

static ko_status format_scalar(const ko_vec *v, size_t si, ko_buf *out)
{
    char tmp[128];
    const uint8_t *p = v->data;
    switch (v->type.id) {
    case KO_SQL_DT_BOOLEAN:
        return ko_buf_append_str(out, p[si] ? "true" : "false");
    case KO_SQL_DT_TINYINT:
        return ko_buf_appendf(out, "%d", ((const int8_t *)p)[si]);
    case KO_SQL_DT_SMALLINT:
        return ko_buf_appendf(out, "%d", ((const int16_t *)(const void *)p)[si]);
    case KO_SQL_DT_INTEGER:
        return ko_buf_appendf(out, "%d", ((const int32_t *)(const void *)p)[si]);
    case KO_SQL_DT_BIGINT:
        return ko_buf_appendf(out, "%lld", (long long)((const int64_t *)(const void *)p)[si]);
    case KO_SQL_DT_HUGEINT:
        ko_sql_i128_format(((const ko_i128 *)(const void *)p)[si], tmp);
        return ko_buf_append_str(out, tmp);
    case KO_SQL_DT_FLOAT:
        ko_sql_float_format(((const float *)(const void *)p)[si], tmp);
        return ko_buf_append_str(out, tmp);
    case KO_SQL_DT_DOUBLE:
        ko_sql_double_format(((const double *)(const void *)p)[si], tmp);
        return ko_buf_append_str(out, tmp);
    case KO_SQL_DT_DECIMAL: {
        ko_i128 x = v->type.precision <= 18 ? (ko_i128)((const int64_t *)(const void *)p)[si]
                                            : ((const ko_i128 *)(const void *)p)[si];
        ko_sql_decimal_format(x, v->type.scale, tmp);
        return ko_buf_append_str(out, tmp);
    }
    case KO_SQL_DT_VARCHAR: {
        const ko_sql_str *s = &((const ko_sql_str *)(const void *)p)[si];
        return s->len ? ko_buf_append(out, s->ptr, s->len) : ko_buf_reserve(out, 1);
    }
    case KO_SQL_DT_BLOB:
        return format_blob(&((const ko_sql_str *)(const void *)p)[si], out);
    case KO_SQL_DT_DATE:
        ko_sql_date_format(((const int32_t *)(const void *)p)[si], tmp);
        return ko_buf_append_str(out, tmp);
    case KO_SQL_DT_TIME:
        ko_sql_time_format(((const int64_t *)(const void *)p)[si], tmp);
        return ko_buf_append_str(out, tmp);
    case KO_SQL_DT_TIMESTAMP:
    case KO_SQL_DT_TIMESTAMPTZ:
        ko_sql_timestamp_format(((const int64_t *)(const void *)p)[si],
                                v->type.id == KO_SQL_DT_TIMESTAMPTZ, tmp);
        return ko_buf_append_str(out, tmp);
    case KO_SQL_DT_INTERVAL:
        ko_sql_interval_format(&((const ko_sql_interval *)(const void *)p)[si], tmp);
        return ko_buf_append_str(out, tmp);
    case KO_SQL_DT_UUID:
        return format_uuid(&((const ko_sql_uuid *)(const void *)p)[si], out);
    default:
        return ko_buf_append_str(out, "?");
    }
}

ko_status ko_vec_format(const ko_vec *v, size_t row, ko_buf *out)
{
    if (!ko_vec_valid(v, row))
        return ko_buf_append_str(out, "NULL");
    size_t si = ko_vec_idx(v, row);
    if (v->type.id == KO_SQL_DT_LIST || v->type.id == KO_SQL_DT_MAP)
        return format_list(v, si, out);
    if (v->type.id == KO_SQL_DT_STRUCT)
        return format_struct(v, row, out);
    return format_scalar(v, si, out);
}
