/*
 * table_spec.c - partition spec evolution as a table commit.
 *
 * The new spec is parsed from partition-by text against the current
 * schema.  A field that some earlier spec already had (same source column
 * and transform) keeps that field's id and name, as Java's
 * UpdatePartitionSpec does, so that partition values of the same
 * transform stay comparable across specs; other fields get ids above
 * last-partition-id.  ko_ice_meta_add_spec reuses an equal existing spec
 * or adds it with the next spec id, and the spec becomes the default.
 * Data files already written keep the spec they were written with (their
 * manifests say which); scans evaluate each file with its own spec.
 */
#include "iceberg/table_internal.h"

#include <string.h>

typedef struct spec_ctx {
    const char *text;
} spec_ctx;

/* An earlier field with the same source and transform, or NULL. */
static const ko_ice_partition_field *earlier_field(const ko_ice_table_meta *m,
                                                   const ko_ice_partition_field *f)
{
    for (uint32_t s = 0; s < m->n_specs; s++)
        for (uint32_t i = 0; i < m->specs[s].n_fields; i++) {
            const ko_ice_partition_field *e = &m->specs[s].fields[i];
            if (e->source_id == f->source_id &&
                ko_ice_transform_equal(&e->transform, &f->transform))
                return e;
        }
    return NULL;
}

static ko_status apply_spec(void *ctx, const ko_ice_warehouse *wh, ko_ice_table *t, ko_arena *arena,
                            const char **summary, ko_err *err)
{
    (void)wh;
    spec_ctx *c = ctx;
    ko_ice_table_meta *m = &t->meta;
    int32_t last = m->last_partition_id, id = -1;
    ko_ice_partition_spec spec;
    ko_status st =
        ko_ice_spec_parse_text(c->text, ko_ice_meta_current_schema(m), 0, &last, arena, &spec, err);
    for (uint32_t i = 0; st == KO_OK && i < spec.n_fields; i++) {
        const ko_ice_partition_field *e = earlier_field(m, &spec.fields[i]);
        if (e) {
            spec.fields[i].field_id = e->field_id;
            spec.fields[i].name = e->name;
        }
    }
    if (st == KO_OK)
        st = ko_ice_spec_validate(&spec, ko_ice_meta_current_schema(m), err);
    if (st == KO_OK)
        st = ko_ice_meta_add_spec(m, &spec, true, arena, &id, err);
    if (st != KO_OK)
        return st;
    int64_t now = ko_now_us() / 1000;
    if (now > m->last_updated_ms)
        m->last_updated_ms = now;
    *summary = kt_json_text(json_pack("{s:s, s:s, s:i, s:i}", "operation", "update-spec",
                                      "partition-by", c->text, "spec-id", (int)id,
                                      "last-partition-id", (int)m->last_partition_id),
                            arena);
    return *summary ? KO_OK : kt_nomem(err);
}

ko_status ko_ice_table_update_spec(const ko_ice_warehouse *wh, const char *ns, const char *name,
                                   const char *partition_by, const ko_ice_commit_opts *opts,
                                   ko_arena *arena, ko_ice_commit_info *info, ko_err *err)
{
    KT_NEED_ERR(err);
    spec_ctx c = {partition_by ? partition_by : ""};
    ko_ice_table t;
    return kt_commit(wh, ns, name, apply_spec, &c, opts, arena, &t, info, err);
}
