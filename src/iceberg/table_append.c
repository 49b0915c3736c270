/*
 * table_append.c - committing an append: the manifest of the new files,
 * the manifest list, the snapshot and its summary (spec: "Snapshots",
 * "Manifest Lists", "Optional Snapshot Summary Fields").
 *
 * The manifest is written once: its entries name the snapshot id and leave
 * sequence numbers null, to be inherited from the manifest list, so the
 * same file serves every retry of the commit (a retry only patches the
 * list entry's sequence numbers).  The manifest list is written per
 * attempt, since it carries the manifests of whatever snapshot is current
 * then.  Totals in the summary are the parent's totals plus what this
 * snapshot adds; a parent without totals (written by an engine that omits
 * them) has its live files counted from its manifests.  The list of an
 * attempt that lost its race is deleted by the next attempt, and when the
 * commit fails for certain (conflicts to the end, or the change no longer
 * applies) the manifest and the last list go too (table_scratch.c).
 */
#include "iceberg/table_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct append_ctx {
    const ko_ice_data_file *files;
    size_t n;
    int32_t spec_id;
    int64_t snapshot_id;
    bool have_manifest;
    ko_ice_manifest_file mf;
    const char *manifest_key;
    int attempt;
    kt_scratch lists;               /* manifest lists of the current attempt */
    bool apply_failed;              /* the last attempt failed before writing metadata */
    const ko_ice_commit_opts *opts; /* extra summary entries (may be NULL) */
} append_ctx;

static const char *const TOTAL_KEYS[] = {"total-data-files",       "total-records",
                                         "total-files-size",       "total-delete-files",
                                         "total-position-deletes", "total-equality-deletes"};

/* ---------------------------------------------------------------- kt_totals */

bool kt_totals_from_summary(const ko_ice_snapshot *s, kt_totals *t)
{
    int64_t *dst[] = {&t->data_files,   &t->records,     &t->size,
                      &t->delete_files, &t->pos_deletes, &t->eq_deletes};
    for (size_t i = 0; i < KO_ARRAY_LEN(TOTAL_KEYS); i++) {
        const char *v = ko_ice_snapshot_summary(s, TOTAL_KEYS[i]);
        char *end = NULL;
        if (!v)
            return false;
        *dst[i] = strtoll(v, &end, 10);
        if (end == v || *end)
            return false;
    }
    return true;
}

void kt_totals_add(kt_totals *t, const ko_ice_data_file *f)
{
    t->size += f->file_size_in_bytes;
    if (f->content == KO_ICE_CONTENT_DATA) {
        t->data_files++;
        t->records += f->record_count;
    } else {
        t->delete_files++;
        *(f->content == KO_ICE_CONTENT_POSITION_DELETES ? &t->pos_deletes : &t->eq_deletes) +=
            f->record_count;
    }
}

static ko_status totals_from_manifests(const ko_ice_warehouse *wh, const ko_ice_table *t,
                                       const ko_ice_manifest_file *mfs, size_t n, kt_totals *out,
                                       ko_err *err)
{
    for (size_t i = 0; i < n; i++) {
        ko_arena a = {0};
        ko_ice_manifest m;
        ko_status st = kt_read_manifest(wh, &t->meta, &mfs[i], &a, &m, err);
        for (size_t e = 0; st == KO_OK && e < m.n_entries; e++)
            if (m.entries[e].status != KO_ICE_ENTRY_DELETED)
                kt_totals_add(out, &m.entries[e].data_file);
        ko_arena_free(&a);
        if (st != KO_OK)
            return st;
    }
    return KO_OK;
}

/* ------------------------------------------------------------- manifests */

