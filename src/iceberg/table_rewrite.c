/*
 * table_rewrite.c - changes by filter, copy-on-write: planning which files
 * a filter touches, DELETE WHERE and INSERT OVERWRITE (iceberg.h section
 * 13).  The commit itself is ko_ice_table_commit_overwrite.
 *
 * Planning reads the manifests of the branch head, except data manifests
 * whose partition summaries rule the filter out (their files cannot
 * match), and plans a scan without a filter, so that each live data file
 * comes with every delete file that applies to it.  Each file is then classed by the filter:
 * cannot match (partition tuple or bounds rule it out: untouched), every
 * row matches (bounds and counts prove it: removed whole, never read), or
 * some rows may match (rewritten).  A delete file every one of whose data
 * files leaves with the change is obsolete and leaves too; one that still
 * applies to a file that stays is kept (it cannot apply to the rewritten
 * files: their sequence number is newer).
 *
 * Rewriting reads the files that may partly match with ko_ice_reader (so
 * position and equality deletes of other engines are applied and the new
 * file carries the merged result), evaluates the filter on every row
 * (ko_ice_pred_eval_row over the row's values of the columns the filter
 * names), and writes the rows that do not match through a
 * ko_ice_table_writer (current schema, default spec, bounded memory).
 * Commits use serializable isolation by default: a concurrent commit
 * that added rows the filter may match fails this one.  A commit that
 * fails for certain deletes the files written for it.
 */
#include "iceberg/table_internal.h"

#include <stdlib.h>
#include <string.h>

enum { MAX_PRED_COLUMNS = 64 };

/* ------------------------------------------------------ strict evaluation */

static bool count_of(const ko_ice_id_count *m, uint32_t n, int32_t id, int64_t *out)
{
    const ko_ice_id_count *c = ko_ice_id_count_find(m, n, id);
    if (c)
        *out = c->value;
    return c != NULL;
}

static bool bound_of(const ko_ice_id_bound *m, uint32_t n, const ko_ice_type *t, int32_t id,
                     ko_ice_value *out)
{
    const ko_ice_id_bound *b = ko_ice_id_bound_find(m, n, id);
    return b && b->value.ptr &&
           ko_ice_value_from_bytes(t, b->value.ptr, b->value.len, out, NULL) == KO_OK;
}

/* Are the file's values of a comparison's column all non-null, non-NaN? */
static bool all_comparable(const ko_ice_field *fld, const ko_ice_data_file *f)
{
    int64_t nulls = -1, nans = 0;
    if (!count_of(f->null_value_counts, f->n_null_value_counts, fld->id, &nulls) || nulls != 0)
        return false;
    bool real = fld->type.id == KO_ICE_FLOAT || fld->type.id == KO_ICE_DOUBLE;
    return !real ||
           (count_of(f->nan_value_counts, f->n_nan_value_counts, fld->id, &nans) && nans == 0);
}

static bool compare_all(const ko_ice_pred *p, const ko_ice_field *fld, const ko_ice_data_file *f)
{
    ko_ice_value lo, hi;
    bool has_lo = bound_of(f->lower_bounds, f->n_lower_bounds, &fld->type, fld->id, &lo);
    bool has_hi = bound_of(f->upper_bounds, f->n_upper_bounds, &fld->type, fld->id, &hi);
    if (!all_comparable(fld, f))
        return false;
    switch (p->op) {
    case KO_ICE_PRED_LT:
        return has_hi && ko_ice_value_compare(&hi, &p->value) < 0;
    case KO_ICE_PRED_LE:
        return has_hi && ko_ice_value_compare(&hi, &p->value) <= 0;
    case KO_ICE_PRED_GT:
        return has_lo && ko_ice_value_compare(&lo, &p->value) > 0;
    case KO_ICE_PRED_GE:
        return has_lo && ko_ice_value_compare(&lo, &p->value) >= 0;
    case KO_ICE_PRED_EQ:
        return has_lo && has_hi && ko_ice_value_compare(&lo, &p->value) == 0 &&
               ko_ice_value_compare(&hi, &p->value) == 0;
    default:
        return false;
    }
}

