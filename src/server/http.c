/*
 * http.c - the HTTP core: libmicrohttpd glue, the request lifecycle,
 * limits, compression, logging, metrics and graceful shutdown.
 *
 * libmicrohttpd runs a pool of threads, each with its own epoll loop, and
 * calls access_cb several times per request on the thread that owns the
 * connection:
 *   1st call  headers are in: the request gets its arena, id and route;
 *             the caller is authenticated and authorized here, before any
 *             body is read, and a Content-Length over the limit is refused
 *             (413) without reading it.
 *   next      body chunks are appended (a chunked body that grows past
 *             the limit is answered 413 at the end, its bytes discarded);
 *             a request that takes longer than the timeout is cut off.
 *             Streamed routes (ingest) instead hand each chunk to the
 *             route as it arrives, with no body limit and no total time
 *             limit (only the idle timeout): their state is opened on the
 *             first call and closed in completed_cb, which aborts it when
 *             the body was cut short.
 *   last      the handler runs and its response is queued, gzip-compressed
 *             when the client accepts it and the body is large enough.
 *             A query (r->qs) instead suspends the connection until its
 *             result is ready; libmicrohttpd calls us again when the query
 *             worker resumes it, and the response is then queued whole or
 *             as a stream (qstream.c).
 * completed_cb then logs one line (with the request id), records metrics
 * and frees the request.
 *
 * Paths reach us still percent-encoded (a no-op unescape callback), so
 * that the router can split segments before decoding them.
 *
 * Shutdown: SIGTERM or SIGINT (blocked in every thread, taken by sigwait
 * in ko_srv_run) quiesces the daemon (no new connections), waits for the
 * requests in flight to finish, then stops it and returns.
 */
#include "server/srv_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

enum {
    DEFAULT_MAX_BODY = 16 * 1024 * 1024,
    DEFAULT_MAX_HEADER = 64 * 1024,
    DEFAULT_TIMEOUT_S = 30,
    DEFAULT_DRAIN_S = 30,
    DEFAULT_IDEM_S = 1800,
    GZIP_MIN = 1024,
    META_CACHE_ENTRIES = 256,
};

/* -------------------------------------------------------- catalog handles */

ko_cat *srv_cat(srv_req *r)
{
    if (r->cat)
        return r->cat;
    srv *s = r->s;
    pthread_mutex_lock(&s->cat_mu);
    for (;;) {
        for (size_t i = 0; i < s->ncats; i++)
            if (!s->cat_busy[i]) {
                s->cat_busy[i] = true;
                r->cat = s->cats[i];
                r->cat_slot = i;
                pthread_mutex_unlock(&s->cat_mu);
                return r->cat;
            }
        pthread_cond_wait(&s->cat_cv, &s->cat_mu);
    }
}

static void cat_release(srv_req *r)
{
    if (!r->cat)
        return;
    srv *s = r->s;
    pthread_mutex_lock(&s->cat_mu);
    s->cat_busy[r->cat_slot] = false;
    pthread_cond_signal(&s->cat_cv);
    pthread_mutex_unlock(&s->cat_mu);
    r->cat = NULL;
}

/* -------------------------------------------------------- request helpers */

const char *srv_header_get(srv_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *srv_query(srv_req *r, const char *name)
{
    const char *raw = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
    if (!raw)
        return NULL;
    return srv_unescape(raw, strlen(raw), true, &r->arena);
}

static size_t no_unescape(void *cls, struct MHD_Connection *c, char *uri)
{
    (void)cls;
    (void)c;
    return strlen(uri);
}

static void new_id(char out[SRV_ID_LEN + 1])
{
    ko_uuid u = ko_uuid_random();
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < SRV_ID_LEN / 2; i++) {
        out[(size_t)2 * i] = hex[u.b[i] >> 4];
        out[(size_t)2 * i + 1] = hex[u.b[i] & 15];
    }
    out[SRV_ID_LEN] = '\0';
}

/* ------------------------------------------------------------- responses */

static bool wants_gzip(srv_req *r)
{
    const char *ae = srv_header_get(r, "Accept-Encoding");
    return ae && strcasestr(ae, "gzip") && !strcasestr(ae, "gzip;q=0");
}

