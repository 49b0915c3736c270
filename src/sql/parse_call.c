/*
 * parse_call.c - function calls: f(args), aggregates with DISTINCT, ORDER BY,
 * FILTER (WHERE ...), IGNORE NULLS and OVER (...), and the standard's
 * special syntaxes, which become ordinary calls or nodes:
 *
 *   EXTRACT(field FROM x)          KO_SQL_E_EXTRACT
 *   SUBSTRING(x FROM a [FOR b])    substring(x, a [, b])
 *   TRIM([BOTH|LEADING|TRAILING] [c] FROM x)  trim / ltrim / rtrim(x [, c])
 *   POSITION(a IN b)               position(a, b)
 *   CURRENT_DATE, CURRENT_TIMESTAMP ...       current_date() ...
 */
#include "sql/parse_int.h"

#include <string.h>
#include <strings.h>

static ko_sql_expr *done(ko_sql_parser *p, ko_sql_expr *e)
{
    e->end = p->prev_end;
    return e;
}

static ko_sql_qname one_name(ko_sql_parser *p, const char *name, ko_sql_pos pos)
{
    ko_sql_qname q = {ko_sql_alloc(p, sizeof(ko_sql_ident)), 1, pos};
    q.parts[0].name = name;
    q.parts[0].text = name;
    q.parts[0].pos = pos;
    return q;
}

static ko_sql_expr *call_node(ko_sql_parser *p, const char *name, ko_sql_pos pos, size_t n_args)
{
    ko_sql_expr *e = ko_sql_expr_new(p, KO_SQL_E_FUNC, pos);
    e->func.name = one_name(p, name, pos);
    e->func.n_args = n_args;
    e->func.args = ko_sql_alloc(p, (n_args ? n_args : 1) * sizeof(ko_sql_expr *));
    return e;
}

/* --------------------------------------------------- special syntaxes */

static ko_sql_expr *parse_extract(ko_sql_parser *p, ko_sql_pos pos)
{
    ko_sql_expr *e = ko_sql_expr_new(p, KO_SQL_E_EXTRACT, pos);
    ko_sql_expect(p, T_LPAREN);
    if (ko_sql_is(p, T_STRING)) {
        ko_sql_literal l = ko_sql_string_value(p, ko_sql_cur(p));
        e->extract.field = ko_sql_fold(p, l.str, l.str_len);
        ko_sql_advance(p);
    } else {
        e->extract.field = ko_sql_word_parse(p, "date part (year, month, day ...)").name;
    }
    ko_sql_expect_kw(p, KW_FROM);
    e->extract.arg = ko_sql_expr_parse(p);
    ko_sql_expect(p, T_RPAREN);
    return done(p, e);
}

static ko_sql_expr *parse_substring(ko_sql_parser *p, ko_sql_pos pos)
{
    ko_sql_expr *args[3] = {0};
    size_t n = 1;
    ko_sql_expect(p, T_LPAREN);
    args[0] = ko_sql_expr_parse(p);
    if (ko_sql_accept(p, T_COMMA)) {
        args[n++] = ko_sql_expr_parse(p);
        if (ko_sql_accept(p, T_COMMA))
            args[n++] = ko_sql_expr_parse(p);
    } else if (ko_sql_accept_kw(p, KW_FROM)) {
        args[n++] = ko_sql_expr_parse(p);
        if (ko_sql_accept_kw(p, KW_FOR))
            args[n++] = ko_sql_expr_parse(p);
    } else if (ko_sql_accept_kw(p, KW_FOR)) {
        ko_sql_expr *one = ko_sql_expr_new(p, KO_SQL_E_LITERAL, ko_sql_cur_pos(p));
        one->lit.kind = KO_SQL_LIT_INT;
        one->lit.i = 1;
        one->lit.str = "1";
        one->lit.str_len = 1;
        args[n++] = one;
        args[n++] = ko_sql_expr_parse(p);
    }
    ko_sql_expect(p, T_RPAREN);
    ko_sql_expr *e = call_node(p, "substring", pos, n);
    memcpy(e->func.args, args, n * sizeof(ko_sql_expr *));
    return done(p, e);
}

static ko_sql_expr *parse_trim(ko_sql_parser *p, ko_sql_pos pos)
{
    const char *name = "trim";
    ko_sql_expr *x = NULL, *chars = NULL;
    ko_sql_expect(p, T_LPAREN);
    bool mode = true;
    if (ko_sql_accept_kw(p, KW_LEADING))
        name = "ltrim";
    else if (ko_sql_accept_kw(p, KW_TRAILING))
        name = "rtrim";
    else
        mode = ko_sql_accept_kw(p, KW_BOTH);
    if (ko_sql_accept_kw(p, KW_FROM)) {
        x = ko_sql_expr_parse(p);
    } else {
        ko_sql_expr *first = ko_sql_expr_parse(p);
        if (ko_sql_accept_kw(p, KW_FROM)) {
            chars = first;
            x = ko_sql_expr_parse(p);
        } else if (!mode && ko_sql_accept(p, T_COMMA)) {
            x = first;
            chars = ko_sql_expr_parse(p);
        } else {
            x = first;
        }
    }
    ko_sql_expect(p, T_RPAREN);
    ko_sql_expr *e = call_node(p, name, pos, chars ? 2 : 1);
    e->func.args[0] = x;
    if (chars)
        e->func.args[1] = chars;
    return done(p, e);
}

