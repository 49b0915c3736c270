/*
 * iceberg.h - Apache Iceberg v2 tables: the in-memory model and its JSON.
 *
 * This header is the contract of the iceberg/ layer (format/spec.md of
 * apache/iceberg).  It is organised in sections, bottom-up:
 *
 *   1. types and schemas       field ids, primitive and nested types, lookups
 *      (schema.c, schema_json.c)
 *   2. schemas and Parquet     Iceberg schema <-> Parquet schema elements
 *      (schema_parquet.c)
 *   3. schema evolution        add, rename, drop, move, promote
 *      (schema_evolve.c)
 *   4. values                  one primitive value; Appendix D binary and JSON
 *      (value.c, value_text.c) single-value forms; human-readable text
 *   5. transforms              identity, bucket, truncate, year, month, day,
 *      (transform.c)           hour, void; Appendix B hashing
 *   6. partition specs and     JSON, validation, "--partition-by" text,
 *      sort orders             partition paths
 *      (partition.c, partition_text.c)
 *   7. table metadata          metadata.json (v2; v1 read): snapshots, refs,
 *      (metadata.c, metadata_  logs; checks; a new table's metadata and the
 *      write.c, metadata_      small edits a commit makes
 *      edit.c)
 *   8. JSON helpers            member access with messages naming the member
 *      (json.c)
 *
 * Later parts of the layer (manifests, snapshots on storage, scan
 * planning) add their sections after these.
 *
 * Memory.  Every model object (schema, spec, sort order, table metadata)
 * lives in a ko_arena the caller passes in; parsers and builders copy every
 * string they keep, so a result depends on nothing but its arena.  Objects
 * are plain structs: read their fields directly.  Functions that derive a
 * new object (schema evolution, metadata edits) allocate the new parts in
 * the arena given and never change their input, except the ko_ice_meta_*
 * editors, which change the metadata passed to them.
 *
 * Errors are values: every fallible function returns a ko_status and fills
 * the ko_err (if non-NULL) with a message naming the object and field
 * ("schema 0: field 'loc': field 'lat': decimal precision 40 is not in
 * 1..38", "snapshot 42: missing required field 'manifest-list'").
 * Nothing here prints, aborts or does I/O.
 *
 * JSON is produced and consumed with jansson; functions taking a json_t
 * borrow it, functions returning one hand the caller a new reference.
 */
#ifndef KO_ICEBERG_H
#define KO_ICEBERG_H

#include <jansson.h>

#include "base/base.h"
#include "parquet/parquet.h"

/* ======================================================================
 * 1. Types and schemas
 * ====================================================================== */

typedef enum ko_ice_type_id {
    KO_ICE_TYPE_INVALID = 0,
    KO_ICE_BOOLEAN,
    KO_ICE_INT,
    KO_ICE_LONG,
    KO_ICE_FLOAT,
    KO_ICE_DOUBLE,
    KO_ICE_DECIMAL, /* precision 1..38, scale 0..precision */
    KO_ICE_DATE,    /* days since 1970-01-01 */
    KO_ICE_TIME,    /* microseconds since midnight */
    KO_ICE_TIMESTAMP,
    KO_ICE_TIMESTAMPTZ,
    KO_ICE_TIMESTAMP_NS, /* v3 type, accepted for reading */
    KO_ICE_TIMESTAMPTZ_NS,
    KO_ICE_STRING,
    KO_ICE_UUID,
    KO_ICE_FIXED, /* length > 0 */
    KO_ICE_BINARY,
    KO_ICE_STRUCT,
    KO_ICE_LIST,
    KO_ICE_MAP,
} ko_ice_type_id;

typedef struct ko_ice_field ko_ice_field;

/* A type.  Nested types hold their children as fields, so that every value
 * position in a schema is a field with an id:
 *   STRUCT  fields[0..n_fields)
 *   LIST    fields[0] is the element (name "element")
 *   MAP     fields[0] is the key (name "key", always required),
 *           fields[1] the value (name "value") */
typedef struct ko_ice_type {
    ko_ice_type_id id;
    int32_t precision, scale; /* DECIMAL */
    int32_t length;           /* FIXED */
    ko_ice_field *fields;
    uint32_t n_fields;
} ko_ice_type;

struct ko_ice_field {
    int32_t id;
    const char *name;
    bool required;
    ko_ice_type type;
    const char *doc; /* NULL when absent */
    /* Defaults as JSON text in the spec's single-value JSON form (Appendix
     * D), e.g. "34", "\"2017-11-16\"", "{}"; NULL when absent. */
    const char *initial_default;
    const char *write_default;
};

/* One field of a schema as the index sees it. */
typedef struct ko_ice_schema_entry {
    const ko_ice_field *field;
    const char *name;   /* full dotted name: "a.b", "tags.element", "m.value.x" */
    int32_t parent;     /* index in by_id of the enclosing field; -1 at the top */
    bool in_collection; /* nested (at any depth) in a list or a map */
    bool nullable;      /* the field or one of its enclosing fields is optional */
} ko_ice_schema_entry;

typedef struct ko_ice_schema {
    int32_t schema_id;
    ko_ice_type root; /* always a STRUCT */
    int32_t *identifier_ids;
    uint32_t n_identifier_ids;
    /* Filled by ko_ice_schema_build (every constructor calls it). */
    ko_ice_schema_entry *by_id; /* sorted by field id */
    uint32_t n_by_id;
    int32_t highest_id; /* 0 for an empty schema */
} ko_ice_schema;

enum {
    KO_ICE_DECIMAL_MAX_PRECISION = 38,
    /* Field ids above this are reserved for metadata columns (_file, _pos). */
    KO_ICE_MAX_FIELD_ID = 2147483447,
    KO_ICE_TYPE_STR_MAX = 32,
};

/* Spec name of a type id ("timestamptz", "struct"); "invalid" for others. */
const char *ko_ice_type_name(ko_ice_type_id id);
bool ko_ice_type_is_primitive(const ko_ice_type *t);
/* The spec's string form of a primitive type ("decimal(9,2)", "fixed[16]");
 * nested types give "struct", "list", "map".  Returns the length. */
size_t ko_ice_type_format(const ko_ice_type *t, char out[KO_ICE_TYPE_STR_MAX]);
/* Parses a primitive type string as Appendix C writes it, with optional
 * blanks around parameters ("decimal(9, 2)").  Unknown names and bad
 * parameters are KO_ERR_INVALID, v3 types this layer does not model
 * (variant, geometry, geography, unknown) KO_ERR_UNSUPPORTED, with a
 * message naming the text. */
ko_status ko_ice_type_parse(const char *s, ko_ice_type *out, ko_err *err);
/* Deep equality: ids, names, required flags, docs, defaults and types. */
bool ko_ice_type_equal(const ko_ice_type *a, const ko_ice_type *b);
/* Schemas are equal when their fields and identifier ids are (schema ids
 * are not compared). */
bool ko_ice_schema_equal(const ko_ice_schema *a, const ko_ice_schema *b);

/* Validates a schema assembled by hand and builds its index (allocated in
 * arena).  Checks: names present and unique within each struct, ids in
 * 0..KO_ICE_MAX_FIELD_ID and unique in the whole schema, list and map
 * children shaped as above, decimal precision 1..38 and scale 0..P, fixed
 * length > 0, identifier fields present, primitive, required, not
 * float/double, not inside a list, map or optional struct. */
ko_status ko_ice_schema_build(ko_ice_schema *s, ko_arena *arena, ko_err *err);

/* Lookups on a built schema.  NULL when absent. */
const ko_ice_schema_entry *ko_ice_schema_entry_by_id(const ko_ice_schema *s, int32_t id);
const ko_ice_field *ko_ice_schema_find_id(const ko_ice_schema *s, int32_t id);
/* By full dotted name ("a.b", "tags.element"); ASCII case-insensitively
 * when asked.  A name containing dots is matched literally as part of the
 * path, the way Iceberg joins names. */
const ko_ice_schema_entry *ko_ice_schema_entry_by_name(const ko_ice_schema *s, const char *name,
                                                       bool case_insensitive);
const ko_ice_field *ko_ice_schema_find_name(const ko_ice_schema *s, const char *name,
                                            bool case_insensitive);

/* Deep copy of a type or a schema (rebuilt) into arena. */
ko_status ko_ice_type_copy(const ko_ice_type *src, ko_arena *arena, ko_ice_type *out, ko_err *err);
ko_status ko_ice_schema_copy(const ko_ice_schema *src, ko_arena *arena, ko_ice_schema *out,
                             ko_err *err);

/* JSON (Appendix C).  A schema is {"type":"struct","schema-id":N,
 * "identifier-field-ids":[...],"fields":[...]}; schema-id is required
 * unless require_id is false (v1 metadata, a bare struct from a user), in
 * which case it defaults to 0.  Defaults are checked against the field's
 * type.  The result is built. */
ko_status ko_ice_schema_from_json(const json_t *j, bool require_id, ko_arena *arena,
                                  ko_ice_schema *out, ko_err *err);
ko_status ko_ice_schema_parse(const char *text, size_t len, ko_arena *arena, ko_ice_schema *out,
                              ko_err *err);
ko_status ko_ice_schema_to_json(const ko_ice_schema *s, json_t **out, ko_err *err);
/* Appends the compact JSON text of s to out. */
ko_status ko_ice_schema_write_json(const ko_ice_schema *s, ko_buf *out, ko_err *err);
/* A field's type in JSON: a string for primitives, an object otherwise. */
ko_status ko_ice_type_from_json(const json_t *j, ko_arena *arena, ko_ice_type *out, ko_err *err);
ko_status ko_ice_type_to_json(const ko_ice_type *t, json_t **out, ko_err *err);

/* ======================================================================
 * 2. Schemas and Parquet (Appendix A, "Parquet")
 * ====================================================================== */

/* The Parquet schema (depth-first elements, root "table" first) that
 * Iceberg writers use for s: field_id on every element that stands for an
 * Iceberg field, REQUIRED/OPTIONAL from the required flags, lists as
 * 3-level LIST groups (<name> LIST / repeated group "list" / "element"),
 * maps as MAP groups (repeated group "key_value" / "key" / "value"), and
 * these primitives:
 *   boolean BOOLEAN; int INT32; long INT64; float FLOAT; double DOUBLE;
 *   date INT32 DATE; time INT64 TIME(MICROS, utc=false);
 *   timestamp(tz) INT64 TIMESTAMP(MICROS, utc=false/true);
 *   timestamp(tz)_ns INT64 TIMESTAMP(NANOS, ...);
 *   decimal(P,S) DECIMAL on INT32 (P <= 9), INT64 (P <= 18) or the smallest
 *     FIXED_LEN_BYTE_ARRAY that holds P digits;
 *   string BYTE_ARRAY STRING; uuid FIXED_LEN_BYTE_ARRAY(16) UUID;
 *   fixed[L] FIXED_LEN_BYTE_ARRAY(L); binary BYTE_ARRAY.
 * Converted types are set where they mean the same (UTF8, DATE, DECIMAL,
 * LIST, MAP, and TIME/TIMESTAMP_MICROS when adjusted to UTC).  Names are
 * made Avro-compatible as the Java implementation does ("Breed Name" ->
 * "Breed_x20Name"); readers match columns by field id, not by name.
 * Elements and names are allocated in arena. */
ko_status ko_ice_schema_to_parquet(const ko_ice_schema *s, ko_arena *arena,
                                   ko_pq_schema_element **out, uint32_t *n_out, ko_err *err);

