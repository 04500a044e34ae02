/*
 * The server's cache of rendered answers (server/pagecache.h) against a
 * model written here: a list of (key, size) from the most to the least
 * recently used, emptied when the state changes, the oldest dropped while
 * the bytes pass the cap. Random gets and puts over few keys, sizes and
 * states; every get must hit exactly when the model holds the key, with
 * the bytes that were put, and the entries and bytes kept must agree.
 */
#include "server/pagecache.h"
#include "regio_test.h"

#include <stdio.h>
#include <string.h>

#define KEYS 24
#define MAXN 64

typedef struct model {
    int key[MAXN];
    size_t size[MAXN];
    int n; /* key[0] the most recently used */
    size_t bytes;
} model;

static unsigned long long rng = 2026;
static unsigned next(unsigned n)
{
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    return (unsigned)((rng >> 33) % n);
}

static size_t key_of(int k, char *out)
{
    return (size_t)snprintf(out, 32, "user%d|limit=%d", k % 5, k);
}

static int find(const model *m, int k)
{
    for (int i = 0; i < m->n; i++)
        if (m->key[i] == k)
            return i;
    return -1;
}

static void to_front(model *m, int i)
{
    int k = m->key[i];
    size_t z = m->size[i];
    memmove(m->key + 1, m->key, (size_t)i * sizeof *m->key);
    memmove(m->size + 1, m->size, (size_t)i * sizeof *m->size);
    m->key[0] = k;
    m->size[0] = z;
}

/* The answer for key k at state s, of n bytes: its bytes tell both apart. */
static srv_blob *answer(int k, int s, size_t n)
{
    regio_buf b;
    regio_buf_init(&b, 0);
    for (size_t i = 0; i < n; i++)
        regio_buf_putc(&b, (char)('a' + (k * 7 + s * 3 + (int)i) % 26));
    return srv_blob_from_buf(&b);
}

static void run(size_t cap, int rounds)
{
    srv_page_cache *c = srv_page_cache_new(cap);
    ASSERT_TRUE(c != NULL);
    model m = {{0}, {0}, 0, 0};
    int cur = -1;
    size_t put_size[KEYS] = {0};
    for (int r = 0; r < rounds; r++) {
        int s = next(20) == 0 ? (int)next(3) : (cur < 0 ? 0 : cur); /* now and then another state */
        srv_page_state st = {s / 2, "2026-12-07", (uint64_t)(s % 2)};
        if (s == 2)
            st.day[9] = '8'; /* the day alone differs from state 0 */
        if (s == 2)
            st.epoch = 0, st.gen = 0;
        int k = (int)next(KEYS);
        char key[32];
        size_t len = key_of(k, key);
        if (next(2)) {
            if (s != cur) {
                m.n = 0;
                m.bytes = 0;
                cur = s;
            }
            srv_blob *b = srv_page_cache_get(c, &st, key, len);
            int i = find(&m, k);
            ASSERT_TRUE((b != NULL) == (i >= 0));
            if (b) {
                srv_blob *want = answer(k, s, put_size[k]);
                ASSERT_EQ_INT((int)srv_blob_len(b), (int)srv_blob_len(want));
                ASSERT_TRUE(!memcmp(srv_blob_data(b), srv_blob_data(want), srv_blob_len(b)));
                srv_blob_unref(want);
                srv_blob_unref(b);
                to_front(&m, i);
            }
        } else {
            size_t n = 1 + next(400);
            srv_blob *b = answer(k, s, n);
            srv_page_cache_put(c, &st, key, len, b);
            size_t cost = n + len + SRV_PAGE_CACHE_ENTRY;
            if (s == cur && find(&m, k) < 0 && cost <= cap) {
                while (m.n && m.bytes + cost > cap) {
                    m.n--;
                    m.bytes -= m.size[m.n];
                }
                memmove(m.key + 1, m.key, (size_t)m.n * sizeof *m.key);
                memmove(m.size + 1, m.size, (size_t)m.n * sizeof *m.size);
                m.key[0] = k;
                m.size[0] = cost;
                m.n++;
                m.bytes += cost;
                put_size[k] = n;
            }
            srv_blob_unref(b); /* the cache holds its own reference */
        }
        srv_page_cache_stats st2;
        srv_page_cache_stats_get(c, &st2);
        ASSERT_EQ_INT((int)st2.entries, m.n);
        ASSERT_EQ_INT((int)st2.bytes, (int)m.bytes);
    }
    srv_page_cache_free(c);
}

static void test_against_model(void)
{
    run(0, 2000);       /* keeps nothing */
    run(200, 4000);     /* room for one or two */
    run(1500, 20000);   /* a few: evictions all the time */
    run(1 << 20, 5000); /* everything */
}

int main(void)
{
    RUN(test_against_model);
    TEST_END();
}
