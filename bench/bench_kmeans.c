/*
 * Weighted k-means reference for the territory design comparison
 * (bench/design_compare.sh): the "unconstrained k-means" row. No balance and
 * no contiguity constraint; its alignment is measured with `regio report`
 * like every other method's.
 *
 *   bench_kmeans UNITS.csv K WEIGHT_COL OUT.csv [--starts N] [--seed S]
 *                [--max-iter N] [--planar]
 *
 * UNITS.csv: header row naming the columns; needs `id` (else the first
 * column), `lat`, `lon` and WEIGHT_COL (a number >= 0 in every row).
 * OUT.csv: `unit_id,territory` with territories T001..Tk (zero-padded to
 * the width of k).
 *
 * Method: weighted Lloyd iterations with greedy k-means++ seeding
 * (2 + floor(ln k) candidates per pick, each centre drawn with probability
 * proportional to w_i * D(i)^2, as in scikit-learn), repeated for --starts
 * seeded starts (default 10); the start with the lowest weighted cost is
 * written. Distances: by default lat/lon become 3D unit vectors and the
 * method is spherical k-means (cost sum_i w_i |x_i - c|^2 with centres on
 * the unit sphere, so "nearest centre" is nearest by great-circle distance);
 * --planar runs plain Euclidean k-means on (lon, lat) degrees.
 *
 * Prints one line: `kmeans: n=.. k=.. starts=.. best_start=.. iterations=..
 * cost=.. empty=.. seconds=..` (cost in squared unit-sphere chords, or
 * squared degrees with --planar, times weight).
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "regio/core.h"
#include "regio/csv.h"

typedef struct {
    size_t n;
    int dim;        /* 3 (sphere) or 2 (planar) */
    double *x;      /* n * dim */
    double *w;      /* n */
    char **id;      /* n */
} points;