/* The Iceberg schema (schema-id 0) of a Parquet schema.  With fresh_ids,
 * file field ids are ignored and ids are assigned from 1 in the order Java's
 * TypeUtil.assignFreshIds uses (a struct's fields first, then their
 * children); otherwise every field must carry a field_id (an element
 * without one is KO_ERR_INVALID naming its path).  Understands 3-level and
 * legacy 2-level lists, MAP and MAP_KEY_VALUE groups, repeated fields
 * without annotation (lists of required elements, fresh ids only), and
 * logical and converted types; INT96 becomes timestamptz.  Types Iceberg
 * cannot hold (unsigned 64-bit, INTERVAL, ...) are KO_ERR_UNSUPPORTED. */
ko_status ko_ice_schema_from_parquet(const ko_pq_schema_element *els, uint32_t n, bool fresh_ids,
                                     ko_arena *arena, ko_ice_schema *out, ko_err *err);

/* Java's AvroSchemaUtil.makeCompatibleName: a name that is not
 * [A-Za-z_][A-Za-z0-9_]* gets "_xHH" for each other character (HH its
 * uppercase hex code point) and "_D" for a leading digit D.  Non-ASCII
 * characters are kept (treated as letters).  Returns name itself when it
 * is already compatible, else a copy in arena; NULL only when out of
 * memory. */
const char *ko_ice_compatible_name(const char *name, ko_arena *arena);

/* ======================================================================
 * 3. Schema evolution
 *
 * Each function derives a new schema from base (unchanged) with schema_id
 * base->schema_id + 1; the table layer may renumber it.  Columns are named
 * by full dotted name, case-sensitively.  Disallowed changes are
 * KO_ERR_INVALID with a message saying why; unknown columns are
 * KO_ERR_NOT_FOUND.
 * ====================================================================== */

typedef struct ko_ice_new_column {
    const char *parent; /* enclosing struct ("a.b"), or a list/map whose element
                           or value is a struct; NULL for the top level */
    const char *name;
    ko_ice_type type; /* field ids inside nested types are reassigned */
    bool required;    /* needs default_json */
    const char *doc;  /* may be NULL */
    /* initial-default and write-default, Appendix D JSON text; NULL for
     * none (null).  Checked against the type. */
    const char *default_json;
} ko_ice_new_column;

/* Adds a column with fresh ids taken from *last_column_id (the table's
 * last-column-id), which is advanced. */
ko_status ko_ice_schema_add_column(const ko_ice_schema *base, const ko_ice_new_column *col,
                                   int32_t *last_column_id, ko_arena *arena, ko_ice_schema *out,
                                   ko_err *err);
/* Renames a struct field (not a list element or a map key/value). */
ko_status ko_ice_schema_rename_column(const ko_ice_schema *base, const char *name,
                                      const char *new_name, ko_arena *arena, ko_ice_schema *out,
                                      ko_err *err);
/* Drops a struct field and everything under it; identifier fields cannot be
 * dropped. */
ko_status ko_ice_schema_drop_column(const ko_ice_schema *base, const char *name, ko_arena *arena,
                                    ko_ice_schema *out, ko_err *err);

typedef enum ko_ice_move {
    KO_ICE_MOVE_FIRST,
    KO_ICE_MOVE_BEFORE,
    KO_ICE_MOVE_AFTER,
} ko_ice_move;

/* Moves a field within its struct: first, or before/after the sibling ref
 * (a full name in the same struct; ignored for FIRST). */
ko_status ko_ice_schema_move_column(const ko_ice_schema *base, const char *name, ko_ice_move where,
                                    const char *ref, ko_arena *arena, ko_ice_schema *out,
                                    ko_err *err);
/* Whether a v1/v2 table may promote from to to: int -> long,
 * float -> double, decimal(P,S) -> decimal(P',S) with P' > P, or the same
 * type.  (date -> timestamp is a v3 promotion and is refused.) */
bool ko_ice_type_can_promote(const ko_ice_type *from, const ko_ice_type *to);
/* Changes a primitive column's type by an allowed promotion. */
ko_status ko_ice_schema_update_type(const ko_ice_schema *base, const char *name,
                                    const ko_ice_type *new_type, ko_arena *arena,
                                    ko_ice_schema *out, ko_err *err);
/* Makes a required column optional (the reverse is refused). */
ko_status ko_ice_schema_make_optional(const ko_ice_schema *base, const char *name, ko_arena *arena,
                                      ko_ice_schema *out, ko_err *err);

/* ======================================================================
 * 4. Values
 * ====================================================================== */

/* One primitive value, typed by `type` (a primitive ko_ice_type_id):
 *   BOOLEAN (0/1), INT, LONG, DATE (days), TIME (us), TIMESTAMP[TZ] (us),
 *   TIMESTAMP[TZ]_NS (ns)        in i
 *   DECIMAL   unscaled 128-bit two's complement: hi (high 64 bits) and
 *             i (low 64 bits, as unsigned bits); scale in scale
 *   FLOAT, DOUBLE                in d
 *   STRING, BINARY, FIXED, UUID  bytes/len, borrowed (UUID: 16 bytes,
 *                                big-endian)
 * A null value has is_null set (type may still say what it would be). */
typedef struct ko_ice_value {
    ko_ice_type_id type;
    bool is_null;
    int32_t scale;
    int64_t i;
    int64_t hi;
    double d;
    const uint8_t *bytes;
    size_t len;
} ko_ice_value;

ko_ice_value ko_ice_value_null(ko_ice_type_id type);
ko_ice_value ko_ice_value_bool(bool v);
ko_ice_value ko_ice_value_int(int32_t v);
ko_ice_value ko_ice_value_long(int64_t v);
/* DATE, TIME, TIMESTAMP*, from their integer representation. */
ko_ice_value ko_ice_value_int_of(ko_ice_type_id type, int64_t v);
ko_ice_value ko_ice_value_float(float v);
ko_ice_value ko_ice_value_double(double v);
ko_ice_value ko_ice_value_decimal(int64_t unscaled, int32_t scale);
/* STRING, BINARY, FIXED, UUID over borrowed bytes. */
ko_ice_value ko_ice_value_bytes(ko_ice_type_id type, const void *bytes, size_t len);
ko_ice_value ko_ice_value_string(const char *s);

/* Decimals: the minimal big-endian two's complement bytes of the unscaled
 * value (1..16, returns the count); a DECIMAL value from such bytes (1..16
 * of them, else KO_ERR_CORRUPT); whether the value has at most precision
 * digits. */
size_t ko_ice_decimal_min_bytes(const ko_ice_value *v, uint8_t out[16]);
ko_status ko_ice_decimal_from_be(const uint8_t *p, size_t len, int32_t scale, ko_ice_value *out,
                                 ko_err *err);
bool ko_ice_decimal_fits(const ko_ice_value *v, int32_t precision);

/* Checks that v can be a value of t (type ids agree; FIXED and UUID
 * lengths, decimal scale and precision fit). */
ko_status ko_ice_value_check(const ko_ice_type *t, const ko_ice_value *v, ko_err *err);
/* Exact equality of two values of the same type (doubles bitwise). */
bool ko_ice_value_equal(const ko_ice_value *a, const ko_ice_value *b);

/* Appendix D binary single-value serialization: appends v's bytes to out
 * (little-endian numbers, 4-byte int/date/float, 8-byte long/time/
 * timestamps/double, minimal big-endian two's complement unscaled decimal,
 * raw bytes for string/binary/fixed, 16 big-endian bytes for uuid). */
ko_status ko_ice_value_to_bytes(const ko_ice_type *t, const ko_ice_value *v, ko_buf *out,
                                ko_err *err);
/* The reverse; byte values borrow from p.  Bounds written before a type
 * promotion are understood (a 4-byte long is an int, a 4-byte double a
 * float, a 4-byte timestamp a date); other lengths are KO_ERR_CORRUPT. */
ko_status ko_ice_value_from_bytes(const ko_ice_type *t, const uint8_t *p, size_t len,
                                  ko_ice_value *out, ko_err *err);

/* Appendix D JSON single-value serialization of a primitive value: numbers
 * and booleans as such, decimals "14.20", dates "2017-11-16", times
 * "22:31:08.123456", timestamps "2017-11-16T22:31:08.123456" (+ "+00:00"
 * for tz types; nanoseconds for _ns), uuids lowercase, fixed and binary as
 * lowercase hex.  from_json copies decoded bytes into arena and borrows
 * strings from j. */
ko_status ko_ice_value_to_json(const ko_ice_type *t, const ko_ice_value *v, json_t **out,
                               ko_err *err);
ko_status ko_ice_value_from_json(const ko_ice_type *t, const json_t *j, ko_arena *arena,
                                 ko_ice_value *out, ko_err *err);

/* Human-readable text as Java's Transform.toHumanString writes it for an
 * identity value: "null", numbers, "true", dates "2017-11-16", times as
 * LocalTime prints them ("22:31", "22:31:08.5"), timestamps ISO local
 * ("2017-11-16T22:31:08.1", tz types + "+00:00"), uuid text, fixed and
 * binary base64, decimals as BigDecimal.toString ("14.20", "1E-7"), floats
 * as Java's Float/Double.toString ("1.0", "1.0E10"). */
ko_status ko_ice_value_human(const ko_ice_type *t, const ko_ice_value *v, ko_buf *out, ko_err *err);

/* ======================================================================
 * 5. Transforms
 * ====================================================================== */

typedef enum ko_ice_transform_kind {
    KO_ICE_TR_IDENTITY,
    KO_ICE_TR_BUCKET,   /* param: N > 0 buckets */
    KO_ICE_TR_TRUNCATE, /* param: W > 0 */
    KO_ICE_TR_YEAR,
    KO_ICE_TR_MONTH,
    KO_ICE_TR_DAY,
    KO_ICE_TR_HOUR,
    KO_ICE_TR_VOID,
    KO_ICE_TR_UNKNOWN, /* read from metadata, kept as text, never applied */
} ko_ice_transform_kind;

typedef struct ko_ice_transform {
    ko_ice_transform_kind kind;
    int32_t param;
    const char *unknown; /* UNKNOWN: the text as read */
} ko_ice_transform;

enum { KO_ICE_TRANSFORM_STR_MAX = 32 };

/* Parses "identity", "bucket[16]", "truncate[4]", "year", "month", "day",
 * "hour", "void".  Other text is KO_ERR_UNSUPPORTED with out set to
 * {UNKNOWN, unknown = s (borrowed)}, so metadata readers can keep it;
 * malformed parameters are KO_ERR_INVALID. */
ko_status ko_ice_transform_parse(const char *s, ko_ice_transform *out, ko_err *err);
/* The spec string ("bucket[16]"; an unknown transform's text, truncated to
 * fit).  Returns the length. */
size_t ko_ice_transform_format(const ko_ice_transform *t, char out[KO_ICE_TRANSFORM_STR_MAX]);
bool ko_ice_transform_equal(const ko_ice_transform *a, const ko_ice_transform *b);

/* The result type of t on a source type, or KO_ERR_INVALID when t does not
 * apply to it (bucket on a float, hour on a date, anything on a nested
 * type, unknown transforms): identity, truncate and void keep the type,
 * bucket/year/month/hour give int, day gives date. */
ko_status ko_ice_transform_result_type(const ko_ice_transform *t, const ko_ice_type *src,
                                       ko_ice_type *out, ko_err *err);

