/*
 * schema_json.c - schemas and types in the JSON form of Appendix C.
 *
 * Primitive types are strings ("long", "decimal(9,2)", "fixed[16]");
 * nested types are objects: {"type":"struct","fields":[...]},
 * {"type":"list","element-id","element","element-required"} and
 * {"type":"map","key-id","key","value-id","value","value-required"}.
 * Parsing maps list elements and map keys/values onto child fields named
 * "element", "key" and "value"; writing maps them back, in the member
 * order the Java implementation uses so that our files diff cleanly
 * against theirs.  Field defaults are kept as compact JSON text after
 * checking them against the field's type (Appendix D JSON forms).
 *
 * Errors name the path: "schema 0: field 'point': field 'x': unknown type".
 */
#include "iceberg/iceberg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_DEPTH = 100 };

static ko_status parse_type(const json_t *j, ko_arena *arena, ko_ice_type *out, int depth,
                            ko_err *err);

static ko_status nomem(ko_err *err)
{
    return ko_err_set(err, KO_ERR_NOMEM, "out of memory reading a schema");
}

/* ------------------------------------------------------------- defaults */

static ko_status check_default(const ko_ice_type *t, const json_t *v, ko_arena *arena, ko_err *err)
{
    if (json_is_null(v))
        return KO_OK;
    if (ko_ice_type_is_primitive(t)) {
        ko_ice_value val;
        return ko_ice_value_from_json(t, v, arena, &val, err);
    }
    bool ok = t->id == KO_ICE_LIST ? json_is_array(v) : json_is_object(v);
    if (!ok)
        return ko_err_set(err, KO_ERR_INVALID, "a %s default must be a JSON %s",
                          ko_ice_type_name(t->id), t->id == KO_ICE_LIST ? "array" : "object");
    return KO_OK;
}

static ko_status read_default(const json_t *field, const char *key, const ko_ice_type *t,
                              ko_arena *arena, const char **out, ko_err *err)
{
    const json_t *v = json_object_get(field, key);
    *out = NULL;
    if (!v)
        return KO_OK;
    ko_status st = check_default(t, v, arena, err);
    if (st != KO_OK)
        return ko_err_prefix(err, "%s", key);
    char *text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_REAL_PRECISION(17));
    if (!text)
        return nomem(err);
    *out = ko_arena_strdup(arena, text);
    free(text);
    return *out ? KO_OK : nomem(err);
}

/* --------------------------------------------------------------- fields */

static ko_status parse_field_body(const json_t *j, const char *what, ko_arena *arena,
                                  ko_ice_field *f, int depth, ko_err *err)
{
    const json_t *type = json_object_get(j, "type");
    if (!type)
        return ko_err_set(err, KO_ERR_CORRUPT, "%s: missing required field 'type'", what);
    ko_status st = ko_ice_json_bool(j, what, "required", &f->required, err);
    if (st == KO_OK)
        st = ko_ice_json_opt_str(j, what, "doc", arena, &f->doc, err);
    if (st != KO_OK)
        return st;
    st = parse_type(type, arena, &f->type, depth + 1, err);
    if (st == KO_OK)
        st = read_default(j, "initial-default", &f->type, arena, &f->initial_default, err);
    if (st == KO_OK)
        st = read_default(j, "write-default", &f->type, arena, &f->write_default, err);
    if (st != KO_OK)
        return ko_err_prefix(err, "%s", what);
    return KO_OK;
}

static ko_status parse_field(const json_t *j, uint32_t index, ko_arena *arena, ko_ice_field *f,
                             int depth, ko_err *err)
{
    char what[160];
    snprintf(what, sizeof what, "field %u", index);
    if (!json_is_object(j))
        return ko_err_set(err, KO_ERR_CORRUPT, "%s is not an object", what);
    ko_status st = ko_ice_json_str(j, what, "name", arena, &f->name, err);
    if (st != KO_OK)
        return st;
    snprintf(what, sizeof what, "field '%s'", f->name);
    if (!json_object_get(j, "id")) /* "field 'id': missing ... 'id'" would puzzle */
        return ko_err_set(err, KO_ERR_CORRUPT, "%s has no field id (member 'id')", what);
    st = ko_ice_json_i32(j, what, "id", &f->id, err);
    if (st != KO_OK)
        return st;
    return parse_field_body(j, what, arena, f, depth, err);
}

static ko_status parse_struct(const json_t *j, ko_arena *arena, ko_ice_type *out, int depth,
                              ko_err *err)
{
    const json_t *fields = NULL;
    ko_status st = ko_ice_json_array(j, "struct", "fields", true, &fields, err);
    if (st != KO_OK)
        return st;
    size_t n = json_array_size(fields);
    *out = (ko_ice_type){.id = KO_ICE_STRUCT, .n_fields = (uint32_t)n};
    out->fields = ko_arena_calloc(arena, n ? n : 1, sizeof *out->fields);
    if (!out->fields)
        return nomem(err);
    for (size_t i = 0; i < n; i++) {
        st =
            parse_field(json_array_get(fields, i), (uint32_t)i, arena, &out->fields[i], depth, err);
        if (st != KO_OK)
            return st;
    }
    return KO_OK;
}

