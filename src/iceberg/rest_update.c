/*
 * rest_update.c - the REST protocol's TableRequirements and TableUpdates
 * applied to the metadata model (rest_update.h).
 *
 * Each requirement and update is dispatched by its "type" / "action" to a
 * small function; every function reads its members with the ko_ice_json_*
 * helpers, so a malformed request names the member, and the message is
 * prefixed with the update's index and action.  Parse errors, which the
 * model's readers report as KO_ERR_CORRUPT (they were written for files),
 * become KO_ERR_INVALID here: the bad input is the client's request.
 *
 * Edits reuse metadata_edit.c (snapshots, refs, schemas, specs,
 * properties) and add what a commit needs beyond the CLI's own writes:
 * sort orders, removing snapshots, statistics lists, format upgrades.
 * Ids of -1 in the set-current/default updates mean "the one this request
 * added last", as the spec says.
 */
#include "iceberg/rest_update.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct upd_ctx {
    ko_ice_table_meta *m;
    ko_arena *arena;
    int32_t last_schema, last_spec, last_order; /* -1: none added yet */
} upd_ctx;

static ko_status nomem(ko_err *err)
{
    return ko_err_set(err, KO_ERR_NOMEM, "out of memory applying a table update");
}

static ko_status as_invalid(ko_status st, ko_err *err)
{
    if (st == KO_ERR_CORRUPT && err)
        err->status = KO_ERR_INVALID;
    return st == KO_ERR_CORRUPT ? KO_ERR_INVALID : st;
}

static const char *type_of(const json_t *j, const char *key)
{
    const json_t *t = json_is_object(j) ? json_object_get(j, key) : NULL;
    return json_is_string(t) ? json_string_value(t) : NULL;
}

/* ---------------------------------------------------------- requirements */

static ko_status req_uuid(const ko_ice_table_meta *m, const json_t *j, ko_err *err)
{
    const char *s = type_of(j, "uuid");
    ko_uuid u;
    if (!s || ko_uuid_parse(s, &u, NULL) != KO_OK)
        return ko_err_set(err, KO_ERR_INVALID, "assert-table-uuid needs a uuid");
    if (memcmp(u.b, m->table_uuid.b, 16) != 0) {
        char have[KO_UUID_STR_LEN + 1];
        ko_uuid_format(&m->table_uuid, have);
        return ko_err_set(err, KO_ERR_CONFLICT, "requirement failed: table uuid is %s, not %s",
                          have, s);
    }
    return KO_OK;
}

static ko_status req_ref(const ko_ice_table_meta *m, const json_t *j, ko_err *err)
{
    const char *ref = type_of(j, "ref");
    const json_t *id = json_object_get(j, "snapshot-id");
    if (!ref || (id && !json_is_null(id) && !json_is_integer(id)))
        return ko_err_set(err, KO_ERR_INVALID,
                          "assert-ref-snapshot-id needs a ref and a snapshot-id (or null)");
    const ko_ice_ref *r = ko_ice_meta_ref(m, ref);
    bool want_none = !id || json_is_null(id);
    if (want_none && r)
        return ko_err_set(err, KO_ERR_CONFLICT,
                          "requirement failed: branch or tag %s was created concurrently", ref);
    if (!want_none && !r)
        return ko_err_set(err, KO_ERR_CONFLICT, "requirement failed: branch or tag %s is missing",
                          ref);
    if (!want_none && r->snapshot_id != json_integer_value(id))
        return ko_err_set(err, KO_ERR_CONFLICT,
                          "requirement failed: %s has changed: expected id %lld != %lld", ref,
                          (long long)json_integer_value(id), (long long)r->snapshot_id);
    return KO_OK;
}

typedef struct int_req {
    const char *type;
    const char *key;
    const char *what;
} int_req;

