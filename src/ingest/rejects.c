/*
 * rejects.c - the rejects table <ns>.<table>__rejects.
 *
 * An ordinary Iceberg table with a fixed schema (ingest.h lists its
 * columns), created the first time an ingest rejects a record (a race
 * with another ingest creating it is fine: KO_ERR_EXISTS means load it).
 * Reject rows are batched into columns and written with a
 * ko_ice_table_writer like any data; ki_rejects_commit appends them in one
 * snapshot whose summary carries the ingest id, so a retried ingest can
 * tell that its rejects are already in.
 */
#include "ingest/ingest_int.h"

#include <stdlib.h>
#include <string.h>

enum { N_COLS = 10, RAW_MAX = 4096, FLUSH_ROWS = 4096 };

struct ki_rejects {
    const ko_ice_warehouse *wh;
    const char *ns, *name, *ingest_id;
    ko_arena arena;
    bool loaded, exists;
    ko_ice_table t;
    ko_ice_table_writer *w;
    ko_pq_column cols[N_COLS];
    bool cols_ready;
    size_t rows, total;
    ko_buf text;
};

static ko_status nomem(ko_err *err)
{
    return ko_err_set(err, KO_ERR_NOMEM, "out of memory writing rejects");
}

static ko_status rejects_schema(ko_arena *a, ko_ice_schema *out, ko_err *err)
{
    static const struct {
        const char *name;
        ko_ice_type_id type;
        bool required;
    } cols[N_COLS] = {
        {"ingest_id", KO_ICE_STRING, true}, {"source", KO_ICE_STRING, true},
        {"line", KO_ICE_LONG, false},       {"byte_offset", KO_ICE_LONG, false},
        {"record", KO_ICE_STRING, false},   {"record_bytes", KO_ICE_LONG, false},
        {"field", KO_ICE_STRING, false},    {"reason", KO_ICE_STRING, true},
        {"detail", KO_ICE_STRING, false},   {"rejected_at", KO_ICE_TIMESTAMPTZ, true},
    };
    ko_ice_field *f = ko_arena_calloc(a, N_COLS, sizeof *f);
    if (!f)
        return nomem(err);
    for (int i = 0; i < N_COLS; i++)
        f[i] = (ko_ice_field){.id = i + 1,
                              .name = cols[i].name,
                              .required = cols[i].required,
                              .type = {.id = cols[i].type}};
    memset(out, 0, sizeof *out);
    out->root = (ko_ice_type){.id = KO_ICE_STRUCT, .fields = f, .n_fields = N_COLS};
    return ko_ice_schema_build(out, a, err);
}

ko_status ki_rejects_open(const ko_ice_warehouse *wh, const char *ns, const char *table,
                          const char *ingest_id, ki_rejects **out, ko_err *err)
{
    ki_rejects *r = calloc(1, sizeof *r);
    if (!r)
        return nomem(err);
    r->wh = wh;
    r->ns = ko_arena_strdup(&r->arena, ns);
    r->name = ko_arena_sprintf(&r->arena, "%s__rejects", table);
    r->ingest_id = ko_arena_strdup(&r->arena, ingest_id);
    if (!r->ns || !r->name || !r->ingest_id) {
        ki_rejects_close(r);
        return nomem(err);
    }
    *out = r;
    return KO_OK;
}

const char *ki_rejects_table_name(const ki_rejects *r)
{
    return r->name;
}

/* Loads the table if it exists (no creation). */
static ko_status load(ki_rejects *r, ko_err *err)
{
    if (r->loaded)
        return KO_OK;
    ko_status st = ko_ice_table_load(r->wh, r->ns, r->name, &r->arena, &r->t, err);
    if (st == KO_ERR_NOT_FOUND) {
        ko_err_clear(err);
        r->loaded = true;
        return KO_OK;
    }
    r->loaded = r->exists = st == KO_OK;
    return st;
}

