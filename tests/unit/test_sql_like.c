/*
 * test_sql_like.c - the one LIKE / ILIKE matcher (func_like.c), which the
 * executor's [NOT] [I]LIKE and the `~~` functions share: fixed cases with
 * DuckDB's answers (Unicode case folding for ILIKE, `_` as one character,
 * escapes), then every compiled shape (exact, prefix, suffix, contains,
 * pieces, general) checked against the uncompiled general matcher over a
 * grid of strings and patterns.
 */
#include "testutil.h"

#include "sql/func_like.h"

#include <string.h>

static bool like(const char *s, const char *p, const char *esc, bool icase)
{
    ko_err err = {0};
    ko_arena a = {0};
    const ko_sql_like *lk = NULL;
    TU_OK(ko_sql_like_compile(p, strlen(p), esc, esc ? strlen(esc) : 0, icase, &a, &lk, &err),
          &err);
    bool got = ko_sql_like_exec(lk, s, strlen(s));
    bool slow = !got;
    TU_OK(ko_sql_like_match(s, strlen(s), p, strlen(p), esc, esc ? strlen(esc) : 0, icase, &slow,
                            &err),
          &err);
    if (got != slow)
        fail_msg("'%s' %s '%s': compiled %d, general %d", s, icase ? "ILIKE" : "LIKE", p, got,
                 slow);
    ko_arena_free(&a);
    return got;
}

static void test_fixed_cases(void **state)
{
    (void)state;
    assert_true(like("HÉLLO", "héllo", NULL, true));
    assert_false(like("HÉLLO", "héllo", NULL, false));
    assert_true(like("ÀB", "àb%", NULL, true));
    assert_true(like("straße", "STRASSE", NULL, true) == false); /* simple folding only */
    assert_true(like("héllo", "h_llo", NULL, false));            /* _ is one character */
    assert_false(like("héllo", "h__llo", NULL, false));
    assert_true(like("special packages requests", "%special%requests%", NULL, false));
    assert_false(like("requests special", "%special%requests%", NULL, false));
    assert_true(like("a%b", "a!%b", "!", false));
    assert_false(like("axb", "a!%b", "!", false));
    assert_true(like("abcabc", "%bc%bc", NULL, false));
    assert_false(like("abc", "%bc%bc", NULL, false));
    assert_true(like("aXbYc", "a%b%c", NULL, false));
    assert_true(like("", "%", NULL, false));
    assert_false(like("", "_", NULL, false));
    assert_true(like("FURIOUS sly", "%furious%SLY%", NULL, true));
}

static void test_bad_escape(void **state)
{
    (void)state;
    ko_err err = {0};
    bool m = false;
    assert_int_equal(ko_sql_like_match("a", 1, "a!", 2, "!", 1, false, &m, &err), KO_ERR_INVALID);
    assert_non_null(strstr(err.msg, "escape"));
    assert_int_equal(ko_sql_like_match("a", 1, "a", 1, "!!", 2, false, &m, &err), KO_ERR_INVALID);
}

/* Every shape agrees with the general matcher (like() checks both). */
static void test_shapes_agree(void **state)
{
    (void)state;
    static const char *const strs[] = {"",      "a", "ab",  "abc", "abcabc",      "bcab", "aXbYc",
                                       "xyz",   "é", "aéb", "ÉA",  "a_b",         "a%b",  "ababab",
                                       "cbabc", "%", "_",   "bb",  "special sly", "Sly"};
    static const char *const pats[] = {"",     "%",     "%%",   "_",     "a",       "a%",    "%a",
                                       "%a%",  "a%b",   "a%c",  "%b%b%", "%bc%bc",  "ab%ab", "_b%",
                                       "%_",   "a_%",   "%é%",  "É%",    "%a%b%c%", "%ab%",  "b%",
                                       "%abc", "%sly%", "a%%b", "%x%y%z"};
    size_t matches = 0;
    for (size_t i = 0; i < KO_ARRAY_LEN(strs); i++)
        for (size_t j = 0; j < KO_ARRAY_LEN(pats); j++)
            for (int icase = 0; icase < 2; icase++)
                matches += like(strs[i], pats[j], NULL, icase);
    assert_true(matches > 100); /* the grid exercises both answers */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixed_cases),
        cmocka_unit_test(test_bad_escape),
        cmocka_unit_test(test_shapes_agree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
