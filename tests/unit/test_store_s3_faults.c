/*
 * test_store_s3_faults.c - the S3 store against a scripted fake server.
 *
 * A tiny HTTP/1.1 server runs on 127.0.0.1 (port 0) in a thread of the test.
 * Each test gives it a script, one action per request (the last repeats):
 * answer with a status, headers and body; reset the connection; or hang
 * until the client gives up.  The server closes the connection after every
 * request and records what it saw: the request lines, the last request's
 * headers and body, and whether every request carried a valid AWS SigV4
 * signature, which it recomputes from the request the way S3 does.  So the
 * tests check retries, timeouts, deadlines and error mapping, and that the
 * URLs and headers libcurl signs are the ones S3 would accept.
 */
#include "testutil.h"

#include "store/store.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define ACCESS_KEY "TESTKEYID"
#define SECRET_KEY "test-secret/not+real="

enum { MAX_LINES = 64, HEAD_MAX = 16384, BODY_KEEP = 65536 };

typedef enum act_kind { RESPOND, RESET, HANG } act_kind;

typedef struct action {
    act_kind kind;
    int status;
    const char *headers; /* extra header lines, each ending in "\r\n" */
    const char *body;
    bool no_body; /* HEAD: Content-Length of body, but no body */
} action;

#define REPLY(st, hdrs, b)                                              \
    {                                                                   \
        .kind = RESPOND, .status = (st), .headers = (hdrs), .body = (b) \
    }
/* For HEAD: Content-Length of b, but no body. */
#define REPLY_HEAD(st, hdrs, b)                                                          \
    {                                                                                    \
        .kind = RESPOND, .status = (st), .headers = (hdrs), .body = (b), .no_body = true \
    }
#define DO_RESET      \
    {                 \
        .kind = RESET \
    }
#define DO_HANG      \
    {                \
        .kind = HANG \
    }

typedef struct fake {
    int listen_fd;
    int port;
    pthread_t thread;
    atomic_bool stop;
    const action *script;
    size_t n_script;
    pthread_mutex_t lock; /* guards what follows */
    int requests;
    char lines[MAX_LINES][512];
    char head[HEAD_MAX]; /* last request: request line and headers */
    char body[BODY_KEEP];
    size_t body_len; /* of the last request, even if longer than kept */
    int bad_signatures;
    char sig_problem[512];
} fake;

/* ------------------------------------------------------ SigV4 verification */

typedef struct http_req {
    char method[16];
    char path[8192];
    char query[8192];
    char *head; /* lines after the request line */
    const uint8_t *body;
    size_t body_len;
} http_req;

static void hex(const unsigned char *in, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", in[i]);
    out[2 * n] = '\0';
}

static void sha256_hex(const void *data, size_t n, char out[65])
{
    unsigned char md[32];
    EVP_Digest(n ? data : "", n, md, NULL, EVP_sha256(), NULL);
    hex(md, 32, out);
}

/* Finds header name (lowercase) in head; copies its trimmed value. */
static bool header(const char *head, const char *name, char *out, size_t n)
{
    size_t nl = strlen(name);
    for (const char *p = head; p && *p; p = strstr(p, "\r\n"), p = p ? p + 2 : NULL) {
        if (strncasecmp(p, name, nl) != 0 || p[nl] != ':')
            continue;
        const char *v = p + nl + 1;
        while (*v == ' ')
            v++;
        size_t vn = strcspn(v, "\r\n");
        while (vn > 0 && v[vn - 1] == ' ')
            vn--;
        snprintf(out, n, "%.*s", (int)vn, v);
        return true;
    }
    return false;
}

static size_t url_decode(const char *s, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        if (s[i] == '%' && i + 2 < n && sscanf(s + i + 1, "%2x", &v) == 1) {
            out[o++] = (char)v;
            i += 2;
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    return o;
}

/* AWS's UriEncode: unreserved bytes kept, '/' kept if asked. */
static void uri_encode(const char *s, bool keep_slash, ko_buf *out)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        bool keep = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
                    (*p >= '0' && *p <= '9') || strchr("-._~", *p) || (keep_slash && *p == '/');
        if (keep)
            assert_int_equal(ko_buf_append(out, p, 1), KO_OK);
        else
            assert_int_equal(ko_buf_appendf(out, "%%%02X", *p), KO_OK);
    }
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Decodes each name and value, encodes them again, sorts. */
static void canonical_query(const char *q, ko_buf *out)
{
    char *params[64];
    size_t n = 0;
    char *copy = strdup(q);
    for (char *save = NULL, *t = strtok_r(copy, "&", &save); t && n < 64;
         t = strtok_r(NULL, "&", &save)) {
        char *eq = strchr(t, '=');
        char name[1024];
        char value[1024];
        url_decode(t, eq ? (size_t)(eq - t) : strlen(t), name);
        url_decode(eq ? eq + 1 : "", eq ? strlen(eq + 1) : 0, value);
        ko_buf b = {0};
        uri_encode(name, false, &b);
        assert_int_equal(ko_buf_append_str(&b, "="), KO_OK);
        uri_encode(value, false, &b);
        params[n++] = (char *)ko_buf_detach(&b, NULL);
    }
    qsort(params, n, sizeof *params, cmp_str);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(ko_buf_appendf(out, "%s%s", i ? "&" : "", params[i]), KO_OK);
        free(params[i]);
    }
    free(copy);
}

static void hmac(const void *key, size_t kn, const char *msg, unsigned char out[32])
{
    unsigned int len = 32;
    HMAC(EVP_sha256(), key, (int)kn, (const unsigned char *)msg, strlen(msg), out, &len);
}

/* Parses "AWS4-HMAC-SHA256 Credential=K/D/R/S/aws4_request, SignedHeaders=..,
 * Signature=..". */
