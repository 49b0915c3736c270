/*
 * stmt.h - statements other than queries (stmt_*.c, meta_tables.c): the
 * context the session hands them and the helpers they share.
 *
 * A statement gets a ko_stmt_ctx: the query context (arena, error,
 * threads, deadline), the bind environment (to plan queries and bind
 * expressions), the warehouse and catalog, and the caller's sink.  Every
 * statement reports one result: DML and CTAS a one-row "Count" BIGINT
 * (DuckDB's form), DDL a one-row "status" "OK", SHOW / DESCRIBE their rows.
 *
 * Writing rows.  A plan whose output columns are the table's columns (in
 * order, with the SQL types of the Iceberg columns) is run into a
 * ko_ice_table_writer: every batch is converted into Dremel columns for the
 * writer's Parquet schema (ko_sql_vec_to_pq), so partitioning, file
 * rolling and metrics are the Iceberg layer's.  Only flat (primitive)
 * columns are written; nested columns are refused with a message.
 */
#ifndef KO_SQL_STMT_H
#define KO_SQL_STMT_H

#include "sql/bind.h"

typedef struct ko_stmt_ctx {
    ko_qctx *q;
    ko_arena *arena;
    ko_bind_env *env;
    const ko_sql_sink *sink;
    const ko_ice_warehouse *wh; /* NULL store: no tables */
    ko_cat *cat;
} ko_stmt_ctx;

/* ---------------------------------------------------- results (stmt_common.c) */

/* A one-row result "Count" BIGINT n. */
ko_status ko_stmt_emit_count(ko_stmt_ctx *c, const char *kind, int64_t n);
/* A one-row result "status" VARCHAR "OK". */
ko_status ko_stmt_emit_ok(ko_stmt_ctx *c, const char *kind);

/* A small builder of results for SHOW / DESCRIBE / metadata tables: rows
 * of cells appended one by one, turned into vectors of the column types
 * (BOOLEAN, INTEGER, BIGINT, TIMESTAMPTZ, VARCHAR, MAP(VARCHAR, VARCHAR))
 * per batch of KO_SQL_BATCH rows at the end.  Strings are borrowed. */
typedef struct ko_stmt_cell {
    bool valid;
    int64_t i;
    const char *s;
    const ko_ice_kv *kv; /* MAP */
    uint32_t n_kv;
} ko_stmt_cell;

typedef struct ko_stmt_rows {
    const char *const *names;
    const ko_sql_dtype *types;
    size_t n_cols, n_rows, cap;
    ko_stmt_cell *cells; /* row-major */
} ko_stmt_rows;

/* Appends a row of invalid (NULL) cells; returns them (NULL: no memory). */
ko_stmt_cell *ko_stmt_rows_add(ko_stmt_rows *r);
void ko_stmt_rows_free(ko_stmt_rows *r);
/* Vectors of rows [from, from + n) (freed by the caller). */
ko_status ko_stmt_rows_vecs(const ko_stmt_rows *r, size_t from, size_t n, ko_vec **out,
                            ko_err *err);
/* Sends the rows to the sink as a result (batches of KO_SQL_BATCH). */
ko_status ko_stmt_rows_emit(ko_stmt_ctx *c, const ko_stmt_rows *r, const char *kind);
/* Cells setters. */
static inline void ko_stmt_set_i64(ko_stmt_cell *cell, int64_t v)
{
    cell->valid = true;
    cell->i = v;
}
static inline void ko_stmt_set_str(ko_stmt_cell *cell, const char *s)
{
    cell->valid = s != NULL;
    cell->s = s;
}

/* ---------------------------------------------------- names, types */

/* The session's warehouse and its USE namespace (NULL: none) (session.c). */
const ko_ice_warehouse *ko_sql_session_wh_(ko_sql_session *s);
const char *ko_sql_session_use_(const ko_sql_session *s);
/* A copy (in the arena) of the current error message, to wrap it. */
const char *ko_stmt_errmsg(ko_stmt_ctx *c);

/* "a.b" of the first n parts of a qname (in a); NULL when out of memory. */
const char *ko_stmt_join(const ko_sql_qname *q, size_t n, ko_arena *a);
/* Splits a table name into namespace and table; KO_ERR_INVALID when it
 * has one part (with a caret at the name). */
ko_status ko_stmt_table_name(ko_stmt_ctx *c, const ko_sql_qname *q, const char **ns,
                             const char **name);
/* Loads a table through the catalog; errors as the binder words them. */
ko_status ko_stmt_load(ko_stmt_ctx *c, const ko_sql_qname *q, ko_ice_table *t);
/* Fails unless there is a warehouse and a catalog. */
ko_status ko_stmt_need_warehouse(ko_stmt_ctx *c);

