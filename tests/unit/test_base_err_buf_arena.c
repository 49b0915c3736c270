/*
 * test_base_err_buf_arena.c - error values, growable buffers, arenas.
 */
#include "testutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ errors */

static void test_status_names(void **state)
{
    (void)state;
    assert_string_equal(ko_status_name(KO_OK), "ok");
    assert_string_equal(ko_status_name(KO_ERR_NOT_FOUND), "not found");
    assert_string_equal(ko_status_name(KO_ERR_NOSPACE), "no space");
    assert_string_equal(ko_status_name(KO_ERR_NOMEM), "out of memory");
    /* Every status has its own name. */
    for (int a = KO_OK; a <= KO_ERR_INTERNAL; a++) {
        assert_string_not_equal(ko_status_name((ko_status)a), "unknown status");
        for (int b = a + 1; b <= KO_ERR_INTERNAL; b++)
            assert_string_not_equal(ko_status_name((ko_status)a), ko_status_name((ko_status)b));
    }
    assert_string_equal(ko_status_name((ko_status)(KO_ERR_INTERNAL + 1)), "unknown status");
    assert_string_equal(ko_status_name((ko_status)-1), "unknown status");
}

static void test_err_set_prefix(void **state)
{
    (void)state;
    ko_err err = {0};
    assert_int_equal(ko_err_set(&err, KO_ERR_CORRUPT, "row %d: bad %s", 7, "field"),
                     KO_ERR_CORRUPT);
    assert_int_equal(err.status, KO_ERR_CORRUPT);
    assert_string_equal(err.msg, "row 7: bad field");
    assert_int_equal(ko_err_prefix(&err, "file %s", "a.parquet"), KO_ERR_CORRUPT);
    assert_string_equal(err.msg, "file a.parquet: row 7: bad field");
    /* A NULL err is allowed and the status still comes back. */
    assert_int_equal(ko_err_set(NULL, KO_ERR_IO, "x"), KO_ERR_IO);
    /* The message may be an argument of its own reformatting. */
    ko_err_set(&err, KO_ERR_IO, "inner");
    ko_err_set(&err, KO_ERR_NETWORK, "outer (%s)", err.msg);
    assert_string_equal(err.msg, "outer (inner)");
    ko_err_clear(&err);
    assert_int_equal(err.status, KO_OK);
    assert_string_equal(err.msg, "");
    ko_err_clear(NULL);
}

