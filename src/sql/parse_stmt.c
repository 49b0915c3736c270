/*
 * parse_stmt.c - statements: queries, CREATE/DROP SCHEMA, CREATE TABLE
 * (columns, PARTITIONED BY transforms, WITH properties, AS query), DROP
 * TABLE, INSERT, DELETE, UPDATE, ALTER TABLE, SHOW, DESCRIBE, EXPLAIN,
 * SET/RESET and USE.  The first word picks the statement; an unknown first
 * word gets the list of statements and, if close to one, a suggestion.
 */
#include "sql/parse_int.h"

#include <string.h>
#include <strings.h>

static ko_sql_stmt *stmt_new(ko_sql_parser *p, ko_sql_stmt_kind kind, ko_sql_pos pos)
{
    ko_sql_stmt *s = ko_sql_alloc(p, sizeof *s);
    s->kind = kind;
    s->pos = pos;
    return s;
}

static bool word_is(ko_sql_parser *p, unsigned k, const char *w)
{
    const ko_sql_tok *t = ko_sql_peek(p, k);
    size_t n = strlen(w);
    return t->type == T_IDENT && t->len == n && strncasecmp(p->src + t->off, w, n) == 0;
}

static bool if_not_exists(ko_sql_parser *p)
{
    if (!ko_sql_is_kw(p, KW_IF))
        return false;
    ko_sql_advance(p);
    ko_sql_expect_kw(p, KW_NOT);
    ko_sql_expect_kw(p, KW_EXISTS);
    return true;
}

static bool if_exists(ko_sql_parser *p)
{
    if (!ko_sql_is_kw(p, KW_IF))
        return false;
    ko_sql_advance(p);
    ko_sql_expect_kw(p, KW_EXISTS);
    return true;
}

/* ------------------------------------------------------------- CREATE */

static void parse_column_constraints(ko_sql_parser *p, ko_sql_column_def *c)
{
    for (;;) {
        if (ko_sql_is_kw(p, KW_NOT) && ko_sql_is_kw_at(p, 1, KW_NULL)) {
            ko_sql_advance(p);
            ko_sql_advance(p);
            c->not_null = true;
        } else if (ko_sql_accept_kw(p, KW_NULL)) {
            c->not_null = false;
        } else if (ko_sql_accept_kw(p, KW_DEFAULT)) {
            c->default_value = ko_sql_expr_prec(p, PREC_ADD);
        } else if (ko_sql_accept_kw(p, KW_COMMENT)) {
            if (!ko_sql_is(p, T_STRING))
                ko_sql_fail_expected(p, "comment string");
            c->comment = ko_sql_string_value(p, ko_sql_cur(p)).str;
            ko_sql_advance(p);
        } else if (word_is(p, 0, "primary") || word_is(p, 0, "unique") ||
                   word_is(p, 0, "references") || word_is(p, 0, "check")) {
            ko_sql_fail(p, "column constraint %.*s is not supported (Iceberg tables have no keys)",
                        (int)ko_sql_cur(p)->len, p->src + ko_sql_cur(p)->off);
        } else {
            return;
        }
    }
}

static ko_sql_column_def parse_column_def(ko_sql_parser *p)
{
    ko_sql_column_def c = {0};
    c.pos = ko_sql_cur_pos(p);
    c.name = ko_sql_ident_parse(p, "column name");
    c.type = ko_sql_type_parse(p);
    parse_column_constraints(p, &c);
    return c;
}

static void parse_columns(ko_sql_parser *p, ko_sql_stmt *s)
{
    ko_sql_vec v = {0};
    ko_sql_expect(p, T_LPAREN);
    do {
        if (word_is(p, 0, "primary") || word_is(p, 0, "constraint") || word_is(p, 0, "unique"))
            ko_sql_fail(p, "table constraints are not supported (Iceberg tables have no keys)");
        *(ko_sql_column_def *)ko_sql_vec_push(p, &v, sizeof(ko_sql_column_def)) =
            parse_column_def(p);
    } while (ko_sql_accept(p, T_COMMA));
    ko_sql_expect(p, T_RPAREN);
    s->create_table.columns = v.data;
    s->create_table.n_columns = v.n;
}

