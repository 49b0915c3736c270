/*
 * shred.c - records into Dremel column batches (parquet.h, ko_pq_column).
 *
 * The plan mirrors the table's Iceberg schema as ko_ice_schema_to_parquet
 * lays it out: every field knows the definition level of a present value
 * (+1 for an optional field, +1 for a non-empty list or map's repeated
 * group) and the repetition level its items start with; primitives know
 * their leaf column.  Leaves under a field are contiguous, so a null or
 * an empty list writes one level entry to each of them.  The plan is
 * checked against the writer's Parquet leaves (levels and order).
 *
 * A record is shredded straight into the batch.  If a value is rejected
 * half-way, every column is cut back to the mark taken before the record
 * (entry, value and buffer lengths), so a reject leaves no trace.
 */
#include "ingest/ingest_int.h"

#include <stdio.h>
#include <string.h>

/* ----------------------------------------------------------------- plan */

typedef struct plan_build {
    ko_arena *arena;
    uint32_t next_leaf;
    const ko_pq_schema *pq;
    ko_err *err;
} plan_build;

static ko_status plan_field(plan_build *b, ki_plan *p, const ko_ice_field *f, int16_t def,
                            int16_t rep);

static ko_status plan_kids(plan_build *b, ki_plan *p, const ko_ice_type *t, int16_t def,
                           int16_t rep)
{
    p->n_kids = t->n_fields;
    p->kids = ko_arena_calloc(b->arena, t->n_fields ? t->n_fields : 1, sizeof *p->kids);
    if (!p->kids)
        return ko_err_set(b->err, KO_ERR_NOMEM, "out of memory planning ingest");
    ko_status st = KO_OK;
    for (uint32_t i = 0; st == KO_OK && i < t->n_fields; i++)
        st = plan_field(b, &p->kids[i], &t->fields[i], def, rep);
    return st;
}

static ko_status plan_field(plan_build *b, ki_plan *p, const ko_ice_field *f, int16_t def,
                            int16_t rep)
{
    p->field = f;
    p->def = (int16_t)(def + !f->required);
    p->rep = rep;
    p->leaf = -1;
    p->first_leaf = b->next_leaf;
    ko_status st = KO_OK;
    if (ko_ice_type_is_primitive(&f->type)) {
        p->leaf = (int32_t)b->next_leaf++;
        if ((uint32_t)p->leaf >= b->pq->n_leaves)
            return ko_err_set(b->err, KO_ERR_INTERNAL, "ingest plan: more leaves than the schema");
        const ko_pq_leaf *lf = &b->pq->leaves[p->leaf];
        if (lf->max_def != p->def || lf->max_rep != rep)
            return ko_err_set(b->err, KO_ERR_INTERNAL,
                              "ingest plan: levels of %s disagree with the Parquet schema",
                              lf->path);
    } else if (f->type.id == KO_ICE_STRUCT) {
        st = plan_kids(b, p, &f->type, p->def, rep);
    } else {
        /* list / map: the repeated group adds a level of each */
        st = plan_kids(b, p, &f->type, (int16_t)(p->def + 1), (int16_t)(rep + 1));
    }
    p->n_leaves = b->next_leaf - p->first_leaf;
    return st;
}

ko_status ki_shred_init(ki_shred *s, const ko_ice_schema *schema, const ko_pq_schema *pq,
                        ko_arena *arena, ko_err *err)
{
    memset(s, 0, sizeof *s);
    static const ko_ice_field root_field = {.id = 0, .name = "", .required = true};
    plan_build b = {arena, 0, pq, err};
    s->root.field = &root_field;
    s->root.leaf = -1;
    ko_status st = plan_kids(&b, &s->root, &schema->root, 0, 0);
    s->root.n_leaves = b.next_leaf;
    if (st == KO_OK && b.next_leaf != pq->n_leaves)
        st = ko_err_set(err, KO_ERR_INTERNAL, "ingest plan: %u leaves, the Parquet schema has %u",
                        b.next_leaf, pq->n_leaves);
    s->n_cols = pq->n_leaves;
    s->cols = st == KO_OK ? ko_arena_calloc(arena, s->n_cols + 1u, sizeof *s->cols) : NULL;
    s->marks = st == KO_OK ? ko_arena_calloc(arena, s->n_cols + 1u, sizeof *s->marks) : NULL;
    if (st == KO_OK && (!s->cols || !s->marks))
        st = ko_err_set(err, KO_ERR_NOMEM, "out of memory planning ingest");
    for (uint32_t i = 0; st == KO_OK && i < s->n_cols; i++)
        st = ko_pq_column_init(&s->cols[i], &pq->leaves[i]);
    if (st != KO_OK && err->status == KO_OK)
        ko_err_set(err, st, "out of memory planning ingest");
    return st;
}

