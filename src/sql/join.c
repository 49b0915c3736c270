/*
 * join.c - hash joins and nested-loop joins (see join.h for the kinds).
 *
 * Build.  Before the pipeline of the probe side starts, the build input
 * (kids[1]) runs to completion into a rowset.  Its batches are then keyed
 * and threaded into a chained hash table in parallel (one batch at a time
 * per thread of the pool): heads[hash & mask] -> next[row], the heads
 * swapped with compare-and-swap, the full 64-bit hash kept per row (and
 * for a single integer key the key itself in a flat array, so a probe
 * costs no vector calls).  Rows with a NULL key are left out (they can
 * never match) unless the key is null-safe.  The table, the rows and the
 * key vectors are counted against the query's memory limit.  Rows are
 * linked in groups whose bucket heads are prefetched first (one thread
 * links with plain stores, several with compare-and-swap).
 *
 * Dynamic filters.  Once built, the table filters the probe side's table
 * scan before it opens (the probe key followed down the probe chain,
 * through other joins and an aggregate's group keys): `key BETWEEN min
 * AND max`, so Iceberg and Parquet prune files, row groups and pages, and
 * a semi-join filter that drops rows whose key cannot match - the set of
 * an integer key's values (a bitmap over a narrow range, else a small
 * open-addressing set) for a small build side, or membership of the keys'
 * hash in the table below an aggregate (a decorrelated subquery then
 * aggregates only the keys asked for).  Sideways, a set filter already on
 * a probe key's scan column also filters the build side's scan while it
 * is collected.  Filters are restored when the join is released.
 *
 * Probe.  Every worker has its own state (key and residual evaluators,
 * output vectors).  For each batch of the probe side it evaluates the keys,
 * hashes them and prefetches their buckets in groups (probe_keyed), walks
 * the chains and collects (probe row, build row) pairs.  A block of
 * pairs in which every probe row appears once (a foreign key meeting a
 * unique key) keeps the probe columns as they are, under a selection, and
 * gathers only the build columns; otherwise both sides are gathered
 * (fixed-width values copied, strings borrowed from the probe batch and
 * the build rowset, which both outlive the push).  The block is filtered
 * by the residual and pushed to the rest of the chain.  Outer and mark
 * joins track which probe rows of the batch found a partner and emit the
 * rest afterwards; joins that preserve the build side mark its rows
 * (relaxed atomic byte stores) and emit them in a tail pass once every
 * worker is done (ko_join_tail, run by exec.c).  The table itself is
 * read-only while probing, so workers share it without locks.  Output
 * columns nothing above reads (j->unused, from plan_prune.c) are not
 * gathered: they stay a constant NULL.
 */
#include "sql/join.h"

#include <stdlib.h>
#include <string.h>

enum { NO_ROW = UINT32_MAX };

struct ko_join_ht {
    ko_rowset rows;
    ko_vec ***keys; /* per build batch: key vectors (owned when computed) */
    bool *key_owned;
    uint32_t *rb, *rr; /* per build row: batch and row */
    uint64_t *hash;
    uint32_t *next, *heads;
    uint64_t mask;
    size_t n;          /* build rows */
    bool has_null_key; /* null_aware: some build row has a NULL key 0 */
    uint8_t *matched;  /* FULL: build rows that found a partner */
    size_t mem;
    /* one integer key: its values in a flat array (no vector calls) */
    bool ikey;
    bool int_keys; /* every key an integer on both sides */
    int64_t *kval;
    /* dynamic filter: the smallest and largest build key */
    bool has_range;
    uint32_t min_id, max_id;
    ko_bexpr *saved_filter; /* the probe scan's filter before it */
    ko_scan_spec *probe_scan;
    ko_vec *bounds[2];
    /* semi-join filter: the values of one integer key (open addressing) */
    int64_t *set_v;
    uint8_t *set_full;
    uint64_t set_mask;
    uint64_t *set_bits; /* or a bitmap over [set_lo, set_lo + set_span] */
    int64_t set_lo;
    uint64_t set_span;
};

bool ko_join_streams(const ko_pnode *node)
{
    return node->kind == PN_JOIN && node->join;
}

bool ko_join_has_tail(const ko_pnode *node)
{
    ko_join_kind k = node->join->kind;
    return k == KO_JOIN_FULL || k == KO_JOIN_BUILD_OUTER || k == KO_JOIN_BUILD_MARK;
}

static bool is_mark(ko_join_kind k)
{
    return k == KO_JOIN_MARK || k == KO_JOIN_BUILD_MARK;
}

/* ------------------------------------------------------------- hashing */

static uint64_t mix64(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}

/* Hash of the keys of one row; false when a key that must not be NULL is
 * NULL (the row can never match). */
static bool key_hash(ko_vec **keys, const bool *null_eq, size_t n_keys, size_t row, uint64_t *h)
{
    uint64_t x = 0x12345;
    for (size_t k = 0; k < n_keys; k++) {
        if (!keys[k] || (!ko_vec_valid(keys[k], row) && !null_eq[k]))
            return false;
        x = (x * 0x9E3779B97F4A7C15ULL) ^ ko_vec_hash(keys[k], row);
    }
    *h = mix64(x);
    return true;
}

static bool keys_equal(ko_vec **a, size_t ra, ko_vec **b, size_t rb, size_t n_keys)
{
    for (size_t k = 0; k < n_keys; k++) {
        bool va = ko_vec_valid(a[k], ra), vb = ko_vec_valid(b[k], rb);
        if (va != vb)
            return false;
        if (va && ko_vec_cmp(a[k], ra, b[k], rb) != 0)
            return false;
    }
    return true;
}

static int64_t ival(const ko_vec *v, size_t row);

/* keys_equal for keys that are all integers (ht->int_keys). */
static bool keys_equal_int(ko_vec **a, size_t ra, ko_vec **b, size_t rb, size_t n_keys)
{
    for (size_t k = 0; k < n_keys; k++) {
        bool va = ko_vec_valid(a[k], ra), vb = ko_vec_valid(b[k], rb);
        if (va != vb || (va && ival(a[k], ra) != ival(b[k], rb)))
            return false;
    }
    return true;
}

/* Whether a key type is read as int64 on the fast path. */
static bool int_phys(const ko_sql_dtype *t)
{
    ko_sql_phys p = ko_sql_dtype_phys(t);
    return p == KO_PHYS_I8 || p == KO_PHYS_I16 || p == KO_PHYS_I32 || p == KO_PHYS_I64;
}

static int64_t ival(const ko_vec *v, size_t row)
{
    size_t i = ko_vec_idx(v, row);
    switch (ko_sql_dtype_phys(&v->type)) {
    case KO_PHYS_I8:
        return KO_VEC_DATA(v, const int8_t)[i];
    case KO_PHYS_I16:
        return KO_VEC_DATA(v, const int16_t)[i];
    case KO_PHYS_I32:
        return KO_VEC_DATA(v, const int32_t)[i];
    default:
        return KO_VEC_DATA(v, const int64_t)[i];
    }
}

/* --------------------------------------------------------------- build */

static void ht_free(ko_join_ht *ht, size_t n_keys)
{
    if (!ht)
        return;
    for (size_t i = 0; ht->keys && i < ht->rows.n; i++) {
        for (size_t k = 0; ht->keys[i] && k < n_keys; k++)
            if (ht->key_owned[i])
                ko_vec_free(ht->keys[i][k]);
        free(ht->keys[i]);
    }
    free(ht->keys);
    free(ht->key_owned);
    free(ht->rb);
    free(ht->rr);
    free(ht->hash);
    free(ht->next);
    free(ht->heads);
    free(ht->matched);
    free(ht->kval);
    free(ht->set_v);
    free(ht->set_full);
    free(ht->set_bits);
    ko_vec_free(ht->bounds[0]);
    ko_vec_free(ht->bounds[1]);
    ko_rowset_free(&ht->rows);
    free(ht);
}

void ko_join_release(ko_qctx *q, ko_pnode *node)
{
    if (!node->join || !node->join->ht)
        return;
    ko_join_ht *ht = node->join->ht;
    if (ht->probe_scan)
        ht->probe_scan->filter = ht->saved_filter;
    ko_qctx_mem_release(q, ht->mem);
    ht_free(node->join->ht, node->join->n_keys);
    node->join->ht = NULL;
}

