/* jit_cc.c - codegen.c's text built by the system C compiler into a shared
 * object and loaded with dlopen (--jit cc).
 *
 * libtcc compiles in a millisecond but does not optimise; gcc -O2 code is
 * 1.5-5x faster, which pays for a build of 50-100 ms on small models and a
 * few seconds on thousands of equations once a solve makes enough calls
 * (bench/jit_cc_bench.sh).  The compiler runs as a child process
 * (posix_spawn, no shell) in a private directory that is emptied and
 * removed before jit_compile_cc returns. */
#include "jit.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "builtins.h"
#include "cc_cache.h"
#include "codegen.h"

extern char **environ;

/* Every flag keeps the results those of the interpreter, bit for bit, or
   keeps the object free of outside code.  They follow the words of
   ODESOLVE_CC, so they win over options given there.
   - -std=c11 (ISO, not GNU): excess precision is rounded as the standard
     says; the text's one extension is __attribute__((noinline));
   - -fno-fast-math, -ffp-contract=off: IEEE operations as written, no FMA
     (clang contracts by default);
   - -fno-builtin: no name is taken for a libc function;
   - -fno-math-errno: __builtin_sqrt (builtins.h, inline_c) is the sqrtsd
     instruction alone, not followed by a call to libc's sqrt for errno;
   - -nostdlib with -z defs: no libc, no start files, and any undefined
     symbol is a link error instead of being bound to the process's libc at
     load time; -fno-stack-protector, since its check would call libc. */
static const char *const cc_flags[] = {
    "-std=c11", "-O2", "-fno-fast-math", "-ffp-contract=off", "-fno-builtin",
    "-fno-math-errno", "-fno-stack-protector", "-fPIC", "-shared", "-nostdlib", "-Wl,-z,defs",
    "-pipe",
};
enum { N_CC_FLAGS = sizeof cc_flags / sizeof cc_flags[0] };

/* At most this many lines of the compiler's output reach err. */
enum { CC_ERR_LINES = 20, CC_LOG_MAX = 1 << 16 };

/* glibc's dlopen returns the object already loaded under the same path
   instead of loading the new file, so every object gets a name never used
   before in this process, even if mkdtemp hands out a directory again. */
static atomic_ulong cc_serial;

struct cc_build {
    char *dir;                /* private directory; NULL until made */
    char *src, *obj, *log;    /* files inside it */
    char *err;
    size_t errlen;
};

static void say(struct cc_build *b, const char *fmt, ...)
{
    if (!b->err || b->errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = snprintf(b->err, b->errlen, "--jit cc: ");
    if (n >= 0 && (size_t)n < b->errlen)
        vsnprintf(b->err + n, b->errlen - (size_t)n, fmt, ap);
    va_end(ap);
}

static char *path_join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s/%s", dir, name);
    return s;
}

/* The directory and the three paths in it.  The directory is made before
   any file, mode 0700, so nobody else can place or swap a file there. */
static int make_dir(struct cc_build *b)
{
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp)
        tmp = "/tmp";
    char *dir = path_join(tmp, "odesolve-cc-XXXXXX");
    if (!dir)
        return ODE_ENOMEM;
    if (!mkdtemp(dir)) {
        say(b, "cannot create a directory in '%s': %s", tmp, strerror(errno));
        free(dir);
        return ODE_EJIT;
    }
    b->dir = dir;
    char obj[48];
    snprintf(obj, sizeof obj, "model%lu.so", (unsigned long)atomic_fetch_add(&cc_serial, 1));
    b->src = path_join(dir, "model.c");
    b->obj = path_join(dir, obj);
    b->log = path_join(dir, "cc.log");
    return b->src && b->obj && b->log ? 0 : ODE_ENOMEM;
}

/* Empties and removes the directory: our files and whatever a killed
   compiler left behind (its TMPDIR is this directory too). */
static void remove_dir(struct cc_build *b)
{
    if (b->dir) {
        DIR *d = opendir(b->dir);
        for (struct dirent *e; d && (e = readdir(d)) != NULL;) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char *path = path_join(b->dir, e->d_name);
            if (path)
                unlink(path);
            free(path);
        }
        if (d)
            closedir(d);
        rmdir(b->dir);
    }
    free(b->log);
    free(b->obj);
    free(b->src);
    free(b->dir);
    b->dir = b->src = b->obj = b->log = NULL;
}

