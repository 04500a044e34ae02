/*
 * Private to the store backends (sqlite_promotions.c, pg_models.c): the
 * entries of the promotion timeline in SQL that SQLite and PostgreSQL both
 * run, so that there is one definition of what the model in force on a
 * day is made from (docs/ACCESS.md, "The model in force").
 */
#ifndef REGIO_STORE_TIMELINE_SQL_H
#define REGIO_STORE_TIMELINE_SQL_H

/* The entries of the timeline: model, effective date, order (promotion
 * id; 0 for a model created active) and the day the entry ended (NULL
 * when it did not). Every promotion not withdrawn before its effective
 * date, plus each model created active without a promotion (from its
 * effective_from, or always); a model created active stays an entry while
 * active or once a promotion took over from it. */
#define REGIO_TIMELINE_ENTRIES                                                               \
    "WITH entries(model_id, eff, seq, ended) AS ("                                           \
    " SELECT model_id, effective_from, id, withdrawn_on FROM scenario_promotions"            \
    "  WHERE withdrawn_on IS NULL OR withdrawn_on >= effective_from"                         \
    " UNION ALL"                                                                             \
    " SELECT m.id, COALESCE(m.effective_from, '0000-01-01'), 0, NULL FROM territory_models m" \
    "  WHERE NOT EXISTS (SELECT 1 FROM scenario_promotions p WHERE p.model_id = m.id)"       \
    "  AND (m.state = 'active' OR EXISTS (SELECT 1 FROM scenario_promotions q"               \
    "   WHERE q.previous_model_id = m.id AND (q.withdrawn_on IS NULL"                        \
    "   OR q.withdrawn_on >= q.effective_from)))) "

#endif
