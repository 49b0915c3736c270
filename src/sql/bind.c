/*
 * bind.c - the binder and planner: AST queries (ast.h) become physical
 * plans (engine.h) with typed, resolved expressions.
 *
 * Names resolve against a scope (the FROM item's columns, with its alias);
 * unknown names fail at their line:column with a caret and the nearest
 * candidate ("did you mean").  Types follow DuckDB's rules: integer
 * arithmetic stays in the wider operand type and fails on overflow, `/`
 * divides as DOUBLE, decimals add with max(p-s)+max(s)+1 digits and
 * multiply with p1+p2 (capped at 18 when both fit in 64 bits), anything
 * with a float becomes DOUBLE; comparisons cast both sides to a common
 * type, string constants take the type of the other side.  Constant
 * subtrees are folded at bind time.
 *
 * Planning of a SELECT: SCAN (only referenced columns; the WHERE clause
 * pushed in, where the scan uses it for Iceberg file pruning, Parquet
 * row-group and page pruning and late materialisation) -> [PROJECT keys
 * and aggregate arguments -> AGG -> FILTER having] -> PROJECT select list
 * (+ hidden ORDER BY columns) -> [AGG for DISTINCT] -> [SORT / top-N] ->
 * [LIMIT] -> [PROJECT dropping hidden columns].  Joins, subqueries and
 * windows (issue 6) attach as further node kinds.
 */
#include "sql/engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sql/bind.h"
#include "sql/join.h"
#include "sql/window.h"

/* --------------------------------------------------------------- scope */

typedef struct scol {
    const char *name;
    const char *table; /* alias or table name */
    ko_sql_dtype type;
    bool hidden; /* issue 6: USING's right copy, subquery marks: only t.c finds it */
} scol;

typedef struct scope {
    scol *cols;
    size_t n;
} scope;

typedef struct binder binder;
struct from_item;
struct cte_list;
struct binder {
    ko_qctx *q;
    ko_arena *a;
    ko_bind_env *env;
    const scope *sc;
    /* issue 6 (bind_join.inc, bind_subquery.inc) */
    binder *parent; /* the enclosing query's binder: correlated names */
    const struct cte_list *ctes;
    struct from_item *fi;     /* the FROM of this SELECT (subqueries join to it) */
    bool outer_ref;           /* set when a name resolved in parent */
    struct win_state *win;    /* window calls of this SELECT (bind_window.inc) */
    const ko_sql_select *sel; /* this SELECT: its named windows (WINDOW w AS) */
    /* aggregation mode */
    bool agg_mode;
    ko_bexpr **groups; /* bound group expressions (over the input scope) */
    size_t n_groups;
    ko_agg_spec *aggs;
    ko_bexpr **agg_args;
    size_t n_aggs, cap_aggs;
    bool saw_agg;
    const char *const *aliases; /* select aliases for GROUP BY / ORDER BY */
    ko_bexpr **alias_exprs;
    size_t n_aliases;
};

static ko_status berr(binder *b, ko_sql_pos pos, ko_status st, const char *fmt, ...)
    KO_PRINTF(4, 5);
static ko_status berr(binder *b, ko_sql_pos pos, ko_status st, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return ko_sql_error_at(b->q->err, st, b->q->text, b->q->text_len, pos, "%s", msg);
}

static ko_status nomem(binder *b)
{
    return ko_err_set(b->q->err, KO_ERR_NOMEM, "out of memory binding the query");
}

static ko_bexpr *bx_new(binder *b, ko_bx_kind k, ko_sql_dtype t, size_t n_args)
{
    ko_bexpr *e = ko_arena_calloc(b->a, 1, sizeof *e);
    if (!e)
        return NULL;
    e->kind = k;
    e->type = t;
    e->n_args = n_args;
    if (n_args && !(e->args = ko_arena_calloc(b->a, n_args, sizeof(ko_bexpr *))))
        return NULL;
    return e;
}

/* Constant vectors live for the statement: registered for freeing. */
static ko_vec *const_vec(binder *b, const ko_sql_dtype *t)
{
    ko_vec *v = ko_vec_new(t);
    if (!v)
        return NULL;
    if (ko_vec_reserve(v, 1) != KO_OK || ko_bind_env_keep(b->env, v) != KO_OK) {
        ko_vec_free(v);
        return NULL;
    }
    v->is_const = true;
    return v;
}

static ko_bexpr *bx_const(binder *b, ko_sql_dtype t, ko_vec *v)
{
    ko_bexpr *e = bx_new(b, BX_CONST, t, 0);
    if (e)
        e->value = v;
    return e;
}

static ko_bexpr *bx_null(binder *b, ko_sql_dtype t)
{
    ko_vec *v = const_vec(b, &t);
    if (!v || ko_vec_set_const_null(v) != KO_OK)
        return NULL;
    return bx_const(b, t, v);
}

/* ------------------------------------------------------- type rules */

static ko_sql_dtype dt(ko_sql_dtid id)
{
    return ko_sql_dtype_of(id);
}

static ko_sql_dtype as_decimal(const ko_sql_dtype *t)
{
    if (t->id == KO_SQL_DT_DECIMAL)
        return *t;
    int p = ko_sql_int_precision(t->id);
    return ko_sql_dtype_decimal(p ? p : 18, 0);
}

static bool is_float(ko_sql_dtid id)
{
    return id == KO_SQL_DT_FLOAT || id == KO_SQL_DT_DOUBLE;
}

static ko_sql_dtype common_decimal(const ko_sql_dtype *a, const ko_sql_dtype *b)
{
    ko_sql_dtype x = as_decimal(a), y = as_decimal(b);
    int s = x.scale > y.scale ? x.scale : y.scale;
    int ia = x.precision - x.scale, ib = y.precision - y.scale;
    int p = (ia > ib ? ia : ib) + s;
    return ko_sql_dtype_decimal(p > 38 ? 38 : p, s);
}

/* The common type of a comparison / CASE / IN / UNION; false if none. */
static bool common_type(const ko_sql_dtype *a, const ko_sql_dtype *b, ko_sql_dtype *out)
{
    ko_sql_dtid x = a->id, y = b->id;
    if (x == KO_SQL_DT_NULL) {
        *out = *b;
        return true;
    }
    if (y == KO_SQL_DT_NULL || ko_sql_dtype_equal(a, b)) {
        *out = *a;
        return true;
    }
    if (ko_sql_dtype_is_numeric(x) && ko_sql_dtype_is_numeric(y)) {
        if (is_float(x) || is_float(y))
            *out = dt(x == KO_SQL_DT_FLOAT && y == KO_SQL_DT_FLOAT ? KO_SQL_DT_FLOAT
                                                                   : KO_SQL_DT_DOUBLE);
        else if (x == KO_SQL_DT_DECIMAL || y == KO_SQL_DT_DECIMAL)
            *out = common_decimal(a, b);
        else
            *out = dt(x > y ? x : y);
        return true;
    }
    if ((x == KO_SQL_DT_DATE || x == KO_SQL_DT_TIMESTAMP || x == KO_SQL_DT_TIMESTAMPTZ) &&
        (y == KO_SQL_DT_DATE || y == KO_SQL_DT_TIMESTAMP || y == KO_SQL_DT_TIMESTAMPTZ)) {
        *out = dt(x > y ? x : y);
        return true;
    }
    if (x == KO_SQL_DT_BOOLEAN && ko_sql_dtype_is_integer(y)) {
        *out = *b;
        return true;
    }
    if (y == KO_SQL_DT_BOOLEAN && ko_sql_dtype_is_integer(x)) {
        *out = *a;
        return true;
    }
    return false;
}

/* --------------------------------------------------------- folding */

static bool all_const(const ko_bexpr *e)
{
    for (size_t i = 0; i < e->n_args; i++)
        if (e->args[i]->kind != BX_CONST)
            return false;
    return e->kind != BX_CONST && e->kind != BX_COL &&
           !(e->kind == BX_FUNC && (e->fn->fn->flags & KO_SQL_FN_VOLATILE));
}

static ko_status fold(binder *b, ko_bexpr **pe)
{
    ko_bexpr *e = *pe;
    if (!e || !all_const(e))
        return KO_OK;
    ko_estate *s = NULL;
    if (ko_estate_new(e, &s) != KO_OK)
        return nomem(b);
    ko_vec *r = NULL;
    ko_status st = ko_eval(b->q, s, NULL, NULL, 1, &r);
    ko_vec *v = st == KO_OK ? const_vec(b, &e->type) : NULL;
    if (st == KO_OK && !v)
        st = nomem(b);
    if (st == KO_OK && ko_vec_copy_row(v, 0, r, 0) != KO_OK)
        st = nomem(b);
    ko_estate_free(s);
    if (st != KO_OK)
        return st;
    v->is_const = true;
    ko_bexpr *c = bx_const(b, e->type, v);
    if (!c)
        return nomem(b);
    c->pos = e->pos;
    *pe = c;
    return KO_OK;
}

/* ------------------------------------------------------------ casts */

static bool noop_cast(const ko_sql_dtype *from, const ko_sql_dtype *to)
{
    if (ko_sql_dtype_equal(from, to))
        return true;
    return from->id == KO_SQL_DT_DECIMAL && to->id == KO_SQL_DT_DECIMAL &&
           from->scale == to->scale && from->precision <= to->precision &&
           ko_sql_dtype_phys(from) == ko_sql_dtype_phys(to);
}

