/* event_check.c - `global sign condition {x=...; y=...}` checked into
   struct model_event.  XPPAUT's statement (its manual, "global"): sign 1
   fires where the condition goes from negative to positive, -1 the other
   way, 0 at any zero crossing. */
#include "event_check.h"

#include <string.h>

#include "diag.h"

static void check_assign(struct checker *ck, struct model_assign *out,
                         const struct ast_assign *a)
{
    int n = (int)(a->name.end - a->name.begin);
    const char *s = ck->m->src + a->name.begin;
    const struct sym *sym = check_lookup(ck, a->name);

    out->state = -1;
    out->span = a->name;
    out->value = resolve_expr(ck, RW_DYNAMIC, NULL, a->expr);
    if (!out->value) {
        ck->oom = true;
        return;
    }
    if (sym && sym->kind == SYM_TAINTED)
        return;
    if (sym && sym->kind == SYM_STATE) {
        out->state = sym->index;
        return;
    }
    if (!sym) {
        diag_error(ck->d, a->name, "an event assigns '%.*s', which is not "
                   "a state variable", n, s);
        return;
    }
    diag_error(ck->d, a->name, "an event can only assign state variables; "
               "'%s' is %s", sym->name, resolve_kind_noun(sym->kind));
    diag_note(ck->d, sym->decl, "'%s' is defined here", sym->name);
}

static void check_one(struct checker *ck, struct model_event *ev,
                      const struct ast_stmt *s)
{
    size_t n = 0, i = 0;

    ev->span = s->name;
    ev->line = diag_line(ck->d, s->name.begin);
    if (s->num == 1 || s->num == -1 || s->num == 0)
        ev->dir = (int)s->num;
    else
        diag_error(ck->d, s->value, "the sign of a global must be 1, -1 or 0 "
                   "(the direction of the crossing)");
    ev->cond = resolve_expr(ck, RW_DYNAMIC, NULL, s->expr);
    if (!ev->cond) {
        ck->oom = true;
        return;
    }
    for (const struct ast_assign *a = s->assign; a; a = a->next)
        n++;
    ev->assign = model_alloc(ck->m, (n ? n : 1) * sizeof *ev->assign);
    if (!ev->assign) {
        ck->oom = true;
        return;
    }
    ev->n_assign = n;
    for (const struct ast_assign *a = s->assign; a && !ck->oom; a = a->next)
        check_assign(ck, &ev->assign[i++], a);
}

void check_events(struct checker *ck)
{
    struct model *m = ck->m;
    size_t n = 0, k = 0;

    for (const struct ast_stmt *s = ck->ast->first; s; s = s->next)
        n += s->kind == ST_GLOBAL;
    if (n == 0)
        return;
    m->events = model_alloc(m, n * sizeof *m->events);
    if (!m->events) {
        ck->oom = true;
        return;
    }
    m->n_events = n;
    for (const struct ast_stmt *s = ck->ast->first; s && !ck->oom; s = s->next)
        if (s->kind == ST_GLOBAL)
            check_one(ck, &m->events[k++], s);
}
