/*
 * rest_table.c - Iceberg REST tables: list, create (and stage-create),
 * load (snapshots=all|refs, ETag / If-None-Match), exists (HEAD), drop
 * (purgeRequested), rename, register, and scan/commit metrics reports.
 *
 * Creating a table builds its metadata by applying the same TableUpdates a
 * client would send (add-schema, add-spec, add-sort-order, set-properties,
 * each made current) to empty metadata, so a created table and one built
 * by a staged create + commit go through one code path (rest_update.c).
 *
 * Loads are the hot path: the catalog is asked for the current metadata
 * location (one indexed read), and the response body for that location is
 * taken from the cache when there (metadata files never change), so a
 * repeated load does no storage I/O and no JSON work.  The ETag names the
 * location and the snapshot mode, so it changes exactly when the answer
 * does.
 */
#include "iceberg/rest_update.h"
#include "server/srv_internal.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------- helpers */

/* ns (from params[0]) and the table name (params[1]). */
static bool table_params(srv_req *r, ko_cat_ns *ns, const char **dotted)
{
    return srv_ns_from_param(r, r->params[0], 0x1F, ns, dotted) &&
           srv_check_name(r, "table name", r->params[1]);
}

const char *srv_etag(srv_req *r, const char *metadata_location, bool refs_only)
{
    size_t n = strlen(metadata_location);
    uint32_t a = ko_murmur3_32(metadata_location, n, 0);
    uint32_t b = ko_murmur3_32(metadata_location, n, 0x9747b28c);
    return ko_arena_sprintf(&r->arena, "\"%08x%08x-%s\"", a, b, refs_only ? "refs" : "all");
}

static bool etag_matches(const char *header, const char *etag)
{
    if (!header)
        return false;
    if (strcmp(header, "*") == 0)
        return true;
    size_t n = strlen(etag);
    for (const char *p = strstr(header, etag); p; p = strstr(p + 1, etag))
        if ((p[n] == '\0' || p[n] == ',' || p[n] == ' ') &&
            (p == header || p[-1] == ' ' || p[-1] == ',' || p[-1] == '/'))
            return true;
    return false;
}

const char *srv_load_result(srv_req *r, const ko_ice_table *t, bool refs_only, size_t *len)
{
    json_t *meta = NULL;
    ko_err err = {0};
    if (ko_ice_rest_meta_json(&t->meta, refs_only, &meta, &err) != KO_OK)
        return NULL;
    json_t *j = json_pack("{s:s?, s:o, s:{}}", "metadata-location", t->metadata_location,
                          "metadata", meta, "config");
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    const char *out = text ? ko_arena_strdup(&r->arena, text) : NULL;
    free(text);
    if (out)
        *len = strlen(out);
    return out;
}

/* Answers with the LoadTableResult of t (status 200) and its ETag. */
static void send_table(srv_req *r, const ko_ice_table *t, bool refs_only)
{
    size_t len = 0;
    const char *text = srv_load_result(r, t, refs_only, &len);
    if (!text) {
        srv_error(r, 500, "InternalServerError", "cannot serialise table %s", t->ident);
        return;
    }
    srv_body(r, 200, "application/json", text, len);
    if (t->metadata_location)
        srv_add_header(r, "ETag", srv_etag(r, t->metadata_location, refs_only));
}

static const char *not_found_type(const ko_err *err)
{
    return strncmp(err->msg, "namespace", 9) == 0 || strstr(err->msg, ": namespace ")
               ? "NoSuchNamespaceException"
               : "NoSuchTableException";
}

/* --------------------------------------------------------------- list */

bool srv_page_args(srv_req *r, const char **token, size_t *size, bool *paginate);

void srv_h_table_list(srv_req *r)
{
    ko_cat_ns ns;
    const char *token = NULL;
    size_t size = 0;
    bool paginate = false;
    if (!srv_ns_from_param(r, r->params[0], 0x1F, &ns, NULL) ||
        !srv_page_args(r, &token, &size, &paginate))
        return;
    json_t *ids = json_array();
    ko_err err = {0};
    for (;;) {
        ko_cat_name_page page;
        if (ko_cat_table_list(srv_cat(r), ns, token, size, &r->arena, &page, &err) != KO_OK) {
            json_decref(ids);
            srv_fail(r, &err, "NoSuchNamespaceException", NULL);
            return;
        }
        for (size_t i = 0; ids && i < page.len; i++)
            json_array_append_new(
                ids, json_pack("{s:o, s:s}", "namespace", srv_ns_json(ns), "name", page.names[i]));
        token = page.next_token;
        if (paginate || !token)
            break;
    }
    srv_json(
        r, 200,
        json_pack("{s:o, s:s?}", "identifiers", ids, "next-page-token", paginate ? token : NULL));
}