static bool all_cols(const ko_join_spec *j)
{
    for (size_t k = 0; k < j->n_keys; k++)
        if (j->build_keys[k]->kind != BX_COL)
            return false;
    return true;
}

/* Key vectors of build batch bi: the columns themselves, or computed. */
static ko_status build_keys(ko_qctx *q, const ko_join_spec *j, ko_join_ht *ht, size_t bi,
                            ko_estate **es)
{
    const ko_batch *b = &ht->rows.batches[bi];
    ko_vec **kv = calloc(j->n_keys ? j->n_keys : 1, sizeof(ko_vec *));
    if (!kv)
        return ko_err_set(q->err, KO_ERR_NOMEM, "out of memory building a hash join");
    ht->keys[bi] = kv;
    ht->key_owned[bi] = !all_cols(j);
    if (!ht->key_owned[bi]) {
        for (size_t k = 0; k < j->n_keys; k++)
            kv[k] = b->cols[j->build_keys[k]->col];
        return KO_OK;
    }
    uint32_t *sel = malloc(KO_SQL_BATCH * sizeof *sel);
    ko_status st = sel ? KO_OK : KO_ERR_NOMEM;
    for (size_t k = 0; k < j->n_keys && st == KO_OK; k++) {
        kv[k] = ko_vec_new(&j->build_keys[k]->type);
        if (!kv[k] || ko_vec_reserve(kv[k], b->n ? b->n : 1) != KO_OK)
            st = KO_ERR_NOMEM;
    }
    for (size_t off = 0; off < b->n && st == KO_OK; off += KO_SQL_BATCH) {
        size_t m = b->n - off;
        if (m > KO_SQL_BATCH)
            m = KO_SQL_BATCH;
        for (size_t r = 0; r < m; r++)
            sel[r] = (uint32_t)(off + r);
        for (size_t k = 0; k < j->n_keys && st == KO_OK; k++) {
            ko_vec *v = NULL;
            st = ko_eval(q, es[k], b, sel, m, &v);
            for (size_t r = 0; r < m && st == KO_OK; r++)
                if (ko_vec_copy_row(kv[k], off + r, v, off + r) != KO_OK)
                    st = KO_ERR_NOMEM;
        }
    }
    free(sel);
    if (st == KO_ERR_NOMEM)
        return ko_err_set(q->err, KO_ERR_NOMEM, "out of memory building a hash join");
    return st;
}

static ko_status ht_alloc(ko_qctx *q, ko_join_ht *ht, size_t n_batches, size_t n)
{
    size_t buckets = 16;
    while (buckets < n * 2)
        buckets <<= 1;
    ht->mask = buckets - 1;
    ht->keys = calloc(n_batches ? n_batches : 1, sizeof *ht->keys);
    ht->key_owned = calloc(n_batches ? n_batches : 1, sizeof *ht->key_owned);
    ht->rb = malloc((n ? n : 1) * sizeof *ht->rb);
    ht->rr = malloc((n ? n : 1) * sizeof *ht->rr);
    ht->hash = malloc((n ? n : 1) * sizeof *ht->hash);
    ht->next = malloc((n ? n : 1) * sizeof *ht->next);
    ht->heads = malloc(buckets * sizeof *ht->heads);
    ht->matched = calloc(n ? n : 1, 1);
    ht->kval = ht->ikey ? malloc((n ? n : 1) * sizeof *ht->kval) : NULL;
    if ((ht->ikey && !ht->kval) || !ht->keys || !ht->key_owned || !ht->rb || !ht->rr || !ht->hash ||
        !ht->next || !ht->heads || !ht->matched)
        return ko_err_set(q->err, KO_ERR_NOMEM, "out of memory building a hash join");
    memset(ht->heads, 0xff, buckets * sizeof *ht->heads);
    ht->mem = n * (2 * sizeof(uint32_t) * 2 + sizeof(uint64_t) + 1) + buckets * sizeof(uint32_t);
    return KO_OK;
}

/* The smallest and largest key of a batch's rows (dynamic filter). */
typedef struct krange {
    bool has;
    uint32_t lo, hi; /* row ids */
} krange;

static void range_add(const ko_join_ht *ht, krange *k, uint32_t id)
{
    if (!k->has) {
        k->lo = k->hi = id;
        k->has = true;
        return;
    }
    const ko_vec *v = ht->keys[ht->rb[id]][0];
    if (ko_vec_cmp(v, ht->rr[id], ht->keys[ht->rb[k->lo]][0], ht->rr[k->lo]) < 0)
        k->lo = id;
    if (ko_vec_cmp(v, ht->rr[id], ht->keys[ht->rb[k->hi]][0], ht->rr[k->hi]) > 0)
        k->hi = id;
}

/* range_add for an integer key: compares the flat key values. */
static void range_add_int(const ko_join_ht *ht, krange *k, uint32_t id)
{
    if (!k->has) {
        k->lo = k->hi = id;
        k->has = true;
        return;
    }
    if (ht->kval[id] < ht->kval[k->lo])
        k->lo = id;
    if (ht->kval[id] > ht->kval[k->hi])
        k->hi = id;
}

/* Links rows into their chains (their hashes set, their heads
 * prefetched); shared: other threads insert too (compare-and-swap). */
static void ht_link(ko_join_ht *ht, const uint32_t *ids, size_t n, bool shared)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t id = ids[i];
        uint32_t *head = &ht->heads[ht->hash[id] & ht->mask];
        if (!shared) {
            ht->next[id] = *head;
            *head = id;
            continue;
        }
        uint32_t old = __atomic_load_n(head, __ATOMIC_RELAXED);
        do
            ht->next[id] = old;
        while (
            !__atomic_compare_exchange_n(head, &old, id, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED));
    }
}

enum { LINK_GROUP = 256 };

/* Threads the rows of batch bi (row ids from first) into the table, in
 * groups whose bucket heads are prefetched before they are linked. */
static void ht_insert_batch(const ko_join_spec *j, ko_join_ht *ht, size_t bi, size_t first,
                            krange *kr, bool shared)
{
    const ko_batch *b = &ht->rows.batches[bi];
    ko_vec **kv = ht->keys[bi];
    uint32_t ids[LINK_GROUP];
    size_t n = 0;
    for (size_t r = 0; r < b->n; r++) {
        size_t id = first + r;
        ht->rb[id] = (uint32_t)bi;
        ht->rr[id] = (uint32_t)r;
        ht->next[id] = NO_ROW;
        uint64_t h = 0;
        if (j->n_keys == 0)
            continue;
        if (ht->ikey && ko_vec_valid(kv[0], r)) {
            ht->kval[id] = ival(kv[0], r);
            h = mix64((uint64_t)ht->kval[id]);
            range_add_int(ht, kr, (uint32_t)id);
        } else if (!key_hash(kv, j->null_eq, j->n_keys, r, &h)) {
            if (j->null_aware && !ko_vec_valid(kv[0], r))
                __atomic_store_n(&ht->has_null_key, true, __ATOMIC_RELAXED);
            continue;
        } else if (j->n_keys == 1 && ko_vec_valid(kv[0], r)) {
            range_add(ht, kr, (uint32_t)id);
        }
        ht->hash[id] = h;
        __builtin_prefetch(&ht->heads[h & ht->mask], 1);
        ids[n++] = (uint32_t)id;
        if (n == LINK_GROUP) {
            ht_link(ht, ids, n, shared);
            n = 0;
        }
    }
    ht_link(ht, ids, n, shared);
}

/* ---------------------------------------------------------- parallel build */

typedef struct bctx {
    ko_qctx *q;
    const ko_join_spec *j;
    ko_join_ht *ht;
    size_t *first; /* per batch: its first row id */
    krange *kr;    /* per batch */
    bool shared;   /* several threads insert */
    _Atomic size_t next;
} bctx;

static void build_worker(void *arg, size_t w)
{
    (void)w;
    bctx *c = arg;
    const ko_join_spec *j = c->j;
    ko_estate **es = calloc(j->n_keys ? j->n_keys : 1, sizeof(ko_estate *));
    ko_status st = es ? KO_OK : KO_ERR_NOMEM;
    for (size_t k = 0; k < j->n_keys && st == KO_OK; k++)
        st = ko_estate_new(j->build_keys[k], &es[k]);
    if (st != KO_OK)
        ko_err_set(c->q->err, KO_ERR_NOMEM, "out of memory building a hash join");
    while (st == KO_OK && !c->q->failed) {
        size_t bi = atomic_fetch_add(&c->next, 1);
        if (bi >= c->ht->rows.n)
            break;
        st = build_keys(c->q, j, c->ht, bi, es);
        if (st == KO_OK)
            ht_insert_batch(j, c->ht, bi, c->first[bi], &c->kr[bi], c->shared);
    }
    if (st != KO_OK)
        ko_qctx_fail(c->q, c->q->err);
    for (size_t k = 0; es && k < j->n_keys; k++)
        ko_estate_free(es[k]);
    free(es);
}

