/*
 * encoding.c - Parquet value encodings (parquet-format Encodings.md): the
 * RLE/bit-packed hybrid, legacy BIT_PACKED levels, PLAIN booleans and byte
 * arrays, DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY and
 * BYTE_STREAM_SPLIT.  Codecs live in codec.c.
 *
 * Speed comes from one idea: bit-unpacking works on groups of 8 values,
 * which always occupy exactly `bw` bytes, and there is one unrolled routine
 * per (output type, bit width), instantiated by macros from one inline
 * function whose bit offsets are compile-time constants.  Each value is a
 * single unaligned 64-bit little-endian load, a shift and a mask.  Because a
 * load may touch up to 9 bytes past the group, those routines only run while
 * 16 bytes of slack remain; the last few groups are copied into a
 * zero-padded scratch block first.  RLE runs are plain fill loops, which
 * the compiler vectorises.
 *
 * DELTA_BINARY_PACKED is decoded by a small resumable reader (delta_dec)
 * that walks blocks and miniblocks and decodes each miniblock with a second
 * set of per-width routines that unpack and add up in one pass (the deltas
 * never touch memory), in unsigned arithmetic so that sums wrap modulo
 * 2^32 / 2^64 as the spec requires.  *used is the end of the last
 * miniblock holding one of the header's values (the last block's unneeded
 * miniblocks are absent, their widths ignored), even when fewer values
 * are asked for.  The byte-array encodings use the reader twice: once to
 * find where the lengths end (cheap: only block headers are read) and once
 * to decode the lengths in chunks of a few hundred, so memory grows only
 * with the values actually produced, never with a count from the input.
 *
 * Leniency, as other readers allow: the zero padding of the final
 * bit-packed run may be cut short by the end of the input, as long as the
 * values asked for are all there; bit width 0 reads nothing.
 *
 * BYTE_STREAM_SPLIT of 4- and 8-byte values is an SSE2 byte transpose of
 * 16 values at a time where SSE2 exists (all x86-64), scalar elsewhere.
 *
 * Every read is checked against the input length before it happens; an
 * error names the encoding and the byte position and leaves the output
 * buffers (ko_buf) as they were.
 */
#include "parquet/encoding.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define KO_AI static inline __attribute__((always_inline))

enum {
    SLACK = 16,  /* bytes a group routine may read past its group */
    CHUNK = 256, /* lengths decoded at a time by the byte-array decoders */
};

static const char RLE[] = "RLE/bit-packed hybrid";
static const char BITPACKED[] = "BIT_PACKED";
static const char PLAIN_BOOL[] = "PLAIN BOOLEAN";
static const char PLAIN_BYTES[] = "PLAIN BYTE_ARRAY";
static const char DELTA[] = "DELTA_BINARY_PACKED";
static const char DLBA[] = "DELTA_LENGTH_BYTE_ARRAY";
static const char DBA[] = "DELTA_BYTE_ARRAY";
static const char BSS[] = "BYTE_STREAM_SPLIT";

static ko_status bad(ko_err *err, const char *enc, size_t pos, const char *fmt, ...)
    KO_PRINTF(4, 5);

/* KO_ERR_CORRUPT with "<encoding>: <what> at byte <pos>". */
static ko_status bad(ko_err *err, const char *enc, size_t pos, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ko_err_set(err, KO_ERR_CORRUPT, "%s: %s at byte %zu", enc, msg, pos);
    return KO_ERR_CORRUPT;
}

static ko_status nomem(ko_err *err, const char *enc)
{
    ko_err_set(err, KO_ERR_NOMEM, "%s: out of memory", enc);
    return KO_ERR_NOMEM;
}

int ko_pq_bit_width(uint64_t max)
{
    return max ? 64 - __builtin_clzll(max) : 0;
}

/* ------------------------------------------------------- little helpers */

KO_AI uint64_t ld64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

KO_AI void st64(uint8_t *p, uint64_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    memcpy(p, &v, 8);
}

static uint32_t ld32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static size_t min_sz(size_t a, size_t b)
{
    return a < b ? a : b;
}

/* ULEB128 at in[*pos]; false if truncated or longer than 64 bits. */
static bool uleb(const uint8_t *in, size_t len, size_t *pos, uint64_t *out)
{
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (*pos >= len)
            return false;
        uint8_t b = in[(*pos)++];
        if (shift == 63 && b > 1)
            return false;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return true;
        }
    }
    return false;
}

static uint64_t unzigzag(uint64_t v)
{
    return (v >> 1) ^ (0 - (v & 1));
}

static uint64_t zigzag(int64_t v)
{
    return ((uint64_t)v << 1) ^ (0 - ((uint64_t)v >> 63));
}

