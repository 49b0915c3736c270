/*
 * manifest_write.c - writing Iceberg v2 manifests and manifest lists.
 *
 * The Avro schemas are the ones Iceberg Java 1.8 writes, byte for byte
 * (field names, docs, defaults and field-id attributes), except that a
 * manifest's data_file.partition record ("r102") is built from the
 * partition spec: one optional field per spec field, named as the field
 * (made Avro-compatible), with the partition field id and the Avro form of
 * the transform's result type (Java's TypeToSchema: date as int/date,
 * timestamps as long/timestamp-micros with adjust-to-utc, decimals as
 * fixed "decimal_P_S" of the minimal width, uuid as fixed "uuid_fixed").
 *
 * Entries are turned into ko_avro_value trees against the parsed writer
 * schema and appended to a deflate container (ko_avro_writer).  While
 * writing, the manifest-list entry for the file is accumulated: counts by
 * status, the smallest data sequence number, and per partition field
 * whether nulls or NaNs occur and the smallest and largest other value.
 */
#include "iceberg/avro.h"
#include "iceberg/iceberg.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char k_entry_prefix[] =
    "{\"type\":\"record\",\"name\":\"manifest_entry\",\"fields\":[{\"name\":\"status\","
    "\"type\":\"int\",\"field-id\":0},{\"name\":\"snapshot_id\",\"type\":[\"null\",\"long\"],"
    "\"default\":null,\"field-id\":1},{\"name\":\"sequence_number\",\"type\":[\"null\",\"long\"],"
    "\"default\":null,\"field-id\":3},{\"name\":\"file_sequence_number\",\"type\":[\"null\","
    "\"long\"],\"default\":null,\"field-id\":4},{\"name\":\"data_file\","
    "\"type\":{\"type\":\"record\",\"name\":\"r2\",\"fields\":[{\"name\":\"content\",\"type\":"
    "\"int\","
    "\"doc\":\"Contents of the file: 0=data, 1=position deletes, 2=equality deletes\","
    "\"field-id\":134},{\"name\":\"file_path\",\"type\":\"string\","
    "\"doc\":\"Location URI with FS scheme\",\"field-id\":100},{\"name\":\"file_format\","
    "\"type\":\"string\",\"doc\":\"File format name: avro, orc, or parquet\",\"field-id\":101},"
    "{\"name\":\"partition\",\"type\":";

static const char k_entry_suffix[] =
    ",\"doc\":\"Partition data tuple, schema based on the partition spec\","
    "\"field-id\":102},{\"name\":\"record_count\",\"type\":\"long\","
    "\"doc\":\"Number of records in the file\",\"field-id\":103},"
    "{\"name\":\"file_size_in_bytes\",\"type\":\"long\",\"doc\":\"Total file size in bytes\","
    "\"field-id\":104},{\"name\":\"column_sizes\",\"type\":[\"null\",{\"type\":\"array\","
    "\"items\":{\"type\":\"record\",\"name\":\"k117_v118\",\"fields\":[{\"name\":\"key\","
    "\"type\":\"int\",\"field-id\":117},{\"name\":\"value\",\"type\":\"long\",\"field-id\":118}]},"
    "\"logicalType\":\"map\"}],\"doc\":\"Map of column id to total size on disk\","
    "\"default\":null,\"field-id\":108},{\"name\":\"value_counts\",\"type\":[\"null\","
    "{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":\"k119_v120\","
    "\"fields\":[{\"name\":\"key\",\"type\":\"int\",\"field-id\":119},{\"name\":\"value\","
    "\"type\":\"long\",\"field-id\":120}]},\"logicalType\":\"map\"}],"
    "\"doc\":\"Map of column id to total count, including null and NaN\",\"default\":null,"
    "\"field-id\":109},{\"name\":\"null_value_counts\",\"type\":[\"null\",{\"type\":\"array\","
    "\"items\":{\"type\":\"record\",\"name\":\"k121_v122\",\"fields\":[{\"name\":\"key\","
    "\"type\":\"int\",\"field-id\":121},{\"name\":\"value\",\"type\":\"long\",\"field-id\":122}]},"
    "\"logicalType\":\"map\"}],\"doc\":\"Map of column id to null value count\","
    "\"default\":null,\"field-id\":110},{\"name\":\"nan_value_counts\",\"type\":[\"null\","
    "{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":\"k138_v139\","
    "\"fields\":[{\"name\":\"key\",\"type\":\"int\",\"field-id\":138},{\"name\":\"value\","
    "\"type\":\"long\",\"field-id\":139}]},\"logicalType\":\"map\"}],"
    "\"doc\":\"Map of column id to number of NaN values in the column\",\"default\":null,"
    "\"field-id\":137},{\"name\":\"lower_bounds\",\"type\":[\"null\",{\"type\":\"array\","
    "\"items\":{\"type\":\"record\",\"name\":\"k126_v127\",\"fields\":[{\"name\":\"key\","
    "\"type\":\"int\",\"field-id\":126},{\"name\":\"value\",\"type\":\"bytes\",\"field-id\":127}]},"
    "\"logicalType\":\"map\"}],\"doc\":\"Map of column id to lower bound\",\"default\":null,"
    "\"field-id\":125},{\"name\":\"upper_bounds\",\"type\":[\"null\",{\"type\":\"array\","
    "\"items\":{\"type\":\"record\",\"name\":\"k129_v130\",\"fields\":[{\"name\":\"key\","
    "\"type\":\"int\",\"field-id\":129},{\"name\":\"value\",\"type\":\"bytes\",\"field-id\":130}]},"
    "\"logicalType\":\"map\"}],\"doc\":\"Map of column id to upper bound\",\"default\":null,"
    "\"field-id\":128},{\"name\":\"key_metadata\",\"type\":[\"null\",\"bytes\"],"
    "\"doc\":\"Encryption key metadata blob\",\"default\":null,\"field-id\":131},"
    "{\"name\":\"split_offsets\",\"type\":[\"null\",{\"type\":\"array\",\"items\":\"long\","
    "\"element-id\":133}],\"doc\":\"Splittable offsets\",\"default\":null,\"field-id\":132},"
    "{\"name\":\"equality_ids\",\"type\":[\"null\",{\"type\":\"array\",\"items\":\"int\","
    "\"element-id\":136}],\"doc\":\"Equality comparison field IDs\",\"default\":null,"
    "\"field-id\":135},{\"name\":\"sort_order_id\",\"type\":[\"null\",\"int\"],"
    "\"doc\":\"Sort order ID\",\"default\":null,\"field-id\":140},"
    "{\"name\":\"referenced_data_file\",\"type\":[\"null\",\"string\"],"
    "\"doc\":\"Fully qualified location (URI with FS scheme) of a data file that all del"
    "etes reference\",\"default\":null,\"field-id\":143}]},\"field-id\":2}]}";

