/*
 * parquet.h - Apache Parquet files: metadata, reading and writing.
 *
 * The layer has four parts (see parquet-format's parquet.thrift):
 *
 *   metadata  FileMetaData, PageHeader, ColumnIndex, OffsetIndex and
 *             BloomFilterHeader as C structs, decoded from and encoded to
 *             the Thrift compact protocol (meta.c over thrift.c).  Decoded
 *             structs live in a ko_arena owned by the caller.
 *   encoding  PLAIN, RLE/bit-packed hybrid, dictionary, DELTA_*, and
 *             BYTE_STREAM_SPLIT (encoding.c), codecs (codec.c).
 *   reading   ko_pq_reader: footer first, then range reads of column chunks
 *             through the object store; pages decode into ko_pq_column
 *             (Dremel levels plus dense values).
 *   writing   ko_pq_writer: the caller appends batches of leaf columns with
 *             levels; row groups are cut at a target size.
 *
 * Columns are exchanged as Dremel columns: for every leaf, the repetition
 * and definition level of each entry, and the non-null values densely
 * packed.  That form copies nested data losslessly; assembly into records
 * (and shredding from records) sits on top of it.
 */
#ifndef KO_PARQUET_H
#define KO_PARQUET_H

#include "base/base.h"
#include "store/store.h"

/* ---------------------------------------------------------- enumerations */

typedef enum ko_pq_type {
    KO_PQ_BOOLEAN = 0,
    KO_PQ_INT32 = 1,
    KO_PQ_INT64 = 2,
    KO_PQ_INT96 = 3,
    KO_PQ_FLOAT = 4,
    KO_PQ_DOUBLE = 5,
    KO_PQ_BYTE_ARRAY = 6,
    KO_PQ_FIXED_LEN_BYTE_ARRAY = 7,
} ko_pq_type;

typedef enum ko_pq_repetition {
    KO_PQ_REQUIRED = 0,
    KO_PQ_OPTIONAL = 1,
    KO_PQ_REPEATED = 2,
} ko_pq_repetition;

/* ConvertedType, the legacy annotation (-1 when absent). */
typedef enum ko_pq_converted {
    KO_PQ_CT_NONE = -1,
    KO_PQ_CT_UTF8 = 0,
    KO_PQ_CT_MAP = 1,
    KO_PQ_CT_MAP_KEY_VALUE = 2,
    KO_PQ_CT_LIST = 3,
    KO_PQ_CT_ENUM = 4,
    KO_PQ_CT_DECIMAL = 5,
    KO_PQ_CT_DATE = 6,
    KO_PQ_CT_TIME_MILLIS = 7,
    KO_PQ_CT_TIME_MICROS = 8,
    KO_PQ_CT_TIMESTAMP_MILLIS = 9,
    KO_PQ_CT_TIMESTAMP_MICROS = 10,
    KO_PQ_CT_UINT_8 = 11,
    KO_PQ_CT_UINT_16 = 12,
    KO_PQ_CT_UINT_32 = 13,
    KO_PQ_CT_UINT_64 = 14,
    KO_PQ_CT_INT_8 = 15,
    KO_PQ_CT_INT_16 = 16,
    KO_PQ_CT_INT_32 = 17,
    KO_PQ_CT_INT_64 = 18,
    KO_PQ_CT_JSON = 19,
    KO_PQ_CT_BSON = 20,
    KO_PQ_CT_INTERVAL = 21,
} ko_pq_converted;

/* LogicalType union member, numbered by its Thrift field id. */
typedef enum ko_pq_logical_kind {
    KO_PQ_LT_NONE = 0,
    KO_PQ_LT_STRING = 1,
    KO_PQ_LT_MAP = 2,
    KO_PQ_LT_LIST = 3,
    KO_PQ_LT_ENUM = 4,
    KO_PQ_LT_DECIMAL = 5,
    KO_PQ_LT_DATE = 6,
    KO_PQ_LT_TIME = 7,
    KO_PQ_LT_TIMESTAMP = 8,
    KO_PQ_LT_INTEGER = 10,
    KO_PQ_LT_UNKNOWN = 11, /* always null */
    KO_PQ_LT_JSON = 12,
    KO_PQ_LT_BSON = 13,
    KO_PQ_LT_UUID = 14,
    KO_PQ_LT_FLOAT16 = 15,
    KO_PQ_LT_OTHER = 99, /* a member this reader does not know: ignored */
} ko_pq_logical_kind;

