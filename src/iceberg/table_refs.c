/*
 * table_refs.c - tags and branches (spec: "Snapshot References"), each
 * change a table commit: create or move a tag or branch, drop one,
 * fast-forward a branch, append into a branch.
 *
 * Refs live in the metadata's "refs" map with their retention settings
 * (min-snapshots-to-keep and max-snapshot-age-ms for branches,
 * max-ref-age-ms for both); expiry (table_maint.c) keeps every snapshot a
 * ref points at and the history of each branch.  "main" is the table's
 * current branch: it moves through appends, overwrites, rollback and
 * fast-forward, never through set/drop here.  A fast-forward whose target
 * is no ancestor of the source is a conflict no retry can fix, so the
 * change reports it as KO_ERR_INVALID with a flag (the commit loop
 * retries KO_ERR_CONFLICT) and it is turned back into KO_ERR_CONFLICT.
 */
#include "iceberg/table_internal.h"

#include <inttypes.h>
#include <string.h>

typedef struct ref_ctx {
    const char *name, *from;
    const ko_ice_ref_opts *o;
    int64_t snapshot_id; /* where the ref ends up */
    bool fatal;
} ref_ctx;

static const char *type_name(ko_ice_ref_type t)
{
    return t == KO_ICE_REF_TAG ? "tag" : "branch";
}

static void touch(ko_ice_table_meta *m)
{
    int64_t now = ko_now_us() / 1000;
    if (now > m->last_updated_ms)
        m->last_updated_ms = now;
}

static const char *ref_summary(const char *op, const ko_ice_ref *r, ko_arena *arena)
{
    json_t *j = json_pack("{s:s, s:s, s:s, s:I}", "operation", op, "ref", r->name, "type",
                          type_name(r->type), "snapshot-id", (json_int_t)r->snapshot_id);
    if (j && r->max_ref_age_ms)
        json_object_set_new(j, "max-ref-age-ms", json_integer(r->max_ref_age_ms));
    if (j && r->max_snapshot_age_ms)
        json_object_set_new(j, "max-snapshot-age-ms", json_integer(r->max_snapshot_age_ms));
    if (j && r->min_snapshots_to_keep)
        json_object_set_new(j, "min-snapshots-to-keep", json_integer(r->min_snapshots_to_keep));
    return kt_json_text(j, arena);
}

static ko_status apply_set(void *ctx, const ko_ice_warehouse *wh, ko_ice_table *t, ko_arena *arena,
                           const char **summary, ko_err *err)
{
    (void)wh;
    ref_ctx *c = ctx;
    ko_ice_table_meta *m = &t->meta;
    int64_t id = c->o->snapshot_id >= 0 ? c->o->snapshot_id : m->current_snapshot_id;
    if (id < 0 || !ko_ice_meta_snapshot(m, id))
        return ko_err_set(err, KO_ERR_NOT_FOUND, "no snapshot %" PRId64, id);
    const ko_ice_ref *old = ko_ice_meta_ref(m, c->name);
    if (old && !c->o->replace)
        return ko_err_set(err, KO_ERR_EXISTS, "%s '%s' exists", type_name(old->type), c->name);
    if (old && old->type != c->o->type)
        return ko_err_set(err, KO_ERR_INVALID, "'%s' is a %s, not a %s", c->name,
                          type_name(old->type), type_name(c->o->type));
    bool branch = c->o->type == KO_ICE_REF_BRANCH;
    ko_ice_ref r = {.name = c->name,
                    .snapshot_id = id,
                    .type = c->o->type,
                    .min_snapshots_to_keep = branch ? c->o->min_snapshots_to_keep : 0,
                    .max_snapshot_age_ms = branch ? c->o->max_snapshot_age_ms : 0,
                    .max_ref_age_ms = c->o->max_ref_age_ms};
    ko_status st = ko_ice_meta_set_ref(m, &r, arena, err);
    if (st != KO_OK)
        return st;
    touch(m);
    c->snapshot_id = id;
    const char *op = old ? (branch ? "replace-branch" : "replace-tag")
                         : (branch ? "create-branch" : "create-tag");
    *summary = ref_summary(op, &r, arena);
    return *summary ? KO_OK : kt_nomem(err);
}