static int write_source(struct cc_build *b, const char *text)
{
    FILE *f = fopen(b->src, "wx");
    if (!f) {
        say(b, "cannot create '%s': %s", b->src, strerror(errno));
        return ODE_EJIT;
    }
    size_t n = strlen(text);
    bool ok = fwrite(text, 1, n, f) == n;
    int e = errno;
    if (fclose(f) != 0 && ok) {
        e = errno;
        ok = false;
    }
    if (!ok) {
        say(b, "cannot write '%s': %s", b->src, strerror(e));
        return ODE_EJIT;
    }
    return 0;
}

/* The command: ODESOLVE_CC split at blanks (or "cc"), our flags, -o obj
   src.  Words point into *words, which the caller frees with the array. */
static char **compiler_argv(const struct cc_build *b, char **words)
{
    const char *cc = getenv("ODESOLVE_CC");
    if (!cc || strspn(cc, " \t") == strlen(cc))
        cc = "cc";
    *words = strdup(cc);
    if (!*words)
        return NULL;
    size_t n = strlen(cc) / 2 + 1 + N_CC_FLAGS + 4;
    char **argv = calloc(n, sizeof *argv);
    if (!argv)
        return NULL;
    size_t k = 0;
    for (char *w = *words; *(w += strspn(w, " \t"));) {
        argv[k++] = w;
        w += strcspn(w, " \t");
        if (*w)
            *w++ = '\0';
    }
    for (int i = 0; i < N_CC_FLAGS; i++)
        argv[k++] = (char *)cc_flags[i];
    argv[k++] = "-o";
    argv[k++] = b->obj;
    argv[k++] = b->src;
    argv[k] = NULL;
    return argv;
}

/* The process's environment with TMPDIR set to our directory, so the
   compiler's own temporary files land there as well. */
static char **child_environ(const struct cc_build *b, char **tmpdir)
{
    size_t n = 0;
    for (char **e = environ; e && *e; e++)
        n++;
    char **env = calloc(n + 2, sizeof *env);
    size_t len = strlen("TMPDIR=") + strlen(b->dir) + 1;
    *tmpdir = malloc(len);
    if (!env || !*tmpdir) {
        free(env);
        return NULL;
    }
    snprintf(*tmpdir, len, "TMPDIR=%s", b->dir);
    size_t k = 0;
    for (char **e = environ; e && *e; e++)
        if (strncmp(*e, "TMPDIR=", 7) != 0)
            env[k++] = *e;
    env[k++] = *tmpdir;
    env[k] = NULL;
    return env;
}

/* The compiler's output, from its first line that is not only context
   ("x.ode: In function 'cg_rhs':", "ld: ...: in function `cg_rhs':"), so
   that err starts like tcc's with the model file and line. */
static bool log_to_err(struct cc_build *b)
{
    if (!b->err || b->errlen == 0)
        return true;
    FILE *f = fopen(b->log, "r");
    if (!f)
        return false;
    char *s = malloc(CC_LOG_MAX + 1);
    size_t n = s ? fread(s, 1, CC_LOG_MAX, f) : 0;
    fclose(f);
    if (n == 0) {
        free(s);
        return false;
    }
    s[n] = '\0';
    char *at = s;
    for (;;) {
        char *nl = strchr(at, '\n');
        if (!nl || nl == at || nl[-1] != ':' || nl[1] == '\0')
            break;
        at = nl + 1;
    }
    size_t len = 0;
    int lines = 0;
    while (at[len] && lines < CC_ERR_LINES) {
        if (at[len] == '\n')
            lines++;
        len++;
    }
    while (len > 0 && (at[len - 1] == '\n' || at[len - 1] == '\r'))
        len--;
    snprintf(b->err, b->errlen, "%.*s", (int)(len < (size_t)1 << 30 ? len : 1 << 30), at);
    free(s);
    return true;
}

