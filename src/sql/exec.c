/*
 * exec.c - running a physical plan: pipelines, breakers and rowsets.
 *
 * ko_exec_plan walks down from the root through streaming operators
 * (FILTER, PROJECT) to a source.  A table scan source runs its morsels on
 * the thread pool: each worker pulls morsel numbers from an atomic
 * counter and pushes every batch through its own copies of the operator
 * states into its own sink state (a hash table, a rowset, or the caller's
 * sink under a lock).  Breakers (AGG, SORT, LIMIT, UNION, VALUES, META)
 * first run their input to completion into a rowset (merging the workers'
 * partial states), then act as a source of batches for what is above.
 * Cancellation and the deadline are checked between batches.
 */
#include "sql/engine.h"
#include "sql/join.h"
#include "sql/window.h"

#include <stdlib.h>
#include <string.h>

typedef struct ko_agg_table ko_agg_table;
ko_agg_table *ko_agg_new(const ko_pnode *node);
void ko_agg_free(ko_agg_table *t);
ko_status ko_agg_push(ko_qctx *q, ko_agg_table *t, const ko_batch *b);
/* Merges src into dst and frees src. */
ko_status ko_agg_merge(ko_qctx *q, ko_agg_table *dst, ko_agg_table *src);
bool ko_agg_parallel_ok(const ko_pnode *node);
ko_status ko_agg_finish(ko_qctx *q, ko_agg_table *t, ko_rowset *out);
ko_status ko_sort_rowset(ko_qctx *q, ko_rowset *rs, const ko_sort_key *keys, size_t n_keys,
                         int64_t limit);

/* ------------------------------------------------------------ qctx */

/* The statement's context of q (q itself, or the one a worker copied). */
static ko_qctx *qroot(ko_qctx *q)
{
    return q->parent ? q->parent : q;
}

ko_status ko_qctx_check(ko_qctx *q)
{
    ko_qctx *root = qroot(q);
    /* a worker on a morsel before the failed one finishes it: its error,
     * if any, would win (and would be the one a serial run reports) */
    if (root->failed && (q == root || q->order > root->fail_order))
        return KO_ERR_INTERNAL;
    if (q->sess && ko_sql_session_cancelled_(q->sess))
        return ko_err_set(q->err, KO_ERR_TIMEOUT, "query cancelled");
    if (q->deadline_us && ko_monotonic_us() > q->deadline_us)
        return ko_err_set(q->err, KO_ERR_TIMEOUT,
                          "statement timeout: the query ran longer than the limit; raise "
                          "--timeout");
    return KO_OK;
}

ko_status ko_qctx_mem(ko_qctx *q, size_t add, const char *what)
{
    size_t now = atomic_fetch_add(&qroot(q)->mem_used, add) + add;
    if (q->mem_limit && now > q->mem_limit)
        return ko_err_set(q->err, KO_ERR_NOMEM,
                          "query needs more than %.1f GiB in %s; raise --memory-limit",
                          (double)q->mem_limit / (1024.0 * 1024 * 1024), what);
    return KO_OK;
}

void ko_qctx_mem_release(ko_qctx *q, size_t n)
{
    atomic_fetch_sub(&qroot(q)->mem_used, n);
}

void ko_qctx_fail_at(ko_qctx *q, const ko_err *err, size_t order)
{
    q = qroot(q);
    pthread_mutex_lock(&q->lock);
    if (!q->failed || order < q->fail_order) {
        q->first_err = *err;
        q->fail_order = order;
        q->failed = true;
    }
    pthread_mutex_unlock(&q->lock);
}

void ko_qctx_fail(ko_qctx *q, const ko_err *err)
{
    ko_qctx_fail_at(q, err, SIZE_MAX);
}

/* ---------------------------------------------------------- rowsets */

/* Rows a top-N collector holds before it drops those out of the top. */
enum { TOPN_PRUNE = 64 * 1024 };

static size_t min_size(size_t a, size_t b)
{
    return a < b ? a : b;
}

ko_status ko_rowset_add(ko_rowset *rs, ko_vec **cols, size_t n_rows, ko_err *err)
{
    if (rs->n == rs->cap) {
        size_t cap = rs->cap ? rs->cap * 2 : 16;
        ko_batch *b = realloc(rs->batches, cap * sizeof *b);
        if (!b)
            return ko_err_set(err, KO_ERR_NOMEM, "out of memory collecting rows");
        rs->batches = b;
        rs->cap = cap;
    }
    ko_vec **own = malloc((rs->n_cols ? rs->n_cols : 1) * sizeof(ko_vec *));
    if (!own)
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory collecting rows");
    memcpy(own, cols, rs->n_cols * sizeof(ko_vec *));
    ko_batch *nb = &rs->batches[rs->n++];
    memset(nb, 0, sizeof *nb);
    nb->n = n_rows;
    nb->cols = own;
    nb->n_cols = rs->n_cols;
    rs->rows += n_rows;
    return KO_OK;
}

