/*
 * test_sql_func_string.c - string functions (func_string.c) and the LIKE
 * helpers (func_like.c), called through ko_sql_func_resolve and the kernel
 * pointer on constant and flat vectors, with and without a selection.
 * Expected values are DuckDB 1.5's answers (checked by hand in the DuckDB
 * CLI / node API when the tests were written).
 */
#include "sqlfunc_testutil.h"

#include "sql/func_like.h"

static void test_length_case(void **state)
{
    (void)state;
    ft_check("5", "length", "v:héllo");
    ft_check("0", "length", "v:");
    ft_check("NULL", "length", "v:NULL");
    ft_check("6", "octet_length", "v:héllo");
    ft_check("3", "len", "v:日本語");
    ft_check("40", "char_length", "v:abcdefghijabcdefghijabcdefghijabcdefghij");
    ft_check("36", "length", "v:ééééééééééééééééééééééééééééééééabcd");
    ft_check("hello world", "lower", "v:HeLLo WORLD");
    ft_check("àéî", "lower", "v:ÀÉÎ");
    ft_check("STRAẞE", "upper", "v:straße");
    ft_check("Ǆ", "upper", "v:ǅ");
    ft_check("i", "lower", "v:İ");
    ft_check("ΑΒΓ", "upper", "v:αβγ");
    ft_check("", "upper", "v:");
    ft_check("NULL", "upper", "v:NULL");
    ft_check("ⱯBC", "upper", "v:ɐbc"); /* 2-byte code point grows to 3 bytes */
}

static void test_substring(void **state)
{
    (void)state;
    ft_check("ell", "substring", "v:hello", "i:2", "i:3");
    ft_check("h", "substring", "v:hello", "i:0", "i:2");
    ft_check("lo", "substring", "v:hello", "i:-2", "i:3");
    ft_check("llo", "substring", "v:hello", "i:-3");
    ft_check("h", "substring", "v:hello", "i:2", "i:-1");
    ft_check("hello", "substr", "v:hello", "i:0");
    ft_check("él", "substring", "v:héllo", "i:2", "i:2");
    ft_check("", "substring", "v:", "i:1", "i:1");
    ft_check("", "substring", "v:hello", "i:4294967295", "i:2");
    ft_check("", "substring", "v:hello", "i:1", "i:-4294967295");
    ft_check("", "substring", "v:hello", "i:1", "i:0");
    ft_check("", "substring", "v:hello", "i:0", "i:1");
    ft_check("hello", "substring", "v:hello", "i:-100", "i:200");
    ft_check("NULL", "substring", "v:NULL", "i:1");
    ft_check("NULL", "substring", "v:abc", "i:NULL");
    ft_check("ERR:Substring offset outside of supported range (> 4294967295)", "substring",
             "v:hello", "i:9223372036854775807");
    ft_check("ERR:Substring offset outside of supported range (< -4294967296)", "substring",
             "v:hello", "i:-9223372036854775807", "i:2");
    ft_check("ERR:Substring length outside of supported range (> 4294967295)", "substring",
             "v:hello", "i:1", "i:4294967296");
    ft_check("hél", "left", "v:héllo", "i:-2");
    ft_check("hé", "left", "v:héllo", "i:2");
    ft_check("", "left", "v:abc", "i:0");
    ft_check("llo", "right", "v:héllo", "i:-2");
    ft_check("lo", "right", "v:héllo", "i:2");
    ft_check("abc", "right", "v:abc", "i:10");
    ft_check("", "right", "v:abc", "i:-10");
}

static void test_trim_concat(void **state)
{
    (void)state;
    ft_check("a", "trim", "v:  a  ");
    ft_check("a", "trim", "v:xxaxx", "v:x");
    ft_check("axy", "ltrim", "v:xyaxy", "v:yx");
    ft_check("a", "rtrim", "v:aé é", "v: é");
    ft_check("\t a\n", "trim", "v: \t a\n "); /* only space separators */
    ft_check("a", "trim",
             "v:\xe3\x80\x80"
             "a"); /* U+3000 */
    ft_check("xax", "trim", "v:xax", "v:");
    ft_check("NULL", "trim", "v:  a  ", "v:NULL");
    ft_check("a  ", "ltrim", "v:  a  ");
    ft_check("  a", "rtrim", "v:  a  ");
    ft_check("", "trim", "v:    ");
    ft_check("ab", "concat", "v:a", "v:NULL", "v:b");
    ft_check("1x", "concat", "i32:1", "v:x");
    ft_check("", "concat", "v:NULL");
    ft_check("2024-01-011.5", "concat", "date:2024-01-01", "dec2_1:1.5");
    ft_check("a,b", "concat_ws", "v:,", "v:a", "v:NULL", "v:b");
    ft_check("NULL", "concat_ws", "v:NULL", "v:a");
    ft_check("1, 2", "concat_ws", "v:, ", "i:1", "i:2");
}

