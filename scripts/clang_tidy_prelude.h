// Included before every file that scripts/lint.sh gives clang-tidy (clang 16).
// libstdc++ 12 offers std::expected only when __cpp_concepts says C++20
// concepts in full; clang 16 implements what <expected> uses but still
// reports the older value.
#pragma clang diagnostic ignored "-Wbuiltin-macro-redefined"
#undef __cpp_concepts
#define __cpp_concepts 202002L
