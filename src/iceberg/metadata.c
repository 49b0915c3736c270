/*
 * metadata.c - table metadata (metadata.json) to and from JSON, and its
 * consistency checks (format/spec.md "Table Metadata", "Snapshots",
 * "Snapshot References", Appendix C "Table Metadata and Snapshots").
 *
 * Reading is member by member through the ko_ice_json_* helpers so that
 * every problem names its place ("snapshot 3051729675574597004: missing
 * required field 'manifest-list'").  v2 is the target; v1 files are read
 * with the spec's upgrade defaults (sequence numbers 0, the deprecated
 * single "schema" and "partition-spec", an implicit main branch).  Members
 * this model does not know (v3 row lineage, encryption keys, engine
 * extensions) are kept in `extra` and written back unchanged, as are the
 * statistics lists, so rewriting another engine's metadata loses nothing.
 *
 * Writing uses the Java implementation's member order and conventions
 * (current-snapshot-id -1 when there is none, empty lists written out), so
 * that re-serialising a Java-written file gives equal JSON.
 */
#include "iceberg/iceberg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const KNOWN_KEYS[] = {
    "format-version",
    "table-uuid",
    "location",
    "last-sequence-number",
    "last-updated-ms",
    "last-column-id",
    "schema",
    "schemas",
    "current-schema-id",
    "partition-spec",
    "partition-specs",
    "default-spec-id",
    "last-partition-id",
    "properties",
    "current-snapshot-id",
    "snapshots",
    "snapshot-log",
    "metadata-log",
    "sort-orders",
    "default-sort-order-id",
    "refs",
    "statistics",
    "partition-statistics",
};

static ko_status nomem(ko_err *err)
{
    return ko_err_set(err, KO_ERR_NOMEM, "out of memory in table metadata");
}

/* A list member's elements parsed by fn into an arena array. */
typedef ko_status (*elem_fn)(const json_t *j, size_t i, void *out, void *ctx, ko_arena *arena,
                             ko_err *err);

static ko_status parse_list(const json_t *list, size_t size, elem_fn fn, void *ctx, ko_arena *arena,
                            void **out, uint32_t *n_out, ko_err *err)
{
    size_t n = json_array_size(list);
    char *items = ko_arena_calloc(arena, n ? n : 1, size);
    if (!items)
        return nomem(err);
    for (size_t i = 0; i < n; i++) {
        ko_status st = fn(json_array_get(list, i), i, items + i * size, ctx, arena, err);
        if (st != KO_OK)
            return st;
    }
    *out = items;
    *n_out = (uint32_t)n;
    return KO_OK;
}

/* ---------------------------------------------------------------- reading */

typedef struct meta_ctx {
    int32_t version;
} meta_ctx;

static ko_status schema_elem(const json_t *j, size_t i, void *out, void *ctx, ko_arena *arena,
                             ko_err *err)
{
    const meta_ctx *c = ctx;
    ko_status st = ko_ice_schema_from_json(j, c->version >= 2, arena, out, err);
    return st == KO_OK ? KO_OK : ko_err_prefix(err, "schemas[%zu]", i);
}

/* v1 specs may lack partition field ids: they default to 1000, 1001 ... */
static ko_status spec_elem(const json_t *j, size_t i, void *out, void *ctx, ko_arena *arena,
                           ko_err *err)
{
    const meta_ctx *c = ctx;
    int32_t spec_id = 0;
    const json_t *fields = NULL;
    ko_status st = KO_OK;
    if (c->version >= 2) {
        st = ko_ice_spec_from_json(j, arena, out, err);
    } else {
        st = ko_ice_json_i32(j, "partition spec", "spec-id", &spec_id, err);
        if (st == KO_OK)
            st = ko_ice_json_array(j, "partition spec", "fields", true, &fields, err);
        if (st == KO_OK)
            st = ko_ice_spec_from_json_fields(fields, spec_id, arena, out, err);
    }
    return st == KO_OK ? KO_OK : ko_err_prefix(err, "partition-specs[%zu]", i);
}

