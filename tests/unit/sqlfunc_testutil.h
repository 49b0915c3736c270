/*
 * sqlfunc_testutil.h - helpers for the scalar function unit tests
 * (test_sql_func_*.c): build vectors from typed literal text, resolve a
 * function through ko_sql_func_resolve and call its kernel the way the
 * executor does (out reserved, validity = AND of the arguments unless the
 * function handles NULLs itself), and render results as DuckDB text.
 *
 * ft_check(expect, "name", n, "type:value", ...) evaluates name(args) in
 * three shapes and asserts each gives `expect` (DuckDB's text of the
 * value, "NULL" for null, or "ERR:<substring of the error message>"):
 *   1. every argument a constant vector (n_rows = 1, as the executor
 *      calls constant folding);
 *   2. flat vectors of 5 rows holding the value at every row, no
 *      selection: every row must give the answer;
 *   3. flat vectors of 7 rows, the value at rows 2 and 5 and NULLs
 *      elsewhere, selection {2, 5}: rows 2 and 5 must give the answer.
 * Argument types: v (VARCHAR), i (BIGINT), i32 (INTEGER), i16, i8, f64
 * (DOUBLE), f32, bool, date, time, ts (TIMESTAMP), tstz, iv (INTERVAL),
 * blob, dec<p>_<s> (DECIMAL(p,s)); "v:" with the value NULL ("v:NULL")
 * is a NULL of that type; "null" is the untyped NULL.
 */
#ifndef KO_SQLFUNC_TESTUTIL_H
#define KO_SQLFUNC_TESTUTIL_H

#include "testutil.h"

#include "sql/func.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct ft_arg {
    ko_sql_dtype type;
    bool null;
    uint8_t slot[32];
    char text[512];
} ft_arg;

static inline ko_sql_dtype ft_type(const char *t)
{
    static const struct {
        const char *name;
        ko_sql_dtid id;
    } names[] = {
        {"v", KO_SQL_DT_VARCHAR},    {"i", KO_SQL_DT_BIGINT},     {"i32", KO_SQL_DT_INTEGER},
        {"i16", KO_SQL_DT_SMALLINT}, {"i8", KO_SQL_DT_TINYINT},   {"f64", KO_SQL_DT_DOUBLE},
        {"f32", KO_SQL_DT_FLOAT},    {"bool", KO_SQL_DT_BOOLEAN}, {"date", KO_SQL_DT_DATE},
        {"time", KO_SQL_DT_TIME},    {"ts", KO_SQL_DT_TIMESTAMP}, {"tstz", KO_SQL_DT_TIMESTAMPTZ},
        {"iv", KO_SQL_DT_INTERVAL},  {"blob", KO_SQL_DT_BLOB},    {"null", KO_SQL_DT_NULL},
        {"i128", KO_SQL_DT_HUGEINT},
    };
    int p, s;
    if (sscanf(t, "dec%d_%d", &p, &s) == 2)
        return ko_sql_dtype_decimal(p, s);
    for (size_t i = 0; i < KO_ARRAY_LEN(names); i++)
        if (strcmp(names[i].name, t) == 0)
            return ko_sql_dtype_of(names[i].id);
    fail_msg("unknown test type %s", t);
    return ko_sql_dtype_of(KO_SQL_DT_NULL);
}