typedef enum ko_pq_time_unit {
    KO_PQ_MILLIS = 1,
    KO_PQ_MICROS = 2,
    KO_PQ_NANOS = 3,
} ko_pq_time_unit;

typedef struct ko_pq_logical {
    ko_pq_logical_kind kind;
    int32_t scale, precision; /* DECIMAL */
    bool utc;                 /* TIME, TIMESTAMP: isAdjustedToUTC */
    ko_pq_time_unit unit;     /* TIME, TIMESTAMP */
    int8_t bit_width;         /* INTEGER: 8, 16, 32, 64 */
    bool is_signed;           /* INTEGER */
} ko_pq_logical;

typedef enum ko_pq_encoding {
    KO_PQ_ENC_PLAIN = 0,
    KO_PQ_ENC_PLAIN_DICTIONARY = 2,
    KO_PQ_ENC_RLE = 3,
    KO_PQ_ENC_BIT_PACKED = 4,
    KO_PQ_ENC_DELTA_BINARY_PACKED = 5,
    KO_PQ_ENC_DELTA_LENGTH_BYTE_ARRAY = 6,
    KO_PQ_ENC_DELTA_BYTE_ARRAY = 7,
    KO_PQ_ENC_RLE_DICTIONARY = 8,
    KO_PQ_ENC_BYTE_STREAM_SPLIT = 9,
} ko_pq_encoding;

typedef enum ko_pq_codec {
    KO_PQ_UNCOMPRESSED = 0,
    KO_PQ_SNAPPY = 1,
    KO_PQ_GZIP = 2,
    KO_PQ_LZO = 3,
    KO_PQ_BROTLI = 4,
    KO_PQ_LZ4 = 5, /* Hadoop framing (or raw, as some writers did) */
    KO_PQ_ZSTD = 6,
    KO_PQ_LZ4_RAW = 7,
} ko_pq_codec;

typedef enum ko_pq_page_type {
    KO_PQ_DATA_PAGE = 0,
    KO_PQ_INDEX_PAGE = 1,
    KO_PQ_DICTIONARY_PAGE = 2,
    KO_PQ_DATA_PAGE_V2 = 3,
} ko_pq_page_type;

typedef enum ko_pq_boundary_order {
    KO_PQ_UNORDERED = 0,
    KO_PQ_ASCENDING = 1,
    KO_PQ_DESCENDING = 2,
} ko_pq_boundary_order;

/* ------------------------------------------------------- metadata structs */

/* A byte string inside decoded metadata (points into the arena). */
typedef struct ko_pq_bin {
    const uint8_t *ptr;
    uint32_t len;
} ko_pq_bin;

typedef struct ko_pq_kv {
    const char *key;
    const char *value; /* NULL when absent */
} ko_pq_kv;

typedef struct ko_pq_statistics {
    bool present;
    bool has_min, has_max;               /* min_value/max_value (new, well-ordered) */
    bool has_legacy_min, has_legacy_max; /* min/max (deprecated signed order) */
    ko_pq_bin min_value, max_value;
    ko_pq_bin legacy_min, legacy_max;
    bool has_null_count, has_distinct_count;
    int64_t null_count, distinct_count;
    bool has_min_exact, has_max_exact;
    bool is_min_exact, is_max_exact;
} ko_pq_statistics;

typedef struct ko_pq_schema_element {
    const char *name;
    bool has_type; /* leaves have a type, groups do not */
    ko_pq_type type;
    int32_t type_length; /* FIXED_LEN_BYTE_ARRAY width */
    bool has_repetition;
    ko_pq_repetition repetition;
    int32_t num_children;      /* groups only */
    ko_pq_converted converted; /* KO_PQ_CT_NONE when absent */
    int32_t scale, precision;  /* legacy DECIMAL */
    bool has_field_id;
    int32_t field_id;
    ko_pq_logical logical;
} ko_pq_schema_element;

typedef struct ko_pq_page_encoding_stats {
    ko_pq_page_type page_type;
    ko_pq_encoding encoding;
    int32_t count;
} ko_pq_page_encoding_stats;

