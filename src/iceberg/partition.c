/*
 * partition.c - partition specs and sort orders: JSON, validation, the
 * "--partition-by" text, partition paths.
 *
 * Specs and sort orders are small lists of (source column, transform)
 * pairs.  Their JSON follows Appendix C in the Java member order.  Reading
 * keeps transforms this layer does not know (kind UNKNOWN, with their
 * text), because the spec lets readers ignore such fields; validation,
 * which is what writers run, refuses them.
 *
 * Validation mirrors the Java builder's rules so that a spec we accept is
 * one every engine accepts: sources are primitive columns outside lists
 * and maps, transforms suit their source types, field ids and names are
 * unique, a name may shadow a schema column only as that column's identity
 * partition, and no source is partitioned twice by the same transform (or
 * by two time transforms, which Java counts as redundant).
 *
 * Partition paths are Java's partitionToPath: "name=value" pairs joined by
 * '/', names and human-readable values form-URL-encoded.
 */
#include "iceberg/iceberg.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static ko_status nomem(ko_err *err)
{
    return ko_err_set(err, KO_ERR_NOMEM, "out of memory in a partition spec");
}

/* Reads a "transform" member, keeping unknown transforms' text. */
static ko_status read_transform(const json_t *j, const char *what, ko_arena *arena,
                                ko_ice_transform *out, ko_err *err)
{
    const char *text = NULL;
    ko_status st = ko_ice_json_str(j, what, "transform", arena, &text, err);
    if (st != KO_OK)
        return st;
    ko_err why = {0};
    st = ko_ice_transform_parse(text, out, &why);
    if (st == KO_OK || st == KO_ERR_UNSUPPORTED)
        return KO_OK; /* unknown ones are kept; out->unknown is the arena copy */
    return ko_err_set(err, st, "%s: %s", what, why.msg);
}

/* "source-id", or a v3 "source-ids" list holding one id. */
static ko_status read_source(const json_t *j, const char *what, int32_t *out, ko_err *err)
{
    const json_t *ids = json_object_get(j, "source-ids");
    if (json_object_get(j, "source-id") || !json_is_array(ids))
        return ko_ice_json_i32(j, what, "source-id", out, err);
    if (json_array_size(ids) != 1 || !json_is_integer(json_array_get(ids, 0)))
        return ko_err_set(err, KO_ERR_UNSUPPORTED,
                          "%s: transforms of several source columns are not supported", what);
    *out = (int32_t)json_integer_value(json_array_get(ids, 0));
    return KO_OK;
}

/* ------------------------------------------------------- partition specs */

static ko_status parse_pfield(const json_t *j, uint32_t i, int32_t default_id, ko_arena *arena,
                              ko_ice_partition_field *f, ko_err *err)
{
    char what[160];
    snprintf(what, sizeof what, "partition field %u", i);
    if (!json_is_object(j))
        return ko_err_set(err, KO_ERR_CORRUPT, "%s is not an object", what);
    ko_status st = ko_ice_json_str(j, what, "name", arena, &f->name, err);
    if (st != KO_OK)
        return st;
    snprintf(what, sizeof what, "partition field '%s'", f->name);
    bool has_id = false;
    f->field_id = default_id;
    st = read_source(j, what, &f->source_id, err);
    if (st == KO_OK)
        st = ko_ice_json_opt_i32(j, what, "field-id", &f->field_id, &has_id, err);
    if (st == KO_OK && !has_id && default_id < 0)
        st = ko_err_set(err, KO_ERR_CORRUPT, "%s: missing required field 'field-id'", what);
    if (st == KO_OK)
        st = read_transform(j, what, arena, &f->transform, err);
    return st;
}

/* default_base < 0: field ids are required (v2). */
static ko_status parse_pfields(const json_t *fields, int32_t default_base, ko_arena *arena,
                               ko_ice_partition_spec *out, ko_err *err)
{
    size_t n = json_array_size(fields);
    out->fields = ko_arena_calloc(arena, n ? n : 1, sizeof *out->fields);
    if (!out->fields)
        return nomem(err);
    out->n_fields = (uint32_t)n;
    for (size_t i = 0; i < n; i++) {
        int32_t def = default_base < 0 ? -1 : default_base + (int32_t)i;
        ko_status st =
            parse_pfield(json_array_get(fields, i), (uint32_t)i, def, arena, &out->fields[i], err);
        if (st != KO_OK)
            return ko_err_prefix(err, "partition spec %d", (int)out->spec_id);
    }
    return KO_OK;
}