static ko_status cast_to(binder *b, ko_bexpr **pe, const ko_sql_dtype *to, bool try_)
{
    ko_bexpr *e = *pe;
    if (!try_ && noop_cast(&e->type, to)) {
        if (e->type.id == KO_SQL_DT_DECIMAL && e->kind != BX_COL) {
            /* retype in place: same physical layout and scale */
            e->type = *to;
            if (e->kind == BX_CONST)
                e->value->type = *to;
        }
        return KO_OK;
    }
    if (!ko_cast_supported(&e->type, to)) {
        char x[KO_SQL_DTYPE_STR_MAX], y[KO_SQL_DTYPE_STR_MAX];
        return berr(b, e->pos, KO_ERR_INVALID, "Conversion Error: cannot cast %s to %s",
                    ko_sql_dtype_name(&e->type, x), ko_sql_dtype_name(to, y));
    }
    ko_bexpr *c = bx_new(b, BX_CAST, *to, 1);
    if (!c)
        return nomem(b);
    c->args[0] = e;
    c->try_ = try_;
    c->pos = e->pos;
    *pe = c;
    return fold(b, pe);
}

/* ------------------------------------------------------ expressions */

static ko_status bind_expr(binder *b, const ko_sql_expr *x, ko_bexpr **out);
/* issue 6 (bind_subquery.inc) */
static ko_status bind_subquery(binder *b, const ko_sql_expr *x, ko_bexpr **out);
static ko_status outer_column(binder *b, const ko_sql_expr *x, ko_bexpr **out, bool *done);
static ko_status bind_window(binder *b, const ko_sql_expr *x, ko_bexpr **out);
static ko_status bind_unnest_item(binder *b, const ko_sql_expr *x, ko_bexpr **out);
static ko_status bind_list_literal(binder *b, const ko_sql_expr *x, ko_bexpr **out);

static ko_status lit_int(binder *b, int64_t i, ko_bexpr **out)
{
    ko_sql_dtype t = dt(i >= INT32_MIN && i <= INT32_MAX ? KO_SQL_DT_INTEGER : KO_SQL_DT_BIGINT);
    ko_vec *v = const_vec(b, &t);
    if (!v)
        return nomem(b);
    if (t.id == KO_SQL_DT_INTEGER)
        KO_VEC_DATA(v, int32_t)[0] = (int32_t)i;
    else
        KO_VEC_DATA(v, int64_t)[0] = i;
    *out = bx_const(b, t, v);
    return *out ? KO_OK : nomem(b);
}

static ko_status lit_str(binder *b, const char *s, size_t len, ko_sql_dtype t, ko_bexpr **out)
{
    ko_sql_dtype vt = dt(KO_SQL_DT_VARCHAR);
    ko_vec *v = const_vec(b, &vt);
    if (!v || ko_vec_set_str(v, 0, s, len) != KO_OK)
        return nomem(b);
    *out = bx_const(b, vt, v);
    if (!*out)
        return nomem(b);
    return t.id == KO_SQL_DT_VARCHAR ? KO_OK : cast_to(b, out, &t, false);
}

static ko_status bind_literal(binder *b, const ko_sql_expr *x, ko_bexpr **out)
{
    const ko_sql_literal *l = &x->lit;
    ko_status st = KO_OK;
    switch (l->kind) {
    case KO_SQL_LIT_NULL:
        *out = bx_null(b, dt(KO_SQL_DT_NULL));
        break;
    case KO_SQL_LIT_BOOL: {
        ko_sql_dtype t = dt(KO_SQL_DT_BOOLEAN);
        ko_vec *v = const_vec(b, &t);
        if (!v)
            return nomem(b);
        v->data[0] = l->b;
        *out = bx_const(b, t, v);
        break;
    }
    case KO_SQL_LIT_INT:
        return lit_int(b, l->i, out);
    case KO_SQL_LIT_DECIMAL: {
        int p = l->precision < l->scale + 1 ? l->scale + 1 : l->precision;
        ko_sql_dtype t = ko_sql_dtype_decimal(p > 38 ? 38 : p, l->scale);
        if (l->scale == 0 && p > 18) {
            t = dt(KO_SQL_DT_HUGEINT);
        }
        return lit_str(b, l->str, l->str_len, t, out);
    }
    case KO_SQL_LIT_FLOAT: {
        ko_sql_dtype t = dt(KO_SQL_DT_DOUBLE);
        ko_vec *v = const_vec(b, &t);
        if (!v)
            return nomem(b);
        KO_VEC_DATA(v, double)[0] = l->f;
        *out = bx_const(b, t, v);
        break;
    }
    case KO_SQL_LIT_STRING:
        return lit_str(b, l->str, l->str_len, dt(KO_SQL_DT_VARCHAR), out);
    case KO_SQL_LIT_TYPED: {
        ko_sql_dtype t;
        st = ko_bind_ast_type(l->type, b->a, &t, b->q->err);
        return st == KO_OK ? lit_str(b, l->str, l->str_len, t, out) : st;
    }
    case KO_SQL_LIT_INTERVAL: {
        char buf[256];
        snprintf(buf, sizeof buf, "%s %s", l->str, l->unit ? l->unit : "");
        return lit_str(b, buf, strlen(buf), dt(KO_SQL_DT_INTERVAL), out);
    }
    default:
        return berr(b, x->pos, KO_ERR_UNSUPPORTED, "unsupported literal");
    }
    if (!*out)
        return nomem(b);
    (*out)->pos = x->pos;
    return st;
}

static ko_status unknown_column(binder *b, const ko_sql_expr *x, const char *name)
{
    if (strlen(name) > 64)
        return berr(b, x->pos, KO_ERR_NOT_FOUND,
                    "Binder Error: Referenced column \"%.32s...\" (an identifier of %zu "
                    "characters) not found in FROM clause",
                    name, strlen(name));
    const char **cands = ko_arena_calloc(b->a, b->sc->n + 1, sizeof *cands);
    if (!cands)
        return nomem(b);
    for (size_t i = 0; i < b->sc->n; i++)
        cands[i] = b->sc->cols[i].name;
    const char *s = ko_sql_suggest(name, cands, b->sc->n);
    if (s)
        return berr(b, x->pos, KO_ERR_NOT_FOUND,
                    "Binder Error: Referenced column \"%s\" not found in FROM clause (did you "
                    "mean \"%s\"?)",
                    name, s);
    return berr(b, x->pos, KO_ERR_NOT_FOUND,
                "Binder Error: Referenced column \"%s\" not found in FROM clause", name);
}

static int find_col(const scope *sc, const char *table, const char *name, bool *ambiguous)
{
    int found = -1;
    *ambiguous = false;
    for (size_t i = 0; i < sc->n; i++) {
        if (strcasecmp(sc->cols[i].name, name) != 0 || (sc->cols[i].hidden && !table))
            continue;
        if (table && (!sc->cols[i].table || strcasecmp(sc->cols[i].table, table) != 0))
            continue;
        if (found >= 0)
            *ambiguous = true;
        else
            found = (int)i;
    }
    return found;
}

static ko_status struct_field(binder *b, ko_bexpr **pe, const ko_sql_ident *f)
{
    ko_bexpr *e = *pe;
    if (e->type.id != KO_SQL_DT_STRUCT || !e->type.nested)
        return berr(b, f->pos, KO_ERR_INVALID, "Binder Error: cannot extract field \"%s\" from %s",
                    f->name, ko_sql_dtid_name(e->type.id));
    for (uint32_t i = 0; i < e->type.nested->n; i++)
        if (strcasecmp(e->type.nested->names[i], f->name) == 0) {
            ko_bexpr *r = bx_new(b, BX_FIELD, e->type.nested->types[i], 1);
            if (!r)
                return nomem(b);
            r->args[0] = e;
            r->col = (int)i;
            *pe = r;
            return KO_OK;
        }
    return berr(b, f->pos, KO_ERR_NOT_FOUND, "Binder Error: struct has no field \"%s\"", f->name);
}

static ko_status bind_column(binder *b, const ko_sql_expr *x, ko_bexpr **out)
{
    const ko_sql_qname *qn = &x->column;
    /* alias of a select item (GROUP BY / ORDER BY / HAVING) */
    if (qn->n == 1 && b->aliases)
        for (size_t i = 0; i < b->n_aliases; i++)
            if (b->aliases[i] && strcasecmp(b->aliases[i], qn->parts[0].name) == 0) {
                bool amb;
                if (find_col(b->sc, NULL, qn->parts[0].name, &amb) < 0) {
                    *out = b->alias_exprs[i];
                    return KO_OK;
                }
            }
    bool amb = false;
    size_t used = 0;
    int c = -1;
    for (size_t k = qn->n; k-- > 0 && c < 0;) {
        const char *table = k > 0 ? qn->parts[k - 1].name : NULL;
        c = find_col(b->sc, table, qn->parts[k].name, &amb);
        if (c >= 0)
            used = k + 1;
        if (c < 0 && k == 0)
            break;
    }
    if (c < 0) {
        /* struct access: first part is a column */
        c = find_col(b->sc, NULL, qn->parts[0].name, &amb);
        used = 1;
    }
    if (c < 0) {
        bool outer = false; /* a correlated name (bind_subquery.inc) */
        ko_status ost = outer_column(b, x, out, &outer);
        if (ost != KO_OK || outer)
            return ost;
        return unknown_column(b, x, qn->parts[qn->n - 1].name);
    }
    if (amb)
        return berr(b, x->pos, KO_ERR_INVALID, "Binder Error: Ambiguous reference to column \"%s\"",
                    qn->parts[used - 1].name);
    ko_bexpr *e = bx_new(b, BX_COL, b->sc->cols[c].type, 0);
    if (!e)
        return nomem(b);
    e->col = c;
    e->pos = x->pos;
    ko_status st = KO_OK;
    for (size_t k = used; k < qn->n && st == KO_OK; k++)
        st = struct_field(b, &e, &qn->parts[k]);
    *out = e;
    return st;
}

