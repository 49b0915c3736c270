/*
 * routes.c - the route table, and the small routes: health, readiness,
 * metrics, the Iceberg REST config, and the console's static files.
 *
 * The table is the one place that says which role each route needs and
 * which path parameter names a namespace to check against a token's
 * scope; http.c enforces both before a handler runs.  Iceberg routes are
 * written without {prefix}: the router accepts them with or without one.
 * /healthz, /readyz and the static files are public (they return no
 * data); every other route needs a token.
 */
#include "server/srv_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NS      "/v1/namespaces/{namespace}"
#define TBL     NS "/tables/{table}"
#define API_TBL "/api/v1/tables/{namespace}/{table}"

static const srv_route ROUTES[] = {
    {"GET", "/healthz", SRV_PUBLIC, -1, false, srv_h_healthz},
    {"GET", "/readyz", SRV_PUBLIC, -1, false, srv_h_readyz},
    {"GET", "/metrics", SRV_NEED_READ, -1, false, srv_h_metrics},
    {"GET", "/v1/config", SRV_NEED_READ, -1, false, srv_h_config},
    {"GET", "/v1/namespaces", SRV_NEED_READ, -1, false, srv_h_ns_list},
    {"POST", "/v1/namespaces", SRV_NEED_WRITE, -1, true, srv_h_ns_create},
    {"GET", NS, SRV_NEED_READ, 0, false, srv_h_ns_load},
    {"HEAD", NS, SRV_NEED_READ, 0, false, srv_h_ns_head},
    {"DELETE", NS, SRV_NEED_WRITE, 0, true, srv_h_ns_drop},
    {"POST", NS "/properties", SRV_NEED_WRITE, 0, true, srv_h_ns_props},
    {"GET", NS "/tables", SRV_NEED_READ, 0, false, srv_h_table_list},
    {"POST", NS "/tables", SRV_NEED_WRITE, 0, true, srv_h_table_create},
    {"POST", NS "/register", SRV_NEED_WRITE, 0, true, srv_h_table_register},
    {"GET", TBL, SRV_NEED_READ, 0, false, srv_h_table_load},
    {"HEAD", TBL, SRV_NEED_READ, 0, false, srv_h_table_head},
    {"POST", TBL, SRV_NEED_WRITE, 0, true, srv_h_table_commit},
    {"DELETE", TBL, SRV_NEED_WRITE, 0, true, srv_h_table_drop},
    {"POST", TBL "/metrics", SRV_NEED_READ, 0, false, srv_h_table_metrics},
    {"POST", "/v1/tables/rename", SRV_NEED_WRITE, -1, true, srv_h_table_rename},
    {"POST", "/v1/transactions/commit", SRV_NEED_WRITE, -1, true, srv_h_transactions},
    {"GET", API_TBL, SRV_NEED_READ, 0, false, srv_h_api_table},
    {"GET", "/api/v1/audit", SRV_NEED_ADMIN, -1, false, srv_h_api_audit},
    {"POST", "/api/v1/query", SRV_NEED_READ, -1, false, srv_h_api_query},
    {"GET", "/api/v1/tokens", SRV_NEED_ADMIN, -1, false, srv_h_api_tokens_list},
    {"POST", "/api/v1/tokens", SRV_NEED_ADMIN, -1, true, srv_h_api_tokens_create},
    {"DELETE", "/api/v1/tokens/{id}", SRV_NEED_ADMIN, -1, true, srv_h_api_tokens_revoke},
    {"POST", API_TBL "/ingest", SRV_NEED_WRITE, 0, false, srv_h_api_ingest},
    {"GET", API_TBL "/ingests", SRV_NEED_READ, 0, false, srv_h_api_ingests},
    {"GET", "/api/v1/whoami", SRV_NEED_READ, -1, false, srv_h_whoami},
    {"GET", "/api/v1/pipelines", SRV_NEED_READ, -1, false, srv_h_pipelines},
    {"POST", "/api/v1/pipelines/{name}/run", SRV_NEED_WRITE, -1, true, srv_h_pipeline_run},
    {"GET", "/api/v1/runs", SRV_NEED_READ, -1, false, srv_h_runs},
    {"GET", "/api/v1/runs/{id}", SRV_NEED_READ, -1, false, srv_h_run},
    {"GET", "/api/v1/runs/{id}/logs", SRV_NEED_READ, -1, false, srv_h_run_logs},
    {"POST", "/api/v1/runs/{id}/cancel", SRV_NEED_WRITE, -1, true, srv_h_run_cancel},
    {"GET", "/api/v1/alerts", SRV_NEED_READ, -1, false, srv_h_alerts},
    {"GET", "/", SRV_PUBLIC, -1, false, srv_h_static},
};

const srv_route *srv_routes(size_t *n)
{
    *n = KO_ARRAY_LEN(ROUTES);
    return ROUTES;
}

/* --------------------------------------------------------------- health */

void srv_h_healthz(srv_req *r)
{
    srv_json(r, 200, json_pack("{s:s}", "status", "ok"));
}

