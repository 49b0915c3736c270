/*
 * agg.c - hash aggregation.
 *
 * Groups live in an open-addressing table of (hash, group id) slots; each
 * group's key is serialised once into an arena (per key column: a null
 * byte, then the fixed-width slot, or a 4-byte length and the bytes of a
 * string).  Per batch, the key columns are hashed column by column, each
 * live row is mapped to its group id, and every aggregate is then updated
 * by a typed loop over (row, group id) pairs, its states held column-wise
 * (one array per aggregate, indexed by group id).  Worker threads each
 * aggregate into their own table; tables are merged at the end.  With
 * several threads, a merge that allows it (defer_ok: a packed GROUP BY
 * without DISTINCT or string MIN/MAX, or a global aggregate with integer
 * DISTINCT sets) only chains the table; ko_agg_finish then merges the
 * chain partitioned, one task per thread on a pool (merge_chain): each
 * task takes the groups whose hash falls in its partition and folds them
 * into the first table that holds their key, read-only lookups and no
 * locks, and nothing moves: finish emits every table's groups that were
 * not folded away.
 * Packed keys.  When every key column is an integer of up to 64 bits, a
 * date, a boolean or a string, and they fit 128 bits together (a null bit
 * per column, strings as a 4-bit length and up to 7 bytes), each row's
 * key is packed into one 128-bit integer and looked up first in a second
 * open-addressing table of (packed key, group id), after a check against
 * the previous row (sorted or clustered keys).  A miss makes a group that
 * holds only its packed key; its serialised key is written lazily
 * (ensure_keys) when the serialised path needs it: a string too long to
 * pack (the slot table), a merge into a table that stopped packing.
 * Merges of packed tables go through the packed table, and finish
 * unpacks the key columns from the packed key, so a high-cardinality
 * GROUP BY never serialises its keys.
 * DISTINCT aggregates keep a set of (group, value) keys and update their
 * state only the first time a pair is seen.  For integer-like arguments
 * (up to 64 bits) the set holds (group + 1) << 64 | value as one 128-bit
 * key in an open-addressing table; these sets merge (a source pair new to
 * the destination updates its state), so such queries run in parallel.
 * Without GROUP BY (one group) the set holds just the 64-bit value, in
 * half the memory (fset.narrow).
 * Other DISTINCT arguments (strings, ...) use a set of serialised
 * (group, value) keys; these merge too (merge_dset: each source key is
 * re-keyed with the destination group and looked up), so every DISTINCT
 * aggregate runs with per-worker sets merged at the end.
 *
 * Result types follow DuckDB: count -> BIGINT; sum of integers -> HUGEINT,
 * of DECIMAL(p,s) -> DECIMAL(38,s), of floats -> DOUBLE; avg and the
 * variance family -> DOUBLE; min/max keep the input type.
 */
#include "sql/engine.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct agg_state {
    ko_i128 *isum; /* SUM/AVG of integers and decimals */
    double *dsum;  /* SUM/AVG of floats; variance mean */
    double *m2;    /* variance */
    int64_t *cnt;
    uint8_t *val; /* MIN/MAX/FIRST slots */
    uint8_t *has;
    ko_sql_heap heap; /* MIN/MAX strings */
    size_t w;
} agg_state;

typedef unsigned __int128 pkey;

/* A set of 128-bit keys, 0 meaning an empty slot.  Narrow (a global
 * aggregate, whose keys all have group 0): the slots hold the low 64 bits
 * (the value) in half the memory, value 0 kept aside in `zero`; fset_at
 * gives every slot as a full key, slot cap being the aside one. */
typedef struct fset {
    pkey *key;
    uint64_t *k64;
    size_t cap, n;
    bool on, narrow, zero;
} fset;

typedef struct ko_agg_table {
    const ko_pnode *node;
    ko_arena keys;
    uint8_t **key; /* per group */
    uint32_t *key_len;
    uint64_t *ghash; /* per group */
    uint64_t *slot_hash;
    uint32_t *slot_gid; /* UINT32_MAX: empty */
    size_t cap, n;      /* slots, groups */
    size_t n_slotted;   /* groups [0, n_slotted) are in the slot table */
    size_t gcap;
    agg_state *st;
    /* distinct sets: one table of serialised (gid, value) keys per agg */
    struct ko_agg_table **dset;
    struct fset *fs;       /* per agg: the integer distinct set (on: used) */
    uint32_t *dsel, *dgid; /* per-batch scratch of new pairs */
    /* per-batch scratch */
    uint64_t *hash;
    uint32_t *gid;
    ko_buf kb;
    size_t mem;
    /* packed keys: per key column its width in bits (0: not packable) */
    uint8_t *pbits;
    bool packable;
    size_t lazy_from;    /* groups from here on may lack their serialised key */
    bool lazy_keys;      /* some do */
    pkey *pk;            /* per live row of the batch */
    uint8_t *pok;        /* per live row: packed */
    uint64_t *ph;        /* per live row: hash of pk */
    pkey *gkey;          /* per group: its packed key */
    uint8_t *gpacked;    /* per group: gkey is set (the key packs) */
    uint32_t *pslot_gid; /* UINT32_MAX: empty */
    size_t pcap, pn;
    /* deferred merge (see merge_chain): tables merged into this one later */
    struct ko_agg_table *next;
    uint8_t *dead; /* per group: merged into an earlier table of the chain */
} ko_agg_table;

ko_agg_table *ko_agg_new(const ko_pnode *node);
void ko_agg_free(ko_agg_table *t);
ko_status ko_agg_push(ko_qctx *q, ko_agg_table *t, const ko_batch *b);
ko_status ko_agg_merge(ko_qctx *q, ko_agg_table *dst, ko_agg_table *src);
ko_status ko_agg_finish(ko_qctx *q, ko_agg_table *t, ko_rowset *out);

static ko_agg_table *table_new(const ko_pnode *node, size_t n_aggs)
{
    ko_agg_table *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->node = node;
    t->keys.chunk_size = 1 << 16;
    t->st = calloc(n_aggs ? n_aggs : 1, sizeof *t->st);
    t->hash = malloc(KO_SQL_BATCH * sizeof *t->hash);
    t->gid = malloc(KO_SQL_BATCH * sizeof *t->gid);
    if (!t->st || !t->hash || !t->gid) {
        ko_agg_free(t);
        return NULL;
    }
    return t;
}

/* Whether a DISTINCT aggregate's argument fits the integer set. */
static bool fset_ok(const ko_agg_spec *sp)
{
    switch (ko_sql_dtype_phys(&sp->in_type)) {
    case KO_PHYS_U8:
    case KO_PHYS_I8:
    case KO_PHYS_I16:
    case KO_PHYS_I32:
    case KO_PHYS_I64:
        return true;
    default:
        return false;
    }
}

bool ko_agg_parallel_ok(const ko_pnode *node);
bool ko_agg_parallel_ok(const ko_pnode *node)
{
    (void)node; /* every DISTINCT set merges (merge_fset, merge_dset) */
    return true;
}

/* Bits of a packed key column (null bit included), 0 when not packable. */
static unsigned pack_bits(const ko_sql_dtype *t)
{
    switch (ko_sql_dtype_phys(t)) {
    case KO_PHYS_U8:
    case KO_PHYS_I8:
        return 9;
    case KO_PHYS_I16:
        return 17;
    case KO_PHYS_I32:
        return 33;
    case KO_PHYS_I64:
        return 65;
    case KO_PHYS_STR:
        return 61;
    default:
        return 0;
    }
}

static bool pack_init(ko_agg_table *t, const ko_pnode *node)
{
    unsigned total = 0;
    t->pbits = calloc(node->n_groups ? node->n_groups : 1, 1);
    if (!t->pbits)
        return false;
    t->packable = node->n_groups > 0;
    for (size_t c = 0; c < node->n_groups; c++) {
        t->pbits[c] = (uint8_t)pack_bits(&node->types[c]);
        total += t->pbits[c];
        t->packable &= t->pbits[c] != 0;
    }
    t->packable &= total <= 128;
    if (!t->packable)
        return true;
    t->pk = malloc(KO_SQL_BATCH * sizeof *t->pk);
    t->pok = malloc(KO_SQL_BATCH);
    t->ph = malloc(KO_SQL_BATCH * sizeof *t->ph);
    return t->pk && t->pok && t->ph;
}

ko_agg_table *ko_agg_new(const ko_pnode *node)
{
    ko_agg_table *t = table_new(node, node->n_aggs);
    if (!t)
        return NULL;
    if (!pack_init(t, node)) {
        ko_agg_free(t);
        return NULL;
    }
    bool any_distinct = false;
    for (size_t a = 0; a < node->n_aggs; a++)
        any_distinct |= node->aggs[a].distinct;
    if (any_distinct) {
        t->dset = calloc(node->n_aggs, sizeof(ko_agg_table *));
        t->fs = calloc(node->n_aggs, sizeof *t->fs);
        t->dsel = malloc(KO_SQL_BATCH * sizeof *t->dsel);
        t->dgid = malloc(KO_SQL_BATCH * sizeof *t->dgid);
        if (!t->pk)
            t->pk = malloc(KO_SQL_BATCH * sizeof *t->pk);
        if (!t->dset || !t->fs || !t->dsel || !t->dgid || !t->pk) {
            ko_agg_free(t);
            return NULL;
        }
        for (size_t a = 0; a < node->n_aggs; a++) {
            t->fs[a].on = node->aggs[a].distinct && fset_ok(&node->aggs[a]);
            t->fs[a].narrow = node->n_groups == 0;
            if (node->aggs[a].distinct && !t->fs[a].on && !(t->dset[a] = table_new(NULL, 0))) {
                ko_agg_free(t);
                return NULL;
            }
        }
    }
    return t;
}

