/*
 * main.c - the korolev command line.
 *
 * Thin by design: each verb parses its flags and calls the layers below,
 * then turns a ko_err into one line on stderr and an exit status
 * (0 success, 1 failure, 2 usage error).  Verbs live in a table, with
 * their sub-verbs, so that `korolev --help` lists them all and
 * tests/integration/cli_help.sh checks the help (help.c) of each; a
 * sub-verb missing from the table is refused as unknown.  main handles
 * what every verb shares: --help / -h anywhere, --warehouse and --catalog
 * before or after the verb, and --output FILE.
 */
#define _GNU_SOURCE /* sbrk, madvise (MADV_HUGEPAGE) */
#include "cli/cli.h"

#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

static const ko_cli_command commands[] = {
    {"store", "operate on objects in a store: ls, cat, put, rm", ko_cli_store, "ls cat put rm"},
    {"parquet", "inspect and rewrite Parquet files", ko_cli_parquet, "schema meta cat copy"},
    {"iceberg", "read any Iceberg table directory (no catalog)", ko_cli_iceberg,
     "cat snapshots files"},
    {"namespace", "namespaces of the catalog", ko_cli_namespace, "create list drop"},
    {"table", "Iceberg tables in the warehouse", ko_cli_table,
     "create append describe history files list expire rollback add-column rename-column "
     "drop-column delete overwrite replace partition tag branch drop-ref fast-forward"},
    {"audit", "the catalog's audit trail", ko_cli_audit, "list verify"},
    {"sql", "run SQL queries against the warehouse", ko_cli_sql, ""},
    {"ingest", "load JSON lines, CSV, Parquet with rejects and accounting", ko_cli_ingest, ""},
    {"serve", "run the HTTP server: Iceberg REST catalog, Korolev API, console", ko_cli_serve, ""},
    {"token", "bearer tokens for the server", ko_cli_token, "create list revoke"},
    {"pipeline", "YAML pipelines: definitions, runs, logs, alerts", ko_cli_pipeline,
     "list validate run runs show logs cancel alerts tick maintenance"},
    {"worker", "execute pipeline runs (and the scheduler)", ko_cli_worker, ""},
    {"version", "print the version", cmd_version, ""},
    {"help", "show the help of a verb (korolev help VERB [SUB])", cmd_help, ""},
};

const ko_cli_command *ko_cli_commands(size_t *n)
{
    *n = KO_ARRAY_LEN(commands);
    return commands;
}

static int cmd_help(int argc, char **argv)
{
    return ko_cli_help(argc > 1 ? argv[1] : NULL, argc > 2 ? argv[2] : NULL);
}

/* ---------------------------------------------------------- global flags */

static const char *g_warehouse, *g_catalog;
static char g_default_catalog[4096];

const char *ko_cli_warehouse(void)
{
    if (g_warehouse)
        return g_warehouse;
    const char *env = getenv("KO_WAREHOUSE");
    return env && *env ? env : "./warehouse";
}

const char *ko_cli_catalog(void)
{
    if (g_catalog)
        return g_catalog;
    const char *env = getenv("KO_CATALOG");
    if (env && *env)
        return env;
    const char *wh = ko_cli_warehouse();
    bool remote = strstr(wh, "://") && strncmp(wh, "file://", 7) != 0;
    const char *dir = remote ? "./warehouse" : strncmp(wh, "file://", 7) == 0 ? wh + 7 : wh;
    snprintf(g_default_catalog, sizeof g_default_catalog, "sqlite:%s/catalog.db", dir);
    return g_default_catalog;
}

/* Consumes "--warehouse URI", "--catalog URI" (or "--flag=URI") before the
 * verb; returns the index of the verb, or -1 after printing a usage error. */
static int global_flags(int argc, char **argv)
{
    int i = 1;
    while (i < argc && strncmp(argv[i], "--", 2) == 0) {
        const char **dst = NULL;
        size_t n = 0;
        if (strncmp(argv[i], "--warehouse", n = strlen("--warehouse")) == 0)
            dst = &g_warehouse;
        else if (strncmp(argv[i], "--catalog", n = strlen("--catalog")) == 0)
            dst = &g_catalog;
        if (!dst || (argv[i][n] != '\0' && argv[i][n] != '='))
            break;
        const char *flag = argv[i];
        if (argv[i][n] == '=') {
            *dst = argv[i] + n + 1;
            i++;
        } else if (i + 1 < argc) {
            *dst = argv[i + 1];
            i += 2;
        } else {
            fprintf(stderr, "korolev: %s needs a value\n", argv[i]);
            return -1;
        }
        if (!**dst) {
            fprintf(stderr, "korolev: %.*s needs a non-empty value\n", (int)n, flag);
            return -1;
        }
    }
    return i;
}

static int cmd_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("korolev %s\n", KO_VERSION);
    return 0;
}

int ko_cli_fail(const ko_err *err)
{
    fprintf(stderr, "korolev: %s\n", err->msg[0] ? err->msg : ko_status_name(err->status));
    return 1;
}

int ko_cli_usage(const char *usage)
{
    size_t verb = strcspn(usage, " ");
    fprintf(stderr, "usage: korolev %s\n(korolev %.*s --help shows the flags and examples)\n",
            usage, (int)verb, usage);
    return KO_EXIT_USAGE;
}

/* ------------------------------------------------- flags after the verb */

static FILE *g_output;

/* Removes "--warehouse URI", "--catalog URI" (and "--output FILE" unless
 * the verb has its own) from argv[1..] of the verb, applying them; argc
 * is updated.  Returns KO_EXIT_OK, or the status after an error. */
