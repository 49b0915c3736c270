/*
 * cat_internal.h - what the catalog's files share: the database driver
 * interface (one per backend: cat_sqlite.c, cat_pg.c), the ko_cat handle,
 * the transaction runner and name encoding.  Not part of the public API.
 *
 * The catalog logic (namespace.c, table.c, audit.c) is written once, in SQL
 * that both SQLite and PostgreSQL accept, with parameters written $1, $2 ...
 * (PostgreSQL's form; SQLite binds them by name).  A driver runs one
 * statement with typed arguments and returns every cell as text in an
 * arena, which is all the catalog needs.  What differs between the backends
 * (DDL types and collations, how a write transaction takes the lock, which
 * errors are transient) stays inside the drivers.
 */
#ifndef KO_CAT_INTERNAL_H
#define KO_CAT_INTERNAL_H

#include "catalog/catalog.h"

#include <pthread.h>

/* ----------------------------------------------------------------- drivers */

typedef enum ko_db_kind { KO_DB_NULL, KO_DB_TEXT, KO_DB_INT } ko_db_kind;

/* A statement argument: text (NULL text is SQL NULL) or a 64-bit integer. */
typedef struct ko_db_arg {
    ko_db_kind kind;
    const char *s;
    int64_t i;
} ko_db_arg;

static inline ko_db_arg ko_db_text(const char *s)
{
    return (ko_db_arg){s ? KO_DB_TEXT : KO_DB_NULL, s, 0};
}

static inline ko_db_arg ko_db_int(int64_t i)
{
    return (ko_db_arg){KO_DB_INT, NULL, i};
}

enum { KO_DB_MAX_ARGS = 16 };

/* Result rows: cells[r * ncols + c], each NUL-terminated text or NULL for
 * SQL NULL, allocated in the arena given to exec. */
typedef struct ko_db_rows {
    size_t nrows;
    size_t ncols;
    char **cells;
} ko_db_rows;

static inline const char *ko_db_cell(const ko_db_rows *r, size_t row, size_t col)
{
    return r->cells[row * r->ncols + col];
}

typedef enum ko_db_txn {
    KO_DB_READ,    /* a consistent read-only snapshot */
    KO_DB_WRITE,   /* a read-write transaction (the catalog then takes its lock) */
    KO_DB_MIGRATE, /* a write transaction serialised against other migrations */
} ko_db_txn;

typedef struct ko_db ko_db;

typedef struct ko_db_ops {
    const char *name; /* "sqlite", "postgresql" */
    /* Appended to the SELECT of the audit head that opens every write
     * transaction, to lock it until commit (" FOR UPDATE", or "" where
     * BEGIN IMMEDIATE already holds the database's write lock). */
    const char *lock_suffix;
    /* migrations[v - 1]: NULL-terminated DDL statements taking the schema
     * from version v - 1 to v. */
    const char *const *const *migrations;
    int nmigrations;
    /* Runs one statement; rows (may be NULL) receives its result in a,
     * changes (may be NULL) the number of rows it changed. */
    ko_status (*exec)(ko_db *db, const char *sql, const ko_db_arg *args, size_t nargs, ko_arena *a,
                      ko_db_rows *rows, int64_t *changes, ko_err *err);
    ko_status (*begin)(ko_db *db, ko_db_txn kind, ko_err *err);
    ko_status (*commit)(ko_db *db, ko_err *err);
    void (*rollback)(ko_db *db); /* harmless without an open transaction */
    void (*close)(ko_db *db);
} ko_db_ops;

/* Every driver's connection struct starts with this header. */
struct ko_db {
    const ko_db_ops *ops;
    /* Set by a failing call whose error is transient (busy, serialization
     * failure, deadlock, connection lost outside COMMIT): the transaction
     * may be rolled back and run again. */
    bool retryable;
};

ko_status ko_db_sqlite_open(const char *path, const ko_cat_options *opts, ko_db **out, ko_err *err);
ko_status ko_db_pg_open(const char *uri, ko_db **out, ko_err *err);

/* ------------------------------------------------------------------ handle */

enum { KO_CAT_HASH_HEX = 64 };

struct ko_cat {
    pthread_mutex_t mu;
    ko_db *db;
    char *uri; /* password redacted */
    int max_attempts;
    uint64_t rng;     /* backoff jitter */
    ko_arena scratch; /* per call; freed when the call ends */
    /* The audit chain's head, read under the write lock at the start of
     * each write transaction and advanced by every appended record. */
    int64_t head_id;
    char head_hash[KO_CAT_HASH_HEX + 1];
};

/* A transaction body; runs with the handle's mutex held, inside a database
 * transaction that cat_run commits if it returns KO_OK. */
typedef ko_status (*cat_body_fn)(ko_cat *cat, void *ctx, ko_err *err);

/* Runs fn in a transaction of the given kind, retrying transient failures
 * with backoff up to cat->max_attempts times.  For KO_DB_WRITE the audit head
 * is locked and loaded first. */
ko_status cat_run(ko_cat *cat, ko_db_txn kind, cat_body_fn fn, void *ctx, ko_err *err);

/* Runs one statement with the scratch arena (rows may be NULL). */
ko_status cat_exec(ko_cat *cat, const char *sql, const ko_db_arg *args, size_t nargs,
                   ko_db_rows *rows, int64_t *changes, ko_err *err);

/* ------------------------------------------------------------------- names */

/* Checks ns and encodes it as its parts joined by 0x1F (the storage key,
 * whose byte order is the listing order), in the scratch arena; *parent
 * (may be NULL) receives the key of its parent ("" at the top level) and
 * *dotted (may be NULL) "a.b" for messages. */
ko_status cat_ns_key(ko_cat *cat, ko_cat_ns ns, const char **key, const char **parent,
                     const char **dotted, ko_err *err);
/* Checks a table name (non-empty, no control characters). */
ko_status cat_check_name(const char *what, const char *name, ko_err *err);
/* Decodes a storage key into a namespace allocated in a. */
ko_status cat_ns_from_key(const char *key, ko_arena *a, ko_cat_ns *out, ko_err *err);

/* Page tokens: the last name of a page, hex-encoded (opaque to callers). */
char *cat_token_encode(const char *last, ko_arena *a);
ko_status cat_token_decode(const char *token, ko_arena *a, const char **out, ko_err *err);
/* 0 -> 100, capped at 10000. */
size_t cat_page_size(size_t requested);

/* ------------------------------------------------------------------- audit */

/* Appends a record to the chain inside the current write transaction.
 * extra (may be NULL) is a JSON object text with the catalog's facts,
 * merged under keys the caller's summary does not use. */
typedef struct cat_audit_in {
    const ko_cat_change *chg;
    const char *summary; /* overrides chg->summary when non-NULL */
    const char *action;
    const char *object;
    const char *before;
    const char *after;
    const char *extra;
} cat_audit_in;

ko_status cat_audit_add(ko_cat *cat, const cat_audit_in *in, int64_t *id, ko_err *err);
/* Serialises j (compact, sorted keys) into the scratch arena and releases
 * it; j == NULL (a failed json_ constructor) is KO_ERR_NOMEM. */
struct json_t;
ko_status cat_json_take(ko_cat *cat, struct json_t *j, const char **out, ko_err *err);
/* Checks that a caller's summary is a JSON object (NULL is fine). */
ko_status cat_check_summary(const char *summary, ko_err *err);

#endif /* KO_CAT_INTERNAL_H */
