/*
 * vec.h - SQL types, column vectors and batches: the data the vectorized
 * engine moves between operators.
 *
 * Types.  A ko_sql_dtype is a type id plus parameters: precision and scale
 * for DECIMAL, children for STRUCT / LIST / MAP.  Every type has a physical
 * representation, one fixed-width slot per row (ko_sql_dtype_phys):
 *
 *   BOOLEAN                   uint8_t (0 or 1)
 *   TINYINT..BIGINT           int8_t, int16_t, int32_t, int64_t
 *   HUGEINT                   __int128
 *   FLOAT, DOUBLE             float, double
 *   DECIMAL(p,s)              the unscaled value: int64_t when p <= 18,
 *                             __int128 above (as DuckDB)
 *   VARCHAR, BLOB             ko_sql_str (pointer + length; bytes live in
 *                             the vector's heap or in a buffer the batch
 *                             borrows, never malloc'd per value)
 *   DATE                      int32_t days since 1970-01-01
 *   TIME                      int64_t microseconds since midnight
 *   TIMESTAMP, TIMESTAMPTZ    int64_t microseconds since the epoch (UTC)
 *   INTERVAL                  ko_sql_interval {months, days, micros}
 *   UUID                      ko_sql_uuid, 16 bytes big-endian
 *   LIST, MAP                 ko_sql_list {offset, length} into children[0]
 *                             (MAP: a list of STRUCT(key, value))
 *   STRUCT                    no slot data; one child vector per field
 *
 * Vectors.  A ko_vec holds up to `cap` rows of one type: `data` (slots),
 * `validity` (bit i set = row i is not null; NULL = no nulls), or is
 * constant (`is_const`: slot 0 and validity bit 0 stand for every row).
 * Nested vectors own child vectors.  A vector either owns its slot memory
 * (ko_vec_reserve) or borrows it (`data` pointed at a decoded Parquet
 * buffer by the scan: zero copy); ko_vec_make_writable turns a borrowed
 * vector back into an owned one.
 *
 * Batches and selection.  A ko_batch is up to KO_SQL_BATCH rows of columns
 * sharing row positions 0..n-1, plus an optional selection vector `sel`
 * (ascending row positions that are live; NULL means all n).  Filters only
 * shrink the selection; expressions compute results for the selected rows
 * at the same positions, so no operator copies rows just to drop some.
 *
 * Null slots hold defined bytes (zero, or an empty string), so kernels may
 * compute over them branch-free and mark the result null afterwards.
 */
#ifndef KO_SQL_VEC_H
#define KO_SQL_VEC_H

#include "base/base.h"

enum {
    KO_SQL_BATCH = 2048,         /* rows per batch */
    KO_SQL_DTYPE_MAX_DEPTH = 64, /* nesting of types and expressions */
    KO_SQL_DTYPE_STR_MAX = 128,
};

typedef enum ko_sql_dtid {
    KO_SQL_DT_NULL = 0, /* the type of a bare NULL: casts to anything */
    KO_SQL_DT_BOOLEAN,
    KO_SQL_DT_TINYINT,
    KO_SQL_DT_SMALLINT,
    KO_SQL_DT_INTEGER,
    KO_SQL_DT_BIGINT,
    KO_SQL_DT_HUGEINT,
    KO_SQL_DT_FLOAT,
    KO_SQL_DT_DOUBLE,
    KO_SQL_DT_DECIMAL,
    KO_SQL_DT_VARCHAR,
    KO_SQL_DT_BLOB,
    KO_SQL_DT_DATE,
    KO_SQL_DT_TIME,
    KO_SQL_DT_TIMESTAMP,
    KO_SQL_DT_TIMESTAMPTZ,
    KO_SQL_DT_INTERVAL,
    KO_SQL_DT_UUID,
    KO_SQL_DT_STRUCT,
    KO_SQL_DT_LIST,
    KO_SQL_DT_MAP,
    KO_SQL_DT_ANY, /* function signatures only: any type */
    KO_SQL_DT_COUNT_
} ko_sql_dtid;

typedef struct ko_sql_nested ko_sql_nested;

typedef struct ko_sql_dtype {
    ko_sql_dtid id;
    uint8_t precision, scale;    /* DECIMAL: 1..38, 0..precision */
    const ko_sql_nested *nested; /* STRUCT, LIST, MAP; NULL otherwise */
} ko_sql_dtype;

/* Children of a nested type: STRUCT fields (names set), LIST n = 1 (the
 * element), MAP n = 2 (key, value; names "key", "value"). */
struct ko_sql_nested {
    uint32_t n;
    const char **names;
    ko_sql_dtype *types;
};

