/*
 * ast.c - helpers around the SQL syntax tree: error messages with a caret,
 * "did you mean" suggestions, names of operators and kinds, and the type
 * printer.  The S-expression printer of whole trees is in ast_print.c.
 */
#include "sql/ast.h"

#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------ positions */

ko_sql_pos ko_sql_pos_at(const char *text, size_t len, size_t off)
{
    ko_sql_pos pos = {(uint32_t)off, 1, 1};
    size_t line_start = 0;
    if (off > len)
        off = len;
    for (size_t i = 0; i < off; i++) {
        if (text[i] == '\n') {
            pos.line++;
            line_start = i + 1;
        }
    }
    pos.col = (uint32_t)(off - line_start + 1);
    return pos;
}

enum { CARET_BEFORE = 60, CARET_AFTER = 60 };

/* Appends the source line of pos (a window around the column) and a caret
 * line to msg[used..cap). */
static void append_caret(char *msg, size_t used, size_t cap, const char *text, size_t len,
                         ko_sql_pos pos)
{
    size_t off = pos.off > len ? len : pos.off;
    size_t start = off, end = off;
    while (start > 0 && text[start - 1] != '\n' && off - start < CARET_BEFORE)
        start--;
    while (end < len && text[end] != '\n' && text[end] != '\r' && end - off < CARET_AFTER)
        end++;
    /* Do not cut a UTF-8 sequence at the window's left edge. */
    while (start < off && ((unsigned char)text[start] & 0xC0) == 0x80)
        start++;
    const char *ell = (start > 0 && text[start - 1] != '\n') ? "..." : "";
    if (used >= cap)
        return;
    int w = snprintf(msg + used, cap - used, "\n  %s%.*s\n  %*s", ell, (int)(end - start),
                     text + start, (int)strlen(ell), "");
    if (w < 0 || (size_t)w >= cap - used)
        return;
    used += (size_t)w;
    for (size_t i = start; i < off && used + 2 < cap; i++)
        msg[used++] = text[i] == '\t' ? '\t' : ' ';
    if (used + 2 < cap)
        msg[used++] = '^';
    msg[used] = 0; /* the loop may have overwritten snprintf's terminator */
}

ko_status ko_sql_error_at(ko_err *err, ko_status st, const char *text, size_t len, ko_sql_pos pos,
                          const char *fmt, ...)
{
    if (!err)
        return st;
    char msg[KO_ERR_MSG_MAX];
    int w = snprintf(msg, sizeof msg, "error at line %u, column %u: ", pos.line, pos.col);
    size_t used = w > 0 ? (size_t)w : 0;
    va_list ap;
    va_start(ap, fmt);
    w = vsnprintf(msg + used, sizeof msg - used, fmt, ap);
    va_end(ap);
    if (w > 0)
        used += (size_t)w;
    if (used > sizeof msg - 1)
        used = sizeof msg - 1;
    /* Keep room for the caret lines: cut the message itself if needed. */
    if (text && used < sizeof msg - 1)
        append_caret(msg, used, sizeof msg, text, len, pos);
    return ko_err_set(err, st, "%s", msg);
}

/* ---------------------------------------------------------- suggestions */

static int lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

enum { EDIT_MAX_LEN = 64 };

