/*
 * s3.c - the object store on S3, S3-compatible servers and GCS (XML API).
 *
 * A store is "s3://bucket[/prefix]" or "gs://bucket[/prefix]"; a key "k"
 * is the object "prefix/k" in the bucket.  Every operation is one or more
 * plain REST requests made with libcurl:
 *
 *   get      GET (with "Range: bytes=a-b" for part of an object)
 *   head     HEAD
 *   put      PUT ("If-None-Match: *" or, on GCS, "x-goog-if-generation-match:
 *            0" for put-if-absent; 412 means another writer won)
 *   del      DELETE (a missing key is fine)
 *   list     GET ?list-type=2 (ListObjectsV2); the page token is the last
 *            key returned and goes back as start-after, like the local store
 *   writer   buffers one part in memory; an object that fits in one part is
 *            one PUT, a larger one a multipart upload (POST ?uploads, PUT
 *            ?partNumber&uploadId per part, POST ?uploadId to complete,
 *            DELETE ?uploadId to abort on failure), so memory stays bounded
 *
 * Signing is libcurl's own AWS SigV4 (CURLOPT_AWS_SIGV4), which signs every
 * header we add.  It takes the payload hash from our x-amz-content-sha256
 * header (S3 requires that header) and uses the URL's path and query exactly
 * as given as the canonical URI and query, so URLs are built canonical from
 * the start: key segments and query values percent-encoded per RFC 3986 with
 * uppercase hex, parameters in byte order, empty values written "name=".
 *
 * Requests that fail in a way worth repeating (HTTP 408, 429, 500, 502, 503,
 * 504; connection refused, reset, timed out, nothing received) are retried
 * with exponential backoff and full jitter, within max_attempts and a
 * per-request deadline; the final error names the object URI, the method,
 * the attempts and the last cause.  Other HTTP errors map to statuses (404
 * NOT_FOUND, 401/403 PERMISSION, 412 EXISTS, ...) with the <Code> and
 * <Message> of S3's XML error body in the message.
 *
 * Idle curl handles wait on a mutex-protected stack in the store, so
 * requests from any thread take one, reuse its open connection, and give
 * it back: the store is thread-safe and connections are kept alive.
 *
 * Settings come from ko_store_options, else the environment (S3_ENDPOINT or
 * AWS_ENDPOINT_URL, AWS_REGION, AWS_* keys; for gs:// GS_* keys first, the
 * endpoint https://storage.googleapis.com and region "auto" unless given in
 * the options).  Addressing is path-style with a custom endpoint, for GCS
 * and for buckets with dots, else virtual-hosted; options.path_style 1 or
 * KO_S3_PATH_STYLE=1/0 decide otherwise (a 0 in the options counts as
 * unset, as in a zero-initialised struct).
 */
#include "store/store.h"

#include <curl/curl.h>
#include <errno.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define MIB ((size_t)1024 * 1024)

enum {
    DEFAULT_MAX_ATTEMPTS = 5,
    MAX_IDLE_HANDLES = 64,
    ERR_BODY_MAX = 16 * 1024,
    MAX_PARTS = 10000,
    LIST_MAX_KEYS = 1000,
    HDR_MAX = 4,
};

static const int64_t DEFAULT_DEADLINE_MS = 60000;
static const int64_t DEFAULT_CONNECT_MS = 10000;
static const int64_t DEFAULT_IO_MS = 30000;
static const int64_t DEFAULT_BASE_DELAY_MS = 100;
static const int64_t MAX_DELAY_MS = 5000;
static const size_t DEFAULT_PART_SIZE = 8 * MIB;
static const size_t MIN_PART_SIZE = 5 * MIB;

typedef struct s3_store {
    ko_store base;
    bool gcs;
    char *prefix;     /* "" or "a/b": no slash at either end */
    char *bucket_url; /* the bucket: "http://h:p/bucket" or "https://bucket.h/" */
    char *obj_url;    /* what precedes an object name: bucket_url plus '/' if path-style */
    char *access_key; /* NULL: anonymous requests */
    char *secret_key;
    char *token_hdr; /* "x-amz-security-token: ..." or NULL */
    char *sigv4;     /* "aws:amz:<region>:s3" */
    int max_attempts;
    int64_t deadline_ms, connect_ms, io_ms, base_delay_ms;
    size_t part_size;
    pthread_mutex_t lock; /* guards idle */
    CURL **idle;
    size_t n_idle;
    _Atomic uint64_t rng;
} s3_store;

typedef struct s3_writer {
    ko_store_writer base;
    ko_put_flags flags;
    uint8_t *part; /* part_size bytes, allocated on the first write */
    size_t part_len;
    char *upload_id; /* set once a multipart upload has started */
    int parts;
    ko_buf done;      /* <Part> elements for CompleteMultipartUpload */
    ko_status failed; /* sticky: a failed write poisons the writer */
} s3_writer;

/* One REST request. */
typedef struct s3_req {
    const char *method; /* GET HEAD PUT POST DELETE */
    const char *op;     /* for messages; defaults to method */
    const char *key;    /* relative key; NULL means the bucket itself */
    const char *label;  /* names the request in messages; defaults to key */
    const char *query;  /* canonical query string, or NULL */
    const void *body;
    size_t body_len;
    const char *hdrs[HDR_MAX]; /* extra header lines, NULL-terminated */
    ko_buf *sink;              /* receives a 2xx body; NULL discards it */
    bool error_in_body;        /* a 200 carrying <Error> is a failure */
} s3_req;

typedef struct s3_resp {
    long status;
    int64_t length;      /* Content-Length, -1 if absent */
    int64_t range_start; /* from Content-Range, -1 if absent */
    int64_t range_total;
    int64_t mtime_us;
    char etag[80];
    ko_buf errbody; /* body of a non-2xx response (capped) */
    bool nomem;
    bool reserved;
    int attempts;
    char curl_msg[CURL_ERROR_SIZE];
} s3_resp;

typedef struct xfer {
    const s3_req *req;
    s3_resp *resp;
} xfer;

/* ------------------------------------------------------------------ util */

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int64_t ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* splitmix64 over an atomic counter: cheap, thread-safe jitter. */
static uint64_t next_random(s3_store *s)
{
    const uint64_t golden = 0x9E3779B97F4A7C15ULL;
    uint64_t z = atomic_fetch_add(&s->rng, golden) + golden;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* Full jitter: uniform in [0, min(cap, base * 2^(attempt-1))]. */
static int64_t backoff_ms(s3_store *s, int attempt)
{
    int64_t ceiling = s->base_delay_ms;
    for (int i = 1; i < attempt && ceiling < MAX_DELAY_MS; i++)
        ceiling *= 2;
    if (ceiling > MAX_DELAY_MS)
        ceiling = MAX_DELAY_MS;
    return (int64_t)(next_random(s) % (uint64_t)(ceiling + 1));
}

static void hex_encode(const unsigned char *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

/* Hex digest of data with md (SHA-256 or MD5); out holds 2*size+1. */
static bool digest_hex(const EVP_MD *md, const void *data, size_t n, char *out)
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(n ? data : "", n, d, &len, md, NULL) != 1)
        return false;
    hex_encode(d, len, out);
    return true;
}

static bool is_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

