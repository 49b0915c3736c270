/*
 * table_write.c - ko_ice_table_write_files: an append's data files.
 *
 * Each input is mapped onto the table's columns once (table_map.c), then
 * read one row group at a time: the input leaves it needs are decoded,
 * converted to the table's representation (table_convert.c), and the
 * rows split by partition (table_split.c).  Every partition has one open
 * ko_pq_writer for the whole append, shared by all inputs, writing
 * data/<partition path>/<uuid>.parquet with the table's Parquet schema
 * (field ids on every column) and the "iceberg.schema" footer key.  When
 * all inputs are in, the writers are closed and each file's footer is
 * read back for its metrics (metrics.c).  A failure aborts the open
 * writers and deletes the files already closed, so nothing is left.
 */
#include "iceberg/table_internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct out_file {
    const uint8_t *key; /* partition tuple key */
    size_t key_len;
    ko_ice_value *tuple;
    const char *data_key;
    ko_pq_writer *w; /* NULL once closed */
    bool closed;
    kt_nan_counts nans;
} out_file;

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
    ko_arena *arena;
    ko_err *err;
} wset;

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

static ko_status grow_files(wset *w)
{
    if (w->n < w->cap)
        return KO_OK;
    size_t cap = w->cap ? 2 * w->cap : 8;
    out_file *f = ko_arena_calloc(w->arena, cap, sizeof *f);
    if (!f)
        return kt_nomem(w->err);
    if (w->n)
        memcpy(f, w->files, w->n * sizeof *f);
    w->files = f;
    w->cap = cap;
    return KO_OK;
}

static ko_status copy_tuple(wset *w, const kt_part *p, out_file *f)
{
    uint32_t n = w->spec->n_fields;
    f->tuple = ko_arena_calloc(w->arena, n ? n : 1, sizeof *f->tuple);
    uint8_t *key = ko_arena_alloc(w->arena, p->key_len ? p->key_len : 1);
    f->nans.per_leaf = ko_arena_calloc(w->arena, w->pq.n_leaves + 1u, sizeof(int64_t));
    f->nans.n = w->pq.n_leaves;
    if (!f->tuple || !key || !f->nans.per_leaf)
        return kt_nomem(w->err);
    memcpy(key, p->key, p->key_len);
    f->key = key;
    f->key_len = p->key_len;
    for (uint32_t i = 0; i < n; i++) {
        f->tuple[i] = p->tuple[i];
        if (!p->tuple[i].is_null && p->tuple[i].bytes) {
            uint8_t *b = ko_arena_alloc(w->arena, p->tuple[i].len + 1);
            if (!b)
                return kt_nomem(w->err);
            memcpy(b, p->tuple[i].bytes, p->tuple[i].len);
            f->tuple[i].bytes = b;
        }
    }
    return KO_OK;
}

/* The open file of partition p, opened on first use. */
static ko_status file_for(wset *w, const kt_part *p, out_file **out)
{
    for (size_t i = 0; i < w->n; i++)
        if (w->files[i].key_len == p->key_len && memcmp(w->files[i].key, p->key, p->key_len) == 0) {
            *out = &w->files[i];
            return KO_OK;
        }
    ko_status st = grow_files(w);
    out_file *f = &w->files[w->n];
    memset(f, 0, sizeof *f);
    if (st == KO_OK)
        st = copy_tuple(w, p, f);
    if (st == KO_OK)
        st = data_key(w, f->tuple, &f->data_key);
    if (st == KO_OK)
        st = ko_pq_writer_open(w->wh->store, f->data_key, w->els, w->n_els, &w->wopts, &f->w,
                               w->err);
    if (st != KO_OK)
        return st;
    w->n++;
    *out = f;
    return KO_OK;
}

static ko_status write_part(wset *w, const kt_part *p, const ko_pq_column *cols)
{
    out_file *f = NULL;
    ko_status st = file_for(w, p, &f);
    if (st == KO_OK)
        st = ko_pq_writer_write(f->w, cols, w->err);
    if (st == KO_OK)
        kt_count_nans(cols, w->pq.n_leaves, &f->nans);
    return st;
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

static ko_status write_split(wset *w, const kt_split *sp, const ko_pq_column *cols, size_t rows)
{
    uint32_t nl = w->pq.n_leaves;
    ko_pq_column **dst = calloc(sp->n_parts, sizeof(ko_pq_column *));
    ko_status st = dst ? KO_OK : kt_nomem(w->err);
    for (size_t p = 0; st == KO_OK && p < sp->n_parts; p++) {
        dst[p] = calloc(nl + 1u, sizeof **dst);
        st = dst[p] ? init_columns(&w->pq, dst[p], w->err) : kt_nomem(w->err);
    }
    if (st == KO_OK)
        st = kt_scatter(cols, nl, rows, sp->row_part, dst, w->err);
    for (size_t p = 0; st == KO_OK && p < sp->n_parts; p++)
        st = write_part(w, &sp->parts[p], dst[p]);
    for (size_t p = 0; dst && p < sp->n_parts; p++) {
        free_columns(dst[p], nl);
        free(dst[p]);
    }
    free(dst);
    return st;
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
        df->partition = f->tuple;
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
    ko_ice_data_file *df = ko_arena_calloc(w->arena, w->n ? w->n : 1, sizeof *df);
    ko_status st = df ? KO_OK : kt_nomem(w->err);
    for (size_t i = 0; st == KO_OK && i < w->n; i++) {
        ko_pq_writer *pw = w->files[i].w;
        w->files[i].w = NULL;
        st = ko_pq_writer_close(pw, w->err);
        w->files[i].closed = st == KO_OK;
    }
    for (size_t i = 0; st == KO_OK && i < w->n; i++)
        st = file_entry(w, &w->files[i], &df[i]);
    if (st != KO_OK)
        return st;
    *files = df;
    *n_files = w->n;
    return KO_OK;
}

ko_status ko_ice_table_write_files(const ko_ice_warehouse *wh, const ko_ice_table *t,
                                   ko_pq_reader *const *inputs, const char *const *input_names,
                                   size_t n_inputs, ko_arena *arena, ko_ice_data_file **files,
                                   size_t *n_files, ko_err *err)
{
    KT_NEED_ERR(err);
    wset w = {.wh = wh, .t = t, .arena = arena, .err = err};
    *files = NULL;
    *n_files = 0;
    ko_status st = kt_check_writable(wh, t, err);
    if (st == KO_OK)
        st = wset_init(&w);
    for (size_t i = 0; st == KO_OK && i < n_inputs; i++) {
        const char *name = input_names && input_names[i] ? input_names[i] : "input";
        st = write_input(&w, inputs[i], name);
    }
    if (st == KO_OK)
        st = wset_finish(&w, files, n_files);
    if (st != KO_OK) {
        wset_abort(&w);
        if (!strstr(err->msg, t->ident))
            ko_err_prefix(err, "table %s: append", t->ident);
    }
    return st;
}
