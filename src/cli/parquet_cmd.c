/*
 * parquet_cmd.c - `korolev parquet schema|meta|cat|copy`: look inside
 * Parquet files and rewrite them.
 *
 *   schema FILE   the schema tree, one line per node, indented by depth:
 *                 repetition, physical type (or group), name, logical type,
 *                 converted type in parentheses, field id
 *   meta FILE     the footer as JSON (jansson): rows, writer, key-value
 *                 metadata, schema tree, row groups and their column chunks
 *                 with codecs, encodings, sizes, offsets, statistics (min and
 *                 max formatted like cat's values) and page index presence
 *   cat FILE      the records as JSON lines or CSV (rows.c), one row group at
 *                 a time, so memory stays at about one row group
 *   copy IN OUT   reads every row group's leaf columns and hands them to a
 *                 ko_pq_writer with IN's schema elements (field ids, logical
 *                 and converted types kept) and key-value metadata; on any
 *                 error the output is aborted and nothing appears at OUT
 *
 * FILE, IN and OUT are local paths or file://, s3://, gs:// URIs, opened
 * with ko_store_open_object.  Exit status: 0 ok, 1 failure (one line
 * "korolev: ..." naming the file), 2 usage.
 */
#include "cli/cli.h"
#include "parquet/parquet.h"
#include "store/store.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char USAGE[] =
    "parquet schema FILE | meta FILE | cat FILE [--columns a,b] [--limit N] "
    "[--format jsonl|csv] | copy IN OUT [--codec C] [--row-group-bytes N]";

enum { CAT_BATCH = 1024, MAX_COLUMNS = 4096 };

/* ------------------------------------------------------------ files */

typedef struct pq_file {
    const char *uri;
    ko_store *store;
    char *key;
    ko_pq_reader *r;
} pq_file;

static void file_close(pq_file *f)
{
    ko_pq_reader_close(f->r);
    free(f->key);
    ko_store_close(f->store);
    memset(f, 0, sizeof *f);
}

static ko_status file_open(const char *uri, pq_file *f, ko_err *err)
{
    memset(f, 0, sizeof *f);
    f->uri = uri;
    ko_status st = ko_store_open_object(uri, NULL, &f->store, &f->key, err);
    if (st == KO_OK)
        st = ko_pq_reader_open(f->store, f->key, &f->r, err);
    if (st != KO_OK)
        file_close(f);
    return st;
}

/* Prints err, naming the file if the message does not already. */
static int fail_file(const char *uri, ko_err *err)
{
    const char *base = strrchr(uri, '/') ? strrchr(uri, '/') + 1 : uri;
    if (!strstr(err->msg, *base ? base : uri))
        ko_err_prefix(err, "%s", uri);
    return ko_cli_fail(err);
}

/* --------------------------------------------------------- type names */

static const char *repetition_name(const ko_pq_schema_element *el)
{
    static const char *const names[] = {"required", "optional", "repeated"};
    if (!el->has_repetition || (unsigned)el->repetition > KO_PQ_REPEATED)
        return "optional";
    return names[el->repetition];
}

static const char *unit_name(ko_pq_time_unit u)
{
    return u == KO_PQ_MILLIS ? "MILLIS" : u == KO_PQ_NANOS ? "NANOS" : "MICROS";
}

/* The LogicalType as text ("DECIMAL(10,2)", "TIMESTAMP(MICROS,utc)"), or
 * an empty string. */
