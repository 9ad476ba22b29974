/* diag.c - diagnostics: positions to lines and columns, gcc-style output,
   and a collector that prints errors in source order. */
#include "diag.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "problem.h"

enum {
    TAB_STOP = 8,
    /* Echoed lines longer than this are cut a little after the caret so
       that an error in a huge generated line does not flood the terminal. */
    ECHO_LONG_LINE = 4096,
    ECHO_TAIL = 64,
    /* The collector sorts and trims itself whenever it holds this many. */
    TRIM_AT = 256,
};

/* Length of the valid UTF-8 sequence at s[0..n) (2 to 4), or 0 when s does
   not start one.  Overlong forms and surrogates are invalid (RFC 3629). */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else
        return 0;
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    return len;
}

/* The display unit at s[0..n) starting at 0-based column `col`: returns its
   length in bytes and stores its width in cells. */
static size_t unit_at(const unsigned char *s, size_t n, unsigned col,
                      unsigned *width)
{
    if (s[0] == '\t') {
        *width = TAB_STOP - col % TAB_STOP;
        return 1;
    }
    *width = 1;
    if (s[0] >= 0x80) {
        size_t u = utf8_len(s, n);
        return u ? u : 1;
    }
    return 1;
}

/* End of the line that starts at `begin`: the '\n', a '\r' before it, or
   the end of the text. */
static size_t line_end(const char *src, size_t len, size_t begin)
{
    const char *nl = begin < len ? memchr(src + begin, '\n', len - begin)
                                 : NULL;
    size_t end = nl ? (size_t)(nl - src) : len;
    if (end > begin && src[end - 1] == '\r')
        end--;
    return end;
}

/* Display cells taken by src[from..to). `col` is the starting column. */
static unsigned cells(const char *src, size_t from, size_t to, unsigned col)
{
    const unsigned char *s = (const unsigned char *)src;
    unsigned start = col;
    size_t i = from;
    while (i < to) {
        unsigned w;
        i += unit_at(s + i, to - i, col, &w);
        col += w;
    }
    return col - start;
}

static void echo_line(FILE *f, const char *src, size_t begin, size_t end)
{
    const unsigned char *s = (const unsigned char *)src;
    unsigned col = 0;
    size_t i = begin;
    while (i < end) {
        unsigned w;
        size_t u = unit_at(s + i, end - i, col, &w);
        if (s[i] == '\t')
            fprintf(f, "%*s", (int)w, "");
        else if (u > 1)
            fwrite(s + i, 1, u, f);
        else if (s[i] >= 0x20 && s[i] < 0x7F)
            fputc(s[i], f);
        else
            fputc('?', f);
        col += w;
        i += u;
    }
}

/* The whole diagnostic, given the start of the line holding sp.begin. */
static void print_diag(FILE *f, const char *file, const char *src,
                       size_t len, size_t lbegin, int line, struct span sp,
                       const char *kind, const char *msg)
{
    /* A byte-order mark is not part of the first line's text. */
    if (lbegin == 0 && len >= 3 && memcmp(src, "\xEF\xBB\xBF", 3) == 0 &&
        sp.begin >= 3)
        lbegin = 3;
    size_t begin = sp.begin < len ? sp.begin : len;
    size_t lend = line_end(src, len, lbegin);
    if (begin > lend)
        begin = lend;
    size_t end = sp.end < begin ? begin : sp.end > lend ? lend : sp.end;
    unsigned col = cells(src, lbegin, begin, 0);
    unsigned tilde = end > begin ? cells(src, begin, end, col) : 0;
    fprintf(f, "%s:%d:%u: %s: %s\n", file, line, col + 1, kind, msg);

    size_t shown = lend;
    bool cut = false;
    if (lend - lbegin > ECHO_LONG_LINE && end + ECHO_TAIL < lend) {
        shown = end + ECHO_TAIL;
        /* Do not split a UTF-8 sequence. */
        while (shown > end && ((unsigned char)src[shown] & 0xC0) == 0x80)
            shown--;
        cut = true;
    }
    /* The gutter widens past line 99999 so that both bars stay aligned. */
    int gutter = 5;
    for (int l = line / 100000; l > 0; l /= 10)
        gutter++;
    fprintf(f, "%*d | ", gutter, line);
    echo_line(f, src, lbegin, shown);
    fputs(cut ? " ...\n" : "\n", f);
    fprintf(f, "%*s | %*s^", gutter, "", (int)col, "");
    for (unsigned i = 1; i < tilde; i++)
        fputc('~', f);
    fputc('\n', f);
}

