/*
 * engine.h - internals of the SQL engine shared by its files: bound
 * expressions and their evaluation, the physical plan, operators, and the
 * query context.  Not a public contract (sql.h is).
 *
 * Execution model.  The plan is a tree of physical nodes.  Sources (table
 * scan, VALUES, a materialised result) feed a pipeline of streaming
 * operators (filter, project) that ends in a sink (hash aggregate, sort,
 * top-N, limit, the final result).  Pipelines run push-based on morsels
 * (row-group ranges of data files) handed to worker threads; each worker
 * keeps thread-local sink state that is merged at the end.  Breakers
 * (aggregate, sort) materialise their output as a list of batches that
 * becomes the source of the next pipeline.  Joins and windows (issue 6)
 * slot in as further sinks (hash build) and sources (probe, window).
 */
#ifndef KO_SQL_ENGINE_H
#define KO_SQL_ENGINE_H

#include <pthread.h>
#include <stdatomic.h>

#include "catalog/catalog.h"
#include "iceberg/iceberg.h"
#include "sql/ast.h"
#include "sql/func.h"
#include "sql/sql.h"
#include "sql/vec.h"

/* ================================================ bound expressions */

typedef enum ko_bx_kind {
    BX_CONST = 1, /* value: one-row constant vector */
    BX_COL,       /* input column `col` */
    BX_FUNC,      /* registry call */
    BX_ARITH,     /* op: + - * / % // on equal physical types */
    BX_CMP,       /* op: = <> < <= > >= on equal types */
    BX_AND,
    BX_OR,
    BX_NOT,
    BX_IS_NULL,  /* negated: IS NOT NULL */
    BX_DISTINCT, /* IS DISTINCT FROM; negated: IS NOT DISTINCT FROM */
    BX_CASE,     /* args: when0, then0, when1, then1, ..., [else] (n odd: else) */
    BX_CAST,     /* args[0] to type; try_ */
    BX_COALESCE,
    BX_IN,         /* args[0] IN (args[1..]); negated */
    BX_LIKE,       /* args[0] LIKE args[1]; icase, negated */
    BX_CONCAT,     /* || on strings */
    BX_NEG,        /* unary minus */
    BX_DATE_ARITH, /* op: date/timestamp +- interval/int, date - date */
    BX_FIELD,      /* struct field `col` of args[0] */
    BX_SUBSCRIPT,  /* list[i] / map[k] */
} ko_bx_kind;

enum {
    OP_ADD = 1,
    OP_SUB,
    OP_MUL,
    OP_DIV, /* floating division (or decimal exact for DuckDB's rules: we use double) */
    OP_MOD,
    OP_IDIV, /* // */
    OP_EQ,
    OP_NE,
    OP_LT,
    OP_LE,
    OP_GT,
    OP_GE,
};

typedef struct ko_bexpr ko_bexpr;
struct ko_bexpr {
    ko_bx_kind kind;
    ko_sql_dtype type;
    int op;
    bool negated, try_, icase;
    ko_bexpr **args;
    size_t n_args;
    ko_vec *value;       /* CONST */
    int col;             /* COL: input column; FIELD: field index */
    ko_sql_resolved *fn; /* FUNC */
    void *aux;           /* IN: hash set; LIKE: compiled pattern */
    ko_sql_pos pos;
    const char *text; /* the source text, for messages */
    uint32_t mark;    /* planner bookkeeping: subtrees may be shared */
};

/* Per-thread evaluation state of one expression tree: result vectors. */
typedef struct ko_estate ko_estate;
struct ko_estate {
    const ko_bexpr *e;
    ko_vec *result;
    ko_estate **kids;
    size_t n_kids;
    ko_vec **argv;     /* FUNC: argument vectors of the current batch */
    uint32_t *sel_buf; /* CASE / AND / OR scratch selections */
    uint8_t *bool_buf;
    const struct ko_sql_like *like; /* LIKE: its constant pattern, compiled once */
    ko_arena like_arena;
};

typedef struct ko_qctx ko_qctx;

ko_status ko_estate_new(const ko_bexpr *e, ko_estate **out);
void ko_estate_free(ko_estate *s);
/* Evaluates e for the selected rows of `in`; *out is the result vector
 * (owned by the state or borrowed from the batch). */
ko_status ko_eval(ko_qctx *q, ko_estate *s, const ko_batch *in, const uint32_t *sel, size_t n_sel,
                  ko_vec **out);
/* Narrows a selection to the rows where e is true: sel_out receives the
 * surviving rows (may alias sel_in). */
