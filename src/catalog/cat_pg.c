/*
 * cat_pg.c - the catalog's PostgreSQL driver (libpq), for many nodes
 * sharing one catalog.
 *
 * One connection per handle.  Statements go through PQexecParams with
 * explicitly typed parameters (text or int8, so "$1 IS NULL" and LIMIT $n
 * never leave the server guessing) and text results.
 *
 * Concurrency.  Write transactions run at READ COMMITTED and the catalog's
 * first statement in each selects the audit head row FOR UPDATE (lock_suffix
 * below): every writer queues on that one row, and because each later
 * statement of a READ COMMITTED transaction takes a fresh snapshot, the
 * writer that gets the lock sees everything its predecessors committed.  So
 * compare-and-swap commits and the audit chain are serialised exactly as on
 * SQLite.  Reads use REPEATABLE READ READ ONLY snapshots (verify walks the
 * whole chain in one).  Serialization failures (40001) and deadlocks (40P01),
 * which this scheme should not produce, and a connection lost before COMMIT
 * are marked retryable; a connection lost during COMMIT is not, because the
 * transaction may have committed ("outcome unknown").
 *
 * Schema migrations take a transaction-scoped advisory lock, so that
 * processes opening a fresh database at once do not race to create it.
 * Text columns compared or sorted by the catalog use COLLATE "C", giving
 * the same byte order as SQLite whatever the database's locale.  libpq's
 * default notice processor prints to stderr; it is replaced by a silent one.
 */
#include "catalog/cat_internal.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { PG_TEXT_OID = 25, PG_INT8_OID = 20 };

typedef struct pg_db {
    ko_db base;
    PGconn *c;
} pg_db;

/* ------------------------------------------------------------------ schema */

static const char *const PG_V1[] = {
    "CREATE TABLE ko_namespace (name TEXT COLLATE \"C\" PRIMARY KEY,"
    " parent TEXT COLLATE \"C\" NOT NULL, created_us BIGINT NOT NULL)",
    "CREATE INDEX ko_namespace_parent ON ko_namespace (parent, name)",
    "CREATE TABLE ko_namespace_prop (ns TEXT COLLATE \"C\" NOT NULL,"
    " key TEXT COLLATE \"C\" NOT NULL, value TEXT NOT NULL, PRIMARY KEY (ns, key))",
    "CREATE TABLE ko_table (ns TEXT COLLATE \"C\" NOT NULL, name TEXT COLLATE \"C\" NOT NULL,"
    " location TEXT NOT NULL, prev_location TEXT, created_us BIGINT NOT NULL,"
    " updated_us BIGINT NOT NULL, PRIMARY KEY (ns, name))",
    "CREATE TABLE ko_audit (id BIGINT PRIMARY KEY, time_us BIGINT NOT NULL,"
    " principal TEXT COLLATE \"C\" NOT NULL, action TEXT COLLATE \"C\" NOT NULL,"
    " object TEXT COLLATE \"C\" NOT NULL, before_location TEXT, after_location TEXT,"
    " summary TEXT NOT NULL, hash TEXT NOT NULL)",
    "CREATE INDEX ko_audit_object ON ko_audit (object, id)",
    "CREATE INDEX ko_audit_time ON ko_audit (time_us)",
    "CREATE TABLE ko_audit_head (one INTEGER PRIMARY KEY CHECK (one = 1),"
    " last_id BIGINT NOT NULL, last_hash TEXT NOT NULL)",
    "INSERT INTO ko_audit_head VALUES (1, 0,"
    " '0000000000000000000000000000000000000000000000000000000000000000')",
    "CREATE FUNCTION ko_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS"
    " $$BEGIN RAISE EXCEPTION 'audit records are append-only'; END$$",
    "CREATE TRIGGER ko_audit_no_change BEFORE UPDATE OR DELETE ON ko_audit"
    " FOR EACH ROW EXECUTE FUNCTION ko_audit_append_only()",
    "CREATE TRIGGER ko_audit_no_truncate BEFORE TRUNCATE ON ko_audit"
    " FOR EACH STATEMENT EXECUTE FUNCTION ko_audit_append_only()",
    NULL,
};

