/*
 * schedule.c - queueing runs, the scheduler tick and alerts (pipeline.h).
 *
 * A tick does, in order: reap runs whose lease expired ("worker lost"),
 * evaluate every trigger, check freshness: the outputs' max_staleness and
 * every table's property korolev.max-staleness.  Every enqueue
 * carries a dedup key, so any number of workers may tick at once:
 *   cron      "cron:<pipeline>:<i>:<fire time>"; the trigger's state
 *             (ko_pipe_state "cron:<i>") is the last fire time handled.
 *             A new trigger starts from the current time; missed fire
 *             times (the scheduler was down) are all queued, at most 100
 *             per tick.
 *   upstream  a commit moves the table's metadata location; the state
 *             "upstream:<table>" is the last location a run was queued
 *             for.  While a run from this trigger is still queued, new
 *             commits coalesce into it; with debounce, the table must
 *             also have been quiet that long.
 *   landing   one run per file under the prefix (dedup
 *             "landing:<pipeline>:<uri>", so a file is ingested once
 *             however many workers list it), with parameter file = URI.
 * Alerts are stored (dedup), logged at warn level and, with a webhook URL,
 * posted as JSON with libcurl (best effort, 5 s timeout).
 */
#include "iceberg/iceberg.h"
#include "ingest/ingest.h"
#include "pipeline/pipe_internal.h"

#include <curl/curl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ alerts */

static void post_webhook(const char *url, const char *body)
{
    CURL *c = curl_easy_init();
    if (!c)
        return;
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK)
        ko_log(KO_LOG_WARN, "pipeline", "alert webhook %s: %s", url, curl_easy_strerror(rc));
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
}

void ko_pipe_alert(const ko_pipe_env *env, const char *kind, const char *object, const char *run_id,
                   const char *dedup, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ko_cat_alert al = {NULL, kind, object, msg, run_id, dedup, 0};
    bool created = false;
    ko_err e;
    if (ko_cat_alert_raise(env->cat, &al, ko_pipe_now_us(), &created, &e) != KO_OK) {
        ko_log(KO_LOG_ERROR, "pipeline", "cannot store alert %s on %s: %s", kind, object, e.msg);
        created = true;
    }
    if (!created)
        return;
    ko_log(KO_LOG_WARN, "pipeline", "ALERT %s %s: %s", kind, object, msg);
    const char *url = env->webhook ? env->webhook : getenv("KOROLEV_ALERT_WEBHOOK");
    if (!url || !*url)
        return;
    json_t *j = json_pack("{s:s, s:s, s:s, s:s?}", "kind", kind, "object", object, "message", msg,
                          "run-id", run_id);
    char *body = j ? json_dumps(j, JSON_COMPACT) : NULL;
    if (body)
        post_webhook(url, body);
    free(body);
    json_decref(j);
}

/* ----------------------------------------------------------------- enqueue */

ko_status ko_pipe_enqueue(const ko_pipe_env *env, const ko_pipe_spec *spec, const char *trigger,
                          const char *logical_date, int64_t scheduled_us, const char *params,
                          const char *dedup, bool *created, char id_out[KO_UUID_STR_LEN + 1],
                          ko_err *err)
{
    ko_uuid u = ko_uuid_random();
    char id[KO_UUID_STR_LEN + 1], date[11];
    ko_uuid_format(&u, id);
    int64_t now = ko_pipe_now_us();
    if (!logical_date) {
        ko_pipe_local_date(scheduled_us ? scheduled_us : now, NULL, date);
        logical_date = date;
    }
    ko_cat_run r = {.id = id,
                    .pipeline = spec->name,
                    .trigger = trigger,
                    .logical_date = logical_date,
                    .scheduled_us = scheduled_us,
                    .params = params ? params : "{}",
                    .dedup = dedup,
                    .max_attempts = spec->retries + 1,
                    .backoff_ms = spec->backoff_ms,
                    .exclusive = !spec->allow_overlap,
                    .not_before = now};
    bool made = false;
    ko_status st = ko_cat_run_enqueue(env->cat, &r, now, &made, err);
    if (created)
        *created = made;
    if (st == KO_OK && id_out)
        memcpy(id_out, made ? id : "", made ? sizeof id : 1);
    if (st == KO_OK && made)
        ko_log(KO_LOG_INFO, "pipeline", "queued run %s of %s (%s, %s)", id, spec->name, trigger,
               logical_date);
    return st;
}

