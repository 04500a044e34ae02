/*
 * `regio summary`: what the store holds — accounts (placed how, by
 * segment, industry and state, with revenue and potential), reps, units,
 * adjacency and territory models. The main job of `make run` until a
 * design exists.
 */
#include "cli/cli.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct tally {
    char key[64];
    long count;
    double revenue, potential;
} tally;

typedef struct tallies {
    tally *v;
    size_t n, cap;
} tallies;

typedef struct agg {
    double revenue, potential;
    tallies segment, industry, region;
    int failed;
} agg;

static void add(tallies *t, const char *key, const regio_account *a, int *failed)
{
    if (!key || !*key)
        key = "(none)";
    for (size_t i = 0; i < t->n; i++)
        if (!strcmp(t->v[i].key, key)) {
            t->v[i].count++;
            t->v[i].revenue += isnan(a->annual_revenue) ? 0 : a->annual_revenue;
            t->v[i].potential += isnan(a->potential) ? 0 : a->potential;
            return;
        }
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        tally *nv = realloc(t->v, cap * sizeof *nv);
        if (!nv) {
            *failed = 1;
            return;
        }
        t->v = nv;
        t->cap = cap;
    }
    tally *x = &t->v[t->n++];
    snprintf(x->key, sizeof x->key, "%s", key);
    x->count = 1;
    x->revenue = isnan(a->annual_revenue) ? 0 : a->annual_revenue;
    x->potential = isnan(a->potential) ? 0 : a->potential;
}

static int on_account(void *ud, const regio_account *a)
{
    agg *g = ud;
    g->revenue += isnan(a->annual_revenue) ? 0 : a->annual_revenue;
    g->potential += isnan(a->potential) ? 0 : a->potential;
    add(&g->segment, a->segment, a, &g->failed);
    add(&g->industry, a->industry, a, &g->failed);
    add(&g->region, a->region, a, &g->failed);
    return g->failed;
}

static int by_count(const void *pa, const void *pb)
{
    const tally *a = pa, *b = pb;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    return strcmp(a->key, b->key);
}

static int by_key(const void *pa, const void *pb)
{
    return strcmp(((const tally *)pa)->key, ((const tally *)pb)->key);
}

static void print_tallies(const char *title, tallies *t, size_t top, int sort_by_key)
{
    qsort(t->v, t->n, sizeof *t->v, sort_by_key ? by_key : by_count);
    printf("  by %s:", title);
    for (size_t i = 0; i < t->n && i < top; i++)
    {
        char num[32];
        printf("%s %s %s", i ? "," : "", t->v[i].key,
               regio_format_number((double)t->v[i].count, 0, num, sizeof num));
    }
    if (t->n > top)
        printf(", ... (%zu in all)", t->n);
    printf("\n");
}

static int on_model(void *ud, const regio_model_info *m)
{
    (void)ud;
    printf("  model %s: %s%s%s\n", m->name, regio_model_state_name(m->state),
           m->effective_from ? " since " : "", m->effective_from ? m->effective_from : "");
    return 0;
}

int cli_cmd_summary(int argc, char **argv)
{
    static const struct option longopts[] = {{"db", required_argument, 0, 'd'},
                                              {"help", no_argument, 0, 'h'},
                                              {0, 0, 0, 0}};
    const char *db = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (c == 'd')
            db = optarg;
        else if (c == 'h') {
            printf("usage: regio summary [--db PATH]\n");
            return CLI_OK;
        } else
            return CLI_USAGE;
    }
    regio_error err;
    regio_error_clear(&err);
    regio_store *s = cli_open_store(db);
    if (!s)
        return CLI_FAIL;
    regio_err rc = REGIO_OK;
    regio_store_counts st;
    agg g;
    memset(&g, 0, sizeof g);
    rc = regio_store_stats(s, &st, &err);
    if (!rc)
        rc = regio_store_accounts_foreach(s, on_account, &g, &err);
    if (rc) {
        cli_print_error("summary", rc, &err);
    } else {
        /* Counts with thousands separators, money in k/M/B. */
        char a[8][32];
#define N(i, v) CLI_COUNT(a[i], v)
        char shown[1024];
        printf("market in %s\n", regio_store_location_shown(cli_db_path(db), shown, sizeof shown));
        printf("accounts: %s (coordinates given %s, geocoded by postal code %s, by city %s, "
               "not placed %s; in a geography unit %s)\n",
               N(0, st.accounts), N(1, st.accounts_geo_input), N(2, st.accounts_geo_postal),
               N(3, st.accounts_geo_city), N(4, st.accounts_without_coords),
               N(5, st.accounts_with_unit));
        if (st.accounts) {
            printf("  annual revenue %s, potential %s\n",
                   regio_format_money(g.revenue, NULL, a[6], sizeof a[6]),
                   regio_format_money(g.potential, NULL, a[7], sizeof a[7]));
            print_tallies("segment", &g.segment, 10, 1);
            print_tallies("industry", &g.industry, 6, 0);
            print_tallies("state/region", &g.region, 8, 0);
        }
        printf("reps: %s\n", N(0, st.reps));
        printf("geography units: %s, adjacency edges: %s\n", N(0, st.units),
               N(1, st.adjacency_edges));
        printf("territory models: %s, territories: %s\n", N(0, st.models), N(1, st.territories));
#undef N
        rc = regio_store_model_list(s, on_model, NULL, &err);
    }
    free(g.segment.v);
    free(g.industry.v);
    free(g.region.v);
    regio_store_close(s);
    return rc ? CLI_FAIL : CLI_OK;
}
