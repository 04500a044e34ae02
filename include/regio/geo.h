/*
 * Regio geography: great-circle and planar distances, spherical areas and
 * centroids, unit sets read from any vector format GDAL/OGR opens, and the
 * adjacency graph of a unit set (shared borders, Delaunay edges for points,
 * island links as defined in docs/METRICS.md, compressed graphs).
 */
#ifndef REGIO_GEO_H
#define REGIO_GEO_H

#include "regio/core.h"
#include "regio/model.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif


/* ---- distances, areas, centroids ------------------------------------- */

/* Great-circle distance in km between two WGS84 points given in degrees
 * (haversine, R = REGIO_EARTH_RADIUS_KM). Pure function, nothing owned. */
REGIO_API double regio_haversine_km(double lat1, double lon1, double lat2, double lon2);

/* Euclidean distance between two planar points. Pure function. */
REGIO_API double regio_euclid(double x1, double y1, double x2, double y2);

/* Spherical area (km^2) and spherical centroid (degrees) of a polygonal
 * geometry given as WKB in lon/lat degrees (Polygon or MultiPolygon, holes
 * subtracted). Writes through the out-pointers; nothing is allocated for
 * the caller. REGIO_EGEOM when the WKB is unreadable or not polygonal. */
REGIO_API regio_err regio_wkb_sphere_stats(const unsigned char *wkb, size_t wkb_len,
                                 double *area_km2, double *lat, double *lon,
                                 regio_error *err);

/* ---- unit sets --------------------------------------------------------- */

/*
 * A set of geography units with an id index. Fields are read-only for
 * callers; the set owns its units, their strings and WKB, and the name
 * arrays. The index fields (ending in _) are private.
 */
typedef struct regio_unitset {
    regio_unit *units;     /* owned array of n units */
    size_t n;
    int planar;            /* 1 when coordinates are planar x,y (lat = y, lon = x) */
    int has_polygons;      /* 1 when at least one unit carries a WKB polygon */
    char **measure_names;  /* owned: numeric attribute keys, in field order */
    size_t n_measures;
    char **text_names;     /* owned: text attribute keys, in field order */
    size_t n_texts;
    size_t *index_;        /* private: open-addressing slots (position + 1) */
    size_t index_cap_;     /* private: number of slots, a power of two */
} regio_unitset;

/*
 * Builds a unit set from an array of units allocated with regio_malloc,
 * taking ownership of the array and its contents on success AND on failure
 * (they are freed then). Derives measure/text names from the attributes
 * (a key is a measure when every unit holding it has is_num) and
 * has_polygons from the WKB. Fails with REGIO_EDATA on a missing or
 * duplicate id (err names both positions). The caller owns *out and frees
 * it with regio_unitset_destroy.
 */
REGIO_API regio_err regio_unitset_create(regio_unit *units, size_t n, int planar,
                               regio_unitset **out, regio_error *err);

/* Position of the unit with this id, or -1. O(1) expected; owns nothing. */
REGIO_API long regio_unitset_find(const regio_unitset *us, const char *id);

/* Frees a unit set and everything it owns. Accepts NULL. */
REGIO_API void regio_unitset_destroy(regio_unitset *us);

/* Options for regio_units_read_ogr; zero-initialise and set what you need. */
typedef struct regio_units_read_opts {
    const char *layer;      /* layer name; NULL = the only layer, or the one
                               with most features when there are several */
    const char *id_field;   /* NULL = detect (see regio_units_read_ogr) */
    const char *name_field; /* NULL = detect NAME, name, NAMELSAD */
    int planar;             /* 1 = coordinates are planar x,y: no
                               reprojection, no lat/lon range check, planar
                               area in squared coordinate units */
    int skip_empty;         /* 1 = skip features whose geometry is empty
                               (listed in the report) instead of failing;
                               GDAL's TopoJSON reader empties rings that
                               quantisation collapsed */
    const char *where;      /* OGR attribute filter (SQL WHERE clause) that
                               selects the features to read; NULL = all.
                               Feature numbers in errors count the selected
                               features. */
} regio_units_read_opts;

