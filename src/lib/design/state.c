/*
 * The design engine's working state: labels, per-territory loads and
 * centres, with O(nb) incremental updates for a node move and the
 * violation measure every phase optimises first.
 *
 * Invariants: load[t*nb+c] == sum of b over the nodes labelled t and
 * cnt[t] == their number after every regio__dz_move / recount; the
 * violation of t is sum_c max(0, |load/share - 1| - tol). Centre updates
 * are exact weighted medoids over nodes, O(s^2) worst case per territory.
 */
#include "design/design_internal.h"

#include <string.h>
#include <time.h>

double regio__now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int regio__dz_stop(regio__dz *z)
{
    if (z->timed_out || z->cancelled || (z->quit && atomic_load(z->quit)))
        return 1;
    if (z->t_limit > 0 && regio__now() - z->t_start > z->t_limit)
        z->timed_out = 1;
    return z->timed_out;
}

regio_err regio__dz_alloc(regio__dz *z)
{
    size_t n = (size_t)z->n, k = (size_t)z->k, nb = (size_t)z->nb;
    z->label = regio_malloc(n * sizeof *z->label);
    z->load = regio_calloc(k * nb, sizeof *z->load);
    z->cnt = regio_calloc(k, sizeof *z->cnt);
    z->cp = regio_calloc(3 * k, sizeof *z->cp);
    z->cnode = regio_malloc(k * sizeof *z->cnode);
    z->mark = regio_calloc(n, sizeof *z->mark);
    z->queue = regio_malloc(n * sizeof *z->queue);
    z->tmp = regio_malloc(n * sizeof *z->tmp);
    z->tmpd = regio_malloc(2 * n * sizeof *z->tmpd);
    z->stamp = 0;
    if (!z->label || !z->load || !z->cnt || !z->cp || !z->cnode || !z->mark ||
        !z->queue || !z->tmp || !z->tmpd) {
        regio__dz_free(z);
        return REGIO_ENOMEM;
    }
    for (size_t t = 0; t < k; t++)
        z->cnode[t] = -1;
    return REGIO_OK;
}

void regio__dz_free(regio__dz *z)
{
    regio_free(z->label);
    regio_free(z->load);
    regio_free(z->cnt);
    regio_free(z->cp);
    regio_free(z->cnode);
    regio_free(z->mark);
    regio_free(z->queue);
    regio_free(z->tmp);
    regio_free(z->tmpd);
    z->label = z->cnt = z->cnode = z->mark = z->queue = z->tmp = NULL;
    z->load = z->cp = z->tmpd = NULL;
}

void regio__dz_recount(regio__dz *z)
{
    int nb = z->nb;
    memset(z->load, 0, (size_t)z->k * (size_t)nb * sizeof *z->load);
    memset(z->cnt, 0, (size_t)z->k * sizeof *z->cnt);
    z->moved_units = z->moved_weight = 0;
    for (int i = 0; i < z->n; i++) {
        int t = z->label[i];
        z->cnt[t]++;
        for (int c = 0; c < nb; c++)
            z->load[t * nb + c] += z->b[(size_t)i * nb + c];
        if (z->base && z->base[i] != t) {
            z->moved_units += z->nunits[i];
            z->moved_weight += z->w[i];
        }
    }
}

void regio__dz_move(regio__dz *z, int i, int t)
{
    int s = z->label[i], nb = z->nb;
    if (s == t)
        return;
    for (int c = 0; c < nb; c++) {
        double v = z->b[(size_t)i * nb + c];
        z->load[s * nb + c] -= v;
        z->load[t * nb + c] += v;
    }
    z->cnt[s]--;
    z->cnt[t]++;
    if (z->base) {
        if (z->base[i] == s) {
            z->moved_units += z->nunits[i];
            z->moved_weight += z->w[i];
        } else if (z->base[i] == t) {
            z->moved_units -= z->nunits[i];
            z->moved_weight -= z->w[i];
        }
    }
    z->label[i] = t;
}

double regio__dz_viol_t(const regio__dz *z, int t)
{
    double v = 0;
    for (int c = 0; c < z->nb; c++)
        v += regio__dz_viol_c(z, c, z->load[t * z->nb + c], z->share[t]);
    return v;
}

double regio__dz_viol(const regio__dz *z)
{
    double v = 0;
    for (int t = 0; t < z->k; t++)
        v += regio__dz_viol_t(z, t);
    return v;
}

