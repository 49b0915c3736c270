/*
 * table_overwrite.c - ko_ice_table_commit_overwrite: one snapshot that
 * removes whole files and adds new ones (spec: "Snapshots", "Manifests",
 * "Optional Snapshot Summary Fields").
 *
 * The new files get manifests of their own (one per partition spec and
 * content: data files, and delete files for callers that add those),
 * written once with the snapshot id and null sequence numbers that the
 * manifest list's entry supplies, so every retry reuses them.  Everything
 * else is redone per attempt against the branch head of that moment:
 *
 *   1. validation against the snapshots committed since the caller's base
 *      snapshot: a new delete file that may apply to a file being removed,
 *      or (serializable isolation) a new data file that may match the
 *      caller's filter, is a conflict no retry can fix;
 *   2. every manifest of the head that holds a file being removed is
 *      rewritten: removed entries DELETED (this snapshot's id, their
 *      sequence numbers kept), live ones EXISTING, entries deleted by
 *      earlier snapshots dropped; other manifests are carried forward
 *      (those left without live files are dropped).  A file to remove
 *      that is not live any more is a conflict too;
 *   3. the manifest list, the summary (parent totals plus added minus
 *      removed) and the snapshot, with the branch moved to it.
 *
 * Conflicts of step 1 and 2 must not be retried, but the commit loop
 * retries KO_ERR_CONFLICT; the change reports them as KO_ERR_INVALID with
 * a flag and the result is turned back into KO_ERR_CONFLICT here.
 * Rewritten manifests and the list of an attempt that loses are deleted at
 * the start of the next one (table_scratch.c).
 */
#include "iceberg/table_internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* A set of file paths (open addressing); values are indexes + 1. */
typedef struct pathset {
    uint32_t *slots;
    size_t cap;
    const ko_ice_data_file *files;
} pathset;

typedef struct ow_ctx {
    const ko_ice_data_file *deleted, *added;
    size_t n_deleted, n_added;
    const char *branch;
    int64_t base_id;
    bool base_known;
    const ko_ice_pred *conflict_filter;
    const char *description;
    pathset dset;
    bool *found;  /* per deleted file, this attempt */
    kt_totals rm; /* what the removed entries add up to */
    int64_t snapshot_id;
    ko_ice_manifest_file *added_mfs; /* written once */
    size_t n_added_mfs;
    kt_scratch added_keys;
    kt_scratch attempt_keys;
    bool fatal;        /* a conflict no retry can fix */
    bool apply_failed; /* the last attempt failed before writing metadata */
    int attempt;
} ow_ctx;

/* --------------------------------------------------------------- pathset */

static size_t path_hash(const char *p, size_t cap)
{
    return ko_murmur3_32(p, strlen(p), 0) & (cap - 1);
}

static ko_status pathset_build(pathset *s, const ko_ice_data_file *files, size_t n, ko_arena *arena,
                               ko_err *err)
{
    size_t cap = 16;
    while (cap < 2 * n + 2)
        cap *= 2;
    s->slots = ko_arena_calloc(arena, cap, sizeof *s->slots);
    s->cap = cap;
    s->files = files;
    if (!s->slots)
        return kt_nomem(err);
    for (size_t i = 0; i < n; i++) {
        size_t h = path_hash(files[i].file_path, cap);
        while (s->slots[h])
            h = (h + 1) & (cap - 1);
        s->slots[h] = (uint32_t)i + 1;
    }
    return KO_OK;
}

/* Index of path in the set, or -1. */
static int64_t pathset_find(const pathset *s, const char *path)
{
    if (!s->cap)
        return -1;
    for (size_t h = path_hash(path, s->cap); s->slots[h]; h = (h + 1) & (s->cap - 1))
        if (strcmp(s->files[s->slots[h] - 1].file_path, path) == 0)
            return (int64_t)s->slots[h] - 1;
    return -1;
}

/* ------------------------------------------------------------ validation */

/* May the delete file d (added concurrently) apply to data file f? */
static bool delete_may_apply(const ko_ice_table_meta *m, const ko_ice_data_file *d,
                             const ko_ice_data_file *f)
{
    if (d->content == KO_ICE_CONTENT_POSITION_DELETES && d->referenced_data_file)
        return strcmp(d->referenced_data_file, f->file_path) == 0;
    const ko_ice_partition_spec *ds = ko_ice_meta_spec(m, d->spec_id);
    if (d->content == KO_ICE_CONTENT_EQUALITY_DELETES && ds && ko_ice_spec_is_unpartitioned(ds))
        return true;
    return ko_ice_same_partition(d, f);
}