static int usage(void)
{
    fprintf(stderr,
            "usage: bench_kmeans UNITS.csv K WEIGHT_COL OUT.csv [--starts N] "
            "[--seed S] [--max-iter N] [--planar]\n");
    return 2;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int parse_num(const char *s, double *v)
{
    char *e;
    if (!s || !*s) return 0;
    errno = 0;
    *v = strtod(s, &e);
    return e != s && *e == '\0' && errno == 0 && isfinite(*v);
}

static int parse_ull(const char *s, unsigned long long *v)
{
    char *e;
    if (!s || !*s || *s == '-') return 0;
    errno = 0;
    *v = strtoull(s, &e, 10);
    return e != s && *e == '\0' && errno == 0;
}

static void free_points(points *p)
{
    for (size_t i = 0; i < p->n; i++) free(p->id[i]);
    free(p->id);
    free(p->x);
    free(p->w);
}

static int load_points(const char *path, const char *wcol, int planar,
                       points *p)
{
    regio_csv *c = NULL;
    regio_error err;
    char buf[2048];
    int has = 0;
    long ci = -1, clat = -1, clon = -1, cw = -1;
    size_t cap = 0;

    memset(p, 0, sizeof *p);
    p->dim = planar ? 2 : 3;
    if (regio_csv_open(path, NULL, &c, &err) != REGIO_OK ||
        regio_csv_next(c, &has, &err) != REGIO_OK || !has) {
        fprintf(stderr, "bench_kmeans: %s\n",
                has ? regio_error_format(&err, buf, sizeof buf) : "empty file");
        regio_csv_close(c);
        return 0;
    }
    for (size_t j = 0; j < regio_csv_nfields(c); j++) {
        const char *h = regio_csv_field(c, j);
        if (strcmp(h, "id") == 0) ci = (long)j;
        else if (strcmp(h, "lat") == 0) clat = (long)j;
        else if (strcmp(h, "lon") == 0) clon = (long)j;
        if (strcmp(h, wcol) == 0) cw = (long)j;
    }
    if (ci < 0) ci = 0;
    if (clat < 0 || clon < 0 || cw < 0) {
        fprintf(stderr, "bench_kmeans: %s: needs columns lat, lon and %s\n",
                path, wcol);
        regio_csv_close(c);
        return 0;
    }
    for (;;) {
        double lat, lon, w;
        if (regio_csv_next(c, &has, &err) != REGIO_OK) {
            fprintf(stderr, "bench_kmeans: %s\n",
                    regio_error_format(&err, buf, sizeof buf));
            goto fail;
        }
        if (!has) break;
        if (!parse_num(regio_csv_field(c, (size_t)clat), &lat) ||
            !parse_num(regio_csv_field(c, (size_t)clon), &lon) ||
            !parse_num(regio_csv_field(c, (size_t)cw), &w) || w < 0 ||
            !regio_csv_field(c, (size_t)ci)) {
            fprintf(stderr, "bench_kmeans: %s: row %zu: bad id/lat/lon/%s\n",
                    path, p->n + 2, wcol);
            goto fail;
        }
        if (p->n == cap) {
            cap = cap ? 2 * cap : 4096;
            double *nx = realloc(p->x, cap * (size_t)p->dim * sizeof *nx);
            double *nw = realloc(p->w, cap * sizeof *nw);
            char **ni = realloc(p->id, cap * sizeof *ni);
            if (nx) p->x = nx;
            if (nw) p->w = nw;
            if (ni) p->id = ni;
            if (!nx || !nw || !ni) goto oom;
        }
        double *x = p->x + p->n * (size_t)p->dim;
        if (planar) {
            x[0] = lon;
            x[1] = lat;
        } else {
            const double d2r = 3.14159265358979323846 / 180.0;
            x[0] = cos(lat * d2r) * cos(lon * d2r);
            x[1] = cos(lat * d2r) * sin(lon * d2r);
            x[2] = sin(lat * d2r);
        }
        p->w[p->n] = w;
        p->id[p->n] = strdup(regio_csv_field(c, (size_t)ci));
        if (!p->id[p->n]) goto oom;
        p->n++;
    }
    regio_csv_close(c);
    return 1;
oom:
    fprintf(stderr, "bench_kmeans: out of memory\n");
fail:
    regio_csv_close(c);
    free_points(p);
    return 0;
}

static inline double sqdist(const double *a, const double *b, int dim)
{
    double s = 0;
    for (int d = 0; d < dim; d++) {
        double t = a[d] - b[d];
        s += t * t;
    }
    return s;
}

/* Index drawn with probability proportional to prob[i] (cumulative sum
 * search); uniform over all points when the total is zero. */
static size_t draw(regio_rng *rng, const double *prob, size_t n, double total)
{
    if (!(total > 0)) return (size_t)regio_rng_below(rng, n);
    double u = regio_rng_double(rng) * total, acc = 0;
    size_t last = n - 1;
    for (size_t i = 0; i < n; i++) {
        if (prob[i] <= 0) continue;
        acc += prob[i];
        last = i;
        if (u < acc) return i;
    }
    return last;
}

/* Greedy weighted k-means++: fills cen (k * dim). d2 holds, on return, each
 * point's squared distance to its nearest centre. */
static int seed_pp(const points *p, size_t k, regio_rng *rng, double *cen,
                   double *d2)
{
    const int dim = p->dim;
    const size_t n = p->n;
    size_t trials = 2 + (size_t)floor(log((double)k));
    double *prob = malloc(n * sizeof *prob);
    double *cand = malloc(n * sizeof *cand);
    double *best = malloc(n * sizeof *best);
    if (!prob || !cand || !best) {
        free(prob), free(cand), free(best);
        return 0;
    }
    double wsum = 0;
    for (size_t i = 0; i < n; i++) wsum += p->w[i];
    size_t first = draw(rng, p->w, n, wsum);
    memcpy(cen, p->x + first * dim, (size_t)dim * sizeof *cen);
    for (size_t i = 0; i < n; i++) d2[i] = sqdist(p->x + i * dim, cen, dim);
    for (size_t c = 1; c < k; c++) {
        double total = 0;
        for (size_t i = 0; i < n; i++) total += (prob[i] = p->w[i] * d2[i]);
        double best_pot = INFINITY;
        size_t best_i = 0;
        for (size_t t = 0; t < trials; t++) {
            size_t ci = draw(rng, prob, n, total);
            const double *cx = p->x + ci * dim;
            double pot = 0;
            for (size_t i = 0; i < n; i++) {
                double d = sqdist(p->x + i * dim, cx, dim);
                cand[i] = d < d2[i] ? d : d2[i];
                pot += p->w[i] * cand[i];
            }
            if (pot < best_pot) {
                best_pot = pot;
                best_i = ci;
                memcpy(best, cand, n * sizeof *best);
            }
        }
        memcpy(cen + c * dim, p->x + best_i * dim, (size_t)dim * sizeof *cen);
        memcpy(d2, best, n * sizeof *d2);
    }
    free(prob), free(cand), free(best);
    return 1;
}

typedef struct {
    double cost;
    int iterations;
    size_t empty;
} run_stats;

/* One start: seeding then Lloyd until no unit changes centre. */
static int run_once(const points *p, size_t k, int max_iter, regio_rng *rng,
                    int *lab, run_stats *st)
{
    const int dim = p->dim;
    const size_t n = p->n;
    int ok = 0;
    double *cen = malloc(k * (size_t)dim * sizeof *cen);
    double *sum = malloc(k * (size_t)dim * sizeof *sum);
    double *usum = malloc(k * (size_t)dim * sizeof *usum);
    double *wt = malloc(k * sizeof *wt);
    size_t *cnt = malloc(k * sizeof *cnt);
    double *d2 = malloc(n * sizeof *d2);
    if (!cen || !sum || !usum || !wt || !cnt || !d2) goto done;
    if (!seed_pp(p, k, rng, cen, d2)) goto done;
    for (size_t i = 0; i < n; i++) lab[i] = -1;

    int it;
    for (it = 0; it < max_iter; it++) {
        size_t changed = 0;
        for (size_t i = 0; i < n; i++) {
            const double *xi = p->x + i * dim;
            double bd = INFINITY;
            int bc = 0;
            for (size_t c = 0; c < k; c++) {
                double d = sqdist(xi, cen + c * dim, dim);
                if (d < bd) {
                    bd = d;
                    bc = (int)c;
                }
            }
            d2[i] = bd;
            if (lab[i] != bc) {
                lab[i] = bc;
                changed++;
            }
        }
        if (changed == 0) break;
        memset(sum, 0, k * (size_t)dim * sizeof *sum);
        memset(usum, 0, k * (size_t)dim * sizeof *usum);
        memset(wt, 0, k * sizeof *wt);
        memset(cnt, 0, k * sizeof *cnt);
        for (size_t i = 0; i < n; i++) {
            const double *xi = p->x + i * dim;
            size_t c = (size_t)lab[i];
            for (int d = 0; d < dim; d++) {
                sum[c * dim + d] += p->w[i] * xi[d];
                usum[c * dim + d] += xi[d];
            }
            wt[c] += p->w[i];
            cnt[c]++;
        }
        for (size_t c = 0; c < k; c++) {
            double *cc = cen + c * dim;
            if (cnt[c] == 0) {
                /* Empty: move the centre onto the unit that is worst served
                 * (largest weighted squared distance) in a cluster of > 1. */
                double worst = -1;
                size_t wi = 0;
                for (size_t i = 0; i < n; i++) {
                    double v = (p->w[i] > 0 ? p->w[i] : 1e-12) * d2[i];
                    if (cnt[lab[i]] > 1 && v > worst) {
                        worst = v;
                        wi = i;
                    }
                }
                memcpy(cc, p->x + wi * dim, (size_t)dim * sizeof *cc);
                d2[wi] = 0;
                continue;
            }
            /* Members that all weigh zero: their plain mean. */
            const double *s = wt[c] > 0 ? sum + c * dim : usum + c * dim;
            double div = wt[c] > 0 ? wt[c] : (double)cnt[c];
            for (int d = 0; d < dim; d++) cc[d] = s[d] / div;
            if (dim == 3) { /* spherical: project the mean onto the sphere */
                double len = sqrt(cc[0] * cc[0] + cc[1] * cc[1] + cc[2] * cc[2]);
                if (len > 0)
                    for (int d = 0; d < 3; d++) cc[d] /= len;
            }
        }
    }
    st->iterations = it;
    st->cost = 0;
    for (size_t c = 0; c < k; c++) cnt[c] = 0;
    for (size_t i = 0; i < n; i++) {
        st->cost += p->w[i] * d2[i];
        cnt[lab[i]]++;
    }
    st->empty = 0;
    for (size_t c = 0; c < k; c++) st->empty += cnt[c] == 0;
    ok = 1;
done:
    free(cen), free(sum), free(usum), free(wt), free(cnt), free(d2);
    return ok;
}

int main(int argc, char **argv)
{
    if (argc < 5) return usage();
    const char *units = argv[1], *wcol = argv[3], *out = argv[4];
    unsigned long long kk, starts = 10, seed = 1, max_iter = 300;
    int planar = 0;
    if (!parse_ull(argv[2], &kk) || kk < 1) return usage();
    for (int a = 5; a < argc; a++) {
        if (strcmp(argv[a], "--starts") == 0 && a + 1 < argc) {
            if (!parse_ull(argv[++a], &starts) || starts < 1) return usage();
        } else if (strcmp(argv[a], "--seed") == 0 && a + 1 < argc) {
            if (!parse_ull(argv[++a], &seed)) return usage();
        } else if (strcmp(argv[a], "--max-iter") == 0 && a + 1 < argc) {
            if (!parse_ull(argv[++a], &max_iter) || max_iter < 1) return usage();
        } else if (strcmp(argv[a], "--planar") == 0) {
            planar = 1;
        } else {
            return usage();
        }
    }

    double t0 = now_s();
    points p;
    if (!load_points(units, wcol, planar, &p)) return 1;
    size_t k = (size_t)kk;
    if (k > p.n) {
        fprintf(stderr, "bench_kmeans: K=%zu exceeds the %zu units\n", k, p.n);
        free_points(&p);
        return 1;
    }

    int *lab = malloc(p.n * sizeof *lab);
    int *best = malloc(p.n * sizeof *best);
    if (!lab || !best) {
        fprintf(stderr, "bench_kmeans: out of memory\n");
        return 1;
    }
    regio_rng rng;
    regio_rng_seed(&rng, seed);
    run_stats bst = {INFINITY, 0, 0};
    unsigned long long bstart = 0;
    for (unsigned long long s = 0; s < starts; s++) {
        run_stats st;
        if (!run_once(&p, k, (int)max_iter, &rng, lab, &st)) {
            fprintf(stderr, "bench_kmeans: out of memory\n");
            return 1;
        }
        if (st.cost < bst.cost) {
            bst = st;
            bstart = s;
            memcpy(best, lab, p.n * sizeof *best);
        }
    }

    FILE *f = fopen(out, "w");
    if (!f) {
        fprintf(stderr, "bench_kmeans: cannot write %s: %s\n", out,
                strerror(errno));
        return 1;
    }
    int width = snprintf(NULL, 0, "%zu", k);
    if (width < 2) width = 2;
    fprintf(f, "unit_id,territory\n");
    for (size_t i = 0; i < p.n; i++) {
        const char *id = p.id[i];
        /* Quote ids holding separators or quotes (RFC 4180). */
        if (strpbrk(id, ",\"\r\n")) {
            fputc('"', f);
            for (const char *q = id; *q; q++) {
                if (*q == '"') fputc('"', f);
                fputc(*q, f);
            }
            fputc('"', f);
        } else {
            fputs(id, f);
        }
        fprintf(f, ",T%0*d\n", width, best[i] + 1);
    }
    if (fclose(f) != 0) {
        fprintf(stderr, "bench_kmeans: cannot write %s\n", out);
        return 1;
    }
    printf("kmeans: n=%zu k=%zu starts=%llu best_start=%llu iterations=%d "
           "cost=%.6g empty=%zu seconds=%.2f\n",
           p.n, k, starts, bstart, bst.iterations, bst.cost, bst.empty,
           now_s() - t0);
    free(lab);
    free(best);
    free_points(&p);
    return 0;
}
