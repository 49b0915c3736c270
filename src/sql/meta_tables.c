/*
 * meta_tables.c - the metadata tables "ns.t$snapshots", "ns.t$history" and
 * "ns.t$files", with Trino's column names:
 *
 *   $snapshots  committed_at TIMESTAMPTZ, snapshot_id BIGINT, parent_id
 *               BIGINT, operation VARCHAR, manifest_list VARCHAR, summary
 *               MAP(VARCHAR, VARCHAR) (the summary without "operation")
 *   $history    made_current_at TIMESTAMPTZ, snapshot_id BIGINT, parent_id
 *               BIGINT, is_current_ancestor BOOLEAN (the snapshot log)
 *   $files      content INTEGER, file_path VARCHAR, file_format VARCHAR,
 *               spec_id INTEGER, record_count BIGINT, file_size_in_bytes
 *               BIGINT (live data and delete files of the current snapshot)
 *
 * The rows are read at bind time into batches of a PN_META node; their
 * vectors are kept in the bind environment and freed with the statement.
 */
#include "sql/stmt.h"

#include <string.h>

#define T_(id)                     \
    {                              \
        KO_SQL_DT_##id, 0, 0, NULL \
    }

static const ko_sql_nested STR_STR = {2, (const char *[]){"key", "value"},
                                      (ko_sql_dtype[]){T_(VARCHAR), T_(VARCHAR)}};

static const char *const SNAP_NAMES[] = {"committed_at", "snapshot_id",   "parent_id",
                                         "operation",    "manifest_list", "summary"};
static const ko_sql_dtype SNAP_TYPES[] = {
    T_(TIMESTAMPTZ), T_(BIGINT),  T_(BIGINT),
    T_(VARCHAR),     T_(VARCHAR), {KO_SQL_DT_MAP, 0, 0, &STR_STR},
};

static const char *const HIST_NAMES[] = {"made_current_at", "snapshot_id", "parent_id",
                                         "is_current_ancestor"};
static const ko_sql_dtype HIST_TYPES[] = {T_(TIMESTAMPTZ), T_(BIGINT), T_(BIGINT), T_(BOOLEAN)};

static const char *const FILE_NAMES[] = {"content", "file_path",    "file_format",
                                         "spec_id", "record_count", "file_size_in_bytes"};
static const ko_sql_dtype FILE_TYPES[] = {T_(INTEGER), T_(VARCHAR), T_(VARCHAR),
                                          T_(INTEGER), T_(BIGINT),  T_(BIGINT)};

static ko_status nomem(ko_err *err)
{
    return ko_err_set(err, KO_ERR_NOMEM, "out of memory reading table metadata");
}

static const ko_ice_snapshot *find_snap(const ko_ice_table_meta *m, int64_t id)
{
    for (uint32_t i = 0; i < m->n_snapshots; i++)
        if (m->snapshots[i].snapshot_id == id)
            return &m->snapshots[i];
    return NULL;
}

static ko_status snapshots_rows(const ko_ice_table *t, ko_stmt_rows *r)
{
    const ko_ice_table_meta *m = &t->meta;
    for (uint32_t i = 0; i < m->n_snapshots; i++) {
        const ko_ice_snapshot *s = &m->snapshots[i];
        ko_stmt_cell *row = ko_stmt_rows_add(r);
        if (!row)
            return KO_ERR_NOMEM;
        ko_stmt_set_i64(&row[0], s->timestamp_ms * 1000);
        ko_stmt_set_i64(&row[1], s->snapshot_id);
        if (s->parent_id >= 0)
            ko_stmt_set_i64(&row[2], s->parent_id);
        ko_stmt_set_str(&row[3], s->operation);
        ko_stmt_set_str(&row[4], s->manifest_list);
        row[5].valid = true;
        row[5].kv = s->summary;
        row[5].n_kv = s->n_summary;
    }
    return KO_OK;
}

/* Whether id is the current snapshot or one of its ancestors. */
static bool is_ancestor(const ko_ice_table_meta *m, int64_t id)
{
    const ko_ice_snapshot *s = find_snap(m, m->current_snapshot_id);
    for (uint32_t hops = 0; s && hops <= m->n_snapshots; hops++) {
        if (s->snapshot_id == id)
            return true;
        s = s->parent_id >= 0 ? find_snap(m, s->parent_id) : NULL;
    }
    return false;
}

