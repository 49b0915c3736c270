/*
 * parse_query.c - queries: WITH, set operations, SELECT, VALUES, FROM with
 * joins and table functions, ORDER BY, LIMIT/OFFSET/FETCH.
 *
 * Set operations climb two levels: UNION and EXCEPT (left-associative) over
 * INTERSECT, which binds tighter, over query primaries (SELECT, VALUES or a
 * parenthesised query).  A parenthesised query keeps its own WITH, ORDER BY
 * and LIMIT; when an outer clause of the same kind follows, the inner query
 * is wrapped as SELECT * FROM (inner) so no clause is lost or merged.
 */
#include "sql/parse_int.h"

#include <string.h>
#include <strings.h>

bool ko_sql_starts_query(ko_sql_parser *p, unsigned k)
{
    while (k < PARSE_LA - 2 && ko_sql_peek(p, k)->type == T_LPAREN)
        k++;
    return ko_sql_is_kw_at(p, k, KW_SELECT) || ko_sql_is_kw_at(p, k, KW_WITH) ||
           ko_sql_is_kw_at(p, k, KW_VALUES);
}

static ko_sql_query *query_new(ko_sql_parser *p, ko_sql_query_kind kind, ko_sql_pos pos)
{
    ko_sql_query *q = ko_sql_alloc(p, sizeof *q);
    q->kind = kind;
    q->pos = pos;
    return q;
}

/* SELECT * FROM (inner): keeps inner's own clauses apart from outer ones. */
static ko_sql_query *wrap(ko_sql_parser *p, ko_sql_query *inner)
{
    ko_sql_query *q = query_new(p, KO_SQL_Q_SELECT, inner->pos);
    ko_sql_select *s = ko_sql_alloc(p, sizeof *s);
    s->pos = inner->pos;
    s->items = ko_sql_alloc(p, sizeof *s->items);
    s->items[0].expr = ko_sql_expr_new(p, KO_SQL_E_STAR, inner->pos);
    s->n_items = 1;
    s->from = ko_sql_alloc(p, sizeof *s->from);
    s->from->kind = KO_SQL_TREF_SUBQUERY;
    s->from->pos = inner->pos;
    s->from->subquery.query = inner;
    q->select = s;
    return q;
}

/* ----------------------------------------------------------- table refs */

static ko_sql_tref *tref_new(ko_sql_parser *p, ko_sql_tref_kind kind, ko_sql_pos pos)
{
    ko_sql_tref *t = ko_sql_alloc(p, sizeof *t);
    t->kind = kind;
    t->pos = pos;
    return t;
}

static ko_sql_tref *parse_tref(ko_sql_parser *p);

static void parse_travel(ko_sql_parser *p, ko_sql_tref *t)
{
    if (!ko_sql_accept_kw(p, KW_FOR))
        return;
    const ko_sql_tok *w = ko_sql_cur(p);
    bool version =
        ko_sql_is_kw(p, KW_VERSION) || (w->type == T_IDENT && w->len == 14 &&
                                        strncasecmp(p->src + w->off, "system_version", 14) == 0);
    bool ts = w->type == T_IDENT &&
              ((w->len == 9 && strncasecmp(p->src + w->off, "timestamp", 9) == 0) ||
               (w->len == 11 && strncasecmp(p->src + w->off, "system_time", 11) == 0));
    if (!version && !ts)
        ko_sql_fail_expected(p, "VERSION or TIMESTAMP");
    ko_sql_advance(p);
    ko_sql_expect_kw(p, KW_AS);
    ko_sql_expect_kw(p, KW_OF);
    t->table.travel = version ? KO_SQL_TRAVEL_VERSION : KO_SQL_TRAVEL_TIMESTAMP;
    t->table.as_of = ko_sql_expr_prec(p, PREC_ADD);
}

static void parse_tref_alias(ko_sql_parser *p, ko_sql_tref *t)
{
    t->alias = ko_sql_alias_parse(p);
    if (t->alias && ko_sql_is(p, T_LPAREN))
        ko_sql_ident_list(p, &t->col_aliases, &t->n_col_aliases);
}

