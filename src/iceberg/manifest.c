/*
 * manifest.c - reading Iceberg manifest lists and manifests.
 *
 * Both are Avro container files (avro.h decodes them into value trees).
 * This file walks those trees and fills the plain structs of iceberg.h
 * section 9.  Fields are found by their Iceberg field id first and by name
 * second, because the spec defines them by id and Java's v1 writers used
 * other names for some of them ("added_data_files_count" for 504).
 *
 * Inheritance (spec "Sequence Number Inheritance"): a null snapshot id in
 * an entry takes the manifest-list entry's added_snapshot_id; null data and
 * file sequence numbers take its sequence_number when the entry is ADDED
 * or the manifest's sequence number is 0 (v1), as the Java reader does.
 *
 * Partition tuples are typed by the manifest's partition spec applied to
 * the schema it was written with (both in the Avro header), falling back
 * to the table metadata and, field by field, to the Avro types themselves,
 * so that unknown transforms and dropped source columns still read.
 *
 * Every value returned points into the caller's arena: the Avro decoder
 * copies strings and bytes there, and this file allocates the rest there.
 */
#include "iceberg/avro.h"
#include "iceberg/iceberg.h"

#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------- field access */

/* Where a record is, for messages. */
typedef struct rctx {
    const char *what; /* file */
    uint64_t record;  /* 0-based */
    ko_err *err;
} rctx;

static ko_status bad(const rctx *c, const char *field, const char *why)
{
    return ko_err_set(c->err, KO_ERR_CORRUPT, "%s: record %llu: field '%s': %s", c->what,
                      (unsigned long long)c->record, field, why);
}

static ko_status nomem(ko_err *err)
{
    return ko_err_set(err, KO_ERR_NOMEM, "out of memory reading a manifest");
}

/* The value of the record field with Iceberg id `id` (else called `name`),
 * or NULL when the schema has neither.  Null union values are returned as
 * values of type NULL. */
static const ko_avro_value *fget(const ko_avro_value *rec, int32_t id, const char *name)
{
    if (!rec || rec->type != KO_AVRO_RECORD || !rec->schema)
        return NULL;
    const ko_avro_schema *s = rec->schema;
    for (size_t i = 0; i < s->n_fields && i < rec->u.record.n; i++)
        if (s->fields[i].has_field_id && s->fields[i].field_id == id)
            return &rec->u.record.fields[i];
    for (size_t i = 0; i < s->n_fields && i < rec->u.record.n; i++)
        if (strcmp(s->fields[i].name, name) == 0)
            return &rec->u.record.fields[i];
    return NULL;
}

static bool is_null(const ko_avro_value *v)
{
    return !v || v->type == KO_AVRO_NULL;
}

static bool is_integer(const ko_avro_value *v)
{
    return v && (v->type == KO_AVRO_INT || v->type == KO_AVRO_LONG);
}

/* A long field; *present false when absent or null (then required fails). */
static ko_status get_long(const rctx *c, const ko_avro_value *rec, int32_t id, const char *name,
                          bool required, int64_t *out, bool *present)
{
    const ko_avro_value *v = fget(rec, id, name);
    *present = false;
    if (is_null(v))
        return required ? bad(c, name, "missing") : KO_OK;
    if (!is_integer(v))
        return bad(c, name, "not an integer");
    *out = v->u.i;
    *present = true;
    return KO_OK;
}

static ko_status req_long(const rctx *c, const ko_avro_value *rec, int32_t id, const char *name,
                          int64_t *out)
{
    bool present;
    return get_long(c, rec, id, name, true, out, &present);
}

/* An optional long: dflt when absent or null. */
static ko_status opt_long(const rctx *c, const ko_avro_value *rec, int32_t id, const char *name,
                          int64_t dflt, int64_t *out)
{
    bool present;
    ko_status st = get_long(c, rec, id, name, false, out, &present);
    if (st == KO_OK && !present)
        *out = dflt;
    return st;
}

static ko_status int32_of(const rctx *c, const char *name, int64_t v, int32_t *out)
{
    if (v < INT32_MIN || v > INT32_MAX)
        return bad(c, name, "out of the int range");
    *out = (int32_t)v;
    return KO_OK;
}

static ko_status req_int(const rctx *c, const ko_avro_value *rec, int32_t id, const char *name,
                         int32_t *out)
{
    int64_t v = 0;
    ko_status st = req_long(c, rec, id, name, &v);
    return st != KO_OK ? st : int32_of(c, name, v, out);
}

static ko_status opt_int(const rctx *c, const ko_avro_value *rec, int32_t id, const char *name,
                         int32_t dflt, int32_t *out)
{
    int64_t v = 0;
    ko_status st = opt_long(c, rec, id, name, dflt, &v);
    return st != KO_OK ? st : int32_of(c, name, v, out);
}

