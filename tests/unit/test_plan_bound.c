/*
 * Unit tests of regio_plan_hours_bound, the lower bound on a rep's hours:
 * never above the exact least hours of serving a share of the visits
 * (brute force over the served accounts and every tour of them, travel
 * times recomputed here) on random small cases; tight where the tour is
 * known (accounts along a meridian), and close to the exact hours when
 * visits are left out (the penalised saving); deterministic; argument
 * errors and allocation failures.
 */
#include "regio/plan.h"
#include "regio_test.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Independent of the library: great circle (haversine, R = 6371.0088 km)
 * times road factor at the given speed, in hours. */
static double leg_h(double lat1, double lon1, double lat2, double lon2, double rf, double kmh)
{
    double k = M_PI / 180, dp = (lat2 - lat1) * k, dl = (lon2 - lon1) * k;
    double a = sin(dp / 2) * sin(dp / 2) + cos(lat1 * k) * cos(lat2 * k) * sin(dl / 2) * sin(dl / 2);
    return 2 * 6371.0088 * asin(sqrt(a)) * rf / kmh;
}

#define MAXN 7

static double T[MAXN + 1][MAXN + 1];

/* Shortest tour from node 0 through the nodes of mask (bits 1..n): every
 * order of them. */
static double tsp_exact(int n, unsigned mask)
{
    int v[MAXN], k = 0;
    for (int i = 1; i <= n; i++)
        if (mask >> i & 1u)
            v[k++] = i;
    if (k == 0)
        return 0;
    /* Heap's algorithm over v[0..k) */
    int cnt[MAXN] = {0};
    double best = INFINITY;
    for (int i = 0;;) {
        double t = T[0][v[0]] + T[v[k - 1]][0];
        for (int j = 0; j + 1 < k; j++)
            t += T[v[j]][v[j + 1]];
        if (t < best)
            best = t;
        while (i < k && cnt[i] >= i) {
            cnt[i] = 0;
            i++;
        }
        if (i >= k)
            break;
        int s = i % 2 ? cnt[i] : 0, tmp = v[s];
        v[s] = v[i];
        v[i] = tmp;
        cnt[i]++;
        i = 1;
    }
    return best;
}

/* The least hours any plan serving at least `visits` visits needs when
 * all its driving is one tour: over every set of served accounts, its
 * exact tour plus the cheapest calls (one per served account, then the
 * cheapest repeats). */
static double exact_need(int n, const regio_plan_account *acc, long visits)
{
    double best = INFINITY;
    for (unsigned mask = 0; mask < 1u << (n + 1); mask += 2) {
        long most = 0, base = 0;
        double calls = 0, rep[MAXN * 8];
        int nr = 0;
        for (int i = 1; i <= n; i++)
            if (mask >> i & 1u) {
                most += acc[i - 1].frequency;
                base++;
                calls += acc[i - 1].call_s / 3600;
                for (int k = 1; k < acc[i - 1].frequency; k++)
                    rep[nr++] = acc[i - 1].call_s / 3600;
            }
        if (most < visits)
            continue;
        for (int a = 1; a < nr; a++)
            for (int b = a; b > 0 && rep[b - 1] > rep[b]; b--) {
                double t = rep[b];
                rep[b] = rep[b - 1];
                rep[b - 1] = t;
            }
        for (long k = 0; k < visits - base; k++)
            calls += rep[k];
        double h = tsp_exact(n, mask) + calls;
        if (h < best)
            best = h;
    }
    return best;
}

/* A rep at (lat, lon), 08:00-17:00. */
static void rep_at(regio_plan_rep *rep, double lat, double lon)
{
    memset(rep, 0, sizeof *rep);
    rep->id = "R";
    rep->lat = lat;
    rep->lon = lon;
    rep->day_start_s = 8 * 3600;
    rep->day_end_s = 17 * 3600;
}

