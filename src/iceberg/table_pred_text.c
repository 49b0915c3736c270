/*
 * table_pred_text.c - ko_ice_pred_parse_text: the small filter language of
 * `korolev table delete|overwrite --where`.
 *
 *   expr    := and_expr { OR and_expr }
 *   and_expr:= primary { AND primary }
 *   primary := '(' expr ')' | column op literal | column IS [NOT] NULL
 *              | TRUE | FALSE
 *   op      := = | == | != | <> | < | <= | > | >=
 *
 * A recursive-descent parser over the text with one token of lookahead.
 * Columns are names of the schema (full dotted names; exact, then
 * case-insensitive; `quoted` or "quoted" for odd names).  A literal is a
 * 'quoted' string (with '' for a quote) or a bare word, and is typed by
 * its column: numbers parsed as such, everything else through the spec's
 * single-value JSON form (ko_ice_value_from_json), which knows dates,
 * times, timestamps, decimals, uuids and hex binary.  The predicate tree
 * has no NOT, so "!=" becomes "< or >", which also gives SQL's answer for
 * nulls (no match).
 */
#include "iceberg/table_internal.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { MAX_DEPTH = 200 };

typedef enum tok_kind { T_END, T_WORD, T_QUOTED, T_NAME, T_OP, T_LP, T_RP } tok_kind;

typedef struct tok {
    tok_kind kind;
    const char *text; /* in the arena; unquoted */
    size_t pos;       /* offset in the input */
} tok;

typedef struct parser {
    const char *s;
    size_t at;
    tok cur;
    const ko_ice_schema *schema;
    ko_arena *arena;
    ko_err *err;
} parser;

static ko_status fail(parser *p, size_t pos, const char *what)
{
    return ko_err_set(p->err, KO_ERR_INVALID, "filter '%s': at offset %zu: %s", p->s, pos, what);
}

/* ----------------------------------------------------------------- lexer */

static ko_status lex_quoted(parser *p, char q, tok *t)
{
    ko_buf b = {0};
    size_t i = p->at + 1;
    for (;; i++) {
        if (!p->s[i]) {
            ko_buf_free(&b);
            return fail(p, p->at, "unterminated quote");
        }
        if (p->s[i] == q && p->s[i + 1] == q) {
            i++;
        } else if (p->s[i] == q) {
            break;
        }
        if (ko_buf_append(&b, &p->s[i], 1) != KO_OK) {
            ko_buf_free(&b);
            return kt_nomem(p->err);
        }
    }
    t->kind = q == '\'' ? T_QUOTED : T_NAME;
    t->text = ko_arena_strndup(p->arena, b.len ? (const char *)b.data : "", b.len);
    ko_buf_free(&b);
    p->at = i + 1;
    return t->text ? KO_OK : kt_nomem(p->err);
}

static bool is_op_char(char c)
{
    return c == '=' || c == '!' || c == '<' || c == '>';
}

static ko_status next(parser *p)
{
    while (isspace((unsigned char)p->s[p->at]))
        p->at++;
    tok *t = &p->cur;
    *t = (tok){.pos = p->at};
    char c = p->s[p->at];
    if (!c)
        return KO_OK;
    if (c == '\'' || c == '"' || c == '`')
        return lex_quoted(p, c, t);
    size_t n = 1;
    if (c == '(' || c == ')') {
        t->kind = c == '(' ? T_LP : T_RP;
    } else if (is_op_char(c)) {
        t->kind = T_OP;
        n = is_op_char(p->s[p->at + 1]) ? 2 : 1;
    } else {
        t->kind = T_WORD;
        while (p->s[p->at + n] && !isspace((unsigned char)p->s[p->at + n]) &&
               !is_op_char(p->s[p->at + n]) && p->s[p->at + n] != '(' && p->s[p->at + n] != ')')
            n++;
    }
    t->text = ko_arena_strndup(p->arena, p->s + p->at, n);
    p->at += n;
    return t->text ? KO_OK : kt_nomem(p->err);
}

static bool is_kw(const tok *t, const char *kw)
{
    return t->kind == T_WORD && strcasecmp(t->text, kw) == 0;
}

/* --------------------------------------------------------------- literals */

static ko_status parse_int(parser *p, const ko_ice_type *t, const tok *lit, ko_ice_value *out)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(lit->text, &end, 10);
    if (errno || end == lit->text || *end)
        return fail(p, lit->pos, "not an integer");
    if (t->id == KO_ICE_INT && (v < INT32_MIN || v > INT32_MAX))
        return fail(p, lit->pos, "out of range for an int column");
    *out = t->id == KO_ICE_INT ? ko_ice_value_int((int32_t)v) : ko_ice_value_long(v);
    return KO_OK;
}

