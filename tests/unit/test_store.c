/*
 * Tests for the store: upsert change detection, attribute round trips,
 * transactions, ordered readers, adjacency, models and territories,
 * alignments, the append-only audit chain, and allocation failure.
 */
#include "regio/store.h"
#include "regio_test.h"
#include "regio_test_db.h"
#include "store/schema_sqlite.h"
#include "store/sqlite_impl.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

/* A SQLite file, or with REGIO_TEST_DB a PostgreSQL schema (regio_test_db.h). */
static char path[1024];

static void tmp_path(void) { regio_test_store_location(path, sizeof path, "store"); }

static void rm_db(void) { regio_test_store_remove(path); }

static regio_store *fresh(void)
{
    tmp_path();
    regio_store *s = NULL;
    regio_error e;
    if (regio_store_open(path, &s, &e) != REGIO_OK)
        FAIL_AT_("open: %s", e.msg);
    return s;
}

static void done_with(regio_store *s)
{
    regio_store_close(s);
    rm_db();
}

static long long q_int(regio_store *s, const char *sql)
{
#ifdef REGIO_HAVE_PG
    int failed = 0;
    if (regio_test_pg())
        return regio_test_pg_sql(path, sql, &failed);
#endif
    return regio_test_sql_int(regio__sqlite_handle(s), sql);
}

/* SQLITE_OK (0) when sql succeeded, on either backend. */
static int q_exec(regio_store *s, const char *sql)
{
#ifdef REGIO_HAVE_PG
    int failed = 0;
    if (regio_test_pg()) {
        regio_test_pg_sql(path, sql, &failed);
        return failed ? SQLITE_ERROR : SQLITE_OK;
    }
#endif
    return sqlite3_exec(regio__sqlite_handle(s), sql, NULL, NULL, NULL);
}

/* The statement for this run's backend, where the dialects differ. */
static const char *dialect(const char *sqlite, const char *postgresql)
{
    return regio_test_pg() ? postgresql : sqlite;
}

/* Builds an account whose strings point at literals (never cleared). */
static regio_account acc(const char *id, const char *name, double revenue)
{
    regio_account a;
    regio_account_init(&a);
    a.id = (char *)id;
    a.name = (char *)name;
    a.annual_revenue = revenue;
    return a;
}

static regio_err up(regio_store *s, const regio_account *a, regio_upsert_result *r)
{
    regio_error e;
    regio_err rc = regio_store_account_upsert(s, a, r, &e);
    if (rc)
        fprintf(stderr, "  upsert %s: %s\n", a->id, e.msg);
    return rc;
}

/* ---- upserts ------------------------------------------------------------------ */

static void test_upsert_counts(void)
{
    regio_store *s = fresh();
    int counts[3] = {0, 0, 0};
    regio_upsert_result r;
    regio_account a = acc("A1", "Acme", 100), b = acc("A2", "Beta", 200), c = acc("A3", "Gamma", 300);
    ASSERT_OK(regio_store_begin(s, NULL));
    regio_account *all[] = {&a, &b, &c};
    for (int i = 0; i < 3; i++) {
        ASSERT_OK(up(s, all[i], &r));
        counts[r]++;
    }
    ASSERT_OK(regio_store_commit(s, NULL));
    ASSERT_EQ_INT(counts[REGIO_UPSERT_ADDED], 3);
    /* Same content again: unchanged; one changed field: updated. */
    b.name = "Beta Corp";
    int again[3] = {0, 0, 0};
    for (int i = 0; i < 3; i++) {
        ASSERT_OK(up(s, all[i], &r));
        again[r]++;
    }
    ASSERT_EQ_INT(again[REGIO_UPSERT_UNCHANGED], 2);
    ASSERT_EQ_INT(again[REGIO_UPSERT_UPDATED], 1);
    ASSERT_EQ_INT(q_int(s, "SELECT COUNT(*) FROM accounts"), 3);
    ASSERT_EQ_INT(q_int(s, "SELECT COUNT(*) FROM accounts WHERE name = 'Beta Corp'"), 1);
    /* A number change alone is a change (NAN -> value too). */
    c.potential = 5;
    ASSERT_OK(up(s, &c, &r));
    ASSERT_EQ_INT(r, REGIO_UPSERT_UPDATED);
    ASSERT_OK(up(s, &c, &r));
    ASSERT_EQ_INT(r, REGIO_UPSERT_UNCHANGED);
    /* Field framing: ("ab","c") differs from ("a","bc"). */
    regio_account d = acc("A4", NULL, NAN);
    d.city = "ab";
    d.region = "c";
    ASSERT_OK(up(s, &d, &r));
    d.city = "a";
    d.region = "bc";
    ASSERT_OK(up(s, &d, &r));
    ASSERT_EQ_INT(r, REGIO_UPSERT_UPDATED);
    /* An account without an id is rejected, and the handle keeps the text. */
    regio_account none = acc(NULL, "x", 1);
    regio_error e;
    ASSERT_EQ_INT(regio_store_account_upsert(s, &none, &r, &e), REGIO_EDATA);
    ASSERT_TRUE(strstr(regio_store_errmsg(s), "external id") != NULL);
    done_with(s);
}

/* ---- attributes --------------------------------------------------------------- */

typedef struct seen {
    char ids[16][16];
    int n;
    int stop_after;
    regio_account copy_attrs_of; /* only n_attrs and a few checks */
    int attrs_ok;
} seen;

static int collect(void *ud, const regio_account *a)
{
    seen *sn = ud;
    if (sn->n < 16)
        snprintf(sn->ids[sn->n], sizeof sn->ids[0], "%s", a->id);
    sn->n++;
    if (!strcmp(a->id, "ATTR")) {
        /* Keys come back in byte order, whatever the column order. */
        int ok = a->n_attrs == 4;
        ok = ok && !strcmp(a->attrs[0].key, "count") && a->attrs[0].is_num &&
             a->attrs[0].num == 3;
        ok = ok && !strcmp(a->attrs[1].key, "empty") && !a->attrs[1].is_num &&
             a->attrs[1].text == NULL;
        ok = ok && !strcmp(a->attrs[2].key, "note \"q\"") && !a->attrs[2].is_num &&
             !strcmp(a->attrs[2].text, "say \"hi\"\\ — Zürich ✓ 東京\n") && isnan(a->attrs[2].num);
        ok = ok && !strcmp(a->attrs[3].key, "score") && a->attrs[3].is_num &&
             a->attrs[3].num == 12.5 && !strcmp(a->attrs[3].text, "12.5");
        ok = ok && a->lat == 47.5 && isnan(a->lon) == 0 && !strcmp(a->city, "Zürich");
        ok = ok && isnan(a->employees) && a->street == NULL;
        sn->attrs_ok = ok;
    }
    return sn->stop_after && sn->n >= sn->stop_after;
}

static void test_attrs_round_trip(void)
{
    regio_store *s = fresh();
    regio_attr attrs[5] = {
        {"score", "12.5", 12.5, 1},
        {"note \"q\"", "say \"hi\"\\ — Zürich ✓ 東京\n", NAN, 0},
        {"count", "3", 3, 1},
        {"empty", NULL, NAN, 0},
        {"score", "99", 99, 1}, /* repeated key: first wins */
    };
    regio_account a = acc("ATTR", "With attrs", 1);
    a.attrs = attrs;
    a.n_attrs = 5;
    a.city = "Zürich";
    a.lat = 47.5;
    a.lon = 8.5;
    regio_upsert_result r;
    ASSERT_OK(up(s, &a, &r));
    /* Stored as JSON numbers, so SQL can balance on them. */
    ASSERT_EQ_INT(q_int(s, dialect("SELECT json_extract(attrs, '$.score') * 2 FROM accounts",
                                   "SELECT (attrs::jsonb->>'score')::float * 2 FROM accounts")),
                  25);
    ASSERT_EQ_INT(q_int(s, dialect("SELECT json_type(attrs, '$.count') = 'integer' FROM accounts",
                                   "SELECT jsonb_typeof(attrs::jsonb->'count') = 'number'"
                                   " FROM accounts")),
                  1);
    ASSERT_EQ_INT(q_int(s, dialect("SELECT json_type(attrs, '$.empty') = 'null' FROM accounts",
                                   "SELECT jsonb_typeof(attrs::jsonb->'empty') = 'null'"
                                   " FROM accounts")),
                  1);
    seen sn = {0};
    ASSERT_OK(regio_store_accounts_foreach(s, collect, &sn, NULL));
    ASSERT_EQ_INT(sn.n, 1);
    ASSERT_TRUE(sn.attrs_ok);
    /* Same attrs again, even in another column order: unchanged. */
    ASSERT_OK(up(s, &a, &r));
    ASSERT_EQ_INT(r, REGIO_UPSERT_UNCHANGED);
    regio_attr swapped[5] = {attrs[3], attrs[2], attrs[1], attrs[0], attrs[4]};
    a.attrs = swapped;
    ASSERT_OK(up(s, &a, &r));
    ASSERT_EQ_INT(r, REGIO_UPSERT_UNCHANGED);
    a.attrs = attrs;
    attrs[2].num = 4;
    ASSERT_OK(up(s, &a, &r));
    ASSERT_EQ_INT(r, REGIO_UPSERT_UPDATED);
    done_with(s);
}