#define REGIO_UNITS_REPORT_IDS 8

/* What an import did. Plain value type; nothing owned. */
typedef struct regio_units_report {
    char driver[32];          /* OGR driver short name, e.g. "GeoJSON" */
    char layer[256];          /* layer read */
    size_t n_layers;          /* layers in the source */
    int layer_auto;           /* 1 when picked as the largest of several */
    char id_field[128];       /* field used for ids; "(FID)" for the OGR FID */
    char name_field[128];     /* field used for names, "" when none */
    int reprojected;          /* 1 when reprojected to WGS84 */
    char source_crs[128];     /* name of the source CRS, "" when none */
    size_t n_units, n_polygons, n_points;
    size_t n_measures;
    size_t n_null_values;     /* null numeric values kept as missing text */
    size_t repaired;          /* invalid geometries repaired by MakeValid */
    char repaired_ids[REGIO_UNITS_REPORT_IDS][64]; /* first few repaired ids */
    size_t collapsed;         /* polygons with no area left after repair:
                                 kept with area 0, their original WKB and
                                 the centroid of their outline */
    char collapsed_ids[REGIO_UNITS_REPORT_IDS][64];
    size_t skipped_empty;     /* features skipped by skip_empty */
    char skipped_ids[REGIO_UNITS_REPORT_IDS][64];
    char notes[1024];         /* sentences for the user about the above */
} regio_units_report;

/*
 * Reads geography units from any vector source OGR opens (GeoJSON,
 * TopoJSON, Shapefile, GeoPackage, ...). Id detection when opts->id_field
 * is NULL, first match wins (names compared case-insensitively):
 *   1. a string or integer field named "id" (GeoJSON/TopoJSON feature ids
 *      become such a field when they are strings);
 *   2. the OGR FID when the driver is GeoJSON-like and the first 16 FIDs
 *      are not the default 0, 1, 2, ... (integer GeoJSON "id" members);
 *   3. GEOID, GEOID10, GEOID20, FIPS, ZCTA5CE10, ZCTA5CE20, ZIP, CODE;
 *   4. NAME as a last resort.
 * Layers in another CRS are reprojected to WGS84 (traditional lon/lat
 * order); layers without a CRS are taken as WGS84 unless opts->planar.
 * Numeric fields become measures, other fields text attributes. Polygons
 * get the spherical area and centroid and keep their ISO WKB; points get
 * NAN area and no WKB. Invalid polygons are repaired (GEOSMakeValid) and
 * listed in the report; a polygon that collapses to nothing (zero area, as
 * quantised TopoJSON makes of tiny units) is kept with area 0, the centroid
 * of its outline and its original WKB, so its borders still count. Data errors give REGIO_EDATA with err->line =
 * feature index + 1. The caller owns *out (regio_unitset_destroy); report
 * and opts may be NULL.
 */
REGIO_API regio_err regio_units_read_ogr(const char *path,
                               const regio_units_read_opts *opts,
                               regio_unitset **out, regio_units_report *report,
                               regio_error *err);

/* ---- adjacency ---------------------------------------------------------- */

/* Frees an edge array and the ids it owns. Accepts NULL. */
REGIO_API void regio_adj_edges_free(regio_adj_edge *edges, size_t n);

/* Sorts edges by (a, b) with strcmp, swapping a/b so that a < b, and drops
 * duplicates (the one with the smallest kind is kept) and self-loops in
 * place, freeing their ids; *n is updated. Nothing is allocated. */
REGIO_API void regio_adj_edges_normalize(regio_adj_edge *edges, size_t *n);

/* Options for polygon adjacency; zero-initialised gives snap_tol = 0
 * (exact only), so use regio_adj_opts_default. */
typedef struct regio_adj_opts {
    double snap_tol;      /* coordinate units; < 0 = automatic (1e-6 x the
                             diagonal of the data extent); 0 = exact only */
    double min_near_ratio;/* near-shared border must exceed this many
                             snap_tol to count (default 50) */
} regio_adj_opts;

