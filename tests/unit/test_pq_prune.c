/*
 * test_pq_prune.c - predicates on statistics (src/parquet/prune.c), reading
 * selected rows and the chunk cursor (src/parquet/reader.c).
 *
 * Files are written with our writer (small pages, several row groups) with
 * sorted and random INT32, INT64, DOUBLE (with NaN and -0.0), strings,
 * unsigned ints, nullable columns and a list column; two parquet-testing
 * files with page indexes from other writers are read too.  Everything is
 * checked against brute force over the fully read column chunks:
 *   - ko_pq_rowgroup_may_match never drops a row group with a matching row;
 *   - ko_pq_select_rows ranges contain every matching row;
 *   - ko_pq_read_column_rows returns exactly the records of those ranges;
 *   - the cursor's batches concatenate to the whole chunk.
 */
#include "testutil.h"

#include "parquet/parquet.h"
#include "parquet/writer_internal.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct rng {
    uint64_t s;
} rng;

static uint64_t next(rng *r)
{
    r->s ^= r->s << 13;
    r->s ^= r->s >> 7;
    r->s ^= r->s << 17;
    return r->s;
}

static int below(rng *r, int n)
{
    return (int)(next(r) % (uint64_t)n);
}

/* ----------------------------------------------------------- columns */

static void put(ko_pq_column *c, int16_t rep, int16_t def, const void *v, size_t len)
{
    if (c->max_rep > 0)
        assert_int_equal(ko_buf_append(&c->rep, &rep, 2), KO_OK);
    if (c->max_def > 0)
        assert_int_equal(ko_buf_append(&c->def, &def, 2), KO_OK);
    c->n++;
    if (def != c->max_def)
        return;
    assert_int_equal(ko_buf_append(&c->values, v, len), KO_OK);
    if (c->type == KO_PQ_BYTE_ARRAY) {
        int64_t end = (int64_t)c->values.len;
        assert_int_equal(ko_buf_append(&c->offsets, &end, sizeof end), KO_OK);
    }
    c->n_values++;
}

static const uint8_t *value_at(const ko_pq_column *c, size_t v, size_t *len)
{
    if (c->type == KO_PQ_BYTE_ARRAY) {
        const int64_t *o = (const int64_t *)c->offsets.data;
        *len = (size_t)(o[v + 1] - o[v]);
        return c->values.data + o[v];
    }
    *len = ko_pq_value_width(c->type, c->type_length);
    return c->values.data + v * *len;
}

static int16_t def_at(const ko_pq_column *c, size_t e)
{
    return c->max_def ? ((const int16_t *)c->def.data)[e] : 0;
}

static int16_t rep_at(const ko_pq_column *c, size_t e)
{
    return c->max_rep ? ((const int16_t *)c->rep.data)[e] : 0;
}

/* Appends entries [e0, e1) of src (first value v0) to dst; returns values. */
static size_t copy_entries(ko_pq_column *dst, const ko_pq_column *src, size_t e0, size_t e1,
                           size_t v0)
{
    size_t v = v0, len;
    for (size_t e = e0; e < e1; e++) {
        int16_t d = def_at(src, e);
        const uint8_t *p = d == src->max_def ? value_at(src, v, &len) : NULL;
        put(dst, rep_at(src, e), d, p, p ? len : 0);
        v += p != NULL;
    }
    return v - v0;
}

static void assert_cols_equal(const ko_pq_column *a, const ko_pq_column *b)
{
    assert_int_equal(a->n, b->n);
    assert_int_equal(a->n_values, b->n_values);
    if (a->max_def)
        assert_memory_equal(a->def.data, b->def.data, a->n * 2);
    if (a->max_rep)
        assert_memory_equal(a->rep.data, b->rep.data, a->n * 2);
    assert_int_equal(a->values.len, b->values.len);
    if (a->values.len)
        assert_memory_equal(a->values.data, b->values.data, a->values.len);
    if (a->type == KO_PQ_BYTE_ARRAY)
        assert_memory_equal(a->offsets.data, b->offsets.data, (a->n_values + 1) * 8);
}