/* ---- transactions and order ------------------------------------------------------ */

typedef struct dump {
    char text[4096];
    size_t len;
} dump;

static int dump_cb(void *ud, const regio_account *a)
{
    dump *d = ud;
    int n = snprintf(d->text + d->len, sizeof d->text - d->len, "%s|%s|%g|%zu;", a->id,
                     a->name ? a->name : "-", a->annual_revenue, a->n_attrs);
    if (n > 0 && (size_t)n < sizeof d->text - d->len)
        d->len += (size_t)n;
    return 0;
}

static void test_rollback_restores(void)
{
    regio_store *s = fresh();
    regio_account a = acc("K1", "Keep", 1), b = acc("K2", "Keep too", 2);
    ASSERT_OK(up(s, &a, NULL));
    ASSERT_OK(up(s, &b, NULL));
    dump before = {{0}, 0}, after = {{0}, 0};
    ASSERT_OK(regio_store_accounts_foreach(s, dump_cb, &before, NULL));
    long long hashes = q_int(s, "SELECT SUM(row_hash % 1000003) FROM accounts");

    ASSERT_OK(regio_store_begin(s, NULL));
    regio_account c = acc("K3", "New", 3);
    a.name = "Changed";
    ASSERT_OK(up(s, &c, NULL));
    ASSERT_OK(up(s, &a, NULL));
    const char *ids[] = {"K2"}, *units[] = {"U9"};
    ASSERT_OK(regio_store_account_set_unit(s, ids, units, 1, NULL));
    ASSERT_OK(regio_store_rollback(s, NULL));

    ASSERT_OK(regio_store_accounts_foreach(s, dump_cb, &after, NULL));
    ASSERT_EQ_STR(after.text, before.text);
    ASSERT_EQ_INT(q_int(s, "SELECT SUM(row_hash % 1000003) FROM accounts"), hashes);
    ASSERT_EQ_INT(q_int(s, "SELECT COUNT(*) FROM accounts WHERE unit_ext IS NOT NULL"), 0);
    /* Rolled-back content is detected as a change again, not as unchanged. */
    regio_upsert_result r;
    ASSERT_OK(up(s, &a, &r));
    ASSERT_EQ_INT(r, REGIO_UPSERT_UPDATED);
    regio_error e;
    ASSERT_EQ_INT(regio_store_rollback(s, &e), REGIO_EINVAL);
    done_with(s);
}

static void test_foreach_order_and_stop(void)
{
    regio_store *s = fresh();
    const char *ids[] = {"c-3", "a-1", "B-0", "b-2"};
    for (int i = 0; i < 4; i++) {
        regio_account a = acc(ids[i], "n", i);
        ASSERT_OK(up(s, &a, NULL));
    }
    seen sn = {0};
    ASSERT_OK(regio_store_accounts_foreach(s, collect, &sn, NULL));
    ASSERT_EQ_INT(sn.n, 4);
    ASSERT_EQ_STR(sn.ids[0], "B-0");
    ASSERT_EQ_STR(sn.ids[1], "a-1");
    ASSERT_EQ_STR(sn.ids[2], "b-2");
    ASSERT_EQ_STR(sn.ids[3], "c-3");
    seen stop = {0};
    stop.stop_after = 2;
    regio_error e;
    ASSERT_EQ_INT(regio_store_accounts_foreach(s, collect, &stop, &e), REGIO_ECANCELLED);
    ASSERT_EQ_INT(stop.n, 2);
    ASSERT_EQ_INT(e.code, REGIO_ECANCELLED);
    done_with(s);
}

/* ---- units, adjacency, allocation ------------------------------------------------- */

static regio_unit unit(const char *id, double lat, double lon)
{
    regio_unit u;
    regio_unit_init(&u);
    u.id = (char *)id;
    u.name = (char *)id;
    u.lat = lat;
    u.lon = lon;
    return u;
}

typedef struct adj_seen {
    char text[512];
    size_t len;
} adj_seen;

static int adj_cb(void *ud, const regio_adj_edge *e)
{
    adj_seen *a = ud;
    int n = snprintf(a->text + a->len, sizeof a->text - a->len, "%s-%s:%d:%g;", e->a, e->b,
                     (int)e->kind, e->shared_km);
    if (n > 0 && (size_t)n < sizeof a->text - a->len)
        a->len += (size_t)n;
    return 0;
}

static void test_adjacency(void)
{
    regio_store *s = fresh();
    const char *ids[] = {"U3", "U1", "U2"};
    for (int i = 0; i < 3; i++) {
        regio_unit u = unit(ids[i], i, i);
        ASSERT_OK(regio_store_unit_upsert(s, &u, NULL, NULL));
    }
    regio_adj_edge good[] = {{"U1", "U2", REGIO_ADJ_BORDER, 1.5},
                             {"U2", "U3", REGIO_ADJ_GIVEN, NAN},
                             {"U3", "U2", REGIO_ADJ_GIVEN, 9}}; /* duplicate pair */
    ASSERT_OK(regio_store_adjacency_replace(s, good, 3, NULL));
    adj_seen a1 = {{0}, 0};
    ASSERT_OK(regio_store_adjacency_foreach(s, adj_cb, &a1, NULL));
    ASSERT_EQ_STR(a1.text, "U1-U2:0:1.5;U2-U3:1:nan;");

    regio_adj_edge bad[] = {{"U1", "U3", REGIO_ADJ_BORDER, 2}, {"U3", "U404", REGIO_ADJ_BORDER, 1}};
    regio_error e;
    ASSERT_EQ_INT(regio_store_adjacency_replace(s, bad, 2, &e), REGIO_EDATA);
    ASSERT_TRUE(strstr(e.msg, "'U404'") != NULL);
    adj_seen a2 = {{0}, 0};
    ASSERT_OK(regio_store_adjacency_foreach(s, adj_cb, &a2, NULL));
    ASSERT_EQ_STR(a2.text, a1.text);

    regio_adj_edge self[] = {{"U1", "U1", REGIO_ADJ_BORDER, 2}};
    ASSERT_EQ_INT(regio_store_adjacency_replace(s, self, 1, &e), REGIO_EDATA);
    /* Inside a caller's transaction a failure also changes nothing. */
    ASSERT_OK(regio_store_begin(s, NULL));
    ASSERT_EQ_INT(regio_store_adjacency_replace(s, bad, 2, &e), REGIO_EDATA);
    ASSERT_OK(regio_store_commit(s, NULL));
    ASSERT_EQ_INT(q_int(s, "SELECT COUNT(*) FROM unit_adjacency"), 2);
    ASSERT_OK(regio_store_adjacency_replace(s, NULL, 0, NULL));
    ASSERT_EQ_INT(q_int(s, "SELECT COUNT(*) FROM unit_adjacency"), 0);
    done_with(s);
}

typedef struct unit_seen {
    int n;
    double accounts[4], revenue[4], potential[4];
    int has_wkb[4];
} unit_seen;

static int unit_cb(void *ud, const regio_unit *u)
{
    unit_seen *us = ud;
    if (us->n < 4) {
        us->accounts[us->n] = regio_attrs_num(u->attrs, u->n_attrs, "accounts");
        us->revenue[us->n] = regio_attrs_num(u->attrs, u->n_attrs, "revenue");
        us->potential[us->n] = regio_attrs_num(u->attrs, u->n_attrs, "potential");
        us->has_wkb[us->n] = u->wkb != NULL && u->wkb_len == 5;
    }
    us->n++;
    return 0;
}

