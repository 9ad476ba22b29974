/* check.c - from model text to a checked struct model: reading the file,
   declarations and their conflicts, settings, initial values, the order of
   intermediates, derived parameters and functions, and assembling the
   model.  Names inside expressions are resolved in resolve.c. */
#include "check.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ast.h"
#include "diag.h"
#include "array.h"
#include "event_check.h"
#include "problem.h"
#include "resolve.h"
#include "switches.h"

/* ---- the symbol table: open addressing on the lower-case name ---- */

static uint64_t hash_name(const char *s, size_t n)
{
    uint64_t h = 14695981039346656037u;          /* FNV-1a */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c | 0x20);
        h = (h ^ c) * 1099511628211u;
    }
    return h;
}

struct sym *check_lookup(const struct checker *ck, struct span name)
{
    return check_lookup_text(ck, ck->m->src + name.begin,
                             name.end - name.begin);
}

struct sym *check_lookup_text(const struct checker *ck, const char *s,
                              size_t n)
{
    if (!ck->n_slots)
        return NULL;
    size_t mask = ck->n_slots - 1;
    for (size_t i = (size_t)hash_name(s, n) & mask;; i = (i + 1) & mask) {
        struct sym *sym = ck->slots[i];
        if (!sym)
            return NULL;
        if (sym->len == n && strncasecmp(sym->name, s, n) == 0)
            return sym;
    }
}

static bool slot_insert(struct sym **slots, size_t n_slots, struct sym *sym)
{
    size_t mask = n_slots - 1;
    size_t i = (size_t)hash_name(sym->name, sym->len) & mask;
    while (slots[i])
        i = (i + 1) & mask;
    slots[i] = sym;
    return true;
}

static bool vec_push(struct symvec *v, struct sym *s)
{
    if (v->n == v->cap) {
        size_t cap = v->cap ? 2 * v->cap : 16;
        struct sym **p = realloc(v->v, cap * sizeof *p);
        if (!p)
            return false;
        v->v = p;
        v->cap = cap;
    }
    v->v[v->n++] = s;
    return true;
}

/* Adds a symbol for the name at `name`, which must not be declared yet. */
static struct sym *define(struct checker *ck, enum sym_kind kind,
                          const struct ast_stmt *stmt, struct span name)
{
    return check_define(ck, kind, stmt, name, ck->m->src + name.begin,
                        name.end - name.begin);
}

struct sym *check_define(struct checker *ck, enum sym_kind kind,
                         const struct ast_stmt *stmt, struct span name,
                         const char *text, size_t len)
{
    if (2 * (ck->n_used + 1) > ck->n_slots) {
        size_t n = ck->n_slots ? 2 * ck->n_slots : 64;
        struct sym **slots = calloc(n, sizeof *slots);
        if (!slots)
            goto fail;
        for (size_t i = 0; i < ck->n_slots; i++)
            if (ck->slots[i])
                slot_insert(slots, n, ck->slots[i]);
        free(ck->slots);
        ck->slots = slots;
        ck->n_slots = n;
    }
    struct sym *sym = model_alloc(ck->m, sizeof *sym);
    if (!sym)
        goto fail;
    sym->kind = kind;
    sym->len = (unsigned)len;
    sym->name = model_strndup(ck->m, text, len);
    sym->decl = name;
    sym->stmt = stmt;
    sym->index = (int)ck->kind[kind].n;
    sym->pos = sym->index;
    if (!sym->name || !vec_push(&ck->kind[kind], sym) ||
        !vec_push(&ck->all, sym))
        goto fail;
    slot_insert(ck->slots, ck->n_slots, sym);
    ck->n_used++;
    return sym;
fail:
    ck->oom = true;
    return NULL;
}

/* ---- declarations ---- */

static void redefinition(struct checker *ck, const struct ast_stmt *s,
                         const struct sym *old)
{
    /* XPPAUT reads every name in upper case: `par v` and `V'` clash
       there too (xppaut: "V is a duplicate name"). */
    bool cased = strncmp(old->name, ck->m->src + s->name.begin, old->len) != 0;
    if (s->kind == ST_ODE && old->kind == SYM_STATE) {
        diag_error(ck->d, s->lhs, "duplicate equation for '%s'%s", old->name,
                   cased ? " (names are case-insensitive)" : "");
        diag_note(ck->d, old->stmt->lhs, "first equation for '%s' is here",
                  old->name);
        return;
    }
    diag_error(ck->d, s->name, "redefinition of '%.*s'%s",
               (int)(s->name.end - s->name.begin), ck->m->src + s->name.begin,
               cased ? " (names are case-insensitive)" : "");
    diag_note(ck->d, old->decl, "'%s' was first defined here as %s",
              old->name, resolve_kind_noun(old->kind));
}

static void check_args(struct checker *ck, const struct ast_stmt *s)
{
    if (s->nargs > AST_MAX_ARGS)
        diag_error(ck->d, s->args[AST_MAX_ARGS], "a function takes at most "
                   "%d arguments", AST_MAX_ARGS);
    for (int i = 0; i < s->nargs; i++) {
        struct span a = s->args[i];
        if (!resolve_check_name(ck, a, true))
            continue;
        for (int j = 0; j < i; j++) {
            struct span b = s->args[j];
            if (a.end - a.begin == b.end - b.begin &&
                strncasecmp(ck->m->src + a.begin, ck->m->src + b.begin,
                            a.end - a.begin) == 0) {
                diag_error(ck->d, a, "duplicate argument '%.*s'",
                           (int)(a.end - a.begin), ck->m->src + a.begin);
                break;
            }
        }
    }
}

static void declare(struct checker *ck, const struct ast_stmt *s)
{
    static const enum sym_kind kind_of[] = {
        [ST_ODE] = SYM_STATE, [ST_PARAM] = SYM_PARAM,
        [ST_NUMBER] = SYM_NUMBER, [ST_DERIVED] = SYM_DERIVED,
        [ST_INTER] = SYM_INTER, [ST_AUX] = SYM_AUX, [ST_FUNC] = SYM_FUNC,
        [ST_VOLT] = SYM_STATE,
    };
    enum sym_kind kind = kind_of[s->kind];
    if (s->block > 0) {
        array_declare_block(ck, s, kind_of);
        return;
    }
    if (s->array) {
        array_declare(ck, s, kind);
        return;
    }
    if (s->kind == ST_FUNC)
        check_args(ck, s);
    if (!resolve_check_name(ck, s->name, false))
        return;
    const struct sym *old = check_lookup(ck, s->name);
    if (old) {
        redefinition(ck, s, old);
        return;
    }
    if (kind == SYM_STATE && ck->kind[SYM_STATE].n == CHECK_MAX_STATES) {
        diag_error(ck->d, s->lhs, "too many differential equations (more "
                   "than %d)", CHECK_MAX_STATES);
        return;
    }
    define(ck, kind, s, s->name);
}