static ko_status req_str(const rctx *c, const ko_avro_value *rec, int32_t id, const char *name,
                         const char **out)
{
    const ko_avro_value *v = fget(rec, id, name);
    if (is_null(v))
        return bad(c, name, "missing");
    if (v->type != KO_AVRO_STRING)
        return bad(c, name, "not a string");
    *out = (const char *)v->u.bytes.ptr;
    return KO_OK;
}

static ko_status opt_str(const rctx *c, const ko_avro_value *rec, int32_t id, const char *name,
                         const char **out)
{
    const ko_avro_value *v = fget(rec, id, name);
    *out = NULL;
    if (is_null(v))
        return KO_OK;
    if (v->type != KO_AVRO_STRING)
        return bad(c, name, "not a string");
    *out = (const char *)v->u.bytes.ptr;
    return KO_OK;
}

static const uint8_t k_empty[1];

static ko_status opt_bytes(const rctx *c, const ko_avro_value *rec, int32_t id, const char *name,
                           ko_ice_bytes *out)
{
    const ko_avro_value *v = fget(rec, id, name);
    *out = (ko_ice_bytes){0};
    if (is_null(v))
        return KO_OK;
    if (v->type != KO_AVRO_BYTES && v->type != KO_AVRO_FIXED && v->type != KO_AVRO_STRING)
        return bad(c, name, "not bytes");
    out->ptr = v->u.bytes.ptr ? v->u.bytes.ptr : k_empty;
    out->len = v->u.bytes.len;
    return KO_OK;
}

static ko_status opt_bool(const rctx *c, const ko_avro_value *rec, int32_t id, const char *name,
                          bool *out, bool *present)
{
    const ko_avro_value *v = fget(rec, id, name);
    *present = false;
    if (is_null(v))
        return KO_OK;
    if (v->type != KO_AVRO_BOOLEAN)
        return bad(c, name, "not a boolean");
    *out = v->u.b;
    *present = true;
    return KO_OK;
}

/* ------------------------------------------------------------ map fields */

/* The i-th key and value of an Iceberg map stored as an Avro map (string
 * keys) or as an array of key/value records (logicalType "map"). */
static ko_status map_item(const rctx *c, const char *name, const ko_avro_value *m, size_t i,
                          int64_t *key, const ko_avro_value **val)
{
    if (m->type == KO_AVRO_MAP) {
        char *end = NULL;
        const char *k = (const char *)m->u.map.keys[i].u.bytes.ptr;
        long long kv = k ? strtoll(k, &end, 10) : 0;
        if (!k || !*k || *end)
            return bad(c, name, "map key is not a field id");
        *key = kv;
        *val = &m->u.map.values[i];
        return KO_OK;
    }
    const ko_avro_value *kv = &m->u.array.items[i];
    const ko_avro_value *k = kv->type == KO_AVRO_RECORD ? &kv->u.record.fields[0] : NULL;
    if (!k || kv->u.record.n < 2 || !is_integer(k))
        return bad(c, name, "map entry is not a key/value record with an int key");
    *key = k->u.i;
    *val = &kv->u.record.fields[1];
    return KO_OK;
}

static size_t map_len(const ko_avro_value *m)
{
    return m->type == KO_AVRO_MAP ? m->u.map.n : m->u.array.n;
}

static ko_status map_value(const rctx *c, const ko_avro_value *rec, int32_t id, const char *name,
                           const ko_avro_value **out)
{
    const ko_avro_value *v = fget(rec, id, name);
    *out = NULL;
    if (is_null(v))
        return KO_OK;
    if (v->type != KO_AVRO_MAP && v->type != KO_AVRO_ARRAY)
        return bad(c, name, "not a map");
    *out = v;
    return KO_OK;
}

static ko_status read_counts(const rctx *c, ko_arena *arena, const ko_avro_value *rec, int32_t id,
                             const char *name, ko_ice_id_count **out, uint32_t *n_out)
{
    const ko_avro_value *m = NULL;
    ko_status st = map_value(c, rec, id, name, &m);
    *out = NULL;
    *n_out = 0;
    if (st != KO_OK || !m)
        return st;
    size_t n = map_len(m);
    ko_ice_id_count *a = ko_arena_calloc(arena, n ? n : 1, sizeof *a);
    if (!a)
        return nomem(c->err);
    for (size_t i = 0; i < n; i++) {
        int64_t key = 0;
        const ko_avro_value *val = NULL;
        st = map_item(c, name, m, i, &key, &val);
        if (st == KO_OK && !is_integer(val))
            st = bad(c, name, "map value is not an integer");
        if (st == KO_OK)
            st = int32_of(c, name, key, &a[i].field_id);
        if (st != KO_OK)
            return st;
        a[i].value = val->u.i;
    }
    *out = a;
    *n_out = (uint32_t)n;
    return KO_OK;
}

