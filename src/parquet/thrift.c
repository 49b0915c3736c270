/*
 * thrift.c - Thrift compact protocol reader and writer (see thrift.h).
 *
 * Wire format in brief: integers are zigzag ULEB128 varints (i8 is a raw
 * byte, double 8 little-endian bytes); binary is a varint length and bytes;
 * a field header is one byte "dddd tttt" (id delta 1..15, type) or, with a
 * zero delta, the type byte followed by the zigzag i16 id; a bool field has
 * its value in the type (1 true, 2 false); STOP is a zero byte.  A list or
 * set header is "ssss tttt" (size 0..14) or 0xF? followed by a varint size;
 * a map is a varint size and, if non-empty, a "kkkk vvvv" type byte.
 *
 * Safety rules, all enforced here so that meta.c cannot forget them:
 *   - no read past r->len; varints longer than 10 bytes are corrupt;
 *   - a list count is checked against the remaining input (every element
 *     takes at least one byte, a double eight, a struct its required fields)
 *     before the caller allocates;
 *   - structs, lists and maps nest at most KO_TC_MAX_DEPTH deep, in decoding
 *     and in skipping, so hostile input cannot exhaust the stack;
 *   - skipping consumes at least one byte per element, so the work is linear
 *     in the input size.
 */
#include "parquet/thrift.h"

#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------------ errors */

void ko_tc_reader_init(ko_tc_reader *r, const uint8_t *buf, size_t len, ko_arena *arena,
                       ko_err *err, const char *root)
{
    memset(r, 0, sizeof *r);
    r->buf = buf;
    r->len = buf ? len : 0;
    r->arena = arena;
    r->err = err;
    r->path[0] = (ko_tc_frame){.name = root, .id = 0, .index = -1};
    r->n_path = 1;
}

static void format_path(const ko_tc_reader *r, char *out, size_t cap)
{
    size_t n = 0;
    int frames = r->n_path < (int)KO_ARRAY_LEN(r->path) ? r->n_path : (int)KO_ARRAY_LEN(r->path);
    out[0] = '\0';
    for (int i = 0; i < frames && n < cap; i++) {
        const ko_tc_frame *f = &r->path[i];
        const char *dot = i > 0 ? "." : "";
        int k;
        if (f->name)
            k = snprintf(out + n, cap - n, "%s%s", dot, f->name);
        else
            k = snprintf(out + n, cap - n, "%s<field %d>", dot, (int)f->id);
        if (k < 0)
            return;
        n += (size_t)k;
        if (f->index >= 0 && n < cap) {
            k = snprintf(out + n, cap - n, "[%lld]", (long long)f->index);
            if (k < 0)
                return;
            n += (size_t)k;
        }
    }
}

ko_status ko_tc_fail(ko_tc_reader *r, ko_status st, const char *fmt, ...)
{
    if (!r->err)
        return st;
    char path[256];
    char msg[256];
    format_path(r, path, sizeof path);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return ko_err_set(r->err, st, "%s: %s at byte %zu", path, msg, r->pos);
}

void ko_tc_set_index(ko_tc_reader *r, int64_t index)
{
    r->path[r->n_path - 1].index = index;
}

static void path_push(ko_tc_reader *r, const char *name, int16_t id)
{
    /* Depth is checked before any push, so this never overflows. */
    if (r->n_path < (int)KO_ARRAY_LEN(r->path))
        r->path[r->n_path] = (ko_tc_frame){.name = name, .id = id, .index = -1};
    r->n_path++;
}

static void path_pop(ko_tc_reader *r)
{
    r->n_path--;
}

static ko_status truncated(ko_tc_reader *r, size_t need)
{
    return ko_tc_fail(r, KO_ERR_CORRUPT, "input ends early (%zu more bytes needed, %zu left)", need,
                      ko_tc_remaining(r));
}

static ko_status enter(ko_tc_reader *r)
{
    if (r->depth >= KO_TC_MAX_DEPTH)
        return ko_tc_fail(r, KO_ERR_CORRUPT, "nesting deeper than %d levels", KO_TC_MAX_DEPTH);
    r->depth++;
    return KO_OK;
}

/* ----------------------------------------------------------------- scalars */

