/*
 * test_cat_idem.c - the catalog's stored Idempotency-Key responses
 * (ko_cat_idem_get / _put: found, replaced, expired, deleted when expired,
 * kept across a reopen) and group-committed audit records
 * (ko_cat_audit_append_many: consecutive ids in order, one chain that
 * verifies, all or none on a bad record).  On SQLite always, and on
 * PostgreSQL too when KO_TEST_PG_DSN names a server (tests/with-postgres).
 */
#include "testutil.h"

#include "catalog/catalog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct fixture {
    char *dir;
    char uri[1024];
    ko_cat *cat;
    ko_arena a;
    char prefix[64]; /* keys unique to this run (a shared PostgreSQL database) */
} fixture;

static int setup_with(void **state, const char *dsn)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    if (dsn) {
        snprintf(f->uri, sizeof f->uri, "%s", dsn);
    } else {
        f->dir = tu_mkdtemp();
        snprintf(f->uri, sizeof f->uri, "sqlite:%s/catalog.db", f->dir);
    }
    snprintf(f->prefix, sizeof f->prefix, "run-%lld-", (long long)ko_now_us());
    ko_err err = {0};
    TU_OK(ko_cat_open(f->uri, NULL, &f->cat, &err), &err);
    *state = f;
    return 0;
}

static int setup_sqlite(void **state)
{
    return setup_with(state, NULL);
}

static int setup_pg(void **state)
{
    const char *dsn = getenv("KO_TEST_PG_DSN");
    if (!dsn || !*dsn) {
        *state = NULL;
        return 0;
    }
    return setup_with(state, dsn);
}

static int teardown(void **state)
{
    fixture *f = *state;
    if (!f)
        return 0;
    ko_cat_close(f->cat);
    ko_arena_free(&f->a);
    if (f->dir) {
        tu_rmtree(f->dir);
        free(f->dir);
    }
    free(f);
    return 0;
}

static const char *key(fixture *f, const char *k)
{
    return ko_arena_sprintf(&f->a, "%s%s", f->prefix, k);
}

static void test_idem(void **state)
{
    fixture *f = *state;
    if (!f) {
        skip();
        return;
    }
    ko_err err = {0};
    int64_t now = ko_now_us();
    ko_cat_idem got;
    bool found = true;
    TU_OK(ko_cat_idem_get(f->cat, key(f, "a"), now, &f->a, &got, &found, &err), &err);
    assert_false(found);

    ko_cat_idem rec = {200, "application/json", "\"e1\"", "{\"x\":1}", now + 60 * (int64_t)1000000};
    TU_OK(ko_cat_idem_put(f->cat, key(f, "a"), &rec, now, &err), &err);
    TU_OK(ko_cat_idem_get(f->cat, key(f, "a"), now, &f->a, &got, &found, &err), &err);
    assert_true(found);
    assert_int_equal(got.status, 200);
    assert_string_equal(got.ctype, "application/json");
    assert_string_equal(got.etag, "\"e1\"");
    assert_string_equal(got.body, "{\"x\":1}");
    assert_true(got.expires_us == rec.expires_us);

    /* Replaced by a second put; NULL fields stay NULL. */
    ko_cat_idem rec2 = {409, NULL, NULL, "{\"error\":{}}", now + 60 * (int64_t)1000000};
    TU_OK(ko_cat_idem_put(f->cat, key(f, "a"), &rec2, now, &err), &err);
    TU_OK(ko_cat_idem_get(f->cat, key(f, "a"), now, &f->a, &got, &found, &err), &err);
    assert_true(found);
    assert_int_equal(got.status, 409);
    assert_null(got.ctype);
    assert_null(got.etag);

    /* Survives a reopen (another process, a restarted server). */
    ko_cat_close(f->cat);
    f->cat = NULL;
    TU_OK(ko_cat_open(f->uri, NULL, &f->cat, &err), &err);
    TU_OK(ko_cat_idem_get(f->cat, key(f, "a"), now, &f->a, &got, &found, &err), &err);
    assert_true(found);
    assert_string_equal(got.body, "{\"error\":{}}");

    /* Expired: not returned, and deleted by the next put. */
    ko_cat_idem old = {201, NULL, NULL, "{}", now + 1000};
    TU_OK(ko_cat_idem_put(f->cat, key(f, "b"), &old, now, &err), &err);
    TU_OK(ko_cat_idem_get(f->cat, key(f, "b"), now, &f->a, &got, &found, &err), &err);
    assert_true(found);
    TU_OK(ko_cat_idem_get(f->cat, key(f, "b"), now + 2000, &f->a, &got, &found, &err), &err);
    assert_false(found);
    TU_OK(ko_cat_idem_put(f->cat, key(f, "c"), &rec, now + 2000, &err), &err);
    TU_OK(ko_cat_idem_get(f->cat, key(f, "b"), 0, &f->a, &got, &found, &err), &err);
    assert_false(found); /* gone, not only hidden */

    ko_cat_idem bad = {200, NULL, NULL, NULL, now};
    assert_int_equal(ko_cat_idem_put(f->cat, key(f, "d"), &bad, now, &err), KO_ERR_INVALID);
}

static void test_audit_many(void **state)
{
    fixture *f = *state;
    if (!f) {
        skip();
        return;
    }
    ko_err err = {0};
    int64_t before = 0;
    TU_OK(ko_cat_audit_verify(f->cat, &before, &err), &err);
    ko_cat_audit_new recs[3] = {
        {{"ann", "{\"statement\":\"select 1\"}"}, "query", "sql", NULL, NULL},
        {{"bob", "{\"statement\":\"select 2\"}"}, "query", "sql", NULL, NULL},
        {{NULL, NULL}, "query", "sql", NULL, NULL},
    };
    int64_t first = 0;
    TU_OK(ko_cat_audit_append_many(f->cat, recs, 3, &first, &err), &err);
    assert_true(first == before + 1);
    int64_t after = 0;
    TU_OK(ko_cat_audit_verify(f->cat, &after, &err), &err);
    assert_true(after == before + 3);

    ko_cat_audit_filter flt = {0};
    flt.action = "query";
    ko_cat_audit_page page = {0};
    TU_OK(ko_cat_audit_list(f->cat, &flt, NULL, 1000, &f->a, &page, &err), &err);
    size_t n = page.len;
    assert_true(n >= 3);
    assert_string_equal(page.items[n - 3].principal, "ann");
    assert_string_equal(page.items[n - 2].principal, "bob");
    assert_string_equal(page.items[n - 1].principal, "anonymous");
    assert_true(page.items[n - 1].id == first + 2);

    /* A bad record: nothing of the batch is written. */
    recs[1].chg.summary = "not json";
    assert_int_equal(ko_cat_audit_append_many(f->cat, recs, 3, NULL, &err), KO_ERR_INVALID);
    TU_OK(ko_cat_audit_verify(f->cat, &after, &err), &err);
    assert_true(after == before + 3);
    TU_OK(ko_cat_audit_append_many(f->cat, recs, 0, NULL, &err), &err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_idem, setup_sqlite, teardown),
        cmocka_unit_test_setup_teardown(test_audit_many, setup_sqlite, teardown),
        cmocka_unit_test_setup_teardown(test_idem, setup_pg, teardown),
        cmocka_unit_test_setup_teardown(test_audit_many, setup_pg, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
