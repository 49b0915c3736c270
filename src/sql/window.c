/*
 * window.c - window functions (see window.h).
 *
 * The input is materialised; every row gets a number and its (batch, row)
 * address.  For each call the row numbers are sorted by (PARTITION BY,
 * ORDER BY, input order) - calls with the same window share the sort -
 * and the sorted sequence is walked partition by partition, with peer
 * groups (rows equal on ORDER BY) for RANK, DENSE_RANK, CUME_DIST and the
 * RANGE frames.  Frames follow DuckDB: without a frame clause, ORDER BY
 * means RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW (peers included)
 * and no ORDER BY means the whole partition; ROWS frames take constant
 * offsets.  Aggregates over frames keep a running state and only add (and
 * for COUNT / SUM / AVG also remove) the rows that enter (leave) the frame
 * from one row to the next, so running totals, whole-partition and sliding
 * frames are linear; MIN / MAX rescan a frame whose start moved.  Results
 * are written next to the input rows, in input order.
 */
#include "sql/window.h"

#include <stdlib.h>
#include <string.h>

void ko_window_uses(const ko_window_spec *w, bool *used)
{
    if (w->unnest)
        used[w->unnest_col] = true;
    for (size_t i = 0; i < w->n_calls; i++) {
        const ko_win_call *c = &w->calls[i];
        if (c->arg >= 0)
            used[c->arg] = true;
        if (c->def >= 0)
            used[c->def] = true;
        for (size_t k = 0; k < c->n_part; k++)
            used[c->part[k]] = true;
        for (size_t k = 0; k < c->n_order; k++)
            used[c->order[k].col] = true;
    }
}

void ko_window_remap(ko_window_spec *w, const int *map)
{
    if (w->unnest)
        w->unnest_col = map[w->unnest_col];
    for (size_t i = 0; i < w->n_calls; i++) {
        ko_win_call *c = &w->calls[i];
        if (c->arg >= 0)
            c->arg = map[c->arg];
        if (c->def >= 0)
            c->def = map[c->def];
        for (size_t k = 0; k < c->n_part; k++)
            c->part[k] = map[c->part[k]];
        for (size_t k = 0; k < c->n_order; k++)
            c->order[k].col = map[c->order[k].col];
    }
}

/* ------------------------------------------------------------ rows */

typedef struct wrun {
    ko_qctx *q;
    ko_rowset in;
    size_t n;
    uint32_t *rb, *rr; /* row -> batch, row */
    uint32_t *idx;     /* sorted row numbers */
    const ko_win_call *c;
    size_t mem; /* accounted */
} wrun;

static const ko_vec *colv(const wrun *w, uint32_t r, int col)
{
    return w->in.batches[w->rb[r]].cols[col];
}

static int cmp_key(const wrun *w, uint32_t a, uint32_t b, int col)
{
    const ko_vec *x = colv(w, a, col), *y = colv(w, b, col);
    bool vx = ko_vec_valid(x, w->rr[a]), vy = ko_vec_valid(y, w->rr[b]);
    if (!vx || !vy)
        return vx == vy ? 0 : vx ? -1 : 1; /* NULL last */
    return ko_vec_cmp(x, w->rr[a], y, w->rr[b]);
}

static bool same_part(const wrun *w, uint32_t a, uint32_t b)
{
    for (size_t k = 0; k < w->c->n_part; k++)
        if (cmp_key(w, a, b, w->c->part[k]) != 0)
            return false;
    return true;
}

static bool same_peer(const wrun *w, uint32_t a, uint32_t b)
{
    for (size_t k = 0; k < w->c->n_order; k++)
        if (cmp_key(w, a, b, w->c->order[k].col) != 0)
            return false;
    return true;
}

static _Thread_local const wrun *sort_w;