/* Appends s percent-encoded per RFC 3986 (and SigV4); '/' kept if asked. */
static ko_status append_encoded(ko_buf *b, const char *s, bool keep_slash)
{
    static const char hex[] = "0123456789ABCDEF";
    ko_status st = ko_buf_reserve(b, strlen(s) * 3);
    for (const unsigned char *p = (const unsigned char *)s; st == KO_OK && *p; p++) {
        if (is_unreserved(*p) || (keep_slash && *p == '/')) {
            b->data[b->len++] = *p;
        } else {
            b->data[b->len++] = '%';
            b->data[b->len++] = (uint8_t)hex[*p >> 4];
            b->data[b->len++] = (uint8_t)hex[*p & 15];
        }
    }
    if (st == KO_OK)
        b->data[b->len] = '\0';
    return st;
}

static char *str_join(const char *a, const char *sep, const char *b)
{
    char *out = NULL;
    if (asprintf(&out, "%s%s%s", a, sep, b) < 0)
        return NULL;
    return out;
}

/* The object's full name in the bucket: "prefix/key" or "key". */
static char *full_key(const s3_store *s, const char *key)
{
    return str_join(s->prefix, *s->prefix && *key ? "/" : "", key);
}

/* Parses a decimal unsigned number at [p, end); returns the end or NULL. */
static const char *parse_u64(const char *p, const char *end, uint64_t *out)
{
    uint64_t v = 0;
    const char *start = p;
    for (; p < end && *p >= '0' && *p <= '9'; p++) {
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return NULL;
        v = v * 10 + d;
    }
    *out = v;
    return p > start ? p : NULL;
}

static bool fixed_digits(const char *p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return false;
        v = v * 10 + (p[i] - '0');
    }
    *out = v;
    return true;
}

/* Parses S3's "2009-10-12T17:50:30.000Z" (UTC); 0 if malformed. */
static int64_t parse_iso_time_us(const char *s, size_t n)
{
    int f[6];
    static const int pos[6] = {0, 5, 8, 11, 14, 17};
    static const int len[6] = {4, 2, 2, 2, 2, 2};
    if (n < 19)
        return 0;
    for (int i = 0; i < 6; i++)
        if (!fixed_digits(s + pos[i], len[i], &f[i]))
            return 0;
    struct tm tm = {.tm_year = f[0] - 1900,
                    .tm_mon = f[1] - 1,
                    .tm_mday = f[2],
                    .tm_hour = f[3],
                    .tm_min = f[4],
                    .tm_sec = f[5]};
    time_t t = timegm(&tm);
    int64_t us = (int64_t)t * 1000000;
    if (n > 20 && s[19] == '.') {
        int64_t scale = 100000;
        for (size_t i = 20; i < n && s[i] >= '0' && s[i] <= '9' && scale > 0; i++, scale /= 10)
            us += (s[i] - '0') * scale;
    }
    return us;
}

/* -------------------------------------------------------------------- xml */

/* Finds <tag>text</tag> in [p, end): returns the text and its length, and
 * where the element ends in *after; NULL if absent.  S3's documents have no
 * attributes on the elements we read and escape '<' inside text. */
static const char *xml_find(const char *p, const char *end, const char *tag, size_t *n,
                            const char **after)
{
    char open[40];
    char close[41];
    int on = snprintf(open, sizeof open, "<%s>", tag);
    int cn = snprintf(close, sizeof close, "</%s>", tag);
    if (on <= 0 || cn <= 0 || (size_t)on >= sizeof open || (size_t)cn >= sizeof close)
        return NULL;
    const char *a = memmem(p, (size_t)(end - p), open, (size_t)on);
    if (!a)
        return NULL;
    a += on;
    const char *b = memmem(a, (size_t)(end - a), close, (size_t)cn);
    if (!b)
        return NULL;
    *n = (size_t)(b - a);
    if (after)
        *after = b + cn;
    return a;
}