/* year/years ... -> the singular Iceberg transform name. */
static const char *transform_name(ko_sql_parser *p, const char *word)
{
    static const char *const plural[][2] = {
        {"years", "year"}, {"months", "month"}, {"days", "day"}, {"hours", "hour"}};
    for (size_t i = 0; i < KO_ARRAY_LEN(plural); i++)
        if (strcmp(word, plural[i][0]) == 0)
            return plural[i][1];
    (void)p;
    return word;
}

static void parse_transform_args(ko_sql_parser *p, ko_sql_partition_field *f)
{
    ko_sql_expect(p, T_LPAREN);
    bool have_col = false;
    do {
        if (ko_sql_is(p, T_INT) && f->param < 0) {
            f->param = ko_sql_int_value(p, ko_sql_cur(p));
            ko_sql_advance(p);
        } else if (!have_col) {
            f->column = ko_sql_ident_parse(p, "column name");
            have_col = true;
        } else {
            ko_sql_fail_expected(p, "')'");
        }
    } while (ko_sql_accept(p, T_COMMA));
    ko_sql_expect(p, T_RPAREN);
    if (!have_col)
        ko_sql_fail_at(p, f->pos, "partition transform %s needs a column", f->transform);
}

static ko_sql_partition_field parse_partition_field(ko_sql_parser *p)
{
    ko_sql_partition_field f = {0};
    f.pos = ko_sql_cur_pos(p);
    f.param = -1;
    ko_sql_ident first = ko_sql_ident_parse(p, "column or transform");
    if (!ko_sql_is(p, T_LPAREN)) {
        f.transform = "identity";
        f.column = first;
        return f;
    }
    f.transform = first.quoted ? first.name : transform_name(p, first.name);
    parse_transform_args(p, &f);
    return f;
}

static void parse_partitioned_by(ko_sql_parser *p, ko_sql_stmt *s)
{
    bool partitioned = ko_sql_is_kw(p, KW_PARTITIONED);
    if ((!partitioned && !ko_sql_is_kw(p, KW_PARTITION)) || !ko_sql_is_kw_at(p, 1, KW_BY)) {
        ko_sql_note(p, "PARTITIONED BY");
        return;
    }
    ko_sql_advance(p);
    ko_sql_advance(p);
    ko_sql_vec v = {0};
    ko_sql_expect(p, T_LPAREN);
    do {
        *(ko_sql_partition_field *)ko_sql_vec_push(p, &v, sizeof(ko_sql_partition_field)) =
            parse_partition_field(p);
    } while (ko_sql_accept(p, T_COMMA));
    ko_sql_expect(p, T_RPAREN);
    s->create_table.partition_by = v.data;
    s->create_table.n_partition_by = v.n;
}

static ko_sql_ident property_key(ko_sql_parser *p)
{
    if (ko_sql_is(p, T_STRING)) {
        ko_sql_ident id = {0};
        id.pos = ko_sql_cur_pos(p);
        id.quoted = true;
        id.name = id.text = ko_sql_string_value(p, ko_sql_cur(p)).str;
        ko_sql_advance(p);
        return id;
    }
    ko_sql_ident id = ko_sql_word_parse(p, "property name");
    while (ko_sql_accept(p, T_DOT)) { /* write.format.default */
        ko_sql_ident more = ko_sql_word_parse(p, "property name");
        id.name = ko_arena_sprintf(p->arena, "%s.%s", id.name, more.name);
        id.text = ko_arena_sprintf(p->arena, "%s.%s", id.text, more.text);
        if (!id.name || !id.text)
            ko_sql_nomem(p);
    }
    return id;
}

void ko_sql_property_list(ko_sql_parser *p, ko_sql_property **out, size_t *n)
{
    ko_sql_vec v = {0};
    bool paren = ko_sql_accept(p, T_LPAREN);
    do {
        ko_sql_property *pr = ko_sql_vec_push(p, &v, sizeof *pr);
        pr->key = property_key(p);
        ko_sql_expect(p, T_EQ);
        pr->value = ko_sql_expr_parse(p);
    } while (ko_sql_accept(p, T_COMMA));
    if (paren)
        ko_sql_expect(p, T_RPAREN);
    *out = v.data;
    *n = v.n;
}

