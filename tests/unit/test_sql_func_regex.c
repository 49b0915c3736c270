/*
 * test_sql_func_regex.c - regexp_matches, regexp_full_match,
 * regexp_replace and regexp_extract (func_regex.c) on PCRE2, against
 * DuckDB 1.5's answers (checked in DuckDB when the tests were written):
 * constant patterns (compiled in bind) and a column of patterns.
 */
#include "sqlfunc_testutil.h"

static void test_matches(void **state)
{
    (void)state;
    ft_check("true", "regexp_matches", "v:abc", "v:b");
    ft_check("false", "regexp_matches", "v:abc", "v:^b");
    ft_check("true", "regexp_matches", "v:ABC", "v:b", "v:i");
    ft_check("false", "regexp_matches", "v:ABC", "v:b", "v:ic");
    ft_check("true", "regexp_full_match", "v:abc", "v:a.c");
    ft_check("false", "regexp_full_match", "v:abc", "v:b");
    ft_check("true", "regexp_full_match", "v:abc", "v:abc|ab");
    ft_check("true", "regexp_full_match", "v:ab", "v:abc|ab");
    ft_check("false", "regexp_matches", "v:a\nb", "v:a.b");
    ft_check("true", "regexp_matches", "v:a\nb", "v:a.b", "v:s");
    ft_check("false", "regexp_matches", "v:a\nb", "v:^b", "v:m");
    ft_check("true", "regexp_matches", "v:héllo", "v:^h.llo$");
    ft_check("true", "regexp_matches", "v:a.c", "v:.", "v:l");
    ft_check("false", "regexp_matches", "v:abc", "v:.", "v:l");
    ft_check("NULL", "regexp_matches", "v:NULL", "v:a");
    ft_check("NULL", "regexp_matches", "v:a", "v:NULL");
    ft_check("ERR:Invalid regular expression '('", "regexp_matches", "v:abc", "v:(");
    ft_check("ERR:Unrecognized Regex option z", "regexp_matches", "v:abc", "v:b", "v:z");
    ft_check("ERR:Option 'g' (global replace) is only valid for regexp_replace", "regexp_matches",
             "v:abc", "v:b", "v:g");
    ft_check("ERR:Regex options field must not be NULL", "regexp_matches", "v:abc", "v:b",
             "v:NULL");
    ft_check("true", "regexp_matches",
             "v:\xff"
             "abc",
             "v:abc"); /* invalid UTF-8 input */
}

static void test_replace(void **state)
{
    (void)state;
    ft_check("baa", "regexp_replace", "v:aaa", "v:a", "v:b");
    ft_check("bbb", "regexp_replace", "v:aaa", "v:a", "v:b", "v:g");
    ft_check("a[b]c", "regexp_replace", "v:abc", "v:(b)", "v:[\\1]");
    ft_check("abbc", "regexp_replace", "v:abc", "v:(b)", "v:\\0\\0");
    ft_check("axc", "regexp_replace", "v:abc", "v:B", "v:x", "v:i");
    ft_check("axc", "regexp_replace", "v:abc", "v:b", "v:x", "v:gi");
    ft_check("axc", "regexp_replace", "v:a.c", "v:.", "v:x", "v:l");
    ft_check("abc", "regexp_replace", "v:abc", "v:(b)", "v:\\2");   /* no group 2 */
    ft_check("abc", "regexp_replace", "v:abc", "v:(b)", "v:[\\x]"); /* invalid rewrite */
    ft_check("a[\\]c", "regexp_replace", "v:abc", "v:(b)", "v:[\\\\]");
    ft_check("a[$1]c", "regexp_replace", "v:abc", "v:(b)", "v:[$1]");
    ft_check("-a-b-c-", "regexp_replace", "v:abc", "v:", "v:-", "v:g");
    ft_check("-", "regexp_replace", "v:", "v:x*", "v:-", "v:g");
    ft_check("-", "regexp_replace", "v:aaa", "v:a*", "v:-", "v:g");
    ft_check("-b-c-", "regexp_replace", "v:baaac", "v:a*", "v:-", "v:g");
    ft_check("-a-c-", "regexp_replace", "v:abc", "v:b*", "v:-", "v:g");
    ft_check("-h-é-l-l-o-", "regexp_replace", "v:héllo", "v:", "v:-", "v:g");
    ft_check("xxxxx", "regexp_replace", "v:héllo", "v:.", "v:x", "v:g");
    ft_check("NULL", "regexp_replace", "v:a", "v:a", "v:NULL");
}