/* Records of col whose rows lie in ranges, the slow way. */
static void slice_rows(const ko_pq_column *col, const ko_pq_row_range *rr, size_t n_rr,
                       ko_pq_column *out, const ko_pq_leaf *lf)
{
    assert_int_equal(ko_pq_column_init(out, lf), KO_OK);
    size_t v = 0;
    int64_t row = -1;
    for (size_t e = 0; e < col->n;) {
        size_t end = e + 1;
        while (end < col->n && rep_at(col, end) != 0)
            end++;
        row++;
        bool in = false;
        for (size_t i = 0; i < n_rr; i++)
            in |= rr[i].start <= row && row < rr[i].end;
        if (in)
            v += copy_entries(out, col, e, end, v);
        else
            for (size_t k = e; k < end; k++)
                v += def_at(col, k) == col->max_def;
        e = end;
    }
}

/* ------------------------------------------------------- brute force */

static ko_pq_order order_for(ko_pq_reader *r, uint32_t leaf)
{
    const ko_pq_schema *s = ko_pq_reader_schema(r);
    return ko_pq_order_of(s->nodes[s->leaves[leaf].node].el);
}

static bool nan_value(ko_pq_order o, const uint8_t *p)
{
    if (o == KO_PQ_ORD_DOUBLE) {
        double d;
        memcpy(&d, p, 8);
        return isnan(d);
    }
    if (o == KO_PQ_ORD_FLOAT) {
        float f;
        memcpy(&f, p, 4);
        return isnan(f);
    }
    return false;
}

static bool entry_matches(ko_pq_order o, const uint8_t *val, size_t len, const ko_pq_pred *p)
{
    if (p->op == KO_PQ_IS_NULL)
        return val == NULL;
    if (p->op == KO_PQ_IS_NOT_NULL)
        return val != NULL;
    if (!val)
        return false;
    if (nan_value(o, val) || nan_value(o, p->value))
        return p->op == KO_PQ_NE;
    int c = ko_pq_order_cmp(o, val, len, p->value, p->len);
    switch (p->op) {
    case KO_PQ_EQ:
        return c == 0;
    case KO_PQ_NE:
        return c != 0;
    case KO_PQ_LT:
        return c < 0;
    case KO_PQ_LE:
        return c <= 0;
    case KO_PQ_GT:
        return c > 0;
    default:
        return c >= 0;
    }
}

/* match[row] &= (the record matches p). */
static void brute(ko_pq_order o, const ko_pq_column *col, const ko_pq_pred *p, bool *match)
{
    size_t v = 0, len = 0;
    int64_t row = -1;
    bool any = false;
    for (size_t e = 0; e <= col->n; e++) {
        if (e == col->n || rep_at(col, e) == 0) {
            if (row >= 0)
                match[row] &= any;
            row++;
            any = false;
        }
        if (e == col->n)
            break;
        const uint8_t *val = def_at(col, e) == col->max_def ? value_at(col, v++, &len) : NULL;
        any |= entry_matches(o, val, len, p);
    }
}

/* A random predicate on leaf, its value drawn near the column's values. */
static void random_pred(rng *g, const ko_pq_column *col, uint32_t leaf, ko_pq_pred *p,
                        ko_buf *store)
{
    p->leaf = leaf;
    p->op = (ko_pq_pred_op)below(g, 8);
    ko_buf_reset(store);
    size_t len = 0;
    if (col->n_values == 0) {
        p->op = below(g, 2) ? KO_PQ_IS_NULL : KO_PQ_IS_NOT_NULL;
        p->value = NULL, p->len = 0;
        return;
    }
    const uint8_t *v = value_at(col, (size_t)below(g, (int)col->n_values), &len);
    assert_int_equal(ko_buf_append(store, v, len + (len == 0)), KO_OK);
    store->len = len;
    if (col->type == KO_PQ_INT32 || col->type == KO_PQ_INT64)
        store->data[0] = (uint8_t)(store->data[0] + below(g, 5) - 2);
    else if (col->type == KO_PQ_BYTE_ARRAY && len > 0 && below(g, 3) == 0)
        store->len = (size_t)below(g, (int)len);
    else if (col->type == KO_PQ_DOUBLE && below(g, 20) == 0) {
        double nan = NAN;
        memcpy(store->data, &nan, 8);
    }
    p->value = store->data;
    p->len = store->len;
}

