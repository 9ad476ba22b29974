/* stepper.c - the registry of methods, their names (ours and XPPAUT's),
 * and the small computations every stepper shares. */
#include "stepper.h"

#include <ctype.h>
#include <math.h>
#include <string.h>

#include "auto.h"
#include "bdf.h"
#include "dirk.h"
#include "erk.h"
#include "fixed.h"
#include "irk.h"
#include "ros.h"
#include "seulex.h"
#include "tableau.h"
#include "volterra.h"

/* The methods beyond the explicit RK tableaux, in --list-solvers order;
   NULL ends the list. */
static const struct stepper_method *const others[] = {
    &erk_rkqs,
    &ros_rodas5,
    &ros_ros23,
    &seulex_method,
    &irk_radau5,
    &dirk_kvaerno3,
    &dirk_kvaerno5,
    &bdf_method,
    &dirk_backeul,
    &dirk_trapezoid,
    &auto_method,
    &fixed_discrete,
    &fixed_symplectic,
    &volterra_method,
    NULL,
};

static size_t others_count(void)
{
    size_t n = 0;
    while (others[n])
        n++;
    return n;
}

/* An explicit tableau as a method: the ERK engine (erk.c) runs it. */
static void from_tableau(const struct rk_tableau *t, struct stepper_method *out)
{
    memset(out, 0, sizeof *out);
    out->name = t->name;
    out->desc = t->desc;
    out->family = FAM_EXPLICIT;
    out->order = t->order;
    out->order_emb = t->order_emb;
    out->needs_jac = false;
    out->err_order = tab_err_order(t);
    out->err_target = t->err_target;
    out->create = erk_stepper_create;
    out->data = t;
}

static bool same_name(const char *x, const char *y)
{
    for (; *x && *y; x++, y++)
        if (tolower((unsigned char)*x) != tolower((unsigned char)*y))
            return false;
    return *x == *y;
}

static bool is_prefix(const char *pre, const char *name)
{
    for (; *pre; pre++, name++)
        if (tolower((unsigned char)*pre) != tolower((unsigned char)*name))
            return false;
    return true;
}

int stepper_new(struct stepper *s, const struct stepper_method *m,
                const struct stepper_cfg *cfg)
{
    int rc;

    memset(s, 0, sizeof *s);
    s->method = m;
    s->cfg = cfg;
    s->n = cfg->prob->n_states;
    s->st.stiff_t = NAN;
    rc = m->create(s, m, cfg);
    if (rc)
        s->ops = NULL;
    return rc;
}

void stepper_free(struct stepper *s)
{
    if (s->ops && s->ops->destroy)
        s->ops->destroy(s);
    s->ops = NULL;
    s->impl = NULL;
}

size_t stepper_count(void)
{
    return tab_count() + others_count();
}

void stepper_at(size_t i, struct stepper_method *out)
{
    size_t ne = tab_count();

    if (i < ne)
        from_tableau(tab_at(i), out);
    else if (i - ne < others_count())
        *out = *others[i - ne];
    else
        memset(out, 0, sizeof *out);
}

/* The name of method i without copying the whole method. */
static const char *name_at(size_t i)
{
    size_t ne = tab_count();
    return i < ne ? tab_at(i)->name : others[i - ne]->name;
}

/* Names other tools give the very methods registered here (MATLAB's ode
   suite, SciPy's solve_ivp, Julia's OrdinaryDiffEq): ode45 and RK45 are
   Dormand & Prince's 5(4) pair, ode23 and RK23 Bogacki & Shampine's 3(2),
   ode23s Shampine & Reichelt's Rosenbrock 2(3), ode15s their NDF/BDF
   code, SciPy's Radau the 3-stage Radau IIA. */
