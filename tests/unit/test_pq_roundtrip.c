/*
 * test_pq_roundtrip.c - property test of the Parquet writer and reader.
 *
 * Random schemas (nesting up to depth 4 of optional, required and repeated
 * groups; leaves of every physical type except INT96) get random records
 * (random nulls, empty and long lists), shredded into Dremel columns by the
 * small reference shredder below, written with ko_pq_writer under random
 * options (codec, page and row-group sizes, dictionary on or off) and read
 * back with ko_pq_reader: every row group's levels and values must equal
 * what was written.  Seeds are fixed so failures reproduce; set
 * KO_PQ_SEED to explore others.  KO_PQ_KEEP=DIR keeps the files, so that
 * other readers (DuckDB, hyparquet) can be pointed at the same data.
 */
#include "testutil.h"

#include "parquet/parquet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_ELEMS = 64, MAX_DEPTH = 4 };

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

/* ---------------------------------------------------------- random schema */

typedef struct gen_schema {
    ko_pq_schema_element els[MAX_ELEMS];
    char names[MAX_ELEMS][16];
    uint32_t n;
} gen_schema;

static void gen_leaf(rng *r, ko_pq_schema_element *e)
{
    static const ko_pq_type types[] = {
        KO_PQ_BOOLEAN, KO_PQ_INT32,      KO_PQ_INT64,      KO_PQ_FLOAT,
        KO_PQ_DOUBLE,  KO_PQ_BYTE_ARRAY, KO_PQ_BYTE_ARRAY, KO_PQ_FIXED_LEN_BYTE_ARRAY};
    e->has_type = true;
    e->type = types[below(r, (int)KO_ARRAY_LEN(types))];
    if (e->type == KO_PQ_FIXED_LEN_BYTE_ARRAY)
        e->type_length = 1 + below(r, 20);
    if (e->type == KO_PQ_BYTE_ARRAY && below(r, 2)) {
        e->converted = KO_PQ_CT_UTF8;
        e->logical.kind = KO_PQ_LT_STRING;
    }
}

static void gen_node(rng *r, gen_schema *g, int depth)
{
    uint32_t i = g->n++;
    ko_pq_schema_element *e = &g->els[i];
    memset(e, 0, sizeof *e);
    e->converted = KO_PQ_CT_NONE;
    snprintf(g->names[i], sizeof g->names[i], "c%u", i);
    e->name = g->names[i];
    e->has_repetition = true;
    e->repetition = (ko_pq_repetition)below(r, 3);
    e->has_field_id = true;
    e->field_id = (int32_t)i;
    bool group = depth < MAX_DEPTH && g->n + 4 < MAX_ELEMS && below(r, 3) == 0;
    if (!group) {
        gen_leaf(r, e);
        return;
    }
    int kids = 1 + below(r, 3);
    for (int k = 0; k < kids && g->n < MAX_ELEMS - 1; k++) {
        e->num_children++;
        gen_node(r, g, depth + 1);
    }
}

static void gen_schema_random(rng *r, gen_schema *g)
{
    memset(g, 0, sizeof *g);
    ko_pq_schema_element *root = &g->els[0];
    root->name = "schema";
    root->converted = KO_PQ_CT_NONE;
    g->n = 1;
    int cols = 1 + below(r, 5);
    for (int k = 0; k < cols; k++) {
        root->num_children++;
        gen_node(r, g, 1);
    }
}

/* ------------------------------------------------------ shredding records */

typedef struct shred_ctx {
    rng *r;
    const ko_pq_schema *s;
    ko_pq_column *cols;
    int null_pct;
    int max_list;
} shred_ctx;

static void put_levels(ko_pq_column *c, int16_t rep, int16_t def)
{
    if (c->max_rep > 0)
        assert_int_equal(ko_buf_append(&c->rep, &rep, sizeof rep), KO_OK);
    if (c->max_def > 0)
        assert_int_equal(ko_buf_append(&c->def, &def, sizeof def), KO_OK);
    c->n++;
}

