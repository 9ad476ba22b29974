/* check_event.c - events (`global`) located on the dense output, through
 * the parser, both backends and solve_run: spike times of an
 * integrate-and-fire neuron and impact times of a bouncing ball against
 * their closed forms, an event at t0, one exactly at a save point, the
 * rows written, --stop-after-events, and every method family. */
#include "event.h"

#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "solve.h"
#include "testbackend.h"

struct rows {
    size_t n, cap, width;
    double *v;            /* n rows of width values: t, then the states */
};

static int on_row(void *ctx, double t, const double *y)
{
    struct rows *r = ctx;
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 64;
        r->v = realloc(r->v, r->cap * r->width * sizeof *r->v);
        ck_assert_ptr_nonnull(r->v);
    }
    r->v[r->n * r->width] = t;
    memcpy(r->v + r->n * r->width + 1, y, (r->width - 1) * sizeof *y);
    r->n++;
    return 0;
}

static double row_t(const struct rows *r, size_t k) { return r->v[k * r->width]; }
static double row_y(const struct rows *r, size_t k, size_t i) { return r->v[k * r->width + 1 + i]; }

static struct model *load(const char *src)
{
    struct model *m;
    char *copy = strdup(src);
    ck_assert_int_eq(check_load_text("ev.ode", copy, strlen(copy), stderr, &m), 0);
    return m;
}

/* Solves prob (the model m's) into rows with o; returns the solve's code. */
static int run(const struct model *m, const struct ode_problem *prob,
               const struct solve_opts *o, struct rows *r, struct solve_stats *st)
{
    double p[16], y0[16];
    struct solve_sink sink = { on_row, r, NULL };
    struct solve_failure fail;
    for (size_t i = 0; i < m->n_params; i++)
        p[i] = m->params[i].value;
    for (size_t i = 0; i < m->n_states; i++)
        y0[i] = m->states[i].init;
    memset(r, 0, sizeof *r);
    r->width = m->n_states + 1;
    int rc = solve_run(prob, p, y0, o, &sink, NULL, st, &fail);
    if (rc)
        fprintf(stderr, "solve failed: %s\n", fail.why);
    return rc;
}

static const struct ode_problem *backend(struct tb *b, int k)
{
    return k == 0 ? &b->pi : &b->pj;
}

/* v' = (I - v)/tau from vr reaches vth after T = tau ln((I - vr)/(I - vth)):
   spike k (1-based) at k T. */
START_TEST(event_integrate_and_fire_spikes_at_closed_form_times)
{
    struct model *m = load("par I=1.5, tau=0.8, vth=1, vr=0.2\n"
                           "v' = (I - v)/tau\ninit v=0.2\n"
                           "global 1 v-vth {v=vr}\ndone\n");
    const double T = 0.8 * log((1.5 - 0.2) / (1.5 - 1.0));
    struct tb b;
    TB_NEW_OK(m, &b);
    for (int be = 0; be < (b.have_jit ? 2 : 1); be++) {
        struct solve_opts o;
        struct solve_stats st;
        struct rows r;
        solve_opts_default(&o);
        o.t1 = 10;
        o.save = SAVE_FINAL;
        o.rtol = 1e-12;
        o.atol = 1e-14;
        ck_assert_int_eq(run(m, backend(&b, be), &o, &r, &st), 0);
        long spikes = (long)floor(10 / T);
        ck_assert_int_eq(st.events, spikes);
        ck_assert_uint_eq(r.n, 2 * (size_t)spikes + 1);
        double worst = 0;
        for (long k = 1; k <= spikes; k++) {
            size_t at = 2 * (size_t)(k - 1);
            ck_assert(row_t(&r, at) == row_t(&r, at + 1));
            worst = fmax(worst, fabs(row_t(&r, at) - k * T));
            ck_assert(fabs(row_y(&r, at, 0) - 1.0) < 1e-9);
            ck_assert(row_y(&r, at + 1, 0) == 0.2);
        }
        fprintf(stderr, "integrate-and-fire (%s): %ld spikes, worst time error %.3g\n",
                be ? "tcc" : "interpreter", spikes, worst);
        ck_assert_msg(worst < 1e-10, "spike time error %g", worst);
        free(r.v);
    }
    tb_free(&b);
    model_free(m);
}
END_TEST

/* y'' = -g from rest at height h: the first impact at sqrt(2h/g), then
   each flight 2 e^k v0 / g with v0 = sqrt(2 g h). */
