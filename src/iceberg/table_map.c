/*
 * table_map.c - fitting an input Parquet file's columns to a table's
 * columns for an append.
 *
 * The table's Parquet schema (ko_ice_schema_to_parquet) and the input's
 * are walked together along the table's Iceberg fields: struct children
 * are matched by field id when the input carries ids the table knows, else
 * by name (exactly, then ignoring ASCII case, then by the Avro-compatible
 * name the table's files use); lists and maps by their standard 3-level
 * layout.  Every input column must be used and every required table
 * column found; a missing optional subtree reads as nulls.
 *
 * Each table leaf gets a kt_leaf_map: which input leaf feeds it, how its
 * values convert (same representation, a promotion, or a unit change,
 * decided from the Iceberg types of both sides) and how definition levels
 * translate.  Levels translate node by node along the two paths, which
 * have the same shape: input level d means "defined down to the d-th
 * optional input node"; the table level is the number of optional table
 * nodes above the first undefined input node.  A null the table cannot
 * hold (the first undefined node is required in the table) maps to -1 and
 * is reported with the column name if a row has one.  Repetition levels
 * agree by construction (repeated nodes must sit at the same places).
 */
#include "iceberg/table_internal.h"

#include <strings.h>
#include <string.h>

enum { MAX_PATH = 128 };

typedef struct mctx {
    const ko_pq_schema *out, *in;
    const char *file;
    bool by_id;
    bool *used; /* per input node */
    ko_arena *arena;
    kt_leaf_map *maps;
    ko_err *err;
} mctx;

static ko_status mismatch(mctx *c, const char *path, const char *why)
{
    return ko_err_set(c->err, KO_ERR_INVALID, "%s: column '%s': %s", c->file, path, why);
}

/* Nodes from the root's child down to node (root excluded); returns the
 * count. */
static int node_path(const ko_pq_schema *s, int32_t node, int32_t out[MAX_PATH])
{
    int n = 0;
    for (int32_t i = node; i > 0 && n < MAX_PATH; i = s->nodes[i].parent)
        out[n++] = i;
    for (int a = 0, b = n - 1; a < b; a++, b--) {
        int32_t t = out[a];
        out[a] = out[b];
        out[b] = t;
    }
    return n;
}

static bool optional(const ko_pq_schema *s, int32_t node)
{
    const ko_pq_schema_element *e = s->nodes[node].el;
    return e->has_repetition && e->repetition != KO_PQ_REQUIRED;
}

/* Level translation for input levels 0..in_max over paths that agree on
 * their first n nodes; levels beyond the common part map to the table
 * level at its end. */
static int16_t *def_map(const mctx *c, const int32_t *ip, const int32_t *op, int n, int16_t in_max)
{
    int16_t *m = ko_arena_calloc(c->arena, (size_t)in_max + 1, sizeof *m);
    if (!m)
        return NULL;
    int16_t out_all = 0, in_common = 0;
    for (int k = 0; k < n; k++) {
        out_all += optional(c->out, op[k]);
        in_common += optional(c->in, ip[k]);
    }
    for (int16_t d = 0; d <= in_max; d++) {
        if (d >= in_common) {
            m[d] = out_all;
            continue;
        }
        int k = 0, seen = 0;
        while (k < n && !(optional(c->in, ip[k]) && seen++ == d))
            k++;
        int16_t o = 0;
        for (int j = 0; j < k; j++)
            o += optional(c->out, op[j]);
        m[d] = k < n && !optional(c->out, op[k]) ? -1 : o;
    }
    return m;
}

static int32_t first_child(const ko_pq_schema *s, int32_t node)
{
    return node >= 0 ? s->nodes[node].first_child : -1;
}

static int32_t nth_child(const ko_pq_schema *s, int32_t node, uint32_t i)
{
    int32_t ch = first_child(s, node);
    while (ch >= 0 && i--)
        ch = s->nodes[ch].next_sibling;
    return ch;
}

/* ------------------------------------------------------------ leaves */

/* The Iceberg type Parquet element e stands for (schema_parquet.c's rules,
 * applied to a one-column schema). */
static ko_status element_type(mctx *c, const ko_pq_schema_element *e, ko_ice_type *out)
{
    ko_pq_schema_element els[2] = {{.name = "root", .num_children = 1, .converted = KO_PQ_CT_NONE},
                                   *e};
    els[1].has_repetition = true;
    els[1].repetition = KO_PQ_OPTIONAL;
    els[1].has_field_id = false;
    ko_ice_schema s;
    ko_status st = ko_ice_schema_from_parquet(els, 2, true, c->arena, &s, c->err);
    if (st != KO_OK)
        return ko_err_prefix(c->err, "%s", c->file);
    *out = s.root.fields[0].type;
    return KO_OK;
}

