/* cvode_bruss2d.c - SUNDIALS CVODE BDF on the 2-D Brusselator of
 * bench/gen_bruss2d.py, with CVODE's band linear solver: the peer of
 * odesolve's sparse path in bench/stiff.sh.
 *
 *   cvode_bruss2d [--n N] [--alpha A] [--method bdf|bdfdq] [--rtol R]
 *                 [--atol A] [--reps K] [--ref FILE] [--yfinal FILE] [--t1 T]
 *
 * bdf:   Newton with the analytic Jacobian, stored as a band matrix;
 * bdfdq: the same with CVODE's banded difference-quotient Jacobian
 *        (2N + 2N + 1 f evaluations per Jacobian, Curtis-Powell-Reid
 *        column groups), what a tool without a symbolic Jacobian gets.
 * The model, grid, state order and initial values are those of
 * gen_bruss2d.py (Hairer & Wanner, Solving ODEs II, IV.10, BRUSS-2D), so
 * the Jacobian's half bandwidths are ml = mu = 2N.  Defaults: N = 32,
 * alpha = 0.1, rtol 1e-6, atol = rtol (eta = 1), 5 repetitions (3 when a
 * solve takes over 2 s, 1 over 10 s, as the shared harness's drivers).
 *
 * Prints the shared harness's CSV record (../shared/bench/README.md):
 *   problem,peer,method,rtol,atol,steps,rejected,nfev,njev,nlu,err,time_s,reps,status,note
 * time_s is the median solve time (setup of CVODE included, the
 * initial values excluded); err = max_i |y_i - ref_i| / (1 + |ref_i|) at
 * t1 against FILE's "y VALUE" lines (-1 without a reference); --yfinal
 * writes y(t1) in that format (%.17g), for building references.  --t1
 * stops early (no error then): a short run allocates what a full one
 * does, so it gives the peak memory without the full solve's time.
 * Build: cc -O2 -o cvode_bruss2d cvode_bruss2d.c -lsundials_cvode
 *        -lsundials_nvecserial -lsundials_sunlinsolband
 *        -lsundials_sunmatrixband -lm                     (SUNDIALS 6) */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cvode/cvode.h>
#include <nvector/nvector_serial.h>
#include <sunlinsol/sunlinsol_band.h>
#include <sunmatrix/sunmatrix_band.h>

#define T_END 11.5
#define BR_A 1.0
#define BR_B 3.4
#define MAX_REPS 64

