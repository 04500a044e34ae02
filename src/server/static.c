/*
 * The browser app's files, served from disk: web/ for the app itself and
 * pinned npm packages (Leaflet, markercluster, topojson-client, Chart.js,
 * the us-atlas and world-atlas boundaries) so the app works offline. Only the
 * prefixes below are served; a path with "..", a backslash or a NUL never
 * leaves its root.
 */
#include "server/app.h"
#include "server/handlers.h"

#include <stdio.h>
#include <string.h>

typedef struct mount {
    const char *prefix; /* URL prefix */
    int modules;        /* 0 = under web_root, 1 = under modules_root */
    const char *dir;    /* directory under that root ("" = the root) */
} mount;

static const mount MOUNTS[] = {
    {"/app/", 0, ""},
    {"/vendor/leaflet/", 1, "leaflet/dist/"},
    {"/vendor/markercluster/", 1, "leaflet.markercluster/dist/"},
    {"/vendor/topojson-client/", 1, "topojson-client/dist/"},
    {"/vendor/chartjs/", 1, "chart.js/dist/"},
};

/* Files with fixed names. */
static const struct {
    const char *path;
    int modules;
    const char *file;
} FILES[] = {
    {"/", 0, "index.html"},
    {"/index.html", 0, "index.html"},
    {"/checkin", 0, "checkin.html"},
    {"/favicon.ico", 0, "favicon.svg"},
    {"/basemap/states.json", 1, "us-atlas/states-10m.json"},
    {"/basemap/counties.json", 1, "us-atlas/counties-10m.json"},
    {"/basemap/countries.json", 1, "world-atlas/countries-50m.json"},
};

static const char *content_type(const char *path)
{
    static const struct {
        const char *ext, *type;
    } T[] = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".json", "application/json"},
        {".png", "image/png"},
        {".svg", "image/svg+xml"},
        {".ico", "image/x-icon"},
        {".map", "application/json"},
    };
    const char *dot = strrchr(path, '.');
    if (dot)
        for (size_t i = 0; i < sizeof T / sizeof T[0]; i++)
            if (!strcmp(dot, T[i].ext))
                return T[i].type;
    return "application/octet-stream";
}

static int safe_rel(const char *rel)
{
    if (!*rel || strstr(rel, "..") || strchr(rel, '\\') || rel[0] == '/')
        return 0;
    return 1;
}

SRV_HANDLER(srv_static)
{
    /* The resolved path lives in a per-thread buffer until the adapter has
     * opened the file (rs->file_path is read before the next request on
     * this thread). */
    static __thread char full[4096];
    const char *root = NULL, *rel = NULL, *dir = "";
    for (size_t i = 0; i < sizeof FILES / sizeof FILES[0]; i++)
        if (!strcmp(rq->path, FILES[i].path)) {
            root = FILES[i].modules ? app->opts.modules_root : app->opts.web_root;
            rel = FILES[i].file;
        }
    for (size_t i = 0; !rel && i < sizeof MOUNTS / sizeof MOUNTS[0]; i++) {
        size_t n = strlen(MOUNTS[i].prefix);
        if (!strncmp(rq->path, MOUNTS[i].prefix, n)) {
            root = MOUNTS[i].modules ? app->opts.modules_root : app->opts.web_root;
            rel = rq->path + n;
            dir = MOUNTS[i].dir;
        }
    }
    if (!rel || !safe_rel(rel)) {
        srv_reply_error(rs, 404, "not_found", "no such page %s", rq->path);
        return;
    }
    int w = snprintf(full, sizeof full, "%s/%s%s", root, dir, rel);
    if (w < 0 || (size_t)w >= sizeof full) {
        srv_reply_error(rs, 404, "not_found", "no such page %s", rq->path);
        return;
    }
    rs->status = 200;
    rs->content_type = content_type(full);
    rs->file_path = full;
    srv_reply_header(rs, "Cache-Control", "no-cache");
}
