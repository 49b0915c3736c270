/*
 * scan_nested.c - nested columns for the table scan: STRUCT, LIST and MAP
 * values assembled from a Parquet file's Dremel leaf columns into nested
 * vectors (vec.h: STRUCT one child per field, LIST {offset, length} into
 * children[0], MAP a list of STRUCT(key, value)).
 *
 * Planning (once per file and column).  The column's SQL type is walked
 * together with the file's schema tree: struct fields are matched by
 * Iceberg field id (by name when the file has no ids), a LIST is found in
 * its 3-level form or any of the legacy 2-level forms of parquet-format's
 * LogicalTypes.md (a bare repeated field included), a MAP as a group with
 * one repeated key_value group.  Each node keeps the definition level at
 * which it is present, and lists the repetition level at which their
 * elements repeat; every leaf under the column gets a slot.  Fields the
 * file lacks (schema evolution) are read as NULL.
 *
 * Assembly (per morsel) is the record assembly of the Dremel paper, done
 * recursively over the plan with one cursor per slot, writing each value
 * straight into its vector slot.  For a node inside one parent instance,
 * the next entry of its first slot decides: an optional node whose
 * definition level is below its own is NULL and every slot under it
 * consumes one entry; a list below its repeated field's level is empty;
 * otherwise a list takes elements while the entry repeats at its level, a
 * struct takes each field, a leaf its next value.  Every instance consumes
 * at least one entry of its first slot and cursors only move forward and
 * are bounded by their columns, so malformed levels end in KO_ERR_CORRUPT,
 * never in reads outside the buffers.  Element vectors are sized before
 * assembly by the entries of their first slot, an upper bound of their
 * instances, so the loop allocates nothing.  Strings point into the decoded
 * Parquet bytes, which the state keeps until the next read.
 */
#include "sql/scan_nested.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct nnode nnode;
struct nnode {
    ko_sql_dtid kind; /* STRUCT, LIST, MAP, or a scalar type: a leaf */
    const ko_sql_dtype *type;
    bool optional;   /* NULL when the first slot's definition level < def */
    int16_t def;     /* definition level of a present value */
    int16_t rep_def; /* LIST, MAP: an element exists at def >= rep_def */
    int16_t rep;     /* LIST, MAP: further elements repeat at this level */
    nnode **kids;    /* STRUCT fields (NULL: not in the file); LIST, MAP: [0] */
    uint32_t n_kids;
    uint32_t lo, hi;                /* the slots under the node */
    const ko_pq_schema_element *el; /* leaves */
};

struct ko_nest_col {
    nnode *root;
    uint32_t *leaves; /* per slot: file leaf */
    uint32_t n_leaves;
    ko_pq_offset_index *oi; /* n_rgs * n_leaves, or NULL */
};

/* ================================================================ plan */

typedef struct planner {
    ko_arena *a;
    const ko_pq_schema *fs;
    ko_nest_col *nc;
    const char *name;
    ko_err *err;
} planner;

static ko_status nomem(ko_err *err)
{
    return ko_err_set(err, KO_ERR_NOMEM, "out of memory reading a nested column");
}

static ko_status mismatch(planner *pl, int32_t p, const char *what)
{
    return ko_err_set(pl->err, KO_ERR_UNSUPPORTED, "column %s: Parquet field %s is not %s",
                      pl->name, pl->fs->nodes[p].el->name, what);
}

static bool repeated(const ko_pq_node *nd)
{
    return nd->el->has_repetition && nd->el->repetition == KO_PQ_REPEATED;
}

static int32_t only_child(const ko_pq_schema *fs, int32_t p)
{
    int32_t c = fs->nodes[p].first_child;
    return c >= 0 && fs->nodes[c].next_sibling < 0 ? c : -1;
}

/* The child of group p with the Iceberg field id (when the file has ids)
 * or the name; -1 when absent. */
static int32_t find_child(const ko_pq_schema *fs, int32_t p, const ko_ice_field *f,
                          const char *name)
{
    for (int32_t c = fs->nodes[p].first_child; c >= 0; c = fs->nodes[c].next_sibling) {
        const ko_pq_schema_element *el = fs->nodes[c].el;
        if (f && el->has_field_id ? el->field_id == f->id : strcasecmp(el->name, name) == 0)
            return c;
    }
    return -1;
}