static ko_status check_added_entry(ow_ctx *c, const ko_ice_table *t, const ko_ice_manifest_entry *e)
{
    const ko_ice_data_file *f = &e->data_file;
    const ko_ice_table_meta *m = &t->meta;
    if (f->content != KO_ICE_CONTENT_DATA) {
        for (size_t i = 0; i < c->n_deleted; i++)
            if (c->deleted[i].content == KO_ICE_CONTENT_DATA &&
                delete_may_apply(m, f, &c->deleted[i]))
                return KO_ERR_CONFLICT;
        return KO_OK;
    }
    if (!c->conflict_filter)
        return KO_OK;
    const ko_ice_schema *schema = ko_ice_meta_current_schema(m);
    const ko_ice_partition_spec *spec = ko_ice_meta_spec(m, f->spec_id);
    if (spec && f->n_partition == spec->n_fields &&
        !ko_ice_pred_eval_partition(c->conflict_filter, spec, schema, f->partition))
        return KO_OK;
    return ko_ice_pred_eval_file(c->conflict_filter, schema, f) ? KO_ERR_CONFLICT : KO_OK;
}

/* Checks the files snapshot s added. */
static ko_status check_snapshot(ow_ctx *c, const ko_ice_warehouse *wh, const ko_ice_table *t,
                                const ko_ice_snapshot *s, ko_arena *arena, ko_err *err)
{
    ko_ice_manifest_file *mfs = NULL;
    size_t n = 0;
    ko_status st = kt_read_manifest_list(wh, s, arena, &mfs, &n, err);
    for (size_t i = 0; st == KO_OK && i < n; i++) {
        if (mfs[i].added_snapshot_id != s->snapshot_id || mfs[i].added_files_count == 0)
            continue;
        ko_ice_manifest man;
        st = kt_read_manifest(wh, &t->meta, &mfs[i], arena, &man, err);
        for (size_t e = 0; st == KO_OK && e < man.n_entries; e++) {
            const ko_ice_manifest_entry *en = &man.entries[e];
            if (en->status != KO_ICE_ENTRY_ADDED || en->snapshot_id != s->snapshot_id ||
                check_added_entry(c, t, en) == KO_OK)
                continue;
            c->fatal = true;
            return ko_err_set(err, KO_ERR_INVALID,
                              "conflict: %s added by concurrent snapshot %" PRId64,
                              en->data_file.file_path, s->snapshot_id);
        }
    }
    return st;
}

/* Checks every snapshot between the base and head (exclusive of base). */
static ko_status validate_since(ow_ctx *c, const ko_ice_warehouse *wh, const ko_ice_table *t,
                                const ko_ice_snapshot *head, ko_arena *arena, ko_err *err)
{
    if (!c->conflict_filter && c->n_deleted == 0)
        return KO_OK;
    const ko_ice_snapshot *s = head;
    for (uint32_t hops = 0; s && s->snapshot_id != c->base_id; hops++) {
        ko_status st =
            hops <= t->meta.n_snapshots ? check_snapshot(c, wh, t, s, arena, err) : kt_nomem(err);
        if (st != KO_OK)
            return st;
        s = s->parent_id >= 0 ? ko_ice_meta_snapshot(&t->meta, s->parent_id) : NULL;
    }
    if (!s && c->base_id >= 0) {
        c->fatal = true;
        return ko_err_set(err, KO_ERR_INVALID,
                          "conflict: base snapshot %" PRId64 " is no longer an ancestor of %s",
                          c->base_id, c->branch);
    }
    return KO_OK;
}

/* ------------------------------------------------------------- manifests */

