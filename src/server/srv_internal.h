/*
 * srv_internal.h - what the server's files share: the server and request
 * structs, the router, response helpers, authorization, metrics, the
 * idempotency store and the catalog handle pool.
 *
 *   http.c      libmicrohttpd glue: request lifecycle, limits, gzip, logging,
 *               signals and graceful shutdown
 *   router.c    route table matching, {prefix} handling, percent-decoding
 *   respond.c   JSON responses, the Iceberg ErrorModel, ko_status -> HTTP
 *   auth.c      bearer tokens (cached), roles, namespace scopes
 *   metrics.c   Prometheus counters and latency histograms
 *   cache.c     Idempotency-Key -> stored response (memory and catalog),
 *               table-load bodies
 *   qstream.c   streamed query responses, query workers, audit group commit
 *   query.c     POST /api/v1/query: formats, sinks, audit records
 *   routes.c    the route table, health, config, metrics, static files
 *   rest_ns.c   Iceberg REST namespaces
 *   rest_table.c Iceberg REST tables (load, create, drop, rename, register)
 *   rest_commit.c table commits and multi-table transactions
 *   api.c       Korolev API: table details, audit, query, tokens
 *   api_ingest.c POST /api/v1/tables/{ns}/{t}/ingest: a streamed body fed
 *               to an ingest session as it arrives
 *   api_pipelines.c pipelines, runs, logs, alerts; whoami
 */
#ifndef KO_SRV_INTERNAL_H
#define KO_SRV_INTERNAL_H

#include "catalog/catalog.h"
#include "iceberg/iceberg.h"
#include "server/server.h"
#include "store/store.h"

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>

struct MHD_Connection;
struct MHD_Daemon;

/* ----------------------------------------------------------------- roles */

typedef enum srv_role { SRV_ROLE_NONE = 0, SRV_READER, SRV_WRITER, SRV_ADMIN } srv_role;

/* What a route needs. */
typedef enum srv_need { SRV_PUBLIC = 0, SRV_NEED_READ, SRV_NEED_WRITE, SRV_NEED_ADMIN } srv_need;

typedef struct srv_principal {
    const char *name; /* NULL: not authenticated */
    srv_role role;
    const char *scope; /* dotted namespace, NULL: every namespace */
} srv_principal;

/* "reader" -> SRV_READER ...; SRV_ROLE_NONE when unknown. */
srv_role srv_role_parse(const char *s);
/* Whether dotted namespace ns lies in scope's subtree (scope NULL: yes). */
bool srv_scope_covers(const char *scope, const char *ns);
/* Whether ns is an ancestor of scope (listing may show it). */
bool srv_scope_ancestor(const char *scope, const char *ns);

/* --------------------------------------------------------------- routing */

typedef struct srv_req srv_req;
typedef void (*srv_handler)(srv_req *r);

enum { SRV_MAX_PARAMS = 6 };

typedef struct srv_route {
    const char *method;  /* "GET", "POST", "DELETE", "HEAD" */
    const char *pattern; /* "/v1/namespaces/{namespace}/tables/{table}" */
    srv_need need;
    int ns_param;  /* index of a namespace parameter to scope-check, -1 none */
    bool mutation; /* honours Idempotency-Key */
    srv_handler fn;
} srv_route;

typedef enum srv_match {
    SRV_MATCHED,
    SRV_NO_ROUTE,   /* 404 */
    SRV_BAD_METHOD, /* 405 */
    SRV_BAD_PATH,   /* 400: bad percent-encoding, NUL, ... */
} srv_match;

/* Matches method and raw (percent-encoded) path, without its query, against
 * routes.  Iceberg paths may carry a {prefix} segment after /v1/, which is
 * dropped.  Parameters are percent-decoded into a. */
srv_match srv_route_find(const srv_route *routes, size_t n, const char *method, const char *path,
                         ko_arena *a, const srv_route **out, const char **params, size_t *nparams);
/* Percent-decodes s[0..len) into a (plus_is_space for query values);
 * NULL on bad escapes, %00 or out of memory. */
char *srv_unescape(const char *s, size_t len, bool plus_is_space, ko_arena *a);
/* The whole route table. */
const srv_route *srv_routes(size_t *n);

/* ---------------------------------------------------------------- server */

typedef struct srv_metrics srv_metrics;
typedef struct srv_idem srv_idem;
typedef struct srv_tokens srv_tokens;
typedef struct srv_meta_cache srv_meta_cache;
typedef struct srv_qpool srv_qpool;
typedef struct srv_qstream srv_qstream;

