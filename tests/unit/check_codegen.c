/* check_codegen.c - the generated C text: no model identifier reaches it,
 * numbers read back exactly, every equation is marked with its model line,
 * only used built-ins are declared, malformed models are refused by every
 * backend, and the text is plain C that a system compiler accepts. */
#include <check.h>
#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builtins.h"
#include "codegen.h"
#include "interp.h"
#include "jit.h"
#include "testbackend.h"
#include "testmodel.h"

/* The text with every comment removed; comments must hold only
   [A-Za-z0-9_ .,:'-] (sanitised names and our own prose). */
static char *strip_comments(const char *text)
{
    char *out = malloc(strlen(text) + 1), *o = out;
    const char *s = text;
    while (*s) {
        if (s[0] == '/' && s[1] == '*') {
            const char *end = strstr(s + 2, "*/");
            ck_assert_msg(end != NULL, "unterminated comment");
            for (const char *c = s + 2; c < end; c++)
                ck_assert_msg(isalnum((unsigned char)*c) || strchr("_ .,:;'-\n", *c),
                              "comment holds '%c': %.60s", *c, s);
            s = end + 2;
            *o++ = ' ';
        } else {
            ck_assert_msg(!(s[0] == '/' && s[1] == '/'), "line comment in text");
            *o++ = *s++;
        }
    }
    *o = '\0';
    return out;
}