static ko_status check_name(const char *ref, ko_err *err)
{
    if (!ref || !*ref)
        return ko_err_set(err, KO_ERR_INVALID, "a tag or branch needs a name");
    if (strcmp(ref, "main") == 0)
        return ko_err_set(err, KO_ERR_INVALID,
                          "'main' is moved by commits, rollback and fast-forward only");
    return KO_OK;
}

ko_status ko_ice_table_set_ref(const ko_ice_warehouse *wh, const char *ns, const char *name,
                               const char *ref, const ko_ice_ref_opts *ro,
                               const ko_ice_commit_opts *opts, ko_arena *arena,
                               ko_ice_commit_info *info, ko_err *err)
{
    KT_NEED_ERR(err);
    ko_ice_ref_opts dflt = {.type = KO_ICE_REF_TAG, .snapshot_id = -1};
    ref_ctx c = {.name = ref, .o = ro ? ro : &dflt};
    ko_ice_table t;
    ko_status st = check_name(ref, err);
    if (st == KO_OK)
        st = kt_commit(wh, ns, name, apply_set, &c, opts, arena, &t, info, err);
    if (st == KO_OK && info)
        info->snapshot_id = c.snapshot_id;
    return st;
}

static ko_status apply_drop(void *ctx, const ko_ice_warehouse *wh, ko_ice_table *t, ko_arena *arena,
                            const char **summary, ko_err *err)
{
    (void)wh;
    ref_ctx *c = ctx;
    const ko_ice_ref *old = ko_ice_meta_ref(&t->meta, c->name);
    if (!old)
        return ko_err_set(err, KO_ERR_NOT_FOUND, "no tag or branch '%s'", c->name);
    ko_ice_ref r = *old;
    ko_status st = ko_ice_meta_remove_ref(&t->meta, c->name, err);
    if (st != KO_OK)
        return st;
    touch(&t->meta);
    c->snapshot_id = r.snapshot_id;
    *summary = ref_summary(r.type == KO_ICE_REF_TAG ? "drop-tag" : "drop-branch", &r, arena);
    return *summary ? KO_OK : kt_nomem(err);
}

ko_status ko_ice_table_drop_ref(const ko_ice_warehouse *wh, const char *ns, const char *name,
                                const char *ref, const ko_ice_commit_opts *opts, ko_arena *arena,
                                ko_ice_commit_info *info, ko_err *err)
{
    KT_NEED_ERR(err);
    ref_ctx c = {.name = ref};
    ko_ice_table t;
    ko_status st = check_name(ref, err);
    if (st == KO_OK)
        st = kt_commit(wh, ns, name, apply_drop, &c, opts, arena, &t, info, err);
    if (st == KO_OK && info)
        info->snapshot_id = c.snapshot_id;
    return st;
}

/* Is `ancestor` (-1: none) on the parent chain of snapshot `id`? */
static bool is_ancestor(const ko_ice_table_meta *m, int64_t ancestor, int64_t id)
{
    if (ancestor < 0)
        return true;
    for (uint32_t hops = 0; id >= 0 && hops <= m->n_snapshots; hops++) {
        if (id == ancestor)
            return true;
        const ko_ice_snapshot *s = ko_ice_meta_snapshot(m, id);
        id = s ? s->parent_id : -1;
    }
    return false;
}

