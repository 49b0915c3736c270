/*
 * output.c - the output of the listing verbs (token list, table list,
 * namespace list, table history, audit list, pipeline runs, ...).
 *
 * Every listing verb builds a JSON array of objects and hands it here with
 * its columns; --format picks how it is printed:
 *
 *   table  aligned columns under an upper-case header (the default)
 *   json   one JSON document: the array, indented
 *   jsonl  one compact JSON object per line
 *
 * A column names a key of the objects, or a dotted path into nested
 * objects ("summary.added-records"); missing and null values show as "-",
 * nested values as compact JSON, and values longer than CELL_MAX are cut
 * with "..." except in the last column.  Verbs that printed JSON before --format existed keep
 * printing it when stdout is not a terminal (ko_cli_fmt_resolve), so
 * scripts written against them keep working.
 */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { CELL_MAX = 60 };

bool ko_cli_fmt_parse(const char *s, ko_cli_fmt *out)
{
    static const struct {
        const char *name;
        ko_cli_fmt fmt;
    } names[] = {
        {"table", KO_CLI_FMT_TABLE}, {"json", KO_CLI_FMT_JSON}, {"jsonl", KO_CLI_FMT_JSONL}};
    for (size_t i = 0; s && i < KO_ARRAY_LEN(names); i++)
        if (strcmp(s, names[i].name) == 0) {
            *out = names[i].fmt;
            return true;
        }
    return false;
}

ko_cli_fmt ko_cli_fmt_resolve(ko_cli_fmt f, ko_cli_fmt piped)
{
    if (f != KO_CLI_FMT_AUTO)
        return f;
    if (piped != KO_CLI_FMT_AUTO && !isatty(STDOUT_FILENO))
        return piped;
    return KO_CLI_FMT_TABLE;
}

/* ------------------------------------------------------------ cells */

static json_t *lookup(json_t *row, const char *path)
{
    char key[128];
    while (row && json_is_object(row)) {
        const char *dot = strchr(path, '.');
        size_t n = dot ? (size_t)(dot - path) : strlen(path);
        if (n >= sizeof key)
            return NULL;
        memcpy(key, path, n);
        key[n] = '\0';
        row = json_object_get(row, key);
        if (!dot)
            return row;
        path = dot + 1;
    }
    return NULL;
}

/* One cell as text in the arena, on one line and, when cut, at most
 * CELL_MAX bytes (the last column, often a path, is never cut). */
static char *cell_text(ko_arena *a, json_t *v, bool time_ms, bool cut)
{
    char *s = NULL;
    if (!v || json_is_null(v)) {
        s = ko_arena_strdup(a, "-");
    } else if (json_is_integer(v) && time_ms) {
        char when[KO_TIME_STR_MAX];
        ko_time_format((int64_t)json_integer_value(v) * 1000, when);
        s = ko_arena_strdup(a, when);
    } else if (json_is_string(v)) {
        s = ko_arena_strdup(a, json_string_value(v));
    } else {
        char *d = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        s = ko_arena_strdup(a, d ? d : "?");
        free(d);
    }
    if (!s)
        return NULL;
    for (char *p = s; *p; p++)
        if (*p == '\n' || *p == '\r' || *p == '\t')
            *p = ' ';
    if (cut && strlen(s) > CELL_MAX)
        memcpy(s + CELL_MAX - 3, "...", 4);
    return s;
}

/* ------------------------------------------------------------ printers */

/* A cell padded to width, or ending the line when last. */
static void print_cell(const char *text, size_t width, bool last)
{
    if (last)
        printf("%s\n", text);
    else
        printf("%-*s  ", (int)width, text);
}

static int print_table(json_t *rows, const ko_cli_col *cols, size_t n_cols)
{
    ko_arena a = {0};
    size_t n_rows = json_array_size(rows);
    char **cells = ko_arena_calloc(&a, (n_rows + 1) * n_cols + 1, sizeof *cells);
    size_t *width = ko_arena_calloc(&a, n_cols + 1, sizeof *width);
    if (!cells || !width) {
        ko_arena_free(&a);
        return 1;
    }
    for (size_t c = 0; c < n_cols; c++)
        width[c] = strlen(cols[c].header);
    for (size_t r = 0; r < n_rows; r++)
        for (size_t c = 0; c < n_cols; c++) {
            char *t = cell_text(&a, lookup(json_array_get(rows, r), cols[c].path), cols[c].time_ms,
                                c + 1 < n_cols);
            cells[r * n_cols + c] = t ? t : "?";
            size_t w = strlen(cells[r * n_cols + c]);
            width[c] = w > width[c] ? w : width[c];
        }
    for (size_t c = 0; c < n_cols; c++)
        print_cell(cols[c].header, width[c], c + 1 == n_cols);
    for (size_t r = 0; r < n_rows; r++)
        for (size_t c = 0; c < n_cols; c++)
            print_cell(cells[r * n_cols + c], width[c], c + 1 == n_cols);
    ko_arena_free(&a);
    return 0;
}

static int print_jsonl(json_t *rows)
{
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        if (json_dumpf(row, stdout, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17)) !=
                0 ||
            putchar('\n') == EOF)
            return 1;
    }
    return 0;
}

int ko_cli_print_list(json_t *rows, ko_cli_fmt fmt, const ko_cli_col *cols, size_t n_cols)
{
    if (!rows || !json_is_array(rows)) {
        json_decref(rows);
        fprintf(stderr, "korolev: out of memory building the listing\n");
        return 1;
    }
    int rc;
    if (fmt == KO_CLI_FMT_JSON)
        rc = json_dumpf(rows, stdout, JSON_INDENT(2)) == 0 && putchar('\n') != EOF ? 0 : 1;
    else if (fmt == KO_CLI_FMT_JSONL)
        rc = print_jsonl(rows);
    else
        rc = print_table(rows, cols, n_cols);
    json_decref(rows);
    if (fflush(stdout) != 0)
        rc = 1;
    return rc;
}
