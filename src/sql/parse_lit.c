/*
 * parse_lit.c - literals: numbers, strings, NULL, booleans, typed literals
 * (DATE '...', TIMESTAMP '...') and intervals.
 *
 * Numbers follow DuckDB: digits that fit int64 are INT; longer digit runs
 * and numbers with a point are exact DECIMAL (text kept, precision and scale
 * counted); a number with an exponent, or a decimal wider than 38 digits, is
 * FLOAT.  A minus sign directly before a number is folded into the literal
 * (so -9223372036854775808 is an INT).
 */
#include "sql/parse_int.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { DECIMAL_MAX_PRECISION = 38 };

static ko_sql_expr *done(ko_sql_parser *p, ko_sql_expr *e)
{
    e->end = p->prev_end;
    return e;
}

/* "-" + text of the token, or the text. */
static char *number_text(ko_sql_parser *p, const ko_sql_tok *t, bool negate)
{
    char *s = ko_sql_alloc(p, (size_t)t->len + 2);
    size_t j = 0;
    if (negate)
        s[j++] = '-';
    memcpy(s + j, p->src + t->off, t->len);
    s[j + t->len] = 0;
    return s;
}

static void to_float(ko_sql_parser *p, const ko_sql_tok *t, ko_sql_literal *l)
{
    errno = 0;
    char *end = NULL;
    l->kind = KO_SQL_LIT_FLOAT;
    l->f = strtod(l->str, &end);
    if (errno == ERANGE && isinf(l->f))
        ko_sql_fail_at(p, ko_sql_tok_pos(t), "number %s is out of range for DOUBLE", l->str);
}

/* Precision and scale of the decimal text (digits, optional point). */
static void decimal_shape(const char *s, size_t n, ko_sql_literal *l)
{
    size_t i = 0, int_digits = 0, frac = 0;
    bool lead = true;
    for (; i < n && s[i] != '.'; i++) {
        if (s[i] >= '0' && s[i] <= '9') {
            if (lead && s[i] == '0')
                continue;
            lead = false;
            int_digits++;
        }
    }
    if (i < n)
        frac = n - i - 1;
    size_t prec = int_digits + frac;
    l->precision = (int32_t)(prec > 1000 ? 1000 : (prec ? prec : 1));
    l->scale = (int32_t)(frac > 1000 ? 1000 : frac);
    if (l->precision < l->scale)
        l->precision = l->scale;
}

