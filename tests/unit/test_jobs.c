/*
 * The store's job queue (regio/jobs.h) against a model kept in the test:
 * random sequences of enqueue, claim (by three workers, some limited to
 * kinds), heartbeat, finish, cancel and prune on a simulated clock, each answer
 * and the whole table after each step compared with what the rules say —
 * the oldest queued job first, then the oldest whose lease ran out; a job
 * whose worker stopped is cancelled if that was asked, failed after its
 * last attempt; only the holder renews or finishes. Then two connections
 * on two threads drain a queue (every job taken exactly once), and a
 * worker that lost its lease cannot commit its job's effect. With --pg, all
 * of it on PostgreSQL (claims there pick with FOR UPDATE SKIP LOCKED).
 */
#include "regio/jobs.h"
#include "regio/store.h"
#include "regio_test.h"
#include "regio_test_db.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>

#define MAX_JOBS 400
#define MAX_ATTEMPTS 3

static const char *const KINDS[] = {"design", "plan", "rules"};
static const char *const WORKERS[] = {"host-a:11", "host-b:22", "host-c:33"};

typedef struct mjob {
    int kind;
    regio_job_state state;
    int worker; /* -1: none yet */
    long long lease_until, finished_at;
    int attempts, cancel_requested;
    int gone; /* removed by a prune */
    double progress;
    char message[64]; /* "" = none */
} mjob;

static mjob jobs[MAX_JOBS + 1]; /* by id; ids start at 1 */
static long n_jobs;
static long long clock_now;
static uint64_t rs = 0x243F6A8885A308D3ULL;
#define rnd() regio_test_rnd(&rs)
#define pick(n) regio_test_pick(&rs, (n))

/* The rules of regio/jobs.h, written out on the model. */
static void model_expire(void)
{
    for (long i = 1; i <= n_jobs; i++) {
        mjob *j = &jobs[i];
        if (j->state != REGIO_JOB_RUNNING || j->lease_until >= clock_now)
            continue;
        if (j->cancel_requested) {
            j->state = REGIO_JOB_CANCELLED;
            snprintf(j->message, sizeof j->message, "cancelled (its worker stopped)");
        } else if (j->attempts >= MAX_ATTEMPTS) {
            j->state = REGIO_JOB_FAILED;
            snprintf(j->message, sizeof j->message, "its worker stopped %d times", j->attempts);
        } else {
            continue;
        }
        j->finished_at = clock_now;
        j->lease_until = 0;
    }
}

static long model_claim(int worker, const int *kind_ok, long lease)
{
    model_expire();
    long pickid = 0;
    for (int pass = 0; pass < 2 && !pickid; pass++)
        for (long i = 1; i <= n_jobs && !pickid; i++) {
            mjob *j = &jobs[i];
            int free_ = pass == 0 ? j->state == REGIO_JOB_QUEUED
                                  : j->state == REGIO_JOB_RUNNING && j->lease_until < clock_now;
            if (free_ && kind_ok[j->kind])
                pickid = i;
        }
    if (pickid) {
        mjob *j = &jobs[pickid];
        j->state = REGIO_JOB_RUNNING;
        j->worker = worker;
        j->lease_until = clock_now + lease;
        j->attempts++;
        j->progress = 0;
        j->message[0] = '\0';
    }
    return pickid;
}

static int held(long id, int worker)
{
    return id >= 1 && id <= n_jobs && jobs[id].state == REGIO_JOB_RUNNING &&
           jobs[id].worker == worker;
}

/* ---- comparing the store with the model ---------------------------------- */

typedef struct {
    long seen;
    int bad;
} compare_state;

