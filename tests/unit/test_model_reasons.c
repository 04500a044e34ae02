/*
 * A model's reasons in the store (migration 7, regio_model_view_save_explained,
 * regio_store_model_reasons_set/_foreach): a realign of a 4 x 4 grid saved
 * with the engine's reasons reads back one row a moved unit, with the
 * sentence and numbers the library gives; a unit moved by hand since is
 * left out; saving again without reasons clears them; a reason naming a
 * unit the store does not have writes nothing (the save is one
 * transaction); a version-7 store migrates to 8 keeping its models.
 */
#include "regio/design_io.h"
#include "regio/model_view.h"
#include "regio/store.h"
#include "regio_test.h"
#include "regio_test_db.h"
#include "store/schema_sqlite.h"

#include <sqlite3.h>

static char path[128];

/* A 4 x 4 grid of point units with 4-neighbour adjacency; accounts 1..4. */
static regio_store *grid_store(void)
{
    regio_test_db_path(path, sizeof path, "reasons");
    regio_store *s = NULL;
    if (regio_store_open(path, &s, NULL))
        return NULL;
    for (int i = 0; i < 16; i++) {
        char id[16], name[16];
        snprintf(id, sizeof id, "U%02d", i);
        snprintf(name, sizeof name, "u%d", i);
        regio_attr a = {"accounts", NULL, (double)(1 + i % 4), 1};
        regio_unit u = {id, name, 40 + (i / 4) * 0.1, -100 + (i % 4) * 0.1, NAN, NULL, 0, &a, 1};
        ASSERT_OK(regio_store_unit_upsert(s, &u, NULL, NULL));
    }
    regio_adj_edge e[24];
    char ids[24][2][16];
    int ne = 0;
    for (int i = 0; i < 16; i++) {
        int nb[2] = {i % 4 < 3 ? i + 1 : -1, i < 12 ? i + 4 : -1};
        for (int q = 0; q < 2; q++)
            if (nb[q] >= 0) {
                snprintf(ids[ne][0], 16, "U%02d", i);
                snprintf(ids[ne][1], 16, "U%02d", nb[q]);
                e[ne] = (regio_adj_edge){ids[ne][0], ids[ne][1], REGIO_ADJ_GIVEN, NAN};
                ne++;
            }
    }
    ASSERT_OK(regio_store_adjacency_replace(s, e, (size_t)ne, NULL));
    return s;
}

typedef struct got {
    int n;
    char unit[16][8], from[16][8], to[16][8], kind[16][16], text[16][400];
} got;

static int collect(void *ud, const regio_unit_reason *r)
{
    got *g = ud;
    if (g->n < 16) {
        snprintf(g->unit[g->n], 8, "%s", r->unit_id);
        snprintf(g->from[g->n], 8, "%s", r->from);
        snprintf(g->to[g->n], 8, "%s", r->to);
        snprintf(g->kind[g->n], 16, "%s", r->kind);
        snprintf(g->text[g->n], 400, "%s", r->text);
    }
    g->n++;
    return 0;
}

