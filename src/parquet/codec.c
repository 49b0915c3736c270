/*
 * codec.c - Parquet page compression codecs (parquet-format Compression.md)
 * and the page CRC-32.
 *
 * Each codec is a thin, strict wrapper over its Debian library: a page must
 * decompress to exactly the size its header states, and anything else (a
 * library error, fewer bytes, more bytes) is KO_ERR_CORRUPT naming the
 * codec.  The quirks other readers tolerate are tolerated here too:
 *
 *   GZIP     inflate with windowBits 15+32 (gzip or zlib headers), looping
 *            over concatenated members until the page is full.
 *   LZ4      the deprecated codec: Hadoop's framing, repeated
 *            [BE32 uncompressed length][BE32 compressed length][LZ4 block];
 *            when that does not parse to exactly the page, the whole input
 *            is tried as one raw LZ4 block, as older parquet-cpp wrote it.
 *   LZO      not supported (no maintained library; almost never written).
 *
 * Decompression contexts (zstd, inflate) and the zstd compression context
 * are expensive to create, so each thread keeps one set, made on first use
 * and freed by a pthread key destructor when the thread exits.
 */
#include "parquet/encoding.h"

#define ZLIB_CONST /* next_in is const */

#include <brotli/decode.h>
#include <brotli/encode.h>
#include <limits.h>
#include <lz4.h>
#include <pthread.h>
#include <snappy-c.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

enum {
    GZIP_DEFAULT_LEVEL = 6,
    ZSTD_DEFAULT_LEVEL = 3, /* zstd's own default, as DuckDB and arrow use */
    BROTLI_DEFAULT_LEVEL = 3,
};

/* ------------------------------------------------- per-thread contexts */

typedef struct codec_ctx {
    ZSTD_DCtx *zd;
    ZSTD_CCtx *zc;
    z_stream inf;
    bool inf_ready;
} codec_ctx;

static pthread_once_t ctx_once = PTHREAD_ONCE_INIT;
static pthread_key_t ctx_key;
static bool ctx_key_ok;
static _Thread_local codec_ctx *t_ctx;

static void ctx_free(void *p)
{
    codec_ctx *c = p;
    if (!c)
        return;
    ZSTD_freeDCtx(c->zd);
    ZSTD_freeCCtx(c->zc);
    if (c->inf_ready)
        inflateEnd(&c->inf);
    free(c);
}

static void ctx_key_init(void)
{
    ctx_key_ok = pthread_key_create(&ctx_key, ctx_free) == 0;
}

/* This thread's contexts, or NULL when out of memory. */
static codec_ctx *ctx_get(void)
{
    if (t_ctx)
        return t_ctx;
    pthread_once(&ctx_once, ctx_key_init);
    codec_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    if (!ctx_key_ok || pthread_setspecific(ctx_key, c) != 0) {
        free(c);
        return NULL;
    }
    t_ctx = c;
    return c;
}

static ZSTD_DCtx *ctx_zstd_d(void)
{
    codec_ctx *c = ctx_get();
    if (c && !c->zd)
        c->zd = ZSTD_createDCtx();
    return c ? c->zd : NULL;
}

static ZSTD_CCtx *ctx_zstd_c(void)
{
    codec_ctx *c = ctx_get();
    if (c && !c->zc)
        c->zc = ZSTD_createCCtx();
    return c ? c->zc : NULL;
}

/* An inflate stream reset for a new page, or NULL when out of memory. */
static z_stream *ctx_inflate(void)
{
    codec_ctx *c = ctx_get();
    if (!c)
        return NULL;
    if (c->inf_ready)
        return inflateReset(&c->inf) == Z_OK ? &c->inf : NULL;
    memset(&c->inf, 0, sizeof c->inf);
    if (inflateInit2(&c->inf, 15 + 32) != Z_OK)
        return NULL;
    c->inf_ready = true;
    return &c->inf;
}

/* ------------------------------------------------------------- helpers */

static ko_status corrupt(ko_err *err, const char *codec, size_t in_len, size_t out_len,
                         const char *why)
{
    return ko_err_set(err, KO_ERR_CORRUPT, "%s: cannot decompress %zu bytes into %zu: %s", codec,
                      in_len, out_len, why);
}