static ko_status order_elem(const json_t *j, size_t i, void *out, void *ctx, ko_arena *arena,
                            ko_err *err)
{
    (void)ctx;
    ko_status st = ko_ice_sort_order_from_json(j, arena, out, err);
    return st == KO_OK ? KO_OK : ko_err_prefix(err, "sort-orders[%zu]", i);
}

static ko_status summary_from_json(const json_t *sum, const char *what, ko_arena *arena,
                                   ko_ice_snapshot *s, ko_err *err)
{
    ko_ice_kv *kv = NULL;
    uint32_t n = 0;
    ko_status st = ko_ice_json_string_map(sum, what, arena, &kv, &n, err);
    if (st != KO_OK)
        return st;
    s->summary = kv;
    for (uint32_t i = 0; i < n; i++) {
        if (strcmp(kv[i].key, "operation") != 0)
            kv[s->n_summary++] = kv[i];
        else
            s->operation = kv[i].value;
    }
    return KO_OK;
}

static ko_status manifests_from_json(const json_t *list, const char *what, ko_arena *arena,
                                     ko_ice_snapshot *s, ko_err *err)
{
    size_t n = json_array_size(list);
    s->manifests = ko_arena_calloc(arena, n ? n : 1, sizeof *s->manifests);
    if (!s->manifests)
        return nomem(err);
    for (size_t i = 0; i < n; i++) {
        const char *m = json_string_value(json_array_get(list, i));
        if (!m)
            return ko_err_set(err, KO_ERR_CORRUPT, "%s: manifests[%zu] is not a string", what, i);
        if (!(s->manifests[i] = ko_arena_strdup(arena, m)))
            return nomem(err);
    }
    s->n_manifests = (uint32_t)n;
    return KO_OK;
}

/* manifest-list (v2), or v1's manifests list; summary with operation. */
static ko_status snapshot_files(const json_t *j, const char *what, bool v2, ko_arena *arena,
                                ko_ice_snapshot *s, ko_err *err)
{
    const json_t *manifests = NULL, *sum = NULL;
    ko_status st = ko_ice_json_opt_str(j, what, "manifest-list", arena, &s->manifest_list, err);
    if (st == KO_OK && !s->manifest_list)
        st =
            v2 ? ko_err_set(err, KO_ERR_CORRUPT, "%s: missing required field 'manifest-list'", what)
               : ko_ice_json_array(j, what, "manifests", false, &manifests, err);
    if (st == KO_OK && manifests)
        st = manifests_from_json(manifests, what, arena, s, err);
    if (st == KO_OK)
        st = ko_ice_json_object(j, what, "summary", v2, &sum, err);
    if (st == KO_OK && sum)
        st = summary_from_json(sum, what, arena, s, err);
    if (st == KO_OK && v2 && !s->operation)
        st = ko_err_set(err, KO_ERR_CORRUPT, "%s: the summary has no 'operation'", what);
    return st;
}

static ko_status snapshot_elem(const json_t *j, size_t i, void *out, void *ctx, ko_arena *arena,
                               ko_err *err)
{
    const meta_ctx *c = ctx;
    ko_ice_snapshot *s = out;
    char what[64];
    snprintf(what, sizeof what, "snapshots[%zu]", i);
    *s = (ko_ice_snapshot){.parent_id = -1, .schema_id = -1};
    ko_status st = ko_ice_json_i64(j, what, "snapshot-id", &s->snapshot_id, err);
    if (st != KO_OK)
        return st;
    snprintf(what, sizeof what, "snapshot %lld", (long long)s->snapshot_id);
    bool has = false;
    st = ko_ice_json_opt_i64(j, what, "parent-snapshot-id", &s->parent_id, &has, err);
    if (st == KO_OK)
        st = ko_ice_json_opt_i64(j, what, "sequence-number", &s->sequence_number, &has, err);
    if (st == KO_OK && !has && c->version >= 2)
        st = ko_err_set(err, KO_ERR_CORRUPT, "%s: missing required field 'sequence-number'", what);
    if (st == KO_OK)
        st = ko_ice_json_i64(j, what, "timestamp-ms", &s->timestamp_ms, err);
    if (st == KO_OK)
        st = ko_ice_json_opt_i32(j, what, "schema-id", &s->schema_id, &has, err);
    if (st == KO_OK)
        st = snapshot_files(j, what, c->version >= 2, arena, s, err);
    return st;
}

