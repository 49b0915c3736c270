/*
 * scan_read.c - reading the rows of a planned scan: data files projected
 * onto the read schema, with position and equality deletes applied.
 *
 * Target.  The read schema becomes Parquet schema elements
 * (ko_ice_schema_to_parquet, renamed back to the Iceberg field names), so
 * every batch is a set of Dremel columns that ko_pq_rows can print.
 *
 * Projection.  Each file's nodes get field ids: their own, else from the
 * table's name mapping (schema.name-mapping.default), else from the read
 * schema's names; repeated groups without one ("list", "key_value") are
 * transparent.  A target leaf takes the file leaf with the same path of
 * field ids; levels are translated node by node (a file may make optional
 * what the table requires, or the reverse) and values converted for the
 * allowed promotions (int -> long, float -> double, decimal widening,
 * INT96 and millisecond timestamps, millisecond times).  A leaf the file
 * lacks is synthesised as nulls: its levels are copied from the file leaf
 * that shares the deepest existing ancestor, capped at that ancestor, so a
 * new field inside an existing struct is null exactly where the struct is
 * present.
 *
 * Deletes.  Position delete files are read once into (path, position)
 * pairs sorted for binary search; equality delete files once into hash
 * sets of their key columns' values (nulls equal).  A batch is one row
 * group: rows whose file position is deleted, or whose key is in a set,
 * are dropped by copying the kept records of every column.
 */
#include "iceberg/iceberg.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define POS_PATH_ID 2147483546
#define POS_POS_ID  2147483545

enum { MAX_PATH_DEPTH = 128 };

static ko_status nomem(ko_err *err)
{
    return ko_err_set(err, KO_ERR_NOMEM, "out of memory reading a table");
}

/* ============================================================ target */

typedef struct target {
    ko_pq_schema pq;
} target;

/* Puts the Iceberg names back (to_parquet makes them Avro-compatible). */
static void rename_elements(const ko_ice_schema *s, ko_pq_schema_element *els, uint32_t n)
{
    for (uint32_t i = 1; i < n; i++) {
        const ko_ice_field *f =
            els[i].has_field_id ? ko_ice_schema_find_id(s, els[i].field_id) : NULL;
        if (f)
            els[i].name = f->name;
    }
}

static ko_status target_from_schema(const ko_ice_schema *s, ko_arena *arena, target *tg,
                                    ko_err *err)
{
    ko_pq_schema_element *els = NULL;
    uint32_t n = 0;
    ko_status st = ko_ice_schema_to_parquet(s, arena, &els, &n, err);
    if (st != KO_OK)
        return st;
    rename_elements(s, els, n);
    return ko_pq_schema_build(els, n, arena, &tg->pq, err);
}

static void make_optional(ko_ice_type *t, int depth)
{
    for (uint32_t i = 0; depth < MAX_PATH_DEPTH && i < t->n_fields; i++) {
        bool map_key = t->id == KO_ICE_MAP && i == 0;
        t->fields[i].required = map_key;
        make_optional(&t->fields[i].type, depth + 1);
    }
}

/* The read schema with every field optional: equality delete files hold
 * only some of the columns, the others read as null. */
static ko_status target_relaxed(const ko_ice_schema *s, ko_arena *arena, target *tg, ko_err *err)
{
    ko_ice_schema copy;
    ko_status st = ko_ice_schema_copy(s, arena, &copy, err);
    if (st != KO_OK)
        return st;
    make_optional(&copy.root, 0);
    copy.identifier_ids = NULL;
    copy.n_identifier_ids = 0;
    st = ko_ice_schema_build(&copy, arena, err);
    return st != KO_OK ? st : target_from_schema(&copy, arena, tg, err);
}

/* The position delete file schema: file_path string, pos long. */
static ko_status target_positions(ko_arena *arena, target *tg, ko_err *err)
{
    ko_pq_schema_element *els = ko_arena_calloc(arena, 3, sizeof *els);
    if (!els)
        return nomem(err);
    els[0] = (ko_pq_schema_element){.name = "table", .num_children = 2, .converted = -1};
    els[1] = (ko_pq_schema_element){.name = "file_path",
                                    .has_type = true,
                                    .type = KO_PQ_BYTE_ARRAY,
                                    .has_repetition = true,
                                    .repetition = KO_PQ_REQUIRED,
                                    .converted = KO_PQ_CT_UTF8,
                                    .has_field_id = true,
                                    .field_id = POS_PATH_ID,
                                    .logical = {.kind = KO_PQ_LT_STRING}};
    els[2] = (ko_pq_schema_element){.name = "pos",
                                    .has_type = true,
                                    .type = KO_PQ_INT64,
                                    .has_repetition = true,
                                    .repetition = KO_PQ_REQUIRED,
                                    .converted = -1,
                                    .has_field_id = true,
                                    .field_id = POS_POS_ID};
    return ko_pq_schema_build(els, 3, arena, &tg->pq, err);
}

/* ====================================================== name mapping */

typedef struct nmap {
    int32_t id; /* -1: none */
    const char **names;
    size_t n_names;
    struct nmap *fields;
    size_t n_fields;
} nmap;

static ko_status nmap_from_type(const ko_ice_type *t, ko_arena *arena, nmap **out, size_t *n);

static ko_status nmap_from_field(const ko_ice_field *f, ko_arena *arena, nmap *m)
{
    m->id = f->id;
    m->names = ko_arena_calloc(arena, 2, sizeof *m->names);
    if (!m->names)
        return KO_ERR_NOMEM;
    m->names[0] = f->name;
    m->names[1] = ko_ice_compatible_name(f->name, arena);
    m->n_names = m->names[1] ? 2 : 1;
    return nmap_from_type(&f->type, arena, &m->fields, &m->n_fields);
}

static ko_status nmap_from_type(const ko_ice_type *t, ko_arena *arena, nmap **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (ko_ice_type_is_primitive(t) || !t->n_fields)
        return KO_OK;
    *out = ko_arena_calloc(arena, t->n_fields, sizeof **out);
    if (!*out)
        return KO_ERR_NOMEM;
    *n = t->n_fields;
    ko_status st = KO_OK;
    for (uint32_t i = 0; i < t->n_fields && st == KO_OK; i++)
        st = nmap_from_field(&t->fields[i], arena, &(*out)[i]);
    return st;
}

static ko_status nmap_from_json(const json_t *arr, ko_arena *arena, int depth, nmap **out,
                                size_t *n);

