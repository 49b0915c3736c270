/*
 * scan_pred.c - the Iceberg predicate of a table scan, for pruning.
 *
 * The scan's pushed filter (over its output columns) is turned into a
 * ko_ice_pred over field ids, which scan planning evaluates against
 * manifest partition summaries, partition tuples and data file column
 * bounds (ko_ice_scan_plan_files).  The translation only has to be
 * conservative: a predicate that a file may match is always allowed, so
 * whatever cannot be expressed becomes TRUE.  Expressed:
 *   column op constant (either side; = < <= > >=; <> is TRUE)
 *   column IS [NOT] NULL
 *   column IN (constants)    an OR of equalities
 *   AND (BETWEEN is bound as one), OR of expressible terms
 * Constants have the column's SQL type (the binder unified both sides);
 * they become Iceberg values of the field's type, and every term is
 * checked with ko_ice_pred_check before use.
 *
 * Dictionary filters (second half; see engine.h).  ko_dict_plan_make
 * splits the filter into its top-level conjuncts and finds those that read
 * one column and cannot fail (comparisons, IN, LIKE, IS NULL, AND/OR/NOT
 * over constants).  A scan worker's ko_dict_state evaluates them once per
 * entry of a column chunk's dictionary (converted to engine slots by the
 * scan, with one more zero slot standing for NULL) into a verdict byte per
 * code, cached while the worker stays on that chunk.  Per morsel the
 * column's codes become one code per row (NULL rows get the extra code),
 * a batch is filtered by looking its rows' verdicts up, the remaining
 * conjuncts run as usual on the survivors, and the column's slots are
 * gathered from the dictionary only when some row survived.
 */
#include "sql/engine.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_IN_TERMS = 256 };

static bool flip(int op, int *out)
{
    switch (op) {
    case OP_LT:
        *out = OP_GT;
        return true;
    case OP_LE:
        *out = OP_GE;
        return true;
    case OP_GT:
        *out = OP_LT;
        return true;
    case OP_GE:
        *out = OP_LE;
        return true;
    case OP_EQ:
        *out = OP_EQ;
        return true;
    default:
        return false;
    }
}

static ko_ice_pred_op ice_op(int op)
{
    switch (op) {
    case OP_LT:
        return KO_ICE_PRED_LT;
    case OP_LE:
        return KO_ICE_PRED_LE;
    case OP_GT:
        return KO_ICE_PRED_GT;
    case OP_GE:
        return KO_ICE_PRED_GE;
    default:
        return KO_ICE_PRED_EQ;
    }
}

static bool int_value(const ko_vec *v, ko_ice_type_id ice, ko_ice_value *out)
{
    int64_t x;
    switch (ko_sql_dtype_phys(&v->type)) {
    case KO_PHYS_I8:
        x = v->data[0] >= 128 ? (int64_t)v->data[0] - 256 : (int64_t)v->data[0];
        break;
    case KO_PHYS_I16:
        x = KO_VEC_DATA(v, const int16_t)[0];
        break;
    case KO_PHYS_I32:
        x = KO_VEC_DATA(v, const int32_t)[0];
        break;
    case KO_PHYS_I64:
        x = KO_VEC_DATA(v, const int64_t)[0];
        break;
    default:
        return false;
    }
    if (ice == KO_ICE_INT && (x < INT32_MIN || x > INT32_MAX))
        return false;
    *out = ice == KO_ICE_INT ? ko_ice_value_int((int32_t)x) : ko_ice_value_int_of(ice, x);
    return true;
}

static bool decimal_value(const ko_vec *v, const ko_ice_type *ft, ko_ice_value *out)
{
    if (v->type.scale != ft->scale)
        return false;
    if (ko_sql_dtype_phys(&v->type) == KO_PHYS_I64) {
        *out = ko_ice_value_decimal(KO_VEC_DATA(v, const int64_t)[0], ft->scale);
        return true;
    }
    if (ko_sql_dtype_phys(&v->type) != KO_PHYS_I128)
        return false;
    ko_i128 x = KO_VEC_DATA(v, const ko_i128)[0];
    *out = ko_ice_value_decimal((int64_t)(uint64_t)x, ft->scale);
    out->hi = (int64_t)(x >> 64);
    return true;
}

