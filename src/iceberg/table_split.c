/*
 * table_split.c - partitioning an append's rows.
 *
 * For every row of a row group (already in the table's representation)
 * the partition tuple is computed with the spec's transforms from the
 * source columns, which the spec rules keep outside lists and maps, so
 * one entry is one row.  Rows are grouped by the tuple's binary key (null
 * flags and Appendix D bytes) in an open-addressing hash table; each row
 * gets its partition's index.  kt_scatter then copies every column's
 * entries to the partitions in one pass, moving runs of consecutive rows
 * of the same partition at once, so an unpartitioned or sorted input
 * costs a few large copies.
 */
#include "iceberg/table_internal.h"

#include <math.h>
#include <string.h>

/* ---------------------------------------------------------------- values */

static ko_status bad_len(const ko_ice_type *t, size_t len, ko_err *err)
{
    return ko_err_set(err, KO_ERR_CORRUPT, "a %s value of %zu bytes", ko_ice_type_name(t->id), len);
}

static ko_status int_value(const ko_ice_type *t, const uint8_t *p, size_t len, ko_ice_value *out,
                           ko_err *err)
{
    if (len == 4) {
        int32_t v;
        memcpy(&v, p, 4);
        *out = t->id == KO_ICE_INT ? ko_ice_value_int(v) : ko_ice_value_int_of(t->id, v);
    } else if (len == 8) {
        int64_t v;
        memcpy(&v, p, 8);
        *out = t->id == KO_ICE_LONG ? ko_ice_value_long(v) : ko_ice_value_int_of(t->id, v);
    } else {
        return bad_len(t, len, err);
    }
    return KO_OK;
}

static ko_status float_value(const ko_ice_type *t, const uint8_t *p, size_t len, ko_ice_value *out,
                             ko_err *err)
{
    if (t->id == KO_ICE_FLOAT && len == 4) {
        float f;
        memcpy(&f, p, 4);
        *out = ko_ice_value_float(f);
    } else if (t->id == KO_ICE_DOUBLE && len == 8) {
        double d;
        memcpy(&d, p, 8);
        *out = ko_ice_value_double(d);
    } else {
        return bad_len(t, len, err);
    }
    return KO_OK;
}

static ko_status decimal_value(const ko_ice_type *t, ko_pq_type phys, const uint8_t *p, size_t len,
                               ko_ice_value *out, ko_err *err)
{
    if (phys == KO_PQ_INT32 || phys == KO_PQ_INT64) {
        int64_t v = 0;
        if (len != (phys == KO_PQ_INT32 ? 4u : 8u))
            return bad_len(t, len, err);
        if (phys == KO_PQ_INT32) {
            int32_t v32;
            memcpy(&v32, p, 4);
            v = v32;
        } else {
            memcpy(&v, p, 8);
        }
        *out = ko_ice_value_decimal(v, t->scale);
        return KO_OK;
    }
    return ko_ice_decimal_from_be(p, len, t->scale, out, err);
}

ko_status kt_plain_value(const ko_ice_type *t, ko_pq_type phys, const uint8_t *p, size_t len,
                         ko_ice_value *out, ko_err *err)
{
    switch (t->id) {
    case KO_ICE_BOOLEAN:
        if (len != 1)
            return bad_len(t, len, err);
        *out = ko_ice_value_bool(p[0] != 0);
        return KO_OK;
    case KO_ICE_INT:
    case KO_ICE_DATE:
    case KO_ICE_LONG:
    case KO_ICE_TIME:
    case KO_ICE_TIMESTAMP:
    case KO_ICE_TIMESTAMPTZ:
    case KO_ICE_TIMESTAMP_NS:
    case KO_ICE_TIMESTAMPTZ_NS:
        return int_value(t, p, len, out, err);
    case KO_ICE_FLOAT:
    case KO_ICE_DOUBLE:
        return float_value(t, p, len, out, err);
    case KO_ICE_DECIMAL:
        return decimal_value(t, phys, p, len, out, err);
    case KO_ICE_STRING:
    case KO_ICE_BINARY:
    case KO_ICE_FIXED:
    case KO_ICE_UUID:
        *out = ko_ice_value_bytes(t->id, len ? p : (const uint8_t *)"", len);
        return KO_OK;
    default:
        return ko_err_set(err, KO_ERR_INVALID, "%s is not a primitive type",
                          ko_ice_type_name(t->id));
    }
}

ko_status kt_column_value(const ko_ice_type *t, const ko_pq_column *c, size_t vi, ko_ice_value *out,
                          ko_err *err)
{
    if (c->type == KO_PQ_BYTE_ARRAY) {
        const int64_t *off = (const int64_t *)c->offsets.data;
        return kt_plain_value(t, c->type, c->values.data + off[vi], (size_t)(off[vi + 1] - off[vi]),
                              out, err);
    }
    size_t w = ko_pq_value_width(c->type, c->type_length);
    return kt_plain_value(t, c->type, c->values.data + w * vi, w, out, err);
}

