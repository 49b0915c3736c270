/*
 * query.c - POST /api/v1/query: SQL through the engine of src/sql (sql.h).
 *
 * Request: {"sql": "...", "format": "json" | "jsonl" | "csv"} (format
 * also from ?format=; default json).  Each request opens a session over
 * the warehouse and the request's catalog handle, runs the script, and
 * answers with the last statement's result:
 *   json   {"statement","columns":[{"name","type"}],"rows":[[...]],
 *           "row_count"} (values as the engine's JSON lines write them)
 *   jsonl  one object per row (application/x-ndjson), the engine's renderer
 *   csv    header line and RFC 4180 rows (text/csv), the engine's renderer
 * The response is built in memory and capped at MAX_RESULT bytes (then
 * 413: add a LIMIT); statements time out with the server's request
 * timeout.  Every query is recorded in the audit trail (action "query",
 * object "sql": principal, statement text, rows, bytes, format, outcome).
 * Tokens limited to a namespace cannot query (tables are resolved inside
 * the engine, after authorization): 403.
 */
#include "server/srv_internal.h"
#include "sql/sql.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_RESULT = 64 * 1024 * 1024, AUDIT_SQL_MAX = 4096 };

/* Memory one query may use (the engine's default is most of the machine). */
#define QUERY_MEMORY ((size_t)1 << 30)

typedef struct json_sink {
    ko_buf out; /* the last result's text */
    size_t rows;
    bool too_big;
    const char *statement;
} json_sink;

static ko_status js_begin(void *ctx, const ko_sql_result_info *info, ko_err *err)
{
    json_sink *s = ctx;
    ko_buf_reset(&s->out);
    s->rows = 0;
    s->statement = info->statement;
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
    ko_status st = text ? ko_buf_append(&s->out, text, strlen(text) - 1) : KO_ERR_NOMEM;
    free(text);
    if (st == KO_OK)
        st = ko_buf_append_str(&s->out, ",\"rows\":[");
    return st == KO_OK ? KO_OK : ko_err_set(err, KO_ERR_NOMEM, "out of memory in a query result");
}

static ko_status js_batch(void *ctx, const ko_batch *b, ko_err *err)
{
    json_sink *s = ctx;
    ko_status st = KO_OK;
    size_t live = ko_batch_live(b);
    for (size_t k = 0; k < live && st == KO_OK; k++) {
        size_t row = ko_batch_row(b, k);
        st = ko_buf_append_str(&s->out, s->rows++ ? ",[" : "[");
        for (size_t c = 0; c < b->n_cols && st == KO_OK; c++) {
            if (c)
                st = ko_buf_append(&s->out, ",", 1);
            if (st == KO_OK)
                st = ko_sql_value_json(b->cols[c], row, &s->out);
        }
        if (st == KO_OK)
            st = ko_buf_append(&s->out, "]", 1);
    }
    if (st == KO_OK && s->out.len > MAX_RESULT) {
        s->too_big = true;
        return ko_err_set(err, KO_ERR_NOSPACE, "the result is over %d MiB: add a LIMIT",
                          MAX_RESULT >> 20);
    }
    return st == KO_OK ? KO_OK : ko_err_set(err, KO_ERR_NOMEM, "out of memory in a query result");
}

static ko_status js_end(void *ctx, ko_err *err)
{
    json_sink *s = ctx;
    if (ko_buf_appendf(&s->out, "],\"row_count\":%zu}", s->rows) != KO_OK)
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory in a query result");
    return KO_OK;
}

/* ------------------------------------------------------------ renderers */

typedef struct text_sink {
    ko_sql_sink inner;
    FILE *f;
    size_t rows;
} text_sink;

static ko_status ts_begin(void *ctx, const ko_sql_result_info *info, ko_err *err)
{
    text_sink *t = ctx;
    rewind(t->f); /* only the last result is kept */
    t->rows = 0;
    return t->inner.begin(t->inner.ctx, info, err);
}

static ko_status ts_batch(void *ctx, const ko_batch *b, ko_err *err)
{
    text_sink *t = ctx;
    t->rows += ko_batch_live(b);
    ko_status st = t->inner.batch(t->inner.ctx, b, err);
    long pos = ftell(t->f);
    if (st == KO_OK && pos > MAX_RESULT)
        return ko_err_set(err, KO_ERR_NOSPACE, "the result is over %d MiB: add a LIMIT",
                          MAX_RESULT >> 20);
    return st;
}

static ko_status ts_end(void *ctx, ko_err *err)
{
    text_sink *t = ctx;
    return t->inner.end(t->inner.ctx, err);
}

