/*
 * Initial territories by balanced k-means: k-means++ seeding weighted by
 * the balance load, then rounds of (a) price-adjusted assignment — each
 * node goes to the territory minimising w_i d(i, c_t) + W sum_c lambda_tc
 * b_ic, an additively weighted Voronoi diagram whose Lagrangian prices
 * lambda follow a subgradient step on the dual (raised for overloaded,
 * lowered for underloaded territories; the best-balanced assignment of
 * each round is kept; above 20,000 nodes each price has its own step,
 * scaled by its territory's radius, halved when its deviation changes
 * sign and grown by 10 % while it keeps it, and every round runs 100
 * steps (300 in the first, 500 in the last) so that the medoid updates
 * always see a nearly balanced assignment) — and (b) weighted-medoid
 * centre updates, after a few plain weighted Lloyd rounds on the seeds.
 * This is the Lagrangian relaxation of the capacitated p-median problem;
 * contiguity is not enforced here (contiguity.c repairs it).
 *
 * Invariants: locked nodes keep their territory; with rep homes centres
 * never move. Cost: O(rounds * (n k + iters * n L nb)) with L candidate
 * centres per node (the L nearest), plus medoid updates.
 */
#include "design/design_internal.h"

#include <string.h>

#define CAND_MAX 12

static void seed_centres(regio__dz *z, const double *seedw)
{
    int n = z->n, k = z->k;
    double *d2 = z->tmpd; /* n: squared chord to nearest chosen centre */
    int have = 0;
    /* Territories with locked nodes start at one of them. */
    for (int t = 0; t < k; t++)
        z->cnode[t] = -1;
    if (z->lock) {
        for (int i = 0; i < n; i++) {
            int t = z->lock[i];
            if (t >= 0 && z->cnode[t] < 0) {
                z->cnode[t] = i;
                memcpy(z->cp + 3 * (size_t)t, z->p + 3 * (size_t)i, 3 * sizeof(double));
                have++;
            }
        }
    }
    for (int i = 0; i < n; i++)
        d2[i] = INFINITY;
    for (int t = 0; t < k; t++) {
        if (z->cnode[t] < 0)
            continue;
        for (int i = 0; i < n; i++) {
            double c = regio__chord(z->p + 3 * (size_t)i, z->cp + 3 * (size_t)t);
            if (c * c < d2[i])
                d2[i] = c * c;
        }
    }
    for (int t = 0; t < k; t++) {
        if (z->cnode[t] >= 0)
            continue;
        double tot = 0;
        for (int i = 0; i < n; i++)
            tot += seedw[i] * (have ? d2[i] : 1.0);
        int pick = -1;
        if (tot > 0) {
            double r = regio_rng_double(&z->rng) * tot, acc = 0;
            for (int i = 0; i < n; i++) {
                acc += seedw[i] * (have ? d2[i] : 1.0);
                if (acc > r) {
                    pick = i;
                    break;
                }
            }
        }
        if (pick < 0) /* all remaining points coincide with centres */
            pick = (int)regio_rng_below(&z->rng, (uint64_t)n);
        z->cnode[t] = pick;
        memcpy(z->cp + 3 * (size_t)t, z->p + 3 * (size_t)pick, 3 * sizeof(double));
        have++;
        for (int i = 0; i < n; i++) {
            double c = regio__chord(z->p + 3 * (size_t)i, z->cp + 3 * (size_t)t);
            if (c * c < d2[i])
                d2[i] = c * c;
        }
    }
}

/* The L nearest centres of every node (by chord), sorted. */
static void candidates(regio__dz *z, int L, int *cand)
{
    int n = z->n, k = z->k;
    double best[CAND_MAX];
    for (int i = 0; i < n; i++) {
        int *ci = cand + (size_t)i * L;
        int m = 0;
        const double *pi = z->p + 3 * (size_t)i;
        for (int t = 0; t < k; t++) {
            /* Squared chord: same order as the distance, no square root. */
            const double *ct = z->cp + 3 * (size_t)t;
            double dx = pi[0] - ct[0], dy = pi[1] - ct[1], dz = pi[2] - ct[2];
            double c = dx * dx + dy * dy + dz * dz;
            if (m == L && c >= best[L - 1])
                continue;
            int q = m < L ? m++ : L - 1;
            while (q > 0 && best[q - 1] > c) {
                best[q] = best[q - 1];
                ci[q] = ci[q - 1];
                q--;
            }
            best[q] = c;
            ci[q] = t;
        }
    }
}