/* Keys and chains of every build batch, batches spread over the threads. */
static ko_status build_all(ko_qctx *q, const ko_join_spec *j, ko_join_ht *ht)
{
    size_t nb = ht->rows.n;
    bctx c = {.q = q, .j = j, .ht = ht};
    c.first = calloc(nb + 1, sizeof *c.first);
    c.kr = calloc(nb + 1, sizeof *c.kr);
    if (!c.first || !c.kr) {
        free(c.first);
        free(c.kr);
        return ko_err_set(q->err, KO_ERR_NOMEM, "out of memory building a hash join");
    }
    for (size_t bi = 0; bi < nb; bi++)
        c.first[bi + 1] = c.first[bi] + ht->rows.batches[bi].n;
    size_t nt = (size_t)(q->threads > 1 ? q->threads : 1);
    if (nt > nb)
        nt = nb ? nb : 1;
    ko_pool *pool = NULL;
    if (nt > 1 && ht->n >= 65536 && ko_pool_create((int)nt - 1, &pool, q->err) != KO_OK)
        pool = NULL;
    c.shared = pool != NULL;
    ko_pool_for(pool, pool ? nt : 1, build_worker, &c);
    ko_pool_destroy(pool);
    krange all = {0};
    for (size_t bi = 0; bi < nb; bi++)
        for (int k = 0; k < 2 && c.kr[bi].has; k++)
            range_add(ht, &all, k ? c.kr[bi].hi : c.kr[bi].lo);
    ht->has_range = all.has;
    ht->min_id = all.lo;
    ht->max_id = all.hi;
    free(c.first);
    free(c.kr);
    if (q->failed) {
        if (q->err != &q->first_err && q->first_err.status)
            *q->err = q->first_err;
        return q->err->status ? q->err->status : KO_ERR_INTERNAL;
    }
    return KO_OK;
}

/* ------------------------------------------------------- dynamic filter */

/* The scan column the probe key reads, following the probe chain (and
 * through an aggregate's group keys: a group whose key cannot match
 * comes only from input rows whose key cannot); *deep when the path
 * crosses an aggregate or another join, so that a filter at the scan
 * saves work the join itself cannot. */
static ko_scan_spec *probe_column(ko_pnode *n, int col, int *out, int *deep)
{
    while (n) {
        if (n->kind == PN_SCAN) {
            *out = col;
            return n->scan;
        }
        if (n->kind == PN_PROJECT) {
            const ko_bexpr *e = n->exprs[col];
            if (e->kind != BX_COL || e->op != 0)
                return NULL;
            col = e->col;
        } else if (n->kind == PN_AGG) {
            if (col < 0 || (size_t)col >= n->n_groups)
                return NULL;
            col = n->group_cols[col];
            *deep |= 2;
        } else if (ko_join_streams(n)) {
            const ko_join_spec *j = n->join;
            int nb = (int)n->kids[1]->n_cols;
            if (j->kind == KO_JOIN_BUILD_MARK)
                return NULL;
            if (j->kind != KO_JOIN_MARK && j->build_left)
                col -= nb;
            if (col < 0 || col >= (int)n->kids[0]->n_cols)
                return NULL;
            *deep |= 1;
        } else if (n->kind != PN_FILTER) {
            return NULL;
        }
        n = n->kids[0];
    }
    return NULL;
}

static ko_bexpr *dyn_col(ko_qctx *q, int col, const ko_sql_dtype *t)
{
    ko_bexpr *c = ko_arena_calloc(q->arena, 1, sizeof *c);
    if (c)
        *c = (ko_bexpr){.kind = BX_COL, .type = *t, .col = col};
    return c;
}

static ko_bexpr *dyn_cmp(ko_qctx *q, int op, int col, ko_vec *v)
{
    ko_bexpr *c = dyn_col(q, col, &v->type);
    ko_bexpr *k = ko_arena_calloc(q->arena, 1, sizeof *k);
    ko_bexpr *e = ko_arena_calloc(q->arena, 1, sizeof *e);
    ko_bexpr **args = ko_arena_calloc(q->arena, 2, sizeof(ko_bexpr *));
    if (!c || !k || !e || !args)
        return NULL;
    *k = (ko_bexpr){.kind = BX_CONST, .type = v->type, .value = v};
    *e = (ko_bexpr){.kind = BX_CMP, .type = ko_sql_dtype_of(KO_SQL_DT_BOOLEAN), .op = op};
    args[0] = c;
    args[1] = k;
    e->args = args;
    e->n_args = 2;
    return e;
}

/* The smallest and largest build key as constant vectors. */
static bool make_bounds(ko_join_ht *ht, const ko_sql_dtype *t)
{
    for (int k = 0; k < 2; k++) {
        uint32_t rid = k ? ht->max_id : ht->min_id;
        ht->bounds[k] = ko_vec_new(t);
        if (!ht->bounds[k] ||
            ko_vec_copy_row(ht->bounds[k], 0, ht->keys[ht->rb[rid]][0], ht->rr[rid]) != KO_OK)
            return false;
        ht->bounds[k]->is_const = true;
    }
    return true;
}

/* The semi-join filter: whether a probe row's keys hash to a build row's
 * hash (SF_HASH), or whether one integer key is in the set of the build
 * side's values of that key (SF_SET: a small open-addressing set, also
 * when the other keys come from elsewhere).  Exact equality is left to
 * the join: a false positive only keeps a row the join then drops. */
enum { SF_HASH, SF_SET };
enum { SET_MAX_ROWS = 65536 }; /* larger build sides: no set, no filter below joins */

typedef struct semi_state {
    const ko_join_spec *j;
    const ko_join_ht *ht;
    int mode;
} semi_state;

static bool semi_has(const ko_join_ht *ht, uint64_t h)
{
    uint32_t id = ht->heads[h & ht->mask];
    while (id != NO_ROW && ht->hash[id] != h)
        id = ht->next[id];
    return id != NO_ROW;
}

static bool set_has(const ko_join_ht *ht, int64_t v)
{
    if (ht->set_bits) {
        uint64_t d = (uint64_t)v - (uint64_t)ht->set_lo;
        return d <= ht->set_span && ((ht->set_bits[d >> 6] >> (d & 63)) & 1);
    }
    for (uint64_t i = mix64((uint64_t)v) & ht->set_mask; ht->set_full[i];
         i = (i + 1) & ht->set_mask)
        if (ht->set_v[i] == v)
            return true;
    return false;
}

static void set_add(ko_join_ht *ht, int64_t x)
{
    if (ht->set_bits) {
        uint64_t d = (uint64_t)x - (uint64_t)ht->set_lo;
        ht->set_bits[d >> 6] |= (uint64_t)1 << (d & 63);
        return;
    }
    uint64_t i = mix64((uint64_t)x) & ht->set_mask;
    while (ht->set_full[i] && ht->set_v[i] != x)
        i = (i + 1) & ht->set_mask;
    ht->set_full[i] = 1;
    ht->set_v[i] = x;
}

/* The set of the build side's values of integer key k: a bitmap over
 * [min, max] when that is narrow (at most 2^20 or 16 x the rows), else
 * open addressing at load factor 1/2. */
static bool build_set(ko_join_ht *ht, size_t k)
{
    bool any = false;
    int64_t lo = 0, hi = 0;
    for (size_t id = 0; id < ht->n; id++) {
        const ko_vec *v = ht->keys[ht->rb[id]][k];
        if (!v || !ko_vec_valid(v, ht->rr[id]))
            continue;
        int64_t x = ival(v, ht->rr[id]);
        lo = !any || x < lo ? x : lo;
        hi = !any || x > hi ? x : hi;
        any = true;
    }
    uint64_t span = (uint64_t)hi - (uint64_t)lo;
    if (span < ((uint64_t)1 << 20) || span / 16 < ht->n) {
        ht->set_lo = lo;
        ht->set_span = span;
        ht->set_bits = calloc(span / 64 + 1, sizeof *ht->set_bits);
        if (!ht->set_bits)
            return false;
    } else {
        size_t slots = 64;
        while (slots < ht->n * 2)
            slots <<= 1;
        ht->set_v = malloc(slots * sizeof *ht->set_v);
        ht->set_full = calloc(slots, 1);
        if (!ht->set_v || !ht->set_full)
            return false;
        ht->set_mask = slots - 1;
    }
    for (size_t id = 0; id < ht->n; id++) {
        const ko_vec *v = ht->keys[ht->rb[id]][k];
        if (v && ko_vec_valid(v, ht->rr[id]))
            set_add(ht, ival(v, ht->rr[id]));
    }
    return true;
}