/* The constant v (the column's SQL type) as a value of field type ft. */
static bool ice_value(const ko_vec *v, const ko_ice_type *ft, ko_ice_value *out)
{
    switch (ft->id) {
    case KO_ICE_INT:
    case KO_ICE_LONG:
    case KO_ICE_DATE:
    case KO_ICE_TIME:
    case KO_ICE_TIMESTAMP:
    case KO_ICE_TIMESTAMPTZ:
        return int_value(v, ft->id, out);
    case KO_ICE_DECIMAL:
        return v->type.id == KO_SQL_DT_DECIMAL && decimal_value(v, ft, out);
    case KO_ICE_DOUBLE:
        if (v->type.id != KO_SQL_DT_DOUBLE || isnan(KO_VEC_DATA(v, const double)[0]))
            return false; /* NaN orders above all in SQL, not in bounds */
        *out = ko_ice_value_double(KO_VEC_DATA(v, const double)[0]);
        return true;
    case KO_ICE_STRING: {
        if (v->type.id != KO_SQL_DT_VARCHAR)
            return false;
        const ko_sql_str *s = KO_VEC_DATA(v, const ko_sql_str);
        *out = ko_ice_value_bytes(KO_ICE_STRING, s->len ? s->ptr : "", s->len);
        return true;
    }
    default:
        return false;
    }
}

typedef struct pctx {
    ko_arena *arena;
    const ko_scan_spec *spec;
} pctx;

/* A column of the scan's output: its field, or NULL. */
static const ko_ice_field *col_field(const pctx *c, const ko_bexpr *e)
{
    if (e->kind != BX_COL || e->col < 0 || (size_t)e->col >= c->spec->n_cols)
        return NULL;
    const ko_ice_field *f = ko_ice_schema_find_id(c->spec->schema, c->spec->field_ids[e->col]);
    return f && ko_sql_dtype_equal(&e->type, &c->spec->types[e->col]) ? f : NULL;
}

/* A checked term, or NULL (meaning TRUE) when it does not check. */
static const ko_ice_pred *checked(const pctx *c, const ko_ice_pred *p)
{
    ko_err err = {0};
    return p && ko_ice_pred_check(p, c->spec->schema, &err) == KO_OK ? p : NULL;
}

static const ko_ice_pred *cmp_term(const pctx *c, const ko_bexpr *e)
{
    const ko_bexpr *a = e->args[0], *k = e->args[1];
    int op = e->op;
    if (a->kind == BX_CONST && k->kind == BX_COL) {
        const ko_bexpr *t = a;
        a = k;
        k = t;
        if (!flip(op, &op))
            return NULL;
    }
    const ko_ice_field *f = col_field(c, a);
    ko_ice_value v;
    if (!f || k->kind != BX_CONST || !ko_vec_valid(k->value, 0) || op < OP_EQ || op > OP_GE ||
        op == OP_NE || !ice_value(k->value, &f->type, &v))
        return NULL;
    return checked(c, ko_ice_pred_cmp(c->arena, ice_op(op), f->id, v));
}

static const ko_ice_pred *in_term(const pctx *c, const ko_bexpr *e)
{
    const ko_ice_field *f = col_field(c, e->args[0]);
    if (!f || e->negated || e->n_args < 2 || e->n_args > MAX_IN_TERMS)
        return NULL;
    const ko_ice_pred *p = NULL;
    for (size_t i = 1; i < e->n_args; i++) {
        const ko_bexpr *k = e->args[i];
        ko_ice_value v;
        if (k->kind != BX_CONST || !ko_vec_valid(k->value, 0))
            continue; /* x IN (NULL, ...): a NULL item never makes a row true */
        if (!ice_value(k->value, &f->type, &v))
            return NULL;
        const ko_ice_pred *eq = checked(c, ko_ice_pred_cmp(c->arena, KO_ICE_PRED_EQ, f->id, v));
        if (!eq)
            return NULL;
        p = p ? ko_ice_pred_or(c->arena, p, eq) : eq;
        if (!p)
            return NULL;
    }
    return p;
}

