/*
 * cat_sqlite.c - the catalog's SQLite driver (the default backend).
 *
 * One connection per handle, in WAL mode so that readers never block the
 * writer, with synchronous=FULL so that a commit the caller was told about
 * survives power loss.  Write transactions start with BEGIN IMMEDIATE, which
 * takes the database's single write lock up front: two writers never both
 * read the same audit head (the chain cannot fork) and a writer never has
 * to upgrade a read lock, which is where SQLite deadlocks otherwise.  While
 * another process holds the lock, SQLite's busy handler waits up to the busy
 * timeout; after that the error is marked retryable and cat_run backs off
 * and tries again.
 *
 * Statements use $1, $2 ... parameters, which SQLite treats as named
 * parameters; arguments are bound by name, so their order in the SQL text
 * does not matter.  Prepared statements are cached by SQL text (the catalog
 * runs a few dozen distinct statements), which keeps a commit at a handful
 * of microseconds of CPU.
 */
#include "catalog/cat_internal.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { SQ_CACHE = 64 };

typedef struct sq_cached {
    char *sql;
    sqlite3_stmt *stmt;
} sq_cached;

typedef struct sq_db {
    ko_db base;
    sqlite3 *h;
    sq_cached cache[SQ_CACHE];
    size_t ncached;
} sq_db;

/* ------------------------------------------------------------------ schema */

static const char *const SQ_V1[] = {
    "CREATE TABLE ko_namespace (name TEXT PRIMARY KEY, parent TEXT NOT NULL,"
    " created_us INTEGER NOT NULL)",
    "CREATE INDEX ko_namespace_parent ON ko_namespace (parent, name)",
    "CREATE TABLE ko_namespace_prop (ns TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,"
    " PRIMARY KEY (ns, key))",
    "CREATE TABLE ko_table (ns TEXT NOT NULL, name TEXT NOT NULL, location TEXT NOT NULL,"
    " prev_location TEXT, created_us INTEGER NOT NULL, updated_us INTEGER NOT NULL,"
    " PRIMARY KEY (ns, name))",
    "CREATE TABLE ko_audit (id INTEGER PRIMARY KEY, time_us INTEGER NOT NULL,"
    " principal TEXT NOT NULL, action TEXT NOT NULL, object TEXT NOT NULL,"
    " before_location TEXT, after_location TEXT, summary TEXT NOT NULL, hash TEXT NOT NULL)",
    "CREATE INDEX ko_audit_object ON ko_audit (object, id)",
    "CREATE INDEX ko_audit_time ON ko_audit (time_us)",
    "CREATE TABLE ko_audit_head (one INTEGER PRIMARY KEY CHECK (one = 1),"
    " last_id INTEGER NOT NULL, last_hash TEXT NOT NULL)",
    "INSERT INTO ko_audit_head VALUES (1, 0,"
    " '0000000000000000000000000000000000000000000000000000000000000000')",
    "CREATE TRIGGER ko_audit_no_update BEFORE UPDATE ON ko_audit"
    " BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END",
    "CREATE TRIGGER ko_audit_no_delete BEFORE DELETE ON ko_audit"
    " BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END",
    NULL,
};

/* Version 2: bearer tokens of the server (token.c). */
static const char *const SQ_V2[] = {
    "CREATE TABLE IF NOT EXISTS ko_token (id TEXT PRIMARY KEY, principal TEXT NOT NULL,"
    " role TEXT NOT NULL, namespace TEXT, salt TEXT NOT NULL, hash TEXT NOT NULL,"
    " created_us INTEGER NOT NULL, revoked_us INTEGER)",
    NULL,
};

/* Version 3: ingest records and idempotency keys (ingest.c). */
static const char *const SQ_V3[] = {
    "CREATE TABLE ko_ingest (id TEXT PRIMARY KEY, idem_key TEXT UNIQUE, ns TEXT NOT NULL,"
    " name TEXT NOT NULL, status TEXT NOT NULL, attempt INTEGER NOT NULL, received INTEGER"
    " NOT NULL DEFAULT 0, written INTEGER NOT NULL DEFAULT 0, rejected INTEGER NOT NULL"
    " DEFAULT 0, bytes INTEGER NOT NULL DEFAULT 0, created_us INTEGER NOT NULL, updated_us"
    " INTEGER NOT NULL, record TEXT)",
    "CREATE INDEX ko_ingest_by_table ON ko_ingest (ns, name, created_us)",
    NULL,
};

