/*
 * test_base_uuid.c - random v4 UUIDs, canonical formatting, strict parsing.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_uuid(const void *a, const void *b)
{
    return memcmp(a, b, sizeof(ko_uuid));
}

static void test_version_and_variant(void **state)
{
    (void)state;
    for (int i = 0; i < 1000; i++) {
        ko_uuid u = ko_uuid_random();
        assert_int_equal(u.b[6] >> 4, 4);      /* version 4 */
        assert_int_equal(u.b[8] & 0xc0, 0x80); /* RFC 4122 variant 10xx */
        char s[KO_UUID_STR_LEN + 1];
        ko_uuid_format(&u, s);
        assert_int_equal(s[14], '4');
        assert_non_null(strchr("89ab", s[19]));
    }
}

static void test_unique(void **state)
{
    (void)state;
    enum { N = 10000 };
    ko_uuid *all = malloc(N * sizeof *all);
    assert_non_null(all);
    for (int i = 0; i < N; i++)
        all[i] = ko_uuid_random();
    qsort(all, N, sizeof *all, cmp_uuid);
    for (int i = 1; i < N; i++)
        assert_int_not_equal(cmp_uuid(&all[i - 1], &all[i]), 0);
    free(all);
}

static void test_format_and_parse(void **state)
{
    (void)state;
    ko_uuid u;
    ko_err err = {0};
    TU_OK(ko_uuid_parse("f79c3e09-677c-4bbd-a479-3f349cb785e7", &u, &err), &err);
    const uint8_t want[16] = {0xF7, 0x9C, 0x3E, 0x09, 0x67, 0x7C, 0x4B, 0xBD,
                              0xA4, 0x79, 0x3F, 0x34, 0x9C, 0xB7, 0x85, 0xE7};
    assert_memory_equal(u.b, want, 16);
    char s[KO_UUID_STR_LEN + 1];
    ko_uuid_format(&u, s);
    assert_string_equal(s, "f79c3e09-677c-4bbd-a479-3f349cb785e7");
    /* Uppercase input is accepted; output is always lowercase. */
    TU_OK(ko_uuid_parse("F79C3E09-677C-4BBD-A479-3F349CB785E7", &u, &err), &err);
    assert_memory_equal(u.b, want, 16);
    ko_uuid zero = {{0}};
    ko_uuid_format(&zero, s);
    assert_string_equal(s, "00000000-0000-0000-0000-000000000000");
    for (int i = 0; i < 1000; i++) {
        ko_uuid r = ko_uuid_random(), back;
        ko_uuid_format(&r, s);
        assert_int_equal(strlen(s), KO_UUID_STR_LEN);
        TU_OK(ko_uuid_parse(s, &back, &err), &err);
        assert_memory_equal(r.b, back.b, 16);
    }
}

static void parse_bad(const char *s, size_t pos)
{
    ko_uuid u = {{0}};
    ko_err err = {0};
    assert_int_equal(ko_uuid_parse(s, &u, &err), KO_ERR_INVALID);
    assert_int_equal(err.status, KO_ERR_INVALID);
    char want[40];
    snprintf(want, sizeof want, "position %zu", pos);
    if (!strstr(err.msg, want) || !strstr(err.msg, s))
        fail_msg("\"%s\": message \"%s\" lacks the input or \"%s\"", s, err.msg, want);
    const uint8_t zero[16] = {0};
    assert_memory_equal(u.b, zero, 16); /* out untouched on error */
}

static void test_parse_rejects(void **state)
{
    (void)state;
    parse_bad("", 0);
    parse_bad("f79c3e09-677c-4bbd-a479-3f349cb785e", 35);
    parse_bad("f79c3e09-677c-4bbd-a479-3f349cb785e7a", 36);
    parse_bad("f79c3e09677c4bbda4793f349cb785e7", 32);
    parse_bad("f79c3e09-677c-4bbd-a479+3f349cb785e7", 23);
    parse_bad("f79c3e0-9677c-4bbd-a479-3f349cb785e7", 7);
    parse_bad("f79c3e09-677c-4bbd-a479-3f349cb785eg", 35);
    parse_bad("{79c3e09-677c-4bbd-a479-3f349cb785e7", 0);
    parse_bad(" f79c3e09-677c-4bbd-a479-3f349cb785e", 0);
    parse_bad("f79c3e09-677c-4bbd-a479-3f349cb785e ", 35);
    parse_bad("f79c3e09-677c-4bbd-a479--f349cb785e7", 24);
    ko_uuid u;
    assert_int_equal(ko_uuid_parse(NULL, &u, NULL), KO_ERR_INVALID);
    assert_int_equal(ko_uuid_parse("nope", &u, NULL), KO_ERR_INVALID);
    /* A very long input is shown shortened. */
    char big[500];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    ko_err err = {0};
    assert_int_equal(ko_uuid_parse(big, &u, &err), KO_ERR_INVALID);
    assert_true(strlen(err.msg) < 150);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version_and_variant),
        cmocka_unit_test(test_unique),
        cmocka_unit_test(test_format_and_parse),
        cmocka_unit_test(test_parse_rejects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