static ko_status unify2(binder *b, ko_bexpr **l, ko_bexpr **r, ko_sql_pos pos)
{
    ko_sql_dtype t;
    ko_bexpr *x = *l, *y = *r;
    if (!x || !y)
        return nomem(b);
    /* string constants take the other side's type */
    if (x->type.id == KO_SQL_DT_VARCHAR && x->kind == BX_CONST && y->type.id != KO_SQL_DT_VARCHAR &&
        y->type.id != KO_SQL_DT_NULL)
        return cast_to(b, l, &y->type, false);
    if (y->type.id == KO_SQL_DT_VARCHAR && y->kind == BX_CONST && x->type.id != KO_SQL_DT_VARCHAR &&
        x->type.id != KO_SQL_DT_NULL)
        return cast_to(b, r, &x->type, false);
    bool ok = common_type(&x->type, &y->type, &t);
    if (ok && t.id == KO_SQL_DT_NULL)
        t = dt(KO_SQL_DT_INTEGER); /* NULL = NULL: compare as any type, giving NULL */
    if (!ok) {
        char a1[KO_SQL_DTYPE_STR_MAX], a2[KO_SQL_DTYPE_STR_MAX];
        return berr(b, pos, KO_ERR_INVALID,
                    "Binder Error: Cannot compare values of type %s and type %s",
                    ko_sql_dtype_name(&x->type, a1), ko_sql_dtype_name(&y->type, a2));
    }
    ko_status st = cast_to(b, l, &t, false);
    return st == KO_OK ? cast_to(b, r, &t, false) : st;
}

static int map_cmp(ko_sql_op op)
{
    switch (op) {
    case KO_SQL_OP_EQ:
        return OP_EQ;
    case KO_SQL_OP_NE:
        return OP_NE;
    case KO_SQL_OP_LT:
        return OP_LT;
    case KO_SQL_OP_LE:
        return OP_LE;
    case KO_SQL_OP_GT:
        return OP_GT;
    default:
        return OP_GE;
    }
}

/* CAST(date_col AS TIMESTAMP) op const -> date_col op' date constant. */
static ko_status simplify_date_cmp(binder *b, ko_bexpr *e)
{
    ko_bexpr *l = e->args[0], *r = e->args[1];
    if (l->kind != BX_CAST || l->args[0]->type.id != KO_SQL_DT_DATE || r->kind != BX_CONST ||
        !ko_vec_valid(r->value, 0) || l->type.id != KO_SQL_DT_TIMESTAMP)
        return KO_OK;
    int64_t ts = KO_VEC_DATA(r->value, int64_t)[0], day = 86400000000LL;
    int64_t d = ts >= 0 ? ts / day : -((-ts + day - 1) / day);
    bool exact = d * day == ts;
    int op = e->op;
    if (!exact) {
        if (op == OP_LT)
            op = OP_LE;
        else if (op == OP_GE)
            op = OP_GT;
        else if (op == OP_EQ || op == OP_NE)
            return KO_OK;
    }
    ko_sql_dtype dtd = dt(KO_SQL_DT_DATE);
    ko_vec *v = const_vec(b, &dtd);
    if (!v)
        return nomem(b);
    KO_VEC_DATA(v, int32_t)[0] = (int32_t)d;
    e->args[0] = l->args[0];
    e->args[1] = bx_const(b, dtd, v);
    e->op = op;
    return e->args[1] ? KO_OK : nomem(b);
}

static ko_status bind_cmp(binder *b, int op, ko_bexpr *l, ko_bexpr *r, ko_sql_pos pos,
                          ko_bexpr **out)
{
    ko_status st = unify2(b, &l, &r, pos);
    if (st != KO_OK)
        return st;
    ko_bexpr *e = bx_new(b, BX_CMP, dt(KO_SQL_DT_BOOLEAN), 2);
    if (!e)
        return nomem(b);
    e->op = op;
    e->args[0] = l;
    e->args[1] = r;
    e->pos = pos;
    st = simplify_date_cmp(b, e);
    *out = e;
    return st == KO_OK ? fold(b, out) : st;
}

static bool is_datetime(ko_sql_dtid id)
{
    return id == KO_SQL_DT_DATE || id == KO_SQL_DT_TIMESTAMP || id == KO_SQL_DT_TIMESTAMPTZ ||
           id == KO_SQL_DT_TIME || id == KO_SQL_DT_INTERVAL;
}

/* The result type of date/time arithmetic x op y; false when there is
 * none. */
static bool date_result(ko_sql_dtid x, ko_sql_dtid y, int op, ko_sql_dtype *rt)
{
    if (x == KO_SQL_DT_DATE && ko_sql_dtype_is_integer(y))
        *rt = dt(KO_SQL_DT_DATE);
    else if (x == KO_SQL_DT_DATE && y == KO_SQL_DT_DATE && op == OP_SUB)
        *rt = dt(KO_SQL_DT_BIGINT);
    else if (y == KO_SQL_DT_INTERVAL && (x == KO_SQL_DT_DATE || x == KO_SQL_DT_TIMESTAMP))
        *rt = dt(KO_SQL_DT_TIMESTAMP);
    else if (y == KO_SQL_DT_INTERVAL &&
             (x == KO_SQL_DT_TIMESTAMPTZ || x == KO_SQL_DT_TIME || x == KO_SQL_DT_INTERVAL))
        *rt = dt(x);
    else if ((x == KO_SQL_DT_TIMESTAMP || x == KO_SQL_DT_TIMESTAMPTZ) && x == y && op == OP_SUB)
        *rt = dt(KO_SQL_DT_INTERVAL);
    else
        return false;
    return true;
}

/* Puts the date/time operand first (interval + date) and types a string
 * constant on the right (an interval, or a date for date - 'text'). */
static ko_status date_operands(binder *b, int op, ko_bexpr **l, ko_bexpr **r)
{
    ko_sql_dtid x = (*l)->type.id, y = (*r)->type.id;
    if (op == OP_ADD && (x == KO_SQL_DT_INTERVAL || ko_sql_dtype_is_integer(x)) &&
        y != KO_SQL_DT_INTERVAL && !ko_sql_dtype_is_integer(y)) {
        ko_bexpr *t = *l;
        *l = *r;
        *r = t;
        x = (*l)->type.id;
        y = (*r)->type.id;
    }
    if (y != KO_SQL_DT_VARCHAR || (*r)->kind != BX_CONST)
        return KO_OK;
    ko_sql_dtype it = dt(x == KO_SQL_DT_DATE && op == OP_SUB ? KO_SQL_DT_DATE : KO_SQL_DT_INTERVAL);
    return cast_to(b, r, &it, false);
}

static ko_status date_arith(binder *b, int op, ko_bexpr *l, ko_bexpr *r, ko_sql_pos pos,
                            ko_bexpr **out)
{
    ko_status st = date_operands(b, op, &l, &r);
    if (st != KO_OK)
        return st;
    ko_sql_dtid x = l->type.id, y = r->type.id;
    ko_sql_dtype rt;
    if (!date_result(x, y, op, &rt))
        return berr(b, pos, KO_ERR_INVALID,
                    "Binder Error: No function matches the given name and argument types '%s(%s, "
                    "%s)'",
                    op == OP_ADD ? "+" : "-", ko_sql_dtid_name(x), ko_sql_dtid_name(y));
    ko_bexpr *e = bx_new(b, BX_DATE_ARITH, rt, 2);
    if (!e)
        return nomem(b);
    e->op = op;
    e->args[0] = l;
    e->args[1] = r;
    e->pos = pos;
    *out = e;
    return fold(b, out);
}

/* Decimal arithmetic types (DuckDB): operands retyped/cast, result type. */
static ko_status decimal_arith(binder *b, int op, ko_bexpr **l, ko_bexpr **r, ko_sql_dtype *rt)
{
    ko_sql_dtype x = as_decimal(&(*l)->type), y = as_decimal(&(*r)->type);
    int s, p;
    ko_sql_dtype tl, tr;
    if (op == OP_MUL) {
        s = x.scale + y.scale;
        p = x.precision + y.precision;
        if (p > 18 && x.precision <= 18 && y.precision <= 18 && s < 18)
            p = 18;
        if (p > 38)
            p = 38;
        if (s > 38)
            return berr(b, (*l)->pos, KO_ERR_INVALID, "decimal scale too large");
        tl = ko_sql_dtype_decimal(p, x.scale);
        tr = ko_sql_dtype_decimal(p, y.scale);
    } else {
        s = x.scale > y.scale ? x.scale : y.scale;
        int ix = x.precision - x.scale, iy = y.precision - y.scale;
        p = (ix > iy ? ix : iy) + s + (op == OP_MOD ? 0 : 1);
        if (p > 38)
            p = 38;
        tl = tr = ko_sql_dtype_decimal(p, s);
    }
    *rt = ko_sql_dtype_decimal(p, s);
    ko_status st = cast_to(b, l, &tl, false);
    return st == KO_OK ? cast_to(b, r, &tr, false) : st;
}

