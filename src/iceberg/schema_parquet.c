/*
 * schema_parquet.c - Iceberg schemas to Parquet schema elements and back
 * (format/spec.md, Appendix A "Parquet").
 *
 * Writing follows the Java writer (TypeToMessageType): one element per
 * Iceberg field carrying its field_id, 3-level lists and maps, the logical
 * types of the spec's mapping table, and Avro-compatible element names.
 * The element count is known up front (count_elements), so the output is
 * one arena array filled depth-first.
 *
 * Reading accepts what other writers produce: modern and legacy list
 * shapes (LogicalTypes.md's backward-compatibility rules), MAP and
 * MAP_KEY_VALUE groups, logical types, converted types or bare physical
 * types.  Field ids come from the file or, for "create a table like this
 * file", are assigned fresh in Java's order (TypeUtil.assignFreshIds): all
 * fields of a struct first, then each field's children, so a table created
 * from the same file gets the same ids as Spark would give it.
 */
#include "iceberg/iceberg.h"

#include <stdio.h>
#include <string.h>

enum { MAX_DEPTH = 100 };

/* ------------------------------------------------------- compatible names */

static bool name_letter(unsigned char ch)
{
    return ch >= 0x80 || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_';
}

static bool name_digit(unsigned char ch)
{
    return ch >= '0' && ch <= '9';
}

const char *ko_ice_compatible_name(const char *name, ko_arena *arena)
{
    const unsigned char *s = (const unsigned char *)name;
    bool ok = name_letter(s[0]);
    for (size_t i = 1; ok && s[i]; i++)
        ok = name_letter(s[i]) || name_digit(s[i]);
    if (ok)
        return name;
    size_t n = strlen(name);
    char *out = ko_arena_alloc(arena, n * 4 + 2);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = s[i];
        if (name_letter(ch) || (i > 0 && name_digit(ch)))
            out[o++] = (char)ch;
        else if (name_digit(ch))
            o += (size_t)sprintf(out + o, "_%c", ch);
        else
            o += (size_t)sprintf(out + o, "_x%X", ch);
    }
    out[o] = '\0';
    return out;
}

/* ------------------------------------------------------ Iceberg -> Parquet */

typedef struct pq_out {
    ko_pq_schema_element *els;
    uint32_t n;
    ko_arena *arena;
    ko_err *err;
} pq_out;

static uint32_t count_elements(const ko_ice_type *t)
{
    uint32_t n = 1;
    if (t->id == KO_ICE_LIST || t->id == KO_ICE_MAP)
        n++; /* the repeated "list" / "key_value" group */
    for (uint32_t i = 0; i < t->n_fields; i++)
        n += count_elements(&t->fields[i].type);
    return n;
}

/* Smallest FIXED_LEN_BYTE_ARRAY width holding every P-digit unscaled value. */
static int32_t decimal_bytes(int32_t precision)
{
    int32_t n = 1;
    for (;;) {
        /* 10^P - 1 must fit in 8n - 1 bits: P <= floor((8n - 1) * log10(2)). */
        double digits = (8.0 * n - 1) * 0.30102999566398120;
        if ((double)precision <= digits)
            return n;
        n++;
    }
}

static void set_decimal(ko_pq_schema_element *e, const ko_ice_type *t)
{
    if (t->precision <= 9) {
        e->type = KO_PQ_INT32;
    } else if (t->precision <= 18) {
        e->type = KO_PQ_INT64;
    } else {
        e->type = KO_PQ_FIXED_LEN_BYTE_ARRAY;
        e->type_length = decimal_bytes(t->precision);
    }
    e->converted = KO_PQ_CT_DECIMAL;
    e->precision = t->precision;
    e->scale = t->scale;
    e->logical =
        (ko_pq_logical){.kind = KO_PQ_LT_DECIMAL, .precision = t->precision, .scale = t->scale};
}

