/*
 * func.h - the scalar function registry and its calling convention.
 *
 * A scalar function is one or more overloads (ko_sql_func) registered under
 * a lower-case name.  The binder resolves a call by name and argument
 * types (ko_sql_func_resolve): among the overloads of that arity (or
 * variadic), it picks the one with the lowest total implicit-cast cost
 * (ko_sql_cast_cost; 0 for an exact match), the first registered on a tie,
 * inserts casts from the argument types to the parameter types, and infers
 * the result type: `ret` for a fixed type, else the overload's bind
 * callback (decimal arithmetic, functions returning their argument type).
 *
 * Parameter type ids match like this:
 *   concrete ids (BIGINT, VARCHAR, DATE, ...)  the argument is cast to it
 *   KO_SQL_DT_DECIMAL                           any DECIMAL(p,s), kept as is;
 *                                              integers cast to their
 *                                              DECIMAL(w,0)
 *   KO_SQL_DT_LIST / MAP / STRUCT               any type of that kind
 *   KO_SQL_DT_ANY                               anything, uncast
 *
 * Calling convention.  The executor calls fn once per batch:
 *   fn(ctx, args, n_args, sel, n_sel, n_rows, out)
 * args[i] holds the i-th argument for row positions 0..n_rows-1; each
 * argument is flat or constant (use ko_vec_idx(v, i) to index; constant
 * vectors have one slot).  sel lists the rows to compute (ascending,
 * n_sel of them); sel == NULL means every row 0..n_rows-1.  out is flat,
 * already reserved for n_rows rows of the result type.  For functions
 * without KO_SQL_FN_SPECIAL_NULLS, out's validity is already the AND of the
 * arguments' validity (NULL in, NULL out) and fn may compute garbage for
 * null rows (their slots hold zeros or empty strings, never wild pointers);
 * fn marks extra nulls with ko_vec_set_null_fast (the bitmap exists: the
 * executor calls ko_vec_validity_init before fn).  Strings that fn creates
 * go to out's heap via ko_vec_set_str or ko_sql_heap_alloc(&out->heap, n).
 * When every argument is constant the executor calls fn with n_rows = 1,
 * sel = NULL and makes the result constant.  Errors (bad input such as a
 * negative repeat count) are returned through ko_err_set(ctx->err, ...).
 *
 * Write hot loops per type (no per-row function pointers) and branch on
 * sel once outside the loop: the KO_SQL_LOOP macro does that.
 */
#ifndef KO_SQL_FUNC_H
#define KO_SQL_FUNC_H

#include "sql/vec.h"

enum { KO_SQL_FN_MAX_ARGS = 8 };

enum {
    KO_SQL_FN_SPECIAL_NULLS = 1 << 0, /* fn sees null inputs and sets out's validity itself
                                         (out validity starts all valid) */
    KO_SQL_FN_VOLATILE = 1 << 1,      /* never constant-folded (random) */
};

typedef struct ko_sql_func ko_sql_func;

/* What a function sees at run time. */
typedef struct ko_sql_fn_ctx {
    const ko_sql_func *fn;
    const ko_sql_dtype *arg_types; /* after resolution and casts */
    size_t n_args;
    ko_sql_dtype ret;
    void *bind_data; /* what bind stored (NULL if none) */
    int64_t now_us;  /* statement start time, for now() / current_date */
    ko_err *err;
} ko_sql_fn_ctx;

typedef ko_status (*ko_sql_scalar_fn)(const ko_sql_fn_ctx *ctx, ko_vec *const *args, size_t n_args,
                                      const uint32_t *sel, size_t n_sel, size_t n_rows,
                                      ko_vec *out);

/* Result type inference for overloads whose result depends on the argument
 * types: args are the argument types (after the casts resolution adds);
 * sets *ret and optionally *bind_data (allocated in arena, e.g. a compiled
 * regular expression for a constant pattern: const_args[i] is non-NULL for
 * constant arguments, a one-row constant vector).  Errors are
 * KO_ERR_INVALID with a message. */
typedef ko_status (*ko_sql_bind_fn)(const ko_sql_dtype *args, size_t n_args,
                                    ko_vec *const *const_args, ko_arena *arena, ko_sql_dtype *ret,
                                    void **bind_data, ko_err *err);

struct ko_sql_func {
    const char *name; /* lower case */
    ko_sql_dtid args[KO_SQL_FN_MAX_ARGS];
    uint8_t n_args;
    ko_sql_dtid varargs; /* KO_SQL_DT_NULL: none; else the type of further arguments */
    ko_sql_dtid ret;     /* result type id (ignored when bind is set) */
    unsigned flags;
    ko_sql_bind_fn bind; /* may be NULL */
    ko_sql_scalar_fn fn;
};

/* A library of functions: the core one is in func.c; further libraries
 * (func_*.c) are listed in func_libs.c's ko_sql_func_libs[]. */
typedef struct ko_sql_func_lib {
    const ko_sql_func *funcs;
    size_t n;
} ko_sql_func_lib;

/* NULL-terminated list (func_libs.c). */
extern const ko_sql_func_lib *const ko_sql_func_libs[];
extern const ko_sql_func_lib ko_sql_lib_core;

/* Cost of an implicit cast from `from` to `to` as the binder inserts it
 * (DuckDB's rules, roughly): 0 same type id, small for widening integers,
 * larger for integer -> decimal -> double, NULL -> anything; -1 when no
 * implicit cast exists (e.g. VARCHAR -> INTEGER for a non-literal). */
int ko_sql_cast_cost(const ko_sql_dtype *from, ko_sql_dtid to);

/* The resolved call: which overload, the parameter types to cast the
 * arguments to, and the result type. */
typedef struct ko_sql_resolved {
    const ko_sql_func *fn;
    ko_sql_dtype params[KO_SQL_FN_MAX_ARGS * 4]; /* per argument (variadic: up to 32) */
    ko_sql_dtype ret;
    void *bind_data;
} ko_sql_resolved;

enum { KO_SQL_FN_MAX_CALL_ARGS = KO_SQL_FN_MAX_ARGS * 4 };

/* Resolves name(args).  KO_ERR_NOT_FOUND when no function has that name
 * (message suggests the nearest name), KO_ERR_INVALID when none of its
 * overloads takes these types (message lists the candidates). */
ko_status ko_sql_func_resolve(const char *name, const ko_sql_dtype *args, size_t n_args,
                              ko_vec *const *const_args, ko_arena *arena, ko_sql_resolved *out,
                              ko_err *err);
/* Whether any function is registered under name. */
bool ko_sql_func_exists(const char *name);

/* Loop over the selected rows: `i` is the row position. */
#define KO_SQL_LOOP(i, sel, n_sel, n_rows, ...)       \
    do {                                              \
        if (sel) {                                    \
            for (size_t k_ = 0; k_ < (n_sel); k_++) { \
                size_t i = (sel)[k_];                 \
                __VA_ARGS__                           \
            }                                         \
        } else {                                      \
            for (size_t i = 0; i < (n_rows); i++) {   \
                __VA_ARGS__                           \
            }                                         \
        }                                             \
    } while (0)

#endif /* KO_SQL_FUNC_H */