static const struct { const char *alias, *name; } aliases[] = {
    { "ode45", "dopri5" }, { "RK45", "dopri5" }, { "DP5", "dopri5" },
    { "ode23", "bosh3" }, { "RK23", "bosh3" }, { "BS3", "bosh3" },
    { "DP8", "dop853" }, { "ode23s", "ros23" }, { "Rosenbrock23", "ros23" },
    { "ode15s", "bdf" }, { "Radau", "radau5" }, { "RadauIIA5", "radau5" },
    { "ImplicitEuler", "backeul" },
};
#define ALIAS_N (sizeof aliases / sizeof aliases[0])

/* Methods of other tools not registered here, with the registered one of
   the same kind (explicit or stiff, fixed or adaptive, about the same
   order) to suggest: Adams codes of high order (ode113) do the work of a
   high-order explicit pair, LSODA switches as auto does, TR-BDF2
   (ode23tb) is an L-stable ESDIRK of order 2 like kvaerno3; XPPAUT's
   stiff methods (its @ meth names) are BDF codes. */
static const struct { const char *name, *instead; } foreign[] = {
    { "ode113", "vern7" }, { "ode23t", "trapezoid" }, { "ode23tb", "kvaerno3" },
    { "TRBDF2", "kvaerno3" }, { "ode15i", "bdf" }, { "QNDF", "bdf" }, { "FBDF", "bdf" },
    { "lsoda", "auto" }, { "lsode", "bdf" }, { "vode", "bdf" }, { "Rodas4", "rodas5" },
    { "Rodas5P", "rodas5" }, { "KenCarp4", "kvaerno5" }, { "Vern6", "vern7" },
    { "Vern8", "vern9" }, { "rk8pd", "dop853" }, { "rkf45", "dopri5" },
    { "rkck", "dopri5" }, { "msbdf", "bdf" }, { "bsimp", "rodas5" },
    { "AutoTsit5", "auto" }, { "AutoVern7", "auto" }, { "gear", "bdf" },
    { "cvode", "bdf" }, { "stiff", "bdf" },
};
#define FOREIGN_N (sizeof foreign / sizeof foreign[0])

bool stepper_find(const char *name, struct stepper_method *out)
{
    size_t i, n = stepper_count();

    if (!name)
        return false;
    for (i = 0; i < n; i++)
        if (same_name(name, name_at(i))) {
            stepper_at(i, out);
            return true;
        }
    for (i = 0; i < ALIAS_N; i++)
        if (same_name(name, aliases[i].alias))
            return stepper_find(aliases[i].name, out);
    return false;
}

bool stepper_adaptive(const struct stepper_method *m)
{
    return m->order_emb > 0;
}

int stepper_err_order(const struct stepper_method *m)
{
    return m->err_order > 0 ? m->err_order : m->order_emb + 1;
}

const char *stepper_family_name(enum stepper_family f)
{
    switch (f) {
    case FAM_EXPLICIT: return "explicit";
    case FAM_ROSENBROCK: return "Rosenbrock";
    case FAM_IMPLICIT_RK: return "implicit RK";
    case FAM_MULTISTEP: return "multistep";
    case FAM_AUTO: return "auto";
    case FAM_VOLTERRA: return "Volterra";
    }
    return "?";
}

/* Levenshtein distance, ASCII case ignored; both strings are cut at
   DIST_MAX characters, far beyond any method name. */