/* SF_SET over a plain (no NULLs, not constant) column of width T. */
#define KO_SET_PROBE(T)                                                              \
    do {                                                                             \
        const T *d_ = (const T *)a->data;                                            \
        KO_SQL_LOOP(i, sel, n_sel, n_rows, { o[i] = set_has(ht, (int64_t)d_[i]); }); \
    } while (0)

static void set_probe(const ko_join_ht *ht, const ko_vec *a, const uint32_t *sel, size_t n_sel,
                      size_t n_rows, uint8_t *o)
{
    if (!a->validity && !a->is_const) {
        switch (ko_sql_dtype_phys(&a->type)) {
        case KO_PHYS_I64:
            KO_SET_PROBE(int64_t);
            return;
        case KO_PHYS_I32:
            KO_SET_PROBE(int32_t);
            return;
        default:
            break;
        }
    }
    KO_SQL_LOOP(i, sel, n_sel, n_rows, { o[i] = ko_vec_valid(a, i) && set_has(ht, ival(a, i)); });
}

#undef KO_SET_PROBE

static ko_status semi_fn(const ko_sql_fn_ctx *ctx, ko_vec *const *args, size_t n_args,
                         const uint32_t *sel, size_t n_sel, size_t n_rows, ko_vec *out)
{
    const semi_state *ss = ctx->bind_data;
    const ko_join_ht *ht = ss->ht;
    uint8_t *o = out->data;
    const ko_vec *a = args[0];
    if (ss->mode == SF_SET) {
        set_probe(ht, a, sel, n_sel, n_rows, o);
        return KO_OK;
    }
    if (ht->ikey) {
        KO_SQL_LOOP(i, sel, n_sel, n_rows,
                    { o[i] = ko_vec_valid(a, i) && semi_has(ht, mix64((uint64_t)ival(a, i))); });
        return KO_OK;
    }
    ko_vec **keys = (ko_vec **)args;
    KO_SQL_LOOP(i, sel, n_sel, n_rows, {
        uint64_t h = 0;
        o[i] = key_hash(keys, ss->j->null_eq, n_args, i, &h) && semi_has(ht, h);
    });
    return KO_OK;
}

static const ko_sql_func semi_func = {
    .name = "#semi_join_filter",
    .varargs = KO_SQL_DT_NULL,
    .ret = KO_SQL_DT_BOOLEAN,
    .flags = KO_SQL_FN_SPECIAL_NULLS | KO_SQL_FN_VOLATILE,
    .fn = semi_fn,
};

/* A semi-join filter over the scan columns cols[0..n). */
static ko_bexpr *semi_filter(ko_qctx *q, ko_join_spec *j, const ko_scan_spec *sp, const int *cols,
                             size_t n, int mode)
{
    ko_bexpr *e = ko_arena_calloc(q->arena, 1, sizeof *e);
    ko_bexpr **args = ko_arena_calloc(q->arena, n, sizeof(ko_bexpr *));
    ko_sql_resolved *rf = ko_arena_calloc(q->arena, 1, sizeof *rf);
    semi_state *ss = ko_arena_calloc(q->arena, 1, sizeof *ss);
    if (!e || !args || !rf || !ss)
        return NULL;
    for (size_t k = 0; k < n; k++)
        if (!(args[k] = dyn_col(q, cols[k], &sp->types[cols[k]])))
            return NULL;
    ss->j = j;
    ss->ht = j->ht;
    ss->mode = mode;
    rf->fn = &semi_func;
    rf->ret = ko_sql_dtype_of(KO_SQL_DT_BOOLEAN);
    rf->bind_data = ss;
    *e = (ko_bexpr){.kind = BX_FUNC, .type = rf->ret, .fn = rf, .text = semi_func.name};
    e->args = args;
    e->n_args = n;
    return e;
}

/* The scan probe key k reads (types equal to the build key's), or NULL;
 * *col its column there. */
static ko_scan_spec *key_scan(ko_pnode *node, size_t k, int *col, int *deep)
{
    const ko_join_spec *j = node->join;
    if (j->probe_keys[k]->kind != BX_COL || j->null_eq[k])
        return NULL;
    ko_sql_dtid id = j->build_keys[k]->type.id;
    if (ko_sql_dtype_is_nested(id) || id == KO_SQL_DT_FLOAT || id == KO_SQL_DT_DOUBLE)
        return NULL;
    ko_scan_spec *s = probe_column(node->kids[0], j->probe_keys[k]->col, col, deep);
    if (!s || s->fixed_plan || !ko_sql_dtype_equal(&s->types[*col], &j->build_keys[k]->type))
        return NULL;
    return s;
}

/* The scan every probe key reads (NULL unless one); cols[k] its column
 * for key k. */
static ko_scan_spec *probe_scan(ko_pnode *node, int *cols, int *deep)
{
    ko_scan_spec *sp = NULL;
    for (size_t k = 0; k < node->join->n_keys; k++) {
        ko_scan_spec *s = key_scan(node, k, &cols[k], deep);
        if (!s || (sp && s != sp))
            return NULL;
        sp = s;
    }
    return sp;
}

/* Some keys from another input: the first integer key read from a scan
 * below another join or an aggregate filters by the set of its values
 * (TPC-H Q5: the suppliers of one region, before lineitem meets orders). */
static ko_bexpr *subset_filter(ko_qctx *q, ko_pnode *node, ko_scan_spec **sp)
{
    ko_join_spec *j = node->join;
    ko_join_ht *ht = j->ht;
    if (ht->n > SET_MAX_ROWS)
        return NULL;
    for (size_t k = 0; k < j->n_keys; k++) {
        int col = 0, deep = 0;
        ko_scan_spec *s = key_scan(node, k, &col, &deep);
        if (!s || !deep || !int_phys(&j->build_keys[k]->type))
            continue;
        if (!build_set(ht, k))
            return NULL;
        *sp = s;
        return semi_filter(q, j, s, &col, 1, SF_SET);
    }
    return NULL;
}

/* The filters one scan reads every probe key from can take: the build
 * keys' [min, max] (one key) and the semi-join filter: the set of the
 * keys for one integer key and a small build side (a bitmap or a small
 * table: cheaper per row than the probe, so worth it even right below the
 * join, TPC-H Q17's 200 parts against all of lineitem), the hash table
 * below an aggregate, or below another join for a small build side. */
static size_t full_filters(ko_qctx *q, ko_pnode *node, ko_scan_spec *sp, const int *cols, int deep,
                           ko_bexpr **args)
{
    ko_join_spec *j = node->join;
    ko_join_ht *ht = j->ht;
    size_t n = 0;
    if (ht->has_range && j->n_keys == 1 && j->build_keys[0]->type.id != KO_SQL_DT_BOOLEAN &&
        make_bounds(ht, &sp->types[cols[0]])) {
        args[n] = dyn_cmp(q, OP_GE, cols[0], ht->bounds[0]);
        args[n + 1] = dyn_cmp(q, OP_LE, cols[0], ht->bounds[1]);
        n = args[n] && args[n + 1] ? n + 2 : n;
    }
    bool small = ht->n <= SET_MAX_ROWS;
    if (small && j->n_keys == 1 && ht->ikey) {
        if (build_set(ht, 0) && (args[n] = semi_filter(q, j, sp, cols, 1, SF_SET)))
            n++;
    } else if ((deep & 2) || (deep && small)) {
        if ((args[n] = semi_filter(q, j, sp, cols, j->n_keys, SF_HASH)))
            n++;
    }
    return n;
}

/* An inner or semi join (the probe side not preserved): filters from its
 * build side go into the probe side's table scan (deep: 1 when the scan
 * is below another join, 2 below an aggregate), where they prune files,
 * row groups and pages (min/max) or drop rows before the work between
 * the scan and the join (a semi-join reduction: TPC-H Q20 aggregates the
 * lines of the few part/supplier pairs asked for, not all of them).
 * Added to the scan's filter, restored on release. */
