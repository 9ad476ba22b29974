/* parser.y - the model language grammar (the core of XPPAUT's .ode files).
 *
 * A file is a sequence of lines; each line is one statement.  A line that
 * fails to parse is reported once and skipped, so that every bad line of a
 * file is reported in one run.  Locations are byte-offset spans. */

%code top {
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Bison keeps its stacks on the heap and stops at YYMAXDEPTH.  Trees are
   limited to AST_MAX_DEPTH levels and each level of a legal expression takes
   at most about seven states (`if(c)then(`), so this leaves room; deeper
   input is reported as nested too deeply (see yyerror). */
#define YYMAXDEPTH 20000
}

%code requires {
#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>

#include "ast.h"
#include "diag.h"
#include "model.h"

/* [lo..hi] of an array statement: each bound a number or a name. */
struct array_range { struct span lo, hi; double lo_num, hi_num;
                     bool lo_name, hi_name; };

/* State shared by the scanner and the parser for one parse. */
struct parse_ctx {
    struct model *m;
    struct diag *d;
    struct ast_file *out;
    void *scanner;
    unsigned pos;               /* scanner: offset of the next byte */
    int paren;                  /* scanner: open parentheses on this line */
    bool at_bol;                /* scanner: no token yet on this line */
    bool in_global;             /* scanner: this line is a global: { } ; */
    int in_int;                 /* scanner: inside int{...}: # } */
    bool done;                  /* `done` seen or end of text reached */
    bool in_markov;             /* scanner: lines of a markov table follow */
    bool set_block;             /* scanner: `set NAME` read, `{` may follow */
    bool in_set_block;          /* scanner: inside `set NAME {...}` */
    bool exhausted;             /* the parser stack overflowed */
    bool oom;
    size_t line_no;             /* 0-based number of the current line */
    size_t bad_line;            /* line_no + 1 of the last line with an error */
    int last_tok, prev_tok;     /* last two tokens handed to the parser */
    size_t last_line, prev_line;
    struct span last, prev;
    unsigned last_end;          /* end of the last token other than NL */
    struct span *names;         /* NAME tokens on the current line */
    size_t n_names, cap_names;
    struct span *tainted;       /* names on lines that had an error */
    size_t n_tainted, cap_tainted;
    jmp_buf *fatal;             /* where the scanner goes when out of memory */
    bool in_block;              /* inside `%[lo..hi]` ... `%` */
    struct span block_at;       /* its opening line */
    struct array_range block;   /* its range */
    int n_blocks;               /* blocks opened so far */
    /* bdry statements skipped under m->xpp_reading: the first one, how
       many, and their line numbers for the warning. */
    struct span bdry_at;
    size_t n_bdry;
    char bdry_lines[96];
};

/* What bol_word returns for a line the scanner skips to its end. */
#define PARSE_SKIP_LINE (-2)

/* Lists built while parsing one line. */
struct stmt_list { struct ast_stmt *first, *last; };
struct expr_item { struct ast_expr *e; struct expr_item *next; };
struct expr_list { struct expr_item *first, *last; int n; };
struct span_item { struct span sp; struct span_item *next; };
struct span_list { struct span_item *first, *last; int n; };
struct set_value { double num; bool word; };
struct assign_list { struct ast_assign *first, *last; };

#define YYLLOC_DEFAULT(Cur, Rhs, N)                                    \
    do {                                                               \
        if (N) {                                                       \
            (Cur).begin = YYRHSLOC(Rhs, 1).begin;                      \
            (Cur).end = YYRHSLOC(Rhs, N).end;                          \
        } else {                                                       \
            (Cur).begin = (Cur).end = YYRHSLOC(Rhs, 0).end;            \
        }                                                              \
    } while (0)
}

%code provides {
/* The scanner, generated from lexer.l. */
#define YY_DECL int lex_scan(YYSTYPE *yylval_param, YYLTYPE *yylloc_param, \
                             void *yyscanner)
YY_DECL;

/* Reports an error at sp unless this line already has one, and marks the
   line as bad.  Used by the scanner and by grammar actions. */
void parse_error_at(struct parse_ctx *c, struct span sp, const char *fmt,
                    ...) DIAG_PRINTF(3, 4);

/* The same for a construct this version does not read, also tallied
   under `what` (a static string) for the summary (diag_unsupported). */
void parse_unsupported(struct parse_ctx *c, struct span sp, const char *what,
                       const char *fmt, ...) DIAG_PRINTF(4, 5);

/* Sets up c to scan m's source (for parse_model and for tests of the
   scanner alone) and releases it.  parse_begin returns 0 or ODE_ENOMEM. */
int parse_begin(struct parse_ctx *c, struct model *m, struct diag *d,
                struct ast_file *out);
void parse_end(struct parse_ctx *c);

/* The next token for the parser, with the bookkeeping of lines. */
int parse_next_token(YYSTYPE *v, YYLTYPE *l, struct parse_ctx *c);
}

