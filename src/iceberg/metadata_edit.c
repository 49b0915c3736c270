/*
 * metadata_edit.c - table metadata: lookups, a new table's metadata, and
 * the small edits a commit makes (add a snapshot, move a ref, add a schema
 * or spec, set a property, log the previous metadata file).
 *
 * The model's lists are arena arrays.  An edit that grows one allocates a
 * new array one longer, copies, and swaps the pointer only once every
 * check has passed, so a failed edit leaves the metadata as it was (the
 * abandoned array stays in the arena until it is freed).  Everything an
 * edit stores is copied into the arena, so callers may pass temporaries.
 */
#include "iceberg/iceberg.h"

#include <string.h>

static ko_status nomem(ko_err *err)
{
    return ko_err_set(err, KO_ERR_NOMEM, "out of memory editing table metadata");
}

/* A copy of arr (n items of size) with room for one more at the end. */
static void *grow(ko_arena *arena, const void *arr, uint32_t n, size_t size)
{
    char *p = ko_arena_calloc(arena, (size_t)n + 1, size);
    if (p && n)
        memcpy(p, arr, (size_t)n * size);
    return p;
}

static const char *dup(ko_arena *arena, const char *s, bool *ok)
{
    if (!s)
        return NULL;
    const char *d = ko_arena_strdup(arena, s);
    *ok = *ok && d;
    return d;
}

/* ---------------------------------------------------------------- lookups */

const ko_ice_schema *ko_ice_meta_schema(const ko_ice_table_meta *m, int32_t schema_id)
{
    for (uint32_t i = 0; i < m->n_schemas; i++)
        if (m->schemas[i].schema_id == schema_id)
            return &m->schemas[i];
    return NULL;
}

const ko_ice_schema *ko_ice_meta_current_schema(const ko_ice_table_meta *m)
{
    return ko_ice_meta_schema(m, m->current_schema_id);
}

const ko_ice_partition_spec *ko_ice_meta_spec(const ko_ice_table_meta *m, int32_t spec_id)
{
    for (uint32_t i = 0; i < m->n_specs; i++)
        if (m->specs[i].spec_id == spec_id)
            return &m->specs[i];
    return NULL;
}

const ko_ice_partition_spec *ko_ice_meta_default_spec(const ko_ice_table_meta *m)
{
    return ko_ice_meta_spec(m, m->default_spec_id);
}

const ko_ice_sort_order *ko_ice_meta_sort_order(const ko_ice_table_meta *m, int32_t order_id)
{
    for (uint32_t i = 0; i < m->n_sort_orders; i++)
        if (m->sort_orders[i].order_id == order_id)
            return &m->sort_orders[i];
    return NULL;
}

const ko_ice_snapshot *ko_ice_meta_snapshot(const ko_ice_table_meta *m, int64_t snapshot_id)
{
    for (uint32_t i = 0; i < m->n_snapshots; i++)
        if (m->snapshots[i].snapshot_id == snapshot_id)
            return &m->snapshots[i];
    return NULL;
}

const ko_ice_snapshot *ko_ice_meta_current_snapshot(const ko_ice_table_meta *m)
{
    return m->current_snapshot_id == -1 ? NULL : ko_ice_meta_snapshot(m, m->current_snapshot_id);
}

const ko_ice_ref *ko_ice_meta_ref(const ko_ice_table_meta *m, const char *name)
{
    for (uint32_t i = 0; i < m->n_refs; i++)
        if (strcmp(m->refs[i].name, name) == 0)
            return &m->refs[i];
    return NULL;
}

const char *ko_ice_meta_property(const ko_ice_table_meta *m, const char *key)
{
    for (uint32_t i = 0; i < m->n_properties; i++)
        if (strcmp(m->properties[i].key, key) == 0)
            return m->properties[i].value;
    return NULL;
}

const char *ko_ice_snapshot_summary(const ko_ice_snapshot *s, const char *key)
{
    if (strcmp(key, "operation") == 0)
        return s->operation;
    for (uint32_t i = 0; i < s->n_summary; i++)
        if (strcmp(s->summary[i].key, key) == 0)
            return s->summary[i].value;
    return NULL;
}