static const int_req INT_REQS[] = {
    {"assert-last-assigned-field-id", "last-assigned-field-id", "last assigned field id"},
    {"assert-current-schema-id", "current-schema-id", "current schema id"},
    {"assert-last-assigned-partition-id", "last-assigned-partition-id",
     "last assigned partition id"},
    {"assert-default-spec-id", "default-spec-id", "default partition spec id"},
    {"assert-default-sort-order-id", "default-sort-order-id", "default sort order id"},
};

static int64_t int_value(const ko_ice_table_meta *m, size_t i)
{
    switch (i) {
    case 0:
        return m->last_column_id;
    case 1:
        return m->current_schema_id;
    case 2:
        return m->last_partition_id;
    case 3:
        return m->default_spec_id;
    default:
        return m->default_sort_order_id;
    }
}

static ko_status check_one(const ko_ice_table_meta *m, const json_t *j, ko_err *err)
{
    const char *type = type_of(j, "type");
    if (!type)
        return ko_err_set(err, KO_ERR_INVALID, "a requirement needs a type");
    if (strcmp(type, "assert-create") == 0)
        return m ? ko_err_set(err, KO_ERR_CONFLICT, "requirement failed: table already exists")
                 : KO_OK;
    if (!m)
        return ko_err_set(err, KO_ERR_INVALID, "requirement %s needs an existing table", type);
    if (strcmp(type, "assert-table-uuid") == 0)
        return req_uuid(m, j, err);
    if (strcmp(type, "assert-ref-snapshot-id") == 0)
        return req_ref(m, j, err);
    for (size_t i = 0; i < KO_ARRAY_LEN(INT_REQS); i++) {
        if (strcmp(type, INT_REQS[i].type) != 0)
            continue;
        const json_t *v = json_object_get(j, INT_REQS[i].key);
        if (!json_is_integer(v))
            return ko_err_set(err, KO_ERR_INVALID, "%s needs an integer %s", type, INT_REQS[i].key);
        if (json_integer_value(v) != int_value(m, i))
            return ko_err_set(
                err, KO_ERR_CONFLICT, "requirement failed: %s changed: expected %lld != %lld",
                INT_REQS[i].what, (long long)json_integer_value(v), (long long)int_value(m, i));
        return KO_OK;
    }
    return ko_err_set(err, KO_ERR_INVALID, "unknown requirement type '%s'", type);
}

bool ko_ice_rest_is_create(const json_t *requirements)
{
    size_t i;
    const json_t *r;
    json_array_foreach(requirements, i, r)
    {
        const char *t = type_of(r, "type");
        if (t && strcmp(t, "assert-create") == 0)
            return true;
    }
    return false;
}

ko_status ko_ice_rest_check(const ko_ice_table_meta *m, const json_t *requirements, ko_err *err)
{
    if (requirements && !json_is_array(requirements))
        return ko_err_set(err, KO_ERR_INVALID, "requirements must be a list");
    size_t i;
    const json_t *r;
    json_array_foreach(requirements, i, r)
    {
        ko_status st = check_one(m, r, err);
        if (st != KO_OK)
            return st;
    }
    return KO_OK;
}

/* --------------------------------------------------------------- updates */

static ko_status u_assign_uuid(upd_ctx *c, const json_t *j, ko_err *err)
{
    const char *s = type_of(j, "uuid");
    if (!s)
        return ko_err_set(err, KO_ERR_INVALID, "missing uuid");
    return ko_uuid_parse(s, &c->m->table_uuid, err);
}

static ko_status u_upgrade(upd_ctx *c, const json_t *j, ko_err *err)
{
    int32_t v = 0;
    ko_status st = ko_ice_json_i32(j, "upgrade-format-version", "format-version", &v, err);
    if (st != KO_OK)
        return st;
    if (v > 2)
        return ko_err_set(err, KO_ERR_UNSUPPORTED, "format version %d is not supported (max 2)",
                          (int)v);
    if (v < c->m->format_version)
        return ko_err_set(err, KO_ERR_INVALID, "cannot downgrade format version %d to %d",
                          (int)c->m->format_version, (int)v);
    c->m->format_version = v;
    return KO_OK;
}