/* ------------------------------------------------------- whole checks */

typedef struct rg_data {
    ko_pq_column *cols; /* every leaf, whole chunks */
    int64_t rows;
} rg_data;

static void load_rg(ko_pq_reader *r, uint32_t g, rg_data *d)
{
    const ko_pq_schema *s = ko_pq_reader_schema(r);
    ko_err err = {0};
    d->cols = calloc(s->n_leaves, sizeof *d->cols);
    d->rows = ko_pq_reader_meta(r)->row_groups[g].num_rows;
    for (uint32_t l = 0; l < s->n_leaves; l++)
        TU_OK(ko_pq_read_column_chunk(r, g, l, &d->cols[l], &err), &err);
}

static void free_rg(ko_pq_reader *r, rg_data *d)
{
    for (uint32_t l = 0; l < ko_pq_reader_schema(r)->n_leaves; l++)
        ko_pq_column_free(&d->cols[l]);
    free(d->cols);
}

static bool in_ranges(const ko_buf *ranges, int64_t row)
{
    const ko_pq_row_range *rr = (const ko_pq_row_range *)ranges->data;
    for (size_t i = 0; i < ranges->len / sizeof *rr; i++)
        if (rr[i].start <= row && row < rr[i].end)
            return true;
    return false;
}

typedef struct counts {
    size_t preds, rg_pruned, rows_total, rows_selected;
} counts;

/* One random conjunction of 1..3 predicates on row group g. */
static void check_preds(ko_pq_reader *r, uint32_t g, const rg_data *d, rng *rg, counts *ct)
{
    const ko_pq_schema *s = ko_pq_reader_schema(r);
    ko_pq_pred p[3];
    ko_buf store[3] = {{0}};
    size_t np = 1 + (size_t)below(rg, 3);
    bool *match = malloc((size_t)d->rows + 1);
    memset(match, 1, (size_t)d->rows + 1);
    for (size_t i = 0; i < np; i++) {
        uint32_t leaf = (uint32_t)below(rg, (int)s->n_leaves);
        random_pred(rg, &d->cols[leaf], leaf, &p[i], &store[i]);
        brute(order_for(r, leaf), &d->cols[leaf], &p[i], match);
    }
    bool any = false;
    for (int64_t i = 0; i < d->rows; i++)
        any |= match[i];
    bool may = ko_pq_rowgroup_may_match(r, g, p, np);
    if (any)
        assert_true(may);
    ct->preds++;
    ct->rg_pruned += !may;
    ko_buf ranges = {0};
    ko_err err = {0};
    TU_OK(ko_pq_select_rows(r, g, p, np, &ranges, &err), &err);
    for (int64_t i = 0; i < d->rows; i++)
        if (match[i] && !in_ranges(&ranges, i))
            fail_msg("row %lld of row group %u matches but is not selected", (long long)i, g);
    const ko_pq_row_range *rr = (const ko_pq_row_range *)ranges.data;
    size_t nrr = ranges.len / sizeof *rr;
    ct->rows_total += (size_t)d->rows;
    for (size_t i = 0; i < nrr; i++) {
        assert_true(rr[i].start < rr[i].end && (i == 0 || rr[i - 1].end < rr[i].start));
        ct->rows_selected += (size_t)(rr[i].end - rr[i].start);
    }
    for (uint32_t l = 0; l < s->n_leaves; l++) {
        ko_pq_column got = {0}, want = {0};
        TU_OK(ko_pq_read_column_rows(r, g, l, rr, nrr, &got, &err), &err);
        slice_rows(&d->cols[l], rr, nrr, &want, &s->leaves[l]);
        assert_cols_equal(&got, &want);
        ko_pq_column_free(&got);
        ko_pq_column_free(&want);
    }
    ko_buf_free(&ranges);
    for (int i = 0; i < 3; i++)
        ko_buf_free(&store[i]);
    free(match);
}

