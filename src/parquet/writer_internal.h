/*
 * writer_internal.h - pieces of the Parquet writer shared by writer.c,
 * stats.c (value ordering, min/max statistics, page index bounds) and
 * dict.c (the dictionary hash table).  Internal to src/parquet.
 */
#ifndef KO_PQ_WRITER_INTERNAL_H
#define KO_PQ_WRITER_INTERNAL_H

#include "parquet/parquet.h"

/* ------------------------------------------------------------ ordering */

/* How a column's values are ordered for statistics: the order that
 * parquet.thrift's TypeDefinedOrder gives the physical and logical type. */
typedef enum ko_pq_order {
    KO_PQ_ORD_NONE = 0, /* no defined order (INT96, INTERVAL): no min/max */
    KO_PQ_ORD_BOOL,     /* false < true */
    KO_PQ_ORD_I32,      /* signed */
    KO_PQ_ORD_U32,      /* unsigned (UINT_8..UINT_32, INTEGER unsigned) */
    KO_PQ_ORD_I64,
    KO_PQ_ORD_U64,
    KO_PQ_ORD_FLOAT,   /* numeric, NaN excluded */
    KO_PQ_ORD_DOUBLE,  /* numeric, NaN excluded */
    KO_PQ_ORD_FLOAT16, /* half floats on FIXED_LEN_BYTE_ARRAY(2), NaN excluded */
    KO_PQ_ORD_BYTES,   /* unsigned bytewise lexicographic */
    KO_PQ_ORD_DECIMAL, /* signed big-endian two's complement */
} ko_pq_order;

/* The order of a leaf schema element. */
ko_pq_order ko_pq_order_of(const ko_pq_schema_element *el);

/* Compares two values (PLAIN bytes, without a length prefix) in order o:
 * negative, zero or positive.  Values excluded from statistics (NaN) must
 * not be passed. */
int ko_pq_order_cmp(ko_pq_order o, const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

/* ---------------------------------------------------------- statistics */

/* Running minimum and maximum of the values seen (NaN excluded), as PLAIN
 * bytes.  Zero-initialised is empty; the buffers are owned. */
typedef struct ko_pq_minmax {
    bool has;
    ko_buf min, max;
} ko_pq_minmax;

void ko_pq_minmax_reset(ko_pq_minmax *m);
void ko_pq_minmax_free(ko_pq_minmax *m);
/* Adds n fixed-width values (width bytes each, dense). */
ko_status ko_pq_minmax_add_fixed(ko_pq_minmax *m, ko_pq_order o, const uint8_t *vals, size_t n,
                                 size_t width);
/* Adds n byte strings: value i is data[offsets[i] .. offsets[i+1]). */
ko_status ko_pq_minmax_add_bytes(ko_pq_minmax *m, ko_pq_order o, const uint8_t *data,
                                 const int64_t *offsets, size_t n);
/* Widens dst to cover src. */
ko_status ko_pq_minmax_merge(ko_pq_minmax *dst, ko_pq_order o, const ko_pq_minmax *src);

/* The bounds to write: min and max (appended to the given buffers) with
 * the spec's rules applied (a zero minimum is written as -0.0, a zero
 * maximum as +0.0).  When trunc > 0, bytewise-ordered values longer than
 * trunc are shortened: min to its first trunc bytes, max to its first trunc
 * bytes with the last byte that is not 0xFF incremented (max is kept whole
 * when every byte is 0xFF).  Returns false in *has when there is nothing
 * to write. */
ko_status ko_pq_minmax_bounds(const ko_pq_minmax *m, ko_pq_order o, size_t trunc, ko_buf *min,
                              ko_buf *max, bool *has);

/* BoundaryOrder of a column index: pages whose null_pages[i] is set are
 * skipped; ASCENDING when mins and maxes never decrease (also when there
 * are fewer than two non-null pages), DESCENDING when they never increase,
 * UNORDERED otherwise. */
ko_pq_boundary_order ko_pq_boundary_order_of(ko_pq_order o, const ko_pq_bin *mins,
                                             const ko_pq_bin *maxs, const bool *null_pages,
                                             size_t n);

/* ---------------------------------------------------------- dictionary */

/* The distinct values of one column chunk, in first-seen order, with an
 * open-addressing hash table from value to index.  `plain` is the PLAIN
 * encoding of the entries, i.e. the dictionary page body.  Zero-initialised
 * after ko_pq_dict_init is empty. */
typedef struct ko_pq_dict {
    size_t width;    /* bytes per value; 0 for BYTE_ARRAY */
    ko_buf plain;    /* PLAIN-encoded entries */
    ko_buf starts;   /* BYTE_ARRAY: uint64_t offset of each entry in plain */
    ko_buf hashes;   /* uint32_t hash of each entry */
    uint32_t *slots; /* entry index + 1; 0 is an empty slot */
    size_t n_slots;  /* a power of two, or 0 */
    size_t n;        /* entries */
} ko_pq_dict;

void ko_pq_dict_init(ko_pq_dict *d, size_t width);
void ko_pq_dict_reset(ko_pq_dict *d); /* empties, keeps memory */
void ko_pq_dict_free(ko_pq_dict *d);
/* Looks up (or adds) n fixed-width values, appending their indices
 * (uint32_t) to idx. */
ko_status ko_pq_dict_add_fixed(ko_pq_dict *d, const uint8_t *vals, size_t n, ko_buf *idx);
/* The same for byte strings: value i is data[offsets[i] .. offsets[i+1]). */
ko_status ko_pq_dict_add_bytes(ko_pq_dict *d, const uint8_t *data, const int64_t *offsets, size_t n,
                               ko_buf *idx);

#endif /* KO_PQ_WRITER_INTERNAL_H */
