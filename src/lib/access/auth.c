/*
 * Signing in (regio/auth.h): argon2id password hashes and random secrets
 * from libsodium, SHA-256 of secrets for storage (OpenSSL EVP), and the
 * failed-attempt throttle.
 */
#include "regio/auth.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int sodium_ok;
static char dummy_hash[crypto_pwhash_STRBYTES];

static void init_once(void)
{
    if (sodium_init() < 0)
        return;
    /* A hash of a random password: what an unknown user is checked against. */
    unsigned char pw[32];
    randombytes_buf(pw, sizeof pw);
    if (crypto_pwhash_str(dummy_hash, (const char *)pw, sizeof pw,
                          crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return;
    sodium_ok = 1;
}

regio_err regio_auth_init(regio_error *err)
{
    pthread_once(&once, init_once);
    if (!sodium_ok)
        return regio_error_setf(err, REGIO_ENOMEM, NULL, 0, NULL,
                                "cannot initialise the crypto library (libsodium)");
    return REGIO_OK;
}

static void hex(const unsigned char *p, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = '\0';
}

static void random_hex(char out[REGIO_SECRET_HEX + 1])
{
    unsigned char b[REGIO_SECRET_HEX / 2];
    randombytes_buf(b, sizeof b);
    hex(b, sizeof b, out);
    sodium_memzero(b, sizeof b);
}

/* SHA-256 of a secret, in hex: what the store keeps. */
static regio_err digest(const char *secret, char out[65], regio_error *err)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!EVP_Digest(secret, strlen(secret), md, &len, EVP_sha256(), NULL) || len != 32)
        return regio_error_setf(err, REGIO_ENOMEM, NULL, 0, NULL, "SHA-256 failed");
    hex(md, 32, out);
    return REGIO_OK;
}

int regio_auth_equal(const char *a, const char *b)
{
    if (!a || !b)
        return 0;
    size_t na = strlen(a), nb = strlen(b);
    return na == nb && sodium_memcmp(a, b, na) == 0;
}