static const char k_list_schema[] =
    "{\"type\":\"record\",\"name\":\"manifest_file\",\"fields\":[{\"name\":\"manifest_path\","
    "\"type\":\"string\",\"doc\":\"Location URI with FS scheme\",\"field-id\":500},"
    "{\"name\":\"manifest_length\",\"type\":\"long\",\"doc\":\"Total file size in bytes\","
    "\"field-id\":501},{\"name\":\"partition_spec_id\",\"type\":\"int\","
    "\"doc\":\"Spec ID used to write\",\"field-id\":502},{\"name\":\"content\",\"type\":\"int\","
    "\"doc\":\"Contents of the manifest: 0=data, 1=deletes\",\"field-id\":517},"
    "{\"name\":\"sequence_number\",\"type\":\"long\","
    "\"doc\":\"Sequence number when the manifest was added\",\"field-id\":515},"
    "{\"name\":\"min_sequence_number\",\"type\":\"long\","
    "\"doc\":\"Lowest sequence number in the manifest\",\"field-id\":516},"
    "{\"name\":\"added_snapshot_id\",\"type\":\"long\","
    "\"doc\":\"Snapshot ID that added the manifest\",\"field-id\":503},"
    "{\"name\":\"added_files_count\",\"type\":\"int\",\"doc\":\"Added entry count\","
    "\"field-id\":504},{\"name\":\"existing_files_count\",\"type\":\"int\","
    "\"doc\":\"Existing entry count\",\"field-id\":505},{\"name\":\"deleted_files_count\","
    "\"type\":\"int\",\"doc\":\"Deleted entry count\",\"field-id\":506},"
    "{\"name\":\"added_rows_count\",\"type\":\"long\",\"doc\":\"Added rows count\","
    "\"field-id\":512},{\"name\":\"existing_rows_count\",\"type\":\"long\","
    "\"doc\":\"Existing rows count\",\"field-id\":513},{\"name\":\"deleted_rows_count\","
    "\"type\":\"long\",\"doc\":\"Deleted rows count\",\"field-id\":514},{\"name\":\"partitions\","
    "\"type\":[\"null\",{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":\"r508\","
    "\"fields\":[{\"name\":\"contains_null\",\"type\":\"boolean\","
    "\"doc\":\"True if any file has a null partition value\",\"field-id\":509},"
    "{\"name\":\"contains_nan\",\"type\":[\"null\",\"boolean\"],"
    "\"doc\":\"True if any file has a nan partition value\",\"default\":null,"
    "\"field-id\":518},{\"name\":\"lower_bound\",\"type\":[\"null\",\"bytes\"],"
    "\"doc\":\"Partition lower bound for all files\",\"default\":null,\"field-id\":510},"
    "{\"name\":\"upper_bound\",\"type\":[\"null\",\"bytes\"],"
    "\"doc\":\"Partition upper bound for all files\",\"default\":null,\"field-id\":511}]},"
    "\"element-id\":508}],\"doc\":\"Summary for each partition\",\"default\":null,"
    "\"field-id\":507},{\"name\":\"key_metadata\",\"type\":[\"null\",\"bytes\"],"
    "\"doc\":\"Encryption key metadata blob\",\"default\":null,\"field-id\":519}]}";
static ko_status nomem(ko_err *err)
{
    return ko_err_set(err, KO_ERR_NOMEM, "out of memory writing a manifest");
}

/* ------------------------------------------------ partition Avro schema */

/* Bytes of the smallest fixed holding every decimal of precision p (Java's
 * TypeUtil.decimalRequiredBytes). */
static size_t decimal_bytes(int32_t p)
{
    static const int8_t max_precision[17] = {0,  2,  4,  6,  9,  11, 14, 16, 18,
                                             21, 23, 26, 28, 31, 33, 35, 38};
    for (size_t n = 1; n <= 16; n++)
        if (max_precision[n] >= p)
            return n;
    return 16;
}

/* A named fixed type: its definition the first time, its name after that
 * (Avro forbids defining a name twice). */
static json_t *named(json_t *seen, const char *name, json_t *def)
{
    if (!def || json_object_get(seen, name)) {
        json_decref(def);
        return json_string(name);
    }
    json_object_set_new(seen, name, json_true());
    return def;
}

