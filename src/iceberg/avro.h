/*
 * avro.h - Avro object container files, as Iceberg manifests and manifest
 * lists use them (Avro 1.11 specification: "Binary Encoding" and "Object
 * Container Files"; apache/iceberg format/spec.md: "Manifests", "Manifest
 * Lists").
 *
 * Korolev has its own small codec because Debian's libavro drops the
 * "field-id" attributes from the schema it writes, and Iceberg readers need
 * them.  The codec has three parts:
 *
 *   schema  ko_avro_schema_parse() turns Avro schema JSON into a tree of
 *           ko_avro_schema nodes.  Records keep each field's name, doc,
 *           default (as compact JSON text) and "field-id"; arrays and maps
 *           keep Iceberg's "element-id", "key-id" and "value-id"; logical
 *           types are noted (logical_type, precision, scale) but values use
 *           the base type (a date is an INT, a uuid a FIXED of 16, a decimal
 *           a FIXED or BYTES).  A named type may be referenced again by name,
 *           so the tree is a graph (possibly cyclic): never walk it
 *           recursively without a depth bound.
 *
 *   values  one datum is a tree of ko_avro_value nodes.  A union datum is
 *           the value of its branch (`branch` records which one); a record
 *           has one value per schema field, in schema order; a map is
 *           parallel key and value arrays.  Decoded trees live in the
 *           caller's arena and copy every string, so the input may be freed.
 *
 *   files   ko_avro_reader walks a container file held in memory (the caller
 *           fetches it through the store) record by record; ko_avro_writer
 *           builds one in memory, writing the schema JSON text exactly as
 *           given, so the field ids survive.
 *
 * Decoding is bounded: every length and count is checked against the bytes
 * left before anything is allocated, nesting is limited to KO_AVRO_MAX_DEPTH,
 * and the number of values one block may produce is limited to
 * KO_AVRO_VALUES_BASE + KO_AVRO_VALUES_PER_BYTE per byte of (decompressed)
 * block data, so a schema of nested empty records or arrays of nulls cannot
 * turn a small file into a huge tree.  Errors are KO_ERR_CORRUPT for
 * malformed input (the message names the block, record, field path and
 * byte offset), KO_ERR_UNSUPPORTED for valid but unimplemented features
 * (codecs other than null and deflate), KO_ERR_INVALID for bad arguments or
 * schemas given to the writer, KO_ERR_NOMEM when memory runs out.
 */
#ifndef KO_ICE_AVRO_H
#define KO_ICE_AVRO_H

#include "base/base.h"

enum {
    KO_AVRO_MAX_DEPTH = 64,         /* nesting of schemas and of values */
    KO_AVRO_SYNC_SIZE = 16,         /* bytes in a container's sync marker */
    KO_AVRO_VALUES_BASE = 4096,     /* value budget of one block: base ... */
    KO_AVRO_VALUES_PER_BYTE = 8,    /* ... plus this many per byte of data */
    KO_AVRO_BLOCK_BYTES = 64 << 10, /* writer's default block size */
};

/* Largest decompressed block the reader accepts. */
#define KO_AVRO_MAX_BLOCK_BYTES ((size_t)256 << 20)

/* ------------------------------------------------------------------ schema */

typedef enum ko_avro_type {
    KO_AVRO_NULL = 0,
    KO_AVRO_BOOLEAN,
    KO_AVRO_INT,
    KO_AVRO_LONG,
    KO_AVRO_FLOAT,
    KO_AVRO_DOUBLE,
    KO_AVRO_BYTES,
    KO_AVRO_STRING,
    KO_AVRO_FIXED,
    KO_AVRO_ENUM,
    KO_AVRO_ARRAY,
    KO_AVRO_MAP,
    KO_AVRO_RECORD,
    KO_AVRO_UNION,
} ko_avro_type;

/* Avro's name of a type ("null", "long", "record", "union"...). */
const char *ko_avro_type_name(ko_avro_type t);

typedef struct ko_avro_schema ko_avro_schema;

typedef struct ko_avro_field {
    const char *name;
    const char *doc;          /* NULL when absent */
    const char *default_json; /* the "default" attribute as compact JSON, or NULL */
    int32_t field_id;         /* Iceberg's "field-id", valid when has_field_id */
    bool has_field_id;
    const ko_avro_schema *type;
} ko_avro_field;

struct ko_avro_schema {
    ko_avro_type type;
    const char *name;            /* full name of a record, enum or fixed; else NULL */
    const char *logical_type;    /* "decimal", "date", "timestamp-micros", "map"... or NULL */
    int32_t precision, scale;    /* of a decimal; 0 otherwise */
    size_t fixed_size;           /* FIXED */
    const ko_avro_field *fields; /* RECORD */
    size_t n_fields;
    const ko_avro_schema *const *branches; /* UNION */
    size_t n_branches;
    const ko_avro_schema *items; /* ARRAY: element schema; MAP: value schema */
    const char *const *symbols;  /* ENUM */
    size_t n_symbols;
    /* Iceberg's ids on arrays ("element-id") and maps ("key-id", "value-id"). */
    int32_t element_id, key_id, value_id;
    bool has_element_id, has_key_id, has_value_id;
};