/* Casts both operands to t. */
static ko_status cast_both(binder *b, ko_bexpr **l, ko_bexpr **r, const ko_sql_dtype *t)
{
    ko_status st = cast_to(b, l, t, false);
    return st == KO_OK ? cast_to(b, r, t, false) : st;
}

/* Operand types when a decimal is involved (x, y: the ids with NULL
 * resolved); *rt is the result type. */
static ko_status arith_decimal(binder *b, int op, ko_bexpr **l, ko_bexpr **r, ko_sql_dtid x,
                               ko_sql_dtid y, ko_sql_dtype *rt)
{
    if (op == OP_IDIV) {
        *rt = dt(KO_SQL_DT_DOUBLE);
        return cast_both(b, l, r, rt);
    }
    ko_status st = KO_OK;
    ko_sql_dtype lt = (*l)->type.id == KO_SQL_DT_NULL ? dt(y) : (*l)->type;
    ko_sql_dtype tt = (*r)->type.id == KO_SQL_DT_NULL ? dt(x) : (*r)->type;
    if (lt.id != (*l)->type.id)
        st = cast_to(b, l, &tt, false);
    if (st == KO_OK && tt.id != (*r)->type.id)
        st = cast_to(b, r, &lt, false);
    return st == KO_OK ? decimal_arith(b, op, l, r, rt) : st;
}

/* The operand type ids of numeric arithmetic (string constants as
 * DOUBLE, NULL as the other side); false when one is not numeric. */
static bool arith_ids(const ko_bexpr *l, const ko_bexpr *r, ko_sql_dtid *x, ko_sql_dtid *y)
{
    *x = l->type.id;
    *y = r->type.id;
    if (*x == KO_SQL_DT_VARCHAR && l->kind == BX_CONST)
        *x = KO_SQL_DT_DOUBLE;
    if (*y == KO_SQL_DT_VARCHAR && r->kind == BX_CONST)
        *y = KO_SQL_DT_DOUBLE;
    if (!(ko_sql_dtype_is_numeric(*x) || *x == KO_SQL_DT_NULL) ||
        !(ko_sql_dtype_is_numeric(*y) || *y == KO_SQL_DT_NULL))
        return false;
    if (*x == KO_SQL_DT_NULL)
        *x = *y == KO_SQL_DT_NULL ? KO_SQL_DT_INTEGER : *y;
    if (*y == KO_SQL_DT_NULL)
        *y = *x;
    return true;
}

static ko_status arith(binder *b, int op, ko_bexpr *l, ko_bexpr *r, ko_sql_pos pos, ko_bexpr **out)
{
    ko_sql_dtid x = l->type.id, y = r->type.id;
    if ((is_datetime(x) || is_datetime(y)) && (op == OP_ADD || op == OP_SUB))
        return date_arith(b, op, l, r, pos, out);
    if (!arith_ids(l, r, &x, &y))
        return berr(b, pos, KO_ERR_INVALID,
                    "Binder Error: No function matches the given name and argument types for "
                    "arithmetic on %s and %s",
                    ko_sql_dtid_name(l->type.id), ko_sql_dtid_name(r->type.id));
    ko_sql_dtype rt;
    ko_status st;
    if (op == OP_DIV || is_float(x) || is_float(y)) {
        rt = dt(x == KO_SQL_DT_FLOAT && y == KO_SQL_DT_FLOAT && op != OP_DIV ? KO_SQL_DT_FLOAT
                                                                             : KO_SQL_DT_DOUBLE);
        st = cast_both(b, &l, &r, &rt);
    } else if (x == KO_SQL_DT_DECIMAL || y == KO_SQL_DT_DECIMAL) {
        st = arith_decimal(b, op, &l, &r, x, y, &rt);
    } else {
        rt = dt(x > y ? x : y);
        st = cast_both(b, &l, &r, &rt);
    }
    if (st != KO_OK)
        return st;
    ko_bexpr *e = bx_new(b, BX_ARITH, rt, 2);
    if (!e)
        return nomem(b);
    e->op = op;
    e->args[0] = l;
    e->args[1] = r;
    e->pos = pos;
    *out = e;
    return fold(b, out);
}

static ko_status bind_binary(binder *b, const ko_sql_expr *x, ko_bexpr **out)
{
    ko_bexpr *l = NULL, *r = NULL;
    ko_status st = bind_expr(b, x->binary.left, &l);
    if (st == KO_OK)
        st = bind_expr(b, x->binary.right, &r);
    if (st != KO_OK)
        return st;
    switch (x->binary.op) {
    case KO_SQL_OP_ADD:
        return arith(b, OP_ADD, l, r, x->pos, out);
    case KO_SQL_OP_SUB:
        return arith(b, OP_SUB, l, r, x->pos, out);
    case KO_SQL_OP_MUL:
        return arith(b, OP_MUL, l, r, x->pos, out);
    case KO_SQL_OP_DIV:
        return arith(b, OP_DIV, l, r, x->pos, out);
    case KO_SQL_OP_MOD:
        return arith(b, OP_MOD, l, r, x->pos, out);
    case KO_SQL_OP_INTDIV:
        return arith(b, OP_IDIV, l, r, x->pos, out);
    case KO_SQL_OP_CONCAT: {
        ko_sql_dtype vt = dt(KO_SQL_DT_VARCHAR);
        st = cast_to(b, &l, &vt, false);
        if (st == KO_OK)
            st = cast_to(b, &r, &vt, false);
        ko_bexpr *e = st == KO_OK ? bx_new(b, BX_CONCAT, vt, 2) : NULL;
        if (st == KO_OK && !e)
            return nomem(b);
        if (st != KO_OK)
            return st;
        e->args[0] = l;
        e->args[1] = r;
        *out = e;
        return fold(b, out);
    }
    default:
        return bind_cmp(b, map_cmp(x->binary.op), l, r, x->pos, out);
    }
}

static ko_status to_bool(binder *b, ko_bexpr **e)
{
    if (!*e)
        return nomem(b);
    if ((*e)->type.id == KO_SQL_DT_BOOLEAN)
        return KO_OK;
    ko_sql_dtype bt = dt(KO_SQL_DT_BOOLEAN);
    if ((*e)->type.id == KO_SQL_DT_NULL || ko_sql_dtype_is_integer((*e)->type.id) ||
        (*e)->kind == BX_CONST)
        return cast_to(b, e, &bt, false);
    return berr(b, (*e)->pos, KO_ERR_INVALID,
                "Binder Error: expected a BOOLEAN expression, found %s",
                ko_sql_dtid_name((*e)->type.id));
}

static ko_status bind_list(binder *b, ko_bx_kind k, ko_sql_expr *const *items, size_t n,
                           ko_sql_pos pos, ko_bexpr **out)
{
    ko_bexpr *e = bx_new(b, k, dt(KO_SQL_DT_BOOLEAN), n);
    if (!e)
        return nomem(b);
    e->pos = pos;
    for (size_t i = 0; i < n; i++) {
        ko_status st = bind_expr(b, items[i], &e->args[i]);
        if (st == KO_OK)
            st = to_bool(b, &e->args[i]);
        if (st != KO_OK)
            return st;
    }
    *out = e;
    return fold(b, out);
}

static ko_status bind_unary(binder *b, const ko_sql_expr *x, ko_bexpr **out)
{
    ko_bexpr *a = NULL;
    ko_status st = bind_expr(b, x->unary.arg, &a);
    if (st != KO_OK)
        return st;
    if (x->unary.op == KO_SQL_OP_PLUS) {
        *out = a;
        return KO_OK;
    }
    bool not = x->unary.op == KO_SQL_OP_NOT;
    if (not &&(st = to_bool(b, &a)) != KO_OK)
        return st;
    if (!not &&!ko_sql_dtype_is_numeric(a->type.id) && a->type.id != KO_SQL_DT_INTERVAL) {
        if (a->type.id == KO_SQL_DT_NULL) {
            ko_sql_dtype it = dt(KO_SQL_DT_INTEGER);
            st = cast_to(b, &a, &it, false);
            if (st != KO_OK)
                return st;
        } else {
            return berr(b, x->pos, KO_ERR_INVALID, "Binder Error: cannot negate a %s",
                        ko_sql_dtid_name(a->type.id));
        }
    }
    ko_bexpr *e = bx_new(b, not ? BX_NOT : BX_NEG, a->type, 1);
    if (!e)
        return nomem(b);
    e->args[0] = a;
    e->pos = x->pos;
    *out = e;
    return fold(b, out);
}