static json_t *logical(const char *base, const char *lt)
{
    return json_pack("{s:s,s:s}", "type", base, "logicalType", lt);
}

static json_t *timestamp_type(const char *lt, bool utc)
{
    return json_pack("{s:s,s:s,s:b}", "type", "long", "logicalType", lt, "adjust-to-utc", utc);
}

static json_t *fixed_type(const ko_ice_type *t, json_t *seen)
{
    char name[64];
    if (t->id == KO_ICE_UUID)
        return named(seen, "uuid_fixed",
                     json_pack("{s:s,s:s,s:i,s:s}", "type", "fixed", "name", "uuid_fixed", "size",
                               16, "logicalType", "uuid"));
    if (t->id == KO_ICE_FIXED) {
        snprintf(name, sizeof name, "fixed_%d", (int)t->length);
        return named(seen, name,
                     json_pack("{s:s,s:s,s:i}", "type", "fixed", "name", name, "size", t->length));
    }
    snprintf(name, sizeof name, "decimal_%d_%d", (int)t->precision, (int)t->scale);
    return named(seen, name,
                 json_pack("{s:s,s:s,s:i,s:s,s:i,s:i}", "type", "fixed", "name", name, "size",
                           (int)decimal_bytes(t->precision), "logicalType", "decimal", "precision",
                           t->precision, "scale", t->scale));
}

/* The Avro schema of a primitive Iceberg type, as Java's TypeToSchema. */
static json_t *avro_type(const ko_ice_type *t, json_t *seen)
{
    switch (t->id) {
    case KO_ICE_BOOLEAN:
        return json_string("boolean");
    case KO_ICE_INT:
        return json_string("int");
    case KO_ICE_LONG:
        return json_string("long");
    case KO_ICE_FLOAT:
        return json_string("float");
    case KO_ICE_DOUBLE:
        return json_string("double");
    case KO_ICE_DATE:
        return logical("int", "date");
    case KO_ICE_TIME:
        return logical("long", "time-micros");
    case KO_ICE_TIMESTAMP:
    case KO_ICE_TIMESTAMPTZ:
        return timestamp_type("timestamp-micros", t->id == KO_ICE_TIMESTAMPTZ);
    case KO_ICE_TIMESTAMP_NS:
    case KO_ICE_TIMESTAMPTZ_NS:
        return timestamp_type("timestamp-nanos", t->id == KO_ICE_TIMESTAMPTZ_NS);
    case KO_ICE_STRING:
        return json_string("string");
    case KO_ICE_BINARY:
        return json_string("bytes");
    case KO_ICE_UUID:
    case KO_ICE_FIXED:
    case KO_ICE_DECIMAL:
        return fixed_type(t, seen);
    default:
        return NULL;
    }
}

static json_t *partition_field_json(const ko_ice_field *f, json_t *seen, ko_arena *arena)
{
    const char *name = ko_ice_compatible_name(f->name, arena);
    json_t *t = avro_type(&f->type, seen);
    if (!name || !t) {
        json_decref(t);
        return NULL;
    }
    return json_pack("{s:s,s:[s,o],s:n,s:i}", "name", name, "type", "null", t, "default",
                     "field-id", f->id);
}

/* Appends the r102 record schema of partition type pt. */
static ko_status partition_schema(const ko_ice_type *pt, ko_arena *arena, ko_buf *out, ko_err *err)
{
    json_t *seen = json_object();
    json_t *fields = json_array();
    json_t *rec = json_pack("{s:s,s:s,s:o}", "type", "record", "name", "r102", "fields", fields);
    bool ok = seen && fields && rec;
    for (uint32_t i = 0; ok && i < pt->n_fields; i++) {
        json_t *f = partition_field_json(&pt->fields[i], seen, arena);
        ok = f && json_array_append_new(fields, f) == 0;
    }
    ko_status st =
        ok ? ko_ice_json_dump(rec, 0, out, err)
           : ko_err_set(err, KO_ERR_INVALID, "partition type cannot be written as an Avro schema");
    json_decref(rec);
    json_decref(seen);
    return st;
}

static ko_status entry_schema(const ko_ice_type *pt, ko_arena *arena, ko_buf *out, ko_err *err)
{
    ko_status st = ko_buf_append_str(out, k_entry_prefix);
    if (st == KO_OK)
        st = partition_schema(pt, arena, out, err);
    else
        return nomem(err);
    if (st == KO_OK && ko_buf_append_str(out, k_entry_suffix) != KO_OK)
        st = nomem(err);
    return st;
}

/* ------------------------------------------------------ manifest header */

typedef struct header_text {
    ko_buf schema, spec;
    char schema_id[16], spec_id[16];
} header_text;

static ko_status spec_fields_json(const ko_ice_partition_spec *spec, ko_buf *out, ko_err *err)
{
    json_t *j = NULL;
    ko_status st = ko_ice_spec_to_json(spec, &j, err);
    if (st != KO_OK)
        return st;
    const json_t *fields = json_object_get(j, "fields");
    st = fields ? ko_ice_json_dump(fields, 0, out, err)
                : ko_err_set(err, KO_ERR_INTERNAL, "partition spec JSON has no fields");
    json_decref(j);
    return st;
}

