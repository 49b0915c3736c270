/*
 * config.c - the server's configuration file and listen address.
 *
 * The file is deliberately plain: "key = value" lines, '#' comments, no
 * sections, so that it needs no parser library and every error can name
 * its line.  Flags given on the command line override the file (the CLI
 * applies them after loading it).
 */
#include "server/srv_internal.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

ko_status ko_srv_parse_listen(const char *listen, char *host, size_t host_cap, int *port,
                              bool *loopback, ko_err *err)
{
    const char *colon = NULL;
    const char *h = listen;
    size_t hlen = 0;
    if (listen[0] == '[') {
        const char *close = strchr(listen, ']');
        if (!close || close[1] != ':')
            return ko_err_set(err, KO_ERR_INVALID, "listen address '%s': expected [v6]:port",
                              listen);
        h = listen + 1;
        hlen = (size_t)(close - h);
        colon = close + 1;
    } else {
        colon = strrchr(listen, ':');
        if (!colon)
            return ko_err_set(err, KO_ERR_INVALID, "listen address '%s': expected host:port",
                              listen);
        hlen = (size_t)(colon - listen);
    }
    char *end = NULL;
    errno = 0;
    long p = strtol(colon + 1, &end, 10);
    if (!colon[1] || *end || errno || p < 0 || p > 65535)
        return ko_err_set(err, KO_ERR_INVALID, "listen address '%s': bad port", listen);
    if (hlen == 0) {
        h = "127.0.0.1";
        hlen = strlen(h);
    }
    if (hlen >= host_cap)
        return ko_err_set(err, KO_ERR_INVALID, "listen address '%s': host too long", listen);
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    *port = (int)p;
    unsigned char buf[16];
    if (inet_pton(AF_INET, host, buf) == 1)
        *loopback = buf[0] == 127;
    else if (inet_pton(AF_INET6, host, buf) == 1)
        *loopback = memcmp(buf, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1", 16) == 0;
    else
        return ko_err_set(err, KO_ERR_INVALID,
                          "listen address '%s': host must be an IPv4 or IPv6 address", listen);
    return KO_OK;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

static bool parse_int(const char *v, long lo, long hi, long *out)
{
    char *end = NULL;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (!*v || *end || errno || x < lo || x > hi)
        return false;
    *out = x;
    return true;
}

static bool parse_bool(const char *v, bool *out)
{
    if (strcmp(v, "true") == 0 || strcmp(v, "yes") == 0 || strcmp(v, "1") == 0)
        *out = true;
    else if (strcmp(v, "false") == 0 || strcmp(v, "no") == 0 || strcmp(v, "0") == 0)
        *out = false;
    else
        return false;
    return true;
}

/* Sets the string member of cfg named k; false when no member is. */
static bool set_string(ko_srv_config *cfg, const char *k, const char *v, ko_arena *a, bool *ok)
{
    static const char *const names[] = {"listen",  "console-dir", "tls-cert",
                                        "tls-key", "warehouse",   "catalog"};
    size_t i = 0;
    while (i < KO_ARRAY_LEN(names) && strcmp(k, names[i]) != 0)
        i++;
    if (i == KO_ARRAY_LEN(names))
        return false;
    const char *copy = ko_arena_strdup(a, v);
    *ok = copy != NULL;
    switch (i) {
    case 0:
        cfg->listen = copy;
        break;
    case 1:
        cfg->console_dir = copy;
        break;
    case 2:
        cfg->tls_cert = copy;
        break;
    case 3:
        cfg->tls_key = copy;
        break;
    case 4:
        cfg->warehouse = copy;
        break;
    default:
        cfg->catalog = copy;
        break;
    }
    return true;
}

/* Sets one numeric key; false when the key is unknown or the value bad. */
static bool set_number(ko_srv_config *cfg, const char *k, const char *v)
{
    static const struct {
        const char *name;
        long lo, hi;
    } keys[] = {
        {"threads", 1, 1024},
        {"max-body-bytes", 1024, 1L << 30},
        {"max-header-bytes", 4096, 1L << 24},
        {"timeout-seconds", 1, 3600},
        {"drain-seconds", 1, 3600},
        {"idempotency-seconds", 1, 7L * 86400},
    };
    long x = 0;
    for (size_t i = 0; i < KO_ARRAY_LEN(keys); i++) {
        if (strcmp(k, keys[i].name) != 0)
            continue;
        if (!parse_int(v, keys[i].lo, keys[i].hi, &x))
            return false;
        switch (i) {
        case 0:
            cfg->threads = (int)x;
            break;
        case 1:
            cfg->max_body = (size_t)x;
            break;
        case 2:
            cfg->max_header = (size_t)x;
            break;
        case 3:
            cfg->timeout_s = (int)x;
            break;
        case 4:
            cfg->drain_s = (int)x;
            break;
        default:
            cfg->idempotency_s = (int)x;
            break;
        }
        return true;
    }
    return false;
}

/* Sets one key; false when the key is unknown or the value bad. */
static bool set_key(ko_srv_config *cfg, const char *k, const char *v, ko_arena *a)
{
    bool ok = false;
    if (set_string(cfg, k, v, a, &ok))
        return ok;
    if (strcmp(k, "allow-anonymous") == 0) {
        bool b = false;
        if (!parse_bool(v, &b))
            return false;
        cfg->allow_anonymous = b;
        return true;
    }
    return set_number(cfg, k, v);
}

ko_status ko_srv_config_load(const char *path, ko_srv_config *cfg, ko_arena *a, ko_err *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return ko_err_errno(err, errno, "config %s", path);
    char line[4096];
    int lineno = 0;
    ko_status st = KO_OK;
    while (st == KO_OK && fgets(line, sizeof line, f)) {
        lineno++;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *s = trim(line);
        if (!*s)
            continue;
        char *eq = strchr(s, '=');
        if (!eq) {
            st =
                ko_err_set(err, KO_ERR_INVALID, "config %s:%d: expected key = value", path, lineno);
            break;
        }
        *eq = '\0';
        char *k = trim(s), *v = trim(eq + 1);
        if (!set_key(cfg, k, v, a))
            st = ko_err_set(err, KO_ERR_INVALID, "config %s:%d: unknown key or bad value for '%s'",
                            path, lineno, k);
    }
    (void)fclose(f);
    return st;
}