static void logical_text(const ko_pq_logical *lt, char *out, size_t cap)
{
    static const char *const simple[] = {
        [KO_PQ_LT_STRING] = "STRING",  [KO_PQ_LT_MAP] = "MAP",   [KO_PQ_LT_LIST] = "LIST",
        [KO_PQ_LT_ENUM] = "ENUM",      [KO_PQ_LT_DATE] = "DATE", [KO_PQ_LT_UNKNOWN] = "UNKNOWN",
        [KO_PQ_LT_JSON] = "JSON",      [KO_PQ_LT_BSON] = "BSON", [KO_PQ_LT_UUID] = "UUID",
        [KO_PQ_LT_FLOAT16] = "FLOAT16"};
    out[0] = '\0';
    if (lt->kind == KO_PQ_LT_DECIMAL)
        snprintf(out, cap, "DECIMAL(%d,%d)", lt->precision, lt->scale);
    else if (lt->kind == KO_PQ_LT_TIME || lt->kind == KO_PQ_LT_TIMESTAMP)
        snprintf(out, cap, "%s(%s,%s)", lt->kind == KO_PQ_LT_TIME ? "TIME" : "TIMESTAMP",
                 unit_name(lt->unit), lt->utc ? "utc" : "local");
    else if (lt->kind == KO_PQ_LT_INTEGER)
        snprintf(out, cap, "INTEGER(%d,%s)", lt->bit_width, lt->is_signed ? "signed" : "unsigned");
    else if (lt->kind == KO_PQ_LT_OTHER)
        snprintf(out, cap, "(unknown logical type)");
    else if ((unsigned)lt->kind < KO_ARRAY_LEN(simple) && simple[lt->kind])
        snprintf(out, cap, "%s", simple[lt->kind]);
}

static void converted_text(const ko_pq_schema_element *el, char *out, size_t cap)
{
    out[0] = '\0';
    if (el->converted == KO_PQ_CT_DECIMAL)
        snprintf(out, cap, "DECIMAL(%d,%d)", el->precision, el->scale);
    else if (el->converted != KO_PQ_CT_NONE)
        snprintf(out, cap, "%s", ko_pq_converted_name(el->converted));
}

static void type_text(const ko_pq_schema_element *el, char *out, size_t cap)
{
    if (!el->has_type)
        snprintf(out, cap, "group");
    else if (el->type == KO_PQ_FIXED_LEN_BYTE_ARRAY)
        snprintf(out, cap, "%s(%d)", ko_pq_type_name(el->type), el->type_length);
    else
        snprintf(out, cap, "%s", ko_pq_type_name(el->type));
}

/* ------------------------------------------------------------ schema */

static void print_node(const ko_pq_schema *s, int32_t i, int depth)
{
    const ko_pq_schema_element *el = s->nodes[i].el;
    char type[64], lt[64], ct[64];
    type_text(el, type, sizeof type);
    logical_text(&el->logical, lt, sizeof lt);
    converted_text(el, ct, sizeof ct);
    if (i == 0)
        printf("message %s", el->name);
    else
        printf("%*s%s %s %s", depth * 2, "", repetition_name(el), type, el->name);
    if (lt[0])
        printf(" %s", lt);
    if (ct[0])
        printf(" (%s)", ct);
    if (el->has_field_id)
        printf(" id=%d", el->field_id);
    putchar('\n');
    for (int32_t c = s->nodes[i].first_child; c >= 0; c = s->nodes[c].next_sibling)
        print_node(s, c, depth + 1);
}

static int cmd_schema(int argc, char **argv)
{
    if (argc != 3)
        return ko_cli_usage(USAGE);
    ko_err err = {0};
    pq_file f;
    if (file_open(argv[2], &f, &err) != KO_OK)
        return fail_file(argv[2], &err);
    print_node(ko_pq_reader_schema(f.r), 0, 0);
    file_close(&f);
    return fflush(stdout) == 0 ? 0 : 1;
}

/* -------------------------------------------------------------- meta */

/* Builds JSON, remembering any allocation failure instead of checking
 * every call. */
typedef struct jctx {
    bool oom;
} jctx;

static void jset(jctx *j, json_t *obj, const char *key, json_t *v)
{
    if (!v || !obj || json_object_set_new(obj, key, v) != 0)
        j->oom = true;
}

static void jpush(jctx *j, json_t *arr, json_t *v)
{
    if (!v || !arr || json_array_append_new(arr, v) != 0)
        j->oom = true;
}