static int order_cmp(const wrun *w, uint32_t a, uint32_t b)
{
    const ko_win_call *c = w->c;
    for (size_t k = 0; k < c->n_part; k++) {
        int r = cmp_key(w, a, b, c->part[k]);
        if (r)
            return r;
    }
    for (size_t k = 0; k < c->n_order; k++) {
        const ko_sort_key *sk = &c->order[k];
        const ko_vec *x = colv(w, a, sk->col), *y = colv(w, b, sk->col);
        bool vx = ko_vec_valid(x, w->rr[a]), vy = ko_vec_valid(y, w->rr[b]);
        int r;
        if (!vx || !vy)
            r = vx == vy ? 0 : (vx ? -1 : 1) * (sk->nulls_first ? -1 : 1);
        else
            r = ko_vec_cmp(x, w->rr[a], y, w->rr[b]) * (sk->desc ? -1 : 1);
        if (r)
            return r;
    }
    return a < b ? -1 : a > b;
}

static int qcmp(const void *x, const void *y)
{
    return order_cmp(sort_w, *(const uint32_t *)x, *(const uint32_t *)y);
}

static bool same_window(const ko_win_call *a, const ko_win_call *b)
{
    if (a->n_part != b->n_part || a->n_order != b->n_order)
        return false;
    for (size_t k = 0; k < a->n_part; k++)
        if (a->part[k] != b->part[k])
            return false;
    for (size_t k = 0; k < a->n_order; k++)
        if (a->order[k].col != b->order[k].col || a->order[k].desc != b->order[k].desc ||
            a->order[k].nulls_first != b->order[k].nulls_first)
            return false;
    return true;
}

/* ------------------------------------------------------------ output */

typedef struct wout {
    ko_vec **v; /* per batch */
} wout;

static void put_i64(const wout *o, const wrun *w, uint32_t r, int64_t x)
{
    KO_VEC_DATA(o->v[w->rb[r]], int64_t)[w->rr[r]] = x;
}

static void put_f64(const wout *o, const wrun *w, uint32_t r, double x)
{
    KO_VEC_DATA(o->v[w->rb[r]], double)[w->rr[r]] = x;
}

static void put_null(const wout *o, const wrun *w, uint32_t r)
{
    ko_vec *v = o->v[w->rb[r]];
    size_t sz = ko_sql_phys_size(ko_sql_dtype_phys(&v->type));
    if (ko_sql_dtype_phys(&v->type) == KO_PHYS_LIST || v->type.id == KO_SQL_DT_STRUCT) {
        (void)ko_vec_set_null(v, w->rr[r]);
        return;
    }
    ko_vec_set_null_fast(v, w->rr[r]);
    memset(v->data + w->rr[r] * sz, 0, sz);
}

/* The value of column col at row src into row r (NULL stays NULL). */
static ko_status put_copy(const wout *o, const wrun *w, uint32_t r, uint32_t src, int col)
{
    return ko_vec_copy_row(o->v[w->rb[r]], w->rr[r], colv(w, src, col), w->rr[src]);
}

/* ------------------------------------------------------------ ranking */

typedef struct part {
    size_t ps, pe; /* [ps, pe) of idx */
} part;

static size_t peer_end(const wrun *w, size_t i, size_t pe)
{
    size_t e = i + 1;
    while (e < pe && same_peer(w, w->idx[i], w->idx[e]))
        e++;
    return e;
}

static void ntile(const wout *o, const wrun *w, const part *p)
{
    int64_t n = (int64_t)(p->pe - p->ps), k = w->c->offset > 0 ? w->c->offset : 1;
    int64_t small = n / k, large = small + 1, num_large = n % k;
    for (int64_t i = 0; i < n; i++) {
        int64_t bucket;
        if (i < num_large * large)
            bucket = i / large + 1;
        else
            bucket = (i - num_large * large) / (small ? small : 1) + num_large + 1;
        put_i64(o, w, w->idx[p->ps + (size_t)i], bucket);
    }
}