ko_status ko_tc_read_varint(ko_tc_reader *r, uint64_t *out)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < 10; i++) {
        if (r->pos >= r->len)
            return truncated(r, 1);
        uint8_t b = r->buf[r->pos];
        if (i == 9 && b > 1)
            return ko_tc_fail(r, KO_ERR_CORRUPT, "varint longer than 10 bytes or over 64 bits");
        r->pos++;
        v |= (uint64_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            *out = v;
            return KO_OK;
        }
    }
    return ko_tc_fail(r, KO_ERR_CORRUPT, "varint longer than 10 bytes"); /* not reached */
}

static int64_t unzigzag(uint64_t v)
{
    return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

static uint64_t zigzag(int64_t v)
{
    return ((uint64_t)v << 1) ^ (v < 0 ? UINT64_MAX : 0);
}

/* A zigzag varint that must fit in `bits` bits. */
static ko_status read_zigzag(ko_tc_reader *r, unsigned bits, const char *what, int64_t *out)
{
    size_t start = r->pos;
    uint64_t u = 0;
    ko_status st = ko_tc_read_varint(r, &u);
    if (st != KO_OK)
        return st;
    if (bits < 64 && (u >> bits) != 0) {
        r->pos = start;
        return ko_tc_fail(r, KO_ERR_CORRUPT, "%s value out of range", what);
    }
    *out = unzigzag(u);
    return KO_OK;
}

ko_status ko_tc_read_bool(ko_tc_reader *r, bool *out)
{
    if (r->bool_pending) {
        r->bool_pending = false;
        *out = r->bool_value;
        return KO_OK;
    }
    if (r->pos >= r->len)
        return truncated(r, 1);
    *out = r->buf[r->pos++] == KO_TC_TRUE;
    return KO_OK;
}

ko_status ko_tc_read_i8(ko_tc_reader *r, int8_t *out)
{
    if (r->pos >= r->len)
        return truncated(r, 1);
    *out = (int8_t)r->buf[r->pos++];
    return KO_OK;
}

ko_status ko_tc_read_i16(ko_tc_reader *r, int16_t *out)
{
    int64_t v = 0;
    ko_status st = read_zigzag(r, 16, "i16", &v);
    if (st == KO_OK)
        *out = (int16_t)v;
    return st;
}

ko_status ko_tc_read_i32(ko_tc_reader *r, int32_t *out)
{
    int64_t v = 0;
    ko_status st = read_zigzag(r, 32, "i32", &v);
    if (st == KO_OK)
        *out = (int32_t)v;
    return st;
}

ko_status ko_tc_read_i64(ko_tc_reader *r, int64_t *out)
{
    return read_zigzag(r, 64, "i64", out);
}

ko_status ko_tc_read_double(ko_tc_reader *r, double *out)
{
    if (ko_tc_remaining(r) < 8)
        return truncated(r, 8);
    uint64_t u = 0;
    for (int i = 7; i >= 0; i--)
        u = u << 8 | r->buf[r->pos + (size_t)i];
    r->pos += 8;
    memcpy(out, &u, sizeof *out);
    return KO_OK;
}

/* Reads a binary's length and checks the bytes are there. */
static ko_status read_binary_len(ko_tc_reader *r, uint32_t *len)
{
    size_t start = r->pos;
    uint64_t n = 0;
    ko_status st = ko_tc_read_varint(r, &n);
    if (st != KO_OK)
        return st;
    if (n > INT32_MAX) {
        r->pos = start;
        return ko_tc_fail(r, KO_ERR_CORRUPT, "binary length %llu out of range",
                          (unsigned long long)n);
    }
    if (n > ko_tc_remaining(r)) {
        r->pos = start;
        return ko_tc_fail(r, KO_ERR_CORRUPT, "binary length %llu exceeds the %zu bytes left",
                          (unsigned long long)n, ko_tc_remaining(r));
    }
    *len = (uint32_t)n;
    return KO_OK;
}

static ko_status copy_out(ko_tc_reader *r, uint32_t n, char **out)
{
    if (!r->arena)
        return ko_tc_fail(r, KO_ERR_INTERNAL, "no arena to copy a %u-byte value into", n);
    char *p = ko_arena_alloc(r->arena, (size_t)n + 1);
    if (!p)
        return ko_tc_fail(r, KO_ERR_NOMEM, "out of memory copying %u bytes", n);
    memcpy(p, r->buf + r->pos, n);
    p[n] = '\0';
    r->pos += n;
    *out = p;
    return KO_OK;
}

ko_status ko_tc_read_binary(ko_tc_reader *r, const uint8_t **ptr, uint32_t *len)
{
    uint32_t n = 0;
    char *p = NULL;
    ko_status st = read_binary_len(r, &n);
    if (st == KO_OK)
        st = copy_out(r, n, &p);
    if (st == KO_OK) {
        *ptr = (const uint8_t *)p;
        *len = n;
    }
    return st;
}

ko_status ko_tc_read_string(ko_tc_reader *r, const char **out)
{
    uint32_t n = 0;
    char *p = NULL;
    ko_status st = read_binary_len(r, &n);
    if (st == KO_OK)
        st = copy_out(r, n, &p);
    if (st == KO_OK)
        *out = p;
    return st;
}

/* -------------------------------------------------------------- containers */

static const char *const TYPE_NAMES[] = {
    "stop",   "bool",   "bool", "i8",  "i16", "i32",    "i64",
    "double", "binary", "list", "set", "map", "struct",
};

static const char *type_name(uint8_t t)
{
    return t < KO_ARRAY_LEN(TYPE_NAMES) ? TYPE_NAMES[t] : "invalid";
}

static bool same_type(uint8_t want, uint8_t got)
{
    if (want == KO_TC_TRUE || want == KO_TC_FALSE)
        return got == KO_TC_TRUE || got == KO_TC_FALSE;
    if (want == KO_TC_LIST || want == KO_TC_SET)
        return got == KO_TC_LIST || got == KO_TC_SET;
    return want == got;
}

static size_t min_value_size(uint8_t type)
{
    return type == KO_TC_DOUBLE ? 8 : 1;
}

/* Reads a list/set header: element type and count, count checked against
 * the input at min_elem bytes per element. */
static ko_status read_list_header(ko_tc_reader *r, size_t min_elem, uint8_t *type, uint32_t *count)
{
    size_t start = r->pos;
    if (r->pos >= r->len)
        return truncated(r, 1);
    uint8_t b = r->buf[r->pos++];
    uint64_t n = b >> 4;
    *type = b & 0x0f;
    if (n == 15) {
        ko_status st = ko_tc_read_varint(r, &n);
        if (st != KO_OK)
            return st;
    }
    if (n > 0 && (*type < KO_TC_TRUE || *type > KO_TC_STRUCT)) {
        r->pos = start;
        return ko_tc_fail(r, KO_ERR_CORRUPT, "invalid list element type %u", *type);
    }
    if (n > INT32_MAX || n > ko_tc_remaining(r) / min_elem) {
        r->pos = start;
        return ko_tc_fail(r, KO_ERR_CORRUPT,
                          "list of %llu elements cannot fit in the %zu bytes left",
                          (unsigned long long)n, ko_tc_remaining(r));
    }
    *count = (uint32_t)n;
    return KO_OK;
}

ko_status ko_tc_read_list_begin(ko_tc_reader *r, uint8_t want, size_t min_elem_bytes,
                                uint32_t *count)
{
    size_t start = r->pos;
    uint8_t type = 0;
    if (min_elem_bytes == 0)
        min_elem_bytes = min_value_size(want);
    ko_status st = read_list_header(r, min_elem_bytes, &type, count);
    if (st != KO_OK)
        return st;
    if (*count > 0 && !same_type(want, type)) {
        r->pos = start;
        return ko_tc_fail(r, KO_ERR_CORRUPT, "expected a list of %s, found a list of %s",
                          type_name(want), type_name(type));
    }
    return KO_OK;
}

/* ------------------------------------------------------------------ skip */

static ko_status skip_list(ko_tc_reader *r)
{
    uint8_t type = 0;
    uint32_t n = 0;
    ko_status st = read_list_header(r, 1, &type, &n);
    for (uint32_t i = 0; st == KO_OK && i < n; i++)
        st = ko_tc_skip(r, type);
    return st;
}

static ko_status skip_map(ko_tc_reader *r)
{
    size_t start = r->pos;
    uint64_t n = 0;
    ko_status st = ko_tc_read_varint(r, &n);
    if (st != KO_OK || n == 0)
        return st;
    if (n > INT32_MAX || n > ko_tc_remaining(r) / 2) {
        r->pos = start;
        return ko_tc_fail(r, KO_ERR_CORRUPT, "map of %llu entries cannot fit in the %zu bytes left",
                          (unsigned long long)n, ko_tc_remaining(r));
    }
    if (r->pos >= r->len)
        return truncated(r, 1);
    uint8_t kv = r->buf[r->pos++];
    uint8_t kt = kv >> 4, vt = kv & 0x0f;
    if (kt < KO_TC_TRUE || kt > KO_TC_STRUCT || vt < KO_TC_TRUE || vt > KO_TC_STRUCT) {
        r->pos--;
        return ko_tc_fail(r, KO_ERR_CORRUPT, "invalid map key/value types %u/%u", kt, vt);
    }
    for (uint64_t i = 0; st == KO_OK && i < n; i++) {
        st = ko_tc_skip(r, kt);
        if (st == KO_OK)
            st = ko_tc_skip(r, vt);
    }
    return st;
}

static ko_status skip_bytes(ko_tc_reader *r, size_t n)
{
    if (ko_tc_remaining(r) < n)
        return truncated(r, n);
    r->pos += n;
    return KO_OK;
}

static ko_status skip_nested(ko_tc_reader *r, uint8_t type)
{
    static const ko_tc_struct_desc any = {.name = "struct", .fields = NULL, .n_fields = 0};
    if (type == KO_TC_STRUCT)
        return ko_tc_read_struct(r, &any, NULL, NULL); /* counts its own depth */
    ko_status st = enter(r);
    if (st != KO_OK)
        return st;
    st = type == KO_TC_MAP ? skip_map(r) : skip_list(r);
    r->depth--;
    return st;
}

ko_status ko_tc_skip(ko_tc_reader *r, uint8_t type)
{
    uint64_t u = 0;
    uint32_t n = 0;
    bool b = false;
    switch (type) {
    case KO_TC_TRUE:
    case KO_TC_FALSE:
        return ko_tc_read_bool(r, &b);
    case KO_TC_I8:
        return skip_bytes(r, 1);
    case KO_TC_I16:
    case KO_TC_I32:
    case KO_TC_I64:
        return ko_tc_read_varint(r, &u);
    case KO_TC_DOUBLE:
        return skip_bytes(r, 8);
    case KO_TC_BINARY: {
        ko_status st = read_binary_len(r, &n);
        if (st == KO_OK)
            r->pos += n;
        return st;
    }
    case KO_TC_LIST:
    case KO_TC_SET:
    case KO_TC_MAP:
    case KO_TC_STRUCT:
        return skip_nested(r, type);
    default:
        return ko_tc_fail(r, KO_ERR_CORRUPT, "invalid type %u", type);
    }
}

/* ----------------------------------------------------------------- structs */

size_t ko_tc_struct_min_size(const ko_tc_struct_desc *d)
{
    size_t n = 1; /* STOP */
    for (uint16_t i = 0; i < d->n_fields; i++) {
        const ko_tc_field_desc *f = &d->fields[i];
        if (f->name && f->required)
            n += f->type == KO_TC_BOOL ? 1 : 2; /* header (+ at least one byte) */
    }
    return n;
}

/* Reads a field header; *type is KO_TC_STOP at the end of the struct. */
static ko_status read_field_header(ko_tc_reader *r, int16_t *last_id, int16_t *id, uint8_t *type)
{
    size_t start = r->pos;
    if (r->pos >= r->len)
        return truncated(r, 1);
    uint8_t b = r->buf[r->pos++];
    *type = b & 0x0f;
    if (*type == KO_TC_STOP)
        return KO_OK; /* tolerate a non-zero delta on STOP, as Thrift does */
    if (*type > KO_TC_STRUCT) {
        r->pos = start;
        return ko_tc_fail(r, KO_ERR_CORRUPT, "invalid field type %u", *type);
    }
    int delta = b >> 4;
    if (delta) {
        if (*last_id > INT16_MAX - delta) {
            r->pos = start;
            return ko_tc_fail(r, KO_ERR_CORRUPT, "field id overflows i16");
        }
        *id = (int16_t)(*last_id + delta);
    } else {
        ko_status st = ko_tc_read_i16(r, id);
        if (st != KO_OK)
            return st;
    }
    *last_id = *id;
    if (*type == KO_TC_TRUE || *type == KO_TC_FALSE) {
        r->bool_pending = true;
        r->bool_value = *type == KO_TC_TRUE;
    }
    return KO_OK;
}

static const ko_tc_field_desc *known_field(const ko_tc_struct_desc *d, int16_t id, uint8_t type)
{
    if (id < 0 || id >= d->n_fields || !d->fields[id].name)
        return NULL;
    return same_type(d->fields[id].type, type) ? &d->fields[id] : NULL;
}

static ko_status read_one_field(ko_tc_reader *r, const ko_tc_struct_desc *d, void *out, int16_t id,
                                uint8_t type, uint64_t *seen)
{
    const ko_tc_field_desc *f = out ? known_field(d, id, type) : NULL;
    path_push(r, f ? f->name : NULL, id);
    ko_status st;
    if (f) {
        st = d->fn(r, id, out);
        if (st == KO_OK && id < 64)
            *seen |= (uint64_t)1 << id;
    } else {
        st = ko_tc_skip(r, type);
    }
    r->bool_pending = false;
    path_pop(r);
    return st;
}

static ko_status check_required(ko_tc_reader *r, const ko_tc_struct_desc *d, uint64_t seen)
{
    for (uint16_t id = 0; id < d->n_fields && id < 64; id++) {
        const ko_tc_field_desc *f = &d->fields[id];
        if (f->name && f->required && !(seen & ((uint64_t)1 << id)))
            return ko_tc_fail(r, KO_ERR_CORRUPT, "%s lacks required field %s (id %u)", d->name,
                              f->name, (unsigned)id);
    }
    return KO_OK;
}

static ko_status read_fields(ko_tc_reader *r, const ko_tc_struct_desc *d, void *out,
                             uint32_t *n_fields)
{
    int16_t last_id = 0, id = 0;
    uint64_t seen = 0;
    uint32_t n = 0;
    for (;;) {
        uint8_t type = 0;
        ko_status st = read_field_header(r, &last_id, &id, &type);
        if (st != KO_OK)
            return st;
        if (type == KO_TC_STOP)
            break;
        n++;
        st = read_one_field(r, d, out, id, type, &seen);
        if (st != KO_OK)
            return st;
    }
    if (n_fields)
        *n_fields = n;
    return out ? check_required(r, d, seen) : KO_OK;
}

ko_status ko_tc_read_struct(ko_tc_reader *r, const ko_tc_struct_desc *d, void *out,
                            uint32_t *n_fields)
{
    ko_status st = enter(r);
    if (st != KO_OK)
        return st;
    if (out && d->init)
        d->init(out);
    st = read_fields(r, d, out, n_fields);
    r->depth--;
    return st;
}

ko_status ko_tc_read_struct_list(ko_tc_reader *r, const ko_tc_struct_desc *d, size_t elem_size,
                                 void **out, uint32_t *count)
{
    uint32_t n = 0;
    ko_status st = ko_tc_read_list_begin(r, KO_TC_STRUCT, ko_tc_struct_min_size(d), &n);
    if (st != KO_OK)
        return st;
    if (!r->arena)
        return ko_tc_fail(r, KO_ERR_INTERNAL, "no arena for a list of %u %s", n, d->name);
    uint8_t *a = ko_arena_calloc(r->arena, n, elem_size);
    if (!a)
        return ko_tc_fail(r, KO_ERR_NOMEM, "out of memory for %u %s", n, d->name);
    for (uint32_t i = 0; i < n; i++) {
        ko_tc_set_index(r, i);
        st = ko_tc_read_struct(r, d, a + (size_t)i * elem_size, NULL);
        if (st != KO_OK)
            return st;
    }
    ko_tc_set_index(r, -1);
    *out = a;
    *count = n;
    return KO_OK;
}

/* ------------------------------------------------------------------ writer */

void ko_tc_writer_init(ko_tc_writer *w, ko_buf *out)
{
    memset(w, 0, sizeof *w);
    w->out = out;
}

ko_status ko_tc_writer_status(const ko_tc_writer *w)
{
    return w->status;
}

static void put(ko_tc_writer *w, const void *p, size_t n)
{
    if (w->status == KO_OK)
        w->status = ko_buf_append(w->out, p, n);
}

static void put_byte(ko_tc_writer *w, uint8_t b)
{
    put(w, &b, 1);
}

void ko_tc_write_varint(ko_tc_writer *w, uint64_t v)
{
    uint8_t tmp[10];
    size_t n = 0;
    while (v >= 0x80) {
        tmp[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    tmp[n++] = (uint8_t)v;
    put(w, tmp, n);
}

void ko_tc_write_struct_begin(ko_tc_writer *w)
{
    if (w->depth >= KO_TC_MAX_DEPTH) {
        if (w->status == KO_OK)
            w->status = KO_ERR_INTERNAL;
        return;
    }
    w->last_id[++w->depth] = 0;
}

void ko_tc_write_struct_end(ko_tc_writer *w)
{
    put_byte(w, KO_TC_STOP);
    if (w->depth > 0)
        w->depth--;
}

void ko_tc_write_field_begin(ko_tc_writer *w, int16_t id, uint8_t type)
{
    int16_t *last = &w->last_id[w->depth];
    if (id > *last && id - *last <= 15) {
        put_byte(w, (uint8_t)((id - *last) << 4 | type));
    } else {
        put_byte(w, type);
        ko_tc_write_i16(w, id);
    }
    *last = id;
}

void ko_tc_write_field_bool(ko_tc_writer *w, int16_t id, bool v)
{
    ko_tc_write_field_begin(w, id, v ? KO_TC_TRUE : KO_TC_FALSE);
}

void ko_tc_write_field_i8(ko_tc_writer *w, int16_t id, int8_t v)
{
    ko_tc_write_field_begin(w, id, KO_TC_I8);
    ko_tc_write_i8(w, v);
}

void ko_tc_write_field_i16(ko_tc_writer *w, int16_t id, int16_t v)
{
    ko_tc_write_field_begin(w, id, KO_TC_I16);
    ko_tc_write_i16(w, v);
}

void ko_tc_write_field_i32(ko_tc_writer *w, int16_t id, int32_t v)
{
    ko_tc_write_field_begin(w, id, KO_TC_I32);
    ko_tc_write_i32(w, v);
}

void ko_tc_write_field_i64(ko_tc_writer *w, int16_t id, int64_t v)
{
    ko_tc_write_field_begin(w, id, KO_TC_I64);
    ko_tc_write_i64(w, v);
}

void ko_tc_write_field_double(ko_tc_writer *w, int16_t id, double v)
{
    ko_tc_write_field_begin(w, id, KO_TC_DOUBLE);
    ko_tc_write_double(w, v);
}

void ko_tc_write_field_binary(ko_tc_writer *w, int16_t id, const void *p, size_t len)
{
    ko_tc_write_field_begin(w, id, KO_TC_BINARY);
    ko_tc_write_binary(w, p, len);
}

void ko_tc_write_field_string(ko_tc_writer *w, int16_t id, const char *s)
{
    ko_tc_write_field_binary(w, id, s, strlen(s));
}

void ko_tc_write_list_begin(ko_tc_writer *w, uint8_t elem_type, uint32_t n)
{
    if (n < 15) {
        put_byte(w, (uint8_t)(n << 4 | elem_type));
    } else {
        put_byte(w, (uint8_t)(0xf0 | elem_type));
        ko_tc_write_varint(w, n);
    }
}

void ko_tc_write_map_begin(ko_tc_writer *w, uint8_t key_type, uint8_t value_type, uint32_t n)
{
    ko_tc_write_varint(w, n);
    if (n > 0)
        put_byte(w, (uint8_t)(key_type << 4 | value_type));
}

void ko_tc_write_bool(ko_tc_writer *w, bool v)
{
    put_byte(w, v ? KO_TC_TRUE : KO_TC_FALSE);
}

void ko_tc_write_i8(ko_tc_writer *w, int8_t v)
{
    put_byte(w, (uint8_t)v);
}

void ko_tc_write_i16(ko_tc_writer *w, int16_t v)
{
    ko_tc_write_varint(w, zigzag(v));
}

void ko_tc_write_i32(ko_tc_writer *w, int32_t v)
{
    ko_tc_write_varint(w, zigzag(v));
}

void ko_tc_write_i64(ko_tc_writer *w, int64_t v)
{
    ko_tc_write_varint(w, zigzag(v));
}

void ko_tc_write_double(ko_tc_writer *w, double v)
{
    uint64_t u = 0;
    uint8_t b[8];
    memcpy(&u, &v, sizeof u);
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(u >> (8 * i));
    put(w, b, 8);
}

void ko_tc_write_binary(ko_tc_writer *w, const void *p, size_t len)
{
    ko_tc_write_varint(w, len);
    if (len)
        put(w, p, len);
}

void ko_tc_write_string(ko_tc_writer *w, const char *s)
{
    ko_tc_write_binary(w, s, strlen(s));
}