/* Applies t to v (of type src): nulls give null; bucket is
 * (hash & INT_MAX) % N; truncate of strings keeps W code points and of
 * binary W bytes (results borrow v's bytes); year/month/day/hour count
 * whole units since 1970 rounding down (1969-12-31 is day -1, year -1). */
ko_status ko_ice_transform_apply(const ko_ice_transform *t, const ko_ice_type *src,
                                 const ko_ice_value *v, ko_ice_value *out, ko_err *err);

/* Appendix B: the 32-bit Murmur3 hash of a non-null value (int and long
 * hash as 8-byte longs, decimals as minimal big-endian unscaled bytes,
 * nanosecond timestamps as microseconds, floats as doubles, ...). */
ko_status ko_ice_hash_value(const ko_ice_type *t, const ko_ice_value *v, int32_t *out, ko_err *err);

/* Appends the human-readable form of a transform result (as partition
 * paths show it): year "2021", month "2021-01", day "2021-01-01", hour
 * "2021-01-01-10", bucket the number, others as ko_ice_value_human of the
 * result type. */
ko_status ko_ice_transform_human(const ko_ice_transform *t, const ko_ice_type *result_type,
                                 const ko_ice_value *v, ko_buf *out, ko_err *err);

/* ======================================================================
 * 6. Partition specs and sort orders
 * ====================================================================== */

enum { KO_ICE_FIRST_PARTITION_ID = 1000 };

typedef struct ko_ice_partition_field {
    int32_t source_id;
    int32_t field_id; /* 1000 and up, unique across the table's specs */
    const char *name;
    ko_ice_transform transform;
} ko_ice_partition_field;

typedef struct ko_ice_partition_spec {
    int32_t spec_id;
    ko_ice_partition_field *fields;
    uint32_t n_fields;
} ko_ice_partition_spec;

/* {"spec-id":N,"fields":[{"name","transform","source-id","field-id"}]}.
 * Unknown transforms are kept (kind UNKNOWN).  A v3 "source-ids" list of
 * one id is read as source-id. */
ko_status ko_ice_spec_from_json(const json_t *j, ko_arena *arena, ko_ice_partition_spec *out,
                                ko_err *err);
ko_status ko_ice_spec_to_json(const ko_ice_partition_spec *s, json_t **out, ko_err *err);
/* The deprecated v1 form: a bare field list; ids default to 1000, 1001 ...
 * when absent. */
ko_status ko_ice_spec_from_json_fields(const json_t *fields, int32_t spec_id, ko_arena *arena,
                                       ko_ice_partition_spec *out, ko_err *err);
bool ko_ice_spec_equal(const ko_ice_partition_spec *a, const ko_ice_partition_spec *b);
/* True when no field partitions anything (no fields, or all void). */
bool ko_ice_spec_is_unpartitioned(const ko_ice_partition_spec *s);

/* Checks a spec against a schema: every source exists, is primitive, not
 * inside a list or map, and suits its transform (no unknown transforms);
 * partition field ids and names are unique; a name equal to a schema
 * column's is allowed only for an identity of that column. */
ko_status ko_ice_spec_validate(const ko_ice_partition_spec *s, const ko_ice_schema *schema,
                               ko_err *err);

/* Parses a partition-by text such as
 *   "day(ts), bucket(16, id), truncate(4, name), identity(x), x, void(y)"
 * against schema (source columns by full dotted name; case-insensitively
 * when there is no exact match; `quoted` or "quoted" for odd names).
 * Spark's plurals (years, months, days, hours) and the column-first forms
 * "bucket(id, 16)" and "truncate(name, 4)" are accepted too.  Fields get
 * ids from *last_partition_id + 1 (advanced only on success) and Java's
 * names: "x", "id_bucket", "name_trunc", "ts_year", "ts_month", "ts_day",
 * "ts_hour", "y_null".  Empty text gives an unpartitioned spec.  The result
 * is validated (ko_ice_spec_validate); every error is KO_ERR_INVALID with
 * the text and what is wrong. */
ko_status ko_ice_spec_parse_text(const char *text, const ko_ice_schema *schema, int32_t spec_id,
                                 int32_t *last_partition_id, ko_arena *arena,
                                 ko_ice_partition_spec *out, ko_err *err);

/* The partition tuple type: a STRUCT with one optional field per spec
 * field (id field_id, the field's name, the transform's result type).
 * Missing sources are KO_ERR_INVALID, unknown transforms
 * KO_ERR_UNSUPPORTED. */
ko_status ko_ice_spec_partition_type(const ko_ice_partition_spec *s, const ko_ice_schema *schema,
                                     ko_arena *arena, ko_ice_type *out, ko_err *err);

/* Appends the partition path of a tuple, values[i] for field i, as Java's
 * PartitionSpec.partitionToPath: "ts_day=2021-01-01/id_bucket=3", names
 * and human-readable values URL-encoded (form encoding: space is '+'). */
ko_status ko_ice_partition_path(const ko_ice_partition_spec *s, const ko_ice_schema *schema,
                                const ko_ice_value *values, ko_buf *out, ko_err *err);

typedef enum ko_ice_sort_direction {
    KO_ICE_ASC,
    KO_ICE_DESC,
} ko_ice_sort_direction;

typedef enum ko_ice_null_order {
    KO_ICE_NULLS_FIRST,
    KO_ICE_NULLS_LAST,
} ko_ice_null_order;

typedef struct ko_ice_sort_field {
    ko_ice_transform transform;
    int32_t source_id;
    ko_ice_sort_direction direction;
    ko_ice_null_order null_order;
} ko_ice_sort_field;

/* Order id 0 with no fields is the unsorted order. */
typedef struct ko_ice_sort_order {
    int32_t order_id;
    ko_ice_sort_field *fields;
    uint32_t n_fields;
} ko_ice_sort_order;

/* {"order-id":N,"fields":[{"transform","source-id","direction",
 * "null-order"}]}; direction "asc"/"desc", null-order
 * "nulls-first"/"nulls-last". */
ko_status ko_ice_sort_order_from_json(const json_t *j, ko_arena *arena, ko_ice_sort_order *out,
                                      ko_err *err);
ko_status ko_ice_sort_order_to_json(const ko_ice_sort_order *o, json_t **out, ko_err *err);
bool ko_ice_sort_order_equal(const ko_ice_sort_order *a, const ko_ice_sort_order *b);
/* Sources exist, are primitive and suit their transforms; order 0 must be
 * empty and other orders not. */
ko_status ko_ice_sort_order_validate(const ko_ice_sort_order *o, const ko_ice_schema *schema,
                                     ko_err *err);

/* ======================================================================
 * 7. Table metadata (metadata.json)
 * ====================================================================== */

typedef struct ko_ice_kv {
    const char *key;
    const char *value;
} ko_ice_kv;

typedef struct ko_ice_snapshot {
    int64_t snapshot_id;
    int64_t parent_id; /* -1: no parent */
    int64_t sequence_number;
    int64_t timestamp_ms;
    const char *manifest_list; /* NULL only in v1 metadata listing manifests */
    const char **manifests;    /* v1 "manifests" */
    uint32_t n_manifests;
    const char *operation; /* summary "operation": append, replace, overwrite, delete */
    ko_ice_kv *summary;    /* the other summary entries, in order */
    uint32_t n_summary;
    int32_t schema_id; /* -1: absent */
} ko_ice_snapshot;

typedef enum ko_ice_ref_type {
    KO_ICE_REF_BRANCH,
    KO_ICE_REF_TAG,
} ko_ice_ref_type;

typedef struct ko_ice_ref {
    const char *name; /* "main" is the current branch */
    int64_t snapshot_id;
    ko_ice_ref_type type;
    /* Retention; 0 means unset (the spec requires positive values). */
    int32_t min_snapshots_to_keep;
    int64_t max_snapshot_age_ms;
    int64_t max_ref_age_ms;
} ko_ice_ref;

typedef struct ko_ice_snapshot_log_entry {
    int64_t timestamp_ms;
    int64_t snapshot_id;
} ko_ice_snapshot_log_entry;

typedef struct ko_ice_metadata_log_entry {
    int64_t timestamp_ms;
    const char *metadata_file;
} ko_ice_metadata_log_entry;

typedef struct ko_ice_table_meta {
    int32_t format_version; /* 1 or 2 */
    ko_uuid table_uuid;
    const char *location;
    int64_t last_sequence_number;
    int64_t last_updated_ms;
    int32_t last_column_id;
    ko_ice_schema *schemas;
    uint32_t n_schemas;
    int32_t current_schema_id;
    ko_ice_partition_spec *specs;
    uint32_t n_specs;
    int32_t default_spec_id;
    int32_t last_partition_id;
    ko_ice_kv *properties;
    uint32_t n_properties;
    int64_t current_snapshot_id; /* -1: none */
    ko_ice_snapshot *snapshots;
    uint32_t n_snapshots;
    ko_ice_snapshot_log_entry *snapshot_log;
    uint32_t n_snapshot_log;
    ko_ice_metadata_log_entry *metadata_log;
    uint32_t n_metadata_log;
    ko_ice_sort_order *sort_orders;
    uint32_t n_sort_orders;
    int32_t default_sort_order_id;
    ko_ice_ref *refs;
    uint32_t n_refs;
    /* Kept as compact JSON text, NULL when absent. */
    const char *statistics;           /* the "statistics" list */
    const char *partition_statistics; /* the "partition-statistics" list */
    const char *extra;                /* an object of the top-level fields not modelled */
} ko_ice_table_meta;

/* Parses metadata JSON, v2 (and v1, read with the spec's v1 defaults:
 * "schema"/"partition-spec" when the lists are absent, sequence numbers 0,
 * partition field ids from 1000, an implicit main branch).  Missing or
 * mistyped members and failed checks (ko_ice_meta_validate, which runs
 * last) are KO_ERR_CORRUPT naming the member; format versions above 2 are
 * KO_ERR_UNSUPPORTED.  Members not modelled are kept in `extra`. */
ko_status ko_ice_meta_from_json(const json_t *j, ko_arena *arena, ko_ice_table_meta *out,
                                ko_err *err);
ko_status ko_ice_meta_parse(const char *text, size_t len, ko_arena *arena, ko_ice_table_meta *out,
                            ko_err *err);
/* Serializes in the Java implementation's field order.  v1 metadata is
 * written in v1 form (with "schema" and "partition-spec", without sequence
 * numbers). */
ko_status ko_ice_meta_to_json(const ko_ice_table_meta *m, json_t **out, ko_err *err);
/* Appends the JSON text (indented by 2) to out. */
ko_status ko_ice_meta_write_json(const ko_ice_table_meta *m, ko_buf *out, ko_err *err);

/* Cross-checks (KO_ERR_CORRUPT): format version 1 or 2; a location; the
 * current schema, default spec and default sort order exist; ids unique
 * within each list; last-column-id >= every schema's highest id;
 * last-partition-id >= every partition field id; the default spec's sources
 * are columns of the current schema; snapshot ids unique and (v2) sequence
 * numbers <= last-sequence-number; current-snapshot-id and every ref name a
 * snapshot; "main" is a branch agreeing with current-snapshot-id.  Parents
 * and snapshot-log entries may name expired snapshots. */
ko_status ko_ice_meta_validate(const ko_ice_table_meta *m, ko_err *err);

typedef struct ko_ice_meta_create_opts {
    const ko_ice_schema *schema;       /* required; its ids are kept */
    const ko_ice_partition_spec *spec; /* NULL: unpartitioned */
    const ko_ice_sort_order *order;    /* NULL: unsorted */
    const ko_ice_kv *properties;
    uint32_t n_properties;
    const char *location; /* required */
    int64_t now_ms;       /* 0: the current time */
} ko_ice_meta_create_opts;

