/*
 * table_info.c - looking at a table: a snapshot's manifest list and
 * manifests as read through the warehouse store, its live files, and the
 * JSON that `korolev table describe|history|files` prints.
 *
 * Metric maps and bounds are shown keyed by column name (the current
 * schema's, falling back to any schema that has the id, then the id
 * itself); bounds and partition values are decoded from their binary
 * form into the spec's JSON single-value form.
 */
#include "iceberg/table_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* -------------------------------------------------------------- reading */

ko_status kt_read_manifest_list(const ko_ice_warehouse *wh, const ko_ice_snapshot *s,
                                ko_arena *arena, ko_ice_manifest_file **out, size_t *n, ko_err *err)
{
    if (!s->manifest_list)
        return ko_err_set(err, KO_ERR_UNSUPPORTED,
                          "snapshot %" PRId64 " lists manifests without a manifest list (v1)",
                          s->snapshot_id);
    ko_buf buf = {0};
    ko_status st = kt_read_location(wh, s->manifest_list, arena, &buf, err);
    if (st == KO_OK)
        st = ko_ice_manifest_list_read(buf.data, buf.len, s->manifest_list, arena, out, n, err);
    ko_buf_free(&buf);
    return st;
}

ko_status kt_read_manifest(const ko_ice_warehouse *wh, const ko_ice_table_meta *meta,
                           const ko_ice_manifest_file *from, ko_arena *arena, ko_ice_manifest *out,
                           ko_err *err)
{
    ko_buf buf = {0};
    ko_status st = kt_read_location(wh, from->manifest_path, arena, &buf, err);
    if (st == KO_OK)
        st = ko_ice_manifest_read(buf.data, buf.len, from->manifest_path, from, meta, arena, out,
                                  err);
    ko_buf_free(&buf);
    return st;
}

static ko_status append_live(const ko_ice_manifest *m, ko_ice_manifest_entry **arr, size_t *n,
                             size_t *cap, ko_arena *arena, ko_err *err)
{
    for (size_t e = 0; e < m->n_entries; e++) {
        if (m->entries[e].status == KO_ICE_ENTRY_DELETED)
            continue;
        if (*n == *cap) {
            size_t nc = *cap ? 2 * *cap : 64;
            ko_ice_manifest_entry *a = ko_arena_calloc(arena, nc, sizeof *a);
            if (!a)
                return kt_nomem(err);
            ko_memcpy0(a, *arr, *n * sizeof *a);
            *arr = a;
            *cap = nc;
        }
        (*arr)[(*n)++] = m->entries[e];
    }
    return KO_OK;
}

ko_status ko_ice_table_files(const ko_ice_warehouse *wh, const ko_ice_table *t, int64_t snapshot_id,
                             ko_arena *arena, ko_ice_manifest_entry **out, size_t *n_out,
                             ko_err *err)
{
    KT_NEED_ERR(err);
    *out = NULL;
    *n_out = 0;
    const ko_ice_snapshot *s = snapshot_id < 0 ? ko_ice_meta_current_snapshot(&t->meta)
                                               : ko_ice_meta_snapshot(&t->meta, snapshot_id);
    if (!s && snapshot_id >= 0)
        return ko_err_set(err, KO_ERR_NOT_FOUND, "table %s has no snapshot %" PRId64, t->ident,
                          snapshot_id);
    if (!s)
        return KO_OK;
    ko_ice_manifest_file *mfs = NULL;
    size_t n = 0, cap = 0;
    ko_status st = kt_read_manifest_list(wh, s, arena, &mfs, &n, err);
    for (size_t i = 0; st == KO_OK && i < n; i++) {
        ko_ice_manifest m;
        st = kt_read_manifest(wh, &t->meta, &mfs[i], arena, &m, err);
        if (st == KO_OK)
            st = append_live(&m, out, n_out, &cap, arena, err);
    }
    return st != KO_OK ? ko_err_prefix(err, "table %s", t->ident) : KO_OK;
}

/* --------------------------------------------------------------- helpers */

static ko_status oom(json_t *j, ko_err *err)
{
    json_decref(j);
    return kt_nomem(err);
}

static json_t *kv_object(const ko_ice_kv *kv, uint32_t n)
{
    json_t *o = json_object();
    for (uint32_t i = 0; o && i < n; i++)
        json_object_set_new(o, kv[i].key, json_string(kv[i].value));
    return o;
}