/* Copies the selected rows of a fixed-width column without nulls into
 * dst (reserved for them) in one typed loop; false for other columns. */
static bool copy_fixed(ko_vec *dst, const ko_vec *src, const ko_batch *b, size_t live)
{
    ko_sql_phys p = ko_sql_dtype_phys(&dst->type);
    size_t w = ko_sql_phys_size(p);
    if (src->validity || p == KO_PHYS_STR || p == KO_PHYS_LIST ||
        ko_sql_dtype_is_nested(dst->type.id) || (w != 4 && w != 8 && w != 16))
        return false;
    for (size_t k = 0; k < live; k++) {
        size_t i = ko_vec_idx(src, ko_batch_row(b, k));
        if (w == 8)
            memcpy(dst->data + k * 8, src->data + i * 8, 8);
        else if (w == 16)
            memcpy(dst->data + k * 16, src->data + i * 16, 16);
        else
            memcpy(dst->data + k * 4, src->data + i * 4, 4);
    }
    return true;
}

ko_status ko_rowset_append(ko_rowset *rs, const ko_batch *b, ko_err *err)
{
    size_t live = ko_batch_live(b);
    if (!live)
        return KO_OK;
    ko_vec **cols = calloc(rs->n_cols ? rs->n_cols : 1, sizeof(ko_vec *));
    if (!cols)
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory collecting rows");
    ko_status st = KO_OK;
    for (size_t c = 0; c < rs->n_cols && st == KO_OK; c++) {
        cols[c] = ko_vec_new(&rs->types[c]);
        if (!cols[c] || ko_vec_reserve(cols[c], live) != KO_OK) {
            st = KO_ERR_NOMEM;
            break;
        }
        if (copy_fixed(cols[c], b->cols[c], b, live))
            continue;
        for (size_t k = 0; k < live && st == KO_OK; k++)
            st = ko_vec_copy_row(cols[c], k, b->cols[c], ko_batch_row(b, k));
    }
    if (st == KO_OK)
        st = ko_rowset_add(rs, cols, live, err);
    else
        st = ko_err_set(err, KO_ERR_NOMEM, "out of memory collecting rows");
    if (st != KO_OK)
        for (size_t c = 0; c < rs->n_cols; c++)
            ko_vec_free(cols[c]);
    free(cols);
    return st;
}

void ko_rowset_free(ko_rowset *rs)
{
    for (size_t i = 0; i < rs->n; i++) {
        for (size_t c = 0; c < rs->batches[i].n_cols; c++)
            ko_vec_free(rs->batches[i].cols[c]);
        free(rs->batches[i].cols);
    }
    free(rs->batches);
    memset(rs, 0, sizeof *rs);
}

/* ------------------------------------------------------- operators */

/* A chain of streaming operators (bottom first) per worker. */
typedef struct chain {
    ko_pnode **ops;
    size_t n;
    ko_estate ***st; /* per op: estates (FILTER: 1, PROJECT: n_exprs) */
    uint32_t **sel;  /* per op: selection buffer */
    ko_vec ***outs;  /* per op: output column pointers */
    void **jl;       /* per op: join probe state (join.c) */
} chain;

static void chain_free(chain *c)
{
    for (size_t i = 0; i < c->n; i++) {
        size_t ne = c->ops[i]->kind == PN_FILTER ? 1 : c->ops[i]->n_exprs;
        for (size_t k = 0; c->st && c->st[i] && k < ne; k++)
            ko_estate_free(c->st[i][k]);
        if (c->st)
            free(c->st[i]);
        if (c->sel)
            free(c->sel[i]);
        if (c->outs)
            free(c->outs[i]);
        if (c->jl)
            ko_join_local_free(c->jl[i]);
    }
    free(c->jl);
    free(c->st);
    free(c->sel);
    free(c->outs);
}

static ko_status chain_init(chain *c, ko_pnode **ops, size_t n)
{
    memset(c, 0, sizeof *c);
    c->ops = ops;
    c->n = n;
    if (!n)
        return KO_OK;
    c->st = calloc(n, sizeof *c->st);
    c->sel = calloc(n, sizeof *c->sel);
    c->outs = calloc(n, sizeof *c->outs);
    c->jl = calloc(n, sizeof *c->jl);
    if (!c->st || !c->sel || !c->outs || !c->jl)
        return KO_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        ko_pnode *op = ops[i];
        size_t ne = op->kind == PN_FILTER ? 1 : op->n_exprs;
        c->st[i] = calloc(ne ? ne : 1, sizeof(ko_estate *));
        c->sel[i] = malloc(KO_SQL_BATCH * sizeof **c->sel);
        c->outs[i] = calloc(ne ? ne : 1, sizeof(ko_vec *));
        if (!c->st[i] || !c->sel[i] || !c->outs[i])
            return KO_ERR_NOMEM;
        if (op->kind == PN_JOIN && !(c->jl[i] = ko_join_local_new(op)))
            return KO_ERR_NOMEM;
        for (size_t k = 0; k < ne; k++)
            if (ko_estate_new(op->kind == PN_FILTER ? op->pred : op->exprs[k], &c->st[i][k]) !=
                KO_OK)
                return KO_ERR_NOMEM;
    }
    return KO_OK;
}