/* Parses Avro schema JSON (len bytes, need not be NUL-terminated) into nodes
 * allocated in `arena`.  Errors (KO_ERR_INVALID) name the JSON path, such as
 * "fields[4].type.items: unknown type \"lon\"". */
ko_status ko_avro_schema_parse(const char *json, size_t len, ko_arena *arena,
                               const ko_avro_schema **out, ko_err *err);

/* Index of the record field called `name`, or -1 (also when s is not a record). */
ptrdiff_t ko_avro_schema_field_index(const ko_avro_schema *s, const char *name);
/* The field called `name` of record schema s, or NULL. */
const ko_avro_field *ko_avro_schema_field(const ko_avro_schema *s, const char *name);
/* For Iceberg's optional fields: T for a union ["null", T] or [T, "null"],
 * otherwise s itself. */
const ko_avro_schema *ko_avro_schema_nonnull(const ko_avro_schema *s);

/* ------------------------------------------------------------------- value */

typedef struct ko_avro_value ko_avro_value;

struct ko_avro_value {
    ko_avro_type type; /* never KO_AVRO_UNION: a union datum is its branch's value */
    uint32_t branch;   /* the union branch it was decoded from, else 0 */
    /* The value's (non-union) schema: set by the decoder and by
     * ko_avro_record_init; may be NULL in values built for the writer. */
    const ko_avro_schema *schema;
    union {
        bool b;    /* BOOLEAN */
        int64_t i; /* INT, LONG, ENUM (symbol index) */
        double d;  /* FLOAT, DOUBLE */
        struct {
            const uint8_t *ptr; /* decoded strings are also NUL-terminated */
            size_t len;
        } bytes; /* BYTES, STRING, FIXED */
        struct {
            ko_avro_value *items;
            size_t n;
        } array; /* ARRAY */
        struct {
            ko_avro_value *keys; /* STRING values */
            ko_avro_value *values;
            size_t n;
        } map; /* MAP */
        struct {
            ko_avro_value *fields; /* one per schema field, in schema order */
            size_t n;
        } record; /* RECORD */
    } u;
};

/* Scalar constructors (the string and bytes ones borrow their argument). */
ko_avro_value ko_avro_null(void);
ko_avro_value ko_avro_bool(bool b);
ko_avro_value ko_avro_int(int32_t i);
ko_avro_value ko_avro_long(int64_t i);
ko_avro_value ko_avro_float(float f);
ko_avro_value ko_avro_double(double d);
ko_avro_value ko_avro_string(const char *s);
ko_avro_value ko_avro_string_n(const char *s, size_t len);
ko_avro_value ko_avro_bytes(const void *p, size_t len);
ko_avro_value ko_avro_fixed(const void *p, size_t len);
ko_avro_value ko_avro_enum(int64_t index);

/* Containers in `arena`: an array or map of n values (all null, for the
 * caller to fill), and a record of `schema` (a RECORD schema) whose fields
 * are all null.  KO_ERR_NOMEM or KO_ERR_INVALID (record_init on another
 * kind of schema). */
KO_NODISCARD ko_status ko_avro_array_init(ko_avro_value *v, ko_arena *arena, size_t n);
KO_NODISCARD ko_status ko_avro_map_init(ko_avro_value *v, ko_arena *arena, size_t n);
KO_NODISCARD ko_status ko_avro_record_init(ko_avro_value *v, ko_arena *arena,
                                           const ko_avro_schema *schema);

/* The field called `name` of a record value (by its schema), or NULL when v
 * is not a record with a schema or has no such field. */
const ko_avro_value *ko_avro_record_get(const ko_avro_value *v, const char *name);
ko_avro_value *ko_avro_record_field(ko_avro_value *v, const char *name);
/* Sets field `name` of record v; KO_ERR_NOT_FOUND if there is no such field. */
KO_NODISCARD ko_status ko_avro_record_set(ko_avro_value *v, const char *name, ko_avro_value val);
/* Follows a dotted path of record fields ("data_file.file_path"); NULL if
 * any step is missing. */
const ko_avro_value *ko_avro_record_path(const ko_avro_value *v, const char *path);
/* A STRING value as a C string (decoded strings are NUL-terminated), or NULL
 * if v is not a string. */
const char *ko_avro_str(const ko_avro_value *v);

/* Binary encoding of one datum, without a container.  encode appends to out
 * (on error out keeps its old length); decode reads from data[0, len) and
 * sets *used to the bytes consumed.  Errors name the field path. */