typedef struct srv {
    ko_srv_config cfg;
    bool loopback;
    ko_store *store;
    /* Catalog handles, one per worker: a request borrows one. */
    ko_cat **cats;
    bool *cat_busy;
    size_t ncats;
    pthread_mutex_t cat_mu;
    pthread_cond_t cat_cv;
    srv_metrics *metrics;
    srv_idem *idem;
    srv_tokens *tokens;
    srv_meta_cache *meta_cache;
    struct ko_pipe_worker *workers; /* in-process pipeline workers, or NULL */
    srv_qpool *qpool;               /* query workers (qstream.c) */
    atomic_int inflight;
    atomic_bool draining;
} srv;

/* --------------------------------------------------------------- request */

typedef struct srv_header {
    const char *name, *value;
} srv_header;

enum { SRV_MAX_HEADERS = 6, SRV_ID_LEN = 16 };

struct srv_req {
    srv *s;
    struct MHD_Connection *conn;
    const char *method;
    const char *path; /* raw, without the query */
    ko_arena arena;
    char id[SRV_ID_LEN + 1];
    int64_t start_us;
    const srv_route *route;
    const char *params[SRV_MAX_PARAMS];
    size_t nparams;
    srv_principal who;
    ko_buf body;
    bool body_too_big;
    bool answered; /* a response was decided before the body was read */
    /* The catalog handle borrowed for this request (srv_cat). */
    ko_cat *cat;
    size_t cat_slot;
    /* The response. */
    unsigned status;
    ko_buf out;
    const char *ctype;
    srv_header headers[SRV_MAX_HEADERS];
    size_t nheaders;
    const char *error_type; /* for the log line */
    /* A streamed body (srv_route_streams): the route's own state, fed by
     * srv_ingest_chunk instead of being buffered in body. */
    void *stream;
    /* A query response (qstream.c), or NULL. */
    srv_qstream *qs;
    bool qs_queued; /* its response was queued */
};

/* A request header or query argument (percent-decoded, in the arena);
 * NULL when absent or undecodable. */
const char *srv_header_get(srv_req *r, const char *name);
const char *srv_query(srv_req *r, const char *name);
/* The request's catalog handle (borrowed until the request ends). */
ko_cat *srv_cat(srv_req *r);
/* A warehouse for the iceberg layer whose catalog adapter uses srv_cat(r)
 * and records r's principal. */
typedef struct srv_wh {
    srv_req *r;
    ko_ice_catalog icat;
    ko_ice_warehouse wh;
} srv_wh;
void srv_wh_init(srv_req *r, srv_wh *w);
/* The audit change for r (principal, summary). */
ko_cat_change srv_change(srv_req *r, const char *summary);

/* ------------------------------------------------------------- responses */

void srv_add_header(srv_req *r, const char *name, const char *value);
/* Sets the response to j (stolen; NULL means out of memory: 500). */
void srv_json(srv_req *r, unsigned status, json_t *j);
/* A body of any type (copied). */
void srv_body(srv_req *r, unsigned status, const char *ctype, const void *data, size_t len);
void srv_empty(srv_req *r, unsigned status);
/* The Iceberg ErrorModel {"error":{"message","type","code"}}. */
void srv_error(srv_req *r, unsigned status, const char *type, const char *fmt, ...) KO_PRINTF(4, 5);
/* An error from a ko_err: NOT_FOUND -> 404 with not_found_type, EXISTS ->
 * 409 AlreadyExistsException, CONFLICT -> 409 conflict_type, INVALID ->
 * 400, UNSUPPORTED -> 406, PERMISSION -> 403, TIMEOUT/NETWORK -> 503, other
 * -> 500.  The message is err's. */
void srv_fail(srv_req *r, const ko_err *err, const char *not_found_type, const char *conflict_type);
/* Parses the body as a JSON object; on failure answers 400 and returns NULL. */
json_t *srv_body_json(srv_req *r);

/* Names from requests: a namespace path parameter (parts separated by
 * 0x1F, or dots in /api routes), JSON arrays of parts, table names.  Each
 * part must be valid UTF-8, non-empty, at most 255 bytes, without '/',
 * '\\', '.', control characters, and not "." or "..".  false: answered 400. */
bool srv_ns_from_param(srv_req *r, const char *param, char sep, ko_cat_ns *out,
                       const char **dotted);
bool srv_ns_from_json(srv_req *r, const json_t *arr, ko_cat_ns *out, const char **dotted);
bool srv_check_name(srv_req *r, const char *what, const char *name);
bool srv_utf8_valid(const char *s, size_t len);
json_t *srv_ns_json(ko_cat_ns ns);
/* Answers 403 and returns false unless r's principal may touch ns (write:
 * needs writer). */