static void ranks(const wout *o, const wrun *w, const part *p)
{
    size_t n = p->pe - p->ps;
    int64_t dense = 0;
    for (size_t i = p->ps; i < p->pe;) {
        size_t e = peer_end(w, i, p->pe);
        dense++;
        for (size_t k = i; k < e; k++) {
            uint32_t r = w->idx[k];
            int64_t rank = (int64_t)(i - p->ps) + 1;
            switch (w->c->fn) {
            case WIN_RANK:
                put_i64(o, w, r, rank);
                break;
            case WIN_DENSE_RANK:
                put_i64(o, w, r, dense);
                break;
            case WIN_PERCENT_RANK:
                put_f64(o, w, r, n > 1 ? (double)(rank - 1) / (double)(n - 1) : 0.0);
                break;
            default: /* CUME_DIST */
                put_f64(o, w, r, (double)(e - p->ps) / (double)n);
                break;
            }
        }
        i = e;
    }
}

static ko_status lag_lead(const wout *o, const wrun *w, const part *p)
{
    const ko_win_call *c = w->c;
    ko_status st = KO_OK;
    for (size_t i = p->ps; i < p->pe && st == KO_OK; i++) {
        int64_t off = c->fn == WIN_LAG ? -c->offset : c->offset;
        int64_t t = (int64_t)i + off;
        uint32_t r = w->idx[i];
        if (t >= (int64_t)p->ps && t < (int64_t)p->pe)
            st = put_copy(o, w, r, w->idx[t], c->arg);
        else if (c->def >= 0)
            st = put_copy(o, w, r, r, c->def);
        else
            put_null(o, w, r);
    }
    return st;
}

/* ------------------------------------------------------------ frames */

/* The frame of position i: [*s, *e] (inclusive; *s > *e: empty). */
static void frame_of(const wrun *w, const part *p, size_t i, size_t qs, size_t qe, int64_t *s,
                     int64_t *e)
{
    const ko_win_call *c = w->c;
    int64_t ps = (int64_t)p->ps, pe = (int64_t)p->pe - 1, x = (int64_t)i;
    if (c->frame == WIN_FRAME_DEFAULT) {
        *s = ps;
        *e = c->n_order ? (int64_t)qe - 1 : pe;
        return;
    }
    bool range = c->frame == WIN_FRAME_RANGE;
    switch (c->start_kind) {
    case KO_SQL_BOUND_UNBOUNDED_PRECEDING:
        *s = ps;
        break;
    case KO_SQL_BOUND_PRECEDING:
        *s = x - c->start_off;
        break;
    case KO_SQL_BOUND_CURRENT_ROW:
        *s = range ? (int64_t)qs : x;
        break;
    case KO_SQL_BOUND_FOLLOWING:
        *s = x + c->start_off;
        break;
    default:
        *s = pe + 1;
        break;
    }
    switch (c->end_kind) {
    case KO_SQL_BOUND_UNBOUNDED_FOLLOWING:
        *e = pe;
        break;
    case KO_SQL_BOUND_FOLLOWING:
        *e = x + c->end_off;
        break;
    case KO_SQL_BOUND_CURRENT_ROW:
        *e = range ? (int64_t)qe - 1 : x;
        break;
    case KO_SQL_BOUND_PRECEDING:
        *e = x - c->end_off;
        break;
    default:
        *e = ps - 1;
        break;
    }
    if (*s < ps)
        *s = ps;
    if (*e > pe)
        *e = pe;
}

typedef struct acc {
    int64_t cnt; /* rows (COUNT(*)) or non-NULL values */
    ko_i128 isum;
    double dsum;
    bool has_best;
    uint32_t best;
} acc;