static const char *parse_auth(const char *auth, char *scope, char *signed_hdrs, char *sig)
{
    const char *c = strstr(auth, "Credential=");
    const char *h = strstr(auth, "SignedHeaders=");
    const char *s = strstr(auth, "Signature=");
    if (strncmp(auth, "AWS4-HMAC-SHA256 ", 17) != 0 || !c || !h || !s)
        return "malformed Authorization";
    if (strncmp(c + 11, ACCESS_KEY "/", strlen(ACCESS_KEY) + 1) != 0)
        return "wrong access key";
    snprintf(scope, 128, "%.*s", (int)strcspn(c + 12 + strlen(ACCESS_KEY), ","),
             c + 12 + strlen(ACCESS_KEY));
    snprintf(signed_hdrs, 1024, "%.*s", (int)strcspn(h + 14, ","), h + 14);
    snprintf(sig, 65, "%s", s + 10);
    return NULL;
}

static void canonical_request(const http_req *r, const char *signed_hdrs, const char *payload,
                              ko_buf *cr)
{
    char decoded[8192];
    url_decode(r->path, strlen(r->path), decoded);
    assert_int_equal(ko_buf_appendf(cr, "%s\n", r->method), KO_OK);
    uri_encode(decoded, true, cr);
    assert_int_equal(ko_buf_append_str(cr, "\n"), KO_OK);
    canonical_query(r->query, cr);
    assert_int_equal(ko_buf_append_str(cr, "\n"), KO_OK);
    char names[1024];
    snprintf(names, sizeof names, "%s", signed_hdrs);
    for (char *save = NULL, *t = strtok_r(names, ";", &save); t; t = strtok_r(NULL, ";", &save)) {
        char v[2048] = "";
        header(r->head, t, v, sizeof v);
        assert_int_equal(ko_buf_appendf(cr, "%s:%s\n", t, v), KO_OK);
    }
    assert_int_equal(ko_buf_appendf(cr, "\n%s\n%s", signed_hdrs, payload), KO_OK);
}

/* Returns NULL if the request is signed as S3 requires, else the problem. */
static const char *check_sigv4(const http_req *r)
{
    char auth[2048], date[32], payload[128], scope[128], signed_hdrs[1024], sig[65];
    if (!header(r->head, "authorization", auth, sizeof auth))
        return "no Authorization header";
    if (!header(r->head, "x-amz-date", date, sizeof date))
        return "no x-amz-date header";
    if (!header(r->head, "x-amz-content-sha256", payload, sizeof payload))
        return "no x-amz-content-sha256 header";
    char body_hash[65];
    sha256_hex(r->body, r->body_len, body_hash);
    if (strcmp(body_hash, payload) != 0)
        return "x-amz-content-sha256 does not match the body";
    const char *bad = parse_auth(auth, scope, signed_hdrs, sig);
    if (bad)
        return bad;
    if (!strstr(signed_hdrs, "host") || !strstr(signed_hdrs, "x-amz-content-sha256"))
        return "host or x-amz-content-sha256 not signed";
    ko_buf cr = {0};
    canonical_request(r, signed_hdrs, payload, &cr);
    char cr_hash[65];
    sha256_hex(cr.data, cr.len, cr_hash);
    ko_buf_free(&cr);
    char sts[512];
    snprintf(sts, sizeof sts, "AWS4-HMAC-SHA256\n%s\n%s\n%s", date, scope, cr_hash);
    /* scope is date/region/service/aws4_request */
    char parts[4][64] = {{0}};
    sscanf(scope, "%63[^/]/%63[^/]/%63[^/]/%63s", parts[0], parts[1], parts[2], parts[3]);
    unsigned char k[32];
    hmac("AWS4" SECRET_KEY, strlen("AWS4" SECRET_KEY), parts[0], k);
    for (int i = 1; i < 4; i++)
        hmac(k, 32, parts[i], k);
    unsigned char mac[32];
    char mac_hex[65];
    hmac(k, 32, sts, mac);
    hex(mac, 32, mac_hex);
    return strcmp(mac_hex, sig) == 0 ? NULL : "signature mismatch";
}

/* ------------------------------------------------------------ fake server */

/* Waits until fd is readable; false on stop or after 20 s. */
static bool wait_readable(fake *f, int fd)
{
    for (int i = 0; i < 400 && !atomic_load(&f->stop); i++) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 50) > 0)
            return true;
    }
    return false;
}

/* Reads the request head; returns its length (up to and including the blank
 * line), 0 if the client went away.  buf gets the bytes read so far. */
static size_t read_head(fake *f, int fd, char *buf, size_t cap, size_t *got)
{
    *got = 0;
    while (*got < cap - 1 && wait_readable(f, fd)) {
        ssize_t n = read(fd, buf + *got, cap - 1 - *got);
        if (n <= 0)
            return 0;
        *got += (size_t)n;
        buf[*got] = '\0';
        char *end = strstr(buf, "\r\n\r\n");
        if (end)
            return (size_t)(end + 4 - buf);
    }
    return 0;
}

static bool read_body(fake *f, int fd, uint8_t *body, size_t len, size_t have)
{
    while (have < len && wait_readable(f, fd)) {
        ssize_t n = read(fd, body + have, len - have);
        if (n <= 0)
            return false;
        have += (size_t)n;
    }
    return have == len;
}

static void write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

static void parse_request_line(const char *head, http_req *r)
{
    char target[8192] = "";
    sscanf(head, "%15s %8191s", r->method, target);
    char *q = strchr(target, '?');
    snprintf(r->query, sizeof r->query, "%s", q ? q + 1 : "");
    if (q)
        *q = '\0';
    snprintf(r->path, sizeof r->path, "%s", target);
    r->head = strstr(head, "\r\n");
    r->head = r->head ? r->head + 2 : NULL;
}

static size_t line_len(const char *s)
{
    size_t n = strcspn(s, "\r\n");
    return n < 400 ? n : 400;
}