%code {
#include "lexer.h"
#include "problem.h"

#define yylex parse_next_token

/* Allocation failures in actions: remember why the parse stopped. */
#define NEED(x)                                                        \
    do {                                                               \
        if (!(x)) {                                                    \
            ctx->oom = true;                                           \
            YYNOMEM;                                                   \
        }                                                              \
    } while (0)

static void yyerror(YYLTYPE *loc, struct parse_ctx *ctx, const char *msg);
static bool line_bad(const struct parse_ctx *c);
static struct ast_expr *op1(struct parse_ctx *c, enum expr_kind k,
                            struct ast_expr *a, struct span op);
static struct ast_expr *op2(struct parse_ctx *c, enum expr_kind k,
                            struct ast_expr *a, struct ast_expr *b,
                            struct span op);
static struct ast_expr *call(struct parse_ctx *c, struct span name,
                             struct span whole, struct expr_list args);
static struct ast_expr *ifthen(struct parse_ctx *c, struct span kw,
                               struct span whole, struct ast_expr *cond,
                               struct ast_expr *a, struct ast_expr *b);
static void emit(struct parse_ctx *c, struct ast_stmt *s);
static bool is_sum(struct parse_ctx *c, struct span name,
                   struct expr_list args);
static bool has_integral(const struct ast_expr *e);
static struct ast_expr *integral(struct parse_ctx *c, struct span whole,
                                 double mu, struct ast_expr *k,
                                 struct ast_expr *u);
static struct ast_expr *sum_of(struct parse_ctx *c, struct span whole,
                               struct span name, struct expr_list bounds,
                               struct ast_expr *a);
static void set_range(struct ast_stmt *s, struct array_range r);
static bool block_element(struct parse_ctx *c, struct ast_stmt *s,
                          struct ast_expr *index);
static struct ast_expr *index_of(struct parse_ctx *c, struct span name,
                                 struct span whole, struct ast_expr *i);
static void emit_list(struct parse_ctx *c, struct stmt_list l,
                      enum ast_stmt_kind kind);
static bool is_ddt(const struct parse_ctx *c, struct span d, struct span dt);
static void set_block(struct parse_ctx *c, struct span name,
                      struct ast_stmt *entries);
}

%define api.pure full
%define api.location.type {struct span}
%define parse.error custom
%define parse.lac full
%locations
%param {struct parse_ctx *ctx}
%expect 0

%union {
    double num;
    struct ast_expr *expr;
    struct ast_stmt *stmt;
    struct stmt_list stmts;
    struct expr_list exprs;
    struct span_list spans;
    struct set_value sval;
    struct assign_list assigns;
    struct array_range range;
}

%token <num> NUMBER
%token NAME WORD NL
%token PRIME ASSIGN COMMA LP RP LB RB DOTDOT PERCENT
%token PLUS MINUS STAR SLASH CARET POW
%token LT LE GT GE EQ NE AND OR BANG AT
%token IF THEN ELSE NOT
%token KW_PAR KW_INIT KW_NUMBER KW_AUX KW_SET KW_ONLY KW_GLOBAL
%token LBRACE RBRACE SEMI SUMOF HASH KW_VOLT
%token <num> INTK
%token LEXERROR

%left OR
%left AND
%nonassoc LT LE GT GE EQ NE
%left PLUS MINUS
%left STAR SLASH
%precedence UNARY
%right CARET POW

%type <expr> expr
%type <num> signed
%type <stmt> decl setting
%type <stmts> decls settings columns
%type <stmt> column
%type <exprs> args
%type <spans> names
%type <sval> setvalue
%type <assigns> assigns
%type <expr> condition
%type <range> range

%%

file:
    %empty
  | file line
  ;

line:
    NL
  | stmt NL
  | error NL        { yyerrok; }
  ;