/* The file execvp would run for `name`, in *path (malloc'd); 0 or an errno
   value.  Looked up here rather than by posix_spawnp, because where the
   spawn is a fork (some libcs, valgrind) a missing program is only an
   exit status 127, and the user deserves "No such file or directory". */
static int find_program(const char *name, char **path)
{
    *path = NULL;
    if (strchr(name, '/')) {
        if (access(name, X_OK) != 0)
            return errno;
        *path = strdup(name);
        return *path ? 0 : ENOMEM;
    }
    const char *dirs = getenv("PATH");
    if (!dirs)
        dirs = "/usr/local/bin:/bin:/usr/bin";
    int found = ENOENT;
    for (const char *d = dirs;; d++) {
        size_t len = strcspn(d, ":");
        size_t n = len + strlen(name) + 2;
        char *cand = malloc(n);
        if (!cand)
            return ENOMEM;
        /* An empty entry is the current directory, as for execvp. */
        snprintf(cand, n, "%.*s%s%s", (int)len, d, len ? "/" : "", name);
        struct stat st;
        if (stat(cand, &st) == 0 && S_ISREG(st.st_mode)) {
            if (access(cand, X_OK) == 0) {
                *path = cand;
                return 0;
            }
            found = EACCES;
        }
        free(cand);
        d += len;
        if (!*d)
            return found;
    }
}

static int run_compiler(struct cc_build *b)
{
    char *words = NULL, *tmpdir = NULL, *prog = NULL;
    char **argv = compiler_argv(b, &words);
    char **env = argv ? child_environ(b, &tmpdir) : NULL;
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    bool have_fa = false, have_attr = false;
    int rc = ODE_ENOMEM;

    if (!argv || !env)
        goto done;
    if (posix_spawn_file_actions_init(&fa) != 0)
        goto done;
    have_fa = true;
    if (posix_spawnattr_init(&attr) != 0)
        goto done;
    have_attr = true;
    /* No input; output and errors into the log.  A blocked signal mask or
       an ignored SIGPIPE of ours is not the compiler's business. */
    sigset_t none, dfl;
    sigemptyset(&none);
    sigemptyset(&dfl);
    sigaddset(&dfl, SIGPIPE);
    if (posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0) != 0 ||
        posix_spawn_file_actions_addopen(&fa, 2, b->log, O_WRONLY | O_CREAT | O_TRUNC,
                                         0600) != 0 ||
        posix_spawn_file_actions_adddup2(&fa, 2, 1) != 0 ||
        posix_spawnattr_setsigmask(&attr, &none) != 0 ||
        posix_spawnattr_setsigdefault(&attr, &dfl) != 0 ||
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF) != 0)
        goto done;

    pid_t pid;
    int e = find_program(argv[0], &prog);
    if (e == ENOMEM)
        goto done;
    rc = ODE_EJIT;
    if (e == 0)
        e = posix_spawn(&pid, prog, &fa, &attr, argv, env);
    if (e != 0) {
        say(b, "cannot run '%s': %s", argv[0], strerror(e));
        goto done;
    }
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            say(b, "cannot wait for '%s': %s", argv[0], strerror(errno));
            goto done;
        }
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        rc = 0;
        goto done;
    }
    if (log_to_err(b))
        goto done;
    if (WIFEXITED(status))
        say(b, "'%s' failed with exit status %d", argv[0], WEXITSTATUS(status));
    else
        say(b, "'%s' was killed by signal %d", argv[0],
            WIFSIGNALED(status) ? WTERMSIG(status) : 0);
done:
    if (have_attr)
        posix_spawnattr_destroy(&attr);
    if (have_fa)
        posix_spawn_file_actions_destroy(&fa);
    free(prog);
    free(env);
    free(tmpdir);
    free(argv);
    free(words);
    return rc;
}

static void unload(void *handle)
{
    dlclose(handle);
}

/* ISO C has no conversion between object and function pointers; dlsym's
   ABI makes them the same size, checked here. */
_Static_assert(sizeof(void *) == sizeof(int (*)(void)),
               "function pointers must fit in void *");

typedef void (*bind_fn)(double (*const *f1)(double),
                        double (*const *f2)(double, double));