/* ------------------------------------------------------------------ keys */

ko_status kt_tuple_key(const ko_ice_type *types, uint32_t n, const ko_ice_value *tuple, ko_buf *out,
                       ko_err *err)
{
    ko_buf_reset(out);
    for (uint32_t i = 0; i < n; i++) {
        uint8_t flag = tuple[i].is_null ? 0 : 1;
        if (ko_buf_append(out, &flag, 1) != KO_OK)
            return kt_nomem(err);
        if (tuple[i].is_null)
            continue;
        size_t at = out->len;
        uint32_t len = 0;
        if (ko_buf_append(out, &len, sizeof len) != KO_OK)
            return kt_nomem(err);
        ko_status st = ko_ice_value_to_bytes(&types[i], &tuple[i], out, err);
        if (st != KO_OK)
            return st;
        len = (uint32_t)(out->len - at - sizeof len);
        memcpy(out->data + at, &len, sizeof len);
    }
    return KO_OK;
}

/* ------------------------------------------------------------- splitting */

typedef struct source {
    const ko_ice_type *type; /* source column type */
    const ko_ice_transform *tr;
    const ko_pq_column *col;
    const int16_t *def;
    size_t next_value;
} source;

typedef struct splitter {
    const ko_ice_partition_spec *spec;
    source *src;
    ko_ice_value *tuple; /* scratch */
    ko_buf key;
    uint32_t *slots; /* part index + 1; 0 empty */
    size_t cap;
    ko_arena *arena;
    kt_split *out;
    size_t parts_cap;
    ko_err *err;
} splitter;

static ko_status find_sources(splitter *s, const ko_ice_schema *schema, const ko_pq_schema *pq,
                              const ko_pq_column *cols, ko_ice_type *types)
{
    for (uint32_t f = 0; f < s->spec->n_fields; f++) {
        const ko_ice_partition_field *pf = &s->spec->fields[f];
        const ko_ice_field *field = ko_ice_schema_find_id(schema, pf->source_id);
        int32_t leaf = -1;
        for (uint32_t l = 0; field && l < pq->n_leaves && leaf < 0; l++) {
            const ko_pq_schema_element *e = pq->nodes[pq->leaves[l].node].el;
            if (e->has_field_id && e->field_id == pf->source_id && pq->leaves[l].max_rep == 0)
                leaf = (int32_t)l;
        }
        if (leaf < 0)
            return ko_err_set(s->err, KO_ERR_INVALID,
                              "partition field '%s': source column %d is not a primitive column "
                              "of the table",
                              pf->name, (int)pf->source_id);
        ko_status st =
            ko_ice_transform_result_type(&pf->transform, &field->type, &types[f], s->err);
        if (st != KO_OK)
            return ko_err_prefix(s->err, "partition field '%s'", pf->name);
        s->src[f] = (source){.type = &field->type,
                             .tr = &pf->transform,
                             .col = &cols[leaf],
                             .def = (const int16_t *)cols[leaf].def.data};
    }
    return KO_OK;
}

/* The tuple of row r into s->tuple. */
static ko_status row_tuple(splitter *s, size_t r)
{
    for (uint32_t f = 0; f < s->spec->n_fields; f++) {
        source *src = &s->src[f];
        bool present = src->col->max_def == 0 || src->def[r] == src->col->max_def;
        ko_ice_value v = ko_ice_value_null(src->type->id);
        ko_status st =
            present ? kt_column_value(src->type, src->col, src->next_value++, &v, s->err) : KO_OK;
        if (st == KO_OK)
            st = ko_ice_transform_apply(src->tr, src->type, &v, &s->tuple[f], s->err);
        if (st != KO_OK)
            return ko_err_prefix(s->err, "row %zu: partition field '%s'", r,
                                 s->spec->fields[f].name);
    }
    return KO_OK;
}

