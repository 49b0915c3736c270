/*
 * parse_int.h - internals shared by the SQL lexer (lex.c) and the parser
 * (parse.c, parse_expr.c, parse_query.c, parse_stmt.c).  Not a public API.
 *
 * The lexer is lazy: the parser asks for tokens through a small ring of
 * lookahead (PARSE_LA tokens), so memory does not grow with the script.
 * Errors unwind with longjmp to ko_sql_parse_ex (every node lives in the
 * caller's arena, so there is nothing to free on the way out); that keeps
 * the recursive-descent functions short.
 */
#ifndef KO_SQL_PARSE_INT_H
#define KO_SQL_PARSE_INT_H

#include <setjmp.h>

#include "sql/ast.h"

/* Keywords, sorted (the lexer binary-searches their spelling). */
/* clang-format off */
#define KO_SQL_KEYWORDS(X) \
    X(ALL) X(ALTER) X(ANALYZE) X(AND) X(ANTI) X(ANY) X(ARRAY) X(AS) X(ASC) X(BETWEEN)        \
    X(BOTH) X(BY) X(CASCADE) X(CASE) X(CAST) X(COLUMN) X(COLUMNS) X(COMMENT) X(CREATE)       \
    X(CROSS) X(CURRENT) X(DATA) X(DEFAULT) X(DELETE) X(DESC) X(DESCRIBE) X(DISTINCT) X(DROP) \
    X(ELSE) X(END) X(ESCAPE) X(EXCEPT) X(EXCLUDE) X(EXISTS) X(EXPLAIN) X(EXTRACT) X(FALSE)   \
    X(FETCH) X(FILTER) X(FIRST) X(FOLLOWING) X(FOR) X(FROM) X(FULL) X(GLOBAL) X(GROUP)       \
    X(GROUPS) X(HAVING) X(IF) X(IGNORE) X(ILIKE) X(IN) X(INNER) X(INSERT) X(INTERSECT)       \
    X(INTERVAL) X(INTO) X(IS) X(ISNULL) X(JOIN) X(LAST) X(LATERAL) X(LEADING) X(LEFT)        \
    X(LIKE) X(LIMIT) X(LOCAL) X(MATERIALIZED) X(NAME) X(NATURAL) X(NEXT) X(NOT) X(NOTNULL)   \
    X(NULL) X(NULLS) X(OF) X(OFFSET) X(ON) X(ONLY) X(OR) X(ORDER) X(ORDINALITY) X(OUTER)     \
    X(OVER) X(OVERWRITE) X(PARTITION) X(PARTITIONED) X(POSITION) X(PRECEDING) X(PROPERTIES)  \
    X(QUALIFY) X(RANGE) X(RECURSIVE) X(RENAME) X(REPLACE) X(RESET) X(RESPECT) X(RIGHT)       \
    X(ROW) X(ROWS) X(SCHEMA) X(SCHEMAS) X(SELECT) X(SEMI) X(SESSION) X(SET) X(SHOW) X(SOME)  \
    X(SUBSTRING) X(SYMMETRIC) X(TABLE) X(TABLES) X(TBLPROPERTIES) X(THEN) X(TIES) X(TO)      \
    X(TRAILING) X(TRIM) X(TRUE) X(TRY_CAST) X(TYPE) X(UNBOUNDED) X(UNION) X(UNNEST)          \
    X(UPDATE) X(USE) X(USING) X(VALUES) X(VERBOSE) X(VERSION) X(WHEN) X(WHERE) X(WINDOW)     \
    X(WITH)
/* clang-format on */

#define KO_SQL_KW_ENUM(k) KW_##k,
typedef enum kw_id { KW_NONE = 0, KO_SQL_KEYWORDS(KO_SQL_KW_ENUM) KW__COUNT } kw_id;
#undef KO_SQL_KW_ENUM

typedef enum tok_type {
    T_EOF = 0,
    T_IDENT,   /* word; kw says whether it is a keyword */
    T_QIDENT,  /* "quoted" */
    T_STRING,  /* 'text' */
    T_ESTRING, /* E'text' with backslash escapes */
    T_INT,     /* 123 */
    T_DECIMAL, /* 1.5, .5, 1. */
    T_FLOAT,   /* 1e3, 1.5e-3 */
    T_PARAM,   /* ? or $n */
    T_LPAREN,
    T_RPAREN,
    T_LBRACKET,
    T_RBRACKET,
    T_LBRACE,
    T_RBRACE,
    T_COMMA,
    T_SEMI,
    T_DOT,
    T_COLON,
    T_DCOLON,
    T_PLUS,
    T_MINUS,
    T_STAR,
    T_SLASH,
    T_DSLASH, /* // */
    T_PERCENT,
    T_CONCAT,
    T_EQ,
    T_NE,
    T_LT,
    T_LE,
    T_GT,
    T_GE,
} tok_type;