static void test_units_allocation_and_measures(void)
{
    regio_store *s = fresh();
    unsigned char wkb[5] = {1, 2, 3, 4, 5};
    regio_attr pop = {"population", "1200", 1200, 1};
    regio_unit u1 = unit("U1", 1, 1), u2 = unit("U2", 2, 2), u3 = unit("U3", 3, 3);
    u1.wkb = wkb;
    u1.wkb_len = 5;
    u1.attrs = &pop;
    u1.n_attrs = 1;
    regio_upsert_result r;
    ASSERT_OK(regio_store_unit_upsert(s, &u1, &r, NULL));
    ASSERT_EQ_INT(r, REGIO_UPSERT_ADDED);
    ASSERT_OK(regio_store_unit_upsert(s, &u2, NULL, NULL));
    ASSERT_OK(regio_store_unit_upsert(s, &u3, NULL, NULL));
    ASSERT_OK(regio_store_unit_upsert(s, &u1, &r, NULL));
    ASSERT_EQ_INT(r, REGIO_UPSERT_UNCHANGED);
    wkb[4] = 6; /* geometry is part of the content */
    ASSERT_OK(regio_store_unit_upsert(s, &u1, &r, NULL));
    ASSERT_EQ_INT(r, REGIO_UPSERT_UPDATED);

    regio_account a1 = acc("A1", "a", 100), a2 = acc("A2", "b", 50), a3 = acc("A3", "c", NAN);
    a1.potential = 10;
    a1.lat = a2.lat = a3.lat = 1;
    a1.lon = a2.lon = a3.lon = 1;
    a1.geo_source = REGIO_GEO_INPUT;
    a2.geo_source = REGIO_GEO_POSTAL;
    a3.geo_source = REGIO_GEO_CITY;
    regio_account a4 = acc("A4", "d", 7);
    ASSERT_OK(up(s, &a1, NULL));
    ASSERT_OK(up(s, &a2, NULL));
    ASSERT_OK(up(s, &a3, NULL));
    ASSERT_OK(up(s, &a4, NULL));
    const char *accs[] = {"A1", "A2", "A3"}, *units[] = {"U1", "U1", "U2"};
    ASSERT_OK(regio_store_account_set_unit(s, accs, units, 3, NULL));
    const char *missing[] = {"A1", "NOPE"};
    regio_error e;
    ASSERT_EQ_INT(regio_store_account_set_unit(s, missing, units, 2, &e), REGIO_ENOTFOUND);
    ASSERT_TRUE(strstr(e.msg, "NOPE") != NULL);
    ASSERT_EQ_INT(q_int(s, "SELECT COUNT(*) FROM accounts WHERE unit_ext = 'U1'"), 2);

    /* Re-importing the same account keeps its allocated unit. */
    ASSERT_OK(up(s, &a1, &r));
    ASSERT_EQ_INT(r, REGIO_UPSERT_UNCHANGED);
    a2.name = "b2"; /* changed, same coordinates: unit kept */
    ASSERT_OK(up(s, &a2, &r));
    ASSERT_EQ_INT(r, REGIO_UPSERT_UPDATED);
    ASSERT_EQ_INT(q_int(s, "SELECT unit_ext = 'U1' FROM accounts WHERE ext_id = 'A2'"), 1);

    ASSERT_OK(regio_store_unit_measures_from_accounts(s, NULL));
    unit_seen us = {0};
    ASSERT_OK(regio_store_units_foreach(s, 1, unit_cb, &us, NULL));
    ASSERT_EQ_INT(us.n, 3);
    ASSERT_NEAR(us.accounts[0], 2, 0);
    ASSERT_NEAR(us.revenue[0], 150, 1e-9);
    ASSERT_NEAR(us.potential[0], 10, 1e-9);
    ASSERT_NEAR(us.accounts[1], 1, 0);
    ASSERT_NEAR(us.revenue[1], 0, 0);
    ASSERT_NEAR(us.accounts[2], 0, 0);
    ASSERT_TRUE(us.has_wkb[0]);
    ASSERT_TRUE(!us.has_wkb[1]);
    unit_seen nogeo = {0};
    ASSERT_OK(regio_store_units_foreach(s, 0, unit_cb, &nogeo, NULL));
    ASSERT_TRUE(!nogeo.has_wkb[0]);
    ASSERT_EQ_INT(q_int(s, dialect("SELECT json_extract(attrs, '$.population') FROM units"
                                   " WHERE ext_id = 'U1'",
                                   "SELECT (attrs::jsonb->>'population')::float8 FROM units"
                                   " WHERE ext_id = 'U1'")),
                  1200);

    /* Moving an account's coordinates drops its stale unit. */
    a2.lat = 5;
    ASSERT_OK(up(s, &a2, &r));
    ASSERT_EQ_INT(q_int(s, "SELECT unit_ext IS NULL FROM accounts WHERE ext_id = 'A2'"), 1);

    regio_rep rep;
    regio_rep_init(&rep);
    rep.id = "R1";
    rep.name = "Rita";
    rep.email = "rita@example.com";
    ASSERT_OK(regio_store_rep_upsert(s, &rep, &r, NULL));
    ASSERT_EQ_INT(r, REGIO_UPSERT_ADDED);
    ASSERT_OK(regio_store_rep_upsert(s, &rep, &r, NULL));
    ASSERT_EQ_INT(r, REGIO_UPSERT_UNCHANGED);
    rep.capacity = 40;
    ASSERT_OK(regio_store_rep_upsert(s, &rep, &r, NULL));
    ASSERT_EQ_INT(r, REGIO_UPSERT_UPDATED);
    ASSERT_EQ_INT(q_int(s, "SELECT COUNT(*) FROM users u JOIN reps r ON r.user_id = u.id"
                           " WHERE u.login = 'R1' AND u.display_name = 'Rita'"),
                  1);

    regio_store_counts st;
    ASSERT_OK(regio_store_stats(s, &st, NULL));
    ASSERT_EQ_INT(st.accounts, 4);
    ASSERT_EQ_INT(st.accounts_with_coords, 3);
    ASSERT_EQ_INT(st.accounts_geo_input, 1);
    ASSERT_EQ_INT(st.accounts_geo_postal, 1);
    ASSERT_EQ_INT(st.accounts_geo_city, 1);
    ASSERT_EQ_INT(st.accounts_without_coords, 1);
    ASSERT_EQ_INT(st.accounts_with_unit, 2);
    ASSERT_EQ_INT(st.reps, 1);
    ASSERT_EQ_INT(st.units, 3);
    ASSERT_EQ_INT(st.adjacency_edges, 0);
    ASSERT_EQ_INT(st.models, 0);
    done_with(s);
}

/* ---- models, territories, alignments ----------------------------------------------- */

typedef struct rows {
    char text[512];
    size_t len;
} rows;

static int align_cb(void *ud, const regio_alignment_row *row)
{
    rows *r = ud;
    int n = snprintf(r->text + r->len, sizeof r->text - r->len, "%s>%s@%s;",
                     row->unit_id ? row->unit_id : row->account_id, row->territory,
                     row->effective_from ? row->effective_from : "-");
    if (n > 0 && (size_t)n < sizeof r->text - r->len)
        r->len += (size_t)n;
    return 0;
}

static int model_cb(void *ud, const regio_model_info *m)
{
    rows *r = ud;
    int n = snprintf(r->text + r->len, sizeof r->text - r->len, "%s:%s;", m->name,
                     regio_model_state_name(m->state));
    if (n > 0 && (size_t)n < sizeof r->text - r->len)
        r->len += (size_t)n;
    return 0;
}

