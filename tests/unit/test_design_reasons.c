/*
 * Reasons and proposals (issue 14, "Why it moved" and "Proposals, not one
 * answer"), checked against oracles written here over random instances:
 * every moved (realign) or off-centre (design) unit has a reason; a
 * balance reason's deviations are recomputed from the unit measures with
 * the block undone; a contiguity repair's piece is found again by a
 * search of the baseline; proposals are mutually non-dominated, their
 * figures are the labels' own measured again, and the front covers the
 * single-answer run.
 */
#include "regio/core.h"
#include "regio/design.h"
#include "regio_test.h"

#include <stdint.h>

/* A jittered rows x cols lattice in the plane, 4-neighbour adjacency,
 * measures: accounts (1..9, or heavier in the first rows when drift > 1)
 * and revenue. */
typedef struct inst {
    int n, rows, cols;
    double *x, *y, *meas; /* meas: n*2 */
    int *xadj, *adj;
    regio_design_input in;
} inst;

static const char *const names2[2] = {"accounts", "revenue"};

static void inst_make(inst *s, int rows, int cols, uint64_t seed)
{
    regio_rng r;
    regio_rng_seed(&r, seed);
    s->rows = rows;
    s->cols = cols;
    s->n = rows * cols;
    s->x = malloc(s->n * sizeof *s->x);
    s->y = malloc(s->n * sizeof *s->y);
    s->meas = malloc(2 * s->n * sizeof *s->meas);
    int *ea = malloc(2 * s->n * sizeof *ea), *eb = malloc(2 * s->n * sizeof *eb), ne = 0;
    for (int i = 0; i < s->n; i++) {
        int row = i / cols, col = i % cols;
        s->x[i] = col + 0.3 * regio_rng_double(&r);
        s->y[i] = row + 0.3 * regio_rng_double(&r);
        s->meas[2 * i] = (double)(1 + regio_rng_below(&r, 9));
        s->meas[2 * i + 1] = 100.0 * (double)(1 + regio_rng_below(&r, 20));
        if (col + 1 < cols) {
            ea[ne] = i;
            eb[ne++] = i + 1;
        }
        if (row + 1 < rows) {
            ea[ne] = i;
            eb[ne++] = i + cols;
        }
    }
    regio_design_csr_from_edges((size_t)s->n, ea, eb, (size_t)ne, &s->xadj, &s->adj);
    free(ea);
    free(eb);
    memset(&s->in, 0, sizeof s->in);
    s->in.n = (size_t)s->n;
    s->in.coords = REGIO_COORDS_PLANAR;
    s->in.x = s->x;
    s->in.y = s->y;
    s->in.m = 2;
    s->in.measures = s->meas;
    s->in.measure_names = names2;
    s->in.xadj = s->xadj;
    s->in.adjncy = s->adj;
}

static void inst_free(inst *s)
{
    free(s->x);
    free(s->y);
    free(s->meas);
    regio_free(s->xadj);
    regio_free(s->adj);
}

/* ---- oracles --------------------------------------------------------------- */

/* Deviation of territory t on measure c under labels (equal shares). */
static double oracle_dev(const inst *s, const int *labels, int k, int t, int c)
{
    double tot = 0, mine = 0;
    for (int i = 0; i < s->n; i++) {
        tot += s->meas[2 * i + c];
        if (labels[i] == t)
            mine += s->meas[2 * i + c];
    }
    double target = tot / k;
    return (mine - target) / target;
}

/* Size of the piece of territory t holding unit u under labels, and
 * whether it is the largest piece of t (ties: the piece of the lowest
 * unit). */
static int oracle_piece(const inst *s, const int *labels, int t, int u, int *is_main)
{
    int *comp = malloc(s->n * sizeof *comp), *q = malloc(s->n * sizeof *q);
    int nc = 0, best = -1, bestsize = 0, usize = 0, ucomp = -1;
    for (int i = 0; i < s->n; i++)
        comp[i] = -1;
    for (int i = 0; i < s->n; i++) {
        if (labels[i] != t || comp[i] >= 0)
            continue;
        int h = 0, tl = 0;
        q[tl++] = i;
        comp[i] = nc;
        while (h < tl) {
            int v = q[h++];
            for (int a = s->xadj[v]; a < s->xadj[v + 1]; a++) {
                int w = s->adj[a];
                if (labels[w] == t && comp[w] < 0) {
                    comp[w] = nc;
                    q[tl++] = w;
                }
            }
        }
        if (tl > bestsize) {
            bestsize = tl;
            best = nc;
        }
        if (comp[u] == nc)
            usize = tl;
        nc++;
    }
    ucomp = comp[u];
    *is_main = ucomp == best;
    free(comp);
    free(q);
    return usize;
}