static size_t utf8_put(uint32_t cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Decodes one entity at s ('&' .. ';', length n); writes its bytes to out
 * and returns their count, or 0 if it is not one we know. */
static size_t xml_entity(const char *s, size_t n, char *out)
{
    static const struct {
        const char *name;
        char c;
    } named[] = {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
    for (size_t i = 0; i < KO_ARRAY_LEN(named); i++) {
        if (strlen(named[i].name) == n && memcmp(s, named[i].name, n) == 0) {
            out[0] = named[i].c;
            return 1;
        }
    }
    if (n < 4 || s[1] != '#')
        return 0;
    bool hex = s[2] == 'x' || s[2] == 'X';
    char digits[16];
    size_t dn = n - (hex ? 4 : 3);
    if (dn == 0 || dn >= sizeof digits)
        return 0;
    memcpy(digits, s + (hex ? 3 : 2), dn);
    digits[dn] = '\0';
    char *endp = NULL;
    unsigned long cp = strtoul(digits, &endp, hex ? 16 : 10);
    if (*endp || cp == 0 || cp > 0x10FFFF)
        return 0;
    return utf8_put((uint32_t)cp, out);
}

/* Returns a malloc'd copy of XML text with entities decoded, or NULL. */
static char *xml_text(const char *s, size_t n)
{
    char *out = malloc(n + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        const char *semi = s[i] == '&' ? memchr(s + i, ';', n - i < 12 ? n - i : 12) : NULL;
        size_t k = semi ? xml_entity(s + i, (size_t)(semi - (s + i)) + 1, out + o) : 0;
        if (k) {
            o += k; /* an entity is never shorter than what it decodes to */
            i = (size_t)(semi - s) + 1;
        } else {
            out[o++] = s[i++];
        }
    }
    out[o] = '\0';
    return out;
}

static ko_status append_xml_escaped(ko_buf *b, const char *s)
{
    ko_status st = KO_OK;
    for (; st == KO_OK && *s; s++) {
        if (*s == '&')
            st = ko_buf_append_str(b, "&amp;");
        else if (*s == '<')
            st = ko_buf_append_str(b, "&lt;");
        else if (*s == '>')
            st = ko_buf_append_str(b, "&gt;");
        else
            st = ko_buf_append(b, s, 1);
    }
    return st;
}

/* ---------------------------------------------------------- curl handles */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result = CURLE_FAILED_INIT;

static void curl_init_once(void)
{
    curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static CURL *handle_take(s3_store *s)
{
    CURL *h = NULL;
    pthread_mutex_lock(&s->lock);
    if (s->n_idle > 0)
        h = s->idle[--s->n_idle];
    pthread_mutex_unlock(&s->lock);
    return h ? h : curl_easy_init();
}

static void handle_give(s3_store *s, CURL *h)
{
    pthread_mutex_lock(&s->lock);
    if (s->n_idle < MAX_IDLE_HANDLES) {
        s->idle[s->n_idle++] = h;
        h = NULL;
    }
    pthread_mutex_unlock(&s->lock);
    if (h)
        curl_easy_cleanup(h);
}

/* -------------------------------------------------------------- requests */

static void resp_reset(s3_resp *r)
{
    r->status = 0;
    r->length = -1;
    r->range_start = -1;
    r->range_total = -1;
    r->mtime_us = 0;
    r->etag[0] = '\0';
    r->reserved = false;
    r->curl_msg[0] = '\0';
    ko_buf_reset(&r->errbody);
}

static void resp_free(s3_resp *r)
{
    ko_buf_free(&r->errbody);
}

static bool is_2xx(long status)
{
    return status >= 200 && status < 300;
}

/* If the header line [p, end) is "name: value", returns the trimmed value. */
static const char *header_value(const char *p, const char *end, const char *name, size_t *n)
{
    size_t nl = strlen(name);
    if ((size_t)(end - p) <= nl || strncasecmp(p, name, nl) != 0 || p[nl] != ':')
        return NULL;
    const char *v = p + nl + 1;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
        end--;
    *n = (size_t)(end - v);
    return v;
}

/* "bytes a-b/total" or "bytes * /total" (no space). */
static void parse_content_range(s3_resp *r, const char *v, size_t n)
{
    const char *end = v + n;
    const char *slash = memchr(v, '/', n);
    uint64_t x = 0;
    if (n > 6 && strncmp(v, "bytes ", 6) == 0 && parse_u64(v + 6, end, &x) && x <= INT64_MAX)
        r->range_start = (int64_t)x;
    if (slash && parse_u64(slash + 1, end, &x) && x <= INT64_MAX)
        r->range_total = (int64_t)x;
}

static void parse_header(s3_resp *r, const char *p, const char *end)
{
    size_t n = 0;
    const char *v;
    uint64_t x = 0;
    if ((v = header_value(p, end, "content-length", &n)) && parse_u64(v, v + n, &x) &&
        x <= INT64_MAX) {
        r->length = (int64_t)x;
    } else if ((v = header_value(p, end, "content-range", &n))) {
        parse_content_range(r, v, n);
    } else if ((v = header_value(p, end, "etag", &n))) {
        size_t k = n < sizeof r->etag - 1 ? n : sizeof r->etag - 1;
        memcpy(r->etag, v, k);
        r->etag[k] = '\0';
    } else if ((v = header_value(p, end, "last-modified", &n)) && n < 64) {
        char date[64];
        memcpy(date, v, n);
        date[n] = '\0';
        time_t t = curl_getdate(date, NULL);
        r->mtime_us = t > 0 ? (int64_t)t * 1000000 : 0;
    }
}

static size_t on_header(char *buf, size_t size, size_t nitems, void *ud)
{
    xfer *x = ud;
    size_t len = size * nitems;
    if (len > 9 && strncmp(buf, "HTTP/", 5) == 0) {
        /* A new response (after a 100 Continue, say): forget the last one. */
        resp_reset(x->resp);
        const char *sp = memchr(buf, ' ', len);
        uint64_t code = 0;
        if (sp && parse_u64(sp + 1, buf + len, &code))
            x->resp->status = (long)code;
        return len;
    }
    parse_header(x->resp, buf, buf + len);
    return len;
}

static size_t on_body(char *p, size_t size, size_t nmemb, void *ud)
{
    xfer *x = ud;
    s3_resp *r = x->resp;
    size_t len = size * nmemb;
    ko_buf *sink = x->req->sink;
    if (!is_2xx(r->status)) {
        if (r->errbody.len < ERR_BODY_MAX) {
            size_t room = ERR_BODY_MAX - r->errbody.len;
            if (ko_buf_append(&r->errbody, p, len < room ? len : room) != KO_OK)
                r->nomem = true;
        }
        return r->nomem ? 0 : len;
    }
    if (!sink)
        return len;
    if (!r->reserved && r->length > 0 && (uint64_t)r->length < SIZE_MAX / 2) {
        r->reserved = true;
        if (ko_buf_reserve(sink, (size_t)r->length) != KO_OK)
            r->nomem = true;
    }
    if (!r->nomem && ko_buf_append(sink, p, len) != KO_OK)
        r->nomem = true;
    return r->nomem ? 0 : len;
}

static void set_method(CURL *h, const s3_req *req)
{
    if (strcmp(req->method, "HEAD") == 0) {
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (strcmp(req->method, "GET") == 0) {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    } else if (strcmp(req->method, "DELETE") == 0) {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "DELETE");
    } else {
        /* PUT and POST send the body from memory: curl rewinds it itself on
         * a retry, and sends "Expect: 100-continue" only above 1 MiB. */
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body_len ? req->body : "");
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);
    }
}

static void set_timeouts(const s3_store *s, CURL *h, int64_t remaining_ms)
{
    if (remaining_ms < 1)
        remaining_ms = 1;
    int64_t connect = s->connect_ms < remaining_ms ? s->connect_ms : remaining_ms;
    int64_t io_s = (s->io_ms + 999) / 1000;
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)connect);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)remaining_ms);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, (long)(io_s > 0 ? io_s : 1));
}

static CURLcode attempt_once(s3_store *s, CURL *h, const s3_req *req, const char *url,
                             struct curl_slist *hdrs, s3_resp *resp, int64_t remaining_ms)
{
    xfer x = {.req = req, .resp = resp};
    curl_easy_reset(h);
    if (curl_easy_setopt(h, CURLOPT_URL, url) != CURLE_OK)
        return CURLE_OUT_OF_MEMORY;
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_BUFFERSIZE, 256L * 1024);
    curl_easy_setopt(h, CURLOPT_UPLOAD_BUFFERSIZE, 512L * 1024);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, resp->curl_msg);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &x);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &x);
    if (s->access_key) {
        curl_easy_setopt(h, CURLOPT_AWS_SIGV4, s->sigv4);
        curl_easy_setopt(h, CURLOPT_USERNAME, s->access_key);
        curl_easy_setopt(h, CURLOPT_PASSWORD, s->secret_key);
    }
    set_timeouts(s, h, remaining_ms);
    set_method(h, req);
    CURLcode rc = curl_easy_perform(h);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
    if (rc == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
    return rc;
}

static bool curl_retryable(CURLcode rc)
{
    switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        return true;
    default:
        return false;
    }
}

static bool http_retryable(long status)
{
    return status == 408 || status == 429 || status == 500 || status == 502 || status == 503 ||
           status == 504;
}

/* CompleteMultipartUpload can answer 200 and then report an error in the
 * body; treat that as the 500 it stands for. */
static void check_error_body(const s3_req *req, s3_resp *r)
{
    if (!req->error_in_body || !is_2xx(r->status) || !req->sink)
        return;
    const char *body = (const char *)req->sink->data;
    if (!body || !strstr(body, "<Error>"))
        return;
    r->status = 500;
    ko_buf_reset(&r->errbody);
    if (ko_buf_append(&r->errbody, body, req->sink->len) != KO_OK)
        r->nomem = true;
}

static ko_status http_status(long status)
{
    switch (status) {
    case 401:
    case 403:
        return KO_ERR_PERMISSION;
    case 404:
        return KO_ERR_NOT_FOUND;
    case 409:
        return KO_ERR_CONFLICT;
    case 412:
        return KO_ERR_EXISTS;
    case 405:
    case 501:
        return KO_ERR_UNSUPPORTED;
    default:
        break;
    }
    if (status >= 500)
        return KO_ERR_NETWORK;
    return status >= 300 ? KO_ERR_INVALID : KO_ERR_IO; /* 3xx: wrong region or endpoint */
}

/* Writes "<store uri>/<label>" (the object the request is about) to out. */
static void req_name(const s3_store *s, const s3_req *req, char *out, size_t n)
{
    const char *label = req->label ? req->label : req->key;
    snprintf(out, n, "%s%s%s", s->base.uri, label ? "/" : "", label ? label : "");
}