static ko_status nomem(ko_err *err, const char *codec)
{
    return ko_err_set(err, KO_ERR_NOMEM, "%s: out of memory", codec);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* ------------------------------------------------------- decompression */

static ko_status un_none(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_len,
                         ko_err *err)
{
    if (in_len != out_len)
        return corrupt(err, "UNCOMPRESSED", in_len, out_len, "sizes differ");
    ko_memcpy0(out, in, out_len);
    return KO_OK;
}

static ko_status un_snappy(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_len,
                           ko_err *err)
{
    size_t ulen;
    if (snappy_uncompressed_length((const char *)in, in_len, &ulen) != SNAPPY_OK)
        return corrupt(err, "SNAPPY", in_len, out_len, "bad length preamble");
    if (ulen != out_len)
        return ko_err_set(err, KO_ERR_CORRUPT, "SNAPPY: stream holds %zu bytes, page says %zu",
                          ulen, out_len);
    size_t olen = out_len;
    if (snappy_uncompress((const char *)in, in_len, (char *)out, &olen) != SNAPPY_OK ||
        olen != out_len)
        return corrupt(err, "SNAPPY", in_len, out_len, "invalid stream");
    return KO_OK;
}

/* Inflates gzip (or zlib) members back to back until out is full. */
static ko_status inflate_members(z_stream *zs, size_t in_len, size_t out_len, ko_err *err)
{
    for (;;) {
        int r = inflate(zs, Z_FINISH);
        if (r == Z_STREAM_END) {
            if (zs->avail_out == 0 || zs->avail_in == 0)
                break;
            if (inflateReset(zs) != Z_OK)
                return corrupt(err, "GZIP", in_len, out_len, "inflateReset failed");
        } else if (r == Z_BUF_ERROR && zs->avail_out == 0) {
            return corrupt(err, "GZIP", in_len, out_len, "more data than the page size");
        } else if (r == Z_BUF_ERROR) {
            return corrupt(err, "GZIP", in_len, out_len, "truncated stream");
        } else if (r != Z_OK) {
            return corrupt(err, "GZIP", in_len, out_len, zs->msg ? zs->msg : "inflate error");
        }
    }
    if (zs->avail_out != 0)
        return corrupt(err, "GZIP", in_len, out_len, "stream ends before the page is full");
    return KO_OK;
}

static ko_status un_gzip(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_len,
                         ko_err *err)
{
    if (in_len > UINT_MAX || out_len > UINT_MAX)
        return ko_err_set(err, KO_ERR_UNSUPPORTED, "GZIP: page of %zu bytes is too large", out_len);
    z_stream *zs = ctx_inflate();
    if (!zs)
        return nomem(err, "GZIP");
    uint8_t dummy = 0;
    zs->next_in = in;
    zs->avail_in = (uInt)in_len;
    zs->next_out = out_len ? out : &dummy;
    zs->avail_out = (uInt)out_len;
    return inflate_members(zs, in_len, out_len, err);
}

static ko_status un_zstd(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_len,
                         ko_err *err)
{
    ZSTD_DCtx *d = ctx_zstd_d();
    if (!d)
        return nomem(err, "ZSTD");
    size_t r = ZSTD_decompressDCtx(d, out, out_len, in, in_len);
    if (ZSTD_isError(r))
        return corrupt(err, "ZSTD", in_len, out_len, ZSTD_getErrorName(r));
    if (r != out_len)
        return corrupt(err, "ZSTD", in_len, out_len, "stream ends before the page is full");
    return KO_OK;
}

static ko_status un_lz4_raw(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_len,
                            const char *name, ko_err *err)
{
    if (in_len > INT_MAX || out_len > INT_MAX)
        return ko_err_set(err, KO_ERR_UNSUPPORTED, "%s: page of %zu bytes is too large", name,
                          out_len);
    int r = LZ4_decompress_safe((const char *)in, (char *)out, (int)in_len, (int)out_len);
    if (r < 0)
        return corrupt(err, name, in_len, out_len, "invalid LZ4 block");
    if ((size_t)r != out_len)
        return corrupt(err, name, in_len, out_len, "block ends before the page is full");
    return KO_OK;
}

/* Hadoop framing; true only if it accounts for every input and output byte. */
static bool lz4_hadoop(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_len)
{
    size_t pos = 0, done = 0;
    if (in_len > INT_MAX || out_len > INT_MAX)
        return false;
    while (in_len - pos >= 8) {
        uint32_t ulen = be32(in + pos), clen = be32(in + pos + 4);
        pos += 8;
        if (clen > in_len - pos || ulen > out_len - done)
            return false;
        int r =
            LZ4_decompress_safe((const char *)in + pos, (char *)out + done, (int)clen, (int)ulen);
        if (r < 0 || (uint32_t)r != ulen)
            return false;
        pos += clen;
        done += ulen;
    }
    return pos == in_len && done == out_len;
}

static ko_status un_brotli(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_len,
                           ko_err *err)
{
    size_t size = out_len;
    uint8_t dummy = 0;
    BrotliDecoderResult r = BrotliDecoderDecompress(in_len, in, &size, out_len ? out : &dummy);
    if (r != BROTLI_DECODER_RESULT_SUCCESS)
        return corrupt(err, "BROTLI", in_len, out_len, "invalid or oversized stream");
    if (size != out_len)
        return corrupt(err, "BROTLI", in_len, out_len, "stream ends before the page is full");
    return KO_OK;
}

ko_status ko_pq_decompress(ko_pq_codec codec, const uint8_t *in, size_t in_len, uint8_t *out,
                           size_t out_len, ko_err *err)
{
    if (in_len == 0 && out_len == 0)
        return KO_OK; /* an empty page, whatever the codec */
    switch (codec) {
    case KO_PQ_UNCOMPRESSED:
        return un_none(in, in_len, out, out_len, err);
    case KO_PQ_SNAPPY:
        return un_snappy(in, in_len, out, out_len, err);
    case KO_PQ_GZIP:
        return un_gzip(in, in_len, out, out_len, err);
    case KO_PQ_ZSTD:
        return un_zstd(in, in_len, out, out_len, err);
    case KO_PQ_LZ4_RAW:
        return un_lz4_raw(in, in_len, out, out_len, "LZ4_RAW", err);
    case KO_PQ_LZ4:
        if (lz4_hadoop(in, in_len, out, out_len))
            return KO_OK;
        return un_lz4_raw(in, in_len, out, out_len, "LZ4", err);
    case KO_PQ_BROTLI:
        return un_brotli(in, in_len, out, out_len, err);
    case KO_PQ_LZO:
        return ko_err_set(err, KO_ERR_UNSUPPORTED, "LZO codec is not supported");
    }
    return ko_err_set(err, KO_ERR_UNSUPPORTED, "compression codec %d is not supported", (int)codec);
}

/* --------------------------------------------------------- compression */

/* Reserves `bound` bytes at the end of out; returns where they start. */
static uint8_t *room(ko_buf *out, size_t bound)
{
    return ko_buf_reserve(out, bound) == KO_OK ? out->data + out->len : NULL;
}

static ko_status commit(ko_buf *out, size_t n)
{
    out->len += n;
    out->data[out->len] = '\0';
    return KO_OK;
}

static ko_status co_snappy(const uint8_t *in, size_t n, ko_buf *out, ko_err *err)
{
    size_t olen = snappy_max_compressed_length(n);
    uint8_t *dst = room(out, olen);
    if (!dst)
        return nomem(err, "SNAPPY");
    if (snappy_compress((const char *)in, n, (char *)dst, &olen) != SNAPPY_OK)
        return ko_err_set(err, KO_ERR_INTERNAL, "SNAPPY: compression failed");
    return commit(out, olen);
}

static ko_status co_gzip(int level, const uint8_t *in, size_t n, ko_buf *out, ko_err *err)
{
    if (level < 1 || level > 9)
        return ko_err_set(err, KO_ERR_INVALID, "GZIP: level %d is outside 1..9", level);
    if (n > UINT_MAX / 2)
        return ko_err_set(err, KO_ERR_UNSUPPORTED, "GZIP: page of %zu bytes is too large", n);
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return nomem(err, "GZIP");
    uLong bound = deflateBound(&zs, (uLong)n);
    uint8_t *dst = room(out, bound);
    uint8_t dummy = 0;
    zs.next_in = n ? in : &dummy;
    zs.avail_in = (uInt)n;
    zs.next_out = dst;
    zs.avail_out = (uInt)bound;
    int r = dst ? deflate(&zs, Z_FINISH) : Z_MEM_ERROR;
    deflateEnd(&zs);
    if (r != Z_STREAM_END)
        return r == Z_MEM_ERROR ? nomem(err, "GZIP")
                                : ko_err_set(err, KO_ERR_INTERNAL, "GZIP: deflate failed");
    return commit(out, bound - zs.avail_out);
}

static ko_status co_zstd(int level, const uint8_t *in, size_t n, ko_buf *out, ko_err *err)
{
    if (level < ZSTD_minCLevel() || level > ZSTD_maxCLevel())
        return ko_err_set(err, KO_ERR_INVALID, "ZSTD: level %d is outside %d..%d", level,
                          ZSTD_minCLevel(), ZSTD_maxCLevel());
    ZSTD_CCtx *c = ctx_zstd_c();
    size_t bound = ZSTD_compressBound(n);
    uint8_t *dst = room(out, bound);
    if (!c || !dst)
        return nomem(err, "ZSTD");
    size_t r = ZSTD_compressCCtx(c, dst, bound, in, n, level);
    if (ZSTD_isError(r))
        return ko_err_set(err, KO_ERR_INTERNAL, "ZSTD: %s", ZSTD_getErrorName(r));
    return commit(out, r);
}

static ko_status co_lz4_raw(const uint8_t *in, size_t n, ko_buf *out, ko_err *err)
{
    if (n > LZ4_MAX_INPUT_SIZE)
        return ko_err_set(err, KO_ERR_UNSUPPORTED, "LZ4_RAW: page of %zu bytes is too large", n);
    int bound = LZ4_compressBound((int)n);
    uint8_t *dst = room(out, (size_t)bound);
    if (!dst)
        return nomem(err, "LZ4_RAW");
    int r = LZ4_compress_default((const char *)in, (char *)dst, (int)n, bound);
    if (r <= 0)
        return ko_err_set(err, KO_ERR_INTERNAL, "LZ4_RAW: compression failed");
    return commit(out, (size_t)r);
}

static ko_status co_brotli(int level, const uint8_t *in, size_t n, ko_buf *out, ko_err *err)
{
    if (level < BROTLI_MIN_QUALITY || level > BROTLI_MAX_QUALITY)
        return ko_err_set(err, KO_ERR_INVALID, "BROTLI: quality %d is outside %d..%d", level,
                          BROTLI_MIN_QUALITY, BROTLI_MAX_QUALITY);
    size_t size = BrotliEncoderMaxCompressedSize(n);
    if (size == 0)
        size = n + 1024; /* the bound is unknown for huge inputs */
    uint8_t *dst = room(out, size);
    if (!dst)
        return nomem(err, "BROTLI");
    if (!BrotliEncoderCompress(level, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_GENERIC, n, in, &size,
                               dst))
        return ko_err_set(err, KO_ERR_INTERNAL, "BROTLI: compression failed");
    return commit(out, size);
}

static ko_status co_dispatch(ko_pq_codec codec, int level, const uint8_t *in, size_t n, ko_buf *out,
                             ko_err *err)
{
    switch (codec) {
    case KO_PQ_UNCOMPRESSED:
        return ko_buf_append(out, in, n) == KO_OK ? KO_OK : nomem(err, "UNCOMPRESSED");
    case KO_PQ_SNAPPY:
        return co_snappy(in, n, out, err);
    case KO_PQ_GZIP:
        return co_gzip(level ? level : GZIP_DEFAULT_LEVEL, in, n, out, err);
    case KO_PQ_ZSTD:
        return co_zstd(level ? level : ZSTD_DEFAULT_LEVEL, in, n, out, err);
    case KO_PQ_LZ4_RAW:
        return co_lz4_raw(in, n, out, err);
    case KO_PQ_BROTLI:
        return co_brotli(level ? level : BROTLI_DEFAULT_LEVEL, in, n, out, err);
    case KO_PQ_LZ4:
        return ko_err_set(err, KO_ERR_UNSUPPORTED,
                          "LZ4 (Hadoop-framed, deprecated) is not written; use LZ4_RAW");
    case KO_PQ_LZO:
        return ko_err_set(err, KO_ERR_UNSUPPORTED, "LZO codec is not supported");
    }
    return ko_err_set(err, KO_ERR_UNSUPPORTED, "compression codec %d is not supported", (int)codec);
}

ko_status ko_pq_compress(ko_pq_codec codec, int level, const uint8_t *in, size_t n, ko_buf *out,
                         ko_err *err)
{
    static const uint8_t empty[1];
    size_t old = out->len;
    ko_status st = co_dispatch(codec, level, n ? in : empty, n, out, err);
    if (st != KO_OK && out->cap) {
        out->len = old;
        out->data[old] = '\0';
    }
    return st;
}

uint32_t ko_pq_crc32(const uint8_t *data, size_t n)
{
    return n ? (uint32_t)crc32_z(0, data, n) : 0;
}
