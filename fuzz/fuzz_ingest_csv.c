/*
 * fuzz_ingest_csv.c - libFuzzer target for the ingest layer's RFC 4180 CSV
 * splitter (src/ingest/split.c).
 *
 * Build and run (not part of the CMake build):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -std=c17 -D_GNU_SOURCE -Isrc \
 *       fuzz/fuzz_ingest_csv.c src/ingest/json.c src/ingest/split.c src/base/[a-z]*.c \
 *       -luuid -lcrypto -o /tmp/fic && mkdir -p /tmp/cic && /tmp/fic /tmp/cic
 * fuzz/corpus/ingest_csv
 *
 * The first byte picks the delimiter (',' ';' or tab) and the chunk size;
 * the rest is fed whole and in chunks, which must give the same records
 * (count, raw bytes, field bytes and quoting).  Every field must lie in
 * the splitter's memory and raw lengths stay within the record limit.
 */
#include "ingest/ingest_int.h"

#include <stdlib.h>
#include <string.h>

enum { LIMIT = 512 };

static ko_status on_rec(void *ctx, const ki_rec *rec, ko_err *err)
{
    (void)err;
    uint64_t *h = ctx;
    if (rec->raw_len > LIMIT)
        abort();
    h[0]++;
    for (size_t i = 0; i < rec->raw_len; i++)
        h[1] = h[1] * 131 + (uint8_t)rec->raw[i];
    for (size_t f = 0; f < rec->n_fields; f++) {
        h[1] = h[1] * 7 + rec->fields[f].quoted + 3;
        for (size_t i = 0; i < rec->fields[f].len; i++)
            h[1] = h[1] * 31 + (uint8_t)rec->fields[f].p[i];
    }
    h[1] = h[1] * 5 + (uint64_t)rec->error;
    return KO_OK;
}

static void run(const uint8_t *data, size_t size, size_t chunk, char delim, uint64_t *h)
{
    ki_csv c;
    ki_csv_init(&c, delim, '"', LIMIT);
    for (size_t i = 0; i < size; i += chunk)
        if (ki_csv_feed(&c, data + i, i + chunk > size ? size - i : chunk, on_rec, h, NULL) !=
            KO_OK)
            abort();
    if (ki_csv_end(&c, on_rec, h, NULL) != KO_OK)
        abort();
    ki_csv_free(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    static const char delims[] = {',', ';', '\t'};
    char delim = delims[data[0] % 3];
    size_t chunk = (size_t)(data[0] / 3 % 13) + 1;
    uint64_t whole[2] = {0}, parts[2] = {0};
    run(data + 1, size - 1, size, delim, whole);
    run(data + 1, size - 1, chunk, delim, parts);
    if (whole[0] != parts[0] || whole[1] != parts[1])
        abort();
    return 0;
}
