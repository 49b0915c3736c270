/*
 * cli.h - verbs of the korolev command line.
 *
 * Each verb is `int run(int argc, char **argv)` with argv[0] the verb's name;
 * it returns the process exit status (0 ok, 1 failed, 2 usage).
 */
#ifndef KO_CLI_H
#define KO_CLI_H

#include "base/base.h"

#define KO_VERSION "0.1.0"

typedef struct ko_cli_command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
} ko_cli_command;

/* Prints the error on stderr; returns 1. */
int ko_cli_fail(const ko_err *err);
/* Prints "usage: korolev <usage>" on stderr; returns 2. */
int ko_cli_usage(const char *usage);

int ko_cli_store(int argc, char **argv);
int ko_cli_parquet(int argc, char **argv);
int ko_cli_iceberg(int argc, char **argv);
int ko_cli_namespace(int argc, char **argv);
int ko_cli_table(int argc, char **argv);
int ko_cli_audit(int argc, char **argv);
int ko_cli_sql(int argc, char **argv);
int ko_cli_ingest(int argc, char **argv);
int ko_cli_serve(int argc, char **argv);
int ko_cli_token(int argc, char **argv);
int ko_cli_pipeline(int argc, char **argv); /* pipeline_cmd.c */
int ko_cli_worker(int argc, char **argv);   /* worker_cmd.c */
/* mkdir -p of the directory holding a sqlite: catalog file (token_cmd.c). */
void ko_cli_make_catalog_dir(const char *uri);

/* The global --warehouse and --catalog settings (main.c): the flag, else
 * KO_WAREHOUSE / KO_CATALOG, else ./warehouse and sqlite:<warehouse>/
 * catalog.db (sqlite:./warehouse/catalog.db for a remote warehouse). */
const char *ko_cli_warehouse(void);
const char *ko_cli_catalog(void);

#endif