static ko_status header_meta(const ko_ice_manifest_write_opts *o, const ko_ice_partition_spec *spec,
                             header_text *h, ko_avro_meta meta[6], ko_err *err)
{
    ko_status st = ko_ice_schema_write_json(o->schema, &h->schema, err);
    if (st == KO_OK)
        st = spec_fields_json(spec, &h->spec, err);
    if (st != KO_OK)
        return st;
    snprintf(h->schema_id, sizeof h->schema_id, "%d", (int)o->schema->schema_id);
    snprintf(h->spec_id, sizeof h->spec_id, "%d", (int)spec->spec_id);
    const char *content = o->content == KO_ICE_MANIFEST_DELETES ? "deletes" : "data";
    meta[0] = (ko_avro_meta){"schema", h->schema.data, h->schema.len};
    meta[1] = (ko_avro_meta){"schema-id", (const uint8_t *)h->schema_id, strlen(h->schema_id)};
    meta[2] = (ko_avro_meta){"partition-spec", h->spec.data, h->spec.len};
    meta[3] = (ko_avro_meta){"partition-spec-id", (const uint8_t *)h->spec_id, strlen(h->spec_id)};
    meta[4] = (ko_avro_meta){"format-version", (const uint8_t *)"2", 1};
    meta[5] = (ko_avro_meta){"content", (const uint8_t *)content, strlen(content)};
    return KO_OK;
}

/* ------------------------------------------------------- entry values */

typedef struct wctx {
    ko_arena *arena;
    const ko_avro_schema *entry, *df;
    const ko_ice_type *ptype;
    const char *path; /* for messages */
    size_t index;     /* entry being written */
    ko_err *err;
} wctx;

static ko_status invalid(const wctx *w, const char *field, const char *why)
{
    return ko_err_set(w->err, KO_ERR_INVALID, "%s: entry %zu: %s: %s",
                      w->path ? w->path : "manifest", w->index, field, why);
}

static ko_avro_value opt_long(int64_t v)
{
    return v == KO_ICE_NULL_ID ? ko_avro_null() : ko_avro_long(v);
}

static ko_avro_value opt_bytes(ko_ice_bytes b)
{
    return b.ptr ? ko_avro_bytes(b.ptr, b.len) : ko_avro_null();
}

/* The key/value record schema of map field `name` of data_file. */
static const ko_avro_schema *kv_schema(const wctx *w, const char *name)
{
    const ko_avro_field *f = ko_avro_schema_field(w->df, name);
    const ko_avro_schema *a = f ? ko_avro_schema_nonnull(f->type) : NULL;
    return a && a->type == KO_AVRO_ARRAY ? a->items : NULL;
}

static ko_status kv_array(const wctx *w, const char *name, size_t n, ko_avro_value *out)
{
    const ko_avro_schema *kv = kv_schema(w, name);
    if (!kv)
        return ko_err_set(w->err, KO_ERR_INTERNAL, "manifest schema lacks %s", name);
    if (ko_avro_array_init(out, w->arena, n) != KO_OK)
        return nomem(w->err);
    for (size_t i = 0; i < n; i++)
        if (ko_avro_record_init(&out->u.array.items[i], w->arena, kv) != KO_OK)
            return nomem(w->err);
    return KO_OK;
}

static ko_status counts_value(const wctx *w, const char *name, const ko_ice_id_count *m, uint32_t n,
                              ko_avro_value *out)
{
    *out = ko_avro_null();
    if (!n)
        return KO_OK;
    ko_status st = kv_array(w, name, n, out);
    for (uint32_t i = 0; st == KO_OK && i < n; i++) {
        out->u.array.items[i].u.record.fields[0] = ko_avro_int(m[i].field_id);
        out->u.array.items[i].u.record.fields[1] = ko_avro_long(m[i].value);
    }
    return st;
}

static ko_status bounds_value(const wctx *w, const char *name, const ko_ice_id_bound *m, uint32_t n,
                              ko_avro_value *out)
{
    *out = ko_avro_null();
    if (!n)
        return KO_OK;
    ko_status st = kv_array(w, name, n, out);
    for (uint32_t i = 0; st == KO_OK && i < n; i++) {
        if (!m[i].value.ptr)
            return invalid(w, name, "a null bound");
        out->u.array.items[i].u.record.fields[0] = ko_avro_int(m[i].field_id);
        out->u.array.items[i].u.record.fields[1] = ko_avro_bytes(m[i].value.ptr, m[i].value.len);
    }
    return st;
}

static ko_status longs_value(const wctx *w, const int64_t *a, const int32_t *b, uint32_t n,
                             ko_avro_value *out)
{
    *out = ko_avro_null();
    if (!n)
        return KO_OK;
    if (ko_avro_array_init(out, w->arena, n) != KO_OK)
        return nomem(w->err);
    for (uint32_t i = 0; i < n; i++)
        out->u.array.items[i] = a ? ko_avro_long(a[i]) : ko_avro_int(b[i]);
    return KO_OK;
}

