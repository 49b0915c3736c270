/*
 * qstream.c - streamed query responses: the query worker pool, the bounded
 * buffer between a query and its connection, and group commit of query
 * audit records.
 *
 * A query never runs on a libmicrohttpd thread.  POST /api/v1/query
 * (query.c) makes a srv_qstream and queues it to a pool of query workers,
 * each with its own catalog handle; the connection is suspended
 * (MHD_suspend_connection) until the stream is "ready": its result has
 * HOLD bytes buffered, or the script finished.  Then:
 *   - finished with an error, nothing sent yet: an ordinary error response
 *     (4xx/5xx with the ErrorModel), so most failures get a real status;
 *   - finished, nothing sent yet: the whole (small) result as an ordinary
 *     response with Content-Length (gzip when asked);
 *   - otherwise a 200 response whose body is produced by a content reader
 *     callback (chunked transfer encoding): it copies what the query has
 *     buffered and, when the buffer is empty, suspends the connection; the
 *     worker resumes it when it writes more or finishes.
 * The buffer holds at most CAP bytes: a worker that gets ahead of its
 * client waits, so memory per query stays bounded whatever the result
 * size.  When the script ends, the worker appends the format's in-band
 * error (if any), and the reader ends the stream with the trailers
 * X-Korolev-Status (ok | error) and X-Korolev-Error (the message).
 *
 * A stream has up to three owners (the request, the worker, the MHD
 * response), counted in refs.  When the request ends early (the client
 * went away), the running statement is cancelled and a worker waiting for
 * buffer space wakes up; from then on nothing touches the connection.
 *
 * Audit group commit: a finished query's record goes to a shared queue;
 * the first worker to find no batch in flight becomes the leader, writes
 * every queued record in one catalog transaction
 * (ko_cat_audit_append_many: one fsync for many queries) and wakes the
 * others.  srv_audit_commit returns only when its record is committed, and
 * the worker finishes the stream (which lets the response end) only after
 * that: a client that received a complete response has a durable audit
 * record.
 */
#include "server/srv_internal.h"
#include "sql/sql.h"

#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>

enum {
    HOLD = 64 * 1024,  /* bytes of a result held back before answering */
    CAP = 1024 * 1024, /* bytes a stream may buffer */
    AUDIT_BATCH = 256, /* records per group commit at most */
    READ_BLOCK = 64 * 1024,
};

/* ----------------------------------------------------------------- refs */

static void qs_unref(srv_qstream *qs)
{
    pthread_mutex_lock(&qs->mu);
    bool last = --qs->refs == 0;
    pthread_mutex_unlock(&qs->mu);
    if (!last)
        return;
    ko_buf_free(&qs->buf);
    free(qs->sql);
    free(qs->principal);
    pthread_cond_destroy(&qs->cv);
    pthread_mutex_destroy(&qs->mu);
    free(qs);
}

srv_qstream *srv_qs_new(srv_req *r, const char *sql, srv_qfmt fmt)
{
    srv_qstream *qs = calloc(1, sizeof *qs);
    if (!qs)
        return NULL;
    pthread_mutex_init(&qs->mu, NULL);
    pthread_cond_init(&qs->cv, NULL);
    qs->refs = 1;
    qs->s = r->s;
    qs->conn = r->conn;
    qs->fmt = fmt;
    qs->sql = strdup(sql);
    qs->principal = r->who.name ? strdup(r->who.name) : NULL;
    memcpy(qs->id, r->id, sizeof qs->id);
    if (!qs->sql || (r->who.name && !qs->principal)) {
        qs_unref(qs);
        return NULL;
    }
    return qs;
}

/* ----------------------------------------------------------- producing */

/* Wakes the suspended connection (qs->mu held). */
static void wake(srv_qstream *qs)
{
    if (qs->suspended && !qs->gone) {
        qs->suspended = false;
        MHD_resume_connection(qs->conn);
    }
}