/* Reads a chunk with the cursor; the batches must make up want. */
static void check_cursor(ko_pq_reader *r, uint32_t g, uint32_t l, const ko_pq_column *want,
                         size_t max)
{
    ko_err err = {0};
    ko_pq_chunk_cursor *cur = NULL;
    TU_OK(ko_pq_chunk_cursor_open(r, g, l, &cur, &err), &err);
    ko_pq_column all = {0}, batch = {0};
    assert_int_equal(ko_pq_column_init(&all, &ko_pq_reader_schema(r)->leaves[l]), KO_OK);
    bool done = false;
    int guard = 0;
    while (!done) {
        TU_OK(ko_pq_chunk_cursor_next(cur, max, &batch, &done, &err), &err);
        size_t recs = ko_pq_column_records(&batch);
        assert_true(recs <= max);
        if (!done)
            assert_int_equal(recs, max);
        copy_entries(&all, &batch, 0, batch.n, 0);
        assert_true(++guard < 10000000);
    }
    TU_OK(ko_pq_chunk_cursor_next(cur, max, &batch, &done, &err), &err);
    assert_true(done);
    assert_int_equal(batch.n, 0);
    assert_cols_equal(&all, want);
    ko_pq_column_free(&all);
    ko_pq_column_free(&batch);
    ko_pq_chunk_cursor_close(cur);
}

static void check_reader(ko_pq_reader *r, uint64_t seed, int iters, counts *ct)
{
    rng g = {seed};
    const ko_pq_file_meta *m = ko_pq_reader_meta(r);
    const ko_pq_schema *s = ko_pq_reader_schema(r);
    static const size_t maxes[] = {1, 7, 1000, SIZE_MAX};
    for (uint32_t rg = 0; rg < m->n_row_groups; rg++) {
        rg_data d;
        load_rg(r, rg, &d);
        for (int i = 0; i < iters; i++)
            check_preds(r, rg, &d, &g, ct);
        for (uint32_t l = 0; l < s->n_leaves; l++)
            for (size_t k = 0; k < 4; k++)
                check_cursor(r, rg, l, &d.cols[l], maxes[k]);
        free_rg(r, &d);
    }
}

/* ------------------------------------------------------- our files */

enum { N_ROWS = 30000 };

static ko_pq_schema_element el(const char *name, ko_pq_repetition rep, int children, bool leaf,
                               ko_pq_type t)
{
    ko_pq_schema_element e = {0};
    e.name = name;
    e.has_repetition = true;
    e.repetition = rep;
    e.num_children = children;
    e.converted = KO_PQ_CT_NONE;
    e.has_type = leaf;
    e.type = t;
    return e;
}

/* Leaves: 0 sorted int32, 1 random nullable int64, 2 double with NaN,
 * 3 random nullable string, 4 uint32, 5 list<int32> element, 6 sorted
 * string. */