/* ---- settings ---- */

/* What a value must be; a bad one is an error at the value. */
enum set_rule {
    SR_ANY,             /* any number */
    SR_POSITIVE,        /* > 0 */
    SR_NONNEG,          /* >= 0 */
    SR_NONZERO,         /* != 0 */
    SR_COUNT,           /* a whole number >= 1 */
    SR_METHOD,          /* a word */
};

struct setting {
    const char *key;
    unsigned bit;
    size_t field;               /* offset of the double (or long) */
    enum set_rule rule;
};

#define NUM(k, bit, f, r) { k, bit, offsetof(struct model_settings, f), r }
static const struct setting settings[] = {
    NUM("total", SET_TOTAL, total, SR_POSITIVE),
    NUM("t0", SET_T0, t0, SR_ANY),
    NUM("dt", SET_DT, dt, SR_NONZERO),
    NUM("tol", SET_TOL, tol, SR_POSITIVE),
    NUM("toler", SET_TOL, tol, SR_POSITIVE),
    NUM("atol", SET_ATOL, atol, SR_NONNEG),
    NUM("atoler", SET_ATOL, atol, SR_NONNEG),
    NUM("dtmin", SET_DTMIN, dtmin, SR_NONNEG),
    NUM("dtmax", SET_DTMAX, dtmax, SR_POSITIVE),
    NUM("bound", SET_BOUND, bound, SR_POSITIVE),
    NUM("maxstor", SET_MAXSTOR, maxstor, SR_COUNT),
    NUM("trans", SET_TRANS, trans, SR_ANY),
    NUM("nout", SET_NOUT, nout, SR_COUNT),
    NUM("vmaxpts", SET_VMAXPTS, vmaxpts, SR_COUNT),
    NUM("njmp", SET_NOUT, nout, SR_COUNT),   /* XPPAUT's other name */
    NUM("meth", SET_METH, meth, SR_METHOD),
    NUM("method", SET_METH, meth, SR_METHOD),
};
#undef NUM

/* XPPAUT settings that change its trajectory or its rows and that this
   version reads but does not honour yet: each gets a warning. */
static const char *const unhonoured_settings[] = {
    "poimap", "poivar", "poipln", "poisgn", "poistop", "range",
    "rangeover", "rangestep", "rangelow", "rangehigh", "rangereset",
    "rangeoldic", "stoch",
};

/* XPPAUT settings for its plot window, browser, colours, fonts, AUTO,
   nullclines, root finders and the solvers and statements this version
   does not run.  They mean nothing to a run here and are accepted,
   silently, so that XPPAUT files load as they are. */
static const char *const ignored_settings[] = {
    "xlo", "xhi", "ylo", "yhi", "xmin", "xmax", "ymin", "ymax", "zmin",
    "zmax", "xp", "yp", "zp", "nplot", "axes", "phi", "theta", "lt", "back",
    "small", "big", "smc", "umc", "xnc", "ync", "dwcolor", "mwcolor",
    "backcolor", "forecolor", "grads", "height", "width", "runnow", "but",
    "ps_color", "ps_fsize", "ps_lw", "ps_font", "colormap", "bell", "sp",
    "dfgrid", "dfdraw", "ncdraw", "nmesh", "plotfmt", "logfile", "output",
    "outputs", "mesh", "tor_per", "fold", "ntst", "nmax", "npr", "ds",
    "dsmin", "dsmax", "parmin", "parmax", "normmin", "normmax", "autoxmin",
    "autoxmax", "autoymin", "autoymax", "autovar", "ncol", "epsl", "epsu",
    "epss", "iad", "mxbf", "iid", "itmx", "itnw", "nwtn", "isw", "bandlo",
    "bandup", "jac_eps", "newt_tol", "newt_iter", "delay",
    "maxdelay", "seed", "autoeval", "dll_lib", "dll_fun", "method_s", "ic",
    "iic", "total_s",
};

static bool key_is(const struct checker *ck, struct span sp, const char *k)
{
    return ast_is(ck->m, sp, k);
}

/* XPPAUT reads a key that starts with one of its names as that name
   (`transient` is trans, `xplot` is xp, `bounds` is bound; checked with
   xppaut -silent), preferring an exact match, then the longest name. */
static bool key_match(const struct checker *ck, struct span sp,
                      const char *k, size_t *best)
{
    size_t n = strlen(k), len = sp.end - sp.begin;
    if (n == len && key_is(ck, sp, k)) {
        *best = SIZE_MAX;
        return true;
    }
    if (n < len && *best != SIZE_MAX && n > *best &&
        strncasecmp(ck->m->src + sp.begin, k, n) == 0) {
        *best = n;
        return true;
    }
    return false;
}

/* The setting the key at sp names (*st, one of `settings`) or the other
   XPPAUT option (*other, with *unhonoured when it is one of
   unhonoured_settings); both NULL for an unknown key. */
static void lookup_key(const struct checker *ck, struct span sp,
                       const struct setting **st, const char **other,
                       bool *unhonoured)
{
    size_t best = 0;
    *st = NULL;
    *other = NULL;
    *unhonoured = false;
    for (size_t i = 0; i < sizeof settings / sizeof *settings; i++)
        if (key_match(ck, sp, settings[i].key, &best))
            *st = &settings[i];
    for (size_t i = 0; i < sizeof unhonoured_settings /
                           sizeof *unhonoured_settings; i++)
        if (key_match(ck, sp, unhonoured_settings[i], &best)) {
            *other = unhonoured_settings[i];
            *unhonoured = true;
            *st = NULL;
        }
    for (size_t i = 0; i < sizeof ignored_settings /
                           sizeof *ignored_settings; i++)
        if (key_match(ck, sp, ignored_settings[i], &best)) {
            *other = ignored_settings[i];
            *unhonoured = false;
            *st = NULL;
        }
}