static ko_status put_manifest(ow_ctx *c, const ko_ice_warehouse *wh, const ko_ice_table *t,
                              ko_ice_manifest_write_opts *o, const ko_ice_manifest_entry *es,
                              size_t n, kt_scratch *keys, ko_arena *arena, ko_ice_manifest_file *mf,
                              ko_err *err)
{
    char uuid[KO_UUID_STR_LEN + 1];
    ko_uuid u = ko_uuid_random();
    ko_uuid_format(&u, uuid);
    const char *key =
        ko_arena_sprintf(arena, "%s/metadata/%s-m%d.avro", t->key, uuid, (int)keys->n);
    o->path = key ? kt_uri(arena, wh, key) : NULL;
    if (!o->path)
        return kt_nomem(err);
    o->schema = ko_ice_meta_current_schema(&t->meta);
    o->snapshot_id = c->snapshot_id;
    ko_buf buf = {0};
    ko_status st = ko_ice_manifest_write(o, es, n, &buf, mf, arena, err);
    if (st == KO_OK)
        st = ko_store_put(wh->store, key, buf.data, buf.len, KO_PUT_IF_ABSENT, err);
    mf->manifest_length = (int64_t)buf.len;
    ko_buf_free(&buf);
    return st == KO_OK ? kt_scratch_add(keys, arena, key, err) : st;
}

/* The manifests of the added files, one per spec. */
static ko_status write_added(ow_ctx *c, const ko_ice_warehouse *wh, const ko_ice_table *t,
                             int64_t seq, ko_arena *arena, ko_err *err)
{
    c->added_mfs = ko_arena_calloc(arena, c->n_added + 1, sizeof *c->added_mfs);
    ko_ice_manifest_entry *es = ko_arena_calloc(arena, c->n_added + 1, sizeof *es);
    bool *done = ko_arena_calloc(arena, c->n_added + 1, sizeof *done);
    if (!c->added_mfs || !es || !done)
        return kt_nomem(err);
    ko_status st = KO_OK;
    for (size_t i = 0; st == KO_OK && i < c->n_added; i++) {
        if (done[i])
            continue;
        int32_t spec_id = c->added[i].spec_id;
        bool dels = c->added[i].content != KO_ICE_CONTENT_DATA;
        const ko_ice_partition_spec *spec = ko_ice_meta_spec(&t->meta, spec_id);
        if (!spec)
            return ko_err_set(err, KO_ERR_INVALID, "added file %s: unknown partition spec %d",
                              c->added[i].file_path, (int)spec_id);
        size_t n = 0;
        for (size_t j = i; j < c->n_added; j++)
            if (!done[j] && c->added[j].spec_id == spec_id &&
                (c->added[j].content != KO_ICE_CONTENT_DATA) == dels) {
                done[j] = true;
                es[n++] = (ko_ice_manifest_entry){.status = KO_ICE_ENTRY_ADDED,
                                                  .snapshot_id = c->snapshot_id,
                                                  .sequence_number = KO_ICE_NULL_ID,
                                                  .file_sequence_number = KO_ICE_NULL_ID,
                                                  .data_file = c->added[j]};
            }
        ko_ice_manifest_write_opts o = {.spec = spec,
                                        .content =
                                            dels ? KO_ICE_MANIFEST_DELETES : KO_ICE_MANIFEST_DATA,
                                        .sequence_number = seq};
        st = put_manifest(c, wh, t, &o, es, n, &c->added_keys, arena, &c->added_mfs[c->n_added_mfs],
                          err);
        c->n_added_mfs += st == KO_OK;
    }
    return st;
}

/* Marks the entries of man being removed; *hits receives their count.
 * Entries deleted by earlier snapshots are left out (keep[e] false). */
static ko_status mark_entries(ow_ctx *c, ko_ice_manifest *man, bool *keep, size_t *hits,
                              ko_err *err)
{
    *hits = 0;
    for (size_t e = 0; e < man->n_entries; e++) {
        ko_ice_manifest_entry *en = &man->entries[e];
        keep[e] = en->status != KO_ICE_ENTRY_DELETED;
        if (!keep[e])
            continue;
        int64_t i = pathset_find(&c->dset, en->data_file.file_path);
        if (i < 0) {
            en->status = KO_ICE_ENTRY_EXISTING;
            continue;
        }
        if (c->found[i])
            return ko_err_set(err, KO_ERR_CORRUPT, "file %s is live twice",
                              en->data_file.file_path);
        c->found[i] = true;
        kt_totals_add(&c->rm, &en->data_file);
        en->status = KO_ICE_ENTRY_DELETED;
        en->snapshot_id = c->snapshot_id;
        (*hits)++;
    }
    return KO_OK;
}