static ko_status parse_day(const char *s, int64_t *days, ko_err *err)
{
    int64_t us = 0;
    if (strlen(s) != 10 || ko_time_parse(s, 10, &us, NULL) != KO_OK)
        return ko_err_set(err, KO_ERR_INVALID, "backfill: '%s' is not a date YYYY-MM-DD", s);
    *days = us / 86400000000LL;
    return KO_OK;
}

ko_status ko_pipe_backfill(const ko_pipe_env *env, const ko_pipe_spec *spec, const char *from,
                           const char *to, const char *params, size_t *n, ko_err *err)
{
    int64_t d0 = 0, d1 = 0;
    ko_status st = parse_day(from, &d0, err);
    if (st == KO_OK)
        st = parse_day(to, &d1, err);
    if (st == KO_OK && (d1 < d0 || d1 - d0 > 3660))
        return ko_err_set(err, KO_ERR_INVALID, "backfill %s..%s: not a range of up to 10 years",
                          from, to);
    *n = 0;
    for (int64_t d = d0; st == KO_OK && d <= d1; d++) {
        int64_t y;
        unsigned m, day;
        ko_civil_from_days(d, &y, &m, &day);
        char date[16], dedup[600];
        snprintf(date, sizeof date, "%04lld-%02u-%02u", (long long)y, m % 100, day % 100);
        snprintf(dedup, sizeof dedup, "backfill:%s:%s:%.500s", spec->name, date,
                 params ? params : "{}");
        bool made = false;
        st = ko_pipe_enqueue(env, spec, "backfill", date, 0, params, dedup, &made, NULL, err);
        *n += made;
    }
    return st;
}

/* -------------------------------------------------------------------- cron */

static ko_status tick_cron(const ko_pipe_env *env, const ko_pipe_spec *spec, size_t i, int64_t now,
                           size_t *queued, ko_err *err)
{
    const ko_pipe_trigger *t = &spec->triggers[i];
    char key[32], val[32];
    snprintf(key, sizeof key, "cron:%zu", i);
    ko_arena a = {0};
    const char *last = NULL;
    ko_status st = ko_cat_pipe_state_get(env->cat, spec->name, key, &a, &last, err);
    int64_t from = last ? strtoll(last, NULL, 10) : now;
    for (int k = 0; st == KO_OK && k < 100; k++) {
        int64_t next = 0;
        st = ko_pipe_cron_next(&t->cron, t->tz, from, &next, err);
        if (st != KO_OK || next > now)
            break;
        char date[11], dedup[300];
        ko_pipe_local_date(next, t->tz, date);
        snprintf(dedup, sizeof dedup, "cron:%s:%zu:%lld", spec->name, i, (long long)next);
        bool made = false;
        st = ko_pipe_enqueue(env, spec, "cron", date, next, NULL, dedup, &made, NULL, err);
        *queued += made;
        from = next;
    }
    snprintf(val, sizeof val, "%lld", (long long)from);
    if (st == KO_OK && (!last || strcmp(last, val) != 0))
        st = ko_cat_pipe_state_set(env->cat, spec->name, key, val, err);
    ko_arena_free(&a); /* last lives in it */
    return st == KO_ERR_NOT_FOUND ? KO_OK : st;
}

/* ---------------------------------------------------------------- upstream */

static ko_status queued_from(const ko_pipe_env *env, const char *pipeline, const char *trigger,
                             bool *any, ko_err *err)
{
    ko_arena a = {0};
    ko_cat_run *runs = NULL;
    size_t n = 0;
    ko_status st = ko_cat_run_list(env->cat, pipeline, "queued", 1000, &a, &runs, &n, err);
    *any = false;
    for (size_t i = 0; st == KO_OK && i < n; i++)
        *any = *any || strcmp(runs[i].trigger, trigger) == 0;
    ko_arena_free(&a);
    return st;
}