static int compare_one(void *ud, const regio_job_info *g)
{
    compare_state *c = ud;
    c->seen++;
    if (g->id < 1 || g->id > n_jobs) {
        c->bad++;
        fprintf(stderr, "  job %ld is not in the model\n", g->id);
        return 0;
    }
    const mjob *m = &jobs[g->id];
    if (m->gone) {
        c->bad++;
        fprintf(stderr, "  job %ld was pruned but is still listed\n", g->id);
        return 0;
    }
    const char *w = m->worker >= 0 ? WORKERS[m->worker] : NULL;
    int ok = !strcmp(g->kind, KINDS[m->kind]) && g->state == m->state &&
             ((!w && !g->worker) || (w && g->worker && !strcmp(w, g->worker))) &&
             g->lease_until == (m->state == REGIO_JOB_RUNNING ? m->lease_until : 0) &&
             g->attempts == m->attempts && g->cancel_requested == m->cancel_requested &&
             g->finished_at == m->finished_at && fabs(g->progress - m->progress) < 1e-12 &&
             !strcmp(g->message ? g->message : "", m->message) &&
             !strcmp(g->created_by, "tester") && !strcmp(g->params, "{\"k\":1}");
    if (!ok) {
        c->bad++;
        fprintf(stderr,
                "  job %ld: store %s/%s/%s lease %lld attempts %d cancel %d finished %lld "
                "progress %g msg '%s'; model %s/%s/%s lease %lld attempts %d cancel %d "
                "finished %lld progress %g msg '%s'\n",
                g->id, g->kind, regio_job_state_name(g->state), g->worker ? g->worker : "-",
                g->lease_until, g->attempts, g->cancel_requested, g->finished_at, g->progress,
                g->message ? g->message : "", KINDS[m->kind], regio_job_state_name(m->state),
                w ? w : "-", m->lease_until, m->attempts, m->cancel_requested, m->finished_at,
                m->progress, m->message);
    }
    return 0;
}

static int table_matches(regio_store *s)
{
    compare_state c = {0, 0};
    regio_error err;
    if (regio_store_jobs_foreach(s, 0, compare_one, &c, &err) != REGIO_OK) {
        fprintf(stderr, "  jobs_foreach: %s\n", err.msg);
        return 0;
    }
    long listed = 0;
    for (long i = 1; i <= n_jobs; i++)
        listed += !jobs[i].gone;
    return !c.bad && c.seen == listed;
}

static int got_id(void *ud, const regio_job_info *j)
{
    *(long *)ud = j->id;
    return 0;
}

