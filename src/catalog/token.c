/*
 * token.c - bearer tokens of the server, stored as salted hashes.
 *
 * A token is "kor_<id>_<secret>".  The id (8 random bytes in hex) is the
 * primary key of its ko_token row, so verifying a token is one lookup by
 * id and one hash; the secret (32 random bytes in hex) exists only in the
 * text handed to the user once.  The row keeps a per-token random salt and
 * SHA-256(salt || secret); since secrets carry 256 bits of entropy, a
 * fast hash is enough (there is nothing to brute-force), and the salt
 * makes equal secrets hash differently.  Comparison is CRYPTO_memcmp, so
 * timing says nothing about how much of a guess was right.
 *
 * Creating and revoking run in one write transaction with their audit
 * record, like every other catalog mutation.
 */
#include "catalog/cat_internal.h"

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ID_BYTES     ((size_t)8)
#define SECRET_BYTES ((size_t)32)
#define SALT_BYTES   ((size_t)16)

static const char PREFIX[] = "kor_";

static void to_hex(const unsigned char *p, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = '\0';
}

static int hex_val(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

static bool all_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (hex_val(s[i]) < 0)
            return false;
    return s[n] == '\0' || s[n] == '_';
}

ko_status ko_cat_token_hash(const char *salt_hex, const char *secret, char out[65], ko_err *err)
{
    unsigned char salt[SALT_BYTES];
    size_t n = strlen(salt_hex);
    if (n != 2 * SALT_BYTES || !all_hex(salt_hex, n))
        return ko_err_set(err, KO_ERR_CORRUPT, "token salt is not %zu hex digits", 2 * SALT_BYTES);
    for (size_t i = 0; i < SALT_BYTES; i++)
        salt[i] = (unsigned char)((unsigned)hex_val(salt_hex[2 * i]) << 4 |
                                  (unsigned)hex_val(salt_hex[2 * i + 1]));
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
              EVP_DigestUpdate(ctx, salt, sizeof salt) == 1 &&
              EVP_DigestUpdate(ctx, secret, strlen(secret)) == 1 &&
              EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 && mdlen == 32;
    EVP_MD_CTX_free(ctx);
    if (!ok)
        return ko_err_set(err, KO_ERR_INTERNAL, "SHA-256 of a token failed");
    to_hex(md, 32, out);
    return KO_OK;
}

bool ko_cat_token_split(const char *token, ko_arena *a, const char **id, const char **secret)
{
    size_t plen = sizeof PREFIX - 1;
    if (!token || strncmp(token, PREFIX, plen) != 0)
        return false;
    const char *p = token + plen;
    if (strlen(p) != 2 * ID_BYTES + 1 + 2 * SECRET_BYTES || p[2 * ID_BYTES] != '_')
        return false;
    if (!all_hex(p, 2 * ID_BYTES) || !all_hex(p + 2 * ID_BYTES + 1, 2 * SECRET_BYTES))
        return false;
    *id = ko_arena_strndup(a, p, 2 * ID_BYTES);
    *secret = ko_arena_strdup(a, p + 2 * ID_BYTES + 1);
    return *id && *secret;
}

bool ko_cat_token_matches(const ko_cat_token *row, const char *secret)
{
    char h[65];
    if (!row->salt || !row->hash || strlen(row->hash) != 64 ||
        ko_cat_token_hash(row->salt, secret, h, NULL) != KO_OK)
        return false;
    return CRYPTO_memcmp(h, row->hash, 64) == 0;
}

static bool valid_role(const char *role)
{
    return role && (strcmp(role, "reader") == 0 || strcmp(role, "writer") == 0 ||
                    strcmp(role, "admin") == 0);
}

/* ------------------------------------------------------------------ writes */

typedef struct tok_ctx {
    const ko_cat_change *chg;
    const char *id, *principal, *role, *ns, *salt, *hash;
} tok_ctx;