/* Rewrites a manifest holding removed files into *out. */
static ko_status rewrite_manifest(ow_ctx *c, const ko_ice_warehouse *wh, const ko_ice_table *t,
                                  const ko_ice_manifest_file *from, ko_ice_manifest *man,
                                  const bool *keep, int64_t seq, ko_arena *arena,
                                  ko_ice_manifest_file *out, ko_err *err)
{
    size_t k = 0;
    for (size_t e = 0; e < man->n_entries; e++)
        if (keep[e])
            man->entries[k++] = man->entries[e];
    const ko_ice_partition_spec *spec = ko_ice_meta_spec(&t->meta, from->partition_spec_id);
    if (!spec)
        return ko_err_set(err, KO_ERR_CORRUPT, "manifest %s: unknown partition spec %d",
                          from->manifest_path, (int)from->partition_spec_id);
    ko_ice_manifest_write_opts o = {.spec = spec, .content = from->content, .sequence_number = seq};
    return put_manifest(c, wh, t, &o, man->entries, k, &c->attempt_keys, arena, out, err);
}

/* Step 2: the head's manifests, rewritten where they hold removed files. */
static ko_status carry_manifests(ow_ctx *c, const ko_ice_warehouse *wh, const ko_ice_table *t,
                                 ko_ice_manifest_file *mfs, size_t n, int64_t seq, ko_arena *arena,
                                 ko_err *err)
{
    bool want_data = false, want_deletes = false;
    for (size_t i = 0; i < c->n_deleted; i++)
        *(c->deleted[i].content == KO_ICE_CONTENT_DATA ? &want_data : &want_deletes) = true;
    for (size_t i = 0; i < n; i++) {
        bool want = mfs[i].content == KO_ICE_MANIFEST_DATA ? want_data : want_deletes;
        if (!want || mfs[i].added_files_count + mfs[i].existing_files_count == 0)
            continue;
        ko_ice_manifest man;
        size_t hits = 0;
        bool *keep = NULL;
        ko_status st = kt_read_manifest(wh, &t->meta, &mfs[i], arena, &man, err);
        if (st == KO_OK && !(keep = ko_arena_calloc(arena, man.n_entries + 1, sizeof *keep)))
            st = kt_nomem(err);
        if (st == KO_OK)
            st = mark_entries(c, &man, keep, &hits, err);
        if (st == KO_OK && hits)
            st = rewrite_manifest(c, wh, t, &mfs[i], &man, keep, seq, arena, &mfs[i], err);
        if (st != KO_OK)
            return st;
    }
    for (size_t i = 0; i < c->n_deleted; i++)
        if (!c->found[i]) {
            c->fatal = true;
            return ko_err_set(err, KO_ERR_INVALID,
                              "conflict: %s is not live in the head of %s (removed concurrently?)",
                              c->deleted[i].file_path, c->branch);
        }
    return KO_OK;
}

/* Whether a carried manifest is left out: it has no live files (its
 * DELETED entries belong to earlier snapshots), as Java does; this
 * snapshot's rewrites stay, since their DELETED entries record its
 * removals. */
static bool dead_manifest(const ow_ctx *c, const ko_ice_manifest_file *m)
{
    return m->added_snapshot_id != c->snapshot_id && m->added_files_count == 0 &&
           m->existing_files_count == 0;
}

static ko_status write_list(ow_ctx *c, const ko_ice_warehouse *wh, const ko_ice_table *t,
                            const ko_ice_manifest_file *carried, size_t n_carried, int64_t parent,
                            int64_t seq, ko_arena *arena, const char **uri, ko_err *err)
{
    size_t n = n_carried + c->n_added_mfs;
    ko_ice_manifest_file *all = ko_arena_calloc(arena, n + 1, sizeof *all);
    char uuid[KO_UUID_STR_LEN + 1];
    ko_uuid u = ko_uuid_random();
    ko_uuid_format(&u, uuid);
    const char *key = ko_arena_sprintf(arena, "%s/metadata/snap-%" PRId64 "-%d-%s.avro", t->key,
                                       c->snapshot_id, c->attempt, uuid);
    if (!all || !key)
        return kt_nomem(err);
    size_t k = 0;
    for (; k < c->n_added_mfs; k++) {
        all[k] = c->added_mfs[k];
        all[k].sequence_number = all[k].min_sequence_number = seq;
    }
    for (size_t i = 0; i < n_carried; i++)
        if (!dead_manifest(c, &carried[i]))
            all[k++] = carried[i];
    ko_ice_manifest_list_write_opts o = {
        .snapshot_id = c->snapshot_id, .parent_snapshot_id = parent, .sequence_number = seq};
    ko_buf buf = {0};
    ko_status st = ko_ice_manifest_list_write(&o, all, k, &buf, err);
    if (st == KO_OK)
        st = ko_store_put(wh->store, key, buf.data, buf.len, KO_PUT_IF_ABSENT, err);
    ko_buf_free(&buf);
    if (st == KO_OK)
        st = kt_scratch_add(&c->attempt_keys, arena, key, err);
    *uri = kt_uri(arena, wh, key);
    return st != KO_OK ? st : *uri ? KO_OK : kt_nomem(err);
}