static ko_status tick_upstream(const ko_pipe_env *env, const ko_pipe_spec *spec,
                               const ko_pipe_trigger *t, size_t *queued, ko_err *err)
{
    ko_arena a = {0};
    const char *ns, *name, *seen = NULL;
    ko_cat_ns cns;
    ko_cat_table tab = {0};
    char key[400];
    snprintf(key, sizeof key, "upstream:%s", t->table);
    ko_status st = ko_ice_ident_parse(t->table, &a, &ns, &name, err);
    if (st == KO_OK)
        st = ko_cat_ns_parse(ns, &a, &cns, err);
    if (st == KO_OK)
        st = ko_cat_table_load(env->cat, cns, name, &a, &tab, err);
    if (st == KO_OK)
        st = ko_cat_pipe_state_get(env->cat, spec->name, key, &a, &seen, err);
    bool changed = st == KO_OK && (!seen || strcmp(seen, tab.location) != 0);
    bool quiet = !t->debounce_ms || ko_now_us() - tab.updated_us >= t->debounce_ms * 1000;
    bool pending = false;
    if (changed && quiet)
        st = queued_from(env, spec->name, "upstream", &pending, err);
    if (st == KO_OK && changed && quiet && !pending) {
        char dedup[1200];
        snprintf(dedup, sizeof dedup, "upstream:%s:%.1100s", spec->name, tab.location);
        bool made = false;
        st = ko_pipe_enqueue(env, spec, "upstream", NULL, 0, NULL, dedup, &made, NULL, err);
        *queued += made;
    }
    if (st == KO_OK && changed && quiet)
        st = ko_cat_pipe_state_set(env->cat, spec->name, key, tab.location, err);
    ko_arena_free(&a);
    return st == KO_ERR_NOT_FOUND ? KO_OK : st;
}

/* ----------------------------------------------------------------- landing */

static ko_status landing_file(const ko_pipe_env *env, const ko_pipe_spec *spec,
                              const ko_pipe_trigger *t, const char *uri, size_t *queued,
                              ko_err *err)
{
    const char *base = strrchr(uri, '/');
    base = base ? base + 1 : uri;
    if (!*base || (t->pattern && fnmatch(t->pattern, base, 0) != 0))
        return KO_OK;
    json_t *p = json_pack("{s:s}", "file", uri);
    char *params = p ? json_dumps(p, JSON_COMPACT) : NULL;
    json_decref(p);
    char *dedup = params ? malloc(strlen(uri) + strlen(spec->name) + 16) : NULL;
    if (!dedup) {
        free(params);
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory");
    }
    sprintf(dedup, "landing:%s:%s", spec->name, uri);
    bool made = false;
    ko_status st = ko_pipe_enqueue(env, spec, "landing", NULL, 0, params, dedup, &made, NULL, err);
    *queued += made;
    free(dedup);
    free(params);
    return st;
}

static ko_status tick_landing(const ko_pipe_env *env, const ko_pipe_spec *spec,
                              const ko_pipe_trigger *t, size_t *queued, ko_err *err)
{
    ko_store *s = NULL;
    char *prefix = NULL;
    ko_status st = ko_store_open_object(t->prefix, NULL, &s, &prefix, err);
    char *token = NULL;
    size_t plen = prefix ? strlen(prefix) : 0, rlen = strlen(t->prefix);
    while (st == KO_OK) {
        ko_list_page page = {0};
        st = ko_store_list(s, prefix, token, 1000, &page, err);
        for (size_t i = 0; st == KO_OK && i < page.count; i++) {
            /* The file's URI: the trigger's prefix and the rest of the key. */
            const char *key = page.entries[i].key;
            const char *rest = plen && strncmp(key, prefix, plen) == 0 ? key + plen : key;
            char *uri = malloc(rlen + strlen(rest) + 2);
            if (!uri) {
                st = ko_err_set(err, KO_ERR_NOMEM, "out of memory");
                break;
            }
            bool slash = rlen && t->prefix[rlen - 1] == '/';
            sprintf(uri, "%s%s%s", t->prefix, slash || rest[0] == '/' || !plen ? "" : "/", rest);
            st = landing_file(env, spec, t, uri, queued, err);
            free(uri);
        }
        free(token);
        token = page.next_token;
        page.next_token = NULL;
        ko_list_page_free(&page);
        if (!token)
            break;
    }
    free(token);
    free(prefix);
    if (s)
        ko_store_close(s);
    return st;
}

/* --------------------------------------------------------------- freshness */

/* Raises stale_table when table (at location, last changed at updated_us)
 * is older than max_ms; one alert per table version (dedup). */
