/*
 * ingest.c - the ingest session of ingest.h: claim, sources, batches,
 * accounting, commits.
 *
 * Records flow: splitter (split.c) -> on_jsonl / on_csv here -> parse
 * (json.c) -> shred into the batch (shred.c, coerce.c) or reject
 * (rejects.c).  A full batch goes to the table writer; the writer's files
 * and those of Parquet sources are committed together by finish.  Every
 * record is counted exactly once, as written or rejected, at the moment
 * it is decided; the per-source and per-reason counts are kept alongside
 * and go into the record.
 *
 * The claim (catalog.h, ko_cat_ingest_*) is renewed from the flush path
 * (at most every lease/3) and re-checked right before each commit.
 */
#include "ingest/ingest_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    DEFAULT_BATCH_ROWS = 65536,
    MAX_SAMPLES = 10,
    READ_CHUNK = 8 << 20,
};
#define DEFAULT_MAX_LINE  ((size_t)16 << 20)
#define DEFAULT_MAX_VALUE ((size_t)8 << 20)
#define DEFAULT_LEASE_MS  ((int64_t)300000)
#define BATCH_BYTES_LIMIT ((size_t)64 << 20)

typedef struct source {
    const char *name;
    ko_ingest_format fmt;
    ko_ingest_counts c;
    /* CSV */
    bool header_pending;
    int32_t *field_col; /* per top-level field: its CSV column, -1 absent */
    size_t n_cols;
    const char *unknown; /* the first header name the table lacks */
} source;

struct ko_ingest {
    const ko_ice_warehouse *wh;
    ko_cat *cat;
    ko_ingest_opts o;
    ko_arena arena;
    const char *ns, *name;
    char id[KO_UUID_STR_LEN + 1];
    ko_cat_ingest claim;
    bool replay;
    const char *replay_record;
    ko_ice_table t;
    ko_ice_table_writer *w;
    ki_shred *sh;    /* the batch being filled: shv[0] or shv[1] */
    ki_shred shv[2]; /* shv[1] only with the writer thread */
    bool shv_ready[2];
    ki_bgw *bg; /* the writer thread (threads >= 2), or NULL */
    ki_rejects *rej;
    bool rejects_before; /* an earlier attempt committed the rejects */
    int64_t rejects_sid_before;
    ki_json doc;
    ki_lines lines;
    ki_csv csv;
    bool in_source;
    source src;
    ko_ingest_counts c;
    int64_t by_reason[KI_N_REASONS];
    json_t *sources, *samples;
    ko_ice_data_file *pq_files;
    size_t n_pq_files;
    int64_t last_beat_us, started_us;
};

static ko_status nomem(ko_err *err)
{
    return ko_err_set(err, KO_ERR_NOMEM, "out of memory ingesting");
}

bool ko_ingest_format_parse(const char *s, ko_ingest_format *out)
{
    if (strcmp(s, "jsonl") == 0 || strcmp(s, "json") == 0 || strcmp(s, "ndjson") == 0)
        *out = KO_INGEST_JSONL;
    else if (strcmp(s, "csv") == 0)
        *out = KO_INGEST_CSV;
    else if (strcmp(s, "parquet") == 0)
        *out = KO_INGEST_PARQUET;
    else
        return false;
    return true;
}

static const char *format_name(ko_ingest_format f)
{
    return f == KO_INGEST_JSONL ? "jsonl" : f == KO_INGEST_CSV ? "csv" : "parquet";
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcasecmp(s + n - k, suffix) == 0;
}

static ko_ingest_format guess_format(const char *name, char *delim)
{
    if (ends_with(name, ".jsonl") || ends_with(name, ".ndjson") || ends_with(name, ".json"))
        return KO_INGEST_JSONL;
    if (ends_with(name, ".tsv")) {
        *delim = '\t';
        return KO_INGEST_CSV;
    }
    if (ends_with(name, ".csv"))
        return KO_INGEST_CSV;
    if (ends_with(name, ".parquet"))
        return KO_INGEST_PARQUET;
    return KO_INGEST_AUTO;
}

const char *ko_ingest_id(const ko_ingest *in)
{
    return in->id;
}

bool ko_ingest_replayed(const ko_ingest *in)
{
    return in->replay;
}

ko_ingest_counts ko_ingest_progress(const ko_ingest *in)
{
    return in->c;
}

/* ------------------------------------------------------------- the record */

static json_t *reasons_json(const ko_ingest *in)
{
    json_t *j = json_object();
    for (int r = 1; j && r < KI_N_REASONS; r++)
        if (in->by_reason[r])
            json_object_set_new(j, ki_reason_name((ki_reason)r), json_integer(in->by_reason[r]));
    return j;
}

