/*
 * output.c - rendering results: aligned text table, CSV, JSON lines.
 *
 * JSON lines rules (the differential tests rely on them):
 *   - one object per row; keys are the output column names, duplicates get
 *     suffixes like DuckDB: "x", "x_1", "x_2";
 *   - NULL -> null; BOOLEAN -> true/false;
 *   - integers (TINYINT..BIGINT, HUGEINT) -> JSON integers, exactly;
 *   - FLOAT/DOUBLE -> JSON numbers with up to 17 significant digits
 *     (shortest round-trip form); NaN and infinities -> the strings "NaN",
 *     "Infinity", "-Infinity";
 *   - DECIMAL(p,s) -> JSON numbers written exactly with their scale (12.30);
 *   - DATE "2024-01-31", TIME "13:45:00[.ffffff]", TIMESTAMP
 *     "2024-01-31 13:45:00[.ffffff]" (fraction only when non-zero, trailing
 *     zeros dropped), TIMESTAMPTZ the same with "+00" appended;
 *   - INTERVAL as DuckDB prints it ("1 year 2 months 3 days 04:05:06");
 *   - VARCHAR -> JSON strings; BLOB -> DuckDB's text ('\xAB' escapes);
 *     UUID -> its text; LIST -> arrays; STRUCT -> objects; MAP -> objects
 *     whose keys are the key values' text.
 * CSV: header line of names, RFC 4180 quoting, NULL as an empty field.
 * Table: a header, a rule, rows with columns padded to their width
 * (numbers right-aligned), NULL shown as NULL.
 * Parquet: output_parquet.c.
 */
#include "sql/stmt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ko_sql_renderer {
    ko_sql_format fmt;
    FILE *f;
    size_t n_cols;
    char **keys; /* JSON-escaped, quoted keys */
    bool *numeric;
    ko_buf line;
    /* table mode: buffered cells */
    char **cells;
    size_t n_cells, cap_cells;
    /* parquet mode */
    ko_sql_pq_out *pq;
    bool pq_done;
    bool io_failed; /* a write to f fell short */
};

static ko_status json_str(ko_buf *out, const char *s, size_t n)
{
    ko_status st = ko_buf_append(out, "\"", 1);
    for (size_t i = 0; i < n && st == KO_OK; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            st = ko_buf_appendf(out, "\\%c", c);
        else if (c < 0x20)
            st = ko_buf_appendf(out, "\\u%04x", c);
        else
            st = ko_buf_append(out, &s[i], 1);
    }
    return st == KO_OK ? ko_buf_append(out, "\"", 1) : st;
}

static ko_status json_double(ko_buf *out, double d)
{
    if (d != d)
        return ko_buf_append_str(out, "\"NaN\"");
    if (isinf(d))
        return ko_buf_append_str(out, d > 0 ? "\"Infinity\"" : "\"-Infinity\"");
    char tmp[40];
    ko_sql_double_format(d, tmp);
    return ko_buf_append_str(out, tmp);
}

static ko_status json_struct(const ko_vec *v, size_t row, ko_buf *out)
{
    ko_status st = ko_buf_append_str(out, "{");
    for (uint32_t c = 0; c < v->n_children && st == KO_OK; c++) {
        if (c)
            st = ko_buf_append_str(out, ",");
        if (st == KO_OK)
            st = json_str(out, v->type.nested->names[c], strlen(v->type.nested->names[c]));
        if (st == KO_OK)
            st = ko_buf_append_str(out, ":");
        if (st == KO_OK)
            st = ko_sql_value_json(v->children[c], row, out);
    }
    return st == KO_OK ? ko_buf_append_str(out, "}") : st;
}

/* One map entry "key":value (the key as its text). */
static ko_status json_map_entry(const ko_vec *kv, size_t at, ko_buf *out)
{
    ko_buf key = {0};
    ko_status st = ko_vec_format(kv->children[0], at, &key);
    if (st == KO_OK)
        st = json_str(out, key.data ? (const char *)key.data : "", key.len);
    ko_buf_free(&key);
    if (st == KO_OK)
        st = ko_buf_append_str(out, ":");
    return st == KO_OK ? ko_sql_value_json(kv->children[1], at, out) : st;
}