typedef enum ko_sql_phys {
    KO_PHYS_NONE = 0, /* STRUCT, NULL */
    KO_PHYS_U8,
    KO_PHYS_I8,
    KO_PHYS_I16,
    KO_PHYS_I32,
    KO_PHYS_I64,
    KO_PHYS_I128,
    KO_PHYS_F32,
    KO_PHYS_F64,
    KO_PHYS_STR,
    KO_PHYS_INTERVAL,
    KO_PHYS_UUID,
    KO_PHYS_LIST,
} ko_sql_phys;

typedef __int128 ko_i128;

typedef struct ko_sql_str {
    const char *ptr; /* may be NULL when len == 0 */
    uint32_t len;
    uint32_t pad_;
} ko_sql_str;

typedef struct ko_sql_interval {
    int32_t months;
    int32_t days;
    int64_t micros;
} ko_sql_interval;

typedef struct ko_sql_uuid {
    uint8_t b[16];
} ko_sql_uuid;

typedef struct ko_sql_list {
    uint64_t offset; /* first element in the child vector */
    uint64_t length;
} ko_sql_list;

/* Simple types by id (no parameters). */
static inline ko_sql_dtype ko_sql_dtype_of(ko_sql_dtid id)
{
    ko_sql_dtype t = {id, 0, 0, NULL};
    return t;
}
static inline ko_sql_dtype ko_sql_dtype_decimal(int precision, int scale)
{
    ko_sql_dtype t = {KO_SQL_DT_DECIMAL, (uint8_t)precision, (uint8_t)scale, NULL};
    return t;
}
/* Nested types, children copied into arena; NULL-safe: on OOM the type has
 * nested == NULL (callers check with ko_sql_dtype_valid). */
ko_sql_dtype ko_sql_dtype_list(ko_arena *arena, ko_sql_dtype element);
ko_sql_dtype ko_sql_dtype_map(ko_arena *arena, ko_sql_dtype key, ko_sql_dtype value);
ko_sql_dtype ko_sql_dtype_struct(ko_arena *arena, const char *const *names,
                                 const ko_sql_dtype *types, uint32_t n);
bool ko_sql_dtype_valid(const ko_sql_dtype *t);

ko_sql_phys ko_sql_dtype_phys(const ko_sql_dtype *t);
/* Bytes of one slot (0 for STRUCT and NULL). */
size_t ko_sql_phys_size(ko_sql_phys p);
bool ko_sql_dtype_equal(const ko_sql_dtype *a, const ko_sql_dtype *b);
bool ko_sql_dtype_is_integer(ko_sql_dtid id); /* TINYINT..HUGEINT */
bool ko_sql_dtype_is_numeric(ko_sql_dtid id); /* integers, FLOAT, DOUBLE, DECIMAL */
bool ko_sql_dtype_is_temporal(ko_sql_dtid id);
bool ko_sql_dtype_is_nested(ko_sql_dtid id);
/* DuckDB's names: "INTEGER", "DECIMAL(15,2)", "VARCHAR", "INTEGER[]",
 * "STRUCT(a INTEGER, b VARCHAR)", "MAP(VARCHAR, INTEGER)".  Returns out. */
const char *ko_sql_dtype_name(const ko_sql_dtype *t, char out[KO_SQL_DTYPE_STR_MAX]);
/* Name of a bare id ("DECIMAL", "LIST"). */
const char *ko_sql_dtid_name(ko_sql_dtid id);
/* Decimal precision that holds every value of an integer type (TINYINT 3,
 * SMALLINT 5, INTEGER 10, BIGINT 19, HUGEINT 38); 0 otherwise. */
int ko_sql_int_precision(ko_sql_dtid id);

/* --------------------------------------------------------- string heap */

/* Bytes for strings a vector produces: chunks kept across resets so a
 * steady-state batch loop allocates nothing. */
typedef struct ko_sql_heap_chunk ko_sql_heap_chunk;
typedef struct ko_sql_heap {
    ko_sql_heap_chunk *head, *cur;
    size_t bytes; /* held, for memory accounting */
} ko_sql_heap;

/* Room for n bytes (NULL when out of memory). */
char *ko_sql_heap_alloc(ko_sql_heap *h, size_t n);
void ko_sql_heap_reset(ko_sql_heap *h);
void ko_sql_heap_free(ko_sql_heap *h);

/* ---------------------------------------------------------------- vectors */

typedef struct ko_vec ko_vec;
struct ko_vec {
    ko_sql_dtype type;
    bool is_const;
    uint8_t *data;      /* cap slots (owned in `own`, or borrowed) */
    uint64_t *validity; /* NULL: every row valid; else bit i = row i valid */
    size_t cap;
    ko_vec **children; /* STRUCT fields, LIST/MAP element (children[0]) */
    uint32_t n_children;
    size_t child_len; /* LIST/MAP: entries used in children[0] */
    /* owned memory */
    uint8_t *own;
    size_t own_cap; /* slots */
    uint64_t *own_validity;
    size_t own_validity_words;
    ko_sql_heap heap;
};

