/*
 * stmt_dml.c - INSERT, DELETE and UPDATE (stmt.h).  One snapshot per
 * statement; each reports its row count as DuckDB does ("Count").
 *
 * INSERT INTO t [(cols)] query: the query's columns are matched to the
 * table's (by position, or by the column list; unnamed columns get NULL),
 * cast to the column types, written through the table writer and
 * committed as an append.  INSERT OVERWRITE replaces every live file in
 * the same snapshot.
 *
 * DELETE and UPDATE are copy-on-write.  The live files of the current
 * snapshot (ko_ice_table_plan_rewrite) are read one by one through the
 * engine's scan (a fixed one-task plan, so delete files apply) and the
 * WHERE clause counts the matching rows of each file.  A file without
 * matches stays; DELETE drops a file whose rows all match and rewrites the
 * others without the matching rows; UPDATE rewrites every file with
 * matches, each column c assigned as CASE WHEN where THEN value ELSE c
 * END.  The removed and the new files are committed together with
 * ko_ice_table_commit_overwrite against the snapshot read (a concurrent
 * change to the same files is a conflict).  Nothing matching commits
 * nothing.
 */
#include "sql/stmt.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static ko_status nomem(ko_err *err)
{
    return ko_err_set(err, KO_ERR_NOMEM, "out of memory");
}

/* ------------------------------------------------------------- INSERT */

static ko_status column_map(ko_stmt_ctx *c, const ko_sql_stmt *s, const ko_ice_table *t,
                            size_t n_query, int *map)
{
    const ko_ice_schema *sc = ko_ice_meta_current_schema(&t->meta);
    size_t n = sc->root.n_fields, nl = s->insert.n_columns;
    size_t want = nl ? nl : n;
    if (n_query != want)
        return ko_sql_error_at(c->q->err, KO_ERR_INVALID, c->q->text, c->q->text_len, s->pos,
                               "Binder Error: table %s has %zu columns but %zu values were "
                               "supplied",
                               t->ident, want, n_query);
    for (size_t i = 0; i < n; i++)
        map[i] = nl ? -1 : (int)i;
    for (size_t j = 0; j < nl; j++) {
        const ko_sql_ident *id = &s->insert.columns[j];
        size_t i = 0;
        while (i < n && strcasecmp(sc->root.fields[i].name, id->name) != 0)
            i++;
        if (i == n || map[i] >= 0)
            return ko_sql_error_at(c->q->err, KO_ERR_INVALID, c->q->text, c->q->text_len, id->pos,
                                   i == n ? "Binder Error: Table %s does not have a column "
                                            "with name \"%s\""
                                          : "Binder Error: Duplicate column name \"%s\" in "
                                            "INSERT (table %s)",
                                   i == n ? t->ident : id->text, i == n ? id->text : t->ident);
        map[i] = (int)j;
    }
    return KO_OK;
}

/* The live files of t's current snapshot, to replace them all. */
static ko_status live_files(ko_stmt_ctx *c, const ko_ice_table *t, ko_ice_data_file **out,
                            size_t *n)
{
    ko_ice_manifest_entry *e = NULL;
    size_t ne = 0;
    ko_status st = ko_ice_table_files(c->wh, t, -1, c->arena, &e, &ne, c->q->err);
    if (st != KO_OK)
        return st;
    *out = ko_arena_calloc(c->arena, ne + 1, sizeof **out);
    if (!*out)
        return nomem(c->q->err);
    for (size_t i = 0; i < ne; i++)
        (*out)[i] = e[i].data_file;
    *n = ne;
    return KO_OK;
}

static ko_status commit_insert(ko_stmt_ctx *c, const ko_sql_stmt *s, ko_ice_table *t,
                               const ko_ice_data_file *files, size_t n_files)
{
    ko_ice_commit_info info;
    if (!s->insert.overwrite)
        return n_files ? ko_ice_table_commit_append(c->wh, t, files, n_files, NULL, c->arena, &info,
                                                    c->q->err)
                       : KO_OK;
    ko_ice_data_file *old = NULL;
    size_t n_old = 0;
    ko_status st = live_files(c, t, &old, &n_old);
    ko_ice_overwrite_opts oo = {.description = "INSERT OVERWRITE"};
    if (st == KO_OK && (n_old || n_files))
        st = ko_ice_table_commit_overwrite(c->wh, t, old, n_old, files, n_files, &oo, NULL,
                                           c->arena, &info, c->q->err);
    return st;
}

