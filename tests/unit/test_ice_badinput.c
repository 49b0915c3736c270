/*
 * test_ice_badinput.c - disallowed column type changes (issue 4, bar 6),
 * which have no CLI verb (tests/integration/iceberg_badinput.sh covers the
 * rest of the bad input through the CLI).
 *
 * A table with a column of each relevant type is evolved through
 * ko_ice_table_update_schema with ko_ice_schema_update_type.  Each change
 * that is not an allowed promotion (string -> int, long -> int, int ->
 * string, double -> float, narrower or rescaled decimals, date ->
 * timestamp (a v3 promotion), timestamp -> timestamptz, int -> double) and
 * a change of a missing column must fail with KO_ERR_INVALID (or
 * KO_ERR_NOT_FOUND) and a message naming the table, the column and both
 * types, and leave the catalog pointer, the audit trail and the table's
 * metadata directory exactly as they were.  The allowed promotions int ->
 * long, float -> double and decimal(10,2) -> decimal(12,2) then succeed,
 * each with one commit and one audit record.
 *
 * The catalog is SQLite, or the PostgreSQL server KO_TEST_PG_DSN names
 * (CTest runs this test a second time under tests/with-postgres).
 */
#include "ice_write_fixture.h"

static const char SCHEMA_JSON[] =
    "{\"type\":\"struct\",\"fields\":["
    "{\"id\":1,\"name\":\"id\",\"required\":true,\"type\":\"long\"},"
    "{\"id\":2,\"name\":\"name\",\"required\":false,\"type\":\"string\"},"
    "{\"id\":3,\"name\":\"n\",\"required\":false,\"type\":\"int\"},"
    "{\"id\":4,\"name\":\"amount\",\"required\":false,\"type\":\"double\"},"
    "{\"id\":5,\"name\":\"price\",\"required\":false,\"type\":\"decimal(10, 2)\"},"
    "{\"id\":6,\"name\":\"d\",\"required\":false,\"type\":\"date\"},"
    "{\"id\":7,\"name\":\"ts\",\"required\":false,\"type\":\"timestamp\"},"
    "{\"id\":8,\"name\":\"ratio\",\"required\":false,\"type\":\"float\"}]}";

/* A namespace per test (a PostgreSQL database serves them all) with table
 * t; the catalog is SQLite, or PostgreSQL when KO_TEST_PG_DSN is set. */
static int setup(void **state)
{
    static int n_setups;
    char ns[16];
    snprintf(ns, sizeof ns, "bad%d", ++n_setups);
    fx *f = fx_open(ns, true);
    print_message("catalog: %s\n", ko_cat_backend(f->cat));
    fx_create_table_json(f, "t", SCHEMA_JSON, "bucket(4, id)", NULL, 0);
    *state = f;
    return 0;
}

/* ------------------------------------------------------------ the state */

/* What a failed change must leave alone: the catalog pointer, the number
 * of audit records and the names in the table's metadata directory. */
typedef struct snapshot {
    char location[1024];
    int64_t audit;
    char files[8192];
} snapshot;

static void take(fx *f, snapshot *s)
{
    ko_err err = {0};
    ko_arena a = {0};
    ko_cat_table t;
    memset(s, 0, sizeof *s);
    TU_OK(ko_cat_table_load(f->cat, KO_CAT_NS(f->ns), "t", &a, &t, &err), &err);
    snprintf(s->location, sizeof s->location, "%s", t.location);
    TU_OK(ko_cat_audit_verify(f->cat, &s->audit, &err), &err);
    const char *token = NULL;
    size_t used = 0;
    char prefix[24];
    snprintf(prefix, sizeof prefix, "%s/t/", f->ns);
    do {
        ko_list_page page = {0};
        TU_OK(ko_store_list(f->store, prefix, token, 1000, &page, &err), &err);
        for (size_t i = 0; i < page.count; i++) {
            int k = snprintf(s->files + used, sizeof s->files - used, "%s\n", page.entries[i].key);
            assert_true(k > 0 && (size_t)k < sizeof s->files - used);
            used += (size_t)k;
        }
        token = page.next_token ? ko_arena_strdup(&a, page.next_token) : NULL;
        ko_list_page_free(&page);
    } while (token);
    ko_arena_free(&a);
}

/* ------------------------------------------------------------ changes */