struct bruss {
    int n;          /* cells per side */
    double t1;      /* end of the solve (T_END unless --t1) */
    double dd;      /* alpha N^2: diffusion over the squared cell width */
    long nfev, njev;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void bruss_init(const struct bruss *b, double *y)
{
    int n = b->n;
    for (int j = 0; j < n; j++) {
        double yy = (j + 0.5) / n;
        for (int i = 0; i < n; i++) {
            double x = (i + 0.5) / n;
            int k = 2 * (i + n * j);
            y[k] = 22.0 * yy * pow(1.0 - yy, 1.5);
            y[k + 1] = 27.0 * x * pow(1.0 - x, 1.5);
        }
    }
}

static int bruss_rhs(sunrealtype t, N_Vector yv, N_Vector fv, void *ud)
{
    struct bruss *b = ud;
    const double *y = N_VGetArrayPointer(yv);
    double *f = N_VGetArrayPointer(fv);
    int n = b->n;
    (void)t;
    b->nfev++;
    for (int j = 0; j < n; j++)
        for (int i = 0; i < n; i++) {
            int k = 2 * (i + n * j);
            double u = y[k], v = y[k + 1], lu = 0.0, lv = 0.0, uuv = u * u * v;
            /* Neumann boundary: a missing neighbour mirrors the cell, so
               its difference is zero and it is left out of the sum. */
            if (i > 0)     { lu += y[k - 2] - u;         lv += y[k - 1] - v; }
            if (i < n - 1) { lu += y[k + 2] - u;         lv += y[k + 3] - v; }
            if (j > 0)     { lu += y[k - 2 * n] - u;     lv += y[k - 2 * n + 1] - v; }
            if (j < n - 1) { lu += y[k + 2 * n] - u;     lv += y[k + 2 * n + 1] - v; }
            f[k] = BR_A + uuv - (BR_B + 1.0) * u + b->dd * lu;
            f[k + 1] = BR_B * u - uuv + b->dd * lv;
        }
    return 0;
}

/* The analytic Jacobian into CVODE's band matrix (entries within
   ml = mu = 2N of the diagonal; CVODE zeroes J before the call). */
static int bruss_jac(sunrealtype t, N_Vector yv, N_Vector fy, SUNMatrix J, void *ud,
                     N_Vector t1, N_Vector t2, N_Vector t3)
{
    struct bruss *b = ud;
    const double *y = N_VGetArrayPointer(yv);
    int n = b->n;
    double dd = b->dd;
    (void)t; (void)fy; (void)t1; (void)t2; (void)t3;
    b->njev++;
    for (int j = 0; j < n; j++)
        for (int i = 0; i < n; i++) {
            int k = 2 * (i + n * j), nb = 0;
            double u = y[k], v = y[k + 1];
            if (i > 0)     { nb++; SM_ELEMENT_B(J, k, k - 2) = dd;     SM_ELEMENT_B(J, k + 1, k - 1) = dd; }
            if (i < n - 1) { nb++; SM_ELEMENT_B(J, k, k + 2) = dd;     SM_ELEMENT_B(J, k + 1, k + 3) = dd; }
            if (j > 0)     { nb++; SM_ELEMENT_B(J, k, k - 2 * n) = dd; SM_ELEMENT_B(J, k + 1, k + 1 - 2 * n) = dd; }
            if (j < n - 1) { nb++; SM_ELEMENT_B(J, k, k + 2 * n) = dd; SM_ELEMENT_B(J, k + 1, k + 1 + 2 * n) = dd; }
            SM_ELEMENT_B(J, k, k) = 2.0 * u * v - (BR_B + 1.0) - dd * nb;
            SM_ELEMENT_B(J, k, k + 1) = u * u;
            SM_ELEMENT_B(J, k + 1, k) = BR_B - 2.0 * u * v;
            SM_ELEMENT_B(J, k + 1, k + 1) = -u * u - dd * nb;
        }
    return 0;
}

struct run {
    long steps, rejected, nfev, njev, nlu;
    int status;     /* 0 ok, else CVODE's flag */
};

/* One solve from t0 = 0 to b->t1 into y; CVODE is set up and freed inside,
   as the shared harness's drivers do. */
static void solve(struct bruss *b, bool dq, double rtol, double atol, double *y, struct run *r)
{
    int neq = 2 * b->n * b->n, ml = 2 * b->n, flag = -1;
    SUNContext ctx = NULL;
    N_Vector yv = NULL;
    SUNMatrix A = NULL;
    SUNLinearSolver LS = NULL;
    void *mem = NULL;
    double t = 0.0;
    long nst = 0, netf = 0, nncf = 0, nje = 0, nset = 0;

    memset(r, 0, sizeof *r);
    b->nfev = b->njev = 0;
    if (SUNContext_Create(NULL, &ctx) != 0)
        goto out;
    yv = N_VNew_Serial(neq, ctx);
    A = SUNBandMatrix(neq, ml, ml, ctx);
    mem = CVodeCreate(CV_BDF, ctx);
    if (!yv || !A || !mem)
        goto out;
    bruss_init(b, N_VGetArrayPointer(yv));
    LS = SUNLinSol_Band(yv, A, ctx);
    if (!LS || CVodeInit(mem, bruss_rhs, 0.0, yv) != CV_SUCCESS
        || CVodeSStolerances(mem, rtol, atol) != CV_SUCCESS
        || CVodeSetUserData(mem, b) != CV_SUCCESS
        || CVodeSetMaxNumSteps(mem, 50000000L) != CV_SUCCESS
        || CVodeSetStopTime(mem, b->t1) != CV_SUCCESS
        || CVodeSetLinearSolver(mem, LS, A) != CV_SUCCESS
        || (!dq && CVodeSetJacFn(mem, bruss_jac) != CV_SUCCESS))
        goto out;
    flag = CVode(mem, b->t1, yv, &t, CV_NORMAL);
    memcpy(y, N_VGetArrayPointer(yv), sizeof *y * (size_t)neq);
    CVodeGetNumSteps(mem, &nst);
    CVodeGetNumErrTestFails(mem, &netf);
    CVodeGetNumNonlinSolvConvFails(mem, &nncf);
    CVodeGetNumJacEvals(mem, &nje);
    CVodeGetNumLinSolvSetups(mem, &nset);
out:
    r->steps = nst;
    r->rejected = netf + nncf;
    r->nfev = b->nfev;     /* with the difference quotients' calls */
    r->njev = nje;
    r->nlu = nset;
    r->status = flag < 0 ? flag : 0;
    CVodeFree(&mem);
    SUNLinSolFree(LS);
    SUNMatDestroy(A);
    N_VDestroy(yv);
    SUNContext_Free(&ctx);
}

/* The error metric of the shared harness (eta = 1), -1 without a
   reference of neq values. */
static double ref_error(const char *path, const double *y, int neq)
{
    FILE *fp;
    char line[256];
    int k = 0;
    double e = 0.0;
    if (!path || !(fp = fopen(path, "r")))
        return -1.0;
    while (fgets(line, sizeof line, fp)) {
        if (strncmp(line, "y ", 2) != 0)
            continue;
        if (k < neq) {
            double r = strtod(line + 2, NULL), d = fabs(y[k] - r) / (1.0 + fabs(r));
            if (!(d <= e))     /* NaN counts as the largest */
                e = d;
        }
        k++;
    }
    fclose(fp);
    return k == neq ? e : -1.0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void usage(void)
{
    fputs("usage: cvode_bruss2d [--n N] [--alpha A] [--method bdf|bdfdq] [--rtol R] [--atol A]\n"
          "                     [--reps K] [--ref FILE] [--yfinal FILE] [--t1 T]\n", stderr);
    exit(2);
}

int main(int argc, char **argv)
{
    struct bruss b = { 32, T_END, 0.0, 0, 0 };
    struct run r;
    const char *method = "bdf", *ref = NULL, *yfinal = NULL;
    double alpha = 0.1, rtol = 1e-6, atol = 0.0, times[MAX_REPS], tmed, err;
    int reps = 5, done = 0, neq;
    double *y;

    for (int i = 1; i < argc; i += 2) {
        const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            usage();
        if (!strcmp(o, "--n")) b.n = atoi(v);
        else if (!strcmp(o, "--alpha")) alpha = atof(v);
        else if (!strcmp(o, "--method")) method = v;
        else if (!strcmp(o, "--rtol")) rtol = atof(v);
        else if (!strcmp(o, "--atol")) atol = atof(v);
        else if (!strcmp(o, "--reps")) reps = atoi(v);
        else if (!strcmp(o, "--ref")) ref = v;
        else if (!strcmp(o, "--yfinal")) yfinal = v;
        else if (!strcmp(o, "--t1")) b.t1 = atof(v);
        else usage();
    }
    if (b.n < 2 || (strcmp(method, "bdf") && strcmp(method, "bdfdq")) || !(rtol > 0)
        || !(b.t1 > 0 && b.t1 <= T_END))
        usage();
    if (!(atol > 0))
        atol = rtol;
    if (reps < 1) reps = 1;
    if (reps > MAX_REPS) reps = MAX_REPS;
    b.dd = alpha * b.n * b.n;
    neq = 2 * b.n * b.n;
    y = malloc(sizeof *y * (size_t)neq);
    if (!y) {
        perror("cvode_bruss2d");
        return 1;
    }
    for (int k = 0; k < reps; k++) {
        double t0 = now_s();
        solve(&b, !strcmp(method, "bdfdq"), rtol, atol, y, &r);
        times[done++] = now_s() - t0;
        if (r.status != 0)
            break;
        /* Long solves are repeated less, as in the shared harness. */
        if (k == 0 && times[0] > 10.0) reps = 1;
        else if (k == 0 && times[0] > 2.0 && reps > 3) reps = 3;
    }
    qsort(times, (size_t)done, sizeof *times, cmp_double);
    tmed = done % 2 ? times[done / 2] : 0.5 * (times[done / 2 - 1] + times[done / 2]);
    err = r.status == 0 && b.t1 == T_END ? ref_error(ref, y, neq) : -1.0;
    if (yfinal && r.status == 0) {
        FILE *fp = fopen(yfinal, "w");
        if (!fp) {
            perror(yfinal);
            return 1;
        }
        for (int k = 0; k < neq; k++)
            fprintf(fp, "y %.17g\n", y[k]);
        fclose(fp);
    }
    printf("bruss2d_%d,cvode,%s,%.3g,%.3g,%ld,%ld,%ld,%ld,%ld,%.3e,%.6g,%d,%d,band ml=mu=%d\n",
           b.n, method, rtol, atol, r.steps, r.rejected, r.nfev, r.njev, r.nlu, err, tmed,
           done, r.status, 2 * b.n);
    free(y);
    return r.status == 0 ? 0 : 1;
}
