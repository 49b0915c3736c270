/*
 * sql.h - the SQL engine as a library: sessions over a warehouse and a
 * catalog, scripts executed statement by statement, results delivered to a
 * sink callback as column names, types and batches, and renderers that
 * turn a result into an aligned text table, CSV or JSON lines.
 *
 * Usage:
 *   ko_sql_session *s;
 *   ko_sql_session_open(&(ko_sql_options){.warehouse = wh, .catalog = cat,
 *                       .threads = 2}, &s, &err);
 *   ko_sql_exec(s, "select 1; select 2", len, &sink, &err);
 *   ko_sql_session_close(s);
 *
 * The sink's begin() is called once per statement that returns rows (DDL
 * and DML return a one-row summary such as {"count": 3} for INSERT), then
 * batch() for each batch of rows (the batch and its vectors are only valid
 * during the call), then end().  Errors stop the script: the remaining
 * statements are not run; err carries the message (with line, column and
 * a caret under the offending token for parse and bind errors).
 */
#ifndef KO_SQL_SQL_H
#define KO_SQL_SQL_H

#include "base/base.h"
#include "sql/vec.h"

typedef struct ko_sql_session ko_sql_session;
typedef struct ko_cat ko_cat;
typedef struct ko_store ko_store;

typedef struct ko_sql_options {
    ko_store *warehouse; /* borrowed; NULL: no tables (expressions only) */
    ko_cat *catalog;     /* borrowed */
    int threads;         /* <= 0: all cores */
    size_t memory_limit; /* bytes; 0: 80% of physical memory */
    double timeout_s;    /* per statement; 0: none */
} ko_sql_options;

typedef struct ko_sql_result_info {
    size_t n_cols;
    const char *const *names; /* output column names as written (may repeat) */
    const ko_sql_dtype *types;
    const char *statement; /* kind: "SELECT", "INSERT", "CREATE TABLE", ... */
} ko_sql_result_info;

typedef struct ko_sql_sink {
    void *ctx;
    ko_status (*begin)(void *ctx, const ko_sql_result_info *info, ko_err *err);
    ko_status (*batch)(void *ctx, const ko_batch *b, ko_err *err);
    ko_status (*end)(void *ctx, ko_err *err);
} ko_sql_sink;

ko_status ko_sql_session_open(const ko_sql_options *opts, ko_sql_session **out, ko_err *err);
void ko_sql_session_close(ko_sql_session *s);
/* Runs every statement of the script in order. */
ko_status ko_sql_exec(ko_sql_session *s, const char *text, size_t len, const ko_sql_sink *sink,
                      ko_err *err);
/* Asks the running statement to stop (thread-safe); it fails with
 * "query cancelled". */
void ko_sql_cancel(ko_sql_session *s);

/* What statements read, for audit: fn is called once for every table scan
 * a statement plans, with the table ("ns.name") and the snapshot id read
 * (-1: the table has no snapshot yet).  It may run on the statement's
 * worker threads (make it thread-safe); the same table can be reported
 * more than once (self-joins, subqueries).  fn NULL stops the calls. */
typedef void (*ko_sql_read_fn)(void *ctx, const char *table, int64_t snapshot_id);
void ko_sql_session_on_read(ko_sql_session *s, ko_sql_read_fn fn, void *ctx);

/* ------------------------------------------------------------ renderers */

typedef enum ko_sql_format {
    KO_SQL_FMT_TABLE = 0,
    KO_SQL_FMT_CSV,
    KO_SQL_FMT_JSONL,
    KO_SQL_FMT_PARQUET,
} ko_sql_format;

/* A sink that renders results to out (a FILE *): TABLE buffers each
 * result to align it (DuckDB-like box), CSV writes a header line and RFC
 * 4180 rows, JSONL one object per row (rules in output.c), PARQUET the
 * script's query result as a Parquet file (DDL and DML summaries are not
 * written; a second query result is an error).  Create, pass
 * ko_sql_render_sink(r) to ko_sql_exec, free. */
typedef struct ko_sql_renderer ko_sql_renderer;
ko_status ko_sql_renderer_new(ko_sql_format fmt, void *file, ko_sql_renderer **out, ko_err *err);
ko_sql_sink ko_sql_render_sink(ko_sql_renderer *r);
void ko_sql_renderer_free(ko_sql_renderer *r);

/* Appends the JSON text of one value (the JSONL rules) to out. */
ko_status ko_sql_value_json(const ko_vec *v, size_t row, ko_buf *out);

/* Parses "2GB", "512MiB", "1000000" into bytes; false when malformed. */
bool ko_sql_parse_size(const char *s, size_t *out);

#endif /* KO_SQL_SQL_H */
