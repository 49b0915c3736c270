/*
 * scan.c - scan planning: which data files a read of a snapshot must read,
 * and which delete files apply to each (spec: "Scan Planning").
 *
 * ko_ice_scan_plan_files reads the snapshot's manifest list, skips
 * manifests that hold no live files or whose partition summaries cannot
 * match the filter, reads the rest, and hands them to
 * ko_ice_scan_plan_manifests, which does the pure part:
 *
 *   1. live entries only (status EXISTING or ADDED);
 *   2. files whose partition tuple or column metrics cannot match the
 *      filter are dropped (data and delete files alike: a delete file
 *      whose rows cannot match deletes nothing that is read);
 *   3. each data file gets the delete files that apply to it: position
 *      deletes with a data sequence number >= the file's, in the same
 *      partition, whose referenced_data_file (or file_path bounds) allow
 *      the file; equality deletes with a sequence number > the file's,
 *      in the same partition or written with an unpartitioned spec.
 *
 * Tasks keep manifest order, so reading is deterministic.
 */
#include "iceberg/iceberg.h"

#include <string.h>

/* Reserved field id of a position delete file's file_path column. */
#define POS_FILE_PATH_ID 2147483546

static ko_status nomem(ko_err *err)
{
    return ko_err_set(err, KO_ERR_NOMEM, "out of memory planning a scan");
}

/* ------------------------------------------------------------ helpers */

/* The schema partition specs are evaluated with: the scan schema when it
 * has the source columns, else the table's current schema. */
static const ko_ice_schema *spec_schema(const ko_ice_table_meta *m, const ko_ice_schema *scan,
                                        const ko_ice_partition_spec *spec)
{
    for (uint32_t i = 0; spec && i < spec->n_fields; i++)
        if (!ko_ice_schema_find_id(scan, spec->fields[i].source_id)) {
            const ko_ice_schema *cur = ko_ice_meta_current_schema(m);
            return cur ? cur : scan;
        }
    return scan;
}

static bool file_may_match(const ko_ice_table_meta *m, const ko_ice_schema *schema,
                           const ko_ice_pred *filter, const ko_ice_data_file *f)
{
    if (f->record_count == 0)
        return false;
    if (!filter)
        return true;
    const ko_ice_partition_spec *spec = ko_ice_meta_spec(m, f->spec_id);
    if (spec && f->n_partition == spec->n_fields &&
        !ko_ice_pred_eval_partition(filter, spec, spec_schema(m, schema, spec), f->partition))
        return false;
    /* Delete files' metrics describe deleted rows; equality deletes carry
     * the data columns, so the filter applies to them too. */
    if (f->content == KO_ICE_CONTENT_POSITION_DELETES)
        return true;
    return ko_ice_pred_eval_file(filter, schema, f);
}

bool ko_ice_same_partition(const ko_ice_data_file *a, const ko_ice_data_file *b)
{
    if (a->spec_id != b->spec_id || a->n_partition != b->n_partition)
        return false;
    for (uint32_t i = 0; i < a->n_partition; i++)
        if (!ko_ice_value_equal(&a->partition[i], &b->partition[i]))
            return false;
    return true;
}

/* Can the position delete file d hold rows of data file path p, judging
 * by its file_path bounds? */
static bool path_in_bounds(const ko_ice_data_file *d, const char *p)
{
    const ko_ice_id_bound *lo =
        ko_ice_id_bound_find(d->lower_bounds, d->n_lower_bounds, POS_FILE_PATH_ID);
    const ko_ice_id_bound *hi =
        ko_ice_id_bound_find(d->upper_bounds, d->n_upper_bounds, POS_FILE_PATH_ID);
    ko_ice_value v = ko_ice_value_string(p);
    if (lo && lo->value.ptr) {
        ko_ice_value l = ko_ice_value_bytes(KO_ICE_STRING, lo->value.ptr, lo->value.len);
        if (ko_ice_value_compare(&v, &l) < 0)
            return false;
    }
    /* Upper bounds of strings may be truncated and incremented: only a
     * full-length bound is exact enough to exclude. */
    if (hi && hi->value.ptr && hi->value.len >= strlen(p)) {
        ko_ice_value h = ko_ice_value_bytes(KO_ICE_STRING, hi->value.ptr, hi->value.len);
        if (ko_ice_value_compare(&v, &h) > 0)
            return false;
    }
    return true;
}

static bool is_unpartitioned(const ko_ice_table_meta *m, int32_t spec_id)
{
    const ko_ice_partition_spec *s = ko_ice_meta_spec(m, spec_id);
    return !s || ko_ice_spec_is_unpartitioned(s);
}

static bool delete_applies(const ko_ice_table_meta *m, const ko_ice_delete_ref *d,
                           const ko_ice_data_file *f, int64_t seq)
{
    const ko_ice_data_file *df = d->file;
    if (df->content == KO_ICE_CONTENT_POSITION_DELETES) {
        if (seq > d->sequence_number || !ko_ice_same_partition(df, f))
            return false;
        if (df->referenced_data_file)
            return strcmp(df->referenced_data_file, f->file_path) == 0;
        return path_in_bounds(df, f->file_path);
    }
    if (seq >= d->sequence_number)
        return false;
    return is_unpartitioned(m, df->spec_id) || ko_ice_same_partition(df, f);
}