static void record(fake *f, const char *head, const uint8_t *body, size_t len)
{
    http_req r = {.body = body, .body_len = len};
    parse_request_line(head, &r);
    const char *problem = check_sigv4(&r);
    pthread_mutex_lock(&f->lock);
    if (f->requests < MAX_LINES)
        snprintf(f->lines[f->requests], sizeof f->lines[0], "%.*s", (int)strcspn(head, "\r\n"),
                 head);
    f->requests++;
    snprintf(f->head, sizeof f->head, "%s", head);
    memcpy(f->body, body, len < BODY_KEEP ? len : BODY_KEEP);
    f->body_len = len;
    if (problem && f->bad_signatures++ == 0)
        snprintf(f->sig_problem, sizeof f->sig_problem, "%.*s: %s", (int)line_len(head), head,
                 problem);
    pthread_mutex_unlock(&f->lock);
}

static void respond(int fd, const action *a)
{
    const char *body = a->body ? a->body : "";
    char head[2048];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d Scripted\r\nContent-Length: %zu\r\nConnection: close\r\n%s\r\n",
                     a->status, strlen(body), a->headers ? a->headers : "");
    write_all(fd, head, (size_t)n);
    if (!a->no_body)
        write_all(fd, body, strlen(body));
}

static void act(fake *f, int fd, const action *a)
{
    if (a->kind == RESPOND) {
        respond(fd, a);
    } else if (a->kind == RESET) {
        struct linger l = {.l_onoff = 1, .l_linger = 0};
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    } else {
        char c;
        while (wait_readable(f, fd) && read(fd, &c, 1) > 0)
            ; /* hang until the client gives up */
    }
}

static void serve(fake *f, int fd)
{
    static char buf[HEAD_MAX];
    size_t got = 0;
    size_t head_len = read_head(f, fd, buf, sizeof buf, &got);
    if (!head_len)
        return;
    char value[64] = "";
    size_t len = header(buf, "content-length", value, sizeof value) ? strtoul(value, NULL, 10) : 0;
    if (header(buf, "expect", value, sizeof value))
        write_all(fd, "HTTP/1.1 100 Continue\r\n\r\n", 25);
    uint8_t *body = malloc(len + 1);
    assert_non_null(body);
    size_t have = got - head_len < len ? got - head_len : len;
    memcpy(body, buf + head_len, have);
    buf[head_len] = '\0';
    if (read_body(f, fd, body, len, have)) {
        int i = f->requests;
        record(f, buf, body, len);
        act(f, fd, &f->script[(size_t)i < f->n_script ? (size_t)i : f->n_script - 1]);
    }
    free(body);
}

static void *server_main(void *arg)
{
    fake *f = arg;
    while (!atomic_load(&f->stop)) {
        struct pollfd p = {.fd = f->listen_fd, .events = POLLIN};
        if (poll(&p, 1, 50) <= 0)
            continue;
        int fd = accept(f->listen_fd, NULL, NULL);
        if (fd < 0)
            continue;
        serve(f, fd);
        close(fd);
    }
    return NULL;
}

static fake *fake_start(const action *script, size_t n)
{
    fake *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->script = script;
    f->n_script = n;
    pthread_mutex_init(&f->lock, NULL);
    f->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(f->listen_fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    assert_int_equal(bind(f->listen_fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(f->listen_fd, 64), 0);
    assert_int_equal(getsockname(f->listen_fd, (struct sockaddr *)&a, &alen), 0);
    f->port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&f->thread, NULL, server_main, f), 0);
    return f;
}

static int fake_requests(fake *f)
{
    pthread_mutex_lock(&f->lock);
    int n = f->requests;
    pthread_mutex_unlock(&f->lock);
    return n;
}

/* Stops the server; fails the test if any request was badly signed. */
static void fake_stop(fake *f)
{
    atomic_store(&f->stop, true);
    pthread_join(f->thread, NULL);
    close(f->listen_fd);
    int bad = f->bad_signatures;
    char problem[512];
    snprintf(problem, sizeof problem, "%s", f->sig_problem);
    pthread_mutex_destroy(&f->lock);
    free(f);
    if (bad)
        fail_msg("%d badly signed request(s); first: %s", bad, problem);
}

static ko_store_options test_opts(const fake *f, char *endpoint, size_t n)
{
    snprintf(endpoint, n, "http://127.0.0.1:%d", f->port);
    ko_store_options o = {
        .endpoint = endpoint,
        .region = "us-east-1",
        .access_key = ACCESS_KEY,
        .secret_key = SECRET_KEY,
        .path_style = 1,
        .max_attempts = 5,
        .deadline_ms = 20000,
        .io_timeout_ms = 5000,
        .retry_base_delay_ms = 1,
    };
    return o;
}

static ko_store *open_store(const char *uri, const ko_store_options *o)
{
    ko_store *s = NULL;
    ko_err err = {0};
    TU_OK(ko_store_open(uri, o, &s, &err), &err);
    return s;
}

#define XML_ERROR(code, msg)                                                   \
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" code "</Code>" \
    "<Message>" msg "</Message><RequestId>1</RequestId></Error>"

static const action SLOW_DOWN =
    REPLY(503, NULL, XML_ERROR("SlowDown", "Please reduce your request rate."));

/* ------------------------------------------------------------------ tests */