/* Replaces r->out by its gzip form; false (r->out unchanged) on failure. */
static bool gzip_body(srv_req *r)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return false;
    ko_buf out = {0};
    uLong bound = deflateBound(&z, (uLong)r->out.len);
    bool ok = ko_buf_reserve(&out, bound) == KO_OK;
    if (ok) {
        z.next_in = r->out.data;
        z.avail_in = (uInt)r->out.len;
        z.next_out = out.data;
        z.avail_out = (uInt)bound;
        ok = deflate(&z, Z_FINISH) == Z_STREAM_END;
        out.len = bound - z.avail_out;
    }
    deflateEnd(&z);
    if (!ok) {
        ko_buf_free(&out);
        return false;
    }
    ko_buf_free(&r->out);
    r->out = out;
    return true;
}

static enum MHD_Result send_response(srv_req *r)
{
    if (r->status == 0)
        srv_error(r, 500, "InternalServerError", "handler gave no response");
    bool gz = r->out.len >= GZIP_MIN && wants_gzip(r) && gzip_body(r);
    size_t len = 0;
    uint8_t *data = ko_buf_detach(&r->out, &len);
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        len, data ? data : (void *)"", data ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (!resp) {
        free(data);
        return MHD_NO;
    }
    if (r->ctype)
        MHD_add_response_header(resp, "Content-Type", r->ctype);
    if (gz)
        MHD_add_response_header(resp, "Content-Encoding", "gzip");
    if (gz || len >= GZIP_MIN)
        MHD_add_response_header(resp, "Vary", "Accept-Encoding");
    MHD_add_response_header(resp, "X-Request-Id", r->id);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    for (size_t i = 0; i < r->nheaders; i++)
        MHD_add_response_header(resp, r->headers[i].name, r->headers[i].value);
    enum MHD_Result ret = MHD_queue_response(r->conn, r->status, resp);
    MHD_destroy_response(resp);
    r->out = (ko_buf){0};
    return ret;
}

/* ------------------------------------------------------------- lifecycle */

static const srv_route STATIC_ROUTE = {"GET", "/{static}", SRV_PUBLIC, -1, false, srv_h_static};
static const srv_route NO_ROUTE = {"ANY", "unmatched", SRV_PUBLIC, -1, false, NULL};

/* Routes r; false after answering 400/404/405. */
static bool route(srv_req *r, const char *method)
{
    size_t n = 0;
    const srv_route *routes = srv_routes(&n);
    srv_match m =
        srv_route_find(routes, n, method, r->path, &r->arena, &r->route, r->params, &r->nparams);
    if (m == SRV_MATCHED)
        return true;
    bool api = strncmp(r->path, "/v1/", 4) == 0 || strncmp(r->path, "/api/", 5) == 0 ||
               strcmp(r->path, "/v1") == 0 || strcmp(r->path, "/api") == 0;
    if (m == SRV_NO_ROUTE && !api && strcmp(method, "GET") == 0 && r->s->cfg.console_dir) {
        r->route = &STATIC_ROUTE;
        return true;
    }
    r->route = &NO_ROUTE;
    if (m == SRV_BAD_PATH)
        srv_error(r, 400, "BadRequestException", "bad path: invalid percent-encoding or NUL");
    else if (m == SRV_BAD_METHOD)
        srv_error(r, 405, "MethodNotAllowedException", "method %s is not allowed on this path",
                  method);
    else
        srv_error(r, 404, "NoSuchRouteException", "no route for %s %s", method, r->path);
    return false;
}

static bool body_limit(srv_req *r)
{
    const char *cl = srv_header_get(r, "Content-Length");
    if (!cl)
        return true;
    char *end = NULL;
    errno = 0;
    unsigned long long n = strtoull(cl, &end, 10);
    if (*cl == '-' || *end || errno || n > r->s->cfg.max_body) {
        srv_error(r, 413, "RequestEntityTooLargeException",
                  "request body of %s bytes is over the limit of %zu bytes", cl,
                  r->s->cfg.max_body);
        return false;
    }
    return true;
}

/* The first call: everything decided from the headers alone. */
static void first_call(srv_req *r, const char *method)
{
    bool ok = route(r, method);
    bool streams = ok && srv_route_streams(r->route);
    ok = ok && (streams || body_limit(r));
    if (ok && r->route->need != SRV_PUBLIC)
        ok = srv_authenticate(r) && srv_authorize(r);
    cat_release(r);
    if (ok && streams)
        ok = srv_ingest_open(r);
    r->answered = !ok;
}