static void set_timestamp(ko_pq_schema_element *e, ko_ice_type_id id)
{
    bool utc = id == KO_ICE_TIMESTAMPTZ || id == KO_ICE_TIMESTAMPTZ_NS;
    bool nanos = id == KO_ICE_TIMESTAMP_NS || id == KO_ICE_TIMESTAMPTZ_NS;
    e->type = KO_PQ_INT64;
    e->logical = (ko_pq_logical){
        .kind = KO_PQ_LT_TIMESTAMP, .utc = utc, .unit = nanos ? KO_PQ_NANOS : KO_PQ_MICROS};
    if (utc && !nanos)
        e->converted = KO_PQ_CT_TIMESTAMP_MICROS;
}

static void set_primitive(ko_pq_schema_element *e, const ko_ice_type *t)
{
    static const ko_pq_type physical[] = {
        [KO_ICE_BOOLEAN] = KO_PQ_BOOLEAN,   [KO_ICE_INT] = KO_PQ_INT32,
        [KO_ICE_LONG] = KO_PQ_INT64,        [KO_ICE_FLOAT] = KO_PQ_FLOAT,
        [KO_ICE_DOUBLE] = KO_PQ_DOUBLE,     [KO_ICE_DATE] = KO_PQ_INT32,
        [KO_ICE_TIME] = KO_PQ_INT64,        [KO_ICE_STRING] = KO_PQ_BYTE_ARRAY,
        [KO_ICE_BINARY] = KO_PQ_BYTE_ARRAY,
    };
    e->has_type = true;
    if (t->id == KO_ICE_DECIMAL)
        return set_decimal(e, t);
    if (t->id >= KO_ICE_TIMESTAMP && t->id <= KO_ICE_TIMESTAMPTZ_NS)
        return set_timestamp(e, t->id);
    if (t->id == KO_ICE_UUID || t->id == KO_ICE_FIXED) {
        e->type = KO_PQ_FIXED_LEN_BYTE_ARRAY;
        e->type_length = t->id == KO_ICE_UUID ? 16 : t->length;
        if (t->id == KO_ICE_UUID)
            e->logical.kind = KO_PQ_LT_UUID;
        return;
    }
    e->type = physical[t->id];
    if (t->id == KO_ICE_STRING) {
        e->logical.kind = KO_PQ_LT_STRING;
        e->converted = KO_PQ_CT_UTF8;
    } else if (t->id == KO_ICE_DATE) {
        e->logical.kind = KO_PQ_LT_DATE;
        e->converted = KO_PQ_CT_DATE;
    } else if (t->id == KO_ICE_TIME) {
        e->logical = (ko_pq_logical){.kind = KO_PQ_LT_TIME, .unit = KO_PQ_MICROS};
    }
}

static ko_pq_schema_element *next_element(pq_out *o, const char *name, ko_pq_repetition rep)
{
    ko_pq_schema_element *e = &o->els[o->n++];
    *e = (ko_pq_schema_element){
        .name = name,
        .has_repetition = true,
        .repetition = rep,
        .converted = KO_PQ_CT_NONE,
        .logical = {.kind = KO_PQ_LT_NONE},
    };
    return e;
}

static ko_status emit_field(pq_out *o, const ko_ice_field *f, bool rename);

static ko_status emit_children(pq_out *o, const ko_ice_type *t, bool rename)
{
    for (uint32_t i = 0; i < t->n_fields; i++) {
        ko_status st = emit_field(o, &t->fields[i], rename);
        if (st != KO_OK)
            return st;
    }
    return KO_OK;
}

static ko_status emit_field(pq_out *o, const ko_ice_field *f, bool rename)
{
    const char *name = rename ? ko_ice_compatible_name(f->name, o->arena) : f->name;
    if (!name)
        return ko_err_set(o->err, KO_ERR_NOMEM, "out of memory converting the schema");
    ko_pq_schema_element *e = next_element(o, name, f->required ? KO_PQ_REQUIRED : KO_PQ_OPTIONAL);
    e->has_field_id = true;
    e->field_id = f->id;
    const ko_ice_type *t = &f->type;
    if (ko_ice_type_is_primitive(t)) {
        set_primitive(e, t);
        return KO_OK;
    }
    e->num_children = t->id == KO_ICE_STRUCT ? (int32_t)t->n_fields : 1;
    if (t->id == KO_ICE_STRUCT)
        return emit_children(o, t, true);
    bool is_list = t->id == KO_ICE_LIST;
    e->logical.kind = is_list ? KO_PQ_LT_LIST : KO_PQ_LT_MAP;
    e->converted = is_list ? KO_PQ_CT_LIST : KO_PQ_CT_MAP;
    ko_pq_schema_element *rep = next_element(o, is_list ? "list" : "key_value", KO_PQ_REPEATED);
    rep->num_children = (int32_t)t->n_fields;
    return emit_children(o, t, false);
}