static ko_status nmap_entry_json(const json_t *o, ko_arena *arena, int depth, nmap *m)
{
    const json_t *id = json_object_get(o, "field-id");
    const json_t *names = json_object_get(o, "names");
    m->id = json_is_integer(id) ? (int32_t)json_integer_value(id) : -1;
    if (!json_is_array(names))
        return KO_ERR_CORRUPT;
    m->names = ko_arena_calloc(arena, json_array_size(names) + 1, sizeof *m->names);
    if (!m->names)
        return KO_ERR_NOMEM;
    for (size_t i = 0; i < json_array_size(names); i++)
        if (json_is_string(json_array_get(names, i)))
            m->names[m->n_names++] =
                ko_arena_strdup(arena, json_string_value(json_array_get(names, i)));
    const json_t *fields = json_object_get(o, "fields");
    return fields ? nmap_from_json(fields, arena, depth + 1, &m->fields, &m->n_fields) : KO_OK;
}

static ko_status nmap_from_json(const json_t *arr, ko_arena *arena, int depth, nmap **out,
                                size_t *n)
{
    *out = NULL;
    *n = 0;
    if (!json_is_array(arr) || depth > MAX_PATH_DEPTH)
        return KO_ERR_CORRUPT;
    size_t len = json_array_size(arr);
    *out = ko_arena_calloc(arena, len ? len : 1, sizeof **out);
    if (!*out)
        return KO_ERR_NOMEM;
    *n = len;
    ko_status st = KO_OK;
    for (size_t i = 0; i < len && st == KO_OK; i++)
        st = json_is_object(json_array_get(arr, i))
                 ? nmap_entry_json(json_array_get(arr, i), arena, depth, &(*out)[i])
                 : KO_ERR_CORRUPT;
    return st;
}

typedef struct nmap_list {
    nmap *fields;
    size_t n;
} nmap_list;

/* The table's name mapping property, else one made from the schema. */
static ko_status table_names(const ko_ice_table_meta *m, const ko_ice_schema *s, ko_arena *arena,
                             nmap_list *out, ko_err *err)
{
    const char *text = ko_ice_meta_property(m, "schema.name-mapping.default");
    if (text) {
        json_t *j = json_loads(text, 0, NULL);
        ko_status st = j ? nmap_from_json(j, arena, 0, &out->fields, &out->n) : KO_ERR_CORRUPT;
        json_decref(j);
        if (st == KO_ERR_NOMEM)
            return nomem(err);
        if (st != KO_OK)
            return ko_err_set(err, KO_ERR_CORRUPT,
                              "table property schema.name-mapping.default is not a valid mapping");
        return KO_OK;
    }
    ko_status st = nmap_from_type(&s->root, arena, &out->fields, &out->n);
    return st == KO_OK ? KO_OK : nomem(err);
}

static const nmap *nmap_find(const nmap_list *l, const char *name)
{
    for (size_t i = 0; l && i < l->n; i++)
        for (size_t k = 0; k < l->fields[i].n_names; k++)
            if (l->fields[i].names[k] && strcmp(l->fields[i].names[k], name) == 0)
                return &l->fields[i];
    return NULL;
}

static const nmap *nmap_find_id(const nmap_list *l, int32_t id)
{
    for (size_t i = 0; l && i < l->n; i++)
        if (l->fields[i].id == id)
            return &l->fields[i];
    return NULL;
}

/* Field ids of the file's nodes (-1: none), from the file, else the
 * mapping in scope; repeated groups without an id pass the scope on. */
static void assign_ids(const ko_pq_schema *fs, int32_t node, const nmap_list *scope, int32_t *fid,
                       int depth)
{
    if (depth > MAX_PATH_DEPTH)
        return;
    for (int32_t c = fs->nodes[node].first_child; c >= 0; c = fs->nodes[c].next_sibling) {
        const ko_pq_schema_element *el = fs->nodes[c].el;
        const nmap *m =
            el->has_field_id ? nmap_find_id(scope, el->field_id) : nmap_find(scope, el->name);
        fid[c] = el->has_field_id ? el->field_id : m && m->id >= 0 ? m->id : -1;
        nmap_list inner = {m ? m->fields : NULL, m ? m->n_fields : 0};
        bool transparent =
            !m && !el->has_field_id && el->has_repetition && el->repetition == KO_PQ_REPEATED;
        assign_ids(fs, c, transparent ? scope : &inner, fid, depth + 1);
    }
}

/* ===================================================== leaf matching */

/* The nodes from the root's child down to node (root excluded). */
static uint32_t node_path(const ko_pq_schema *s, int32_t node, int32_t out[MAX_PATH_DEPTH])
{
    int32_t rev[MAX_PATH_DEPTH];
    uint32_t n = 0;
    for (int32_t i = node; i > 0 && n < MAX_PATH_DEPTH; i = s->nodes[i].parent)
        rev[n++] = i;
    for (uint32_t k = 0; k < n; k++)
        out[k] = rev[n - 1 - k];
    return n;
}

/* The path's field ids, skipping nodes without one. */
static uint32_t id_path(const ko_pq_schema *s, const int32_t *fid, int32_t leaf_node,
                        int32_t out[MAX_PATH_DEPTH])
{
    int32_t nodes[MAX_PATH_DEPTH];
    uint32_t n = node_path(s, leaf_node, nodes), k = 0;
    for (uint32_t i = 0; i < n; i++) {
        const ko_pq_schema_element *el = s->nodes[nodes[i]].el;
        int32_t id = fid ? fid[nodes[i]] : el->has_field_id ? el->field_id : -1;
        if (id >= 0)
            out[k++] = id;
    }
    return k;
}

typedef enum conv {
    CV_COPY,
    CV_I32_I64,
    CV_F32_F64,
    CV_INT96_US,
    CV_MUL_1000, /* INT64 millis -> micros */
    CV_I32_MUL_1000,
    CV_DIV_1000, /* INT64 nanos -> micros */
    CV_DECIMAL,
} conv;

typedef struct leafmap {
    int32_t file_leaf; /* -1: missing in this file */
    conv cv;
    int32_t target_scale;
    int16_t *def_map; /* file def -> target def */
    bool identity;    /* levels need no translation */
    /* missing leaves */
    int32_t sibling; /* target leaf to copy levels from; -1: none */
    int16_t anc_def, anc_rep;
} leafmap;

static bool is_repeated(const ko_pq_schema_element *el)
{
    return el->has_repetition && el->repetition == KO_PQ_REPEATED;
}

static bool is_millis(const ko_pq_schema_element *el)
{
    return (el->logical.kind == KO_PQ_LT_TIMESTAMP || el->logical.kind == KO_PQ_LT_TIME)
               ? el->logical.unit == KO_PQ_MILLIS
               : el->converted == KO_PQ_CT_TIMESTAMP_MILLIS ||
                     el->converted == KO_PQ_CT_TIME_MILLIS;
}

static bool is_nanos(const ko_pq_schema_element *el)
{
    return el->logical.kind == KO_PQ_LT_TIMESTAMP && el->logical.unit == KO_PQ_NANOS;
}

