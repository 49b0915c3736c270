/*
 * test_server_router.c - the server's router and name checks: pattern
 * matching on raw paths, parameter decoding, the optional Iceberg {prefix}
 * segment, 404 vs 405, bad escapes, the real route table's roles, UTF-8
 * validation, namespace scopes and listen addresses.
 */
#include "testutil.h"

#include "server/srv_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void h_a(srv_req *r)
{
    (void)r;
}

static void h_b(srv_req *r)
{
    (void)r;
}

static const srv_route T[] = {
    {"GET", "/v1/namespaces", SRV_NEED_READ, -1, false, h_a},
    {"GET", "/v1/namespaces/{namespace}", SRV_NEED_READ, 0, false, h_a},
    {"DELETE", "/v1/namespaces/{namespace}", SRV_NEED_WRITE, 0, true, h_b},
    {"GET", "/v1/namespaces/{namespace}/tables/{table}", SRV_NEED_READ, 0, false, h_b},
    {"GET", "/", SRV_PUBLIC, -1, false, h_a},
};

static srv_match find(const char *method, const char *path, const srv_route **rt,
                      const char **params, size_t *n, ko_arena *a)
{
    return srv_route_find(T, KO_ARRAY_LEN(T), method, path, a, rt, params, n);
}

static void test_match_and_params(void **state)
{
    (void)state;
    ko_arena a = {0};
    const srv_route *rt = NULL;
    const char *p[SRV_MAX_PARAMS];
    size_t n = 0;
    assert_int_equal(find("GET", "/v1/namespaces", &rt, p, &n, &a), SRV_MATCHED);
    assert_ptr_equal(rt, &T[0]);
    assert_int_equal(n, 0);
    assert_int_equal(find("GET", "/v1/namespaces/a%1Fb", &rt, p, &n, &a), SRV_MATCHED);
    assert_ptr_equal(rt, &T[1]);
    assert_int_equal(n, 1);
    assert_string_equal(p[0], "a\x1f"
                              "b");
    /* An encoded slash stays inside its segment. */
    assert_int_equal(find("GET", "/v1/namespaces/x/tables/a%2Fb", &rt, p, &n, &a), SRV_MATCHED);
    assert_ptr_equal(rt, &T[3]);
    assert_string_equal(p[0], "x");
    assert_string_equal(p[1], "a/b");
    assert_int_equal(find("GET", "/", &rt, p, &n, &a), SRV_MATCHED);
    assert_ptr_equal(rt, &T[4]);
    ko_arena_free(&a);
}

static void test_prefix(void **state)
{
    (void)state;
    ko_arena a = {0};
    const srv_route *rt = NULL;
    const char *p[SRV_MAX_PARAMS];
    size_t n = 0;
    assert_int_equal(find("GET", "/v1/main/namespaces/x/tables/t", &rt, p, &n, &a), SRV_MATCHED);
    assert_ptr_equal(rt, &T[3]);
    assert_string_equal(p[1], "t");
    assert_int_equal(find("GET", "/v1/wh/namespaces", &rt, p, &n, &a), SRV_MATCHED);
    assert_ptr_equal(rt, &T[0]);
    /* Without a prefix, a namespace called like a prefix is still a namespace. */
    assert_int_equal(find("GET", "/v1/namespaces/main", &rt, p, &n, &a), SRV_MATCHED);
    assert_string_equal(p[0], "main");
    ko_arena_free(&a);
}

static void test_misses(void **state)
{
    (void)state;
    ko_arena a = {0};
    const srv_route *rt = NULL;
    const char *p[SRV_MAX_PARAMS];
    size_t n = 0;
    assert_int_equal(find("PUT", "/v1/namespaces/x", &rt, p, &n, &a), SRV_BAD_METHOD);
    assert_null(rt);
    assert_int_equal(find("GET", "/v1/nothing", &rt, p, &n, &a), SRV_NO_ROUTE);
    assert_int_equal(find("GET", "/v1/namespaces/x/y", &rt, p, &n, &a), SRV_NO_ROUTE);
    assert_int_equal(find("GET", "/v1//namespaces", &rt, p, &n, &a), SRV_NO_ROUTE);
    assert_int_equal(find("GET", "no-slash", &rt, p, &n, &a), SRV_NO_ROUTE);
    assert_int_equal(find("GET", "/v1/namespaces/%zz", &rt, p, &n, &a), SRV_BAD_PATH);
    assert_int_equal(find("GET", "/v1/namespaces/%00", &rt, p, &n, &a), SRV_BAD_PATH);
    assert_int_equal(find("GET", "/v1/namespaces/%4", &rt, p, &n, &a), SRV_BAD_PATH);
    assert_int_equal(find("GET", "/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r", &rt, p, &n, &a),
                     SRV_NO_ROUTE);
    ko_arena_free(&a);
}