static void test_extract(void **state)
{
    (void)state;
    ft_check("123", "regexp_extract", "v:abc123", "v:[0-9]+");
    ft_check("123", "regexp_extract", "v:abc123", "v:([a-z]+)([0-9]+)", "i:2");
    ft_check("abc", "regexp_extract", "v:abc123", "v:([a-z]+)([0-9]+)", "i:1");
    ft_check("", "regexp_extract", "v:abc", "v:x");
    ft_check("", "regexp_extract", "v:abc", "v:(x)?b", "i:1");
    ft_check("", "regexp_extract", "v:abc", "v:(b)", "i:5");
    ft_check("", "regexp_extract", "v:abc", "v:b", "i:1");
    ft_check("ERR:Group index must be between 0 and 9!", "regexp_extract", "v:abc", "v:(b)",
             "i:-1");
    ft_check("é", "regexp_extract", "v:héllo", "v:h(.)", "i:1");
    ft_check("NULL", "regexp_extract", "v:NULL", "v:a");
}

/* A column of patterns: compiled per row, cached while they repeat. */
static void test_pattern_column(void **state)
{
    (void)state;
    static const char *const pats[] = {"^a", "^a", "b$", "[0-9]", "[0-9]", "(", "x"};
    static const char *const strs[] = {"abc", "xbc", "cab", "a1", "aa", "q", "x"};
    ko_sql_dtype vt = ko_sql_dtype_of(KO_SQL_DT_VARCHAR);
    ko_vec *s = ko_vec_new(&vt), *p = ko_vec_new(&vt);
    assert_int_equal(ko_vec_reserve(s, 7), KO_OK);
    assert_int_equal(ko_vec_reserve(p, 7), KO_OK);
    for (size_t i = 0; i < 7; i++) {
        assert_int_equal(ko_vec_set_str(s, i, strs[i], strlen(strs[i])), KO_OK);
        assert_int_equal(ko_vec_set_str(p, i, pats[i], strlen(pats[i])), KO_OK);
    }
    ko_arena arena = {0};
    ko_err err = {0};
    ko_sql_resolved rs;
    ko_sql_dtype types[2] = {vt, vt};
    TU_OK(ko_sql_func_resolve("regexp_matches", types, 2, NULL, &arena, &rs, &err), &err);
    ko_vec *args[2] = {s, p};
    static const uint32_t sel[] = {0, 1, 2, 3, 4, 6};
    ko_vec *out = NULL;
    TU_OK(ft_invoke(&rs, args, 2, sel, 6, 7, &out, &err), &err);
    static const char *const want[] = {"true", "false", "true", "true", "false", "", "true"};
    for (size_t k = 0; k < 6; k++) {
        char got[32];
        ft_text(out, sel[k], got, sizeof got);
        assert_string_equal(got, want[sel[k]]);
    }
    ko_vec_free(out);
    /* Row 5's pattern is invalid: selecting it fails with a clear error. */
    assert_int_equal(ft_invoke(&rs, args, 2, NULL, 0, 7, &out, &err), KO_ERR_INVALID);
    assert_non_null(strstr(err.msg, "Invalid regular expression '('"));
    ko_vec_free(out);
    ko_vec_free(s);
    ko_vec_free(p);
    ko_arena_free(&arena);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matches),
        cmocka_unit_test(test_replace),
        cmocka_unit_test(test_extract),
        cmocka_unit_test(test_pattern_column),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