/* Appends a ULEB128 to p; returns the new end. */
static uint8_t *put_uleb(uint8_t *p, uint64_t v)
{
    while (v >= 0x80) {
        *p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *p++ = (uint8_t)v;
    return p;
}

/* Appends the offset (int64, native order) to an offsets buffer region. */
static void put_offset(uint8_t *dst, int64_t end)
{
    memcpy(dst, &end, sizeof end);
}

/* --------------------------------------------------------- bit-unpacking */

/* The bw-bit value (LSB-first packing) starting at bit `bit` of in.  Reads
 * in[bit/8 .. bit/8 + 8]: up to 9 bytes from where the value starts. */
KO_AI uint64_t bits_at(const uint8_t *in, unsigned bit, unsigned bw)
{
    const unsigned sh = bit & 7;
    const uint8_t *p = in + (bit >> 3);
    uint64_t v = ld64(p) >> sh;
    if (sh != 0 && sh + bw > 64)
        v |= (uint64_t)p[8] << (64 - sh);
    return bw == 64 ? v : v & (((uint64_t)1 << bw) - 1);
}

/* The macros below take a type T, which cannot be parenthesised. */
/* NOLINTBEGIN(bugprone-macro-parentheses) */

/* unpack_T_W: ngroups groups of 8 values of width W; reads W * ngroups
 * bytes plus up to 9 bytes of slack. */
#define UNPACK_FN(T, W)                                                       \
    static void unpack_##T##_##W(const uint8_t *in, size_t ngroups, T *out)   \
    {                                                                         \
        for (size_t g = 0; g < ngroups; g++, in += (W), out += 8) {           \
            _Pragma("GCC unroll 8") for (unsigned i = 0; i < 8; i++) out[i] = \
                (T)bits_at(in, i * (W), (W));                                 \
        }                                                                     \
    }
#define UNPACK_ENTRY(T, W) [W] = unpack_##T##_##W,

#define WIDTHS_1_16(X, T) \
    X(T, 1)               \
    X(T, 2)               \
    X(T, 3)               \
    X(T, 4)               \
    X(T, 5)               \
    X(T, 6) X(T, 7) X(T, 8) X(T, 9) X(T, 10) X(T, 11) X(T, 12) X(T, 13) X(T, 14) X(T, 15) X(T, 16)
#define WIDTHS_17_32(X, T) \
    X(T, 17)               \
    X(T, 18)               \
    X(T, 19)               \
    X(T, 20)               \
    X(T, 21)               \
    X(T, 22)               \
    X(T, 23) X(T, 24) X(T, 25) X(T, 26) X(T, 27) X(T, 28) X(T, 29) X(T, 30) X(T, 31) X(T, 32)
#define WIDTHS_33_48(X, T) \
    X(T, 33)               \
    X(T, 34)               \
    X(T, 35)               \
    X(T, 36)               \
    X(T, 37)               \
    X(T, 38)               \
    X(T, 39) X(T, 40) X(T, 41) X(T, 42) X(T, 43) X(T, 44) X(T, 45) X(T, 46) X(T, 47) X(T, 48)
#define WIDTHS_49_64(X, T) \
    X(T, 49)               \
    X(T, 50)               \
    X(T, 51)               \
    X(T, 52)               \
    X(T, 53)               \
    X(T, 54)               \
    X(T, 55) X(T, 56) X(T, 57) X(T, 58) X(T, 59) X(T, 60) X(T, 61) X(T, 62) X(T, 63) X(T, 64)

WIDTHS_1_16(UNPACK_FN, uint16_t)
WIDTHS_1_16(UNPACK_FN, uint32_t)
WIDTHS_17_32(UNPACK_FN, uint32_t)
WIDTHS_1_16(UNPACK_FN, uint64_t)
WIDTHS_17_32(UNPACK_FN, uint64_t)
WIDTHS_33_48(UNPACK_FN, uint64_t)
WIDTHS_49_64(UNPACK_FN, uint64_t)

typedef void (*unpack_u16_fn)(const uint8_t *, size_t, uint16_t *);
typedef void (*unpack_u32_fn)(const uint8_t *, size_t, uint32_t *);
typedef void (*unpack_u64_fn)(const uint8_t *, size_t, uint64_t *);

static const unpack_u16_fn unpack_tab_uint16_t[17] = {WIDTHS_1_16(UNPACK_ENTRY, uint16_t)};
static const unpack_u32_fn unpack_tab_uint32_t[33] = {WIDTHS_1_16(UNPACK_ENTRY, uint32_t)
                                                          WIDTHS_17_32(UNPACK_ENTRY, uint32_t)};
static const unpack_u64_fn unpack_tab_uint64_t[65] = {
    WIDTHS_1_16(UNPACK_ENTRY, uint64_t) WIDTHS_17_32(UNPACK_ENTRY, uint64_t)
        WIDTHS_33_48(UNPACK_ENTRY, uint64_t) WIDTHS_49_64(UNPACK_ENTRY, uint64_t)};

/* undelta_T_W: the same groups read as DELTA_BINARY_PACKED deltas and
 * added up on the fly (out[i] = last += delta + min), so the deltas never
 * go through memory; returns the last value. */
#define UNDELTA_FN(T, W)                                                                 \
    static T undelta_##T##_##W(const uint8_t *in, size_t ngroups, T *out, T last, T min) \
    {                                                                                    \
        for (size_t g = 0; g < ngroups; g++, in += (W), out += 8) {                      \
            _Pragma("GCC unroll 8") for (unsigned i = 0; i < 8; i++) out[i] = last +=    \
                (T)bits_at(in, i * (W), (W)) + min;                                      \
        }                                                                                \
        return last;                                                                     \
    }
#define UNDELTA_ENTRY(T, W) [W] = undelta_##T##_##W,

WIDTHS_1_16(UNDELTA_FN, uint32_t)
WIDTHS_17_32(UNDELTA_FN, uint32_t)
WIDTHS_1_16(UNDELTA_FN, uint64_t)
WIDTHS_17_32(UNDELTA_FN, uint64_t)
WIDTHS_33_48(UNDELTA_FN, uint64_t)
WIDTHS_49_64(UNDELTA_FN, uint64_t)

typedef uint32_t (*undelta_u32_fn)(const uint8_t *, size_t, uint32_t *, uint32_t, uint32_t);
typedef uint64_t (*undelta_u64_fn)(const uint8_t *, size_t, uint64_t *, uint64_t, uint64_t);

static const undelta_u32_fn undelta_tab_uint32_t[33] = {WIDTHS_1_16(UNDELTA_ENTRY, uint32_t)
                                                            WIDTHS_17_32(UNDELTA_ENTRY, uint32_t)};
static const undelta_u64_fn undelta_tab_uint64_t[65] = {
    WIDTHS_1_16(UNDELTA_ENTRY, uint64_t) WIDTHS_17_32(UNDELTA_ENTRY, uint64_t)
        WIDTHS_33_48(UNDELTA_ENTRY, uint64_t) WIDTHS_49_64(UNDELTA_ENTRY, uint64_t)};

/*
 * unpack_run_T(p, avail, bw, out, m): m > 0 values of width bw (>= 1) from
 * p, which holds avail >= ceil(m * bw / 8) bytes.  Groups with SLACK bytes
 * after them are unpacked in place; the rest from a zero-padded copy.
 *
 * unpack_at_T: the same, starting at value index `start` of a sequence of
 * whole groups (as in a delta miniblock, which is always complete).
 */
#define UNPACK_RUN_FN(T)                                                                      \
    static void unpack_run_##T(const uint8_t *p, size_t avail, unsigned bw, T *out, size_t m) \
    {                                                                                         \
        size_t full = m / 8;                                                                  \
        size_t fast = avail >= SLACK ? (avail - SLACK) / bw : 0;                              \
        fast = min_sz(fast, full);                                                            \
        unpack_tab_##T[bw](p, fast, out);                                                     \
        for (size_t g = fast; g * 8 < m; g++) {                                               \
            uint8_t tmp[64 + SLACK] = {0};                                                    \
            T vals[8];                                                                        \
            size_t off = g * bw;                                                              \
            memcpy(tmp, p + off, min_sz(bw, avail - off));                                    \
            unpack_tab_##T[bw](tmp, 1, vals);                                                 \
            memcpy(out + g * 8, vals, min_sz(8, m - g * 8) * sizeof(T));                      \
        }                                                                                     \
    }

#define UNPACK_AT_FN(T)                                                                          \
    static void unpack_at_##T(const uint8_t *p, size_t avail, unsigned bw, size_t start, T *out, \
                              size_t m)                                                          \
    {                                                                                            \
        size_t head = start & 7;                                                                 \
        p += (start >> 3) * bw;                                                                  \
        avail -= (start >> 3) * bw;                                                              \
        if (head) {                                                                              \
            T vals[8];                                                                           \
            unpack_run_##T(p, avail, bw, vals, 8);                                               \
            size_t c = min_sz(8 - head, m);                                                      \
            memcpy(out, vals + head, c * sizeof(T));                                             \
            out += c;                                                                            \
            m -= c;                                                                              \
            p += bw;                                                                             \
            avail -= bw;                                                                         \
        }                                                                                        \
        if (m)                                                                                   \
            unpack_run_##T(p, avail, bw, out, m);                                                \
    }

