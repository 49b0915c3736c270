/*
 * sort.c - ORDER BY over a materialised rowset: multi-key comparison of
 * (batch, row) references, a full sort (qsort) or, with a LIMIT, a bounded
 * max-heap that keeps the best N rows (top-N) in O(n log N); the rowset is
 * then rebuilt in order.  NULLs sort as each key says (DuckDB's default
 * is NULLS LAST for ASC and DESC alike; the binder fills it in).
 */
#include "sql/engine.h"

#include <stdlib.h>
#include <string.h>

typedef struct rref {
    uint32_t b, r;
} rref;

typedef struct sctx {
    const ko_rowset *rs;
    const ko_sort_key *keys;
    size_t n_keys;
} sctx;

static int cmp_refs(const sctx *c, const rref *x, const rref *y)
{
    for (size_t k = 0; k < c->n_keys; k++) {
        const ko_sort_key *key = &c->keys[k];
        const ko_vec *a = c->rs->batches[x->b].cols[key->col];
        const ko_vec *b = c->rs->batches[y->b].cols[key->col];
        bool va = ko_vec_valid(a, x->r), vb = ko_vec_valid(b, y->r);
        int r;
        if (!va || !vb) {
            if (va == vb)
                continue;
            r = !va ? -1 : 1;
            if (!key->nulls_first)
                r = -r;
            return r;
        }
        r = ko_vec_cmp(a, x->r, b, y->r);
        if (r)
            return key->desc ? -r : r;
    }
    /* stable: by position */
    if (x->b != y->b)
        return x->b < y->b ? -1 : 1;
    return x->r < y->r ? -1 : x->r > y->r;
}

static int qcmp(const void *a, const void *b, void *c)
{
    return cmp_refs(c, a, b);
}

static void sift_down(const sctx *c, rref *h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && cmp_refs(c, &h[l], &h[m]) > 0)
            m = l;
        if (r < n && cmp_refs(c, &h[r], &h[m]) > 0)
            m = r;
        if (m == i)
            return;
        rref t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

static void sift_up(const sctx *c, rref *h, size_t i)
{
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (cmp_refs(c, &h[i], &h[p]) <= 0)
            return;
        rref t = h[i];
        h[i] = h[p];
        h[p] = t;
        i = p;
    }
}

static ko_status rebuild(ko_qctx *q, ko_rowset *rs, const rref *refs, size_t n)
{
    ko_rowset out = {0};
    out.n_cols = rs->n_cols;
    out.types = rs->types;
    ko_status st = KO_OK;
    ko_vec **cols = calloc(rs->n_cols ? rs->n_cols : 1, sizeof(ko_vec *));
    if (!cols)
        return ko_err_set(q->err, KO_ERR_NOMEM, "out of memory in sort");
    for (size_t off = 0; off < n && st == KO_OK; off += KO_SQL_BATCH) {
        size_t m = n - off < KO_SQL_BATCH ? n - off : KO_SQL_BATCH;
        for (size_t c = 0; c < rs->n_cols && st == KO_OK; c++) {
            cols[c] = ko_vec_new(&rs->types[c]);
            if (!cols[c] || ko_vec_reserve(cols[c], m) != KO_OK) {
                st = ko_err_set(q->err, KO_ERR_NOMEM, "out of memory in sort");
                break;
            }
            /* cppcheck-suppress knownConditionTrueFalse ; m >= 1 here (off < n) */
            for (size_t k = 0; k < m && st == KO_OK; k++) {
                const rref *r = &refs[off + k];
                if (ko_vec_copy_row(cols[c], k, rs->batches[r->b].cols[c], r->r) != KO_OK)
                    st = ko_err_set(q->err, KO_ERR_NOMEM, "out of memory in sort");
            }
        }
        if (st == KO_OK)
            st = ko_rowset_add(&out, cols, m, q->err);
        else
            for (size_t c = 0; c < rs->n_cols; c++)
                ko_vec_free(cols[c]);
        memset(cols, 0, rs->n_cols * sizeof(ko_vec *));
    }
    free(cols);
    if (st != KO_OK) {
        ko_rowset_free(&out);
        return st;
    }
    ko_rowset_free(rs);
    *rs = out;
    return KO_OK;
}

ko_status ko_sort_rowset(ko_qctx *q, ko_rowset *rs, const ko_sort_key *keys, size_t n_keys,
                         int64_t limit);
ko_status ko_sort_rowset(ko_qctx *q, ko_rowset *rs, const ko_sort_key *keys, size_t n_keys,
                         int64_t limit)
{
    sctx c = {rs, keys, n_keys};
    size_t total = (size_t)rs->rows;
    bool topn = limit >= 0 && (size_t)limit < total;
    size_t cap = topn ? (size_t)limit : total;
    rref *refs = malloc((cap ? cap : 1) * sizeof *refs);
    if (!refs)
        return ko_err_set(q->err, KO_ERR_NOMEM, "out of memory in sort");
    ko_status st = ko_qctx_mem(q, cap * sizeof *refs, "sort");
    size_t n = 0;
    for (size_t b = 0; b < rs->n && st == KO_OK && cap; b++)
        for (size_t r = 0; r < rs->batches[b].n; r++) {
            rref x = {(uint32_t)b, (uint32_t)r};
            if (n < cap) {
                refs[n++] = x;
                if (topn)
                    sift_up(&c, refs, n - 1);
            } else if (cmp_refs(&c, &x, &refs[0]) < 0) {
                refs[0] = x;
                sift_down(&c, refs, n, 0);
            }
        }
    if (st == KO_OK) {
        qsort_r(refs, n, sizeof *refs, qcmp, &c);
        st = rebuild(q, rs, refs, n);
    }
    free(refs);
    return st;
}