static ko_sql_expr *parse_position(ko_sql_parser *p, ko_sql_pos pos)
{
    ko_sql_expect(p, T_LPAREN);
    ko_sql_expr *needle = ko_sql_expr_prec(p, PREC_ADD);
    if (!ko_sql_accept_kw(p, KW_IN))
        ko_sql_expect(p, T_COMMA);
    ko_sql_expr *hay = ko_sql_expr_parse(p);
    ko_sql_expect(p, T_RPAREN);
    ko_sql_expr *e = call_node(p, "position", pos, 2);
    e->func.args[0] = needle;
    e->func.args[1] = hay;
    return done(p, e);
}

ko_sql_expr *ko_sql_niladic_parse(ko_sql_parser *p)
{
    static const char *const names[] = {"current_date", "current_time",   "current_timestamp",
                                        "localtime",    "localtimestamp", "current_schema",
                                        "current_user"};
    const ko_sql_tok *t = ko_sql_cur(p);
    if (t->type != T_IDENT || ko_sql_peek(p, 1)->type == T_LPAREN)
        return NULL;
    for (size_t i = 0; i < KO_ARRAY_LEN(names); i++) {
        if (t->len == strlen(names[i]) && strncasecmp(p->src + t->off, names[i], t->len) == 0) {
            ko_sql_expr *e = call_node(p, names[i], ko_sql_tok_pos(t), 0);
            ko_sql_advance(p);
            return done(p, e);
        }
    }
    return NULL;
}

/* -------------------------------------------------------------- calls */

static void parse_nulls_treatment(ko_sql_parser *p, ko_sql_expr *e)
{
    if ((ko_sql_is_kw(p, KW_IGNORE) || ko_sql_is_kw(p, KW_RESPECT)) &&
        ko_sql_is_kw_at(p, 1, KW_NULLS)) {
        e->func.ignore_nulls = ko_sql_is_kw(p, KW_IGNORE);
        ko_sql_advance(p);
        ko_sql_advance(p);
    }
}

static void parse_args(ko_sql_parser *p, ko_sql_expr *e)
{
    ko_sql_expect(p, T_LPAREN);
    if (ko_sql_accept(p, T_RPAREN))
        return;
    if (ko_sql_accept(p, T_STAR)) {
        e->func.star = true;
        ko_sql_expect(p, T_RPAREN);
        return;
    }
    if (ko_sql_accept_kw(p, KW_DISTINCT))
        e->func.distinct = true;
    else
        (void)ko_sql_accept_kw(p, KW_ALL);
    ko_sql_expr_list(p, &e->func.args, &e->func.n_args);
    if (ko_sql_accept_kw(p, KW_ORDER)) {
        ko_sql_expect_kw(p, KW_BY);
        ko_sql_order_list(p, &e->func.order, &e->func.n_order);
    }
    parse_nulls_treatment(p, e);
    ko_sql_expect(p, T_RPAREN);
}

/* WITHIN GROUP (ORDER BY ...): the ordered-set aggregate form. */
static void parse_within_group(ko_sql_parser *p, ko_sql_expr *e)
{
    const ko_sql_tok *t = ko_sql_cur(p);
    if (t->type != T_IDENT || t->len != 6 || strncasecmp(p->src + t->off, "within", 6) != 0 ||
        !ko_sql_is_kw_at(p, 1, KW_GROUP))
        return;
    ko_sql_advance(p);
    ko_sql_advance(p);
    ko_sql_expect(p, T_LPAREN);
    ko_sql_expect_kw(p, KW_ORDER);
    ko_sql_expect_kw(p, KW_BY);
    ko_sql_order_list(p, &e->func.order, &e->func.n_order);
    ko_sql_expect(p, T_RPAREN);
}

static void parse_over(ko_sql_parser *p, ko_sql_expr *e)
{
    if (!ko_sql_accept_kw(p, KW_OVER))
        return;
    if (ko_sql_is(p, T_LPAREN)) {
        e->func.over = ko_sql_window_spec(p);
        return;
    }
    ko_sql_window *w = ko_sql_alloc(p, sizeof *w);
    w->pos = ko_sql_cur_pos(p);
    w->ref = ko_sql_alloc(p, sizeof *w->ref);
    *w->ref = ko_sql_ident_parse(p, "window name or '('");
    e->func.over = w;
}

ko_sql_expr *ko_sql_call_parse(ko_sql_parser *p, ko_sql_qname name)
{
    if (name.n == 1 && !name.parts[0].quoted) {
        const char *n = name.parts[0].name;
        if (strcmp(n, "extract") == 0)
            return parse_extract(p, name.pos);
        if (strcmp(n, "substring") == 0 || strcmp(n, "substr") == 0)
            return parse_substring(p, name.pos);
        if (strcmp(n, "trim") == 0)
            return parse_trim(p, name.pos);
        if (strcmp(n, "position") == 0)
            return parse_position(p, name.pos);
    }
    ko_sql_expr *e = ko_sql_expr_new(p, KO_SQL_E_FUNC, name.pos);
    e->func.name = name;
    parse_args(p, e);
    parse_within_group(p, e);
    if (ko_sql_is_kw(p, KW_FILTER) && ko_sql_peek(p, 1)->type == T_LPAREN) {
        ko_sql_advance(p);
        ko_sql_advance(p);
        (void)ko_sql_accept_kw(p, KW_WHERE); /* FILTER (WHERE c); DuckDB allows FILTER (c) */
        e->func.filter = ko_sql_expr_parse(p);
        ko_sql_expect(p, T_RPAREN);
    }
    parse_nulls_treatment(p, e);
    parse_over(p, e);
    return done(p, e);
}