/* Whether an earlier `@` line already named the option `other` (or, when
   it is NULL, the same unknown key as s): a warning is given once. */
static bool key_seen_before(const struct checker *ck, const struct ast_stmt *s,
                            const char *other)
{
    for (const struct ast_stmt *e = ck->ast->first; e && e != s; e = e->next) {
        if (e->kind != ST_SET)
            continue;
        if (other) {
            const struct setting *est;
            const char *eother;
            bool eu;
            lookup_key(ck, e->name, &est, &eother, &eu);
            if (eother == other)
                return true;
        } else if (e->name.end - e->name.begin ==
                       s->name.end - s->name.begin &&
                   strncasecmp(ck->m->src + e->name.begin,
                               ck->m->src + s->name.begin,
                               s->name.end - s->name.begin) == 0) {
            return true;
        }
    }
    return false;
}

static void unknown_setting(struct checker *ck, const struct ast_stmt *s)
{
    int kn = (int)(s->name.end - s->name.begin);
    const char *ks = ck->m->src + s->name.begin;
    if (key_seen_before(ck, s, NULL))
        return;
    int best = 3;
    const char *sugg = NULL;
    for (size_t i = 0; i < sizeof settings / sizeof *settings; i++)
        if (resolve_closer(ks, (size_t)kn, settings[i].key,
                           strlen(settings[i].key), &best))
            sugg = settings[i].key;
    if (sugg)
        diag_warning(ck->d, s->name, "unknown setting '%.*s' ignored; did "
                     "you mean '%s'?", kn, ks, sugg);
    else
        diag_warning(ck->d, s->name, "unknown setting '%.*s' ignored", kn,
                     ks);
}

/* Checks the value of s against the rule of st; reports and returns
   false when it breaks it. */
static bool value_ok(struct checker *ck, const struct ast_stmt *s,
                     const struct setting *st)
{
    int kn = (int)(s->name.end - s->name.begin);
    const char *ks = ck->m->src + s->name.begin;
    const char *why = NULL;
    if (s->word) {
        diag_error(ck->d, s->value, "setting '%.*s' needs a number", kn, ks);
        return false;
    }
    switch (st->rule) {
    case SR_POSITIVE:
        why = s->num > 0 ? NULL : "must be positive";
        break;
    case SR_NONNEG:
        why = s->num >= 0 ? NULL : "must not be negative";
        break;
    case SR_NONZERO:
        why = s->num != 0 ? NULL : "must not be 0";
        break;
    case SR_COUNT:
        /* 2^63 is the first double above LONG_MAX on LP64. */
        if (s->num != (double)(long)s->num || !(s->num < 9223372036854775808.0))
            why = "needs a whole number";
        else if (s->num < 1)
            why = "must be at least 1";
        break;
    default:
        break;
    }
    if (!why)
        return true;
    diag_error(ck->d, s->value, "setting '%.*s' %s", kn, ks, why);
    return false;
}

/* Applies the setting s to *set (the model's, or a set block's). */
static void apply_setting_to(struct checker *ck, const struct ast_stmt *s,
                             struct model_settings *set)
{
    int kn = (int)(s->name.end - s->name.begin);
    const char *ks = ck->m->src + s->name.begin;
    const struct setting *st;
    const char *other;
    bool unhonoured;
    lookup_key(ck, s->name, &st, &other, &unhonoured);
    if (!st) {
        if (!other)
            unknown_setting(ck, s);
        else if (unhonoured && !key_seen_before(ck, s, other))
            diag_warning(ck->d, s->name, "setting '%.*s' is not honoured "
                         "yet and is ignored", kn, ks);
        return;
    }
    if (st->rule == SR_METHOD) {
        /* XPPAUT reads a method by its first character, so `meth=8` is
           83dp: a number is taken as written, and the run decides. */
        size_t n = s->value.end - s->value.begin;
        char *name = model_strndup(ck->m, ck->m->src + s->value.begin, n);
        if (!name) {
            ck->oom = true;
            return;
        }
        for (size_t i = 0; i < n; i++)
            if (name[i] >= 'A' && name[i] <= 'Z')
                name[i] = (char)(name[i] | 0x20);
        set->meth = name;
        set->meth_span = s->value;
        set->set |= SET_METH;
        return;
    }
    if (!value_ok(ck, s, st))
        return;
    char *field = (char *)set + st->field;
    if (st->rule == SR_COUNT)
        *(long *)field = (long)s->num;
    else
        *(double *)field = s->num;
    set->set |= st->bit;
    if (st->bit == SET_MAXSTOR && set == &ck->m->settings)
        ck->maxstor = s;
}

static void apply_setting(struct checker *ck, const struct ast_stmt *s)
{
    apply_setting_to(ck, s, &ck->m->settings);
}

/* XPPAUT keeps at most maxstor rows; files raise it so that a long run
   is kept whole, and then nothing differs.  Warned only when XPPAUT would
   cut the run: more than maxstor rows of dt*nout over total (XPPAUT's
   defaults 20, 0.05 and 1 where the file is silent). */
static void check_maxstor(struct checker *ck)
{
    const struct model_settings *set = &ck->m->settings;
    if (!ck->maxstor)
        return;
    double total = set->set & SET_TOTAL ? set->total : 20;
    /* A map (meth=discrete, XPPAUT's first letter d) steps by 1. */
    bool map = ck->m->maps || ((set->set & SET_METH) && set->meth &&
                               (set->meth[0] | 0x20) == 'd');
    double dt = map ? 1 : set->set & SET_DT ? fabs(set->dt) : 0.05;
    double nout = set->set & SET_NOUT ? (double)set->nout : 1;
    double rows = floor(total / (dt * nout)) + 1;
    if (rows > (double)set->maxstor)
        diag_warning(ck->d, ck->maxstor->name, "setting 'maxstor': XPPAUT "
                     "would keep the first %ld of about %.0f rows; all are "
                     "written unless --xpp", set->maxstor, rows);
}

/* ---- set NAME {...} ---- */

/* Each entry of a block names a parameter, a state (its initial value)
   or a setting.  Indices of states and parameters are final once
   declared: both keep declaration order. */