static ko_status parse_real(parser *p, const ko_ice_type *t, const tok *lit, ko_ice_value *out)
{
    char *end = NULL;
    double d = strtod(lit->text, &end);
    if (end == lit->text || *end || isnan(d))
        return fail(p, lit->pos, "not a number");
    *out = t->id == KO_ICE_FLOAT ? ko_ice_value_float((float)d) : ko_ice_value_double(d);
    return KO_OK;
}

static ko_status parse_bool(parser *p, const tok *lit, ko_ice_value *out)
{
    if (strcasecmp(lit->text, "true") != 0 && strcasecmp(lit->text, "false") != 0)
        return fail(p, lit->pos, "not true or false");
    *out = ko_ice_value_bool(strcasecmp(lit->text, "true") == 0);
    return KO_OK;
}

/* Dates, times, timestamps, decimals, uuids, fixed, binary: Appendix D. */
static ko_status parse_json_form(parser *p, const ko_ice_type *t, const tok *lit, ko_ice_value *out)
{
    char *text = ko_arena_strdup(p->arena, lit->text);
    if (!text)
        return kt_nomem(p->err);
    bool ts = t->id == KO_ICE_TIMESTAMP || t->id == KO_ICE_TIMESTAMPTZ ||
              t->id == KO_ICE_TIMESTAMP_NS || t->id == KO_ICE_TIMESTAMPTZ_NS;
    char *sp = ts ? strchr(text, ' ') : NULL;
    if (sp)
        *sp = 'T';
    bool tz = t->id == KO_ICE_TIMESTAMPTZ || t->id == KO_ICE_TIMESTAMPTZ_NS;
    size_t len = strlen(text);
    if (tz && len > 0 && text[len - 1] == 'Z')
        text[len - 1] = '\0';
    if (tz && !strchr(text + (len > 10 ? 10 : len), '+'))
        text = ko_arena_sprintf(p->arena, "%s+00:00", text);
    json_t *j = text ? json_string(text) : NULL;
    if (!j)
        return kt_nomem(p->err);
    ko_err e = {0};
    ko_status st = ko_ice_value_from_json(t, j, p->arena, out, &e); /* bytes decoded into arena */
    json_decref(j);
    return st == KO_OK ? KO_OK : fail(p, lit->pos, e.msg);
}

static ko_status literal(parser *p, const ko_ice_type *t, const tok *lit, ko_ice_value *out)
{
    if (lit->kind != T_WORD && lit->kind != T_QUOTED)
        return fail(p, lit->pos, "expected a value");
    switch (t->id) {
    case KO_ICE_BOOLEAN:
        return parse_bool(p, lit, out);
    case KO_ICE_INT:
    case KO_ICE_LONG:
        return parse_int(p, t, lit, out);
    case KO_ICE_FLOAT:
    case KO_ICE_DOUBLE:
        return parse_real(p, t, lit, out);
    case KO_ICE_STRING:
        *out = ko_ice_value_bytes(KO_ICE_STRING, lit->text, strlen(lit->text));
        return KO_OK;
    default:
        return parse_json_form(p, t, lit, out);
    }
}

/* ---------------------------------------------------------------- grammar */

static ko_status expr(parser *p, int depth, const ko_ice_pred **out);

static ko_status column(parser *p, const ko_ice_field **out)
{
    if (p->cur.kind != T_WORD && p->cur.kind != T_NAME)
        return fail(p, p->cur.pos, "expected a column name");
    const ko_ice_field *f = ko_ice_schema_find_name(p->schema, p->cur.text, false);
    if (!f)
        f = ko_ice_schema_find_name(p->schema, p->cur.text, true);
    if (!f || !ko_ice_type_is_primitive(&f->type)) {
        const char *m = ko_arena_sprintf(p->arena, "no primitive column '%s'", p->cur.text);
        return fail(p, p->cur.pos, m ? m : "no such column");
    }
    *out = f;
    return next(p);
}

static ko_status null_test(parser *p, const ko_ice_field *f, const ko_ice_pred **out)
{
    ko_status st = next(p);
    bool negated = st == KO_OK && is_kw(&p->cur, "not");
    if (negated)
        st = next(p);
    if (st == KO_OK && !is_kw(&p->cur, "null"))
        return fail(p, p->cur.pos, "expected NULL");
    *out = ko_ice_pred_null(p->arena, !negated, f->id);
    return st != KO_OK ? st : *out ? next(p) : kt_nomem(p->err);
}

