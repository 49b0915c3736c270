/*
 * ast.h - the SQL front end: lexer, parser and abstract syntax tree.
 *
 * ko_sql_parse() turns a script of ;-separated statements into trees of the
 * plain structs below.  The dialect is close to DuckDB's and Trino's.  The
 * parser does no name resolution and no typing: that is the binder's job
 * (src/sql/ binder/planner), which walks these trees.
 *
 * Memory.  Every node, array and string of a parse result lives in the arena
 * the caller passes in; nothing points into the source text, so the text may
 * be freed after parsing.  Nodes are never shared (a tree, not a DAG).
 * Arrays are (pointer, count) pairs; a count of 0 may come with a NULL
 * pointer.  Optional children are NULL when absent.
 *
 * Positions.  Every node carries a ko_sql_pos: the byte offset, 1-based line
 * and 1-based column (in bytes) of its first token.  Expressions also carry
 * `end`, the byte offset just past their last token, so that
 * text[pos.off, end) is the expression as written (DuckDB-style default
 * column names such as "sum(x)").  ko_sql_error_at() formats an error at a
 * position with the source line and a caret; later stages use it too.
 *
 * Names.  An unquoted identifier is case-insensitive: `name` holds it folded
 * to lower case (ASCII only), `text` as written.  A quoted identifier ("Foo",
 * "t$snapshots", "" escapes a quote) keeps its case in both.  Keywords that
 * are not reserved may be used as names (a column called `date`, `year`).
 *
 * Expressions are not resolved: `a.b.c` is a KO_SQL_E_COLUMN with three name
 * parts, which may be column c of table a.b, field c of struct column a.b, or
 * field b.c of column a; the binder decides.  Only field access on something
 * that is not a plain name, such as (x).f or f(x).g or m['k'].f, is a
 * KO_SQL_E_FIELD node.
 *
 * Limits.  Nesting deeper than KO_SQL_MAX_DEPTH (parentheses, subqueries,
 * operators, CASE, casts, types ...) is refused with "expression nested too
 * deeply".  The parser counts every level of recursion and every link of a
 * left-deep chain (a + b + c ..., x[1][2], t1 JOIN t2 JOIN ..., UNION
 * chains), so the height of every returned tree is bounded by a small
 * multiple of KO_SQL_MAX_DEPTH and consumers may recurse over it: at the
 * limit the parser itself needs under 1 MB of stack (4 MB with ASan).  AND
 * and OR chains are flattened into one n-ary node and IN and VALUES lists
 * are flat arrays, so those have no length limit.  Scripts longer than
 * KO_SQL_MAX_TEXT bytes, NUL bytes and invalid UTF-8 are refused.  Parsing
 * is linear in the length of the text.  An empty script (only blanks,
 * comments or ';') parses to zero statements; callers decide whether that
 * is an error.
 *
 * Errors.  On a syntax error ko_sql_parse returns KO_ERR_INVALID with a
 * message such as
 *
 *   error at line 3, column 14: expected FROM or end of statement, found
 *   'FORM' (did you mean FROM?)
 *     select a FORM t
 *              ^
 *
 * (the message, then the source line, then a caret under the column).
 */
#ifndef KO_SQL_AST_H
#define KO_SQL_AST_H

#include "base/base.h"

enum {
    KO_SQL_MAX_DEPTH = 1000,            /* nesting limit of the parser */
    KO_SQL_MAX_TEXT = 64 * 1024 * 1024, /* bytes of one script */
};

/* ----------------------------------------------------------- positions */

typedef struct ko_sql_pos {
    uint32_t off;  /* byte offset in the script */
    uint32_t line; /* 1-based */
    uint32_t col;  /* 1-based, in bytes */
} ko_sql_pos;

typedef struct ko_sql_ident {
    const char *name; /* folded to lower case unless quoted */
    const char *text; /* as written, without quotes */
    bool quoted;
    ko_sql_pos pos;
} ko_sql_ident;

/* A dotted name: ns.sub.t, t.a, ... (n >= 1). */
typedef struct ko_sql_qname {
    ko_sql_ident *parts;
    size_t n;
    ko_sql_pos pos;
} ko_sql_qname;

/* ---------------------------------------------------------------- types */

