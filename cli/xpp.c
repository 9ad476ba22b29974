/* xpp.c - XPPAUT's run rules that the command line asks for. */
#include "xpp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "solve.h"

int cli_apply_set(struct model *m, const char *name, FILE *errs)
{
    long k = model_find_set(m, name);
    if (k < 0) {
        fprintf(errs, "odesolve: --set %s: %s has no set '%s'; ", name,
                m->file, name);
        if (m->n_sets == 0)
            fputs("it defines none", errs);
        else
            fputs("sets are: ", errs);
        for (size_t i = 0; i < m->n_sets; i++)
            fprintf(errs, "%s%s", i ? ", " : "", m->sets[i].name);
        fputc('\n', errs);
        return ODE_EINVAL;
    }
    const struct model_set *s = &m->sets[k];
    for (size_t i = 0; i < s->n_values; i++) {
        const struct model_set_value *v = &s->values[i];
        if (v->state)
            m->states[v->index].init = v->value;
        else
            m->params[v->index].value = v->value;
    }
    model_settings_merge(&m->settings, &s->settings);
    return 0;
}

void cli_xpp_defaults(struct model *m)
{
    struct model_settings *s = &m->settings;
    if (!(s->set & SET_METH)) {
        s->meth = "rk4";
        s->meth_span = (struct span){ 0, 0 };
    }
    if (!(s->set & SET_DT)) s->dt = 0.05;
    if (!(s->set & SET_TOTAL)) s->total = 20;
    if (!(s->set & SET_T0)) s->t0 = 0;
    if (!(s->set & SET_NOUT)) s->nout = 1;
    if (!(s->set & SET_BOUND)) s->bound = 100;
    if (!(s->set & SET_MAXSTOR)) s->maxstor = 5000;
    if (!(s->set & SET_TOL)) s->tol = 1e-3;
    if (!(s->set & SET_ATOL)) s->atol = 1e-3;
    if (!(s->set & SET_VMAXPTS)) s->vmaxpts = 4000;
    s->set |= SET_METH | SET_DT | SET_TOTAL | SET_T0 | SET_NOUT | SET_BOUND |
              SET_MAXSTOR | SET_TOL | SET_ATOL | SET_VMAXPTS;
    m->pow_calls = true;
}

double cli_xpp_span(double total, double h, long nout)
{
    h = fabs(h);
    double steps = floor((total + 0.1 * h) / h);
    double rows = ceil(steps / (double)nout);
    if (rows < 1)
        rows = 1;
    return rows * (double)nout * h;
}

void xpp_rows_init(struct xpp_rows *r, const struct model_settings *s,
                   bool xpp, bool every_step)
{
    memset(r, 0, sizeof *r);
    r->trans = s->set & SET_TRANS ? s->trans : 0;
    r->every = every_step && (s->set & SET_NOUT) ? s->nout : 1;
    r->maxstor = xpp && (s->set & SET_MAXSTOR) ? s->maxstor : 0;
    r->bound = xpp && (s->set & SET_BOUND) ? s->bound : 0;
    r->bad = -1;
}

enum xpp_verdict xpp_rows_next(struct xpp_rows *r, double t,
                               const double *vals, size_t n)
{
    long k = r->points++;
    if (k > 0 && k % r->every != 0)
        return XPP_SKIP;
    /* XPPAUT checks every row but the first, also those before trans,
       and stops before writing the one out of bounds. */
    if (k > 0 && r->bound > 0)
        for (size_t i = 0; i < n; i++)
            if (!(fabs(vals[i]) <= r->bound)) {
                r->bad = (long)i;
                r->bad_t = t;
                r->bad_value = vals[i];
                return XPP_STOP;
            }
    if (fabs(t) < r->trans)
        return XPP_SKIP;
    r->written++;
    if (r->maxstor > 0 && r->written >= r->maxstor)
        r->full = true;
    return XPP_WRITE;
}

int xpp_columns(const struct model *m, bool states_first, size_t **cols,
                size_t *ncols, size_t *nstates, bool *with_t)
{
    size_t ns = m->n_states, n = ns + m->n_aux;
    size_t *c = malloc((n ? n : 1) * sizeof *c);
    if (!c)
        return ODE_ENOMEM;
    size_t k = 0, kst = 0;
    *with_t = m->n_only == 0;
    if (m->n_only == 0) {
        for (size_t i = 0; i < n; i++)
            c[k++] = i;
        kst = ns;
    } else {
        for (int pass = 0; pass < 2; pass++)
            for (size_t i = 0; i < m->n_only; i++) {
                const struct model_column *mc = &m->only[i];
                if (mc->kind == MC_TIME) {
                    *with_t |= pass == 0;
                    continue;
                }
                bool st = mc->kind == MC_STATE;
                /* HDF5 wants the states first: two passes; text one. */
                if (states_first ? (pass == 0) != st : pass == 1)
                    continue;
                c[k++] = st ? mc->index : ns + mc->index;
                kst += st;
            }
    }
    *cols = c;
    *ncols = k;
    *nstates = kst;
    return 0;
}
