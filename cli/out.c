/* out.c - CSV/TSV trajectory writer with its own buffer and write(2), and
 * the front of the HDF5 writer (cli/out_hdf5.c).
 *
 * stdio would format through printf and copy through a FILE buffer; a row
 * is instead formatted straight into one large buffer by fmt_double() and
 * the buffer goes out with write(2) when full.  Files are written under a
 * temporary name and renamed at the end (see out.h).  For HDF5 this file
 * keeps the temporary name, the rename and the error state, and hands the
 * rows to the back end. */
#include "out.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "fmt.h"
#include "problem.h"
#if WITH_HDF5
#include "out_hdf5.h"
#endif

/* 256 KiB: large enough that write(2) costs little per row, small enough
   to stay in L2 while rows are formatted into it. */
#define OUT_BUF_SIZE (256 * 1024)

/* Room kept free for one number and its separator, so the row loop checks
   the space once per value and never splits a number. */
#define OUT_SLACK (FMT_DOUBLE_MAX + 2)   /* a value, a blank and a newline */

#define OUT_NO_HEADER SIZE_MAX

struct out {
    int fd;
    bool own_fd;              /* false for standard output */
    char sep;
    bool xpp;                 /* XPPAUT's layout (out_set_xpp) */
    bool xpp_t;               /* ... with t as the first column */
    bool no_header;           /* out_set_no_header() */
    bool failed;              /* a write failed: later calls do nothing */
    bool broken_pipe;         /* ... with EPIPE */
    volatile sig_atomic_t aborted;   /* out_abort_signal_safe() ran */
    long rows;
    size_t ncols;             /* values per row after t, or OUT_NO_HEADER */
    char *name;               /* PATH, or "standard output": for messages */
    char *dest;               /* where the temporary is renamed: PATH, or
                                 the end of its chain of symbolic links */
    char *tmp;                /* temporary file name, NULL when in place */
#if WITH_HDF5
    out_hdf5 *h5;             /* the HDF5 back end, or NULL for text */
#endif
    char errmsg[320];
    size_t len;               /* bytes used in buf */
    char buf[];               /* OUT_BUF_SIZE bytes; none for HDF5 */
};

static void set_err(char *err, size_t errlen, const char *msg)
{
    if (errlen > 0)
        snprintf(err, errlen, "%s", msg);
}

/* Records the first failure, told by `text`. */
static void out_fail_text(out *o, const char *text)
{
    if (o->failed)
        return;
    o->failed = true;
    snprintf(o->errmsg, sizeof o->errmsg, "%s: %s", o->name, text);
}