static const ko_ice_field *ice_child(const ko_ice_field *f, ko_ice_type_id id, uint32_t k)
{
    return f && f->type.id == id && k < f->type.n_fields ? &f->type.fields[k] : NULL;
}

static ko_status map_node(planner *pl, int32_t p, const ko_ice_field *f, const ko_sql_dtype *t,
                          int depth, nnode **out);

static ko_status new_kids(planner *pl, nnode *n, uint32_t k)
{
    n->kids = ko_arena_calloc(pl->a, k ? k : 1, sizeof(nnode *));
    n->n_kids = k;
    return n->kids ? KO_OK : nomem(pl->err);
}

/* Maps a child and drops it (NULL: read as NULL) when no slot is under it. */
static ko_status map_kid(planner *pl, int32_t p, const ko_ice_field *f, const ko_sql_dtype *t,
                         int depth, nnode **kid)
{
    ko_status st = p < 0 ? KO_OK : map_node(pl, p, f, t, depth, kid);
    if (st == KO_OK && *kid && (*kid)->lo == (*kid)->hi)
        *kid = NULL;
    return st;
}

static ko_status map_struct(planner *pl, int32_t p, const ko_ice_field *f, nnode *n, int depth)
{
    const ko_sql_nested *ns = n->type->nested;
    if (pl->fs->nodes[p].el->has_type)
        return mismatch(pl, p, "a group (STRUCT)");
    ko_status st = new_kids(pl, n, ns ? ns->n : 0);
    for (uint32_t k = 0; st == KO_OK && k < n->n_kids; k++) {
        const ko_ice_field *cf = ice_child(f, KO_ICE_STRUCT, k);
        int32_t c = find_child(pl->fs, p, cf, ns->names[k]);
        st = map_kid(pl, c, cf, &ns->types[k], depth + 1, &n->kids[k]);
    }
    return st;
}

/* The repeated field of a LIST or MAP group p (p itself when repeated). */
static int32_t repeated_of(const ko_pq_schema *fs, int32_t p)
{
    if (repeated(&fs->nodes[p]))
        return p;
    int32_t r = fs->nodes[p].el->has_type ? -1 : only_child(fs, p);
    return r >= 0 && repeated(&fs->nodes[r]) ? r : -1;
}

/* The element of a list whose repeated field is r (LogicalTypes.md,
 * backward-compatibility rules): r itself unless r is a group with one
 * field not named "array" or "<list>_tuple". */
static int32_t list_element(const ko_pq_schema *fs, int32_t p, int32_t r)
{
    if (r == p || fs->nodes[r].el->has_type)
        return r;
    int32_t e = only_child(fs, r);
    const char *rn = fs->nodes[r].el->name, *pn = fs->nodes[p].el->name;
    size_t pl = strlen(pn);
    bool tuple = strncmp(rn, pn, pl) == 0 && strcmp(rn + pl, "_tuple") == 0;
    return e < 0 || strcmp(rn, "array") == 0 || tuple ? r : e;
}

static void set_repeated(const planner *pl, nnode *n, int32_t r)
{
    n->rep_def = pl->fs->nodes[r].max_def;
    n->rep = pl->fs->nodes[r].max_rep;
}

static ko_status map_list(planner *pl, int32_t p, const ko_ice_field *f, nnode *n, int depth)
{
    int32_t r = repeated_of(pl->fs, p);
    if (r < 0 || !n->type->nested)
        return mismatch(pl, p, "a list (no repeated field)");
    set_repeated(pl, n, r);
    ko_status st = new_kids(pl, n, 1);
    if (st != KO_OK)
        return st;
    return map_kid(pl, list_element(pl->fs, p, r), ice_child(f, KO_ICE_LIST, 0),
                   &n->type->nested->types[0], depth + 1, &n->kids[0]);
}