static json_t *record_json(ko_ingest *in, const char *status, int64_t sid, int64_t rsid,
                           const char *error)
{
    char start[KO_TIME_STR_MAX], end[KO_TIME_STR_MAX];
    ko_time_format(in->started_us, start);
    ko_time_format(ko_now_us(), end);
    json_t *j = json_pack(
        "{s:s, s:s, s:s, s:s?, s:I, s:I, s:I, s:I, s:I, s:I, s:O, s:o, s:O, s:s, s:s}", "ingest-id",
        in->id, "table", in->t.ident ? in->t.ident : "", "status", status, "idempotency-key",
        in->o.idempotency_key, "attempt", (json_int_t)in->claim.attempt, "received",
        (json_int_t)in->c.received, "written", (json_int_t)in->c.written, "rejected",
        (json_int_t)in->c.rejected, "blank-lines", (json_int_t)in->c.blank_lines, "bytes",
        (json_int_t)in->c.bytes, "sources", in->sources, "rejects-by-reason", reasons_json(in),
        "reject-samples", in->samples, "started-at", start, "finished-at", end);
    if (!j)
        return NULL;
    json_object_set_new(j, "snapshot-id", sid >= 0 ? json_integer(sid) : json_null());
    json_object_set_new(j, "rejects-snapshot-id", rsid >= 0 ? json_integer(rsid) : json_null());
    if (in->c.rejected || rsid >= 0)
        json_object_set_new(j, "rejects-table", json_sprintf("%s.%s__rejects", in->ns, in->name));
    if (error)
        json_object_set_new(j, "error", json_string(error));
    return j;
}

/* Ends the claim with status and the record j (borrowed). */
static ko_status finish_claim(ko_ingest *in, const char *status, json_t *j, ko_err *err)
{
    char *text = json_dumps(j, JSON_COMPACT);
    if (!text)
        return nomem(err);
    ko_cat_change chg = {in->o.principal, NULL};
    ko_cat_ingest fin = in->claim;
    fin.status = status;
    fin.received = in->c.received;
    fin.written = in->c.written;
    fin.rejected = in->c.rejected;
    fin.bytes = in->c.bytes;
    fin.record = text;
    ko_status st = ko_cat_ingest_finish(in->cat, &chg, &fin, err);
    free(text);
    return st;
}

/* -------------------------------------------------------------- open */

static int64_t summary_num(const ko_ice_snapshot *s, const char *key)
{
    const char *v = ko_ice_snapshot_summary(s, key);
    return v ? strtoll(v, NULL, 10) : 0;
}

/* A taken-over ingest whose crashed owner did commit: rebuild its record
 * from the snapshot summary and finish it. */
static ko_status recover_committed(ko_ingest *in, const ko_ice_snapshot *s, ko_err *err)
{
    in->c.received = summary_num(s, "korolev.received");
    in->c.written = summary_num(s, "korolev.written");
    in->c.rejected = summary_num(s, "korolev.rejected");
    in->c.bytes = summary_num(s, "korolev.bytes");
    const char *rs = ko_ice_snapshot_summary(s, "korolev.rejects-snapshot-id");
    json_t *j = record_json(in, "succeeded", s->snapshot_id, rs ? strtoll(rs, NULL, 10) : -1, NULL);
    if (!j)
        return nomem(err);
    json_object_set_new(j, "recovered", json_true());
    ko_status st = finish_claim(in, "succeeded", j, err);
    char *text = st == KO_OK ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (st == KO_OK && !(in->replay_record = text ? ko_arena_strdup(&in->arena, text) : NULL))
        st = nomem(err);
    free(text);
    in->replay = true;
    return st;
}

static ko_status claim(ko_ingest *in, ko_err *err)
{
    ko_uuid u = ko_uuid_random();
    ko_uuid_format(&u, in->id);
    ko_cat_ingest want = {
        .id = in->id, .idem_key = in->o.idempotency_key, .ns = in->ns, .name = in->name};
    ko_cat_claim res;
    ko_status st = ko_cat_ingest_claim(in->cat, &want, in->o.lease_ms * 1000, &in->arena,
                                       &in->claim, &res, err);
    if (st != KO_OK)
        return st;
    if (in->claim.id != in->id) /* a takeover or a replay: the row's id */
        snprintf(in->id, sizeof in->id, "%s", in->claim.id);
    in->claim.id = in->id;
    if (res == KO_CAT_CLAIM_BUSY)
        return ko_err_set(err, KO_ERR_CONFLICT,
                          "idempotency key '%s' is held by ingest %s, still running",
                          in->o.idempotency_key, in->id);
    if (res == KO_CAT_CLAIM_DONE) {
        in->replay = true;
        in->replay_record = in->claim.record;
        return KO_OK;
    }
    in->last_beat_us = ko_monotonic_us();
    if (res != KO_CAT_CLAIM_TAKEOVER)
        return KO_OK;
    const ko_ice_snapshot *s = ki_find_ingest_snapshot(&in->t, in->id);
    return s ? recover_committed(in, s, err) : KO_OK;
}

