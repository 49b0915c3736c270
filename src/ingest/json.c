/*
 * json.c - one JSON text into a small tree, for ingest.
 *
 * Why not jansson: coercion must see a number's exact text (a decimal(38,
 * 10) or a 64-bit integer must not pass through a double), must know when
 * an object names a member twice, and must be fast on millions of small
 * records.  So this is a recursive-descent parser (RFC 8259) that fills a
 * reusable node array and string buffer: no allocation per record once
 * the buffers have grown.  Numbers keep their text (an offset into the
 * input); strings are checked to be valid UTF-8 and, when they hold an
 * escape, unescaped into doc->strs (a string without one stays where it
 * is in the input: ki_jstr tells the two apart), \u escapes included (a lone surrogate is invalid).
 * Depth is limited (doc->max_depth), so hostile input cannot exhaust the stack.
 *
 * Also here, since the splitters and coercion share them: reason names,
 * ki_failf and the UTF-8 validator.
 */
#include "ingest/ingest_int.h"

#include <stdio.h>
#include <string.h>

static const char *const REASONS[KI_N_REASONS] = {
    "ok",
    "invalid_json",
    "invalid_utf8",
    "line_too_long",
    "truncated",
    "not_an_object",
    "duplicate_field",
    "unknown_field",
    "missing_field",
    "null_in_required",
    "wrong_type",
    "not_integral",
    "out_of_range",
    "invalid_value",
    "decimal_scale",
    "value_too_long",
    "ragged_row",
    "csv_syntax",
};

const char *ki_reason_name(ki_reason r)
{
    return (unsigned)r < KI_N_REASONS ? REASONS[r] : "unknown";
}

ki_reason ki_failf(ki_fail *f, ki_reason r, const char *fmt, ...)
{
    f->reason = r;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->detail, sizeof f->detail, fmt, ap);
    va_end(ap);
    return r;
}

/* Length of the UTF-8 sequence at s (s[0] >= 0x80), 0 when invalid. */
static size_t utf8_seq(const uint8_t *s, size_t n)
{
    uint8_t c = s[0];
    size_t len;
    uint32_t min, cp;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2, min = 0x80, cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3, min = 0x800, cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4, min = 0x10000, cp = c & 0x07;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

bool ki_utf8_valid(const uint8_t *s, size_t n, size_t *bad)
{
    size_t i = 0;
    while (i < n) {
        /* ASCII fast path, 8 bytes at a time */
        while (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            if (w & 0x8080808080808080ull)
                break;
            i += 8;
        }
        if (i >= n)
            break;
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        size_t len = utf8_seq(s + i, n - i);
        if (!len) {
            if (bad)
                *bad = i;
            return false;
        }
        i += len;
    }
    return true;
}

/* --------------------------------------------------------------- parser */

typedef struct jp {
    ki_json *doc;
    const char *s;
    size_t n, i;
    uint32_t depth;
    ki_fail *f;
    bool nomem;
} jp;

static ki_reason jp_fail(jp *p, ki_reason r, const char *what)
{
    return ki_failf(p->f, r, "%s at byte %zu", what, p->i);
}

static void jp_ws(jp *p)
{
    while (p->i < p->n) {
        char c = p->s[p->i];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            return;
        p->i++;
    }
}

static bool jp_node(jp *p, uint8_t type, uint32_t *idx)
{
    ko_buf *b = &p->doc->nodes;
    size_t at = b->len / sizeof(ki_jnode);
    if (at > UINT32_MAX - 1 || (b->cap - b->len <= sizeof(ki_jnode) &&
                                ko_buf_reserve(b, 64 * sizeof(ki_jnode)) != KO_OK)) {
        p->nomem = true;
        return false;
    }
    ki_jnode *nd = (ki_jnode *)(b->data + b->len);
    memset(nd, 0, sizeof *nd);
    nd->type = type;
    b->len += sizeof *nd;
    b->data[b->len] = 0; /* ko_buf keeps a NUL past len */
    *idx = (uint32_t)at;
    return true;
}

static ki_jnode *jp_at(jp *p, uint32_t i)
{
    return (ki_jnode *)p->doc->nodes.data + i;
}

static bool put(jp *p, const void *b, size_t n)
{
    if (ko_buf_append(&p->doc->strs, b, n) != KO_OK) {
        p->nomem = true;
        return false;
    }
    return true;
}

static int hexv(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool hex4(jp *p, uint32_t *out)
{
    if (p->n - p->i < 4)
        return false;
    uint32_t v = 0;
    for (int k = 0; k < 4; k++) {
        int h = hexv(p->s[p->i + (size_t)k]);
        if (h < 0)
            return false;
        v = v << 4 | (uint32_t)h;
    }
    p->i += 4;
    *out = v;
    return true;
}

static bool put_cp(jp *p, uint32_t cp)
{
    uint8_t b[4];
    size_t n;
    if (cp < 0x80) {
        b[0] = (uint8_t)cp, n = 1;
    } else if (cp < 0x800) {
        b[0] = (uint8_t)(0xC0 | cp >> 6), b[1] = (uint8_t)(0x80 | (cp & 0x3F)), n = 2;
    } else if (cp < 0x10000) {
        b[0] = (uint8_t)(0xE0 | cp >> 12), b[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
        b[2] = (uint8_t)(0x80 | (cp & 0x3F)), n = 3;
    } else {
        b[0] = (uint8_t)(0xF0 | cp >> 18), b[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3F));
        b[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3F)), b[3] = (uint8_t)(0x80 | (cp & 0x3F)), n = 4;
    }
    return put(p, b, n);
}

/* After the backslash of a \u escape. */
static ki_reason jp_unicode(jp *p)
{
    uint32_t cp, lo;
    if (!hex4(p, &cp))
        return jp_fail(p, KI_INVALID_JSON, "bad \\u escape");
    if (cp >= 0xDC00 && cp <= 0xDFFF)
        return jp_fail(p, KI_INVALID_UTF8, "lone low surrogate escape");
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        if (p->n - p->i < 2 || p->s[p->i] != '\\' || p->s[p->i + 1] != 'u')
            return jp_fail(p, KI_INVALID_UTF8, "lone high surrogate escape");
        p->i += 2;
        if (!hex4(p, &lo) || lo < 0xDC00 || lo > 0xDFFF)
            return jp_fail(p, KI_INVALID_UTF8, "bad surrogate pair escape");
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    }
    return put_cp(p, cp) ? KI_OK : KI_INVALID_JSON;
}