/* ----------------------------------------------------------------- create */

static ko_status copy_kvs(const ko_ice_kv *src, uint32_t n, ko_arena *arena, ko_ice_kv **out,
                          ko_err *err)
{
    ko_ice_kv *kv = ko_arena_calloc(arena, n ? n : 1, sizeof *kv);
    bool ok = kv != NULL;
    for (uint32_t i = 0; ok && i < n; i++) {
        kv[i].key = dup(arena, src[i].key, &ok);
        kv[i].value = dup(arena, src[i].value, &ok);
    }
    *out = kv;
    return ok ? KO_OK : nomem(err);
}

static ko_status copy_spec(const ko_ice_partition_spec *src, int32_t spec_id, ko_arena *arena,
                           ko_ice_partition_spec *out, ko_err *err)
{
    *out = (ko_ice_partition_spec){.spec_id = spec_id, .n_fields = src ? src->n_fields : 0};
    out->fields = ko_arena_calloc(arena, out->n_fields ? out->n_fields : 1, sizeof *out->fields);
    bool ok = out->fields != NULL;
    for (uint32_t i = 0; ok && i < out->n_fields; i++) {
        out->fields[i] = src->fields[i];
        out->fields[i].name = dup(arena, src->fields[i].name, &ok);
        out->fields[i].transform.unknown = dup(arena, src->fields[i].transform.unknown, &ok);
    }
    return ok ? KO_OK : nomem(err);
}

static ko_status copy_order(const ko_ice_sort_order *src, ko_arena *arena, ko_ice_sort_order *out,
                            ko_err *err)
{
    uint32_t n = src ? src->n_fields : 0;
    *out = (ko_ice_sort_order){.order_id = n ? (src->order_id > 0 ? src->order_id : 1) : 0,
                               .n_fields = n};
    out->fields = ko_arena_calloc(arena, n ? n : 1, sizeof *out->fields);
    bool ok = out->fields != NULL;
    for (uint32_t i = 0; ok && i < n; i++) {
        out->fields[i] = src->fields[i];
        out->fields[i].transform.unknown = dup(arena, src->fields[i].transform.unknown, &ok);
    }
    return ok ? KO_OK : nomem(err);
}

static int32_t spec_max_id(const ko_ice_partition_spec *s)
{
    int32_t id = KO_ICE_FIRST_PARTITION_ID - 1;
    for (uint32_t i = 0; i < s->n_fields; i++)
        if (s->fields[i].field_id > id)
            id = s->fields[i].field_id;
    return id;
}

static ko_status create_parts(const ko_ice_meta_create_opts *o, ko_arena *arena,
                              ko_ice_table_meta *m, ko_err *err)
{
    m->schemas = ko_arena_calloc(arena, 1, sizeof *m->schemas);
    m->specs = ko_arena_calloc(arena, 1, sizeof *m->specs);
    m->sort_orders = ko_arena_calloc(arena, 1, sizeof *m->sort_orders);
    if (!m->schemas || !m->specs || !m->sort_orders)
        return nomem(err);
    m->n_schemas = m->n_specs = m->n_sort_orders = 1;
    ko_status st = ko_ice_schema_copy(o->schema, arena, m->schemas, err);
    if (st != KO_OK)
        return st;
    m->schemas->schema_id = 0;
    st = copy_spec(o->spec, 0, arena, m->specs, err);
    if (st == KO_OK)
        st = ko_ice_spec_validate(m->specs, m->schemas, err);
    if (st == KO_OK)
        st = copy_order(o->order, arena, m->sort_orders, err);
    if (st == KO_OK)
        st = ko_ice_sort_order_validate(m->sort_orders, m->schemas, err);
    if (st == KO_OK)
        st = copy_kvs(o->properties, o->n_properties, arena, &m->properties, err);
    m->n_properties = o->n_properties;
    m->last_column_id = m->schemas->highest_id;
    m->last_partition_id = spec_max_id(m->specs);
    m->default_sort_order_id = m->sort_orders->order_id;
    return st;
}