static void dynamic_filter(ko_qctx *q, ko_pnode *node)
{
    ko_join_spec *j = node->join;
    ko_join_ht *ht = j->ht;
    bool ok = (j->kind == KO_JOIN_MARK && j->want == 1) || j->kind == KO_JOIN_INNER ||
              j->kind == KO_JOIN_BUILD_OUTER || j->kind == KO_JOIN_BUILD_MARK;
    int cols[8];
    int deep = 0;
    if (!ok || !j->n_keys || j->n_keys > 8 || !ht->n)
        return;
    ko_bexpr **args = ko_arena_calloc(q->arena, 4, sizeof(ko_bexpr *));
    ko_bexpr *and = ko_arena_calloc(q->arena, 1, sizeof *and);
    if (!args || !and)
        return;
    size_t n = 0;
    ko_scan_spec *sp = probe_scan(node, cols, &deep);
    if (sp)
        n = full_filters(q, node, sp, cols, deep, args);
    else if ((args[0] = subset_filter(q, node, &sp)))
        n = 1;
    if (!n)
        return;
    if (sp->filter)
        args[n++] = sp->filter;
    *and = (ko_bexpr){.kind = BX_AND, .type = ko_sql_dtype_of(KO_SQL_DT_BOOLEAN)};
    and->args = args;
    and->n_args = n;
    ht->saved_filter = sp->filter;
    ht->probe_scan = sp;
    sp->filter = and;
    sp->ice_pred = NULL; /* derived again with the new bounds */
}

/* The set filter a join below put on scan column col (NULL: none). */
static const semi_state *scan_set(const ko_bexpr *e, int col)
{
    if (!e)
        return NULL;
    if (e->kind == BX_AND) {
        for (size_t i = 0; i < e->n_args; i++) {
            const semi_state *ss = scan_set(e->args[i], col);
            if (ss)
                return ss;
        }
        return NULL;
    }
    if (e->kind != BX_FUNC || !e->fn || e->fn->fn != &semi_func)
        return NULL;
    const semi_state *ss = e->fn->bind_data;
    return ss->mode == SF_SET && e->args[0]->col == col ? ss : NULL;
}

/* Sideways: when a probe key's scan column is already filtered by the key
 * set of a join below (so every probe row's key is in it), the build
 * side only needs rows whose key is in that set too: the filter goes into
 * the build side's scan while it is collected (TPC-H Q9: partsupp reduced
 * to the parts named like '%green%' before it is hashed).  Not for joins
 * that emit build rows without a partner. */
static ko_scan_spec *sideways_filter(ko_qctx *q, ko_pnode *node, ko_bexpr **saved)
{
    ko_join_spec *j = node->join;
    if (j->kind == KO_JOIN_FULL || j->kind == KO_JOIN_BUILD_OUTER || j->kind == KO_JOIN_BUILD_MARK)
        return NULL;
    for (size_t k = 0; k < j->n_keys; k++) {
        const ko_bexpr *pk = j->probe_keys[k], *bk = j->build_keys[k];
        int pc = 0, bc = 0, deep = 0;
        if (pk->kind != BX_COL || bk->kind != BX_COL || j->null_eq[k] || !int_phys(&bk->type) ||
            !ko_sql_dtype_equal(&pk->type, &bk->type))
            continue;
        ko_scan_spec *sp = probe_column(node->kids[0], pk->col, &pc, &deep);
        const semi_state *ss = sp ? scan_set(sp->filter, pc) : NULL;
        ko_scan_spec *bs = ss ? probe_column(node->kids[1], bk->col, &bc, &deep) : NULL;
        if (!bs || bs->fixed_plan || !ko_sql_dtype_equal(&bs->types[bc], &sp->types[pc]))
            continue;
        ko_bexpr *f = semi_filter(q, (ko_join_spec *)ss->j, bs, &bc, 1, SF_SET);
        ko_bexpr **args = ko_arena_calloc(q->arena, 2, sizeof(ko_bexpr *));
        ko_bexpr *and = ko_arena_calloc(q->arena, 1, sizeof *and);
        if (!f || !args || !and)
            return NULL;
        args[0] = f;
        args[1] = bs->filter;
        *and = (ko_bexpr){.kind = BX_AND, .type = ko_sql_dtype_of(KO_SQL_DT_BOOLEAN)};
        and->args = args;
        and->n_args = bs->filter ? 2 : 1;
        *saved = bs->filter;
        bs->filter = and;
        bs->ice_pred = NULL;
        return bs;
    }
    return NULL;
}

ko_status ko_join_build(ko_qctx *q, ko_pnode *node)
{
    ko_join_spec *j = node->join;
    if (j->ht)
        return KO_OK;
    ko_join_ht *ht = calloc(1, sizeof *ht);
    if (!ht)
        return ko_err_set(q->err, KO_ERR_NOMEM, "out of memory building a hash join");
    j->ht = ht;
    ko_bexpr *saved = NULL;
    ko_scan_spec *side = sideways_filter(q, node, &saved);
    ko_status st = ko_exec_collect(q, node->kids[1], &ht->rows);
    if (side) {
        side->filter = saved;
        side->ice_pred = NULL;
    }
    if (st != KO_OK)
        return st;
    if (ht->rows.rows >= NO_ROW)
        return ko_err_set(q->err, KO_ERR_NOMEM,
                          "hash join: the build side has more than 4 billion rows");
    ht->n = (size_t)ht->rows.rows;
    ht->ikey = j->n_keys == 1 && !j->null_eq[0] && int_phys(&j->build_keys[0]->type) &&
               int_phys(&j->probe_keys[0]->type);
    ht->int_keys = true;
    for (size_t k = 0; k < j->n_keys; k++)
        ht->int_keys &= int_phys(&j->build_keys[k]->type) && int_phys(&j->probe_keys[k]->type) &&
                        ko_sql_dtype_equal(&j->build_keys[k]->type, &j->probe_keys[k]->type);
    st = ht_alloc(q, ht, ht->rows.n, ht->n);
    size_t row_bytes = ht->n * (node->kids[1]->n_cols * 24 + 16);
    if (st == KO_OK)
        st = ko_qctx_mem(q, ht->mem + row_bytes, "a hash join");
    ht->mem += row_bytes;
    if (st == KO_OK)
        st = build_all(q, j, ht);
    if (st == KO_OK)
        dynamic_filter(q, node);
    return st;
}

/* --------------------------------------------------------------- probe */

typedef struct jlocal {
    const ko_pnode *node;
    const ko_join_spec *j;
    size_t n_probe, n_build;
    size_t n_pair;     /* columns of a gathered pair */
    uint8_t *side;     /* per pair column: 0 probe, 1 build */
    uint32_t *src;     /* per pair column: column of that side */
    ko_vec **pv;       /* pair vectors */
    ko_estate **pk;    /* probe key evaluators */
    ko_estate *res;    /* residual */
    uint32_t *pr, *bi; /* pairs */
    size_t np;
    uint32_t *sel;
    uint8_t *matched; /* per probe row position */
    size_t matched_cap;
    ko_vec *mark;
    ko_vec **mcols; /* MARK output columns: probe columns + mark */
    ko_vec **ocols; /* sparse output columns */
    uint32_t *psel; /* sparse output selection */
} jlocal;

void ko_join_local_free(void *local)
{
    jlocal *l = local;
    if (!l)
        return;
    for (size_t c = 0; l->pv && c < l->n_pair; c++)
        ko_vec_free(l->pv[c]);
    for (size_t k = 0; l->pk && k < l->j->n_keys; k++)
        ko_estate_free(l->pk[k]);
    ko_estate_free(l->res);
    ko_vec_free(l->mark);
    free(l->pv);
    free(l->pk);
    free(l->side);
    free(l->src);
    free(l->pr);
    free(l->bi);
    free(l->sel);
    free(l->matched);
    free(l->mcols);
    free(l->ocols);
    free(l->psel);
    free(l);
}

/* The pair layout: the output order [left | right], or [probe | build]
 * for MARK. */
static void pair_layout(jlocal *l)
{
    const ko_join_spec *j = l->j;
    size_t nl = j->build_left ? l->n_build : l->n_probe;
    for (size_t c = 0; c < l->n_pair; c++) {
        bool left = c < nl;
        l->side[c] = (uint8_t)(left == j->build_left);
        l->src[c] = (uint32_t)(left ? c : c - nl);
    }
}