typedef enum ko_sql_type_kind {
    KO_SQL_T_BOOLEAN = 1,
    KO_SQL_T_TINYINT,
    KO_SQL_T_SMALLINT,
    KO_SQL_T_INTEGER,
    KO_SQL_T_BIGINT,
    KO_SQL_T_HUGEINT,
    KO_SQL_T_REAL, /* REAL, FLOAT, FLOAT4 */
    KO_SQL_T_DOUBLE,
    KO_SQL_T_DECIMAL, /* DECIMAL/NUMERIC[(p[,s])] */
    KO_SQL_T_VARCHAR, /* VARCHAR[(n)], STRING, TEXT, CHAR(n) (char_fixed set) */
    KO_SQL_T_BLOB,    /* BLOB, BYTEA, BINARY, VARBINARY */
    KO_SQL_T_DATE,
    KO_SQL_T_TIME,
    KO_SQL_T_TIMESTAMP,
    KO_SQL_T_TIMESTAMPTZ, /* TIMESTAMPTZ, TIMESTAMP WITH TIME ZONE */
    KO_SQL_T_INTERVAL,
    KO_SQL_T_UUID,
    KO_SQL_T_STRUCT, /* STRUCT(a INT, ...), ROW(a INT, ...) */
    KO_SQL_T_LIST,   /* T[], LIST(T), ARRAY(T), ARRAY<T> */
    KO_SQL_T_MAP,    /* MAP(K, V) */
} ko_sql_type_kind;

typedef struct ko_sql_type ko_sql_type;

typedef struct ko_sql_field_def {
    ko_sql_ident name;
    ko_sql_type *type;
} ko_sql_field_def;

struct ko_sql_type {
    ko_sql_type_kind kind;
    ko_sql_pos pos;
    int32_t precision; /* DECIMAL: -1 if not given (DuckDB default 18,3) */
    int32_t scale;     /* DECIMAL: -1 if not given */
    int32_t length;    /* VARCHAR(n), CHAR(n): -1 if not given */
    bool char_fixed;   /* written as CHAR(n) / CHARACTER(n) */
    ko_sql_type *elem; /* LIST */
    ko_sql_type *key;  /* MAP */
    ko_sql_type *value;
    ko_sql_field_def *fields; /* STRUCT */
    size_t n_fields;
};

/* ---------------------------------------------------------- expressions */

typedef struct ko_sql_expr ko_sql_expr;
typedef struct ko_sql_query ko_sql_query;
typedef struct ko_sql_window ko_sql_window;

typedef enum ko_sql_expr_kind {
    KO_SQL_E_LITERAL = 1,
    KO_SQL_E_COLUMN,      /* a, t.a, ns.t.a, s.f (unresolved dotted name) */
    KO_SQL_E_STAR,        /* *, t.* [EXCLUDE (a, b)] - select lists, count(*) */
    KO_SQL_E_PARAM,       /* ? (numbered 1, 2, ... in order) or $n */
    KO_SQL_E_UNARY,       /* - x, + x, NOT x */
    KO_SQL_E_BINARY,      /* arithmetic, comparison, || */
    KO_SQL_E_AND,         /* a AND b AND ...: list, n >= 2 (flattened) */
    KO_SQL_E_OR,          /* a OR b OR ...: list, n >= 2 (flattened) */
    KO_SQL_E_IS_NULL,     /* x IS [NOT] NULL (also ISNULL, NOTNULL) */
    KO_SQL_E_IS_BOOL,     /* x IS [NOT] TRUE / FALSE */
    KO_SQL_E_IS_DISTINCT, /* x IS [NOT] DISTINCT FROM y */
    KO_SQL_E_BETWEEN,     /* x [NOT] BETWEEN lo AND hi */
    KO_SQL_E_IN_LIST,     /* x [NOT] IN (a, b, ...) */
    KO_SQL_E_IN_QUERY,    /* x [NOT] IN (SELECT ...) */
    KO_SQL_E_QUANTIFIED,  /* x op ANY|SOME|ALL (SELECT ...) */
    KO_SQL_E_LIKE,        /* x [NOT] LIKE|ILIKE pattern [ESCAPE e] */
    KO_SQL_E_CASE,
    KO_SQL_E_CAST,      /* CAST(x AS t), TRY_CAST(x AS t), x::t */
    KO_SQL_E_FUNC,      /* f(args), aggregates, window functions */
    KO_SQL_E_EXTRACT,   /* EXTRACT(field FROM x) */
    KO_SQL_E_SUBQUERY,  /* scalar (SELECT ...) */
    KO_SQL_E_EXISTS,    /* EXISTS (SELECT ...); NOT EXISTS is NOT over it */
    KO_SQL_E_SUBSCRIPT, /* x[i], m['k'], x[a:b] (slice) */
    KO_SQL_E_FIELD,     /* (x).f: field access on a non-name */
    KO_SQL_E_LIST,      /* [a, b, c], ARRAY[a, b] */
    KO_SQL_E_STRUCT,    /* {'a': 1, 'b': x} */
} ko_sql_expr_kind;

