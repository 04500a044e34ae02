# `regio model` life cycle: list (text, CSV, JSON), clone, promote (an
# explicit past date: active at once, and the active model is archived;
# tests/cli/cases/model_promotion.sh has dates ahead), archive, and the refusals
# the API gives too (unknown model, invalid or taken name, bad date, a
# model in the wrong state). Timestamps are filtered out.
"$REGIO" import units data/units_small.csv --adjacency data/units_small_adjacency.csv --quiet
"$REGIO" model list
"$REGIO" design --k 2 --balance accounts --tolerance 0.2 --model plan-a >/dev/null 2>&1
"$REGIO" model clone plan-a FY26 --description "the FY26 plan"
"$REGIO" model promote FY26 --effective 2026-01-01
"$REGIO" model clone FY26 FY27
"$REGIO" model promote FY27 --effective 2026-06-01
"$REGIO" model archive plan-a
"$REGIO" model list
"$REGIO" model list --format csv
"$REGIO" model list --format json | grep -v '"created_at"'
set +e
"$REGIO" model clone nope X; echo "exit $?"
"$REGIO" model clone FY27 'a/b'; echo "exit $?"
"$REGIO" model clone FY27 "$(printf 'n%.0s' $(seq 1 101))"; echo "exit $?"
"$REGIO" model clone FY27 FY26; echo "exit $?"
"$REGIO" model promote nope --effective 2026-01-01; echo "exit $?"
"$REGIO" model promote FY27 --effective 2026-06-01; echo "exit $?"
"$REGIO" model promote FY26 --effective 2028-01-01; echo "exit $?"
"$REGIO" model clone FY27 FY28 >/dev/null
"$REGIO" model promote FY28 --effective 2028-02-30; echo "exit $?"
"$REGIO" model promote FY28 | sed -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2}$/(today)/'
"$REGIO" model archive FY26; echo "exit $?"
"$REGIO" model archive nope; echo "exit $?"
"$REGIO" model list --db other.db | head -1
