/*
 * parse.c - the parser's core: entry points, token stream, errors, names.
 *
 * The parser is hand-written recursive descent (parse_expr.c: expressions
 * by precedence climbing and types; parse_query.c: queries; parse_stmt.c:
 * statements).  This file holds what they share: the lookahead ring over the
 * lazy lexer, the nesting guard, identifiers and dotted names, and the error
 * path.
 *
 * Errors: every check that looks for an optional token at the current
 * position notes what it looked for; when the parser then fails, the
 * message lists those ("expected ',', FROM, WHERE ... or end of statement,
 * found 'x'") and, when the token found is a word close to one of them,
 * suggests it.  A bare alias that is really a misspelt keyword ("select a
 * FORM t" takes FORM as an alias of a) is caught when the very next token
 * fails: the error then points at the alias.  Failing longjmps back to
 * ko_sql_parse_ex; all nodes are in the caller's arena.
 */
#include "sql/parse_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* --------------------------------------------------------------- errors */

_Noreturn void ko_sql_nomem(ko_sql_parser *p)
{
    ko_err_set(p->err, KO_ERR_NOMEM, "out of memory while parsing SQL");
    longjmp(p->jmp, 1);
}

static _Noreturn void fail_msg(ko_sql_parser *p, ko_sql_pos pos, const char *msg)
{
    p->err_pos = pos;
    ko_sql_error_at(p->err, KO_ERR_INVALID, p->src, p->len, pos, "%s", msg);
    longjmp(p->jmp, 1);
}