static ko_status read_bounds(const rctx *c, ko_arena *arena, const ko_avro_value *rec, int32_t id,
                             const char *name, ko_ice_id_bound **out, uint32_t *n_out)
{
    const ko_avro_value *m = NULL;
    ko_status st = map_value(c, rec, id, name, &m);
    *out = NULL;
    *n_out = 0;
    if (st != KO_OK || !m)
        return st;
    size_t n = map_len(m);
    ko_ice_id_bound *a = ko_arena_calloc(arena, n ? n : 1, sizeof *a);
    if (!a)
        return nomem(c->err);
    for (size_t i = 0; i < n; i++) {
        int64_t key = 0;
        const ko_avro_value *val = NULL;
        st = map_item(c, name, m, i, &key, &val);
        if (st == KO_OK && val->type != KO_AVRO_BYTES && val->type != KO_AVRO_FIXED)
            st = bad(c, name, "map value is not bytes");
        if (st == KO_OK)
            st = int32_of(c, name, key, &a[i].field_id);
        if (st != KO_OK)
            return st;
        a[i].value.ptr = val->u.bytes.ptr ? val->u.bytes.ptr : k_empty;
        a[i].value.len = val->u.bytes.len;
    }
    *out = a;
    *n_out = (uint32_t)n;
    return KO_OK;
}

/* A list of integers (split_offsets, equality_ids). */
static ko_status read_longs(const rctx *c, ko_arena *arena, const ko_avro_value *rec, int32_t id,
                            const char *name, int64_t **out, uint32_t *n_out)
{
    const ko_avro_value *v = fget(rec, id, name);
    *out = NULL;
    *n_out = 0;
    if (is_null(v))
        return KO_OK;
    if (v->type != KO_AVRO_ARRAY)
        return bad(c, name, "not a list");
    size_t n = v->u.array.n;
    int64_t *a = ko_arena_calloc(arena, n ? n : 1, sizeof *a);
    if (!a)
        return nomem(c->err);
    for (size_t i = 0; i < n; i++) {
        if (!is_integer(&v->u.array.items[i]))
            return bad(c, name, "list element is not an integer");
        a[i] = v->u.array.items[i].u.i;
    }
    *out = a;
    *n_out = (uint32_t)n;
    return KO_OK;
}

static ko_status read_ints(const rctx *c, ko_arena *arena, const ko_avro_value *rec, int32_t id,
                           const char *name, int32_t **out, uint32_t *n_out)
{
    int64_t *l = NULL;
    ko_status st = read_longs(c, arena, rec, id, name, &l, n_out);
    *out = NULL;
    if (st != KO_OK || !l)
        return st;
    int32_t *a = ko_arena_calloc(arena, *n_out ? *n_out : 1, sizeof *a);
    if (!a)
        return nomem(c->err);
    for (uint32_t i = 0; i < *n_out && st == KO_OK; i++)
        st = int32_of(c, name, l[i], &a[i]);
    *out = a;
    return st;
}

/* --------------------------------------------------------- manifest list */

static ko_status read_summary(const rctx *c, const ko_avro_value *rec, ko_ice_field_summary *out)
{
    bool present = false;
    *out = (ko_ice_field_summary){0};
    ko_status st = opt_bool(c, rec, 509, "contains_null", &out->contains_null, &present);
    if (st == KO_OK && !present)
        st = bad(c, "partitions.contains_null", "missing");
    if (st == KO_OK)
        st = opt_bool(c, rec, 518, "contains_nan", &out->contains_nan, &out->has_contains_nan);
    if (st == KO_OK)
        st = opt_bytes(c, rec, 510, "lower_bound", &out->lower_bound);
    if (st == KO_OK)
        st = opt_bytes(c, rec, 511, "upper_bound", &out->upper_bound);
    return st;
}

static ko_status read_summaries(const rctx *c, ko_arena *arena, const ko_avro_value *rec,
                                ko_ice_manifest_file *mf)
{
    const ko_avro_value *v = fget(rec, 507, "partitions");
    if (is_null(v))
        return KO_OK;
    if (v->type != KO_AVRO_ARRAY)
        return bad(c, "partitions", "not a list");
    size_t n = v->u.array.n;
    mf->partitions = ko_arena_calloc(arena, n ? n : 1, sizeof *mf->partitions);
    if (!mf->partitions)
        return nomem(c->err);
    mf->n_partitions = (uint32_t)n;
    ko_status st = KO_OK;
    for (size_t i = 0; i < n && st == KO_OK; i++) {
        if (v->u.array.items[i].type != KO_AVRO_RECORD)
            return bad(c, "partitions", "element is not a field_summary record");
        st = read_summary(c, &v->u.array.items[i], &mf->partitions[i]);
    }
    return st;
}