void srv_h_readyz(srv_req *r)
{
    ko_err err = {0};
    if (atomic_load(&r->s->draining)) {
        srv_error(r, 503, "ServiceUnavailableException", "shutting down");
        return;
    }
    ko_arena *a = &r->arena;
    ko_cat_ns_page page;
    ko_status st = ko_cat_ns_list(srv_cat(r), NULL, NULL, 1, a, &page, &err);
    const char *what = "catalog";
    if (st == KO_OK) {
        ko_list_page lp = {0};
        what = "store";
        st = ko_store_list(r->s->store, "", NULL, 1, &lp, &err);
        ko_list_page_free(&lp);
    }
    if (st != KO_OK) {
        srv_error(r, 503, "ServiceUnavailableException", "%s unreachable: %s", what, err.msg);
        return;
    }
    srv_json(r, 200,
             json_pack("{s:s, s:s, s:s}", "status", "ready", "catalog", "ok", "store", "ok"));
}

void srv_h_metrics(srv_req *r)
{
    ko_buf out = {0};
    if (srv_metrics_render(r->s->metrics, atomic_load(&r->s->inflight), &out) != KO_OK) {
        ko_buf_free(&out);
        srv_error(r, 500, "InternalServerError", "out of memory rendering metrics");
        return;
    }
    srv_body(r, 200, "text/plain; version=0.0.4", out.data, out.len);
    ko_buf_free(&out);
}

/* --------------------------------------------------------------- config */

static const char *const ENDPOINTS[] = {
    "GET /v1/{prefix}/namespaces",
    "POST /v1/{prefix}/namespaces",
    "GET /v1/{prefix}/namespaces/{namespace}",
    "HEAD /v1/{prefix}/namespaces/{namespace}",
    "DELETE /v1/{prefix}/namespaces/{namespace}",
    "POST /v1/{prefix}/namespaces/{namespace}/properties",
    "GET /v1/{prefix}/namespaces/{namespace}/tables",
    "POST /v1/{prefix}/namespaces/{namespace}/tables",
    "GET /v1/{prefix}/namespaces/{namespace}/tables/{table}",
    "HEAD /v1/{prefix}/namespaces/{namespace}/tables/{table}",
    "POST /v1/{prefix}/namespaces/{namespace}/tables/{table}",
    "DELETE /v1/{prefix}/namespaces/{namespace}/tables/{table}",
    "POST /v1/{prefix}/namespaces/{namespace}/register",
    "POST /v1/{prefix}/namespaces/{namespace}/tables/{table}/metrics",
    "POST /v1/{prefix}/tables/rename",
    "POST /v1/{prefix}/transactions/commit",
};

void srv_h_config(srv_req *r)
{
    json_t *eps = json_array();
    for (size_t i = 0; eps && i < KO_ARRAY_LEN(ENDPOINTS); i++)
        json_array_append_new(eps, json_string(ENDPOINTS[i]));
    char life[32];
    snprintf(life, sizeof life, "PT%dS", r->s->cfg.idempotency_s);
    srv_json(r, 200,
             json_pack("{s:{}, s:{s:s}, s:o?, s:s}", "defaults", "overrides", "warehouse",
                       ko_store_uri(r->s->store), "endpoints", eps, "idempotency-key-lifetime",
                       life));
}

/* ---------------------------------------------------------- static files */

static const char *mime_of(const char *path)
{
    static const char *const map[][2] = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".json", "application/json"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".ico", "image/x-icon"},
        {".txt", "text/plain; charset=utf-8"},
        {".woff2", "font/woff2"},
    };
    const char *dot = strrchr(path, '.');
    for (size_t i = 0; dot && i < KO_ARRAY_LEN(map); i++)
        if (strcmp(dot, map[i][0]) == 0)
            return map[i][1];
    return "application/octet-stream";
}

/* Reads the file at full into r's response. */
static void send_file(srv_req *r, const char *full)
{
    int fd = open(full, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        if (fd >= 0)
            close(fd);
        srv_error(r, 404, "NotFoundException", "no such file");
        return;
    }
    ko_buf b = {0};
    char chunk[16384];
    ssize_t n;
    bool ok = true;
    while (ok && (n = read(fd, chunk, sizeof chunk)) > 0)
        ok = ko_buf_append(&b, chunk, (size_t)n) == KO_OK;
    close(fd);
    if (ok)
        srv_body(r, 200, mime_of(full), b.data, b.len);
    else
        srv_error(r, 500, "InternalServerError", "reading a console file failed");
    ko_buf_free(&b);
}

void srv_h_static(srv_req *r)
{
    const char *dir = r->s->cfg.console_dir;
    char root[PATH_MAX], full[PATH_MAX];
    if (!dir || !realpath(dir, root)) {
        srv_error(r, 404, "NotFoundException", "no console is installed");
        return;
    }
    const char *rel = strcmp(r->path, "/") == 0 ? "/index.html" : r->path;
    char *dec = srv_unescape(rel, strlen(rel), false, &r->arena);
    char *joined = dec ? ko_arena_sprintf(&r->arena, "%s%s", root, dec) : NULL;
    size_t n = strlen(root);
    /* realpath resolves "..", symlinks included; the result must stay inside. */
    if (!joined || strstr(dec, "/..") || !realpath(joined, full) || strncmp(full, root, n) != 0 ||
        (full[n] != '/' && full[n] != '\0')) {
        srv_error(r, 404, "NotFoundException", "no such file");
        return;
    }
    send_file(r, full);
}