static ko_status u_add_schema(upd_ctx *c, const json_t *j, ko_err *err)
{
    const json_t *sj = json_object_get(j, "schema");
    ko_ice_schema s;
    ko_status st = ko_ice_schema_from_json(sj, false, c->arena, &s, err);
    if (st == KO_OK)
        st = ko_ice_meta_add_schema(c->m, &s, false, c->arena, &c->last_schema, err);
    return st;
}

/* -1 -> last (KO_ERR_INVALID when none). */
static ko_status resolve_id(const json_t *j, const char *key, int32_t last, int32_t *out,
                            ko_err *err)
{
    ko_status st = ko_ice_json_i32(j, "update", key, out, err);
    if (st == KO_OK && *out == -1) {
        if (last < 0)
            return ko_err_set(err, KO_ERR_INVALID, "%s -1 but nothing was added before it", key);
        *out = last;
    }
    return st;
}

static ko_status u_set_schema(upd_ctx *c, const json_t *j, ko_err *err)
{
    int32_t id = 0;
    ko_status st = resolve_id(j, "schema-id", c->last_schema, &id, err);
    if (st == KO_OK && !ko_ice_meta_schema(c->m, id))
        return ko_err_set(err, KO_ERR_INVALID, "schema %d does not exist", (int)id);
    if (st == KO_OK)
        c->m->current_schema_id = id;
    return st;
}

/* A copy of the spec JSON with "spec-id" and missing "field-id"s filled. */
static json_t *fill_spec(const json_t *spec, int32_t *next_id)
{
    json_t *copy = json_deep_copy(spec);
    json_t *fields = copy ? json_object_get(copy, "fields") : NULL;
    if (!copy || !json_is_array(fields)) {
        json_decref(copy);
        return NULL;
    }
    json_object_set_new(copy, "spec-id", json_integer(0));
    size_t i;
    json_t *f;
    json_array_foreach(fields, i, f)
    {
        if (json_is_object(f) && !json_is_integer(json_object_get(f, "field-id")))
            json_object_set_new(f, "field-id", json_integer(++*next_id));
    }
    return copy;
}

static ko_status u_add_spec(upd_ctx *c, const json_t *j, ko_err *err)
{
    int32_t next = c->m->last_partition_id < KO_ICE_FIRST_PARTITION_ID - 1
                       ? KO_ICE_FIRST_PARTITION_ID - 1
                       : c->m->last_partition_id;
    json_t *sj = fill_spec(json_object_get(j, "spec"), &next);
    if (!sj)
        return ko_err_set(err, KO_ERR_INVALID, "add-spec needs a spec with a fields list");
    ko_ice_partition_spec s;
    ko_status st = ko_ice_spec_from_json(sj, c->arena, &s, err);
    json_decref(sj);
    if (st == KO_OK)
        st = ko_ice_meta_add_spec(c->m, &s, false, c->arena, &c->last_spec, err);
    return st;
}

static ko_status u_set_spec(upd_ctx *c, const json_t *j, ko_err *err)
{
    int32_t id = 0;
    ko_status st = resolve_id(j, "spec-id", c->last_spec, &id, err);
    if (st == KO_OK && !ko_ice_meta_spec(c->m, id))
        return ko_err_set(err, KO_ERR_INVALID, "partition spec %d does not exist", (int)id);
    if (st == KO_OK)
        c->m->default_spec_id = id;
    return st;
}