ko_status ko_ice_meta_create(const ko_ice_meta_create_opts *opts, ko_arena *arena,
                             ko_ice_table_meta *out, ko_err *err)
{
    *out = (ko_ice_table_meta){.format_version = 2, .current_snapshot_id = -1};
    if (!opts->schema || !opts->location || !*opts->location)
        return ko_err_set(err, KO_ERR_INVALID, "a new table needs a schema and a location");
    size_t len = strlen(opts->location);
    while (len > 1 && opts->location[len - 1] == '/')
        len--;
    out->location = ko_arena_strndup(arena, opts->location, len);
    if (!out->location)
        return nomem(err);
    out->table_uuid = ko_uuid_random();
    out->last_updated_ms = opts->now_ms ? opts->now_ms : ko_now_us() / 1000;
    ko_status st = create_parts(opts, arena, out, err);
    if (st != KO_OK)
        return ko_err_prefix(err, "creating table metadata");
    return ko_ice_meta_validate(out, err);
}

/* ------------------------------------------------------------------ edits */

static ko_status copy_snapshot(const ko_ice_snapshot *s, ko_arena *arena, ko_ice_snapshot *out,
                               ko_err *err)
{
    bool ok = true;
    *out = *s;
    out->manifest_list = dup(arena, s->manifest_list, &ok);
    out->operation = dup(arena, s->operation, &ok);
    out->manifests = ko_arena_calloc(arena, s->n_manifests ? s->n_manifests : 1, sizeof(char *));
    out->summary = ko_arena_calloc(arena, s->n_summary ? s->n_summary : 1, sizeof *out->summary);
    ok = ok && out->manifests && out->summary;
    for (uint32_t i = 0; ok && i < s->n_manifests; i++)
        out->manifests[i] = dup(arena, s->manifests[i], &ok);
    for (uint32_t i = 0; ok && i < s->n_summary; i++) {
        out->summary[i].key = dup(arena, s->summary[i].key, &ok);
        out->summary[i].value = dup(arena, s->summary[i].value, &ok);
    }
    return ok ? KO_OK : nomem(err);
}

static ko_status check_new_snapshot(const ko_ice_table_meta *m, const ko_ice_snapshot *s,
                                    ko_err *err)
{
    if (ko_ice_meta_snapshot(m, s->snapshot_id))
        return ko_err_set(err, KO_ERR_INVALID, "snapshot %lld already exists",
                          (long long)s->snapshot_id);
    if (m->format_version >= 2 && s->sequence_number <= m->last_sequence_number)
        return ko_err_set(err, KO_ERR_INVALID,
                          "snapshot %lld: sequence number %lld is not above last-sequence-number "
                          "%lld",
                          (long long)s->snapshot_id, (long long)s->sequence_number,
                          (long long)m->last_sequence_number);
    if (s->parent_id != -1 && !ko_ice_meta_snapshot(m, s->parent_id))
        return ko_err_set(err, KO_ERR_INVALID, "snapshot %lld: parent %lld does not exist",
                          (long long)s->snapshot_id, (long long)s->parent_id);
    if (s->schema_id >= 0 && !ko_ice_meta_schema(m, s->schema_id))
        return ko_err_set(err, KO_ERR_INVALID, "snapshot %lld: schema %d does not exist",
                          (long long)s->snapshot_id, (int)s->schema_id);
    if (!s->manifest_list || (m->format_version >= 2 && !s->operation))
        return ko_err_set(err, KO_ERR_INVALID,
                          "snapshot %lld needs a manifest list and an operation",
                          (long long)s->snapshot_id);
    return KO_OK;
}

