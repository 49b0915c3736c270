/*
 * schema.c - the Parquet schema as a tree, and leaf column buffers.
 *
 * A file stores its schema as a depth-first list of elements where groups
 * say how many children follow.  ko_pq_schema_build walks that list once,
 * recursively (depth-limited, so hostile files cannot exhaust the stack),
 * linking parents, children and siblings and computing each node's maximum
 * definition level (optional or repeated ancestors, itself included) and
 * repetition level (repeated ones).  Leaves become the columns.
 */
#include "parquet/parquet.h"

#include <string.h>

enum { MAX_DEPTH = 100 };

typedef struct build_ctx {
    const ko_pq_schema_element *els;
    uint32_t n;
    uint32_t next; /* next element to consume */
    ko_pq_schema *out;
    ko_arena *arena;
    ko_err *err;
} build_ctx;

static ko_status check_element(build_ctx *c, uint32_t i)
{
    const ko_pq_schema_element *e = &c->els[i];
    const char *name = e->name ? e->name : "(unnamed)";
    if (!e->name)
        return ko_err_set(c->err, KO_ERR_CORRUPT, "schema element %u has no name", i);
    if (e->num_children < 0)
        return ko_err_set(c->err, KO_ERR_CORRUPT, "schema element %u (%s): negative children", i,
                          name);
    if (e->num_children == 0 && !e->has_type && i > 0)
        return ko_err_set(c->err, KO_ERR_CORRUPT,
                          "schema element %u (%s): a leaf without a physical type", i, name);
    if (e->has_type && e->type == KO_PQ_FIXED_LEN_BYTE_ARRAY && e->num_children == 0 &&
        e->type_length <= 0)
        return ko_err_set(c->err, KO_ERR_CORRUPT,
                          "schema element %u (%s): FIXED_LEN_BYTE_ARRAY needs a positive length", i,
                          name);
    if (e->has_type && ((unsigned)e->type > KO_PQ_FIXED_LEN_BYTE_ARRAY))
        return ko_err_set(c->err, KO_ERR_CORRUPT, "schema element %u (%s): unknown type %d", i,
                          name, (int)e->type);
    return KO_OK;
}

static ko_status add_leaf(build_ctx *c, int32_t node)
{
    ko_pq_schema *s = c->out;
    ko_pq_node *nd = &s->nodes[node];
    ko_pq_leaf *lf = &s->leaves[s->n_leaves];
    nd->leaf = (int32_t)s->n_leaves++;
    lf->node = node;
    lf->type = nd->el->type;
    lf->type_length = nd->el->type_length;
    lf->max_def = nd->max_def;
    lf->max_rep = nd->max_rep;
    /* The path: names from the root's child down to the leaf. */
    uint32_t parts = 0;
    for (int32_t p = node; p > 0; p = s->nodes[p].parent)
        parts++;
    lf->parts = ko_arena_calloc(c->arena, parts ? parts : 1, sizeof *lf->parts);
    if (!lf->parts)
        return ko_err_set(c->err, KO_ERR_NOMEM, "out of memory building the schema");
    lf->n_parts = parts;
    size_t total = 0;
    uint32_t k = parts;
    for (int32_t p = node; p > 0; p = s->nodes[p].parent) {
        lf->parts[--k] = s->nodes[p].el->name;
        total += strlen(s->nodes[p].el->name) + 1;
    }
    char *path = ko_arena_alloc(c->arena, total + 1);
    if (!path)
        return ko_err_set(c->err, KO_ERR_NOMEM, "out of memory building the schema");
    path[0] = '\0';
    size_t len = 0;
    for (uint32_t j = 0; j < parts; j++) {
        size_t n = strlen(lf->parts[j]);
        if (j)
            path[len++] = '.';
        memcpy(path + len, lf->parts[j], n + 1);
        len += n;
    }
    lf->path = path;
    return KO_OK;
}

