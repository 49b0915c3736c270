/*
 * plan_prune.c - column pruning over a whole plan (issue 6).
 *
 * After binding, every node may carry columns nobody reads: a join's
 * inputs are whole tables, a subquery's SELECT * all of its FROM.  One
 * pass from the root down computes, for each node, which of its output
 * columns its parent needs; a node adds what it reads itself (filters,
 * keys, aggregate arguments, join conditions) and asks its inputs for
 * that.  Each node then drops the columns that are not needed and
 * returns the map old column -> new column (-1: dropped), with which the
 * parent rewrites its expressions.  Table scans end up reading only the
 * columns used anywhere above them.  Expressions are rewritten as copies,
 * so subtrees shared between nodes never see two maps.
 */
#include "sql/join.h"
#include "sql/window.h"

#include <stdlib.h>
#include <string.h>

typedef struct pruner {
    ko_arena *a;
    ko_err *err;
} pruner;

static ko_status pr_nomem(pruner *p)
{
    return ko_err_set(p->err, KO_ERR_NOMEM, "out of memory planning the query");
}

static void need_expr(const ko_bexpr *e, bool *need, int lo, int hi)
{
    if (!e)
        return;
    if (e->kind == BX_COL && e->op == 0 && e->col >= lo && e->col < hi)
        need[e->col - lo] = true;
    for (size_t i = 0; i < e->n_args; i++)
        need_expr(e->args[i], need, lo, hi);
}

/* A copy of e with columns mapped (cols < split through m0, the others
 * through m1 after subtracting split and adding off1). */
typedef struct colmap {
    const int *m0, *m1;
    int split, off1;
} colmap;

static ko_bexpr *map_expr(pruner *p, const ko_bexpr *e, const colmap *m)
{
    if (!e)
        return NULL;
    if (e->kind == BX_CONST)
        return (ko_bexpr *)e;
    ko_bexpr *c = ko_arena_calloc(p->a, 1, sizeof *c);
    if (!c)
        return NULL;
    *c = *e;
    if (c->kind == BX_COL && c->op == 0 && c->col >= 0)
        c->col = c->col < m->split ? m->m0[c->col] : m->off1 + m->m1[c->col - m->split];
    if (e->n_args && !(c->args = ko_arena_calloc(p->a, e->n_args, sizeof(ko_bexpr *))))
        return NULL;
    for (size_t i = 0; i < e->n_args; i++)
        if (!(c->args[i] = map_expr(p, e->args[i], m)))
            return NULL;
    return c;
}

static ko_bexpr *map1(pruner *p, const ko_bexpr *e, const int *m)
{
    colmap cm = {m, m, INT32_MAX, 0};
    return map_expr(p, e, &cm);
}

static int *identity(pruner *p, size_t n)
{
    int *m = ko_arena_calloc(p->a, n + 1, sizeof *m);
    for (size_t i = 0; m && i < n; i++)
        m[i] = (int)i;
    return m;
}

static bool *all_true(pruner *p, size_t n)
{
    bool *b = ko_arena_calloc(p->a, n + 1, sizeof *b);
    for (size_t i = 0; b && i < n; i++)
        b[i] = true;
    return b;
}

static ko_status prune(pruner *p, ko_pnode *n, const bool *need, int **map);

/* Keeps the needed columns of a node's output arrays; the map. */
static int *compact_cols(pruner *p, ko_pnode *n, const bool *keep)
{
    int *m = ko_arena_calloc(p->a, n->n_cols + 1, sizeof *m);
    ko_sql_dtype *t = ko_arena_calloc(p->a, n->n_cols + 1, sizeof *t);
    const char **nm = ko_arena_calloc(p->a, n->n_cols + 1, sizeof *nm);
    if (!m || !t || !nm)
        return NULL;
    size_t k = 0;
    for (size_t c = 0; c < n->n_cols; c++) {
        m[c] = keep[c] ? (int)k : -1;
        if (keep[c]) {
            t[k] = n->types[c];
            nm[k++] = n->names[c];
        }
    }
    n->types = t;
    n->names = nm;
    n->n_cols = k;
    return m;
}

static ko_status prune_scan_node(pruner *p, ko_pnode *n, const bool *need, int **map)
{
    ko_scan_spec *sp = n->scan;
    bool *keep = ko_arena_calloc(p->a, sp->n_cols + 1, sizeof *keep);
    if (!keep)
        return pr_nomem(p);
    for (size_t c = 0; c < sp->n_cols; c++)
        keep[c] = need[c];
    need_expr(sp->filter, keep, 0, (int)sp->n_cols);
    int *m = ko_arena_calloc(p->a, sp->n_cols + 1, sizeof *m);
    if (!m)
        return pr_nomem(p);
    size_t k = 0;
    for (size_t c = 0; c < sp->n_cols; c++) {
        m[c] = keep[c] ? (int)k : -1;
        if (keep[c]) {
            sp->field_ids[k] = sp->field_ids[c];
            sp->types[k] = sp->types[c];
            sp->names[k] = sp->names[c];
            k++;
        }
    }
    if (sp->filter && !(sp->filter = map1(p, sp->filter, m)))
        return pr_nomem(p);
    sp->n_cols = k;
    n->types = sp->types;
    n->names = sp->names;
    n->n_cols = k;
    *map = m;
    return KO_OK;
}

