/*
 * api_ingest.c - pushing files into tables over HTTP (docs/api.md "Ingest").
 *
 *   POST /api/v1/tables/{ns}/{t}/ingest?format=csv|jsonl|parquet
 *        [&header=true|false][&delimiter=C][&quote=C]
 *        [&max_reject_ratio=R][&unknown_fields=reject|ignore]
 *   GET  /api/v1/tables/{ns}/{t}/ingests?limit=N    the table's ingest records
 *
 * The body is the raw file, with Content-Length or chunked, and is never
 * held whole: http.c hands every piece to srv_ingest_chunk as it arrives,
 * which feeds it to an ingest session (ingest.h) opened on the first call,
 * once the caller is authorized.  So the body limit (max-body-bytes) and
 * the total request time limit do not apply here; the idle timeout does.
 * Parquet needs its footer first, so a Parquet body is spooled to an
 * unlinked temporary file and mapped when complete.
 *
 * Each ingest opens its own catalog handle rather than borrowing one from
 * the pool for the whole upload: a slow upload must not hold a pool handle
 * that another request on the same libmicrohttpd thread waits for.
 *
 * Idempotency-Key is passed to the ingest library, which makes it durable
 * in the catalog (a repeated key returns the first record with
 * "replayed": true and writes nothing, also after a restart), so the route
 * is not a "mutation" for the server's in-memory idempotency store.
 *
 * Truncation: a body whose connection closes before its end never reaches
 * the handler; srv_ingest_cleanup (from completed_cb) aborts the session,
 * which commits nothing and records the ingest as "aborted" with the
 * reason.  A body shorter than its Content-Length that does reach the
 * handler is answered 400 and aborted the same way.
 */
#include "ingest/ingest.h"
#include "server/srv_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>

typedef struct ingest_stream {
    ko_cat *cat; /* own handle (see above) */
    ko_ingest_catalog ic;
    ko_ice_warehouse wh;
    ko_ingest *in;
    ko_ingest_format fmt;
    int spool_fd; /* Parquet: the body so far; -1 otherwise */
    uint64_t received;
    bool failed; /* err holds why; later chunks are dropped */
    ko_err err;
} ingest_stream;

bool srv_route_streams(const srv_route *rt)
{
    return rt->fn == srv_h_api_ingest;
}

/* ------------------------------------------------------------- options */

static bool format_from_type(const char *ctype, ko_ingest_format *fmt, char *delim)
{
    static const struct {
        const char *prefix;
        ko_ingest_format fmt;
        char delim;
    } map[] = {
        {"text/csv", KO_INGEST_CSV, 0},
        {"text/tab-separated-values", KO_INGEST_CSV, '\t'},
        {"application/x-ndjson", KO_INGEST_JSONL, 0},
        {"application/jsonl", KO_INGEST_JSONL, 0},
        {"application/json", KO_INGEST_JSONL, 0},
        {"application/vnd.apache.parquet", KO_INGEST_PARQUET, 0},
        {"application/x-parquet", KO_INGEST_PARQUET, 0},
    };
    for (size_t i = 0; ctype && i < KO_ARRAY_LEN(map); i++)
        if (strncasecmp(ctype, map[i].prefix, strlen(map[i].prefix)) == 0) {
            *fmt = map[i].fmt;
            *delim = map[i].delim;
            return true;
        }
    return false;
}

static bool one_char(const char *s, char *out)
{
    if (strcmp(s, "tab") == 0 || strcmp(s, "\\t") == 0) {
        *out = '\t';
        return true;
    }
    if (strlen(s) != 1 || s[0] == '\n' || s[0] == '\r')
        return false;
    *out = s[0];
    return true;
}

static bool bad(srv_req *r, const char *what)
{
    srv_error(r, 400, "BadRequestException", "%s", what);
    return false;
}

/* The CSV options and the reject policy from the query. */
static bool csv_options(srv_req *r, ko_ingest_opts *o)
{
    const char *header = srv_query(r, "header");
    const char *delim = srv_query(r, "delimiter");
    const char *quote = srv_query(r, "quote");
    if (header && strcmp(header, "true") != 0 && strcmp(header, "false") != 0)
        return bad(r, "header must be true or false");
    o->csv_no_header = header && strcmp(header, "false") == 0;
    if (delim && !one_char(delim, &o->csv_delimiter))
        return bad(r, "delimiter must be one character (or \"tab\")");
    if (quote && !one_char(quote, &o->csv_quote))
        return bad(r, "quote must be one character");
    return true;
}