static const ko_ice_pred *term(const pctx *c, const ko_bexpr *e, int depth);

static const ko_ice_pred *and_or_term(const pctx *c, const ko_bexpr *e, int depth)
{
    const ko_ice_pred *p = NULL;
    bool is_and = e->kind == BX_AND;
    for (size_t i = 0; i < e->n_args; i++) {
        const ko_ice_pred *t = term(c, e->args[i], depth + 1);
        if (!t && !is_and)
            return NULL; /* OR with a TRUE side is TRUE */
        if (!t)
            continue;
        p = !p ? t : is_and ? ko_ice_pred_and(c->arena, p, t) : ko_ice_pred_or(c->arena, p, t);
        if (!p)
            return NULL;
    }
    return p;
}

/* The predicate of e, or NULL for TRUE (not expressible). */
static const ko_ice_pred *term(const pctx *c, const ko_bexpr *e, int depth)
{
    if (!e || depth > 64)
        return NULL;
    switch (e->kind) {
    case BX_AND:
    case BX_OR:
        return and_or_term(c, e, depth);
    case BX_CMP:
        return cmp_term(c, e);
    case BX_IN:
        return in_term(c, e);
    case BX_IS_NULL: {
        const ko_ice_field *f = col_field(c, e->args[0]);
        return f ? checked(c, ko_ice_pred_null(c->arena, !e->negated, f->id)) : NULL;
    }
    default:
        return NULL;
    }
}

const ko_ice_pred *ko_scan_ice_pred(ko_arena *arena, const ko_scan_spec *spec)
{
    if (!spec->filter || !spec->schema)
        return NULL;
    pctx c = {arena, spec};
    return term(&c, spec->filter, 0);
}

/* ============================================== dictionary filters */

/* Whether e can be evaluated per dictionary entry: no function, cast or
 * arithmetic (nothing that can fail), and it reads columns only through
 * BX_COL; *col gets the one column read (-1 none, -2 several). */
static bool dict_safe(const ko_bexpr *e, int *col, int depth)
{
    if (!e || depth > 64)
        return false;
    switch (e->kind) {
    case BX_COL:
        if (*col == -1)
            *col = e->col;
        else if (*col != e->col)
            *col = -2;
        return true;
    case BX_CONST:
        return true;
    case BX_CMP:
    case BX_AND:
    case BX_OR:
    case BX_NOT:
    case BX_IS_NULL:
    case BX_DISTINCT:
    case BX_IN:
    case BX_LIKE:
        break;
    default:
        return false;
    }
    for (size_t i = 0; i < e->n_args; i++)
        if (!dict_safe(e->args[i], col, depth + 1))
            return false;
    return true;
}

static void count_conj(const ko_bexpr *e, size_t *n)
{
    if (e->kind == BX_AND)
        for (size_t i = 0; i < e->n_args; i++)
            count_conj(e->args[i], n);
    else
        (*n)++;
}

static void list_conj(const ko_bexpr *e, const ko_bexpr **out, size_t *n)
{
    if (e->kind == BX_AND)
        for (size_t i = 0; i < e->n_args; i++)
            list_conj(e->args[i], out, n);
    else
        out[(*n)++] = e;
}

static void mark_cols(const ko_bexpr *e, bool *used, size_t n_cols)
{
    if (e->kind == BX_COL && e->col >= 0 && (size_t)e->col < n_cols)
        used[e->col] = true;
    for (size_t i = 0; i < e->n_args; i++)
        mark_cols(e->args[i], used, n_cols);
}

