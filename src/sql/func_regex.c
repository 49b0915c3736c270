/*
 * func_regex.c - regular expression functions on PCRE2 (8-bit, UTF mode)
 * with DuckDB's (RE2-based) semantics:
 *
 *   regexp_matches(s, p [, opts])        partial match -> BOOLEAN
 *   regexp_full_match(s, p [, opts])     whole-string match -> BOOLEAN
 *   regexp_replace(s, p, r [, opts])     first match, or all with 'g';
 *                                        \0..\9 insert groups, \\ a
 *                                        backslash (an invalid rewrite
 *                                        leaves s unchanged, as RE2)
 *   regexp_extract(s, p [, group])       the group of the first match,
 *                                        '' when none
 *
 * Options (constant): c case-sensitive, i case-insensitive, l literal,
 * s dot matches newline, m n p newline-sensitive (the default), g global
 * (regexp_replace only).  Constant patterns are compiled once in bind
 * into the bind arena and kept in bind_data; a column of patterns is
 * compiled per row with a one-entry cache.  No JIT: bind_data has no
 * destructor and JIT code cannot be placed in an arena (exec could add a
 * cleanup hook to the bind API; then pcre2_jit_compile can be turned on).  Match data is allocated
 * once per batch.  Global replacement follows RE2: after a non-empty match an empty match at the
 * same position is not taken.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "sql/func_util.h"

#include <pcre2.h>
#include <stdio.h>

typedef struct rx_bind {
    uint32_t flags; /* PCRE2 compile options */
    bool global;
    bool full;
    int group;        /* regexp_extract */
    pcre2_code *code; /* constant pattern, else NULL */
} rx_bind;

/* ------------------------------------------------------------ compiling */

/* PCRE2 memory from the bind arena: a pattern compiled in bind lives as
 * long as the bound expression and is never freed one by one (bind_data
 * has no destructor).  JIT code cannot live in an arena, so bind-time
 * patterns run on the interpreter; see the file comment. */
static void *arena_malloc(PCRE2_SIZE n, void *data)
{
    return ko_arena_alloc(data, n);
}

static void arena_free(void *p, void *data)
{
    (void)p;
    (void)data;
}

static ko_status rx_compile(const rx_bind *b, const char *p, size_t n, ko_arena *arena,
                            pcre2_code **out, ko_err *err)
{
    int ec = 0;
    PCRE2_SIZE off = 0;
    uint32_t flags = b->flags | PCRE2_UTF | PCRE2_MATCH_INVALID_UTF;
    if (b->full)
        flags |= PCRE2_ANCHORED | PCRE2_ENDANCHORED;
    pcre2_general_context *g =
        arena ? pcre2_general_context_create(arena_malloc, arena_free, arena) : NULL;
    pcre2_compile_context *cc = g ? pcre2_compile_context_create(g) : NULL;
    if (arena && !cc)
        return ko_err_set(err, KO_ERR_NOMEM, "regex: out of memory");
    pcre2_code *c = pcre2_compile((PCRE2_SPTR)(p ? p : ""), n, flags, &ec, &off, cc);
    if (!c) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(ec, msg, sizeof msg);
        return ko_err_set(err, KO_ERR_INVALID,
                          "Invalid regular expression '%.*s': %s at offset %zu",
                          (int)(n > 200 ? 200 : n), p ? p : "", (const char *)msg, (size_t)off);
    }
    *out = c;
    return KO_OK;
}

static ko_status rx_options(rx_bind *b, const ko_vec *opt, bool is_replace, ko_err *err)
{
    if (!opt)
        return ko_err_set(err, KO_ERR_INVALID, "Regex options field must be a constant");
    if (!ko_vec_valid(opt, 0))
        return ko_err_set(err, KO_ERR_INVALID, "Regex options field must not be NULL");
    ko_sql_str s = fu_str(opt, 0);
    for (uint32_t i = 0; i < s.len; i++) {
        switch (s.ptr[i]) {
        case 'c':
            b->flags &= ~(uint32_t)PCRE2_CASELESS;
            break;
        case 'i':
            b->flags |= PCRE2_CASELESS;
            break;
        case 'l':
            b->flags |= PCRE2_LITERAL;
            break;
        case 's':
            b->flags |= PCRE2_DOTALL;
            break;
        case 'm':
        case 'n':
        case 'p':
            b->flags &= ~(uint32_t)PCRE2_DOTALL;
            break;
        case 'g':
            if (!is_replace)
                return ko_err_set(err, KO_ERR_INVALID,
                                  "Option 'g' (global replace) is only valid for regexp_replace");
            b->global = true;
            break;
        case ' ':
        case '\t':
        case '\n':
            break;
        default:
            return ko_err_set(err, KO_ERR_INVALID, "Unrecognized Regex option %c", s.ptr[i]);
        }
    }
    return KO_OK;
}