static ko_status read_counts_of(const rctx *c, const ko_avro_value *rec, ko_ice_manifest_file *mf)
{
    ko_status st = opt_int(c, rec, 504, "added_files_count", -1, &mf->added_files_count);
    if (st == KO_OK)
        st = opt_int(c, rec, 505, "existing_files_count", -1, &mf->existing_files_count);
    if (st == KO_OK)
        st = opt_int(c, rec, 506, "deleted_files_count", -1, &mf->deleted_files_count);
    if (st == KO_OK)
        st = opt_long(c, rec, 512, "added_rows_count", -1, &mf->added_rows_count);
    if (st == KO_OK)
        st = opt_long(c, rec, 513, "existing_rows_count", -1, &mf->existing_rows_count);
    if (st == KO_OK)
        st = opt_long(c, rec, 514, "deleted_rows_count", -1, &mf->deleted_rows_count);
    return st;
}

static ko_status read_manifest_file(const rctx *c, ko_arena *arena, const ko_avro_value *rec,
                                    ko_ice_manifest_file *mf)
{
    int32_t content = 0;
    *mf = (ko_ice_manifest_file){.first_row_id = KO_ICE_NULL_ID};
    ko_status st = req_str(c, rec, 500, "manifest_path", &mf->manifest_path);
    if (st == KO_OK)
        st = req_long(c, rec, 501, "manifest_length", &mf->manifest_length);
    if (st == KO_OK)
        st = req_int(c, rec, 502, "partition_spec_id", &mf->partition_spec_id);
    if (st == KO_OK)
        st = opt_int(c, rec, 517, "content", 0, &content);
    if (st == KO_OK && content != 0 && content != 1)
        st = bad(c, "content", "not 0 (data) or 1 (deletes)");
    mf->content = (ko_ice_manifest_content)content;
    if (st == KO_OK)
        st = opt_long(c, rec, 515, "sequence_number", 0, &mf->sequence_number);
    if (st == KO_OK)
        st = opt_long(c, rec, 516, "min_sequence_number", 0, &mf->min_sequence_number);
    if (st == KO_OK)
        st = req_long(c, rec, 503, "added_snapshot_id", &mf->added_snapshot_id);
    if (st == KO_OK)
        st = read_counts_of(c, rec, mf);
    if (st == KO_OK)
        st = read_summaries(c, arena, rec, mf);
    if (st == KO_OK)
        st = opt_bytes(c, rec, 519, "key_metadata", &mf->key_metadata);
    if (st == KO_OK)
        st = opt_long(c, rec, 520, "first_row_id", KO_ICE_NULL_ID, &mf->first_row_id);
    return st;
}

static ko_status open_reader(const uint8_t *data, size_t len, const char *what, ko_arena *arena,
                             ko_avro_reader **r, ko_err *err)
{
    ko_status st = ko_avro_reader_open(data, len, arena, r, err);
    if (st != KO_OK)
        return ko_err_prefix(err, "%s", what);
    if (ko_avro_reader_schema(*r)->type != KO_AVRO_RECORD) {
        ko_avro_reader_close(*r);
        return ko_err_set(err, KO_ERR_CORRUPT, "%s: the Avro schema is not a record", what);
    }
    return KO_OK;
}

ko_status ko_ice_manifest_list_read(const uint8_t *data, size_t len, const char *what,
                                    ko_arena *arena, ko_ice_manifest_file **out, size_t *n_out,
                                    ko_err *err)
{
    ko_avro_reader *r = NULL;
    *out = NULL;
    *n_out = 0;
    ko_status st = open_reader(data, len, what, arena, &r, err);
    if (st != KO_OK)
        return st;
    ko_ice_manifest_file *files = NULL;
    size_t n = 0, cap = 0;
    rctx c = {.what = what, .err = err};
    for (;;) {
        ko_avro_value rec;
        bool has = false;
        st = ko_avro_reader_next(r, &rec, &has, err);
        if (st != KO_OK)
            st = ko_err_prefix(err, "%s", what);
        if (st != KO_OK || !has)
            break;
        files = ko_arena_grow(arena, files, n, &cap, sizeof *files);
        if (!files) {
            st = nomem(err);
            break;
        }
        c.record = n;
        st = read_manifest_file(&c, arena, &rec, &files[n]);
        if (st != KO_OK)
            break;
        n++;
    }
    ko_avro_reader_close(r);
    if (st == KO_OK) {
        *out = files;
        *n_out = n;
    }
    return st;
}

/* ------------------------------------------------------ partition types */