/* Records the first failure; `errnum` is the errno of the failed call. */
static void out_fail(out *o, const char *what, int errnum)
{
    if (o->failed)
        return;
    o->failed = true;
    o->broken_pipe = errnum == EPIPE;
    snprintf(o->errmsg, sizeof o->errmsg, "%s: %s%s", o->name, what,
             strerror(errnum));
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

enum out_format out_format_of(const char *path)
{
    if (!path)
        return OUT_CSV;
    if (ends_with(path, ".tsv"))
        return OUT_TSV;
    if (ends_with(path, ".h5") || ends_with(path, ".hdf5"))
        return OUT_HDF5;
    return OUT_CSV;
}


bool out_format_parse(const char *name, enum out_format *fmt)
{
    if (strcasecmp(name, "csv") == 0)
        *fmt = OUT_CSV;
    else if (strcasecmp(name, "tsv") == 0)
        *fmt = OUT_TSV;
    else if (strcasecmp(name, "h5") == 0 || strcasecmp(name, "hdf5") == 0)
        *fmt = OUT_HDF5;
    else
        return false;
    return true;
}

/* Links followed at most, as the kernel's own limit (ELOOP beyond). */
#define OUT_MAX_LINKS 40

/* The text of the symbolic link path (st: its lstat), malloc'ed, or NULL
   with errno set. */
static char *read_link(const char *path, const struct stat *st)
{
    size_t cap = st->st_size > 0 ? (size_t)st->st_size + 1 : 256;
    for (;;) {
        char *buf = malloc(cap);
        if (!buf)
            return NULL;
        ssize_t n = readlink(path, buf, cap);
        if (n < 0) {
            int e = errno;
            free(buf);
            errno = e;
            return NULL;
        }
        if ((size_t)n < cap) {
            buf[n] = '\0';
            return buf;
        }
        free(buf);
        cap *= 2;
    }
}

/* Where writing path lands: path itself when it is not a symbolic link,
   else the end of its chain of links (each target read relative to its
   link's directory), which may not exist yet.  Renaming onto the link
   would replace the link and leave its target as it was.  A link in
   /proc (reached from /dev/stdout or /dev/fd/N) names an open descriptor,
   not a place in a directory: *dest is then NULL and the output is opened
   through the link.  Returns 0 or an errno value. */
static int resolve_links(const char *path, char **dest)
{
    struct stat proc;
    bool have_proc = stat("/proc", &proc) == 0;
    char *cur = strdup(path);
    *dest = NULL;
    for (int hops = 0; cur; hops++) {
        struct stat st;
        if (lstat(cur, &st) != 0 || !S_ISLNK(st.st_mode)) {
            /* Not there (yet) or not a link: errors show up at open. */
            *dest = cur;
            return 0;
        }
        if (have_proc && st.st_dev == proc.st_dev) {
            free(cur);
            return 0;
        }
        if (hops == OUT_MAX_LINKS) {
            free(cur);
            return ELOOP;
        }
        char *target = read_link(cur, &st);
        if (!target) {
            int e = errno;
            free(cur);
            return e;
        }
        const char *slash = strrchr(cur, '/');
        if (target[0] == '/' || !slash) {
            free(cur);
            cur = target;
        } else {
            size_t nd = (size_t)(slash - cur) + 1, nt = strlen(target);
            char *next = malloc(nd + nt + 1);
            if (next) {
                memcpy(next, cur, nd);
                memcpy(next + nd, target, nt + 1);
            }
            free(target);
            free(cur);
            cur = next;
        }
    }
    return ENOMEM;
}

/* Connects to the Unix-domain socket at path (a stream socket, as `nc -lU`
   makes one).  Returns the descriptor, or -1 with errno set. */
static int open_socket(const char *path)
{
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof sa.sun_path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(sa.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    if (fcntl(fd, F_SETFD, FD_CLOEXEC) != 0 ||
        connect(fd, (const struct sockaddr *)&sa, sizeof sa) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

bool out_format_known(const char *path, enum out_format *fmt)
{
    struct stat st;
    char *dest;
    *fmt = out_format_of(path);
    if (!path || strcmp(path, "-") == 0 || ends_with(path, ".csv") || *fmt != OUT_CSV)
        return true;
    /* What is not a regular file to be made is left to out_open(): it
       writes into a device or descriptor, and says why it cannot write a
       directory or a loop of links. */
    if (resolve_links(path, &dest) != 0 || !dest)
        return true;
    bool known = stat(dest, &st) != 0 ? errno != ENOENT : !S_ISREG(st.st_mode);
    free(dest);
    return known;
}

/* Creates the temporary file next to path with the permissions a new file
   (or the file it replaces) would have, since mkstemp() makes it 0600. */
static int open_temporary(out *o, const char *path, const struct stat *old)
{
    mode_t mode;
    size_t n = strlen(path);

    o->tmp = malloc(n + sizeof ".tmp.XXXXXX");
    if (!o->tmp)
        return ODE_ENOMEM;
    memcpy(o->tmp, path, n);
    memcpy(o->tmp + n, ".tmp.XXXXXX", sizeof ".tmp.XXXXXX");
    o->fd = mkstemp(o->tmp);
    if (o->fd < 0) {
        int e = errno;
        free(o->tmp);
        o->tmp = NULL;
        out_fail(o, "", e);
        return ODE_EOUTPUT;
    }
    o->own_fd = true;
    if (old) {
        mode = old->st_mode & 07777;
    } else {
        mode_t mask = umask(0);
        umask(mask);
        mode = 0666 & ~mask;
    }
    if (fchmod(o->fd, mode) != 0 || fcntl(o->fd, F_SETFD, FD_CLOEXEC) != 0) {
        out_fail(o, "", errno);
        return ODE_EOUTPUT;
    }
    return 0;
}

int out_open(const char *path, out **res, char *err, size_t errlen)
{
    return out_open_as(path, out_format_of(path), res, err, errlen);
}

int out_open_as(const char *path, enum out_format fmt, out **res, char *err,
                size_t errlen)
{
    bool to_stdout = !path || strcmp(path, "-") == 0;
    const char *name = to_stdout ? "standard output" : path;
    struct stat st;
    bool exists;
    int rc;
    out *o;

    *res = NULL;
    if (path && !*path) {
        set_err(err, errlen, "empty output file name");
        return ODE_EINVAL;
    }
#if !WITH_HDF5
    if (fmt == OUT_HDF5) {
        if (errlen > 0)
            snprintf(err, errlen, "%s: HDF5 output needs a build with HDF5",
                     name);
        return ODE_EINVAL;
    }
#endif
    o = malloc(sizeof *o + (fmt == OUT_HDF5 ? 0 : OUT_BUF_SIZE));
    if (!o) {
        set_err(err, errlen, "out of memory");
        return ODE_ENOMEM;
    }
    memset(o, 0, sizeof *o);
    o->fd = -1;
    o->sep = fmt == OUT_TSV ? '\t' : ',';
    o->ncols = OUT_NO_HEADER;
    o->name = strdup(name);
    if (!o->name) {
        rc = ODE_ENOMEM;
        goto fail;
    }
    if (!to_stdout && (rc = resolve_links(path, &o->dest)) != 0) {
        out_fail(o, "", rc);
        rc = rc == ENOMEM ? ODE_ENOMEM : ODE_EOUTPUT;
        goto fail;
    }
    exists = !to_stdout && stat(o->dest ? o->dest : path, &st) == 0;
    if (fmt == OUT_HDF5 && (to_stdout || !o->dest || (exists && !S_ISREG(st.st_mode)))) {
        /* HDF5 seeks back to write its metadata: no FIFO or device. */
        out_fail_text(o, "HDF5 output needs a regular file");
        rc = ODE_EOUTPUT;
        goto fail;
    } else if (to_stdout) {
        o->fd = STDOUT_FILENO;
    } else if (exists && S_ISBLK(st.st_mode)) {
        /* Writing would overwrite a disk, renaming would replace the node. */
        out_fail_text(o, "a block device: not written");
        rc = ODE_EOUTPUT;
        goto fail;
    } else if ((exists && !S_ISREG(st.st_mode)) || !o->dest) {
        /* A character device, FIFO, socket or open descriptor (/dev/stdout,
           /dev/fd/N): renaming onto it would replace the special file
           itself, so write into it, after what a descriptor's file already
           holds (`>>`). */
        if (exists && S_ISSOCK(st.st_mode))
            o->fd = open_socket(o->dest ? o->dest : path);
        else
            o->fd = open(o->dest ? o->dest : path,
                         O_WRONLY | O_CLOEXEC | (o->dest ? 0 : O_APPEND));
        if (o->fd < 0) {
            out_fail(o, "", errno);
            rc = ODE_EOUTPUT;
            goto fail;
        }
        o->own_fd = true;
    } else {
        rc = open_temporary(o, o->dest, exists ? &st : NULL);
        if (rc)
            goto fail;
    }
#if WITH_HDF5
    if (fmt == OUT_HDF5) {
        /* The library opens the file by name; the descriptor only made
           the name ours and gave the file its mode. */
        char msg[256];
        close(o->fd);
        o->fd = -1;
        o->own_fd = false;
        rc = out_hdf5_open(o->tmp, &o->h5, msg, sizeof msg);
        if (rc) {
            out_fail_text(o, msg);
            goto fail;
        }
    }
#endif
    *res = o;
    return 0;
fail:
    if (rc == ODE_ENOMEM)
        set_err(err, errlen, "out of memory");
    else
        set_err(err, errlen, o->errmsg);
    if (o->tmp)
        unlink(o->tmp);
    if (o->own_fd)
        close(o->fd);
    free(o->tmp);
    free(o->dest);
    free(o->name);
    free(o);
    return rc;
}

#if WITH_HDF5
/* Turns a failure of the HDF5 back end into the writer's error: ODE_EINVAL
   (a caller's mistake) leaves the writer usable, anything else fails it. */
static int h5_result(out *o, int rc)
{
    if (rc && rc != ODE_EINVAL)
        out_fail_text(o, out_hdf5_error(o->h5));
    return rc == ODE_EINVAL ? rc : rc ? ODE_EOUTPUT : 0;
}
#endif

int out_flush(out *o)
{
    size_t off = 0;

    if (o->failed)
        return ODE_EOUTPUT;
#if WITH_HDF5
    if (o->h5)
        return h5_result(o, out_hdf5_flush(o->h5));
#endif
    while (off < o->len) {
        ssize_t w = write(o->fd, o->buf + off, o->len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            out_fail(o, "", errno);
            return ODE_EOUTPUT;
        }
        if (w == 0) {
            /* POSIX allows it only for a zero count; do not spin on it. */
            out_fail(o, "write made no progress: ", EIO);
            return ODE_EOUTPUT;
        }
        off += (size_t)w;
    }
    o->len = 0;
    return 0;
}

/* Appends n bytes, flushing as often as needed. */
static int put_bytes(out *o, const char *s, size_t n)
{
    while (n > 0) {
        if (o->len == OUT_BUF_SIZE && out_flush(o))
            return ODE_EOUTPUT;
        size_t k = OUT_BUF_SIZE - o->len;
        if (k > n)
            k = n;
        memcpy(o->buf + o->len, s, k);
        o->len += k;
        s += k;
        n -= k;
    }
    return 0;
}

/* A header field, quoted per RFC 4180 (section 2, rules 6 and 7) when it
   holds the separator, a double quote or a line break. */
static int put_name(out *o, const char *name)
{
    const char special[] = { o->sep, '"', '\n', '\r', '\0' };

    if (!name[strcspn(name, special)])
        return put_bytes(o, name, strlen(name));
    if (put_bytes(o, "\"", 1))
        return ODE_EOUTPUT;
    for (const char *s = name; *s; s++) {
        if (*s == '"' && put_bytes(o, "\"", 1))
            return ODE_EOUTPUT;
        if (put_bytes(o, s, 1))
            return ODE_EOUTPUT;
    }
    return put_bytes(o, "\"", 1);
}

int out_set_xpp(out *o, bool with_t)
{
#if WITH_HDF5
    if (o->h5)
        return ODE_EINVAL;
#endif
    if (o->ncols != OUT_NO_HEADER)
        return ODE_EINVAL;
    o->xpp = true;
    o->xpp_t = with_t;
    o->sep = ' ';
    return 0;
}

void out_set_no_header(out *o)
{
    o->no_header = true;
}

int out_header(out *o, const char *const *names, size_t n)
{
    return out_header_aux(o, names, n, 0);
}

int out_header_aux(out *o, const char *const *names, size_t n_states,
                   size_t n_aux)
{
    size_t n = n_states + n_aux;

    if (o->failed)
        return ODE_EOUTPUT;
    if (o->ncols != OUT_NO_HEADER)
        return ODE_EINVAL;
#if WITH_HDF5
    if (o->h5) {
        int rc = h5_result(o, out_hdf5_header(o->h5, names, n_states, n_aux));
        if (rc == 0)
            o->ncols = n;
        return rc;
    }
#endif
    if (o->xpp || o->no_header) {
        o->ncols = n;
        return 0;
    }
    if (put_bytes(o, "t", 1))
        return ODE_EOUTPUT;
    for (size_t i = 0; i < n; i++)
        if (put_bytes(o, &o->sep, 1) || put_name(o, names[i]))
            return ODE_EOUTPUT;
    if (put_bytes(o, "\n", 1))
        return ODE_EOUTPUT;
    o->ncols = n;
    return 0;
}

int out_row(out *o, double t, const double *vals, size_t n)
{
    char *p, *limit;

    if (o->failed)
        return ODE_EOUTPUT;
    if (o->ncols != OUT_NO_HEADER && n != o->ncols)
        return ODE_EINVAL;
#if WITH_HDF5
    if (o->h5) {
        int rc = h5_result(o, out_hdf5_row(o->h5, t, vals, n));
        if (rc == 0)
            o->rows++;
        return rc;
    }
#endif
    p = o->buf + o->len;
    limit = o->buf + OUT_BUF_SIZE - OUT_SLACK;
    for (size_t i = o->xpp && !o->xpp_t; i <= n; i++) {
        if (p > limit) {
            o->len = (size_t)(p - o->buf);
            if (out_flush(o))
                return ODE_EOUTPUT;
            p = o->buf;
        }
        p += fmt_double(p, i == 0 ? t : vals[i - 1]);
        /* XPPAUT ends each value with a blank, the last one too. */
        if (o->xpp)
            *p++ = ' ';
        if (!o->xpp || i == n)
            *p++ = i < n ? o->sep : '\n';
    }
    o->len = (size_t)(p - o->buf);
    o->rows++;
    return 0;
}

int out_text(out *o, const char *s, size_t n)
{
    if (o->failed)
        return ODE_EOUTPUT;
#if WITH_HDF5
    if (o->h5)
        return ODE_EINVAL;
#endif
    return put_bytes(o, s, n);
}

int out_ens_header(out *o, size_t members, size_t rows_hint, const char *const *names,
                   size_t n_states, size_t n_aux, const char *const *lead, size_t n_lead)
{
    if (o->failed)
        return ODE_EOUTPUT;
#if WITH_HDF5
    if (o->h5) {
        int rc = h5_result(o, out_hdf5_ens_header(o->h5, members, rows_hint, names, n_states,
                                                  n_aux, lead, n_lead));
        if (rc == 0)
            o->ncols = n_states + n_aux;
        return rc;
    }
#else
    (void)members, (void)rows_hint, (void)names, (void)n_states, (void)n_aux;
    (void)lead, (void)n_lead;
#endif
    return ODE_EINVAL;
}

int out_ens_member(out *o, size_t member, const double *rows, size_t n_rows,
                   const double *lead, const char *status, double t_end)
{
    if (o->failed)
        return ODE_EOUTPUT;
#if WITH_HDF5
    if (o->h5) {
        int rc = h5_result(o, out_hdf5_ens_member(o->h5, member, rows, n_rows, lead, status,
                                                  t_end));
        if (rc == 0)
            o->rows += (long)n_rows;
        return rc;
    }
#else
    (void)member, (void)rows, (void)n_rows, (void)lead, (void)status, (void)t_end;
#endif
    return ODE_EINVAL;
}

bool out_broken_pipe(const out *o)
{
    return o->broken_pipe;
}

const char *out_error(const out *o)
{
    return o->failed ? o->errmsg : NULL;
}

long out_rows(const out *o)
{
    return o->rows;
}

int out_attr_double(out *o, const char *name, double v)
{
    if (o->failed)
        return ODE_EOUTPUT;
#if WITH_HDF5
    if (o->h5)
        return h5_result(o, out_hdf5_attr_double(o->h5, name, v));
#else
    (void)name;
    (void)v;
#endif
    return 0;
}

int out_attr_long(out *o, const char *name, long v)
{
    if (o->failed)
        return ODE_EOUTPUT;
#if WITH_HDF5
    if (o->h5)
        return h5_result(o, out_hdf5_attr_long(o->h5, name, v));
#else
    (void)name;
    (void)v;
#endif
    return 0;
}

int out_attr_doubles(out *o, const char *name, const double *v, size_t n)
{
    if (o->failed)
        return ODE_EOUTPUT;
#if WITH_HDF5
    if (o->h5)
        return h5_result(o, out_hdf5_attr_doubles(o->h5, name, v, n));
#else
    (void)name;
    (void)v;
    (void)n;
#endif
    return 0;
}

int out_attr_strings(out *o, const char *name, const char *const *v, size_t n)
{
    if (o->failed)
        return ODE_EOUTPUT;
#if WITH_HDF5
    if (o->h5)
        return h5_result(o, out_hdf5_attr_strings(o->h5, name, v, n));
#else
    (void)name;
    (void)v;
    (void)n;
#endif
    return 0;
}

int out_attr_string(out *o, const char *name, const char *v)
{
    if (o->failed)
        return ODE_EOUTPUT;
#if WITH_HDF5
    if (o->h5)
        return h5_result(o, out_hdf5_attr_string(o->h5, name, v));
#else
    (void)name;
    (void)v;
#endif
    return 0;
}

int out_close(out *o, bool keep, char *err, size_t errlen)
{
    int rc = 0;

    if (!o)
        return 0;
#if WITH_HDF5
    if (o->h5) {
        /* Rows are appended only to a file that will be kept.  The back
           end is freed in any case; after a failure it gives the file up
           instead of closing it (see out_hdf5.h). */
        char msg[256];
        bool wanted = keep && !o->aborted && !o->failed;
        if (out_hdf5_close(o->h5, wanted, msg, sizeof msg) && wanted)
            out_fail_text(o, msg);
        o->h5 = NULL;
    }
#endif
    /* A file under a temporary name that will be removed needs no flush;
       a stream must end on a whole line. */
    if (!o->tmp || (keep && !o->aborted))
        out_flush(o);
    if (o->own_fd && close(o->fd) != 0)
        out_fail(o, "", errno);
    if (o->tmp && !o->aborted) {
        if (keep && !o->failed) {
            if (rename(o->tmp, o->dest) != 0) {
                int e = errno;
                out_fail(o, "cannot rename the temporary file onto it: ", e);
            }
        }
        if (!keep || o->failed)
            unlink(o->tmp);
    }
    if (o->tmp && o->aborted && keep && !o->failed) {
        o->failed = true;
        snprintf(o->errmsg, sizeof o->errmsg,
                 "%s: not written: the run was interrupted", o->name);
    }
    if (o->failed) {
        rc = ODE_EOUTPUT;
        set_err(err, errlen, o->errmsg);
    }
    free(o->tmp);
    free(o->dest);
    free(o->name);
    free(o);
    return rc;
}

void out_abort_signal_safe(out *o)
{
    if (!o || !o->tmp)
        return;
    unlink(o->tmp);
    o->aborted = 1;
}
