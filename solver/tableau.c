/* tableau.c - the registered explicit Runge-Kutta tableaux and the names
 * (ours and XPPAUT's) that select them. */
#include "tableau.h"

#include <ctype.h>
#include <string.h>

/* Forward Euler; L. Euler, Institutionum calculi integralis (1768). */
static const struct rk_tableau tab_euler = {
    .name = "euler", .stages = 1, .order = 1, .order_emb = 0, .fsal = false,
    .desc = "forward Euler",
    .c    = { 0 },
    .a    = { { 0 } },
    .b    = { 1 },
};

/* Explicit midpoint rule; C. Runge, Math. Ann. 46 (1895) 167-178. */
static const struct rk_tableau tab_midpoint = {
    .name = "midpoint", .stages = 2, .order = 2, .order_emb = 0, .fsal = false,
    .desc = "explicit midpoint rule",
    .c    = { 0, 1.0/2 },
    .a    = { { 0 },
              { 1.0/2 } },
    .b    = { 0, 1 },
};

/* Heun's method (explicit trapezoidal rule); K. Heun, Z. Math. Phys. 45
   (1900) 23-38.  XPPAUT calls it "modeuler". */
static const struct rk_tableau tab_heun = {
    .name = "heun", .stages = 2, .order = 2, .order_emb = 0, .fsal = false,
    .desc = "Heun's method, explicit trapezoidal rule (XPPAUT modeuler)",
    .c    = { 0, 1 },
    .a    = { { 0 },
              { 1 } },
    .b    = { 1.0/2, 1.0/2 },
};

/* A. Ralston, "Runge-Kutta methods with minimum error bounds", Math. Comp.
   16 (1962) 431-437: the second-order method with the smallest bound on
   the principal error term. */
static const struct rk_tableau tab_ralston = {
    .name = "ralston", .stages = 2, .order = 2, .order_emb = 0, .fsal = false,
    .desc = "Ralston's minimum-error second-order method",
    .c    = { 0, 2.0/3 },
    .a    = { { 0 },
              { 2.0/3 } },
    .b    = { 1.0/4, 3.0/4 },
};

/* The classical Runge-Kutta method; W. Kutta, Z. Math. Phys. 46 (1901)
   435-453. */
static const struct rk_tableau tab_rk4 = {
    .name = "rk4", .stages = 4, .order = 4, .order_emb = 0, .fsal = false,
    .desc = "classical Runge-Kutta (XPPAUT rungekutta)",
    .c    = { 0, 1.0/2, 1.0/2, 1 },
    .a    = { { 0 },
              { 1.0/2 },
              { 0, 1.0/2 },
              { 0, 0, 1 } },
    .b    = { 1.0/6, 1.0/3, 1.0/3, 1.0/6 },
};

/* P. Bogacki & L. F. Shampine, "A 3(2) pair of Runge-Kutta formulas",
   Appl. Math. Lett. 2 (1989) 321-325; first-same-as-last. */
static const struct rk_tableau tab_bosh3 = {
    .name = "bosh3", .stages = 4, .order = 3, .order_emb = 2, .fsal = true,
    .desc = "Bogacki-Shampine pair, FSAL, cubic dense output; loose tolerances",
    .c    = { 0, 1.0/2, 3.0/4, 1 },
    .a    = { { 0 },
              { 1.0/2 },
              { 0, 3.0/4 },
              { 2.0/9, 1.0/3, 4.0/9 } },
    .b    = { 2.0/9, 1.0/3, 4.0/9, 0 },
    .bemb = { 7.0/24, 1.0/4, 1.0/3, 1.0/8 },
};

/* J. R. Dormand & P. J. Prince, "A family of embedded Runge-Kutta
   formulae", J. Comput. Appl. Math. 6 (1980) 19-26, the 5(4) pair
   RK5(4)7M; first-same-as-last.  Dense output of order 4: L. F. Shampine,
   "Some practical Runge-Kutta formulas", Math. Comp. 46 (1986) 135-150, in
   the form given by Hairer, Norsett & Wanner, "Solving ODEs I", 2nd ed.,
   II.6 (and their code DOPRI5). */
static const struct rk_tableau tab_dopri5 = {
    .name = "dopri5", .stages = 7, .order = 5, .order_emb = 4, .fsal = true,
    .desc = "Dormand-Prince pair, FSAL, 4th-order dense output (XPPAUT 5dp)",
    .c    = { 0, 1.0/5, 3.0/10, 4.0/5, 8.0/9, 1, 1 },
    .a    = { { 0 },
              { 1.0/5 },
              { 3.0/40, 9.0/40 },
              { 44.0/45, -56.0/15, 32.0/9 },
              { 19372.0/6561, -25360.0/2187, 64448.0/6561, -212.0/729 },
              { 9017.0/3168, -355.0/33, 46732.0/5247, 49.0/176, -5103.0/18656 },
              { 35.0/384, 0, 500.0/1113, 125.0/192, -2187.0/6784, 11.0/84 } },
    .b    = { 35.0/384, 0, 500.0/1113, 125.0/192, -2187.0/6784, 11.0/84, 0 },
    .bemb = { 5179.0/57600, 0, 7571.0/16695, 393.0/640, -92097.0/339200,
              187.0/2100, 1.0/40 },
    .dense_order = 4,
    .dense = { -12715105075.0/11282082432.0, 0, 87487479700.0/32700410799.0,
               -10690763975.0/1880347072.0, 701980252875.0/199316789632.0,
               -1453857185.0/822651844.0, 69997945.0/29380423.0 },
};

/* The registry, in --list-solvers order: fixed-step methods by order,
   then the adaptive pairs. */