static void test_replace_split(void **state)
{
    (void)state;
    ft_check("bbbbbb", "replace", "v:aaa", "v:a", "v:bb");
    ft_check("abc", "replace", "v:abc", "v:", "v:x");
    ft_check("hxllo", "replace", "v:héllo", "v:é", "v:x");
    ft_check("c", "replace", "v:abc", "v:ab", "v:");
    ft_check("NULL", "replace", "v:abc", "v:NULL", "v:x");
    ft_check("b", "split_part", "v:a,b,c", "v:,", "i:2");
    ft_check("c", "split_part", "v:a,b,c", "v:,", "i:-1");
    ft_check("", "split_part", "v:a,b,c", "v:,", "i:0");
    ft_check("", "split_part", "v:a,b,c", "v:,", "i:5");
    ft_check("b", "split_part", "v:abc", "v:", "i:2");
    ft_check("a", "split_part", "v:a,b", "v:,", "i:-2");
    ft_check("", "split_part", "v:a,b", "v:,", "i:-3");
    ft_check("", "split_part", "v:abc", "v:abc", "i:2");
    ft_check("", "split_part", "v:,a,", "v:,", "i:3");
    ft_check("ü", "split_part", "v:aüb", "v:", "i:2");
    ft_check("NULL", "split_part", "v:a,b", "v:,", "i:NULL");
    ft_check("[a, b, , c]", "string_split", "v:a,b,,c", "v:,");
    ft_check("[a, b, c]", "string_split", "v:abc", "v:");
    ft_check("[]", "string_split", "v:", "v:,"); /* DuckDB prints [''] */
    ft_check("[abc]", "string_split", "v:abc", "v:NULL");
    ft_check("NULL", "string_split", "v:NULL", "v:,");
    ft_check("[a, b, ]", "str_split", "v:a--b--", "v:--");
}

static void test_predicates(void **state)
{
    (void)state;
    ft_check("true", "starts_with", "v:abc", "v:");
    ft_check("true", "starts_with", "v:abc", "v:ab");
    ft_check("false", "starts_with", "v:abc", "v:abcd");
    ft_check("true", "ends_with", "v:abc", "v:bc");
    ft_check("true", "prefix", "v:abc", "v:ab");
    ft_check("false", "suffix", "v:abc", "v:ab");
    ft_check("true", "contains", "v:abc", "v:");
    ft_check("true", "contains", "v:héllo", "v:él");
    ft_check("NULL", "contains", "v:NULL", "v:a");
    ft_check("3", "strpos", "v:héllo", "v:l");
    ft_check("0", "instr", "v:abc", "v:z");
    ft_check("1", "strpos", "v:abc", "v:");
    ft_check("1", "position", "v:", "v:");
    ft_check("2", "position", "v:b", "v:abc"); /* POSITION('b' IN 'abc') */
    ft_check("0", "strpos", "v:", "v:a");
    ft_check("NULL", "strpos", "v:a", "v:NULL");
}