static ko_status u_add_order(upd_ctx *c, const json_t *j, ko_err *err)
{
    ko_ice_sort_order o;
    ko_ice_table_meta *m = c->m;
    ko_status st = ko_ice_sort_order_from_json(json_object_get(j, "sort-order"), c->arena, &o, err);
    if (st == KO_OK && o.n_fields)
        st = ko_ice_sort_order_validate(&(ko_ice_sort_order){1, o.fields, o.n_fields},
                                        ko_ice_meta_current_schema(m), err);
    if (st != KO_OK)
        return st;
    int32_t next = 1;
    for (uint32_t i = 0; i < m->n_sort_orders; i++) {
        if (ko_ice_sort_order_equal(&m->sort_orders[i], &o)) {
            c->last_order = m->sort_orders[i].order_id;
            return KO_OK;
        }
        if (m->sort_orders[i].order_id >= next)
            next = m->sort_orders[i].order_id + 1;
    }
    ko_ice_sort_order *arr = ko_arena_calloc(c->arena, m->n_sort_orders + 1, sizeof *arr);
    if (!arr)
        return nomem(err);
    ko_memcpy0(arr, m->sort_orders, m->n_sort_orders * sizeof *arr);
    o.order_id = o.n_fields ? next : 0;
    arr[m->n_sort_orders] = o;
    m->sort_orders = arr;
    m->n_sort_orders++;
    c->last_order = o.order_id;
    return KO_OK;
}

static ko_status u_set_order(upd_ctx *c, const json_t *j, ko_err *err)
{
    int32_t id = 0;
    ko_status st = resolve_id(j, "sort-order-id", c->last_order, &id, err);
    if (st == KO_OK && !ko_ice_meta_sort_order(c->m, id))
        return ko_err_set(err, KO_ERR_INVALID, "sort order %d does not exist", (int)id);
    if (st == KO_OK)
        c->m->default_sort_order_id = id;
    return st;
}

static ko_status parse_summary(const json_t *sum, ko_arena *a, ko_ice_snapshot *s, ko_err *err)
{
    if (!json_is_object(sum))
        return ko_err_set(err, KO_ERR_INVALID, "snapshot %lld needs a summary object",
                          (long long)s->snapshot_id);
    s->summary = ko_arena_calloc(a, json_object_size(sum) + 1, sizeof *s->summary);
    if (!s->summary)
        return nomem(err);
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)sum, k, v)
    {
        if (!json_is_string(v))
            return ko_err_set(err, KO_ERR_INVALID, "snapshot summary '%s' is not a string", k);
        const char *val = ko_arena_strdup(a, json_string_value(v));
        if (!val)
            return nomem(err);
        if (strcmp(k, "operation") == 0)
            s->operation = val;
        else
            s->summary[s->n_summary++] = (ko_ice_kv){ko_arena_strdup(a, k), val};
    }
    if (!s->operation)
        return ko_err_set(err, KO_ERR_INVALID, "snapshot %lld: summary has no operation",
                          (long long)s->snapshot_id);
    return KO_OK;
}

static ko_status u_add_snapshot(upd_ctx *c, const json_t *j, ko_err *err)
{
    const json_t *sj = json_object_get(j, "snapshot");
    ko_ice_snapshot s = {.parent_id = -1, .schema_id = -1};
    bool has = false;
    const char *what = "snapshot";
    if (!json_is_object(sj))
        return ko_err_set(err, KO_ERR_INVALID, "add-snapshot needs a snapshot object");
    ko_status st = ko_ice_json_i64(sj, what, "snapshot-id", &s.snapshot_id, err);
    if (st == KO_OK)
        st = ko_ice_json_i64(sj, what, "timestamp-ms", &s.timestamp_ms, err);
    if (st == KO_OK)
        st = ko_ice_json_str(sj, what, "manifest-list", c->arena, &s.manifest_list, err);
    if (st == KO_OK)
        st = ko_ice_json_opt_i64(sj, what, "parent-snapshot-id", &s.parent_id, &has, err);
    if (st == KO_OK)
        st = ko_ice_json_opt_i32(sj, what, "schema-id", &s.schema_id, &has, err);
    s.sequence_number = c->m->last_sequence_number + 1;
    if (st == KO_OK)
        st = ko_ice_json_opt_i64(sj, what, "sequence-number", &s.sequence_number, &has, err);
    if (st == KO_OK)
        st = parse_summary(json_object_get(sj, "summary"), c->arena, &s, err);
    return st == KO_OK ? ko_ice_meta_add_snapshot(c->m, &s, c->arena, err) : st;
}