static void check_set_block(struct checker *ck, const struct ast_stmt *b,
                            struct model_set *out)
{
    struct model *m = ck->m;
    out->span = b->name;
    out->name = model_strndup(m, m->src + b->name.begin,
                              b->name.end - b->name.begin);
    size_t n = 0;
    for (const struct ast_stmt *e = b->body; e; e = e->next)
        n++;
    out->values = n ? model_alloc(m, n * sizeof *out->values) : NULL;
    if (!out->name || (n && !out->values)) {
        ck->oom = true;
        return;
    }
    for (const struct ast_stmt *e = b->body; e; e = e->next) {
        const struct sym *sym = check_lookup(ck, e->name);
        if (sym && (sym->kind == SYM_PARAM || sym->kind == SYM_STATE)) {
            if (e->word) {
                diag_error(ck->d, e->value, "'%s' in set '%s' needs a "
                           "number", sym->name, out->name);
                continue;
            }
            struct model_set_value *v = &out->values[out->n_values++];
            v->state = sym->kind == SYM_STATE;
            v->index = (size_t)sym->index;
            v->value = e->num;
        } else if (sym && sym->kind != SYM_TAINTED) {
            diag_error(ck->d, e->name, "'%s' in set '%s' is not a "
                       "parameter, a state or a setting", sym->name,
                       out->name);
        } else if (!sym) {
            const struct setting *st;
            const char *other;
            bool unhonoured;
            lookup_key(ck, e->name, &st, &other, &unhonoured);
            if (st || other)
                apply_setting_to(ck, e, &out->settings);
            else
                diag_error(ck->d, e->name, "unknown name '%.*s' in set "
                           "'%s' (not a parameter, a state or a setting)",
                           (int)(e->name.end - e->name.begin),
                           m->src + e->name.begin, out->name);
        }
    }
}

static void check_set_blocks(struct checker *ck)
{
    struct model *m = ck->m;
    size_t n = 0;
    for (const struct ast_stmt *s = ck->ast->first; s; s = s->next)
        n += s->kind == ST_SETBLOCK;
    if (!n)
        return;
    m->sets = model_alloc(m, n * sizeof *m->sets);
    if (!m->sets) {
        ck->oom = true;
        return;
    }
    for (const struct ast_stmt *s = ck->ast->first; s && !ck->oom;
         s = s->next) {
        if (s->kind != ST_SETBLOCK)
            continue;
        for (size_t i = 0; i < m->n_sets; i++)
            if (ast_is(m, s->name, m->sets[i].name)) {
                diag_error(ck->d, s->name, "duplicate set '%s'",
                           m->sets[i].name);
                diag_note(ck->d, m->sets[i].span, "first defined here");
                goto next;
            }
        check_set_block(ck, s, &m->sets[m->n_sets++]);
    next:;
    }
}

/* ---- only ---- */

/* `only` names the output columns: t, states and aux quantities, in the
   order XPPAUT writes them. */
static void check_only(struct checker *ck)
{
    struct model *m = ck->m;
    size_t n = 0;
    for (const struct ast_stmt *s = ck->ast->first; s; s = s->next)
        n += s->kind == ST_ONLY;
    if (!n)
        return;
    m->only = model_alloc(m, n * sizeof *m->only);
    if (!m->only) {
        ck->oom = true;
        return;
    }
    for (const struct ast_stmt *s = ck->ast->first; s; s = s->next) {
        if (s->kind != ST_ONLY)
            continue;
        const struct sym *sym = check_lookup(ck, s->name);
        struct model_column c = { MC_TIME, 0 };
        if (!sym && ast_is(m, s->name, "t")) {
            c.kind = MC_TIME;
        } else if (sym && sym->kind == SYM_STATE) {
            c = (struct model_column){ MC_STATE, (size_t)sym->index };
        } else if (sym && sym->kind == SYM_AUX) {
            c = (struct model_column){ MC_AUX, (size_t)sym->index };
        } else if (sym && sym->kind == SYM_TAINTED) {
            continue;
        } else {
            int len = (int)(s->name.end - s->name.begin);
            diag_error(ck->d, s->name, "'only' lists t, states and aux "
                       "quantities; '%.*s' is %s", len,
                       m->src + s->name.begin,
                       sym ? "not one of them" : "not declared");
            continue;
        }
        bool dup = false;
        for (size_t i = 0; i < m->n_only; i++)
            dup |= m->only[i].kind == c.kind && m->only[i].index == c.index;
        if (!dup)
            m->only[m->n_only++] = c;
    }
}

/* ---- initial values ---- */

static void apply_init(struct checker *ck, const struct ast_stmt *s)
{
    if (s->array) {
        array_init(ck, s);
        return;
    }
    check_init(ck, s, check_lookup(ck, s->name),
               ck->m->src + s->name.begin, (int)(s->name.end - s->name.begin));
}

void check_init(struct checker *ck, const struct ast_stmt *s,
                struct sym *sym, const char *name, int n)
{
    if ((sym && sym->kind == SYM_TAINTED) ||
        (!sym && resolve_tainted_element(ck, s->name)))
        return;
    if (sym && sym->kind == SYM_STATE) {
        if (sym->init) {
            diag_error(ck->d, s->name, "duplicate initial value for '%s'",
                       sym->name);
            diag_note(ck->d, sym->init->name, "first initial value for '%s' "
                      "is here", sym->name);
            return;
        }
        sym->init = s;
        /* A name keeps the spelling of its first declaration. */
        if (!s->array && !sym->elem && s->name.begin < sym->decl.begin) {
            sym->decl = s->name;
            sym->name = model_strndup(ck->m, name, (size_t)n);
            if (!sym->name)
                ck->oom = true;
        }
        return;
    }
    diag_error(ck->d, s->name, "initial value for '%.*s', which has no "
               "equation", n, name);
    if (sym) {
        diag_note(ck->d, sym->decl, "'%s' is %s, defined here", sym->name,
                  resolve_kind_noun(sym->kind));
        return;
    }
    if (!diag_wants(ck->d, s->name.begin))
        return;
    int best = 3;
    const struct sym *sugg = NULL;
    const struct symvec *states = &ck->kind[SYM_STATE];
    for (size_t i = 0; i < states->n; i++)
        if (resolve_closer(name, (size_t)n, states->v[i]->name,
                           states->v[i]->len, &best))
            sugg = states->v[i];
    if (sugg)
        diag_note(ck->d, sugg->decl, "did you mean '%s'?", sugg->name);
}

/* ---- dependency order ---- */

/* Nodes are symbols; edge e of node i (first[i] <= e < first[i+1]) goes
   to node to[e] and comes from the use at at[e]. */