/* Metadata of a new v2 table: a random uuid, schema id 0, spec id 0 (field
 * ids kept as given), sort order id 1 when sorted (0 otherwise),
 * last-column-id the schema's highest id, last-partition-id the highest
 * partition field id or 999, no snapshots. */
ko_status ko_ice_meta_create(const ko_ice_meta_create_opts *opts, ko_arena *arena,
                             ko_ice_table_meta *out, ko_err *err);

/* Lookups; NULL when absent. */
const ko_ice_schema *ko_ice_meta_schema(const ko_ice_table_meta *m, int32_t schema_id);
const ko_ice_schema *ko_ice_meta_current_schema(const ko_ice_table_meta *m);
const ko_ice_partition_spec *ko_ice_meta_spec(const ko_ice_table_meta *m, int32_t spec_id);
const ko_ice_partition_spec *ko_ice_meta_default_spec(const ko_ice_table_meta *m);
const ko_ice_sort_order *ko_ice_meta_sort_order(const ko_ice_table_meta *m, int32_t order_id);
const ko_ice_snapshot *ko_ice_meta_snapshot(const ko_ice_table_meta *m, int64_t snapshot_id);
const ko_ice_snapshot *ko_ice_meta_current_snapshot(const ko_ice_table_meta *m);
const ko_ice_ref *ko_ice_meta_ref(const ko_ice_table_meta *m, const char *name);
const char *ko_ice_meta_property(const ko_ice_table_meta *m, const char *key);
/* A snapshot summary value (including "operation"); NULL when absent. */
const char *ko_ice_snapshot_summary(const ko_ice_snapshot *s, const char *key);

/* Editors: change m in place, allocating from arena (m's arena).  Each
 * leaves m unchanged on error. */

/* Adds a snapshot (copied).  Its id must be new, its parent (if any) known,
 * its sequence number above last-sequence-number (v2), its schema id known;
 * last-sequence-number and last-updated-ms follow it.  No ref moves. */
ko_status ko_ice_meta_add_snapshot(ko_ice_table_meta *m, const ko_ice_snapshot *s, ko_arena *arena,
                                   ko_err *err);
/* Creates or moves a ref (copied) to a known snapshot.  Moving "main" (which
 * must be a branch) sets current-snapshot-id and appends to the snapshot
 * log. */
ko_status ko_ice_meta_set_ref(ko_ice_table_meta *m, const ko_ice_ref *ref, ko_arena *arena,
                              ko_err *err);
/* Removes a ref; removing "main" clears the current snapshot.  Unknown
 * names are KO_ERR_NOT_FOUND. */
ko_status ko_ice_meta_remove_ref(ko_ice_table_meta *m, const char *name, ko_err *err);
/* Adds a schema (copied) with the next schema id, unless an equal one
 * exists (then that one is reused); *schema_id receives the id.  With
 * make_current it becomes the current schema.  last-column-id grows to the
 * schema's highest id. */
ko_status ko_ice_meta_add_schema(ko_ice_table_meta *m, const ko_ice_schema *s, bool make_current,
                                 ko_arena *arena, int32_t *schema_id, ko_err *err);
/* Adds a partition spec the same way (validated against the current
 * schema); last-partition-id grows to its highest field id. */
ko_status ko_ice_meta_add_spec(ko_ice_table_meta *m, const ko_ice_partition_spec *s,
                               bool make_default, ko_arena *arena, int32_t *spec_id, ko_err *err);
/* Sets (value non-NULL) or removes (NULL) a property. */
ko_status ko_ice_meta_set_property(ko_ice_table_meta *m, const char *key, const char *value,
                                   ko_arena *arena, ko_err *err);
/* Appends a metadata-log entry (the previous metadata file). */
ko_status ko_ice_meta_add_metadata_log(ko_ice_table_meta *m, const char *file, int64_t timestamp_ms,
                                       ko_arena *arena, ko_err *err);

/* ======================================================================
 * 8. JSON helpers
 *
 * Typed access to object members with messages naming the object (`what`,
 * e.g. "snapshot 123") and the key.  A missing required member or a member
 * of the wrong type is KO_ERR_CORRUPT.  The _opt forms leave *out alone and
 * set *present = false when the member is absent or null.
 * ====================================================================== */

ko_status ko_ice_json_i64(const json_t *obj, const char *what, const char *key, int64_t *out,
                          ko_err *err);
ko_status ko_ice_json_i32(const json_t *obj, const char *what, const char *key, int32_t *out,
                          ko_err *err);
ko_status ko_ice_json_bool(const json_t *obj, const char *what, const char *key, bool *out,
                           ko_err *err);
/* Strings are copied into arena. */
ko_status ko_ice_json_str(const json_t *obj, const char *what, const char *key, ko_arena *arena,
                          const char **out, ko_err *err);
ko_status ko_ice_json_opt_i64(const json_t *obj, const char *what, const char *key, int64_t *out,
                              bool *present, ko_err *err);
ko_status ko_ice_json_opt_i32(const json_t *obj, const char *what, const char *key, int32_t *out,
                              bool *present, ko_err *err);
ko_status ko_ice_json_opt_str(const json_t *obj, const char *what, const char *key, ko_arena *arena,
                              const char **out, ko_err *err);
/* The member as an array (or object); *out is NULL when absent and not
 * required. */
ko_status ko_ice_json_array(const json_t *obj, const char *what, const char *key, bool required,
                            const json_t **out, ko_err *err);
ko_status ko_ice_json_object(const json_t *obj, const char *what, const char *key, bool required,
                             const json_t **out, ko_err *err);
/* A string -> string object as key/value pairs in arena (non-string values
 * are KO_ERR_CORRUPT). */
ko_status ko_ice_json_string_map(const json_t *obj, const char *what, ko_arena *arena,
                                 ko_ice_kv **out, uint32_t *n_out, ko_err *err);
/* Parses JSON text (any value) with the error position in the message. */
ko_status ko_ice_json_load(const char *text, size_t len, const char *what, json_t **out,
                           ko_err *err);
/* Appends the text of j (compact when indent is 0) to out. */
ko_status ko_ice_json_dump(const json_t *j, int indent, ko_buf *out, ko_err *err);
/* Sets key in obj to a new value (stealing the reference); fails only when
 * out of memory (the value is released then). */
ko_status ko_ice_json_set(json_t *obj, const char *key, json_t *value, ko_err *err);

/* ======================================================================
 * 9. Manifests and manifest lists (spec: "Manifests", "Manifest Lists")
 *    (manifest.c: model and readers; manifest_write.c: writers)
 *
 * Both are Avro container files (avro.h) with the spec's schemas and
 * field-id attributes.  Writers produce format v2 only, deflate-compressed,
 * with the header keys the spec requires; readers accept v1 and v2 (v3
 * fields that do not change meaning are ignored).
 *
 * Optional values use these conventions throughout:
 *   ids and sequence numbers   KO_ICE_NULL_ID (-1) for null
 *   byte strings               ptr NULL for null (an empty value has a
 *                              non-NULL ptr and len 0)
 *   arrays                     NULL with n 0 for null; the writers write
 *                              null for an empty metric map or list
 * Everything a reader returns lives in the arena given (strings and bytes
 * are copied); writers borrow their inputs.
 * ====================================================================== */

#define KO_ICE_NULL_ID ((int64_t)-1)

/* data_file.content (134). */
typedef enum ko_ice_file_content {
    KO_ICE_CONTENT_DATA = 0,
    KO_ICE_CONTENT_POSITION_DELETES = 1,
    KO_ICE_CONTENT_EQUALITY_DELETES = 2,
} ko_ice_file_content;

/* manifest_file.content (517) and the manifest header's "content". */
typedef enum ko_ice_manifest_content {
    KO_ICE_MANIFEST_DATA = 0,
    KO_ICE_MANIFEST_DELETES = 1,
} ko_ice_manifest_content;

/* manifest_entry.status (0). */
typedef enum ko_ice_entry_status {
    KO_ICE_ENTRY_EXISTING = 0,
    KO_ICE_ENTRY_ADDED = 1,
    KO_ICE_ENTRY_DELETED = 2,
} ko_ice_entry_status;

/* A byte string; ptr NULL means null. */
typedef struct ko_ice_bytes {
    const uint8_t *ptr;
    size_t len;
} ko_ice_bytes;

/* One entry of a metric map keyed by field id (column_sizes, value_counts,
 * null_value_counts, nan_value_counts). */
typedef struct ko_ice_id_count {
    int32_t field_id;
    int64_t value;
} ko_ice_id_count;

/* One entry of a bound map (lower_bounds, upper_bounds): the Appendix D
 * binary single value of the column's type (ko_ice_value_to_bytes). */
typedef struct ko_ice_id_bound {
    int32_t field_id;
    ko_ice_bytes value;
} ko_ice_id_bound;

/* field_summary (508): the partition field's values over a manifest. */
typedef struct ko_ice_field_summary {
    bool contains_null;       /* 509 */
    bool has_contains_nan;    /* 518 present */
    bool contains_nan;        /* 518 */
    ko_ice_bytes lower_bound; /* 510, Appendix D binary of the partition type */
    ko_ice_bytes upper_bound; /* 511 */
} ko_ice_field_summary;

/* manifest_file (an entry of a manifest list).  Counts are -1 when a v1
 * list leaves them null ("assumed non-zero"). */
typedef struct ko_ice_manifest_file {
    const char *manifest_path;        /* 500 */
    int64_t manifest_length;          /* 501 */
    int32_t partition_spec_id;        /* 502 */
    ko_ice_manifest_content content;  /* 517 (0 for v1) */
    int64_t sequence_number;          /* 515 (0 for v1) */
    int64_t min_sequence_number;      /* 516 (0 for v1) */
    int64_t added_snapshot_id;        /* 503 */
    int32_t added_files_count;        /* 504 */
    int32_t existing_files_count;     /* 505 */
    int32_t deleted_files_count;      /* 506 */
    int64_t added_rows_count;         /* 512 */
    int64_t existing_rows_count;      /* 513 */
    int64_t deleted_rows_count;       /* 514 */
    ko_ice_field_summary *partitions; /* 507, one per spec field; NULL: null */
    uint32_t n_partitions;
    ko_ice_bytes key_metadata; /* 519 */
    int64_t first_row_id;      /* 520 (v3, read only); KO_ICE_NULL_ID */
} ko_ice_manifest_file;

/* data_file (2): a data or delete file and its metrics. */
typedef struct ko_ice_data_file {
    ko_ice_file_content content; /* 134 */
    const char *file_path;       /* 100 */
    const char *file_format;     /* 101: "PARQUET", "AVRO", "ORC", "PUFFIN" as
                                    written (readers compare case-insensitively) */
    /* 102: one value per field of the manifest's partition spec, in spec
     * order, typed as the field's transform result (null values have
     * is_null set). */
    ko_ice_value *partition;
    uint32_t n_partition;
    int64_t record_count;          /* 103 */
    int64_t file_size_in_bytes;    /* 104 */
    ko_ice_id_count *column_sizes; /* 108 */
    uint32_t n_column_sizes;
    ko_ice_id_count *value_counts; /* 109 */
    uint32_t n_value_counts;
    ko_ice_id_count *null_value_counts; /* 110 */
    uint32_t n_null_value_counts;
    ko_ice_id_count *nan_value_counts; /* 137 */
    uint32_t n_nan_value_counts;
    ko_ice_id_bound *lower_bounds; /* 125 */
    uint32_t n_lower_bounds;
    ko_ice_id_bound *upper_bounds; /* 128 */
    uint32_t n_upper_bounds;
    ko_ice_bytes key_metadata; /* 131 */
    int64_t *split_offsets;    /* 132, ascending */
    uint32_t n_split_offsets;
    int32_t *equality_ids; /* 135, for equality deletes */
    uint32_t n_equality_ids;
    int32_t sort_order_id;            /* 140; -1: null */
    const char *referenced_data_file; /* 143; NULL: null */
    /* Not stored in the entry: the manifest's partition spec id (set by the
     * reader; ignored by the writer, which uses its spec). */
    int32_t spec_id;
} ko_ice_data_file;