static bool leaf_all(const ko_ice_pred *p, const ko_ice_schema *schema, const ko_ice_data_file *f)
{
    const ko_ice_schema_entry *e = ko_ice_schema_entry_by_id(schema, p->field_id);
    if (!e || e->in_collection)
        return false;
    int64_t nulls = -1;
    bool has_nulls = count_of(f->null_value_counts, f->n_null_value_counts, p->field_id, &nulls);
    if (p->op == KO_ICE_PRED_IS_NULL)
        return has_nulls && nulls == f->record_count;
    if (p->op == KO_ICE_PRED_NOT_NULL)
        return has_nulls && nulls == 0;
    return compare_all(p, e->field, f);
}

static bool all_match(const ko_ice_pred *p, const ko_ice_schema *schema, const ko_ice_data_file *f,
                      int depth)
{
    if (!p)
        return true;
    if (depth > 1000)
        return false;
    switch (p->op) {
    case KO_ICE_PRED_TRUE:
        return true;
    case KO_ICE_PRED_FALSE:
        return false;
    case KO_ICE_PRED_AND:
        return all_match(p->left, schema, f, depth + 1) &&
               all_match(p->right, schema, f, depth + 1);
    case KO_ICE_PRED_OR:
        return all_match(p->left, schema, f, depth + 1) ||
               all_match(p->right, schema, f, depth + 1);
    default:
        return leaf_all(p, schema, f);
    }
}

bool ko_ice_pred_all_rows_match(const ko_ice_pred *p, const ko_ice_schema *schema,
                                const ko_ice_data_file *f)
{
    return all_match(p, schema, f, 0);
}

/* --------------------------------------------------------------- planning */

/* 0: cannot match; else a ko_ice_match. */
static int classify(const ko_ice_pred *filter, const ko_ice_table_meta *m,
                    const ko_ice_schema *schema, const ko_ice_data_file *f)
{
    if (!filter)
        return KO_ICE_MATCH_ALL;
    const ko_ice_partition_spec *spec = ko_ice_meta_spec(m, f->spec_id);
    if (spec && f->n_partition == spec->n_fields &&
        !ko_ice_pred_eval_partition(filter, spec, schema, f->partition))
        return 0;
    if (!ko_ice_pred_eval_file(filter, schema, f))
        return 0;
    return ko_ice_pred_all_rows_match(filter, schema, f) ? KO_ICE_MATCH_ALL : KO_ICE_MATCH_SOME;
}

typedef struct del_use {
    const ko_ice_data_file *file;
    bool chosen; /* the data file it applies to leaves */
} del_use;

static int del_use_cmp(const void *a, const void *b)
{
    const del_use *x = a, *y = b;
    uintptr_t p = (uintptr_t)x->file, q = (uintptr_t)y->file;
    return p < q ? -1 : p > q;
}

/* Does equality delete file d apply to every partition (spec: written
 * with an unpartitioned spec)? */
static bool global_delete(const ko_ice_table_meta *m, const ko_ice_data_file *d)
{
    const ko_ice_partition_spec *spec = ko_ice_meta_spec(m, d->spec_id);
    return d->content == KO_ICE_CONTENT_EQUALITY_DELETES &&
           (!spec || ko_ice_spec_is_unpartitioned(spec));
}

/* Delete files all of whose data files are chosen.  When manifests were
 * skipped, a global equality delete may apply to data files never read:
 * it stays. */
static ko_status obsolete_deletes(const ko_ice_scan_plan *full, const ko_ice_table_meta *m,
                                  const int *cls, ko_arena *arena, ko_ice_rewrite_plan *out,
                                  ko_err *err)
{
    size_t n = 0;
    for (size_t i = 0; i < full->n_tasks; i++)
        n += full->tasks[i].n_deletes;
    del_use *u = ko_arena_calloc(arena, n + 1, sizeof *u);
    out->obsolete_deletes = ko_arena_calloc(arena, n + 1, sizeof *out->obsolete_deletes);
    if (!u || !out->obsolete_deletes)
        return kt_nomem(err);
    size_t k = 0;
    for (size_t i = 0; i < full->n_tasks; i++)
        for (uint32_t d = 0; d < full->tasks[i].n_deletes; d++)
            u[k++] = (del_use){full->tasks[i].deletes[d].file, cls[i] != 0};
    qsort(u, n, sizeof *u, del_use_cmp);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        bool all = true;
        for (; j < n && u[j].file == u[i].file; j++)
            all = all && u[j].chosen;
        if (all && !(full->manifests_skipped && global_delete(m, u[i].file)))
            out->obsolete_deletes[out->n_obsolete_deletes++] = *u[i].file;
        i = j;
    }
    return KO_OK;
}

