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

#endif /* KO_ICEBERG_H */
