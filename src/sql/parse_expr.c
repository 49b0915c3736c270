/*
 * parse_expr.c - SQL expressions by precedence climbing.
 *
 * Levels, lowest first: OR < AND < NOT < comparison, IS, IN, BETWEEN, LIKE
 * < || + - < * / % < unary - + < postfix (::type, [i], .field) < primary.
 * parse_binary(min) parses a prefix operand and then folds every infix
 * operator whose level is at least min, parsing its right operand one level
 * higher (so operators are left-associative).  AND and OR chains become one
 * n-ary node.  Every level of recursion and every link of a left-deep chain
 * (a + b + c ..., x[1][2] ...) counts against the nesting limit, so neither
 * the parser's stack nor the depth of the returned tree can grow without
 * bound.
 *
 * The special call syntaxes of standard SQL (EXTRACT, SUBSTRING ... FROM,
 * TRIM ... FROM, POSITION ... IN) are in parse_call.c, literals in
 * parse_lit.c, types in parse_type.c.
 */
#include "sql/parse_int.h"

#include <string.h>

ko_sql_expr *ko_sql_expr_new(ko_sql_parser *p, ko_sql_expr_kind kind, ko_sql_pos pos)
{
    ko_sql_expr *e = ko_sql_alloc(p, sizeof *e);
    e->kind = kind;
    e->pos = pos;
    e->end = pos.off;
    return e;
}

static ko_sql_expr *done(ko_sql_parser *p, ko_sql_expr *e)
{
    e->end = p->prev_end;
    return e;
}

static ko_sql_expr *parse_binary(ko_sql_parser *p, int min_prec);

ko_sql_expr *ko_sql_expr_prec(ko_sql_parser *p, int prec)
{
    ko_sql_enter(p);
    ko_sql_expr *e = parse_binary(p, prec);
    ko_sql_leave(p);
    return e;
}

ko_sql_expr *ko_sql_expr_parse(ko_sql_parser *p)
{
    return ko_sql_expr_prec(p, PREC_OR);
}

void ko_sql_expr_list(ko_sql_parser *p, ko_sql_expr ***out, size_t *n)
{
    ko_sql_vec v = {0};
    do {
        *(ko_sql_expr **)ko_sql_vec_push(p, &v, sizeof(ko_sql_expr *)) = ko_sql_expr_parse(p);
    } while (ko_sql_accept(p, T_COMMA));
    *out = v.data;
    *n = v.n;
}

/* ------------------------------------------------------------ postfix */

static ko_sql_expr *parse_subscript(ko_sql_parser *p, ko_sql_expr *base)
{
    ko_sql_expr *e = ko_sql_expr_new(p, KO_SQL_E_SUBSCRIPT, base->pos);
    e->subscript.arg = base;
    ko_sql_expect(p, T_LBRACKET);
    if (!ko_sql_is(p, T_COLON))
        e->subscript.index = ko_sql_expr_parse(p);
    if (ko_sql_accept(p, T_COLON)) {
        e->subscript.slice = true;
        if (!ko_sql_is(p, T_RBRACKET))
            e->subscript.index_end = ko_sql_expr_parse(p);
    }
    ko_sql_expect(p, T_RBRACKET);
    return done(p, e);
}

static ko_sql_expr *parse_postfix(ko_sql_parser *p, ko_sql_expr *e)
{
    uint32_t chain = 0;
    for (;; chain++) {
        if (ko_sql_is(p, T_DCOLON)) {
            ko_sql_enter(p);
            ko_sql_advance(p);
            ko_sql_expr *c = ko_sql_expr_new(p, KO_SQL_E_CAST, e->pos);
            c->cast.arg = e;
            c->cast.type = ko_sql_type_parse(p);
            e = done(p, c);
        } else if (ko_sql_is(p, T_LBRACKET)) {
            ko_sql_enter(p);
            e = parse_subscript(p, e);
        } else if (ko_sql_is(p, T_DOT) && ko_sql_peek(p, 1)->type != T_STAR) {
            ko_sql_enter(p);
            ko_sql_advance(p);
            ko_sql_expr *f = ko_sql_expr_new(p, KO_SQL_E_FIELD, e->pos);
            f->field.arg = e;
            f->field.field = ko_sql_ident_parse(p, "field name");
            e = done(p, f);
        } else {
            break;
        }
    }
    p->depth -= chain;
    return e;
}

