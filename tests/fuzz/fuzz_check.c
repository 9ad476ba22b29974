/* fuzz_check.c - libFuzzer harness for the front end: scanner, parser,
 * checks and diagnostics, on arbitrary bytes as a model file.
 *
 * Built and run by `make fuzz` with clang -fsanitize=fuzzer,address,undefined.
 * A crash, a sanitizer report, a leak or an input taking longer than the
 * -timeout is a finding; model errors are the expected outcome for most
 * inputs, so their diagnostics go to /dev/null (still formatted, so the
 * printing of spans, carets and bad bytes is exercised too).  Replay a
 * finding with `build/fuzz/fuzz_check FILE`; once fixed it becomes a case
 * of tests/e2e (diag/NAME.ode and .err) or a unit test. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "model.h"
#include "problem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *sink(void)
{
    static FILE *devnull;
    if (!devnull)
        devnull = fopen("/dev/null", "w");
    if (!devnull)
        abort();
    return devnull;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* check_load_text takes ownership of a malloc'd text, and the exact
       size lets ASan catch a read one byte past the end. */
    char *src = malloc(size ? size : 1);
    if (!src)
        return 0;
    if (size)
        memcpy(src, data, size);
    struct model *m = NULL;
    /* Odd sizes are read as --xpp reads them (bdry skipped). */
    int rc = (size % 2 ? check_load_text_xpp : check_load_text)("fuzz.ode", src, size,
                                                               sink(), &m);
    if (rc == 0 && (!m || m->n_states == 0))
        abort();    /* a checked model always has an equation */
    if (rc != 0 && m)
        abort();
    model_free(m);
    return 0;
}