ko_status srv_qs_write(srv_qstream *qs, const void *data, size_t n, ko_err *err)
{
    pthread_mutex_lock(&qs->mu);
    while (!qs->gone && qs->buf.len - qs->off >= CAP)
        pthread_cond_wait(&qs->cv, &qs->mu);
    ko_status st = KO_OK;
    if (qs->gone) {
        st = ko_err_set(err, KO_ERR_IO, "the client closed the connection");
    } else {
        if (qs->off > CAP / 2) { /* drop what was sent */
            memmove(qs->buf.data, qs->buf.data + qs->off, qs->buf.len - qs->off);
            qs->buf.len -= qs->off;
            qs->off = 0;
        }
        st = ko_buf_append(&qs->buf, data, n);
        if (st != KO_OK)
            ko_err_set(err, KO_ERR_NOMEM, "out of memory streaming a query result");
    }
    if (st == KO_OK && n) {
        qs->result_bytes += n;
        qs->last_byte = ((const char *)data)[n - 1];
        if (qs->result_bytes >= HOLD)
            qs->ready = true;
        if (qs->ready)
            wake(qs);
    }
    pthread_mutex_unlock(&qs->mu);
    return st;
}

bool srv_qs_new_result(srv_qstream *qs)
{
    pthread_mutex_lock(&qs->mu);
    bool ok = !qs->started && !qs->ready;
    if (ok) {
        ko_buf_reset(&qs->buf);
        qs->off = 0;
        qs->result_bytes = 0;
        qs->last_byte = '\n';
    }
    pthread_mutex_unlock(&qs->mu);
    return ok;
}

void srv_qs_set_session(srv_qstream *qs, ko_sql_session *sess)
{
    pthread_mutex_lock(&qs->mu);
    qs->sess = sess;
    if (sess && qs->gone)
        ko_sql_cancel(sess);
    pthread_mutex_unlock(&qs->mu);
}

bool srv_qs_gone(srv_qstream *qs)
{
    pthread_mutex_lock(&qs->mu);
    bool gone = qs->gone;
    pthread_mutex_unlock(&qs->mu);
    return gone;
}

bool srv_qs_started(srv_qstream *qs)
{
    pthread_mutex_lock(&qs->mu);
    bool started = qs->started || qs->ready;
    pthread_mutex_unlock(&qs->mu);
    return started;
}

void srv_qs_finish(srv_qstream *qs, const ko_err *err)
{
    pthread_mutex_lock(&qs->mu);
    qs->finished = true;
    qs->ready = true;
    if (err) {
        qs->failed = true;
        qs->err = *err;
    }
    pthread_cond_broadcast(&qs->cv);
    wake(qs);
    pthread_mutex_unlock(&qs->mu);
}

/* --------------------------------------------------------------- reading */

static void add_trailers(srv_qstream *qs, struct MHD_Response *resp)
{
    MHD_add_response_footer(resp, "X-Korolev-Status", qs->failed ? "error" : "ok");
    if (!qs->failed)
        return;
    char msg[sizeof qs->err.msg];
    size_t k = 0;
    for (const char *p = qs->err.msg; *p && k + 1 < sizeof msg; p++)
        msg[k++] = (*p == '\r' || *p == '\n') ? ' ' : *p; /* one header line */
    msg[k] = '\0';
    MHD_add_response_footer(resp, "X-Korolev-Error", msg);
}

static ssize_t qs_read(void *cls, uint64_t pos, char *out, size_t max)
{
    (void)pos;
    srv_qstream *qs = cls;
    pthread_mutex_lock(&qs->mu);
    ssize_t ret = 0;
    size_t avail = qs->buf.len - qs->off;
    if (avail) {
        size_t n = avail < max ? avail : max;
        memcpy(out, qs->buf.data + qs->off, n);
        qs->off += n;
        qs->sent += n;
        if (qs->off == qs->buf.len) {
            ko_buf_reset(&qs->buf);
            qs->off = 0;
        }
        pthread_cond_broadcast(&qs->cv);
        ret = (ssize_t)n;
    } else if (qs->finished) {
        add_trailers(qs, qs->resp);
        ret = MHD_CONTENT_READER_END_OF_STREAM;
    } else {
        qs->suspended = true;
        MHD_suspend_connection(qs->conn);
    }
    pthread_mutex_unlock(&qs->mu);
    return ret;
}

static void qs_read_done(void *cls)
{
    qs_unref(cls);
}

static const char *fmt_ctype(srv_qfmt f)
{
    switch (f) {
    case SRV_QF_JSONL:
        return "application/x-ndjson";
    case SRV_QF_CSV:
        return "text/csv; charset=utf-8";
    case SRV_QF_PARQUET:
        return "application/vnd.apache.parquet";
    default:
        return "application/json";
    }
}