/* -------------------------------------------------------------- names */

static void parse_exclude(ko_sql_parser *p, ko_sql_expr *star)
{
    if (!ko_sql_accept_kw(p, KW_EXCLUDE))
        return;
    if (ko_sql_is(p, T_LPAREN)) {
        ko_sql_ident_list(p, &star->star.exclude, &star->star.n_exclude);
        return;
    }
    star->star.exclude = ko_sql_alloc(p, sizeof(ko_sql_ident));
    star->star.exclude[0] = ko_sql_ident_parse(p, "column name");
    star->star.n_exclude = 1;
}

ko_sql_expr *ko_sql_star_parse(ko_sql_parser *p, ko_sql_qname qual, ko_sql_pos pos)
{
    ko_sql_expr *e = ko_sql_expr_new(p, KO_SQL_E_STAR, pos);
    e->star.qualifier = qual;
    ko_sql_expect(p, T_STAR);
    parse_exclude(p, e);
    return done(p, e);
}

/* The first word of a name, which may be a reserved word used as a
 * function (left(s, 2), right(s, 2)). */
static ko_sql_ident first_part(ko_sql_parser *p)
{
    if ((ko_sql_is_kw(p, KW_LEFT) || ko_sql_is_kw(p, KW_RIGHT)) &&
        ko_sql_peek(p, 1)->type == T_LPAREN)
        return ko_sql_word_parse(p, "name");
    return ko_sql_ident_parse(p, "expression");
}

static ko_sql_expr *parse_name(ko_sql_parser *p)
{
    ko_sql_pos pos = ko_sql_cur_pos(p);
    ko_sql_vec v = {0};
    *(ko_sql_ident *)ko_sql_vec_push(p, &v, sizeof(ko_sql_ident)) = first_part(p);
    while (ko_sql_accept(p, T_DOT)) {
        if (ko_sql_is(p, T_STAR)) {
            ko_sql_qname q = {v.data, v.n, pos};
            return ko_sql_star_parse(p, q, pos);
        }
        *(ko_sql_ident *)ko_sql_vec_push(p, &v, sizeof(ko_sql_ident)) =
            ko_sql_word_parse(p, "name");
    }
    ko_sql_qname q = {v.data, v.n, pos};
    if (ko_sql_is(p, T_LPAREN))
        return ko_sql_call_parse(p, q);
    ko_sql_expr *e = ko_sql_expr_new(p, KO_SQL_E_COLUMN, pos);
    e->column = q;
    return done(p, e);
}

/* ---------------------------------------------------------- composites */

static ko_sql_expr *parse_paren(ko_sql_parser *p)
{
    ko_sql_pos pos = ko_sql_cur_pos(p);
    if (ko_sql_starts_query(p, 1)) {
        ko_sql_advance(p);
        ko_sql_expr *e = ko_sql_expr_new(p, KO_SQL_E_SUBQUERY, pos);
        e->subquery = ko_sql_query_parse(p);
        ko_sql_expect(p, T_RPAREN);
        return done(p, e);
    }
    ko_sql_advance(p);
    ko_sql_expr *e = ko_sql_expr_parse(p);
    if (ko_sql_is(p, T_COMMA)) { /* (a, b): a row value */
        ko_sql_vec v = {0};
        *(ko_sql_expr **)ko_sql_vec_push(p, &v, sizeof(ko_sql_expr *)) = e;
        while (ko_sql_accept(p, T_COMMA))
            *(ko_sql_expr **)ko_sql_vec_push(p, &v, sizeof(ko_sql_expr *)) = ko_sql_expr_parse(p);
        ko_sql_expr *r = ko_sql_expr_new(p, KO_SQL_E_FUNC, pos);
        ko_sql_qname q = {ko_sql_alloc(p, sizeof(ko_sql_ident)), 1, pos};
        q.parts[0].name = q.parts[0].text = "row";
        q.parts[0].pos = pos;
        r->func.name = q;
        r->func.args = v.data;
        r->func.n_args = v.n;
        e = r;
    }
    ko_sql_expect(p, T_RPAREN);
    /* Keep the parentheses in the span: (a + b) names itself with them. */
    e->pos = pos;
    return done(p, e);
}