/* manifest_entry. */
typedef struct ko_ice_manifest_entry {
    ko_ice_entry_status status;   /* 0 */
    int64_t snapshot_id;          /* 1; KO_ICE_NULL_ID: inherited */
    int64_t sequence_number;      /* 3; data sequence number; KO_ICE_NULL_ID: inherited */
    int64_t file_sequence_number; /* 4; KO_ICE_NULL_ID: inherited */
    ko_ice_data_file data_file;   /* 2 */
} ko_ice_manifest_entry;

/* A manifest as read: its header and its entries. */
typedef struct ko_ice_manifest {
    int32_t format_version;          /* header "format-version"; 1 when absent */
    ko_ice_manifest_content content; /* header "content"; data when absent */
    int32_t schema_id;               /* header "schema-id"; -1 when absent */
    const ko_ice_schema *schema;     /* header "schema" (parsed); NULL when absent */
    ko_ice_partition_spec spec;      /* header "partition-spec" and "-id" */
    ko_ice_manifest_entry *entries;
    size_t n_entries;
} ko_ice_manifest;

/* Reads a manifest list (the whole file in data[0, len)); `what` names it
 * in messages (its path).  v1 lists get content 0, sequence numbers 0 and
 * -1 for null counts.  KO_ERR_CORRUPT names the file, record and field. */
ko_status ko_ice_manifest_list_read(const uint8_t *data, size_t len, const char *what,
                                    ko_arena *arena, ko_ice_manifest_file **out, size_t *n_out,
                                    ko_err *err);

/* Reads a manifest.  `from` is its manifest-list entry (may be NULL): when
 * given, null snapshot ids are inherited from its added_snapshot_id, and
 * null data/file sequence numbers of ADDED entries from its
 * sequence_number (v1 manifests: sequence numbers 0); without it, nulls
 * stay KO_ICE_NULL_ID.  Partition values are typed by the partition spec
 * (from `meta` by the spec id, else the header) over the header's schema
 * (else meta's schemas); when neither resolves, by the Avro types.  meta
 * may be NULL. */
ko_status ko_ice_manifest_read(const uint8_t *data, size_t len, const char *what,
                               const ko_ice_manifest_file *from, const ko_ice_table_meta *meta,
                               ko_arena *arena, ko_ice_manifest *out, ko_err *err);

/* What a manifest writer needs besides the entries. */
typedef struct ko_ice_manifest_write_opts {
    const ko_ice_schema *schema;       /* table schema when written (header "schema") */
    const ko_ice_partition_spec *spec; /* the entries' spec; NULL: unpartitioned (id 0) */
    ko_ice_manifest_content content;   /* data or deletes (checked against entries) */
    const char *path;                  /* becomes summary->manifest_path (borrowed) */
    /* The snapshot that writes the manifest: its id and (optimistic)
     * sequence number fill summary->added_snapshot_id and sequence_number
     * and stand for inherited (null) values when computing
     * min_sequence_number. */
    int64_t snapshot_id;
    int64_t sequence_number;
} ko_ice_manifest_write_opts;

/* Writes a v2 manifest of n entries to out (appended): the spec's
 * manifest_entry schema with field ids, a r102 partition struct of the
 * spec's fields (partition field ids and names, transform result types,
 * all optional), avro.codec deflate, header keys schema, schema-id,
 * partition-spec (JSON of the fields array), partition-spec-id,
 * format-version "2", content "data"/"deletes".  Entries keep their ids and
 * sequence numbers as given (KO_ICE_NULL_ID writes null, which is only
 * valid for ADDED entries).  When summary is non-NULL it receives the
 * manifest-list entry for the file: path, length, spec id, content,
 * sequence numbers, added snapshot id, counts by status, and partition
 * field summaries (allocated in arena).  Bad entries (wrong partition
 * arity or types, data files in a delete manifest, a null sequence number
 * on an EXISTING entry, ...) are KO_ERR_INVALID naming the entry and field. */
ko_status ko_ice_manifest_write(const ko_ice_manifest_write_opts *opts,
                                const ko_ice_manifest_entry *entries, size_t n, ko_buf *out,
                                ko_ice_manifest_file *summary, ko_arena *arena, ko_err *err);

typedef struct ko_ice_manifest_list_write_opts {
    int64_t snapshot_id;        /* header "snapshot-id" */
    int64_t parent_snapshot_id; /* header "parent-snapshot-id"; -1 writes "null" */
    int64_t sequence_number;    /* header "sequence-number" */
} ko_ice_manifest_list_write_opts;

/* Writes a v2 manifest list of n manifest files to out (appended): the
 * spec's manifest_file schema with field ids, deflate, header keys
 * snapshot-id, parent-snapshot-id, sequence-number, format-version "2".
 * Null (-1) counts are KO_ERR_INVALID (v2 requires them). */
ko_status ko_ice_manifest_list_write(const ko_ice_manifest_list_write_opts *opts,
                                     const ko_ice_manifest_file *files, size_t n, ko_buf *out,
                                     ko_err *err);

/* Partition field summaries of the partition tuples parts[0..n) (each of
 * spec->n_fields values), for writers that build manifest lists
 * themselves: out gets spec->n_fields summaries in arena. */
ko_status ko_ice_partition_summaries(const ko_ice_partition_spec *spec, const ko_ice_schema *schema,
                                     const ko_ice_value *const *parts, size_t n, ko_arena *arena,
                                     ko_ice_field_summary **out, ko_err *err);

/* The metric or bound of field_id in a map, or NULL. */
const ko_ice_id_count *ko_ice_id_count_find(const ko_ice_id_count *m, uint32_t n, int32_t field_id);
const ko_ice_id_bound *ko_ice_id_bound_find(const ko_ice_id_bound *m, uint32_t n, int32_t field_id);

/* ======================================================================
 * 10. Tables in a warehouse: create, append, evolve the schema, rollback,
 *     expire, remove unreferenced files, describe, write rows, overwrite,
 *     evolve the partition spec, tags and branches (table.c,
 *     table_commit.c, table_write.c, table_append.c, table_map.c,
 *     table_convert.c, table_split.c, metrics.c, table_schema.c,
 *     table_maint.c, table_info.c, table_overwrite.c, table_scratch.c,
 *     table_spec.c, table_refs.c)
 *
 * A warehouse is an object store (store.h) and a catalog.  Table ns.t
 * lives under the key <ns parts joined by '/'>/<t> of the store, with
 * data/ and metadata/ beneath; its location in metadata is the store's
 * URI joined with that key ("file:///srv/wh/sales/eu/orders").
 *
 * The catalog is reached through ko_ice_catalog, a small interface the
 * layer above supplies (the catalog/ layer sits above this one): it keeps
 * the pointer to each table's current metadata file, swaps it by
 * compare-and-swap and records every change in its audit trail.
 *
 * Commits.  Every change writes a new metadata file vN+1.metadata.json
 * (put-if-absent, so two writers never write the same version; a version
 * left behind by a crashed writer is skipped) and then swaps the catalog
 * pointer from the location it read.  A writer that loses the race
 * (KO_ERR_CONFLICT) re-reads the table, re-applies its change on top of the
 * new current metadata (data files and manifests already written are
 * reused) and retries, up to max_attempts times with jittered backoff.
 * metadata/version-hint.text is rewritten after a successful commit for
 * path-based readers.  A crash at any point leaves the table at the old or
 * the new version; files written by a failed or crashed writer are
 * unreferenced and removed by ko_ice_table_remove_files once older than
 * its safety age.
 *
 * Memory: results live in the arena given; a loaded table's metadata too.
 * Errors name the table ("table sales.orders: ..."), the input file and
 * the column.
 * ====================================================================== */

/* The catalog as this layer uses it.  Namespaces are dotted ("sales.eu").
 * summary is a JSON object's text for the audit record (may be NULL). */
typedef struct ko_ice_catalog {
    void *ctx;
    /* The current metadata location of ns.name (copied into arena);
     * KO_ERR_NOT_FOUND when the table does not exist. */
    ko_status (*load)(void *ctx, const char *ns, const char *name, ko_arena *arena,
                      const char **location, ko_err *err);
    /* Registers a new table (KO_ERR_EXISTS when it exists). */
    ko_status (*create)(void *ctx, const char *ns, const char *name, const char *location,
                        const char *summary, ko_err *err);
    /* Compare-and-swap of the pointer: KO_ERR_CONFLICT when the current
     * location is not `expected`. */
    ko_status (*commit)(void *ctx, const char *ns, const char *name, const char *expected,
                        const char *location, const char *summary, ko_err *err);
    /* Appends an audit record for a change outside the catalog (removed
     * files). */
    ko_status (*audit)(void *ctx, const char *action, const char *object, const char *summary,
                       ko_err *err);
} ko_ice_catalog;

typedef struct ko_ice_warehouse {
    ko_store *store;               /* borrowed: the warehouse root */
    const ko_ice_catalog *catalog; /* borrowed */
} ko_ice_warehouse;

/* A table as loaded through the catalog. */
typedef struct ko_ice_table {
    const char *ns;                /* "sales.eu" */
    const char *name;              /* "orders" */
    const char *ident;             /* "sales.eu.orders", for messages */
    const char *key;               /* the table location as a store key: "sales/eu/orders" */
    const char *metadata_location; /* what the catalog points at */
    int64_t version;               /* N of vN.metadata.json (0 for other names) */
    ko_ice_table_meta meta;
} ko_ice_table;

/* Splits "a.b.t" at its last dot into namespace "a.b" and table "t" (in
 * arena); KO_ERR_INVALID when there is no namespace or a part is empty. */
ko_status ko_ice_ident_parse(const char *text, ko_arena *arena, const char **ns, const char **name,
                             ko_err *err);

/* The store key of a location inside the warehouse ("file:///wh/a/b" ->
 * "a/b"); KO_ERR_UNSUPPORTED naming it when it lies elsewhere. */
ko_status ko_ice_location_key(const ko_ice_warehouse *wh, const char *location, ko_arena *arena,
                              const char **key, ko_err *err);

typedef struct ko_ice_table_create_opts {
    const ko_ice_schema *schema; /* required; ids kept (use fresh ids for files) */
    const char *partition_by;    /* "day(ts),bucket(16,id)"; NULL or "" unpartitioned */
    const ko_ice_kv *properties;
    uint32_t n_properties;
} ko_ice_table_create_opts;

/* Creates ns.name: writes metadata/v1.metadata.json (put-if-absent: a
 * location already holding one is KO_ERR_EXISTS, naming it) and
 * version-hint.text, then registers the table (audit summary with the
 * operation, location, schema and spec).  out (may be NULL) receives the
 * table.  Bad schemas and partition texts are KO_ERR_INVALID. */