/* Line number and line start of `offset`, by a scan from the start. */
static int locate(const char *src, size_t len, size_t offset,
                  size_t *lbegin)
{
    int line = 1;
    size_t begin = 0;
    if (offset > len)
        offset = len;
    while (begin < offset) {
        const char *nl = memchr(src + begin, '\n', offset - begin);
        if (!nl)
            break;
        begin = (size_t)(nl - src) + 1;
        line++;
    }
    *lbegin = begin;
    return line;
}

static char *vformat(const char *fmt, va_list ap)
{
    va_list aq;
    va_copy(aq, ap);
    int n = vsnprintf(NULL, 0, fmt, aq);
    va_end(aq);
    if (n < 0)
        return NULL;
    char *s = malloc((size_t)n + 1);
    if (s)
        vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

void diag_at(FILE *errs, const struct model *m, struct span sp,
             const char *kind, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = vformat(fmt, ap);
    va_end(ap);
    size_t lbegin;
    int line = locate(m->src, m->src_len, sp.begin, &lbegin);
    print_diag(errs, m->file, m->src, m->src_len, lbegin, line, sp, kind,
               msg ? msg : fmt);
    free(msg);
}

void diag_line_col(const struct model *m, unsigned offset, int *line,
                   int *col)
{
    size_t lbegin;
    size_t off = offset < m->src_len ? offset : m->src_len;
    *line = locate(m->src, m->src_len, off, &lbegin);
    if (lbegin == 0 && off >= 3 && memcmp(m->src, "\xEF\xBB\xBF", 3) == 0)
        lbegin = 3;
    *col = (int)cells(m->src, lbegin, off, 0) + 1;
}

/* ---- the collector ---- */

struct dnote {
    struct span sp;
    char *msg;
};

struct derr {
    struct span sp;
    size_t seq;              /* order of arrival, to keep sorting stable */
    char *msg;
    struct dnote *notes;
    size_t n_notes;
};

struct dunsup {
    const char *what;
    unsigned line;
};

struct diag {
    const char *file;
    const char *src;
    size_t len;
    size_t *lines;           /* start offset of each line */
    size_t n_lines;
    struct derr *errs;
    size_t n_errs, cap_errs;
    size_t total;            /* errors recorded, kept or not */
    size_t seq;
    bool trimmed;            /* errors at or after cut_pos are dropped */
    unsigned cut_pos;
    bool dropping;           /* the last error was dropped: so are its notes */
    bool oom;
    struct derr *warns;      /* in order of arrival, no notes */
    size_t n_warns, cap_warns;
    struct dunsup *unsup;    /* constructs not read, in order of arrival */
    size_t n_unsup, cap_unsup;
};

struct diag *diag_new(const char *file, const char *src, size_t len)
{
    struct diag *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->file = file;
    d->src = src;
    d->len = len;
    size_t n = 1;
    for (const char *p = src, *end = src + len;
         p < end && (p = memchr(p, '\n', (size_t)(end - p))); p++)
        n++;
    d->lines = malloc(n * sizeof *d->lines);
    if (!d->lines) {
        free(d);
        return NULL;
    }
    d->lines[0] = 0;
    d->n_lines = 1;
    for (const char *p = src, *end = src + len;
         p < end && (p = memchr(p, '\n', (size_t)(end - p))); p++)
        d->lines[d->n_lines++] = (size_t)(p - src) + 1;
    return d;
}

static void free_err(struct derr *e)
{
    for (size_t i = 0; i < e->n_notes; i++)
        free(e->notes[i].msg);
    free(e->notes);
    free(e->msg);
}

void diag_free(struct diag *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n_errs; i++)
        free_err(&d->errs[i]);
    for (size_t i = 0; i < d->n_warns; i++)
        free_err(&d->warns[i]);
    free(d->errs);
    free(d->warns);
    free(d->unsup);
    free(d->lines);
    free(d);
}