static ko_status open_writer(ko_ingest *in, ko_err *err)
{
    ko_status st = ko_ice_table_writer_open(in->wh, &in->t, &in->arena, &in->w, err);
    int n_batches = in->o.threads >= 2 ? 2 : 1;
    for (int i = 0; i < n_batches && st == KO_OK; i++) {
        ki_shred *s = &in->shv[i];
        st = ki_shred_init(s, ko_ice_meta_current_schema(&in->t.meta),
                           ko_ice_table_writer_schema(in->w), &in->arena, err);
        in->shv_ready[i] = st == KO_OK;
        s->max_value = in->o.max_value_bytes;
        s->ignore_unknown = in->o.unknown_fields == KO_INGEST_UNKNOWN_IGNORE;
    }
    in->sh = &in->shv[0];
    if (st == KO_OK && n_batches == 2)
        st = ki_bgw_start(in->w, &in->bg, err);
    if (st == KO_OK)
        st = ki_rejects_open(in->wh, in->ns, in->name, in->id, &in->rej, err);
    bool found = false;
    if (st == KO_OK && in->claim.attempt > 1)
        st = ki_rejects_committed(in->rej, &found, &in->rejects_sid_before, err);
    in->rejects_before = found;
    return st;
}

static void set_defaults(ko_ingest_opts *o)
{
    if (!o->csv_delimiter)
        o->csv_delimiter = ',';
    if (!o->csv_quote)
        o->csv_quote = '"';
    if (!o->max_line_bytes)
        o->max_line_bytes = DEFAULT_MAX_LINE;
    if (!o->max_value_bytes)
        o->max_value_bytes = DEFAULT_MAX_VALUE;
    if (!o->batch_rows)
        o->batch_rows = DEFAULT_BATCH_ROWS;
    if (o->lease_ms <= 0)
        o->lease_ms = DEFAULT_LEASE_MS;
}

static void free_session(ko_ingest *in)
{
    ki_bgw_stop(in->bg);
    if (in->w)
        ko_ice_table_writer_abort(in->w);
    for (int i = 0; i < 2; i++)
        if (in->shv_ready[i])
            ki_shred_free(&in->shv[i]);
    ki_rejects_close(in->rej);
    ki_json_free(&in->doc);
    ki_lines_free(&in->lines);
    ki_csv_free(&in->csv);
    json_decref(in->sources);
    json_decref(in->samples);
    free(in->pq_files);
    ko_arena_free(&in->arena);
    free(in);
}

ko_status ko_ingest_open(const ko_ice_warehouse *wh, ko_cat *cat, const char *ns, const char *name,
                         const ko_ingest_opts *opts, ko_ingest **out, ko_err *err)
{
    *out = NULL;
    if (opts && opts->has_max_reject_ratio &&
        !(opts->max_reject_ratio >= 0 && opts->max_reject_ratio <= 1))
        return ko_err_set(err, KO_ERR_INVALID, "max reject ratio %g is not in [0, 1]",
                          opts->max_reject_ratio);
    ko_ingest *in = calloc(1, sizeof *in);
    if (!in)
        return nomem(err);
    in->wh = wh;
    in->cat = cat;
    if (opts)
        in->o = *opts;
    set_defaults(&in->o);
    in->started_us = ko_now_us();
    in->ns = ko_arena_strdup(&in->arena, ns);
    in->name = ko_arena_strdup(&in->arena, name);
    in->o.idempotency_key =
        opts && opts->idempotency_key ? ko_arena_strdup(&in->arena, opts->idempotency_key) : NULL;
    in->sources = json_array();
    in->samples = json_array();
    ko_status st = in->ns && in->name && in->sources && in->samples ? KO_OK : nomem(err);
    if (st == KO_OK)
        st = ko_ice_table_load(wh, ns, name, &in->arena, &in->t, err);
    if (st == KO_OK)
        st = claim(in, err);
    bool claimed = st == KO_OK && !in->replay;
    if (claimed)
        st = open_writer(in, err);
    if (st != KO_OK) {
        if (claimed)
            ko_ingest_abort(in, err->msg);
        else
            free_session(in);
        return st;
    }
    *out = in;
    return KO_OK;
}

/* ------------------------------------------------------------ batches */