static ko_status ensure_table(ki_rejects *r, ko_err *err)
{
    ko_status st = load(r, err);
    if (st != KO_OK || r->exists)
        return st;
    ko_ice_schema schema;
    st = rejects_schema(&r->arena, &schema, err);
    ko_ice_table_create_opts o = {.schema = &schema};
    if (st == KO_OK)
        st = ko_ice_table_create(r->wh, r->ns, r->name, &o, &r->arena, &r->t, err);
    if (st == KO_ERR_EXISTS) { /* another ingest made it first */
        ko_err_clear(err);
        st = ko_ice_table_load(r->wh, r->ns, r->name, &r->arena, &r->t, err);
    }
    r->exists = st == KO_OK;
    return st;
}

static ko_status open_writer(ki_rejects *r, ko_err *err)
{
    ko_status st = ensure_table(r, err);
    if (st == KO_OK)
        st = ko_ice_table_writer_open(r->wh, &r->t, &r->arena, &r->w, err);
    const ko_pq_schema *pq = st == KO_OK ? ko_ice_table_writer_schema(r->w) : NULL;
    if (st == KO_OK && pq->n_leaves != N_COLS)
        return ko_err_set(err, KO_ERR_INVALID,
                          "table %s.%s does not have the rejects table's %d columns", r->ns,
                          r->name, N_COLS);
    for (int i = 0; st == KO_OK && i < N_COLS; i++)
        if ((st = ko_pq_column_init(&r->cols[i], &pq->leaves[i])) != KO_OK)
            return nomem(err);
    r->cols_ready = st == KO_OK;
    return st;
}

/* ----------------------------------------------------------------- rows */

static bool put(ko_pq_column *c, const void *v, size_t len)
{
    int16_t def = 1;
    if (c->max_def > 0 && ko_buf_append(&c->def, &def, sizeof def) != KO_OK)
        return false;
    c->n++;
    if (ko_buf_append(&c->values, v, len) != KO_OK)
        return false;
    if (c->type == KO_PQ_BYTE_ARRAY) {
        int64_t end = (int64_t)c->values.len;
        if (ko_buf_append(&c->offsets, &end, sizeof end) != KO_OK)
            return false;
    }
    c->n_values++;
    return true;
}

static bool put_null(ko_pq_column *c)
{
    int16_t def = 0;
    if (ko_buf_append(&c->def, &def, sizeof def) != KO_OK)
        return false;
    c->n++;
    return true;
}

static bool put_str(ko_pq_column *c, const char *s)
{
    return s && *s ? put(c, s, strlen(s)) : put_null(c);
}

/* The raw record as valid UTF-8, at most RAW_MAX bytes: invalid bytes
 * become U+FFFD, the cut falls on a character boundary. */
static bool sanitize(ko_buf *out, const char *raw, size_t n)
{
    static const uint8_t repl[3] = {0xEF, 0xBF, 0xBD};
    ko_buf_reset(out);
    size_t i = 0;
    while (i < n) {
        size_t bad = n - i;
        bool ok = ki_utf8_valid((const uint8_t *)raw + i, n - i, &bad);
        size_t good = ok ? n - i : bad;
        /* keep whole characters only */
        if (out->len + good > RAW_MAX) {
            good = RAW_MAX - out->len;
            while (good && ((uint8_t)raw[i + good] & 0xC0) == 0x80)
                good--;
        }
        if (ko_buf_append(out, raw + i, good) != KO_OK)
            return false;
        i += good;
        if (ok || out->len + 3 > RAW_MAX)
            break;
        if (ko_buf_append(out, repl, 3) != KO_OK)
            return false;
        i++;
    }
    return ko_buf_append(out, "", 0) == KO_OK;
}

static ko_status flush(ki_rejects *r, ko_err *err)
{
    if (!r->rows)
        return KO_OK;
    ko_status st = ko_ice_table_writer_write(r->w, r->cols, r->rows, err);
    for (int i = 0; i < N_COLS; i++)
        ko_pq_column_reset(&r->cols[i]);
    r->rows = 0;
    return st;
}