static ko_status prune_project(pruner *p, ko_pnode *n, const bool *need, int **map)
{
    ko_pnode *kid = n->kids[0];
    bool *kn = ko_arena_calloc(p->a, kid->n_cols + 1, sizeof *kn);
    if (!kn)
        return pr_nomem(p);
    for (size_t i = 0; i < n->n_exprs; i++)
        if (need[i])
            need_expr(n->exprs[i], kn, 0, (int)kid->n_cols);
    int *km = NULL;
    ko_status st = prune(p, kid, kn, &km);
    if (st != KO_OK)
        return st;
    ko_bexpr **es = ko_arena_calloc(p->a, n->n_exprs + 1, sizeof(ko_bexpr *));
    if (!es)
        return pr_nomem(p);
    size_t k = 0;
    for (size_t i = 0; i < n->n_exprs; i++)
        if (need[i] && !(es[k++] = map1(p, n->exprs[i], km)))
            return pr_nomem(p);
    n->exprs = es;
    n->n_exprs = k;
    *map = compact_cols(p, n, need);
    return *map ? KO_OK : pr_nomem(p);
}

/* FILTER, SORT, LIMIT: the output is the input's. */
static ko_status prune_pass(pruner *p, ko_pnode *n, const bool *need, int **map)
{
    ko_pnode *kid = n->kids[0];
    bool *kn = ko_arena_calloc(p->a, kid->n_cols + 1, sizeof *kn);
    if (!kn)
        return pr_nomem(p);
    for (size_t c = 0; c < n->n_cols && c < kid->n_cols; c++)
        kn[c] = need[c];
    need_expr(n->pred, kn, 0, (int)kid->n_cols);
    for (size_t k = 0; k < n->n_keys; k++)
        kn[n->keys[k].col] = true;
    int *km = NULL;
    ko_status st = prune(p, kid, kn, &km);
    if (st != KO_OK)
        return st;
    if (n->pred && !(n->pred = map1(p, n->pred, km)))
        return pr_nomem(p);
    for (size_t k = 0; k < n->n_keys; k++)
        n->keys[k].col = km[n->keys[k].col];
    n->types = kid->types;
    n->names = kid->names;
    n->n_cols = kid->n_cols;
    *map = km;
    return KO_OK;
}

static ko_status prune_agg(pruner *p, ko_pnode *n, int **map)
{
    ko_pnode *kid = n->kids[0];
    bool *kn = ko_arena_calloc(p->a, kid->n_cols + 1, sizeof *kn);
    if (!kn)
        return pr_nomem(p);
    for (size_t g = 0; g < n->n_groups; g++)
        kn[n->group_cols[g]] = true;
    for (size_t a = 0; a < n->n_aggs; a++)
        if (n->aggs[a].arg >= 0)
            kn[n->aggs[a].arg] = true;
    int *km = NULL;
    ko_status st = prune(p, kid, kn, &km);
    if (st != KO_OK)
        return st;
    for (size_t g = 0; g < n->n_groups; g++)
        n->group_cols[g] = km[n->group_cols[g]];
    for (size_t a = 0; a < n->n_aggs; a++)
        if (n->aggs[a].arg >= 0)
            n->aggs[a].arg = km[n->aggs[a].arg];
    *map = identity(p, n->n_cols);
    return *map ? KO_OK : pr_nomem(p);
}

static ko_status prune_all_kids(pruner *p, ko_pnode *n, int **map)
{
    for (size_t i = 0; i < n->n_kids; i++) {
        bool *kn = all_true(p, n->kids[i]->n_cols);
        int *km = NULL;
        if (!kn)
            return pr_nomem(p);
        ko_status st = prune(p, n->kids[i], kn, &km);
        if (st != KO_OK)
            return st;
    }
    *map = identity(p, n->n_cols);
    return *map ? KO_OK : pr_nomem(p);
}

/* ------------------------------------------------------------ joins */

/* The output columns of a join kept only for its own keys (nothing above
 * reads them): the join does not gather them (j->unused). */
static ko_status join_unused(pruner *p, ko_pnode *n, const bool *need, size_t n_old, const int *map)
{
    ko_join_spec *j = n->join;
    j->unused = NULL;
    if (j->kind == KO_JOIN_MARK || j->kind == KO_JOIN_BUILD_MARK)
        return KO_OK;
    bool *res = ko_arena_calloc(p->a, n->n_cols + 1, sizeof *res);
    bool *un = ko_arena_calloc(p->a, n->n_cols + 1, sizeof *un);
    if (!res || !un)
        return pr_nomem(p);
    need_expr(j->residual, res, 0, (int)n->n_cols); /* already mapped */
    for (size_t c = 0; c < n_old; c++)
        if (map[c] >= 0)
            un[map[c]] = !need[c] && !res[map[c]];
    j->unused = un;
    return KO_OK;
}

