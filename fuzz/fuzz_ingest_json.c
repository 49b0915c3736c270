/*
 * fuzz_ingest_json.c - libFuzzer target for the ingest layer's JSON lines
 * path: the line splitter (src/ingest/split.c) and the JSON parser
 * (src/ingest/json.c).
 *
 * Build and run (not part of the CMake build):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -std=c17 -D_GNU_SOURCE -Isrc \
 *       fuzz/fuzz_ingest_json.c src/ingest/json.c src/ingest/split.c src/base/[a-z]*.c \
 *       -luuid -lcrypto -o /tmp/fij && mkdir -p /tmp/cij && /tmp/fij /tmp/cij
 * fuzz/corpus/ingest_json
 *
 * The input is fed to the splitter twice, whole and in chunks whose sizes
 * come from the first byte; both must give the same records (count and
 * bytes).  Every record is parsed; a parse that succeeds must have built a
 * tree whose every node index is in range and whose child counts add up.
 */
#include "ingest/ingest_int.h"

#include <stdlib.h>
#include <string.h>

typedef struct acc {
    ki_json doc;
    uint64_t n, hash;
} acc;

static size_t text_len; /* of the record being checked */

static void check_tree(const ki_json *d, uint32_t i, size_t n_nodes)
{
    if (i >= n_nodes)
        abort();
    const ki_jnode *nd = ki_jnode_at(d, i);
    uint32_t count = 0;
    for (uint32_t c = nd->n ? nd->first : 0; c; c = ki_jnode_at(d, c)->next) {
        check_tree(d, c, n_nodes);
        if (++count > nd->n)
            abort();
    }
    if (count != nd->n)
        abort();
    /* A string lies in strs, or (no escape: KI_JSTR_TEXT) in the text. */
    if (nd->type == KI_J_STR && (nd->off & KI_JSTR_TEXT) &&
        (nd->off & ~KI_JSTR_TEXT) + nd->len > text_len)
        abort();
    if (nd->type == KI_J_STR && !(nd->off & KI_JSTR_TEXT) && nd->off + nd->len > d->strs.len)
        abort();
}

static ko_status on_rec(void *ctx, const ki_rec *rec, ko_err *err)
{
    (void)err;
    acc *a = ctx;
    a->n++;
    for (size_t i = 0; i < rec->raw_len; i++)
        a->hash = a->hash * 131 + (uint8_t)rec->raw[i];
    ki_fail f = {0};
    bool nomem = false;
    text_len = rec->raw_len;
    if (!rec->error && ki_json_parse(&a->doc, rec->raw, rec->raw_len, &f, &nomem) == KI_OK)
        check_tree(&a->doc, 0, a->doc.nodes.len / sizeof(ki_jnode));
    return KO_OK;
}

static void run(const uint8_t *data, size_t size, size_t chunk, acc *a)
{
    ki_lines l;
    ki_lines_init(&l, 256);
    for (size_t i = 0; i < size; i += chunk)
        if (ki_lines_feed(&l, data + i, i + chunk > size ? size - i : chunk, on_rec, a, NULL) !=
            KO_OK)
            abort();
    if (ki_lines_end(&l, on_rec, a, NULL) != KO_OK)
        abort();
    ki_lines_free(&l);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    size_t chunk = (size_t)(data[0] % 17) + 1;
    acc whole = {0}, parts = {0};
    run(data + 1, size - 1, size, &whole);
    run(data + 1, size - 1, chunk, &parts);
    if (whole.n != parts.n || whole.hash != parts.hash)
        abort();
    ki_json_free(&whole.doc);
    ki_json_free(&parts.doc);
    return 0;
}