static ko_status snapshot_log_elem(const json_t *j, size_t i, void *out, void *ctx, ko_arena *arena,
                                   ko_err *err)
{
    (void)ctx, (void)arena;
    ko_ice_snapshot_log_entry *e = out;
    char what[64];
    snprintf(what, sizeof what, "snapshot-log[%zu]", i);
    ko_status st = ko_ice_json_i64(j, what, "timestamp-ms", &e->timestamp_ms, err);
    return st == KO_OK ? ko_ice_json_i64(j, what, "snapshot-id", &e->snapshot_id, err) : st;
}

static ko_status metadata_log_elem(const json_t *j, size_t i, void *out, void *ctx, ko_arena *arena,
                                   ko_err *err)
{
    (void)ctx;
    ko_ice_metadata_log_entry *e = out;
    char what[64];
    snprintf(what, sizeof what, "metadata-log[%zu]", i);
    ko_status st = ko_ice_json_i64(j, what, "timestamp-ms", &e->timestamp_ms, err);
    return st == KO_OK ? ko_ice_json_str(j, what, "metadata-file", arena, &e->metadata_file, err)
                       : st;
}

static ko_status ref_retention(const json_t *j, const char *what, ko_ice_ref *r, ko_err *err)
{
    bool has = false;
    ko_status st =
        ko_ice_json_opt_i32(j, what, "min-snapshots-to-keep", &r->min_snapshots_to_keep, &has, err);
    if (st == KO_OK && has && r->min_snapshots_to_keep <= 0)
        st = ko_err_set(err, KO_ERR_CORRUPT, "%s: min-snapshots-to-keep must be positive", what);
    if (st == KO_OK)
        st =
            ko_ice_json_opt_i64(j, what, "max-snapshot-age-ms", &r->max_snapshot_age_ms, &has, err);
    if (st == KO_OK && has && r->max_snapshot_age_ms <= 0)
        st = ko_err_set(err, KO_ERR_CORRUPT, "%s: max-snapshot-age-ms must be positive", what);
    if (st == KO_OK)
        st = ko_ice_json_opt_i64(j, what, "max-ref-age-ms", &r->max_ref_age_ms, &has, err);
    if (st == KO_OK && has && r->max_ref_age_ms <= 0)
        st = ko_err_set(err, KO_ERR_CORRUPT, "%s: max-ref-age-ms must be positive", what);
    return st;
}

static ko_status ref_from_json(const char *name, const json_t *j, ko_arena *arena, ko_ice_ref *r,
                               ko_err *err)
{
    char what[160];
    snprintf(what, sizeof what, "ref '%s'", name);
    *r = (ko_ice_ref){.name = ko_arena_strdup(arena, name)};
    if (!r->name)
        return nomem(err);
    if (!json_is_object(j))
        return ko_err_set(err, KO_ERR_CORRUPT, "%s is not an object", what);
    ko_status st = ko_ice_json_i64(j, what, "snapshot-id", &r->snapshot_id, err);
    const char *type = json_string_value(json_object_get(j, "type"));
    if (st == KO_OK && (!type || (strcmp(type, "branch") != 0 && strcmp(type, "tag") != 0)))
        st = ko_err_set(err, KO_ERR_CORRUPT, "%s: 'type' must be \"branch\" or \"tag\"", what);
    if (st != KO_OK)
        return st;
    r->type = strcmp(type, "tag") == 0 ? KO_ICE_REF_TAG : KO_ICE_REF_BRANCH;
    return ref_retention(j, what, r, err);
}

static ko_status refs_from_json(const json_t *refs, ko_arena *arena, ko_ice_table_meta *m,
                                ko_err *err)
{
    size_t n = json_object_size(refs);
    m->refs = ko_arena_calloc(arena, n ? n : 1, sizeof *m->refs);
    if (!m->refs)
        return nomem(err);
    const char *name;
    json_t *v;
    json_object_foreach((json_t *)refs, name, v)
    {
        ko_status st = ref_from_json(name, v, arena, &m->refs[m->n_refs], err);
        if (st != KO_OK)
            return st;
        m->n_refs++;
    }
    return KO_OK;
}

