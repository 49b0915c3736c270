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
 * CSV is a byte-at-a-time state machine (fields may hold newlines, so
 * records cannot be found by looking for LF).  Field bytes are unescaped
 * into one buffer with a ki_field per field; the raw record is kept too,
 * for the rejects table.  A syntax error (or a record past max_record)
 * marks the record bad and the machine resynchronises at the next LF.
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
    ko_buf_free(&c->raw);
}

static void csv_bad(ki_csv *c, const char *why)
{
    if (!c->bad) {
        c->bad = true;
        c->bad_detail = why;
    }
    c->state = CS_BAD;
}

static ko_status csv_end_field(ki_csv *c, bool quoted, ko_err *err)
{
    ki_field f = {.p = NULL, .len = 0, .quoted = quoted};
    size_t start = 0;
    size_t nf = c->fields.len / sizeof f;
    if (nf) {
        const ki_field *prev = (const ki_field *)c->fields.data + nf - 1;
        start = (size_t)(uintptr_t)prev->p + prev->len;
    }
    /* An offset kept in the pointer field; rebased onto c->data at emit. */
    // NOLINTNEXTLINE(performance-no-int-to-ptr): an offset, never dereferenced as is
    f.p = (const char *)(uintptr_t)start;
    f.len = c->data.len - start;
    if (ko_buf_append(&c->fields, &f, sizeof f) != KO_OK)
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory splitting CSV");
    return KO_OK;
}

static void csv_reset(ki_csv *c)
{
    ko_buf_reset(&c->data);
    ko_buf_reset(&c->fields);
    ko_buf_reset(&c->raw);
    c->raw_size = 0;
    c->bad = c->overflow = false;
    c->state = CS_START;
    c->rec_line = c->line;
    c->rec_offset = c->offset;
}

