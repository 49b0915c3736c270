/*
 * api.c - the Korolev API (docs/api.md): table details, the audit trail,
 * SQL queries and token management.
 *
 *   GET    /api/v1/tables/{ns}/{table}   schema, partitioning, sort order,
 *          properties, statistics (files, rows, bytes), freshness,
 *          snapshots and refs, history, live files (?files=false skips
 *          them, ?snapshot=ID picks another snapshot's files)
 *   GET    /api/v1/audit                 filtered, paginated audit records
 *   POST   /api/v1/query                 SQL (query.c)
 *   GET|POST /api/v1/tokens, DELETE /api/v1/tokens/{id}   admin only
 *
 * Namespaces in /api paths are dotted ("sales.eu") or %1F-separated.
 */
#include "server/srv_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_AUDIT_PAGE = 1000 };

/* ------------------------------------------------------------- tables */

static json_t *table_stats(const ko_ice_table *t, const ko_ice_manifest_entry *e, size_t n)
{
    int64_t rows = 0, bytes = 0, data = 0, deletes = 0, delete_rows = 0;
    for (size_t i = 0; i < n; i++) {
        const ko_ice_data_file *f = &e[i].data_file;
        if (f->content == KO_ICE_CONTENT_DATA) {
            data++;
            rows += f->record_count;
        } else {
            deletes++;
            delete_rows += f->record_count;
        }
        bytes += f->file_size_in_bytes;
    }
    const ko_ice_snapshot *cur = ko_ice_meta_current_snapshot(&t->meta);
    return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "data-files", (json_int_t)data,
                     "delete-files", (json_int_t)deletes, "records", (json_int_t)rows,
                     "deleted-records", (json_int_t)delete_rows, "total-bytes", (json_int_t)bytes,
                     "snapshots", (json_int_t)t->meta.n_snapshots, "last-updated-ms",
                     (json_int_t)t->meta.last_updated_ms, "current-snapshot-timestamp-ms",
                     (json_int_t)(cur ? cur->timestamp_ms : -1));
}

static json_t *refs_json(const ko_ice_table_meta *m)
{
    json_t *o = json_object();
    for (uint32_t i = 0; o && i < m->n_refs; i++)
        json_object_set_new(o, m->refs[i].name,
                            json_pack("{s:s, s:I}", "type",
                                      m->refs[i].type == KO_ICE_REF_TAG ? "tag" : "branch",
                                      "snapshot-id", (json_int_t)m->refs[i].snapshot_id));
    return o;
}

void srv_h_api_table(srv_req *r)
{
    ko_cat_ns ns;
    const char *dotted = NULL;
    if (!srv_ns_from_param(r, r->params[0], '.', &ns, &dotted) ||
        !srv_check_name(r, "table name", r->params[1]))
        return;
    const char *files_q = srv_query(r, "files");
    const char *snap_q = srv_query(r, "snapshot");
    int64_t snap = -1;
    if (snap_q) {
        char *end = NULL;
        snap = strtoll(snap_q, &end, 10);
        if (!*snap_q || *end) {
            srv_error(r, 400, "BadRequestException", "snapshot must be a snapshot id");
            return;
        }
    }
    srv_wh w;
    srv_wh_init(r, &w);
    ko_ice_table t;
    ko_err err = {0};
    json_t *desc = NULL, *hist = NULL, *files = NULL;
    ko_ice_manifest_entry *entries = NULL;
    size_t n = 0;
    ko_status st = ko_ice_table_load(&w.wh, dotted, r->params[1], &r->arena, &t, &err);
    if (st == KO_OK)
        st = ko_ice_table_describe_json(&t, &desc, &err);
    if (st == KO_OK)
        st = ko_ice_table_history_json(&t, &hist, &err);
    if (st == KO_OK)
        st = ko_ice_table_files(&w.wh, &t, snap, &r->arena, &entries, &n, &err);
    if (st == KO_OK && !(files_q && strcmp(files_q, "false") == 0))
        st = ko_ice_table_files_json(&t, entries, n, &files, &err);
    if (st != KO_OK) {
        json_decref(desc);
        json_decref(hist);
        srv_fail(r, &err, "NoSuchTableException", NULL);
        return;
    }
    srv_json(r, 200,
             json_pack("{s:s, s:o, s:o, s:o, s:o, s:o?}", "table", t.ident, "describe", desc,
                       "stats", table_stats(&t, entries, n), "refs", refs_json(&t.meta), "history",
                       hist, "files", files));
}

/* --------------------------------------------------------------- audit */

/* ISO-8601 or milliseconds since the epoch -> microseconds. */
static bool parse_time(const char *s, int64_t *us)
{
    char *end = NULL;
    errno = 0;
    long long ms = strtoll(s, &end, 10);
    if (*s && !*end && !errno) {
        *us = ms * 1000;
        return true;
    }
    return ko_time_parse(s, strlen(s), us, NULL) == KO_OK;
}