static ko_status opaque(const json_t *j, const char *key, ko_arena *arena, const char **out,
                        ko_err *err)
{
    const json_t *v = json_object_get(j, key);
    *out = NULL;
    if (!v || json_is_null(v))
        return KO_OK;
    if (!json_is_array(v))
        return ko_err_set(err, KO_ERR_CORRUPT, "table metadata: field '%s' must be a list", key);
    char *text = json_dumps(v, JSON_COMPACT | JSON_REAL_PRECISION(17));
    *out = text ? ko_arena_strdup(arena, text) : NULL;
    free(text);
    return *out ? KO_OK : nomem(err);
}

static bool known_key(const char *key)
{
    for (size_t i = 0; i < KO_ARRAY_LEN(KNOWN_KEYS); i++)
        if (strcmp(KNOWN_KEYS[i], key) == 0)
            return true;
    return false;
}

static ko_status extras(const json_t *j, ko_arena *arena, const char **out, ko_err *err)
{
    json_t *x = json_object();
    const char *key;
    json_t *v;
    int rc = x ? 0 : -1;
    json_object_foreach((json_t *)j, key, v)
    {
        if (rc == 0 && !known_key(key))
            rc = json_object_set(x, key, v);
    }
    char *text = rc == 0 && json_object_size(x) ? json_dumps(x, JSON_COMPACT) : NULL;
    json_decref(x);
    if (rc != 0)
        return nomem(err);
    *out = text ? ko_arena_strdup(arena, text) : NULL;
    bool ok = !text || *out;
    free(text);
    return ok ? KO_OK : nomem(err);
}

/* ----------------------------------------------------- reading: sections */

static const char *const META = "table metadata";

static ko_status read_header(const json_t *j, ko_arena *arena, ko_ice_table_meta *m, ko_err *err)
{
    ko_status st = ko_ice_json_i32(j, META, "format-version", &m->format_version, err);
    if (st == KO_OK && (m->format_version < 1 || m->format_version > 2))
        return ko_err_set(err, KO_ERR_UNSUPPORTED,
                          "table metadata: format-version %d is not supported (1 and 2 are)",
                          (int)m->format_version);
    const char *uuid = NULL;
    bool has = false;
    if (st == KO_OK)
        st = m->format_version >= 2 ? ko_ice_json_str(j, META, "table-uuid", arena, &uuid, err)
                                    : ko_ice_json_opt_str(j, META, "table-uuid", arena, &uuid, err);
    if (st == KO_OK && uuid && ko_uuid_parse(uuid, &m->table_uuid, err) != KO_OK)
        return ko_err_prefix(err, "table metadata: table-uuid");
    if (st == KO_OK)
        st = ko_ice_json_str(j, META, "location", arena, &m->location, err);
    if (st == KO_OK)
        st = ko_ice_json_opt_i64(j, META, "last-sequence-number", &m->last_sequence_number, &has,
                                 err);
    if (st == KO_OK && !has && m->format_version >= 2)
        st = ko_err_set(err, KO_ERR_CORRUPT,
                        "table metadata: missing required field 'last-sequence-number'");
    if (st == KO_OK)
        st = ko_ice_json_i64(j, META, "last-updated-ms", &m->last_updated_ms, err);
    if (st == KO_OK)
        st = ko_ice_json_i32(j, META, "last-column-id", &m->last_column_id, err);
    return st;
}

static ko_status read_schemas(const json_t *j, meta_ctx *c, ko_arena *arena, ko_ice_table_meta *m,
                              ko_err *err)
{
    const json_t *list = NULL, *single = json_object_get(j, "schema");
    bool v1 = c->version == 1;
    ko_status st = ko_ice_json_array(j, META, "schemas", !v1 || !single, &list, err);
    if (st == KO_OK && list)
        st = parse_list(list, sizeof(ko_ice_schema), schema_elem, c, arena, (void **)&m->schemas,
                        &m->n_schemas, err);
    else if (st == KO_OK) {
        m->schemas = ko_arena_calloc(arena, 1, sizeof *m->schemas);
        m->n_schemas = m->schemas ? 1 : 0;
        st = m->schemas ? ko_ice_schema_from_json(single, false, arena, m->schemas, err)
                        : nomem(err);
    }
    bool has = false;
    m->current_schema_id = m->n_schemas ? m->schemas[0].schema_id : 0;
    if (st == KO_OK)
        st = ko_ice_json_opt_i32(j, META, "current-schema-id", &m->current_schema_id, &has, err);
    if (st == KO_OK && !has && (list || !v1))
        st = ko_err_set(err, KO_ERR_CORRUPT,
                        "table metadata: missing required field 'current-schema-id'");
    return st;
}