struct graph {
    struct sym **nodes;
    size_t n;
    size_t *first;
    size_t *to;
    struct span *at;
    size_t n_edges, cap_edges;
    size_t base_func;           /* node of function 0 (mixed graphs) */
    bool oom;
};

static void add_edge(void *arg, const struct sym *to, struct span at)
{
    struct graph *g = arg;
    if (g->n_edges == g->cap_edges) {
        size_t cap = g->cap_edges ? 2 * g->cap_edges : 64;
        size_t *t = realloc(g->to, cap * sizeof *t);
        if (t)
            g->to = t;
        struct span *a = realloc(g->at, cap * sizeof *a);
        if (a)
            g->at = a;
        if (!t || !a) {
            g->oom = true;
            return;
        }
        g->cap_edges = cap;
    }
    size_t node = (size_t)to->index;
    if (to->kind == SYM_FUNC)
        node += g->base_func;
    g->to[g->n_edges] = node;
    g->at[g->n_edges] = at;
    g->n_edges++;
}

static void graph_free(struct graph *g)
{
    free(g->nodes);
    free(g->first);
    free(g->to);
    free(g->at);
}

/* The graph of `kinds` (intermediates; or derived parameters and
   functions, which may use each other). */
static bool graph_build(struct checker *ck, struct graph *g, unsigned kinds)
{
    memset(g, 0, sizeof *g);
    const struct symvec *a = &ck->kind[SYM_INTER], *b = NULL;
    if (!(kinds & SYM_BIT(SYM_INTER))) {
        a = &ck->kind[SYM_DERIVED];
        b = &ck->kind[SYM_FUNC];
    }
    g->n = a->n + (b ? b->n : 0);
    g->base_func = a->n;
    g->nodes = malloc((g->n + 1) * sizeof *g->nodes);
    g->first = malloc((g->n + 1) * sizeof *g->first);
    if (!g->nodes || !g->first)
        return false;
    for (size_t i = 0; i < a->n; i++)
        g->nodes[i] = a->v[i];
    for (size_t i = 0; b && i < b->n; i++)
        g->nodes[a->n + i] = b->v[i];
    for (size_t i = 0; i < g->n; i++) {
        const struct ast_stmt *s = g->nodes[i]->stmt;
        g->first[i] = g->n_edges;
        ck->in_array = g->nodes[i]->elem;
        ck->j = g->nodes[i]->j;
        resolve_deps(ck, s->expr, s->kind == ST_FUNC ? s : NULL, kinds,
                     add_edge, g);
    }
    g->first[g->n] = g->n_edges;
    ck->in_array = false;
    return !g->oom;
}

/* The cycle stack[from..top] closed by edge `back` of the top node. */
static void report_cycle(struct checker *ck, const struct graph *g,
                         const size_t *stack, const size_t *iter,
                         size_t from, size_t top, size_t back)
{
    size_t n = top - from + 1;
    for (size_t k = from; k <= top; k++)
        if (g->nodes[stack[k]]->cyclic)
            return;
    size_t start = from;
    for (size_t k = from; k <= top; k++) {
        g->nodes[stack[k]]->cyclic = true;
        if (g->nodes[stack[k]]->decl.begin < g->nodes[stack[start]]->decl.begin)
            start = k;
    }
    const struct sym *s0 = g->nodes[stack[start]];
    const char *what = s0->kind == SYM_INTER ? "intermediate"
                       : s0->kind == SYM_DERIVED ? "derived parameter"
                                                 : "function";
    diag_error(ck->d, s0->decl, "%s '%s' depends on itself%s", what,
               s0->name, s0->kind == SYM_FUNC ? " (recursion is not allowed)"
                                              : "");
    if (n == 1) {
        diag_note(ck->d, g->at[back], "'%s' is used here in its own "
                  "definition", s0->name);
        return;
    }
    for (size_t j = 0; j < n; j++) {
        size_t k = from + (start - from + j) % n;
        size_t e = k == top ? back : iter[k] - 1;
        const struct sym *u = g->nodes[stack[k]], *v = g->nodes[g->to[e]];
        diag_note(ck->d, g->at[e], "'%s' %s '%s' here", u->name,
                  v->kind == SYM_FUNC ? "calls" : "uses", v->name);
    }
}

/* Depth-first order of g, dependencies first; every cycle found is
   reported.  When the file is already in order, that order is kept.
   Returns the order (malloc'd, g->n nodes) or NULL when out of memory. */
static size_t *toposort(struct checker *ck, const struct graph *g)
{
    size_t n = g->n;
    unsigned char *mark = calloc(n + 1, 1);     /* 0 new, 1 open, 2 done */
    size_t *stack = malloc((n + 1) * sizeof *stack);
    size_t *iter = malloc((n + 1) * sizeof *iter);
    size_t *pos = malloc((n + 1) * sizeof *pos);
    size_t *order = malloc((n + 1) * sizeof *order);
    size_t n_order = 0;
    if (!mark || !stack || !iter || !pos || !order) {
        ck->oom = true;
        free(order);
        order = NULL;
        goto done;
    }
    for (size_t root = 0; root < n; root++) {
        if (mark[root])
            continue;
        size_t sp = 0;
        stack[sp] = root;
        iter[sp] = g->first[root];
        pos[root] = sp++;
        mark[root] = 1;
        while (sp) {
            size_t v = stack[sp - 1];
            if (iter[sp - 1] == g->first[v + 1]) {
                mark[v] = 2;
                order[n_order++] = v;
                sp--;
                continue;
            }
            size_t e = iter[sp - 1]++;
            size_t w = g->to[e];
            if (mark[w] == 0) {
                mark[w] = 1;
                stack[sp] = w;
                iter[sp] = g->first[w];
                pos[w] = sp++;
            } else if (mark[w] == 1) {
                report_cycle(ck, g, stack, iter, pos[w], sp - 1, e);
            }
        }
    }
done:
    free(pos);
    free(iter);
    free(stack);
    free(mark);
    return order;
}

/* Compiled code calls a user function through the C stack, one frame per
   level: a file with a million functions each calling the one before
   overflows the stack while solving.  And f1(u) = f0(f0(u)), f2(u) =
   f1(f1(u)) ... doubles the work at each line, so forty short lines would
   make one evaluation take 2^40 calls and never finish.  Both are bounded
   here, in the dependency order `order` of the mixed graph g (an edge per
   call).  depth[v] is the longest chain of calls starting in function v,
   capped one past the limit; sym->calls is capped the same way; only the
   function that crosses a limit is reported. */