static ko_status csv_emit(ki_csv *c, ki_reason forced, const char *forced_detail, ki_rec_fn fn,
                          void *ctx, ko_err *err)
{
    size_t nf = c->fields.len / sizeof(ki_field);
    ki_field *fs = (ki_field *)c->fields.data;
    if (nf == 1 && fs[0].len == 0 && !fs[0].quoted && !c->bad && !forced) {
        c->blank++; /* an empty line */
        csv_reset(c);
        return KO_OK;
    }
    for (size_t i = 0; i < nf; i++)
        fs[i].p = (const char *)c->data.data + (size_t)(uintptr_t)fs[i].p;
    size_t raw_len = c->raw.len;
    const char *raw = (const char *)c->raw.data;
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

static ko_status csv_byte(ki_csv *c, uint8_t b, ki_rec_fn fn, void *ctx, ko_err *err)
{
    ko_status st = KO_OK;
    switch (c->state) {
    case CS_START:
        if (b == (uint8_t)c->quote) {
            c->state = CS_QUOTED;
            return KO_OK;
        }
        c->state = CS_UNQUOTED;
        /* fall through */
    case CS_UNQUOTED:
        if (b == (uint8_t)c->delim) {
            st = csv_end_field(c, false, err);
            c->state = CS_START;
        } else if (b == '\n' || b == '\r') {
            st = csv_end_field(c, false, err);
            c->state = CS_CR;
            if (st == KO_OK && b == '\n')
                st = csv_emit(c, KI_OK, NULL, fn, ctx, err);
        } else if (b == (uint8_t)c->quote) {
            csv_bad(c, "quote inside an unquoted field");
        } else if (ko_buf_append(&c->data, &b, 1) != KO_OK) {
            st = ko_err_set(err, KO_ERR_NOMEM, "out of memory splitting CSV");
        }
        return st;
    case CS_QUOTED:
        if (b == (uint8_t)c->quote)
            c->state = CS_QUOTE;
        else if (ko_buf_append(&c->data, &b, 1) != KO_OK)
            st = ko_err_set(err, KO_ERR_NOMEM, "out of memory splitting CSV");
        return st;
    case CS_QUOTE:
        if (b == (uint8_t)c->quote) {
            c->state = CS_QUOTED;
            return ko_buf_append(&c->data, &b, 1) == KO_OK
                       ? KO_OK
                       : ko_err_set(err, KO_ERR_NOMEM, "out of memory splitting CSV");
        }
        if (b == (uint8_t)c->delim) {
            c->state = CS_START;
            return csv_end_field(c, true, err);
        }
        if (b == '\n' || b == '\r') {
            st = csv_end_field(c, true, err);
            c->state = CS_CR;
            if (st == KO_OK && b == '\n')
                st = csv_emit(c, KI_OK, NULL, fn, ctx, err);
            return st;
        }
        csv_bad(c, "text after a closing quote");
        return KO_OK;
    case CS_CR:
        if (b == '\n')
            return csv_emit(c, KI_OK, NULL, fn, ctx, err);
        csv_bad(c, "CR not followed by LF outside quotes");
        return KO_OK;
    default: /* CS_BAD */
        if (b == '\n')
            return csv_emit(c, KI_OK, NULL, fn, ctx, err);
        return KO_OK;
    }
}

/* One byte into the record: raw copy, counters, state machine. */
static ko_status csv_take(ki_csv *c, uint8_t b, ki_rec_fn fn, void *ctx, ko_err *err)
{
    c->raw_size++;
    if (c->raw.len < c->max_record) {
        if (ko_buf_append(&c->raw, &b, 1) != KO_OK)
            return ko_err_set(err, KO_ERR_NOMEM, "out of memory splitting CSV");
    } else if (!c->overflow) {
        c->overflow = true;
        csv_bad(c, "record longer than the limit");
    }
    c->offset++;
    if (b == '\n')
        c->line++;
    return csv_byte(c, b, fn, ctx, err);
}

/* Before the first record: a BOM (possibly split across chunks) is
 * skipped; bytes that only looked like its start are replayed. */
static ko_status csv_bom(ki_csv *c, uint8_t b, ki_rec_fn fn, void *ctx, ko_err *err)
{
    if (b == BOM[c->bom]) {
        if (++c->bom == 3) {
            c->started = true;
            c->offset = c->rec_offset = 3;
        }
        return KO_OK;
    }
    c->started = true;
    ko_status st = KO_OK;
    for (int k = 0; k < c->bom && k < (int)sizeof BOM && st == KO_OK; k++)
        st = csv_take(c, BOM[k], fn, ctx, err);
    return st == KO_OK ? csv_take(c, b, fn, ctx, err) : st;
}

ko_status ki_csv_feed(ki_csv *c, const uint8_t *p, size_t n, ki_rec_fn fn, void *ctx, ko_err *err)
{
    ko_status st = KO_OK;
    for (size_t i = 0; i < n && st == KO_OK; i++)
        st = c->started ? csv_take(c, p[i], fn, ctx, err) : csv_bom(c, p[i], fn, ctx, err);
    return st;
}

ko_status ki_csv_end(ki_csv *c, ki_rec_fn fn, void *ctx, ko_err *err)
{
    ko_status st = KO_OK;
    if (!c->started) { /* a source of 1 or 2 bytes that began like a BOM */
        c->started = true;
        for (int k = 0; k < c->bom && k < (int)sizeof BOM && st == KO_OK; k++)
            st = csv_take(c, BOM[k], fn, ctx, err);
        if (st != KO_OK)
            return st;
    }
    if (c->raw_size == 0)
        return KO_OK;
    switch (c->state) {
    case CS_QUOTED:
        return csv_emit(c, KI_TRUNCATED, "input ends inside a quoted field", fn, ctx, err);
    case CS_BAD:
    case CS_CR:
        return csv_emit(c, KI_OK, NULL, fn, ctx, err);
    default:
        st = csv_end_field(c, c->state == CS_QUOTE, err);
        return st == KO_OK ? csv_emit(c, KI_OK, NULL, fn, ctx, err) : st;
    }
}
