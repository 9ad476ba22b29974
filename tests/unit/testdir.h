/* testdir.h - a scratch directory for tests that write files (header-only,
 * one directory per test binary at a time). */
#ifndef ODESOLVE_TESTDIR_H
#define ODESOLVE_TESTDIR_H

#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char td_dir[256];

/* Makes $TMPDIR/NAME.XXXXXX (or under /tmp) and remembers it in td_dir. */
static inline void td_make(const char *name)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(td_dir, sizeof td_dir, "%s/%s.XXXXXX", tmp && *tmp ? tmp : "/tmp", name);
    ck_assert_ptr_nonnull(mkdtemp(td_dir));
}

/* Entries in dir; the first one's name goes to first (when not NULL). */
static inline int td_count_in(const char *dir, char *first, size_t len)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    ck_assert_ptr_nonnull(d);
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (n++ == 0 && first)
            snprintf(first, len, "%s", e->d_name);
    }
    closedir(d);
    return n;
}

static inline int td_count(char *first, size_t len)
{
    return td_count_in(td_dir, first, len);
}

/* Removes dir and the files in it. */
static inline void td_remove_in(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char p[1024];

    ck_assert_ptr_nonnull(d);
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

/* Removes td_dir and what the test left in it. */
static inline void td_remove(void)
{
    td_remove_in(td_dir);
}

/* td_dir/NAME into p[0 .. n-1]. */
static inline void td_path(char *p, size_t n, const char *name)
{
    snprintf(p, n, "%s/%s", td_dir, name);
}

#endif