ko_status ko_ice_schema_to_parquet(const ko_ice_schema *s, ko_arena *arena,
                                   ko_pq_schema_element **out, uint32_t *n_out, ko_err *err)
{
    uint32_t total = count_elements(&s->root);
    pq_out o = {.arena = arena, .err = err};
    o.els = ko_arena_calloc(arena, total, sizeof *o.els);
    if (!o.els)
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory converting the schema");
    ko_pq_schema_element *root = next_element(&o, "table", KO_PQ_REQUIRED);
    root->has_repetition = false;
    root->num_children = (int32_t)s->root.n_fields;
    ko_status st = emit_children(&o, &s->root, true);
    if (st != KO_OK)
        return st;
    *out = o.els;
    *n_out = o.n;
    return KO_OK;
}

/* ------------------------------------------------------ Parquet -> Iceberg */

typedef struct pq_in {
    const ko_pq_schema *s;
    bool fresh;
    ko_arena *arena;
    ko_err *err;
} pq_in;

static ko_status unsupported(pq_in *c, int32_t node, const char *what)
{
    return ko_err_set(c->err, KO_ERR_UNSUPPORTED, "Parquet column '%s': %s has no Iceberg type",
                      c->s->nodes[node].el->name, what);
}

static ko_ice_type prim(ko_ice_type_id id)
{
    return (ko_ice_type){.id = id};
}

static ko_status decimal_type(pq_in *c, int32_t node, int32_t p, int32_t s, ko_ice_type *out)
{
    if (p < 1 || p > KO_ICE_DECIMAL_MAX_PRECISION || s < 0 || s > p)
        return ko_err_set(c->err, KO_ERR_UNSUPPORTED,
                          "Parquet column '%s': DECIMAL(%d,%d) has no Iceberg type",
                          c->s->nodes[node].el->name, (int)p, (int)s);
    *out = (ko_ice_type){.id = KO_ICE_DECIMAL, .precision = p, .scale = s};
    return KO_OK;
}

static ko_status integer_type(pq_in *c, int32_t node, const ko_pq_logical *l, ko_ice_type *out)
{
    if (l->bit_width == 64 && !l->is_signed)
        return unsupported(c, node, "unsigned 64-bit INTEGER");
    bool wide = l->bit_width == 64 || (l->bit_width == 32 && !l->is_signed);
    *out = prim(wide ? KO_ICE_LONG : KO_ICE_INT);
    return KO_OK;
}

static ko_status time_type(pq_in *c, int32_t node, const ko_pq_logical *l, ko_ice_type *out)
{
    if (l->kind == KO_PQ_LT_TIME) {
        if (l->unit == KO_PQ_NANOS)
            return unsupported(c, node, "TIME(NANOS)");
        *out = prim(KO_ICE_TIME);
    } else if (l->unit == KO_PQ_NANOS) {
        *out = prim(l->utc ? KO_ICE_TIMESTAMPTZ_NS : KO_ICE_TIMESTAMP_NS);
    } else {
        *out = prim(l->utc ? KO_ICE_TIMESTAMPTZ : KO_ICE_TIMESTAMP);
    }
    return KO_OK;
}