/* The Avro datum of one partition value of type t. */
static ko_status part_datum(const wctx *w, const ko_ice_type *t, const ko_ice_value *v,
                            ko_avro_value *out)
{
    if (v->is_null) {
        *out = ko_avro_null();
        return KO_OK;
    }
    switch (t->id) {
    case KO_ICE_BOOLEAN:
        *out = ko_avro_bool(v->i != 0);
        return KO_OK;
    case KO_ICE_INT:
    case KO_ICE_DATE:
        *out = ko_avro_int((int32_t)v->i);
        return KO_OK;
    case KO_ICE_FLOAT:
        *out = ko_avro_float((float)v->d);
        return KO_OK;
    case KO_ICE_DOUBLE:
        *out = ko_avro_double(v->d);
        return KO_OK;
    case KO_ICE_STRING:
        *out = ko_avro_string_n((const char *)v->bytes, v->len);
        return KO_OK;
    case KO_ICE_BINARY:
        *out = ko_avro_bytes(v->bytes, v->len);
        return KO_OK;
    case KO_ICE_FIXED:
    case KO_ICE_UUID:
        *out = ko_avro_fixed(v->bytes, v->len);
        return KO_OK;
    case KO_ICE_DECIMAL: {
        size_t n = decimal_bytes(t->precision);
        uint8_t *p = ko_arena_alloc(w->arena, 16);
        if (!p)
            return nomem(w->err);
        for (int k = 0; k < 8; k++) {
            p[k] = (uint8_t)((uint64_t)v->hi >> (56 - 8 * k));
            p[8 + k] = (uint8_t)((uint64_t)v->i >> (56 - 8 * k));
        }
        *out = ko_avro_fixed(p + 16 - n, n);
        return KO_OK;
    }
    default:
        *out = ko_avro_long(v->i);
        return KO_OK;
    }
}

static ko_status partition_datum(const wctx *w, const ko_ice_data_file *f, ko_avro_value *out)
{
    const ko_avro_field *pf = ko_avro_schema_field(w->df, "partition");
    if (ko_avro_record_init(out, w->arena, pf->type) != KO_OK)
        return nomem(w->err);
    for (uint32_t i = 0; i < w->ptype->n_fields; i++) {
        const ko_ice_type *t = &w->ptype->fields[i].type;
        ko_err e2;
        if (ko_ice_value_check(t, &f->partition[i], &e2) != KO_OK)
            return invalid(w, w->ptype->fields[i].name, e2.msg);
        ko_status st = part_datum(w, t, &f->partition[i], &out->u.record.fields[i]);
        if (st != KO_OK)
            return st;
    }
    return KO_OK;
}

static ko_status set(ko_avro_value *rec, const char *name, ko_avro_value v, ko_status st)
{
    return st != KO_OK ? st : ko_avro_record_set(rec, name, v);
}

static ko_status file_metrics(const wctx *w, const ko_ice_data_file *f, ko_avro_value *df)
{
    ko_avro_value v[9];
    ko_status st = counts_value(w, "column_sizes", f->column_sizes, f->n_column_sizes, &v[0]);
    if (st == KO_OK)
        st = counts_value(w, "value_counts", f->value_counts, f->n_value_counts, &v[1]);
    if (st == KO_OK)
        st = counts_value(w, "null_value_counts", f->null_value_counts, f->n_null_value_counts,
                          &v[2]);
    if (st == KO_OK)
        st = counts_value(w, "nan_value_counts", f->nan_value_counts, f->n_nan_value_counts, &v[3]);
    if (st == KO_OK)
        st = bounds_value(w, "lower_bounds", f->lower_bounds, f->n_lower_bounds, &v[4]);
    if (st == KO_OK)
        st = bounds_value(w, "upper_bounds", f->upper_bounds, f->n_upper_bounds, &v[5]);
    if (st == KO_OK)
        st = longs_value(w, f->split_offsets, NULL, f->n_split_offsets, &v[6]);
    if (st == KO_OK)
        st = longs_value(w, NULL, f->equality_ids, f->n_equality_ids, &v[7]);
    if (st != KO_OK)
        return st;
    static const char *const names[] = {"column_sizes",     "value_counts", "null_value_counts",
                                        "nan_value_counts", "lower_bounds", "upper_bounds",
                                        "split_offsets",    "equality_ids"};
    for (size_t i = 0; i < KO_ARRAY_LEN(names) && st == KO_OK; i++)
        st = ko_avro_record_set(df, names[i], v[i]);
    return st;
}

static ko_status file_datum(const wctx *w, const ko_ice_data_file *f, ko_avro_value *df)
{
    ko_avro_value part;
    if (ko_avro_record_init(df, w->arena, w->df) != KO_OK)
        return nomem(w->err);
    ko_status st = partition_datum(w, f, &part);
    if (st != KO_OK)
        return st;
    st = set(df, "content", ko_avro_int((int32_t)f->content), st);
    st = set(df, "file_path", ko_avro_string(f->file_path), st);
    st = set(df, "file_format", ko_avro_string(f->file_format), st);
    st = set(df, "partition", part, st);
    st = set(df, "record_count", ko_avro_long(f->record_count), st);
    st = set(df, "file_size_in_bytes", ko_avro_long(f->file_size_in_bytes), st);
    st = set(df, "key_metadata", opt_bytes(f->key_metadata), st);
    st = set(df, "sort_order_id",
             f->sort_order_id < 0 ? ko_avro_null() : ko_avro_int(f->sort_order_id), st);
    st =
        set(df, "referenced_data_file",
            f->referenced_data_file ? ko_avro_string(f->referenced_data_file) : ko_avro_null(), st);
    if (st != KO_OK)
        return ko_err_set(w->err, st, "%s: entry %zu: cannot build the data_file record", w->path,
                          w->index);
    return file_metrics(w, f, df);
}