typedef struct type_change {
    const char *column;
    const char *to; /* type text */
} type_change;

/* A ko_ice_schema_change_fn, hence the unused non-const last_column_id. */
static ko_status change_type(void *ctx, const ko_ice_schema *base,
                             int32_t *last_column_id, // NOLINT(readability-non-const-parameter)
                             ko_arena *arena, ko_ice_schema *out, ko_err *err)
{
    (void)last_column_id;
    const type_change *c = ctx;
    ko_ice_type t;
    ko_status st = ko_ice_type_parse(c->to, &t, err);
    return st == KO_OK ? ko_ice_schema_update_type(base, c->column, &t, arena, out, err) : st;
}

static ko_status apply(fx *f, const char *column, const char *to, ko_err *err)
{
    type_change c = {column, to};
    char what[128];
    snprintf(what, sizeof what, "change %s to %s", column, to);
    ko_ice_commit_info info;
    return ko_ice_table_update_schema(&f->wh, f->ns, "t", change_type, &c, what, NULL, &f->arena,
                                      &info, err);
}

static void expect_refused(fx *f, const char *column, const char *to, ko_status want,
                           const char *from)
{
    snapshot before, after;
    take(f, &before);
    ko_err err = {0};
    ko_status st = apply(f, column, to, &err);
    if (st != want)
        fail_msg("%s -> %s: got %s (%s), want %s", column, to, ko_status_name(st), err.msg,
                 ko_status_name(want));
    print_message("%s -> %s: %s\n", column, to, err.msg);
    char ident[24];
    snprintf(ident, sizeof ident, "%s.t", f->ns);
    assert_non_null(strstr(err.msg, ident));
    char name[80];
    snprintf(name, sizeof name, "'%s'", column);
    if (!strstr(err.msg, name) || (from && (!strstr(err.msg, from) || !strstr(err.msg, to))))
        fail_msg("%s -> %s: the message does not name the column and types: %s", column, to,
                 err.msg);
    take(f, &after);
    assert_string_equal(before.location, after.location);
    assert_int_equal(before.audit, after.audit);
    assert_string_equal(before.files, after.files);
}

static void test_disallowed_type_changes(void **state)
{
    fx *f = *state;
    expect_refused(f, "name", "int", KO_ERR_INVALID, "string");
    expect_refused(f, "id", "int", KO_ERR_INVALID, "long");
    expect_refused(f, "n", "string", KO_ERR_INVALID, "int");
    expect_refused(f, "n", "double", KO_ERR_INVALID, "int");
    expect_refused(f, "amount", "float", KO_ERR_INVALID, "double");
    expect_refused(f, "price", "decimal(8,2)", KO_ERR_INVALID, "decimal(10,2)");
    expect_refused(f, "price", "decimal(12,3)", KO_ERR_INVALID, "decimal(10,2)");
    expect_refused(f, "d", "timestamp", KO_ERR_INVALID, "date");
    expect_refused(f, "ts", "timestamptz", KO_ERR_INVALID, "timestamp");
    expect_refused(f, "ts", "date", KO_ERR_INVALID, "timestamp");
    expect_refused(f, "nope", "long", KO_ERR_NOT_FOUND, NULL);
}

static void expect_promoted(fx *f, const char *column, const char *to)
{
    snapshot before, after;
    take(f, &before);
    ko_err err = {0};
    TU_OK(apply(f, column, to, &err), &err);
    take(f, &after);
    assert_string_not_equal(before.location, after.location);
    assert_int_equal(after.audit, before.audit + 1);
    ko_ice_table t;
    TU_OK(ko_ice_table_load(&f->wh, f->ns, "t", &f->arena, &t, &err), &err);
    const ko_ice_field *fl =
        ko_ice_schema_find_name(ko_ice_meta_current_schema(&t.meta), column, false);
    assert_non_null(fl);
    char got[KO_ICE_TYPE_STR_MAX];
    ko_ice_type_format(&fl->type, got);
    assert_string_equal(got, to);
}

static void test_allowed_promotions(void **state)
{
    fx *f = *state;
    expect_promoted(f, "n", "long");
    expect_promoted(f, "ratio", "double");
    expect_promoted(f, "price", "decimal(12,2)");
    /* and after them the refusals still hold */
    expect_refused(f, "n", "int", KO_ERR_INVALID, "long");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_disallowed_type_changes, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_allowed_promotions, setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