ko_status ko_ice_spec_from_json(const json_t *j, ko_arena *arena, ko_ice_partition_spec *out,
                                ko_err *err)
{
    *out = (ko_ice_partition_spec){0};
    if (!json_is_object(j))
        return ko_err_set(err, KO_ERR_CORRUPT, "partition spec: not a JSON object");
    const json_t *fields = NULL;
    ko_status st = ko_ice_json_i32(j, "partition spec", "spec-id", &out->spec_id, err);
    if (st == KO_OK)
        st = ko_ice_json_array(j, "partition spec", "fields", true, &fields, err);
    if (st != KO_OK)
        return st;
    return parse_pfields(fields, -1, arena, out, err);
}

ko_status ko_ice_spec_from_json_fields(const json_t *fields, int32_t spec_id, ko_arena *arena,
                                       ko_ice_partition_spec *out, ko_err *err)
{
    *out = (ko_ice_partition_spec){.spec_id = spec_id};
    if (!json_is_array(fields))
        return ko_err_set(err, KO_ERR_CORRUPT, "partition-spec: not a JSON list");
    return parse_pfields(fields, KO_ICE_FIRST_PARTITION_ID, arena, out, err);
}

static json_t *transform_json(const ko_ice_transform *t)
{
    char text[KO_ICE_TRANSFORM_STR_MAX];
    if (t->kind == KO_ICE_TR_UNKNOWN && t->unknown)
        return json_string(t->unknown);
    ko_ice_transform_format(t, text);
    return json_string(text);
}

static json_t *pfield_json(const ko_ice_partition_field *f)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    int rc = json_object_set_new(o, "name", json_string(f->name));
    rc |= json_object_set_new(o, "transform", transform_json(&f->transform));
    rc |= json_object_set_new(o, "source-id", json_integer(f->source_id));
    rc |= json_object_set_new(o, "field-id", json_integer(f->field_id));
    if (rc) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* {"<id_key>": id, "fields": [...]}, the shape of specs and sort orders.
 * Takes ownership of fields (which may be NULL after a failed allocation);
 * returns NULL when out of memory. */
