/*
 * output_parquet.c - a query result as a Parquet file (--format parquet).
 *
 * The schema has one OPTIONAL leaf per output column, named as the column
 * is, with the physical and logical types DuckDB writes: BOOLEAN; TINYINT
 * / SMALLINT / INTEGER as INT32 (INTEGER(8|16|32) annotations), BIGINT
 * INT64; HUGEINT as DECIMAL(38,0) on FIXED_LEN_BYTE_ARRAY(16); FLOAT,
 * DOUBLE; DECIMAL on INT32 / INT64 / FIXED_LEN_BYTE_ARRAY(16) by
 * precision; VARCHAR BYTE_ARRAY STRING; BLOB BYTE_ARRAY; DATE INT32 DATE;
 * TIME INT64 TIME(MICROS); TIMESTAMP[TZ] INT64 TIMESTAMP(MICROS, utc for
 * TZ); UUID FIXED_LEN_BYTE_ARRAY(16) UUID.  INTERVAL and nested columns
 * are refused.  Values are converted by ko_sql_vec_to_pq.
 *
 * The Parquet writer writes to an object store; the file is built in a
 * private temporary directory and copied to the caller's FILE at the end,
 * so the output may be any stream (a file, a pipe, stdout).
 */
#include "sql/stmt.h"
#include "store/store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct ko_sql_pq_out {
    char dir[256];
    ko_store *store;
    ko_pq_writer *w;
    const ko_pq_schema *ps;
    ko_pq_column *cols;
    size_t n_cols;
    char **names;
};

static ko_status nomem(ko_err *err)
{
    return ko_err_set(err, KO_ERR_NOMEM, "out of memory writing Parquet output");
}

static void set_int(ko_pq_schema_element *e, ko_pq_type t, int bits)
{
    e->type = t;
    e->logical =
        (ko_pq_logical){.kind = KO_PQ_LT_INTEGER, .bit_width = (int8_t)bits, .is_signed = true};
    e->converted = bits == 8    ? KO_PQ_CT_INT_8
                   : bits == 16 ? KO_PQ_CT_INT_16
                   : bits == 32 ? KO_PQ_CT_INT_32
                                : KO_PQ_CT_INT_64;
}

static void set_decimal(ko_pq_schema_element *e, int p, int s)
{
    e->type = p <= 9 ? KO_PQ_INT32 : p <= 18 ? KO_PQ_INT64 : KO_PQ_FIXED_LEN_BYTE_ARRAY;
    if (p > 18)
        e->type_length = 16;
    e->converted = KO_PQ_CT_DECIMAL;
    e->precision = p;
    e->scale = s;
    e->logical = (ko_pq_logical){.kind = KO_PQ_LT_DECIMAL, .precision = p, .scale = s};
}

static void set_time(ko_pq_schema_element *e, ko_pq_logical_kind k, bool utc)
{
    e->type = KO_PQ_INT64;
    e->logical = (ko_pq_logical){.kind = k, .utc = utc, .unit = KO_PQ_MICROS};
}

static bool leaf_of_simple(ko_pq_schema_element *e, ko_sql_dtid id)
{
    switch (id) {
    case KO_SQL_DT_BOOLEAN:
        e->type = KO_PQ_BOOLEAN;
        return true;
    case KO_SQL_DT_FLOAT:
        e->type = KO_PQ_FLOAT;
        return true;
    case KO_SQL_DT_DOUBLE:
        e->type = KO_PQ_DOUBLE;
        return true;
    case KO_SQL_DT_VARCHAR:
        e->type = KO_PQ_BYTE_ARRAY;
        e->converted = KO_PQ_CT_UTF8;
        e->logical.kind = KO_PQ_LT_STRING;
        return true;
    case KO_SQL_DT_BLOB:
        e->type = KO_PQ_BYTE_ARRAY;
        return true;
    case KO_SQL_DT_DATE:
        e->type = KO_PQ_INT32;
        e->converted = KO_PQ_CT_DATE;
        e->logical.kind = KO_PQ_LT_DATE;
        return true;
    case KO_SQL_DT_UUID:
        e->type = KO_PQ_FIXED_LEN_BYTE_ARRAY;
        e->type_length = 16;
        e->logical.kind = KO_PQ_LT_UUID;
        return true;
    default:
        return false;
    }
}

static bool leaf_of(ko_pq_schema_element *e, const ko_sql_dtype *t)
{
    e->has_type = true;
    e->has_repetition = true;
    e->repetition = KO_PQ_OPTIONAL;
    e->converted = KO_PQ_CT_NONE;
    if (leaf_of_simple(e, t->id))
        return true;
    switch (t->id) {
    case KO_SQL_DT_TINYINT:
        return set_int(e, KO_PQ_INT32, 8), true;
    case KO_SQL_DT_SMALLINT:
        return set_int(e, KO_PQ_INT32, 16), true;
    case KO_SQL_DT_INTEGER:
        return set_int(e, KO_PQ_INT32, 32), true;
    case KO_SQL_DT_BIGINT:
        return set_int(e, KO_PQ_INT64, 64), true;
    case KO_SQL_DT_HUGEINT:
        return set_decimal(e, 38, 0), true;
    case KO_SQL_DT_DECIMAL:
        return set_decimal(e, t->precision, t->scale), true;
    case KO_SQL_DT_TIME:
        return set_time(e, KO_PQ_LT_TIME, false), true;
    case KO_SQL_DT_TIMESTAMP:
    case KO_SQL_DT_TIMESTAMPTZ:
        return set_time(e, KO_PQ_LT_TIMESTAMP, t->id == KO_SQL_DT_TIMESTAMPTZ), true;
    default:
        return false;
    }
}