typedef struct ko_pq_column_meta {
    ko_pq_type type;
    ko_pq_encoding *encodings;
    uint32_t n_encodings;
    const char **path; /* path_in_schema */
    uint32_t path_len;
    ko_pq_codec codec;
    int64_t num_values;
    int64_t total_uncompressed_size;
    int64_t total_compressed_size;
    ko_pq_kv *kv;
    uint32_t n_kv;
    int64_t data_page_offset;
    bool has_index_page_offset, has_dictionary_page_offset;
    int64_t index_page_offset;
    int64_t dictionary_page_offset;
    ko_pq_statistics statistics;
    ko_pq_page_encoding_stats *encoding_stats;
    uint32_t n_encoding_stats;
    bool has_bloom_filter_offset, has_bloom_filter_length;
    int64_t bloom_filter_offset;
    int32_t bloom_filter_length;
} ko_pq_column_meta;

typedef struct ko_pq_column_chunk {
    const char *file_path; /* NULL: this file */
    int64_t file_offset;
    bool has_meta_data;
    ko_pq_column_meta meta;
    bool has_offset_index, has_column_index;
    int64_t offset_index_offset;
    int32_t offset_index_length;
    int64_t column_index_offset;
    int32_t column_index_length;
    bool encrypted; /* crypto_metadata or encrypted_column_metadata present */
} ko_pq_column_chunk;

typedef struct ko_pq_sorting_column {
    int32_t column_idx;
    bool descending;
    bool nulls_first;
} ko_pq_sorting_column;

typedef struct ko_pq_row_group {
    ko_pq_column_chunk *columns;
    uint32_t n_columns;
    int64_t total_byte_size;
    int64_t num_rows;
    ko_pq_sorting_column *sorting_columns;
    uint32_t n_sorting_columns;
    bool has_file_offset, has_total_compressed_size, has_ordinal;
    int64_t file_offset;
    int64_t total_compressed_size;
    int16_t ordinal;
} ko_pq_row_group;

typedef struct ko_pq_file_meta {
    int32_t version;
    ko_pq_schema_element *schema; /* depth-first, schema[0] is the root */
    uint32_t n_schema;
    int64_t num_rows;
    ko_pq_row_group *row_groups;
    uint32_t n_row_groups;
    ko_pq_kv *kv;
    uint32_t n_kv;
    const char *created_by;
    /* column_orders: true for TypeDefinedOrder per leaf (NULL if absent) */
    bool *column_orders;
    uint32_t n_column_orders;
    bool encrypted; /* encryption_algorithm present (plaintext footer mode) */
} ko_pq_file_meta;

typedef struct ko_pq_data_page_header {
    int32_t num_values;
    ko_pq_encoding encoding;
    ko_pq_encoding def_encoding;
    ko_pq_encoding rep_encoding;
    ko_pq_statistics statistics;
} ko_pq_data_page_header;

typedef struct ko_pq_dict_page_header {
    int32_t num_values;
    ko_pq_encoding encoding;
    bool is_sorted;
} ko_pq_dict_page_header;

typedef struct ko_pq_data_page_header_v2 {
    int32_t num_values;
    int32_t num_nulls;
    int32_t num_rows;
    ko_pq_encoding encoding;
    int32_t def_levels_byte_length;
    int32_t rep_levels_byte_length;
    bool is_compressed; /* default true */
    ko_pq_statistics statistics;
} ko_pq_data_page_header_v2;

typedef struct ko_pq_page_header {
    ko_pq_page_type type;
    int32_t uncompressed_page_size;
    int32_t compressed_page_size;
    bool has_crc;
    uint32_t crc;
    bool has_data, has_dict, has_data_v2;
    ko_pq_data_page_header data;
    ko_pq_dict_page_header dict;
    ko_pq_data_page_header_v2 data_v2;
} ko_pq_page_header;

typedef struct ko_pq_column_index {
    bool *null_pages;
    ko_pq_bin *min_values;
    ko_pq_bin *max_values;
    uint32_t n_pages;
    ko_pq_boundary_order boundary_order;
    int64_t *null_counts; /* NULL if absent */
} ko_pq_column_index;

typedef struct ko_pq_page_location {
    int64_t offset;
    int32_t compressed_page_size;
    int64_t first_row_index;
} ko_pq_page_location;

typedef struct ko_pq_offset_index {
    ko_pq_page_location *pages;
    uint32_t n_pages;
} ko_pq_offset_index;