/* Exact weighted medoid of territory t (weights: accounts): the member
 * with the least sum of weighted distances. */
static int oracle_medoid(const inst *s, const int *labels, int t)
{
    int best = -1;
    double bestc = INFINITY;
    for (int j = 0; j < s->n; j++) {
        if (labels[j] != t)
            continue;
        double c = 0;
        for (int i = 0; i < s->n; i++)
            if (labels[i] == t)
                c += s->meas[2 * i] * hypot(s->x[i] - s->x[j], s->y[i] - s->y[j]);
        if (c < bestc) {
            bestc = c;
            best = j;
        }
    }
    return best;
}

/* Checks every reason of a result: the units explained are exactly those
 * whose territory differs from alt[] (the baseline, or the nearest
 * centre), and each reason's numbers are true. */
static void check_reasons(const inst *s, const regio_design_params *p,
                          const regio_design_result *R, const int *alt, int *n_balance)
{
    int k = p->k;
    size_t want = 0;
    for (int i = 0; i < s->n; i++)
        want += alt[i] != R->labels[i];
    ASSERT_EQ_INT(R->n_reasons, want);
    int *undone = malloc(s->n * sizeof *undone);
    for (size_t q = 0; q < R->n_reasons; q++) {
        const regio_design_reason *r = &R->reasons[q];
        int u = (int)r->unit;
        ASSERT_TRUE(q == 0 || R->reasons[q - 1].unit < r->unit);
        ASSERT_EQ_INT(r->to, R->labels[u]);
        ASSERT_EQ_INT(r->from, alt[u]);
        ASSERT_TRUE(r->kind != REGIO_REASON_NONE);
        char text[400];
        regio_design_reason_text(&s->in, p, r, text, sizeof text);
        ASSERT_TRUE(strstr(text, regio_design_reason_kind_name(r->kind)) == text ||
                    (r->kind == REGIO_REASON_CONTIGUITY && strstr(text, "contiguity")));
        /* The block: units explained with the same block id share the move
         * and are undone together. */
        size_t members = 0;
        memcpy(undone, R->labels, s->n * sizeof *undone);
        for (size_t q2 = 0; q2 < R->n_reasons; q2++) {
            const regio_design_reason *o = &R->reasons[q2];
            if (o->block != r->block || o->kind == REGIO_REASON_LOCK || o->kind == REGIO_REASON_GROUP)
                continue;
            ASSERT_EQ_INT(o->from, r->from);
            ASSERT_EQ_INT(o->to, r->to);
            undone[o->unit] = o->from;
            members++;
        }
        if (r->kind != REGIO_REASON_LOCK && r->kind != REGIO_REASON_GROUP)
            ASSERT_EQ_INT(members, r->block_units);
        if (r->kind == REGIO_REASON_BALANCE) {
            ++*n_balance;
            double with = oracle_dev(s, R->labels, k, r->terr, r->measure);
            double without = oracle_dev(s, undone, k, r->terr, r->measure);
            ASSERT_TRUE(r->terr == r->from || r->terr == r->to);
            ASSERT_NEAR(r->after, with, 1e-9);
            ASSERT_NEAR(r->before, without, 1e-9);
            ASSERT_TRUE(fabs(without) > fabs(with));
        } else if (r->kind == REGIO_REASON_CONTIGUITY && r->after == 0) {
            int is_main = 1;
            int size = oracle_piece(s, p->baseline, r->from, u, &is_main);
            ASSERT_TRUE(p->realign && !is_main);
            ASSERT_EQ_INT(size, (long long)r->before);
        } else if (r->kind == REGIO_REASON_LOCK) {
            ASSERT_TRUE(p->locked && p->locked[u] == r->to);
        } else if (r->kind == REGIO_REASON_TRAVEL) {
            ASSERT_TRUE(r->after < r->before);
        }
    }
    free(undone);
}

/* ---- tests ----------------------------------------------------------------- */

/* Designs on random lattices: every unit away from the territory of its
 * nearest centre (centres found here by brute force) has a true reason. */