static ko_status history_rows(const ko_ice_table *t, ko_stmt_rows *r)
{
    const ko_ice_table_meta *m = &t->meta;
    for (uint32_t i = 0; i < m->n_snapshot_log; i++) {
        const ko_ice_snapshot_log_entry *e = &m->snapshot_log[i];
        const ko_ice_snapshot *s = find_snap(m, e->snapshot_id);
        ko_stmt_cell *row = ko_stmt_rows_add(r);
        if (!row)
            return KO_ERR_NOMEM;
        ko_stmt_set_i64(&row[0], e->timestamp_ms * 1000);
        ko_stmt_set_i64(&row[1], e->snapshot_id);
        if (s && s->parent_id >= 0)
            ko_stmt_set_i64(&row[2], s->parent_id);
        ko_stmt_set_i64(&row[3], is_ancestor(m, e->snapshot_id));
    }
    return KO_OK;
}

static ko_status files_rows(ko_qctx *q, ko_arena *a, const ko_ice_table *t, ko_stmt_rows *r)
{
    ko_ice_manifest_entry *e = NULL;
    size_t n = 0;
    ko_status st = ko_ice_table_files(ko_sql_session_wh_(q->sess), t, -1, a, &e, &n, q->err);
    for (size_t i = 0; i < n && st == KO_OK; i++) {
        const ko_ice_data_file *f = &e[i].data_file;
        ko_stmt_cell *row = ko_stmt_rows_add(r);
        if (!row)
            return KO_ERR_NOMEM;
        ko_stmt_set_i64(&row[0], (int64_t)f->content);
        ko_stmt_set_str(&row[1], f->file_path);
        ko_stmt_set_str(&row[2], f->file_format);
        ko_stmt_set_i64(&row[3], f->spec_id);
        ko_stmt_set_i64(&row[4], f->record_count);
        ko_stmt_set_i64(&row[5], f->file_size_in_bytes);
    }
    return st;
}

/* Turns the rows into the node's batches (vectors kept in env). */
static ko_status to_node(ko_qctx *q, ko_arena *a, const ko_stmt_rows *r, ko_pnode *node,
                         ko_bind_env *env)
{
    size_t nb = (r->n_rows + KO_SQL_BATCH - 1) / KO_SQL_BATCH;
    node->n_cols = r->n_cols;
    node->names = (const char **)(void *)r->names;
    node->types = (ko_sql_dtype *)(void *)r->types;
    node->rows = ko_arena_calloc(a, nb + 1, sizeof *node->rows);
    if (!node->rows)
        return nomem(q->err);
    for (size_t b = 0; b < nb; b++) {
        size_t from = b * KO_SQL_BATCH;
        size_t n = r->n_rows - from < KO_SQL_BATCH ? r->n_rows - from : KO_SQL_BATCH;
        ko_vec **cols = ko_arena_calloc(a, r->n_cols, sizeof(ko_vec *));
        if (!cols)
            return nomem(q->err);
        ko_status st = ko_stmt_rows_vecs(r, from, n, cols, q->err);
        for (size_t c = 0; c < r->n_cols && st == KO_OK; c++)
            if (ko_bind_env_keep(env, cols[c]) != KO_OK) {
                for (size_t j = c; j < r->n_cols; j++)
                    ko_vec_free(cols[j]);
                st = nomem(q->err);
            }
        if (st != KO_OK)
            return st;
        node->rows[b] = (ko_batch){n, NULL, 0, cols, r->n_cols};
        node->n_row_batches = b + 1;
    }
    return KO_OK;
}

ko_status ko_sql_meta_table(ko_qctx *q, ko_arena *a, ko_ice_table *t, const char *which,
                            ko_pnode *node, ko_bind_env *env)
{
    ko_stmt_rows r = {NULL, NULL, 0, 0, 0, NULL};
    ko_status st = KO_OK;
    if (strcmp(which, "snapshots") == 0) {
        r = (ko_stmt_rows){SNAP_NAMES, SNAP_TYPES, 6, 0, 0, NULL};
        st = snapshots_rows(t, &r);
    } else if (strcmp(which, "history") == 0) {
        r = (ko_stmt_rows){HIST_NAMES, HIST_TYPES, 4, 0, 0, NULL};
        st = history_rows(t, &r);
    } else if (strcmp(which, "files") == 0) {
        r = (ko_stmt_rows){FILE_NAMES, FILE_TYPES, 6, 0, 0, NULL};
        st = files_rows(q, a, t, &r);
    } else {
        return ko_err_set(q->err, KO_ERR_NOT_FOUND,
                          "Catalog Error: metadata table %s$%s does not exist (snapshots, "
                          "history, files)",
                          t->ident, which);
    }
    if (st == KO_ERR_NOMEM)
        st = nomem(q->err);
    if (st == KO_OK)
        st = to_node(q, a, &r, node, env);
    ko_stmt_rows_free(&r);
    return st;
}