static ki_reason jp_escape(jp *p)
{
    if (p->i >= p->n)
        return jp_fail(p, KI_TRUNCATED, "text ends inside a string");
    char c = p->s[p->i++];
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    const char *k = c ? strchr(from, c) : NULL;
    if (k)
        return put(p, &to[k - from], 1) ? KI_OK : KI_INVALID_JSON;
    if (c == 'u')
        return jp_unicode(p);
    p->i--;
    return jp_fail(p, KI_INVALID_JSON, "bad escape");
}

/* A string at p->i (after the opening quote): unescaped into strs. */
/* The fast path of jp_string: a string without escapes (valid UTF-8) is
 * used where it is in the text (KI_JSTR_TEXT); false: take the slow path. */
static bool jp_plain_string(jp *p, size_t *off, size_t *len)
{
    size_t i = p->i;
    while (i < p->n && (unsigned char)p->s[i] >= 0x20 && p->s[i] != '"' && p->s[i] != '\\')
        i++;
    size_t bad_at = 0;
    if (i >= p->n || p->s[i] != '"' ||
        !ki_utf8_valid((const uint8_t *)p->s + p->i, i - p->i, &bad_at))
        return false;
    *off = p->i | KI_JSTR_TEXT;
    *len = i - p->i;
    p->i = i + 1;
    return true;
}

static ki_reason jp_string(jp *p, size_t *off, size_t *len)
{
    if (jp_plain_string(p, off, len))
        return KI_OK;
    *off = p->doc->strs.len;
    for (;;) {
        size_t start = p->i;
        while (p->i < p->n) {
            unsigned char c = (unsigned char)p->s[p->i];
            if (c == '"' || c == '\\' || c < 0x20)
                break;
            p->i++;
        }
        size_t bad = 0;
        if (!ki_utf8_valid((const uint8_t *)p->s + start, p->i - start, &bad)) {
            p->i = start + bad;
            return jp_fail(p, KI_INVALID_UTF8, "invalid UTF-8 in a string");
        }
        if (p->i > start && !put(p, p->s + start, p->i - start))
            return KI_INVALID_JSON;
        if (p->i >= p->n)
            return jp_fail(p, KI_TRUNCATED, "text ends inside a string");
        char c = p->s[p->i++];
        if (c == '"')
            break;
        if (c != '\\') {
            p->i--;
            return jp_fail(p, KI_INVALID_JSON, "control character in a string");
        }
        ki_reason r = jp_escape(p);
        if (r != KI_OK)
            return r;
    }
    *len = p->doc->strs.len - *off;
    return KI_OK;
}