static int32_t max_partition_field_id(const ko_ice_table_meta *m)
{
    int32_t id = KO_ICE_FIRST_PARTITION_ID - 1;
    for (uint32_t i = 0; i < m->n_specs; i++)
        for (uint32_t k = 0; k < m->specs[i].n_fields; k++)
            if (m->specs[i].fields[k].field_id > id)
                id = m->specs[i].fields[k].field_id;
    return id;
}

static ko_status read_specs(const json_t *j, meta_ctx *c, ko_arena *arena, ko_ice_table_meta *m,
                            ko_err *err)
{
    const json_t *list = NULL, *single = json_object_get(j, "partition-spec");
    bool v1 = c->version == 1, has = false;
    ko_status st = ko_ice_json_array(j, META, "partition-specs", !v1 || !single, &list, err);
    if (st == KO_OK && list)
        st = parse_list(list, sizeof(ko_ice_partition_spec), spec_elem, c, arena,
                        (void **)&m->specs, &m->n_specs, err);
    else if (st == KO_OK) {
        m->specs = ko_arena_calloc(arena, 1, sizeof *m->specs);
        m->n_specs = m->specs ? 1 : 0;
        st = m->specs ? ko_ice_spec_from_json_fields(single, 0, arena, m->specs, err) : nomem(err);
    }
    m->default_spec_id = m->n_specs ? m->specs[0].spec_id : 0;
    if (st == KO_OK)
        st = ko_ice_json_opt_i32(j, META, "default-spec-id", &m->default_spec_id, &has, err);
    if (st == KO_OK && !has && !v1)
        st = ko_err_set(err, KO_ERR_CORRUPT,
                        "table metadata: missing required field 'default-spec-id'");
    m->last_partition_id = max_partition_field_id(m);
    if (st == KO_OK)
        st = ko_ice_json_opt_i32(j, META, "last-partition-id", &m->last_partition_id, &has, err);
    if (st == KO_OK && !has && !v1)
        st = ko_err_set(err, KO_ERR_CORRUPT,
                        "table metadata: missing required field 'last-partition-id'");
    return st;
}

static ko_status read_orders(const json_t *j, meta_ctx *c, ko_arena *arena, ko_ice_table_meta *m,
                             ko_err *err)
{
    const json_t *list = NULL;
    bool v2 = c->version >= 2, has = false;
    ko_status st = ko_ice_json_array(j, META, "sort-orders", v2, &list, err);
    if (st == KO_OK && list)
        st = parse_list(list, sizeof(ko_ice_sort_order), order_elem, c, arena,
                        (void **)&m->sort_orders, &m->n_sort_orders, err);
    else if (st == KO_OK) { /* v1 without sort orders: unsorted */
        m->sort_orders = ko_arena_calloc(arena, 1, sizeof *m->sort_orders);
        m->n_sort_orders = 1;
        st = m->sort_orders ? KO_OK : nomem(err);
    }
    if (st == KO_OK)
        st = ko_ice_json_opt_i32(j, META, "default-sort-order-id", &m->default_sort_order_id, &has,
                                 err);
    if (st == KO_OK && !has && list)
        st = ko_err_set(err, KO_ERR_CORRUPT,
                        "table metadata: missing required field 'default-sort-order-id'");
    return st;
}

/* The implicit main branch of metadata without refs. */
static ko_status implicit_main(ko_arena *arena, ko_ice_table_meta *m, ko_err *err)
{
    m->refs = ko_arena_calloc(arena, 1, sizeof *m->refs);
    if (!m->refs)
        return nomem(err);
    m->refs[0] = (ko_ice_ref){
        .name = "main", .snapshot_id = m->current_snapshot_id, .type = KO_ICE_REF_BRANCH};
    m->n_refs = 1;
    return KO_OK;
}

