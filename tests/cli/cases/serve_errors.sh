# `regio serve` refuses bad options before it listens, with exit 2 for
# usage and 1 for a runtime failure.
set +e
"$REGIO" serve --port 70000 --db s.db; echo "exit $?"
"$REGIO" serve --port -1 --db s.db; echo "exit $?"
"$REGIO" serve --max-body 0 --db s.db; echo "exit $?"
"$REGIO" serve --threads 0 --db s.db; echo "exit $?"
"$REGIO" serve --request-deadline 0 --db s.db; echo "exit $?"
"$REGIO" serve --max-connections 12x --db s.db; echo "exit $?"
"$REGIO" serve extra --db s.db; echo "exit $?"
"$REGIO" serve --bind nonsense --port 0 --db s.db; echo "exit $?"
