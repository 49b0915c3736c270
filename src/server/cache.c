/*
 * cache.c - two small in-memory stores of the server.
 *
 * Idempotency keys.  A mutation carrying "Idempotency-Key: K" is run once:
 * its final response (2xx or 4xx; never 5xx, which may be retried) is kept
 * for the configured lifetime under K scoped to the principal, method and
 * path, and a retry with the same key gets that response again, marked
 * "Idempotent-Replay: true", without touching the catalog.  A duplicate
 * that arrives while the first is still running waits for it (in this
 * process).  Finished responses are also written to the catalog database
 * (ko_cat_idem_put, table ko_idem, with the same expiry) before the
 * response is sent, and a key missing from memory is looked up there, so
 * a restarted server, or another server on the same catalog, still replays
 * the first result.  Bodies that are not text (a NUL byte) stay in memory
 * only.  A crash after the mutation committed but before its key was
 * written loses the key: the retry runs again (docs/api.md).
 *
 * Table-load bodies.  A metadata file is immutable once written, so the
 * LoadTableResult text for (metadata location, snapshot mode) can be kept
 * and served again; the catalog is still asked for the current location on
 * every load.  A small LRU (by last use) bounds the memory.
 */
#include "server/srv_internal.h"

#include <stdlib.h>
#include <string.h>

enum { IDEM_MAX = 4096, IDEM_WAIT_US = 30 * 1000 * 1000 };

typedef struct idem_entry {
    char *key;
    bool done;
    int64_t expires_us;
    unsigned status;
    char *ctype;
    char *etag;
    uint8_t *body;
    size_t len;
} idem_entry;

struct srv_idem {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int ttl_s;
    idem_entry items[IDEM_MAX];
};

ko_status srv_idem_create(int ttl_s, srv_idem **out)
{
    srv_idem *i = calloc(1, sizeof *i);
    if (!i)
        return KO_ERR_NOMEM;
    pthread_mutex_init(&i->mu, NULL);
    pthread_cond_init(&i->cv, NULL);
    i->ttl_s = ttl_s;
    *out = i;
    return KO_OK;
}

static void entry_clear(idem_entry *e)
{
    free(e->key);
    free(e->ctype);
    free(e->etag);
    free(e->body);
    memset(e, 0, sizeof *e);
}

void srv_idem_free(srv_idem *i)
{
    if (!i)
        return;
    for (size_t k = 0; k < IDEM_MAX; k++)
        entry_clear(&i->items[k]);
    pthread_cond_destroy(&i->cv);
    pthread_mutex_destroy(&i->mu);
    free(i);
}

static idem_entry *find(srv_idem *i, const char *key)
{
    for (size_t k = 0; k < IDEM_MAX; k++)
        if (i->items[k].key && strcmp(i->items[k].key, key) == 0)
            return &i->items[k];
    return NULL;
}

/* A free slot: an empty or expired one, else the one expiring first among
 * finished entries.  NULL when every slot is pending. */
static idem_entry *free_slot(srv_idem *i, int64_t now)
{
    idem_entry *best = NULL;
    for (size_t k = 0; k < IDEM_MAX; k++) {
        idem_entry *e = &i->items[k];
        if (!e->key || (e->done && e->expires_us <= now)) {
            entry_clear(e);
            return e;
        }
        if (e->done && (!best || e->expires_us < best->expires_us))
            best = e;
    }
    if (best)
        entry_clear(best);
    return best;
}

static bool idem_begin_memory(srv_idem *i, const char *key, srv_req *r);

static void replay(const idem_entry *e, srv_req *r)
{
    srv_body(r, e->status, e->ctype, e->body, e->len);
    if (e->etag)
        srv_add_header(r, "ETag", ko_arena_strdup(&r->arena, e->etag));
    srv_add_header(r, "Idempotent-Replay", "true");
}

/* The stored response of key in the catalog, replayed into r: true. */
static bool replay_from_catalog(const char *key, srv_req *r)
{
    ko_cat_idem rec;
    bool found = false;
    ko_err err = {0};
    if (ko_cat_idem_get(srv_cat(r), key, ko_now_us(), &r->arena, &rec, &found, &err) != KO_OK) {
        ko_log(KO_LOG_WARN, "idempotency", "cannot read a stored key: %s", err.msg);
        return false;
    }
    if (!found)
        return false;
    idem_entry e = {.status = (unsigned)rec.status,
                    .ctype = (char *)rec.ctype,
                    .etag = (char *)rec.etag,
                    .body = (uint8_t *)rec.body,
                    .len = strlen(rec.body)};
    replay(&e, r);
    return true;
}

bool srv_idem_begin(srv_idem *i, const char *key, srv_req *r)
{
    if (idem_begin_memory(i, key, r))
        return true;
    if (!replay_from_catalog(key, r))
        return false;
    /* Replayed from the catalog: drop the reservation made in memory. */
    pthread_mutex_lock(&i->mu);
    idem_entry *e = find(i, key);
    if (e && !e->done)
        entry_clear(e);
    pthread_cond_broadcast(&i->cv);
    pthread_mutex_unlock(&i->mu);
    return true;
}