void ko_agg_free(ko_agg_table *t)
{
    if (!t)
        return;
    while (t->next) { /* iteratively: a chain holds one table per worker */
        ko_agg_table *x = t->next;
        t->next = x->next;
        x->next = NULL;
        ko_agg_free(x);
    }
    free(t->dead);
    size_t na = t->node ? t->node->n_aggs : 0;
    for (size_t a = 0; t->st && a < na; a++) {
        agg_state *s = &t->st[a];
        free(s->isum);
        free(s->dsum);
        free(s->m2);
        free(s->cnt);
        free(s->val);
        free(s->has);
        ko_sql_heap_free(&s->heap);
    }
    for (size_t a = 0; t->dset && a < na; a++)
        ko_agg_free(t->dset[a]);
    for (size_t a = 0; t->fs && a < na; a++) /* one of the two is set */
        free(t->fs[a].narrow ? (void *)t->fs[a].k64 : (void *)t->fs[a].key);
    free(t->fs);
    free(t->dsel);
    free(t->dgid);
    free(t->dset);
    free(t->st);
    free(t->key);
    free(t->key_len);
    free(t->ghash);
    free(t->slot_hash);
    free(t->slot_gid);
    free(t->hash);
    free(t->gid);
    free(t->pbits);
    free(t->pk);
    free(t->pok);
    free(t->ph);
    free(t->gkey);
    free(t->gpacked);
    free(t->pslot_gid);
    ko_buf_free(&t->kb);
    ko_arena_free(&t->keys);
    free(t);
}

/* ---------------------------------------------------------- states */

static bool grow_arr(void **p, size_t elem, size_t old, size_t cap)
{
    if (!*p && elem == 0)
        return true;
    void *n = realloc(*p, cap * elem);
    if (!n)
        return false;
    memset((uint8_t *)n + old * elem, 0, (cap - old) * elem);
    *p = n;
    return true;
}

static bool state_grow(const ko_agg_spec *sp, agg_state *s, size_t old, size_t cap)
{
    bool ok = true;
    switch (sp->fn) {
    case AGG_COUNT_STAR:
    case AGG_COUNT:
        ok = grow_arr((void **)&s->cnt, 8, old, cap);
        break;
    case AGG_SUM:
    case AGG_AVG:
        ok = grow_arr((void **)&s->cnt, 8, old, cap);
        if (ko_sql_dtype_is_integer(sp->in_type.id) || sp->in_type.id == KO_SQL_DT_DECIMAL)
            ok = ok && grow_arr((void **)&s->isum, 16, old, cap);
        else
            ok = ok && grow_arr((void **)&s->dsum, 8, old, cap);
        break;
    case AGG_MIN:
    case AGG_MAX:
    case AGG_FIRST:
    case AGG_BOOL_AND:
    case AGG_BOOL_OR:
        s->w = ko_sql_phys_size(ko_sql_dtype_phys(&sp->in_type));
        ok = grow_arr((void **)&s->val, s->w ? s->w : 1, old, cap) &&
             grow_arr((void **)&s->has, 1, old, cap);
        break;
    default: /* variance family: Welford */
        ok = grow_arr((void **)&s->cnt, 8, old, cap) && grow_arr((void **)&s->dsum, 8, old, cap) &&
             grow_arr((void **)&s->m2, 8, old, cap);
        break;
    }
    return ok;
}

static ko_status groups_grow(ko_qctx *q, ko_agg_table *t)
{
    size_t cap = t->gcap ? t->gcap * 2 : 64;
    size_t na = t->node ? t->node->n_aggs : 0;
    if (!grow_arr((void **)&t->key, sizeof *t->key, t->gcap, cap) ||
        !grow_arr((void **)&t->key_len, sizeof *t->key_len, t->gcap, cap) ||
        !grow_arr((void **)&t->ghash, sizeof *t->ghash, t->gcap, cap) ||
        (t->packable && (!grow_arr((void **)&t->gkey, sizeof *t->gkey, t->gcap, cap) ||
                         !grow_arr((void **)&t->gpacked, 1, t->gcap, cap))))
        return ko_err_set(q->err, KO_ERR_NOMEM, "out of memory in hash aggregate");
    for (size_t a = 0; a < na; a++)
        if (!state_grow(&t->node->aggs[a], &t->st[a], t->gcap, cap))
            return ko_err_set(q->err, KO_ERR_NOMEM, "out of memory in hash aggregate");
    size_t add = (cap - t->gcap) * (16 + 8 * (na + 1));
    t->mem += add;
    t->gcap = cap;
    return ko_qctx_mem(q, add, "hash aggregate");
}

/* ------------------------------------------------------------ slots */

static ko_status rehash(ko_qctx *q, ko_agg_table *t)
{
    size_t cap = t->cap ? t->cap * 2 : 256;
    uint64_t *h = calloc(cap, sizeof *h);
    uint32_t *g = malloc(cap * sizeof *g);
    if (!h || !g) {
        free(h);
        free(g);
        return ko_err_set(q->err, KO_ERR_NOMEM, "out of memory in hash aggregate");
    }
    memset(g, 0xff, cap * sizeof *g);
    for (size_t i = 0; i < t->cap; i++) {
        if (t->slot_gid[i] == UINT32_MAX)
            continue;
        size_t j = t->slot_hash[i] & (cap - 1);
        while (g[j] != UINT32_MAX)
            j = (j + 1) & (cap - 1);
        h[j] = t->slot_hash[i];
        g[j] = t->slot_gid[i];
    }
    free(t->slot_hash);
    free(t->slot_gid);
    size_t add = (cap - t->cap) * 12;
    t->slot_hash = h;
    t->slot_gid = g;
    t->cap = cap;
    t->mem += add;
    return ko_qctx_mem(q, add, "hash aggregate");
}

static void slot_put(ko_agg_table *t, uint32_t g)
{
    size_t mask = t->cap - 1, j = t->ghash[g] & mask;
    while (t->slot_gid[j] != UINT32_MAX)
        j = (j + 1) & mask;
    t->slot_hash[j] = t->ghash[g];
    t->slot_gid[j] = g;
}

/* Enters the groups added by add_group since the last call into the slot
 * table, leaving room for one more. */
static ko_status ensure_keys(ko_qctx *q, ko_agg_table *t);

static ko_status sync_slots(ko_qctx *q, ko_agg_table *t)
{
    ko_status kst = ensure_keys(q, t);
    if (kst != KO_OK)
        return kst;
    while ((t->n + 1) * 2 > t->cap) {
        ko_status st = rehash(q, t);
        if (st != KO_OK)
            return st;
    }
    for (; t->n_slotted < t->n; t->n_slotted++)
        slot_put(t, (uint32_t)t->n_slotted);
    return KO_OK;
}

/* Appends a group with key k (hash h), not yet in the slot table: the
 * packed path knows a key is new without probing it. */
static ko_status add_group(ko_qctx *q, ko_agg_table *t, const uint8_t *k, uint32_t len, uint64_t h,
                           uint32_t *gid)
{
    if (t->n == t->gcap) {
        ko_status st = groups_grow(q, t);
        if (st != KO_OK)
            return st;
    }
    uint8_t *copy = ko_arena_alloc(&t->keys, len ? len : 1);
    if (!copy)
        return ko_err_set(q->err, KO_ERR_NOMEM, "out of memory in hash aggregate");
    if (len)
        memcpy(copy, k, len);
    t->mem += len;
    uint32_t g = (uint32_t)t->n++;
    t->key[g] = copy;
    t->key_len[g] = len;
    t->ghash[g] = h;
    *gid = g;
    return len > 256 ? ko_qctx_mem(q, len, "hash aggregate") : KO_OK;
}

/* The group of key k (hash h), created when new; *is_new tells. */
static ko_status find_group(ko_qctx *q, ko_agg_table *t, const uint8_t *k, uint32_t len, uint64_t h,
                            uint32_t *gid, bool *is_new)
{
    ko_status st = sync_slots(q, t);
    if (st != KO_OK)
        return st;
    size_t mask = t->cap - 1, j = h & mask;
    for (;; j = (j + 1) & mask) {
        uint32_t g = t->slot_gid[j];
        if (g == UINT32_MAX)
            break;
        if (t->slot_hash[j] == h && t->key_len[g] == len && memcmp(t->key[g], k, len) == 0) {
            *gid = g;
            *is_new = false;
            return KO_OK;
        }
    }
    *is_new = true;
    st = add_group(q, t, k, len, h, gid);
    if (st == KO_OK) {
        slot_put(t, *gid);
        t->n_slotted++;
    }
    return st;
}

/* ------------------------------------------------------------ keys */

static uint64_t mix(uint64_t h, uint64_t x)
{
    h ^= x + 0x9E3779B97F4A7C15ULL + (h << 6) + (h >> 2);
    return h * 0xff51afd7ed558ccdULL;
}

/* The hash of a serialised key (the slot table's). */
static uint64_t key_hash(const uint8_t *p, size_t n)
{
    uint64_t h = 0x1234567 ^ n;
    for (; n >= 8; p += 8, n -= 8) {
        uint64_t x;
        memcpy(&x, p, 8);
        h = mix(h, x);
    }
    uint64_t x = 0;
    if (n)
        memcpy(&x, p, n);
    return mix(h, x);
}

