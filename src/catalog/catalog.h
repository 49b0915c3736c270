/*
 * catalog.h - the Korolev catalog: namespaces, table metadata pointers,
 * atomic commits and an append-only, hash-chained audit trail.
 *
 * One interface, two backends, chosen by the URI given to ko_cat_open:
 *
 *   sqlite:PATH          a SQLite database file (the default; WAL mode, busy
 *                        timeout, created if missing); "sqlite::memory:" is a
 *                        private in-memory database, for tests.
 *   postgresql://...     a PostgreSQL database through libpq (also
 *   postgres://...       "postgres://"); the URI is passed to libpq as is.
 *
 * The schema is created, or migrated to the current version, on open (table
 * ko_schema_version).  A database written by a newer Korolev is refused.
 *
 * Tables.  A table is a name in a namespace that points at its current
 * Iceberg metadata file (a location string) and remembers the previous one.
 * The catalog never reads metadata files; the Iceberg layer does.  A commit
 * is a compare-and-swap of that pointer inside one database transaction:
 * it succeeds only if the current location is the one the writer read, else
 * KO_ERR_CONFLICT and the writer re-reads, re-validates and retries.
 * ko_cat_commit_multi swaps several pointers atomically (all or nothing).
 *
 * Audit trail.  Every mutation appends exactly one record per changed
 * object in the same transaction as the change, so a change and its record
 * commit or vanish together.  Records are numbered 1, 2, 3 ... without gaps;
 * each carries SHA-256 over the previous record's hash and a canonical
 * serialization of itself, so editing, removing or reordering any record
 * breaks the chain, which ko_cat_audit_verify detects.  There is no API to
 * update or delete records, and the schema refuses UPDATE and DELETE on them.
 * All writers serialise on one lock (SQLite: BEGIN IMMEDIATE; PostgreSQL:
 * the audit head row selected FOR UPDATE), so the chain never forks, across
 * threads, processes and machines.
 *
 * Transient failures (SQLite busy after the busy timeout, PostgreSQL
 * serialization failures and deadlocks, a connection lost before commit)
 * are retried with backoff inside each call; callers see only the outcome.
 * A connection lost during COMMIT is reported as KO_ERR_NETWORK with
 * "outcome unknown" and is not retried, since the change may have landed.
 *
 * Threads.  A ko_cat holds one database connection guarded by a mutex: one
 * handle may be shared by threads (calls run one at a time).  Processes
 * open their own handles; never use a handle in a child after fork().
 *
 * Memory.  Inputs are borrowed for the duration of the call.  Outputs are
 * allocated in the arena the caller passes and live until it is freed.
 *
 * Errors.  Every failing call returns a status and fills err with a message
 * naming the namespace or table and the problem, such as "table sales.orders
 * not found" or "commit of sales.orders conflicts: expected metadata location
 * A but the current one is B".
 *   KO_ERR_INVALID    bad name, URI, page token, summary JSON or argument
 *   KO_ERR_NOT_FOUND  namespace, parent namespace or table does not exist
 *   KO_ERR_EXISTS     namespace or table (create, rename target) exists
 *   KO_ERR_CONFLICT   stale expected location; namespace not empty on drop
 *   KO_ERR_CORRUPT    audit chain broken (the message names the record id)
 *   KO_ERR_TIMEOUT, KO_ERR_NETWORK, KO_ERR_IO ...  the database failed
 */
#ifndef KO_CATALOG_H
#define KO_CATALOG_H

#include "base/base.h"

typedef struct ko_cat ko_cat;

/* ------------------------------------------------------------------ opening */

typedef struct ko_cat_options {
    int busy_timeout_ms; /* SQLite: wait this long for the write lock; default 5000 */
    int max_attempts;    /* per call, for transient failures; default 100 */
} ko_cat_options;

/* Opens (creating or migrating the schema) the catalog named by uri; opts may
 * be NULL.  Errors name the URI with any password removed. */
ko_status ko_cat_open(const char *uri, const ko_cat_options *opts, ko_cat **out, ko_err *err);
void ko_cat_close(ko_cat *cat);
/* "sqlite" or "postgresql". */
const char *ko_cat_backend(const ko_cat *cat);
/* The URI the catalog was opened with, any password replaced by "***". */
const char *ko_cat_uri(const ko_cat *cat);

