/*
 * testutil.h - helpers shared by the cmocka unit tests.
 */
#ifndef KO_TESTUTIL_H
#define KO_TESTUTIL_H

#include <setjmp.h> /* cmocka needs these first */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/base.h"

/* Creates a fresh directory under $TMPDIR (or /tmp); returns a malloc'd path. */
char *tu_mkdtemp(void);
/* Removes a directory tree (like rm -rf); ignores errors. */
void tu_rmtree(const char *path);
/* Fills buf with deterministic pseudo-random bytes from seed. */
void tu_fill(void *buf, size_t n, uint64_t seed);

/* Asserts that an expression returning ko_status is KO_OK, printing err. */
#define TU_OK(expr, errp)                                                         \
    do {                                                                          \
        ko_status tu_st_ = (expr);                                                \
        if (tu_st_ != KO_OK)                                                      \
            fail_msg("%s -> %s: %s", #expr, ko_status_name(tu_st_), (errp)->msg); \
    } while (0)

#endif