/* Version 4: pipeline runs, trigger state and alerts (pipeline.c). */
static const char *const SQ_V4[] = {
    "CREATE TABLE ko_pipe_run (id TEXT PRIMARY KEY, pipeline TEXT NOT NULL, state TEXT NOT NULL,"
    " trigger TEXT NOT NULL, logical_date TEXT, scheduled_us INTEGER NOT NULL DEFAULT 0,"
    " params TEXT NOT NULL, dedup TEXT UNIQUE, attempt INTEGER NOT NULL DEFAULT 0,"
    " max_attempts INTEGER NOT NULL, backoff_ms INTEGER NOT NULL, exclusive INTEGER NOT NULL,"
    " worker TEXT, lease_until INTEGER NOT NULL DEFAULT 0, not_before INTEGER NOT NULL,"
    " cancel INTEGER NOT NULL DEFAULT 0, created_us INTEGER NOT NULL, started_us INTEGER"
    " NOT NULL DEFAULT 0, updated_us INTEGER NOT NULL, finished_us INTEGER NOT NULL DEFAULT 0,"
    " error TEXT, inputs TEXT, outputs TEXT)",
    "CREATE INDEX ko_pipe_run_ready ON ko_pipe_run (state, not_before)",
    "CREATE INDEX ko_pipe_run_by_pipeline ON ko_pipe_run (pipeline, created_us)",
    "CREATE TABLE ko_pipe_state (pipeline TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,"
    " PRIMARY KEY (pipeline, key))",
    "CREATE TABLE ko_pipe_alert (id TEXT PRIMARY KEY, kind TEXT NOT NULL, object TEXT NOT NULL,"
    " message TEXT NOT NULL, run_id TEXT, dedup TEXT UNIQUE, created_us INTEGER NOT NULL)",
    "CREATE INDEX ko_pipe_alert_time ON ko_pipe_alert (created_us)",
    NULL,
};

/* Version 5: stored responses of Idempotency-Key mutations (idem.c). */
static const char *const SQ_V5[] = {
    "CREATE TABLE ko_idem (key TEXT PRIMARY KEY, status INTEGER NOT NULL, ctype TEXT, etag TEXT,"
    " body TEXT NOT NULL, created_us INTEGER NOT NULL, expires_us INTEGER NOT NULL)",
    "CREATE INDEX ko_idem_expiry ON ko_idem (expires_us)",
    NULL,
};

static const char *const *const SQ_MIGRATIONS[] = {SQ_V1, SQ_V2, SQ_V3, SQ_V4, SQ_V5};

/* ------------------------------------------------------------------ errors */

static ko_status sq_status(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return KO_ERR_TIMEOUT;
    case SQLITE_NOMEM:
        return KO_ERR_NOMEM;
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
        return KO_ERR_PERMISSION;
    case SQLITE_FULL:
        return KO_ERR_NOSPACE;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return KO_ERR_CORRUPT;
    case SQLITE_CONSTRAINT:
        return KO_ERR_CONFLICT;
    case SQLITE_CANTOPEN:
        return KO_ERR_NOT_FOUND;
    default:
        return KO_ERR_IO;
    }
}

static ko_status sq_error(sq_db *d, int rc, const char *what, ko_err *err)
{
    int prim = rc & 0xff;
    d->base.retryable = prim == SQLITE_BUSY || prim == SQLITE_LOCKED;
    return ko_err_set(err, sq_status(rc), "sqlite: %s: %s", what, sqlite3_errmsg(d->h));
}

/* ------------------------------------------------------------- statements */

/* A prepared statement for sql, from the cache or newly prepared (and
 * cached when there is room). */
