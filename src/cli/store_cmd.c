/*
 * store_cmd.c - `korolev store ls|cat|put|rm URI`, for operators.
 *
 * Every URI names an object (or, for ls, a prefix) in any store: a local
 * path, file://, s3:// or gs://.  cat and put stream in fixed-size chunks so
 * objects of any size pass with bounded memory.  ls is a listing verb
 * (--format table|json|jsonl, output.c).
 */
#include "cli/cli.h"
#include "store/store.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum { CHUNK = 8 << 20 };

static const char USAGE[] =
    "store ls URI [--format table|json|jsonl] | cat URI | put URI [FILE] | rm URI";

/* A local directory given without a trailing '/' lists its contents. */
static void complete_dir_prefix(const char *uri, char *prefix, size_t cap)
{
    struct stat st;
    size_t n = strlen(prefix);
    if (n && prefix[n - 1] != '/' && n + 1 < cap && !strstr(uri, "://") && stat(uri, &st) == 0 &&
        S_ISDIR(st.st_mode)) {
        prefix[n] = '/';
        prefix[n + 1] = '\0';
    }
}

static const ko_cli_col LS_COLS[] = {
    {"SIZE", "size", false}, {"MODIFIED", "modified", false}, {"URI", "uri", false}};

static int store_ls(ko_store *s, const char *uri, const char *key, ko_cli_fmt fmt, ko_err *err)
{
    char prefix[KO_STORE_KEY_MAX + 2];
    snprintf(prefix, sizeof prefix, "%s", key);
    complete_dir_prefix(uri, prefix, sizeof prefix);
    char *token = NULL;
    ko_status st = KO_OK;
    json_t *rows = json_array();
    do {
        ko_list_page page;
        st = ko_store_list(s, prefix, token, 1000, &page, err);
        free(token);
        token = NULL;
        if (st != KO_OK)
            break;
        for (size_t i = 0; i < page.count; i++) {
            char when[KO_TIME_STR_MAX], full[KO_STORE_KEY_MAX + 4096];
            ko_time_format(page.entries[i].mtime_us, when);
            snprintf(full, sizeof full, "%s/%s", ko_store_uri(s), page.entries[i].key);
            json_array_append_new(rows, json_pack("{s:I, s:s, s:s}", "size",
                                                  (json_int_t)page.entries[i].size, "modified",
                                                  when, "uri", full));
        }
        token = page.next_token;
        page.next_token = NULL;
        ko_list_page_free(&page);
    } while (token);
    if (st != KO_OK) {
        json_decref(rows);
        return ko_cli_fail(err);
    }
    return ko_cli_print_list(rows, fmt, LS_COLS, KO_ARRAY_LEN(LS_COLS));
}

static int store_cat(ko_store *s, const char *key, ko_err *err)
{
    ko_obj_info info;
    if (ko_store_head(s, key, &info, err) != KO_OK)
        return ko_cli_fail(err);
    ko_buf buf = {0};
    for (uint64_t off = 0; off < info.size; off += CHUNK) {
        ko_buf_reset(&buf);
        if (ko_store_get_range(s, key, off, CHUNK, &buf, err) != KO_OK) {
            ko_buf_free(&buf);
            return ko_cli_fail(err);
        }
        if (fwrite(buf.data, 1, buf.len, stdout) != buf.len) {
            ko_buf_free(&buf);
            ko_err_errno(err, errno, "write to stdout");
            return ko_cli_fail(err);
        }
    }
    ko_buf_free(&buf);
    return fflush(stdout) == 0 ? 0 : 1;
}

/* Streams `in` into a writer; on any failure aborts it. */
static ko_status copy_stream(FILE *in, ko_store_writer *w, const char *src, ko_err *err)
{
    char *chunk = malloc(CHUNK);
    if (!chunk) {
        ko_store_writer_abort(w);
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory");
    }
    ko_status st = KO_OK;
    size_t n;
    while (st == KO_OK && (n = fread(chunk, 1, CHUNK, in)) > 0)
        st = ko_store_writer_write(w, chunk, n, err);
    if (st == KO_OK && ferror(in))
        st = ko_err_errno(err, errno, "read %s", src);
    free(chunk);
    if (st != KO_OK) {
        ko_store_writer_abort(w);
        return st;
    }
    return ko_store_writer_commit(w, err);
}

static int store_put(ko_store *s, const char *key, const char *src, ko_err *err)
{
    bool is_stdin = !src || strcmp(src, "-") == 0;
    FILE *in = is_stdin ? stdin : fopen(src, "rb");
    if (!in) {
        ko_err_errno(err, errno, "open %s", src);
        return ko_cli_fail(err);
    }
    ko_store_writer *w = NULL;
    ko_status st = ko_store_writer_open(s, key, KO_PUT_OVERWRITE, &w, err);
    if (st == KO_OK)
        st = copy_stream(in, w, is_stdin ? "stdin" : src, err);
    if (!is_stdin)
        (void)fclose(in);
    return st == KO_OK ? 0 : ko_cli_fail(err);
}

/* Takes "--format F" out of argv (ls only); false on a bad value. */
static bool take_format(int *argc, char **argv, ko_cli_fmt *fmt)
{
    int out = 1;
    for (int i = 1; i < *argc; i++) {
        if (strcmp(argv[i], "--format") != 0) {
            argv[out++] = argv[i];
            continue;
        }
        if (i + 1 >= *argc || !ko_cli_fmt_parse(argv[++i], fmt) || strcmp(argv[1], "ls") != 0)
            return false;
    }
    *argc = out;
    return true;
}

int ko_cli_store(int argc, char **argv)
{
    ko_cli_fmt fmt = KO_CLI_FMT_TABLE;
    if (argc >= 2 && !take_format(&argc, argv, &fmt))
        return ko_cli_usage(USAGE);
    if (argc < 3 || (strcmp(argv[1], "put") != 0 && argc != 3) || argc > 4)
        return ko_cli_usage(USAGE);
    const char *op = argv[1];
    const char *uri = argv[2];
    bool known = strcmp(op, "ls") == 0 || strcmp(op, "cat") == 0 || strcmp(op, "put") == 0 ||
                 strcmp(op, "rm") == 0;
    if (!known)
        return ko_cli_usage(USAGE);
    ko_err err = {0};
    ko_store *s = NULL;
    char *key = NULL;
    if (ko_store_open_object(uri, NULL, &s, &key, &err) != KO_OK)
        return ko_cli_fail(&err);
    int rc;
    if (strcmp(op, "ls") == 0)
        rc = store_ls(s, uri, key, fmt, &err);
    else if (strcmp(op, "cat") == 0)
        rc = store_cat(s, key, &err);
    else if (strcmp(op, "put") == 0)
        rc = store_put(s, key, argc == 4 ? argv[3] : NULL, &err);
    else
        rc = ko_store_delete(s, key, &err) == KO_OK ? 0 : ko_cli_fail(&err);
    free(key);
    ko_store_close(s);
    return rc;
}