/* " after N attempts" (when retried) and whether the deadline stopped it. */
static void describe_tries(int attempts, bool deadline_hit, char *out, size_t n)
{
    out[0] = '\0';
    if (attempts > 1 || deadline_hit)
        snprintf(out, n, " after %d attempt%s%s", attempts, attempts == 1 ? "" : "s",
                 deadline_hit ? " (deadline reached)" : "");
}

static ko_status http_error(const s3_store *s, const s3_req *req, const s3_resp *r,
                            const char *tries, ko_err *err)
{
    char name[KO_ERR_MSG_MAX];
    req_name(s, req, name, sizeof name);
    const char *body = (const char *)r->errbody.data;
    const char *end = body ? body + r->errbody.len : NULL;
    size_t cn = 0;
    size_t mn = 0;
    const char *code = body ? xml_find(body, end, "Code", &cn, NULL) : NULL;
    const char *msg = body ? xml_find(body, end, "Message", &mn, NULL) : NULL;
    char *code_s = code ? xml_text(code, cn) : NULL;
    char *msg_s = msg ? xml_text(msg, mn) : NULL;
    /* Without an S3 error code (HEAD has no body), say what the status means. */
    ko_status hs = http_status(r->status);
    ko_status st =
        ko_err_set(err, hs, "%s: %s: HTTP %ld %s%s%s%s%s%s", name, req->op ? req->op : req->method,
                   r->status, code_s ? code_s : "(", code_s ? "" : ko_status_name(hs),
                   code_s ? "" : ")", tries, msg_s ? ": " : "", msg_s ? msg_s : "");
    free(code_s);
    free(msg_s);
    return st;
}

static ko_status curl_error(const s3_store *s, const s3_req *req, CURLcode rc, const s3_resp *r,
                            const char *tries, ko_err *err)
{
    char name[KO_ERR_MSG_MAX];
    req_name(s, req, name, sizeof name);
    ko_status st = KO_ERR_NETWORK;
    if (rc == CURLE_OPERATION_TIMEDOUT)
        st = KO_ERR_TIMEOUT;
    else if (rc == CURLE_URL_MALFORMAT || rc == CURLE_UNSUPPORTED_PROTOCOL)
        st = KO_ERR_INVALID;
    else if (rc == CURLE_OUT_OF_MEMORY)
        st = KO_ERR_NOMEM;
    return ko_err_set(err, st, "%s: %s: %s%s%s%s%s", name, req->op ? req->op : req->method,
                      curl_easy_strerror(rc), r->curl_msg[0] ? " (" : "", r->curl_msg,
                      r->curl_msg[0] ? ")" : "", tries);
}

static ko_status run_attempts(s3_store *s, CURL *h, const s3_req *req, const char *url,
                              struct curl_slist *hdrs, s3_resp *resp, ko_err *err)
{
    int64_t deadline = now_ms() + s->deadline_ms;
    size_t sink_start = req->sink ? req->sink->len : 0;
    bool deadline_hit = false;
    CURLcode rc;
    int attempt = 0;
    for (;;) {
        attempt++;
        if (req->sink)
            req->sink->len = sink_start;
        rc = attempt_once(s, h, req, url, hdrs, resp, deadline - now_ms());
        check_error_body(req, resp);
        if (resp->nomem)
            break;
        bool retry = rc == CURLE_OK ? http_retryable(resp->status) : curl_retryable(rc);
        if (!retry || attempt >= s->max_attempts)
            break;
        int64_t delay = backoff_ms(s, attempt);
        if (now_ms() + delay >= deadline) {
            deadline_hit = true;
            break;
        }
        sleep_ms(delay);
    }
    resp->attempts = attempt;
    bool ok = rc == CURLE_OK && !resp->nomem && is_2xx(resp->status);
    if (req->sink && !ok) {
        req->sink->len = sink_start;
        if (req->sink->data)
            req->sink->data[sink_start] = '\0';
    }
    if (resp->nomem)
        return ko_err_set(err, KO_ERR_NOMEM, "%s: out of memory", url);
    if (ok)
        return KO_OK;
    char tries[64];
    describe_tries(attempt, deadline_hit, tries, sizeof tries);
    if (rc != CURLE_OK)
        return curl_error(s, req, rc, resp, tries, err);
    return http_error(s, req, resp, tries, err);
}

static char *build_url(const s3_store *s, const s3_req *req)
{
    ko_buf b = {0};
    ko_status st = ko_buf_append_str(&b, req->key ? s->obj_url : s->bucket_url);
    if (st == KO_OK && req->key) {
        char *name = full_key(s, req->key);
        st = name ? append_encoded(&b, name, true) : KO_ERR_NOMEM;
        free(name);
    }
    if (st == KO_OK && req->query)
        st = ko_buf_appendf(&b, "?%s", req->query);
    if (st != KO_OK) {
        ko_buf_free(&b);
        return NULL;
    }
    return (char *)ko_buf_detach(&b, NULL);
}

static struct curl_slist *build_headers(const s3_store *s, const s3_req *req)
{
    char sha[2 * EVP_MAX_MD_SIZE + 1];
    char line[sizeof sha + 32];
    if (!digest_hex(EVP_sha256(), req->body, req->body_len, sha))
        return NULL;
    snprintf(line, sizeof line, "x-amz-content-sha256: %s", sha);
    struct curl_slist *list = curl_slist_append(NULL, line);
    if (list && s->token_hdr && !curl_slist_append(list, s->token_hdr)) {
        curl_slist_free_all(list);
        return NULL;
    }
    for (int i = 0; list && i < HDR_MAX && req->hdrs[i]; i++) {
        if (!curl_slist_append(list, req->hdrs[i])) {
            curl_slist_free_all(list);
            return NULL;
        }
    }
    return list;
}

/* Runs req with retries.  KO_OK only for a 2xx answer; otherwise err says
 * why and resp->status holds the final HTTP status (0 if none). */
static ko_status s3_perform(s3_store *s, const s3_req *req, s3_resp *resp, ko_err *err)
{
    memset(resp, 0, sizeof *resp);
    resp_reset(resp);
    char *url = build_url(s, req);
    struct curl_slist *hdrs = url ? build_headers(s, req) : NULL;
    CURL *h = hdrs ? handle_take(s) : NULL;
    ko_status st;
    if (!h) {
        char name[KO_ERR_MSG_MAX];
        req_name(s, req, name, sizeof name);
        st = ko_err_set(err, KO_ERR_NOMEM, "%s: %s: out of memory", name, req->method);
    } else {
        st = run_attempts(s, h, req, url, hdrs, resp, err);
        handle_give(s, h);
    }
    curl_slist_free_all(hdrs);
    free(url);
    return st;
}

/* ------------------------------------------------------------ operations */

static s3_store *s3_of(ko_store *s)
{
    return (s3_store *)s;
}

static const char *if_absent_header(const s3_store *s)
{
    return s->gcs ? "x-goog-if-generation-match: 0" : "If-None-Match: *";
}

static ko_status s3_head(ko_store *st, const char *key, ko_obj_info *info, ko_err *err)
{
    s3_store *s = s3_of(st);
    s3_req req = {.method = "HEAD", .key = key};
    s3_resp resp;
    ko_status rc = s3_perform(s, &req, &resp, err);
    if (rc == KO_OK) {
        info->size = resp.length > 0 ? (uint64_t)resp.length : 0;
        info->mtime_us = resp.mtime_us;
        snprintf(info->etag, sizeof info->etag, "%s", resp.etag);
    }
    resp_free(&resp);
    return rc;
}

