/*
 * func.c - the scalar function registry: overload resolution by implicit
 * cast cost, result type inference, and the core example functions
 * (lower, upper, length, abs) that show the calling convention (func.h).
 *
 * Libraries are listed in func_libs.c; lookups walk them linearly, which is
 * fine because resolution runs once per call site at bind time, never per
 * row.
 */
#include "sql/func.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------- cast cost */

static int int_rank(ko_sql_dtid id)
{
    return id >= KO_SQL_DT_TINYINT && id <= KO_SQL_DT_HUGEINT ? (int)(id - KO_SQL_DT_TINYINT) : -1;
}

static int numeric_cost(const ko_sql_dtype *from, ko_sql_dtid to)
{
    int rf = int_rank(from->id), rt = int_rank(to);
    if (rf >= 0 && rt >= 0)
        return rt > rf ? rt - rf : -1;
    if (rf >= 0 && to == KO_SQL_DT_DECIMAL)
        return 10 + rf;
    if ((rf >= 0 || from->id == KO_SQL_DT_DECIMAL) && to == KO_SQL_DT_DOUBLE)
        return 20;
    if ((rf >= 0 || from->id == KO_SQL_DT_DECIMAL) && to == KO_SQL_DT_FLOAT)
        return 21;
    if (from->id == KO_SQL_DT_FLOAT && to == KO_SQL_DT_DOUBLE)
        return 1;
    return -1;
}

int ko_sql_cast_cost(const ko_sql_dtype *from, ko_sql_dtid to)
{
    if (from->id == to)
        return 0;
    if (to == KO_SQL_DT_ANY)
        return 30;
    if (from->id == KO_SQL_DT_NULL)
        return 1;
    if (ko_sql_dtype_is_numeric(from->id) && ko_sql_dtype_is_numeric(to))
        return numeric_cost(from, to);
    if (from->id == KO_SQL_DT_DATE && (to == KO_SQL_DT_TIMESTAMP || to == KO_SQL_DT_TIMESTAMPTZ))
        return 5;
    if (from->id == KO_SQL_DT_TIMESTAMP && to == KO_SQL_DT_TIMESTAMPTZ)
        return 5;
    if (from->id == KO_SQL_DT_VARCHAR && to == KO_SQL_DT_BLOB)
        return 5;
    return -1;
}

/* ------------------------------------------------------------ resolution */

typedef void (*each_fn)(const ko_sql_func *f, void *ctx);

static void each_named(const char *name, each_fn fn, void *ctx)
{
    for (size_t l = 0; ko_sql_func_libs[l]; l++) {
        const ko_sql_func_lib *lib = ko_sql_func_libs[l];
        for (size_t i = 0; i < lib->n; i++)
            if (!name || strcmp(lib->funcs[i].name, name) == 0)
                fn(&lib->funcs[i], ctx);
    }
}

typedef struct pick {
    const ko_sql_dtype *args;
    size_t n_args;
    const ko_sql_func *best;
    int best_cost;
    size_t seen;
} pick;

static ko_sql_dtid param_at(const ko_sql_func *f, size_t i)
{
    return i < f->n_args ? f->args[i] : f->varargs;
}

static int call_cost(const ko_sql_func *f, const ko_sql_dtype *args, size_t n)
{
    if (n < f->n_args || (n > f->n_args && f->varargs == KO_SQL_DT_NULL) ||
        n > KO_SQL_FN_MAX_CALL_ARGS)
        return -1;
    int total = 0;
    for (size_t i = 0; i < n; i++) {
        int c = ko_sql_cast_cost(&args[i], param_at(f, i));
        if (c < 0)
            return -1;
        total += c;
    }
    return total;
}

static void consider(const ko_sql_func *f, void *ctx)
{
    pick *p = ctx;
    p->seen++;
    int c = call_cost(f, p->args, p->n_args);
    if (c >= 0 && (!p->best || c < p->best_cost)) {
        p->best = f;
        p->best_cost = c;
    }
}

static void lower_name(const char *name, char *out, size_t cap)
{
    size_t i = 0;
    for (; name[i] && i + 1 < cap; i++)
        out[i] = (char)tolower((unsigned char)name[i]);
    out[i] = '\0';
}

static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63)
        return 99;
    size_t row[64];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t prev = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t cur = row[j];
            // NOLINTNEXTLINE(clang-analyzer-core.UndefinedBinaryOperatorResult): i <= strlen(a)
            size_t sub = prev + (a[i - 1] != b[j - 1]);
            size_t del = row[j] + 1, ins = row[j - 1] + 1;
            row[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
            prev = cur;
        }
    }
    return row[lb];
}