static void check_calls(struct checker *ck, const struct graph *g,
                        const size_t *order)
{
    const unsigned long long cap = CHECK_MAX_CALLS + 1ull;
    int *depth = calloc(g->n + 1, sizeof *depth);
    if (!depth) {
        ck->oom = true;
        return;
    }
    for (size_t i = 0; i < g->n; i++) {
        size_t v = order[i];
        if (v < g->base_func)
            continue;
        struct sym *s = g->nodes[v];
        size_t deepest = SIZE_MAX, costliest = SIZE_MAX;
        int d = 0;
        unsigned long long calls = 1, most = 0;
        bool over = false;
        for (size_t e = g->first[v]; e < g->first[v + 1]; e++) {
            size_t w = g->to[e];
            if (w < g->base_func)
                continue;
            if (depth[w] > d) {
                d = depth[w];
                deepest = e;
            }
            unsigned long long c = g->nodes[w]->calls;
            over |= c >= cap;
            if (c > most) {
                most = c;
                costliest = e;
            }
            calls = calls + c < cap ? calls + c : cap;
        }
        depth[v] = d > CHECK_MAX_CALL_DEPTH ? d : d + 1;
        s->calls = calls;
        if (d == CHECK_MAX_CALL_DEPTH && deepest != SIZE_MAX) {
            diag_error(ck->d, s->decl, "function '%s' starts a chain of "
                       "more than %d user functions calling each other",
                       s->name, CHECK_MAX_CALL_DEPTH);
            diag_note(ck->d, g->at[deepest], "'%s' calls '%s' here",
                      s->name, g->nodes[g->to[deepest]]->name);
        } else if (calls == cap && !over && costliest != SIZE_MAX) {
            diag_error(ck->d, s->decl, "function '%s' would make more than "
                       "%d calls of user functions each time it is called",
                       s->name, CHECK_MAX_CALLS);
            diag_note(ck->d, g->at[costliest], "'%s' calls '%s' here, "
                      "which makes %llu", s->name,
                      g->nodes[g->to[costliest]]->name, most);
        }
    }
    free(depth);
}

static void add_calls(void *arg, const struct sym *to, struct span at)
{
    unsigned long long *n = arg;
    (void)at;
    *n += to->calls;
}

/* The calls of user functions in one evaluation of the model: every
   intermediate, equation, aux output and derived parameter, counted
   together (an upper bound of any one evaluation).  Reported at the
   definition that takes the count past CHECK_MAX_CALLS, unless a function
   alone has already been reported (check_calls). */
static void check_total_calls(struct checker *ck)
{
    static const enum sym_kind kinds[] = {
        SYM_DERIVED, SYM_INTER, SYM_STATE, SYM_AUX,
    };
    const struct symvec *f = &ck->kind[SYM_FUNC];
    if (f->n == 0)
        return;
    for (size_t i = 0; i < f->n; i++)
        if (f->v[i]->calls > CHECK_MAX_CALLS)
            return;
    unsigned long long total = 0;
    for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
        const struct symvec *v = &ck->kind[kinds[k]];
        for (size_t i = 0; i < v->n; i++) {
            const struct sym *s = v->v[i];
            /* Each term is at most CHECK_MAX_CALLS + 1 and there are fewer
               than 2^32 of them: no overflow. */
            resolve_deps(ck, s->stmt->expr, NULL, SYM_BIT(SYM_FUNC),
                         add_calls, &total);
            if (total > CHECK_MAX_CALLS) {
                diag_error(ck->d, s->decl, "one evaluation of the model "
                           "would make more than %d calls of user "
                           "functions; '%s' goes past that", CHECK_MAX_CALLS,
                           s->name);
                return;
            }
        }
    }
}

/* Puts intermediates (or derived parameters and functions) in dependency
   order and gives each symbol its final index. */
static void order_kinds(struct checker *ck, unsigned kinds)
{
    struct graph g;
    if (!graph_build(ck, &g, kinds)) {
        ck->oom = true;
        goto done;
    }
    size_t *order = toposort(ck, &g);
    if (!order)
        goto done;
    if (kinds & SYM_BIT(SYM_FUNC))
        check_calls(ck, &g, order);
    int next[SYM_NKINDS] = { 0 };
    for (size_t i = 0; i < g.n; i++) {
        struct sym *s = g.nodes[order[i]];
        s->index = next[s->kind]++;
        ck->kind[s->kind].v[s->index] = s;
    }
    free(order);
done:
    graph_free(&g);
}

/* ---- assembling the model ---- */

static void *alloc_array(struct checker *ck, size_t n, size_t size)
{
    if (n == 0)
        return NULL;
    void *p = model_alloc(ck->m, n * size);
    if (!p)
        ck->oom = true;
    return p;
}