static bool digits_after(const char *s, size_t n, const char *prefix)
{
    size_t k = strlen(prefix);
    if (n <= k || strncmp(s, prefix, k) != 0)
        return false;
    for (size_t i = k; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    return true;
}

/* Every identifier outside comments and strings is one the code generator
   owns, a C keyword it uses, or a built-in symbol. */
static bool allowed_ident(const char *s, size_t n)
{
    static const char *fixed[] = {
        "int", "double", "void", "const", "static", "return", "line", "ctx",
        "t", "y", "p", "v", "dydt", "out", "cg_rhs", "cg_aux", "cg_derive",
    };
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        if (strlen(fixed[i]) == n && strncmp(fixed[i], s, n) == 0)
            return true;
    if (digits_after(s, n, "cg_u") || digits_after(s, n, "a") || digits_after(s, n, "w") ||
        digits_after(s, n, "q"))
        return true;
    for (int i = 0; i < builtin_count(); i++) {
        const char *sym = builtin_at(i)->symbol;
        if (strlen(sym) == n && strncmp(sym, s, n) == 0)
            return true;
    }
    return false;
}

static void check_identifiers(const char *code, const char *fname)
{
    const char *s = code;
    while (*s) {
        unsigned char c = (unsigned char)*s;
        if (c == '"') {
            const char *end = strchr(s + 1, '"');
            ck_assert(end != NULL);
            ck_assert_msg((size_t)(end - s - 1) == strlen(fname) &&
                          strncmp(s + 1, fname, strlen(fname)) == 0,
                          "#line names %.*s", (int)(end - s - 1), s + 1);
            s = end + 1;
        } else if (isdigit(c) || (c == '.' && isdigit((unsigned char)s[1]))) {
            char prev = 0;
            while (isalnum((unsigned char)*s) || *s == '.' ||
                   ((*s == '+' || *s == '-') && (prev == 'e' || prev == 'E')))
                prev = *s++;
        } else if (isalpha(c) || c == '_') {
            const char *b = s;
            while (isalnum((unsigned char)*s) || *s == '_')
                s++;
            ck_assert_msg(allowed_ident(b, (size_t)(s - b)), "identifier '%.*s' in the text",
                          (int)(s - b), b);
        } else {
            ck_assert_msg(strchr(" \n\t()[]{};,=+-*/<>!?:&|#.", c) != NULL,
                          "character '%c' in the text", c);
            s++;
        }
    }
}

START_TEST(codegen_hostile_names_never_reach_the_text)
{
    static const char *states[] = {
        "system", "main", "__asm__", "int", "return", "x*/ evil(); /*", "a\"b",
        "#define", "back\\slash", "dydt", "cg_rhs", "os_sin",
    };
    enum { NS = sizeof states / sizeof states[0] };
    struct model *m = tm_new("../dir/ev\"il\n#x y.ode", NULL, NS);
    char sx[64];
    tm_param(m, "exit", 2);
    tm_param(m, "printf", 3);
    tm_derived(m, "getenv", "(* p0 p1)", 0);
    tm_func(m, "malloc", 1, "(+ a0 p0)", 0);
    tm_func(m, "__builtin_trap", 0, "(* t p2)", 0);
    tm_inter(m, "abort", "(+ y0 (u1))", 3);
    tm_inter(m, "goto", "(* v0 y1)", 4);
    for (int i = 0; i < NS; i++) {
        snprintf(sx, sizeof sx, "(- (u0 v1) y%d)", i);
        tm_state(m, states[i], i, sx, 10 + i);
    }
    tm_aux(m, "free", "v0", 30);
    tm_aux(m, "while", "(sin y2)", 31);

    char *text;
    ck_assert_int_eq(codegen_c(m, &text), 0);
    char *code = strip_comments(text);
    static const char *hostile[] = {
        "system", "main", "__asm__", "evil", "define", "back", "exit", "printf",
        "getenv", "malloc", "__builtin_trap", "abort", "goto", "free", "while", "dir",
    };
    for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++)
        ck_assert_msg(strstr(code, hostile[i]) == NULL, "'%s' reached the code", hostile[i]);
    check_identifiers(code, "ev_il__x_y.ode");
    ck_assert(strstr(text, "#line 10 \"ev_il__x_y.ode\"\n") != NULL);
    free(code);
    free(text);

    /* And it runs, the same on both backends. */
    struct tb b;
    TB_NEW_OK(m, &b);
    double y[NS], p[3] = { 2, 3, 0 }, di[NS], dj[NS];
    for (int i = 0; i < NS; i++)
        y[i] = 0.25 * i - 1;
    ck_assert_int_eq(b.pi.derive(b.pi.ctx, p), 0);
    ck_assert(p[2] == 6);
    ck_assert_int_eq(b.pi.rhs(b.pi.ctx, 0.5, y, p, di), 0);
    double v0 = y[0] + 0.5 * 6, v1 = v0 * y[1];
    for (int i = 0; i < NS; i++)
        ck_assert(tm_same(di[i], (v1 + 2) - y[i]));
    if (b.have_jit) {
        ck_assert_int_eq(b.pj.rhs(b.pj.ctx, 0.5, y, p, dj), 0);
        ck_assert(memcmp(di, dj, sizeof di) == 0);
    }
    ck_assert_str_eq(b.pi.state_names[5], "x*/ evil(); /*");
    tb_free(&b);
    model_free(m);
}
END_TEST

/* Each aux output is one literal; the text's literal must read back as
   exactly the same double, and be a double literal for C. */