static int late_flags(int *argc, char **argv)
{
    bool own_output = strcmp(argv[0], "sql") == 0;
    int out = 1;
    for (int i = 1; i < *argc; i++) {
        const char *a = argv[i];
        const char **dst = strcmp(a, "--warehouse") == 0 ? &g_warehouse
                           : strcmp(a, "--catalog") == 0 ? &g_catalog
                                                         : NULL;
        bool output = !own_output && strcmp(a, "--output") == 0;
        if (!dst && !output) {
            argv[out++] = argv[i];
            continue;
        }
        if (i + 1 >= *argc || !argv[i + 1][0]) {
            fprintf(stderr, "korolev: %s needs a value\n", a);
            return KO_EXIT_USAGE;
        }
        if (dst)
            *dst = argv[++i];
        else if (!(g_output = freopen(argv[++i], "w", stdout))) {
            fprintf(stderr, "korolev: cannot write %s: %s\n", argv[i], strerror(errno));
            return KO_EXIT_FAIL;
        }
    }
    *argc = out;
    argv[out] = NULL;
    return KO_EXIT_OK;
}

/* The sub-verb of argv (the first word that is one of c's sub-verbs), or
 * NULL; *unknown is set when argv[1] is a word that is not one. */
static const char *sub_verb(const ko_cli_command *c, int argc, char **argv, bool *unknown)
{
    *unknown = false;
    if (!c->subs[0] || argc < 2)
        return NULL;
    for (int i = 1; i < argc; i++)
        if (argv[i][0] != '-' && ko_cli_has_help(c->name, argv[i]))
            return argv[i];
    *unknown = argv[1][0] != '-';
    return NULL;
}

static bool wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return true;
    return false;
}

/* `korolev sql` is a short process that allocates tens of MiB of column
 * buffers: the kernel (page faults, mostly) took a third of its CPU time
 * on TPC-H Q11.  So its heap keeps what it frees (no trimming; blocks up
 * to 32 MiB come from the heap, not from mmap/munmap per call), grows in
 * steps of 32 MiB, and that first step of the main arena is backed by
 * transparent huge pages (madvise; a no-op where THP is off; it bounds the
 * extra resident memory of half-used huge pages to 32 MiB).  Tuning only:
 * every call may fail harmlessly. */
static void tune_heap(void)
{
    enum { MIB = 1 << 20, HUGE = 2 * MIB };
    (void)mallopt(M_MMAP_THRESHOLD, 32 * MIB);
    (void)mallopt(M_TRIM_THRESHOLD, 512 * MIB);
    (void)mallopt(M_TOP_PAD, 32 * MIB);
    char *lo = sbrk(0);
    // cppcheck-suppress unusedAllocatedMemory
    void *volatile grow = malloc(MIB); /* grows the heap by the new top pad */
    free(grow);
    char *hi = sbrk(0);
    if ((uintptr_t)lo == UINTPTR_MAX || (uintptr_t)hi == UINTPTR_MAX) /* sbrk failed */
        return;
    lo += (HUGE - (uintptr_t)lo % HUGE) % HUGE; /* huge pages start on 2 MiB */
    if (hi > lo)
        (void)madvise(lo, (size_t)(hi - lo), MADV_HUGEPAGE);
}

/* Runs verb c with argv[0] its name: help, sub-verb check, then the verb. */
static int run_verb(const ko_cli_command *c, int argc, char **argv)
{
    int rc = late_flags(&argc, argv);
    if (rc != KO_EXIT_OK)
        return rc;
    bool unknown = false;
    const char *sub = sub_verb(c, argc, argv, &unknown);
    if (wants_help(argc, argv))
        return unknown ? ko_cli_help(c->name, argv[1]) : ko_cli_help(c->name, sub);
    if (unknown)
        return ko_cli_unknown_sub(c->name, argv[1]);
    if (c->run == ko_cli_sql)
        tune_heap();
    rc = c->run(argc, argv);
    if (g_output && fclose(stdout) != 0 && rc == KO_EXIT_OK)
        rc = KO_EXIT_FAIL;
    return rc;
}

/* KO_RUSAGE_FILE=F: at exit, the process's peak RSS (KiB) and CPU time
 * (user + system, ms) go to F as "peak K cpu MS" (bench/sql_bench times
 * the process without a /usr/bin/time in between). */
static void write_rusage(void)
{
    const char *path = getenv("KO_RUSAGE_FILE");
    struct rusage ru;
    FILE *f = path && getrusage(RUSAGE_SELF, &ru) == 0 ? fopen(path, "w") : NULL;
    if (!f)
        return;
    double ms = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
                (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
    (void)fprintf(f, "peak %ld cpu %.3f\n", ru.ru_maxrss, ms);
    (void)fclose(f);
}

int main(int argc, char **argv)
{
    ko_log_init_from_env();
    if (getenv("KO_RUSAGE_FILE"))
        (void)atexit(write_rusage);
    int at = global_flags(argc, argv);
    if (at < 0)
        return KO_EXIT_USAGE;
    if (at >= argc) {
        fprintf(stderr, "usage: korolev [--warehouse URI] [--catalog URI] VERB [SUB] [ARGS]\n"
                        "(korolev --help lists the verbs)\n");
        return KO_EXIT_USAGE;
    }
    const char *verb = argv[at];
    if (strcmp(verb, "--help") == 0 || strcmp(verb, "-h") == 0)
        return cmd_help(argc - at, argv + at);
    if (strcmp(verb, "--version") == 0)
        return cmd_version(argc - at, argv + at);
    for (size_t i = 0; i < KO_ARRAY_LEN(commands); i++)
        if (strcmp(verb, commands[i].name) == 0)
            return run_verb(&commands[i], argc - at, argv + at);
    fprintf(stderr, "korolev: unknown verb '%s' (korolev --help lists them)\n", verb);
    return KO_EXIT_USAGE;
}
