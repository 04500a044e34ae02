/*
 * Signing in: passwords hashed with argon2id (libsodium crypto_pwhash_str),
 * API tokens and session ids of 256 random bits stored only as SHA-256
 * hashes, CSRF tokens per session, and a throttle for failed attempts. The
 * CLI (`regio user`) and the server both use these, so a password set in
 * one signs in through the other.
 */
#ifndef REGIO_AUTH_H
#define REGIO_AUTH_H

#include "regio/org.h"
#include "regio/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Length of a session id, CSRF token or token secret in hex (256 bits). */
#define REGIO_SECRET_HEX 64
/* Shortest password accepted (OWASP ASVS 2.1.1). */
#define REGIO_PASSWORD_MIN 12

/* Initialises the crypto library once; safe to call again and from threads. */
REGIO_API regio_err regio_auth_init(regio_error *err);

/* Hashes password (argon2id, libsodium's interactive limits) and stores it
 * for user login; ends their sessions. A password shorter than
 * REGIO_PASSWORD_MIN or longer than 1,024 bytes fails with REGIO_EINVAL. */
REGIO_API regio_err regio_user_set_password(regio_store *s, const char *login,
                                            const char *password, const char *actor,
                                            regio_error *err);

/*
 * Checks a password: *ok = 1 when user login exists, is active, has a
 * password and it matches. An unknown user, a disabled one or one without
 * a password costs the same work as a wrong password (one argon2id
 * verification against a dummy hash), so the answer and its time do not
 * reveal which users exist. Errors only for store failures.
 */
REGIO_API regio_err regio_auth_password(regio_store *s, const char *login, const char *password,
                                        int *ok, regio_error *err);

/* The verification half of regio_auth_password, for callers that read the
 * hash themselves (the server, outside its store lock): 1 when hash is
 * non-NULL, active is non-zero and password matches; the same work
 * otherwise. */
REGIO_API int regio_auth_check_hash(const char *hash, int active, const char *password);

/* Creates an API token for user login: *token (caller frees) is the secret,
 * shown once ("rgt_" + 64 hex digits); only its SHA-256 is stored. *id
 * (may be NULL) is its number for revoking. Audited as "token.create". */
REGIO_API regio_err regio_auth_token_create(regio_store *s, const char *login, const char *label,
                                            const char *actor, char **token, long *id,
                                            regio_error *err);

/* The user of a live token into *login (caller frees; NULL when the token is
 * unknown, revoked or its user disabled). */
REGIO_API regio_err regio_auth_token_user(regio_store *s, const char *token, char **login,
                                          regio_error *err);

/* Starts a session for user login lasting ttl_s seconds: sid receives the
 * session id and csrf its CSRF token (REGIO_SECRET_HEX + 1 bytes each). */
REGIO_API regio_err regio_auth_session_create(regio_store *s, const char *login, long ttl_s,
                                              char sid[REGIO_SECRET_HEX + 1],
                                              char csrf[REGIO_SECRET_HEX + 1], regio_error *err);

/* The user and CSRF token of a live session (both NULL when none; caller
 * frees both). */
REGIO_API regio_err regio_auth_session_user(regio_store *s, const char *sid, char **login,
                                            char **csrf, regio_error *err);

/* Ends a session (and every expired one). */
REGIO_API regio_err regio_auth_session_end(regio_store *s, const char *sid, regio_error *err);

/* Constant-time comparison of two NUL-terminated secrets. */
REGIO_API int regio_auth_equal(const char *a, const char *b);

/*
 * Failed sign-ins, counted per key (e.g. "user:NAME" and "addr:IP"): after
 * 5 failures within 15 minutes each further attempt must wait 2^(n-5)
 * seconds (n failures, at most 15 minutes); a success clears the key.
 * Thread-safe; bounded memory (the oldest keys are forgotten first).
 */
typedef struct regio_throttle regio_throttle;
REGIO_API regio_throttle *regio_throttle_create(void);
REGIO_API void regio_throttle_destroy(regio_throttle *t);
/* Seconds to wait before key may try again at time now (0: it may). */
REGIO_API long regio_throttle_wait(regio_throttle *t, const char *key, long long now);
REGIO_API void regio_throttle_fail(regio_throttle *t, const char *key, long long now);
REGIO_API void regio_throttle_clear(regio_throttle *t, const char *key);

#ifdef __cplusplus
}
#endif
#endif