static void put_value(shred_ctx *x, ko_pq_column *c)
{
    rng *r = x->r;
    uint8_t buf[64];
    size_t w = ko_pq_value_width(c->type, c->type_length);
    if (c->type == KO_PQ_BYTE_ARRAY) {
        size_t len = (size_t)below(r, below(r, 10) == 0 ? 60 : 8);
        for (size_t i = 0; i < len; i++)
            buf[i] = (uint8_t)('a' + below(r, 26));
        assert_int_equal(ko_buf_append(&c->values, buf, len), KO_OK);
        int64_t end = (int64_t)c->values.len;
        assert_int_equal(ko_buf_append(&c->offsets, &end, sizeof end), KO_OK);
    } else if (c->type == KO_PQ_BOOLEAN) {
        buf[0] = (uint8_t)below(r, 2);
        assert_int_equal(ko_buf_append(&c->values, buf, 1), KO_OK);
    } else if (c->type == KO_PQ_FLOAT || c->type == KO_PQ_DOUBLE) {
        double d = (double)(below(r, 2000) - 1000) / 8.0;
        float f = (float)d;
        assert_int_equal(ko_buf_append(&c->values, w == 4 ? (void *)&f : (void *)&d, w), KO_OK);
    } else {
        /* Small ranges make dictionaries, wide ones defeat them. */
        uint64_t v = below(r, 2) ? (uint64_t)below(r, 50) : next(r);
        memcpy(buf, &v, sizeof v);
        for (size_t i = 8; i < w; i++)
            buf[i] = (uint8_t)next(r);
        assert_int_equal(ko_buf_append(&c->values, buf, w), KO_OK);
    }
    c->n_values++;
}

/* Every leaf under node gets one entry at (rep, def): a null or empty here. */
static void put_absent(shred_ctx *x, int32_t node, int16_t rep, int16_t def)
{
    const ko_pq_node *nd = &x->s->nodes[node];
    if (nd->leaf >= 0) {
        put_levels(&x->cols[nd->leaf], rep, def);
        return;
    }
    for (int32_t ch = nd->first_child; ch >= 0; ch = x->s->nodes[ch].next_sibling)
        put_absent(x, ch, rep, def);
}

static void shred_field(shred_ctx *x, int32_t node, int16_t rep, int16_t def);

/* One present instance of node (a value or a group with its children). */
static void shred_instance(shred_ctx *x, int32_t node, int16_t rep)
{
    const ko_pq_node *nd = &x->s->nodes[node];
    if (nd->leaf >= 0) {
        ko_pq_column *c = &x->cols[nd->leaf];
        put_levels(c, rep, nd->max_def);
        put_value(x, c);
        return;
    }
    /* Every leaf's first entry in a new instance carries the instance's
     * repetition level. */
    for (int32_t ch = nd->first_child; ch >= 0; ch = x->s->nodes[ch].next_sibling)
        shred_field(x, ch, rep, nd->max_def);
}

static void shred_field(shred_ctx *x, int32_t node, int16_t rep, int16_t def)
{
    const ko_pq_node *nd = &x->s->nodes[node];
    ko_pq_repetition how = nd->el->repetition;
    if (how == KO_PQ_OPTIONAL && below(x->r, 100) < x->null_pct) {
        put_absent(x, node, rep, def);
        return;
    }
    if (how != KO_PQ_REPEATED) {
        shred_instance(x, node, rep);
        return;
    }
    int n = below(x->r, x->max_list + 1);
    if (n == 0) {
        put_absent(x, node, rep, def);
        return;
    }
    for (int k = 0; k < n; k++)
        shred_instance(x, node, k == 0 ? rep : nd->max_rep);
}

static void shred_record(shred_ctx *x)
{
    const ko_pq_node *root = &x->s->nodes[0];
    for (int32_t ch = root->first_child; ch >= 0; ch = x->s->nodes[ch].next_sibling)
        shred_field(x, ch, 0, 0);
}

/* ------------------------------------------------------------- comparison */

static void assert_columns_equal(const ko_pq_column *a, const ko_pq_column *b, const char *path)
{
    if (a->n != b->n || a->n_values != b->n_values)
        fail_msg("%s: %zu entries/%zu values written, %zu/%zu read", path, a->n, a->n_values, b->n,
                 b->n_values);
    if (a->max_def > 0)
        assert_memory_equal(a->def.data, b->def.data, a->n * 2);
    if (a->max_rep > 0)
        assert_memory_equal(a->rep.data, b->rep.data, a->n * 2);
    assert_int_equal(a->values.len, b->values.len);
    if (a->values.len)
        assert_memory_equal(a->values.data, b->values.data, a->values.len);
    if (a->type == KO_PQ_BYTE_ARRAY)
        assert_memory_equal(a->offsets.data, b->offsets.data, (a->n_values + 1) * 8);
}