static void test_models_and_alignment(void)
{
    regio_store *s = fresh();
    regio_error e;
    long id = 0;
    ASSERT_EQ_INT(regio_store_model_find(s, NULL, &(regio_model_info){0}, &e), REGIO_ENOTFOUND);
    ASSERT_OK(regio_store_model_create(s, "FY26", REGIO_MODEL_ACTIVE, "2026-01-01", NULL,
                                       "current", &id, NULL));
    ASSERT_TRUE(id > 0);
    ASSERT_EQ_INT(regio_store_model_create(s, "FY27", REGIO_MODEL_ACTIVE, NULL, NULL, NULL, NULL, &e),
                  REGIO_ECONFLICT);
    ASSERT_TRUE(strstr(e.msg, "already active") != NULL);
    /* The schema itself refuses a second active model, whoever writes. */
    ASSERT_TRUE(q_exec(s, "INSERT INTO territory_models(name, state) VALUES ('X', 'active')") !=
                SQLITE_OK);
    ASSERT_TRUE(q_exec(s, "INSERT INTO territory_models(name, state) VALUES ('Y', 'draft')") !=
                SQLITE_OK);
    ASSERT_OK(regio_store_model_create(s, "FY27", REGIO_MODEL_PLANNING, NULL, "FY26", NULL, NULL,
                                       NULL));
    ASSERT_EQ_INT(regio_store_model_create(s, "FY27", REGIO_MODEL_PLANNING, NULL, NULL, NULL, NULL, &e),
                  REGIO_ECONFLICT);
    ASSERT_EQ_INT(regio_store_model_create(s, "FY28", REGIO_MODEL_PLANNING, NULL, "nope", NULL, NULL, &e),
                  REGIO_ENOTFOUND);
    ASSERT_OK(regio_store_model_create(s, "FY25", REGIO_MODEL_ARCHIVED, NULL, NULL, NULL, NULL, NULL));
    ASSERT_TRUE(q_exec(s, "UPDATE territory_models SET state = 'planning' WHERE name = 'FY25'") !=
                SQLITE_OK);
    regio_model_info m;
    ASSERT_OK(regio_store_model_find(s, NULL, &m, NULL));
    ASSERT_EQ_STR(m.name, "FY26");
    ASSERT_EQ_INT(m.state, REGIO_MODEL_ACTIVE);
    ASSERT_EQ_STR(m.effective_from, "2026-01-01");
    ASSERT_EQ_STR(m.description, "current");
    regio_model_info_clear(&m);
    ASSERT_OK(regio_store_model_find(s, "FY27", &m, NULL));
    ASSERT_EQ_STR(m.parent, "FY26");
    ASSERT_EQ_INT(m.state, REGIO_MODEL_PLANNING);
    regio_model_info_clear(&m);
    rows ml = {{0}, 0};
    ASSERT_OK(regio_store_model_list(s, model_cb, &ml, NULL));
    ASSERT_EQ_STR(ml.text, "FY25:archived;FY26:active;FY27:planning;");

    /* Territories: forest, parents in the same model, no cycles. */
    ASSERT_OK(regio_store_territory_upsert(s, NULL, "NA", "North America", NULL, NULL));
    ASSERT_OK(regio_store_territory_upsert(s, NULL, "WEST", "West", "NA", NULL));
    ASSERT_OK(regio_store_territory_upsert(s, NULL, "T1", "Territory 1", "WEST", NULL));
    ASSERT_OK(regio_store_territory_upsert(s, NULL, "T2", "Territory 2", "WEST", NULL));
    ASSERT_EQ_INT(regio_store_territory_upsert(s, NULL, "NA", NULL, "T1", &e), REGIO_EDATA);
    ASSERT_TRUE(strstr(e.msg, "cycle") != NULL);
    ASSERT_EQ_INT(regio_store_territory_upsert(s, NULL, "T3", NULL, "NOPE", &e), REGIO_EDATA);
    ASSERT_EQ_INT(regio_store_territory_upsert(s, "FY27", "T9", NULL, "NA", &e), REGIO_EDATA);
    ASSERT_OK(regio_store_territory_upsert(s, "FY27", "NA", "NA planned", NULL, NULL));
    ASSERT_OK(regio_store_territory_upsert(s, NULL, "T2", "Renamed", "NA", NULL));
    ASSERT_EQ_INT(q_int(s, "SELECT COUNT(*) FROM territories WHERE name = 'Renamed'"), 1);
    /* Depth limit (16 levels). */
    char name[16], parent[16];
    regio_err last = REGIO_OK;
    for (int d = 1; d <= 17 && !last; d++) {
        snprintf(name, sizeof name, "D%d", d);
        snprintf(parent, sizeof parent, "D%d", d - 1);
        last = regio_store_territory_upsert(s, NULL, name, NULL, d == 1 ? NULL : parent, &e);
        if (last)
            ASSERT_EQ_INT(d, 17);
    }
    ASSERT_EQ_INT(last, REGIO_EDATA);
    ASSERT_TRUE(strstr(e.msg, "limit 16") != NULL);

    /* Alignments. */
    const char *uids[] = {"Z2", "Z1", "Z3"};
    for (int i = 0; i < 3; i++) {
        regio_unit u = unit(uids[i], 0, 0);
        ASSERT_OK(regio_store_unit_upsert(s, &u, NULL, NULL));
    }
    long rev0 = -1, rev1 = -1;
    ASSERT_OK(regio_store_alignment_revision(s, NULL, &rev0, NULL));
    ASSERT_OK(regio_store_alignment_set(s, NULL, "Z2", "T2", NULL));
    ASSERT_OK(regio_store_alignment_set(s, NULL, "Z1", "T1", NULL));
    ASSERT_OK(regio_store_alignment_set(s, NULL, "Z3", "T1", NULL));
    ASSERT_OK(regio_store_alignment_set(s, NULL, "Z3", "T2", NULL));
    ASSERT_OK(regio_store_alignment_set(s, NULL, "Z3", "T2", NULL)); /* no change, no bump */
    ASSERT_OK(regio_store_alignment_revision(s, NULL, &rev1, NULL));
    ASSERT_EQ_INT(rev1 - rev0, 4);
    ASSERT_EQ_INT(regio_store_alignment_set(s, NULL, "Z9", "T1", &e), REGIO_ENOTFOUND);
    ASSERT_EQ_INT(regio_store_alignment_set(s, NULL, "Z1", "T77", &e), REGIO_ENOTFOUND);
    ASSERT_EQ_INT(regio_store_alignment_set(s, "FY27", "Z1", "T1", &e), REGIO_ENOTFOUND);
    ASSERT_OK(regio_store_alignment_set(s, "FY27", "Z1", "NA", NULL));
    rows ar = {{0}, 0};
    ASSERT_OK(regio_store_alignment_foreach(s, NULL, align_cb, &ar, NULL));
    ASSERT_EQ_STR(ar.text, "Z1>T1@2026-01-01;Z2>T2@2026-01-01;Z3>T2@2026-01-01;");
    /* A hand move of an account (cause geo) shows up after the units. */
    regio_account a = acc("ACC1", "a", 1);
    ASSERT_OK(up(s, &a, NULL));
    ASSERT_EQ_INT(q_exec(s, "INSERT INTO account_territories(account_id, territory_id, cause)"
                            " SELECT a.id, t.id, 'geo' FROM accounts a, territories t"
                            " JOIN territory_models m ON m.id = t.model_id"
                            " WHERE a.ext_id = 'ACC1' AND t.ext_id = 'T1' AND m.state = 'active'"),
                  SQLITE_OK);
    rows ar2 = {{0}, 0};
    ASSERT_OK(regio_store_alignment_foreach(s, "FY26", align_cb, &ar2, NULL));
    ASSERT_EQ_STR(ar2.text,
                  "Z1>T1@2026-01-01;Z2>T2@2026-01-01;Z3>T2@2026-01-01;ACC1>T1@2026-01-01;");
    rows ar3 = {{0}, 0};
    ASSERT_OK(regio_store_alignment_foreach(s, "FY27", align_cb, &ar3, NULL));
    ASSERT_EQ_STR(ar3.text, "Z1>NA@-;");
    ASSERT_OK(regio_store_alignment_set(s, NULL, "Z2", NULL, NULL));
    rows ar4 = {{0}, 0};
    ASSERT_OK(regio_store_alignment_foreach(s, NULL, align_cb, &ar4, NULL));
    ASSERT_EQ_STR(ar4.text, "Z1>T1@2026-01-01;Z3>T2@2026-01-01;ACC1>T1@2026-01-01;");
    /* Accounts excluded from realignment never get rule associations. */
    ASSERT_EQ_INT(q_exec(s, "UPDATE accounts SET excluded_from_realign = 1 WHERE ext_id = 'ACC1'"),
                  SQLITE_OK);
    ASSERT_TRUE(q_exec(s, "INSERT INTO account_territories(account_id, territory_id, cause)"
                          " SELECT a.id, t.id, 'rule' FROM accounts a, territories t"
                          " WHERE a.ext_id = 'ACC1' AND t.ext_id = 'T2'") != SQLITE_OK);
    /* Per-object access levels are checked. */
    ASSERT_TRUE(q_exec(s, "UPDATE territories SET case_access = 'owner'") != SQLITE_OK);
    ASSERT_EQ_INT(q_exec(s, "UPDATE territories SET account_access = 'owner'"), SQLITE_OK);
    regio_store_counts st;
    ASSERT_OK(regio_store_stats(s, &st, NULL));
    ASSERT_EQ_INT(st.models, 3);
    ASSERT_EQ_INT(st.territories, 4 + 16 + 1);
    done_with(s);
}

/* ---- audit log ---------------------------------------------------------------------- */

static int collect_ids(void *ud, const regio_account *a)
{
    char *out = ud;
    size_t n = strlen(out);
    snprintf(out + n, 256 - n, "%s%s", n ? "," : "", a->id);
    return 0;
}

/* Paged, filtered account reads: bbox (also across the antimeridian),
 * unit, text, limit and offset, with the total of all matches. */
