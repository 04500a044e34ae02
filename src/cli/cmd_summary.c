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
        printf("%s %s %ld", i ? "," : "", t->v[i].key, t->v[i].count);
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
        printf("market in %s\n", cli_db_path(db));
        printf("accounts: %ld (coordinates given %ld, geocoded by postal code %ld, by city %ld, "
               "not placed %ld; in a geography unit %ld)\n",
               st.accounts, st.accounts_geo_input, st.accounts_geo_postal, st.accounts_geo_city,
               st.accounts_without_coords, st.accounts_with_unit);
        if (st.accounts) {
            printf("  annual revenue %.1f M, potential %.1f M\n", g.revenue / 1e6,
                   g.potential / 1e6);
            print_tallies("segment", &g.segment, 10, 1);
            print_tallies("industry", &g.industry, 6, 0);
            print_tallies("state/region", &g.region, 8, 0);
        }
        printf("reps: %ld\n", st.reps);
        printf("geography units: %ld, adjacency edges: %ld\n", st.units, st.adjacency_edges);
        printf("territory models: %ld, territories: %ld\n", st.models, st.territories);
        rc = regio_store_model_list(s, on_model, NULL, &err);
    }
    free(g.segment.v);
    free(g.industry.v);
    free(g.region.v);
    regio_store_close(s);
    return rc ? CLI_FAIL : CLI_OK;
}