static ko_i128 as_i128(const ko_vec *v, size_t row)
{
    size_t i = ko_vec_idx(v, row);
    switch (ko_sql_dtype_phys(&v->type)) {
    case KO_PHYS_U8:
        return v->data[i];
    case KO_PHYS_I8:
        return KO_VEC_DATA(v, int8_t)[i];
    case KO_PHYS_I16:
        return KO_VEC_DATA(v, int16_t)[i];
    case KO_PHYS_I32:
        return KO_VEC_DATA(v, int32_t)[i];
    case KO_PHYS_I64:
        return KO_VEC_DATA(v, int64_t)[i];
    case KO_PHYS_I128:
        return KO_VEC_DATA(v, ko_i128)[i];
    default:
        return 0;
    }
}

static double as_f64(const ko_vec *v, size_t row)
{
    size_t i = ko_vec_idx(v, row);
    if (ko_sql_dtype_phys(&v->type) == KO_PHYS_F32)
        return KO_VEC_DATA(v, float)[i];
    if (ko_sql_dtype_phys(&v->type) == KO_PHYS_F64)
        return KO_VEC_DATA(v, double)[i];
    ko_i128 x = as_i128(v, row);
    double d = (double)x;
    if (v->type.id == KO_SQL_DT_DECIMAL)
        d /= (double)ko_sql_pow10(v->type.scale);
    return d;
}

static bool is_float_type(const ko_sql_dtype *t)
{
    return t->id == KO_SQL_DT_FLOAT || t->id == KO_SQL_DT_DOUBLE;
}

/* Adds (sign 1) or removes (-1) row r; MIN / MAX only add. */
static void acc_step(acc *a, const wrun *w, uint32_t r, int sign)
{
    const ko_win_call *c = w->c;
    if (c->agg == AGG_COUNT_STAR) {
        a->cnt += sign;
        return;
    }
    const ko_vec *v = colv(w, r, c->arg);
    if (!ko_vec_valid(v, w->rr[r]))
        return;
    a->cnt += sign;
    if (c->agg == AGG_MIN || c->agg == AGG_MAX) {
        int cmp = a->has_best ? cmp_key(w, r, a->best, c->arg) : 0;
        if (!a->has_best || (c->agg == AGG_MIN ? cmp < 0 : cmp > 0))
            a->best = r;
        a->has_best = true;
        return;
    }
    if (is_float_type(&v->type) || c->agg == AGG_AVG)
        a->dsum += sign * as_f64(v, w->rr[r]);
    if (!is_float_type(&v->type))
        a->isum += sign * as_i128(v, w->rr[r]);
}

static ko_status acc_out(const wout *o, const wrun *w, uint32_t r, const acc *a)
{
    const ko_win_call *c = w->c;
    switch (c->agg) {
    case AGG_COUNT_STAR:
    case AGG_COUNT:
        put_i64(o, w, r, a->cnt);
        return KO_OK;
    case AGG_MIN:
    case AGG_MAX:
        if (!a->has_best) {
            put_null(o, w, r);
            return KO_OK;
        }
        return put_copy(o, w, r, a->best, c->arg);
    default:
        break;
    }
    if (!a->cnt) {
        put_null(o, w, r);
        return KO_OK;
    }
    ko_vec *v = o->v[w->rb[r]];
    if (c->agg == AGG_AVG) {
        double d;
        if (is_float_type(&c->in_type))
            d = a->dsum / (double)a->cnt;
        else if (c->in_type.id == KO_SQL_DT_DECIMAL)
            d = (double)a->isum / (double)ko_sql_pow10(c->in_type.scale) / (double)a->cnt;
        else
            d = (double)a->isum / (double)a->cnt;
        put_f64(o, w, r, d);
    } else if (ko_sql_dtype_phys(&v->type) == KO_PHYS_F64) {
        put_f64(o, w, r, a->dsum);
    } else {
        KO_VEC_DATA(v, ko_i128)[w->rr[r]] = a->isum;
    }
    return KO_OK;
}

static bool removable(const ko_win_call *c)
{
    return c->agg != AGG_MIN && c->agg != AGG_MAX;
}

