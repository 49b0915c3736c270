/*
 * schema.c - Iceberg types and schemas: names, validation, the field index.
 *
 * A schema is a tree of ko_ice_field (each with an id, a name, a required
 * flag and a type); lists and maps keep their element, key and value as
 * child fields, so one recursive walk sees every id.  ko_ice_schema_build
 * is that walk: it checks the rules of format/spec.md ("Schemas and Data
 * Types", "Identifier Field IDs") and records every field in an index
 * sorted by id, with its full dotted name, its parent and whether it sits
 * inside a list or map or under an optional field.  Lookups by id are
 * binary searches; lookups by name scan the index (schemas are small).
 *
 * Nesting is limited to MAX_DEPTH levels so that a hostile schema cannot
 * exhaust the stack.
 */
#include "iceberg/iceberg.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { MAX_DEPTH = 100 };

/* ------------------------------------------------------------ type names */

static const char *const TYPE_NAMES[] = {
    [KO_ICE_BOOLEAN] = "boolean",
    [KO_ICE_INT] = "int",
    [KO_ICE_LONG] = "long",
    [KO_ICE_FLOAT] = "float",
    [KO_ICE_DOUBLE] = "double",
    [KO_ICE_DECIMAL] = "decimal",
    [KO_ICE_DATE] = "date",
    [KO_ICE_TIME] = "time",
    [KO_ICE_TIMESTAMP] = "timestamp",
    [KO_ICE_TIMESTAMPTZ] = "timestamptz",
    [KO_ICE_TIMESTAMP_NS] = "timestamp_ns",
    [KO_ICE_TIMESTAMPTZ_NS] = "timestamptz_ns",
    [KO_ICE_STRING] = "string",
    [KO_ICE_UUID] = "uuid",
    [KO_ICE_FIXED] = "fixed",
    [KO_ICE_BINARY] = "binary",
    [KO_ICE_STRUCT] = "struct",
    [KO_ICE_LIST] = "list",
    [KO_ICE_MAP] = "map",
};

const char *ko_ice_type_name(ko_ice_type_id id)
{
    if ((unsigned)id < KO_ARRAY_LEN(TYPE_NAMES) && TYPE_NAMES[id])
        return TYPE_NAMES[id];
    return "invalid";
}

bool ko_ice_type_is_primitive(const ko_ice_type *t)
{
    return t->id >= KO_ICE_BOOLEAN && t->id <= KO_ICE_BINARY;
}

size_t ko_ice_type_format(const ko_ice_type *t, char out[KO_ICE_TYPE_STR_MAX])
{
    int n;
    if (t->id == KO_ICE_DECIMAL)
        n = snprintf(out, KO_ICE_TYPE_STR_MAX, "decimal(%d,%d)", (int)t->precision, (int)t->scale);
    else if (t->id == KO_ICE_FIXED)
        n = snprintf(out, KO_ICE_TYPE_STR_MAX, "fixed[%d]", (int)t->length);
    else
        n = snprintf(out, KO_ICE_TYPE_STR_MAX, "%s", ko_ice_type_name(t->id));
    return n < 0 ? 0 : (size_t)n;
}

/* ------------------------------------------------------------ type parse */

