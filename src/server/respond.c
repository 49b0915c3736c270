/*
 * respond.c - what every handler uses: JSON responses and the Iceberg
 * ErrorModel, ko_status -> HTTP status mapping, request bodies as JSON,
 * names from paths and bodies (checked, since they become storage keys),
 * namespace scope checks, and the catalog adapter the iceberg layer calls.
 *
 * Names are checked strictly before they reach the catalog or the store: a
 * namespace part or table name must be valid UTF-8 without control
 * characters, '/', '\\' or '.', and not "." or "..", so no name can climb
 * out of the warehouse or split into two levels.
 */
#include "server/srv_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum { MAX_NAME = 255, MAX_NS_PARTS = 16 };

void srv_add_header(srv_req *r, const char *name, const char *value)
{
    if (r->nheaders < SRV_MAX_HEADERS && name && value)
        r->headers[r->nheaders++] = (srv_header){name, value};
}

void srv_body(srv_req *r, unsigned status, const char *ctype, const void *data, size_t len)
{
    ko_buf_reset(&r->out);
    r->status = status;
    r->ctype = ctype;
    if (len && ko_buf_append(&r->out, data, len) != KO_OK) {
        r->status = 500;
        r->ctype = NULL;
    }
}

void srv_empty(srv_req *r, unsigned status)
{
    ko_buf_reset(&r->out);
    r->status = status;
    r->ctype = NULL;
}

void srv_json(srv_req *r, unsigned status, json_t *j)
{
    ko_buf_reset(&r->out);
    ko_err err = {0};
    if (!j || ko_ice_json_dump(j, 0, &r->out, &err) != KO_OK) {
        json_decref(j);
        ko_buf_reset(&r->out);
        static const char oom[] = "{\"error\":{\"message\":\"out of memory\","
                                  "\"type\":\"InternalServerError\",\"code\":500}}";
        srv_body(r, 500, "application/json", oom, sizeof oom - 1);
        return;
    }
    json_decref(j);
    r->status = status;
    r->ctype = "application/json";
}