static ko_status create_body(ko_cat *cat, void *ctx, ko_err *err)
{
    tok_ctx *c = ctx;
    ko_db_arg args[] = {ko_db_text(c->id),     ko_db_text(c->principal), ko_db_text(c->role),
                        ko_db_text(c->ns),     ko_db_text(c->salt),      ko_db_text(c->hash),
                        ko_db_int(ko_now_us())};
    ko_status s = cat_exec(cat,
                           "INSERT INTO ko_token (id, principal, role, namespace, salt, hash,"
                           " created_us, revoked_us) VALUES ($1, $2, $3, $4, $5, $6, $7, NULL)",
                           args, 7, NULL, NULL, err);
    const char *object = ko_arena_sprintf(&cat->scratch, "token:%s", c->id);
    const char *extra = NULL;
    if (s == KO_OK && !object)
        s = ko_err_set(err, KO_ERR_NOMEM, "out of memory creating a token");
    if (s == KO_OK)
        s = cat_json_take(cat,
                          json_pack("{s:s, s:s, s:s?}", "token-principal", c->principal, "role",
                                    c->role, "namespace", c->ns),
                          &extra, err);
    cat_audit_in in = {c->chg, NULL, "token.create", object, NULL, NULL, extra};
    if (s == KO_OK)
        s = cat_audit_add(cat, &in, NULL, err);
    return s;
}

ko_status ko_cat_token_create(ko_cat *cat, const ko_cat_change *chg, const char *principal,
                              const char *role, const char *ns, char token_out[KO_CAT_TOKEN_MAX],
                              char id_out[17], ko_err *err)
{
    if (!valid_role(role))
        return ko_err_set(err, KO_ERR_INVALID, "role '%s' is not reader, writer or admin",
                          role ? role : "");
    ko_status s = cat_check_name("token principal", principal, err);
    if (s == KO_OK && ns)
        s = cat_check_name("token namespace", ns, err);
    if (s != KO_OK)
        return s;
    unsigned char rnd[ID_BYTES + SECRET_BYTES + SALT_BYTES];
    if (RAND_bytes(rnd, (int)sizeof rnd) != 1)
        return ko_err_set(err, KO_ERR_INTERNAL, "no random bytes for a token");
    char id[2 * ID_BYTES + 1], secret[2 * SECRET_BYTES + 1], salt[2 * SALT_BYTES + 1], hash[65];
    to_hex(rnd, ID_BYTES, id);
    to_hex(rnd + ID_BYTES, SECRET_BYTES, secret);
    to_hex(rnd + ID_BYTES + SECRET_BYTES, SALT_BYTES, salt);
    s = ko_cat_token_hash(salt, secret, hash, err);
    tok_ctx c = {chg, id, principal, role, ns && *ns ? ns : NULL, salt, hash};
    if (s == KO_OK)
        s = cat_run(cat, KO_DB_WRITE, create_body, &c, err);
    if (s == KO_OK) {
        snprintf(token_out, KO_CAT_TOKEN_MAX, "%s%s_%s", PREFIX, id, secret);
        if (id_out)
            memcpy(id_out, id, sizeof id);
    }
    OPENSSL_cleanse(secret, sizeof secret);
    OPENSSL_cleanse(rnd, sizeof rnd);
    return s;
}

static ko_status revoke_body(ko_cat *cat, void *ctx, ko_err *err)
{
    tok_ctx *c = ctx;
    ko_db_arg args[] = {ko_db_int(ko_now_us()), ko_db_text(c->id)};
    int64_t changed = 0;
    ko_status s =
        cat_exec(cat, "UPDATE ko_token SET revoked_us = COALESCE(revoked_us, $1) WHERE id = $2",
                 args, 2, NULL, &changed, err);
    if (s == KO_OK && changed == 0)
        return ko_err_set(err, KO_ERR_NOT_FOUND, "token %s does not exist", c->id);
    const char *object = ko_arena_sprintf(&cat->scratch, "token:%s", c->id);
    if (s == KO_OK && !object)
        s = ko_err_set(err, KO_ERR_NOMEM, "out of memory revoking a token");
    cat_audit_in in = {c->chg, NULL, "token.revoke", object, NULL, NULL, NULL};
    if (s == KO_OK)
        s = cat_audit_add(cat, &in, NULL, err);
    return s;
}