/* A zero-length read, or one the server found unsatisfiable (416, which S3
 * answers for any range of an empty object): the size decides. */
static ko_status get_nothing(ko_store *st, const char *key, uint64_t off, ko_obj_info *info,
                             ko_err *err)
{
    ko_status rc = s3_head(st, key, info, err);
    if (rc == KO_OK && off > info->size)
        rc = ko_err_set(err, KO_ERR_INVALID, "%s/%s: GET: offset %llu is beyond the size %llu",
                        st->uri, key, (unsigned long long)off, (unsigned long long)info->size);
    return rc;
}

/* Keeps the requested [off, off+len) of what the server sent, which covers
 * [start, start+got) of the object: servers may send more than asked. */
static ko_status clip_range(ko_store *st, const char *key, const s3_resp *r, uint64_t off,
                            uint64_t len, ko_buf *out, size_t before, ko_obj_info *info,
                            ko_err *err)
{
    uint64_t got = out->len - before;
    uint64_t start = r->status == 206 && r->range_start >= 0 ? (uint64_t)r->range_start : 0;
    if (r->status == 206)
        info->size = r->range_total >= 0 ? (uint64_t)r->range_total : start + got;
    else
        info->size = got;
    info->mtime_us = r->mtime_us;
    snprintf(info->etag, sizeof info->etag, "%s", r->etag);
    if (off < start) {
        out->len = before;
        out->data[before] = '\0';
        return ko_err_set(err, KO_ERR_IO, "%s/%s: GET: asked for bytes from %llu, got from %llu",
                          st->uri, key, (unsigned long long)off, (unsigned long long)start);
    }
    uint64_t skip = off - start < got ? off - start : got;
    uint64_t keep = got - skip < len ? got - skip : len;
    if (skip)
        memmove(out->data + before, out->data + before + skip, (size_t)keep);
    out->len = before + (size_t)keep;
    if (out->data)
        out->data[out->len] = '\0';
    return KO_OK;
}

static ko_status s3_get(ko_store *st, const char *key, uint64_t off, uint64_t len, ko_buf *out,
                        ko_obj_info *info, ko_err *err)
{
    if (len == 0)
        return get_nothing(st, key, off, info, err);
    char range[80] = "";
    bool ranged = off > 0 || len != KO_STORE_TO_END;
    if (ranged && (len == KO_STORE_TO_END || off > INT64_MAX || len - 1 > INT64_MAX - off))
        snprintf(range, sizeof range, "Range: bytes=%llu-", (unsigned long long)off);
    else if (ranged)
        snprintf(range, sizeof range, "Range: bytes=%llu-%llu", (unsigned long long)off,
                 (unsigned long long)(off + len - 1));
    s3_req req = {.method = "GET", .key = key, .sink = out, .hdrs = {ranged ? range : NULL}};
    s3_resp resp;
    size_t before = out->len;
    ko_status rc = s3_perform(s3_of(st), &req, &resp, err);
    if (rc != KO_OK && resp.status == 416)
        rc = get_nothing(st, key, off, info, err);
    else if (rc == KO_OK)
        rc = clip_range(st, key, &resp, off, len, out, before, info, err);
    resp_free(&resp);
    return rc;
}

/* After a retried put-if-absent answers 412, the object may be ours: the
 * first attempt can have succeeded with its answer lost.  A single-part
 * object's ETag is the MD5 of its bytes, which tells. */
static bool put_was_ours(ko_store *st, const char *key, const void *data, size_t n)
{
    char md5[2 * EVP_MAX_MD_SIZE + 1];
    char quoted[2 * EVP_MAX_MD_SIZE + 3];
    ko_obj_info info = {0};
    if (!digest_hex(EVP_md5(), data, n, md5))
        return false;
    snprintf(quoted, sizeof quoted, "\"%s\"", md5);
    return s3_head(st, key, &info, NULL) == KO_OK && info.size == n &&
           strcasecmp(info.etag, quoted) == 0;
}

static ko_status s3_put(ko_store *st, const char *key, const void *data, size_t n,
                        ko_put_flags flags, ko_err *err)
{
    s3_store *s = s3_of(st);
    s3_req req = {.method = "PUT", .key = key, .body = data, .body_len = n};
    req.hdrs[0] = "Content-Type: application/octet-stream";
    if (flags & KO_PUT_IF_ABSENT)
        req.hdrs[1] = if_absent_header(s);
    s3_resp resp;
    ko_status rc = s3_perform(s, &req, &resp, err);
    if (rc == KO_ERR_EXISTS && resp.attempts > 1 && put_was_ours(st, key, data, n))
        rc = KO_OK;
    resp_free(&resp);
    return rc;
}

static ko_status s3_del(ko_store *st, const char *key, ko_err *err)
{
    s3_req req = {.method = "DELETE", .key = key};
    s3_resp resp;
    ko_status rc = s3_perform(s3_of(st), &req, &resp, err);
    if (rc == KO_ERR_NOT_FOUND)
        rc = KO_OK;
    resp_free(&resp);
    return rc;
}

/* ---------------------------------------------------------------- listing */

static ko_status page_add(s3_store *s, ko_list_page *page, size_t *cap, const char *blk, size_t n)
{
    const char *end = blk + n;
    size_t kn = 0;
    size_t zn = 0;
    size_t tn = 0;
    const char *k = xml_find(blk, end, "Key", &kn, NULL);
    const char *z = xml_find(blk, end, "Size", &zn, NULL);
    const char *t = xml_find(blk, end, "LastModified", &tn, NULL);
    if (!k)
        return KO_ERR_CORRUPT;
    if (page->count == *cap) {
        size_t ncap = *cap ? *cap * 2 : 64;
        ko_list_entry *e = realloc(page->entries, ncap * sizeof *e);
        if (!e)
            return KO_ERR_NOMEM;
        page->entries = e;
        *cap = ncap;
    }
    char *key = xml_text(k, kn);
    if (!key)
        return KO_ERR_NOMEM;
    size_t pn = strlen(s->prefix);
    if (pn && (strncmp(key, s->prefix, pn) != 0 || key[pn] != '/')) {
        free(key);
        return KO_ERR_CORRUPT;
    }
    if (pn)
        memmove(key, key + pn + 1, strlen(key + pn + 1) + 1);
    ko_list_entry *e = &page->entries[page->count++];
    e->key = key;
    e->size = 0;
    if (z)
        parse_u64(z, z + zn, &e->size);
    e->mtime_us = t ? parse_iso_time_us(t, tn) : 0;
    return KO_OK;
}

static ko_status parse_list(s3_store *s, const ko_buf *body, ko_list_page *page)
{
    const char *p = (const char *)body->data;
    const char *end = p + body->len;
    size_t cap = 0;
    size_t n = 0;
    const char *truncated = p ? xml_find(p, end, "IsTruncated", &n, NULL) : NULL;
    bool more = truncated && n == 4 && memcmp(truncated, "true", 4) == 0;
    const char *blk;
    ko_status st = KO_OK;
    while (st == KO_OK && p && (blk = xml_find(p, end, "Contents", &n, &p)) != NULL)
        st = page_add(s, page, &cap, blk, n);
    if (st == KO_OK && more) {
        if (page->count == 0)
            return KO_ERR_CORRUPT;
        page->next_token = strdup(page->entries[page->count - 1].key);
        if (!page->next_token)
            st = KO_ERR_NOMEM;
    }
    return st;
}

