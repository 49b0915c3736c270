/*
 * encoding.h - Parquet value encodings and compression codecs (internal to
 * src/parquet; see parquet-format's Encodings.md and Compression.md).
 *
 * Decoders read from a bounded input and never read past it: running out of
 * input, a bit width above the type's, a negative length or an impossible
 * count is KO_ERR_CORRUPT with a message naming the encoding and the
 * position.  Decoders that produce byte strings append to two ko_bufs:
 * `offsets`, an array of int64_t end offsets (one per value; the caller
 * keeps the leading 0), and `data`, the concatenated bytes.
 */
#ifndef KO_PQ_ENCODING_H
#define KO_PQ_ENCODING_H

#include "parquet/parquet.h"

/* Number of bits needed for values up to max (0 for 0). */
int ko_pq_bit_width(uint64_t max);

/* ------------------------------------------- RLE / bit-packed hybrid */

/* Decodes exactly n values of width bw (0..32) from the hybrid encoding
 * (runs only, without the 4-byte length prefix); *used gets the bytes read
 * (may be NULL).  Bit-packed runs may pad past n: fine, within the input. */
ko_status ko_pq_rle_decode_u32(const uint8_t *in, size_t len, int bw, uint32_t *out, size_t n,
                               size_t *used, ko_err *err);
ko_status ko_pq_rle_decode_i16(const uint8_t *in, size_t len, int bw, int16_t *out, size_t n,
                               size_t *used, ko_err *err);
/* Appends the hybrid encoding of n values (no length prefix), choosing RLE
 * runs for repeats of 8 or more and bit-packing otherwise. */
ko_status ko_pq_rle_encode_u32(const uint32_t *in, size_t n, int bw, ko_buf *out);
ko_status ko_pq_rle_encode_i16(const int16_t *in, size_t n, int bw, ko_buf *out);

/* The deprecated BIT_PACKED level encoding (most significant bit first). */
ko_status ko_pq_bitpacked_decode_i16(const uint8_t *in, size_t len, int bw, int16_t *out, size_t n,
                                     size_t *used, ko_err *err);

/* ---------------------------------------------------------------- PLAIN */

/* BOOLEAN: n bits, least significant first, to one byte (0/1) per value. */
ko_status ko_pq_plain_decode_bool(const uint8_t *in, size_t len, uint8_t *out, size_t n,
                                  size_t *used, ko_err *err);
ko_status ko_pq_plain_encode_bool(const uint8_t *in, size_t n, ko_buf *out);
/* BYTE_ARRAY: 4-byte little-endian length then bytes, n times. */
ko_status ko_pq_plain_decode_bytes(const uint8_t *in, size_t len, size_t n, ko_buf *offsets,
                                   ko_buf *data, size_t *used, ko_err *err);
/* Fixed-width types are little-endian arrays: plain decoding is memcpy of
 * n * width bytes, checked against len by the caller. */

/* ------------------------------------------------------------- DELTA_* */

/* DELTA_BINARY_PACKED: decodes n values (n may be fewer than the header's
 * total value count, never more); *used gets the bytes of the whole
 * encoded block sequence that were consumed to produce them. */
ko_status ko_pq_delta_decode_i32(const uint8_t *in, size_t len, int32_t *out, size_t n,
                                 size_t *used, ko_err *err);
ko_status ko_pq_delta_decode_i64(const uint8_t *in, size_t len, int64_t *out, size_t n,
                                 size_t *used, ko_err *err);
/* Encodes with block size 128 and 4 miniblocks, as other writers do. */
ko_status ko_pq_delta_encode_i32(const int32_t *in, size_t n, ko_buf *out);
ko_status ko_pq_delta_encode_i64(const int64_t *in, size_t n, ko_buf *out);

/* DELTA_LENGTH_BYTE_ARRAY and DELTA_BYTE_ARRAY (incremental/front coding). */
ko_status ko_pq_delta_length_decode(const uint8_t *in, size_t len, size_t n, ko_buf *offsets,
                                    ko_buf *data, ko_err *err);
ko_status ko_pq_delta_byte_array_decode(const uint8_t *in, size_t len, size_t n, ko_buf *offsets,
                                        ko_buf *data, ko_err *err);

/* BYTE_STREAM_SPLIT: n values of `width` bytes (FLOAT, DOUBLE, INT32, INT64,
 * FIXED_LEN_BYTE_ARRAY) from width streams of n bytes each. */
ko_status ko_pq_bss_decode(const uint8_t *in, size_t len, size_t width, size_t n, uint8_t *out,
                           ko_err *err);

/* --------------------------------------------------------------- codecs */

/* Decompresses in[0..in_len) into exactly out_len bytes at out; anything
 * else (a codec error, fewer or more bytes) is KO_ERR_CORRUPT.  GZIP may
 * hold several concatenated members; LZ4 accepts Hadoop's framing and falls
 * back to raw LZ4 blocks as older writers produced; LZO is UNSUPPORTED. */
ko_status ko_pq_decompress(ko_pq_codec codec, const uint8_t *in, size_t in_len, uint8_t *out,
                           size_t out_len, ko_err *err);
/* Appends the compressed form of in to out.  level 0 means the codec's
 * default.  Writes UNCOMPRESSED, SNAPPY, GZIP, ZSTD, LZ4_RAW (and BROTLI). */
ko_status ko_pq_compress(ko_pq_codec codec, int level, const uint8_t *in, size_t n, ko_buf *out,
                         ko_err *err);

/* CRC-32 (as in gzip / zlib) over a page's compressed bytes. */
uint32_t ko_pq_crc32(const uint8_t *data, size_t n);

#endif /* KO_PQ_ENCODING_H */