stmt:
    NAME PRIME ASSIGN expr {
        struct ast_stmt *s = ast_stmt_new(ctx->m, ST_ODE, @1);
        NEED(s);
        s->lhs = (struct span){ @1.begin, @2.end };
        s->expr = $4;
        emit(ctx, s);
    }
  | NAME SLASH NAME ASSIGN expr {
        struct span lhs = { @1.begin, @3.end };
        if (!is_ddt(ctx, @1, @3)) {
            parse_error_at(ctx, lhs, "the left side of an equation must be "
                           "x' or dx/dt");
        } else {
            struct ast_stmt *s = ast_stmt_new(ctx->m, ST_ODE,
                                              (struct span){ @1.begin + 1,
                                                             @1.end });
            NEED(s);
            s->lhs = lhs;
            s->expr = $5;
            emit(ctx, s);
        }
    }
  | NAME LP NAME PLUS NUMBER RP ASSIGN expr {
        /* A difference equation x(t+1) = expr: a state whose equation
           gives its next iterate (the model runs as a map). */
        struct span lhs = { @1.begin, @6.end };
        if (!ast_is(ctx->m, @3, "t") || $5 != 1) {
            parse_error_at(ctx, lhs, "a difference equation is written "
                           "NAME(t+1)=...");
        } else {
            struct ast_stmt *s = ast_stmt_new(ctx->m, ST_ODE, @1);
            NEED(s);
            s->lhs = lhs;
            s->expr = $8;
            if (!ctx->m->maps) {
                ctx->m->maps = true;
                ctx->m->map_span = lhs;
            }
            emit(ctx, s);
        }
    }
  | NAME LP NUMBER RP ASSIGN signed {
        if ($3 != 0) {
            parse_error_at(ctx, @3, "an initial value is written "
                           "NAME(0)=VALUE");
        } else {
            struct ast_stmt *s = ast_stmt_new(ctx->m, ST_INIT, @1);
            NEED(s);
            s->value = @6;
            s->num = $6;
            emit(ctx, s);
        }
    }
  | KW_VOLT NAME ASSIGN expr {
        struct ast_stmt *s = ast_stmt_new(ctx->m, ST_VOLT, @2);
        NEED(s);
        s->expr = $4;
        emit(ctx, s);
    }
  | NAME LP names RP ASSIGN expr {
        if ($3.n == 1 && ast_is(ctx->m, $3.first->sp, "t") && has_integral($6)) {
            /* XPPAUT's rule: u(t) = ... with an integral on the line is
               a Volterra equation for u, not a function of t. */
            struct ast_stmt *v = ast_stmt_new(ctx->m, ST_VOLT, @1);
            NEED(v);
            v->expr = $6;
            emit(ctx, v);
            break;
        }
        struct ast_stmt *s = ast_stmt_new(ctx->m, ST_FUNC, @1);
        NEED(s);
        s->nargs = $3.n;
        s->args = model_alloc(ctx->m, (size_t)$3.n * sizeof *s->args);
        NEED(s->args);
        int i = 0;
        for (struct span_item *it = $3.first; it; it = it->next)
            s->args[i++] = it->sp;
        s->expr = $6;
        emit(ctx, s);
    }
  | NAME LP RP ASSIGN expr {
        struct ast_stmt *s = ast_stmt_new(ctx->m, ST_FUNC, @1);
        NEED(s);
        s->expr = $5;
        emit(ctx, s);
    }
  | NAME ASSIGN expr {
        struct ast_stmt *s = ast_stmt_new(ctx->m, ST_INTER, @1);
        NEED(s);
        s->expr = $3;
        emit(ctx, s);
    }
  | BANG NAME ASSIGN expr {
        struct ast_stmt *s = ast_stmt_new(ctx->m, ST_DERIVED, @2);
        NEED(s);
        s->expr = $4;
        emit(ctx, s);
    }
  | KW_AUX NAME ASSIGN expr {
        struct ast_stmt *s = ast_stmt_new(ctx->m, ST_AUX, @2);
        NEED(s);
        s->expr = $4;
        emit(ctx, s);
    }
  | NAME LB range RB PRIME ASSIGN expr {
        struct ast_stmt *s = ast_stmt_new(ctx->m, ST_ODE, @1);
        NEED(s);
        s->lhs = (struct span){ @1.begin, @5.end };
        s->expr = $7;
        set_range(s, $3);
        emit(ctx, s);
    }
  | NAME LB range RB ASSIGN expr {
        struct ast_stmt *s = ast_stmt_new(ctx->m, ST_INTER, @1);
        NEED(s);
        s->expr = $6;
        set_range(s, $3);
        emit(ctx, s);
    }
  | NAME LB range RB LP NUMBER RP ASSIGN signed {
        if ($6 != 0) {
            parse_error_at(ctx, @6, "an initial value is written "
                           "NAME[lo..hi](0)=VALUE");
        } else {
            struct ast_stmt *s = ast_stmt_new(ctx->m, ST_INIT, @1);
            NEED(s);
            s->value = @9;
            s->num = $9;
            set_range(s, $3);
            emit(ctx, s);
        }
    }
  | KW_AUX NAME LB range RB ASSIGN expr {
        struct ast_stmt *s = ast_stmt_new(ctx->m, ST_AUX, @2);
        NEED(s);
        s->expr = $7;
        set_range(s, $4);
        emit(ctx, s);
    }
  | PERCENT LB range RB {
        if (ctx->in_block) {
            parse_error_at(ctx, @1, "a %%[lo..hi] block inside another");
        } else {
            ctx->in_block = true;
            ctx->n_blocks++;
            ctx->block_at = (struct span){ @1.begin, @4.end };
            ctx->block = $3;
        }
    }
  | PERCENT {
        if (!ctx->in_block)
            parse_error_at(ctx, @1, "'%%' ends a %%[lo..hi] block, but none "
                           "is open");
        ctx->in_block = false;
    }
  | NAME LB expr RB PRIME ASSIGN expr {
        struct ast_stmt *s = ast_stmt_new(ctx->m, ST_ODE, @1);
        NEED(s);
        s->lhs = (struct span){ @1.begin, @5.end };
        s->expr = $7;
        if (block_element(ctx, s, $3))
            emit(ctx, s);
    }
  | NAME LB expr RB ASSIGN expr {
        struct ast_stmt *s = ast_stmt_new(ctx->m, ST_INTER, @1);
        NEED(s);
        s->expr = $6;
        if (block_element(ctx, s, $3))
            emit(ctx, s);
    }
  | KW_AUX NAME LB expr RB ASSIGN expr {
        struct ast_stmt *s = ast_stmt_new(ctx->m, ST_AUX, @2);
        NEED(s);
        s->expr = $7;
        if (block_element(ctx, s, $4))
            emit(ctx, s);
    }
  | KW_PAR decls        { emit_list(ctx, $2, ST_PARAM); }
  | KW_INIT decls       { emit_list(ctx, $2, ST_INIT); }
  | KW_NUMBER decls     { emit_list(ctx, $2, ST_NUMBER); }
  | AT settings         { emit_list(ctx, $2, ST_SET); }
  | KW_ONLY columns     { emit_list(ctx, $2, ST_ONLY); }
  | KW_SET NAME LBRACE settings RBRACE { set_block(ctx, @2, $4.first); }
  | KW_SET NAME LBRACE RBRACE          { set_block(ctx, @2, NULL); }
  | KW_GLOBAL signed condition LBRACE assigns RBRACE {
        struct ast_stmt *s = ast_stmt_new(ctx->m, ST_GLOBAL, @1);
        NEED(s);
        s->num = $2;
        s->value = @2;
        s->expr = $3;
        s->assign = $5.first;
        emit(ctx, s);
    }
  ;

/* XPPAUT writes the condition bare or in braces: global 1 {0.2-u} {...} */
condition:
    expr                { $$ = $1; }
  | LBRACE expr RBRACE  { $$ = $2; }
  ;

assigns:
    NAME ASSIGN expr {
        struct ast_assign *a = model_alloc(ctx->m, sizeof *a);
        NEED(a);
        a->name = @1;
        a->expr = $3;
        $$.first = $$.last = a;
    }
  | assigns SEMI NAME ASSIGN expr {
        struct ast_assign *a = model_alloc(ctx->m, sizeof *a);
        NEED(a);
        a->name = @3;
        a->expr = $5;
        $1.last->next = a;
        $1.last = a;
        $$ = $1;
    }
  | assigns SEMI        { $$ = $1; }
  ;

decls:
    decl                { $$.first = $$.last = $1; }
  | decls decl          { $1.last->next = $2; $1.last = $2; $$ = $1; }
  | decls COMMA decl    { $1.last->next = $3; $1.last = $3; $$ = $1; }
  ;