static ko_status json_list(const ko_vec *v, size_t i, ko_buf *out)
{
    bool map = v->type.id == KO_SQL_DT_MAP;
    const ko_sql_list *le = &KO_VEC_DATA(v, ko_sql_list)[i];
    const ko_vec *c = v->children[0];
    ko_status st = ko_buf_append_str(out, map ? "{" : "[");
    for (uint64_t k = 0; k < le->length && st == KO_OK; k++) {
        if (k)
            st = ko_buf_append_str(out, ",");
        if (st == KO_OK)
            st = map ? json_map_entry(c, le->offset + k, out)
                     : ko_sql_value_json(c, le->offset + k, out);
    }
    return st == KO_OK ? ko_buf_append_str(out, map ? "}" : "]") : st;
}

static ko_status json_float(ko_buf *out, float f)
{
    char tmp[40];
    if (f != f || isinf(f))
        return json_double(out, f);
    ko_sql_float_format(f, tmp);
    return ko_buf_append_str(out, tmp);
}

static ko_status json_text(const ko_vec *v, size_t row, ko_buf *out)
{
    ko_buf tmp = {0};
    ko_status st = ko_vec_format(v, row, &tmp);
    if (st == KO_OK)
        st = json_str(out, tmp.data ? (const char *)tmp.data : "", tmp.len);
    ko_buf_free(&tmp);
    return st;
}

ko_status ko_sql_value_json(const ko_vec *v, size_t row, ko_buf *out)
{
    if (!ko_vec_valid(v, row))
        return ko_buf_append_str(out, "null");
    size_t i = ko_vec_idx(v, row);
    switch (v->type.id) {
    case KO_SQL_DT_BOOLEAN:
        return ko_buf_append_str(out, v->data[i] ? "true" : "false");
    case KO_SQL_DT_DOUBLE:
        return json_double(out, KO_VEC_DATA(v, double)[i]);
    case KO_SQL_DT_FLOAT:
        return json_float(out, KO_VEC_DATA(v, float)[i]);
    case KO_SQL_DT_VARCHAR: {
        const ko_sql_str *s = &KO_VEC_DATA(v, ko_sql_str)[i];
        return json_str(out, s->ptr, s->len);
    }
    case KO_SQL_DT_STRUCT:
        return json_struct(v, row, out);
    case KO_SQL_DT_LIST:
    case KO_SQL_DT_MAP:
        return json_list(v, i, out);
    default:
        return ko_sql_dtype_is_numeric(v->type.id) ? ko_vec_format(v, row, out)
                                                   : json_text(v, row, out);
    }
}

/* ------------------------------------------------------------ sink */

static void free_keys(ko_sql_renderer *r)
{
    for (size_t i = 0; r->keys && i < r->n_cols; i++)
        free(r->keys[i]);
    free(r->keys);
    free(r->numeric);
    r->keys = NULL;
    r->numeric = NULL;
}

/* Writes the buffered line; a short write is remembered as an error. */
static void put_line(ko_sql_renderer *r)
{
    if (r->line.len && fwrite(r->line.data, 1, r->line.len, r->f) != r->line.len)
        r->io_failed = true;
}

static ko_status flush_out(ko_sql_renderer *r, ko_err *err)
{
    if (fflush(r->f) != 0 || r->io_failed) {
        r->io_failed = false;
        return ko_err_set(err, KO_ERR_IO, "writing the results failed");
    }
    return KO_OK;
}

static ko_status push_cell(ko_sql_renderer *r, char *cell)
{
    if (!cell)
        return KO_ERR_NOMEM;
    if (r->n_cells == r->cap_cells) {
        size_t cap = r->cap_cells ? r->cap_cells * 2 : 256;
        char **p = realloc(r->cells, cap * sizeof *p);
        if (!p) {
            free(cell);
            return KO_ERR_NOMEM;
        }
        r->cells = p;
        r->cap_cells = cap;
    }
    r->cells[r->n_cells++] = cell;
    return KO_OK;
}

/* Parquet output takes the script's query result (not DDL / DML
 * summaries), and only one. */
static ko_status pq_begin(ko_sql_renderer *r, const ko_sql_result_info *info, ko_err *err)
{
    if (strcmp(info->statement, "SELECT") != 0)
        return KO_OK;
    if (r->pq || r->pq_done)
        return ko_err_set(err, KO_ERR_INVALID,
                          "Parquet output holds one query result: the script has several");
    return ko_sql_pq_out_begin(info, &r->pq, err);
}