/* From the LogicalType; *done is false when it says nothing usable. */
static ko_status logical_type(pq_in *c, int32_t node, ko_ice_type *out, bool *done)
{
    const ko_pq_schema_element *e = c->s->nodes[node].el;
    const ko_pq_logical *l = &e->logical;
    *done = true;
    switch (l->kind) {
    case KO_PQ_LT_STRING:
    case KO_PQ_LT_ENUM:
    case KO_PQ_LT_JSON:
        *out = prim(KO_ICE_STRING);
        return KO_OK;
    case KO_PQ_LT_BSON:
        *out = prim(KO_ICE_BINARY);
        return KO_OK;
    case KO_PQ_LT_DECIMAL:
        return decimal_type(c, node, l->precision, l->scale, out);
    case KO_PQ_LT_DATE:
        *out = prim(KO_ICE_DATE);
        return KO_OK;
    case KO_PQ_LT_TIME:
    case KO_PQ_LT_TIMESTAMP:
        return time_type(c, node, l, out);
    case KO_PQ_LT_INTEGER:
        return integer_type(c, node, l, out);
    case KO_PQ_LT_UUID:
        *out = prim(KO_ICE_UUID);
        return KO_OK;
    case KO_PQ_LT_FLOAT16:
        *out = prim(KO_ICE_FLOAT);
        return KO_OK;
    case KO_PQ_LT_UNKNOWN:
        return unsupported(c, node, "the UNKNOWN (always null) type");
    default:
        *done = false;
        return KO_OK;
    }
}

/* From the legacy ConvertedType; *done is false when there is none. */
static ko_status converted_type(pq_in *c, int32_t node, ko_ice_type *out, bool *done)
{
    const ko_pq_schema_element *e = c->s->nodes[node].el;
    *done = true;
    switch (e->converted) {
    case KO_PQ_CT_UTF8:
    case KO_PQ_CT_ENUM:
    case KO_PQ_CT_JSON:
        *out = prim(KO_ICE_STRING);
        return KO_OK;
    case KO_PQ_CT_BSON:
        *out = prim(KO_ICE_BINARY);
        return KO_OK;
    case KO_PQ_CT_DECIMAL:
        return decimal_type(c, node, e->precision, e->scale, out);
    case KO_PQ_CT_DATE:
        *out = prim(KO_ICE_DATE);
        return KO_OK;
    case KO_PQ_CT_TIME_MILLIS:
    case KO_PQ_CT_TIME_MICROS:
        *out = prim(KO_ICE_TIME);
        return KO_OK;
    case KO_PQ_CT_TIMESTAMP_MILLIS:
    case KO_PQ_CT_TIMESTAMP_MICROS:
        *out = prim(KO_ICE_TIMESTAMPTZ);
        return KO_OK;
    case KO_PQ_CT_INT_8:
    case KO_PQ_CT_INT_16:
    case KO_PQ_CT_INT_32:
    case KO_PQ_CT_UINT_8:
    case KO_PQ_CT_UINT_16:
        *out = prim(KO_ICE_INT);
        return KO_OK;
    case KO_PQ_CT_UINT_32:
    case KO_PQ_CT_INT_64:
        *out = prim(KO_ICE_LONG);
        return KO_OK;
    case KO_PQ_CT_UINT_64:
    case KO_PQ_CT_INTERVAL:
        return unsupported(c, node, ko_pq_converted_name(e->converted));
    default:
        *done = false;
        return KO_OK;
    }
}

static ko_status primitive_type(pq_in *c, int32_t node, ko_ice_type *out)
{
    const ko_pq_schema_element *e = c->s->nodes[node].el;
    bool done = false;
    ko_status st = logical_type(c, node, out, &done);
    if (st == KO_OK && !done)
        st = converted_type(c, node, out, &done);
    if (st != KO_OK || done)
        return st;
    switch (e->type) {
    case KO_PQ_BOOLEAN:
        *out = prim(KO_ICE_BOOLEAN);
        break;
    case KO_PQ_INT32:
        *out = prim(KO_ICE_INT);
        break;
    case KO_PQ_INT64:
        *out = prim(KO_ICE_LONG);
        break;
    case KO_PQ_INT96:
        *out = prim(KO_ICE_TIMESTAMPTZ);
        break;
    case KO_PQ_FLOAT:
        *out = prim(KO_ICE_FLOAT);
        break;
    case KO_PQ_DOUBLE:
        *out = prim(KO_ICE_DOUBLE);
        break;
    case KO_PQ_BYTE_ARRAY:
        *out = prim(KO_ICE_BINARY);
        break;
    default:
        *out = (ko_ice_type){.id = KO_ICE_FIXED, .length = e->type_length};
        break;
    }
    return KO_OK;
}