static ko_status heartbeat(ko_ingest *in, bool force, ko_err *err)
{
    int64_t now = ko_monotonic_us();
    if (!force && now - in->last_beat_us < in->o.lease_ms * 1000 / 3)
        return KO_OK;
    in->last_beat_us = now;
    return ko_cat_ingest_heartbeat(in->cat, in->id, in->claim.attempt, err);
}

static ko_status flush(ko_ingest *in, ko_err *err)
{
    if (in->sh->rows == 0)
        return KO_OK;
    ko_status st;
    if (in->bg) { /* the writer thread takes it; fill the other batch */
        st = ki_bgw_submit(in->bg, in->sh, err);
        in->sh = in->sh == &in->shv[0] ? &in->shv[1] : &in->shv[0];
    } else {
        st = ko_ice_table_writer_write(in->w, in->sh->cols, in->sh->rows, err);
        ki_shred_reset(in->sh);
    }
    if (in->o.progress)
        in->o.progress(in->o.progress_ctx, &in->c);
    return st == KO_OK ? heartbeat(in, false, err) : st;
}

static ko_status reject(ko_ingest *in, const ki_rec *rec, const ki_fail *f, ko_err *err)
{
    in->c.rejected++;
    in->src.c.rejected++;
    in->by_reason[f->reason]++;
    if (json_array_size(in->samples) < MAX_SAMPLES) {
        json_t *s = json_pack("{s:s, s:I, s:s?, s:s, s:s}", "source", in->src.name, "line",
                              (json_int_t)rec->line, "field", f->field[0] ? f->field : NULL,
                              "reason", ki_reason_name(f->reason), "detail", f->detail);
        if (!s || json_array_append_new(in->samples, s) != 0)
            return nomem(err);
    }
    ki_reject_row row = {in->src.name, rec, f};
    return ki_rejects_add(in->rej, &row, err);
}

static ko_status accepted(ko_ingest *in, ko_err *err)
{
    in->c.written++;
    in->src.c.written++;
    if (in->sh->rows >= in->o.batch_rows ||
        (in->sh->rows % 1024 == 0 && ki_shred_bytes(in->sh) >= BATCH_BYTES_LIMIT))
        return flush(in, err);
    return KO_OK;
}

static ko_status on_jsonl(void *ctx, const ki_rec *rec, ko_err *err)
{
    ko_ingest *in = ctx;
    in->c.received++;
    in->src.c.received++;
    ki_fail f = {0};
    if (rec->error) {
        ki_failf(&f, rec->error, "%s", rec->error_detail);
        return reject(in, rec, &f, err);
    }
    bool oom = false;
    ki_reason r = ki_json_parse(&in->doc, rec->raw, rec->raw_len, &f, &oom);
    if (r == KI_OK)
        r = ki_shred_json(in->sh, &in->doc, &f, &oom);
    if (oom)
        return nomem(err);
    return r == KI_OK ? accepted(in, err) : reject(in, rec, &f, err);
}

/* ---------------------------------------------------------------- CSV */

static ko_status csv_header(ko_ingest *in, const ki_rec *rec, ko_err *err)
{
    const ko_ice_type *root = &ko_ice_meta_current_schema(&in->t.meta)->root;
    source *s = &in->src;
    s->header_pending = false;
    if (rec->error)
        return ko_err_set(err, KO_ERR_INVALID, "%s: line %llu: bad CSV header: %s", s->name,
                          (unsigned long long)rec->line, rec->error_detail);
    s->n_cols = rec->n_fields;
    for (size_t i = 0; i < rec->n_fields; i++) {
        const ki_field *fl = &rec->fields[i];
        int32_t k = -1;
        for (uint32_t j = 0; j < root->n_fields && k < 0; j++)
            if (strlen(root->fields[j].name) == fl->len &&
                memcmp(root->fields[j].name, fl->p, fl->len) == 0)
                k = (int32_t)j;
        if (k >= 0 && s->field_col[k] >= 0)
            return ko_err_set(err, KO_ERR_INVALID, "%s: CSV header names column '%s' twice",
                              s->name, root->fields[k].name);
        if (k >= 0)
            s->field_col[k] = (int32_t)i;
        else if (!s->unknown && !(s->unknown = ko_arena_strndup(&in->arena, fl->p, fl->len)))
            return nomem(err);
    }
    return KO_OK;
}