typedef ko_status (*push_fn)(void *ctx, const ko_batch *b);

/* The query of the current thread (sinks need it; set per pipeline). */
static _Thread_local ko_qctx *tls_q;

static ko_status chain_join(ko_qctx *q, chain *c, size_t i, const ko_batch *b, push_fn push,
                            void *ctx);

/* Runs batch b through ops [i, n) and hands the result to push. */
static ko_status chain_run(ko_qctx *q, chain *c, size_t i, const ko_batch *b, push_fn push,
                           void *ctx)
{
    if (i == c->n)
        return ko_batch_live(b) ? push(ctx, b) : KO_OK;
    ko_pnode *op = c->ops[i];
    if (op->kind == PN_JOIN)
        return chain_join(q, c, i, b, push, ctx);
    int64_t t0 = q->analyze ? ko_monotonic_us() : 0;
    ko_batch nb = *b;
    ko_status st = KO_OK;
    if (op->kind == PN_FILTER) {
        size_t m = 0;
        st = ko_eval_filter(q, c->st[i][0], b, b->sel, ko_batch_live(b), c->sel[i], &m);
        nb.sel = c->sel[i];
        nb.n_sel = m;
    } else {
        for (size_t k = 0; k < op->n_exprs && st == KO_OK; k++)
            st = ko_eval(q, c->st[i][k], b, b->sel, ko_batch_live(b), &c->outs[i][k]);
        nb.cols = c->outs[i];
        nb.n_cols = op->n_exprs;
    }
    if (q->analyze)
        op->time_us += (uint64_t)(ko_monotonic_us() - t0);
    if (st != KO_OK)
        return st;
    op->rows_out += ko_batch_live(&nb);
    if (!ko_batch_live(&nb))
        return KO_OK;
    return chain_run(q, c, i + 1, &nb, push, ctx);
}

/* Joins (join.c): the probe of a hash join is a streaming op whose
 * output batches continue down the chain. */
typedef struct chain_cont {
    ko_qctx *q;
    chain *c;
    size_t i;
    push_fn push;
    void *ctx;
} chain_cont;

static ko_status chain_next(void *p, const ko_batch *b)
{
    chain_cont *k = p;
    k->c->ops[k->i]->rows_out += ko_batch_live(b);
    return chain_run(k->q, k->c, k->i + 1, b, k->push, k->ctx);
}

static ko_status chain_join(ko_qctx *q, chain *c, size_t i, const ko_batch *b, push_fn push,
                            void *ctx)
{
    chain_cont k = {q, c, i, push, ctx};
    return ko_join_probe(q, c->ops[i], c->jl[i], b, chain_next, &k);
}

/* -------------------------------------------------------- pipelines */

typedef struct sink_if {
    void *(*local_new)(void *g);
    ko_status (*push)(void *local, const ko_batch *b);
    ko_status (*combine)(void *g, void *local);
    void (*local_free)(void *local);
    void *g;
} sink_if;

typedef struct worker_ctx {
    ko_qctx *q;
    ko_scan_run *scan;
    _Atomic size_t next;
    ko_pnode **ops;
    size_t n_ops;
    const sink_if *sink;
    _Atomic bool stop;
} worker_ctx;

typedef struct wlocal {
    worker_ctx *w;
    chain ch;
    void *sl;
    ko_qctx *q; /* the worker's context (its own error slot) */
} wlocal;

static ko_status wl_push(void *ctx, const ko_batch *b)
{
    wlocal *l = ctx;
    ko_status st = ko_qctx_check(l->q);
    return st == KO_OK ? l->w->sink->push(l->sl, b) : st;
}

static ko_status wl_batch(void *ctx, const ko_batch *b)
{
    wlocal *l = ctx;
    return chain_run(l->q, &l->ch, 0, b, wl_push, l);
}

/* A worker's copy of the statement's context: its own error slot and
 * statistics (added back by worker_done); shared state through parent. */