static ko_status key_append(ko_buf *kb, const ko_vec *v, size_t row)
{
    uint8_t nul = !ko_vec_valid(v, row);
    ko_status st = ko_buf_append(kb, &nul, 1);
    if (st != KO_OK || nul)
        return st;
    size_t i = ko_vec_idx(v, row);
    ko_sql_phys p = ko_sql_dtype_phys(&v->type);
    if (p == KO_PHYS_STR) {
        const ko_sql_str *s = &KO_VEC_DATA(v, ko_sql_str)[i];
        st = ko_buf_append(kb, &s->len, 4);
        return st == KO_OK && s->len ? ko_buf_append(kb, s->ptr, s->len) : st;
    }
    if (p == KO_PHYS_F64) {
        double d = KO_VEC_DATA(v, double)[i] + 0.0; /* -0.0 + 0.0 is +0.0: groups with 0.0 */
        if (d != d)
            d = NAN;
        return ko_buf_append(kb, &d, 8);
    }
    size_t w = ko_sql_phys_size(p);
    return w ? ko_buf_append(kb, v->data + i * w, w) : KO_OK;
}

static ko_status map_groups(ko_qctx *q, ko_agg_table *t, const ko_batch *b, const int *cols,
                            size_t nk, size_t live)
{
    for (size_t k = 0; k < live; k++) {
        size_t row = ko_batch_row(b, k);
        ko_buf_reset(&t->kb);
        ko_status st = KO_OK;
        for (size_t c = 0; c < nk && st == KO_OK; c++)
            st = key_append(&t->kb, b->cols[cols[c]], row);
        if (st != KO_OK)
            return ko_err_set(q->err, KO_ERR_NOMEM, "out of memory in hash aggregate");
        bool is_new;
        const uint8_t *kp = t->kb.data ? t->kb.data : (const uint8_t *)"";
        st =
            find_group(q, t, kp, (uint32_t)t->kb.len, key_hash(kp, t->kb.len), &t->gid[k], &is_new);
        if (st != KO_OK)
            return st;
    }
    return KO_OK;
}

/* ------------------------------------------------------ packed keys */

/* One column's fields shifted into the packed keys of the live rows. */
static void pack_col(ko_agg_table *t, const ko_vec *v, const ko_batch *b, unsigned bits,
                     size_t live)
{
    ko_sql_phys p = ko_sql_dtype_phys(&v->type);
    for (size_t k = 0; k < live; k++) {
        size_t row = ko_batch_row(b, k), i = ko_vec_idx(v, row);
        uint64_t f = 0;
        if (!ko_vec_valid(v, row)) {
            t->pk[k] = (t->pk[k] << bits) | 1;
            continue;
        }
        switch (p) {
        case KO_PHYS_U8:
        case KO_PHYS_I8:
            f = v->data[i];
            break;
        case KO_PHYS_I16:
            f = (uint16_t)KO_VEC_DATA(v, const int16_t)[i];
            break;
        case KO_PHYS_I32:
            f = (uint32_t)KO_VEC_DATA(v, const int32_t)[i];
            break;
        case KO_PHYS_I64:
            f = (uint64_t)KO_VEC_DATA(v, const int64_t)[i];
            break;
        default: {
            const ko_sql_str *s = &KO_VEC_DATA(v, const ko_sql_str)[i];
            uint64_t x = 0;
            if (s->len > 7)
                t->pok[k] = 0;
            else /* in registers: a memcpy to a stack word stalls the reload */
                for (uint32_t j = 0; j < s->len; j++)
                    x |= (uint64_t)(uint8_t)s->ptr[j] << (8 * j);
            f = (x << 4) | (s->len & 15);
            break;
        }
        }
        t->pk[k] = (t->pk[k] << bits) | ((pkey)f << 1);
    }
}

static uint64_t pkey_hash(pkey k)
{
    uint64_t lo = (uint64_t)k, hi = (uint64_t)(k >> 64);
    uint64_t h = (lo ^ (hi * 0x9E3779B97F4A7C15ULL)) * 0xff51afd7ed558ccdULL;
    return h ^ (h >> 29);
}

/* Doubles the packed slot table until it holds `more` more keys at half
 * load, so that a batch's probes never see it move. */
static ko_status prehash(ko_qctx *q, ko_agg_table *t, size_t more)
{
    size_t cap = t->pcap ? t->pcap : 64;
    while ((t->pn + more) * 2 > cap)
        cap *= 2;
    if (cap == t->pcap)
        return KO_OK;
    uint32_t *g = malloc(cap * sizeof *g);
    if (!g)
        return ko_err_set(q->err, KO_ERR_NOMEM, "out of memory in hash aggregate");
    memset(g, 0xff, cap * sizeof *g);
    /* by group, not by slot: the keys are read in order */
    for (size_t x = 0; t->pn && x < t->n; x++) {
        if (!t->gpacked[x])
            continue;
        size_t j = pkey_hash(t->gkey[x]) & (cap - 1);
        while (g[j] != UINT32_MAX)
            j = (j + 1) & (cap - 1);
        g[j] = (uint32_t)x;
    }
    free(t->pslot_gid);
    size_t add = (cap - t->pcap) * sizeof *g;
    t->pslot_gid = g;
    t->pcap = cap;
    t->mem += add;
    return ko_qctx_mem(q, add, "hash aggregate");
}

/* The group of row `row` through the serialised path; known_new: the key
 * is packable and missing from the packed table, hence new. */
static ko_status slow_group(ko_qctx *q, ko_agg_table *t, const ko_batch *b, size_t row,
                            bool known_new, uint32_t *gid)
{
    const ko_pnode *n = t->node;
    ko_buf_reset(&t->kb);
    ko_status st = KO_OK;
    for (size_t c = 0; c < n->n_groups && st == KO_OK; c++)
        st = key_append(&t->kb, b->cols[n->group_cols[c]], row);
    if (st != KO_OK)
        return ko_err_set(q->err, KO_ERR_NOMEM, "out of memory in hash aggregate");
    const uint8_t *kp = t->kb.data ? t->kb.data : (const uint8_t *)"";
    uint64_t h = key_hash(kp, t->kb.len);
    bool is_new;
    return known_new ? add_group(q, t, kp, (uint32_t)t->kb.len, h, gid)
                     : find_group(q, t, kp, (uint32_t)t->kb.len, h, gid, &is_new);
}

/* Lazy keys.  A group made through the packed path keeps only its packed
 * key; its serialised key (which the slot table, merges of unpacked
 * tables and DISTINCT sets use) is written by ensure_keys when first
 * needed, and ko_agg_finish unpacks the key columns straight from gkey.
 * High-cardinality GROUP BY thus never serialises its keys. */
static ko_status add_packed(ko_qctx *q, ko_agg_table *t, pkey k, uint32_t *gid)
{
    if (t->n == t->gcap) {
        ko_status st = groups_grow(q, t);
        if (st != KO_OK)
            return st;
    }
    uint32_t g = (uint32_t)t->n++;
    t->key[g] = NULL;
    t->key_len[g] = 0;
    t->ghash[g] = 0;
    t->gkey[g] = k;
    t->gpacked[g] = 1;
    if (!t->lazy_keys)
        t->lazy_from = g;
    t->lazy_keys = true;
    *gid = g;
    return KO_OK;
}

/* Key column c's field of packed key k (null bit in bit 0, the value
 * above it), the columns after c shifted out. */
static uint64_t packed_field(const ko_agg_table *t, pkey k, size_t c, bool *is_null)
{
    const ko_pnode *n = t->node;
    for (size_t d = n->n_groups; d-- > c + 1;)
        k >>= t->pbits[d];
    pkey field = k & (((pkey)1 << t->pbits[c]) - 1);
    *is_null = (field & 1) != 0;
    return (uint64_t)(field >> 1);
}

/* The serialised form (key_append's) of packed group g into kb. */
static ko_status serialise_packed(const ko_agg_table *t, uint32_t g, ko_buf *kb)
{
    const ko_pnode *n = t->node;
    ko_buf_reset(kb);
    ko_status st = KO_OK;
    for (size_t c = 0; c < n->n_groups && st == KO_OK; c++) {
        bool nul;
        uint64_t f = packed_field(t, t->gkey[g], c, &nul);
        uint8_t nb = nul;
        st = ko_buf_append(kb, &nb, 1);
        if (st != KO_OK || nul)
            continue;
        ko_sql_phys p = ko_sql_dtype_phys(&n->types[c]);
        if (p == KO_PHYS_STR) {
            uint32_t len = (uint32_t)(f & 15);
            uint64_t bytes = f >> 4;
            st = ko_buf_append(kb, &len, 4);
            if (st == KO_OK && len)
                st = ko_buf_append(kb, &bytes, len); /* little-endian: the low bytes */
        } else {
            st = ko_buf_append(kb, &f, ko_sql_phys_size(p));
        }
    }
    return st;
}

/* Writes the serialised keys of the lazily keyed groups.  Uses its own
 * buffer: callers (slow_group via find_group) hold a key in t->kb. */
static ko_status ensure_keys(ko_qctx *q, ko_agg_table *t)
{
    if (!t->lazy_keys)
        return KO_OK;
    ko_buf kb = {0};
    ko_status st = KO_OK;
    for (size_t g = t->lazy_from; g < t->n && st == KO_OK; g++) {
        if (t->key[g])
            continue;
        uint8_t *copy = NULL;
        if (serialise_packed(t, (uint32_t)g, &kb) == KO_OK)
            copy = ko_arena_alloc(&t->keys, kb.len ? kb.len : 1);
        if (!copy) {
            st = ko_err_set(q->err, KO_ERR_NOMEM, "out of memory in hash aggregate");
            break;
        }
        memcpy(copy, kb.data, kb.len);
        t->key[g] = copy;
        t->key_len[g] = (uint32_t)kb.len;
        t->ghash[g] = key_hash(copy, kb.len);
        t->mem += kb.len;
    }
    ko_buf_free(&kb);
    if (st == KO_OK)
        t->lazy_keys = false;
    return st;
}

/* The group of packed key k (hash h): the packed table, else a new group
 * made through the serialised path (and entered in the packed table).
 * The table has room (prehash). */
