/*
 * func_like.c - LIKE / ILIKE pattern matching (see func_like.h).
 *
 * A pattern is first turned into tokens: code points (escapes resolved,
 * lower-cased for ILIKE), TOK_ONE for `_` and TOK_ANY for `%` (runs of `%`
 * collapse into one).  Shapes that need no wildcard logic are recognised
 * from the tokens and matched with memcmp / memmem on the literal bytes;
 * the rest go through a greedy matcher that remembers the last `%` and
 * retries from one character further on a mismatch.  That is complete for
 * patterns made of literals, `_` and `%`.
 */
#include "sql/func_like.h"

#include "sql/func_util.h"

#include <string.h>

enum { TOK_ONE = -1, TOK_ANY = -2 };

typedef enum like_shape {
    LIKE_EXACT,
    LIKE_PREFIX,   /* 'abc%' */
    LIKE_SUFFIX,   /* '%abc' */
    LIKE_CONTAINS, /* '%abc%' */
    LIKE_ALL,      /* '%' */
    LIKE_GENERAL,
} like_shape;

struct ko_sql_like {
    like_shape shape;
    bool icase;
    const int32_t *tok;
    size_t n_tok;
    const char *lit; /* literal bytes (UTF-8) for the simple shapes */
    size_t lit_len;
};

static int32_t fold(uint32_t c, bool icase)
{
    if (!icase)
        return (int32_t)c;
    if (c < 0x80)
        return (int32_t)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    return (int32_t)ko_sql_unicode_lower(c);
}

/* Tokenises pat into tok (room for plen + 1); returns the count or -1 on a
 * trailing escape. */
static long tokenize(const char *pat, size_t plen, int32_t esc, bool icase, int32_t *tok)
{
    size_t n = 0, i = 0;
    while (i < plen) {
        uint32_t c = fu_utf8_next(pat, plen, &i);
        if (esc >= 0 && (int32_t)c == esc) {
            if (i >= plen)
                return -1;
            tok[n++] = fold(fu_utf8_next(pat, plen, &i), icase);
        } else if (c == '%') {
            if (n == 0 || tok[n - 1] != TOK_ANY)
                tok[n++] = TOK_ANY;
        } else if (c == '_') {
            tok[n++] = TOK_ONE;
        } else {
            tok[n++] = fold(c, icase);
        }
    }
    return (long)n;
}

static bool all_literal(const int32_t *tok, size_t a, size_t b)
{
    for (size_t i = a; i < b; i++)
        if (tok[i] < 0)
            return false;
    return true;
}

static like_shape shape_of(const int32_t *tok, size_t n, bool icase)
{
    if (n == 1 && tok[0] == TOK_ANY)
        return LIKE_ALL;
    if (icase)
        return LIKE_GENERAL;
    bool lead = n > 0 && tok[0] == TOK_ANY, trail = n > 1 && tok[n - 1] == TOK_ANY;
    size_t a = lead ? 1 : 0, b = trail ? n - 1 : n;
    if (!all_literal(tok, a, b))
        return LIKE_GENERAL;
    if (lead && trail)
        return LIKE_CONTAINS;
    if (lead)
        return LIKE_SUFFIX;
    if (n > 0 && tok[n - 1] == TOK_ANY)
        return LIKE_PREFIX;
    return LIKE_EXACT;
}

static ko_status escape_char(const char *esc, size_t elen, int32_t *out, ko_err *err)
{
    *out = -1;
    if (!esc || elen == 0)
        return KO_OK;
    size_t i = 0;
    uint32_t c = fu_utf8_next(esc, elen, &i);
    if (i != elen)
        return ko_err_set(err, KO_ERR_INVALID,
                          "Invalid escape string. Escape string must be empty or one character.");
    *out = (int32_t)c;
    return KO_OK;
}

/* Encodes the literal tokens [a, b) as UTF-8 into buf; returns bytes. */
static size_t literal_bytes(const int32_t *tok, size_t a, size_t b, char *buf)
{
    size_t n = 0;
    for (size_t i = a; i < b; i++)
        n += fu_utf8_put((uint32_t)tok[i], buf + n);
    return n;
}

