/*
 * table_write.c - new data files of a table: ko_ice_table_writer (rows in
 * the table's representation) and ko_ice_table_write_files (an append's
 * Parquet inputs) on top of it.
 *
 * Each input is mapped onto the table's columns once (table_map.c), then
 * read one row group at a time: the input leaves it needs are decoded,
 * converted to the table's representation (table_convert.c), and the
 * rows split by partition (table_split.c).  A partition's rows go to its
 * open ko_pq_writer (data/<partition path>/<uuid>.parquet, the table's
 * Parquet schema with field ids on every column, the "iceberg.schema"
 * footer key), opened on first use.  When all rows are in, the writers
 * are closed and each file's footer is read back for its metrics
 * (metrics.c).  A failure aborts the open writers and deletes the files
 * already closed, so nothing is left.
 *
 * Memory is bounded, whatever the number of partitions.  Rows of a split
 * batch are first added to their partition's pending columns; a partition
 * whose pending rows pass a spill size (write.korolev.buffer-bytes / 64,
 * 256 KiB to 16 MiB) hands them to its file's writer, and when the
 * pending rows of all partitions pass half of write.korolev.buffer-bytes
 * (default 256 MiB) the largest are handed over.  An open writer holds up
 * to a row group of its rows, so the number of open writers is capped
 * (write.korolev.max-open-files, default 64) and so is the estimate of
 * what they hold together (the other half of the budget, counting the
 * uncompressed bytes fed since each writer's last row group cut): past
 * either limit the writer holding the most is closed, its file finished,
 * and later rows of its partition start a new file.  A file also rolls
 * once write.target-file-size-bytes (default 512 MiB) have been fed to
 * it.  With input clustered by partition, or inputs that fit the budget,
 * every partition gets one file; unclustered input much larger than the
 * budget spread over more partitions than open writers gets more, smaller
 * files rather than more memory.  Partitions are found by their tuple key
 * in a hash table, so a batch costs the same with 10 or 10,000
 * partitions; a batch of a single partition with nothing pending goes
 * straight to its writer.
 */
#include "iceberg/table_internal.h"

#include <stdlib.h>
#include <string.h>

enum {
    DEFAULT_MAX_OPEN = 64,
    DEFAULT_ROW_GROUP = 128 << 20, /* the Parquet writer's default */
};
#define DEFAULT_BUFFER_BYTES ((int64_t)256 << 20)
#define DEFAULT_TARGET_BYTES ((int64_t)512 << 20)
#define MIN_SPILL            ((int64_t)256 << 10)
#define MAX_SPILL            ((int64_t)16 << 20)

typedef struct out_file {
    uint32_t part; /* index in parts */
    const char *data_key;
    ko_pq_writer *w; /* NULL once closed */
    bool closed;
    int64_t fed;      /* estimated uncompressed bytes written */
    int64_t buffered; /* of which not yet in a finished row group */
    kt_nan_counts nans;
} out_file;

/* A partition seen so far and its open file. */
typedef struct part {
    const uint8_t *key; /* partition tuple key */
    size_t key_len;
    ko_ice_value *tuple;
    int64_t open_file;     /* index in files, -1 none */
    ko_pq_column *pending; /* rows not yet given to a writer (NULL: none) */
    int64_t pending_bytes;
} part;

typedef struct wset {
    const ko_ice_warehouse *wh;
    const ko_ice_table *t;
    const ko_ice_schema *schema;
    const ko_ice_partition_spec *spec;
    ko_pq_schema_element *els;
    uint32_t n_els;
    ko_pq_schema pq;
    ko_pq_writer_options wopts;
    ko_pq_kv kv;
    out_file *files;
    size_t n, cap;
    part *parts;
    size_t n_parts, parts_cap;
    uint32_t *slots; /* part index + 1; 0 empty */
    size_t n_slots;
    size_t *open; /* indexes of open files */
    size_t n_open;
    int64_t buffered; /* sum over open files */
    int64_t pending;  /* sum over parts */
    int64_t max_open, buffer_bytes, target_bytes, rg_bytes, spill_bytes;
    ko_arena *arena;
    ko_err *err;
} wset;