static ko_sql_tref *parse_table_func(ko_sql_parser *p, ko_sql_qname name)
{
    ko_sql_tref *t = tref_new(p, KO_SQL_TREF_FUNC, name.pos);
    t->func.name = name;
    ko_sql_expect(p, T_LPAREN);
    if (!ko_sql_is(p, T_RPAREN))
        ko_sql_expr_list(p, &t->func.args, &t->func.n_args);
    ko_sql_expect(p, T_RPAREN);
    if (ko_sql_is_kw(p, KW_WITH) && ko_sql_is_kw_at(p, 1, KW_ORDINALITY)) {
        ko_sql_advance(p);
        ko_sql_advance(p);
        t->func.with_ordinality = true;
    }
    return t;
}

static ko_sql_tref *parse_paren_tref(ko_sql_parser *p, bool lateral)
{
    ko_sql_pos pos = ko_sql_cur_pos(p);
    if (lateral || ko_sql_starts_query(p, 1)) {
        ko_sql_tref *t = tref_new(p, KO_SQL_TREF_SUBQUERY, pos);
        ko_sql_expect(p, T_LPAREN);
        t->subquery.query = ko_sql_query_parse(p);
        t->subquery.lateral = lateral;
        ko_sql_expect(p, T_RPAREN);
        return t;
    }
    ko_sql_expect(p, T_LPAREN);
    ko_sql_tref *t = parse_tref(p);
    ko_sql_expect(p, T_RPAREN);
    return t;
}

static ko_sql_tref *parse_tref_primary(ko_sql_parser *p)
{
    ko_sql_tref *t;
    ko_sql_enter(p);
    if (ko_sql_is(p, T_LPAREN)) {
        t = parse_paren_tref(p, false);
    } else if (ko_sql_accept_kw(p, KW_LATERAL)) {
        t = parse_paren_tref(p, true);
    } else {
        ko_sql_qname name = ko_sql_qname_parse(p, "table name");
        if (ko_sql_is(p, T_LPAREN)) {
            t = parse_table_func(p, name);
        } else {
            t = tref_new(p, KO_SQL_TREF_TABLE, name.pos);
            t->table.name = name;
            parse_travel(p, t);
        }
    }
    parse_tref_alias(p, t);
    if (t->kind == KO_SQL_TREF_TABLE && !t->table.travel)
        parse_travel(p, t); /* t AS x FOR VERSION AS OF ... */
    ko_sql_leave(p);
    return t;
}

/* The join keyword(s) at the current token; 0 if none.  natural is set
 * for NATURAL. */
static ko_sql_join_kind parse_join_kind(ko_sql_parser *p, bool *natural)
{
    *natural = ko_sql_accept_kw(p, KW_NATURAL);
    ko_sql_join_kind k = KO_SQL_JOIN_INNER;
    if (ko_sql_accept_kw(p, KW_CROSS)) {
        k = KO_SQL_JOIN_CROSS;
    } else if (ko_sql_accept_kw(p, KW_LEFT)) {
        k = KO_SQL_JOIN_LEFT;
        if (ko_sql_accept_kw(p, KW_SEMI))
            k = KO_SQL_JOIN_SEMI;
        else if (ko_sql_accept_kw(p, KW_ANTI))
            k = KO_SQL_JOIN_ANTI;
        else
            (void)ko_sql_accept_kw(p, KW_OUTER);
    } else if (ko_sql_accept_kw(p, KW_RIGHT)) {
        k = KO_SQL_JOIN_RIGHT;
        (void)ko_sql_accept_kw(p, KW_OUTER);
    } else if (ko_sql_accept_kw(p, KW_FULL)) {
        k = KO_SQL_JOIN_FULL;
        (void)ko_sql_accept_kw(p, KW_OUTER);
    } else if (ko_sql_is_kw(p, KW_SEMI) || ko_sql_is_kw(p, KW_ANTI)) {
        k = ko_sql_is_kw(p, KW_SEMI) ? KO_SQL_JOIN_SEMI : KO_SQL_JOIN_ANTI;
        ko_sql_advance(p);
    } else if (!ko_sql_accept_kw(p, KW_INNER) && !ko_sql_is_kw(p, KW_JOIN) && !*natural) {
        return 0;
    }
    ko_sql_expect_kw(p, KW_JOIN);
    return k;
}

static void parse_join_cond(ko_sql_parser *p, ko_sql_tref *j)
{
    if (j->join.kind == KO_SQL_JOIN_CROSS || j->join.natural)
        return;
    if (ko_sql_accept_kw(p, KW_ON)) {
        j->join.on = ko_sql_expr_parse(p);
        return;
    }
    if (ko_sql_is_kw(p, KW_USING)) {
        ko_sql_advance(p);
        ko_sql_ident_list(p, &j->join.using_, &j->join.n_using);
        return;
    }
    ko_sql_fail_expected(p, NULL);
}