typedef struct nearest {
    const char *name;
    const char *best;
    size_t dist;
} nearest;

static void near_fn(const ko_sql_func *f, void *ctx)
{
    nearest *n = ctx;
    size_t d = edit_distance(n->name, f->name);
    if (d < n->dist) {
        n->dist = d;
        n->best = f->name;
    }
}

typedef struct listing {
    char *out;
    size_t n, cap, count;
} listing;

static void lput(listing *l, const char *fmt, ...) KO_PRINTF(2, 3);
static void lput(listing *l, const char *fmt, ...)
{
    if (l->n >= l->cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(l->out + l->n, l->cap - l->n, fmt, ap);
    va_end(ap);
    if (k > 0)
        l->n = l->n + (size_t)k < l->cap ? l->n + (size_t)k : l->cap - 1;
}

static void list_fn(const ko_sql_func *f, void *ctx)
{
    listing *l = ctx;
    if (l->count++ >= 8)
        return;
    lput(l, "%s%s(", l->count > 1 ? ", " : "", f->name);
    for (size_t i = 0; i < f->n_args; i++)
        lput(l, "%s%s", i ? ", " : "", ko_sql_dtid_name(f->args[i]));
    if (f->varargs != KO_SQL_DT_NULL)
        lput(l, "%s%s...", f->n_args ? ", " : "", ko_sql_dtid_name(f->varargs));
    lput(l, ")");
}

static ko_status no_match(const char *name, const ko_sql_dtype *args, size_t n_args, ko_err *err)
{
    char a[256] = "", c[256] = "";
    listing la = {a, 0, sizeof a, 0}, lc = {c, 0, sizeof c, 0};
    char tn[KO_SQL_DTYPE_STR_MAX];
    for (size_t i = 0; i < n_args; i++)
        lput(&la, "%s%s", i ? ", " : "", ko_sql_dtype_name(&args[i], tn));
    each_named(name, list_fn, &lc);
    return ko_err_set(err, KO_ERR_INVALID, "No function matches %s(%s); candidates: %s", name, a,
                      c);
}

static ko_sql_dtype param_type(ko_sql_dtid want, const ko_sql_dtype *arg)
{
    if (want == KO_SQL_DT_ANY || want == arg->id)
        return *arg;
    if (want == KO_SQL_DT_DECIMAL) {
        int p = ko_sql_int_precision(arg->id);
        return ko_sql_dtype_decimal(p ? p : 18, 0);
    }
    return ko_sql_dtype_of(want);
}

bool ko_sql_func_exists(const char *name)
{
    char lname[64];
    lower_name(name, lname, sizeof lname);
    pick p = {0};
    each_named(lname, consider, &p);
    return p.seen > 0;
}

ko_status ko_sql_func_resolve(const char *name, const ko_sql_dtype *args, size_t n_args,
                              ko_vec *const *const_args, ko_arena *arena, ko_sql_resolved *out,
                              ko_err *err)
{
    char lname[64];
    lower_name(name, lname, sizeof lname);
    memset(out, 0, sizeof *out);
    pick p = {args, n_args, NULL, 0, 0};
    each_named(lname, consider, &p);
    if (!p.seen) {
        nearest nr = {lname, NULL, 3};
        each_named(NULL, near_fn, &nr);
        if (nr.best)
            return ko_err_set(err, KO_ERR_NOT_FOUND, "unknown function %s (did you mean %s?)", name,
                              nr.best);
        return ko_err_set(err, KO_ERR_NOT_FOUND, "unknown function %s", name);
    }
    if (!p.best)
        return no_match(lname, args, n_args, err);
    out->fn = p.best;
    for (size_t i = 0; i < n_args; i++)
        out->params[i] = param_type(param_at(p.best, i), &args[i]);
    if (p.best->bind)
        return p.best->bind(out->params, n_args, const_args, arena, &out->ret, &out->bind_data,
                            err);
    out->ret = ko_sql_dtype_of(p.best->ret);
    return KO_OK;
}

/* ======================================================= core functions */

static ko_status fn_case(ko_vec *const *args, const uint32_t *sel, size_t n_sel, size_t n_rows,
                         ko_vec *out, bool upper)
{
    const ko_vec *a = args[0];
    const ko_sql_str *in = KO_VEC_DATA(a, const ko_sql_str);
    ko_sql_str *o = KO_VEC_DATA(out, ko_sql_str);
    ko_status st = KO_OK;
    KO_SQL_LOOP(i, sel, n_sel, n_rows, {
        const ko_sql_str *s = &in[ko_vec_idx(a, i)];
        char *d = s->len ? ko_sql_heap_alloc(&out->heap, s->len) : NULL;
        if (s->len && !d) {
            st = KO_ERR_NOMEM;
            break;
        }
        for (uint32_t j = 0; j < s->len; j++) {
            unsigned char c = (unsigned char)s->ptr[j];
            d[j] = (char)(upper ? toupper(c) : tolower(c));
        }
        o[i] = (ko_sql_str){d, s->len, 0};
    });
    return st;
}

static ko_status fn_lower(const ko_sql_fn_ctx *ctx, ko_vec *const *args, size_t n_args,
                          const uint32_t *sel, size_t n_sel, size_t n_rows, ko_vec *out)
{
    (void)n_args;
    ko_status st = fn_case(args, sel, n_sel, n_rows, out, false);
    return st == KO_OK ? st : ko_err_set(ctx->err, st, "lower: out of memory");
}

static ko_status fn_upper(const ko_sql_fn_ctx *ctx, ko_vec *const *args, size_t n_args,
                          const uint32_t *sel, size_t n_sel, size_t n_rows, ko_vec *out)
{
    (void)n_args;
    ko_status st = fn_case(args, sel, n_sel, n_rows, out, true);
    return st == KO_OK ? st : ko_err_set(ctx->err, st, "upper: out of memory");
}

/* Number of UTF-8 code points (bytes that do not continue a sequence). */
static ko_status fn_length(const ko_sql_fn_ctx *ctx, ko_vec *const *args, size_t n_args,
                           const uint32_t *sel, size_t n_sel, size_t n_rows, ko_vec *out)
{
    (void)ctx;
    (void)n_args;
    const ko_vec *a = args[0];
    const ko_sql_str *in = KO_VEC_DATA(a, const ko_sql_str);
    int64_t *o = KO_VEC_DATA(out, int64_t);
    KO_SQL_LOOP(i, sel, n_sel, n_rows, {
        const ko_sql_str *s = &in[ko_vec_idx(a, i)];
        int64_t n = 0;
        for (uint32_t j = 0; j < s->len; j++)
            n += ((unsigned char)s->ptr[j] & 0xC0) != 0x80;
        o[i] = n;
    });
    return KO_OK;
}

static ko_status fn_octet_length(const ko_sql_fn_ctx *ctx, ko_vec *const *args, size_t n_args,
                                 const uint32_t *sel, size_t n_sel, size_t n_rows, ko_vec *out)
{
    (void)ctx;
    (void)n_args;
    const ko_vec *a = args[0];
    const ko_sql_str *in = KO_VEC_DATA(a, const ko_sql_str);
    int64_t *o = KO_VEC_DATA(out, int64_t);
    KO_SQL_LOOP(i, sel, n_sel, n_rows, { o[i] = in[ko_vec_idx(a, i)].len; });
    return KO_OK;
}

/* NOLINTBEGIN(bugprone-macro-parentheses): T is a type */
#define ABS_INT(NAME, T, MINV)                                                           \
    static ko_status NAME(const ko_sql_fn_ctx *ctx, ko_vec *const *args, size_t n_args,  \
                          const uint32_t *sel, size_t n_sel, size_t n_rows, ko_vec *out) \
    {                                                                                    \
        (void)n_args;                                                                    \
        const ko_vec *a = args[0];                                                       \
        const T *in = KO_VEC_DATA(a, const T);                                           \
        T *o = KO_VEC_DATA(out, T);                                                      \
        bool overflow = false;                                                           \
        KO_SQL_LOOP(i, sel, n_sel, n_rows, {                                             \
            T v = in[ko_vec_idx(a, i)];                                                  \
            overflow |= v == (MINV) && ko_vec_valid(a, i);                               \
            o[i] = v < 0 ? (T)(v == (MINV) ? v : -v) : v;                                \
        });                                                                              \
        return overflow ? ko_err_set(ctx->err, KO_ERR_INVALID, "Overflow on abs(%s)",    \
                                     ko_sql_dtid_name(a->type.id))                       \
                        : KO_OK;                                                         \
    }

ABS_INT(fn_abs_i8, int8_t, INT8_MIN)
ABS_INT(fn_abs_i16, int16_t, INT16_MIN)
ABS_INT(fn_abs_i32, int32_t, INT32_MIN)
ABS_INT(fn_abs_i64, int64_t, INT64_MIN)
/* NOLINTEND(bugprone-macro-parentheses) */

static ko_status fn_abs_f64(const ko_sql_fn_ctx *ctx, ko_vec *const *args, size_t n_args,
                            const uint32_t *sel, size_t n_sel, size_t n_rows, ko_vec *out)
{
    (void)ctx;
    (void)n_args;
    const ko_vec *a = args[0];
    const double *in = KO_VEC_DATA(a, const double);
    double *o = KO_VEC_DATA(out, double);
    KO_SQL_LOOP(i, sel, n_sel, n_rows, {
        double v = in[ko_vec_idx(a, i)];
        o[i] = v < 0 ? -v : v;
    });
    return KO_OK;
}

static ko_status fn_abs_f32(const ko_sql_fn_ctx *ctx, ko_vec *const *args, size_t n_args,
                            const uint32_t *sel, size_t n_sel, size_t n_rows, ko_vec *out)
{
    (void)ctx;
    (void)n_args;
    const ko_vec *a = args[0];
    const float *in = KO_VEC_DATA(a, const float);
    float *o = KO_VEC_DATA(out, float);
    KO_SQL_LOOP(i, sel, n_sel, n_rows, {
        float v = in[ko_vec_idx(a, i)];
        o[i] = v < 0 ? -v : v;
    });
    return KO_OK;
}

static ko_status fn_abs_dec(const ko_sql_fn_ctx *ctx, ko_vec *const *args, size_t n_args,
                            const uint32_t *sel, size_t n_sel, size_t n_rows, ko_vec *out)
{
    (void)ctx;
    (void)n_args;
    const ko_vec *a = args[0];
    if (a->type.precision <= 18) {
        const int64_t *in = KO_VEC_DATA(a, const int64_t);
        int64_t *o = KO_VEC_DATA(out, int64_t);
        KO_SQL_LOOP(i, sel, n_sel, n_rows, {
            int64_t v = in[ko_vec_idx(a, i)];
            o[i] = v < 0 ? -v : v;
        });
        return KO_OK;
    }
    const ko_i128 *in = KO_VEC_DATA(a, const ko_i128);
    ko_i128 *o = KO_VEC_DATA(out, ko_i128);
    KO_SQL_LOOP(i, sel, n_sel, n_rows, {
        ko_i128 v = in[ko_vec_idx(a, i)];
        o[i] = v < 0 ? -v : v;
    });
    return KO_OK;
}

/* Result type = argument type (decimal keeps precision and scale). */
static ko_status bind_same(const ko_sql_dtype *args, size_t n_args, ko_vec *const *const_args,
                           ko_arena *arena, ko_sql_dtype *ret, void **bind_data, ko_err *err)
{
    (void)n_args;
    (void)const_args;
    (void)arena;
    (void)bind_data;
    (void)err;
    *ret = args[0];
    return KO_OK;
}

#define T(x) KO_SQL_DT_##x
static const ko_sql_func core_funcs[] = {
    {"lower", {T(VARCHAR)}, 1, T(NULL), T(VARCHAR), 0, NULL, fn_lower},
    {"lcase", {T(VARCHAR)}, 1, T(NULL), T(VARCHAR), 0, NULL, fn_lower},
    {"upper", {T(VARCHAR)}, 1, T(NULL), T(VARCHAR), 0, NULL, fn_upper},
    {"ucase", {T(VARCHAR)}, 1, T(NULL), T(VARCHAR), 0, NULL, fn_upper},
    {"length", {T(VARCHAR)}, 1, T(NULL), T(BIGINT), 0, NULL, fn_length},
    {"char_length", {T(VARCHAR)}, 1, T(NULL), T(BIGINT), 0, NULL, fn_length},
    {"length", {T(BLOB)}, 1, T(NULL), T(BIGINT), 0, NULL, fn_octet_length},
    {"octet_length", {T(BLOB)}, 1, T(NULL), T(BIGINT), 0, NULL, fn_octet_length},
    {"strlen", {T(VARCHAR)}, 1, T(NULL), T(BIGINT), 0, NULL, fn_octet_length},
    {"abs", {T(TINYINT)}, 1, T(NULL), T(TINYINT), 0, NULL, fn_abs_i8},
    {"abs", {T(SMALLINT)}, 1, T(NULL), T(SMALLINT), 0, NULL, fn_abs_i16},
    {"abs", {T(INTEGER)}, 1, T(NULL), T(INTEGER), 0, NULL, fn_abs_i32},
    {"abs", {T(BIGINT)}, 1, T(NULL), T(BIGINT), 0, NULL, fn_abs_i64},
    {"abs", {T(DECIMAL)}, 1, T(NULL), T(DECIMAL), 0, bind_same, fn_abs_dec},
    {"abs", {T(FLOAT)}, 1, T(NULL), T(FLOAT), 0, NULL, fn_abs_f32},
    {"abs", {T(DOUBLE)}, 1, T(NULL), T(DOUBLE), 0, NULL, fn_abs_f64},
};
#undef T

const ko_sql_func_lib ko_sql_lib_core = {core_funcs, KO_ARRAY_LEN(core_funcs)};