double regio__dz_dviol(const regio__dz *z, int i, int t)
{
    int s = z->label[i], nb = z->nb;
    double d = 0;
    for (int c = 0; c < nb; c++) {
        double v = z->b[(size_t)i * nb + c];
        if (v == 0.0)
            continue;
        double ls = z->load[s * nb + c], lt = z->load[t * nb + c];
        d += regio__dz_viol_c(z, c, ls - v, z->share[s]) - regio__dz_viol_c(z, c, ls, z->share[s]);
        d += regio__dz_viol_c(z, c, lt + v, z->share[t]) - regio__dz_viol_c(z, c, lt, z->share[t]);
    }
    return d;
}

double regio__dz_dsq(const regio__dz *z, int i, int t)
{
    int s = z->label[i], nb = z->nb;
    double d = 0;
    for (int c = 0; c < nb; c++) {
        double v = z->b[(size_t)i * nb + c];
        if (v == 0.0)
            continue;
        double ds0 = z->load[s * nb + c] / z->share[s] - 1.0;
        double ds1 = (z->load[s * nb + c] - v) / z->share[s] - 1.0;
        double dt0 = z->load[t * nb + c] / z->share[t] - 1.0;
        double dt1 = (z->load[t * nb + c] + v) / z->share[t] - 1.0;
        d += (ds1 * ds1 - ds0 * ds0 + dt1 * dt1 - dt0 * dt0) * (z->vscale[c] * z->vscale[c]);
    }
    return d;
}

int regio__dz_budget_ok(const regio__dz *z, int i, int t)
{
    if (!z->base || z->base[i] != z->label[i] || z->base[i] == t)
        return 1;
    if (z->budget_units >= 0 && z->moved_units + z->nunits[i] > z->budget_units + 1e-9)
        return 0;
    if (z->budget_weight >= 0 && z->moved_weight + z->w[i] > z->budget_weight + 1e-9)
        return 0;
    return 1;
}

double regio__dz_travel(const regio__dz *z)
{
    double s = 0;
    for (int i = 0; i < z->n; i++)
        if (z->w[i] != 0.0)
            s += z->w[i] * regio__dz_dist(z, i, z->label[i]);
    return s;
}

int regio__dz_update_centres(regio__dz *z)
{
    int k = z->k, changed = 0;
    if (z->home) {
        memcpy(z->cp, z->home, 3 * (size_t)k * sizeof *z->cp);
        return 0;
    }
    /* Bucket nodes by territory in tmp (counting sort), then medoids. */
    int *start = regio_malloc(((size_t)k + 1) * sizeof *start);
    int *si = regio_malloc((size_t)z->n * sizeof *si);
    if (!start || !si) {
        /* Out of memory: keep the current centres (still valid). */
        regio_free(start);
        regio_free(si);
        return 0;
    }
    memset(start, 0, ((size_t)k + 1) * sizeof *start);
    for (int i = 0; i < z->n; i++)
        start[z->label[i] + 1]++;
    for (int t = 0; t < k; t++)
        start[t + 1] += start[t];
    for (int i = 0; i < z->n; i++)
        z->tmp[start[z->label[i]]++] = i;
    for (int t = k; t > 0; t--)
        start[t] = start[t - 1];
    start[0] = 0;
    for (int t = 0; t < k; t++) {
        int cnt = start[t + 1] - start[t];
        if (cnt == 0)
            continue;
        double cost;
        size_t a = regio__medoid(z->planar, z->p, z->w, z->tmp + start[t],
                                 (size_t)cnt, &cost, z->tmpd, si);
        int node = z->tmp[start[t] + (int)a];
        if (node != z->cnode[t]) {
            changed++;
            z->cnode[t] = node;
            memcpy(z->cp + 3 * (size_t)t, z->p + 3 * (size_t)node, 3 * sizeof(double));
        }
    }
    regio_free(start);
    regio_free(si);
    return changed;
}

double regio__dz_max_diameter(regio__dz *z)
{
    int k = z->k, n = z->n;
    int *start = regio_calloc((size_t)k + 1, sizeof *start);
    int *idx = regio_malloc((size_t)n * sizeof *idx);
    int *si = regio_malloc((size_t)n * sizeof *si);
    double best = INFINITY;
    if (start && idx && si) {
        for (int i = 0; i < n; i++)
            start[z->label[i] + 1]++;
        for (int t = 0; t < k; t++)
            start[t + 1] += start[t];
        for (int i = 0; i < n; i++)
            idx[start[z->label[i]]++] = i;
        for (int t = k; t > 0; t--)
            start[t] = start[t - 1];
        start[0] = 0;
        best = 0;
        for (int t = 0; t < k; t++) {
            double d = regio__diameter(z->planar, z->p, idx + start[t],
                                       (size_t)(start[t + 1] - start[t]), z->tmpd, si);
            if (d > best)
                best = d;
        }
    }
    regio_free(start);
    regio_free(idx);
    regio_free(si);
    return best;
}