/* A pair column nothing reads: left a constant NULL, never gathered. */
static bool skip_col(const jlocal *l, size_t c)
{
    return l->j->unused && !is_mark(l->j->kind) && l->j->unused[c];
}

void *ko_join_local_new(const ko_pnode *node)
{
    jlocal *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    const ko_join_spec *j = node->join;
    l->node = node;
    l->j = j;
    l->n_probe = node->kids[0]->n_cols;
    l->n_build = node->kids[1]->n_cols;
    l->n_pair = l->n_probe + l->n_build;
    size_t np = l->n_pair ? l->n_pair : 1;
    l->side = calloc(np, 1);
    l->src = calloc(np, sizeof *l->src);
    l->pv = calloc(np, sizeof(ko_vec *));
    l->pk = calloc(j->n_keys ? j->n_keys : 1, sizeof(ko_estate *));
    l->pr = malloc(KO_SQL_BATCH * sizeof *l->pr);
    l->bi = malloc(KO_SQL_BATCH * sizeof *l->bi);
    l->sel = malloc(KO_SQL_BATCH * sizeof *l->sel);
    l->mcols = calloc(l->n_probe + l->n_build + 1, sizeof(ko_vec *));
    l->ocols = calloc(np, sizeof(ko_vec *));
    l->psel = malloc(KO_SQL_BATCH * sizeof *l->psel);
    bool ok = l->side && l->src && l->pv && l->pk && l->pr && l->bi && l->sel && l->mcols &&
              l->ocols && l->psel;
    if (ok)
        pair_layout(l);
    for (size_t c = 0; ok && c < l->n_pair; c++) {
        const ko_pnode *k = node->kids[l->side[c]];
        ok = (l->pv[c] = ko_vec_new(&k->types[l->src[c]])) != NULL;
        if (ok && skip_col(l, c))
            ok = ko_vec_set_const_null(l->pv[c]) == KO_OK;
    }
    for (size_t k = 0; ok && k < j->n_keys; k++)
        ok = ko_estate_new(j->probe_keys[k], &l->pk[k]) == KO_OK;
    if (ok && j->residual)
        ok = ko_estate_new(j->residual, &l->res) == KO_OK;
    if (ok && is_mark(j->kind)) {
        ko_sql_dtype bt = ko_sql_dtype_of(KO_SQL_DT_BOOLEAN);
        ok = (l->mark = ko_vec_new(&bt)) != NULL;
    }
    if (!ok) {
        ko_join_local_free(l);
        return NULL;
    }
    return l;
}

/* Copies one value (or a NULL when src is NULL) into row k of dst. */
static ko_status put(ko_vec *dst, size_t k, const ko_vec *src, size_t row)
{
    ko_sql_phys p = ko_sql_dtype_phys(&dst->type);
    if (p == KO_PHYS_LIST || p == KO_PHYS_NONE) {
        if (src)
            return ko_vec_copy_row(dst, k, src, row);
        return ko_vec_set_null(dst, k);
    }
    size_t w = ko_sql_phys_size(p);
    if (!src || !ko_vec_valid(src, row)) {
        ko_vec_set_null_fast(dst, k);
        memset(dst->data + k * w, 0, w);
        return KO_OK;
    }
    size_t si = ko_vec_idx(src, row);
    switch (w) {
    case 1:
        dst->data[k] = src->data[si];
        break;
    case 4:
        KO_VEC_DATA(dst, uint32_t)[k] = KO_VEC_DATA(src, const uint32_t)[si];
        break;
    case 8:
        KO_VEC_DATA(dst, uint64_t)[k] = KO_VEC_DATA(src, const uint64_t)[si];
        break;
    default:
        memcpy(dst->data + k * w, src->data + si * w, w);
        break;
    }
    return KO_OK;
}

/* The source vector and row of pair k on one side (NULL: a NULL). */
static inline const ko_vec *pair_src(const jlocal *l, const ko_batch *b, int side, uint32_t sc,
                                     size_t k, size_t *row)
{
    if (side == 0) {
        *row = l->pr[k];
        return l->pr[k] == NO_ROW ? NULL : b->cols[sc];
    }
    const ko_join_ht *ht = l->j->ht;
    uint32_t id = l->bi[k];
    if (id == NO_ROW) {
        *row = 0;
        return NULL;
    }
    *row = ht->rr[id];
    return ht->rows.batches[ht->rb[id]].cols[sc];
}

/* One column of the pairs into d (at k, or at pos[k]): a loop per value
 * width, W a constant so the copies are plain moves. */
#define KO_GATHER_W(W)                                                           \
    for (size_t k = 0; k < l->np; k++) {                                         \
        size_t row, at = pos ? pos[k] : k;                                       \
        const ko_vec *s = pair_src(l, b, side, sc, k, &row);                     \
        if (!s || !ko_vec_valid(s, row)) {                                       \
            ko_vec_set_null_fast(d, at);                                         \
            memset(d->data + at * (W), 0, (W));                                  \
        } else {                                                                 \
            memcpy(d->data + at * (W), s->data + ko_vec_idx(s, row) * (W), (W)); \
        }                                                                        \
    }

static ko_status gather_col(const jlocal *l, const ko_batch *b, size_t c, ko_vec *d,
                            const uint32_t *pos)
{
    int side = l->side[c];
    uint32_t sc = l->src[c];
    ko_sql_phys p = ko_sql_dtype_phys(&d->type);
    switch (p == KO_PHYS_LIST || p == KO_PHYS_NONE ? 0 : ko_sql_phys_size(p)) {
    case 1:
        KO_GATHER_W(1)
        return KO_OK;
    case 2:
        KO_GATHER_W(2)
        return KO_OK;
    case 4:
        KO_GATHER_W(4)
        return KO_OK;
    case 8:
        KO_GATHER_W(8)
        return KO_OK;
    case 16:
        KO_GATHER_W(16)
        return KO_OK;
    default:
        break;
    }
    ko_status st = KO_OK;
    for (size_t k = 0; k < l->np && st == KO_OK; k++) {
        size_t row;
        const ko_vec *s = pair_src(l, b, side, sc, k, &row);
        st = put(d, pos ? pos[k] : k, s, row);
    }
    return st;
}

#undef KO_GATHER_W

/* Gathers the current pairs into the pair vectors (bi NO_ROW: NULLs;
 * pr NO_ROW: NULLs on the probe side). */
static ko_status gather(jlocal *l, const ko_batch *b, ko_batch *out)
{
    ko_status st = KO_OK;
    for (size_t c = 0; c < l->n_pair && st == KO_OK; c++) {
        ko_vec *d = l->pv[c];
        if (skip_col(l, c))
            continue;
        st = ko_vec_reserve(d, KO_SQL_BATCH);
        if (st == KO_OK)
            st = ko_vec_validity_init(d, KO_SQL_BATCH);
        if (st == KO_OK)
            st = gather_col(l, b, c, d, NULL);
    }
    *out = (ko_batch){l->np, NULL, 0, l->pv, l->n_pair};
    return st == KO_OK ? KO_OK : KO_ERR_NOMEM;
}

/* Pairs with strictly increasing probe rows (each probe row met at most
 * one build row): the probe columns are passed through as they are and
 * only the build columns are gathered, at the probe rows' positions. */
static bool sparse_ok(const jlocal *l)
{
    for (size_t k = 1; k < l->np; k++)
        if (l->pr[k] <= l->pr[k - 1])
            return false;
    return l->np > 0 && l->pr[0] != NO_ROW;
}

static ko_status gather_sparse(jlocal *l, const ko_batch *b, ko_batch *out)
{
    size_t n = b->n ? b->n : 1;
    ko_status st = KO_OK;
    for (size_t c = 0; c < l->n_pair && st == KO_OK; c++) {
        uint32_t sc = l->src[c];
        if (l->side[c] == 0) {
            l->ocols[c] = b->cols[sc];
            continue;
        }
        ko_vec *d = l->pv[c];
        l->ocols[c] = d;
        if (skip_col(l, c))
            continue;
        st = ko_vec_reserve(d, n);
        if (st == KO_OK)
            st = ko_vec_validity_init(d, n);
        if (st == KO_OK)
            st = gather_col(l, b, c, d, l->pr);
    }
    memcpy(l->psel, l->pr, l->np * sizeof *l->psel);
    *out = (ko_batch){b->n, l->psel, l->np, l->ocols, l->n_pair};
    return st == KO_OK ? KO_OK : KO_ERR_NOMEM;
}