static ko_status node_field(pq_in *c, int32_t node, const char *name, bool required,
                            ko_ice_field *out, int depth);
static ko_status node_type(pq_in *c, int32_t node, ko_ice_type *out, int depth);

static ko_status alloc_fields(pq_in *c, ko_ice_type *t, ko_ice_type_id id, uint32_t n)
{
    *t = (ko_ice_type){.id = id, .n_fields = n};
    t->fields = ko_arena_calloc(c->arena, n ? n : 1, sizeof *t->fields);
    return t->fields ? KO_OK
                     : ko_err_set(c->err, KO_ERR_NOMEM, "out of memory converting the schema");
}

static ko_status struct_type(pq_in *c, int32_t node, ko_ice_type *out, int depth)
{
    const ko_pq_node *nd = &c->s->nodes[node];
    ko_status st = alloc_fields(c, out, KO_ICE_STRUCT, (uint32_t)nd->el->num_children);
    uint32_t i = 0;
    for (int32_t ch = nd->first_child; st == KO_OK && ch >= 0; ch = c->s->nodes[ch].next_sibling) {
        const ko_pq_schema_element *e = c->s->nodes[ch].el;
        bool req = e->repetition != KO_PQ_OPTIONAL;
        st = node_field(c, ch, e->name, req, &out->fields[i++], depth + 1);
    }
    return st;
}

/* The element node of a LIST group, by LogicalTypes.md's rules; *whole is
 * true when the repeated node itself is the (required) element. */
static ko_status list_element(pq_in *c, int32_t node, int32_t *elem, bool *whole)
{
    const ko_pq_node *nd = &c->s->nodes[node];
    int32_t rep = nd->first_child;
    if (nd->el->num_children != 1 || c->s->nodes[rep].el->repetition != KO_PQ_REPEATED)
        return ko_err_set(c->err, KO_ERR_INVALID,
                          "Parquet column '%s': a LIST needs one repeated child", nd->el->name);
    const ko_pq_schema_element *r = c->s->nodes[rep].el;
    char tuple[256];
    snprintf(tuple, sizeof tuple, "%s_tuple", nd->el->name);
    *whole = r->num_children != 1 || strcmp(r->name, "array") == 0 || strcmp(r->name, tuple) == 0;
    *elem = *whole ? rep : c->s->nodes[rep].first_child;
    return KO_OK;
}

static ko_status list_type(pq_in *c, int32_t node, ko_ice_type *out, int depth)
{
    int32_t elem = -1;
    bool whole = false;
    ko_status st = list_element(c, node, &elem, &whole);
    if (st == KO_OK)
        st = alloc_fields(c, out, KO_ICE_LIST, 1);
    if (st != KO_OK)
        return st;
    bool req = whole || c->s->nodes[elem].el->repetition == KO_PQ_REQUIRED;
    return node_field(c, elem, "element", req, &out->fields[0], depth + 1);
}

static ko_status map_type(pq_in *c, int32_t node, ko_ice_type *out, int depth)
{
    const ko_pq_node *nd = &c->s->nodes[node];
    int32_t kv = nd->first_child;
    if (nd->el->num_children != 1 || c->s->nodes[kv].el->num_children != 2)
        return ko_err_set(c->err, KO_ERR_INVALID,
                          "Parquet column '%s': a MAP needs one repeated group of key and value",
                          nd->el->name);
    int32_t key = c->s->nodes[kv].first_child, val = c->s->nodes[key].next_sibling;
    ko_status st = alloc_fields(c, out, KO_ICE_MAP, 2);
    if (st == KO_OK)
        st = node_field(c, key, "key", true, &out->fields[0], depth + 1);
    if (st == KO_OK)
        st = node_field(c, val, "value", c->s->nodes[val].el->repetition == KO_PQ_REQUIRED,
                        &out->fields[1], depth + 1);
    return st;
}