struct ko_ice_table_writer {
    wset w;
};

/* ---------------------------------------------------------------- setup */

static long prop_long(const ko_ice_table_meta *m, const char *key, long dflt)
{
    const char *v = ko_ice_meta_property(m, key);
    char *end = NULL;
    long n = v ? strtol(v, &end, 10) : dflt;
    return v && (end == v || *end || n < 0) ? dflt : n;
}

static ko_status writer_options(wset *w)
{
    const ko_ice_table_meta *m = &w->t->meta;
    const char *codec = ko_ice_meta_property(m, "write.parquet.compression-codec");
    w->wopts.codec = KO_PQ_ZSTD;
    if (codec && !ko_pq_codec_parse(codec, &w->wopts.codec))
        return ko_err_set(w->err, KO_ERR_INVALID,
                          "table %s: property write.parquet.compression-codec: unknown codec '%s'",
                          w->t->ident, codec);
    w->wopts.level = (int)prop_long(m, "write.parquet.compression-level", 0);
    w->wopts.row_group_bytes = (size_t)prop_long(m, "write.parquet.row-group-size-bytes", 0);
    w->rg_bytes = w->wopts.row_group_bytes ? (int64_t)w->wopts.row_group_bytes : DEFAULT_ROW_GROUP;
    w->max_open = prop_long(m, "write.korolev.max-open-files", DEFAULT_MAX_OPEN);
    w->max_open = w->max_open < 1 ? 1 : w->max_open;
    w->buffer_bytes = prop_long(m, "write.korolev.buffer-bytes", DEFAULT_BUFFER_BYTES);
    w->target_bytes = prop_long(m, "write.target-file-size-bytes", DEFAULT_TARGET_BYTES);
    w->target_bytes = w->target_bytes < 1 ? DEFAULT_TARGET_BYTES : w->target_bytes;
    w->spill_bytes = w->buffer_bytes / 64;
    w->spill_bytes = w->spill_bytes < MIN_SPILL   ? MIN_SPILL
                     : w->spill_bytes > MAX_SPILL ? MAX_SPILL
                                                  : w->spill_bytes;
    w->open = ko_arena_calloc(w->arena, (size_t)w->max_open + 1, sizeof *w->open);
    if (!w->open)
        return kt_nomem(w->err);
    w->wopts.page_bytes = (size_t)prop_long(m, "write.parquet.page-size-bytes", 0);
    w->wopts.dict_bytes = (size_t)prop_long(m, "write.parquet.dict-size-bytes", 0);
    ko_buf js = {0};
    ko_status st = ko_ice_schema_write_json(w->schema, &js, w->err);
    w->kv = (ko_pq_kv){"iceberg.schema",
                       st == KO_OK ? ko_arena_strdup(w->arena, (char *)js.data) : NULL};
    ko_buf_free(&js);
    if (st == KO_OK && !w->kv.value)
        st = kt_nomem(w->err);
    w->wopts.kv = &w->kv;
    w->wopts.n_kv = 1;
    return st;
}

static ko_status wset_init(wset *w)
{
    const ko_ice_table_meta *m = &w->t->meta;
    w->schema = ko_ice_meta_current_schema(m);
    w->spec = ko_ice_meta_default_spec(m);
    if (!w->schema || !w->spec)
        return ko_err_set(w->err, KO_ERR_CORRUPT, "table %s: no current schema or default spec",
                          w->t->ident);
    ko_status st = ko_ice_schema_to_parquet(w->schema, w->arena, &w->els, &w->n_els, w->err);
    if (st == KO_OK)
        st = ko_pq_schema_build(w->els, w->n_els, w->arena, &w->pq, w->err);
    if (st == KO_OK)
        st = writer_options(w);
    return st;
}

/* ---------------------------------------------------------------- files */