static ko_status write_manifest(append_ctx *c, const ko_ice_warehouse *wh, const ko_ice_table *t,
                                const ko_ice_partition_spec *spec, int64_t seq, ko_arena *arena,
                                ko_err *err)
{
    char uuid[KO_UUID_STR_LEN + 1];
    ko_uuid u = ko_uuid_random();
    ko_uuid_format(&u, uuid);
    const char *key = ko_arena_sprintf(arena, "%s/metadata/%s-m0.avro", t->key, uuid);
    ko_ice_manifest_entry *es = ko_arena_calloc(arena, c->n, sizeof *es);
    if (!key || !es)
        return kt_nomem(err);
    for (size_t i = 0; i < c->n; i++)
        es[i] = (ko_ice_manifest_entry){.status = KO_ICE_ENTRY_ADDED,
                                        .snapshot_id = c->snapshot_id,
                                        .sequence_number = KO_ICE_NULL_ID,
                                        .file_sequence_number = KO_ICE_NULL_ID,
                                        .data_file = c->files[i]};
    ko_ice_manifest_write_opts o = {.schema = ko_ice_meta_current_schema(&t->meta),
                                    .spec = spec,
                                    .content = KO_ICE_MANIFEST_DATA,
                                    .path = kt_uri(arena, wh, key),
                                    .snapshot_id = c->snapshot_id,
                                    .sequence_number = seq};
    ko_buf buf = {0};
    ko_status st =
        o.path ? ko_ice_manifest_write(&o, es, c->n, &buf, &c->mf, arena, err) : kt_nomem(err);
    if (st == KO_OK)
        st = ko_store_put(wh->store, key, buf.data, buf.len, KO_PUT_IF_ABSENT, err);
    c->mf.manifest_length = (int64_t)buf.len;
    ko_buf_free(&buf);
    if (st == KO_OK) {
        c->manifest_key = key;
        c->have_manifest = true;
    }
    return st;
}

/* Writes the manifest list: the new manifest first, then the parent's. */
static ko_status write_list(append_ctx *c, const ko_ice_warehouse *wh, const ko_ice_table *t,
                            const ko_ice_manifest_file *carried, size_t n_carried, int64_t seq,
                            ko_arena *arena, const char **uri, ko_err *err)
{
    size_t n = n_carried + (c->have_manifest ? 1 : 0);
    ko_ice_manifest_file *all = ko_arena_calloc(arena, n ? n : 1, sizeof *all);
    char uuid[KO_UUID_STR_LEN + 1];
    ko_uuid u = ko_uuid_random();
    ko_uuid_format(&u, uuid);
    const char *key = ko_arena_sprintf(arena, "%s/metadata/snap-%" PRId64 "-%d-%s.avro", t->key,
                                       c->snapshot_id, c->attempt, uuid);
    if (!all || !key)
        return kt_nomem(err);
    size_t k = 0;
    if (c->have_manifest)
        all[k++] = c->mf;
    ko_memcpy0(all + k, carried, n_carried * sizeof *all);
    ko_ice_manifest_list_write_opts o = {.snapshot_id = c->snapshot_id,
                                         .parent_snapshot_id = t->meta.current_snapshot_id,
                                         .sequence_number = seq};
    ko_buf buf = {0};
    ko_status st = ko_ice_manifest_list_write(&o, all, n, &buf, err);
    if (st == KO_OK)
        st = ko_store_put(wh->store, key, buf.data, buf.len, KO_PUT_IF_ABSENT, err);
    ko_buf_free(&buf);
    if (st == KO_OK)
        st = kt_scratch_add(&c->lists, arena, key, err);
    *uri = kt_uri(arena, wh, key);
    return st != KO_OK ? st : *uri ? KO_OK : kt_nomem(err);
}

/* ---------------------------------------------------------------- summary */

static ko_status put_kv(ko_ice_kv *kv, uint32_t *n, const char *key, int64_t v, ko_arena *arena,
                        ko_err *err)
{
    const char *s = ko_arena_sprintf(arena, "%" PRId64, v);
    if (!s)
        return kt_nomem(err);
    kv[(*n)++] = (ko_ice_kv){key, s};
    return KO_OK;
}

static ko_status build_summary(const append_ctx *c, const kt_totals *base, int64_t changed,
                               ko_arena *arena, ko_ice_kv **out, uint32_t *n_out, ko_err *err)
{
    int64_t records = 0, size = 0;
    for (size_t i = 0; i < c->n; i++) {
        records += c->files[i].record_count;
        size += c->files[i].file_size_in_bytes;
    }
    int64_t vals[] = {(int64_t)c->n,
                      records,
                      size,
                      changed,
                      base->records + records,
                      base->size + size,
                      base->data_files + (int64_t)c->n,
                      base->delete_files,
                      base->pos_deletes,
                      base->eq_deletes};
    static const char *const keys[] = {"added-data-files",       "added-records",
                                       "added-files-size",       "changed-partition-count",
                                       "total-records",          "total-files-size",
                                       "total-data-files",       "total-delete-files",
                                       "total-position-deletes", "total-equality-deletes"};
    uint32_t n_extra = c->opts ? c->opts->n_summary : 0;
    ko_ice_kv *kv = ko_arena_calloc(arena, KO_ARRAY_LEN(keys) + n_extra, sizeof *kv);
    if (!kv)
        return kt_nomem(err);
    uint32_t n = 0;
    ko_status st = KO_OK;
    for (size_t i = 0; st == KO_OK && i < KO_ARRAY_LEN(keys); i++)
        st = put_kv(kv, &n, keys[i], vals[i], arena, err);
    for (uint32_t i = 0; i < n_extra; i++)
        kv[n++] = c->opts->summary[i];
    *out = kv;
    *n_out = n;
    return st;
}