void srv_error(srv_req *r, unsigned status, const char *type, const char *fmt, ...)
{
    char msg[KO_ERR_MSG_MAX + 64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    r->error_type = type;
    json_t *j = json_pack("{s:{s:s, s:s, s:i}}", "error", "message", msg, "type", type, "code",
                          (int)status);
    srv_json(r, status, j);
}

void srv_fail(srv_req *r, const ko_err *err, const char *not_found_type, const char *conflict_type)
{
    const char *msg = err->msg[0] ? err->msg : ko_status_name(err->status);
    switch (err->status) {
    case KO_ERR_NOT_FOUND:
        srv_error(r, 404, not_found_type ? not_found_type : "NotFoundException", "%s", msg);
        break;
    case KO_ERR_EXISTS:
        srv_error(r, 409, "AlreadyExistsException", "%s", msg);
        break;
    case KO_ERR_CONFLICT:
        srv_error(r, 409, conflict_type ? conflict_type : "CommitFailedException", "%s", msg);
        break;
    case KO_ERR_INVALID:
        srv_error(r, 400, "BadRequestException", "%s", msg);
        break;
    case KO_ERR_UNSUPPORTED:
        srv_error(r, 406, "UnsupportedOperationException", "%s", msg);
        break;
    case KO_ERR_PERMISSION:
        srv_error(r, 403, "ForbiddenException", "%s", msg);
        break;
    case KO_ERR_TIMEOUT:
    case KO_ERR_NETWORK:
        srv_error(r, 503, "ServiceUnavailableException", "%s", msg);
        break;
    default:
        srv_error(r, 500, "InternalServerError", "%s", msg);
        break;
    }
}

json_t *srv_body_json(srv_req *r)
{
    json_error_t je;
    if (!srv_utf8_valid((const char *)r->body.data, r->body.len)) {
        srv_error(r, 400, "BadRequestException", "request body is not valid UTF-8");
        return NULL;
    }
    json_t *j = r->body.len ? json_loadb((const char *)r->body.data, r->body.len,
                                         JSON_REJECT_DUPLICATES, &je)
                            : NULL;
    if (!r->body.len) {
        srv_error(r, 400, "BadRequestException", "request body is empty: a JSON object is needed");
        return NULL;
    }
    if (!j) {
        srv_error(r, 400, "BadRequestException", "malformed JSON at line %d column %d: %s", je.line,
                  je.column, je.text);
        return NULL;
    }
    if (!json_is_object(j)) {
        json_decref(j);
        srv_error(r, 400, "BadRequestException", "request body must be a JSON object");
        return NULL;
    }
    return j;
}

/* ------------------------------------------------------------------ names */

bool srv_utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        unsigned c = p[i];
        size_t n = c < 0x80             ? 0
                   : (c & 0xE0) == 0xC0 ? 1
                   : (c & 0xF0) == 0xE0 ? 2
                   : (c & 0xF8) == 0xF0 ? 3
                                        : 9;
        if (n == 9 || (n == 1 && c < 0xC2) || (n == 3 && c > 0xF4) || i + n >= len)
            return false;
        unsigned cp = n == 0 ? c : c & (0x3Fu >> n);
        for (size_t k = 1; k <= n; k++) {
            if ((p[i + k] & 0xC0) != 0x80)
                return false;
            cp = cp << 6 | (p[i + k] & 0x3F);
        }
        if ((n == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
            (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
            return false;
        i += n + 1;
    }
    return true;
}

static const char *name_problem(const char *name)
{
    size_t len = strlen(name);
    if (len == 0)
        return "is empty";
    if (len > MAX_NAME)
        return "is longer than 255 bytes";
    if (!srv_utf8_valid(name, len))
        return "is not valid UTF-8";
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return "is a relative path";
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        if (*p < 0x20 || *p == 0x7F)
            return "contains a control character";
        if (*p == '/' || *p == '\\')
            return "contains a path separator";
        if (*p == '.')
            return "contains '.' (Korolev uses dots to join namespace levels)";
    }
    return NULL;
}

bool srv_check_name(srv_req *r, const char *what, const char *name)
{
    const char *problem = name ? name_problem(name) : "is missing";
    if (!problem)
        return true;
    char shown[64];
    snprintf(shown, sizeof shown, "%s", name ? name : "");
    for (char *p = shown; *p; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7F)
            *p = '?';
    srv_error(r, 400, "BadRequestException", "%s '%s' %s", what, shown, problem);
    return false;
}

/* Builds out from parts[0..n) after checking each; dotted into r's arena. */
static bool ns_finish(srv_req *r, const char **parts, size_t n, ko_cat_ns *out, const char **dotted)
{
    if (n == 0) {
        srv_error(r, 400, "BadRequestException", "namespace is empty");
        return false;
    }
    if (n > MAX_NS_PARTS) {
        srv_error(r, 400, "BadRequestException", "namespace has more than %d levels", MAX_NS_PARTS);
        return false;
    }
    for (size_t i = 0; i < n; i++)
        if (!srv_check_name(r, "namespace level", parts[i]))
            return false;
    *out = (ko_cat_ns){parts, n};
    const char *d = ko_cat_ns_str(*out, &r->arena);
    if (!d) {
        srv_error(r, 500, "InternalServerError", "out of memory");
        return false;
    }
    if (dotted)
        *dotted = d;
    return true;
}

bool srv_ns_from_param(srv_req *r, const char *param, char sep, ko_cat_ns *out, const char **dotted)
{
    const char **parts = ko_arena_calloc(&r->arena, MAX_NS_PARTS + 1, sizeof *parts);
    size_t n = 0;
    if (!parts || !param) {
        srv_error(r, 400, "BadRequestException", "namespace is missing");
        return false;
    }
    const char *p = param;
    for (;;) {
        const char *e = strchr(p, sep);
        if (sep != 0x1F && !e)
            e = strchr(p, 0x1F);
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (n > MAX_NS_PARTS)
            break;
        parts[n++] = ko_arena_strndup(&r->arena, p, len);
        if (!parts[n - 1] || !e)
            break;
        p = e + 1;
    }
    return ns_finish(r, parts, n, out, dotted);
}

bool srv_ns_from_json(srv_req *r, const json_t *arr, ko_cat_ns *out, const char **dotted)
{
    if (!json_is_array(arr)) {
        srv_error(r, 400, "BadRequestException", "namespace must be an array of strings");
        return false;
    }
    size_t n = json_array_size(arr);
    const char **parts = ko_arena_calloc(&r->arena, n ? n : 1, sizeof *parts);
    if (!parts) {
        srv_error(r, 500, "InternalServerError", "out of memory");
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        const json_t *s = json_array_get(arr, i);
        if (!json_is_string(s) || strlen(json_string_value(s)) != json_string_length(s)) {
            srv_error(r, 400, "BadRequestException", "namespace must be an array of strings");
            return false;
        }
        parts[i] = ko_arena_strdup(&r->arena, json_string_value(s));
    }
    return ns_finish(r, parts, n, out, dotted);
}

json_t *srv_ns_json(ko_cat_ns ns)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < ns.len; i++)
        if (json_array_append_new(a, json_string(ns.parts[i])) != 0) {
            json_decref(a);
            return NULL;
        }
    return a;
}