static ko_status rx_bind_common(const ko_sql_dtype *bargs, size_t n, ko_vec *const *const_args,
                                ko_arena *arena, void **bind_data, ko_err *err, bool full, int kind)
{
    (void)bargs;
    rx_bind *b = ko_arena_calloc(arena, 1, sizeof *b);
    if (!b)
        return ko_err_set(err, KO_ERR_NOMEM, "regex: out of memory");
    b->full = full;
    size_t opt_at = kind == 1 ? 3 : 2; /* replace: (s, p, r, opts) */
    if (kind != 2 && n > opt_at) {
        ko_status st = rx_options(b, fu_const_arg(const_args, opt_at), kind == 1, err);
        if (st != KO_OK)
            return st;
    }
    if (kind == 2 && n > 2) {
        const ko_vec *g = fu_const_arg(const_args, 2);
        if (!g || !ko_vec_valid(g, 0))
            return ko_err_set(err, KO_ERR_INVALID, "Group index field field must be a constant!");
        int64_t gi = fu_i64(g, 0);
        if (gi < 0 || gi > 9)
            return ko_err_set(err, KO_ERR_INVALID, "Group index must be between 0 and 9!");
        b->group = (int)gi;
    }
    *bind_data = b;
    const ko_vec *p = fu_const_arg(const_args, 1);
    if (p && ko_vec_valid(p, 0)) {
        ko_sql_str ps = fu_str(p, 0);
        return rx_compile(b, ps.ptr, ps.len, arena, &b->code, err);
    }
    return KO_OK;
}

static ko_status bind_matches(KO_BIND_PARAMS)
{
    *ret = ko_sql_dtype_of(KO_SQL_DT_BOOLEAN);
    return rx_bind_common(bargs, bn_args, const_args, arena, bind_data, err, false, 0);
}

static ko_status bind_full(KO_BIND_PARAMS)
{
    *ret = ko_sql_dtype_of(KO_SQL_DT_BOOLEAN);
    return rx_bind_common(bargs, bn_args, const_args, arena, bind_data, err, true, 0);
}

static ko_status bind_replace(KO_BIND_PARAMS)
{
    *ret = ko_sql_dtype_of(KO_SQL_DT_VARCHAR);
    return rx_bind_common(bargs, bn_args, const_args, arena, bind_data, err, false, 1);
}

static ko_status bind_extract(KO_BIND_PARAMS)
{
    *ret = ko_sql_dtype_of(KO_SQL_DT_VARCHAR);
    return rx_bind_common(bargs, bn_args, const_args, arena, bind_data, err, false, 2);
}

/* ------------------------------------------------------- per-call state */

/* The pattern for row i: the constant one, or a per-row compile cached
 * while the pattern text repeats. */
typedef struct rx_state {
    const rx_bind *b;
    pcre2_code *own; /* compiled here (freed at the end of the call) */
    ko_sql_str own_src;
    pcre2_match_data *md;
    const ko_sql_fn_ctx *ctx;
} rx_state;

static ko_status rx_state_init(rx_state *s, const ko_sql_fn_ctx *ctx)
{
    memset(s, 0, sizeof *s);
    s->b = ctx->bind_data;
    s->ctx = ctx;
    if (!s->b)
        return ko_err_set(ctx->err, KO_ERR_INTERNAL, "regex: function called without bind");
    s->md = pcre2_match_data_create(11, NULL);
    return s->md ? KO_OK : fu_nomem(ctx, "regex");
}

static void rx_state_free(rx_state *s)
{
    pcre2_code_free(s->own);
    pcre2_match_data_free(s->md);
}

static ko_status rx_code(rx_state *s, const ko_vec *pat, size_t i, const pcre2_code **out)
{
    if (s->b->code) {
        *out = s->b->code;
        return KO_OK;
    }
    ko_sql_str p = fu_str(pat, i);
    if (!s->own || p.len != s->own_src.len ||
        (p.len && memcmp(p.ptr, s->own_src.ptr, p.len) != 0)) {
        pcre2_code_free(s->own);
        s->own = NULL;
        ko_status st = rx_compile(s->b, p.ptr, p.len, NULL, &s->own, s->ctx->err);
        if (st != KO_OK)
            return st;
        s->own_src = p;
    }
    *out = s->own;
    return KO_OK;
}

/* pcre2_match: > 0 matched, PCRE2_ERROR_NOMATCH (< 0) no match, other
 * negatives are errors (e.g. match limits). */
