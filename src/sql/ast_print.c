/*
 * ast_print.c - a deterministic S-expression printer for the SQL syntax
 * tree, used by the tests (the printed form shows precedence and
 * structure) and available to EXPLAIN.
 *
 * The printer keeps a sticky status: after the first allocation failure it
 * stops appending and reports KO_ERR_NOMEM at the end, so the many small
 * appends need no checks of their own.
 */
#include "sql/ast.h"

#include <stdio.h>
#include <string.h>

typedef struct pr {
    ko_buf *out;
    ko_status st;
} pr;

static void s(pr *p, const char *str)
{
    if (p->st == KO_OK)
        p->st = ko_buf_append_str(p->out, str);
}

static void f(pr *p, const char *fmt, ...) KO_PRINTF(2, 3);
static void f(pr *p, const char *fmt, ...)
{
    if (p->st != KO_OK)
        return;
    char tmp[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof tmp)
        p->st = KO_ERR_INTERNAL;
    else
        p->st = ko_buf_append(p->out, tmp, (size_t)n);
}

static void expr(pr *p, const ko_sql_expr *e);
static void query(pr *p, const ko_sql_query *q);
static void stmt(pr *p, const ko_sql_stmt *st);

static void ident(pr *p, const ko_sql_ident *id)
{
    if (!id->quoted) {
        s(p, id->name);
        return;
    }
    s(p, "\"");
    for (const char *c = id->name; *c; c++)
        s(p, *c == '"' ? "\"\"" : (char[2]){*c, 0});
    s(p, "\"");
}

static void qname(pr *p, const ko_sql_qname *q)
{
    for (size_t i = 0; i < q->n; i++) {
        if (i)
            s(p, ".");
        ident(p, &q->parts[i]);
    }
}

static void quoted(pr *p, const char *str)
{
    s(p, "'");
    for (const char *c = str; *c; c++)
        s(p, *c == '\'' ? "''" : (char[2]){*c, 0});
    s(p, "'");
}

static void type(pr *p, const ko_sql_type *t)
{
    if (p->st == KO_OK)
        p->st = ko_sql_type_print(t, p->out);
}

static void exprs(pr *p, ko_sql_expr *const *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        s(p, " ");
        expr(p, v[i]);
    }
}

static void idents(pr *p, const ko_sql_ident *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        s(p, " ");
        ident(p, &v[i]);
    }
}

/* (f() is for short, bounded output: numbers and fixed words; names of
 * any length go through s().) */

/* ------------------------------------------------------------ literals */

static void literal(pr *p, const ko_sql_literal *l)
{
    switch (l->kind) {
    case KO_SQL_LIT_NULL:
        s(p, "null");
        break;
    case KO_SQL_LIT_BOOL:
        s(p, l->b ? "true" : "false");
        break;
    case KO_SQL_LIT_INT:
        f(p, "%lld", (long long)l->i);
        break;
    case KO_SQL_LIT_DECIMAL:
        s(p, "(decimal ");
        s(p, l->str);
        f(p, " %d %d)", (int)l->precision, (int)l->scale);
        break;
    case KO_SQL_LIT_FLOAT:
        f(p, "(double %.17g)", l->f);
        break;
    case KO_SQL_LIT_STRING:
        quoted(p, l->str);
        break;
    case KO_SQL_LIT_TYPED:
        s(p, "(");
        type(p, l->type);
        s(p, " ");
        quoted(p, l->str);
        s(p, ")");
        break;
    case KO_SQL_LIT_INTERVAL:
        s(p, "(interval ");
        quoted(p, l->str);
        if (l->unit) {
            s(p, " ");
            s(p, l->unit);
        }
        s(p, ")");
        break;
    }
}

/* ------------------------------------------------------------- windows */

static void order_items(pr *p, const char *head, const ko_sql_order_item *v, size_t n)
{
    if (!n)
        return;
    f(p, " (%s", head);
    for (size_t i = 0; i < n; i++) {
        bool wrap = v[i].desc || v[i].nulls;
        s(p, " ");
        if (wrap)
            s(p, v[i].desc ? "(desc " : "(asc ");
        expr(p, v[i].expr);
        if (v[i].nulls)
            s(p, v[i].nulls == KO_SQL_NULLS_FIRST ? " nulls-first" : " nulls-last");
        if (wrap)
            s(p, ")");
    }
    s(p, ")");
}

