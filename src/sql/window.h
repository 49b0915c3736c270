/*
 * window.h - window functions, the node PN_WINDOW of the plan (issue 6).
 *
 * A window node outputs its input's columns followed by one column per
 * window call.  Arguments, PARTITION BY and ORDER BY keys are input
 * columns (the binder computes expressions in a PROJECT below).  The node
 * is a breaker: it materialises its input, sorts row numbers by
 * (partition, order) for each distinct window, and computes each call
 * partition by partition (window.c).
 */
#ifndef KO_SQL_WINDOW_H
#define KO_SQL_WINDOW_H

#include "sql/engine.h"

typedef enum ko_win_fn {
    WIN_ROW_NUMBER = 1,
    WIN_RANK,
    WIN_DENSE_RANK,
    WIN_PERCENT_RANK,
    WIN_CUME_DIST,
    WIN_NTILE,
    WIN_LAG,
    WIN_LEAD,
    WIN_FIRST_VALUE,
    WIN_LAST_VALUE,
    WIN_NTH_VALUE,
    WIN_AGG, /* an aggregate over the frame */
} ko_win_fn;

enum {
    WIN_FRAME_DEFAULT = 0, /* RANGE UNBOUNDED PRECEDING .. CURRENT ROW with ORDER BY, else all */
    WIN_FRAME_ROWS,
    WIN_FRAME_RANGE,
};

typedef struct ko_win_call {
    ko_win_fn fn;
    ko_agg_fn agg; /* WIN_AGG */
    bool distinct;
    int arg;        /* input column of the argument (-1: none) */
    int def;        /* LAG / LEAD default (-1: none) */
    int64_t offset; /* LAG / LEAD offset, NTILE buckets, NTH_VALUE n */
    bool ignore_nulls;
    int *part;
    size_t n_part;
    ko_sort_key *order;
    size_t n_order;
    int frame;                  /* WIN_FRAME_* */
    int start_kind, end_kind;   /* KO_SQL_BOUND_* */
    int64_t start_off, end_off; /* ROWS offsets */
    ko_sql_dtype in_type;
    ko_sql_dtype type;
} ko_win_call;

struct ko_window_spec {
    ko_win_call *calls;
    size_t n_calls;
    /* SELECT unnest(list): no calls; every row is repeated once per
     * element of its LIST column unnest_col (none for NULL or []), and
     * the element is the one output column added */
    bool unnest;
    int unnest_col;
};

/* Marks the input columns the calls read (plan_prune.c). */
void ko_window_uses(const ko_window_spec *w, bool *used);
/* Renumbers the input columns (map: old -> new). */
void ko_window_remap(ko_window_spec *w, const int *map);
/* Runs a window node into out. */
ko_status ko_window_materialise(ko_qctx *q, ko_pnode *node, ko_rowset *out);

/* Column pruning over a whole plan (plan_prune.c). */
ko_status ko_plan_prune(ko_arena *a, ko_pnode *root, ko_err *err);

#endif