static ko_sql_stmt *parse_create_table(ko_sql_parser *p, ko_sql_stmt *s)
{
    s->kind = KO_SQL_S_CREATE_TABLE;
    s->create_table.if_not_exists = if_not_exists(p);
    s->create_table.name = ko_sql_qname_parse(p, "table name");
    if (ko_sql_is(p, T_LPAREN))
        parse_columns(p, s);
    parse_partitioned_by(p, s);
    if (ko_sql_accept_kw(p, KW_WITH))
        ko_sql_property_list(p, &s->create_table.properties, &s->create_table.n_properties);
    if (ko_sql_accept_kw(p, KW_AS))
        s->create_table.query = ko_sql_query_parse(p);
    else if (!s->create_table.n_columns)
        ko_sql_fail_expected(p, "'('");
    return s;
}

static ko_sql_stmt *parse_create(ko_sql_parser *p, ko_sql_pos pos)
{
    ko_sql_stmt *s = stmt_new(p, KO_SQL_S_CREATE_TABLE, pos);
    ko_sql_expect_kw(p, KW_CREATE);
    if (ko_sql_accept_kw(p, KW_OR)) {
        ko_sql_expect_kw(p, KW_REPLACE);
        s->create_table.or_replace = true;
        ko_sql_expect_kw(p, KW_TABLE);
        return parse_create_table(p, s);
    }
    if (ko_sql_accept_kw(p, KW_TABLE))
        return parse_create_table(p, s);
    if (!ko_sql_accept_kw(p, KW_SCHEMA))
        ko_sql_fail_expected(p, NULL);
    s->kind = KO_SQL_S_CREATE_SCHEMA;
    s->schema.if_not_exists = if_not_exists(p);
    s->schema.name = ko_sql_qname_parse(p, "schema name");
    return s;
}

static ko_sql_stmt *parse_drop(ko_sql_parser *p, ko_sql_pos pos)
{
    ko_sql_stmt *s = stmt_new(p, KO_SQL_S_DROP_TABLE, pos);
    ko_sql_expect_kw(p, KW_DROP);
    if (ko_sql_accept_kw(p, KW_TABLE)) {
        s->drop_table.if_exists = if_exists(p);
        s->drop_table.name = ko_sql_qname_parse(p, "table name");
        return s;
    }
    if (!ko_sql_accept_kw(p, KW_SCHEMA))
        ko_sql_fail_expected(p, NULL);
    s->kind = KO_SQL_S_DROP_SCHEMA;
    s->schema.if_exists = if_exists(p);
    s->schema.name = ko_sql_qname_parse(p, "schema name");
    if (ko_sql_accept_kw(p, KW_CASCADE))
        s->schema.cascade = true;
    else if (word_is(p, 0, "restrict"))
        ko_sql_advance(p);
    return s;
}

/* ---------------------------------------------------------------- DML */

static ko_sql_stmt *parse_insert(ko_sql_parser *p, ko_sql_pos pos)
{
    ko_sql_stmt *s = stmt_new(p, KO_SQL_S_INSERT, pos);
    ko_sql_expect_kw(p, KW_INSERT);
    if (ko_sql_accept_kw(p, KW_OVERWRITE)) {
        s->insert.overwrite = true;
        if (!ko_sql_accept_kw(p, KW_TABLE))
            (void)ko_sql_accept_kw(p, KW_INTO);
    } else {
        ko_sql_expect_kw(p, KW_INTO);
    }
    s->insert.table = ko_sql_qname_parse(p, "table name");
    if (ko_sql_is(p, T_LPAREN) && !ko_sql_starts_query(p, 1))
        ko_sql_ident_list(p, &s->insert.columns, &s->insert.n_columns);
    if (!ko_sql_starts_query(p, 0)) {
        ko_sql_note(p, "VALUES");
        ko_sql_note(p, "SELECT");
        ko_sql_fail_expected(p, NULL);
    }
    s->insert.query = ko_sql_query_parse(p);
    return s;
}