static ko_status unify_all(binder *b, ko_bexpr **es, size_t n, ko_sql_dtype *t, ko_sql_pos pos)
{
    *t = dt(KO_SQL_DT_NULL);
    for (size_t i = 0; i < n; i++) {
        ko_sql_dtype c;
        if (es[i]->kind == BX_CONST && es[i]->type.id == KO_SQL_DT_VARCHAR &&
            t->id != KO_SQL_DT_NULL && t->id != KO_SQL_DT_VARCHAR)
            continue;
        if (t->id == KO_SQL_DT_VARCHAR && i > 0 && es[i]->type.id != KO_SQL_DT_VARCHAR &&
            es[i]->type.id != KO_SQL_DT_NULL) {
            bool all_const_str = true;
            for (size_t k = 0; k < i; k++)
                all_const_str &= es[k]->kind == BX_CONST || es[k]->type.id == KO_SQL_DT_NULL;
            if (all_const_str) {
                *t = es[i]->type;
                continue;
            }
        }
        if (!common_type(t, &es[i]->type, &c)) {
            char a1[KO_SQL_DTYPE_STR_MAX], a2[KO_SQL_DTYPE_STR_MAX];
            return berr(b, pos, KO_ERR_INVALID, "Binder Error: Cannot mix values of type %s and %s",
                        ko_sql_dtype_name(t, a1), ko_sql_dtype_name(&es[i]->type, a2));
        }
        *t = c;
    }
    for (size_t i = 0; i < n; i++) {
        ko_status st = cast_to(b, &es[i], t, false);
        if (st != KO_OK)
            return st;
    }
    return KO_OK;
}

/* Large IN lists of constants probe a hash set (built at bind time) from
 * a function node instead of comparing every item per row. */
enum { IN_SET_MIN = 8 };

typedef struct in_set {
    ko_vec *vals;    /* the non-null items, of the probe's type */
    uint32_t *slots; /* open addressing: index + 1, 0 empty */
    size_t mask;
    bool has_null, negated;
} in_set;

static bool in_set_find(const in_set *h, const ko_vec *a, size_t i)
{
    for (size_t p = ko_vec_hash(a, i) & h->mask;; p = (p + 1) & h->mask) {
        uint32_t s = h->slots[p];
        if (!s)
            return false;
        if (ko_vec_cmp(a, i, h->vals, s - 1) == 0)
            return true;
    }
}

static ko_status in_set_fn(const ko_sql_fn_ctx *ctx, ko_vec *const *args, size_t n_args,
                           const uint32_t *sel, size_t n_sel, size_t n_rows, ko_vec *out)
{
    (void)n_args;
    const in_set *h = ctx->bind_data;
    const ko_vec *a = args[0];
    ko_status st = ko_vec_validity_init(out, n_rows);
    if (st != KO_OK)
        return st;
    KO_SQL_LOOP(i, sel, n_sel, n_rows, {
        bool found = ko_vec_valid(a, i) && in_set_find(h, a, i);
        out->data[i] = found != h->negated;
        if (!ko_vec_valid(a, i) || (!found && h->has_null))
            ko_vec_set_null_fast(out, i);
    });
    return KO_OK;
}

static const ko_sql_func IN_SET_FUNC = {.name = "in",
                                        .n_args = 1,
                                        .ret = KO_SQL_DT_BOOLEAN,
                                        .flags = KO_SQL_FN_SPECIAL_NULLS,
                                        .fn = in_set_fn};

static ko_status in_set_build(binder *b, ko_bexpr *const *items, size_t n, const ko_sql_dtype *t,
                              in_set *h)
{
    size_t cap = 16;
    while (cap < 2 * n)
        cap *= 2;
    h->slots = ko_arena_calloc(b->a, cap, sizeof *h->slots);
    h->vals = ko_vec_new(t);
    if (!h->slots || !h->vals)
        return ko_vec_free(h->vals), nomem(b);
    if (ko_vec_reserve(h->vals, n) != KO_OK || ko_bind_env_keep(b->env, h->vals) != KO_OK)
        return ko_vec_free(h->vals), nomem(b);
    h->mask = cap - 1;
    uint32_t used = 0;
    for (size_t k = 0; k < n; k++) {
        const ko_vec *v = items[k]->value;
        if (!ko_vec_valid(v, 0)) {
            h->has_null = true;
            continue;
        }
        if (in_set_find(h, v, 0))
            continue;
        if (ko_vec_copy_row(h->vals, used, v, 0) != KO_OK)
            return nomem(b);
        size_t p = ko_vec_hash(v, 0) & h->mask;
        while (h->slots[p])
            p = (p + 1) & h->mask;
        h->slots[p] = ++used;
    }
    return KO_OK;
}

/* x IN (constants...) as a set probe; *done false when it does not apply. */
static ko_status in_as_set(binder *b, ko_bexpr *e, bool *done)
{
    *done = false;
    if (e->n_args - 1 < IN_SET_MIN || ko_sql_dtype_is_nested(e->args[0]->type.id) ||
        e->args[0]->type.id == KO_SQL_DT_NULL)
        return KO_OK;
    for (size_t i = 1; i < e->n_args; i++)
        if (e->args[i]->kind != BX_CONST)
            return KO_OK;
    in_set *h = ko_arena_calloc(b->a, 1, sizeof *h);
    ko_sql_resolved *rf = ko_arena_calloc(b->a, 1, sizeof *rf);
    if (!h || !rf)
        return nomem(b);
    h->negated = e->negated;
    ko_status st = in_set_build(b, e->args + 1, e->n_args - 1, &e->args[0]->type, h);
    if (st != KO_OK)
        return st;
    rf->fn = &IN_SET_FUNC;
    rf->params[0] = dt(KO_SQL_DT_ANY);
    rf->ret = dt(KO_SQL_DT_BOOLEAN);
    rf->bind_data = h;
    e->kind = BX_FUNC;
    e->fn = rf;
    e->n_args = 1;
    e->negated = false;
    *done = true;
    return KO_OK;
}

static ko_status bind_in(binder *b, const ko_sql_expr *x, ko_bexpr **out)
{
    size_t n = x->in.n + 1;
    ko_bexpr *e = bx_new(b, BX_IN, dt(KO_SQL_DT_BOOLEAN), n);
    if (!e)
        return nomem(b);
    ko_status st = bind_expr(b, x->in.arg, &e->args[0]);
    for (size_t i = 1; i < n && st == KO_OK; i++)
        st = bind_expr(b, x->in.items[i - 1], &e->args[i]);
    ko_sql_dtype t;
    if (st == KO_OK)
        st = unify_all(b, e->args, n, &t, x->pos);
    if (st != KO_OK)
        return st;
    e->negated = x->in.negated;
    e->pos = x->pos;
    *out = e;
    bool done = false;
    st = in_as_set(b, e, &done);
    return st == KO_OK ? fold(b, out) : st;
}

static ko_status bind_case(binder *b, const ko_sql_expr *x, ko_bexpr **out)
{
    size_t nw = x->case_.n_whens;
    size_t n = 2 * nw + (x->case_.else_expr ? 1 : 0);
    ko_bexpr *e = bx_new(b, BX_CASE, dt(KO_SQL_DT_NULL), n);
    ko_bexpr **vals = ko_arena_calloc(b->a, nw + 1, sizeof(ko_bexpr *));
    if (!e || !vals)
        return nomem(b);
    ko_bexpr *operand = NULL;
    ko_status st = x->case_.operand ? bind_expr(b, x->case_.operand, &operand) : KO_OK;
    for (size_t i = 0; i < nw && st == KO_OK; i++) {
        ko_bexpr *w = NULL;
        st = bind_expr(b, x->case_.whens[i].when, &w);
        if (st == KO_OK && operand)
            st = bind_cmp(b, OP_EQ, operand, w, x->case_.whens[i].when->pos, &w);
        if (st == KO_OK)
            st = to_bool(b, &w);
        e->args[2 * i] = w;
        if (st == KO_OK)
            st = bind_expr(b, x->case_.whens[i].then, &vals[i]);
    }
    size_t nv = nw;
    if (st == KO_OK && x->case_.else_expr)
        st = bind_expr(b, x->case_.else_expr, &vals[nv++]);
    ko_sql_dtype t;
    if (st == KO_OK)
        st = unify_all(b, vals, nv, &t, x->pos);
    if (st != KO_OK)
        return st;
    for (size_t i = 0; i < nw; i++)
        e->args[2 * i + 1] = vals[i];
    if (x->case_.else_expr)
        e->args[n - 1] = vals[nw];
    e->type = t;
    e->pos = x->pos;
    *out = e;
    return KO_OK;
}

/* ------------------------------------------------------- functions */

static int agg_kind(const char *name)
{
    static const struct {
        const char *n;
        ko_agg_fn f;
    } tab[] = {
        {"count", AGG_COUNT},
        {"sum", AGG_SUM},
        {"avg", AGG_AVG},
        {"mean", AGG_AVG},
        {"min", AGG_MIN},
        {"max", AGG_MAX},
        {"stddev", AGG_STDDEV_SAMP},
        {"stddev_samp", AGG_STDDEV_SAMP},
        {"stddev_pop", AGG_STDDEV_POP},
        {"variance", AGG_VAR_SAMP},
        {"var_samp", AGG_VAR_SAMP},
        {"var_pop", AGG_VAR_POP},
        {"bool_and", AGG_BOOL_AND},
        {"bool_or", AGG_BOOL_OR},
        {"any_value", AGG_FIRST},
        {"first", AGG_FIRST},
        {"arbitrary", AGG_FIRST},
    };
    for (size_t i = 0; i < KO_ARRAY_LEN(tab); i++)
        if (strcmp(tab[i].n, name) == 0)
            return (int)tab[i].f;
    return 0;
}