/* A piece of the body; false closes the connection. */
static bool take_chunk(srv_req *r, const char *upload, size_t n)
{
    srv *s = r->s;
    if (r->answered || r->body_too_big)
        return true;
    if (r->stream) {
        srv_ingest_chunk(r, upload, n);
        return true;
    }
    if (r->body.len + n > s->cfg.max_body) {
        r->body_too_big = true;
        ko_buf_free(&r->body);
        return true;
    }
    if (ko_buf_append(&r->body, upload, n) != KO_OK)
        return false;
    if (ko_monotonic_us() - r->start_us > (int64_t)s->cfg.timeout_s * 1000000) {
        ko_log(KO_LOG_WARN, "http", "%s %s: request took longer than %d s; closing", r->method,
               r->path, s->cfg.timeout_s);
        return false;
    }
    return true;
}

static void run_handler(srv_req *r)
{
    ko_log_set_context(r->id);
    if (r->body_too_big) {
        srv_error(r, 413, "RequestEntityTooLargeException",
                  "request body is over the limit of %zu bytes", r->s->cfg.max_body);
        return;
    }
    const char *key = r->route->mutation ? srv_header_get(r, "Idempotency-Key") : NULL;
    const char *scoped = NULL;
    if (key) {
        scoped = ko_arena_sprintf(&r->arena, "%s\n%s\n%s\n%s", key, r->who.name ? r->who.name : "",
                                  r->method, r->path);
        if (scoped && srv_idem_begin(r->s->idem, scoped, r)) {
            srv_metrics_inc(r->s->metrics, SRV_C_IDEM_REPLAYS, 1);
            return;
        }
    }
    r->route->fn(r);
    if (scoped)
        srv_idem_finish(r->s->idem, scoped, r);
    cat_release(r);
}

/* A query response (qstream.c): suspended until its result is ready. */
static enum MHD_Result respond_query(srv_req *r)
{
    int k = srv_qs_respond(r);
    if (k == 0)
        return MHD_YES; /* suspended: called again when resumed */
    r->qs_queued = true;
    if (k == 1)
        return send_response(r);
    return k == 2 ? MHD_YES : MHD_NO;
}

static enum MHD_Result access_cb(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version, const char *upload,
                                 size_t *upload_size, void **con_cls)
{
    (void)version;
    srv *s = cls;
    srv_req *r = *con_cls;
    if (!r) {
        r = calloc(1, sizeof *r);
        if (!r)
            return MHD_NO;
        *con_cls = r;
        atomic_fetch_add(&s->inflight, 1);
        r->s = s;
        r->conn = conn;
        r->start_us = ko_monotonic_us();
        new_id(r->id);
        ko_log_set_context(r->id);
        r->method = ko_arena_strdup(&r->arena, method);
        r->path = ko_arena_strdup(&r->arena, url);
        if (!r->method || !r->path)
            return MHD_NO;
        first_call(r, method);
        return r->answered ? send_response(r) : MHD_YES;
    }
    if (*upload_size) {
        size_t n = *upload_size;
        *upload_size = 0;
        return take_chunk(r, upload, n) ? MHD_YES : MHD_NO;
    }
    if (r->answered)
        return r->qs && !r->qs_queued ? respond_query(r) : MHD_YES;
    run_handler(r);
    r->answered = true;
    return r->qs ? respond_query(r) : send_response(r);
}

static void log_request(srv_req *r, double secs)
{
    ko_log_level lvl = r->status >= 500 ? KO_LOG_ERROR : KO_LOG_INFO;
    if (!ko_log_enabled(lvl))
        return;
    ko_log_set_context(r->id);
    ko_log(lvl, "http", "%s %.200s %u %.1fms principal=%s%s%s", r->method ? r->method : "?",
           r->path ? r->path : "?", r->status, secs * 1000.0, r->who.name ? r->who.name : "-",
           r->error_type ? " error=" : "", r->error_type ? r->error_type : "");
    ko_log_set_context(NULL);
}