typedef struct ko_pq_bloom_header {
    int32_t num_bytes;
    bool block_split; /* algorithm BLOCK */
    bool xxhash;      /* hash XXHASH */
    bool uncompressed;
} ko_pq_bloom_header;

/* Decoders: parse `len` bytes at `buf` (Thrift compact protocol), skipping
 * unknown fields, checking every length against the input and every count
 * against what the input can hold.  Results point into `arena`, which must
 * outlive them.  *used (if non-NULL) receives the bytes consumed.  Errors
 * name the struct and field ("FileMetaData.row_groups[3].columns[1]: ..."). */
ko_status ko_pq_decode_file_meta(const uint8_t *buf, size_t len, ko_arena *arena,
                                 ko_pq_file_meta *out, ko_err *err);
ko_status ko_pq_decode_page_header(const uint8_t *buf, size_t len, ko_arena *arena,
                                   ko_pq_page_header *out, size_t *used, ko_err *err);
ko_status ko_pq_decode_column_index(const uint8_t *buf, size_t len, ko_arena *arena,
                                    ko_pq_column_index *out, ko_err *err);
ko_status ko_pq_decode_offset_index(const uint8_t *buf, size_t len, ko_arena *arena,
                                    ko_pq_offset_index *out, ko_err *err);
ko_status ko_pq_decode_bloom_header(const uint8_t *buf, size_t len, ko_pq_bloom_header *out,
                                    size_t *used, ko_err *err);

/* Encoders: append the Thrift compact encoding to out.  Fail only on OOM. */
ko_status ko_pq_encode_file_meta(const ko_pq_file_meta *m, ko_buf *out);
ko_status ko_pq_encode_page_header(const ko_pq_page_header *h, ko_buf *out);
ko_status ko_pq_encode_column_index(const ko_pq_column_index *ci, ko_buf *out);
ko_status ko_pq_encode_offset_index(const ko_pq_offset_index *oi, ko_buf *out);

/* Short names for tools and messages ("INT64", "ZSTD", "RLE_DICTIONARY"). */
const char *ko_pq_type_name(ko_pq_type t);
const char *ko_pq_codec_name(ko_pq_codec c);
const char *ko_pq_encoding_name(ko_pq_encoding e);
const char *ko_pq_converted_name(ko_pq_converted c);
/* Parses a codec name case-insensitively ("zstd", "snappy", ...). */
bool ko_pq_codec_parse(const char *name, ko_pq_codec *out);

/* ----------------------------------------------------------------- schema */

/* The schema as a tree.  Nodes are in the file's depth-first order
 * (nodes[i] describes schema[i]); leaves are the columns, in order. */
typedef struct ko_pq_node {
    const ko_pq_schema_element *el;
    int32_t parent;       /* -1 for the root */
    int32_t first_child;  /* index of the first child node; children are not
                             contiguous: walk with next_sibling */
    int32_t next_sibling; /* -1 for the last child */
    int16_t max_def;      /* definition level of a value present at this node */
    int16_t max_rep;      /* repetition level of this node */
    int32_t leaf;         /* column index for leaves, -1 for groups */
} ko_pq_node;

typedef struct ko_pq_leaf {
    int32_t node;       /* index in nodes */
    const char *path;   /* dotted path from the root's children: "a.list.element" */
    const char **parts; /* the path as parts */
    uint32_t n_parts;
    ko_pq_type type;
    int32_t type_length;
    int16_t max_def, max_rep;
} ko_pq_leaf;

typedef struct ko_pq_schema {
    ko_pq_node *nodes;
    uint32_t n_nodes;
    ko_pq_leaf *leaves;
    uint32_t n_leaves;
} ko_pq_schema;

/* Builds the tree from the flat element list, checking it: the root is a
 * group, children counts add up, leaves have a type, FIXED_LEN_BYTE_ARRAY
 * has a positive length, depth at most 100.  Memory comes from arena. */
ko_status ko_pq_schema_build(const ko_pq_schema_element *els, uint32_t n, ko_arena *arena,
                             ko_pq_schema *out, ko_err *err);

/* Bytes of one value of a fixed-width physical type (BOOLEAN 1 as held in
 * a ko_pq_column, INT96 12, FIXED_LEN_BYTE_ARRAY type_length), 0 for
 * BYTE_ARRAY. */
size_t ko_pq_value_width(ko_pq_type type, int32_t type_length);

/* ----------------------------------------------------------- column data */