static ko_sql_expr *parse_list(ko_sql_parser *p, ko_sql_pos pos)
{
    ko_sql_expr *e = ko_sql_expr_new(p, KO_SQL_E_LIST, pos);
    ko_sql_expect(p, T_LBRACKET);
    if (!ko_sql_is(p, T_RBRACKET))
        ko_sql_expr_list(p, &e->list.items, &e->list.n);
    ko_sql_expect(p, T_RBRACKET);
    return done(p, e);
}

static ko_sql_ident struct_key(ko_sql_parser *p)
{
    if (ko_sql_is(p, T_STRING) || ko_sql_is(p, T_ESTRING)) {
        ko_sql_ident id = {0};
        ko_sql_literal l = ko_sql_string_value(p, ko_sql_cur(p));
        id.pos = ko_sql_cur_pos(p);
        id.quoted = true;
        id.name = id.text = l.str;
        ko_sql_advance(p);
        return id;
    }
    return ko_sql_ident_parse(p, "struct key");
}

static ko_sql_expr *parse_struct(ko_sql_parser *p)
{
    ko_sql_expr *e = ko_sql_expr_new(p, KO_SQL_E_STRUCT, ko_sql_cur_pos(p));
    ko_sql_vec names = {0}, values = {0};
    ko_sql_expect(p, T_LBRACE);
    if (!ko_sql_is(p, T_RBRACE)) {
        do {
            *(ko_sql_ident *)ko_sql_vec_push(p, &names, sizeof(ko_sql_ident)) = struct_key(p);
            ko_sql_expect(p, T_COLON);
            *(ko_sql_expr **)ko_sql_vec_push(p, &values, sizeof(ko_sql_expr *)) =
                ko_sql_expr_parse(p);
        } while (ko_sql_accept(p, T_COMMA));
    }
    ko_sql_expect(p, T_RBRACE);
    e->struct_.names = names.data;
    e->struct_.values = values.data;
    e->struct_.n = names.n;
    return done(p, e);
}

static ko_sql_expr *parse_case(ko_sql_parser *p)
{
    ko_sql_expr *e = ko_sql_expr_new(p, KO_SQL_E_CASE, ko_sql_cur_pos(p));
    ko_sql_vec whens = {0};
    ko_sql_expect_kw(p, KW_CASE);
    if (!ko_sql_is_kw(p, KW_WHEN))
        e->case_.operand = ko_sql_expr_parse(p);
    while (ko_sql_accept_kw(p, KW_WHEN)) {
        ko_sql_when *w = ko_sql_vec_push(p, &whens, sizeof *w);
        w->when = ko_sql_expr_parse(p);
        ko_sql_expect_kw(p, KW_THEN);
        w->then = ko_sql_expr_parse(p);
    }
    if (whens.n == 0)
        ko_sql_fail_expected(p, NULL);
    if (ko_sql_accept_kw(p, KW_ELSE))
        e->case_.else_expr = ko_sql_expr_parse(p);
    ko_sql_expect_kw(p, KW_END);
    e->case_.whens = whens.data;
    e->case_.n_whens = whens.n;
    return done(p, e);
}