static bool is_decimal(const ko_pq_schema_element *el)
{
    return el->logical.kind == KO_PQ_LT_DECIMAL || el->converted == KO_PQ_CT_DECIMAL;
}

/* Conversions between different physical types; false when none fits. */
static bool widening(const ko_pq_schema_element *fe, const ko_pq_schema_element *te, conv *cv)
{
    if (is_decimal(te) && is_decimal(fe))
        *cv = CV_DECIMAL;
    else if (te->type == KO_PQ_INT64 && fe->type == KO_PQ_INT96 && !is_nanos(te))
        *cv = CV_INT96_US;
    else if (te->type == KO_PQ_INT64 && fe->type == KO_PQ_INT32)
        *cv = is_millis(fe) ? CV_I32_MUL_1000 : CV_I32_I64;
    else if (te->type == KO_PQ_DOUBLE && fe->type == KO_PQ_FLOAT)
        *cv = CV_F32_F64;
    else
        return false;
    return true;
}

/* How file values become target values; false when they cannot. */
static bool pick_conv(const ko_pq_schema_element *fe, const ko_pq_schema_element *te, conv *cv)
{
    if (fe->type != te->type || fe->type_length != te->type_length)
        return widening(fe, te, cv);
    *cv = CV_COPY;
    if (te->type == KO_PQ_INT64 && is_millis(fe) && !is_millis(te))
        *cv = CV_MUL_1000;
    else if (te->type == KO_PQ_INT64 && is_nanos(fe) && !is_nanos(te))
        *cv = CV_DIV_1000;
    return true;
}

/* File def level -> target def level, node by node along equal-shaped
 * paths; false when the shapes differ. */
static bool level_map(const ko_pq_schema *fs, int32_t fleaf_node, const ko_pq_schema *ts,
                      int32_t tleaf_node, ko_arena *arena, leafmap *lm)
{
    int32_t fp[MAX_PATH_DEPTH], tp[MAX_PATH_DEPTH];
    uint32_t nf = node_path(fs, fleaf_node, fp), nt = node_path(ts, tleaf_node, tp);
    if (nf != nt)
        return false;
    lm->identity = true;
    for (uint32_t i = 0; i < nf; i++) {
        if (is_repeated(fs->nodes[fp[i]].el) != is_repeated(ts->nodes[tp[i]].el))
            return false;
        lm->identity = lm->identity && fs->nodes[fp[i]].max_def == ts->nodes[tp[i]].max_def;
    }
    int16_t fmax = fs->nodes[fleaf_node].max_def;
    lm->def_map = ko_arena_calloc(arena, (size_t)fmax + 1, sizeof *lm->def_map);
    if (!lm->def_map)
        return false;
    for (int16_t d = 0; d <= fmax; d++) {
        uint32_t depth = 0;
        for (uint32_t i = 0; i < nf; i++)
            if (fs->nodes[fp[i]].max_def <= d)
                depth = i + 1;
        lm->def_map[d] = depth ? ts->nodes[tp[depth - 1]].max_def : 0;
    }
    return true;
}

static bool same_ids(const int32_t *a, uint32_t na, const int32_t *b, uint32_t nb)
{
    return na == nb && na > 0 && memcmp(a, b, na * sizeof *a) == 0;
}

static int32_t find_file_leaf(const ko_pq_schema *fs, const int32_t *fid, const int32_t *want,
                              uint32_t n_want)
{
    int32_t ids[MAX_PATH_DEPTH];
    for (uint32_t l = 0; l < fs->n_leaves; l++) {
        uint32_t n = id_path(fs, fid, fs->leaves[l].node, ids);
        if (same_ids(ids, n, want, n_want))
            return (int32_t)l;
    }
    return -1;
}

static uint32_t common_prefix(const ko_pq_schema *ts, int32_t a, int32_t b)
{
    int32_t pa[MAX_PATH_DEPTH], pb[MAX_PATH_DEPTH];
    uint32_t na = node_path(ts, a, pa), nb = node_path(ts, b, pb), k = 0;
    while (k < na && k < nb && pa[k] == pb[k])
        k++;
    return k;
}

/* Chooses where a missing leaf's levels come from. */
static void plan_missing(const ko_pq_schema *ts, leafmap *maps, uint32_t leaf)
{
    uint32_t best = 0;
    int32_t node = ts->leaves[leaf].node;
    maps[leaf].sibling = -1;
    for (uint32_t l = 0; l < ts->n_leaves; l++) {
        if (maps[l].file_leaf < 0)
            continue;
        uint32_t k = common_prefix(ts, node, ts->leaves[l].node);
        if (k > best) {
            best = k;
            maps[leaf].sibling = (int32_t)l;
        }
    }
    if (maps[leaf].sibling >= 0) {
        int32_t path[MAX_PATH_DEPTH];
        node_path(ts, node, path);
        maps[leaf].anc_def = ts->nodes[path[best - 1]].max_def;
        maps[leaf].anc_rep = ts->nodes[path[best - 1]].max_rep;
    }
}

/* ========================================================== cursor */

typedef struct cursor {
    const char *path; /* recorded, for messages */
    ko_pq_reader *pr;
    const target *tg;
    leafmap *maps;
    ko_pq_column raw;
    ko_pq_column *cols; /* one per target leaf */
    uint32_t rg;
    int64_t row_base, rows; /* first row and rows of the current batch */
    ko_arena arena;
} cursor;

static void cursor_close(cursor *c)
{
    for (uint32_t i = 0; c->cols && i < c->tg->pq.n_leaves; i++)
        ko_pq_column_free(&c->cols[i]);
    ko_pq_column_free(&c->raw);
    ko_pq_reader_close(c->pr);
    ko_arena_free(&c->arena);
    memset(c, 0, sizeof *c);
}

static ko_status map_leaf(cursor *c, const int32_t *fid, uint32_t leaf, ko_err *err)
{
    const ko_pq_schema *ts = &c->tg->pq, *fs = ko_pq_reader_schema(c->pr);
    int32_t want[MAX_PATH_DEPTH];
    leafmap *lm = &c->maps[leaf];
    uint32_t n = id_path(ts, NULL, ts->leaves[leaf].node, want);
    lm->file_leaf = find_file_leaf(fs, fid, want, n);
    if (lm->file_leaf < 0)
        return KO_OK;
    const ko_pq_leaf *fl = &fs->leaves[lm->file_leaf];
    const ko_pq_schema_element *fe = fs->nodes[fl->node].el;
    const ko_pq_schema_element *te = ts->nodes[ts->leaves[leaf].node].el;
    lm->target_scale = te->logical.kind == KO_PQ_LT_DECIMAL ? te->logical.scale : te->scale;
    if (!pick_conv(fe, te, &lm->cv))
        return ko_err_set(err, KO_ERR_UNSUPPORTED,
                          "%s: column %s: file type %s cannot be read as the table's %s", c->path,
                          fl->path, ko_pq_type_name(fe->type), ko_pq_type_name(te->type));
    if (!level_map(fs, fl->node, ts, ts->leaves[leaf].node, &c->arena, lm))
        return ko_err_set(err, KO_ERR_UNSUPPORTED,
                          "%s: column %s: nesting differs from the table's column %s", c->path,
                          fl->path, ts->leaves[leaf].path);
    return KO_OK;
}

