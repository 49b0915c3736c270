/*
 * server.h - `korolev serve`: one HTTP server for the Iceberg REST catalog,
 * the Korolev API (tables, audit, query, tokens), health, metrics and the
 * console's static files.
 *
 * The server runs on libmicrohttpd with a thread pool over epoll; each
 * request is handled start to finish on one pool thread, with an arena that
 * lives as long as the request.  Every request is authenticated (bearer
 * tokens, catalog.h "tokens") and authorized by route before any work; see
 * docs/api.md for the routes, roles and error model.
 *
 * ko_srv_run blocks until SIGTERM or SIGINT, then stops accepting, lets
 * the requests in flight finish (up to drain_s seconds) and returns KO_OK.
 */
#ifndef KO_SERVER_H
#define KO_SERVER_H

#include "base/base.h"

typedef struct ko_srv_config {
    const char *listen;      /* "HOST:PORT" (IPv4 or [IPv6]); default 127.0.0.1:8181 */
    const char *warehouse;   /* store URI of the warehouse */
    const char *catalog;     /* catalog URI */
    const char *console_dir; /* static files served at /; NULL: none */
    const char *tls_cert;    /* PEM files; both or neither */
    const char *tls_key;
    bool allow_anonymous;      /* requests without a token act as "anonymous" admin
                                  (only on a loopback listen address) */
    int threads;               /* worker threads; 0: 2 x CPUs, at least 4 */
    size_t max_body;           /* request body limit (413 past it); 0: 16 MiB */
    size_t max_header;         /* per-connection header memory; 0: 64 KiB */
    int timeout_s;             /* idle/slow connection timeout; 0: 30 */
    int drain_s;               /* how long shutdown waits for in-flight requests; 0: 30 */
    int idempotency_s;         /* how long Idempotency-Key responses are kept; 0: 1800 */
    const char *pipelines_dir; /* pipeline specs (GET /api/v1/pipelines, manual runs,
                                  the workers); NULL: none */
    int workers;               /* in-process pipeline executor threads; 0: no workers */
} ko_srv_config;

/* Reads "key = value" lines (# comments) into cfg: listen, console-dir,
 * tls-cert, tls-key, allow-anonymous (true/false), threads, max-body-bytes,
 * max-header-bytes, timeout-seconds, drain-seconds, idempotency-seconds,
 * warehouse, catalog.  Strings are allocated in a.  Unknown keys and bad
 * values are KO_ERR_INVALID naming the line. */
ko_status ko_srv_config_load(const char *path, ko_srv_config *cfg, ko_arena *a, ko_err *err);

/* Parses "host:port", "[v6]:port" or ":port" (host 127.0.0.1); whether the
 * host is a loopback address goes to *loopback. */
ko_status ko_srv_parse_listen(const char *listen, char *host, size_t host_cap, int *port,
                              bool *loopback, ko_err *err);

/* Runs the server until SIGTERM/SIGINT (see above). */
ko_status ko_srv_run(const ko_srv_config *cfg, ko_err *err);

#endif /* KO_SERVER_H */
