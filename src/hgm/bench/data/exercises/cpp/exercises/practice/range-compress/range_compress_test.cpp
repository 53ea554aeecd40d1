#define HGM_TEST_MAIN
#include "range_compress.h"
#include "test/hgm_test.hpp"

using range_compress::compress;

TEST_CASE("empty input gives empty string") {
    REQUIRE(compress({}) == "");
}

TEST_CASE("single number") {
    REQUIRE(compress({42}) == "42");
}

TEST_CASE("run of three becomes a range") {
    REQUIRE(compress({1, 2, 3}) == "1-3");
}

TEST_CASE("run of two stays two items") {
    REQUIRE(compress({7, 8}) == "7,8");
}

TEST_CASE("unsorted input with duplicates") {
    CHECK(compress({5, 1, 2, 3, 4, 8, 7, 10}) == "1-5,7,8,10");
    CHECK(compress({3, 3, 2, 1, 1}) == "1-3");
}

TEST_CASE("negative numbers") {
    REQUIRE(compress({-1, -3, -2, 0, 5}) == "-3-0,5");
}
