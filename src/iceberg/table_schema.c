/*
 * table_schema.c - schema evolution as a table commit.
 *
 * The change itself is one of iceberg.h section 3's schema functions,
 * handed in as a callback so that it can be applied again to whatever
 * schema is current when a commit has to be retried.  The result must keep
 * the default partition spec and sort order valid (their sources exist
 * and suit their transforms); it is added to the metadata (an equal
 * earlier schema is reused, as Java does) and made current.
 */
#include "iceberg/table_internal.h"

typedef struct schema_ctx {
    ko_ice_schema_change_fn change;
    void *ctx;
    const char *what;
} schema_ctx;

static ko_status apply_schema(void *ctx, const ko_ice_warehouse *wh, ko_ice_table *t,
                              ko_arena *arena, const char **summary, ko_err *err)
{
    (void)wh;
    schema_ctx *c = ctx;
    ko_ice_table_meta *m = &t->meta;
    const ko_ice_schema *base = ko_ice_meta_current_schema(m);
    int32_t last = m->last_column_id, id = -1;
    ko_ice_schema next;
    if (!base)
        return ko_err_set(err, KO_ERR_CORRUPT, "no current schema");
    ko_status st = c->change(c->ctx, base, &last, arena, &next, err);
    if (st == KO_OK && ko_ice_spec_validate(ko_ice_meta_default_spec(m), &next, err) != KO_OK)
        st = ko_err_prefix(err, "the new schema does not fit the default partition spec");
    const ko_ice_sort_order *order = ko_ice_meta_sort_order(m, m->default_sort_order_id);
    if (st == KO_OK && order && ko_ice_sort_order_validate(order, &next, err) != KO_OK)
        st = ko_err_prefix(err, "the new schema does not fit the default sort order");
    if (st == KO_OK)
        st = ko_ice_meta_add_schema(m, &next, true, arena, &id, err);
    if (st != KO_OK)
        return ko_err_prefix(err, "%s", c->what);
    if (last > m->last_column_id)
        m->last_column_id = last;
    int64_t now = ko_now_us() / 1000;
    if (now > m->last_updated_ms)
        m->last_updated_ms = now;
    *summary = kt_json_text(json_pack("{s:s, s:s, s:i}", "operation", "update-schema", "change",
                                      c->what, "schema-id", (int)id),
                            arena);
    return *summary ? KO_OK : kt_nomem(err);
}

ko_status ko_ice_table_update_schema(const ko_ice_warehouse *wh, const char *ns, const char *name,
                                     ko_ice_schema_change_fn change, void *ctx, const char *what,
                                     const ko_ice_commit_opts *opts, ko_arena *arena,
                                     ko_ice_commit_info *info, ko_err *err)
{
    KT_NEED_ERR(err);
    schema_ctx c = {change, ctx, what ? what : "schema change"};
    ko_ice_table t;
    return kt_commit(wh, ns, name, apply_schema, &c, opts, arena, &t, info, err);
}
