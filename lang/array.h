/* array.h - XPPAUT arrays in the checker: `x[lo..hi]' = ... [j] ...`.
 *
 * An array statement declares one symbol per element, named as XPPAUT
 * names them (x0, x1, ... for x[0..]); each element's expression is the
 * statement's expression with j set to the element's index.  A reference
 * `name[expr]` is the element name<expr>, and `[expr]` alone the index as
 * a number; expr is integer arithmetic on j and numbers, known at check
 * time.  Shared by check.c and resolve.c only. */
#ifndef ODESOLVE_ARRAY_H
#define ODESOLVE_ARRAY_H

#include <stdbool.h>

#include "resolve.h"

enum {
    /* Elements of all arrays of a model together. */
    ARRAY_MAX_ELEMENTS = 100000000,
    /* Bounds of sum(lo,hi)of(...) and offsets of shift(): integers of at
       most 9 digits; a sum of at most ARRAY_MAX_SUM_TERMS terms; at most
       ARRAY_MAX_SHIFT_WORK elements visited checking shift()s. */
    ARRAY_MAX_SUM_DIGITS = 9,
    ARRAY_MAX_SUM_INDEX = 999999999,
    ARRAY_MAX_SUM_TERMS = 10000000,
    ARRAY_MAX_SHIFT_WORK = 100000000,
};

/* Declares the elements of the array statement s (an equation,
   intermediate, aux, parameter) as symbols of `kind`, reporting bad
   bounds and redefinitions. */
void array_declare(struct checker *ck, const struct ast_stmt *s,
                   enum sym_kind kind);

/* Declares the elements of the block `%[lo..hi]` whose first statement
   is `first`, j by j and in each the block's statements in order, as
   XPPAUT orders them.  kind_of maps statement kinds to symbol kinds. */
void array_declare_block(struct checker *ck, const struct ast_stmt *first,
                         const enum sym_kind *kind_of);

/* Applies `init x[lo..hi]=v` and `x[lo..hi](0)=v` to each element. */
void array_init(struct checker *ck, const struct ast_stmt *s);

/* The symbol `a` (an AST_INDEX with a name) refers to with the current
   index ck->j, or NULL; *idx receives the element index.  With `report`,
   errors (a bad index, j outside an array statement, an unknown element)
   are diagnosed and *bad is set. */
struct sym *array_element(const struct checker *ck, const struct ast_expr *a,
                          bool report, long *idx, bool *bad);

/* The index value of `a` (AST_INDEX) with the current j; false when it
   has none (reported when `report`). */
bool array_index_value(const struct checker *ck, const struct ast_expr *a,
                       bool report, long *out);

/* The bounds of `a`, sum(lo,hi)of(...) (AST_OP EX_SUM): integer
   arithmetic on j, numbers and constants.  False (reported when
   `report`) when they are not. */
bool array_sum_bounds(const struct checker *ck, const struct ast_expr *a,
                      bool report, long *lo, long *hi);

/* What shift(x, k) (the AST_CALL `a`) reads, for each value of i' when
   inside a sum (ck->in_sum and its bounds): count elements of x's kind,
   the i'-th (lo <= i' < lo + count) at index index0 + stride * i' of the
   kind's array, first and last the symbols at both ends.  count is 1
   when the element does not change with i' (or outside a sum): then it
   is `first`.  x is a state, parameter or intermediate; k integer
   arithmetic on j, i', numbers and constants, affine in i'; the element
   k places after x in declaration order must exist for each i', and the
   elements be stored in that order.  False (reported when `report`)
   otherwise. */
struct array_shift {
    struct sym *base, *first, *last;
    long lo, count, index0, stride;
};
bool array_shift(struct checker *ck, const struct ast_expr *a, bool report,
                 struct array_shift *out);

/* After the expressions are resolved: the model's families (model.h),
   one per run of consecutive elements of one statement whose expressions
   share a body.  Sets ck->oom when memory runs out. */
void array_families(struct checker *ck);

#endif