START_TEST(codegen_numbers_read_back_exactly)
{
    static const double vals[] = {
        0.0, -0.0, 1.0, -1.0, 0.1, -0.1, 1.0 / 3.0, 2.0 / 3.0, 1e300, -1e300,
        1.7976931348623157e308, 2.2250738585072014e-308, 2.2250738585072009e-308,
        4.9406564584124654e-324, -4.9406564584124654e-324, 123456789012345678.0,
        9007199254740993.0, 5e-324 * 3, 3.141592653589793, 0.30000000000000004,
        1e23, 8e-310, 100.0, 1e15, 1e16, 1e17, 1e-5, 1234.5,
    };
    enum { NV = sizeof vals / sizeof vals[0] + 100 };
    double v[NV];
    memcpy(v, vals, sizeof vals);
    uint64_t x = 0x243f6a8885a308d3ULL;
    for (size_t i = sizeof vals / sizeof vals[0]; i < NV; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        uint64_t bits = x >> 1;       /* any finite or not, positive */
        memcpy(&v[i], &bits, sizeof bits);
        if (!isfinite(v[i]))
            v[i] = (double)(x >> 11) * 0x1p-40;
        if (i % 2)
            v[i] = -v[i];
    }
    struct model *m = tm_new("nums.ode", NULL, NV);
    tm_state(m, "x", 0, "0", 1);
    for (int i = 0; i < NV; i++) {
        struct expr *e = expr_num(m, v[i], (struct span){ 0, 0 });
        struct model_aux *a = &m->aux[m->n_aux++];
        a->name = "k";
        a->value = e;
        a->line = 2 + i;
    }
    char *text;
    ck_assert_int_eq(codegen_c(m, &text), 0);
    for (int i = 0; i < NV; i++) {
        char key[32];
        snprintf(key, sizeof key, "out[%d] = ", i);
        const char *at = strstr(text, key);
        ck_assert(at != NULL);
        at += strlen(key);
        const char *end = strchr(at, ';');
        char lit[64];
        ck_assert((size_t)(end - at) < sizeof lit);
        memcpy(lit, at, (size_t)(end - at));
        lit[end - at] = '\0';
        ck_assert_msg(strpbrk(lit, ".e") != NULL, "'%s' is not a double literal", lit);
        const char *num = lit;
        if (lit[0] == '(') {      /* negative numbers are parenthesised */
            ck_assert(lit[1] == '-' && lit[strlen(lit) - 1] == ')');
            num = lit + 1;
        } else {
            ck_assert(lit[0] != '-');
        }
        ck_assert_msg(tm_same(strtod(num, NULL), v[i]), "%s for %a", lit, v[i]);
    }
    free(text);

    struct tb b;
    double oi[NV], oj[NV], y = 0;
    TB_NEW_OK(m, &b);
    ck_assert_int_eq(b.pi.aux(b.pi.ctx, 0, &y, NULL, oi), 0);
    for (int i = 0; i < NV; i++)
        ck_assert(tm_same(oi[i], v[i]));
    if (b.have_jit) {
        ck_assert_int_eq(b.pj.aux(b.pj.ctx, 0, &y, NULL, oj), 0);
        for (int i = 0; i < NV; i++)
            ck_assert_msg(tm_same(oj[i], v[i]), "jit %a for %a", oj[i], v[i]);
    }
    tb_free(&b);
    model_free(m);
}
END_TEST

START_TEST(codegen_non_finite_numbers_have_no_literal_but_work)
{
    struct model *m = tm_new("special.ode", NULL, 4);
    tm_state(m, "x", 0, "0", 1);
    tm_aux(m, "a", "inf", 2);
    tm_aux(m, "b", "-inf", 3);
    tm_aux(m, "c", "nan", 4);
    char *text;
    ck_assert_int_eq(codegen_c(m, &text), 0);
    ck_assert(strstr(text, "inf") == NULL && strstr(text, "nan") == NULL);
    free(text);
    struct tb b;
    double oi[3], oj[3], y = 0;
    TB_NEW_OK(m, &b);
    ck_assert_int_eq(b.pi.aux(b.pi.ctx, 0, &y, NULL, oi), 0);
    ck_assert(oi[0] == INFINITY && oi[1] == -INFINITY && isnan(oi[2]));
    if (b.have_jit) {
        ck_assert_int_eq(b.pj.aux(b.pj.ctx, 0, &y, NULL, oj), 0);
        ck_assert(oj[0] == INFINITY && oj[1] == -INFINITY && isnan(oj[2]));
    }
    tb_free(&b);
    model_free(m);
}
END_TEST