static void bound(pr *p, const ko_sql_frame_bound *b)
{
    static const char *const names[] = {
        [KO_SQL_BOUND_UNBOUNDED_PRECEDING] = "unbounded-preceding",
        [KO_SQL_BOUND_PRECEDING] = "preceding",
        [KO_SQL_BOUND_CURRENT_ROW] = "current-row",
        [KO_SQL_BOUND_FOLLOWING] = "following",
        [KO_SQL_BOUND_UNBOUNDED_FOLLOWING] = "unbounded-following",
    };
    s(p, " ");
    if (b->offset) {
        f(p, "(%s ", names[b->kind]);
        expr(p, b->offset);
        s(p, ")");
    } else {
        s(p, (unsigned)b->kind < KO_ARRAY_LEN(names) && names[b->kind] ? names[b->kind] : "?");
    }
}

static void window(pr *p, const ko_sql_window *w)
{
    static const char *const frames[] = {"", "rows", "range", "groups"};
    s(p, "(window");
    if (w->ref) {
        s(p, " ");
        ident(p, w->ref);
    }
    if (w->n_partition) {
        s(p, " (partition");
        exprs(p, w->partition, w->n_partition);
        s(p, ")");
    }
    order_items(p, "order", w->order, w->n_order);
    if (w->frame) {
        f(p, " (%s", frames[w->frame]);
        bound(p, &w->start);
        bound(p, &w->end);
        s(p, ")");
    }
    s(p, ")");
}

/* --------------------------------------------------------- expressions */

static void func(pr *p, const ko_sql_expr *e)
{
    s(p, "(");
    qname(p, &e->func.name);
    if (e->func.distinct)
        s(p, " distinct");
    if (e->func.star)
        s(p, " *");
    exprs(p, e->func.args, e->func.n_args);
    order_items(p, "order", e->func.order, e->func.n_order);
    if (e->func.ignore_nulls)
        s(p, " ignore-nulls");
    if (e->func.filter) {
        s(p, " (filter ");
        expr(p, e->func.filter);
        s(p, ")");
    }
    if (e->func.over) {
        s(p, " ");
        window(p, e->func.over);
    }
    s(p, ")");
}

static void is_expr(pr *p, const ko_sql_expr *e)
{
    const char *neg = e->is.negated ? "not-" : "";
    if (e->kind == KO_SQL_E_IS_NULL)
        f(p, "(is-%snull ", neg);
    else if (e->kind == KO_SQL_E_IS_BOOL)
        f(p, "(is-%s%s ", neg, e->is.value ? "true" : "false");
    else
        f(p, "(is-%sdistinct ", neg);
    expr(p, e->is.arg);
    if (e->is.other) {
        s(p, " ");
        expr(p, e->is.other);
    }
    s(p, ")");
}

static void case_expr(pr *p, const ko_sql_expr *e)
{
    s(p, "(case");
    if (e->case_.operand) {
        s(p, " ");
        expr(p, e->case_.operand);
    }
    for (size_t i = 0; i < e->case_.n_whens; i++) {
        s(p, " (when ");
        expr(p, e->case_.whens[i].when);
        s(p, " ");
        expr(p, e->case_.whens[i].then);
        s(p, ")");
    }
    if (e->case_.else_expr) {
        s(p, " (else ");
        expr(p, e->case_.else_expr);
        s(p, ")");
    }
    s(p, ")");
}

static void star(pr *p, const ko_sql_expr *e)
{
    if (e->star.n_exclude)
        s(p, "(");
    if (e->star.qualifier.n) {
        qname(p, &e->star.qualifier);
        s(p, ".");
    }
    s(p, "*");
    if (e->star.n_exclude) {
        s(p, " (exclude");
        idents(p, e->star.exclude, e->star.n_exclude);
        s(p, "))");
    }
}