bool srv_allow_ns(srv_req *r, const char *dotted, bool write);

/* Whether a location (URI) lies in the warehouse directory of r's scope
 * (always true without a scope); answers 403 and returns false if not.
 * Limited tokens may not point tables at files of other namespaces. */
bool srv_location_in_scope(srv_req *r, const char *location);
/* The same for every add-snapshot manifest list and set-location of an
 * update list. */
bool srv_updates_in_scope(srv_req *r, const json_t *updates);

/* ------------------------------------------------------------------ auth */

ko_status srv_tokens_create(srv_tokens **out);
void srv_tokens_free(srv_tokens *t);
/* Authenticates r from its Authorization header; fills r->who.  Returns
 * false after answering 401 (missing, malformed, unknown or revoked
 * token). */
bool srv_authenticate(srv_req *r);
/* Whether r->who may use r->route (role and path namespace); answers 403
 * and returns false otherwise. */
bool srv_authorize(srv_req *r);
/* Drops cached token rows (after a revoke). */
void srv_tokens_forget(srv *s, const char *id);

/* --------------------------------------------------------------- metrics */

ko_status srv_metrics_create(srv_metrics **out);
void srv_metrics_free(srv_metrics *m);
void srv_metrics_request(srv_metrics *m, const char *method, const char *route, unsigned status,
                         double seconds);
typedef enum srv_counter {
    SRV_C_COMMITS,
    SRV_C_COMMIT_CONFLICTS,
    SRV_C_ERRORS,
    SRV_C_QUERIES,
    SRV_C_IDEM_REPLAYS,
    SRV_C_AUTH_FAILURES,
    SRV_C_METRICS_REPORTS,
    SRV_C__COUNT
} srv_counter;
void srv_metrics_inc(srv_metrics *m, srv_counter c, uint64_t by);
/* Appends the Prometheus text exposition. */
ko_status srv_metrics_render(srv_metrics *m, int inflight, ko_buf *out);

/* ----------------------------------------------------------- idempotency */

ko_status srv_idem_create(int ttl_s, srv_idem **out);
void srv_idem_free(srv_idem *i);
/* Looks up key (scoped by the caller to principal, method and path).  On a
 * stored response, copies it into r and returns true.  Otherwise reserves
 * the key (a concurrent duplicate waits for the first to finish) and
 * returns false: the caller must call srv_idem_store or srv_idem_release. */
bool srv_idem_begin(srv_idem *i, const char *key, srv_req *r);
/* Stores r's response under key (2xx and 4xx; 5xx releases the key), in
 * memory and in the catalog (ko_cat_idem_put; a restart replays it). */
void srv_idem_finish(srv_idem *i, const char *key, srv_req *r);

/* ------------------------------------------------------- metadata cache */

/* Response bodies of table loads keyed by metadata location and snapshot
 * mode: metadata files never change once written. */
ko_status srv_meta_cache_create(size_t cap, srv_meta_cache **out);
void srv_meta_cache_free(srv_meta_cache *c);
/* A malloc'd copy of the cached text, or NULL. */
char *srv_meta_cache_get(srv_meta_cache *c, const char *key, size_t *len);
void srv_meta_cache_put(srv_meta_cache *c, const char *key, const char *text, size_t len);

/* --------------------------------------------------------------- handlers */

void srv_h_healthz(srv_req *r);
void srv_h_readyz(srv_req *r);
void srv_h_metrics(srv_req *r);
void srv_h_config(srv_req *r);
void srv_h_static(srv_req *r);

void srv_h_ns_list(srv_req *r);
void srv_h_ns_create(srv_req *r);
void srv_h_ns_load(srv_req *r);
void srv_h_ns_head(srv_req *r);
void srv_h_ns_drop(srv_req *r);
void srv_h_ns_props(srv_req *r);

void srv_h_table_list(srv_req *r);
void srv_h_table_create(srv_req *r);
void srv_h_table_load(srv_req *r);
void srv_h_table_head(srv_req *r);
void srv_h_table_drop(srv_req *r);
void srv_h_table_rename(srv_req *r);
void srv_h_table_register(srv_req *r);
void srv_h_table_metrics(srv_req *r);
void srv_h_table_commit(srv_req *r);
void srv_h_transactions(srv_req *r);

void srv_h_api_table(srv_req *r);
void srv_h_api_audit(srv_req *r);
void srv_h_api_query(srv_req *r);
void srv_h_api_tokens_list(srv_req *r);
void srv_h_api_tokens_create(srv_req *r);
void srv_h_api_tokens_revoke(srv_req *r);