static ko_status packed_group(ko_qctx *q, ko_agg_table *t, const ko_batch *b, size_t row, pkey k,
                              uint64_t h, uint32_t *gid)
{
    size_t mask = t->pcap - 1, j = h & mask;
    for (;; j = (j + 1) & mask) {
        uint32_t g = t->pslot_gid[j];
        if (g == UINT32_MAX)
            break;
        if (t->gkey[g] == k) {
            *gid = g;
            return KO_OK;
        }
    }
    (void)b;
    (void)row;
    ko_status st = add_packed(q, t, k, gid);
    if (st == KO_OK) {
        t->pslot_gid[j] = *gid;
        t->pn++;
    }
    return st;
}

/* Marks the packed keys equal to the previous row's (pok 2), hashes the
 * others and prefetches their slots. */
static void packed_prefetch(ko_agg_table *t, size_t live)
{
    size_t mask = t->pcap - 1;
    for (size_t k = 0; k < live; k++) {
        if (!t->pok[k])
            continue;
        if (k > 0 && t->pok[k - 1] && t->pk[k] == t->pk[k - 1]) {
            t->pok[k] = 2;
            continue;
        }
        t->ph[k] = pkey_hash(t->pk[k]);
        __builtin_prefetch(&t->pslot_gid[t->ph[k] & mask]);
    }
}

static ko_status map_packed(ko_qctx *q, ko_agg_table *t, const ko_batch *b, size_t live)
{
    const ko_pnode *n = t->node;
    for (size_t c = 0; c < n->n_groups; c++)
        if (pack_bits(&b->cols[n->group_cols[c]]->type) != t->pbits[c]) {
            t->packable = false; /* a key vector not of the planned type: stop packing */
            return map_groups(q, t, b, n->group_cols, n->n_groups, live);
        }
    memset(t->pk, 0, live * sizeof *t->pk);
    memset(t->pok, 1, live);
    for (size_t c = 0; c < n->n_groups; c++)
        pack_col(t, b->cols[n->group_cols[c]], b, t->pbits[c], live);
    ko_status st = prehash(q, t, live);
    if (st == KO_OK)
        packed_prefetch(t, live);
    for (size_t k = 0; k < live && st == KO_OK; k++) {
        size_t row = ko_batch_row(b, k);
        if (!t->pok[k])
            st = slow_group(q, t, b, row, false, &t->gid[k]);
        else if (t->pok[k] == 2)
            t->gid[k] = t->gid[k - 1];
        else
            st = packed_group(q, t, b, row, t->pk[k], t->ph[k], &t->gid[k]);
    }
    return st;
}

/* ------------------------------------------------------- updates */

#define SUM_LOOP(T, ACC, FIELD)                        \
    do {                                               \
        const T *x = KO_VEC_DATA(v, const T);          \
        if (v->is_const) {                             \
            for (size_t k = 0; k < live; k++)          \
                if (ko_vec_valid(v, 0)) {              \
                    s->FIELD[gid[k]] += (ACC)x[0];     \
                    s->cnt[gid[k]]++;                  \
                }                                      \
        } else if (!v->validity && b->sel) {           \
            for (size_t k = 0; k < live; k++) {        \
                s->FIELD[gid[k]] += (ACC)x[b->sel[k]]; \
                s->cnt[gid[k]]++;                      \
            }                                          \
        } else if (!v->validity) {                     \
            for (size_t k = 0; k < live; k++) {        \
                s->FIELD[gid[k]] += (ACC)x[k];         \
                s->cnt[gid[k]]++;                      \
            }                                          \
        } else {                                       \
            for (size_t k = 0; k < live; k++) {        \
                size_t r_ = ko_batch_row(b, k);        \
                if (ko_vec_valid(v, r_)) {             \
                    s->FIELD[gid[k]] += (ACC)x[r_];    \
                    s->cnt[gid[k]]++;                  \
                }                                      \
            }                                          \
        }                                              \
    } while (0)

static void upd_sum(agg_state *s, const ko_vec *v, const ko_batch *b, const uint32_t *gid,
                    size_t live)
{
    switch (ko_sql_dtype_phys(&v->type)) {
    case KO_PHYS_I8:
        SUM_LOOP(int8_t, ko_i128, isum);
        break;
    case KO_PHYS_I16:
        SUM_LOOP(int16_t, ko_i128, isum);
        break;
    case KO_PHYS_I32:
        SUM_LOOP(int32_t, ko_i128, isum);
        break;
    case KO_PHYS_I64:
        SUM_LOOP(int64_t, ko_i128, isum);
        break;
    case KO_PHYS_I128:
        SUM_LOOP(ko_i128, ko_i128, isum);
        break;
    case KO_PHYS_F32:
        SUM_LOOP(float, double, dsum);
        break;
    case KO_PHYS_F64:
        SUM_LOOP(double, double, dsum);
        break;
    case KO_PHYS_U8:
        SUM_LOOP(uint8_t, ko_i128, isum);
        break;
    default:
        break;
    }
}

static void upd_count(agg_state *s, const ko_vec *v, const ko_batch *b, const uint32_t *gid,
                      size_t live)
{
    if (!v) {
        for (size_t k = 0; k < live; k++)
            s->cnt[gid[k]]++;
        return;
    }
    for (size_t k = 0; k < live; k++)
        s->cnt[gid[k]] += ko_vec_valid(v, ko_batch_row(b, k));
}

static double num_at(const ko_vec *v, size_t row)
{
    size_t i = ko_vec_idx(v, row);
    switch (ko_sql_dtype_phys(&v->type)) {
    case KO_PHYS_U8:
        return v->data[i];
    case KO_PHYS_I8:
        return ((const int8_t *)v->data)[i];
    case KO_PHYS_I16:
        return KO_VEC_DATA(v, int16_t)[i];
    case KO_PHYS_I32:
        return KO_VEC_DATA(v, int32_t)[i];
    case KO_PHYS_I64:
        return v->type.id == KO_SQL_DT_DECIMAL
                   ? (double)KO_VEC_DATA(v, int64_t)[i] / (double)ko_sql_pow10(v->type.scale)
                   : (double)KO_VEC_DATA(v, int64_t)[i];
    case KO_PHYS_I128:
        return v->type.id == KO_SQL_DT_DECIMAL
                   ? (double)KO_VEC_DATA(v, ko_i128)[i] / (double)ko_sql_pow10(v->type.scale)
                   : (double)KO_VEC_DATA(v, ko_i128)[i];
    case KO_PHYS_F32:
        return KO_VEC_DATA(v, float)[i];
    default:
        return KO_VEC_DATA(v, double)[i];
    }
}

static void welford(agg_state *s, uint32_t g, double x)
{
    int64_t n = ++s->cnt[g];
    double d = x - s->dsum[g];
    s->dsum[g] += d / (double)n;
    s->m2[g] += d * (x - s->dsum[g]);
}

static ko_status keep_str(agg_state *s, uint8_t *slot, const ko_sql_str *src)
{
    char *d = src->len ? ko_sql_heap_alloc(&s->heap, src->len) : NULL;
    if (src->len && !d)
        return KO_ERR_NOMEM;
    if (src->len)
        memcpy(d, src->ptr, src->len);
    ko_sql_str c = {d, src->len, 0};
    memcpy(slot, &c, sizeof c);
    return KO_OK;
}

/* MIN/MAX/FIRST/BOOL_AND/BOOL_OR of one value into group g. */
static ko_status upd_minmax_one(const ko_agg_spec *sp, agg_state *s, const ko_vec *v, size_t row,
                                uint32_t g)
{
    size_t i = ko_vec_idx(v, row);
    uint8_t *slot = s->val + (size_t)g * s->w;
    const uint8_t *src = v->data + i * s->w;
    bool take = !s->has[g];
    if (!take && sp->fn == AGG_BOOL_AND) {
        *slot &= *src;
        return KO_OK;
    }
    if (!take && sp->fn == AGG_BOOL_OR) {
        *slot |= *src;
        return KO_OK;
    }
    if (!take && sp->fn != AGG_FIRST) {
        ko_vec cur = *v;
        cur.data = slot;
        cur.is_const = true;
        cur.validity = NULL;
        int c = ko_vec_cmp(v, row, &cur, 0);
        take = sp->fn == AGG_MIN ? c < 0 : c > 0;
    }
    if (!take)
        return KO_OK;
    s->has[g] = 1;
    if (ko_sql_dtype_phys(&v->type) == KO_PHYS_STR)
        return keep_str(s, slot, (const ko_sql_str *)(const void *)src);
    memcpy(slot, src, s->w);
    return KO_OK;
}

/* NOLINTBEGIN(bugprone-macro-parentheses): T is a type, CMPOP an operator */
#define MINMAX_FAST(T, CMPOP)                        \
    do {                                             \
        const T *x = KO_VEC_DATA(v, const T);        \
        T *o = (T *)(void *)s->val;                  \
        for (size_t k = 0; k < live; k++) {          \
            size_t r_ = ko_batch_row(b, k);          \
            uint32_t g = gid[k];                     \
            if (v->validity && !ko_vec_valid(v, r_)) \
                continue;                            \
            T y = x[r_];                             \
            if (!s->has[g] || y CMPOP o[g]) {        \
                o[g] = y;                            \
                s->has[g] = 1;                       \
            }                                        \
        }                                            \
    } while (0)
/* NOLINTEND(bugprone-macro-parentheses) */