static void test_design_reasons_random(void)
{
    int balance_reasons = 0;
    for (uint64_t seed = 1; seed <= 6; seed++) {
        inst s;
        inst_make(&s, 9 + (int)seed % 3, 10, seed);
        regio_design_params p;
        regio_design_params_init(&p);
        p.k = 3 + (int)(seed % 3);
        p.tolerance = 0.03;
        p.seed = seed;
        regio_design_result R;
        regio_err rc = regio_design_run(&s.in, &p, &R, NULL);
        ASSERT_TRUE(rc == REGIO_OK || rc == REGIO_EINFEASIBLE);
        int *centre = malloc(p.k * sizeof *centre), *alt = malloc(s.n * sizeof *alt);
        for (int t = 0; t < p.k; t++)
            centre[t] = oracle_medoid(&s, R.labels, t);
        for (int i = 0; i < s.n; i++) {
            int own = R.labels[i];
            double dbest = hypot(s.x[i] - s.x[centre[own]], s.y[i] - s.y[centre[own]]);
            alt[i] = own;
            for (int t = 0; t < p.k; t++) {
                double d = hypot(s.x[i] - s.x[centre[t]], s.y[i] - s.y[centre[t]]);
                if (t != own && d < dbest - 1e-9) {
                    dbest = d;
                    alt[i] = t;
                }
            }
        }
        check_reasons(&s, &p, &R, alt, &balance_reasons);
        free(centre);
        free(alt);
        regio_design_result_free(&R);
        inst_free(&s);
    }
    ASSERT_TRUE(balance_reasons > 0); /* the oracle was exercised */
}

/* Params for k territories within 3% (seed), and the labels of a design
 * with them (the caller frees): the baseline of a realign. */
static int *designed(const inst *s, regio_design_params *p, int k, uint64_t seed)
{
    regio_design_params_init(p);
    p->k = k;
    p->tolerance = 0.03;
    p->seed = seed;
    regio_design_result D;
    regio_design_run(&s->in, p, &D, NULL);
    int *base = malloc(s->n * sizeof *base);
    memcpy(base, D.labels, s->n * sizeof *base);
    regio_design_result_free(&D);
    return base;
}

/* Realigns after a drift (the first rows' accounts x 2.5) with locks and a
 * detached piece in the baseline: every moved unit has a true reason. */
static void test_realign_reasons_random(void)
{
    int balance_reasons = 0, repairs = 0;
    for (uint64_t seed = 1; seed <= 6; seed++) {
        inst s;
        inst_make(&s, 10, 10, 100 + seed);
        regio_design_params p;
        int *base = designed(&s, &p, 4, seed), *locked = malloc(s.n * sizeof *locked);
        /* a detached piece: one unit of a territory deep inside another */
        int cut = -1;
        for (int i = 0; i < s.n && cut < 0; i++) {
            int same = 1;
            for (int a = s.xadj[i]; a < s.xadj[i + 1]; a++)
                same &= base[s.adj[a]] == base[i];
            if (same && i % 10 > 0 && i % 10 < 9)
                cut = i;
        }
        if (cut >= 0)
            base[cut] = (base[cut] + 1) % p.k;
        for (int i = 0; i < s.n; i++) {
            locked[i] = -1;
            if (i < 10)
                s.meas[2 * i] *= 2.5;
        }
        locked[s.n - 1] = (base[s.n - 1] + 1) % p.k; /* a lock that moves a unit */
        p.baseline = base;
        p.locked = locked;
        p.realign = 1;
        p.max_moved_units = 0.3;
        regio_design_result R;
        regio_err rc = regio_design_run(&s.in, &p, &R, NULL);
        ASSERT_TRUE(rc == REGIO_OK || rc == REGIO_EINFEASIBLE);
        check_reasons(&s, &p, &R, base, &balance_reasons);
        for (size_t q = 0; q < R.n_reasons; q++) {
            repairs += R.reasons[q].kind == REGIO_REASON_CONTIGUITY;
            if (R.reasons[q].unit == (size_t)s.n - 1)
                ASSERT_EQ_INT(R.reasons[q].kind, REGIO_REASON_LOCK);
        }
        free(base);
        free(locked);
        regio_design_result_free(&R);
        inst_free(&s);
    }
    ASSERT_TRUE(balance_reasons > 0);
    ASSERT_TRUE(repairs > 0);
}

/* The figures of a labelling measured here: the worst |dev| on accounts
 * and the moved share (realign) or nothing. */
static double oracle_balance(const inst *s, const int *labels, int k)
{
    double worst = 0;
    for (int t = 0; t < k; t++)
        worst = fmax(worst, fabs(oracle_dev(s, labels, k, t, 0)));
    return worst;
}

/* Proposals of a realign and of a design: mutually non-dominated, their
 * figures the labels' own, and the single-answer run covered. */