/* FIRST_VALUE / LAST_VALUE / NTH_VALUE of a frame. */
static ko_status value_of(const wout *o, const wrun *w, uint32_t r, int64_t s, int64_t e)
{
    const ko_win_call *c = w->c;
    int64_t t = c->fn == WIN_FIRST_VALUE ? s : c->fn == WIN_LAST_VALUE ? e : s + c->offset - 1;
    if (s > e || t > e || t < s) {
        put_null(o, w, r);
        return KO_OK;
    }
    return put_copy(o, w, r, w->idx[t], c->arg);
}

static ko_status frames(const wout *o, const wrun *w, const part *p)
{
    const ko_win_call *c = w->c;
    acc a = {0};
    int64_t cs = 0, ce = -1; /* the accumulated frame */
    ko_status st = KO_OK;
    for (size_t i = p->ps; i < p->pe && st == KO_OK;) {
        size_t qe = peer_end(w, i, p->pe), qs = i;
        for (size_t k = i; k < qe && st == KO_OK; k++) {
            int64_t s, e;
            uint32_t r = w->idx[k];
            frame_of(w, p, k, qs, qe, &s, &e);
            if (c->fn != WIN_AGG) {
                st = value_of(o, w, r, s, e);
                continue;
            }
            bool reuse = ce >= cs && s <= e && e >= ce &&
                         (s == cs || (s > cs && s <= ce + 1 && removable(c)));
            if (!reuse) {
                memset(&a, 0, sizeof a);
                cs = s;
                ce = s - 1;
            }
            for (int64_t x = cs; x < s; x++)
                acc_step(&a, w, w->idx[x], -1);
            cs = s > cs ? s : cs;
            for (int64_t x = ce + 1; x <= e; x++)
                acc_step(&a, w, w->idx[x], 1);
            ce = e > ce ? e : ce;
            if (s > e) {
                acc empty = {0};
                st = acc_out(o, w, r, &empty);
                cs = 0;
                ce = -1;
            } else {
                st = acc_out(o, w, r, &a);
            }
        }
        i = qe;
    }
    return st;
}

/* ------------------------------------------------------------ driver */

static ko_status run_part(const wout *o, const wrun *w, const part *p)
{
    switch (w->c->fn) {
    case WIN_ROW_NUMBER:
        for (size_t i = p->ps; i < p->pe; i++)
            put_i64(o, w, w->idx[i], (int64_t)(i - p->ps) + 1);
        return KO_OK;
    case WIN_RANK:
    case WIN_DENSE_RANK:
    case WIN_PERCENT_RANK:
    case WIN_CUME_DIST:
        ranks(o, w, p);
        return KO_OK;
    case WIN_NTILE:
        ntile(o, w, p);
        return KO_OK;
    case WIN_LAG:
    case WIN_LEAD:
        return lag_lead(o, w, p);
    default:
        return frames(o, w, p);
    }
}

static ko_status run_call(wrun *w, const wout *o, bool sorted)
{
    if (!sorted) {
        for (size_t i = 0; i < w->n; i++)
            w->idx[i] = (uint32_t)i;
        sort_w = w;
        if (w->n > 1)
            qsort(w->idx, w->n, sizeof *w->idx, qcmp);
    }
    ko_status st = KO_OK;
    for (size_t ps = 0; ps < w->n && st == KO_OK;) {
        size_t pe = ps + 1;
        while (pe < w->n && same_part(w, w->idx[ps], w->idx[pe]))
            pe++;
        part p = {ps, pe};
        st = run_part(o, w, &p);
        if (st == KO_OK)
            st = ko_qctx_check(w->q);
        ps = pe;
    }
    return st;
}

