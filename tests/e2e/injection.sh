# Code injection: no name, number, comment or file name of a model reaches
# the generated C as text, and a model can call nothing but the built-ins.
# Each attempt either works as a plain model or gets a diagnostic, and
# nothing else runs (the file $MARK is never created).
. tests/e2e/common.sh
# A directory of its own: run.sh shares $TMPDIR between the cases.
TMPDIR=$(mktemp -d "$TMPDIR/injection.XXXXXX")
MARK=$TMPDIR/injected
CMD="touch $MARK"

# runs_same MODEL ARGS...: runs with the JIT and the interpreter, which must
# succeed and agree byte for byte; the output is left in $TMPDIR/jit.csv.
runs_same() {
    "$ODESOLVE" "$@" >"$TMPDIR/jit.csv" 2>"$TMPDIR/e" || die "$*: failed: $(head -c 300 "$TMPDIR/e")"
    "$ODESOLVE" --no-jit "$@" >"$TMPDIR/int.csv" 2>"$TMPDIR/e" || die "$* --no-jit: failed"
    cmp -s "$TMPDIR/jit.csv" "$TMPDIR/int.csv" || die "$*: JIT and interpreter differ"
}

# refused MODEL PATTERN: a diagnostic matching PATTERN, exit 2, no stdout.
refused() {
    "$ODESOLVE" "$1" >"$TMPDIR/o" 2>"$TMPDIR/e"
    rc=$?
    [ $rc -eq 2 ] || die "$1: exit $rc, expected 2"
    [ -s "$TMPDIR/o" ] && die "$1: wrote to stdout"
    grep -q "$2" "$TMPDIR/e" || die "$1: no '$2' in: $(head -c 300 "$TMPDIR/e")"
    return 0
}

# C without its comments, to look for model names in the code itself.
strip_c_comments() {
    awk '{
        line = $0; out = ""
        while (length(line)) {
            if (inc) {
                i = index(line, "*/"); if (!i) break
                line = substr(line, i + 2); inc = 0
            } else {
                i = index(line, "/*"); if (!i) { out = out line; break }
                out = out substr(line, 1, i - 1); line = substr(line, i + 2); inc = 1
            }
        }
        print out
    }'
}

# C keywords, libc functions and the generated code's own names (y, p,
# dydt, ctx, cg_rhs, os_sin, a0 ...) are plain model names.
runs_same $M/c-names.ode --save-every 0.5
want="1,0.36787944117144233,1.2130613194252668,2,0.77880078307140488,0.36787944117144233,0.45969769413186023,-0.36787944117144233,2.3678794411714423"
tail -n 1 "$TMPDIR/jit.csv" | awk -F, -v want="$want" '{
    n = split(want, w, ",")
    if (NF != n) exit 1
    for (i = 1; i <= n; i++) { d = $i - w[i]; if (d < 0) d = -d; if (d > 1e-6) exit 1 }
}' || die "c-names.ode: last row $(tail -n 1 "$TMPDIR/jit.csv"), expected $want"
head -n 1 "$TMPDIR/jit.csv" | grep -q '^t,system,asm,main,dydt,ctx,out,double,Pragma$' ||
    die "c-names.ode: header $(head -n 1 "$TMPDIR/jit.csv")"
"$ODESOLVE" --emit-c $M/c-names.ode | strip_c_comments >"$TMPDIR/code.c"
grep -n -w -E 'system|printf|exit|main|asm|Pragma|goto' "$TMPDIR/code.c" &&
    die "a model name reached the generated code"

# Only the built-in functions can be called.
for f in system printf exit main abort dlopen asm tcc_compile_string; do
    printf "x' = %s(1)\n" "$f" >"$TMPDIR/call.ode"
    refused "$TMPDIR/call.ode" "unknown function '$f'"
done
# A name starts with a letter: the implementation's __asm__ is not one.
for f in __asm__ __builtin_trap _exit; do
    printf "x' = %s(1)\n" "$f" >"$TMPDIR/call.ode"
    refused "$TMPDIR/call.ode" "'$f': a name must start with a letter"
done

# Strings, C comments and C syntax in the model text.
cat >"$TMPDIR/string.ode" <<MODEL
x' = -x + system("$CMD")
MODEL
refused "$TMPDIR/string.ode" "unexpected character '\"'"
cat >"$TMPDIR/close.ode" <<MODEL
x' = -x); system("$CMD"); (void)(0
MODEL
refused "$TMPDIR/close.ode" "error"
cat >"$TMPDIR/semicolon.ode" <<MODEL
x' = -x; y' = 1
MODEL
refused "$TMPDIR/semicolon.ode" "unexpected character ';'"
cat >"$TMPDIR/braces.ode" <<MODEL
x' = -x
f(u) = { return system(0); }
MODEL
refused "$TMPDIR/braces.ode" "unexpected character '{'"
cat >"$TMPDIR/preproc.ode" <<MODEL
#include <stdlib.h>
#define x system("$CMD")
x' = -x
init x=1
MODEL
runs_same "$TMPDIR/preproc.ode" --t1 1 --save-every 1
cat >"$TMPDIR/comments.ode" <<MODEL
# */ system("$CMD"); /*
" */ int main(void) { system("$CMD"); } /*
x' = -x  # */ + system("$CMD") /*
init x=1 \\
# */ ; system("$CMD");
@ total=1 # */ system("$CMD");
MODEL
runs_same "$TMPDIR/comments.ode" --save-every 1
tail -n 1 "$TMPDIR/jit.csv" | grep -q '^1,0\.3678794' || die "comments.ode: $(tail -n 1 "$TMPDIR/jit.csv")"
cat >"$TMPDIR/setting.ode" <<MODEL
x' = -x
@ meth=rk4*/system
MODEL
refused "$TMPDIR/setting.ode" "error"

# C number syntax is not model number syntax; 010 is ten, not eight.
for n in 0x10 1e5f 10L 1.5e+ 0b1; do
    printf "x' = %s\n" "$n" >"$TMPDIR/num.ode"
    "$ODESOLVE" --check "$TMPDIR/num.ode" >/dev/null 2>&1 && die "number $n accepted"
done
printf "x' = 010\n" >"$TMPDIR/octal.ode"
runs_same "$TMPDIR/octal.ode" --t1 1 --save-every 1
tail -n 1 "$TMPDIR/jit.csv" | grep -q '^1,10$' || die "010 is not ten: $(tail -n 1 "$TMPDIR/jit.csv")"

# File names reach the C text only through #line, reduced to [A-Za-z0-9_.-].
dir="$TMPDIR/x*/"'y"z'
mkdir -p "$dir"
nasty="$dir/"'a" b\n*) system(1); (*c.ode'
printf "x' = -x\ninit x=1\n" >"$nasty"
runs_same "$nasty" --t1 1 --save-every 1
"$ODESOLVE" --emit-c "$nasty" | grep -q '^#line 1 "a__b_n___system_1_____c.ode"$' ||
    die "file name not reduced in #line: $("$ODESOLVE" --emit-c "$nasty" | grep '#line' | head -n 1)"
nl="$TMPDIR/$(printf 'new\nline').ode"
printf "x' = -x\ninit x=1\n" >"$nl"
runs_same "$nl" --t1 1 --save-every 1

[ -e "$MARK" ] && die "a model ran a command"
exit 0
