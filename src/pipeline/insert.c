/*
 * insert.c - INSERT INTO statements of pipeline sql steps, matched to the
 * table as standard SQL (and the engine's own INSERT) matches them.
 *
 * exec.c runs "INSERT INTO ns.t [(c1, c2, ...)] <query>" itself, so that
 * its commit is fenced and stamped (see there).  This file decides what
 * the query's columns mean for the table:
 *
 *   - without a column list, the query's columns go to the table's
 *     columns by position: as many as the table has, in order;
 *   - with a column list, the i-th query column goes to the i-th listed
 *     column; the table's other columns get NULL (a required one is an
 *     error); a listed name the table lacks, or one listed twice, is an
 *     error.
 *
 * The query is first bound (not run) to learn its result columns: the
 * probe sink stops it at begin().  Counts and types are checked with
 * errors that name the position, the query column and the table column.
 * Types must be assignable: the same kind, or a widening (integers to
 * wider integers, decimals and floating point; decimals and floats to
 * floating point; DATE to timestamps; TIMESTAMP to TIMESTAMPTZ); NULL goes
 * anywhere.  The statement then becomes a projection over the query that
 * names and casts every table column in table order,
 *   SELECT CAST(_ko_q."x" AS BIGINT) AS "id", ... FROM (<query>) AS _ko_q
 * which the renderer writes to Parquet with the table's names and types.
 * Query columns are referred to by their result names, so those must be
 * distinct (an alias fixes a clash; the error says so).
 */
#include "pipeline/pipe_internal.h"
#include "sql/sql.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

/* ---------------------------------------------------------------- parsing */

static const char *skip_blanks(const char *p)
{
    for (;;) {
        while (isspace((unsigned char)*p))
            p++;
        if (p[0] == '-' && p[1] == '-')
            p += strcspn(p, "\n");
        else if (p[0] == '/' && p[1] == '*' && strstr(p + 2, "*/"))
            p = strstr(p + 2, "*/") + 2;
        else
            return p;
    }
}

static const char *keyword(const char *p, const char *w)
{
    size_t n = strlen(w);
    p = skip_blanks(p);
    if (strncasecmp(p, w, n) == 0 && !isalnum((unsigned char)p[n]) && p[n] != '_')
        return p + n;
    return NULL;
}

static bool starts_query(const char *q)
{
    return keyword(q, "select") || keyword(q, "with") || keyword(q, "values") || *q == '(';
}

/* One column name of the list: bare or "quoted" ("" inside). */
static const char *list_name(const char *p, ko_arena *a, const char **name)
{
    p = skip_blanks(p);
    if (*p != '"') {
        size_t n = 0;
        while (isalnum((unsigned char)p[n]) || p[n] == '_')
            n++;
        *name = n ? ko_arena_strndup(a, p, n) : NULL;
        return *name ? p + n : NULL;
    }
    ko_buf b = {0};
    const char *q = p + 1;
    for (; *q && !(q[0] == '"' && q[1] != '"'); q++) {
        if (q[0] == '"')
            q++; /* "" */
        if (ko_buf_append(&b, q, 1) != KO_OK)
            break;
    }
    *name = *q == '"' && b.len ? ko_arena_strndup(a, (const char *)b.data, b.len) : NULL;
    ko_buf_free(&b);
    return *name ? q + 1 : NULL;
}

/* "(c1, c2)" after the table name: the names; NULL when malformed. */
static const char *column_list(const char *p, ko_arena *a, pipe_insert *out)
{
    size_t cap = 8;
    out->columns = ko_arena_calloc(a, cap, sizeof *out->columns);
    p = skip_blanks(p) + 1; /* '(' */
    while (p && out->columns) {
        if (out->n_columns == cap) {
            const char **more = ko_arena_calloc(a, cap * 2, sizeof *more);
            if (more)
                memcpy(more, out->columns, cap * sizeof *more);
            out->columns = more;
            cap *= 2;
            if (!more)
                return NULL;
        }
        p = list_name(p, a, &out->columns[out->n_columns++]);
        p = p ? skip_blanks(p) : NULL;
        if (p && *p == ')')
            return p + 1;
        p = p && *p == ',' ? p + 1 : NULL;
    }
    return NULL;
}

