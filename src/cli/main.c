/*
 * main.c - the korolev command line.
 *
 * Thin by design: each verb parses its flags and calls the layers below,
 * then turns a ko_err into one line on stderr and an exit status
 * (0 success, 1 failure, 2 usage error).  Verbs live in a table so that
 * `korolev --help` lists them all.
 */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

static const ko_cli_command commands[] = {
    {"store", "ls|cat|put|rm URI: operate on objects in a store", ko_cli_store},
    {"parquet", "schema|meta|cat|copy FILE: inspect and rewrite Parquet files", ko_cli_parquet},
    {"iceberg", "cat LOCATION: read any Iceberg table directory", ko_cli_iceberg},
    {"namespace", "create|list|drop NS: namespaces of the catalog", ko_cli_namespace},
    {"table",
     "create|append|describe|history|files|expire|rollback|add-column|rename-column|"
     "drop-column|list NS.T: Iceberg tables in the warehouse",
     ko_cli_table},
    {"audit", "list|verify: the catalog's audit trail", ko_cli_audit},
    {"sql", "\"SQL\" | -f FILE: run SQL queries against the warehouse", ko_cli_sql},
    {"ingest", "NS.T FILE|URI...: load JSON lines, CSV, Parquet with rejects and accounting",
     ko_cli_ingest},
    {"serve", "run the HTTP server: Iceberg REST catalog, Korolev API, metrics", ko_cli_serve},
    {"token", "create|list|revoke: bearer tokens for the server", ko_cli_token},
    {"pipeline", "list|validate|run|runs|logs|cancel|alerts|maintenance: YAML pipelines",
     ko_cli_pipeline},
    {"worker", "[--concurrency N] [--once]: run pipeline runs (and the scheduler)", ko_cli_worker},
    {"version", "print the version", cmd_version},
    {"help", "show this help", cmd_help},
};

static int cmd_help(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("korolev - a low-cost data platform on Apache Iceberg\n\n"
           "usage: korolev <command> [args]\n\ncommands:\n");
    for (size_t i = 0; i < KO_ARRAY_LEN(commands); i++)
        printf("  %-10s %s\n", commands[i].name, commands[i].summary);
    printf("\nglobal flags (before the command):\n"
           "  --warehouse URI  where tables live (default ./warehouse; env KO_WAREHOUSE)\n"
           "  --catalog URI    sqlite:PATH or postgresql://... (default sqlite:<warehouse>/"
           "catalog.db; env KO_CATALOG)\n"
           "\nstores are local paths, file://, s3://bucket/prefix or gs://bucket/prefix;\n"
           "S3 settings come from S3_ENDPOINT, AWS_REGION, AWS_ACCESS_KEY_ID, ...\n");
    return 0;
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
    fprintf(stderr, "usage: korolev %s\n", usage);
    return 2;
}

int main(int argc, char **argv)
{
    ko_log_init_from_env();
    int at = global_flags(argc, argv);
    if (at < 0)
        return 2;
    if (at >= argc) {
        cmd_help(0, NULL);
        return 2;
    }
    const char *verb = argv[at];
    if (strcmp(verb, "--help") == 0 || strcmp(verb, "-h") == 0)
        return cmd_help(argc - at, argv + at);
    if (strcmp(verb, "--version") == 0)
        return cmd_version(argc - at, argv + at);
    for (size_t i = 0; i < KO_ARRAY_LEN(commands); i++)
        if (strcmp(verb, commands[i].name) == 0)
            return commands[i].run(argc - at, argv + at);
    fprintf(stderr, "korolev: unknown command '%s' (try korolev --help)\n", verb);
    return 2;
}