static ko_status on_csv(void *ctx, const ki_rec *rec, ko_err *err)
{
    ko_ingest *in = ctx;
    source *s = &in->src;
    if (s->header_pending)
        return csv_header(in, rec, err);
    in->c.received++;
    s->c.received++;
    ki_fail f = {0};
    if (rec->error) {
        ki_failf(&f, rec->error, "%s", rec->error_detail);
        return reject(in, rec, &f, err);
    }
    if (rec->n_fields != s->n_cols) {
        ki_failf(&f, KI_RAGGED_ROW, "%zu fields where the header has %zu", rec->n_fields,
                 s->n_cols);
        return reject(in, rec, &f, err);
    }
    if (s->unknown && !in->sh->ignore_unknown) {
        snprintf(f.field, sizeof f.field, "%s", s->unknown);
        ki_failf(&f, KI_UNKNOWN_FIELD, "the table has no column '%s'", s->unknown);
        return reject(in, rec, &f, err);
    }
    bool oom = false;
    ki_reason r = ki_shred_csv(in->sh, rec, s->field_col, &f, &oom);
    if (oom)
        return nomem(err);
    return r == KI_OK ? accepted(in, err) : reject(in, rec, &f, err);
}

/* ------------------------------------------------------------- sources */

ko_status ko_ingest_source_begin(ko_ingest *in, const char *name, ko_ingest_format format,
                                 ko_err *err)
{
    if (in->in_source)
        return ko_err_set(err, KO_ERR_INVALID, "source %s is still open", in->src.name);
    char delim = in->o.csv_delimiter;
    if (format == KO_INGEST_AUTO)
        format = guess_format(name, &delim);
    if (format == KO_INGEST_AUTO)
        return ko_err_set(err, KO_ERR_INVALID,
                          "%s: cannot tell the format from the name (give jsonl, csv or parquet)",
                          name);
    if (format == KO_INGEST_PARQUET)
        return ko_err_set(err, KO_ERR_INVALID, "%s: Parquet is not streamed (ko_ingest_parquet)",
                          name);
    memset(&in->src, 0, sizeof in->src);
    in->src.name = ko_arena_strdup(&in->arena, name);
    in->src.fmt = format;
    if (!in->src.name)
        return nomem(err);
    in->in_source = true;
    if (in->replay)
        return KO_OK;
    if (format == KO_INGEST_JSONL) {
        ki_lines_free(&in->lines);
        ki_lines_init(&in->lines, in->o.max_line_bytes);
        return KO_OK;
    }
    ki_csv_free(&in->csv);
    ki_csv_init(&in->csv, delim, in->o.csv_quote, in->o.max_line_bytes);
    uint32_t nf = ko_ice_meta_current_schema(&in->t.meta)->root.n_fields;
    in->src.field_col = ko_arena_calloc(&in->arena, nf + 1u, sizeof(int32_t));
    if (!in->src.field_col)
        return nomem(err);
    for (uint32_t k = 0; k < nf; k++)
        in->src.field_col[k] = in->o.csv_no_header ? (int32_t)k : -1;
    in->src.n_cols = nf;
    in->src.header_pending = !in->o.csv_no_header;
    return KO_OK;
}

ko_status ko_ingest_feed(ko_ingest *in, const void *data, size_t n, ko_err *err)
{
    if (!in->in_source)
        return ko_err_set(err, KO_ERR_INVALID, "no source is open");
    in->c.bytes += (int64_t)n;
    in->src.c.bytes += (int64_t)n;
    if (in->replay || n == 0)
        return KO_OK;
    ko_status st = in->src.fmt == KO_INGEST_JSONL
                       ? ki_lines_feed(&in->lines, data, n, on_jsonl, in, err)
                       : ki_csv_feed(&in->csv, data, n, on_csv, in, err);
    return st == KO_OK ? st : ko_err_prefix(err, "%s", in->src.name);
}

static ko_status add_source_json(ko_ingest *in)
{
    const source *s = &in->src;
    json_t *j =
        json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I}", "name", s->name, "format",
                  format_name(s->fmt), "bytes", (json_int_t)s->c.bytes, "received",
                  (json_int_t)s->c.received, "written", (json_int_t)s->c.written, "rejected",
                  (json_int_t)s->c.rejected, "blank-lines", (json_int_t)s->c.blank_lines);
    return j && json_array_append_new(in->sources, j) == 0 ? KO_OK : KO_ERR_NOMEM;
}

ko_status ko_ingest_source_end(ko_ingest *in, ko_err *err)
{
    if (!in->in_source)
        return ko_err_set(err, KO_ERR_INVALID, "no source is open");
    in->in_source = false;
    if (!in->replay) {
        bool jl = in->src.fmt == KO_INGEST_JSONL;
        ko_status st = jl ? ki_lines_end(&in->lines, on_jsonl, in, err)
                          : ki_csv_end(&in->csv, on_csv, in, err);
        int64_t blank = (int64_t)(jl ? in->lines.blank : in->csv.blank);
        in->src.c.blank_lines = blank;
        in->c.blank_lines += blank;
        if (st != KO_OK)
            return ko_err_prefix(err, "%s", in->src.name);
    }
    return add_source_json(in) == KO_OK ? KO_OK : nomem(err);
}