/* Version 2: bearer tokens of the server (token.c). */
static const char *const PG_V2[] = {
    "CREATE TABLE IF NOT EXISTS ko_token (id TEXT COLLATE \"C\" PRIMARY KEY,"
    " principal TEXT NOT NULL, role TEXT NOT NULL, namespace TEXT, salt TEXT NOT NULL,"
    " hash TEXT NOT NULL,"
    " created_us BIGINT NOT NULL, revoked_us BIGINT)",
    NULL,
};

/* Version 3: ingest records and idempotency keys (ingest.c). */
static const char *const PG_V3[] = {
    "CREATE TABLE ko_ingest (id TEXT COLLATE \"C\" PRIMARY KEY, idem_key TEXT COLLATE \"C\""
    " UNIQUE, ns TEXT COLLATE \"C\" NOT NULL, name TEXT COLLATE \"C\" NOT NULL, status TEXT"
    " NOT NULL, attempt BIGINT NOT NULL, received BIGINT NOT NULL DEFAULT 0, written BIGINT"
    " NOT NULL DEFAULT 0, rejected BIGINT NOT NULL DEFAULT 0, bytes BIGINT NOT NULL DEFAULT 0,"
    " created_us BIGINT NOT NULL, updated_us BIGINT NOT NULL, record TEXT)",
    "CREATE INDEX ko_ingest_by_table ON ko_ingest (ns, name, created_us)",
    NULL,
};

/* Version 4: pipeline runs, trigger state and alerts (pipeline.c). */
static const char *const PG_V4[] = {
    "CREATE TABLE ko_pipe_run (id TEXT COLLATE \"C\" PRIMARY KEY, pipeline TEXT COLLATE \"C\""
    " NOT NULL, state TEXT NOT NULL, trigger TEXT NOT NULL, logical_date TEXT, scheduled_us"
    " BIGINT NOT NULL DEFAULT 0, params TEXT NOT NULL, dedup TEXT COLLATE \"C\" UNIQUE,"
    " attempt BIGINT NOT NULL DEFAULT 0, max_attempts BIGINT NOT NULL, backoff_ms BIGINT NOT"
    " NULL, exclusive BIGINT NOT NULL, worker TEXT, lease_until BIGINT NOT NULL DEFAULT 0,"
    " not_before BIGINT NOT NULL, cancel BIGINT NOT NULL DEFAULT 0, created_us BIGINT NOT NULL,"
    " started_us BIGINT NOT NULL DEFAULT 0, updated_us BIGINT NOT NULL, finished_us BIGINT NOT"
    " NULL DEFAULT 0, error TEXT, inputs TEXT, outputs TEXT)",
    "CREATE INDEX ko_pipe_run_ready ON ko_pipe_run (state, not_before)",
    "CREATE INDEX ko_pipe_run_by_pipeline ON ko_pipe_run (pipeline, created_us)",
    "CREATE TABLE ko_pipe_state (pipeline TEXT COLLATE \"C\" NOT NULL, key TEXT COLLATE \"C\""
    " NOT NULL, value TEXT NOT NULL, PRIMARY KEY (pipeline, key))",
    "CREATE TABLE ko_pipe_alert (id TEXT COLLATE \"C\" PRIMARY KEY, kind TEXT NOT NULL, object"
    " TEXT NOT NULL, message TEXT NOT NULL, run_id TEXT, dedup TEXT COLLATE \"C\" UNIQUE,"
    " created_us BIGINT NOT NULL)",
    "CREATE INDEX ko_pipe_alert_time ON ko_pipe_alert (created_us)",
    NULL,
};

/* Version 5: stored responses of Idempotency-Key mutations (idem.c). */
static const char *const PG_V5[] = {
    "CREATE TABLE ko_idem (key TEXT COLLATE \"C\" PRIMARY KEY, status BIGINT NOT NULL, ctype"
    " TEXT, etag TEXT, body TEXT NOT NULL, created_us BIGINT NOT NULL, expires_us BIGINT NOT"
    " NULL)",
    "CREATE INDEX ko_idem_expiry ON ko_idem (expires_us)",
    NULL,
};