static void completed_cb(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)conn;
    srv *s = cls;
    srv_req *r = *con_cls;
    if (!r)
        return;
    *con_cls = NULL;
    double secs = (double)(ko_monotonic_us() - r->start_us) / 1e6;
    if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK && r->status == 0)
        r->status = toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED ? 408 : 499;
    log_request(r, secs);
    srv_metrics_request(s->metrics, r->route ? r->route->method : "ANY",
                        r->route ? r->route->pattern : "unmatched", r->status, secs);
    cat_release(r);
    if (r->qs)
        srv_qs_detach(r);
    if (r->stream)
        srv_ingest_cleanup(r, toe == MHD_REQUEST_TERMINATED_COMPLETED_OK
                                  ? "the request ended before the ingest finished"
                                  : "the connection closed before the end of the request body");
    ko_buf_free(&r->body);
    ko_buf_free(&r->out);
    ko_arena_free(&r->arena);
    free(r);
    atomic_fetch_sub(&s->inflight, 1);
}

KO_PRINTF(2, 0) static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && msg[n - 1] == '\n')
        msg[--n] = '\0';
    ko_log(KO_LOG_DEBUG, "mhd", "%s", msg);
}

/* ---------------------------------------------------------------- server */

static void srv_close(srv *s)
{
    srv_qpool_stop(s);
    for (size_t i = 0; i < s->ncats; i++)
        ko_cat_close(s->cats[i]);
    free(s->cats);
    free(s->cat_busy);
    ko_store_close(s->store);
    srv_metrics_free(s->metrics);
    srv_idem_free(s->idem);
    srv_tokens_free(s->tokens);
    srv_meta_cache_free(s->meta_cache);
    pthread_mutex_destroy(&s->cat_mu);
    pthread_cond_destroy(&s->cat_cv);
}

static void apply_defaults(ko_srv_config *c)
{
    if (!c->listen)
        c->listen = "127.0.0.1:8181";
    if (c->threads <= 0)
        c->threads = ko_cpu_count() * 2 < 4 ? 4 : ko_cpu_count() * 2;
    if (!c->max_body)
        c->max_body = DEFAULT_MAX_BODY;
    if (!c->max_header)
        c->max_header = DEFAULT_MAX_HEADER;
    if (c->timeout_s <= 0)
        c->timeout_s = DEFAULT_TIMEOUT_S;
    if (c->drain_s <= 0)
        c->drain_s = DEFAULT_DRAIN_S;
    if (c->idempotency_s <= 0)
        c->idempotency_s = DEFAULT_IDEM_S;
}

static ko_status srv_open(srv *s, ko_err *err)
{
    pthread_mutex_init(&s->cat_mu, NULL);
    pthread_cond_init(&s->cat_cv, NULL);
    if (srv_metrics_create(&s->metrics) != KO_OK ||
        srv_idem_create(s->cfg.idempotency_s, &s->idem) != KO_OK ||
        srv_tokens_create(&s->tokens) != KO_OK ||
        srv_meta_cache_create(META_CACHE_ENTRIES, &s->meta_cache) != KO_OK)
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory starting the server");
    ko_status st = ko_store_open(s->cfg.warehouse, NULL, &s->store, err);
    if (st != KO_OK)
        return st;
    s->ncats = (size_t)s->cfg.threads;
    s->cats = calloc(s->ncats, sizeof(ko_cat *));
    s->cat_busy = calloc(s->ncats, sizeof *s->cat_busy);
    if (!s->cats || !s->cat_busy)
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory starting the server");
    for (size_t i = 0; i < s->ncats; i++) {
        st = ko_cat_open(s->cfg.catalog, NULL, &s->cats[i], err);
        if (st != KO_OK) {
            s->ncats = i;
            return st;
        }
    }
    return srv_qpool_start(s, (size_t)s->cfg.threads, err);
}

static ko_status read_file(const char *path, ko_buf *out, ko_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return ko_err_errno(err, errno, "reading %s", path);
    char chunk[8192];
    size_t n;
    ko_status st = KO_OK;
    while (st == KO_OK && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        st = ko_buf_append(out, chunk, n);
    (void)fclose(f);
    return st == KO_OK ? ko_buf_append(out, "", 1) : st;
}

typedef struct listen_addr {
    struct sockaddr_storage ss;
    int port;
} listen_addr;

static ko_status make_addr(srv *s, listen_addr *la, ko_err *err)
{
    char host[256];
    ko_status st =
        ko_srv_parse_listen(s->cfg.listen, host, sizeof host, &la->port, &s->loopback, err);
    if (st != KO_OK)
        return st;
    memset(&la->ss, 0, sizeof la->ss);
    struct sockaddr_in *v4 = (struct sockaddr_in *)&la->ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&la->ss;
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)la->port);
    } else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)la->port);
    }
    if (s->cfg.allow_anonymous && !s->loopback)
        return ko_err_set(err, KO_ERR_INVALID,
                          "--allow-anonymous is only allowed on a loopback address, not %s",
                          s->cfg.listen);
    return KO_OK;
}

