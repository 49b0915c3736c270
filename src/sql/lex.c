/*
 * lex.c - the SQL lexer: bytes to tokens, one token per call.
 *
 * Tokens are positions in the source (offset, length, line, column) plus a
 * type; the parser decodes their text (folding identifiers, unescaping
 * strings, converting numbers) only when it builds a node.  Whitespace and
 * comments (-- to end of line, nested block comments) are skipped.  Errors
 * (an unterminated string, comment or quoted identifier, which names where
 * it started; a stray character; a malformed number) go through
 * ko_sql_fail_at and never return.
 *
 * ko_sql_check_text validates the whole script first (no NUL bytes, valid
 * UTF-8 with no overlong forms or surrogates), so the lexer itself only
 * looks at ASCII and treats bytes >= 0x80 as parts of identifiers.
 */
#include "sql/parse_int.h"

#include <string.h>

#define KO_SQL_KW_NAME(k) #k,
static const char *const kw_names[] = {"", KO_SQL_KEYWORDS(KO_SQL_KW_NAME)};
#undef KO_SQL_KW_NAME

/* Words that may not be bare identifiers (column, table or alias names). */
static const bool reserved[KW__COUNT] = {
    [KW_ALL] = true,      [KW_AND] = true,      [KW_ANY] = true,      [KW_AS] = true,
    [KW_ASC] = true,      [KW_BETWEEN] = true,  [KW_BOTH] = true,     [KW_CASE] = true,
    [KW_CAST] = true,     [KW_CREATE] = true,   [KW_CROSS] = true,    [KW_DESC] = true,
    [KW_DISTINCT] = true, [KW_ELSE] = true,     [KW_END] = true,      [KW_EXCEPT] = true,
    [KW_EXISTS] = true,   [KW_FALSE] = true,    [KW_FETCH] = true,    [KW_FOR] = true,
    [KW_FROM] = true,     [KW_FULL] = true,     [KW_GROUP] = true,    [KW_HAVING] = true,
    [KW_ILIKE] = true,    [KW_IN] = true,       [KW_INNER] = true,    [KW_INTERSECT] = true,
    [KW_INTO] = true,     [KW_IS] = true,       [KW_ISNULL] = true,   [KW_JOIN] = true,
    [KW_LATERAL] = true,  [KW_LEADING] = true,  [KW_LEFT] = true,     [KW_LIKE] = true,
    [KW_LIMIT] = true,    [KW_NATURAL] = true,  [KW_NOT] = true,      [KW_NOTNULL] = true,
    [KW_NULL] = true,     [KW_OFFSET] = true,   [KW_ON] = true,       [KW_OR] = true,
    [KW_ORDER] = true,    [KW_OUTER] = true,    [KW_QUALIFY] = true,  [KW_RIGHT] = true,
    [KW_SELECT] = true,   [KW_SOME] = true,     [KW_TABLE] = true,    [KW_THEN] = true,
    [KW_TO] = true,       [KW_TRAILING] = true, [KW_TRUE] = true,     [KW_UNION] = true,
    [KW_USING] = true,    [KW_VALUES] = true,   [KW_WHEN] = true,     [KW_WHERE] = true,
    [KW_WINDOW] = true,   [KW_WITH] = true,     [KW_TRY_CAST] = true,
};

const char *ko_sql_kw_name(kw_id kw)
{
    return (kw > KW_NONE && kw < KW__COUNT) ? kw_names[kw] : "";
}

bool ko_sql_kw_reserved(kw_id kw)
{
    return kw > KW_NONE && kw < KW__COUNT && reserved[kw];
}

/* Compares the word s[0..n) case-insensitively with an upper-case keyword. */
static int kw_cmp(const char *s, size_t n, const char *kw)
{
    size_t i = 0;
    for (; i < n && kw[i]; i++) {
        int c = (unsigned char)s[i];
        if (c >= 'a' && c <= 'z')
            c -= 'a' - 'A';
        if (c != (unsigned char)kw[i])
            return c - (unsigned char)kw[i];
    }
    if (i < n)
        return 1;
    return kw[i] ? -1 : 0;
}

kw_id ko_sql_kw_lookup(const char *s, size_t n)
{
    if (n < 2 || n > 14)
        return KW_NONE;
    size_t lo = 1, hi = KW__COUNT; /* [lo, hi) */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = kw_cmp(s, n, kw_names[mid]);
        if (c == 0)
            return (kw_id)mid;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return KW_NONE;
}

/* ------------------------------------------------------------ encoding */