static void test_err_truncation(void **state)
{
    (void)state;
    char big[2 * KO_ERR_MSG_MAX];
    memset(big, 'm', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    ko_err err = {0};
    ko_err_set(&err, KO_ERR_INVALID, "%s", big);
    assert_int_equal(strlen(err.msg), KO_ERR_MSG_MAX - 1);
    /* Prefixing a full message keeps the prefix and cuts the tail. */
    ko_err_prefix(&err, "ctx");
    assert_int_equal(strlen(err.msg), KO_ERR_MSG_MAX - 1);
    assert_memory_equal(err.msg, "ctx: mmm", 8);
    /* A prefix longer than the whole message still terminates. */
    ko_err_set(&err, KO_ERR_INVALID, "short");
    ko_err_prefix(&err, "%s", big);
    assert_int_equal(strlen(err.msg), KO_ERR_MSG_MAX - 1);
    assert_int_equal(err.status, KO_ERR_INVALID);
    /* Exactly at the limit. */
    big[KO_ERR_MSG_MAX - 1] = '\0';
    ko_err_set(&err, KO_ERR_INVALID, "%s", big);
    assert_string_equal(err.msg, big);
}

static void test_err_errno(void **state)
{
    (void)state;
    ko_err err = {0};
    assert_int_equal(ko_err_errno(&err, ENOENT, "open %s", "/x"), KO_ERR_NOT_FOUND);
    assert_int_equal(err.status, KO_ERR_NOT_FOUND);
    assert_string_equal(err.msg, "open /x: No such file or directory");
    assert_int_equal(ko_err_errno(&err, ENOSPC, "write"), KO_ERR_NOSPACE);
    assert_non_null(strstr(err.msg, "write: "));
    assert_int_equal(ko_err_errno(&err, EACCES, "mkdir"), KO_ERR_PERMISSION);
    assert_int_equal(ko_err_errno(NULL, EEXIST, "x"), KO_ERR_EXISTS);
    assert_int_equal(ko_err_errno(&err, 999999, "odd"), KO_ERR_IO);
    assert_non_null(strstr(err.msg, "odd: "));
    assert_int_equal(ko_status_from_errno(0), KO_OK);
    assert_int_equal(ko_status_from_errno(ENOTDIR), KO_ERR_NOT_FOUND);
    assert_int_equal(ko_status_from_errno(EPERM), KO_ERR_PERMISSION);
    assert_int_equal(ko_status_from_errno(EDQUOT), KO_ERR_NOSPACE);
    assert_int_equal(ko_status_from_errno(ENOMEM), KO_ERR_NOMEM);
    assert_int_equal(ko_status_from_errno(EINVAL), KO_ERR_INVALID);
    assert_int_equal(ko_status_from_errno(ETIMEDOUT), KO_ERR_TIMEOUT);
    assert_int_equal(ko_status_from_errno(ECONNRESET), KO_ERR_NETWORK);
    assert_int_equal(ko_status_from_errno(EIO), KO_ERR_IO);
}

/* ------------------------------------------------------------------ buffer */

static void test_buf_growth(void **state)
{
    (void)state;
    ko_buf b = {0};
    assert_int_equal(ko_buf_append(&b, "", 0), KO_OK);
    assert_non_null(b.data);
    assert_int_equal(b.len, 0);
    assert_string_equal((char *)b.data, "");
    for (int i = 0; i < 100000; i++) {
        char c = (char)('a' + i % 26);
        assert_int_equal(ko_buf_append(&b, &c, 1), KO_OK);
        assert_true(b.len < b.cap);
        assert_int_equal(b.data[b.len], '\0');
    }
    assert_int_equal(b.len, 100000);
    for (size_t i = 0; i < b.len; i++)
        assert_int_equal(b.data[i], 'a' + i % 26);
    uint8_t big[70000];
    tu_fill(big, sizeof big, 9);
    assert_int_equal(ko_buf_append(&b, big, sizeof big), KO_OK);
    assert_memory_equal(b.data + 100000, big, sizeof big);
    /* Reserving an impossible amount fails cleanly and leaves b intact. */
    size_t len = b.len;
    assert_int_equal(ko_buf_reserve(&b, SIZE_MAX), KO_ERR_NOMEM);
    assert_int_equal(ko_buf_reserve(&b, SIZE_MAX - len), KO_ERR_NOMEM);
    assert_int_equal(b.len, len);
    ko_buf_free(&b);
    assert_null(b.data);
    assert_int_equal(b.len + b.cap, 0);
    ko_buf_free(&b); /* twice is fine */
}

static void test_buf_appendf_detach_reset(void **state)
{
    (void)state;
    ko_buf b = {0};
    assert_int_equal(ko_buf_append_str(&b, "key="), KO_OK);
    assert_int_equal(ko_buf_appendf(&b, "%d/%s", 42, "v"), KO_OK);
    assert_string_equal((char *)b.data, "key=42/v");
    assert_int_equal(b.len, 8);
    /* An appendf that needs to grow the buffer. */
    char long_s[500];
    memset(long_s, 'z', sizeof long_s - 1);
    long_s[sizeof long_s - 1] = '\0';
    assert_int_equal(ko_buf_appendf(&b, "[%s]", long_s), KO_OK);
    assert_int_equal(b.len, 8 + 501);
    assert_int_equal(b.data[b.len - 1], ']');
    assert_int_equal(b.data[b.len], '\0');
    assert_int_equal(ko_buf_appendf(&b, "%s", ""), KO_OK);
    assert_int_equal(b.len, 509);
    ko_buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_true(b.cap > 0);
    assert_string_equal((char *)b.data, "");
    assert_int_equal(ko_buf_append_str(&b, "again"), KO_OK);
    size_t n = 0;
    uint8_t *p = ko_buf_detach(&b, &n);
    assert_int_equal(n, 5);
    assert_string_equal((char *)p, "again");
    assert_null(b.data);
    assert_int_equal(b.len + b.cap, 0);
    free(p);
    assert_null(ko_buf_detach(&b, NULL)); /* empty buffer */
    ko_buf_reset(&b);                     /* reset of an empty buffer */
}

/* ------------------------------------------------------------------- arena */

static void test_arena_alignment(void **state)
{
    (void)state;
    ko_arena a = {0};
    for (size_t n = 0; n < 3000; n++) {
        uint8_t *p = ko_arena_alloc(&a, n % 97);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % 16, 0);
        memset(p, 0xab, n % 97); /* ASan checks the bounds */
    }
    assert_true(a.allocated > 0);
    ko_arena_free(&a);
    assert_null(a.head);
    assert_int_equal(a.allocated, 0);
}