static void sub_query(pr *p, const char *head, const ko_sql_expr *arg, const ko_sql_query *q)
{
    f(p, "(%s ", head);
    if (arg) {
        expr(p, arg);
        s(p, " ");
    }
    query(p, q);
    s(p, ")");
}

static void predicate(pr *p, const ko_sql_expr *e)
{
    switch (e->kind) {
    case KO_SQL_E_BETWEEN:
        f(p, "(%sbetween%s ", e->between.negated ? "not-" : "",
          e->between.symmetric ? "-symmetric" : "");
        expr(p, e->between.arg);
        s(p, " ");
        expr(p, e->between.low);
        s(p, " ");
        expr(p, e->between.high);
        s(p, ")");
        break;
    case KO_SQL_E_IN_LIST:
        f(p, "(%sin ", e->in.negated ? "not-" : "");
        expr(p, e->in.arg);
        exprs(p, e->in.items, e->in.n);
        s(p, ")");
        break;
    case KO_SQL_E_IN_QUERY:
        sub_query(p, e->in.negated ? "not-in" : "in", e->in.arg, e->in.query);
        break;
    case KO_SQL_E_QUANTIFIED:
        f(p, "(%s %s ", e->quantified.all ? "all" : "any", ko_sql_op_name(e->quantified.op));
        expr(p, e->quantified.arg);
        s(p, " ");
        query(p, e->quantified.query);
        s(p, ")");
        break;
    default: /* LIKE */
        f(p, "(%s%s ", e->like.negated ? "not-" : "", e->like.icase ? "ilike" : "like");
        expr(p, e->like.arg);
        s(p, " ");
        expr(p, e->like.pattern);
        if (e->like.escape) {
            s(p, " (escape ");
            expr(p, e->like.escape);
            s(p, ")");
        }
        s(p, ")");
    }
}

static void access(pr *p, const ko_sql_expr *e)
{
    if (e->kind == KO_SQL_E_FIELD) {
        s(p, "(field ");
        expr(p, e->field.arg);
        s(p, " ");
        ident(p, &e->field.field);
        s(p, ")");
        return;
    }
    s(p, e->subscript.slice ? "(slice " : "(index ");
    expr(p, e->subscript.arg);
    s(p, " ");
    if (e->subscript.index)
        expr(p, e->subscript.index);
    else
        s(p, "_");
    if (e->subscript.slice) {
        s(p, " ");
        if (e->subscript.index_end)
            expr(p, e->subscript.index_end);
        else
            s(p, "_");
    }
    s(p, ")");
}

static void composite(pr *p, const ko_sql_expr *e)
{
    switch (e->kind) {
    case KO_SQL_E_CAST:
        s(p, e->cast.try_ ? "(try-cast " : "(cast ");
        expr(p, e->cast.arg);
        s(p, " ");
        type(p, e->cast.type);
        s(p, ")");
        break;
    case KO_SQL_E_EXTRACT:
        s(p, "(extract ");
        s(p, e->extract.field);
        s(p, " ");
        expr(p, e->extract.arg);
        s(p, ")");
        break;
    case KO_SQL_E_LIST:
        s(p, "(list");
        exprs(p, e->list.items, e->list.n);
        s(p, ")");
        break;
    case KO_SQL_E_STRUCT:
        s(p, "(struct");
        for (size_t i = 0; i < e->struct_.n; i++) {
            s(p, " (");
            ident(p, &e->struct_.names[i]);
            s(p, " ");
            expr(p, e->struct_.values[i]);
            s(p, ")");
        }
        s(p, ")");
        break;
    case KO_SQL_E_SUBQUERY:
    case KO_SQL_E_EXISTS:
        sub_query(p, e->kind == KO_SQL_E_EXISTS ? "exists" : "subquery", NULL, e->subquery);
        break;
    default:
        access(p, e);
    }
}

