/*
 * iceberg_cmd.c - `korolev iceberg cat|snapshots|files`: read any Iceberg
 * table directory, ours or another engine's, without a catalog.
 *
 *   cat LOCATION        the rows of a snapshot (current, --snapshot ID,
 *                       --ref NAME or --as-of TIME) as JSON lines or CSV,
 *                       with position and equality deletes applied
 *   snapshots LOCATION  one JSON line per snapshot: id, parent, sequence
 *                       number, timestamp, operation, summary, schema id,
 *                       manifest list, and whether it is current
 *   files LOCATION      the scan plan: one JSON line per data file with
 *                       its sequence number and the delete files applied
 *
 * LOCATION is a table directory (local path, file://, s3://, gs://); the
 * metadata file is found through version-hint.text or the highest
 * vN.metadata.json, or named with --metadata (a file name in metadata/ or
 * a full path).  Everything is read through iceberg/ (table_read.c,
 * scan.c, scan_read.c); rows are printed by parquet/rows.c.  snapshots and
 * files are listings (output.c): --format table|json|jsonl, by default a
 * table on a terminal and JSON lines otherwise.
 */
#include "cli/cli.h"
#include "iceberg/iceberg.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char USAGE[] =
    "iceberg cat LOCATION [--metadata FILE] [--snapshot ID | --ref NAME | --as-of TIME] "
    "[--format jsonl|csv] [--limit N]\n"
    "       korolev iceberg snapshots LOCATION [--metadata FILE] [--format table|json|jsonl]\n"
    "       korolev iceberg files LOCATION [--metadata FILE] [--snapshot ID | --ref NAME | "
    "--as-of TIME] [--format table|json|jsonl]";

enum { FLUSH_BYTES = 1 << 16, BATCH_ROWS = 4096 };

typedef struct ice_opts {
    const char *location;
    const char *metadata;
    ko_ice_snapshot_sel sel;
    bool csv;
    const char *format; /* --format as given; checked per verb */
    size_t limit;
} ice_opts;

/* ------------------------------------------------------------ flags */

static bool parse_i64(const char *s, int64_t *out)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end)
        return false;
    *out = v;
    return true;
}

/* Milliseconds since the epoch, or an ISO-8601 time. */
static bool parse_time(const char *s, int64_t *ms)
{
    int64_t us = 0;
    if (parse_i64(s, ms))
        return true;
    if (ko_time_parse(s, strlen(s), &us, NULL) != KO_OK)
        return false;
    *ms = us >= 0 ? us / 1000 : -((-us + 999) / 1000);
    return true;
}

static bool value_flag(ice_opts *o, const char *flag, const char *v)
{
    int64_t n = 0;
    if (strcmp(flag, "--metadata") == 0)
        o->metadata = v;
    else if (strcmp(flag, "--snapshot") == 0)
        return parse_i64(v, &o->sel.snapshot_id) && o->sel.snapshot_id >= 0;
    else if (strcmp(flag, "--ref") == 0)
        o->sel.ref = v;
    else if (strcmp(flag, "--as-of") == 0)
        return (o->sel.has_as_of = parse_time(v, &o->sel.as_of_ms));
    else if (strcmp(flag, "--format") == 0)
        o->format = v;
    else if (strcmp(flag, "--limit") == 0 && parse_i64(v, &n) && n >= 0)
        o->limit = (size_t)n;
    else
        return false;
    return true;
}

static bool parse_args(int argc, char **argv, ice_opts *o)
{
    *o = (ice_opts){.sel = {.snapshot_id = -1}, .limit = SIZE_MAX};
    for (int i = 2; i < argc; i++) {
        if (strncmp(argv[i], "--", 2) == 0) {
            if (i + 1 >= argc || !value_flag(o, argv[i], argv[i + 1]))
                return false;
            i++;
        } else if (!o->location) {
            o->location = argv[i];
        } else {
            return false;
        }
    }
    int selectors = (o->sel.snapshot_id >= 0) + (o->sel.ref != NULL) + o->sel.has_as_of;
    return o->location && selectors <= 1;
}

/* ------------------------------------------------------------ output */

static ko_status flush_out(ko_buf *out, bool force, ko_err *err)
{
    if (!force && out->len < FLUSH_BYTES)
        return KO_OK;
    if (out->len && fwrite(out->data, 1, out->len, stdout) != out->len)
        return ko_err_errno(err, errno, "write to stdout");
    ko_buf_reset(out);
    return KO_OK;
}