static void test_unescape(void **state)
{
    (void)state;
    ko_arena a = {0};
    assert_string_equal(srv_unescape("a+b%20c", 7, true, &a), "a b c");
    assert_string_equal(srv_unescape("a+b", 3, false, &a), "a+b");
    assert_string_equal(srv_unescape("%41%62", 6, false, &a), "Ab");
    assert_null(srv_unescape("%4", 2, false, &a));
    assert_null(srv_unescape("%g1", 3, false, &a));
    ko_arena_free(&a);
}

/* The real table: every documented route resolves, with its role. */
static void test_real_routes(void **state)
{
    (void)state;
    static const struct {
        const char *method, *path;
        srv_need need;
        srv_handler fn;
    } want[] = {
        {"GET", "/healthz", SRV_PUBLIC, srv_h_healthz},
        {"GET", "/metrics", SRV_NEED_READ, srv_h_metrics},
        {"GET", "/v1/config", SRV_NEED_READ, srv_h_config},
        {"POST", "/v1/namespaces", SRV_NEED_WRITE, srv_h_ns_create},
        {"HEAD", "/v1/namespaces/a", SRV_NEED_READ, srv_h_ns_head},
        {"DELETE", "/v1/p/namespaces/a", SRV_NEED_WRITE, srv_h_ns_drop},
        {"POST", "/v1/namespaces/a/properties", SRV_NEED_WRITE, srv_h_ns_props},
        {"POST", "/v1/namespaces/a/tables/t", SRV_NEED_WRITE, srv_h_table_commit},
        {"POST", "/v1/namespaces/a/tables/t/metrics", SRV_NEED_READ, srv_h_table_metrics},
        {"POST", "/v1/namespaces/a/register", SRV_NEED_WRITE, srv_h_table_register},
        {"POST", "/v1/tables/rename", SRV_NEED_WRITE, srv_h_table_rename},
        {"POST", "/v1/transactions/commit", SRV_NEED_WRITE, srv_h_transactions},
        {"GET", "/api/v1/audit", SRV_NEED_ADMIN, srv_h_api_audit},
        {"DELETE", "/api/v1/tokens/abc", SRV_NEED_ADMIN, srv_h_api_tokens_revoke},
        {"GET", "/api/v1/tables/a.b/t", SRV_NEED_READ, srv_h_api_table},
    };
    size_t n = 0;
    const srv_route *routes = srv_routes(&n);
    ko_arena a = {0};
    for (size_t i = 0; i < KO_ARRAY_LEN(want); i++) {
        const srv_route *rt = NULL;
        const char *p[SRV_MAX_PARAMS];
        size_t np = 0;
        assert_int_equal(srv_route_find(routes, n, want[i].method, want[i].path, &a, &rt, p, &np),
                         SRV_MATCHED);
        assert_ptr_equal(rt->fn, want[i].fn);
        assert_int_equal(rt->need, want[i].need);
        /* Mutations are exactly the routes that need a writer or admin, plus
         * token creation and revocation; table metrics reports are not. */
        if (rt->need == SRV_NEED_WRITE)
            assert_true(rt->mutation);
    }
    ko_arena_free(&a);
}