size_t ko_sql_edit_distance(const char *a, const char *b, size_t max)
{
    size_t na = strlen(a), nb = strlen(b);
    if (na > EDIT_MAX_LEN || nb > EDIT_MAX_LEN)
        return max + 1;
    if ((na > nb ? na - nb : nb - na) > max)
        return max + 1;
    /* Optimal string alignment distance: a transposition costs 1. */
    size_t d[EDIT_MAX_LEN + 1][EDIT_MAX_LEN + 1];
    for (size_t i = 0; i <= na; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= nb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= na; i++) {
        for (size_t j = 1; j <= nb; j++) {
            size_t cost = lower((unsigned char)a[i - 1]) != lower((unsigned char)b[j - 1]);
            size_t v = d[i - 1][j - 1] + cost;
            if (d[i - 1][j] + 1 < v)
                v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            if (i > 1 && j > 1 &&
                lower((unsigned char)a[i - 1]) == lower((unsigned char)b[j - 2]) &&
                lower((unsigned char)a[i - 2]) == lower((unsigned char)b[j - 1]) &&
                d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    }
    return d[na][nb] > max ? max + 1 : d[na][nb];
}

const char *ko_sql_suggest(const char *name, const char *const *candidates, size_t n)
{
    size_t len = strlen(name);
    size_t limit = len <= 4 ? 1 : len <= 8 ? 2 : len / 3;
    const char *best = NULL;
    size_t best_d = limit + 1;
    for (size_t i = 0; i < n; i++) {
        size_t d = ko_sql_edit_distance(name, candidates[i], limit);
        if (d < best_d) {
            best_d = d;
            best = candidates[i];
        }
    }
    return best;
}

/* ---------------------------------------------------------------- names */

const char *ko_sql_op_name(ko_sql_op op)
{
    static const char *const names[] = {
        [KO_SQL_OP_ADD] = "+",     [KO_SQL_OP_SUB] = "-",  [KO_SQL_OP_MUL] = "*",
        [KO_SQL_OP_DIV] = "/",     [KO_SQL_OP_MOD] = "%",  [KO_SQL_OP_CONCAT] = "||",
        [KO_SQL_OP_EQ] = "=",      [KO_SQL_OP_NE] = "<>",  [KO_SQL_OP_LT] = "<",
        [KO_SQL_OP_LE] = "<=",     [KO_SQL_OP_GT] = ">",   [KO_SQL_OP_GE] = ">=",
        [KO_SQL_OP_NEG] = "-",     [KO_SQL_OP_PLUS] = "+", [KO_SQL_OP_NOT] = "NOT",
        [KO_SQL_OP_INTDIV] = "//",
    };
    return (unsigned)op < KO_ARRAY_LEN(names) && names[op] ? names[op] : "?";
}

const char *ko_sql_join_name(ko_sql_join_kind k)
{
    static const char *const names[] = {
        [KO_SQL_JOIN_INNER] = "INNER", [KO_SQL_JOIN_LEFT] = "LEFT",   [KO_SQL_JOIN_RIGHT] = "RIGHT",
        [KO_SQL_JOIN_FULL] = "FULL",   [KO_SQL_JOIN_CROSS] = "CROSS", [KO_SQL_JOIN_SEMI] = "SEMI",
        [KO_SQL_JOIN_ANTI] = "ANTI",
    };
    return (unsigned)k < KO_ARRAY_LEN(names) && names[k] ? names[k] : "?";
}

const char *ko_sql_stmt_kind_name(ko_sql_stmt_kind k)
{
    static const char *const names[] = {
        [KO_SQL_S_QUERY] = "query",
        [KO_SQL_S_CREATE_SCHEMA] = "CREATE SCHEMA",
        [KO_SQL_S_DROP_SCHEMA] = "DROP SCHEMA",
        [KO_SQL_S_CREATE_TABLE] = "CREATE TABLE",
        [KO_SQL_S_DROP_TABLE] = "DROP TABLE",
        [KO_SQL_S_INSERT] = "INSERT",
        [KO_SQL_S_DELETE] = "DELETE",
        [KO_SQL_S_UPDATE] = "UPDATE",
        [KO_SQL_S_ALTER_TABLE] = "ALTER TABLE",
        [KO_SQL_S_SHOW_SCHEMAS] = "SHOW SCHEMAS",
        [KO_SQL_S_SHOW_TABLES] = "SHOW TABLES",
        [KO_SQL_S_DESCRIBE] = "DESCRIBE",
        [KO_SQL_S_EXPLAIN] = "EXPLAIN",
        [KO_SQL_S_SET] = "SET",
        [KO_SQL_S_RESET] = "RESET",
        [KO_SQL_S_SHOW_SETTING] = "SHOW",
        [KO_SQL_S_USE] = "USE",
    };
    return (unsigned)k < KO_ARRAY_LEN(names) && names[k] ? names[k] : "?";
}

/* ---------------------------------------------------------------- types */

static const char *type_base_name(ko_sql_type_kind k)
{
    static const char *const names[] = {
        [KO_SQL_T_BOOLEAN] = "BOOLEAN",
        [KO_SQL_T_TINYINT] = "TINYINT",
        [KO_SQL_T_SMALLINT] = "SMALLINT",
        [KO_SQL_T_INTEGER] = "INTEGER",
        [KO_SQL_T_BIGINT] = "BIGINT",
        [KO_SQL_T_HUGEINT] = "HUGEINT",
        [KO_SQL_T_REAL] = "REAL",
        [KO_SQL_T_DOUBLE] = "DOUBLE",
        [KO_SQL_T_DECIMAL] = "DECIMAL",
        [KO_SQL_T_VARCHAR] = "VARCHAR",
        [KO_SQL_T_BLOB] = "BLOB",
        [KO_SQL_T_DATE] = "DATE",
        [KO_SQL_T_TIME] = "TIME",
        [KO_SQL_T_TIMESTAMP] = "TIMESTAMP",
        [KO_SQL_T_TIMESTAMPTZ] = "TIMESTAMP WITH TIME ZONE",
        [KO_SQL_T_INTERVAL] = "INTERVAL",
        [KO_SQL_T_UUID] = "UUID",
        [KO_SQL_T_STRUCT] = "STRUCT",
        [KO_SQL_T_LIST] = "LIST",
        [KO_SQL_T_MAP] = "MAP",
    };
    return (unsigned)k < KO_ARRAY_LEN(names) && names[k] ? names[k] : "?";
}

static ko_status type_params(const ko_sql_type *t, ko_buf *out)
{
    if (t->kind == KO_SQL_T_DECIMAL && t->precision >= 0) {
        if (t->scale >= 0)
            return ko_buf_appendf(out, "(%d,%d)", (int)t->precision, (int)t->scale);
        return ko_buf_appendf(out, "(%d)", (int)t->precision);
    }
    if (t->kind == KO_SQL_T_VARCHAR && t->length >= 0)
        return ko_buf_appendf(out, "(%d)", (int)t->length);
    return KO_OK;
}

static ko_status type_fields(const ko_sql_type *t, ko_buf *out)
{
    ko_status st = ko_buf_append_str(out, "(");
    for (size_t i = 0; i < t->n_fields && st == KO_OK; i++) {
        st = ko_buf_appendf(out, "%s%s ", i ? ", " : "", t->fields[i].name.name);
        if (st == KO_OK)
            st = ko_sql_type_print(t->fields[i].type, out);
    }
    return st == KO_OK ? ko_buf_append_str(out, ")") : st;
}

ko_status ko_sql_type_print(const ko_sql_type *t, ko_buf *out)
{
    ko_status st;
    switch (t->kind) {
    case KO_SQL_T_LIST:
        st = ko_sql_type_print(t->elem, out);
        return st == KO_OK ? ko_buf_append_str(out, "[]") : st;
    case KO_SQL_T_MAP:
        st = ko_buf_append_str(out, "MAP(");
        if (st == KO_OK)
            st = ko_sql_type_print(t->key, out);
        if (st == KO_OK)
            st = ko_buf_append_str(out, ", ");
        if (st == KO_OK)
            st = ko_sql_type_print(t->value, out);
        return st == KO_OK ? ko_buf_append_str(out, ")") : st;
    case KO_SQL_T_STRUCT:
        st = ko_buf_append_str(out, "STRUCT");
        return st == KO_OK ? type_fields(t, out) : st;
    default:
        st = ko_buf_append_str(
            out, t->kind == KO_SQL_T_VARCHAR && t->char_fixed ? "CHAR" : type_base_name(t->kind));
        return st == KO_OK ? type_params(t, out) : st;
    }
}
