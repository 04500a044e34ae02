# Point units from CSV: with a given adjacency (an island gets linked to
# its nearest mainland unit), and without one (Delaunay).
"$REGIO" import units data/units_small.csv --adjacency data/units_small_adjacency.csv
"$REGIO" export adjacency
"$REGIO" import units data/units_small.csv --db delaunay.db
"$REGIO" export adjacency --db delaunay.db