decl:
    NAME ASSIGN signed {
        NEED($$ = ast_stmt_new(ctx->m, ST_PARAM, @1));
        $$->value = @3;
        $$->num = $3;
    }
  | NAME {
        /* `init x=1.5,y`: XPPAUT takes 0 for a value left out. */
        NEED($$ = ast_stmt_new(ctx->m, ST_PARAM, @1));
        $$->value = @1;
        $$->num = 0;
    }
  | NAME LB range RB ASSIGN signed {
        NEED($$ = ast_stmt_new(ctx->m, ST_PARAM, @1));
        $$->value = @6;
        $$->num = $6;
        set_range($$, $3);
    }
  | NAME LB NAME RB ASSIGN signed {
        /* `init u[3..100]=1.05,v[j]=1.05`: XPPAUT repeats the whole line
           for each j, so v[j] takes the range of the line (emit_list). */
        if (!ast_is(ctx->m, @3, "j")) {
            parse_error_at(ctx, @3, "an element range is written "
                           "[lo..hi], or [j] after one on the same line");
            YYERROR;
        }
        NEED($$ = ast_stmt_new(ctx->m, ST_PARAM, @1));
        $$->value = @6;
        $$->num = $6;
        $$->lo = $$->hi = @3;
        $$->block = -1;
    }
  ;

range:
    NUMBER DOTDOT NUMBER {
        $$ = (struct array_range){ @1, @3, $1, $3, false, false };
    }
  | NAME DOTDOT NUMBER {
        $$ = (struct array_range){ @1, @3, 0, $3, true, false };
    }
  | NUMBER DOTDOT NAME {
        $$ = (struct array_range){ @1, @3, $1, 0, false, true };
    }
  | NAME DOTDOT NAME {
        $$ = (struct array_range){ @1, @3, 0, 0, true, true };
    }
  | MINUS NUMBER DOTDOT NUMBER {
        $$ = (struct array_range){ { @1.begin, @2.end }, @4, -$2, $4,
                                   false, false };
    }
  | MINUS NUMBER DOTDOT NAME {
        $$ = (struct array_range){ { @1.begin, @2.end }, @4, -$2, 0,
                                   false, true };
    }
  ;

signed:
    NUMBER              { $$ = $1; }
  | MINUS NUMBER        { $$ = -$2; }
  | PLUS NUMBER         { $$ = $2; }
  ;

/* `only x,y z`: names separated by commas or blanks, as XPPAUT reads
   them. */
columns:
    column                  { $$.first = $$.last = $1; }
  | columns column          { $1.last->next = $2; $1.last = $2; $$ = $1; }
  | columns COMMA column    { $1.last->next = $3; $1.last = $3; $$ = $1; }
  ;

column:
    NAME                    { NEED($$ = ast_stmt_new(ctx->m, ST_ONLY, @1)); }
  ;

settings:
    setting                 { $$.first = $$.last = $1; }
  | settings setting        { $1.last->next = $2; $1.last = $2; $$ = $1; }
  | settings COMMA setting  { $1.last->next = $3; $1.last = $3; $$ = $1; }
  ;

setting:
    NAME ASSIGN setvalue {
        NEED($$ = ast_stmt_new(ctx->m, ST_SET, @1));
        $$->value = @3;
        $$->num = $3.num;
        $$->word = $3.word;
    }
  ;

setvalue:
    signed              { $$.num = $1; $$.word = false; }
  | NAME                { $$.num = 0; $$.word = true; }
  | WORD                { $$.num = 0; $$.word = true; }
  ;

names:
    NAME {
        struct span_item *it = model_alloc(ctx->m, sizeof *it);
        NEED(it);
        it->sp = @1;
        $$.first = $$.last = it;
        $$.n = 1;
    }
  | names COMMA NAME {
        struct span_item *it = model_alloc(ctx->m, sizeof *it);
        NEED(it);
        it->sp = @3;
        $1.last->next = it;
        $1.last = it;
        $1.n++;
        $$ = $1;
    }
  ;

args:
    expr {
        struct expr_item *it = model_alloc(ctx->m, sizeof *it);
        NEED(it);
        it->e = $1;
        $$.first = $$.last = it;
        $$.n = 1;
    }
  | args COMMA expr {
        struct expr_item *it = model_alloc(ctx->m, sizeof *it);
        NEED(it);
        it->e = $3;
        $1.last->next = it;
        $1.last = it;
        $1.n++;
        $$ = $1;
    }
  ;