static ko_status entry_datum(const wctx *w, const ko_ice_manifest_entry *e, ko_avro_value *out)
{
    ko_avro_value df;
    if (ko_avro_record_init(out, w->arena, w->entry) != KO_OK)
        return nomem(w->err);
    ko_status st = file_datum(w, &e->data_file, &df);
    if (st != KO_OK)
        return st;
    st = set(out, "status", ko_avro_int((int32_t)e->status), st);
    st = set(out, "snapshot_id", opt_long(e->snapshot_id), st);
    st = set(out, "sequence_number", opt_long(e->sequence_number), st);
    st = set(out, "file_sequence_number", opt_long(e->file_sequence_number), st);
    st = set(out, "data_file", df, st);
    return st != KO_OK
               ? ko_err_set(w->err, st, "%s: entry %zu: cannot build the record", w->path, w->index)
               : KO_OK;
}

/* ------------------------------------------------------------ checks */

static bool content_fits(ko_ice_manifest_content mc, ko_ice_file_content fc)
{
    return mc == KO_ICE_MANIFEST_DATA ? fc == KO_ICE_CONTENT_DATA : fc != KO_ICE_CONTENT_DATA;
}

static ko_status check_entry(const wctx *w, ko_ice_manifest_content mc,
                             const ko_ice_manifest_entry *e)
{
    const ko_ice_data_file *f = &e->data_file;
    if ((unsigned)e->status > KO_ICE_ENTRY_DELETED)
        return invalid(w, "status", "not 0, 1 or 2");
    if ((unsigned)f->content > KO_ICE_CONTENT_EQUALITY_DELETES || !content_fits(mc, f->content))
        return invalid(w, "content",
                       mc == KO_ICE_MANIFEST_DATA ? "a delete file in a data manifest"
                                                  : "a data file in a delete manifest");
    if (!f->file_path || !f->file_format)
        return invalid(w, "data_file", "file_path and file_format are required");
    if (f->n_partition != w->ptype->n_fields)
        return invalid(w, "partition", "the tuple does not have one value per spec field");
    if (e->status != KO_ICE_ENTRY_ADDED &&
        (e->sequence_number == KO_ICE_NULL_ID || e->file_sequence_number == KO_ICE_NULL_ID))
        return invalid(w, "sequence_number", "only ADDED entries may inherit sequence numbers");
    if (f->content == KO_ICE_CONTENT_EQUALITY_DELETES && !f->n_equality_ids)
        return invalid(w, "equality_ids", "required for an equality delete file");
    if (f->record_count < 0 || f->file_size_in_bytes < 0)
        return invalid(w, "record_count", "counts and sizes must not be negative");
    return KO_OK;
}

/* ----------------------------------------------------------- summaries */

typedef struct pstat {
    bool has_null, has_nan, has;
    ko_ice_value lo, hi;
} pstat;

static bool is_nan_value(const ko_ice_value *v)
{
    return (v->type == KO_ICE_FLOAT || v->type == KO_ICE_DOUBLE) && isnan(v->d);
}

static void pstat_add(pstat *s, const ko_ice_value *v)
{
    if (v->is_null) {
        s->has_null = true;
    } else if (is_nan_value(v)) {
        s->has_nan = true;
    } else if (!s->has) {
        s->lo = s->hi = *v;
        s->has = true;
    } else {
        if (ko_ice_value_compare(v, &s->lo) < 0)
            s->lo = *v;
        if (ko_ice_value_compare(v, &s->hi) > 0)
            s->hi = *v;
    }
}

static ko_status bound_bytes(const ko_ice_type *t, const ko_ice_value *v, ko_arena *arena,
                             ko_ice_bytes *out, ko_err *err)
{
    ko_buf b = {0};
    ko_status st = ko_ice_value_to_bytes(t, v, &b, err);
    uint8_t *p = st == KO_OK ? ko_arena_alloc(arena, b.len ? b.len : 1) : NULL;
    if (st == KO_OK && !p)
        st = nomem(err);
    if (st == KO_OK) {
        ko_memcpy0(p, b.data, b.len);
        *out = (ko_ice_bytes){p, b.len};
    }
    ko_buf_free(&b);
    return st;
}

static ko_status summary_of(const ko_ice_type *t, const pstat *s, ko_arena *arena,
                            ko_ice_field_summary *out, ko_err *err)
{
    *out = (ko_ice_field_summary){
        .contains_null = s->has_null, .has_contains_nan = true, .contains_nan = s->has_nan};
    if (!s->has)
        return KO_OK;
    ko_status st = bound_bytes(t, &s->lo, arena, &out->lower_bound, err);
    return st != KO_OK ? st : bound_bytes(t, &s->hi, arena, &out->upper_bound, err);
}

static const ko_ice_partition_spec k_unpartitioned = {0};

ko_status ko_ice_partition_summaries(const ko_ice_partition_spec *spec, const ko_ice_schema *schema,
                                     const ko_ice_value *const *parts, size_t n, ko_arena *arena,
                                     ko_ice_field_summary **out, ko_err *err)
{
    ko_ice_type pt;
    spec = spec ? spec : &k_unpartitioned;
    ko_status st = ko_ice_spec_partition_type(spec, schema, arena, &pt, err);
    if (st != KO_OK)
        return st;
    *out = ko_arena_calloc(arena, pt.n_fields ? pt.n_fields : 1, sizeof **out);
    if (!*out)
        return nomem(err);
    for (uint32_t k = 0; k < pt.n_fields && st == KO_OK; k++) {
        pstat s = {0};
        for (size_t i = 0; i < n; i++)
            pstat_add(&s, &parts[i][k]);
        st = summary_of(&pt.fields[k].type, &s, arena, &(*out)[k], err);
    }
    return st;
}

/* ------------------------------------------------------------- writers */