void ki_shred_free(ki_shred *s)
{
    for (uint32_t i = 0; s->cols && i < s->n_cols; i++)
        ko_pq_column_free(&s->cols[i]);
    ko_buf_free(&s->scratch);
    ki_json_free(&s->sub);
}

void ki_shred_reset(ki_shred *s)
{
    for (uint32_t i = 0; i < s->n_cols; i++)
        ko_pq_column_reset(&s->cols[i]);
    s->rows = 0;
}

size_t ki_shred_bytes(const ki_shred *s)
{
    size_t n = 0;
    for (uint32_t i = 0; i < s->n_cols; i++)
        n += s->cols[i].values.len + s->cols[i].def.len + s->cols[i].rep.len +
             s->cols[i].offsets.len;
    return n;
}

/* ------------------------------------------------------------- columns */

static void mark_all(ki_shred *s)
{
    for (uint32_t i = 0; i < s->n_cols; i++) {
        const ko_pq_column *c = &s->cols[i];
        s->marks[i] =
            (ki_mark){c->n, c->n_values, c->def.len, c->rep.len, c->values.len, c->offsets.len};
    }
}

static void rollback_all(ki_shred *s)
{
    for (uint32_t i = 0; i < s->n_cols; i++) {
        ko_pq_column *c = &s->cols[i];
        const ki_mark *m = &s->marks[i];
        c->n = m->n;
        c->n_values = m->n_values;
        c->def.len = m->def;
        c->rep.len = m->rep;
        c->values.len = m->values;
        c->offsets.len = m->offsets;
    }
}

/* ko_buf_append, inlined while there is room (the hot path: a few bytes
 * per value). */
static inline bool put(ko_buf *b, const void *v, size_t n)
{
    if (b->cap - b->len <= n)
        return ko_buf_append(b, v, n) == KO_OK;
    memcpy(b->data + b->len, v, n);
    b->len += n;
    b->data[b->len] = 0;
    return true;
}

static bool push_levels(ko_pq_column *c, int16_t rep, int16_t def)
{
    if (c->max_def > 0 && !put(&c->def, &def, sizeof def))
        return false;
    if (c->max_rep > 0 && !put(&c->rep, &rep, sizeof rep))
        return false;
    c->n++;
    return true;
}

static bool push_value(ko_pq_column *c, const void *v, size_t len)
{
    if (len && !put(&c->values, v, len))
        return false;
    if (c->type == KO_PQ_BYTE_ARRAY) {
        int64_t end = (int64_t)c->values.len;
        if (!put(&c->offsets, &end, sizeof end))
            return false;
    }
    c->n_values++;
    return true;
}

/* ------------------------------------------------------------- shredding */

typedef struct sh {
    ki_shred *s;
    const ki_json *doc;
    ki_fail *f;
    bool nomem;
} sh;

static void path_push(ki_shred *s, const char *name, int64_t idx)
{
    if (s->depth < 64) {
        s->path_name[s->depth] = name;
        s->path_idx[s->depth] = idx;
    }
    s->depth++;
}

/* Writes the path of the value being shredded into f->field. */
static void path_fill(const ki_shred *s, ki_fail *f)
{
    size_t o = 0;
    int d = s->depth < 64 ? s->depth : 64;
    f->field[0] = '\0';
    for (int i = 0; i < d && o + 1 < sizeof f->field; i++) {
        int w;
        if (s->path_idx[i] >= 0)
            w = snprintf(f->field + o, sizeof f->field - o, "[%lld]", (long long)s->path_idx[i]);
        else
            w = snprintf(f->field + o, sizeof f->field - o, "%s%s", o ? "." : "",
                         s->path_name[i] ? s->path_name[i] : "");
        if (w < 0)
            break;
        o += (size_t)w;
    }
}

static ki_reason fail_here(sh *h, ki_reason r)
{
    path_fill(h->s, h->f);
    return r;
}

