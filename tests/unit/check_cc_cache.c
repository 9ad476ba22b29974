/* check_cc_cache.c - the cache of --jit cc objects: an entry is found only
 * for its own key, whole, in a directory and file of this user's that
 * nobody else may write to; the directory comes from the environment. */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cc_cache.h"
#include "testdir.h"

/* An "object": any bytes will do, the cache does not look inside. */
static const char object[] = "\x7f" "ELF pretend object bytes\n";

static void write_file(const char *path, const char *s, size_t n)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(s, 1, n, f), n);
    ck_assert_int_eq(fclose(f), 0);
}

/* The bytes of fd from its start, which must be `object` followed by
   more (the key and its trailer). */
static void expect_object(int fd)
{
    char buf[sizeof object];
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(pread(fd, buf, sizeof object - 1, 0), (ssize_t)(sizeof object - 1));
    ck_assert(memcmp(buf, object, sizeof object - 1) == 0);
    close(fd);
}

/* Stores `object` under key in the cache directory td_dir/cache. */
static void store(const char *key)
{
    char src[512];
    td_path(src, sizeof src, "object.so");
    write_file(src, object, sizeof object - 1);
    cc_cache_store(key, strlen(key), src);
    unlink(src);
}

/* The one entry of the cache directory, in p. */
static void entry(char *p, size_t n)
{
    char dir[512], name[256];
    td_path(dir, sizeof dir, "cache");
    ck_assert_int_eq(td_count_in(dir, name, sizeof name), 1);
    snprintf(p, n, "%s/%s", dir, name);
}

static void setup(void)
{
    char cache[512];
    td_make("cc_cache");
    td_path(cache, sizeof cache, "cache");
    setenv("ODESOLVE_CACHE_DIR", cache, 1);
}

/* Removes td_dir/SUB if it is there. */
static void remove_sub(const char *sub)
{
    char p[512];
    td_path(p, sizeof p, sub);
    if (access(p, F_OK) == 0) {
        chmod(p, 0700);
        td_remove_in(p);
    }
}

static void teardown(void)
{
    remove_sub("cache");
    remove_sub("home/.cache/odesolve");
    remove_sub("home/.cache");
    remove_sub("home");
    remove_sub("xdg/odesolve");
    remove_sub("xdg");
    td_remove();
    unsetenv("ODESOLVE_CACHE_DIR");
}