static ko_status check_missing(const cursor *c, uint32_t leaf, ko_err *err)
{
    const ko_pq_schema *ts = &c->tg->pq;
    const leafmap *lm = &c->maps[leaf];
    int16_t floor = lm->sibling >= 0 ? lm->anc_def : 0;
    if (ts->leaves[leaf].max_def > floor)
        return KO_OK;
    return ko_err_set(err, KO_ERR_CORRUPT, "%s: required column %s is missing from the file",
                      c->path, ts->leaves[leaf].path);
}

static ko_status map_columns(cursor *c, const nmap_list *names, ko_err *err)
{
    const ko_pq_schema *ts = &c->tg->pq, *fs = ko_pq_reader_schema(c->pr);
    int32_t *fid = ko_arena_calloc(&c->arena, fs->n_nodes, sizeof *fid);
    c->maps = ko_arena_calloc(&c->arena, ts->n_leaves ? ts->n_leaves : 1, sizeof *c->maps);
    c->cols = ko_arena_calloc(&c->arena, ts->n_leaves ? ts->n_leaves : 1, sizeof *c->cols);
    if (!fid || !c->maps || !c->cols)
        return nomem(err);
    assign_ids(fs, 0, names, fid, 0);
    ko_status st = KO_OK;
    for (uint32_t l = 0; l < ts->n_leaves && st == KO_OK; l++)
        st = map_leaf(c, fid, l, err);
    for (uint32_t l = 0; l < ts->n_leaves && st == KO_OK; l++) {
        if (c->maps[l].file_leaf >= 0)
            continue;
        plan_missing(ts, c->maps, l);
        st = check_missing(c, l, err);
    }
    for (uint32_t l = 0; l < ts->n_leaves && st == KO_OK; l++)
        if (ko_pq_column_init(&c->cols[l], &ts->leaves[l]) != KO_OK)
            st = nomem(err);
    return st;
}

static ko_status cursor_open(ko_ice_dir *dir, const ko_ice_data_file *f, const target *tg,
                             const nmap_list *names, cursor *c, ko_err *err)
{
    memset(c, 0, sizeof *c);
    c->path = f->file_path;
    c->tg = tg;
    if (strcasecmp(f->file_format, "parquet") != 0)
        return ko_err_set(err, KO_ERR_UNSUPPORTED, "%s: file format %s is not supported",
                          f->file_path, f->file_format);
    ko_store *store = NULL;
    const char *key = NULL;
    ko_status st = ko_ice_dir_resolve(dir, f->file_path, &c->arena, &store, &key, err);
    if (st == KO_OK)
        st = ko_pq_reader_open(store, key, &c->pr, err);
    if (st == KO_OK)
        st = map_columns(c, names, err);
    if (st != KO_OK) {
        if (!strstr(err ? err->msg : "", f->file_path))
            ko_err_prefix(err, "%s", f->file_path);
        cursor_close(c);
    }
    return st;
}

/* ---------------------------------------------------- column building */

static ko_status push_levels(ko_pq_column *c, int16_t rep, int16_t def)
{
    ko_status st = KO_OK;
    if (c->max_rep > 0)
        st = ko_buf_append(&c->rep, &rep, sizeof rep);
    if (st == KO_OK && c->max_def > 0)
        st = ko_buf_append(&c->def, &def, sizeof def);
    c->n++;
    return st;
}

static ko_status push_value(ko_pq_column *c, const void *p, size_t len)
{
    ko_status st = ko_buf_append(&c->values, p, len);
    if (st == KO_OK && c->type == KO_PQ_BYTE_ARRAY) {
        int64_t end = (int64_t)c->values.len;
        st = ko_buf_append(&c->offsets, &end, sizeof end);
    }
    c->n_values++;
    return st;
}

/* Value i of column c: pointer and length. */
static const uint8_t *value_at(const ko_pq_column *c, size_t i, size_t *len)
{
    if (c->type == KO_PQ_BYTE_ARRAY) {
        const int64_t *off = (const int64_t *)c->offsets.data;
        *len = (size_t)(off[i + 1] - off[i]);
        return c->values.data + off[i];
    }
    *len = c->type == KO_PQ_BOOLEAN ? 1 : ko_pq_value_width(c->type, c->type_length);
    return c->values.data + i * *len;
}

__extension__ typedef __int128 i128;

static i128 dec_read(const uint8_t *p, size_t len, ko_pq_type t)
{
    if (t == KO_PQ_INT32) {
        int32_t v;
        memcpy(&v, p, 4);
        return v;
    }
    if (t == KO_PQ_INT64) {
        int64_t v;
        memcpy(&v, p, 8);
        return v;
    }
    i128 v = len && (p[0] & 0x80) ? -1 : 0;
    for (size_t i = 0; i < len; i++)
        v = (i128)(((unsigned __int128)v << 8) | p[i]);
    return v;
}

static size_t dec_write(i128 v, const ko_pq_column *out, uint8_t buf[16])
{
    if (out->type == KO_PQ_INT32) {
        int32_t x = (int32_t)v;
        memcpy(buf, &x, 4);
        return 4;
    }
    if (out->type == KO_PQ_INT64) {
        int64_t x = (int64_t)v;
        memcpy(buf, &x, 8);
        return 8;
    }
    size_t n = out->type == KO_PQ_FIXED_LEN_BYTE_ARRAY ? (size_t)out->type_length : 16;
    if (n > 16)
        n = 16;
    for (size_t i = 0; i < n; i++)
        buf[n - 1 - i] = (uint8_t)((unsigned __int128)v >> (8 * i));
    return n;
}

/* Julian day of 1970-01-01. */
#define JULIAN_EPOCH 2440588LL