regio_err regio_user_set_password(regio_store *s, const char *login, const char *password,
                                  const char *actor, regio_error *err)
{
    regio_err rc = regio_auth_init(err);
    if (rc)
        return rc;
    size_t n = password ? strlen(password) : 0;
    if (n < REGIO_PASSWORD_MIN)
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, "password",
                                "a password needs at least %d characters", REGIO_PASSWORD_MIN);
    if (n > 1024)
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, "password",
                                "a password may have at most 1,024 characters");
    char hash[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(hash, password, n, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return regio_error_setf(err, REGIO_ENOMEM, NULL, 0, NULL,
                                "out of memory hashing the password");
    return regio_store_user_set_password_hash(s, login, hash, actor, err);
}

regio_err regio_auth_password(regio_store *s, const char *login, const char *password, int *ok,
                              regio_error *err)
{
    *ok = 0;
    regio_err rc = regio_auth_init(err);
    if (rc)
        return rc;
    char *hash = NULL;
    int active = 0;
    rc = login && *login ? regio_store_user_password_hash(s, login, &hash, &active, err)
                         : REGIO_ENOTFOUND;
    if (rc && rc != REGIO_ENOTFOUND)
        return rc;
    *ok = regio_auth_check_hash(rc == REGIO_OK ? hash : NULL, active, password);
    regio_free(hash);
    return REGIO_OK;
}

int regio_auth_check_hash(const char *hash, int active, const char *password)
{
    if (regio_auth_init(NULL))
        return 0;
    const char *pw = password ? password : "";
    /* Exactly one verification whatever the case, against the user's hash
     * or the dummy one. */
    int match = crypto_pwhash_str_verify(hash && active ? hash : dummy_hash, pw, strlen(pw)) == 0;
    return match && hash && active;
}

regio_err regio_auth_token_create(regio_store *s, const char *login, const char *label,
                                  const char *actor, char **token, long *id, regio_error *err)
{
    *token = NULL;
    regio_err rc = regio_auth_init(err);
    if (rc)
        return rc;
    char secret[REGIO_SECRET_HEX + 1], h[65];
    random_hex(secret);
    size_t cap = sizeof secret + 8;
    char *t = regio_malloc(cap);
    if (!t)
        return regio_error_setf(err, REGIO_ENOMEM, NULL, 0, NULL, "out of memory");
    snprintf(t, cap, "rgt_%s", secret);
    sodium_memzero(secret, sizeof secret);
    rc = digest(t, h, err);
    if (!rc)
        rc = regio_store_token_add(s, login, h, label, actor, id, err);
    if (rc) {
        sodium_memzero(t, strlen(t));
        regio_free(t);
        return rc;
    }
    *token = t;
    return REGIO_OK;
}

regio_err regio_auth_token_user(regio_store *s, const char *token, char **login,
                                regio_error *err)
{
    *login = NULL;
    if (!token || strncmp(token, "rgt_", 4) != 0 || strlen(token) != 4 + REGIO_SECRET_HEX)
        return REGIO_OK;
    char h[65];
    regio_err rc = digest(token, h, err);
    return rc ? rc : regio_store_token_user(s, h, login, err);
}

regio_err regio_auth_session_create(regio_store *s, const char *login, long ttl_s,
                                    char sid[REGIO_SECRET_HEX + 1],
                                    char csrf[REGIO_SECRET_HEX + 1], regio_error *err)
{
    regio_err rc = regio_auth_init(err);
    if (rc)
        return rc;
    char h[65];
    random_hex(sid);
    random_hex(csrf);
    rc = digest(sid, h, err);
    if (!rc)
        rc = regio_store_session_add(s, h, login, csrf, (long long)time(NULL) + ttl_s, err);
    return rc;
}

regio_err regio_auth_session_user(regio_store *s, const char *sid, char **login, char **csrf,
                                  regio_error *err)
{
    *login = *csrf = NULL;
    if (!sid || strlen(sid) != REGIO_SECRET_HEX)
        return REGIO_OK;
    char h[65];
    regio_err rc = digest(sid, h, err);
    return rc ? rc : regio_store_session_find(s, h, (long long)time(NULL), login, csrf, err);
}

regio_err regio_auth_session_end(regio_store *s, const char *sid, regio_error *err)
{
    char h[65] = "-";
    regio_err rc = sid && *sid ? digest(sid, h, err) : REGIO_OK;
    return rc ? rc : regio_store_session_remove(s, h, (long long)time(NULL), err);
}

/* ---- throttle ----------------------------------------------------------------- */

#define THROTTLE_SLOTS 4096
#define THROTTLE_WINDOW 900 /* seconds: failures older than this are forgotten */
#define THROTTLE_FREE 5     /* failures allowed before waiting */

typedef struct slot {
    char key[128];
    long fails;
    long long first, last;
} slot;

struct regio_throttle {
    pthread_mutex_t mu;
    slot s[THROTTLE_SLOTS];
};

regio_throttle *regio_throttle_create(void)
{
    regio_throttle *t = regio_calloc(1, sizeof *t);
    if (t)
        pthread_mutex_init(&t->mu, NULL);
    return t;
}

void regio_throttle_destroy(regio_throttle *t)
{
    if (!t)
        return;
    pthread_mutex_destroy(&t->mu);
    regio_free(t);
}

static slot *find(regio_throttle *t, const char *key, int make, long long now)
{
    slot *oldest = NULL;
    for (int i = 0; i < THROTTLE_SLOTS; i++) {
        slot *x = &t->s[i];
        if (x->key[0] && now - x->last > THROTTLE_WINDOW)
            x->key[0] = '\0'; /* expired */
        if (x->key[0] && !strncmp(x->key, key, sizeof x->key - 1))
            return x;
        if (!oldest || !x->key[0] || (oldest->key[0] && x->last < oldest->last))
            oldest = x;
    }
    if (!make)
        return NULL;
    memset(oldest, 0, sizeof *oldest);
    snprintf(oldest->key, sizeof oldest->key, "%s", key);
    oldest->first = now;
    return oldest;
}

long regio_throttle_wait(regio_throttle *t, const char *key, long long now)
{
    if (!t || !key)
        return 0;
    pthread_mutex_lock(&t->mu);
    slot *x = find(t, key, 0, now);
    long wait = 0;
    if (x && x->fails >= THROTTLE_FREE) {
        long shift = x->fails - THROTTLE_FREE;
        long long delay = shift >= 10 ? THROTTLE_WINDOW : (1LL << shift);
        if (delay > THROTTLE_WINDOW)
            delay = THROTTLE_WINDOW;
        long long until = x->last + delay;
        wait = until > now ? (long)(until - now) : 0;
    }
    pthread_mutex_unlock(&t->mu);
    return wait;
}

void regio_throttle_fail(regio_throttle *t, const char *key, long long now)
{
    if (!t || !key)
        return;
    pthread_mutex_lock(&t->mu);
    slot *x = find(t, key, 1, now);
    x->fails++;
    x->last = now;
    pthread_mutex_unlock(&t->mu);
}

void regio_throttle_clear(regio_throttle *t, const char *key)
{
    if (!t || !key)
        return;
    pthread_mutex_lock(&t->mu);
    slot *x = find(t, key, 0, (long long)time(NULL));
    if (x)
        x->key[0] = '\0';
    pthread_mutex_unlock(&t->mu);
}