/* A MAP's element: STRUCT(key, value) over the repeated key_value group r. */
static ko_status map_map(planner *pl, int32_t p, const ko_ice_field *f, nnode *n, int depth)
{
    int32_t r = repeated_of(pl->fs, p);
    if (r < 0 || r == p || pl->fs->nodes[r].el->has_type || !n->type->nested ||
        n->type->nested->n != 2)
        return mismatch(pl, p, "a map (no repeated key_value group)");
    set_repeated(pl, n, r);
    ko_sql_dtype *et = ko_arena_calloc(pl->a, 1, sizeof *et);
    nnode *e = ko_arena_calloc(pl->a, 1, sizeof *e);
    if (!et || !e || new_kids(pl, n, 1) != KO_OK || new_kids(pl, e, 2) != KO_OK)
        return nomem(pl->err);
    *et = ko_sql_dtype_of(KO_SQL_DT_STRUCT);
    et->nested = n->type->nested; /* as ko_vec_new builds a MAP's element */
    e->kind = KO_SQL_DT_STRUCT;
    e->type = et;
    e->def = pl->fs->nodes[r].max_def;
    e->lo = pl->nc->n_leaves;
    int32_t key = pl->fs->nodes[r].first_child;
    int32_t val = key >= 0 ? pl->fs->nodes[key].next_sibling : -1;
    ko_status st = map_kid(pl, key, ice_child(f, KO_ICE_MAP, 0), &n->type->nested->types[0],
                           depth + 1, &e->kids[0]);
    if (st == KO_OK)
        st = map_kid(pl, val, ice_child(f, KO_ICE_MAP, 1), &n->type->nested->types[1], depth + 1,
                     &e->kids[1]);
    e->hi = pl->nc->n_leaves;
    n->kids[0] = e->lo < e->hi ? e : NULL;
    return st;
}

static ko_status map_leaf(planner *pl, int32_t p, nnode *n)
{
    const ko_pq_node *nd = &pl->fs->nodes[p];
    if (!nd->el->has_type || nd->leaf < 0)
        return mismatch(pl, p, "a primitive column");
    bool str = ko_sql_dtype_phys(n->type) == KO_PHYS_STR;
    bool bytes = nd->el->type == KO_PQ_BYTE_ARRAY || nd->el->type == KO_PQ_FIXED_LEN_BYTE_ARRAY;
    if (str != bytes && !(nd->el->type == KO_PQ_FIXED_LEN_BYTE_ARRAY && !str))
        return mismatch(pl, p, "of the column's type");
    n->el = nd->el;
    pl->nc->leaves[pl->nc->n_leaves++] = (uint32_t)nd->leaf;
    return KO_OK;
}

static ko_status map_node(planner *pl, int32_t p, const ko_ice_field *f, const ko_sql_dtype *t,
                          int depth, nnode **out)
{
    const ko_pq_node *nd = &pl->fs->nodes[p];
    nnode *n = ko_arena_calloc(pl->a, 1, sizeof *n);
    *out = n;
    if (!n)
        return nomem(pl->err);
    if (depth > KO_SQL_DTYPE_MAX_DEPTH)
        return mismatch(pl, p, "nested that deeply");
    n->kind = t->id;
    n->type = t;
    n->optional = nd->el->has_repetition && nd->el->repetition == KO_PQ_OPTIONAL;
    n->def = nd->max_def;
    n->lo = pl->nc->n_leaves;
    ko_status st;
    switch (t->id) {
    case KO_SQL_DT_STRUCT:
        st = map_struct(pl, p, f, n, depth);
        break;
    case KO_SQL_DT_LIST:
        st = map_list(pl, p, f, n, depth);
        break;
    case KO_SQL_DT_MAP:
        st = map_map(pl, p, f, n, depth);
        break;
    default:
        st = map_leaf(pl, p, n);
        break;
    }
    n->hi = pl->nc->n_leaves;
    return st;
}

ko_status ko_nest_plan(ko_arena *arena, const ko_pq_schema *fs, const ko_ice_field *ice,
                       int32_t field_id, const char *name, const ko_sql_dtype *t, ko_nest_col **out,
                       ko_err *err)
{
    *out = NULL;
    int32_t p = -1;
    for (int32_t c = fs->n_nodes ? fs->nodes[0].first_child : -1; c >= 0 && p < 0;
         c = fs->nodes[c].next_sibling) {
        const ko_pq_schema_element *el = fs->nodes[c].el;
        if (el->has_field_id ? el->field_id == field_id : strcasecmp(el->name, name) == 0)
            p = c;
    }
    if (p < 0)
        return KO_OK;
    ko_nest_col *nc = ko_arena_calloc(arena, 1, sizeof *nc);
    if (!nc || !(nc->leaves = ko_arena_calloc(arena, fs->n_leaves + 1, sizeof *nc->leaves)))
        return nomem(err);
    planner pl = {arena, fs, nc, name, err};
    ko_status st = map_node(&pl, p, ice, t, 0, &nc->root);
    if (st == KO_OK && nc->n_leaves > 0)
        *out = nc;
    return st;
}