static ko_sql_expr *parse_cast(ko_sql_parser *p)
{
    ko_sql_expr *e = ko_sql_expr_new(p, KO_SQL_E_CAST, ko_sql_cur_pos(p));
    e->cast.try_ = ko_sql_is_kw(p, KW_TRY_CAST);
    ko_sql_advance(p);
    ko_sql_expect(p, T_LPAREN);
    e->cast.arg = ko_sql_expr_parse(p);
    ko_sql_expect_kw(p, KW_AS);
    e->cast.type = ko_sql_type_parse(p);
    ko_sql_expect(p, T_RPAREN);
    return done(p, e);
}

static ko_sql_expr *parse_exists(ko_sql_parser *p)
{
    ko_sql_expr *e = ko_sql_expr_new(p, KO_SQL_E_EXISTS, ko_sql_cur_pos(p));
    ko_sql_expect_kw(p, KW_EXISTS);
    ko_sql_expect(p, T_LPAREN);
    e->subquery = ko_sql_query_parse(p);
    ko_sql_expect(p, T_RPAREN);
    return done(p, e);
}

static ko_sql_expr *parse_param(ko_sql_parser *p)
{
    const ko_sql_tok *t = ko_sql_cur(p);
    ko_sql_expr *e = ko_sql_expr_new(p, KO_SQL_E_PARAM, ko_sql_tok_pos(t));
    if (p->src[t->off] == '$') {
        ko_sql_tok digits = *t;
        digits.off++;
        digits.len--;
        e->param.index = (int32_t)ko_sql_int_value(p, &digits);
        if (e->param.index < 1)
            ko_sql_fail(p, "parameter numbers start at $1");
    } else {
        e->param.index = p->next_param++;
    }
    ko_sql_advance(p);
    return done(p, e);
}

/* Words with their own syntax when they start a primary; 0 if none. */
static ko_sql_expr *parse_keyword_primary(ko_sql_parser *p)
{
    switch (ko_sql_cur(p)->kw) {
    case KW_CASE:
        return parse_case(p);
    case KW_CAST:
    case KW_TRY_CAST:
        return parse_cast(p);
    case KW_EXISTS:
        return parse_exists(p);
    case KW_NULL:
    case KW_TRUE:
    case KW_FALSE:
    case KW_INTERVAL:
        return ko_sql_literal_parse(p, false);
    case KW_ARRAY:
        if (ko_sql_peek(p, 1)->type == T_LBRACKET) {
            ko_sql_pos pos = ko_sql_cur_pos(p);
            ko_sql_advance(p);
            return parse_list(p, pos);
        }
        return NULL;
    default:
        return NULL;
    }
}

static ko_sql_expr *parse_primary(ko_sql_parser *p)
{
    const ko_sql_tok *t = ko_sql_cur(p);
    switch (t->type) {
    case T_INT:
    case T_DECIMAL:
    case T_FLOAT:
    case T_STRING:
    case T_ESTRING:
        return ko_sql_literal_parse(p, false);
    case T_PARAM:
        return parse_param(p);
    case T_LPAREN:
        return parse_paren(p);
    case T_LBRACKET:
        return parse_list(p, ko_sql_cur_pos(p));
    case T_LBRACE:
        return parse_struct(p);
    case T_IDENT: {
        ko_sql_expr *e = parse_keyword_primary(p);
        if (e)
            return e;
        e = ko_sql_typed_literal_parse(p);
        if (e)
            return e;
        e = ko_sql_niladic_parse(p);
        return e ? e : parse_name(p);
    }
    case T_QIDENT:
        return parse_name(p);
    default:
        ko_sql_fail_expected(p, "expression");
    }
}

/* ------------------------------------------------------------- prefix */

