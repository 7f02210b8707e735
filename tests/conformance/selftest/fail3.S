/* Deliberately failing program: tests 1 and 2 pass, test 3 fails.
 * Used to check that runners report failure and the failing test number. */
#include "test.h"
    .text
    .globl test_main
test_main:
    TEST_CASE(1, a0, 1, li a0, 1)
    TEST_CASE(2, a0, 2, li a0, 2)
    TEST_CASE(3, a0, 4, li a0, 3)
    TEST_PASS