static ko_status build(ko_sql_like *lk, const char *pat, size_t plen, int32_t esc, int32_t *tok,
                       char *litbuf, ko_err *err)
{
    long n = tokenize(pat, plen, esc, lk->icase, tok);
    if (n < 0)
        return ko_err_set(err, KO_ERR_INVALID,
                          "Like pattern must not end with escape character! (pattern '%.*s')",
                          (int)(plen > 200 ? 200 : plen), pat);
    lk->tok = tok;
    lk->n_tok = (size_t)n;
    lk->shape = shape_of(tok, lk->n_tok, lk->icase);
    size_t a = lk->shape == LIKE_SUFFIX || lk->shape == LIKE_CONTAINS;
    size_t b = lk->shape == LIKE_PREFIX || lk->shape == LIKE_CONTAINS ? lk->n_tok - 1 : lk->n_tok;
    if (lk->shape != LIKE_GENERAL && lk->shape != LIKE_ALL && litbuf) {
        lk->lit = litbuf;
        lk->lit_len = literal_bytes(tok, a, b, litbuf);
    }
    return KO_OK;
}

ko_status ko_sql_like_compile(const char *pat, size_t plen, const char *esc, size_t elen,
                              bool icase, ko_arena *arena, const ko_sql_like **out, ko_err *err)
{
    int32_t e;
    ko_status st = escape_char(esc, elen, &e, err);
    if (st != KO_OK)
        return st;
    ko_sql_like *lk = ko_arena_calloc(arena, 1, sizeof *lk);
    int32_t *tok = ko_arena_alloc(arena, (plen + 1) * sizeof *tok);
    char *lit = ko_arena_alloc(arena, plen * 4 + 1);
    if (!lk || !tok || !lit)
        return ko_err_set(err, KO_ERR_NOMEM, "LIKE: out of memory compiling a pattern");
    lk->icase = icase;
    st = build(lk, pat ? pat : "", plen, e, tok, lit, err);
    if (st == KO_OK)
        *out = lk;
    return st;
}

/* Greedy matcher over tokens with one backtrack point. */
static bool match_general(const int32_t *tok, size_t nt, bool icase, const char *s, size_t n)
{
    size_t ti = 0, si = 0, star_t = SIZE_MAX, star_s = 0;
    while (si < n) {
        if (ti < nt && tok[ti] == TOK_ANY) {
            star_t = ti++;
            star_s = si;
            continue;
        }
        size_t next = si;
        uint32_t c = fu_utf8_next(s, n, &next);
        if (ti < nt && (tok[ti] == TOK_ONE || tok[ti] == fold(c, icase))) {
            ti++;
            si = next;
            continue;
        }
        if (star_t == SIZE_MAX)
            return false;
        ti = star_t + 1;
        star_s += fu_utf8_seq((unsigned char)s[star_s]);
        si = star_s;
    }
    while (ti < nt && tok[ti] == TOK_ANY)
        ti++;
    return ti == nt;
}

bool ko_sql_like_exec(const ko_sql_like *lk, const char *s, size_t n)
{
    const char *lit = lk->lit;
    size_t ln = lk->lit_len;
    switch (lk->shape) {
    case LIKE_ALL:
        return true;
    case LIKE_EXACT:
        return n == ln && (ln == 0 || memcmp(s, lit, ln) == 0);
    case LIKE_PREFIX:
        return n >= ln && (ln == 0 || memcmp(s, lit, ln) == 0);
    case LIKE_SUFFIX:
        return n >= ln && (ln == 0 || memcmp(s + n - ln, lit, ln) == 0);
    case LIKE_CONTAINS:
        return ln == 0 || (n >= ln && memmem(s, n, lit, ln) != NULL);
    default:
        return match_general(lk->tok, lk->n_tok, lk->icase, s, n);
    }
}

ko_status ko_sql_like_match(const char *s, size_t slen, const char *pat, size_t plen,
                            const char *esc, size_t elen, bool icase, bool *out, ko_err *err)
{
    int32_t e;
    ko_status st = escape_char(esc, elen, &e, err);
    if (st != KO_OK)
        return st;
    int32_t small[256];
    int32_t *tok = small;
    if (plen + 1 > KO_ARRAY_LEN(small)) {
        /* Long patterns: fall back to compiling into a temporary arena. */
        ko_arena a = {0};
        const ko_sql_like *lk = NULL;
        st = ko_sql_like_compile(pat, plen, esc, elen, icase, &a, &lk, err);
        if (st == KO_OK)
            *out = ko_sql_like_exec(lk, s, slen);
        ko_arena_free(&a);
        return st;
    }
    ko_sql_like lk = {0};
    lk.icase = icase;
    st = build(&lk, pat ? pat : "", plen, e, tok, NULL, err);
    if (st == KO_OK)
        *out = match_general(lk.tok, lk.n_tok, icase, s ? s : "", slen);
    return st;
}