static ko_sql_expr *parse_prefix(ko_sql_parser *p, int min_prec)
{
    const ko_sql_tok *t = ko_sql_cur(p);
    ko_sql_op op = 0;
    int operand_prec = PREC_UNARY;
    if (t->type == T_IDENT && t->kw == KW_NOT && min_prec <= PREC_NOT) {
        op = KO_SQL_OP_NOT;
        operand_prec = PREC_NOT;
    } else if (t->type == T_MINUS || t->type == T_PLUS) {
        const ko_sql_tok *n = ko_sql_peek(p, 1);
        tok_type after = ko_sql_peek(p, 2)->type;
        bool number = n->type == T_INT || n->type == T_DECIMAL || n->type == T_FLOAT;
        if (t->type == T_MINUS && number && after != T_DCOLON && after != T_LBRACKET &&
            after != T_DOT) {
            ko_sql_pos pos = ko_sql_tok_pos(t);
            ko_sql_advance(p);
            ko_sql_expr *lit = ko_sql_literal_parse(p, true);
            lit->pos = pos;
            return lit;
        }
        op = t->type == T_MINUS ? KO_SQL_OP_NEG : KO_SQL_OP_PLUS;
    }
    if (!op) {
        ko_sql_expr *e = parse_primary(p);
        return e->kind == KO_SQL_E_STAR ? e : parse_postfix(p, e);
    }
    ko_sql_expr *e = ko_sql_expr_new(p, KO_SQL_E_UNARY, ko_sql_tok_pos(t));
    ko_sql_advance(p);
    e->unary.op = op;
    ko_sql_enter(p);
    e->unary.arg = parse_binary(p, operand_prec);
    ko_sql_leave(p);
    return done(p, e);
}

/* -------------------------------------------------------------- infix */

static int infix_prec(ko_sql_parser *p)
{
    const ko_sql_tok *t = ko_sql_cur(p);
    switch (t->type) {
    case T_EQ:
    case T_NE:
    case T_LT:
    case T_LE:
    case T_GT:
    case T_GE:
        return PREC_CMP;
    case T_PLUS:
    case T_MINUS:
    case T_CONCAT:
        return PREC_ADD;
    case T_STAR:
    case T_SLASH:
    case T_DSLASH:
    case T_PERCENT:
        return PREC_MUL;
    case T_IDENT:
        break;
    default:
        return 0;
    }
    switch (t->kw) {
    case KW_OR:
        return PREC_OR;
    case KW_AND:
        return PREC_AND;
    case KW_IS:
    case KW_IN:
    case KW_LIKE:
    case KW_ILIKE:
    case KW_BETWEEN:
    case KW_ISNULL:
    case KW_NOTNULL:
        return PREC_CMP;
    case KW_NOT: {
        kw_id k = ko_sql_peek(p, 1)->type == T_IDENT ? ko_sql_peek(p, 1)->kw : KW_NONE;
        return (k == KW_IN || k == KW_LIKE || k == KW_ILIKE || k == KW_BETWEEN) ? PREC_CMP : 0;
    }
    default:
        return 0;
    }
}

static ko_sql_expr *parse_logic(ko_sql_parser *p, ko_sql_expr *left, int prec)
{
    kw_id kw = prec == PREC_OR ? KW_OR : KW_AND;
    ko_sql_expr *e = ko_sql_expr_new(p, prec == PREC_OR ? KO_SQL_E_OR : KO_SQL_E_AND, left->pos);
    ko_sql_vec v = {0};
    *(ko_sql_expr **)ko_sql_vec_push(p, &v, sizeof(ko_sql_expr *)) = left;
    while (ko_sql_is_kw(p, kw)) {
        ko_sql_advance(p);
        *(ko_sql_expr **)ko_sql_vec_push(p, &v, sizeof(ko_sql_expr *)) = parse_binary(p, prec + 1);
    }
    e->list.items = v.data;
    e->list.n = v.n;
    return done(p, e);
}