static ko_status prune_join(pruner *p, ko_pnode *n, const bool *need, int **map)
{
    ko_join_spec *j = n->join;
    ko_pnode *pk = n->kids[0], *bk = n->kids[1];
    bool mark = j->kind == KO_JOIN_MARK || j->kind == KO_JOIN_BUILD_MARK;
    /* logical sides: L first in the output and in the residual */
    int li = j->build_left ? 1 : 0;
    ko_pnode *L = n->kids[li], *R = n->kids[1 - li];
    int nl = (int)L->n_cols, nr = (int)R->n_cols;
    bool *ln = ko_arena_calloc(p->a, (size_t)nl + 1, sizeof *ln);
    bool *rn = ko_arena_calloc(p->a, (size_t)nr + 1, sizeof *rn);
    if (!ln || !rn)
        return pr_nomem(p);
    for (int c = 0; c < nl; c++)
        ln[c] = need[c];
    for (int c = 0; c < nr && !mark; c++)
        rn[c] = need[nl + c];
    need_expr(j->residual, ln, 0, nl);
    need_expr(j->residual, rn, nl, nl + nr);
    bool *pn = li == 0 ? ln : rn, *bn = li == 0 ? rn : ln;
    for (size_t k = 0; k < j->n_keys; k++) {
        need_expr(j->probe_keys[k], pn, 0, (int)pk->n_cols);
        need_expr(j->build_keys[k], bn, 0, (int)bk->n_cols);
    }
    int *lm = NULL, *rm = NULL;
    ko_status st = prune(p, L, ln, &lm);
    if (st == KO_OK)
        st = prune(p, R, rn, &rm);
    if (st != KO_OK)
        return st;
    const int *pm = li == 0 ? lm : rm, *bm = li == 0 ? rm : lm;
    for (size_t k = 0; k < j->n_keys; k++)
        if (!(j->probe_keys[k] = map1(p, j->probe_keys[k], pm)) ||
            !(j->build_keys[k] = map1(p, j->build_keys[k], bm)))
            return pr_nomem(p);
    colmap cm = {lm, rm, nl, (int)L->n_cols};
    if (j->residual && !(j->residual = map_expr(p, j->residual, &cm)))
        return pr_nomem(p);
    bool *keep = ko_arena_calloc(p->a, n->n_cols + 1, sizeof *keep);
    if (!keep)
        return pr_nomem(p);
    for (int c = 0; c < nl; c++)
        keep[c] = lm[c] >= 0;
    for (size_t c = (size_t)nl; c < n->n_cols; c++)
        keep[c] = mark || rm[c - (size_t)nl] >= 0;
    size_t n_out = n->n_cols;
    *map = compact_cols(p, n, keep);
    return *map ? join_unused(p, n, need, n_out, *map) : pr_nomem(p);
}

/* ------------------------------------------------------------ windows */

static ko_status prune_window(pruner *p, ko_pnode *n, const bool *need, int **map)
{
    ko_pnode *kid = n->kids[0];
    size_t nk = kid->n_cols;
    bool *kn = ko_arena_calloc(p->a, nk + 1, sizeof *kn);
    if (!kn)
        return pr_nomem(p);
    for (size_t c = 0; c < nk; c++)
        kn[c] = need[c];
    ko_window_uses(n->window, kn);
    int *km = NULL;
    ko_status st = prune(p, kid, kn, &km);
    if (st != KO_OK)
        return st;
    ko_window_remap(n->window, km);
    bool *keep = ko_arena_calloc(p->a, n->n_cols + 1, sizeof *keep);
    if (!keep)
        return pr_nomem(p);
    for (size_t c = 0; c < n->n_cols; c++)
        keep[c] = c >= nk || km[c] >= 0;
    *map = compact_cols(p, n, keep);
    return *map ? KO_OK : pr_nomem(p);
}

static ko_status prune(pruner *p, ko_pnode *n, const bool *need, int **map)
{
    switch (n->kind) {
    case PN_SCAN:
        return prune_scan_node(p, n, need, map);
    case PN_PROJECT:
        return prune_project(p, n, need, map);
    case PN_FILTER:
    case PN_SORT:
    case PN_LIMIT:
        return prune_pass(p, n, need, map);
    case PN_AGG:
        return prune_agg(p, n, map);
    case PN_JOIN:
        return prune_join(p, n, need, map);
    case PN_WINDOW:
        return prune_window(p, n, need, map);
    default:
        return prune_all_kids(p, n, map);
    }
}

ko_status ko_plan_prune(ko_arena *a, ko_pnode *root, ko_err *err)
{
    pruner p = {a, err};
    bool *need = all_true(&p, root->n_cols);
    int *map = NULL;
    if (!need)
        return pr_nomem(&p);
    return prune(&p, root, need, &map);
}