typedef struct ko_sql_tok {
    tok_type type;
    kw_id kw; /* T_IDENT only */
    uint32_t off;
    uint32_t len;
    uint32_t line;
    uint32_t col;
} ko_sql_tok;

typedef struct ko_sql_lexer {
    const char *src;
    size_t len;
    size_t pos;
    uint32_t line;
    size_t line_start;
} ko_sql_lexer;

enum { PARSE_LA = 8, PARSE_MAX_EXPECT = 24 };

typedef struct ko_sql_parser {
    const char *src;
    size_t len;
    ko_arena *arena;
    ko_err *err;
    ko_sql_pos err_pos;
    jmp_buf jmp;
    ko_sql_lexer lx;
    ko_sql_tok la[PARSE_LA]; /* ring of lookahead tokens */
    unsigned la_head;        /* index of the current token in la */
    unsigned la_n;           /* tokens lexed ahead, >= 1 after start */
    uint64_t tok_index;      /* number of tokens consumed */
    uint32_t prev_end;       /* end offset of the last consumed token */
    uint32_t depth;
    uint32_t max_depth;
    int32_t next_param;
    /* What the parser looked for at token tok_index, for messages. */
    uint64_t expect_at;
    const char *expect[PARSE_MAX_EXPECT];
    unsigned n_expect;
    /* A bare alias taken at this token index (misspelt keyword heuristic). */
    uint64_t alias_at;
    const char *alias_expect[PARSE_MAX_EXPECT];
    unsigned n_alias_expect;
} ko_sql_parser;

/* ---- lex.c */
void ko_sql_lex_init(ko_sql_lexer *lx, const char *src, size_t len);
/* Lexes the next token; errors go through ko_sql_fail_at. */
void ko_sql_lex_next(ko_sql_parser *p, ko_sql_tok *t);
const char *ko_sql_kw_name(kw_id kw);
kw_id ko_sql_kw_lookup(const char *s, size_t n);
/* Reserved words cannot be bare column names, table names or aliases. */
bool ko_sql_kw_reserved(kw_id kw);
/* Checks encoding: no NUL bytes, valid UTF-8.  Fails through the parser. */
void ko_sql_check_text(ko_sql_parser *p);

/* ---- parse.c: errors */
_Noreturn void ko_sql_fail_at(ko_sql_parser *p, ko_sql_pos pos, const char *fmt, ...)
    KO_PRINTF(3, 4);
_Noreturn void ko_sql_fail(ko_sql_parser *p, const char *fmt, ...) KO_PRINTF(2, 3);
/* "expected <what was looked for>, found <current token>" at the current token. */
_Noreturn void ko_sql_fail_expected(ko_sql_parser *p, const char *what);
_Noreturn void ko_sql_nomem(ko_sql_parser *p);

/* ---- parse.c: tokens */
const ko_sql_tok *ko_sql_peek(ko_sql_parser *p, unsigned k); /* k < PARSE_LA */
const ko_sql_tok *ko_sql_cur(ko_sql_parser *p);
void ko_sql_advance(ko_sql_parser *p);
ko_sql_pos ko_sql_tok_pos(const ko_sql_tok *t);
ko_sql_pos ko_sql_cur_pos(ko_sql_parser *p);
/* Records an expectation at the current token (for error messages). */
void ko_sql_note(ko_sql_parser *p, const char *what);
bool ko_sql_is_kw(ko_sql_parser *p, kw_id kw);
bool ko_sql_is_kw_at(ko_sql_parser *p, unsigned k, kw_id kw);
bool ko_sql_is(ko_sql_parser *p, tok_type t);
bool ko_sql_accept_kw(ko_sql_parser *p, kw_id kw); /* notes kw when absent */
bool ko_sql_accept(ko_sql_parser *p, tok_type t);  /* notes t when absent */
void ko_sql_expect_kw(ko_sql_parser *p, kw_id kw);
void ko_sql_expect(ko_sql_parser *p, tok_type t);
const char *ko_sql_tok_name(tok_type t);
/* Nesting guard: enter fails with "nested too deeply"; leave undoes. */
void ko_sql_enter(ko_sql_parser *p);
void ko_sql_leave(ko_sql_parser *p);