static ko_sql_stmt *parse_delete(ko_sql_parser *p, ko_sql_pos pos)
{
    ko_sql_stmt *s = stmt_new(p, KO_SQL_S_DELETE, pos);
    ko_sql_expect_kw(p, KW_DELETE);
    ko_sql_expect_kw(p, KW_FROM);
    s->delete_.table = ko_sql_qname_parse(p, "table name");
    s->delete_.alias = ko_sql_alias_parse(p);
    if (ko_sql_accept_kw(p, KW_WHERE))
        s->delete_.where = ko_sql_expr_parse(p);
    return s;
}

static ko_sql_stmt *parse_update(ko_sql_parser *p, ko_sql_pos pos)
{
    ko_sql_stmt *s = stmt_new(p, KO_SQL_S_UPDATE, pos);
    ko_sql_expect_kw(p, KW_UPDATE);
    s->update.table = ko_sql_qname_parse(p, "table name");
    if (!ko_sql_is_kw(p, KW_SET))
        s->update.alias = ko_sql_alias_parse(p);
    ko_sql_expect_kw(p, KW_SET);
    ko_sql_vec v = {0};
    do {
        ko_sql_assignment *a = ko_sql_vec_push(p, &v, sizeof *a);
        a->column = ko_sql_qname_parse(p, "column name");
        ko_sql_expect(p, T_EQ);
        a->value = ko_sql_expr_parse(p);
    } while (ko_sql_accept(p, T_COMMA));
    s->update.set = v.data;
    s->update.n_set = v.n;
    if (ko_sql_accept_kw(p, KW_WHERE))
        s->update.where = ko_sql_expr_parse(p);
    return s;
}

/* -------------------------------------------------------------- ALTER */

static void parse_alter_column(ko_sql_parser *p, ko_sql_stmt *s)
{
    (void)ko_sql_accept_kw(p, KW_COLUMN);
    s->alter.target = ko_sql_qname_parse(p, "column name");
    if (ko_sql_accept_kw(p, KW_SET)) {
        if (ko_sql_accept_kw(p, KW_NOT)) {
            ko_sql_expect_kw(p, KW_NULL);
            s->alter.action = KO_SQL_ALTER_SET_NOT_NULL;
            return;
        }
        ko_sql_expect_kw(p, KW_DATA);
    } else if (ko_sql_accept_kw(p, KW_DROP)) {
        ko_sql_expect_kw(p, KW_NOT);
        ko_sql_expect_kw(p, KW_NULL);
        s->alter.action = KO_SQL_ALTER_DROP_NOT_NULL;
        return;
    }
    ko_sql_expect_kw(p, KW_TYPE);
    s->alter.action = KO_SQL_ALTER_COLUMN_TYPE;
    s->alter.new_type = ko_sql_type_parse(p);
}

static void parse_alter_rename(ko_sql_parser *p, ko_sql_stmt *s)
{
    if (ko_sql_accept_kw(p, KW_TO)) {
        s->alter.action = KO_SQL_ALTER_RENAME_TABLE;
        s->alter.new_table = ko_sql_qname_parse(p, "table name");
        return;
    }
    (void)ko_sql_accept_kw(p, KW_COLUMN);
    s->alter.action = KO_SQL_ALTER_RENAME_COLUMN;
    s->alter.target = ko_sql_qname_parse(p, "column name");
    ko_sql_expect_kw(p, KW_TO);
    s->alter.new_name = ko_sql_ident_parse(p, "new column name");
}

static void parse_alter_action(ko_sql_parser *p, ko_sql_stmt *s)
{
    if (word_is(p, 0, "add")) {
        ko_sql_advance(p);
        (void)ko_sql_accept_kw(p, KW_COLUMN);
        s->alter.action = KO_SQL_ALTER_ADD_COLUMN;
        s->alter.if_col_exists = if_not_exists(p);
        s->alter.column = parse_column_def(p);
    } else if (ko_sql_accept_kw(p, KW_DROP)) {
        (void)ko_sql_accept_kw(p, KW_COLUMN);
        s->alter.action = KO_SQL_ALTER_DROP_COLUMN;
        s->alter.if_col_exists = if_exists(p);
        s->alter.target = ko_sql_qname_parse(p, "column name");
    } else if (ko_sql_accept_kw(p, KW_RENAME)) {
        parse_alter_rename(p, s);
    } else if (ko_sql_accept_kw(p, KW_ALTER)) {
        parse_alter_column(p, s);
    } else if (ko_sql_accept_kw(p, KW_SET)) {
        if (!ko_sql_accept_kw(p, KW_PROPERTIES))
            ko_sql_expect_kw(p, KW_TBLPROPERTIES);
        s->alter.action = KO_SQL_ALTER_SET_PROPERTIES;
        ko_sql_property_list(p, &s->alter.properties, &s->alter.n_properties);
    } else {
        ko_sql_note(p, "ADD");
        ko_sql_fail_expected(p, NULL);
    }
}