_Noreturn void ko_sql_fail_at(ko_sql_parser *p, ko_sql_pos pos, const char *fmt, ...)
{
    char msg[KO_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fail_msg(p, pos, msg);
}

_Noreturn void ko_sql_fail(ko_sql_parser *p, const char *fmt, ...)
{
    char msg[KO_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fail_msg(p, ko_sql_cur_pos(p), msg);
}

/* 'text' of a token, shortened, for "found ..." */
static void describe_tok(const ko_sql_parser *p, const ko_sql_tok *t, char *out, size_t cap)
{
    if (t->type == T_EOF) {
        snprintf(out, cap, "end of input");
        return;
    }
    if (t->type == T_SEMI) {
        snprintf(out, cap, "';' (end of statement)");
        return;
    }
    int n = t->len > 40 ? 40 : (int)t->len;
    snprintf(out, cap, "'%.*s%s'", n, p->src + t->off, t->len > 40 ? "..." : "");
}

static bool is_keyword_note(const char *s)
{
    for (; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || *s == '_'))
            return false;
    return true;
}

/* The noted keyword closest to the word w[0..n), or NULL. */
static const char *suggest_kw(const char *const *notes, unsigned n_notes, const char *w, size_t n)
{
    char word[64];
    if (n < 3 || n >= sizeof word)
        return NULL;
    memcpy(word, w, n);
    word[n] = 0;
    const char *cands[PARSE_MAX_EXPECT];
    size_t nc = 0;
    for (unsigned i = 0; i < n_notes; i++)
        if (is_keyword_note(notes[i]) && strlen(notes[i]) >= 3)
            cands[nc++] = notes[i];
    const char *best = ko_sql_suggest(word, cands, nc);
    if (best && strcasecmp(best, word) == 0)
        return NULL;
    return best;
}

/* "A, B or C" from the notes (at most 7 shown, then "..."). */
static void join_notes(const char *const *notes, unsigned n, char *out, size_t cap)
{
    size_t used = 0;
    out[0] = 0;
    for (unsigned i = 0; i < n && i < 7 && used < cap; i++) {
        const char *sep = i == 0 ? "" : i + 1 == n ? " or " : ", ";
        int w = snprintf(out + used, cap - used, "%s%s", sep, notes[i]);
        if (w < 0)
            break;
        used += (size_t)w;
    }
    if (n > 7 && used < cap)
        snprintf(out + used, cap - used, ", ...");
}

/* The misspelt-keyword-as-alias case: report at the alias. */
static void fail_at_alias(ko_sql_parser *p)
{
    if (p->alias_at + 1 != p->tok_index || p->tok_index == 0)
        return;
    const ko_sql_tok *a = &p->la[(p->la_head + PARSE_LA - 1) % PARSE_LA];
    if (a->type != T_IDENT)
        return;
    static const char *const clause_kws[] = {"FROM",  "WHERE",  "GROUP", "HAVING",  "ORDER",
                                             "LIMIT", "OFFSET", "UNION", "EXCEPT",  "INTERSECT",
                                             "JOIN",  "ON",     "USING", "QUALIFY", "WINDOW",
                                             "INNER", "LEFT",   "RIGHT", "CROSS",   "SELECT"};
    const char *kw = suggest_kw(clause_kws, KO_ARRAY_LEN(clause_kws), p->src + a->off, a->len);
    if (!kw)
        return;
    bool end_ok = false;
    for (unsigned i = 0; i < p->n_expect; i++)
        end_ok |= strcmp(p->expect[i], "end of statement") == 0;
    ko_sql_fail_at(p, ko_sql_tok_pos(a), "expected %s%s, found '%.*s' (did you mean %s?)", kw,
                   end_ok ? " or end of statement" : "", (int)a->len, p->src + a->off, kw);
}

_Noreturn void ko_sql_fail_expected(ko_sql_parser *p, const char *what)
{
    if (what)
        ko_sql_note(p, what);
    fail_at_alias(p);
    const ko_sql_tok *t = ko_sql_cur(p);
    char found[64], list[300];
    describe_tok(p, t, found, sizeof found);
    const char *kw = NULL;
    if (t->type == T_IDENT)
        kw = suggest_kw(p->expect, p->n_expect, p->src + t->off, t->len);
    if (kw) {
        ko_sql_fail(p, "expected %s, found %s (did you mean %s?)", kw, found, kw);
    }
    join_notes(p->expect, p->n_expect, list, sizeof list);
    ko_sql_fail(p, "expected %s, found %s", list[0] ? list : "something else", found);
}

void ko_sql_note(ko_sql_parser *p, const char *what)
{
    if (p->expect_at != p->tok_index) {
        p->expect_at = p->tok_index;
        p->n_expect = 0;
    }
    for (unsigned i = 0; i < p->n_expect; i++)
        if (p->expect[i] == what) /* names come from static tables */
            return;
    if (p->n_expect < PARSE_MAX_EXPECT)
        p->expect[p->n_expect++] = what;
}

/* --------------------------------------------------------------- tokens */

const ko_sql_tok *ko_sql_peek(ko_sql_parser *p, unsigned k)
{
    while (p->la_n <= k) {
        ko_sql_tok *slot = &p->la[(p->la_head + p->la_n) % PARSE_LA];
        if (p->la_n > 0) {
            const ko_sql_tok *last = &p->la[(p->la_head + p->la_n - 1) % PARSE_LA];
            if (last->type == T_EOF) {
                *slot = *last;
                p->la_n++;
                continue;
            }
        }
        ko_sql_lex_next(p, slot);
        p->la_n++;
    }
    return &p->la[(p->la_head + k) % PARSE_LA];
}

const ko_sql_tok *ko_sql_cur(ko_sql_parser *p)
{
    return ko_sql_peek(p, 0);
}

void ko_sql_advance(ko_sql_parser *p)
{
    const ko_sql_tok *t = ko_sql_cur(p);
    if (t->type == T_EOF)
        return;
    p->prev_end = t->off + t->len;
    /* The consumed token stays in the ring (one slot behind the head) for
     * the misspelt-alias message; PARSE_LA - 1 tokens of lookahead remain. */
    p->la_head = (p->la_head + 1) % PARSE_LA;
    p->la_n--;
    p->tok_index++;
}

ko_sql_pos ko_sql_tok_pos(const ko_sql_tok *t)
{
    ko_sql_pos pos = {t->off, t->line, t->col};
    return pos;
}

ko_sql_pos ko_sql_cur_pos(ko_sql_parser *p)
{
    return ko_sql_tok_pos(ko_sql_cur(p));
}

bool ko_sql_is(ko_sql_parser *p, tok_type t)
{
    return ko_sql_cur(p)->type == t;
}

bool ko_sql_is_kw_at(ko_sql_parser *p, unsigned k, kw_id kw)
{
    const ko_sql_tok *t = ko_sql_peek(p, k);
    return t->type == T_IDENT && t->kw == kw;
}

bool ko_sql_is_kw(ko_sql_parser *p, kw_id kw)
{
    return ko_sql_is_kw_at(p, 0, kw);
}

bool ko_sql_accept_kw(ko_sql_parser *p, kw_id kw)
{
    if (ko_sql_is_kw(p, kw)) {
        ko_sql_advance(p);
        return true;
    }
    ko_sql_note(p, ko_sql_kw_name(kw));
    return false;
}

bool ko_sql_accept(ko_sql_parser *p, tok_type t)
{
    if (ko_sql_is(p, t)) {
        ko_sql_advance(p);
        return true;
    }
    ko_sql_note(p, ko_sql_tok_name(t));
    return false;
}

void ko_sql_expect_kw(ko_sql_parser *p, kw_id kw)
{
    if (!ko_sql_accept_kw(p, kw))
        ko_sql_fail_expected(p, NULL);
}

void ko_sql_expect(ko_sql_parser *p, tok_type t)
{
    if (!ko_sql_accept(p, t))
        ko_sql_fail_expected(p, NULL);
}

const char *ko_sql_tok_name(tok_type t)
{
    static const char *const names[] = {
        [T_EOF] = "end of input", [T_IDENT] = "identifier", [T_QIDENT] = "identifier",
        [T_STRING] = "string",    [T_ESTRING] = "string",   [T_INT] = "integer",
        [T_DECIMAL] = "number",   [T_FLOAT] = "number",     [T_PARAM] = "parameter",
        [T_LPAREN] = "'('",       [T_RPAREN] = "')'",       [T_LBRACKET] = "'['",
        [T_RBRACKET] = "']'",     [T_LBRACE] = "'{'",       [T_RBRACE] = "'}'",
        [T_COMMA] = "','",        [T_SEMI] = "';'",         [T_DOT] = "'.'",
        [T_COLON] = "':'",        [T_DCOLON] = "'::'",      [T_PLUS] = "'+'",
        [T_MINUS] = "'-'",        [T_STAR] = "'*'",         [T_SLASH] = "'/'",
        [T_DSLASH] = "'//'",      [T_PERCENT] = "'%'",      [T_CONCAT] = "'||'",
        [T_EQ] = "'='",           [T_NE] = "'<>'",          [T_LT] = "'<'",
        [T_LE] = "'<='",          [T_GT] = "'>'",           [T_GE] = "'>='",
    };
    return (unsigned)t < KO_ARRAY_LEN(names) && names[t] ? names[t] : "token";
}

void ko_sql_enter(ko_sql_parser *p)
{
    if (++p->depth > p->max_depth)
        ko_sql_fail(p, "expression nested too deeply (more than %u levels)", p->max_depth);
}

void ko_sql_leave(ko_sql_parser *p)
{
    p->depth--;
}

/* --------------------------------------------------------- memory, names */

void *ko_sql_alloc(ko_sql_parser *p, size_t n)
{
    void *m = ko_arena_calloc(p->arena, 1, n);
    if (!m)
        ko_sql_nomem(p);
    return m;
}

char *ko_sql_strndup(ko_sql_parser *p, const char *s, size_t n)
{
    char *d = ko_arena_strndup(p->arena, s, n);
    if (!d)
        ko_sql_nomem(p);
    return d;
}

void *ko_sql_vec_push(ko_sql_parser *p, ko_sql_vec *v, size_t elem)
{
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 4;
        if (cap > SIZE_MAX / elem / 2)
            ko_sql_nomem(p);
        void *d = ko_arena_alloc(p->arena, cap * elem);
        if (!d)
            ko_sql_nomem(p);
        if (v->n)
            memcpy(d, v->data, v->n * elem);
        v->data = d;
        v->cap = cap;
    }
    void *slot = (char *)v->data + v->n * elem;
    memset(slot, 0, elem);
    v->n++;
    return slot;
}