static void test_retry_then_success(void **state)
{
    (void)state;
    const action script[] = {SLOW_DOWN, REPLY(500, NULL, XML_ERROR("InternalError", "x")),
                             REPLY(200, NULL, "hello")};
    fake *f = fake_start(script, 3);
    char ep[64];
    ko_store_options o = test_opts(f, ep, sizeof ep);
    ko_store *s = open_store("s3://bucket/pfx", &o);
    ko_err err = {0};
    ko_buf b = {0};
    TU_OK(ko_store_get(s, "dir/obj", &b, &err), &err);
    assert_int_equal(b.len, 5);
    assert_memory_equal(b.data, "hello", 5);
    assert_int_equal(fake_requests(f), 3);
    assert_string_equal(f->lines[2], "GET /bucket/pfx/dir/obj HTTP/1.1");
    char v[512];
    assert_true(header(f->head, "authorization", v, sizeof v));
    assert_true(strncmp(v, "AWS4-HMAC-SHA256 Credential=" ACCESS_KEY "/", 29) == 0);
    assert_non_null(strstr(v, "/us-east-1/s3/aws4_request"));
    assert_true(header(f->head, "x-amz-content-sha256", v, sizeof v));
    assert_string_equal(v, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    ko_buf_free(&b);
    ko_store_close(s);
    fake_stop(f);
}

static void test_retries_exhausted(void **state)
{
    (void)state;
    fake *f = fake_start(&SLOW_DOWN, 1);
    char ep[64];
    ko_store_options o = test_opts(f, ep, sizeof ep);
    o.max_attempts = 4;
    ko_store *s = open_store("s3://bucket/pfx", &o);
    ko_err err = {0};
    ko_buf b = {0};
    assert_int_equal(ko_store_get(s, "dir/obj", &b, &err), KO_ERR_NETWORK);
    assert_int_equal(fake_requests(f), 4);
    assert_int_equal(b.len, 0);
    assert_non_null(strstr(err.msg, "s3://bucket/pfx/dir/obj: GET: HTTP 503 SlowDown after 4 "
                                    "attempts: Please reduce your request rate."));
    assert_ptr_equal(strstr(err.msg, "s3://"), err.msg); /* named once, first */
    assert_null(strstr(err.msg + 1, "s3://"));
    ko_buf_free(&b);
    ko_store_close(s);
    fake_stop(f);
}

static void test_forbidden(void **state)
{
    (void)state;
    const action script[] = {
        REPLY(403, NULL, XML_ERROR("AccessDenied", "Access Denied &amp; logged"))};
    fake *f = fake_start(script, 1);
    char ep[64];
    ko_store_options o = test_opts(f, ep, sizeof ep);
    ko_store *s = open_store("s3://bucket", &o);
    ko_err err = {0};
    ko_buf b = {0};
    assert_int_equal(ko_store_get(s, "k", &b, &err), KO_ERR_PERMISSION);
    assert_string_equal(err.msg,
                        "s3://bucket/k: GET: HTTP 403 AccessDenied: Access Denied & logged");
    assert_int_equal(fake_requests(f), 1); /* not retried */
    assert_int_equal(ko_store_put(s, "k", "x", 1, KO_PUT_OVERWRITE, &err), KO_ERR_PERMISSION);
    ko_store_close(s);
    fake_stop(f);
}

static void test_not_found(void **state)
{
    (void)state;
    const action script[] = {
        REPLY(404, NULL, XML_ERROR("NoSuchKey", "The specified key does not exist.")),
        REPLY_HEAD(404, NULL, XML_ERROR("NoSuchKey", "gone")),
        REPLY(404, NULL, XML_ERROR("NoSuchKey", "gone"))};
    fake *f = fake_start(script, 3);
    char ep[64];
    ko_store_options o = test_opts(f, ep, sizeof ep);
    ko_store *s = open_store("s3://bucket/p", &o);
    ko_err err = {0};
    ko_buf b = {0};
    ko_obj_info info;
    assert_int_equal(ko_store_get(s, "a/b", &b, &err), KO_ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, "s3://bucket/p/a/b: GET: HTTP 404 NoSuchKey"));
    assert_int_equal(ko_store_head(s, "a/b", &info, &err), KO_ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, "s3://bucket/p/a/b: HEAD: HTTP 404"));
    TU_OK(ko_store_delete(s, "a/b", &err), &err); /* missing is fine */
    assert_int_equal(fake_requests(f), 3);
    assert_string_equal(f->lines[1], "HEAD /bucket/p/a/b HTTP/1.1");
    assert_string_equal(f->lines[2], "DELETE /bucket/p/a/b HTTP/1.1");
    ko_store_close(s);
    fake_stop(f);
}

static void test_reset_retried(void **state)
{
    (void)state;
    const action script[] = {DO_RESET, DO_RESET, REPLY(200, NULL, "ok")};
    fake *f = fake_start(script, 3);
    char ep[64];
    ko_store_options o = test_opts(f, ep, sizeof ep);
    ko_store *s = open_store("s3://bucket", &o);
    ko_err err = {0};
    ko_buf b = {0};
    TU_OK(ko_store_get(s, "k", &b, &err), &err);
    assert_int_equal(b.len, 2);
    assert_int_equal(fake_requests(f), 3);
    ko_buf_free(&b);
    ko_store_close(s);
    fake_stop(f);
}

static void test_reset_exhausted(void **state)
{
    (void)state;
    const action script[] = {DO_RESET};
    fake *f = fake_start(script, 1);
    char ep[64];
    ko_store_options o = test_opts(f, ep, sizeof ep);
    o.max_attempts = 3;
    ko_store *s = open_store("s3://bucket", &o);
    ko_err err = {0};
    assert_int_equal(ko_store_put(s, "k", "data", 4, KO_PUT_OVERWRITE, &err), KO_ERR_NETWORK);
    assert_non_null(strstr(err.msg, "s3://bucket/k: PUT: "));
    assert_non_null(strstr(err.msg, "after 3 attempts"));
    assert_int_equal(fake_requests(f), 3);
    ko_store_close(s);
    fake_stop(f);
}