static bool idem_begin_memory(srv_idem *i, const char *key, srv_req *r)
{
    int64_t deadline = ko_monotonic_us() + IDEM_WAIT_US;
    pthread_mutex_lock(&i->mu);
    for (;;) {
        idem_entry *e = find(i, key);
        int64_t now = ko_now_us();
        if (e && e->done && e->expires_us > now) {
            replay(e, r);
            pthread_mutex_unlock(&i->mu);
            return true;
        }
        if (e && !e->done && ko_monotonic_us() < deadline) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += 50L * 1000 * 1000;
            if (ts.tv_nsec >= 1000000000) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000;
            }
            pthread_cond_timedwait(&i->cv, &i->mu, &ts);
            continue;
        }
        if (e)
            entry_clear(e);
        e = free_slot(i, now);
        if (e && !(e->key = strdup(key)))
            e = NULL;
        pthread_mutex_unlock(&i->mu);
        return false;
    }
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static const char *etag_of(const srv_req *r)
{
    for (size_t k = 0; k < r->nheaders; k++)
        if (strcmp(r->headers[k].name, "ETag") == 0)
            return r->headers[k].value;
    return NULL;
}

/* Writes r's response under key to the catalog (text bodies only). */
static void persist(const srv_idem *i, const char *key, srv_req *r)
{
    const char *body = r->out.len ? (const char *)r->out.data : "";
    if (r->out.len && memchr(body, '\0', r->out.len))
        return;
    char *text = strndup(body, r->out.len);
    if (!text)
        return;
    int64_t now = ko_now_us();
    ko_cat_idem rec = {(int)r->status, r->ctype, etag_of(r), text,
                       now + (int64_t)i->ttl_s * 1000000};
    ko_err err = {0};
    if (ko_cat_idem_put(srv_cat(r), key, &rec, now, &err) != KO_OK)
        ko_log(KO_LOG_WARN, "idempotency", "key kept in memory only: %s", err.msg);
    free(text);
}

void srv_idem_finish(srv_idem *i, const char *key, srv_req *r)
{
    if (r->status >= 200 && r->status < 500)
        persist(i, key, r);
    pthread_mutex_lock(&i->mu);
    idem_entry *e = find(i, key);
    if (e && (r->status >= 500 || r->status < 200)) {
        entry_clear(e);
    } else if (e) {
        e->done = true;
        e->expires_us = ko_now_us() + (int64_t)i->ttl_s * 1000000;
        e->status = r->status;
        e->ctype = dup_or_null(r->ctype);
        e->etag = dup_or_null(etag_of(r));
        e->body = r->out.len ? malloc(r->out.len) : NULL;
        e->len = e->body ? r->out.len : 0;
        if (e->body)
            memcpy(e->body, r->out.data, r->out.len);
        if ((r->ctype && !e->ctype) || (r->out.len && !e->body))
            entry_clear(e); /* out of memory: forget rather than replay half */
    }
    pthread_cond_broadcast(&i->cv);
    pthread_mutex_unlock(&i->mu);
}

/* ------------------------------------------------------------ meta cache */

typedef struct meta_entry {
    char *key;
    char *text;
    size_t len;
    uint64_t used;
} meta_entry;

struct srv_meta_cache {
    pthread_mutex_t mu;
    meta_entry *items;
    size_t cap;
    uint64_t clock;
};

ko_status srv_meta_cache_create(size_t cap, srv_meta_cache **out)
{
    srv_meta_cache *c = calloc(1, sizeof *c);
    if (!c || !(c->items = calloc(cap, sizeof *c->items))) {
        free(c);
        return KO_ERR_NOMEM;
    }
    c->cap = cap;
    pthread_mutex_init(&c->mu, NULL);
    *out = c;
    return KO_OK;
}

void srv_meta_cache_free(srv_meta_cache *c)
{
    if (!c)
        return;
    for (size_t k = 0; k < c->cap; k++) {
        free(c->items[k].key);
        free(c->items[k].text);
    }
    free(c->items);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

char *srv_meta_cache_get(srv_meta_cache *c, const char *key, size_t *len)
{
    char *copy = NULL;
    pthread_mutex_lock(&c->mu);
    for (size_t k = 0; k < c->cap; k++) {
        meta_entry *e = &c->items[k];
        if (!e->key || strcmp(e->key, key) != 0)
            continue;
        e->used = ++c->clock;
        copy = malloc(e->len + 1);
        if (copy) {
            memcpy(copy, e->text, e->len + 1);
            *len = e->len;
        }
        break;
    }
    pthread_mutex_unlock(&c->mu);
    return copy;
}

void srv_meta_cache_put(srv_meta_cache *c, const char *key, const char *text, size_t len)
{
    char *k = strdup(key);
    char *t = malloc(len + 1);
    if (!k || !t) {
        free(k);
        free(t);
        return;
    }
    memcpy(t, text, len);
    t[len] = '\0';
    pthread_mutex_lock(&c->mu);
    meta_entry *victim = &c->items[0];
    for (size_t i = 0; i < c->cap; i++) {
        meta_entry *e = &c->items[i];
        if (!e->key || strcmp(e->key, key) == 0) {
            victim = e;
            break;
        }
        if (e->used < victim->used)
            victim = e;
    }
    free(victim->key);
    free(victim->text);
    *victim = (meta_entry){k, t, len, ++c->clock};
    pthread_mutex_unlock(&c->mu);
}
