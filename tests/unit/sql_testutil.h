/*
 * sql_testutil.h - helpers for the SQL engine's unit tests (test_sql_*.c
 * other than the parser's and the function library's): a session over a
 * fresh temporary warehouse with a SQLite catalog (or none), scripts run
 * through the real renderers into a string, and assertions on the CSV or
 * JSON-lines text or on the error message.
 */
#ifndef KO_SQL_TESTUTIL_H
#define KO_SQL_TESTUTIL_H

#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog.h"
#include "sql/sql.h"
#include "store/store.h"

typedef struct st_env {
    char *dir;
    ko_store *store;
    ko_cat *cat;
    ko_sql_session *s;
} st_env;

/* A session; with_warehouse: a temporary warehouse and catalog. */
static inline void st_open(st_env *e, bool with_warehouse, int threads)
{
    ko_err err = {0};
    memset(e, 0, sizeof *e);
    if (with_warehouse) {
        e->dir = tu_mkdtemp();
        char uri[1024];
        snprintf(uri, sizeof uri, "sqlite:%s/catalog.db", e->dir);
        TU_OK(ko_store_open(e->dir, NULL, &e->store, &err), &err);
        TU_OK(ko_cat_open(uri, NULL, &e->cat, &err), &err);
    }
    ko_sql_options o = {.warehouse = e->store, .catalog = e->cat, .threads = threads};
    TU_OK(ko_sql_session_open(&o, &e->s, &err), &err);
}

static inline void st_close(st_env *e)
{
    ko_sql_session_close(e->s);
    ko_cat_close(e->cat);
    ko_store_close(e->store);
    if (e->dir) {
        tu_rmtree(e->dir);
        free(e->dir);
    }
    memset(e, 0, sizeof *e);
}

/* Runs sql rendering every result in fmt; *out (malloc'd) holds the text. */
static inline ko_status st_run(st_env *e, ko_sql_format fmt, const char *sql, char **out,
                               ko_err *err)
{
    size_t len = 0;
    FILE *f = open_memstream(out, &len);
    assert_non_null(f);
    ko_sql_renderer *r = NULL;
    ko_status st = ko_sql_renderer_new(fmt, f, &r, err);
    if (st == KO_OK) {
        ko_sql_sink sink = ko_sql_render_sink(r);
        st = ko_sql_exec(e->s, sql, strlen(sql), &sink, err);
    }
    ko_sql_renderer_free(r);
    if (fclose(f) != 0 && st == KO_OK)
        st = ko_err_set(err, KO_ERR_IO, "closing the output");
    return st;
}

/* Asserts that sql runs and prints exactly `csv` (every result: header,
 * rows). */
#define st_csv(e, sql, csv) st_expect_fmt((e), KO_SQL_FMT_CSV, (sql), (csv), __LINE__)
#define st_jsonl(e, sql, j) st_expect_fmt((e), KO_SQL_FMT_JSONL, (sql), (j), __LINE__)

static inline void st_expect_fmt(st_env *e, ko_sql_format fmt, const char *sql, const char *want,
                                 int line)
{
    char *out = NULL;
    ko_err err = {0};
    ko_status st = st_run(e, fmt, sql, &out, &err);
    if (st != KO_OK)
        fail_msg("line %d: %s failed: %s", line, sql, err.msg);
    if (strcmp(out, want) != 0)
        fail_msg("line %d: %s\n--- got:\n%s--- want:\n%s", line, sql, out, want);
    free(out);
}

/* Asserts that sql fails with status st (0: any) and a message holding
 * `part`. */
#define st_err(e, sql, st, part) st_expect_err((e), (sql), (st), (part), __LINE__)

static inline void st_expect_err(st_env *e, const char *sql, ko_status want, const char *part,
                                 int line)
{
    char *out = NULL;
    ko_err err = {0};
    ko_status st = st_run(e, KO_SQL_FMT_CSV, sql, &out, &err);
    free(out);
    if (st == KO_OK)
        fail_msg("line %d: %s succeeded, want an error with \"%s\"", line, sql, part);
    if (want && st != want)
        fail_msg("line %d: %s: status %s, want %s (%s)", line, sql, ko_status_name(st),
                 ko_status_name(want), err.msg);
    if (!strstr(err.msg, part))
        fail_msg("line %d: %s: message \"%s\" lacks \"%s\"", line, sql, err.msg, part);
}

#endif