static ko_status sq_prepare(sq_db *d, const char *sql, sqlite3_stmt **out, ko_err *err)
{
    for (size_t i = 0; i < d->ncached; i++) {
        if (strcmp(d->cache[i].sql, sql) == 0) {
            *out = d->cache[i].stmt;
            return KO_OK;
        }
    }
    int rc = sqlite3_prepare_v3(d->h, sql, -1, SQLITE_PREPARE_PERSISTENT, out, NULL);
    if (rc != SQLITE_OK)
        return sq_error(d, rc, "prepare", err);
    if (d->ncached < SQ_CACHE) {
        char *copy = strdup(sql);
        if (copy) {
            d->cache[d->ncached].sql = copy;
            d->cache[d->ncached++].stmt = *out;
        }
    }
    return KO_OK;
}

static bool sq_is_cached(const sq_db *d, const sqlite3_stmt *st)
{
    for (size_t i = 0; i < d->ncached; i++)
        if (d->cache[i].stmt == st)
            return true;
    return false;
}

static void sq_release(sq_db *d, sqlite3_stmt *st)
{
    if (sq_is_cached(d, st)) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
    } else {
        sqlite3_finalize(st);
    }
}

static ko_status sq_bind(sq_db *d, sqlite3_stmt *st, const ko_db_arg *args, size_t nargs,
                         ko_err *err)
{
    for (size_t i = 0; i < nargs; i++) {
        char name[24];
        snprintf(name, sizeof name, "$%zu", i + 1);
        int idx = sqlite3_bind_parameter_index(st, name);
        if (idx == 0)
            continue; /* not used by this statement */
        int rc;
        if (args[i].kind == KO_DB_INT)
            rc = sqlite3_bind_int64(st, idx, args[i].i);
        else if (args[i].kind == KO_DB_TEXT)
            rc = sqlite3_bind_text(st, idx, args[i].s, -1, SQLITE_STATIC);
        else
            rc = sqlite3_bind_null(st, idx);
        if (rc != SQLITE_OK)
            return sq_error(d, rc, "bind", err);
    }
    return KO_OK;
}

/* Appends the current row's cells (copied into a) to cells. */
static ko_status sq_take_row(sqlite3_stmt *st, size_t ncols, ko_arena *a, ko_buf *cells,
                             ko_err *err)
{
    for (size_t c = 0; c < ncols; c++) {
        char *cell = NULL;
        if (sqlite3_column_type(st, (int)c) != SQLITE_NULL) {
            const unsigned char *text = sqlite3_column_text(st, (int)c);
            int n = sqlite3_column_bytes(st, (int)c);
            cell = ko_arena_strndup(a, text ? (const char *)text : "", (size_t)n);
            if (!cell)
                return ko_err_set(err, KO_ERR_NOMEM, "sqlite: out of memory for a row");
        }
        if (ko_buf_append(cells, &cell, sizeof cell) != KO_OK)
            return ko_err_set(err, KO_ERR_NOMEM, "sqlite: out of memory for a row");
    }
    return KO_OK;
}

static ko_status sq_finish_rows(ko_buf *cells, size_t ncols, ko_arena *a, ko_db_rows *rows,
                                ko_err *err)
{
    size_t n = cells->len / sizeof(char *);
    rows->ncols = ncols;
    rows->nrows = ncols ? n / ncols : 0;
    rows->cells = ko_arena_alloc(a, n ? cells->len : sizeof(char *));
    if (!rows->cells)
        return ko_err_set(err, KO_ERR_NOMEM, "sqlite: out of memory for rows");
    ko_memcpy0(rows->cells, cells->data, cells->len);
    return KO_OK;
}

static ko_status sq_step_all(sq_db *d, sqlite3_stmt *st, ko_arena *a, ko_db_rows *rows, ko_err *err)
{
    ko_buf cells = {0};
    size_t ncols = (size_t)sqlite3_column_count(st);
    ko_status s = KO_OK;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (rows && (s = sq_take_row(st, ncols, a, &cells, err)) != KO_OK)
            break;
    }
    if (s == KO_OK && rc != SQLITE_DONE)
        s = sq_error(d, rc, "step", err);
    if (s == KO_OK && rows)
        s = sq_finish_rows(&cells, ncols, a, rows, err);
    ko_buf_free(&cells);
    return s;
}