static ko_status r_begin(void *ctx, const ko_sql_result_info *info, ko_err *err)
{
    ko_sql_renderer *r = ctx;
    if (r->fmt == KO_SQL_FMT_PARQUET)
        return pq_begin(r, info, err);
    free_keys(r);
    r->n_cols = info->n_cols;
    r->keys = calloc(info->n_cols + 1, sizeof *r->keys);
    r->numeric = calloc(info->n_cols + 1, sizeof *r->numeric);
    if (!r->keys || !r->numeric)
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory");
    for (size_t c = 0; c < info->n_cols; c++) {
        char name[512];
        size_t dup = 0;
        for (size_t k = 0; k < c; k++)
            dup += strcmp(info->names[k], info->names[c]) == 0;
        if (dup)
            snprintf(name, sizeof name, "%s_%zu", info->names[c], dup);
        else
            snprintf(name, sizeof name, "%s", info->names[c]);
        r->keys[c] = strdup(name);
        r->numeric[c] = ko_sql_dtype_is_numeric(info->types[c].id);
        if (!r->keys[c])
            return ko_err_set(err, KO_ERR_NOMEM, "out of memory");
    }
    ko_buf_reset(&r->line);
    ko_status st = KO_OK;
    if (r->fmt == KO_SQL_FMT_CSV) {
        for (size_t c = 0; c < r->n_cols && st == KO_OK; c++)
            st = ko_buf_appendf(&r->line, "%s%s", c ? "," : "", r->keys[c]);
        if (st == KO_OK)
            st = ko_buf_append_str(&r->line, "\n");
        if (st == KO_OK)
            put_line(r);
    }
    for (size_t c = 0; r->fmt == KO_SQL_FMT_TABLE && c < r->n_cols && st == KO_OK; c++)
        st = push_cell(r, strdup(r->keys[c]));
    return st == KO_OK ? KO_OK : ko_err_set(err, st, "out of memory rendering results");
}

static ko_status csv_cell(ko_buf *line, const ko_vec *v, size_t row)
{
    if (!ko_vec_valid(v, row))
        return KO_OK;
    ko_buf tmp = {0};
    ko_status st = ko_vec_format(v, row, &tmp);
    const char *s = tmp.data ? (const char *)tmp.data : "";
    bool quote = strpbrk(s, ",\"\r\n") != NULL;
    if (st == KO_OK && quote) {
        st = ko_buf_append_str(line, "\"");
        for (size_t i = 0; i < tmp.len && st == KO_OK; i++)
            st = ko_buf_append(line, s[i] == '"' ? "\"\"" : &s[i], s[i] == '"' ? 2 : 1);
        if (st == KO_OK)
            st = ko_buf_append_str(line, "\"");
    } else if (st == KO_OK) {
        st = ko_buf_append(line, s, tmp.len);
    }
    ko_buf_free(&tmp);
    return st;
}

static ko_status jsonl_row(ko_sql_renderer *r, const ko_batch *b, size_t row)
{
    ko_status st = KO_OK;
    for (size_t c = 0; c < r->n_cols && st == KO_OK; c++) {
        st = ko_buf_append_str(&r->line, c ? "," : "{");
        if (st == KO_OK)
            st = json_str(&r->line, r->keys[c], strlen(r->keys[c]));
        if (st == KO_OK)
            st = ko_buf_append_str(&r->line, ":");
        if (st == KO_OK)
            st = ko_sql_value_json(b->cols[c], row, &r->line);
    }
    return st == KO_OK ? ko_buf_append_str(&r->line, r->n_cols ? "}\n" : "{}\n") : st;
}

static ko_status csv_row(ko_sql_renderer *r, const ko_batch *b, size_t row)
{
    ko_status st = KO_OK;
    for (size_t c = 0; c < r->n_cols && st == KO_OK; c++) {
        if (c)
            st = ko_buf_append_str(&r->line, ",");
        if (st == KO_OK)
            st = csv_cell(&r->line, b->cols[c], row);
    }
    return st == KO_OK ? ko_buf_append_str(&r->line, "\n") : st;
}

static ko_status table_row(ko_sql_renderer *r, const ko_batch *b, size_t row)
{
    ko_status st = KO_OK;
    for (size_t c = 0; c < r->n_cols && st == KO_OK; c++) {
        ko_buf tmp = {0};
        st = ko_vec_format(b->cols[c], row, &tmp);
        if (st == KO_OK)
            st = push_cell(r, strdup(tmp.data ? (char *)tmp.data : ""));
        ko_buf_free(&tmp);
    }
    return st;
}