/* A schema of top-level columns (ids 1..), built. */
ko_status ko_stmt_schema_of(ko_stmt_ctx *c, const char *const *names, const ko_sql_dtype *types,
                            const bool *required, size_t n, ko_ice_schema *out);

/* ------------------------------------------------ writing (stmt_write.c) */

/* Appends the selected rows of vector v (its type must be the SQL type of
 * the leaf's Iceberg column) to the Dremel column col of leaf `leaf`.
 * `what` names the column for errors (a NULL in a REQUIRED leaf). */
ko_status ko_sql_vec_to_pq(const ko_vec *v, const ko_batch *b, const ko_pq_leaf *leaf,
                           const ko_pq_schema_element *el, ko_pq_column *col, const char *what,
                           ko_err *err);

/* A writer of new data files of t fed by plans (several runs may feed
 * one writer: a DELETE rewrites many files into it). */
typedef struct ko_stmt_writer ko_stmt_writer;
ko_status ko_stmt_writer_open(ko_stmt_ctx *c, const ko_ice_table *t, ko_stmt_writer **out);
/* Writes the rows of plan (the table's columns) except those where
 * drop_if (over the plan's columns; may be NULL) is true. */
ko_status ko_stmt_writer_run(ko_stmt_writer *w, ko_pnode *plan, const ko_bexpr *drop_if);
/* Closes the files (metrics in the statement's arena) and frees w;
 * *rows counts the rows written. */
ko_status ko_stmt_writer_finish(ko_stmt_writer *w, ko_ice_data_file **files, size_t *n_files,
                                int64_t *rows);
/* Deletes what w wrote and frees it (NULL is fine). */
void ko_stmt_writer_abort(ko_stmt_writer *w);

/* Runs plan (output = the table's columns, SQL types of its schema) into
 * new data files of t; *rows counts the rows written. */
ko_status ko_stmt_write_plan(ko_stmt_ctx *c, const ko_ice_table *t, ko_pnode *plan,
                             ko_ice_data_file **files, size_t *n_files, int64_t *rows);
/* A PROJECT over `in` that casts its columns to the table's column types;
 * map[i] is the input column of table column i or -1 (NULL, or the
 * column's default is refused when required). */
ko_status ko_stmt_project_to_table(ko_stmt_ctx *c, const ko_ice_table *t, ko_pnode *in,
                                   const int *map, ko_pnode **out);
/* A SCAN of every column of t's current schema over a fixed plan. */
ko_status ko_stmt_scan_node(ko_stmt_ctx *c, ko_ice_table *t, ko_ice_dir *dir,
                            const ko_ice_scan_plan *plan, ko_pnode **out);

/* ------------------------------------- Parquet output (output_parquet.c) */

/* A result written as a Parquet file: begin with the result's columns,
 * feed batches, end copies the file to `file` (a FILE *) and frees;
 * abort discards. */
typedef struct ko_sql_pq_out ko_sql_pq_out;
ko_status ko_sql_pq_out_begin(const ko_sql_result_info *info, ko_sql_pq_out **out, ko_err *err);
ko_status ko_sql_pq_out_batch(ko_sql_pq_out *o, const ko_batch *b, ko_err *err);
ko_status ko_sql_pq_out_end(ko_sql_pq_out *o, void *file, ko_err *err);
void ko_sql_pq_out_abort(ko_sql_pq_out *o);

/* ------------------------------------------------------- statements */

ko_status ko_stmt_create_table(ko_stmt_ctx *c, const ko_sql_stmt *s);
ko_status ko_stmt_drop_table(ko_stmt_ctx *c, const ko_sql_stmt *s);
ko_status ko_stmt_drop_schema(ko_stmt_ctx *c, const ko_sql_stmt *s);
ko_status ko_stmt_alter_table(ko_stmt_ctx *c, const ko_sql_stmt *s);
ko_status ko_stmt_show_schemas(ko_stmt_ctx *c, const ko_sql_stmt *s);
ko_status ko_stmt_show_tables(ko_stmt_ctx *c, const ko_sql_stmt *s);
ko_status ko_stmt_describe(ko_stmt_ctx *c, const ko_sql_stmt *s);
ko_status ko_stmt_insert(ko_stmt_ctx *c, const ko_sql_stmt *s);
ko_status ko_stmt_delete(ko_stmt_ctx *c, const ko_sql_stmt *s);
ko_status ko_stmt_update(ko_stmt_ctx *c, const ko_sql_stmt *s);

#endif /* KO_SQL_STMT_H */
