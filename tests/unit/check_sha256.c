/* check_sha256.c - SHA-256 against the examples of FIPS 180-4's
 * companion document (NIST, "SHA256.pdf") and the padding boundaries. */
#include "sha256.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static const char *digest(const char *s, size_t n)
{
    static char hex[SHA256_HEX_LEN + 1];
    sha256_hex(s, n, hex);
    return hex;
}

START_TEST(sha256_matches_the_standard_examples)
{
    ck_assert_str_eq(digest("abc", 3),
                     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    ck_assert_str_eq(digest("", 0),
                     "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    ck_assert_str_eq(digest(two, strlen(two)),
                     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}
END_TEST

START_TEST(sha256_pads_across_block_boundaries)
{
    /* A million 'a' (the standard's third example). */
    size_t n = 1000000;
    char *a = malloc(n);
    ck_assert_ptr_nonnull(a);
    memset(a, 'a', n);
    ck_assert_str_eq(digest(a, n),
                     "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    /* 55 bytes fit the length in one block, 56 need a second. */
    ck_assert_str_eq(digest(a, 55),
                     "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
    ck_assert_str_eq(digest(a, 56),
                     "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
    ck_assert_str_eq(digest(a, 64),
                     "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
    free(a);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("sha256");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, sha256_matches_the_standard_examples);
    tcase_add_test(tc, sha256_pads_across_block_boundaries);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