static void test_oracle(void)
{
    srand(14);
    regio_plan_rep rep;
    regio_plan_account acc[MAXN];
    regio_plan_params p;
    memset(&p, 0, sizeof p);
    p.n_days = 20;
    p.road_factor = 1.3;
    p.speed_kmh = 50;
    int tight = 0, tight_drop = 0, n_drop = 0;
    for (int it = 0; it < 300; it++) {
        int n = 1 + rand() % MAXN;
        double lat = 39.0 + (rand() % 1000) / 1000.0;
        rep_at(&rep, lat, -94.5 + (rand() % 1000) / 1000.0);
        memset(acc, 0, sizeof acc);
        long required = 0;
        for (int i = 0; i < n; i++) {
            acc[i].id = "A";
            acc[i].lat = rep.lat + (rand() % 6000 - 3000) / 1000.0;
            acc[i].lon = rep.lon + (rand() % 8000 - 4000) / 1000.0;
            acc[i].frequency = 1 + rand() % 3;
            acc[i].call_s = 60.0 * (10 + rand() % 50);
            required += acc[i].frequency;
        }
        T[0][0] = 0;
        for (int i = 0; i <= n; i++)
            for (int j = 0; j <= n; j++) {
                double la1 = i ? acc[i - 1].lat : rep.lat, lo1 = i ? acc[i - 1].lon : rep.lon;
                double la2 = j ? acc[j - 1].lat : rep.lat, lo2 = j ? acc[j - 1].lon : rep.lon;
                T[i][j] = leg_h(la1, lo1, la2, lo2, 1.3, 50);
            }
        static const double covs[] = {1.0, 0.9, 0.75, 0.5};
        double cov = covs[it % 4];
        regio_plan_bound b;
        ASSERT_OK(regio_plan_hours_bound(&rep, 1, 0, acc, (size_t)n, &p, cov, &b, NULL));
        long visits = (long)ceil(cov * (double)required - 1e-9);
        ASSERT_EQ_INT(b.visits_required, required);
        ASSERT_EQ_INT(b.visits, visits);
        ASSERT_NEAR(b.available_h, 180.0, 1e-9);
        double ex = exact_need(n, acc, visits);
        ASSERT_TRUE(b.need_h <= ex + 1e-6);
        ASSERT_TRUE(b.need_h >= 0);
        if (visits < required) {
            n_drop++;
            tight_drop += b.need_h >= 0.98 * ex;
        }
        if (cov == 1.0) {
            /* all visits: the calls are exact, the tour bound close */
            double calls = 0;
            for (int i = 0; i < n; i++)
                calls += acc[i].frequency * acc[i].call_s / 3600;
            ASSERT_NEAR(b.call_h, calls, 1e-9);
            ASSERT_TRUE(b.tour_h >= 0.9 * (ex - calls));
            tight += b.tour_h >= 0.999 * (ex - calls);
        }
    }
    ASSERT_TRUE(tight >= 40); /* the 1-tree bound is often the tour itself */
    /* with visits left out, the penalised saving (step 3) brings the bound
     * within 2% of the exact hours in 110 of these 159 cases; the plain
     * spanning-tree saving alone in 21 */
    ASSERT_TRUE(n_drop > 100 && tight_drop >= 80);
}