void ko_sql_pq_out_abort(ko_sql_pq_out *o)
{
    if (!o)
        return;
    if (o->w)
        ko_pq_writer_abort(o->w);
    for (size_t i = 0; o->cols && i < o->n_cols; i++)
        ko_pq_column_free(&o->cols[i]);
    free(o->cols);
    for (size_t i = 0; o->names && i < o->n_cols; i++)
        free(o->names[i]);
    free(o->names);
    if (o->store) {
        ko_err e = {0};
        (void)ko_store_delete(o->store, "result.parquet", &e);
        ko_store_close(o->store);
    }
    if (o->dir[0])
        rmdir(o->dir);
    free(o);
}

static ko_status make_schema(ko_sql_pq_out *o, const ko_sql_result_info *info,
                             ko_pq_schema_element *els, ko_err *err)
{
    els[0] = (ko_pq_schema_element){
        .name = "duckdb_schema", .num_children = (int32_t)info->n_cols, .converted = KO_PQ_CT_NONE};
    for (size_t c = 0; c < info->n_cols; c++) {
        size_t dup = 0;
        for (size_t k = 0; k < c; k++)
            dup += strcmp(info->names[k], info->names[c]) == 0;
        char buf[512];
        snprintf(buf, sizeof buf, dup ? "%s_%zu" : "%s", info->names[c], dup);
        o->names[c] = strdup(buf);
        if (!o->names[c])
            return nomem(err);
        els[c + 1].name = o->names[c];
        if (!leaf_of(&els[c + 1], &info->types[c])) {
            char nm[KO_SQL_DTYPE_STR_MAX];
            return ko_err_set(err, KO_ERR_UNSUPPORTED,
                              "column %s: type %s cannot be written to Parquet yet", info->names[c],
                              ko_sql_dtype_name(&info->types[c], nm));
        }
    }
    return KO_OK;
}

static ko_status open_writer(ko_sql_pq_out *o, const ko_pq_schema_element *els, size_t n,
                             ko_err *err)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(o->dir, sizeof o->dir, "%s/korolev-sql-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(o->dir)) {
        o->dir[0] = 0;
        return ko_err_errno(err, errno, "creating a temporary directory for Parquet output");
    }
    ko_status st = ko_store_open(o->dir, NULL, &o->store, err);
    if (st == KO_OK)
        st = ko_pq_writer_open(o->store, "result.parquet", els, (uint32_t)n, NULL, &o->w, err);
    if (st != KO_OK)
        return st;
    o->ps = ko_pq_writer_schema(o->w);
    for (size_t c = 0; c < o->n_cols && st == KO_OK; c++)
        st = ko_pq_column_init(&o->cols[c], &o->ps->leaves[c]);
    return st == KO_OK ? KO_OK : nomem(err);
}

ko_status ko_sql_pq_out_begin(const ko_sql_result_info *info, ko_sql_pq_out **out, ko_err *err)
{
    ko_sql_pq_out *o = calloc(1, sizeof *o);
    ko_pq_schema_element *els = calloc(info->n_cols + 1, sizeof *els);
    if (o) {
        o->n_cols = info->n_cols;
        o->cols = calloc(info->n_cols + 1, sizeof *o->cols);
        o->names = calloc(info->n_cols + 1, sizeof *o->names);
    }
    ko_status st = o && els && o->cols && o->names ? KO_OK : nomem(err);
    if (st == KO_OK)
        st = make_schema(o, info, els, err);
    if (st == KO_OK)
        st = open_writer(o, els, info->n_cols + 1, err);
    free(els);
    if (st != KO_OK) {
        ko_sql_pq_out_abort(o);
        return st;
    }
    *out = o;
    return KO_OK;
}

ko_status ko_sql_pq_out_batch(ko_sql_pq_out *o, const ko_batch *b, ko_err *err)
{
    ko_status st = KO_OK;
    for (size_t c = 0; c < o->n_cols && st == KO_OK; c++) {
        const ko_pq_leaf *leaf = &o->ps->leaves[c];
        ko_pq_column_reset(&o->cols[c]);
        st = ko_sql_vec_to_pq(b->cols[c], b, leaf, o->ps->nodes[leaf->node].el, &o->cols[c],
                              o->names[c], err);
    }
    return st == KO_OK && ko_batch_live(b) ? ko_pq_writer_write(o->w, o->cols, err) : st;
}

/* Copies the finished file to the caller's stream a piece at a time, so
 * that a large result is never held in memory whole. */
static ko_status copy_result(const ko_sql_pq_out *o, FILE *file, ko_err *err)
{
    char path[300];
    snprintf(path, sizeof path, "%s/result.parquet", o->dir);
    FILE *in = fopen(path, "rb");
    if (!in)
        return ko_err_errno(err, errno, "reading Parquet output %s", path);
    enum { CHUNK = 256 * 1024 };
    char *buf = malloc(CHUNK);
    ko_status st = buf ? KO_OK : nomem(err);
    size_t n;
    while (st == KO_OK && (n = fread(buf, 1, CHUNK, in)) > 0)
        if (fwrite(buf, 1, n, file) != n)
            st = ko_err_errno(err, errno, "writing Parquet output");
    if (st == KO_OK && ferror(in))
        st = ko_err_errno(err, errno, "reading Parquet output %s", path);
    free(buf);
    (void)fclose(in);
    return st;
}

ko_status ko_sql_pq_out_end(ko_sql_pq_out *o, void *file, ko_err *err)
{
    ko_pq_writer *w = o->w;
    o->w = NULL;
    ko_status st = ko_pq_writer_close(w, err);
    if (st == KO_OK)
        st = copy_result(o, file, err);
    if (st == KO_OK && fflush(file) != 0)
        st = ko_err_errno(err, errno, "writing Parquet output");
    ko_sql_pq_out_abort(o);
    return st;
}