UNPACK_RUN_FN(uint16_t)
UNPACK_RUN_FN(uint32_t)
UNPACK_RUN_FN(uint64_t)
UNPACK_AT_FN(uint32_t)
UNPACK_AT_FN(uint64_t)

/* NOLINTEND(bugprone-macro-parentheses) */

/* ------------------------------------------------------------ bit-packing */

/* LSB-first bit writer for widths up to 64; p must have room. */
typedef struct bitw {
    uint8_t *p;
    uint64_t acc;
    unsigned nbits; /* < 64 */
} bitw;

KO_AI void bitw_put(bitw *w, uint64_t v, unsigned bw)
{
    w->acc |= v << w->nbits;
    unsigned total = w->nbits + bw;
    if (total < 64) {
        w->nbits = total;
        return;
    }
    st64(w->p, w->acc);
    w->p += 8;
    w->acc = w->nbits ? v >> (64 - w->nbits) : 0;
    w->nbits = total - 64;
}

static uint8_t *bitw_flush(bitw *w)
{
    for (unsigned b = 0; b < w->nbits; b += 8) {
        *w->p++ = (uint8_t)w->acc;
        w->acc >>= 8;
    }
    w->nbits = 0;
    w->acc = 0;
    return w->p;
}

/* ================================================ RLE / bit-packed hybrid */

typedef struct rle_run {
    bool packed;
    size_t count;        /* values taken from this run (<= what was wanted) */
    uint32_t value;      /* repeated runs */
    const uint8_t *data; /* bit-packed runs: the packed bytes ... */
    size_t avail;        /* ... and how many of them the input holds */
} rle_run;

static ko_status rle_packed(const uint8_t *in, size_t len, size_t *pos, unsigned bw,
                            uint64_t groups, size_t want, rle_run *r, ko_err *err)
{
    size_t avail = len - *pos;
    size_t take = groups > want / 8 ? want : (size_t)groups * 8;
    size_t need = (take * bw + 7) / 8;
    if (need > avail)
        return bad(err, RLE, *pos,
                   "bit-packed run of %zu values at width %u needs %zu bytes, %zu remain", take, bw,
                   need, avail);
    r->packed = true;
    r->count = take;
    r->data = in + *pos;
    r->avail = avail;
    /* The run's padding past the last wanted value may be cut short by the
     * end of the input; tolerate that, as other readers do. */
    *pos += bw && groups <= avail / bw ? (size_t)groups * bw : avail;
    return KO_OK;
}

static ko_status rle_repeat(const uint8_t *in, size_t len, size_t *pos, unsigned bw, uint64_t count,
                            size_t want, rle_run *r, ko_err *err)
{
    size_t nbytes = (bw + 7) / 8;
    if (nbytes > len - *pos)
        return bad(err, RLE, *pos, "repeated value needs %zu bytes, %zu remain", nbytes,
                   len - *pos);
    uint32_t v = 0;
    for (size_t i = 0; i < nbytes; i++)
        v |= (uint32_t)in[*pos + i] << (8 * i);
    if (bw < 32 && (v >> bw) != 0)
        return bad(err, RLE, *pos, "repeated value %u does not fit in %u bits", v, bw);
    *pos += nbytes;
    r->packed = false;
    r->value = v;
    r->count = count < want ? (size_t)count : want;
    return KO_OK;
}

/* Parses the run at *pos, taking at most `want` values from it. */
static ko_status rle_next(const uint8_t *in, size_t len, size_t *pos, unsigned bw, size_t want,
                          rle_run *r, ko_err *err)
{
    size_t at = *pos;
    uint64_t h;
    if (!uleb(in, len, pos, &h))
        return bad(err, RLE, at, "truncated or overlong run header");
    if ((h >> 1) == 0)
        return bad(err, RLE, at, "empty run");
    if (h & 1)
        return rle_packed(in, len, pos, bw, h >> 1, want, r, err);
    return rle_repeat(in, len, pos, bw, h >> 1, want, r, err);
}

static ko_status rle_check(int bw, int max_bw, size_t n, ko_err *err)
{
    if (bw < 0 || bw > max_bw)
        return bad(err, RLE, 0, "bit width %d is outside 0..%d", bw, max_bw);
    if (n > SIZE_MAX / 64)
        return bad(err, RLE, 0, "value count %zu is impossible", n);
    return KO_OK;
}

ko_status ko_pq_rle_decode_u32(const uint8_t *in, size_t len, int bw, uint32_t *out, size_t n,
                               size_t *used, ko_err *err)
{
    ko_status st = rle_check(bw, 32, n, err);
    if (st != KO_OK)
        return st;
    size_t pos = 0, done = 0;
    if (bw == 0 && n)
        memset(out, 0, n * sizeof *out);
    while (bw != 0 && done < n) {
        rle_run r = {0};
        if ((st = rle_next(in, len, &pos, (unsigned)bw, n - done, &r, err)) != KO_OK)
            return st;
        if (r.packed) {
            unpack_run_uint32_t(r.data, r.avail, (unsigned)bw, out + done, r.count);
        } else {
            uint32_t *o = out + done, v = r.value;
            for (size_t i = 0; i < r.count; i++)
                o[i] = v;
        }
        done += r.count;
    }
    if (used)
        *used = pos;
    return KO_OK;
}

ko_status ko_pq_rle_decode_i16(const uint8_t *in, size_t len, int bw, int16_t *out, size_t n,
                               size_t *used, ko_err *err)
{
    ko_status st = rle_check(bw, 16, n, err);
    if (st != KO_OK)
        return st;
    size_t pos = 0, done = 0;
    uint16_t *o16 = (uint16_t *)out;
    if (bw == 0 && n)
        memset(out, 0, n * sizeof *out);
    while (bw != 0 && done < n) {
        rle_run r = {0};
        if ((st = rle_next(in, len, &pos, (unsigned)bw, n - done, &r, err)) != KO_OK)
            return st;
        if (r.packed) {
            unpack_run_uint16_t(r.data, r.avail, (unsigned)bw, o16 + done, r.count);
        } else {
            uint16_t *o = o16 + done, v = (uint16_t)r.value;
            for (size_t i = 0; i < r.count; i++)
                o[i] = v;
        }
        done += r.count;
    }
    if (used)
        *used = pos;
    return KO_OK;
}

/* ---------------------------------------------------- hybrid encoding */

/* Values come from one of two arrays.  The encoder's functions are inlined
 * into the two entry points, so each gets a copy specialised for its array
 * type (the writer calls them for every page: levels and dictionary
 * indices). */
typedef struct rle_src {
    bool wide; /* u32, else i16 */
    const uint32_t *u32;
    const int16_t *i16;
} rle_src;

KO_AI uint32_t src_get(const rle_src *s, size_t i)
{
    return s->wide ? s->u32[i] : (uint32_t)(uint16_t)s->i16[i];
}

enum { RLE_MAX_RUN = 0x7fffffff, RLE_MAX_GROUPS = RLE_MAX_RUN / 8 };

