/*
 * func_nested.c - functions on LIST, MAP and STRUCT values, and typeof.
 *
 *   list_extract / list_element / array_extract(l, i)  1-based, negative
 *       from the end, out of range -> NULL (DuckDB)
 *   len / length / array_length(l), cardinality(m)      BIGINT
 *   struct_extract(s, 'f')                              field by name
 *       (case-insensitive, constant), unknown -> bind error
 *   typeof(x)                                           DuckDB's type name
 *
 * Element values are copied with ko_vec_copy_row (strings into out's
 * heap, nested values recursively), so results never point into inputs.
 */
#include "sql/func_util.h"

#include <strings.h>

static ko_status bind_element(KO_BIND_PARAMS)
{
    (void)bn_args;
    (void)const_args;
    (void)arena;
    (void)bind_data;
    if (!bargs[0].nested || bargs[0].nested->n < 1)
        return ko_err_set(err, KO_ERR_INVALID, "list_extract: argument is not a typed list");
    *ret = bargs[0].nested->types[0];
    return KO_OK;
}

static ko_status fn_list_extract(KO_FN_PARAMS)
{
    KO_FN_UNUSED;
    const ko_vec *l = args[0];
    const ko_sql_list *le = KO_VEC_DATA(l, const ko_sql_list);
    KO_SQL_LOOP(i, sel, n_sel, n_rows, {
        if (!fu_live(out, i))
            continue;
        ko_sql_list e = le[ko_vec_idx(l, i)];
        int64_t k = fu_i64(args[1], i);
        int64_t len = (int64_t)e.length;
        int64_t pos = k > 0 ? k - 1 : len + k;
        if (k == 0 || pos < 0 || pos >= len) {
            ko_vec_set_null_fast(out, i);
            continue;
        }
        if (ko_vec_copy_row(out, i, l->children[0], e.offset + (uint64_t)pos) != KO_OK)
            return fu_nomem(ctx, "list_extract");
    });
    return KO_OK;
}

static ko_status fn_list_len(KO_FN_PARAMS)
{
    KO_FN_UNUSED;
    const ko_vec *l = args[0];
    int64_t *o = KO_VEC_DATA(out, int64_t);
    const ko_sql_list *le = KO_VEC_DATA(l, const ko_sql_list);
    KO_SQL_LOOP(i, sel, n_sel, n_rows, { o[i] = (int64_t)le[ko_vec_idx(l, i)].length; });
    return KO_OK;
}

typedef struct field_bind {
    uint32_t index;
} field_bind;

static ko_status bind_struct_extract(KO_BIND_PARAMS)
{
    (void)bn_args;
    const ko_vec *f = fu_const_arg(const_args, 1);
    if (!f || !ko_vec_valid(f, 0))
        return ko_err_set(err, KO_ERR_INVALID, "struct_extract: the key must be a constant string");
    ko_sql_str name = fu_str(f, 0);
    const ko_sql_nested *nd = bargs[0].nested;
    for (uint32_t k = 0; nd && k < nd->n; k++) {
        const char *fn = nd->names[k];
        if (fn && strlen(fn) == name.len && strncasecmp(fn, name.ptr, name.len) == 0) {
            field_bind *b = ko_arena_calloc(arena, 1, sizeof *b);
            if (!b)
                return ko_err_set(err, KO_ERR_NOMEM, "struct_extract: out of memory");
            b->index = k;
            *bind_data = b;
            *ret = nd->types[k];
            return KO_OK;
        }
    }
    return ko_err_set(err, KO_ERR_INVALID, "Could not find key \"%.*s\" in struct",
                      (int)(name.len > 100 ? 100 : name.len), name.ptr ? name.ptr : "");
}

static ko_status fn_struct_extract(KO_FN_PARAMS)
{
    KO_FN_UNUSED;
    const field_bind *b = ctx->bind_data;
    const ko_vec *s = args[0];
    const ko_vec *c = s->children[b->index];
    KO_SQL_LOOP(i, sel, n_sel, n_rows, {
        if (!fu_live(out, i))
            continue;
        if (ko_vec_copy_row(out, i, c, s->is_const ? 0 : i) != KO_OK)
            return fu_nomem(ctx, "struct_extract");
    });
    return KO_OK;
}

static ko_status fn_typeof(KO_FN_PARAMS)
{
    KO_FN_UNUSED;
    (void)args;
    char name[KO_SQL_DTYPE_STR_MAX];
    const ko_sql_dtype *t = &ctx->arg_types[0];
    ko_sql_dtype_name(t, name);
    if (t->id == KO_SQL_DT_NULL)
        strcpy(name, "\"NULL\"");
    size_t n = strlen(name);
    KO_SQL_LOOP(i, sel, n_sel, n_rows, {
        if (!fu_set(out, i, name, n))
            return fu_nomem(ctx, "typeof");
    });
    return KO_OK;
}

#define T(x) KO_SQL_DT_##x
static const ko_sql_func nested_funcs[] = {
    {"list_extract", {T(LIST), T(BIGINT)}, 2, T(NULL), T(ANY), 0, bind_element, fn_list_extract},
    {"list_element", {T(LIST), T(BIGINT)}, 2, T(NULL), T(ANY), 0, bind_element, fn_list_extract},
    {"array_extract", {T(LIST), T(BIGINT)}, 2, T(NULL), T(ANY), 0, bind_element, fn_list_extract},
    {"len", {T(LIST)}, 1, T(NULL), T(BIGINT), 0, NULL, fn_list_len},
    {"length", {T(LIST)}, 1, T(NULL), T(BIGINT), 0, NULL, fn_list_len},
    {"array_length", {T(LIST)}, 1, T(NULL), T(BIGINT), 0, NULL, fn_list_len},
    {"cardinality", {T(MAP)}, 1, T(NULL), T(BIGINT), 0, NULL, fn_list_len},
    {"struct_extract",
     {T(STRUCT), T(VARCHAR)},
     2,
     T(NULL),
     T(ANY),
     0,
     bind_struct_extract,
     fn_struct_extract},
    {"typeof", {T(ANY)}, 1, T(NULL), T(VARCHAR), KO_SQL_FN_SPECIAL_NULLS, NULL, fn_typeof},
};
#undef T

const ko_sql_func_lib ko_sql_lib_nested = {nested_funcs, KO_ARRAY_LEN(nested_funcs)};
