/*
 * avro.c - Avro schemas, binary encoding and object container files (see
 * avro.h), just enough of Avro 1.11 for Iceberg manifests and manifest lists.
 *
 * Why our own: Debian's libavro rewrites the schema it stores in a container
 * and loses Iceberg's "field-id" attributes.  The format is small:
 *
 *   file    "Obj\x01", a map<bytes> of metadata (avro.schema, avro.codec and
 *           whatever the application adds), a 16-byte sync marker, then
 *           blocks: long record count, long byte size, the records (raw
 *           deflate-compressed as a whole if avro.codec is "deflate"), and
 *           the sync marker again.
 *   datum   int and long are zigzag varints (at most 5 and 10 bytes), float
 *           and double little-endian IEEE, bytes and string a long length and
 *           the bytes, fixed just its bytes, a union a long branch index and
 *           the branch's datum, a record its fields in order, an array or map
 *           a series of blocks (long count, items) ended by a zero count,
 *           where a negative count -n means n items preceded by a long byte
 *           size.
 *
 * How it works: the schema JSON is parsed with jansson into ko_avro_schema
 * nodes (named types are registered before their fields are parsed, so later
 * references, even recursive ones, resolve to the same node).  The decoder
 * ("dec") walks schema and bytes together and builds ko_avro_value trees in
 * an arena; the encoder ("enc") walks schema and value tree and appends to a
 * ko_buf.  Both keep a path of record fields and element indexes in a "ctx"
 * so that an error reads like
 *   avro block 0 (file byte 3912), record 2: manifest_entry.data_file
 *   .file_path: string length 812 exceeds the 40 bytes left at byte 77 of
 *   the block data
 *
 * Safety on hostile input: every length and count is compared with the bytes
 * left before anything is allocated; nesting (schemas and data) is limited to
 * KO_AVRO_MAX_DEPTH; and every value node the decoder allocates is charged to
 * a budget of KO_AVRO_VALUES_BASE + KO_AVRO_VALUES_PER_BYTE per byte of the
 * block, which bounds memory and time even for schemas whose values take no
 * bytes at all (nulls, empty records, types reused by name).  Decompressed
 * blocks are limited to KO_AVRO_MAX_BLOCK_BYTES.
 */
#include "iceberg/avro.h"

#define ZLIB_CONST
#include <jansson.h>
#include <zlib.h>

#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t k_magic[4] = {'O', 'b', 'j', 1};

static const char *const k_type_names[] = {
    [KO_AVRO_NULL] = "null",     [KO_AVRO_BOOLEAN] = "boolean", [KO_AVRO_INT] = "int",
    [KO_AVRO_LONG] = "long",     [KO_AVRO_FLOAT] = "float",     [KO_AVRO_DOUBLE] = "double",
    [KO_AVRO_BYTES] = "bytes",   [KO_AVRO_STRING] = "string",   [KO_AVRO_FIXED] = "fixed",
    [KO_AVRO_ENUM] = "enum",     [KO_AVRO_ARRAY] = "array",     [KO_AVRO_MAP] = "map",
    [KO_AVRO_RECORD] = "record", [KO_AVRO_UNION] = "union",
};

/* Shared nodes for primitives without attributes. */
static const ko_avro_schema k_prims[] = {
    [KO_AVRO_NULL] = {.type = KO_AVRO_NULL},   [KO_AVRO_BOOLEAN] = {.type = KO_AVRO_BOOLEAN},
    [KO_AVRO_INT] = {.type = KO_AVRO_INT},     [KO_AVRO_LONG] = {.type = KO_AVRO_LONG},
    [KO_AVRO_FLOAT] = {.type = KO_AVRO_FLOAT}, [KO_AVRO_DOUBLE] = {.type = KO_AVRO_DOUBLE},
    [KO_AVRO_BYTES] = {.type = KO_AVRO_BYTES}, [KO_AVRO_STRING] = {.type = KO_AVRO_STRING},
};

const char *ko_avro_type_name(ko_avro_type t)
{
    if ((unsigned)t < KO_ARRAY_LEN(k_type_names))
        return k_type_names[t];
    return "unknown";
}

/* ================================================================= errors */

typedef struct frame {
    const char *name; /* NULL: only an index */
    int64_t index;    /* -1: none */
} frame;

enum { MAX_FRAMES = 2 * KO_AVRO_MAX_DEPTH + 4 };

/* Error context shared by the schema parser, decoder and encoder. */
typedef struct ctx {
    ko_err *err;
    const char *where; /* "avro header", "avro block 3 (file byte 1234)", ... */
    int64_t record;    /* record number within the block or file, or -1 */
    int n_path;
    int depth;
    frame path[MAX_FRAMES];
} ctx;

static void ctx_init(ctx *c, ko_err *err, const char *where, const char *root)
{
    c->err = err;
    c->where = where;
    c->record = -1;
    c->depth = 0;
    c->n_path = 0;
    if (root) {
        c->path[0] = (frame){.name = root, .index = -1};
        c->n_path = 1;
    }
}

static void push(ctx *c, const char *name, int64_t index)
{
    if (c->n_path < MAX_FRAMES)
        c->path[c->n_path] = (frame){.name = name, .index = index};
    c->n_path++;
}

static void pop(ctx *c)
{
    c->n_path--;
}

static void set_index(ctx *c, int64_t index)
{
    if (c->n_path > 0 && c->n_path <= MAX_FRAMES)
        c->path[c->n_path - 1].index = index;
}