static json_t *snapshot_summary(const ko_ice_snapshot *s)
{
    json_t *o = kv_object(s->summary, s->n_summary);
    if (o && s->operation)
        json_object_set_new(o, "operation", json_string(s->operation));
    return o;
}

static json_t *snapshot_json(const ko_ice_table_meta *m, const ko_ice_snapshot *s)
{
    return json_pack(
        "{s:I, s:o, s:I, s:I, s:s?, s:o, s:b, s:s?}", "snapshot-id", (json_int_t)s->snapshot_id,
        "parent-snapshot-id", s->parent_id >= 0 ? json_integer(s->parent_id) : json_null(),
        "sequence-number", (json_int_t)s->sequence_number, "timestamp-ms",
        (json_int_t)s->timestamp_ms, "operation", s->operation, "summary", snapshot_summary(s),
        "is-current", s->snapshot_id == m->current_snapshot_id, "manifest-list", s->manifest_list);
}

/* ---------------------------------------------------------------- views */

ko_status ko_ice_table_describe_json(const ko_ice_table *t, json_t **out, ko_err *err)
{
    KT_NEED_ERR(err);
    const ko_ice_table_meta *m = &t->meta;
    json_t *schema = NULL, *spec = NULL, *order = NULL;
    ko_status st = ko_ice_schema_to_json(ko_ice_meta_current_schema(m), &schema, err);
    if (st == KO_OK)
        st = ko_ice_spec_to_json(ko_ice_meta_default_spec(m), &spec, err);
    const ko_ice_sort_order *so = ko_ice_meta_sort_order(m, m->default_sort_order_id);
    if (st == KO_OK && so)
        st = ko_ice_sort_order_to_json(so, &order, err);
    char uuid[KO_UUID_STR_LEN + 1];
    ko_uuid_format(&m->table_uuid, uuid);
    const ko_ice_snapshot *cur = ko_ice_meta_current_snapshot(m);
    json_t *j =
        st != KO_OK
            ? NULL
            : json_pack("{s:s, s:s, s:s, s:s, s:i, s:o, s:o, s:o, s:o, s:o, s:o, "
                        "s:i}",
                        "table", t->ident, "metadata-location", t->metadata_location, "location",
                        m->location, "table-uuid", uuid, "format-version", m->format_version,
                        "current-snapshot-id", cur ? json_integer(cur->snapshot_id) : json_null(),
                        "schema", schema, "partition-spec", spec, "sort-order",
                        order ? order : json_null(), "properties",
                        kv_object(m->properties, m->n_properties), "current-snapshot",
                        cur ? snapshot_json(m, cur) : json_null(), "snapshots",
                        (int)m->n_snapshots);
    if (st != KO_OK) {
        json_decref(schema);
        json_decref(spec);
        json_decref(order);
        return st;
    }
    *out = j;
    return j ? KO_OK : kt_nomem(err);
}

ko_status ko_ice_table_history_json(const ko_ice_table *t, json_t **out, ko_err *err)
{
    KT_NEED_ERR(err);
    json_t *a = json_array();
    for (uint32_t i = 0; a && i < t->meta.n_snapshots; i++) {
        json_t *s = snapshot_json(&t->meta, &t->meta.snapshots[i]);
        if (!s || json_array_append_new(a, s) != 0)
            return oom(a, err);
    }
    *out = a;
    return a ? KO_OK : kt_nomem(err);
}

/* ---------------------------------------------------------------- files */

static const ko_ice_schema_entry *column_of(const ko_ice_table_meta *m, int32_t id)
{
    const ko_ice_schema_entry *e = ko_ice_schema_entry_by_id(ko_ice_meta_current_schema(m), id);
    for (uint32_t i = 0; !e && i < m->n_schemas; i++)
        e = ko_ice_schema_entry_by_id(&m->schemas[i], id);
    return e;
}

static const char *column_key(const ko_ice_table_meta *m, int32_t id, char buf[16])
{
    const ko_ice_schema_entry *e = column_of(m, id);
    if (e)
        return e->name;
    snprintf(buf, 16, "%d", (int)id);
    return buf;
}

static json_t *counts_json(const ko_ice_table_meta *m, const ko_ice_id_count *c, uint32_t n)
{
    json_t *o = json_object();
    for (uint32_t i = 0; o && i < n; i++) {
        char b[16];
        json_object_set_new(o, column_key(m, c[i].field_id, b), json_integer(c[i].value));
    }
    return o;
}