/* Plain weighted k-means (Lloyd) with weighted-mean centres: a cheap way
 * to bring k-means++ seeds close to a good layout before the balanced
 * rounds. Locked territories keep their seed. */
static void lloyd(regio__dz *z, const double *wt, int rounds)
{
    int n = z->n, k = z->k;
    double *acc = regio_calloc(4 * (size_t)k, sizeof *acc);
    if (!acc)
        return;
    for (int r = 0; r < rounds; r++) {
        memset(acc, 0, 4 * (size_t)k * sizeof *acc);
        for (int i = 0; i < n; i++) {
            const double *pi = z->p + 3 * (size_t)i;
            int bt = 0;
            double bc = INFINITY;
            for (int t = 0; t < k; t++) {
                const double *c = z->cp + 3 * (size_t)t;
                double dx = pi[0] - c[0], dy = pi[1] - c[1], dz = pi[2] - c[2];
                double d2 = dx * dx + dy * dy + dz * dz;
                if (d2 < bc) {
                    bc = d2;
                    bt = t;
                }
            }
            double w = wt[i];
            acc[4 * bt] += w * pi[0];
            acc[4 * bt + 1] += w * pi[1];
            acc[4 * bt + 2] += w * pi[2];
            acc[4 * bt + 3] += w;
        }
        double moved = 0;
        for (int t = 0; t < k; t++) {
            if (acc[4 * t + 3] <= 0)
                continue;
            int locked = 0;
            if (z->lock && z->cnode[t] >= 0 && z->lock[z->cnode[t]] == t)
                locked = 1;
            if (locked)
                continue;
            double q[3] = {acc[4 * t] / acc[4 * t + 3], acc[4 * t + 1] / acc[4 * t + 3],
                           acc[4 * t + 2] / acc[4 * t + 3]};
            if (!z->planar) {
                double len = sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2]);
                if (len > 0)
                    for (int c = 0; c < 3; c++)
                        q[c] /= len;
            }
            moved += regio__chord(q, z->cp + 3 * (size_t)t);
            memcpy(z->cp + 3 * (size_t)t, q, sizeof q);
        }
        if (moved == 0)
            break;
    }
    regio_free(acc);
}