static void test_arena_big_and_reuse(void **state)
{
    (void)state;
    ko_arena a = {0};
    char *small1 = ko_arena_strdup(&a, "before");
    uint8_t *big = ko_arena_alloc(&a, 1 << 20);
    assert_non_null(big);
    assert_int_equal((uintptr_t)big % 16, 0);
    memset(big, 1, 1 << 20);
    char *small2 = ko_arena_strdup(&a, "after");
    assert_string_equal(small1, "before");
    assert_string_equal(small2, "after");
    /* The big block does not displace the current chunk. */
    assert_true(small2 > small1 && small2 - small1 < 64 * 1024);
    assert_true(a.allocated >= (1u << 20));
    ko_arena_free(&a);
    /* The arena is usable again after free. */
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 10000; i++)
            assert_non_null(ko_arena_alloc(&a, 40));
        ko_arena_free(&a);
    }
    /* A small chunk size still works, including allocations above it. */
    a.chunk_size = 64;
    for (int i = 0; i < 100; i++) {
        uint8_t *p = ko_arena_alloc(&a, (size_t)(i * 3));
        assert_non_null(p);
        memset(p, 2, (size_t)(i * 3));
    }
    ko_arena_free(&a);
    assert_int_equal(a.chunk_size, 64);
}

static void test_arena_strings_calloc(void **state)
{
    (void)state;
    ko_arena a = {0};
    assert_string_equal(ko_arena_strdup(&a, ""), "");
    assert_string_equal(ko_arena_strndup(&a, "abcdef", 3), "abc");
    char *s = ko_arena_sprintf(&a, "%s-%05d", "id", 42);
    assert_string_equal(s, "id-00042");
    char long_s[100000];
    memset(long_s, 'q', sizeof long_s - 1);
    long_s[sizeof long_s - 1] = '\0';
    s = ko_arena_sprintf(&a, "<%s>", long_s);
    assert_non_null(s);
    assert_int_equal(strlen(s), sizeof long_s + 1);
    uint64_t *z = ko_arena_calloc(&a, 1000, sizeof *z);
    assert_non_null(z);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(z[i], 0);
    assert_null(ko_arena_calloc(&a, SIZE_MAX / 2, 4));
    assert_null(ko_arena_calloc(&a, SIZE_MAX, SIZE_MAX));
    assert_null(ko_arena_alloc(&a, SIZE_MAX));
    assert_null(ko_arena_alloc(&a, SIZE_MAX - 8));
    assert_non_null(ko_arena_calloc(&a, 0, 8));
    ko_arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_names),
        cmocka_unit_test(test_err_set_prefix),
        cmocka_unit_test(test_err_truncation),
        cmocka_unit_test(test_err_errno),
        cmocka_unit_test(test_buf_growth),
        cmocka_unit_test(test_buf_appendf_detach_reset),
        cmocka_unit_test(test_arena_alignment),
        cmocka_unit_test(test_arena_big_and_reuse),
        cmocka_unit_test(test_arena_strings_calloc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