expr:
    NUMBER              { NEED($$ = ast_num(ctx->m, $1, @1)); }
  | NAME                { NEED($$ = ast_name(ctx->m, @1)); }
  | NAME LP RP {
        NEED($$ = call(ctx, @1, @$, (struct expr_list){ NULL, NULL, 0 }));
    }
  | NAME LP args RP     { NEED($$ = call(ctx, @1, @$, $3)); }
  | NAME LP args SUMOF expr RP {
        /* sum(lo,hi)of(a): read as `args )of( expr` so that the
           arguments stay one list (no conflict with a call). */
        if (!is_sum(ctx, @1, $3)) {
            YYERROR;
        }
        NEED($$ = sum_of(ctx, @$, @1, $3, $5));
    }
  | INTK expr RBRACE {
        NEED($$ = integral(ctx, @$, $1, NULL, $2));
    }
  | INTK expr HASH expr RBRACE {
        NEED($$ = integral(ctx, @$, $1, $2, $4));
    }
  | NAME PRIME {
        /* i', the counter of a sum; t', the time inside an integral. */
        if (ast_is(ctx->m, @1, "t")) {
            NEED($$ = ast_node(ctx->m, AST_OP, EX_TPRIME, 0, @$, @$));
            break;
        }
        if (!ast_is(ctx->m, @1, "i")) {
            parse_error_at(ctx, @2, "\"'\" after '%.*s': only i' (the "
                           "counter of a sum) is primed in an expression",
                           (int)(@1.end - @1.begin), ctx->m->src + @1.begin);
            YYERROR;
        }
        NEED($$ = ast_node(ctx->m, AST_OP, EX_SUMI, 0, @$, @$));
    }
  | LP expr RP          { $$ = $2; }
  | NAME LB expr RB     { NEED($$ = index_of(ctx, @1, @$, $3)); }
  | LB expr RB {
        NEED($$ = index_of(ctx, (struct span){ @1.begin, @1.begin }, @$,
                           $2));
    }
  | IF LP expr RP THEN LP expr RP ELSE LP expr RP {
        NEED($$ = ifthen(ctx, @1, @$, $3, $7, $11));
    }
  | MINUS expr %prec UNARY  { NEED($$ = op1(ctx, EX_NEG, $2, @1)); }
  | PLUS expr %prec UNARY   { $$ = $2; }
  | NOT expr %prec UNARY    { NEED($$ = op1(ctx, EX_NOT, $2, @1)); }
  | expr CARET expr     { NEED($$ = op2(ctx, EX_POW, $1, $3, @2)); }
  | expr POW expr       { NEED($$ = op2(ctx, EX_POW, $1, $3, @2)); }
  | expr STAR expr      { NEED($$ = op2(ctx, EX_MUL, $1, $3, @2)); }
  | expr SLASH expr     { NEED($$ = op2(ctx, EX_DIV, $1, $3, @2)); }
  | expr PLUS expr      { NEED($$ = op2(ctx, EX_ADD, $1, $3, @2)); }
  | expr MINUS expr     { NEED($$ = op2(ctx, EX_SUB, $1, $3, @2)); }
  | expr LT expr        { NEED($$ = op2(ctx, EX_LT, $1, $3, @2)); }
  | expr LE expr        { NEED($$ = op2(ctx, EX_LE, $1, $3, @2)); }
  | expr GT expr        { NEED($$ = op2(ctx, EX_GT, $1, $3, @2)); }
  | expr GE expr        { NEED($$ = op2(ctx, EX_GE, $1, $3, @2)); }
  | expr EQ expr        { NEED($$ = op2(ctx, EX_EQ, $1, $3, @2)); }
  | expr NE expr        { NEED($$ = op2(ctx, EX_NE, $1, $3, @2)); }
  | expr AND expr       { NEED($$ = op2(ctx, EX_AND, $1, $3, @2)); }
  | expr OR expr        { NEED($$ = op2(ctx, EX_OR, $1, $3, @2)); }
  ;

%%

static bool line_bad(const struct parse_ctx *c)
{
    return c->bad_line == c->line_no + 1;
}

void parse_error_at(struct parse_ctx *c, struct span sp, const char *fmt,
                    ...)
{
    if (line_bad(c))
        return;
    c->bad_line = c->line_no + 1;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    diag_error(c->d, sp, "%s", msg);
}

void parse_unsupported(struct parse_ctx *c, struct span sp, const char *what,
                       const char *fmt, ...)
{
    if (line_bad(c))
        return;
    c->bad_line = c->line_no + 1;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    diag_error(c->d, sp, "%s", msg);
    diag_unsupported(c->d, sp, what);
}

/* The one message bison still sends here is "memory exhausted": the
   parser stack is full because of a deeply nested expression such as a
   long run of unary minus signs (allocation failures in actions set oom
   first and are not reported). */
static void yyerror(YYLTYPE *loc, struct parse_ctx *ctx, const char *msg)
{
    (void)msg;
    if (ctx->oom)
        return;
    ctx->exhausted = true;
    parse_error_at(ctx, *loc, "expression nested too deeply (more than %d "
                   "levels)", AST_MAX_DEPTH);
}

static void check_depth(struct parse_ctx *c, struct ast_expr *e)
{
    if (e->depth > AST_MAX_DEPTH)
        parse_error_at(c, e->name, "expression nested too deeply "
                       "(more than %d levels)", AST_MAX_DEPTH);
}

static struct ast_expr *op1(struct parse_ctx *c, enum expr_kind k,
                            struct ast_expr *a, struct span op)
{
    struct ast_expr *e = ast_node(c->m, AST_OP, k, 1,
                                  (struct span){ op.begin, a->span.end }, op);
    if (!e)
        return NULL;
    e->args[0] = a;
    ast_set_depth(e);
    check_depth(c, e);
    return e;
}

static struct ast_expr *op2(struct parse_ctx *c, enum expr_kind k,
                            struct ast_expr *a, struct ast_expr *b,
                            struct span op)
{
    struct ast_expr *e = ast_node(c->m, AST_OP, k, 2,
                                  (struct span){ a->span.begin, b->span.end },
                                  op);
    if (!e)
        return NULL;
    e->args[0] = a;
    e->args[1] = b;
    ast_set_depth(e);
    check_depth(c, e);
    return e;
}

static struct ast_expr *call(struct parse_ctx *c, struct span name,
                             struct span whole, struct expr_list args)
{
    struct ast_expr *e = ast_node(c->m, AST_CALL, EX_CALL, args.n, whole,
                                  name);
    if (!e)
        return NULL;
    int i = 0;
    for (struct expr_item *it = args.first; it; it = it->next)
        e->args[i++] = it->e;
    ast_set_depth(e);
    check_depth(c, e);
    return e;
}

static struct ast_expr *ifthen(struct parse_ctx *c, struct span kw,
                               struct span whole, struct ast_expr *cond,
                               struct ast_expr *a, struct ast_expr *b)
{
    struct ast_expr *e = ast_node(c->m, AST_OP, EX_IF, 3, whole, kw);
    if (!e)
        return NULL;
    e->args[0] = cond;
    e->args[1] = a;
    e->args[2] = b;
    ast_set_depth(e);
    check_depth(c, e);
    return e;
}