static json_t *id_and_fields(const char *id_key, int32_t id, json_t *fields)
{
    json_t *o = json_object();
    int rc = o && fields ? json_object_set_new(o, id_key, json_integer(id)) : -1;
    if (rc == 0) {
        rc = json_object_set_new(o, "fields", fields);
        fields = NULL;
    }
    json_decref(fields);
    if (rc != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

ko_status ko_ice_spec_to_json(const ko_ice_partition_spec *s, json_t **out, ko_err *err)
{
    json_t *a = json_array();
    int rc = a ? 0 : -1;
    for (uint32_t i = 0; rc == 0 && i < s->n_fields; i++)
        rc = json_array_append_new(a, pfield_json(&s->fields[i]));
    if (rc != 0) {
        json_decref(a);
        a = NULL;
    }
    *out = id_and_fields("spec-id", s->spec_id, a);
    if (!*out)
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory writing partition spec %d",
                          (int)s->spec_id);
    return KO_OK;
}

bool ko_ice_spec_equal(const ko_ice_partition_spec *a, const ko_ice_partition_spec *b)
{
    if (a->n_fields != b->n_fields)
        return false;
    for (uint32_t i = 0; i < a->n_fields; i++) {
        const ko_ice_partition_field *x = &a->fields[i], *y = &b->fields[i];
        if (x->source_id != y->source_id || x->field_id != y->field_id ||
            strcmp(x->name, y->name) != 0 || !ko_ice_transform_equal(&x->transform, &y->transform))
            return false;
    }
    return true;
}

bool ko_ice_spec_is_unpartitioned(const ko_ice_partition_spec *s)
{
    for (uint32_t i = 0; i < s->n_fields; i++)
        if (s->fields[i].transform.kind != KO_ICE_TR_VOID)
            return false;
    return true;
}

/* The source column of a spec or sort field, checked: present, primitive,
 * outside lists and maps; and the transform suits its type. */
static ko_status check_source(const ko_ice_schema *schema, int32_t source_id,
                              const ko_ice_transform *t, const char *what, ko_err *err)
{
    const ko_ice_schema_entry *e = ko_ice_schema_entry_by_id(schema, source_id);
    if (!e)
        return ko_err_set(err, KO_ERR_INVALID, "%s: source column id %d does not exist", what,
                          (int)source_id);
    if (!ko_ice_type_is_primitive(&e->field->type))
        return ko_err_set(err, KO_ERR_INVALID, "%s: source column '%s' is not a primitive type",
                          what, e->name);
    if (e->in_collection)
        return ko_err_set(err, KO_ERR_INVALID, "%s: source column '%s' is inside a list or map",
                          what, e->name);
    ko_ice_type rt;
    ko_status st = ko_ice_transform_result_type(t, &e->field->type, &rt, err);
    if (st != KO_OK)
        return ko_err_prefix(err, "%s: column '%s'", what, e->name);
    return KO_OK;
}

static bool is_time_transform(ko_ice_transform_kind k)
{
    return k == KO_ICE_TR_YEAR || k == KO_ICE_TR_MONTH || k == KO_ICE_TR_DAY || k == KO_ICE_TR_HOUR;
}

static bool redundant(const ko_ice_partition_field *a, const ko_ice_partition_field *b)
{
    if (a->source_id != b->source_id || a->transform.kind == KO_ICE_TR_VOID ||
        b->transform.kind == KO_ICE_TR_VOID)
        return false;
    if (is_time_transform(a->transform.kind) && is_time_transform(b->transform.kind))
        return true;
    return ko_ice_transform_equal(&a->transform, &b->transform);
}

static ko_status check_pair(const ko_ice_partition_field *a, const ko_ice_partition_field *b,
                            ko_err *err)
{
    if (a->field_id == b->field_id)
        return ko_err_set(err, KO_ERR_INVALID, "fields '%s' and '%s' share the field id %d",
                          a->name, b->name, (int)a->field_id);
    if (strcmp(a->name, b->name) == 0)
        return ko_err_set(err, KO_ERR_INVALID, "duplicate partition field name '%s'", a->name);
    if (redundant(a, b))
        return ko_err_set(err, KO_ERR_INVALID, "partition field '%s' is redundant with '%s'",
                          b->name, a->name);
    return KO_OK;
}

static ko_status check_pfield(const ko_ice_partition_spec *s, uint32_t i,
                              const ko_ice_schema *schema, ko_err *err)
{
    const ko_ice_partition_field *f = &s->fields[i];
    char what[160];
    snprintf(what, sizeof what, "partition field '%s'", f->name ? f->name : "");
    if (!f->name || !*f->name)
        return ko_err_set(err, KO_ERR_INVALID, "partition field %u has no name", i);
    ko_status st = check_source(schema, f->source_id, &f->transform, what, err);
    if (st != KO_OK)
        return st;
    const ko_ice_schema_entry *shadow = ko_ice_schema_entry_by_name(schema, f->name, false);
    if (shadow && !(f->transform.kind == KO_ICE_TR_IDENTITY && shadow->field->id == f->source_id))
        return ko_err_set(err, KO_ERR_INVALID,
                          "%s: the name is a schema column; only its identity partition may "
                          "use it",
                          what);
    for (uint32_t k = 0; k < i; k++)
        if ((st = check_pair(&s->fields[k], f, err)) != KO_OK)
            return st;
    return KO_OK;
}

ko_status ko_ice_spec_validate(const ko_ice_partition_spec *s, const ko_ice_schema *schema,
                               ko_err *err)
{
    for (uint32_t i = 0; i < s->n_fields; i++) {
        ko_status st = check_pfield(s, i, schema, err);
        if (st != KO_OK)
            return ko_err_prefix(err, "partition spec %d", (int)s->spec_id);
    }
    return KO_OK;
}

ko_status ko_ice_spec_partition_type(const ko_ice_partition_spec *s, const ko_ice_schema *schema,
                                     ko_arena *arena, ko_ice_type *out, ko_err *err)
{
    *out = (ko_ice_type){.id = KO_ICE_STRUCT, .n_fields = s->n_fields};
    out->fields = ko_arena_calloc(arena, s->n_fields ? s->n_fields : 1, sizeof *out->fields);
    if (!out->fields)
        return nomem(err);
    for (uint32_t i = 0; i < s->n_fields; i++) {
        const ko_ice_partition_field *f = &s->fields[i];
        const ko_ice_field *src = ko_ice_schema_find_id(schema, f->source_id);
        ko_ice_field *pf = &out->fields[i];
        *pf = (ko_ice_field){.id = f->field_id, .name = f->name};
        if (!src)
            return ko_err_set(err, KO_ERR_INVALID,
                              "partition field '%s': source column id %d does not exist", f->name,
                              (int)f->source_id);
        ko_status st = ko_ice_transform_result_type(&f->transform, &src->type, &pf->type, err);
        if (st != KO_OK)
            return ko_err_prefix(err, "partition field '%s'", f->name);
    }
    return KO_OK;
}

/* ------------------------------------------------------- partition paths */

/* java.net.URLEncoder with UTF-8: [A-Za-z0-9.*_-] kept, ' ' as '+'. */
static ko_status url_encode(ko_buf *out, const uint8_t *s, size_t n)
{
    ko_status st = KO_OK;
    for (size_t i = 0; i < n && st == KO_OK; i++) {
        uint8_t c = s[i];
        if (isalnum(c) || c == '.' || c == '-' || c == '*' || c == '_')
            st = ko_buf_append(out, &c, 1);
        else if (c == ' ')
            st = ko_buf_append(out, "+", 1);
        else
            st = ko_buf_appendf(out, "%%%02X", c);
    }
    return st;
}

static ko_status path_part(const ko_ice_partition_field *f, const ko_ice_schema *schema,
                           const ko_ice_value *v, ko_buf *tmp, ko_buf *out, ko_err *err)
{
    const ko_ice_field *src = ko_ice_schema_find_id(schema, f->source_id);
    if (!src)
        return ko_err_set(err, KO_ERR_INVALID,
                          "partition field '%s': source column id %d does not exist", f->name,
                          (int)f->source_id);
    ko_ice_type rt;
    ko_status st = ko_ice_transform_result_type(&f->transform, &src->type, &rt, err);
    if (st == KO_OK)
        st = ko_ice_transform_human(&f->transform, &rt, v, tmp, err);
    if (st != KO_OK)
        return ko_err_prefix(err, "partition field '%s'", f->name);
    st = url_encode(out, (const uint8_t *)f->name, strlen(f->name));
    if (st == KO_OK)
        st = ko_buf_append(out, "=", 1);
    if (st == KO_OK)
        st = url_encode(out, tmp->data, tmp->len);
    return st == KO_OK ? KO_OK : nomem(err);
}

ko_status ko_ice_partition_path(const ko_ice_partition_spec *s, const ko_ice_schema *schema,
                                const ko_ice_value *values, ko_buf *out, ko_err *err)
{
    ko_buf tmp = {0};
    ko_status st = KO_OK;
    for (uint32_t i = 0; i < s->n_fields && st == KO_OK; i++) {
        ko_buf_reset(&tmp);
        if (i > 0 && ko_buf_append(out, "/", 1) != KO_OK)
            st = nomem(err);
        if (st == KO_OK)
            st = path_part(&s->fields[i], schema, &values[i], &tmp, out, err);
    }
    ko_buf_free(&tmp);
    return st;
}

/* ---------------------------------------------------------- sort orders */

static ko_status read_enum(const json_t *j, const char *what, const char *key, const char *a,
                           const char *b, int *out, ko_err *err)
{
    const char *s = json_string_value(json_object_get(j, key));
    if (!s)
        return ko_err_set(err, KO_ERR_CORRUPT, "%s: missing required string '%s'", what, key);
    if (strcasecmp(s, a) != 0 && strcasecmp(s, b) != 0)
        return ko_err_set(err, KO_ERR_CORRUPT, "%s: '%s' must be \"%s\" or \"%s\", not \"%s\"",
                          what, key, a, b, s);
    *out = strcasecmp(s, a) == 0 ? 0 : 1;
    return KO_OK;
}

static ko_status parse_sfield(const json_t *j, uint32_t i, ko_arena *arena, ko_ice_sort_field *f,
                              ko_err *err)
{
    char what[64];
    snprintf(what, sizeof what, "sort field %u", i);
    if (!json_is_object(j))
        return ko_err_set(err, KO_ERR_CORRUPT, "%s is not an object", what);
    int dir = 0, nulls = 0;
    ko_status st = read_transform(j, what, arena, &f->transform, err);
    if (st == KO_OK)
        st = read_source(j, what, &f->source_id, err);
    if (st == KO_OK)
        st = read_enum(j, what, "direction", "asc", "desc", &dir, err);
    if (st == KO_OK)
        st = read_enum(j, what, "null-order", "nulls-first", "nulls-last", &nulls, err);
    f->direction = dir ? KO_ICE_DESC : KO_ICE_ASC;
    f->null_order = nulls ? KO_ICE_NULLS_LAST : KO_ICE_NULLS_FIRST;
    return st;
}

ko_status ko_ice_sort_order_from_json(const json_t *j, ko_arena *arena, ko_ice_sort_order *out,
                                      ko_err *err)
{
    *out = (ko_ice_sort_order){0};
    if (!json_is_object(j))
        return ko_err_set(err, KO_ERR_CORRUPT, "sort order: not a JSON object");
    const json_t *fields = NULL;
    ko_status st = ko_ice_json_i32(j, "sort order", "order-id", &out->order_id, err);
    if (st == KO_OK)
        st = ko_ice_json_array(j, "sort order", "fields", true, &fields, err);
    if (st != KO_OK)
        return st;
    size_t n = json_array_size(fields);
    out->fields = ko_arena_calloc(arena, n ? n : 1, sizeof *out->fields);
    if (!out->fields)
        return nomem(err);
    out->n_fields = (uint32_t)n;
    for (size_t i = 0; i < n; i++) {
        st = parse_sfield(json_array_get(fields, i), (uint32_t)i, arena, &out->fields[i], err);
        if (st != KO_OK)
            return ko_err_prefix(err, "sort order %d", (int)out->order_id);
    }
    return KO_OK;
}

static json_t *sfield_json(const ko_ice_sort_field *f)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    int rc = json_object_set_new(o, "transform", transform_json(&f->transform));
    rc |= json_object_set_new(o, "source-id", json_integer(f->source_id));
    rc |= json_object_set_new(o, "direction",
                              json_string(f->direction == KO_ICE_DESC ? "desc" : "asc"));
    rc |= json_object_set_new(
        o, "null-order",
        json_string(f->null_order == KO_ICE_NULLS_LAST ? "nulls-last" : "nulls-first"));
    if (rc) {
        json_decref(o);
        return NULL;
    }
    return o;
}