ko_status ko_dict_plan_make(ko_arena *arena, const ko_bexpr *filter, size_t n_cols,
                            ko_dict_plan *out)
{
    memset(out, 0, sizeof *out);
    if (!filter)
        return KO_OK;
    size_t n = 0;
    count_conj(filter, &n);
    out->conj = ko_arena_calloc(arena, n, sizeof(const ko_bexpr *));
    out->conj_col = ko_arena_calloc(arena, n, sizeof *out->conj_col);
    out->col_dict = ko_arena_calloc(arena, n_cols + 1, sizeof *out->col_dict);
    bool *unsafe = ko_arena_calloc(arena, n_cols + 1, sizeof *unsafe);
    if (!out->conj || !out->conj_col || !out->col_dict || !unsafe)
        return KO_ERR_NOMEM;
    list_conj(filter, out->conj, &out->n_conj);
    out->n_cols = n_cols;
    for (size_t i = 0; i < n; i++) {
        int col = -1;
        bool safe = dict_safe(out->conj[i], &col, 0) && col >= 0 && (size_t)col < n_cols;
        out->conj_col[i] = safe ? col : -1;
        if (safe)
            out->col_dict[col] = true;
        else
            mark_cols(out->conj[i], unsafe, n_cols);
    }
    for (size_t c = 0; c < n_cols; c++) {
        out->col_dict[c] &= !unsafe[c];
        out->any |= out->col_dict[c];
    }
    return KO_OK;
}

/* Per column of a worker: the loaded dictionary and its verdicts. */
typedef struct dcol {
    ko_dict_key key;
    bool loaded, coded;
    uint8_t *slots; /* n + 1 entries: the dictionary, then a zero slot (NULL) */
    size_t n, slots_cap;
    uint8_t *keep; /* n + 1 verdicts */
    size_t keep_cap;
    uint32_t *rcode; /* per row of the morsel: its code, n for NULL */
    size_t rcode_cap;
    uint8_t *dense; /* materialised slots */
    size_t dense_cap;
} dcol;

struct ko_dict_state {
    const ko_dict_plan *p;
    const ko_sql_dtype *types;
    ko_estate **es; /* per conjunct */
    dcol *cols;
    ko_vec **vecs; /* per column: the dictionary (or a NULL) as a vector */
    ko_batch batch;
    uint32_t sel[KO_SQL_BATCH];
};

ko_dict_state *ko_dict_state_new(const ko_dict_plan *p, const ko_sql_dtype *types)
{
    ko_dict_state *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->p = p;
    s->types = types;
    s->es = calloc(p->n_conj + 1, sizeof(ko_estate *));
    s->cols = calloc(p->n_cols + 1, sizeof *s->cols);
    s->vecs = calloc(p->n_cols + 1, sizeof(ko_vec *));
    bool ok = s->es && s->cols && s->vecs;
    for (size_t i = 0; ok && i < p->n_conj; i++)
        ok = ko_estate_new(p->conj[i], &s->es[i]) == KO_OK;
    for (size_t c = 0; ok && c < p->n_cols; c++) {
        s->vecs[c] = ko_vec_new(&types[c]);
        ok = s->vecs[c] && ko_vec_set_const_null(s->vecs[c]) == KO_OK;
    }
    s->batch.cols = s->vecs;
    s->batch.n_cols = p->n_cols;
    if (!ok) {
        ko_dict_state_free(s);
        return NULL;
    }
    return s;
}

void ko_dict_state_free(ko_dict_state *s)
{
    if (!s)
        return;
    for (size_t i = 0; s->es && i < s->p->n_conj; i++)
        ko_estate_free(s->es[i]);
    for (size_t c = 0; c < s->p->n_cols; c++) {
        if (s->cols) {
            free(s->cols[c].slots);
            free(s->cols[c].keep);
            free(s->cols[c].rcode);
            free(s->cols[c].dense);
        }
        if (s->vecs && s->vecs[c]) {
            s->vecs[c]->data = s->vecs[c]->own; /* never free borrowed slots */
            s->vecs[c]->validity = s->vecs[c]->own_validity;
            ko_vec_free(s->vecs[c]);
        }
    }
    free(s->es);
    free(s->cols);
    free(s->vecs);
    free(s);
}

void ko_dict_begin(ko_dict_state *s)
{
    for (size_t c = 0; c < s->p->n_cols; c++)
        s->cols[c].coded = false;
}