/* Whether `name(args)of(` is sum(lo,hi)of(; reports why not. */
static bool is_sum(struct parse_ctx *c, struct span name,
                   struct expr_list args)
{
    if (!ast_is(c->m, name, "sum")) {
        parse_error_at(c, name, "')of(' after '%.*s': only sum(lo,hi)of(...) "
                       "is followed by 'of'", (int)(name.end - name.begin),
                       c->m->src + name.begin);
        return false;
    }
    if (args.n != 2) {
        parse_error_at(c, name, "sum(lo,hi)of(...) takes 2 bounds, got %d",
                       args.n);
        return false;
    }
    return true;
}

/* Whether e holds an int{...}; trees are at most AST_MAX_DEPTH deep. */
static bool has_integral(const struct ast_expr *e)
{
    if (e->kind == AST_OP && e->op == EX_KERNEL)
        return true;
    for (int i = 0; i < e->nargs; i++)
        if (has_integral(e->args[i]))
            return true;
    return false;
}

/* int{u}, int{k#u}, int[mu]{...}: args (u) or (k, u), num mu. */
static struct ast_expr *integral(struct parse_ctx *c, struct span whole,
                                 double mu, struct ast_expr *k,
                                 struct ast_expr *u)
{
    struct ast_expr *e = ast_node(c->m, AST_OP, EX_KERNEL, k ? 2 : 1, whole,
                                  (struct span){ whole.begin, whole.begin + 3 });
    if (!e)
        return NULL;
    e->num = mu;
    e->args[0] = k ? k : u;
    if (k)
        e->args[1] = u;
    ast_set_depth(e);
    check_depth(c, e);
    return e;
}

static struct ast_expr *sum_of(struct parse_ctx *c, struct span whole,
                               struct span name, struct expr_list bounds,
                               struct ast_expr *a)
{
    struct ast_expr *e = ast_node(c->m, AST_OP, EX_SUM, 3, whole, name);
    if (!e)
        return NULL;
    e->args[0] = bounds.first->e;
    e->args[1] = bounds.first->next->e;
    e->args[2] = a;
    ast_set_depth(e);
    check_depth(c, e);
    return e;
}

static void set_range(struct ast_stmt *s, struct array_range r)
{
    s->array = true;
    s->lo = r.lo;
    s->hi = r.hi;
    s->lo_num = r.lo_num;
    s->hi_num = r.hi_num;
    s->lo_name = r.lo_name;
    s->hi_name = r.hi_name;
}

/* `x[j]' = ...` inside `%[lo..hi]`: the statement of x[lo..hi]. */
static bool block_element(struct parse_ctx *c, struct ast_stmt *s,
                          struct ast_expr *index)
{
    if (!c->in_block) {
        parse_error_at(c, index->span, "an element on the left side needs "
                       "bounds: x[lo..hi]' = ..., or a %%[lo..hi] block");
        return false;
    }
    if (index->kind != AST_NAME || !ast_is(c->m, index->name, "j")) {
        parse_error_at(c, index->span, "inside a %%[lo..hi] block the left "
                       "side is written name[j]");
        return false;
    }
    set_range(s, c->block);
    s->block = c->n_blocks;
    return true;
}

static struct ast_expr *index_of(struct parse_ctx *c, struct span name,
                                 struct span whole, struct ast_expr *i)
{
    struct ast_expr *e = ast_node(c->m, AST_INDEX, EX_NUM, 1, whole, name);
    if (!e)
        return NULL;
    e->args[0] = i;
    ast_set_depth(e);
    return e;
}

/* Statements of a line with an error are dropped: the error was reported
   and a half-understood statement would only cause more. */
static void emit(struct parse_ctx *c, struct ast_stmt *s)
{
    if (!line_bad(c))
        ast_append(c->out, s);
}

static void emit_list(struct parse_ctx *c, struct stmt_list l,
                      enum ast_stmt_kind kind)
{
    if (line_bad(c))
        return;
    /* name[j] takes the range of the line's last name[lo..hi], or else
       of the %[lo..hi] block around it. */
    const struct ast_stmt *ranged = NULL;
    for (struct ast_stmt *s = l.first; s; s = s->next) {
        if (s->block != -1) {
            if (s->array)
                ranged = s;
            continue;
        }
        if (ranged) {
            set_range(s, (struct array_range){ ranged->lo, ranged->hi,
                                               ranged->lo_num, ranged->hi_num,
                                               ranged->lo_name,
                                               ranged->hi_name });
            s->block = ranged->block;
        } else if (c->in_block) {
            set_range(s, c->block);
            s->block = c->n_blocks;
        } else {
            parse_error_at(c, s->lo, "'[j]' needs a range: name[lo..hi] "
                           "earlier on the line, or a %%[lo..hi] block");
            return;
        }
    }
    struct ast_stmt *s = l.first;
    while (s) {
        struct ast_stmt *next = s->next;
        s->kind = kind;
        ast_append(c->out, s);
        s = next;
    }
}

/* `set NAME {...}`: one statement holding its entries, which are
   settings, parameters or initial values (told apart by the checker). */
static void set_block(struct parse_ctx *c, struct span name,
                      struct ast_stmt *entries)
{
    if (line_bad(c))
        return;
    struct ast_stmt *s = ast_stmt_new(c->m, ST_SETBLOCK, name);
    if (!s) {
        c->oom = true;
        return;
    }
    s->body = entries;
    ast_append(c->out, s);
}

/* `dx/dt`: the first name is d followed by the state's name. */
static bool is_ddt(const struct parse_ctx *c, struct span d, struct span dt)
{
    const char *s = c->m->src;
    return d.end - d.begin >= 2 && (s[d.begin] == 'd' || s[d.begin] == 'D') &&
           ast_is(c->m, dt, "dt");
}

