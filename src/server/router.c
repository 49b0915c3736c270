/*
 * router.c - matching a request's method and path against the route table.
 *
 * Patterns are paths whose segments are literals or "{name}" parameters.
 * Matching works on the raw (still percent-encoded) path, segment by
 * segment, so that an encoded '/' (%2F) inside a table name stays inside
 * its segment; only parameters are decoded, after the segment is matched.
 * The Iceberg REST paths are "/v1/{prefix}/namespaces/..." with an
 * optional prefix: a second segment that is not one of the spec's roots
 * (config, namespaces, tables, transactions, oauth) is taken as a prefix
 * and skipped, so every route is written once, without it.  A path that
 * matches a pattern under another method gives 405, none gives 404.
 */
#include "server/srv_internal.h"

#include <string.h>

enum { MAX_SEGMENTS = 16 };

typedef struct seg {
    const char *p;
    size_t len;
} seg;

/* Splits path (leading '/') into segments; false when there are too many
 * or an empty inner segment ("//"). */
static bool split(const char *path, seg *out, size_t *n)
{
    *n = 0;
    if (path[0] != '/')
        return false;
    const char *p = path + 1;
    if (!*p)
        return true;
    for (;;) {
        const char *e = strchr(p, '/');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (*n >= MAX_SEGMENTS || (len == 0 && e))
            return false;
        if (len == 0) /* trailing slash */
            return true;
        out[(*n)++] = (seg){p, len};
        if (!e)
            return true;
        p = e + 1;
    }
}

static bool seg_is(const seg *s, const char *lit)
{
    return strlen(lit) == s->len && memcmp(s->p, lit, s->len) == 0;
}

/* Drops an Iceberg {prefix} segment: /v1/<prefix>/<root>/... */
static void drop_prefix(seg *segs, size_t *n)
{
    static const char *const roots[] = {"config", "namespaces", "tables", "transactions", "oauth"};
    if (*n < 3 || !seg_is(&segs[0], "v1"))
        return;
    for (size_t i = 0; i < KO_ARRAY_LEN(roots); i++)
        if (seg_is(&segs[1], roots[i]))
            return;
    memmove(&segs[1], &segs[2], (*n - 2) * sizeof *segs);
    (*n)--;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

char *srv_unescape(const char *s, size_t len, bool plus_is_space, ko_arena *a)
{
    char *out = ko_arena_alloc(a, len + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '%') {
            int hi = i + 2 < len ? hexval(s[i + 1]) : -1;
            int lo = i + 2 < len ? hexval(s[i + 2]) : -1;
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
                return NULL;
            c = (char)(hi << 4 | lo);
            i += 2;
        } else if (c == '+' && plus_is_space) {
            c = ' ';
        } else if (c == '\0') {
            return NULL;
        }
        out[o++] = c;
    }
    out[o] = '\0';
    return out;
}

/* Matches segs against one pattern; params decoded into a. */
static srv_match match_one(const srv_route *rt, const seg *segs, size_t n, ko_arena *a,
                           const char **params, size_t *nparams)
{
    seg pat[MAX_SEGMENTS];
    size_t np = 0;
    if (!split(rt->pattern, pat, &np) || np != n)
        return SRV_NO_ROUTE;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        bool is_param = pat[i].len > 2 && pat[i].p[0] == '{';
        if (!is_param &&
            (pat[i].len != segs[i].len || memcmp(pat[i].p, segs[i].p, segs[i].len) != 0))
            return SRV_NO_ROUTE;
    }
    for (size_t i = 0; i < n; i++) {
        if (!(pat[i].len > 2 && pat[i].p[0] == '{'))
            continue;
        if (k >= SRV_MAX_PARAMS)
            return SRV_BAD_PATH;
        params[k] = srv_unescape(segs[i].p, segs[i].len, false, a);
        if (!params[k++])
            return SRV_BAD_PATH;
    }
    *nparams = k;
    return SRV_MATCHED;
}

srv_match srv_route_find(const srv_route *routes, size_t n, const char *method, const char *path,
                         ko_arena *a, const srv_route **out, const char **params, size_t *nparams)
{
    seg segs[MAX_SEGMENTS];
    size_t nseg = 0;
    *out = NULL;
    *nparams = 0;
    if (!split(path, segs, &nseg))
        return SRV_NO_ROUTE;
    drop_prefix(segs, &nseg);
    srv_match result = SRV_NO_ROUTE;
    for (size_t i = 0; i < n; i++) {
        srv_match m = match_one(&routes[i], segs, nseg, a, params, nparams);
        if (m == SRV_BAD_PATH)
            return m;
        if (m != SRV_MATCHED)
            continue;
        if (strcmp(routes[i].method, method) == 0) {
            *out = &routes[i];
            return SRV_MATCHED;
        }
        result = SRV_BAD_METHOD;
    }
    *nparams = 0;
    return result;
}