static void worker_ctx_init(ko_qctx *wq, ko_qctx *q, ko_err *err)
{
    *wq = *q;
    wq->err = err;
    wq->parent = q;
    wq->order = 0;
    wq->files = wq->files_skipped = wq->rgs = wq->rgs_skipped = wq->pages_rows_skipped = 0;
    wq->rows_read = wq->bytes_read = wq->bytes_total = wq->pages = wq->pages_skipped = 0;
    wq->dict_rows = wq->dict_entries = 0;
}

static void worker_done(ko_qctx *q, const ko_qctx *wq)
{
    q->files += wq->files;
    q->files_skipped += wq->files_skipped;
    q->rgs += wq->rgs;
    q->rgs_skipped += wq->rgs_skipped;
    q->pages_rows_skipped += wq->pages_rows_skipped;
    q->rows_read += wq->rows_read;
    q->bytes_read += wq->bytes_read;
    q->bytes_total += wq->bytes_total;
    q->pages += wq->pages;
    q->pages_skipped += wq->pages_skipped;
    q->dict_rows += wq->dict_rows;
    q->dict_entries += wq->dict_entries;
}

/* Records a worker's failure st at its morsel (wq->order); a stop after
 * another's failure is none.  Sinks that run under the lock report into
 * the statement's slot, the rest into the worker's. */
static void worker_report(ko_qctx *q, const ko_qctx *wq, ko_status st)
{
    if (st == KO_OK || (st == KO_ERR_INTERNAL && q->failed && !wq->err->status))
        return;
    const ko_err *e = wq->err->status ? wq->err : q->err;
    ko_err internal = {0};
    if (!e->status)
        ko_err_set(&internal, st, "a worker failed (%s)", ko_status_name(st));
    ko_qctx_fail_at(q, e->status ? e : &internal, wq->order);
}

/* First error wins: each worker runs on its own context (worker_ctx_init),
 * so messages never mix; a failure is recorded with the morsel it
 * happened on and the lowest morsel's error is the statement's
 * (ko_qctx_fail_at), whatever the timing.  Workers on later morsels stop
 * at their next check (ko_qctx_check, between batches), and none takes a
 * new morsel.  A stop (KO_ERR_INTERNAL after another's failure) is not an
 * error of its own. */
static void worker(void *arg, size_t idx)
{
    (void)idx;
    worker_ctx *w = arg;
    ko_qctx *q = w->q;
    ko_err err = {0};
    ko_qctx wq;
    worker_ctx_init(&wq, q, &err);
    tls_q = &wq;
    wlocal l = {w, {0}, NULL, &wq};
    ko_status st = chain_init(&l.ch, w->ops, w->n_ops);
    l.sl = st == KO_OK ? w->sink->local_new(w->sink->g) : NULL;
    ko_scan_worker *sw = st == KO_OK ? ko_scan_worker_new(w->scan) : NULL;
    if (st != KO_OK || !l.sl || !sw)
        st = ko_err_set(&err, KO_ERR_NOMEM, "out of memory starting a worker");
    while (st == KO_OK && !w->stop && !q->failed) {
        size_t m = atomic_fetch_add(&w->next, 1);
        if (m >= ko_scan_morsels(w->scan))
            break;
        wq.order = m;
        st = ko_scan_morsel_w(&wq, w->scan, sw, m, wl_batch, &l);
    }
    ko_scan_worker_free(w->scan, sw);
    if (st == KO_OK && l.sl && !q->failed) {
        wq.order = SIZE_MAX;
        pthread_mutex_lock(&q->lock);
        st = w->sink->combine(w->sink->g, l.sl);
        pthread_mutex_unlock(&q->lock);
    }
    worker_report(q, &wq, st);
    worker_done(q, &wq);
    tls_q = q;
    if (l.sl)
        w->sink->local_free(l.sl);
    chain_free(&l.ch);
}

static ko_status exec_source(ko_qctx *q, ko_pnode *src, ko_pnode **ops, size_t n_ops,
                             const sink_if *sink);

/* Collects the ops between node and its source: streaming ops bottom-up. */
static ko_pnode *split_chain(ko_pnode *node, ko_pnode **ops, size_t *n_ops)
{
    ko_pnode *tmp[64];
    size_t n = 0;
    while ((node->kind == PN_FILTER || node->kind == PN_PROJECT || ko_join_streams(node)) &&
           n < 64) {
        tmp[n++] = node;
        node = node->kids[0];
    }
    for (size_t i = 0; i < n; i++)
        ops[i] = tmp[n - 1 - i];
    *n_ops = n;
    return node;
}

/* Joins with a tail (join.c: FULL, build-side outer and mark joins): after
 * the pipeline, their remaining build rows go through the ops above them
 * into the sink, in one thread, bottom join first. */
static ko_status tail_push(void *ctx, const ko_batch *b)
{
    wlocal *l = ctx;
    return chain_run(l->w->q, &l->ch, 0, b, wl_push, l);
}