static ko_status sq_exec(ko_db *db, const char *sql, const ko_db_arg *args, size_t nargs,
                         ko_arena *a, ko_db_rows *rows, int64_t *changes, ko_err *err)
{
    sq_db *d = (sq_db *)db;
    sqlite3_stmt *st;
    ko_status s = sq_prepare(d, sql, &st, err);
    if (s != KO_OK)
        return s;
    s = sq_bind(d, st, args, nargs, err);
    if (s == KO_OK)
        s = sq_step_all(d, st, a, rows, err);
    if (s == KO_OK && changes)
        *changes = sqlite3_changes64(d->h);
    sq_release(d, st);
    return s;
}

/* ------------------------------------------------------------ transactions */

static ko_status sq_simple(sq_db *d, const char *sql, ko_err *err)
{
    return sq_exec(&d->base, sql, NULL, 0, NULL, NULL, NULL, err);
}

static ko_status sq_begin(ko_db *db, ko_db_txn kind, ko_err *err)
{
    return sq_simple((sq_db *)db, kind == KO_DB_READ ? "BEGIN" : "BEGIN IMMEDIATE", err);
}

static ko_status sq_commit(ko_db *db, ko_err *err)
{
    return sq_simple((sq_db *)db, "COMMIT", err);
}

static void sq_rollback(ko_db *db)
{
    sq_db *d = (sq_db *)db;
    if (!sqlite3_get_autocommit(d->h))
        (void)sqlite3_exec(d->h, "ROLLBACK", NULL, NULL, NULL);
}

static void sq_close(ko_db *db)
{
    sq_db *d = (sq_db *)db;
    for (size_t i = 0; i < d->ncached; i++) {
        sqlite3_finalize(d->cache[i].stmt);
        free(d->cache[i].sql);
    }
    sqlite3_close(d->h);
    free(d);
}

static const ko_db_ops SQ_OPS = {
    .name = "sqlite",
    .lock_suffix = "",
    .migrations = SQ_MIGRATIONS,
    .nmigrations = (int)KO_ARRAY_LEN(SQ_MIGRATIONS),
    .exec = sq_exec,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .close = sq_close,
};

/* ------------------------------------------------------------------ opening */

/* Switches to WAL.  The first switch of a new file needs a moment of
 * exclusive access, so a concurrent opener may see SQLITE_BUSY: retry. */
static ko_status sq_wal(sq_db *d, int busy_timeout_ms, ko_err *err)
{
    ko_status s = KO_OK;
    int64_t deadline = ko_monotonic_us() + (int64_t)busy_timeout_ms * 1000;
    ko_arena a = {0};
    ko_db_rows rows;
    for (;;) {
        s = sq_exec(&d->base, "PRAGMA journal_mode=WAL", NULL, 0, &a, &rows, NULL, err);
        if (s != KO_OK && d->base.retryable && ko_monotonic_us() < deadline) {
            ko_sleep_us(10000);
            continue;
        }
        break;
    }
    ko_arena_free(&a);
    return s;
}

static ko_status sq_configure(sq_db *d, const ko_cat_options *opts, ko_err *err)
{
    int timeout = opts && opts->busy_timeout_ms > 0 ? opts->busy_timeout_ms : 5000;
    sqlite3_busy_timeout(d->h, timeout);
    sqlite3_extended_result_codes(d->h, 1);
    ko_status s = sq_wal(d, timeout, err);
    if (s == KO_OK)
        s = sq_simple(d, "PRAGMA synchronous=FULL", err);
    return s;
}

ko_status ko_db_sqlite_open(const char *path, const ko_cat_options *opts, ko_db **out, ko_err *err)
{
    sq_db *d = calloc(1, sizeof *d);
    if (!d)
        return ko_err_set(err, KO_ERR_NOMEM, "sqlite: out of memory");
    d->base.ops = &SQ_OPS;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    int rc = sqlite3_open_v2(path, &d->h, flags, NULL);
    ko_status s = KO_OK;
    if (rc != SQLITE_OK) {
        s = d->h ? sq_error(d, rc, "open", err)
                 : ko_err_set(err, KO_ERR_NOMEM, "sqlite: out of memory opening");
    } else {
        s = sq_configure(d, opts, err);
    }
    if (s != KO_OK) {
        sq_close(&d->base);
        return s;
    }
    *out = &d->base;
    return KO_OK;
}