static ko_status op_of(parser *p, ko_ice_pred_op *op, bool *ne)
{
    static const struct {
        const char *text;
        ko_ice_pred_op op;
    } ops[] = {{"=", KO_ICE_PRED_EQ},  {"==", KO_ICE_PRED_EQ}, {"<", KO_ICE_PRED_LT},
               {"<=", KO_ICE_PRED_LE}, {">", KO_ICE_PRED_GT},  {">=", KO_ICE_PRED_GE},
               {"!=", KO_ICE_PRED_LT}, {"<>", KO_ICE_PRED_LT}};
    for (size_t i = 0; p->cur.kind == T_OP && i < KO_ARRAY_LEN(ops); i++)
        if (strcmp(p->cur.text, ops[i].text) == 0) {
            *op = ops[i].op;
            *ne = i >= 6;
            return KO_OK;
        }
    return fail(p, p->cur.pos, "expected a comparison (=, !=, <, <=, >, >=) or IS [NOT] NULL");
}

static ko_status comparison(parser *p, const ko_ice_pred **out)
{
    const ko_ice_field *f = NULL;
    ko_status st = column(p, &f);
    if (st != KO_OK)
        return st;
    if (is_kw(&p->cur, "is"))
        return null_test(p, f, out);
    ko_ice_pred_op op = KO_ICE_PRED_EQ;
    bool ne = false;
    ko_ice_value v;
    st = op_of(p, &op, &ne);
    if (st == KO_OK)
        st = next(p);
    if (st == KO_OK)
        st = literal(p, &f->type, &p->cur, &v);
    if (st != KO_OK)
        return st;
    *out = ne ? ko_ice_pred_or(p->arena, ko_ice_pred_cmp(p->arena, KO_ICE_PRED_LT, f->id, v),
                               ko_ice_pred_cmp(p->arena, KO_ICE_PRED_GT, f->id, v))
              : ko_ice_pred_cmp(p->arena, op, f->id, v);
    return *out ? next(p) : kt_nomem(p->err);
}

static ko_status primary(parser *p, int depth, const ko_ice_pred **out)
{
    if (depth > MAX_DEPTH)
        return fail(p, p->cur.pos, "nested too deeply");
    if (p->cur.kind == T_LP) {
        ko_status st = next(p);
        if (st == KO_OK)
            st = expr(p, depth + 1, out);
        if (st == KO_OK && p->cur.kind != T_RP)
            return fail(p, p->cur.pos, "expected ')'");
        return st == KO_OK ? next(p) : st;
    }
    if (is_kw(&p->cur, "true") || is_kw(&p->cur, "false")) {
        ko_ice_pred *c = ko_arena_calloc(p->arena, 1, sizeof *c);
        if (!c)
            return kt_nomem(p->err);
        c->op = is_kw(&p->cur, "true") ? KO_ICE_PRED_TRUE : KO_ICE_PRED_FALSE;
        *out = c;
        return next(p);
    }
    return comparison(p, out);
}

static ko_status and_expr(parser *p, int depth, const ko_ice_pred **out)
{
    ko_status st = primary(p, depth, out);
    while (st == KO_OK && is_kw(&p->cur, "and")) {
        const ko_ice_pred *r = NULL;
        st = next(p);
        if (st == KO_OK)
            st = primary(p, depth, &r);
        if (st == KO_OK && !(*out = ko_ice_pred_and(p->arena, *out, r)))
            st = kt_nomem(p->err);
    }
    return st;
}

static ko_status expr(parser *p, int depth, const ko_ice_pred **out)
{
    ko_status st = and_expr(p, depth, out);
    while (st == KO_OK && is_kw(&p->cur, "or")) {
        const ko_ice_pred *r = NULL;
        st = next(p);
        if (st == KO_OK)
            st = and_expr(p, depth, &r);
        if (st == KO_OK && !(*out = ko_ice_pred_or(p->arena, *out, r)))
            st = kt_nomem(p->err);
    }
    return st;
}

ko_status ko_ice_pred_parse_text(const char *text, const ko_ice_schema *schema, ko_arena *arena,
                                 const ko_ice_pred **out, ko_err *err)
{
    KT_NEED_ERR(err);
    *out = NULL;
    parser p = {.s = text ? text : "", .schema = schema, .arena = arena, .err = err};
    ko_status st = next(&p);
    if (st == KO_OK && p.cur.kind == T_END)
        return fail(&p, 0, "empty filter");
    if (st == KO_OK)
        st = expr(&p, 0, out);
    if (st == KO_OK && p.cur.kind != T_END)
        st = fail(&p, p.cur.pos, "unexpected text (expected AND, OR or the end)");
    if (st == KO_OK)
        st = ko_ice_pred_check(*out, schema, err);
    return st;
}