/* --------------------------------------------------------------- summary */

/* Totals of the head: its summary, else its live files counted. */
static ko_status head_totals(const ko_ice_warehouse *wh, const ko_ice_table *t,
                             const ko_ice_snapshot *head, ko_arena *arena, kt_totals *out,
                             ko_err *err)
{
    memset(out, 0, sizeof *out);
    if (!head || kt_totals_from_summary(head, out))
        return KO_OK;
    memset(out, 0, sizeof *out);
    ko_ice_manifest_entry *es = NULL;
    size_t n = 0;
    ko_status st = ko_ice_table_files(wh, t, head->snapshot_id, arena, &es, &n, err);
    for (size_t i = 0; st == KO_OK && i < n; i++)
        kt_totals_add(out, &es[i].data_file);
    return st;
}

/* What the added files add up to, counted like the removed ones. */
static kt_totals added_totals(const ow_ctx *c)
{
    kt_totals a = {0};
    for (size_t i = 0; i < c->n_added; i++)
        kt_totals_add(&a, &c->added[i]);
    return a;
}

static ko_status build_summary(const ow_ctx *c, const kt_totals *base, ko_arena *arena,
                               ko_ice_kv **out, uint32_t *n_out, ko_err *err)
{
    const kt_totals *rm = &c->rm;
    kt_totals ad = added_totals(c);
    int64_t changed = 0;
    ko_status st =
        kt_count_partitions(c->added, c->n_added, c->deleted, c->n_deleted, arena, &changed, err);
    if (st != KO_OK)
        return st;
    static const char *const keys[] = {"added-data-files",         "added-records",
                                       "added-delete-files",       "added-position-deletes",
                                       "added-equality-deletes",   "added-files-size",
                                       "deleted-data-files",       "deleted-records",
                                       "removed-delete-files",     "removed-position-deletes",
                                       "removed-equality-deletes", "removed-files-size",
                                       "changed-partition-count",  "total-records",
                                       "total-files-size",         "total-data-files",
                                       "total-delete-files",       "total-position-deletes",
                                       "total-equality-deletes"};
    int64_t vals[] = {ad.data_files,
                      ad.records,
                      ad.delete_files,
                      ad.pos_deletes,
                      ad.eq_deletes,
                      ad.size,
                      rm->data_files,
                      rm->records,
                      rm->delete_files,
                      rm->pos_deletes,
                      rm->eq_deletes,
                      rm->size,
                      changed,
                      base->records + ad.records - rm->records,
                      base->size + ad.size - rm->size,
                      base->data_files + ad.data_files - rm->data_files,
                      base->delete_files + ad.delete_files - rm->delete_files,
                      base->pos_deletes + ad.pos_deletes - rm->pos_deletes,
                      base->eq_deletes + ad.eq_deletes - rm->eq_deletes};
    ko_ice_kv *kv = ko_arena_calloc(arena, KO_ARRAY_LEN(keys), sizeof *kv);
    if (!kv)
        return kt_nomem(err);
    uint32_t n = 0;
    for (size_t i = 0; i < KO_ARRAY_LEN(keys); i++) {
        bool optional = i < 12 && (i > 1 || !c->n_added) && i != 5;
        if ((optional && vals[i] == 0) || (i == 5 && !c->n_added))
            continue; /* only what happened, as Java writes it */
        const char *v = ko_arena_sprintf(arena, "%" PRId64, vals[i]);
        if (!v)
            return kt_nomem(err);
        kv[n++] = (ko_ice_kv){keys[i], v};
    }
    *out = kv;
    *n_out = n;
    return KO_OK;
}

static const char *operation_of(const ow_ctx *c)
{
    kt_totals ad = added_totals(c);
    if (c->n_deleted == 0 && ad.delete_files == 0)
        return "append";
    return ad.data_files == 0 ? "delete" : "overwrite";
}

