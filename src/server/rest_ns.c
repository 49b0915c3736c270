/*
 * rest_ns.c - Iceberg REST namespaces: list (with parent and pagination),
 * create, load, exists (HEAD), drop and property updates.
 *
 * Namespaces in paths are their levels joined by 0x1F (%1F); in bodies,
 * arrays of strings.  Listing without pageToken returns everything (the
 * spec's rule for clients that do not paginate); with one (possibly
 * empty) it returns a page and next-page-token.  A token limited to a
 * namespace sees only that namespace, what lies below it and its
 * ancestors (so that clients can walk down to it).
 */
#include "server/srv_internal.h"

#include <stdlib.h>
#include <string.h>

enum { MAX_PAGE = 10000 };

/* pageSize and pageToken; false after answering 400. */
bool srv_page_args(srv_req *r, const char **token, size_t *size, bool *paginate);

bool srv_page_args(srv_req *r, const char **token, size_t *size, bool *paginate)
{
    const char *t = srv_query(r, "pageToken");
    const char *s = srv_query(r, "pageSize");
    *paginate = t != NULL || s != NULL;
    *token = t && *t ? t : NULL;
    *size = 0;
    if (s) {
        char *end = NULL;
        long v = strtol(s, &end, 10);
        if (!*s || *end || v < 1) {
            srv_error(r, 400, "BadRequestException", "pageSize must be a positive integer");
            return false;
        }
        *size = v > MAX_PAGE ? MAX_PAGE : (size_t)v;
    }
    return true;
}

static bool visible(srv_req *r, ko_cat_ns ns)
{
    if (!r->who.scope)
        return true;
    const char *d = ko_cat_ns_str(ns, &r->arena);
    return d && (srv_scope_covers(r->who.scope, d) || srv_scope_ancestor(r->who.scope, d));
}

void srv_h_ns_list(srv_req *r)
{
    const char *parent_raw = srv_query(r, "parent");
    ko_cat_ns parent = {0};
    const char *pdot = NULL;
    if (parent_raw && *parent_raw && !srv_ns_from_param(r, parent_raw, 0x1F, &parent, &pdot))
        return;
    const char *token = NULL;
    size_t size = 0;
    bool paginate = false;
    if (!srv_page_args(r, &token, &size, &paginate))
        return;
    json_t *list = json_array();
    ko_err err = {0};
    for (;;) {
        ko_cat_ns_page page;
        ko_status st =
            ko_cat_ns_list(srv_cat(r), pdot ? &parent : NULL, token, size, &r->arena, &page, &err);
        if (st != KO_OK) {
            json_decref(list);
            srv_fail(r, &err, "NoSuchNamespaceException", NULL);
            return;
        }
        for (size_t i = 0; list && i < page.len; i++)
            if (visible(r, page.items[i]))
                json_array_append_new(list, srv_ns_json(page.items[i]));
        token = page.next_token;
        if (paginate || !token)
            break;
    }
    srv_json(
        r, 200,
        json_pack("{s:o, s:s?}", "namespaces", list, "next-page-token", paginate ? token : NULL));
}

static json_t *props_json(const ko_cat_props *p)
{
    json_t *o = json_object();
    for (size_t i = 0; o && i < p->len; i++)
        json_object_set_new(o, p->items[i].key, json_string(p->items[i].value));
    return o;
}

/* A string->string JSON object as catalog properties (in r's arena). */
static bool props_from_json(srv_req *r, const json_t *o, ko_cat_prop **out, size_t *n)
{
    *n = 0;
    *out = NULL;
    if (!o || json_is_null(o))
        return true;
    if (!json_is_object(o)) {
        srv_error(r, 400, "BadRequestException", "properties must be an object of strings");
        return false;
    }
    ko_cat_prop *items = ko_arena_calloc(&r->arena, json_object_size(o) + 1, sizeof *items);
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)o, k, v)
    {
        if (!json_is_string(v) || !items) {
            srv_error(r, 400, "BadRequestException", "property '%s' must be a string", k);
            return false;
        }
        items[(*n)++] = (ko_cat_prop){k, json_string_value(v)};
    }
    *out = items;
    return true;
}