static void test_random_operations(void)
{
    char path[512];
    regio_test_store_location(path, sizeof path, "jobs");
    regio_store *s = NULL;
    regio_error err;
    ASSERT_OK(regio_store_open(path, &s, &err));
    if (!s)
        return;
    long steps = 0, claims = 0, conflicts = 0, expired_retakes = 0, pruned = 0;
    for (int step = 0; step < 3000 && regio_test_failed_checks_ == 0; step++) {
        clock_now += (long long)pick(4); /* time moves 0-3 s a step */
        int op = (int)pick(100);
        if (op < 20 && n_jobs < MAX_JOBS) {
            int kind = (int)pick(3);
            long id = 0;
            ASSERT_OK(regio_store_job_enqueue(s, KINDS[kind], "{\"k\":1}", "tester", clock_now,
                                              &id, &err));
            n_jobs++;
            ASSERT_EQ_INT(id, n_jobs);
            memset(&jobs[n_jobs], 0, sizeof jobs[n_jobs]);
            jobs[n_jobs].kind = kind;
            jobs[n_jobs].state = REGIO_JOB_QUEUED;
            jobs[n_jobs].worker = -1;
        } else if (op < 50) {
            int w = (int)pick(3);
            int kind_ok[3] = {1, 1, 1};
            const char *kinds[3];
            size_t nk = 0;
            if (pick(3) == 0) { /* a worker for some kinds only */
                for (int k = 0; k < 3; k++) {
                    kind_ok[k] = (int)pick(2);
                    if (kind_ok[k])
                        kinds[nk++] = KINDS[k];
                }
                if (!nk) {
                    kind_ok[0] = 1;
                    kinds[nk++] = KINDS[0];
                }
            }
            long lease = 5 + (long)pick(20);
            long before_attempts = 0;
            long want = model_claim(w, kind_ok, lease);
            if (want)
                before_attempts = jobs[want].attempts - 1;
            long got = 0;
            int found = -1;
            ASSERT_OK(regio_store_job_claim(s, WORKERS[w], nk ? kinds : NULL, nk, clock_now, lease,
                                            MAX_ATTEMPTS, got_id, &got, &found, &err));
            ASSERT_EQ_INT(found, want != 0);
            ASSERT_EQ_INT(got, want);
            claims += want != 0;
            expired_retakes += want && before_attempts > 0;
        } else if (op < 75) {
            long id = 1 + (long)pick((uint64_t)n_jobs + 2); /* now and then an unknown id */
            int w = (int)pick(3), cancel = -1;
            long lease = 5 + (long)pick(20);
            double progress = (double)pick(101) / 100;
            const char *msg = pick(2) ? "working" : NULL;
            regio_err rc = regio_store_job_heartbeat(s, id, WORKERS[w], clock_now, lease,
                                                     progress, msg, &cancel, &err);
            if (held(id, w)) {
                ASSERT_EQ_INT(rc, REGIO_OK);
                ASSERT_EQ_INT(cancel, jobs[id].cancel_requested);
                jobs[id].lease_until = clock_now + lease;
                jobs[id].progress = progress;
                if (msg)
                    snprintf(jobs[id].message, sizeof jobs[id].message, "%s", msg);
            } else {
                ASSERT_EQ_INT(rc, REGIO_ECONFLICT);
                conflicts++;
            }
        } else if (op < 90) {
            long id = 1 + (long)pick((uint64_t)n_jobs + 2);
            int w = (int)pick(3);
            regio_job_state st = (regio_job_state)(REGIO_JOB_DONE + (int)pick(3));
            regio_err rc = regio_store_job_finish(s, id, WORKERS[w], st, "finished",
                                                  "{\"ok\":true}", clock_now, &err);
            if (held(id, w)) {
                ASSERT_EQ_INT(rc, REGIO_OK);
                jobs[id].state = st;
                jobs[id].finished_at = clock_now;
                jobs[id].lease_until = 0;
                if (st == REGIO_JOB_DONE)
                    jobs[id].progress = 1;
                snprintf(jobs[id].message, sizeof jobs[id].message, "finished");
            } else {
                ASSERT_EQ_INT(rc, REGIO_ECONFLICT);
                conflicts++;
            }
        } else if (op >= 97) {
            /* Jobs that ended before a time up to a minute ago go. */
            long long before = clock_now - (long long)pick(60);
            long want = 0, removed = -1;
            for (long i = 1; i <= n_jobs; i++) {
                mjob *j = &jobs[i];
                if (!j->gone && j->state >= REGIO_JOB_DONE && j->finished_at < before) {
                    j->gone = 1;
                    want++;
                }
            }
            ASSERT_OK(regio_store_jobs_prune(s, before, &removed, &err));
            ASSERT_EQ_INT(removed, want);
            pruned += want;
        } else {
            long id = 1 + (long)pick((uint64_t)n_jobs + 2);
            regio_job_state st = (regio_job_state)-1;
            regio_err rc = regio_store_job_cancel(s, id, "tester", clock_now, &st, &err);
            if (id > n_jobs || jobs[id].gone) {
                ASSERT_EQ_INT(rc, REGIO_ENOTFOUND);
            } else {
                ASSERT_EQ_INT(rc, REGIO_OK);
                mjob *j = &jobs[id];
                if (j->state == REGIO_JOB_QUEUED) {
                    j->state = REGIO_JOB_CANCELLED;
                    j->finished_at = clock_now;
                    snprintf(j->message, sizeof j->message, "cancelled before it started");
                } else if (j->state == REGIO_JOB_RUNNING) {
                    j->cancel_requested = 1;
                }
                ASSERT_EQ_INT(st, j->state);
            }
        }
        ASSERT_TRUE(table_matches(s));
        steps++;
    }
    /* The run must have gone through the interesting cases. */
    ASSERT_TRUE(claims > 100);
    ASSERT_TRUE(expired_retakes > 5);
    ASSERT_TRUE(conflicts > 100);
    ASSERT_TRUE(pruned > 10);
    int failed_after_attempts = 0, cancelled_stopped = 0;
    for (long i = 1; i <= n_jobs; i++) {
        failed_after_attempts += jobs[i].state == REGIO_JOB_FAILED &&
                                 !strncmp(jobs[i].message, "its worker stopped", 18);
        cancelled_stopped += !strcmp(jobs[i].message, "cancelled (its worker stopped)");
    }
    ASSERT_TRUE(failed_after_attempts > 0);
    ASSERT_TRUE(cancelled_stopped > 0);
    fprintf(stderr, "  %ld steps, %ld jobs, %ld claims (%ld retaken after a lease ran out), "
                    "%ld refused heartbeats or finishes, %d failed after %d attempts, "
                    "%d cancelled after their worker stopped, %ld pruned\n",
            steps, n_jobs, claims, expired_retakes, conflicts, failed_after_attempts,
            MAX_ATTEMPTS, cancelled_stopped, pruned);
    regio_store_close(s);
    regio_test_store_remove(path);
}