typedef enum ko_sql_lit_kind {
    KO_SQL_LIT_NULL = 1,
    KO_SQL_LIT_BOOL,
    KO_SQL_LIT_INT,      /* fits int64: i */
    KO_SQL_LIT_DECIMAL,  /* 1.5, 123456789012345678901: text, precision, scale */
    KO_SQL_LIT_FLOAT,    /* 1e3, 1.5E-2 (and decimals wider than 38 digits): f */
    KO_SQL_LIT_STRING,   /* 'it''s', E'a\n': str (unescaped) */
    KO_SQL_LIT_TYPED,    /* DATE|TIME|TIMESTAMP|TIMESTAMPTZ|... 'str': type, str */
    KO_SQL_LIT_INTERVAL, /* INTERVAL '3 days' | INTERVAL 3 DAY | INTERVAL '1' MONTH */
} ko_sql_lit_kind;

typedef enum ko_sql_op {
    KO_SQL_OP_ADD = 1,
    KO_SQL_OP_SUB,
    KO_SQL_OP_MUL,
    KO_SQL_OP_DIV,
    KO_SQL_OP_MOD,
    KO_SQL_OP_CONCAT, /* || */
    KO_SQL_OP_EQ,
    KO_SQL_OP_NE, /* <> and != */
    KO_SQL_OP_LT,
    KO_SQL_OP_LE,
    KO_SQL_OP_GT,
    KO_SQL_OP_GE,
    KO_SQL_OP_NEG,    /* unary - */
    KO_SQL_OP_PLUS,   /* unary + */
    KO_SQL_OP_NOT,    /* unary NOT */
    KO_SQL_OP_INTDIV, /* // (DuckDB integer division), same level as * */
} ko_sql_op;

typedef struct ko_sql_literal {
    ko_sql_lit_kind kind;
    bool b;            /* BOOL */
    int64_t i;         /* INT */
    double f;          /* FLOAT */
    const char *str;   /* STRING, TYPED, INTERVAL value (unescaped); DECIMAL,
                          FLOAT and INT: the number as written, with a
                          leading '-' when a minus sign was folded in */
    size_t str_len;    /* bytes of str (str is also NUL-terminated) */
    int32_t precision; /* DECIMAL: total digits (leading zeros dropped) */
    int32_t scale;     /* DECIMAL: digits after the point */
    ko_sql_type *type; /* TYPED: the type named before the string */
    /* INTERVAL: unit as written and folded to lower case ("day", "month",
     * "year", "hour", ...; plural folded to singular), or NULL when the unit
     * is inside the string (INTERVAL '3 days'). */
    const char *unit;
} ko_sql_literal;

typedef enum ko_sql_nulls_order {
    KO_SQL_NULLS_DEFAULT = 0,
    KO_SQL_NULLS_FIRST,
    KO_SQL_NULLS_LAST,
} ko_sql_nulls_order;

typedef struct ko_sql_order_item {
    ko_sql_expr *expr; /* an integer literal is an ordinal: the binder decides */
    bool desc;
    ko_sql_nulls_order nulls;
    ko_sql_pos pos;
} ko_sql_order_item;

typedef struct ko_sql_when {
    ko_sql_expr *when;
    ko_sql_expr *then;
} ko_sql_when;