/* Version of the schema this code writes (what ko_schema_version holds). */
enum { KO_CAT_SCHEMA_VERSION = 5 };

/* ------------------------------------------------------------------- names */

/* A namespace name: its parts, outermost first, e.g. {"sales", "eu"} for
 * sales.eu.  At least one part; parts are non-empty and contain no 0x1F
 * (the unit separator, Iceberg REST's namespace separator).  Borrowed. */
typedef struct ko_cat_ns {
    const char *const *parts;
    size_t len;
} ko_cat_ns;

/* KO_CAT_NS("sales", "eu"): a namespace literal. */
#define KO_CAT_NS(...)                               \
    ((ko_cat_ns){(const char *const[]){__VA_ARGS__}, \
                 sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *)})

/* Splits "sales.eu" at dots into a namespace whose parts live in a. */
ko_status ko_cat_ns_parse(const char *dotted, ko_arena *a, ko_cat_ns *out, ko_err *err);
/* "sales.eu": the parts joined by dots, in a (NULL if out of memory). */
char *ko_cat_ns_str(ko_cat_ns ns, ko_arena *a);

/* Who makes a change and why, recorded in the audit trail.  Either field may
 * be NULL: principal defaults to "anonymous"; summary, when given, must be a
 * JSON object (e.g. {"operation":"append","snapshot-id":42}); the catalog
 * adds its own facts about the change (renamed to, properties updated) to
 * it under keys the caller did not use.  A NULL ko_cat_change pointer means
 * both defaults. */
typedef struct ko_cat_change {
    const char *principal;
    const char *summary;
} ko_cat_change;

/* -------------------------------------------------------------- namespaces */

typedef struct ko_cat_prop {
    const char *key;
    const char *value;
} ko_cat_prop;

typedef struct ko_cat_props {
    ko_cat_prop *items; /* sorted by key */
    size_t len;
} ko_cat_props;

/* A page of a listing, in byte order of names.  next_token is NULL on the
 * last page, else pass it back to get the next page. */
typedef struct ko_cat_ns_page {
    ko_cat_ns *items;
    size_t len;
    const char *next_token;
} ko_cat_ns_page;

typedef struct ko_cat_name_page {
    const char **names;
    size_t len;
    const char *next_token;
} ko_cat_name_page;

/* Creates ns with properties props[0..nprops).  Its parent (all parts but
 * the last) must exist: KO_ERR_NOT_FOUND otherwise; KO_ERR_EXISTS if ns
 * does.  Audit action "namespace.create". */
ko_status ko_cat_ns_create(ko_cat *cat, const ko_cat_change *chg, ko_cat_ns ns,
                           const ko_cat_prop *props, size_t nprops, ko_err *err);
/* Loads the properties of ns into out (KO_ERR_NOT_FOUND if missing). */
ko_status ko_cat_ns_load(ko_cat *cat, ko_cat_ns ns, ko_arena *a, ko_cat_props *out, ko_err *err);
ko_status ko_cat_ns_exists(ko_cat *cat, ko_cat_ns ns, bool *exists, ko_err *err);
/* Lists the children of parent (parent == NULL or parent->len == 0: the top
 * level), after page_token (NULL: from the start), at most page_size (0:
 * 100, at most 10000).  KO_ERR_NOT_FOUND if parent does not exist. */
ko_status ko_cat_ns_list(ko_cat *cat, const ko_cat_ns *parent, const char *page_token,
                         size_t page_size, ko_arena *a, ko_cat_ns_page *out, ko_err *err);
/* Drops an empty namespace and its properties.  KO_ERR_CONFLICT naming a
 * table or child namespace if it is not empty.  Action "namespace.drop". */
ko_status ko_cat_ns_drop(ko_cat *cat, const ko_cat_change *chg, ko_cat_ns ns, ko_err *err);

/* What ko_cat_ns_update_props did: keys set, keys removed, and keys asked
 * to be removed that were not there.  Each list is sorted. */
typedef struct ko_cat_prop_update {
    const char **updated;
    size_t n_updated;
    const char **removed;
    size_t n_removed;
    const char **missing;
    size_t n_missing;
} ko_cat_prop_update;

