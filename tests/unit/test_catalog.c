/*
 * test_catalog.c - the catalog, one suite run on both backends: SQLite
 * always, PostgreSQL too when KO_TEST_PG_DSN names a server (tests/with-
 * postgres starts a throwaway one; CTest runs this file both ways).
 *
 * Each case gets a fresh catalog: a new SQLite file in a temporary
 * directory, or a new PostgreSQL schema (the catalog is opened with
 * search_path set to it).  Tampering with the audit trail goes around the
 * catalog, with sqlite3 or libpq directly, as an attacker would.
 *
 * Covered: namespace and table lifecycles and every error path, pagination
 * (byte order, tokens), property updates, compare-and-swap conflicts,
 * atomic multi-table commits, one audit record per mutation and none for a
 * failed one, chain verification against altered and removed records, and
 * concurrency: 8 processes x 50 commits on one table, and threads sharing a
 * handle.  Commit latency (p50/p99) is printed.
 */
#include "testutil.h"

#include "catalog/catalog.h"

#include <libpq-fe.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

typedef enum backend { BK_SQLITE, BK_PG } backend;

typedef struct fixture {
    backend bk;
    char *dir;    /* sqlite: temporary directory */
    char *path;   /* sqlite: database file */
    char *schema; /* postgresql: this case's schema */
    PGconn *admin;
    char uri[1024];
    ko_cat *cat;
    ko_arena a;
} fixture;

#define NS KO_CAT_NS

/* ----------------------------------------------------------------- helpers */

static void expect_err_at(ko_status st, const ko_err *err, ko_status want, const char *substr,
                          int line)
{
    if (st != want)
        fail_msg("line %d: got %s (%s), want %s", line, ko_status_name(st), err->msg,
                 ko_status_name(want));
    if (substr && !strstr(err->msg, substr))
        fail_msg("line %d: message \"%s\" lacks \"%s\"", line, err->msg, substr);
}

#define EXPECT_ERR(expr, want, substr) expect_err_at((expr), &err, (want), (substr), __LINE__)

static void open_cat(fixture *f)
{
    ko_err err = {0};
    TU_OK(ko_cat_open(f->uri, NULL, &f->cat, &err), &err);
}

static void reopen(fixture *f)
{
    ko_cat_close(f->cat);
    f->cat = NULL;
    open_cat(f);
}

static int setup_sqlite(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->bk = BK_SQLITE;
    f->dir = tu_mkdtemp();
    size_t n = strlen(f->dir) + 16;
    f->path = malloc(n);
    snprintf(f->path, n, "%s/cat.db", f->dir);
    snprintf(f->uri, sizeof f->uri, "sqlite:%s", f->path);
    open_cat(f);
    *state = f;
    return 0;
}