static ko_status upd_minmax(const ko_agg_spec *sp, agg_state *s, const ko_vec *v, const ko_batch *b,
                            const uint32_t *gid, size_t live)
{
    ko_sql_phys p = ko_sql_dtype_phys(&v->type);
    if (!v->is_const && (sp->fn == AGG_MIN || sp->fn == AGG_MAX)) {
        bool mn = sp->fn == AGG_MIN;
        switch (p) {
        case KO_PHYS_I32:
            if (mn)
                MINMAX_FAST(int32_t, <);
            else
                MINMAX_FAST(int32_t, >);
            return KO_OK;
        case KO_PHYS_I64:
            if (mn)
                MINMAX_FAST(int64_t, <);
            else
                MINMAX_FAST(int64_t, >);
            return KO_OK;
        default:
            break;
        }
    }
    for (size_t k = 0; k < live; k++) {
        size_t row = ko_batch_row(b, k);
        if (!ko_vec_valid(v, row))
            continue;
        if (upd_minmax_one(sp, s, v, row, gid[k]) != KO_OK)
            return KO_ERR_NOMEM;
    }
    return KO_OK;
}

static ko_status update_one(const ko_agg_spec *sp, agg_state *s, const ko_vec *v, const ko_batch *b,
                            const uint32_t *gid, size_t live)
{
    switch (sp->fn) {
    case AGG_COUNT_STAR:
        upd_count(s, NULL, b, gid, live);
        return KO_OK;
    case AGG_COUNT:
        upd_count(s, v, b, gid, live);
        return KO_OK;
    case AGG_SUM:
    case AGG_AVG:
        upd_sum(s, v, b, gid, live);
        return KO_OK;
    case AGG_MIN:
    case AGG_MAX:
    case AGG_FIRST:
    case AGG_BOOL_AND:
    case AGG_BOOL_OR:
        return upd_minmax(sp, s, v, b, gid, live);
    default:
        for (size_t k = 0; k < live; k++) {
            size_t row = ko_batch_row(b, k);
            if (ko_vec_valid(v, row))
                welford(s, gid[k], num_at(v, row));
        }
        return KO_OK;
    }
}

/* DISTINCT: rows whose (group, value) pair is new go to the update. */
static ko_status update_distinct(ko_qctx *q, ko_agg_table *t, size_t a, const ko_batch *b,
                                 size_t live)
{
    const ko_agg_spec *sp = &t->node->aggs[a];
    const ko_vec *v = b->cols[sp->arg];
    ko_agg_table *ds = t->dset[a];
    uint32_t one[1];
    for (size_t k = 0; k < live; k++) {
        size_t row = ko_batch_row(b, k);
        if (!ko_vec_valid(v, row))
            continue;
        ko_buf_reset(&ds->kb);
        ko_status st = ko_buf_append(&ds->kb, &t->gid[k], 4);
        if (st == KO_OK)
            st = key_append(&ds->kb, v, row);
        if (st != KO_OK)
            return ko_err_set(q->err, KO_ERR_NOMEM, "out of memory in hash aggregate");
        uint64_t h = mix(ko_vec_hash(v, row), t->gid[k]);
        uint32_t g;
        bool is_new;
        st = find_group(q, ds, ds->kb.data, (uint32_t)ds->kb.len, h, &g, &is_new);
        if (st != KO_OK)
            return st;
        if (!is_new)
            continue;
        one[0] = t->gid[k];
        uint32_t sel1[1] = {(uint32_t)row};
        ko_batch b1 = {b->n, sel1, 1, b->cols, b->n_cols};
        st = update_one(sp, &t->st[a], v, &b1, one, 1);
        if (st != KO_OK)
            return ko_err_set(q->err, KO_ERR_NOMEM, "out of memory in hash aggregate");
    }
    return KO_OK;
}

/* ------------------------------------------------- integer distinct sets */

static uint64_t int_bits(const ko_vec *v, ko_sql_phys p, size_t i)
{
    switch (p) {
    case KO_PHYS_U8:
    case KO_PHYS_I8:
        return v->data[i];
    case KO_PHYS_I16:
        return (uint16_t)KO_VEC_DATA(v, const int16_t)[i];
    case KO_PHYS_I32:
        return (uint32_t)KO_VEC_DATA(v, const int32_t)[i];
    default:
        return (uint64_t)KO_VEC_DATA(v, const int64_t)[i];
    }
}

static uint64_t fset_hash(pkey k)
{
    uint64_t lo = (uint64_t)k, hi = (uint64_t)(k >> 64);
    uint64_t h = (lo * 0x9E3779B97F4A7C15ULL) ^ (hi * 0xC2B2AE3D27D4EB4FULL);
    return h ^ (h >> 31);
}

static uint64_t fset_hash64(uint64_t x)
{
    uint64_t h = x * 0x9E3779B97F4A7C15ULL;
    return h ^ (h >> 31);
}

/* Slot i (0..cap) of f as a full key, 0 when empty. */
static pkey fset_at(const fset *f, size_t i)
{
    if (!f->narrow)
        return i < f->cap ? f->key[i] : 0;
    if (i == f->cap)
        return f->zero ? (pkey)1 << 64 : 0;
    return f->k64[i] ? ((pkey)1 << 64) | f->k64[i] : 0;
}

static void fset_prefetch(const fset *f, pkey k)
{
    if (f->narrow)
        __builtin_prefetch(&f->k64[fset_hash64((uint64_t)k) & (f->cap - 1)]);
    else
        __builtin_prefetch(&f->key[fset_hash(k) & (f->cap - 1)]);
}

/* Narrow fset_add: the value x. */
static inline __attribute__((always_inline)) bool fset_add64(fset *f, uint64_t x)
{
    if (!x) {
        bool was = f->zero;
        f->zero = true;
        return !was;
    }
    size_t mask = f->cap - 1, j = fset_hash64(x) & mask;
    for (; f->k64[j]; j = (j + 1) & mask)
        if (f->k64[j] == x)
            return false;
    f->k64[j] = x;
    f->n++;
    return true;
}

/* Adds k (not 0) to f, which has room; true when it was new. */
static inline __attribute__((always_inline)) bool fset_add(fset *f, pkey k)
{
    if (f->narrow)
        return fset_add64(f, (uint64_t)k);
    size_t mask = f->cap - 1, j = fset_hash(k) & mask;
    for (; f->key[j]; j = (j + 1) & mask)
        if (f->key[j] == k)
            return false;
    f->key[j] = k;
    f->n++;
    return true;
}

/* Makes room for `more` keys at half load. */
static ko_status fset_room(ko_qctx *q, ko_agg_table *t, fset *f, size_t more)
{
    if ((f->n + more) * 2 <= f->cap)
        return KO_OK;
    size_t cap = f->cap ? f->cap * 2 : 1024;
    while ((f->n + more) * 2 > cap)
        cap *= 2;
    size_t w = f->narrow ? sizeof(uint64_t) : sizeof(pkey);
    fset g = {NULL, NULL, cap, 0, true, f->narrow, false};
    void *mem = calloc(cap, w);
    if (!mem)
        return ko_err_set(q->err, KO_ERR_NOMEM, "out of memory in hash aggregate");
    if (f->narrow)
        g.k64 = mem;
    else
        g.key = mem;
    for (size_t i = 0; i <= f->cap && f->cap; i++) {
        pkey k = fset_at(f, i);
        if (k)
            fset_add(&g, k);
    }
    size_t add = (cap - f->cap) * w;
    free(f->narrow ? (void *)f->k64 : (void *)f->key);
    *f = g;
    t->mem += add;
    return ko_qctx_mem(q, add, "count(DISTINCT)");
}

static ko_status update_distinct_fast(ko_qctx *q, ko_agg_table *t, size_t a, const ko_batch *b,
                                      size_t live)
{
    const ko_agg_spec *sp = &t->node->aggs[a];
    const ko_vec *v = b->cols[sp->arg];
    fset *f = &t->fs[a];
    size_t m = 0, n = 0;
    ko_status st = fset_room(q, t, f, live);
    if (st != KO_OK)
        return st;
    ko_sql_phys p = ko_sql_dtype_phys(&v->type); /* once: not per row */
    for (size_t k = 0; k < live; k++) {          /* keys, prefetching their slots */
        size_t row = ko_batch_row(b, k);
        if (!ko_vec_valid(v, row))
            continue;
        t->pk[n] = ((pkey)(t->gid[k] + 1ULL) << 64) | int_bits(v, p, ko_vec_idx(v, row));
        fset_prefetch(f, t->pk[n]);
        t->dsel[n++] = (uint32_t)k;
    }
    for (size_t i = 0; i < n; i++) { /* one loop per kind of set: fset_add64 inlines */
        if (f->narrow ? fset_add64(f, (uint64_t)t->pk[i]) : fset_add(f, t->pk[i])) {
            size_t k = t->dsel[i];
            t->dsel[m] = (uint32_t)ko_batch_row(b, k);
            t->dgid[m++] = t->gid[k];
        }
    }
    ko_batch b1 = {b->n, t->dsel, m, b->cols, b->n_cols};
    if (m && update_one(sp, &t->st[a], v, &b1, t->dgid, m) != KO_OK)
        return ko_err_set(q->err, KO_ERR_NOMEM, "out of memory in hash aggregate");
    return KO_OK;
}

/* Merges src's integer set of aggregate a into dst's: pairs new to dst
 * update its state; gmap maps src groups to dst groups. */
static ko_status merge_fset(ko_qctx *q, ko_agg_table *dst, ko_agg_table *src, size_t a,
                            const uint32_t *gmap)
{
    const ko_agg_spec *sp = &dst->node->aggs[a];
    fset *sf = &src->fs[a];
    if (!gmap)
        return KO_OK;
    for (size_t i = 0; i <= sf->cap && sf->cap; i++) {
        pkey k = fset_at(sf, i);
        if (!k)
            continue;
        uint32_t gd = gmap[(size_t)(k >> 64) - 1];
        uint64_t x = (uint64_t)k;
        ko_status st = fset_room(q, dst, &dst->fs[a], 1);
        if (st != KO_OK)
            return st;
        if (!fset_add(&dst->fs[a], ((pkey)(gd + 1ULL) << 64) | x))
            continue;
        uint8_t val[16] = {0};
        size_t w = ko_sql_phys_size(ko_sql_dtype_phys(&sp->in_type));
        memcpy(val, &x, w); /* little-endian: the low bytes hold the value */
        ko_vec one = {0};
        one.type = sp->in_type;
        one.data = val;
        one.is_const = true;
        ko_batch b1 = {1, NULL, 0, NULL, 0};
        if (update_one(sp, &dst->st[a], &one, &b1, &gd, 1) != KO_OK)
            return ko_err_set(q->err, KO_ERR_NOMEM, "out of memory in hash aggregate");
    }
    return KO_OK;
}