static ko_status choose(const ko_ice_scan_plan *full, const ko_ice_pred *filter,
                        const ko_ice_table_meta *m, ko_arena *arena, ko_ice_rewrite_plan *out,
                        ko_err *err)
{
    int *cls = ko_arena_calloc(arena, full->n_tasks + 1, sizeof *cls);
    out->scan = *full;
    out->scan.tasks = ko_arena_calloc(arena, full->n_tasks + 1, sizeof *out->scan.tasks);
    out->match = ko_arena_calloc(arena, full->n_tasks + 1, sizeof *out->match);
    if (!cls || !out->scan.tasks || !out->match)
        return kt_nomem(err);
    out->scan.n_tasks = 0;
    for (size_t i = 0; i < full->n_tasks; i++) {
        cls[i] = classify(filter, m, full->schema, full->tasks[i].file);
        if (!cls[i])
            continue;
        out->match[out->scan.n_tasks] = (ko_ice_match)cls[i];
        out->scan.tasks[out->scan.n_tasks++] = full->tasks[i];
        *(cls[i] == KO_ICE_MATCH_ALL ? &out->n_all : &out->n_some) += 1;
    }
    out->scan.data_files_skipped += full->n_tasks - out->scan.n_tasks;
    return obsolete_deletes(full, m, cls, arena, out, err);
}

/* Must manifest mf be read?  Not when it has no live files, nor a data
 * manifest whose partition summaries rule the filter out (as scan
 * planning judges); delete manifests are read whole, since which data
 * files a delete file reaches is decided file by file. */
static bool manifest_needed(const ko_ice_table_meta *m, const ko_ice_schema *schema,
                            const ko_ice_pred *filter, const ko_ice_manifest_file *mf)
{
    if (mf->added_files_count == 0 && mf->existing_files_count == 0)
        return false;
    const ko_ice_partition_spec *spec = ko_ice_meta_spec(m, mf->partition_spec_id);
    if (!filter || mf->content != KO_ICE_MANIFEST_DATA || !spec || !mf->partitions ||
        mf->n_partitions != spec->n_fields)
        return true;
    return ko_ice_pred_eval_manifest(filter, spec, schema, mf);
}

/* Reads the manifests of head that may matter into list/mans[0..*n);
 * plan counts the manifests and the data files of those skipped. */
static ko_status read_head(const ko_ice_warehouse *wh, const ko_ice_table *t,
                           const ko_ice_snapshot *head, const ko_ice_pred *filter, ko_arena *arena,
                           ko_ice_manifest_file **list, ko_ice_manifest **mans, size_t *n,
                           ko_ice_scan_plan *plan, ko_err *err)
{
    size_t all = 0;
    ko_status st = kt_read_manifest_list(wh, head, arena, list, &all, err);
    *mans = st == KO_OK ? ko_arena_calloc(arena, all + 1, sizeof **mans) : NULL;
    if (st == KO_OK && !*mans)
        st = kt_nomem(err);
    *n = 0;
    for (size_t i = 0; st == KO_OK && i < all; i++) {
        const ko_ice_manifest_file *mf = &(*list)[i];
        plan->manifests++;
        if (!manifest_needed(&t->meta, plan->schema, filter, mf)) {
            plan->manifests_skipped++;
            bool data = mf->content == KO_ICE_MANIFEST_DATA && mf->added_files_count > 0;
            size_t live = data ? (size_t)mf->added_files_count : 0;
            live += data && mf->existing_files_count > 0 ? (size_t)mf->existing_files_count : 0;
            plan->data_files += live;
            plan->data_files_skipped += live;
            continue;
        }
        (*list)[*n] = *mf;
        st = kt_read_manifest(wh, &t->meta, &(*list)[*n], arena, &(*mans)[*n], err);
        ++*n;
    }
    return st;
}

