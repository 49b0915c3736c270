/*
 * template.c - "{{ name }}" substitution in steps and a run's variables
 * (pipeline.h).
 *
 * In SQL every value is inserted as a string literal with quotes doubled,
 * so a parameter can never end the literal and add SQL of its own; the
 * "| raw" filter is only accepted for values that are plain numbers or
 * identifiers (a LIMIT, a column name).  Elsewhere (command arguments,
 * ingest URIs) values are inserted as text: commands are run without a
 * shell when given as a list.
 */
#include "pipeline/pipeline.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static const char *lookup(const ko_pipe_vars *v, const char *name, size_t len)
{
    for (size_t i = v->n; i-- > 0;)
        if (strlen(v->names[i]) == len && memcmp(v->names[i], name, len) == 0)
            return v->values[i];
    return NULL;
}

static bool raw_ok(const char *s)
{
    const char *p = s + (*s == '-');
    if (isdigit((unsigned char)*p)) {
        size_t n = strspn(p, "0123456789");
        if (p[n] == '.')
            n += 1 + strspn(p + n + 1, "0123456789");
        return p[n] == '\0';
    }
    if (!isalpha((unsigned char)*s) && *s != '_')
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_' && *s != '.')
            return false;
    return true;
}

static ko_status put_value(ko_buf *out, const char *val, bool quote, ko_err *err)
{
    ko_status st = KO_OK;
    if (!quote)
        return ko_buf_append_str(out, val);
    st = ko_buf_append(out, "'", 1);
    for (const char *c = val; st == KO_OK && *c; c++)
        st = *c == '\'' ? ko_buf_append(out, "''", 2) : ko_buf_append(out, c, 1);
    if (st == KO_OK)
        st = ko_buf_append(out, "'", 1);
    return st == KO_OK ? KO_OK : ko_err_set(err, KO_ERR_NOMEM, "out of memory rendering");
}

/* One "{{ ... }}" whose inside is [b, e). */
static ko_status expand(const ko_pipe_vars *v, const char *b, const char *e, bool sql_quote,
                        ko_buf *out, ko_err *err)
{
    while (b < e && isspace((unsigned char)*b))
        b++;
    while (e > b && isspace((unsigned char)e[-1]))
        e--;
    const char *bar = memchr(b, '|', (size_t)(e - b));
    const char *name_end = bar ? bar : e;
    while (name_end > b && isspace((unsigned char)name_end[-1]))
        name_end--;
    bool raw = false;
    if (bar) {
        const char *f = bar + 1;
        while (f < e && isspace((unsigned char)*f))
            f++;
        size_t flen = (size_t)(e - f);
        // cppcheck-suppress knownConditionTrueFalse ; e - f varies with the text
        if (flen != 3 || memcmp(f, "raw", 3) != 0)
            return ko_err_set(err, KO_ERR_INVALID, "template: unknown filter '%.*s'", (int)(e - f),
                              f);
        raw = true;
    }
    size_t len = (size_t)(name_end - b);
    const char *key = len > 7 && memcmp(b, "params.", 7) == 0 ? b + 7 : b;
    const char *val = lookup(v, key, len - (size_t)(key - b));
    if (!val)
        return ko_err_set(err, KO_ERR_INVALID, "template: unknown variable '%.*s'", (int)len, b);
    if (raw && !raw_ok(val))
        return ko_err_set(err, KO_ERR_INVALID,
                          "template: '%.*s' = '%s' is not a number or identifier, so it cannot "
                          "be inserted raw",
                          (int)len, b, val);
    return put_value(out, val, sql_quote && !raw, err);
}