static ko_sql_stmt *parse_alter(ko_sql_parser *p, ko_sql_pos pos)
{
    ko_sql_stmt *s = stmt_new(p, KO_SQL_S_ALTER_TABLE, pos);
    ko_sql_expect_kw(p, KW_ALTER);
    ko_sql_expect_kw(p, KW_TABLE);
    s->alter.if_exists = if_exists(p);
    s->alter.table = ko_sql_qname_parse(p, "table name");
    parse_alter_action(p, s);
    return s;
}

/* ------------------------------------------------------ SHOW, DESCRIBE */

static void parse_show_from(ko_sql_parser *p, ko_sql_stmt *s)
{
    if (ko_sql_accept_kw(p, KW_FROM) || ko_sql_accept_kw(p, KW_IN))
        s->show.from = ko_sql_qname_parse(p, "schema name");
    if (ko_sql_accept_kw(p, KW_LIKE)) {
        if (!ko_sql_is(p, T_STRING))
            ko_sql_fail_expected(p, "pattern string");
        s->show.like = ko_sql_string_value(p, ko_sql_cur(p)).str;
        ko_sql_advance(p);
    }
}

static ko_sql_stmt *parse_show(ko_sql_parser *p, ko_sql_pos pos)
{
    ko_sql_stmt *s = stmt_new(p, KO_SQL_S_SHOW_TABLES, pos);
    ko_sql_expect_kw(p, KW_SHOW);
    if (ko_sql_accept_kw(p, KW_TABLES)) {
        parse_show_from(p, s);
    } else if (ko_sql_accept_kw(p, KW_SCHEMAS)) {
        s->kind = KO_SQL_S_SHOW_SCHEMAS;
        parse_show_from(p, s);
    } else if (ko_sql_accept_kw(p, KW_COLUMNS)) {
        s->kind = KO_SQL_S_DESCRIBE;
        if (!ko_sql_accept_kw(p, KW_FROM))
            ko_sql_expect_kw(p, KW_IN);
        s->describe.table = ko_sql_qname_parse(p, "table name");
    } else {
        s->kind = KO_SQL_S_SHOW_SETTING;
        s->set.name = ko_sql_qname_parse(p, "setting name");
    }
    return s;
}

static ko_sql_stmt *parse_describe(ko_sql_parser *p, ko_sql_pos pos)
{
    ko_sql_stmt *s = stmt_new(p, KO_SQL_S_DESCRIBE, pos);
    ko_sql_advance(p); /* DESCRIBE or DESC */
    if (ko_sql_starts_query(p, 0)) {
        s->describe.query = ko_sql_query_parse(p);
        return s;
    }
    (void)ko_sql_accept_kw(p, KW_TABLE);
    s->describe.table = ko_sql_qname_parse(p, "table name");
    return s;
}

static ko_sql_stmt *parse_explain(ko_sql_parser *p, ko_sql_pos pos)
{
    ko_sql_stmt *s = stmt_new(p, KO_SQL_S_EXPLAIN, pos);
    ko_sql_expect_kw(p, KW_EXPLAIN);
    s->explain.analyze = ko_sql_accept_kw(p, KW_ANALYZE);
    s->explain.verbose = ko_sql_accept_kw(p, KW_VERBOSE);
    ko_sql_enter(p);
    s->explain.stmt = ko_sql_stmt_parse(p);
    s->explain.stmt->end = p->prev_end;
    ko_sql_leave(p);
    return s;
}

/* ---------------------------------------------------------- SET, USE */