static void test_proposals_front(void)
{
    for (int realign = 0; realign < 2; realign++)
        for (uint64_t seed = 1; seed <= 3; seed++) {
            inst s;
            inst_make(&s, 10, 10, 200 + seed);
            regio_design_params p;
            int *base = designed(&s, &p, 4, seed);
            if (realign) {
                for (int i = 0; i < 20; i++)
                    s.meas[2 * i] *= 2;
                p.baseline = base;
                p.realign = 1;
                p.max_moved_units = 0.2;
            }
            regio_design_result single;
            regio_design_run(&s.in, &p, &single, NULL);
            regio_design_proposals F;
            ASSERT_OK(regio_design_propose(&s.in, &p, 4, &F, NULL));
            ASSERT_TRUE(F.n >= 1 && F.n <= 4);
            ASSERT_EQ_INT(F.realign, realign);
            double *bal = malloc(F.n * sizeof *bal), *cost = malloc(F.n * sizeof *cost);
            for (size_t j = 0; j < F.n; j++) {
                const regio_design_result *r = &F.items[j].result;
                bal[j] = oracle_balance(&s, r->labels, p.k);
                size_t moved = 0;
                for (int i = 0; i < s.n; i++)
                    moved += r->labels[i] != base[i];
                cost[j] = realign ? (double)moved / s.n : r->report.travel_km;
                ASSERT_NEAR(F.items[j].balance, bal[j], 1e-12);
                ASSERT_NEAR(F.items[j].cost, cost[j], 1e-12);
                ASSERT_EQ_INT(r->report.n_noncontiguous, 0);
                if (realign)
                    ASSERT_TRUE(cost[j] <= p.max_moved_units + 1e-12);
                /* measured again, the report says the same */
                regio_design_report again;
                ASSERT_OK(regio_design_evaluate(&s.in, &p, r->labels, &again, NULL));
                ASSERT_NEAR(again.travel_km, r->report.travel_km, 1e-9);
                ASSERT_NEAR(again.balance[0], bal[j], 1e-12);
                regio_design_report_free(&again);
                ASSERT_TRUE(j == 0 || bal[j] >= bal[j - 1]);
            }
            for (size_t a = 0; a < F.n; a++)
                for (size_t b = 0; b < F.n; b++) {
                    if (a == b)
                        continue;
                    int dom = bal[a] <= bal[b] + 1e-12 && cost[a] <= cost[b] + 1e-12 &&
                              (bal[a] < bal[b] - 1e-12 || cost[a] < cost[b] - 1e-12);
                    ASSERT_TRUE(!dom);
                }
            /* the single answer is on the front or dominated by a proposal */
            double sb = oracle_balance(&s, single.labels, p.k);
            double sc = realign ? single.report.moved_units_share : single.report.travel_km;
            int covered = 0;
            for (size_t j = 0; j < F.n; j++)
                covered |= bal[j] <= sb + 1e-12 && cost[j] <= sc + 1e-12;
            if (single.report.n_noncontiguous == 0)
                ASSERT_TRUE(covered);
            /* the same seed, the same proposals */
            regio_design_proposals G;
            ASSERT_OK(regio_design_propose(&s.in, &p, 4, &G, NULL));
            ASSERT_EQ_INT(G.n, F.n);
            for (size_t j = 0; j < F.n && j < G.n; j++)
                ASSERT_TRUE(memcmp(F.items[j].result.labels, G.items[j].result.labels,
                                   s.n * sizeof(int)) == 0);
            regio_design_proposals_free(&G);
            free(bal);
            free(cost);
            regio_design_proposals_free(&F);
            regio_design_result_free(&single);
            free(base);
            inst_free(&s);
        }
}

static void test_proposals_invalid(void)
{
    inst s;
    inst_make(&s, 4, 4, 9);
    regio_design_params p;
    regio_design_params_init(&p);
    p.k = 2;
    regio_design_proposals F;
    regio_error err;
    ASSERT_EQ_INT(regio_design_propose(&s.in, &p, 0, &F, &err), REGIO_EINVAL);
    ASSERT_EQ_INT(regio_design_propose(&s.in, &p, 21, &F, &err), REGIO_EINVAL);
    ASSERT_EQ_INT(F.n, 0);
    /* one proposal: the most balanced of the front */
    ASSERT_OK(regio_design_propose(&s.in, &p, 1, &F, &err));
    ASSERT_EQ_INT(F.n, 1);
    regio_design_proposals_free(&F);
    inst_free(&s);
}

int main(void)
{
    RUN(test_design_reasons_random);
    RUN(test_realign_reasons_random);
    RUN(test_proposals_front);
    RUN(test_proposals_invalid);
    TEST_END();
}
