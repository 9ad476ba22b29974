/* fuzz_ensemble.c - libFuzzer harness for the members file of --ensemble
 * and the --sweep parser, on arbitrary bytes.
 *
 * Built and run by `make fuzz` like the others.  Refusals are the expected
 * outcome for most inputs; a crash, a sanitizer report, a leak, or a table
 * accepted with an empty name, no row or a value that is not finite is a
 * finding.  Replay one with `build/fuzz/fuzz_ensemble FILE`; once fixed it
 * becomes a case of tests/unit/check_ensemble_io.c. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ensemble_io.h"
#include "problem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512];
    struct cli_table t;
    /* The exact size lets ASan catch a read one byte past the end. */
    char *text = malloc(size ? size : 1);
    if (!text)
        return 0;
    if (size)
        memcpy(text, data, size);
    int rc = cli_table_parse("fuzz.csv", text, size, 64, &t, err, sizeof err);
    if (rc == 0) {
        if (t.n_cols == 0 || t.n_cols > 64 || t.n_rows == 0)
            abort();
        for (size_t j = 0; j < t.n_cols; j++)
            if (!t.names[j][0])
                abort();
        for (size_t i = 0; i < t.n_rows * t.n_cols; i++)
            if (!isfinite(t.values[i]))
                abort();
    } else if (rc != ODE_EINVAL && rc != ODE_ENOMEM) {
        abort();
    }
    cli_table_free(&t);
    free(text);

    /* The same bytes as a --sweep argument, up to the first NUL. */
    char *arg = malloc(size + 1);
    if (!arg)
        return 0;
    memcpy(arg, data, size);
    arg[size] = '\0';
    /* A range of millions of points is allowed and only slow: keep the
       counts small so that the time goes to the parsing. */
    const char *last = strrchr(arg, ':');
    if (last && strtod(last + 1, NULL) > 1e5) {
        free(arg);
        return 0;
    }
    struct cli_sweep sw;
    rc = cli_sweep_parse(arg, &sw, err, sizeof err);
    if (rc == 0) {
        if (sw.n == 0 || !sw.name || !sw.name[0])
            abort();
        for (size_t i = 0; i < sw.n; i++)
            if (!isfinite(sw.values[i]))
                abort();
    }
    cli_sweep_free(&sw);
    free(arg);
    return 0;
}