/* ---- syntax error messages in plain words ---- */

static bool has(const yysymbol_kind_t *v, int n, yysymbol_kind_t k)
{
    for (int i = 0; i < n; i++)
        if (v[i] == k)
            return true;
    return false;
}

static const char *token_words(yysymbol_kind_t k)
{
    switch (k) {
    case YYSYMBOL_YYEOF: return "end of file";
    case YYSYMBOL_NUMBER: return "a number";
    case YYSYMBOL_NAME: return "a name";
    case YYSYMBOL_WORD: return "a word";
    case YYSYMBOL_NL: return "end of line";
    case YYSYMBOL_PRIME: return "\"'\"";
    case YYSYMBOL_ASSIGN: return "'='";
    case YYSYMBOL_COMMA: return "','";
    case YYSYMBOL_LP: return "'('";
    case YYSYMBOL_RP: return "')'";
    case YYSYMBOL_PLUS: return "'+'";
    case YYSYMBOL_MINUS: return "'-'";
    case YYSYMBOL_STAR: return "'*'";
    case YYSYMBOL_SLASH: return "'/'";
    case YYSYMBOL_CARET: return "'^'";
    case YYSYMBOL_POW: return "'**'";
    case YYSYMBOL_LT: return "'<'";
    case YYSYMBOL_LE: return "'<='";
    case YYSYMBOL_GT: return "'>'";
    case YYSYMBOL_GE: return "'>='";
    case YYSYMBOL_EQ: return "'=='";
    case YYSYMBOL_NE: return "'!='";
    case YYSYMBOL_AND: return "'&'";
    case YYSYMBOL_OR: return "'|'";
    case YYSYMBOL_BANG: return "'!'";
    case YYSYMBOL_AT: return "'@'";
    case YYSYMBOL_IF: return "'if'";
    case YYSYMBOL_THEN: return "'then'";
    case YYSYMBOL_ELSE: return "'else'";
    case YYSYMBOL_NOT: return "'not'";
    case YYSYMBOL_KW_PAR: return "'par'";
    case YYSYMBOL_KW_INIT: return "'init'";
    case YYSYMBOL_KW_NUMBER: return "'number'";
    case YYSYMBOL_KW_AUX: return "'aux'";
    case YYSYMBOL_KW_SET: return "'set'";
    case YYSYMBOL_KW_ONLY: return "'only'";
    case YYSYMBOL_KW_GLOBAL: return "'global'";
    case YYSYMBOL_LBRACE: return "'{'";
    case YYSYMBOL_RBRACE: return "'}'";
    case YYSYMBOL_SEMI: return "';'";
    case YYSYMBOL_SUMOF: return "')of('";
    case YYSYMBOL_HASH: return "'#'";
    case YYSYMBOL_INTK: return "'int{'";
    case YYSYMBOL_KW_VOLT: return "'volterra'";
    default: return NULL;
    }
}

/* What the parser was waiting for, in words, or "" when the list would be
   too long to help. */
static void describe_expected(const yysymbol_kind_t *v, int n, char *buf,
                              size_t size)
{
    buf[0] = '\0';
    if (has(v, n, YYSYMBOL_NUMBER) && has(v, n, YYSYMBOL_NAME) &&
        has(v, n, YYSYMBOL_LP)) {
        snprintf(buf, size, "an expression");
    } else if (has(v, n, YYSYMBOL_NUMBER) && !has(v, n, YYSYMBOL_NAME)) {
        snprintf(buf, size, "a number");
    } else if (has(v, n, YYSYMBOL_PRIME) && !has(v, n, YYSYMBOL_PLUS)) {
        /* (After a name in an expression, "'" may follow too: i'.) */
        snprintf(buf, size, "'=' or \"'\"");
    } else if (has(v, n, YYSYMBOL_KW_PAR)) {
        snprintf(buf, size, "a name, '!', '@' or a keyword");
    } else if (has(v, n, YYSYMBOL_PLUS)) {
        bool nl = has(v, n, YYSYMBOL_NL), rp = has(v, n, YYSYMBOL_RP);
        bool comma = has(v, n, YYSYMBOL_COMMA);
        snprintf(buf, size, "%s", nl ? "an operator or end of line"
                                  : rp && comma ? "an operator, ',' or ')'"
                                  : rp ? "an operator or ')'"
                                       : "an operator");
    } else if (n <= 4) {
        size_t len = 0;
        for (int i = 0; i < n; i++) {
            const char *w = token_words(v[i]);
            if (!w)
                continue;
            const char *sep = i == 0 ? "" : i == n - 1 ? " or " : ", ";
            int k = snprintf(buf + len, size - len, "%s%s", sep, w);
            if (k < 0 || (size_t)k >= size - len) {
                buf[0] = '\0';
                return;
            }
            len += (size_t)k;
        }
    }
}

/* 'text' of a token, shortened when long. */
static void quote(const struct parse_ctx *c, struct span sp, char *buf,
                  size_t size)
{
    unsigned n = sp.end - sp.begin;
    if (n > 40)
        snprintf(buf, size, "'%.*s...'", 40, c->m->src + sp.begin);
    else
        snprintf(buf, size, "'%.*s'", (int)n, c->m->src + sp.begin);
}

