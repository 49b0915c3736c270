/*
 * table_internal.h - what the files of iceberg.h section 10 (tables in a
 * warehouse) share and nobody else needs: metadata file I/O, the commit
 * loop, the append's column mapping, row splitting and file metrics.
 *
 *   table.c         names, keys, load, metadata files, version hint, create
 *   table_commit.c  the optimistic commit loop (write vN+1, CAS, retry)
 *   table_map.c     input Parquet columns -> table columns (levels, types)
 *   table_convert.c one input column chunk -> the table's column
 *   table_split.c   partition tuples of rows; rows split into partitions
 *   table_write.c   an append's data files, one writer per partition
 *   table_append.c  the append snapshot: manifest, list, summary
 *   table_schema.c  schema evolution as a commit
 *   metrics.c       data file metrics from a written file's footer
 *   table_maint.c   rollback, expire, remove unreferenced files
 *   table_info.c    manifests of a snapshot, live files, JSON views
 *   table_scratch.c files a commit attempt wrote, deleted when it loses
 *   table_overwrite.c  overwrite/delete/replace commits (manifest rewrite)
 *   table_rewrite.c delete/overwrite by filter: planning, row rewrites
 *   table_refs.c    tags and branches
 *   table_spec.c    partition spec evolution
 *   table_pred_text.c  the "col op value and ..." filter text
 */
#ifndef KO_ICE_TABLE_INTERNAL_H
#define KO_ICE_TABLE_INTERNAL_H

#include "iceberg/iceberg.h"

/* ------------------------------------------------------------- table.c */

/* Public entry points accept err == NULL; this gives them a local one so
 * that messages can be prefixed on the way up. */
#define KT_NEED_ERR(err)        \
    ko_err kt_local_err_ = {0}; \
    if (!(err))                 \
    (err) = &kt_local_err_

static inline ko_status kt_nomem(ko_err *err)
{
    return ko_err_set(err, KO_ERR_NOMEM, "out of memory");
}
/* "<t->key>/<rel>" in arena, or NULL. */
const char *kt_key(ko_arena *arena, const ko_ice_table *t, const char *rel);
/* KO_ERR_UNSUPPORTED unless t's location lies in the warehouse (tables
 * registered from elsewhere can be read, not changed, here). */
ko_status kt_check_writable(const ko_ice_warehouse *wh, const ko_ice_table *t, ko_err *err);
/* "<store uri>/<key>" in arena, or NULL. */
const char *kt_uri(ko_arena *arena, const ko_ice_warehouse *wh, const char *key);
/* Reads and parses the metadata file at location. */
ko_status kt_read_meta(const ko_ice_warehouse *wh, const char *location, ko_arena *arena,
                       ko_ice_table_meta *out, ko_err *err);
/* Reads a whole object named by its location (a URI inside the
 * warehouse) into out. */
ko_status kt_read_location(const ko_ice_warehouse *wh, const char *location, ko_arena *arena,
                           ko_buf *out, ko_err *err);
/* N of ".../vN.metadata.json" (or "NNNNN-uuid.metadata.json"); 0 else. */
int64_t kt_version_of(const char *location);
/* Rewrites metadata/version-hint.text (best effort by design: errors are
 * returned but the table is already committed). */
ko_status kt_write_hint(const ko_ice_warehouse *wh, const ko_ice_table *t, int64_t version,
                        ko_err *err);
/* A JSON object's compact text in arena (steals j); NULL on failure. */
const char *kt_json_text(json_t *j, ko_arena *arena);
/* Random positive 63-bit id (Java's uuid xor scheme). */
int64_t kt_random_id(void);

/* ------------------------------------------------------ table_commit.c */

/* A change to apply to freshly loaded metadata, possibly many times (once
 * per attempt).  It edits t->meta in place (allocating from arena), may
 * fill *summary with the audit summary JSON text, and returns KO_OK, or
 * KO_ERR_NOT_FOUND / KO_ERR_INVALID when the change no longer applies. */