static ko_status convert_value(const leafmap *lm, const ko_pq_column *in, size_t i,
                               ko_pq_column *out)
{
    size_t len = 0;
    const uint8_t *p = value_at(in, i, &len);
    uint8_t buf[16];
    int64_t l = 0;
    int32_t s = 0;
    float f = 0;
    switch (lm->cv) {
    case CV_I32_I64:
    case CV_I32_MUL_1000:
        memcpy(&s, p, 4);
        l = lm->cv == CV_I32_MUL_1000 ? (int64_t)s * 1000 : s;
        return push_value(out, &l, 8);
    case CV_F32_F64: {
        memcpy(&f, p, 4);
        double d = f;
        return push_value(out, &d, 8);
    }
    case CV_INT96_US: {
        int64_t nanos;
        int32_t day;
        memcpy(&nanos, p, 8);
        memcpy(&day, p + 8, 4);
        l = ((int64_t)day - JULIAN_EPOCH) * 86400000000LL + nanos / 1000;
        return push_value(out, &l, 8);
    }
    case CV_MUL_1000:
    case CV_DIV_1000:
        memcpy(&l, p, 8);
        l = lm->cv == CV_MUL_1000 ? l * 1000 : (l >= 0 ? l / 1000 : -((-l + 999) / 1000));
        return push_value(out, &l, 8);
    case CV_DECIMAL:
        return push_value(out, buf, dec_write(dec_read(p, len, in->type), out, buf));
    default:
        return push_value(out, p, len);
    }
}

static ko_status copy_whole(const ko_pq_column *in, ko_pq_column *out)
{
    ko_pq_column_reset(out);
    ko_status st = ko_buf_append(&out->def, in->def.data, in->def.len);
    if (st == KO_OK)
        st = ko_buf_append(&out->rep, in->rep.data, in->rep.len);
    if (st == KO_OK)
        st = ko_buf_append(&out->values, in->values.data, in->values.len);
    if (st == KO_OK && in->type == KO_PQ_BYTE_ARRAY) {
        out->offsets.len = 0;
        st = ko_buf_append(&out->offsets, in->offsets.data, in->offsets.len);
    }
    out->n = in->n;
    out->n_values = in->n_values;
    return st;
}

static ko_status convert_column(const cursor *c, uint32_t leaf, const ko_pq_column *in,
                                ko_pq_column *out, ko_err *err)
{
    const leafmap *lm = &c->maps[leaf];
    if (lm->identity && lm->cv == CV_COPY)
        return copy_whole(in, out) == KO_OK ? KO_OK : nomem(err);
    ko_pq_column_reset(out);
    const int16_t *def = (const int16_t *)in->def.data, *rep = (const int16_t *)in->rep.data;
    size_t vi = 0;
    ko_status st = KO_OK;
    for (size_t i = 0; i < in->n && st == KO_OK; i++) {
        int16_t d = in->max_def ? def[i] : 0, r = in->max_rep ? rep[i] : 0;
        if (d < 0 || d > in->max_def)
            return ko_err_set(err, KO_ERR_CORRUPT, "%s: column %s: bad definition level %d",
                              c->path, c->tg->pq.leaves[leaf].path, (int)d);
        bool present = d == in->max_def;
        int16_t td = lm->def_map[d];
        if (td == out->max_def && !present)
            return ko_err_set(err, KO_ERR_CORRUPT, "%s: column %s: a null in a required column",
                              c->path, c->tg->pq.leaves[leaf].path);
        st = push_levels(out, r, td);
        if (st == KO_OK && present)
            st = convert_value(lm, in, vi++, out);
    }
    return st == KO_OK ? KO_OK : nomem(err);
}

static ko_status synth_missing(const cursor *c, uint32_t leaf, ko_err *err)
{
    const leafmap *lm = &c->maps[leaf];
    ko_pq_column *out = &c->cols[leaf];
    ko_pq_column_reset(out);
    ko_status st = KO_OK;
    if (lm->sibling < 0) {
        for (int64_t i = 0; i < c->rows && st == KO_OK; i++)
            st = push_levels(out, 0, 0);
        return st == KO_OK ? KO_OK : nomem(err);
    }
    const ko_pq_column *s = &c->cols[lm->sibling];
    const int16_t *def = (const int16_t *)s->def.data, *rep = (const int16_t *)s->rep.data;
    for (size_t i = 0; i < s->n && st == KO_OK; i++) {
        int16_t r = s->max_rep ? rep[i] : 0, d = s->max_def ? def[i] : 0;
        if (r <= lm->anc_rep)
            st = push_levels(out, r, d < lm->anc_def ? d : lm->anc_def);
    }
    return st == KO_OK ? KO_OK : nomem(err);
}

/* Reads the next non-empty row group into c->cols; *done at the end. */
static ko_status cursor_next(cursor *c, bool *done, ko_err *err)
{
    const ko_pq_file_meta *m = ko_pq_reader_meta(c->pr);
    *done = false;
    c->row_base += c->rows;
    c->rows = 0;
    while (c->rg < m->n_row_groups && m->row_groups[c->rg].num_rows == 0)
        c->rg++;
    if (c->rg >= m->n_row_groups) {
        *done = true;
        return KO_OK;
    }
    uint32_t rg = c->rg++;
    c->rows = m->row_groups[rg].num_rows;
    ko_status st = KO_OK;
    for (uint32_t l = 0; l < c->tg->pq.n_leaves && st == KO_OK; l++) {
        if (c->maps[l].file_leaf < 0)
            continue;
        st = ko_pq_read_column_chunk(c->pr, rg, (uint32_t)c->maps[l].file_leaf, &c->raw, err);
        if (st == KO_OK)
            st = convert_column(c, l, &c->raw, &c->cols[l], err);
        if (st == KO_OK && ko_pq_column_records(&c->cols[l]) != (size_t)c->rows)
            st = ko_err_set(err, KO_ERR_CORRUPT,
                            "%s: row group %u: column %s has %zu rows, not %lld", c->path, rg,
                            c->tg->pq.leaves[l].path, ko_pq_column_records(&c->cols[l]),
                            (long long)c->rows);
    }
    for (uint32_t l = 0; l < c->tg->pq.n_leaves && st == KO_OK; l++)
        if (c->maps[l].file_leaf < 0)
            st = synth_missing(c, l, err);
    return st;
}

/* ======================================================== deletes */

/* Every (path, position) of one position delete file, sorted. */
typedef struct posfile {
    const ko_ice_data_file *file;
    const char **paths;
    int64_t *pos;
    size_t n;
} posfile;

typedef struct eqset {
    const ko_ice_data_file *file;
    uint32_t *cols; /* target leaves of the equality ids */
    uint32_t n_cols;
    uint64_t *hash; /* open addressing; 0 means empty */
    const uint8_t **key;
    uint32_t *key_len;
    size_t cap, n;
} eqset;

struct ko_ice_reader {
    ko_ice_dir *dir;
    const ko_ice_scan_plan *plan;
    ko_arena arena;
    target data, relaxed, pos;
    nmap_list names, pos_names;
    size_t next_task;
    bool open;
    cursor cur;
    ko_pq_column *out; /* kept rows, one per data leaf */
    ko_buf keep;
    /* deletes of the current task */
    int64_t *dpos;
    size_t n_dpos, cap_dpos;
    eqset **eqs;
    size_t n_eqs;
    /* caches over all tasks */
    posfile *posfiles;
    size_t n_posfiles, cap_posfiles;
    eqset *eqsets;
    size_t n_eqsets, cap_eqsets;
    uint64_t deleted;
};