/* Appends values [from, to) as bit-packed runs, the last group zero-padded. */
KO_AI ko_status rle_put_packed(const rle_src *s, size_t from, size_t to, unsigned bw, ko_buf *out)
{
    while (from < to) {
        size_t groups = min_sz((to - from + 7) / 8, RLE_MAX_GROUPS);
        size_t end = min_sz(to, from + groups * 8);
        if (ko_buf_reserve(out, 10 + groups * bw + 8) != KO_OK)
            return KO_ERR_NOMEM;
        bitw w = {put_uleb(out->data + out->len, (uint64_t)groups << 1 | 1), 0, 0};
        for (size_t i = from; i < end; i++)
            bitw_put(&w, src_get(s, i), bw);
        for (size_t i = end; i < from + groups * 8; i++)
            bitw_put(&w, 0, bw);
        out->len = (size_t)(bitw_flush(&w) - out->data);
        from = end;
    }
    return KO_OK;
}

static ko_status rle_put_repeat(uint32_t v, size_t count, unsigned bw, ko_buf *out)
{
    while (count > 0) {
        size_t c = min_sz(count, RLE_MAX_RUN);
        if (ko_buf_reserve(out, 16) != KO_OK)
            return KO_ERR_NOMEM;
        uint8_t *p = put_uleb(out->data + out->len, (uint64_t)c << 1);
        for (unsigned b = 0; b < bw; b += 8)
            *p++ = (uint8_t)(v >> b);
        out->len = (size_t)(p - out->data);
        count -= c;
    }
    return KO_OK;
}

/* The first k >= i at which 8 equal values start (k .. k+7), or n.  Blocks
 * of 64 neighbour comparisons are made without branches into a mask whose
 * bit t says value i+t equals the next; 7 set bits in a row mark a run of
 * 8, so a block with none is passed over whole.  Only starts t < 57 have
 * all their bits in the block: the next block begins there. */
KO_AI size_t next_long_run(const rle_src *s, size_t i, size_t n)
{
    enum { BLOCK = 64, STARTS = BLOCK - 6 - 1 };
    for (; i + BLOCK < n; i += STARTS) {
        uint64_t m = 0;
        for (unsigned t = 0; t < BLOCK; t++)
            m |= (uint64_t)(src_get(s, i + t) == src_get(s, i + t + 1)) << t;
        m &= m >> 1; /* bits t, t+1 */
        m &= m >> 2; /* bits t .. t+3 */
        m &= m >> 3; /* bits t .. t+6 */
        m &= ((uint64_t)1 << STARTS) - 1;
        if (m)
            return i + (size_t)__builtin_ctzll(m);
    }
    for (; i + 8 <= n; i++) {
        size_t k = 1;
        while (k < 8 && src_get(s, i + k) == src_get(s, i))
            k++;
        if (k == 8)
            return i;
    }
    return n;
}

/* The end of the run of v that continues at j: 8 bytes compared at once. */
KO_AI size_t run_end(const rle_src *s, size_t j, size_t n, uint32_t v)
{
    uint64_t x;
    if (s->wide) {
        uint64_t pat = (uint64_t)v * 0x0000000100000001ull;
        while (j + 2 <= n && (memcpy(&x, s->u32 + j, 8), x == pat))
            j += 2;
    } else {
        uint64_t pat = (uint64_t)(uint16_t)v * 0x0001000100010001ull;
        while (j + 4 <= n && (memcpy(&x, s->i16 + j, 8), x == pat))
            j += 4;
    }
    while (j < n && src_get(s, j) == v)
        j++;
    return j;
}

/* Runs of >= 8 equal values become repeated runs, once the literals before
 * them fill whole groups (values are borrowed from the run to pad them).
 * Shorter runs stay in the literals, so only long runs are looked for. */
KO_AI ko_status rle_encode(const rle_src *s, size_t n, unsigned bw, ko_buf *out)
{
    size_t lit = 0, i = 0;
    while ((i = next_long_run(s, i, n)) < n) {
        uint32_t v = src_get(s, i);
        size_t j = run_end(s, i + 8, n, v);
        size_t pad = (8 - (i - lit) % 8) % 8;
        if (j - i >= pad + 8) {
            if (rle_put_packed(s, lit, i + pad, bw, out) != KO_OK ||
                rle_put_repeat(v, j - i - pad, bw, out) != KO_OK)
                return KO_ERR_NOMEM;
            lit = j;
        }
        i = j;
    }
    return rle_put_packed(s, lit, n, bw, out);
}

KO_AI ko_status rle_encode_checked(const rle_src *s, size_t n, int bw, ko_buf *out)
{
    if (bw < 0 || bw > 32)
        return KO_ERR_INVALID;
    uint32_t any = 0;
    for (size_t i = 0; i < n; i++)
        any |= src_get(s, i);
    if (bw < 32 && (any >> bw) != 0)
        return KO_ERR_INVALID;
    size_t old = out->len;
    ko_status st = rle_encode(s, n, (unsigned)bw, out);
    if (st != KO_OK)
        out->len = old;
    if (out->cap)
        out->data[out->len] = '\0';
    return st;
}

ko_status ko_pq_rle_encode_u32(const uint32_t *in, size_t n, int bw, ko_buf *out)
{
    rle_src s = {true, in, NULL};
    return rle_encode_checked(&s, n, bw, out);
}

ko_status ko_pq_rle_encode_i16(const int16_t *in, size_t n, int bw, ko_buf *out)
{
    uint16_t bits = 0; /* a loop without exits, which the compiler vectorises */
    for (size_t i = 0; i < n; i++)
        bits |= (uint16_t)in[i];
    if (bits & 0x8000)
        return KO_ERR_INVALID;
    rle_src s = {false, NULL, in};
    return rle_encode_checked(&s, n, bw > 16 ? -1 : bw, out);
}

/* ------------------------------------------------- legacy BIT_PACKED */

ko_status ko_pq_bitpacked_decode_i16(const uint8_t *in, size_t len, int bw, int16_t *out, size_t n,
                                     size_t *used, ko_err *err)
{
    if (bw < 0 || bw > 16)
        return bad(err, BITPACKED, 0, "bit width %d is outside 0..16", bw);
    if (n > SIZE_MAX / 16)
        return bad(err, BITPACKED, 0, "value count %zu is impossible", n);
    if (bw == 0 || n == 0) {
        if (n)
            memset(out, 0, n * sizeof *out);
        if (used)
            *used = 0;
        return KO_OK;
    }
    size_t bytes = (n * (size_t)bw + 7) / 8;
    if (bytes > len)
        return bad(err, BITPACKED, len, "%zu values at width %d need %zu bytes, %zu given", n, bw,
                   bytes, len);
    const uint32_t mask = ((uint32_t)1 << bw) - 1;
    for (size_t i = 0; i < n; i++) {
        size_t bit = i * (size_t)bw, b = bit >> 3;
        uint32_t win = (uint32_t)in[b] << 16; /* b < bytes */
        if (b + 1 < bytes)
            win |= (uint32_t)in[b + 1] << 8;
        if (b + 2 < bytes)
            win |= in[b + 2];
        out[i] = (int16_t)(uint16_t)((win >> (24 - (bit & 7) - (unsigned)bw)) & mask);
    }
    if (used)
        *used = bytes;
    return KO_OK;
}