/* Statistics of a polygon adjacency run. Plain value type. */
typedef struct regio_adj_stats {
    size_t candidates;    /* envelope pairs examined */
    size_t exact;         /* edges from a positive-length shared border */
    size_t hashed;        /* of which found by identical shared segments */
    size_t snapped;       /* edges found only within the snap tolerance */
    size_t overlapping;   /* edges from overlapping interiors */
    double snap_tol;      /* tolerance used, coordinate units */
} regio_adj_stats;

/* Default options (automatic tolerance, ratio 50). */
REGIO_API regio_adj_opts regio_adj_opts_default(void);

/*
 * Border adjacency of the polygon units of us (units without WKB are
 * skipped): two units are neighbours when their boundaries share a line of
 * positive length; a point contact is not enough. Identical shared
 * segments are found by hashing; other envelope-overlapping pairs are
 * tested with GEOS (see adjacency.c). With the default options,
 * pairs that do not share a line exactly but whose boundaries run within
 * the automatic tolerance of each other for more than 50 tolerances are
 * neighbours too (slivers and gaps). shared_km is the shared border length
 * on the sphere (planar sets: coordinate units). The caller owns *edges
 * (regio_adj_edges_free); sorted and unique, kind REGIO_ADJ_BORDER.
 */
REGIO_API regio_err regio_adjacency_from_polygons(const regio_unitset *us,
                                        regio_adj_edge **edges, size_t *n,
                                        regio_error *err);

/* Like regio_adjacency_from_polygons with explicit options (NULL =
 * defaults) and optional statistics. The caller owns *edges. */
REGIO_API regio_err regio_adjacency_from_polygons_ex(const regio_unitset *us,
                                           const regio_adj_opts *opts,
                                           regio_adj_edge **edges, size_t *n,
                                           regio_adj_stats *stats,
                                           regio_error *err);

/*
 * Delaunay adjacency of the unit centroids (units with NAN coordinates are
 * skipped), triangulated in the lon/lat (or x/y) plane, so sets that span
 * the antimeridian are not wrapped. Edges longer than max_edge_km (km on the sphere; coordinate
 * units when planar; <= 0 = no limit) are dropped. Co-located units are
 * chained to each other in index order (distance 0) and the first of them
 * carries the triangulation edges. The caller owns *edges; kind
 * REGIO_ADJ_DELAUNAY, shared_km = edge length.
 */
REGIO_API regio_err regio_adjacency_delaunay(const regio_unitset *us, double max_edge_km,
                                   regio_adj_edge **edges, size_t *n,
                                   regio_error *err);

/* One island link. Ids point into the unit set (borrowed, valid while it
 * lives). */
typedef struct regio_island_link {
    size_t component_size;  /* units in the island component */
    size_t a_index, b_index;/* island unit, mainland unit (unit positions) */
    const char *a, *b;      /* their ids (borrowed) */
    double dist_km;         /* great-circle km (planar: coordinate units) */
} regio_island_link;

/* What regio_adjacency_link_islands did; free with
 * regio_island_report_clear. */
typedef struct regio_island_report {
    size_t n_components;    /* components before linking */
    size_t mainland_size;   /* units in the largest component */
    regio_island_link *links; /* owned array, one per island component */
    size_t n_links;
} regio_island_report;

/* Frees the links array of a report and zeroes it. Accepts NULL. */
REGIO_API void regio_island_report_clear(regio_island_report *rep);

/*
 * Adds the METRICS.md island links to an edge array: every connected
 * component other than the largest (ties: the one holding the smallest unit
 * position) gets exactly one REGIO_ADJ_ISLAND edge between its unit and the
 * mainland unit closest by great-circle distance (planar: Euclidean); ties
 * go to the smallest (island position, mainland position). *edges is
 * reallocated and re-sorted; the caller keeps owning it. rep may be NULL;
 * otherwise the caller frees it with regio_island_report_clear. Units
 * without coordinates cannot be linked: an island made only of such units
 * fails with REGIO_EDATA. Edges naming unknown ids fail with REGIO_EDATA.
 */