char *ko_sql_fold(ko_sql_parser *p, const char *s, size_t n)
{
    char *d = ko_sql_strndup(p, s, n);
    for (size_t i = 0; i < n; i++)
        if (d[i] >= 'A' && d[i] <= 'Z')
            d[i] = (char)(d[i] + ('a' - 'A'));
    return d;
}

bool ko_sql_is_ident_at(ko_sql_parser *p, unsigned k)
{
    const ko_sql_tok *t = ko_sql_peek(p, k);
    if (t->type == T_QIDENT)
        return true;
    return t->type == T_IDENT && !ko_sql_kw_reserved(t->kw);
}

bool ko_sql_is_ident(ko_sql_parser *p)
{
    return ko_sql_is_ident_at(p, 0);
}

/* Text of a quoted identifier without quotes, "" unescaped. */
static char *unquote_ident(ko_sql_parser *p, const ko_sql_tok *t)
{
    const char *s = p->src + t->off + 1;
    size_t n = t->len - 2;
    if (n == 0)
        ko_sql_fail_at(p, ko_sql_tok_pos(t), "zero-length quoted identifier");
    char *d = ko_sql_alloc(p, n + 1);
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        d[j++] = s[i];
        if (s[i] == '"')
            i++;
    }
    d[j] = 0;
    return d;
}