struct ko_sql_expr {
    ko_sql_expr_kind kind;
    ko_sql_pos pos;
    uint32_t end; /* byte offset just past the expression's last token */
    union {
        ko_sql_literal lit;  /* LITERAL */
        ko_sql_qname column; /* COLUMN */
        struct {
            ko_sql_qname qualifier; /* n == 0 for a bare * */
            ko_sql_ident *exclude;  /* * EXCLUDE (a, b) */
            size_t n_exclude;
        } star;
        struct {
            int32_t index; /* 1-based; ? gets the next number */
        } param;
        struct {
            ko_sql_op op;
            ko_sql_expr *arg;
        } unary;
        struct {
            ko_sql_op op;
            ko_sql_expr *left;
            ko_sql_expr *right;
        } binary;
        struct { /* AND, OR, LIST, IN_LIST (items) */
            ko_sql_expr **items;
            size_t n;
        } list;
        struct { /* IS_NULL, IS_BOOL, IS_DISTINCT */
            ko_sql_expr *arg;
            ko_sql_expr *other; /* IS_DISTINCT: right side */
            bool negated;       /* IS NOT ... */
            bool value;         /* IS_BOOL: TRUE or FALSE */
        } is;
        struct {
            ko_sql_expr *arg;
            ko_sql_expr *low;
            ko_sql_expr *high;
            bool negated;
            bool symmetric; /* BETWEEN SYMMETRIC */
        } between;
        struct {
            ko_sql_expr *arg;
            ko_sql_expr **items; /* IN_LIST */
            size_t n;
            ko_sql_query *query; /* IN_QUERY */
            bool negated;
        } in;
        struct {
            ko_sql_op op; /* EQ .. GE */
            bool all;     /* ALL; false for ANY / SOME */
            ko_sql_expr *arg;
            ko_sql_query *query;
        } quantified;
        struct {
            ko_sql_expr *arg;
            ko_sql_expr *pattern;
            ko_sql_expr *escape; /* NULL if no ESCAPE */
            bool negated;
            bool icase; /* ILIKE */
        } like;
        struct {
            ko_sql_expr *operand; /* simple CASE x WHEN ...; NULL if searched */
            ko_sql_when *whens;
            size_t n_whens;         /* >= 1 */
            ko_sql_expr *else_expr; /* NULL if no ELSE */
        } case_;
        struct {
            ko_sql_expr *arg;
            ko_sql_type *type;
            bool try_; /* TRY_CAST */
        } cast;
        struct {
            /* Name folded as an identifier: count, sum, my_ns.f ...
             * The special forms are rewritten to ordinary calls:
             *   SUBSTRING(x FROM a [FOR b]) -> substring(x, a [, b])
             *   TRIM([BOTH] [c] FROM x)     -> trim(x [, c])
             *   TRIM(LEADING [c] FROM x)    -> ltrim(x [, c])
             *   TRIM(TRAILING [c] FROM x)   -> rtrim(x [, c])
             *   POSITION(a IN b)            -> position(a, b)  (a in b)
             *   SUBSTR(x, a, b)             -> substring(x, a, b)
             *   (a, b)                      -> row(a, b)
             *   LEFT(s, n), RIGHT(s, n)     -> left / right (reserved
             *                                  words, allowed as calls)
             *   COALESCE, NULLIF, IF, ...   -> plain calls
             *   CURRENT_DATE, CURRENT_TIMESTAMP, ... without ()
             *                               -> current_date() etc. */
            ko_sql_qname name;
            ko_sql_expr **args;
            size_t n_args;
            bool distinct;            /* f(DISTINCT x) */
            bool star;                /* count(*): n_args == 0 */
            ko_sql_order_item *order; /* f(x ORDER BY y): ordered aggregate */
            size_t n_order;
            ko_sql_expr *filter; /* FILTER (WHERE ...) */
            bool ignore_nulls;   /* IGNORE NULLS (lag, first_value ...) */
            ko_sql_window *over; /* OVER (...) or OVER w; NULL if not windowed */
        } func;
        struct {
            const char *field; /* folded: year, month, day, hour, epoch ... */
            ko_sql_expr *arg;
        } extract;
        ko_sql_query *subquery; /* SUBQUERY, EXISTS */
        struct {
            ko_sql_expr *arg;
            ko_sql_expr *index;
            ko_sql_expr *index_end; /* slice x[a:b]; NULL otherwise */
            bool slice;             /* x[a:b], either bound may be NULL */
        } subscript;
        struct {
            ko_sql_expr *arg;
            ko_sql_ident field;
        } field;
        struct {
            ko_sql_ident *names; /* keys as written ('a' or a) */
            ko_sql_expr **values;
            size_t n;
        } struct_;
    };
};

/* --------------------------------------------------------------- windows */

typedef enum ko_sql_frame_kind {
    KO_SQL_FRAME_DEFAULT = 0, /* no frame clause */
    KO_SQL_FRAME_ROWS,
    KO_SQL_FRAME_RANGE,
    KO_SQL_FRAME_GROUPS,
} ko_sql_frame_kind;

typedef enum ko_sql_bound_kind {
    KO_SQL_BOUND_UNBOUNDED_PRECEDING = 1,
    KO_SQL_BOUND_PRECEDING, /* offset PRECEDING */
    KO_SQL_BOUND_CURRENT_ROW,
    KO_SQL_BOUND_FOLLOWING, /* offset FOLLOWING */
    KO_SQL_BOUND_UNBOUNDED_FOLLOWING,
} ko_sql_bound_kind;

typedef struct ko_sql_frame_bound {
    ko_sql_bound_kind kind;
    ko_sql_expr *offset; /* PRECEDING / FOLLOWING */
} ko_sql_frame_bound;