static json_t *jstr(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *kv_object(jctx *j, const ko_pq_kv *kv, uint32_t n)
{
    json_t *o = json_object();
    for (uint32_t i = 0; i < n; i++)
        jset(j, o, kv[i].key ? kv[i].key : "", jstr(kv[i].value));
    return o;
}

static json_t *schema_json(jctx *j, const ko_pq_schema *s, int32_t i)
{
    const ko_pq_schema_element *el = s->nodes[i].el;
    char type[64], lt[64], ct[64];
    type_text(el, type, sizeof type);
    logical_text(&el->logical, lt, sizeof lt);
    converted_text(el, ct, sizeof ct);
    json_t *o = json_object();
    jset(j, o, "name", json_string(el->name));
    if (i > 0)
        jset(j, o, "repetition", json_string(repetition_name(el)));
    jset(j, o, "type", json_string(type));
    if (lt[0])
        jset(j, o, "logical_type", json_string(lt));
    if (ct[0])
        jset(j, o, "converted_type", json_string(ct));
    if (el->has_field_id)
        jset(j, o, "field_id", json_integer(el->field_id));
    if (s->nodes[i].leaf >= 0)
        return o;
    json_t *kids = json_array();
    for (int32_t c = s->nodes[i].first_child; c >= 0; c = s->nodes[c].next_sibling)
        jpush(j, kids, schema_json(j, s, c));
    jset(j, o, "children", kids);
    return o;
}

static bool is_decimal(const ko_pq_schema_element *el)
{
    return el->logical.kind == KO_PQ_LT_DECIMAL || el->converted == KO_PQ_CT_DECIMAL;
}

/* A statistics bound formatted like cat's values.  Decimals and integers
 * too large for JSON tools become strings, so they stay exact. */
static json_t *bound_json(const ko_pq_schema_element *el, ko_pq_bin v)
{
    ko_buf text = {0};
    ko_err err = {0};
    if (ko_pq_value_to_json(el, v.ptr, v.len, &text, &err) != KO_OK) {
        ko_buf_free(&text);
        return err.status == KO_ERR_NOMEM ? NULL : json_null();
    }
    json_error_t jerr;
    json_t *j = json_loadb((const char *)text.data, text.len, JSON_DECODE_ANY, &jerr);
    if (!j || (json_is_real(j) && is_decimal(el))) {
        json_decref(j);
        j = json_stringn((const char *)text.data, text.len);
    } else if (json_is_integer(j) && json_integer_value(j) == 0 && text.data[0] == '-') {
        json_decref(j); /* "-0", a float bound: jansson would drop the sign */
        j = json_real(-0.0);
    }
    ko_buf_free(&text);
    return j;
}

static json_t *stats_json(jctx *j, const ko_pq_schema_element *el, const ko_pq_statistics *st)
{
    json_t *o = json_object();
    if (st->has_min || st->has_max) {
        if (st->has_min)
            jset(j, o, "min", bound_json(el, st->min_value));
        if (st->has_max)
            jset(j, o, "max", bound_json(el, st->max_value));
    } else if (st->has_legacy_min || st->has_legacy_max) {
        if (st->has_legacy_min)
            jset(j, o, "min", bound_json(el, st->legacy_min));
        if (st->has_legacy_max)
            jset(j, o, "max", bound_json(el, st->legacy_max));
        jset(j, o, "legacy_min_max", json_true());
    }
    if (st->has_null_count)
        jset(j, o, "null_count", json_integer(st->null_count));
    if (st->has_distinct_count)
        jset(j, o, "distinct_count", json_integer(st->distinct_count));
    if (st->has_min_exact)
        jset(j, o, "is_min_value_exact", json_boolean(st->is_min_exact));
    if (st->has_max_exact)
        jset(j, o, "is_max_value_exact", json_boolean(st->is_max_exact));
    return o;
}

static const char *page_type_name(ko_pq_page_type t)
{
    static const char *const names[] = {"DATA_PAGE", "INDEX_PAGE", "DICTIONARY_PAGE",
                                        "DATA_PAGE_V2"};
    return (unsigned)t < KO_ARRAY_LEN(names) ? names[t] : "UNKNOWN";
}

static json_t *encodings_json(jctx *j, const ko_pq_column_meta *m)
{
    json_t *a = json_array();
    for (uint32_t i = 0; i < m->n_encodings; i++)
        jpush(j, a, json_string(ko_pq_encoding_name(m->encodings[i])));
    return a;
}

static json_t *encoding_stats_json(jctx *j, const ko_pq_column_meta *m)
{
    json_t *a = json_array();
    for (uint32_t i = 0; i < m->n_encoding_stats; i++) {
        const ko_pq_page_encoding_stats *e = &m->encoding_stats[i];
        json_t *o = json_object();
        jset(j, o, "page_type", json_string(page_type_name(e->page_type)));
        jset(j, o, "encoding", json_string(ko_pq_encoding_name(e->encoding)));
        jset(j, o, "count", json_integer(e->count));
        jpush(j, a, o);
    }
    return a;
}

static json_t *range_json(jctx *j, bool has, int64_t offset, int64_t length)
{
    if (!has)
        return json_null();
    json_t *o = json_object();
    jset(j, o, "offset", json_integer(offset));
    jset(j, o, "length", json_integer(length));
    return o;
}

static void column_meta_json(jctx *j, json_t *o, const ko_pq_schema_element *el,
                             const ko_pq_column_meta *m)
{
    jset(j, o, "type", json_string(ko_pq_type_name(m->type)));
    jset(j, o, "codec", json_string(ko_pq_codec_name(m->codec)));
    jset(j, o, "encodings", encodings_json(j, m));
    jset(j, o, "num_values", json_integer(m->num_values));
    jset(j, o, "total_compressed_size", json_integer(m->total_compressed_size));
    jset(j, o, "total_uncompressed_size", json_integer(m->total_uncompressed_size));
    jset(j, o, "data_page_offset", json_integer(m->data_page_offset));
    if (m->has_dictionary_page_offset)
        jset(j, o, "dictionary_page_offset", json_integer(m->dictionary_page_offset));
    if (m->has_index_page_offset)
        jset(j, o, "index_page_offset", json_integer(m->index_page_offset));
    if (m->statistics.present)
        jset(j, o, "statistics", stats_json(j, el, &m->statistics));
    if (m->n_encoding_stats)
        jset(j, o, "encoding_stats", encoding_stats_json(j, m));
    if (m->has_bloom_filter_offset)
        jset(j, o, "bloom_filter",
             range_json(j, true, m->bloom_filter_offset,
                        m->has_bloom_filter_length ? m->bloom_filter_length : -1));
    if (m->n_kv)
        jset(j, o, "key_value_metadata", kv_object(j, m->kv, m->n_kv));
}

static json_t *column_json(jctx *j, const ko_pq_schema *s, const ko_pq_column_chunk *cc,
                           uint32_t leaf)
{
    json_t *o = json_object();
    jset(j, o, "path", json_string(s->leaves[leaf].path));
    if (cc->file_path)
        jset(j, o, "file_path", json_string(cc->file_path));
    jset(j, o, "file_offset", json_integer(cc->file_offset));
    if (cc->encrypted)
        jset(j, o, "encrypted", json_true());
    if (cc->has_meta_data)
        column_meta_json(j, o, s->nodes[s->leaves[leaf].node].el, &cc->meta);
    jset(j, o, "has_column_index", json_boolean(cc->has_column_index));
    jset(j, o, "has_offset_index", json_boolean(cc->has_offset_index));
    jset(j, o, "column_index",
         range_json(j, cc->has_column_index, cc->column_index_offset, cc->column_index_length));
    jset(j, o, "offset_index",
         range_json(j, cc->has_offset_index, cc->offset_index_offset, cc->offset_index_length));
    return o;
}

static json_t *sorting_json(jctx *j, const ko_pq_schema *s, const ko_pq_row_group *g)
{
    json_t *a = json_array();
    for (uint32_t i = 0; i < g->n_sorting_columns; i++) {
        const ko_pq_sorting_column *sc = &g->sorting_columns[i];
        json_t *o = json_object();
        bool known = sc->column_idx >= 0 && (uint32_t)sc->column_idx < s->n_leaves;
        jset(j, o, "column",
             known ? json_string(s->leaves[sc->column_idx].path) : json_integer(sc->column_idx));
        jset(j, o, "descending", json_boolean(sc->descending));
        jset(j, o, "nulls_first", json_boolean(sc->nulls_first));
        jpush(j, a, o);
    }
    return a;
}

static json_t *row_group_json(jctx *j, const ko_pq_schema *s, const ko_pq_row_group *g)
{
    json_t *o = json_object();
    jset(j, o, "num_rows", json_integer(g->num_rows));
    jset(j, o, "total_byte_size", json_integer(g->total_byte_size));
    if (g->has_total_compressed_size)
        jset(j, o, "total_compressed_size", json_integer(g->total_compressed_size));
    if (g->has_file_offset)
        jset(j, o, "file_offset", json_integer(g->file_offset));
    if (g->has_ordinal)
        jset(j, o, "ordinal", json_integer(g->ordinal));
    if (g->n_sorting_columns)
        jset(j, o, "sorting_columns", sorting_json(j, s, g));
    json_t *cols = json_array();
    for (uint32_t c = 0; c < g->n_columns; c++)
        jpush(j, cols, column_json(j, s, &g->columns[c], c));
    jset(j, o, "columns", cols);
    return o;
}

static json_t *file_json(jctx *j, const pq_file *f)
{
    const ko_pq_file_meta *m = ko_pq_reader_meta(f->r);
    const ko_pq_schema *s = ko_pq_reader_schema(f->r);
    json_t *o = json_object();
    jset(j, o, "file", json_string(f->uri));
    jset(j, o, "file_size", json_integer((json_int_t)ko_pq_reader_file_size(f->r)));
    jset(j, o, "version", json_integer(m->version));
    jset(j, o, "num_rows", json_integer(m->num_rows));
    jset(j, o, "created_by", jstr(m->created_by));
    jset(j, o, "key_value_metadata", kv_object(j, m->kv, m->n_kv));
    jset(j, o, "schema", schema_json(j, s, 0));
    json_t *rgs = json_array();
    for (uint32_t i = 0; i < m->n_row_groups; i++)
        jpush(j, rgs, row_group_json(j, s, &m->row_groups[i]));
    jset(j, o, "row_groups", rgs);
    return o;
}

static int cmd_meta(int argc, char **argv)
{
    if (argc != 3)
        return ko_cli_usage(USAGE);
    ko_err err = {0};
    pq_file f;
    if (file_open(argv[2], &f, &err) != KO_OK)
        return fail_file(argv[2], &err);
    jctx j = {0};
    json_t *doc = file_json(&j, &f);
    char *text = j.oom ? NULL : json_dumps(doc, JSON_INDENT(2));
    json_decref(doc);
    file_close(&f);
    if (!text) {
        ko_err_set(&err, KO_ERR_NOMEM, "%s: out of memory building the metadata JSON", argv[2]);
        return ko_cli_fail(&err);
    }
    puts(text);
    free(text);
    return fflush(stdout) == 0 ? 0 : 1;
}

/* --------------------------------------------------------------- cat */

typedef struct cat_opts {
    const char *file;
    char *columns; /* comma-separated, NULL for all */
    size_t limit;
    bool csv;
} cat_opts;

/* Parses a non-negative integer with an optional K, M or G suffix. */
static bool parse_size(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    if (!s || !*s || *s == '-')
        return false;
    unsigned long long v = strtoull(s, &end, 10);
    unsigned shift = 0;
    if (*end == 'K' || *end == 'k')
        shift = 10, end++;
    else if (*end == 'M' || *end == 'm')
        shift = 20, end++;
    else if (*end == 'G' || *end == 'g')
        shift = 30, end++;
    if (errno || end == s || *end || v > (SIZE_MAX >> shift))
        return false;
    *out = (size_t)(v << shift);
    return true;
}

/* Matches "--name VALUE" or "--name=VALUE"; advances *i past the value. */
static bool flag_value(int argc, char **argv, int *i, const char *name, const char **value)
{
    size_t n = strlen(name);
    if (strncmp(argv[*i], name, n) != 0)
        return false;
    if (argv[*i][n] == '=') {
        *value = argv[*i] + n + 1;
        return true;
    }
    if (argv[*i][n] != '\0')
        return false;
    *value = *i + 1 < argc ? argv[++*i] : NULL;
    return true;
}

static bool cat_flag(cat_opts *o, int argc, char **argv, int *i)
{
    const char *v = NULL;
    if (flag_value(argc, argv, i, "--columns", &v)) {
        o->columns = (char *)v; /* from argv: writable */
        return v && *v;
    }
    if (flag_value(argc, argv, i, "--limit", &v))
        return parse_size(v, &o->limit);
    if (flag_value(argc, argv, i, "--format", &v)) {
        o->csv = v && strcmp(v, "csv") == 0;
        return v && (o->csv || strcmp(v, "jsonl") == 0 || strcmp(v, "json") == 0);
    }
    if (argv[*i][0] == '-' || o->file)
        return false;
    o->file = argv[*i];
    return true;
}

/* Splits "a,b,c" in place into names (empty names are skipped). */
static size_t split_columns(char *list, const char **names, size_t cap)
{
    size_t n = 0;
    for (char *p = list; p && n < cap;) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        if (*p)
            names[n++] = p;
        p = comma ? comma + 1 : NULL;
    }
    return n;
}