ko_status ki_rejects_add(ki_rejects *r, const ki_reject_row *row, ko_err *err)
{
    ko_status st = r->cols_ready ? KO_OK : open_writer(r, err);
    if (st != KO_OK)
        return ko_err_prefix(err, "rejects table %s.%s", r->ns, r->name);
    const ki_rec *rec = row->rec;
    int64_t line = (int64_t)rec->line, off = (int64_t)rec->offset, size = (int64_t)rec->raw_size;
    int64_t now = ko_now_us();
    if (!sanitize(&r->text, rec->raw, rec->raw_len))
        return nomem(err);
    const char *reason = ki_reason_name(row->fail->reason);
    bool ok = put_str(&r->cols[0], r->ingest_id) && put_str(&r->cols[1], row->source) &&
              put(&r->cols[2], &line, 8) && put(&r->cols[3], &off, 8) &&
              put(&r->cols[4], r->text.data, r->text.len) && put(&r->cols[5], &size, 8) &&
              put_str(&r->cols[6], row->fail->field) && put_str(&r->cols[7], reason) &&
              put_str(&r->cols[8], row->fail->detail) && put(&r->cols[9], &now, 8);
    if (!ok)
        return nomem(err);
    r->rows++;
    r->total++;
    return r->rows >= FLUSH_ROWS ? flush(r, err) : KO_OK;
}

/* ---------------------------------------------------------------- commit */

const ko_ice_snapshot *ki_find_ingest_snapshot(const ko_ice_table *t, const char *id)
{
    const ko_ice_snapshot *found = NULL;
    for (uint32_t i = 0; i < t->meta.n_snapshots; i++) {
        const char *v = ko_ice_snapshot_summary(&t->meta.snapshots[i], "korolev.ingest-id");
        if (v && strcmp(v, id) == 0)
            found = &t->meta.snapshots[i];
    }
    return found;
}

ko_status ki_rejects_committed(ki_rejects *r, bool *found, int64_t *sid, ko_err *err)
{
    *found = false;
    *sid = -1;
    ko_status st = load(r, err);
    if (st != KO_OK || !r->exists)
        return st;
    const ko_ice_snapshot *s = ki_find_ingest_snapshot(&r->t, r->ingest_id);
    if (s) {
        *found = true;
        *sid = s->snapshot_id;
    }
    return KO_OK;
}

void ki_delete_files(const ko_ice_warehouse *wh, const ko_ice_data_file *files, size_t n)
{
    ko_arena a = {0};
    for (size_t i = 0; i < n; i++) {
        const char *key = NULL;
        if (ko_ice_location_key(wh, files[i].file_path, &a, &key, NULL) == KO_OK)
            (void)ko_store_delete(wh->store, key, NULL);
    }
    ko_arena_free(&a);
}

ko_status ki_rejects_commit(ki_rejects *r, const ko_ice_kv *summary, uint32_t n_summary,
                            int64_t *sid, ko_err *err)
{
    *sid = -1;
    if (!r->w)
        return KO_OK;
    ko_status st = flush(r, err);
    ko_ice_data_file *files = NULL;
    size_t n = 0;
    if (st == KO_OK) {
        st = ko_ice_table_writer_finish(r->w, &files, &n, err);
        r->w = NULL;
    }
    ko_ice_commit_opts o = {.summary = summary, .n_summary = n_summary};
    ko_ice_commit_info info;
    if (st == KO_OK)
        st = ko_ice_table_commit_append(r->wh, &r->t, files, n, &o, &r->arena, &info, err);
    if (st == KO_OK)
        *sid = info.snapshot_id;
    else if (st == KO_ERR_CONFLICT || st == KO_ERR_INVALID || st == KO_ERR_NOT_FOUND)
        ki_delete_files(r->wh, files, n);
    return st == KO_OK ? st : ko_err_prefix(err, "rejects table %s.%s", r->ns, r->name);
}

void ki_rejects_close(ki_rejects *r)
{
    if (!r)
        return;
    if (r->w)
        ko_ice_table_writer_abort(r->w);
    for (int i = 0; i < N_COLS; i++)
        ko_pq_column_free(&r->cols[i]);
    ko_buf_free(&r->text);
    ko_arena_free(&r->arena);
    free(r);
}