/* ---- parse.c: memory, names */
void *ko_sql_alloc(ko_sql_parser *p, size_t n);
char *ko_sql_strndup(ko_sql_parser *p, const char *s, size_t n);
/* Growable array in the arena while parsing (copied compactly at the end). */
typedef struct ko_sql_vec {
    void *data;
    size_t n;
    size_t cap;
} ko_sql_vec;
void *ko_sql_vec_push(ko_sql_parser *p, ko_sql_vec *v, size_t elem);
/* True if the current token can be an identifier (not reserved). */
bool ko_sql_is_ident(ko_sql_parser *p);
bool ko_sql_is_ident_at(ko_sql_parser *p, unsigned k);
ko_sql_ident ko_sql_ident_parse(ko_sql_parser *p, const char *what);
/* Any word, reserved or not (after a dot, struct field names). */
ko_sql_ident ko_sql_word_parse(ko_sql_parser *p, const char *what);
/* ident (. ident)*; what names it in messages ("table name"). */
ko_sql_qname ko_sql_qname_parse(ko_sql_parser *p, const char *what);
/* ( ident, ... ) */
void ko_sql_ident_list(ko_sql_parser *p, ko_sql_ident **out, size_t *n);
/* Optional [AS] alias; bare aliases must not be reserved words.  Returns
 * NULL if absent. */
ko_sql_ident *ko_sql_alias_parse(ko_sql_parser *p);
/* Folds ASCII to lower case into the arena. */
char *ko_sql_fold(ko_sql_parser *p, const char *s, size_t n);
int64_t ko_sql_int_value(ko_sql_parser *p, const ko_sql_tok *t);

/* ---- parse_expr.c */
enum {
    PREC_OR = 1,
    PREC_AND,
    PREC_NOT,
    PREC_CMP, /* comparison, IS, IN, BETWEEN, LIKE */
    PREC_ADD, /* + - || */
    PREC_MUL, /* * / % */
    PREC_UNARY,
};
ko_sql_expr *ko_sql_expr_parse(ko_sql_parser *p);
ko_sql_expr *ko_sql_expr_prec(ko_sql_parser *p, int prec);
ko_sql_expr *ko_sql_expr_new(ko_sql_parser *p, ko_sql_expr_kind kind, ko_sql_pos pos);
void ko_sql_expr_list(ko_sql_parser *p, ko_sql_expr ***out, size_t *n);
ko_sql_type *ko_sql_type_parse(ko_sql_parser *p);
void ko_sql_order_list(ko_sql_parser *p, ko_sql_order_item **out, size_t *n);
ko_sql_window *ko_sql_window_spec(ko_sql_parser *p);
ko_sql_expr *ko_sql_star_parse(ko_sql_parser *p, ko_sql_qname qual, ko_sql_pos pos);

/* ---- parse_call.c: function calls and the special call syntaxes */
ko_sql_expr *ko_sql_call_parse(ko_sql_parser *p, ko_sql_qname name);
/* CURRENT_DATE, CURRENT_TIMESTAMP ... without parentheses; NULL if not one. */
ko_sql_expr *ko_sql_niladic_parse(ko_sql_parser *p);

/* ---- parse_lit.c: literals */
/* A number, string, NULL, TRUE, FALSE or INTERVAL literal at the current
 * token; negate: a '-' was consumed before the number. */
ko_sql_expr *ko_sql_literal_parse(ko_sql_parser *p, bool negate);
/* DATE '...', TIMESTAMP '...', any type name followed by a string; NULL if
 * the current tokens are not one. */
ko_sql_expr *ko_sql_typed_literal_parse(ko_sql_parser *p);
/* The unescaped text of a string token (kind KO_SQL_LIT_STRING). */
ko_sql_literal ko_sql_string_value(ko_sql_parser *p, const ko_sql_tok *t);

/* ---- parse_type.c */
/* The type a word (folded) names, or 0. */
ko_sql_type_kind ko_sql_type_word(const char *word);

/* ---- parse_query.c */
ko_sql_query *ko_sql_query_parse(ko_sql_parser *p);
/* True if the tokens ahead start a query (SELECT, WITH, VALUES, or '(' of one). */
bool ko_sql_starts_query(ko_sql_parser *p, unsigned k);

/* ---- parse_stmt.c */
ko_sql_stmt *ko_sql_stmt_parse(ko_sql_parser *p);
void ko_sql_property_list(ko_sql_parser *p, ko_sql_property **out, size_t *n);

#endif /* KO_SQL_PARSE_INT_H */
