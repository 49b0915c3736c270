/*
 * split.c - streaming record splitters: JSON lines and RFC 4180 CSV.
 *
 * Both take chunks of any size and call back once per record with its
 * bytes, its first line number and its byte offset in the source.
 *
 * JSON lines: complete lines inside a chunk are handed over in place (no
 * copy); only the tail of a chunk, an incomplete line, is carried into the
 * next call.  A line that grows past max_line is not buffered further: it
 * is skipped to its end and reported once as line_too_long with its first
 * bytes.  CR before LF is dropped; a BOM at the start is skipped; lines of
 * blanks are counted, not reported.
 *
 * CSV is a state machine (fields may hold newlines, so records cannot be
 * found by looking for LF) that moves over runs, not bytes: an unquoted
 * field is scanned with a byte-class table up to the next delimiter,
 * quote, CR or LF, a quoted field with memchr up to the next quote, a bad
 * record with memchr up to its LF; each run is copied into the field
 * buffer at once.  Field bytes are unescaped into one buffer with a
 * ki_field per field.  The raw record (for the rejects table) is not
 * copied while it lies inside the chunk: the callback gets a pointer into
 * the chunk; only a record that spans chunks is carried, at most
 * max_record bytes of it.  A syntax error (or a record past max_record:
 * the scan stops at the byte that makes it too long) marks the record bad
 * and the machine resynchronises at the next LF.  The result is the same
 * as a byte-at-a-time machine's, whatever the chunk sizes (unit test and
 * fuzz/fuzz_ingest_csv.c).
 */
#include "ingest/ingest_int.h"

#include <string.h>

static const uint8_t BOM[3] = {0xEF, 0xBB, 0xBF};

enum { RAW_KEEP = 4096 }; /* bytes of an oversize line kept for its reject */

/* ------------------------------------------------------------ JSON lines */

void ki_lines_init(ki_lines *l, size_t max_line)
{
    memset(l, 0, sizeof *l);
    l->max_line = max_line;
    l->line = l->rec_line = 1;
}

void ki_lines_free(ki_lines *l)
{
    ko_buf_free(&l->carry);
}

static bool is_blank(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
            return false;
    return true;
}

/* A whole line (without LF). */
static ko_status emit_line(ki_lines *l, const uint8_t *p, size_t n, ki_rec_fn fn, void *ctx,
                           ko_err *err)
{
    uint64_t size = n;
    if (n && p[n - 1] == '\r')
        n--;
    if (is_blank(p, n)) {
        l->blank++;
        return KO_OK;
    }
    ki_rec rec = {.raw = (const char *)p,
                  .raw_len = n,
                  .raw_size = size,
                  .line = l->rec_line,
                  .offset = l->rec_offset};
    return fn(ctx, &rec, err);
}

static ko_status emit_oversize(ki_lines *l, ki_rec_fn fn, void *ctx, ko_err *err)
{
    ki_rec rec = {.raw = (const char *)l->carry.data,
                  .raw_len = l->carry.len,
                  .raw_size = l->skip_size,
                  .line = l->rec_line,
                  .offset = l->rec_offset,
                  .error = KI_LINE_TOO_LONG,
                  .error_detail = "line longer than the limit"};
    ko_status st = fn(ctx, &rec, err);
    ko_buf_reset(&l->carry);
    l->skipping = false;
    return st;
}

/* Bytes up to (not including) a LF at p[n] or the end of the chunk. */
static ko_status carry_part(ki_lines *l, const uint8_t *p, size_t n, ko_err *err)
{
    if (l->skipping) { /* keep the first RAW_KEEP bytes for the reject */
        size_t keep = l->carry.len < RAW_KEEP ? RAW_KEEP - l->carry.len : 0;
        l->skip_size += n;
        if (keep && ko_buf_append(&l->carry, p, keep < n ? keep : n) != KO_OK)
            return ko_err_set(err, KO_ERR_NOMEM, "out of memory buffering a line");
        return KO_OK;
    }
    if (l->carry.len + n > l->max_line) {
        size_t keep = l->carry.len < RAW_KEEP ? RAW_KEEP - l->carry.len : 0;
        ko_status st = ko_buf_append(&l->carry, p, keep < n ? keep : n);
        l->skipping = true;
        l->skip_size = l->carry.len + n - (keep < n ? keep : n);
        if (st != KO_OK)
            return ko_err_set(err, st, "out of memory buffering a line");
        return KO_OK;
    }
    if (ko_buf_append(&l->carry, p, n) != KO_OK)
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory buffering a line");
    return KO_OK;
}