static const char *const *const PG_MIGRATIONS[] = {PG_V1, PG_V2, PG_V3, PG_V4, PG_V5};

/* An arbitrary constant naming the migration lock ("korolev" in ASCII). */
static const char PG_MIGRATE_LOCK[] = "SELECT pg_advisory_xact_lock(30227133440746870)";

/* ------------------------------------------------------------------ errors */

static ko_status pg_status_of(const char *state)
{
    static const struct {
        const char *prefix;
        ko_status st;
    } map[] = {
        {"23505", KO_ERR_EXISTS},     {"23", KO_ERR_CONFLICT},     {"40", KO_ERR_CONFLICT},
        {"08", KO_ERR_NETWORK},       {"57P", KO_ERR_NETWORK},     {"28", KO_ERR_PERMISSION},
        {"42501", KO_ERR_PERMISSION}, {"3D000", KO_ERR_NOT_FOUND}, {"53", KO_ERR_NOSPACE},
        {"57014", KO_ERR_TIMEOUT},    {"XX001", KO_ERR_CORRUPT},   {"22", KO_ERR_INVALID},
    };
    for (size_t i = 0; state && i < KO_ARRAY_LEN(map); i++)
        if (strncmp(state, map[i].prefix, strlen(map[i].prefix)) == 0)
            return map[i].st;
    return KO_ERR_IO;
}

/* The first line of a libpq message, without its trailing newline. */
static ko_status pg_fail(ko_status st, const char *what, const char *msg, ko_err *err)
{
    size_t n = msg ? strcspn(msg, "\n") : 0;
    return ko_err_set(err, st, "postgresql: %s: %.*s", what, (int)n, msg ? msg : "");
}

/* Sets err from a failed result (or a NULL one: the connection failed). */
static ko_status pg_error(pg_db *d, PGresult *res, const char *what, bool in_commit, ko_err *err)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    bool lost = PQstatus(d->c) != CONNECTION_OK;
    ko_status st = lost ? KO_ERR_NETWORK : pg_status_of(state);
    bool transient = state && (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0);
    d->base.retryable = (transient || lost) && !in_commit;
    const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (!msg)
        msg = PQerrorMessage(d->c);
    if (in_commit && lost)
        return pg_fail(st, "COMMIT outcome unknown, connection lost", msg, err);
    return pg_fail(st, what, msg, err);
}

/* ------------------------------------------------------------- statements */

static ko_status pg_take_rows(const PGresult *res, ko_arena *a, ko_db_rows *rows, ko_err *err)
{
    size_t nr = (size_t)PQntuples(res), nc = (size_t)PQnfields(res);
    rows->nrows = nr;
    rows->ncols = nc;
    size_t ncells = nr * nc;
    rows->cells = ko_arena_calloc(a, ncells ? ncells : 1, sizeof(char *));
    if (!rows->cells)
        return ko_err_set(err, KO_ERR_NOMEM, "postgresql: out of memory for rows");
    for (size_t r = 0; r < nr; r++) {
        for (size_t c = 0; c < nc; c++) {
            if (PQgetisnull(res, (int)r, (int)c))
                continue;
            char *cell = ko_arena_strndup(a, PQgetvalue(res, (int)r, (int)c),
                                          (size_t)PQgetlength(res, (int)r, (int)c));
            if (!cell)
                return ko_err_set(err, KO_ERR_NOMEM, "postgresql: out of memory for rows");
            rows->cells[r * nc + c] = cell;
        }
    }
    return KO_OK;
}

typedef struct pg_params {
    Oid types[KO_DB_MAX_ARGS];
    const char *values[KO_DB_MAX_ARGS];
    char ints[KO_DB_MAX_ARGS][24];
} pg_params;

static void pg_fill_params(const ko_db_arg *args, size_t nargs, pg_params *p)
{
    for (size_t i = 0; i < nargs; i++) {
        p->types[i] = args[i].kind == KO_DB_INT ? PG_INT8_OID : PG_TEXT_OID;
        p->values[i] = args[i].kind == KO_DB_TEXT ? args[i].s : NULL;
        if (args[i].kind == KO_DB_INT) {
            snprintf(p->ints[i], sizeof p->ints[i], "%lld", (long long)args[i].i);
            p->values[i] = p->ints[i];
        }
    }
}