static bool types_fit(const ko_ice_type *from, const ko_ice_type *to)
{
    if (from->id == KO_ICE_DECIMAL && to->id == KO_ICE_DECIMAL)
        return from->scale == to->scale && from->precision <= to->precision;
    return ko_ice_type_can_promote(from, to) || (from->id == to->id && from->id != KO_ICE_FIXED) ||
           (from->id == KO_ICE_FIXED && to->id == KO_ICE_FIXED && from->length == to->length);
}

static bool is_millis(const ko_pq_schema_element *e)
{
    if (e->logical.kind == KO_PQ_LT_TIME || e->logical.kind == KO_PQ_LT_TIMESTAMP)
        return e->logical.unit == KO_PQ_MILLIS;
    return e->converted == KO_PQ_CT_TIME_MILLIS || e->converted == KO_PQ_CT_TIMESTAMP_MILLIS;
}

static bool is_uint32(const ko_pq_schema_element *e)
{
    if (e->logical.kind == KO_PQ_LT_INTEGER)
        return !e->logical.is_signed && e->logical.bit_width == 32;
    return e->converted == KO_PQ_CT_UINT_32;
}

static bool same_physical(const ko_pq_schema_element *i, const ko_pq_schema_element *o)
{
    return i->type == o->type &&
           (i->type != KO_PQ_FIXED_LEN_BYTE_ARRAY || i->type_length == o->type_length);
}

/* How values of input element ie become values of table element oe. */
static ko_status pick_conv(mctx *c, const char *path, const ko_pq_schema_element *ie,
                           const ko_pq_schema_element *oe, const ko_ice_type *to, kt_conv *out)
{
    if (to->id == KO_ICE_DECIMAL)
        *out = same_physical(ie, oe) ? KT_COPY : KT_DECIMAL;
    else if (ie->type == KO_PQ_INT96 && oe->type == KO_PQ_INT64)
        *out = KT_INT96_TO_MICROS;
    else if (ie->type == KO_PQ_INT32 && oe->type == KO_PQ_INT64)
        *out = to->id == KO_ICE_TIME ? KT_MILLIS_32_TO_64
               : is_uint32(ie)       ? KT_U32_TO_I64
                                     : KT_I32_TO_I64;
    else if (ie->type == KO_PQ_FLOAT && oe->type == KO_PQ_DOUBLE)
        *out = KT_F32_TO_F64;
    else if (!same_physical(ie, oe))
        return mismatch(c, path, "its Parquet representation cannot be converted");
    else if (ie->type == KO_PQ_INT64 && is_millis(ie) && !is_millis(oe))
        *out = KT_MILLIS_TO_MICROS;
    else
        *out = KT_COPY;
    return KO_OK;
}

static ko_status map_leaf(mctx *c, const ko_ice_field *f, const char *path, int32_t on, int32_t in)
{
    const ko_pq_node *o = &c->out->nodes[on], *i = &c->in->nodes[in];
    if (i->leaf < 0)
        return mismatch(c, path, "the file has a group where the table has a primitive");
    ko_ice_type it = {0};
    ko_status st = element_type(c, i->el, &it);
    if (st != KO_OK)
        return st;
    if (!types_fit(&it, &f->type)) {
        char a[KO_ICE_TYPE_STR_MAX], b[KO_ICE_TYPE_STR_MAX];
        ko_ice_type_format(&it, a);
        ko_ice_type_format(&f->type, b);
        return ko_err_set(c->err, KO_ERR_INVALID,
                          "%s: column '%s': file type %s cannot be written to table type %s",
                          c->file, path, a, b);
    }
    kt_leaf_map *m = &c->maps[o->leaf];
    m->in_leaf = i->leaf;
    m->in_max_def = i->max_def;
    st = pick_conv(c, path, i->el, o->el, &f->type, &m->conv);
    int32_t ip[MAX_PATH], op[MAX_PATH];
    int n = node_path(c->in, in, ip);
    if (st == KO_OK && n != node_path(c->out, on, op))
        return mismatch(c, path, "nested differently in the file and the table");
    if (st == KO_OK && !(m->def_map = def_map(c, ip, op, n, i->max_def)))
        st = kt_nomem(c->err);
    return st;
}