ko_status ko_ice_meta_add_snapshot(ko_ice_table_meta *m, const ko_ice_snapshot *s, ko_arena *arena,
                                   ko_err *err)
{
    ko_status st = check_new_snapshot(m, s, err);
    if (st != KO_OK)
        return st;
    ko_ice_snapshot *arr = grow(arena, m->snapshots, m->n_snapshots, sizeof *arr);
    if (!arr)
        return nomem(err);
    st = copy_snapshot(s, arena, &arr[m->n_snapshots], err);
    if (st != KO_OK)
        return st;
    m->snapshots = arr;
    m->n_snapshots++;
    if (s->sequence_number > m->last_sequence_number)
        m->last_sequence_number = s->sequence_number;
    if (s->timestamp_ms > m->last_updated_ms)
        m->last_updated_ms = s->timestamp_ms;
    return KO_OK;
}

/* The snapshot-log time of making snap current: its own time when it is
 * the newest snapshot not yet current (a commit), else now (a rollback). */
static int64_t log_time(const ko_ice_table_meta *m, const ko_ice_snapshot *snap)
{
    bool newest = m->n_snapshots && &m->snapshots[m->n_snapshots - 1] == snap;
    bool logged = m->n_snapshot_log &&
                  m->snapshot_log[m->n_snapshot_log - 1].snapshot_id == snap->snapshot_id;
    int64_t now = ko_now_us() / 1000;
    return newest && !logged ? snap->timestamp_ms
                             : (now > m->last_updated_ms ? now : m->last_updated_ms);
}

static ko_status move_main(ko_ice_table_meta *m, const ko_ice_snapshot *snap, ko_arena *arena,
                           ko_err *err)
{
    ko_ice_snapshot_log_entry *log = grow(arena, m->snapshot_log, m->n_snapshot_log, sizeof *log);
    if (!log)
        return nomem(err);
    int64_t ts = log_time(m, snap);
    log[m->n_snapshot_log] = (ko_ice_snapshot_log_entry){ts, snap->snapshot_id};
    m->snapshot_log = log;
    m->n_snapshot_log++;
    m->current_snapshot_id = snap->snapshot_id;
    if (ts > m->last_updated_ms)
        m->last_updated_ms = ts;
    return KO_OK;
}

ko_status ko_ice_meta_set_ref(ko_ice_table_meta *m, const ko_ice_ref *ref, ko_arena *arena,
                              ko_err *err)
{
    const ko_ice_snapshot *snap = ko_ice_meta_snapshot(m, ref->snapshot_id);
    if (!ref->name || !*ref->name)
        return ko_err_set(err, KO_ERR_INVALID, "a ref needs a name");
    if (!snap)
        return ko_err_set(err, KO_ERR_INVALID, "ref '%s': snapshot %lld does not exist", ref->name,
                          (long long)ref->snapshot_id);
    bool is_main = strcmp(ref->name, "main") == 0;
    if (is_main && ref->type != KO_ICE_REF_BRANCH)
        return ko_err_set(err, KO_ERR_INVALID, "ref 'main' must be a branch");
    uint32_t at = 0;
    while (at < m->n_refs && strcmp(m->refs[at].name, ref->name) != 0)
        at++;
    ko_ice_ref *refs = at < m->n_refs ? m->refs : grow(arena, m->refs, m->n_refs, sizeof *refs);
    bool ok = refs != NULL;
    ko_ice_ref copy = *ref;
    copy.name = dup(arena, ref->name, &ok);
    if (!ok)
        return nomem(err);
    if (is_main && m->current_snapshot_id != ref->snapshot_id) {
        ko_status st = move_main(m, snap, arena, err);
        if (st != KO_OK)
            return st;
    }
    refs[at] = copy;
    m->refs = refs;
    m->n_refs += at == m->n_refs;
    return KO_OK;
}

ko_status ko_ice_meta_remove_ref(ko_ice_table_meta *m, const char *name, ko_err *err)
{
    for (uint32_t i = 0; i < m->n_refs; i++) {
        if (strcmp(m->refs[i].name, name) != 0)
            continue;
        memmove(&m->refs[i], &m->refs[i + 1], (m->n_refs - i - 1) * sizeof *m->refs);
        m->n_refs--;
        if (strcmp(name, "main") == 0)
            m->current_snapshot_id = -1;
        return KO_OK;
    }
    return ko_err_set(err, KO_ERR_NOT_FOUND, "no ref named '%s'", name);
}