static ko_sql_tref *join_new(ko_sql_parser *p, ko_sql_join_kind kind, ko_sql_tref *left)
{
    ko_sql_tref *j = tref_new(p, KO_SQL_TREF_JOIN, left->pos);
    j->join.kind = kind;
    j->join.left = left;
    return j;
}

static ko_sql_tref *parse_tref(ko_sql_parser *p)
{
    ko_sql_tref *left = parse_tref_primary(p);
    uint32_t chain = 0;
    for (;;) {
        bool natural;
        ko_sql_join_kind k = parse_join_kind(p, &natural);
        if (!k)
            break;
        ko_sql_enter(p);
        chain++;
        ko_sql_tref *j = join_new(p, k, left);
        j->join.natural = natural;
        j->join.right = parse_tref_primary(p);
        parse_join_cond(p, j);
        left = j;
    }
    p->depth -= chain;
    return left;
}

static ko_sql_tref *parse_from(ko_sql_parser *p)
{
    ko_sql_tref *left = parse_tref(p);
    uint32_t chain = 0;
    while (ko_sql_accept(p, T_COMMA)) {
        ko_sql_enter(p);
        chain++;
        ko_sql_tref *j = join_new(p, KO_SQL_JOIN_CROSS, left);
        j->join.comma = true;
        j->join.right = parse_tref(p);
        left = j;
    }
    p->depth -= chain;
    return left;
}

/* --------------------------------------------------------------- SELECT */

static void parse_items(ko_sql_parser *p, ko_sql_select *s)
{
    ko_sql_vec v = {0};
    do {
        ko_sql_select_item *it = ko_sql_vec_push(p, &v, sizeof *it);
        if (ko_sql_is(p, T_STAR)) {
            ko_sql_qname none = {0};
            it->expr = ko_sql_star_parse(p, none, ko_sql_cur_pos(p));
            continue;
        }
        it->expr = ko_sql_expr_parse(p);
        if (it->expr->kind != KO_SQL_E_STAR)
            it->alias = ko_sql_alias_parse(p);
    } while (ko_sql_accept(p, T_COMMA));
    s->items = v.data;
    s->n_items = v.n;
}

static void parse_group_by(ko_sql_parser *p, ko_sql_select *s)
{
    if (!ko_sql_accept_kw(p, KW_GROUP))
        return;
    ko_sql_expect_kw(p, KW_BY);
    if (ko_sql_accept_kw(p, KW_ALL))
        s->group_all = true;
    else
        ko_sql_expr_list(p, &s->group_by, &s->n_group_by);
}

static void parse_window_defs(ko_sql_parser *p, ko_sql_select *s)
{
    if (!ko_sql_accept_kw(p, KW_WINDOW))
        return;
    ko_sql_vec v = {0};
    do {
        ko_sql_window_def *d = ko_sql_vec_push(p, &v, sizeof *d);
        d->name = ko_sql_ident_parse(p, "window name");
        ko_sql_expect_kw(p, KW_AS);
        d->window = ko_sql_window_spec(p);
    } while (ko_sql_accept(p, T_COMMA));
    s->windows = v.data;
    s->n_windows = v.n;
}

static void parse_distinct(ko_sql_parser *p, ko_sql_select *s)
{
    if (!ko_sql_accept_kw(p, KW_DISTINCT)) {
        (void)ko_sql_accept_kw(p, KW_ALL);
        return;
    }
    s->distinct = true;
    if (ko_sql_accept_kw(p, KW_ON)) {
        ko_sql_expect(p, T_LPAREN);
        ko_sql_expr_list(p, &s->distinct_on, &s->n_distinct_on);
        ko_sql_expect(p, T_RPAREN);
    }
}

static ko_sql_query *parse_select(ko_sql_parser *p)
{
    ko_sql_query *q = query_new(p, KO_SQL_Q_SELECT, ko_sql_cur_pos(p));
    ko_sql_select *s = ko_sql_alloc(p, sizeof *s);
    q->select = s;
    s->pos = q->pos;
    ko_sql_expect_kw(p, KW_SELECT);
    parse_distinct(p, s);
    parse_items(p, s);
    if (ko_sql_accept_kw(p, KW_FROM))
        s->from = parse_from(p);
    if (ko_sql_accept_kw(p, KW_WHERE))
        s->where = ko_sql_expr_parse(p);
    parse_group_by(p, s);
    if (ko_sql_accept_kw(p, KW_HAVING))
        s->having = ko_sql_expr_parse(p);
    parse_window_defs(p, s);
    if (ko_sql_accept_kw(p, KW_QUALIFY))
        s->qualify = ko_sql_expr_parse(p);
    return q;
}

