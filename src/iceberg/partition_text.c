/*
 * partition_text.c - partition specs written as text, for the CLI's
 * "--partition-by 'day(ts),bucket(16,id),truncate(4,name),x'".
 *
 * The grammar is deliberately small:
 *
 *   spec   = [ item { "," item } ]
 *   item   = column | func "(" arg { "," arg } ")"
 *   arg    = number | column
 *   column = bare name (no blanks, commas or parentheses; dots for nested
 *            fields) | "`name`" | "\"name\""
 *
 * Functions are identity, bucket, truncate, year, month, day, hour and void,
 * with Spark's plurals (years, months, days, hours) accepted; bucket and
 * truncate take their number before or after the column.  Columns resolve
 * by exact full name first, then case-insensitively.  Fields are named as
 * the Java builder names them and numbered after the table's
 * last-partition-id; the finished spec is validated against the schema.
 */
#include "iceberg/iceberg.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

typedef struct cursor {
    const char *text;
    const char *p;
    ko_arena *arena;
    ko_err *err;
} cursor;

static void skip_ws(cursor *c)
{
    while (isspace((unsigned char)*c->p))
        c->p++;
}

static ko_status syntax(cursor *c, const char *what)
{
    return ko_err_set(c->err, KO_ERR_INVALID, "partition-by '%s': at offset %ld: %s", c->text,
                      (long)(c->p - c->text), what);
}

static bool is_bare(char ch)
{
    return ch && ch != ',' && ch != '(' && ch != ')' && ch != '`' && ch != '"' &&
           !isspace((unsigned char)ch);
}

/* A bare or quoted word, copied into the arena. */
static ko_status read_word(cursor *c, const char **out, bool *quoted)
{
    skip_ws(c);
    const char *start = c->p, *end;
    *quoted = *c->p == '`' || *c->p == '"';
    if (*quoted) {
        char q = *c->p++;
        start = c->p;
        end = strchr(start, q);
        if (!end)
            return syntax(c, "unterminated quoted name");
        c->p = end + 1;
    } else {
        while (is_bare(*c->p))
            c->p++;
        end = c->p;
    }
    if (end == start && !*quoted)
        return syntax(c, "expected a column or transform name");
    *out = ko_arena_strndup(c->arena, start, (size_t)(end - start));
    return *out ? KO_OK : ko_err_set(c->err, KO_ERR_NOMEM, "out of memory");
}

static bool parse_count(const char *s, int32_t *out)
{
    int64_t v = 0;
    if (!*s || strlen(s) > 10)
        return false;
    for (const char *p = s; *p; p++) {
        if (!isdigit((unsigned char)*p))
            return false;
        v = v * 10 + (*p - '0');
    }
    if (v < 1 || v > INT32_MAX)
        return false;
    *out = (int32_t)v;
    return true;
}

typedef struct func_name {
    const char *name;
    ko_ice_transform_kind kind;
    const char *suffix; /* Java's partition field name suffix */
} func_name;

static const func_name FUNCS[] = {
    {"identity", KO_ICE_TR_IDENTITY, ""},
    {"bucket", KO_ICE_TR_BUCKET, "_bucket"},
    {"truncate", KO_ICE_TR_TRUNCATE, "_trunc"},
    {"year", KO_ICE_TR_YEAR, "_year"},
    {"years", KO_ICE_TR_YEAR, "_year"},
    {"month", KO_ICE_TR_MONTH, "_month"},
    {"months", KO_ICE_TR_MONTH, "_month"},
    {"day", KO_ICE_TR_DAY, "_day"},
    {"days", KO_ICE_TR_DAY, "_day"},
    {"hour", KO_ICE_TR_HOUR, "_hour"},
    {"hours", KO_ICE_TR_HOUR, "_hour"},
    {"void", KO_ICE_TR_VOID, "_null"},
};

static const func_name *find_func(const char *name)
{
    for (size_t i = 0; i < KO_ARRAY_LEN(FUNCS); i++)
        if (strcasecmp(FUNCS[i].name, name) == 0)
            return &FUNCS[i];
    return NULL;
}