static ko_status build_node(build_ctx *c, int32_t parent, int depth)
{
    if (depth > MAX_DEPTH)
        return ko_err_set(c->err, KO_ERR_CORRUPT, "schema nested deeper than %d levels", MAX_DEPTH);
    if (c->next >= c->n)
        return ko_err_set(c->err, KO_ERR_CORRUPT,
                          "schema: a group claims more children than there are elements (%u)",
                          c->n);
    uint32_t i = c->next++;
    ko_status st = check_element(c, i);
    if (st != KO_OK)
        return st;
    ko_pq_node *nd = &c->out->nodes[i];
    nd->el = &c->els[i];
    nd->parent = parent;
    nd->first_child = -1;
    nd->next_sibling = -1;
    nd->leaf = -1;
    if (parent >= 0) {
        const ko_pq_node *pn = &c->out->nodes[parent];
        ko_pq_repetition r = nd->el->has_repetition ? nd->el->repetition : KO_PQ_OPTIONAL;
        nd->max_def = (int16_t)(pn->max_def + (r != KO_PQ_REQUIRED));
        nd->max_rep = (int16_t)(pn->max_rep + (r == KO_PQ_REPEATED));
    }
    if (nd->el->num_children == 0)
        return parent >= 0 ? add_leaf(c, (int32_t)i) : KO_OK;
    int32_t prev = -1;
    for (int32_t k = 0; k < nd->el->num_children; k++) {
        int32_t child = (int32_t)c->next;
        st = build_node(c, (int32_t)i, depth + 1);
        if (st != KO_OK)
            return st;
        if (prev < 0)
            c->out->nodes[i].first_child = child;
        else
            c->out->nodes[prev].next_sibling = child;
        prev = child;
    }
    return KO_OK;
}

ko_status ko_pq_schema_build(const ko_pq_schema_element *els, uint32_t n, ko_arena *arena,
                             ko_pq_schema *out, ko_err *err)
{
    memset(out, 0, sizeof *out);
    if (n == 0 || els[0].num_children <= 0)
        return ko_err_set(err, KO_ERR_CORRUPT, "schema has no columns");
    out->nodes = ko_arena_calloc(arena, n, sizeof *out->nodes);
    out->leaves = ko_arena_calloc(arena, n, sizeof *out->leaves);
    if (!out->nodes || !out->leaves)
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory building a schema of %u elements", n);
    out->n_nodes = n;
    build_ctx c = {.els = els, .n = n, .out = out, .arena = arena, .err = err};
    ko_status st = build_node(&c, -1, 0);
    if (st == KO_OK && c.next != n)
        st = ko_err_set(err, KO_ERR_CORRUPT, "schema: %u elements are not under the root",
                        n - c.next);
    return st;
}

size_t ko_pq_value_width(ko_pq_type type, int32_t type_length)
{
    switch (type) {
    case KO_PQ_BOOLEAN:
        return 1;
    case KO_PQ_INT32:
    case KO_PQ_FLOAT:
        return 4;
    case KO_PQ_INT64:
    case KO_PQ_DOUBLE:
        return 8;
    case KO_PQ_INT96:
        return 12;
    case KO_PQ_FIXED_LEN_BYTE_ARRAY:
        return type_length > 0 ? (size_t)type_length : 0;
    default:
        return 0;
    }
}

/* ------------------------------------------------------------ columns */

ko_status ko_pq_column_init(ko_pq_column *c, const ko_pq_leaf *leaf)
{
    memset(c, 0, sizeof *c);
    c->type = leaf->type;
    c->type_length = leaf->type_length;
    c->max_def = leaf->max_def;
    c->max_rep = leaf->max_rep;
    ko_pq_column_reset(c);
    return c->type == KO_PQ_BYTE_ARRAY && c->offsets.len == 0 ? KO_ERR_NOMEM : KO_OK;
}

void ko_pq_column_reset(ko_pq_column *c)
{
    c->n = 0;
    c->n_values = 0;
    ko_buf_reset(&c->def);
    ko_buf_reset(&c->rep);
    ko_buf_reset(&c->values);
    ko_buf_reset(&c->offsets);
    if (c->type == KO_PQ_BYTE_ARRAY) {
        int64_t zero = 0;
        if (ko_buf_append(&c->offsets, &zero, sizeof zero) != KO_OK)
            return; /* offsets.len stays 0: init reports NOMEM */
    }
}

void ko_pq_column_free(ko_pq_column *c)
{
    ko_buf_free(&c->def);
    ko_buf_free(&c->rep);
    ko_buf_free(&c->values);
    ko_buf_free(&c->offsets);
    c->n = c->n_values = 0;
}

size_t ko_pq_column_records(const ko_pq_column *c)
{
    if (c->max_rep == 0)
        return c->n;
    const int16_t *rep = (const int16_t *)c->rep.data;
    size_t records = 0;
    for (size_t i = 0; i < c->n; i++)
        records += rep[i] == 0;
    return records;
}