ko_status ko_pipe_render(const char *tmpl, const ko_pipe_vars *v, bool sql_quote, ko_arena *a,
                         const char **out, ko_err *err)
{
    ko_buf b = {0};
    ko_status st = KO_OK;
    const char *p = tmpl;
    while (st == KO_OK) {
        const char *open = strstr(p, "{{");
        if (!open) {
            st = ko_buf_append_str(&b, p);
            break;
        }
        const char *close = strstr(open + 2, "}}");
        if (!close) {
            st = ko_err_set(err, KO_ERR_INVALID, "template: '{{' at offset %zu is not closed",
                            (size_t)(open - tmpl));
            break;
        }
        st = ko_buf_append(&b, p, (size_t)(open - p));
        if (st == KO_OK)
            st = expand(v, open + 2, close, sql_quote, &b, err);
        p = close + 2;
    }
    if (st == KO_OK && !(*out = ko_arena_strndup(a, b.data ? (const char *)b.data : "", b.len)))
        st = ko_err_set(err, KO_ERR_NOMEM, "out of memory rendering");
    ko_buf_free(&b);
    return st;
}

/* ------------------------------------------------------------------ vars */

typedef struct varset {
    ko_pipe_vars *v;
    size_t cap;
    ko_arena *a;
} varset;

static ko_status add(varset *s, const char *name, const char *value, ko_err *err)
{
    if (s->v->n == s->cap)
        return ko_err_set(err, KO_ERR_INVALID, "too many parameters");
    s->v->names[s->v->n] = ko_arena_strdup(s->a, name);
    s->v->values[s->v->n] = ko_arena_strdup(s->a, value);
    if (!s->v->names[s->v->n] || !s->v->values[s->v->n])
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory");
    s->v->n++;
    return KO_OK;
}

static ko_status add_builtins(varset *s, const ko_cat_run *run, ko_err *err)
{
    char date[11], ts[KO_TIME_STR_MAX], attempt[24];
    int64_t when = run->scheduled_us ? run->scheduled_us : run->created_us;
    ko_time_format(when, ts);
    ko_pipe_local_date(when, NULL, date);
    snprintf(attempt, sizeof attempt, "%lld", (long long)run->attempt);
    ko_status st = add(s, "ds", run->logical_date ? run->logical_date : date, err);
    if (st == KO_OK)
        st = add(s, "run_id", run->id, err);
    if (st == KO_OK)
        st = add(s, "attempt", attempt, err);
    if (st == KO_OK)
        st = add(s, "pipeline", run->pipeline, err);
    if (st == KO_OK)
        st = add(s, "ts", ts, err);
    return st;
}

static const char *json_text(json_t *v, ko_arena *a)
{
    if (json_is_string(v))
        return json_string_value(v);
    char *d = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    const char *r = d ? ko_arena_strdup(a, d) : NULL;
    free(d);
    return r;
}

ko_status ko_pipe_vars_build(const ko_pipe_spec *spec, const ko_cat_run *run, ko_arena *a,
                             ko_pipe_vars *out, ko_err *err)
{
    json_t *params = json_loads(run->params ? run->params : "{}", 0, NULL);
    if (!json_is_object(params)) {
        json_decref(params);
        return ko_err_set(err, KO_ERR_INVALID, "run %s: parameters are not a JSON object", run->id);
    }
    size_t cap = 8 + spec->n_params + json_object_size(params);
    out->names = ko_arena_calloc(a, cap, sizeof *out->names);
    out->values = ko_arena_calloc(a, cap, sizeof *out->values);
    out->n = 0;
    varset s = {out, cap, a};
    ko_status st = out->names && out->values ? add_builtins(&s, run, err)
                                             : ko_err_set(err, KO_ERR_NOMEM, "out of memory");
    for (size_t i = 0; st == KO_OK && i < spec->n_params; i++) {
        json_t *given = json_object_get(params, spec->params[i].name);
        const char *val = given ? json_text(given, a) : spec->params[i].def;
        if (!val)
            st = ko_err_set(err, KO_ERR_INVALID, "pipeline %s: parameter '%s' has no value",
                            spec->name, spec->params[i].name);
        else
            st = add(&s, spec->params[i].name, val, err);
    }
    const char *key;
    json_t *val;
    json_object_foreach(params, key, val)
    {
        bool declared = false;
        for (size_t i = 0; i < spec->n_params; i++)
            declared = declared || strcmp(spec->params[i].name, key) == 0;
        const char *text = declared ? NULL : json_text(val, a);
        if (st == KO_OK && text)
            st = add(&s, key, text, err);
    }
    json_decref(params);
    return st;
}