static size_t skip_bom(ki_lines *l, const uint8_t *p, size_t n)
{
    /* The BOM may arrive split: buffer up to 3 bytes before deciding. */
    if (l->carry.len + n < 3 && memcmp(p, BOM + l->carry.len, n) == 0)
        return SIZE_MAX;
    l->started = true;
    if (l->carry.len == 0 && n >= 3 && memcmp(p, BOM, 3) == 0)
        return 3;
    return 0;
}

/* Ends the carried line (a LF arrived or the source ended). */
static ko_status end_carry(ki_lines *l, ki_rec_fn fn, void *ctx, ko_err *err)
{
    if (l->skipping)
        return emit_oversize(l, fn, ctx, err);
    ko_status st = emit_line(l, l->carry.data, l->carry.len, fn, ctx, err);
    ko_buf_reset(&l->carry);
    return st;
}

ko_status ki_lines_feed(ki_lines *l, const uint8_t *p, size_t n, ki_rec_fn fn, void *ctx,
                        ko_err *err)
{
    if (!l->started && n) {
        size_t skip = skip_bom(l, p, n);
        if (skip == SIZE_MAX) {
            l->offset += n;
            return carry_part(l, p, n, err); /* maybe a BOM: decide later */
        }
        if (l->carry.len && memcmp(l->carry.data, BOM, l->carry.len) == 0 &&
            l->carry.len + n >= 3 && memcmp(p, BOM + l->carry.len, 3 - l->carry.len) == 0) {
            skip = 3 - l->carry.len;
            l->rec_offset = 3;
            l->offset = 3;
            ko_buf_reset(&l->carry);
        } else if (skip) {
            l->rec_offset = l->offset = 3;
        }
        p += skip;
        n -= skip;
    }
    ko_status st = KO_OK;
    while (n && st == KO_OK) {
        const uint8_t *nl = memchr(p, '\n', n);
        size_t len = nl ? (size_t)(nl - p) : n;
        if (!nl) {
            st = carry_part(l, p, len, err);
            l->offset += len;
            break;
        }
        if (l->carry.len || l->skipping) {
            st = carry_part(l, p, len, err);
            if (st == KO_OK)
                st = end_carry(l, fn, ctx, err);
        } else if (len > l->max_line) {
            st = carry_part(l, p, len, err);
            if (st == KO_OK)
                st = emit_oversize(l, fn, ctx, err);
        } else {
            st = emit_line(l, p, len, fn, ctx, err);
        }
        l->offset += len + 1;
        l->line++;
        l->rec_line = l->line;
        l->rec_offset = l->offset;
        p += len + 1;
        n -= len + 1;
    }
    return st;
}

ko_status ki_lines_end(ki_lines *l, ki_rec_fn fn, void *ctx, ko_err *err)
{
    l->started = true;
    if (!l->carry.len && !l->skipping)
        return KO_OK;
    return end_carry(l, fn, ctx, err);
}

/* ------------------------------------------------------------------ CSV */

enum {
    CS_START,    /* at the start of a field */
    CS_UNQUOTED, /* inside an unquoted field */
    CS_QUOTED,   /* inside a quoted field */
    CS_QUOTE,    /* a quote inside a quoted field: doubled, or the end */
    CS_CR,       /* a CR outside quotes: LF expected */
    CS_BAD,      /* after a syntax error: skip to the record's end */
};