/* The value of a serialised distinct key (gid, null byte, value) as a
 * one-row constant vector over buf / the key's bytes (no copy). */
static void dkey_value(const ko_agg_spec *sp, const uint8_t *key, uint32_t len, ko_vec *one,
                       uint8_t *buf)
{
    const uint8_t *p = key + 5; /* gid, null byte (0: distinct keys are never null) */
    memset(one, 0, sizeof *one);
    one->type = sp->in_type;
    one->is_const = true;
    one->data = buf;
    ko_sql_phys ph = ko_sql_dtype_phys(&sp->in_type);
    if (ph == KO_PHYS_STR) {
        uint32_t n;
        memcpy(&n, p, 4);
        ko_sql_str s = {n ? (const char *)p + 4 : NULL, n, 0};
        memcpy(buf, &s, sizeof s);
        return;
    }
    size_t w = ko_sql_phys_size(ph);
    if (w && w <= 16 && 5 + w <= len)
        memcpy(buf, p, w);
}

/* Merges src's serialised distinct set of aggregate a into dst's: pairs
 * new to dst (src groups mapped through gmap) update dst's state. */
static ko_status merge_dset(ko_qctx *q, ko_agg_table *dst, ko_agg_table *src, size_t a,
                            const uint32_t *gmap)
{
    const ko_agg_spec *sp = &dst->node->aggs[a];
    ko_agg_table *ss = src->dset[a], *ds = dst->dset[a];
    if (!gmap || !ss || !ds)
        return KO_OK;
    for (size_t i = 0; i < ss->n; i++) {
        const uint8_t *k = ss->key[i];
        uint32_t len = ss->key_len[i], gs;
        if (len < 5)
            continue;
        memcpy(&gs, k, 4);
        uint32_t gd = gmap[gs];
        ko_buf_reset(&ds->kb);
        if (ko_buf_append(&ds->kb, &gd, 4) != KO_OK ||
            ko_buf_append(&ds->kb, k + 4, len - 4) != KO_OK)
            return ko_err_set(q->err, KO_ERR_NOMEM, "out of memory in hash aggregate");
        _Alignas(16) uint8_t buf[16] = {0};
        ko_vec one;
        dkey_value(sp, k, len, &one, buf);
        uint32_t g;
        bool is_new;
        ko_status st = find_group(q, ds, ds->kb.data, (uint32_t)ds->kb.len,
                                  mix(ko_vec_hash(&one, 0), gd), &g, &is_new);
        if (st != KO_OK)
            return st;
        ko_batch b1 = {1, NULL, 0, NULL, 0};
        if (is_new && update_one(sp, &dst->st[a], &one, &b1, &gd, 1) != KO_OK)
            return ko_err_set(q->err, KO_ERR_NOMEM, "out of memory in hash aggregate");
    }
    return KO_OK;
}

static ko_status ensure_global_group(ko_qctx *q, ko_agg_table *t)
{
    if (t->n > 0)
        return KO_OK;
    bool is_new;
    uint32_t g;
    return find_group(q, t, (const uint8_t *)"", 0, 0, &g, &is_new);
}

ko_status ko_agg_push(ko_qctx *q, ko_agg_table *t, const ko_batch *b)
{
    const ko_pnode *n = t->node;
    size_t live = ko_batch_live(b);
    if (live == 0)
        return KO_OK;
    ko_status st;
    if (n->n_groups == 0) {
        st = ensure_global_group(q, t);
        memset(t->gid, 0, live * sizeof *t->gid);
    } else if (t->packable) {
        st = map_packed(q, t, b, live);
    } else {
        st = map_groups(q, t, b, n->group_cols, n->n_groups, live);
    }
    for (size_t a = 0; a < n->n_aggs && st == KO_OK; a++) {
        const ko_agg_spec *sp = &n->aggs[a];
        if (sp->distinct && t->fs[a].on)
            st = update_distinct_fast(q, t, a, b, live);
        else if (sp->distinct)
            st = update_distinct(q, t, a, b, live);
        else if (update_one(sp, &t->st[a], sp->arg >= 0 ? b->cols[sp->arg] : NULL, b, t->gid,
                            live) != KO_OK)
            st = ko_err_set(q->err, KO_ERR_NOMEM, "out of memory in hash aggregate");
    }
    return st;
}

/* ---------------------------------------------------------------- merge */

static ko_status merge_state(const ko_agg_spec *sp, agg_state *d, uint32_t gd, agg_state *s,
                             uint32_t gs)
{
    switch (sp->fn) {
    case AGG_COUNT_STAR:
    case AGG_COUNT:
        d->cnt[gd] += s->cnt[gs];
        return KO_OK;
    case AGG_SUM:
    case AGG_AVG:
        d->cnt[gd] += s->cnt[gs];
        if (d->isum)
            d->isum[gd] += s->isum[gs];
        else
            d->dsum[gd] += s->dsum[gs];
        return KO_OK;
    case AGG_MIN:
    case AGG_MAX:
    case AGG_FIRST:
    case AGG_BOOL_AND:
    case AGG_BOOL_OR: {
        if (!s->has[gs])
            return KO_OK;
        ko_vec v = {0};
        v.type = sp->in_type;
        v.data = s->val + (size_t)gs * s->w;
        v.is_const = true;
        return upd_minmax_one(sp, d, &v, 0, gd);
    }
    default: {
        int64_t na = d->cnt[gd], nb = s->cnt[gs];
        if (!nb)
            return KO_OK;
        double delta = s->dsum[gs] - d->dsum[gd];
        int64_t n = na + nb;
        d->dsum[gd] += delta * (double)nb / (double)n;
        d->m2[gd] += s->m2[gs] + delta * delta * (double)na * (double)nb / (double)n;
        d->cnt[gd] = n;
        return KO_OK;
    }
    }
}

/* Group g of src in dst (created when new): through the packed table when
 * both tables pack keys and g's key packed, else the serialised path. */
static ko_status merge_group(ko_qctx *q, ko_agg_table *dst, const ko_agg_table *src, size_t g,
                             uint32_t *gd)
{
    bool is_new;
    if (!dst->packable || !src->gpacked || !src->gpacked[g])
        return find_group(q, dst, src->key[g], src->key_len[g], src->ghash[g], gd, &is_new);
    pkey k = src->gkey[g];
    size_t mask = dst->pcap - 1, j = pkey_hash(k) & mask;
    for (;; j = (j + 1) & mask) {
        uint32_t x = dst->pslot_gid[j];
        if (x == UINT32_MAX)
            break;
        if (dst->gkey[x] == k) {
            *gd = x;
            return KO_OK;
        }
    }
    ko_status st = add_packed(q, dst, k, gd);
    if (st == KO_OK) {
        dst->pslot_gid[j] = *gd;
        dst->pn++;
    }
    return st;
}

/* Merges src's DISTINCT sets into dst's (gmap: src group -> dst group). */
static ko_status merge_sets(ko_qctx *q, ko_agg_table *dst, ko_agg_table *src, const uint32_t *gmap)
{
    const ko_pnode *n = dst->node;
    ko_status st = KO_OK;
    for (size_t a = 0; a < n->n_aggs && st == KO_OK; a++)
        if (dst->fs[a].on)
            st = merge_fset(q, dst, src, a, gmap);
        else if (n->aggs[a].distinct)
            st = merge_dset(q, dst, src, a, gmap);
    return st;
}

/* Every group of src into dst with its states (gmap, when not NULL,
 * receives each src group's dst group). */
static ko_status merge_groups(ko_qctx *q, ko_agg_table *dst, ko_agg_table *src, uint32_t *gmap)
{
    const ko_pnode *n = dst->node;
    ko_status st = KO_OK;
    bool ahead = dst->packable && src->gpacked && dst->pcap;
    for (size_t g = 0; g < src->n && st == KO_OK; g++) {
        uint32_t gd;
        if (ahead && g + 16 < src->n) /* dst's slots miss the cache: fetch them early */
            __builtin_prefetch(&dst->pslot_gid[pkey_hash(src->gkey[g + 16]) & (dst->pcap - 1)]);
        st = merge_group(q, dst, src, g, &gd);
        if (gmap)
            gmap[g] = gd;
        for (size_t a = 0; a < n->n_aggs && st == KO_OK; a++)
            if (!n->aggs[a].distinct &&
                merge_state(&n->aggs[a], &dst->st[a], gd, &src->st[a], (uint32_t)g) != KO_OK)
                st = ko_err_set(q->err, KO_ERR_NOMEM, "out of memory in hash aggregate");
    }
    return st;
}

static ko_status merge_now(ko_qctx *q, ko_agg_table *dst, ko_agg_table *src)
{
    /* packed: room in dst's packed table; else the serialised path reads
     * src's keys */
    ko_status pst = dst->packable ? prehash(q, dst, src->n) : ensure_keys(q, src);
    uint32_t *gmap = pst == KO_OK && dst->fs ? malloc((src->n ? src->n : 1) * sizeof *gmap) : NULL;
    if (pst == KO_OK && dst->fs && !gmap)
        pst = ko_err_set(q->err, KO_ERR_NOMEM, "out of memory in hash aggregate");
    if (pst != KO_OK) {
        ko_agg_free(src);
        return pst;
    }
    ko_status st = merge_groups(q, dst, src, gmap);
    if (st == KO_OK && dst->fs)
        st = merge_sets(q, dst, src, gmap);
    free(gmap);
    ko_agg_free(src);
    return st;
}