typedef ko_status (*kt_apply_fn)(void *ctx, const ko_ice_warehouse *wh, ko_ice_table *t,
                                 ko_arena *arena, const char **summary, ko_err *err);

/* The commit loop of section 10: load ns.name, apply, write the next
 * metadata version, CAS; on conflict reload and repeat.  t receives the
 * committed table. */
ko_status kt_commit(const ko_ice_warehouse *wh, const char *ns, const char *name, kt_apply_fn apply,
                    void *ctx, const ko_ice_commit_opts *opts, ko_arena *arena, ko_ice_table *t,
                    ko_ice_commit_info *info, ko_err *err);
/* The same starting from an already loaded table. */
ko_status kt_commit_loaded(const ko_ice_warehouse *wh, ko_ice_table *t, kt_apply_fn apply,
                           void *ctx, const ko_ice_commit_opts *opts, ko_arena *arena,
                           ko_ice_commit_info *info, ko_err *err);

/* --------------------------------------------------------- table_map.c */

/* How one table leaf column is filled from an input file. */
typedef enum kt_conv {
    KT_COPY,             /* same physical representation */
    KT_ABSENT,           /* no input column: all null */
    KT_I32_TO_I64,       /* int -> long */
    KT_U32_TO_I64,       /* UINT_32 -> long */
    KT_F32_TO_F64,       /* float -> double */
    KT_MILLIS_32_TO_64,  /* TIME(MILLIS) INT32 -> micros INT64 */
    KT_MILLIS_TO_MICROS, /* INT64 millis -> micros */
    KT_INT96_TO_MICROS,  /* INT96 -> INT64 micros */
    KT_DECIMAL,          /* decimal in another physical form or precision */
} kt_conv;

typedef struct kt_leaf_map {
    int32_t in_leaf; /* input leaf, -1 for KT_ABSENT */
    kt_conv conv;
    int16_t *def_map; /* input definition level -> table level; -1: a null the table
                         cannot hold (in arena; NULL for KT_ABSENT) */
    int16_t in_max_def;
    const char *name; /* table column path, for messages */
} kt_leaf_map;

/* The mapping of an input file onto the table's Parquet schema (out),
 * one entry per table leaf. */
ko_status kt_map_input(const ko_ice_schema *schema, const ko_pq_schema *out, const ko_pq_schema *in,
                       const char *file, ko_arena *arena, kt_leaf_map **maps, ko_err *err);
/* Fills table column dst (initialised for its leaf) from input column src
 * (NULL for KT_ABSENT, then `rows` null records). */
ko_status kt_convert_column(const kt_leaf_map *m, const ko_pq_column *src, size_t rows,
                            ko_pq_column *dst, const char *file, ko_err *err);

/* ------------------------------------------------------- table_split.c */

/* One partition of a row group's rows. */
typedef struct kt_part {
    ko_ice_value *tuple; /* one value per spec field (bytes copied to the arena) */
    const uint8_t *key;  /* kt_tuple_key of the tuple */
    size_t key_len;
    size_t n_rows;
} kt_part;

typedef struct kt_split {
    const ko_ice_type *types; /* the partition tuple's field types */
    uint32_t n_fields;
    kt_part *parts;
    size_t n_parts;
    uint32_t *row_part; /* partition index of each row */
} kt_split;

/* Computes each row's partition tuple (cols are the table's leaves, in
 * the table's Parquet representation) and groups rows by it.  A spec
 * without fields gives one partition with an empty tuple. */
ko_status kt_split_rows(const ko_ice_partition_spec *spec, const ko_ice_schema *schema,
                        const ko_pq_schema *pq, const ko_pq_column *cols, size_t rows,
                        ko_arena *arena, kt_split *out, ko_err *err);
/* The binary grouping key of a tuple: per field a null flag, then the
 * Appendix D bytes with their length. */