/* One leaf column's entries, Dremel style.  Entry i has repetition level
 * rep[i] (absent when max_rep == 0: all 0) and definition level def[i]
 * (absent when max_def == 0: all max_def); it carries a value iff
 * def[i] == max_def.  Values are dense, one per such entry:
 *   BOOLEAN       one byte (0 or 1) per value
 *   INT32/FLOAT   4 bytes, INT64/DOUBLE 8, INT96 12, FIXED_LEN type_length
 *   BYTE_ARRAY    bytes in `values`; `offsets` holds n_values + 1 int64_t
 *                 offsets into it, starting with 0
 * All buffers are owned by the column: ko_pq_column_free releases them,
 * ko_pq_column_reset empties them keeping their memory. */
typedef struct ko_pq_column {
    ko_pq_type type;
    int32_t type_length;
    int16_t max_def, max_rep;
    size_t n;        /* entries (levels) */
    size_t n_values; /* non-null values */
    ko_buf def;      /* int16_t[n] when max_def > 0 */
    ko_buf rep;      /* int16_t[n] when max_rep > 0 */
    ko_buf values;
    ko_buf offsets; /* BYTE_ARRAY only */
} ko_pq_column;

/* Sets up an empty column for a leaf (offsets gets its leading 0). */
ko_status ko_pq_column_init(ko_pq_column *c, const ko_pq_leaf *leaf);
void ko_pq_column_reset(ko_pq_column *c);
void ko_pq_column_free(ko_pq_column *c);
/* Number of records: entries with repetition level 0. */
size_t ko_pq_column_records(const ko_pq_column *c);

/* ----------------------------------------------------------------- reader */

typedef struct ko_pq_reader ko_pq_reader;

/* Opens key in store: reads the footer (one range read of the tail, a
 * second if the footer is larger), decodes and checks it.  The store must
 * outlive the reader.  Encrypted files fail with KO_ERR_UNSUPPORTED. */
ko_status ko_pq_reader_open(ko_store *store, const char *key, ko_pq_reader **out, ko_err *err);
/* Opens a file held in memory (borrowed; must outlive the reader). */
ko_status ko_pq_reader_open_memory(const uint8_t *data, size_t len, const char *name,
                                   ko_pq_reader **out, ko_err *err);
void ko_pq_reader_close(ko_pq_reader *r);

const ko_pq_file_meta *ko_pq_reader_meta(const ko_pq_reader *r);
const ko_pq_schema *ko_pq_reader_schema(const ko_pq_reader *r);
uint64_t ko_pq_reader_file_size(const ko_pq_reader *r);
/* Bytes fetched from the store so far by every read through r (footer,
 * page indexes, column chunks), for accounting such as EXPLAIN ANALYZE. */
uint64_t ko_pq_reader_bytes_read(const ko_pq_reader *r);

/* Reads and decodes a whole column chunk (row group rg, leaf column leaf)
 * into col, which is reset first and initialised for the leaf if needed.
 * Safe to call from several threads at once for different columns. */
ko_status ko_pq_read_column_chunk(ko_pq_reader *r, uint32_t rg, uint32_t leaf, ko_pq_column *col,
                                  ko_err *err);

/* Reads the ColumnIndex and OffsetIndex of a column chunk (two range
 * reads) into arena.  *has_ci / *has_oi tell which the file has; a missing
 * index is not an error. */
ko_status ko_pq_read_page_index(ko_pq_reader *r, uint32_t rg, uint32_t leaf, ko_arena *arena,
                                ko_pq_column_index *ci, bool *has_ci, ko_pq_offset_index *oi,
                                bool *has_oi, ko_err *err);

/* ------------------------------------------------------------- predicates */

/* A predicate on one leaf column, tested against statistics (prune.c).
 * value/len is a value as PLAIN bytes of the leaf's physical type without a
 * length prefix (the form of Statistics min_value): little-endian
 * fixed-width values, one byte (0 or 1) for BOOLEAN, the bytes of a
 * BYTE_ARRAY.  Comparisons follow the column's TypeDefinedOrder (unsigned
 * for UINT_*, bytewise for strings, ...).  A record matches a predicate when
 * one of its entries in the leaf does (for flat columns: its value); null
 * entries match only IS NULL, NaN matches only !=.  Several predicates are
 * ANDed. */