ko_status ko_eval_filter(ko_qctx *q, ko_estate *s, const ko_batch *in, const uint32_t *sel_in,
                         size_t n_in, uint32_t *sel_out, size_t *n_out);

/* Casting a vector: out reserved by the caller for the rows; try_ gives
 * NULL on failure instead of an error. */
ko_status ko_cast_vec(ko_qctx *q, const ko_vec *in, const uint32_t *sel, size_t n_sel,
                      size_t n_rows, ko_vec *out, bool try_, ko_sql_pos pos);
/* Whether CAST(from AS to) is supported. */
bool ko_cast_supported(const ko_sql_dtype *from, const ko_sql_dtype *to);

/* Comparison of two values (for sort, min/max, distinct): <0, 0, >0. */
int ko_vec_cmp(const ko_vec *a, size_t ia, const ko_vec *b, size_t ib);
uint64_t ko_vec_hash(const ko_vec *v, size_t row);

/* ================================================ plan */

typedef enum ko_pnode_kind {
    PN_SCAN = 1,
    PN_VALUES, /* rows of constant expressions */
    PN_FILTER,
    PN_PROJECT,
    PN_AGG,
    PN_SORT, /* with limit: top-N */
    PN_LIMIT,
    PN_UNION, /* all: concatenation; else distinct afterwards via AGG */
    PN_META,  /* metadata table rows, materialised at plan time */
    PN_EMPTY, /* one row, no columns (SELECT without FROM) */
    /* issue 6 (join.h, window.h) */
    PN_JOIN,   /* kids[0] probe (streams), kids[1] build; see join.h */
    PN_WINDOW, /* window functions over kids[0]; see window.h */
} ko_pnode_kind;

typedef enum ko_agg_fn {
    AGG_COUNT_STAR = 1,
    AGG_COUNT,
    AGG_SUM,
    AGG_AVG,
    AGG_MIN,
    AGG_MAX,
    AGG_STDDEV_SAMP,
    AGG_STDDEV_POP,
    AGG_VAR_SAMP,
    AGG_VAR_POP,
    AGG_BOOL_AND,
    AGG_BOOL_OR,
    AGG_FIRST, /* any_value / first */
} ko_agg_fn;

typedef struct ko_agg_spec {
    ko_agg_fn fn;
    bool distinct;
    int arg; /* input column of the argument (-1 for count(*)) */
    ko_sql_dtype in_type;
    ko_sql_dtype type; /* result type */
} ko_agg_spec;

typedef struct ko_sort_key {
    int col;
    bool desc;
    bool nulls_first;
} ko_sort_key;

/* A table scan: what to read and what was pushed into it. */
typedef struct ko_scan_spec {
    const char *ident; /* ns.t for messages */
    ko_ice_table *table;
    ko_ice_dir *dir;       /* opened at bind time */
    ko_ice_scan_plan plan; /* planned at execution (pruning counted) */
    const ko_ice_schema *schema;
    ko_ice_snapshot_sel snap;
    /* projected columns: field ids and types, in output order */
    int32_t *field_ids;
    ko_sql_dtype *types;
    const char **names;
    size_t n_cols;
    /* pushed filter over the output columns (may be NULL) */
    ko_bexpr *filter;
    const ko_ice_pred *ice_pred; /* for file/partition pruning (may be NULL) */
    /* Statements (DELETE, UPDATE): read exactly these tasks instead of
     * planning (may be NULL). */
    const ko_ice_scan_plan *fixed_plan;
} ko_scan_spec;

typedef struct ko_pnode ko_pnode;
typedef struct ko_join_spec ko_join_spec;     /* join.h */
typedef struct ko_window_spec ko_window_spec; /* window.h */
struct ko_pnode {
    ko_pnode_kind kind;
    ko_pnode **kids;
    size_t n_kids;
    /* output */
    ko_sql_dtype *types;
    const char **names;
    size_t n_cols;
    /* per kind */
    ko_scan_spec *scan;
    ko_join_spec *join;     /* JOIN */
    ko_window_spec *window; /* WINDOW */
    ko_bexpr *pred;         /* FILTER */
    ko_bexpr **exprs;       /* PROJECT; VALUES (rows * n_cols, row-major) */
    size_t n_exprs;
    size_t n_rows;   /* VALUES */
    int *group_cols; /* AGG: input columns of the keys (output first) */
    size_t n_groups;
    ko_agg_spec *aggs;
    size_t n_aggs;
    ko_sort_key *keys; /* SORT */
    size_t n_keys;
    int64_t limit, offset; /* LIMIT; SORT top-N when limit >= 0 */
    bool distinct;         /* UNION distinct */
    ko_batch *rows;        /* META: materialised rows */
    size_t n_row_batches;
    /* EXPLAIN ANALYZE */
    _Atomic uint64_t rows_out;
    _Atomic uint64_t time_us;
};