static const ko_ice_snapshot *head_of(const ko_ice_table_meta *m, const char *branch, bool *known)
{
    const ko_ice_ref *r = ko_ice_meta_ref(m, branch);
    *known = r != NULL || strcmp(branch, "main") == 0;
    if (!r)
        return strcmp(branch, "main") == 0 ? ko_ice_meta_current_snapshot(m) : NULL;
    return ko_ice_meta_snapshot(m, r->snapshot_id);
}

ko_status ko_ice_table_plan_rewrite(const ko_ice_warehouse *wh, const ko_ice_table *t,
                                    const char *branch, const ko_ice_pred *filter, ko_arena *arena,
                                    ko_ice_rewrite_plan *out, ko_err *err)
{
    KT_NEED_ERR(err);
    memset(out, 0, sizeof *out);
    out->snapshot_id = -1;
    const ko_ice_schema *schema = ko_ice_meta_current_schema(&t->meta);
    out->scan.schema = schema;
    bool known = false;
    const ko_ice_snapshot *head = head_of(&t->meta, branch ? branch : "main", &known);
    if (!known)
        return ko_err_set(err, KO_ERR_NOT_FOUND, "table %s has no branch '%s'", t->ident, branch);
    ko_status st = filter ? ko_ice_pred_check(filter, schema, err) : KO_OK;
    if (st != KO_OK || !head)
        return st != KO_OK ? ko_err_prefix(err, "table %s: filter", t->ident) : KO_OK;
    ko_ice_manifest_file *list = NULL;
    ko_ice_manifest *mans = NULL;
    size_t n = 0;
    ko_ice_scan_plan full = {.snapshot = head, .schema = schema};
    st = read_head(wh, t, head, filter, arena, &list, &mans, &n, &full, err);
    if (st == KO_OK)
        st = ko_ice_scan_plan_manifests(&t->meta, schema, NULL, list, mans, n, arena, &full, err);
    if (st == KO_OK)
        st = choose(&full, filter, &t->meta, arena, out, err);
    out->snapshot_id = head->snapshot_id;
    return st != KO_OK && !strstr(err->msg, t->ident) ? ko_err_prefix(err, "table %s", t->ident)
                                                      : st;
}

ko_status ko_ice_table_open_dir(const ko_ice_warehouse *wh, const ko_ice_table *t, ko_ice_dir **out,
                                ko_err *err)
{
    KT_NEED_ERR(err);
    ko_arena a = {0};
    const char *loc = kt_uri(&a, wh, t->key);
    ko_status st = loc ? ko_ice_dir_open(loc, t->metadata_location, NULL, out, err) : kt_nomem(err);
    ko_arena_free(&a);
    return st;
}

/* ------------------------------------------------------------ row filter */

/* The columns a filter names, as leaves of the reader's batches. */
typedef struct row_eval {
    int32_t ids[MAX_PRED_COLUMNS];
    uint32_t leaf[MAX_PRED_COLUMNS];
    const ko_ice_type *type[MAX_PRED_COLUMNS];
    size_t vi[MAX_PRED_COLUMNS];    /* value index of the current row */
    bool present[MAX_PRED_COLUMNS]; /* the current row has a value */
    ko_ice_value val[MAX_PRED_COLUMNS];
    size_t n;
    const ko_pq_column *cols;
    bool failed;
} row_eval;

static ko_status add_column(row_eval *re, const ko_pq_schema *pq, const ko_ice_schema *schema,
                            int32_t id, ko_err *err)
{
    for (size_t i = 0; i < re->n; i++)
        if (re->ids[i] == id)
            return KO_OK;
    if (re->n == MAX_PRED_COLUMNS)
        return ko_err_set(err, KO_ERR_UNSUPPORTED, "a filter on more than %d columns",
                          MAX_PRED_COLUMNS);
    const ko_ice_field *f = ko_ice_schema_find_id(schema, id);
    for (uint32_t l = 0; f && l < pq->n_leaves; l++) {
        const ko_pq_schema_element *e = pq->nodes[pq->leaves[l].node].el;
        if (!e->has_field_id || e->field_id != id)
            continue;
        if (pq->leaves[l].max_rep > 0)
            break;
        re->ids[re->n] = id;
        re->leaf[re->n] = l;
        re->type[re->n++] = &f->type;
        return KO_OK;
    }
    return ko_err_set(err, KO_ERR_UNSUPPORTED,
                      "filter column %d is not a column outside lists and maps", (int)id);
}