static void test_pad_repeat_misc(void **state)
{
    (void)state;
    ft_check("xyabc", "lpad", "v:abc", "i:5", "v:xy");
    ft_check("ab", "lpad", "v:abc", "i:2", "v:x");
    ft_check("abcéxé", "rpad", "v:abc", "i:6", "v:éx");
    ft_check("", "lpad", "v:abc", "i:-1", "v:x");
    ft_check("hél", "rpad", "v:héllo", "i:3", "v:x");
    ft_check("ab", "lpad", "v:", "i:2", "v:ab");
    ft_check("axyx", "rpad", "v:a", "i:4", "v:xy");
    ft_check("abc", "lpad", "v:abc", "i:3", "v:");
    ft_check("ERR:Insufficient padding in LPAD", "lpad", "v:abc", "i:5", "v:");
    ft_check("ERR:Insufficient padding in RPAD", "rpad", "v:abc", "i:5", "v:");
    ft_check("ababab", "repeat", "v:ab", "i:3");
    ft_check("", "repeat", "v:ab", "i:-1");
    ft_check("", "repeat", "v:", "i:5");
    ft_check("NULL", "repeat", "v:ab", "i:NULL");
    ft_check("ERR:repeat", "repeat", "v:abcdef", "i:4000000000");
    ft_check("olléh", "reverse", "v:héllo");
    ft_check("x"
             "e\xcc\x81",
             "reverse", "v:e\xcc\x81x"); /* combining accent stays */
    ft_check("", "reverse", "v:");
    ft_check("233", "ascii", "v:é");
    ft_check("0", "ascii", "v:");
    ft_check("65", "ascii", "v:ABC");
    ft_check("é", "chr", "i32:233");
    ft_check("A", "chr", "i32:65");
    ft_check("ERR:Invalid UTF8 Codepoint -1", "chr", "i32:-1");
    ft_check("ERR:Invalid UTF8 Codepoint 1114112", "chr", "i32:1114112");
    ft_check("ERR:Invalid UTF8 Codepoint 55296", "chr", "i32:55296");
    ft_check("NULL", "chr", "i32:NULL");
    ft_check("900150983cd24fb0d6963f7d28e17f72", "md5", "v:abc");
    ft_check("d41d8cd98f00b204e9800998ecf8427e", "md5", "v:");
    ft_check("be50e8478cf24ff3595bc7307fb91b50", "md5", "v:héllo");
    ft_type_is("BIGINT", "length", "v:a");
    ft_type_is("INTEGER", "ascii", "v:a");
    ft_type_is("VARCHAR[]", "string_split", "v:a", "v:b");
}

static bool like(const char *s, const char *p, const char *esc, bool icase)
{
    ko_arena a = {0};
    ko_err err = {0};
    const ko_sql_like *lk = NULL;
    size_t el = esc ? strlen(esc) : 0;
    TU_OK(ko_sql_like_compile(p, strlen(p), esc, el, icase, &a, &lk, &err), &err);
    bool r = ko_sql_like_exec(lk, s, strlen(s));
    bool r2 = !r;
    TU_OK(ko_sql_like_match(s, strlen(s), p, strlen(p), esc, el, icase, &r2, &err), &err);
    assert_int_equal(r, r2); /* compiled and one-off agree */
    ko_arena_free(&a);
    return r;
}

static void test_like(void **state)
{
    (void)state;
    assert_true(like("abc", "a_c", NULL, false));
    assert_true(like("héllo", "h_llo", NULL, false));
    assert_false(like("héllo", "h__llo", NULL, false));
    assert_true(like("a%b", "a\\%b", "\\", false));
    assert_false(like("axb", "a\\%b", "\\", false));
    assert_true(like("a%b", "a$%b", "$", false));
    assert_false(like("ab", "a", NULL, false));
    assert_true(like("", "%", NULL, false));
    assert_true(like("abc", "%b%", NULL, false));
    assert_false(like("abc", "%d%", NULL, false));
    assert_true(like("abc", "abc%", NULL, false));
    assert_true(like("abc", "%abc", NULL, false));
    assert_true(like("abc", "%%c", NULL, false));
    assert_false(like("abc", "ab", NULL, false));
    assert_true(like("ÉCOLE", "école", NULL, true));
    assert_true(like("ABC", "%b%", NULL, true));
    assert_false(like("ABC", "%b%", NULL, false));
    assert_true(like("mississippi", "%iss%ppi", NULL, false));
    assert_true(like("mississippi", "m%s_s%i", NULL, false));
    assert_false(like("mississippi", "m%s_x%i", NULL, false));
    assert_true(like("aaa", "a%a%a", NULL, false));
    assert_false(like("aa", "a%a%a", NULL, false));
    assert_true(like("_", "\\_", "\\", false));
    assert_false(like("x", "\\_", "\\", false));
    ko_arena a = {0};
    ko_err err = {0};
    const ko_sql_like *lk = NULL;
    assert_int_equal(ko_sql_like_compile("a\\", 2, "\\", 1, false, &a, &lk, &err), KO_ERR_INVALID);
    assert_non_null(strstr(err.msg, "must not end with escape"));
    assert_int_equal(ko_sql_like_compile("a", 1, "ab", 2, false, &a, &lk, &err), KO_ERR_INVALID);
    assert_non_null(strstr(err.msg, "Escape string must be empty or one character"));
    ko_arena_free(&a);
    /* The function forms, constant pattern (compiled in bind) and flat. */
    ft_check("true", "~~", "v:abcdef", "v:abc%");
    ft_check("false", "!~~", "v:abcdef", "v:abc%");
    ft_check("true", "~~*", "v:ABCDEF", "v:%cd%");
    ft_check("true", "!~~*", "v:ABCDEF", "v:%x%");
    ft_check("true", "like_escape", "v:a%b", "v:a#%b", "v:#");
    ft_check("NULL", "~~", "v:NULL", "v:a");
    ft_check("ERR:must not end with escape", "like_escape", "v:a", "v:a#", "v:#");
}