ko_status ko_ingest_parquet(ko_ingest *in, ko_pq_reader *r, const char *name, ko_err *err)
{
    memset(&in->src, 0, sizeof in->src);
    in->src.name = ko_arena_strdup(&in->arena, name);
    in->src.fmt = KO_INGEST_PARQUET;
    if (!in->src.name)
        return nomem(err);
    int64_t bytes = (int64_t)ko_pq_reader_file_size(r);
    in->src.c.bytes = bytes;
    in->c.bytes += bytes;
    if (!in->replay) {
        ko_ice_data_file *files = NULL;
        size_t n = 0;
        ko_status st =
            ko_ice_table_write_files(in->wh, &in->t, &r, &name, 1, &in->arena, &files, &n, err);
        if (st != KO_OK)
            return st;
        ko_ice_data_file *all = realloc(in->pq_files, (in->n_pq_files + n + 1) * sizeof *all);
        if (!all) {
            ki_delete_files(in->wh, files, n);
            return nomem(err);
        }
        in->pq_files = all;
        for (size_t i = 0; i < n; i++) {
            all[in->n_pq_files++] = files[i];
            in->src.c.received += files[i].record_count;
        }
        in->src.c.written = in->src.c.received;
        in->c.received += in->src.c.received;
        in->c.written += in->src.c.received;
        if (in->o.progress)
            in->o.progress(in->o.progress_ctx, &in->c);
    }
    return add_source_json(in) == KO_OK ? KO_OK : nomem(err);
}

/* ------------------------------------------------------------------ URIs */

static ko_status feed_stdin(ko_ingest *in, ko_err *err)
{
    uint8_t *buf = malloc(READ_CHUNK);
    if (!buf)
        return nomem(err);
    ko_status st = KO_OK;
    size_t n = 0;
    while (st == KO_OK && (n = fread(buf, 1, READ_CHUNK, stdin)) > 0)
        st = ko_ingest_feed(in, buf, n, err);
    if (st == KO_OK && ferror(stdin))
        st = ko_err_set(err, KO_ERR_IO, "reading standard input failed");
    free(buf);
    return st;
}

static ko_status feed_object(ko_ingest *in, ko_store *store, const char *key, ko_err *err)
{
    ko_obj_info info;
    ko_status st = ko_store_head(store, key, &info, err);
    ko_buf buf = {0};
    for (uint64_t off = 0; st == KO_OK && off < info.size; off += READ_CHUNK) {
        ko_buf_reset(&buf);
        st = ko_store_get_range(store, key, off, READ_CHUNK, &buf, err);
        if (st == KO_OK)
            st = ko_ingest_feed(in, buf.data, buf.len, err);
    }
    ko_buf_free(&buf);
    return st;
}

ko_status ko_ingest_uri(ko_ingest *in, const char *uri, ko_ingest_format format, ko_err *err)
{
    char delim = 0;
    if (format == KO_INGEST_AUTO)
        format = guess_format(uri, &delim);
    if (strcmp(uri, "-") == 0) {
        ko_status st = ko_ingest_source_begin(in, "stdin", format, err);
        if (st == KO_OK)
            st = feed_stdin(in, err);
        return st == KO_OK ? ko_ingest_source_end(in, err) : st;
    }
    ko_store *store = NULL;
    char *key = NULL;
    ko_status st = ko_store_open_object(uri, NULL, &store, &key, err);
    if (st == KO_OK && format == KO_INGEST_PARQUET) {
        ko_pq_reader *r = NULL;
        st = ko_pq_reader_open(store, key, &r, err);
        if (st == KO_OK)
            st = ko_ingest_parquet(in, r, uri, err);
        ko_pq_reader_close(r);
    } else if (st == KO_OK) {
        st = ko_ingest_source_begin(in, uri, format, err);
        if (st == KO_OK && delim)
            in->csv.delim = delim;
        if (st == KO_OK)
            st = feed_object(in, store, key, err);
        if (st == KO_OK)
            st = ko_ingest_source_end(in, err);
    }
    free(key);
    ko_store_close(store);
    return st != KO_OK && !strstr(err->msg, uri) ? ko_err_prefix(err, "%s", uri) : st;
}

/* ---------------------------------------------------------------- finish */

static ko_status replay_result(ko_ingest *in, json_t **record, ko_err *err)
{
    json_t *j = in->replay_record ? json_loads(in->replay_record, 0, NULL) : NULL;
    ko_status st = KO_OK;
    if (!j)
        st = ko_err_set(err, KO_ERR_CORRUPT, "ingest %s has no readable record", in->id);
    else
        json_object_set_new(j, "replayed", json_true());
    if (record)
        *record = j;
    else
        json_decref(j);
    free_session(in);
    return st;
}