ko_status ko_ice_table_create(const ko_ice_warehouse *wh, const char *ns, const char *name,
                              const ko_ice_table_create_opts *opts, ko_arena *arena,
                              ko_ice_table *out, ko_err *err);

/* Loads ns.name: its catalog pointer and metadata file. */
ko_status ko_ice_table_load(const ko_ice_warehouse *wh, const char *ns, const char *name,
                            ko_arena *arena, ko_ice_table *out, ko_err *err);

/* Writes the rows of Parquet files into new data files of t (current
 * schema, default spec).  Each input's columns are matched to the table's
 * by field id when the file carries ids that the table knows, else by name
 * (exact, then case-insensitively); nested fields the same way.  A missing
 * optional column reads as null; a missing required column, a column the
 * table lacks, a null in a required column or an incompatible type (other
 * than the same type or an allowed promotion: int -> long, float ->
 * double, wider decimal; also millisecond times and timestamps, INT96
 * timestamps, unsigned 32-bit ints) is KO_ERR_INVALID naming the file and
 * column.  Rows are split by partition (each row's tuple computed with the
 * spec's transforms) into files data/<partition path>/<uuid>.parquet, with
 * field ids on every column, the "iceberg.schema" footer key, the codec
 * of write.parquet.compression-codec (default zstd).  Each written file's
 * metrics come from its footer: record count, size, column sizes, value,
 * null and NaN counts, lower/upper bounds (Appendix D binary; strings and
 * binary truncated to 16 characters/bytes; none for fields in lists or
 * maps), split offsets.  files (in arena) get content DATA, format
 * PARQUET, the partition tuple and spec id.  On error the files written so
 * far are deleted. */
ko_status ko_ice_table_write_files(const ko_ice_warehouse *wh, const ko_ice_table *t,
                                   ko_pq_reader *const *inputs, const char *const *input_names,
                                   size_t n_inputs, ko_arena *arena, ko_ice_data_file **files,
                                   size_t *n_files, ko_err *err);

typedef struct ko_ice_commit_opts {
    /* 0: the table property commit.retry.num-retries + 1, else 50 */
    int max_attempts;
    /* First retry delay, doubled and jittered up to commit.retry.max-wait-ms
     * (default 2 s); 0: commit.retry.min-wait-ms, else 20. */
    int64_t backoff_base_ms;
    /* Extra snapshot summary entries of an append (such as
     * korolev.ingest-id), after the standard ones; keys starting with
     * "korolev." also go into the audit summary.  Borrowed. */
    const ko_ice_kv *summary;
    uint32_t n_summary;
} ko_ice_commit_opts;

typedef struct ko_ice_commit_info {
    int64_t snapshot_id; /* the new (or, for rollback, the current) snapshot; -1: none */
    int64_t sequence_number;
    const char *metadata_location; /* the committed metadata file */
    int attempts;                  /* 1 when there was no conflict */
} ko_ice_commit_info;

/* Appends data files (written by ko_ice_table_write_files) to t in one
 * snapshot: a new manifest of the files, a manifest list carrying the
 * previous snapshot's manifests forward, a snapshot (random positive
 * 63-bit id, sequence number last+1, operation append, summary with exact
 * added-* and total-* counts and changed-partition-count), the main branch
 * moved to it, snapshot-log and metadata-log entries
 * (write.metadata.previous-versions-max, default 100, entries kept), then
 * the commit protocol above.  t becomes the committed table.  n may be 0
 * (an empty append snapshot).  After max_attempts conflicts:
 * KO_ERR_CONFLICT naming the table. */
ko_status ko_ice_table_commit_append(const ko_ice_warehouse *wh, ko_ice_table *t,
                                     const ko_ice_data_file *files, size_t n,
                                     const ko_ice_commit_opts *opts, ko_arena *arena,
                                     ko_ice_commit_info *info, ko_err *err);

/* Loads ns.name, writes the inputs and commits them; on a failed commit
 * the data files are deleted again. */
ko_status ko_ice_table_append(const ko_ice_warehouse *wh, const char *ns, const char *name,
                              ko_pq_reader *const *inputs, const char *const *input_names,
                              size_t n_inputs, const ko_ice_commit_opts *opts, ko_arena *arena,
                              ko_ice_commit_info *info, ko_err *err);

/* A schema change for ko_ice_table_update_schema: derives *out from base
 * (the table's current schema), taking new field ids from
 * *last_column_id; section 3's functions fit in a line each. */
typedef ko_status (*ko_ice_schema_change_fn)(void *ctx, const ko_ice_schema *base,
                                             int32_t *last_column_id, ko_arena *arena,
                                             ko_ice_schema *out, ko_err *err);

/* Evolves the schema of ns.name: applies `change` to the current schema
 * (again on every retry), checks that the default partition spec and
 * sort order still hold for the result (dropping a partition source is
 * KO_ERR_INVALID), adds it (or reuses an equal earlier schema) and makes
 * it current.  `what` describes the change for the audit summary ("add
 * column note string").  Data files are not touched: readers resolve
 * columns by field id. */
ko_status ko_ice_table_update_schema(const ko_ice_warehouse *wh, const char *ns, const char *name,
                                     ko_ice_schema_change_fn change, void *ctx, const char *what,
                                     const ko_ice_commit_opts *opts, ko_arena *arena,
                                     ko_ice_commit_info *info, ko_err *err);

/* Makes snapshot_id (which must exist: KO_ERR_NOT_FOUND) the current one
 * by moving the main branch to it. */
ko_status ko_ice_table_rollback(const ko_ice_warehouse *wh, const char *ns, const char *name,
                                int64_t snapshot_id, const ko_ice_commit_opts *opts,
                                ko_arena *arena, ko_ice_commit_info *info, ko_err *err);

typedef struct ko_ice_expire_opts {
    /* Snapshots older than this (ms since the epoch) may expire; 0: now
     * minus history.expire.max-snapshot-age-ms (default 5 days). */
    int64_t older_than_ms;
    /* The newest snapshots of main's history always kept; 0:
     * history.expire.min-snapshots-to-keep (default 1). */
    int32_t retain_last;
} ko_ice_expire_opts;

/* Removes from the metadata the tags and branches (not main) whose
 * snapshot is older than their max-ref-age-ms, then every snapshot that
 * no ref points at and that no branch retains (a branch retains its
 * newest ancestors while fewer than its min-snapshots-to-keep, default
 * retain_last, are kept or they are younger than its max-snapshot-age-ms,
 * default older_than_ms; a snapshot on no branch's history stays while
 * younger than older_than_ms; snapshot-log entries of removed snapshots go
 * too), and commits (audit operation "expire" listing the ids and the
 * number of refs dropped).  The ids removed go to
 * *expired (in arena; may be NULL).  Nothing to expire commits nothing
 * (info->metadata_location is the current one). */
ko_status ko_ice_table_expire(const ko_ice_warehouse *wh, const char *ns, const char *name,
                              const ko_ice_expire_opts *opts, const ko_ice_commit_opts *copts,
                              ko_arena *arena, int64_t **expired, size_t *n_expired,
                              ko_ice_commit_info *info, ko_err *err);

typedef struct ko_ice_remove_result {
    const char **removed; /* keys deleted (in arena) */
    size_t n_removed;
    uint64_t bytes;
    size_t n_referenced; /* files still referenced */
    size_t n_too_new;    /* unreferenced but not older than the safety age */
    size_t n_temps;      /* temporary files of killed writes removed (in bytes too) */
} ko_ice_remove_result;

/* Deletes the files under the table's data/ and metadata/ that no
 * retained snapshot references (manifest lists, manifests, data and
 * delete files of every snapshot in the current metadata, the current
 * metadata file, those in its metadata-log, version-hint.text, statistics
 * files) and whose modification time is before older_than_ms (0: now
 * minus 3 days), and the temporary files killed local writes left there
 * that are as old (ko_store_remove_temps).  One audit record
 * "table.remove_files" lists the counts and bytes when anything was
 * removed. */
ko_status ko_ice_table_remove_files(const ko_ice_warehouse *wh, const char *ns, const char *name,
                                    int64_t older_than_ms, ko_arena *arena,
                                    ko_ice_remove_result *out, ko_err *err);

/* The live data and delete files of a snapshot (-1: the current one; a
 * table without snapshots has none), read from its manifests. */
ko_status ko_ice_table_files(const ko_ice_warehouse *wh, const ko_ice_table *t, int64_t snapshot_id,
                             ko_arena *arena, ko_ice_manifest_entry **out, size_t *n_out,
                             ko_err *err);

/* JSON views for tools (new references):
 *   describe  {"table","metadata-location","location","table-uuid",
 *              "format-version","current-snapshot-id","schema",
 *              "partition-spec","sort-order","properties",
 *              "current-snapshot"(summary),"snapshots"(count)}
 *   history   [{"snapshot-id","parent-snapshot-id","sequence-number",
 *              "timestamp-ms","operation","summary","is-current"}] in
 *              commit order
 *   files     [{"content","file-path","file-format","partition",
 *              "record-count","file-size-in-bytes","column-sizes",
 *              "value-counts","null-value-counts","nan-value-counts",
 *              "lower-bounds","upper-bounds","split-offsets"}] with
 *              partition values and bounds as Appendix D JSON values keyed
 *              by field name */
ko_status ko_ice_table_describe_json(const ko_ice_table *t, json_t **out, ko_err *err);
ko_status ko_ice_table_history_json(const ko_ice_table *t, json_t **out, ko_err *err);
ko_status ko_ice_table_files_json(const ko_ice_table *t, const ko_ice_manifest_entry *entries,
                                  size_t n, json_t **out, ko_err *err);

/* ----------------------------------------------------------------------
 * Writing rows (table_write.c): new data files from column batches, for
 * callers that produce rows themselves (the SQL engine's INSERT, UPDATE,
 * a delete's rewrite).  Rows are split by the default spec.  Memory is
 * bounded by write.korolev.buffer-bytes (default 256 MiB: half for rows
 * not yet given to a file, half for what open files buffer) and
 * write.korolev.max-open-files (default 64); past a limit the largest
 * pending partitions are written and the file holding the most is closed
 * (its partition continues in a new file).  Files roll at
 * write.target-file-size-bytes (default 512 MiB).
 * ---------------------------------------------------------------------- */

typedef struct ko_ice_table_writer ko_ice_table_writer;

/* Opens a writer of new data files of t (current schema, default spec). */
ko_status ko_ice_table_writer_open(const ko_ice_warehouse *wh, const ko_ice_table *t,
                                   ko_arena *arena, ko_ice_table_writer **out, ko_err *err);
/* The Parquet schema of the batches write() takes: the table's current
 * schema as ko_ice_schema_to_parquet gives it, i.e. the same leaves (order,
 * physical types, levels) as the batches of a ko_ice_reader reading with
 * the current schema, so read batches can be written back unchanged. */
const ko_pq_schema *ko_ice_table_writer_schema(const ko_ice_table_writer *w);
/* Writes rows records: cols[i] is leaf i (only read). */
ko_status ko_ice_table_writer_write(ko_ice_table_writer *w, const ko_pq_column *cols, size_t rows,
                                    ko_err *err);
/* Closes every file and returns their entries with metrics (in the
 * writer's arena); frees w.  On error the files are deleted. */
ko_status ko_ice_table_writer_finish(ko_ice_table_writer *w, ko_ice_data_file **files,
                                     size_t *n_files, ko_err *err);
/* Discards w and deletes every file it wrote. */
void ko_ice_table_writer_abort(ko_ice_table_writer *w);

