/*
 * test_sql_func_nested.c - list_extract, len, struct_extract and typeof
 * (func_nested.c) on hand-built nested vectors; expectations are DuckDB
 * 1.5's ([1,2,3][0] and [1,2,3][4] are NULL, [1,2,3][-1] is 3).
 */
#include "sqlfunc_testutil.h"

/* Two rows of INTEGER[]: [10, 20, 30] and [] ; row 1 also NULL-able. */
static ko_vec *int_lists(ko_arena *a)
{
    ko_sql_dtype lt = ko_sql_dtype_list(a, ko_sql_dtype_of(KO_SQL_DT_INTEGER));
    ko_vec *l = ko_vec_new(&lt);
    assert_non_null(l);
    assert_int_equal(ko_vec_reserve(l, 2), KO_OK);
    assert_int_equal(ko_vec_reserve(l->children[0], 3), KO_OK);
    int32_t *c = KO_VEC_DATA(l->children[0], int32_t);
    c[0] = 10;
    c[1] = 20;
    c[2] = 30;
    l->child_len = 3;
    KO_VEC_DATA(l, ko_sql_list)[0] = (ko_sql_list){0, 3};
    KO_VEC_DATA(l, ko_sql_list)[1] = (ko_sql_list){3, 0};
    return l;
}

static void call2(const char *name, ko_vec *a, ko_vec *b, size_t rows, ko_arena *arena,
                  char out[][64])
{
    ko_err err = {0};
    ko_sql_dtype types[2] = {a->type, b ? b->type : a->type};
    ko_vec *consts[2] = {NULL, b && b->is_const ? b : NULL};
    ko_sql_resolved rs;
    TU_OK(ko_sql_func_resolve(name, types, b ? 2 : 1, consts, arena, &rs, &err), &err);
    ko_vec *args[2] = {a, b};
    ko_vec *o = NULL;
    TU_OK(ft_invoke(&rs, args, b ? 2 : 1, NULL, 0, rows, &o, &err), &err);
    for (size_t r = 0; r < rows; r++)
        ft_text(o, r, out[r], 64);
    ko_vec_free(o);
}

static ko_vec *const_i64(int64_t x)
{
    ft_arg a;
    char spec[32];
    snprintf(spec, sizeof spec, "i:%lld", (long long)x);
    ft_arg_parse(&a, spec);
    return ft_vec(&a, 0, NULL, 0);
}

static void test_list_extract(void **state)
{
    (void)state;
    ko_arena arena = {0};
    ko_vec *l = int_lists(&arena);
    static const struct {
        int64_t idx;
        const char *r0, *r1;
    } cases[] = {{1, "10", "NULL"},  {3, "30", "NULL"},  {4, "NULL", "NULL"}, {0, "NULL", "NULL"},
                 {-1, "30", "NULL"}, {-3, "10", "NULL"}, {-4, "NULL", "NULL"}};
    for (size_t k = 0; k < KO_ARRAY_LEN(cases); k++) {
        ko_vec *i = const_i64(cases[k].idx);
        char out[2][64];
        call2("list_extract", l, i, 2, &arena, out);
        assert_string_equal(out[0], cases[k].r0);
        assert_string_equal(out[1], cases[k].r1);
        call2("array_extract", l, i, 2, &arena, out);
        assert_string_equal(out[0], cases[k].r0);
        ko_vec_free(i);
    }
    char out[2][64];
    call2("len", l, NULL, 2, &arena, out);
    assert_string_equal(out[0], "3");
    assert_string_equal(out[1], "0");
    call2("typeof", l, NULL, 1, &arena, out);
    assert_string_equal(out[0], "INTEGER[]");
    ko_vec_free(l);
    ko_arena_free(&arena);
}

static void test_struct_extract(void **state)
{
    (void)state;
    ko_arena arena = {0};
    ko_err err = {0};
    static const char *const names[] = {"a", "b"};
    ko_sql_dtype ft[2] = {ko_sql_dtype_of(KO_SQL_DT_INTEGER), ko_sql_dtype_of(KO_SQL_DT_VARCHAR)};
    ko_sql_dtype st = ko_sql_dtype_struct(&arena, names, ft, 2);
    ko_vec *s = ko_vec_new(&st);
    assert_int_equal(ko_vec_reserve(s, 2), KO_OK);
    assert_int_equal(ko_vec_reserve(s->children[0], 2), KO_OK);
    assert_int_equal(ko_vec_reserve(s->children[1], 2), KO_OK);
    KO_VEC_DATA(s->children[0], int32_t)[0] = 1;
    KO_VEC_DATA(s->children[0], int32_t)[1] = 2;
    assert_int_equal(ko_vec_set_str(s->children[1], 0, "x", 1), KO_OK);
    assert_int_equal(ko_vec_set_null(s->children[1], 1), KO_OK);
    ft_arg fa;
    ft_arg_parse(&fa, "v:B");
    ko_vec *f = ft_vec(&fa, 0, NULL, 0);
    char out[2][64];
    call2("struct_extract", s, f, 2, &arena, out);
    assert_string_equal(out[0], "x");
    assert_string_equal(out[1], "NULL");
    ko_vec_free(f);
    ft_arg_parse(&fa, "v:c");
    f = ft_vec(&fa, 0, NULL, 0);
    ko_sql_dtype types[2] = {st, fa.type};
    ko_vec *consts[2] = {NULL, f};
    ko_sql_resolved rs;
    assert_int_equal(ko_sql_func_resolve("struct_extract", types, 2, consts, &arena, &rs, &err),
                     KO_ERR_INVALID);
    assert_non_null(strstr(err.msg, "Could not find key \"c\" in struct"));
    ko_vec_free(f);
    ko_vec_free(s);
    ko_arena_free(&arena);
    ft_type_is("VARCHAR", "typeof", "v:x");
    ft_check("DECIMAL(10,2)", "typeof", "dec10_2:1.5");
    ft_check("DATE", "typeof", "date:NULL");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list_extract),
        cmocka_unit_test(test_struct_extract),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