static const char *skip_blanks(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

/* Reads a non-negative decimal number below 10^9 after optional blanks. */
static bool read_param(const char **pp, int32_t *out)
{
    const char *p = skip_blanks(*pp);
    int64_t v = 0;
    int digits = 0;
    for (; isdigit((unsigned char)*p) && digits < 10; p++, digits++)
        v = v * 10 + (*p - '0');
    if (digits == 0 || digits > 9)
        return false;
    *out = (int32_t)v;
    *pp = skip_blanks(p);
    return true;
}

static ko_status parse_decimal(const char *s, const char *p, ko_ice_type *out, ko_err *err)
{
    int32_t prec = 0, scale = 0;
    p = skip_blanks(p);
    if (*p++ != '(' || !read_param(&p, &prec) || *p++ != ',' || !read_param(&p, &scale) ||
        *p++ != ')' || *skip_blanks(p) != '\0')
        return ko_err_set(err, KO_ERR_INVALID, "malformed decimal type '%s' (want decimal(P,S))",
                          s);
    if (prec < 1 || prec > KO_ICE_DECIMAL_MAX_PRECISION)
        return ko_err_set(err, KO_ERR_INVALID, "decimal precision %d is not in 1..38 in '%s'",
                          (int)prec, s);
    if (scale > prec)
        return ko_err_set(err, KO_ERR_INVALID,
                          "decimal scale %d is larger than the precision %d in '%s'", (int)scale,
                          (int)prec, s);
    *out = (ko_ice_type){.id = KO_ICE_DECIMAL, .precision = prec, .scale = scale};
    return KO_OK;
}

static ko_status parse_fixed(const char *s, const char *p, ko_ice_type *out, ko_err *err)
{
    int32_t len = 0;
    p = skip_blanks(p);
    if (*p++ != '[' || !read_param(&p, &len) || *p++ != ']' || *skip_blanks(p) != '\0')
        return ko_err_set(err, KO_ERR_INVALID, "malformed fixed type '%s' (want fixed[L])", s);
    if (len < 1)
        return ko_err_set(err, KO_ERR_INVALID, "fixed length must be positive in '%s'", s);
    *out = (ko_ice_type){.id = KO_ICE_FIXED, .length = len};
    return KO_OK;
}

static bool is_v3_type(const char *s)
{
    static const char *const v3[] = {"unknown", "variant", "geometry", "geography"};
    for (size_t i = 0; i < KO_ARRAY_LEN(v3); i++) {
        size_t n = strlen(v3[i]);
        if (strncmp(s, v3[i], n) == 0 && (s[n] == '\0' || s[n] == '('))
            return true;
    }
    return false;
}

ko_status ko_ice_type_parse(const char *s, ko_ice_type *out, ko_err *err)
{
    if (strncmp(s, "decimal", 7) == 0)
        return parse_decimal(s, s + 7, out, err);
    if (strncmp(s, "fixed", 5) == 0)
        return parse_fixed(s, s + 5, out, err);
    for (int id = KO_ICE_BOOLEAN; id <= KO_ICE_BINARY; id++) {
        if (id != KO_ICE_DECIMAL && id != KO_ICE_FIXED && strcmp(s, TYPE_NAMES[id]) == 0) {
            *out = (ko_ice_type){.id = (ko_ice_type_id)id};
            return KO_OK;
        }
    }
    if (is_v3_type(s))
        return ko_err_set(err, KO_ERR_UNSUPPORTED, "type '%s' (Iceberg v3) is not supported", s);
    return ko_err_set(err, KO_ERR_INVALID, "unknown type '%s'", s);
}

/* -------------------------------------------------------------- equality */

static bool str_eq(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}

static bool field_equal(const ko_ice_field *a, const ko_ice_field *b)
{
    return a->id == b->id && a->required == b->required && str_eq(a->name, b->name) &&
           str_eq(a->doc, b->doc) && str_eq(a->initial_default, b->initial_default) &&
           str_eq(a->write_default, b->write_default) && ko_ice_type_equal(&a->type, &b->type);
}

bool ko_ice_type_equal(const ko_ice_type *a, const ko_ice_type *b)
{
    if (a->id != b->id || a->n_fields != b->n_fields)
        return false;
    if (a->id == KO_ICE_DECIMAL && (a->precision != b->precision || a->scale != b->scale))
        return false;
    if (a->id == KO_ICE_FIXED && a->length != b->length)
        return false;
    for (uint32_t i = 0; i < a->n_fields; i++)
        if (!field_equal(&a->fields[i], &b->fields[i]))
            return false;
    return true;
}

bool ko_ice_schema_equal(const ko_ice_schema *a, const ko_ice_schema *b)
{
    if (a->n_identifier_ids != b->n_identifier_ids || !ko_ice_type_equal(&a->root, &b->root))
        return false;
    for (uint32_t i = 0; i < a->n_identifier_ids; i++)
        if (a->identifier_ids[i] != b->identifier_ids[i])
            return false;
    return true;
}

/* ------------------------------------------------------------------ copy */

static ko_status nomem(ko_err *err, const char *what)
{
    return ko_err_set(err, KO_ERR_NOMEM, "out of memory copying %s", what);
}

static char *dup_opt(ko_arena *arena, const char *s, bool *ok)
{
    if (!s)
        return NULL;
    char *d = ko_arena_strdup(arena, s);
    if (!d)
        *ok = false;
    return d;
}

static ko_status copy_type(const ko_ice_type *src, ko_arena *arena, ko_ice_type *out, int depth,
                           ko_err *err);

static ko_status copy_field(const ko_ice_field *src, ko_arena *arena, ko_ice_field *out, int depth,
                            ko_err *err)
{
    bool ok = true;
    *out = *src;
    out->name = dup_opt(arena, src->name, &ok);
    out->doc = dup_opt(arena, src->doc, &ok);
    out->initial_default = dup_opt(arena, src->initial_default, &ok);
    out->write_default = dup_opt(arena, src->write_default, &ok);
    if (!ok)
        return nomem(err, "a field");
    return copy_type(&src->type, arena, &out->type, depth + 1, err);
}

static ko_status copy_type(const ko_ice_type *src, ko_arena *arena, ko_ice_type *out, int depth,
                           ko_err *err)
{
    *out = *src;
    if (depth > MAX_DEPTH)
        return ko_err_set(err, KO_ERR_INVALID, "types nest deeper than %d levels", MAX_DEPTH);
    if (src->n_fields == 0) {
        out->fields = NULL;
        return KO_OK;
    }
    out->fields = ko_arena_calloc(arena, src->n_fields, sizeof *out->fields);
    if (!out->fields)
        return nomem(err, "a type");
    for (uint32_t i = 0; i < src->n_fields; i++) {
        ko_status st = copy_field(&src->fields[i], arena, &out->fields[i], depth, err);
        if (st != KO_OK)
            return st;
    }
    return KO_OK;
}

ko_status ko_ice_type_copy(const ko_ice_type *src, ko_arena *arena, ko_ice_type *out, ko_err *err)
{
    return copy_type(src, arena, out, 0, err);
}

ko_status ko_ice_schema_copy(const ko_ice_schema *src, ko_arena *arena, ko_ice_schema *out,
                             ko_err *err)
{
    *out = (ko_ice_schema){.schema_id = src->schema_id, .n_identifier_ids = src->n_identifier_ids};
    ko_status st = copy_type(&src->root, arena, &out->root, 0, err);
    if (st != KO_OK)
        return st;
    if (src->n_identifier_ids) {
        out->identifier_ids = ko_arena_alloc(arena, src->n_identifier_ids * sizeof(int32_t));
        if (!out->identifier_ids)
            return nomem(err, "a schema");
        memcpy(out->identifier_ids, src->identifier_ids, src->n_identifier_ids * sizeof(int32_t));
    }
    return ko_ice_schema_build(out, arena, err);
}

/* ----------------------------------------------------------------- build */

typedef struct build_ctx {
    ko_arena *arena;
    ko_err *err;
    ko_ice_schema_entry *pre; /* entries in pre-order; parent = pre-order index */
    uint32_t n;
} build_ctx;

static uint32_t count_fields(const ko_ice_type *t, int depth)
{
    uint32_t n = 0;
    if (depth > MAX_DEPTH)
        return 0;
    /* t is never NULL: the analyzer loses track through the recursion. */
    for (uint32_t i = 0; i < t->n_fields; i++) // NOLINT(clang-analyzer-core.NullDereference)
        n += 1 + count_fields(&t->fields[i].type, depth + 1);
    return n;
}

static ko_status check_primitive(const ko_ice_type *t, ko_err *err)
{
    if (t->id == KO_ICE_DECIMAL && (t->precision < 1 || t->precision > 38))
        return ko_err_set(err, KO_ERR_INVALID, "decimal precision %d is not in 1..38",
                          (int)t->precision);
    if (t->id == KO_ICE_DECIMAL && (t->scale < 0 || t->scale > t->precision))
        return ko_err_set(err, KO_ERR_INVALID, "decimal scale %d is not in 0..%d", (int)t->scale,
                          (int)t->precision);
    if (t->id == KO_ICE_FIXED && t->length < 1)
        return ko_err_set(err, KO_ERR_INVALID, "fixed length %d is not positive", (int)t->length);
    if (ko_ice_type_is_primitive(t) && t->n_fields)
        return ko_err_set(err, KO_ERR_INVALID, "primitive type %s has child fields",
                          ko_ice_type_name(t->id));
    return KO_OK;
}

static ko_status check_shape(const ko_ice_type *t, ko_err *err)
{
    if (t->id == KO_ICE_LIST) {
        if (t->n_fields != 1 || !str_eq(t->fields[0].name, "element"))
            return ko_err_set(err, KO_ERR_INVALID, "a list needs exactly one field 'element'");
    } else if (t->id == KO_ICE_MAP) {
        if (t->n_fields != 2 || !str_eq(t->fields[0].name, "key") ||
            !str_eq(t->fields[1].name, "value"))
            return ko_err_set(err, KO_ERR_INVALID, "a map needs exactly the fields 'key', 'value'");
        if (!t->fields[0].required)
            return ko_err_set(err, KO_ERR_INVALID, "map keys must be required");
    } else if (t->id != KO_ICE_STRUCT) {
        if (!ko_ice_type_is_primitive(t))
            return ko_err_set(err, KO_ERR_INVALID, "invalid type id %d", (int)t->id);
        return check_primitive(t, err);
    }
    return KO_OK;
}

static ko_status check_struct_names(const ko_ice_type *t, ko_err *err)
{
    for (uint32_t i = 0; i < t->n_fields; i++) {
        const char *a = t->fields[i].name;
        if (!a || !*a)
            return ko_err_set(err, KO_ERR_INVALID, "field id %d has an empty name",
                              (int)t->fields[i].id);
        for (uint32_t j = 0; j < i; j++)
            if (strcmp(a, t->fields[j].name) == 0)
                return ko_err_set(err, KO_ERR_INVALID, "duplicate field name '%s' (ids %d and %d)",
                                  a, (int)t->fields[j].id, (int)t->fields[i].id);
    }
    return KO_OK;
}

static ko_status walk(build_ctx *c, const ko_ice_type *t, int32_t parent, bool in_coll,
                      bool nullable, int depth);

static ko_status add_entry(build_ctx *c, const ko_ice_field *f, int32_t parent, bool in_coll,
                           bool nullable)
{
    const char *name = f->name;
    if (parent >= 0) {
        name = ko_arena_sprintf(c->arena, "%s.%s", c->pre[parent].name, f->name);
        if (!name)
            return ko_err_set(c->err, KO_ERR_NOMEM, "out of memory indexing the schema");
    }
    if (f->id < 0 || f->id > KO_ICE_MAX_FIELD_ID)
        return ko_err_set(c->err, KO_ERR_INVALID, "field '%s' has id %d, not in 0..%d", name,
                          (int)f->id, KO_ICE_MAX_FIELD_ID);
    c->pre[c->n++] = (ko_ice_schema_entry){
        .field = f,
        .name = name,
        .parent = parent,
        .in_collection = in_coll,
        .nullable = nullable || !f->required,
    };
    return KO_OK;
}

static ko_status walk(build_ctx *c, const ko_ice_type *t, int32_t parent, bool in_coll,
                      bool nullable, int depth)
{
    if (depth > MAX_DEPTH)
        return ko_err_set(c->err, KO_ERR_INVALID, "types nest deeper than %d levels", MAX_DEPTH);
    ko_status st = check_shape(t, c->err);
    if (st == KO_OK && t->id == KO_ICE_STRUCT)
        st = check_struct_names(t, c->err);
    if (st != KO_OK)
        return parent >= 0 ? ko_err_prefix(c->err, "field '%s'", c->pre[parent].name) : st;
    bool child_coll = in_coll || t->id == KO_ICE_LIST || t->id == KO_ICE_MAP;
    for (uint32_t i = 0; i < t->n_fields; i++) {
        const ko_ice_field *f = &t->fields[i];
        int32_t me = (int32_t)c->n;
        st = add_entry(c, f, parent, child_coll, nullable);
        if (st == KO_OK)
            st = walk(c, &f->type, me, child_coll, c->pre[me].nullable, depth + 1);
        if (st != KO_OK)
            return st;
    }
    return KO_OK;
}

static int entry_cmp(const void *a, const void *b)
{
    int32_t x = ((const ko_ice_schema_entry *)a)->field->id;
    int32_t y = ((const ko_ice_schema_entry *)b)->field->id;
    return (x > y) - (x < y);
}

static int32_t find_index(const ko_ice_schema_entry *e, uint32_t n, int32_t id)
{
    uint32_t lo = 0, hi = n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (e[mid].field->id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && e[lo].field->id == id ? (int32_t)lo : -1;
}

/* Sorts the pre-order entries by id into s->by_id, rejecting duplicates and
 * turning parent pre-order indexes into by_id indexes. */
static ko_status sort_index(build_ctx *c, ko_ice_schema *s)
{
    ko_ice_schema_entry *e = ko_arena_calloc(c->arena, c->n ? c->n : 1, sizeof *e);
    if (!e)
        return ko_err_set(c->err, KO_ERR_NOMEM, "out of memory indexing the schema");
    ko_memcpy0(e, c->pre, c->n * sizeof *e);
    qsort(e, c->n, sizeof *e, entry_cmp);
    for (uint32_t i = 1; i < c->n; i++)
        if (e[i].field->id == e[i - 1].field->id)
            return ko_err_set(c->err, KO_ERR_INVALID, "duplicate field id %d ('%s' and '%s')",
                              (int)e[i].field->id, e[i - 1].name, e[i].name);
    for (uint32_t i = 0; i < c->n; i++)
        if (e[i].parent >= 0)
            e[i].parent = find_index(e, c->n, c->pre[e[i].parent].field->id);
    s->by_id = e;
    s->n_by_id = c->n;
    s->highest_id = c->n ? e[c->n - 1].field->id : 0;
    return KO_OK;
}

static ko_status check_identifier(const ko_ice_schema *s, int32_t id, ko_err *err)
{
    const ko_ice_schema_entry *e = ko_ice_schema_entry_by_id(s, id);
    if (!e)
        return ko_err_set(err, KO_ERR_INVALID, "identifier field id %d does not exist", (int)id);
    const ko_ice_type *t = &e->field->type;
    const char *why = NULL;
    if (!ko_ice_type_is_primitive(t))
        why = "is not a primitive type";
    else if (t->id == KO_ICE_FLOAT || t->id == KO_ICE_DOUBLE)
        why = "is a float or double";
    else if (e->in_collection)
        why = "is inside a list or map";
    else if (!e->field->required)
        why = "is optional";
    else if (e->nullable)
        why = "is inside an optional struct";
    if (why)
        return ko_err_set(err, KO_ERR_INVALID, "identifier field '%s' (id %d) %s", e->name, (int)id,
                          why);
    return KO_OK;
}

ko_status ko_ice_schema_build(ko_ice_schema *s, ko_arena *arena, ko_err *err)
{
    if (s->root.id != KO_ICE_STRUCT)
        return ko_err_set(err, KO_ERR_INVALID, "schema %d: the root type must be a struct",
                          (int)s->schema_id);
    uint32_t total = count_fields(&s->root, 0);
    build_ctx c = {.arena = arena, .err = err};
    c.pre = ko_arena_calloc(arena, total ? total : 1, sizeof *c.pre);
    if (!c.pre)
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory indexing the schema");
    ko_status st = walk(&c, &s->root, -1, false, false, 0);
    if (st == KO_OK)
        st = sort_index(&c, s);
    for (uint32_t i = 0; st == KO_OK && i < s->n_identifier_ids; i++)
        st = check_identifier(s, s->identifier_ids[i], err);
    if (st != KO_OK)
        return ko_err_prefix(err, "schema %d", (int)s->schema_id);
    return KO_OK;
}

/* --------------------------------------------------------------- lookups */

const ko_ice_schema_entry *ko_ice_schema_entry_by_id(const ko_ice_schema *s, int32_t id)
{
    int32_t i = find_index(s->by_id, s->n_by_id, id);
    return i < 0 ? NULL : &s->by_id[i];
}

const ko_ice_field *ko_ice_schema_find_id(const ko_ice_schema *s, int32_t id)
{
    const ko_ice_schema_entry *e = ko_ice_schema_entry_by_id(s, id);
    return e ? e->field : NULL;
}

const ko_ice_schema_entry *ko_ice_schema_entry_by_name(const ko_ice_schema *s, const char *name,
                                                       bool case_insensitive)
{
    /* An exact match wins over a case-insensitive one. */
    for (uint32_t i = 0; i < s->n_by_id; i++)
        if (strcmp(s->by_id[i].name, name) == 0)
            return &s->by_id[i];
    for (uint32_t i = 0; case_insensitive && i < s->n_by_id; i++)
        if (strcasecmp(s->by_id[i].name, name) == 0)
            return &s->by_id[i];
    return NULL;
}

const ko_ice_field *ko_ice_schema_find_name(const ko_ice_schema *s, const char *name,
                                            bool case_insensitive)
{
    const ko_ice_schema_entry *e = ko_ice_schema_entry_by_name(s, name, case_insensitive);
    return e ? e->field : NULL;
}