static const char *audit_summary(const ko_ice_snapshot *s, ko_arena *arena)
{
    json_t *j =
        json_pack("{s:s, s:I, s:I}", "operation", "append", "snapshot-id",
                  (json_int_t)s->snapshot_id, "sequence-number", (json_int_t)s->sequence_number);
    for (uint32_t i = 0; j && i < s->n_summary; i++)
        if (strncmp(s->summary[i].key, "added-", 6) == 0 ||
            strcmp(s->summary[i].key, "total-records") == 0)
            json_object_set_new(j, s->summary[i].key,
                                json_integer(strtoll(s->summary[i].value, NULL, 10)));
        else if (strncmp(s->summary[i].key, "korolev.", 8) == 0)
            json_object_set_new(j, s->summary[i].key, json_string(s->summary[i].value));
    return kt_json_text(j, arena);
}

/* ---------------------------------------------------------------- apply */

static ko_status move_main(ko_ice_table_meta *m, int64_t id, ko_arena *arena, ko_err *err)
{
    const ko_ice_ref *old = ko_ice_meta_ref(m, "main");
    ko_ice_ref ref = old ? *old : (ko_ice_ref){.name = "main", .type = KO_ICE_REF_BRANCH};
    ref.snapshot_id = id;
    return ko_ice_meta_set_ref(m, &ref, arena, err);
}

static ko_status pick_snapshot_id(append_ctx *c, const ko_ice_warehouse *wh,
                                  const ko_ice_table_meta *m)
{
    if (c->snapshot_id && !ko_ice_meta_snapshot(m, c->snapshot_id))
        return KO_OK;
    if (c->have_manifest) /* taken by someone else: the manifest names it */
        (void)ko_store_delete(wh->store, c->manifest_key, NULL);
    c->have_manifest = false;
    do
        c->snapshot_id = kt_random_id();
    while (ko_ice_meta_snapshot(m, c->snapshot_id));
    return KO_OK;
}

static ko_status parent_state(const ko_ice_warehouse *wh, const ko_ice_table *t, ko_arena *arena,
                              ko_ice_manifest_file **carried, size_t *n_carried, kt_totals *tot,
                              ko_err *err)
{
    const ko_ice_snapshot *parent = ko_ice_meta_current_snapshot(&t->meta);
    *carried = NULL;
    *n_carried = 0;
    memset(tot, 0, sizeof *tot);
    if (!parent)
        return KO_OK;
    ko_status st = kt_read_manifest_list(wh, parent, arena, carried, n_carried, err);
    if (st == KO_OK && !kt_totals_from_summary(parent, tot))
        st = totals_from_manifests(wh, t, *carried, *n_carried, tot, err);
    return st;
}

static ko_status add_snapshot(append_ctx *c, ko_ice_table *t, const char *list, int64_t seq,
                              ko_ice_kv *kv, uint32_t n_kv, ko_arena *arena, const char **summary,
                              ko_err *err)
{
    ko_ice_table_meta *m = &t->meta;
    int64_t now = ko_now_us() / 1000;
    ko_ice_snapshot s = {.snapshot_id = c->snapshot_id,
                         .parent_id = m->current_snapshot_id,
                         .sequence_number = seq,
                         .timestamp_ms = now > m->last_updated_ms ? now : m->last_updated_ms,
                         .manifest_list = list,
                         .operation = "append",
                         .summary = kv,
                         .n_summary = n_kv,
                         .schema_id = m->current_schema_id};
    ko_status st = ko_ice_meta_add_snapshot(m, &s, arena, err);
    if (st == KO_OK)
        st = move_main(m, s.snapshot_id, arena, err);
    if (st == KO_OK && !(*summary = audit_summary(&s, arena)))
        st = kt_nomem(err);
    return st;
}