/* ---- two connections drain one queue -------------------------------------- */

#define DRAIN_JOBS 300

typedef struct {
    const char *path;
    const char *worker;
    int taken[DRAIN_JOBS + 1];
    int n, errors;
} drainer;

static void *drain(void *arg)
{
    drainer *d = arg;
    regio_store *s = NULL;
    regio_error err;
    if (regio_store_open(d->path, &s, &err) != REGIO_OK) {
        d->errors++;
        return NULL;
    }
    for (;;) {
        long id = 0;
        int found = 0;
        if (regio_store_job_claim(s, d->worker, NULL, 0, 1000, 60, 3, got_id, &id, &found,
                                  &err) != REGIO_OK) {
            d->errors++;
            break;
        }
        if (!found)
            break;
        if (id >= 1 && id <= DRAIN_JOBS)
            d->taken[id]++;
        d->n++;
        if (regio_store_job_finish(s, id, d->worker, REGIO_JOB_DONE, NULL, NULL, 1001, &err))
            d->errors++;
    }
    regio_store_close(s);
    return NULL;
}

static void test_two_workers_take_each_job_once(void)
{
    char path[512];
    regio_test_store_location(path, sizeof path, "jobs2");
    regio_store *s = NULL;
    regio_error err;
    ASSERT_OK(regio_store_open(path, &s, &err));
    ASSERT_OK(regio_store_begin(s, &err));
    for (int i = 0; i < DRAIN_JOBS; i++) {
        long id = 0;
        ASSERT_OK(regio_store_job_enqueue(s, "design", "{}", "tester", 1000, &id, &err));
    }
    ASSERT_OK(regio_store_commit(s, &err));
    static drainer a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    a.path = b.path = path;
    a.worker = "host-a:1";
    b.worker = "host-b:2";
    pthread_t ta, tb;
    pthread_create(&ta, NULL, drain, &a);
    pthread_create(&tb, NULL, drain, &b);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    ASSERT_EQ_INT(a.errors + b.errors, 0);
    ASSERT_EQ_INT(a.n + b.n, DRAIN_JOBS);
    int twice = 0, never = 0;
    for (int i = 1; i <= DRAIN_JOBS; i++) {
        twice += a.taken[i] + b.taken[i] > 1;
        never += a.taken[i] + b.taken[i] == 0;
    }
    ASSERT_EQ_INT(twice, 0);
    ASSERT_EQ_INT(never, 0);
    fprintf(stderr, "  %d jobs: %d taken by one connection, %d by the other, none twice\n",
            DRAIN_JOBS, a.n, b.n);
    regio_store_close(s);
    regio_test_store_remove(path);
}

/* ---- a worker that lost its lease cannot commit ----------------------------- */