static int rx_match(rx_state *s, const pcre2_code *c, ko_sql_str str, size_t start, uint32_t opts)
{
    return pcre2_match(c, (PCRE2_SPTR)(str.ptr ? str.ptr : ""), str.len, start, opts, s->md, NULL);
}

static ko_status rx_fail(rx_state *s, int rc)
{
    PCRE2_UCHAR msg[256];
    pcre2_get_error_message(rc, msg, sizeof msg);
    return ko_err_set(s->ctx->err, KO_ERR_INVALID, "regular expression match failed: %s",
                      (const char *)msg);
}

/* ------------------------------------------------------------ functions */

static ko_status fn_matches(KO_FN_PARAMS)
{
    (void)n_args;
    rx_state s;
    ko_status st = rx_state_init(&s, ctx);
    uint8_t *o = out->data;
    KO_SQL_LOOP(i, sel, n_sel, n_rows, {
        o[i] = 0;
        if (st != KO_OK || !fu_live(out, i))
            continue;
        const pcre2_code *c;
        st = rx_code(&s, args[1], i, &c);
        if (st != KO_OK)
            break;
        int rc = rx_match(&s, c, fu_str(args[0], i), 0, 0);
        if (rc < 0 && rc != PCRE2_ERROR_NOMATCH) {
            st = rx_fail(&s, rc);
            break;
        }
        o[i] = rc >= 0;
    });
    rx_state_free(&s);
    return st;
}

static ko_status fn_extract(KO_FN_PARAMS)
{
    (void)n_args;
    rx_state s;
    ko_status st = rx_state_init(&s, ctx);
    ko_sql_str *o = KO_VEC_DATA(out, ko_sql_str);
    KO_SQL_LOOP(i, sel, n_sel, n_rows, {
        o[i] = (ko_sql_str){NULL, 0, 0};
        if (st != KO_OK || !fu_live(out, i))
            continue;
        const pcre2_code *c;
        st = rx_code(&s, args[1], i, &c);
        if (st != KO_OK)
            break;
        ko_sql_str str = fu_str(args[0], i);
        int rc = rx_match(&s, c, str, 0, 0);
        if (rc < 0 && rc != PCRE2_ERROR_NOMATCH) {
            st = rx_fail(&s, rc);
            break;
        }
        size_t g = (size_t)s.b->group;
        const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(s.md);
        if (rc <= (int)g || ov[2 * g] == PCRE2_UNSET)
            continue;
        if (!fu_set(out, i, str.ptr + ov[2 * g], ov[2 * g + 1] - ov[2 * g])) {
            st = fu_nomem(ctx, "regexp_extract");
            break;
        }
    });
    rx_state_free(&s);
    return st;
}

/* Whether rewrite r is valid for a pattern with `groups` capture groups
 * (RE2: only \0..\9 within range and \\ may follow a backslash). */
static bool rewrite_ok(ko_sql_str r, uint32_t groups)
{
    for (uint32_t k = 0; k < r.len; k++) {
        if (r.ptr[k] != '\\')
            continue;
        if (++k >= r.len)
            return false;
        char c = r.ptr[k];
        if (c == '\\')
            continue;
        if (c < '0' || c > '9' || (uint32_t)(c - '0') > groups)
            return false;
    }
    return true;
}

static ko_status append_rewrite(ko_buf *b, ko_sql_str r, ko_sql_str str, const PCRE2_SIZE *ov,
                                int rc)
{
    ko_status st = KO_OK;
    for (uint32_t k = 0; k < r.len && st == KO_OK; k++) {
        char c = r.ptr[k];
        if (c != '\\') {
            st = ko_buf_append(b, &c, 1);
            continue;
        }
        c = r.ptr[++k];
        if (c == '\\') {
            st = ko_buf_append(b, &c, 1);
            continue;
        }
        size_t g = (size_t)(c - '0');
        if ((int)g < rc && ov[2 * g] != PCRE2_UNSET && ov[2 * g + 1] > ov[2 * g])
            st = ko_buf_append(b, str.ptr + ov[2 * g], ov[2 * g + 1] - ov[2 * g]);
    }
    return st;
}

/* Replaces the first (or every) match of c in str by r into b; *changed
 * false when nothing matched.  Returns a PCRE2 error code (< -1) or 0. */