bool pipe_parse_insert(const char *stmt, ko_arena *a, pipe_insert *out)
{
    memset(out, 0, sizeof *out);
    const char *p = keyword(stmt, "insert");
    p = p ? keyword(p, "into") : NULL;
    if (!p)
        return false;
    p = skip_blanks(p);
    size_t n = 0;
    while (isalnum((unsigned char)p[n]) || p[n] == '_' || p[n] == '.')
        n++;
    if (n == 0 || memchr(p, '.', n) == NULL)
        return false;
    const char *q = skip_blanks(p + n);
    if (*q == '(' && !starts_query(skip_blanks(q + 1)))
        q = column_list(q, a, out);
    if (!q || !starts_query(skip_blanks(q)))
        return false;
    q = skip_blanks(q);
    out->table = ko_arena_strndup(a, p, n);
    out->query = keyword(q, "values") ? ko_arena_sprintf(a, "SELECT * FROM (%s)", q) : q;
    return out->table && out->query;
}

/* ------------------------------------------------------------------ probe */

typedef struct probe {
    ko_arena *a;
    size_t n;
    const char **names;
    ko_sql_dtid *types;
    bool done;
} probe;

static const char *dtid_name(ko_sql_dtid id)
{
    static const char *const names[KO_SQL_DT_COUNT_] = {
        [KO_SQL_DT_NULL] = "NULL",
        [KO_SQL_DT_BOOLEAN] = "BOOLEAN",
        [KO_SQL_DT_TINYINT] = "TINYINT",
        [KO_SQL_DT_SMALLINT] = "SMALLINT",
        [KO_SQL_DT_INTEGER] = "INTEGER",
        [KO_SQL_DT_BIGINT] = "BIGINT",
        [KO_SQL_DT_HUGEINT] = "HUGEINT",
        [KO_SQL_DT_FLOAT] = "FLOAT",
        [KO_SQL_DT_DOUBLE] = "DOUBLE",
        [KO_SQL_DT_DECIMAL] = "DECIMAL",
        [KO_SQL_DT_VARCHAR] = "VARCHAR",
        [KO_SQL_DT_BLOB] = "BLOB",
        [KO_SQL_DT_DATE] = "DATE",
        [KO_SQL_DT_TIME] = "TIME",
        [KO_SQL_DT_TIMESTAMP] = "TIMESTAMP",
        [KO_SQL_DT_TIMESTAMPTZ] = "TIMESTAMPTZ",
        [KO_SQL_DT_INTERVAL] = "INTERVAL",
        [KO_SQL_DT_UUID] = "UUID",
        [KO_SQL_DT_STRUCT] = "STRUCT",
        [KO_SQL_DT_LIST] = "LIST",
        [KO_SQL_DT_MAP] = "MAP",
        [KO_SQL_DT_ANY] = "ANY",
    };
    return (unsigned)id < KO_SQL_DT_COUNT_ && names[id] ? names[id] : "?";
}

static ko_status probe_begin(void *ctx, const ko_sql_result_info *info, ko_err *err)
{
    probe *p = ctx;
    p->n = info->n_cols;
    p->names = ko_arena_calloc(p->a, p->n + 1, sizeof *p->names);
    p->types = ko_arena_calloc(p->a, p->n + 1, sizeof *p->types);
    if (!p->names || !p->types)
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < p->n; i++) {
        p->names[i] = ko_arena_strdup(p->a, info->names[i] ? info->names[i] : "");
        p->types[i] = info->types[i].id;
        if (!p->names[i])
            return ko_err_set(err, KO_ERR_NOMEM, "out of memory");
    }
    p->done = true;
    /* Stop here: only the columns were wanted, not the rows. */
    return ko_err_set(err, KO_ERR_INVALID, "probe done");
}

/* Binds query in s and returns its result columns. */
static ko_status probe_query(ko_sql_session *s, const char *query, probe *p, ko_err *err)
{
    ko_sql_sink sink = {p, probe_begin, NULL, NULL};
    ko_status st = ko_sql_exec(s, query, strlen(query), &sink, err);
    if (p->done)
        return KO_OK;
    if (st == KO_OK)
        return ko_err_set(err, KO_ERR_INVALID, "the query of INSERT returns no result");
    return st;
}

/* ------------------------------------------------------------------ types */

static bool is_integer(ko_sql_dtid d)
{
    return d >= KO_SQL_DT_TINYINT && d <= KO_SQL_DT_HUGEINT;
}