typedef enum ko_pq_pred_op {
    KO_PQ_EQ,
    KO_PQ_NE,
    KO_PQ_LT,
    KO_PQ_LE,
    KO_PQ_GT,
    KO_PQ_GE,
    KO_PQ_IS_NULL,
    KO_PQ_IS_NOT_NULL,
} ko_pq_pred_op;

typedef struct ko_pq_pred {
    uint32_t leaf;
    ko_pq_pred_op op;
    const void *value; /* unused for IS [NOT] NULL */
    size_t len;
} ko_pq_pred;

/* False only when the column chunk statistics prove that no record of row
 * group rg matches all predicates.  Uses min_value/max_value, else the
 * legacy min/max where their signed order agrees with the column's order,
 * and null_count.  Missing statistics, NaN bounds, a NaN or badly sized
 * predicate value, or an out-of-range leaf all mean "may match". */
bool ko_pq_rowgroup_may_match(ko_pq_reader *r, uint32_t rg, const ko_pq_pred *preds,
                              size_t n_preds);

/* Rows of a row group, [start, end), counted from the row group's first. */
typedef struct ko_pq_row_range {
    int64_t start, end;
} ko_pq_row_range;

/* The rows of row group rg that may match all predicates: the union of the
 * pages (by ColumnIndex bounds and OffsetIndex first_row_index) that may
 * match, intersected across predicates.  ranges is reset and receives
 * sorted, disjoint, non-adjacent ko_pq_row_range; empty when the row group
 * statistics rule it out; the whole row group for predicates on columns
 * without a page index.  Reads the page indexes on every call. */
ko_status ko_pq_select_rows(ko_pq_reader *r, uint32_t rg, const ko_pq_pred *preds, size_t n_preds,
                            ko_buf *ranges, ko_err *err);

/* Reads the records of row group rg, leaf column leaf, whose row numbers
 * lie in ranges (sorted and disjoint, as ko_pq_select_rows gives them) into
 * col (reset first).  With an OffsetIndex only the pages overlapping the
 * ranges (and the dictionary page) are read and decoded; without one the
 * whole chunk is.  Safe from several threads at once. */
ko_status ko_pq_read_column_rows(ko_pq_reader *r, uint32_t rg, uint32_t leaf,
                                 const ko_pq_row_range *ranges, size_t n_ranges, ko_pq_column *col,
                                 ko_err *err);

/* Reads row ranges of flat column chunks again and again (one per thread,
 * e.g. a scan worker): keeps its scratch buffers (file bytes, decompressed
 * page, dictionary indices) between calls, and the decoded dictionary of
 * the last chunk read, so that reading a chunk morsel by morsel decodes its
 * dictionary once. */
typedef struct ko_pq_chunk_reader ko_pq_chunk_reader;

ko_pq_chunk_reader *ko_pq_chunk_reader_new(void);
void ko_pq_chunk_reader_free(ko_pq_chunk_reader *cr);
/* Reads rows (records) [start, end) of column chunk (rg, leaf) of r into
 * col (reset first); for a repeated leaf, every entry of those records
 * (pages must start at record boundaries, as the page index requires:
 * a page holding another number of records than its OffsetIndex says is
 * KO_ERR_CORRUPT).  oi is the chunk's
 * OffsetIndex (from ko_pq_read_page_index, kept by the caller): with it
 * only the pages overlapping the rows are fetched, in one range read, and
 * pages wholly inside are decoded straight into col; without it (NULL) the
 * whole chunk is read.  *bytes_read (if not NULL) is increased by the bytes
 * fetched from the file.  Not thread-safe for one cr; r may be shared. */
ko_status ko_pq_chunk_reader_rows(ko_pq_chunk_reader *cr, ko_pq_reader *r, uint32_t rg,
                                  uint32_t leaf, const ko_pq_offset_index *oi, int64_t start,
                                  int64_t end, ko_pq_column *col, uint64_t *bytes_read,
                                  ko_err *err);

/* Like ko_pq_chunk_reader_rows, but for a dictionary-encoded chunk: codes
 * (reset first) becomes an INT32-typed column whose values are the uint32
 * dictionary indices of the non-null entries (levels as usual).  Fails
 * with KO_ERR_UNSUPPORTED at a page that is not dictionary-encoded (check
 * ko_pq_chunk_all_dict first).  The dictionary is ko_pq_chunk_reader_dict. */