static int yyreport_syntax_error(const yypcontext_t *yc,
                                 struct parse_ctx *ctx)
{
    yysymbol_kind_t look = yypcontext_token(yc);
    if (look == YYSYMBOL_LEXERROR || line_bad(ctx))
        return 0;
    yysymbol_kind_t expd[YYNTOKENS];
    int n = yypcontext_expected_tokens(yc, expd, YYNTOKENS);
    if (n < 0)
        return n;
    char what[128], after[64] = "", before[64];
    describe_expected(expd, n, what, sizeof what);
    bool same_line = ctx->prev_line == ctx->line_no &&
                     ctx->prev_tok != YYEMPTY && ctx->prev_tok != NL;
    if (same_line) {
        char q[56];
        quote(ctx, ctx->prev, q, sizeof q);
        snprintf(after, sizeof after, " after %s", q);
    }
    struct span at = *yypcontext_location(yc);
    bool at_end = look == YYSYMBOL_NL || look == YYSYMBOL_YYEOF;
    if (at_end) {
        snprintf(before, sizeof before, "end of line");
        if (same_line)
            at = (struct span){ ctx->prev.end, ctx->prev.end };
    } else {
        quote(ctx, at, before, sizeof before);
    }
    if (!what[0])
        parse_error_at(ctx, at, "unexpected %s%s", before, after);
    else if (at_end || strcmp(what, "an expression") == 0)
        parse_error_at(ctx, at, "expected %s%s", what,
                       after[0] ? after : " here");
    else
        parse_error_at(ctx, at, "expected %s before %s", what, before);
    return 0;
}

/* ---- the driver ---- */

static bool push_span(struct span **v, size_t *n, size_t *cap, struct span s)
{
    if (*n == *cap) {
        size_t nc = *cap ? 2 * *cap : 16;
        struct span *p = realloc(*v, nc * sizeof *p);
        if (!p)
            return false;
        *v = p;
        *cap = nc;
    }
    (*v)[(*n)++] = s;
    return true;
}

/* A line is finished: if it had an error, the names on it may have lost
   their declarations and are remembered as tainted. */
static void end_line(struct parse_ctx *c)
{
    if (line_bad(c)) {
        c->out->syntax_errors = true;
        for (size_t i = 0; i < c->n_names; i++)
            if (!push_span(&c->tainted, &c->n_tainted, &c->cap_tainted,
                           c->names[i]))
                c->oom = true;
    }
    c->n_names = 0;
    c->line_no++;
    c->paren = 0;
}

int parse_next_token(YYSTYPE *v, YYLTYPE *l, struct parse_ctx *c)
{
    if (c->last_tok == NL)
        end_line(c);
    int t = YYEOF;
    if (c->done)
        *l = (struct span){ c->pos, c->pos };
    else
        t = lex_scan(v, l, c->scanner);
    if (t == YYEOF)
        c->done = true;
    if (t == NAME &&
        !push_span(&c->names, &c->n_names, &c->cap_names, *l))
        c->oom = true;
    c->prev = c->last;
    c->prev_tok = c->last_tok;
    c->prev_line = c->last_line;
    c->last = *l;
    c->last_tok = t;
    c->last_line = c->line_no;
    if (t != NL && t != YYEOF)
        c->last_end = l->end;
    return t;
}

int parse_begin(struct parse_ctx *c, struct model *m, struct diag *d,
                struct ast_file *out)
{
    memset(c, 0, sizeof *c);
    c->m = m;
    c->d = d;
    c->out = out;
    c->at_bol = true;
    c->last_tok = YYEMPTY;
    c->prev_tok = YYEMPTY;
    if (m->src_len > (size_t)INT32_MAX)
        return ODE_EINVAL;
    if (yylex_init_extra(c, &c->scanner))
        return ODE_ENOMEM;
    if (!yy_scan_bytes(m->src, (int)m->src_len, c->scanner)) {
        yylex_destroy(c->scanner);
        c->scanner = NULL;
        return ODE_ENOMEM;
    }
    return 0;
}

void parse_end(struct parse_ctx *c)
{
    if (c->scanner)
        yylex_destroy(c->scanner);
    c->scanner = NULL;
    free(c->names);
    free(c->tainted);
    c->names = c->tainted = NULL;
}

/* After the parser stack overflowed: drop the rest of the line. */
static void skip_line(struct parse_ctx *c)
{
    YYSTYPE v;
    YYLTYPE l;
    while (c->last_tok != NL && c->last_tok != YYEOF)
        parse_next_token(&v, &l, c);
}

int parse_model(struct model *m, struct diag *d, struct ast_file *out)
{
    memset(out, 0, sizeof *out);
    /* On the heap, so that its fields are well defined after longjmp. */
    struct parse_ctx *c = malloc(sizeof *c);
    jmp_buf jb;
    int rc = ODE_ENOMEM;
    if (!c)
        return ODE_ENOMEM;
    rc = parse_begin(c, m, d, out);
    if (rc)
        goto done;
    c->fatal = &jb;
    if (setjmp(jb)) {
        rc = ODE_ENOMEM;
        goto done;
    }
    for (;;) {
        int r = yyparse(c);
        if (r == 0)
            break;
        if (c->oom || !c->exhausted) {
            rc = ODE_ENOMEM;
            goto done;
        }
        c->exhausted = false;
        skip_line(c);
        if (c->last_tok == YYEOF)
            break;
    }
    end_line(c);
    if (c->oom) {
        rc = ODE_ENOMEM;
        goto done;
    }
    if (c->n_bdry)
        diag_warning(d, c->bdry_at, "boundary conditions (%s %s) are not solved; the "
                     "initial value problem is integrated, as xppaut -silent does",
                     c->n_bdry > 1 ? "lines" : "line", c->bdry_lines);
    if (c->in_block) {
        diag_error(d, c->block_at, "this %%[lo..hi] block is not closed by "
                   "a line '%%'");
        out->syntax_errors = true;
    }
    out->end = c->last_end;
    out->n_tainted = c->n_tainted;
    if (c->n_tainted) {
        out->tainted = model_alloc(m, c->n_tainted * sizeof *out->tainted);
        if (!out->tainted) {
            rc = ODE_ENOMEM;
            goto done;
        }
        memcpy(out->tainted, c->tainted, c->n_tainted * sizeof *c->tainted);
    }
    rc = 0;
done:
    parse_end(c);
    free(c);
    return rc;
}
