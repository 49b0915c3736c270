/*
 * test_ice_audit.c - the audit trail holds every mutation once (issue 4,
 * bar 5).
 *
 * A scripted sequence makes one mutation of every type through the
 * iceberg and catalog layers: namespace create (top level and nested, with
 * properties), namespace property update, table create, three appends, a
 * schema change, two rollbacks, expiry, file removal, a second table
 * created and renamed into the nested namespace, its drop, and the nested
 * namespace's drop.  Failed mutations are mixed in (existing namespace and
 * table, a stale commit, an unknown snapshot, dropping a namespace that
 * still holds a table) and must leave no record.  Then `korolev audit list`
 * (the real binary, $KOROLEV) must hold exactly the expected number of
 * records per action, on the expected objects, `korolev audit verify` must
 * pass and count them all, and after one record is altered directly in the
 * database (SQLite through the sqlite3 shell, PostgreSQL through psql, with
 * the append-only trigger dropped or disabled first, as an intruder would)
 * `korolev audit verify` must exit 1 naming that record.
 *
 * The catalog is SQLite, or the PostgreSQL server KO_TEST_PG_DSN names
 * (CTest runs this test a second time under tests/with-postgres).
 */
#include "ice_write_fixture.h"

#include <sys/wait.h>

/* The catalog is SQLite, or PostgreSQL when KO_TEST_PG_DSN is set. */
static int setup(void **state)
{
    fx *f = fx_open(NULL, true);
    print_message("catalog: %s\n", ko_cat_backend(f->cat));
    *state = f;
    return 0;
}

/* ------------------------------------------------------------ input files */