static inline void ft_parse_value(ft_arg *a, const char *val)
{
    size_t n = strlen(val);
    bool ok = true;
    switch (a->type.id) {
    case KO_SQL_DT_BOOLEAN:
        a->slot[0] = strcmp(val, "true") == 0;
        break;
    case KO_SQL_DT_TINYINT: {
        int8_t x = (int8_t)strtol(val, NULL, 10);
        memcpy(a->slot, &x, sizeof x);
        break;
    }
    case KO_SQL_DT_SMALLINT: {
        int16_t x = (int16_t)strtol(val, NULL, 10);
        memcpy(a->slot, &x, sizeof x);
        break;
    }
    case KO_SQL_DT_INTEGER: {
        int32_t x = (int32_t)strtol(val, NULL, 10);
        memcpy(a->slot, &x, sizeof x);
        break;
    }
    case KO_SQL_DT_BIGINT: {
        int64_t x = strtoll(val, NULL, 10);
        memcpy(a->slot, &x, sizeof x);
        break;
    }
    case KO_SQL_DT_HUGEINT: {
        ko_i128 x = 0;
        ok = ko_sql_parse_decimal(val, n, 0, &x);
        memcpy(a->slot, &x, sizeof x);
        break;
    }
    case KO_SQL_DT_DOUBLE: {
        double x = strtod(val, NULL);
        memcpy(a->slot, &x, sizeof x);
        break;
    }
    case KO_SQL_DT_FLOAT: {
        float x = strtof(val, NULL);
        memcpy(a->slot, &x, sizeof x);
        break;
    }
    case KO_SQL_DT_DECIMAL: {
        ko_i128 x = 0;
        ok = ko_sql_parse_decimal(val, n, a->type.scale, &x);
        if (a->type.precision <= 18) {
            int64_t y = (int64_t)x;
            memcpy(a->slot, &y, sizeof y);
        } else {
            memcpy(a->slot, &x, sizeof x);
        }
        break;
    }
    case KO_SQL_DT_DATE: {
        int32_t x = 0;
        ok = ko_sql_parse_date(val, n, &x);
        memcpy(a->slot, &x, sizeof x);
        break;
    }
    case KO_SQL_DT_TIME: {
        int64_t x = 0;
        ok = ko_sql_parse_time(val, n, &x);
        memcpy(a->slot, &x, sizeof x);
        break;
    }
    case KO_SQL_DT_TIMESTAMP:
    case KO_SQL_DT_TIMESTAMPTZ: {
        int64_t x = 0;
        ok = ko_sql_parse_timestamp(val, n, &x);
        memcpy(a->slot, &x, sizeof x);
        break;
    }
    case KO_SQL_DT_INTERVAL: {
        ko_sql_interval x = {0};
        ok = ko_sql_parse_interval(val, n, &x);
        memcpy(a->slot, &x, sizeof x);
        break;
    }
    default:
        break;
    }
    if (!ok)
        fail_msg("bad test literal %s", val);
}

/* "type:value" -> argument. */
static inline void ft_arg_parse(ft_arg *a, const char *spec)
{
    memset(a, 0, sizeof *a);
    const char *colon = strchr(spec, ':');
    char tname[32] = "null";
    if (colon) {
        size_t k = (size_t)(colon - spec);
        assert_true(k < sizeof tname);
        memcpy(tname, spec, k);
        tname[k] = '\0';
    }
    a->type = ft_type(tname);
    const char *val = colon ? colon + 1 : "NULL";
    a->null = a->type.id == KO_SQL_DT_NULL || strcmp(val, "NULL") == 0;
    snprintf(a->text, sizeof a->text, "%s", val);
    if (!a->null)
        ft_parse_value(a, val);
}

static inline void ft_store(ko_vec *v, size_t row, const ft_arg *a)
{
    if (a->null) {
        ko_vec_set_null(v, row);
        return;
    }
    ko_sql_phys p = ko_sql_dtype_phys(&v->type);
    if (p == KO_PHYS_STR) {
        assert_int_equal(ko_vec_set_str(v, row, a->text, strlen(a->text)), KO_OK);
        return;
    }
    size_t w = ko_sql_phys_size(p);
    memcpy(v->data + row * w, a->slot, w);
}

/* A vector of n rows; `at` lists rows holding the value (others NULL);
 * at == NULL: every row.  n == 0: a constant vector. */
static ko_vec *ft_vec(const ft_arg *a, size_t n, const size_t *at, size_t n_at)
{
    ko_vec *v = ko_vec_new(&a->type);
    assert_non_null(v);
    assert_int_equal(ko_vec_reserve(v, n ? n : 1), KO_OK);
    assert_int_equal(ko_vec_validity_init(v, n ? n : 1), KO_OK);
    if (n == 0) {
        ft_store(v, 0, a);
        v->is_const = true;
        return v;
    }
    ft_arg nul = *a;
    nul.null = true;
    for (size_t r = 0; r < n; r++) {
        bool hit = !at;
        for (size_t k = 0; at && k < n_at; k++)
            hit |= at[k] == r;
        ft_store(v, r, hit ? a : &nul);
    }
    return v;
}

/* Calls a resolved function as the executor does.  Returns the status;
 * *out is the result vector (caller frees). */
static inline ko_status ft_invoke(const ko_sql_resolved *rs, ko_vec *const *args, size_t n_args,
                                  const uint32_t *sel, size_t n_sel, size_t n_rows, ko_vec **out,
                                  ko_err *err)
{
    ko_vec *o = ko_vec_new(&rs->ret);
    assert_non_null(o);
    assert_int_equal(ko_vec_reserve(o, n_rows), KO_OK);
    assert_int_equal(ko_vec_validity_init(o, n_rows), KO_OK);
    if (!(rs->fn->flags & KO_SQL_FN_SPECIAL_NULLS))
        for (size_t r = 0; r < n_rows; r++)
            for (size_t k = 0; k < n_args; k++)
                if (!ko_vec_valid(args[k], r))
                    ko_vec_set_null_fast(o, r);
    ko_sql_fn_ctx ctx = {rs->fn,        rs->params,         n_args, rs->ret,
                         rs->bind_data, 1718454645123456LL, err};
    ko_status st = rs->fn->fn(&ctx, args, n_args, sel, n_sel, n_rows, o);
    *out = o;
    return st;
}

