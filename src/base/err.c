/*
 * err.c - error values.
 *
 * A ko_err carries a status and one human-readable line.  Layers add context
 * on the way up with ko_err_prefix ("s3://b/k: GET: HTTP 503"), so the final
 * message reads from the outermost object to the root cause.
 */
#include "base/base.h"

#undef ko_err_set /* base.h may define it for the static analyzer */

#include <errno.h>
#include <stdio.h>
#include <string.h>

const char *ko_status_name(ko_status st)
{
    static const char *const names[] = {
        [KO_OK] = "ok",
        [KO_ERR_INVALID] = "invalid",
        [KO_ERR_NOT_FOUND] = "not found",
        [KO_ERR_EXISTS] = "already exists",
        [KO_ERR_PERMISSION] = "permission denied",
        [KO_ERR_NOSPACE] = "no space",
        [KO_ERR_IO] = "i/o error",
        [KO_ERR_NETWORK] = "network error",
        [KO_ERR_TIMEOUT] = "timeout",
        [KO_ERR_CORRUPT] = "corrupt",
        [KO_ERR_UNSUPPORTED] = "unsupported",
        [KO_ERR_CONFLICT] = "conflict",
        [KO_ERR_NOMEM] = "out of memory",
        [KO_ERR_INTERNAL] = "internal error",
    };
    if ((unsigned)st < KO_ARRAY_LEN(names) && names[st])
        return names[st];
    return "unknown status";
}

KO_PRINTF(3, 0)
static ko_status err_vset(ko_err *err, ko_status st, const char *fmt, va_list ap)
{
    if (!err)
        return st;
    /* Format into a copy: the arguments may point into err->msg itself
     * ("outer: %s", err->msg), and vsnprintf's buffers must not overlap. */
    char msg[KO_ERR_MSG_MAX];
    vsnprintf(msg, sizeof msg, fmt, ap);
    memcpy(err->msg, msg, sizeof msg);
    err->status = st;
    return st;
}

ko_status ko_err_set(ko_err *err, ko_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_vset(err, st, fmt, ap);
    va_end(ap);
    return st;
}

ko_status ko_err_prefix(ko_err *err, const char *fmt, ...)
{
    if (!err)
        return KO_ERR_INTERNAL;
    char joined[2 * KO_ERR_MSG_MAX + 2];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(joined, KO_ERR_MSG_MAX, fmt, ap);
    va_end(ap);
    if (n < 0)
        return err->status;
    size_t len = (size_t)n < KO_ERR_MSG_MAX ? (size_t)n : KO_ERR_MSG_MAX - 1;
    snprintf(joined + len, sizeof joined - len, ": %s", err->msg);
    /* Keep the beginning: it names the outermost object. */
    size_t total = strnlen(joined, KO_ERR_MSG_MAX - 1);
    memcpy(err->msg, joined, total);
    err->msg[total] = '\0';
    return err->status;
}

ko_status ko_status_from_errno(int errnum)
{
    switch (errnum) {
    case 0:
        return KO_OK;
    case ENOENT:
    case ENOTDIR:
        return KO_ERR_NOT_FOUND;
    case EEXIST:
    case ENOTEMPTY:
        return KO_ERR_EXISTS;
    case EACCES:
    case EPERM:
    case EROFS:
        return KO_ERR_PERMISSION;
    case ENOSPC:
    case EDQUOT:
    case EFBIG:
        return KO_ERR_NOSPACE;
    case ENOMEM:
        return KO_ERR_NOMEM;
    case EINVAL:
    case ENAMETOOLONG:
    case EISDIR:
        return KO_ERR_INVALID;
    case ETIMEDOUT:
        return KO_ERR_TIMEOUT;
    case ECONNREFUSED:
    case ECONNRESET:
    case EPIPE:
    case EHOSTUNREACH:
    case ENETUNREACH:
        return KO_ERR_NETWORK;
    default:
        return KO_ERR_IO;
    }
}

ko_status ko_err_errno(ko_err *err, int errnum, const char *fmt, ...)
{
    ko_status st = ko_status_from_errno(errnum);
    if (!err)
        return st;
    char what[KO_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    char reason[128];
    /* GNU strerror_r returns the message (possibly not in reason). */
    const char *msg = strerror_r(errnum, reason, sizeof reason);
    return ko_err_set(err, st, "%s: %s", what, msg);
}

void ko_err_clear(ko_err *err)
{
    if (err) {
        err->status = KO_OK;
        err->msg[0] = '\0';
    }
}