static ko_status agg_type(binder *b, ko_agg_spec *sp, ko_sql_pos pos)
{
    ko_sql_dtid in = sp->in_type.id;
    switch (sp->fn) {
    case AGG_COUNT_STAR:
    case AGG_COUNT:
        sp->type = dt(KO_SQL_DT_BIGINT);
        return KO_OK;
    case AGG_SUM:
        if (in == KO_SQL_DT_DECIMAL)
            sp->type = ko_sql_dtype_decimal(38, sp->in_type.scale);
        else if (ko_sql_dtype_is_integer(in) || in == KO_SQL_DT_BOOLEAN || in == KO_SQL_DT_NULL)
            sp->type = dt(KO_SQL_DT_HUGEINT);
        else if (is_float(in))
            sp->type = dt(KO_SQL_DT_DOUBLE);
        else
            break;
        return KO_OK;
    case AGG_AVG:
    case AGG_STDDEV_SAMP:
    case AGG_STDDEV_POP:
    case AGG_VAR_SAMP:
    case AGG_VAR_POP:
        if (!ko_sql_dtype_is_numeric(in) && in != KO_SQL_DT_NULL)
            break;
        sp->type = dt(KO_SQL_DT_DOUBLE);
        return KO_OK;
    case AGG_BOOL_AND:
    case AGG_BOOL_OR:
        if (in != KO_SQL_DT_BOOLEAN)
            break;
        sp->type = sp->in_type;
        return KO_OK;
    default:
        if (ko_sql_dtype_is_nested(in))
            break;
        sp->type = sp->in_type;
        return KO_OK;
    }
    return berr(b, pos, KO_ERR_INVALID,
                "Binder Error: No function matches the given name and argument types for this "
                "aggregate of %s",
                ko_sql_dtid_name(in));
}

/* f(x) FILTER (WHERE c): the argument becomes CASE WHEN c THEN x END
 * (count(*) counts CASE WHEN c THEN TRUE END). */
static ko_status agg_filter(binder *b, const ko_sql_expr *x, ko_agg_spec *sp, ko_bexpr **arg)
{
    bool saved = b->agg_mode;
    b->agg_mode = false;
    ko_bexpr *c = NULL;
    ko_status st = bind_expr(b, x->func.filter, &c);
    b->agg_mode = saved;
    if (st == KO_OK)
        st = to_bool(b, &c);
    if (st != KO_OK)
        return st;
    if (!*arg) {
        ko_sql_dtype bt = dt(KO_SQL_DT_BOOLEAN);
        ko_vec *v = const_vec(b, &bt);
        if (!v)
            return nomem(b);
        v->data[0] = 1;
        *arg = bx_const(b, bt, v);
        sp->fn = AGG_COUNT;
        sp->in_type = bt;
    }
    ko_bexpr *nul = *arg ? bx_null(b, (*arg)->type) : NULL;
    ko_bexpr *e = nul ? bx_new(b, BX_CASE, (*arg)->type, 3) : NULL;
    if (!e)
        return nomem(b);
    e->args[0] = c;
    e->args[1] = *arg;
    e->args[2] = nul;
    e->pos = x->pos;
    *arg = e;
    return KO_OK;
}

static ko_status bind_agg(binder *b, const ko_sql_expr *x, int fn, ko_bexpr **out)
{
    if (!b->agg_mode)
        return berr(b, x->pos, KO_ERR_INVALID,
                    "Binder Error: aggregate function calls cannot be used here");
    ko_agg_spec sp = {(ko_agg_fn)fn, x->func.distinct, -1, dt(KO_SQL_DT_NULL), dt(KO_SQL_DT_NULL)};
    ko_bexpr *arg = NULL;
    if (x->func.star && fn != AGG_COUNT)
        return berr(b, x->pos, KO_ERR_INVALID,
                    "Binder Error: %s(*) is not allowed: only count takes * as its argument",
                    x->func.name.parts[0].name);
    if (x->func.star || (fn == AGG_COUNT && x->func.n_args == 0)) {
        sp.fn = AGG_COUNT_STAR;
    } else {
        if (x->func.n_args != 1)
            return berr(b, x->pos, KO_ERR_INVALID, "Binder Error: %s takes one argument",
                        x->func.name.parts[0].name);
        /* arguments bind over the input, not the groups */
        bool saved = b->agg_mode;
        b->agg_mode = false;
        const char *const *sa = b->aliases;
        b->aliases = NULL;
        ko_status st = bind_expr(b, x->func.args[0], &arg);
        b->agg_mode = saved;
        b->aliases = sa;
        if (st != KO_OK)
            return st;
        sp.in_type = arg->type;
        if (fn == AGG_BOOL_AND || fn == AGG_BOOL_OR) {
            st = to_bool(b, &arg);
            sp.in_type = arg->type;
        }
        if (st != KO_OK)
            return st;
    }
    ko_status st = x->func.filter ? agg_filter(b, x, &sp, &arg) : KO_OK;
    if (st == KO_OK)
        st = agg_type(b, &sp, x->pos);
    if (st != KO_OK)
        return st;
    if (b->n_aggs == b->cap_aggs) {
        size_t cap = b->cap_aggs ? b->cap_aggs * 2 : 8;
        ko_agg_spec *na = ko_arena_calloc(b->a, cap, sizeof *na);
        ko_bexpr **nx = ko_arena_calloc(b->a, cap, sizeof(ko_bexpr *));
        if (!na || !nx)
            return nomem(b);
        if (b->n_aggs) {
            memcpy(na, b->aggs, b->n_aggs * sizeof *na);
            memcpy(nx, b->agg_args, b->n_aggs * sizeof(ko_bexpr *));
        }
        b->aggs = na;
        b->agg_args = nx;
        b->cap_aggs = cap;
    }
    size_t k = b->n_aggs++;
    b->aggs[k] = sp;
    b->agg_args[k] = arg;
    b->saw_agg = true;
    /* refers to output column n_groups + k of the aggregate */
    ko_bexpr *e = bx_new(b, BX_COL, sp.type, 0);
    if (!e)
        return nomem(b);
    e->col = -1 - (int)k; /* patched by the planner: agg k */
    e->pos = x->pos;
    *out = e;
    return KO_OK;
}

static ko_status bind_call(binder *b, const ko_sql_expr *x, const char *name, ko_bexpr **args,
                           size_t n, ko_bexpr **out)
{
    ko_sql_dtype types[KO_SQL_FN_MAX_CALL_ARGS];
    ko_vec *consts[KO_SQL_FN_MAX_CALL_ARGS];
    if (n > KO_SQL_FN_MAX_CALL_ARGS)
        return berr(b, x->pos, KO_ERR_INVALID, "too many arguments to %s", name);
    for (size_t i = 0; i < n; i++) {
        types[i] = args[i]->type;
        consts[i] = args[i]->kind == BX_CONST ? args[i]->value : NULL;
    }
    ko_sql_resolved *rf = ko_arena_calloc(b->a, 1, sizeof *rf);
    if (!rf)
        return nomem(b);
    ko_err e2 = {0};
    ko_status st = ko_sql_func_resolve(name, types, n, consts, b->a, rf, &e2);
    if (st != KO_OK)
        return berr(b, x->pos, st, "Binder Error: %s", e2.msg);
    ko_bexpr *e = bx_new(b, BX_FUNC, rf->ret, n);
    if (!e)
        return nomem(b);
    e->fn = rf;
    e->pos = x->pos;
    for (size_t i = 0; i < n && st == KO_OK; i++) {
        e->args[i] = args[i];
        if (rf->params[i].id != KO_SQL_DT_NULL && rf->params[i].id != KO_SQL_DT_ANY)
            st = cast_to(b, &e->args[i], &rf->params[i], false);
    }
    *out = e;
    return st == KO_OK ? fold(b, out) : st;
}

static ko_status bind_func(binder *b, const ko_sql_expr *x, ko_bexpr **out)
{
    const char *name = x->func.name.parts[x->func.name.n - 1].name;
    if (x->func.over) /* issue 6: bind_window.inc */
        return bind_window(b, x, out);
    if (x->func.name.n == 1 && strcmp(name, "unnest") == 0) /* bind_window.inc */
        return bind_unnest_item(b, x, out);
    int ak = x->func.name.n == 1 ? agg_kind(name) : 0;
    if (ak)
        return bind_agg(b, x, ak, out);
    size_t n = x->func.n_args;
    ko_bexpr **args = ko_arena_calloc(b->a, n ? n : 1, sizeof(ko_bexpr *));
    if (!args)
        return nomem(b);
    for (size_t i = 0; i < n; i++) {
        ko_status st = bind_expr(b, x->func.args[i], &args[i]);
        if (st != KO_OK)
            return st;
    }
    if ((strcmp(name, "coalesce") == 0 || strcmp(name, "ifnull") == 0) && n == 0)
        return berr(b, x->pos, KO_ERR_INVALID, "Binder Error: %s needs at least one argument",
                    name);
    if (strcmp(name, "coalesce") == 0 || strcmp(name, "ifnull") == 0) {
        ko_sql_dtype t;
        ko_status st = unify_all(b, args, n, &t, x->pos);
        ko_bexpr *e = st == KO_OK ? bx_new(b, BX_COALESCE, t, 0) : NULL;
        if (st != KO_OK)
            return st;
        if (!e)
            return nomem(b);
        e->args = args;
        e->n_args = n;
        *out = e;
        return KO_OK;
    }
    if (strcmp(name, "nullif") == 0 && n == 2) {
        ko_bexpr *c = NULL;
        ko_status st = bind_cmp(b, OP_EQ, args[0], args[1], x->pos, &c);
        ko_bexpr *e = st == KO_OK ? bx_new(b, BX_CASE, args[0]->type, 3) : NULL;
        if (st != KO_OK)
            return st;
        if (!e)
            return nomem(b);
        e->args[0] = c;
        e->args[1] = bx_null(b, args[0]->type);
        e->args[2] = args[0];
        *out = e;
        return e->args[1] ? KO_OK : nomem(b);
    }
    return bind_call(b, x, name, args, n, out);
}