static void operators(pr *p, const ko_sql_expr *e)
{
    switch (e->kind) {
    case KO_SQL_E_UNARY:
        f(p, "(%s ",
          e->unary.op == KO_SQL_OP_NOT   ? "not"
          : e->unary.op == KO_SQL_OP_NEG ? "neg"
                                         : "pos");
        expr(p, e->unary.arg);
        s(p, ")");
        break;
    case KO_SQL_E_BINARY:
        f(p, "(%s ", ko_sql_op_name(e->binary.op));
        expr(p, e->binary.left);
        s(p, " ");
        expr(p, e->binary.right);
        s(p, ")");
        break;
    case KO_SQL_E_AND:
    case KO_SQL_E_OR:
        s(p, e->kind == KO_SQL_E_AND ? "(and" : "(or");
        exprs(p, e->list.items, e->list.n);
        s(p, ")");
        break;
    case KO_SQL_E_IS_NULL:
    case KO_SQL_E_IS_BOOL:
    case KO_SQL_E_IS_DISTINCT:
        is_expr(p, e);
        break;
    default:
        predicate(p, e);
    }
}

static void expr(pr *p, const ko_sql_expr *e)
{
    switch (e->kind) {
    case KO_SQL_E_LITERAL:
        literal(p, &e->lit);
        break;
    case KO_SQL_E_COLUMN:
        qname(p, &e->column);
        break;
    case KO_SQL_E_STAR:
        star(p, e);
        break;
    case KO_SQL_E_PARAM:
        f(p, "$%d", (int)e->param.index);
        break;
    case KO_SQL_E_FUNC:
        func(p, e);
        break;
    case KO_SQL_E_CASE:
        case_expr(p, e);
        break;
    case KO_SQL_E_UNARY:
    case KO_SQL_E_BINARY:
    case KO_SQL_E_AND:
    case KO_SQL_E_OR:
    case KO_SQL_E_IS_NULL:
    case KO_SQL_E_IS_BOOL:
    case KO_SQL_E_IS_DISTINCT:
    case KO_SQL_E_BETWEEN:
    case KO_SQL_E_IN_LIST:
    case KO_SQL_E_IN_QUERY:
    case KO_SQL_E_QUANTIFIED:
    case KO_SQL_E_LIKE:
        operators(p, e);
        break;
    default:
        composite(p, e);
    }
}

/* ---------------------------------------------------------- table refs */

static void tref(pr *p, const ko_sql_tref *t);

static void join(pr *p, const ko_sql_tref *t)
{
    const char *kind = t->join.comma ? "comma" : ko_sql_join_name(t->join.kind);
    s(p, "(join ");
    for (const char *c = kind; *c; c++)
        s(p, (char[2]){(char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c), 0});
    if (t->join.natural)
        s(p, " natural");
    s(p, " ");
    tref(p, t->join.left);
    s(p, " ");
    tref(p, t->join.right);
    if (t->join.on) {
        s(p, " (on ");
        expr(p, t->join.on);
        s(p, ")");
    }
    if (t->join.n_using) {
        s(p, " (using");
        idents(p, t->join.using_, t->join.n_using);
        s(p, ")");
    }
    s(p, ")");
}

static void tref_body(pr *p, const ko_sql_tref *t)
{
    switch (t->kind) {
    case KO_SQL_TREF_TABLE:
        s(p, "(table ");
        qname(p, &t->table.name);
        if (t->table.travel) {
            s(p, t->table.travel == KO_SQL_TRAVEL_VERSION ? " (version " : " (timestamp ");
            expr(p, t->table.as_of);
            s(p, ")");
        }
        s(p, ")");
        break;
    case KO_SQL_TREF_SUBQUERY:
        s(p, t->subquery.lateral ? "(lateral " : "(derived ");
        query(p, t->subquery.query);
        s(p, ")");
        break;
    case KO_SQL_TREF_JOIN:
        join(p, t);
        break;
    case KO_SQL_TREF_FUNC:
        s(p, "(tfunc ");
        qname(p, &t->func.name);
        exprs(p, t->func.args, t->func.n_args);
        if (t->func.with_ordinality)
            s(p, " ordinality");
        s(p, ")");
        break;
    }
}

static void tref(pr *p, const ko_sql_tref *t)
{
    if (!t->alias) {
        tref_body(p, t);
        return;
    }
    s(p, "(as ");
    tref_body(p, t);
    s(p, " ");
    ident(p, t->alias);
    if (t->n_col_aliases) {
        s(p, " (");
        for (size_t i = 0; i < t->n_col_aliases; i++) {
            if (i)
                s(p, " ");
            ident(p, &t->col_aliases[i]);
        }
        s(p, ")");
    }
    s(p, ")");
}