/* ------------------------------------------------------- positions */

typedef struct posrow {
    const char *path;
    int64_t pos;
} posrow;

static int posrow_cmp(const void *a, const void *b)
{
    const posrow *x = a, *y = b;
    int c = strcmp(x->path, y->path);
    return c ? c : (x->pos > y->pos) - (x->pos < y->pos);
}

static ko_status pos_batch(ko_ice_reader *r, const cursor *c, ko_buf *rows, ko_err *err)
{
    const ko_pq_column *pc = &c->cols[0], *oc = &c->cols[1];
    const int64_t *off = (const int64_t *)pc->offsets.data;
    const char *prev = NULL;
    size_t prev_len = 0;
    for (size_t i = 0; i < pc->n_values && i < oc->n_values; i++) {
        size_t len = (size_t)(off[i + 1] - off[i]);
        const char *p = (const char *)pc->values.data + off[i];
        if (!prev || prev_len != len || memcmp(prev, p, len) != 0) {
            prev = ko_arena_strndup(&r->arena, p, len);
            prev_len = len;
            if (!prev)
                return nomem(err);
        }
        posrow row = {prev, ((const int64_t *)oc->values.data)[i]};
        if (ko_buf_append(rows, &row, sizeof row) != KO_OK)
            return nomem(err);
    }
    return KO_OK;
}

static ko_status posfile_fill(ko_ice_reader *r, posfile *pf, const ko_buf *rows, ko_err *err)
{
    posrow *pr = (posrow *)rows->data;
    size_t n = pr ? rows->len / sizeof(posrow) : 0;
    pf->n = n;
    if (n)
        qsort(pr, n, sizeof *pr, posrow_cmp);
    pf->paths = ko_arena_calloc(&r->arena, n ? n : 1, sizeof *pf->paths);
    pf->pos = ko_arena_calloc(&r->arena, n ? n : 1, sizeof *pf->pos);
    if (!pf->paths || !pf->pos)
        return nomem(err);
    for (size_t i = 0; i < n; i++) {
        pf->paths[i] = pr[i].path;
        pf->pos[i] = pr[i].pos;
    }
    return KO_OK;
}

static ko_status load_posfile(ko_ice_reader *r, const ko_ice_data_file *f, posfile **out,
                              ko_err *err)
{
    for (size_t i = 0; i < r->n_posfiles; i++)
        if (r->posfiles[i].file == f) {
            *out = &r->posfiles[i];
            return KO_OK;
        }
    cursor c;
    ko_buf rows = {0};
    bool done = false;
    ko_status st = cursor_open(r->dir, f, &r->pos, &r->pos_names, &c, err);
    if (st != KO_OK)
        return st;
    while (st == KO_OK && !done) {
        st = cursor_next(&c, &done, err);
        if (st == KO_OK && !done)
            st = pos_batch(r, &c, &rows, err);
    }
    cursor_close(&c);
    if (st == KO_OK) {
        r->posfiles = ko_arena_grow(&r->arena, r->posfiles, r->n_posfiles, &r->cap_posfiles,
                                    sizeof *r->posfiles);
        st = r->posfiles ? KO_OK : nomem(err);
    }
    if (st == KO_OK) {
        posfile *pf = &r->posfiles[r->n_posfiles];
        *pf = (posfile){.file = f};
        st = posfile_fill(r, pf, &rows, err);
        if (st == KO_OK) {
            r->n_posfiles++;
            *out = pf;
        }
    }
    ko_buf_free(&rows);
    return st;
}

/* Appends the positions pf deletes in data file path. */
static ko_status add_positions(ko_ice_reader *r, const posfile *pf, const char *path, ko_err *err)
{
    size_t lo = 0, hi = pf->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(pf->paths[mid], path) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < pf->n && strcmp(pf->paths[i], path) == 0; i++) {
        r->dpos = ko_arena_grow(&r->arena, r->dpos, r->n_dpos, &r->cap_dpos, sizeof *r->dpos);
        if (!r->dpos)
            return nomem(err);
        r->dpos[r->n_dpos++] = pf->pos[i];
    }
    return KO_OK;
}

static int i64_cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* ------------------------------------------------------- equality */

static uint64_t hash_bytes(const uint8_t *p, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ULL;
    return h ? h : 1;
}

/* The equality key of row `row` over the set's columns (flat columns:
 * entry i is row i; vidx[k][row] is the row's value index). */
static ko_status row_key(const eqset *s, const ko_pq_column *cols, size_t *const *vidx, size_t row,
                         ko_buf *key)
{
    ko_buf_reset(key);
    ko_status st = KO_OK;
    for (uint32_t k = 0; k < s->n_cols && st == KO_OK; k++) {
        const ko_pq_column *c = &cols[s->cols[k]];
        const int16_t *def = (const int16_t *)c->def.data;
        uint8_t present = c->max_def == 0 || def[row] == c->max_def;
        st = ko_buf_append(key, &present, 1);
        if (st != KO_OK || !present)
            continue;
        size_t len = 0;
        const uint8_t *p = value_at(c, vidx[k][row], &len);
        uint32_t l32 = (uint32_t)len;
        st = ko_buf_append(key, &l32, sizeof l32);
        if (st == KO_OK)
            st = ko_buf_append(key, p, len);
    }
    return st;
}

static bool eq_lookup(const eqset *s, const uint8_t *k, size_t n, uint64_t h, size_t *slot)
{
    size_t i = (size_t)h & (s->cap - 1);
    while (s->hash[i]) {
        if (s->hash[i] == h && s->key_len[i] == n && memcmp(s->key[i], k, n) == 0) {
            *slot = i;
            return true;
        }
        i = (i + 1) & (s->cap - 1);
    }
    *slot = i;
    return false;
}

static ko_status eq_resize(ko_ice_reader *r, eqset *s, ko_err *err)
{
    size_t ncap = s->cap ? s->cap * 2 : 64;
    eqset t = *s;
    t.cap = ncap;
    t.hash = ko_arena_calloc(&r->arena, ncap, sizeof *t.hash);
    t.key = ko_arena_calloc(&r->arena, ncap, sizeof *t.key);
    t.key_len = ko_arena_calloc(&r->arena, ncap, sizeof *t.key_len);
    if (!t.hash || !t.key || !t.key_len)
        return nomem(err);
    for (size_t i = 0; i < s->cap; i++) {
        size_t slot;
        if (s->hash[i] && !eq_lookup(&t, s->key[i], s->key_len[i], s->hash[i], &slot)) {
            t.hash[slot] = s->hash[i];
            t.key[slot] = s->key[i];
            t.key_len[slot] = s->key_len[i];
        }
    }
    *s = t;
    return KO_OK;
}

