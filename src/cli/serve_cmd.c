/*
 * serve_cmd.c - `korolev serve`: runs the HTTP server (server/server.h).
 *
 *   serve [--listen HOST:PORT] [--config FILE] [--allow-anonymous]
 *         [--console-dir DIR] [--tls-cert PEM --tls-key PEM] [--threads N]
 *         [--max-body-bytes N] [--timeout SEC]  (--timeout-seconds: old spelling)
 *         [--pipelines DIR] [--workers N | --no-workers]
 *
 * The warehouse and catalog come from the global flags (main.c), unless the
 * config file names them; flags given here override the file.  The
 * console directory defaults to ./console when it exists, the pipelines
 * directory to ./pipelines when it exists.  Pipeline workers run in the
 * server process (--workers N executor threads, default 1) unless
 * --no-workers; they stop with the server on SIGTERM after their running
 * attempts finish.
 */
#include "cli/cli.h"
#include "server/server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char USAGE[] =
    "serve [--listen HOST:PORT] [--config FILE] [--allow-anonymous] [--console-dir DIR] "
    "[--tls-cert PEM --tls-key PEM] [--threads N] [--max-body-bytes N] [--timeout SEC] "
    "[--pipelines DIR] [--workers N | --no-workers]";

static bool is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool parse_num(const char *s, long lo, long hi, long *out)
{
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

/* Applies one flag with a value; false when unknown or bad. */
static bool flag(ko_srv_config *c, const char *name, const char *v)
{
    long n = 0;
    if (strcmp(name, "--listen") == 0)
        c->listen = v;
    else if (strcmp(name, "--console-dir") == 0)
        c->console_dir = v;
    else if (strcmp(name, "--tls-cert") == 0)
        c->tls_cert = v;
    else if (strcmp(name, "--tls-key") == 0)
        c->tls_key = v;
    else if (strcmp(name, "--threads") == 0 && parse_num(v, 1, 1024, &n))
        c->threads = (int)n;
    else if (strcmp(name, "--max-body-bytes") == 0 && parse_num(v, 1024, 1L << 30, &n))
        c->max_body = (size_t)n;
    else if ((strcmp(name, "--timeout") == 0 || strcmp(name, "--timeout-seconds") == 0) &&
             parse_num(v, 1, 3600, &n))
        c->timeout_s = (int)n;
    else if (strcmp(name, "--pipelines") == 0)
        c->pipelines_dir = v;
    else if (strcmp(name, "--workers") == 0 && parse_num(v, 1, 256, &n))
        c->workers = (int)n;
    else
        return false;
    return true;
}

/* Directory defaults and the worker count; false when --pipelines names
 * no directory. */
static bool defaults(ko_srv_config *cfg, bool no_workers)
{
    if (!cfg->console_dir && is_dir("console"))
        cfg->console_dir = "console";
    if (!cfg->pipelines_dir && is_dir("pipelines"))
        cfg->pipelines_dir = "pipelines";
    if (cfg->pipelines_dir && !is_dir(cfg->pipelines_dir)) {
        fprintf(stderr, "korolev serve: --pipelines %s is not a directory\n", cfg->pipelines_dir);
        return false;
    }
    if (cfg->workers <= 0)
        cfg->workers = 1;
    if (no_workers)
        cfg->workers = 0;
    return true;
}

int ko_cli_serve(int argc, char **argv)
{
    ko_srv_config cfg = {0}, flags = {0};
    ko_arena a = {0};
    ko_err err = {0};
    const char *config = NULL;
    bool anon = false, no_workers = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--allow-anonymous") == 0)
            anon = true;
        else if (strcmp(argv[i], "--no-workers") == 0)
            no_workers = true;
        else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
            config = argv[++i];
        else if (i + 1 < argc && flag(&flags, argv[i], argv[i + 1]))
            i++;
        else
            return ko_cli_usage(USAGE);
    }
    if (config && ko_srv_config_load(config, &cfg, &a, &err) != KO_OK) {
        ko_arena_free(&a);
        return ko_cli_fail(&err);
    }
    if (!cfg.warehouse)
        cfg.warehouse = ko_cli_warehouse();
    if (!cfg.catalog)
        cfg.catalog = ko_cli_catalog();
    cfg.allow_anonymous = cfg.allow_anonymous || anon;
#define TAKE(f)  \
    if (flags.f) \
    cfg.f = flags.f
    TAKE(listen);
    TAKE(console_dir);
    TAKE(tls_cert);
    TAKE(tls_key);
    TAKE(threads);
    TAKE(max_body);
    TAKE(timeout_s);
    TAKE(pipelines_dir);
    TAKE(workers);
#undef TAKE
    if (!defaults(&cfg, no_workers)) {
        ko_arena_free(&a);
        return 2;
    }
    ko_cli_make_catalog_dir(cfg.catalog);
    ko_status st = ko_srv_run(&cfg, &err);
    ko_arena_free(&a);
    return st == KO_OK ? 0 : ko_cli_fail(&err);
}
