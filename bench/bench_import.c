/*
 * Import benchmark: generates N accounts as CSV (deterministic, seeded),
 * then runs `regio import accounts` on them as a child process and reports
 * wall time and peak resident memory of that process (wait4's ru_maxrss).
 * Usage: bench_import REGIO_BIN N WORKDIR
 *        bench_import --scale DIR NACCOUNTS NREPS SEED   (only writes the
 *        CSV files of bench/scale.sh, see generate_scale)
 */
#include "regio/core.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *const industries[] = {"Healthcare", "Manufacturing", "Retail",
                                         "Construction", "Technology", "Logistics",
                                         "Hospitality", "Education"};
static const char *const cities[][4] = {
    {"New York", "NY", "10001", "40.7506,-73.9972"},
    {"Chicago", "IL", "60601", "41.8858,-87.6181"},
    {"Houston", "TX", "77002", "29.7573,-95.3632"},
    {"Phoenix", "AZ", "85004", "33.4515,-112.0694"},
    {"Denver", "CO", "80202", "39.7530,-104.9966"},
    {"Seattle", "WA", "98101", "47.6114,-122.3343"},
    {"Atlanta", "GA", "30303", "33.7528,-84.3905"},
    {"Boston", "MA", "02108", "42.3576,-71.0651"},
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* One account row; unit is NULL (geocoded or placed by its point) or the
 * unit the row names, whose centre (lat0, lon0) the point scatters around. */
static void account_row(FILE *f, regio_rng *r, long i, const char *unit, double ulat,
                        double ulon)
{
    int c = (int)regio_rng_below(r, 8);
    double lat0, lon0;
    sscanf(cities[c][3], "%lf,%lf", &lat0, &lon0);
    double rev = 50000.0 + regio_rng_double(r) * 5e7;
    int with_coords = regio_rng_below(r, 10) != 0; /* 10% need geocoding */
    if (unit) {
        lat0 = ulat;
        lon0 = ulon;
        with_coords = 1;
    }
    fprintf(f, "ACC-%07ld,\"Company %ld, Inc.\",%ld Main St,%s,%s,%s,US,", i, i,
            (long)regio_rng_below(r, 9999) + 1, cities[c][0], cities[c][1], cities[c][2]);
    double spread = unit ? 0.01 : 0.4;
    if (with_coords)
        fprintf(f, "%.5f,%.5f,", lat0 + (regio_rng_double(r) - 0.5) * spread,
                lon0 + (regio_rng_double(r) - 0.5) * spread);
    else
        fputs(",,", f);
    fprintf(f, "%s,%.0f,%ld,%.0f,%c,crm,%ld", industries[regio_rng_below(r, 8)], rev,
            (long)(rev / 150000.0) + 1, rev * 0.02, "ABC"[regio_rng_below(r, 3)],
            (long)regio_rng_below(r, 24));
    if (unit)
        fprintf(f, ",%s", unit);
    fputc('\n', f);
}

static const char account_header[] =
    "id,name,street,city,state,postal_code,country,lat,lon,industry,annual_revenue,"
    "employees,potential,segment,source,visits_per_year";

static int generate(const char *path, long n)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    regio_rng r;
    regio_rng_seed(&r, 2026);
    fprintf(f, "%s\n", account_header);
    for (long i = 1; i <= n; i++)
        account_row(f, &r, i, NULL, 0, 0);
    return fclose(f);
}

/* The scale organisation (bench/scale.sh): NREPS point units on a grid over
 * the contiguous US, one territory and one rep per unit, and NACC accounts
 * spread evenly over the units (NACC / NREPS each), all streamed to
 * DIR/units.csv, reps.csv, territories.csv, alignment.csv, users.csv (a
 * user repNNNNNN per rep), memberships.csv (each the rep of its territory)
 * and accounts.csv. */
static void unit_centre(long u, long side, double *lat, double *lon)
{
    *lat = 30.0 + 17.0 * (double)(u / side) / (double)side;
    *lon = -120.0 + 45.0 * (double)(u % side) / (double)side;
}

static FILE *open_in(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        fprintf(stderr, "cannot write %s\n", path);
    return f;
}

