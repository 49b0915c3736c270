/*
 * auth.c - who is asking (bearer tokens) and may they (roles and scopes).
 *
 * Authentication.  "Authorization: Bearer kor_<id>_<secret>": the id finds
 * the token's row (salt, hash, principal, role, namespace), the secret is
 * hashed with the salt and compared in constant time (catalog.h, tokens).
 * Rows are cached by id for CACHE_TTL_US so that a busy server does not
 * read the catalog on every request; a revoke through the API drops the
 * entry at once, one through the CLI takes effect within the TTL.  The
 * cache holds only what the catalog holds (salts and hashes), never a
 * token.  Without a header, a server started with --allow-anonymous on a
 * loopback address treats the caller as the principal "anonymous" with
 * the admin role; a header that is present but wrong is always 401.
 *
 * Authorization.  reader < writer < admin; each route says what it needs.
 * A token with a namespace is limited to that namespace and everything
 * below it ("sales" covers "sales" and "sales.eu", not "salesforce"); the
 * namespace in a route's path is checked here, before the handler runs,
 * and namespaces named in request bodies are checked by the handlers
 * (srv_allow_ns) before they change anything.
 */
#include "server/srv_internal.h"

#include <string.h>
#include <strings.h>

enum { CACHE_SLOTS = 256, CACHE_TTL_US = 5 * 1000 * 1000, FIELD_MAX = 256 };

typedef struct tok_entry {
    char id[17];
    char salt[65];
    char hash[65];
    char principal[FIELD_MAX];
    char scope[FIELD_MAX];
    bool has_scope;
    srv_role role;
    bool revoked;
    int64_t fetched_us;
} tok_entry;

struct srv_tokens {
    pthread_mutex_t mu;
    tok_entry slots[CACHE_SLOTS];
};

srv_role srv_role_parse(const char *s)
{
    if (!s)
        return SRV_ROLE_NONE;
    if (strcmp(s, "reader") == 0)
        return SRV_READER;
    if (strcmp(s, "writer") == 0)
        return SRV_WRITER;
    if (strcmp(s, "admin") == 0)
        return SRV_ADMIN;
    return SRV_ROLE_NONE;
}

bool srv_scope_covers(const char *scope, const char *ns)
{
    if (!scope)
        return true;
    size_t n = strlen(scope);
    return ns && strncmp(scope, ns, n) == 0 && (ns[n] == '\0' || ns[n] == '.');
}

bool srv_scope_ancestor(const char *scope, const char *ns)
{
    if (!scope || !ns)
        return false;
    size_t n = strlen(ns);
    return strncmp(scope, ns, n) == 0 && scope[n] == '.';
}

ko_status srv_tokens_create(srv_tokens **out)
{
    srv_tokens *t = calloc(1, sizeof *t);
    if (!t)
        return KO_ERR_NOMEM;
    pthread_mutex_init(&t->mu, NULL);
    *out = t;
    return KO_OK;
}

void srv_tokens_free(srv_tokens *t)
{
    if (!t)
        return;
    pthread_mutex_destroy(&t->mu);
    free(t);
}

static size_t slot_of(const char *id)
{
    uint32_t h = ko_murmur3_32(id, strlen(id), 0);
    return h % CACHE_SLOTS;
}

void srv_tokens_forget(srv *s, const char *id)
{
    srv_tokens *t = s->tokens;
    pthread_mutex_lock(&t->mu);
    tok_entry *e = &t->slots[slot_of(id)];
    if (strcmp(e->id, id) == 0)
        e->id[0] = '\0';
    pthread_mutex_unlock(&t->mu);
}

static bool cache_get(srv_tokens *t, const char *id, tok_entry *out)
{
    pthread_mutex_lock(&t->mu);
    const tok_entry *e = &t->slots[slot_of(id)];
    bool hit = strcmp(e->id, id) == 0 && ko_monotonic_us() - e->fetched_us < CACHE_TTL_US;
    if (hit)
        *out = *e;
    pthread_mutex_unlock(&t->mu);
    return hit;
}