/* Whether a query value of type d may be assigned to a column of type t. */
static bool assignable(ko_sql_dtid d, ko_ice_type_id t)
{
    if (d == KO_SQL_DT_NULL)
        return true;
    switch (t) {
    case KO_ICE_BOOLEAN:
        return d == KO_SQL_DT_BOOLEAN;
    case KO_ICE_INT:
    case KO_ICE_LONG:
        return is_integer(d);
    case KO_ICE_DECIMAL:
        return is_integer(d) || d == KO_SQL_DT_DECIMAL;
    case KO_ICE_FLOAT:
    case KO_ICE_DOUBLE:
        return is_integer(d) || d == KO_SQL_DT_DECIMAL || d == KO_SQL_DT_FLOAT ||
               d == KO_SQL_DT_DOUBLE;
    case KO_ICE_DATE:
        return d == KO_SQL_DT_DATE;
    case KO_ICE_TIME:
        return d == KO_SQL_DT_TIME;
    case KO_ICE_TIMESTAMP:
    case KO_ICE_TIMESTAMP_NS:
        return d == KO_SQL_DT_DATE || d == KO_SQL_DT_TIMESTAMP;
    case KO_ICE_TIMESTAMPTZ:
    case KO_ICE_TIMESTAMPTZ_NS:
        return d == KO_SQL_DT_DATE || d == KO_SQL_DT_TIMESTAMP || d == KO_SQL_DT_TIMESTAMPTZ;
    case KO_ICE_STRING:
        return d == KO_SQL_DT_VARCHAR;
    case KO_ICE_UUID:
        return d == KO_SQL_DT_UUID;
    case KO_ICE_FIXED:
    case KO_ICE_BINARY:
        return d == KO_SQL_DT_BLOB;
    case KO_ICE_STRUCT:
        return d == KO_SQL_DT_STRUCT;
    case KO_ICE_LIST:
        return d == KO_SQL_DT_LIST;
    case KO_ICE_MAP:
        return d == KO_SQL_DT_MAP;
    default:
        return false;
    }
}

/* The SQL type a column is cast to; NULL: none (nested, fixed: passed as
 * they are). */
static const char *cast_type(const ko_ice_type *t, ko_arena *a)
{
    switch (t->id) {
    case KO_ICE_BOOLEAN:
        return "BOOLEAN";
    case KO_ICE_INT:
        return "INTEGER";
    case KO_ICE_LONG:
        return "BIGINT";
    case KO_ICE_FLOAT:
        return "FLOAT";
    case KO_ICE_DOUBLE:
        return "DOUBLE";
    case KO_ICE_DECIMAL:
        return ko_arena_sprintf(a, "DECIMAL(%d, %d)", (int)t->precision, (int)t->scale);
    case KO_ICE_DATE:
        return "DATE";
    case KO_ICE_TIME:
        return "TIME";
    case KO_ICE_TIMESTAMP:
        return "TIMESTAMP";
    case KO_ICE_TIMESTAMPTZ:
        return "TIMESTAMPTZ";
    case KO_ICE_STRING:
        return "VARCHAR";
    case KO_ICE_UUID:
        return "UUID";
    case KO_ICE_BINARY:
        return "BLOB";
    default:
        return NULL;
    }
}

static ko_status quote_ident(ko_buf *b, const char *s)
{
    ko_status st = ko_buf_append(b, "\"", 1);
    for (const char *p = s; *p && st == KO_OK; p++)
        st = *p == '"' ? ko_buf_append(b, "\"\"", 2) : ko_buf_append(b, p, 1);
    return st == KO_OK ? ko_buf_append(b, "\"", 1) : st;
}

/* ---------------------------------------------------------------- mapping */

/* map[i]: the query column of table column i, -1 for none (NULL). */
static ko_status match_columns(const pipe_insert *ins, const ko_ice_table *t, const probe *p,
                               int *map, ko_err *err)
{
    const ko_ice_schema *sc = ko_ice_meta_current_schema(&t->meta);
    size_t n = sc->root.n_fields, want = ins->n_columns ? ins->n_columns : n;
    if (p->n != want)
        return ko_err_set(err, KO_ERR_INVALID,
                          "INSERT INTO %s: the query returns %zu column%s but %s %zu: %s",
                          ins->table, p->n, p->n == 1 ? "" : "s",
                          ins->n_columns ? "the column list names" : "the table has", want,
                          "columns are matched by position, as in SQL");
    for (size_t i = 0; i < n; i++)
        map[i] = ins->n_columns ? -1 : (int)i;
    for (size_t j = 0; j < ins->n_columns; j++) {
        size_t i = 0;
        while (i < n && strcasecmp(sc->root.fields[i].name, ins->columns[j]) != 0)
            i++;
        if (i == n)
            return ko_err_set(err, KO_ERR_INVALID,
                              "INSERT INTO %s: the table has no column named \"%s\"", ins->table,
                              ins->columns[j]);
        if (map[i] >= 0)
            return ko_err_set(err, KO_ERR_INVALID,
                              "INSERT INTO %s: column \"%s\" is named twice in the column list",
                              ins->table, ins->columns[j]);
        map[i] = (int)j;
    }
    return KO_OK;
}