/* Sets sets[0..nsets) and removes removals[0..nremovals) in one transaction.
 * A key both set and removed, set twice or removed twice is KO_ERR_INVALID.
 * out may be NULL (else its lists are allocated in a).  Action
 * "namespace.update_properties"; the summary holds the keys set (with their
 * values) and removed. */
ko_status ko_cat_ns_update_props(ko_cat *cat, const ko_cat_change *chg, ko_cat_ns ns,
                                 const ko_cat_prop *sets, size_t nsets, const char *const *removals,
                                 size_t nremovals, ko_arena *a, ko_cat_prop_update *out,
                                 ko_err *err);

/* ------------------------------------------------------------------ tables */

typedef struct ko_cat_table {
    const char *location;      /* current metadata file */
    const char *prev_location; /* the one before the last commit, or NULL */
    int64_t created_us;
    int64_t updated_us;
} ko_cat_table;

/* Registers table ns.name pointing at metadata_location.  The namespace
 * must exist; KO_ERR_EXISTS if the table does.  create and register differ
 * only in the audit action ("table.create" / "table.register": an existing
 * metadata file, e.g. written by another engine). */
ko_status ko_cat_table_create(ko_cat *cat, const ko_cat_change *chg, ko_cat_ns ns, const char *name,
                              const char *metadata_location, ko_err *err);
ko_status ko_cat_table_register(ko_cat *cat, const ko_cat_change *chg, ko_cat_ns ns,
                                const char *name, const char *metadata_location, ko_err *err);
/* KO_ERR_NOT_FOUND naming ns.name if missing. */
ko_status ko_cat_table_load(ko_cat *cat, ko_cat_ns ns, const char *name, ko_arena *a,
                            ko_cat_table *out, ko_err *err);
ko_status ko_cat_table_exists(ko_cat *cat, ko_cat_ns ns, const char *name, bool *exists,
                              ko_err *err);
/* Lists the tables of ns (which must exist), paginated as ko_cat_ns_list. */
ko_status ko_cat_table_list(ko_cat *cat, ko_cat_ns ns, const char *page_token, size_t page_size,
                            ko_arena *a, ko_cat_name_page *out, ko_err *err);
/* Renames ns.name to to_ns.to_name (any existing namespace); the target
 * must not exist (KO_ERR_EXISTS).  Action "table.rename", object the old
 * name, summary {"renamed-to": "new.name"}. */
ko_status ko_cat_table_rename(ko_cat *cat, const ko_cat_change *chg, ko_cat_ns ns, const char *name,
                              ko_cat_ns to_ns, const char *to_name, ko_err *err);
/* Removes the table from the catalog and returns (in a, if last_location is
 * non-NULL) its last metadata location so that the caller may purge its
 * files.  Action "table.drop". */
ko_status ko_cat_table_drop(ko_cat *cat, const ko_cat_change *chg, ko_cat_ns ns, const char *name,
                            ko_arena *a, const char **last_location, ko_err *err);

/* ----------------------------------------------------------------- commits */

/* Swaps the metadata pointer of ns.name from expected_location to
 * new_location, atomically with its audit record (action "table.commit",
 * before/after the two locations, chg->summary e.g. the operation and
 * snapshot id).  KO_ERR_CONFLICT naming both locations if the current one
 * is not expected_location: nothing changes. */
ko_status ko_cat_commit(ko_cat *cat, const ko_cat_change *chg, ko_cat_ns ns, const char *name,
                        const char *expected_location, const char *new_location, ko_err *err);

typedef struct ko_cat_commit_req {
    ko_cat_ns ns;
    const char *name;
    const char *expected_location;
    const char *new_location;
    const char *summary; /* this table's audit summary; NULL: chg->summary */
} ko_cat_commit_req;

/* Commits reqs[0..n) in one transaction, one audit record each, in order:
 * all or nothing.  A table named twice is KO_ERR_INVALID; the first failing
 * request's error (conflict, not found) is returned and nothing changes. */
ko_status ko_cat_commit_multi(ko_cat *cat, const ko_cat_change *chg, const ko_cat_commit_req *reqs,
                              size_t n, ko_err *err);

/* ------------------------------------------------------------- audit trail */