/* The streamed 200 response (qs->mu not held). */
static enum MHD_Result stream_response(srv_req *r, srv_qstream *qs)
{
    struct MHD_Response *resp =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, READ_BLOCK, qs_read, qs, qs_read_done);
    if (!resp)
        return MHD_NO;
    pthread_mutex_lock(&qs->mu);
    qs->refs++;
    qs->resp = resp;
    pthread_mutex_unlock(&qs->mu);
    r->status = 200;
    MHD_add_response_header(resp, "Content-Type", fmt_ctype(qs->fmt));
    MHD_add_response_header(resp, "X-Request-Id", r->id);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Trailer", "X-Korolev-Status, X-Korolev-Error");
    enum MHD_Result ret = MHD_queue_response(r->conn, 200, resp);
    MHD_destroy_response(resp);
    return ret;
}

int srv_qs_respond(srv_req *r)
{
    srv_qstream *qs = r->qs;
    pthread_mutex_lock(&qs->mu);
    if (!qs->ready) {
        qs->suspended = true;
        MHD_suspend_connection(r->conn);
        pthread_mutex_unlock(&qs->mu);
        return 0; /* later */
    }
    qs->started = true;
    bool whole = qs->finished;
    if (whole && !qs->failed) { /* small: an ordinary response */
        ko_buf_free(&r->out);
        r->out = qs->buf;
        if (qs->off) { /* never read from before it was sent whole */
            memmove(r->out.data, r->out.data + qs->off, r->out.len - qs->off);
            r->out.len -= qs->off;
        }
        qs->sent = r->out.len;
        qs->buf = (ko_buf){0};
        qs->off = 0;
        r->status = 200;
        r->ctype = fmt_ctype(qs->fmt);
        srv_add_header(r, "X-Korolev-Status", "ok");
    }
    ko_err err = qs->err;
    bool failed = qs->failed;
    pthread_mutex_unlock(&qs->mu);
    if (whole && failed)
        srv_query_failed(r, &err);
    if (whole)
        return 1;
    return stream_response(r, qs) == MHD_YES ? 2 : -1;
}

void srv_qs_detach(srv_req *r)
{
    srv_qstream *qs = r->qs;
    r->qs = NULL;
    pthread_mutex_lock(&qs->mu);
    qs->gone = true;
    qs->suspended = false;
    if (qs->sess && !qs->finished)
        ko_sql_cancel(qs->sess);
    pthread_cond_broadcast(&qs->cv);
    pthread_mutex_unlock(&qs->mu);
    qs_unref(qs);
}

/* ------------------------------------------------------------ the pool */

struct srv_qpool {
    srv *s;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    srv_qstream *head, *tail; /* queued, linked by next */
    bool stop;
    size_t n;
    pthread_t *threads;
    ko_cat **cats;
    size_t started;
    struct worker_arg *args;
    /* audit group commit */
    pthread_mutex_t amu;
    pthread_cond_t acv;
    struct audit_wait *pending; /* newest first */
    bool leader;
};

static void *worker_main(void *arg);

typedef struct worker_arg {
    srv_qpool *p;
    size_t i;
} worker_arg;

static worker_arg *worker_args(srv_qpool *p)
{
    worker_arg *a = calloc(p->n, sizeof *a);
    for (size_t i = 0; a && i < p->n; i++)
        a[i] = (worker_arg){p, i};
    return a;
}

ko_status srv_qpool_start(srv *s, size_t n, ko_err *err)
{
    srv_qpool *p = calloc(1, sizeof *p);
    if (!p)
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory starting query workers");
    s->qpool = p;
    p->s = s;
    p->n = n;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    pthread_mutex_init(&p->amu, NULL);
    pthread_cond_init(&p->acv, NULL);
    p->threads = calloc(n, sizeof *p->threads);
    p->cats = calloc(n, sizeof(ko_cat *));
    p->args = worker_args(p);
    if (!p->threads || !p->cats || !p->args)
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory starting query workers");
    for (size_t i = 0; i < n; i++) {
        ko_status st = ko_cat_open(s->cfg.catalog, NULL, &p->cats[i], err);
        if (st != KO_OK)
            return st;
    }
    for (; p->started < n; p->started++)
        if (pthread_create(&p->threads[p->started], NULL, worker_main, &p->args[p->started]) != 0)
            return ko_err_set(err, KO_ERR_IO, "cannot start query worker threads");
    return KO_OK;
}