static ko_status r_batch(void *ctx, const ko_batch *b, ko_err *err)
{
    ko_sql_renderer *r = ctx;
    if (r->fmt == KO_SQL_FMT_PARQUET)
        return r->pq ? ko_sql_pq_out_batch(r->pq, b, err) : KO_OK;
    size_t live = ko_batch_live(b);
    ko_status st = KO_OK;
    for (size_t k = 0; k < live && st == KO_OK; k++) {
        size_t row = ko_batch_row(b, k);
        ko_buf_reset(&r->line);
        st = r->fmt == KO_SQL_FMT_JSONL ? jsonl_row(r, b, row)
             : r->fmt == KO_SQL_FMT_CSV ? csv_row(r, b, row)
                                        : table_row(r, b, row);
        if (st == KO_OK && r->fmt != KO_SQL_FMT_TABLE)
            put_line(r);
    }
    return st == KO_OK ? KO_OK : ko_err_set(err, st, "out of memory rendering results");
}

/* One table line: cells[from .. from + n_cols) padded to w. */
static ko_status table_line(ko_sql_renderer *r, size_t from, const size_t *w)
{
    ko_status st = KO_OK;
    for (size_t c = 0; c < r->n_cols && st == KO_OK; c++) {
        const char *cell = r->cells[from + c] ? r->cells[from + c] : "";
        bool right = r->numeric[c] && from >= r->n_cols;
        st = ko_buf_appendf(&r->line, right ? "%s%*s" : "%s%-*s", c ? " | " : "", (int)w[c], cell);
    }
    return st == KO_OK ? ko_buf_append_str(&r->line, "\n") : st;
}

static ko_status table_rule(ko_sql_renderer *r, const size_t *w)
{
    ko_status st = KO_OK;
    for (size_t k = 0; k < r->n_cols && st == KO_OK; k++) {
        st = ko_buf_append_str(&r->line, k ? "-+-" : "");
        for (size_t j = 0; j < w[k] && st == KO_OK; j++)
            st = ko_buf_append(&r->line, "-", 1);
    }
    return st == KO_OK ? ko_buf_append_str(&r->line, "\n") : st;
}

static ko_status r_end(void *ctx, ko_err *err)
{
    ko_sql_renderer *r = ctx;
    if (r->fmt == KO_SQL_FMT_PARQUET && r->pq) {
        ko_sql_pq_out *o = r->pq;
        r->pq = NULL;
        r->pq_done = true;
        return ko_sql_pq_out_end(o, r->f, err);
    }
    if (r->fmt != KO_SQL_FMT_TABLE || !r->n_cols)
        return flush_out(r, err);
    size_t *w = calloc(r->n_cols, sizeof *w);
    if (!w)
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < r->n_cells; i++) {
        size_t l = r->cells[i] ? strlen(r->cells[i]) : 0;
        if (l > w[i % r->n_cols])
            w[i % r->n_cols] = l;
    }
    ko_status st = KO_OK;
    for (size_t i = 0; i + r->n_cols <= r->n_cells && st == KO_OK; i += r->n_cols) {
        ko_buf_reset(&r->line);
        st = table_line(r, i, w);
        if (st == KO_OK && i == 0)
            st = table_rule(r, w);
        if (st == KO_OK)
            put_line(r);
    }
    for (size_t i = 0; i < r->n_cells; i++)
        free(r->cells[i]);
    r->n_cells = 0;
    free(w);
    return st == KO_OK ? flush_out(r, err) : ko_err_set(err, st, "out of memory rendering results");
}

ko_status ko_sql_renderer_new(ko_sql_format fmt, void *file, ko_sql_renderer **out, ko_err *err)
{
    ko_sql_renderer *r = calloc(1, sizeof *r);
    if (!r)
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory");
    r->fmt = fmt;
    r->f = file;
    *out = r;
    return KO_OK;
}

ko_sql_sink ko_sql_render_sink(ko_sql_renderer *r)
{
    return (ko_sql_sink){r, r_begin, r_batch, r_end};
}

void ko_sql_renderer_free(ko_sql_renderer *r)
{
    if (!r)
        return;
    free_keys(r);
    ko_sql_pq_out_abort(r->pq);
    for (size_t i = 0; i < r->n_cells; i++)
        free(r->cells[i]);
    free(r->cells);
    ko_buf_free(&r->line);
    free(r);
}