static void test_accounts_query(void)
{
    regio_store *s = fresh();
    regio_error e;
    struct {
        const char *id, *name, *city;
        double lat, lon;
    } seed[] = {{"A1", "Acme", "Denver", 39.7, -105.0},   {"A2", "Bolt", "Boulder", 40.0, -105.3},
                {"A3", "Crane", "Austin", 30.3, -97.7},   {"A4", "Delta acme", "Suva", -18.1, 178.4},
                {"A5", "Echo", "Apia", -13.8, -171.8},    {"A6", "Foxtrot", NULL, NAN, NAN}};
    for (size_t i = 0; i < sizeof seed / sizeof seed[0]; i++) {
        regio_account a = acc(seed[i].id, seed[i].name, 1);
        a.city = (char *)seed[i].city;
        a.lat = seed[i].lat;
        a.lon = seed[i].lon;
        ASSERT_OK(up(s, &a, NULL));
    }
    const char *u[] = {"A1", "A2"}, *units[] = {"U1", "U1"};
    ASSERT_EQ_INT(q_exec(s, "INSERT INTO units(ext_id, row_hash, created_at, updated_at)"
                            " VALUES ('U1', 0, '', '')"),
                  SQLITE_OK);
    ASSERT_OK(regio_store_account_set_unit(s, u, units, 2, &e));
    char ids[256] = "";
    long total = -1;
    regio_account_query q = {0};
    q.has_bbox = 1, q.west = -106, q.south = 39, q.east = -104, q.north = 41;
    ASSERT_OK(regio_store_accounts_query(s, &q, collect_ids, ids, &total, &e));
    ASSERT_EQ_STR(ids, "A1,A2");
    ASSERT_EQ_INT(total, 2);
    /* West of east: the box crosses the antimeridian (Fiji to Samoa). */
    ids[0] = '\0';
    q.west = 170, q.south = -20, q.east = -170, q.north = -10;
    ASSERT_OK(regio_store_accounts_query(s, &q, collect_ids, ids, &total, &e));
    ASSERT_EQ_STR(ids, "A4,A5");
    /* Text matches id, name or city, any case; paging keeps the total. */
    ids[0] = '\0';
    memset(&q, 0, sizeof q);
    q.text = "ACME";
    ASSERT_OK(regio_store_accounts_query(s, &q, collect_ids, ids, &total, &e));
    ASSERT_EQ_STR(ids, "A1,A4");
    ids[0] = '\0';
    q.text = NULL, q.limit = 2, q.offset = 3;
    ASSERT_OK(regio_store_accounts_query(s, &q, collect_ids, ids, &total, &e));
    ASSERT_EQ_STR(ids, "A4,A5");
    ASSERT_EQ_INT(total, 6);
    ids[0] = '\0';
    memset(&q, 0, sizeof q);
    q.unit_id = "U1", q.text = "bou";
    ASSERT_OK(regio_store_accounts_query(s, &q, collect_ids, ids, &total, &e));
    ASSERT_EQ_STR(ids, "A2");
    ASSERT_EQ_INT(total, 1);
    ASSERT_EQ_INT(regio_store_accounts_query(s, NULL, collect_ids, ids, &total, &e), REGIO_EINVAL);
    done_with(s);
}

/* A constraint's refusal reaches API callers (409, 422): it is said without
 * SQLite's sentence, which names the schema's tables and columns. */
static void test_constraint_messages(void)
{
    if (regio_test_pg())
        SKIP("SQLite's error mapping (the PostgreSQL backend has its own)");
    regio_store *s = fresh();
    regio_error e;
    ASSERT_OK(regio_store_model_create(s, "FY26", REGIO_MODEL_PLANNING, NULL, NULL, NULL, NULL,
                                       NULL));
    static const struct {
        const char *sql;
        regio_err code;
    } cases[] = {
        {"INSERT INTO territory_models(name, state) VALUES ('FY26', 'planning')", REGIO_ECONFLICT},
        {"INSERT INTO territory_models(name, state) VALUES ('FY27', 'draft')", REGIO_EDATA},
        {"INSERT INTO territory_models(name, state) VALUES (NULL, 'planning')", REGIO_EDATA},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ASSERT_TRUE(q_exec(s, cases[i].sql) != SQLITE_OK);
        ASSERT_EQ_INT(regio__sq_err(REGIO_SQ(s), &e, "creating a model"), cases[i].code);
        ASSERT_TRUE(strncmp(e.msg, "creating a model: the store ", 28) == 0);
        ASSERT_TRUE(strstr(e.msg, "constraint") == NULL && strstr(e.msg, "territory_models") == NULL);
    }
    done_with(s);
}

/* The generation moves with writes of this handle and of another one,
 * and stays put while nothing is written. */
static void test_generation(void)
{
    regio_store *s = fresh();
    regio_error e;
    uint64_t g0 = 0, g1 = 0, g2 = 0, g3 = 0;
    long o0 = 0, o1 = 0, o2 = 0;
    ASSERT_OK(regio_store_generation(s, &g0, &e));
    ASSERT_OK(regio_store_generation(s, &g1, &e));
    ASSERT_TRUE(g0 == g1);
    ASSERT_OK(regio_store_others_version(s, &o0, &e));
    ASSERT_OK(regio_store_model_create(s, "A", REGIO_MODEL_PLANNING, NULL, NULL, NULL, NULL, &e));
    ASSERT_OK(regio_store_generation(s, &g2, &e));
    ASSERT_TRUE(g2 != g1);
    ASSERT_OK(regio_store_others_version(s, &o1, &e));
    ASSERT_EQ_INT(o1, o0); /* own writes do not count as others' */
    regio_store *other = NULL;
    ASSERT_OK(regio_store_open(path, &other, &e));
    ASSERT_OK(regio_store_model_create(other, "B", REGIO_MODEL_PLANNING, NULL, NULL, NULL, NULL,
                                       &e));
    regio_store_close(other);
    ASSERT_OK(regio_store_generation(s, &g3, &e));
    ASSERT_TRUE(g3 != g2);
    ASSERT_OK(regio_store_others_version(s, &o2, &e));
    ASSERT_TRUE(o2 != o1);
    ASSERT_EQ_INT(regio_store_generation(s, NULL, &e), REGIO_EINVAL);
    regio_store_close(s);
    rm_db();
}