/* ================================================================ PLAIN */

ko_status ko_pq_plain_decode_bool(const uint8_t *in, size_t len, uint8_t *out, size_t n,
                                  size_t *used, ko_err *err)
{
    size_t bytes = n / 8 + (n % 8 != 0);
    if (bytes > len)
        return bad(err, PLAIN_BOOL, len, "%zu values need %zu bytes, %zu given", n, bytes, len);
    size_t full = n / 8;
    for (size_t i = 0; i < full; i++) {
        /* spread bit k of the byte to byte k: replicate, isolate, normalise */
        uint64_t x = (in[i] * 0x0101010101010101ull) & 0x8040201008040201ull;
        x = ((x + 0x7f7f7f7f7f7f7f7full) >> 7) & 0x0101010101010101ull;
        st64(out + 8 * i, x);
    }
    for (size_t i = full * 8; i < n; i++)
        out[i] = (in[i >> 3] >> (i & 7)) & 1;
    if (used)
        *used = bytes;
    return KO_OK;
}

ko_status ko_pq_plain_encode_bool(const uint8_t *in, size_t n, ko_buf *out)
{
    size_t bytes = n / 8 + (n % 8 != 0);
    if (ko_buf_reserve(out, bytes) != KO_OK)
        return KO_ERR_NOMEM;
    uint8_t *p = out->data + out->len;
    memset(p, 0, bytes);
    for (size_t i = 0; i < n; i++)
        p[i >> 3] |= (uint8_t)((in[i] != 0) << (i & 7));
    out->len += bytes;
    out->data[out->len] = '\0';
    return KO_OK;
}

/* Reserves room for k offsets and `bytes` data bytes. */
static ko_status reserve_out(ko_buf *offsets, size_t k, ko_buf *data, size_t bytes, const char *enc,
                             ko_err *err)
{
    if (k > SIZE_MAX / 8 || ko_buf_reserve(offsets, k * 8) != KO_OK ||
        ko_buf_reserve(data, bytes) != KO_OK)
        return nomem(err, enc);
    return KO_OK;
}

enum { PLAIN_COPY = 32 };

ko_status ko_pq_plain_decode_bytes(const uint8_t *in, size_t len, size_t n, ko_buf *offsets,
                                   ko_buf *data, size_t *used, ko_err *err)
{
    if (n > len / 4)
        return bad(err, PLAIN_BYTES, 0, "%zu values cannot fit in %zu bytes", n, len);
    /* PLAIN_COPY bytes of slack: short values are copied with one fixed-size
     * move where the input has that many bytes left */
    ko_status st = reserve_out(offsets, n, data, len - 4 * n + PLAIN_COPY, PLAIN_BYTES, err);
    if (st != KO_OK)
        return st;
    uint8_t *offp = offsets->data + offsets->len;
    uint8_t *dst = data->data + data->len;
    size_t pos = 0, end = data->len;
    for (size_t i = 0; i < n; i++) {
        if (len - pos < 4)
            return bad(err, PLAIN_BYTES, pos, "value %zu: truncated length", i);
        size_t l = ld32(in + pos);
        pos += 4;
        /* the later values need their 4-byte lengths too: this keeps the
         * copies within the len - 4n bytes reserved above */
        size_t room = len - pos - 4 * (n - 1 - i);
        if (l > room)
            return bad(err, PLAIN_BYTES, pos - 4,
                       "value %zu: length %zu exceeds the %zu bytes left for it", i, l, room);
        if (l <= PLAIN_COPY && len - pos >= PLAIN_COPY)
            memcpy(dst, in + pos, PLAIN_COPY);
        else
            memcpy(dst, in + pos, l);
        dst += l;
        pos += l;
        end += l;
        put_offset(offp + 8 * i, (int64_t)end);
    }
    offsets->len += n * 8;
    data->len = end;
    data->data[end] = '\0';
    if (used)
        *used = pos;
    return KO_OK;
}

/* ================================================== DELTA_BINARY_PACKED */

/* A resumable reader of one DELTA_BINARY_PACKED stream. */
typedef struct delta_dec {
    const uint8_t *in; /* the stream, from its header */
    size_t len, pos;
    size_t base;     /* offset of `in` in the caller's input, for messages */
    const char *enc; /* encoding named in messages */
    unsigned max_bw; /* 32 or 64 */
    uint64_t block, mb, vpm;
    uint64_t total, left; /* header's value count; values not yet produced */
    uint64_t first, last, min;
    bool first_done;
    const uint8_t *widths;     /* current block's miniblock bit widths */
    uint64_t mb_idx;           /* next miniblock of the current block */
    const uint8_t *mbp;        /* current miniblock ... */
    size_t mb_avail;           /* input bytes from mbp on: the unpackers may use
                                * those past the miniblock as slack */
    uint64_t mb_have, mb_done; /* values it yields; values already taken */
    unsigned bw;
} delta_dec;

static ko_status delta_bad_varint(delta_dec *d, size_t at, const char *what, ko_err *err)
{
    return bad(err, d->enc, d->base + at, "truncated or overlong %s", what);
}

static ko_status delta_check_shape(delta_dec *d, ko_err *err)
{
    if (d->block == 0 || d->block % 128 != 0 || d->block > ((uint64_t)1 << 31))
        return bad(err, d->enc, d->base, "block size %llu is not a multiple of 128 in 128..2^31",
                   (unsigned long long)d->block);
    if (d->mb == 0 || d->block % d->mb != 0 || (d->block / d->mb) % 32 != 0)
        return bad(err, d->enc, d->base,
                   "%llu miniblocks do not split a block of %llu into multiples of 32",
                   (unsigned long long)d->mb, (unsigned long long)d->block);
    d->vpm = d->block / d->mb;
    return KO_OK;
}

static ko_status delta_init(delta_dec *d, const uint8_t *in, size_t len, size_t base,
                            const char *enc, unsigned max_bw, ko_err *err)
{
    memset(d, 0, sizeof *d);
    d->in = in;
    d->len = len;
    d->base = base;
    d->enc = enc;
    d->max_bw = max_bw;
    uint64_t *fields[] = {&d->block, &d->mb, &d->total, &d->first};
    static const char *const names[] = {"block size", "miniblock count", "value count",
                                        "first value"};
    for (size_t i = 0; i < 4; i++) {
        size_t at = d->pos;
        if (!uleb(in, len, &d->pos, fields[i]))
            return delta_bad_varint(d, at, names[i], err);
    }
    d->first = unzigzag(d->first);
    d->last = d->first;
    d->left = d->total;
    d->mb_idx = UINT64_MAX; /* no block read yet */
    return delta_check_shape(d, err);
}