static uint32_t test_schema(ko_pq_schema_element *els)
{
    uint32_t n = 0;
    els[n] = el("schema", KO_PQ_REQUIRED, 7, false, 0);
    els[n++].has_repetition = false;
    els[n++] = el("s32", KO_PQ_REQUIRED, 0, true, KO_PQ_INT32);
    els[n++] = el("r64", KO_PQ_OPTIONAL, 0, true, KO_PQ_INT64);
    els[n++] = el("d", KO_PQ_OPTIONAL, 0, true, KO_PQ_DOUBLE);
    els[n] = el("str", KO_PQ_OPTIONAL, 0, true, KO_PQ_BYTE_ARRAY);
    els[n++].converted = KO_PQ_CT_UTF8;
    els[n] = el("u32", KO_PQ_REQUIRED, 0, true, KO_PQ_INT32);
    els[n++].converted = KO_PQ_CT_UINT_32;
    els[n] = el("lst", KO_PQ_OPTIONAL, 1, false, 0);
    els[n++].converted = KO_PQ_CT_LIST;
    els[n++] = el("list", KO_PQ_REPEATED, 1, false, 0);
    els[n++] = el("element", KO_PQ_OPTIONAL, 0, true, KO_PQ_INT32);
    els[n] = el("sstr", KO_PQ_REQUIRED, 0, true, KO_PQ_BYTE_ARRAY);
    els[n++].converted = KO_PQ_CT_UTF8;
    return n;
}

static void gen_list(rng *g, ko_pq_column *c)
{
    int k = below(g, 6);
    if (k == 0) {
        put(c, 0, 0, NULL, 0); /* null list */
        return;
    }
    if (k == 1) {
        put(c, 0, 1, NULL, 0); /* empty list */
        return;
    }
    for (int j = 0; j < k - 1; j++) {
        int32_t v = below(g, 1000) - 500;
        put(c, j ? 1 : 0, below(g, 8) ? 3 : 2, &v, 4);
    }
}

static void gen_row(rng *g, ko_pq_column *c, int i)
{
    int32_t s32 = i * 3;
    put(&c[0], 0, 0, &s32, 4);
    int64_t r64 = (int64_t)(next(g) % 200000) - 100000;
    put(&c[1], 0, below(g, 5) ? 1 : 0, &r64, 8);
    double d = (double)(below(g, 20000) - 10000) / 7.0;
    if (below(g, 50) == 0)
        d = NAN;
    else if (below(g, 50) == 0)
        d = -0.0;
    put(&c[2], 0, below(g, 10) ? 1 : 0, &d, 8);
    char buf[200];
    int len = below(g, 4) == 0 ? 70 + below(g, 80) : below(g, 12);
    for (int k = 0; k < len; k++)
        buf[k] = (char)('a' + below(g, 4) + (k > 60 ? below(g, 100) : 0));
    put(&c[3], 0, below(g, 6) ? 1 : 0, buf, (size_t)len);
    uint32_t u = (uint32_t)next(g);
    put(&c[4], 0, 0, &u, 4);
    gen_list(g, &c[5]);
    snprintf(buf, sizeof buf, "key%08d", i);
    put(&c[6], 0, 0, buf, strlen(buf));
}

static ko_pq_reader *write_ours(ko_store *st, const char *key, bool dict)
{
    ko_pq_schema_element els[16];
    uint32_t n = test_schema(els);
    ko_arena a = {0};
    ko_pq_schema s;
    ko_err err = {0};
    TU_OK(ko_pq_schema_build(els, n, &a, &s, &err), &err);
    ko_pq_column c[7];
    for (int i = 0; i < 7; i++)
        assert_int_equal(ko_pq_column_init(&c[i], &s.leaves[i]), KO_OK);
    ko_pq_writer_options o = {.codec = KO_PQ_SNAPPY,
                              .row_group_bytes = 300000,
                              .page_bytes = 1500,
                              .no_dictionary = !dict};
    ko_pq_writer *w = NULL;
    TU_OK(ko_pq_writer_open(st, key, els, n, &o, &w, &err), &err);
    rng g = {42 + dict};
    for (int i = 0; i < N_ROWS; i++) {
        gen_row(&g, c, i);
        if (i % 1000 == 999 || i == N_ROWS - 1) {
            TU_OK(ko_pq_writer_write(w, c, &err), &err);
            for (int k = 0; k < 7; k++)
                ko_pq_column_reset(&c[k]);
        }
    }
    TU_OK(ko_pq_writer_close(w, &err), &err);
    for (int i = 0; i < 7; i++)
        ko_pq_column_free(&c[i]);
    ko_arena_free(&a);
    ko_pq_reader *r = NULL;
    TU_OK(ko_pq_reader_open(st, key, &r, &err), &err);
    return r;
}