static ko_status bind_cast(binder *b, const ko_sql_expr *x, ko_bexpr **out)
{
    ko_sql_dtype t;
    ko_status st = ko_bind_ast_type(x->cast.type, b->a, &t, b->q->err);
    if (st == KO_OK)
        st = bind_expr(b, x->cast.arg, out);
    return st == KO_OK ? cast_to(b, out, &t, x->cast.try_) : st;
}

static ko_status bind_between(binder *b, const ko_sql_expr *x, ko_bexpr **out)
{
    ko_bexpr *v = NULL, *lo = NULL, *hi = NULL, *c1 = NULL, *c2 = NULL;
    ko_status st = bind_expr(b, x->between.arg, &v);
    if (st == KO_OK)
        st = bind_expr(b, x->between.low, &lo);
    if (st == KO_OK)
        st = bind_expr(b, x->between.high, &hi);
    if (st == KO_OK)
        st = bind_cmp(b, OP_GE, v, lo, x->pos, &c1);
    if (st == KO_OK)
        st = bind_cmp(b, OP_LE, v, hi, x->pos, &c2);
    if (st != KO_OK)
        return st;
    ko_bexpr *e = bx_new(b, BX_AND, dt(KO_SQL_DT_BOOLEAN), 2);
    if (!e)
        return nomem(b);
    e->args[0] = c1;
    e->args[1] = c2;
    if (x->between.negated) {
        ko_bexpr *n = bx_new(b, BX_NOT, dt(KO_SQL_DT_BOOLEAN), 1);
        if (!n)
            return nomem(b);
        n->args[0] = e;
        e = n;
    }
    *out = e;
    return fold(b, out);
}

static ko_status bind_is(binder *b, const ko_sql_expr *x, ko_bexpr **out)
{
    ko_bexpr *a = NULL, *o = NULL;
    ko_status st = bind_expr(b, x->is.arg, &a);
    if (st == KO_OK && x->kind == KO_SQL_E_IS_DISTINCT) {
        st = bind_expr(b, x->is.other, &o);
        if (st == KO_OK)
            st = unify2(b, &a, &o, x->pos);
    }
    if (st == KO_OK && x->kind == KO_SQL_E_IS_BOOL)
        st = to_bool(b, &a);
    if (st != KO_OK)
        return st;
    ko_bexpr *e;
    if (x->kind == KO_SQL_E_IS_NULL) {
        e = bx_new(b, BX_IS_NULL, dt(KO_SQL_DT_BOOLEAN), 1);
        if (e)
            e->args[0] = a;
    } else {
        if (x->kind == KO_SQL_E_IS_BOOL) {
            ko_sql_dtype bt = dt(KO_SQL_DT_BOOLEAN);
            ko_vec *v = const_vec(b, &bt);
            if (!v)
                return nomem(b);
            v->data[0] = x->is.value;
            o = bx_const(b, bt, v);
        }
        e = bx_new(b, BX_DISTINCT, dt(KO_SQL_DT_BOOLEAN), 2);
        if (e) {
            e->args[0] = a;
            e->args[1] = o;
        }
        /* IS TRUE == IS NOT DISTINCT FROM TRUE */
        if (e && x->kind == KO_SQL_E_IS_BOOL) {
            e->negated = !x->is.negated;
            *out = e;
            return fold(b, out);
        }
    }
    if (!e)
        return nomem(b);
    e->negated = x->is.negated;
    *out = e;
    return fold(b, out);
}

static ko_status bind_like(binder *b, const ko_sql_expr *x, ko_bexpr **out)
{
    size_t n = x->like.escape ? 3 : 2;
    ko_bexpr *e = bx_new(b, BX_LIKE, dt(KO_SQL_DT_BOOLEAN), n);
    if (!e)
        return nomem(b);
    ko_status st = bind_expr(b, x->like.arg, &e->args[0]);
    if (st == KO_OK)
        st = bind_expr(b, x->like.pattern, &e->args[1]);
    if (st == KO_OK && n == 3)
        st = bind_expr(b, x->like.escape, &e->args[2]);
    ko_sql_dtype vt = dt(KO_SQL_DT_VARCHAR);
    for (size_t i = 0; i < n && st == KO_OK; i++) {
        ko_sql_dtid id = e->args[i]->type.id;
        if (id != KO_SQL_DT_VARCHAR && id != KO_SQL_DT_NULL) {
            char tn[KO_SQL_DTYPE_STR_MAX];
            return berr(b, e->args[i]->pos.line ? e->args[i]->pos : x->pos, KO_ERR_INVALID,
                        "Binder Error: %s needs VARCHAR operands, not %s (add an explicit cast)",
                        x->like.icase ? "ILIKE" : "LIKE", ko_sql_dtype_name(&e->args[i]->type, tn));
        }
        st = cast_to(b, &e->args[i], &vt, false);
    }
    if (st != KO_OK)
        return st;
    e->negated = x->like.negated;
    e->icase = x->like.icase;
    *out = e;
    return fold(b, out);
}

/* m[k] on a MAP: the value of the first entry whose key equals k, NULL
 * when there is none (DuckDB 1.1+). */
static ko_status map_value_fn(const ko_sql_fn_ctx *ctx, ko_vec *const *args, size_t n_args,
                              const uint32_t *sel, size_t n_sel, size_t n_rows, ko_vec *out)
{
    (void)n_args;
    const ko_vec *m = args[0], *k = args[1];
    const ko_vec *keys = m->children[0]->children[0], *vals = m->children[0]->children[1];
    ko_status st = ko_vec_validity_init(out, n_rows);
    KO_SQL_LOOP(i, sel, n_sel, n_rows, {
        bool found = false;
        if (st == KO_OK && ko_vec_valid(m, i) && ko_vec_valid(k, i)) {
            const ko_sql_list *le = &KO_VEC_DATA(m, ko_sql_list)[ko_vec_idx(m, i)];
            for (uint64_t e = 0; e < le->length && !found; e++)
                if (ko_vec_cmp(keys, le->offset + e, k, i) == 0) {
                    found = true;
                    if (ko_vec_valid(vals, le->offset + e))
                        st = ko_vec_copy_row(out, i, vals, le->offset + e);
                    else
                        ko_vec_set_null_fast(out, i);
                }
        }
        if (!found)
            ko_vec_set_null_fast(out, i);
    });
    return st == KO_OK ? KO_OK : ko_err_set(ctx->err, st, "out of memory reading a map");
}

static const ko_sql_func MAP_VALUE_FUNC = {.name = "map_extract_value",
                                           .n_args = 2,
                                           .ret = KO_SQL_DT_ANY,
                                           .flags = KO_SQL_FN_SPECIAL_NULLS,
                                           .fn = map_value_fn};

/* Whether k may look up keys of type kt: an implicit cast (numbers among
 * themselves, a string literal to anything), as DuckDB deduces K. */
static bool map_key_fits(const ko_bexpr *k, const ko_sql_dtype *kt)
{
    if (ko_sql_cast_cost(&k->type, kt->id) >= 0)
        return true;
    if (ko_sql_dtype_is_numeric(k->type.id) && ko_sql_dtype_is_numeric(kt->id))
        return true;
    return k->kind == BX_CONST && k->type.id == KO_SQL_DT_VARCHAR;
}

static ko_status bind_map_value(binder *b, const ko_sql_expr *x, ko_bexpr *m, ko_bexpr *k,
                                ko_bexpr **out)
{
    ko_sql_dtype kt = m->type.nested->types[0], vt = m->type.nested->types[1];
    if (!map_key_fits(k, &kt)) {
        char kn[KO_SQL_DTYPE_STR_MAX], mn[KO_SQL_DTYPE_STR_MAX];
        return berr(b, x->pos, KO_ERR_INVALID,
                    "Binder Error: a key of type %s cannot look up a map of type %s",
                    ko_sql_dtype_name(&k->type, kn), ko_sql_dtype_name(&m->type, mn));
    }
    ko_status st = cast_to(b, &k, &kt, false);
    ko_sql_resolved *rf = ko_arena_calloc(b->a, 1, sizeof *rf);
    ko_bexpr *e = st == KO_OK && rf ? bx_new(b, BX_FUNC, vt, 2) : NULL;
    if (st != KO_OK)
        return st;
    if (!e)
        return nomem(b);
    rf->fn = &MAP_VALUE_FUNC;
    rf->params[0] = dt(KO_SQL_DT_ANY);
    rf->params[1] = dt(KO_SQL_DT_ANY);
    rf->ret = vt;
    e->fn = rf;
    e->args[0] = m;
    e->args[1] = k;
    e->pos = x->pos;
    *out = e;
    return fold(b, out);
}