static const struct rk_tableau *const tab_all[] = {
    &tab_euler, &tab_midpoint, &tab_heun, &tab_ralston, &tab_rk4,
    &tab_bosh3, &tab_dopri5,
};

#define TAB_N (sizeof tab_all / sizeof tab_all[0])

/* XPPAUT's method names (its @ meth= values and the spellings found in
   shipped models) with the registered method that does the same work, or
   NULL and the method to use instead.  `key` is the letter XPPAUT itself
   matches on (load_eqn.c keys "demragvbqsc582y"), 0 for extra spellings. */
struct xpp_name {
    const char *name;
    char key;
    const char *ours;       /* NULL: not available here */
    const char *instead;    /* when ours is NULL */
};

static const struct xpp_name xpp_names[] = {
    { "discrete",   'd', NULL,     "euler" },
    { "euler",      'e', "euler",  NULL },
    { "modeuler",   'm', "heun",   NULL },
    { "rungekutta", 'r', "rk4",    NULL },
    { "adams",      'a', NULL,     "dopri5" },
    { "gear",       'g', NULL,     "dopri5" },
    { "volterra",   'v', NULL,     "dopri5" },
    { "backeuler",  'b', NULL,     "dopri5" },
    { "qualrk",     'q', NULL,     "dopri5" },
    { "stiff",      's', NULL,     "dopri5" },
    { "cvode",      'c', NULL,     "dopri5" },
    { "5dp",        '5', "dopri5", NULL },
    { "83dp",       '8', NULL,     "dopri5" },
    { "2rb",        '2', NULL,     "dopri5" },
    { "ymp",        'y', NULL,     "rk4" },
    { "backeul",    0,   NULL,     "dopri5" },
    { "qualrk4",    0,   NULL,     "dopri5" },
    { "dorprin",    0,   "dopri5", NULL },
    { "dorprin5",   0,   "dopri5", NULL },
    { "dp83",       0,   NULL,     "dopri5" },
    { "rb23",       0,   NULL,     "dopri5" },
    { "rosenbrock", 0,   NULL,     "dopri5" },
    { "symplectic", 0,   NULL,     "rk4" },
};

#define XPP_N (sizeof xpp_names / sizeof xpp_names[0])

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

const struct rk_tableau *tab_find(const char *name)
{
    size_t i;

    if (!name)
        return NULL;
    for (i = 0; i < TAB_N; i++)
        if (same_name(name, tab_all[i]->name))
            return tab_all[i];
    return NULL;
}

size_t tab_count(void)
{
    return TAB_N;
}

const struct rk_tableau *tab_at(size_t i)
{
    return i < TAB_N ? tab_all[i] : NULL;
}

bool tab_adaptive(const struct rk_tableau *t)
{
    return t->order_emb > 0;
}

const char *tab_closest(const char *name)
{
    const char *best = tab_all[0]->name;
    size_t dbest = (size_t)-1, i;

    for (i = 0; i < TAB_N; i++) {
        size_t d = edit_distance(name ? name : "", tab_all[i]->name);
        if (d < dbest) {
            dbest = d;
            best = tab_all[i]->name;
        }
    }
    return best;
}

const char *tab_from_xpp(const char *meth, const char **closest)
{
    const struct rk_tableau *t;
    const char *ours = NULL, *instead = NULL, *near = NULL;
    size_t i, len, dbest = (size_t)-1, hits = 0;

    if (!meth)
        meth = "";
    len = strlen(meth);
    t = tab_find(meth);
    if (t)
        return t->name;
    for (i = 0; i < XPP_N; i++)
        if (same_name(meth, xpp_names[i].name)) {
            ours = xpp_names[i].ours;
            instead = xpp_names[i].instead;
            hits = 1;
            break;
        }
    /* A shortened name ("dopri", "runge", "mod"), when every name it
       starts means the same method. */
    if (!hits && len >= 2) {
        bool same = true;
        for (i = 0; i < TAB_N; i++)
            if (is_prefix(meth, tab_all[i]->name)) {
                same = same && (!hits || (ours && !strcmp(ours, tab_all[i]->name)));
                ours = tab_all[i]->name;
                instead = NULL;
                hits++;
            }
        for (i = 0; i < XPP_N; i++)
            if (is_prefix(meth, xpp_names[i].name)) {
                const struct xpp_name *x = &xpp_names[i];
                same = same && (!hits || (x->ours ? ours && !strcmp(ours, x->ours)
                                                  : !ours && !strcmp(instead, x->instead)));
                ours = x->ours;
                instead = x->instead;
                hits++;
            }
        if (!same)
            hits = 0;
    }
    /* XPPAUT itself reads a single letter (load_eqn.c keys
       "demragvbqsc582y"); longer unknown names get a suggestion instead of
       whatever their first letter would select. */
    if (!hits && len == 1)
        for (i = 0; i < XPP_N; i++)
            if (xpp_names[i].key && xpp_names[i].key == tolower((unsigned char)meth[0])) {
                ours = xpp_names[i].ours;
                instead = xpp_names[i].instead;
                hits = 1;
                break;
            }
    if (hits) {
        if (!ours && closest)
            *closest = instead;
        return ours;
    }
    for (i = 0; i < TAB_N; i++) {
        size_t d = edit_distance(meth, tab_all[i]->name);
        if (d < dbest) {
            dbest = d;
            near = tab_all[i]->name;
        }
    }
    for (i = 0; i < XPP_N; i++) {
        size_t d = edit_distance(meth, xpp_names[i].name);
        if (d < dbest) {
            dbest = d;
            near = xpp_names[i].ours ? xpp_names[i].ours : xpp_names[i].instead;
        }
    }
    if (closest)
        *closest = near;
    return NULL;
}