typedef struct fixture {
    char *dir;
    ko_store *s;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->dir = tu_mkdtemp();
    ko_err err = {0};
    TU_OK(ko_store_open(f->dir, NULL, &f->s, &err), &err);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    ko_store_close(f->s);
    tu_rmtree(f->dir);
    free(f->dir);
    free(f);
    return 0;
}

static void test_ours_random(void **state)
{
    fixture *f = *state;
    for (int dict = 0; dict < 2; dict++) {
        ko_pq_reader *r = write_ours(f->s, dict ? "d.parquet" : "p.parquet", dict);
        assert_true(ko_pq_reader_meta(r)->n_row_groups >= 3);
        counts ct = {0};
        check_reader(r, 7 + (uint64_t)dict, 60, &ct);
        print_message(
            "ours (dict %d): %zu predicates, %zu row groups pruned, %zu/%zu rows selected\n", dict,
            ct.preds, ct.rg_pruned, ct.rows_selected, ct.rows_total);
        assert_true(ct.rg_pruned > 0);
        assert_true(ct.rows_selected < ct.rows_total);
        ko_pq_reader_close(r);
    }
}

static void test_sorted_pruning(void **state)
{
    fixture *f = *state;
    ko_pq_reader *r = write_ours(f->s, "s.parquet", false);
    const ko_pq_file_meta *m = ko_pq_reader_meta(r);
    int32_t v = 30; /* row 10 */
    ko_pq_pred p = {.leaf = 0, .op = KO_PQ_LE, .value = &v, .len = 4};
    assert_true(ko_pq_rowgroup_may_match(r, 0, &p, 1));
    for (uint32_t g = 1; g < m->n_row_groups; g++)
        assert_false(ko_pq_rowgroup_may_match(r, g, &p, 1));
    int64_t first = 0;
    for (uint32_t g = 0; g < m->n_row_groups; g++) {
        int32_t x = (int32_t)(first + m->row_groups[g].num_rows / 2) * 3;
        ko_pq_pred eq = {.leaf = 0, .op = KO_PQ_EQ, .value = &x, .len = 4};
        ko_buf ranges = {0};
        ko_err err = {0};
        TU_OK(ko_pq_select_rows(r, g, &eq, 1, &ranges, &err), &err);
        const ko_pq_row_range *rr = (const ko_pq_row_range *)ranges.data;
        assert_int_equal(ranges.len, sizeof *rr);
        int64_t want = m->row_groups[g].num_rows / 2;
        assert_true(rr[0].start <= want && want < rr[0].end);
        assert_true(rr[0].end - rr[0].start < m->row_groups[g].num_rows / 2);
        ko_pq_column col = {0};
        TU_OK(ko_pq_read_column_rows(r, g, 0, rr, 1, &col, &err), &err);
        assert_int_equal(col.n, (size_t)(rr[0].end - rr[0].start));
        ko_pq_column_free(&col);
        ko_buf_free(&ranges);
        /* a string key past the end prunes everything */
        ko_pq_pred gt = {.leaf = 6, .op = KO_PQ_GT, .value = "key9", .len = 4};
        assert_false(ko_pq_rowgroup_may_match(r, g, &gt, 1));
        /* unsigned order: 0xFFFFFFFF is the largest u32 */
        uint32_t big = 0xFFFFFFFFu;
        ko_pq_pred ug = {.leaf = 4, .op = KO_PQ_GT, .value = &big, .len = 4};
        assert_false(ko_pq_rowgroup_may_match(r, g, &ug, 1));
        first += m->row_groups[g].num_rows;
    }
    ko_pq_reader_close(r);
}