static bool ratio_exceeded(const ko_ingest *in)
{
    return in->o.has_max_reject_ratio && in->c.received > 0 &&
           (double)in->c.rejected / (double)in->c.received > in->o.max_reject_ratio;
}

static ko_status put_kv(ko_ingest *in, ko_ice_kv *kv, uint32_t *n, const char *key, int64_t v)
{
    const char *s = ko_arena_sprintf(&in->arena, "%lld", (long long)v);
    if (!s)
        return KO_ERR_NOMEM;
    kv[(*n)++] = (ko_ice_kv){key, s};
    return KO_OK;
}

static ko_status table_summary(ko_ingest *in, int64_t rsid, ko_ice_kv *kv, uint32_t *n)
{
    *n = 0;
    kv[(*n)++] = (ko_ice_kv){"korolev.ingest-id", in->id};
    ko_status st = put_kv(in, kv, n, "korolev.received", in->c.received);
    if (st == KO_OK)
        st = put_kv(in, kv, n, "korolev.written", in->c.written);
    if (st == KO_OK)
        st = put_kv(in, kv, n, "korolev.rejected", in->c.rejected);
    if (st == KO_OK)
        st = put_kv(in, kv, n, "korolev.bytes", in->c.bytes);
    if (st == KO_OK && rsid >= 0)
        st = put_kv(in, kv, n, "korolev.rejects-snapshot-id", rsid);
    return st;
}

/* Fails the batch on the reject ratio: deletes every file, records failed. */
static ko_status fail_ratio(ko_ingest *in, const ko_ice_data_file *files, size_t n, json_t **record,
                            ko_err *err)
{
    ki_delete_files(in->wh, files, n);
    ki_delete_files(in->wh, in->pq_files, in->n_pq_files);
    char why[160];
    snprintf(why, sizeof why, "reject ratio %.6g exceeds the maximum %.6g",
             (double)in->c.rejected / (double)in->c.received, in->o.max_reject_ratio);
    int64_t written = in->c.written;
    in->c.written = 0; /* nothing was committed */
    json_t *j = record_json(in, "failed", -1, -1, why);
    if (j)
        json_object_set_new(j, "valid", json_integer(written));
    ko_status st = j ? finish_claim(in, "failed", j, err) : nomem(err);
    if (record)
        *record = j;
    else
        json_decref(j);
    free_session(in);
    return st;
}

static ko_status commit_all(ko_ingest *in, ko_ice_data_file *files, size_t n, int64_t *sid,
                            int64_t *rsid, ko_err *err)
{
    ko_status st = heartbeat(in, true, err); /* fencing: do we still hold the claim? */
    ko_ice_kv kv[8];
    uint32_t n_kv = 0;
    *rsid = in->rejects_before ? in->rejects_sid_before : -1;
    if (st == KO_OK && in->c.rejected > 0 && !in->rejects_before) {
        kv[0] = (ko_ice_kv){"korolev.ingest-id", in->id};
        n_kv = 1;
        st = put_kv(in, kv, &n_kv, "korolev.rejected", in->c.rejected);
        if (st == KO_OK)
            st = ki_rejects_commit(in->rej, kv, n_kv, rsid, err);
    }
    if (st == KO_OK)
        st = table_summary(in, *rsid, kv, &n_kv) == KO_OK ? KO_OK : nomem(err);
    ko_ice_commit_opts o = {.summary = kv, .n_summary = n_kv};
    ko_ice_commit_info info;
    if (st == KO_OK)
        st = heartbeat(in, true, err);
    if (st == KO_OK)
        st = ko_ice_table_commit_append(in->wh, &in->t, files, n, &o, &in->arena, &info, err);
    if (st == KO_OK)
        *sid = info.snapshot_id;
    else if (st == KO_ERR_CONFLICT || st == KO_ERR_INVALID || st == KO_ERR_NOT_FOUND)
        ki_delete_files(in->wh, files, n);
    return st;
}

static ko_status collect_files(ko_ingest *in, ko_ice_data_file **out, size_t *n, ko_err *err)
{
    ko_ice_data_file *files = NULL;
    size_t nf = 0;
    ko_status st = flush(in, err);
    if (st == KO_OK && in->bg)
        st = ki_bgw_wait(in->bg, err);
    ki_bgw_stop(in->bg);
    in->bg = NULL;
    if (st != KO_OK)
        return st; /* the writer is aborted with the session */
    st = ko_ice_table_writer_finish(in->w, &files, &nf, err);
    in->w = NULL;
    if (st != KO_OK)
        return st;
    ko_ice_data_file *all = ko_arena_calloc(&in->arena, nf + in->n_pq_files + 1, sizeof *all);
    if (!all) {
        ki_delete_files(in->wh, files, nf);
        return nomem(err);
    }
    if (nf)
        memcpy(all, files, nf * sizeof *all);
    if (in->n_pq_files)
        memcpy(all + nf, in->pq_files, in->n_pq_files * sizeof *all);
    *out = all;
    *n = nf + in->n_pq_files;
    return KO_OK;
}