ko_status ko_cat_token_revoke(ko_cat *cat, const ko_cat_change *chg, const char *id, ko_err *err)
{
    ko_status s = cat_check_name("token id", id, err);
    if (s != KO_OK)
        return s;
    tok_ctx c = {.chg = chg, .id = id};
    return cat_run(cat, KO_DB_WRITE, revoke_body, &c, err);
}

/* ------------------------------------------------------------------- reads */

enum { TOKEN_COLS = 8 };

#define TOKEN_SELECT                                                                  \
    "SELECT id, principal, role, namespace, salt, hash, created_us, revoked_us FROM " \
    "ko_token"

static ko_status row_to_token(const ko_db_rows *r, size_t i, ko_arena *a, ko_cat_token *t,
                              ko_err *err)
{
    const char *v[TOKEN_COLS];
    for (size_t c = 0; c < TOKEN_COLS; c++) {
        const char *cell = ko_db_cell(r, i, c);
        v[c] = cell ? ko_arena_strdup(a, cell) : NULL;
        if (cell && !v[c])
            return ko_err_set(err, KO_ERR_NOMEM, "out of memory reading tokens");
    }
    *t = (ko_cat_token){v[0],
                        v[1],
                        v[2],
                        v[3],
                        v[4],
                        v[5],
                        v[6] ? strtoll(v[6], NULL, 10) : 0,
                        v[7] ? strtoll(v[7], NULL, 10) : 0};
    return KO_OK;
}

typedef struct read_ctx {
    const char *id;
    ko_arena *a;
    ko_cat_token *one;
    ko_cat_token **many;
    size_t *n;
} read_ctx;

static ko_status get_body(ko_cat *cat, void *ctx, ko_err *err)
{
    read_ctx *c = ctx;
    ko_db_arg arg = ko_db_text(c->id);
    ko_db_rows rows;
    ko_status s = cat_exec(cat, TOKEN_SELECT " WHERE id = $1", &arg, 1, &rows, NULL, err);
    if (s == KO_OK && rows.nrows == 0)
        return ko_err_set(err, KO_ERR_NOT_FOUND, "token %s does not exist", c->id);
    return s == KO_OK ? row_to_token(&rows, 0, c->a, c->one, err) : s;
}

ko_status ko_cat_token_get(ko_cat *cat, const char *id, ko_arena *a, ko_cat_token *out, ko_err *err)
{
    read_ctx c = {.id = id, .a = a, .one = out};
    return cat_run(cat, KO_DB_READ, get_body, &c, err);
}

static ko_status list_body(ko_cat *cat, void *ctx, ko_err *err)
{
    read_ctx *c = ctx;
    ko_db_rows rows;
    ko_status s = cat_exec(cat, TOKEN_SELECT " ORDER BY created_us, id", NULL, 0, &rows, NULL, err);
    if (s != KO_OK)
        return s;
    ko_cat_token *items = ko_arena_calloc(c->a, rows.nrows ? rows.nrows : 1, sizeof *items);
    if (!items)
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory listing tokens");
    for (size_t i = 0; i < rows.nrows && s == KO_OK; i++)
        s = row_to_token(&rows, i, c->a, &items[i], err);
    *c->many = items;
    if (s == KO_OK)
        *c->n = rows.nrows;
    return s;
}

ko_status ko_cat_token_list(ko_cat *cat, ko_arena *a, ko_cat_token **out, size_t *n, ko_err *err)
{
    size_t count = 0;
    read_ctx c = {.a = a, .many = out, .n = &count};
    ko_status s = cat_run(cat, KO_DB_READ, list_body, &c, err);
    *n = count; /* 0 unless the listing succeeded */
    return s;
}