REGIO_API regio_err regio_adjacency_link_islands(const regio_unitset *us,
                                       regio_adj_edge **edges, size_t *n,
                                       regio_island_report *rep,
                                       regio_error *err);

/* ---- territory outlines ------------------------------------------------------ */

/* Text format of a territory outline. Values are stable. */
typedef enum regio_outline_format {
    REGIO_OUTLINE_GEOJSON = 0, /* a GeoJSON geometry object, or "null" */
    REGIO_OUTLINE_KML = 1      /* <MultiGeometry>...</MultiGeometry>, or "" */
} regio_outline_format;

/*
 * The outline of territory t: the GEOS union of the WKB polygons of the
 * units i with labels[i] == t, together with the convex hull of those of
 * them that have no polygon (their lat/lon points; one point gives a
 * point, two a line), then simplified with topology preserved by
 * simplify_deg degrees (0 = not simplified). Coordinates are rounded to 5
 * decimals; rings the rounding collapses are left out. GeoJSON gives one
 * geometry object (Polygon, MultiPolygon, or for point-only territories
 * Point/LineString/GeometryCollection); KML gives a <MultiGeometry> of
 * <Polygon>s (outer and inner boundaries), <LineString>s and <Point>s.
 * A territory without units (or without coordinates) gives "null"
 * (GeoJSON) or "" (KML). Unreadable WKB fails with REGIO_EGEOM naming the
 * unit. Thread-safe (one GEOS context per call). On success the caller
 * owns *out and frees it with regio_free; on failure *out is NULL.
 */
REGIO_API regio_err regio_geo_outline(const regio_unitset *us, const int *labels, int t,
                            double simplify_deg, regio_outline_format fmt, char **out,
                            regio_error *err);

/*
 * The outlines of territories 0..k-1 in one pass (units are bucketed by
 * label once; labels outside 0..k-1 are ignored), each exactly as
 * regio_geo_outline gives it. On success *outs is a new array of k strings
 * the caller owns and frees with regio_geo_outlines_free; on failure
 * *outs is NULL.
 */
REGIO_API regio_err regio_geo_outline_many(const regio_unitset *us, const int *labels, int k,
                                 double simplify_deg, regio_outline_format fmt, char ***outs,
                                 regio_error *err);

/* Frees an array of k outlines from regio_geo_outline_many. Accepts NULL. */
REGIO_API void regio_geo_outlines_free(char **outs, int k);

/* ---- compressed graph ---------------------------------------------------- */

/*
 * Adjacency in compressed sparse row form over unit positions: the
 * neighbours of unit i are adjncy[xadj[i] .. xadj[i+1]-1] (ascending), and
 * edge[k] is the position in the source edge array of arc k. Transparent,
 * read-only for callers; the struct owns its arrays.
 */
typedef struct regio_graph {
    size_t n;        /* vertices (= units) */
    size_t n_arcs;   /* 2 x undirected edges */
    size_t *xadj;    /* n + 1 entries */
    size_t *adjncy;  /* n_arcs entries */
    size_t *edge;    /* n_arcs entries: index into the edge array given */
    double *weight;  /* n_arcs entries: the edge's shared_km */
} regio_graph;

/* Builds the CSR graph of edges over the units of us; duplicate edges and
 * self-loops are ignored, unknown ids fail with REGIO_EDATA. The caller
 * owns *out (regio_graph_destroy). */
REGIO_API regio_err regio_graph_build(const regio_unitset *us,
                            const regio_adj_edge *edges, size_t n,
                            regio_graph **out, regio_error *err);

/* Frees a graph. Accepts NULL. */
REGIO_API void regio_graph_destroy(regio_graph *g);

/* Labels connected components: comp (caller-allocated, g->n entries) gets
 * 0..k-1 numbered in order of each component's smallest vertex; *n_comp
 * gets k. Allocates only scratch. */
REGIO_API regio_err regio_graph_components(const regio_graph *g, size_t *comp,
                                 size_t *n_comp);

#ifdef __cplusplus
}
#endif
#endif