ko_sql_ident ko_sql_ident_parse(ko_sql_parser *p, const char *what)
{
    const ko_sql_tok *t = ko_sql_cur(p);
    ko_sql_ident id = {0};
    if (!ko_sql_is_ident(p)) {
        if (t->type == T_IDENT && t->kw)
            ko_sql_fail(p,
                        "expected %s, found reserved word %s (quote it as \"%.*s\" to use it as "
                        "a name)",
                        what, ko_sql_kw_name(t->kw), (int)t->len, p->src + t->off);
        ko_sql_fail_expected(p, what);
    }
    id.pos = ko_sql_tok_pos(t);
    if (t->type == T_QIDENT) {
        id.quoted = true;
        id.text = unquote_ident(p, t);
        id.name = id.text;
    } else {
        id.text = ko_sql_strndup(p, p->src + t->off, t->len);
        id.name = ko_sql_fold(p, p->src + t->off, t->len);
    }
    ko_sql_advance(p);
    return id;
}

ko_sql_ident ko_sql_word_parse(ko_sql_parser *p, const char *what)
{
    const ko_sql_tok *t = ko_sql_cur(p);
    if (t->type != T_IDENT)
        return ko_sql_ident_parse(p, what);
    ko_sql_ident id = {0};
    id.pos = ko_sql_tok_pos(t);
    id.text = ko_sql_strndup(p, p->src + t->off, t->len);
    id.name = ko_sql_fold(p, p->src + t->off, t->len);
    ko_sql_advance(p);
    return id;
}

ko_sql_qname ko_sql_qname_parse(ko_sql_parser *p, const char *what)
{
    ko_sql_qname q = {0};
    ko_sql_vec v = {0};
    q.pos = ko_sql_cur_pos(p);
    do {
        *(ko_sql_ident *)ko_sql_vec_push(p, &v, sizeof(ko_sql_ident)) = ko_sql_ident_parse(p, what);
    } while (ko_sql_accept(p, T_DOT));
    q.parts = v.data;
    q.n = v.n;
    return q;
}

void ko_sql_ident_list(ko_sql_parser *p, ko_sql_ident **out, size_t *n)
{
    ko_sql_vec v = {0};
    ko_sql_expect(p, T_LPAREN);
    do {
        *(ko_sql_ident *)ko_sql_vec_push(p, &v, sizeof(ko_sql_ident)) =
            ko_sql_ident_parse(p, "column name");
    } while (ko_sql_accept(p, T_COMMA));
    ko_sql_expect(p, T_RPAREN);
    *out = v.data;
    *n = v.n;
}

ko_sql_ident *ko_sql_alias_parse(ko_sql_parser *p)
{
    ko_sql_ident *id;
    if (ko_sql_accept_kw(p, KW_AS)) {
        id = ko_sql_alloc(p, sizeof *id);
        if (ko_sql_is(p, T_STRING)) { /* AS 'name' (DuckDB) */
            ko_sql_literal l = ko_sql_string_value(p, ko_sql_cur(p));
            id->pos = ko_sql_cur_pos(p);
            id->quoted = true;
            id->name = id->text = l.str;
            ko_sql_advance(p);
            return id;
        }
        *id = ko_sql_ident_parse(p, "alias");
        return id;
    }
    if (!ko_sql_is_ident(p))
        return NULL;
    /* SEMI JOIN / ANTI JOIN: not an alias. */
    if ((ko_sql_is_kw(p, KW_SEMI) || ko_sql_is_kw(p, KW_ANTI)) && ko_sql_is_kw_at(p, 1, KW_JOIN))
        return NULL;
    id = ko_sql_alloc(p, sizeof *id);
    p->alias_at = p->tok_index;
    *id = ko_sql_ident_parse(p, "alias");
    return id;
}