/* Where a ki_field's p points while the record is being split: an offset
 * into c->data (unescaped or cross-chunk bytes), the chunk itself (an
 * unquoted field lying whole in it: not copied), or an offset into
 * c->spill (such a field, copied when its chunk ended before its record). */
enum { LOC_DATA = 0, LOC_CHUNK, LOC_SPILL };

/* Byte classes of an unquoted field: what ends a run of plain bytes. */
enum { CL_PLAIN = 0, CL_DELIM, CL_QUOTE, CL_LF, CL_CR };

static void csv_classes(ki_csv *c)
{
    memset(c->cls, CL_PLAIN, sizeof c->cls);
    c->cls[(uint8_t)c->delim] = CL_DELIM;
    c->cls[(uint8_t)c->quote] = CL_QUOTE;
    c->cls['\n'] = CL_LF;
    c->cls['\r'] = CL_CR;
    c->cls_delim = c->delim;
    c->cls_quote = c->quote;
    c->cls_ready = true;
}

void ki_csv_init(ki_csv *c, char delim, char quote, size_t max_record)
{
    memset(c, 0, sizeof *c);
    c->delim = delim;
    c->quote = quote;
    c->max_record = max_record;
    c->line = c->rec_line = 1;
}

void ki_csv_free(ki_csv *c)
{
    ko_buf_free(&c->data);
    ko_buf_free(&c->fields);
    ko_buf_free(&c->spill);
    ko_buf_free(&c->raw);
}

static ko_status csv_nomem(ko_err *err)
{
    return ko_err_set(err, KO_ERR_NOMEM, "out of memory splitting CSV");
}

static void csv_bad(ki_csv *c, const char *why)
{
    if (!c->bad) {
        c->bad = true;
        c->bad_detail = why;
    }
    c->state = CS_BAD;
}

static ko_status csv_data(ki_csv *c, const uint8_t *p, size_t n, ko_err *err)
{
    return n == 0 || ko_buf_append(&c->data, p, n) == KO_OK ? KO_OK : csv_nomem(err);
}

static ko_status csv_end_field(ki_csv *c, bool quoted, ko_err *err)
{
    ki_field f = {.p = NULL, .len = 0, .quoted = quoted};
    size_t start = c->field_start;
    /* An offset kept in the pointer field; rebased onto c->data at emit. */
    // NOLINTNEXTLINE(performance-no-int-to-ptr): an offset, never dereferenced as is
    f.p = (const char *)(uintptr_t)start;
    f.len = c->data.len - start;
    c->field_start = c->data.len;
    if (ko_buf_append(&c->fields, &f, sizeof f) != KO_OK)
        return csv_nomem(err);
    return KO_OK;
}

static void csv_reset(ki_csv *c)
{
    ko_buf_reset(&c->data);
    ko_buf_reset(&c->fields);
    ko_buf_reset(&c->spill);
    ko_buf_reset(&c->raw);
    c->field_start = 0;
    c->raw_size = 0;
    c->bad = c->overflow = false;
    c->state = CS_START;
    c->rec_line = c->line;
    c->rec_offset = c->offset;
}

/* Keeps raw bytes of the record being split, up to max_record. */
static ko_status csv_keep_raw(ki_csv *c, const uint8_t *p, size_t n, ko_err *err)
{
    size_t room = c->raw.len < c->max_record ? c->max_record - c->raw.len : 0;
    if (n > room)
        n = room;
    return n == 0 || ko_buf_append(&c->raw, p, n) == KO_OK ? KO_OK : csv_nomem(err);
}

