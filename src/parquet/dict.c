/*
 * dict.c - the Parquet writer's dictionary: distinct values to indices.
 *
 * A column chunk starts dictionary-encoded: every value is looked up in a
 * hash table and the data pages store its index.  The entries are kept
 * exactly as the dictionary page needs them, PLAIN-encoded in first-seen
 * order (`plain`), so writing the page is a copy.  Values are compared as
 * bytes: -0.0 and +0.0, or two NaN payloads, are different entries, which
 * keeps the encoding lossless.
 *
 * The table is open addressing with linear probing over a power-of-two
 * slot array that holds entry index + 1 (0 is empty), kept at most half
 * full.  Each entry's hash is stored beside it, so probes compare hashes
 * before bytes and growth rehashes without touching the values.  4- and
 * 8-byte values use an integer mixer; other widths MurmurHash3.
 */
#include "parquet/writer_internal.h"

#include <stdlib.h>
#include <string.h>

enum { MIN_SLOTS = 1024 };

static uint32_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    x ^= x >> 33;
    return (uint32_t)x;
}

static uint32_t hash_value(const uint8_t *v, size_t len)
{
    if (len == 4) {
        uint32_t x;
        memcpy(&x, v, 4);
        return mix64(x);
    }
    if (len == 8) {
        uint64_t x;
        memcpy(&x, v, 8);
        return mix64(x);
    }
    return ko_murmur3_32(v, len, 0x9747b28cu);
}

void ko_pq_dict_init(ko_pq_dict *d, size_t width)
{
    memset(d, 0, sizeof *d);
    d->width = width;
}

void ko_pq_dict_reset(ko_pq_dict *d)
{
    ko_buf_reset(&d->plain);
    ko_buf_reset(&d->starts);
    ko_buf_reset(&d->hashes);
    if (d->slots)
        memset(d->slots, 0, d->n_slots * sizeof *d->slots);
    d->n = 0;
}

void ko_pq_dict_free(ko_pq_dict *d)
{
    ko_buf_free(&d->plain);
    ko_buf_free(&d->starts);
    ko_buf_free(&d->hashes);
    free(d->slots);
    d->slots = NULL;
    d->n_slots = 0;
    d->n = 0;
}

static ko_status grow(ko_pq_dict *d)
{
    size_t n_slots = d->n_slots ? d->n_slots * 2 : MIN_SLOTS;
    if (n_slots > SIZE_MAX / sizeof(uint32_t))
        return KO_ERR_NOMEM;
    uint32_t *slots = calloc(n_slots, sizeof *slots);
    if (!slots)
        return KO_ERR_NOMEM;
    const uint32_t *hashes = (const uint32_t *)d->hashes.data;
    for (size_t i = 0; i < d->n; i++) {
        size_t pos = hashes[i] & (n_slots - 1);
        while (slots[pos])
            pos = (pos + 1) & (n_slots - 1);
        slots[pos] = (uint32_t)(i + 1);
    }
    free(d->slots);
    d->slots = slots;
    d->n_slots = n_slots;
    return KO_OK;
}

static bool entry_equals(const ko_pq_dict *d, size_t i, const uint8_t *v, size_t len)
{
    if (d->width)
        return memcmp(d->plain.data + i * d->width, v, len) == 0;
    uint64_t start;
    memcpy(&start, d->starts.data + i * sizeof start, sizeof start);
    const uint8_t *p = d->plain.data + start;
    uint32_t elen =
        (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    return elen == len && memcmp(p + 4, v, len) == 0;
}

/* Appends v as PLAIN BYTE_ARRAY: 4-byte little-endian length, then bytes. */
static ko_status append_prefixed(ko_buf *b, const uint8_t *v, size_t len)
{
    uint8_t pre[4] = {(uint8_t)len, (uint8_t)(len >> 8), (uint8_t)(len >> 16),
                      (uint8_t)(len >> 24)};
    ko_status st = ko_buf_append(b, pre, sizeof pre);
    return st == KO_OK ? ko_buf_append(b, v, len) : st;
}

static ko_status append_entry(ko_pq_dict *d, const uint8_t *v, size_t len, uint32_t h)
{
    ko_status st = ko_buf_append(&d->hashes, &h, sizeof h);
    if (st != KO_OK || d->width)
        return st == KO_OK ? ko_buf_append(&d->plain, v, len) : st;
    uint64_t start = d->plain.len;
    st = ko_buf_append(&d->starts, &start, sizeof start);
    return st == KO_OK ? append_prefixed(&d->plain, v, len) : st;
}

/* Finds v or adds it; *out gets its index. */
static ko_status find_or_add(ko_pq_dict *d, const uint8_t *v, size_t len, uint32_t *out)
{
    if ((d->n + 1) * 2 > d->n_slots) {
        if (d->n >= UINT32_MAX / 2)
            return KO_ERR_UNSUPPORTED;
        ko_status st = grow(d);
        if (st != KO_OK)
            return st;
    }
    uint32_t h = hash_value(v, len);
    const uint32_t *hashes = (const uint32_t *)d->hashes.data;
    size_t mask = d->n_slots - 1, pos = h & mask;
    for (uint32_t s; (s = d->slots[pos]) != 0; pos = (pos + 1) & mask) {
        if (hashes[s - 1] == h && entry_equals(d, s - 1, v, len)) {
            *out = s - 1;
            return KO_OK;
        }
    }
    ko_status st = append_entry(d, v, len, h);
    if (st != KO_OK)
        return st;
    d->slots[pos] = (uint32_t)(d->n + 1);
    *out = (uint32_t)d->n++;
    return KO_OK;
}

ko_status ko_pq_dict_add_fixed(ko_pq_dict *d, const uint8_t *vals, size_t n, ko_buf *idx)
{
    if (n > SIZE_MAX / sizeof(uint32_t))
        return KO_ERR_NOMEM;
    ko_status st = ko_buf_reserve(idx, n * sizeof(uint32_t));
    for (size_t i = 0; st == KO_OK && i < n; i++) {
        uint32_t k;
        st = find_or_add(d, vals + i * d->width, d->width, &k);
        if (st == KO_OK)
            memcpy(idx->data + idx->len + i * sizeof k, &k, sizeof k);
    }
    if (st == KO_OK) {
        idx->len += n * sizeof(uint32_t);
        idx->data[idx->len] = 0; /* keep ko_buf's terminator */
    }
    return st;
}

ko_status ko_pq_dict_add_bytes(ko_pq_dict *d, const uint8_t *data, const int64_t *offsets, size_t n,
                               ko_buf *idx)
{
    if (n > SIZE_MAX / sizeof(uint32_t))
        return KO_ERR_NOMEM;
    ko_status st = ko_buf_reserve(idx, n * sizeof(uint32_t));
    for (size_t i = 0; st == KO_OK && i < n; i++) {
        uint32_t k;
        size_t len = (size_t)(offsets[i + 1] - offsets[i]);
        st = find_or_add(d, data + offsets[i], len, &k);
        if (st == KO_OK)
            memcpy(idx->data + idx->len + i * sizeof k, &k, sizeof k);
    }
    if (st == KO_OK) {
        idx->len += n * sizeof(uint32_t);
        idx->data[idx->len] = 0; /* keep ko_buf's terminator */
    }
    return st;
}
