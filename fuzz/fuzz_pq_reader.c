/*
 * fuzz_pq_reader.c - libFuzzer target for the whole Parquet read path: the
 * input is a Parquet file held in memory; the target opens it, reads every
 * column chunk of every row group and assembles every record to JSON.
 * Any status is fine except a crash, a leak, undefined behaviour or an
 * error without a message.  scripts/check runs it for 60 s:
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -std=c17 -D_GNU_SOURCE -Isrc \
 *       fuzz/fuzz_pq_reader.c src/parquet/[a-z]*.c src/store/[a-z]*.c src/base/[a-z]*.c \
 *       -luuid -lcurl -lcrypto -ljansson -lzstd -lz -llz4 -lbrotlienc -lbrotlidec \
 *       -lsnappy -lm -o /tmp/fr && mkdir -p /tmp/c && /tmp/fr /tmp/c fuzz/corpus/pq_reader
 */
#include "parquet/parquet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(ko_status st, const ko_err *err)
{
    if (st != KO_OK && err->msg[0] == '\0')
        __builtin_trap();
}

static void read_columns(ko_pq_reader *r)
{
    const ko_pq_file_meta *m = ko_pq_reader_meta(r);
    const ko_pq_schema *s = ko_pq_reader_schema(r);
    ko_pq_column col = {0};
    for (uint32_t rg = 0; rg < m->n_row_groups; rg++) {
        for (uint32_t leaf = 0; leaf < s->n_leaves; leaf++) {
            ko_err err = {0};
            check(ko_pq_read_column_chunk(r, rg, leaf, &col, &err), &err);
        }
    }
    ko_pq_column_free(&col);
}

static void read_records(ko_pq_reader *r)
{
    ko_err err = {0};
    ko_pq_rows *rows = NULL;
    if (ko_pq_rows_open(r, NULL, 0, &rows, &err) != KO_OK) {
        check(KO_ERR_CORRUPT, &err);
        return;
    }
    ko_buf out = {0};
    bool done = false;
    while (!done) {
        ko_status st = ko_pq_rows_next_rowgroup(rows, &done, &err);
        check(st, &err);
        size_t written = 1;
        while (st == KO_OK && !done && written > 0) {
            ko_buf_reset(&out);
            st = ko_pq_rows_write_jsonl(rows, &out, 64, &written, &err);
            check(st, &err);
        }
        if (st != KO_OK)
            break;
    }
    ko_buf_free(&out);
    ko_pq_rows_close(rows);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ko_err err = {0};
    ko_pq_reader *r = NULL;
    ko_status st = ko_pq_reader_open_memory(data, size, "fuzz.parquet", &r, &err);
    check(st, &err);
    if (st != KO_OK)
        return 0;
    read_columns(r);
    read_records(r);
    ko_pq_reader_close(r);
    return 0;
}