static ko_status alloc_out(wrun *w, const ko_win_call *c, wout *o)
{
    o->v = calloc(w->in.n + 1, sizeof(ko_vec *));
    if (!o->v)
        return KO_ERR_NOMEM;
    for (size_t b = 0; b < w->in.n; b++) {
        size_t n = w->in.batches[b].n ? w->in.batches[b].n : 1;
        o->v[b] = ko_vec_new(&c->type);
        if (!o->v[b] || ko_vec_reserve(o->v[b], n) != KO_OK ||
            ko_vec_validity_init(o->v[b], n) != KO_OK)
            return KO_ERR_NOMEM;
        memset(o->v[b]->data, 0, n * ko_sql_phys_size(ko_sql_dtype_phys(&c->type)));
    }
    return KO_OK;
}

static ko_status index_rows(wrun *w)
{
    w->n = (size_t)w->in.rows;
    size_t n = w->n ? w->n : 1;
    w->rb = malloc(n * sizeof *w->rb);
    w->rr = malloc(n * sizeof *w->rr);
    w->idx = malloc(n * sizeof *w->idx);
    if (!w->rb || !w->rr || !w->idx)
        return KO_ERR_NOMEM;
    size_t k = 0;
    for (size_t b = 0; b < w->in.n; b++)
        for (size_t r = 0; r < w->in.batches[b].n; r++, k++) {
            w->rb[k] = (uint32_t)b;
            w->rr[k] = (uint32_t)r;
        }
    return KO_OK;
}

/* The input batches with the result columns appended, into out. */
static ko_status emit(wrun *w, const ko_pnode *node, wout *outs, ko_rowset *out)
{
    const ko_window_spec *ws = node->window;
    size_t nin = w->in.n_cols;
    for (size_t b = 0; b < w->in.n; b++) {
        ko_batch *bt = &w->in.batches[b];
        ko_vec **cols = calloc(nin + ws->n_calls + 1, sizeof(ko_vec *));
        if (!cols)
            return KO_ERR_NOMEM;
        memcpy(cols, bt->cols, nin * sizeof(ko_vec *));
        for (size_t c = 0; c < ws->n_calls; c++) {
            cols[nin + c] = outs[c].v[b];
            outs[c].v[b] = NULL;
        }
        ko_status st = ko_rowset_add(out, cols, bt->n, w->q->err);
        free(cols);
        if (st != KO_OK)
            return st;
        free(bt->cols); /* the vectors now belong to out */
        bt->cols = NULL;
        bt->n_cols = 0;
    }
    return KO_OK;
}

static void wrun_free(wrun *w, wout *outs, size_t n_calls)
{
    for (size_t c = 0; outs && c < n_calls; c++) {
        for (size_t b = 0; outs[c].v && b < w->in.n; b++)
            ko_vec_free(outs[c].v[b]);
        free(outs[c].v);
    }
    free(outs);
    free(w->rb);
    free(w->rr);
    free(w->idx);
    ko_rowset_free(&w->in);
}

/* ------------------------------------------------------------ unnest */

typedef struct ubuf {
    ko_vec **cols;
    size_t n_cols, rows;
    const ko_sql_dtype *types;
} ubuf;

static ko_status ubuf_flush(ko_qctx *q, ubuf *u, ko_rowset *out)
{
    if (!u->rows)
        return KO_OK;
    ko_status st = ko_rowset_add(out, u->cols, u->rows, q->err);
    if (st != KO_OK)
        return st;
    memset(u->cols, 0, u->n_cols * sizeof(ko_vec *));
    u->rows = 0;
    return KO_OK;
}

static ko_status ubuf_row(ubuf *u, const ko_batch *b, size_t r, const ko_vec *child, size_t e)
{
    for (size_t c = 0; c < u->n_cols; c++) {
        if (!u->cols[c]) {
            u->cols[c] = ko_vec_new(&u->types[c]);
            if (!u->cols[c] || ko_vec_reserve(u->cols[c], KO_SQL_BATCH) != KO_OK)
                return KO_ERR_NOMEM;
        }
        const ko_vec *src = c + 1 < u->n_cols ? b->cols[c] : child;
        if (ko_vec_copy_row(u->cols[c], u->rows, src, c + 1 < u->n_cols ? r : e) != KO_OK)
            return KO_ERR_NOMEM;
    }
    u->rows++;
    return KO_OK;
}