static ko_status u_set_ref(upd_ctx *c, const json_t *j, ko_err *err)
{
    ko_ice_ref ref = {0};
    const char *type = type_of(j, "type");
    bool has = false;
    int64_t keep = 0;
    ko_status st = ko_ice_json_str(j, "set-snapshot-ref", "ref-name", c->arena, &ref.name, err);
    if (st == KO_OK)
        st = ko_ice_json_i64(j, "set-snapshot-ref", "snapshot-id", &ref.snapshot_id, err);
    if (st == KO_OK && (!type || (strcmp(type, "branch") != 0 && strcmp(type, "tag") != 0)))
        st = ko_err_set(err, KO_ERR_INVALID, "ref type must be branch or tag");
    if (st == KO_OK)
        st = ko_ice_json_opt_i64(j, "ref", "max-ref-age-ms", &ref.max_ref_age_ms, &has, err);
    if (st == KO_OK)
        st = ko_ice_json_opt_i64(j, "ref", "max-snapshot-age-ms", &ref.max_snapshot_age_ms, &has,
                                 err);
    if (st == KO_OK)
        st = ko_ice_json_opt_i64(j, "ref", "min-snapshots-to-keep", &keep, &has, err);
    if (st != KO_OK)
        return st;
    ref.min_snapshots_to_keep = (int32_t)keep;
    ref.type = strcmp(type, "tag") == 0 ? KO_ICE_REF_TAG : KO_ICE_REF_BRANCH;
    return ko_ice_meta_set_ref(c->m, &ref, c->arena, err);
}

static bool id_listed(const json_t *ids, int64_t id)
{
    size_t i;
    const json_t *v;
    json_array_foreach(ids, i, v)
    {
        if (json_integer_value(v) == id)
            return true;
    }
    return false;
}

static ko_status u_remove_snapshots(upd_ctx *c, const json_t *j, ko_err *err)
{
    const json_t *ids = json_object_get(j, "snapshot-ids");
    ko_ice_table_meta *m = c->m;
    if (!json_is_array(ids))
        return ko_err_set(err, KO_ERR_INVALID, "remove-snapshots needs snapshot-ids");
    uint32_t k = 0;
    for (uint32_t i = 0; i < m->n_snapshots; i++)
        if (!id_listed(ids, m->snapshots[i].snapshot_id))
            m->snapshots[k++] = m->snapshots[i];
    m->n_snapshots = k;
    k = 0;
    for (uint32_t i = 0; i < m->n_snapshot_log; i++)
        if (!id_listed(ids, m->snapshot_log[i].snapshot_id))
            m->snapshot_log[k++] = m->snapshot_log[i];
    m->n_snapshot_log = k;
    for (uint32_t i = m->n_refs; i-- > 0;)
        if (id_listed(ids, m->refs[i].snapshot_id))
            (void)ko_ice_meta_remove_ref(m, m->refs[i].name, NULL);
    return KO_OK;
}

static ko_status u_remove_ref(upd_ctx *c, const json_t *j, ko_err *err)
{
    const char *name = type_of(j, "ref-name");
    if (!name)
        return ko_err_set(err, KO_ERR_INVALID, "remove-snapshot-ref needs ref-name");
    (void)ko_ice_meta_remove_ref(c->m, name, NULL); /* absent: nothing to do */
    return KO_OK;
}

static ko_status u_set_location(upd_ctx *c, const json_t *j, ko_err *err)
{
    const char *loc = type_of(j, "location");
    if (!loc)
        return ko_err_set(err, KO_ERR_INVALID, "set-location needs a location");
    size_t n = strlen(loc);
    while (n > 1 && loc[n - 1] == '/')
        n--;
    if (!c->m->location || strlen(c->m->location) != n || strncmp(loc, c->m->location, n) != 0)
        return ko_err_set(err, KO_ERR_UNSUPPORTED,
                          "tables live where the warehouse puts them (%s); cannot move to %s",
                          c->m->location ? c->m->location : "(none)", loc);
    return KO_OK;
}