ko_status ko_ingest_finish(ko_ingest *in, json_t **record, ko_err *err)
{
    ko_err local = {0};
    if (!err)
        err = &local;
    if (record)
        *record = NULL;
    if (in->replay)
        return replay_result(in, record, err);
    if (in->in_source) {
        ko_status st = ko_ingest_source_end(in, err);
        if (st != KO_OK) {
            ko_ingest_abort(in, err->msg);
            return st;
        }
    }
    ko_ice_data_file *files = NULL;
    size_t n = 0;
    ko_status st = collect_files(in, &files, &n, err);
    if (st == KO_OK && ratio_exceeded(in))
        return fail_ratio(in, files, n, record, err);
    int64_t sid = -1, rsid = -1;
    if (st == KO_OK)
        st = commit_all(in, files, n, &sid, &rsid, err);
    if (st != KO_OK) {
        in->n_pq_files = 0; /* commit_all deleted them, or they may be committed */
        ko_ingest_abort(in, err->msg);
        return st;
    }
    json_t *j = record_json(in, "succeeded", sid, rsid, NULL);
    st = j ? finish_claim(in, "succeeded", j, err) : nomem(err);
    if (record)
        *record = j;
    else
        json_decref(j);
    free_session(in);
    return st;
}

void ko_ingest_abort(ko_ingest *in, const char *why)
{
    if (!in)
        return;
    if (!in->replay) {
        ki_bgw_stop(in->bg);
        in->bg = NULL;
        if (in->w) {
            ko_ice_table_writer_abort(in->w);
            in->w = NULL;
        }
        ki_delete_files(in->wh, in->pq_files, in->n_pq_files);
        in->c.written = 0;
        json_t *j = record_json(in, "aborted", -1, -1, why ? why : "aborted by the caller");
        ko_err ignored = {0};
        if (j)
            (void)finish_claim(in, "aborted", j, &ignored);
        json_decref(j);
    }
    free_session(in);
}

/* ------------------------------------------------------- catalog binding */

static ko_status ad_ns(const char *ns, ko_arena *a, ko_cat_ns *out, ko_err *err)
{
    return ko_cat_ns_parse(ns, a, out, err);
}

static ko_status ad_load(void *ctx, const char *ns, const char *name, ko_arena *arena,
                         const char **location, ko_err *err)
{
    ko_ingest_catalog *c = ctx;
    ko_cat_ns n;
    ko_cat_table t;
    ko_status st = ad_ns(ns, arena, &n, err);
    if (st == KO_OK)
        st = ko_cat_table_load(c->cat, n, name, arena, &t, err);
    if (st == KO_OK)
        *location = t.location;
    return st;
}

static ko_status ad_create(void *ctx, const char *ns, const char *name, const char *location,
                           const char *summary, ko_err *err)
{
    ko_ingest_catalog *c = ctx;
    ko_arena a = {0};
    ko_cat_ns n;
    ko_cat_change chg = {c->principal, summary};
    ko_status st = ad_ns(ns, &a, &n, err);
    if (st == KO_OK)
        st = ko_cat_table_create(c->cat, &chg, n, name, location, err);
    ko_arena_free(&a);
    return st;
}

static ko_status ad_commit(void *ctx, const char *ns, const char *name, const char *expected,
                           const char *location, const char *summary, ko_err *err)
{
    ko_ingest_catalog *c = ctx;
    ko_arena a = {0};
    ko_cat_ns n;
    ko_cat_change chg = {c->principal, summary};
    ko_status st = ad_ns(ns, &a, &n, err);
    if (st == KO_OK)
        st = ko_cat_commit(c->cat, &chg, n, name, expected, location, err);
    ko_arena_free(&a);
    return st;
}

static ko_status ad_audit(void *ctx, const char *action, const char *object, const char *summary,
                          ko_err *err)
{
    ko_ingest_catalog *c = ctx;
    ko_cat_change chg = {c->principal, summary};
    return ko_cat_audit_append(c->cat, &chg, action, object, NULL, NULL, NULL, err);
}

void ko_ingest_catalog_bind(ko_ingest_catalog *c, ko_cat *cat, const char *principal)
{
    c->cat = cat;
    c->principal = principal;
    c->icat = (ko_ice_catalog){c, ad_load, ad_create, ad_commit, ad_audit};
}