/* Whether node lies under (or is) anc. */
static bool is_under(const ko_pq_schema *s, int32_t node, int32_t anc)
{
    while (node > 0 && node != anc)
        node = s->nodes[node].parent;
    return node == anc;
}

/* An input leaf under in_parent repeated as often as in_parent, or -1. */
static int32_t template_leaf(const ko_pq_schema *in, int32_t in_parent)
{
    for (uint32_t l = 0; l < in->n_leaves; l++) {
        int32_t nd = in->leaves[l].node;
        if (is_under(in, nd, in_parent) && in->nodes[nd].max_rep == in->nodes[in_parent].max_rep)
            return (int32_t)l;
    }
    return -1;
}

/* Marks the table leaves under `on` as absent.  Their levels come from a
 * sibling column under the matched parent (tmpl, an input leaf with the
 * parent's repetition) capped at the parent's level; at the top all
 * levels are 0. */
static ko_status map_absent(mctx *c, int32_t on, const char *path, int32_t in_parent,
                            int32_t out_parent)
{
    int32_t tmpl = in_parent > 0 ? template_leaf(c->in, in_parent) : -1;
    if (in_parent > 0 && tmpl < 0)
        return mismatch(c, path,
                        "missing from the file, and its parent has no column to take "
                        "levels from");
    int32_t ip[MAX_PATH], op[MAX_PATH];
    int n = in_parent > 0 ? node_path(c->in, in_parent, ip) : 0;
    if (in_parent > 0 && node_path(c->out, out_parent, op) != n)
        return mismatch(c, path, "nested differently in the file and the table");
    for (uint32_t l = 0; l < c->out->n_leaves; l++) {
        if (!is_under(c->out, c->out->leaves[l].node, on))
            continue;
        kt_leaf_map *m = &c->maps[l];
        m->conv = KT_ABSENT;
        m->in_leaf = tmpl;
        m->in_max_def = tmpl >= 0 ? c->in->leaves[tmpl].max_def : 0;
        m->def_map = tmpl >= 0 ? def_map(c, ip, op, n, m->in_max_def) : NULL;
        if (tmpl >= 0 && !m->def_map)
            return kt_nomem(c->err);
    }
    return KO_OK;
}

/* ----------------------------------------------------------- structure */

static ko_status map_field(mctx *c, const ko_ice_field *f, const char *path, int32_t on, int32_t in,
                           int depth);

static bool name_matches(const char *have, const ko_ice_field *f, ko_arena *arena, int pass)
{
    if (pass == 0)
        return strcmp(have, f->name) == 0;
    if (pass == 1)
        return strcasecmp(have, f->name) == 0;
    const char *compat = ko_ice_compatible_name(f->name, arena);
    return compat && strcmp(have, compat) == 0;
}

/* By id when ids are in use and the column has one; else by name among
 * the columns not yet matched. */
static int32_t find_child(mctx *c, int32_t in, const ko_ice_field *f)
{
    const ko_pq_schema *s = c->in;
    if (c->by_id)
        for (int32_t ch = first_child(s, in); ch >= 0; ch = s->nodes[ch].next_sibling)
            if (s->nodes[ch].el->has_field_id && s->nodes[ch].el->field_id == f->id)
                return ch;
    for (int pass = 0; pass < 3; pass++)
        for (int32_t ch = first_child(s, in); ch >= 0; ch = s->nodes[ch].next_sibling) {
            const ko_pq_schema_element *e = s->nodes[ch].el;
            if (!c->used[ch] && !(c->by_id && e->has_field_id) &&
                name_matches(e->name, f, c->arena, pass))
                return ch;
        }
    return -1;
}

static const char *child_path(mctx *c, const char *path, const char *name)
{
    return *path ? ko_arena_sprintf(c->arena, "%s.%s", path, name) : name;
}

static ko_status map_struct(mctx *c, const ko_ice_type *t, const char *path, int32_t on, int32_t in,
                            int depth)
{
    ko_status st = KO_OK;
    for (uint32_t i = 0; st == KO_OK && i < t->n_fields; i++) {
        const ko_ice_field *f = &t->fields[i];
        const char *p = child_path(c, path, f->name);
        int32_t och = nth_child(c->out, on, i), ich = find_child(c, in, f);
        if (!p || och < 0)
            return p ? mismatch(c, path, "table schema and its Parquet form disagree")
                     : kt_nomem(c->err);
        if (ich >= 0) {
            c->used[ich] = true;
            st = map_field(c, f, p, och, ich, depth + 1);
        } else if (f->required) {
            st = ko_err_set(c->err, KO_ERR_INVALID, "%s: required column '%s' is missing", c->file,
                            p);
        } else {
            st = map_absent(c, och, p, in, on);
        }
    }
    for (int32_t ch = first_child(c->in, in); st == KO_OK && ch >= 0;
         ch = c->in->nodes[ch].next_sibling)
        if (!c->used[ch])
            st = ko_err_set(c->err, KO_ERR_INVALID, "%s: column '%s' is not in the table", c->file,
                            child_path(c, path, c->in->nodes[ch].el->name));
    return st;
}