static const char *audit_summary(const ow_ctx *c, const ko_ice_snapshot *s, ko_arena *arena)
{
    json_t *j = json_pack("{s:s, s:I, s:I, s:s}", "operation", s->operation, "snapshot-id",
                          (json_int_t)s->snapshot_id, "sequence-number",
                          (json_int_t)s->sequence_number, "branch", c->branch);
    if (j && s->parent_id >= 0)
        json_object_set_new(j, "parent-snapshot-id", json_integer(s->parent_id));
    if (j && c->description)
        json_object_set_new(j, "filter", json_string(c->description));
    for (uint32_t i = 0; j && i < s->n_summary; i++)
        json_object_set_new(j, s->summary[i].key,
                            json_integer(strtoll(s->summary[i].value, NULL, 10)));
    return kt_json_text(j, arena);
}

/* ----------------------------------------------------------------- apply */

static const ko_ice_snapshot *branch_head(const ko_ice_table_meta *m, const char *branch,
                                          bool *exists)
{
    const ko_ice_ref *r = ko_ice_meta_ref(m, branch);
    *exists = r != NULL || strcmp(branch, "main") == 0;
    if (!r)
        return strcmp(branch, "main") == 0 ? ko_ice_meta_current_snapshot(m) : NULL;
    return ko_ice_meta_snapshot(m, r->snapshot_id);
}

static ko_status move_branch(ko_ice_table_meta *m, const char *branch, int64_t id, ko_arena *arena,
                             ko_err *err)
{
    const ko_ice_ref *old = ko_ice_meta_ref(m, branch);
    if (old && old->type != KO_ICE_REF_BRANCH)
        return ko_err_set(err, KO_ERR_INVALID, "'%s' is a tag, not a branch", branch);
    ko_ice_ref ref = old ? *old : (ko_ice_ref){.name = branch, .type = KO_ICE_REF_BRANCH};
    ref.snapshot_id = id;
    return ko_ice_meta_set_ref(m, &ref, arena, err);
}

static ko_status add_snapshot(ow_ctx *c, ko_ice_table *t, int64_t parent, const char *list,
                              int64_t seq, ko_ice_kv *kv, uint32_t n_kv, ko_arena *arena,
                              const char **summary, ko_err *err)
{
    ko_ice_table_meta *m = &t->meta;
    int64_t now = ko_now_us() / 1000;
    ko_ice_snapshot s = {.snapshot_id = c->snapshot_id,
                         .parent_id = parent,
                         .sequence_number = seq,
                         .timestamp_ms = now > m->last_updated_ms ? now : m->last_updated_ms,
                         .manifest_list = list,
                         .operation = operation_of(c),
                         .summary = kv,
                         .n_summary = n_kv,
                         .schema_id = m->current_schema_id};
    ko_status st = ko_ice_meta_add_snapshot(m, &s, arena, err);
    if (st == KO_OK)
        st = move_branch(m, c->branch, s.snapshot_id, arena, err);
    if (st == KO_OK && !(*summary = audit_summary(c, &s, arena)))
        st = kt_nomem(err);
    return st;
}

/* A snapshot id nobody uses; a new one drops manifests naming the old. */
static void pick_snapshot_id(ow_ctx *c, const ko_ice_warehouse *wh, const ko_ice_table_meta *m)
{
    if (c->snapshot_id && !ko_ice_meta_snapshot(m, c->snapshot_id))
        return;
    kt_scratch_drop(&c->added_keys, wh);
    c->n_added_mfs = 0;
    do
        c->snapshot_id = kt_random_id();
    while (ko_ice_meta_snapshot(m, c->snapshot_id));
}

static ko_status head_manifests(const ko_ice_warehouse *wh, const ko_ice_snapshot *head,
                                ko_arena *arena, ko_ice_manifest_file **mfs, size_t *n, ko_err *err)
{
    *mfs = NULL;
    *n = 0;
    return head ? kt_read_manifest_list(wh, head, arena, mfs, n, err) : KO_OK;
}