uint32_t ko_nest_n_leaves(const ko_nest_col *nc)
{
    return nc->n_leaves;
}

uint32_t ko_nest_leaf(const ko_nest_col *nc, uint32_t s)
{
    return nc->leaves[s];
}

ko_status ko_nest_alloc_oi(ko_arena *arena, ko_nest_col *nc, uint32_t n_rgs)
{
    nc->oi = ko_arena_calloc(arena, (size_t)n_rgs * nc->n_leaves + 1, sizeof *nc->oi);
    return nc->oi ? KO_OK : KO_ERR_NOMEM;
}

ko_pq_offset_index *ko_nest_oi(const ko_nest_col *nc, uint32_t rg)
{
    return nc->oi ? nc->oi + (size_t)rg * nc->n_leaves : NULL;
}

/* ============================================================ assembly */

typedef struct asmb {
    const ko_pq_column **cols; /* per slot */
    size_t *e, *v;             /* per slot: next entry, next value */
    const char *what;
    ko_err *err;
} asmb;

static ko_status corrupt(const asmb *a, const char *why)
{
    return ko_err_set(a->err, KO_ERR_CORRUPT, "column %s: %s", a->what, why);
}

static int16_t def_at(const ko_pq_column *c, size_t i)
{
    return c->max_def ? ((const int16_t *)(const void *)c->def.data)[i] : 0;
}

static int16_t rep_at(const ko_pq_column *c, size_t i)
{
    return c->max_rep ? ((const int16_t *)(const void *)c->rep.data)[i] : 0;
}

/* Row i of v is NULL, with zeroed slots (a struct's fields NULL too). */
static void null_row(ko_vec *v, size_t i)
{
    size_t w = ko_sql_phys_size(ko_sql_dtype_phys(&v->type));
    ko_vec_set_null_fast(v, i);
    if (w)
        memset(v->data + i * w, 0, w);
    if (v->type.id == KO_SQL_DT_LIST || v->type.id == KO_SQL_DT_MAP)
        KO_VEC_DATA(v, ko_sql_list)[i].offset = v->child_len;
    for (uint32_t k = 0; v->type.id == KO_SQL_DT_STRUCT && k < v->n_children; k++)
        null_row(v->children[k], i);
}

/* Every slot under an absent n consumes the one entry that says so. */
static ko_status skip(asmb *a, const nnode *n)
{
    for (uint32_t s = n->lo; s < n->hi; s++) {
        if (a->e[s] >= a->cols[s]->n)
            return corrupt(a, "a record ends early in one of its leaves");
        a->e[s]++;
    }
    return KO_OK;
}

static ko_status put(asmb *a, const nnode *n, ko_vec *v, size_t i);

static ko_status put_leaf(asmb *a, const nnode *n, ko_vec *v, size_t i, int16_t d)
{
    uint32_t s = n->lo;
    const ko_pq_column *c = a->cols[s];
    a->e[s]++;
    if (d < c->max_def) {
        null_row(v, i);
        return KO_OK;
    }
    size_t k = a->v[s]++;
    if (k >= c->n_values)
        return corrupt(a, "fewer values than the definition levels promise");
    if (ko_sql_dtype_phys(n->type) != KO_PHYS_STR) {
        size_t w = ko_sql_phys_size(ko_sql_dtype_phys(n->type));
        ko_scan_convert_value(c, n->el, k, n->type, v->data + i * w);
        return KO_OK;
    }
    ko_sql_str *o = &KO_VEC_DATA(v, ko_sql_str)[i];
    const char *base = (const char *)c->values.data;
    if (c->type == KO_PQ_BYTE_ARRAY) {
        const int64_t *off = (const int64_t *)(const void *)c->offsets.data;
        *o = (ko_sql_str){base + off[k], (uint32_t)(off[k + 1] - off[k]), 0};
    } else {
        size_t w = (size_t)c->type_length;
        *o = (ko_sql_str){base + k * w, (uint32_t)w, 0};
    }
    return KO_OK;
}

