/*
 * fuzz_sql_parse.c - libFuzzer target for the SQL front end (src/sql/lex.c,
 * parse*.c, ast*.c).
 *
 * Build and run (scripts/check gate_fuzz does the same):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -std=c17 -D_GNU_SOURCE -Isrc \
 *       fuzz/fuzz_sql_parse.c src/sql/lex.c src/sql/parse*.c src/sql/ast*.c \
 *       src/base/[a-z]*.c -luuid -o /tmp/f && mkdir -p /tmp/c && \
 *       /tmp/f /tmp/c fuzz/corpus/sql_parse -max_total_time=60
 *
 * The input is parsed as a script twice: with the default limits and with a
 * small nesting limit.  Besides "no crash, no leak, no UB, no stack
 * overflow", it checks that the parser only reports KO_OK, KO_ERR_INVALID
 * (with a message that gives the line and column) or KO_ERR_NOMEM never;
 * that every statement's position lies inside the text; and that every
 * statement prints (the printer walks the whole tree recursively, so a tree
 * deeper than the documented bound would overflow the stack here).
 */
#include "sql/ast.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const char *text, size_t size, const ko_sql_parse_opts *opts)
{
    ko_arena a = {0};
    ko_err err = {0};
    ko_sql_stmt **stmts = NULL;
    size_t n = 0;
    ko_sql_pos pos = {0};
    ko_status st = ko_sql_parse_ex(text, size, opts, &a, &stmts, &n, &pos, &err);
    if (st != KO_OK) {
        if (st != KO_ERR_INVALID || strncmp(err.msg, "error at line ", 14) != 0)
            __builtin_trap();
        if (pos.off > size || stmts != NULL || n != 0)
            __builtin_trap();
        ko_arena_free(&a);
        return;
    }
    ko_buf out = {0};
    for (size_t i = 0; i < n; i++) {
        if (stmts[i]->pos.off >= size || stmts[i]->end > size || stmts[i]->end <= stmts[i]->pos.off)
            __builtin_trap();
        ko_buf_reset(&out);
        if (ko_sql_ast_print(stmts[i], &out) != KO_OK || out.len == 0)
            __builtin_trap();
    }
    ko_buf_free(&out);
    ko_arena_free(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A heap copy of exactly `size` bytes, so any overread is caught. */
    char *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    if (size)
        memcpy(copy, data, size);
    check(copy, size, NULL);
    ko_sql_parse_opts small = {.max_depth = 12, .max_text = 0};
    check(copy, size, &small);
    free(copy);
    return 0;
}