ko_status ko_stmt_insert(ko_stmt_ctx *c, const ko_sql_stmt *s)
{
    ko_ice_table t;
    ko_pnode *plan = NULL, *top = NULL;
    ko_status st = ko_stmt_load(c, &s->insert.table, &t);
    if (st == KO_OK)
        st = ko_bind_query(c->q, c->arena, c->env, s->insert.query, &plan);
    const ko_ice_schema *sc = st == KO_OK ? ko_ice_meta_current_schema(&t.meta) : NULL;
    int *map = sc ? ko_arena_calloc(c->arena, sc->root.n_fields + 1, sizeof *map) : NULL;
    if (st == KO_OK && !map)
        st = nomem(c->q->err);
    if (st == KO_OK)
        st = column_map(c, s, &t, plan->n_cols, map);
    if (st == KO_OK)
        st = ko_stmt_project_to_table(c, &t, plan, map, &top);
    ko_ice_data_file *files = NULL;
    size_t n_files = 0;
    int64_t rows = 0;
    if (st == KO_OK)
        st = ko_stmt_write_plan(c, &t, top, &files, &n_files, &rows);
    if (st == KO_OK)
        st = commit_insert(c, s, &t, files, n_files);
    return st == KO_OK ? ko_stmt_emit_count(c, "INSERT", rows) : st;
}

/* ------------------------------------------------------ DELETE, UPDATE */

typedef struct cow {
    ko_stmt_ctx *c;
    ko_ice_table t;
    ko_ice_dir *dir;
    ko_ice_rewrite_plan rp;
    ko_bind_col *cols; /* the table's columns, for binding */
    ko_bind_scope scope;
    ko_bexpr *where; /* NULL: every row */
    /* counting pass */
    ko_estate *es;
    uint32_t sel[KO_SQL_BATCH];
    int64_t matched, total;
} cow;

/* What of the WHERE clause can prune files (partitions, column bounds):
 * the scan's translation (scan_pred.c); NULL for every file. */
static const ko_ice_pred *prune_pred(cow *w)
{
    if (!w->where)
        return NULL;
    const ko_ice_schema *sc = ko_ice_meta_current_schema(&w->t.meta);
    size_t n = sc->root.n_fields;
    ko_scan_spec sp = {
        .ident = w->t.ident, .table = &w->t, .schema = sc, .n_cols = n, .filter = w->where};
    sp.field_ids = ko_arena_calloc(w->c->arena, n + 1, sizeof *sp.field_ids);
    sp.types = ko_arena_calloc(w->c->arena, n + 1, sizeof *sp.types);
    sp.names = ko_arena_calloc(w->c->arena, n + 1, sizeof *sp.names);
    if (!sp.field_ids || !sp.types || !sp.names)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        sp.field_ids[i] = sc->root.fields[i].id;
        sp.types[i] = w->cols[i].type;
        sp.names[i] = w->cols[i].name;
    }
    return ko_scan_ice_pred(w->c->arena, &sp);
}

static ko_status cow_open(cow *w, ko_stmt_ctx *c, const ko_sql_qname *name,
                          const ko_sql_ident *alias, const ko_sql_expr *where)
{
    w->c = c;
    ko_status st = ko_stmt_load(c, name, &w->t);
    if (st != KO_OK)
        return st;
    const ko_ice_schema *sc = ko_ice_meta_current_schema(&w->t.meta);
    w->cols = ko_arena_calloc(c->arena, sc->root.n_fields + 1, sizeof *w->cols);
    if (!w->cols)
        return nomem(c->q->err);
    for (uint32_t i = 0; i < sc->root.n_fields && st == KO_OK; i++) {
        w->cols[i].name = sc->root.fields[i].name;
        w->cols[i].table = alias ? alias->name : w->t.name;
        st = ko_sql_dtype_from_ice(&sc->root.fields[i].type, c->arena, &w->cols[i].type, c->q->err);
    }
    w->scope = (ko_bind_scope){w->cols, sc->root.n_fields};
    if (st == KO_OK && where)
        st = ko_bind_expr(c->q, c->arena, c->env, &w->scope, where, &w->where);
    ko_sql_dtype bt = ko_sql_dtype_of(KO_SQL_DT_BOOLEAN);
    if (st == KO_OK && w->where && w->where->type.id != KO_SQL_DT_BOOLEAN)
        st = ko_bind_cast(c->q, c->arena, c->env, &w->where, &bt);
    if (st == KO_OK)
        st = ko_ice_table_plan_rewrite(c->wh, &w->t, NULL, prune_pred(w), c->arena, &w->rp,
                                       c->q->err);
    if (st == KO_OK)
        st = ko_ice_table_open_dir(c->wh, &w->t, &w->dir, c->q->err);
    return st;
}