static ko_status data_key(wset *w, const ko_ice_value *tuple, const char **out)
{
    char uuid[KO_UUID_STR_LEN + 1];
    ko_uuid u = ko_uuid_random();
    ko_uuid_format(&u, uuid);
    ko_buf path = {0};
    ko_status st = KO_OK;
    if (w->spec->n_fields > 0) {
        st = ko_ice_partition_path(w->spec, w->schema, tuple, &path, w->err);
        if (st == KO_OK && ko_buf_append_str(&path, "/") != KO_OK)
            st = kt_nomem(w->err);
    }
    if (st == KO_OK)
        *out = ko_arena_sprintf(w->arena, "%s/data/%s%s.parquet", w->t->key,
                                path.len ? (char *)path.data : "", uuid);
    ko_buf_free(&path);
    return st != KO_OK ? st : *out ? KO_OK : kt_nomem(w->err);
}

static ko_status add_part(wset *w, const kt_part *p, uint32_t *index)
{
    part *parts = ko_arena_grow(w->arena, w->parts, w->n_parts, &w->parts_cap, sizeof *parts);
    if (!parts)
        return kt_nomem(w->err);
    w->parts = parts;
    part *np = &parts[w->n_parts];
    uint32_t n = w->spec->n_fields;
    np->tuple = ko_arena_calloc(w->arena, n ? n : 1, sizeof *np->tuple);
    uint8_t *key = ko_arena_alloc(w->arena, p->key_len ? p->key_len : 1);
    if (!np->tuple || !key)
        return kt_nomem(w->err);
    memcpy(key, p->key, p->key_len);
    np->key = key;
    np->key_len = p->key_len;
    np->open_file = -1;
    for (uint32_t i = 0; i < n; i++) {
        np->tuple[i] = p->tuple[i];
        if (!p->tuple[i].is_null && p->tuple[i].bytes) {
            uint8_t *b = ko_arena_alloc(w->arena, p->tuple[i].len + 1);
            if (!b)
                return kt_nomem(w->err);
            memcpy(b, p->tuple[i].bytes, p->tuple[i].len);
            np->tuple[i].bytes = b;
        }
    }
    *index = (uint32_t)w->n_parts++;
    return KO_OK;
}

static ko_status rehash(wset *w)
{
    size_t cap = w->n_slots ? 2 * w->n_slots : 64;
    uint32_t *slots = ko_arena_calloc(w->arena, cap, sizeof *slots);
    if (!slots)
        return kt_nomem(w->err);
    for (size_t i = 0; i < w->n_parts; i++) {
        size_t h = ko_murmur3_32(w->parts[i].key, w->parts[i].key_len, 0) & (cap - 1);
        while (slots[h])
            h = (h + 1) & (cap - 1);
        slots[h] = (uint32_t)i + 1;
    }
    w->slots = slots;
    w->n_slots = cap;
    return KO_OK;
}

/* The index of partition p, added when new. */
static ko_status part_of(wset *w, const kt_part *p, uint32_t *index)
{
    if (2 * (w->n_parts + 1) > w->n_slots && rehash(w) != KO_OK)
        return kt_nomem(w->err);
    size_t h = ko_murmur3_32(p->key, p->key_len, 0) & (w->n_slots - 1);
    for (; w->slots[h]; h = (h + 1) & (w->n_slots - 1)) {
        const part *q = &w->parts[w->slots[h] - 1];
        if (q->key_len == p->key_len && (!p->key_len || memcmp(q->key, p->key, p->key_len) == 0)) {
            *index = w->slots[h] - 1;
            return KO_OK;
        }
    }
    ko_status st = add_part(w, p, index);
    if (st == KO_OK)
        w->slots[h] = *index + 1;
    return st;
}

static ko_status close_file(wset *w, size_t fi)
{
    out_file *f = &w->files[fi];
    ko_pq_writer *pw = f->w;
    f->w = NULL;
    ko_status st = ko_pq_writer_close(pw, w->err);
    f->closed = st == KO_OK;
    w->parts[f->part].open_file = -1;
    w->buffered -= f->buffered;
    for (size_t i = 0; i < w->n_open; i++)
        if (w->open[i] == fi) {
            w->open[i] = w->open[--w->n_open];
            break;
        }
    return st;
}

