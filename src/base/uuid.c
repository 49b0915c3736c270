/*
 * uuid.c - random UUIDs and their canonical text form.
 *
 * Korolev names data files, snapshots and requests with version 4 UUIDs;
 * Iceberg table metadata carries one too.  The 122 random bits come from
 * libuuid's uuid_generate_random (getrandom(2) underneath), which also sets
 * the version (4) and variant (RFC 4122) bits.  Bytes are kept in network
 * order, the order Iceberg hashes and stores them.
 *
 * Parsing is strict: exactly 36 characters, hyphens at positions 8, 13, 18
 * and 23, hex digits (either case) everywhere else.  No braces, no "urn:"
 * prefix, no surrounding space.  Any version and variant are accepted.
 */
#include "base/base.h"

#include <string.h>
#include <uuid/uuid.h>

ko_uuid ko_uuid_random(void)
{
    ko_uuid u;
    uuid_generate_random(u.b);
    return u;
}

void ko_uuid_format(const ko_uuid *u, char out[KO_UUID_STR_LEN + 1])
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (size_t i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hex[u->b[i] >> 4];
        out[o++] = hex[u->b[i] & 0xf];
    }
    out[o] = '\0';
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool is_hyphen_pos(size_t i)
{
    return i == 8 || i == 13 || i == 18 || i == 23;
}

static ko_status uuid_fail(ko_err *err, const char *s, const char *what, size_t pos)
{
    enum { SHOW = 64 };
    size_t n = strnlen(s, SHOW + 1);
    ko_err_set(err, KO_ERR_INVALID, "invalid uuid \"%.*s%s\": %s at position %zu",
               (int)(n > SHOW ? SHOW : n), s, n > SHOW ? "..." : "", what, pos);
    return KO_ERR_INVALID;
}

ko_status ko_uuid_parse(const char *s, ko_uuid *out, ko_err *err)
{
    if (!s)
        return ko_err_set(err, KO_ERR_INVALID, "invalid uuid: NULL");
    size_t n = strnlen(s, KO_UUID_STR_LEN + 1);
    if (n != KO_UUID_STR_LEN)
        return uuid_fail(err, s, "expected 36 characters", n < KO_UUID_STR_LEN ? n : 36);
    ko_uuid u;
    size_t nibble = 0;
    for (size_t i = 0; i < KO_UUID_STR_LEN; i++) {
        if (is_hyphen_pos(i)) {
            if (s[i] != '-')
                return uuid_fail(err, s, "expected '-'", i);
            continue;
        }
        int v = hex_value(s[i]);
        if (v < 0)
            return uuid_fail(err, s, "expected a hex digit", i);
        if (nibble % 2 == 0)
            u.b[nibble / 2] = (uint8_t)(v << 4);
        else
            u.b[nibble / 2] |= (uint8_t)v;
        nibble++;
    }
    *out = u;
    return KO_OK;
}