static void test_io_timeout(void **state)
{
    (void)state;
    const action script[] = {DO_HANG};
    fake *f = fake_start(script, 1);
    char ep[64];
    ko_store_options o = test_opts(f, ep, sizeof ep);
    o.io_timeout_ms = 1000;
    o.max_attempts = 2;
    ko_store *s = open_store("s3://bucket", &o);
    ko_err err = {0};
    ko_buf b = {0};
    int64_t t0 = ko_monotonic_us();
    assert_int_equal(ko_store_get(s, "k", &b, &err), KO_ERR_TIMEOUT);
    int64_t ms = (ko_monotonic_us() - t0) / 1000;
    assert_true(ms >= 1500 && ms < 8000);
    assert_int_equal(fake_requests(f), 2);
    assert_non_null(strstr(err.msg, "s3://bucket/k: GET: Timeout"));
    assert_non_null(strstr(err.msg, "after 2 attempts"));
    ko_store_close(s);
    fake_stop(f);
}

static void test_deadline_bounds_retries(void **state)
{
    (void)state;
    fake *f = fake_start(&SLOW_DOWN, 1);
    char ep[64];
    ko_store_options o = test_opts(f, ep, sizeof ep);
    o.max_attempts = 1000;
    o.retry_base_delay_ms = 50;
    o.deadline_ms = 700;
    ko_store *s = open_store("s3://bucket", &o);
    ko_err err = {0};
    ko_buf b = {0};
    int64_t t0 = ko_monotonic_us();
    assert_int_equal(ko_store_get(s, "k", &b, &err), KO_ERR_NETWORK);
    int64_t ms = (ko_monotonic_us() - t0) / 1000;
    assert_true(ms < 1500);
    assert_true(fake_requests(f) >= 2 && fake_requests(f) < 100);
    assert_non_null(strstr(err.msg, "deadline"));
    ko_store_close(s);
    fake_stop(f);
}

static void test_deadline_bounds_hang(void **state)
{
    (void)state;
    const action script[] = {DO_HANG};
    fake *f = fake_start(script, 1);
    char ep[64];
    ko_store_options o = test_opts(f, ep, sizeof ep);
    o.io_timeout_ms = 30000;
    o.deadline_ms = 800;
    ko_store *s = open_store("s3://bucket", &o);
    ko_err err = {0};
    ko_buf b = {0};
    int64_t t0 = ko_monotonic_us();
    assert_int_equal(ko_store_get(s, "k", &b, &err), KO_ERR_TIMEOUT);
    int64_t ms = (ko_monotonic_us() - t0) / 1000;
    assert_true(ms >= 700 && ms < 2500);
    ko_store_close(s);
    fake_stop(f);
}

static void test_connect_refused(void **state)
{
    (void)state;
    /* A port that was just free: nothing listens there. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
    close(fd);
    char ep[64];
    snprintf(ep, sizeof ep, "http://127.0.0.1:%d", ntohs(a.sin_port));
    ko_store_options o = {.endpoint = ep,
                          .access_key = "a",
                          .secret_key = "b",
                          .path_style = 1,
                          .max_attempts = 3,
                          .retry_base_delay_ms = 1};
    ko_store *s = open_store("gs://bucket", &o);
    ko_err err = {0};
    ko_obj_info info;
    assert_int_equal(ko_store_head(s, "k", &info, &err), KO_ERR_NETWORK);
    assert_non_null(strstr(err.msg, "gs://bucket/k: HEAD: Couldn't connect"));
    assert_non_null(strstr(err.msg, "after 3 attempts"));
    ko_store_close(s);
}

static void test_put_if_absent(void **state)
{
    (void)state;
    const action script[] = {
        REPLY(412, NULL, XML_ERROR("PreconditionFailed", "At least one precondition failed")),
        REPLY(412, NULL, XML_ERROR("PreconditionFailed", "x")),
        REPLY(200, "ETag: \"abc\"\r\n", "")};
    fake *f = fake_start(script, 3);
    char ep[64];
    ko_store_options o = test_opts(f, ep, sizeof ep);
    ko_store *s = open_store("s3://bucket", &o);
    ko_err err = {0};
    assert_int_equal(ko_store_put(s, "k", "payload", 7, KO_PUT_IF_ABSENT, &err), KO_ERR_EXISTS);
    assert_non_null(strstr(err.msg, "s3://bucket/k: PUT: HTTP 412 PreconditionFailed"));
    char v[64];
    assert_true(header(f->head, "if-none-match", v, sizeof v));
    assert_string_equal(v, "*");
    assert_int_equal(f->body_len, 7);
    assert_memory_equal(f->body, "payload", 7);
    ko_store_close(s);

    /* GCS spells the precondition differently. */
    s = open_store("gs://bucket", &o);
    assert_int_equal(ko_store_put(s, "k", "payload", 7, KO_PUT_IF_ABSENT, &err), KO_ERR_EXISTS);
    assert_true(header(f->head, "x-goog-if-generation-match", v, sizeof v));
    assert_string_equal(v, "0");
    assert_false(header(f->head, "if-none-match", v, sizeof v));
    /* A plain put sends neither. */
    TU_OK(ko_store_put(s, "k", "payload", 7, KO_PUT_OVERWRITE, &err), &err);
    assert_false(header(f->head, "x-goog-if-generation-match", v, sizeof v));
    ko_store_close(s);
    fake_stop(f);
}

static void test_put_if_absent_lost_answer(void **state)
{
    (void)state;
    /* The first PUT lands but its answer is lost; the retry finds the key
     * taken, and the ETag (MD5 of "payload") shows it is our own object. */
    const action script[] = {
        DO_RESET, REPLY(412, NULL, XML_ERROR("PreconditionFailed", "x")),
        REPLY_HEAD(200, "ETag: \"321c3cf486ed509164edec1e1981fec8\"\r\n", "1234567"),
        REPLY(412, NULL, XML_ERROR("PreconditionFailed", "x")),
        REPLY_HEAD(200, "ETag: \"0123456789abcdef0123456789abcdef\"\r\n", "1234567")};
    fake *f = fake_start(script, 5);
    char ep[64];
    ko_store_options o = test_opts(f, ep, sizeof ep);
    ko_store *s = open_store("s3://bucket", &o);
    ko_err err = {0};
    TU_OK(ko_store_put(s, "k", "payload", 7, KO_PUT_IF_ABSENT, &err), &err);
    assert_int_equal(fake_requests(f), 3);
    /* Without a retry, a 412 is always someone else's object. */
    assert_int_equal(ko_store_put(s, "k", "payload", 7, KO_PUT_IF_ABSENT, &err), KO_ERR_EXISTS);
    assert_int_equal(fake_requests(f), 4);
    ko_store_close(s);
    fake_stop(f);
}

