/*
 * buf.c - growable byte buffer.
 *
 * Capacity doubles, so appends are amortised O(1).  One spare byte is kept
 * past len and set to NUL, which lets text buffers be used as C strings.
 */
#include "base/base.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

ko_status ko_buf_reserve(ko_buf *b, size_t extra)
{
    if (extra > SIZE_MAX - b->len - 1)
        return KO_ERR_NOMEM;
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return KO_OK;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    uint8_t *p = realloc(b->data, cap);
    if (!p)
        return KO_ERR_NOMEM;
    b->data = p;
    b->cap = cap;
    b->data[b->len] = '\0';
    return KO_OK;
}

ko_status ko_buf_append(ko_buf *b, const void *data, size_t n)
{
    ko_status st = ko_buf_reserve(b, n);
    if (st != KO_OK)
        return st;
    ko_memcpy0(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = '\0';
    return KO_OK;
}

ko_status ko_buf_append_str(ko_buf *b, const char *s)
{
    return ko_buf_append(b, s, strlen(s));
}

ko_status ko_buf_appendf(ko_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return KO_ERR_INVALID;
    ko_status st = ko_buf_reserve(b, (size_t)n);
    if (st != KO_OK)
        return st;
    va_start(ap, fmt);
    vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return KO_OK;
}

void ko_buf_reset(ko_buf *b)
{
    b->len = 0;
    if (b->cap)
        b->data[0] = '\0';
}

void ko_buf_free(ko_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

uint8_t *ko_buf_detach(ko_buf *b, size_t *len)
{
    uint8_t *p = b->data;
    if (len)
        *len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}