/* The Iceberg type an Avro schema stands for (primitives only). */
static ko_status avro_to_ice(const ko_avro_schema *s, ko_ice_type *out)
{
    const char *lt = s->logical_type ? s->logical_type : "";
    *out = (ko_ice_type){0};
    switch (s->type) {
    case KO_AVRO_BOOLEAN:
        out->id = KO_ICE_BOOLEAN;
        break;
    case KO_AVRO_INT:
        out->id = strcmp(lt, "date") == 0 ? KO_ICE_DATE : KO_ICE_INT;
        break;
    case KO_AVRO_LONG:
        out->id = strcmp(lt, "time-micros") == 0        ? KO_ICE_TIME
                  : strcmp(lt, "timestamp-micros") == 0 ? KO_ICE_TIMESTAMP
                  : strcmp(lt, "timestamp-nanos") == 0  ? KO_ICE_TIMESTAMP_NS
                                                        : KO_ICE_LONG;
        break;
    case KO_AVRO_FLOAT:
        out->id = KO_ICE_FLOAT;
        break;
    case KO_AVRO_DOUBLE:
        out->id = KO_ICE_DOUBLE;
        break;
    case KO_AVRO_STRING:
        out->id = KO_ICE_STRING;
        break;
    case KO_AVRO_BYTES:
    case KO_AVRO_FIXED:
        out->id = strcmp(lt, "decimal") == 0 ? KO_ICE_DECIMAL
                  : strcmp(lt, "uuid") == 0  ? KO_ICE_UUID
                  : s->type == KO_AVRO_FIXED ? KO_ICE_FIXED
                                             : KO_ICE_BINARY;
        out->precision = s->precision;
        out->scale = s->scale;
        out->length = (int32_t)s->fixed_size;
        break;
    default:
        return KO_ERR_CORRUPT;
    }
    return KO_OK;
}

/* The header's partition spec and schema, parsed (either may stay unset). */
typedef struct mheader {
    ko_ice_partition_spec spec;
    bool has_spec;
    const ko_ice_schema *schema;
} mheader;

static const ko_ice_schema *schema_for(const mheader *h, const ko_ice_manifest *m,
                                       const ko_ice_table_meta *meta)
{
    if (h->schema)
        return h->schema;
    if (!meta)
        return NULL;
    const ko_ice_schema *s = m->schema_id >= 0 ? ko_ice_meta_schema(meta, m->schema_id) : NULL;
    return s ? s : ko_ice_meta_current_schema(meta);
}

/* Type of partition field pf (an Avro field of r102 with Iceberg id) from
 * the spec field with that id over the schema; else from Avro. */
static ko_status pfield_type(const ko_ice_partition_spec *spec, const ko_ice_schema *schema,
                             const ko_avro_field *af, ko_ice_type *out)
{
    for (uint32_t i = 0; spec && schema && i < spec->n_fields; i++) {
        const ko_ice_partition_field *f = &spec->fields[i];
        if (!af->has_field_id || f->field_id != af->field_id)
            continue;
        const ko_ice_field *src = ko_ice_schema_find_id(schema, f->source_id);
        if (src && ko_ice_transform_result_type(&f->transform, &src->type, out, NULL) == KO_OK)
            return KO_OK;
    }
    return avro_to_ice(ko_avro_schema_nonnull(af->type), out);
}

/* Per-manifest decoding state. */
typedef struct mstate {
    rctx c;
    ko_arena *arena;
    ko_ice_manifest *m;
    const ko_ice_manifest_file *from;
    const ko_avro_schema *part_schema; /* r102 */
    ko_ice_type *part_types;           /* one per r102 field */
    int32_t spec_id;
} mstate;

static const ko_avro_schema *find_partition_schema(const ko_avro_schema *entry)
{
    const ko_avro_field *df = NULL;
    for (size_t i = 0; i < entry->n_fields; i++)
        if ((entry->fields[i].has_field_id && entry->fields[i].field_id == 2) ||
            strcmp(entry->fields[i].name, "data_file") == 0)
            df = &entry->fields[i];
    const ko_avro_schema *d = df ? ko_avro_schema_nonnull(df->type) : NULL;
    if (!d || d->type != KO_AVRO_RECORD)
        return NULL;
    for (size_t i = 0; i < d->n_fields; i++)
        if ((d->fields[i].has_field_id && d->fields[i].field_id == 102) ||
            strcmp(d->fields[i].name, "partition") == 0) {
            const ko_avro_schema *p = ko_avro_schema_nonnull(d->fields[i].type);
            return p && p->type == KO_AVRO_RECORD ? p : NULL;
        }
    return NULL;
}

static ko_status resolve_partition_types(mstate *ms, const mheader *h,
                                         const ko_ice_table_meta *meta, const ko_avro_schema *entry)
{
    ms->part_schema = find_partition_schema(entry);
    if (!ms->part_schema)
        return ko_err_set(ms->c.err, KO_ERR_CORRUPT,
                          "%s: the Avro schema has no data_file.partition record", ms->c.what);
    size_t n = ms->part_schema->n_fields;
    ms->part_types = ko_arena_calloc(ms->arena, n ? n : 1, sizeof *ms->part_types);
    if (!ms->part_types)
        return nomem(ms->c.err);
    const ko_ice_partition_spec *spec = meta ? ko_ice_meta_spec(meta, ms->spec_id) : NULL;
    if (h->has_spec)
        spec = &h->spec;
    const ko_ice_schema *schema = schema_for(h, ms->m, meta);
    for (size_t i = 0; i < n; i++) {
        const ko_avro_field *af = &ms->part_schema->fields[i];
        if (pfield_type(spec, schema, af, &ms->part_types[i]) != KO_OK)
            return ko_err_set(ms->c.err, KO_ERR_CORRUPT,
                              "%s: partition field '%s' has an unsupported Avro type %s",
                              ms->c.what, af->name, ko_avro_type_name(af->type->type));
    }
    return KO_OK;
}