static ko_status delta_block_header(delta_dec *d, ko_err *err)
{
    size_t at = d->pos;
    uint64_t z;
    if (!uleb(d->in, d->len, &d->pos, &z))
        return delta_bad_varint(d, at, "block min delta", err);
    d->min = unzigzag(z);
    if (d->mb > d->len - d->pos)
        return bad(err, d->enc, d->base + d->pos, "%llu miniblock bit widths, %zu bytes remain",
                   (unsigned long long)d->mb, d->len - d->pos);
    d->widths = d->in + d->pos;
    d->pos += (size_t)d->mb;
    d->mb_idx = 0;
    return KO_OK;
}

/* Moves to the next miniblock, reading a block header when one is due. */
static ko_status delta_next_miniblock(delta_dec *d, ko_err *err)
{
    if (d->mb_idx >= d->mb) {
        ko_status st = delta_block_header(d, err);
        if (st != KO_OK)
            return st;
    }
    unsigned bw = d->widths[d->mb_idx];
    if (bw > d->max_bw)
        return bad(err, d->enc, d->base + (size_t)(d->widths + d->mb_idx - d->in),
                   "miniblock bit width %u exceeds %u", bw, d->max_bw);
    d->mb_idx++;
    uint64_t bytes = d->vpm * bw / 8;
    if (bytes > d->len - d->pos)
        return bad(err, d->enc, d->base + d->pos, "miniblock needs %llu bytes, %zu remain",
                   (unsigned long long)bytes, d->len - d->pos);
    d->bw = bw;
    d->mbp = d->in + d->pos;
    d->mb_avail = d->len - d->pos;
    d->pos += (size_t)bytes;
    d->mb_have = d->vpm < d->left ? d->vpm : d->left;
    d->mb_done = 0;
    return KO_OK;
}

/* Produces the first value if still due; returns how many (0 or 1). */
static size_t delta_first(delta_dec *d, uint64_t *v)
{
    if (d->first_done || d->left == 0)
        return 0;
    d->first_done = true;
    d->left--;
    *v = d->first;
    return 1;
}

/*
 * delta_emit_T: the next k deltas of the current miniblock, added up into
 * values.  Whole groups with slack after them go through the fused
 * unpack-and-add routines; the rest is unpacked first, then added.
 */
/* NOLINTBEGIN(bugprone-macro-parentheses) */
#define DELTA_EMIT_FN(T)                                                         \
    static void delta_emit_##T(delta_dec *d, T *out, size_t k)                   \
    {                                                                            \
        T last = (T)d->last, min = (T)d->min;                                    \
        size_t start = (size_t)d->mb_done, bw = d->bw;                           \
        if (bw && start % 8 == 0) {                                              \
            size_t off = start / 8 * bw, avail = d->mb_avail - off;              \
            size_t g = min_sz(k / 8, avail >= SLACK ? (avail - SLACK) / bw : 0); \
            last = undelta_tab_##T[bw](d->mbp + off, g, out, last, min);         \
            out += 8 * g;                                                        \
            k -= 8 * g;                                                          \
            start += 8 * g;                                                      \
        }                                                                        \
        if (bw && k)                                                             \
            unpack_at_##T(d->mbp, d->mb_avail, (unsigned)bw, start, out, k);     \
        for (size_t i = 0; i < k; i++)                                           \
            out[i] = last += (bw ? out[i] : 0) + min;                            \
        d->last = last;                                                          \
    }

DELTA_EMIT_FN(uint32_t)
DELTA_EMIT_FN(uint64_t)
/* NOLINTEND(bugprone-macro-parentheses) */

/* Decodes the next k values (k <= d->left) as 64-bit (wide) or 32-bit. */
static ko_status delta_read(delta_dec *d, void *out, size_t k, bool wide, ko_err *err)
{
    uint64_t first;
    size_t i = k ? delta_first(d, &first) : 0;
    if (i && wide)
        ((uint64_t *)out)[0] = first;
    else if (i)
        ((uint32_t *)out)[0] = (uint32_t)first;
    while (i < k) {
        if (d->mb_done == d->mb_have) {
            ko_status st = delta_next_miniblock(d, err);
            if (st != KO_OK)
                return st;
        }
        size_t take = min_sz(k - i, (size_t)(d->mb_have - d->mb_done));
        if (wide)
            delta_emit_uint64_t(d, (uint64_t *)out + i, take);
        else
            delta_emit_uint32_t(d, (uint32_t *)out + i, take);
        d->mb_done += take;
        d->left -= take;
        i += take;
    }
    return KO_OK;
}

/* Walks (without decoding) to the end of the stream: d->pos is then the
 * end of the last miniblock holding one of the header's values. */
static ko_status delta_skip(delta_dec *d, ko_err *err)
{
    uint64_t dummy;
    delta_first(d, &dummy);
    while (d->left > 0) {
        if (d->mb_done == d->mb_have) {
            ko_status st = delta_next_miniblock(d, err);
            if (st != KO_OK)
                return st;
        }
        d->left -= d->mb_have - d->mb_done;
        d->mb_done = d->mb_have;
    }
    return KO_OK;
}

static ko_status delta_decode(const uint8_t *in, size_t len, void *out, size_t n, bool wide,
                              size_t *used, ko_err *err)
{
    delta_dec d;
    ko_status st = delta_init(&d, in, len, 0, DELTA, wide ? 64 : 32, err);
    if (st != KO_OK)
        return st;
    if (n > d.total)
        return bad(err, DELTA, 0, "%zu values wanted, the header holds %llu", n,
                   (unsigned long long)d.total);
    if ((st = delta_read(&d, out, n, wide, err)) != KO_OK || (st = delta_skip(&d, err)) != KO_OK)
        return st;
    if (used)
        *used = d.pos;
    return KO_OK;
}

ko_status ko_pq_delta_decode_i32(const uint8_t *in, size_t len, int32_t *out, size_t n,
                                 size_t *used, ko_err *err)
{
    return delta_decode(in, len, out, n, false, used, err);
}

ko_status ko_pq_delta_decode_i64(const uint8_t *in, size_t len, int64_t *out, size_t n,
                                 size_t *used, ko_err *err)
{
    return delta_decode(in, len, out, n, true, used, err);
}

/* ------------------------------------------------------ delta encoding */

enum { DBLOCK = 128, DMINI = 4, DVPM = DBLOCK / DMINI };