/* ------------------------------------------------------------- create */

/* The updates that build a new table from a CreateTableRequest (NULL
 * when it has no schema object). */
static json_t *create_updates(const json_t *body)
{
    const json_t *schema = json_object_get(body, "schema");
    const json_t *spec = json_object_get(body, "partition-spec");
    const json_t *order = json_object_get(body, "write-order");
    const json_t *props = json_object_get(body, "properties");
    if (!json_is_object(schema))
        return NULL;
    json_t *p = json_is_object(props) ? json_deep_copy(props) : json_object();
    json_t *sp = json_is_object(spec) ? json_deep_copy(spec)
                                      : json_pack("{s:i, s:[]}", "spec-id", 0, "fields");
    json_t *so = json_is_object(order) ? json_deep_copy(order)
                                       : json_pack("{s:i, s:[]}", "order-id", 0, "fields");
    if (p && !json_object_get(p, "write.parquet.compression-codec"))
        json_object_set_new(p, "write.parquet.compression-codec", json_string("zstd"));
    json_t *list = json_array();
    json_t *items[] = {
        json_pack("{s:s, s:O}", "action", "add-schema", "schema", schema),
        json_pack("{s:s, s:i}", "action", "set-current-schema", "schema-id", -1),
        sp ? json_pack("{s:s, s:O}", "action", "add-spec", "spec", sp) : NULL,
        json_pack("{s:s, s:i}", "action", "set-default-spec", "spec-id", -1),
        so ? json_pack("{s:s, s:O}", "action", "add-sort-order", "sort-order", so) : NULL,
        json_pack("{s:s, s:i}", "action", "set-default-sort-order", "sort-order-id", -1),
        p ? json_pack("{s:s, s:O}", "action", "set-properties", "updates", p) : NULL,
    };
    bool ok = list != NULL;
    for (size_t i = 0; i < KO_ARRAY_LEN(items); i++) {
        if (!ok || !items[i])
            json_decref(items[i]);
        else if (json_array_append_new(list, items[i]) == 0)
            continue;
        ok = false;
    }
    json_decref(p);
    json_decref(sp);
    json_decref(so);
    if (!ok) {
        json_decref(list);
        return NULL;
    }
    return list;
}

static bool create_location(srv_req *r, const srv_wh *w, const char *dotted, const char *name,
                            const json_t *body, const char **loc)
{
    const json_t *l = json_object_get(body, "location");
    *loc = ko_ice_rest_location(&w->wh, dotted, name, &r->arena);
    if (!*loc) {
        srv_error(r, 500, "InternalServerError", "out of memory");
        return false;
    }
    if (json_is_string(l)) {
        const char *key = NULL;
        ko_err err = {0};
        if (ko_ice_location_key(&w->wh, json_string_value(l), &r->arena, &key, &err) != KO_OK) {
            srv_error(r, 400, "BadRequestException", "%s", err.msg);
            return false;
        }
        *loc = ko_arena_strdup(&r->arena, json_string_value(l));
        if (!srv_location_in_scope(r, *loc))
            return false;
    }
    return *loc != NULL;
}

void srv_h_table_create(srv_req *r)
{
    ko_cat_ns ns;
    const char *dotted = NULL, *name = NULL, *loc = NULL;
    json_t *body = srv_body_json(r);
    if (!body)
        return;
    name = json_string_value(json_object_get(body, "name"));
    srv_wh w;
    srv_wh_init(r, &w);
    json_t *updates = NULL;
    if (srv_ns_from_param(r, r->params[0], 0x1F, &ns, &dotted) &&
        srv_check_name(r, "table name", name) && create_location(r, &w, dotted, name, body, &loc)) {
        ko_err err = {0};
        bool exists = false;
        ko_ice_table t = {.ns = dotted, .name = name};
        ko_ice_rest_empty_meta(loc, &t.meta);
        updates = create_updates(body);
        ko_status st = ko_cat_table_exists(srv_cat(r), ns, name, &exists, &err);
        if (st == KO_OK && exists)
            st = ko_err_set(&err, KO_ERR_EXISTS, "table %s.%s already exists", dotted, name);
        if (st == KO_OK)
            st = updates ? ko_ice_rest_apply(&t.meta, updates, &r->arena, NULL, &err)
                         : ko_err_set(&err, KO_ERR_INVALID, "bad CreateTableRequest");
        bool staged = json_is_true(json_object_get(body, "stage-create"));
        if (st == KO_OK && !staged)
            st = ko_ice_rest_create(&w.wh, dotted, name, &t.meta, &r->arena, &t, &err);
        if (st != KO_OK)
            srv_fail(r, &err, "NoSuchNamespaceException", NULL);
        else
            send_table(r, &t, false);
    }
    json_decref(updates);
    json_decref(body);
}

