/*
 * thrift.h - the Thrift compact protocol, as Parquet metadata uses it
 * (internal to src/parquet; wire format in Apache Thrift's
 * doc/specs/thrift-compact-protocol.md).
 *
 * Reading is bounded and allocation-safe: every length and element count is
 * checked against the bytes left in the input before anything is allocated,
 * structs and containers nest at most KO_TC_MAX_DEPTH deep, and strings and
 * binaries are copied into the caller's arena (so the input may be freed).
 * A struct is read through a ko_tc_struct_desc: a table of the known field
 * ids (name, wire type, required) and a callback that decodes one known
 * field.  Unknown fields, and known ids that arrive with another wire type,
 * are skipped (forward compatibility, as generated Thrift code does); missing
 * required fields are reported after the struct ends.
 *
 * The reader keeps the path of the field being decoded, so every error reads
 * like "FileMetaData.row_groups[3].columns[1].meta_data.num_values: varint
 * longer than 10 bytes at byte 1234".  Errors are KO_ERR_CORRUPT for bad
 * input and KO_ERR_NOMEM when the arena cannot grow.
 *
 * Writing appends to a ko_buf with a sticky status: encoders write every
 * field unconditionally and look at ko_tc_writer_status() once at the end.
 */
#ifndef KO_PQ_THRIFT_H
#define KO_PQ_THRIFT_H

#include "base/base.h"

/* Compact protocol type ids (the low nibble of a field header). */
enum ko_tc_type {
    KO_TC_STOP = 0,
    KO_TC_TRUE = 1, /* bool field true; also "bool" as a list element type */
    KO_TC_FALSE = 2,
    KO_TC_I8 = 3,
    KO_TC_I16 = 4,
    KO_TC_I32 = 5,
    KO_TC_I64 = 6,
    KO_TC_DOUBLE = 7,
    KO_TC_BINARY = 8,
    KO_TC_LIST = 9,
    KO_TC_SET = 10,
    KO_TC_MAP = 11,
    KO_TC_STRUCT = 12,
};
#define KO_TC_BOOL KO_TC_TRUE

enum { KO_TC_MAX_DEPTH = 64 };

/* ------------------------------------------------------------------ reader */

typedef struct ko_tc_reader ko_tc_reader;

/* One known field of a struct; the table is indexed by field id. */
typedef struct ko_tc_field_desc {
    const char *name; /* NULL: id unknown */
    uint8_t type;     /* KO_TC_BOOL, KO_TC_LIST (accepts SET too), ... */
    bool required;
} ko_tc_field_desc;

/* Decodes known field `id` (wire type already checked) into `out`. */
typedef ko_status (*ko_tc_field_fn)(ko_tc_reader *r, int16_t id, void *out);

typedef struct ko_tc_struct_desc {
    const char *name;               /* Thrift struct name, for messages */
    const ko_tc_field_desc *fields; /* indexed by id; ids must be < 64 */
    uint16_t n_fields;              /* highest known id + 1 */
    ko_tc_field_fn fn;
    void (*init)(void *out); /* sets defaults before decoding (may be NULL) */
} ko_tc_struct_desc;

typedef struct ko_tc_frame {
    const char *name; /* NULL: unknown field, printed as "<field 17>" */
    int16_t id;
    int64_t index; /* list element index, or -1 */
} ko_tc_frame;

struct ko_tc_reader {
    const uint8_t *buf;
    size_t len, pos;
    ko_arena *arena; /* may be NULL if nothing needs allocating */
    ko_err *err;     /* may be NULL */
    int depth;
    bool bool_pending, bool_value; /* a bool field's value, from its header */
    int n_path;
    ko_tc_frame path[KO_TC_MAX_DEPTH + 4];
};

/* Starts reading buf[0, len); `root` names the top-level struct. */
void ko_tc_reader_init(ko_tc_reader *r, const uint8_t *buf, size_t len, ko_arena *arena,
                       ko_err *err, const char *root);

/* Sets r->err to st and "<path>: <message> at byte <pos>"; returns st. */
ko_status ko_tc_fail(ko_tc_reader *r, ko_status st, const char *fmt, ...) KO_PRINTF(3, 4);

static inline size_t ko_tc_remaining(const ko_tc_reader *r)
{
    return r->len - r->pos;
}

/* Sets the list index shown for the innermost field in messages. */
void ko_tc_set_index(ko_tc_reader *r, int64_t index);

/* Scalars.  read_bool takes a bool field's value from its header, or reads
 * one byte (a list element: 1 is true, anything else false). */