static json_t *audit_json(const ko_cat_audit_rec *a)
{
    char ts[KO_TIME_STR_MAX];
    ko_time_format(a->time_us, ts);
    json_t *summary = json_loads(a->summary ? a->summary : "{}", 0, NULL);
    return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s?, s:s?, s:o, s:s}", "id", (json_int_t)a->id,
                     "time", ts, "principal", a->principal, "action", a->action, "object",
                     a->object, "before", a->before_location, "after", a->after_location, "summary",
                     summary ? summary : json_object(), "hash", a->hash);
}

static bool audit_filter(srv_req *r, ko_cat_audit_filter *f)
{
    memset(f, 0, sizeof *f);
    f->object = srv_query(r, "object");
    f->object_prefix = srv_query(r, "object_prefix");
    f->principal = srv_query(r, "principal");
    f->action = srv_query(r, "action");
    const char *since = srv_query(r, "since"), *until = srv_query(r, "until");
    const char *order = srv_query(r, "order");
    if ((since && !parse_time(since, &f->since_us)) ||
        (until && !parse_time(until, &f->until_us))) {
        srv_error(r, 400, "BadRequestException",
                  "since and until must be ISO-8601 times or milliseconds since the epoch");
        return false;
    }
    f->newest_first = order && strcmp(order, "desc") == 0;
    return true;
}

void srv_h_api_audit(srv_req *r)
{
    ko_cat_audit_filter f;
    if (!audit_filter(r, &f))
        return;
    const char *token = srv_query(r, "page_token");
    const char *size_q = srv_query(r, "page_size");
    size_t size = 100;
    if (size_q) {
        char *end = NULL;
        long v = strtol(size_q, &end, 10);
        if (!*size_q || *end || v < 1) {
            srv_error(r, 400, "BadRequestException", "page_size must be a positive integer");
            return;
        }
        size = v > MAX_AUDIT_PAGE ? MAX_AUDIT_PAGE : (size_t)v;
    }
    ko_cat_audit_page page = {0};
    ko_err err = {0};
    if (ko_cat_audit_list(srv_cat(r), &f, token && *token ? token : NULL, size, &r->arena, &page,
                          &err) != KO_OK) {
        srv_fail(r, &err, NULL, NULL);
        return;
    }
    json_t *recs = json_array();
    for (size_t i = 0; recs && i < page.len; i++)
        json_array_append_new(recs, audit_json(&page.items[i]));
    srv_json(r, 200, json_pack("{s:o, s:s?}", "records", recs, "next-page-token", page.next_token));
}

/* -------------------------------------------------------------- tokens */

void srv_h_api_tokens_list(srv_req *r)
{
    ko_cat_token *items = NULL;
    size_t n = 0;
    ko_err err = {0};
    if (ko_cat_token_list(srv_cat(r), &r->arena, &items, &n, &err) != KO_OK) {
        srv_fail(r, &err, NULL, NULL);
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; list && i < n; i++) {
        char created[KO_TIME_STR_MAX], revoked[KO_TIME_STR_MAX];
        ko_time_format(items[i].created_us, created);
        ko_time_format(items[i].revoked_us, revoked);
        json_array_append_new(
            list, json_pack("{s:s, s:s, s:s, s:s?, s:s, s:s?}", "id", items[i].id, "principal",
                            items[i].principal, "role", items[i].role, "namespace", items[i].ns,
                            "created", created, "revoked", items[i].revoked_us ? revoked : NULL));
    }
    srv_json(r, 200, json_pack("{s:o}", "tokens", list));
}

void srv_h_api_tokens_create(srv_req *r)
{
    json_t *body = srv_body_json(r);
    if (!body)
        return;
    const char *principal = json_string_value(json_object_get(body, "principal"));
    const char *role = json_string_value(json_object_get(body, "role"));
    const char *ns = json_string_value(json_object_get(body, "namespace"));
    char token[KO_CAT_TOKEN_MAX], id[17];
    ko_err err = {0};
    ko_cat_change chg = srv_change(r, NULL);
    if (ko_cat_token_create(srv_cat(r), &chg, principal, role, ns, token, id, &err) != KO_OK)
        srv_fail(r, &err, NULL, NULL);
    else
        srv_json(r, 201,
                 json_pack("{s:s, s:s, s:s, s:s?, s:s}", "id", id, "principal", principal, "role",
                           role, "namespace", ns, "token", token));
    explicit_bzero(token, sizeof token);
    json_decref(body);
}

void srv_h_api_tokens_revoke(srv_req *r)
{
    ko_err err = {0};
    ko_cat_change chg = srv_change(r, NULL);
    if (ko_cat_token_revoke(srv_cat(r), &chg, r->params[0], &err) != KO_OK) {
        srv_fail(r, &err, NULL, NULL);
        return;
    }
    srv_tokens_forget(r->s, r->params[0]);
    srv_empty(r, 204);
}