/* Writes one block of cnt (1..128) deltas, the smallest of which is min. */
static uint8_t *delta_put_block(uint8_t *p, const int64_t *d, size_t cnt, int64_t min)
{
    uint64_t adj[DBLOCK] = {0};
    for (size_t i = 0; i < cnt; i++)
        adj[i] = (uint64_t)d[i] - (uint64_t)min;
    p = put_uleb(p, zigzag(min));
    size_t used_mb = (cnt + DVPM - 1) / DVPM;
    unsigned widths[DMINI] = {0};
    for (size_t m = 0; m < used_mb; m++) {
        uint64_t any = 0;
        for (size_t i = m * DVPM; i < (m + 1) * DVPM; i++)
            any |= adj[i];
        widths[m] = (unsigned)ko_pq_bit_width(any);
    }
    for (size_t m = 0; m < DMINI; m++)
        *p++ = (uint8_t)widths[m];
    for (size_t m = 0; m < used_mb; m++) {
        bitw w = {p, 0, 0};
        for (size_t i = m * DVPM; i < (m + 1) * DVPM; i++)
            bitw_put(&w, adj[i], widths[m]);
        p = bitw_flush(&w);
    }
    return p;
}

/* in32 or in64 holds the values; int32 deltas wrap modulo 2^32. */
static ko_status delta_encode(const int32_t *in32, const int64_t *in64, size_t n, ko_buf *out)
{
    /* worst case per block: varint + widths + 128 values of 64 bits */
    size_t blocks = n / DBLOCK + 1;
    if (blocks > (SIZE_MAX - 64) / (16 + DMINI + DBLOCK * 8))
        return KO_ERR_NOMEM;
    if (ko_buf_reserve(out, 64 + blocks * (16 + DMINI + DBLOCK * 8)) != KO_OK)
        return KO_ERR_NOMEM;
    int64_t prev = n ? (in32 ? in32[0] : in64[0]) : 0;
    uint8_t *p = out->data + out->len;
    p = put_uleb(p, DBLOCK);
    p = put_uleb(p, DMINI);
    p = put_uleb(p, n);
    p = put_uleb(p, zigzag(prev));
    for (size_t start = 1; start < n; start += DBLOCK) {
        int64_t d[DBLOCK], min = INT64_MAX;
        size_t cnt = min_sz(DBLOCK, n - start);
        for (size_t i = 0; i < cnt; i++) {
            int64_t cur = in32 ? in32[start + i] : in64[start + i];
            d[i] = in32 ? (int64_t)(int32_t)((uint32_t)cur - (uint32_t)prev)
                        : (int64_t)((uint64_t)cur - (uint64_t)prev);
            min = d[i] < min ? d[i] : min;
            prev = cur;
        }
        p = delta_put_block(p, d, cnt, min);
    }
    out->len = (size_t)(p - out->data);
    out->data[out->len] = '\0';
    return KO_OK;
}

ko_status ko_pq_delta_encode_i32(const int32_t *in, size_t n, ko_buf *out)
{
    return delta_encode(in, NULL, n, out);
}

ko_status ko_pq_delta_encode_i64(const int64_t *in, size_t n, ko_buf *out)
{
    return delta_encode(NULL, in, n, out);
}

/* ============================== DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY */

/* Byte-array output in progress: where the value bytes come from. */
typedef struct bytes_src {
    const uint8_t *p; /* concatenated value bytes */
    size_t len, off;  /* their length; bytes used so far */
    size_t base;      /* offset of p in the caller's input, for messages */
    const char *enc;
} bytes_src;

/* Checks a chunk of k lengths; returns their sum in *total. */
static ko_status check_lengths(const uint32_t *lens, size_t k, size_t done, const bytes_src *s,
                               uint64_t *total, ko_err *err)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < k; i++) {
        if (lens[i] > INT32_MAX)
            return bad(err, s->enc, s->base, "value %zu has negative length %d", done + i,
                       (int32_t)lens[i]);
        sum += lens[i];
    }
    if (sum > s->len - s->off)
        return bad(err, s->enc, s->base + s->off, "values %zu..%zu need %llu bytes, %zu remain",
                   done, done + k - 1, (unsigned long long)sum, s->len - s->off);
    *total = sum;
    return KO_OK;
}

static ko_status dlba_values(delta_dec *lens_dec, bytes_src *s, size_t n, ko_buf *offsets,
                             ko_buf *data, ko_err *err)
{
    uint32_t lens[CHUNK];
    for (size_t done = 0; done < n;) {
        size_t k = min_sz(CHUNK, n - done);
        uint64_t total = 0;
        ko_status st = delta_read(lens_dec, lens, k, false, err);
        if (st == KO_OK)
            st = check_lengths(lens, k, done, s, &total, err);
        if (st == KO_OK)
            st = reserve_out(offsets, k, data, (size_t)total, s->enc, err);
        if (st != KO_OK)
            return st;
        uint8_t *offp = offsets->data + offsets->len;
        size_t end = data->len;
        for (size_t i = 0; i < k; i++)
            put_offset(offp + 8 * i, (int64_t)(end += lens[i]));
        memcpy(data->data + data->len, s->p + s->off, (size_t)total);
        s->off += (size_t)total;
        offsets->len += 8 * k;
        data->len = end;
        data->data[end] = '\0';
        done += k;
    }
    return KO_OK;
}

/* Opens the lengths stream at in[at..len) and finds where it ends. */
static ko_status open_lengths(const uint8_t *in, size_t len, size_t at, size_t n, const char *enc,
                              delta_dec *d, size_t *end, ko_err *err)
{
    ko_status st = delta_init(d, in + at, len - at, at, enc, 32, err);
    if (st != KO_OK)
        return st;
    if (n > d->total)
        return bad(err, enc, at, "%zu values wanted, the header holds %llu", n,
                   (unsigned long long)d->total);
    delta_dec scan = *d;
    if ((st = delta_skip(&scan, err)) != KO_OK)
        return st;
    *end = at + scan.pos;
    return KO_OK;
}

static ko_status restore(ko_status st, ko_buf *offsets, size_t olen, ko_buf *data, size_t dlen)
{
    if (st != KO_OK) {
        offsets->len = olen;
        data->len = dlen;
        if (data->cap)
            data->data[dlen] = '\0';
    }
    return st;
}

ko_status ko_pq_delta_length_decode(const uint8_t *in, size_t len, size_t n, ko_buf *offsets,
                                    ko_buf *data, ko_err *err)
{
    delta_dec d;
    size_t at = 0;
    ko_status st = open_lengths(in, len, 0, n, DLBA, &d, &at, err);
    if (st != KO_OK)
        return st;
    bytes_src s = {in + at, len - at, 0, at, DLBA};
    size_t olen = offsets->len, dlen = data->len;
    return restore(dlba_values(&d, &s, n, offsets, data, err), offsets, olen, data, dlen);
}

/* Front coding: the previous value's first pre bytes, then the suffix. */
typedef struct dba_state {
    size_t prev_at, prev_len; /* previous value inside data */
} dba_state;

static ko_status dba_value(dba_state *ps, size_t i, uint32_t pre, uint32_t suf, bytes_src *s,
                           ko_buf *data, ko_err *err)
{
    if (pre > ps->prev_len)
        return bad(err, DBA, 0, "value %zu: prefix length %u exceeds the previous value's %zu", i,
                   pre, ps->prev_len);
    if (ko_buf_reserve(data, (size_t)pre + suf) != KO_OK)
        return nomem(err, DBA);
    uint8_t *dst = data->data + data->len;
    memcpy(dst, data->data + ps->prev_at, pre);
    memcpy(dst + pre, s->p + s->off, suf);
    s->off += suf;
    ps->prev_at = data->len;
    ps->prev_len = (size_t)pre + suf;
    data->len += ps->prev_len;
    return KO_OK;
}