/* Hands the record over: raw is its raw bytes (at most max_record). */
static ko_status csv_emit(ki_csv *c, const char *raw, size_t raw_len, ki_reason forced,
                          const char *forced_detail, ki_rec_fn fn, void *ctx, ko_err *err)
{
    size_t nf = c->fields.len / sizeof(ki_field);
    ki_field *fs = (ki_field *)c->fields.data;
    if (nf == 1 && fs[0].len == 0 && !fs[0].quoted && !c->bad && !forced) {
        c->blank++; /* an empty line */
        csv_reset(c);
        return KO_OK;
    }
    for (size_t i = 0; i < nf; i++) {
        if (fs[i].loc == LOC_DATA)
            fs[i].p = (const char *)c->data.data + (size_t)(uintptr_t)fs[i].p;
        else if (fs[i].loc == LOC_SPILL)
            fs[i].p = (const char *)c->spill.data + (size_t)(uintptr_t)fs[i].p;
    }
    while (raw_len && (raw[raw_len - 1] == '\n' || raw[raw_len - 1] == '\r') && !c->overflow)
        raw_len--;
    ki_rec rec = {.raw = raw ? raw : "",
                  .raw_len = raw_len,
                  .raw_size = c->raw_size,
                  .line = c->rec_line,
                  .offset = c->rec_offset,
                  .fields = fs,
                  .n_fields = nf};
    if (forced) {
        rec.error = forced;
        rec.error_detail = forced_detail;
    } else if (c->overflow) {
        rec.error = KI_LINE_TOO_LONG;
        rec.error_detail = "record longer than the limit";
    } else if (c->bad) {
        rec.error = KI_CSV_SYNTAX;
        rec.error_detail = c->bad_detail;
    }
    ko_status st = fn(ctx, &rec, err);
    csv_reset(c);
    return st;
}

/* The chunk being split: bytes p[0..n); the current record's bytes in it
 * start at seg (those before are in c->raw, c->raw_size counting them). */
typedef struct csv_chunk {
    const uint8_t *p;
    size_t seg;
    uint64_t base; /* source offset of p[0] */
    ki_rec_fn fn;
    void *ctx;
} csv_chunk;

/* The record ends with the LF at p[e]. */
static ko_status csv_emit_at(ki_csv *c, csv_chunk *k, size_t e, ko_err *err)
{
    size_t len = e + 1 - k->seg;
    const char *raw = (const char *)k->p + k->seg;
    size_t raw_len = len < c->max_record ? len : c->max_record;
    c->line++;
    c->offset = k->base + e + 1;
    if (c->raw_size) { /* begun in an earlier chunk */
        ko_status st = csv_keep_raw(c, k->p + k->seg, len, err);
        if (st != KO_OK)
            return st;
        raw = (const char *)c->raw.data;
        raw_len = c->raw.len;
    }
    c->raw_size += len;
    k->seg = e + 1;
    return csv_emit(c, raw, raw_len, KI_OK, NULL, k->fn, k->ctx, err);
}

/* After a field ended by CR or LF at p[i] (quoted: after a quote). */
static ko_status csv_line_end(ki_csv *c, csv_chunk *k, size_t i, bool quoted, ko_err *err)
{
    ko_status st = csv_end_field(c, quoted, err);
    c->state = CS_CR;
    if (st == KO_OK && k->p[i] == '\n')
        st = csv_emit_at(c, k, i, err);
    return st;
}

/* Plain bytes of an unquoted field from p[i], then what ends them. */
static ko_status csv_unquoted(ki_csv *c, csv_chunk *k, size_t *i, size_t end, ko_err *err)
{
    const uint8_t *p = k->p;
    size_t j = *i;
    while (j < end && c->cls[p[j]] == CL_PLAIN)
        j++;
    if (j < end && c->data.len == c->field_start && c->cls[p[j]] != CL_QUOTE) {
        /* The whole field is in the chunk: point at it, no copy. */
        ki_field f = {(const char *)p + *i, j - *i, false, LOC_CHUNK};
        if (ko_buf_append(&c->fields, &f, sizeof f) != KO_OK)
            return csv_nomem(err);
        *i = j + 1;
        if (c->cls[p[j]] == CL_DELIM) {
            c->state = CS_START;
            return KO_OK;
        }
        c->state = CS_CR;
        return p[j] == '\n' ? csv_emit_at(c, k, j, err) : KO_OK;
    }
    ko_status st = csv_data(c, p + *i, j - *i, err);
    *i = j;
    if (st != KO_OK || j == end)
        return st;
    *i = j + 1;
    switch (c->cls[p[j]]) {
    case CL_DELIM:
        c->state = CS_START;
        return csv_end_field(c, false, err);
    case CL_QUOTE:
        csv_bad(c, "quote inside an unquoted field");
        return KO_OK;
    default: /* CR, LF */
        return csv_line_end(c, k, j, false, err);
    }
}