static json_t *hex_json(const ko_ice_bytes *b)
{
    char *s = malloc(2 * b->len + 1);
    if (!s)
        return NULL;
    for (size_t i = 0; i < b->len; i++)
        snprintf(s + 2 * i, 3, "%02x", b->ptr[i]);
    s[2 * b->len] = '\0';
    json_t *j = json_string(s);
    free(s);
    return j;
}

static json_t *bound_json(const ko_ice_table_meta *m, const ko_ice_id_bound *b)
{
    const ko_ice_schema_entry *e = column_of(m, b->field_id);
    ko_ice_value v;
    json_t *j = NULL;
    if (e &&
        ko_ice_value_from_bytes(&e->field->type, b->value.ptr, b->value.len, &v, NULL) == KO_OK)
        (void)ko_ice_value_to_json(&e->field->type, &v, &j, NULL);
    return j ? j : hex_json(&b->value);
}

static json_t *bounds_json(const ko_ice_table_meta *m, const ko_ice_id_bound *b, uint32_t n)
{
    json_t *o = json_object();
    for (uint32_t i = 0; o && i < n; i++) {
        char k[16];
        json_object_set_new(o, column_key(m, b[i].field_id, k), bound_json(m, &b[i]));
    }
    return o;
}

static json_t *partition_json(const ko_ice_table_meta *m, const ko_ice_data_file *f)
{
    const ko_ice_partition_spec *spec = ko_ice_meta_spec(m, f->spec_id);
    json_t *o = json_object();
    for (uint32_t i = 0; o && i < f->n_partition; i++) {
        const ko_ice_value *v = &f->partition[i];
        ko_ice_type t = {
            .id = v->type, .precision = 38, .scale = v->scale, .length = (int32_t)v->len};
        json_t *j = NULL;
        if (v->is_null || ko_ice_value_to_json(&t, v, &j, NULL) != KO_OK)
            j = json_null();
        char name[24];
        snprintf(name, sizeof name, "field-%u", i);
        json_object_set_new(o, spec && i < spec->n_fields ? spec->fields[i].name : name, j);
    }
    return o;
}

static json_t *offsets_json(const ko_ice_data_file *f)
{
    json_t *a = json_array();
    for (uint32_t i = 0; a && i < f->n_split_offsets; i++)
        json_array_append_new(a, json_integer(f->split_offsets[i]));
    return a;
}

static json_t *file_json(const ko_ice_table_meta *m, const ko_ice_manifest_entry *e)
{
    const ko_ice_data_file *f = &e->data_file;
    static const char *const contents[] = {"data", "position-deletes", "equality-deletes"};
    return json_pack(
        "{s:s, s:s, s:s, s:I, s:I, s:o, s:I, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "content",
        contents[f->content <= 2 ? f->content : 0], "file-path", f->file_path, "file-format",
        f->file_format, "snapshot-id", (json_int_t)e->snapshot_id, "sequence-number",
        (json_int_t)e->sequence_number, "partition", partition_json(m, f), "record-count",
        (json_int_t)f->record_count, "file-size-in-bytes", (json_int_t)f->file_size_in_bytes,
        "column-sizes", counts_json(m, f->column_sizes, f->n_column_sizes), "value-counts",
        counts_json(m, f->value_counts, f->n_value_counts), "null-value-counts",
        counts_json(m, f->null_value_counts, f->n_null_value_counts), "nan-value-counts",
        counts_json(m, f->nan_value_counts, f->n_nan_value_counts), "lower-bounds",
        bounds_json(m, f->lower_bounds, f->n_lower_bounds), "upper-bounds",
        bounds_json(m, f->upper_bounds, f->n_upper_bounds), "split-offsets", offsets_json(f));
}

ko_status ko_ice_table_files_json(const ko_ice_table *t, const ko_ice_manifest_entry *entries,
                                  size_t n, json_t **out, ko_err *err)
{
    KT_NEED_ERR(err);
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++) {
        json_t *f = file_json(&t->meta, &entries[i]);
        if (!f || json_array_append_new(a, f) != 0)
            return oom(a, err);
    }
    *out = a;
    return a ? KO_OK : kt_nomem(err);
}
