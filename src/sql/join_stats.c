/*
 * join_stats.c - column statistics for join ordering (issue 6).
 *
 * Iceberg keeps per data file the lower and upper bound of every column
 * (Appendix D single-value bytes).  For an integer or date column the
 * number of distinct values cannot exceed max(upper) - min(lower) + 1, nor
 * the table's row count: a free and often tight estimate (nation keys:
 * 25), which tells a join on a foreign key to a small table from a join on
 * a unique key.  Planning the files costs one read of the manifests, done
 * once per table reference.
 */
#include "sql/join.h"

#include <string.h>

static bool int_type(ko_sql_dtid id)
{
    return id == KO_SQL_DT_TINYINT || id == KO_SQL_DT_SMALLINT || id == KO_SQL_DT_INTEGER ||
           id == KO_SQL_DT_BIGINT || id == KO_SQL_DT_DATE;
}

static bool bound_of(const ko_ice_id_bound *b, uint32_t n, int32_t fid, int64_t *out)
{
    for (uint32_t i = 0; i < n; i++) {
        if (b[i].field_id != fid)
            continue;
        const uint8_t *p = b[i].value.ptr;
        size_t len = b[i].value.len;
        if (!p || (len != 4 && len != 8))
            return false;
        uint64_t v = 0;
        for (size_t k = len; k-- > 0;)
            v = (v << 8) | p[k];
        *out = len == 4 ? (int64_t)(int32_t)(uint32_t)v : (int64_t)v;
        return true;
    }
    return false;
}

double ko_scan_col_ndv(ko_qctx *q, ko_arena *a, ko_scan_spec *sp, ko_ice_scan_plan **cache,
                       size_t col)
{
    if (col >= sp->n_cols || !int_type(sp->types[col].id) || !sp->dir)
        return 0;
    if (!*cache) {
        ko_ice_scan_plan *p = ko_arena_calloc(a, 1, sizeof *p);
        ko_ice_scan_opts so = {sp->snap, NULL, sp->schema};
        ko_err err = {0};
        if (!p || ko_ice_scan_plan_files(sp->dir, &so, a, p, &err) != KO_OK)
            return 0;
        *cache = p;
    }
    (void)q;
    const ko_ice_scan_plan *p = *cache;
    int32_t fid = sp->field_ids[col];
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    double rows = 0;
    for (size_t t = 0; t < p->n_tasks; t++) {
        const ko_ice_data_file *f = p->tasks[t].file;
        int64_t l, h;
        if (!bound_of(f->lower_bounds, f->n_lower_bounds, fid, &l) ||
            !bound_of(f->upper_bounds, f->n_upper_bounds, fid, &h))
            return 0;
        lo = l < lo ? l : lo;
        hi = h > hi ? h : hi;
        rows += (double)f->record_count;
    }
    if (!p->n_tasks || hi < lo)
        return 0;
    double range = (double)hi - (double)lo + 1;
    return range < rows ? range : rows;
}