/* ------------------------------------------------------------- queries */

static void clause(pr *p, const char *head, const ko_sql_expr *e)
{
    if (!e)
        return;
    f(p, " (%s ", head);
    expr(p, e);
    s(p, ")");
}

static void select_items(pr *p, const ko_sql_select *sel)
{
    s(p, " (items");
    for (size_t i = 0; i < sel->n_items; i++) {
        s(p, " ");
        if (sel->items[i].alias)
            s(p, "(as ");
        expr(p, sel->items[i].expr);
        if (sel->items[i].alias) {
            s(p, " ");
            ident(p, sel->items[i].alias);
            s(p, ")");
        }
    }
    s(p, ")");
}

static void select_body(pr *p, const ko_sql_select *sel)
{
    s(p, "(select");
    if (sel->distinct)
        s(p, " distinct");
    if (sel->n_distinct_on) {
        s(p, " (on");
        exprs(p, sel->distinct_on, sel->n_distinct_on);
        s(p, ")");
    }
    select_items(p, sel);
    if (sel->from) {
        s(p, " (from ");
        tref(p, sel->from);
        s(p, ")");
    }
    clause(p, "where", sel->where);
    if (sel->group_all)
        s(p, " (group all)");
    if (sel->n_group_by) {
        s(p, " (group");
        exprs(p, sel->group_by, sel->n_group_by);
        s(p, ")");
    }
    clause(p, "having", sel->having);
    for (size_t i = 0; i < sel->n_windows; i++) {
        s(p, " (defwindow ");
        ident(p, &sel->windows[i].name);
        s(p, " ");
        window(p, sel->windows[i].window);
        s(p, ")");
    }
    clause(p, "qualify", sel->qualify);
}

static void query_body(pr *p, const ko_sql_query *q)
{
    static const char *const ops[] = {"", "union", "intersect", "except"};
    switch (q->kind) {
    case KO_SQL_Q_SELECT:
        select_body(p, q->select);
        break;
    case KO_SQL_Q_SETOP:
        f(p, "(%s%s%s ", ops[q->setop.op], q->setop.all ? "-all" : "",
          q->setop.by_name ? "-by-name" : "");
        query(p, q->setop.left);
        s(p, " ");
        query(p, q->setop.right);
        break;
    case KO_SQL_Q_VALUES:
        s(p, "(values");
        for (size_t r = 0; r < q->values.n_rows; r++) {
            s(p, " (");
            for (size_t c = 0; c < q->values.n_cols; c++) {
                if (c)
                    s(p, " ");
                expr(p, q->values.rows[r][c]);
            }
            s(p, ")");
        }
        break;
    }
}

static void query(pr *p, const ko_sql_query *q)
{
    if (q->n_ctes) {
        s(p, q->recursive ? "(with-recursive" : "(with");
        for (size_t i = 0; i < q->n_ctes; i++) {
            s(p, " (");
            ident(p, &q->ctes[i].name);
            if (q->ctes[i].n_columns) {
                s(p, " (columns");
                idents(p, q->ctes[i].columns, q->ctes[i].n_columns);
                s(p, ")");
            }
            s(p, " ");
            query(p, q->ctes[i].query);
            s(p, ")");
        }
        s(p, " ");
    }
    query_body(p, q);
    order_items(p, "order", q->order_by, q->n_order_by);
    clause(p, "limit", q->limit);
    clause(p, "offset", q->offset);
    s(p, q->n_ctes ? "))" : ")");
}

/* ---------------------------------------------------------- statements */

static void column_def(pr *p, const ko_sql_column_def *c)
{
    s(p, "(");
    ident(p, &c->name);
    s(p, " ");
    type(p, c->type);
    if (c->not_null)
        s(p, " not-null");
    clause(p, "default", c->default_value);
    if (c->comment) {
        s(p, " (comment ");
        quoted(p, c->comment);
        s(p, ")");
    }
    s(p, ")");
}