typedef struct probe_ctx {
    ko_qctx *q;
    jlocal *l;
    const ko_batch *b;
    ko_status (*next)(void *ctx, const ko_batch *b);
    void *ctx;
} probe_ctx;

/* Gathers, filters and (INNER / LEFT / FULL) emits the collected pairs;
 * marks the probe rows that found a partner. */
static ko_status flush(probe_ctx *p)
{
    jlocal *l = p->l;
    if (!l->np)
        return KO_OK;
    ko_batch out;
    bool track = ko_join_has_tail(l->node); /* build rows' matches */
    bool sparse = !(track && l->res) && l->j->kind != KO_JOIN_FULL && sparse_ok(l);
    for (size_t k = 0; sparse && track && k < l->np; k++)
        __atomic_store_n(&l->j->ht->matched[l->bi[k]], 1, __ATOMIC_RELAXED);
    ko_status st = sparse ? gather_sparse(l, p->b, &out) : gather(l, p->b, &out);
    if (st != KO_OK)
        return ko_err_set(p->q->err, KO_ERR_NOMEM, "out of memory in a hash join");
    size_t m = l->np;
    if (l->res) {
        st = ko_eval_filter(p->q, l->res, &out, out.sel, l->np, l->sel, &m);
        out.sel = l->sel;
        out.n_sel = m;
    }
    for (size_t k = 0; k < m && st == KO_OK; k++) {
        size_t i = out.sel ? out.sel[k] : k;
        size_t row = sparse ? i : l->pr[i];
        if (l->j->single && l->matched[row])
            return ko_err_set(p->q->err, KO_ERR_INVALID,
                              "Invalid Input Error: More than one row returned by a subquery "
                              "used as an expression - scalar subqueries can only return a "
                              "single row.");
        l->matched[row] = 1;
        if (!sparse && track)
            __atomic_store_n(&l->j->ht->matched[l->bi[i]], 1, __ATOMIC_RELAXED);
    }
    l->np = 0;
    if (st != KO_OK || is_mark(l->j->kind) || !m)
        return st;
    return p->next(p->ctx, &out);
}

static ko_status add_pair(probe_ctx *p, uint32_t pr, uint32_t bi)
{
    jlocal *l = p->l;
    l->pr[l->np] = pr;
    l->bi[l->np++] = bi;
    return l->np == KO_SQL_BATCH ? flush(p) : KO_OK;
}

/* Whether a MARK / semi / anti join without residual can skip pairs. */
static bool mark_only(const jlocal *l)
{
    return l->j->kind == KO_JOIN_MARK && !l->res;
}

/* BUILD_MARK without residual: every build row met is marked, no pairs. */
static bool mark_build(const jlocal *l, uint32_t id)
{
    if (l->j->kind != KO_JOIN_BUILD_MARK || l->res)
        return false;
    __atomic_store_n(&l->j->ht->matched[id], 1, __ATOMIC_RELAXED);
    return true;
}

/* The chain of probe row r starting at id (its bucket head), integer key. */
static ko_status chain_int(probe_ctx *p, uint32_t id, int64_t key, size_t r)
{
    jlocal *l = p->l;
    const ko_join_ht *ht = l->j->ht;
    ko_status st = KO_OK;
    for (; id != NO_ROW && st == KO_OK; id = ht->next[id]) {
        if (ht->kval[id] != key || mark_build(l, id))
            continue;
        if (mark_only(l)) {
            l->matched[r] = 1;
            return KO_OK;
        }
        st = add_pair(p, (uint32_t)r, id);
    }
    return st;
}

static ko_status chain_hash(probe_ctx *p, ko_vec **kv, uint32_t id, uint64_t h, size_t r)
{
    jlocal *l = p->l;
    const ko_join_spec *j = l->j;
    const ko_join_ht *ht = j->ht;
    ko_status st = KO_OK;
    for (; id != NO_ROW && st == KO_OK; id = ht->next[id]) {
        if (ht->hash[id] != h)
            continue;
        ko_vec **bk = ht->keys[ht->rb[id]];
        bool eq = ht->int_keys ? keys_equal_int(kv, r, bk, ht->rr[id], j->n_keys)
                               : keys_equal(kv, r, bk, ht->rr[id], j->n_keys);
        if (!eq || mark_build(l, id))
            continue;
        if (mark_only(l)) {
            l->matched[r] = 1;
            return KO_OK;
        }
        st = add_pair(p, (uint32_t)r, id);
    }
    return st;
}

/* Probing in groups of PROBE_GROUP rows, in three passes so that the
 * cache misses of a group overlap instead of following one another:
 * hash every row and prefetch its bucket head, read the heads and
 * prefetch the first entries, then walk the chains (pairs come out in
 * probe row order, as a row-at-a-time probe gives them). */
enum { PROBE_GROUP = 256 };

typedef struct pgroup {
    uint32_t row[PROBE_GROUP];
    uint32_t id[PROBE_GROUP];
    uint64_t h[PROBE_GROUP];
    int64_t key[PROBE_GROUP];
    size_t n;
} pgroup;

static void group_hash(const probe_ctx *p, ko_vec **kv, size_t from, size_t to, pgroup *g)
{
    const ko_join_spec *j = p->l->j;
    const ko_join_ht *ht = j->ht;
    const ko_batch *b = p->b;
    g->n = 0;
    const ko_vec *v = kv[0];
    bool plain =
        ht->ikey && v && !v->validity && !v->is_const && ko_sql_dtype_phys(&v->type) == KO_PHYS_I64;
    for (size_t k = from; plain && k < to; k++) { /* the common case: BIGINT keys */
        size_t r = ko_batch_row(b, k);
        int64_t x = KO_VEC_DATA(v, const int64_t)[r];
        uint64_t h = mix64((uint64_t)x);
        __builtin_prefetch(&ht->heads[h & ht->mask]);
        g->row[g->n] = (uint32_t)r;
        g->key[g->n] = x;
        g->h[g->n++] = h;
    }
    for (size_t k = from; !plain && k < to; k++) {
        size_t r = ko_batch_row(b, k);
        uint64_t h = 0;
        g->key[g->n] = 0;
        if (ht->ikey && v) {
            if (!ko_vec_valid(v, r))
                continue;
            g->key[g->n] = ival(v, r);
            h = mix64((uint64_t)g->key[g->n]);
        } else if (!key_hash(kv, j->null_eq, j->n_keys, r, &h)) {
            continue;
        }
        __builtin_prefetch(&ht->heads[h & ht->mask]);
        g->row[g->n] = (uint32_t)r;
        g->h[g->n++] = h;
    }
    /* keep the rows whose bucket is not empty (no branch per row) */
    size_t m = 0;
    const void *first = ht->ikey ? (const void *)ht->kval : (const void *)ht->hash;
    for (size_t i = 0; i < g->n; i++) {
        uint32_t id = ht->heads[g->h[i] & ht->mask];
        size_t at = id == NO_ROW ? 0 : id;
        __builtin_prefetch((const char *)first + at * 8);
        __builtin_prefetch(&ht->next[at]);
        g->row[m] = g->row[i];
        g->h[m] = g->h[i];
        g->key[m] = g->key[i];
        g->id[m] = id;
        m += id != NO_ROW;
    }
    g->n = m;
}

static ko_status probe_keyed(probe_ctx *p, ko_vec **kv)
{
    pgroup *g = malloc(sizeof *g);
    if (!g)
        return ko_err_set(p->q->err, KO_ERR_NOMEM, "out of memory in a hash join");
    bool ikey = p->l->j->ht->ikey && kv[0];
    size_t live = ko_batch_live(p->b);
    ko_status st = KO_OK;
    for (size_t from = 0; from < live && st == KO_OK; from += PROBE_GROUP) {
        size_t to = from + PROBE_GROUP < live ? from + PROBE_GROUP : live;
        group_hash(p, kv, from, to, g);
        for (size_t i = 0; i < g->n && st == KO_OK; i++) {
            st = ikey ? chain_int(p, g->id[i], g->key[i], g->row[i])
                      : chain_hash(p, kv, g->id[i], g->h[i], g->row[i]);
        }
    }
    free(g);
    return st;
}