static ko_status eq_insert(ko_ice_reader *r, eqset *s, const ko_buf *key, ko_err *err)
{
    if ((s->n + 1) * 2 > s->cap && eq_resize(r, s, err) != KO_OK)
        return KO_ERR_NOMEM;
    uint64_t h = hash_bytes(key->data, key->len);
    size_t slot;
    if (eq_lookup(s, key->data, key->len, h, &slot))
        return KO_OK;
    uint8_t *copy = ko_arena_alloc(&r->arena, key->len ? key->len : 1);
    if (!copy)
        return nomem(err);
    memcpy(copy, key->data, key->len);
    s->hash[slot] = h;
    s->key[slot] = copy;
    s->key_len[slot] = (uint32_t)key->len;
    s->n++;
    return KO_OK;
}

/* Value indexes per row of the set's columns. */
static ko_status value_indexes(ko_ice_reader *r, const eqset *s, const ko_pq_column *cols,
                               size_t rows, ko_arena *arena, size_t ***out, ko_err *err)
{
    (void)r;
    size_t **v = ko_arena_calloc(arena, s->n_cols ? s->n_cols : 1, sizeof *v);
    if (!v)
        return nomem(err);
    for (uint32_t k = 0; k < s->n_cols; k++) {
        const ko_pq_column *c = &cols[s->cols[k]];
        const int16_t *def = (const int16_t *)c->def.data;
        v[k] = ko_arena_calloc(arena, rows ? rows : 1, sizeof **v);
        if (!v[k])
            return nomem(err);
        size_t vi = 0;
        for (size_t i = 0; i < rows && i < c->n; i++) {
            v[k][i] = vi;
            vi += c->max_def == 0 || def[i] == c->max_def;
        }
    }
    *out = v;
    return KO_OK;
}

static ko_status eq_columns(ko_ice_reader *r, const ko_ice_data_file *f, eqset *s, ko_err *err)
{
    const ko_pq_schema *ts = &r->data.pq;
    s->cols =
        ko_arena_calloc(&r->arena, f->n_equality_ids ? f->n_equality_ids : 1, sizeof *s->cols);
    if (!s->cols)
        return nomem(err);
    for (uint32_t k = 0; k < f->n_equality_ids; k++) {
        bool found = false;
        for (uint32_t l = 0; l < ts->n_leaves && !found; l++) {
            const ko_pq_schema_element *el = ts->nodes[ts->leaves[l].node].el;
            if (el->has_field_id && el->field_id == f->equality_ids[k] &&
                ts->leaves[l].max_rep == 0) {
                s->cols[s->n_cols++] = l;
                found = true;
            }
        }
        if (!found)
            return ko_err_set(err, KO_ERR_UNSUPPORTED,
                              "%s: equality field id %d is not a flat column of the read schema",
                              f->file_path, (int)f->equality_ids[k]);
    }
    return KO_OK;
}

static ko_status eq_batch(ko_ice_reader *r, eqset *s, const cursor *c, ko_err *err)
{
    ko_arena tmp = {0};
    size_t **vidx = NULL;
    ko_buf key = {0};
    ko_status st = value_indexes(r, s, c->cols, (size_t)c->rows, &tmp, &vidx, err);
    for (size_t row = 0; row < (size_t)c->rows && st == KO_OK; row++) {
        st = row_key(s, c->cols, vidx, row, &key) == KO_OK ? KO_OK : nomem(err);
        if (st == KO_OK)
            st = eq_insert(r, s, &key, err);
    }
    ko_buf_free(&key);
    ko_arena_free(&tmp);
    return st;
}

static ko_status load_eqset(ko_ice_reader *r, const ko_ice_data_file *f, eqset **out, ko_err *err)
{
    for (size_t i = 0; i < r->n_eqsets; i++)
        if (r->eqsets[i].file == f) {
            *out = &r->eqsets[i];
            return KO_OK;
        }
    eqset s = {.file = f};
    cursor c;
    bool done = false;
    ko_status st = eq_columns(r, f, &s, err);
    if (st == KO_OK)
        st = eq_resize(r, &s, err);
    if (st == KO_OK)
        st = cursor_open(r->dir, f, &r->relaxed, &r->names, &c, err);
    if (st != KO_OK)
        return st;
    while (st == KO_OK && !done) {
        st = cursor_next(&c, &done, err);
        if (st == KO_OK && !done)
            st = eq_batch(r, &s, &c, err);
    }
    cursor_close(&c);
    r->eqsets = st == KO_OK ? ko_arena_grow(&r->arena, r->eqsets, r->n_eqsets, &r->cap_eqsets,
                                            sizeof *r->eqsets)
                            : r->eqsets;
    if (st == KO_OK && !r->eqsets)
        st = nomem(err);
    if (st == KO_OK) {
        r->eqsets[r->n_eqsets] = s;
        *out = &r->eqsets[r->n_eqsets++];
    }
    return st;
}

/* ====================================================== the reader */

/* The names of a position delete file's columns, for files without ids. */
static ko_status position_names(ko_arena *arena, nmap_list *out, ko_err *err)
{
    static const char *const names[] = {"file_path", "pos"};
    nmap *m = ko_arena_calloc(arena, 2, sizeof *m);
    const char **n = ko_arena_calloc(arena, 2, sizeof *n);
    if (!m || !n)
        return nomem(err);
    for (int i = 0; i < 2; i++) {
        n[i] = names[i];
        m[i] = (nmap){.id = i == 0 ? POS_PATH_ID : POS_POS_ID, .names = &n[i], .n_names = 1};
    }
    *out = (nmap_list){m, 2};
    return KO_OK;
}

ko_status ko_ice_reader_open(ko_ice_dir *dir, const ko_ice_scan_plan *plan, ko_ice_reader **out,
                             ko_err *err)
{
    *out = NULL;
    if (!plan || !plan->schema)
        return ko_err_set(err, KO_ERR_INVALID, "reader: a scan plan with a schema is required");
    ko_ice_reader *r = calloc(1, sizeof *r);
    if (!r)
        return nomem(err);
    r->dir = dir;
    r->plan = plan;
    ko_status st = target_from_schema(plan->schema, &r->arena, &r->data, err);
    if (st == KO_OK)
        st = target_relaxed(plan->schema, &r->arena, &r->relaxed, err);
    if (st == KO_OK)
        st = target_positions(&r->arena, &r->pos, err);
    if (st == KO_OK)
        st = table_names(ko_ice_dir_meta(dir), plan->schema, &r->arena, &r->names, err);
    if (st == KO_OK)
        st = position_names(&r->arena, &r->pos_names, err);
    size_t nl = r->data.pq.n_leaves;
    r->out = st == KO_OK ? ko_arena_calloc(&r->arena, nl ? nl : 1, sizeof *r->out) : NULL;
    if (st == KO_OK && !r->out)
        st = nomem(err);
    for (size_t l = 0; l < nl && st == KO_OK; l++)
        if (ko_pq_column_init(&r->out[l], &r->data.pq.leaves[l]) != KO_OK)
            st = nomem(err);
    if (st != KO_OK) {
        ko_ice_reader_close(r);
        return st;
    }
    *out = r;
    return KO_OK;
}