/* ----------------------------------------------------------------------
 * Overwrite, delete and replace (table_overwrite.c, table_rewrite.c)
 *
 * Copy-on-write: a change removes whole data (and delete) files and adds
 * new ones in one snapshot.  The SQL engine's statements map onto it:
 *   DELETE WHERE p      ko_ice_table_delete_where
 *   (section 13)
 *   INSERT OVERWRITE    ko_ice_table_overwrite_where (p = the partitions
 *                       replaced, or NULL for the whole table)
 *   UPDATE ... WHERE p  ko_ice_table_plan_rewrite(p), read plan.scan with
 *                       ko_ice_table_open_dir + ko_ice_reader_open (all
 *                       rows of those files, deletes applied), write every
 *                       row (updated or not) with ko_ice_table_writer_*,
 *                       then ko_ice_table_commit_overwrite(deleted =
 *                       ko_ice_rewrite_plan_removed(plan), added = the new
 *                       files, base = plan.snapshot_id, conflict_filter =
 *                       p for serializable isolation).
 * ---------------------------------------------------------------------- */

typedef struct ko_ice_pred ko_ice_pred; /* section 11 */

typedef struct ko_ice_overwrite_opts {
    const char *branch; /* NULL: "main" (other branches must exist) */
    /* The snapshot the caller read to choose its files; 0: the branch head
     * of t as passed; -1: the table had no snapshot. */
    int64_t base_snapshot_id;
    /* Serializable isolation: a snapshot committed after the base that
     * added data files which may match this is a conflict.  NULL: snapshot
     * isolation (only removed files and new delete files are checked). */
    const ko_ice_pred *conflict_filter;
    const char *description; /* audit summary "filter" (e.g. the filter text); may be NULL */
} ko_ice_overwrite_opts;

/* Commits one snapshot to the branch that removes `deleted` (data or
 * delete files, matched by file_path among the branch head's live files)
 * and adds `added` (data files from ko_ice_table_write_files or a
 * ko_ice_table_writer, or position/equality delete files with their
 * metrics; any spec of the table).  Operation "append" when only data
 * files are added, "delete" when no data file is added, else "overwrite".
 * Manifests holding removed files are rewritten: removed entries become
 * DELETED (with the new snapshot id and their sequence numbers), the
 * others EXISTING; other manifests are carried forward.  Summary:
 * added-data-files, added-records, added-files-size, deleted-data-files,
 * deleted-records, removed-delete-files, removed-position-deletes,
 * removed-equality-deletes, removed-files-size, changed-partition-count
 * and exact total-* (added-delete-files, added-position-deletes and
 * added-equality-deletes too when delete files are added; zero
 * removal counts are left out as Java does).  On every attempt it re-checks against the snapshots
 * committed since the base: a file to remove that is no longer live, a
 * new delete file that may apply to a removed data file, or (with
 * conflict_filter) new matching data files fail at once with
 * KO_ERR_CONFLICT naming the file; other races are retried.  Files an
 * attempt wrote are deleted when it loses, and all of them (not the added
 * data files, which the caller owns) when the commit fails for certain.
 * info->snapshot_id is the new snapshot (also for branches). */
ko_status ko_ice_table_commit_overwrite(const ko_ice_warehouse *wh, ko_ice_table *t,
                                        const ko_ice_data_file *deleted, size_t n_deleted,
                                        const ko_ice_data_file *added, size_t n_added,
                                        const ko_ice_overwrite_opts *oo,
                                        const ko_ice_commit_opts *opts, ko_arena *arena,
                                        ko_ice_commit_info *info, ko_err *err);

/* ----------------------------------------------------------------------
 * Partition spec evolution (table_spec.c)
 * ---------------------------------------------------------------------- */

/* Makes the spec of partition_by text (section 6 syntax; "" or NULL
 * unpartitioned) the default of ns.name.  Fields that equal a field of an
 * existing spec (same source and transform) keep its field id, new ones
 * get ids above last-partition-id; an equal existing spec is reused.
 * Existing data files keep their spec; scans evaluate each file with its
 * own spec. */
ko_status ko_ice_table_update_spec(const ko_ice_warehouse *wh, const char *ns, const char *name,
                                   const char *partition_by, const ko_ice_commit_opts *opts,
                                   ko_arena *arena, ko_ice_commit_info *info, ko_err *err);

/* ----------------------------------------------------------------------
 * Tags and branches (table_refs.c)
 * ---------------------------------------------------------------------- */

typedef struct ko_ice_ref_opts {
    ko_ice_ref_type type;
    int64_t snapshot_id; /* -1: the current snapshot */
    bool replace;        /* an existing ref of that type is moved; else KO_ERR_EXISTS */
    /* Retention, stored in the ref; 0: unset. */
    int32_t min_snapshots_to_keep; /* branches only */
    int64_t max_snapshot_age_ms;   /* branches only */
    int64_t max_ref_age_ms;
} ko_ice_ref_opts;

/* Creates (or with replace, moves) tag or branch `ref` of ns.name. "main"
 * can only be moved (ko_ice_table_rollback, fast-forward). */
ko_status ko_ice_table_set_ref(const ko_ice_warehouse *wh, const char *ns, const char *name,
                               const char *ref, const ko_ice_ref_opts *ro,
                               const ko_ice_commit_opts *opts, ko_arena *arena,
                               ko_ice_commit_info *info, ko_err *err);
/* Drops a tag or branch (not "main"); unknown names are KO_ERR_NOT_FOUND. */
ko_status ko_ice_table_drop_ref(const ko_ice_warehouse *wh, const char *ns, const char *name,
                                const char *ref, const ko_ice_commit_opts *opts, ko_arena *arena,
                                ko_ice_commit_info *info, ko_err *err);
/* Moves branch `to` (e.g. "main") to the head of branch `from` when the
 * head of `to` is an ancestor of it; KO_ERR_CONFLICT otherwise. */
ko_status ko_ice_table_fast_forward(const ko_ice_warehouse *wh, const char *ns, const char *name,
                                    const char *to, const char *from,
                                    const ko_ice_commit_opts *opts, ko_arena *arena,
                                    ko_ice_commit_info *info, ko_err *err);
/* ko_ice_table_append into a branch (NULL: main). */
ko_status ko_ice_table_append_branch(const ko_ice_warehouse *wh, const char *ns, const char *name,
                                     const char *branch, ko_pq_reader *const *inputs,
                                     const char *const *input_names, size_t n_inputs,
                                     const ko_ice_commit_opts *opts, ko_arena *arena,
                                     ko_ice_commit_info *info, ko_err *err);

/* ======================================================================
 * 11. Predicates and pruning (scan_expr.c)
 *
 * A small predicate tree over columns named by field id, used to skip
 * manifests (partition field summaries), data and delete files (partition
 * tuples through the inclusive projection of each partition transform, and
 * the files' column bounds and null counts).  Evaluation is conservative:
 * "false" means no row can match; "true" means some may.
 * ====================================================================== */

/* Total order of two values: nulls first, then by value (numbers by
 * magnitude, with int/long/date/time/timestamps comparing their integers
 * and float/double their doubles, -0.0 before +0.0 and NaN last; decimals
 * of equal scale by unscaled value; strings, binaries, fixed and uuids by
 * unsigned bytes).  Values of unrelated types compare by type id. */
int ko_ice_value_compare(const ko_ice_value *a, const ko_ice_value *b);

typedef enum ko_ice_pred_op {
    KO_ICE_PRED_TRUE = 0,
    KO_ICE_PRED_FALSE,
    KO_ICE_PRED_EQ, /* column = value */
    KO_ICE_PRED_LT,
    KO_ICE_PRED_LE,
    KO_ICE_PRED_GT,
    KO_ICE_PRED_GE,
    KO_ICE_PRED_IS_NULL,
    KO_ICE_PRED_NOT_NULL,
    KO_ICE_PRED_AND,
    KO_ICE_PRED_OR,
} ko_ice_pred_op;

typedef struct ko_ice_pred ko_ice_pred;

struct ko_ice_pred {
    ko_ice_pred_op op;
    int32_t field_id;                /* comparisons and null tests: a primitive column */
    ko_ice_value value;              /* comparisons: non-null, of the column's type (an
                                        int for a long column and a float for a double
                                        are accepted) */
    const ko_ice_pred *left, *right; /* AND, OR */
};

/* Constructors in arena; NULL when out of memory (or when a child is
 * NULL, so calls nest). */
ko_ice_pred *ko_ice_pred_cmp(ko_arena *arena, ko_ice_pred_op op, int32_t field_id,
                             ko_ice_value value);
ko_ice_pred *ko_ice_pred_null(ko_arena *arena, bool is_null, int32_t field_id);
ko_ice_pred *ko_ice_pred_and(ko_arena *arena, const ko_ice_pred *a, const ko_ice_pred *b);
ko_ice_pred *ko_ice_pred_or(ko_arena *arena, const ko_ice_pred *a, const ko_ice_pred *b);

/* Checks p against schema: columns exist and are primitive, values are
 * non-null and of a compatible type.  KO_ERR_INVALID names the field. */
ko_status ko_ice_pred_check(const ko_ice_pred *p, const ko_ice_schema *schema, ko_err *err);

/* Whether a row with these column values may match (exact for a row):
 * value_of(ctx, field_id) returns the row's value or NULL for null. */
typedef const ko_ice_value *(*ko_ice_row_lookup)(void *ctx, int32_t field_id);
bool ko_ice_pred_eval_row(const ko_ice_pred *p, ko_ice_row_lookup value_of, void *ctx);

/* May a file with this partition tuple (of spec over schema) hold matching
 * rows?  Each comparison on a source column is projected onto every
 * partition field of that source: identity keeps it; bucket keeps only =;
 * truncate, year, month, day and hour turn = into =, < and <= into <=, >
 * and >= into >= of the transformed value; null tests carry over (void and
 * unknown transforms and columns without partition fields give true). */
bool ko_ice_pred_eval_partition(const ko_ice_pred *p, const ko_ice_partition_spec *spec,
                                const ko_ice_schema *schema, const ko_ice_value *partition);
/* May a manifest hold matching files?  The same projection against its
 * partition field summaries (bounds, contains_null / contains_nan). */
bool ko_ice_pred_eval_manifest(const ko_ice_pred *p, const ko_ice_partition_spec *spec,
                               const ko_ice_schema *schema, const ko_ice_manifest_file *mf);
/* May a data or delete file hold matching rows, judging by its record
 * count, value and null counts and lower/upper bounds (decoded with the
 * column's type in schema)? */
bool ko_ice_pred_eval_file(const ko_ice_pred *p, const ko_ice_schema *schema,
                           const ko_ice_data_file *f);

/* ======================================================================
 * 12. Reading table directories (table_read.c, scan.c, scan_read.c)
 *
 * ko_ice_dir is a table opened for reading from wherever it lives: a
 * local directory, file://, s3:// or gs:// (store.h).  Locations recorded
 * in metadata, manifest lists and manifests are resolved against the
 * table's actual location: a recorded path under the recorded table
 * location ("s3a://bucket/t/data/x.parquet" with location "s3a://bucket/t")
 * is re-rooted under the real one, relative paths are taken from it, and
 * other absolute URIs are used as they are.  So a table directory that was
 * copied or moved stays readable.
 * ====================================================================== */

typedef struct ko_ice_dir ko_ice_dir;