ko_status ko_ice_meta_add_schema(ko_ice_table_meta *m, const ko_ice_schema *s, bool make_current,
                                 ko_arena *arena, int32_t *schema_id, ko_err *err)
{
    int32_t id = -1, next = 0;
    for (uint32_t i = 0; i < m->n_schemas; i++) {
        if (ko_ice_schema_equal(&m->schemas[i], s))
            id = m->schemas[i].schema_id;
        if (m->schemas[i].schema_id >= next)
            next = m->schemas[i].schema_id + 1;
    }
    if (id < 0) {
        ko_ice_schema *arr = grow(arena, m->schemas, m->n_schemas, sizeof *arr);
        if (!arr)
            return nomem(err);
        ko_status st = ko_ice_schema_copy(s, arena, &arr[m->n_schemas], err);
        if (st != KO_OK)
            return st;
        arr[m->n_schemas].schema_id = id = next;
        m->schemas = arr;
        m->n_schemas++;
        if (s->highest_id > m->last_column_id)
            m->last_column_id = s->highest_id;
    }
    if (make_current)
        m->current_schema_id = id;
    if (schema_id)
        *schema_id = id;
    return KO_OK;
}

ko_status ko_ice_meta_add_spec(ko_ice_table_meta *m, const ko_ice_partition_spec *s,
                               bool make_default, ko_arena *arena, int32_t *spec_id, ko_err *err)
{
    ko_status st = ko_ice_spec_validate(s, ko_ice_meta_current_schema(m), err);
    if (st != KO_OK)
        return st;
    int32_t id = -1, next = 0;
    for (uint32_t i = 0; i < m->n_specs; i++) {
        if (ko_ice_spec_equal(&m->specs[i], s))
            id = m->specs[i].spec_id;
        if (m->specs[i].spec_id >= next)
            next = m->specs[i].spec_id + 1;
    }
    if (id < 0) {
        ko_ice_partition_spec *arr = grow(arena, m->specs, m->n_specs, sizeof *arr);
        st = arr ? copy_spec(s, next, arena, &arr[m->n_specs], err) : nomem(err);
        if (st != KO_OK)
            return st;
        id = next;
        m->specs = arr;
        m->n_specs++;
        if (spec_max_id(s) > m->last_partition_id)
            m->last_partition_id = spec_max_id(s);
    }
    if (make_default)
        m->default_spec_id = id;
    if (spec_id)
        *spec_id = id;
    return KO_OK;
}

ko_status ko_ice_meta_set_property(ko_ice_table_meta *m, const char *key, const char *value,
                                   ko_arena *arena, ko_err *err)
{
    uint32_t at = 0;
    while (at < m->n_properties && strcmp(m->properties[at].key, key) != 0)
        at++;
    if (!value) {
        if (at < m->n_properties) {
            memmove(&m->properties[at], &m->properties[at + 1],
                    (m->n_properties - at - 1) * sizeof *m->properties);
            m->n_properties--;
        }
        return KO_OK;
    }
    ko_ice_kv *kv = at < m->n_properties ? m->properties
                                         : grow(arena, m->properties, m->n_properties, sizeof *kv);
    bool ok = kv != NULL;
    ko_ice_kv item = {dup(arena, key, &ok), dup(arena, value, &ok)};
    if (!ok)
        return nomem(err);
    kv[at] = item;
    m->properties = kv;
    m->n_properties += at == m->n_properties;
    return KO_OK;
}

ko_status ko_ice_meta_add_metadata_log(ko_ice_table_meta *m, const char *file, int64_t timestamp_ms,
                                       ko_arena *arena, ko_err *err)
{
    ko_ice_metadata_log_entry *log = grow(arena, m->metadata_log, m->n_metadata_log, sizeof *log);
    bool ok = log != NULL;
    const char *f = dup(arena, file, &ok);
    if (!ok)
        return nomem(err);
    log[m->n_metadata_log] = (ko_ice_metadata_log_entry){timestamp_ms, f};
    m->metadata_log = log;
    m->n_metadata_log++;
    return KO_OK;
}
