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
 */
#include "sql/engine.h"

#include <math.h>
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