/* --------------------------------------------------------------- VALUES */

static ko_sql_query *parse_values(ko_sql_parser *p)
{
    ko_sql_query *q = query_new(p, KO_SQL_Q_VALUES, ko_sql_cur_pos(p));
    ko_sql_vec rows = {0};
    ko_sql_expect_kw(p, KW_VALUES);
    do {
        ko_sql_pos pos = ko_sql_cur_pos(p);
        ko_sql_expr **row;
        size_t n;
        ko_sql_expect(p, T_LPAREN);
        ko_sql_expr_list(p, &row, &n);
        ko_sql_expect(p, T_RPAREN);
        if (rows.n > 0 && n != q->values.n_cols)
            ko_sql_fail_at(p, pos, "VALUES row %zu has %zu values, the first row has %zu",
                           rows.n + 1, n, q->values.n_cols);
        q->values.n_cols = n;
        *(ko_sql_expr ***)ko_sql_vec_push(p, &rows, sizeof row) = row;
    } while (ko_sql_accept(p, T_COMMA));
    q->values.rows = rows.data;
    q->values.n_rows = rows.n;
    return q;
}

/* ----------------------------------------------------------- set ops */

static ko_sql_query *parse_query_primary(ko_sql_parser *p)
{
    if (ko_sql_is_kw(p, KW_SELECT))
        return parse_select(p);
    if (ko_sql_is_kw(p, KW_VALUES))
        return parse_values(p);
    if (ko_sql_is(p, T_LPAREN)) {
        ko_sql_pos pos = ko_sql_cur_pos(p);
        ko_sql_advance(p);
        ko_sql_query *q = ko_sql_query_parse(p);
        ko_sql_expect(p, T_RPAREN);
        q->pos = pos;
        return q;
    }
    ko_sql_note(p, "SELECT");
    ko_sql_note(p, "VALUES");
    ko_sql_note(p, "'('");
    ko_sql_fail_expected(p, NULL);
}

static ko_sql_setop setop_at(ko_sql_parser *p, bool intersect)
{
    if (intersect)
        return ko_sql_accept_kw(p, KW_INTERSECT) ? KO_SQL_SET_INTERSECT : 0;
    if (ko_sql_accept_kw(p, KW_UNION))
        return KO_SQL_SET_UNION;
    return ko_sql_accept_kw(p, KW_EXCEPT) ? KO_SQL_SET_EXCEPT : 0;
}

static ko_sql_query *parse_set_level(ko_sql_parser *p, bool intersect)
{
    ko_sql_query *left = intersect ? parse_query_primary(p) : parse_set_level(p, true);
    uint32_t chain = 0;
    ko_sql_setop op;
    while ((op = setop_at(p, intersect)) != 0) {
        ko_sql_enter(p);
        chain++;
        ko_sql_query *q = query_new(p, KO_SQL_Q_SETOP, left->pos);
        q->setop.op = op;
        if (ko_sql_accept_kw(p, KW_ALL))
            q->setop.all = true;
        else
            (void)ko_sql_accept_kw(p, KW_DISTINCT);
        if (ko_sql_is_kw(p, KW_BY) && ko_sql_is_kw_at(p, 1, KW_NAME)) {
            ko_sql_advance(p);
            ko_sql_advance(p);
            q->setop.by_name = true;
        }
        q->setop.left = left;
        q->setop.right = intersect ? parse_query_primary(p) : parse_set_level(p, true);
        left = q;
    }
    p->depth -= chain;
    return left;
}

/* ------------------------------------------------------------ clauses */