/* The type of a node, whatever its repetition. */
static ko_status node_type(pq_in *c, int32_t node, ko_ice_type *out, int depth)
{
    const ko_pq_schema_element *e = c->s->nodes[node].el;
    if (depth > MAX_DEPTH)
        return ko_err_set(c->err, KO_ERR_INVALID, "the Parquet schema nests too deeply");
    if (c->s->nodes[node].leaf >= 0)
        return primitive_type(c, node, out);
    if (e->logical.kind == KO_PQ_LT_LIST || e->converted == KO_PQ_CT_LIST)
        return list_type(c, node, out, depth);
    if (e->logical.kind == KO_PQ_LT_MAP || e->converted == KO_PQ_CT_MAP ||
        e->converted == KO_PQ_CT_MAP_KEY_VALUE)
        return map_type(c, node, out, depth);
    return struct_type(c, node, out, depth);
}

static ko_status field_id(pq_in *c, int32_t node, ko_ice_field *out)
{
    const ko_pq_schema_element *e = c->s->nodes[node].el;
    if (c->fresh)
        return KO_OK;
    if (!e->has_field_id)
        return ko_err_set(c->err, KO_ERR_INVALID,
                          "Parquet column '%s' has no field_id (import it with fresh ids)",
                          e->name);
    out->id = e->field_id;
    return KO_OK;
}

static ko_status node_field(pq_in *c, int32_t node, const char *name, bool required,
                            ko_ice_field *out, int depth)
{
    const ko_pq_schema_element *e = c->s->nodes[node].el;
    *out = (ko_ice_field){.name = name, .required = required};
    bool bare_repeated = e->repetition == KO_PQ_REPEATED && strcmp(name, "element") != 0;
    if (!bare_repeated) {
        ko_status st = field_id(c, node, out);
        return st == KO_OK ? node_type(c, node, &out->type, depth) : st;
    }
    /* A repeated field outside a LIST annotation: a list of required values. */
    if (!c->fresh)
        return ko_err_set(c->err, KO_ERR_UNSUPPORTED,
                          "Parquet column '%s' is repeated without a LIST annotation; "
                          "import it with fresh ids",
                          e->name);
    out->required = true;
    ko_status st = alloc_fields(c, &out->type, KO_ICE_LIST, 1);
    if (st != KO_OK)
        return st;
    ko_ice_field *el = &out->type.fields[0];
    *el = (ko_ice_field){.name = "element", .required = true};
    return node_type(c, node, &el->type, depth + 1);
}

static void assign_fresh(ko_ice_type *t, int32_t *next)
{
    for (uint32_t i = 0; i < t->n_fields; i++)
        t->fields[i].id = ++*next;
    for (uint32_t i = 0; i < t->n_fields; i++)
        assign_fresh(&t->fields[i].type, next);
}

static ko_status copy_names(ko_ice_type *t, ko_arena *arena, ko_err *err)
{
    for (uint32_t i = 0; i < t->n_fields; i++) {
        t->fields[i].name = ko_arena_strdup(arena, t->fields[i].name);
        if (!t->fields[i].name)
            return ko_err_set(err, KO_ERR_NOMEM, "out of memory converting the schema");
        ko_status st = copy_names(&t->fields[i].type, arena, err);
        if (st != KO_OK)
            return st;
    }
    return KO_OK;
}

ko_status ko_ice_schema_from_parquet(const ko_pq_schema_element *els, uint32_t n, bool fresh_ids,
                                     ko_arena *arena, ko_ice_schema *out, ko_err *err)
{
    ko_pq_schema tree;
    *out = (ko_ice_schema){0};
    ko_status st = ko_pq_schema_build(els, n, arena, &tree, err);
    if (st != KO_OK)
        return st;
    pq_in c = {.s = &tree, .fresh = fresh_ids, .arena = arena, .err = err};
    st = struct_type(&c, 0, &out->root, 0);
    if (st == KO_OK)
        st = copy_names(&out->root, arena, err);
    if (st != KO_OK)
        return st;
    if (fresh_ids) {
        int32_t next = 0;
        assign_fresh(&out->root, &next);
    }
    return ko_ice_schema_build(out, arena, err);
}