/* Closes the open file holding the most buffered bytes. */
static ko_status evict(wset *w)
{
    size_t best = 0;
    for (size_t i = 1; i < w->n_open; i++)
        if (w->files[w->open[i]].buffered > w->files[w->open[best]].buffered)
            best = i;
    return close_file(w, w->open[best]);
}

static ko_status open_file(wset *w, uint32_t pi)
{
    while ((int64_t)w->n_open >= w->max_open) {
        ko_status st = evict(w);
        if (st != KO_OK)
            return st;
    }
    out_file *files = ko_arena_grow(w->arena, w->files, w->n, &w->cap, sizeof *files);
    if (!files)
        return kt_nomem(w->err);
    w->files = files;
    out_file *f = &files[w->n];
    memset(f, 0, sizeof *f);
    f->part = pi;
    f->nans.per_leaf = ko_arena_calloc(w->arena, w->pq.n_leaves + 1u, sizeof(int64_t));
    f->nans.n = w->pq.n_leaves;
    ko_status st =
        f->nans.per_leaf ? data_key(w, w->parts[pi].tuple, &f->data_key) : kt_nomem(w->err);
    if (st == KO_OK)
        st = ko_pq_writer_open(w->wh->store, f->data_key, w->els, w->n_els, &w->wopts, &f->w,
                               w->err);
    if (st != KO_OK)
        return st;
    w->parts[pi].open_file = (int64_t)w->n;
    w->open[w->n_open++] = w->n++;
    return KO_OK;
}

/* Estimated uncompressed bytes of a batch (as the Parquet writer counts). */
static int64_t batch_bytes(const ko_pq_column *cols, uint32_t n)
{
    int64_t b = 0;
    for (uint32_t i = 0; i < n; i++)
        b += (int64_t)(cols[i].values.len + cols[i].n / 4 + 4 * cols[i].n_values);
    return b;
}

/* Accounts for bytes written to file fi and applies the limits. */
static ko_status after_write(wset *w, size_t fi, int64_t bytes)
{
    out_file *f = &w->files[fi];
    int64_t before = f->buffered;
    f->fed += bytes;
    f->buffered = f->fed % w->rg_bytes;
    w->buffered += f->buffered - before;
    ko_status st = f->fed >= w->target_bytes ? close_file(w, fi) : KO_OK;
    while (st == KO_OK && w->n_open > 0 && w->buffered > w->buffer_bytes / 2)
        st = evict(w);
    return st;
}

/* Writes cols (rows of partition pi) to the partition's open file. */
static ko_status write_to_file(wset *w, uint32_t pi, const ko_pq_column *cols)
{
    ko_status st = w->parts[pi].open_file < 0 ? open_file(w, pi) : KO_OK;
    if (st != KO_OK)
        return st;
    size_t fi = (size_t)w->parts[pi].open_file;
    out_file *f = &w->files[fi];
    st = ko_pq_writer_write(f->w, cols, w->err);
    if (st == KO_OK)
        kt_count_nans(cols, w->pq.n_leaves, &f->nans);
    return st == KO_OK ? after_write(w, fi, batch_bytes(cols, w->pq.n_leaves)) : st;
}

static void free_pending(wset *w, part *p)
{
    for (uint32_t l = 0; p->pending && l < w->pq.n_leaves; l++)
        ko_pq_column_free(&p->pending[l]);
    free(p->pending);
    p->pending = NULL;
    w->pending -= p->pending_bytes;
    p->pending_bytes = 0;
}

/* Gives partition pi's pending rows to its file and frees them. */
static ko_status spill(wset *w, uint32_t pi)
{
    part *p = &w->parts[pi];
    if (!p->pending)
        return KO_OK;
    ko_status st = p->pending_bytes > 0 ? write_to_file(w, pi, p->pending) : KO_OK;
    free_pending(w, &w->parts[pi]);
    return st;
}

/* Spills the largest pending partitions while pending rows exceed half the
 * budget. */
static ko_status enforce_budget(wset *w)
{
    while (w->pending > w->buffer_bytes / 2) {
        size_t best = 0;
        for (size_t i = 1; i < w->n_parts; i++)
            if (w->parts[i].pending_bytes > w->parts[best].pending_bytes)
                best = i;
        ko_status st = spill(w, (uint32_t)best);
        if (st != KO_OK)
            return st;
    }
    return KO_OK;
}