/* Streamed ingest (api_ingest.c).  http.c calls srv_ingest_open on the
 * first call (after authorization; false: answered), srv_ingest_chunk for
 * every piece of the body, the handler srv_h_api_ingest at the end, and
 * srv_ingest_cleanup when the request ends (a session still open then was
 * cut short: it is aborted with why). */
bool srv_route_streams(const srv_route *rt);
bool srv_ingest_open(srv_req *r);
void srv_ingest_chunk(srv_req *r, const char *data, size_t n);
void srv_ingest_cleanup(srv_req *r, const char *why);
void srv_h_api_ingest(srv_req *r);
void srv_h_api_ingests(srv_req *r);

/* Pipelines (api_pipelines.c). */
void srv_h_whoami(srv_req *r);
void srv_h_pipelines(srv_req *r);
void srv_h_pipeline_run(srv_req *r);
void srv_h_runs(srv_req *r);
void srv_h_run(srv_req *r);
void srv_h_run_logs(srv_req *r);
void srv_h_run_cancel(srv_req *r);
void srv_h_alerts(srv_req *r);

/* In-process pipeline workers (http.c starts them after the listener and
 * stops them after draining). */
ko_status srv_workers_start(srv *s, ko_err *err);
void srv_workers_stop(srv *s);

/* ------------------------------------------------------ query streaming */

/* Output formats of POST /api/v1/query. */
typedef enum srv_qfmt { SRV_QF_JSON, SRV_QF_JSONL, SRV_QF_CSV, SRV_QF_PARQUET } srv_qfmt;

struct ko_sql_session;

/* A query and the bounded buffer between its worker and its connection
 * (qstream.c explains the protocol).  Fields below mu are guarded by it. */
struct srv_qstream {
    srv *s;
    struct MHD_Connection *conn;
    srv_qfmt fmt;
    char *sql;
    char *principal; /* NULL: anonymous */
    char id[SRV_ID_LEN + 1];
    srv_qstream *next; /* pool queue */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int refs;
    ko_buf buf; /* unsent bytes from off */
    size_t off;
    size_t result_bytes; /* written for the current result */
    size_t sent;
    char last_byte;
    bool ready, started, finished, failed, gone, suspended;
    ko_err err;
    struct ko_sql_session *sess;
    struct MHD_Response *resp;
};

srv_qstream *srv_qs_new(srv_req *r, const char *sql, srv_qfmt fmt);
/* Worker side: appends n bytes, waiting while the buffer is full; fails
 * when the client went away. */
ko_status srv_qs_write(srv_qstream *qs, const void *data, size_t n, ko_err *err);
/* A new result begins: drops the previous one's unsent bytes and returns
 * true, or false when bytes were already promised to the client. */
bool srv_qs_new_result(srv_qstream *qs);
void srv_qs_set_session(srv_qstream *qs, struct ko_sql_session *sess);
bool srv_qs_gone(srv_qstream *qs);
/* Whether the response has begun (or is about to), so that an error must
 * be reported in-band. */
bool srv_qs_started(srv_qstream *qs);
/* The script ended (err NULL: success); the audit record is committed. */
void srv_qs_finish(srv_qstream *qs, const ko_err *err);
/* http.c: answers r from r->qs: 0 suspended (call again when resumed),
 * 1 r has an ordinary response to send, 2 a streamed response was queued,
 * -1 failure. */
int srv_qs_respond(srv_req *r);
/* http.c: the request ended; cancels the query if it still runs. */
void srv_qs_detach(srv_req *r);

ko_status srv_qpool_start(srv *s, size_t n, ko_err *err);
void srv_qpool_stop(srv *s);
void srv_qpool_submit(srv *s, srv_qstream *qs);
/* Appends rec to the audit trail by group commit; returns when it is
 * committed (or failed). */
ko_status srv_audit_commit(srv *s, ko_cat *cat, const ko_cat_audit_new *rec, ko_err *err);

/* query.c: runs qs's script on a worker with catalog handle cat. */
void srv_query_exec(srv_qstream *qs, ko_cat *cat);
/* query.c: the error response for a query that failed before streaming. */
void srv_query_failed(srv_req *r, const ko_err *err);

/* LoadTableResult JSON text for a loaded table ("all" or "refs"
 * snapshots) in a; NULL when out of memory or unserialisable. */
const char *srv_load_result(srv_req *r, const ko_ice_table *t, bool refs_only, size_t *len);
/* The ETag of a table version and snapshot mode ("\"...\""), in r's arena. */
const char *srv_etag(srv_req *r, const char *metadata_location, bool refs_only);

#endif /* KO_SRV_INTERNAL_H */
