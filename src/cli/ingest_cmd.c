/*
 * ingest_cmd.c - `korolev ingest NS.T FILE|URI... [flags]`: JSON lines,
 * CSV and Parquet into a table through ingest.h, printing the ingest
 * record as JSON.
 *
 *   --input-format jsonl|csv|parquet  (default: from each name's
 *                                extension; --format is the old spelling)
 *   --header | --no-header       CSV header row (default --header)
 *   --delimiter C, --quote C     CSV ("tab" or "\t" for a tab)
 *   --idempotency-key K          a repeated ingest returns the first record
 *   --max-reject-ratio R         fail (commit nothing) above this ratio
 *   --unknown-fields reject|ignore
 *   --batch-rows N, --max-line-bytes N
 *   --threads N                  2: parse and write Parquet in parallel
 *   --progress | --no-progress   progress bar on stderr (default: when
 *                                stderr is a terminal; progress.c)
 *
 * Inputs are local paths, file://, s3:// or gs:// URIs, or "-" for
 * standard input (with --format).  Exit status: 0 succeeded (or replayed),
 * 1 failed (the record still printed) or error, 2 usage.
 */
#include "catalog/catalog.h"
#include "cli/cli.h"
#include "ingest/ingest.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char USAGE[] =
    "ingest NS.T FILE|URI|-... [--input-format jsonl|csv|parquet] [--header|--no-header] "
    "[--delimiter C] [--quote C] [--idempotency-key K] [--max-reject-ratio R] "
    "[--unknown-fields reject|ignore] [--batch-rows N] [--max-line-bytes N] [--threads N] "
    "[--progress|--no-progress]";

typedef struct args {
    const char *table;
    char **inputs;
    size_t n_inputs;
    ko_ingest_format format;
    ko_ingest_opts o;
    bool progress;
} args;

static bool one_char(const char *s, char *out)
{
    if (strcmp(s, "tab") == 0 || strcmp(s, "\\t") == 0) {
        *out = '\t';
        return true;
    }
    if (strlen(s) != 1 || s[0] == '\n' || s[0] == '\r')
        return false;
    *out = s[0];
    return true;
}

static bool parse_size(const char *s, size_t *out)
{
    char *end = NULL;
    unsigned long long v = strtoull(s, &end, 10);
    if (!*s || *end || v == 0)
        return false;
    *out = (size_t)v;
    return true;
}

/* One flag with its value at argv[*i + 1]; false on a usage error. */
static bool parse_valued(args *a, const char *flag, const char *v)
{
    if (strcmp(flag, "--input-format") == 0 || strcmp(flag, "--format") == 0)
        return ko_ingest_format_parse(v, &a->format);
    if (strcmp(flag, "--delimiter") == 0)
        return one_char(v, &a->o.csv_delimiter);
    if (strcmp(flag, "--quote") == 0)
        return one_char(v, &a->o.csv_quote);
    if (strcmp(flag, "--idempotency-key") == 0)
        return (a->o.idempotency_key = v)[0] != '\0';
    if (strcmp(flag, "--max-reject-ratio") == 0) {
        char *end = NULL;
        a->o.max_reject_ratio = strtod(v, &end);
        a->o.has_max_reject_ratio = true;
        return *v && !*end;
    }
    if (strcmp(flag, "--unknown-fields") == 0) {
        a->o.unknown_fields =
            strcmp(v, "ignore") == 0 ? KO_INGEST_UNKNOWN_IGNORE : KO_INGEST_UNKNOWN_REJECT;
        return strcmp(v, "ignore") == 0 || strcmp(v, "reject") == 0;
    }
    if (strcmp(flag, "--threads") == 0) {
        size_t t = 0;
        bool ok = parse_size(v, &t) && t <= 64;
        a->o.threads = (int)t;
        return ok;
    }
    if (strcmp(flag, "--batch-rows") == 0)
        return parse_size(v, &a->o.batch_rows);
    if (strcmp(flag, "--max-line-bytes") == 0)
        return parse_size(v, &a->o.max_line_bytes);
    return false;
}

static bool parse_args(int argc, char **argv, args *a)
{
    memset(a, 0, sizeof *a);
    a->progress = isatty(STDERR_FILENO);
    a->inputs = calloc((size_t)argc + 1, sizeof *a->inputs);
    if (!a->inputs)
        return false;
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (strcmp(s, "--header") == 0)
            a->o.csv_no_header = false;
        else if (strcmp(s, "--no-header") == 0)
            a->o.csv_no_header = true;
        else if (strcmp(s, "--progress") == 0 || strcmp(s, "--no-progress") == 0)
            a->progress = strcmp(s, "--progress") == 0;
        else if (strncmp(s, "--", 2) == 0) {
            if (i + 1 >= argc || !parse_valued(a, s, argv[i + 1]))
                return false;
            i++;
        } else if (!a->table) {
            a->table = s;
        } else {
            a->inputs[a->n_inputs++] = argv[i];
        }
    }
    return a->table && a->n_inputs > 0;
}