static void test_audit_chain(void)
{
    regio_store *s = fresh();
    long bad = -1;
    ASSERT_OK(regio_store_audit_verify(s, &bad, NULL));
    ASSERT_EQ_INT(bad, 0);
    ASSERT_OK(regio_store_audit_append(s, "ana", "territory.create", "territory", "T1", NULL,
                                       "{\"name\":\"T1\"}", NULL));
    ASSERT_OK(regio_store_audit_append(s, "ana", "alignment.set", "unit", "Z1", "{\"t\":\"T1\"}",
                                       "{\"t\":\"T2\"}", NULL));
    ASSERT_OK(regio_store_begin(s, NULL));
    ASSERT_OK(regio_store_audit_append(s, NULL, "import", NULL, NULL, NULL, NULL, NULL));
    ASSERT_OK(regio_store_commit(s, NULL));
    regio_error e;
    ASSERT_EQ_INT(regio_store_audit_append(s, "x", "bad", NULL, NULL, "{not json", NULL, &e),
                  REGIO_EINVAL);
    ASSERT_OK(regio_store_audit_verify(s, &bad, NULL));
    ASSERT_EQ_INT(bad, 0);
    ASSERT_EQ_INT(q_int(s, "SELECT COUNT(*) FROM audit_log"), 3);

    /* Append-only: UPDATE and DELETE are refused by triggers. */
    ASSERT_TRUE(q_exec(s, "UPDATE audit_log SET actor = 'eve' WHERE id = 2") != SQLITE_OK);
    ASSERT_TRUE(q_exec(s, "DELETE FROM audit_log WHERE id = 3") != SQLITE_OK);
    ASSERT_EQ_INT(q_int(s, "SELECT COUNT(*) FROM audit_log WHERE actor = 'eve'"), 0);

    /* Tampering behind the triggers' back is detected. */
    ASSERT_EQ_INT(q_exec(s, dialect("DROP TRIGGER audit_log_no_update",
                                     "DROP TRIGGER audit_log_no_update ON audit_log")),
                  SQLITE_OK);
    ASSERT_EQ_INT(q_exec(s, "UPDATE audit_log SET after = '{\"t\":\"T9\"}' WHERE id = 2"),
                  SQLITE_OK);
    ASSERT_EQ_INT(regio_store_audit_verify(s, &bad, &e), REGIO_EDATA);
    ASSERT_EQ_INT(bad, 2);
    ASSERT_TRUE(strstr(e.msg, "row 2") != NULL);
    ASSERT_TRUE(strstr(regio_store_errmsg(s), "row 2") != NULL);
    done_with(s);

    /* Removing a row breaks the link of the next one. */
    s = fresh();
    for (int i = 0; i < 3; i++)
        ASSERT_OK(regio_store_audit_append(s, "a", "x", NULL, NULL, NULL, NULL, NULL));
    ASSERT_EQ_INT(q_exec(s, dialect("DROP TRIGGER audit_log_no_delete",
                                     "DROP TRIGGER audit_log_no_delete ON audit_log")),
                  SQLITE_OK);
    ASSERT_EQ_INT(q_exec(s, "DELETE FROM audit_log WHERE id = 2"), SQLITE_OK);
    ASSERT_EQ_INT(regio_store_audit_verify(s, &bad, NULL), REGIO_EDATA);
    ASSERT_EQ_INT(bad, 3);
    done_with(s);

    /* Many records in one transaction (PostgreSQL keeps the head in the
     * handle then), a refused one among them, a verify in the middle: the
     * chain and its head hold; a rollback takes them all away. */
    s = fresh();
    ASSERT_OK(regio_store_audit_append(s, "a", "before", NULL, NULL, NULL, NULL, NULL));
    ASSERT_OK(regio_store_begin(s, NULL));
    for (int i = 0; i < 40; i++) {
        if (i == 17)
            ASSERT_EQ_INT(regio_store_audit_append(s, "x", "bad", NULL, NULL, "{not json", NULL,
                                                   &e),
                          REGIO_EINVAL);
        if (i == 23) {
            ASSERT_OK(regio_store_audit_verify(s, &bad, NULL));
            ASSERT_EQ_INT(bad, 0);
        }
        ASSERT_OK(regio_store_audit_append(s, "a", "in", "n", NULL, NULL, "{}", NULL));
    }
    ASSERT_OK(regio_store_commit(s, NULL));
    ASSERT_OK(regio_store_audit_verify(s, &bad, NULL));
    ASSERT_EQ_INT(bad, 0);
    ASSERT_EQ_INT(q_int(s, "SELECT COUNT(*) FROM audit_log"), 41);
    ASSERT_EQ_INT(q_int(s, "SELECT COUNT(*) FROM settings WHERE key = 'audit_head'"
                           " AND value = (SELECT id || ':' || hash FROM audit_log WHERE id = 41)"),
                  1);
    ASSERT_OK(regio_store_begin(s, NULL));
    for (int i = 0; i < 5; i++)
        ASSERT_OK(regio_store_audit_append(s, "a", "gone", NULL, NULL, NULL, NULL, NULL));
    ASSERT_OK(regio_store_rollback(s, NULL));
    ASSERT_OK(regio_store_audit_append(s, "a", "after", NULL, NULL, NULL, NULL, NULL));
    ASSERT_OK(regio_store_audit_verify(s, &bad, NULL));
    ASSERT_EQ_INT(bad, 0);
    ASSERT_EQ_INT(q_int(s, "SELECT COUNT(*) FROM audit_log"), 42);
    done_with(s);
}

/* ---- bulk loads -------------------------------------------------------------------- */

static void test_bulk_load_keeps_indexes(void)
{
    if (regio_test_pg())
        SKIP("SQLite's own bulk-load index handling");
    regio_store *s = fresh();
    const char *idx = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'accounts'"
                      " AND name IN ('accounts_owner', 'accounts_unit')";
    enum { N = 25000 };
    char id[32];
    /* A big transaction that is rolled back leaves no rows and both indexes. */
    ASSERT_OK(regio_store_begin(s, NULL));
    for (int i = 0; i < N; i++) {
        snprintf(id, sizeof id, "B%06d", i);
        regio_account a = acc(id, "bulk", i);
        a.owner = i % 2 ? "R1" : "R2";
        ASSERT_OK(up(s, &a, NULL));
    }
    ASSERT_EQ_INT(q_int(s, idx), 0); /* dropped while loading */
    ASSERT_OK(regio_store_rollback(s, NULL));
    ASSERT_EQ_INT(q_int(s, idx), 2);
    ASSERT_EQ_INT(q_int(s, "SELECT COUNT(*) FROM accounts"), 0);
    /* Committed: rows there, indexes rebuilt and used. */
    ASSERT_OK(regio_store_begin(s, NULL));
    for (int i = 0; i < N; i++) {
        snprintf(id, sizeof id, "B%06d", i);
        regio_account a = acc(id, "bulk", i);
        a.owner = i % 2 ? "R1" : "R2";
        ASSERT_OK(up(s, &a, NULL));
    }
    ASSERT_OK(regio_store_commit(s, NULL));
    ASSERT_EQ_INT(q_int(s, idx), 2);
    ASSERT_EQ_INT(q_int(s, "SELECT COUNT(*) FROM accounts WHERE owner_ext = 'R1'"), N / 2);
    ASSERT_OK(regio_store_begin(s, NULL));
    regio_account again = acc("B000007", "changed", 1);
    ASSERT_OK(up(s, &again, NULL));
    ASSERT_OK(regio_store_commit(s, NULL));
    ASSERT_EQ_INT(q_int(s, idx), 2);
    /* A large allocation batch, alone and inside a transaction. */
    char **ids = malloc(N * sizeof *ids);
    const char **units = malloc(N * sizeof *units);
    for (int i = 0; i < N && ids && units; i++) {
        ids[i] = malloc(16);
        snprintf(ids[i], 16, "B%06d", i);
        units[i] = i % 3 ? "U1" : "U2";
    }
    regio_unit u1 = unit("U1", 0, 0), u2 = unit("U2", 0, 0);
    ASSERT_OK(regio_store_unit_upsert(s, &u1, NULL, NULL));
    ASSERT_OK(regio_store_unit_upsert(s, &u2, NULL, NULL));
    ASSERT_OK(regio_store_account_set_unit(s, (const char *const *)ids, units, N, NULL));
    ASSERT_EQ_INT(q_int(s, idx), 2);
    ASSERT_EQ_INT(q_int(s, "SELECT COUNT(*) FROM accounts WHERE unit_ext = 'U2'"), (N + 2) / 3);
    units[N - 1] = "U2";
    ids[N - 1][0] = 'X'; /* unknown account: the whole batch fails */
    regio_error e;
    ASSERT_EQ_INT(regio_store_account_set_unit(s, (const char *const *)ids, units, N, &e),
                  REGIO_ENOTFOUND);
    ASSERT_EQ_INT(q_int(s, idx), 2);
    ids[N - 1][0] = 'B';
    ASSERT_OK(regio_store_begin(s, NULL));
    for (int i = 0; i < N; i++)
        units[i] = "U1";
    ASSERT_OK(regio_store_account_set_unit(s, (const char *const *)ids, units, N, NULL));
    ASSERT_OK(regio_store_commit(s, NULL));
    ASSERT_EQ_INT(q_int(s, idx), 2);
    ASSERT_EQ_INT(q_int(s, "SELECT COUNT(*) FROM accounts WHERE unit_ext = 'U1'"), N);
    ASSERT_OK(regio_store_unit_measures_from_accounts(s, NULL));
    ASSERT_EQ_INT(q_int(s, "SELECT json_extract(attrs, '$.accounts') FROM units WHERE ext_id = 'U1'"), N);
    for (int i = 0; i < N && ids; i++)
        free(ids[i]);
    free(ids);
    free(units);
    done_with(s);
}

/* ---- allocation failure ---------------------------------------------------------------- */

static long fail_at, calls, live;

static void *f_malloc(void *ud, size_t n)
{
    (void)ud;
    if (++calls == fail_at)
        return NULL;
    void *p = malloc(n);
    if (p)
        live++;
    return p;
}

static void *f_realloc(void *ud, void *p, size_t n)
{
    (void)ud;
    if (++calls == fail_at)
        return NULL;
    void *q = realloc(p, n);
    if (q && !p)
        live++;
    return q;
}

static void f_free(void *ud, void *p)
{
    (void)ud;
    if (p)
        live--;
    free(p);
}

static int count_cb(void *ud, const regio_account *a)
{
    (void)a;
    (*(int *)ud)++;
    return 0;
}