static void stale_alert(const ko_pipe_env *env, const char *table, const char *location,
                        int64_t updated_us, int64_t max_ms, const char *why, int64_t now)
{
    int64_t age_ms = (now - updated_us) / 1000;
    if (age_ms <= max_ms)
        return;
    char dedup[600];
    snprintf(dedup, sizeof dedup, "stale:%s:%.500s", table, location);
    ko_pipe_alert(env, "stale_table", table, NULL, dedup,
                  "table %s was last changed %lld s ago, more than its max staleness of %lld s "
                  "(%s)",
                  table, (long long)(age_ms / 1000), (long long)(max_ms / 1000), why);
}

static void check_fresh(const ko_pipe_env *env, const ko_pipe_spec *spec, const ko_pipe_output *o,
                        int64_t now)
{
    ko_arena a = {0};
    const char *ns, *name;
    ko_err e;
    ko_cat_ns cns;
    ko_cat_table tab;
    if (ko_ice_ident_parse(o->table, &a, &ns, &name, &e) == KO_OK &&
        ko_cat_ns_parse(ns, &a, &cns, &e) == KO_OK &&
        ko_cat_table_load(env->cat, cns, name, &a, &tab, &e) == KO_OK) {
        char why[300];
        snprintf(why, sizeof why, "output of pipeline %s", spec->name);
        stale_alert(env, o->table, tab.location, tab.updated_us, o->max_staleness_ms, why, now);
    }
    ko_arena_free(&a);
}

/* Tables that declare korolev.max-staleness.  Every table of the catalog
 * is looked at on each tick; the property is read from the table's
 * metadata, which only a commit changes, so the value is cached by
 * metadata location (0: none; -1: not a duration, logged once). */
enum { STALE_CACHE = 4096 };
static struct {
    pthread_mutex_t mu;
    char *location[STALE_CACHE];
    int64_t max_ms[STALE_CACHE];
} stale_cache = {.mu = PTHREAD_MUTEX_INITIALIZER};

static bool cached_staleness(const char *location, int64_t *max_ms)
{
    uint32_t h = ko_murmur3_32(location, strlen(location), 0) % STALE_CACHE;
    pthread_mutex_lock(&stale_cache.mu);
    bool hit = stale_cache.location[h] && strcmp(stale_cache.location[h], location) == 0;
    if (hit)
        *max_ms = stale_cache.max_ms[h];
    pthread_mutex_unlock(&stale_cache.mu);
    return hit;
}

static void cache_staleness(const char *location, int64_t max_ms)
{
    uint32_t h = ko_murmur3_32(location, strlen(location), 0) % STALE_CACHE;
    char *copy = strdup(location);
    if (!copy)
        return;
    pthread_mutex_lock(&stale_cache.mu);
    free(stale_cache.location[h]);
    stale_cache.location[h] = copy;
    stale_cache.max_ms[h] = max_ms;
    pthread_mutex_unlock(&stale_cache.mu);
}

/* The table's korolev.max-staleness in ms (0: none, -1: malformed). */
static int64_t table_staleness(const ko_pipe_env *env, const char *ns, const char *name,
                               const char *location)
{
    int64_t ms = 0;
    if (cached_staleness(location, &ms))
        return ms;
    ko_ingest_catalog ic;
    ko_ingest_catalog_bind(&ic, env->cat, "scheduler");
    ko_ice_warehouse wh = {env->store, &ic.icat};
    ko_arena a = {0};
    ko_ice_table t;
    ko_err e;
    if (ko_ice_table_load(&wh, ns, name, &a, &t, &e) != KO_OK) {
        ko_arena_free(&a);
        return 0; /* not cached: tried again next tick */
    }
    const char *v = ko_ice_meta_property(&t.meta, KO_PIPE_MAX_STALENESS_PROP);
    if (v && (!ko_pipe_duration_parse(v, &ms) || ms <= 0)) {
        ko_log(KO_LOG_WARN, "pipeline",
               "table %s.%s: property " KO_PIPE_MAX_STALENESS_PROP
               " '%s' is not a duration (30s, 5m, 2h, 1d): ignored",
               ns, name, v);
        ms = -1;
    }
    cache_staleness(location, ms);
    ko_arena_free(&a);
    return ms;
}