static ko_status run_tail(ko_qctx *q, ko_pnode **ops, size_t n_ops, size_t i, const sink_if *sink)
{
    worker_ctx w = {.q = q, .ops = ops + i + 1, .n_ops = n_ops - i - 1, .sink = sink};
    wlocal l = {&w, {0}, NULL, q};
    void *jl = ko_join_local_new(ops[i]);
    ko_status st = chain_init(&l.ch, w.ops, w.n_ops);
    l.sl = st == KO_OK ? sink->local_new(sink->g) : NULL;
    if (st != KO_OK || !l.sl || !jl)
        st = ko_err_set(q->err, KO_ERR_NOMEM, "out of memory");
    if (st == KO_OK)
        st = ko_join_tail(q, ops[i], jl, tail_push, &l);
    if (st == KO_OK)
        st = sink->combine(sink->g, l.sl);
    if (l.sl)
        sink->local_free(l.sl);
    chain_free(&l.ch);
    ko_join_local_free(jl);
    return st;
}

static ko_status run_into(ko_qctx *q, ko_pnode *node, const sink_if *sink)
{
    ko_pnode *ops[64];
    size_t n_ops = 0;
    ko_pnode *src = split_chain(node, ops, &n_ops);
    ko_status st = KO_OK;
    for (size_t i = 0; i < n_ops && st == KO_OK; i++) /* hash join builds */
        if (ops[i]->kind == PN_JOIN)
            st = ko_join_build(q, ops[i]);
    if (st == KO_OK)
        st = exec_source(q, src, ops, n_ops, sink);
    for (size_t i = 0; i < n_ops && st == KO_OK; i++)
        if (ops[i]->kind == PN_JOIN && ko_join_has_tail(ops[i]))
            st = run_tail(q, ops, n_ops, i, sink);
    for (size_t i = n_ops; i-- > 0;) /* reverse: dynamic filters nest */
        if (ops[i]->kind == PN_JOIN)
            ko_join_release(q, ops[i]);
    return st;
}

/* --- collect sink */

typedef struct collect_g {
    ko_qctx *q;
    ko_rowset *rs;
    int64_t limit; /* stop after this many rows (-1: all) */
    _Atomic bool *stop;
    const ko_pnode *topn; /* a SORT with a limit: each worker keeps its top rows only */
} collect_g;

typedef struct collect_l {
    collect_g *g;
    ko_rowset rs;
} collect_l;

static void *collect_new(void *g)
{
    collect_g *cg = g;
    collect_l *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->g = cg;
    l->rs.n_cols = cg->rs->n_cols;
    l->rs.types = cg->rs->types;
    return l;
}

static ko_status collect_push(void *local, const ko_batch *b)
{
    collect_l *l = local;
    ko_status st = ko_rowset_append(&l->rs, b, l->g->q->err);
    if (st == KO_OK && l->g->limit >= 0 && (int64_t)l->rs.rows >= l->g->limit && l->g->stop)
        *l->g->stop = true;
    const ko_pnode *t = l->g->topn;
    /* top-N: the top rows of a part are all the whole can take from it */
    if (st == KO_OK && t && l->rs.rows >= TOPN_PRUNE && l->rs.rows >= 4 * (uint64_t)t->limit)
        st = ko_sort_rowset(l->g->q, &l->rs, t->keys, t->n_keys, t->limit);
    return st;
}

static ko_status collect_combine(void *g, void *local)
{
    collect_g *cg = g;
    collect_l *l = local;
    for (size_t i = 0; i < l->rs.n; i++) {
        ko_status st = ko_rowset_add(cg->rs, l->rs.batches[i].cols, l->rs.batches[i].n, cg->q->err);
        if (st != KO_OK)
            return st;
        free(l->rs.batches[i].cols);
    }
    free(l->rs.batches);
    memset(&l->rs, 0, sizeof l->rs);
    return KO_OK;
}

static void collect_free(void *local)
{
    collect_l *l = local;
    ko_rowset_free(&l->rs);
    free(l);
}

/* --- aggregate sink */

typedef struct agg_g {
    ko_qctx *q;
    ko_pnode *node;
    ko_agg_table *global;
} agg_g;

/* A worker's table; combine hands it over (to the global table or a
 * merge that frees it), local_free frees it when a failed query never
 * combined it. */
typedef struct agg_l {
    ko_agg_table *t;
} agg_l;

static void *agg_local_new(void *g)
{
    agg_l *l = calloc(1, sizeof *l);
    if (l && !(l->t = ko_agg_new(((agg_g *)g)->node))) {
        free(l);
        l = NULL;
    }
    return l;
}

static ko_status agg_local_push(void *local, const ko_batch *b)
{
    agg_l *l = local;
    return ko_agg_push(tls_q, l->t, b);
}