static void test_alloc_failure(void)
{
    if (regio_test_pg())
        SKIP("SQLite's allocator hooks");
    tmp_path();
    regio_allocator al = {f_malloc, f_realloc, f_free, NULL};
    regio_attr attrs[2] = {{"k1", "text value", NAN, 0}, {"k2", "2.5", 2.5, 1}};
    int completed = 0, saw_enomem = 0;
    for (fail_at = 1; fail_at < 500 && !completed; fail_at++) {
        calls = 0;
        live = 0;
        regio_set_allocator(&al);
        regio_store *s = NULL;
        regio_error e;
        regio_err rc = regio_store_open(path, &s, &e);
        if (!rc) {
            for (int i = 0; i < 3 && !rc; i++) {
                char id[16];
                snprintf(id, sizeof id, "M%d", i);
                regio_account a = acc(id, "x", i);
                a.attrs = attrs;
                a.n_attrs = 2;
                rc = regio_store_account_upsert(s, &a, NULL, &e);
            }
            int n = 0;
            if (!rc)
                rc = regio_store_accounts_foreach(s, count_cb, &n, &e);
            regio_model_info m;
            if (!rc)
                rc = regio_store_model_create(s, "M", REGIO_MODEL_PLANNING, NULL, NULL, NULL,
                                              NULL, &e);
            if (!rc)
                rc = regio_store_model_find(s, "M", &m, &e);
            if (!rc)
                regio_model_info_clear(&m);
            if (!rc)
                rc = regio_store_audit_append(s, "a", "b", NULL, NULL, NULL, NULL, &e);
            if (!rc && calls < fail_at)
                completed = 1;
        }
        if (rc == REGIO_ENOMEM)
            saw_enomem = 1;
        else if (rc)
            FAIL_AT_("fail_at %ld: unexpected %s: %s", fail_at, regio_err_name(rc), e.msg);
        regio_store_close(s);
        regio_set_allocator(NULL);
        if (live != 0)
            FAIL_AT_("fail_at %ld: %ld allocations leaked", fail_at, live);
        rm_db();
    }
    ASSERT_TRUE(completed);
    ASSERT_TRUE(saw_enomem);
}

/* The revision guard between two handles (two servers): edits based on
 * the same revision, one wins and the other is stale, nothing of it
 * written; moves of units and accounts, the audit record of each batch. */
static void test_revision_guard(void)
{
    regio_store *s = fresh();
    regio_store *other = NULL;
    regio_error e;
    ASSERT_OK(regio_store_open(path, &other, &e));
    ASSERT_OK(regio_store_model_create(s, "P", REGIO_MODEL_PLANNING, NULL, NULL, NULL, NULL,
                                       NULL));
    ASSERT_OK(regio_store_territory_upsert(s, "P", "T1", NULL, NULL, NULL));
    ASSERT_OK(regio_store_territory_upsert(s, "P", "T2", NULL, NULL, NULL));
    const char *uids[] = {"Z1", "Z2"};
    for (int i = 0; i < 2; i++) {
        regio_unit u = unit(uids[i], 0, 0);
        ASSERT_OK(regio_store_unit_upsert(s, &u, NULL, NULL));
        ASSERT_OK(regio_store_alignment_set(s, "P", uids[i], "T1", NULL));
    }
    regio_account a = acc("ACC1", "a", 1);
    ASSERT_OK(up(s, &a, NULL));
    long rev = -1, rev_a = -1, rev_b = -1;
    ASSERT_OK(regio_store_alignment_revision(s, "P", &rev, NULL));
    regio_alignment_row mine[] = {{.unit_id = "Z1", .territory = "T2"},
                                  {.account_id = "ACC1", .territory = "T2"}};
    regio_alignment_row theirs[] = {{.unit_id = "Z2", .territory = "T2"}};
    regio_apply_status st = REGIO_APPLY_ERROR;
    ASSERT_OK(regio_store_alignment_apply(s, "P", rev, mine, 2, "ana", &rev_a, &st, NULL));
    ASSERT_EQ_INT(st, REGIO_APPLY_OK);
    ASSERT_EQ_INT(rev_a, rev + 1);
    ASSERT_EQ_INT(regio_store_alignment_apply(other, "P", rev, theirs, 1, "bo", &rev_b, &st, &e),
                  REGIO_ECONFLICT);
    ASSERT_EQ_INT(st, REGIO_APPLY_STALE);
    ASSERT_TRUE(strstr(e.msg, "stale revision") != NULL);
    rows ar = {{0}, 0};
    ASSERT_OK(regio_store_alignment_foreach(other, "P", align_cb, &ar, NULL));
    ASSERT_EQ_STR(ar.text, "Z1>T2@-;Z2>T1@-;ACC1>T2@-;");
    /* An unknown territory fails the whole batch: nothing moves. */
    regio_alignment_row bad[] = {{.unit_id = "Z2", .territory = "T2"},
                                 {.unit_id = "Z1", .territory = "T404"}};
    ASSERT_EQ_INT(regio_store_alignment_apply(other, "P", rev_a, bad, 2, "bo", NULL, &st, &e),
                  REGIO_EDATA);
    ASSERT_EQ_INT(st, REGIO_APPLY_UNKNOWN);
    rows ar2 = {{0}, 0};
    ASSERT_OK(regio_store_alignment_foreach(s, "P", align_cb, &ar2, NULL));
    ASSERT_EQ_STR(ar2.text, ar.text);
    ASSERT_OK(regio_store_alignment_apply(other, "P", rev_a, theirs, 1, "bo", &rev_b, &st, NULL));
    ASSERT_EQ_INT(rev_b, rev + 2);
    ASSERT_EQ_INT(q_int(s, "SELECT COUNT(*) FROM audit_log WHERE action = 'alignment.apply'"), 2);
    /* Locks go under the same guard: a stale one changes nothing; a locked
     * unit does not move until unlocked; one record a lock. */
    const char *lk[] = {"Z1"};
    long rev_l = -1;
    ASSERT_EQ_INT(regio_store_alignment_lock(s, "P", rev_a, lk, 1, 1, "ana", &rev_l, &st, &e),
                  REGIO_ECONFLICT);
    ASSERT_EQ_INT(st, REGIO_APPLY_STALE);
    ASSERT_OK(regio_store_alignment_lock(s, "P", rev_b, lk, 1, 1, "ana", &rev_l, &st, &e));
    ASSERT_EQ_INT(rev_l, rev + 3);
    regio_alignment_row back[] = {{.unit_id = "Z1", .territory = "T1"}};
    ASSERT_EQ_INT(regio_store_alignment_apply(other, "P", rev_l, back, 1, "bo", NULL, &st, &e),
                  REGIO_ECONFLICT);
    ASSERT_EQ_INT(st, REGIO_APPLY_LOCKED);
    const char *nope[] = {"Z404"};
    ASSERT_EQ_INT(regio_store_alignment_lock(s, "P", rev_l, nope, 1, 0, "ana", NULL, &st, &e),
                  REGIO_EDATA);
    ASSERT_EQ_INT(st, REGIO_APPLY_UNKNOWN);
    ASSERT_OK(regio_store_alignment_lock(other, "P", rev_l, lk, 1, 0, "bo", &rev_l, &st, &e));
    ASSERT_OK(regio_store_alignment_apply(other, "P", rev_l, back, 1, "bo", &rev_l, &st, &e));
    ASSERT_EQ_INT(rev_l, rev + 5);
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT COUNT(*) FROM audit_log WHERE action = 'alignment.lock' AND after ="
             " '{\"revision\":%ld,\"units\":[{\"unit\":\"Z1\",\"locked\":true}]}'",
             rev + 3);
    ASSERT_EQ_INT(q_int(s, sql), 1);
    long bad_id = -1;
    ASSERT_OK(regio_store_audit_verify(other, &bad_id, NULL));
    ASSERT_EQ_INT(bad_id, 0);
    regio_store_close(other);
    done_with(s);
}

static int count_sevens(void *ud, const regio_account *a)
{
    long *n = ud;
    if (a->potential == 7)
        n[1]++;
    n[0]++;
    return 0;
}

/* A load of thousands of accounts in one transaction (SQLite's bulk mode,
 * PostgreSQL's COPY): the same added / updated / unchanged counts as one
 * upsert after the other, an id given twice applied in order (its unit
 * kept or dropped by the same rule), reads inside the transaction see the
 * rows, a rollback leaves nothing. */