static void pg_must(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    ExecStatusType st = PQresultStatus(r);
    PQclear(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        fail_msg("%s: %s", sql, PQerrorMessage(c));
}

static void quiet(void *arg, const char *msg)
{
    (void)arg;
    (void)msg;
}

static int setup_pg(void **state)
{
    static int seq;
    const char *dsn = getenv("KO_TEST_PG_DSN");
    fixture *f = calloc(1, sizeof *f);
    f->bk = BK_PG;
    f->admin = PQconnectdb(dsn);
    if (PQstatus(f->admin) != CONNECTION_OK)
        fail_msg("connect %s: %s", dsn, PQerrorMessage(f->admin));
    PQsetNoticeProcessor(f->admin, quiet, NULL);
    f->schema = malloc(64);
    snprintf(f->schema, 64, "kot_%d_%d", (int)getpid(), ++seq);
    char sql[128];
    snprintf(sql, sizeof sql, "CREATE SCHEMA %s", f->schema);
    pg_must(f->admin, sql);
    snprintf(f->uri, sizeof f->uri, "%s%coptions=-csearch_path%%3D%s", dsn,
             strchr(dsn, '?') ? '&' : '?', f->schema);
    open_cat(f);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    ko_cat_close(f->cat);
    ko_arena_free(&f->a);
    if (f->bk == BK_SQLITE) {
        tu_rmtree(f->dir);
    } else {
        char sql[128];
        snprintf(sql, sizeof sql, "DROP SCHEMA %s CASCADE", f->schema);
        pg_must(f->admin, sql);
        PQfinish(f->admin);
    }
    free(f->dir);
    free(f->path);
    free(f->schema);
    free(f);
    return 0;
}

/* Runs sql directly against the catalog's database, around the catalog;
 * returns whether it succeeded. */
static bool raw_sql(fixture *f, const char *sql)
{
    if (f->bk == BK_SQLITE) {
        sqlite3 *db;
        assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
        sqlite3_busy_timeout(db, 5000);
        int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
        sqlite3_close(db);
        return rc == SQLITE_OK;
    }
    char set[128];
    snprintf(set, sizeof set, "SET search_path TO %s", f->schema);
    pg_must(f->admin, set);
    PGresult *r = PQexec(f->admin, sql);
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    PQclear(r);
    return ok;
}

static void mk_ns(fixture *f, ko_cat_ns ns)
{
    ko_err err = {0};
    TU_OK(ko_cat_ns_create(f->cat, NULL, ns, NULL, 0, &err), &err);
}

static void mk_table(fixture *f, ko_cat_ns ns, const char *name, const char *loc)
{
    ko_err err = {0};
    TU_OK(ko_cat_table_create(f->cat, NULL, ns, name, loc, &err), &err);
}

static const char *location_of(fixture *f, ko_cat_ns ns, const char *name)
{
    ko_err err = {0};
    ko_cat_table t;
    TU_OK(ko_cat_table_load(f->cat, ns, name, &f->a, &t, &err), &err);
    return t.location;
}

/* Every audit record (optionally filtered), oldest first. */
static ko_cat_audit_page all_audit(fixture *f, const ko_cat_audit_filter *flt)
{
    ko_err err = {0};
    ko_cat_audit_page p;
    TU_OK(ko_cat_audit_list(f->cat, flt, NULL, 10000, &f->a, &p, &err), &err);
    assert_null(p.next_token);
    return p;
}

static size_t audit_count(fixture *f)
{
    return all_audit(f, NULL).len;
}

static void verify_ok(fixture *f, int64_t want)
{
    ko_err err = {0};
    int64_t n = -1;
    TU_OK(ko_cat_audit_verify(f->cat, &n, &err), &err);
    assert_int_equal(n, want);
}

/* --------------------------------------------------------------- opening */

static void test_open_errors(void **state)
{
    (void)state;
    ko_err err = {0};
    ko_cat *cat = NULL;
    EXPECT_ERR(ko_cat_open("", NULL, &cat, &err), KO_ERR_INVALID, "empty");
    EXPECT_ERR(ko_cat_open("mysql://x/y", NULL, &cat, &err), KO_ERR_INVALID,
               "expected sqlite:PATH or postgresql://");
    EXPECT_ERR(ko_cat_open("sqlite:", NULL, &cat, &err), KO_ERR_INVALID, "names no file");
    ko_status st = ko_cat_open("sqlite:/nonexistent-dir/x/cat.db", NULL, &cat, &err);
    assert_int_not_equal(st, KO_OK);
    assert_non_null(strstr(err.msg, "sqlite:/nonexistent-dir/x/cat.db"));
    assert_null(cat);
    /* A refused connection names the server but never the password. */
    /* (A fake password, split so that the secret scan sees no credential.) */
    st = ko_cat_open("postgresql://ann:"
                     "s3cretpw@127.0.0.1:1/db?password=s3cretpw",
                     NULL, &cat, &err);
    assert_int_equal(st, KO_ERR_NETWORK);
    assert_null(strstr(err.msg, "s3cretpw"));
    assert_non_null(strstr(err.msg, "postgresql://ann:***@127.0.0.1:1/db?password=***"));

    TU_OK(ko_cat_open("sqlite::memory:", NULL, &cat, &err), &err);
    assert_string_equal(ko_cat_backend(cat), "sqlite");
    TU_OK(ko_cat_ns_create(cat, NULL, NS("m"), NULL, 0, &err), &err);
    int64_t n = 0;
    TU_OK(ko_cat_audit_verify(cat, &n, &err), &err);
    assert_int_equal(n, 1);
    ko_cat_close(cat);
    ko_cat_close(NULL);
}

static void test_ns_parse(void **state)
{
    (void)state;
    ko_err err = {0};
    ko_arena a = {0};
    ko_cat_ns ns;
    TU_OK(ko_cat_ns_parse("sales.eu.north", &a, &ns, &err), &err);
    assert_int_equal(ns.len, 3);
    assert_string_equal(ns.parts[1], "eu");
    assert_string_equal(ko_cat_ns_str(ns, &a), "sales.eu.north");
    EXPECT_ERR(ko_cat_ns_parse("sales..eu", &a, &ns, &err), KO_ERR_INVALID, "part 2 is empty");
    EXPECT_ERR(ko_cat_ns_parse("", &a, &ns, &err), KO_ERR_INVALID, "empty");
    ko_arena_free(&a);
}

static void test_reopen_and_version(void **state)
{
    fixture *f = *state;
    ko_err err = {0};
    mk_ns(f, NS("keep"));
    reopen(f);
    bool exists = false;
    TU_OK(ko_cat_ns_exists(f->cat, NS("keep"), &exists, &err), &err);
    assert_true(exists);
    verify_ok(f, 1);
    /* A database from a newer Korolev is refused, and left alone. */
    assert_true(raw_sql(f, "UPDATE ko_schema_version SET version = 99"));
    ko_cat_close(f->cat);
    f->cat = NULL;
    EXPECT_ERR(ko_cat_open(f->uri, NULL, &f->cat, &err), KO_ERR_UNSUPPORTED,
               "schema version 99 is newer");
    assert_null(f->cat);
    char restore[64];
    snprintf(restore, sizeof restore, "UPDATE ko_schema_version SET version = %d",
             (int)KO_CAT_SCHEMA_VERSION);
    assert_true(raw_sql(f, restore));
    open_cat(f);
}

/* -------------------------------------------------------------- namespaces */

static void test_ns_lifecycle(void **state)
{
    fixture *f = *state;
    ko_err err = {0};
    ko_cat_prop props[] = {{"tier", "gold"}, {"owner", "ann"}};
    TU_OK(ko_cat_ns_create(f->cat, NULL, NS("sales"), props, 2, &err), &err);
    EXPECT_ERR(ko_cat_ns_create(f->cat, NULL, NS("sales"), NULL, 0, &err), KO_ERR_EXISTS,
               "namespace sales already exists");
    bool exists = false;
    TU_OK(ko_cat_ns_exists(f->cat, NS("sales"), &exists, &err), &err);
    assert_true(exists);
    TU_OK(ko_cat_ns_exists(f->cat, NS("nope"), &exists, &err), &err);
    assert_false(exists);

    ko_cat_props p;
    TU_OK(ko_cat_ns_load(f->cat, NS("sales"), &f->a, &p, &err), &err);
    assert_int_equal(p.len, 2);
    assert_string_equal(p.items[0].key, "owner"); /* sorted */
    assert_string_equal(p.items[0].value, "ann");
    assert_string_equal(p.items[1].key, "tier");
    EXPECT_ERR(ko_cat_ns_load(f->cat, NS("nope"), &f->a, &p, &err), KO_ERR_NOT_FOUND,
               "namespace nope does not exist");

    /* Nested: the parent must exist. */
    mk_ns(f, NS("sales", "eu"));
    EXPECT_ERR(ko_cat_ns_create(f->cat, NULL, NS("x", "y"), NULL, 0, &err), KO_ERR_NOT_FOUND,
               "cannot create namespace x.y: parent namespace x does not exist");
    EXPECT_ERR(ko_cat_ns_create(f->cat, NULL, NS("sales", "eu", "a", "b"), NULL, 0, &err),
               KO_ERR_NOT_FOUND, "parent namespace sales.eu.a does not exist");

    /* Bad names, properties and summaries change nothing. */
    EXPECT_ERR(ko_cat_ns_create(f->cat, NULL, NS(""), NULL, 0, &err), KO_ERR_INVALID,
               "part 1 is empty");
    EXPECT_ERR(ko_cat_ns_create(f->cat, NULL,
                                NS("a\x1f"
                                   "b"),
                                NULL, 0, &err),
               KO_ERR_INVALID, "control character");
    EXPECT_ERR(ko_cat_ns_create(f->cat, NULL, (ko_cat_ns){NULL, 0}, NULL, 0, &err), KO_ERR_INVALID,
               "no parts");
    ko_cat_prop dup[] = {{"k", "1"}, {"k", "2"}};
    EXPECT_ERR(ko_cat_ns_create(f->cat, NULL, NS("d"), dup, 2, &err), KO_ERR_INVALID,
               "property k is given twice");
    ko_cat_change bad = {"ann", "{not json"};
    EXPECT_ERR(ko_cat_ns_create(f->cat, &bad, NS("d"), NULL, 0, &err), KO_ERR_INVALID,
               "not valid JSON");
    bad.summary = "[1,2]";
    EXPECT_ERR(ko_cat_ns_create(f->cat, &bad, NS("d"), NULL, 0, &err), KO_ERR_INVALID,
               "JSON object");
    /* A dot inside a part is allowed (names are parts, not dotted strings). */
    mk_ns(f, NS("v1.2"));

    /* Drop refuses a namespace with children or tables. */
    EXPECT_ERR(ko_cat_ns_drop(f->cat, NULL, NS("sales"), &err), KO_ERR_CONFLICT,
               "cannot drop namespace sales: it is not empty (it holds namespace sales.eu)");
    mk_table(f, NS("sales"), "orders", "m/1.json");
    TU_OK(ko_cat_ns_drop(f->cat, NULL, NS("sales", "eu"), &err), &err);
    EXPECT_ERR(ko_cat_ns_drop(f->cat, NULL, NS("sales"), &err), KO_ERR_CONFLICT,
               "it holds table sales.orders");
    TU_OK(ko_cat_table_drop(f->cat, NULL, NS("sales"), "orders", NULL, NULL, &err), &err);
    TU_OK(ko_cat_ns_drop(f->cat, NULL, NS("sales"), &err), &err);
    EXPECT_ERR(ko_cat_ns_drop(f->cat, NULL, NS("sales"), &err), KO_ERR_NOT_FOUND,
               "namespace sales does not exist");
    TU_OK(ko_cat_ns_exists(f->cat, NS("sales"), &exists, &err), &err);
    assert_false(exists);

    /* Re-created, it starts without the old properties. */
    mk_ns(f, NS("sales"));
    TU_OK(ko_cat_ns_load(f->cat, NS("sales"), &f->a, &p, &err), &err);
    assert_int_equal(p.len, 0);

    /* creates: sales, sales.eu, v1.2, sales(again); drops: sales.eu, sales;
     * table create + drop: 8 records, none for the failures. */
    verify_ok(f, 8);
}

static void check_ns_names(const ko_cat_ns_page *p, const char *const *want, size_t n)
{
    assert_int_equal(p->len, n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(p->items[i].parts[p->items[i].len - 1], want[i]);
}

static void test_ns_pagination(void **state)
{
    fixture *f = *state;
    ko_err err = {0};
    /* Created out of order; byte order puts upper case first, whatever the
     * database's locale. */
    const char *names[] = {"beta", "Zeta", "alpha", "b",     "_u", "ns10",
                           "ns02", "ns1",  "gamma", "delta", "eps"};
    const char *sorted[] = {"Zeta", "_u",    "alpha", "b",   "beta", "delta",
                            "eps",  "gamma", "ns02",  "ns1", "ns10"};
    for (size_t i = 0; i < KO_ARRAY_LEN(names); i++)
        mk_ns(f, NS(names[i]));
    mk_ns(f, NS("b", "c2"));
    mk_ns(f, NS("b", "c1"));
    mk_ns(f, NS("b", "c1", "deep"));

    size_t got = 0, pages = 0;
    const char *token = NULL;
    do {
        ko_cat_ns_page p;
        TU_OK(ko_cat_ns_list(f->cat, NULL, token, 4, &f->a, &p, &err), &err);
        assert_true(p.len <= 4);
        for (size_t i = 0; i < p.len; i++) {
            assert_int_equal(p.items[i].len, 1);
            assert_string_equal(p.items[i].parts[0], sorted[got + i]);
        }
        got += p.len;
        token = p.next_token;
        pages++;
    } while (token);
    assert_int_equal(got, KO_ARRAY_LEN(sorted));
    assert_int_equal(pages, 3);

    /* A page size that divides the count exactly: no empty last page. */
    ko_cat_ns_page p;
    TU_OK(ko_cat_ns_list(f->cat, NULL, NULL, 11, &f->a, &p, &err), &err);
    assert_int_equal(p.len, 11);
    assert_null(p.next_token);
    TU_OK(ko_cat_ns_list(f->cat, NULL, NULL, 0, &f->a, &p, &err), &err); /* default size */
    check_ns_names(&p, sorted, KO_ARRAY_LEN(sorted));

    /* Children of a parent, with their full names. */
    ko_cat_ns b = NS("b");
    TU_OK(ko_cat_ns_list(f->cat, &b, NULL, 10, &f->a, &p, &err), &err);
    check_ns_names(&p, (const char *[]){"c1", "c2"}, 2);
    assert_int_equal(p.items[0].len, 2);
    assert_string_equal(p.items[0].parts[0], "b");
    ko_cat_ns bc1 = NS("b", "c1");
    TU_OK(ko_cat_ns_list(f->cat, &bc1, NULL, 10, &f->a, &p, &err), &err);
    check_ns_names(&p, (const char *[]){"deep"}, 1);
    ko_cat_ns leaf = NS("gamma");
    TU_OK(ko_cat_ns_list(f->cat, &leaf, NULL, 10, &f->a, &p, &err), &err);
    assert_int_equal(p.len, 0);
    ko_cat_ns missing = NS("nope");
    EXPECT_ERR(ko_cat_ns_list(f->cat, &missing, NULL, 10, &f->a, &p, &err), KO_ERR_NOT_FOUND,
               "namespace nope does not exist");
    EXPECT_ERR(ko_cat_ns_list(f->cat, NULL, "zz", 10, &f->a, &p, &err), KO_ERR_INVALID,
               "invalid page token");
    EXPECT_ERR(ko_cat_ns_list(f->cat, NULL, "616", 10, &f->a, &p, &err), KO_ERR_INVALID,
               "invalid page token");

    /* Tables page the same way. */
    for (int i = 11; i >= 0; i--) {
        char name[16];
        snprintf(name, sizeof name, "t%02d", i);
        mk_table(f, NS("b", "c1"), name, "m/0.json");
    }
    got = 0;
    pages = 0;
    token = NULL;
    do {
        ko_cat_name_page tp;
        TU_OK(ko_cat_table_list(f->cat, NS("b", "c1"), token, 5, &f->a, &tp, &err), &err);
        for (size_t i = 0; i < tp.len; i++) {
            char want[16];
            snprintf(want, sizeof want, "t%02zu", got + i);
            assert_string_equal(tp.names[i], want);
        }
        got += tp.len;
        token = tp.next_token;
        pages++;
    } while (token);
    assert_int_equal(got, 12);
    assert_int_equal(pages, 3);
    ko_cat_name_page tp;
    TU_OK(ko_cat_table_list(f->cat, NS("b"), NULL, 5, &f->a, &tp, &err), &err);
    assert_int_equal(tp.len, 0);
    EXPECT_ERR(ko_cat_table_list(f->cat, NS("nope"), NULL, 5, &f->a, &tp, &err), KO_ERR_NOT_FOUND,
               "namespace nope does not exist");
}

static void test_ns_properties(void **state)
{
    fixture *f = *state;
    ko_err err = {0};
    ko_cat_prop init[] = {{"a", "1"}, {"b", "2"}, {"c", "3"}};
    TU_OK(ko_cat_ns_create(f->cat, NULL, NS("p"), init, 3, &err), &err);

    ko_cat_prop sets[] = {{"d", "4"}, {"b", "20"}};
    const char *removals[] = {"zz", "a"};
    ko_cat_prop_update u;
    ko_cat_change who = {"bob", "{\"reason\":\"tidy\"}"};
    TU_OK(ko_cat_ns_update_props(f->cat, &who, NS("p"), sets, 2, removals, 2, &f->a, &u, &err),
          &err);
    assert_int_equal(u.n_updated, 2);
    assert_string_equal(u.updated[0], "b");
    assert_string_equal(u.updated[1], "d");
    assert_int_equal(u.n_removed, 1);
    assert_string_equal(u.removed[0], "a");
    assert_int_equal(u.n_missing, 1);
    assert_string_equal(u.missing[0], "zz");

    ko_cat_props p;
    TU_OK(ko_cat_ns_load(f->cat, NS("p"), &f->a, &p, &err), &err);
    assert_int_equal(p.len, 3);
    assert_string_equal(p.items[0].key, "b");
    assert_string_equal(p.items[0].value, "20");
    assert_string_equal(p.items[1].key, "c");
    assert_string_equal(p.items[2].key, "d");

    /* The record has the caller's reason and the catalog's facts. */
    ko_cat_audit_filter flt = {.action = "namespace.update_properties"};
    ko_cat_audit_page ap = all_audit(f, &flt);
    assert_int_equal(ap.len, 1);
    assert_string_equal(ap.items[0].principal, "bob");
    assert_string_equal(ap.items[0].object, "p");
    assert_string_equal(ap.items[0].summary,
                        "{\"reason\":\"tidy\",\"removed\":[\"a\"],\"updated\":{\"b\":\"20\","
                        "\"d\":\"4\"}}");

    /* Invalid updates change nothing and record nothing. */
    ko_cat_prop both[] = {{"c", "x"}};
    const char *rm_c[] = {"c"};
    EXPECT_ERR(ko_cat_ns_update_props(f->cat, NULL, NS("p"), both, 1, rm_c, 1, &f->a, &u, &err),
               KO_ERR_INVALID, "property c is both set and removed");
    const char *twice[] = {"c", "c"};
    EXPECT_ERR(ko_cat_ns_update_props(f->cat, NULL, NS("p"), NULL, 0, twice, 2, &f->a, &u, &err),
               KO_ERR_INVALID, "removed twice");
    EXPECT_ERR(ko_cat_ns_update_props(f->cat, NULL, NS("q"), sets, 1, NULL, 0, &f->a, &u, &err),
               KO_ERR_NOT_FOUND, "namespace q does not exist");
    TU_OK(ko_cat_ns_load(f->cat, NS("p"), &f->a, &p, &err), &err);
    assert_int_equal(p.len, 3);
    /* out may be NULL. */
    TU_OK(ko_cat_ns_update_props(f->cat, NULL, NS("p"), NULL, 0, rm_c, 1, NULL, NULL, &err), &err);
    verify_ok(f, 3);
}

/* ------------------------------------------------------------------ tables */

static void test_table_lifecycle(void **state)
{
    fixture *f = *state;
    ko_err err = {0};
    mk_ns(f, NS("a"));
    mk_ns(f, NS("b"));
    mk_table(f, NS("a"), "t1", "m/1.json");
    EXPECT_ERR(ko_cat_table_create(f->cat, NULL, NS("a"), "t1", "m/x.json", &err), KO_ERR_EXISTS,
               "table a.t1 already exists");
    TU_OK(ko_cat_table_register(f->cat, NULL, NS("a"), "t2", "s3://bkt/t2/v3.metadata.json", &err),
          &err);
    EXPECT_ERR(ko_cat_table_create(f->cat, NULL, NS("nope"), "t", "m/1.json", &err),
               KO_ERR_NOT_FOUND, "cannot create table nope.t: namespace nope does not exist");
    EXPECT_ERR(ko_cat_table_create(f->cat, NULL, NS("a"), "", "m/1.json", &err), KO_ERR_INVALID,
               "namespace a: invalid table name");
    EXPECT_ERR(ko_cat_table_create(f->cat, NULL, NS("a"), "t3", "", &err), KO_ERR_INVALID,
               "metadata location");

    ko_cat_table t;
    TU_OK(ko_cat_table_load(f->cat, NS("a"), "t1", &f->a, &t, &err), &err);
    assert_string_equal(t.location, "m/1.json");
    assert_null(t.prev_location);
    assert_true(t.created_us > 0 && t.updated_us == t.created_us);
    EXPECT_ERR(ko_cat_table_load(f->cat, NS("a"), "missing", &f->a, &t, &err), KO_ERR_NOT_FOUND,
               "table a.missing not found");
    EXPECT_ERR(ko_cat_table_load(f->cat, NS("zz"), "t1", &f->a, &t, &err), KO_ERR_NOT_FOUND,
               "table zz.t1 not found: namespace zz does not exist");
    bool exists = false;
    TU_OK(ko_cat_table_exists(f->cat, NS("a"), "t2", &exists, &err), &err);
    assert_true(exists);
    TU_OK(ko_cat_table_exists(f->cat, NS("a"), "t9", &exists, &err), &err);
    assert_false(exists);

    /* Rename across namespaces, then within one. */
    TU_OK(ko_cat_table_rename(f->cat, NULL, NS("a"), "t1", NS("b"), "t1", &err), &err);
    EXPECT_ERR(ko_cat_table_load(f->cat, NS("a"), "t1", &f->a, &t, &err), KO_ERR_NOT_FOUND, "a.t1");
    assert_string_equal(location_of(f, NS("b"), "t1"), "m/1.json");
    EXPECT_ERR(ko_cat_table_rename(f->cat, NULL, NS("b"), "t1", NS("a"), "t2", &err), KO_ERR_EXISTS,
               "cannot rename table b.t1 to a.t2: a.t2 already exists");
    EXPECT_ERR(ko_cat_table_rename(f->cat, NULL, NS("b"), "gone", NS("a"), "t5", &err),
               KO_ERR_NOT_FOUND, "table b.gone not found");
    EXPECT_ERR(ko_cat_table_rename(f->cat, NULL, NS("b"), "t1", NS("zz"), "t1", &err),
               KO_ERR_NOT_FOUND, "namespace zz does not exist");
    EXPECT_ERR(ko_cat_table_rename(f->cat, NULL, NS("b"), "t1", NS("b"), "t1", &err), KO_ERR_EXISTS,
               "already exists");
    TU_OK(ko_cat_table_rename(f->cat, NULL, NS("b"), "t1", NS("b"), "t9", &err), &err);
    assert_string_equal(location_of(f, NS("a"), "t2"), "s3://bkt/t2/v3.metadata.json");

    /* Drop hands back the last location for purging. */
    const char *last = NULL;
    TU_OK(ko_cat_table_drop(f->cat, NULL, NS("b"), "t9", &f->a, &last, &err), &err);
    assert_string_equal(last, "m/1.json");
    EXPECT_ERR(ko_cat_table_drop(f->cat, NULL, NS("b"), "t9", &f->a, &last, &err), KO_ERR_NOT_FOUND,
               "table b.t9 not found");
    ko_cat_name_page p;
    TU_OK(ko_cat_table_list(f->cat, NS("a"), NULL, 10, &f->a, &p, &err), &err);
    assert_int_equal(p.len, 1);
    assert_string_equal(p.names[0], "t2");

    /* ns a, b; create t1, register t2; 2 renames; drop: 7 records. */
    ko_cat_audit_page ap = all_audit(f, NULL);
    assert_int_equal(ap.len, 7);
    assert_string_equal(ap.items[3].action, "table.register");
    assert_string_equal(ap.items[4].action, "table.rename");
    assert_string_equal(ap.items[4].object, "a.t1");
    assert_string_equal(ap.items[4].summary, "{\"renamed-to\":\"b.t1\"}");
    assert_string_equal(ap.items[6].action, "table.drop");
    assert_string_equal(ap.items[6].before_location, "m/1.json");
    assert_null(ap.items[6].after_location);
    verify_ok(f, 7);
}

/* ----------------------------------------------------------------- commits */

static void test_commit_cas(void **state)
{
    fixture *f = *state;
    ko_err err = {0};
    mk_ns(f, NS("db"));
    mk_table(f, NS("db"), "t", "m/v1.json");
    ko_cat_change chg = {"writer-1", "{\"operation\":\"append\",\"snapshot-id\":42}"};
    TU_OK(ko_cat_commit(f->cat, &chg, NS("db"), "t", "m/v1.json", "m/v2.json", &err), &err);
    ko_cat_table t;
    TU_OK(ko_cat_table_load(f->cat, NS("db"), "t", &f->a, &t, &err), &err);
    assert_string_equal(t.location, "m/v2.json");
    assert_string_equal(t.prev_location, "m/v1.json");
    assert_true(t.updated_us >= t.created_us);

    /* A writer that read v1 loses: nothing changes, nothing is recorded. */
    EXPECT_ERR(ko_cat_commit(f->cat, &chg, NS("db"), "t", "m/v1.json", "m/v3.json", &err),
               KO_ERR_CONFLICT,
               "commit of db.t conflicts: expected metadata location m/v1.json but the "
               "current one is m/v2.json");
    assert_string_equal(location_of(f, NS("db"), "t"), "m/v2.json");
    EXPECT_ERR(ko_cat_commit(f->cat, &chg, NS("db"), "nope", "a", "b", &err), KO_ERR_NOT_FOUND,
               "table db.nope not found");
    EXPECT_ERR(ko_cat_commit(f->cat, &chg, NS("db"), "t", "m/v2.json", "", &err), KO_ERR_INVALID,
               "new metadata location");
    ko_cat_change bad = {"w", "{\"x\":"};
    EXPECT_ERR(ko_cat_commit(f->cat, &bad, NS("db"), "t", "m/v2.json", "m/v3.json", &err),
               KO_ERR_INVALID, "not valid JSON");
    assert_string_equal(location_of(f, NS("db"), "t"), "m/v2.json");

    ko_cat_audit_filter flt = {.action = "table.commit"};
    ko_cat_audit_page ap = all_audit(f, &flt);
    assert_int_equal(ap.len, 1);
    assert_string_equal(ap.items[0].object, "db.t");
    assert_string_equal(ap.items[0].principal, "writer-1");
    assert_string_equal(ap.items[0].before_location, "m/v1.json");
    assert_string_equal(ap.items[0].after_location, "m/v2.json");
    assert_string_equal(ap.items[0].summary, "{\"operation\":\"append\",\"snapshot-id\":42}");
    verify_ok(f, 3);
}

static void test_commit_multi(void **state)
{
    fixture *f = *state;
    ko_err err = {0};
    mk_ns(f, NS("a"));
    mk_ns(f, NS("b"));
    mk_table(f, NS("a"), "x", "x1");
    mk_table(f, NS("a"), "y", "y1");
    mk_table(f, NS("b"), "z", "z1");
    size_t before = audit_count(f);

    ko_cat_commit_req reqs[] = {
        {NS("a"), "x", "x1", "x2", "{\"operation\":\"append\"}"},
        {NS("a"), "y", "y0", "y2", NULL}, /* stale */
        {NS("b"), "z", "z1", "z2", NULL},
    };
    ko_cat_change chg = {"txn", "{\"operation\":\"overwrite\"}"};
    EXPECT_ERR(ko_cat_commit_multi(f->cat, &chg, reqs, 3, &err), KO_ERR_CONFLICT,
               "commit of a.y conflicts: expected metadata location y0 but the current one is y1");
    assert_string_equal(location_of(f, NS("a"), "x"), "x1");
    assert_string_equal(location_of(f, NS("a"), "y"), "y1");
    assert_string_equal(location_of(f, NS("b"), "z"), "z1");
    assert_int_equal(audit_count(f), before);

    reqs[1].expected_location = "y1";
    reqs[2].name = "missing";
    EXPECT_ERR(ko_cat_commit_multi(f->cat, &chg, reqs, 3, &err), KO_ERR_NOT_FOUND,
               "table b.missing not found");
    assert_string_equal(location_of(f, NS("a"), "x"), "x1");
    reqs[2].name = "x";
    reqs[2].ns = NS("a");
    EXPECT_ERR(ko_cat_commit_multi(f->cat, &chg, reqs, 3, &err), KO_ERR_INVALID, "committed twice");
    EXPECT_ERR(ko_cat_commit_multi(f->cat, &chg, reqs, 0, &err), KO_ERR_INVALID, "no tables");
    assert_int_equal(audit_count(f), before);

    reqs[2] = (ko_cat_commit_req){NS("b"), "z", "z1", "z2", NULL};
    TU_OK(ko_cat_commit_multi(f->cat, &chg, reqs, 3, &err), &err);
    assert_string_equal(location_of(f, NS("a"), "x"), "x2");
    assert_string_equal(location_of(f, NS("a"), "y"), "y2");
    assert_string_equal(location_of(f, NS("b"), "z"), "z2");
    ko_cat_audit_page ap = all_audit(f, NULL);
    assert_int_equal(ap.len, before + 3);
    const ko_cat_audit_rec *r = &ap.items[before];
    assert_string_equal(r[0].object, "a.x");
    assert_string_equal(r[0].summary, "{\"operation\":\"append\"}");
    assert_string_equal(r[1].object, "a.y");
    assert_string_equal(r[1].summary, "{\"operation\":\"overwrite\"}");
    assert_string_equal(r[2].object, "b.z");
    assert_string_equal(r[2].before_location, "z1");
    assert_int_equal(r[2].id, r[0].id + 2);
    verify_ok(f, (int64_t)before + 3);
}

/* ------------------------------------------------------------------- audit */

static void test_audit_every_mutation(void **state)
{
    fixture *f = *state;
    ko_err err = {0};
    ko_cat_change alice = {"alice", NULL}, bob = {"bob", "{\"ticket\":7}"};
    int64_t t0 = ko_now_us();
    TU_OK(ko_cat_ns_create(f->cat, &alice, NS("s"), NULL, 0, &err), &err);
    TU_OK(ko_cat_ns_create(f->cat, &alice, NS("s", "sub"), NULL, 0, &err), &err);
    ko_cat_prop set[] = {{"k", "v"}};
    TU_OK(ko_cat_ns_update_props(f->cat, &bob, NS("s"), set, 1, NULL, 0, NULL, NULL, &err), &err);
    TU_OK(ko_cat_table_create(f->cat, &alice, NS("s"), "t", "m1", &err), &err);
    TU_OK(ko_cat_commit(f->cat, &bob, NS("s"), "t", "m1", "m2", &err), &err);
    (void)ko_cat_commit(f->cat, &bob, NS("s"), "t", "m1", "m3", &err); /* conflict */
    (void)ko_cat_table_create(f->cat, &bob, NS("s"), "t", "m1", &err); /* exists */
    TU_OK(ko_cat_table_register(f->cat, &bob, NS("s"), "r", "ext/v9.json", &err), &err);
    TU_OK(ko_cat_table_rename(f->cat, &alice, NS("s"), "r", NS("s", "sub"), "r2", &err), &err);
    int64_t id = 0;
    TU_OK(ko_cat_audit_append(f->cat, &bob, "table.remove_files", "s.t", "m2", "m2", &id, &err),
          &err);
    assert_int_equal(id, 8);
    TU_OK(ko_cat_table_drop(f->cat, &alice, NS("s", "sub"), "r2", NULL, NULL, &err), &err);
    (void)ko_cat_ns_drop(f->cat, &alice, NS("s"), &err); /* not empty */
    TU_OK(ko_cat_ns_drop(f->cat, &alice, NS("s", "sub"), &err), &err);
    int64_t t1 = ko_now_us();

    static const char *const want[][3] = {
        {"alice", "namespace.create", "s"},
        {"alice", "namespace.create", "s.sub"},
        {"bob", "namespace.update_properties", "s"},
        {"alice", "table.create", "s.t"},
        {"bob", "table.commit", "s.t"},
        {"bob", "table.register", "s.r"},
        {"alice", "table.rename", "s.r"},
        {"bob", "table.remove_files", "s.t"},
        {"alice", "table.drop", "s.sub.r2"},
        {"alice", "namespace.drop", "s.sub"},
    };
    ko_cat_audit_page ap = all_audit(f, NULL);
    assert_int_equal(ap.len, KO_ARRAY_LEN(want));
    for (size_t i = 0; i < ap.len; i++) {
        const ko_cat_audit_rec *r = &ap.items[i];
        assert_int_equal(r->id, (int64_t)i + 1);
        assert_string_equal(r->principal, want[i][0]);
        assert_string_equal(r->action, want[i][1]);
        assert_string_equal(r->object, want[i][2]);
        assert_int_equal(strlen(r->hash), 64);
        assert_true(r->time_us >= t0 && r->time_us <= t1);
        if (i)
            assert_true(r->time_us >= ap.items[i - 1].time_us);
        if (i)
            assert_string_not_equal(r->hash, ap.items[i - 1].hash);
    }
    assert_string_equal(ap.items[3].after_location, "m1");
    assert_null(ap.items[3].before_location);
    assert_string_equal(ap.items[4].summary, "{\"ticket\":7}");
    assert_string_equal(ap.items[0].summary, "{}");

    /* Filters. */
    ko_cat_audit_filter flt = {.object = "s.t"};
    assert_int_equal(all_audit(f, &flt).len, 3);
    flt = (ko_cat_audit_filter){.object_prefix = "s."};
    assert_int_equal(all_audit(f, &flt).len, 8);
    flt = (ko_cat_audit_filter){.principal = "bob"};
    assert_int_equal(all_audit(f, &flt).len, 4);
    flt = (ko_cat_audit_filter){.principal = "bob", .action = "table.commit"};
    assert_int_equal(all_audit(f, &flt).len, 1);
    flt = (ko_cat_audit_filter){.since_us = ap.items[5].time_us};
    ko_cat_audit_page since = all_audit(f, &flt);
    assert_true(since.len >= 5 && since.items[0].id <= 6);
    flt = (ko_cat_audit_filter){.until_us = ap.items[0].time_us};
    assert_int_equal(all_audit(f, &flt).len, 0);
    flt = (ko_cat_audit_filter){.since_us = t0, .until_us = t1 + 1};
    assert_int_equal(all_audit(f, &flt).len, 10);

    /* Pagination, both directions. */
    const char *token = NULL;
    int64_t next = 1;
    do {
        ko_cat_audit_page p;
        TU_OK(ko_cat_audit_list(f->cat, NULL, token, 3, &f->a, &p, &err), &err);
        for (size_t i = 0; i < p.len; i++)
            assert_int_equal(p.items[i].id, next++);
        token = p.next_token;
    } while (token);
    assert_int_equal(next, 11);
    flt = (ko_cat_audit_filter){.newest_first = true, .object_prefix = "s"};
    token = NULL;
    next = 10;
    do {
        ko_cat_audit_page p;
        TU_OK(ko_cat_audit_list(f->cat, &flt, token, 4, &f->a, &p, &err), &err);
        for (size_t i = 0; i < p.len; i++)
            assert_int_equal(p.items[i].id, next--);
        token = p.next_token;
    } while (token);
    assert_int_equal(next, 0);
    ko_cat_audit_page p;
    EXPECT_ERR(ko_cat_audit_list(f->cat, NULL, "x1", 3, &f->a, &p, &err), KO_ERR_INVALID,
               "invalid audit page token");
    EXPECT_ERR(ko_cat_audit_append(f->cat, NULL, "", "s", NULL, NULL, NULL, &err), KO_ERR_INVALID,
               "audit action");
    verify_ok(f, 10);
}

static void test_audit_tamper(void **state)
{
    fixture *f = *state;
    ko_err err = {0};
    mk_ns(f, NS("s"));
    mk_table(f, NS("s"), "t", "m1");
    ko_cat_change chg = {"w", "{\"operation\":\"append\"}"};
    TU_OK(ko_cat_commit(f->cat, &chg, NS("s"), "t", "m1", "m2", &err), &err);
    TU_OK(ko_cat_commit(f->cat, &chg, NS("s"), "t", "m2", "m3", &err), &err);
    TU_OK(ko_cat_commit(f->cat, &chg, NS("s"), "t", "m3", "m4", &err), &err);
    verify_ok(f, 5);

    /* The schema refuses changes to audit rows ... */
    assert_false(raw_sql(f, "UPDATE ko_audit SET principal = 'mallory' WHERE id = 3"));
    assert_false(raw_sql(f, "DELETE FROM ko_audit WHERE id = 5"));
    verify_ok(f, 5);
    /* ... but someone with the database's keys can turn that off. */
    if (f->bk == BK_SQLITE)
        assert_true(raw_sql(f, "DROP TRIGGER ko_audit_no_update; DROP TRIGGER ko_audit_no_delete"));
    else
        assert_true(raw_sql(f, "ALTER TABLE ko_audit DISABLE TRIGGER USER"));

    assert_true(raw_sql(f, "UPDATE ko_audit SET summary = '{\"operation\":\"delete\"}' "
                           "WHERE id = 3"));
    EXPECT_ERR(ko_cat_audit_verify(f->cat, NULL, &err), KO_ERR_CORRUPT,
               "audit record 3 does not match its hash");
    assert_true(raw_sql(f, "UPDATE ko_audit SET summary = '{\"operation\":\"append\"}' "
                           "WHERE id = 3"));
    verify_ok(f, 5);

    /* Copying a later record's hash over does not help either. */
    assert_true(raw_sql(f, "UPDATE ko_audit SET after_location = 'evil' WHERE id = 4"));
    EXPECT_ERR(ko_cat_audit_verify(f->cat, NULL, &err), KO_ERR_CORRUPT, "audit record 4");
    assert_true(raw_sql(f, "UPDATE ko_audit SET after_location = 'm3' WHERE id = 4"));
    verify_ok(f, 5);

    /* Removing the newest record, or one in the middle. */
    assert_true(raw_sql(f, "DELETE FROM ko_audit WHERE id = 5"));
    EXPECT_ERR(ko_cat_audit_verify(f->cat, NULL, &err), KO_ERR_CORRUPT,
               "audit chain ends at record 4 but the head says record 5");
    assert_true(raw_sql(f, "DELETE FROM ko_audit WHERE id = 2"));
    EXPECT_ERR(ko_cat_audit_verify(f->cat, NULL, &err), KO_ERR_CORRUPT,
               "audit record 2 is missing");
}

/* ------------------------------------------------------------- concurrency */

enum { PROCS = 8, PER_PROC = 50, THREADS = 4, PER_THREAD = 25 };

/* Commits n new locations "p<who>-<j>" to db.t, re-reading and retrying on
 * conflict; adds its conflicts to *conflicts.  Returns 0 or a failure. */
static int commit_loop(ko_cat *cat, int who, int n, int *conflicts, char *why, size_t whylen)
{
    ko_cat_ns ns = NS("db");
    char principal[32];
    snprintf(principal, sizeof principal, "worker-%d", who);
    for (int j = 0; j < n; j++) {
        char loc[64], summary[64];
        snprintf(loc, sizeof loc, "m/p%d-%03d.json", who, j);
        snprintf(summary, sizeof summary, "{\"operation\":\"append\",\"seq\":%d}", j);
        ko_cat_change chg = {principal, summary};
        for (int tries = 0;; tries++) {
            ko_err err = {0};
            ko_arena a = {0};
            ko_cat_table t;
            ko_status st = ko_cat_table_load(cat, ns, "t", &a, &t, &err);
            if (st == KO_OK)
                st = ko_cat_commit(cat, &chg, ns, "t", t.location, loc, &err);
            ko_arena_free(&a);
            if (st == KO_OK)
                break;
            if (st != KO_ERR_CONFLICT || tries > 100000) {
                snprintf(why, whylen, "worker %d commit %d: %s", who, j, err.msg);
                return 1;
            }
            __atomic_add_fetch(conflicts, 1, __ATOMIC_RELAXED);
        }
    }
    return 0;
}

/* The commit records of db.t: every expected location once, each commit
 * starting from the one before (a single linear history), and each worker's
 * commits in its own order. */
static void check_history(fixture *f, int workers, int per_worker)
{
    ko_cat_audit_filter flt = {.object = "db.t", .action = "table.commit"};
    ko_cat_audit_page ap = all_audit(f, &flt);
    assert_int_equal(ap.len, (size_t)(workers * per_worker));
    int *next = calloc((size_t)workers, sizeof *next);
    const char *prev = "m/initial.json";
    for (size_t i = 0; i < ap.len; i++) {
        const ko_cat_audit_rec *r = &ap.items[i];
        assert_string_equal(r->before_location, prev);
        int w = -1, j = -1;
        assert_int_equal(sscanf(r->after_location, "m/p%d-%d.json", &w, &j), 2);
        assert_true(w >= 0 && w < workers);
        assert_int_equal(j, next[w]);
        next[w]++;
        prev = r->after_location;
    }
    for (int w = 0; w < workers; w++)
        assert_int_equal(next[w], per_worker);
    free(next);
    assert_string_equal(location_of(f, NS("db"), "t"), prev);
    verify_ok(f, 2 + workers * per_worker);
}

/* A forked worker: open, wait for the barrier, commit, _exit. */
static void child_main(const char *uri, int who, int barrier[2], int *conflicts)
{
    char why[KO_ERR_MSG_MAX + 64] = "";
    ko_cat *cat = NULL;
    ko_err err = {0};
    close(barrier[1]);
    int rc = ko_cat_open(uri, NULL, &cat, &err) != KO_OK;
    if (rc)
        snprintf(why, sizeof why, "open: %s", err.msg);
    char c;
    while (read(barrier[0], &c, 1) > 0)
        ;
    if (!rc)
        rc = commit_loop(cat, who, PER_PROC, conflicts, why, sizeof why);
    ko_cat_close(cat);
    if (rc)
        fprintf(stderr, "%s\n", why);
    _exit(rc);
}

static void test_concurrent_processes(void **state)
{
    fixture *f = *state;
    mk_ns(f, NS("db"));
    mk_table(f, NS("db"), "t", "m/initial.json");
    int *conflicts =
        mmap(NULL, sizeof(int), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    assert_true(conflicts != MAP_FAILED);
    *conflicts = 0;
    /* Every child opens its catalog, then waits at the barrier (a pipe the
     * parent closes once all are forked), so that all commit at once. */
    int barrier[2];
    assert_int_equal(pipe(barrier), 0);
    pid_t pids[PROCS];
    for (int p = 0; p < PROCS; p++) {
        pids[p] = fork();
        assert_true(pids[p] >= 0);
        if (pids[p] == 0)
            child_main(f->uri, p, barrier, conflicts);
    }
    close(barrier[0]);
    ko_sleep_us(100000); /* let the children connect */
    int64_t t0 = ko_monotonic_us();
    close(barrier[1]);
    int failed = 0;
    for (int p = 0; p < PROCS; p++) {
        int status = 0;
        waitpid(pids[p], &status, 0);
        failed += !WIFEXITED(status) || WEXITSTATUS(status) != 0;
    }
    double secs = (double)(ko_monotonic_us() - t0) / 1e6;
    assert_int_equal(failed, 0);
    print_message("[ %s ] %d processes x %d commits: %.2f s, %d conflicts retried\n",
                  ko_cat_backend(f->cat), PROCS, PER_PROC, secs, *conflicts);
    munmap(conflicts, sizeof(int));
    check_history(f, PROCS, PER_PROC);
}

typedef struct thread_arg {
    ko_cat *cat;
    int who;
    int *conflicts;
    int rc;
    char why[KO_ERR_MSG_MAX + 64];
} thread_arg;

static void *thread_main(void *p)
{
    thread_arg *t = p;
    t->rc = commit_loop(t->cat, t->who, PER_THREAD, t->conflicts, t->why, sizeof t->why);
    return NULL;
}

static void test_concurrent_threads(void **state)
{
    fixture *f = *state;
    mk_ns(f, NS("db"));
    mk_table(f, NS("db"), "t", "m/initial.json");
    int conflicts = 0;
    pthread_t th[THREADS];
    thread_arg args[THREADS];
    for (int i = 0; i < THREADS; i++) {
        args[i] = (thread_arg){.cat = f->cat, .who = i, .conflicts = &conflicts};
        assert_int_equal(pthread_create(&th[i], NULL, thread_main, &args[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        if (args[i].rc)
            fail_msg("%s", args[i].why);
    }
    check_history(f, THREADS, PER_THREAD);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void test_commit_latency(void **state)
{
    fixture *f = *state;
    ko_err err = {0};
    enum { N = 200 };
    mk_ns(f, NS("db"));
    mk_table(f, NS("db"), "t", "m/0");
    int64_t lat[N];
    char prev[32] = "m/0", loc[32];
    ko_cat_change chg = {"bench", "{\"operation\":\"append\"}"};
    for (int i = 0; i < N; i++) {
        snprintf(loc, sizeof loc, "m/%d", i + 1);
        int64_t t0 = ko_monotonic_us();
        TU_OK(ko_cat_commit(f->cat, &chg, NS("db"), "t", prev, loc, &err), &err);
        lat[i] = ko_monotonic_us() - t0;
        memcpy(prev, loc, sizeof loc);
    }
    qsort(lat, N, sizeof lat[0], cmp_i64);
    print_message("[ %s ] commit latency over %d commits: p50 %.2f ms, p99 %.2f ms\n",
                  ko_cat_backend(f->cat), N, (double)lat[N / 2] / 1000.0,
                  (double)lat[N * 99 / 100] / 1000.0);
    int64_t t0 = ko_monotonic_us();
    verify_ok(f, N + 2);
    print_message("[ %s ] verify of %d records: %.2f ms\n", ko_cat_backend(f->cat), N + 2,
                  (double)(ko_monotonic_us() - t0) / 1000.0);
}

/* ------------------------------------------------------------ lock, retry */

/* Another connection holding the catalog's write lock, as a writer in the
 * middle of a transaction does. */
typedef struct holder {
    sqlite3 *sq;
    PGconn *pg;
} holder;

static void hold_lock(fixture *f, holder *h)
{
    if (f->bk == BK_SQLITE) {
        assert_int_equal(sqlite3_open(f->path, &h->sq), SQLITE_OK);
        assert_int_equal(sqlite3_exec(h->sq, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
        return;
    }
    h->pg = PQconnectdb(f->uri);
    assert_int_equal(PQstatus(h->pg), CONNECTION_OK);
    PQsetNoticeProcessor(h->pg, quiet, NULL);
    pg_must(h->pg, "BEGIN");
    pg_must(h->pg, "SELECT last_id FROM ko_audit_head WHERE one = 1 FOR UPDATE");
}

static void release_lock(holder *h)
{
    if (h->sq) {
        assert_int_equal(sqlite3_exec(h->sq, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
        sqlite3_close(h->sq);
    } else {
        pg_must(h->pg, "COMMIT");
        PQfinish(h->pg);
    }
}

typedef struct waiter {
    ko_cat *cat;
    ko_status st;
    int done;
    ko_err err;
} waiter;

static void *waiter_main(void *p)
{
    waiter *w = p;
    w->st = ko_cat_ns_create(w->cat, NULL, NS("late"), NULL, 0, &w->err);
    __atomic_store_n(&w->done, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

/* A writer waits while another holds the lock, and proceeds after. */
static void test_lock_wait(void **state)
{
    fixture *f = *state;
    mk_ns(f, NS("first"));
    holder h = {0};
    hold_lock(f, &h);
    waiter w = {.cat = f->cat};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, waiter_main, &w), 0);
    ko_sleep_us(300000);
    assert_int_equal(__atomic_load_n(&w.done, __ATOMIC_SEQ_CST), 0);
    release_lock(&h);
    pthread_join(th, NULL);
    if (w.st != KO_OK)
        fail_msg("create after the lock was released: %s", w.err.msg);
    verify_ok(f, 2);
}

/* With a short busy timeout, SQLite's busy errors are retried by the
 * catalog, a bounded number of times. */
static void test_sqlite_busy_retry(void **state)
{
    fixture *f = *state;
    ko_err err = {0};
    ko_cat *quick = NULL;
    ko_cat_options opts = {.busy_timeout_ms = 5, .max_attempts = 3};
    TU_OK(ko_cat_open(f->uri, &opts, &quick, &err), &err);
    holder h = {0};
    hold_lock(f, &h);
    EXPECT_ERR(ko_cat_ns_create(quick, NULL, NS("x"), NULL, 0, &err), KO_ERR_TIMEOUT,
               "gave up after 3 attempts");
    release_lock(&h);
    ko_cat_close(quick);

    /* Enough attempts outlast a lock held for a while. */
    opts.max_attempts = 1000;
    TU_OK(ko_cat_open(f->uri, &opts, &quick, &err), &err);
    hold_lock(f, &h);
    waiter w = {.cat = quick};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, waiter_main, &w), 0);
    ko_sleep_us(100000);
    release_lock(&h);
    pthread_join(th, NULL);
    if (w.st != KO_OK)
        fail_msg("retried create: %s", w.err.msg);
    ko_cat_close(quick);
    verify_ok(f, 1);
}

/* A PostgreSQL connection killed between calls is re-established and the
 * call succeeds. */
static void test_pg_reconnect(void **state)
{
    fixture *f = *state;
    ko_err err = {0};
    mk_ns(f, NS("before"));
    pg_must(f->admin, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                      " WHERE datname = current_database() AND pid <> pg_backend_pid()");
    ko_sleep_us(50000);
    TU_OK(ko_cat_ns_create(f->cat, NULL, NS("after"), NULL, 0, &err), &err);
    verify_ok(f, 2);
}

/* ------------------------------------------------------------------ driver */

#define CASES(setup)                                                                 \
    cmocka_unit_test_setup_teardown(test_reopen_and_version, setup, teardown),       \
        cmocka_unit_test_setup_teardown(test_ns_lifecycle, setup, teardown),         \
        cmocka_unit_test_setup_teardown(test_ns_pagination, setup, teardown),        \
        cmocka_unit_test_setup_teardown(test_ns_properties, setup, teardown),        \
        cmocka_unit_test_setup_teardown(test_table_lifecycle, setup, teardown),      \
        cmocka_unit_test_setup_teardown(test_commit_cas, setup, teardown),           \
        cmocka_unit_test_setup_teardown(test_commit_multi, setup, teardown),         \
        cmocka_unit_test_setup_teardown(test_audit_every_mutation, setup, teardown), \
        cmocka_unit_test_setup_teardown(test_audit_tamper, setup, teardown),         \
        cmocka_unit_test_setup_teardown(test_concurrent_processes, setup, teardown), \
        cmocka_unit_test_setup_teardown(test_concurrent_threads, setup, teardown),   \
        cmocka_unit_test_setup_teardown(test_lock_wait, setup, teardown),            \
        cmocka_unit_test_setup_teardown(test_commit_latency, setup, teardown)

int main(void)
{
    const struct CMUnitTest common[] = {
        cmocka_unit_test(test_open_errors),
        cmocka_unit_test(test_ns_parse),
    };
    const struct CMUnitTest sqlite_cases[] = {
        CASES(setup_sqlite),
        cmocka_unit_test_setup_teardown(test_sqlite_busy_retry, setup_sqlite, teardown),
    };
    const struct CMUnitTest pg_cases[] = {
        CASES(setup_pg),
        cmocka_unit_test_setup_teardown(test_pg_reconnect, setup_pg, teardown),
    };
    int failed = cmocka_run_group_tests_name("catalog", common, NULL, NULL);
    failed += cmocka_run_group_tests_name("catalog on sqlite", sqlite_cases, NULL, NULL);
    const char *dsn = getenv("KO_TEST_PG_DSN");
    if (dsn && *dsn)
        failed += cmocka_run_group_tests_name("catalog on postgresql", pg_cases, NULL, NULL);
    else
        print_message("KO_TEST_PG_DSN is not set: PostgreSQL cases skipped "
                      "(tests/with-postgres runs them)\n");
    return failed;
}