static ko_status do_apply(ow_ctx *c, const ko_ice_warehouse *wh, ko_ice_table *t, ko_arena *arena,
                          const char **summary, ko_err *err)
{
    bool exists = false;
    const ko_ice_snapshot *head = branch_head(&t->meta, c->branch, &exists);
    if (!exists)
        return ko_err_set(err, KO_ERR_NOT_FOUND, "no branch '%s'", c->branch);
    int64_t parent = head ? head->snapshot_id : -1, seq = t->meta.last_sequence_number + 1;
    if (!c->base_known)
        c->base_id = parent;
    c->base_known = true;
    memset(&c->rm, 0, sizeof c->rm);
    memset(c->found, 0, (c->n_deleted + 1) * sizeof *c->found);
    pick_snapshot_id(c, wh, &t->meta);
    ko_ice_manifest_file *mfs = NULL;
    size_t n = 0;
    kt_totals tot;
    const char *list = NULL;
    ko_ice_kv *kv = NULL;
    uint32_t n_kv = 0;
    ko_status st = validate_since(c, wh, t, head, arena, err);
    if (st == KO_OK && c->n_added && !c->n_added_mfs)
        st = write_added(c, wh, t, seq, arena, err);
    if (st == KO_OK)
        st = head_manifests(wh, head, arena, &mfs, &n, err);
    if (st == KO_OK)
        st = head_totals(wh, t, head, arena, &tot, err);
    if (st == KO_OK)
        st = carry_manifests(c, wh, t, mfs, n, seq, arena, err);
    if (st == KO_OK)
        st = write_list(c, wh, t, mfs, n, parent, seq, arena, &list, err);
    if (st == KO_OK)
        st = build_summary(c, &tot, arena, &kv, &n_kv, err);
    if (st == KO_OK)
        st = add_snapshot(c, t, parent, list, seq, kv, n_kv, arena, summary, err);
    return st;
}

static ko_status apply_overwrite(void *ctx, const ko_ice_warehouse *wh, ko_ice_table *t,
                                 ko_arena *arena, const char **summary, ko_err *err)
{
    ow_ctx *c = ctx;
    kt_scratch_drop(&c->attempt_keys, wh); /* the previous attempt lost */
    c->attempt++;
    c->apply_failed = true;
    ko_status st = do_apply(c, wh, t, arena, summary, err);
    c->apply_failed = st != KO_OK;
    return st;
}

static ko_status check_inputs(const ko_ice_table *t, const ko_ice_data_file *added, size_t n,
                              ko_err *err)
{
    for (size_t i = 0; i < n; i++)
        if (!added[i].file_path || (unsigned)added[i].content > KO_ICE_CONTENT_EQUALITY_DELETES)
            return ko_err_set(err, KO_ERR_INVALID,
                              "table %s: added file %zu has no path or a bad content type",
                              t->ident, i);
    return KO_OK;
}

ko_status ko_ice_table_commit_overwrite(const ko_ice_warehouse *wh, ko_ice_table *t,
                                        const ko_ice_data_file *deleted, size_t n_deleted,
                                        const ko_ice_data_file *added, size_t n_added,
                                        const ko_ice_overwrite_opts *oo,
                                        const ko_ice_commit_opts *opts, ko_arena *arena,
                                        ko_ice_commit_info *info, ko_err *err)
{
    KT_NEED_ERR(err);
    ow_ctx c = {.deleted = deleted,
                .n_deleted = n_deleted,
                .added = added,
                .n_added = n_added,
                .branch = oo && oo->branch ? oo->branch : "main",
                .conflict_filter = oo ? oo->conflict_filter : NULL,
                .description = oo ? oo->description : NULL,
                .found = ko_arena_calloc(arena, n_deleted + 1, sizeof(bool))};
    if (oo && oo->base_snapshot_id != 0) {
        c.base_id = oo->base_snapshot_id;
        c.base_known = true;
    }
    ko_status st = c.found ? check_inputs(t, added, n_added, err) : kt_nomem(err);
    if (st == KO_OK)
        st = pathset_build(&c.dset, deleted, n_deleted, arena, err);
    if (st == KO_OK)
        st = kt_commit_loaded(wh, t, apply_overwrite, &c, opts, arena, info, err);
    if (st != KO_OK && (st == KO_ERR_CONFLICT || c.apply_failed)) {
        kt_scratch_drop(&c.attempt_keys, wh); /* certainly not committed */
        kt_scratch_drop(&c.added_keys, wh);
    }
    if (st != KO_OK && c.fatal) {
        err->status = KO_ERR_CONFLICT;
        return KO_ERR_CONFLICT;
    }
    if (st == KO_OK && info)
        info->snapshot_id = c.snapshot_id;
    return st;
}