static void cow_close(cow *w)
{
    ko_estate_free(w->es);
    ko_ice_dir_close(w->dir);
}

static ko_status count_batch(void *ctx, const ko_batch *b, ko_err *err)
{
    cow *w = ctx;
    (void)err;
    size_t live = ko_batch_live(b), m = live;
    ko_status st = KO_OK;
    if (w->es)
        st = ko_eval_filter(w->c->q, w->es, b, b->sel, live, w->sel, &m);
    w->total += (int64_t)live;
    w->matched += (int64_t)m;
    return st;
}

/* A scan of task i alone. */
static ko_status task_scan(cow *w, size_t i, ko_pnode **out)
{
    ko_ice_scan_plan *one = ko_arena_calloc(w->c->arena, 1, sizeof *one);
    if (!one)
        return nomem(w->c->q->err);
    *one = w->rp.scan;
    one->tasks = &w->rp.scan.tasks[i];
    one->n_tasks = 1;
    return ko_stmt_scan_node(w->c, &w->t, w->dir, one, out);
}

/* Rows of task i matching the WHERE clause (and its row count). */
static ko_status count_task(cow *w, size_t i, int64_t *matched, int64_t *total)
{
    const ko_ice_scan_task *tk = &w->rp.scan.tasks[i];
    if (!w->where && !tk->n_deletes) {
        *matched = *total = tk->file->record_count;
        return KO_OK;
    }
    ko_pnode *scan = NULL;
    ko_status st = task_scan(w, i, &scan);
    w->matched = w->total = 0;
    if (st == KO_OK && !tk->n_deletes) {
        /* the WHERE pushed into the scan (row-group and page pruning, late
         * materialisation): every row that arrives matches */
        cow counter = {.c = w->c}; /* no estate: counts the rows that arrive */
        scan->scan->filter = w->where;
        st = ko_exec_plan(w->c->q, scan, count_batch, &counter);
        *matched = counter.matched;
        *total = tk->file->record_count;
        return st;
    }
    if (st == KO_OK)
        st = ko_exec_plan(w->c->q, scan, count_batch, w);
    *matched = w->matched;
    *total = w->total;
    return st;
}

typedef ko_status (*rewrite_fn)(cow *w, size_t task, ko_stmt_writer *wr);

static ko_status add_removed(cow *w, ko_ice_data_file *removed, size_t *n_removed, size_t i)
{
    removed[(*n_removed)++] = *w->rp.scan.tasks[i].file;
    return KO_OK;
}

/* The common loop: count, then rewrite the files that need it. */
static ko_status cow_run(cow *w, bool drop_full, rewrite_fn rewrite, int64_t *count)
{
    ko_stmt_ctx *c = w->c;
    size_t n = w->rp.scan.n_tasks, n_removed = 0, n_added = 0;
    ko_ice_data_file *removed = ko_arena_calloc(c->arena, n + 1, sizeof *removed);
    ko_ice_data_file *added = NULL;
    ko_stmt_writer *wr = NULL;
    ko_status st = removed ? ko_stmt_writer_open(c, &w->t, &wr) : nomem(c->q->err);
    if (st == KO_OK && w->where)
        st = ko_estate_new(w->where, &w->es) == KO_OK ? KO_OK : nomem(c->q->err);
    *count = 0;
    for (size_t i = 0; i < n && st == KO_OK; i++) {
        int64_t m = 0, total = 0;
        st = count_task(w, i, &m, &total);
        if (st != KO_OK || m == 0)
            continue;
        *count += m;
        st = add_removed(w, removed, &n_removed, i);
        if (st == KO_OK && !(drop_full && m == total))
            st = rewrite(w, i, wr);
    }
    int64_t rows = 0;
    if (st == KO_OK)
        st = ko_stmt_writer_finish(wr, &added, &n_added, &rows);
    else
        ko_stmt_writer_abort(wr);
    ko_ice_overwrite_opts oo = {.base_snapshot_id = w->rp.snapshot_id};
    ko_ice_commit_info info;
    if (st == KO_OK && n_removed)
        st = ko_ice_table_commit_overwrite(c->wh, &w->t, removed, n_removed, added, n_added, &oo,
                                           NULL, c->arena, &info, c->q->err);
    return st;
}