static ko_status write_part(wset *w, const kt_part *p, const ko_pq_column *cols)
{
    uint32_t pi = 0;
    ko_status st = part_of(w, p, &pi);
    if (st == KO_OK)
        st = spill(w, pi); /* keep the partition's rows in order */
    return st == KO_OK ? write_to_file(w, pi, cols) : st;
}

static ko_status pending_of(wset *w, uint32_t pi, ko_pq_column **out)
{
    part *p = &w->parts[pi];
    if (!p->pending) {
        p->pending = calloc(w->pq.n_leaves + 1u, sizeof *p->pending);
        for (uint32_t l = 0; p->pending && l < w->pq.n_leaves; l++)
            if (ko_pq_column_init(&p->pending[l], &w->pq.leaves[l]) != KO_OK) {
                free_pending(w, p);
                break;
            }
    }
    *out = p->pending;
    return p->pending ? KO_OK : kt_nomem(w->err);
}

/* ------------------------------------------------------------ row groups */

static void free_columns(ko_pq_column *cols, size_t n)
{
    for (size_t i = 0; cols && i < n; i++)
        ko_pq_column_free(&cols[i]);
}

static ko_status init_columns(const ko_pq_schema *pq, ko_pq_column *cols, ko_err *err)
{
    for (uint32_t l = 0; l < pq->n_leaves; l++)
        if (ko_pq_column_init(&cols[l], &pq->leaves[l]) != KO_OK)
            return kt_nomem(err);
    return KO_OK;
}

/* Adds the rows of each partition to its pending rows; partitions past
 * spill_bytes go to their files. */
static ko_status write_split(wset *w, const kt_split *sp, const ko_pq_column *cols, size_t rows)
{
    ko_pq_column **dst = calloc(sp->n_parts, sizeof(ko_pq_column *));
    uint32_t *gp = calloc(sp->n_parts, sizeof *gp);
    ko_status st = dst && gp ? KO_OK : kt_nomem(w->err);
    for (size_t p = 0; st == KO_OK && p < sp->n_parts; p++) {
        st = part_of(w, &sp->parts[p], &gp[p]);
        if (st == KO_OK)
            st = pending_of(w, gp[p], &dst[p]);
    }
    if (st == KO_OK)
        st = kt_scatter(cols, w->pq.n_leaves, rows, sp->row_part, dst, w->err);
    for (size_t p = 0; st == KO_OK && p < sp->n_parts; p++) {
        part *pt = &w->parts[gp[p]];
        int64_t now = batch_bytes(pt->pending, w->pq.n_leaves);
        w->pending += now - pt->pending_bytes;
        pt->pending_bytes = now;
        if (now >= w->spill_bytes)
            st = spill(w, gp[p]);
    }
    free(dst);
    free(gp);
    return st == KO_OK ? enforce_budget(w) : st;
}

static ko_status write_rows(wset *w, const ko_pq_column *cols, size_t rows)
{
    ko_arena tmp = {0};
    kt_split sp;
    ko_status st = kt_split_rows(w->spec, w->schema, &w->pq, cols, rows, &tmp, &sp, w->err);
    if (st == KO_OK && sp.n_parts == 1)
        st = write_part(w, &sp.parts[0], cols);
    else if (st == KO_OK)
        st = write_split(w, &sp, cols, rows);
    ko_arena_free(&tmp);
    return st;
}

typedef struct input {
    ko_pq_reader *r;
    const char *name;
    const kt_leaf_map *maps;
    ko_pq_column *in;  /* per input leaf */
    int64_t *read_rg;  /* row group each input column holds, -1 none */
    ko_pq_column *out; /* per table leaf */
} input;