static void format_path(const ctx *c, char *out, size_t cap)
{
    size_t n = 0;
    int frames = c->n_path < MAX_FRAMES ? c->n_path : MAX_FRAMES;
    out[0] = '\0';
    for (int i = 0; i < frames && n < cap; i++) {
        const frame *f = &c->path[i];
        int k = 0;
        if (f->name)
            k = snprintf(out + n, cap - n, "%s%s", n > 0 ? "." : "", f->name);
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

KO_PRINTF(4, 0)
static ko_status vfail(const ctx *c, ko_status st, const char *at, const char *fmt, va_list ap)
{
    if (!c->err)
        return st;
    char path[200], msg[240], rec[40] = "";
    format_path(c, path, sizeof path);
    vsnprintf(msg, sizeof msg, fmt, ap);
    if (c->record >= 0)
        snprintf(rec, sizeof rec, ", record %lld", (long long)c->record);
    return ko_err_set(c->err, st, "%s%s: %s%s%s%s", c->where ? c->where : "avro", rec, path,
                      path[0] ? ": " : "", msg, at);
}

KO_PRINTF(3, 4)
static ko_status cfail(const ctx *c, ko_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    st = vfail(c, st, "", fmt, ap);
    va_end(ap);
    return st;
}

static const char *root_name(const ko_avro_schema *s)
{
    return s->name ? s->name : ko_avro_type_name(s->type);
}

/* ================================================================= schema */

typedef struct named {
    const char *name; /* full name */
    const ko_avro_schema *schema;
    struct named *next;
} named;

typedef struct sp {
    ctx c;
    ko_arena *arena;
    named *names;
} sp;

static ko_status parse_schema(sp *p, json_t *j, const char *ns, const ko_avro_schema **out);

KO_PRINTF(2, 3)
static ko_status sfail(sp *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ko_status st = vfail(&p->c, KO_ERR_INVALID, "", fmt, ap);
    va_end(ap);
    return st;
}

static ko_status snomem(sp *p)
{
    return cfail(&p->c, KO_ERR_NOMEM, "out of memory");
}

static int primitive_type(const char *name)
{
    for (int t = KO_AVRO_NULL; t <= KO_AVRO_STRING; t++)
        if (strcmp(name, k_type_names[t]) == 0)
            return t;
    return -1;
}

/* Whether full name `full` is ns + "." + name. */
static bool qualified_eq(const char *full, const char *ns, const char *name)
{
    size_t n = strlen(ns);
    return strncmp(full, ns, n) == 0 && full[n] == '.' && strcmp(full + n + 1, name) == 0;
}

static const ko_avro_schema *lookup(const sp *p, const char *name, const char *ns)
{
    bool relative = ns[0] != '\0' && strchr(name, '.') == NULL;
    for (const named *e = p->names; e && relative; e = e->next)
        if (qualified_eq(e->name, ns, name))
            return e->schema;
    for (const named *e = p->names; e; e = e->next)
        if (strcmp(e->name, name) == 0)
            return e->schema;
    return NULL;
}

static ko_status parse_type_name(sp *p, const char *name, const char *ns,
                                 const ko_avro_schema **out)
{
    int t = primitive_type(name);
    if (t >= 0) {
        *out = &k_prims[t];
        return KO_OK;
    }
    *out = lookup(p, name, ns);
    if (!*out)
        return sfail(p, "unknown type \"%s\"", name);
    return KO_OK;
}

static ko_avro_schema *new_node(sp *p, ko_avro_type t)
{
    ko_avro_schema *s = ko_arena_calloc(p->arena, 1, sizeof *s);
    if (s)
        s->type = t;
    return s;
}

/* Reads optional integer attribute `key` (an id, a size, a precision). */
static ko_status get_int(sp *p, json_t *obj, const char *key, int32_t *out, bool *has)
{
    json_t *v = json_object_get(obj, key);
    if (has)
        *has = false;
    if (!v)
        return KO_OK;
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > INT32_MAX)
        return sfail(p, "\"%s\" must be an integer from 0 to %d", key, INT32_MAX);
    *out = (int32_t)json_integer_value(v);
    if (has)
        *has = true;
    return KO_OK;
}

static ko_status logical(sp *p, json_t *j, ko_avro_schema *s)
{
    json_t *lt = json_object_get(j, "logicalType");
    if (!json_is_string(lt))
        return KO_OK;
    s->logical_type = ko_arena_strdup(p->arena, json_string_value(lt));
    if (!s->logical_type)
        return snomem(p);
    if (strcmp(s->logical_type, "decimal") != 0)
        return KO_OK;
    ko_status st = get_int(p, j, "precision", &s->precision, NULL);
    return st != KO_OK ? st : get_int(p, j, "scale", &s->scale, NULL);
}

/* Computes the full name of a named type, registers it and returns the
 * namespace its children inherit. */
static ko_status define_name(sp *p, json_t *j, const char *ns, ko_avro_schema *s,
                             const char **child_ns)
{
    json_t *n = json_object_get(j, "name");
    if (!json_is_string(n) || json_string_length(n) == 0)
        return sfail(p, "a %s needs a \"name\"", ko_avro_type_name(s->type));
    const char *name = json_string_value(n);
    json_t *nsj = json_object_get(j, "namespace");
    const char *use_ns = json_is_string(nsj) ? json_string_value(nsj) : ns;
    char *full;
    if (strchr(name, '.') || use_ns[0] == '\0')
        full = ko_arena_strdup(p->arena, name);
    else
        full = ko_arena_sprintf(p->arena, "%s.%s", use_ns, name);
    named *e = ko_arena_alloc(p->arena, sizeof *e);
    if (!full || !e)
        return snomem(p);
    if (primitive_type(full) >= 0 || lookup(p, full, ""))
        return sfail(p, "type \"%s\" is defined twice", full);
    *e = (named){.name = full, .schema = s, .next = p->names};
    p->names = e;
    s->name = full;
    const char *dot = strrchr(full, '.');
    *child_ns = dot ? ko_arena_strndup(p->arena, full, (size_t)(dot - full)) : "";
    return *child_ns ? KO_OK : snomem(p);
}

static ko_status dump_default(sp *p, json_t *def, const char **out)
{
    char *text = json_dumps(def, JSON_COMPACT | JSON_ENCODE_ANY);
    if (!text)
        return snomem(p);
    *out = ko_arena_strdup(p->arena, text);
    free(text);
    return *out ? KO_OK : snomem(p);
}

static ko_status parse_field(sp *p, json_t *fj, const char *ns, ko_avro_field *f)
{
    if (!json_is_object(fj))
        return sfail(p, "a field must be an object");
    json_t *name = json_object_get(fj, "name");
    json_t *type = json_object_get(fj, "type");
    if (!json_is_string(name))
        return sfail(p, "a field needs a \"name\"");
    if (!type)
        return sfail(p, "field \"%s\" has no \"type\"", json_string_value(name));
    f->name = ko_arena_strdup(p->arena, json_string_value(name));
    json_t *doc = json_object_get(fj, "doc");
    if (json_is_string(doc))
        f->doc = ko_arena_strdup(p->arena, json_string_value(doc));
    if (!f->name || (json_is_string(doc) && !f->doc))
        return snomem(p);
    json_t *def = json_object_get(fj, "default");
    ko_status st = def ? dump_default(p, def, &f->default_json) : KO_OK;
    if (st == KO_OK)
        st = get_int(p, fj, "field-id", &f->field_id, &f->has_field_id);
    if (st != KO_OK)
        return st;
    push(&p->c, "type", -1);
    st = parse_schema(p, type, ns, &f->type);
    pop(&p->c);
    return st;
}

static ko_status parse_record(sp *p, json_t *j, const char *ns, const ko_avro_schema **out)
{
    ko_avro_schema *s = new_node(p, KO_AVRO_RECORD);
    const char *cns;
    if (!s)
        return snomem(p);
    ko_status st = define_name(p, j, ns, s, &cns);
    if (st != KO_OK)
        return st;
    json_t *fields = json_object_get(j, "fields");
    if (!json_is_array(fields))
        return sfail(p, "record \"%s\" needs a \"fields\" array", s->name);
    size_t n = json_array_size(fields);
    ko_avro_field *fs = ko_arena_calloc(p->arena, n ? n : 1, sizeof *fs);
    if (!fs)
        return snomem(p);
    push(&p->c, "fields", 0);
    for (size_t i = 0; i < n && st == KO_OK; i++) {
        set_index(&p->c, (int64_t)i);
        st = parse_field(p, json_array_get(fields, i), cns, &fs[i]);
    }
    pop(&p->c);
    s->fields = fs;
    s->n_fields = n;
    *out = s;
    return st;
}

static ko_status parse_enum(sp *p, json_t *j, const char *ns, const ko_avro_schema **out)
{
    ko_avro_schema *s = new_node(p, KO_AVRO_ENUM);
    const char *cns;
    if (!s)
        return snomem(p);
    ko_status st = define_name(p, j, ns, s, &cns);
    if (st != KO_OK)
        return st;
    json_t *syms = json_object_get(j, "symbols");
    if (!json_is_array(syms))
        return sfail(p, "enum \"%s\" needs a \"symbols\" array", s->name);
    size_t n = json_array_size(syms);
    const char **out_syms = ko_arena_calloc(p->arena, n ? n : 1, sizeof *out_syms);
    if (!out_syms)
        return snomem(p);
    for (size_t i = 0; i < n; i++) {
        json_t *sym = json_array_get(syms, i);
        if (!json_is_string(sym))
            return sfail(p, "enum \"%s\": symbol %zu is not a string", s->name, i);
        out_syms[i] = ko_arena_strdup(p->arena, json_string_value(sym));
        if (!out_syms[i])
            return snomem(p);
    }
    s->symbols = out_syms;
    s->n_symbols = n;
    *out = s;
    return KO_OK;
}

static ko_status parse_fixed(sp *p, json_t *j, const char *ns, const ko_avro_schema **out)
{
    ko_avro_schema *s = new_node(p, KO_AVRO_FIXED);
    const char *cns;
    int32_t size = 0;
    bool has = false;
    if (!s)
        return snomem(p);
    ko_status st = define_name(p, j, ns, s, &cns);
    if (st == KO_OK)
        st = get_int(p, j, "size", &size, &has);
    if (st == KO_OK && !has)
        st = sfail(p, "fixed \"%s\" needs a \"size\"", s->name);
    if (st == KO_OK)
        st = logical(p, j, s);
    s->fixed_size = (size_t)size;
    *out = s;
    return st;
}

static ko_status parse_container(sp *p, json_t *j, const char *ns, ko_avro_type t,
                                 const ko_avro_schema **out)
{
    const char *key = t == KO_AVRO_ARRAY ? "items" : "values";
    ko_avro_schema *s = new_node(p, t);
    if (!s)
        return snomem(p);
    json_t *inner = json_object_get(j, key);
    if (!inner)
        return sfail(p, "%s needs \"%s\"", ko_avro_type_name(t), key);
    ko_status st = get_int(p, j, "element-id", &s->element_id, &s->has_element_id);
    if (st == KO_OK)
        st = get_int(p, j, "key-id", &s->key_id, &s->has_key_id);
    if (st == KO_OK)
        st = get_int(p, j, "value-id", &s->value_id, &s->has_value_id);
    if (st == KO_OK)
        st = logical(p, j, s);
    if (st != KO_OK)
        return st;
    push(&p->c, key, -1);
    st = parse_schema(p, inner, ns, &s->items);
    pop(&p->c);
    *out = s;
    return st;
}

/* A primitive written as an object, maybe with a logical type. */
static ko_status parse_annotated(sp *p, json_t *j, int prim, const ko_avro_schema **out)
{
    if (!json_is_string(json_object_get(j, "logicalType"))) {
        *out = &k_prims[prim];
        return KO_OK;
    }
    ko_avro_schema *s = new_node(p, (ko_avro_type)prim);
    if (!s)
        return snomem(p);
    *out = s;
    return logical(p, j, s);
}

static ko_status parse_object(sp *p, json_t *j, const char *ns, const ko_avro_schema **out)
{
    json_t *t = json_object_get(j, "type");
    if (!t)
        return sfail(p, "schema object has no \"type\"");
    if (!json_is_string(t)) {
        push(&p->c, "type", -1);
        ko_status st = parse_schema(p, t, ns, out);
        pop(&p->c);
        return st;
    }
    const char *tn = json_string_value(t);
    if (strcmp(tn, "record") == 0 || strcmp(tn, "error") == 0)
        return parse_record(p, j, ns, out);
    if (strcmp(tn, "enum") == 0)
        return parse_enum(p, j, ns, out);
    if (strcmp(tn, "fixed") == 0)
        return parse_fixed(p, j, ns, out);
    if (strcmp(tn, "array") == 0)
        return parse_container(p, j, ns, KO_AVRO_ARRAY, out);
    if (strcmp(tn, "map") == 0)
        return parse_container(p, j, ns, KO_AVRO_MAP, out);
    int prim = primitive_type(tn);
    if (prim >= 0)
        return parse_annotated(p, j, prim, out);
    return parse_type_name(p, tn, ns, out);
}

static ko_status parse_union(sp *p, json_t *j, const char *ns, const ko_avro_schema **out)
{
    size_t n = json_array_size(j);
    if (n == 0)
        return sfail(p, "a union needs at least one branch");
    ko_avro_schema *s = new_node(p, KO_AVRO_UNION);
    const ko_avro_schema **bs = ko_arena_calloc(p->arena, n, sizeof(const ko_avro_schema *));
    if (!s || !bs)
        return snomem(p);
    ko_status st = KO_OK;
    for (size_t i = 0; i < n && st == KO_OK; i++) {
        push(&p->c, NULL, (int64_t)i);
        st = parse_schema(p, json_array_get(j, i), ns, &bs[i]);
        if (st == KO_OK && bs[i]->type == KO_AVRO_UNION)
            st = sfail(p, "a union may not contain a union");
        pop(&p->c);
    }
    s->branches = bs;
    s->n_branches = n;
    *out = s;
    return st;
}

static ko_status parse_schema(sp *p, json_t *j, const char *ns, const ko_avro_schema **out)
{
    if (p->c.depth >= KO_AVRO_MAX_DEPTH)
        return sfail(p, "schema nested deeper than %d levels", KO_AVRO_MAX_DEPTH);
    p->c.depth++;
    ko_status st;
    if (json_is_string(j))
        st = parse_type_name(p, json_string_value(j), ns, out);
    else if (json_is_array(j))
        st = parse_union(p, j, ns, out);
    else if (json_is_object(j))
        st = parse_object(p, j, ns, out);
    else
        st = sfail(p, "a schema must be a string, an array or an object");
    p->c.depth--;
    return st;
}

ko_status ko_avro_schema_parse(const char *json, size_t len, ko_arena *arena,
                               const ko_avro_schema **out, ko_err *err)
{
    *out = NULL;
    json_error_t je;
    json_t *root = json_loadb(json ? json : "", json ? len : 0, JSON_DECODE_ANY, &je);
    if (!root)
        return ko_err_set(err, KO_ERR_INVALID, "avro schema: invalid JSON at line %d column %d: %s",
                          je.line, je.column, je.text);
    sp p;
    ctx_init(&p.c, err, "avro schema", NULL);
    p.arena = arena;
    p.names = NULL;
    const ko_avro_schema *s = NULL;
    ko_status st = parse_schema(&p, root, "", &s);
    json_decref(root);
    if (st == KO_OK)
        *out = s;
    return st;
}

ptrdiff_t ko_avro_schema_field_index(const ko_avro_schema *s, const char *name)
{
    if (!s || s->type != KO_AVRO_RECORD || !name)
        return -1;
    for (size_t i = 0; i < s->n_fields; i++)
        if (strcmp(s->fields[i].name, name) == 0)
            return (ptrdiff_t)i;
    return -1;
}

const ko_avro_field *ko_avro_schema_field(const ko_avro_schema *s, const char *name)
{
    ptrdiff_t i = ko_avro_schema_field_index(s, name);
    return i < 0 ? NULL : &s->fields[i];
}

const ko_avro_schema *ko_avro_schema_nonnull(const ko_avro_schema *s)
{
    if (!s || s->type != KO_AVRO_UNION || s->n_branches != 2)
        return s;
    if (s->branches[0]->type == KO_AVRO_NULL)
        return s->branches[1];
    if (s->branches[1]->type == KO_AVRO_NULL)
        return s->branches[0];
    return s;
}

/* ================================================================= values */

ko_avro_value ko_avro_null(void)
{
    return (ko_avro_value){.type = KO_AVRO_NULL};
}

ko_avro_value ko_avro_bool(bool b)
{
    return (ko_avro_value){.type = KO_AVRO_BOOLEAN, .u.b = b};
}

ko_avro_value ko_avro_int(int32_t i)
{
    return (ko_avro_value){.type = KO_AVRO_INT, .u.i = i};
}

ko_avro_value ko_avro_long(int64_t i)
{
    return (ko_avro_value){.type = KO_AVRO_LONG, .u.i = i};
}

ko_avro_value ko_avro_float(float f)
{
    return (ko_avro_value){.type = KO_AVRO_FLOAT, .u.d = f};
}

ko_avro_value ko_avro_double(double d)
{
    return (ko_avro_value){.type = KO_AVRO_DOUBLE, .u.d = d};
}

ko_avro_value ko_avro_string_n(const char *s, size_t len)
{
    ko_avro_value v = {.type = KO_AVRO_STRING};
    v.u.bytes.ptr = (const uint8_t *)s;
    v.u.bytes.len = s ? len : 0;
    return v;
}

ko_avro_value ko_avro_string(const char *s)
{
    return ko_avro_string_n(s, s ? strlen(s) : 0);
}

ko_avro_value ko_avro_bytes(const void *p, size_t len)
{
    ko_avro_value v = {.type = KO_AVRO_BYTES};
    v.u.bytes.ptr = p;
    v.u.bytes.len = p ? len : 0;
    return v;
}

ko_avro_value ko_avro_fixed(const void *p, size_t len)
{
    ko_avro_value v = ko_avro_bytes(p, len);
    v.type = KO_AVRO_FIXED;
    return v;
}

ko_avro_value ko_avro_enum(int64_t index)
{
    return (ko_avro_value){.type = KO_AVRO_ENUM, .u.i = index};
}

static ko_avro_value *new_values(ko_arena *arena, size_t n)
{
    return ko_arena_calloc(arena, n ? n : 1, sizeof(ko_avro_value));
}

ko_status ko_avro_array_init(ko_avro_value *v, ko_arena *arena, size_t n)
{
    *v = (ko_avro_value){.type = KO_AVRO_ARRAY};
    v->u.array.items = new_values(arena, n);
    if (!v->u.array.items)
        return KO_ERR_NOMEM;
    v->u.array.n = n;
    return KO_OK;
}

ko_status ko_avro_map_init(ko_avro_value *v, ko_arena *arena, size_t n)
{
    *v = (ko_avro_value){.type = KO_AVRO_MAP};
    v->u.map.keys = new_values(arena, n);
    v->u.map.values = new_values(arena, n);
    if (!v->u.map.keys || !v->u.map.values)
        return KO_ERR_NOMEM;
    v->u.map.n = n;
    return KO_OK;
}

ko_status ko_avro_record_init(ko_avro_value *v, ko_arena *arena, const ko_avro_schema *schema)
{
    *v = (ko_avro_value){.type = KO_AVRO_RECORD, .schema = schema};
    if (!schema || schema->type != KO_AVRO_RECORD)
        return KO_ERR_INVALID;
    v->u.record.fields = new_values(arena, schema->n_fields);
    if (!v->u.record.fields)
        return KO_ERR_NOMEM;
    v->u.record.n = schema->n_fields;
    return KO_OK;
}

ko_avro_value *ko_avro_record_field(ko_avro_value *v, const char *name)
{
    if (!v || v->type != KO_AVRO_RECORD)
        return NULL;
    ptrdiff_t i = ko_avro_schema_field_index(v->schema, name);
    if (i < 0 || (size_t)i >= v->u.record.n)
        return NULL;
    return &v->u.record.fields[i];
}

const ko_avro_value *ko_avro_record_get(const ko_avro_value *v, const char *name)
{
    return ko_avro_record_field((ko_avro_value *)v, name);
}

ko_status ko_avro_record_set(ko_avro_value *v, const char *name, ko_avro_value val)
{
    ko_avro_value *f = ko_avro_record_field(v, name);
    if (!f)
        return KO_ERR_NOT_FOUND;
    *f = val;
    return KO_OK;
}

const ko_avro_value *ko_avro_record_path(const ko_avro_value *v, const char *path)
{
    char step[256];
    while (v && path) {
        const char *dot = strchr(path, '.');
        size_t n = dot ? (size_t)(dot - path) : strlen(path);
        if (n >= sizeof step)
            return NULL;
        memcpy(step, path, n);
        step[n] = '\0';
        v = ko_avro_record_get(v, step);
        path = dot ? dot + 1 : NULL;
    }
    return v;
}

const char *ko_avro_str(const ko_avro_value *v)
{
    if (!v || v->type != KO_AVRO_STRING)
        return NULL;
    return v->u.bytes.ptr ? (const char *)v->u.bytes.ptr : "";
}

/* ================================================================ decoder */

typedef struct dec {
    ctx c;
    const uint8_t *p;
    size_t len, pos;
    ko_arena *arena;
    size_t budget; /* value nodes still allowed */
    bool in_block; /* offsets are into block data, not the file */
} dec;

static ko_status decode_value(dec *d, const ko_avro_schema *s, ko_avro_value *out);

static size_t budget_for(size_t len)
{
    if (len > (SIZE_MAX - KO_AVRO_VALUES_BASE) / KO_AVRO_VALUES_PER_BYTE)
        return SIZE_MAX;
    return KO_AVRO_VALUES_BASE + KO_AVRO_VALUES_PER_BYTE * len;
}

static void dec_init(dec *d, const uint8_t *p, size_t len, ko_arena *arena, ko_err *err,
                     const char *where, const char *root)
{
    ctx_init(&d->c, err, where, root);
    d->p = p;
    d->len = p ? len : 0;
    d->pos = 0;
    d->arena = arena;
    d->budget = budget_for(len);
    d->in_block = false;
}

KO_PRINTF(4, 5)
static ko_status dfail_at(const dec *d, size_t pos, ko_status st, const char *fmt, ...)
{
    char at[64];
    snprintf(at, sizeof at, " at byte %zu%s", pos, d->in_block ? " of the block data" : "");
    va_list ap;
    va_start(ap, fmt);
    st = vfail(&d->c, st, at, fmt, ap);
    va_end(ap);
    return st;
}

static size_t left(const dec *d)
{
    return d->len - d->pos;
}

static ko_status dnomem(const dec *d)
{
    return dfail_at(d, d->pos, KO_ERR_NOMEM, "out of memory");
}

static ko_status truncated(const dec *d, size_t at, const char *what, uint64_t need)
{
    return dfail_at(d, at, KO_ERR_CORRUPT, "%s needs %llu bytes but only %zu are left", what,
                    (unsigned long long)need, d->len - at);
}

static ko_status enter(dec *d)
{
    if (d->c.depth >= KO_AVRO_MAX_DEPTH)
        return dfail_at(d, d->pos, KO_ERR_CORRUPT, "data nested deeper than %d levels",
                        KO_AVRO_MAX_DEPTH);
    d->c.depth++;
    return KO_OK;
}

static void leave(dec *d)
{
    d->c.depth--;
}

static ko_status charge(dec *d, uint64_t n)
{
    if (n > d->budget)
        return dfail_at(d, d->pos, KO_ERR_CORRUPT,
                        "%llu more values would exceed the %zu allowed for %zu bytes of data",
                        (unsigned long long)n, budget_for(d->len), d->len);
    d->budget -= (size_t)n;
    return KO_OK;
}

/* A varint of at most max_bytes (5 for int, 10 for long) whose value fits
 * in 32 or 64 bits. */
static ko_status read_varint(dec *d, unsigned max_bytes, const char *what, uint64_t *out)
{
    size_t start = d->pos;
    *out = 0;
    unsigned last_bits = max_bytes == 5 ? 32 - 28 : 64 - 63;
    uint64_t v = 0;
    for (unsigned i = 0; i < max_bytes; i++) {
        if (d->pos >= d->len)
            return truncated(d, start, what, i + 1);
        uint8_t b = d->p[d->pos++];
        if (i == max_bytes - 1 && (b >> last_bits) != 0)
            return dfail_at(d, start, KO_ERR_CORRUPT, "%s: varint longer than %u bytes or %u bits",
                            what, max_bytes, max_bytes == 5 ? 32 : 64);
        v |= (uint64_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            *out = v;
            return KO_OK;
        }
    }
    return dfail_at(d, start, KO_ERR_INTERNAL, "%s: varint loop", what);
}

static ko_status read_long(dec *d, const char *what, int64_t *out)
{
    uint64_t u = 0;
    ko_status st = read_varint(d, 10, what, &u);
    if (st == KO_OK)
        *out = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
    return st;
}

static ko_status read_int(dec *d, const char *what, int32_t *out)
{
    uint64_t u = 0;
    ko_status st = read_varint(d, 5, what, &u);
    if (st == KO_OK)
        *out = (int32_t)((int64_t)(u >> 1) ^ -(int64_t)(u & 1));
    return st;
}

/* A long length or count that must be non-negative and, if `bounded`, at
 * most the bytes left after it. */
static ko_status read_size(dec *d, const char *what, bool bounded, uint64_t *out)
{
    size_t start = d->pos;
    int64_t v = 0;
    *out = 0;
    ko_status st = read_long(d, what, &v);
    if (st != KO_OK)
        return st;
    if (v < 0)
        return dfail_at(d, start, KO_ERR_CORRUPT, "%s is negative (%lld)", what, (long long)v);
    uint64_t max = bounded ? left(d) : UINT64_MAX;
    if ((uint64_t)v > max)
        return dfail_at(d, start, KO_ERR_CORRUPT, "%s %lld exceeds the %llu bytes left", what,
                        (long long)v, (unsigned long long)max);
    *out = (uint64_t)v;
    return KO_OK;
}

static ko_status copy_bytes(dec *d, uint64_t n, const char *what, ko_avro_value *out)
{
    if (n > left(d))
        return truncated(d, d->pos, what, n);
    uint8_t *p = ko_arena_alloc(d->arena, (size_t)n + 1);
    if (!p)
        return dnomem(d);
    if (n) /* d->p may be NULL at an empty input: no arithmetic on it */
        memcpy(p, d->p + d->pos, (size_t)n);
    p[n] = '\0';
    d->pos += (size_t)n;
    out->u.bytes.ptr = p;
    out->u.bytes.len = (size_t)n;
    return KO_OK;
}

static uint64_t load_le(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static ko_status read_real(dec *d, ko_avro_type t, double *out)
{
    unsigned n = t == KO_AVRO_FLOAT ? 4 : 8;
    if (left(d) < n)
        return truncated(d, d->pos, ko_avro_type_name(t), n);
    uint64_t bits = load_le(d->p + d->pos, n);
    d->pos += n;
    if (n == 4) {
        uint32_t b32 = (uint32_t)bits;
        float f;
        memcpy(&f, &b32, sizeof f);
        *out = f;
    } else {
        memcpy(out, &bits, sizeof *out);
    }
    return KO_OK;
}

static ko_status read_bool(dec *d, bool *out)
{
    if (left(d) < 1)
        return truncated(d, d->pos, "boolean", 1);
    uint8_t b = d->p[d->pos];
    if (b > 1)
        return dfail_at(d, d->pos, KO_ERR_CORRUPT, "boolean byte is %u, not 0 or 1", b);
    d->pos++;
    *out = b == 1;
    return KO_OK;
}

static ko_status read_enum(dec *d, const ko_avro_schema *s, int64_t *out)
{
    size_t start = d->pos;
    int32_t i;
    ko_status st = read_int(d, "enum index", &i);
    if (st != KO_OK)
        return st;
    if (i < 0 || (size_t)i >= s->n_symbols)
        return dfail_at(d, start, KO_ERR_CORRUPT, "enum index %d is not below %zu", (int)i,
                        s->n_symbols);
    *out = i;
    return KO_OK;
}

static ko_status decode_scalar(dec *d, const ko_avro_schema *s, ko_avro_value *out)
{
    uint64_t n;
    int32_t i32 = 0;
    ko_status st;
    switch (s->type) {
    case KO_AVRO_NULL:
        return KO_OK;
    case KO_AVRO_BOOLEAN:
        return read_bool(d, &out->u.b);
    case KO_AVRO_INT:
        st = read_int(d, "int", &i32);
        out->u.i = i32;
        return st;
    case KO_AVRO_LONG:
        return read_long(d, "long", &out->u.i);
    case KO_AVRO_FLOAT:
    case KO_AVRO_DOUBLE:
        return read_real(d, s->type, &out->u.d);
    case KO_AVRO_BYTES:
    case KO_AVRO_STRING:
        st = read_size(d, s->type == KO_AVRO_STRING ? "string length" : "bytes length", true, &n);
        return st != KO_OK ? st : copy_bytes(d, n, ko_avro_type_name(s->type), out);
    case KO_AVRO_FIXED:
        return copy_bytes(d, s->fixed_size, "fixed", out);
    case KO_AVRO_ENUM:
        return read_enum(d, s, &out->u.i);
    default:
        return dfail_at(d, d->pos, KO_ERR_INTERNAL, "unexpected schema type %d", (int)s->type);
    }
}

/* Reads one block header of an array or map: *count items (0 at the end)
 * and, for a negative count, the byte size that follows. */
static ko_status read_block_header(dec *d, uint64_t *count, size_t *end)
{
    size_t start = d->pos;
    int64_t c;
    ko_status st = read_long(d, "block count", &c);
    if (st != KO_OK)
        return st;
    *end = SIZE_MAX;
    if (c == INT64_MIN)
        return dfail_at(d, start, KO_ERR_CORRUPT, "block count %lld is invalid", (long long)c);
    if (c < 0) {
        uint64_t size;
        c = -c;
        st = read_size(d, "block byte size", true, &size);
        if (st != KO_OK)
            return st;
        *end = d->pos + (size_t)size;
    }
    *count = (uint64_t)c;
    return KO_OK;
}

/* Makes room for `more` items in an array being built block by block. */
static ko_status grow(dec *d, ko_avro_value **items, size_t n, size_t *cap, uint64_t more)
{
    if (n + more <= *cap)
        return KO_OK;
    size_t want = *cap * 2 > n + more ? *cap * 2 : n + (size_t)more;
    ko_avro_value *p = ko_arena_alloc(d->arena, want * sizeof *p);
    if (!p)
        return dnomem(d);
    ko_memcpy0(p, *items, n * sizeof *p);
    *items = p;
    *cap = want;
    return KO_OK;
}

typedef struct seq {
    ko_avro_value *keys, *values;
    size_t n, cap_keys, cap_values;
} seq;

static ko_status decode_items(dec *d, const ko_avro_schema *s, seq *q, uint64_t count)
{
    bool is_map = s->type == KO_AVRO_MAP;
    ko_status st = charge(d, is_map ? 2 * count : count);
    if (st == KO_OK && is_map)
        st = grow(d, &q->keys, q->n, &q->cap_keys, count);
    if (st == KO_OK)
        st = grow(d, &q->values, q->n, &q->cap_values, count);
    for (uint64_t i = 0; i < count && st == KO_OK; i++, q->n++) {
        set_index(&d->c, (int64_t)q->n);
        if (is_map) {
            st = decode_value(d, &k_prims[KO_AVRO_STRING], &q->keys[q->n]);
            if (st != KO_OK)
                break;
        }
        st = decode_value(d, s->items, &q->values[q->n]);
    }
    return st;
}

static ko_status decode_blocks(dec *d, const ko_avro_schema *s, ko_avro_value *out)
{
    seq q = {0};
    ko_status st = enter(d);
    if (st != KO_OK)
        return st;
    push(&d->c, NULL, -1);
    for (;;) {
        uint64_t count;
        size_t end, start = d->pos;
        st = read_block_header(d, &count, &end);
        if (st != KO_OK || count == 0)
            break;
        size_t data = d->pos;
        st = decode_items(d, s, &q, count);
        if (st == KO_OK && end != SIZE_MAX && d->pos != end)
            st = dfail_at(d, start, KO_ERR_CORRUPT,
                          "block of %llu items declares %zu bytes but holds %zu",
                          (unsigned long long)count, end - data, d->pos - data);
        if (st != KO_OK)
            break;
    }
    pop(&d->c);
    leave(d);
    if (s->type == KO_AVRO_MAP) {
        out->u.map.keys = q.keys;
        out->u.map.values = q.values;
        out->u.map.n = q.n;
    } else {
        out->u.array.items = q.values;
        out->u.array.n = q.n;
    }
    return st;
}

static ko_status decode_record(dec *d, const ko_avro_schema *s, ko_avro_value *out)
{
    ko_status st = charge(d, s->n_fields);
    if (st != KO_OK)
        return st;
    ko_avro_value *fields = new_values(d->arena, s->n_fields);
    if (!fields)
        return dnomem(d);
    st = enter(d);
    if (st != KO_OK)
        return st;
    for (size_t i = 0; i < s->n_fields && st == KO_OK; i++) {
        push(&d->c, s->fields[i].name, -1);
        st = decode_value(d, s->fields[i].type, &fields[i]);
        pop(&d->c);
    }
    leave(d);
    out->u.record.fields = fields;
    out->u.record.n = s->n_fields;
    return st;
}

static ko_status decode_union(dec *d, const ko_avro_schema *s, ko_avro_value *out)
{
    size_t start = d->pos;
    int64_t i;
    ko_status st = enter(d);
    if (st != KO_OK)
        return st;
    st = read_long(d, "union branch", &i);
    if (st == KO_OK && (i < 0 || (uint64_t)i >= s->n_branches))
        st = dfail_at(d, start, KO_ERR_CORRUPT, "union branch %lld is not below %zu", (long long)i,
                      s->n_branches);
    if (st != KO_OK) {
        leave(d);
        return st;
    }
    st = decode_value(d, s->branches[i], out);
    out->branch = (uint32_t)i;
    leave(d);
    return st;
}

static ko_status decode_value(dec *d, const ko_avro_schema *s, ko_avro_value *out)
{
    if (s->type == KO_AVRO_UNION)
        return decode_union(d, s, out);
    *out = (ko_avro_value){.type = s->type, .schema = s};
    switch (s->type) {
    case KO_AVRO_ARRAY:
    case KO_AVRO_MAP:
        return decode_blocks(d, s, out);
    case KO_AVRO_RECORD:
        return decode_record(d, s, out);
    default:
        return decode_scalar(d, s, out);
    }
}

ko_status ko_avro_decode(const ko_avro_schema *s, const uint8_t *data, size_t len, ko_arena *arena,
                         ko_avro_value *out, size_t *used, ko_err *err)
{
    dec d;
    dec_init(&d, data, len, arena, err, "avro datum", root_name(s));
    *out = ko_avro_null();
    ko_status st = charge(&d, 1);
    if (st == KO_OK)
        st = decode_value(&d, s, out);
    if (used)
        *used = d.pos;
    return st;
}

/* ================================================================ encoder */

typedef struct enc {
    ctx c;
    ko_buf *out;
} enc;

static ko_status encode_value(enc *e, const ko_avro_schema *s, const ko_avro_value *v);

static ko_status put(enc *e, const void *p, size_t n)
{
    if (ko_buf_append(e->out, p, n) != KO_OK)
        return cfail(&e->c, KO_ERR_NOMEM, "out of memory");
    return KO_OK;
}

static size_t varint_long(int64_t v, uint8_t out[10])
{
    uint64_t u = ((uint64_t)v << 1) ^ (v < 0 ? UINT64_MAX : 0);
    size_t n = 0;
    while (u >= 0x80) {
        out[n++] = (uint8_t)(u | 0x80);
        u >>= 7;
    }
    out[n++] = (uint8_t)u;
    return n;
}

static ko_status put_long(enc *e, int64_t v)
{
    uint8_t tmp[10];
    return put(e, tmp, varint_long(v, tmp));
}

static ko_status put_bytes(enc *e, const void *p, size_t n)
{
    ko_status st = put_long(e, (int64_t)n);
    return st != KO_OK ? st : put(e, p, n);
}

static ko_status eenter(enc *e)
{
    if (e->c.depth >= KO_AVRO_MAX_DEPTH)
        return cfail(&e->c, KO_ERR_INVALID, "value nested deeper than %d levels",
                     KO_AVRO_MAX_DEPTH);
    e->c.depth++;
    return KO_OK;
}

static bool is_binary(ko_avro_type t)
{
    return t == KO_AVRO_BYTES || t == KO_AVRO_STRING || t == KO_AVRO_FIXED;
}

/* Whether a value of v's type can be written as schema s (not a union). */
static bool accepts(const ko_avro_schema *s, const ko_avro_value *v)
{
    switch (s->type) {
    case KO_AVRO_INT:
    case KO_AVRO_LONG:
        return v->type == KO_AVRO_INT || v->type == KO_AVRO_LONG;
    case KO_AVRO_FLOAT:
    case KO_AVRO_DOUBLE:
        return v->type == KO_AVRO_FLOAT || v->type == KO_AVRO_DOUBLE;
    case KO_AVRO_BYTES:
    case KO_AVRO_STRING:
        return is_binary(v->type);
    case KO_AVRO_FIXED:
        return is_binary(v->type) && v->u.bytes.len == s->fixed_size;
    case KO_AVRO_ENUM:
        return v->type == KO_AVRO_ENUM || v->type == KO_AVRO_STRING;
    default:
        return v->type == s->type;
    }
}

static ko_status put_real(enc *e, const ko_avro_schema *s, double d)
{
    uint8_t b[8];
    uint64_t bits;
    unsigned n = 8;
    if (s->type == KO_AVRO_FLOAT) {
        if ((d > FLT_MAX || d < -FLT_MAX) && !isinf(d))
            return cfail(&e->c, KO_ERR_INVALID, "%g does not fit a float", d);
        float f = (float)d;
        uint32_t b32;
        memcpy(&b32, &f, sizeof b32);
        bits = b32;
        n = 4;
    } else {
        memcpy(&bits, &d, sizeof bits);
    }
    for (unsigned i = 0; i < n; i++)
        b[i] = (uint8_t)(bits >> (8 * i));
    return put(e, b, n);
}

static ko_status put_enum(enc *e, const ko_avro_schema *s, const ko_avro_value *v)
{
    if (v->type == KO_AVRO_ENUM) {
        if (v->u.i < 0 || (uint64_t)v->u.i >= s->n_symbols)
            return cfail(&e->c, KO_ERR_INVALID, "enum index %lld is not below %zu",
                         (long long)v->u.i, s->n_symbols);
        return put_long(e, v->u.i);
    }
    for (size_t i = 0; i < s->n_symbols; i++)
        if (strlen(s->symbols[i]) == v->u.bytes.len &&
            (v->u.bytes.len == 0 || memcmp(s->symbols[i], v->u.bytes.ptr, v->u.bytes.len) == 0))
            return put_long(e, (int64_t)i);
    return cfail(&e->c, KO_ERR_INVALID, "\"%.*s\" is not a symbol of enum %s",
                 (int)(v->u.bytes.len > 64 ? 64 : v->u.bytes.len), (const char *)v->u.bytes.ptr,
                 root_name(s));
}

static ko_status encode_scalar(enc *e, const ko_avro_schema *s, const ko_avro_value *v)
{
    uint8_t b;
    switch (s->type) {
    case KO_AVRO_NULL:
        return KO_OK;
    case KO_AVRO_BOOLEAN:
        b = v->u.b ? 1 : 0;
        return put(e, &b, 1);
    case KO_AVRO_INT:
        if (v->u.i < INT32_MIN || v->u.i > INT32_MAX)
            return cfail(&e->c, KO_ERR_INVALID, "%lld does not fit an int", (long long)v->u.i);
        return put_long(e, v->u.i);
    case KO_AVRO_LONG:
        return put_long(e, v->u.i);
    case KO_AVRO_FLOAT:
    case KO_AVRO_DOUBLE:
        return put_real(e, s, v->u.d);
    case KO_AVRO_BYTES:
    case KO_AVRO_STRING:
        return put_bytes(e, v->u.bytes.ptr, v->u.bytes.len);
    case KO_AVRO_FIXED:
        return put(e, v->u.bytes.ptr, v->u.bytes.len);
    case KO_AVRO_ENUM:
        return put_enum(e, s, v);
    default:
        return cfail(&e->c, KO_ERR_INTERNAL, "unexpected schema type %d", (int)s->type);
    }
}

static ko_status encode_items(enc *e, const ko_avro_schema *s, const ko_avro_value *keys,
                              const ko_avro_value *values, size_t n)
{
    ko_status st = n ? put_long(e, (int64_t)n) : KO_OK;
    push(&e->c, NULL, 0);
    for (size_t i = 0; i < n && st == KO_OK; i++) {
        set_index(&e->c, (int64_t)i);
        if (keys && keys[i].type != KO_AVRO_STRING && keys[i].type != KO_AVRO_BYTES)
            st = cfail(&e->c, KO_ERR_INVALID, "map key is %s, not string",
                       ko_avro_type_name(keys[i].type));
        else if (keys)
            st = put_bytes(e, keys[i].u.bytes.ptr, keys[i].u.bytes.len);
        if (st == KO_OK)
            st = encode_value(e, s->items, &values[i]);
    }
    pop(&e->c);
    return st != KO_OK ? st : put_long(e, 0);
}

static ko_status encode_record(enc *e, const ko_avro_schema *s, const ko_avro_value *v)
{
    if (v->u.record.n != s->n_fields)
        return cfail(&e->c, KO_ERR_INVALID, "record has %zu fields, schema %s has %zu",
                     v->u.record.n, root_name(s), s->n_fields);
    ko_status st = KO_OK;
    for (size_t i = 0; i < s->n_fields && st == KO_OK; i++) {
        push(&e->c, s->fields[i].name, -1);
        st = encode_value(e, s->fields[i].type, &v->u.record.fields[i]);
        pop(&e->c);
    }
    return st;
}

static ptrdiff_t pick_branch(const ko_avro_schema *s, const ko_avro_value *v)
{
    for (size_t i = 0; i < s->n_branches && v->schema; i++)
        if (s->branches[i] == v->schema)
            return (ptrdiff_t)i;
    for (size_t i = 0; i < s->n_branches; i++)
        if (s->branches[i]->type == v->type && accepts(s->branches[i], v))
            return (ptrdiff_t)i;
    for (size_t i = 0; i < s->n_branches; i++)
        if (accepts(s->branches[i], v))
            return (ptrdiff_t)i;
    return -1;
}

static ko_status encode_union(enc *e, const ko_avro_schema *s, const ko_avro_value *v)
{
    ptrdiff_t i = pick_branch(s, v);
    if (i < 0)
        return cfail(&e->c, KO_ERR_INVALID, "no branch of the union accepts a %s value",
                     ko_avro_type_name(v->type));
    ko_status st = put_long(e, i);
    return st != KO_OK ? st : encode_value(e, s->branches[i], v);
}

static ko_status mismatch(enc *e, const ko_avro_schema *s, const ko_avro_value *v)
{
    if (s->type == KO_AVRO_FIXED && is_binary(v->type))
        return cfail(&e->c, KO_ERR_INVALID, "fixed %s needs %zu bytes, value has %zu", root_name(s),
                     s->fixed_size, v->u.bytes.len);
    return cfail(&e->c, KO_ERR_INVALID, "schema wants %s, value is %s", ko_avro_type_name(s->type),
                 ko_avro_type_name(v->type));
}

static ko_status encode_value(enc *e, const ko_avro_schema *s, const ko_avro_value *v)
{
    if (s->type != KO_AVRO_UNION && !accepts(s, v))
        return mismatch(e, s, v);
    ko_status st = eenter(e);
    if (st != KO_OK)
        return st;
    switch (s->type) {
    case KO_AVRO_UNION:
        st = encode_union(e, s, v);
        break;
    case KO_AVRO_ARRAY:
        st = encode_items(e, s, NULL, v->u.array.items, v->u.array.n);
        break;
    case KO_AVRO_MAP:
        st = encode_items(e, s, v->u.map.keys, v->u.map.values, v->u.map.n);
        break;
    case KO_AVRO_RECORD:
        st = encode_record(e, s, v);
        break;
    default:
        st = encode_scalar(e, s, v);
    }
    e->c.depth--;
    return st;
}

static ko_status encode_at(enc *e, const ko_avro_schema *s, const ko_avro_value *v)
{
    size_t mark = e->out->len;
    ko_status st = encode_value(e, s, v);
    if (st != KO_OK) {
        e->out->len = mark;
        if (e->out->cap)
            e->out->data[mark] = '\0';
    }
    return st;
}

ko_status ko_avro_encode(const ko_avro_schema *s, const ko_avro_value *v, ko_buf *out, ko_err *err)
{
    enc e;
    ctx_init(&e.c, err, "avro encode", root_name(s));
    e.out = out;
    return encode_at(&e, s, v);
}

/* ================================================================= reader */

struct ko_avro_reader {
    const uint8_t *data;
    size_t len, pos; /* pos: file offset of the next block */
    ko_arena *arena;
    const ko_avro_schema *schema;
    const char *schema_json;
    size_t schema_json_len;
    ko_avro_meta *meta;
    size_t n_meta;
    ko_avro_codec codec;
    uint8_t sync[KO_AVRO_SYNC_SIZE];
    ko_buf inflated;
    /* The current block. */
    const uint8_t *blk;
    size_t blk_len, blk_pos, budget;
    uint64_t blk_left, blk_record, blk_index;
    uint64_t count;
    char where[96];
    ko_status failed;
    ko_err last;
};

static const ko_avro_meta *find_meta(const ko_avro_reader *r, const char *key)
{
    for (size_t i = 0; i < r->n_meta; i++)
        if (strcmp(r->meta[i].key, key) == 0)
            return &r->meta[i];
    return NULL;
}

static ko_status read_meta_entries(ko_avro_reader *r, dec *d, uint64_t count, size_t *cap)
{
    if (count > left(d) / 2)
        return dfail_at(d, d->pos, KO_ERR_CORRUPT,
                        "metadata block of %llu entries cannot fit in %zu bytes",
                        (unsigned long long)count, left(d));
    if (r->n_meta + count > *cap) {
        size_t want = *cap * 2 > r->n_meta + count ? *cap * 2 : r->n_meta + (size_t)count;
        ko_avro_meta *m = ko_arena_alloc(r->arena, want * sizeof *m);
        if (!m)
            return dnomem(d);
        ko_memcpy0(m, r->meta, r->n_meta * sizeof *m);
        r->meta = m;
        *cap = want;
    }
    ko_status st = KO_OK;
    for (uint64_t i = 0; i < count && st == KO_OK; i++) {
        ko_avro_value k = {0}, v = {0};
        set_index(&d->c, (int64_t)r->n_meta);
        st = decode_scalar(d, &k_prims[KO_AVRO_STRING], &k);
        if (st == KO_OK)
            st = decode_scalar(d, &k_prims[KO_AVRO_BYTES], &v);
        r->meta[r->n_meta++] = (ko_avro_meta){
            .key = (const char *)k.u.bytes.ptr, .value = v.u.bytes.ptr, .len = v.u.bytes.len};
    }
    if (st != KO_OK)
        r->n_meta--;
    return st;
}

static ko_status read_meta_map(ko_avro_reader *r, dec *d)
{
    size_t cap = 0;
    ko_status st = KO_OK;
    push(&d->c, "metadata", 0);
    for (;;) {
        uint64_t count = 0;
        size_t end = 0;
        st = read_block_header(d, &count, &end);
        if (st != KO_OK || count == 0)
            break;
        st = read_meta_entries(r, d, count, &cap);
        if (st != KO_OK)
            break;
    }
    pop(&d->c);
    return st;
}

static ko_status header_schema(ko_avro_reader *r, ko_err *err)
{
    const ko_avro_meta *m = find_meta(r, "avro.schema");
    if (!m)
        return ko_err_set(err, KO_ERR_CORRUPT, "avro header: no avro.schema metadata");
    r->schema_json = (const char *)m->value;
    r->schema_json_len = m->len;
    ko_status st = ko_avro_schema_parse(r->schema_json, m->len, r->arena, &r->schema, err);
    if (st == KO_ERR_INVALID) {
        ko_err_prefix(err, "avro header: avro.schema");
        err->status = st = KO_ERR_CORRUPT;
    }
    return st;
}

static ko_status header_codec(ko_avro_reader *r, ko_err *err)
{
    const ko_avro_meta *m = find_meta(r, "avro.codec");
    r->codec = KO_AVRO_CODEC_NULL;
    if (!m || (m->len == 4 && memcmp(m->value, "null", 4) == 0))
        return KO_OK;
    if (m->len == 7 && memcmp(m->value, "deflate", 7) == 0) {
        r->codec = KO_AVRO_CODEC_DEFLATE;
        return KO_OK;
    }
    return ko_err_set(err, KO_ERR_UNSUPPORTED,
                      "avro header: codec \"%.*s\" is not supported (only null and deflate)",
                      (int)(m->len > 40 ? 40 : m->len), (const char *)m->value);
}

static ko_status read_header(ko_avro_reader *r, ko_err *err)
{
    dec d;
    dec_init(&d, r->data, r->len, r->arena, err, "avro header", NULL);
    if (r->len < sizeof k_magic || memcmp(r->data, k_magic, sizeof k_magic) != 0)
        return dfail_at(&d, 0, KO_ERR_CORRUPT,
                        "not an Avro object container file (no \"Obj\\x01\" magic)");
    d.pos = sizeof k_magic;
    ko_status st = read_meta_map(r, &d);
    if (st != KO_OK)
        return st;
    if (left(&d) < KO_AVRO_SYNC_SIZE)
        return truncated(&d, d.pos, "sync marker", KO_AVRO_SYNC_SIZE);
    memcpy(r->sync, d.p + d.pos, KO_AVRO_SYNC_SIZE);
    r->pos = d.pos + KO_AVRO_SYNC_SIZE;
    st = header_schema(r, err);
    return st != KO_OK ? st : header_codec(r, err);
}

static ko_status inflate_fail(z_stream *zs, const ko_avro_reader *r, ko_err *err, const char *why)
{
    ko_status st = ko_err_set(err, KO_ERR_CORRUPT, "%s: deflate data %s%s%s", r->where, why,
                              zs->msg ? ": " : "", zs->msg ? zs->msg : "");
    inflateEnd(zs);
    return st;
}

/* Makes room in out for more inflated bytes; returns how many fit. */
static ko_status inflate_room(ko_avro_reader *r, size_t in_len, size_t *room, ko_err *err)
{
    ko_buf *out = &r->inflated;
    if (out->len >= KO_AVRO_MAX_BLOCK_BYTES)
        return ko_err_set(err, KO_ERR_CORRUPT, "%s: inflates to more than %zu bytes", r->where,
                          KO_AVRO_MAX_BLOCK_BYTES);
    if (out->cap - out->len < 4097) {
        size_t extra = out->len ? out->len : (in_len < 4096 ? 16384 : 4 * in_len);
        if (ko_buf_reserve(out, extra) != KO_OK)
            return ko_err_set(err, KO_ERR_NOMEM, "%s: out of memory inflating", r->where);
    }
    size_t n = out->cap - out->len - 1;
    *room = n > UINT_MAX ? UINT_MAX : n;
    return KO_OK;
}

static ko_status inflate_block(ko_avro_reader *r, const uint8_t *src, size_t n, ko_err *err)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (n > UINT_MAX)
        return ko_err_set(err, KO_ERR_UNSUPPORTED, "%s: compressed block over 4 GiB", r->where);
    if (inflateInit2(&zs, -15) != Z_OK)
        return ko_err_set(err, KO_ERR_NOMEM, "%s: cannot start inflate", r->where);
    ko_buf_reset(&r->inflated);
    zs.next_in = src;
    zs.avail_in = (uInt)n;
    for (;;) {
        size_t room = 0;
        ko_status st = inflate_room(r, n, &room, err);
        if (st != KO_OK) {
            inflateEnd(&zs);
            return st;
        }
        zs.next_out = r->inflated.data + r->inflated.len;
        zs.avail_out = (uInt)room;
        int zr = inflate(&zs, Z_NO_FLUSH);
        r->inflated.len += room - zs.avail_out;
        if (zr == Z_STREAM_END)
            break;
        if (zr == Z_BUF_ERROR && zs.avail_in == 0)
            return inflate_fail(&zs, r, err, "ends early");
        if (zr != Z_OK && zr != Z_BUF_ERROR)
            return inflate_fail(&zs, r, err, "is invalid");
    }
    /* Bytes after the end of the stream are ignored: some writers leave
     * part of a zlib trailer there. */
    inflateEnd(&zs);
    r->inflated.data[r->inflated.len] = '\0';
    r->blk = r->inflated.data;
    r->blk_len = r->inflated.len;
    return KO_OK;
}

static ko_status start_block(ko_avro_reader *r, uint64_t count, ko_err *err)
{
    r->budget = budget_for(r->blk_len);
    r->blk_pos = 0;
    r->blk_record = 0;
    r->blk_left = count;
    if (count > r->budget)
        return ko_err_set(err, KO_ERR_CORRUPT, "%s: %llu records cannot fit in %zu bytes", r->where,
                          (unsigned long long)count, r->blk_len);
    if (count == 0 && r->blk_len != 0)
        return ko_err_set(err, KO_ERR_CORRUPT, "%s: no records but %zu bytes of data", r->where,
                          r->blk_len);
    return KO_OK;
}

static ko_status load_block(ko_avro_reader *r, ko_err *err)
{
    snprintf(r->where, sizeof r->where, "avro block %llu (file byte %zu)",
             (unsigned long long)r->blk_index++, r->pos);
    dec d;
    dec_init(&d, r->data, r->len, NULL, err, r->where, NULL);
    d.pos = r->pos;
    uint64_t count, size;
    ko_status st = read_size(&d, "block record count", false, &count);
    if (st == KO_OK)
        st = read_size(&d, "block byte size", true, &size);
    if (st != KO_OK)
        return st;
    const uint8_t *data = d.p + d.pos;
    d.pos += (size_t)size;
    if (left(&d) < KO_AVRO_SYNC_SIZE)
        return truncated(&d, d.pos, "sync marker", KO_AVRO_SYNC_SIZE);
    if (memcmp(d.p + d.pos, r->sync, KO_AVRO_SYNC_SIZE) != 0)
        return dfail_at(&d, d.pos, KO_ERR_CORRUPT, "sync marker differs from the header's");
    r->pos = d.pos + KO_AVRO_SYNC_SIZE;
    if (r->codec == KO_AVRO_CODEC_DEFLATE) {
        st = inflate_block(r, data, (size_t)size, err);
        if (st != KO_OK)
            return st;
    } else {
        r->blk = data;
        r->blk_len = (size_t)size;
    }
    return start_block(r, count, err);
}

static ko_status decode_next(ko_avro_reader *r, ko_arena *arena, ko_avro_value *out, ko_err *err)
{
    dec d;
    dec_init(&d, r->blk, r->blk_len, arena, err, r->where, root_name(r->schema));
    d.pos = r->blk_pos;
    d.budget = r->budget;
    d.in_block = true;
    d.c.record = (int64_t)r->blk_record;
    ko_status st = charge(&d, 1);
    if (st == KO_OK)
        st = decode_value(&d, r->schema, out);
    if (st != KO_OK)
        return st;
    r->blk_pos = d.pos;
    r->budget = d.budget;
    r->blk_left--;
    r->blk_record++;
    r->count++;
    if (r->blk_left == 0 && r->blk_pos != r->blk_len)
        return ko_err_set(err, KO_ERR_CORRUPT, "%s: %zu bytes left over after its %llu records",
                          r->where, r->blk_len - r->blk_pos, (unsigned long long)r->blk_record);
    return KO_OK;
}

static ko_status next_record(ko_avro_reader *r, ko_arena *arena, ko_avro_value *out, bool *has)
{
    while (r->blk_left == 0) {
        if (r->pos >= r->len)
            return KO_OK;
        ko_status st = load_block(r, &r->last);
        if (st != KO_OK)
            return st;
    }
    ko_status st = decode_next(r, arena, out, &r->last);
    *has = st == KO_OK;
    return st;
}

ko_status ko_avro_reader_next_in(ko_avro_reader *r, ko_arena *arena, ko_avro_value *out, bool *has,
                                 ko_err *err)
{
    *has = false;
    *out = ko_avro_null();
    if (r->failed == KO_OK)
        r->failed = next_record(r, arena, out, has);
    if (r->failed != KO_OK) {
        *has = false;
        if (err)
            *err = r->last;
    }
    return r->failed;
}

ko_status ko_avro_reader_next(ko_avro_reader *r, ko_avro_value *out, bool *has, ko_err *err)
{
    return ko_avro_reader_next_in(r, r->arena, out, has, err);
}

ko_status ko_avro_reader_open(const uint8_t *data, size_t len, ko_arena *arena,
                              ko_avro_reader **out, ko_err *err)
{
    ko_err local;
    if (!err)
        err = &local;
    *out = NULL;
    if (!data && len)
        return ko_err_set(err, KO_ERR_INVALID, "avro reader: no data");
    ko_avro_reader *r = calloc(1, sizeof *r);
    if (!r)
        return ko_err_set(err, KO_ERR_NOMEM, "avro reader: out of memory");
    r->data = data;
    r->len = data ? len : 0;
    r->arena = arena;
    ko_status st = read_header(r, err);
    if (st != KO_OK) {
        ko_avro_reader_close(r);
        return st;
    }
    *out = r;
    return KO_OK;
}

void ko_avro_reader_close(ko_avro_reader *r)
{
    if (!r)
        return;
    ko_buf_free(&r->inflated);
    free(r);
}

const ko_avro_schema *ko_avro_reader_schema(const ko_avro_reader *r)
{
    return r->schema;
}

const char *ko_avro_reader_schema_json(const ko_avro_reader *r, size_t *len)
{
    if (len)
        *len = r->schema_json_len;
    return r->schema_json;
}

ko_avro_codec ko_avro_reader_codec(const ko_avro_reader *r)
{
    return r->codec;
}

const ko_avro_meta *ko_avro_reader_meta(const ko_avro_reader *r, size_t *n)
{
    *n = r->n_meta;
    return r->meta;
}

const char *ko_avro_reader_meta_get(const ko_avro_reader *r, const char *key, size_t *len)
{
    const ko_avro_meta *m = find_meta(r, key);
    if (len)
        *len = m ? m->len : 0;
    return m ? (const char *)m->value : NULL;
}

uint64_t ko_avro_reader_count(const ko_avro_reader *r)
{
    return r->count;
}

/* ================================================================= writer */

struct ko_avro_writer {
    ko_arena arena; /* the schema */
    const ko_avro_schema *schema;
    ko_avro_codec codec;
    int level;
    size_t block_bytes, block_records;
    uint8_t sync[KO_AVRO_SYNC_SIZE];
    ko_buf file;  /* header and flushed blocks */
    ko_buf block; /* records of the open block, uncompressed */
    ko_buf zbuf;  /* the open block, compressed */
    uint64_t block_count, count;
    bool done; /* finished, or failed to flush */
};

static ko_status check_opts(const ko_avro_writer_opts *o, ko_err *err)
{
    if (o->codec != KO_AVRO_CODEC_NULL && o->codec != KO_AVRO_CODEC_DEFLATE)
        return ko_err_set(err, KO_ERR_INVALID, "avro writer: unknown codec %d", (int)o->codec);
    if (o->deflate_level < 0 || o->deflate_level > 9)
        return ko_err_set(err, KO_ERR_INVALID, "avro writer: deflate level %d is not 0..9",
                          o->deflate_level);
    if (o->n_meta && !o->meta)
        return ko_err_set(err, KO_ERR_INVALID, "avro writer: metadata missing");
    for (size_t i = 0; i < o->n_meta; i++) {
        const ko_avro_meta *m = &o->meta[i];
        if (!m->key || (m->len && !m->value))
            return ko_err_set(err, KO_ERR_INVALID, "avro writer: metadata entry %zu is empty", i);
        if (strncmp(m->key, "avro.", 5) == 0)
            return ko_err_set(err, KO_ERR_INVALID,
                              "avro writer: metadata key \"%s\" is reserved for Avro", m->key);
        for (size_t j = 0; j < i; j++)
            if (strcmp(o->meta[j].key, m->key) == 0)
                return ko_err_set(err, KO_ERR_INVALID,
                                  "avro writer: metadata key \"%s\" appears twice", m->key);
    }
    return KO_OK;
}

static ko_status write_header(ko_avro_writer *w, const char *json, size_t len,
                              const ko_avro_writer_opts *o, ko_err *err)
{
    enc e;
    ctx_init(&e.c, err, "avro writer", "header");
    e.out = &w->file;
    const char *codec = o->codec == KO_AVRO_CODEC_DEFLATE ? "deflate" : "null";
    ko_status st = put(&e, k_magic, sizeof k_magic);
    if (st == KO_OK)
        st = put_long(&e, (int64_t)o->n_meta + 2);
    for (size_t i = 0; i < o->n_meta && st == KO_OK; i++) {
        st = put_bytes(&e, o->meta[i].key, strlen(o->meta[i].key));
        if (st == KO_OK)
            st = put_bytes(&e, o->meta[i].value, o->meta[i].len);
    }
    if (st == KO_OK)
        st = put_bytes(&e, "avro.schema", 11);
    if (st == KO_OK)
        st = put_bytes(&e, json, len);
    if (st == KO_OK)
        st = put_bytes(&e, "avro.codec", 10);
    if (st == KO_OK)
        st = put_bytes(&e, codec, strlen(codec));
    if (st == KO_OK)
        st = put_long(&e, 0);
    return st != KO_OK ? st : put(&e, w->sync, KO_AVRO_SYNC_SIZE);
}

ko_status ko_avro_writer_open(const char *schema_json, size_t len, const ko_avro_writer_opts *opts,
                              ko_avro_writer **out, ko_err *err)
{
    static const ko_avro_writer_opts defaults = {0};
    const ko_avro_writer_opts *o = opts ? opts : &defaults;
    *out = NULL;
    ko_status st = check_opts(o, err);
    if (st != KO_OK)
        return st;
    ko_avro_writer *w = calloc(1, sizeof *w);
    if (!w)
        return ko_err_set(err, KO_ERR_NOMEM, "avro writer: out of memory");
    w->codec = o->codec;
    w->level = o->deflate_level ? o->deflate_level : Z_DEFAULT_COMPRESSION;
    w->block_bytes = o->block_bytes ? o->block_bytes : KO_AVRO_BLOCK_BYTES;
    w->block_records = o->block_records;
    if (o->sync) {
        memcpy(w->sync, o->sync, KO_AVRO_SYNC_SIZE);
    } else {
        ko_uuid u = ko_uuid_random();
        memcpy(w->sync, u.b, KO_AVRO_SYNC_SIZE);
    }
    st = ko_avro_schema_parse(schema_json, len, &w->arena, &w->schema, err);
    if (st == KO_OK)
        st = write_header(w, schema_json, len, o, err);
    if (st != KO_OK) {
        ko_avro_writer_free(w);
        return st;
    }
    *out = w;
    return KO_OK;
}

const ko_avro_schema *ko_avro_writer_schema(const ko_avro_writer *w)
{
    return w->schema;
}

uint64_t ko_avro_writer_count(const ko_avro_writer *w)
{
    return w->count;
}

static ko_status deflate_block(ko_avro_writer *w, ko_err *err)
{
    if (w->block.len > UINT_MAX)
        return ko_err_set(err, KO_ERR_INVALID, "avro writer: block of %zu bytes is too large",
                          w->block.len);
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (deflateInit2(&zs, w->level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return ko_err_set(err, KO_ERR_NOMEM, "avro writer: cannot start deflate");
    uLong bound = deflateBound(&zs, (uLong)w->block.len);
    ko_buf_reset(&w->zbuf);
    if (bound >= UINT_MAX || ko_buf_reserve(&w->zbuf, bound) != KO_OK) {
        deflateEnd(&zs);
        return ko_err_set(err, KO_ERR_NOMEM, "avro writer: out of memory compressing");
    }
    zs.next_in = w->block.data;
    zs.avail_in = (uInt)w->block.len;
    zs.next_out = w->zbuf.data;
    zs.avail_out = (uInt)bound;
    int zr = deflate(&zs, Z_FINISH);
    w->zbuf.len = bound - zs.avail_out;
    deflateEnd(&zs);
    if (zr != Z_STREAM_END)
        return ko_err_set(err, KO_ERR_INTERNAL, "avro writer: deflate failed (%d)", zr);
    return KO_OK;
}

static ko_status flush_block(ko_avro_writer *w, ko_err *err)
{
    if (w->block_count == 0)
        return KO_OK;
    const ko_buf *data = &w->block;
    ko_status st = KO_OK;
    if (w->codec == KO_AVRO_CODEC_DEFLATE) {
        st = deflate_block(w, err);
        data = &w->zbuf;
    }
    enc e;
    ctx_init(&e.c, err, "avro writer", "block");
    e.out = &w->file;
    if (st == KO_OK)
        st = put_long(&e, (int64_t)w->block_count);
    if (st == KO_OK)
        st = put_bytes(&e, data->data, data->len);
    if (st == KO_OK)
        st = put(&e, w->sync, KO_AVRO_SYNC_SIZE);
    if (st != KO_OK) {
        w->done = true;
        return st;
    }
    ko_buf_reset(&w->block);
    w->block_count = 0;
    return KO_OK;
}

ko_status ko_avro_writer_append(ko_avro_writer *w, const ko_avro_value *v, ko_err *err)
{
    if (w->done)
        return ko_err_set(err, KO_ERR_INVALID, "avro writer: already finished");
    enc e;
    ctx_init(&e.c, err, "avro writer", root_name(w->schema));
    e.c.record = (int64_t)w->count;
    e.out = &w->block;
    ko_status st = encode_at(&e, w->schema, v);
    if (st != KO_OK)
        return st;
    w->count++;
    w->block_count++;
    if (w->block.len >= w->block_bytes || (w->block_records && w->block_count >= w->block_records))
        return flush_block(w, err);
    return KO_OK;
}

ko_status ko_avro_writer_finish(ko_avro_writer *w, ko_buf *out, ko_err *err)
{
    if (w->done)
        return ko_err_set(err, KO_ERR_INVALID, "avro writer: already finished");
    ko_status st = flush_block(w, err);
    w->done = true;
    if (st != KO_OK)
        return st;
    if (out->len == 0 && out->cap == 0) {
        *out = w->file;
        w->file = (ko_buf){0};
        return KO_OK;
    }
    if (ko_buf_append(out, w->file.data, w->file.len) != KO_OK)
        return ko_err_set(err, KO_ERR_NOMEM, "avro writer: out of memory");
    return KO_OK;
}

void ko_avro_writer_free(ko_avro_writer *w)
{
    if (!w)
        return;
    ko_buf_free(&w->file);
    ko_buf_free(&w->block);
    ko_buf_free(&w->zbuf);
    ko_arena_free(&w->arena);
    free(w);
}
