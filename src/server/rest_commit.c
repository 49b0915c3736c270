/*
 * rest_commit.c - Iceberg REST commits: POST .../tables/{table} (one
 * table, or a table created by a commit that asserts assert-create) and
 * POST /v1/transactions/commit (several tables, all or nothing).
 *
 * The work is in iceberg/rest_update.h; this file reads the requests,
 * checks that every table named lies in the caller's scope, and maps the
 * outcomes: a failed requirement or a lost race is 409
 * CommitFailedException (clients refresh and retry), a bad update 400, an
 * unknown table 404 NoSuchTableException.
 */
#include "iceberg/rest_update.h"
#include "server/srv_internal.h"

#include <string.h>

enum { MAX_TX_TABLES = 100 };

static void commit_failed(srv_req *r, const ko_err *err)
{
    if (err->status == KO_ERR_CONFLICT)
        srv_metrics_inc(r->s->metrics, SRV_C_COMMIT_CONFLICTS, 1);
    srv_fail(r, err, "NoSuchTableException", "CommitFailedException");
}

static void send_commit(srv_req *r, const ko_ice_table *t)
{
    json_t *meta = NULL;
    ko_err err = {0};
    if (ko_ice_rest_meta_json(&t->meta, false, &meta, &err) != KO_OK) {
        srv_fail(r, &err, NULL, NULL);
        return;
    }
    srv_metrics_inc(r->s->metrics, SRV_C_COMMITS, 1);
    srv_json(r, 200,
             json_pack("{s:s, s:o}", "metadata-location", t->metadata_location, "metadata", meta));
    srv_add_header(r, "ETag", srv_etag(r, t->metadata_location, false));
}

/* The location a creating commit asks for (set-location), else the
 * default one. */
static const char *create_location(srv_req *r, const srv_wh *w, const char *dotted,
                                   const char *name, const json_t *updates)
{
    size_t i;
    const json_t *u;
    json_array_foreach(updates, i, u)
    {
        const char *action = json_string_value(json_object_get(u, "action"));
        const char *loc = json_string_value(json_object_get(u, "location"));
        const char *key = NULL;
        if (action && loc && strcmp(action, "set-location") == 0 &&
            ko_ice_location_key(&w->wh, loc, &r->arena, &key, NULL) == KO_OK)
            return loc;
    }
    return ko_ice_rest_location(&w->wh, dotted, name, &r->arena);
}

static void create_by_commit(srv_req *r, const srv_wh *w, ko_cat_ns ns, const char *dotted,
                             const json_t *reqs, const json_t *updates)
{
    ko_err err = {0};
    bool exists = false;
    ko_ice_table t = {.ns = dotted, .name = r->params[1]};
    const char *loc = create_location(r, w, dotted, r->params[1], updates);
    ko_status st = ko_cat_table_exists(srv_cat(r), ns, r->params[1], &exists, &err);
    if (st == KO_OK && !loc)
        st = ko_err_set(&err, KO_ERR_NOMEM, "out of memory");
    if (st == KO_OK)
        st = ko_ice_rest_check(exists ? &t.meta : NULL, reqs, &err);
    if (st == KO_OK && exists)
        st = ko_err_set(&err, KO_ERR_CONFLICT, "requirement failed: table %s.%s already exists",
                        dotted, r->params[1]);
    if (st == KO_OK) {
        ko_ice_rest_empty_meta(loc, &t.meta);
        st = ko_ice_rest_apply(&t.meta, updates, &r->arena, NULL, &err);
    }
    if (st == KO_OK)
        st = ko_ice_rest_create(&w->wh, dotted, r->params[1], &t.meta, &r->arena, &t, &err);
    if (st == KO_ERR_EXISTS)
        err.status = KO_ERR_CONFLICT;
    if (st != KO_OK)
        commit_failed(r, &err);
    else
        send_commit(r, &t);
}

/* requirements and updates of a commit object; false after answering 400. */
static bool commit_parts(srv_req *r, const json_t *obj, const json_t **reqs, const json_t **updates)
{
    *reqs = json_object_get(obj, "requirements");
    *updates = json_object_get(obj, "updates");
    if ((*reqs && !json_is_array(*reqs)) || (*updates && !json_is_array(*updates))) {
        srv_error(r, 400, "BadRequestException", "requirements and updates must be lists");
        return false;
    }
    return true;
}