static ko_status check_column(const pipe_insert *ins, const ko_ice_field *f, const probe *p, int q,
                              ko_err *err)
{
    if (q < 0) {
        if (f->required)
            return ko_err_set(err, KO_ERR_INVALID,
                              "INSERT INTO %s: column %s is required (not null) and missing from "
                              "the column list",
                              ins->table, f->name);
        return KO_OK;
    }
    if (!assignable(p->types[q], f->type.id)) {
        const char *tt = f->type.id == KO_ICE_DECIMAL ? "decimal" : ko_ice_type_name(f->type.id);
        return ko_err_set(err, KO_ERR_INVALID,
                          "INSERT INTO %s: query column %d (%s) is %s, which cannot be stored "
                          "in column %s of type %s",
                          ins->table, q + 1, p->names[q], dtid_name(p->types[q]), f->name, tt);
    }
    for (size_t k = 0; k < (size_t)q; k++)
        if (strcasecmp(p->names[k], p->names[q]) == 0)
            return ko_err_set(err, KO_ERR_INVALID,
                              "INSERT INTO %s: query columns %zu and %d are both named \"%s\": "
                              "give them distinct names (AS alias)",
                              ins->table, k + 1, q + 1, p->names[q]);
    return KO_OK;
}

/* One item of the projection: table column f from query column q (-1:
 * NULL).  Columns are cast to their table type unless nested. */
static ko_status project_item(ko_buf *b, const ko_ice_field *f, const probe *p, int q, ko_arena *a)
{
    const char *ct = cast_type(&f->type, a);
    ko_status st = ct ? ko_buf_append_str(b, "CAST(") : KO_OK;
    if (st == KO_OK && q < 0)
        st = ko_buf_append_str(b, "NULL");
    if (st == KO_OK && q >= 0 && (st = ko_buf_append_str(b, "_ko_q.")) == KO_OK)
        st = quote_ident(b, p->names[q]);
    if (st == KO_OK && ct)
        st = ko_buf_appendf(b, " AS %s)", ct);
    if (st == KO_OK)
        st = ko_buf_append_str(b, " AS ");
    return st == KO_OK ? quote_ident(b, f->name) : st;
}

/* SELECT <every table column, cast> FROM (query) AS _ko_q. */
static ko_status projection(const pipe_insert *ins, const ko_ice_schema *sc, const probe *p,
                            const int *map, ko_arena *a, const char **out)
{
    ko_buf b = {0};
    ko_status st = ko_buf_append_str(&b, "SELECT ");
    bool first = true;
    for (size_t i = 0; i < sc->root.n_fields && st == KO_OK; i++) {
        const ko_ice_field *f = &sc->root.fields[i];
        if (map[i] < 0 && !cast_type(&f->type, a))
            continue; /* a nested column left out: absent, so null */
        if (!first)
            st = ko_buf_append_str(&b, ", ");
        first = false;
        if (st == KO_OK)
            st = project_item(&b, f, p, map[i], a);
    }
    if (st == KO_OK)
        st = ko_buf_appendf(&b, " FROM (%s) AS _ko_q", ins->query);
    if (st == KO_OK && !(*out = ko_arena_strndup(a, (const char *)b.data, b.len)))
        st = KO_ERR_NOMEM;
    ko_buf_free(&b);
    return st;
}

ko_status pipe_insert_plan(ko_sql_session *s, const pipe_insert *ins, const ko_ice_table *t,
                           ko_arena *a, const char **out, ko_err *err)
{
    const ko_ice_schema *sc = ko_ice_meta_current_schema(&t->meta);
    size_t n = sc->root.n_fields;
    probe p = {.a = a};
    int *map = ko_arena_calloc(a, n + 1, sizeof *map);
    if (!map)
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory");
    ko_status st = probe_query(s, ins->query, &p, err);
    if (st == KO_OK)
        st = match_columns(ins, t, &p, map, err);
    for (size_t i = 0; i < n && st == KO_OK; i++)
        st = check_column(ins, &sc->root.fields[i], &p, map[i], err);
    if (st == KO_OK && projection(ins, sc, &p, map, a, out) != KO_OK)
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory");
    return st;
}
