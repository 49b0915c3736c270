/*
 * parse_type.c - type names: the DuckDB, Trino, Spark and PostgreSQL
 * spellings of Korolev's types (see ko_sql_type_kind in ast.h).
 *
 * A type is a word from the table below with kind-specific modifiers:
 * DECIMAL(p, s), VARCHAR(n), TIMESTAMP WITH TIME ZONE, DOUBLE PRECISION,
 * STRUCT(a INT, ...) / ROW(...) / STRUCT<a: INT>, LIST(T) / ARRAY(T) /
 * ARRAY<T>, MAP(K, V) / MAP<K, V>, followed by any number of [] (a list).
 */
#include "sql/parse_int.h"

#include <string.h>
#include <strings.h>

typedef struct type_word {
    const char *word;
    ko_sql_type_kind kind;
} type_word;

static const type_word type_words[] = {
    {"boolean", KO_SQL_T_BOOLEAN},
    {"bool", KO_SQL_T_BOOLEAN},
    {"logical", KO_SQL_T_BOOLEAN},
    {"tinyint", KO_SQL_T_TINYINT},
    {"int1", KO_SQL_T_TINYINT},
    {"byte", KO_SQL_T_TINYINT},
    {"smallint", KO_SQL_T_SMALLINT},
    {"int2", KO_SQL_T_SMALLINT},
    {"short", KO_SQL_T_SMALLINT},
    {"int", KO_SQL_T_INTEGER},
    {"integer", KO_SQL_T_INTEGER},
    {"int4", KO_SQL_T_INTEGER},
    {"signed", KO_SQL_T_INTEGER},
    {"bigint", KO_SQL_T_BIGINT},
    {"int8", KO_SQL_T_BIGINT},
    {"long", KO_SQL_T_BIGINT},
    {"hugeint", KO_SQL_T_HUGEINT},
    {"int128", KO_SQL_T_HUGEINT},
    {"real", KO_SQL_T_REAL},
    {"float", KO_SQL_T_REAL},
    {"float4", KO_SQL_T_REAL},
    {"double", KO_SQL_T_DOUBLE},
    {"float8", KO_SQL_T_DOUBLE},
    {"decimal", KO_SQL_T_DECIMAL},
    {"numeric", KO_SQL_T_DECIMAL},
    {"dec", KO_SQL_T_DECIMAL},
    {"varchar", KO_SQL_T_VARCHAR},
    {"string", KO_SQL_T_VARCHAR},
    {"text", KO_SQL_T_VARCHAR},
    {"char", KO_SQL_T_VARCHAR},
    {"character", KO_SQL_T_VARCHAR},
    {"bpchar", KO_SQL_T_VARCHAR},
    {"nvarchar", KO_SQL_T_VARCHAR},
    {"blob", KO_SQL_T_BLOB},
    {"bytea", KO_SQL_T_BLOB},
    {"binary", KO_SQL_T_BLOB},
    {"varbinary", KO_SQL_T_BLOB},
    {"date", KO_SQL_T_DATE},
    {"time", KO_SQL_T_TIME},
    {"timestamp", KO_SQL_T_TIMESTAMP},
    {"datetime", KO_SQL_T_TIMESTAMP},
    {"timestamp_us", KO_SQL_T_TIMESTAMP},
    {"timestamp_ms", KO_SQL_T_TIMESTAMP},
    {"timestamp_ns", KO_SQL_T_TIMESTAMP},
    {"timestamp_s", KO_SQL_T_TIMESTAMP},
    {"timestamptz", KO_SQL_T_TIMESTAMPTZ},
    {"timestamp_tz", KO_SQL_T_TIMESTAMPTZ},
    {"interval", KO_SQL_T_INTERVAL},
    {"uuid", KO_SQL_T_UUID},
    {"struct", KO_SQL_T_STRUCT},
    {"row", KO_SQL_T_STRUCT},
    {"list", KO_SQL_T_LIST},
    {"array", KO_SQL_T_LIST},
    {"map", KO_SQL_T_MAP},
};

ko_sql_type_kind ko_sql_type_word(const char *word)
{
    for (size_t i = 0; i < KO_ARRAY_LEN(type_words); i++)
        if (strcmp(type_words[i].word, word) == 0)
            return type_words[i].kind;
    return 0;
}

static bool word_is(ko_sql_parser *p, unsigned k, const char *w)
{
    const ko_sql_tok *t = ko_sql_peek(p, k);
    size_t n = strlen(w);
    return t->type == T_IDENT && t->len == n && strncasecmp(p->src + t->off, w, n) == 0;
}

static int32_t type_int(ko_sql_parser *p, const char *what, int64_t lo, int64_t hi)
{
    const ko_sql_tok *t = ko_sql_cur(p);
    if (t->type != T_INT)
        ko_sql_fail_expected(p, what);
    int64_t v = ko_sql_int_value(p, t);
    if (v < lo || v > hi)
        ko_sql_fail(p, "%s %lld is not in %lld..%lld", what, (long long)v, (long long)lo,
                    (long long)hi);
    ko_sql_advance(p);
    return (int32_t)v;
}

static void parse_decimal(ko_sql_parser *p, ko_sql_type *t)
{
    if (!ko_sql_accept(p, T_LPAREN))
        return;
    t->precision = type_int(p, "decimal precision", 1, 38);
    if (ko_sql_accept(p, T_COMMA))
        t->scale = type_int(p, "decimal scale", 0, t->precision);
    ko_sql_expect(p, T_RPAREN);
}