static ko_sql_op arith_op(tok_type t)
{
    switch (t) {
    case T_PLUS:
        return KO_SQL_OP_ADD;
    case T_MINUS:
        return KO_SQL_OP_SUB;
    case T_CONCAT:
        return KO_SQL_OP_CONCAT;
    case T_STAR:
        return KO_SQL_OP_MUL;
    case T_SLASH:
        return KO_SQL_OP_DIV;
    case T_DSLASH:
        return KO_SQL_OP_INTDIV;
    case T_PERCENT:
        return KO_SQL_OP_MOD;
    case T_EQ:
        return KO_SQL_OP_EQ;
    case T_NE:
        return KO_SQL_OP_NE;
    case T_LT:
        return KO_SQL_OP_LT;
    case T_LE:
        return KO_SQL_OP_LE;
    case T_GT:
        return KO_SQL_OP_GT;
    default:
        return KO_SQL_OP_GE;
    }
}

static ko_sql_expr *parse_comparison(ko_sql_parser *p, ko_sql_expr *left)
{
    ko_sql_op op = arith_op(ko_sql_cur(p)->type);
    ko_sql_advance(p);
    bool any = ko_sql_is_kw(p, KW_ANY) || ko_sql_is_kw(p, KW_SOME);
    if ((any || ko_sql_is_kw(p, KW_ALL)) && ko_sql_peek(p, 1)->type == T_LPAREN) {
        ko_sql_expr *e = ko_sql_expr_new(p, KO_SQL_E_QUANTIFIED, left->pos);
        e->quantified.op = op;
        e->quantified.all = !any;
        e->quantified.arg = left;
        ko_sql_advance(p);
        ko_sql_expect(p, T_LPAREN);
        e->quantified.query = ko_sql_query_parse(p);
        ko_sql_expect(p, T_RPAREN);
        return done(p, e);
    }
    ko_sql_expr *e = ko_sql_expr_new(p, KO_SQL_E_BINARY, left->pos);
    e->binary.op = op;
    e->binary.left = left;
    e->binary.right = parse_binary(p, PREC_CMP + 1);
    return done(p, e);
}

static ko_sql_expr *parse_is(ko_sql_parser *p, ko_sql_expr *left)
{
    ko_sql_expr *e = ko_sql_expr_new(p, KO_SQL_E_IS_NULL, left->pos);
    ko_sql_expect_kw(p, KW_IS);
    e->is.arg = left;
    e->is.negated = ko_sql_accept_kw(p, KW_NOT);
    if (ko_sql_accept_kw(p, KW_NULL))
        return done(p, e);
    if (ko_sql_is_kw(p, KW_TRUE) || ko_sql_is_kw(p, KW_FALSE)) {
        e->kind = KO_SQL_E_IS_BOOL;
        e->is.value = ko_sql_is_kw(p, KW_TRUE);
        ko_sql_advance(p);
        return done(p, e);
    }
    if (ko_sql_accept_kw(p, KW_DISTINCT)) {
        ko_sql_expect_kw(p, KW_FROM);
        e->kind = KO_SQL_E_IS_DISTINCT;
        e->is.other = parse_binary(p, PREC_CMP + 1);
        return done(p, e);
    }
    ko_sql_note(p, "TRUE");
    ko_sql_note(p, "FALSE");
    ko_sql_fail_expected(p, NULL);
}

static ko_sql_expr *parse_in(ko_sql_parser *p, ko_sql_expr *left, bool negated)
{
    ko_sql_expr *e = ko_sql_expr_new(p, KO_SQL_E_IN_LIST, left->pos);
    e->in.arg = left;
    e->in.negated = negated;
    ko_sql_expect_kw(p, KW_IN);
    if (!ko_sql_is(p, T_LPAREN))
        ko_sql_fail_expected(p, "'(' after IN");
    if (ko_sql_starts_query(p, 1)) {
        ko_sql_advance(p);
        e->kind = KO_SQL_E_IN_QUERY;
        e->in.query = ko_sql_query_parse(p);
    } else {
        ko_sql_advance(p);
        ko_sql_expr_list(p, &e->in.items, &e->in.n);
    }
    ko_sql_expect(p, T_RPAREN);
    return done(p, e);
}