/* --------------------------------------------------------------- load */

void srv_h_table_load(srv_req *r)
{
    ko_cat_ns ns;
    const char *dotted = NULL;
    if (!table_params(r, &ns, &dotted))
        return;
    const char *mode = srv_query(r, "snapshots");
    if (mode && strcmp(mode, "all") != 0 && strcmp(mode, "refs") != 0) {
        srv_error(r, 400, "BadRequestException", "snapshots must be all or refs");
        return;
    }
    bool refs = mode && strcmp(mode, "refs") == 0;
    ko_cat_table ct;
    ko_err err = {0};
    if (ko_cat_table_load(srv_cat(r), ns, r->params[1], &r->arena, &ct, &err) != KO_OK) {
        srv_fail(r, &err, not_found_type(&err), NULL);
        return;
    }
    const char *etag = srv_etag(r, ct.location, refs);
    if (etag && etag_matches(srv_header_get(r, "If-None-Match"), etag)) {
        srv_empty(r, 304);
        srv_add_header(r, "ETag", etag);
        return;
    }
    size_t len = 0;
    char *cached = etag ? srv_meta_cache_get(r->s->meta_cache, etag, &len) : NULL;
    if (cached) {
        srv_body(r, 200, "application/json", cached, len);
        free(cached);
        srv_add_header(r, "ETag", etag);
        return;
    }
    srv_wh w;
    srv_wh_init(r, &w);
    ko_ice_table t;
    if (ko_ice_table_load(&w.wh, dotted, r->params[1], &r->arena, &t, &err) != KO_OK) {
        srv_fail(r, &err, not_found_type(&err), NULL);
        return;
    }
    send_table(r, &t, refs);
    if (r->status == 200 && strcmp(t.metadata_location, ct.location) == 0 && etag)
        srv_meta_cache_put(r->s->meta_cache, etag, (const char *)r->out.data, r->out.len);
}

void srv_h_table_head(srv_req *r)
{
    ko_cat_ns ns;
    bool exists = false;
    ko_err err = {0};
    if (!table_params(r, &ns, NULL))
        return;
    if (ko_cat_table_exists(srv_cat(r), ns, r->params[1], &exists, &err) != KO_OK)
        srv_fail(r, &err, "NoSuchNamespaceException", NULL);
    else
        srv_empty(r, exists ? 204 : 404);
}

/* --------------------------------------------------------------- drop */

/* Deletes every object under the table directory holding metadata file
 * `location` (".../<key>/metadata/vN.metadata.json"). */
static void purge(srv_req *r, const srv_wh *w, const char *location)
{
    const char *key = NULL;
    if (ko_ice_location_key(&w->wh, location, &r->arena, &key, NULL) != KO_OK)
        return;
    const char *m = strstr(key, "/metadata/");
    if (!m)
        return;
    char *prefix = ko_arena_strndup(&r->arena, key, (size_t)(m - key) + 1);
    const char *token = NULL;
    size_t removed = 0;
    do {
        ko_list_page page = {0};
        if (!prefix || ko_store_list(r->s->store, prefix, token, 1000, &page, NULL) != KO_OK)
            break;
        for (size_t i = 0; i < page.count; i++)
            removed += ko_store_delete(r->s->store, page.entries[i].key, NULL) == KO_OK;
        token = page.next_token ? ko_arena_strdup(&r->arena, page.next_token) : NULL;
        ko_list_page_free(&page);
    } while (token);
    ko_log(KO_LOG_INFO, "rest", "purged %zu object(s) under %s", removed, prefix ? prefix : "?");
}

void srv_h_table_drop(srv_req *r)
{
    ko_cat_ns ns;
    if (!table_params(r, &ns, NULL))
        return;
    const char *p = srv_query(r, "purgeRequested");
    bool purge_it = p && strcmp(p, "true") == 0;
    const char *last = NULL;
    ko_err err = {0};
    const char *summary = purge_it ? "{\"purge\":true}" : NULL;
    ko_cat_change chg = srv_change(r, summary);
    if (ko_cat_table_drop(srv_cat(r), &chg, ns, r->params[1], &r->arena, &last, &err) != KO_OK) {
        srv_fail(r, &err, not_found_type(&err), NULL);
        return;
    }
    if (purge_it && last) {
        srv_wh w;
        srv_wh_init(r, &w);
        purge(r, &w, last);
    }
    srv_empty(r, 204);
}

