/*
 * query.c - POST /api/v1/query: SQL through the engine of src/sql (sql.h),
 * its result streamed to the client (qstream.c) as it is produced.
 *
 * Request: {"sql": "...", "format": "json" | "jsonl" | "csv" | "parquet"}.
 * The format comes from the body's "format", else ?format=, else the
 * Accept header (application/json, application/x-ndjson or
 * application/jsonl, text/csv, application/vnd.apache.parquet), else json:
 *   json     {"statement","columns":[{"name","type"}],"rows":[[...]],
 *            "row_count"} (values as the engine's JSON lines write them)
 *   jsonl    one object per row (application/x-ndjson), the engine's renderer
 *   csv      header line and RFC 4180 rows (text/csv), the engine's renderer
 *   parquet  one Parquet file (the engine's Parquet output)
 * The script's last statement gives the result.  Each request opens a
 * session on a query worker (its own catalog handle); statements time out
 * with the server's request timeout.
 *
 * An error before any byte was sent is an ordinary error response (the
 * first HOLD bytes of a result are held back for this).  An error after
 * the response began is reported at its end: the trailer
 * X-Korolev-Status: error (ok otherwise) with X-Korolev-Error, and in the
 * body (docs/api.md):
 *   json     the document ends with ..."row_count":N,"error":{ErrorModel}}
 *   jsonl    a last line {"__error__":{"message","type","code"}}
 *   csv      a last line "#error <type>: <message>"
 *   parquet  the file is cut short (no footer: no reader accepts it)
 *
 * Audit: every query gets one record (action "query", object "sql") with
 * the principal, statement text (first AUDIT_SQL_MAX bytes), tables and
 * snapshot ids read (ko_sql_session_on_read), rows and bytes of the
 * result, format and outcome.  It is committed (group commit,
 * srv_audit_commit) before the response ends: the end of a response (its
 * last chunk, or the whole of a small one) means the record is durable.
 * When the record cannot be written, the query fails ("not audited").
 * Tokens limited to a namespace cannot query (tables are resolved inside
 * the engine, after authorization): 403.
 */
#include "server/srv_internal.h"
#include "sql/sql.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { AUDIT_SQL_MAX = 4096, MAX_READS = 64, FILE_BUF = 64 * 1024 };

/* Memory one query may use (the engine's default is most of the machine). */
#define QUERY_MEMORY ((size_t)1 << 30)

/* --------------------------------------------------------- tables read */

typedef struct read_set {
    pthread_mutex_t mu;
    struct {
        char *table;
        int64_t snapshot_id;
    } items[MAX_READS];
    size_t n;
    bool truncated;
} read_set;

static void on_read(void *ctx, const char *table, int64_t snapshot_id)
{
    read_set *rs = ctx;
    pthread_mutex_lock(&rs->mu);
    bool seen = false;
    for (size_t i = 0; i < rs->n && !seen; i++)
        seen = rs->items[i].snapshot_id == snapshot_id && strcmp(rs->items[i].table, table) == 0;
    if (!seen && rs->n < MAX_READS) {
        rs->items[rs->n].table = strdup(table);
        rs->items[rs->n].snapshot_id = snapshot_id;
        rs->n += rs->items[rs->n].table != NULL;
    } else if (!seen) {
        rs->truncated = true;
    }
    pthread_mutex_unlock(&rs->mu);
}

static void read_set_free(read_set *rs)
{
    for (size_t i = 0; i < rs->n; i++)
        free(rs->items[i].table);
    pthread_mutex_destroy(&rs->mu);
}

/* [{"table":"ns.t","snapshot-id":N|null}, ...] */
static json_t *reads_json(read_set *rs)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < rs->n; i++) {
        json_t *snap =
            rs->items[i].snapshot_id >= 0 ? json_integer(rs->items[i].snapshot_id) : json_null();
        json_array_append_new(
            a, json_pack("{s:s, s:o}", "table", rs->items[i].table, "snapshot-id", snap));
    }
    return a;
}

/* ------------------------------------------------------------- sinks */

/* The state of one query on its worker. */
typedef struct qrun {
    srv_qstream *qs;
    FILE *f;               /* text and Parquet formats: writes go to qs */
    ko_sql_sink inner;     /* the renderer's sink (not json) */
    ko_buf line;           /* json: one batch of rows */
    size_t rows;           /* rows of the current result */
    size_t nresults;       /* results begun */
    bool json_open;        /* json: "rows":[ written, not yet closed */
    const char *statement; /* kind of the current result */
    ko_err write_err;      /* why a write to f failed */
} qrun;

static ssize_t cookie_write(void *cookie, const char *data, size_t n)
{
    qrun *q = cookie;
    if (srv_qs_write(q->qs, data, n, &q->write_err) != KO_OK)
        return -1;
    return (ssize_t)n;
}