/* A Parquet file of n rows (id long, name string) under key. */
static void write_input(fx *f, const char *key, int64_t first_id, size_t n)
{
    ko_pq_schema_element els[3] = {
        {.name = "schema", .num_children = 2, .converted = KO_PQ_CT_NONE},
        {.name = "id",
         .has_type = true,
         .type = KO_PQ_INT64,
         .has_repetition = true,
         .repetition = KO_PQ_REQUIRED,
         .converted = KO_PQ_CT_NONE},
        {.name = "name",
         .has_type = true,
         .type = KO_PQ_BYTE_ARRAY,
         .has_repetition = true,
         .repetition = KO_PQ_OPTIONAL,
         .converted = KO_PQ_CT_NONE,
         .logical = {.kind = KO_PQ_LT_STRING}},
    };
    ko_err err = {0};
    ko_pq_writer *w = NULL;
    TU_OK(ko_pq_writer_open(f->store, key, els, 3, NULL, &w, &err), &err);
    const ko_pq_schema *s = ko_pq_writer_schema(w);
    ko_pq_column cols[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(ko_pq_column_init(&cols[i], &s->leaves[i]), KO_OK);
    for (size_t r = 0; r < n; r++) {
        int64_t id = first_id + (int64_t)r;
        char name[32];
        int len = snprintf(name, sizeof name, "row %lld", (long long)id);
        fx_push(&cols[0], true, &id, 8);
        fx_push(&cols[1], r % 3 != 1, name, (size_t)len);
    }
    TU_OK(ko_pq_writer_write(w, cols, &err), &err);
    TU_OK(ko_pq_writer_close(w, &err), &err);
    for (int i = 0; i < 2; i++)
        ko_pq_column_free(&cols[i]);
}

static ko_ice_commit_info append(fx *f, const char *key, int64_t first_id, size_t n)
{
    write_input(f, key, first_id, n);
    ko_err err = {0};
    ko_pq_reader *r = NULL;
    TU_OK(ko_pq_reader_open(f->store, key, &r, &err), &err);
    ko_ice_commit_info info;
    TU_OK(ko_ice_table_append(&f->wh, "aud", "t", &r, &key, 1, NULL, &f->arena, &info, &err), &err);
    ko_pq_reader_close(r);
    (void)ko_store_delete(f->store, key, NULL);
    return info;
}

static ko_status add_note(void *ctx, const ko_ice_schema *base, int32_t *last, ko_arena *arena,
                          ko_ice_schema *out, ko_err *err)
{
    (void)ctx;
    ko_ice_new_column col = {.name = "note", .type = {.id = KO_ICE_STRING}};
    return ko_ice_schema_add_column(base, &col, last, arena, out, err);
}

/* ------------------------------------------------------------ the CLI */

/* Runs `$KOROLEV --warehouse W --catalog C ARGS` with stdout (and stderr)
 * into out; returns the exit status. */
static int cli(fx *f, const char *args, char *out, size_t cap)
{
    const char *bin = getenv("KOROLEV");
    if (!bin || !*bin)
        fail_msg("KOROLEV (the korolev binary) is not set");
    char cmd[9000];
    snprintf(cmd, sizeof cmd, "'%s' --warehouse '%s' --catalog '%s' %s 2>&1", bin, f->wh_uri,
             f->cat_uri, args);
    FILE *p = popen(cmd, "r"); // NOLINT(cert-env33-c): the test runs the real binary
    assert_non_null(p);
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = '\0';
    assert_true(n < cap - 1); /* all of it */
    int status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Lines of `audit list` whose action is exactly action (and object, when
 * given). */
static int count_records(const char *listing, const char *action, const char *object)
{
    int n = 0;
    char want_action[96], want_object[96];
    snprintf(want_action, sizeof want_action, "\"action\":\"%s\"", action);
    snprintf(want_object, sizeof want_object, "\"object\":\"%s\"", object ? object : "");
    for (const char *line = listing; *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        char buf[8192];
        snprintf(buf, sizeof buf, "%.*s", (int)(len < sizeof buf ? len : sizeof buf - 1), line);
        if (strstr(buf, want_action) && (!object || strstr(buf, want_object)))
            n++;
        line += len + (end ? 1 : 0);
    }
    return n;
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* ------------------------------------------------------------ the script */

static void failed_mutations(fx *f, const ko_ice_commit_info *latest)
{
    ko_err err = {0};
    assert_int_equal(ko_cat_ns_create(f->cat, NULL, KO_CAT_NS("aud"), NULL, 0, &err),
                     KO_ERR_EXISTS);
    assert_int_equal(ko_cat_table_create(f->cat, NULL, KO_CAT_NS("aud"), "t", "file:///x", &err),
                     KO_ERR_EXISTS);
    assert_int_equal(
        ko_cat_commit(f->cat, NULL, KO_CAT_NS("aud"), "t", "file:///stale", "file:///new", &err),
        KO_ERR_CONFLICT);
    ko_ice_commit_info info;
    assert_int_equal(ko_ice_table_rollback(&f->wh, "aud", "t", 12345, NULL, &f->arena, &info, &err),
                     KO_ERR_NOT_FOUND);
    assert_int_equal(ko_cat_ns_drop(f->cat, NULL, KO_CAT_NS("aud"), &err), KO_ERR_CONFLICT);
    ko_cat_table t;
    TU_OK(ko_cat_table_load(f->cat, KO_CAT_NS("aud"), "t", &f->arena, &t, &err), &err);
    assert_string_equal(t.location, latest->metadata_location);
}

static void every_mutation(fx *f)
{
    ko_err err = {0};
    ko_cat_prop props[] = {{"owner", "audit-test"}, {"team", "data"}};
    TU_OK(ko_cat_ns_create(f->cat, NULL, KO_CAT_NS("aud"), NULL, 0, &err), &err);
    TU_OK(ko_cat_ns_create(f->cat, NULL, KO_CAT_NS("aud", "sub"), props, 2, &err), &err);
    const char *removals[] = {"team"};
    TU_OK(ko_cat_ns_update_props(f->cat, NULL, KO_CAT_NS("aud", "sub"), props, 1, removals, 1,
                                 &f->arena, NULL, &err),
          &err);
    static const char schema_json[] =
        "{\"type\":\"struct\",\"fields\":[{\"id\":1,\"name\":\"id\",\"required\":true,"
        "\"type\":\"long\"},{\"id\":2,\"name\":\"name\",\"required\":false,\"type\":\"string\"}]}";
    ko_ice_schema schema;
    TU_OK(ko_ice_schema_parse(schema_json, strlen(schema_json), &f->arena, &schema, &err), &err);
    ko_ice_table_create_opts o = {.schema = &schema, .partition_by = "bucket(2, id)"};
    TU_OK(ko_ice_table_create(&f->wh, "aud", "t", &o, &f->arena, NULL, &err), &err);
    ko_ice_commit_info first = append(f, "in/1.parquet", 0, 10);
    (void)append(f, "in/2.parquet", 10, 10);
    ko_ice_commit_info info;
    TU_OK(ko_ice_table_update_schema(&f->wh, "aud", "t", add_note, NULL, "add column note string",
                                     NULL, &f->arena, &info, &err),
          &err);
    ko_ice_commit_info last = append(f, "in/3.parquet", 20, 10);
    TU_OK(
        ko_ice_table_rollback(&f->wh, "aud", "t", first.snapshot_id, NULL, &f->arena, &info, &err),
        &err);
    TU_OK(ko_ice_table_rollback(&f->wh, "aud", "t", last.snapshot_id, NULL, &f->arena, &info, &err),
          &err);
    failed_mutations(f, &info);
    ko_ice_expire_opts eo = {.older_than_ms = ko_now_us() / 1000 + 1, .retain_last = 1};
    int64_t *ids = NULL;
    size_t n_ids = 0;
    TU_OK(ko_ice_table_expire(&f->wh, "aud", "t", &eo, NULL, &f->arena, &ids, &n_ids, &info, &err),
          &err);
    assert_int_equal(n_ids, 2);
    ko_ice_remove_result rm;
    TU_OK(ko_ice_table_remove_files(&f->wh, "aud", "t", ko_now_us() / 1000 + 1000, &f->arena, &rm,
                                    &err),
          &err);
    assert_true(rm.n_removed > 0);
    TU_OK(ko_ice_table_create(&f->wh, "aud", "u", &o, &f->arena, NULL, &err), &err);
    TU_OK(ko_cat_table_rename(f->cat, NULL, KO_CAT_NS("aud"), "u", KO_CAT_NS("aud", "sub"), "v",
                              &err),
          &err);
    TU_OK(ko_cat_table_drop(f->cat, NULL, KO_CAT_NS("aud", "sub"), "v", NULL, NULL, &err), &err);
    TU_OK(ko_cat_ns_drop(f->cat, NULL, KO_CAT_NS("aud", "sub"), &err), &err);
}

typedef struct expected {
    const char *action, *object;
    int n;
} expected;

static const expected EXPECTED[] = {
    {"namespace.create", "aud", 1},
    {"namespace.create", "aud.sub", 1},
    {"namespace.update_properties", "aud.sub", 1},
    {"table.create", "aud.t", 1},
    {"table.create", "aud.u", 1},
    /* 3 appends, 1 schema change, 2 rollbacks, 1 expiry */
    {"table.commit", "aud.t", 7},
    {"table.remove_files", "aud.t", 1},
    {"table.rename", "aud.u", 1},
    {"table.drop", "aud.sub.v", 1},
    {"namespace.drop", "aud.sub", 1},
};

/* Alters record id directly in the database, as an intruder would. */
static void tamper(fx *f, int64_t id)
{
    char cmd[9000];
    const char *update = "UPDATE ko_audit SET principal = 'mallory' WHERE id = ";
    if (f->pg_dsn)
        snprintf(cmd, sizeof cmd,
                 "psql -q -v ON_ERROR_STOP=1 '%s' -c 'ALTER TABLE ko_audit DISABLE TRIGGER "
                 "ko_audit_no_change' -c \"%s%lld\"",
                 f->pg_dsn, update, (long long)id);
    else
        snprintf(cmd, sizeof cmd,
                 "sqlite3 '%s/catalog.db' 'DROP TRIGGER ko_audit_no_update' \"%s%lld\"", f->dir,
                 update, (long long)id);
    int rc = system(cmd); // NOLINT(cert-env33-c): the database's own shell, as an intruder
    if (rc != 0)
        fail_msg("could not tamper with the audit trail: %s exited %d", cmd, rc);
}

static void test_every_mutation_once(void **state)
{
    fx *f = *state;
    every_mutation(f);
    static char listing[1 << 20];
    assert_int_equal(cli(f, "audit list", listing, sizeof listing), 0);
    int total = 0;
    for (size_t i = 0; i < KO_ARRAY_LEN(EXPECTED); i++) {
        int got = count_records(listing, EXPECTED[i].action, EXPECTED[i].object);
        if (got != EXPECTED[i].n)
            fail_msg("%d %s records on %s, want %d:\n%s", got, EXPECTED[i].action,
                     EXPECTED[i].object, EXPECTED[i].n, listing);
        total += got;
    }
    if (count_lines(listing) != total)
        fail_msg("audit list has %d records, want %d:\n%s", count_lines(listing), total, listing);
    char out[4096], want[64];
    assert_int_equal(cli(f, "audit verify", out, sizeof out), 0);
    snprintf(want, sizeof want, "audit chain ok: %d records", total);
    if (!strstr(out, want))
        fail_msg("audit verify: %s (want '%s')", out, want);

    int64_t victim = total / 2;
    tamper(f, victim);
    int rc = cli(f, "audit verify", out, sizeof out);
    snprintf(want, sizeof want, "audit record %lld ", (long long)victim);
    print_message("after tampering with record %lld: exit %d, %s", (long long)victim, rc, out);
    assert_int_equal(rc, 1);
    if (!strstr(out, want))
        fail_msg("audit verify does not name record %lld: %s", (long long)victim, out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_every_mutation_once, setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