/* Appends src's entries to dst (both for the same leaf). */
static void append_column(ko_pq_column *dst, const ko_pq_column *src)
{
    assert_int_equal(ko_buf_append(&dst->def, src->def.data, src->def.len), KO_OK);
    assert_int_equal(ko_buf_append(&dst->rep, src->rep.data, src->rep.len), KO_OK);
    if (src->type == KO_PQ_BYTE_ARRAY) {
        const int64_t *o = (const int64_t *)src->offsets.data;
        int64_t base = (int64_t)dst->values.len;
        for (size_t i = 1; i <= src->n_values; i++) {
            int64_t v = base + o[i];
            assert_int_equal(ko_buf_append(&dst->offsets, &v, sizeof v), KO_OK);
        }
    }
    assert_int_equal(ko_buf_append(&dst->values, src->values.data, src->values.len), KO_OK);
    dst->n += src->n;
    dst->n_values += src->n_values;
}

static void run_case(uint64_t seed, const char *dir)
{
    rng r = {seed * 0x9E3779B97F4A7C15ull + 1};
    gen_schema g;
    gen_schema_random(&r, &g);
    ko_err err = {0};
    ko_arena arena = {0};
    ko_pq_schema s;
    TU_OK(ko_pq_schema_build(g.els, g.n, &arena, &s, &err), &err);
    ko_pq_column *cols = calloc(s.n_leaves, sizeof *cols);
    for (uint32_t i = 0; i < s.n_leaves; i++)
        TU_OK(ko_pq_column_init(&cols[i], &s.leaves[i]), &err);
    shred_ctx x = {
        .r = &r, .s = &s, .cols = cols, .null_pct = below(&r, 60), .max_list = below(&r, 5)};
    int records = below(&r, 4) == 0 ? below(&r, 3) : below(&r, 3000);
    for (int i = 0; i < records; i++)
        shred_record(&x);

    static const ko_pq_codec codecs[] = {KO_PQ_UNCOMPRESSED, KO_PQ_SNAPPY, KO_PQ_GZIP, KO_PQ_ZSTD,
                                         KO_PQ_LZ4_RAW};
    ko_pq_writer_options opts = {
        .codec = codecs[below(&r, (int)KO_ARRAY_LEN(codecs))],
        .page_bytes = below(&r, 2) ? 512 + (size_t)below(&r, 4096) : 0,
        .row_group_bytes = below(&r, 2) ? 4096 + (size_t)below(&r, 65536) : 0,
        .dict_bytes = below(&r, 2) ? 64 + (size_t)below(&r, 512) : 0,
        .no_dictionary = below(&r, 4) == 0,
    };
    ko_store *store = NULL;
    TU_OK(ko_store_open(dir, NULL, &store, &err), &err);
    char key[64];
    snprintf(key, sizeof key, "case-%llu.parquet", (unsigned long long)seed);
    ko_pq_writer *w = NULL;
    TU_OK(ko_pq_writer_open(store, key, g.els, g.n, &opts, &w, &err), &err);
    TU_OK(ko_pq_writer_write(w, cols, &err), &err);
    TU_OK(ko_pq_writer_close(w, &err), &err);

    ko_pq_reader *rd = NULL;
    TU_OK(ko_pq_reader_open(store, key, &rd, &err), &err);
    const ko_pq_file_meta *m = ko_pq_reader_meta(rd);
    assert_int_equal(m->num_rows, records);
    for (uint32_t leaf = 0; leaf < s.n_leaves; leaf++) {
        ko_pq_column all = {0}, part = {0};
        TU_OK(ko_pq_column_init(&all, &s.leaves[leaf]), &err);
        for (uint32_t rg = 0; rg < m->n_row_groups; rg++) {
            TU_OK(ko_pq_read_column_chunk(rd, rg, leaf, &part, &err), &err);
            append_column(&all, &part);
        }
        assert_columns_equal(&cols[leaf], &all, s.leaves[leaf].path);
        ko_pq_column_free(&all);
        ko_pq_column_free(&part);
    }
    ko_pq_reader_close(rd);
    ko_store_close(store);
    for (uint32_t i = 0; i < s.n_leaves; i++)
        ko_pq_column_free(&cols[i]);
    free(cols);
    ko_arena_free(&arena);
}

static void test_random_roundtrips(void **state)
{
    (void)state;
    const char *keep = getenv("KO_PQ_KEEP");
    char *dir = keep ? strdup(keep) : tu_mkdtemp();
    const char *seed_env = getenv("KO_PQ_SEED");
    uint64_t first = seed_env ? strtoull(seed_env, NULL, 10) : 1;
    int cases = seed_env ? 1 : 200;
    for (int i = 0; i < cases; i++)
        run_case(first + (uint64_t)i, dir);
    if (!keep)
        tu_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_roundtrips),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