/* Length of the valid UTF-8 sequence at s[0..n), or 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t need;
    unsigned min;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        need = 2;
        min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 3;
        min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4;
        min = 0x10000;
    } else {
        return 0;
    }
    if (n < need)
        return 0;
    unsigned cp = c & (0x3Fu >> (need - 1));
    for (size_t i = 1; i < need; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return need;
}

void ko_sql_check_text(ko_sql_parser *p)
{
    const unsigned char *s = (const unsigned char *)p->src;
    size_t i = 0;
    while (i < p->len) {
        if (s[i] == 0)
            ko_sql_fail_at(p, ko_sql_pos_at(p->src, p->len, i), "NUL byte in SQL text");
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        size_t l = utf8_len(s + i, p->len - i);
        if (l == 0)
            ko_sql_fail_at(p, ko_sql_pos_at(p->src, p->len, i),
                           "invalid UTF-8 byte 0x%02x in SQL text", s[i]);
        i += l;
    }
}

/* --------------------------------------------------------------- lexer */

void ko_sql_lex_init(ko_sql_lexer *lx, const char *src, size_t len)
{
    memset(lx, 0, sizeof *lx);
    lx->src = src;
    lx->len = len;
    lx->line = 1;
}

static ko_sql_pos lex_pos(const ko_sql_lexer *lx, size_t off)
{
    ko_sql_pos pos = {(uint32_t)off, lx->line, (uint32_t)(off - lx->line_start + 1)};
    return pos;
}

static int lx_at(const ko_sql_lexer *lx, size_t i)
{
    return i < lx->len ? (unsigned char)lx->src[i] : -1;
}

static void newline(ko_sql_lexer *lx, size_t nl_off)
{
    lx->line++;
    lx->line_start = nl_off + 1;
}

static void skip_block_comment(ko_sql_parser *p)
{
    ko_sql_lexer *lx = &p->lx;
    ko_sql_pos start = lex_pos(lx, lx->pos);
    int nest = 0;
    while (lx->pos < lx->len) {
        int c = lx_at(lx, lx->pos);
        if (c == '/' && lx_at(lx, lx->pos + 1) == '*') {
            nest++;
            lx->pos += 2;
        } else if (c == '*' && lx_at(lx, lx->pos + 1) == '/') {
            lx->pos += 2;
            if (--nest == 0)
                return;
        } else {
            if (c == '\n')
                newline(lx, lx->pos);
            lx->pos++;
        }
    }
    ko_sql_fail_at(p, start, "unterminated /* comment */ starting here");
}

static void skip_space(ko_sql_parser *p)
{
    ko_sql_lexer *lx = &p->lx;
    for (;;) {
        int c = lx_at(lx, lx->pos);
        if (c == '\n') {
            newline(lx, lx->pos);
            lx->pos++;
        } else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
            lx->pos++;
        } else if (c == '-' && lx_at(lx, lx->pos + 1) == '-') {
            while (lx->pos < lx->len && lx->src[lx->pos] != '\n')
                lx->pos++;
        } else if (c == '/' && lx_at(lx, lx->pos + 1) == '*') {
            skip_block_comment(p);
        } else {
            return;
        }
    }
}