static ko_status put_list(asmb *a, const nnode *n, ko_vec *v, size_t i, int16_t d)
{
    ko_sql_list *sl = &KO_VEC_DATA(v, ko_sql_list)[i];
    *sl = (ko_sql_list){v->child_len, 0};
    if (d < n->rep_def)
        return skip(a, n); /* an empty list */
    const ko_pq_column *c = a->cols[n->lo];
    ko_status st = KO_OK;
    do {
        if (v->child_len >= c->n)
            return corrupt(a, "more list elements than entries");
        st = put(a, n->kids[0], v->children[0], v->child_len);
        v->child_len++;
        sl->length++;
    } while (st == KO_OK && a->e[n->lo] < c->n && rep_at(c, a->e[n->lo]) == n->rep);
    return st;
}

static ko_status put(asmb *a, const nnode *n, ko_vec *v, size_t i)
{
    if (!n) {
        null_row(v, i);
        return KO_OK;
    }
    const ko_pq_column *c = a->cols[n->lo];
    if (a->e[n->lo] >= c->n)
        return corrupt(a, "a record ends early in one of its leaves");
    int16_t d = def_at(c, a->e[n->lo]);
    if (n->optional && d < n->def) {
        null_row(v, i);
        return skip(a, n);
    }
    switch (n->kind) {
    case KO_SQL_DT_STRUCT: {
        ko_status st = KO_OK;
        for (uint32_t k = 0; k < n->n_kids && st == KO_OK; k++)
            st = put(a, n->kids[k], v->children[k], i);
        return st;
    }
    case KO_SQL_DT_LIST:
    case KO_SQL_DT_MAP:
        return put_list(a, n, v, i, d);
    default:
        return put_leaf(a, n, v, i, d);
    }
}

/* Room for cap rows in v and, below lists, for as many elements as the
 * first slot under them has entries; every row valid to start with. */
static ko_status prepare(const asmb *a, const nnode *n, ko_vec *v, size_t cap)
{
    if (ko_vec_reserve(v, cap) != KO_OK || ko_vec_validity_init(v, cap) != KO_OK)
        return KO_ERR_NOMEM;
    ko_status st = KO_OK;
    if (v->type.id == KO_SQL_DT_STRUCT) {
        for (uint32_t k = 0; k < v->n_children && st == KO_OK; k++)
            st = prepare(a, n && k < n->n_kids ? n->kids[k] : NULL, v->children[k], cap);
    } else if (v->n_children) {
        const nnode *e = n ? n->kids[0] : NULL;
        st = prepare(a, e, v->children[0], e ? a->cols[e->lo]->n : 0);
    }
    return st;
}

/* ================================================================ state */

struct ko_nest_state {
    ko_vec *full; /* the assembled rows */
    ko_pq_chunk_reader **cr;
    ko_pq_column *pq;
    const ko_pq_column **cols;
    size_t *e, *v;
    uint32_t cap;
};

ko_nest_state *ko_nest_state_new(const ko_sql_dtype *t)
{
    ko_nest_state *s = calloc(1, sizeof *s);
    if (s && !(s->full = ko_vec_new(t))) {
        free(s);
        return NULL;
    }
    return s;
}

void ko_nest_state_free(ko_nest_state *s)
{
    if (!s)
        return;
    for (uint32_t k = 0; k < s->cap; k++) {
        ko_pq_chunk_reader_free(s->cr[k]);
        ko_pq_column_free(&s->pq[k]);
    }
    free(s->cr);
    free(s->pq);
    free(s->cols);
    free(s->e);
    free(s->v);
    ko_vec_free(s->full);
    free(s);
}

static bool grow_array(void **p, size_t n, size_t size)
{
    void *q = realloc(*p, n * size);
    if (q)
        *p = q;
    return q != NULL;
}