/* --------------------------------------------------------- collecting */

typedef struct collector {
    ko_arena *arena;
    ko_ice_delete_ref *deletes;
    size_t n_deletes, cap_deletes;
    ko_ice_scan_task *tasks;
    size_t n_tasks, cap_tasks;
} collector;

static int64_t data_seq(const ko_ice_manifest_entry *e)
{
    return e->sequence_number < 0 ? 0 : e->sequence_number;
}

static ko_status collect_deletes(collector *c, const ko_ice_table_meta *m,
                                 const ko_ice_schema *schema, const ko_ice_pred *filter,
                                 const ko_ice_manifest *mf, ko_ice_scan_plan *out, ko_err *err)
{
    for (size_t k = 0; k < mf->n_entries; k++) {
        const ko_ice_manifest_entry *e = &mf->entries[k];
        if (e->status == KO_ICE_ENTRY_DELETED || e->data_file.content == KO_ICE_CONTENT_DATA)
            continue;
        out->delete_files++;
        if (!file_may_match(m, schema, filter, &e->data_file)) {
            out->delete_files_skipped++;
            continue;
        }
        c->deletes =
            ko_arena_grow(c->arena, c->deletes, c->n_deletes, &c->cap_deletes, sizeof *c->deletes);
        if (!c->deletes)
            return nomem(err);
        c->deletes[c->n_deletes++] = (ko_ice_delete_ref){&e->data_file, data_seq(e)};
    }
    return KO_OK;
}

static ko_status attach_deletes(collector *c, const ko_ice_table_meta *m, ko_ice_scan_task *t,
                                ko_err *err)
{
    uint32_t n = 0;
    for (size_t i = 0; i < c->n_deletes; i++)
        n += delete_applies(m, &c->deletes[i], t->file, t->sequence_number);
    if (!n)
        return KO_OK;
    t->deletes = ko_arena_calloc(c->arena, n, sizeof *t->deletes);
    if (!t->deletes)
        return nomem(err);
    for (size_t i = 0; i < c->n_deletes; i++)
        if (delete_applies(m, &c->deletes[i], t->file, t->sequence_number))
            t->deletes[t->n_deletes++] = c->deletes[i];
    return KO_OK;
}

static ko_status collect_data(collector *c, const ko_ice_table_meta *m, const ko_ice_schema *schema,
                              const ko_ice_pred *filter, const ko_ice_manifest *mf,
                              ko_ice_scan_plan *out, ko_err *err)
{
    for (size_t k = 0; k < mf->n_entries; k++) {
        const ko_ice_manifest_entry *e = &mf->entries[k];
        if (e->status == KO_ICE_ENTRY_DELETED || e->data_file.content != KO_ICE_CONTENT_DATA)
            continue;
        out->data_files++;
        if (!file_may_match(m, schema, filter, &e->data_file)) {
            out->data_files_skipped++;
            continue;
        }
        c->tasks = ko_arena_grow(c->arena, c->tasks, c->n_tasks, &c->cap_tasks, sizeof *c->tasks);
        if (!c->tasks)
            return nomem(err);
        ko_ice_scan_task *t = &c->tasks[c->n_tasks++];
        *t = (ko_ice_scan_task){.file = &e->data_file, .sequence_number = data_seq(e)};
        ko_status st = attach_deletes(c, m, t, err);
        if (st != KO_OK)
            return st;
    }
    return KO_OK;
}

ko_status ko_ice_scan_plan_manifests(const ko_ice_table_meta *m, const ko_ice_schema *schema,
                                     const ko_ice_pred *filter, const ko_ice_manifest_file *list,
                                     const ko_ice_manifest *manifests, size_t n, ko_arena *arena,
                                     ko_ice_scan_plan *out, ko_err *err)
{
    collector c = {.arena = arena};
    out->schema = schema;
    ko_status st = KO_OK;
    for (size_t i = 0; i < n && st == KO_OK; i++)
        if (list[i].content == KO_ICE_MANIFEST_DELETES ||
            manifests[i].content == KO_ICE_MANIFEST_DELETES)
            st = collect_deletes(&c, m, schema, filter, &manifests[i], out, err);
    for (size_t i = 0; i < n && st == KO_OK; i++)
        if (list[i].content == KO_ICE_MANIFEST_DATA && manifests[i].content == KO_ICE_MANIFEST_DATA)
            st = collect_data(&c, m, schema, filter, &manifests[i], out, err);
    out->tasks = c.tasks;
    out->n_tasks = c.n_tasks;
    return st;
}

/* ------------------------------------------------------------ reading */