/* cg_jac and cg_jacp, when the model carries their values (diff.h). */
static int bind_jac(struct cc_build *b, void *dl, const struct model *m,
                    struct ode_problem *prob)
{
    void *jac = codegen_has_jac(m) ? dlsym(dl, CODEGEN_JAC) : NULL;
    void *jacp = codegen_has_jacp(m) ? dlsym(dl, CODEGEN_JACP) : NULL;
    if ((codegen_has_jac(m) && !jac) || (codegen_has_jacp(m) && !jacp)) {
        say(b, "the compiled text lacks an entry point (" CODEGEN_JAC " or "
            CODEGEN_JACP ")");
        return ODE_EJIT;
    }
    memcpy(&prob->jac, &jac, sizeof jac);
    memcpy(&prob->jacp, &jacp, sizeof jacp);
    return 0;
}

/* Looks up the entry points and hands the object our built-ins. */
static int bind_entries(struct cc_build *b, void *dl, const struct model *m,
                        struct ode_problem *prob)
{
    void *bind = dlsym(dl, CODEGEN_BIND);
    void *rhs = dlsym(dl, CODEGEN_RHS);
    void *aux = m->n_aux > 0 ? dlsym(dl, CODEGEN_AUX) : NULL;
    void *derive = m->n_derived > 0 ? dlsym(dl, CODEGEN_DERIVE) : NULL;
    if (!bind || !rhs || (m->n_aux > 0 && !aux) || (m->n_derived > 0 && !derive)) {
        say(b, "the compiled text lacks an entry point (" CODEGEN_BIND ", "
            CODEGEN_RHS ", " CODEGEN_AUX " or " CODEGEN_DERIVE ")");
        return ODE_EJIT;
    }
    int nb = builtin_count();
    double (**f1)(double) = calloc((size_t)nb + 1, sizeof *f1);
    double (**f2)(double, double) = calloc((size_t)nb + 1, sizeof *f2);
    if (!f1 || !f2) {
        free(f2);
        free(f1);
        return ODE_ENOMEM;
    }
    for (int i = 0; i < nb; i++) {
        const struct builtin *bi = builtin_at(i);
        if (bi->arity == 1)
            f1[i] = bi->fn.f1;
        else
            f2[i] = bi->fn.f2;
    }
    bind_fn bf;
    memcpy(&bf, &bind, sizeof bf);
    bf(f1, f2);
    free(f2);
    free(f1);
    memcpy(&prob->rhs, &rhs, sizeof rhs);
    memcpy(&prob->aux, &aux, sizeof aux);
    memcpy(&prob->derive, &derive, sizeof derive);
    void *events = m->n_events > 0 ? dlsym(dl, CODEGEN_EVENTS) : NULL;
    void *reset = m->n_events > 0 ? dlsym(dl, CODEGEN_RESET) : NULL;
    if (m->n_events > 0 && (!events || !reset)) {
        say(b, "the compiled text lacks an entry point ("
            CODEGEN_EVENTS " or " CODEGEN_RESET ")");
        return ODE_EJIT;
    }
    memcpy(&prob->events, &events, sizeof events);
    memcpy(&prob->reset, &reset, sizeof reset);
    void *tsw = m->n_tswitch > 0 ? dlsym(dl, CODEGEN_TSWITCH) : NULL;
    if (m->n_tswitch > 0 && !tsw) {
        say(b, "the compiled text lacks " CODEGEN_TSWITCH);
        return ODE_EJIT;
    }
    memcpy(&prob->tswitch, &tsw, sizeof tsw);
    void *kint = m->n_kernels > 0 ? dlsym(dl, CODEGEN_KINT) : NULL;
    void *klag = m->n_kernels > 0 ? dlsym(dl, CODEGEN_KLAG) : NULL;
    if (m->n_kernels > 0 && (!kint || !klag)) {
        say(b, "the compiled text lacks " CODEGEN_KINT " or " CODEGEN_KLAG);
        return ODE_EJIT;
    }
    memcpy(&prob->kernel_integrand, &kint, sizeof kint);
    memcpy(&prob->kernel_lag, &klag, sizeof klag);
    return bind_jac(b, dl, m, prob);
}

