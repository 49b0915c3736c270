/*
 * join.h - joins, the node PN_JOIN of the plan (issue 6).
 *
 * A join node has two inputs: kids[0] is the probe side, which streams
 * through the pipeline (the join is a streaming operator of its chain,
 * like FILTER and PROJECT), and kids[1] the build side, materialised into
 * a hash table (equi-joins) or a plain list of rows (nested loops) before
 * the pipeline starts.  The binder picks which logical input is built
 * (build_left): the output is always in logical order, left columns then
 * right columns, so swapping the inputs never changes what is above.
 *
 * Kinds (the preserved side of an outer join is always the probe side; a
 * RIGHT join is a LEFT join with the inputs swapped):
 *   INNER  matching pairs
 *   LEFT   matching pairs, plus probe rows without a match padded with NULLs
 *   FULL   LEFT plus build rows never matched (emitted by the tail pass)
 *   MARK   every probe row plus a BOOLEAN column: matched or not (NULL for
 *          IN semantics with NULLs, null_aware); with `want` set only the
 *          rows whose mark is want (semi join: true, anti join: false) -
 *          the output keeps the mark column so column numbers never shift.
 *   BUILD_OUTER, BUILD_MARK  LEFT and MARK with the preserved side built
 *          (when it is much smaller): the probe marks the build rows it
 *          meets, and a tail pass after the probe (ko_join_tail) emits the
 *          unmatched build rows, or every build row with its mark.
 *
 * Keys: probe_keys[i] over kids[0]'s columns equals build_keys[i] over
 * kids[1]'s; NULL keys never match unless null_eq[i].  The residual is
 * evaluated over the output row [left | right] (MARK: [probe | build]).
 * Without keys every probe row meets every build row (nested loops).
 */
#ifndef KO_SQL_JOIN_H
#define KO_SQL_JOIN_H

#include "sql/engine.h"

typedef enum ko_join_kind {
    KO_JOIN_INNER = 1,
    KO_JOIN_LEFT,
    KO_JOIN_FULL,
    KO_JOIN_MARK,
    KO_JOIN_BUILD_OUTER, /* matching pairs, then build rows without a match */
    KO_JOIN_BUILD_MARK,  /* MARK with the build side preserved (the smaller one) */
} ko_join_kind;

typedef struct ko_join_ht ko_join_ht;

struct ko_join_spec {
    ko_join_kind kind;
    bool build_left; /* kids[1] is the logical left input */
    ko_bexpr **probe_keys, **build_keys;
    bool *null_eq;
    size_t n_keys;
    ko_bexpr *residual;
    bool null_aware; /* MARK for IN / NOT IN: NULL keys make NULL marks */
    int want;        /* MARK: -1 all rows; 1 only matched; 0 only unmatched */
    bool single;     /* scalar subquery: more than one match is an error */
    bool corr;       /* a decorrelated scalar subquery (grouped by its keys) */
    /* binder state before keys are extracted */
    ko_bexpr **conds;
    size_t n_conds, cap_conds;
    int logical; /* KO_SQL_JOIN_* of the query text */
    double est_rows;
    /* per output column (set by plan_prune.c): read by nothing above and
     * not by the residual, so never gathered (a constant NULL instead) */
    bool *unused;
    /* runtime */
    ko_join_ht *ht;
};

/* Whether the node streams its probe side through a pipeline. */
bool ko_join_streams(const ko_pnode *node);
/* Builds the hash table of a join (materialises kids[1]). */
ko_status ko_join_build(ko_qctx *q, ko_pnode *node);
/* Frees the hash table of a join. */
void ko_join_release(ko_qctx *q, ko_pnode *node);
/* Per-worker probe state. */
void *ko_join_local_new(const ko_pnode *node);
void ko_join_local_free(void *local);
/* Probes one batch; output batches go to next(ctx, batch). */
ko_status ko_join_probe(ko_qctx *q, ko_pnode *node, void *local, const ko_batch *b,
                        ko_status (*next)(void *ctx, const ko_batch *b), void *ctx);
/* Distinct values of a scan column from the file bounds (join_stats.c);
 * 0 when unknown.  *cache holds the file plan between calls. */
double ko_scan_col_ndv(ko_qctx *q, ko_arena *a, ko_scan_spec *sp, ko_ice_scan_plan **cache,
                       size_t col);
/* EXPLAIN details: " INNER keys=1 build=right est=1000" (first: probe). */
ko_status ko_join_describe(const ko_pnode *node, ko_buf *out);
/* Whether the join emits build rows after the probe (FULL, BUILD_*). */
bool ko_join_has_tail(const ko_pnode *node);
/* After every probe: the build rows FULL / BUILD_OUTER did not match, or
 * BUILD_MARK's rows with their marks, to next(ctx, batch). */
ko_status ko_join_tail(ko_qctx *q, ko_pnode *node, void *local,
                       ko_status (*next)(void *ctx, const ko_batch *b), void *ctx);

#endif