static int generate_scale(const char *dir, long nacc, long nreps, uint64_t seed)
{
    long side = 1;
    while (side * side < nreps)
        side++;
    FILE *units = open_in(dir, "units.csv"), *reps = open_in(dir, "reps.csv"),
         *terr = open_in(dir, "territories.csv"), *align = open_in(dir, "alignment.csv"),
         *users = open_in(dir, "users.csv"), *members = open_in(dir, "memberships.csv");
    if (!units || !reps || !terr || !align || !users || !members)
        return -1;
    /* The accounts measure is what the accounts below give each unit, so that
     * the alignment can be saved without placing 10 million accounts first. */
    fputs("id,lat,lon,accounts\n", units);
    fputs("user,name\n", users);
    fputs("user,territory,role\n", members);
    fputs("id,name,lat,lon,capacity\n", reps);
    fputs("name,rep\n", terr);
    fputs("unit_id,territory\n", align);
    for (long u = 0; u < nreps; u++) {
        double lat, lon;
        unit_centre(u, side, &lat, &lon);
        fprintf(units, "U%06ld,%.5f,%.5f,%ld\n", u, lat, lon,
                nacc / nreps + (u < nacc % nreps ? 1 : 0));
        fprintf(users, "rep%06ld,Rep %ld\n", u, u);
        fprintf(members, "rep%06ld,T%06ld,rep\n", u, u);
        fprintf(reps, "R%06ld,Rep %ld,%.5f,%.5f,1600\n", u, u, lat, lon);
        fprintf(terr, "T%06ld,R%06ld\n", u, u);
        fprintf(align, "U%06ld,T%06ld\n", u, u);
    }
    if (fclose(units) || fclose(reps) || fclose(terr) || fclose(align) || fclose(users) ||
        fclose(members))
        return -1;
    FILE *acc = open_in(dir, "accounts.csv");
    if (!acc)
        return -1;
    regio_rng r;
    regio_rng_seed(&r, seed);
    fprintf(acc, "%s,unit_id\n", account_header);
    for (long i = 1; i <= nacc; i++) {
        long u = (i - 1) % nreps;
        char unit[32];
        double lat, lon;
        snprintf(unit, sizeof unit, "U%06ld", u);
        unit_centre(u, side, &lat, &lon);
        account_row(acc, &r, i, unit, lat, lon);
    }
    return fclose(acc);
}

int main(int argc, char **argv)
{
    if (argc == 6 && strcmp(argv[1], "--scale") == 0) {
        double t0 = now_s();
        if (generate_scale(argv[2], strtol(argv[3], NULL, 10), strtol(argv[4], NULL, 10),
                           strtoull(argv[5], NULL, 10)) != 0)
            return 1;
        fprintf(stderr, "generated the scale organisation in %.1f s\n", now_s() - t0);
        return 0;
    }
    if (argc != 4) {
        fprintf(stderr, "usage: %s REGIO_BIN N WORKDIR\n", argv[0]);
        return 2;
    }
    const char *bin = argv[1];
    long n = strtol(argv[2], NULL, 10);
    char csv[4096], db[4096];
    snprintf(csv, sizeof csv, "%s/accounts_%ld.csv", argv[3], n);
    snprintf(db, sizeof db, "%s/import_bench.db", argv[3]);
    struct stat st;
    if (stat(csv, &st) != 0) {
        double t0 = now_s();
        if (generate(csv, n) != 0) {
            fprintf(stderr, "cannot write %s\n", csv);
            return 1;
        }
        fprintf(stderr, "generated %ld accounts in %.1f s\n", n, now_s() - t0);
        stat(csv, &st);
    }
    char wal[4200], shm[4200];
    snprintf(wal, sizeof wal, "%s-wal", db);
    snprintf(shm, sizeof shm, "%s-shm", db);
    remove(db);
    remove(wal);
    remove(shm);
    double t0 = now_s();
    pid_t pid = fork();
    if (pid == 0) {
        execl(bin, bin, "import", "accounts", csv, "--db", db, "--quiet", (char *)NULL);
        _exit(127);
    }
    int status = 0;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) < 0) {
        perror("wait4");
        return 1;
    }
    double secs = now_s() - t0;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "import failed with status %d\n", status);
        return 1;
    }
    printf("| import accounts (CSV, %.0f MB) | %ld | %.2f | %.0f | %.0f |\n",
           st.st_size / 1048576.0, n, secs, ru.ru_maxrss / 1024.0, n / secs);
    remove(db);
    remove(wal);
    remove(shm);
    return 0;
}