static void test_session_token_and_env(void **state)
{
    (void)state;
    const action script[] = {REPLY(200, NULL, "x")};
    fake *f = fake_start(script, 1);
    char ep[64];
    ko_store_options o = test_opts(f, ep, sizeof ep);
    o.session_token = "TOKEN/+=";
    ko_store *s = open_store("s3://bucket", &o);
    ko_err err = {0};
    ko_buf b = {0};
    TU_OK(ko_store_get(s, "k", &b, &err), &err);
    char v[512];
    assert_true(header(f->head, "x-amz-security-token", v, sizeof v));
    assert_string_equal(v, "TOKEN/+=");
    assert_true(header(f->head, "authorization", v, sizeof v));
    assert_non_null(strstr(v, "x-amz-security-token"));
    ko_store_close(s);

    /* Everything from the environment. */
    setenv("S3_ENDPOINT", ep, 1);
    setenv("AWS_REGION", "eu-west-3", 1);
    setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY, 1);
    setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY, 1);
    s = open_store("s3://ebucket/pre", NULL);
    ko_buf_reset(&b);
    TU_OK(ko_store_get(s, "k", &b, &err), &err);
    assert_string_equal(f->lines[1], "GET /ebucket/pre/k HTTP/1.1");
    assert_true(header(f->head, "authorization", v, sizeof v));
    assert_non_null(strstr(v, "/eu-west-3/s3/aws4_request"));
    assert_false(header(f->head, "x-amz-security-token", v, sizeof v));
    ko_store_close(s);

    /* For gs://, GCS keys come first and the region is "auto". */
    setenv("GS_ACCESS_KEY_ID", ACCESS_KEY, 1);
    setenv("GS_SECRET_ACCESS_KEY", SECRET_KEY, 1);
    setenv("AWS_ACCESS_KEY_ID", "WRONG", 1);
    ko_store_options g = {.endpoint = ep}; /* zero: defaults, path-style */
    s = open_store("gs://gbucket", &g);
    ko_buf_reset(&b);
    TU_OK(ko_store_get(s, "k", &b, &err), &err);
    assert_string_equal(f->lines[2], "GET /gbucket/k HTTP/1.1");
    assert_true(header(f->head, "authorization", v, sizeof v));
    assert_non_null(strstr(v, "/auto/s3/aws4_request"));
    ko_store_close(s);
    unsetenv("S3_ENDPOINT");
    unsetenv("AWS_REGION");
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    unsetenv("GS_ACCESS_KEY_ID");
    unsetenv("GS_SECRET_ACCESS_KEY");
    ko_buf_free(&b);
    fake_stop(f);
}

static void test_key_encoding_signed(void **state)
{
    (void)state;
    const action script[] = {REPLY(200, NULL, "")};
    fake *f = fake_start(script, 1);
    char ep[64];
    ko_store_options o = test_opts(f, ep, sizeof ep);
    ko_store *s = open_store("s3://bucket/my pfx", &o);
    ko_err err = {0};
    TU_OK(ko_store_put(s, "dir/a b+c~d%e(f).txt", "v", 1, KO_PUT_OVERWRITE, &err), &err);
    TU_OK(ko_store_put(s, "ünï/x=y&z", "v", 1, KO_PUT_OVERWRITE, &err), &err);
    assert_string_equal(f->lines[0],
                        "PUT /bucket/my%20pfx/dir/a%20b%2Bc~d%25e%28f%29.txt HTTP/1.1");
    assert_string_equal(f->lines[1], "PUT /bucket/my%20pfx/%C3%BCn%C3%AF/x%3Dy%26z HTTP/1.1");
    ko_store_close(s);
    fake_stop(f);
}

static const char LIST_XML[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>bucket</Name>"
    "<Prefix>pfx/a b</Prefix><KeyCount>2</KeyCount><MaxKeys>2</MaxKeys>"
    "<IsTruncated>true</IsTruncated>"
    "<Contents><Key>pfx/a b/k1 &amp; &lt;x&gt; &#233;&#x4e2d;</Key>"
    "<LastModified>2024-02-29T12:34:56.789Z</LastModified><ETag>&quot;e1&quot;</ETag>"
    "<Size>123</Size><StorageClass>STANDARD</StorageClass></Contents>"
    "<Contents><Key>pfx/a b/k2</Key><LastModified>2024-03-01T00:00:00.000Z</LastModified>"
    "<ETag>&quot;e2&quot;</ETag><Size>0</Size><StorageClass>STANDARD</StorageClass></Contents>"
    "</ListBucketResult>";

static void test_list_parsing(void **state)
{
    (void)state;
    const action script[] = {
        REPLY(200, NULL, LIST_XML),
        REPLY(200, NULL,
              "<ListBucketResult><IsTruncated>false</IsTruncated><KeyCount>0</KeyCount>"
              "</ListBucketResult>"),
        REPLY(200, NULL,
              "<ListBucketResult><Contents><Key>elsewhere/k</Key></Contents>"
              "</ListBucketResult>")};
    fake *f = fake_start(script, 3);
    char ep[64];
    ko_store_options o = test_opts(f, ep, sizeof ep);
    ko_store *s = open_store("s3://bucket/pfx", &o);
    ko_err err = {0};
    ko_list_page page = {0};
    TU_OK(ko_store_list(s, "a b", "a b/k0", 2, &page, &err), &err);
    assert_string_equal(f->lines[0], "GET /bucket?list-type=2&max-keys=2&prefix=pfx%2Fa%20b"
                                     "&start-after=pfx%2Fa%20b%2Fk0 HTTP/1.1");
    assert_int_equal(page.count, 2);
    assert_string_equal(page.entries[0].key, "a b/k1 & <x> \xc3\xa9\xe4\xb8\xad");
    assert_int_equal(page.entries[0].size, 123);
    assert_int_equal(page.entries[0].mtime_us, 1709210096789000LL);
    assert_string_equal(page.entries[1].key, "a b/k2");
    assert_string_equal(page.next_token, "a b/k2");
    ko_list_page_free(&page);

    TU_OK(ko_store_list(s, "", NULL, 0, &page, &err), &err);
    assert_string_equal(f->lines[1],
                        "GET /bucket?list-type=2&max-keys=1000&prefix=pfx%2F HTTP/1.1");
    assert_int_equal(page.count, 0);
    assert_null(page.next_token);
    ko_list_page_free(&page);

    assert_int_equal(ko_store_list(s, "", NULL, 0, &page, &err), KO_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "s3://bucket/pfx/: LIST: "));
    ko_store_close(s);
    fake_stop(f);
}