static void assemble(struct checker *ck)
{
    struct model *m = ck->m;
    const struct symvec *k = ck->kind;
    m->n_states = k[SYM_STATE].n;
    m->n_params = k[SYM_PARAM].n;
    m->n_derived = k[SYM_DERIVED].n;
    m->n_inters = k[SYM_INTER].n;
    m->n_aux = k[SYM_AUX].n;
    m->n_funcs = k[SYM_FUNC].n;
    m->states = alloc_array(ck, m->n_states, sizeof *m->states);
    m->params = alloc_array(ck, m->n_params, sizeof *m->params);
    m->derived = alloc_array(ck, m->n_derived, sizeof *m->derived);
    m->inters = alloc_array(ck, m->n_inters, sizeof *m->inters);
    m->aux = alloc_array(ck, m->n_aux, sizeof *m->aux);
    m->funcs = alloc_array(ck, m->n_funcs, sizeof *m->funcs);
    m->n_numbers = k[SYM_NUMBER].n;
    m->numbers = alloc_array(ck, m->n_numbers, sizeof *m->numbers);
    if (ck->oom)
        return;
    for (size_t i = 0; i < m->n_numbers; i++) {
        const struct sym *s = k[SYM_NUMBER].v[i];
        m->numbers[i] = (struct model_param){
            .name = s->name, .value = s->stmt ? s->stmt->num : NAN, .span = s->decl,
        };
    }
    for (size_t i = 0; i < m->n_states; i++) {
        const struct sym *s = k[SYM_STATE].v[i];
        m->states[i] = (struct model_state){
            .name = s->name, .init = s->init ? s->init->num : 0,
            .integral = s->stmt->kind == ST_VOLT,
            .span = s->stmt->lhs, .line = diag_line(ck->d, s->stmt->lhs.begin),
        };
    }
    for (size_t i = 0; i < m->n_params; i++) {
        const struct sym *s = k[SYM_PARAM].v[i];
        m->params[i] = (struct model_param){ .name = s->name,
                                             .value = s->stmt->num,
                                             .span = s->decl };
    }
    for (size_t i = 0; i < m->n_derived; i++) {
        const struct sym *s = k[SYM_DERIVED].v[i];
        m->derived[i] = (struct model_derived){ .name = s->name,
                                                .span = s->decl };
    }
    for (size_t i = 0; i < m->n_inters; i++) {
        const struct sym *s = k[SYM_INTER].v[i];
        m->inters[i] = (struct model_inter){
            .name = s->name, .span = s->decl,
            .line = diag_line(ck->d, s->decl.begin),
        };
    }
    for (size_t i = 0; i < m->n_aux; i++) {
        const struct sym *s = k[SYM_AUX].v[i];
        m->aux[i] = (struct model_aux){
            .name = s->name, .span = s->decl,
            .line = diag_line(ck->d, s->decl.begin),
        };
    }
    for (size_t i = 0; i < m->n_funcs; i++) {
        const struct sym *s = k[SYM_FUNC].v[i];
        struct model_func *f = &m->funcs[i];
        f->name = s->name;
        f->span = s->decl;
        f->nargs = s->stmt->nargs < AST_MAX_ARGS ? s->stmt->nargs
                                                 : AST_MAX_ARGS;
        for (int j = 0; j < f->nargs; j++) {
            struct span a = s->stmt->args[j];
            f->argnames[j] = model_strndup(m, m->src + a.begin,
                                           a.end - a.begin);
            if (!f->argnames[j])
                ck->oom = true;
        }
    }
}

/* Converts every expression, now that each symbol has its final index. */
static struct expr *resolve_sym(struct checker *ck, enum resolve_where where,
                                struct sym *sym)
{
    ck->in_array = sym->elem;
    ck->j = sym->j;
    struct expr *e = resolve_expr(ck, where, where == RW_DYNAMIC ? NULL : sym,
                                  sym->stmt->expr);
    ck->in_array = false;
    return e;
}

/* Converts every expression, now that each symbol has its final index. */
static void resolve_all(struct checker *ck)
{
    struct model *m = ck->m;
    const struct symvec *k = ck->kind;
    /* In dependency order: a dynamic function is expanded in its callers,
       which come after it. */
    for (size_t i = 0; i < m->n_funcs && !ck->oom; i++) {
        struct sym *f = k[SYM_FUNC].v[i];
        f->body = m->funcs[i].body = resolve_sym(ck, RW_FUNC, f);
        if (f->dynamic && !ck->oom) {
            m->funcs[i].inlined = true;
            m->funcs[i].body = expr_num(m, 0, f->decl);
            if (!m->funcs[i].body)
                ck->oom = true;
        }
    }
    for (size_t i = 0; i < m->n_derived && !ck->oom; i++)
        m->derived[i].value = resolve_sym(ck, RW_DERIVED, k[SYM_DERIVED].v[i]);
    for (size_t i = 0; i < m->n_inters && !ck->oom; i++)
        m->inters[i].value = resolve_sym(ck, RW_DYNAMIC, k[SYM_INTER].v[i]);
    for (size_t i = 0; i < m->n_states && !ck->oom; i++)
        m->states[i].rhs = resolve_sym(ck, RW_DYNAMIC, k[SYM_STATE].v[i]);
    ck->in_aux = true;
    for (size_t i = 0; i < m->n_aux && !ck->oom; i++)
        m->aux[i].value = resolve_sym(ck, RW_DYNAMIC, k[SYM_AUX].v[i]);
    ck->in_aux = false;
}

static bool reads_kernel(const struct expr *e, const bool *inter)
{
    if (e->kind == EX_KERNEL || e->kind == EX_TPRIME ||
        (e->kind == EX_INTER && e->index >= 0 && inter[e->index]))
        return true;
    for (int i = 0; i < e->nargs; i++)
        if (reads_kernel(e->args[i], inter))
            return true;
    return false;
}

/* Volterra integrals are kept by their solver and seen by the right-hand
   side only: an aux quantity reading one through an intermediate, or an
   event, would not see it. */
static void check_volterra(struct checker *ck)
{
    struct model *m = ck->m;
    bool any = m->n_kernels > 0;
    for (size_t i = 0; i < m->n_states && !any; i++)
        any = m->states[i].integral;
    if (!any)
        return;
    if (m->n_events > 0)
        diag_error(ck->d, m->events[0].span, "events ('global') cannot be "
                   "combined with Volterra equations");
    bool *inter = calloc(m->n_inters + 1, sizeof *inter);
    if (!inter) {
        ck->oom = true;
        return;
    }
    for (size_t i = 0; i < m->n_inters; i++)
        inter[i] = m->inters[i].value && reads_kernel(m->inters[i].value, inter);
    for (size_t i = 0; i < m->n_aux; i++)
        if (m->aux[i].value && reads_kernel(m->aux[i].value, inter)) {
            diag_error(ck->d, m->aux[i].span, "aux quantity '%s' reads a "
                       "Volterra integral through an intermediate "
                       "quantity; only equations can", m->aux[i].name);
            break;
        }
    free(inter);
}

