/*
 * scan_nested.h - nested columns (STRUCT, LIST, MAP) for the table scan:
 * the mapping of a column's SQL type onto a Parquet file's schema tree and
 * the record assembly of its leaf columns into nested vectors
 * (scan_nested.c).  Internal to the SQL engine (scan.c is the only user).
 */
#ifndef KO_SQL_SCAN_NESTED_H
#define KO_SQL_SCAN_NESTED_H

#include "iceberg/iceberg.h"
#include "parquet/parquet.h"
#include "sql/vec.h"

/* How one nested column is laid out in one file: its Parquet nodes, their
 * levels and the file leaves it reads ("slots", in the column's order).
 * Lives in the arena it was planned in. */
typedef struct ko_nest_col ko_nest_col;

/* Maps the top-level column (field_id, name; ice is its Iceberg field, or
 * NULL when unknown: then struct fields match by name) of SQL type t
 * (STRUCT, LIST or MAP) onto file schema fs.  *out is NULL when the file
 * lacks the column.  A file whose shape does not fit the type (a leaf
 * where a group should be, a list without a repeated field, ...) is
 * KO_ERR_UNSUPPORTED naming the column.  t must outlive the plan. */
ko_status ko_nest_plan(ko_arena *arena, const ko_pq_schema *fs, const ko_ice_field *ice,
                       int32_t field_id, const char *name, const ko_sql_dtype *t, ko_nest_col **out,
                       ko_err *err);
uint32_t ko_nest_n_leaves(const ko_nest_col *nc);
/* The file leaf read by slot s. */
uint32_t ko_nest_leaf(const ko_nest_col *nc, uint32_t s);
/* Room for the OffsetIndex of every slot in every row group (n_rgs):
 * slot s of row group rg at ko_nest_oi(nc, rg)[s]; n_pages 0 = none. */
ko_status ko_nest_alloc_oi(ko_arena *arena, ko_nest_col *nc, uint32_t n_rgs);
ko_pq_offset_index *ko_nest_oi(const ko_nest_col *nc, uint32_t rg);

/* A worker's reading state for one nested column: chunk readers, decoded
 * leaf columns, and the assembled vector of the current rows. */
typedef struct ko_nest_state ko_nest_state;

ko_nest_state *ko_nest_state_new(const ko_sql_dtype *t);
void ko_nest_state_free(ko_nest_state *s);

/* Reads rows [start, end) of row group rg of every slot of nc from pr
 * (through the OffsetIndexes of ko_nest_oi when loaded) and assembles them
 * into the state's vector.  Malformed levels are KO_ERR_CORRUPT. */
ko_status ko_nest_read(ko_nest_state *s, const ko_nest_col *nc, ko_pq_reader *pr, uint32_t rg,
                       int64_t start, int64_t end, const char *what, ko_err *err);
/* The same over columns already decoded: cols[l] is file leaf l (e.g. an
 * Iceberg reader's batch), holding `rows` records. */
ko_status ko_nest_assemble(ko_nest_state *s, const ko_nest_col *nc, const ko_pq_column *cols,
                           size_t rows, const char *what, ko_err *err);

/* Points v (a vector of the column's type, from ko_vec_new) at rows
 * [from, from + KO_SQL_BATCH) of the assembled vector (from a multiple of
 * 64); v borrows the state's memory until the next read. */
void ko_nest_slice(ko_vec *v, const ko_nest_state *s, size_t from);
/* Turns v, on which ko_vec_set_const_null succeeded once, back into that
 * constant NULL after slices pointed it elsewhere. */
void ko_nest_const_null(ko_vec *v);

/* scan.c: converts value k of a decoded leaf column into one fixed-width
 * slot of type t (promotions and time units applied; not strings). */
void ko_scan_convert_value(const ko_pq_column *c, const ko_pq_schema_element *el, size_t k,
                           const ko_sql_dtype *t, uint8_t *dst);

#endif /* KO_SQL_SCAN_NESTED_H */
