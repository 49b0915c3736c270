/*
 * sql_cmd.c - `korolev sql`: run SQL against the warehouse.
 *
 *   korolev [--warehouse W] [--catalog C] sql [--format table|csv|jsonl|parquet]
 *           [--output FILE] [--threads N] [--memory-limit SIZE]
 *           [--timeout SEC] ("SQL" | -f FILE | stdin)
 *
 * Results of each statement are printed in order; errors go to stderr
 * (with the caret rendering) and exit 1.
 */
#include "catalog/catalog.h"
#include "cli/cli.h"
#include "sql/sql.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char USAGE[] = "sql [--format table|csv|jsonl|parquet] [--output FILE] [--threads N] "
                            "[--memory-limit SIZE] [--timeout SEC] (\"SQL\" | -f FILE | stdin)";

static ko_status read_all(FILE *f, ko_buf *out, ko_err *err)
{
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        if (ko_buf_append(out, buf, n) != KO_OK)
            return ko_err_set(err, KO_ERR_NOMEM, "out of memory reading SQL");
    return ferror(f) ? ko_err_set(err, KO_ERR_IO, "cannot read SQL text") : KO_OK;
}

typedef struct sql_args {
    ko_sql_format fmt;
    const char *output, *file, *text;
    ko_sql_options opts;
} sql_args;

static bool parse_format(const char *v, ko_sql_format *fmt)
{
    static const struct {
        const char *name;
        ko_sql_format fmt;
    } names[] = {{"csv", KO_SQL_FMT_CSV},
                 {"jsonl", KO_SQL_FMT_JSONL},
                 {"table", KO_SQL_FMT_TABLE},
                 {"parquet", KO_SQL_FMT_PARQUET}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(v, names[i].name) == 0) {
            *fmt = names[i].fmt;
            return true;
        }
    return false;
}

/* A thread count: 0 (all cores) to 1024. */
static bool parse_threads(const char *v, int *out)
{
    char *end = NULL;
    long n = strtol(v, &end, 10);
    if (end == v || *end || n < 0 || n > 1024)
        return false;
    *out = (int)n;
    return true;
}

/* Seconds, fractions allowed; 0 means no limit. */
static bool parse_seconds(const char *v, double *out)
{
    char *end = NULL;
    double d = strtod(v, &end);
    if (end == v || *end || !(d >= 0))
        return false;
    *out = d;
    return true;
}

static int parse_args(int argc, char **argv, sql_args *a)
{
    memset(a, 0, sizeof *a);
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!arg)
            return -1;
        if (strcmp(arg, "--format") == 0 && v) {
            if (!parse_format(argv[++i], &a->fmt))
                return -1;
        } else if (strcmp(arg, "--output") == 0 && v) {
            a->output = argv[++i];
        } else if (strcmp(arg, "--threads") == 0 && v) {
            if (!parse_threads(argv[++i], &a->opts.threads))
                return -1;
        } else if (strcmp(arg, "--memory-limit") == 0 && v) {
            if (!ko_sql_parse_size(argv[++i], &a->opts.memory_limit))
                return -1;
        } else if (strcmp(arg, "--timeout") == 0 && v) {
            if (!parse_seconds(argv[++i], &a->opts.timeout_s))
                return -1;
        } else if (strcmp(arg, "-f") == 0 && v) {
            a->file = argv[++i];
        } else if (!a->text && !(arg[0] == '-' && arg[1])) {
            a->text = arg;
        } else {
            return -1; /* an unknown option, or a second statement argument */
        }
    }
    return 0;
}

int ko_cli_sql(int argc, char **argv)
{
    sql_args a;
    if (parse_args(argc, argv, &a) != 0)
        return ko_cli_usage(USAGE);
    ko_err err = {0};
    ko_buf text = {0};
    ko_status st = KO_OK;
    if (a.text) {
        st = ko_buf_append_str(&text, a.text);
    } else {
        FILE *f = a.file ? fopen(a.file, "rb") : stdin;
        if (!f)
            st = ko_err_errno(&err, 2, "%s", a.file);
        else {
            st = read_all(f, &text, &err);
            if (f != stdin)
                (void)fclose(f);
        }
    }
    ko_store *store = NULL;
    ko_cat *cat = NULL;
    if (st == KO_OK)
        st = ko_store_open(ko_cli_warehouse(), NULL, &store, &err);
    if (st == KO_OK) {
        const char *uri = ko_cli_catalog();
        if (strncmp(uri, "sqlite:", 7) == 0) {
            struct stat sb;
            if (stat(ko_cli_warehouse(), &sb) != 0)
                (void)mkdir(ko_cli_warehouse(), 0777);
        }
        st = ko_cat_open(uri, NULL, &cat, &err);
    }
    FILE *out = a.output ? fopen(a.output, "wb") : stdout;
    if (st == KO_OK && !out)
        st = ko_err_errno(&err, 2, "%s", a.output);
    ko_sql_session *s = NULL;
    a.opts.warehouse = store;
    a.opts.catalog = cat;
    if (st == KO_OK)
        st = ko_sql_session_open(&a.opts, &s, &err);
    ko_sql_renderer *r = NULL;
    if (st == KO_OK)
        st = ko_sql_renderer_new(a.fmt, out, &r, &err);
    if (st == KO_OK) {
        ko_sql_sink sink = ko_sql_render_sink(r);
        st = ko_sql_exec(s, text.data ? (const char *)text.data : "", text.len, &sink, &err);
    }
    ko_sql_renderer_free(r);
    ko_sql_session_close(s);
    if (out && out != stdout)
        (void)fclose(out);
    ko_cat_close(cat);
    ko_store_close(store);
    ko_buf_free(&text);
    if (st != KO_OK) {
        fprintf(stderr, "%s\n", err.msg[0] ? err.msg : ko_status_name(st));
        return 1;
    }
    return 0;
}
