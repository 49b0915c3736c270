/*
 * fuzz_pq_meta.c - libFuzzer target for the Parquet metadata decoders
 * (src/parquet/meta.c over thrift.c).
 *
 * Build and run (not part of the CMake build):
 *   clang -fsanitize=fuzzer,address,undefined -std=c17 -D_GNU_SOURCE -Isrc \
 *       fuzz/fuzz_pq_meta.c src/parquet/meta.c src/parquet/thrift.c src/base/[a-z]*.c \
 *       -luuid -o /tmp/f && mkdir -p /tmp/c && /tmp/f /tmp/c fuzz/corpus/pq_meta -max_total_time=30
 * (new inputs go to the first directory, so the seeds stay as committed).
 *
 * The input is decoded as every metadata struct.  Besides "no crash, no
 * leak, no UB", it checks two properties: a decoder only ever reports
 * KO_OK or KO_ERR_CORRUPT/UNSUPPORTED (never NOMEM on small inputs, never
 * INTERNAL), and what decodes re-encodes to bytes that decode again and
 * re-encode to the very same bytes.
 */
#include "parquet/parquet.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_status(ko_status st, const ko_err *err)
{
    if (st != KO_OK && st != KO_ERR_CORRUPT && st != KO_ERR_UNSUPPORTED)
        __builtin_trap();
    if (st != KO_OK && err->msg[0] == '\0')
        __builtin_trap();
}

static void same_bytes(const ko_buf *a, const ko_buf *b)
{
    if (a->len != b->len || (a->len && memcmp(a->data, b->data, a->len) != 0))
        __builtin_trap();
}

static void fuzz_file_meta(const uint8_t *data, size_t size, ko_arena *a)
{
    ko_err err = {0};
    ko_pq_file_meta m, m2;
    ko_status st = ko_pq_decode_file_meta(data, size, a, &m, &err);
    check_status(st, &err);
    if (st != KO_OK)
        return;
    ko_buf e1 = {0}, e2 = {0};
    if (ko_pq_encode_file_meta(&m, &e1) != KO_OK)
        __builtin_trap();
    if (ko_pq_decode_file_meta(e1.data, e1.len, a, &m2, &err) != KO_OK)
        __builtin_trap();
    if (ko_pq_encode_file_meta(&m2, &e2) != KO_OK)
        __builtin_trap();
    same_bytes(&e1, &e2);
    ko_buf_free(&e1);
    ko_buf_free(&e2);
}

static void fuzz_page_header(const uint8_t *data, size_t size, ko_arena *a)
{
    ko_err err = {0};
    ko_pq_page_header h, h2;
    size_t used = 0;
    ko_status st = ko_pq_decode_page_header(data, size, a, &h, &used, &err);
    check_status(st, &err);
    if (st != KO_OK)
        return;
    if (used == 0 || used > size)
        __builtin_trap();
    ko_buf e1 = {0}, e2 = {0};
    if (ko_pq_encode_page_header(&h, &e1) != KO_OK)
        __builtin_trap();
    if (ko_pq_decode_page_header(e1.data, e1.len, a, &h2, &used, &err) != KO_OK || used != e1.len)
        __builtin_trap();
    if (ko_pq_encode_page_header(&h2, &e2) != KO_OK)
        __builtin_trap();
    same_bytes(&e1, &e2);
    ko_buf_free(&e1);
    ko_buf_free(&e2);
}

static void fuzz_indexes(const uint8_t *data, size_t size, ko_arena *a)
{
    ko_err err = {0};
    ko_pq_column_index ci;
    ko_status st = ko_pq_decode_column_index(data, size, a, &ci, &err);
    check_status(st, &err);
    if (st == KO_OK) {
        ko_buf e = {0};
        ko_pq_column_index ci2;
        if (ko_pq_encode_column_index(&ci, &e) != KO_OK ||
            ko_pq_decode_column_index(e.data, e.len, a, &ci2, &err) != KO_OK ||
            ci2.n_pages != ci.n_pages)
            __builtin_trap();
        ko_buf_free(&e);
    }
    ko_pq_offset_index oi;
    st = ko_pq_decode_offset_index(data, size, a, &oi, &err);
    check_status(st, &err);
    ko_pq_bloom_header bh;
    st = ko_pq_decode_bloom_header(data, size, &bh, NULL, &err);
    check_status(st, &err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A heap copy of exactly `size` bytes, so any overread is caught. */
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    if (size)
        memcpy(copy, data, size);
    ko_arena a = {0};
    fuzz_file_meta(copy, size, &a);
    fuzz_page_header(copy, size, &a);
    fuzz_indexes(copy, size, &a);
    ko_arena_free(&a);
    free(copy);
    return 0;
}