static bool emit_null(sh *h, const ki_plan *p, int16_t rep, int16_t def)
{
    for (uint32_t i = 0; i < p->n_leaves; i++)
        if (!push_levels(&h->s->cols[p->first_leaf + i], rep, def)) {
            h->nomem = true;
            return false;
        }
    return true;
}

static ki_reason shred_value(sh *h, const ki_plan *p, const ki_jnode *v, int16_t rep, int16_t def);

static ki_reason shred_primitive_text(sh *h, const ki_plan *p, ki_src src, const char *t, size_t n,
                                      int16_t rep)
{
    ko_pq_column *c = &h->s->cols[p->leaf];
    uint8_t buf[16];
    const uint8_t *bytes = NULL;
    size_t len = 0;
    ki_reason r = ki_coerce(&p->field->type, c->type, c->type_length, src, t, n, h->s->max_value,
                            buf, &bytes, &len, &h->s->scratch, h->f);
    if (r != KI_OK)
        return fail_here(h, r);
    if (!push_levels(c, rep, p->def) || !push_value(c, bytes ? bytes : buf, len)) {
        h->nomem = true;
        return ki_failf(h->f, KI_INVALID_VALUE, "out of memory");
    }
    return KI_OK;
}

static ki_reason shred_primitive(sh *h, const ki_plan *p, const ki_jnode *v, int16_t rep)
{
    switch (v->type) {
    case KI_J_NUM:
        return shred_primitive_text(h, p, KI_SRC_NUM, h->doc->text + v->off, v->len, rep);
    case KI_J_STR:
        return shred_primitive_text(h, p, KI_SRC_STR, ki_jstr(h->doc, v->off), v->len, rep);
    case KI_J_TRUE:
        return shred_primitive_text(h, p, KI_SRC_BOOL, "true", 4, rep);
    case KI_J_FALSE:
        return shred_primitive_text(h, p, KI_SRC_BOOL, "false", 5, rep);
    default:
        ki_failf(h->f, KI_WRONG_TYPE, "an %s is not a %s", v->type == KI_J_ARR ? "array" : "object",
                 ko_ice_type_name(p->field->type.id));
        return fail_here(h, KI_WRONG_TYPE);
    }
}

static const ki_jnode *next_of(const ki_json *d, const ki_jnode *parent, const ki_jnode *c)
{
    if (!c)
        return parent->n ? ki_jnode_at(d, parent->first) : NULL;
    return c->next ? ki_jnode_at(d, c->next) : NULL;
}

static bool key_is(const ki_json *d, const ki_jnode *m, const char *name)
{
    const char *k = ki_jstr(d, m->key_off);
    if (m->key_len == 0 || k[0] != name[0]) /* most mismatches end here */
        return m->key_len == 0 && name[0] == '\0';
    size_t n = strlen(name);
    return m->key_len == n && memcmp(k, name, n) == 0;
}

/* The member of object o named like field k, trying `hint` (the member
 * after the previous match) first: records usually list fields in order. */
static const ki_jnode *member(const ki_json *d, const ki_jnode *o, const ki_jnode *hint,
                              const char *name)
{
    if (hint && key_is(d, hint, name))
        return hint;
    for (const ki_jnode *m = next_of(d, o, NULL); m; m = next_of(d, o, m))
        if (key_is(d, m, name))
            return m;
    return NULL;
}

static ki_reason check_unknown(sh *h, const ki_plan *p, const ki_jnode *o, uint32_t matched)
{
    if (matched == o->n || h->s->ignore_unknown)
        return KI_OK;
    for (const ki_jnode *m = next_of(h->doc, o, NULL); m; m = next_of(h->doc, o, m)) {
        bool known = false;
        for (uint32_t i = 0; i < p->n_kids && !known; i++)
            known = key_is(h->doc, m, p->kids[i].field->name);
        if (!known) {
            path_fill(h->s, h->f);
            size_t o_len = strlen(h->f->field);
            snprintf(h->f->field + o_len, sizeof h->f->field - o_len, "%s%.*s", o_len ? "." : "",
                     (int)(m->key_len > 100 ? 100 : m->key_len), ki_jstr(h->doc, m->key_off));
            return ki_failf(h->f, KI_UNKNOWN_FIELD, "the table has no column '%.*s'",
                            (int)(m->key_len > 100 ? 100 : m->key_len),
                            ki_jstr(h->doc, m->key_off));
        }
    }
    return KI_OK;
}