static ko_status csv_header(const ko_pq_schema *schema, ko_buf *out, ko_err *err)
{
    ko_pq_column *cols = calloc(schema->n_leaves ? schema->n_leaves : 1, sizeof *cols);
    ko_pq_rows *rows = NULL;
    ko_status st = cols ? KO_OK : ko_err_set(err, KO_ERR_NOMEM, "out of memory");
    for (uint32_t l = 0; l < schema->n_leaves && st == KO_OK; l++)
        if (ko_pq_column_init(&cols[l], &schema->leaves[l]) != KO_OK)
            st = ko_err_set(err, KO_ERR_NOMEM, "out of memory");
    if (st == KO_OK)
        st = ko_pq_rows_open_columns(schema, cols, NULL, 0, &rows, err);
    if (st == KO_OK)
        st = ko_pq_rows_write_csv_header(rows, out, err);
    ko_pq_rows_close(rows);
    for (uint32_t l = 0; cols && l < schema->n_leaves; l++)
        ko_pq_column_free(&cols[l]);
    free(cols);
    return st;
}

/* Writes up to *left records of one batch. */
static ko_status write_batch(const ko_pq_schema *schema, const ko_pq_column *cols, bool csv,
                             size_t *left, ko_buf *out, ko_err *err)
{
    ko_pq_rows *rows = NULL;
    ko_status st = ko_pq_rows_open_columns(schema, cols, NULL, 0, &rows, err);
    size_t written = BATCH_ROWS;
    while (st == KO_OK && *left > 0 && written > 0) {
        size_t max = *left < BATCH_ROWS ? *left : BATCH_ROWS;
        st = csv ? ko_pq_rows_write_csv(rows, out, max, &written, err)
                 : ko_pq_rows_write_jsonl(rows, out, max, &written, err);
        *left -= written;
        if (st == KO_OK)
            st = flush_out(out, false, err);
    }
    ko_pq_rows_close(rows);
    return st;
}

static ko_status cat_rows(ko_ice_dir *dir, const ice_opts *o, ko_err *err)
{
    ko_arena arena = {0};
    ko_ice_scan_plan plan;
    ko_ice_scan_opts so = {.snapshot = o->sel};
    ko_ice_reader *r = NULL;
    ko_buf out = {0};
    size_t left = o->limit;
    ko_status st = ko_ice_scan_plan_files(dir, &so, &arena, &plan, err);
    if (st == KO_OK)
        st = ko_ice_reader_open(dir, &plan, &r, err);
    if (st == KO_OK && o->csv)
        st = csv_header(ko_ice_reader_schema(r), &out, err);
    bool done = false;
    while (st == KO_OK && !done && left > 0) {
        const ko_pq_column *cols = NULL;
        size_t n = 0;
        st = ko_ice_reader_next(r, &cols, &n, &done, err);
        if (st == KO_OK && !done)
            st = write_batch(ko_ice_reader_schema(r), cols, o->csv, &left, &out, err);
    }
    if (st == KO_OK)
        st = flush_out(&out, true, err);
    ko_buf_free(&out);
    ko_ice_reader_close(r);
    ko_arena_free(&arena);
    return st;
}

/* ------------------------------------------------------------ snapshots */

static json_t *summary_json(const ko_ice_snapshot *s)
{
    json_t *o = json_object();
    for (uint32_t i = 0; o && i < s->n_summary; i++)
        json_object_set_new(o, s->summary[i].key, json_string(s->summary[i].value));
    return o;
}

static json_t *snapshot_json(const ko_ice_table_meta *m, const ko_ice_snapshot *s)
{
    json_t *o = json_pack(
        "{s:I,s:o,s:I,s:I,s:o,s:o,s:o,s:o,s:b}", "snapshot-id", (json_int_t)s->snapshot_id,
        "parent-snapshot-id", s->parent_id >= 0 ? json_integer(s->parent_id) : json_null(),
        "sequence-number", (json_int_t)s->sequence_number, "timestamp-ms",
        (json_int_t)s->timestamp_ms, "operation",
        s->operation ? json_string(s->operation) : json_null(), "summary", summary_json(s),
        "schema-id", s->schema_id >= 0 ? json_integer(s->schema_id) : json_null(), "manifest-list",
        s->manifest_list ? json_string(s->manifest_list) : json_null(), "current",
        s->snapshot_id == m->current_snapshot_id);
    return o;
}

static const ko_cli_col SNAPSHOT_COLS[] = {
    {"SNAPSHOT", "snapshot-id", false},        {"PARENT", "parent-snapshot-id", false},
    {"SEQ", "sequence-number", false},         {"TIME", "timestamp-ms", true},
    {"OPERATION", "operation", false},         {"ADDED", "summary.added-records", false},
    {"TOTAL", "summary.total-records", false}, {"CURRENT", "current", false}};

static json_t *list_snapshots(ko_ice_dir *dir)
{
    const ko_ice_table_meta *m = ko_ice_dir_meta(dir);
    json_t *rows = json_array();
    for (uint32_t i = 0; rows && i < m->n_snapshots; i++)
        json_array_append_new(rows, snapshot_json(m, &m->snapshots[i]));
    return rows;
}