static void test_range_answers(void **state)
{
    (void)state;
    const action script[] = {
        REPLY(206, "Content-Range: bytes 2-4/10\r\n", "cde"),
        REPLY(200, NULL, "abcdefghij"), /* a server that ignores Range */
        REPLY(206, "Content-Range: bytes 0-9/10\r\n", "abcdefghij"), /* sends more */
        REPLY(416, NULL, XML_ERROR("InvalidRange", "The requested range is not satisfiable")),
        REPLY_HEAD(200, "ETag: \"d41d8cd98f00b204e9800998ecf8427e\"\r\n", ""), /* HEAD */
        REPLY(206, "Content-Range: bytes 5-9/10\r\n", "fghij")};
    fake *f = fake_start(script, 6);
    char ep[64];
    ko_store_options o = test_opts(f, ep, sizeof ep);
    ko_store *s = open_store("s3://bucket", &o);
    ko_err err = {0};
    ko_buf b = {0};
    TU_OK(ko_store_get_range(s, "k", 2, 3, &b, &err), &err);
    assert_string_equal((char *)b.data, "cde");
    char v[64];
    assert_true(header(f->head, "range", v, sizeof v));
    assert_string_equal(v, "bytes=2-4");
    ko_buf_reset(&b);
    TU_OK(ko_store_get_range(s, "k", 3, 2, &b, &err), &err);
    assert_string_equal((char *)b.data, "de");
    ko_buf_reset(&b);
    TU_OK(ko_store_get_range(s, "k", 0, 1, &b, &err), &err);
    assert_string_equal((char *)b.data, "a");
    ko_buf_reset(&b);
    /* An empty object: S3 answers 416 to any range; HEAD tells the size. */
    TU_OK(ko_store_get_range(s, "k", 0, 100, &b, &err), &err);
    assert_int_equal(b.len, 0);
    TU_OK(ko_store_get_range(s, "k", 5, KO_STORE_TO_END, &b, &err), &err);
    assert_true(header(f->head, "range", v, sizeof v));
    assert_string_equal(v, "bytes=5-");
    assert_string_equal((char *)b.data, "fghij");
    ko_buf_free(&b);
    ko_store_close(s);
    fake_stop(f);
}

#define INIT_XML                                                           \
    "<InitiateMultipartUploadResult><Bucket>bucket</Bucket><Key>big</Key>" \
    "<UploadId>up/1+x&amp;y</UploadId></InitiateMultipartUploadResult>"

static void test_multipart_failure_aborts(void **state)
{
    (void)state;
    const action script[] = {REPLY(200, NULL, INIT_XML),
                             REPLY(403, NULL, XML_ERROR("AccessDenied", "no")),
                             REPLY(204, NULL, "")};
    fake *f = fake_start(script, 3);
    char ep[64];
    ko_store_options o = test_opts(f, ep, sizeof ep);
    o.multipart_part_size = 5 * 1024 * 1024;
    ko_store *s = open_store("s3://bucket", &o);
    size_t n = 5 * 1024 * 1024 + 1;
    uint8_t *data = malloc(n);
    assert_non_null(data);
    tu_fill(data, n, 9);
    ko_err err = {0};
    ko_store_writer *w = NULL;
    TU_OK(ko_store_writer_open(s, "big", KO_PUT_OVERWRITE, &w, &err), &err);
    TU_OK(ko_store_writer_write(w, data, n - 1, &err), &err);
    assert_int_equal(fake_requests(f), 0); /* one full part, nothing sent */
    assert_int_equal(ko_store_writer_write(w, data + n - 1, 1, &err), KO_ERR_PERMISSION);
    assert_non_null(strstr(err.msg, "s3://bucket/big: PUT part 1: HTTP 403 AccessDenied"));
    assert_int_equal(fake_requests(f), 3);
    assert_string_equal(f->lines[0], "POST /bucket/big?uploads= HTTP/1.1");
    assert_string_equal(f->lines[1],
                        "PUT /bucket/big?partNumber=1&uploadId=up%2F1%2Bx%26y HTTP/1.1");
    assert_string_equal(f->lines[2], "DELETE /bucket/big?uploadId=up%2F1%2Bx%26y HTTP/1.1");
    assert_int_equal(ko_store_writer_write(w, "x", 1, &err), KO_ERR_PERMISSION);
    ko_store_writer_abort(w);
    assert_int_equal(fake_requests(f), 3);
    ko_store_close(s);
    free(data);
    fake_stop(f);
}