ko_status ko_tc_read_varint(ko_tc_reader *r, uint64_t *out);
ko_status ko_tc_read_bool(ko_tc_reader *r, bool *out);
ko_status ko_tc_read_i8(ko_tc_reader *r, int8_t *out);
ko_status ko_tc_read_i16(ko_tc_reader *r, int16_t *out);
ko_status ko_tc_read_i32(ko_tc_reader *r, int32_t *out);
ko_status ko_tc_read_i64(ko_tc_reader *r, int64_t *out);
ko_status ko_tc_read_double(ko_tc_reader *r, double *out);
/* A binary copied into the arena (*ptr is never NULL on success). */
ko_status ko_tc_read_binary(ko_tc_reader *r, const uint8_t **ptr, uint32_t *len);
/* A string copied into the arena and NUL-terminated. */
ko_status ko_tc_read_string(ko_tc_reader *r, const char **out);

/* Reads a list or set header whose elements must have wire type `want`
 * (empty lists may name any type).  Fails unless count * min_elem_bytes fits
 * in the remaining input (min_elem_bytes 0 means 1, or 8 for doubles). */
ko_status ko_tc_read_list_begin(ko_tc_reader *r, uint8_t want, size_t min_elem_bytes,
                                uint32_t *count);

/* Reads a struct: d->init(out), then each field through d->fn, skipping
 * unknown ones, then checks required fields.  *n_fields (may be NULL)
 * receives the number of fields seen, known or not (unions use it). */
ko_status ko_tc_read_struct(ko_tc_reader *r, const ko_tc_struct_desc *d, void *out,
                            uint32_t *n_fields);

/* Fewest bytes an encoding of d can take: its required fields and a STOP. */
size_t ko_tc_struct_min_size(const ko_tc_struct_desc *d);

/* Reads list<d> into a fresh arena array of elem_size-byte elements. */
ko_status ko_tc_read_struct_list(ko_tc_reader *r, const ko_tc_struct_desc *d, size_t elem_size,
                                 void **out, uint32_t *count);

/* Skips one value of wire type `type` (any type, nested to the depth limit). */
ko_status ko_tc_skip(ko_tc_reader *r, uint8_t type);

/* ------------------------------------------------------------------ writer */

typedef struct ko_tc_writer {
    ko_buf *out;
    ko_status status; /* first failure, sticky */
    int depth;
    int16_t last_id[KO_TC_MAX_DEPTH + 1];
} ko_tc_writer;

void ko_tc_writer_init(ko_tc_writer *w, ko_buf *out);
ko_status ko_tc_writer_status(const ko_tc_writer *w);

void ko_tc_write_struct_begin(ko_tc_writer *w);
void ko_tc_write_struct_end(ko_tc_writer *w); /* writes STOP */
/* A field header; for bools use ko_tc_write_field_bool instead. */
void ko_tc_write_field_begin(ko_tc_writer *w, int16_t id, uint8_t type);

void ko_tc_write_field_bool(ko_tc_writer *w, int16_t id, bool v);
void ko_tc_write_field_i8(ko_tc_writer *w, int16_t id, int8_t v);
void ko_tc_write_field_i16(ko_tc_writer *w, int16_t id, int16_t v);
void ko_tc_write_field_i32(ko_tc_writer *w, int16_t id, int32_t v);
void ko_tc_write_field_i64(ko_tc_writer *w, int16_t id, int64_t v);
void ko_tc_write_field_double(ko_tc_writer *w, int16_t id, double v);
void ko_tc_write_field_binary(ko_tc_writer *w, int16_t id, const void *p, size_t len);
void ko_tc_write_field_string(ko_tc_writer *w, int16_t id, const char *s);

/* Container headers; the elements follow with the plain writers below. */
void ko_tc_write_list_begin(ko_tc_writer *w, uint8_t elem_type, uint32_t n);
void ko_tc_write_map_begin(ko_tc_writer *w, uint8_t key_type, uint8_t value_type, uint32_t n);

void ko_tc_write_varint(ko_tc_writer *w, uint64_t v);
void ko_tc_write_bool(ko_tc_writer *w, bool v); /* element form: 1 or 2 */
void ko_tc_write_i8(ko_tc_writer *w, int8_t v);
void ko_tc_write_i16(ko_tc_writer *w, int16_t v);
void ko_tc_write_i32(ko_tc_writer *w, int32_t v);
void ko_tc_write_i64(ko_tc_writer *w, int64_t v);
void ko_tc_write_double(ko_tc_writer *w, double v);
void ko_tc_write_binary(ko_tc_writer *w, const void *p, size_t len);
void ko_tc_write_string(ko_tc_writer *w, const char *s);

#endif /* KO_PQ_THRIFT_H */
