/* ensemble_io.c - the members file, the sweeps, and their names. */
#include "ensemble_io.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "problem.h"

/* A cell longer than this is not a number anyone wrote by hand. */
#define CELL_MAX 256

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (errlen > 0)
        vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return ODE_EINVAL;
}

/* The n bytes at s as a finite double: the whole text, no blanks. */
static bool cell_number(const char *s, size_t n, double *v, bool *finite)
{
    char buf[CELL_MAX];
    char *end;
    *finite = false;
    if (n == 0 || n >= sizeof buf)
        return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    errno = 0;
    *v = strtod(buf, &end);
    if (end == buf || *end != '\0')
        return false;
    *finite = isfinite(*v) && errno != ERANGE;
    return true;
}

/* s[0 .. n) with blanks around it removed: *s and *n updated. */
static void trim(const char **s, size_t *n)
{
    while (*n > 0 && (**s == ' ' || **s == '\t'))
        (*s)++, (*n)--;
    while (*n > 0 && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
        (*n)--;
}

/* ---- --sweep ---- */

void cli_sweep_free(struct cli_sweep *sw)
{
    free(sw->name);
    free(sw->values);
    sw->name = NULL;
    sw->values = NULL;
    sw->n = 0;
}

int cli_sweep_parse(const char *arg, struct cli_sweep *sw, char *err, size_t errlen)
{
    const char *eq = strchr(arg, '=');
    *sw = (struct cli_sweep){ .arg = arg };
    if (!eq || eq == arg)
        return fail(err, errlen, "--sweep: expected NAME=START:STOP:COUNT or "
                    "NAME=V1,V2,..., got '%s'", arg);
    const char *spec = eq + 1;
    bool finite;
    double v;

    if (strchr(spec, ':')) {
        const char *c1 = strchr(spec, ':'), *c2 = strchr(c1 + 1, ':');
        double a, b, count;
        if (!c2 || strchr(c2 + 1, ':'))
            return fail(err, errlen, "--sweep %s: a range is START:STOP:COUNT", arg);
        if (!cell_number(spec, (size_t)(c1 - spec), &a, &finite) || !finite)
            return fail(err, errlen, "--sweep %s: the start '%.*s' is not a finite number",
                        arg, (int)(c1 - spec), spec);
        if (!cell_number(c1 + 1, (size_t)(c2 - c1 - 1), &b, &finite) || !finite)
            return fail(err, errlen, "--sweep %s: the stop '%.*s' is not a finite number",
                        arg, (int)(c2 - c1 - 1), c1 + 1);
        if (!cell_number(c2 + 1, strlen(c2 + 1), &count, &finite) || !finite ||
            count != floor(count) || count < 1)
            return fail(err, errlen, "--sweep %s: the count '%s' is not a whole number "
                        ">= 1", arg, c2 + 1);
        if (count > (double)CLI_SWEEP_MAX_POINTS)
            return fail(err, errlen, "--sweep %s: more than %ld points", arg,
                        (long)CLI_SWEEP_MAX_POINTS);
        if (count > 1 && !isfinite(b - a))
            return fail(err, errlen, "--sweep %s: the range is too wide", arg);
        sw->n = (size_t)count;
        sw->values = malloc(sw->n * sizeof *sw->values);
        if (!sw->values)
            return ODE_ENOMEM;
        /* Evenly spaced, the last one exactly STOP (as numpy's linspace). */
        double step = sw->n > 1 ? (b - a) / (double)(sw->n - 1) : 0.0;
        for (size_t i = 0; i < sw->n; i++)
            sw->values[i] = a + (double)i * step;
        if (sw->n > 1)
            sw->values[sw->n - 1] = b;
    } else {
        size_t cap = 0;
        for (const char *p = spec;;) {
            size_t len = strcspn(p, ",");
            if (!cell_number(p, len, &v, &finite) || !finite) {
                cli_sweep_free(sw);
                return fail(err, errlen, "--sweep %s: '%.*s' is not a finite number",
                            arg, (int)(len < CELL_MAX ? len : 40), p);
            }
            if (sw->n == cap) {
                cap = cap ? 2 * cap : 8;
                double *grown = cap <= (size_t)CLI_SWEEP_MAX_POINTS
                                    ? realloc(sw->values, cap * sizeof *grown) : NULL;
                if (!grown) {
                    cli_sweep_free(sw);
                    return ODE_ENOMEM;
                }
                sw->values = grown;
            }
            sw->values[sw->n++] = v;
            if (p[len] == '\0')
                break;
            p += len + 1;
        }
    }
    sw->name = malloc((size_t)(eq - arg) + 1);
    if (!sw->name) {
        cli_sweep_free(sw);
        return ODE_ENOMEM;
    }
    memcpy(sw->name, arg, (size_t)(eq - arg));
    sw->name[eq - arg] = '\0';
    return 0;
}

/* ---- the members file ---- */

void cli_table_free(struct cli_table *t)
{
    if (t->names)
        for (size_t j = 0; j < t->n_cols; j++)
            free(t->names[j]);
    free(t->names);
    free(t->values);
    *t = (struct cli_table){ 0 };
}

/* A line of the text: [s, s + n), its number, and where the next starts. */
struct line {
    const char *s;
    size_t n;
    long no;
};

/* The next line that is not blank or a comment, from *pos on; false at
   the end.  Lines end with LF, CRLF or a lone CR. */
static bool next_line(const char *text, size_t len, size_t *pos, long *no, struct line *ln)
{
    while (*pos < len) {
        const char *s = text + *pos;
        size_t n = 0;
        while (*pos + n < len && s[n] != '\n' && s[n] != '\r')
            n++;
        *pos += n;
        if (*pos < len)
            (*pos)++;     /* the CR or LF */
        if (*pos < len && text[*pos - 1] == '\r' && text[*pos] == '\n')
            (*pos)++;
        (*no)++;
        const char *b = s;
        size_t m = n;
        trim(&b, &m);
        if (m == 0 || *b == '#')
            continue;
        *ln = (struct line){ s, n, *no };
        return true;
    }
    return false;
}

/* Index sort by name (a merge sort: qsort has no context argument). */
static void sort_by_name(size_t *idx, size_t *tmp, size_t n, char **names)
{
    if (n < 2)
        return;
    size_t h = n / 2;
    sort_by_name(idx, tmp, h, names);
    sort_by_name(idx + h, tmp, n - h, names);
    size_t i = 0, j = h, k = 0;
    while (i < h && j < n)
        tmp[k++] = strcmp(names[idx[j]], names[idx[i]]) < 0 ? idx[j++] : idx[i++];
    while (i < h)
        tmp[k++] = idx[i++];
    while (j < n)
        tmp[k++] = idx[j++];
    memcpy(idx, tmp, n * sizeof *idx);
}

static int parse_header(const char *file, const struct line *ln, char sep, size_t max_cols,
                        struct cli_table *t, char *err, size_t errlen)
{
    size_t n = 1;
    for (size_t i = 0; i < ln->n; i++)
        n += ln->s[i] == sep;
    if (n > max_cols)
        return fail(err, errlen, "%s:%ld: the header has %zu columns, more than the %zu "
                    "parameters and states the model can set", file, ln->no, n, max_cols);
    t->names = calloc(n, sizeof *t->names);
    if (!t->names)
        return ODE_ENOMEM;
    t->n_cols = n;
    const char *p = ln->s, *end = ln->s + ln->n;
    for (size_t j = 0; j < n; j++) {
        const char *q = memchr(p, sep, (size_t)(end - p));
        if (!q)
            q = end;
        const char *s = p;
        size_t len = (size_t)(q - p);
        trim(&s, &len);
        if (len >= 2 && s[0] == '"' && s[len - 1] == '"')
            s++, len -= 2;
        if (len == 0)
            return fail(err, errlen, "%s:%ld: column %zu of the header has no name",
                        file, ln->no, j + 1);
        t->names[j] = malloc(len + 1);
        if (!t->names[j])
            return ODE_ENOMEM;
        memcpy(t->names[j], s, len);
        t->names[j][len] = '\0';
        p = q + 1;
    }
    size_t *idx = malloc(n * sizeof *idx), *tmp = malloc(n * sizeof *tmp);
    if (!idx || !tmp) {
        free(idx);
        free(tmp);
        return ODE_ENOMEM;
    }
    for (size_t j = 0; j < n; j++)
        idx[j] = j;
    sort_by_name(idx, tmp, n, t->names);
    int rc = 0;
    for (size_t j = 1; j < n && rc == 0; j++)
        if (strcmp(t->names[idx[j - 1]], t->names[idx[j]]) == 0) {
            size_t a = idx[j - 1] < idx[j] ? idx[j - 1] : idx[j];
            size_t b = idx[j - 1] < idx[j] ? idx[j] : idx[j - 1];
            rc = fail(err, errlen, "%s:%ld: column '%s' appears twice (columns %zu and %zu)",
                      file, ln->no, t->names[a], a + 1, b + 1);
        }
    free(tmp);
    free(idx);
    return rc;
}

static int parse_row(const char *file, const struct line *ln, char sep, size_t row,
                     const struct cli_table *t, double *out, char *err, size_t errlen)
{
    size_t n = 1;
    for (size_t i = 0; i < ln->n; i++)
        n += ln->s[i] == sep;
    if (n != t->n_cols)
        return fail(err, errlen, "%s:%ld: row %zu has %zu value%s; the header has %zu "
                    "column%s", file, ln->no, row, n, n == 1 ? "" : "s", t->n_cols,
                    t->n_cols == 1 ? "" : "s");
    const char *p = ln->s, *end = ln->s + ln->n;
    for (size_t j = 0; j < n; j++) {
        const char *q = memchr(p, sep, (size_t)(end - p));
        if (!q)
            q = end;
        const char *s = p;
        size_t len = (size_t)(q - p);
        bool finite;
        trim(&s, &len);
        if (len == 0)
            return fail(err, errlen, "%s:%ld: row %zu, column '%s': the cell is empty",
                        file, ln->no, row, t->names[j]);
        if (!cell_number(s, len, &out[j], &finite))
            return fail(err, errlen, "%s:%ld: row %zu, column '%s': '%.*s' is not a number",
                        file, ln->no, row, t->names[j], (int)(len < 40 ? len : 40), s);
        if (!finite)
            return fail(err, errlen, "%s:%ld: row %zu, column '%s': '%.*s' is not a finite "
                        "number", file, ln->no, row, t->names[j], (int)(len < 40 ? len : 40),
                        s);
        p = q + 1;
    }
    return 0;
}

int cli_table_parse(const char *file, const char *text, size_t len, size_t max_cols,
                    struct cli_table *t, char *err, size_t errlen)
{
    size_t pos = 0, cap = 0;
    long no = 0;
    struct line ln;
    int rc;

    *t = (struct cli_table){ 0 };
    if (len >= 2 && ((text[0] == '\xff' && text[1] == '\xfe') ||
                     (text[0] == '\xfe' && text[1] == '\xff')))
        return fail(err, errlen, "%s: the file is UTF-16; save it as UTF-8 or ASCII", file);
    if (memchr(text, '\0', len))
        return fail(err, errlen, "%s: not a text file (it holds a NUL byte)", file);
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
        pos = 3;
    if (!next_line(text, len, &pos, &no, &ln))
        return fail(err, errlen, "%s: the file is empty: expected a header naming "
                    "parameters or states, then one row of values per member", file);
    /* Comma-separated, unless the header has tabs and no comma. */
    char sep = memchr(ln.s, ',', ln.n) || !memchr(ln.s, '\t', ln.n) ? ',' : '\t';
    if ((rc = parse_header(file, &ln, sep, max_cols, t, err, errlen)))
        return rc;
    while (next_line(text, len, &pos, &no, &ln)) {
        if (t->n_rows == cap) {
            size_t grow = cap ? 2 * cap : 64;
            if (grow > SIZE_MAX / sizeof(double) / t->n_cols || grow > ENS_MAX_MEMBERS)
                return ODE_ENOMEM;
            double *v = realloc(t->values, grow * t->n_cols * sizeof *v);
            if (!v)
                return ODE_ENOMEM;
            t->values = v;
            cap = grow;
        }
        rc = parse_row(file, &ln, sep, t->n_rows + 1, t, t->values + t->n_rows * t->n_cols,
                       err, errlen);
        if (rc)
            return rc;
        t->n_rows++;
    }
    if (t->n_rows == 0)
        return fail(err, errlen, "%s:%ld: the header is not followed by any row of values",
                    file, no);
    return 0;
}

int cli_table_read(const char *path, size_t max_cols, struct cli_table *t,
                   char *err, size_t errlen)
{
    char *text = NULL;
    size_t len = 0, cap = 0;
    int rc;

    *t = (struct cli_table){ 0 };
    FILE *f = fopen(path, "rb");
    if (!f)
        return fail(err, errlen, "--ensemble: %s: %s", path, strerror(errno));
    for (;;) {
        if (len == cap) {
            cap = cap ? 2 * cap : 65536;
            char *grown = realloc(text, cap);
            if (!grown) {
                free(text);
                fclose(f);
                return ODE_ENOMEM;
            }
            text = grown;
        }
        size_t got = fread(text + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        int e = errno;
        free(text);
        fclose(f);
        return fail(err, errlen, "--ensemble: %s: %s", path, strerror(e));
    }
    fclose(f);
    rc = cli_table_parse(path, text, len, max_cols, t, err, errlen);
    free(text);
    return rc;
}

/* ---- names ---- */

bool cli_ens_target(const struct model *m, const char *name, struct ens_target *t)
{
    long i = model_find_param(m, name);
    if (i >= 0) {
        *t = (struct ens_target){ ENS_PARAM, (size_t)i };
        return true;
    }
    i = model_find_state(m, name);
    size_t n = strlen(name);
    if (i < 0 && n > 3 && strcmp(name + n - 3, "(0)") == 0 && n - 3 < 256) {
        char base[256];
        memcpy(base, name, n - 3);
        base[n - 3] = '\0';
        i = model_find_state(m, base);
    }
    if (i < 0)
        return false;
    *t = (struct ens_target){ ENS_INIT, (size_t)i };
    return true;
}

/* Appends s to buf (len bytes), "..." when it is full. */
static void append(char *buf, size_t len, size_t *used, const char *s)
{
    if (*used + 1 >= len)
        return;
    int w = snprintf(buf + *used, len - *used, "%s", s);
    if (w < 0 || (size_t)w >= len - *used) {
        *used = len - 1;
        if (len > 4)
            memcpy(buf + len - 4, "...", 4);
        return;
    }
    *used += (size_t)w;
}

void cli_ens_names(const struct model *m, char *buf, size_t len)
{
    size_t used = 0;
    if (len == 0)
        return;
    buf[0] = '\0';
    append(buf, len, &used, "parameters are: ");
    for (size_t j = 0; j < m->n_params; j++) {
        if (j)
            append(buf, len, &used, ", ");
        append(buf, len, &used, m->params[j].name);
    }
    if (m->n_params == 0)
        append(buf, len, &used, "(none)");
    append(buf, len, &used, "; states are: ");
    for (size_t j = 0; j < m->n_states; j++) {
        if (j)
            append(buf, len, &used, ", ");
        append(buf, len, &used, m->states[j].name);
    }
}

void cli_ens_column_name(const struct model *m, struct ens_target t, char *buf, size_t len)
{
    if (t.kind == ENS_PARAM)
        snprintf(buf, len, "%s", m->params[t.index].name);
    else
        snprintf(buf, len, "%s(0)", m->states[t.index].name);
}

/* Who set target t first, for the "set twice" message. */
static const char *setter(const struct model *m, const char *file, const struct cli_table *t,
                          const struct cli_sweep *sweeps, size_t k, struct ens_target tg,
                          char *buf, size_t len)
{
    struct ens_target x;
    if (t)
        for (size_t j = 0; j < t->n_cols; j++)
            if (cli_ens_target(m, t->names[j], &x) && x.kind == tg.kind && x.index == tg.index) {
                snprintf(buf, len, "column '%s' of %s", t->names[j], file);
                return buf;
            }
    for (size_t i = 0; i < k; i++)
        if (cli_ens_target(m, sweeps[i].name, &x) && x.kind == tg.kind && x.index == tg.index) {
            snprintf(buf, len, "--sweep %s", sweeps[i].arg);
            return buf;
        }
    return "an earlier column";
}

int cli_ens_batch(const struct model *m, const char *file, const struct cli_table *t,
                  const struct cli_sweep *sweeps, size_t n_sweeps, ens_batch **out,
                  char *err, size_t errlen)
{
    char names[1024], who[320];
    struct ens_target *tg = NULL;
    int rc = ODE_ENOMEM;
    ens_batch *b = ens_batch_new();

    *out = NULL;
    if (!b)
        return ODE_ENOMEM;
    if (t) {
        tg = malloc(t->n_cols * sizeof *tg);
        if (!tg)
            goto fail;
        for (size_t j = 0; j < t->n_cols; j++) {
            if (!cli_ens_target(m, t->names[j], &tg[j])) {
                cli_ens_names(m, names, sizeof names);
                rc = fail(err, errlen, "%s:1: unknown column '%s': not a parameter or state "
                          "of %s; %s", file, t->names[j], m->file, names);
                goto fail;
            }
            for (size_t i = 0; i < j; i++)
                if (tg[i].kind == tg[j].kind && tg[i].index == tg[j].index) {
                    rc = fail(err, errlen, "%s:1: columns '%s' and '%s' set the same %s",
                              file, t->names[i], t->names[j],
                              tg[j].kind == ENS_PARAM ? "parameter" : "initial value");
                    goto fail;
                }
        }
        if ((rc = ens_batch_add_axis(b, t->n_rows, t->n_cols, tg, t->values)))
            goto fail_size;
    }
    for (size_t k = 0; k < n_sweeps; k++) {
        struct ens_target one;
        if (!cli_ens_target(m, sweeps[k].name, &one)) {
            cli_ens_names(m, names, sizeof names);
            rc = fail(err, errlen, "--sweep %s: '%s' is not a parameter or state of %s; %s",
                      sweeps[k].arg, sweeps[k].name, m->file, names);
            goto fail;
        }
        for (size_t j = 0; j < ens_batch_cols(b); j++) {
            struct ens_target x = ens_batch_target(b, j);
            if (x.kind == one.kind && x.index == one.index) {
                rc = fail(err, errlen, "--sweep %s: '%s' is already set by %s",
                          sweeps[k].arg, sweeps[k].name,
                          setter(m, file, t, sweeps, k, one, who, sizeof who));
                goto fail;
            }
        }
        if ((rc = ens_batch_add_axis(b, sweeps[k].n, 1, &one, sweeps[k].values)))
            goto fail_size;
    }
    free(tg);
    *out = b;
    return 0;
fail_size:
    if (rc == ODE_EINVAL)
        rc = fail(err, errlen, "the batch would have more than %zu members",
                  (size_t)ENS_MAX_MEMBERS);
fail:
    free(tg);
    ens_batch_free(b);
    return rc;
}