static bool int_fits(const char *digits, size_t n, bool negate, int64_t *out)
{
    uint64_t v = 0, limit = negate ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (size_t i = 0; i < n; i++) {
        unsigned d = (unsigned)(digits[i] - '0');
        if (v > (limit - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = negate ? (v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v) : (int64_t)v;
    return true;
}

static ko_sql_expr *parse_number(ko_sql_parser *p, bool negate)
{
    const ko_sql_tok *t = ko_sql_cur(p);
    ko_sql_expr *e = ko_sql_expr_new(p, KO_SQL_E_LITERAL, ko_sql_tok_pos(t));
    ko_sql_literal *l = &e->lit;
    l->str = number_text(p, t, negate);
    l->str_len = strlen(l->str);
    if (t->type == T_FLOAT) {
        to_float(p, t, l);
    } else if (t->type == T_INT && int_fits(p->src + t->off, t->len, negate, &l->i)) {
        l->kind = KO_SQL_LIT_INT;
    } else {
        l->kind = KO_SQL_LIT_DECIMAL;
        decimal_shape(p->src + t->off, t->len, l);
        if (l->precision > DECIMAL_MAX_PRECISION)
            to_float(p, t, l);
    }
    ko_sql_advance(p);
    return done(p, e);
}

static char escape_char(char c)
{
    switch (c) {
    case 'n':
        return '\n';
    case 't':
        return '\t';
    case 'r':
        return '\r';
    case 'b':
        return '\b';
    case 'f':
        return '\f';
    default:
        return c;
    }
}

ko_sql_literal ko_sql_string_value(ko_sql_parser *p, const ko_sql_tok *t)
{
    ko_sql_literal l = {0};
    bool e_string = t->type == T_ESTRING;
    const char *s = p->src + t->off + (e_string ? 2 : 1);
    size_t n = t->len - (e_string ? 3 : 2);
    char *d = ko_sql_alloc(p, n + 1);
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        if (e_string && s[i] == '\\' && i + 1 < n) {
            if (s[++i] == '0')
                ko_sql_fail_at(p, ko_sql_tok_pos(t), "NUL characters are not allowed in strings");
            d[j++] = escape_char(s[i]);
            continue;
        }
        d[j++] = s[i];
        if (s[i] == '\'')
            i++; /* '' */
    }
    d[j] = 0;
    l.kind = KO_SQL_LIT_STRING;
    l.str = d;
    l.str_len = j;
    return l;
}

/* ------------------------------------------------------------ intervals */

static const char *const interval_units[] = {
    "year",        "month", "day",     "hour",   "minute",  "second",     "millisecond",
    "microsecond", "week",  "quarter", "decade", "century", "millennium",
};

/* The unit the current word names ("days" -> "day"), or NULL. */
static const char *interval_unit(ko_sql_parser *p)
{
    const ko_sql_tok *t = ko_sql_cur(p);
    if (t->type != T_IDENT || t->len > 16)
        return NULL;
    char w[20];
    for (uint32_t i = 0; i < t->len; i++) {
        char c = p->src[t->off + i];
        w[i] = (char)((c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c);
    }
    w[t->len] = 0;
    if (strcmp(w, "centuries") == 0)
        return "century";
    if (strcmp(w, "millennia") == 0)
        return "millennium";
    size_t n = t->len;
    for (size_t i = 0; i < KO_ARRAY_LEN(interval_units); i++) {
        const char *u = interval_units[i];
        size_t un = strlen(u);
        if ((n == un || (n == un + 1 && w[un] == 's')) && strncmp(w, u, un) == 0)
            return u;
    }
    return NULL;
}

static ko_sql_expr *parse_interval(ko_sql_parser *p)
{
    ko_sql_expr *e = ko_sql_expr_new(p, KO_SQL_E_LITERAL, ko_sql_cur_pos(p));
    ko_sql_expect_kw(p, KW_INTERVAL);
    e->lit.kind = KO_SQL_LIT_INTERVAL;
    const ko_sql_tok *t = ko_sql_cur(p);
    if (t->type == T_STRING || t->type == T_ESTRING) {
        ko_sql_literal s = ko_sql_string_value(p, t);
        e->lit.str = s.str;
        e->lit.str_len = s.str_len;
        ko_sql_advance(p);
        e->lit.unit = interval_unit(p);
        if (e->lit.unit)
            ko_sql_advance(p);
        return done(p, e);
    }
    bool negate = ko_sql_accept(p, T_MINUS);
    t = ko_sql_cur(p);
    if (t->type != T_INT && t->type != T_DECIMAL)
        ko_sql_fail_expected(p, "interval string or number");
    e->lit.str = number_text(p, t, negate);
    e->lit.str_len = strlen(e->lit.str);
    ko_sql_advance(p);
    e->lit.unit = interval_unit(p);
    if (!e->lit.unit)
        ko_sql_fail_expected(p, "interval unit (YEAR, MONTH, DAY, HOUR, MINUTE, SECOND ...)");
    ko_sql_advance(p);
    return done(p, e);
}

/* ------------------------------------------------------------- literals */

ko_sql_expr *ko_sql_literal_parse(ko_sql_parser *p, bool negate)
{
    const ko_sql_tok *t = ko_sql_cur(p);
    if (t->type == T_INT || t->type == T_DECIMAL || t->type == T_FLOAT)
        return parse_number(p, negate);
    if (t->kw == KW_INTERVAL && t->type == T_IDENT)
        return parse_interval(p);
    ko_sql_expr *e = ko_sql_expr_new(p, KO_SQL_E_LITERAL, ko_sql_tok_pos(t));
    if (t->type == T_STRING || t->type == T_ESTRING) {
        e->lit = ko_sql_string_value(p, t);
    } else if (t->kw == KW_NULL) {
        e->lit.kind = KO_SQL_LIT_NULL;
    } else {
        e->lit.kind = KO_SQL_LIT_BOOL;
        e->lit.b = t->kw == KW_TRUE;
    }
    ko_sql_advance(p);
    return done(p, e);
}

/* Is the word at lookahead k `w` (case-insensitive)? */
static bool word_at(ko_sql_parser *p, unsigned k, const char *w)
{
    const ko_sql_tok *t = ko_sql_peek(p, k);
    size_t n = strlen(w);
    return t->type == T_IDENT && t->len == n && strncasecmp(p->src + t->off, w, n) == 0;
}

static bool is_string_at(ko_sql_parser *p, unsigned k)
{
    tok_type ty = ko_sql_peek(p, k)->type;
    return ty == T_STRING || ty == T_ESTRING;
}

ko_sql_expr *ko_sql_typed_literal_parse(ko_sql_parser *p)
{
    const ko_sql_tok *t = ko_sql_cur(p);
    if (t->type != T_IDENT || t->len > 24 || t->kw == KW_INTERVAL)
        return NULL;
    char w[32];
    for (uint32_t i = 0; i < t->len; i++) {
        char c = p->src[t->off + i];
        w[i] = (char)((c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c);
    }
    w[t->len] = 0;
    ko_sql_type_kind k = ko_sql_type_word(w);
    if (!k || k == KO_SQL_T_STRUCT || k == KO_SQL_T_LIST || k == KO_SQL_T_MAP)
        return NULL;
    bool with_tz = (k == KO_SQL_T_TIMESTAMP || k == KO_SQL_T_TIME) &&
                   (ko_sql_is_kw_at(p, 1, KW_WITH) || word_at(p, 1, "without")) &&
                   word_at(p, 2, "time") && word_at(p, 3, "zone") && is_string_at(p, 4);
    if (!is_string_at(p, 1) && !with_tz)
        return NULL;
    ko_sql_expr *e = ko_sql_expr_new(p, KO_SQL_E_LITERAL, ko_sql_tok_pos(t));
    e->lit.kind = KO_SQL_LIT_TYPED;
    e->lit.type = ko_sql_type_parse(p);
    ko_sql_literal s = ko_sql_string_value(p, ko_sql_cur(p));
    e->lit.str = s.str;
    e->lit.str_len = s.str_len;
    ko_sql_advance(p);
    return done(p, e);
}