/* What decides the object besides the text: our version, the compiler
   command and our flags; then the text.  malloc'd, length in *len. */
static char *cache_key(const char *c_text, size_t *len)
{
    const char *cc = getenv("ODESOLVE_CC");
    size_t n = strlen(ODESOLVE_VERSION) + (cc ? strlen(cc) : 0) + strlen(c_text) + 4;
    for (int i = 0; i < N_CC_FLAGS; i++)
        n += strlen(cc_flags[i]) + 1;
    char *key = malloc(n);
    if (!key)
        return NULL;
    int k = snprintf(key, n, "%s\n%s\n", ODESOLVE_VERSION, cc ? cc : "");
    for (int i = 0; i < N_CC_FLAGS; i++)
        k += snprintf(key + k, n - (size_t)k, "%s ", cc_flags[i]);
    k += snprintf(key + k, n - (size_t)k, "\n%s", c_text);
    *len = (size_t)k;
    return key;
}

/* The object kept by cc_cache for this key, loaded, or NULL.  Loaded
   through the descriptor that cc_cache checked, so the file cannot change
   in between. */
static void *load_cached(const char *key, size_t len)
{
    int fd = cc_cache_find(key, len);
    if (fd < 0)
        return NULL;
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    void *dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    close(fd);
    return dl;
}

int jit_compile_cc_text(const struct model *m, const char *c_text, jit **out,
                        struct ode_problem *prob, char *err, size_t errlen)
{
    struct cc_build b = { .err = err, .errlen = err ? errlen : 0 };
    struct ode_problem p = { 0 };
    void *meta = NULL, *dl = NULL;
    size_t klen = 0;
    char *key = NULL;
    jit *j;
    int rc;

    *out = NULL;
    if (b.errlen > 0)
        err[0] = '\0';
    if ((rc = codegen_meta(m, &p, &meta)) != 0)
        goto fail;
    rc = ODE_ENOMEM;
    if ((key = cache_key(c_text, &klen)) == NULL)
        goto fail;
    if ((dl = load_cached(key, klen)) != NULL)
        goto loaded;
    if ((rc = make_dir(&b)) != 0 || (rc = write_source(&b, c_text)) != 0 ||
        (rc = run_compiler(&b)) != 0)
        goto fail;
    cc_cache_store(key, klen, b.obj);
    dl = dlopen(b.obj, RTLD_NOW | RTLD_LOCAL);
    if (!dl) {
        const char *why = dlerror();
        /* A /tmp mounted noexec refuses to map the code. */
        say(&b, "cannot load the compiled model: %s%s", why ? why : "unknown error",
            why && strstr(why, "Operation not permitted") ?
            " (set TMPDIR to a directory that allows executables)" : "");
        rc = ODE_EJIT;
        goto fail;
    }
    /* The mapping outlives the file. */
    remove_dir(&b);
loaded:
    free(key);
    key = NULL;
    if ((rc = bind_entries(&b, dl, m, &p)) != 0)
        goto fail;
    j = jit_adopt(meta, dl, unload);
    rc = ODE_ENOMEM;
    if (!j)
        goto fail;
    p.ctx = NULL;
    *prob = p;
    *out = j;
    return 0;
fail:
    if (rc == ODE_ENOMEM)
        say(&b, "out of memory");
    remove_dir(&b);
    if (dl)
        dlclose(dl);
    free(key);
    free(meta);
    return rc;
}

int jit_compile_cc(const struct model *m, jit **out, struct ode_problem *prob,
                   char *err, size_t errlen)
{
    char *text = NULL;
    int rc = codegen_c_link(m, CODEGEN_LINK_POINTERS, &text, NULL);

    *out = NULL;
    if (rc == ODE_EINVAL && err && errlen > 0)
        snprintf(err, errlen, "cannot generate code: malformed model (an index or "
                 "arity out of range, or nesting deeper than %d)", CODEGEN_MAX_DEPTH);
    else if (rc == ODE_ENOMEM && err && errlen > 0)
        snprintf(err, errlen, "out of memory");
    if (rc == 0)
        rc = jit_compile_cc_text(m, text, out, prob, err, errlen);
    free(text);
    return rc;
}