static ko_status delete_rewrite(cow *w, size_t i, ko_stmt_writer *wr)
{
    ko_pnode *scan = NULL;
    ko_status st = task_scan(w, i, &scan);
    return st == KO_OK ? ko_stmt_writer_run(wr, scan, w->where) : st;
}

ko_status ko_stmt_delete(ko_stmt_ctx *c, const ko_sql_stmt *s)
{
    cow w = {0};
    int64_t count = 0;
    ko_status st = cow_open(&w, c, &s->delete_.table, s->delete_.alias, s->delete_.where);
    if (st == KO_OK)
        st = cow_run(&w, true, delete_rewrite, &count);
    cow_close(&w);
    return st == KO_OK ? ko_stmt_emit_count(c, "DELETE", count) : st;
}

/* UPDATE: the assigned expressions per column (NULL: unchanged). */
typedef struct upd {
    cow w;
    ko_bexpr **set;
} upd;

static ko_status bind_set(upd *u, const ko_sql_stmt *s)
{
    ko_stmt_ctx *c = u->w.c;
    size_t n = u->w.scope.n;
    u->set = ko_arena_calloc(c->arena, n + 1, sizeof(ko_bexpr *));
    if (!u->set)
        return nomem(c->q->err);
    for (size_t k = 0; k < s->update.n_set; k++) {
        const ko_sql_assignment *as = &s->update.set[k];
        const ko_sql_ident *id = &as->column.parts[as->column.n - 1];
        size_t i = 0;
        while (i < n && strcasecmp(u->w.cols[i].name, id->name) != 0)
            i++;
        if (i == n || u->set[i])
            return ko_sql_error_at(c->q->err, KO_ERR_INVALID, c->q->text, c->q->text_len, id->pos,
                                   i == n ? "Binder Error: Referenced update column %s not "
                                            "found in table!"
                                          : "Binder Error: Multiple assignments to same column "
                                            "\"%s\"",
                                   id->text);
        ko_status st = ko_bind_expr(c->q, c->arena, c->env, &u->w.scope, as->value, &u->set[i]);
        if (st == KO_OK)
            st = ko_bind_cast(c->q, c->arena, c->env, &u->set[i], &u->w.cols[i].type);
        if (st != KO_OK)
            return st;
    }
    return KO_OK;
}

static ko_status update_rewrite(cow *w, size_t i, ko_stmt_writer *wr)
{
    upd *u = (upd *)(void *)w;
    ko_stmt_ctx *c = w->c;
    size_t n = w->scope.n;
    ko_pnode *scan = NULL;
    ko_status st = task_scan(w, i, &scan);
    ko_bexpr **exprs = ko_arena_calloc(c->arena, n + 1, sizeof(ko_bexpr *));
    if (st == KO_OK && !exprs)
        st = nomem(c->q->err);
    for (size_t k = 0; k < n && st == KO_OK; k++) {
        ko_bexpr *col = ko_bind_colref(c->arena, (int)k, w->cols[k].type);
        exprs[k] = !u->set[k] || !col ? col
                   : w->where         ? ko_bind_case(c->arena, w->where, u->set[k], col)
                                      : u->set[k];
        if (!exprs[k])
            st = nomem(c->q->err);
    }
    ko_pnode *proj = st == KO_OK ? ko_bind_project(c->arena, scan, exprs, scan->names, n) : NULL;
    if (st == KO_OK && !proj)
        st = nomem(c->q->err);
    return st == KO_OK ? ko_stmt_writer_run(wr, proj, NULL) : st;
}

ko_status ko_stmt_update(ko_stmt_ctx *c, const ko_sql_stmt *s)
{
    upd u = {0};
    int64_t count = 0;
    ko_status st = cow_open(&u.w, c, &s->update.table, s->update.alias, s->update.where);
    if (st == KO_OK)
        st = bind_set(&u, s);
    if (st == KO_OK)
        st = cow_run(&u.w, false, update_rewrite, &count);
    cow_close(&u.w);
    return st == KO_OK ? ko_stmt_emit_count(c, "UPDATE", count) : st;
}