static ko_sql_stmt *parse_set(ko_sql_parser *p, ko_sql_pos pos)
{
    ko_sql_stmt *s = stmt_new(p, KO_SQL_S_SET, pos);
    ko_sql_expect_kw(p, KW_SET);
    if (!ko_sql_accept_kw(p, KW_SESSION) && !ko_sql_accept_kw(p, KW_GLOBAL))
        (void)ko_sql_accept_kw(p, KW_LOCAL);
    s->set.name = ko_sql_qname_parse(p, "setting name");
    if (!ko_sql_accept(p, T_EQ))
        ko_sql_expect_kw(p, KW_TO);
    if (ko_sql_accept_kw(p, KW_DEFAULT)) {
        s->kind = KO_SQL_S_RESET;
        return s;
    }
    if (ko_sql_is_kw(p, KW_ON)) { /* SET x = ON: the word as a string */
        s->set.value = ko_sql_expr_new(p, KO_SQL_E_LITERAL, ko_sql_cur_pos(p));
        s->set.value->lit.kind = KO_SQL_LIT_STRING;
        s->set.value->lit.str = "on";
        s->set.value->lit.str_len = 2;
        ko_sql_advance(p);
        s->set.value->end = p->prev_end;
        return s;
    }
    s->set.value = ko_sql_expr_parse(p);
    return s;
}

static ko_sql_stmt *parse_reset(ko_sql_parser *p, ko_sql_pos pos)
{
    ko_sql_stmt *s = stmt_new(p, KO_SQL_S_RESET, pos);
    ko_sql_expect_kw(p, KW_RESET);
    (void)ko_sql_accept_kw(p, KW_SESSION);
    s->set.name = ko_sql_qname_parse(p, "setting name");
    return s;
}

static ko_sql_stmt *parse_use(ko_sql_parser *p, ko_sql_pos pos)
{
    ko_sql_stmt *s = stmt_new(p, KO_SQL_S_USE, pos);
    ko_sql_expect_kw(p, KW_USE);
    s->use.name = ko_sql_qname_parse(p, "schema name");
    return s;
}

/* ---------------------------------------------------------- dispatch */

static _Noreturn void no_statement(ko_sql_parser *p)
{
    static const kw_id starts[] = {KW_SELECT,   KW_WITH,    KW_VALUES, KW_CREATE, KW_DROP,
                                   KW_INSERT,   KW_DELETE,  KW_UPDATE, KW_ALTER,  KW_SHOW,
                                   KW_DESCRIBE, KW_EXPLAIN, KW_SET,    KW_RESET,  KW_USE};
    for (size_t i = 0; i < KO_ARRAY_LEN(starts); i++)
        ko_sql_note(p, ko_sql_kw_name(starts[i]));
    ko_sql_fail_expected(p, NULL);
}

ko_sql_stmt *ko_sql_stmt_parse(ko_sql_parser *p)
{
    ko_sql_pos pos = ko_sql_cur_pos(p);
    if (ko_sql_starts_query(p, 0)) {
        ko_sql_stmt *s = stmt_new(p, KO_SQL_S_QUERY, pos);
        s->query = ko_sql_query_parse(p);
        return s;
    }
    const ko_sql_tok *t = ko_sql_cur(p);
    if (t->type != T_IDENT)
        no_statement(p);
    switch (t->kw) {
    case KW_CREATE:
        return parse_create(p, pos);
    case KW_DROP:
        return parse_drop(p, pos);
    case KW_INSERT:
        return parse_insert(p, pos);
    case KW_DELETE:
        return parse_delete(p, pos);
    case KW_UPDATE:
        return parse_update(p, pos);
    case KW_ALTER:
        return parse_alter(p, pos);
    case KW_SHOW:
        return parse_show(p, pos);
    case KW_DESCRIBE:
    case KW_DESC:
        return parse_describe(p, pos);
    case KW_EXPLAIN:
        return parse_explain(p, pos);
    case KW_SET:
        return parse_set(p, pos);
    case KW_RESET:
        return parse_reset(p, pos);
    case KW_USE:
        return parse_use(p, pos);
    default:
        no_statement(p);
    }
}