bool ko_dict_coded(const ko_dict_state *s, size_t c)
{
    return s->cols[c].coded;
}

bool ko_dict_has(const ko_dict_state *s, size_t c, const ko_dict_key *key)
{
    const dcol *d = &s->cols[c];
    return d->loaded && d->key.file == key->file && d->key.data == key->data &&
           d->key.rg == key->rg && d->key.n == key->n;
}

static bool grow_to(void **p, size_t *cap, size_t need)
{
    if (*cap >= need)
        return true;
    size_t c = *cap ? *cap : 256;
    while (c < need)
        c *= 2;
    void *n = realloc(*p, c);
    if (!n)
        return false;
    *p = n;
    *cap = c;
    return true;
}

static ko_status dict_nomem(ko_qctx *q)
{
    return ko_err_set(q->err, KO_ERR_NOMEM, "out of memory in a dictionary filter");
}

/* Evaluates the conjuncts on column c over entries [off, off + m) of its
 * dictionary (vector v points at them): clears keep of the rejected. */
static ko_status eval_entries(ko_qctx *q, ko_dict_state *s, size_t c, size_t off, size_t m)
{
    dcol *d = &s->cols[c];
    size_t n_sel = m;
    for (size_t k = 0; k < m; k++)
        s->sel[k] = (uint32_t)k;
    s->batch.n = m;
    for (size_t i = 0; i < s->p->n_conj && n_sel; i++) {
        if (s->p->conj_col[i] != (int)c)
            continue;
        ko_status st = ko_eval_filter(q, s->es[i], &s->batch, s->sel, n_sel, s->sel, &n_sel);
        if (st != KO_OK)
            return st;
    }
    memset(d->keep + off, 0, m);
    for (size_t k = 0; k < n_sel; k++)
        d->keep[off + s->sel[k]] = 1;
    return KO_OK;
}

ko_status ko_dict_load(ko_qctx *q, ko_dict_state *s, size_t c, const ko_dict_key *key,
                       const uint8_t *slots, size_t n)
{
    dcol *d = &s->cols[c];
    size_t w = ko_sql_phys_size(ko_sql_dtype_phys(&s->types[c]));
    d->loaded = false;
    if (!grow_to((void **)&d->slots, &d->slots_cap, (n + 1) * w + 16) ||
        !grow_to((void **)&d->keep, &d->keep_cap, n + 1))
        return dict_nomem(q);
    if (n)
        memcpy(d->slots, slots, n * w);
    memset(d->slots + n * w, 0, w);
    d->n = n;
    ko_vec *v = s->vecs[c];
    ko_status st = KO_OK;
    for (size_t off = 0; off < n && st == KO_OK; off += KO_SQL_BATCH) {
        size_t m = n - off < KO_SQL_BATCH ? n - off : (size_t)KO_SQL_BATCH;
        v->is_const = false;
        v->validity = NULL;
        v->data = d->slots + off * w;
        v->cap = KO_SQL_BATCH;
        st = eval_entries(q, s, c, off, m);
    }
    /* the verdict on NULL: the vector as a constant NULL */
    v->data = v->own;
    v->validity = v->own_validity;
    v->is_const = true;
    if (st == KO_OK && ko_vec_set_const_null(v) != KO_OK)
        st = dict_nomem(q);
    if (st == KO_OK)
        st = eval_entries(q, s, c, n, 1);
    if (st != KO_OK)
        return st;
    q->dict_entries += n + 1;
    d->key = *key;
    d->loaded = true;
    return KO_OK;
}

ko_status ko_dict_rows(ko_qctx *q, ko_dict_state *s, size_t c, const uint32_t *codes,
                       const int16_t *def, int16_t max_def, size_t rows)
{
    dcol *d = &s->cols[c];
    if (!grow_to((void **)&d->rcode, &d->rcode_cap, (rows + 1) * sizeof *d->rcode))
        return dict_nomem(q);
    if (!max_def || !def) {
        memcpy(d->rcode, codes, rows * sizeof *codes);
    } else {
        size_t k = 0;
        uint32_t nul = (uint32_t)d->n;
        for (size_t i = 0; i < rows; i++) {
            bool present = def[i] == max_def;
            d->rcode[i] = present ? codes[k] : nul;
            k += present;
        }
    }
    d->coded = true;
    return KO_OK;
}