static bool policy_options(srv_req *r, ko_ingest_opts *o)
{
    const char *ratio = srv_query(r, "max_reject_ratio");
    const char *unknown = srv_query(r, "unknown_fields");
    if (ratio) {
        char *end = NULL;
        o->max_reject_ratio = strtod(ratio, &end);
        o->has_max_reject_ratio = true;
        if (!*ratio || *end || !(o->max_reject_ratio >= 0 && o->max_reject_ratio <= 1))
            return bad(r, "max_reject_ratio must be a number from 0 to 1");
    }
    if (unknown && strcmp(unknown, "ignore") == 0)
        o->unknown_fields = KO_INGEST_UNKNOWN_IGNORE;
    else if (unknown && strcmp(unknown, "reject") != 0)
        return bad(r, "unknown_fields must be reject or ignore");
    return true;
}

static bool parse_options(srv_req *r, ko_ingest_format *fmt, ko_ingest_opts *o)
{
    const char *f = srv_query(r, "format");
    char delim = 0;
    if (f ? !ko_ingest_format_parse(f, fmt)
          : !format_from_type(srv_header_get(r, "Content-Type"), fmt, &delim))
        return bad(r, f ? "format must be csv, jsonl or parquet"
                        : "say the format: ?format=csv|jsonl|parquet or a Content-Type of "
                          "text/csv, application/x-ndjson or application/vnd.apache.parquet");
    if (*fmt == KO_INGEST_AUTO)
        return bad(r, "format must be csv, jsonl or parquet");
    o->csv_delimiter = delim;
    const char *key = srv_header_get(r, "Idempotency-Key");
    if (key && (!*key || strlen(key) > 256))
        return bad(r, "Idempotency-Key must be 1 to 256 characters");
    o->idempotency_key = key;
    o->principal = r->who.name;
    return csv_options(r, o) && policy_options(r, o);
}

/* --------------------------------------------------------------- stream */

static void stream_free(ingest_stream *st, const char *why)
{
    if (st->in)
        ko_ingest_abort(st->in, why);
    if (st->spool_fd >= 0)
        close(st->spool_fd);
    ko_cat_close(st->cat);
    free(st);
}

static ko_status spool_open(ingest_stream *st, ko_err *err)
{
    const char *dir = getenv("TMPDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/korolev-ingest-XXXXXX", dir && *dir ? dir : "/tmp");
    st->spool_fd = mkstemp(path);
    if (st->spool_fd < 0)
        return ko_err_errno(err, errno, "creating a temporary file for a Parquet body in %s",
                            dir && *dir ? dir : "/tmp");
    (void)unlink(path);
    return KO_OK;
}

static ko_status open_session(srv_req *r, ingest_stream *st, const char *ns, ko_err *err)
{
    ko_ingest_opts o = {0};
    if (!parse_options(r, &st->fmt, &o))
        return KO_ERR_INVALID; /* answered */
    ko_status s = ko_cat_open(r->s->cfg.catalog, NULL, &st->cat, err);
    if (s != KO_OK)
        return s;
    ko_ingest_catalog_bind(&st->ic, st->cat, r->who.name);
    st->wh = (ko_ice_warehouse){r->s->store, &st->ic.icat};
    s = ko_ingest_open(&st->wh, st->cat, ns, r->params[1], &o, &st->in, err);
    if (s == KO_OK && st->fmt == KO_INGEST_PARQUET)
        s = spool_open(st, err);
    if (s == KO_OK && st->fmt != KO_INGEST_PARQUET)
        s = ko_ingest_source_begin(st->in, "request", st->fmt, err);
    return s;
}

bool srv_ingest_open(srv_req *r)
{
    ko_cat_ns ns;
    const char *dotted = NULL;
    if (!srv_ns_from_param(r, r->params[0], '.', &ns, &dotted) ||
        !srv_check_name(r, "table name", r->params[1]))
        return false;
    ingest_stream *st = calloc(1, sizeof *st);
    if (!st) {
        srv_error(r, 500, "InternalServerError", "out of memory");
        return false;
    }
    st->spool_fd = -1;
    ko_err err = {0};
    ko_status s = open_session(r, st, dotted, &err);
    if (s != KO_OK) {
        if (r->status == 0)
            srv_fail(r, &err, "NoSuchTableException", "ConflictException");
        stream_free(st, err.msg[0] ? err.msg : "bad request");
        return false;
    }
    r->stream = st;
    return true;
}