static bool isdig(char c)
{
    return c >= '0' && c <= '9';
}

bool ki_number_syntax(const char *s, size_t n)
{
    size_t i = 0;
    if (i < n && s[i] == '-')
        i++;
    if (i >= n)
        return false;
    if (s[i] == '0') {
        i++;
    } else if (s[i] >= '1' && s[i] <= '9') {
        while (i < n && isdig(s[i]))
            i++;
    } else {
        return false;
    }
    if (i < n && s[i] == '.') {
        size_t d = ++i;
        while (i < n && isdig(s[i]))
            i++;
        if (i == d)
            return false;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t d = i;
        while (i < n && isdig(s[i]))
            i++;
        if (i == d)
            return false;
    }
    return i == n;
}

static ki_reason jp_number(jp *p, ki_jnode *nd)
{
    size_t st = p->i;
    while (p->i < p->n && (isdig(p->s[p->i]) || (p->s[p->i] && strchr("+-.eE", p->s[p->i]))))
        p->i++;
    if (!ki_number_syntax(p->s + st, p->i - st))
        return jp_fail(p, p->i == p->n ? KI_TRUNCATED : KI_INVALID_JSON, "bad number");
    nd->off = st;
    nd->len = p->i - st;
    return KI_OK;
}

static ki_reason jp_value(jp *p, uint32_t *idx);

static void link_child(jp *p, uint32_t parent, uint32_t child)
{
    ki_jnode *par = jp_at(p, parent);
    if (par->n == 0)
        par->first = child;
    else
        jp_at(p, par->last)->next = child;
    par->last = child;
    par->n++;
}

static bool dup_key(jp *p, uint32_t obj, size_t off, size_t len)
{
    const ki_jnode *o = jp_at(p, obj);
    const char *k = ki_jstr(p->doc, off);
    for (uint32_t c = o->n ? o->first : 0; c; c = jp_at(p, c)->next) {
        const ki_jnode *m = jp_at(p, c);
        if (m->key_len != len)
            continue;
        const char *mk = ki_jstr(p->doc, m->key_off);
        if (len == 0 || (mk[0] == k[0] && mk[len - 1] == k[len - 1] && memcmp(mk, k, len) == 0))
            return true;
        if (c == o->last)
            break;
    }
    return false;
}

static ki_reason jp_member(jp *p, uint32_t obj)
{
    size_t koff = 0, klen = 0;
    if (p->i >= p->n)
        return jp_fail(p, KI_TRUNCATED, "text ends inside an object");
    if (p->s[p->i] != '"')
        return jp_fail(p, KI_INVALID_JSON, "expected a member name");
    p->i++;
    ki_reason r = jp_string(p, &koff, &klen);
    if (r != KI_OK)
        return r;
    if (dup_key(p, obj, koff, klen)) {
        ki_failf(p->f, KI_DUPLICATE_FIELD, "member '%.*s' appears twice",
                 (int)(klen > 64 ? 64 : klen), ki_jstr(p->doc, koff));
        snprintf(p->f->field, sizeof p->f->field, "%.*s", (int)(klen > 200 ? 200 : klen),
                 ki_jstr(p->doc, koff));
        return KI_DUPLICATE_FIELD;
    }
    jp_ws(p);
    if (p->i >= p->n)
        return jp_fail(p, KI_TRUNCATED, "text ends inside an object");
    if (p->s[p->i] != ':')
        return jp_fail(p, KI_INVALID_JSON, "expected ':'");
    p->i++;
    uint32_t v = 0;
    r = jp_value(p, &v);
    if (r != KI_OK)
        return r;
    jp_at(p, v)->key_off = koff;
    jp_at(p, v)->key_len = klen;
    link_child(p, obj, v);
    return KI_OK;
}