/* The repeated child of a 3-level LIST or MAP group. */
static int32_t repeated_child(const ko_pq_schema *s, int32_t node, uint32_t want_children)
{
    int32_t r = first_child(s, node);
    if (r < 0 || s->nodes[node].el->num_children != 1)
        return -1;
    const ko_pq_schema_element *e = s->nodes[r].el;
    if (!e->has_repetition || e->repetition != KO_PQ_REPEATED || e->has_type ||
        e->num_children != (int32_t)want_children)
        return -1;
    return r;
}

static ko_status map_nested(mctx *c, const ko_ice_field *f, const char *path, int32_t on,
                            int32_t in, int depth)
{
    bool is_map = f->type.id == KO_ICE_MAP;
    uint32_t kids = is_map ? 2 : 1;
    int32_t ir = repeated_child(c->in, in, kids), orp = repeated_child(c->out, on, kids);
    if (ir < 0 || orp < 0)
        return mismatch(c, path,
                        is_map ? "the file's map is not a standard MAP group"
                               : "the file's list is not a standard 3-level LIST group");
    c->used[ir] = true;
    ko_status st = KO_OK;
    for (uint32_t k = 0; st == KO_OK && k < kids; k++) {
        const ko_ice_field *ch = &f->type.fields[k];
        int32_t ich = nth_child(c->in, ir, k);
        c->used[ich] = true;
        st = map_field(c, ch, child_path(c, path, ch->name), nth_child(c->out, orp, k), ich,
                       depth + 1);
    }
    return st;
}

static ko_status map_field(mctx *c, const ko_ice_field *f, const char *path, int32_t on, int32_t in,
                           int depth)
{
    if (depth > MAX_PATH / 4)
        return mismatch(c, path, "nested too deeply");
    const ko_pq_schema_element *ie = c->in->nodes[in].el;
    bool repeated = ie->has_repetition && ie->repetition == KO_PQ_REPEATED;
    if (repeated)
        return mismatch(c, path, "a repeated field without a LIST group is not supported");
    switch (f->type.id) {
    case KO_ICE_STRUCT:
        if (ie->has_type)
            return mismatch(c, path, "the file has a primitive where the table has a struct");
        return map_struct(c, &f->type, path, on, in, depth);
    case KO_ICE_LIST:
    case KO_ICE_MAP:
        return map_nested(c, f, path, on, in, depth);
    default:
        return map_leaf(c, f, path, on, in);
    }
}

/* Ids are used when every top-level input column has one the table
 * knows. */
static bool use_ids(const ko_ice_schema *schema, const ko_pq_schema *in)
{
    int n = 0;
    for (int32_t ch = first_child(in, 0); ch >= 0; ch = in->nodes[ch].next_sibling, n++) {
        const ko_pq_schema_element *e = in->nodes[ch].el;
        if (!e->has_field_id || !ko_ice_schema_find_id(schema, e->field_id))
            return false;
    }
    return n > 0;
}

ko_status kt_map_input(const ko_ice_schema *schema, const ko_pq_schema *out, const ko_pq_schema *in,
                       const char *file, ko_arena *arena, kt_leaf_map **maps, ko_err *err)
{
    mctx c = {.out = out,
              .in = in,
              .file = file,
              .by_id = use_ids(schema, in),
              .used = ko_arena_calloc(arena, in->n_nodes + 1, sizeof(bool)),
              .arena = arena,
              .maps = ko_arena_calloc(arena, out->n_leaves + 1, sizeof(kt_leaf_map)),
              .err = err};
    if (!c.used || !c.maps)
        return kt_nomem(err);
    for (uint32_t l = 0; l < out->n_leaves; l++) {
        c.maps[l].in_leaf = -1;
        c.maps[l].name = out->leaves[l].path;
    }
    ko_ice_field root = {.name = "", .required = true, .type = schema->root};
    ko_status st = map_struct(&c, &root.type, "", 0, 0, 0);
    if (st == KO_OK)
        *maps = c.maps;
    return st;
}