static ko_status u_set_props(upd_ctx *c, const json_t *j, ko_err *err)
{
    const json_t *u = json_object_get(j, "updates");
    if (!json_is_object(u))
        return ko_err_set(err, KO_ERR_INVALID, "set-properties needs an updates object");
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)u, k, v)
    {
        if (!json_is_string(v))
            return ko_err_set(err, KO_ERR_INVALID, "property '%s' is not a string", k);
        ko_status st = ko_ice_meta_set_property(c->m, k, json_string_value(v), c->arena, err);
        if (st != KO_OK)
            return st;
    }
    return KO_OK;
}

static ko_status u_remove_props(upd_ctx *c, const json_t *j, ko_err *err)
{
    const json_t *rm = json_object_get(j, "removals");
    if (!json_is_array(rm))
        return ko_err_set(err, KO_ERR_INVALID, "remove-properties needs a removals list");
    size_t i;
    const json_t *v;
    json_array_foreach(rm, i, v)
    {
        if (!json_is_string(v))
            return ko_err_set(err, KO_ERR_INVALID, "removals must be strings");
        ko_status st = ko_ice_meta_set_property(c->m, json_string_value(v), NULL, c->arena, err);
        if (st != KO_OK)
            return st;
    }
    return KO_OK;
}

/* Replaces (add non-NULL) or removes the entry for snapshot_id in a list
 * kept as JSON text. */
static ko_status edit_stats(const char **text, int64_t snapshot_id, const json_t *add,
                            ko_arena *arena, ko_err *err)
{
    json_t *list = *text ? json_loads(*text, 0, NULL) : json_array();
    if (!json_is_array(list)) {
        json_decref(list);
        return ko_err_set(err, KO_ERR_CORRUPT, "statistics list of the table is not a list");
    }
    for (size_t i = json_array_size(list); i-- > 0;) {
        const json_t *id = json_object_get(json_array_get(list, i), "snapshot-id");
        if (json_integer_value(id) == snapshot_id)
            json_array_remove(list, i);
    }
    if (add && json_array_append(list, (json_t *)add) != 0) {
        json_decref(list);
        return nomem(err);
    }
    char *s = json_array_size(list) ? json_dumps(list, JSON_COMPACT) : NULL;
    size_t n = json_array_size(list);
    json_decref(list);
    if (n && !s)
        return nomem(err);
    *text = s ? ko_arena_strdup(arena, s) : NULL;
    free(s);
    return (n && !*text) ? nomem(err) : KO_OK;
}

static ko_status u_set_stats(upd_ctx *c, const json_t *j, ko_err *err)
{
    bool partition = strcmp(type_of(j, "action"), "set-partition-statistics") == 0;
    const json_t *s = json_object_get(j, partition ? "partition-statistics" : "statistics");
    int64_t id = 0;
    if (!json_is_object(s))
        return ko_err_set(err, KO_ERR_INVALID, "the update needs a statistics object");
    ko_status st = ko_ice_json_i64(s, "statistics", "snapshot-id", &id, err);
    if (st == KO_OK)
        st = edit_stats(partition ? &c->m->partition_statistics : &c->m->statistics, id, s,
                        c->arena, err);
    return st;
}

static ko_status u_remove_stats(upd_ctx *c, const json_t *j, ko_err *err)
{
    bool partition = strcmp(type_of(j, "action"), "remove-partition-statistics") == 0;
    int64_t id = 0;
    ko_status st = ko_ice_json_i64(j, "update", "snapshot-id", &id, err);
    if (st == KO_OK)
        st = edit_stats(partition ? &c->m->partition_statistics : &c->m->statistics, id, NULL,
                        c->arena, err);
    return st;
}

typedef ko_status (*upd_fn)(upd_ctx *c, const json_t *j, ko_err *err);