static ki_reason shred_struct(sh *h, const ki_plan *p, const ki_jnode *o, int16_t rep)
{
    if (o->type != KI_J_OBJ) {
        ki_failf(h->f, KI_WRONG_TYPE, "a struct needs an object");
        return fail_here(h, KI_WRONG_TYPE);
    }
    const ki_jnode *hint = next_of(h->doc, o, NULL);
    uint32_t matched = 0;
    for (uint32_t i = 0; i < p->n_kids; i++) {
        const ki_plan *k = &p->kids[i];
        const ki_jnode *m = member(h->doc, o, hint, k->field->name);
        hint = m ? next_of(h->doc, o, m) : NULL;
        matched += m != NULL;
        path_push(h->s, k->field->name, -1);
        ki_reason r;
        if (!m && k->field->required) {
            r = ki_failf(h->f, KI_MISSING_FIELD, "required field '%s' is missing", k->field->name);
            fail_here(h, r);
        } else {
            r = shred_value(h, k, m, rep, p->def);
        }
        h->s->depth--;
        if (r != KI_OK)
            return r;
    }
    return check_unknown(h, p, o, matched);
}

static ki_reason shred_list(sh *h, const ki_plan *p, const ki_jnode *a, int16_t rep)
{
    if (a->type != KI_J_ARR) {
        ki_failf(h->f, KI_WRONG_TYPE, "a list needs an array");
        return fail_here(h, KI_WRONG_TYPE);
    }
    if (a->n == 0)
        return emit_null(h, p, rep, p->def) ? KI_OK : KI_INVALID_VALUE;
    int64_t i = 0;
    for (const ki_jnode *e = next_of(h->doc, a, NULL); e; e = next_of(h->doc, a, e), i++) {
        path_push(h->s, NULL, i);
        ki_reason r =
            shred_value(h, &p->kids[0], e, i ? (int16_t)(p->rep + 1) : rep, (int16_t)(p->def + 1));
        h->s->depth--;
        if (r != KI_OK)
            return r;
    }
    return KI_OK;
}

static ki_reason shred_map_key(sh *h, const ki_plan *kp, const ki_jnode *m, int16_t rep)
{
    const ki_plan *k = &kp->kids[0];
    if (ko_ice_type_is_primitive(&k->field->type))
        return shred_primitive_text(h, k,
                                    k->field->type.id == KO_ICE_STRING ? KI_SRC_STR : KI_SRC_TEXT,
                                    ki_jstr(h->doc, m->key_off), m->key_len, rep);
    ki_failf(h->f, KI_WRONG_TYPE, "map keys of type %s cannot come from object member names",
             ko_ice_type_name(k->field->type.id));
    return fail_here(h, KI_WRONG_TYPE);
}

static ki_reason shred_map(sh *h, const ki_plan *p, const ki_jnode *o, int16_t rep)
{
    if (o->type != KI_J_OBJ && o->type != KI_J_ARR) {
        ki_failf(h->f, KI_WRONG_TYPE, "a map needs an object or an array of {key, value}");
        return fail_here(h, KI_WRONG_TYPE);
    }
    if (o->n == 0)
        return emit_null(h, p, rep, p->def) ? KI_OK : KI_INVALID_VALUE;
    int64_t i = 0;
    int16_t def = (int16_t)(p->def + 1);
    for (const ki_jnode *m = next_of(h->doc, o, NULL); m; m = next_of(h->doc, o, m), i++) {
        int16_t r_i = i ? (int16_t)(p->rep + 1) : rep;
        path_push(h->s, NULL, i);
        ki_reason r;
        if (o->type == KI_J_OBJ) {
            r = shred_map_key(h, p, m, r_i);
            if (r == KI_OK)
                r = shred_value(h, &p->kids[1], m, r_i, def);
        } else if (m->type != KI_J_OBJ) {
            r = ki_failf(h->f, KI_WRONG_TYPE, "a map entry needs an object {key, value}");
            fail_here(h, r);
        } else {
            const ki_jnode *k = member(h->doc, m, NULL, "key");
            const ki_jnode *v = member(h->doc, m, NULL, "value");
            r = k ? shred_value(h, &p->kids[0], k, r_i, def)
                  : fail_here(h, ki_failf(h->f, KI_MISSING_FIELD, "a map entry has no key"));
            if (r == KI_OK)
                r = shred_value(h, &p->kids[1], v, r_i, def);
        }
        h->s->depth--;
        if (r != KI_OK)
            return r;
    }
    return KI_OK;
}