void srv_h_table_commit(srv_req *r)
{
    ko_cat_ns ns;
    const char *dotted = NULL;
    const json_t *reqs = NULL, *updates = NULL;
    json_t *body = srv_body_json(r);
    if (!body)
        return;
    if (!srv_ns_from_param(r, r->params[0], 0x1F, &ns, &dotted) ||
        !srv_check_name(r, "table name", r->params[1]) || !commit_parts(r, body, &reqs, &updates) ||
        !srv_updates_in_scope(r, updates)) {
        json_decref(body);
        return;
    }
    const json_t *ident = json_object_get(body, "identifier");
    const char *iname = json_string_value(json_object_get(ident, "name"));
    if (ident && !json_is_null(ident) && (!iname || strcmp(iname, r->params[1]) != 0)) {
        srv_error(r, 400, "BadRequestException", "identifier in the body names another table");
        json_decref(body);
        return;
    }
    srv_wh w;
    srv_wh_init(r, &w);
    if (ko_ice_rest_is_create(reqs)) {
        create_by_commit(r, &w, ns, dotted, reqs, updates);
    } else {
        ko_ice_table t;
        ko_err err = {0};
        if (ko_ice_rest_commit(&w.wh, dotted, r->params[1], reqs, updates, &r->arena, &t, &err) !=
            KO_OK)
            commit_failed(r, &err);
        else
            send_commit(r, &t);
    }
    json_decref(body);
}

/* ------------------------------------------------------- transactions */

typedef struct tx_table {
    ko_cat_ns ns;
    const char *dotted;
    const char *name;
    const json_t *reqs, *updates;
    ko_ice_rest_prepared prep;
    bool prepared;
} tx_table;

static bool tx_parse(srv_req *r, const json_t *changes, tx_table *tabs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const json_t *c = json_array_get(changes, i);
        const json_t *ident = json_object_get(c, "identifier");
        tx_table *t = &tabs[i];
        t->name = json_string_value(json_object_get(ident, "name"));
        if (!json_is_object(ident)) {
            srv_error(r, 400, "BadRequestException", "table change %zu needs an identifier", i);
            return false;
        }
        if (!srv_ns_from_json(r, json_object_get(ident, "namespace"), &t->ns, &t->dotted) ||
            !srv_check_name(r, "table name", t->name) || !srv_allow_ns(r, t->dotted, true) ||
            !commit_parts(r, c, &t->reqs, &t->updates) || !srv_updates_in_scope(r, t->updates))
            return false;
        if (ko_ice_rest_is_create(t->reqs)) {
            srv_error(r, 400, "BadRequestException",
                      "assert-create is not supported in multi-table transactions");
            return false;
        }
        for (size_t k = 0; k < i; k++)
            if (strcmp(tabs[k].dotted, t->dotted) == 0 && strcmp(tabs[k].name, t->name) == 0) {
                srv_error(r, 400, "BadRequestException", "table %s.%s appears twice", t->dotted,
                          t->name);
                return false;
            }
    }
    return true;
}

static void tx_discard(const srv_wh *w, tx_table *tabs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (tabs[i].prepared)
            ko_ice_rest_discard(&w->wh, &tabs[i].prep);
}

static ko_status tx_run(srv_req *r, const srv_wh *w, tx_table *tabs, size_t n, ko_err *err)
{
    for (size_t i = 0; i < n; i++) {
        ko_status st = ko_ice_rest_prepare(&w->wh, tabs[i].dotted, tabs[i].name, tabs[i].reqs,
                                           tabs[i].updates, &r->arena, &tabs[i].prep, err);
        if (st != KO_OK)
            return st;
        tabs[i].prepared = true;
    }
    ko_cat_commit_req *reqs = ko_arena_calloc(&r->arena, n, sizeof *reqs);
    if (!reqs)
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        reqs[i] = (ko_cat_commit_req){tabs[i].ns, tabs[i].name, tabs[i].prep.expected_location,
                                      tabs[i].prep.new_location, tabs[i].prep.summary};
    ko_cat_change chg = srv_change(r, NULL);
    return ko_cat_commit_multi(srv_cat(r), &chg, reqs, n, err);
}

void srv_h_transactions(srv_req *r)
{
    json_t *body = srv_body_json(r);
    if (!body)
        return;
    const json_t *changes = json_object_get(body, "table-changes");
    size_t n = json_array_size(changes);
    tx_table *tabs = n ? ko_arena_calloc(&r->arena, n, sizeof *tabs) : NULL;
    if (!json_is_array(changes) || n == 0 || n > MAX_TX_TABLES || !tabs) {
        srv_error(r, 400, "BadRequestException", "table-changes must list 1 to %d tables",
                  MAX_TX_TABLES);
        json_decref(body);
        return;
    }
    srv_wh w;
    srv_wh_init(r, &w);
    ko_err err = {0};
    if (tx_parse(r, changes, tabs, n)) {
        if (tx_run(r, &w, tabs, n, &err) != KO_OK) {
            tx_discard(&w, tabs, n);
            commit_failed(r, &err);
        } else {
            for (size_t i = 0; i < n; i++)
                ko_ice_rest_finish(&w.wh, &tabs[i].prep);
            srv_metrics_inc(r->s->metrics, SRV_C_COMMITS, n);
            srv_empty(r, 204);
        }
    }
    json_decref(body);
}