/* May manifest mf hold live files that match? */
static bool manifest_may_match(const ko_ice_table_meta *m, const ko_ice_schema *schema,
                               const ko_ice_pred *filter, const ko_ice_manifest_file *mf)
{
    if (mf->added_files_count == 0 && mf->existing_files_count == 0)
        return false;
    const ko_ice_partition_spec *spec = ko_ice_meta_spec(m, mf->partition_spec_id);
    if (!filter || !spec || (mf->partitions && mf->n_partitions != spec->n_fields))
        return true;
    return ko_ice_pred_eval_manifest(filter, spec, spec_schema(m, schema, spec), mf);
}

/* The manifest-list entries of a v1 snapshot that lists manifests. */
static ko_status v1_manifests(const ko_ice_snapshot *s, ko_arena *arena, ko_ice_manifest_file **out,
                              size_t *n, ko_err *err)
{
    *out = ko_arena_calloc(arena, s->n_manifests ? s->n_manifests : 1, sizeof **out);
    if (!*out)
        return nomem(err);
    for (uint32_t i = 0; i < s->n_manifests; i++)
        (*out)[i] = (ko_ice_manifest_file){.manifest_path = s->manifests[i],
                                           .added_snapshot_id = s->snapshot_id,
                                           .added_files_count = -1,
                                           .existing_files_count = -1,
                                           .deleted_files_count = -1,
                                           .added_rows_count = -1,
                                           .existing_rows_count = -1,
                                           .deleted_rows_count = -1,
                                           .first_row_id = KO_ICE_NULL_ID};
    *n = s->n_manifests;
    return KO_OK;
}

static ko_status read_list(ko_ice_dir *t, const ko_ice_snapshot *s, ko_arena *arena,
                           ko_ice_manifest_file **out, size_t *n, ko_err *err)
{
    if (!s->manifest_list)
        return v1_manifests(s, arena, out, n, err);
    ko_buf b = {0};
    ko_status st = ko_ice_dir_read(t, s->manifest_list, &b, err);
    if (st == KO_OK)
        st = ko_ice_manifest_list_read(b.data, b.len, s->manifest_list, arena, out, n, err);
    ko_buf_free(&b);
    return st;
}

static ko_status read_manifest(ko_ice_dir *t, ko_ice_manifest_file *mf, ko_arena *arena,
                               ko_ice_manifest *out, ko_err *err)
{
    ko_buf b = {0};
    const ko_ice_table_meta *m = ko_ice_dir_meta(t);
    ko_status st = ko_ice_dir_read(t, mf->manifest_path, &b, err);
    if (st == KO_OK)
        st = ko_ice_manifest_read(b.data, b.len, mf->manifest_path, mf, m, arena, out, err);
    ko_buf_free(&b);
    /* A v1 manifest named by the snapshot: its own header says what it is. */
    if (st == KO_OK && mf->added_files_count < 0) {
        mf->partition_spec_id = out->spec.spec_id;
        mf->content = out->content;
    }
    return st;
}

static const ko_ice_schema *scan_schema(const ko_ice_table_meta *m, const ko_ice_scan_opts *o,
                                        const ko_ice_snapshot *s)
{
    if (o->schema)
        return o->schema;
    const ko_ice_snapshot_sel *sel = &o->snapshot;
    bool explicit_sel = sel->snapshot_id >= 0 || sel->ref || sel->has_as_of;
    const ko_ice_schema *snap =
        explicit_sel && s && s->schema_id >= 0 ? ko_ice_meta_schema(m, s->schema_id) : NULL;
    return snap ? snap : ko_ice_meta_current_schema(m);
}

ko_status ko_ice_scan_plan_files(ko_ice_dir *t, const ko_ice_scan_opts *opts, ko_arena *arena,
                                 ko_ice_scan_plan *out, ko_err *err)
{
    static const ko_ice_scan_opts defaults = {.snapshot = {.snapshot_id = -1}};
    const ko_ice_table_meta *m = ko_ice_dir_meta(t);
    opts = opts ? opts : &defaults;
    *out = (ko_ice_scan_plan){0};
    ko_status st = ko_ice_select_snapshot(m, &opts->snapshot, &out->snapshot, err);
    if (st != KO_OK)
        return st;
    out->schema = scan_schema(m, opts, out->snapshot);
    if (!out->snapshot)
        return KO_OK;
    ko_ice_manifest_file *list = NULL;
    size_t n = 0, kept = 0;
    st = read_list(t, out->snapshot, arena, &list, &n, err);
    ko_ice_manifest *ms = st == KO_OK ? ko_arena_calloc(arena, n ? n : 1, sizeof *ms) : NULL;
    if (st == KO_OK && !ms)
        st = nomem(err);
    for (size_t i = 0; i < n && st == KO_OK; i++) {
        out->manifests++;
        if (!manifest_may_match(m, out->schema, opts->filter, &list[i])) {
            out->manifests_skipped++;
            continue;
        }
        st = read_manifest(t, &list[i], arena, &ms[kept], err);
        list[kept++] = list[i];
    }
    if (st == KO_OK)
        st = ko_ice_scan_plan_manifests(m, out->schema, opts->filter, list, ms, kept, arena, out,
                                        err);
    return st;
}