regio_err regio__dz_assign(regio__dz *z, int rounds, int lloyd_rounds)
{
    int n = z->n, k = z->k, nb = z->nb;
    int L = k < CAND_MAX ? k : CAND_MAX;
    int *cand = regio_malloc((size_t)n * (size_t)L * sizeof *cand);
    double *lam = regio_calloc((size_t)k * (size_t)nb, sizeof *lam);
    double *seedw = regio_malloc((size_t)n * sizeof *seedw);
    double *dist = regio_malloc((size_t)n * (size_t)L * sizeof *dist);
    int *bestlab = regio_malloc((size_t)n * sizeof *bestlab);
    double *step = regio_malloc((size_t)k * (size_t)nb * sizeof *step);
    double *pdev = regio_malloc((size_t)k * (size_t)nb * sizeof *pdev);
    double *rs = regio_malloc((size_t)k * sizeof *rs);
    double *rw = regio_malloc((size_t)k * sizeof *rw);
    double *wlam = regio_malloc((size_t)k * sizeof *wlam);
    double *wdist = regio_malloc((size_t)n * (size_t)L * sizeof *wdist);
    regio_err rc = REGIO_ENOMEM;
    if (!cand || !lam || !seedw || !dist || !bestlab || !step || !pdev || !rs || !rw || !wlam ||
        !wdist)
        goto done;

    /* Seeding weight: the balance load, with a floor so that zero-load
     * nodes can still host a centre when nothing else is left. */
    double bs = 0;
    for (int i = 0; i < n; i++) {
        double v = 0;
        for (int c = 0; c < nb; c++)
            v += z->b[(size_t)i * nb + c];
        seedw[i] = v;
        bs += v;
    }
    for (int i = 0; i < n; i++)
        seedw[i] += 1e-3 * bs / n;
    if (z->home) {
        memcpy(z->cp, z->home, 3 * (size_t)k * sizeof *z->cp);
        for (int t = 0; t < k; t++)
            z->cnode[t] = -1;
    } else {
        seed_centres(z, seedw);
    }
    if (!z->home)
        lloyd(z, seedw, lloyd_rounds);
    double wmean = z->wsum > 0 ? z->wsum / n : 1.0;
    /* Large instances: a common step decaying within each round stalls
     * far from balance (tens of percent off at 30,000 nodes, which the
     * repair phases then fix slowly and at a high travel cost), so prices
     * there get their own adaptive steps and a longer final round. */
    int adaptive = n > 20000;
    double W = z->wsum > 0 ? z->wsum : (double)n;

    for (int r = 0; r < rounds; r++) {
        candidates(z, L, cand);
        for (int i = 0; i < n; i++)
            for (int q = 0; q < L; q++)
                dist[(size_t)i * L + q] = regio__dz_dist(z, i, cand[(size_t)i * L + q]);
        /* A distance scale for the prices: mean distance to the nearest
         * centre. */
        double dscale = 0;
        for (int i = 0; i < n; i++)
            dscale += dist[(size_t)i * L];
        dscale = dscale / n + 1e-12;
        /* Large instances: every round's prices are brought close to
         * balance (warm-started from the last round), so that each medoid
         * step sees a balanced assignment and the centres settle where
         * balanced territories need them; the first round starts the
         * prices from zero and the last one polishes them. */
        int last = r + 1 == rounds || (adaptive && z->home);
        int iters = !adaptive ? (last ? 80 : 40) : last ? 500 : r == 0 ? 300 : 100;
        double bestsc = INFINITY;
        for (int q = 0; q < k * nb; q++) {
            step[q] = 0.2 * dscale;
            pdev[q] = 0;
        }
        if (adaptive) {
            /* Each price moves on the scale of its own territory: the
             * weighted mean distance of the nodes nearest its centre
             * (a territory's load responds to a price change in
             * proportion to its radius; urban and rural territories
             * differ by two orders of magnitude). */
            for (int t = 0; t < k; t++)
                rs[t] = rw[t] = 0;
            for (int i = 0; i < n; i++) {
                int t = cand[(size_t)i * L];
                double wi = z->w[i] + 1e-6 * wmean;
                rs[t] += wi * dist[(size_t)i * L];
                rw[t] += wi;
            }
            for (int t = 0; t < k; t++) {
                rs[t] = rw[t] > 0 ? rs[t] / rw[t] : dscale;
                if (rs[t] < 0.05 * dscale)
                    rs[t] = 0.05 * dscale;
                for (int c = 0; c < nb; c++)
                    step[t * nb + c] = 0.3 * rs[t];
            }
        }
        /* The travel part of every candidate cost is fixed for the round. */
        for (int i = 0; i < n; i++) {
            double wi = z->w[i] + 1e-6 * wmean;
            for (int q = 0; q < L; q++)
                wdist[(size_t)i * L + q] = wi * dist[(size_t)i * L + q];
        }
        for (int it = 0; it < iters; it++) {
            memset(z->load, 0, (size_t)k * nb * sizeof *z->load);
            memset(z->cnt, 0, (size_t)k * sizeof *z->cnt);
            if (nb == 1) {
                /* The common single-measure case, kept tight: this loop
                 * is most of the design's running time. */
                for (int t = 0; t < k; t++)
                    wlam[t] = W * lam[t];
                for (int i = 0; i < n; i++) {
                    int bt;
                    if (z->lock && z->lock[i] >= 0) {
                        bt = z->lock[i];
                    } else {
                        const int *ci = cand + (size_t)i * L;
                        const double *di = wdist + (size_t)i * L;
                        double bi = z->b[i], bc = INFINITY;
                        bt = ci[0];
                        for (int q = 0; q < L; q++) {
                            double cst = di[q] + wlam[ci[q]] * bi;
                            if (cst < bc) {
                                bc = cst;
                                bt = ci[q];
                            }
                        }
                    }
                    z->label[i] = bt;
                    z->cnt[bt]++;
                    z->load[bt] += z->b[i];
                }
            } else for (int i = 0; i < n; i++) {
                int bt;
                if (z->lock && z->lock[i] >= 0) {
                    bt = z->lock[i];
                } else {
                    const double *bi = z->b + (size_t)i * nb;
                    double wi = z->w[i] + 1e-6 * wmean, bc = INFINITY;
                    bt = cand[(size_t)i * L];
                    for (int q = 0; q < L; q++) {
                        int t = cand[(size_t)i * L + q];
                        double cst = wi * dist[(size_t)i * L + q];
                        for (int c = 0; c < nb; c++)
                            cst += W * lam[t * nb + c] * bi[c];
                        if (cst < bc) {
                            bc = cst;
                            bt = t;
                        }
                    }
                }
                z->label[i] = bt;
                z->cnt[bt]++;
                for (int c = 0; c < nb; c++)
                    z->load[bt * nb + c] += z->b[(size_t)i * nb + c];
            }
            /* Keep the best-balanced assignment of this round. */
            double sc = 0;
            for (int q = 0; q < k * nb; q++) {
                int t = q / nb;
                double dev = z->share[t] > 0 ? z->load[q] / z->share[t] - 1.0 : 0.0;
                double h = 0.5 * z->tolc[q % nb];
                if (fabs(dev) > h)
                    sc += (fabs(dev) - h) * z->vscale[q % nb];
            }
            if (sc < bestsc) {
                bestsc = sc;
                memcpy(bestlab, z->label, (size_t)n * sizeof *bestlab);
            }
            /* Price update: a subgradient step on the Lagrangian dual,
             * proportional to the relative deviation, with a step that
             * decays within the round. */
            double worst = 0;
            for (int q = 0; q < k * nb; q++) {
                int t = q / nb;
                double dev = z->share[t] > 0 ? z->load[q] / z->share[t] - 1.0 : 0.0;
                if (fabs(dev) * z->vscale[q % nb] > worst)
                    worst = fabs(dev) * z->vscale[q % nb];
                if (dev > 1)
                    dev = 1;
                if (adaptive) {
                    /* Per-price step: halved when the deviation changes
                     * sign (the price overshot), grown while it keeps
                     * its sign (still too far). */
                    if (dev * pdev[q] < 0)
                        step[q] *= 0.5;
                    else if (step[q] < 2 * rs[t])
                        step[q] *= 1.1;
                    pdev[q] = dev;
                    lam[q] += step[q] * dev;
                } else {
                    lam[q] += 0.5 * dscale * dev / (1.0 + 0.1 * it);
                }
            }
            if (worst < 0.5 * z->tol)
                break;
        }
        memcpy(z->label, bestlab, (size_t)n * sizeof *bestlab);
        if (z->home || r + 1 == rounds)
            break;
        /* Re-centre (a Lloyd step on medoids); prices carry over. */
        regio__dz_update_centres(z);
        if (regio__dz_stop(z))
            break;
    }
    regio__dz_recount(z);
    regio__dz_fill_empty(z);
    regio__dz_update_centres(z);
    rc = REGIO_OK;
done:
    regio_free(cand);
    regio_free(lam);
    regio_free(seedw);
    regio_free(dist);
    regio_free(bestlab);
    regio_free(step);
    regio_free(pdev);
    regio_free(rs);
    regio_free(rw);
    regio_free(wlam);
    regio_free(wdist);
    return rc;
}