static ko_status flush_out(ko_buf *out, ko_err *err)
{
    if (out->len && fwrite(out->data, 1, out->len, stdout) != out->len)
        return ko_err_errno(err, errno, "write to stdout");
    ko_buf_reset(out);
    return KO_OK;
}

/* Writes the current row group's records, at most *left of them. */
static ko_status cat_rowgroup(ko_pq_rows *rows, const cat_opts *o, ko_buf *out, size_t *left,
                              ko_err *err)
{
    ko_status st = KO_OK;
    bool more = true; /* a full batch: the row group may hold more */
    while (st == KO_OK && more && *left > 0) {
        size_t want = *left < CAT_BATCH ? *left : CAT_BATCH, got = 0;
        st = o->csv ? ko_pq_rows_write_csv(rows, out, want, &got, err)
                    : ko_pq_rows_write_jsonl(rows, out, want, &got, err);
        *left -= got;
        more = got == want;
        if (st == KO_OK)
            st = flush_out(out, err);
    }
    return st;
}

static ko_status cat_rows(ko_pq_rows *rows, const cat_opts *o, ko_err *err)
{
    ko_buf out = {0};
    size_t left = o->limit;
    ko_status st = o->csv ? ko_pq_rows_write_csv_header(rows, &out, err) : KO_OK;
    if (st == KO_OK)
        st = flush_out(&out, err);
    bool done = false;
    while (st == KO_OK && left > 0) {
        st = ko_pq_rows_next_rowgroup(rows, &done, err);
        if (st != KO_OK || done)
            break;
        st = cat_rowgroup(rows, o, &out, &left, err);
    }
    if (st != KO_OK)
        flush_out(&out, &(ko_err){0}); /* what was assembled, then the error */
    ko_buf_free(&out);
    return st;
}