/* ------------------------------------------------------ partition values */

static ko_status bytes_value(const rctx *c, const char *name, const ko_ice_type *t,
                             const ko_avro_value *v, ko_ice_value *out)
{
    if (v->type != KO_AVRO_BYTES && v->type != KO_AVRO_FIXED && v->type != KO_AVRO_STRING)
        return bad(c, name, "partition value is not bytes");
    const uint8_t *p = v->u.bytes.ptr ? v->u.bytes.ptr : k_empty;
    if (t->id == KO_ICE_DECIMAL) {
        ko_status st = ko_ice_decimal_from_be(p, v->u.bytes.len, t->scale, out, NULL);
        return st != KO_OK ? bad(c, name, "bad decimal partition value") : KO_OK;
    }
    if (t->id == KO_ICE_UUID && v->type == KO_AVRO_STRING)
        return bad(c, name, "uuid partition values as strings are not supported");
    *out = ko_ice_value_bytes(t->id, p, v->u.bytes.len);
    return KO_OK;
}

static ko_status avro_value_to_ice(const rctx *c, const char *name, const ko_ice_type *t,
                                   const ko_avro_value *v, ko_ice_value *out)
{
    if (is_null(v)) {
        *out = ko_ice_value_null(t->id);
        return KO_OK;
    }
    switch (t->id) {
    case KO_ICE_BOOLEAN:
        if (v->type != KO_AVRO_BOOLEAN)
            return bad(c, name, "partition value is not a boolean");
        *out = ko_ice_value_bool(v->u.b);
        return KO_OK;
    case KO_ICE_FLOAT:
    case KO_ICE_DOUBLE:
        if (v->type != KO_AVRO_FLOAT && v->type != KO_AVRO_DOUBLE)
            return bad(c, name, "partition value is not a floating-point number");
        *out =
            t->id == KO_ICE_FLOAT ? ko_ice_value_float((float)v->u.d) : ko_ice_value_double(v->u.d);
        return KO_OK;
    case KO_ICE_STRING:
    case KO_ICE_BINARY:
    case KO_ICE_FIXED:
    case KO_ICE_UUID:
    case KO_ICE_DECIMAL:
        return bytes_value(c, name, t, v, out);
    default:
        if (!is_integer(v))
            return bad(c, name, "partition value is not an integer");
        *out = ko_ice_value_int_of(t->id, v->u.i);
        return KO_OK;
    }
}

static ko_status read_partition(mstate *ms, const ko_avro_value *df, ko_ice_data_file *f)
{
    const ko_avro_value *p = fget(df, 102, "partition");
    if (!p || p->type != KO_AVRO_RECORD)
        return bad(&ms->c, "partition", "missing or not a record");
    size_t n = p->u.record.n;
    f->partition = ko_arena_calloc(ms->arena, n ? n : 1, sizeof *f->partition);
    if (!f->partition)
        return nomem(ms->c.err);
    f->n_partition = (uint32_t)n;
    ko_status st = KO_OK;
    for (size_t i = 0; i < n && st == KO_OK; i++)
        st = avro_value_to_ice(&ms->c, ms->part_schema->fields[i].name, &ms->part_types[i],
                               &p->u.record.fields[i], &f->partition[i]);
    return st;
}

/* ----------------------------------------------------------- data files */

static ko_status read_metrics(mstate *ms, const ko_avro_value *df, ko_ice_data_file *f)
{
    const rctx *c = &ms->c;
    ko_arena *a = ms->arena;
    ko_status st = read_counts(c, a, df, 108, "column_sizes", &f->column_sizes, &f->n_column_sizes);
    if (st == KO_OK)
        st = read_counts(c, a, df, 109, "value_counts", &f->value_counts, &f->n_value_counts);
    if (st == KO_OK)
        st = read_counts(c, a, df, 110, "null_value_counts", &f->null_value_counts,
                         &f->n_null_value_counts);
    if (st == KO_OK)
        st = read_counts(c, a, df, 137, "nan_value_counts", &f->nan_value_counts,
                         &f->n_nan_value_counts);
    if (st == KO_OK)
        st = read_bounds(c, a, df, 125, "lower_bounds", &f->lower_bounds, &f->n_lower_bounds);
    if (st == KO_OK)
        st = read_bounds(c, a, df, 128, "upper_bounds", &f->upper_bounds, &f->n_upper_bounds);
    return st;
}

