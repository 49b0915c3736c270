/*
 * test_server_auth.c - bearer tokens in the catalog (catalog/token.c): the
 * salted SHA-256 against known vectors, the token format, create / get /
 * verify / revoke / list on a real SQLite catalog, audit records with the
 * acting principal, and that nothing stored reveals the secret.
 */
#include "testutil.h"

#include "catalog/catalog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_hash_vectors(void **state)
{
    (void)state;
    char out[65];
    ko_err err = {0};
    /* python3: hashlib.sha256(bytes(16) + b'abc').hexdigest() */
    TU_OK(ko_cat_token_hash("00000000000000000000000000000000", "abc", out, &err), &err);
    assert_string_equal(out, "277e7ff6d232b9763f4a66e8d05d210da32dac9c6dbce1026ad4cc98acb5fefe");
    /* hashlib.sha256(bytes(range(16)) + b'secret').hexdigest() */
    TU_OK(ko_cat_token_hash("000102030405060708090a0b0c0d0e0f", "secret", out, &err), &err);
    assert_string_equal(out, "67557c0d86179c45199f096d85b7aeb2b8b34bf423c403ba517f72bcc5913c4c");
    assert_int_equal(ko_cat_token_hash("abc", "x", out, &err), KO_ERR_CORRUPT);
    assert_int_equal(ko_cat_token_hash("zz000000000000000000000000000000", "x", out, &err),
                     KO_ERR_CORRUPT);
}

static void test_split(void **state)
{
    (void)state;
    ko_arena a = {0};
    const char *id = NULL, *secret = NULL;
    char good[128];
    snprintf(good, sizeof good, "kor_0123456789abcdef_%064d", 7);
    assert_true(ko_cat_token_split(good, &a, &id, &secret));
    assert_string_equal(id, "0123456789abcdef");
    assert_int_equal(strlen(secret), 64);
    assert_false(ko_cat_token_split("kor_short_x", &a, &id, &secret));
    assert_false(ko_cat_token_split(good + 1, &a, &id, &secret));
    good[10] = 'G';
    assert_false(ko_cat_token_split(good, &a, &id, &secret));
    assert_false(ko_cat_token_split(NULL, &a, &id, &secret));
    ko_arena_free(&a);
}

/* The whole lifecycle on the catalog at uri (fresh). */
static void lifecycle(const char *uri)
{
    ko_cat *cat = NULL;
    ko_err err = {0};
    ko_arena a = {0};
    TU_OK(ko_cat_open(uri, NULL, &cat, &err), &err);
    ko_cat_change chg = {"root-user", NULL};
    char tok1[KO_CAT_TOKEN_MAX], tok2[KO_CAT_TOKEN_MAX], id1[17], id2[17];
    TU_OK(ko_cat_token_create(cat, &chg, "alice", "writer", "sales", tok1, id1, &err), &err);
    TU_OK(ko_cat_token_create(cat, &chg, "bob", "reader", NULL, tok2, id2, &err), &err);
    assert_string_not_equal(tok1, tok2);
    assert_int_equal(ko_cat_token_create(cat, &chg, "eve", "root", NULL, tok2, NULL, &err),
                     KO_ERR_INVALID);

    const char *id = NULL, *secret = NULL;
    assert_true(ko_cat_token_split(tok1, &a, &id, &secret));
    assert_string_equal(id, id1);
    ko_cat_token row;
    TU_OK(ko_cat_token_get(cat, id, &a, &row, &err), &err);
    assert_string_equal(row.principal, "alice");
    assert_string_equal(row.role, "writer");
    assert_string_equal(row.ns, "sales");
    assert_int_equal(row.revoked_us, 0);
    assert_true(ko_cat_token_matches(&row, secret));
    /* The row holds neither the token nor its secret. */
    assert_null(strstr(row.hash, secret));
    assert_null(strstr(row.salt, secret));
    char wrong[65];
    memcpy(wrong, secret, 65);
    wrong[0] = wrong[0] == 'a' ? 'b' : 'a';
    assert_false(ko_cat_token_matches(&row, wrong));
    assert_false(ko_cat_token_matches(&row, ""));

    TU_OK(ko_cat_token_revoke(cat, &chg, id1, &err), &err);
    TU_OK(ko_cat_token_revoke(cat, &chg, id1, &err), &err); /* twice is fine */
    TU_OK(ko_cat_token_get(cat, id1, &a, &row, &err), &err);
    assert_true(row.revoked_us > 0);
    assert_int_equal(ko_cat_token_revoke(cat, &chg, "ffffffffffffffff", &err), KO_ERR_NOT_FOUND);
    assert_int_equal(ko_cat_token_get(cat, "ffffffffffffffff", &a, &row, &err), KO_ERR_NOT_FOUND);

    ko_cat_token *items = NULL;
    size_t n = 0;
    TU_OK(ko_cat_token_list(cat, &a, &items, &n, &err), &err);
    assert_int_equal(n, 2);
    assert_string_not_equal(items[0].salt, items[1].salt);

    ko_cat_audit_filter f = {.principal = "root-user"};
    ko_cat_audit_page page;
    TU_OK(ko_cat_audit_list(cat, &f, NULL, 0, &a, &page, &err), &err);
    assert_int_equal(page.len, 4); /* 2 creates, 2 revokes */
    assert_string_equal(page.items[0].action, "token.create");
    assert_string_equal(page.items[2].action, "token.revoke");
    assert_null(strstr(page.items[0].summary, secret));
    int64_t count = 0;
    TU_OK(ko_cat_audit_verify(cat, &count, &err), &err);
    assert_int_equal(count, 4);
    ko_cat_close(cat);
    ko_arena_free(&a);
}

static void test_lifecycle_sqlite(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    char uri[4096];
    snprintf(uri, sizeof uri, "sqlite:%s/catalog.db", dir);
    lifecycle(uri);
    tu_rmtree(dir);
    free(dir);
}

/* The same on PostgreSQL when KO_TEST_PG_DSN names a fresh server
 * (tests/with-postgres build/tests/test_server_auth). */
static void test_lifecycle_postgres(void **state)
{
    (void)state;
    const char *dsn = getenv("KO_TEST_PG_DSN");
    if (!dsn || !*dsn)
        skip();
    lifecycle(dsn);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash_vectors),
        cmocka_unit_test(test_split),
        cmocka_unit_test(test_lifecycle_sqlite),
        cmocka_unit_test(test_lifecycle_postgres),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
