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
#include <string.h>

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

static const ko_cli_command commands[] = {
    {"store", "ls|cat|put|rm URI: operate on objects in a store", ko_cli_store},
    {"parquet", "schema|meta|cat|copy FILE: inspect and rewrite Parquet files", ko_cli_parquet},
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
    printf("\nstores are local paths, file://, s3://bucket/prefix or gs://bucket/prefix;\n"
           "S3 settings come from S3_ENDPOINT, AWS_REGION, AWS_ACCESS_KEY_ID, ...\n");
    return 0;
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
    if (argc < 2) {
        cmd_help(0, NULL);
        return 2;
    }
    const char *verb = argv[1];
    if (strcmp(verb, "--help") == 0 || strcmp(verb, "-h") == 0)
        return cmd_help(argc - 1, argv + 1);
    if (strcmp(verb, "--version") == 0)
        return cmd_version(argc - 1, argv + 1);
    for (size_t i = 0; i < KO_ARRAY_LEN(commands); i++)
        if (strcmp(verb, commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "korolev: unknown command '%s' (try korolev --help)\n", verb);
    return 2;
}