START_TEST(event_bouncing_ball_impacts_at_analytic_times)
{
    struct model *m = load("par grav=9.81, e=0.8\n"
                           "y' = v\nv' = -grav\ninit y=1, v=0\n"
                           "global -1 y {v=-e*v}\ndone\n");
    struct tb b;
    TB_NEW_OK(m, &b);
    for (int be = 0; be < (b.have_jit ? 2 : 1); be++) {
        struct solve_opts o;
        struct solve_stats st;
        struct rows r;
        solve_opts_default(&o);
        o.t1 = 3;
        o.save = SAVE_FINAL;
        o.rtol = 1e-10;
        o.atol = 1e-12;
        o.no_event_rows = false;
        ck_assert_int_eq(run(m, backend(&b, be), &o, &r, &st), 0);
        double v = sqrt(2 * 9.81), t = sqrt(2 / 9.81), worst = 0;
        ck_assert_int_ge(st.events, 6);
        for (long k = 0; k < st.events; k++) {
            worst = fmax(worst, fabs(row_t(&r, 2 * (size_t)k) - t));
            ck_assert(fabs(row_y(&r, 2 * (size_t)k + 1, 1) - 0.8 * v) < 1e-9);
            v *= 0.8;
            t += 2 * v / 9.81;
        }
        fprintf(stderr, "bouncing ball (%s): %ld impacts, worst time error %.3g\n",
                be ? "tcc" : "interpreter", st.events, worst);
        ck_assert_msg(worst < 1e-10, "impact time error %g", worst);
        free(r.v);
    }
    tb_free(&b);
    model_free(m);
}
END_TEST

/* x starts on its threshold and rises: the event fires at t0 itself,
   then every unit of time. */
START_TEST(event_fires_at_t0)
{
    struct model *m = load("x' = 1\ninit x=1\nglobal 1 x-1 {x=0}\ndone\n");
    struct tb b;
    TB_NEW_OK(m, &b);
    for (int be = 0; be < (b.have_jit ? 2 : 1); be++) {
        struct solve_opts o;
        struct solve_stats st;
        struct rows r;
        solve_opts_default(&o);
        o.t1 = 2.5;
        o.save = SAVE_FINAL;
        ck_assert_int_eq(run(m, backend(&b, be), &o, &r, &st), 0);
        ck_assert_int_eq(st.events, 3);
        ck_assert_uint_eq(r.n, 7);
        ck_assert(row_t(&r, 0) == 0 && row_y(&r, 0, 0) == 1);
        ck_assert(row_t(&r, 1) == 0 && row_y(&r, 1, 0) == 0);
        ck_assert(fabs(row_t(&r, 2) - 1) < 1e-12 && fabs(row_t(&r, 4) - 2) < 1e-12);
        ck_assert(row_t(&r, 6) == 2.5 && fabs(row_y(&r, 6, 0) - 0.5) < 1e-12);
        free(r.v);
    }
    tb_free(&b);
    model_free(m);
}
END_TEST

/* An event exactly on a save point (its condition t - 1 is zero at the
   save point 1.0 itself): the save row shows the state after it; with
   the event rows it is their second row. */
START_TEST(event_exactly_at_a_save_point)
{
    struct model *m = load("x' = 1\nglobal 1 t-1 {x=0}\ndone\n");
    struct tb b;
    TB_NEW_OK(m, &b);
    for (int be = 0; be < (b.have_jit ? 2 : 1); be++) {
        for (int rows_on = 0; rows_on < 2; rows_on++) {
            struct solve_opts o;
            struct solve_stats st;
            struct rows r;
            solve_opts_default(&o);
            o.t1 = 1.75;
            o.save_every = 0.25;
            o.no_event_rows = !rows_on;
            ck_assert_int_eq(run(m, backend(&b, be), &o, &r, &st), 0);
            ck_assert_int_eq(st.events, 1);
            static const double t_off[] = { 0, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75 };
            static const double x_off[] = { 0, 0.25, 0.5, 0.75, 0, 0.25, 0.5, 0.75 };
            static const double t_on[] = { 0, 0.25, 0.5, 0.75, 1, 1, 1.25, 1.5, 1.75 };
            static const double x_on[] = { 0, 0.25, 0.5, 0.75, 1, 0, 0.25, 0.5, 0.75 };
            const double *tt = rows_on ? t_on : t_off, *xx = rows_on ? x_on : x_off;
            ck_assert_uint_eq(r.n, rows_on ? 9 : 8);
            for (size_t k = 0; k < r.n; k++) {
                ck_assert_msg(fabs(row_t(&r, k) - tt[k]) < 1e-12, "row %zu t %.17g", k,
                              row_t(&r, k));
                ck_assert_msg(fabs(row_y(&r, k, 0) - xx[k]) < 1e-12, "row %zu x %.17g", k,
                              row_y(&r, k, 0));
            }
            /* The save point itself is the event's time. */
            ck_assert(row_t(&r, 4) == 1.0);
            free(r.v);
        }
    }
    tb_free(&b);
    model_free(m);
}
END_TEST

/* --stop-after-events ends the solve at that event; every method family
   locates the spikes (to its own accuracy) and restarts after them. */