/* ------------------------------------------------------ deferred merge */

/* Whether t's merge can wait for merge_chain: a GROUP BY whose groups are
 * all in the packed table, without DISTINCT or string MIN/MAX/FIRST (their
 * heap is shared), or a global aggregate whose DISTINCT sets are integer
 * sets. */
static bool defer_ok(const ko_agg_table *t)
{
    const ko_pnode *n = t->node;
    for (size_t a = 0; a < n->n_aggs; a++) {
        const ko_agg_spec *sp = &n->aggs[a];
        bool heap = (sp->fn == AGG_MIN || sp->fn == AGG_MAX || sp->fn == AGG_FIRST) &&
                    ko_sql_dtype_phys(&sp->in_type) == KO_PHYS_STR;
        if (heap || (sp->distinct && (n->n_groups > 0 || !t->fs[a].on)))
            return false;
    }
    if (n->n_groups == 0)
        return t->fs != NULL; /* without DISTINCT the serial merge is one group */
    return t->packable && t->pn == t->n;
}

/* Merges the deferred tables of t's chain into t, one after another. */
static ko_status flush_chain(ko_qctx *q, ko_agg_table *t)
{
    ko_status st = KO_OK;
    while (t->next) {
        ko_agg_table *x = t->next;
        t->next = x->next;
        x->next = NULL;
        if (st == KO_OK)
            st = merge_now(q, t, x);
        else
            ko_agg_free(x);
    }
    return st;
}

ko_status ko_agg_merge(ko_qctx *q, ko_agg_table *dst, ko_agg_table *src)
{
    if (q->threads > 1 && defer_ok(dst) && defer_ok(src)) {
        ko_agg_table **end = &dst->next;
        while (*end)
            end = &(*end)->next;
        *end = src; /* merged in parallel by ko_agg_finish (merge_chain) */
        return KO_OK;
    }
    ko_status st = flush_chain(q, dst);
    if (st != KO_OK) {
        ko_agg_free(src);
        return st;
    }
    return merge_now(q, dst, src);
}

/* Partitioned merge of a chain of worker tables T0, T1, ... (merge_chain).
 * Nothing moves: a group (or DISTINCT key) of Ti is looked up, read-only,
 * in T0..Ti-1, and the first table that holds it owns it.  GROUP BY: the
 * groups are split into one partition per thread by the high bits of their
 * hash, one task per partition, so an owner's group is written by one
 * thread only; a group found earlier is merged into its owner and marked
 * dead, the others stay where they are, and finish emits every table's
 * live groups (T0's, then T1's, ...: the serial merge's order).  Global
 * DISTINCT: each task takes a slot range of Ti's sets and collects the
 * keys absent from the earlier tables; their updates go to T0's group
 * afterwards, serially (few: the workers see mostly the same values). */
typedef struct chain_found {
    pkey k;
    size_t a;
} chain_found;

typedef struct chain_job {
    ko_agg_table **tab;
    size_t n, parts;
    chain_found **found; /* global: per task */
    size_t *n_found, *cap_found;
    ko_status *st; /* per task */
} chain_job;

/* The group of packed key k (hash h) in t, UINT32_MAX when absent. */
static uint32_t packed_find(const ko_agg_table *t, pkey k, uint64_t h)
{
    if (!t->pcap)
        return UINT32_MAX;
    size_t mask = t->pcap - 1;
    for (size_t j = h & mask;; j = (j + 1) & mask) {
        uint32_t g = t->pslot_gid[j];
        if (g == UINT32_MAX || t->gkey[g] == k)
            return g;
    }
}

static bool fset_has(const fset *f, pkey k)
{
    if (!f->cap)
        return false;
    size_t mask = f->cap - 1;
    if (f->narrow) {
        uint64_t x = (uint64_t)k;
        if (!x)
            return f->zero;
        for (size_t j = fset_hash64(x) & mask; f->k64[j]; j = (j + 1) & mask)
            if (f->k64[j] == x)
                return true;
        return false;
    }
    for (size_t j = fset_hash(k) & mask; f->key[j]; j = (j + 1) & mask)
        if (f->key[j] == k)
            return true;
    return false;
}

/* The groups of table i in partition p merge into their owners. */
static ko_status chain_groups(const chain_job *j, size_t i, size_t p, uint32_t *gs, uint64_t *hs)
{
    ko_agg_table *src = j->tab[i], *t0 = j->tab[0];
    const ko_pnode *n = src->node;
    size_t m = 0;
    for (size_t g = 0; g < src->n; g++) {
        uint64_t h = pkey_hash(src->gkey[g]);
        if ((((h >> 32) * j->parts) >> 32) == p) {
            gs[m] = (uint32_t)g;
            hs[m++] = h;
        }
    }
    for (size_t x = 0; x < m; x++) {
        if (x + 16 < m && t0->pcap) /* the owner's slots miss the cache: fetch them early */
            __builtin_prefetch(&t0->pslot_gid[hs[x + 16] & (t0->pcap - 1)]);
        uint32_t g = gs[x], gd = UINT32_MAX;
        size_t d = 0;
        for (; d < i && gd == UINT32_MAX; d++)
            gd = packed_find(j->tab[d], src->gkey[g], hs[x]);
        if (gd == UINT32_MAX)
            continue;
        src->dead[g] = 1;
        for (size_t a = 0; a < n->n_aggs; a++)
            if (merge_state(&n->aggs[a], &j->tab[d - 1]->st[a], gd, &src->st[a], g) != KO_OK)
                return KO_ERR_NOMEM;
    }
    return KO_OK;
}

static bool found_add(const chain_job *j, size_t p, size_t a, pkey k)
{
    if (j->n_found[p] == j->cap_found[p]) {
        size_t cap = j->cap_found[p] ? j->cap_found[p] * 2 : 256;
        chain_found *f = realloc(j->found[p], cap * sizeof *f);
        if (!f)
            return false;
        j->found[p] = f;
        j->cap_found[p] = cap;
    }
    j->found[p][j->n_found[p]++] = (chain_found){k, a};
    return true;
}

/* Slot range p of table i's DISTINCT sets: the keys new to T0..Ti-1. */
static ko_status chain_sets(const chain_job *j, size_t i, size_t p)
{
    const ko_agg_table *src = j->tab[i];
    for (size_t a = 0; a < src->node->n_aggs; a++) {
        const fset *f = &src->fs[a];
        if (!f->on)
            continue;
        size_t slots = f->cap ? f->cap + 1 : 0; /* fset_at's */
        size_t lo = slots * p / j->parts, hi = slots * (p + 1) / j->parts;
        for (size_t s = lo; s < hi; s++) {
            pkey k = fset_at(f, s);
            bool seen = !k;
            for (size_t d = 0; d < i && !seen; d++)
                seen = fset_has(&j->tab[d]->fs[a], k);
            if (!seen && !found_add(j, p, a, k))
                return KO_ERR_NOMEM;
        }
    }
    return KO_OK;
}

static void chain_task(void *arg, size_t p)
{
    chain_job *j = arg;
    ko_status st = KO_OK;
    if (j->tab[0]->node->n_groups == 0) {
        for (size_t i = 1; i < j->n && st == KO_OK; i++)
            st = chain_sets(j, i, p);
        j->st[p] = st;
        return;
    }
    size_t most = 1;
    for (size_t i = 1; i < j->n; i++)
        most = j->tab[i]->n > most ? j->tab[i]->n : most;
    uint32_t *gs = malloc(most * sizeof *gs);
    uint64_t *hs = malloc(most * sizeof *hs);
    st = gs && hs ? KO_OK : KO_ERR_NOMEM;
    for (size_t i = 1; i < j->n && st == KO_OK; i++)
        st = chain_groups(j, i, p, gs, hs);
    free(gs);
    free(hs);
    j->st[p] = st;
}

/* The value x of an integer DISTINCT key, new to group gd's set, into its
 * state. */
static ko_status fset_apply(const ko_agg_spec *sp, agg_state *s, uint32_t gd, uint64_t x)
{
    uint8_t val[16] = {0};
    size_t w = ko_sql_phys_size(ko_sql_dtype_phys(&sp->in_type));
    memcpy(val, &x, w); /* little-endian: the low bytes hold the value */
    ko_vec one = {0};
    one.type = sp->in_type;
    one.data = val;
    one.is_const = true;
    ko_batch b1 = {1, NULL, 0, NULL, 0};
    return update_one(sp, s, &one, &b1, &gd, 1);
}

/* Global aggregate: the other tables' group into T0's, then the DISTINCT
 * keys the tasks found; the chain is freed. */
static ko_status chain_global_finish(ko_agg_table *t, const chain_job *j)
{
    const ko_pnode *n = t->node;
    ko_status st = KO_OK;
    for (size_t i = 1; i < j->n && st == KO_OK; i++)
        for (size_t a = 0; a < n->n_aggs && st == KO_OK && j->tab[i]->n; a++)
            if (!n->aggs[a].distinct)
                st = merge_state(&n->aggs[a], &t->st[a], 0, &j->tab[i]->st[a], 0);
    for (size_t p = 0; p < j->parts && st == KO_OK; p++)
        for (size_t x = 0; x < j->n_found[p] && st == KO_OK; x++) {
            const chain_found *f = &j->found[p][x];
            st = fset_apply(&n->aggs[f->a], &t->st[f->a], 0, (uint64_t)f->k);
        }
    ko_agg_table *rest = t->next;
    t->next = NULL;
    ko_agg_free(rest);
    return st;
}