static ko_status put(qrun *q, const void *data, size_t n, ko_err *err)
{
    return srv_qs_write(q->qs, data, n, err);
}

static ko_status json_begin(qrun *q, const ko_sql_result_info *info, ko_err *err)
{
    json_t *cols = json_array();
    for (size_t i = 0; cols && i < info->n_cols; i++) {
        char t[KO_SQL_DTYPE_STR_MAX];
        json_array_append_new(cols, json_pack("{s:s, s:s}", "name", info->names[i], "type",
                                              ko_sql_dtype_name(&info->types[i], t)));
    }
    json_t *head = json_pack("{s:s, s:o}", "statement", info->statement ? info->statement : "",
                             "columns", cols);
    char *text = head ? json_dumps(head, JSON_COMPACT) : NULL;
    json_decref(head);
    ko_status st = text ? put(q, text, strlen(text) - 1, err)
                        : ko_err_set(err, KO_ERR_NOMEM, "out of memory in a query result");
    free(text);
    if (st == KO_OK)
        st = put(q, ",\"rows\":[", 9, err);
    q->json_open = st == KO_OK;
    return st;
}

static ko_status s_begin(void *ctx, const ko_sql_result_info *info, ko_err *err)
{
    qrun *q = ctx;
    if (q->f && fflush(q->f) != 0)
        return ko_err_set(err, q->write_err.status ? q->write_err.status : KO_ERR_IO, "%s",
                          q->write_err.msg);
    if (!srv_qs_new_result(q->qs))
        return ko_err_set(err, KO_ERR_UNSUPPORTED,
                          "statement %zu of the script returns rows after an earlier result "
                          "was already being sent: only the last statement's rows are "
                          "returned, so run a large query alone or last",
                          q->nresults + 1);
    q->nresults++;
    q->rows = 0;
    q->json_open = false;
    q->statement = info->statement;
    if (!q->f)
        return json_begin(q, info, err);
    return q->inner.begin(q->inner.ctx, info, err);
}

static ko_status json_batch(qrun *q, const ko_batch *b, ko_err *err)
{
    ko_status st = KO_OK;
    size_t live = ko_batch_live(b);
    ko_buf_reset(&q->line);
    for (size_t k = 0; k < live && st == KO_OK; k++) {
        size_t row = ko_batch_row(b, k);
        st = ko_buf_append_str(&q->line, (q->rows + k) ? ",[" : "[");
        for (size_t c = 0; c < b->n_cols && st == KO_OK; c++) {
            if (c)
                st = ko_buf_append(&q->line, ",", 1);
            if (st == KO_OK)
                st = ko_sql_value_json(b->cols[c], row, &q->line);
        }
        if (st == KO_OK)
            st = ko_buf_append(&q->line, "]", 1);
    }
    if (st != KO_OK)
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory in a query result");
    return q->line.len ? put(q, q->line.data, q->line.len, err) : KO_OK;
}

static ko_status s_batch(void *ctx, const ko_batch *b, ko_err *err)
{
    qrun *q = ctx;
    ko_status st = q->f ? q->inner.batch(q->inner.ctx, b, err) : json_batch(q, b, err);
    if (st == KO_OK)
        q->rows += ko_batch_live(b);
    return st;
}

static ko_status s_end(void *ctx, ko_err *err)
{
    qrun *q = ctx;
    if (!q->f)
        return KO_OK; /* json: closed when the script ends (srv_query_exec) */
    ko_status st = q->inner.end(q->inner.ctx, err);
    if (st == KO_OK && fflush(q->f) != 0)
        st = ko_err_set(err, q->write_err.status ? q->write_err.status : KO_ERR_IO, "%s",
                        q->write_err.msg);
    return st;
}

/* ------------------------------------------------------------ errors */

/* HTTP status and ErrorModel type of a query error. */
static unsigned error_status(const ko_err *err, const char **type)
{
    switch (err->status) {
    case KO_ERR_TIMEOUT:
        *type = "QueryTimeoutException";
        return 504;
    case KO_ERR_NOT_FOUND:
        *type = "NoSuchTableException";
        return 404;
    case KO_ERR_INVALID:
        *type = "BadRequestException";
        return 400;
    case KO_ERR_UNSUPPORTED:
        *type = "UnsupportedOperationException";
        return 406;
    case KO_ERR_CONFLICT:
    case KO_ERR_EXISTS:
        *type = "ConflictException";
        return 409;
    case KO_ERR_PERMISSION:
        *type = "ForbiddenException";
        return 403;
    default:
        *type = "QueryFailedException";
        return 500;
    }
}