static ko_status agg_combine(void *g, void *local)
{
    agg_g *ag = g;
    agg_l *l = local;
    ko_agg_table *t = l->t;
    l->t = NULL; /* merged (ko_agg_merge frees it) or kept as the global table */
    if (!ag->global) {
        ag->global = t;
        return KO_OK;
    }
    return ko_agg_merge(ag->q, ag->global, t);
}

static void agg_local_free(void *local)
{
    agg_l *l = local;
    if (l)
        ko_agg_free(l->t);
    free(l);
}

/* --- user sink */

typedef struct user_g {
    ko_qctx *q;
    ko_batch_sink fn;
    void *ctx;
    int64_t limit, offset; /* LIMIT without ORDER BY pushed here (-1: none) */
    int64_t seen;
    _Atomic bool *stop;
} user_g;

static void *user_new(void *g)
{
    return g;
}

static ko_status user_push(void *local, const ko_batch *b)
{
    user_g *u = local;
    ko_qctx *q = u->q;
    pthread_mutex_lock(&q->lock);
    ko_status st = KO_OK;
    size_t live = ko_batch_live(b);
    if (u->limit < 0 && u->offset <= 0) {
        st = u->fn ? u->fn(u->ctx, b, q->err) : KO_OK;
    } else {
        uint32_t sel[KO_SQL_BATCH];
        size_t m = 0;
        for (size_t k = 0; k < live; k++, u->seen++) {
            if (u->seen < u->offset)
                continue;
            if (u->limit >= 0 && u->seen >= u->offset + u->limit)
                break;
            sel[m++] = (uint32_t)ko_batch_row(b, k);
        }
        ko_batch nb = *b;
        nb.sel = sel;
        nb.n_sel = m;
        if (m && u->fn)
            st = u->fn(u->ctx, &nb, q->err);
        if (u->limit >= 0 && u->seen >= u->offset + u->limit && u->stop)
            *u->stop = true;
    }
    pthread_mutex_unlock(&q->lock);
    return st;
}

static ko_status user_combine(void *g, void *local)
{
    (void)g;
    (void)local;
    return KO_OK;
}

static void user_free(void *local)
{
    (void)local;
}

/* ------------------------------------------------------- sources */

static ko_status run_rowset(ko_qctx *q, const ko_rowset *rs, ko_pnode **ops, size_t n_ops,
                            const sink_if *sink)
{
    worker_ctx w = {.q = q, .ops = ops, .n_ops = n_ops, .sink = sink};
    wlocal l = {&w, {0}, NULL, q};
    ko_status st = chain_init(&l.ch, ops, n_ops);
    l.sl = st == KO_OK ? sink->local_new(sink->g) : NULL;
    if (st != KO_OK || !l.sl)
        st = ko_err_set(q->err, KO_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < rs->n && st == KO_OK; i++) {
        const ko_batch *b = &rs->batches[i];
        for (size_t off = 0; off < b->n && st == KO_OK; off += KO_SQL_BATCH) {
            /* rowset batches may exceed KO_SQL_BATCH: slice them */
            ko_batch s = *b;
            uint32_t sel[KO_SQL_BATCH];
            size_t n = min_size(b->n - off, KO_SQL_BATCH);
            if (off == 0 && b->n <= KO_SQL_BATCH) {
                st = wl_batch(&l, &s);
                break;
            }
            for (size_t k = 0; k < n; k++)
                sel[k] = (uint32_t)(off + k);
            s.sel = sel;
            s.n_sel = n;
            st = wl_batch(&l, &s);
        }
    }
    if (st == KO_OK && l.sl)
        st = sink->combine(sink->g, l.sl);
    if (l.sl)
        sink->local_free(l.sl);
    chain_free(&l.ch);
    return st;
}

static ko_status run_scan(ko_qctx *q, ko_pnode *src, ko_pnode **ops, size_t n_ops,
                          const sink_if *sink, _Atomic bool *stop)
{
    ko_scan_run *r = NULL;
    int64_t t0 = ko_monotonic_us();
    ko_status st = ko_scan_open(q, src->scan, &r);
    if (st != KO_OK)
        return st;
    worker_ctx w = {.q = q, .scan = r, .ops = ops, .n_ops = n_ops, .sink = sink};
    size_t nthreads = (size_t)(q->threads > 0 ? q->threads : 1);
    if (nthreads > ko_scan_morsels(r))
        nthreads = ko_scan_morsels(r) ? ko_scan_morsels(r) : 1;
    ko_pool *pool = NULL;
    if (nthreads > 1 && ko_pool_create((int)nthreads - 1, &pool, q->err) != KO_OK)
        pool = NULL;
    (void)stop;
    tls_q = q;
    ko_pool_for(pool, nthreads, worker, &w);
    ko_pool_destroy(pool);
    src->time_us += (uint64_t)(ko_monotonic_us() - t0);
    src->rows_out += q->rows_read;
    ko_scan_close(r);
    if (q->failed) {
        if (q->err != &q->first_err && q->first_err.status)
            *q->err = q->first_err;
        return q->err->status ? q->err->status : KO_ERR_INTERNAL;
    }
    return KO_OK;
}

