/*
 * fuzz_avro.c - libFuzzer target for the Avro container reader and datum
 * codec (src/iceberg/avro.c).
 *
 * Build and run (not part of the CMake build):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -std=c17 -D_GNU_SOURCE -Isrc \
 *       fuzz/fuzz_avro.c src/iceberg/avro.c src/base/[a-z]*.c -ljansson -lz -luuid -o /tmp/fa \
 *     && mkdir -p /tmp/ca && /tmp/fa /tmp/ca fuzz/corpus/avro -max_total_time=30
 * (new inputs go to the first directory, so the seeds stay as committed).
 *
 * The input is read as a container file and every record decoded, each in
 * its own arena.  Besides "no crash, no leak, no UB", it checks that the
 * reader only reports KO_OK, KO_ERR_CORRUPT or KO_ERR_UNSUPPORTED with a
 * message, and that every decoded record re-encodes to bytes that decode
 * again and re-encode to the very same bytes.
 */
#include "iceberg/avro.h"

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

/* Values in a tree (bounded: the decoder limits depth and count). */
static size_t count_values(const ko_avro_value *v)
{
    size_t n = 1;
    switch (v->type) {
    case KO_AVRO_ARRAY:
        for (size_t i = 0; i < v->u.array.n; i++)
            n += count_values(&v->u.array.items[i]);
        break;
    case KO_AVRO_MAP:
        for (size_t i = 0; i < v->u.map.n; i++)
            n += 1 + count_values(&v->u.map.values[i]);
        break;
    case KO_AVRO_RECORD:
        for (size_t i = 0; i < v->u.record.n; i++)
            n += count_values(&v->u.record.fields[i]);
        break;
    default:
        break;
    }
    return n;
}

static void roundtrip(const ko_avro_schema *s, const ko_avro_value *v, ko_arena *a)
{
    ko_err err = {0};
    ko_buf e1 = {0}, e2 = {0};
    if (ko_avro_encode(s, v, &e1, &err) != KO_OK)
        __builtin_trap();
    /* A tree of many zero-byte values may exceed the value budget of its
     * (shorter) re-encoding on its own; only check the others. */
    if (count_values(v) < KO_AVRO_VALUES_BASE) {
        ko_avro_value v2;
        size_t used = 0;
        if (ko_avro_decode(s, e1.data, e1.len, a, &v2, &used, &err) != KO_OK || used != e1.len)
            __builtin_trap();
        if (ko_avro_encode(s, &v2, &e2, &err) != KO_OK)
            __builtin_trap();
        if (e1.len != e2.len || (e1.len && memcmp(e1.data, e2.data, e1.len) != 0))
            __builtin_trap();
    }
    ko_buf_free(&e1);
    ko_buf_free(&e2);
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
    ko_err err = {0};
    ko_avro_reader *r = NULL;
    ko_status st = ko_avro_reader_open(copy, size, &a, &r, &err);
    check_status(st, &err);
    while (st == KO_OK) {
        ko_arena rec = {0};
        ko_avro_value v;
        bool has = false;
        st = ko_avro_reader_next_in(r, &rec, &v, &has, &err);
        check_status(st, &err);
        if (st == KO_OK && has)
            roundtrip(ko_avro_reader_schema(r), &v, &rec);
        ko_arena_free(&rec);
        if (!has)
            break;
    }
    ko_avro_reader_close(r);
    ko_arena_free(&a);
    free(copy);
    return 0;
}