static ko_status apply_append(void *ctx, const ko_ice_warehouse *wh, ko_ice_table *t,
                              ko_arena *arena, const char **summary, ko_err *err)
{
    append_ctx *c = ctx;
    ko_ice_table_meta *m = &t->meta;
    kt_scratch_drop(&c->lists, wh); /* the previous attempt lost its race */
    c->apply_failed = true;
    const ko_ice_partition_spec *spec = ko_ice_meta_spec(m, c->spec_id);
    if (!spec)
        return ko_err_set(err, KO_ERR_INVALID, "partition spec %d no longer exists",
                          (int)c->spec_id);
    c->attempt++;
    int64_t seq = m->last_sequence_number + 1, changed = 0;
    ko_status st = pick_snapshot_id(c, wh, m);
    if (st == KO_OK && c->n > 0 && !c->have_manifest)
        st = write_manifest(c, wh, t, spec, seq, arena, err);
    c->mf.sequence_number = c->mf.min_sequence_number = seq;
    ko_ice_manifest_file *carried = NULL;
    size_t n_carried = 0;
    kt_totals tot;
    const char *list = NULL;
    ko_ice_kv *kv = NULL;
    uint32_t n_kv = 0;
    if (st == KO_OK)
        st = parent_state(wh, t, arena, &carried, &n_carried, &tot, err);
    if (st == KO_OK)
        st = write_list(c, wh, t, carried, n_carried, seq, arena, &list, err);
    if (st == KO_OK)
        st = kt_count_partitions(c->files, c->n, NULL, 0, arena, &changed, err);
    if (st == KO_OK)
        st = build_summary(c, &tot, changed, arena, &kv, &n_kv, err);
    if (st == KO_OK)
        st = add_snapshot(c, t, list, seq, kv, n_kv, arena, summary, err);
    c->apply_failed = st != KO_OK;
    return st;
}

/* ko_ice_table_commit_append; *not_committed says whether a failure
 * certainly left the table without the files (a lost race, or an attempt
 * that failed before writing metadata, e.g. on a corrupt manifest list). */
static ko_status commit_append(const ko_ice_warehouse *wh, ko_ice_table *t,
                               const ko_ice_data_file *files, size_t n,
                               const ko_ice_commit_opts *opts, ko_arena *arena,
                               ko_ice_commit_info *info, bool *not_committed, ko_err *err)
{
    *not_committed = false;
    int32_t spec_id = n ? files[0].spec_id : t->meta.default_spec_id;
    for (size_t i = 1; i < n; i++)
        if (files[i].spec_id != spec_id)
            return ko_err_set(err, KO_ERR_INVALID,
                              "table %s: appended files use partition specs %d and %d", t->ident,
                              (int)spec_id, (int)files[i].spec_id);
    append_ctx c = {.files = files, .n = n, .spec_id = spec_id, .opts = opts};
    ko_status st = kt_commit_loaded(wh, t, apply_append, &c, opts, arena, info, err);
    if (st != KO_OK && (st == KO_ERR_CONFLICT || c.apply_failed)) {
        *not_committed = true;
        kt_scratch_drop(&c.lists, wh); /* certainly not committed: nothing refers to them */
        if (c.have_manifest)
            (void)ko_store_delete(wh->store, c.manifest_key, NULL);
    }
    return st;
}

ko_status ko_ice_table_commit_append(const ko_ice_warehouse *wh, ko_ice_table *t,
                                     const ko_ice_data_file *files, size_t n,
                                     const ko_ice_commit_opts *opts, ko_arena *arena,
                                     ko_ice_commit_info *info, ko_err *err)
{
    KT_NEED_ERR(err);
    bool not_committed;
    return commit_append(wh, t, files, n, opts, arena, info, &not_committed, err);
}

ko_status ko_ice_table_append(const ko_ice_warehouse *wh, const char *ns, const char *name,
                              ko_pq_reader *const *inputs, const char *const *input_names,
                              size_t n_inputs, const ko_ice_commit_opts *opts, ko_arena *arena,
                              ko_ice_commit_info *info, ko_err *err)
{
    KT_NEED_ERR(err);
    ko_ice_table t;
    ko_ice_data_file *files = NULL;
    size_t n = 0;
    ko_status st = ko_ice_table_load(wh, ns, name, arena, &t, err);
    if (st == KO_OK)
        st =
            ko_ice_table_write_files(wh, &t, inputs, input_names, n_inputs, arena, &files, &n, err);
    if (st != KO_OK)
        return st;
    bool not_committed = false;
    st = commit_append(wh, &t, files, n, opts, arena, info, &not_committed, err);
    if (not_committed || st == KO_ERR_INVALID || st == KO_ERR_NOT_FOUND)
        kt_delete_data_files(wh, files, n); /* certainly not committed */
    return st;
}