static void test_utf8(void **state)
{
    (void)state;
    assert_true(srv_utf8_valid("abc", 3));
    assert_true(srv_utf8_valid("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9));
    assert_false(srv_utf8_valid("\xc0\xaf", 2));         /* overlong '/' */
    assert_false(srv_utf8_valid("\xe0\x80\xaf", 3));     /* overlong */
    assert_false(srv_utf8_valid("\xed\xa0\x80", 3));     /* surrogate */
    assert_false(srv_utf8_valid("\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
    assert_false(srv_utf8_valid("\xe2\x82", 2));         /* truncated */
    assert_false(srv_utf8_valid("\xff", 1));
    assert_false(srv_utf8_valid("a\x80", 2));
}

static void test_scopes(void **state)
{
    (void)state;
    assert_true(srv_scope_covers(NULL, "anything"));
    assert_true(srv_scope_covers("sales", "sales"));
    assert_true(srv_scope_covers("sales", "sales.eu"));
    assert_false(srv_scope_covers("sales", "salesforce"));
    assert_false(srv_scope_covers("sales.eu", "sales"));
    assert_true(srv_scope_ancestor("sales.eu", "sales"));
    assert_false(srv_scope_ancestor("sales.eu", "sales.eu"));
    assert_false(srv_scope_ancestor("sales", "sal"));
    assert_int_equal(srv_role_parse("writer"), SRV_WRITER);
    assert_int_equal(srv_role_parse("root"), SRV_ROLE_NONE);
}

static void test_listen(void **state)
{
    (void)state;
    char host[64];
    int port = 0;
    bool lo = false;
    ko_err err = {0};
    TU_OK(ko_srv_parse_listen("127.0.0.1:8181", host, sizeof host, &port, &lo, &err), &err);
    assert_string_equal(host, "127.0.0.1");
    assert_int_equal(port, 8181);
    assert_true(lo);
    TU_OK(ko_srv_parse_listen("[::1]:9", host, sizeof host, &port, &lo, &err), &err);
    assert_true(lo);
    TU_OK(ko_srv_parse_listen("0.0.0.0:80", host, sizeof host, &port, &lo, &err), &err);
    assert_false(lo);
    TU_OK(ko_srv_parse_listen(":7", host, sizeof host, &port, &lo, &err), &err);
    assert_string_equal(host, "127.0.0.1");
    assert_int_equal(ko_srv_parse_listen("localhost:80", host, sizeof host, &port, &lo, &err),
                     KO_ERR_INVALID);
    assert_int_equal(ko_srv_parse_listen("1.2.3.4:99999", host, sizeof host, &port, &lo, &err),
                     KO_ERR_INVALID);
    assert_int_equal(ko_srv_parse_listen("1.2.3.4", host, sizeof host, &port, &lo, &err),
                     KO_ERR_INVALID);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

static void test_config(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    char path[4096];
    snprintf(path, sizeof path, "%s/serve.conf", dir);
    write_file(path, "# comment\n listen = 127.0.0.1:9999 \nallow-anonymous = yes\n"
                     "threads=8\nmax-body-bytes = 65536 # inline comment\n"
                     "console-dir = /srv/console\n\n");
    ko_srv_config cfg = {0};
    ko_arena a = {0};
    ko_err err = {0};
    TU_OK(ko_srv_config_load(path, &cfg, &a, &err), &err);
    assert_string_equal(cfg.listen, "127.0.0.1:9999");
    assert_true(cfg.allow_anonymous);
    assert_int_equal(cfg.threads, 8);
    assert_int_equal(cfg.max_body, 65536);
    assert_string_equal(cfg.console_dir, "/srv/console");
    write_file(path, "listen = 1.2.3.4:5\nthreads = lots\n");
    assert_int_equal(ko_srv_config_load(path, &cfg, &a, &err), KO_ERR_INVALID);
    assert_non_null(strstr(err.msg, ":2:"));
    write_file(path, "no equals sign\n");
    assert_int_equal(ko_srv_config_load(path, &cfg, &a, &err), KO_ERR_INVALID);
    write_file(path, "colour = blue\n");
    assert_int_equal(ko_srv_config_load(path, &cfg, &a, &err), KO_ERR_INVALID);
    snprintf(path, sizeof path, "%s/missing.conf", dir);
    assert_int_equal(ko_srv_config_load(path, &cfg, &a, &err), KO_ERR_NOT_FOUND);
    ko_arena_free(&a);
    tu_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_match_and_params), cmocka_unit_test(test_prefix),
        cmocka_unit_test(test_misses),           cmocka_unit_test(test_unescape),
        cmocka_unit_test(test_real_routes),      cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_scopes),           cmocka_unit_test(test_listen),
        cmocka_unit_test(test_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