/* A materialised result: batches of owned vectors. */
typedef struct ko_rowset {
    ko_batch *batches;
    size_t n, cap;
    size_t n_cols;
    ko_sql_dtype *types;
    uint64_t rows;
} ko_rowset;

ko_status ko_rowset_add(ko_rowset *rs, ko_vec **cols, size_t n_rows, ko_err *err);
/* Appends the selected rows of b (copied). */
ko_status ko_rowset_append(ko_rowset *rs, const ko_batch *b, ko_err *err);
void ko_rowset_free(ko_rowset *rs);

/* ================================================ query context */

struct ko_qctx {
    ko_sql_session *sess;
    ko_arena *arena; /* the statement's arena */
    ko_err *err;
    const char *text; /* the script, for error positions */
    size_t text_len;
    int threads;
    int64_t now_us;
    int64_t deadline_us; /* monotonic; 0: none */
    _Atomic bool failed;
    _Atomic size_t mem_used;
    size_t mem_limit;
    pthread_mutex_t lock;
    ko_err first_err; /* the first error of any worker */
    /* scan statistics (EXPLAIN ANALYZE) */
    _Atomic uint64_t files, files_skipped, rgs, rgs_skipped, pages_rows_skipped;
    _Atomic uint64_t rows_read, bytes_read, bytes_total;
    _Atomic uint64_t pages, pages_skipped; /* of projected columns in kept row groups */
    /* dictionary filters (scan_pred.c): rows kept or dropped by their
     * dictionary code, dictionary entries the conjuncts were evaluated on */
    _Atomic uint64_t dict_rows, dict_entries;
    bool analyze;
    /* Parallel workers (exec.c) run on a copy of the statement's context
     * with its own error slot: `parent` is the statement's (NULL in it);
     * `order` is the morsel the worker is on.  The failure of the lowest
     * morsel wins (fail_order), so the error reported does not depend on
     * thread timing; workers on later morsels stop at their next check. */
    ko_qctx *parent;
    size_t order;
    _Atomic size_t fail_order;
};

bool ko_sql_session_cancelled_(ko_sql_session *s);
/* Reports a planned table scan to the session's ko_sql_session_on_read. */
void ko_sql_note_read_(ko_sql_session *s, const char *table, int64_t snapshot_id);

/* Checks cancellation and the deadline: KO_ERR_TIMEOUT / cancelled. */
ko_status ko_qctx_check(ko_qctx *q);
/* Memory accounting for breakers: KO_ERR_NOMEM with "query needs more than
 * X in <what>; raise --memory-limit" past the limit. */
ko_status ko_qctx_mem(ko_qctx *q, size_t add, const char *what);
void ko_qctx_mem_release(ko_qctx *q, size_t n);
/* Records a worker's error (first wins). */
void ko_qctx_fail(ko_qctx *q, const ko_err *err);
/* Records the error of the worker context w (a copy made by exec.c) at
 * morsel `order`: the lowest order wins. */
void ko_qctx_fail_at(ko_qctx *q, const ko_err *err, size_t order);

/* Runs a plan; results go to sink (NULL: discarded). */
typedef ko_status (*ko_batch_sink)(void *ctx, const ko_batch *b, ko_err *err);
ko_status ko_exec_plan(ko_qctx *q, ko_pnode *root, ko_batch_sink sink, void *ctx);
/* Runs a plan into a rowset. */
ko_status ko_exec_collect(ko_qctx *q, ko_pnode *root, ko_rowset *out);

/* Scan: morsels of a planned scan read into batches. */
typedef struct ko_scan_run ko_scan_run;
ko_status ko_scan_open(ko_qctx *q, ko_scan_spec *spec, ko_scan_run **out);
size_t ko_scan_morsels(const ko_scan_run *r);
/* Reads morsel m and calls fn for each batch (selection = pushed filter). */
ko_status ko_scan_morsel(ko_qctx *q, ko_scan_run *r, size_t m,
                         ko_status (*fn)(void *ctx, const ko_batch *b), void *ctx);
void ko_scan_close(ko_scan_run *r);
/* The Iceberg predicate of the scan's pushed filter for file pruning
 * (scan_pred.c): what can be expressed of it, NULL for none. */