struct ko_sql_window {
    ko_sql_pos pos;
    ko_sql_ident *ref; /* OVER w, or OVER (w ORDER BY ...): the base window */
    ko_sql_expr **partition;
    size_t n_partition;
    ko_sql_order_item *order;
    size_t n_order;
    ko_sql_frame_kind frame;
    /* With a frame: start and end; "ROWS x" alone means BETWEEN x AND
     * CURRENT ROW and is stored that way. */
    ko_sql_frame_bound start;
    ko_sql_frame_bound end;
};

typedef struct ko_sql_window_def { /* WINDOW w AS (...) */
    ko_sql_ident name;
    ko_sql_window *window;
} ko_sql_window_def;

/* ---------------------------------------------------------- table refs */

typedef struct ko_sql_tref ko_sql_tref;

typedef enum ko_sql_tref_kind {
    KO_SQL_TREF_TABLE = 1, /* ns.t [FOR VERSION|TIMESTAMP AS OF x] */
    KO_SQL_TREF_SUBQUERY,  /* (SELECT ...) [AS] x(a, b) */
    KO_SQL_TREF_JOIN,
    KO_SQL_TREF_FUNC, /* table function: UNNEST(list), range(10), read_parquet('f') */
} ko_sql_tref_kind;

typedef enum ko_sql_join_kind {
    KO_SQL_JOIN_INNER = 1,
    KO_SQL_JOIN_LEFT,
    KO_SQL_JOIN_RIGHT,
    KO_SQL_JOIN_FULL,
    KO_SQL_JOIN_CROSS, /* CROSS JOIN; also a comma in FROM a, b */
    KO_SQL_JOIN_SEMI,  /* DuckDB SEMI JOIN */
    KO_SQL_JOIN_ANTI,  /* DuckDB ANTI JOIN */
} ko_sql_join_kind;

typedef enum ko_sql_travel_kind {
    KO_SQL_TRAVEL_NONE = 0,
    KO_SQL_TRAVEL_VERSION,   /* FOR VERSION AS OF <snapshot id> */
    KO_SQL_TRAVEL_TIMESTAMP, /* FOR TIMESTAMP AS OF '<ts>' / TIMESTAMP '...' */
} ko_sql_travel_kind;

struct ko_sql_tref {
    ko_sql_tref_kind kind;
    ko_sql_pos pos;
    ko_sql_ident *alias;       /* NULL if none; (a JOIN b) AS j: on a JOIN */
    ko_sql_ident *col_aliases; /* t AS x(a, b) */
    size_t n_col_aliases;
    union {
        struct {
            ko_sql_qname name; /* a, ns.t, ns.sub.t, "t$snapshots" */
            ko_sql_travel_kind travel;
            ko_sql_expr *as_of; /* the version or timestamp expression */
        } table;
        struct {
            ko_sql_query *query;
            bool lateral;
        } subquery;
        struct {
            ko_sql_join_kind kind;
            bool natural;
            bool comma; /* written as FROM a, b */
            ko_sql_tref *left;
            ko_sql_tref *right;
            ko_sql_expr *on;      /* ON cond; NULL otherwise */
            ko_sql_ident *using_; /* USING (a, b) */
            size_t n_using;
        } join;
        struct {
            ko_sql_qname name; /* unnest, range, generate_series ... folded */
            ko_sql_expr **args;
            size_t n_args;
            bool with_ordinality;
        } func;
    };
};

/* --------------------------------------------------------------- queries */

typedef struct ko_sql_select_item {
    ko_sql_expr *expr;   /* may be KO_SQL_E_STAR */
    ko_sql_ident *alias; /* NULL if none */
} ko_sql_select_item;

typedef struct ko_sql_select {
    ko_sql_pos pos;
    bool distinct;
    ko_sql_expr **distinct_on; /* DISTINCT ON (a, b) */
    size_t n_distinct_on;
    ko_sql_select_item *items;
    size_t n_items;
    ko_sql_tref *from; /* NULL without FROM; a, b is a CROSS join (comma) */
    ko_sql_expr *where;
    ko_sql_expr **group_by; /* integer literals are ordinals */
    size_t n_group_by;
    bool group_all; /* GROUP BY ALL */
    ko_sql_expr *having;
    ko_sql_window_def *windows; /* WINDOW w AS (...), ... */
    size_t n_windows;
    ko_sql_expr *qualify;
} ko_sql_select;

