/*
 * cli.h - verbs of the korolev command line.
 *
 * Each verb is `int run(int argc, char **argv)` with argv[0] the verb's name;
 * it returns the process exit status (0 ok, 1 failed, 2 usage).
 */
#ifndef KO_CLI_H
#define KO_CLI_H

#include "base/base.h"

#include <jansson.h>

#define KO_VERSION "0.1.0"

typedef struct ko_cli_command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
    const char *subs; /* its sub-verbs, space-separated ("" for none) */
} ko_cli_command;

/* Exit statuses of every verb (docs/cli.md). */
enum { KO_EXIT_OK = 0, KO_EXIT_FAIL = 1, KO_EXIT_USAGE = 2 };

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

/* The verb table (main.c) and the help texts (help.c). */
const ko_cli_command *ko_cli_commands(size_t *n);
/* `korolev help [VERB [SUB]]` and `korolev VERB [SUB] --help`: prints the
 * help on stdout and returns 0, or a usage error (2) for an unknown verb. */
int ko_cli_help(const char *verb, const char *sub);
/* "unknown sub-verb" and the verb's usage on stderr; returns 2. */
int ko_cli_unknown_sub(const char *verb, const char *sub);
/* Whether a help text exists for "VERB" or "VERB SUB" (sub NULL). */
bool ko_cli_has_help(const char *verb, const char *sub);

/* Listing output (output.c): --format table|json|jsonl. */
typedef enum ko_cli_fmt {
    KO_CLI_FMT_AUTO,
    KO_CLI_FMT_TABLE,
    KO_CLI_FMT_JSON,
    KO_CLI_FMT_JSONL
} ko_cli_fmt;
typedef struct ko_cli_col {
    const char *header;
    const char *path; /* a key, or "a.b" into nested objects */
    bool time_ms;     /* milliseconds since the epoch, shown as ISO-8601 */
} ko_cli_col;
bool ko_cli_fmt_parse(const char *s, ko_cli_fmt *out);
/* AUTO is table, except `piped` (when not AUTO) when stdout is not a
 * terminal: the verbs that printed JSON before --format existed. */
ko_cli_fmt ko_cli_fmt_resolve(ko_cli_fmt f, ko_cli_fmt piped);
/* Prints rows, a JSON array of objects (reference stolen); exit status. */
int ko_cli_print_list(json_t *rows, ko_cli_fmt fmt, const ko_cli_col *cols, size_t n_cols);

/* Progress bars on stderr (progress.c).  mode: -1 auto (stderr is a
 * terminal), 0 never (--no-progress), 1 always (--progress).  Every call
 * accepts NULL (progress off). */
typedef struct ko_cli_progress ko_cli_progress;
bool ko_cli_progress_wanted(int mode);
ko_cli_progress *ko_cli_progress_start(const char *label, uint64_t total_bytes, int mode);
void ko_cli_progress_add_total(ko_cli_progress *p, uint64_t bytes);
void ko_cli_progress_add(ko_cli_progress *p, uint64_t bytes);
void ko_cli_progress_set(ko_cli_progress *p, uint64_t done_bytes, int64_t rows, int64_t rejected);
void ko_cli_progress_finish(ko_cli_progress *p, bool ok);
/* Replaces *store (holding key) with a store that counts the bytes read
 * into p, and adds key's size to p's total; nothing when p is NULL. */
struct ko_store;
ko_status ko_cli_progress_wrap(ko_cli_progress *p, struct ko_store **store, const char *key,
                               ko_err *err);

#endif