ko_status ko_pq_chunk_reader_codes(ko_pq_chunk_reader *cr, ko_pq_reader *r, uint32_t rg,
                                   uint32_t leaf, const ko_pq_offset_index *oi, int64_t start,
                                   int64_t end, ko_pq_column *codes, uint64_t *bytes_read,
                                   ko_err *err);
/* The decoded dictionary of the chunk cr read last, as a view (n entries,
 * values and offsets as in ko_pq_column; owned by cr, valid until its next
 * call): false when it has none.  Do not free or reset *dict. */
bool ko_pq_chunk_reader_dict(const ko_pq_chunk_reader *cr, ko_pq_column *dict);
/* Whether the chunk's encoding_stats say every data page is
 * dictionary-encoded (false without encoding_stats). */
bool ko_pq_chunk_all_dict(const ko_pq_column_meta *m);

/* Streams one column chunk in batches of whole records, reading the chunk
 * in windows of a few MiB and decoding one page at a time: memory is about
 * one window, one decoded page, the dictionary and the caller's batch. */
typedef struct ko_pq_chunk_cursor ko_pq_chunk_cursor;

ko_status ko_pq_chunk_cursor_open(ko_pq_reader *r, uint32_t rg, uint32_t leaf,
                                  ko_pq_chunk_cursor **out, ko_err *err);
/* Resets col and fills it with the next at most max_records (> 0) whole
 * records.  *done becomes true when no record is left after this batch (the
 * batch itself may hold records; once done, further calls give none). */
ko_status ko_pq_chunk_cursor_next(ko_pq_chunk_cursor *cur, size_t max_records, ko_pq_column *col,
                                  bool *done, ko_err *err);
void ko_pq_chunk_cursor_close(ko_pq_chunk_cursor *cur);

/* ----------------------------------------------------------------- writer */

typedef struct ko_pq_writer_options {
    ko_pq_codec codec;      /* as given (0 is UNCOMPRESSED); ZSTD when opts is NULL */
    int level;              /* codec level; 0 = default */
    size_t row_group_bytes; /* uncompressed target; default 128 MiB */
    size_t page_bytes;      /* uncompressed target; default 1 MiB */
    size_t dict_bytes;      /* dictionary limit before falling back to PLAIN; default 1 MiB */
    bool no_dictionary;
    bool no_statistics;
    bool no_page_index;
    const ko_pq_kv *kv; /* footer key-value metadata (copied) */
    uint32_t n_kv;
    const char *created_by; /* default "korolev version X" */
} ko_pq_writer_options;

typedef struct ko_pq_writer ko_pq_writer;

/* Starts a file at key in store (nothing is visible until close succeeds).
 * The schema elements (depth-first, root first) are copied.  opts may be
 * NULL. */
ko_status ko_pq_writer_open(ko_store *store, const char *key, const ko_pq_schema_element *schema,
                            uint32_t n_schema, const ko_pq_writer_options *opts, ko_pq_writer **out,
                            ko_err *err);
const ko_pq_schema *ko_pq_writer_schema(const ko_pq_writer *w);
/* Appends whole records: cols[i] is leaf i; every column must hold the same
 * number of records.  The columns are only read. */
ko_status ko_pq_writer_write(ko_pq_writer *w, const ko_pq_column *cols, ko_err *err);
/* Flushes, writes the footer and commits the object; frees w. */
ko_status ko_pq_writer_close(ko_pq_writer *w, ko_err *err);
/* Discards everything; frees w. */
void ko_pq_writer_abort(ko_pq_writer *w);

/* ------------------------------------------------------------------- rows */