static void count_entry(ko_ice_manifest_file *mf, const ko_ice_manifest_entry *e, int64_t seq,
                        int64_t *min_seq)
{
    int64_t rows = e->data_file.record_count;
    if (e->status == KO_ICE_ENTRY_ADDED) {
        mf->added_files_count++;
        mf->added_rows_count += rows;
    } else if (e->status == KO_ICE_ENTRY_EXISTING) {
        mf->existing_files_count++;
        mf->existing_rows_count += rows;
    } else {
        mf->deleted_files_count++;
        mf->deleted_rows_count += rows;
    }
    int64_t s = e->sequence_number == KO_ICE_NULL_ID ? seq : e->sequence_number;
    if (e->status != KO_ICE_ENTRY_DELETED && (*min_seq < 0 || s < *min_seq))
        *min_seq = s;
}

static ko_status make_summary(const ko_ice_manifest_write_opts *o,
                              const ko_ice_partition_spec *spec,
                              const ko_ice_manifest_entry *entries, size_t n, size_t length,
                              ko_arena *arena, ko_ice_manifest_file *mf, ko_err *err)
{
    int64_t min_seq = -1;
    *mf = (ko_ice_manifest_file){.manifest_path = o->path,
                                 .manifest_length = (int64_t)length,
                                 .partition_spec_id = spec->spec_id,
                                 .content = o->content,
                                 .sequence_number = o->sequence_number,
                                 .added_snapshot_id = o->snapshot_id,
                                 .first_row_id = KO_ICE_NULL_ID};
    const ko_ice_value **parts = ko_arena_calloc(arena, n ? n : 1, sizeof(const ko_ice_value *));
    if (!parts)
        return nomem(err);
    for (size_t i = 0; i < n; i++) {
        count_entry(mf, &entries[i], o->sequence_number, &min_seq);
        parts[i] = entries[i].data_file.partition;
    }
    mf->min_sequence_number = min_seq < 0 ? o->sequence_number : min_seq;
    mf->n_partitions = spec->n_fields;
    return ko_ice_partition_summaries(spec, o->schema, parts, n, arena, &mf->partitions, err);
}

static ko_status write_entries(wctx *w, ko_avro_writer *aw, ko_ice_manifest_content mc,
                               const ko_ice_manifest_entry *entries, size_t n)
{
    ko_status st = KO_OK;
    for (size_t i = 0; i < n && st == KO_OK; i++) {
        ko_avro_value v;
        w->index = i;
        st = check_entry(w, mc, &entries[i]);
        if (st == KO_OK)
            st = entry_datum(w, &entries[i], &v);
        if (st == KO_OK)
            st = ko_avro_writer_append(aw, &v, w->err);
    }
    return st;
}

static ko_status open_manifest_writer(const ko_ice_manifest_write_opts *o,
                                      const ko_ice_partition_spec *spec, wctx *w,
                                      ko_avro_writer **aw, ko_err *err)
{
    ko_ice_type *pt = ko_arena_calloc(w->arena, 1, sizeof *pt);
    ko_buf schema = {0};
    header_text h = {0};
    ko_avro_meta meta[6];
    ko_status st = pt ? ko_ice_spec_partition_type(spec, o->schema, w->arena, pt, err) : nomem(err);
    if (st == KO_OK)
        st = entry_schema(pt, w->arena, &schema, err);
    if (st == KO_OK)
        st = header_meta(o, spec, &h, meta, err);
    ko_avro_writer_opts wo = {.codec = KO_AVRO_CODEC_DEFLATE, .meta = meta, .n_meta = 6};
    if (st == KO_OK)
        st = ko_avro_writer_open((const char *)schema.data, schema.len, &wo, aw, err);
    ko_buf_free(&schema);
    ko_buf_free(&h.schema);
    ko_buf_free(&h.spec);
    if (st != KO_OK)
        return st;
    w->ptype = pt;
    w->entry = ko_avro_writer_schema(*aw);
    w->df = ko_avro_schema_field(w->entry, "data_file")->type;
    return KO_OK;
}

ko_status ko_ice_manifest_write(const ko_ice_manifest_write_opts *opts,
                                const ko_ice_manifest_entry *entries, size_t n, ko_buf *out,
                                ko_ice_manifest_file *summary, ko_arena *arena, ko_err *err)
{
    if (!opts || !opts->schema || (n && !entries))
        return ko_err_set(err, KO_ERR_INVALID, "manifest write: a schema is required");
    const ko_ice_partition_spec *spec = opts->spec ? opts->spec : &k_unpartitioned;
    ko_arena tmp = {0};
    wctx w = {.arena = &tmp, .path = opts->path ? opts->path : "manifest", .err = err};
    ko_avro_writer *aw = NULL;
    size_t start = out->len;
    ko_status st = open_manifest_writer(opts, spec, &w, &aw, err);
    if (st == KO_OK)
        st = write_entries(&w, aw, opts->content, entries, n);
    if (st == KO_OK)
        st = ko_avro_writer_finish(aw, out, err);
    ko_avro_writer_free(aw);
    ko_arena_free(&tmp);
    if (st == KO_OK && summary)
        st = make_summary(opts, spec, entries, n, out->len - start, arena, summary, err);
    if (st != KO_OK)
        out->len = start;
    return st;
}

/* -------------------------------------------------------- manifest list */