static ko_status convert_rowgroup(wset *w, input *in, uint32_t rg, size_t rows)
{
    for (uint32_t l = 0; l < w->pq.n_leaves; l++) {
        const kt_leaf_map *m = &in->maps[l];
        ko_status st = KO_OK;
        if (m->in_leaf >= 0 && in->read_rg[m->in_leaf] != rg) {
            st = ko_pq_read_column_chunk(in->r, rg, (uint32_t)m->in_leaf, &in->in[m->in_leaf],
                                         w->err);
            in->read_rg[m->in_leaf] = rg;
        }
        if (st == KO_OK)
            st = kt_convert_column(m, m->in_leaf >= 0 ? &in->in[m->in_leaf] : NULL, rows,
                                   &in->out[l], in->name, w->err);
        if (st != KO_OK)
            return strstr(w->err->msg, in->name) ? st : ko_err_prefix(w->err, "%s", in->name);
    }
    return KO_OK;
}

static ko_status write_input(wset *w, ko_pq_reader *r, const char *name)
{
    const ko_pq_schema *ins = ko_pq_reader_schema(r);
    const ko_pq_file_meta *fm = ko_pq_reader_meta(r);
    input in = {.r = r, .name = name};
    kt_leaf_map *maps = NULL;
    ko_status st = kt_map_input(w->schema, &w->pq, ins, name, w->arena, &maps, w->err);
    in.maps = maps;
    in.in = calloc(ins->n_leaves + 1u, sizeof *in.in);
    in.read_rg = calloc(ins->n_leaves + 1u, sizeof *in.read_rg);
    in.out = calloc(w->pq.n_leaves + 1u, sizeof *in.out);
    if (st == KO_OK && (!in.in || !in.read_rg || !in.out))
        st = kt_nomem(w->err);
    for (uint32_t i = 0; st == KO_OK && i < ins->n_leaves; i++)
        in.read_rg[i] = -1;
    if (st == KO_OK)
        st = init_columns(&w->pq, in.out, w->err);
    for (uint32_t rg = 0; st == KO_OK && rg < fm->n_row_groups; rg++) {
        size_t rows = (size_t)fm->row_groups[rg].num_rows;
        if (rows == 0)
            continue;
        st = convert_rowgroup(w, &in, rg, rows);
        if (st == KO_OK)
            st = write_rows(w, in.out, rows);
    }
    free_columns(in.in, ins->n_leaves);
    free_columns(in.out, w->pq.n_leaves);
    free(in.in);
    free(in.read_rg);
    free(in.out);
    return st;
}

/* -------------------------------------------------------------- finish */

static ko_status file_entry(wset *w, out_file *f, ko_ice_data_file *df)
{
    ko_pq_reader *r = NULL;
    ko_status st = ko_pq_reader_open(w->wh->store, f->data_key, &r, w->err);
    memset(df, 0, sizeof *df);
    if (st == KO_OK)
        st = kt_file_metrics(w->schema, ko_pq_reader_meta(r), &w->pq, &f->nans, w->arena, df,
                             w->err);
    if (st == KO_OK) {
        df->content = KO_ICE_CONTENT_DATA;
        df->file_path = kt_uri(w->arena, w->wh, f->data_key);
        df->file_format = "PARQUET";
        df->partition = w->parts[f->part].tuple;
        df->n_partition = w->spec->n_fields;
        df->file_size_in_bytes = (int64_t)ko_pq_reader_file_size(r);
        df->sort_order_id = w->t->meta.default_sort_order_id;
        df->spec_id = w->spec->spec_id;
        if (!df->file_path)
            st = kt_nomem(w->err);
    }
    ko_pq_reader_close(r);
    return st;
}

static void wset_abort(wset *w)
{
    for (size_t i = 0; i < w->n_parts; i++)
        free_pending(w, &w->parts[i]);
    for (size_t i = 0; i < w->n; i++) {
        if (w->files[i].w)
            ko_pq_writer_abort(w->files[i].w);
        else if (w->files[i].closed)
            (void)ko_store_delete(w->wh->store, w->files[i].data_key, NULL);
        w->files[i].w = NULL;
    }
}