/* ------------------------------------------------------- other writers */

static void check_testing_file(const char *name, int iters)
{
    const char *td = getenv("KO_TESTDATA");
    char path[4096];
    snprintf(path, sizeof path, "%s/parquet-testing/data/%s", td ? td : "/work/shared/testdata",
             name);
    FILE *fp = fopen(path, "rb");
    if (!fp)
        fail_msg("cannot open %s", path);
    ko_buf bytes = {0};
    uint8_t tmp[65536];
    size_t k;
    while ((k = fread(tmp, 1, sizeof tmp, fp)) > 0)
        assert_int_equal(ko_buf_append(&bytes, tmp, k), KO_OK);
    fclose(fp);
    ko_pq_reader *r = NULL;
    ko_err err = {0};
    TU_OK(ko_pq_reader_open_memory(bytes.data, bytes.len, name, &r, &err), &err);
    counts ct = {0};
    check_reader(r, 99, iters, &ct);
    print_message("%s: %zu predicates, %zu row groups pruned, %zu/%zu rows selected\n", name,
                  ct.preds, ct.rg_pruned, ct.rows_selected, ct.rows_total);
    ko_pq_reader_close(r);
    ko_buf_free(&bytes);
}

static void test_other_writers(void **state)
{
    (void)state;
    check_testing_file("alltypes_tiny_pages.parquet", 150);
    check_testing_file("data_index_bloom_encoding_stats.parquet", 150);
}

/* ------------------------------------------------------------- threads */

typedef struct job {
    ko_pq_reader *r;
    uint32_t first, step;
    int failures;
} job;

static void *thread_main(void *arg)
{
    job *j = arg;
    const ko_pq_file_meta *m = ko_pq_reader_meta(j->r);
    const ko_pq_schema *s = ko_pq_reader_schema(j->r);
    ko_err err = {0};
    for (int round = 0; round < 3; round++)
        for (uint32_t g = j->first; g < m->n_row_groups; g += j->step)
            for (uint32_t l = 0; l < s->n_leaves; l++) {
                ko_pq_column whole = {0}, batch = {0};
                ko_pq_chunk_cursor *cur = NULL;
                size_t n = 0, nv = 0;
                bool done = false;
                j->failures += ko_pq_read_column_chunk(j->r, g, l, &whole, &err) != KO_OK;
                j->failures += ko_pq_chunk_cursor_open(j->r, g, l, &cur, &err) != KO_OK;
                while (cur && !done &&
                       ko_pq_chunk_cursor_next(cur, 100, &batch, &done, &err) == KO_OK)
                    n += batch.n, nv += batch.n_values;
                j->failures += n != whole.n || nv != whole.n_values || !done;
                ko_pq_chunk_cursor_close(cur);
                ko_pq_column_free(&whole);
                ko_pq_column_free(&batch);
            }
    return NULL;
}

static void test_threads(void **state)
{
    fixture *f = *state;
    ko_pq_reader *r = write_ours(f->s, "t.parquet", true);
    for (uint32_t nt = 2; nt <= 4; nt++) {
        pthread_t th[4];
        job jobs[4];
        for (uint32_t t = 0; t < nt; t++) {
            jobs[t] = (job){r, t, nt, 0};
            assert_int_equal(pthread_create(&th[t], NULL, thread_main, &jobs[t]), 0);
        }
        for (uint32_t t = 0; t < nt; t++) {
            pthread_join(th[t], NULL);
            assert_int_equal(jobs[t].failures, 0);
        }
    }
    ko_pq_reader_close(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sorted_pruning, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ours_random, setup, teardown),
        cmocka_unit_test(test_other_writers),
        cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