typedef struct ko_sql_cte {
    ko_sql_ident name;
    ko_sql_ident *columns; /* WITH x(a, b) AS (...) */
    size_t n_columns;
    ko_sql_query *query;
    bool materialized; /* AS MATERIALIZED (...) (hint) */
} ko_sql_cte;

typedef enum ko_sql_query_kind {
    KO_SQL_Q_SELECT = 1,
    KO_SQL_Q_SETOP,
    KO_SQL_Q_VALUES,
} ko_sql_query_kind;

typedef enum ko_sql_setop {
    KO_SQL_SET_UNION = 1,
    KO_SQL_SET_INTERSECT,
    KO_SQL_SET_EXCEPT,
} ko_sql_setop;

/*
 * A query: a SELECT, a set operation or a VALUES list, with the WITH,
 * ORDER BY and LIMIT/OFFSET that apply to its result.  In
 *   SELECT a FROM t UNION SELECT b FROM u ORDER BY 1 LIMIT 3
 * the ORDER BY and LIMIT belong to the SETOP node; a parenthesised branch
 * may have its own.  INTERSECT binds tighter than UNION and EXCEPT, which
 * are left-associative.
 */
struct ko_sql_query {
    ko_sql_query_kind kind;
    ko_sql_pos pos;
    ko_sql_cte *ctes; /* WITH ... */
    size_t n_ctes;
    bool recursive;        /* WITH RECURSIVE (parsed; support is up to the binder) */
    ko_sql_select *select; /* SELECT */
    struct {
        ko_sql_setop op;
        bool all;
        bool by_name; /* UNION [ALL] BY NAME (DuckDB) */
        ko_sql_query *left;
        ko_sql_query *right;
    } setop; /* SETOP */
    struct {
        ko_sql_expr ***rows; /* rows[r][c] */
        size_t n_rows;       /* >= 1 */
        size_t n_cols;       /* >= 1, equal for every row */
    } values;                /* VALUES */
    ko_sql_order_item *order_by;
    size_t n_order_by;
    ko_sql_expr *limit;  /* LIMIT n / FETCH FIRST n ROWS ONLY; NULL if none */
    ko_sql_expr *offset; /* OFFSET m; NULL if none */
};

/* ------------------------------------------------------------ statements */

typedef enum ko_sql_stmt_kind {
    KO_SQL_S_QUERY = 1,     /* SELECT / VALUES / WITH / (query) */
    KO_SQL_S_CREATE_SCHEMA, /* CREATE SCHEMA [IF NOT EXISTS] a.b */
    KO_SQL_S_DROP_SCHEMA,   /* DROP SCHEMA [IF EXISTS] a.b [CASCADE] */
    KO_SQL_S_CREATE_TABLE,  /* columns ... or AS query (CTAS) */
    KO_SQL_S_DROP_TABLE,    /* DROP TABLE [IF EXISTS] t */
    KO_SQL_S_INSERT,        /* INSERT INTO t [(cols)] query */
    KO_SQL_S_DELETE,        /* DELETE FROM t [WHERE] */
    KO_SQL_S_UPDATE,        /* UPDATE t SET a = e, ... [WHERE] */
    KO_SQL_S_ALTER_TABLE,
    KO_SQL_S_SHOW_SCHEMAS, /* SHOW SCHEMAS [FROM ns] */
    KO_SQL_S_SHOW_TABLES,  /* SHOW TABLES [FROM|IN ns] */
    KO_SQL_S_DESCRIBE,     /* DESCRIBE|DESC t, DESCRIBE query, SHOW COLUMNS FROM t */
    KO_SQL_S_EXPLAIN,      /* EXPLAIN [ANALYZE] stmt */
    KO_SQL_S_SET,          /* SET [SESSION|GLOBAL] name = value | TO value */
    KO_SQL_S_RESET,        /* RESET name, SET name = DEFAULT */
    KO_SQL_S_SHOW_SETTING, /* SHOW name (e.g. SHOW threads) */
    KO_SQL_S_USE,          /* USE ns */
} ko_sql_stmt_kind;

typedef struct ko_sql_stmt ko_sql_stmt;

typedef struct ko_sql_column_def {
    ko_sql_ident name;
    ko_sql_type *type;
    bool not_null;
    ko_sql_expr *default_value; /* DEFAULT e; NULL if none */
    const char *comment;        /* COMMENT 'text'; NULL if none */
    ko_sql_pos pos;
} ko_sql_column_def;

