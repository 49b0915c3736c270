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
enum { KO_CAT_SCHEMA_VERSION = 1 };

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

/* Walks the whole chain in one consistent snapshot, recomputing each hash.
 * KO_ERR_CORRUPT naming the first record whose id is out of sequence or
 * whose hash does not match its contents and predecessor, or a chain whose
 * end differs from the recorded head (records removed at the end).  The
 * number of records checked goes to *count if non-NULL. */
ko_status ko_cat_audit_verify(ko_cat *cat, int64_t *count, ko_err *err);

#endif /* KO_CATALOG_H */