static ko_status chain_run(ko_qctx *q, ko_agg_table *t, chain_job *j)
{
    size_t i = 0;
    for (ko_agg_table *x = t; x; x = x->next)
        j->tab[i++] = x;
    bool global = t->node->n_groups == 0;
    for (i = 1; i < j->n && !global; i++)
        if (!(j->tab[i]->dead = calloc(j->tab[i]->n ? j->tab[i]->n : 1, 1)))
            return ko_err_set(q->err, KO_ERR_NOMEM, "out of memory in hash aggregate");
    if (global) {
        ko_status st = ensure_global_group(q, t);
        if (st != KO_OK)
            return st;
    }
    ko_pool *pool = NULL;
    ko_err perr = {0};
    if (j->parts > 1 && ko_pool_create((int)j->parts - 1, &pool, &perr) != KO_OK)
        pool = NULL; /* then the tasks run on this thread */
    ko_pool_for(pool, j->parts, chain_task, j);
    ko_pool_destroy(pool);
    for (size_t p = 0; p < j->parts; p++)
        if (j->st[p] != KO_OK)
            return ko_err_set(q->err, KO_ERR_NOMEM, "out of memory merging a hash aggregate");
    if (global && chain_global_finish(t, j) != KO_OK)
        return ko_err_set(q->err, KO_ERR_NOMEM, "out of memory in hash aggregate");
    return KO_OK;
}

/* Merges t's chain of deferred tables with one task per thread. */
static ko_status merge_chain(ko_qctx *q, ko_agg_table *t)
{
    chain_job j = {0};
    for (ko_agg_table *x = t; x; x = x->next)
        j.n++;
    j.parts = q->threads > 1 ? (size_t)q->threads : 1;
    j.tab = calloc(j.n, sizeof(ko_agg_table *));
    j.st = calloc(j.parts, sizeof *j.st);
    j.found = calloc(j.parts, sizeof(chain_found *));
    j.n_found = calloc(j.parts, sizeof *j.n_found);
    j.cap_found = calloc(j.parts, sizeof *j.cap_found);
    ko_status st = j.tab && j.st && j.found && j.n_found && j.cap_found
                       ? chain_run(q, t, &j)
                       : ko_err_set(q->err, KO_ERR_NOMEM, "out of memory in hash aggregate");
    for (size_t p = 0; j.found && p < j.parts; p++)
        free(j.found[p]);
    free(j.found);
    free(j.n_found);
    free(j.cap_found);
    free(j.st);
    free(j.tab);
    return st;
}

/* ---------------------------------------------------------------- finish */

static ko_status key_decode(ko_vec *v, size_t row, const uint8_t **p)
{
    if (**p) {
        (*p)++;
        return ko_vec_set_null(v, row);
    }
    (*p)++;
    ko_sql_phys ph = ko_sql_dtype_phys(&v->type);
    if (ph == KO_PHYS_STR) {
        uint32_t len;
        memcpy(&len, *p, 4);
        *p += 4;
        ko_status st = ko_vec_set_str(v, row, (const char *)*p, len);
        *p += len;
        return st;
    }
    size_t w = ko_sql_phys_size(ph);
    memcpy(v->data + row * w, *p, w);
    *p += w;
    return KO_OK;
}

static ko_status result_sum(const ko_agg_spec *sp, const agg_state *s, uint32_t g, ko_vec *v,
                            size_t row)
{
    if (sp->fn == AGG_SUM && s->cnt[g] == 0)
        return ko_vec_set_null(v, row);
    if (sp->fn == AGG_AVG) {
        if (s->cnt[g] == 0)
            return ko_vec_set_null(v, row);
        double avg;
        if (s->isum) {
            ko_i128 tot = s->isum[g];
            int scale = sp->in_type.id == KO_SQL_DT_DECIMAL ? sp->in_type.scale : 0;
            ko_i128 c = s->cnt[g];
            /* exact integer part + fractional remainder, then the scale */
            ko_i128 whole = tot / c, rest = tot % c;
            avg = ((double)whole + (double)rest / (double)c) / (double)ko_sql_pow10(scale);
        } else {
            avg = s->dsum[g] / (double)s->cnt[g];
        }
        KO_VEC_DATA(v, double)[row] = avg;
        return KO_OK;
    }
    if (v->type.id == KO_SQL_DT_DOUBLE)
        KO_VEC_DATA(v, double)[row] = s->dsum[g];
    else
        KO_VEC_DATA(v, ko_i128)[row] = s->isum[g];
    return KO_OK;
}

static ko_status result_var(const ko_agg_spec *sp, const agg_state *s, uint32_t g, ko_vec *v,
                            size_t row)
{
    int64_t n = s->cnt[g];
    bool samp = sp->fn == AGG_STDDEV_SAMP || sp->fn == AGG_VAR_SAMP;
    if (n == 0 || (samp && n < 2))
        return ko_vec_set_null(v, row);
    double var = s->m2[g] / (double)(samp ? n - 1 : n);
    if (var < 0)
        var = 0;
    bool sd = sp->fn == AGG_STDDEV_SAMP || sp->fn == AGG_STDDEV_POP;
    KO_VEC_DATA(v, double)[row] = sd ? sqrt(var) : var;
    return KO_OK;
}

static ko_status agg_result(const ko_agg_spec *sp, const agg_state *s, uint32_t g, ko_vec *v,
                            size_t row)
{
    switch (sp->fn) {
    case AGG_COUNT_STAR:
    case AGG_COUNT:
        KO_VEC_DATA(v, int64_t)[row] = s->cnt[g];
        return KO_OK;
    case AGG_SUM:
    case AGG_AVG:
        return result_sum(sp, s, g, v, row);
    case AGG_MIN:
    case AGG_MAX:
    case AGG_FIRST:
    case AGG_BOOL_AND:
    case AGG_BOOL_OR: {
        if (!s->has[g])
            return ko_vec_set_null(v, row);
        ko_vec src = {0};
        src.type = sp->in_type;
        src.data = s->val + (size_t)g * s->w;
        src.is_const = true;
        return ko_vec_copy_row(v, row, &src, 0);
    }
    default:
        return result_var(sp, s, g, v, row);
    }
}

/* Output row r of cols: group g's key columns, then its aggregates. */
/* Key column c of a group that has only its packed key, into row r of v. */
static ko_status unpack_key(const ko_agg_table *t, uint32_t g, size_t c, ko_vec *v, size_t r)
{
    bool nul;
    uint64_t f = packed_field(t, t->gkey[g], c, &nul);
    if (nul)
        return ko_vec_set_null(v, r);
    ko_sql_phys p = ko_sql_dtype_phys(&v->type);
    if (p == KO_PHYS_STR) {
        uint64_t bytes = f >> 4;
        char buf[8];
        memcpy(buf, &bytes, 8); /* little-endian: the low bytes */
        return ko_vec_set_str(v, r, buf, (size_t)(f & 15));
    }
    size_t w = ko_sql_phys_size(p);
    memcpy(v->data + r * w, &f, w);
    return KO_OK;
}

static ko_status finish_row(const ko_agg_table *t, uint32_t g, ko_vec **cols, size_t r)
{
    const ko_pnode *n = t->node;
    const uint8_t *p = t->key[g];
    ko_status st = KO_OK;
    for (size_t c = 0; c < n->n_groups && st == KO_OK; c++)
        st = !cols[c] ? KO_ERR_INTERNAL
             : p      ? key_decode(cols[c], r, &p)
                      : unpack_key(t, g, c, cols[c], r);
    for (size_t a = 0; a < n->n_aggs && st == KO_OK; a++) {
        ko_vec *v = cols[n->n_groups + a];
        st = v ? agg_result(&n->aggs[a], &t->st[a], g, v, r) : KO_ERR_INTERNAL;
    }
    return st;
}

/* The live groups of t (all but the dead ones of a merged chain) as
 * batches of out. */
static ko_status finish_table(ko_qctx *q, ko_agg_table *t, ko_rowset *out)
{
    const ko_pnode *n = t->node;
    size_t nc = n->n_cols;
    ko_vec **cols = calloc(nc ? nc : 1, sizeof(ko_vec *));
    if (!cols || n->n_groups + n->n_aggs > nc) {
        free(cols);
        return ko_err_set(q->err, KO_ERR_NOMEM, "out of memory in hash aggregate");
    }
    ko_status st = KO_OK;
    for (size_t g = 0; g < t->n && st == KO_OK;) {
        size_t rows = 0;
        for (; g < t->n && rows < KO_SQL_BATCH; g++)
            if (!t->dead || !t->dead[g])
                t->gid[rows++] = (uint32_t)g;
        if (!rows)
            break;
        for (size_t c = 0; c < nc && st == KO_OK; c++) {
            cols[c] = ko_vec_new(&n->types[c]);
            if (!cols[c] || ko_vec_reserve(cols[c], rows) != KO_OK)
                st = ko_err_set(q->err, KO_ERR_NOMEM, "out of memory in hash aggregate");
        }
        for (size_t r = 0; r < rows && st == KO_OK; r++)
            st = finish_row(t, t->gid[r], cols, r);
        if (st == KO_OK)
            st = ko_rowset_add(out, cols, rows, q->err);
        else
            for (size_t c = 0; c < nc; c++)
                ko_vec_free(cols[c]);
        memset(cols, 0, nc * sizeof(ko_vec *));
    }
    free(cols);
    return st;
}

ko_status ko_agg_finish(ko_qctx *q, ko_agg_table *t, ko_rowset *out)
{
    if (t->node->n_groups == 0) {
        ko_status st = ensure_global_group(q, t);
        if (st != KO_OK)
            return st;
    }
    ko_status st = t->next ? merge_chain(q, t) : KO_OK;
    for (ko_agg_table *x = t; x && st == KO_OK; x = x->next)
        st = finish_table(q, x, out);
    return st;
}