/* Room for n slots (readers and columns of new slots start empty). */
static ko_status state_slots(ko_nest_state *s, uint32_t n)
{
    if (n <= s->cap)
        return KO_OK;
    if (!grow_array((void **)&s->cr, n, sizeof(ko_pq_chunk_reader *)) ||
        !grow_array((void **)&s->pq, n, sizeof *s->pq) ||
        !grow_array((void **)&s->cols, n, sizeof(const ko_pq_column *)) ||
        !grow_array((void **)&s->e, n, sizeof *s->e) ||
        !grow_array((void **)&s->v, n, sizeof *s->v))
        return KO_ERR_NOMEM;
    for (; s->cap < n; s->cap++) {
        memset(&s->pq[s->cap], 0, sizeof *s->pq);
        s->cr[s->cap] = ko_pq_chunk_reader_new();
        if (!s->cr[s->cap])
            return KO_ERR_NOMEM;
    }
    return KO_OK;
}

static ko_status assemble(ko_nest_state *s, const ko_nest_col *nc, size_t rows, const char *what,
                          ko_err *err)
{
    asmb a = {s->cols, s->e, s->v, what, err};
    memset(s->e, 0, nc->n_leaves * sizeof *s->e);
    memset(s->v, 0, nc->n_leaves * sizeof *s->v);
    if (prepare(&a, nc->root, s->full, rows) != KO_OK)
        return nomem(err);
    ko_status st = KO_OK;
    for (size_t i = 0; i < rows && st == KO_OK; i++)
        st = put(&a, nc->root, s->full, i);
    for (uint32_t k = 0; k < nc->n_leaves && st == KO_OK; k++)
        if (s->e[k] != s->cols[k]->n)
            st = corrupt(&a, "its leaves hold different numbers of records");
    return st;
}

ko_status ko_nest_read(ko_nest_state *s, const ko_nest_col *nc, ko_pq_reader *pr, uint32_t rg,
                       int64_t start, int64_t end, const char *what, ko_err *err)
{
    if (state_slots(s, nc->n_leaves) != KO_OK)
        return nomem(err);
    const ko_pq_offset_index *oi = ko_nest_oi(nc, rg);
    ko_status st = KO_OK;
    for (uint32_t k = 0; k < nc->n_leaves && st == KO_OK; k++) {
        const ko_pq_offset_index *o = oi && oi[k].n_pages ? &oi[k] : NULL;
        st = ko_pq_chunk_reader_rows(s->cr[k], pr, rg, nc->leaves[k], o, start, end, &s->pq[k],
                                     NULL, err);
        s->cols[k] = &s->pq[k];
    }
    return st == KO_OK ? assemble(s, nc, (size_t)(end - start), what, err) : st;
}

ko_status ko_nest_assemble(ko_nest_state *s, const ko_nest_col *nc, const ko_pq_column *cols,
                           size_t rows, const char *what, ko_err *err)
{
    if (state_slots(s, nc->n_leaves) != KO_OK)
        return nomem(err);
    for (uint32_t k = 0; k < nc->n_leaves; k++)
        s->cols[k] = &cols[nc->leaves[k]];
    return assemble(s, nc, rows, what, err);
}

/* ============================================================ slicing */

static void slice(ko_vec *dst, const ko_vec *src, size_t from)
{
    size_t w = ko_sql_phys_size(ko_sql_dtype_phys(&dst->type));
    dst->is_const = false;
    dst->data = src->data + from * w;
    dst->validity = src->validity ? src->validity + from / 64 : NULL;
    dst->cap = KO_SQL_BATCH;
    dst->child_len = src->child_len;
    for (uint32_t k = 0; k < dst->n_children && k < src->n_children; k++) {
        if (dst->type.id == KO_SQL_DT_STRUCT)
            slice(dst->children[k], src->children[k], from);
        else
            ko_vec_reference(dst->children[k], src->children[k]);
    }
}

void ko_nest_slice(ko_vec *v, const ko_nest_state *s, size_t from)
{
    slice(v, s->full, from);
}

void ko_nest_const_null(ko_vec *v)
{
    v->data = v->own;
    v->validity = v->own_validity;
    v->is_const = true;
    v->child_len = 0;
    for (uint32_t k = 0; k < v->n_children; k++)
        ko_nest_const_null(v->children[k]);
}