/* x[i] on a LIST (1-based, list_extract), m[k] on a MAP. */
static ko_status bind_subscript(binder *b, const ko_sql_expr *x, ko_bexpr **out)
{
    if (x->subscript.slice)
        return berr(b, x->pos, KO_ERR_UNSUPPORTED, "list slices x[a:b] are not supported yet");
    ko_bexpr *args[2] = {NULL, NULL};
    ko_status st = bind_expr(b, x->subscript.arg, &args[0]);
    if (st == KO_OK)
        st = bind_expr(b, x->subscript.index, &args[1]);
    if (st != KO_OK)
        return st;
    if (!args[0] || !args[1])
        return nomem(b);
    if (args[0]->type.id == KO_SQL_DT_MAP && args[0]->type.nested)
        return bind_map_value(b, x, args[0], args[1], out);
    if (args[0]->type.id == KO_SQL_DT_LIST)
        return bind_call(b, x, "list_extract", args, 2, out);
    char tn[KO_SQL_DTYPE_STR_MAX];
    return berr(b, x->pos, KO_ERR_INVALID,
                "Binder Error: cannot subscript a value of type %s (only lists and maps)",
                ko_sql_dtype_name(&args[0]->type, tn));
}

static ko_status bind_extract(binder *b, const ko_sql_expr *x, ko_bexpr **out)
{
    ko_bexpr *args[2] = {NULL, NULL};
    ko_status st =
        lit_str(b, x->extract.field, strlen(x->extract.field), dt(KO_SQL_DT_VARCHAR), &args[0]);
    if (st == KO_OK)
        st = bind_expr(b, x->extract.arg, &args[1]);
    return st == KO_OK ? bind_call(b, x, "date_part", args, 2, out) : st;
}

/* In aggregate mode, an expression equal to a GROUP BY key is that key. */
static bool bx_equal(const ko_bexpr *x, const ko_bexpr *y)
{
    if (x->kind != y->kind || x->op != y->op || x->n_args != y->n_args ||
        x->negated != y->negated || !ko_sql_dtype_equal(&x->type, &y->type))
        return false;
    if (x->kind == BX_COL && x->col != y->col)
        return false;
    if (x->kind == BX_CONST)
        return ko_vec_valid(x->value, 0) == ko_vec_valid(y->value, 0) &&
               (!ko_vec_valid(x->value, 0) || ko_vec_cmp(x->value, 0, y->value, 0) == 0);
    if (x->kind == BX_FUNC && x->fn->fn != y->fn->fn)
        return false;
    for (size_t i = 0; i < x->n_args; i++)
        if (!bx_equal(x->args[i], y->args[i]))
            return false;
    return true;
}

static bool has_agg(const ko_sql_expr *x, int depth);

static ko_status group_ref(binder *b, const ko_sql_expr *x, ko_bexpr **out, bool *done)
{
    *done = false;
    /* a call is a key unless it holds an aggregate: date_trunc('month', d) */
    if (!b->agg_mode || (x->kind == KO_SQL_E_FUNC && has_agg(x, 0)))
        return KO_OK;
    bool saved = b->agg_mode;
    b->agg_mode = false;
    ko_bexpr *e = NULL;
    ko_err tmp = {0};
    ko_err *real = b->q->err;
    b->q->err = &tmp;
    ko_status st = bind_expr(b, x, &e);
    b->q->err = real;
    b->agg_mode = saved;
    if (st != KO_OK)
        return KO_OK;
    for (size_t g = 0; g < b->n_groups; g++)
        if (bx_equal(e, b->groups[g])) {
            ko_bexpr *r = bx_new(b, BX_COL, e->type, 0);
            if (!r)
                return nomem(b);
            r->col = (int)g;
            r->negated = true; /* marks "group output" for the planner */
            *out = r;
            *done = true;
            return KO_OK;
        }
    if (x->kind == KO_SQL_E_COLUMN && e->kind == BX_COL)
        return berr(b, x->pos, KO_ERR_INVALID,
                    "Binder Error: column \"%s\" must appear in the GROUP BY clause or must be "
                    "part of an aggregate function",
                    x->column.parts[x->column.n - 1].name);
    return KO_OK;
}

static ko_status bind_expr(binder *b, const ko_sql_expr *x, ko_bexpr **out)
{
    bool done;
    ko_status st = group_ref(b, x, out, &done);
    if (st != KO_OK || done)
        return st;
    switch (x->kind) {
    case KO_SQL_E_LITERAL:
        return bind_literal(b, x, out);
    case KO_SQL_E_COLUMN:
        return bind_column(b, x, out);
    case KO_SQL_E_UNARY:
        return bind_unary(b, x, out);
    case KO_SQL_E_BINARY:
        return bind_binary(b, x, out);
    case KO_SQL_E_AND:
        return bind_list(b, BX_AND, x->list.items, x->list.n, x->pos, out);
    case KO_SQL_E_OR:
        return bind_list(b, BX_OR, x->list.items, x->list.n, x->pos, out);
    case KO_SQL_E_IS_NULL:
    case KO_SQL_E_IS_BOOL:
    case KO_SQL_E_IS_DISTINCT:
        return bind_is(b, x, out);
    case KO_SQL_E_BETWEEN:
        return bind_between(b, x, out);
    case KO_SQL_E_IN_LIST:
        return bind_in(b, x, out);
    case KO_SQL_E_LIKE:
        return bind_like(b, x, out);
    case KO_SQL_E_CASE:
        return bind_case(b, x, out);
    case KO_SQL_E_CAST:
        return bind_cast(b, x, out);
    case KO_SQL_E_FUNC:
        return bind_func(b, x, out);
    case KO_SQL_E_EXTRACT:
        return bind_extract(b, x, out);
    case KO_SQL_E_SUBSCRIPT:
        return bind_subscript(b, x, out);
    case KO_SQL_E_FIELD: {
        st = bind_expr(b, x->field.arg, out);
        return st == KO_OK ? struct_field(b, out, &x->field.field) : st;
    }
    case KO_SQL_E_STAR:
        return berr(b, x->pos, KO_ERR_INVALID, "Binder Error: * is not allowed here");
    case KO_SQL_E_LIST: /* issue 6: bind_tablefunc.inc */
        return bind_list_literal(b, x, out);
    case KO_SQL_E_SUBQUERY: /* issue 6: bind_subquery.inc */
    case KO_SQL_E_EXISTS:
    case KO_SQL_E_IN_QUERY:
    case KO_SQL_E_QUANTIFIED:
        return bind_subquery(b, x, out);
    default:
        return berr(b, x->pos, KO_ERR_UNSUPPORTED,
                    "this expression (subqueries, parameters, lists, structs, subscripts) is not "
                    "supported yet");
    }
}

/* --------------------------------------------------- public wrappers */

ko_status ko_bind_expr(ko_qctx *q, ko_arena *a, ko_bind_env *env, const ko_bind_scope *sc,
                       const ko_sql_expr *x, ko_bexpr **out)
{
    /* copied: scol has fields of its own (ko_bind_col is the public subset) */
    scol *cols = ko_arena_calloc(a, sc->n + 1, sizeof *cols);
    if (!cols)
        return ko_err_set(q->err, KO_ERR_NOMEM, "out of memory binding an expression");
    for (size_t i = 0; i < sc->n; i++)
        cols[i] =
            (scol){.name = sc->cols[i].name, .table = sc->cols[i].table, .type = sc->cols[i].type};
    scope s = {cols, sc->n};
    binder b = {.q = q, .a = a, .env = env, .sc = &s};
    return bind_expr(&b, x, out);
}

#include "sql/bind_plan.inc"

/* ------------------------------------------- helpers for statements */

ko_status ko_bind_cast(ko_qctx *q, ko_arena *a, ko_bind_env *env, ko_bexpr **pe,
                       const ko_sql_dtype *to)
{
    binder b = {.q = q, .a = a, .env = env};
    return cast_to(&b, pe, to, false);
}

ko_bexpr *ko_bind_colref(ko_arena *a, int col, ko_sql_dtype t)
{
    binder b = {.a = a};
    ko_bexpr *e = bx_new(&b, BX_COL, t, 0);
    if (e)
        e->col = col;
    return e;
}

ko_bexpr *ko_bind_null(ko_qctx *q, ko_arena *a, ko_bind_env *env, ko_sql_dtype t)
{
    binder b = {.q = q, .a = a, .env = env};
    return bx_null(&b, t);
}

ko_bexpr *ko_bind_case(ko_arena *a, ko_bexpr *when, ko_bexpr *then, ko_bexpr *else_)
{
    binder b = {.a = a};
    ko_bexpr *e = bx_new(&b, BX_CASE, then->type, 3);
    if (e) {
        e->args[0] = when;
        e->args[1] = then;
        e->args[2] = else_;
    }
    return e;
}

ko_pnode *ko_bind_node(ko_arena *a, ko_pnode_kind k, ko_pnode *kid, size_t n_cols)
{
    binder b = {.a = a};
    ko_pnode *n = pn_new(&b, k, kid);
    return n && set_cols(&b, n, n_cols) ? n : NULL;
}

ko_pnode *ko_bind_project(ko_arena *a, ko_pnode *kid, ko_bexpr **exprs, const char **names,
                          size_t n)
{
    binder b = {.a = a};
    return pn_project(&b, kid, exprs, names, n);
}