static int cmd_cat(int argc, char **argv)
{
    cat_opts o = {.limit = SIZE_MAX};
    for (int i = 2; i < argc; i++)
        if (!cat_flag(&o, argc, argv, &i))
            return ko_cli_usage(USAGE);
    if (!o.file)
        return ko_cli_usage(USAGE);
    const char *names[MAX_COLUMNS];
    size_t n_names = o.columns ? split_columns(o.columns, names, MAX_COLUMNS) : 0;
    if (o.columns && n_names == 0)
        return ko_cli_usage(USAGE);
    ko_err err = {0};
    pq_file f;
    if (file_open(o.file, &f, &err) != KO_OK)
        return fail_file(o.file, &err);
    ko_pq_rows *rows = NULL;
    ko_status st = ko_pq_rows_open(f.r, names, n_names, &rows, &err);
    if (st == KO_OK)
        st = cat_rows(rows, &o, &err);
    ko_pq_rows_close(rows);
    file_close(&f);
    if (fflush(stdout) != 0 && st == KO_OK)
        st = ko_err_errno(&err, errno, "write to stdout");
    return st == KO_OK ? 0 : fail_file(o.file, &err);
}

/* -------------------------------------------------------------- copy */

typedef struct copy_opts {
    const char *in, *out;
    ko_pq_codec codec;
    size_t row_group_bytes;
} copy_opts;