static struct MHD_Daemon *start(srv *s, listen_addr *la, const char *cert, const char *key,
                                ko_err *err)
{
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
                     MHD_USE_ERROR_LOG | (la->ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0);
    if (cert)
        flags |= MHD_USE_TLS;
    struct MHD_OptionItem tls[] = {
        {cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, (void *)cert},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)key},
        {MHD_OPTION_END, 0, NULL},
    };
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, (uint16_t)la->port, NULL, NULL, access_cb, s, MHD_OPTION_THREAD_POOL_SIZE,
        (unsigned)s->cfg.threads, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)s->cfg.timeout_s,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, s->cfg.max_header, MHD_OPTION_NOTIFY_COMPLETED,
        completed_cb, s, MHD_OPTION_UNESCAPE_CALLBACK, no_unescape, NULL,
        MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&la->ss,
        MHD_OPTION_LISTENING_ADDRESS_REUSE, 1u, MHD_OPTION_ARRAY, tls, MHD_OPTION_END);
    if (!d)
        ko_err_set(err, KO_ERR_IO, "cannot listen on %s%s (address in use, or TLS unsupported)",
                   s->cfg.listen, cert ? " with TLS" : "");
    return d;
}

static void drain(srv *s, struct MHD_Daemon *d)
{
    atomic_store(&s->draining, true);
    MHD_socket fd = MHD_quiesce_daemon(d);
    if (fd != MHD_INVALID_SOCKET)
        close(fd);
    int64_t deadline = ko_monotonic_us() + (int64_t)s->cfg.drain_s * 1000000;
    while (atomic_load(&s->inflight) > 0 && ko_monotonic_us() < deadline)
        ko_sleep_us(10000);
    ko_log(KO_LOG_INFO, "serve", "stopping (%d request(s) still in flight)",
           atomic_load(&s->inflight));
    MHD_stop_daemon(d);
}

static ko_status load_tls(const ko_srv_config *c, ko_buf *cert, ko_buf *key, ko_err *err)
{
    if (!c->tls_cert && !c->tls_key)
        return KO_OK;
    if (!c->tls_cert || !c->tls_key)
        return ko_err_set(err, KO_ERR_INVALID, "TLS needs both --tls-cert and --tls-key");
    if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
        return ko_err_set(err, KO_ERR_UNSUPPORTED, "this libmicrohttpd has no TLS support");
    ko_status st = read_file(c->tls_cert, cert, err);
    return st == KO_OK ? read_file(c->tls_key, key, err) : st;
}

ko_status ko_srv_run(const ko_srv_config *cfg, ko_err *err)
{
    srv s;
    memset(&s, 0, sizeof s);
    s.cfg = *cfg;
    apply_defaults(&s.cfg);
    listen_addr la;
    ko_buf cert = {0}, key = {0};
    ko_status st = make_addr(&s, &la, err);
    if (st == KO_OK)
        st = load_tls(&s.cfg, &cert, &key, err);
    if (st == KO_OK)
        st = srv_open(&s, err);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    (void)signal(SIGPIPE, SIG_IGN);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    struct MHD_Daemon *d = NULL;
    if (st == KO_OK) {
        d = start(&s, &la, cert.len ? (const char *)cert.data : NULL,
                  key.len ? (const char *)key.data : NULL, err);
        st = d ? KO_OK : KO_ERR_IO;
    }
    if (st == KO_OK) {
        ko_log(KO_LOG_INFO, "serve", "listening on %s%s (%d threads, warehouse %s, catalog %s)",
               s.cfg.listen, cert.len ? " (TLS)" : "", s.cfg.threads, ko_store_uri(s.store),
               ko_cat_uri(s.cats[0]));
        st = srv_workers_start(&s, err);
    }
    if (st == KO_OK) {
        int sig = 0;
        sigwait(&set, &sig);
        ko_log(KO_LOG_INFO, "serve", "signal %d: draining", sig);
        drain(&s, d);
        srv_workers_stop(&s);
    } else if (d) {
        MHD_stop_daemon(d);
    }
    srv_close(&s);
    if (key.data)
        explicit_bzero(key.data, key.cap);
    ko_buf_free(&key);
    ko_buf_free(&cert);
    return st;
}
