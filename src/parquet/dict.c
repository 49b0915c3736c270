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
 * 8-byte values use an integer mixer (and compare as integers), other
 * values of up to 16 bytes the same mixer over two overlapping loads, longer
 * ones MurmurHash3.
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

static uint64_t ld64(const uint8_t *p)
{
    uint64_t x;
    memcpy(&x, p, 8);
    return x;
}

static uint32_t ld32(const uint8_t *p)
{
    uint32_t x;
    memcpy(&x, p, 4);
    return x;
}

/* Values of up to 16 bytes (most strings in dictionaries) are hashed from
 * two overlapping loads and the length, without a call. */
static uint32_t hash_short(const uint8_t *v, size_t len)
{
    uint64_t a = 0, b = 0;
    if (len >= 8) {
        a = ld64(v);
        b = ld64(v + len - 8);
    } else if (len >= 4) {
        a = ld32(v);
        b = ld32(v + len - 4);
    } else if (len > 0) {
        a = (uint64_t)v[0] << 16 | (uint64_t)v[len / 2] << 8 | v[len - 1];
    }
    return mix64(a ^ (b * 0x9e3779b97f4a7c15ull) ^ ((uint64_t)len << 59));
}

static uint32_t hash_value(const uint8_t *v, size_t len)
{
    if (len == 4)
        return mix64(ld32(v));
    if (len == 8)
        return mix64(ld64(v));
    if (len <= 16)
        return hash_short(v, len);
    return ko_murmur3_32(v, len, 0x9747b28cu);
}

/* memcmp(a, b, len) == 0, inline for the short lengths hash_short covers. */
static bool same_bytes(const uint8_t *a, const uint8_t *b, size_t len)
{
    if (len >= 8 && len <= 16)
        return ld64(a) == ld64(b) && ld64(a + len - 8) == ld64(b + len - 8);
    if (len >= 4 && len < 8)
        return ld32(a) == ld32(b) && ld32(a + len - 4) == ld32(b + len - 4);
    if (len < 4) /* bytes 0, len/2 and len-1 are all of them */
        return len == 0 || (a[0] == b[0] && a[len / 2] == b[len / 2] && a[len - 1] == b[len - 1]);
    return memcmp(a, b, len) == 0;
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
        return same_bytes(d->plain.data + i * d->width, v, len);
    uint64_t start;
    memcpy(&start, d->starts.data + i * sizeof start, sizeof start);
    const uint8_t *p = d->plain.data + start;
    return ld32(p) == len && same_bytes(p + 4, v, len); /* little-endian length prefix */
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

/* find_or_add for 4- and 8-byte values (w), compared as integers: one load
 * per probe instead of a hash check and a memcmp.  The hash is the one
 * hash_value gives, so growth and the generic path agree. */
static inline __attribute__((always_inline)) ko_status find_or_add_int(ko_pq_dict *d, uint64_t x,
                                                                       size_t w, uint32_t *out)
{
    if ((d->n + 1) * 2 > d->n_slots) {
        if (d->n >= UINT32_MAX / 2)
            return KO_ERR_UNSUPPORTED;
        ko_status st = grow(d);
        if (st != KO_OK)
            return st;
    }
    uint32_t h = mix64(x);
    size_t mask = d->n_slots - 1, pos = h & mask;
    for (uint32_t s; (s = d->slots[pos]) != 0; pos = (pos + 1) & mask) {
        uint64_t e = 0;
        memcpy(&e, d->plain.data + (size_t)(s - 1) * w, w);
        if (e == x) {
            *out = s - 1;
            return KO_OK;
        }
    }
    ko_status st = ko_buf_append(&d->hashes, &h, sizeof h);
    if (st == KO_OK)
        st = ko_buf_append(&d->plain, &x, w); /* little-endian: the low w bytes */
    if (st != KO_OK)
        return st;
    d->slots[pos] = (uint32_t)(d->n + 1);
    *out = (uint32_t)d->n++;
    return KO_OK;
}

static ko_status add_fixed4(ko_pq_dict *d, const uint8_t *vals, size_t n, uint32_t *idx)
{
    ko_status st = KO_OK;
    for (size_t i = 0; st == KO_OK && i < n; i++) {
        uint32_t x;
        memcpy(&x, vals + i * 4, 4);
        st = find_or_add_int(d, x, 4, &idx[i]);
    }
    return st;
}

static ko_status add_fixed8(ko_pq_dict *d, const uint8_t *vals, size_t n, uint32_t *idx)
{
    ko_status st = KO_OK;
    for (size_t i = 0; st == KO_OK && i < n; i++) {
        uint64_t x;
        memcpy(&x, vals + i * 8, 8);
        st = find_or_add_int(d, x, 8, &idx[i]);
    }
    return st;
}

static ko_status add_fixed_any(ko_pq_dict *d, const uint8_t *vals, size_t n, uint32_t *idx)
{
    ko_status st = KO_OK;
    for (size_t i = 0; st == KO_OK && i < n; i++)
        st = find_or_add(d, vals + i * d->width, d->width, &idx[i]);
    return st;
}

ko_status ko_pq_dict_add_fixed(ko_pq_dict *d, const uint8_t *vals, size_t n, ko_buf *idx)
{
    if (n > SIZE_MAX / sizeof(uint32_t))
        return KO_ERR_NOMEM;
    ko_status st = ko_buf_reserve(idx, n * sizeof(uint32_t));
    if (st != KO_OK)
        return st;
    /* idx has room for n more: the indices go straight into it */
    uint32_t *dst = (uint32_t *)(void *)(idx->data + idx->len);
    if (d->width == 4)
        st = add_fixed4(d, vals, n, dst);
    else if (d->width == 8)
        st = add_fixed8(d, vals, n, dst);
    else
        st = add_fixed_any(d, vals, n, dst);
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