static ko_status summaries_datum(const ko_avro_schema *list_schema, const ko_ice_manifest_file *mf,
                                 ko_arena *arena, ko_avro_value *out)
{
    *out = ko_avro_null();
    if (!mf->partitions)
        return KO_OK;
    const ko_avro_field *f = ko_avro_schema_field(list_schema, "partitions");
    const ko_avro_schema *r508 = ko_avro_schema_nonnull(f->type)->items;
    if (ko_avro_array_init(out, arena, mf->n_partitions) != KO_OK)
        return KO_ERR_NOMEM;
    for (uint32_t i = 0; i < mf->n_partitions; i++) {
        const ko_ice_field_summary *s = &mf->partitions[i];
        ko_avro_value *r = &out->u.array.items[i];
        if (ko_avro_record_init(r, arena, r508) != KO_OK)
            return KO_ERR_NOMEM;
        r->u.record.fields[0] = ko_avro_bool(s->contains_null);
        r->u.record.fields[1] =
            s->has_contains_nan ? ko_avro_bool(s->contains_nan) : ko_avro_null();
        r->u.record.fields[2] = opt_bytes(s->lower_bound);
        r->u.record.fields[3] = opt_bytes(s->upper_bound);
    }
    return KO_OK;
}

static bool counts_known(const ko_ice_manifest_file *m)
{
    return m->added_files_count >= 0 && m->existing_files_count >= 0 &&
           m->deleted_files_count >= 0 && m->added_rows_count >= 0 && m->existing_rows_count >= 0 &&
           m->deleted_rows_count >= 0;
}

static ko_status list_datum(const ko_avro_schema *s, const ko_ice_manifest_file *m, size_t i,
                            ko_arena *arena, ko_avro_value *out, ko_err *err)
{
    ko_avro_value parts;
    if (!m->manifest_path || !counts_known(m))
        return ko_err_set(err, KO_ERR_INVALID,
                          "manifest list: entry %zu: manifest_path and all counts are required", i);
    if (ko_avro_record_init(out, arena, s) != KO_OK ||
        summaries_datum(s, m, arena, &parts) != KO_OK)
        return nomem(err);
    ko_status st = KO_OK;
    st = set(out, "manifest_path", ko_avro_string(m->manifest_path), st);
    st = set(out, "manifest_length", ko_avro_long(m->manifest_length), st);
    st = set(out, "partition_spec_id", ko_avro_int(m->partition_spec_id), st);
    st = set(out, "content", ko_avro_int((int32_t)m->content), st);
    st = set(out, "sequence_number", ko_avro_long(m->sequence_number), st);
    st = set(out, "min_sequence_number", ko_avro_long(m->min_sequence_number), st);
    st = set(out, "added_snapshot_id", ko_avro_long(m->added_snapshot_id), st);
    st = set(out, "added_files_count", ko_avro_int(m->added_files_count), st);
    st = set(out, "existing_files_count", ko_avro_int(m->existing_files_count), st);
    st = set(out, "deleted_files_count", ko_avro_int(m->deleted_files_count), st);
    st = set(out, "added_rows_count", ko_avro_long(m->added_rows_count), st);
    st = set(out, "existing_rows_count", ko_avro_long(m->existing_rows_count), st);
    st = set(out, "deleted_rows_count", ko_avro_long(m->deleted_rows_count), st);
    st = set(out, "partitions", parts, st);
    st = set(out, "key_metadata", opt_bytes(m->key_metadata), st);
    return st != KO_OK ? ko_err_set(err, st, "manifest list: entry %zu: cannot build the record", i)
                       : KO_OK;
}

static ko_status open_list_writer(const ko_ice_manifest_list_write_opts *o, ko_avro_writer **aw,
                                  ko_err *err)
{
    char sid[24], parent[24], seq[24];
    snprintf(sid, sizeof sid, "%lld", (long long)o->snapshot_id);
    if (o->parent_snapshot_id < 0)
        snprintf(parent, sizeof parent, "null");
    else
        snprintf(parent, sizeof parent, "%lld", (long long)o->parent_snapshot_id);
    snprintf(seq, sizeof seq, "%lld", (long long)o->sequence_number);
    ko_avro_meta meta[4] = {
        {"snapshot-id", (const uint8_t *)sid, strlen(sid)},
        {"parent-snapshot-id", (const uint8_t *)parent, strlen(parent)},
        {"sequence-number", (const uint8_t *)seq, strlen(seq)},
        {"format-version", (const uint8_t *)"2", 1},
    };
    ko_avro_writer_opts wo = {.codec = KO_AVRO_CODEC_DEFLATE, .meta = meta, .n_meta = 4};
    return ko_avro_writer_open(k_list_schema, strlen(k_list_schema), &wo, aw, err);
}

ko_status ko_ice_manifest_list_write(const ko_ice_manifest_list_write_opts *opts,
                                     const ko_ice_manifest_file *files, size_t n, ko_buf *out,
                                     ko_err *err)
{
    if (!opts || (n && !files))
        return ko_err_set(err, KO_ERR_INVALID, "manifest list write: bad arguments");
    ko_avro_writer *aw = NULL;
    ko_arena tmp = {0};
    size_t start = out->len;
    ko_status st = open_list_writer(opts, &aw, err);
    const ko_avro_schema *s = st == KO_OK ? ko_avro_writer_schema(aw) : NULL;
    for (size_t i = 0; i < n && st == KO_OK; i++) {
        ko_avro_value v;
        st = list_datum(s, &files[i], i, &tmp, &v, err);
        if (st == KO_OK)
            st = ko_avro_writer_append(aw, &v, err);
    }
    if (st == KO_OK)
        st = ko_avro_writer_finish(aw, out, err);
    ko_avro_writer_free(aw);
    ko_arena_free(&tmp);
    if (st != KO_OK)
        out->len = start;
    return st;
}
