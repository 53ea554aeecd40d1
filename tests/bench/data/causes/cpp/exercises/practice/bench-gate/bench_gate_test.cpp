#include "bench_gate.h"
#include "test/catch.hpp"

TEST_CASE("square of three") { REQUIRE(bench_gate::square(3) == 9); }

#if defined(EXERCISM_RUN_ALL_TESTS)
TEST_CASE("square of zero") { REQUIRE(bench_gate::square(0) == 0); }
#endif

#if defined(EXERCISM_INCLUDE_BENCHMARK)
TEST_CASE("benchmark") { REQUIRE(bench_gate::square(2) == 5); }
#endif