KO_NODISCARD ko_status ko_avro_encode(const ko_avro_schema *s, const ko_avro_value *v, ko_buf *out,
                                      ko_err *err);
ko_status ko_avro_decode(const ko_avro_schema *s, const uint8_t *data, size_t len, ko_arena *arena,
                         ko_avro_value *out, size_t *used, ko_err *err);

/* ------------------------------------------------------------------ reader */

typedef enum ko_avro_codec {
    KO_AVRO_CODEC_NULL = 0,
    KO_AVRO_CODEC_DEFLATE, /* raw deflate (RFC 1951) per block */
} ko_avro_codec;

/* One header metadata entry; values are bytes (Iceberg's are JSON or
 * decimal text).  The reader NUL-terminates both. */
typedef struct ko_avro_meta {
    const char *key;
    const uint8_t *value;
    size_t len;
} ko_avro_meta;

typedef struct ko_avro_reader ko_avro_reader;

/* Reads the header of the container file data[0, len) (borrowed: it must
 * outlive the reader).  The schema, metadata and decoded values are
 * allocated in `arena`; the reader itself is freed by ko_avro_reader_close.
 * KO_ERR_CORRUPT for a bad header, KO_ERR_UNSUPPORTED for an unknown codec. */
ko_status ko_avro_reader_open(const uint8_t *data, size_t len, ko_arena *arena,
                              ko_avro_reader **out, ko_err *err);
void ko_avro_reader_close(ko_avro_reader *r);

/* The writer's schema, and its JSON text exactly as in the file. */
const ko_avro_schema *ko_avro_reader_schema(const ko_avro_reader *r);
const char *ko_avro_reader_schema_json(const ko_avro_reader *r, size_t *len);
ko_avro_codec ko_avro_reader_codec(const ko_avro_reader *r);
/* All metadata entries in file order, avro.schema and avro.codec included. */
const ko_avro_meta *ko_avro_reader_meta(const ko_avro_reader *r, size_t *n);
/* The value of metadata key `key` (NUL-terminated; *len may be NULL), or NULL. */
const char *ko_avro_reader_meta_get(const ko_avro_reader *r, const char *key, size_t *len);

/* Decodes the next record into *out (values in the arena given to open).
 * *has is false, and the status KO_OK, after the last record.  After an
 * error the reader stays failed and returns the same status again. */
ko_status ko_avro_reader_next(ko_avro_reader *r, ko_avro_value *out, bool *has, ko_err *err);
/* Like next, but values go to `arena` (e.g. one arena per record). */
ko_status ko_avro_reader_next_in(ko_avro_reader *r, ko_arena *arena, ko_avro_value *out, bool *has,
                                 ko_err *err);
/* Records returned so far. */
uint64_t ko_avro_reader_count(const ko_avro_reader *r);

/* ------------------------------------------------------------------ writer */

typedef struct ko_avro_writer_opts {
    ko_avro_codec codec;
    int deflate_level;    /* 0 means zlib's default (6) */
    size_t block_bytes;   /* flush a block at this size; 0 means KO_AVRO_BLOCK_BYTES */
    size_t block_records; /* ... or at this many records; 0 means no limit */
    /* User metadata in the order to write it; keys must not start with
     * "avro." (the writer adds avro.schema and avro.codec after these). */
    const ko_avro_meta *meta;
    size_t n_meta;
    /* KO_AVRO_SYNC_SIZE bytes of sync marker, or NULL for random ones. */
    const uint8_t *sync;
} ko_avro_writer_opts;

typedef struct ko_avro_writer ko_avro_writer;

/* Starts a container file for schema JSON text (len bytes), which is parsed
 * and written into the header byte for byte.  opts may be NULL (null codec,
 * no metadata).  KO_ERR_INVALID for a bad schema or option. */
ko_status ko_avro_writer_open(const char *schema_json, size_t len, const ko_avro_writer_opts *opts,
                              ko_avro_writer **out, ko_err *err);
/* The parsed schema (owned by the writer), to build records against. */
const ko_avro_schema *ko_avro_writer_schema(const ko_avro_writer *w);
/* Encodes one record.  On error (KO_ERR_INVALID naming the record number
 * and field path) nothing is written and the writer stays usable. */
ko_status ko_avro_writer_append(ko_avro_writer *w, const ko_avro_value *v, ko_err *err);
uint64_t ko_avro_writer_count(const ko_avro_writer *w);
/* Flushes the last block and appends the whole file to out.  The writer
 * accepts no more records afterwards; free it with ko_avro_writer_free. */
ko_status ko_avro_writer_finish(ko_avro_writer *w, ko_buf *out, ko_err *err);
void ko_avro_writer_free(ko_avro_writer *w);

#endif /* KO_ICE_AVRO_H */