/* A new empty vector of type t (children created for nested types);
 * NULL when out of memory. */
ko_vec *ko_vec_new(const ko_sql_dtype *t);
void ko_vec_free(ko_vec *v);
/* Makes room for n rows of owned slots (contents kept when growing an
 * owned vector), resets is_const, validity and the string heap. */
ko_status ko_vec_reserve(ko_vec *v, size_t n);
/* Like reserve but keeps validity NULL and the heap: for refilling slots. */
ko_status ko_vec_prepare(ko_vec *v, size_t n);
/* Ensures an owned validity bitmap for n rows, all valid. */
ko_status ko_vec_validity_init(ko_vec *v, size_t n);
/* Copies a borrowed vector's rows [0, n) into owned memory. */
ko_status ko_vec_make_writable(ko_vec *v, size_t n);
/* A constant vector holding one NULL / one value copied from slot `from`
 * row `row` of src (strings copied into v's heap). */
ko_status ko_vec_set_const_null(ko_vec *v);
ko_status ko_vec_copy_row(ko_vec *dst, size_t dst_row, const ko_vec *src, size_t src_row);
/* Points v at the same data as src (no copy; v borrows). */
void ko_vec_reference(ko_vec *v, const ko_vec *src);

static inline size_t ko_vec_idx(const ko_vec *v, size_t i)
{
    return v->is_const ? 0 : i;
}
static inline bool ko_vec_valid(const ko_vec *v, size_t i)
{
    size_t k = v->is_const ? 0 : i;
    return !v->validity || ((v->validity[k >> 6] >> (k & 63)) & 1);
}
/* Marks row i null (creating the bitmap if needed; v must own or have
 * room: call ko_vec_validity_init first in hot loops). */
ko_status ko_vec_set_null(ko_vec *v, size_t i);
static inline void ko_vec_set_null_fast(ko_vec *v, size_t i)
{
    v->validity[i >> 6] &= ~((uint64_t)1 << (i & 63));
}
static inline void ko_vec_set_valid_fast(ko_vec *v, size_t i)
{
    v->validity[i >> 6] |= (uint64_t)1 << (i & 63);
}

#define KO_VEC_DATA(v, T) ((T *)(void *)(v)->data)

/* Stores a string at row i, copying its bytes into v's heap. */
ko_status ko_vec_set_str(ko_vec *v, size_t i, const char *p, size_t len);

/* ---------------------------------------------------------------- batches */

typedef struct ko_batch {
    size_t n;            /* row positions 0..n-1 */
    const uint32_t *sel; /* live rows, ascending; NULL: all n */
    size_t n_sel;        /* live rows when sel is set */
    ko_vec **cols;
    size_t n_cols;
} ko_batch;

static inline size_t ko_batch_live(const ko_batch *b)
{
    return b->sel ? b->n_sel : b->n;
}
static inline size_t ko_batch_row(const ko_batch *b, size_t k)
{
    return b->sel ? b->sel[k] : k;
}

/* Renders one value as DuckDB's text (VARCHAR cast): appended to out;
 * NULL appends "NULL". */
ko_status ko_vec_format(const ko_vec *v, size_t row, ko_buf *out);

/* ---------------------------------------------- value helpers (text) */

/* Decimal text of an unscaled value with scale s ("-12.30"). */
size_t ko_sql_decimal_format(ko_i128 v, int scale, char out[48]);
size_t ko_sql_i128_format(ko_i128 v, char out[48]);
/* DuckDB text forms. */
size_t ko_sql_date_format(int32_t days, char out[32]);
size_t ko_sql_time_format(int64_t us, char out[32]);
size_t ko_sql_timestamp_format(int64_t us, bool tz, char out[48]);
size_t ko_sql_interval_format(const ko_sql_interval *iv, char out[96]);
/* Shortest text that reads back to the same double (17 significant
 * digits at most), DuckDB spelling for specials: "nan", "inf", "-inf". */
size_t ko_sql_double_format(double d, char out[40]);
size_t ko_sql_float_format(float f, char out[40]);

/* Parsing text (used by casts; false when malformed or out of range). */
bool ko_sql_parse_date(const char *s, size_t len, int32_t *out);
bool ko_sql_parse_time(const char *s, size_t len, int64_t *out);
bool ko_sql_parse_timestamp(const char *s, size_t len, int64_t *out);
bool ko_sql_parse_interval(const char *s, size_t len, ko_sql_interval *out);
/* Decimal text into an unscaled value of the given scale (rounding half
 * away from zero beyond it); false when malformed or > 38 digits. */
bool ko_sql_parse_decimal(const char *s, size_t len, int scale, ko_i128 *out);

/* 10^k for k in 0..38. */
ko_i128 ko_sql_pow10(int k);

#endif /* KO_SQL_VEC_H */