/* One child of a list or map: ids, required flag and type under the given
 * member names (required_key NULL: always required). */
static ko_status parse_child(const json_t *j, const char *name, const char *id_key,
                             const char *required_key, ko_arena *arena, ko_ice_field *f, int depth,
                             ko_err *err)
{
    const char *what = required_key ? (id_key[0] == 'e' ? "list" : "map") : "map";
    f->name = name;
    f->required = true;
    ko_status st = ko_ice_json_i32(j, what, id_key, &f->id, err);
    if (st == KO_OK && required_key)
        st = ko_ice_json_bool(j, what, required_key, &f->required, err);
    if (st != KO_OK)
        return st;
    const json_t *type = json_object_get(j, name);
    if (!type)
        return ko_err_set(err, KO_ERR_CORRUPT, "%s: missing required field '%s'", what, name);
    st = parse_type(type, arena, &f->type, depth + 1, err);
    if (st != KO_OK)
        return ko_err_prefix(err, "%s", name);
    return KO_OK;
}

static ko_status parse_collection(const json_t *j, bool is_map, ko_arena *arena, ko_ice_type *out,
                                  int depth, ko_err *err)
{
    uint32_t n = is_map ? 2 : 1;
    *out = (ko_ice_type){.id = is_map ? KO_ICE_MAP : KO_ICE_LIST, .n_fields = n};
    out->fields = ko_arena_calloc(arena, n, sizeof *out->fields);
    if (!out->fields)
        return nomem(err);
    if (!is_map)
        return parse_child(j, "element", "element-id", "element-required", arena, &out->fields[0],
                           depth, err);
    ko_status st = parse_child(j, "key", "key-id", NULL, arena, &out->fields[0], depth, err);
    if (st == KO_OK)
        st = parse_child(j, "value", "value-id", "value-required", arena, &out->fields[1], depth,
                         err);
    return st;
}

static ko_status parse_type(const json_t *j, ko_arena *arena, ko_ice_type *out, int depth,
                            ko_err *err)
{
    if (depth > MAX_DEPTH)
        return ko_err_set(err, KO_ERR_INVALID, "types nest deeper than %d levels", MAX_DEPTH);
    if (json_is_string(j))
        return ko_ice_type_parse(json_string_value(j), out, err);
    if (!json_is_object(j))
        return ko_err_set(err, KO_ERR_CORRUPT, "a type must be a string or an object");
    const char *kind = json_string_value(json_object_get(j, "type"));
    if (!kind)
        return ko_err_set(err, KO_ERR_CORRUPT, "a nested type needs a string 'type'");
    if (strcmp(kind, "struct") == 0)
        return parse_struct(j, arena, out, depth, err);
    if (strcmp(kind, "list") == 0 || strcmp(kind, "map") == 0)
        return parse_collection(j, kind[0] == 'm', arena, out, depth, err);
    return ko_err_set(err, KO_ERR_INVALID, "unknown nested type '%s'", kind);
}

ko_status ko_ice_type_from_json(const json_t *j, ko_arena *arena, ko_ice_type *out, ko_err *err)
{
    return parse_type(j, arena, out, 0, err);
}

/* --------------------------------------------------------------- schema */

static ko_status parse_identifiers(const json_t *j, ko_arena *arena, ko_ice_schema *s, ko_err *err)
{
    const json_t *ids = NULL;
    ko_status st = ko_ice_json_array(j, "schema", "identifier-field-ids", false, &ids, err);
    if (st != KO_OK || !ids)
        return st;
    size_t n = json_array_size(ids);
    s->identifier_ids = ko_arena_calloc(arena, n ? n : 1, sizeof(int32_t));
    if (!s->identifier_ids)
        return nomem(err);
    for (size_t i = 0; i < n; i++) {
        const json_t *v = json_array_get(ids, i);
        if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > INT32_MAX)
            return ko_err_set(err, KO_ERR_CORRUPT, "identifier-field-ids[%zu] is not a field id",
                              i);
        s->identifier_ids[i] = (int32_t)json_integer_value(v);
    }
    s->n_identifier_ids = (uint32_t)n;
    return KO_OK;
}

static ko_status schema_body(const json_t *j, bool require_id, ko_arena *arena, ko_ice_schema *out,
                             ko_err *err)
{
    bool has_id = false;
    ko_status st = ko_ice_json_opt_i32(j, "schema", "schema-id", &out->schema_id, &has_id, err);
    if (st == KO_OK && require_id && !has_id)
        st = ko_err_set(err, KO_ERR_CORRUPT, "schema: missing required field 'schema-id'");
    if (st != KO_OK)
        return st;
    const json_t *type = json_object_get(j, "type");
    if (type && (!json_is_string(type) || strcmp(json_string_value(type), "struct") != 0))
        return ko_err_set(err, KO_ERR_CORRUPT, "schema %d: 'type' must be \"struct\"",
                          (int)out->schema_id);
    st = parse_struct(j, arena, &out->root, 0, err);
    if (st == KO_OK)
        st = parse_identifiers(j, arena, out, err);
    if (st != KO_OK)
        return ko_err_prefix(err, "schema %d", (int)out->schema_id);
    return ko_ice_schema_build(out, arena, err);
}