static ko_status wset_finish(wset *w, ko_ice_data_file **files, size_t *n_files)
{
    ko_status st = KO_OK;
    for (size_t i = 0; st == KO_OK && i < w->n_parts; i++) {
        st = spill(w, (uint32_t)i);
        if (st == KO_OK && w->parts[i].open_file >= 0) /* done with this partition */
            st = close_file(w, (size_t)w->parts[i].open_file);
    }
    while (st == KO_OK && w->n_open > 0)
        st = close_file(w, w->open[w->n_open - 1]);
    ko_ice_data_file *df = ko_arena_calloc(w->arena, w->n ? w->n : 1, sizeof *df);
    if (st == KO_OK && !df)
        st = kt_nomem(w->err);
    for (size_t i = 0; st == KO_OK && i < w->n; i++)
        st = file_entry(w, &w->files[i], &df[i]);
    if (st != KO_OK)
        return st;
    *files = df;
    *n_files = w->n;
    return KO_OK;
}

/* Prefixes err with the table unless it names it; returns st. */
static ko_status fail_prefix(const ko_ice_table *t, ko_status st, ko_err *err)
{
    if (!strstr(err->msg, t->ident))
        (void)ko_err_prefix(err, "table %s: writing data files", t->ident);
    return st;
}

ko_status ko_ice_table_writer_open(const ko_ice_warehouse *wh, const ko_ice_table *t,
                                   ko_arena *arena, ko_ice_table_writer **out, ko_err *err)
{
    KT_NEED_ERR(err);
    *out = NULL;
    ko_ice_table_writer *tw = calloc(1, sizeof *tw);
    if (!tw)
        return kt_nomem(err);
    tw->w = (wset){.wh = wh, .t = t, .arena = arena, .err = err};
    ko_status st = kt_check_writable(wh, t, err);
    if (st == KO_OK)
        st = wset_init(&tw->w);
    if (st != KO_OK) {
        free(tw);
        return fail_prefix(t, st, err);
    }
    *out = tw;
    return KO_OK;
}

const ko_pq_schema *ko_ice_table_writer_schema(const ko_ice_table_writer *w)
{
    return &w->w.pq;
}

ko_status ko_ice_table_writer_write(ko_ice_table_writer *tw, const ko_pq_column *cols, size_t rows,
                                    ko_err *err)
{
    KT_NEED_ERR(err);
    tw->w.err = err;
    if (rows == 0)
        return KO_OK;
    ko_status st = write_rows(&tw->w, cols, rows);
    return st == KO_OK ? KO_OK : fail_prefix(tw->w.t, st, err);
}

ko_status ko_ice_table_writer_finish(ko_ice_table_writer *tw, ko_ice_data_file **files,
                                     size_t *n_files, ko_err *err)
{
    KT_NEED_ERR(err);
    tw->w.err = err;
    *files = NULL;
    *n_files = 0;
    ko_status st = wset_finish(&tw->w, files, n_files);
    if (st != KO_OK) {
        wset_abort(&tw->w);
        st = fail_prefix(tw->w.t, st, err);
    }
    free(tw);
    return st;
}

void ko_ice_table_writer_abort(ko_ice_table_writer *tw)
{
    if (!tw)
        return;
    wset_abort(&tw->w);
    free(tw);
}

ko_status ko_ice_table_write_files(const ko_ice_warehouse *wh, const ko_ice_table *t,
                                   ko_pq_reader *const *inputs, const char *const *input_names,
                                   size_t n_inputs, ko_arena *arena, ko_ice_data_file **files,
                                   size_t *n_files, ko_err *err)
{
    KT_NEED_ERR(err);
    ko_ice_table_writer *tw = NULL;
    *files = NULL;
    *n_files = 0;
    ko_status st = ko_ice_table_writer_open(wh, t, arena, &tw, err);
    for (size_t i = 0; st == KO_OK && i < n_inputs; i++) {
        const char *name = input_names && input_names[i] ? input_names[i] : "input";
        st = write_input(&tw->w, inputs[i], name);
    }
    if (st != KO_OK) {
        ko_ice_table_writer_abort(tw);
        return strstr(err->msg, t->ident) ? st : ko_err_prefix(err, "table %s: append", t->ident);
    }
    return ko_ice_table_writer_finish(tw, files, n_files, err);
}