/* Narrows sel (n_sel rows of the batch; all rows when all) by column c's
 * verdicts. */
static size_t select_codes(const dcol *d, size_t from, size_t n, uint32_t *sel, size_t n_sel,
                           bool all)
{
    const uint32_t *rc = d->rcode + from;
    const uint8_t *keep = d->keep;
    size_t m = 0;
    if (all) {
        for (size_t i = 0; i < n; i++) {
            sel[m] = (uint32_t)i;
            m += keep[rc[i]];
        }
        return m;
    }
    for (size_t k = 0; k < n_sel; k++) {
        uint32_t i = sel[k];
        sel[m] = i;
        m += keep[rc[i]];
    }
    return m;
}

ko_status ko_dict_filter(ko_qctx *q, ko_dict_state *s, const ko_batch *b, size_t from,
                         uint32_t *sel, size_t *n_sel)
{
    const ko_dict_plan *p = s->p;
    bool all = true;
    size_t m = b->n;
    for (size_t c = 0; c < p->n_cols && m; c++) {
        if (!s->cols[c].coded)
            continue;
        m = select_codes(&s->cols[c], from, b->n, sel, m, all);
        q->dict_rows += all ? b->n : 0;
        all = false;
    }
    for (size_t i = 0; i < p->n_conj && m; i++) {
        int c = p->conj_col[i];
        if (c >= 0 && s->cols[c].coded)
            continue;
        ko_status st = ko_eval_filter(q, s->es[i], b, all ? NULL : sel, m, sel, &m);
        if (st != KO_OK)
            return st;
        all = false;
    }
    if (all)
        for (size_t k = 0; k < m; k++)
            sel[k] = (uint32_t)k;
    *n_sel = m;
    return KO_OK;
}

/* Copies entry rc[i] of column d's dictionary slots to dst[i] (width w)
 * for the n_sel rows of sel (all n rows when sel is NULL). */
static void gather(uint8_t *dst, const dcol *d, size_t w, const uint32_t *rc, const uint32_t *sel,
                   size_t n)
{
    const uint8_t *src = d->slots;
    for (size_t k = 0; k < n; k++) {
        size_t i = sel ? sel[k] : k;
        if (w == 8)
            memcpy(dst + i * 8, src + (size_t)rc[i] * 8, 8);
        else if (w == 16)
            memcpy(dst + i * 16, src + (size_t)rc[i] * 16, 16);
        else if (w == 4)
            memcpy(dst + i * 4, src + (size_t)rc[i] * 4, 4);
        else
            memcpy(dst + i * w, src + (size_t)rc[i] * w, w);
    }
}

const uint8_t *ko_dict_slots(ko_qctx *q, ko_dict_state *s, size_t c, size_t rows,
                             const uint32_t *sels, const size_t *n_sel)
{
    dcol *d = &s->cols[c];
    size_t w = ko_sql_phys_size(ko_sql_dtype_phys(&s->types[c]));
    if (!grow_to((void **)&d->dense, &d->dense_cap, rows * w + 16)) {
        dict_nomem(q);
        return NULL;
    }
    /* only the surviving rows are read downstream: the others get zero
     * slots (defined bytes, no pointer into a dictionary) */
    for (size_t b = 0, from = 0; from < rows; b++, from += KO_SQL_BATCH) {
        size_t n = rows - from < KO_SQL_BATCH ? rows - from : (size_t)KO_SQL_BATCH;
        uint8_t *dst = d->dense + from * w;
        if (n_sel[b] == n) {
            gather(dst, d, w, d->rcode + from, NULL, n);
            continue;
        }
        memset(dst, 0, n * w);
        gather(dst, d, w, d->rcode + from, sels + from, n_sel[b]);
    }
    return d->dense;
}