static int replace_into(rx_state *s, const pcre2_code *c, ko_sql_str str, ko_sql_str r, ko_buf *b,
                        ko_status *st)
{
    size_t pos = 0, copied = 0;
    uint32_t opts = 0;
    while (pos <= str.len && *st == KO_OK) {
        int rc = rx_match(s, c, str, pos, opts);
        if (rc == PCRE2_ERROR_NOMATCH)
            break;
        if (rc < 0)
            return rc;
        const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(s->md);
        *st = ko_buf_append(b, str.ptr + copied, ov[0] - copied);
        if (*st == KO_OK)
            *st = append_rewrite(b, r, str, ov, rc);
        copied = ov[1];
        if (!s->b->global)
            break;
        if (ov[1] == ov[0]) {
            if (ov[1] >= str.len)
                break;
            size_t step = fu_utf8_seq((unsigned char)str.ptr[ov[1]]);
            pos = ov[1] + step;
            opts = 0;
            if (*st == KO_OK)
                *st = ko_buf_append(b, str.ptr + copied, step);
            copied = pos;
        } else {
            pos = ov[1];
            opts = PCRE2_NOTEMPTY_ATSTART;
        }
    }
    if (*st == KO_OK && copied < str.len)
        *st = ko_buf_append(b, str.ptr + copied, str.len - copied);
    return 0;
}

static ko_status replace_row(rx_state *s, ko_buf *b, ko_vec *const *args, size_t i, ko_vec *out)
{
    const pcre2_code *c;
    ko_status st = rx_code(s, args[1], i, &c);
    if (st != KO_OK)
        return st;
    ko_sql_str str = fu_str(args[0], i), r = fu_str(args[2], i);
    uint32_t groups = 0;
    pcre2_pattern_info(c, PCRE2_INFO_CAPTURECOUNT, &groups);
    if (!rewrite_ok(r, groups))
        return fu_set(out, i, str.ptr, str.len) ? KO_OK : fu_nomem(s->ctx, "regexp_replace");
    ko_buf_reset(b);
    int rc = replace_into(s, c, str, r, b, &st);
    if (rc < 0)
        return rx_fail(s, rc);
    if (st != KO_OK)
        return fu_nomem(s->ctx, "regexp_replace");
    return fu_set(out, i, (const char *)b->data, b->len) ? KO_OK
                                                         : fu_nomem(s->ctx, "regexp_replace");
}

static ko_status fn_replace(KO_FN_PARAMS)
{
    (void)n_args;
    rx_state s;
    ko_status st = rx_state_init(&s, ctx);
    ko_sql_str *o = KO_VEC_DATA(out, ko_sql_str);
    ko_buf b = {0};
    KO_SQL_LOOP(i, sel, n_sel, n_rows, {
        o[i] = (ko_sql_str){NULL, 0, 0};
        if (st != KO_OK || !fu_live(out, i))
            continue;
        st = replace_row(&s, &b, args, i, out);
        if (st != KO_OK)
            break;
    });
    ko_buf_free(&b);
    rx_state_free(&s);
    return st;
}

/* -------------------------------------------------------------- registry */

#define T(x) KO_SQL_DT_##x
static const ko_sql_func regex_funcs[] = {
    {"regexp_matches",
     {T(VARCHAR), T(VARCHAR)},
     2,
     T(NULL),
     T(BOOLEAN),
     0,
     bind_matches,
     fn_matches},
    {"regexp_matches",
     {T(VARCHAR), T(VARCHAR), T(VARCHAR)},
     3,
     T(NULL),
     T(BOOLEAN),
     0,
     bind_matches,
     fn_matches},
    {"regexp_full_match",
     {T(VARCHAR), T(VARCHAR)},
     2,
     T(NULL),
     T(BOOLEAN),
     0,
     bind_full,
     fn_matches},
    {"regexp_full_match",
     {T(VARCHAR), T(VARCHAR), T(VARCHAR)},
     3,
     T(NULL),
     T(BOOLEAN),
     0,
     bind_full,
     fn_matches},
    {"regexp_replace",
     {T(VARCHAR), T(VARCHAR), T(VARCHAR)},
     3,
     T(NULL),
     T(VARCHAR),
     0,
     bind_replace,
     fn_replace},
    {"regexp_replace",
     {T(VARCHAR), T(VARCHAR), T(VARCHAR), T(VARCHAR)},
     4,
     T(NULL),
     T(VARCHAR),
     0,
     bind_replace,
     fn_replace},
    {"regexp_extract",
     {T(VARCHAR), T(VARCHAR)},
     2,
     T(NULL),
     T(VARCHAR),
     0,
     bind_extract,
     fn_extract},
    {"regexp_extract",
     {T(VARCHAR), T(VARCHAR), T(BIGINT)},
     3,
     T(NULL),
     T(VARCHAR),
     0,
     bind_extract,
     fn_extract},
};
#undef T

const ko_sql_func_lib ko_sql_lib_regex = {regex_funcs, KO_ARRAY_LEN(regex_funcs)};