static ko_status list_query(const s3_store *s, const char *prefix, const char *token,
                            size_t max_keys, ko_buf *q)
{
    char *full = full_key(s, prefix);
    if (!full)
        return KO_ERR_NOMEM;
    /* "pfx" + "" is "pfx": list "pfx/" so that "pfx2/..." stays out. */
    bool slash = *s->prefix && !*prefix;
    ko_status st = ko_buf_appendf(q, "list-type=2&max-keys=%zu&prefix=", max_keys);
    if (st == KO_OK)
        st = append_encoded(q, full, false);
    if (st == KO_OK && slash)
        st = ko_buf_append_str(q, "%2F");
    free(full);
    if (st == KO_OK && token) {
        char *after = full_key(s, token);
        st = after ? ko_buf_append_str(q, "&start-after=") : KO_ERR_NOMEM;
        if (st == KO_OK)
            st = append_encoded(q, after, false);
        free(after);
    }
    return st;
}

static ko_status s3_list(ko_store *st, const char *prefix, const char *token, size_t max_keys,
                         ko_list_page *page, ko_err *err)
{
    s3_store *s = s3_of(st);
    ko_buf q = {0};
    ko_buf body = {0};
    if (max_keys == 0 || max_keys > LIST_MAX_KEYS)
        max_keys = LIST_MAX_KEYS;
    ko_status rc = list_query(s, prefix, token, max_keys, &q);
    if (rc != KO_OK) {
        ko_buf_free(&q);
        return ko_err_set(err, KO_ERR_NOMEM, "%s/%s: LIST: out of memory", st->uri, prefix);
    }
    s3_req req = {
        .method = "GET", .op = "LIST", .label = prefix, .query = (char *)q.data, .sink = &body};
    s3_resp resp;
    rc = s3_perform(s, &req, &resp, err);
    if (rc == KO_OK)
        rc = parse_list(s, &body, page);
    if (rc == KO_ERR_NOMEM || rc == KO_ERR_CORRUPT)
        ko_err_set(err, rc, "%s/%s: LIST: %s", st->uri, prefix,
                   rc == KO_ERR_NOMEM ? "out of memory" : "malformed ListObjectsV2 answer");
    resp_free(&resp);
    ko_buf_free(&body);
    ko_buf_free(&q);
    return rc;
}

/* ----------------------------------------------------------------- writer */

static s3_store *writer_store(const s3_writer *w)
{
    return (s3_store *)w->base.store;
}

static ko_status upload_query(const s3_writer *w, int part, ko_buf *q)
{
    ko_status st = part ? ko_buf_appendf(q, "partNumber=%d&", part) : KO_OK;
    if (st == KO_OK)
        st = ko_buf_append_str(q, "uploadId=");
    if (st == KO_OK)
        st = append_encoded(q, w->upload_id, false);
    return st;
}

static ko_status start_upload(s3_writer *w, ko_err *err)
{
    s3_store *s = writer_store(w);
    ko_buf body = {0};
    s3_req req = {.method = "POST",
                  .op = "POST ?uploads",
                  .key = w->base.key,
                  .query = "uploads=",
                  .sink = &body};
    req.hdrs[0] = "Content-Type: application/octet-stream";
    s3_resp resp;
    ko_status rc = s3_perform(s, &req, &resp, err);
    size_t n = 0;
    const char *id =
        rc == KO_OK && body.data
            ? xml_find((char *)body.data, (char *)body.data + body.len, "UploadId", &n, NULL)
            : NULL;
    if (rc == KO_OK && (!id || n == 0))
        rc = ko_err_set(err, KO_ERR_IO, "%s/%s: POST ?uploads: no UploadId in the answer",
                        s->base.uri, w->base.key);
    if (rc == KO_OK && !(w->upload_id = xml_text(id, n)))
        rc = ko_err_set(err, KO_ERR_NOMEM, "%s/%s: out of memory", s->base.uri, w->base.key);
    resp_free(&resp);
    ko_buf_free(&body);
    return rc;
}

static ko_status record_part(s3_writer *w, const char *etag, ko_err *err)
{
    ko_status st = ko_buf_appendf(&w->done, "<Part><PartNumber>%d</PartNumber><ETag>", w->parts);
    if (st == KO_OK)
        st = append_xml_escaped(&w->done, etag);
    if (st == KO_OK)
        st = ko_buf_append_str(&w->done, "</ETag></Part>");
    if (st != KO_OK)
        return ko_err_set(err, KO_ERR_NOMEM, "%s/%s: out of memory", w->base.store->uri,
                          w->base.key);
    return KO_OK;
}

/* Uploads the buffered bytes as the next part, starting the upload first
 * if this is the first part. */
static ko_status flush_part(s3_writer *w, ko_err *err)
{
    s3_store *s = writer_store(w);
    if (w->parts >= MAX_PARTS)
        return ko_err_set(err, KO_ERR_INVALID, "%s/%s: more than %d parts of %zu bytes",
                          s->base.uri, w->base.key, MAX_PARTS, s->part_size);
    ko_status rc = w->upload_id ? KO_OK : start_upload(w, err);
    if (rc != KO_OK)
        return rc;
    ko_buf q = {0};
    if (upload_query(w, w->parts + 1, &q) != KO_OK) {
        ko_buf_free(&q);
        return ko_err_set(err, KO_ERR_NOMEM, "%s/%s: out of memory", s->base.uri, w->base.key);
    }
    char op[32];
    snprintf(op, sizeof op, "PUT part %d", w->parts + 1);
    s3_req req = {.method = "PUT",
                  .op = op,
                  .key = w->base.key,
                  .query = (char *)q.data,
                  .body = w->part,
                  .body_len = w->part_len};
    req.hdrs[0] = "Content-Type: application/octet-stream";
    s3_resp resp;
    rc = s3_perform(s, &req, &resp, err);
    if (rc == KO_OK && !resp.etag[0])
        rc = ko_err_set(err, KO_ERR_IO, "%s/%s: %s: no ETag in the answer", s->base.uri,
                        w->base.key, op);
    if (rc == KO_OK) {
        w->parts++;
        w->part_len = 0;
        rc = record_part(w, resp.etag, err);
    }
    resp_free(&resp);
    ko_buf_free(&q);
    return rc;
}

static ko_status complete_upload(s3_writer *w, ko_err *err)
{
    s3_store *s = writer_store(w);
    ko_buf q = {0};
    ko_buf xml = {0};
    ko_buf answer = {0};
    ko_status rc = upload_query(w, 0, &q);
    if (rc == KO_OK)
        rc = ko_buf_appendf(&xml, "<CompleteMultipartUpload>%s</CompleteMultipartUpload>",
                            w->done.data ? (char *)w->done.data : "");
    if (rc != KO_OK) {
        rc = ko_err_set(err, KO_ERR_NOMEM, "%s/%s: out of memory", s->base.uri, w->base.key);
    } else {
        s3_req req = {.method = "POST",
                      .op = "POST ?uploadId (complete)",
                      .key = w->base.key,
                      .query = (char *)q.data,
                      .body = xml.data,
                      .body_len = xml.len,
                      .sink = &answer,
                      .error_in_body = true};
        req.hdrs[0] = "Content-Type: application/xml";
        if (w->flags & KO_PUT_IF_ABSENT)
            req.hdrs[1] = if_absent_header(s);
        s3_resp resp;
        rc = s3_perform(s, &req, &resp, err);
        resp_free(&resp);
    }
    ko_buf_free(&answer);
    ko_buf_free(&xml);
    ko_buf_free(&q);
    return rc;
}