static ko_status collect_columns(row_eval *re, const ko_pq_schema *pq, const ko_ice_schema *schema,
                                 const ko_ice_pred *p, int depth, ko_err *err)
{
    if (!p || p->op == KO_ICE_PRED_TRUE || p->op == KO_ICE_PRED_FALSE)
        return KO_OK;
    if (depth > 1000)
        return ko_err_set(err, KO_ERR_INVALID, "filter nested too deeply");
    if (p->op == KO_ICE_PRED_AND || p->op == KO_ICE_PRED_OR) {
        ko_status st = collect_columns(re, pq, schema, p->left, depth + 1, err);
        return st == KO_OK ? collect_columns(re, pq, schema, p->right, depth + 1, err) : st;
    }
    return add_column(re, pq, schema, p->field_id, err);
}

static const ko_ice_value *row_value(void *ctx, int32_t field_id)
{
    row_eval *re = ctx;
    for (size_t k = 0; k < re->n; k++) {
        if (re->ids[k] != field_id)
            continue;
        if (!re->present[k])
            return NULL;
        if (kt_column_value(re->type[k], &re->cols[re->leaf[k]], re->vi[k], &re->val[k], NULL) !=
            KO_OK) {
            re->failed = true;
            return NULL;
        }
        return &re->val[k];
    }
    return NULL;
}

/* row_part[r] = 1 for rows that match the filter, 0 for the rest;
 * *dropped their count. */
static ko_status mark_rows(row_eval *re, const ko_ice_pred *filter, const ko_pq_column *cols,
                           size_t rows, uint32_t *row_part, size_t *dropped, ko_err *err)
{
    re->cols = cols;
    re->failed = false;
    for (size_t k = 0; k < re->n; k++)
        re->vi[k] = 0;
    *dropped = 0;
    for (size_t r = 0; r < rows; r++) {
        for (size_t k = 0; k < re->n; k++) {
            const ko_pq_column *c = &cols[re->leaf[k]];
            re->present[k] = c->max_def == 0 || ((const int16_t *)c->def.data)[r] == c->max_def;
        }
        row_part[r] = ko_ice_pred_eval_row(filter, row_value, re) ? 1 : 0;
        *dropped += row_part[r];
        for (size_t k = 0; k < re->n; k++)
            re->vi[k] += re->present[k];
    }
    return re->failed ? ko_err_set(err, KO_ERR_CORRUPT, "a filter column holds a bad value")
                      : KO_OK;
}

/* ------------------------------------------------------------- rewriting */

typedef struct rewrite {
    const ko_ice_warehouse *wh;
    ko_ice_table *t;
    const ko_ice_pred *filter;
    ko_ice_rewrite_plan plan;
    ko_ice_table_writer *tw;
    row_eval re;
    ko_ice_rewrite_result res;
    ko_arena *arena;
    ko_err *err;
} rewrite;

static void free_cols(ko_pq_column *c, uint32_t n)
{
    for (uint32_t i = 0; c && i < n; i++)
        ko_pq_column_free(&c[i]);
}

/* Writes the rows of one batch that do not match the filter. */
static ko_status keep_rows(rewrite *w, const ko_pq_column *cols, size_t rows)
{
    const ko_pq_schema *pq = ko_ice_table_writer_schema(w->tw);
    uint32_t nl = pq->n_leaves;
    uint32_t *part = malloc((rows + 1) * sizeof *part);
    ko_pq_column *keep = calloc(nl + 1u, sizeof *keep), *drop = calloc(nl + 1u, sizeof *drop);
    size_t dropped = 0;
    ko_status st = part && keep && drop ? KO_OK : kt_nomem(w->err);
    if (st == KO_OK)
        st = mark_rows(&w->re, w->filter, cols, rows, part, &dropped, w->err);
    for (uint32_t l = 0; st == KO_OK && l < nl; l++)
        if (ko_pq_column_init(&keep[l], &pq->leaves[l]) != KO_OK ||
            ko_pq_column_init(&drop[l], &pq->leaves[l]) != KO_OK)
            st = kt_nomem(w->err);
    ko_pq_column *const dst[2] = {keep, drop};
    if (st == KO_OK && dropped > 0 && dropped < rows)
        st = kt_scatter(cols, nl, rows, part, dst, w->err);
    if (st == KO_OK && dropped < rows)
        st = ko_ice_table_writer_write(w->tw, dropped ? keep : cols, rows - dropped, w->err);
    w->res.rows_deleted += (int64_t)dropped;
    free_cols(keep, nl);
    free_cols(drop, nl);
    free(keep);
    free(drop);
    free(part);
    return st;
}