static void test_large_transaction(void)
{
    regio_store *s = fresh();
    enum { N = 3000 };
    char id[32];
    int counts[3] = {0, 0, 0};
    regio_upsert_result r;
    regio_account keep = acc("KEEP", "keep", 1);
    keep.lat = 1;
    keep.lon = 2;
    keep.unit_id = "U1";
    ASSERT_OK(up(s, &keep, NULL));
    const char *n_indexes = dialect("SELECT COUNT(*) FROM pragma_index_list('accounts')",
                                    "SELECT COUNT(*) FROM pg_indexes WHERE tablename = 'accounts'"
                                    " AND schemaname = current_schema()");
    long long indexes = q_int(s, n_indexes);
    ASSERT_OK(regio_store_begin(s, NULL));
    for (int i = 0; i < N; i++) {
        snprintf(id, sizeof id, "L%05d", i);
        regio_account a = acc(id, "tab\there \\ new\nline", i);
        ASSERT_OK(up(s, &a, &r));
        counts[r]++;
    }
    /* Again, past the threshold: unchanged; then changed. */
    for (int i = 0; i < N; i += 2) {
        snprintf(id, sizeof id, "L%05d", i);
        regio_account a = acc(id, "tab\there \\ new\nline", i);
        if (i % 4 == 0)
            a.potential = 7;
        ASSERT_OK(up(s, &a, &r));
        counts[r]++;
    }
    /* KEEP moves away and back in one transaction: its unit is dropped, as
     * one upsert after the other would. */
    keep.unit_id = NULL;
    keep.lat = 5;
    ASSERT_OK(up(s, &keep, &r));
    ASSERT_EQ_INT(r, REGIO_UPSERT_UPDATED);
    keep.lat = 1;
    ASSERT_OK(up(s, &keep, &r));
    ASSERT_EQ_INT(r, REGIO_UPSERT_UPDATED);
    ASSERT_EQ_INT(counts[REGIO_UPSERT_ADDED], N);
    ASSERT_EQ_INT(counts[REGIO_UPSERT_UNCHANGED], N / 4);
    ASSERT_EQ_INT(counts[REGIO_UPSERT_UPDATED], N / 4);
    long seen_n[2] = {0, 0};
    ASSERT_OK(regio_store_accounts_foreach(s, count_sevens, seen_n, NULL));
    ASSERT_EQ_INT(seen_n[0], N + 1);
    ASSERT_EQ_INT(seen_n[1], N / 4);
    ASSERT_OK(regio_store_commit(s, NULL));
    ASSERT_EQ_INT(q_int(s, "SELECT COUNT(*) FROM accounts"), N + 1);
    ASSERT_EQ_INT(q_int(s, "SELECT COUNT(*) FROM accounts WHERE potential = 7"), N / 4);
    ASSERT_EQ_INT(q_int(s, dialect("SELECT COUNT(*) FROM accounts WHERE name = 'tab' ||"
                                   " char(9) || 'here \\ new' || char(10) || 'line'",
                                   "SELECT COUNT(*) FROM accounts WHERE name = 'tab' ||"
                                   " chr(9) || 'here \\ new' || chr(10) || 'line'")),
                  N);
    ASSERT_EQ_INT(q_int(s, "SELECT COUNT(*) FROM accounts WHERE unit_ext IS NOT NULL"), 0);
    /* The unique external id holds again after the load (PostgreSQL drops
     * it for a load into an empty table and makes it again at the end). */
    ASSERT_EQ_INT(q_int(s, dialect("SELECT COUNT(*) FROM pragma_index_list('accounts')"
                                   " WHERE origin = 'u'",
                                   "SELECT COUNT(*) FROM pg_constraint WHERE contype = 'u'"
                                   " AND conrelid = 'accounts'::regclass")),
                  1);
    ASSERT_EQ_INT(q_int(s, n_indexes), indexes);
    /* The same load again: all unchanged; a rolled-back change leaves nothing. */
    ASSERT_OK(regio_store_begin(s, NULL));
    int again[3] = {0, 0, 0};
    for (int i = 0; i < N; i++) {
        snprintf(id, sizeof id, "L%05d", i);
        regio_account a = acc(id, "tab\there \\ new\nline", i);
        if (i % 4 == 0)
            a.potential = 7;
        ASSERT_OK(up(s, &a, &r));
        again[r]++;
    }
    for (int i = 0; i < N; i++) {
        snprintf(id, sizeof id, "X%05d", i);
        regio_account a = acc(id, "x", i);
        ASSERT_OK(up(s, &a, &r));
        again[r]++;
    }
    ASSERT_EQ_INT(again[REGIO_UPSERT_UNCHANGED], N);
    ASSERT_EQ_INT(again[REGIO_UPSERT_ADDED], N);
    ASSERT_OK(regio_store_rollback(s, NULL));
    ASSERT_EQ_INT(q_int(s, "SELECT COUNT(*) FROM accounts"), N + 1);
    /* A load whose first rows are stored already, then new ones: every
     * index is there after it, the unique id still refuses a copy. */
    ASSERT_OK(regio_store_begin(s, NULL));
    for (int i = 0; i < 2 * N; i++) {
        snprintf(id, sizeof id, i < N ? "L%05d" : "Z%05d", i);
        regio_account a = acc(id, "tab\there \\ new\nline", i % N);
        if (i < N && i % 4 == 0)
            a.potential = 7;
        ASSERT_OK(up(s, &a, &r));
        ASSERT_EQ_INT(r, i < N ? REGIO_UPSERT_UNCHANGED : REGIO_UPSERT_ADDED);
    }
    ASSERT_OK(regio_store_commit(s, NULL));
    ASSERT_EQ_INT(q_int(s, "SELECT COUNT(*) FROM accounts"), 2 * N + 1);
    ASSERT_EQ_INT(q_int(s, n_indexes), indexes);
    ASSERT_TRUE(q_exec(s, "INSERT INTO accounts(ext_id, row_hash, created_at, updated_at)"
                          " VALUES ('Z03000', 1, 'x', 'x')") != 0);
    done_with(s);
}

/* PostgreSQL's schema: every migration recorded, at SQLite's latest
 * version; a newer schema is refused (test_migrations checks SQLite's). */
static void test_schema_versions(void)
{
    if (!regio_test_pg())
        SKIP("SQLite's migrations are checked by test_migrations");
    regio_store *s = fresh();
    ASSERT_EQ_INT(regio_store_schema_version(s), regio_store_schema_latest());
    ASSERT_EQ_INT(q_int(s, "SELECT COUNT(*) FROM schema_migrations"), regio_store_schema_latest());
    regio_store_close(s);
    /* Opening again migrates nothing and keeps the data. */
    regio_error e;
    ASSERT_OK(regio_store_open(path, &s, &e));
    ASSERT_EQ_INT(q_int(s, "SELECT COUNT(*) FROM schema_migrations"), regio_store_schema_latest());
    regio_store_close(s);
    ASSERT_EQ_INT(q_exec(NULL, "INSERT INTO schema_migrations(version, name, applied_at)"
                               " VALUES (99, 'from the future', 'now')"),
                  SQLITE_OK);
    s = NULL;
    ASSERT_EQ_INT(regio_store_open(path, &s, &e), REGIO_EUNSUPPORTED);
    ASSERT_TRUE(s == NULL);
    ASSERT_TRUE(strstr(e.msg, "newer than this Regio supports") != NULL);
    rm_db();
}

/* A location is shown without its password, whatever else it holds. */
static void test_location_shown(void)
{
    char b[256];
    ASSERT_EQ_STR(regio_store_location_shown("regio.db", b, sizeof b), "regio.db");
    ASSERT_EQ_STR(regio_store_location_shown("postgresql://ana:s3cret@db.example:5433/regio", b,
                                             sizeof b),
                  "postgresql://ana@db.example:5433/regio");
    ASSERT_EQ_STR(regio_store_location_shown("postgres://ana@h/r?sslmode=require&password=s3cret"
                                             "&connect_timeout=5",
                                             b, sizeof b),
                  "postgres://ana@h/r?sslmode=require&connect_timeout=5");
    ASSERT_EQ_STR(regio_store_location_shown("postgresql://h:5432/r?password=x", b, sizeof b),
                  "postgresql://h:5432/r");
    ASSERT_EQ_STR(regio_store_location_shown("postgresql://:pw@/r", b, sizeof b),
                  "postgresql://@/r");
    ASSERT_EQ_STR(regio_store_location_shown("postgresql://a:pw@h/r", b, 12), "postgresql:");
}

int main(int argc, char **argv)
{
    /* --pg: the PostgreSQL variant (unit.test_store.pg), on REGIO_TEST_DB. */
    regio_test_backend(argc, argv, "test_store --pg");
    RUN(test_location_shown);
    RUN(test_schema_versions);
    RUN(test_upsert_counts);
    RUN(test_attrs_round_trip);
    RUN(test_rollback_restores);
    RUN(test_foreach_order_and_stop);
    RUN(test_adjacency);
    RUN(test_units_allocation_and_measures);
    RUN(test_models_and_alignment);
    RUN(test_audit_chain);
    RUN(test_constraint_messages);
    RUN(test_revision_guard);
    RUN(test_large_transaction);
    RUN(test_generation);
    RUN(test_accounts_query);
    RUN(test_bulk_load_keeps_indexes);
    RUN(test_alloc_failure);
    TEST_END();
}