/*
 * One PARTITIONED BY (or PARTITION BY) entry, in Iceberg's terms:
 *   col              -> "identity", column col
 *   identity(col)    -> "identity"
 *   year|month|day|hour(col), years(col) ... -> "year" ... (plural folded)
 *   bucket(16, col) or bucket(col, 16)       -> "bucket", param 16
 *   truncate(4, col) or truncate(col, 4)     -> "truncate", param 4
 *   void(col)        -> "void"
 * Any other name is kept (folded) for the binder to refuse.
 */
typedef struct ko_sql_partition_field {
    const char *transform;
    ko_sql_ident column;
    int64_t param; /* bucket count / truncate width; -1 if none */
    ko_sql_pos pos;
} ko_sql_partition_field;

typedef struct ko_sql_property { /* WITH (key = value, ...) */
    ko_sql_ident key;            /* 'format-version' or format_version */
    ko_sql_expr *value;
} ko_sql_property;

typedef enum ko_sql_alter_kind {
    KO_SQL_ALTER_ADD_COLUMN = 1, /* ADD [COLUMN] [IF NOT EXISTS] col type */
    KO_SQL_ALTER_DROP_COLUMN,    /* DROP [COLUMN] [IF EXISTS] col */
    KO_SQL_ALTER_RENAME_COLUMN,  /* RENAME [COLUMN] a TO b */
    KO_SQL_ALTER_COLUMN_TYPE,    /* ALTER [COLUMN] c [SET DATA] TYPE t */
    KO_SQL_ALTER_SET_NOT_NULL,   /* ALTER [COLUMN] c SET NOT NULL */
    KO_SQL_ALTER_DROP_NOT_NULL,  /* ALTER [COLUMN] c DROP NOT NULL */
    KO_SQL_ALTER_RENAME_TABLE,   /* RENAME TO new */
    KO_SQL_ALTER_SET_PROPERTIES, /* SET PROPERTIES|TBLPROPERTIES (k = v, ...) */
} ko_sql_alter_kind;

typedef struct ko_sql_assignment { /* UPDATE ... SET col = expr */
    ko_sql_qname column;
    ko_sql_expr *value;
} ko_sql_assignment;

struct ko_sql_stmt {
    ko_sql_stmt_kind kind;
    ko_sql_pos pos;
    uint32_t end; /* byte offset past the statement's last token */
    union {
        ko_sql_query *query; /* QUERY */
        struct {
            ko_sql_qname name;
            bool if_not_exists; /* CREATE */
            bool if_exists;     /* DROP */
            bool cascade;       /* DROP ... CASCADE */
        } schema;               /* CREATE_SCHEMA, DROP_SCHEMA */
        struct {
            ko_sql_qname name;
            bool if_not_exists;
            bool or_replace;
            ko_sql_column_def *columns;
            size_t n_columns;
            ko_sql_partition_field *partition_by;
            size_t n_partition_by;
            ko_sql_property *properties;
            size_t n_properties;
            ko_sql_query *query; /* CREATE TABLE ... AS query; NULL otherwise */
        } create_table;
        struct {
            ko_sql_qname name;
            bool if_exists;
        } drop_table;
        struct {
            ko_sql_qname table;
            ko_sql_ident *columns; /* n_columns == 0: all, in table order */
            size_t n_columns;
            ko_sql_query *query; /* VALUES ... or SELECT ... */
            bool overwrite;      /* INSERT OVERWRITE [TABLE] t */
        } insert;
        struct {
            ko_sql_qname table;
            ko_sql_ident *alias;
            ko_sql_expr *where; /* NULL: every row */
        } delete_;
        struct {
            ko_sql_qname table;
            ko_sql_ident *alias;
            ko_sql_assignment *set;
            size_t n_set;
            ko_sql_expr *where;
        } update;
        struct {
            ko_sql_qname table;
            bool if_exists; /* ALTER TABLE IF EXISTS t */
            ko_sql_alter_kind action;
            ko_sql_column_def column;    /* ADD_COLUMN */
            ko_sql_qname target;         /* the column (dotted for nested fields) */
            ko_sql_ident new_name;       /* RENAME_COLUMN */
            ko_sql_type *new_type;       /* COLUMN_TYPE */
            ko_sql_qname new_table;      /* RENAME_TABLE */
            bool if_col_exists;          /* ADD ... IF NOT EXISTS / DROP ... IF EXISTS */
            ko_sql_property *properties; /* SET_PROPERTIES */
            size_t n_properties;
        } alter;
        struct {
            ko_sql_qname from; /* n == 0 when absent */
            const char *like;  /* SHOW TABLES LIKE 'pat'; NULL when absent */
        } show;                /* SHOW_SCHEMAS, SHOW_TABLES */
        struct {
            ko_sql_qname table;  /* DESCRIBE t (n > 0) */
            ko_sql_query *query; /* DESCRIBE SELECT ... (table.n == 0) */
        } describe;
        struct {
            bool analyze;
            bool verbose;
            ko_sql_stmt *stmt;
        } explain;
        struct {
            ko_sql_qname name;  /* threads, memory_limit, statement_timeout ... */
            ko_sql_expr *value; /* SET: literal, or a bare word as a COLUMN */
        } set;                  /* SET, RESET, SHOW_SETTING */
        struct {
            ko_sql_qname name;
        } use;
    };
};

