/*
 * func_like.c - LIKE / ILIKE pattern matching (see func_like.h).
 *
 * A pattern is first turned into tokens: code points (escapes resolved,
 * lower-cased for ILIKE), TOK_ONE for `_` and TOK_ANY for `%` (runs of `%`
 * collapse into one).  Shapes that need no wildcard logic are recognised
 * from the tokens and matched with memcmp / memchr on the literal bytes
 * (a case-sensitive pattern without `_`, such as '%special%requests%', is
 * its literal pieces found in order, leftmost first, which is exact for
 * such patterns); the rest go through a greedy matcher that remembers the
 * last `%` and retries from one character further on a mismatch.  That is
 * complete for patterns made of literals, `_` and `%`.  The executor's
 * LIKE operator (expr.c) and the `~~` functions (func_string.c) both use
 * this file, so there is one LIKE.
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
    LIKE_PIECES,   /* literals and '%' only: 'a%b', '%a%b%' */
    LIKE_GENERAL,
} like_shape;

struct ko_sql_like {
    like_shape shape;
    bool icase;
    const int32_t *tok;
    size_t n_tok;
    const char *lit; /* literal bytes (UTF-8) for the simple shapes */
    size_t lit_len;
    size_t *piece; /* LIKE_PIECES: byte length of each piece in lit */
    size_t n_piece;
    bool open_start, open_end; /* LIKE_PIECES: a '%' first / last */
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
    if (!all_literal(tok, a, b)) {
        for (size_t i = 0; i < n; i++)
            if (tok[i] == TOK_ONE)
                return LIKE_GENERAL;
        return LIKE_PIECES;
    }
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

/* LIKE_PIECES: the literal runs between '%'s, as bytes in lit and their
 * lengths in piece (room for n_tok). */
static void split_pieces(ko_sql_like *lk, char *lit, size_t *piece)
{
    const int32_t *tok = lk->tok;
    size_t n = lk->n_tok, len = 0;
    lk->lit = lit;
    lk->piece = piece;
    lk->open_start = tok[0] == TOK_ANY;
    lk->open_end = tok[n - 1] == TOK_ANY;
    for (size_t i = 0; i < n; i++) {
        if (tok[i] != TOK_ANY) {
            len += fu_utf8_put((uint32_t)tok[i], lit + lk->lit_len + len);
            continue;
        }
        if (len)
            piece[lk->n_piece++] = len;
        lk->lit_len += len;
        len = 0;
    }
    if (len)
        piece[lk->n_piece++] = len;
    lk->lit_len += len;
}

static ko_status build(ko_sql_like *lk, const char *pat, size_t plen, int32_t esc, int32_t *tok,
                       char *litbuf, size_t *piecebuf, ko_err *err)
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
    if (lk->shape == LIKE_PIECES) {
        if (!litbuf) {
            lk->shape = LIKE_GENERAL;
            return KO_OK;
        }
        split_pieces(lk, litbuf, piecebuf);
    } else if (lk->shape != LIKE_GENERAL && lk->shape != LIKE_ALL && litbuf) {
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
    size_t *piece = ko_arena_alloc(arena, (plen + 1) * sizeof *piece);
    if (!lk || !tok || !lit || !piece)
        return ko_err_set(err, KO_ERR_NOMEM, "LIKE: out of memory compiling a pattern");
    lk->icase = icase;
    st = build(lk, pat ? pat : "", plen, e, tok, lit, piece, err);
    if (st == KO_OK)
        *out = lk;
    return st;
}

/* The first position from si where token t (after a '%') may match: for an
 * ASCII literal, the next byte equal to it (either case for ILIKE; any
 * non-ASCII byte too, as some fold to ASCII); else si itself. */
static size_t skip_to(int32_t t, bool icase, const char *s, size_t si, size_t n)
{
    if (t < 0 || t >= 0x80 || si >= n)
        return si;
    if (!icase) {
        const char *f = memchr(s + si, t, n - si);
        return f ? (size_t)(f - s) : n;
    }
    int up = t >= 'a' && t <= 'z' ? t - 32 : t;
    for (; si < n; si++) {
        unsigned char b = (unsigned char)s[si];
        if (b == t || b == up || b >= 0x80)
            return si;
    }
    return n;
}

/* Greedy matcher over tokens with one backtrack point. */
static bool match_general(const int32_t *tok, size_t nt, bool icase, const char *s, size_t n)
{
    size_t ti = 0, si = 0, star_t = SIZE_MAX, star_s = 0;
    while (si < n) {
        if (ti < nt && tok[ti] == TOK_ANY) {
            star_t = ti++;
            star_s = si = ti < nt ? skip_to(tok[ti], icase, s, si, n) : si;
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
        star_s = si = ti < nt ? skip_to(tok[ti], icase, s, star_s, n) : star_s;
    }
    while (ti < nt && tok[ti] == TOK_ANY)
        ti++;
    return ti == nt;
}

/* The first occurrence of p (np > 0 bytes) in s: memchr for its first
 * byte, then memcmp (glibc's memmem costs more on short strings). */
static const char *find_piece(const char *s, size_t ns, const char *p, size_t np)
{
    const char *end = s + ns;
    while ((size_t)(end - s) >= np) {
        const char *f = memchr(s, (unsigned char)p[0], (size_t)(end - s) - np + 1);
        if (!f)
            return NULL;
        if (memcmp(f + 1, p + 1, np - 1) == 0)
            return f;
        s = f + 1;
    }
    return NULL;
}

/* LIKE_PIECES (at least two pieces): the first anchored at the start
 * unless a '%' leads, the last at the end unless a '%' trails, the others
 * found leftmost in order. */
static bool match_pieces(const ko_sql_like *lk, const char *s, size_t ns)
{
    const char *p = lk->lit;
    size_t n = lk->n_piece, pos = 0, k = 0;
    if (!lk->open_start) {
        if (ns < lk->piece[0] || memcmp(s, p, lk->piece[0]) != 0)
            return false;
        pos = lk->piece[0];
        p += lk->piece[k++];
    }
    size_t last = lk->open_end ? n : n - 1;
    for (; k < last; p += lk->piece[k++]) {
        const char *f = find_piece(s + pos, ns - pos, p, lk->piece[k]);
        if (!f)
            return false;
        pos = (size_t)(f - s) + lk->piece[k];
    }
    if (lk->open_end)
        return true;
    size_t l = lk->piece[n - 1];
    return ns - pos >= l && memcmp(s + ns - l, p, l) == 0;
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
        return ln == 0 || find_piece(s, n, lit, ln) != NULL;
    case LIKE_PIECES:
        return match_pieces(lk, s, n);
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
    st = build(&lk, pat ? pat : "", plen, e, tok, NULL, NULL, err);
    if (st == KO_OK)
        *out = match_general(lk.tok, lk.n_tok, icase, s ? s : "", slen);
    return st;
}