/* Reads the files that may partly match and writes what stays. */
static ko_status rewrite_files(rewrite *w)
{
    ko_ice_scan_plan sub = w->plan.scan;
    sub.tasks = ko_arena_calloc(w->arena, w->plan.n_some + 1, sizeof *sub.tasks);
    if (!sub.tasks)
        return kt_nomem(w->err);
    sub.n_tasks = 0;
    for (size_t i = 0; i < w->plan.scan.n_tasks; i++)
        if (w->plan.match[i] == KO_ICE_MATCH_SOME)
            sub.tasks[sub.n_tasks++] = w->plan.scan.tasks[i];
    ko_ice_dir *dir = NULL;
    ko_ice_reader *r = NULL;
    ko_status st = ko_ice_table_open_dir(w->wh, w->t, &dir, w->err);
    if (st == KO_OK)
        st = ko_ice_reader_open(dir, &sub, &r, w->err);
    if (st == KO_OK)
        st = collect_columns(&w->re, ko_ice_reader_schema(r), sub.schema, w->filter, 0, w->err);
    for (bool done = false; st == KO_OK && !done;) {
        const ko_pq_column *cols = NULL;
        size_t rows = 0;
        st = ko_ice_reader_next(r, &cols, &rows, &done, w->err);
        if (st == KO_OK && rows)
            st = keep_rows(w, cols, rows);
    }
    ko_ice_reader_close(r);
    ko_ice_dir_close(dir);
    return st;
}

ko_status ko_ice_rewrite_plan_removed(const ko_ice_rewrite_plan *p, ko_arena *arena,
                                      ko_ice_data_file **out, size_t *n, ko_err *err)
{
    *n = 0;
    *out = ko_arena_calloc(arena, p->scan.n_tasks + p->n_obsolete_deletes + 1, sizeof **out);
    if (!*out)
        return kt_nomem(err);
    for (size_t i = 0; i < p->scan.n_tasks; i++)
        (*out)[(*n)++] = *p->scan.tasks[i].file;
    for (size_t i = 0; i < p->n_obsolete_deletes; i++)
        (*out)[(*n)++] = p->obsolete_deletes[i];
    return KO_OK;
}

/* The files leaving: chosen data files and obsolete delete files. */
static ko_status leaving(rewrite *w, ko_ice_data_file **out, size_t *n)
{
    const ko_ice_rewrite_plan *p = &w->plan;
    for (size_t i = 0; i < p->scan.n_tasks; i++)
        if (p->match[i] == KO_ICE_MATCH_ALL)
            w->res.rows_deleted += p->scan.tasks[i].file->record_count;
    w->res.files_removed = p->n_all;
    w->res.files_rewritten = p->n_some;
    w->res.deletes_removed = p->n_obsolete_deletes;
    return ko_ice_rewrite_plan_removed(p, w->arena, out, n, w->err);
}

/* Joins two file lists in arena. */
static ko_status join(ko_arena *arena, const ko_ice_data_file *a, size_t na,
                      const ko_ice_data_file *b, size_t nb, ko_ice_data_file **out, ko_err *err)
{
    *out = ko_arena_calloc(arena, na + nb + 1, sizeof **out);
    if (!*out)
        return kt_nomem(err);
    ko_memcpy0(*out, a, na * sizeof **out);
    ko_memcpy0(*out + na, b, nb * sizeof **out);
    return KO_OK;
}

typedef struct inputs {
    ko_pq_reader *const *readers;
    const char *const *names;
    size_t n;
} inputs;