/* ------------------------------------------------------------- rename */

static bool ident_of(srv_req *r, const json_t *j, const char *what, ko_cat_ns *ns,
                     const char **dotted, const char **name)
{
    if (!json_is_object(j)) {
        srv_error(r, 400, "BadRequestException", "%s must be a table identifier", what);
        return false;
    }
    *name = json_string_value(json_object_get(j, "name"));
    return srv_ns_from_json(r, json_object_get(j, "namespace"), ns, dotted) &&
           srv_check_name(r, "table name", *name) && srv_allow_ns(r, *dotted, true);
}

void srv_h_table_rename(srv_req *r)
{
    json_t *body = srv_body_json(r);
    ko_cat_ns from, to;
    const char *fd = NULL, *td = NULL, *fname = NULL, *tname = NULL;
    if (!body)
        return;
    if (ident_of(r, json_object_get(body, "source"), "source", &from, &fd, &fname) &&
        ident_of(r, json_object_get(body, "destination"), "destination", &to, &td, &tname)) {
        ko_err err = {0};
        ko_cat_change chg = srv_change(r, NULL);
        if (ko_cat_table_rename(srv_cat(r), &chg, from, fname, to, tname, &err) != KO_OK)
            srv_fail(r, &err, not_found_type(&err), NULL);
        else
            srv_empty(r, 204);
    }
    json_decref(body);
}

/* ----------------------------------------------------------- register */

void srv_h_table_register(srv_req *r)
{
    ko_cat_ns ns;
    const char *dotted = NULL;
    json_t *body = srv_body_json(r);
    if (!body)
        return;
    const char *name = json_string_value(json_object_get(body, "name"));
    const char *loc = json_string_value(json_object_get(body, "metadata-location"));
    srv_wh w;
    srv_wh_init(r, &w);
    ko_err err = {0};
    ko_ice_table t;
    if (srv_ns_from_param(r, r->params[0], 0x1F, &ns, &dotted) &&
        srv_check_name(r, "table name", name) && (!loc || srv_location_in_scope(r, loc))) {
        const char *key = NULL;
        ko_buf text = {0};
        ko_ice_table_meta m;
        ko_status st = loc ? ko_ice_location_key(&w.wh, loc, &r->arena, &key, &err)
                           : ko_err_set(&err, KO_ERR_INVALID, "metadata-location is required");
        if (st == KO_ERR_UNSUPPORTED)
            st = ko_err_set(&err, KO_ERR_INVALID, "%s", err.msg);
        if (st == KO_OK)
            st = ko_store_get(r->s->store, key, &text, &err);
        if (st == KO_ERR_NOT_FOUND)
            st = ko_err_set(&err, KO_ERR_INVALID, "no metadata file at %s", loc);
        if (st == KO_OK &&
            ko_ice_meta_parse((const char *)text.data, text.len, &r->arena, &m, &err) != KO_OK)
            st = ko_err_set(&err, KO_ERR_INVALID, "%s: %s", loc, err.msg);
        ko_buf_free(&text);
        ko_cat_change chg = srv_change(r, "{\"via\":\"rest\"}");
        if (st == KO_OK)
            st = ko_cat_table_register(srv_cat(r), &chg, ns, name, loc, &err);
        if (st == KO_OK)
            st = ko_ice_table_load(&w.wh, dotted, name, &r->arena, &t, &err);
        if (st != KO_OK)
            srv_fail(r, &err, "NoSuchNamespaceException", NULL);
        else
            send_table(r, &t, false);
    }
    json_decref(body);
}

/* ------------------------------------------------------------ metrics */

void srv_h_table_metrics(srv_req *r)
{
    ko_cat_ns ns;
    bool exists = false;
    ko_err err = {0};
    json_t *body = srv_body_json(r);
    if (!body)
        return;
    if (table_params(r, &ns, NULL)) {
        if (ko_cat_table_exists(srv_cat(r), ns, r->params[1], &exists, &err) != KO_OK)
            srv_fail(r, &err, "NoSuchNamespaceException", NULL);
        else if (!exists)
            srv_error(r, 404, "NoSuchTableException", "table %s does not exist", r->params[1]);
        else if (!json_is_string(json_object_get(body, "report-type")))
            srv_error(r, 400, "BadRequestException", "a metrics report needs a report-type");
        else {
            srv_metrics_inc(r->s->metrics, SRV_C_METRICS_REPORTS, 1);
            srv_empty(r, 204);
        }
    }
    json_decref(body);
}