ko_status kt_tuple_key(const ko_ice_type *types, uint32_t n, const ko_ice_value *tuple, ko_buf *out,
                       ko_err *err);
/* What files add up to: a snapshot's total-* or a change's added-* and
 * removed-* summary entries (table_append.c). */
typedef struct kt_totals {
    int64_t data_files, records, size, delete_files, pos_deletes, eq_deletes;
} kt_totals;

void kt_totals_add(kt_totals *t, const ko_ice_data_file *f);
/* The total-* entries of s's summary; false when one is missing or bad. */
bool kt_totals_from_summary(const ko_ice_snapshot *s, kt_totals *t);

/* The number of distinct (spec, partition tuple) pairs among a[0..na) and
 * b[0..nb), in linear time (a hash set in arena). */
ko_status kt_count_partitions(const ko_ice_data_file *a, size_t na, const ko_ice_data_file *b,
                              size_t nb, ko_arena *arena, int64_t *out, ko_err *err);
/* Distributes the entries of cols[0..n_leaves) to dst[p][0..n_leaves) by
 * row_part (dst columns initialised and reset by the caller). */
ko_status kt_scatter(const ko_pq_column *cols, uint32_t n_leaves, size_t rows,
                     const uint32_t *row_part, ko_pq_column *const *dst, ko_err *err);
/* The Iceberg value of one Parquet value (len bytes at p, as a column or
 * a statistic holds it) of type t stored as physical type phys; byte
 * values borrow p. */
ko_status kt_plain_value(const ko_ice_type *t, ko_pq_type phys, const uint8_t *p, size_t len,
                         ko_ice_value *out, ko_err *err);
/* Value vi (a dense value index) of column c. */
ko_status kt_column_value(const ko_ice_type *t, const ko_pq_column *c, size_t vi, ko_ice_value *out,
                          ko_err *err);

/* ----------------------------------------------------------- metrics.c */

/* NaN counts gathered while writing, per table leaf. */
typedef struct kt_nan_counts {
    int64_t *per_leaf;
    uint32_t n;
} kt_nan_counts;

void kt_count_nans(const ko_pq_column *cols, uint32_t n_leaves, kt_nan_counts *nans);
/* Fills f's metrics from the footer of the written file. */
ko_status kt_file_metrics(const ko_ice_schema *schema, const ko_pq_file_meta *fm,
                          const ko_pq_schema *pq, const kt_nan_counts *nans, ko_arena *arena,
                          ko_ice_data_file *f, ko_err *err);

/* -------------------------------------------------------- table_info.c */

/* The manifest list of a snapshot, read. */
ko_status kt_read_manifest_list(const ko_ice_warehouse *wh, const ko_ice_snapshot *s,
                                ko_arena *arena, ko_ice_manifest_file **out, size_t *n,
                                ko_err *err);
/* A manifest, read (from: its list entry). */
ko_status kt_read_manifest(const ko_ice_warehouse *wh, const ko_ice_table_meta *meta,
                           const ko_ice_manifest_file *from, ko_arena *arena, ko_ice_manifest *out,
                           ko_err *err);

/* ----------------------------------------------------- table_scratch.c */

/* Keys of files a commit attempt wrote (manifest lists, rewritten
 * manifests) that only the attempt's metadata references: when the
 * attempt loses its race they are garbage at once. */
typedef struct kt_scratch {
    const char **keys; /* in the arena given to kt_scratch_add */
    size_t n, cap;
} kt_scratch;

ko_status kt_scratch_add(kt_scratch *s, ko_arena *arena, const char *key, ko_err *err);
/* Deletes every key (best effort) and empties the list. */
void kt_scratch_drop(kt_scratch *s, const ko_ice_warehouse *wh);
/* Deletes the files of data file entries (best effort). */
void kt_delete_data_files(const ko_ice_warehouse *wh, const ko_ice_data_file *files, size_t n);

#endif /* KO_ICE_TABLE_INTERNAL_H */