static ko_status read_file_extras(mstate *ms, const ko_avro_value *df, ko_ice_data_file *f)
{
    const rctx *c = &ms->c;
    ko_status st = opt_bytes(c, df, 131, "key_metadata", &f->key_metadata);
    if (st == KO_OK)
        st = read_longs(c, ms->arena, df, 132, "split_offsets", &f->split_offsets,
                        &f->n_split_offsets);
    if (st == KO_OK)
        st = read_ints(c, ms->arena, df, 135, "equality_ids", &f->equality_ids, &f->n_equality_ids);
    if (st == KO_OK)
        st = opt_int(c, df, 140, "sort_order_id", -1, &f->sort_order_id);
    if (st == KO_OK)
        st = opt_str(c, df, 143, "referenced_data_file", &f->referenced_data_file);
    return st;
}

static ko_status read_data_file(mstate *ms, const ko_avro_value *df, ko_ice_data_file *f)
{
    const rctx *c = &ms->c;
    int32_t content = 0;
    *f = (ko_ice_data_file){.spec_id = ms->spec_id, .sort_order_id = -1};
    if (!df || df->type != KO_AVRO_RECORD)
        return bad(c, "data_file", "missing or not a record");
    ko_status st = opt_int(c, df, 134, "content", 0, &content);
    if (st == KO_OK && (content < 0 || content > 2))
        st = bad(c, "content", "not 0, 1 or 2");
    f->content = (ko_ice_file_content)content;
    if (st == KO_OK)
        st = req_str(c, df, 100, "file_path", &f->file_path);
    if (st == KO_OK)
        st = req_str(c, df, 101, "file_format", &f->file_format);
    if (st == KO_OK)
        st = read_partition(ms, df, f);
    if (st == KO_OK)
        st = req_long(c, df, 103, "record_count", &f->record_count);
    if (st == KO_OK)
        st = req_long(c, df, 104, "file_size_in_bytes", &f->file_size_in_bytes);
    if (st == KO_OK)
        st = read_metrics(ms, df, f);
    if (st == KO_OK)
        st = read_file_extras(ms, df, f);
    return st;
}

/* Applies the spec's inheritance rules to an entry. */
static void inherit(const mstate *ms, ko_ice_manifest_entry *e)
{
    const ko_ice_manifest_file *from = ms->from;
    if (!from)
        return;
    if (e->snapshot_id == KO_ICE_NULL_ID)
        e->snapshot_id = from->added_snapshot_id;
    bool may = e->status == KO_ICE_ENTRY_ADDED || from->sequence_number == 0;
    if (may && e->sequence_number == KO_ICE_NULL_ID)
        e->sequence_number = from->sequence_number;
    if (may && e->file_sequence_number == KO_ICE_NULL_ID)
        e->file_sequence_number = from->sequence_number;
}

static ko_status read_entry(mstate *ms, const ko_avro_value *rec, ko_ice_manifest_entry *e)
{
    const rctx *c = &ms->c;
    int32_t status = 0;
    *e = (ko_ice_manifest_entry){0};
    ko_status st = req_int(c, rec, 0, "status", &status);
    if (st == KO_OK && (status < 0 || status > 2))
        st = bad(c, "status", "not 0 (existing), 1 (added) or 2 (deleted)");
    e->status = (ko_ice_entry_status)status;
    if (st == KO_OK)
        st = opt_long(c, rec, 1, "snapshot_id", KO_ICE_NULL_ID, &e->snapshot_id);
    if (st == KO_OK)
        st = opt_long(c, rec, 3, "sequence_number", KO_ICE_NULL_ID, &e->sequence_number);
    if (st == KO_OK)
        st = opt_long(c, rec, 4, "file_sequence_number", KO_ICE_NULL_ID, &e->file_sequence_number);
    if (st == KO_OK)
        st = read_data_file(ms, fget(rec, 2, "data_file"), &e->data_file);
    if (st == KO_OK)
        inherit(ms, e);
    return st;
}

/* ------------------------------------------------------- manifest header */

static ko_status header_int(ko_avro_reader *r, const char *key, int64_t dflt, int64_t *out,
                            const char *what, ko_err *err)
{
    const char *v = ko_avro_reader_meta_get(r, key, NULL);
    *out = dflt;
    if (!v)
        return KO_OK;
    char *end = NULL;
    long long x = strtoll(v, &end, 10);
    if (!*v || *end || x < INT32_MIN || x > INT32_MAX)
        return ko_err_set(err, KO_ERR_CORRUPT, "%s: header key '%s' is not an int: '%s'", what, key,
                          v);
    *out = x;
    return KO_OK;
}

