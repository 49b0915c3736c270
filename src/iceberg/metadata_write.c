/*
 * metadata_write.c - table metadata: consistency checks and JSON output.
 *
 * ko_ice_meta_validate holds the invariants every reader relies on (the
 * current schema, default spec and sort order exist, ids are unique, the
 * id high-water marks are high enough, refs point at snapshots and main
 * agrees with current-snapshot-id).  It runs after parsing and before
 * writing, so a metadata file Korolev writes has passed it.  It is lenient
 * where the spec is: expired parents and snapshot-log entries may name
 * snapshots that are gone.
 *
 * Output follows Java's TableMetadataParser member order; jansson objects
 * keep insertion order, so the text diffs cleanly against Java's.
 */
#include "iceberg/iceberg.h"

#include <stdio.h>
#include <string.h>

static ko_status bad(ko_err *err, const char *fmt, ...) KO_PRINTF(2, 3);

static ko_status bad(ko_err *err, const char *fmt, ...)
{
    char msg[KO_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return ko_err_set(err, KO_ERR_CORRUPT, "table metadata: %s", msg);
}

/* ------------------------------------------------------------ validation */

static ko_status check_schemas(const ko_ice_table_meta *m, ko_err *err)
{
    if (m->n_schemas == 0)
        return bad(err, "no schemas");
    for (uint32_t i = 0; i < m->n_schemas; i++) {
        const ko_ice_schema *s = &m->schemas[i];
        for (uint32_t k = 0; k < i; k++)
            if (m->schemas[k].schema_id == s->schema_id)
                return bad(err, "schema id %d appears twice", (int)s->schema_id);
        if (s->highest_id > m->last_column_id)
            return bad(err, "schema %d uses field id %d above last-column-id %d", (int)s->schema_id,
                       (int)s->highest_id, (int)m->last_column_id);
    }
    if (!ko_ice_meta_current_schema(m))
        return bad(err, "current-schema-id %d is not one of the schemas",
                   (int)m->current_schema_id);
    return KO_OK;
}

static ko_status check_default_spec(const ko_ice_table_meta *m, ko_err *err)
{
    const ko_ice_partition_spec *s = ko_ice_meta_default_spec(m);
    const ko_ice_schema *schema = ko_ice_meta_current_schema(m);
    if (!s)
        return bad(err, "default-spec-id %d is not one of the partition specs",
                   (int)m->default_spec_id);
    for (uint32_t i = 0; i < s->n_fields; i++)
        if (!ko_ice_schema_find_id(schema, s->fields[i].source_id))
            return bad(err,
                       "default partition spec %d: field '%s' has source id %d, not a "
                       "column of the current schema",
                       (int)s->spec_id, s->fields[i].name, (int)s->fields[i].source_id);
    return KO_OK;
}

static ko_status check_specs(const ko_ice_table_meta *m, ko_err *err)
{
    if (m->n_specs == 0)
        return bad(err, "no partition specs");
    for (uint32_t i = 0; i < m->n_specs; i++) {
        const ko_ice_partition_spec *s = &m->specs[i];
        for (uint32_t k = 0; k < i; k++)
            if (m->specs[k].spec_id == s->spec_id)
                return bad(err, "partition spec id %d appears twice", (int)s->spec_id);
        for (uint32_t k = 0; k < s->n_fields; k++)
            if (s->fields[k].field_id > m->last_partition_id)
                return bad(err, "partition spec %d uses field id %d above last-partition-id %d",
                           (int)s->spec_id, (int)s->fields[k].field_id, (int)m->last_partition_id);
    }
    return check_default_spec(m, err);
}

static ko_status check_orders(const ko_ice_table_meta *m, ko_err *err)
{
    for (uint32_t i = 0; i < m->n_sort_orders; i++)
        for (uint32_t k = 0; k < i; k++)
            if (m->sort_orders[k].order_id == m->sort_orders[i].order_id)
                return bad(err, "sort order id %d appears twice", (int)m->sort_orders[i].order_id);
    if (!ko_ice_meta_sort_order(m, m->default_sort_order_id))
        return bad(err, "default-sort-order-id %d is not one of the sort orders",
                   (int)m->default_sort_order_id);
    return KO_OK;
}

static ko_status check_snapshots(const ko_ice_table_meta *m, ko_err *err)
{
    for (uint32_t i = 0; i < m->n_snapshots; i++) {
        const ko_ice_snapshot *s = &m->snapshots[i];
        for (uint32_t k = 0; k < i; k++)
            if (m->snapshots[k].snapshot_id == s->snapshot_id)
                return bad(err, "snapshot id %lld appears twice", (long long)s->snapshot_id);
        if (m->format_version >= 2 && s->sequence_number > m->last_sequence_number)
            return bad(err,
                       "snapshot %lld has sequence number %lld above last-sequence-number "
                       "%lld",
                       (long long)s->snapshot_id, (long long)s->sequence_number,
                       (long long)m->last_sequence_number);
    }
    if (m->current_snapshot_id != -1 && !ko_ice_meta_current_snapshot(m))
        return bad(err, "current-snapshot-id %lld is not one of the snapshots",
                   (long long)m->current_snapshot_id);
    return KO_OK;
}

static ko_status check_refs(const ko_ice_table_meta *m, ko_err *err)
{
    for (uint32_t i = 0; i < m->n_refs; i++) {
        const ko_ice_ref *r = &m->refs[i];
        if (!ko_ice_meta_snapshot(m, r->snapshot_id))
            return bad(err, "ref '%s' points at snapshot %lld, which does not exist", r->name,
                       (long long)r->snapshot_id);
        if (strcmp(r->name, "main") != 0)
            continue;
        if (r->type != KO_ICE_REF_BRANCH)
            return bad(err, "ref 'main' must be a branch");
        if (r->snapshot_id != m->current_snapshot_id)
            return bad(err, "ref 'main' (snapshot %lld) disagrees with current-snapshot-id %lld",
                       (long long)r->snapshot_id, (long long)m->current_snapshot_id);
    }
    return KO_OK;
}

ko_status ko_ice_meta_validate(const ko_ice_table_meta *m, ko_err *err)
{
    if (m->format_version < 1 || m->format_version > 2)
        return bad(err, "format-version %d is not 1 or 2", (int)m->format_version);
    if (!m->location)
        return bad(err, "no location");
    ko_status st = check_schemas(m, err);
    if (st == KO_OK)
        st = check_specs(m, err);
    if (st == KO_OK)
        st = check_orders(m, err);
    if (st == KO_OK)
        st = check_snapshots(m, err);
    if (st == KO_OK)
        st = check_refs(m, err);
    return st;
}

/* --------------------------------------------------------------- writing */

/* Builders return NULL only when out of memory; set() absorbs NULLs into
 * a sticky failure flag so the callers can check once. */
typedef struct jw {
    bool failed;
} jw;

static void set(jw *w, json_t *o, const char *key, json_t *v)
{
    if (!o || !v) {
        json_decref(v);
        w->failed = true;
    } else if (json_object_set_new(o, key, v) != 0) { /* v is released */
        w->failed = true;
    }
}

static void append(jw *w, json_t *a, json_t *v)
{
    if (!a || !v) {
        json_decref(v);
        w->failed = true;
    } else if (json_array_append_new(a, v) != 0) {
        w->failed = true;
    }
}

static json_t *kv_json(jw *w, const ko_ice_kv *kv, uint32_t n)
{
    json_t *o = json_object();
    for (uint32_t i = 0; i < n; i++)
        set(w, o, kv[i].key, json_string(kv[i].value));
    return o;
}

static json_t *summary_json(jw *w, const ko_ice_snapshot *s)
{
    json_t *o = json_object();
    if (s->operation)
        set(w, o, "operation", json_string(s->operation));
    for (uint32_t i = 0; i < s->n_summary; i++)
        set(w, o, s->summary[i].key, json_string(s->summary[i].value));
    return o;
}

static json_t *snapshot_json(jw *w, const ko_ice_snapshot *s, bool v2)
{
    json_t *o = json_object();
    if (v2)
        set(w, o, "sequence-number", json_integer(s->sequence_number));
    set(w, o, "snapshot-id", json_integer(s->snapshot_id));
    if (s->parent_id != -1)
        set(w, o, "parent-snapshot-id", json_integer(s->parent_id));
    set(w, o, "timestamp-ms", json_integer(s->timestamp_ms));
    if (s->operation || s->n_summary)
        set(w, o, "summary", summary_json(w, s));
    if (s->manifest_list) {
        set(w, o, "manifest-list", json_string(s->manifest_list));
    } else {
        json_t *a = json_array();
        for (uint32_t i = 0; i < s->n_manifests; i++)
            append(w, a, json_string(s->manifests[i]));
        set(w, o, "manifests", a);
    }
    if (s->schema_id >= 0)
        set(w, o, "schema-id", json_integer(s->schema_id));
    return o;
}

static json_t *ref_json(jw *w, const ko_ice_ref *r)
{
    json_t *o = json_object();
    set(w, o, "snapshot-id", json_integer(r->snapshot_id));
    set(w, o, "type", json_string(r->type == KO_ICE_REF_TAG ? "tag" : "branch"));
    if (r->min_snapshots_to_keep > 0)
        set(w, o, "min-snapshots-to-keep", json_integer(r->min_snapshots_to_keep));
    if (r->max_snapshot_age_ms > 0)
        set(w, o, "max-snapshot-age-ms", json_integer(r->max_snapshot_age_ms));
    if (r->max_ref_age_ms > 0)
        set(w, o, "max-ref-age-ms", json_integer(r->max_ref_age_ms));
    return o;
}

static json_t *opaque_json(const char *text)
{
    return text ? json_loads(text, 0, NULL) : json_array();
}

static void put_schemas(jw *w, json_t *o, const ko_ice_table_meta *m)
{
    json_t *a = json_array(), *cur = NULL;
    for (uint32_t i = 0; i < m->n_schemas; i++) {
        json_t *s = NULL;
        if (ko_ice_schema_to_json(&m->schemas[i], &s, NULL) != KO_OK)
            w->failed = true;
        append(w, a, s);
        if (m->format_version == 1 && m->schemas[i].schema_id == m->current_schema_id)
            cur = json_incref(s);
    }
    if (cur)
        set(w, o, "schema", cur);
    set(w, o, "current-schema-id", json_integer(m->current_schema_id));
    set(w, o, "schemas", a);
}

static void put_specs(jw *w, json_t *o, const ko_ice_table_meta *m)
{
    json_t *a = json_array(), *fields = NULL;
    for (uint32_t i = 0; i < m->n_specs; i++) {
        json_t *s = NULL;
        if (ko_ice_spec_to_json(&m->specs[i], &s, NULL) != KO_OK)
            w->failed = true;
        append(w, a, s);
        if (s && m->format_version == 1 && m->specs[i].spec_id == m->default_spec_id)
            fields = json_incref(json_object_get(s, "fields"));
    }
    if (fields)
        set(w, o, "partition-spec", fields);
    set(w, o, "default-spec-id", json_integer(m->default_spec_id));
    set(w, o, "partition-specs", a);
    set(w, o, "last-partition-id", json_integer(m->last_partition_id));
}

static void put_orders(jw *w, json_t *o, const ko_ice_table_meta *m)
{
    json_t *a = json_array();
    for (uint32_t i = 0; i < m->n_sort_orders; i++) {
        json_t *s = NULL;
        if (ko_ice_sort_order_to_json(&m->sort_orders[i], &s, NULL) != KO_OK)
            w->failed = true;
        append(w, a, s);
    }
    set(w, o, "default-sort-order-id", json_integer(m->default_sort_order_id));
    set(w, o, "sort-orders", a);
}

static void put_snapshots(jw *w, json_t *o, const ko_ice_table_meta *m)
{
    json_t *refs = json_object(), *snaps = json_array();
    for (uint32_t i = 0; i < m->n_refs; i++)
        set(w, refs, m->refs[i].name, ref_json(w, &m->refs[i]));
    for (uint32_t i = 0; i < m->n_snapshots; i++)
        append(w, snaps, snapshot_json(w, &m->snapshots[i], m->format_version >= 2));
    set(w, o, "current-snapshot-id", json_integer(m->current_snapshot_id));
    set(w, o, "refs", refs);
    set(w, o, "snapshots", snaps);
    set(w, o, "statistics", opaque_json(m->statistics));
    set(w, o, "partition-statistics", opaque_json(m->partition_statistics));
}

static void put_logs(jw *w, json_t *o, const ko_ice_table_meta *m)
{
    json_t *slog = json_array(), *mlog = json_array();
    for (uint32_t i = 0; i < m->n_snapshot_log; i++) {
        json_t *e = json_object();
        set(w, e, "timestamp-ms", json_integer(m->snapshot_log[i].timestamp_ms));
        set(w, e, "snapshot-id", json_integer(m->snapshot_log[i].snapshot_id));
        append(w, slog, e);
    }
    for (uint32_t i = 0; i < m->n_metadata_log; i++) {
        json_t *e = json_object();
        set(w, e, "timestamp-ms", json_integer(m->metadata_log[i].timestamp_ms));
        set(w, e, "metadata-file", json_string(m->metadata_log[i].metadata_file));
        append(w, mlog, e);
    }
    set(w, o, "snapshot-log", slog);
    set(w, o, "metadata-log", mlog);
}

static void put_header(jw *w, json_t *o, const ko_ice_table_meta *m)
{
    char uuid[KO_UUID_STR_LEN + 1];
    ko_uuid_format(&m->table_uuid, uuid);
    set(w, o, "format-version", json_integer(m->format_version));
    set(w, o, "table-uuid", json_string(uuid));
    set(w, o, "location", json_string(m->location));
    if (m->format_version >= 2)
        set(w, o, "last-sequence-number", json_integer(m->last_sequence_number));
    set(w, o, "last-updated-ms", json_integer(m->last_updated_ms));
    set(w, o, "last-column-id", json_integer(m->last_column_id));
}

static void put_extra(jw *w, json_t *o, const char *extra)
{
    json_t *x = extra ? json_loads(extra, 0, NULL) : NULL;
    if (extra && (!x || json_object_update_missing(o, x) != 0))
        w->failed = true;
    json_decref(x);
}

ko_status ko_ice_meta_to_json(const ko_ice_table_meta *m, json_t **out, ko_err *err)
{
    ko_status st = ko_ice_meta_validate(m, err);
    if (st != KO_OK)
        return st;
    jw w = {0};
    json_t *o = json_object();
    put_header(&w, o, m);
    put_schemas(&w, o, m);
    put_specs(&w, o, m);
    put_orders(&w, o, m);
    set(&w, o, "properties", kv_json(&w, m->properties, m->n_properties));
    put_snapshots(&w, o, m);
    put_logs(&w, o, m);
    put_extra(&w, o, m->extra);
    if (w.failed || !o) {
        json_decref(o);
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory writing table metadata");
    }
    *out = o;
    return KO_OK;
}

ko_status ko_ice_meta_write_json(const ko_ice_table_meta *m, ko_buf *out, ko_err *err)
{
    json_t *j = NULL;
    ko_status st = ko_ice_meta_to_json(m, &j, err);
    if (st == KO_OK)
        st = ko_ice_json_dump(j, 2, out, err);
    json_decref(j);
    return st;
}