/* Best effort: a failure leaves parts that a bucket lifecycle rule removes. */
static void abort_upload(s3_writer *w)
{
    if (!w->upload_id)
        return;
    ko_buf q = {0};
    if (upload_query(w, 0, &q) == KO_OK) {
        s3_req req = {.method = "DELETE", .key = w->base.key, .query = (char *)q.data};
        s3_resp resp;
        (void)s3_perform(writer_store(w), &req, &resp, NULL);
        resp_free(&resp);
    }
    ko_buf_free(&q);
    free(w->upload_id);
    w->upload_id = NULL;
}

static void writer_free(s3_writer *w)
{
    free(w->part);
    free(w->upload_id);
    ko_buf_free(&w->done);
    free(w->base.key);
    free(w);
}

static ko_status s3_writer_open(ko_store *st, const char *key, ko_put_flags flags,
                                ko_store_writer **out, ko_err *err)
{
    s3_writer *w = calloc(1, sizeof *w);
    char *k = strdup(key);
    if (!w || !k) {
        free(w);
        free(k);
        return ko_err_set(err, KO_ERR_NOMEM, "%s/%s: out of memory", st->uri, key);
    }
    w->base.store = st;
    w->base.key = k;
    w->flags = flags;
    *out = &w->base;
    return KO_OK;
}

static ko_status s3_writer_write(ko_store_writer *base, const void *data, size_t n, ko_err *err)
{
    s3_writer *w = (s3_writer *)base;
    size_t part_size = writer_store(w)->part_size;
    if (w->failed)
        return ko_err_set(err, w->failed, "%s/%s: an earlier write failed", base->store->uri,
                          base->key);
    if (n && !w->part && !(w->part = malloc(part_size)))
        return ko_err_set(err, KO_ERR_NOMEM, "%s/%s: out of memory", base->store->uri, base->key);
    const uint8_t *p = data;
    while (n > 0) {
        /* Flush a full part only when more bytes follow, so an object of
         * exactly one part is still a single PUT. */
        if (w->part_len == part_size) {
            ko_status rc = flush_part(w, err);
            if (rc != KO_OK) {
                abort_upload(w);
                w->failed = rc;
                return rc;
            }
        }
        size_t take = part_size - w->part_len < n ? part_size - w->part_len : n;
        memcpy(w->part + w->part_len, p, take);
        w->part_len += take;
        p += take;
        n -= take;
    }
    return KO_OK;
}

static ko_status s3_writer_commit(ko_store_writer *base, ko_err *err)
{
    s3_writer *w = (s3_writer *)base;
    ko_status rc;
    if (w->failed) {
        rc = ko_err_set(err, w->failed, "%s/%s: an earlier write failed", base->store->uri,
                        base->key);
    } else if (!w->upload_id) {
        rc = s3_put(base->store, base->key, w->part, w->part_len, w->flags, err);
    } else {
        rc = w->part_len ? flush_part(w, err) : KO_OK;
        if (rc == KO_OK)
            rc = complete_upload(w, err);
    }
    if (rc != KO_OK)
        abort_upload(w);
    writer_free(w);
    return rc;
}

static void s3_writer_abort(ko_store_writer *base)
{
    s3_writer *w = (s3_writer *)base;
    abort_upload(w);
    writer_free(w);
}

/* ------------------------------------------------------------ open, close */

static void s3_close(ko_store *st)
{
    s3_store *s = s3_of(st);
    for (size_t i = 0; s->idle && i < s->n_idle; i++)
        curl_easy_cleanup(s->idle[i]);
    free(s->idle);
    pthread_mutex_destroy(&s->lock);
    free(s->prefix);
    free(s->bucket_url);
    free(s->obj_url);
    free(s->access_key);
    free(s->secret_key);
    free(s->token_hdr);
    free(s->sigv4);
    free(s->base.uri);
    free(s);
}

static const ko_store_ops s3_ops = {
    .name = "s3",
    .get = s3_get,
    .put = s3_put,
    .head = s3_head,
    .list = s3_list,
    .del = s3_del,
    .writer_open = s3_writer_open,
    .writer_write = s3_writer_write,
    .writer_commit = s3_writer_commit,
    .writer_abort = s3_writer_abort,
    .close = s3_close,
};

/* Settings after options and environment are merged (borrowed strings). */
typedef struct s3_config {
    bool gcs;
    char bucket[256];
    const char *prefix; /* into the URI; may end in '/' */
    const char *endpoint;
    const char *region;
    const char *access_key;
    const char *secret_key;
    const char *session_token;
    int path_style;
} s3_config;

static const char *pick(const char *opt, const char *env1, const char *env2)
{
    if (opt && *opt)
        return opt;
    const char *v = env1 ? getenv(env1) : NULL;
    if (v && *v)
        return v;
    v = env2 ? getenv(env2) : NULL;
    return v && *v ? v : NULL;
}

static bool bucket_ok(const char *b, size_t n)
{
    if (n < 1 || n > 222)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = b[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_'))
            return false;
    }
    return true;
}

static ko_status parse_uri(const char *uri, s3_config *c, ko_err *err)
{
    c->prefix = "";
    c->gcs = strncmp(uri, "gs://", 5) == 0;
    if (!c->gcs && strncmp(uri, "s3://", 5) != 0)
        return ko_err_set(err, KO_ERR_INVALID, "store URI '%s': expected s3:// or gs://", uri);
    const char *b = uri + 5;
    size_t n = strcspn(b, "/");
    if (!bucket_ok(b, n))
        return ko_err_set(err, KO_ERR_INVALID, "store URI '%s': bad bucket name '%.*s'", uri,
                          (int)n, b);
    memcpy(c->bucket, b, n);
    c->bucket[n] = '\0';
    c->prefix = b + n;
    while (*c->prefix == '/')
        c->prefix++;
    return KO_OK;
}

/* Options, else the environment, else defaults. */
static void resolve_config(const ko_store_options *o, s3_config *c)
{
    static const ko_store_options none = {.path_style = -1};
    if (!o)
        o = &none;
    if (c->gcs) {
        c->endpoint = pick(o->endpoint, NULL, NULL);
        c->region = pick(o->region, NULL, NULL);
        c->access_key = pick(o->access_key, "GS_ACCESS_KEY_ID", "AWS_ACCESS_KEY_ID");
        c->secret_key = pick(o->secret_key, "GS_SECRET_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY");
        c->session_token = pick(o->session_token, NULL, NULL);
    } else {
        c->endpoint = pick(o->endpoint, "S3_ENDPOINT", "AWS_ENDPOINT_URL");
        c->region = pick(o->region, "AWS_REGION", "AWS_DEFAULT_REGION");
        c->access_key = pick(o->access_key, "AWS_ACCESS_KEY_ID", NULL);
        c->secret_key = pick(o->secret_key, "AWS_SECRET_ACCESS_KEY", NULL);
        c->session_token = pick(o->session_token, "AWS_SESSION_TOKEN", NULL);
    }
    if (!c->region)
        c->region = c->gcs ? "auto" : "us-east-1";
    /* 0 in a zero-initialised options struct means "unset", like every
     * other field; KO_S3_PATH_STYLE=0 asks for virtual-hosted addressing. */
    c->path_style = o->path_style == 1 ? 1 : o->path_style == 2 ? 0 : -1;
    const char *env = getenv("KO_S3_PATH_STYLE");
    if (c->path_style < 0 && env && (strcmp(env, "1") == 0 || strcmp(env, "0") == 0))
        c->path_style = env[0] == '1';
    if (c->path_style < 0)
        c->path_style = c->endpoint || c->gcs || strchr(c->bucket, '.') ? 1 : 0;
}