/* The arguments of f: one column, plus a count for bucket and truncate. */
static ko_status read_args(cursor *c, const func_name *f, const char **column, int32_t *count)
{
    const char *args[2];
    bool quoted[2];
    int n = 0;
    for (;;) {
        if (n == 2)
            return syntax(c, "too many arguments");
        ko_status st = read_word(c, &args[n], &quoted[n]);
        if (st != KO_OK)
            return st;
        n++;
        skip_ws(c);
        if (*c->p == ')')
            break;
        if (*c->p != ',')
            return syntax(c, "expected ',' or ')'");
        c->p++;
    }
    c->p++;
    bool param = f->kind == KO_ICE_TR_BUCKET || f->kind == KO_ICE_TR_TRUNCATE;
    if (n != (param ? 2 : 1))
        return ko_err_set(c->err, KO_ERR_INVALID, "partition-by '%s': %s takes %s", c->text,
                          f->name, param ? "a number and a column" : "one column");
    int num = !param ? -1 : (!quoted[0] && parse_count(args[0], count)) ? 0 : 1;
    if (param && (quoted[num] || !parse_count(args[num], count)))
        return ko_err_set(c->err, KO_ERR_INVALID,
                          "partition-by '%s': %s needs a positive number of %s", c->text, f->name,
                          f->kind == KO_ICE_TR_BUCKET ? "buckets" : "characters");
    *column = args[num == 0 ? 1 : 0];
    return KO_OK;
}

static ko_status make_field(cursor *c, const ko_ice_schema *schema, const func_name *f,
                            const char *column, int32_t count, ko_ice_partition_field *out)
{
    const ko_ice_schema_entry *e = ko_ice_schema_entry_by_name(schema, column, true);
    if (!e)
        return ko_err_set(c->err, KO_ERR_INVALID, "partition-by '%s': no column named '%s'",
                          c->text, column);
    out->source_id = e->field->id;
    out->transform = (ko_ice_transform){.kind = f->kind, .param = count};
    out->name = ko_arena_sprintf(c->arena, "%s%s", e->name, f->suffix);
    return out->name ? KO_OK : ko_err_set(c->err, KO_ERR_NOMEM, "out of memory");
}

static ko_status read_item(cursor *c, const ko_ice_schema *schema, ko_ice_partition_field *out)
{
    const char *word;
    bool quoted;
    ko_status st = read_word(c, &word, &quoted);
    if (st != KO_OK)
        return st;
    skip_ws(c);
    if (*c->p != '(')
        return make_field(c, schema, &FUNCS[0], word, 0, out);
    const func_name *f = quoted ? NULL : find_func(word);
    if (!f)
        return ko_err_set(c->err, KO_ERR_INVALID,
                          "partition-by '%s': unknown transform '%s' (want identity, bucket, "
                          "truncate, year, month, day, hour or void)",
                          c->text, word);
    c->p++;
    const char *column = NULL;
    int32_t count = 0;
    st = read_args(c, f, &column, &count);
    return st == KO_OK ? make_field(c, schema, f, column, count, out) : st;
}

static uint32_t count_items(const char *text)
{
    uint32_t n = 1;
    for (const char *p = text; *p; p++)
        n += *p == ',';
    return n;
}

ko_status ko_ice_spec_parse_text(const char *text, const ko_ice_schema *schema, int32_t spec_id,
                                 int32_t *last_partition_id, ko_arena *arena,
                                 ko_ice_partition_spec *out, ko_err *err)
{
    cursor c = {.text = text, .p = text, .arena = arena, .err = err};
    *out = (ko_ice_partition_spec){.spec_id = spec_id};
    out->fields = ko_arena_calloc(arena, count_items(text), sizeof *out->fields);
    if (!out->fields)
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory");
    int32_t next = *last_partition_id;
    skip_ws(&c);
    while (*c.p) {
        ko_ice_partition_field *f = &out->fields[out->n_fields];
        ko_status st = read_item(&c, schema, f);
        if (st != KO_OK)
            return st;
        f->field_id = ++next;
        out->n_fields++;
        skip_ws(&c);
        if (!*c.p)
            break;
        if (*c.p != ',')
            return syntax(&c, "expected ','");
        c.p++;
        skip_ws(&c);
        if (!*c.p)
            return syntax(&c, "expected a partition field after ','");
    }
    ko_status st = ko_ice_spec_validate(out, schema, err);
    if (st != KO_OK)
        return ko_err_prefix(err, "partition-by '%s'", text);
    *last_partition_id = next;
    return KO_OK;
}