static ko_status read_snapshots(const json_t *j, meta_ctx *c, ko_arena *arena, ko_ice_table_meta *m,
                                ko_err *err)
{
    const json_t *list = NULL, *refs = NULL;
    bool has = false;
    m->current_snapshot_id = -1;
    ko_status st =
        ko_ice_json_opt_i64(j, META, "current-snapshot-id", &m->current_snapshot_id, &has, err);
    if (st == KO_OK)
        st = ko_ice_json_array(j, META, "snapshots", false, &list, err);
    if (st == KO_OK && list)
        st = parse_list(list, sizeof(ko_ice_snapshot), snapshot_elem, c, arena,
                        (void **)&m->snapshots, &m->n_snapshots, err);
    if (st == KO_OK)
        st = ko_ice_json_array(j, META, "snapshot-log", false, &list, err);
    if (st == KO_OK && list)
        st = parse_list(list, sizeof(ko_ice_snapshot_log_entry), snapshot_log_elem, c, arena,
                        (void **)&m->snapshot_log, &m->n_snapshot_log, err);
    if (st == KO_OK)
        st = ko_ice_json_array(j, META, "metadata-log", false, &list, err);
    if (st == KO_OK && list)
        st = parse_list(list, sizeof(ko_ice_metadata_log_entry), metadata_log_elem, c, arena,
                        (void **)&m->metadata_log, &m->n_metadata_log, err);
    if (st == KO_OK)
        st = ko_ice_json_object(j, META, "refs", false, &refs, err);
    if (st == KO_OK && refs)
        st = refs_from_json(refs, arena, m, err);
    else if (st == KO_OK && m->current_snapshot_id != -1)
        st = implicit_main(arena, m, err);
    return st;
}

static ko_status read_rest(const json_t *j, ko_arena *arena, ko_ice_table_meta *m, ko_err *err)
{
    const json_t *props = NULL;
    ko_status st = ko_ice_json_object(j, META, "properties", false, &props, err);
    if (st == KO_OK)
        st = ko_ice_json_string_map(props, "table properties", arena, &m->properties,
                                    &m->n_properties, err);
    if (st == KO_OK)
        st = opaque(j, "statistics", arena, &m->statistics, err);
    if (st == KO_OK)
        st = opaque(j, "partition-statistics", arena, &m->partition_statistics, err);
    if (st == KO_OK)
        st = extras(j, arena, &m->extra, err);
    return st;
}

ko_status ko_ice_meta_from_json(const json_t *j, ko_arena *arena, ko_ice_table_meta *out,
                                ko_err *err)
{
    *out = (ko_ice_table_meta){.current_snapshot_id = -1};
    if (!json_is_object(j))
        return ko_err_set(err, KO_ERR_CORRUPT, "table metadata: not a JSON object");
    ko_status st = read_header(j, arena, out, err);
    meta_ctx c = {.version = out->format_version};
    if (st == KO_OK)
        st = read_schemas(j, &c, arena, out, err);
    if (st == KO_OK)
        st = read_specs(j, &c, arena, out, err);
    if (st == KO_OK)
        st = read_orders(j, &c, arena, out, err);
    if (st == KO_OK)
        st = read_snapshots(j, &c, arena, out, err);
    if (st == KO_OK)
        st = read_rest(j, arena, out, err);
    if (st == KO_OK)
        st = ko_ice_meta_validate(out, err);
    if (st == KO_ERR_INVALID) { /* bad content read from a file */
        st = KO_ERR_CORRUPT;
        if (err)
            err->status = st;
    }
    return st;
}

ko_status ko_ice_meta_parse(const char *text, size_t len, ko_arena *arena, ko_ice_table_meta *out,
                            ko_err *err)
{
    json_t *j = NULL;
    ko_status st = ko_ice_json_load(text, len, META, &j, err);
    if (st != KO_OK)
        return st;
    st = ko_ice_meta_from_json(j, arena, out, err);
    json_decref(j);
    return st;
}