typedef struct ko_cat_audit_rec {
    int64_t id;      /* 1, 2, 3 ... in commit order */
    int64_t time_us; /* ko_now_us() when appended */
    const char *principal;
    const char *action;          /* "table.commit", "namespace.create", ... */
    const char *object;          /* "sales.eu" or "sales.eu.orders" */
    const char *before_location; /* NULL when none */
    const char *after_location;  /* NULL when none */
    const char *summary;         /* JSON object text */
    const char *hash;            /* 64 lowercase hex digits */
} ko_cat_audit_rec;

/* Filters for ko_cat_audit_list; zero-initialised matches everything. */
typedef struct ko_cat_audit_filter {
    const char *object;        /* exactly this object */
    const char *object_prefix; /* objects starting with this ("sales." for a namespace) */
    const char *principal;
    const char *action;
    int64_t since_us; /* time_us >= since_us, when non-zero */
    int64_t until_us; /* time_us < until_us, when non-zero */
    bool newest_first;
} ko_cat_audit_filter;

typedef struct ko_cat_audit_page {
    ko_cat_audit_rec *items;
    size_t len;
    const char *next_token;
} ko_cat_audit_page;

/* Lists records matching filter (may be NULL) in id order (descending with
 * newest_first), paginated as ko_cat_ns_list. */
ko_status ko_cat_audit_list(ko_cat *cat, const ko_cat_audit_filter *filter, const char *page_token,
                            size_t page_size, ko_arena *a, ko_cat_audit_page *out, ko_err *err);

/* Appends a record for a mutation outside the catalog's own tables, such as
 * removing unreferenced data files.  action and object must be non-empty;
 * locations may be NULL.  The new record's id goes to *id if non-NULL. */
ko_status ko_cat_audit_append(ko_cat *cat, const ko_cat_change *chg, const char *action,
                              const char *object, const char *before_location,
                              const char *after_location, int64_t *id, ko_err *err);

/* One record of ko_cat_audit_append_many (the fields of
 * ko_cat_audit_append). */
typedef struct ko_cat_audit_new {
    ko_cat_change chg;
    const char *action, *object;
    const char *before_location, *after_location;
} ko_cat_audit_new;

/* Appends recs[0..n) in one write transaction (one commit, one fsync on
 * SQLite), with consecutive ids in order; all or none.  For group commit
 * of many small records (the server's query audit).  The first id goes to
 * *first_id if non-NULL. */
ko_status ko_cat_audit_append_many(ko_cat *cat, const ko_cat_audit_new *recs, size_t n,
                                   int64_t *first_id, ko_err *err);

/* Walks the whole chain in one consistent snapshot, recomputing each hash.
 * KO_ERR_CORRUPT naming the first record whose id is out of sequence or
 * whose hash does not match its contents and predecessor, or a chain whose
 * end differs from the recorded head (records removed at the end).  The
 * number of records checked goes to *count if non-NULL. */
ko_status ko_cat_audit_verify(ko_cat *cat, int64_t *count, ko_err *err);

/* ----------------------------------------------------- idempotency keys */

/* Stored responses of the server's mutations, by Idempotency-Key (idem.c,
 * table ko_idem since schema version 5).  key is the caller's scoped key
 * (any text); a record is returned until expires_us (wall clock). */
typedef struct ko_cat_idem {
    int status;
    const char *ctype; /* may be NULL */
    const char *etag;  /* may be NULL */
    const char *body;  /* text, NUL-terminated */
    int64_t expires_us;
} ko_cat_idem;

/* Loads key's record, if any and not expired at now_us, into a; *found
 * tells. */
ko_status ko_cat_idem_get(ko_cat *cat, const char *key, int64_t now_us, ko_arena *a,
                          ko_cat_idem *out, bool *found, ko_err *err);
/* Stores (or replaces) key's record, and deletes records expired at
 * now_us. */
ko_status ko_cat_idem_put(ko_cat *cat, const char *key, const ko_cat_idem *rec, int64_t now_us,
                          ko_err *err);

/* ------------------------------------------------------------------ tokens */

/* Bearer tokens for the server (token.c).  A token is
 * "kor_<id>_<secret>": id (16 hex digits) finds its row, secret (64 hex
 * digits, 256 random bits) is never stored: the row keeps a random
 * per-token salt and SHA-256(salt || secret), compared in constant time.
 * Roles are "reader", "writer" and "admin"; namespace (dotted, NULL for
 * every namespace) scopes a token to that namespace and those below it.
 * Creating and revoking append audit records ("token.create",
 * "token.revoke", object "token:<id>"). */