#define DIST_MAX 64
static size_t edit_distance(const char *x, const char *y)
{
    size_t nx = strlen(x), ny = strlen(y), i, j;
    size_t row[DIST_MAX + 1];

    if (nx > DIST_MAX)
        nx = DIST_MAX;
    if (ny > DIST_MAX)
        ny = DIST_MAX;
    for (j = 0; j <= ny; j++)
        row[j] = j;
    for (i = 1; i <= nx; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (j = 1; j <= ny; j++) {
            size_t up = row[j];
            size_t cost = tolower((unsigned char)x[i - 1]) !=
                          tolower((unsigned char)y[j - 1]);
            size_t best = diag + cost;
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[ny];
}

/* Whether a method's name says it is for stiff problems: words of
   implicit and linearly implicit methods, and MATLAB's suffixes s, t, tb
   and i after ode and digits (ode15s, ode23tb). */
static bool stiff_name(const char *name)
{
    static const char *const words[] = {
        "bdf", "ndf", "radau", "ros", "rodas", "implicit", "stiff", "gear", "cvode",
        "dirk", "kvaerno", "kencarp", "backeul", "trapez",
    };
    char low[64];
    size_t n = 0;
    for (; name[n] && n + 1 < sizeof low; n++)
        low[n] = (char)tolower((unsigned char)name[n]);
    low[n] = '\0';
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strstr(low, words[i]))
            return true;
    if (strncmp(low, "ode", 3) == 0) {
        size_t d = 3 + strspn(low + 3, "0123456789");
        return d > 3 && low[d] != '\0';
    }
    return false;
}

const char *stepper_suggest(const char *name)
{
    struct stepper_method m;
    const char *best = NULL;
    size_t dbest = (size_t)-1, i, n = stepper_count();
    bool stiff;

    if (!name)
        name = "";
    for (i = 0; i < FOREIGN_N; i++)
        if (same_name(name, foreign[i].name))
            return foreign[i].instead;
    stiff = stiff_name(name);
    /* The closest spelling among the registered names and the aliases,
       of the kind the name asks for. */
    for (i = 0; i < n + ALIAS_N + FOREIGN_N; i++) {
        const char *cand = i < n ? name_at(i) : i < n + ALIAS_N ? aliases[i - n].alias
                                                                : foreign[i - n - ALIAS_N].name;
        const char *meant = i < n ? cand : i < n + ALIAS_N ? aliases[i - n].name
                                                           : foreign[i - n - ALIAS_N].instead;
        size_t d = edit_distance(name, cand);
        if (d >= dbest || !stepper_find(meant, &m))
            continue;
        if ((m.family != FAM_EXPLICIT && m.family != FAM_AUTO) != stiff)
            continue;
        dbest = d;
        best = meant;
    }
    return best ? best : stiff ? "bdf" : "dopri5";
}

const char *stepper_closest(const char *name)
{
    const char *best = name_at(0);
    size_t dbest = (size_t)-1, i, n = stepper_count();

    for (i = 0; i < n; i++) {
        size_t d = edit_distance(name ? name : "", name_at(i));
        if (d < dbest) {
            dbest = d;
            best = name_at(i);
        }
    }
    return best;
}

/* XPPAUT's method names (its @ meth= values and the spellings found in
   shipped models) with the method here that does the same work, and the
   one to use when that is not registered.  `key` is the letter XPPAUT
   itself matches on (load_eqn.c keys "demragvbqsc582y"), 0 for extra
   spellings.  XPPAUT's stiff methods (gear, stiff, cvode) are variable
   order BDF codes; adams is a nonstiff multistep method, whose work an
   adaptive RK pair does; qualrk is an adaptive RK4 (Press et al.'s
   "quality-controlled" RK). */
struct xpp_name {
    const char *name;
    char key;
    const char *ours;       /* NULL: nothing here does this work */
    const char *instead;    /* when ours is NULL or not registered */
};

static const struct xpp_name xpp_names[] = {
    { "discrete",   'd', "discrete",  NULL },
    { "euler",      'e', "euler",     NULL },
    { "modeuler",   'm', "heun",      NULL },
    { "rungekutta", 'r', "rk4",       NULL },
    { "adams",      'a', "dopri5",    NULL },
    { "gear",       'g', "bdf",       "dopri5" },
    { "volterra",   'v', "volterra",  NULL },
    { "backeuler",  'b', "backeul",   "dopri5" },
    { "qualrk",     'q', "dopri5",    NULL },
    { "stiff",      's', "bdf",       "dopri5" },
    { "cvode",      'c', "bdf",       "dopri5" },
    { "5dp",        '5', "dopri5",    NULL },
    { "83dp",       '8', "dop853",    NULL },
    { "2rb",        '2', "ros23",     "dopri5" },
    { "ymp",        'y', "symplectic", NULL },
    { "backeul",    0,   "backeul",   "dopri5" },
    { "qualrk4",    0,   "dopri5",    NULL },
    { "dorprin",    0,   "dopri5",    NULL },
    { "dorprin5",   0,   "dopri5",    NULL },
    { "dp83",       0,   "dop853",    NULL },
    { "rb23",       0,   "ros23",     "dopri5" },
    { "rosenbrock", 0,   "ros23",     "dopri5" },
    { "symplectic", 0,   "symplectic", NULL },
};

#define XPP_N (sizeof xpp_names / sizeof xpp_names[0])

/* The registered method an XPPAUT entry stands for, or NULL. */
static const char *xpp_ours(const struct xpp_name *x)
{
    struct stepper_method m;
    return x->ours && stepper_find(x->ours, &m) ? m.name : NULL;
}

static const char *xpp_instead(const struct xpp_name *x)
{
    return x->instead ? x->instead : "dopri5";
}

const char *stepper_from_xpp(const char *meth, const char **closest)
{
    struct stepper_method m;
    const char *ours = NULL, *instead = NULL, *near = NULL;
    size_t i, len, dbest = (size_t)-1, hits = 0, n = stepper_count();

    if (!meth)
        meth = "";
    len = strlen(meth);
    if (stepper_find(meth, &m))
        return m.name;
    for (i = 0; i < XPP_N; i++)
        if (same_name(meth, xpp_names[i].name)) {
            ours = xpp_ours(&xpp_names[i]);
            instead = xpp_instead(&xpp_names[i]);
            hits = 1;
            break;
        }
    /* A shortened name ("dopri", "runge", "mod"), when every name it
       starts means the same method. */
    if (!hits && len >= 2) {
        bool same = true;
        for (i = 0; i < n; i++)
            if (is_prefix(meth, name_at(i))) {
                same = same && (!hits || (ours && !strcmp(ours, name_at(i))));
                ours = name_at(i);
                instead = NULL;
                hits++;
            }
        for (i = 0; i < XPP_N; i++)
            if (is_prefix(meth, xpp_names[i].name)) {
                const char *o = xpp_ours(&xpp_names[i]), *ins = xpp_instead(&xpp_names[i]);
                same = same && (!hits || (o ? ours && !strcmp(ours, o)
                                            : !ours && !strcmp(instead, ins)));
                ours = o;
                instead = ins;
                hits++;
            }
        if (!same)
            hits = 0;
    }
    /* XPPAUT itself reads a single letter; longer unknown names get a
       suggestion instead of whatever their first letter would select. */
    if (!hits && len == 1)
        for (i = 0; i < XPP_N; i++)
            if (xpp_names[i].key && xpp_names[i].key == tolower((unsigned char)meth[0])) {
                ours = xpp_ours(&xpp_names[i]);
                instead = xpp_instead(&xpp_names[i]);
                hits = 1;
                break;
            }
    if (hits) {
        if (!ours && closest)
            *closest = instead;
        return ours;
    }
    for (i = 0; i < n; i++) {
        size_t d = edit_distance(meth, name_at(i));
        if (d < dbest) {
            dbest = d;
            near = name_at(i);
        }
    }
    for (i = 0; i < XPP_N; i++) {
        size_t d = edit_distance(meth, xpp_names[i].name);
        if (d < dbest) {
            const char *o = xpp_ours(&xpp_names[i]);
            dbest = d;
            near = o ? o : xpp_instead(&xpp_names[i]);
        }
    }
    if (closest)
        *closest = near;
    return NULL;
}

const char *stepper_xpp_replay(const char *meth)
{
    /* qualrk (key 'q', also spelt qualrk4): Press et al.'s rkqs on the
       Cash-Karp pair, XPPAUT's stiff.c. */
    static const char *const qualrk[] = { "qualrk", "qualrk4", "q" };
    size_t i;

    if (!meth)
        return NULL;
    for (i = 0; i < sizeof qualrk / sizeof qualrk[0]; i++)
        if (same_name(meth, qualrk[i]))
            return erk_rkqs.name;
    /* A shortened name, as stepper_from_xpp reads one. */
    if (strlen(meth) >= 2 && is_prefix(meth, qualrk[0]))
        return erk_rkqs.name;
    return NULL;
}

const char *stepper_xpp_instead(const char *meth)
{
    const char *closest = NULL;
    size_t i;

    if (!meth || stepper_from_xpp(meth, &closest))
        return NULL;
    for (i = 0; i < XPP_N; i++)
        if (same_name(meth, xpp_names[i].name) ||
            (meth[0] && !meth[1] && xpp_names[i].key == tolower((unsigned char)meth[0])))
            return closest;
    return NULL;
}

double stepper_err_norm(const struct stepper_cfg *cfg, const double *err,
                        const double *y, const double *y1, size_t n)
{
    const double *av = cfg->atol_vec;
    double sum = 0.0, big = 0.0, inf = 0.0;
    size_t i;

    for (i = 0; i < n; i++) {
        double a0 = fabs(y[i]), a1 = fabs(y1[i]);
        double sc = (av ? av[i] : cfg->atol) + cfg->rtol * (a1 > a0 ? a1 : a0);
        double q = err[i] / sc;
        sum += q * q;
        if (fabs(q) > big)
            big = fabs(q);
        /* The comparison drops a NaN q; q*0 carries it (and an infinite
           q or y1) to the result. */
        inf += y1[i] * 0.0 + q * 0.0;
    }
    if (cfg->norm == NORM_MAX)
        return big + inf;
    return n ? sqrt(sum / (double)n) + inf : inf;
}

int stepper_initial_step(const struct stepper_cfg *cfg, struct stepper_stats *st,
                         double t0, const double *y0, const double *f0,
                         double dir, double hmax, int order,
                         double *w1, double *w2, double *h)
{
    const struct ode_problem *prob = cfg->prob;
    const size_t n = prob->n_states;
    const double *av = cfg->atol_vec;
    double d0 = 0.0, d1 = 0.0, d2 = 0.0, dm, h0, h1;
    size_t i;
    int rc;

    for (i = 0; i < n; i++) {
        double sc = (av ? av[i] : cfg->atol) + cfg->rtol * fabs(y0[i]);
        d0 += (y0[i] / sc) * (y0[i] / sc);
        d1 += (f0[i] / sc) * (f0[i] / sc);
    }
    d0 = n ? sqrt(d0 / (double)n) : 0.0;
    d1 = n ? sqrt(d1 / (double)n) : 0.0;
    h0 = (d0 < 1e-5 || d1 < 1e-5) ? 1e-6 : 0.01 * (d0 / d1);
    if (h0 > hmax)
        h0 = hmax;
    *h = h0;
    for (i = 0; i < n; i++)
        w1[i] = y0[i] + dir * h0 * f0[i];
    rc = prob->rhs(prob->ctx, t0 + dir * h0, w1, cfg->p, w2);
    st->nfev++;
    if (rc)
        return rc;
    for (i = 0; i < n; i++) {
        double sc = (av ? av[i] : cfg->atol) + cfg->rtol * fabs(y0[i]);
        double q = (w2[i] - f0[i]) / sc;
        d2 += q * q;
    }
    d2 = (n ? sqrt(d2 / (double)n) : 0.0) / h0;
    if (!isfinite(d2))
        return 0;
    dm = d1 > d2 ? d1 : d2;
    h1 = dm <= 1e-15 ? fmax(1e-6, h0 * 1e-3) : pow(0.01 / dm, 1.0 / order);
    h1 = fmin(100.0 * h0, h1);
    *h = fmin(h1, hmax);
    return 0;
}