static void test_reasons_saved_read_cleared(void)
{
    regio_store *s = grid_store();
    ASSERT_TRUE(s != NULL);
    regio_design_problem *p = NULL;
    ASSERT_OK(regio_design_problem_load_units(s, 0, &p, NULL));
    ASSERT_EQ_INT(p->in.n, 16);
    /* base: left half T1, right half T2 (accounts 1+2 vs 3+4 a row: off) */
    int base[16], labels[16];
    for (int i = 0; i < 16; i++)
        base[i] = i % 4 < 2 ? 0 : 1;
    char *names[2] = {"T1", "T2"};
    ASSERT_OK(regio_model_view_save(s, p, NULL, 2, names, base, NULL, "base", 0, "t", NULL));
    regio_design_params prm = p->params;
    prm.k = 2;
    prm.tolerance = 0.02;
    prm.baseline = base;
    prm.realign = 1;
    prm.territory_names = (const char *const *)names;
    regio_design_result R;
    regio_err rc = regio_design_run(&p->in, &prm, &R, NULL);
    ASSERT_TRUE(rc == REGIO_OK || rc == REGIO_EINFEASIBLE);
    ASSERT_TRUE(R.n_reasons > 0);
    memcpy(labels, R.labels, sizeof labels);
    regio_model_view *bv = NULL;
    ASSERT_OK(regio_model_view_load(s, p, "base", 0, &bv, NULL));
    ASSERT_OK(regio_model_view_save_explained(s, p, bv, 2, names, labels, NULL, R.reasons,
                                              R.n_reasons, "re", 0, "t", NULL));
    got g = {0};
    ASSERT_OK(regio_store_model_reasons_foreach(s, "re", collect, &g, NULL));
    ASSERT_EQ_INT(g.n, R.n_reasons);
    regio_design_params tp = prm;
    for (int q = 0; q < g.n && q < 16; q++) {
        const regio_design_reason *r = &R.reasons[q];
        char text[400];
        ASSERT_EQ_STR(g.unit[q], p->loaded.units->units[r->unit].id);
        ASSERT_EQ_STR(g.from[q], names[base[r->unit]]);
        ASSERT_EQ_STR(g.to[q], names[labels[r->unit]]);
        ASSERT_EQ_STR(g.kind[q], regio_design_reason_kind_name(r->kind));
        ASSERT_EQ_STR(g.text[q], regio_design_reason_text(&p->in, &tp, r, text, sizeof text));
    }
    /* a unit moved by hand since: its reason is left out */
    const char *first = p->loaded.units->units[R.reasons[0].unit].id;
    ASSERT_OK(regio_store_alignment_set(s, "re", first, names[base[R.reasons[0].unit]], NULL));
    got g2 = {0};
    ASSERT_OK(regio_store_model_reasons_foreach(s, "re", collect, &g2, NULL));
    ASSERT_EQ_INT(g2.n, g.n - 1);
    /* a reason naming a unit the store lacks: nothing written at all */
    regio_unit_reason bad = {"NOPE", "T1", "T2", "balance", "x", "{}"};
    ASSERT_EQ_INT(regio_store_model_reasons_set(s, "re", &bad, 1, NULL), REGIO_ENOTFOUND);
    got g3 = {0};
    ASSERT_OK(regio_store_model_reasons_foreach(s, "re", collect, &g3, NULL));
    ASSERT_EQ_INT(g3.n, g2.n);
    /* replaced without reasons: none left */
    ASSERT_OK(regio_model_view_save(s, p, bv, 2, names, labels, NULL, "re", REGIO_SAVE_REPLACE, "t",
                                    NULL));
    got g4 = {0};
    ASSERT_OK(regio_store_model_reasons_foreach(s, "re", collect, &g4, NULL));
    ASSERT_EQ_INT(g4.n, 0);
    regio_model_view_destroy(bv);
    regio_design_result_free(&R);
    regio_design_problem_destroy(p);
    regio_store_close(s);
    regio_test_db_remove(path);
}

/* A store of version 7 with a model migrates to 8: the model stays, the
 * reasons table is there and empty. */
static void test_v7_migrates(void)
{
    regio_test_db_path(path, sizeof path, "reasons7");
    sqlite3 *db = NULL;
    ASSERT_EQ_INT(sqlite3_open(path, &db), SQLITE_OK);
    int v = 0;
    ASSERT_OK(regio__sqlite_migrate(db, 7, &v, NULL));
    ASSERT_EQ_INT(v, 7);
    ASSERT_EQ_INT(sqlite3_exec(db, "INSERT INTO territory_models(name) VALUES ('m')", NULL, NULL, NULL),
                  SQLITE_OK);
    ASSERT_EQ_INT(regio_test_sql_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'model_reasons'"), 0);
    ASSERT_OK(regio__sqlite_migrate(db, 8, &v, NULL));
    ASSERT_EQ_INT(v, 8);
    ASSERT_EQ_INT(regio_test_sql_int(db, "SELECT count(*) FROM territory_models WHERE name = 'm'"), 1);
    ASSERT_EQ_INT(regio_test_sql_int(db, "SELECT count(*) FROM model_reasons"), 0);
    sqlite3_close(db);
    regio_test_db_remove(path);
}

int main(void)
{
    RUN(test_reasons_saved_read_cleared);
    RUN(test_v7_migrates);
    TEST_END();
}