/* ------------------------------------------------------------------- API */

typedef struct ko_sql_parse_opts {
    uint32_t max_depth; /* 0: KO_SQL_MAX_DEPTH */
    size_t max_text;    /* 0: KO_SQL_MAX_TEXT */
} ko_sql_parse_opts;

/*
 * Parses a script of ;-separated statements (empty statements are skipped)
 * into *stmts[0 .. *n), allocated in `arena`.  text need not be
 * NUL-terminated.  On error returns KO_ERR_INVALID (syntax, limits,
 * encoding) or KO_ERR_NOMEM, fills err with a message with line, column and
 * caret, and leaves *stmts NULL and *n 0 (partial nodes stay in the arena
 * until it is freed).
 */
ko_status ko_sql_parse(const char *text, size_t len, ko_arena *arena, ko_sql_stmt ***stmts,
                       size_t *n, ko_err *err);

/* The same with options (NULL: defaults) and, on a syntax error, the
 * position of the error in *err_pos (if non-NULL). */
ko_status ko_sql_parse_ex(const char *text, size_t len, const ko_sql_parse_opts *opts,
                          ko_arena *arena, ko_sql_stmt ***stmts, size_t *n, ko_sql_pos *err_pos,
                          ko_err *err);

/* Parses exactly one statement (an optional trailing ';' is allowed). */
ko_status ko_sql_parse_one(const char *text, size_t len, ko_arena *arena, ko_sql_stmt **stmt,
                           ko_err *err);

/*
 * Sets err to st and the message
 *   "error at line L, column C: <fmt...>\n<source line>\n<spaces>^"
 * where the source line is cut to a window around the column if long (tabs
 * are kept so the caret lines up).  text/len is the script the position
 * refers to; with text NULL only the first line is written.  Returns st.
 */
ko_status ko_sql_error_at(ko_err *err, ko_status st, const char *text, size_t len, ko_sql_pos pos,
                          const char *fmt, ...) KO_PRINTF(6, 7);

/* The position of byte offset `off` of text (line and column counted). */
ko_sql_pos ko_sql_pos_at(const char *text, size_t len, size_t off);

/* Levenshtein distance of a and b, ASCII case-insensitive; stops counting
 * above `max` (returns max + 1). */
size_t ko_sql_edit_distance(const char *a, const char *b, size_t max);

/* The candidate closest to name, or NULL if none is close enough (edit
 * distance at most 1 for names of up to 4 bytes, 2 up to 8, else a third of
 * the length): for "did you mean". */
const char *ko_sql_suggest(const char *name, const char *const *candidates, size_t n);

/*
 * Deterministic S-expression printers (for tests and EXPLAIN); they append
 * to out and fail only with KO_ERR_NOMEM.  Examples:
 *   SELECT a + 1 AS b FROM t WHERE x IN (1, 2)
 *     (select (items (as (+ a 1) b)) (from (table t)) (where (in x 1 2)))
 */
KO_NODISCARD ko_status ko_sql_ast_print(const ko_sql_stmt *stmt, ko_buf *out);
KO_NODISCARD ko_status ko_sql_expr_print(const ko_sql_expr *e, ko_buf *out);
KO_NODISCARD ko_status ko_sql_query_print(const ko_sql_query *q, ko_buf *out);
/* SQL spelling of a type: INTEGER, DECIMAL(10,2), VARCHAR, INTEGER[],
 * STRUCT(a INTEGER, b VARCHAR), MAP(VARCHAR, INTEGER) ... */
KO_NODISCARD ko_status ko_sql_type_print(const ko_sql_type *t, ko_buf *out);

/* Names for messages: "+", "<>", "NOT" ...; "INNER", "LEFT" ...; etc. */
const char *ko_sql_op_name(ko_sql_op op);
const char *ko_sql_join_name(ko_sql_join_kind k);
const char *ko_sql_stmt_kind_name(ko_sql_stmt_kind k);

#endif /* KO_SQL_AST_H */