static void test_multipart_complete(void **state)
{
    (void)state;
    const action script[] = {REPLY(200, NULL, INIT_XML), REPLY(200, "ETag: \"p1\"\r\n", ""),
                             REPLY(200, "ETag: \"p2&\"\r\n", ""),
                             /* CompleteMultipartUpload may fail with 200 and an error body. */
                             REPLY(200, NULL, XML_ERROR("InternalError", "try again")),
                             REPLY(200, NULL,
                                   "<CompleteMultipartUploadResult><ETag>\"x-2\"</ETag>"
                                   "</CompleteMultipartUploadResult>")};
    fake *f = fake_start(script, 5);
    char ep[64];
    ko_store_options o = test_opts(f, ep, sizeof ep);
    o.multipart_part_size = 5 * 1024 * 1024;
    ko_store *s = open_store("s3://bucket", &o);
    size_t n = 5 * 1024 * 1024 + 100;
    uint8_t *data = malloc(n);
    assert_non_null(data);
    tu_fill(data, n, 10);
    ko_err err = {0};
    ko_store_writer *w = NULL;
    TU_OK(ko_store_writer_open(s, "big", KO_PUT_IF_ABSENT, &w, &err), &err);
    TU_OK(ko_store_writer_write(w, data, n, &err), &err);
    TU_OK(ko_store_writer_commit(w, &err), &err);
    assert_int_equal(fake_requests(f), 5);
    assert_string_equal(f->lines[2],
                        "PUT /bucket/big?partNumber=2&uploadId=up%2F1%2Bx%26y HTTP/1.1");
    assert_string_equal(f->lines[4], "POST /bucket/big?uploadId=up%2F1%2Bx%26y HTTP/1.1");
    const char *xml = "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>\"p1\"</ETag>"
                      "</Part><Part><PartNumber>2</PartNumber><ETag>\"p2&amp;\"</ETag></Part>"
                      "</CompleteMultipartUpload>";
    assert_int_equal(f->body_len, strlen(xml));
    assert_memory_equal(f->body, xml, strlen(xml));
    char v[16];
    assert_true(header(f->head, "if-none-match", v, sizeof v));
    ko_store_close(s);
    free(data);
    fake_stop(f);
}

typedef struct par_arg {
    ko_store *s;
    int failures;
} par_arg;

static void *par_worker(void *p)
{
    par_arg *a = p;
    for (int i = 0; i < 10; i++) {
        ko_err err = {0};
        ko_buf b = {0};
        char key[32];
        snprintf(key, sizeof key, "k%d", i);
        if (ko_store_get(a->s, key, &b, &err) != KO_OK || b.len != 4)
            a->failures++;
        ko_buf_free(&b);
    }
    return NULL;
}

static void test_concurrent_use(void **state)
{
    (void)state;
    const action script[] = {REPLY(200, NULL, "data")};
    fake *f = fake_start(script, 1);
    char ep[64];
    ko_store_options o = test_opts(f, ep, sizeof ep);
    ko_store *s = open_store("s3://bucket", &o);
    pthread_t t[6];
    par_arg args[6];
    for (int i = 0; i < 6; i++) {
        args[i] = (par_arg){.s = s};
        assert_int_equal(pthread_create(&t[i], NULL, par_worker, &args[i]), 0);
    }
    for (int i = 0; i < 6; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(args[i].failures, 0);
    }
    assert_int_equal(fake_requests(f), 60);
    ko_store_close(s);
    fake_stop(f);
}

static void test_open_errors(void **state)
{
    (void)state;
    ko_store *s = NULL;
    ko_err err = {0};
    ko_store_options o = {.access_key = "only-half"};
    unsetenv("AWS_SECRET_ACCESS_KEY");
    assert_int_equal(ko_store_s3_open("s3://b", &o, &s, &err), KO_ERR_INVALID);
    assert_int_equal(ko_store_s3_open("s3://B", NULL, &s, &err), KO_ERR_INVALID);
    assert_int_equal(ko_store_s3_open("s3:///x", NULL, &s, &err), KO_ERR_INVALID);
    assert_int_equal(ko_store_s3_open("s3://b/a//c", NULL, &s, &err), KO_ERR_INVALID);
    assert_int_equal(ko_store_s3_open("http://b", NULL, &s, &err), KO_ERR_INVALID);
    ko_store_options bad = {.endpoint = "ftp://x"};
    assert_int_equal(ko_store_s3_open("s3://b", &bad, &s, &err), KO_ERR_INVALID);
    assert_null(s);
    TU_OK(ko_store_s3_open("gs://b/p/", NULL, &s, &err), &err);
    assert_string_equal(ko_store_uri(s), "gs://b/p");
    ko_store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_retry_then_success),
        cmocka_unit_test(test_retries_exhausted),
        cmocka_unit_test(test_forbidden),
        cmocka_unit_test(test_not_found),
        cmocka_unit_test(test_reset_retried),
        cmocka_unit_test(test_reset_exhausted),
        cmocka_unit_test(test_io_timeout),
        cmocka_unit_test(test_deadline_bounds_retries),
        cmocka_unit_test(test_deadline_bounds_hang),
        cmocka_unit_test(test_connect_refused),
        cmocka_unit_test(test_put_if_absent),
        cmocka_unit_test(test_put_if_absent_lost_answer),
        cmocka_unit_test(test_session_token_and_env),
        cmocka_unit_test(test_key_encoding_signed),
        cmocka_unit_test(test_list_parsing),
        cmocka_unit_test(test_range_answers),
        cmocka_unit_test(test_multipart_failure_aborts),
        cmocka_unit_test(test_multipart_complete),
        cmocka_unit_test(test_concurrent_use),
        cmocka_unit_test(test_open_errors),
    };
    return cmocka_run_group_tests_name("store_s3_faults", tests, NULL, NULL);
}