static void check_ast(struct checker *ck)
{
    const struct ast_file *ast = ck->ast;
    for (const struct ast_stmt *s = ast->first; s && !ck->oom; s = s->next) {
        if (s->kind == ST_SET)
            apply_setting(ck, s);
        else if (s->kind != ST_INIT && s->kind != ST_SETBLOCK &&
                 s->kind != ST_ONLY && s->kind != ST_GLOBAL)
            declare(ck, s);
        /* A block is declared as a whole by its first statement. */
        while (s->block > 0 && s->next && s->next->block == s->block)
            s = s->next;
    }
    check_maxstor(ck);
    /* Names from lines that failed to parse are known but silent. */
    for (size_t i = 0; i < ast->n_tainted && !ck->oom; i++)
        if (!check_lookup(ck, ast->tainted[i]))
            define(ck, SYM_TAINTED, NULL, ast->tainted[i]);
    for (const struct ast_stmt *s = ast->first; s && !ck->oom; s = s->next)
        if (s->kind == ST_INIT)
            apply_init(ck, s);
    if (ck->oom)
        return;
    /* Functions first: the order of intermediates follows the uses inside
       the functions they call, and skips functions that recurse. */
    order_kinds(ck, SYM_BIT(SYM_DERIVED) | SYM_BIT(SYM_FUNC));
    if (ck->kind[SYM_INTER].n) {
        size_t n = ck->kind[SYM_INTER].n;
        ck->inter_decl = model_alloc(ck->m, n * sizeof *ck->inter_decl);
        if (!ck->inter_decl) {
            ck->oom = true;
            return;
        }
        memcpy(ck->inter_decl, ck->kind[SYM_INTER].v,
               n * sizeof *ck->inter_decl);
    }
    order_kinds(ck, SYM_BIT(SYM_INTER));
    if (ck->oom)
        return;
    check_total_calls(ck);
    if (ck->oom)
        return;
    assemble(ck);
    if (ck->oom)
        return;
    resolve_all(ck);
    check_set_blocks(ck);
    check_only(ck);
    if (!ck->oom && diag_error_count(ck->d) == 0)
        array_families(ck);
    if (!ck->oom)
        check_events(ck);
    if (!ck->oom && diag_error_count(ck->d) == 0)
        check_volterra(ck);
    if (!ck->oom && diag_error_count(ck->d) == 0 && switches_find(ck->m))
        ck->oom = true;
    if (ck->kind[SYM_STATE].n == 0 && !ast->syntax_errors)
        diag_error(ck->d, (struct span){ ast->end, ast->end },
                   "no differential equations in the model");
}

/* Bytes that make the text unreadable as a model stop the check before
   parsing: a NUL byte (a binary file) or a line too long to be one. */
static bool prescan(const struct model *m, struct diag *d)
{
    const char *src = m->src;
    size_t len = m->src_len;
    const char *nul = len ? memchr(src, '\0', len) : NULL;
    if (nul) {
        unsigned at = (unsigned)(nul - src);
        diag_error(d, (struct span){ at, at + 1 },
                   "file is not text (NUL byte)");
        return false;
    }
    size_t begin = 0;
    while (begin < len) {
        const char *nl = memchr(src + begin, '\n', len - begin);
        size_t end = nl ? (size_t)(nl - src) : len;
        if (end - begin > CHECK_MAX_LINE) {
            diag_error(d, (struct span){ (unsigned)begin, (unsigned)begin },
                       "line too long (more than %d MiB)",
                       CHECK_MAX_LINE >> 20);
            return false;
        }
        begin = end + 1;
    }
    return true;
}

static int check_model(struct model *m, struct diag *d)
{
    struct ast_file ast;
    struct checker ck = { .m = m, .d = d, .ast = &ast };
    int rc = 0;
    if (!prescan(m, d))
        return 0;
    rc = parse_model(m, d, &ast);
    if (rc)
        return rc;
    check_ast(&ck);
    if (ck.oom)
        rc = ODE_ENOMEM;
    free(ck.slots);
    free(ck.all.v);
    for (int k = 0; k < SYM_NKINDS; k++)
        free(ck.kind[k].v);
    return rc;
}

static int load_text(const char *file, char *src, size_t len, bool xpp, FILE *errs,
                     struct model **out)
{
    *out = NULL;
    if (len > CHECK_MAX_FILE) {
        fprintf(errs, "odesolve: %s: file too large (more than %d MiB)\n",
                file, CHECK_MAX_FILE >> 20);
        free(src);
        return ODE_EINVAL;
    }
    struct model *m = model_new(file, src, len);
    if (!m) {
        free(src);
        return ODE_ENOMEM;
    }
    m->xpp_reading = xpp;
    struct diag *d = diag_new(m->file, m->src, m->src_len);
    int rc = d ? check_model(m, d) : ODE_ENOMEM;
    if (rc == 0 && (diag_error_count(d) > 0 || diag_warning_count(d) > 0)) {
        rc = diag_flush(d, errs);
        if (rc == 0 && diag_error_count(d) > 0)
            rc = ODE_EMODEL;
    }
    diag_free(d);
    if (rc) {
        model_free(m);
        return rc;
    }
    *out = m;
    return 0;
}

int check_load_text(const char *file, char *src, size_t len, FILE *errs,
                    struct model **out)
{
    return load_text(file, src, len, false, errs, out);
}

int check_load_text_xpp(const char *file, char *src, size_t len, FILE *errs,
                        struct model **out)
{
    return load_text(file, src, len, true, errs, out);
}

static int load_file(const char *path, bool xpp, FILE *errs, struct model **out)
{
    *out = NULL;
    /* "-": the model comes on standard input, named <stdin>. */
    bool std_in = strcmp(path, "-") == 0;
    FILE *f = std_in ? stdin : fopen(path, "rb");
    if (std_in)
        path = "<stdin>";
    if (!f) {
        fprintf(errs, "odesolve: %s: %s\n", path, strerror(errno));
        return ODE_EINVAL;
    }
    size_t len = 0, cap = 0;
    char *buf = NULL;
    int rc = ODE_ENOMEM;
    /* Reading one byte past the limit is enough to refuse the file. */
    while (len <= CHECK_MAX_FILE) {
        if (len == cap) {
            size_t nc = cap ? 2 * cap : 1 << 16;
            if (nc > (size_t)CHECK_MAX_FILE + 1)
                nc = (size_t)CHECK_MAX_FILE + 1;
            char *p = realloc(buf, nc);
            if (!p)
                goto fail;
            buf = p;
            cap = nc;
        }
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0) {
            if (ferror(f)) {
                fprintf(errs, "odesolve: %s: %s\n", path, strerror(errno));
                rc = ODE_EINVAL;
                goto fail;
            }
            break;
        }
    }
    if (!std_in)
        fclose(f);
    return load_text(path, buf, len, xpp, errs, out);
fail:
    free(buf);
    if (!std_in)
        fclose(f);
    return rc;
}

int check_load_file(const char *path, FILE *errs, struct model **out)
{
    return load_file(path, false, errs, out);
}

int check_load_file_xpp(const char *path, FILE *errs, struct model **out)
{
    return load_file(path, true, errs, out);
}