/* (n) after VARCHAR, CHAR, BLOB, FLOAT, TIMESTAMP ...; -1 if absent. */
static int32_t opt_length(ko_sql_parser *p, const char *what)
{
    if (!ko_sql_accept(p, T_LPAREN))
        return -1;
    int32_t n = type_int(p, what, 0, INT32_MAX);
    ko_sql_expect(p, T_RPAREN);
    return n;
}

/* [WITH | WITHOUT] TIME ZONE; returns true for WITH. */
static bool parse_zone(ko_sql_parser *p, bool dflt)
{
    bool with = ko_sql_is_kw(p, KW_WITH);
    if ((!with && !word_is(p, 0, "without")) || !word_is(p, 1, "time") || !word_is(p, 2, "zone"))
        return dflt;
    ko_sql_advance(p);
    ko_sql_advance(p);
    ko_sql_advance(p);
    return with;
}

static tok_type open_bracket(ko_sql_parser *p)
{
    if (ko_sql_accept(p, T_LT))
        return T_GT;
    ko_sql_expect(p, T_LPAREN);
    return T_RPAREN;
}

static void parse_struct_fields(ko_sql_parser *p, ko_sql_type *t)
{
    tok_type close = open_bracket(p);
    ko_sql_vec v = {0};
    do {
        ko_sql_field_def *f = ko_sql_vec_push(p, &v, sizeof *f);
        f->name = ko_sql_word_parse(p, "field name");
        (void)ko_sql_accept(p, T_COLON);
        f->type = ko_sql_type_parse(p);
    } while (ko_sql_accept(p, T_COMMA));
    ko_sql_expect(p, close);
    t->fields = v.data;
    t->n_fields = v.n;
}

static void parse_nested(ko_sql_parser *p, ko_sql_type *t)
{
    if (t->kind == KO_SQL_T_STRUCT) {
        parse_struct_fields(p, t);
        return;
    }
    tok_type close = open_bracket(p);
    if (t->kind == KO_SQL_T_LIST) {
        t->elem = ko_sql_type_parse(p);
    } else {
        t->key = ko_sql_type_parse(p);
        ko_sql_expect(p, T_COMMA);
        t->value = ko_sql_type_parse(p);
    }
    ko_sql_expect(p, close);
}

static void parse_modifiers(ko_sql_parser *p, ko_sql_type *t, const char *word)
{
    switch (t->kind) {
    case KO_SQL_T_DECIMAL:
        parse_decimal(p, t);
        break;
    case KO_SQL_T_VARCHAR:
        if (strcmp(word, "character") == 0 && word_is(p, 0, "varying"))
            ko_sql_advance(p);
        else
            t->char_fixed = strcmp(word, "char") == 0 || strcmp(word, "character") == 0;
        t->length = opt_length(p, "string length");
        break;
    case KO_SQL_T_BLOB:
        (void)opt_length(p, "binary length");
        break;
    case KO_SQL_T_REAL:
        if (opt_length(p, "float precision") > 24)
            t->kind = KO_SQL_T_DOUBLE;
        break;
    case KO_SQL_T_DOUBLE:
        if (word_is(p, 0, "precision"))
            ko_sql_advance(p);
        break;
    case KO_SQL_T_TIMESTAMP:
    case KO_SQL_T_TIME:
        (void)opt_length(p, "fractional seconds precision");
        if (parse_zone(p, false) && t->kind == KO_SQL_T_TIMESTAMP)
            t->kind = KO_SQL_T_TIMESTAMPTZ;
        break;
    case KO_SQL_T_STRUCT:
    case KO_SQL_T_LIST:
    case KO_SQL_T_MAP:
        parse_nested(p, t);
        break;
    default:
        break;
    }
}

static _Noreturn void unknown_type(ko_sql_parser *p, ko_sql_pos pos, const char *word)
{
    const char *names[KO_ARRAY_LEN(type_words)];
    for (size_t i = 0; i < KO_ARRAY_LEN(type_words); i++)
        names[i] = type_words[i].word;
    const char *s = ko_sql_suggest(word, names, KO_ARRAY_LEN(names));
    if (s)
        ko_sql_fail_at(p, pos, "unknown type '%s' (did you mean %s?)", word, s);
    ko_sql_fail_at(p, pos, "unknown type '%s'", word);
}

ko_sql_type *ko_sql_type_parse(ko_sql_parser *p)
{
    ko_sql_enter(p);
    const ko_sql_tok *tok = ko_sql_cur(p);
    if (tok->type != T_IDENT && tok->type != T_QIDENT)
        ko_sql_fail_expected(p, "type name");
    ko_sql_type *t = ko_sql_alloc(p, sizeof *t);
    t->pos = ko_sql_tok_pos(tok);
    t->precision = t->scale = t->length = -1;
    const char *word = ko_sql_word_parse(p, "type name").name;
    t->kind = ko_sql_type_word(word);
    if (!t->kind)
        unknown_type(p, t->pos, word);
    parse_modifiers(p, t, word);
    uint32_t chain = 0;
    while (ko_sql_is(p, T_LBRACKET)) {
        ko_sql_enter(p);
        chain++;
        ko_sql_advance(p);
        if (ko_sql_is(p, T_INT))
            ko_sql_advance(p); /* INT[3]: a fixed size is not kept */
        ko_sql_expect(p, T_RBRACKET);
        ko_sql_type *l = ko_sql_alloc(p, sizeof *l);
        l->kind = KO_SQL_T_LIST;
        l->pos = t->pos;
        l->precision = l->scale = l->length = -1;
        l->elem = t;
        t = l;
    }
    p->depth -= chain;
    ko_sql_leave(p);
    return t;
}
