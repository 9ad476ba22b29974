/* cc_cache.c - the objects built by `--jit cc`, kept between runs. */
#include "cc_cache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Large enough for any object the compiler writes for a model of 10^6
   equations; a bigger file is not ours. */
#define CACHE_MAX_FILE ((off_t)1 << 32)

/* The cache directory, malloc'd, or NULL when there is none. */
static char *cache_dir(void)
{
    const char *dir = getenv("ODESOLVE_CACHE_DIR");
    const char *base = NULL, *sub = NULL;
    if (dir)
        return *dir ? strdup(dir) : NULL;
    if ((base = getenv("XDG_CACHE_HOME")) != NULL && base[0] == '/')
        sub = "odesolve";
    else if ((base = getenv("HOME")) != NULL && base[0] == '/')
        sub = ".cache/odesolve";
    else
        return NULL;
    size_t n = strlen(base) + strlen(sub) + 2;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s/%s", base, sub);
    return s;
}

/* st is this user's and nobody else may write to it. */
static bool owned_and_private(const struct stat *st)
{
    return st->st_uid == geteuid() && (st->st_mode & (S_IWGRP | S_IWOTH)) == 0;
}

static bool dir_trusted(const char *dir)
{
    struct stat st;
    return lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) && owned_and_private(&st);
}

/* Makes dir and its missing parents, each mode 0700. */
static void make_dirs(char *dir)
{
    for (char *p = dir + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        mkdir(dir, 0700);
        *p = '/';
    }
    mkdir(dir, 0700);
}

/* dir/<64-bit FNV-1a of the key, hex><suffix>, malloc'd. */
static char *entry_path(const char *dir, const char *key, size_t len, const char *suffix)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)key[i];
        h *= 0x100000001b3u;
    }
    size_t n = strlen(dir) + 16 + strlen(suffix) + 2;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s/%016llx%s", dir, (unsigned long long)h, suffix);
    return s;
}

/* A descriptor of the regular file at path if it is trusted, else -1;
   its size in *size. */
static int open_trusted(const char *path, off_t *size)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (fd < 0)
        return -1;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || !owned_and_private(&st) ||
        st.st_size > CACHE_MAX_FILE) {
        close(fd);
        return -1;
    }
    *size = st.st_size;
    return fd;
}

/* An entry is one file: the object, then the key, then a trailer of the
   key's length (8 bytes, little-endian) and TRAILER_MAGIC.  One file, so
   that the key checked and the code loaded cannot come from two different
   writes; the dynamic loader maps the object's segments and never looks
   past them. */
#define TRAILER_MAGIC "odskey01"
enum { TRAILER_LEN = 16 };

static bool read_at(int fd, void *buf, size_t n, off_t at)
{
    char *b = buf;
    while (n > 0) {
        ssize_t got = pread(fd, b, n, at);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return false;
        b += got;
        n -= (size_t)got;
        at += got;
    }
    return true;
}

/* The file fd (size bytes) ends with key[0..len) and its trailer. */
static bool holds_key(int fd, off_t size, const char *key, size_t len)
{
    unsigned char tr[TRAILER_LEN];
    uint64_t klen = 0;
    if (size < TRAILER_LEN || !read_at(fd, tr, TRAILER_LEN, size - TRAILER_LEN) ||
        memcmp(tr + 8, TRAILER_MAGIC, 8) != 0)
        return false;
    for (int i = 7; i >= 0; i--)
        klen = klen << 8 | tr[i];
    if (klen != (uint64_t)len || klen > (uint64_t)(size - TRAILER_LEN))
        return false;
    off_t at = size - TRAILER_LEN - (off_t)len;
    char buf[65536];
    for (size_t done = 0; done < len;) {
        size_t want = len - done < sizeof buf ? len - done : sizeof buf;
        if (!read_at(fd, buf, want, at + (off_t)done) || memcmp(buf, key + done, want) != 0)
            return false;
        done += want;
    }
    return true;
}

int cc_cache_find(const char *key, size_t len)
{
    char *dir = cache_dir(), *path = NULL;
    int fd = -1;
    off_t size;

    if (dir && dir_trusted(dir) && (path = entry_path(dir, key, len, ".so")) != NULL) {
        fd = open_trusted(path, &size);
        if (fd >= 0 && !holds_key(fd, size, key, len)) {
            close(fd);
            fd = -1;
        }
    }
    free(path);
    free(dir);
    return fd;
}

static bool write_all(int fd, const void *buf, size_t n)
{
    const char *s = buf;
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        s += w;
        n -= (size_t)w;
    }
    return true;
}

/* The entry for the key into fd: the object src, the key, the trailer. */
static bool write_entry(int fd, int src, const char *key, size_t len)
{
    char buf[65536];
    ssize_t got;
    while ((got = read(src, buf, sizeof buf)) != 0) {
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0 || !write_all(fd, buf, (size_t)got))
            return false;
    }
    unsigned char tr[TRAILER_LEN];
    uint64_t klen = len;
    for (int i = 0; i < 8; i++, klen >>= 8)
        tr[i] = (unsigned char)(klen & 0xFF);
    memcpy(tr + 8, TRAILER_MAGIC, 8);
    return write_all(fd, key, len) && write_all(fd, tr, TRAILER_LEN);
}

void cc_cache_store(const char *key, size_t len, const char *obj_path)
{
    char *dir = cache_dir(), *path = NULL, *tmp = NULL;
    int src = -1, fd = -1;
    bool ok = false;

    if (!dir)
        return;
    make_dirs(dir);
    if (!dir_trusted(dir) || (path = entry_path(dir, key, len, ".so")) == NULL)
        goto done;
    size_t n = strlen(path) + 8;
    if ((tmp = malloc(n)) == NULL)
        goto done;
    /* Written aside and renamed, so that nobody sees half an entry. */
    snprintf(tmp, n, "%s.XXXXXX", path);
    if ((src = open(obj_path, O_RDONLY | O_CLOEXEC)) < 0 || (fd = mkstemp(tmp)) < 0)
        goto done;
    ok = write_entry(fd, src, key, len);
    if (close(fd) != 0)
        ok = false;
    fd = -1;
    if (ok)
        ok = rename(tmp, path) == 0;
    if (!ok)
        unlink(tmp);
done:
    if (src >= 0)
        close(src);
    free(tmp);
    free(path);
    free(dir);
}