/* Builds bucket_url and obj_url from the endpoint and addressing style. */
static ko_status build_base_urls(s3_store *s, const s3_config *c)
{
    char *endpoint = NULL;
    if (c->endpoint)
        endpoint = strstr(c->endpoint, "://") ? strdup(c->endpoint)
                                              : str_join("https://", "", c->endpoint);
    else if (c->gcs)
        endpoint = strdup("https://storage.googleapis.com");
    else if (asprintf(&endpoint, "https://s3.%s.amazonaws.com", c->region) < 0)
        endpoint = NULL;
    if (!endpoint)
        return KO_ERR_NOMEM;
    size_t n = strlen(endpoint);
    while (n > 0 && endpoint[n - 1] == '/')
        endpoint[--n] = '\0';
    if (c->path_style) {
        s->bucket_url = str_join(endpoint, "/", c->bucket);
        s->obj_url = s->bucket_url ? str_join(s->bucket_url, "/", "") : NULL;
    } else {
        /* https://host[:port][/path] -> https://bucket.host[:port][/path]/ */
        char *host = strstr(endpoint, "://") + 3;
        size_t scheme = (size_t)(host - endpoint);
        if (asprintf(&s->bucket_url, "%.*s%s.%s/", (int)scheme, endpoint, c->bucket, host) < 0)
            s->bucket_url = NULL;
        s->obj_url = s->bucket_url ? strdup(s->bucket_url) : NULL;
    }
    free(endpoint);
    return s->bucket_url && s->obj_url ? KO_OK : KO_ERR_NOMEM;
}

/* Copies the credentials; false if out of memory. */
static bool copy_credentials(s3_store *s, const s3_config *c)
{
    if (c->access_key) {
        s->access_key = strdup(c->access_key);
        s->secret_key = strdup(c->secret_key);
        if (!s->access_key || !s->secret_key)
            return false;
    }
    if (c->session_token &&
        asprintf(&s->token_hdr, "x-amz-security-token: %s", c->session_token) < 0) {
        s->token_hdr = NULL;
        return false;
    }
    return true;
}

static ko_status copy_config(s3_store *s, const s3_config *c)
{
    size_t pn = strlen(c->prefix);
    while (pn > 0 && c->prefix[pn - 1] == '/')
        pn--;
    s->gcs = c->gcs;
    s->prefix = strndup(c->prefix, pn);
    if (s->prefix && asprintf(&s->base.uri, "%s://%s%s%s", c->gcs ? "gs" : "s3", c->bucket,
                              pn ? "/" : "", s->prefix) < 0)
        s->base.uri = NULL;
    if (asprintf(&s->sigv4, "aws:amz:%s:s3", c->region) < 0)
        s->sigv4 = NULL;
    if (!s->prefix || !s->base.uri || !s->sigv4 || !copy_credentials(s, c))
        return KO_ERR_NOMEM;
    return build_base_urls(s, c);
}

static void copy_limits(s3_store *s, const ko_store_options *o)
{
    static const ko_store_options none = {.path_style = -1};
    if (!o)
        o = &none;
    s->max_attempts = o->max_attempts > 0 ? o->max_attempts : DEFAULT_MAX_ATTEMPTS;
    s->deadline_ms = o->deadline_ms > 0 ? o->deadline_ms : DEFAULT_DEADLINE_MS;
    s->connect_ms = o->connect_timeout_ms > 0 ? o->connect_timeout_ms : DEFAULT_CONNECT_MS;
    s->io_ms = o->io_timeout_ms > 0 ? o->io_timeout_ms : DEFAULT_IO_MS;
    s->base_delay_ms = o->retry_base_delay_ms > 0 ? o->retry_base_delay_ms : DEFAULT_BASE_DELAY_MS;
    s->part_size = o->multipart_part_size ? o->multipart_part_size : DEFAULT_PART_SIZE;
    if (s->part_size < MIN_PART_SIZE)
        s->part_size = MIN_PART_SIZE;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    atomic_init(&s->rng, (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^ (uintptr_t)s);
}

static ko_status check_config(const char *uri, const s3_config *c, ko_err *err)
{
    if (!c->access_key != !c->secret_key)
        return ko_err_set(err, KO_ERR_INVALID,
                          "%s: an access key needs a secret key and the "
                          "other way round",
                          uri);
    if (c->endpoint && strstr(c->endpoint, "://") && strncmp(c->endpoint, "http://", 7) != 0 &&
        strncmp(c->endpoint, "https://", 8) != 0)
        return ko_err_set(err, KO_ERR_INVALID, "%s: endpoint '%s' is not http(s)://", uri,
                          c->endpoint);
    if (strlen(c->region) > 64 || strchr(c->region, ':'))
        return ko_err_set(err, KO_ERR_INVALID, "%s: bad region '%s'", uri, c->region);
    if (*c->prefix) {
        ko_err kerr;
        size_t n = strlen(c->prefix);
        while (n > 0 && c->prefix[n - 1] == '/')
            n--;
        if (ko_store_key_check(c->prefix, n, &kerr) != KO_OK)
            return ko_err_set(err, KO_ERR_INVALID, "%s: bad prefix: %s", uri, kerr.msg);
    }
    return KO_OK;
}

ko_status ko_store_s3_open(const char *uri, const ko_store_options *opts, ko_store **out,
                           ko_err *err)
{
    *out = NULL;
    s3_config c = {0};
    ko_status rc = parse_uri(uri, &c, err);
    if (rc != KO_OK)
        return rc;
    resolve_config(opts, &c);
    if ((rc = check_config(uri, &c, err)) != KO_OK)
        return rc;
    pthread_once(&curl_once, curl_init_once);
    if (curl_init_result != CURLE_OK)
        return ko_err_set(err, KO_ERR_INTERNAL, "%s: curl_global_init: %s", uri,
                          curl_easy_strerror(curl_init_result));
    s3_store *s = calloc(1, sizeof *s);
    if (!s)
        return ko_err_set(err, KO_ERR_NOMEM, "%s: out of memory", uri);
    s->base.ops = &s3_ops;
    pthread_mutex_init(&s->lock, NULL);
    copy_limits(s, opts);
    s->idle = calloc(MAX_IDLE_HANDLES, sizeof *s->idle);
    if (!s->idle || copy_config(s, &c) != KO_OK) {
        s3_close(&s->base);
        return ko_err_set(err, KO_ERR_NOMEM, "%s: out of memory", uri);
    }
    *out = &s->base;
    return KO_OK;
}