/* Opens the table at location (a table directory).  The metadata file is
 * metadata_name when given (a file name under <location>/metadata, or a
 * full path/URI), else the one version-hint.text names ("5" ->
 * v5.metadata.json, or a file name), else the highest-numbered
 * vN.metadata.json (or NNNNN-uuid.metadata.json) in <location>/metadata.
 * opts may be NULL.  KO_ERR_NOT_FOUND when there is no metadata. */
ko_status ko_ice_dir_open(const char *location, const char *metadata_name,
                          const ko_store_options *opts, ko_ice_dir **out, ko_err *err);
void ko_ice_dir_close(ko_ice_dir *t);
/* The parsed metadata (owned by the table) and the metadata file read. */
const ko_ice_table_meta *ko_ice_dir_meta(const ko_ice_dir *t);
const char *ko_ice_dir_metadata_file(const ko_ice_dir *t);
/* The table's actual location, normalised ("file:///abs/dir", "s3://b/p"). */
const char *ko_ice_dir_location(const ko_ice_dir *t);

/* The store and key a recorded location resolves to (store owned by the
 * table, key in arena).  For use with ko_pq_reader_open and friends. */
ko_status ko_ice_dir_resolve(ko_ice_dir *t, const char *recorded, ko_arena *arena, ko_store **store,
                             const char **key, ko_err *err);
/* Reads a whole file named by a recorded location into out (appended). */
ko_status ko_ice_dir_read(ko_ice_dir *t, const char *recorded, ko_buf *out, ko_err *err);

/* Which snapshot to read: snapshot_id when >= 0, else ref when non-NULL
 * (branch or tag name), else as_of_ms when set (the latest snapshot-log
 * entry at or before it; KO_ERR_NOT_FOUND when none), else the current
 * snapshot.  *out is NULL for a table without snapshots. */
typedef struct ko_ice_snapshot_sel {
    int64_t snapshot_id; /* -1: unset */
    const char *ref;
    bool has_as_of;
    int64_t as_of_ms;
} ko_ice_snapshot_sel;

ko_status ko_ice_select_snapshot(const ko_ice_table_meta *m, const ko_ice_snapshot_sel *sel,
                                 const ko_ice_snapshot **out, ko_err *err);

/* A delete file that applies to a data file, with its data sequence
 * number. */
typedef struct ko_ice_delete_ref {
    const ko_ice_data_file *file;
    int64_t sequence_number;
} ko_ice_delete_ref;

/* One data file to read and the delete files to apply to it (position
 * deletes: data sequence number <= the delete's, same partition, matching
 * referenced_data_file when set; equality deletes: data sequence number <
 * the delete's, same partition or an unpartitioned delete spec). */
typedef struct ko_ice_scan_task {
    const ko_ice_data_file *file;
    int64_t sequence_number;
    ko_ice_delete_ref *deletes;
    uint32_t n_deletes;
} ko_ice_scan_task;

typedef struct ko_ice_scan_plan {
    const ko_ice_snapshot *snapshot; /* NULL: no snapshot, nothing to read */
    const ko_ice_schema *schema;     /* the schema rows are read with */
    ko_ice_scan_task *tasks;         /* in manifest order */
    size_t n_tasks;
    /* What pruning did. */
    size_t manifests, manifests_skipped;
    size_t data_files, data_files_skipped;
    size_t delete_files, delete_files_skipped;
} ko_ice_scan_plan;

typedef struct ko_ice_scan_opts {
    ko_ice_snapshot_sel snapshot;
    const ko_ice_pred *filter; /* NULL: everything */
    /* The schema to read with; NULL: the snapshot's schema when reading an
     * older snapshot by id, ref or time, else the table's current one. */
    const ko_ice_schema *schema;
} ko_ice_scan_opts;

/* Plans a scan: reads the snapshot's manifest list and the manifests that
 * may match (delete manifests first), keeps live entries (status not
 * DELETED) that may match, and attaches to each data file the delete
 * files that apply.  Everything is allocated in arena. */
ko_status ko_ice_scan_plan_files(ko_ice_dir *t, const ko_ice_scan_opts *opts, ko_arena *arena,
                                 ko_ice_scan_plan *out, ko_err *err);

/* Do two files have the same spec and partition tuple? */
bool ko_ice_same_partition(const ko_ice_data_file *a, const ko_ice_data_file *b);

/* Pure planning over manifests already read, for tests and for callers
 * that cache manifests: manifests[i] was read from list[i]. */
ko_status ko_ice_scan_plan_manifests(const ko_ice_table_meta *m, const ko_ice_schema *schema,
                                     const ko_ice_pred *filter, const ko_ice_manifest_file *list,
                                     const ko_ice_manifest *manifests, size_t n, ko_arena *arena,
                                     ko_ice_scan_plan *out, ko_err *err);

/* Reading rows.  A ko_ice_reader returns, batch by batch (one row group of
 * one data file), Dremel columns for the leaves of the read schema
 * converted to Parquet (ko_ice_schema_to_parquet, with the Iceberg field
 * names), with deletes applied.  Columns of a data file are matched by
 * field id (renamed columns match; columns missing from a file read as
 * null); files without field ids are matched through the table property
 * schema.name-mapping.default, else by name.  Promotions (int -> long,
 * float -> double, decimal widening) and INT96 or millisecond timestamps
 * are converted. */
typedef struct ko_ice_reader ko_ice_reader;

ko_status ko_ice_reader_open(ko_ice_dir *dir, const ko_ice_scan_plan *plan, ko_ice_reader **out,
                             ko_err *err);
/* The Parquet schema of the batches (owned by the reader). */
const ko_pq_schema *ko_ice_reader_schema(const ko_ice_reader *r);
/* The next non-empty batch: *cols (owned by the reader, valid until the
 * next call) holds one column per leaf and *n_rows records; *done is true
 * at the end. */
ko_status ko_ice_reader_next(ko_ice_reader *r, const ko_pq_column **cols, size_t *n_rows,
                             bool *done, ko_err *err);
/* Rows removed by deletes so far. */
uint64_t ko_ice_reader_deleted_rows(const ko_ice_reader *r);
void ko_ice_reader_close(ko_ice_reader *r);

/* ======================================================================
 * 13. Changes by filter (table_rewrite.c, table_pred_text.c): planning,
 *     DELETE WHERE, INSERT OVERWRITE, filter text.  The commit they end in
 *     is ko_ice_table_commit_overwrite (section 10).
 * ====================================================================== */

/* Whether every row of f satisfies p, judging by its counts and bounds
 * (exact for the rows the file holds before deletes; false when unsure:
 * missing metrics, nulls or NaNs that a comparison would not match). */
bool ko_ice_pred_all_rows_match(const ko_ice_pred *p, const ko_ice_schema *schema,
                                const ko_ice_data_file *f);

typedef enum ko_ice_match {
    KO_ICE_MATCH_SOME = 1, /* some rows may match: rewrite without them */
    KO_ICE_MATCH_ALL = 2,  /* every row matches: remove the file whole */
} ko_ice_match;

/* Which files a change by filter touches, at one snapshot of a branch. */
typedef struct ko_ice_rewrite_plan {
    int64_t snapshot_id;   /* planned against (-1: no snapshot) */
    ko_ice_scan_plan scan; /* the live data files that may hold matching rows,
                              each with every delete file that applies to it,
                              read with the current schema */
    ko_ice_match *match;   /* per scan.tasks[i] */
    size_t n_all, n_some;
    /* Delete files that apply only to files of the plan: remove them with
     * the plan's files. */
    ko_ice_data_file *obsolete_deletes;
    size_t n_obsolete_deletes;
} ko_ice_rewrite_plan;

/* Plans a change by filter (NULL: every file, all matching) on the head
 * of branch (NULL: main) of t.  Files that cannot match (partition or
 * bounds) are left out; data manifests whose partition summaries rule the
 * filter out are not read (scan.manifests and scan.manifests_skipped
 * count them; their files count as data_files_skipped). */
ko_status ko_ice_table_plan_rewrite(const ko_ice_warehouse *wh, const ko_ice_table *t,
                                    const char *branch, const ko_ice_pred *filter, ko_arena *arena,
                                    ko_ice_rewrite_plan *out, ko_err *err);

/* The files a plan removes: every data file of plan->scan and the
 * obsolete delete files (the `deleted` of ko_ice_table_commit_overwrite),
 * in arena. */
ko_status ko_ice_rewrite_plan_removed(const ko_ice_rewrite_plan *plan, ko_arena *arena,
                                      ko_ice_data_file **out, size_t *n, ko_err *err);

/* The table opened for reading (ko_ice_reader_open with a plan above) at
 * the metadata file t was loaded from.  Close with ko_ice_dir_close. */
ko_status ko_ice_table_open_dir(const ko_ice_warehouse *wh, const ko_ice_table *t, ko_ice_dir **out,
                                ko_err *err);

/* What a change by filter did (besides the commit info). */
typedef struct ko_ice_rewrite_result {
    size_t files_removed;   /* data files dropped whole */
    size_t files_rewritten; /* data files replaced by rewrites */
    size_t deletes_removed; /* delete files dropped */
    size_t files_added;     /* new data files (rewrites and inputs) */
    int64_t rows_deleted;   /* rows gone (whole files and rewrites) */
    int64_t rows_added;     /* rows of the inputs */
} ko_ice_rewrite_result;

/* DELETE FROM ns.name WHERE filter (NULL: every row): files whose bounds
 * show every row matches are dropped, files that may partly match are
 * read (their delete files applied) and rewritten without the matching
 * rows (ko_ice_pred_eval_row; SQL semantics: a comparison with null does
 * not match), delete files that only applied to dropped files go too.
 * Serializable: a concurrent commit that added matching rows or removed a
 * file this one removes is KO_ERR_CONFLICT.  Nothing matching commits
 * nothing (info->snapshot_id is the current one). */
ko_status ko_ice_table_delete_where(const ko_ice_warehouse *wh, const char *ns, const char *name,
                                    const ko_ice_pred *filter, const ko_ice_overwrite_opts *oo,
                                    const ko_ice_commit_opts *opts, ko_arena *arena,
                                    ko_ice_commit_info *info, ko_ice_rewrite_result *res,
                                    ko_err *err);

/* INSERT OVERWRITE: delete_where(filter) and append the rows of the
 * inputs (as ko_ice_table_append maps them) in one snapshot.  filter
 * NULL replaces the whole table. */
ko_status ko_ice_table_overwrite_where(const ko_ice_warehouse *wh, const char *ns, const char *name,
                                       const ko_ice_pred *filter, ko_pq_reader *const *inputs,
                                       const char *const *input_names, size_t n_inputs,
                                       const ko_ice_overwrite_opts *oo,
                                       const ko_ice_commit_opts *opts, ko_arena *arena,
                                       ko_ice_commit_info *info, ko_ice_rewrite_result *res,
                                       ko_err *err);

/* Parses filter text against schema: comparisons "col = v", !=, <, <=, >,
 * >=, "col is null", "col is not null", joined with "and" / "or"
 * (and binds tighter; parentheses group), keywords case-insensitive.
 * Values are literals typed by the column: numbers, true/false, 'quoted'
 * or "quoted" text for strings, dates ('2024-01-31'), timestamps
 * ('2024-01-31T10:00:00'), decimals, uuids.  "a != v" means a < v or a > v
 * (nulls do not match).  KO_ERR_INVALID names the position and what is
 * wrong. */
ko_status ko_ice_pred_parse_text(const char *text, const ko_ice_schema *schema, ko_arena *arena,
                                 const ko_ice_pred **out, ko_err *err);

#endif /* KO_ICEBERG_H */