static ko_status dba_chunk(delta_dec *pre_dec, delta_dec *suf_dec, bytes_src *s, dba_state *ps,
                           size_t done, size_t k, ko_buf *offsets, ko_buf *data, ko_err *err)
{
    uint32_t pre[CHUNK], suf[CHUNK];
    uint64_t total = 0;
    ko_status st = delta_read(pre_dec, pre, k, false, err);
    if (st == KO_OK)
        st = delta_read(suf_dec, suf, k, false, err);
    if (st == KO_OK)
        st = check_lengths(suf, k, done, s, &total, err);
    if (st == KO_OK && ko_buf_reserve(offsets, 8 * k) != KO_OK)
        st = nomem(err, DBA);
    for (size_t i = 0; st == KO_OK && i < k; i++) {
        if (pre[i] > INT32_MAX)
            st = bad(err, DBA, 0, "value %zu has negative prefix length %d", done + i,
                     (int32_t)pre[i]);
        else
            st = dba_value(ps, done + i, pre[i], suf[i], s, data, err);
        if (st == KO_OK)
            put_offset(offsets->data + offsets->len + 8 * i, (int64_t)data->len);
    }
    if (st == KO_OK)
        offsets->len += 8 * k;
    return st;
}

ko_status ko_pq_delta_byte_array_decode(const uint8_t *in, size_t len, size_t n, ko_buf *offsets,
                                        ko_buf *data, ko_err *err)
{
    delta_dec pre_dec, suf_dec;
    size_t suf_at = 0, data_at = 0;
    ko_status st = open_lengths(in, len, 0, n, DBA, &pre_dec, &suf_at, err);
    if (st == KO_OK)
        st = open_lengths(in, len, suf_at, n, DBA, &suf_dec, &data_at, err);
    if (st != KO_OK)
        return st;
    bytes_src s = {in + data_at, len - data_at, 0, data_at, DBA};
    dba_state ps = {data->len, 0};
    size_t olen = offsets->len, dlen = data->len;
    for (size_t done = 0; st == KO_OK && done < n; done += CHUNK) {
        size_t k = min_sz(CHUNK, n - done);
        st = dba_chunk(&pre_dec, &suf_dec, &s, &ps, done, k, offsets, data, err);
    }
    if (st == KO_OK && data->cap)
        data->data[data->len] = '\0';
    return restore(st, offsets, olen, data, dlen);
}

/* ==================================================== BYTE_STREAM_SPLIT */

/* Values [from, n) one byte at a time. */
static void bss_scalar(const uint8_t *in, size_t stride, size_t width, size_t from, size_t n,
                       uint8_t *out)
{
    for (size_t k = 0; k < width; k++)
        for (size_t i = from; i < n; i++)
            out[i * width + k] = in[k * stride + i];
}

#if defined(__SSE2__)
/* 16 values at a time: an SSE2 byte transpose of 16-byte stream slices. */
static size_t bss4_simd(const uint8_t *in, size_t stride, size_t n, uint8_t *out)
{
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m128i s[4], t[4];
        for (size_t k = 0; k < 4; k++)
            s[k] = _mm_loadu_si128((const __m128i *)(const void *)(in + k * stride + i));
        t[0] = _mm_unpacklo_epi8(s[0], s[1]);
        t[1] = _mm_unpackhi_epi8(s[0], s[1]);
        t[2] = _mm_unpacklo_epi8(s[2], s[3]);
        t[3] = _mm_unpackhi_epi8(s[2], s[3]);
        __m128i *o = (__m128i *)(void *)(out + 4 * i);
        _mm_storeu_si128(o, _mm_unpacklo_epi16(t[0], t[2]));
        _mm_storeu_si128(o + 1, _mm_unpackhi_epi16(t[0], t[2]));
        _mm_storeu_si128(o + 2, _mm_unpacklo_epi16(t[1], t[3]));
        _mm_storeu_si128(o + 3, _mm_unpackhi_epi16(t[1], t[3]));
    }
    return i;
}

static size_t bss8_simd(const uint8_t *in, size_t stride, size_t n, uint8_t *out)
{
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m128i s[8], u[8], v[8];
        for (size_t k = 0; k < 8; k++)
            s[k] = _mm_loadu_si128((const __m128i *)(const void *)(in + k * stride + i));
        for (size_t k = 0; k < 4; k++) { /* byte pairs of streams 2k, 2k+1 */
            u[2 * k] = _mm_unpacklo_epi8(s[2 * k], s[2 * k + 1]);
            u[2 * k + 1] = _mm_unpackhi_epi8(s[2 * k], s[2 * k + 1]);
        }
        for (size_t h = 0; h < 2; h++) { /* 4-byte quads of streams 0-3, 4-7 */
            v[4 * h] = _mm_unpacklo_epi16(u[4 * h], u[4 * h + 2]);
            v[4 * h + 1] = _mm_unpackhi_epi16(u[4 * h], u[4 * h + 2]);
            v[4 * h + 2] = _mm_unpacklo_epi16(u[4 * h + 1], u[4 * h + 3]);
            v[4 * h + 3] = _mm_unpackhi_epi16(u[4 * h + 1], u[4 * h + 3]);
        }
        __m128i *o = (__m128i *)(void *)(out + 8 * i);
        for (size_t q = 0; q < 4; q++) { /* values 4q .. 4q+3 */
            _mm_storeu_si128(o + 2 * q, _mm_unpacklo_epi32(v[q], v[4 + q]));
            _mm_storeu_si128(o + 2 * q + 1, _mm_unpackhi_epi32(v[q], v[4 + q]));
        }
    }
    return i;
}
#else
static size_t bss4_simd(const uint8_t *in, size_t stride, size_t n, uint8_t *out)
{
    (void)in, (void)stride, (void)n, (void)out;
    return 0;
}

static size_t bss8_simd(const uint8_t *in, size_t stride, size_t n, uint8_t *out)
{
    (void)in, (void)stride, (void)n, (void)out;
    return 0;
}
#endif

ko_status ko_pq_bss_decode(const uint8_t *in, size_t len, size_t width, size_t n, uint8_t *out,
                           ko_err *err)
{
    if (width == 0 || len % width != 0)
        return bad(err, BSS, len, "%zu bytes are not whole values of width %zu", len, width);
    size_t stride = len / width;
    if (n > stride)
        return bad(err, BSS, len, "%zu values of width %zu need %zu streams of %zu bytes", n, width,
                   width, n);
    size_t done = 0;
    if (width == 4)
        done = bss4_simd(in, stride, n, out);
    else if (width == 8)
        done = bss8_simd(in, stride, n, out);
    bss_scalar(in, stride, width, done, n, out);
    return KO_OK;
}