static ko_status materialise(ko_qctx *q, ko_pnode *node, ko_rowset *out);

static ko_status exec_source(ko_qctx *q, ko_pnode *src, ko_pnode **ops, size_t n_ops,
                             const sink_if *sink)
{
    if (src->kind == PN_SCAN)
        return run_scan(q, src, ops, n_ops, sink, NULL);
    ko_rowset rs = {0};
    rs.n_cols = src->n_cols;
    rs.types = src->types;
    ko_status st = materialise(q, src, &rs);
    if (st == KO_OK)
        st = run_rowset(q, &rs, ops, n_ops, sink);
    ko_rowset_free(&rs);
    return st;
}

/* ------------------------------------------------------- breakers */

static ko_status collect_into(ko_qctx *q, ko_pnode *child, ko_rowset *out, int64_t limit)
{
    _Atomic bool stop = false;
    collect_g g = {q, out, limit, &stop, NULL};
    sink_if s = {collect_new, collect_push, collect_combine, collect_free, &g};
    out->n_cols = child->n_cols;
    out->types = child->types;
    return run_into(q, child, &s);
}

/* The input of a SORT; with a limit (top-N), rows that cannot make the top
 * are dropped as they come (the sort then runs over the survivors). */
static ko_status collect_sorted(ko_qctx *q, ko_pnode *node, ko_rowset *out)
{
    if (node->limit < 0)
        return collect_into(q, node->kids[0], out, -1);
    _Atomic bool stop = false;
    collect_g g = {q, out, -1, &stop, node};
    sink_if s = {collect_new, collect_push, collect_combine, collect_free, &g};
    out->n_cols = node->kids[0]->n_cols;
    out->types = node->kids[0]->types;
    return run_into(q, node->kids[0], &s);
}

static ko_status mat_agg(ko_qctx *q, ko_pnode *node, ko_rowset *out)
{
    agg_g g = {q, node, NULL};
    sink_if s = {agg_local_new, agg_local_push, agg_combine, agg_local_free, &g};
    int saved = q->threads;
    if (!ko_agg_parallel_ok(node))
        q->threads = 1; /* DISTINCT sets that do not merge */
    tls_q = q;
    ko_status st = run_into(q, node->kids[0], &s);
    q->threads = saved;
    if (st == KO_OK && !g.global)
        g.global = ko_agg_new(node);
    if (st == KO_OK && !g.global)
        st = ko_err_set(q->err, KO_ERR_NOMEM, "out of memory in hash aggregate");
    if (st == KO_OK)
        st = ko_agg_finish(q, g.global, out);
    ko_agg_free(g.global);
    return st;
}

static ko_status mat_values(ko_qctx *q, ko_pnode *node, ko_rowset *out)
{
    ko_vec **cols = calloc(node->n_cols ? node->n_cols : 1, sizeof(ko_vec *));
    if (!cols)
        return ko_err_set(q->err, KO_ERR_NOMEM, "out of memory");
    ko_status st = KO_OK;
    for (size_t c = 0; c < node->n_cols && st == KO_OK; c++) {
        cols[c] = ko_vec_new(&node->types[c]);
        if (!cols[c] || ko_vec_reserve(cols[c], node->n_rows ? node->n_rows : 1) != KO_OK)
            st = ko_err_set(q->err, KO_ERR_NOMEM, "out of memory");
    }
    for (size_t r = 0; r < node->n_rows && st == KO_OK; r++)
        for (size_t c = 0; c < node->n_cols && st == KO_OK; c++) {
            ko_estate *es = NULL;
            ko_vec *v = NULL;
            st = ko_estate_new(node->exprs[r * node->n_cols + c], &es) == KO_OK
                     ? ko_eval(q, es, NULL, NULL, 1, &v)
                     : ko_err_set(q->err, KO_ERR_NOMEM, "out of memory");
            if (st == KO_OK && ko_vec_copy_row(cols[c], r, v, 0) != KO_OK)
                st = ko_err_set(q->err, KO_ERR_NOMEM, "out of memory");
            ko_estate_free(es);
        }
    if (st == KO_OK && node->n_rows)
        return ko_rowset_add(out, cols, node->n_rows, q->err) == KO_OK ? (free(cols), KO_OK)
                                                                       : KO_ERR_NOMEM;
    for (size_t c = 0; c < node->n_cols; c++)
        ko_vec_free(cols[c]);
    free(cols);
    return st;
}

