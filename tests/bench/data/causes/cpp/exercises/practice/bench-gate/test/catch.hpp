// A stand-in for Catch2's single header in the same layout (hgm's tiny framework):
// CATCH_CONFIG_MAIN in exactly one file gives main().
#ifdef CATCH_CONFIG_MAIN
#define HGM_TEST_MAIN
#endif
// hgm_test.hpp: a tiny single-header test framework for hgm's built-in C++ exercises.
// TEST_CASE("name") { REQUIRE(expr); CHECK(expr); REQUIRE_THROWS_AS(expr, type); }
// Define HGM_TEST_MAIN in exactly one file to get main(). `-r junit` prints a JUnit XML
// report (the flag Catch2 also understands); otherwise one line per test. Exit code 1 if
// any test failed or none ran.
#pragma once

#include <cstdio>
#include <cstring>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace hgm_test {

struct Failure : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct Case {
    std::string name;
    std::function<void(std::vector<std::string>&)> body;
};

inline std::vector<Case>& registry() {
    static std::vector<Case> cases;
    return cases;
}

struct Registrar {
    Registrar(const char* name, void (*body)(std::vector<std::string>&)) {
        registry().push_back({name, body});
    }
};

inline std::string where(const char* file, int line, const char* expr) {
    std::ostringstream out;
    out << file << ":" << line << ": " << expr;
    return out.str();
}

inline std::string xml_escape(const std::string& text) {
    std::string out;
    for (char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            default: out += c;
        }
    }
    return out;
}

inline int run_all(int argc, char** argv) {
    bool junit = argc >= 3 && std::strcmp(argv[1], "-r") == 0 && std::strcmp(argv[2], "junit") == 0;
    int failed = 0;
    std::ostringstream cases;
    for (const Case& test : registry()) {
        std::vector<std::string> problems;
        try {
            test.body(problems);
        } catch (const Failure& failure) {
            problems.push_back(failure.what());
        } catch (const std::exception& error) {
            problems.push_back(std::string("unexpected exception: ") + error.what());
        } catch (...) {
            problems.push_back("unexpected non-standard exception");
        }
        failed += problems.empty() ? 0 : 1;
        if (junit) {
            cases << "  <testcase classname=\"hgm\" name=\"" << xml_escape(test.name) << "\"";
            if (problems.empty()) {
                cases << "/>\n";
            } else {
                cases << "><failure message=\"" << xml_escape(problems.front()) << "\"/></testcase>\n";
            }
        } else {
            std::printf("%s %s\n", problems.empty() ? "[ PASS ]" : "[ FAIL ]", test.name.c_str());
            for (const std::string& problem : problems) std::printf("    %s\n", problem.c_str());
        }
    }
    std::size_t total = registry().size();
    if (junit) {
        std::printf("<testsuite name=\"hgm\" tests=\"%zu\" failures=\"%d\">\n%s</testsuite>\n",
                    total, failed, cases.str().c_str());
    } else {
        std::printf("%zu test cases: %zu passed, %d failed\n", total, total - failed, failed);
    }
    return failed == 0 && total > 0 ? 0 : 1;
}

}  // namespace hgm_test

#define HGM_CONCAT2(a, b) a##b
#define HGM_CONCAT(a, b) HGM_CONCAT2(a, b)
#define HGM_TEST_FN HGM_CONCAT(hgm_test_case_, __LINE__)
#define TEST_CASE(name)                                                            \
    static void HGM_TEST_FN(std::vector<std::string>&);                            \
    static const ::hgm_test::Registrar HGM_CONCAT(hgm_registrar_, __LINE__)(name,  \
                                                                 &HGM_TEST_FN);   \
    static void HGM_TEST_FN(std::vector<std::string>& hgm_problems)
#define REQUIRE(expr)                                                                \
    do {                                                                             \
        if (!(expr)) throw ::hgm_test::Failure(::hgm_test::where(__FILE__, __LINE__, #expr)); \
    } while (0)
#define CHECK(expr)                                                                  \
    do {                                                                             \
        if (!(expr)) hgm_problems.push_back(::hgm_test::where(__FILE__, __LINE__, #expr)); \
    } while (0)
#define REQUIRE_THROWS_AS(expr, type)                                                \
    do {                                                                             \
        bool hgm_threw = false;                                                      \
        try {                                                                        \
            (void)(expr);                                                            \
        } catch (const type&) {                                                      \
            hgm_threw = true;                                                        \
        }                                                                            \
        if (!hgm_threw)                                                              \
            throw ::hgm_test::Failure(::hgm_test::where(__FILE__, __LINE__, #expr " throws " #type)); \
    } while (0)

#ifdef HGM_TEST_MAIN
int main(int argc, char** argv) { return ::hgm_test::run_all(argc, argv); }
#endif