/* Records for tools: Dremel record assembly of a file's leaf columns into
 * one JSON object per record (JSON lines) or one CSV line (rows.c).
 *
 * Nesting follows the schema and its annotations: groups are objects, LIST
 * groups (3-level, and every legacy 2-level form of LogicalTypes.md) and
 * unannotated repeated fields are arrays, MAP / MAP_KEY_VALUE groups are
 * objects when their keys are strings and arrays of {"key":..,"value":..}
 * otherwise.  Values are formatted by their logical (or converted) type:
 *   STRING, ENUM, JSON   JSON strings; invalid UTF-8 becomes U+FFFD
 *   DATE                 "2021-01-31" ("0044-03-15 (BC)" before year 1)
 *   TIME                 "10:00:00.123456" (trailing fraction zeros
 *                        dropped; "+00" appended when adjusted to UTC)
 *   TIMESTAMP, INT96     "2021-01-31 10:00:00.123" (as DuckDB prints them;
 *                        "+00" appended when the LogicalType says adjusted
 *                        to UTC; converted types and INT96 are local)
 *   DECIMAL              an exact JSON number ("-12.30"), any width
 *   INTEGER unsigned,    unsigned numbers
 *   UINT_*
 *   FLOAT, DOUBLE,       shortest text that reads back to the same value;
 *   FLOAT16              NaN and infinities as "NaN", "Infinity",
 *                        "-Infinity" (strings: JSON has no such numbers)
 *   UUID                 "6ba7b810-9dad-11d1-80b4-00c04fd430c8"
 *   INTERVAL             "1 year 2 months 3 days 00:00:00.004"
 *   other binary         base64 strings; UNKNOWN is always null
 * In CSV, the header holds the top-level names, top-level strings, dates
 * and numbers are written as plain text, lists, maps and groups as their
 * JSON text, a null top-level field as an empty field, and fields are
 * quoted as RFC 4180 says (when they hold a comma, quote, CR or LF; quotes
 * doubled).  Lines end in LF.
 *
 * A ko_pq_rows holds one row group's projected columns at a time, so memory
 * is bounded by the largest row group, not the file.  Malformed levels
 * (records that end early in one column, levels that disagree between
 * columns) are reported as KO_ERR_CORRUPT naming the column and row group;
 * they never read outside the columns. */
typedef struct ko_pq_rows ko_pq_rows;

/* Starts reading records of r (borrowed; must outlive rows).  names lists
 * the top-level fields to emit, in that order (NULL or n_names == 0 means
 * all of them, in schema order); an unknown name is KO_ERR_NOT_FOUND.  No
 * data is read until ko_pq_rows_next_rowgroup. */
ko_status ko_pq_rows_open(ko_pq_reader *r, const char *const *names, size_t n_names,
                          ko_pq_rows **out, ko_err *err);

/* The same over columns already in memory: cols holds one column per leaf
 * of schema (cols[i] is leaf i; columns outside the projection are not
 * looked at and may be empty).  schema and cols are borrowed.  The records
 * are current at once: ko_pq_rows_next_rowgroup reports *done. */
ko_status ko_pq_rows_open_columns(const ko_pq_schema *schema, const ko_pq_column *cols,
                                  const char *const *names, size_t n_names, ko_pq_rows **out,
                                  ko_err *err);

/* Reads the projected columns of the next row group and makes its records
 * current; *done is true (and nothing is read) when no row group is left.
 * Row groups without rows are skipped unread.  Checks that every projected
 * column holds the row group's row count. */
ko_status ko_pq_rows_next_rowgroup(ko_pq_rows *rows, bool *done, ko_err *err);

/* Appends at most max records of the current row group to out: one JSON
 * object and '\n' per record, or one CSV line.  *written receives the
 * number appended; fewer than max (0 at the end) means the row group is
 * exhausted.  On error out may hold part of a record. */
ko_status ko_pq_rows_write_jsonl(ko_pq_rows *rows, ko_buf *out, size_t max, size_t *written,
                                 ko_err *err);
ko_status ko_pq_rows_write_csv(ko_pq_rows *rows, ko_buf *out, size_t max, size_t *written,
                               ko_err *err);
/* Appends the CSV header line (the projected top-level names). */
ko_status ko_pq_rows_write_csv_header(const ko_pq_rows *rows, ko_buf *out, ko_err *err);

/* Number of projected top-level fields and the name of field i. */
size_t ko_pq_rows_n_fields(const ko_pq_rows *rows);
const char *ko_pq_rows_field_name(const ko_pq_rows *rows, size_t i);

void ko_pq_rows_close(ko_pq_rows *rows);

/* Appends the JSON text of one value of leaf element el, formatted as
 * above: val/len are the value's bytes as a ko_pq_column holds them (also
 * the form of Statistics min_value/max_value): little-endian fixed-width
 * values, one byte for BOOLEAN, the bytes of a BYTE_ARRAY.  A length that
 * does not fit the physical type is KO_ERR_CORRUPT. */
ko_status ko_pq_value_to_json(const ko_pq_schema_element *el, const void *val, size_t len,
                              ko_buf *out, ko_err *err);

#endif /* KO_PARQUET_H */