START_TEST(event_stop_after_and_every_family)
{
    static const char *methods[] = { "dopri5", "rk4", "rodas5", "radau5", "kvaerno5", "bdf",
                                     "auto" };
    struct model *m = load("par I=1.5, tau=0.8, vth=1, vr=0.2\n"
                           "v' = (I - v)/tau\ninit v=0.2\n"
                           "global 1 v-vth {v=vr}\ndone\n");
    const double T = 0.8 * log((1.5 - 0.2) / (1.5 - 1.0));
    struct tb b;
    TB_NEW_OK(m, &b);
    for (size_t i = 0; i < sizeof methods / sizeof *methods; i++) {
        struct solve_opts o;
        struct solve_stats st;
        struct rows r;
        solve_opts_default(&o);
        o.method = methods[i];
        o.t1 = 100;
        o.save = SAVE_FINAL;
        o.rtol = 1e-8;
        o.atol = 1e-10;
        o.dt = strcmp(methods[i], "rk4") == 0 ? 1e-3 : 0;
        if (strcmp(methods[i], "rk4") == 0)
            o.controller = CTL_CONSTANT;
        o.stop_after_events = 4;
        ck_assert_int_eq(run(m, &b.pi, &o, &r, &st), 0);
        ck_assert_int_eq(st.events, 4);
        ck_assert_uint_eq(r.n, 8);
        ck_assert_msg(fabs(row_t(&r, 7) - 4 * T) < 1e-5, "%s: 4th spike at %.12g, not %.12g",
                      methods[i], row_t(&r, 7), 4 * T);
        free(r.v);
    }
    tb_free(&b);
    model_free(m);
}
END_TEST

/* Switch times of t alone: a pulse of area 1 a million times shorter
   than the steps (written through an intermediate of t), and a train of 20 pulses of width 0.01, integrated to
   their exact areas by explicit and stiff methods; without the switches
   the stiff method steps over the short pulse. */
START_TEST(event_switch_times_catch_short_pulses_and_trains)
{
    static const char *methods[] = { "dopri5", "rodas5", "radau5", "bdf" };
    struct model *m = load("par ton=3.3, w=1e-6\n"
                           "tt = t - ton\n"
                           "x' = heav(tt)*heav(w-tt)/w\n"
                           "z' = if(mod(t, 1) < 0.01)then(1)else(0)\n"
                           "u' = -u\ninit u=1\ndone\n");
    struct tb b;
    TB_NEW_OK(m, &b);
    ck_assert_uint_eq(b.pi.n_tswitch, 4);
    for (int be = 0; be < (b.have_jit ? 2 : 1); be++)
        for (size_t i = 0; i < sizeof methods / sizeof *methods; i++) {
            struct solve_opts o;
            struct solve_stats st;
            struct rows r;
            solve_opts_default(&o);
            o.method = methods[i];
            o.t1 = 20;
            o.save = SAVE_FINAL;
            o.rtol = 1e-8;
            o.atol = 1e-10;
            ck_assert_int_eq(run(m, backend(&b, be), &o, &r, &st), 0);
            ck_assert_uint_eq(r.n, 1);
            /* The pulse's edges, and each of the train's two edges plus
               the harmless mid-period crossing of mod(t,1) - 1/2. */
            ck_assert_int_ge(st.switches, 2 + 20 * 2);
            ck_assert_msg(fabs(row_y(&r, 0, 0) - 1) < 1e-7, "%s: pulse area %.15g", methods[i],
                          row_y(&r, 0, 0));
            ck_assert_msg(fabs(row_y(&r, 0, 1) - 0.2) < 1e-9, "%s: train area %.15g",
                          methods[i], row_y(&r, 0, 1));
            free(r.v);
        }
    {
        struct solve_opts o;
        struct solve_stats st;
        struct rows r;
        solve_opts_default(&o);
        o.method = "rodas5";
        o.t1 = 20;
        o.save = SAVE_FINAL;
        o.no_switches = true;
        ck_assert_int_eq(run(m, &b.pi, &o, &r, &st), 0);
        ck_assert_int_eq(st.switches, 0);
        ck_assert(fabs(row_y(&r, 0, 0) - 1) > 0.5);
        free(r.v);
    }
    tb_free(&b);
    model_free(m);
}
END_TEST

static Suite *event_suite(void)
{
    Suite *s = suite_create("event");
    TCase *tc = tcase_create("core");

    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, event_integrate_and_fire_spikes_at_closed_form_times);
    tcase_add_test(tc, event_bouncing_ball_impacts_at_analytic_times);
    tcase_add_test(tc, event_fires_at_t0);
    tcase_add_test(tc, event_exactly_at_a_save_point);
    tcase_add_test(tc, event_stop_after_and_every_family);
    tcase_add_test(tc, event_switch_times_catch_short_pulses_and_trains);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(event_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