typedef struct ko_cat_token {
    const char *id;
    const char *principal;
    const char *role;
    const char *ns;   /* NULL: all namespaces */
    const char *salt; /* hex */
    const char *hash; /* hex SHA-256(salt || secret) */
    int64_t created_us;
    int64_t revoked_us; /* 0 while active */
} ko_cat_token;

enum { KO_CAT_TOKEN_MAX = 96 };

/* Creates a token; the whole token text (shown once, never stored) goes to
 * token_out (KO_CAT_TOKEN_MAX bytes) and its id to id_out (may be NULL;
 * 17 bytes).  Bad roles, principals or namespaces are KO_ERR_INVALID. */
ko_status ko_cat_token_create(ko_cat *cat, const ko_cat_change *chg, const char *principal,
                              const char *role, const char *ns, char token_out[KO_CAT_TOKEN_MAX],
                              char id_out[17], ko_err *err);
/* The row of token id (KO_ERR_NOT_FOUND), revoked or not, in a. */
ko_status ko_cat_token_get(ko_cat *cat, const char *id, ko_arena *a, ko_cat_token *out,
                           ko_err *err);
/* Every token, oldest first, in a. */
ko_status ko_cat_token_list(ko_cat *cat, ko_arena *a, ko_cat_token **out, size_t *n, ko_err *err);
/* Marks token id revoked (KO_ERR_NOT_FOUND if unknown; revoking twice is
 * fine). */
ko_status ko_cat_token_revoke(ko_cat *cat, const ko_cat_change *chg, const char *id, ko_err *err);
/* Splits token text into its id and secret (pointers into a); false when
 * it is not of the form above. */
bool ko_cat_token_split(const char *token, ko_arena *a, const char **id, const char **secret);
/* Whether secret hashes, with row->salt, to row->hash (constant time). */
bool ko_cat_token_matches(const ko_cat_token *row, const char *secret);
/* hex SHA-256(unhex(salt_hex) || secret) into out (65 bytes). */
ko_status ko_cat_token_hash(const char *salt_hex, const char *secret, char out[65], ko_err *err);

/* ----------------------------------------------------------------- ingests */

/* Ingest records (ingest.c): one row per ingest with its accounting, and
 * the claim on its idempotency key.  A key is unique (a UNIQUE constraint,
 * and claims run under the catalog's write lock), so two ingests racing
 * with one key never both run.  States:
 *   running    claimed; updated_us is the owner's heartbeat
 *   succeeded  committed: final, a repeated key returns it
 *   failed     final verdict without a commit (reject ratio exceeded): a
 *              repeated key returns it
 *   aborted    stopped by an error before any table commit: the key is
 *              free again, the next claim re-runs the ingest (same id)
 * A running claim whose heartbeat is older than the lease is abandoned
 * (its owner crashed): the next claim takes it over (same id).  attempt
 * counts claims of the row and fences: heartbeat and finish act only for
 * the attempt that holds the claim (else KO_ERR_CONFLICT). */
typedef struct ko_cat_ingest {
    const char *id;       /* the ingest id (a UUID) */
    const char *idem_key; /* NULL: none */
    const char *ns;       /* dotted namespace */
    const char *name;     /* table */
    const char *status;   /* "running", "succeeded", "failed", "aborted" */
    int64_t attempt;
    int64_t received, written, rejected, bytes;
    int64_t created_us, updated_us;
    const char *record; /* JSON object text, the full record (NULL while running) */
} ko_cat_ingest;

typedef enum ko_cat_claim {
    KO_CAT_CLAIM_NEW,      /* a new row: run the ingest */
    KO_CAT_CLAIM_TAKEOVER, /* an aborted or abandoned row, now ours: run it again */
    KO_CAT_CLAIM_DONE,     /* the key finished (succeeded or failed): return its record */
    KO_CAT_CLAIM_BUSY,     /* another owner holds the key and is alive */
} ko_cat_claim;