/* A long flat column with a selection: every row matches the scalar
 * evaluation of the same function. */
static void test_batch_vs_scalar(void **state)
{
    (void)state;
    static const char *const words[] = {
        "", "a", "héllo wörld", "ABC def", "日本語テキスト", "  pad  ", "x,y,,z", "ÀÉÎõü"};
    enum { N = 1000 };
    ko_sql_dtype vt = ko_sql_dtype_of(KO_SQL_DT_VARCHAR);
    ko_vec *v = ko_vec_new(&vt);
    assert_int_equal(ko_vec_reserve(v, N), KO_OK);
    assert_int_equal(ko_vec_validity_init(v, N), KO_OK);
    uint32_t sel[N];
    size_t n_sel = 0;
    for (size_t r = 0; r < N; r++) {
        const char *w = words[r % KO_ARRAY_LEN(words)];
        assert_int_equal(ko_vec_set_str(v, r, w, strlen(w)), KO_OK);
        if (r % 7 == 3)
            ko_vec_set_null_fast(v, r);
        if (r % 3 != 1)
            sel[n_sel++] = (uint32_t)r;
    }
    static const char *const fns[] = {"upper", "lower", "length", "reverse", "trim"};
    for (size_t f = 0; f < KO_ARRAY_LEN(fns); f++) {
        ko_arena arena = {0};
        ko_err err = {0};
        ko_sql_resolved rs;
        TU_OK(ko_sql_func_resolve(fns[f], &vt, 1, NULL, &arena, &rs, &err), &err);
        ko_vec *out = NULL;
        ko_vec *args[1] = {v};
        TU_OK(ft_invoke(&rs, args, 1, sel, n_sel, N, &out, &err), &err);
        for (size_t k = 0; k < n_sel; k++) {
            size_t r = sel[k];
            char got[256], want[256];
            ft_text(out, r, got, sizeof got);
            if (r % 7 == 3) {
                assert_string_equal(got, "NULL");
                continue;
            }
            char spec[64];
            snprintf(spec, sizeof spec, "v:%s", words[r % KO_ARRAY_LEN(words)]);
            ft_arg a;
            ft_arg_parse(&a, spec);
            ko_vec *c = ft_vec(&a, 0, NULL, 0);
            ko_vec *o1 = NULL;
            TU_OK(ft_invoke(&rs, &c, 1, NULL, 0, 1, &o1, &err), &err);
            ft_text(o1, 0, want, sizeof want);
            assert_string_equal(got, want);
            ko_vec_free(o1);
            ko_vec_free(c);
        }
        ko_vec_free(out);
        ko_arena_free(&arena);
    }
    ko_vec_free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_length_case), cmocka_unit_test(test_substring),
        cmocka_unit_test(test_trim_concat), cmocka_unit_test(test_replace_split),
        cmocka_unit_test(test_predicates),  cmocka_unit_test(test_pad_repeat_misc),
        cmocka_unit_test(test_like),        cmocka_unit_test(test_batch_vs_scalar),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