START_TEST(codegen_marks_each_equation_with_its_model_line)
{
    const char *src = "par a=1\n!d=a*2\nf(x)=x+1\nx'=f(d)\nr=x*x\naux o=r\n";
    struct model *m = tm_new("dir/lines.ode", src, 2);
    tm_param(m, "a", 1);
    tm_derived(m, "d", "(* p0 2)", (unsigned)(strstr(src, "!d") - src));
    tm_func(m, "f", 1, "(+ a0 1)", (unsigned)(strstr(src, "f(x)") - src));
    tm_inter(m, "r", "(* y0 y0)", 5);
    tm_state(m, "x", 0, "(u0 p1)", 4);
    tm_aux(m, "o", "v0", 6);
    char *text;
    ck_assert_int_eq(codegen_c(m, &text), 0);
    ck_assert(strstr(text, "#line 2 \"lines.ode\"\n    p[1] = (p[0] * 2.0);") != NULL);
    ck_assert(strstr(text, "#line 3 \"lines.ode\"\n    return (a0 + 1.0);") != NULL);
    /* For tcc the right-hand side reads the parameters it uses once. */
    ck_assert(strstr(text, "    const double q1 = p[1];\n") != NULL);
    ck_assert(strstr(text, "const double q0") == NULL);
    ck_assert(strstr(text, "#line 4 \"lines.ode\"\n    dydt[0] = cg_u0(t, p, q1);") != NULL);
    ck_assert(strstr(text, "#line 5 \"lines.ode\"\n    v[0] = (y[0] * y[0]);") != NULL);
    ck_assert(strstr(text, "#line 6 \"lines.ode\"\n    out[0] = v[0];") != NULL);
    free(text);
    model_free(m);
}
END_TEST

START_TEST(codegen_declares_only_the_builtins_it_calls)
{
    struct model *m = tm_new("b.ode", NULL, 2);
    tm_state(m, "x", 0, "(+ (sin y0) (^ y0 2.5))", 1);
    tm_state(m, "y", 0, "(+ (^ (+ y0 1) 2) (^ y1 2))", 2);
    char *text;
    bool *used = calloc((size_t)builtin_count(), sizeof *used);
    ck_assert_int_eq(codegen_c_used(m, &text, used), 0);
    for (int i = 0; i < builtin_count(); i++) {
        const struct builtin *b = builtin_at(i);
        bool want = strcmp(b->name, "sin") == 0 || strcmp(b->name, "pow") == 0;
        ck_assert_msg(used[i] == want, "%s", b->name);
        char decl[64];
        snprintf(decl, sizeof decl, b->arity == 1 ? "double %s(double);" : "double %s(double, double);",
                 b->symbol);
        ck_assert_msg((strstr(text, decl) != NULL) == want, "%s", decl);
    }
    /* x^2 is a product, of a leaf directly, of anything else through a
       temporary. */
    ck_assert(strstr(text, "(y[1] * y[1])") != NULL);
    ck_assert(strstr(text, " = (y[0] + 1.0); ") != NULL);
    ck_assert(strstr(text, "os_pow(y[0], 2.5)") != NULL);
    ck_assert(strstr(text, "#include") == NULL);
    free(used);
    free(text);
    model_free(m);
}
END_TEST

static int count(const char *s, const char *sub)
{
    int n = 0;
    for (const char *p = strstr(s, sub); p; p = strstr(p + 1, sub))
        n++;
    return n;
}