static bool is_ident_start(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

static bool is_ident_char(int c)
{
    return is_ident_start(c) || (c >= '0' && c <= '9') || c == '$';
}

static bool is_digit(int c)
{
    return c >= '0' && c <= '9';
}

/* A quoted run: 'string', "ident"; a doubled quote is an escaped quote;
 * with backslashes (E'...'), a backslash escapes the next character. */
static void lex_quoted(ko_sql_parser *p, ko_sql_tok *t, int quote, bool backslash)
{
    ko_sql_lexer *lx = &p->lx;
    ko_sql_pos start = lex_pos(lx, t->off);
    size_t i = lx->pos + 1;
    for (;;) {
        int c = lx_at(lx, i);
        if (c < 0) {
            ko_sql_fail_at(p, start, "unterminated %s starting here",
                           quote == '"' ? "quoted identifier" : "string literal");
        }
        if (c == '\n')
            newline(lx, i);
        if (backslash && c == '\\' && i + 1 < lx->len) {
            if (lx->src[i + 1] == '\n')
                newline(lx, i + 1);
            i += 2;
            continue;
        }
        if (c == quote) {
            if (lx_at(lx, i + 1) == quote) {
                i += 2;
                continue;
            }
            lx->pos = i + 1;
            return;
        }
        i++;
    }
}

static void lex_number(ko_sql_parser *p, ko_sql_tok *t)
{
    ko_sql_lexer *lx = &p->lx;
    size_t i = lx->pos;
    t->type = T_INT;
    while (is_digit(lx_at(lx, i)))
        i++;
    if (lx_at(lx, i) == '.' && lx_at(lx, i + 1) != '.') {
        t->type = T_DECIMAL;
        i++;
        while (is_digit(lx_at(lx, i)))
            i++;
    }
    int c = lx_at(lx, i);
    if (c == 'e' || c == 'E') {
        size_t j = i + 1;
        if (lx_at(lx, j) == '+' || lx_at(lx, j) == '-')
            j++;
        if (!is_digit(lx_at(lx, j)))
            ko_sql_fail_at(p, lex_pos(lx, t->off), "invalid number: missing exponent digits");
        while (is_digit(lx_at(lx, j)))
            j++;
        t->type = T_FLOAT;
        i = j;
    }
    if (is_ident_char(lx_at(lx, i)))
        ko_sql_fail_at(p, lex_pos(lx, t->off), "invalid number: '%.*s' is followed by '%c'",
                       (int)(i - t->off), lx->src + t->off, lx->src[i]);
    lx->pos = i;
}

static void lex_word(ko_sql_parser *p, ko_sql_tok *t)
{
    ko_sql_lexer *lx = &p->lx;
    size_t i = lx->pos;
    if ((lx->src[i] == 'e' || lx->src[i] == 'E') && lx_at(lx, i + 1) == '\'') {
        t->type = T_ESTRING;
        lx->pos = i + 1;
        lex_quoted(p, t, '\'', true);
        return;
    }
    while (is_ident_char(lx_at(lx, i)))
        i++;
    t->type = T_IDENT;
    t->kw = ko_sql_kw_lookup(lx->src + lx->pos, i - lx->pos);
    lx->pos = i;
}

static void lex_param(ko_sql_parser *p, ko_sql_tok *t)
{
    ko_sql_lexer *lx = &p->lx;
    size_t i = lx->pos + 1;
    if (lx->src[lx->pos] == '$') {
        if (!is_digit(lx_at(lx, i)))
            ko_sql_fail_at(p, lex_pos(lx, t->off), "expected a parameter number after '$'");
        while (is_digit(lx_at(lx, i)))
            i++;
        if (i - lx->pos > 6)
            ko_sql_fail_at(p, lex_pos(lx, t->off), "parameter number too large");
    }
    t->type = T_PARAM;
    lx->pos = i;
}

typedef struct punct {
    char s[3];
    tok_type type;
} punct;

static const punct puncts[] = {
    {"::", T_DCOLON},  {"||", T_CONCAT},  {"<>", T_NE},     {"!=", T_NE},    {"<=", T_LE},
    {">=", T_GE},      {"==", T_EQ},      {"//", T_DSLASH}, {"(", T_LPAREN}, {")", T_RPAREN},
    {"[", T_LBRACKET}, {"]", T_RBRACKET}, {"{", T_LBRACE},  {"}", T_RBRACE}, {",", T_COMMA},
    {";", T_SEMI},     {".", T_DOT},      {":", T_COLON},   {"+", T_PLUS},   {"-", T_MINUS},
    {"*", T_STAR},     {"/", T_SLASH},    {"%", T_PERCENT}, {"=", T_EQ},     {"<", T_LT},
    {">", T_GT},
};

static void lex_punct(ko_sql_parser *p, ko_sql_tok *t)
{
    ko_sql_lexer *lx = &p->lx;
    int c = lx_at(lx, lx->pos), c2 = lx_at(lx, lx->pos + 1);
    for (size_t i = 0; i < KO_ARRAY_LEN(puncts); i++) {
        const punct *u = &puncts[i];
        if (c == u->s[0] && (u->s[1] == 0 || c2 == u->s[1])) {
            t->type = u->type;
            lx->pos += u->s[1] ? 2 : 1;
            return;
        }
    }
    if (c >= 0x21 && c < 0x7F)
        ko_sql_fail_at(p, lex_pos(lx, t->off), "unexpected character '%c'", c);
    ko_sql_fail_at(p, lex_pos(lx, t->off), "unexpected character 0x%02x", (unsigned)c);
}

void ko_sql_lex_next(ko_sql_parser *p, ko_sql_tok *t)
{
    ko_sql_lexer *lx = &p->lx;
    skip_space(p);
    memset(t, 0, sizeof *t);
    t->off = (uint32_t)lx->pos;
    t->line = lx->line;
    t->col = (uint32_t)(lx->pos - lx->line_start + 1);
    int c = lx_at(lx, lx->pos);
    if (c < 0) {
        t->type = T_EOF;
    } else if (is_digit(c) || (c == '.' && is_digit(lx_at(lx, lx->pos + 1)))) {
        lex_number(p, t);
    } else if (is_ident_start(c)) {
        lex_word(p, t);
    } else if (c == '\'') {
        t->type = T_STRING;
        lex_quoted(p, t, '\'', false);
    } else if (c == '"') {
        t->type = T_QIDENT;
        lex_quoted(p, t, '"', false);
    } else if (c == '?' || c == '$') {
        lex_param(p, t);
    } else {
        lex_punct(p, t);
    }
    t->len = (uint32_t)(lx->pos - t->off);
}