static void properties(pr *p, const ko_sql_property *v, size_t n)
{
    if (!n)
        return;
    s(p, " (with");
    for (size_t i = 0; i < n; i++) {
        s(p, " (");
        ident(p, &v[i].key);
        s(p, " ");
        expr(p, v[i].value);
        s(p, ")");
    }
    s(p, ")");
}

static void create_table(pr *p, const ko_sql_stmt *st)
{
    s(p, "(create-table ");
    qname(p, &st->create_table.name);
    if (st->create_table.if_not_exists)
        s(p, " if-not-exists");
    if (st->create_table.or_replace)
        s(p, " or-replace");
    if (st->create_table.n_columns) {
        s(p, " (columns");
        for (size_t i = 0; i < st->create_table.n_columns; i++) {
            s(p, " ");
            column_def(p, &st->create_table.columns[i]);
        }
        s(p, ")");
    }
    if (st->create_table.n_partition_by) {
        s(p, " (partition");
        for (size_t i = 0; i < st->create_table.n_partition_by; i++) {
            const ko_sql_partition_field *pf = &st->create_table.partition_by[i];
            s(p, " (");
            s(p, pf->transform);
            if (pf->param >= 0)
                f(p, " %lld", (long long)pf->param);
            s(p, " ");
            ident(p, &pf->column);
            s(p, ")");
        }
        s(p, ")");
    }
    properties(p, st->create_table.properties, st->create_table.n_properties);
    if (st->create_table.query) {
        s(p, " (as ");
        query(p, st->create_table.query);
        s(p, ")");
    }
    s(p, ")");
}

static void alter(pr *p, const ko_sql_stmt *st)
{
    static const char *const acts[] = {"",
                                       "add-column",
                                       "drop-column",
                                       "rename-column",
                                       "set-type",
                                       "set-not-null",
                                       "drop-not-null",
                                       "rename-table",
                                       "set-properties"};
    s(p, "(alter-table ");
    qname(p, &st->alter.table);
    if (st->alter.if_exists)
        s(p, " if-exists");
    f(p, " (%s", acts[st->alter.action]);
    if (st->alter.if_col_exists)
        s(p, st->alter.action == KO_SQL_ALTER_ADD_COLUMN ? " if-not-exists" : " if-exists");
    if (st->alter.action != KO_SQL_ALTER_SET_PROPERTIES)
        s(p, " ");
    switch (st->alter.action) {
    case KO_SQL_ALTER_ADD_COLUMN:
        column_def(p, &st->alter.column);
        break;
    case KO_SQL_ALTER_RENAME_COLUMN:
        qname(p, &st->alter.target);
        s(p, " ");
        ident(p, &st->alter.new_name);
        break;
    case KO_SQL_ALTER_COLUMN_TYPE:
        qname(p, &st->alter.target);
        s(p, " ");
        type(p, st->alter.new_type);
        break;
    case KO_SQL_ALTER_RENAME_TABLE:
        qname(p, &st->alter.new_table);
        break;
    case KO_SQL_ALTER_SET_PROPERTIES:
        properties(p, st->alter.properties, st->alter.n_properties);
        break;
    default:
        qname(p, &st->alter.target);
    }
    s(p, "))");
}

static void dml(pr *p, const ko_sql_stmt *st)
{
    switch (st->kind) {
    case KO_SQL_S_INSERT:
        s(p, st->insert.overwrite ? "(insert-overwrite " : "(insert ");
        qname(p, &st->insert.table);
        if (st->insert.n_columns) {
            s(p, " (columns");
            idents(p, st->insert.columns, st->insert.n_columns);
            s(p, ")");
        }
        s(p, " ");
        query(p, st->insert.query);
        break;
    case KO_SQL_S_DELETE:
        s(p, "(delete ");
        qname(p, &st->delete_.table);
        if (st->delete_.alias) {
            s(p, " (as ");
            ident(p, st->delete_.alias);
            s(p, ")");
        }
        clause(p, "where", st->delete_.where);
        break;
    default: /* UPDATE */
        s(p, "(update ");
        qname(p, &st->update.table);
        if (st->update.alias) {
            s(p, " (as ");
            ident(p, st->update.alias);
            s(p, ")");
        }
        s(p, " (set");
        for (size_t i = 0; i < st->update.n_set; i++) {
            s(p, " (");
            qname(p, &st->update.set[i].column);
            s(p, " ");
            expr(p, st->update.set[i].value);
            s(p, ")");
        }
        s(p, ")");
        clause(p, "where", st->update.where);
    }
    s(p, ")");
}