static bool copy_flag(copy_opts *o, int argc, char **argv, int *i)
{
    const char *v = NULL;
    if (flag_value(argc, argv, i, "--codec", &v))
        return ko_pq_codec_parse(v, &o->codec);
    if (flag_value(argc, argv, i, "--row-group-bytes", &v))
        return parse_size(v, &o->row_group_bytes) && o->row_group_bytes > 0;
    if (argv[*i][0] == '-' || (o->in && o->out))
        return false;
    if (o->in)
        o->out = argv[*i];
    else
        o->in = argv[*i];
    return true;
}

/* Feeds every row group of r to w; columns are reused across groups. */
static ko_status copy_row_groups(ko_pq_reader *r, ko_pq_writer *w, ko_err *err)
{
    const ko_pq_file_meta *m = ko_pq_reader_meta(r);
    uint32_t n = ko_pq_reader_schema(r)->n_leaves;
    ko_pq_column *cols = calloc(n, sizeof *cols);
    if (!cols)
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory for %u columns", n);
    ko_status st = KO_OK;
    for (uint32_t g = 0; st == KO_OK && g < m->n_row_groups; g++) {
        for (uint32_t c = 0; st == KO_OK && c < n; c++)
            st = ko_pq_read_column_chunk(r, g, c, &cols[c], err);
        if (st == KO_OK)
            st = ko_pq_writer_write(w, cols, err);
    }
    for (uint32_t c = 0; c < n; c++)
        ko_pq_column_free(&cols[c]);
    free(cols);
    return st;
}

