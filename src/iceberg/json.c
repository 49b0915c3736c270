/*
 * json.c - typed access to JSON object members, with errors that name them.
 *
 * Iceberg's JSON (schemas, specs, metadata) is read member by member; every
 * reader wants the same checks (present, right JSON type, in range) and the
 * same kind of message: "snapshot 123: field 'timestamp-ms' must be an
 * integer".  These helpers give that once.  A JSON null counts as absent,
 * which is how Java writers spell unset optional members.
 */
#include "iceberg/iceberg.h"

#include <stdlib.h>
#include <string.h>

static const json_t *member(const json_t *obj, const char *key)
{
    const json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    return json_is_null(v) ? NULL : v;
}

static ko_status missing(const char *what, const char *key, ko_err *err)
{
    return ko_err_set(err, KO_ERR_CORRUPT, "%s: missing required field '%s'", what, key);
}

static ko_status mistyped(const char *what, const char *key, const char *want, ko_err *err)
{
    return ko_err_set(err, KO_ERR_CORRUPT, "%s: field '%s' must be %s", what, key, want);
}

ko_status ko_ice_json_opt_i64(const json_t *obj, const char *what, const char *key, int64_t *out,
                              bool *present, ko_err *err)
{
    const json_t *v = member(obj, key);
    *present = v != NULL;
    if (!v)
        return KO_OK;
    if (!json_is_integer(v))
        return mistyped(what, key, "an integer", err);
    *out = (int64_t)json_integer_value(v);
    return KO_OK;
}

ko_status ko_ice_json_opt_i32(const json_t *obj, const char *what, const char *key, int32_t *out,
                              bool *present, ko_err *err)
{
    int64_t v = 0;
    ko_status st = ko_ice_json_opt_i64(obj, what, key, &v, present, err);
    if (st != KO_OK || !*present)
        return st;
    if (v < INT32_MIN || v > INT32_MAX)
        return ko_err_set(err, KO_ERR_CORRUPT, "%s: field '%s' (%lld) is out of the int range",
                          what, key, (long long)v);
    *out = (int32_t)v;
    return KO_OK;
}

ko_status ko_ice_json_i64(const json_t *obj, const char *what, const char *key, int64_t *out,
                          ko_err *err)
{
    bool present = false;
    ko_status st = ko_ice_json_opt_i64(obj, what, key, out, &present, err);
    if (st == KO_OK && !present)
        return missing(what, key, err);
    return st;
}

ko_status ko_ice_json_i32(const json_t *obj, const char *what, const char *key, int32_t *out,
                          ko_err *err)
{
    bool present = false;
    ko_status st = ko_ice_json_opt_i32(obj, what, key, out, &present, err);
    if (st == KO_OK && !present)
        return missing(what, key, err);
    return st;
}

ko_status ko_ice_json_bool(const json_t *obj, const char *what, const char *key, bool *out,
                           ko_err *err)
{
    const json_t *v = member(obj, key);
    if (!v)
        return missing(what, key, err);
    if (!json_is_boolean(v))
        return mistyped(what, key, "true or false", err);
    *out = json_is_true(v);
    return KO_OK;
}

static ko_status get_str(const json_t *obj, const char *what, const char *key, bool required,
                         ko_arena *arena, const char **out, ko_err *err)
{
    const json_t *v = member(obj, key);
    if (!v) {
        if (required)
            return missing(what, key, err);
        *out = NULL;
        return KO_OK;
    }
    if (!json_is_string(v))
        return mistyped(what, key, "a string", err);
    char *s = ko_arena_strndup(arena, json_string_value(v), json_string_length(v));
    if (!s)
        return ko_err_set(err, KO_ERR_NOMEM, "%s: out of memory", what);
    *out = s;
    return KO_OK;
}

ko_status ko_ice_json_str(const json_t *obj, const char *what, const char *key, ko_arena *arena,
                          const char **out, ko_err *err)
{
    return get_str(obj, what, key, true, arena, out, err);
}

ko_status ko_ice_json_opt_str(const json_t *obj, const char *what, const char *key, ko_arena *arena,
                              const char **out, ko_err *err)
{
    return get_str(obj, what, key, false, arena, out, err);
}

static ko_status get_kind(const json_t *obj, const char *what, const char *key, bool required,
                          json_type kind, const json_t **out, ko_err *err)
{
    const json_t *v = member(obj, key);
    *out = NULL;
    if (!v)
        return required ? missing(what, key, err) : KO_OK;
    if (json_typeof(v) != kind)
        return mistyped(what, key, kind == JSON_ARRAY ? "a list" : "an object", err);
    *out = v;
    return KO_OK;
}

ko_status ko_ice_json_array(const json_t *obj, const char *what, const char *key, bool required,
                            const json_t **out, ko_err *err)
{
    return get_kind(obj, what, key, required, JSON_ARRAY, out, err);
}

ko_status ko_ice_json_object(const json_t *obj, const char *what, const char *key, bool required,
                             const json_t **out, ko_err *err)
{
    return get_kind(obj, what, key, required, JSON_OBJECT, out, err);
}

ko_status ko_ice_json_string_map(const json_t *obj, const char *what, ko_arena *arena,
                                 ko_ice_kv **out, uint32_t *n_out, ko_err *err)
{
    *out = NULL;
    *n_out = 0;
    if (!obj)
        return KO_OK;
    size_t n = json_object_size(obj);
    ko_ice_kv *kv = ko_arena_calloc(arena, n ? n : 1, sizeof *kv);
    if (!kv)
        return ko_err_set(err, KO_ERR_NOMEM, "%s: out of memory", what);
    const char *key;
    json_t *v;
    uint32_t i = 0;
    json_object_foreach((json_t *)obj, key, v)
    {
        if (!json_is_string(v))
            return ko_err_set(err, KO_ERR_CORRUPT, "%s: value of '%s' must be a string", what, key);
        kv[i].key = ko_arena_strdup(arena, key);
        kv[i].value = ko_arena_strndup(arena, json_string_value(v), json_string_length(v));
        if (!kv[i].key || !kv[i].value)
            return ko_err_set(err, KO_ERR_NOMEM, "%s: out of memory", what);
        i++;
    }
    *out = kv;
    *n_out = i;
    return KO_OK;
}

ko_status ko_ice_json_load(const char *text, size_t len, const char *what, json_t **out,
                           ko_err *err)
{
    json_error_t je;
    json_t *j = json_loadb(text, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &je);
    if (!j)
        return ko_err_set(err, KO_ERR_CORRUPT, "%s: invalid JSON at line %d column %d: %s", what,
                          je.line, je.column, je.text);
    *out = j;
    return KO_OK;
}

ko_status ko_ice_json_dump(const json_t *j, int indent, ko_buf *out, ko_err *err)
{
    size_t flags = JSON_ENCODE_ANY | JSON_REAL_PRECISION(17);
    flags |= indent > 0 ? JSON_INDENT(indent) : JSON_COMPACT;
    char *s = json_dumps(j, flags);
    if (!s)
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory writing JSON");
    ko_status st = ko_buf_append_str(out, s);
    free(s);
    if (st != KO_OK)
        return ko_err_set(err, st, "out of memory writing JSON");
    return KO_OK;
}

ko_status ko_ice_json_set(json_t *obj, const char *key, json_t *value, ko_err *err)
{
    if (!value || json_object_set_new(obj, key, value) != 0)
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory building JSON ('%s')", key);
    return KO_OK;
}
