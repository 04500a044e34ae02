/*
 * Import benchmark: generates N accounts as CSV (deterministic, seeded),
 * then runs `regio import accounts` on them as a child process and reports
 * wall time and peak resident memory of that process (wait4's ru_maxrss).
 * Usage: bench_import REGIO_BIN N WORKDIR
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

static int generate(const char *path, long n)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    regio_rng r;
    regio_rng_seed(&r, 2026);
    fputs("id,name,street,city,state,postal_code,country,lat,lon,industry,annual_revenue,"
          "employees,potential,segment,source,visits_per_year\n",
          f);
    for (long i = 1; i <= n; i++) {
        int c = (int)regio_rng_below(&r, 8);
        double lat0, lon0;
        sscanf(cities[c][3], "%lf,%lf", &lat0, &lon0);
        double rev = 50000.0 + regio_rng_double(&r) * 5e7;
        int with_coords = regio_rng_below(&r, 10) != 0; /* 10% need geocoding */
        fprintf(f, "ACC-%07ld,\"Company %ld, Inc.\",%ld Main St,%s,%s,%s,US,", i, i,
                (long)regio_rng_below(&r, 9999) + 1, cities[c][0], cities[c][1], cities[c][2]);
        if (with_coords)
            fprintf(f, "%.5f,%.5f,", lat0 + (regio_rng_double(&r) - 0.5) * 0.4,
                    lon0 + (regio_rng_double(&r) - 0.5) * 0.4);
        else
            fputs(",,", f);
        fprintf(f, "%s,%.0f,%ld,%.0f,%c,crm,%ld\n", industries[regio_rng_below(&r, 8)], rev,
                (long)(rev / 150000.0) + 1, rev * 0.02, "ABC"[regio_rng_below(&r, 3)],
                (long)regio_rng_below(&r, 24));
    }
    return fclose(f);
}

int main(int argc, char **argv)
{
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