bool srv_allow_ns(srv_req *r, const char *dotted, bool write)
{
    if (write && r->who.role < SRV_WRITER) {
        srv_error(r, 403, "ForbiddenException", "principal %s (role reader) may not change %s",
                  r->who.name, dotted);
        return false;
    }
    if (!srv_scope_covers(r->who.scope, dotted)) {
        srv_error(r, 403, "ForbiddenException",
                  "principal %s is limited to namespace %s and may not use %s", r->who.name,
                  r->who.scope, dotted);
        return false;
    }
    return true;
}

bool srv_location_in_scope(srv_req *r, const char *location)
{
    if (!r->who.scope)
        return true;
    char *dir = ko_arena_sprintf(&r->arena, "%s/%s/", ko_store_uri(r->s->store), r->who.scope);
    size_t root = strlen(ko_store_uri(r->s->store));
    for (char *p = dir ? dir + root : NULL; p && *p; p++)
        if (*p == '.')
            *p = '/';
    if (dir && location && strncmp(location, dir, strlen(dir)) == 0 && !strstr(location, "/../") &&
        !strstr(location, "/./"))
        return true;
    srv_error(r, 403, "ForbiddenException",
              "principal %s is limited to namespace %s: location %s lies outside it", r->who.name,
              r->who.scope, location ? location : "(none)");
    return false;
}

bool srv_updates_in_scope(srv_req *r, const json_t *updates)
{
    size_t i;
    const json_t *u;
    json_array_foreach(updates, i, u)
    {
        const char *action = json_string_value(json_object_get(u, "action"));
        const char *loc = NULL;
        if (action && strcmp(action, "add-snapshot") == 0)
            loc =
                json_string_value(json_object_get(json_object_get(u, "snapshot"), "manifest-list"));
        else if (action && strcmp(action, "set-location") == 0)
            loc = json_string_value(json_object_get(u, "location"));
        else
            continue;
        if (!srv_location_in_scope(r, loc))
            return false;
    }
    return true;
}

/* -------------------------------------------------------- catalog adapter */

ko_cat_change srv_change(srv_req *r, const char *summary)
{
    return (ko_cat_change){r->who.name ? r->who.name : "anonymous", summary};
}

static ko_status ad_load(void *ctx, const char *ns, const char *name, ko_arena *arena,
                         const char **location, ko_err *err)
{
    srv_req *r = ctx;
    ko_cat_ns n;
    ko_cat_table t;
    ko_status st = ko_cat_ns_parse(ns, arena, &n, err);
    if (st == KO_OK)
        st = ko_cat_table_load(srv_cat(r), n, name, arena, &t, err);
    if (st == KO_OK)
        *location = t.location;
    return st;
}

static ko_status ad_create(void *ctx, const char *ns, const char *name, const char *location,
                           const char *summary, ko_err *err)
{
    srv_req *r = ctx;
    ko_cat_ns n;
    ko_cat_change chg = srv_change(r, summary);
    ko_status st = ko_cat_ns_parse(ns, &r->arena, &n, err);
    return st == KO_OK ? ko_cat_table_create(srv_cat(r), &chg, n, name, location, err) : st;
}

static ko_status ad_commit(void *ctx, const char *ns, const char *name, const char *expected,
                           const char *location, const char *summary, ko_err *err)
{
    srv_req *r = ctx;
    ko_cat_ns n;
    ko_cat_change chg = srv_change(r, summary);
    ko_status st = ko_cat_ns_parse(ns, &r->arena, &n, err);
    return st == KO_OK ? ko_cat_commit(srv_cat(r), &chg, n, name, expected, location, err) : st;
}

static ko_status ad_audit(void *ctx, const char *action, const char *object, const char *summary,
                          ko_err *err)
{
    srv_req *r = ctx;
    ko_cat_change chg = srv_change(r, summary);
    return ko_cat_audit_append(srv_cat(r), &chg, action, object, NULL, NULL, NULL, err);
}

void srv_wh_init(srv_req *r, srv_wh *w)
{
    w->r = r;
    w->icat = (ko_ice_catalog){r, ad_load, ad_create, ad_commit, ad_audit};
    w->wh = (ko_ice_warehouse){r->s->store, &w->icat};
}