START_TEST(codegen_pow_plan_covers_exactly_the_listed_literals)
{
    static const struct {
        const char *sx;
        bool ok;
        struct codegen_pow plan;
    } cases[] = {
        { "1", true, { 1, false, false } },     { "-1", true, { 1, false, true } },
        { "2", true, { 2, false, false } },     { "(neg 2)", true, { 2, false, true } },
        { "3", true, { 3, false, false } },     { "-3", true, { 3, false, true } },
        { "4", true, { 4, false, false } },     { "(neg 4)", true, { 4, false, true } },
        { "0.5", true, { 0, true, false } },    { "(neg 0.5)", true, { 0, true, true } },
        { "1.5", true, { 1, true, false } },    { "-1.5", true, { 1, true, true } },
        { "0", false, { 0 } },  { "-0.0", false, { 0 } }, { "5", false, { 0 } },
        { "2.5", false, { 0 } }, { "-0.25", false, { 0 } }, { "nan", false, { 0 } },
        { "inf", false, { 0 } }, { "y0", false, { 0 } }, { "(neg y0)", false, { 0 } },
        { "(neg (neg 2))", false, { 0 } }, { "(+ 1 1)", false, { 0 } },
    };
    struct model *m = tm_new("plan.ode", NULL, 1);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct codegen_pow pl = { -1, true, true };
        bool ok = codegen_pow_plan(tm_x(m, cases[i].sx), &pl);
        ck_assert_msg(ok == cases[i].ok, "%s", cases[i].sx);
        if (ok)
            ck_assert_msg(pl.n == cases[i].plan.n && pl.root == cases[i].plan.root &&
                          pl.recip == cases[i].plan.recip, "%s", cases[i].sx);
    }
    model_free(m);
}
END_TEST

/* Literal exponents become products, sqrt and one division; a compound
   base used more than once is written once, into a temporary. */