/* ------------------------------------------------------------- progress */

static void show_progress(void *ctx, const ko_ingest_counts *c)
{
    ko_cli_progress_set(ctx, (uint64_t)c->bytes, c->received, c->rejected);
}

/* The total size of the inputs, for the progress bar (0: unknown). */
static uint64_t input_bytes(const args *a)
{
    uint64_t total = 0;
    for (size_t i = 0; i < a->n_inputs; i++) {
        ko_store *s = NULL;
        char *key = NULL;
        ko_obj_info info = {0};
        ko_err err = {0};
        bool ok = strcmp(a->inputs[i], "-") != 0 &&
                  ko_store_open_object(a->inputs[i], NULL, &s, &key, &err) == KO_OK &&
                  ko_store_head(s, key, &info, &err) == KO_OK;
        free(key);
        ko_store_close(s);
        if (!ok)
            return 0;
        total += info.size;
    }
    return total;
}

/* ------------------------------------------------------------------ run */

static void make_catalog_dir(const char *uri)
{
    if (strncmp(uri, "sqlite:", 7) != 0 || strcmp(uri, "sqlite::memory:") == 0)
        return;
    char path[4096];
    snprintf(path, sizeof path, "%s", uri + 7);
    char *slash = strrchr(path, '/');
    if (!slash)
        return;
    *slash = '\0';
    for (char *q = path + 1; *q; q++) {
        if (*q != '/')
            continue;
        *q = '\0';
        (void)mkdir(path, 0777);
        *q = '/';
    }
    (void)mkdir(path, 0777);
}

static ko_status run_inputs(ko_ingest *in, const args *a, ko_err *err)
{
    ko_status st = KO_OK;
    for (size_t i = 0; st == KO_OK && i < a->n_inputs; i++)
        st = ko_ingest_uri(in, a->inputs[i], a->format, err);
    return st;
}

static int print_record(json_t *j)
{
    const char *status = json_string_value(json_object_get(j, "status"));
    bool ok = status && strcmp(status, "succeeded") == 0;
    int rc = json_dumpf(j, stdout, JSON_INDENT(2)) == 0 && fputc('\n', stdout) != EOF ? 0 : 1;
    json_decref(j);
    return rc == 0 && ok ? 0 : 1;
}

static int ingest(const args *a, ko_cat *cat, ko_store *store, ko_err *err)
{
    ko_arena arena = {0};
    const char *ns, *name;
    ko_status st = ko_ice_ident_parse(a->table, &arena, &ns, &name, err);
    ko_ingest_catalog ic;
    ko_ingest_catalog_bind(&ic, cat, a->o.principal);
    ko_ice_warehouse wh = {store, &ic.icat};
    ko_ingest_opts o = a->o;
    ko_cli_progress *p =
        a->progress ? ko_cli_progress_start(ko_arena_sprintf(&arena, "ingest %s", a->table),
                                            input_bytes(a), 1)
                    : NULL;
    if (p) {
        o.progress = show_progress;
        o.progress_ctx = p;
    }
    ko_ingest *in = NULL;
    if (st == KO_OK)
        st = ko_ingest_open(&wh, cat, ns, name, &o, &in, err);
    if (st == KO_OK)
        st = run_inputs(in, a, err);
    json_t *record = NULL;
    if (st == KO_OK)
        st = ko_ingest_finish(in, &record, err);
    else if (in)
        ko_ingest_abort(in, err->msg);
    ko_cli_progress_finish(p, st == KO_OK);
    ko_arena_free(&arena);
    if (st != KO_OK) {
        json_decref(record);
        return ko_cli_fail(err);
    }
    return print_record(record);
}

int ko_cli_ingest(int argc, char **argv)
{
    args a;
    if (!parse_args(argc, argv, &a)) {
        free(a.inputs);
        return ko_cli_usage(USAGE);
    }
    const char *principal = getenv("KO_PRINCIPAL");
    a.o.principal = principal && *principal ? principal : getenv("USER");
    ko_err err = {0};
    ko_store *store = NULL;
    ko_cat *cat = NULL;
    ko_status st = ko_store_open(ko_cli_warehouse(), NULL, &store, &err);
    if (st == KO_OK) {
        make_catalog_dir(ko_cli_catalog());
        st = ko_cat_open(ko_cli_catalog(), NULL, &cat, &err);
    }
    int rc = st == KO_OK ? ingest(&a, cat, store, &err) : ko_cli_fail(&err);
    ko_cat_close(cat);
    ko_store_close(store);
    free(a.inputs);
    return rc;
}