ko_status ko_ice_sort_order_to_json(const ko_ice_sort_order *o, json_t **out, ko_err *err)
{
    json_t *a = json_array();
    int rc = a ? 0 : -1;
    for (uint32_t i = 0; rc == 0 && i < o->n_fields; i++)
        rc = json_array_append_new(a, sfield_json(&o->fields[i]));
    if (rc != 0) {
        json_decref(a);
        a = NULL;
    }
    *out = id_and_fields("order-id", o->order_id, a);
    if (!*out)
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory writing sort order %d",
                          (int)o->order_id);
    return KO_OK;
}

bool ko_ice_sort_order_equal(const ko_ice_sort_order *a, const ko_ice_sort_order *b)
{
    if (a->n_fields != b->n_fields)
        return false;
    for (uint32_t i = 0; i < a->n_fields; i++) {
        const ko_ice_sort_field *x = &a->fields[i], *y = &b->fields[i];
        if (x->source_id != y->source_id || x->direction != y->direction ||
            x->null_order != y->null_order || !ko_ice_transform_equal(&x->transform, &y->transform))
            return false;
    }
    return true;
}

ko_status ko_ice_sort_order_validate(const ko_ice_sort_order *o, const ko_ice_schema *schema,
                                     ko_err *err)
{
    if (o->order_id == 0 && o->n_fields)
        return ko_err_set(err, KO_ERR_INVALID, "sort order 0 is reserved for the unsorted order");
    if (o->order_id != 0 && !o->n_fields)
        return ko_err_set(err, KO_ERR_INVALID, "sort order %d has no fields", (int)o->order_id);
    for (uint32_t i = 0; i < o->n_fields; i++) {
        char what[64];
        snprintf(what, sizeof what, "sort order %d: field %u", (int)o->order_id, i);
        ko_status st =
            check_source(schema, o->fields[i].source_id, &o->fields[i].transform, what, err);
        if (st != KO_OK)
            return st;
    }
    return KO_OK;
}
