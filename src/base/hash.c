/*
 * hash.c - MurmurHash3, x86 32-bit variant.
 *
 * Iceberg's bucket transform is defined as this hash with seed 0 over the
 * value's canonical bytes (spec, appendix B), so the output must match Austin
 * Appleby's reference implementation bit for bit on every platform.  Blocks
 * are read as little-endian 32-bit words one byte at a time, which is correct
 * on big-endian hosts and safe for unaligned input (no type-punned loads).
 */
#include "base/base.h"

enum { MURMUR_C1 = 0xcc9e2d51u, MURMUR_C2 = 0x1b873593u };

static uint32_t rotl32(uint32_t x, int r)
{
    return (x << r) | (x >> (32 - r));
}

static uint32_t load_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Scrambles one 32-bit block before it is mixed into the state. */
static uint32_t mix_k1(uint32_t k1)
{
    k1 *= MURMUR_C1;
    k1 = rotl32(k1, 15);
    return k1 * MURMUR_C2;
}

/* Final avalanche: every input bit affects every output bit. */
static uint32_t fmix32(uint32_t h)
{
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;
    return h;
}

uint32_t ko_murmur3_32(const void *data, size_t len, uint32_t seed)
{
    const uint8_t *p = data;
    uint32_t h1 = seed;
    size_t nblocks = len / 4;
    for (size_t i = 0; i < nblocks; i++) {
        h1 ^= mix_k1(load_le32(p + 4 * i));
        h1 = rotl32(h1, 13);
        h1 = h1 * 5 + 0xe6546b64u;
    }
    size_t rest = len & 3;
    if (rest) {
        const uint8_t *tail = p + 4 * nblocks;
        uint32_t k1 = 0;
        for (size_t i = rest; i > 0; i--)
            k1 = k1 << 8 | tail[i - 1];
        h1 ^= mix_k1(k1);
    }
    /* The reference mixes in the length as a 32-bit int. */
    h1 ^= (uint32_t)len;
    return fmix32(h1);
}