const ko_pq_schema *ko_ice_reader_schema(const ko_ice_reader *r)
{
    return &r->data.pq;
}

uint64_t ko_ice_reader_deleted_rows(const ko_ice_reader *r)
{
    return r->deleted;
}

void ko_ice_reader_close(ko_ice_reader *r)
{
    if (!r)
        return;
    if (r->open)
        cursor_close(&r->cur);
    for (size_t l = 0; r->out && l < r->data.pq.n_leaves; l++)
        ko_pq_column_free(&r->out[l]);
    ko_buf_free(&r->keep);
    ko_arena_free(&r->arena);
    free(r);
}

/* Loads the deletes of task t into r->dpos (sorted) and r->eqs. */
static ko_status task_deletes(ko_ice_reader *r, const ko_ice_scan_task *t, ko_err *err)
{
    r->n_dpos = 0;
    r->n_eqs = 0;
    r->eqs = t->n_deletes ? ko_arena_calloc(&r->arena, t->n_deletes, sizeof(eqset *)) : NULL;
    if (t->n_deletes && !r->eqs)
        return nomem(err);
    ko_status st = KO_OK;
    for (uint32_t i = 0; i < t->n_deletes && st == KO_OK; i++) {
        const ko_ice_data_file *d = t->deletes[i].file;
        if (d->content == KO_ICE_CONTENT_POSITION_DELETES) {
            posfile *pf = NULL;
            st = load_posfile(r, d, &pf, err);
            if (st == KO_OK)
                st = add_positions(r, pf, t->file->file_path, err);
        } else {
            st = load_eqset(r, d, &r->eqs[r->n_eqs], err);
            r->n_eqs += st == KO_OK;
        }
    }
    if (st == KO_OK && r->n_dpos)
        qsort(r->dpos, r->n_dpos, sizeof *r->dpos, i64_cmp);
    return st;
}

/* Marks deleted rows of the current batch in keep[]; returns rows kept. */
static ko_status mark_deleted(ko_ice_reader *r, uint8_t *keep, size_t rows, size_t *kept,
                              ko_err *err)
{
    const cursor *c = &r->cur;
    memset(keep, 1, rows);
    for (size_t i = 0; i < r->n_dpos; i++) {
        int64_t p = r->dpos[i] - c->row_base;
        if (p >= 0 && p < (int64_t)rows)
            keep[p] = 0;
    }
    ko_status st = KO_OK;
    ko_arena tmp = {0};
    ko_buf key = {0};
    for (size_t e = 0; e < r->n_eqs && st == KO_OK; e++) {
        const eqset *s = r->eqs[e];
        size_t **vidx = NULL;
        st = value_indexes(r, s, c->cols, rows, &tmp, &vidx, err);
        for (size_t row = 0; row < rows && st == KO_OK; row++) {
            size_t slot;
            if (!keep[row])
                continue;
            st = row_key(s, c->cols, vidx, row, &key) == KO_OK ? KO_OK : nomem(err);
            if (st == KO_OK &&
                eq_lookup(s, key.data, key.len, hash_bytes(key.data, key.len), &slot))
                keep[row] = 0;
        }
    }
    ko_buf_free(&key);
    ko_arena_free(&tmp);
    *kept = 0;
    for (size_t i = 0; i < rows; i++)
        *kept += keep[i];
    return st;
}

/* Copies the records of in that keep[] marks into out. */
static ko_status filter_column(const ko_pq_column *in, const uint8_t *keep, ko_pq_column *out)
{
    ko_pq_column_reset(out);
    const int16_t *def = (const int16_t *)in->def.data, *rep = (const int16_t *)in->rep.data;
    size_t record = 0, vi = 0;
    ko_status st = KO_OK;
    for (size_t i = 0; i < in->n && st == KO_OK; i++) {
        int16_t r = in->max_rep ? rep[i] : 0, d = in->max_def ? def[i] : 0;
        if (r == 0 && i > 0)
            record++;
        bool present = d == in->max_def;
        if (keep[record]) {
            st = push_levels(out, r, d);
            if (st == KO_OK && present) {
                size_t len = 0;
                const uint8_t *p = value_at(in, vi, &len);
                st = push_value(out, p, len);
            }
        }
        vi += present;
    }
    return st;
}

static ko_status open_task(ko_ice_reader *r, ko_err *err)
{
    const ko_ice_scan_task *t = &r->plan->tasks[r->next_task++];
    ko_status st = task_deletes(r, t, err);
    if (st == KO_OK)
        st = cursor_open(r->dir, t->file, &r->data, &r->names, &r->cur, err);
    r->open = st == KO_OK;
    return st;
}

static ko_status apply_deletes(ko_ice_reader *r, const ko_pq_column **cols, size_t *n_rows,
                               ko_err *err)
{
    size_t rows = (size_t)r->cur.rows, kept = rows;
    *cols = r->cur.cols;
    *n_rows = rows;
    if (!r->n_dpos && !r->n_eqs)
        return KO_OK;
    ko_buf_reset(&r->keep);
    if (ko_buf_reserve(&r->keep, rows + 1) != KO_OK)
        return nomem(err);
    ko_status st = mark_deleted(r, r->keep.data, rows, &kept, err);
    if (st != KO_OK || kept == rows)
        return st;
    r->deleted += rows - kept;
    for (uint32_t l = 0; l < r->data.pq.n_leaves && st == KO_OK; l++)
        st = filter_column(&r->cur.cols[l], r->keep.data, &r->out[l]);
    if (st != KO_OK)
        return nomem(err);
    *cols = r->out;
    *n_rows = kept;
    return KO_OK;
}

ko_status ko_ice_reader_next(ko_ice_reader *r, const ko_pq_column **cols, size_t *n_rows,
                             bool *done, ko_err *err)
{
    *done = false;
    *cols = NULL;
    *n_rows = 0;
    for (;;) {
        if (!r->open && r->next_task >= r->plan->n_tasks) {
            *done = true;
            return KO_OK;
        }
        ko_status st = r->open ? KO_OK : open_task(r, err);
        bool end = false;
        if (st == KO_OK)
            st = cursor_next(&r->cur, &end, err);
        if (st != KO_OK)
            return st;
        if (end) {
            cursor_close(&r->cur);
            r->open = false;
            continue;
        }
        st = apply_deletes(r, cols, n_rows, err);
        if (st != KO_OK || *n_rows > 0)
            return st;
    }
}