static void test_meridian(void)
{
    /* accounts north of home along one meridian: the tour is there and
     * back, twice the farthest */
    regio_plan_rep rep;
    rep_at(&rep, 50.0, 10.0);
    regio_plan_dayset_add(&rep.days_off, 3);
    regio_plan_account acc[9];
    memset(acc, 0, sizeof acc);
    for (int i = 0; i < 9; i++) {
        acc[i].id = "A";
        acc[i].lat = 50.0 + 0.37 * (double)((i * 5) % 9 + 1);
        acc[i].lon = 10.0;
        acc[i].frequency = 2;
        acc[i].call_s = 1800;
    }
    regio_plan_params p;
    memset(&p, 0, sizeof p);
    p.n_days = 10;
    p.road_factor = 1.3;
    p.speed_kmh = 50;
    regio_plan_bound b, b2;
    ASSERT_OK(regio_plan_hours_bound(&rep, 1, 0, acc, 9, &p, 1.0, &b, NULL));
    double tour = 2 * leg_h(50.0, 10.0, 50.0 + 0.37 * 9, 10.0, 1.3, 50);
    ASSERT_NEAR(b.tour_h, tour, 1e-3 * tour);
    ASSERT_NEAR(b.call_h, 9.0, 1e-9);
    ASSERT_NEAR(b.available_h, 81.0, 1e-9); /* 9 working days of 9 h */
    ASSERT_NEAR(b.saving_h, 0.0, 1e-12);
    /* same input, same bound */
    ASSERT_OK(regio_plan_hours_bound(&rep, 1, 0, acc, 9, &p, 1.0, &b2, NULL));
    ASSERT_TRUE(memcmp(&b, &b2, sizeof b) == 0);
    /* leaving out one visit of 18: at most the farthest account's two
     * visits and its edge twice do not count, so the bound drops, by
     * at most its call and twice its gap to the next one */
    ASSERT_OK(regio_plan_hours_bound(&rep, 1, 0, acc, 9, &p, 17.0 / 18, &b2, NULL));
    ASSERT_EQ_INT(b2.visits, 17);
    ASSERT_NEAR(b2.saving_h, 0.5, 1e-9); /* one call: no account is left out */
    /* errors */
    regio_error err;
    ASSERT_EQ_INT(regio_plan_hours_bound(&rep, 1, 1, acc, 9, &p, 1.0, &b, &err), REGIO_EINVAL);
    ASSERT_EQ_INT(regio_plan_hours_bound(&rep, 1, 0, acc, 9, &p, 1.5, &b, &err), REGIO_EINVAL);
    ASSERT_EQ_INT(regio_plan_hours_bound(&rep, 1, 0, acc, 9, &p, NAN, &b, &err), REGIO_EINVAL);
    /* no visits: nothing needed */
    for (int i = 0; i < 9; i++)
        acc[i].frequency = 0;
    ASSERT_OK(regio_plan_hours_bound(&rep, 1, 0, acc, 9, &p, 1.0, &b, NULL));
    ASSERT_NEAR(b.need_h, 0.0, 1e-12);
}

static void test_allocation_failures(void)
{
    regio_plan_rep rep;
    rep_at(&rep, 50.0, 10.0);
    regio_plan_account acc[5];
    memset(acc, 0, sizeof acc);
    for (int i = 0; i < 5; i++) {
        acc[i].id = "A";
        acc[i].lat = 50.0 + 0.1 * i;
        acc[i].lon = 10.0 + 0.2 * (i % 2);
        acc[i].frequency = 1;
        acc[i].call_s = 600;
    }
    regio_plan_params p;
    memset(&p, 0, sizeof p);
    p.n_days = 5;
    int saw_ok = 0, saw_enomem = 0;
    for (alloc_fail_at = 1; alloc_fail_at < 100 && !saw_ok; alloc_fail_at++) {
        alloc_calls = 0;
        regio_plan_bound b;
        regio_set_allocator(&regio_test_failing);
        regio_err rc = regio_plan_hours_bound(&rep, 1, 0, acc, 5, &p, 0.8, &b, NULL);
        regio_set_allocator(NULL);
        if (rc == REGIO_OK)
            saw_ok = 1;
        else {
            ASSERT_EQ_INT(rc, REGIO_ENOMEM);
            saw_enomem = 1;
        }
    }
    ASSERT_TRUE(saw_ok && saw_enomem);
}

int main(void)
{
    RUN(test_oracle);
    RUN(test_meridian);
    RUN(test_allocation_failures);
    TEST_END();
}