static ko_status pg_exec(ko_db *db, const char *sql, const ko_db_arg *args, size_t nargs,
                         ko_arena *a, ko_db_rows *rows, int64_t *changes, ko_err *err)
{
    pg_db *d = (pg_db *)db;
    if (nargs > KO_DB_MAX_ARGS)
        return ko_err_set(err, KO_ERR_INTERNAL, "postgresql: %zu arguments", nargs);
    pg_params p;
    pg_fill_params(args, nargs, &p);
    PGresult *res = PQexecParams(d->c, sql, (int)nargs, p.types, p.values, NULL, NULL, 0);
    ExecStatusType rs = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    ko_status s = KO_OK;
    if (rs != PGRES_COMMAND_OK && rs != PGRES_TUPLES_OK)
        s = pg_error(d, res, "query", false, err);
    else if (rows)
        s = pg_take_rows(res, a, rows, err);
    if (s == KO_OK && changes) {
        const char *t = PQcmdTuples(res);
        *changes = t && *t ? strtoll(t, NULL, 10) : 0;
    }
    PQclear(res);
    return s;
}

/* ------------------------------------------------------------ transactions */

static ko_status pg_simple(pg_db *d, const char *sql, bool in_commit, ko_err *err)
{
    PGresult *res = PQexec(d->c, sql);
    ko_status s = KO_OK;
    if (!res || (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK))
        s = pg_error(d, res, sql, in_commit, err);
    PQclear(res);
    return s;
}

static ko_status pg_begin(ko_db *db, ko_db_txn kind, ko_err *err)
{
    pg_db *d = (pg_db *)db;
    if (PQstatus(d->c) != CONNECTION_OK) {
        PQreset(d->c);
        if (PQstatus(d->c) != CONNECTION_OK) {
            d->base.retryable = true;
            return pg_fail(KO_ERR_NETWORK, "reconnect", PQerrorMessage(d->c), err);
        }
    }
    if (kind == KO_DB_READ)
        return pg_simple(d, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", false, err);
    ko_status s = pg_simple(d, "BEGIN ISOLATION LEVEL READ COMMITTED", false, err);
    if (s == KO_OK && kind == KO_DB_MIGRATE)
        s = pg_simple(d, PG_MIGRATE_LOCK, false, err);
    return s;
}

static ko_status pg_commit(ko_db *db, ko_err *err)
{
    return pg_simple((pg_db *)db, "COMMIT", true, err);
}

static void pg_rollback(ko_db *db)
{
    pg_db *d = (pg_db *)db;
    if (PQstatus(d->c) == CONNECTION_OK && PQtransactionStatus(d->c) != PQTRANS_IDLE)
        PQclear(PQexec(d->c, "ROLLBACK"));
}

static void pg_close(ko_db *db)
{
    pg_db *d = (pg_db *)db;
    PQfinish(d->c);
    free(d);
}

static const ko_db_ops PG_OPS = {
    .name = "postgresql",
    .lock_suffix = " FOR UPDATE",
    .migrations = PG_MIGRATIONS,
    .nmigrations = (int)KO_ARRAY_LEN(PG_MIGRATIONS),
    .exec = pg_exec,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .close = pg_close,
};

/* ------------------------------------------------------------------ opening */

static void pg_quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

ko_status ko_db_pg_open(const char *uri, ko_db **out, ko_err *err)
{
    pg_db *d = calloc(1, sizeof *d);
    if (!d)
        return ko_err_set(err, KO_ERR_NOMEM, "postgresql: out of memory");
    d->base.ops = &PG_OPS;
    d->c = PQconnectdb(uri);
    if (!d->c) {
        free(d);
        return ko_err_set(err, KO_ERR_NOMEM, "postgresql: out of memory connecting");
    }
    if (PQstatus(d->c) != CONNECTION_OK) {
        ko_status st = pg_fail(KO_ERR_NETWORK, "connect", PQerrorMessage(d->c), err);
        pg_close(&d->base);
        return st;
    }
    PQsetNoticeProcessor(d->c, pg_quiet, NULL);
    *out = &d->base;
    return KO_OK;
}