const ko_ice_pred *ko_scan_ice_pred(ko_arena *arena, const ko_scan_spec *spec);
/* Dictionary filters (scan_pred.c).  The pushed filter's top-level
 * conjuncts that read one column and are built only of comparisons, IN,
 * LIKE, IS [NOT] NULL, IS [NOT] DISTINCT FROM, AND / OR / NOT and constants
 * ("dictionary-safe": they cannot fail) are evaluated once per entry of a
 * dictionary-encoded column chunk (and once for NULL); the rows are then
 * kept by their code.  A column is read as codes only when every conjunct
 * reading it is dictionary-safe and every data page of its chunk is
 * dictionary-encoded; its values are materialised from the dictionary for
 * the rows only when some row of the morsel survives. */
typedef struct ko_dict_plan {
    const ko_bexpr **conj; /* the filter's top-level conjuncts */
    size_t n_conj;
    int *conj_col;  /* per conjunct: its one column when dictionary-safe, else -1 */
    bool *col_dict; /* per column: may be read as codes */
    size_t n_cols;
    bool any;
} ko_dict_plan;
typedef struct ko_dict_key {
    const void *file, *data; /* reader, dictionary bytes */
    uint64_t rg;
    size_t n;
} ko_dict_key;
typedef struct ko_dict_state ko_dict_state;
ko_status ko_dict_plan_make(ko_arena *arena, const ko_bexpr *filter, size_t n_cols,
                            ko_dict_plan *out);
ko_dict_state *ko_dict_state_new(const ko_dict_plan *p, const ko_sql_dtype *types);
void ko_dict_state_free(ko_dict_state *s);
/* A new morsel: no column is coded yet. */
void ko_dict_begin(ko_dict_state *s);
/* Whether column c's dictionary `key` is the one loaded. */
bool ko_dict_has(const ko_dict_state *s, size_t c, const ko_dict_key *key);
/* Loads column c's dictionary: n slots of the column's engine type; its
 * conjuncts are evaluated on every entry and on NULL. */
ko_status ko_dict_load(ko_qctx *q, ko_dict_state *s, size_t c, const ko_dict_key *key,
                       const uint8_t *slots, size_t n);
/* Column c of the morsel is coded: codes of the non-null values, def
 * levels (NULL when max_def is 0) for its `rows` rows. */
ko_status ko_dict_rows(ko_qctx *q, ko_dict_state *s, size_t c, const uint32_t *codes,
                       const int16_t *def, int16_t max_def, size_t rows);
/* The filter over batch b, rows [from, from + b->n) of the morsel: coded
 * columns by code, then the other conjuncts; sel/n_sel receive the
 * surviving batch rows. */
ko_status ko_dict_filter(ko_qctx *q, ko_dict_state *s, const ko_batch *b, size_t from,
                         uint32_t *sel, size_t *n_sel);
/* The slots of coded column c for the morsel's rows: the values of the
 * rows that survived the filter (per batch of KO_SQL_BATCH rows, n_sel[b]
 * rows listed at sels + b * KO_SQL_BATCH), zero slots for the others. */
const uint8_t *ko_dict_slots(ko_qctx *q, ko_dict_state *s, size_t c, size_t rows,
                             const uint32_t *sels, const size_t *n_sel);
/* Whether column c is coded in the current morsel. */
bool ko_dict_coded(const ko_dict_state *s, size_t c);

/* A worker's reading state, reused from morsel to morsel (one per thread;
 * freed before the scan is closed). */
typedef struct ko_scan_worker ko_scan_worker;
ko_scan_worker *ko_scan_worker_new(ko_scan_run *r);
void ko_scan_worker_free(ko_scan_run *r, ko_scan_worker *w);
ko_status ko_scan_morsel_w(ko_qctx *q, ko_scan_run *r, ko_scan_worker *w, size_t m,
                           ko_status (*fn)(void *ctx, const ko_batch *b), void *ctx);

/* Types of Iceberg columns. */
ko_status ko_sql_dtype_from_ice(const ko_ice_type *t, ko_arena *arena, ko_sql_dtype *out,
                                ko_err *err);
ko_status ko_sql_dtype_to_ice(const ko_sql_dtype *t, ko_arena *arena, ko_ice_type *out,
                              int32_t *next_id, ko_err *err);

/* EXPLAIN text of a plan. */
ko_status ko_explain(const ko_qctx *q, const ko_pnode *root, bool analyze, ko_buf *out);

#endif /* KO_SQL_ENGINE_H */