static int cmp_err(const void *a, const void *b)
{
    const struct derr *x = a, *y = b;
    if (x->sp.begin != y->sp.begin)
        return x->sp.begin < y->sp.begin ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Keeps the DIAG_MAX_ERRORS first errors in source order; any later error
   at or after the last one kept can never be printed. */
static void trim(struct diag *d)
{
    /* qsort must not be given the NULL array of a collector without
       errors, even for zero elements (C11 7.22.5). */
    if (d->n_errs == 0)
        return;
    qsort(d->errs, d->n_errs, sizeof *d->errs, cmp_err);
    if (d->n_errs <= DIAG_MAX_ERRORS)
        return;
    for (size_t i = DIAG_MAX_ERRORS; i < d->n_errs; i++)
        free_err(&d->errs[i]);
    d->n_errs = DIAG_MAX_ERRORS;
    d->trimmed = true;
    d->cut_pos = d->errs[DIAG_MAX_ERRORS - 1].sp.begin;
}

bool diag_wants(const struct diag *d, unsigned pos)
{
    return !d->trimmed || pos < d->cut_pos;
}

void diag_error(struct diag *d, struct span sp, const char *fmt, ...)
{
    d->total++;
    d->dropping = !diag_wants(d, sp.begin);
    if (d->dropping)
        return;
    if (d->n_errs == d->cap_errs) {
        if (d->n_errs >= TRIM_AT) {
            trim(d);
            d->dropping = !diag_wants(d, sp.begin);
            if (d->dropping)
                return;
        }
        if (d->n_errs == d->cap_errs) {
            size_t cap = d->cap_errs ? 2 * d->cap_errs : 32;
            struct derr *e = realloc(d->errs, cap * sizeof *e);
            if (!e) {
                d->oom = true;
                d->dropping = true;
                return;
            }
            d->errs = e;
            d->cap_errs = cap;
        }
    }
    va_list ap;
    va_start(ap, fmt);
    char *msg = vformat(fmt, ap);
    va_end(ap);
    if (!msg)
        d->oom = true;
    /* The elements of an array statement share its text: an error that
       does not depend on the element is reported once, not per element. */
    for (size_t i = 0; msg && i < d->n_errs; i++)
        if (d->errs[i].sp.begin == sp.begin && d->errs[i].sp.end == sp.end &&
            d->errs[i].msg && strcmp(d->errs[i].msg, msg) == 0) {
            free(msg);
            d->total--;
            d->dropping = true;
            return;
        }
    d->errs[d->n_errs++] = (struct derr){ .sp = sp, .seq = d->seq++,
                                          .msg = msg };
}

void diag_note(struct diag *d, struct span sp, const char *fmt, ...)
{
    if (d->dropping || d->n_errs == 0)
        return;
    struct derr *e = &d->errs[d->n_errs - 1];
    struct dnote *n = realloc(e->notes, (e->n_notes + 1) * sizeof *n);
    if (!n) {
        d->oom = true;
        return;
    }
    e->notes = n;
    va_list ap;
    va_start(ap, fmt);
    char *msg = vformat(fmt, ap);
    va_end(ap);
    if (!msg) {
        d->oom = true;
        return;
    }
    e->notes[e->n_notes++] = (struct dnote){ .sp = sp, .msg = msg };
}

void diag_warning(struct diag *d, struct span sp, const char *fmt, ...)
{
    if (d->n_warns == DIAG_MAX_WARNINGS)
        return;
    if (d->n_warns == d->cap_warns) {
        size_t cap = d->cap_warns ? 2 * d->cap_warns : 8;
        struct derr *w = realloc(d->warns, cap * sizeof *w);
        if (!w) {
            d->oom = true;
            return;
        }
        d->warns = w;
        d->cap_warns = cap;
    }
    va_list ap;
    va_start(ap, fmt);
    char *msg = vformat(fmt, ap);
    va_end(ap);
    if (!msg)
        d->oom = true;
    d->warns[d->n_warns] = (struct derr){ .sp = sp, .seq = d->n_warns,
                                          .msg = msg };
    d->n_warns++;
}

static size_t line_index(const struct diag *d, unsigned offset);

void diag_unsupported(struct diag *d, struct span sp, const char *what)
{
    if (d->n_unsup == d->cap_unsup) {
        size_t cap = d->cap_unsup ? 2 * d->cap_unsup : 16;
        struct dunsup *u = realloc(d->unsup, cap * sizeof *u);
        if (!u) {
            d->oom = true;
            return;
        }
        d->unsup = u;
        d->cap_unsup = cap;
    }
    d->unsup[d->n_unsup++] = (struct dunsup){
        what, (unsigned)line_index(d, sp.begin) + 1 };
}

size_t diag_error_count(const struct diag *d)
{
    return d->total;
}

static size_t line_index(const struct diag *d, unsigned offset)
{
    size_t lo = 0, hi = d->n_lines;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (d->lines[mid] <= offset)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

int diag_line(const struct diag *d, unsigned offset)
{
    return (int)line_index(d, offset) + 1;
}

static void print_at(const struct diag *d, FILE *f, struct span sp,
                     const char *kind, const char *msg)
{
    size_t i = line_index(d, sp.begin);
    print_diag(f, d->file, d->src, d->len, d->lines[i], (int)i + 1, sp, kind,
               msg ? msg : "(out of memory)");
}

/* "FILE: note: not supported yet: global (lines 3, 9), table (line 5)":
   every construct reported by diag_unsupported, also those past the
   limit of errors, grouped by kind in order of first appearance. */
static void print_unsupported(const struct diag *d, FILE *f)
{
    enum { MAX_LINES = 10 };
    if (d->n_unsup == 0)
        return;
    fprintf(f, "%s: note: not supported yet:", d->file);
    for (size_t i = 0; i < d->n_unsup; i++) {
        const char *what = d->unsup[i].what;
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = strcmp(d->unsup[j].what, what) == 0;
        if (seen)
            continue;
        size_t n = 0;
        for (size_t j = i; j < d->n_unsup; j++)
            n += strcmp(d->unsup[j].what, what) == 0;
        fprintf(f, "%s %s (line%s", i ? "," : "", what, n > 1 ? "s" : "");
        size_t shown = 0;
        for (size_t j = i; j < d->n_unsup && shown < MAX_LINES; j++)
            if (strcmp(d->unsup[j].what, what) == 0)
                fprintf(f, "%s %u", shown++ ? "," : "", d->unsup[j].line);
        if (n > shown)
            fprintf(f, " and %zu more", n - shown);
        fputc(')', f);
    }
    fputc('\n', f);
}

int diag_flush(struct diag *d, FILE *errs)
{
    trim(d);
    if (d->n_warns)
        qsort(d->warns, d->n_warns, sizeof *d->warns, cmp_err);
    size_t w = 0;
    for (size_t i = 0; i < d->n_errs; i++) {
        const struct derr *e = &d->errs[i];
        for (; w < d->n_warns && d->warns[w].sp.begin < e->sp.begin; w++)
            print_at(d, errs, d->warns[w].sp, "warning", d->warns[w].msg);
        print_at(d, errs, e->sp, "error", e->msg);
        for (size_t j = 0; j < e->n_notes; j++)
            print_at(d, errs, e->notes[j].sp, "note", e->notes[j].msg);
    }
    /* Past the last error kept, warnings would come after errors that
       were dropped. */
    for (; w < d->n_warns && !d->trimmed; w++)
        print_at(d, errs, d->warns[w].sp, "warning", d->warns[w].msg);
    if (d->total > DIAG_MAX_ERRORS)
        fprintf(errs, "%s: note: too many errors; stopping\n", d->file);
    print_unsupported(d, errs);
    return d->oom ? ODE_ENOMEM : 0;
}

size_t diag_warning_count(const struct diag *d)
{
    return d->n_warns;
}