void srv_query_failed(srv_req *r, const ko_err *err)
{
    if (err->status == KO_ERR_TIMEOUT)
        srv_error(r, 504, "QueryTimeoutException", "%s", err->msg);
    else
        srv_fail(r, err, "NoSuchTableException", NULL);
}

/* The format's in-band error, after what was sent. */
static void inband_error(qrun *q, const ko_err *e)
{
    const char *type = NULL;
    unsigned code = error_status(e, &type);
    json_t *em = json_pack("{s:s, s:s, s:i}", "message", e->msg, "type", type, "code", (int)code);
    char *text = em ? json_dumps(em, JSON_COMPACT) : NULL;
    json_decref(em);
    ko_buf b = {0};
    ko_status st = KO_OK;
    srv_qfmt f = q->qs->fmt;
    if (f == SRV_QF_JSON && q->json_open)
        st = ko_buf_appendf(&b, "],\"row_count\":%zu,\"error\":%s}", q->rows, text ? text : "{}");
    else if (f == SRV_QF_JSONL)
        st = ko_buf_appendf(&b, "%s{\"__error__\":%s}\n", q->qs->last_byte != '\n' ? "\n" : "",
                            text ? text : "{}");
    else if (f == SRV_QF_CSV)
        st = ko_buf_appendf(&b, "%s#error %s: %s\n", q->qs->last_byte != '\n' ? "\n" : "", type,
                            e->msg);
    ko_err ignored = {0};
    if (st == KO_OK && b.len)
        (void)srv_qs_write(q->qs, b.data, b.len, &ignored);
    ko_buf_free(&b);
    free(text);
}

/* ------------------------------------------------------------- audit */

static ko_status audit_query(srv_qstream *qs, ko_cat *cat, read_set *rs, size_t rows, size_t bytes,
                             const ko_err *failure, ko_err *err)
{
    static const char *const names[] = {"json", "jsonl", "csv", "parquet"};
    size_t len = strlen(qs->sql);
    json_t *j =
        json_pack("{s:s%, s:s, s:I, s:I, s:s, s:o, s:s}", "statement", qs->sql,
                  len > AUDIT_SQL_MAX ? (size_t)AUDIT_SQL_MAX : len, "format", names[qs->fmt],
                  "rows", (json_int_t)rows, "bytes", (json_int_t)bytes, "outcome",
                  failure ? failure->msg : "ok", "reads", reads_json(rs), "request-id", qs->id);
    if (j && rs->truncated)
        json_object_set_new(j, "reads-truncated", json_true());
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (!text)
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory building a query audit record");
    ko_cat_audit_new rec = {{qs->principal, text}, "query", "sql", NULL, NULL};
    ko_status st = srv_audit_commit(qs->s, cat, &rec, err);
    free(text);
    return st;
}

/* ------------------------------------------------------------ running */

static ko_status open_output(qrun *q, ko_sql_renderer **rend, ko_err *err)
{
    if (q->qs->fmt == SRV_QF_JSON)
        return KO_OK;
    q->f = fopencookie(q, "w", (cookie_io_functions_t){.write = cookie_write});
    if (!q->f)
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory");
    (void)setvbuf(q->f, NULL, _IOFBF, FILE_BUF);
    ko_sql_format f = q->qs->fmt == SRV_QF_CSV     ? KO_SQL_FMT_CSV
                      : q->qs->fmt == SRV_QF_JSONL ? KO_SQL_FMT_JSONL
                                                   : KO_SQL_FMT_PARQUET;
    ko_status st = ko_sql_renderer_new(f, q->f, rend, err);
    if (st == KO_OK)
        q->inner = ko_sql_render_sink(*rend);
    return st;
}

/* Ends the json document of a successful script. */
static ko_status close_json(qrun *q, ko_err *err)
{
    if (q->qs->fmt != SRV_QF_JSON)
        return KO_OK;
    char tail[64];
    if (q->json_open)
        snprintf(tail, sizeof tail, "],\"row_count\":%zu}", q->rows);
    else /* no statement returned rows */
        snprintf(tail, sizeof tail, "{\"columns\":[],\"rows\":[],\"row_count\":0}");
    return put(q, tail, strlen(tail), err);
}