static ko_status header_content(ko_avro_reader *r, ko_ice_manifest *m, const char *what,
                                ko_err *err)
{
    const char *v = ko_avro_reader_meta_get(r, "content", NULL);
    m->content = KO_ICE_MANIFEST_DATA;
    if (!v || strcmp(v, "data") == 0)
        return KO_OK;
    if (strcmp(v, "deletes") == 0) {
        m->content = KO_ICE_MANIFEST_DELETES;
        return KO_OK;
    }
    return ko_err_set(err, KO_ERR_CORRUPT, "%s: header key 'content' is '%s', not data or deletes",
                      what, v);
}

/* The header's schema and partition spec; malformed ones are ignored
 * (the table metadata may still type the partition). */
static void header_model(ko_avro_reader *r, ko_arena *arena, ko_ice_manifest *m, mheader *h)
{
    size_t len = 0;
    const char *s = ko_avro_reader_meta_get(r, "schema", &len);
    ko_ice_schema *schema = s ? ko_arena_calloc(arena, 1, sizeof *schema) : NULL;
    if (schema && ko_ice_schema_parse(s, len, arena, schema, NULL) == KO_OK)
        h->schema = schema;
    m->schema = h->schema;
    const char *ps = ko_avro_reader_meta_get(r, "partition-spec", &len);
    json_t *j = ps ? json_loadb(ps, len, 0, NULL) : NULL;
    if (j && ko_ice_spec_from_json_fields(j, m->spec.spec_id, arena, &h->spec, NULL) == KO_OK) {
        h->has_spec = true;
        m->spec = h->spec;
    }
    json_decref(j);
}

static ko_status read_header(ko_avro_reader *r, mstate *ms, mheader *h)
{
    ko_ice_manifest *m = ms->m;
    int64_t fv = 1, sid = -1, spec_id = 0;
    ko_status st = header_int(r, "format-version", 1, &fv, ms->c.what, ms->c.err);
    if (st == KO_OK)
        st = header_int(r, "schema-id", -1, &sid, ms->c.what, ms->c.err);
    if (st == KO_OK)
        st = header_int(r, "partition-spec-id", 0, &spec_id, ms->c.what, ms->c.err);
    if (st == KO_OK)
        st = header_content(r, m, ms->c.what, ms->c.err);
    if (st != KO_OK)
        return st;
    m->format_version = (int32_t)fv;
    m->schema_id = (int32_t)sid;
    m->spec.spec_id = ms->from ? ms->from->partition_spec_id : (int32_t)spec_id;
    ms->spec_id = m->spec.spec_id;
    header_model(r, ms->arena, m, h);
    return KO_OK;
}

static ko_status read_entries(ko_avro_reader *r, mstate *ms)
{
    ko_ice_manifest *m = ms->m;
    size_t cap = 0;
    for (;;) {
        ko_avro_value rec;
        bool has = false;
        ko_status st = ko_avro_reader_next(r, &rec, &has, ms->c.err);
        if (st != KO_OK)
            return ko_err_prefix(ms->c.err, "%s", ms->c.what);
        if (!has)
            return KO_OK;
        m->entries = ko_arena_grow(ms->arena, m->entries, m->n_entries, &cap, sizeof *m->entries);
        if (!m->entries)
            return nomem(ms->c.err);
        ms->c.record = m->n_entries;
        st = read_entry(ms, &rec, &m->entries[m->n_entries]);
        if (st != KO_OK)
            return st;
        m->n_entries++;
    }
}

ko_status ko_ice_manifest_read(const uint8_t *data, size_t len, const char *what,
                               const ko_ice_manifest_file *from, const ko_ice_table_meta *meta,
                               ko_arena *arena, ko_ice_manifest *out, ko_err *err)
{
    ko_avro_reader *r = NULL;
    *out = (ko_ice_manifest){0};
    ko_status st = open_reader(data, len, what, arena, &r, err);
    if (st != KO_OK)
        return st;
    mstate ms = {.c = {.what = what, .err = err}, .arena = arena, .m = out, .from = from};
    mheader h = {0};
    st = read_header(r, &ms, &h);
    if (st == KO_OK)
        st = resolve_partition_types(&ms, &h, meta, ko_avro_reader_schema(r));
    if (st == KO_OK)
        st = read_entries(r, &ms);
    ko_avro_reader_close(r);
    return st;
}

/* ---------------------------------------------------------------- lookup */

const ko_ice_id_count *ko_ice_id_count_find(const ko_ice_id_count *m, uint32_t n, int32_t field_id)
{
    for (uint32_t i = 0; i < n; i++)
        if (m[i].field_id == field_id)
            return &m[i];
    return NULL;
}

const ko_ice_id_bound *ko_ice_id_bound_find(const ko_ice_id_bound *m, uint32_t n, int32_t field_id)
{
    for (uint32_t i = 0; i < n; i++)
        if (m[i].field_id == field_id)
            return &m[i];
    return NULL;
}