int64_t ko_sql_int_value(ko_sql_parser *p, const ko_sql_tok *t)
{
    int64_t v = 0;
    for (uint32_t i = 0; i < t->len; i++) {
        int d = p->src[t->off + i] - '0';
        if (v > (INT64_MAX - d) / 10)
            ko_sql_fail_at(p, ko_sql_tok_pos(t), "integer %.*s is too large", (int)t->len,
                           p->src + t->off);
        v = v * 10 + d;
    }
    return v;
}

/* ---------------------------------------------------------- entry points */

static void parse_script(ko_sql_parser *p, ko_sql_vec *out)
{
    for (;;) {
        while (ko_sql_accept(p, T_SEMI))
            ;
        if (ko_sql_is(p, T_EOF))
            return;
        ko_sql_stmt *s = ko_sql_stmt_parse(p);
        s->end = p->prev_end;
        *(ko_sql_stmt **)ko_sql_vec_push(p, out, sizeof(ko_sql_stmt *)) = s;
        if (!ko_sql_is(p, T_EOF) && !ko_sql_is(p, T_SEMI)) {
            ko_sql_note(p, "end of statement");
            ko_sql_fail_expected(p, NULL);
        }
    }
}

static ko_status run_parser(ko_sql_parser *p, ko_sql_vec *out)
{
    if (setjmp(p->jmp) != 0)
        return p->err && p->err->status != KO_OK ? p->err->status : KO_ERR_INVALID;
    ko_sql_check_text(p);
    parse_script(p, out);
    return KO_OK;
}

ko_status ko_sql_parse_ex(const char *text, size_t len, const ko_sql_parse_opts *opts,
                          ko_arena *arena, ko_sql_stmt ***stmts, size_t *n, ko_sql_pos *err_pos,
                          ko_err *err)
{
    ko_err local = {0};
    ko_sql_parser *p = calloc(1, sizeof *p);
    size_t max_text = opts && opts->max_text ? opts->max_text : KO_SQL_MAX_TEXT;
    *stmts = NULL;
    *n = 0;
    if (!p)
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory while parsing SQL");
    if (len > max_text || len > UINT32_MAX - 1) {
        free(p);
        return ko_err_set(err, KO_ERR_INVALID, "SQL text too long: %zu bytes (limit %zu)", len,
                          max_text);
    }
    p->src = text ? text : "";
    p->len = text ? len : 0;
    p->arena = arena;
    p->err = err ? err : &local;
    p->max_depth = opts && opts->max_depth ? opts->max_depth : KO_SQL_MAX_DEPTH;
    p->next_param = 1;
    p->alias_at = UINT64_MAX;
    p->expect_at = UINT64_MAX;
    ko_sql_lex_init(&p->lx, p->src, p->len);
    ko_sql_vec out = {0};
    ko_status st = run_parser(p, &out);
    if (st == KO_OK) {
        *stmts = out.data;
        *n = out.n;
    } else if (err_pos) {
        *err_pos = p->err_pos;
    }
    free(p);
    return st;
}

ko_status ko_sql_parse(const char *text, size_t len, ko_arena *arena, ko_sql_stmt ***stmts,
                       size_t *n, ko_err *err)
{
    return ko_sql_parse_ex(text, len, NULL, arena, stmts, n, NULL, err);
}

ko_status ko_sql_parse_one(const char *text, size_t len, ko_arena *arena, ko_sql_stmt **stmt,
                           ko_err *err)
{
    ko_sql_stmt **all;
    size_t n;
    *stmt = NULL;
    ko_status st = ko_sql_parse(text, len, arena, &all, &n, err);
    if (st != KO_OK)
        return st;
    if (n != 1) {
        ko_sql_pos pos = n ? all[1]->pos : ko_sql_pos_at(text, len, 0);
        return ko_sql_error_at(err, KO_ERR_INVALID, text, len, pos,
                               "expected one statement, found %zu", n);
    }
    *stmt = all[0];
    return KO_OK;
}