START_TEST(codegen_writes_literal_powers_without_pow)
{
    static const struct {
        const char *sx, *leaf, *compound;
    } cases[] = {
        { "1", "out[0] = y[0];", "out[1] = (y[0] - y[1]);" },
        { "-1", "out[0] = (1.0 / y[0]);", "out[1] = (1.0 / (y[0] - y[1]));" },
        { "2", "out[0] = (y[0] * y[0]);", "double w0 = (y[0] - y[1]); out[1] = (w0 * w0);" },
        { "3", "out[0] = (y[0] * y[0] * y[0]);", "double w0 = (y[0] - y[1]); out[1] = (w0 * w0 * w0);" },
        { "(neg 3)", "out[0] = (1.0 / (y[0] * y[0] * y[0]));",
          "double w0 = (y[0] - y[1]); out[1] = (1.0 / (w0 * w0 * w0));" },
        { "4", "out[0] = ((y[0] * y[0]) * (y[0] * y[0]));", "double w0 = (y[0] - y[1]); out[1] = ((w0 * w0) * (w0 * w0));" },
        { "-4", "out[0] = (1.0 / ((y[0] * y[0]) * (y[0] * y[0])));",
          "double w0 = (y[0] - y[1]); out[1] = (1.0 / ((w0 * w0) * (w0 * w0)));" },
        { "0.5", "out[0] = os_sqrt(y[0]);", "out[1] = os_sqrt((y[0] - y[1]));" },
        { "(neg 0.5)", "out[0] = (1.0 / os_sqrt(y[0]));",
          "out[1] = (1.0 / os_sqrt((y[0] - y[1])));" },
        { "1.5", "out[0] = (y[0] * os_sqrt(y[0]));", "double w0 = (y[0] - y[1]); out[1] = (w0 * os_sqrt(w0));" },
        { "-1.5", "out[0] = (1.0 / (y[0] * os_sqrt(y[0])));",
          "double w0 = (y[0] - y[1]); out[1] = (1.0 / (w0 * os_sqrt(w0)));" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct model *m = tm_new("lit.ode", NULL, 2);
        char sx[96], *text;
        tm_state(m, "x", 0, "0", 1);
        tm_state(m, "y", 0, "0", 2);
        snprintf(sx, sizeof sx, "(^ y0 %s)", cases[i].sx);
        tm_aux(m, "a", sx, 3);
        snprintf(sx, sizeof sx, "(^ (- y0 y1) %s)", cases[i].sx);
        tm_aux(m, "b", sx, 4);
        bool *used = calloc((size_t)builtin_count(), sizeof *used);
        ck_assert_int_eq(codegen_c_used(m, &text, used), 0);
        ck_assert_msg(strstr(text, cases[i].leaf) != NULL, "%s:\n%s", cases[i].leaf, text);
        ck_assert_msg(strstr(text, cases[i].compound) != NULL, "%s:\n%s", cases[i].compound,
                      text);
        ck_assert_msg(count(text, "(y[0] - y[1])") == 1, "%s: base written more than once",
                      cases[i].sx);
        ck_assert(!used[builtin_index(builtin_find("pow"))]);
        ck_assert(strstr(text, "os_pow") == NULL);
        bool root = strstr(cases[i].sx, "0.5") || strstr(cases[i].sx, "1.5");
        ck_assert(used[builtin_index(builtin_find("sqrt"))] == (bool)root);
        char *code = strip_comments(text);
        check_identifiers(code, "lit.ode");
        free(code);
        /* Each helper is defined once, and only when called. */
        static const char *helpers[] = { "cg_sq(", "cg_cube(", "cg_pow4(", "cg_xsqrt(" };
        for (size_t h = 0; h < 4; h++) {
            int n = count(text, helpers[h]);
            ck_assert_msg(n == 0 || n == 2, "%s: %s appears %d times", cases[i].sx, helpers[h],
                          n);
        }
        free(used);
        free(text);
        model_free(m);
    }
}
END_TEST

START_TEST(codegen_builtin_symbols_are_private_identifiers)
{
    for (int i = 0; i < builtin_count(); i++) {
        const char *s = builtin_at(i)->symbol;
        ck_assert_msg(strncmp(s, "os_", 3) == 0, "%s", s);
        for (const char *c = s; *c; c++)
            ck_assert(isalnum((unsigned char)*c) || *c == '_');
        for (int j = 0; j < i; j++)
            ck_assert_str_ne(s, builtin_at(j)->symbol);
    }
}
END_TEST

/* Deep nesting is cut into `double w<k>` temporaries on the equation's own
   line, so tcc's value stack never overflows and #line stays right. */
START_TEST(codegen_hoists_deep_nesting_on_the_equation_line)
{
    enum { DEPTH = 100 };
    char s[DEPTH * 8 + 8];
    size_t n = 0;
    for (int i = 0; i < DEPTH; i++)
        n += (size_t)sprintf(s + n, "(+ 1 ");
    n += (size_t)sprintf(s + n, "y0");
    for (int i = 0; i < DEPTH; i++)
        s[n++] = ')';
    s[n] = '\0';
    struct model *m = tm_new("deep.ode", NULL, 1);
    tm_state(m, "x", 0, s, 7);
    char *text;
    ck_assert_int_eq(codegen_c(m, &text), 0);
    const char *at = strstr(text, "#line 7 \"deep.ode\"\n    double w0 = ");
    ck_assert(at != NULL);
    const char *eol = strchr(at + 20, '\n');
    const char *stmt = strstr(at, "dydt[0] = ");
    ck_assert(stmt != NULL && stmt < eol);
    ck_assert(strstr(text, "double w5 = ") != NULL && strstr(text, "double w6 = ") == NULL);
    free(text);
    struct tb b;
    double y = 0.5, di, dj;
    TB_NEW_OK(m, &b);
    ck_assert_int_eq(b.pi.rhs(b.pi.ctx, 0, &y, NULL, &di), 0);
    ck_assert(di == 100.5);
    if (b.have_jit) {
        ck_assert_int_eq(b.pj.rhs(b.pj.ctx, 0, &y, NULL, &dj), 0);
        ck_assert(dj == 100.5);
    }
    tb_free(&b);
    model_free(m);
}
END_TEST

/* One defect per case, on a model that is otherwise fine. */
static struct model *bad_model(int k)
{
    struct model *m = tm_new("bad.ode", NULL, 4);
    struct span sp = { 0, 0 };
    tm_param(m, "a", 1);
    tm_param(m, "b", 2);
    tm_derived(m, "d", k == 10 ? "(* p2 2)" : k == 11 ? "(+ y0 1)" : k == 16 ? "v0" : "(* p0 2)", 0);
    tm_func(m, "f", 1, k == 3 ? "(+ a0 y0)" : k == 4 ? "(+ a0 v0)" : k == 5 ? "(+ a0 a1)"
                     : k == 6 ? "(u0 a0)" : "(+ a0 p2)", 0);
    tm_inter(m, "r", k == 2 ? "(+ v0 1)" : "(* y0 y1)", 1);
    tm_state(m, "x", 0, k == 0 ? "y5" : k == 1 ? "p3" : k == 7 ? "(u0 y0 y1)"
                      : k == 14 ? "(+ a0 1)" : "(u0 v0)", 2);
    tm_state(m, "y", 0, "(neg y1)", 3);
    tm_aux(m, "o", k == 15 ? "v1" : "v0", 4);
    switch (k) {
    case 8: {   /* atan2 with one operand */
        struct expr *e = expr_new(m, EX_CALL, 1, sp);
        e->index = builtin_index(builtin_find("atan2"));
        e->args[0] = tm_x(m, "y0");
        m->states[1].rhs = e;
        break;
    }
    case 9:
        m->states[1].rhs = tm_x(m, "(sin y0)");
        m->states[1].rhs->index = 999;
        break;
    case 12:
        m->states[1].rhs = NULL;
        break;
    case 13: {
        struct expr *e = tm_x(m, "y0");
        for (int i = 0; i < CODEGEN_MAX_DEPTH + 5; i++)
            e = expr_unary(m, EX_NEG, e, sp);
        m->states[1].rhs = e;
        break;
    }
    case 17: {  /* if with two operands */
        struct expr *e = expr_new(m, EX_IF, 2, sp);
        e->args[0] = tm_x(m, "y0");
        e->args[1] = tm_x(m, "y1");
        m->states[1].rhs = e;
        break;
    }
    case 18:
        m->funcs[0].nargs = 10;
        break;
    }
    return m;
}

START_TEST(codegen_refuses_malformed_models_on_every_backend)
{
    struct model *m = bad_model(_i);
    char *text = (char *)1, err[256];
    interp *ip = (interp *)1;
    jit *j = (jit *)1;
    struct ode_problem p;
    ck_assert_int_eq(codegen_c(m, &text), ODE_EINVAL);
    ck_assert(text == NULL);
    ck_assert_int_eq(interp_new(m, &ip, &p), ODE_EINVAL);
    ck_assert(ip == NULL);
#if WITH_TCC
    ck_assert_int_eq(jit_compile(m, &j, &p, err, sizeof err), ODE_EINVAL);
#else
    ck_assert_int_eq(jit_compile(m, &j, &p, err, sizeof err), ODE_EJIT);
#endif
    ck_assert(j == NULL);
    model_free(m);
}
END_TEST

START_TEST(codegen_accepts_the_defect_free_model)
{
    struct model *m = bad_model(-1);
    struct tb b;
    TB_NEW_OK(m, &b);
    tb_free(&b);
    model_free(m);
}
END_TEST

/* Bytes of C text for a chain of n equations. */
static size_t codegen_bytes(size_t n)
{
    struct model *m = tm_chain(n);
    char *text;
    ck_assert_int_eq(codegen_c(m, &text), 0);
    size_t len = strlen(text);
    free(text);
    model_free(m);
    return len;
}

/* Linear: each equation of a long chain adds what it adds to a short one
   (no text that grows with the model's size per equation).  The time it
   takes is measured in bench (bench/run.sh, compile time), not here:
   timing assertions fail on a loaded machine. */
START_TEST(codegen_text_is_linear_in_model_size)
{
    size_t small = codegen_bytes(5000), big = codegen_bytes(40000);
    double per_small = (double)small / 5000, per_big = (double)big / 40000;
    ck_assert_msg(per_big < 1.1 * per_small, "5000 eq: %zu bytes, 40000 eq: %zu bytes", small,
                  big);
}
END_TEST

/* --emit-c output is ordinary C: the system compiler takes it with every
   warning turned into an error. */
START_TEST(codegen_text_compiles_with_the_system_compiler)
{
    if (system("cc --version >/dev/null 2>&1") != 0)
        return;   /* no system compiler: nothing to check */
    struct model *m = tm_new("all.ode", "par a=1\n!d=a*2\nf(x)=x+1\n", 4);
    tm_param(m, "a", 1);
    tm_derived(m, "d", "(* p0 2)", 8);
    tm_func(m, "f", 1, "(+ a0 (atan2 a0 p1))", 15);
    tm_func(m, "g", 0, "(u0 t)", 15);
    tm_inter(m, "r", "(if (& (> y0 0) (not y1)) (^ y0 y1) (^ (- y0 y1) 2))", 4);
    tm_state(m, "x", 0, "(- (u1) (* v0 -2.5))", 5);
    tm_state(m, "y", 0, "(/ (sin y0) (^ y1 2))", 6);
    tm_aux(m, "o", "(| (<= v0 1e-300) (!= t 3))", 7);
    char *text, dir[] = "/tmp/odesolve-cg-XXXXXX", path[64], cmd[256];
    ck_assert_int_eq(codegen_c(m, &text), 0);
    ck_assert(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/m.c", dir);
    FILE *f = fopen(path, "w");
    ck_assert(f != NULL);
    fputs(text, f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "cc -std=c11 -Wall -Wextra -pedantic -Werror -c -o %s/m.o %s", dir, path);
    int rc = system(cmd);
    snprintf(cmd, sizeof cmd, "%s/m.o", dir);
    remove(cmd);
    remove(path);
    rmdir(dir);
    ck_assert_int_eq(rc, 0);
    free(text);
    model_free(m);
}
END_TEST

START_TEST(codegen_meta_copies_names_and_lines)
{
    struct model *m = tm_lorenz();
    tm_aux(m, "e", "y0", 9);
    struct ode_problem p = { 0 };
    void *block;
    ck_assert_int_eq(codegen_meta(m, &p, &block), 0);
    model_free(m);
    ck_assert_uint_eq(p.n_states, 3);
    ck_assert_uint_eq(p.n_params, 3);
    ck_assert_uint_eq(p.n_aux, 1);
    ck_assert_str_eq(p.state_names[1], "y");
    ck_assert_str_eq(p.aux_names[0], "e");
    ck_assert_int_eq(p.state_lines[2], 6);
    free(block);
}
END_TEST

static Suite *codegen_suite(void)
{
    Suite *s = suite_create("codegen");
    TCase *tc = tcase_create("text");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, codegen_hostile_names_never_reach_the_text);
    tcase_add_test(tc, codegen_numbers_read_back_exactly);
    tcase_add_test(tc, codegen_non_finite_numbers_have_no_literal_but_work);
    tcase_add_test(tc, codegen_marks_each_equation_with_its_model_line);
    tcase_add_test(tc, codegen_declares_only_the_builtins_it_calls);
    tcase_add_test(tc, codegen_pow_plan_covers_exactly_the_listed_literals);
    tcase_add_test(tc, codegen_writes_literal_powers_without_pow);
    tcase_add_test(tc, codegen_builtin_symbols_are_private_identifiers);
    tcase_add_test(tc, codegen_hoists_deep_nesting_on_the_equation_line);
    tcase_add_loop_test(tc, codegen_refuses_malformed_models_on_every_backend, 0, 19);
    tcase_add_test(tc, codegen_accepts_the_defect_free_model);
    tcase_add_test(tc, codegen_text_is_linear_in_model_size);
    tcase_add_test(tc, codegen_text_compiles_with_the_system_compiler);
    tcase_add_test(tc, codegen_meta_copies_names_and_lines);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(codegen_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