static ko_status spool_write(ingest_stream *st, const char *data, size_t n, ko_err *err)
{
    while (n > 0) {
        ssize_t w = write(st->spool_fd, data, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return ko_err_errno(err, errno, "spooling a Parquet body to a temporary file");
        data += w;
        n -= (size_t)w;
    }
    return KO_OK;
}

void srv_ingest_chunk(srv_req *r, const char *data, size_t n)
{
    ingest_stream *st = r->stream;
    st->received += n;
    if (st->failed)
        return;
    ko_status s = st->fmt == KO_INGEST_PARQUET ? spool_write(st, data, n, &st->err)
                                               : ko_ingest_feed(st->in, data, n, &st->err);
    st->failed = s != KO_OK;
}

void srv_ingest_cleanup(srv_req *r, const char *why)
{
    ingest_stream *st = r->stream;
    r->stream = NULL;
    if (st->in)
        ko_log(KO_LOG_WARN, "ingest", "%s %s: ingest %s aborted: %s", r->method, r->path,
               ko_ingest_id(st->in), why);
    stream_free(st, why);
}

/* -------------------------------------------------------------- finish */

static ko_status finish_parquet(ingest_stream *st, ko_err *err)
{
    if (st->received == 0)
        return ko_err_set(err, KO_ERR_INVALID, "the request body is empty: no Parquet file");
    void *map = mmap(NULL, (size_t)st->received, PROT_READ, MAP_PRIVATE, st->spool_fd, 0);
    if (map == MAP_FAILED)
        return ko_err_errno(err, errno, "mapping the spooled Parquet body");
    ko_pq_reader *pr = NULL;
    ko_status s = ko_pq_reader_open_memory(map, (size_t)st->received, "request", &pr, err);
    if (s == KO_OK)
        s = ko_ingest_parquet(st->in, pr, "request", err);
    ko_pq_reader_close(pr);
    munmap(map, (size_t)st->received);
    return s;
}

/* Whether the body is as long as its Content-Length says. */
static bool body_complete(srv_req *r, const ingest_stream *st)
{
    const char *cl = srv_header_get(r, "Content-Length");
    if (!cl)
        return true;
    char *end = NULL;
    unsigned long long n = strtoull(cl, &end, 10);
    return *end == '\0' && n == st->received;
}

void srv_h_api_ingest(srv_req *r)
{
    ingest_stream *st = r->stream;
    ko_err err = {0};
    ko_status s = KO_OK;
    if (st->failed) {
        err = st->err;
        s = err.status != KO_OK ? err.status : KO_ERR_INVALID;
    } else if (!body_complete(r, st)) {
        s = ko_err_set(&err, KO_ERR_INVALID,
                       "the request body was cut short: %llu bytes received, Content-Length "
                       "says %s; nothing was written",
                       (unsigned long long)st->received, srv_header_get(r, "Content-Length"));
    } else if (st->fmt == KO_INGEST_PARQUET) {
        s = finish_parquet(st, &err);
    } else {
        s = ko_ingest_source_end(st->in, &err);
    }
    json_t *record = NULL;
    if (s == KO_OK) {
        ko_ingest *in = st->in;
        st->in = NULL; /* finish frees the session, also on error */
        s = ko_ingest_finish(in, &record, &err);
    }
    r->stream = NULL;
    stream_free(st, err.msg[0] ? err.msg : "failed");
    if (s != KO_OK) {
        json_decref(record);
        srv_fail(r, &err, "NoSuchTableException", "ConflictException");
        return;
    }
    srv_json(r, 200, record);
}

/* ------------------------------------------------------------- records */

static json_t *ingest_row_json(const ko_cat_ingest *g)
{
    json_t *rec = g->record ? json_loads(g->record, 0, NULL) : NULL;
    return json_pack("{s:s, s:s, s:s, s:s?, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o?}", "id", g->id,
                     "table", g->name, "status", g->status, "idempotency-key", g->idem_key,
                     "attempt", (json_int_t)g->attempt, "received", (json_int_t)g->received,
                     "written", (json_int_t)g->written, "rejected", (json_int_t)g->rejected,
                     "bytes", (json_int_t)g->bytes, "created-ms",
                     (json_int_t)(g->created_us / 1000), "updated-ms",
                     (json_int_t)(g->updated_us / 1000), "record", rec);
}

void srv_h_api_ingests(srv_req *r)
{
    ko_cat_ns ns;
    const char *dotted = NULL;
    if (!srv_ns_from_param(r, r->params[0], '.', &ns, &dotted) ||
        !srv_check_name(r, "table name", r->params[1]))
        return;
    const char *lim = srv_query(r, "limit");
    char *end = NULL;
    long limit = lim ? strtol(lim, &end, 10) : 100;
    if (lim && (!*lim || *end || limit < 1 || limit > 1000)) {
        srv_error(r, 400, "BadRequestException", "limit must be 1 to 1000");
        return;
    }
    ko_cat_ingest *rows = NULL;
    size_t n = 0;
    ko_err err = {0};
    if (ko_cat_ingest_list(srv_cat(r), dotted, r->params[1], (size_t)limit, &r->arena, &rows, &n,
                           &err) != KO_OK) {
        srv_fail(r, &err, "NoSuchTableException", NULL);
        return;
    }
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < n; i++)
        if (json_array_append_new(arr, ingest_row_json(&rows[i])) != 0) {
            json_decref(arr);
            arr = NULL;
        }
    srv_json(r, 200, arr ? json_pack("{s:o}", "ingests", arr) : NULL);
}