/* ------------------------------------------------------------ files */

static const char *content_name(ko_ice_file_content c)
{
    return c == KO_ICE_CONTENT_DATA               ? "data"
           : c == KO_ICE_CONTENT_POSITION_DELETES ? "position-deletes"
                                                  : "equality-deletes";
}

static json_t *task_json(const ko_ice_scan_task *t)
{
    json_t *dels = json_array();
    for (uint32_t i = 0; dels && i < t->n_deletes; i++)
        json_array_append_new(dels,
                              json_pack("{s:s,s:s,s:I,s:I}", "content",
                                        content_name(t->deletes[i].file->content), "file-path",
                                        t->deletes[i].file->file_path, "sequence-number",
                                        (json_int_t)t->deletes[i].sequence_number, "record-count",
                                        (json_int_t)t->deletes[i].file->record_count));
    return json_pack("{s:s,s:i,s:I,s:I,s:I,s:o}", "file-path", t->file->file_path, "spec-id",
                     (int)t->file->spec_id, "sequence-number", (json_int_t)t->sequence_number,
                     "record-count", (json_int_t)t->file->record_count, "file-size-in-bytes",
                     (json_int_t)t->file->file_size_in_bytes, "deletes", dels);
}

static const ko_cli_col FILE_COLS[] = {{"SEQ", "sequence-number", false},
                                       {"RECORDS", "record-count", false},
                                       {"BYTES", "file-size-in-bytes", false},
                                       {"DELETES", "deletes", false},
                                       {"PATH", "file-path", false}};

static ko_status list_files(ko_ice_dir *dir, const ice_opts *o, json_t **rows, ko_err *err)
{
    ko_arena arena = {0};
    ko_ice_scan_plan plan;
    ko_ice_scan_opts so = {.snapshot = o->sel};
    ko_status st = ko_ice_scan_plan_files(dir, &so, &arena, &plan, err);
    *rows = st == KO_OK ? json_array() : NULL;
    for (size_t i = 0; *rows && i < plan.n_tasks; i++)
        json_array_append_new(*rows, task_json(&plan.tasks[i]));
    ko_arena_free(&arena);
    return st;
}

/* snapshots and files: a listing in the --format given (default: table on
 * a terminal, JSON lines otherwise, as before --format). */
static ko_status listing(ko_ice_dir *dir, const ice_opts *o, bool snaps, int *rc, ko_err *err)
{
    ko_cli_fmt fmt = KO_CLI_FMT_AUTO;
    json_t *rows = NULL;
    if (o->format && !ko_cli_fmt_parse(o->format, &fmt)) {
        *rc = ko_cli_usage(USAGE);
        return KO_OK;
    }
    if (snaps)
        rows = list_snapshots(dir);
    else if (list_files(dir, o, &rows, err) != KO_OK)
        return err->status;
    fmt = ko_cli_fmt_resolve(fmt, KO_CLI_FMT_JSONL);
    *rc = snaps ? ko_cli_print_list(rows, fmt, SNAPSHOT_COLS, KO_ARRAY_LEN(SNAPSHOT_COLS))
                : ko_cli_print_list(rows, fmt, FILE_COLS, KO_ARRAY_LEN(FILE_COLS));
    return KO_OK;
}

/* ------------------------------------------------------------ entry */

/* cat's --format: jsonl (the default) or csv. */
static bool row_format(ice_opts *o)
{
    o->csv = o->format && strcmp(o->format, "csv") == 0;
    return !o->format || o->csv || strcmp(o->format, "jsonl") == 0;
}

int ko_cli_iceberg(int argc, char **argv)
{
    ice_opts o;
    if (argc < 3 || !parse_args(argc, argv, &o))
        return ko_cli_usage(USAGE);
    const char *verb = argv[1];
    bool cat = strcmp(verb, "cat") == 0, snaps = strcmp(verb, "snapshots") == 0;
    if (!cat && !snaps && strcmp(verb, "files") != 0)
        return ko_cli_usage(USAGE);
    if (cat && !row_format(&o))
        return ko_cli_usage(USAGE);
    ko_err err = {0};
    ko_ice_dir *dir = NULL;
    ko_status st = ko_ice_dir_open(o.location, o.metadata, NULL, &dir, &err);
    int rc = 0;
    if (st == KO_OK)
        st = cat ? cat_rows(dir, &o, &err) : listing(dir, &o, snaps, &rc, &err);
    ko_ice_dir_close(dir);
    if (fflush(stdout) != 0 && st == KO_OK)
        st = ko_err_errno(&err, errno, "write to stdout");
    if (st != KO_OK && !strstr(err.msg, o.location))
        ko_err_prefix(&err, "table %s", o.location);
    return st == KO_OK ? rc : ko_cli_fail(&err);
}