void srv_h_ns_create(srv_req *r)
{
    json_t *body = srv_body_json(r);
    ko_cat_ns ns;
    const char *dotted = NULL;
    ko_cat_prop *props = NULL;
    size_t nprops = 0;
    if (!body)
        return;
    if (srv_ns_from_json(r, json_object_get(body, "namespace"), &ns, &dotted) &&
        srv_allow_ns(r, dotted, true) &&
        props_from_json(r, json_object_get(body, "properties"), &props, &nprops)) {
        ko_err err = {0};
        ko_cat_change chg = srv_change(r, NULL);
        if (ko_cat_ns_create(srv_cat(r), &chg, ns, props, nprops, &err) != KO_OK)
            srv_fail(r, &err, "NoSuchNamespaceException", NULL);
        else {
            json_t *pj = json_object_get(body, "properties");
            json_t *props_out = json_is_object(pj) ? json_incref(pj) : json_object();
            srv_json(
                r, 200,
                json_pack("{s:o, s:o}", "namespace", srv_ns_json(ns), "properties", props_out));
        }
    }
    json_decref(body);
}

void srv_h_ns_load(srv_req *r)
{
    ko_cat_ns ns;
    ko_cat_props props;
    ko_err err = {0};
    if (!srv_ns_from_param(r, r->params[0], 0x1F, &ns, NULL))
        return;
    if (ko_cat_ns_load(srv_cat(r), ns, &r->arena, &props, &err) != KO_OK) {
        srv_fail(r, &err, "NoSuchNamespaceException", NULL);
        return;
    }
    srv_json(
        r, 200,
        json_pack("{s:o, s:o}", "namespace", srv_ns_json(ns), "properties", props_json(&props)));
}

void srv_h_ns_head(srv_req *r)
{
    ko_cat_ns ns;
    bool exists = false;
    ko_err err = {0};
    if (!srv_ns_from_param(r, r->params[0], 0x1F, &ns, NULL))
        return;
    if (ko_cat_ns_exists(srv_cat(r), ns, &exists, &err) != KO_OK)
        srv_fail(r, &err, "NoSuchNamespaceException", NULL);
    else
        srv_empty(r, exists ? 204 : 404);
}

void srv_h_ns_drop(srv_req *r)
{
    ko_cat_ns ns;
    ko_err err = {0};
    if (!srv_ns_from_param(r, r->params[0], 0x1F, &ns, NULL))
        return;
    ko_cat_change chg = srv_change(r, NULL);
    if (ko_cat_ns_drop(srv_cat(r), &chg, ns, &err) != KO_OK)
        srv_fail(r, &err, "NoSuchNamespaceException", "NamespaceNotEmptyException");
    else
        srv_empty(r, 204);
}

static json_t *str_list(const char **items, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        json_array_append_new(a, json_string(items[i]));
    return a;
}

/* The removals list as C strings; false after answering 400. */
static bool removals_of(srv_req *r, const json_t *rm, const char ***out, size_t *n)
{
    *n = 0;
    *out = NULL;
    if (!rm || json_is_null(rm))
        return true;
    if (!json_is_array(rm)) {
        srv_error(r, 400, "BadRequestException", "removals must be a list of strings");
        return false;
    }
    const char **keys = ko_arena_calloc(&r->arena, json_array_size(rm) + 1, sizeof *keys);
    size_t i;
    const json_t *v;
    json_array_foreach(rm, i, v)
    {
        if (!json_is_string(v) || !keys) {
            srv_error(r, 400, "BadRequestException", "removals must be a list of strings");
            return false;
        }
        keys[(*n)++] = json_string_value(v);
    }
    *out = keys;
    return true;
}

void srv_h_ns_props(srv_req *r)
{
    ko_cat_ns ns;
    json_t *body = srv_body_json(r);
    ko_cat_prop *sets = NULL;
    size_t nsets = 0, nrm = 0;
    const char **rm = NULL;
    if (!body)
        return;
    if (srv_ns_from_param(r, r->params[0], 0x1F, &ns, NULL) &&
        props_from_json(r, json_object_get(body, "updates"), &sets, &nsets) &&
        removals_of(r, json_object_get(body, "removals"), &rm, &nrm)) {
        for (size_t i = 0; i < nrm; i++)
            for (size_t k = 0; k < nsets; k++)
                if (strcmp(rm[i], sets[k].key) == 0) {
                    srv_error(r, 422, "UnprocessableEntityException",
                              "property '%s' is both updated and removed", rm[i]);
                    json_decref(body);
                    return;
                }
        ko_err err = {0};
        ko_cat_prop_update up;
        ko_cat_change chg = srv_change(r, NULL);
        if (ko_cat_ns_update_props(srv_cat(r), &chg, ns, sets, nsets, rm, nrm, &r->arena, &up,
                                   &err) != KO_OK)
            srv_fail(r, &err, "NoSuchNamespaceException", NULL);
        else
            srv_json(r, 200,
                     json_pack("{s:o, s:o, s:o}", "updated", str_list(up.updated, up.n_updated),
                               "removed", str_list(up.removed, up.n_removed), "missing",
                               str_list(up.missing, up.n_missing)));
    }
    json_decref(body);
}