static ko_status write_new(rewrite *w, const inputs *in, ko_ice_data_file **added, size_t *n_added)
{
    ko_ice_data_file *rewritten = NULL, *appended = NULL;
    size_t n_rewritten = 0, n_appended = 0;
    ko_status st = ko_ice_table_writer_open(w->wh, w->t, w->arena, &w->tw, w->err);
    if (st == KO_OK && w->plan.n_some)
        st = rewrite_files(w);
    if (st != KO_OK) {
        ko_ice_table_writer_abort(w->tw);
        return st;
    }
    st = ko_ice_table_writer_finish(w->tw, &rewritten, &n_rewritten, w->err);
    if (st == KO_OK && in->n)
        st = ko_ice_table_write_files(w->wh, w->t, in->readers, in->names, in->n, w->arena,
                                      &appended, &n_appended, w->err);
    if (st != KO_OK) {
        kt_delete_data_files(w->wh, rewritten, n_rewritten);
        return st;
    }
    for (size_t i = 0; i < n_appended; i++)
        w->res.rows_added += appended[i].record_count;
    *n_added = n_rewritten + n_appended;
    w->res.files_added = *n_added;
    return join(w->arena, rewritten, n_rewritten, appended, n_appended, added, w->err);
}

static ko_status run(const ko_ice_warehouse *wh, const char *ns, const char *name,
                     const ko_ice_pred *filter, const inputs *in, const ko_ice_overwrite_opts *oo,
                     const ko_ice_commit_opts *opts, ko_arena *arena, ko_ice_commit_info *info,
                     ko_ice_rewrite_result *res, ko_err *err)
{
    ko_ice_table t;
    rewrite w = {.wh = wh, .t = &t, .filter = filter, .arena = arena, .err = err};
    ko_ice_overwrite_opts o = oo ? *oo : (ko_ice_overwrite_opts){0};
    ko_ice_data_file *deleted = NULL, *added = NULL;
    size_t n_deleted = 0, n_added = 0;
    ko_status st = ko_ice_table_load(wh, ns, name, arena, &t, err);
    if (st == KO_OK)
        st = ko_ice_table_plan_rewrite(wh, &t, o.branch, filter, arena, &w.plan, err);
    if (st == KO_OK)
        st = leaving(&w, &deleted, &n_deleted);
    if (st == KO_OK && (n_deleted || in->n))
        st = write_new(&w, in, &added, &n_added);
    if (st != KO_OK)
        return st;
    if (res)
        *res = w.res;
    if (!n_deleted && !in->n) { /* nothing matches: nothing to commit */
        if (info)
            *info = (ko_ice_commit_info){w.plan.snapshot_id, t.meta.last_sequence_number,
                                         t.metadata_location, 0};
        return KO_OK;
    }
    static const ko_ice_pred everything = {.op = KO_ICE_PRED_TRUE};
    o.base_snapshot_id = w.plan.snapshot_id;
    o.conflict_filter = o.conflict_filter ? o.conflict_filter : filter ? filter : &everything;
    st = ko_ice_table_commit_overwrite(wh, &t, deleted, n_deleted, added, n_added, &o, opts, arena,
                                       info, err);
    if (st == KO_ERR_CONFLICT || st == KO_ERR_INVALID || st == KO_ERR_NOT_FOUND)
        kt_delete_data_files(wh, added, n_added); /* certainly not committed */
    return st;
}

ko_status ko_ice_table_delete_where(const ko_ice_warehouse *wh, const char *ns, const char *name,
                                    const ko_ice_pred *filter, const ko_ice_overwrite_opts *oo,
                                    const ko_ice_commit_opts *opts, ko_arena *arena,
                                    ko_ice_commit_info *info, ko_ice_rewrite_result *res,
                                    ko_err *err)
{
    KT_NEED_ERR(err);
    inputs in = {0};
    return run(wh, ns, name, filter, &in, oo, opts, arena, info, res, err);
}

ko_status ko_ice_table_overwrite_where(const ko_ice_warehouse *wh, const char *ns, const char *name,
                                       const ko_ice_pred *filter, ko_pq_reader *const *inputs_,
                                       const char *const *input_names, size_t n_inputs,
                                       const ko_ice_overwrite_opts *oo,
                                       const ko_ice_commit_opts *opts, ko_arena *arena,
                                       ko_ice_commit_info *info, ko_ice_rewrite_result *res,
                                       ko_err *err)
{
    KT_NEED_ERR(err);
    inputs in = {inputs_, input_names, n_inputs};
    return run(wh, ns, name, filter, &in, oo, opts, arena, info, res, err);
}