static ko_status run_script(qrun *q, ko_cat *cat, read_set *rs, ko_err *err)
{
    srv_qstream *qs = q->qs;
    ko_sql_session *sess = NULL;
    ko_sql_renderer *rend = NULL;
    ko_sql_options o = {.warehouse = qs->s->store,
                        .catalog = cat,
                        .threads = 1,
                        .memory_limit = QUERY_MEMORY,
                        .timeout_s = qs->s->cfg.timeout_s};
    ko_status st = ko_sql_session_open(&o, &sess, err);
    if (st == KO_OK) {
        ko_sql_session_on_read(sess, on_read, rs);
        srv_qs_set_session(qs, sess);
        st = open_output(q, &rend, err);
    }
    ko_sql_sink sink = {q, s_begin, s_batch, s_end};
    if (st == KO_OK)
        st = ko_sql_exec(sess, qs->sql, strlen(qs->sql), &sink, err);
    if (st != KO_OK && q->write_err.status && srv_qs_gone(qs))
        *err = q->write_err; /* the client left: say so, not "write failed" */
    srv_qs_set_session(qs, NULL);
    if (q->f) {
        (void)fflush(q->f);
        (void)fclose(q->f);
        q->f = NULL;
    }
    if (st == KO_OK)
        st = close_json(q, err);
    ko_sql_renderer_free(rend);
    ko_sql_session_close(sess);
    return st;
}

void srv_query_exec(srv_qstream *qs, ko_cat *cat)
{
    if (srv_qs_gone(qs))
        return; /* the client left before the query started */
    qrun q = {.qs = qs};
    read_set rs = {.n = 0};
    pthread_mutex_init(&rs.mu, NULL);
    ko_err err = {0};
    ko_status st = run_script(&q, cat, &rs, &err);
    pthread_mutex_lock(&qs->mu);
    size_t bytes = qs->result_bytes;
    pthread_mutex_unlock(&qs->mu);
    ko_err aerr = {0};
    if (audit_query(qs, cat, &rs, q.rows, bytes, st == KO_OK ? NULL : &err, &aerr) != KO_OK) {
        ko_log(KO_LOG_ERROR, "query", "query not audited: %s", aerr.msg);
        if (st == KO_OK) {
            st = KO_ERR_IO;
            ko_err_set(&err, KO_ERR_IO, "the query could not be recorded in the audit trail: %s",
                       aerr.msg);
        }
    }
    srv_metrics_inc(qs->s->metrics, SRV_C_QUERIES, 1);
    if (st != KO_OK && srv_qs_started(qs))
        inband_error(&q, &err);
    srv_qs_finish(qs, st == KO_OK ? NULL : &err);
    ko_buf_free(&q.line);
    read_set_free(&rs);
}

/* ------------------------------------------------------------- route */

static bool parse_format(const char *s, srv_qfmt *out)
{
    static const char *const names[] = {"json", "jsonl", "csv", "parquet"};
    for (size_t i = 0; i < KO_ARRAY_LEN(names); i++)
        if (strcmp(s, names[i]) == 0) {
            *out = (srv_qfmt)i;
            return true;
        }
    if (strcmp(s, "ndjson") == 0) {
        *out = SRV_QF_JSONL;
        return true;
    }
    return false;
}

/* The first known media type of an Accept header (json when none). */
static srv_qfmt accept_format(const char *accept)
{
    static const struct {
        const char *type;
        srv_qfmt f;
    } types[] = {
        {"application/x-ndjson", SRV_QF_JSONL},
        {"application/jsonl", SRV_QF_JSONL},
        {"application/json-lines", SRV_QF_JSONL},
        {"text/csv", SRV_QF_CSV},
        {"application/vnd.apache.parquet", SRV_QF_PARQUET},
        {"application/x-parquet", SRV_QF_PARQUET},
        {"application/json", SRV_QF_JSON},
    };
    const char *best = NULL;
    srv_qfmt f = SRV_QF_JSON;
    for (size_t i = 0; accept && i < KO_ARRAY_LEN(types); i++) {
        const char *at = strcasestr(accept, types[i].type);
        if (at && (!best || at < best)) {
            best = at;
            f = types[i].f;
        }
    }
    return f;
}

void srv_h_api_query(srv_req *r)
{
    json_t *body = srv_body_json(r);
    if (!body)
        return;
    const char *sql = json_string_value(json_object_get(body, "sql"));
    const char *format = json_string_value(json_object_get(body, "format"));
    if (!format)
        format = srv_query(r, "format");
    srv_qfmt fmt = accept_format(srv_header_get(r, "Accept"));
    if (r->who.scope)
        srv_error(r, 403, "ForbiddenException",
                  "principal %s is limited to namespace %s; queries need an unlimited token",
                  r->who.name, r->who.scope);
    else if (!sql || !*sql)
        srv_error(r, 400, "BadRequestException", "the request needs {\"sql\": \"...\"}");
    else if (format && !parse_format(format, &fmt))
        srv_error(r, 400, "BadRequestException", "format must be json, jsonl, csv or parquet");
    else if (!(r->qs = srv_qs_new(r, sql, fmt)))
        srv_error(r, 500, "InternalServerError", "out of memory starting a query");
    else
        srv_qpool_submit(r->s, r->qs);
    json_decref(body);
}