static ko_status unnest_rows(ko_qctx *q, const ko_pnode *node, const ko_rowset *in, ko_rowset *out)
{
    ubuf u = {calloc(node->n_cols + 1, sizeof(ko_vec *)), node->n_cols, 0, node->types};
    ko_status st = u.cols ? KO_OK : KO_ERR_NOMEM;
    int lc = node->window->unnest_col;
    for (size_t i = 0; i < in->n && st == KO_OK; i++) {
        const ko_batch *b = &in->batches[i];
        const ko_vec *lv = b->cols[lc];
        for (size_t r = 0; r < b->n && st == KO_OK; r++) {
            if (!ko_vec_valid(lv, r))
                continue;
            ko_sql_list le = KO_VEC_DATA(lv, const ko_sql_list)[ko_vec_idx(lv, r)];
            for (uint64_t k = 0; k < le.length && st == KO_OK; k++) {
                st = ubuf_row(&u, b, r, lv->children[0], (size_t)(le.offset + k));
                if (st == KO_OK && u.rows == KO_SQL_BATCH)
                    st = ubuf_flush(q, &u, out);
            }
        }
    }
    if (st == KO_OK)
        st = ubuf_flush(q, &u, out);
    for (size_t c = 0; u.cols && c < u.n_cols; c++)
        ko_vec_free(u.cols[c]);
    free(u.cols);
    if (st == KO_ERR_NOMEM && !q->err->status)
        ko_err_set(q->err, KO_ERR_NOMEM, "out of memory in unnest");
    return st;
}

static ko_status unnest_materialise(ko_qctx *q, ko_pnode *node, ko_rowset *out)
{
    ko_rowset in = {0};
    out->n_cols = node->n_cols;
    out->types = node->types;
    ko_status st = ko_exec_collect(q, node->kids[0], &in);
    if (st == KO_OK)
        st = unnest_rows(q, node, &in, out);
    ko_rowset_free(&in);
    return st;
}

ko_status ko_window_materialise(ko_qctx *q, ko_pnode *node, ko_rowset *out)
{
    const ko_window_spec *ws = node->window;
    if (ws->unnest)
        return unnest_materialise(q, node, out);
    wrun w = {.q = q};
    wout *outs = calloc(ws->n_calls + 1, sizeof *outs);
    ko_status st = outs ? ko_exec_collect(q, node->kids[0], &w.in) : KO_ERR_NOMEM;
    if (st == KO_OK && w.in.rows >= UINT32_MAX)
        st = ko_err_set(q->err, KO_ERR_NOMEM, "window: more than 4 billion rows");
    if (st == KO_OK && index_rows(&w) != KO_OK)
        st = KO_ERR_NOMEM;
    if (st == KO_OK) {
        w.mem = w.n * 12;
        st = ko_qctx_mem(q, w.mem, "window functions");
    }
    for (size_t c = 0; c < ws->n_calls && st == KO_OK; c++) {
        w.c = &ws->calls[c];
        if (alloc_out(&w, w.c, &outs[c]) != KO_OK) {
            st = KO_ERR_NOMEM;
            break;
        }
        bool sorted = c > 0 && same_window(&ws->calls[c - 1], w.c);
        st = run_call(&w, &outs[c], sorted);
    }
    out->n_cols = node->n_cols;
    out->types = node->types;
    if (st == KO_OK)
        st = emit(&w, node, outs, out);
    if (st == KO_ERR_NOMEM && !q->err->status)
        ko_err_set(q->err, KO_ERR_NOMEM, "out of memory computing window functions");
    ko_qctx_mem_release(q, w.mem);
    wrun_free(&w, outs, ws->n_calls);
    return st;
}
