/* ast.h - the model as parsed, before names are resolved.
 *
 * parser.y builds it; check.c turns it into a struct model.  Nodes live in
 * the model's arena.  Names are not copied: a name is the span of its text
 * in the model source, compared without regard to case. */
#ifndef ODESOLVE_AST_H
#define ODESOLVE_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "diag.h"
#include "model.h"

enum {
    /* Deepest expression tree (and deepest nesting of parentheses) a
       model may hold.  Later passes may recurse over a tree this deep. */
    AST_MAX_DEPTH = 1000,
    AST_MAX_ARGS = 9,            /* arguments of a user function */
    AST_MAX_NAME = 255,          /* bytes in a name */
};

enum ast_kind {
    AST_NUM,                     /* num */
    AST_NAME,                    /* a name: variable, parameter, t, pi ... */
    AST_CALL,                    /* name(args) */
    AST_OP,                      /* operator `op` on args */
    AST_INDEX,                   /* name[args[0]], or [args[0]] alone (an
                                    empty name): an array element, or the
                                    index as a number (lang/array.c) */
};

struct ast_expr {
    enum ast_kind kind;
    enum expr_kind op;           /* AST_OP: EX_NEG, EX_NOT, EX_ADD ... EX_IF;
                                    EX_SUM (lo, hi, summand), EX_SUMI (i'),
                                    EX_KERNEL (int{...}: args integrand, or
                                    kernel and integrand with '#'; num mu),
                                    EX_TPRIME (t') */
    int nargs;
    int depth;                   /* 1 for a leaf */
    double num;                  /* AST_NUM */
    struct span span;            /* the whole node */
    struct span name;            /* AST_NAME, AST_CALL: the name;
                                    AST_OP: the operator (or `if`) */
    struct ast_expr **args;
};

enum ast_stmt_kind {
    ST_ODE,                      /* x' = expr, dx/dt = expr */
    ST_INIT,                     /* init x=1, x(0)=1 */
    ST_PARAM,                    /* par a=1 */
    ST_NUMBER,                   /* number k=3.5 */
    ST_DERIVED,                  /* !k = expr */
    ST_INTER,                    /* r = expr */
    ST_AUX,                      /* aux e = expr */
    ST_FUNC,                     /* f(x,y) = expr */
    ST_SET,                      /* @ key=value */
    ST_SETBLOCK,                 /* set NAME {key=value, ...} */
    ST_ONLY,                     /* only x,y: one per name */
    ST_GLOBAL,                   /* global sign condition {x=...; ...} */
    ST_VOLT,                     /* volt u = expr, u(t) = ...int{...}...:
                                    u is the value of expr */
};

/* One assignment `x = expr` of a global's braces, in source order. */
struct ast_assign {
    struct span name;
    struct ast_expr *expr;
    struct ast_assign *next;
};

/* One declaration: a line such as `par a=1, b=2` gives one per name. */
struct ast_stmt {
    enum ast_stmt_kind kind;
    struct span name;            /* the name declared, or the setting key */
    struct span lhs;             /* ST_ODE: `x'` or `dx/dt`; else = name */
    struct span value;           /* ST_INIT/PARAM/NUMBER/SET: the value */
    double num;                  /* the value when it is a number */
    bool word;                   /* ST_SET: the value is a word, not a number */
    struct ast_expr *expr;       /* ST_ODE/DERIVED/INTER/AUX/FUNC */
    int nargs;                   /* ST_FUNC: may exceed AST_MAX_ARGS */
    struct span *args;           /* ST_FUNC: argument names */
    struct ast_stmt *body;       /* ST_SETBLOCK: its ST_SET entries */
    struct ast_assign *assign;   /* ST_GLOBAL: the assignments; num is
                                    the sign, value its span, expr the
                                    condition, name the keyword */
    /* `x[lo..hi]' = ...`, `par a[lo..hi]=1`: one statement for elements
       x<lo> .. x<hi> (lang/array.c).  A bound is a number or the name of a
       `number` constant (bound_name). */
    bool array;
    struct span lo, hi;
    double lo_num, hi_num;
    bool lo_name, hi_name;
    int block;                   /* > 0: statement of the block `%[lo..hi]`
                                    numbered so, in file order */
    struct ast_stmt *next;
};

struct ast_file {
    struct ast_stmt *first, *last;     /* in source order */
    size_t n_stmts;
    /* Names seen on lines that failed to parse.  Their declarations may
       have been lost, so the checker does not call them unknown. */
    struct span *tainted;
    size_t n_tainted;
    bool syntax_errors;          /* some line failed to parse */
    unsigned end;                /* end of the last token: "end of file" */
};

/* Node constructors, in m's arena; NULL when out of memory.  depth is set
   from the operands. */
struct ast_expr *ast_num(struct model *m, double v, struct span sp);
struct ast_expr *ast_name(struct model *m, struct span name);
struct ast_expr *ast_node(struct model *m, enum ast_kind kind,
                          enum expr_kind op, int nargs, struct span sp,
                          struct span name);
/* Sets depth after the operands of an ast_node() are filled in. */
void ast_set_depth(struct ast_expr *e);

struct ast_stmt *ast_stmt_new(struct model *m, enum ast_stmt_kind kind,
                              struct span name);
void ast_append(struct ast_file *f, struct ast_stmt *s);

/* Whether the source text at `sp` equals `word`, ignoring case. */
bool ast_is(const struct model *m, struct span sp, const char *word);

/* Whether src[0..n) is a word that starts a statement (par, init, ...) or
   an operator word (if, then, else, not); such words cannot be names. */
bool ast_is_keyword(const char *s, size_t n);

/* What the first word of a statement means, by XPPAUT's rule (the first
   one or two letters, in any case; ast.c): a keyword we read, `done`, a
   statement this version does not read (table, wiener, ...), `global`, or
   nothing (a name).  The caller decides whether the word is in keyword
   position at all.  Stores the statement's full lower-case name in *name
   (may be NULL) unless AW_NONE. */
enum ast_word {
    AW_NONE, AW_PAR, AW_INIT, AW_NUMBER, AW_AUX, AW_DONE, AW_SET, AW_ONLY,
    AW_GLOBAL, AW_VOLT, AW_UNSUPPORTED,
};
enum ast_word ast_statement_word(const char *s, size_t n, const char **name);

/* Writes e as an S-expression, e.g. "(- (^ x 2))", for tests and
   debugging.  Names appear as written, numbers with %.17g. */
void ast_print(FILE *f, const struct model *m, const struct ast_expr *e);

/* Parses m's source into *out, reporting syntax errors to d.  Returns 0
   (also when there were syntax errors: see d and out->syntax_errors) or
   ODE_ENOMEM.  Defined in parser.y. */
int parse_model(struct model *m, struct diag *d, struct ast_file *out);

#endif