static ko_sql_expr *parse_between(ko_sql_parser *p, ko_sql_expr *left, bool negated)
{
    ko_sql_expr *e = ko_sql_expr_new(p, KO_SQL_E_BETWEEN, left->pos);
    ko_sql_expect_kw(p, KW_BETWEEN);
    e->between.arg = left;
    e->between.negated = negated;
    e->between.symmetric = ko_sql_accept_kw(p, KW_SYMMETRIC);
    e->between.low = parse_binary(p, PREC_CMP + 1);
    ko_sql_expect_kw(p, KW_AND);
    e->between.high = parse_binary(p, PREC_CMP + 1);
    return done(p, e);
}

static ko_sql_expr *parse_like(ko_sql_parser *p, ko_sql_expr *left, bool negated)
{
    ko_sql_expr *e = ko_sql_expr_new(p, KO_SQL_E_LIKE, left->pos);
    e->like.icase = ko_sql_is_kw(p, KW_ILIKE);
    ko_sql_advance(p);
    e->like.arg = left;
    e->like.negated = negated;
    e->like.pattern = parse_binary(p, PREC_CMP + 1);
    if (ko_sql_accept_kw(p, KW_ESCAPE))
        e->like.escape = parse_binary(p, PREC_CMP + 1);
    return done(p, e);
}

static ko_sql_expr *parse_predicate(ko_sql_parser *p, ko_sql_expr *left)
{
    const ko_sql_tok *t = ko_sql_cur(p);
    if (t->type != T_IDENT)
        return parse_comparison(p, left);
    if (t->kw == KW_IS)
        return parse_is(p, left);
    if (t->kw == KW_ISNULL || t->kw == KW_NOTNULL) {
        ko_sql_expr *e = ko_sql_expr_new(p, KO_SQL_E_IS_NULL, left->pos);
        e->is.arg = left;
        e->is.negated = t->kw == KW_NOTNULL;
        ko_sql_advance(p);
        return done(p, e);
    }
    bool negated = ko_sql_accept_kw(p, KW_NOT);
    switch (ko_sql_cur(p)->kw) {
    case KW_IN:
        return parse_in(p, left, negated);
    case KW_BETWEEN:
        return parse_between(p, left, negated);
    default:
        return parse_like(p, left, negated);
    }
}

static ko_sql_expr *parse_infix(ko_sql_parser *p, ko_sql_expr *left, int prec)
{
    if (prec == PREC_OR || prec == PREC_AND)
        return parse_logic(p, left, prec);
    if (prec == PREC_CMP)
        return parse_predicate(p, left);
    ko_sql_expr *e = ko_sql_expr_new(p, KO_SQL_E_BINARY, left->pos);
    e->binary.op = arith_op(ko_sql_cur(p)->type);
    ko_sql_advance(p);
    e->binary.left = left;
    e->binary.right = parse_binary(p, prec + 1);
    return done(p, e);
}

static ko_sql_expr *parse_binary(ko_sql_parser *p, int min_prec)
{
    ko_sql_expr *left = parse_prefix(p, min_prec);
    if (left->kind == KO_SQL_E_STAR && infix_prec(p))
        ko_sql_fail_at(p, left->pos, "'*' cannot be used in an expression");
    uint32_t chain = 0;
    for (;;) {
        int prec = infix_prec(p);
        if (prec == 0 || prec < min_prec)
            break;
        ko_sql_enter(p);
        chain++;
        left = parse_infix(p, left, prec);
    }
    p->depth -= chain;
    return left;
}

/* ------------------------------------------------------ order, windows */

void ko_sql_order_list(ko_sql_parser *p, ko_sql_order_item **out, size_t *n)
{
    ko_sql_vec v = {0};
    do {
        ko_sql_order_item *o = ko_sql_vec_push(p, &v, sizeof *o);
        o->pos = ko_sql_cur_pos(p);
        o->expr = ko_sql_expr_parse(p);
        if (ko_sql_accept_kw(p, KW_DESC))
            o->desc = true;
        else
            (void)ko_sql_accept_kw(p, KW_ASC);
        if (ko_sql_accept_kw(p, KW_NULLS)) {
            if (ko_sql_accept_kw(p, KW_FIRST))
                o->nulls = KO_SQL_NULLS_FIRST;
            else if (ko_sql_accept_kw(p, KW_LAST))
                o->nulls = KO_SQL_NULLS_LAST;
            else
                ko_sql_fail_expected(p, NULL);
        }
    } while (ko_sql_accept(p, T_COMMA));
    *out = v.data;
    *n = v.n;
}