static ko_status mat_limit(ko_qctx *q, ko_pnode *node, ko_rowset *out)
{
    ko_rowset in = {0};
    int64_t want = node->limit >= 0 ? node->offset + node->limit : -1;
    ko_status st = collect_into(q, node->kids[0], &in, want);
    int64_t seen = 0;
    for (size_t i = 0; i < in.n && st == KO_OK; i++) {
        ko_batch *b = &in.batches[i];
        uint32_t *sel = malloc((b->n ? b->n : 1) * sizeof *sel);
        if (!sel)
            return ko_err_set(q->err, KO_ERR_NOMEM, "out of memory");
        size_t m = 0;
        for (size_t k = 0; k < b->n; k++, seen++)
            if (seen >= node->offset && (node->limit < 0 || seen < node->offset + node->limit))
                sel[m++] = (uint32_t)k;
        ko_batch nb = *b;
        nb.sel = sel;
        nb.n_sel = m;
        st = ko_rowset_append(out, &nb, q->err);
        free(sel);
    }
    ko_rowset_free(&in);
    return st;
}

static ko_status mat_union(ko_qctx *q, ko_pnode *node, ko_rowset *out)
{
    ko_status st = KO_OK;
    for (size_t k = 0; k < node->n_kids && st == KO_OK; k++) {
        ko_rowset part = {0};
        st = collect_into(q, node->kids[k], &part, -1);
        for (size_t i = 0; i < part.n && st == KO_OK; i++) {
            st = ko_rowset_add(out, part.batches[i].cols, part.batches[i].n, q->err);
            if (st == KO_OK)
                free(part.batches[i].cols);
            part.batches[i].n_cols = 0;
        }
        for (size_t i = 0; i < part.n; i++)
            if (part.batches[i].n_cols == 0)
                part.batches[i].cols = NULL;
        part.n = st == KO_OK ? 0 : part.n;
        ko_rowset_free(&part);
    }
    return st;
}

static ko_status materialise(ko_qctx *q, ko_pnode *node, ko_rowset *out)
{
    out->n_cols = node->n_cols;
    out->types = node->types;
    int64_t t0 = ko_monotonic_us();
    ko_status st;
    switch (node->kind) {
    case PN_AGG:
        st = mat_agg(q, node, out);
        break;
    case PN_SORT:
        st = collect_sorted(q, node, out);
        out->n_cols = node->n_cols;
        out->types = node->types;
        if (st == KO_OK)
            st = ko_sort_rowset(q, out, node->keys, node->n_keys, node->limit);
        break;
    case PN_LIMIT:
        st = mat_limit(q, node, out);
        break;
    case PN_UNION:
        st = mat_union(q, node, out);
        break;
    case PN_WINDOW: /* window.c */
        st = ko_window_materialise(q, node, out);
        break;
    case PN_VALUES:
        st = mat_values(q, node, out);
        break;
    case PN_EMPTY: {
        ko_vec **cols = calloc(1, sizeof(ko_vec *));
        st = cols ? ko_rowset_add(out, cols, 1, q->err) : KO_ERR_NOMEM;
        free(cols);
        break;
    }
    case PN_META:
        for (size_t i = 0; i < node->n_row_batches; i++) {
            st = ko_rowset_append(out, &node->rows[i], q->err);
            if (st != KO_OK)
                return st;
        }
        st = KO_OK;
        break;
    default: {
        st = collect_into(q, node, out, -1);
        break;
    }
    }
    if (node->kind != PN_SCAN && node->kind != PN_FILTER && node->kind != PN_PROJECT) {
        node->time_us += (uint64_t)(ko_monotonic_us() - t0);
        node->rows_out += out->rows;
    }
    return st;
}

ko_status ko_exec_collect(ko_qctx *q, ko_pnode *root, ko_rowset *out)
{
    return materialise(q, root, out);
}

ko_status ko_exec_plan(ko_qctx *q, ko_pnode *root, ko_batch_sink sink, void *ctx)
{
    _Atomic bool stop = false;
    user_g u = {q, sink, ctx, -1, 0, 0, &stop};
    ko_pnode *node = root;
    /* LIMIT directly over a streaming pipeline: push it into the sink */
    if (node->kind == PN_LIMIT) {
        ko_pnode *ops[64];
        size_t n_ops = 0;
        ko_pnode *src = split_chain(node->kids[0], ops, &n_ops);
        if (src->kind == PN_SCAN) {
            u.limit = node->limit;
            u.offset = node->offset;
            node = node->kids[0];
        }
    }
    sink_if s = {user_new, user_push, user_combine, user_free, &u};
    tls_q = q;
    return run_into(q, node, &s);
}