static void fresh_table(const ko_pipe_env *env, ko_cat_ns cns, const char *ns, const char *name,
                        int64_t now)
{
    ko_arena a = {0};
    ko_cat_table tab;
    ko_err e;
    if (ko_cat_table_load(env->cat, cns, name, &a, &tab, &e) == KO_OK) {
        int64_t max_ms = table_staleness(env, ns, name, tab.location);
        const char *ident = ko_arena_sprintf(&a, "%s.%s", ns, name);
        if (max_ms > 0 && ident)
            stale_alert(env, ident, tab.location, tab.updated_us, max_ms,
                        "table property " KO_PIPE_MAX_STALENESS_PROP, now);
    }
    ko_arena_free(&a);
}

static void fresh_ns(const ko_pipe_env *env, const ko_cat_ns *parent, int depth, int64_t now)
{
    ko_arena a = {0};
    ko_cat_ns_page page;
    ko_err e;
    if (depth < 16 && ko_cat_ns_list(env->cat, parent, NULL, 10000, &a, &page, &e) == KO_OK) {
        for (size_t i = 0; i < page.len; i++) {
            ko_cat_name_page tables;
            const char *dotted = ko_cat_ns_str(page.items[i], &a);
            if (dotted &&
                ko_cat_table_list(env->cat, page.items[i], NULL, 10000, &a, &tables, &e) == KO_OK)
                for (size_t t = 0; t < tables.len; t++)
                    fresh_table(env, page.items[i], dotted, tables.names[t], now);
            fresh_ns(env, &page.items[i], depth + 1, now);
        }
    }
    ko_arena_free(&a);
}

/* -------------------------------------------------------------------- tick */

static void reap(const ko_pipe_env *env, int64_t now)
{
    ko_arena a = {0};
    ko_cat_run *lost = NULL;
    size_t n = 0;
    ko_err e;
    if (ko_cat_run_reap(env->cat, now, &a, &lost, &n, &e) != KO_OK)
        ko_log(KO_LOG_WARN, "pipeline", "reaping lost workers: %s", e.msg);
    for (size_t i = 0; i < n; i++) {
        ko_log(KO_LOG_WARN, "pipeline", "run %s of %s: %s -> %s", lost[i].id, lost[i].pipeline,
               lost[i].error, lost[i].state);
        if (strcmp(lost[i].state, "failed") == 0)
            ko_pipe_alert(env, "run_failed", lost[i].pipeline, lost[i].id, NULL,
                          "pipeline %s run %s failed after %lld attempts: %s", lost[i].pipeline,
                          lost[i].id, (long long)lost[i].attempt, lost[i].error);
    }
    ko_arena_free(&a);
}

static ko_status tick_trigger(const ko_pipe_env *env, const ko_pipe_spec *spec, size_t i,
                              int64_t now, size_t *queued, ko_err *err)
{
    const ko_pipe_trigger *t = &spec->triggers[i];
    switch (t->kind) {
    case KO_PIPE_TRIG_CRON:
        return tick_cron(env, spec, i, now, queued, err);
    case KO_PIPE_TRIG_UPSTREAM:
        return tick_upstream(env, spec, t, queued, err);
    case KO_PIPE_TRIG_LANDING:
        return tick_landing(env, spec, t, queued, err);
    case KO_PIPE_TRIG_MANUAL:
        return KO_OK;
    }
    return KO_OK;
}

ko_status ko_pipe_tick(const ko_pipe_env *env, const ko_pipe_spec *specs, size_t n, size_t *queued,
                       ko_err *err)
{
    size_t q = 0;
    int64_t now = ko_pipe_now_us();
    ko_status first = KO_OK;
    reap(env, now);
    for (size_t s = 0; s < n; s++) {
        for (size_t i = 0; i < specs[s].n_triggers; i++) {
            ko_err e;
            ko_status st = tick_trigger(env, &specs[s], i, now, &q, &e);
            if (st != KO_OK) {
                ko_log(KO_LOG_WARN, "pipeline", "pipeline %s trigger %zu: %s", specs[s].name, i + 1,
                       e.msg);
                if (first == KO_OK && err)
                    *err = e;
                first = first == KO_OK ? st : first;
            }
        }
        for (size_t o = 0; o < specs[s].n_outputs; o++)
            if (specs[s].outputs[o].max_staleness_ms)
                check_fresh(env, &specs[s], &specs[s].outputs[o], now);
    }
    fresh_ns(env, NULL, 0, now);
    if (queued)
        *queued = q;
    return first;
}