static ko_sql_frame_bound parse_bound(ko_sql_parser *p)
{
    ko_sql_frame_bound b = {0};
    if (ko_sql_accept_kw(p, KW_UNBOUNDED)) {
        if (ko_sql_accept_kw(p, KW_PRECEDING))
            b.kind = KO_SQL_BOUND_UNBOUNDED_PRECEDING;
        else if (ko_sql_accept_kw(p, KW_FOLLOWING))
            b.kind = KO_SQL_BOUND_UNBOUNDED_FOLLOWING;
        else
            ko_sql_fail_expected(p, NULL);
        return b;
    }
    if (ko_sql_accept_kw(p, KW_CURRENT)) {
        ko_sql_expect_kw(p, KW_ROW);
        b.kind = KO_SQL_BOUND_CURRENT_ROW;
        return b;
    }
    b.offset = ko_sql_expr_prec(p, PREC_ADD);
    if (ko_sql_accept_kw(p, KW_PRECEDING))
        b.kind = KO_SQL_BOUND_PRECEDING;
    else if (ko_sql_accept_kw(p, KW_FOLLOWING))
        b.kind = KO_SQL_BOUND_FOLLOWING;
    else
        ko_sql_fail_expected(p, NULL);
    return b;
}

static void parse_frame(ko_sql_parser *p, ko_sql_window *w)
{
    if (ko_sql_accept_kw(p, KW_ROWS))
        w->frame = KO_SQL_FRAME_ROWS;
    else if (ko_sql_accept_kw(p, KW_RANGE))
        w->frame = KO_SQL_FRAME_RANGE;
    else if (ko_sql_accept_kw(p, KW_GROUPS))
        w->frame = KO_SQL_FRAME_GROUPS;
    else
        return;
    if (ko_sql_accept_kw(p, KW_BETWEEN)) {
        w->start = parse_bound(p);
        ko_sql_expect_kw(p, KW_AND);
        w->end = parse_bound(p);
    } else {
        w->start = parse_bound(p);
        w->end.kind = KO_SQL_BOUND_CURRENT_ROW;
    }
}

static bool window_clause_kw(ko_sql_parser *p)
{
    return ko_sql_is_kw(p, KW_PARTITION) || ko_sql_is_kw(p, KW_ORDER) || ko_sql_is_kw(p, KW_ROWS) ||
           ko_sql_is_kw(p, KW_RANGE) || ko_sql_is_kw(p, KW_GROUPS);
}

ko_sql_window *ko_sql_window_spec(ko_sql_parser *p)
{
    ko_sql_window *w = ko_sql_alloc(p, sizeof *w);
    w->pos = ko_sql_cur_pos(p);
    ko_sql_expect(p, T_LPAREN);
    if (ko_sql_is_ident(p) && !window_clause_kw(p)) {
        w->ref = ko_sql_alloc(p, sizeof *w->ref);
        *w->ref = ko_sql_ident_parse(p, "window name");
    }
    if (ko_sql_accept_kw(p, KW_PARTITION)) {
        ko_sql_expect_kw(p, KW_BY);
        ko_sql_expr_list(p, &w->partition, &w->n_partition);
    }
    if (ko_sql_accept_kw(p, KW_ORDER)) {
        ko_sql_expect_kw(p, KW_BY);
        ko_sql_order_list(p, &w->order, &w->n_order);
    }
    parse_frame(p, w);
    ko_sql_expect(p, T_RPAREN);
    return w;
}