static void parse_ctes(ko_sql_parser *p, ko_sql_cte **out, size_t *n, bool *recursive)
{
    ko_sql_vec v = {0};
    *recursive = ko_sql_accept_kw(p, KW_RECURSIVE);
    do {
        ko_sql_cte *c = ko_sql_vec_push(p, &v, sizeof *c);
        c->name = ko_sql_ident_parse(p, "CTE name");
        if (ko_sql_is(p, T_LPAREN))
            ko_sql_ident_list(p, &c->columns, &c->n_columns);
        ko_sql_expect_kw(p, KW_AS);
        if (ko_sql_accept_kw(p, KW_MATERIALIZED))
            c->materialized = true;
        else if (ko_sql_is_kw(p, KW_NOT) && ko_sql_is_kw_at(p, 1, KW_MATERIALIZED)) {
            ko_sql_advance(p);
            ko_sql_advance(p);
        }
        ko_sql_expect(p, T_LPAREN);
        c->query = ko_sql_query_parse(p);
        ko_sql_expect(p, T_RPAREN);
    } while (ko_sql_accept(p, T_COMMA));
    *out = v.data;
    *n = v.n;
}

static void parse_fetch(ko_sql_parser *p, ko_sql_query *q)
{
    if (!ko_sql_accept_kw(p, KW_FIRST))
        ko_sql_expect_kw(p, KW_NEXT);
    if (!ko_sql_is_kw(p, KW_ROW) && !ko_sql_is_kw(p, KW_ROWS))
        q->limit = ko_sql_expr_prec(p, PREC_ADD);
    if (!ko_sql_accept_kw(p, KW_ROWS))
        ko_sql_expect_kw(p, KW_ROW);
    if (ko_sql_is_kw(p, KW_WITH) && ko_sql_is_kw_at(p, 1, KW_TIES))
        ko_sql_fail(p, "FETCH ... WITH TIES is not supported");
    ko_sql_expect_kw(p, KW_ONLY);
    if (!q->limit) {
        q->limit = ko_sql_expr_new(p, KO_SQL_E_LITERAL, q->pos);
        q->limit->lit.kind = KO_SQL_LIT_INT;
        q->limit->lit.i = 1;
        q->limit->lit.str = "1";
        q->limit->lit.str_len = 1;
    }
}

/* LIMIT / OFFSET / FETCH in either order, each at most once. */
static void parse_limit(ko_sql_parser *p, ko_sql_query *q)
{
    bool have_limit = false, have_offset = false;
    for (;;) {
        if (!have_limit && ko_sql_accept_kw(p, KW_LIMIT)) {
            have_limit = true;
            if (!ko_sql_accept_kw(p, KW_ALL))
                q->limit = ko_sql_expr_parse(p);
        } else if (!have_limit && ko_sql_accept_kw(p, KW_FETCH)) {
            have_limit = true;
            parse_fetch(p, q);
        } else if (!have_offset && ko_sql_accept_kw(p, KW_OFFSET)) {
            have_offset = true;
            q->offset = ko_sql_expr_parse(p);
            if (!ko_sql_accept_kw(p, KW_ROWS))
                (void)ko_sql_accept_kw(p, KW_ROW);
        } else {
            return;
        }
    }
}

static bool has_tail(const ko_sql_query *q)
{
    return q->n_order_by || q->limit || q->offset;
}

static ko_sql_query *parse_tail(ko_sql_parser *p, ko_sql_query *q)
{
    bool order = ko_sql_is_kw(p, KW_ORDER);
    bool limit =
        ko_sql_is_kw(p, KW_LIMIT) || ko_sql_is_kw(p, KW_OFFSET) || ko_sql_is_kw(p, KW_FETCH);
    if ((order || limit) && has_tail(q))
        q = wrap(p, q);
    if (ko_sql_accept_kw(p, KW_ORDER)) {
        ko_sql_expect_kw(p, KW_BY);
        ko_sql_order_list(p, &q->order_by, &q->n_order_by);
    }
    parse_limit(p, q);
    return q;
}

ko_sql_query *ko_sql_query_parse(ko_sql_parser *p)
{
    ko_sql_enter(p);
    ko_sql_pos pos = ko_sql_cur_pos(p);
    ko_sql_cte *ctes = NULL;
    size_t n_ctes = 0;
    bool recursive = false;
    if (ko_sql_accept_kw(p, KW_WITH))
        parse_ctes(p, &ctes, &n_ctes, &recursive);
    ko_sql_query *q = parse_set_level(p, false);
    if (n_ctes) {
        if (q->n_ctes)
            q = wrap(p, q);
        q->ctes = ctes;
        q->n_ctes = n_ctes;
        q->recursive = recursive;
        q->pos = pos;
    }
    q = parse_tail(p, q);
    ko_sql_leave(p);
    return q;
}