static ko_status apply_ff(void *ctx, const ko_ice_warehouse *wh, ko_ice_table *t, ko_arena *arena,
                          const char **summary, ko_err *err)
{
    (void)wh;
    ref_ctx *c = ctx;
    ko_ice_table_meta *m = &t->meta;
    const ko_ice_ref *from = ko_ice_meta_ref(m, c->from), *to = ko_ice_meta_ref(m, c->name);
    bool main = strcmp(c->name, "main") == 0;
    if (!from || (!to && !main))
        return ko_err_set(err, KO_ERR_NOT_FOUND, "no branch '%s'", !from ? c->from : c->name);
    if (from->type != KO_ICE_REF_BRANCH || (to && to->type != KO_ICE_REF_BRANCH))
        return ko_err_set(err, KO_ERR_INVALID, "fast-forward works on branches, not tags");
    int64_t head = to ? to->snapshot_id : m->current_snapshot_id;
    if (!is_ancestor(m, head, from->snapshot_id)) {
        c->fatal = true;
        return ko_err_set(err, KO_ERR_INVALID,
                          "cannot fast-forward '%s': its head %" PRId64
                          " is not an ancestor of '%s'",
                          c->name, head, c->from);
    }
    ko_ice_ref r = to ? *to : (ko_ice_ref){.name = "main", .type = KO_ICE_REF_BRANCH};
    r.snapshot_id = from->snapshot_id;
    ko_status st = ko_ice_meta_set_ref(m, &r, arena, err);
    if (st != KO_OK)
        return st;
    touch(m);
    c->snapshot_id = r.snapshot_id;
    json_t *j = json_pack("{s:s, s:s, s:s, s:I, s:I}", "operation", "fast-forward", "ref", c->name,
                          "from", c->from, "snapshot-id", (json_int_t)r.snapshot_id,
                          "previous-snapshot-id", (json_int_t)head);
    *summary = kt_json_text(j, arena);
    return *summary ? KO_OK : kt_nomem(err);
}

ko_status ko_ice_table_fast_forward(const ko_ice_warehouse *wh, const char *ns, const char *name,
                                    const char *to, const char *from,
                                    const ko_ice_commit_opts *opts, ko_arena *arena,
                                    ko_ice_commit_info *info, ko_err *err)
{
    KT_NEED_ERR(err);
    ref_ctx c = {.name = to ? to : "main", .from = from};
    ko_ice_table t;
    if (!from || !*from)
        return ko_err_set(err, KO_ERR_INVALID, "fast-forward needs a source branch");
    ko_status st = kt_commit(wh, ns, name, apply_ff, &c, opts, arena, &t, info, err);
    if (st != KO_OK && c.fatal) {
        err->status = KO_ERR_CONFLICT;
        return KO_ERR_CONFLICT;
    }
    if (st == KO_OK && info)
        info->snapshot_id = c.snapshot_id;
    return st;
}

ko_status ko_ice_table_append_branch(const ko_ice_warehouse *wh, const char *ns, const char *name,
                                     const char *branch, ko_pq_reader *const *inputs,
                                     const char *const *input_names, size_t n_inputs,
                                     const ko_ice_commit_opts *opts, ko_arena *arena,
                                     ko_ice_commit_info *info, ko_err *err)
{
    KT_NEED_ERR(err);
    ko_ice_table t;
    ko_ice_data_file *files = NULL;
    size_t n = 0;
    ko_ice_overwrite_opts oo = {.branch = branch};
    ko_status st = ko_ice_table_load(wh, ns, name, arena, &t, err);
    if (st == KO_OK && branch && !ko_ice_meta_ref(&t.meta, branch) && strcmp(branch, "main") != 0)
        return ko_err_set(err, KO_ERR_NOT_FOUND, "table %s has no branch '%s'", t.ident, branch);
    if (st == KO_OK)
        st =
            ko_ice_table_write_files(wh, &t, inputs, input_names, n_inputs, arena, &files, &n, err);
    if (st != KO_OK)
        return st;
    st = ko_ice_table_commit_overwrite(wh, &t, NULL, 0, files, n, &oo, opts, arena, info, err);
    if (st == KO_ERR_CONFLICT || st == KO_ERR_INVALID || st == KO_ERR_NOT_FOUND)
        kt_delete_data_files(wh, files, n); /* certainly not committed */
    return st;
}