/* Object or array after its opening bracket. */
static ki_reason jp_container(jp *p, uint32_t idx, bool is_obj)
{
    char close = is_obj ? '}' : ']';
    jp_ws(p);
    if (p->i < p->n && p->s[p->i] == close) {
        p->i++;
        return KI_OK;
    }
    for (;;) {
        ki_reason r;
        if (is_obj) {
            r = jp_member(p, idx);
        } else {
            uint32_t v = 0;
            r = jp_value(p, &v);
            if (r == KI_OK)
                link_child(p, idx, v);
        }
        if (r != KI_OK)
            return r;
        jp_ws(p);
        if (p->i >= p->n)
            return jp_fail(p, KI_TRUNCATED,
                           is_obj ? "text ends inside an object" : "text ends inside an array");
        char c = p->s[p->i++];
        if (c == close)
            return KI_OK;
        if (c != ',') {
            p->i--;
            return jp_fail(p, KI_INVALID_JSON,
                           is_obj ? "expected ',' or '}'" : "expected ',' or ']'");
        }
        jp_ws(p);
    }
}

static ki_reason jp_literal(jp *p, const char *word, uint8_t type, uint32_t *idx)
{
    size_t n = strlen(word);
    if (p->n - p->i < n && memcmp(p->s + p->i, word, p->n - p->i) == 0)
        return jp_fail(p, KI_TRUNCATED, "text ends inside a literal");
    if (p->n - p->i < n || memcmp(p->s + p->i, word, n) != 0)
        return jp_fail(p, KI_INVALID_JSON, "unexpected character");
    p->i += n;
    return jp_node(p, type, idx) ? KI_OK : KI_INVALID_JSON;
}

static ki_reason jp_value(jp *p, uint32_t *idx)
{
    jp_ws(p);
    if (p->i >= p->n)
        return jp_fail(p, KI_TRUNCATED, "text ends where a value should be");
    char c = p->s[p->i];
    ki_reason r;
    if (c == '{' || c == '[') {
        if (++p->depth > p->doc->max_depth)
            return jp_fail(p, KI_INVALID_JSON, "nesting too deep");
        p->i++;
        if (!jp_node(p, c == '{' ? KI_J_OBJ : KI_J_ARR, idx))
            return KI_INVALID_JSON;
        r = jp_container(p, *idx, c == '{');
        p->depth--;
        return r;
    }
    if (c == '"') {
        p->i++;
        size_t off = 0, len = 0;
        r = jp_string(p, &off, &len);
        if (r == KI_OK && !jp_node(p, KI_J_STR, idx))
            return KI_INVALID_JSON;
        if (r == KI_OK)
            jp_at(p, *idx)->off = off, jp_at(p, *idx)->len = len;
        return r;
    }
    if (c == 't')
        return jp_literal(p, "true", KI_J_TRUE, idx);
    if (c == 'f')
        return jp_literal(p, "false", KI_J_FALSE, idx);
    if (c == 'n')
        return jp_literal(p, "null", KI_J_NULL, idx);
    if (!jp_node(p, KI_J_NUM, idx))
        return KI_INVALID_JSON;
    ki_jnode nd = {0};
    r = jp_number(p, &nd);
    jp_at(p, *idx)->off = nd.off;
    jp_at(p, *idx)->len = nd.len;
    return r;
}

ki_reason ki_json_parse(ki_json *doc, const char *s, size_t n, ki_fail *f, bool *nomem)
{
    ko_buf_reset(&doc->nodes);
    ko_buf_reset(&doc->strs);
    if (!doc->max_depth)
        doc->max_depth = 128;
    doc->text = s;
    jp p = {.doc = doc, .s = s, .n = n, .f = f};
    uint32_t root = 0;
    ki_reason r = jp_value(&p, &root);
    if (r == KI_OK) {
        jp_ws(&p);
        if (p.i < p.n)
            r = jp_fail(&p, KI_INVALID_JSON, "text after the value");
    }
    if (p.nomem) {
        *nomem = true;
        return ki_failf(f, KI_INVALID_JSON, "out of memory");
    }
    return r;
}

void ki_json_free(ki_json *doc)
{
    ko_buf_free(&doc->nodes);
    ko_buf_free(&doc->strs);
}