static bool fill_entry(const ko_cat_token *row, tok_entry *e)
{
    memset(e, 0, sizeof *e);
    if (strlen(row->id) >= sizeof e->id || strlen(row->salt) >= sizeof e->salt ||
        strlen(row->hash) >= sizeof e->hash || strlen(row->principal) >= sizeof e->principal ||
        (row->ns && strlen(row->ns) >= sizeof e->scope))
        return false;
    strcpy(e->id, row->id);
    strcpy(e->salt, row->salt);
    strcpy(e->hash, row->hash);
    strcpy(e->principal, row->principal);
    if (row->ns) {
        strcpy(e->scope, row->ns);
        e->has_scope = true;
    }
    e->role = srv_role_parse(row->role);
    e->revoked = row->revoked_us != 0;
    e->fetched_us = ko_monotonic_us();
    return true;
}

/* The token row of id from the cache or the catalog; false when unknown. */
static bool lookup(srv_req *r, const char *id, tok_entry *out)
{
    srv_tokens *t = r->s->tokens;
    if (cache_get(t, id, out))
        return true;
    ko_cat_token row;
    ko_err err = {0};
    ko_cat *cat = srv_cat(r);
    if (!cat || ko_cat_token_get(cat, id, &r->arena, &row, &err) != KO_OK)
        return false;
    if (!fill_entry(&row, out))
        return false;
    pthread_mutex_lock(&t->mu);
    t->slots[slot_of(id)] = *out;
    pthread_mutex_unlock(&t->mu);
    return true;
}

static bool unauthorized(srv_req *r, const char *why)
{
    srv_metrics_inc(r->s->metrics, SRV_C_AUTH_FAILURES, 1);
    srv_add_header(r, "WWW-Authenticate", "Bearer realm=\"korolev\"");
    srv_error(r, 401, "NotAuthorizedException", "%s", why);
    return false;
}

bool srv_authenticate(srv_req *r)
{
    const char *h = srv_header_get(r, "Authorization");
    if (!h) {
        if (r->s->cfg.allow_anonymous && r->s->loopback) {
            r->who = (srv_principal){"anonymous", SRV_ADMIN, NULL};
            return true;
        }
        return unauthorized(r, "authentication required: send Authorization: Bearer <token>");
    }
    if (strncasecmp(h, "Bearer ", 7) != 0)
        return unauthorized(r, "only Bearer authentication is supported");
    const char *token = h + 7;
    while (*token == ' ')
        token++;
    const char *id = NULL, *secret = NULL;
    tok_entry e;
    if (!ko_cat_token_split(token, &r->arena, &id, &secret) || !lookup(r, id, &e))
        return unauthorized(r, "invalid token");
    ko_cat_token row = {.salt = e.salt, .hash = e.hash};
    bool ok = ko_cat_token_matches(&row, secret);
    if (!ok || e.revoked || e.role == SRV_ROLE_NONE)
        return unauthorized(r, ok && e.revoked ? "token revoked" : "invalid token");
    r->who.name = ko_arena_strdup(&r->arena, e.principal);
    r->who.scope = e.has_scope ? ko_arena_strdup(&r->arena, e.scope) : NULL;
    r->who.role = e.role;
    if (!r->who.name || (e.has_scope && !r->who.scope)) {
        srv_error(r, 500, "InternalServerError", "out of memory");
        return false;
    }
    return true;
}

static const char *role_name(srv_role role)
{
    static const char *const names[] = {"none", "reader", "writer", "admin"};
    return names[role];
}

bool srv_authorize(srv_req *r)
{
    const srv_route *rt = r->route;
    srv_role need = rt->need == SRV_NEED_ADMIN   ? SRV_ADMIN
                    : rt->need == SRV_NEED_WRITE ? SRV_WRITER
                                                 : SRV_READER;
    if (r->who.role < need || (rt->need == SRV_NEED_ADMIN && r->who.scope)) {
        srv_error(r, 403, "ForbiddenException", "principal %s (role %s%s%s) may not %s %s",
                  r->who.name, role_name(r->who.role), r->who.scope ? ", namespace " : "",
                  r->who.scope ? r->who.scope : "", rt->method, rt->pattern);
        return false;
    }
    if (rt->ns_param < 0 || (size_t)rt->ns_param >= r->nparams)
        return true;
    char sep = strncmp(rt->pattern, "/api/", 5) == 0 ? '.' : 0x1F;
    ko_cat_ns ns;
    const char *dotted = NULL;
    if (!srv_ns_from_param(r, r->params[rt->ns_param], sep, &ns, &dotted))
        return false;
    return srv_allow_ns(r, dotted, rt->need >= SRV_NEED_WRITE);
}