START_TEST(cc_cache_finds_only_its_own_key)
{
    ck_assert_int_eq(cc_cache_find("model A", 7), -1);
    store("model A");
    expect_object(cc_cache_find("model A", 7));
    /* Another key, a prefix, an extension: nothing. */
    ck_assert_int_eq(cc_cache_find("model B", 7), -1);
    ck_assert_int_eq(cc_cache_find("model ", 6), -1);
    ck_assert_int_eq(cc_cache_find("model AB", 8), -1);
    /* The directory is private, the entry too. */
    char cache[512], p[600];
    struct stat st;
    td_path(cache, sizeof cache, "cache");
    ck_assert_int_eq(stat(cache, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0700);
    entry(p, sizeof p);
    ck_assert_int_eq(stat(p, &st), 0);
    ck_assert_int_eq(st.st_mode & 077, 0);
    /* Storing again replaces the entry, it does not add one. */
    store("model A");
    entry(p, sizeof p);
    expect_object(cc_cache_find("model A", 7));
}
END_TEST

/* The key is compared byte for byte, all of it: a change anywhere in the
   stored key, or a damaged trailer, and the entry is not used. */
START_TEST(cc_cache_ignores_a_damaged_entry)
{
    static const char key[] = "cc -O2\nint cg_rhs(void) { return 0; }\n";
    const size_t offsets[] = { sizeof object - 1, sizeof object + 10,
                               sizeof object - 1 + sizeof key - 2,
                               sizeof object - 1 + sizeof key - 1,
                               sizeof object - 1 + sizeof key - 1 + 15 };
    for (size_t i = 0; i < sizeof offsets / sizeof offsets[0]; i++) {
        char p[1024];
        store(key);
        expect_object(cc_cache_find(key, sizeof key - 1));
        entry(p, sizeof p);
        int fd = open(p, O_RDWR);
        char c;
        ck_assert_int_eq(pread(fd, &c, 1, (off_t)offsets[i]), 1);
        c ^= 0x20;
        ck_assert_int_eq(pwrite(fd, &c, 1, (off_t)offsets[i]), 1);
        close(fd);
        ck_assert_msg(cc_cache_find(key, sizeof key - 1) == -1, "byte %zu changed, found",
                      offsets[i]);
    }
    /* Cut short. */
    char p[1024];
    store(key);
    entry(p, sizeof p);
    ck_assert_int_eq(truncate(p, 10), 0);
    ck_assert_int_eq(cc_cache_find(key, sizeof key - 1), -1);
}
END_TEST

/* Code from a place others may write to is not loaded. */
START_TEST(cc_cache_trusts_only_private_places)
{
    char cache[512], p[600];
    td_path(cache, sizeof cache, "cache");
    store("k");
    entry(p, sizeof p);
    ck_assert_int_eq(chmod(p, 0666), 0);
    ck_assert_int_eq(cc_cache_find("k", 1), -1);
    ck_assert_int_eq(chmod(p, 0600), 0);
    expect_object(cc_cache_find("k", 1));
    ck_assert_int_eq(chmod(cache, 0770), 0);
    ck_assert_int_eq(cc_cache_find("k", 1), -1);
    /* Nor is anything stored there. */
    store("other");
    ck_assert_int_eq(chmod(cache, 0700), 0);
    ck_assert_int_eq(cc_cache_find("other", 5), -1);
    entry(p, sizeof p);
    /* A symbolic link in place of the entry is not followed. */
    char target[1024];
    td_path(target, sizeof target, "elsewhere");
    ck_assert_int_eq(rename(p, target), 0);
    ck_assert_int_eq(symlink(target, p), 0);
    ck_assert_int_eq(cc_cache_find("k", 1), -1);
    unlink(target);
}
END_TEST

/* ODESOLVE_CACHE_DIR, else $XDG_CACHE_HOME/odesolve, else
   $HOME/.cache/odesolve; ODESOLVE_CACHE_DIR="" turns it off. */
START_TEST(cc_cache_directory_comes_from_the_environment)
{
    char *home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
    char *xdg = getenv("XDG_CACHE_HOME") ? strdup(getenv("XDG_CACHE_HOME")) : NULL;
    char h[512], x[512], p[600];
    struct stat st;
    td_path(h, sizeof h, "home");
    td_path(x, sizeof x, "xdg");
    ck_assert_int_eq(mkdir(h, 0755), 0);
    setenv("HOME", h, 1);
    unsetenv("XDG_CACHE_HOME");

    setenv("ODESOLVE_CACHE_DIR", "", 1);
    store("off");
    ck_assert_int_eq(cc_cache_find("off", 3), -1);
    snprintf(p, sizeof p, "%s/.cache", h);
    ck_assert_int_ne(stat(p, &st), 0);

    unsetenv("ODESOLVE_CACHE_DIR");
    store("home");
    expect_object(cc_cache_find("home", 4));
    snprintf(p, sizeof p, "%s/.cache/odesolve", h);
    ck_assert_int_eq(stat(p, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0700);
    ck_assert_int_eq(td_count_in(p, NULL, 0), 1);

    setenv("XDG_CACHE_HOME", x, 1);
    store("xdg");
    expect_object(cc_cache_find("xdg", 3));
    snprintf(p, sizeof p, "%s/odesolve", x);
    ck_assert_int_eq(td_count_in(p, NULL, 0), 1);

    /* A relative XDG_CACHE_HOME is ignored, as the specification says. */
    setenv("XDG_CACHE_HOME", "relative", 1);
    ck_assert_int_eq(cc_cache_find("xdg", 3), -1);

    if (home)
        setenv("HOME", home, 1);
    if (xdg)
        setenv("XDG_CACHE_HOME", xdg, 1);
    else
        unsetenv("XDG_CACHE_HOME");
    free(home);
    free(xdg);
}
END_TEST

static Suite *cc_cache_suite(void)
{
    Suite *s = suite_create("cc_cache");
    TCase *tc = tcase_create("cache");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, cc_cache_finds_only_its_own_key);
    tcase_add_test(tc, cc_cache_ignores_a_damaged_entry);
    tcase_add_test(tc, cc_cache_trusts_only_private_places);
    tcase_add_test(tc, cc_cache_directory_comes_from_the_environment);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(cc_cache_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