ko_status ko_ice_schema_from_json(const json_t *j, bool require_id, ko_arena *arena,
                                  ko_ice_schema *out, ko_err *err)
{
    *out = (ko_ice_schema){0};
    if (!json_is_object(j))
        return ko_err_set(err, KO_ERR_CORRUPT, "schema: not a JSON object");
    return schema_body(j, require_id, arena, out, err);
}

ko_status ko_ice_schema_parse(const char *text, size_t len, ko_arena *arena, ko_ice_schema *out,
                              ko_err *err)
{
    json_t *j = NULL;
    ko_status st = ko_ice_json_load(text, len, "schema", &j, err);
    if (st != KO_OK)
        return st;
    st = ko_ice_schema_from_json(j, false, arena, out, err);
    json_decref(j);
    return st;
}

/* -------------------------------------------------------------- writing */

static json_t *type_json(const ko_ice_type *t);

static int put_default(json_t *o, const char *key, const char *text)
{
    if (!text)
        return 0;
    json_t *v = json_loads(text, JSON_DECODE_ANY, NULL);
    return v ? json_object_set_new(o, key, v) : -1;
}

static json_t *field_json(const ko_ice_field *f)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    int rc = json_object_set_new(o, "id", json_integer(f->id));
    rc |= json_object_set_new(o, "name", json_string(f->name));
    rc |= json_object_set_new(o, "required", json_boolean(f->required));
    rc |= json_object_set_new(o, "type", type_json(&f->type));
    if (f->doc)
        rc |= json_object_set_new(o, "doc", json_string(f->doc));
    rc |= put_default(o, "initial-default", f->initial_default);
    rc |= put_default(o, "write-default", f->write_default);
    if (rc != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *fields_json(const ko_ice_type *t)
{
    json_t *a = json_array();
    for (uint32_t i = 0; a && i < t->n_fields; i++) {
        if (json_array_append_new(a, field_json(&t->fields[i])) != 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

static json_t *child_json(json_t *o, const ko_ice_field *f, const char *id_key,
                          const char *required_key)
{
    int rc = json_object_set_new(o, id_key, json_integer(f->id));
    rc |= json_object_set_new(o, f->name, type_json(&f->type));
    if (required_key)
        rc |= json_object_set_new(o, required_key, json_boolean(f->required));
    if (rc != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *type_json(const ko_ice_type *t)
{
    if (ko_ice_type_is_primitive(t)) {
        char buf[KO_ICE_TYPE_STR_MAX];
        ko_ice_type_format(t, buf);
        return json_string(buf);
    }
    json_t *o = json_object();
    if (!o || json_object_set_new(o, "type", json_string(ko_ice_type_name(t->id))) != 0) {
        json_decref(o);
        return NULL;
    }
    if (t->id == KO_ICE_LIST && t->n_fields == 1)
        return child_json(o, &t->fields[0], "element-id", "element-required");
    if (t->id == KO_ICE_MAP && t->n_fields == 2) {
        o = child_json(o, &t->fields[0], "key-id", NULL);
        return o ? child_json(o, &t->fields[1], "value-id", "value-required") : NULL;
    }
    if (json_object_set_new(o, "fields", fields_json(t)) != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

ko_status ko_ice_type_to_json(const ko_ice_type *t, json_t **out, ko_err *err)
{
    *out = type_json(t);
    return *out ? KO_OK : ko_err_set(err, KO_ERR_NOMEM, "out of memory writing a type");
}

static json_t *ids_json(const ko_ice_schema *s)
{
    json_t *a = json_array();
    for (uint32_t i = 0; a && i < s->n_identifier_ids; i++) {
        if (json_array_append_new(a, json_integer(s->identifier_ids[i])) != 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

ko_status ko_ice_schema_to_json(const ko_ice_schema *s, json_t **out, ko_err *err)
{
    json_t *o = json_object();
    int rc = o ? 0 : -1;
    if (o) {
        rc |= json_object_set_new(o, "type", json_string("struct"));
        rc |= json_object_set_new(o, "schema-id", json_integer(s->schema_id));
        if (s->n_identifier_ids)
            rc |= json_object_set_new(o, "identifier-field-ids", ids_json(s));
        rc |= json_object_set_new(o, "fields", fields_json(&s->root));
    }
    if (rc != 0) {
        json_decref(o);
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory writing schema %d", (int)s->schema_id);
    }
    *out = o;
    return KO_OK;
}

ko_status ko_ice_schema_write_json(const ko_ice_schema *s, ko_buf *out, ko_err *err)
{
    json_t *j = NULL;
    ko_status st = ko_ice_schema_to_json(s, &j, err);
    if (st == KO_OK)
        st = ko_ice_json_dump(j, 0, out, err);
    json_decref(j);
    return st;
}
