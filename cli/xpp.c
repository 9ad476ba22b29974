/* xpp.c - XPPAUT's run rules that the command line asks for. */
#include "xpp.h"

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