static const struct {
    const char *action;
    upd_fn fn;
} UPDATES[] = {
    {"assign-uuid", u_assign_uuid},
    {"upgrade-format-version", u_upgrade},
    {"add-schema", u_add_schema},
    {"set-current-schema", u_set_schema},
    {"add-spec", u_add_spec},
    {"set-default-spec", u_set_spec},
    {"add-sort-order", u_add_order},
    {"set-default-sort-order", u_set_order},
    {"add-snapshot", u_add_snapshot},
    {"set-snapshot-ref", u_set_ref},
    {"remove-snapshots", u_remove_snapshots},
    {"remove-snapshot-ref", u_remove_ref},
    {"set-location", u_set_location},
    {"set-properties", u_set_props},
    {"remove-properties", u_remove_props},
    {"set-statistics", u_set_stats},
    {"remove-statistics", u_remove_stats},
    {"set-partition-statistics", u_set_stats},
    {"remove-partition-statistics", u_remove_stats},
};

static ko_status apply_one(upd_ctx *c, const json_t *u, size_t index, ko_err *err)
{
    const char *action = type_of(u, "action");
    for (size_t i = 0; action && i < KO_ARRAY_LEN(UPDATES); i++) {
        if (strcmp(action, UPDATES[i].action) != 0)
            continue;
        ko_status st = as_invalid(UPDATES[i].fn(c, u, err), err);
        return st == KO_OK ? st : ko_err_prefix(err, "update %zu (%s)", index, action);
    }
    return ko_err_set(err, action ? KO_ERR_UNSUPPORTED : KO_ERR_INVALID, "update %zu: %s%s", index,
                      action ? "unsupported action " : "no action", action ? action : "");
}

ko_status ko_ice_rest_apply(ko_ice_table_meta *m, const json_t *updates, ko_arena *arena,
                            json_t **actions, ko_err *err)
{
    if (updates && !json_is_array(updates))
        return ko_err_set(err, KO_ERR_INVALID, "updates must be a list");
    upd_ctx c = {m, arena, -1, -1, -1};
    json_t *names = json_array();
    if (!names)
        return nomem(err);
    size_t i;
    const json_t *u;
    ko_status st = KO_OK;
    json_array_foreach(updates, i, u)
    {
        st = apply_one(&c, u, i, err);
        if (st != KO_OK)
            break;
        json_array_append_new(names, json_string(type_of(u, "action")));
    }
    int64_t now = ko_now_us() / 1000;
    if (now > m->last_updated_ms)
        m->last_updated_ms = now;
    if (st == KO_OK)
        st = as_invalid(ko_ice_meta_validate(m, err), err);
    if (st == KO_OK && actions)
        *actions = names;
    else
        json_decref(names);
    return st;
}

void ko_ice_rest_empty_meta(const char *location, ko_ice_table_meta *out)
{
    *out = (ko_ice_table_meta){.format_version = 2,
                               .table_uuid = ko_uuid_random(),
                               .location = location,
                               .current_schema_id = -1,
                               .default_spec_id = 0,
                               .last_partition_id = KO_ICE_FIRST_PARTITION_ID - 1,
                               .current_snapshot_id = -1,
                               .last_updated_ms = ko_now_us() / 1000};
}

ko_status ko_ice_rest_meta_json(const ko_ice_table_meta *m, bool refs_only, json_t **out,
                                ko_err *err)
{
    if (!refs_only)
        return ko_ice_meta_to_json(m, out, err);
    ko_ice_table_meta copy = *m;
    ko_ice_snapshot *keep = calloc(m->n_snapshots ? m->n_snapshots : 1, sizeof *keep);
    if (!keep)
        return nomem(err);
    uint32_t k = 0;
    for (uint32_t i = 0; i < m->n_snapshots; i++)
        for (uint32_t r = 0; r < m->n_refs; r++)
            if (m->refs[r].snapshot_id == m->snapshots[i].snapshot_id) {
                keep[k++] = m->snapshots[i];
                break;
            }
    copy.snapshots = keep;
    copy.n_snapshots = k;
    ko_status st = ko_ice_meta_to_json(&copy, out, err);
    free(keep);
    return st;
}