static ko_status copy_file(const copy_opts *o, pq_file *in, ko_err *err)
{
    const ko_pq_file_meta *m = ko_pq_reader_meta(in->r);
    ko_pq_writer_options wo = {
        .codec = o->codec, .row_group_bytes = o->row_group_bytes, .kv = m->kv, .n_kv = m->n_kv};
    ko_store *store = NULL;
    char *key = NULL;
    ko_pq_writer *w = NULL;
    ko_status st = ko_store_open_object(o->out, NULL, &store, &key, err);
    if (st == KO_OK)
        st = ko_pq_writer_open(store, key, m->schema, m->n_schema, &wo, &w, err);
    if (st == KO_OK)
        st = copy_row_groups(in->r, w, err);
    if (st == KO_OK)
        st = ko_pq_writer_close(w, err);
    else if (w)
        ko_pq_writer_abort(w);
    if (st != KO_OK && !strstr(err->msg, o->out) && !strstr(err->msg, o->in))
        ko_err_prefix(err, "copy %s to %s", o->in, o->out);
    free(key);
    ko_store_close(store);
    return st;
}

static int cmd_copy(int argc, char **argv)
{
    copy_opts o = {.codec = KO_PQ_ZSTD};
    for (int i = 2; i < argc; i++)
        if (!copy_flag(&o, argc, argv, &i))
            return ko_cli_usage(USAGE);
    if (!o.in || !o.out)
        return ko_cli_usage(USAGE);
    ko_err err = {0};
    pq_file in;
    if (file_open(o.in, &in, &err) != KO_OK)
        return fail_file(o.in, &err);
    ko_status st = copy_file(&o, &in, &err);
    file_close(&in);
    return st == KO_OK ? 0 : ko_cli_fail(&err);
}

/* ------------------------------------------------------------- verb */

int ko_cli_parquet(int argc, char **argv)
{
    if (argc < 2)
        return ko_cli_usage(USAGE);
    const char *op = argv[1];
    if (strcmp(op, "schema") == 0)
        return cmd_schema(argc, argv);
    if (strcmp(op, "meta") == 0)
        return cmd_meta(argc, argv);
    if (strcmp(op, "cat") == 0)
        return cmd_cat(argc, argv);
    if (strcmp(op, "copy") == 0)
        return cmd_copy(argc, argv);
    return ko_cli_usage(USAGE);
}
