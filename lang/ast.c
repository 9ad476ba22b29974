/* ast.c - constructors and a printer for the parsed model. */
#include "ast.h"

#include <string.h>
#include <strings.h>

struct ast_expr *ast_num(struct model *m, double v, struct span sp)
{
    struct ast_expr *e = model_alloc(m, sizeof *e);
    if (!e)
        return NULL;
    e->kind = AST_NUM;
    e->num = v;
    e->depth = 1;
    e->span = sp;
    e->name = sp;
    return e;
}

struct ast_expr *ast_name(struct model *m, struct span name)
{
    struct ast_expr *e = model_alloc(m, sizeof *e);
    if (!e)
        return NULL;
    e->kind = AST_NAME;
    e->depth = 1;
    e->span = name;
    e->name = name;
    return e;
}

struct ast_expr *ast_node(struct model *m, enum ast_kind kind,
                          enum expr_kind op, int nargs, struct span sp,
                          struct span name)
{
    struct ast_expr *e = model_alloc(m, sizeof *e);
    if (!e)
        return NULL;
    e->kind = kind;
    e->op = op;
    e->nargs = nargs;
    e->depth = 1;
    e->span = sp;
    e->name = name;
    if (nargs > 0) {
        e->args = model_alloc(m, (size_t)nargs * sizeof *e->args);
        if (!e->args)
            return NULL;
    }
    return e;
}

void ast_set_depth(struct ast_expr *e)
{
    int d = 0;
    for (int i = 0; i < e->nargs; i++)
        if (e->args[i] && e->args[i]->depth > d)
            d = e->args[i]->depth;
    e->depth = d + 1;
}

struct ast_stmt *ast_stmt_new(struct model *m, enum ast_stmt_kind kind,
                              struct span name)
{
    struct ast_stmt *s = model_alloc(m, sizeof *s);
    if (!s)
        return NULL;
    s->kind = kind;
    s->name = name;
    s->lhs = name;
    return s;
}

void ast_append(struct ast_file *f, struct ast_stmt *s)
{
    s->next = NULL;
    if (f->last)
        f->last->next = s;
    else
        f->first = s;
    f->last = s;
    f->n_stmts++;
}

bool ast_is(const struct model *m, struct span sp, const char *word)
{
    size_t n = strlen(word);
    return sp.end - sp.begin == n &&
           strncasecmp(m->src + sp.begin, word, n) == 0;
}

static const char *const keywords[] = {
    "par", "param", "params", "parameter", "parameters", "init", "number",
    "aux", "done", "global", "if", "then", "else", "not", "volt",
    "volterra",
};

/* XPPAUT statements that a later version may read; reserved now so that
   models written today keep working then. */
static const char *const unsupported[] = {
    "wiener", "markov", "table", "bdry", "bndry", "set", "only",
    "options", "special", "solv", "solve", "export",
    "vector",
};

/* XPPAUT 6.11 decides what a statement is from the first letter of its
   first word, or the first two for a, e, m, o, s and t, and ignores the
   rest of the word (checked against `xppaut -silent`: `pfoo a=2` declares
   a parameter, `aufoo v=x` an aux quantity, `dzz` ends the file).  Longer
   prefixes come first. */
static const struct {
    const char *prefix;
    enum ast_word word;
    const char *name;
} statement_words[] = {
    { "au", AW_AUX, "aux" },
    { "ex", AW_UNSUPPORTED, "export" },
    { "ma", AW_UNSUPPORTED, "markov" },
    { "on", AW_ONLY, "only" },
    { "se", AW_SET, "set" },
    { "so", AW_UNSUPPORTED, "solve" },
    { "sp", AW_UNSUPPORTED, "special" },
    { "ta", AW_UNSUPPORTED, "table" },
    { "b", AW_UNSUPPORTED, "bdry" },
    { "d", AW_DONE, "done" },
    { "g", AW_GLOBAL, "global" },
    { "i", AW_INIT, "init" },
    { "n", AW_NUMBER, "number" },
    { "o", AW_UNSUPPORTED, "options" },
    { "p", AW_PAR, "par" },
    { "v", AW_VOLT, "volterra" },
    { "w", AW_UNSUPPORTED, "wiener" },
};

enum ast_word ast_statement_word(const char *s, size_t n, const char **name)
{
    for (size_t i = 0; i < sizeof statement_words / sizeof *statement_words;
         i++) {
        const char *pre = statement_words[i].prefix;
        size_t k = strlen(pre);
        if (n >= k && strncasecmp(s, pre, k) == 0) {
            if (name)
                *name = statement_words[i].name;
            return statement_words[i].word;
        }
    }
    return AW_NONE;
}

static bool word_in(const char *s, size_t n, const char *const *list,
                    size_t count, const char **found)
{
    for (size_t i = 0; i < count; i++)
        if ((s[0] | 0x20) == list[i][0] && strlen(list[i]) == n &&
            strncasecmp(s, list[i], n) == 0) {
            if (found)
                *found = list[i];
            return true;
        }
    return false;
}

bool ast_is_keyword(const char *s, size_t n)
{
    return word_in(s, n, keywords, sizeof keywords / sizeof *keywords,
                   NULL) ||
           word_in(s, n, unsupported, sizeof unsupported / sizeof *unsupported,
                   NULL);
}

static const char *op_name(enum expr_kind op)
{
    switch (op) {
    case EX_NEG: return "-";
    case EX_NOT: return "not";
    case EX_ADD: return "+";
    case EX_SUB: return "-";
    case EX_MUL: return "*";
    case EX_DIV: return "/";
    case EX_POW: return "^";
    case EX_LT: return "<";
    case EX_LE: return "<=";
    case EX_GT: return ">";
    case EX_GE: return ">=";
    case EX_EQ: return "==";
    case EX_NE: return "!=";
    case EX_AND: return "&";
    case EX_OR: return "|";
    case EX_IF: return "if";
    case EX_SUM: return "sum";
    case EX_SUMI: return "i'";
    case EX_KERNEL: return "int";
    case EX_TPRIME: return "t'";
    default: return "?";
    }
}

/* Trees are at most AST_MAX_DEPTH deep (the parser rejects deeper ones),
   so this recursion is bounded. */
void ast_print(FILE *f, const struct model *m, const struct ast_expr *e)
{
    switch (e->kind) {
    case AST_NUM:
        fprintf(f, "%.17g", e->num);
        return;
    case AST_NAME:
        fwrite(m->src + e->name.begin, 1, e->name.end - e->name.begin, f);
        return;
    case AST_CALL:
        fputc('(', f);
        fwrite(m->src + e->name.begin, 1, e->name.end - e->name.begin, f);
        break;
    case AST_OP:
        fprintf(f, "(%s", op_name(e->op));
        break;
    case AST_INDEX:
        fputs("([] ", f);
        fwrite(m->src + e->name.begin, 1, e->name.end - e->name.begin, f);
        break;
    }
    for (int i = 0; i < e->nargs; i++) {
        fputc(' ', f);
        ast_print(f, m, e->args[i]);
    }
    fputc(')', f);
}