/* Claims want->idem_key (or, when NULL, just inserts a row) for ingest
 * want->id into want->ns.want->name: in one write transaction, a new row
 * (status running, attempt 1), or the existing row of the key as above.
 * lease_us: how old a running row's heartbeat must be to count as
 * abandoned.  *out receives the row as it now is (in a).  A key already
 * used for another table is KO_ERR_CONFLICT. */
ko_status ko_cat_ingest_claim(ko_cat *cat, const ko_cat_ingest *want, int64_t lease_us, ko_arena *a,
                              ko_cat_ingest *out, ko_cat_claim *result, ko_err *err);
/* Renews the heartbeat of a running claim (KO_ERR_CONFLICT when attempt
 * no longer holds it). */
ko_status ko_cat_ingest_heartbeat(ko_cat *cat, const char *id, int64_t attempt, ko_err *err);
/* Ends a running claim held by attempt: sets status, counts and record,
 * and appends the audit record "ingest.<status>" (object ns.name, summary
 * the record) in the same transaction.  KO_ERR_CONFLICT when the claim was
 * lost. */
ko_status ko_cat_ingest_finish(ko_cat *cat, const ko_cat_change *chg, const ko_cat_ingest *fin,
                               ko_err *err);
/* The row of ingest id (KO_ERR_NOT_FOUND), in a. */
ko_status ko_cat_ingest_get(ko_cat *cat, const char *id, ko_arena *a, ko_cat_ingest *out,
                            ko_err *err);
/* The ingests of ns.name (both NULL: all), newest first, at most limit
 * (0: 100), in a. */
ko_status ko_cat_ingest_list(ko_cat *cat, const char *ns, const char *name, size_t limit,
                             ko_arena *a, ko_cat_ingest **out, size_t *n, ko_err *err);

/* ------------------------------------------------------------- pipelines */

/* Pipeline runs, trigger state and alerts (pipeline.c; the pipeline layer,
 * src/pipeline/pipeline.h, explains the model).  Every time is passed in as
 * now_us by the caller (the pipeline clock, controllable in tests).
 *
 * States: queued -> running -> succeeded | failed | retrying | cancelled;
 * retrying -> running (when not_before has come); queued, retrying ->
 * cancelled.  A running run holds a lease until lease_until; attempt
 * counts claims and is the fencing token: heartbeat, finish and fenced
 * commits act only for the attempt holding an unexpired lease
 * (KO_ERR_CONFLICT otherwise).  Claims run in a write transaction (SQLite:
 * BEGIN IMMEDIATE; PostgreSQL: SELECT ... FOR UPDATE SKIP LOCKED under the
 * catalog's write lock), so a run is claimed by one worker at a time. */
typedef struct ko_cat_run {
    const char *id;           /* UUID */
    const char *pipeline;     /* pipeline name */
    const char *state;        /* queued, running, succeeded, failed, retrying, cancelled */
    const char *trigger;      /* "manual", "cron", "upstream", "landing", "backfill", ... */
    const char *logical_date; /* "YYYY-MM-DD" or NULL */
    int64_t scheduled_us;     /* cron: the scheduled time; else 0 */
    const char *params;       /* JSON object text */
    const char *dedup;        /* unique enqueue key (NULL: none) */
    int64_t attempt, max_attempts, backoff_ms;
    bool exclusive; /* no overlapping runs of the pipeline */
    const char *worker;
    int64_t lease_until, not_before;
    bool cancel; /* cancellation requested while running */
    int64_t created_us, started_us, updated_us, finished_us;
    const char *error;   /* NULL when none */
    const char *inputs;  /* JSON array text or NULL: [{"table","snapshot-id"}] */
    const char *outputs; /* JSON array text or NULL */
} ko_cat_run;

/* Inserts run r (state queued; id, pipeline, trigger, params,
 * max_attempts, backoff_ms, exclusive, not_before and the optional fields
 * taken from r).  With a dedup key that exists already nothing is
 * inserted and *created (may be NULL) is false. */
ko_status ko_cat_run_enqueue(ko_cat *cat, const ko_cat_run *r, int64_t now_us, bool *created,
                             ko_err *err);
/* Claims the oldest ready run (queued, or retrying with not_before <=
 * now) among pipelines[0..n) (NULL: any) whose pipeline, when exclusive,
 * has no running run: state running, attempt + 1, worker, lease_until =
 * now + lease_us.  *got says whether one was claimed (then *out, in a). */