static inline void ft_text(const ko_vec *v, size_t row, char *out, size_t cap)
{
    ko_buf b = {0};
    assert_int_equal(ko_vec_format(v, row, &b), KO_OK);
    snprintf(out, cap, "%.*s", (int)b.len, b.data ? (const char *)b.data : "");
    ko_buf_free(&b);
}

/* Resolves name over the argument types; asserts success. */
static inline void ft_resolve(const char *name, const ft_arg *a, size_t n, ko_vec *const *consts,
                              ko_arena *arena, ko_sql_resolved *rs, ko_err *err, bool *resolve_err)
{
    ko_sql_dtype types[KO_SQL_FN_MAX_CALL_ARGS] = {{KO_SQL_DT_NULL, 0, 0, NULL}};
    for (size_t k = 0; k < n; k++)
        types[k] = a[k].type;
    ko_status st = ko_sql_func_resolve(name, types, n, consts, arena, rs, err);
    *resolve_err = st != KO_OK;
    if (st != KO_OK)
        return;
    for (size_t k = 0; k < n; k++) {
        ko_sql_dtid want = rs->params[k].id;
        if (want != a[k].type.id && a[k].type.id != KO_SQL_DT_NULL) {
            char t1[KO_SQL_DTYPE_STR_MAX], t2[KO_SQL_DTYPE_STR_MAX];
            fail_msg("%s: argument %zu is %s but the overload wants %s (test must pass it)", name,
                     k, ko_sql_dtype_name(&a[k].type, t1), ko_sql_dtype_name(&rs->params[k], t2));
        }
    }
}

static inline void ft_expect_row(const char *ctxname, const char *expect, ko_status st,
                                 const ko_err *err, const ko_vec *out, size_t row)
{
    if (strncmp(expect, "ERR:", 4) == 0) {
        if (st == KO_OK)
            fail_msg("%s: expected error '%s', got success", ctxname, expect + 4);
        if (!strstr(err->msg, expect + 4))
            fail_msg("%s: expected error '%s', got '%s'", ctxname, expect + 4, err->msg);
        return;
    }
    if (st != KO_OK)
        fail_msg("%s: unexpected error %s", ctxname, err->msg);
    char got[2048];
    ft_text(out, row, got, sizeof got);
    if (out->type.id == KO_SQL_DT_DOUBLE && strcmp(got, "NULL") != 0 && strcmp(expect, "NULL")) {
        /* Doubles compare by value (text forms of the same double vary). */
        double g = strtod(got, NULL), w = strtod(expect, NULL);
        double tol = 1e-12 * (w < 0 ? -w : w);
        if (!(g - w <= tol && w - g <= tol) && !(g != g && w != w) && g != w)
            fail_msg("%s (row %zu): expected %s, got %s", ctxname, row, expect, got);
        return;
    }
    if (strcmp(got, expect) != 0)
        fail_msg("%s (row %zu): expected '%s', got '%s'", ctxname, row, expect, got);
}

/* Shape 1 (constants) and a check of the bind/resolve error. */
static inline bool ft_check_const(const char *expect, const char *name, const ft_arg *a, size_t n,
                                  char *label)
{
    ko_arena arena = {0};
    ko_err err = {0};
    ko_vec *consts[KO_SQL_FN_MAX_CALL_ARGS] = {0};
    for (size_t k = 0; k < n; k++)
        consts[k] = ft_vec(&a[k], 0, NULL, 0);
    ko_sql_resolved rs;
    bool rerr = false;
    ft_resolve(name, a, n, consts, &arena, &rs, &err, &rerr);
    bool done = rerr;
    if (rerr) {
        ft_expect_row(label, expect, KO_ERR_INVALID, &err, NULL, 0);
    } else {
        ko_vec *out = NULL;
        ko_status st = ft_invoke(&rs, consts, n, NULL, 0, 1, &out, &err);
        ft_expect_row(label, expect, st, &err, out, 0);
        ko_vec_free(out);
    }
    for (size_t k = 0; k < n; k++)
        ko_vec_free(consts[k]);
    ko_arena_free(&arena);
    return done;
}

