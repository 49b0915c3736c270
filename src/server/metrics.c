/*
 * metrics.c - Prometheus metrics: request counts and latency histograms by
 * method, route (the pattern, not the path, so the label set stays small)
 * and status, plus counters for commits, conflicts, errors, queries,
 * idempotent replays and authentication failures.
 *
 * Series live in a fixed array searched linearly under one mutex: there
 * are a few dozen routes and statuses, and a lookup is a handful of string
 * compares, far below the cost of the request it records.
 */
#include "server/srv_internal.h"

#include <stdlib.h>
#include <string.h>

enum { MAX_SERIES = 1024 };

static const double BUCKETS[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                 0.1,    0.25,  0.5,    1,     2.5,  5,     10};
enum { NBUCKETS = sizeof BUCKETS / sizeof BUCKETS[0] };

typedef struct series {
    const char *method; /* static strings (route table or literals) */
    const char *route;
    unsigned status;
    uint64_t count;
    double sum;
    uint64_t buckets[NBUCKETS];
} series;

struct srv_metrics {
    pthread_mutex_t mu;
    series items[MAX_SERIES];
    size_t n;
    uint64_t dropped;
    uint64_t counters[SRV_C__COUNT];
};

static const char *const COUNTER_NAMES[SRV_C__COUNT][2] = {
    {"korolev_commits_total", "Table commits that succeeded"},
    {"korolev_commit_conflicts_total", "Table commits refused by a failed requirement or race"},
    {"korolev_errors_total", "Responses with a 5xx status"},
    {"korolev_queries_total", "SQL queries run"},
    {"korolev_idempotent_replays_total", "Responses replayed for a repeated Idempotency-Key"},
    {"korolev_auth_failures_total", "Requests refused with 401"},
    {"korolev_metrics_reports_total", "Iceberg scan/commit metrics reports received"},
};

ko_status srv_metrics_create(srv_metrics **out)
{
    srv_metrics *m = calloc(1, sizeof *m);
    if (!m)
        return KO_ERR_NOMEM;
    pthread_mutex_init(&m->mu, NULL);
    *out = m;
    return KO_OK;
}

void srv_metrics_free(srv_metrics *m)
{
    if (!m)
        return;
    pthread_mutex_destroy(&m->mu);
    free(m);
}

void srv_metrics_request(srv_metrics *m, const char *method, const char *route, unsigned status,
                         double seconds)
{
    pthread_mutex_lock(&m->mu);
    series *s = NULL;
    for (size_t i = 0; i < m->n && !s; i++)
        if (m->items[i].status == status && m->items[i].route == route &&
            strcmp(m->items[i].method, method) == 0)
            s = &m->items[i];
    if (!s && m->n < MAX_SERIES) {
        s = &m->items[m->n++];
        *s = (series){.method = method, .route = route, .status = status};
    }
    if (s) {
        s->count++;
        s->sum += seconds;
        for (size_t b = 0; b < NBUCKETS; b++)
            if (seconds <= BUCKETS[b])
                s->buckets[b]++;
    } else {
        m->dropped++;
    }
    if (status >= 500)
        m->counters[SRV_C_ERRORS]++;
    pthread_mutex_unlock(&m->mu);
}

void srv_metrics_inc(srv_metrics *m, srv_counter c, uint64_t by)
{
    pthread_mutex_lock(&m->mu);
    m->counters[c] += by;
    pthread_mutex_unlock(&m->mu);
}

static ko_status render_series(const series *s, ko_buf *out)
{
    ko_status st = KO_OK;
    for (size_t b = 0; b < NBUCKETS && st == KO_OK; b++)
        st = ko_buf_appendf(out,
                            "korolev_http_request_duration_seconds_bucket{method=\"%s\","
                            "route=\"%s\",status=\"%u\",le=\"%g\"} %llu\n",
                            s->method, s->route, s->status, BUCKETS[b],
                            (unsigned long long)s->buckets[b]);
    if (st == KO_OK)
        st = ko_buf_appendf(out,
                            "korolev_http_request_duration_seconds_bucket{method=\"%s\","
                            "route=\"%s\",status=\"%u\",le=\"+Inf\"} %llu\n"
                            "korolev_http_request_duration_seconds_sum{method=\"%s\","
                            "route=\"%s\",status=\"%u\"} %.6f\n"
                            "korolev_http_request_duration_seconds_count{method=\"%s\","
                            "route=\"%s\",status=\"%u\"} %llu\n",
                            s->method, s->route, s->status, (unsigned long long)s->count, s->method,
                            s->route, s->status, s->sum, s->method, s->route, s->status,
                            (unsigned long long)s->count);
    return st;
}

ko_status srv_metrics_render(srv_metrics *m, int inflight, ko_buf *out)
{
    pthread_mutex_lock(&m->mu);
    ko_status st = ko_buf_append_str(out, "# HELP korolev_http_requests_total HTTP requests "
                                          "by method, route and status\n"
                                          "# TYPE korolev_http_requests_total counter\n");
    for (size_t i = 0; i < m->n && st == KO_OK; i++)
        st = ko_buf_appendf(out,
                            "korolev_http_requests_total{method=\"%s\",route=\"%s\","
                            "status=\"%u\"} %llu\n",
                            m->items[i].method, m->items[i].route, m->items[i].status,
                            (unsigned long long)m->items[i].count);
    if (st == KO_OK)
        st = ko_buf_append_str(out, "# HELP korolev_http_request_duration_seconds Request "
                                    "latency\n"
                                    "# TYPE korolev_http_request_duration_seconds histogram\n");
    for (size_t i = 0; i < m->n && st == KO_OK; i++)
        st = render_series(&m->items[i], out);
    for (size_t c = 0; c < SRV_C__COUNT && st == KO_OK; c++)
        st = ko_buf_appendf(out, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n", COUNTER_NAMES[c][0],
                            COUNTER_NAMES[c][1], COUNTER_NAMES[c][0], COUNTER_NAMES[c][0],
                            (unsigned long long)m->counters[c]);
    if (st == KO_OK)
        st = ko_buf_appendf(out,
                            "# HELP korolev_http_requests_in_flight Requests being served\n"
                            "# TYPE korolev_http_requests_in_flight gauge\n"
                            "korolev_http_requests_in_flight %d\n",
                            inflight);
    pthread_mutex_unlock(&m->mu);
    return st;
}