static ko_status probe_pairs(probe_ctx *p, ko_vec **kv)
{
    const ko_batch *b = p->b;
    jlocal *l = p->l;
    if (l->j->n_keys) {
        ko_status st = probe_keyed(p, kv);
        return st == KO_OK ? flush(p) : st;
    }
    size_t live = ko_batch_live(b);
    ko_status st = KO_OK;
    for (size_t k = 0; k < live && st == KO_OK; k++) {
        size_t r = ko_batch_row(b, k);
        /* nested loops: every build row */
        for (size_t id = 0; id < l->j->ht->n && st == KO_OK; id++) {
            if (mark_build(l, (uint32_t)id))
                continue;
            if (mark_only(l)) {
                l->matched[r] = 1;
                break;
            }
            st = add_pair(p, (uint32_t)r, (uint32_t)id);
        }
    }
    return st == KO_OK ? flush(p) : st;
}

/* LEFT / FULL: probe rows without a partner, padded with NULLs. */
static ko_status emit_unmatched(probe_ctx *p)
{
    jlocal *l = p->l;
    const ko_batch *b = p->b;
    size_t live = ko_batch_live(b);
    ko_status st = KO_OK;
    for (size_t k = 0; k < live && st == KO_OK; k++) {
        size_t r = ko_batch_row(b, k);
        if (l->matched[r])
            continue;
        l->pr[l->np] = (uint32_t)r;
        l->bi[l->np++] = NO_ROW;
        if (l->np == KO_SQL_BATCH) {
            ko_batch out;
            st = gather(l, b, &out);
            if (st != KO_OK)
                return ko_err_set(p->q->err, KO_ERR_NOMEM, "out of memory in a hash join");
            l->np = 0;
            st = p->next(p->ctx, &out);
        }
    }
    if (st == KO_OK && l->np) {
        ko_batch out;
        st = gather(l, b, &out);
        l->np = 0;
        if (st == KO_OK)
            st = p->next(p->ctx, &out);
    }
    return st;
}

/* The mark of an unmatched probe row: false, or NULL under IN semantics
 * when the probe key is NULL or the build side holds a NULL. */
static bool mark_null(const jlocal *l, ko_vec **kv, size_t r)
{
    const ko_join_spec *j = l->j;
    if (!j->null_aware || j->ht->n == 0 || j->n_keys == 0)
        return false;
    return j->ht->has_null_key || !ko_vec_valid(kv[0], r);
}

static ko_status emit_mark(probe_ctx *p, ko_vec **kv)
{
    jlocal *l = p->l;
    const ko_batch *b = p->b;
    size_t live = ko_batch_live(b);
    if (ko_vec_reserve(l->mark, b->n ? b->n : 1) != KO_OK ||
        ko_vec_validity_init(l->mark, b->n ? b->n : 1) != KO_OK)
        return ko_err_set(p->q->err, KO_ERR_NOMEM, "out of memory in a join");
    uint32_t *sel = malloc((live ? live : 1) * sizeof *sel);
    if (!sel)
        return ko_err_set(p->q->err, KO_ERR_NOMEM, "out of memory in a join");
    size_t m = 0;
    for (size_t k = 0; k < live; k++) {
        size_t r = ko_batch_row(b, k);
        bool null = !l->matched[r] && mark_null(l, kv, r);
        l->mark->data[r] = l->matched[r];
        if (null)
            ko_vec_set_null_fast(l->mark, r);
        if (l->j->want < 0 || (!null && l->mark->data[r] == l->j->want))
            sel[m++] = (uint32_t)r;
    }
    for (size_t c = 0; c < l->n_probe; c++)
        l->mcols[c] = b->cols[c];
    l->mcols[l->n_probe] = l->mark;
    ko_batch out = {b->n, sel, m, l->mcols, l->n_probe + 1};
    ko_status st = m ? p->next(p->ctx, &out) : KO_OK;
    free(sel);
    return st;
}

static ko_status grow_matched(jlocal *l, size_t n)
{
    if (n > l->matched_cap) {
        uint8_t *m = realloc(l->matched, n);
        if (!m)
            return KO_ERR_NOMEM;
        l->matched = m;
        l->matched_cap = n;
    }
    memset(l->matched, 0, n);
    return KO_OK;
}

ko_status ko_join_probe(ko_qctx *q, ko_pnode *node, void *local, const ko_batch *b,
                        ko_status (*next)(void *ctx, const ko_batch *b), void *ctx)
{
    jlocal *l = local;
    const ko_join_spec *j = node->join;
    size_t live = ko_batch_live(b);
    ko_vec *kv[16] = {0};
    if (j->n_keys > 16)
        return ko_err_set(q->err, KO_ERR_UNSUPPORTED, "a join on more than 16 keys");
    if (grow_matched(l, b->n ? b->n : 1) != KO_OK)
        return ko_err_set(q->err, KO_ERR_NOMEM, "out of memory in a join");
    ko_status st = KO_OK;
    for (size_t k = 0; k < j->n_keys && st == KO_OK; k++)
        st = ko_eval(q, l->pk[k], b, b->sel, live, &kv[k]);
    probe_ctx p = {q, l, b, next, ctx};
    if (st == KO_OK && j->ht->n)
        st = probe_pairs(&p, kv);
    if (st != KO_OK)
        return st;
    if (j->kind == KO_JOIN_LEFT || j->kind == KO_JOIN_FULL)
        return emit_unmatched(&p);
    if (j->kind == KO_JOIN_MARK)
        return emit_mark(&p, kv);
    return KO_OK;
}

/* ---------------------------------------------------------- tail */

/* The build rows of the tail: gathered with NULLs on the probe side. */
static ko_status tail_flush(ko_qctx *q, jlocal *l, ko_status (*next)(void *, const ko_batch *),
                            void *ctx)
{
    ko_batch none = {0, NULL, 0, NULL, 0}, out;
    size_t np = l->np;
    if (gather(l, &none, &out) != KO_OK)
        return ko_err_set(q->err, KO_ERR_NOMEM, "out of memory in a join");
    l->np = 0;
    if (l->j->kind != KO_JOIN_BUILD_MARK)
        return next(ctx, &out);
    /* BUILD_MARK: the build (left) columns and the marks */
    if (ko_vec_reserve(l->mark, np) != KO_OK)
        return ko_err_set(q->err, KO_ERR_NOMEM, "out of memory in a join");
    for (size_t k = 0; k < np; k++)
        l->mark->data[k] = l->j->ht->matched[l->bi[k]];
    for (size_t c = 0; c < l->n_build; c++)
        l->mcols[c] = l->pv[c];
    l->mcols[l->n_build] = l->mark;
    ko_batch mb = {np, NULL, 0, l->mcols, l->n_build + 1};
    return next(ctx, &mb);
}

ko_status ko_join_tail(ko_qctx *q, ko_pnode *node, void *local,
                       ko_status (*next)(void *ctx, const ko_batch *b), void *ctx)
{
    jlocal *l = local;
    const ko_join_spec *j = node->join;
    const ko_join_ht *ht = j->ht;
    l->np = 0;
    ko_status st = KO_OK;
    for (size_t id = 0; ht && id < ht->n && st == KO_OK; id++) {
        bool m = ht->matched[id];
        bool take = j->kind == KO_JOIN_BUILD_MARK ? (j->want < 0 || (int)m == j->want) : !m;
        if (!take)
            continue;
        l->pr[l->np] = NO_ROW;
        l->bi[l->np++] = (uint32_t)id;
        if (l->np == KO_SQL_BATCH)
            st = tail_flush(q, l, next, ctx);
    }
    if (st == KO_OK && l->np)
        st = tail_flush(q, l, next, ctx);
    return st;
}

ko_status ko_join_describe(const ko_pnode *node, ko_buf *out)
{
    static const char *const kinds[] = {"?",    "INNER",       "LEFT", "FULL",
                                        "MARK", "BUILD_OUTER", "MARK"};
    const ko_join_spec *j = node->join;
    const char *k = (unsigned)j->kind < 7 ? kinds[j->kind] : "?";
    if (is_mark(j->kind) && j->want >= 0)
        k = j->want ? "SEMI" : "ANTI";
    return ko_buf_appendf(
        out, " %s%s keys=%zu%s build=%s est=%.0f", k, j->n_keys ? "" : " (nested loops)", j->n_keys,
        j->residual ? " residual" : "", j->build_left ? "left" : "right", j->est_rows);
}