static inline void ft_check_flat(const char *expect, const char *name, const ft_arg *a, size_t n,
                                 bool with_sel, const char *label)
{
    ko_arena arena = {0};
    ko_err err = {0};
    ko_vec *vs[KO_SQL_FN_MAX_CALL_ARGS] = {0};
    static const size_t at[] = {2, 5};
    static const uint32_t sel[] = {2, 5};
    size_t rows = with_sel ? 7 : 5;
    for (size_t k = 0; k < n; k++)
        vs[k] = with_sel ? ft_vec(&a[k], rows, at, 2) : ft_vec(&a[k], rows, NULL, 0);
    /* Bind sees the arguments as constants (literal patterns, date part
     * names ...) while the kernel gets flat columns, as when a literal is
     * broadcast next to a column. */
    ko_sql_resolved rs;
    bool rerr = false;
    ko_vec *consts[KO_SQL_FN_MAX_CALL_ARGS] = {0};
    for (size_t k = 0; k < n; k++)
        consts[k] = ft_vec(&a[k], 0, NULL, 0);
    ft_resolve(name, a, n, consts, &arena, &rs, &err, &rerr);
    for (size_t k = 0; k < n; k++)
        ko_vec_free(consts[k]);
    assert_false(rerr); /* the constant shape resolved the same call */
    ko_vec *out = NULL;
    ko_status st = ft_invoke(&rs, vs, n, with_sel ? sel : NULL, 2, rows, &out, &err);
    if (with_sel) {
        ft_expect_row(label, expect, st, &err, out, 2);
        ft_expect_row(label, expect, st, &err, out, 5);
    } else {
        for (size_t r = 0; r < rows; r++)
            ft_expect_row(label, expect, st, &err, out, r);
    }
    ko_vec_free(out);
    for (size_t k = 0; k < n; k++)
        ko_vec_free(vs[k]);
    ko_arena_free(&arena);
}

static inline void ft_check_(const char *file, int line, const char *expect, const char *name,
                             size_t n, ...)
{
    ft_arg a[KO_SQL_FN_MAX_CALL_ARGS];
    va_list ap;
    va_start(ap, n);
    char label[1024];
    int k = snprintf(label, sizeof label, "%s:%d %s(", file, line, name);
    for (size_t i = 0; i < n; i++) {
        const char *spec = va_arg(ap, const char *);
        ft_arg_parse(&a[i], spec);
        if (k > 0 && (size_t)k < sizeof label)
            k += snprintf(label + k, sizeof label - (size_t)k, "%s%s", i ? ", " : "", spec);
    }
    va_end(ap);
    if (k > 0 && (size_t)k < sizeof label)
        snprintf(label + k, sizeof label - (size_t)k, ")");
    if (ft_check_const(expect, name, a, n, label))
        return;
    ft_check_flat(expect, name, a, n, false, label);
    ft_check_flat(expect, name, a, n, true, label);
}

#define FT_NARGS_(...) (sizeof((const char *[]){__VA_ARGS__}) / sizeof(const char *))
#define ft_check(expect, name, ...) \
    ft_check_(__FILE__, __LINE__, expect, name, FT_NARGS_(__VA_ARGS__), __VA_ARGS__)
#define ft_check0(expect, name) ft_check_(__FILE__, __LINE__, expect, name, 0)

/* Result type name of name(args) (resolution must succeed). */
static inline void ft_check_type(const char *expect, const char *name, size_t n,
                                 const char *const *specs)
{
    ft_arg a[KO_SQL_FN_MAX_CALL_ARGS];
    ko_vec *consts[KO_SQL_FN_MAX_CALL_ARGS] = {0};
    for (size_t i = 0; i < n; i++) {
        ft_arg_parse(&a[i], specs[i]);
        consts[i] = ft_vec(&a[i], 0, NULL, 0);
    }
    ko_arena arena = {0};
    ko_err err = {0};
    ko_sql_resolved rs;
    bool rerr = false;
    ft_resolve(name, a, n, consts, &arena, &rs, &err, &rerr);
    if (rerr)
        fail_msg("%s: %s", name, err.msg);
    char t[KO_SQL_DTYPE_STR_MAX];
    if (strcmp(ko_sql_dtype_name(&rs.ret, t), expect) != 0)
        fail_msg("%s: result type %s, expected %s", name, t, expect);
    for (size_t i = 0; i < n; i++)
        ko_vec_free(consts[i]);
    ko_arena_free(&arena);
}
#define ft_type_is(expect, name, ...) \
    ft_check_type(expect, name, FT_NARGS_(__VA_ARGS__), (const char *const[]){__VA_ARGS__})

#endif