static void test_lost_lease_rolls_back_the_effect(void)
{
    char path[512];
    regio_test_store_location(path, sizeof path, "jobs3");
    regio_store *s = NULL;
    regio_error err;
    ASSERT_OK(regio_store_open(path, &s, &err));
    long id = 0, got = 0;
    int found = 0;
    ASSERT_OK(regio_store_job_enqueue(s, "design", "{\"model\":\"M\"}", "tester", 100, &id, &err));
    ASSERT_OK(regio_store_job_claim(s, "w1", NULL, 0, 100, 10, 3, got_id, &got, &found, &err));
    ASSERT_EQ_INT(got, id);
    /* w1 stalls past its lease; w2 takes the job again, does it and commits
     * its effect (a model) with finishing, in one transaction. */
    ASSERT_OK(regio_store_job_claim(s, "w2", NULL, 0, 111, 10, 3, got_id, &got, &found, &err));
    ASSERT_EQ_INT(found, 1);
    ASSERT_EQ_INT(got, id);
    ASSERT_OK(regio_store_begin(s, &err));
    long mid = 0;
    ASSERT_OK(regio_store_model_create(s, "M", REGIO_MODEL_PLANNING, NULL, NULL, "by w2", &mid,
                                       &err));
    ASSERT_OK(regio_store_job_finish(s, id, "w2", REGIO_JOB_DONE, "done", "{}", 115, &err));
    ASSERT_OK(regio_store_commit(s, &err));
    /* w1 comes back: its finish is refused inside its transaction, which it
     * rolls back, so its effect is not written a second time. */
    ASSERT_OK(regio_store_begin(s, &err));
    ASSERT_OK(regio_store_model_create(s, "M-by-w1", REGIO_MODEL_PLANNING, NULL, NULL, "by w1",
                                       &mid, &err));
    ASSERT_EQ_INT(regio_store_job_finish(s, id, "w1", REGIO_JOB_DONE, "done", "{}", 116, &err),
                  REGIO_ECONFLICT);
    ASSERT_TRUE(strstr(err.msg, "not held by w1") != NULL);
    ASSERT_OK(regio_store_rollback(s, &err));
    regio_model_info mi;
    memset(&mi, 0, sizeof mi);
    ASSERT_EQ_INT(regio_store_model_find(s, "M-by-w1", &mi, &err), REGIO_ENOTFOUND);
    regio_model_info_clear(&mi);
    ASSERT_OK(regio_store_model_find(s, "M", &mi, &err));
    regio_model_info_clear(&mi);
    int cancel = -1;
    ASSERT_EQ_INT(regio_store_job_heartbeat(s, id, "w1", 117, 10, 0.5, NULL, &cancel, &err),
                  REGIO_ECONFLICT);
    /* Bad arguments are refused before the store is touched. */
    ASSERT_EQ_INT(regio_store_job_enqueue(s, "bad kind", "{}", "t", 1, &id, &err), REGIO_EINVAL);
    ASSERT_EQ_INT(regio_store_job_enqueue(s, "design", "", "t", 1, &id, &err), REGIO_EINVAL);
    ASSERT_EQ_INT(regio_store_job_claim(s, "w 1", NULL, 0, 1, 10, 3, got_id, &got, &found, &err),
                  REGIO_EINVAL);
    ASSERT_EQ_INT(regio_store_job_heartbeat(s, 1, "w1", 1, 10, 1.5, NULL, NULL, &err),
                  REGIO_EINVAL);
    ASSERT_EQ_INT(regio_store_job_finish(s, 1, "w1", REGIO_JOB_RUNNING, NULL, NULL, 1, &err),
                  REGIO_EINVAL);
    regio_store_close(s);
    regio_test_store_remove(path);
}

int main(int argc, char **argv)
{
    /* --pg: the PostgreSQL variant (unit.test_jobs.pg), on REGIO_TEST_DB. */
    regio_test_backend(argc, argv, "test_jobs --pg");
    RUN(test_random_operations);
    RUN(test_two_workers_take_each_job_once);
    RUN(test_lost_lease_rolls_back_the_effect);
    TEST_END();
}