static void schema_stmt(pr *p, const ko_sql_stmt *st)
{
    s(p, st->kind == KO_SQL_S_CREATE_SCHEMA ? "(create-schema " : "(drop-schema ");
    qname(p, &st->schema.name);
    if (st->schema.if_not_exists)
        s(p, " if-not-exists");
    if (st->schema.if_exists)
        s(p, " if-exists");
    if (st->schema.cascade)
        s(p, " cascade");
    s(p, ")");
}

static void show(pr *p, const ko_sql_stmt *st)
{
    s(p, st->kind == KO_SQL_S_SHOW_TABLES ? "(show-tables" : "(show-schemas");
    if (st->show.from.n) {
        s(p, " ");
        qname(p, &st->show.from);
    }
    if (st->show.like) {
        s(p, " (like ");
        quoted(p, st->show.like);
        s(p, ")");
    }
    s(p, ")");
}

static void setting(pr *p, const ko_sql_stmt *st)
{
    static const char *const heads[] = {[KO_SQL_S_SET] = "(set ",
                                        [KO_SQL_S_RESET] = "(reset ",
                                        [KO_SQL_S_SHOW_SETTING] = "(show ",
                                        [KO_SQL_S_USE] = "(use "};
    s(p, heads[st->kind]);
    qname(p, st->kind == KO_SQL_S_USE ? &st->use.name : &st->set.name);
    if (st->kind == KO_SQL_S_SET) {
        s(p, " ");
        expr(p, st->set.value);
    }
    s(p, ")");
}

static void other_stmt(pr *p, const ko_sql_stmt *st)
{
    switch (st->kind) {
    case KO_SQL_S_DROP_TABLE:
        s(p, "(drop-table ");
        qname(p, &st->drop_table.name);
        s(p, st->drop_table.if_exists ? " if-exists)" : ")");
        break;
    case KO_SQL_S_DESCRIBE:
        s(p, "(describe ");
        if (st->describe.query)
            query(p, st->describe.query);
        else
            qname(p, &st->describe.table);
        s(p, ")");
        break;
    case KO_SQL_S_EXPLAIN:
        s(p, "(explain");
        s(p, st->explain.analyze ? " analyze" : "");
        s(p, st->explain.verbose ? " verbose " : " ");
        stmt(p, st->explain.stmt);
        s(p, ")");
        break;
    case KO_SQL_S_SHOW_TABLES:
    case KO_SQL_S_SHOW_SCHEMAS:
        show(p, st);
        break;
    default:
        setting(p, st);
    }
}

static void stmt(pr *p, const ko_sql_stmt *st)
{
    switch (st->kind) {
    case KO_SQL_S_QUERY:
        query(p, st->query);
        break;
    case KO_SQL_S_CREATE_SCHEMA:
    case KO_SQL_S_DROP_SCHEMA:
        schema_stmt(p, st);
        break;
    case KO_SQL_S_CREATE_TABLE:
        create_table(p, st);
        break;
    case KO_SQL_S_ALTER_TABLE:
        alter(p, st);
        break;
    case KO_SQL_S_INSERT:
    case KO_SQL_S_DELETE:
    case KO_SQL_S_UPDATE:
        dml(p, st);
        break;
    default:
        other_stmt(p, st);
    }
}

ko_status ko_sql_ast_print(const ko_sql_stmt *st, ko_buf *out)
{
    pr p = {out, KO_OK};
    stmt(&p, st);
    return p.st;
}

ko_status ko_sql_expr_print(const ko_sql_expr *e, ko_buf *out)
{
    pr p = {out, KO_OK};
    expr(&p, e);
    return p.st;
}

ko_status ko_sql_query_print(const ko_sql_query *q, ko_buf *out)
{
    pr p = {out, KO_OK};
    query(&p, q);
    return p.st;
}