static ko_status add_part(splitter *s, uint32_t *index)
{
    kt_split *o = s->out;
    if (o->n_parts == s->parts_cap) {
        size_t cap = s->parts_cap ? 2 * s->parts_cap : 8;
        kt_part *p = ko_arena_calloc(s->arena, cap, sizeof *p);
        if (!p)
            return kt_nomem(s->err);
        ko_memcpy0(p, o->parts, o->n_parts * sizeof *p);
        o->parts = p;
        s->parts_cap = cap;
    }
    kt_part *p = &o->parts[o->n_parts];
    uint32_t n = s->spec->n_fields;
    p->tuple = ko_arena_calloc(s->arena, n ? n : 1, sizeof *p->tuple);
    uint8_t *key = ko_arena_alloc(s->arena, s->key.len ? s->key.len : 1);
    if (!p->tuple || !key)
        return kt_nomem(s->err);
    ko_memcpy0(key, s->key.data,
               s->key.len); /* an unpartitioned table's key is empty and its buffer NULL */
    p->key = key;
    p->key_len = s->key.len;
    for (uint32_t f = 0; f < n; f++) {
        p->tuple[f] = s->tuple[f];
        if (!s->tuple[f].is_null && s->tuple[f].bytes) {
            uint8_t *b = ko_arena_alloc(s->arena, s->tuple[f].len ? s->tuple[f].len : 1);
            if (!b)
                return kt_nomem(s->err);
            memcpy(b, s->tuple[f].bytes, s->tuple[f].len);
            p->tuple[f].bytes = b;
        }
    }
    *index = (uint32_t)o->n_parts++;
    return KO_OK;
}

static ko_status rehash(splitter *s)
{
    size_t cap = s->cap ? 2 * s->cap : 64;
    uint32_t *slots = ko_arena_calloc(s->arena, cap, sizeof *slots);
    if (!slots)
        return kt_nomem(s->err);
    for (size_t p = 0; p < s->out->n_parts; p++) {
        const kt_part *pt = &s->out->parts[p];
        size_t h = ko_murmur3_32(pt->key, pt->key_len, 0) & (cap - 1);
        while (slots[h])
            h = (h + 1) & (cap - 1);
        slots[h] = (uint32_t)p + 1;
    }
    s->slots = slots;
    s->cap = cap;
    return KO_OK;
}

/* The partition index of the key in s->key, adding it when new. */
static ko_status lookup(splitter *s, uint32_t *index)
{
    if (2 * (s->out->n_parts + 1) > s->cap) {
        ko_status st = rehash(s);
        if (st != KO_OK)
            return st;
    }
    size_t h = ko_murmur3_32(s->key.data, s->key.len, 0) & (s->cap - 1);
    for (; s->slots[h]; h = (h + 1) & (s->cap - 1)) {
        const kt_part *p = &s->out->parts[s->slots[h] - 1];
        if (p->key_len == s->key.len &&
            (s->key.len == 0 || memcmp(p->key, s->key.data, s->key.len) == 0)) {
            *index = s->slots[h] - 1;
            return KO_OK;
        }
    }
    ko_status st = add_part(s, index);
    if (st == KO_OK)
        s->slots[h] = *index + 1;
    return st;
}

static ko_status split_all(splitter *s, size_t rows)
{
    ko_status st = KO_OK;
    for (size_t r = 0; st == KO_OK && r < rows; r++) {
        uint32_t p = 0;
        st = row_tuple(s, r);
        if (st == KO_OK)
            st = kt_tuple_key(s->out->types, s->spec->n_fields, s->tuple, &s->key, s->err);
        if (st == KO_OK)
            st = lookup(s, &p);
        if (st == KO_OK) {
            s->out->row_part[r] = p;
            s->out->parts[p].n_rows++;
        }
    }
    return st;
}

ko_status kt_split_rows(const ko_ice_partition_spec *spec, const ko_ice_schema *schema,
                        const ko_pq_schema *pq, const ko_pq_column *cols, size_t rows,
                        ko_arena *arena, kt_split *out, ko_err *err)
{
    uint32_t n = spec->n_fields;
    ko_ice_type *types = ko_arena_calloc(arena, n ? n : 1, sizeof *types);
    splitter s = {.spec = spec,
                  .src = ko_arena_calloc(arena, n ? n : 1, sizeof(source)),
                  .tuple = ko_arena_calloc(arena, n ? n : 1, sizeof(ko_ice_value)),
                  .arena = arena,
                  .out = out,
                  .err = err};
    *out = (kt_split){.types = types,
                      .n_fields = n,
                      .row_part = ko_arena_calloc(arena, rows ? rows : 1, sizeof(uint32_t))};
    if (!types || !s.src || !s.tuple || !out->row_part)
        return kt_nomem(err);
    ko_status st = find_sources(&s, schema, pq, cols, types);
    if (st == KO_OK)
        st = split_all(&s, rows);
    ko_buf_free(&s.key);
    return st;
}

/* ------------------------------------------------------------ scattering */

/* Appends src[off, off+n) to dst; an empty slice of an empty buffer (whose
 * data may be NULL) appends nothing. */
static bool append_slice(ko_buf *dst, const ko_buf *src, size_t off, size_t n)
{
    return n == 0 || ko_buf_append(dst, src->data + off, n) == KO_OK;
}