/* v == NULL: absent. */
static ki_reason shred_value(sh *h, const ki_plan *p, const ki_jnode *v, int16_t rep, int16_t def)
{
    if (!v || v->type == KI_J_NULL) {
        if (p->field->required) {
            ki_reason r = v ? ki_failf(h->f, KI_NULL_IN_REQUIRED, "null in required field")
                            : ki_failf(h->f, KI_MISSING_FIELD, "required field is missing");
            return fail_here(h, r);
        }
        return emit_null(h, p, rep, def) ? KI_OK
                                         : ki_failf(h->f, KI_INVALID_VALUE, "out of memory");
    }
    switch (p->field->type.id) {
    case KO_ICE_STRUCT:
        return shred_struct(h, p, v, rep);
    case KO_ICE_LIST:
        return shred_list(h, p, v, rep);
    case KO_ICE_MAP:
        return shred_map(h, p, v, rep);
    default:
        return shred_primitive(h, p, v, rep);
    }
}

ki_reason ki_shred_json(ki_shred *s, const ki_json *doc, ki_fail *f, bool *nomem)
{
    const ki_jnode *root = ki_jnode_at(doc, 0);
    f->field[0] = '\0';
    if (root->type != KI_J_OBJ)
        return ki_failf(f, KI_NOT_AN_OBJECT, "a record must be a JSON object");
    mark_all(s);
    s->depth = 0;
    sh h = {s, doc, f, false};
    ki_reason r = shred_struct(&h, &s->root, root, 0);
    if (r != KI_OK || h.nomem) {
        rollback_all(s);
        *nomem = h.nomem;
        return r != KI_OK ? r : KI_INVALID_VALUE;
    }
    s->rows++;
    return KI_OK;
}

/* ------------------------------------------------------------------ CSV */

static ki_reason csv_nested(sh *h, const ki_plan *p, const ki_field *fld)
{
    ki_reason r = ki_json_parse(&h->s->sub, fld->p, fld->len, h->f, &h->nomem);
    if (r != KI_OK) {
        char d[KI_DETAIL_MAX];
        snprintf(d, sizeof d, "%s", h->f->detail);
        ki_failf(h->f, r, "the field's JSON text: %s", d);
        return fail_here(h, r);
    }
    sh sub = {h->s, &h->s->sub, h->f, false};
    r = shred_value(&sub, p, ki_jnode_at(&h->s->sub, 0), 0, 0);
    h->nomem = h->nomem || sub.nomem;
    return r;
}

static ki_reason csv_field(sh *h, const ki_plan *p, const ki_field *fld)
{
    if (!fld || (fld->len == 0 && !fld->quoted)) {
        if (p->field->required) {
            ki_reason r = fld ? ki_failf(h->f, KI_NULL_IN_REQUIRED, "empty value in required field")
                              : ki_failf(h->f, KI_MISSING_FIELD, "required column is missing");
            return fail_here(h, r);
        }
        return emit_null(h, p, 0, 0) ? KI_OK : ki_failf(h->f, KI_INVALID_VALUE, "out of memory");
    }
    if (!ko_ice_type_is_primitive(&p->field->type))
        return csv_nested(h, p, fld);
    return shred_primitive_text(h, p, KI_SRC_TEXT, fld->p, fld->len, 0);
}

ki_reason ki_shred_csv(ki_shred *s, const ki_rec *rec, const int32_t *field_col, ki_fail *f,
                       bool *nomem)
{
    f->field[0] = '\0';
    mark_all(s);
    s->depth = 0;
    sh h = {s, NULL, f, false};
    ki_reason r = KI_OK;
    for (uint32_t k = 0; k < s->root.n_kids && r == KI_OK; k++) {
        int32_t c = field_col[k];
        const ki_field *fld = c >= 0 && (size_t)c < rec->n_fields ? &rec->fields[c] : NULL;
        path_push(s, s->root.kids[k].field->name, -1);
        r = csv_field(&h, &s->root.kids[k], fld);
        s->depth--;
    }
    if (r != KI_OK || h.nomem) {
        rollback_all(s);
        *nomem = h.nomem;
        return r != KI_OK ? r : KI_INVALID_VALUE;
    }
    s->rows++;
    return KI_OK;
}