/* Bytes of a quoted field up to the next quote. */
static ko_status csv_quoted(ki_csv *c, csv_chunk *k, size_t *i, size_t end, ko_err *err)
{
    const uint8_t *p = k->p + *i;
    const uint8_t *q = memchr(p, (uint8_t)c->quote, end - *i);
    size_t n = q ? (size_t)(q - p) : end - *i;
    for (const uint8_t *lf = memchr(p, '\n', n); lf;
         lf = memchr(lf + 1, '\n', n - (size_t)(lf + 1 - p)))
        c->line++;
    ko_status st = csv_data(c, p, n, err);
    *i += n + (q != NULL);
    if (q)
        c->state = CS_QUOTE;
    return st;
}

/* The byte after a quote inside a quoted field. */
static ko_status csv_after_quote(ki_csv *c, csv_chunk *k, size_t i, ko_err *err)
{
    uint8_t b = k->p[i];
    if (b == (uint8_t)c->quote) {
        c->state = CS_QUOTED;
        return csv_data(c, &b, 1, err);
    }
    if (b == (uint8_t)c->delim) {
        c->state = CS_START;
        return csv_end_field(c, true, err);
    }
    if (b == '\n' || b == '\r')
        return csv_line_end(c, k, i, true, err);
    csv_bad(c, "text after a closing quote");
    return KO_OK;
}

/* Splits p[i..end) (end: the chunk's end, or the byte that makes the
 * record too long) up to the end of the current record; returns where it
 * stopped in *i.  The caller works out the next record's limit. */
static ko_status csv_run(ki_csv *c, csv_chunk *k, size_t *i, size_t end, ko_err *err)
{
    ko_status st = KO_OK;
    size_t seg = k->seg; /* moves when a record ends */
    while (*i < end && st == KO_OK && k->seg == seg) {
        size_t at = *i;
        const uint8_t *lf = NULL;
        switch (c->state) {
        case CS_START:
            c->state = k->p[at] == (uint8_t)c->quote ? CS_QUOTED : CS_UNQUOTED;
            *i += c->state == CS_QUOTED;
            break;
        case CS_UNQUOTED:
            st = csv_unquoted(c, k, i, end, err);
            break;
        case CS_QUOTED:
            st = csv_quoted(c, k, i, end, err);
            break;
        case CS_QUOTE:
            *i = at + 1;
            st = csv_after_quote(c, k, at, err);
            break;
        case CS_CR:
            *i = at + 1;
            if (k->p[at] == '\n')
                st = csv_emit_at(c, k, at, err);
            else
                csv_bad(c, "CR not followed by LF outside quotes");
            break;
        default: /* CS_BAD: skip to the LF */
            lf = memchr(k->p + at, '\n', end - at);
            *i = lf ? (size_t)(lf - k->p) + 1 : end;
            if (lf)
                st = csv_emit_at(c, k, (size_t)(lf - k->p), err);
            break;
        }
    }
    return st;
}

/* The chunk ends inside a record: its fields that point into the chunk
 * are copied to c->spill. */
static ko_status csv_spill(ki_csv *c, ko_err *err)
{
    ki_field *fs = (ki_field *)c->fields.data;
    size_t nf = c->fields.len / sizeof(ki_field);
    for (size_t i = 0; i < nf; i++) {
        if (fs[i].loc != LOC_CHUNK)
            continue;
        size_t off = c->spill.len;
        if (fs[i].len && ko_buf_append(&c->spill, fs[i].p, fs[i].len) != KO_OK)
            return csv_nomem(err);
        // NOLINTNEXTLINE(performance-no-int-to-ptr): an offset, never dereferenced as is
        fs[i].p = (const char *)(uintptr_t)off;
        fs[i].loc = LOC_SPILL;
    }
    return KO_OK;
}

