/*
 * pq_levels_fixture.h - hand-built Dremel columns for unit tests: a
 * Parquet schema built element by element (groups and leaves), one
 * ko_pq_column per leaf, and entries appended with their repetition and
 * definition levels.  Shared by test_pq_rows.c and
 * test_sql_scan_nested.c; include after testutil.h.
 */
#ifndef KO_TEST_PQ_LEVELS_FIXTURE_H
#define KO_TEST_PQ_LEVELS_FIXTURE_H

#include "parquet/parquet.h"

#include <string.h>

typedef struct fx {
    ko_pq_schema_element els[40];
    uint32_t n;
    ko_arena arena;
    ko_pq_schema s;
    ko_pq_column cols[20];
} fx;

static inline ko_pq_schema_element *el_add(fx *f, const char *name, ko_pq_repetition rep)
{
    assert_true(f->n < KO_ARRAY_LEN(f->els));
    ko_pq_schema_element *e = &f->els[f->n++];
    memset(e, 0, sizeof *e);
    e->name = name;
    e->has_repetition = f->n > 1;
    e->repetition = rep;
    e->converted = KO_PQ_CT_NONE;
    return e;
}

static inline ko_pq_schema_element *grp(fx *f, const char *name, ko_pq_repetition rep, int children)
{
    ko_pq_schema_element *e = el_add(f, name, rep);
    e->num_children = children;
    return e;
}

static inline ko_pq_schema_element *leaf(fx *f, const char *name, ko_pq_repetition rep,
                                         ko_pq_type t)
{
    ko_pq_schema_element *e = el_add(f, name, rep);
    e->has_type = true;
    e->type = t;
    return e;
}

static inline ko_pq_schema_element *str_leaf(fx *f, const char *name, ko_pq_repetition rep)
{
    ko_pq_schema_element *e = leaf(f, name, rep, KO_PQ_BYTE_ARRAY);
    e->logical.kind = KO_PQ_LT_STRING;
    e->converted = KO_PQ_CT_UTF8;
    return e;
}

static inline void fx_build(fx *f)
{
    ko_err err = {0};
    TU_OK(ko_pq_schema_build(f->els, f->n, &f->arena, &f->s, &err), &err);
    assert_true(f->s.n_leaves <= KO_ARRAY_LEN(f->cols));
    for (uint32_t i = 0; i < f->s.n_leaves; i++)
        assert_int_equal(ko_pq_column_init(&f->cols[i], &f->s.leaves[i]), KO_OK);
}

static inline void fx_free(fx *f)
{
    for (uint32_t i = 0; i < f->s.n_leaves; i++)
        ko_pq_column_free(&f->cols[i]);
    ko_arena_free(&f->arena);
}

/* Appends one entry to leaf l: levels and, when present, the value. */
static inline void add(fx *f, int l, int r, int d, const void *v, size_t len)
{
    ko_pq_column *c = &f->cols[l];
    int16_t r16 = (int16_t)r, d16 = (int16_t)d;
    if (c->max_rep)
        assert_int_equal(ko_buf_append(&c->rep, &r16, 2), KO_OK);
    if (c->max_def)
        assert_int_equal(ko_buf_append(&c->def, &d16, 2), KO_OK);
    c->n++;
    if (d != c->max_def)
        return;
    assert_int_equal(ko_buf_append(&c->values, v, len), KO_OK);
    if (c->type == KO_PQ_BYTE_ARRAY) {
        int64_t end = (int64_t)c->values.len;
        assert_int_equal(ko_buf_append(&c->offsets, &end, 8), KO_OK);
    }
    c->n_values++;
}

static inline void add_i64(fx *f, int l, int r, int d, int64_t v)
{
    add(f, l, r, d, &v, 8);
}

static inline void add_i32(fx *f, int l, int r, int d, int32_t v)
{
    add(f, l, r, d, &v, 4);
}

static inline void add_str(fx *f, int l, int r, int d, const char *s)
{
    add(f, l, r, d, s, s ? strlen(s) : 0);
}

#endif