ko_status ko_cat_run_claim(ko_cat *cat, const char *worker, int64_t lease_us, int64_t now_us,
                           const char *const *pipelines, size_t n, ko_arena *a, ko_cat_run *out,
                           bool *got, ko_err *err);
/* Renews the lease of attempt (KO_ERR_CONFLICT when it no longer holds
 * it); *cancel (may be NULL) says whether cancellation was requested. */
ko_status ko_cat_run_heartbeat(ko_cat *cat, const char *id, int64_t attempt, int64_t lease_us,
                               int64_t now_us, bool *cancel, ko_err *err);
/* Ends attempt fin->attempt of running run fin->id: state (succeeded,
 * failed, retrying with fin->not_before, cancelled), error, inputs,
 * outputs; appends audit record "pipeline.run.<state>" (object
 * "pipeline:<name>") in the same transaction.  KO_ERR_CONFLICT when the
 * attempt lost its lease. */
ko_status ko_cat_run_finish(ko_cat *cat, const ko_cat_change *chg, const ko_cat_run *fin,
                            int64_t now_us, ko_err *err);
/* Marks every running run whose lease expired before now "worker lost":
 * retrying (not_before = now + backoff) while attempts remain, else
 * failed.  The runs changed (as they now are) go to *lost, *n (in a). */
ko_status ko_cat_run_reap(ko_cat *cat, int64_t now_us, ko_arena *a, ko_cat_run **lost, size_t *n,
                          ko_err *err);
/* Cancels a queued or retrying run at once, or asks a running one to stop
 * (its worker sees it at the next heartbeat).  *state (may be NULL; static
 * text) receives the state after the call.  KO_ERR_NOT_FOUND, or
 * KO_ERR_CONFLICT for a run already finished. */
ko_status ko_cat_run_cancel(ko_cat *cat, const char *id, int64_t now_us, const char **state,
                            ko_err *err);
ko_status ko_cat_run_get(ko_cat *cat, const char *id, ko_arena *a, ko_cat_run *out, ko_err *err);
/* Runs of pipeline (NULL: all) in state (NULL: any), newest first, at most
 * limit (0: 100). */
ko_status ko_cat_run_list(ko_cat *cat, const char *pipeline, const char *state, size_t limit,
                          ko_arena *a, ko_cat_run **out, size_t *n, ko_err *err);
/* Swaps table ns.name's pointer (as ko_cat_commit, audit "table.commit")
 * only if run_id's attempt still holds an unexpired lease, checked in the
 * same transaction: else KO_ERR_TIMEOUT naming the run (the iceberg layer
 * retries only KO_ERR_CONFLICT, which stays the pointer conflict). */
ko_status ko_cat_run_fenced_commit(ko_cat *cat, const ko_cat_change *chg, const char *run_id,
                                   int64_t attempt, int64_t now_us, ko_cat_ns ns, const char *name,
                                   const char *expected_location, const char *new_location,
                                   ko_err *err);

/* Trigger state: one text value per (pipeline, key); *value NULL when unset. */
ko_status ko_cat_pipe_state_get(ko_cat *cat, const char *pipeline, const char *key, ko_arena *a,
                                const char **value, ko_err *err);
ko_status ko_cat_pipe_state_set(ko_cat *cat, const char *pipeline, const char *key,
                                const char *value, ko_err *err);

typedef struct ko_cat_alert {
    const char *id;
    const char *kind;   /* "run_failed", "stale_table", "reject_ratio", "worker_lost" */
    const char *object; /* "pipeline:NAME" or "ns.table" */
    const char *message;
    const char *run_id; /* or NULL */
    const char *dedup;  /* or NULL */
    int64_t created_us;
} ko_cat_alert;

/* Stores an alert (a new id is made); an existing dedup key stores
 * nothing and *created (may be NULL) is false. */
ko_status ko_cat_alert_raise(ko_cat *cat, const ko_cat_alert *al, int64_t now_us, bool *created,
                             ko_err *err);
/* Alerts newest first, at most limit (0: 100). */
ko_status ko_cat_alert_list(ko_cat *cat, size_t limit, ko_arena *a, ko_cat_alert **out, size_t *n,
                            ko_err *err);

#endif /* KO_CATALOG_H */