static ko_status append_run(ko_pq_column *d, const ko_pq_column *c, size_t e0, size_t e1, size_t v0,
                            size_t v1, ko_err *err)
{
    size_t ne = e1 - e0;
    bool ok = (c->max_def == 0 || append_slice(&d->def, &c->def, e0 * 2, ne * 2)) &&
              (c->max_rep == 0 || append_slice(&d->rep, &c->rep, e0 * 2, ne * 2));
    if (ok && c->type == KO_PQ_BYTE_ARRAY) {
        const int64_t *off = (const int64_t *)c->offsets.data;
        int64_t base = (int64_t)d->values.len - off[v0];
        ok = append_slice(&d->values, &c->values, (size_t)off[v0], (size_t)(off[v1] - off[v0]));
        for (size_t v = v0 + 1; ok && v <= v1; v++) {
            int64_t o = off[v] + base;
            ok = ko_buf_append(&d->offsets, &o, sizeof o) == KO_OK;
        }
    } else if (ok) {
        size_t w = ko_pq_value_width(c->type, c->type_length);
        ok = append_slice(&d->values, &c->values, v0 * w, (v1 - v0) * w);
    }
    if (!ok)
        return kt_nomem(err);
    d->n += ne;
    d->n_values += v1 - v0;
    return KO_OK;
}

static ko_status scatter_column(const ko_pq_column *c, uint32_t leaf, size_t rows,
                                const uint32_t *row_part, ko_pq_column *const *dst, ko_err *err)
{
    const int16_t *def = (const int16_t *)c->def.data, *rep = (const int16_t *)c->rep.data;
    size_t e = 0, v = 0;
    for (size_t r = 0; r < rows;) {
        uint32_t p = row_part[r];
        size_t e0 = e, v0 = v;
        for (; r < rows && row_part[r] == p; r++) {
            do {
                v += c->max_def == 0 || def[e] == c->max_def;
                e++;
            } while (e < c->n && c->max_rep > 0 && rep[e] != 0);
        }
        ko_status st = append_run(&dst[p][leaf], c, e0, e, v0, v, err);
        if (st != KO_OK)
            return st;
    }
    return KO_OK;
}

ko_status kt_scatter(const ko_pq_column *cols, uint32_t n_leaves, size_t rows,
                     const uint32_t *row_part, ko_pq_column *const *dst, ko_err *err)
{
    for (uint32_t l = 0; l < n_leaves; l++) {
        if (ko_pq_column_records(&cols[l]) != rows)
            return ko_err_set(err, KO_ERR_CORRUPT, "column %u holds %zu records, not %zu", l,
                              ko_pq_column_records(&cols[l]), rows);
        ko_status st = scatter_column(&cols[l], l, rows, row_part, dst, err);
        if (st != KO_OK)
            return st;
    }
    return KO_OK;
}

/* ------------------------------------------------------ distinct tuples */

static uint32_t mix(uint32_t h, const void *p, size_t n)
{
    return ko_murmur3_32(p, n, h);
}

/* A hash consistent with ko_ice_value_equal. */
static uint32_t value_hash(const ko_ice_value *v, uint32_t h)
{
    int32_t head[2] = {(int32_t)v->type, v->is_null};
    h = mix(h, head, sizeof head);
    if (v->is_null)
        return h;
    switch (v->type) {
    case KO_ICE_FLOAT:
    case KO_ICE_DOUBLE:
        return mix(h, &v->d, sizeof v->d);
    case KO_ICE_DECIMAL:
        return mix(mix(h, &v->i, sizeof v->i), &v->hi, sizeof v->hi);
    case KO_ICE_STRING:
    case KO_ICE_BINARY:
    case KO_ICE_FIXED:
    case KO_ICE_UUID:
        return v->len ? mix(h, v->bytes, v->len) : h;
    default:
        return mix(h, &v->i, sizeof v->i);
    }
}

static uint32_t partition_hash(const ko_ice_data_file *f)
{
    uint32_t h = mix(0, &f->spec_id, sizeof f->spec_id);
    for (uint32_t i = 0; i < f->n_partition; i++)
        h = value_hash(&f->partition[i], h);
    return h;
}

ko_status kt_count_partitions(const ko_ice_data_file *a, size_t na, const ko_ice_data_file *b,
                              size_t nb, ko_arena *arena, int64_t *out, ko_err *err)
{
    size_t cap = 16;
    while (cap < 2 * (na + nb))
        cap *= 2;
    const ko_ice_data_file **slots = ko_arena_calloc(arena, cap, sizeof(const ko_ice_data_file *));
    if (!slots)
        return kt_nomem(err);
    *out = 0;
    for (size_t i = 0; i < na + nb; i++) {
        const ko_ice_data_file *f = i < na ? &a[i] : &b[i - na];
        size_t h = partition_hash(f) & (cap - 1);
        while (slots[h] && !ko_ice_same_partition(slots[h], f))
            h = (h + 1) & (cap - 1);
        if (!slots[h]) {
            slots[h] = f;
            ++*out;
        }
    }
    return KO_OK;
}
