/*
 * arena.c - bump allocator freed all at once.
 *
 * Chunks form a list; an allocation takes the next aligned bytes of the head
 * chunk, or starts a new chunk (a dedicated one for requests larger than a
 * quarter chunk, so big blocks do not waste the rest of the current chunk).
 */
#include "base/base.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { ARENA_ALIGN = 16, ARENA_DEFAULT_CHUNK = 64 * 1024 };

struct ko_arena_chunk {
    ko_arena_chunk *next;
    size_t used;
    size_t cap;
    _Alignas(16) unsigned char mem[];
};

static ko_arena_chunk *chunk_new(size_t cap)
{
    if (cap > SIZE_MAX - sizeof(ko_arena_chunk))
        return NULL;
    ko_arena_chunk *c = malloc(sizeof *c + cap);
    if (c) {
        c->next = NULL;
        c->used = 0;
        c->cap = cap;
    }
    return c;
}

void *ko_arena_alloc(ko_arena *a, size_t n)
{
    size_t chunk = a->chunk_size ? a->chunk_size : ARENA_DEFAULT_CHUNK;
    if (n == 0)
        n = 1;
    if (n > SIZE_MAX - ARENA_ALIGN)
        return NULL;
    size_t need = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    ko_arena_chunk *h = a->head;
    if (h && h->cap - h->used >= need) {
        void *p = h->mem + h->used;
        h->used += need;
        a->allocated += need;
        return p;
    }
    ko_arena_chunk *c = chunk_new(need > chunk / 4 ? need : chunk);
    if (!c)
        return NULL;
    c->used = need;
    if (h && need > chunk / 4) {
        /* Dedicated block: keep the current head for small allocations. */
        c->next = h->next;
        h->next = c;
    } else {
        c->next = h;
        a->head = c;
    }
    a->allocated += need;
    return c->mem;
}

void *ko_arena_calloc(ko_arena *a, size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        return NULL;
    void *p = ko_arena_alloc(a, count * size);
    if (p)
        memset(p, 0, count * size);
    return p;
}

void *ko_arena_grow(ko_arena *a, void *arr, size_t n, size_t *cap, size_t elem)
{
    if (n < *cap)
        return arr;
    size_t ncap = *cap ? 2 * *cap : 16;
    void *p = ko_arena_calloc(a, ncap, elem);
    if (!p)
        return NULL;
    ko_memcpy0(p, arr, n * elem);
    *cap = ncap;
    return p;
}

char *ko_arena_strndup(ko_arena *a, const char *s, size_t n)
{
    char *p = ko_arena_alloc(a, n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

char *ko_arena_strdup(ko_arena *a, const char *s)
{
    return ko_arena_strndup(a, s, strlen(s));
}

char *ko_arena_sprintf(ko_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *p = ko_arena_alloc(a, (size_t)n + 1);
    if (!p)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

void ko_arena_free(ko_arena *a)
{
    ko_arena_chunk *c = a->head;
    while (c) {
        ko_arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    a->head = NULL;
    a->allocated = 0;
}