void srv_qpool_stop(srv *s)
{
    srv_qpool *p = s->qpool;
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->stop = true;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    for (size_t i = 0; i < p->started; i++)
        pthread_join(p->threads[i], NULL);
    while (p->head) { /* never run: nobody waits for them any more */
        srv_qstream *qs = p->head;
        p->head = qs->next;
        qs_unref(qs);
    }
    for (size_t i = 0; p->cats && i < p->n; i++)
        ko_cat_close(p->cats[i]);
    free(p->cats);
    free(p->threads);
    free(p->args);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->amu);
    pthread_cond_destroy(&p->acv);
    free(p);
    s->qpool = NULL;
}

void srv_qpool_submit(srv *s, srv_qstream *qs)
{
    srv_qpool *p = s->qpool;
    pthread_mutex_lock(&qs->mu);
    qs->refs++;
    pthread_mutex_unlock(&qs->mu);
    pthread_mutex_lock(&p->mu);
    qs->next = NULL;
    if (p->tail)
        p->tail->next = qs;
    else
        p->head = qs;
    p->tail = qs;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

static void *worker_main(void *arg)
{
    worker_arg *wa = arg;
    srv_qpool *p = wa->p;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        while (!p->head && !p->stop)
            pthread_cond_wait(&p->cv, &p->mu);
        srv_qstream *qs = p->stop ? NULL : p->head;
        if (qs) {
            p->head = qs->next;
            if (!p->head)
                p->tail = NULL;
        }
        pthread_mutex_unlock(&p->mu);
        if (!qs)
            return NULL;
        ko_log_set_context(qs->id);
        srv_query_exec(qs, p->cats[wa->i]);
        ko_log_set_context(NULL);
        qs_unref(qs);
    }
}

/* --------------------------------------------------- audit group commit */

typedef struct audit_wait {
    const ko_cat_audit_new *rec;
    bool done;
    ko_status st;
    ko_err err;
    struct audit_wait *next;
} audit_wait;

/* Writes the batch taken by the leader (amu not held). */
static void write_batch(ko_cat *cat, audit_wait **batch, size_t n)
{
    ko_cat_audit_new recs[AUDIT_BATCH];
    for (size_t i = 0; i < n; i++)
        recs[n - 1 - i] = *batch[i]->rec; /* oldest first */
    ko_err err = {0};
    ko_status st = ko_cat_audit_append_many(cat, recs, n, NULL, &err);
    for (size_t i = 0; i < n; i++) {
        batch[i]->st = st;
        batch[i]->err = err;
    }
}

/* Moves up to AUDIT_BATCH queued records (newest first) to batch (amu
 * held); the rest wait for the next leader. */
static size_t take_batch(srv_qpool *p, audit_wait **batch)
{
    size_t n = 0;
    while (p->pending && n < AUDIT_BATCH) {
        batch[n++] = p->pending;
        p->pending = p->pending->next;
    }
    return n;
}

ko_status srv_audit_commit(srv *s, ko_cat *cat, const ko_cat_audit_new *rec, ko_err *err)
{
    srv_qpool *p = s->qpool;
    audit_wait w = {.rec = rec};
    pthread_mutex_lock(&p->amu);
    w.next = p->pending;
    p->pending = &w;
    while (!w.done) {
        if (p->leader) {
            pthread_cond_wait(&p->acv, &p->amu);
            continue;
        }
        p->leader = true;
        audit_wait *batch[AUDIT_BATCH] = {0};
        size_t n = take_batch(p, batch);
        pthread_mutex_unlock(&p->amu);
        write_batch(cat, batch, n);
        pthread_mutex_lock(&p->amu);
        for (size_t i = 0; i < n; i++)
            batch[i]->done = true;
        p->leader = false;
        pthread_cond_broadcast(&p->acv);
    }
    pthread_mutex_unlock(&p->amu);
    if (w.st != KO_OK)
        *err = w.err;
    return w.st;
}