/* ---------------------------------------------------------------- route */

static void audit_query(srv_req *r, const char *sql, const char *format, size_t rows, size_t bytes,
                        const ko_err *err)
{
    json_t *j = json_pack("{s:s%, s:s, s:I, s:I, s:s}", "statement", sql,
                          strlen(sql) > AUDIT_SQL_MAX ? (size_t)AUDIT_SQL_MAX : strlen(sql),
                          "format", format, "rows", (json_int_t)rows, "bytes", (json_int_t)bytes,
                          "outcome", err ? err->msg : "ok");
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    ko_cat_change chg = srv_change(r, text);
    ko_err e2 = {0};
    if (!text ||
        ko_cat_audit_append(srv_cat(r), &chg, "query", "sql", NULL, NULL, NULL, &e2) != KO_OK)
        ko_log(KO_LOG_WARN, "query", "query not audited: %s", e2.msg);
    free(text);
}

static void query_failed(srv_req *r, const ko_err *err)
{
    if (err->status == KO_ERR_NOSPACE)
        srv_error(r, 413, "ResultTooLargeException", "%s", err->msg);
    else if (err->status == KO_ERR_TIMEOUT)
        srv_error(r, 504, "QueryTimeoutException", "%s", err->msg);
    else
        srv_fail(r, err, "NoSuchTableException", NULL);
}

/* Runs sql with output in format; the result text goes to r. */
static void run_query(srv_req *r, const char *sql, const char *format)
{
    ko_sql_session *sess = NULL;
    ko_err err = {0};
    ko_sql_options o = {.warehouse = r->s->store,
                        .catalog = srv_cat(r),
                        .threads = 1,
                        .memory_limit = QUERY_MEMORY,
                        .timeout_s = r->s->cfg.timeout_s};
    json_sink js = {0};
    text_sink ts = {0};
    char *mem = NULL;
    size_t memlen = 0;
    ko_sql_renderer *rend = NULL;
    bool json = strcmp(format, "json") == 0;
    ko_status st = ko_sql_session_open(&o, &sess, &err);
    if (st == KO_OK && !json) {
        ts.f = open_memstream(&mem, &memlen);
        st = ts.f ? ko_sql_renderer_new(strcmp(format, "csv") == 0 ? KO_SQL_FMT_CSV
                                                                   : KO_SQL_FMT_JSONL,
                                        ts.f, &rend, &err)
                  : ko_err_set(&err, KO_ERR_NOMEM, "out of memory");
        if (st == KO_OK)
            ts.inner = ko_sql_render_sink(rend);
    }
    ko_sql_sink sink = json ? (ko_sql_sink){&js, js_begin, js_batch, js_end}
                            : (ko_sql_sink){&ts, ts_begin, ts_batch, ts_end};
    if (st == KO_OK)
        st = ko_sql_exec(sess, sql, strlen(sql), &sink, &err);
    if (ts.f) {
        (void)fflush(ts.f);
        memlen = (size_t)ftell(ts.f);
        (void)fclose(ts.f);
    }
    size_t bytes = json ? js.out.len : memlen;
    audit_query(r, sql, format, json ? js.rows : ts.rows, st == KO_OK ? bytes : 0,
                st == KO_OK ? NULL : &err);
    srv_metrics_inc(r->s->metrics, SRV_C_QUERIES, 1);
    if (st != KO_OK)
        query_failed(r, &err);
    else if (json && !js.out.len)
        srv_json(r, 200, json_pack("{s:[], s:[], s:i}", "columns", "rows", "row_count", 0));
    else
        srv_body(r, 200,
                 json                         ? "application/json"
                 : strcmp(format, "csv") == 0 ? "text/csv; charset=utf-8"
                                              : "application/x-ndjson",
                 json ? (const void *)js.out.data : mem, bytes);
    ko_sql_renderer_free(rend);
    free(mem);
    ko_buf_free(&js.out);
    ko_sql_session_close(sess);
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
    if (!format)
        format = "json";
    if (r->who.scope)
        srv_error(r, 403, "ForbiddenException",
                  "principal %s is limited to namespace %s; queries need an unlimited token",
                  r->who.name, r->who.scope);
    else if (!sql || !*sql)
        srv_error(r, 400, "BadRequestException", "the request needs {\"sql\": \"...\"}");
    else if (strcmp(format, "json") != 0 && strcmp(format, "jsonl") != 0 &&
             strcmp(format, "csv") != 0)
        srv_error(r, 400, "BadRequestException", "format must be json, jsonl or csv");
    else
        run_query(r, sql, format);
    json_decref(body);
}