/* Splits a chunk: runs up to the record limit, then the limit's byte. */
static ko_status csv_chunk_feed(ki_csv *c, const uint8_t *p, size_t n, ki_rec_fn fn, void *ctx,
                                ko_err *err)
{
    csv_chunk k = {p, 0, c->offset, fn, ctx};
    size_t i = 0;
    ko_status st = KO_OK;
    while (i < n && st == KO_OK) {
        size_t so_far = c->raw_size + (i - k.seg); /* bytes of the record before p[i] */
        size_t room = c->overflow || so_far < c->max_record ? c->max_record - so_far : 0;
        if (!c->overflow && room == 0) {
            c->overflow = true; /* p[i] is one byte too many */
            csv_bad(c, "record longer than the limit");
        }
        size_t end = c->overflow || room > n - i ? n : i + room;
        st = csv_run(c, &k, &i, end, err);
    }
    if (st == KO_OK && k.seg < n) { /* the record goes on in the next chunk */
        st = csv_spill(c, err);
        if (st == KO_OK)
            st = csv_keep_raw(c, p + k.seg, n - k.seg, err);
        c->raw_size += n - k.seg;
    }
    c->offset = k.base + n;
    return st;
}

/* The bytes that only looked like the start of a BOM, split as data. */
static ko_status csv_replay_bom(ki_csv *c, ki_rec_fn fn, void *ctx, ko_err *err)
{
    uint8_t head[sizeof BOM];
    size_t nb = c->bom > 0 && c->bom < (int)sizeof BOM ? (size_t)c->bom : 0;
    memcpy(head, BOM, sizeof head);
    return nb ? csv_chunk_feed(c, head, nb, fn, ctx, err) : KO_OK;
}

ko_status ki_csv_feed(ki_csv *c, const uint8_t *p, size_t n, ki_rec_fn fn, void *ctx, ko_err *err)
{
    if (!c->cls_ready || c->cls_delim != c->delim || c->cls_quote != c->quote)
        csv_classes(c);
    size_t i = 0;
    /* Before the first record: a BOM (possibly split across chunks) is
     * skipped; bytes that only looked like its start are replayed. */
    while (!c->started && i < n) {
        if (p[i] == BOM[c->bom]) {
            i++;
            if (++c->bom == 3) {
                c->started = true;
                c->offset = c->rec_offset = 3;
            }
            continue;
        }
        c->started = true;
        ko_status st = csv_replay_bom(c, fn, ctx, err);
        if (st != KO_OK)
            return st;
    }
    return i < n ? csv_chunk_feed(c, p + i, n - i, fn, ctx, err) : KO_OK;
}

ko_status ki_csv_end(ki_csv *c, ki_rec_fn fn, void *ctx, ko_err *err)
{
    ko_status st = KO_OK;
    if (!c->started) { /* a source of 1 or 2 bytes that began like a BOM */
        if (!c->cls_ready || c->cls_delim != c->delim || c->cls_quote != c->quote)
            csv_classes(c);
        c->started = true;
        st = csv_replay_bom(c, fn, ctx, err);
        if (st != KO_OK)
            return st;
    }
    if (c->raw_size == 0)
        return KO_OK;
    const char *raw = (const char *)c->raw.data;
    switch (c->state) {
    case CS_QUOTED:
        return csv_emit(c, raw, c->raw.len, KI_TRUNCATED, "input ends inside a quoted field", fn,
                        ctx, err);
    case CS_BAD:
    case CS_CR:
        return csv_emit(c, raw, c->raw.len, KI_OK, NULL, fn, ctx, err);
    default:
        st = csv_end_field(c, c->state == CS_QUOTE, err);
        return st == KO_OK ? csv_emit(c, raw, c->raw.len, KI_OK, NULL, fn, ctx, err) : st;
    }
}
