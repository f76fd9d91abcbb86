// Overloaded{lambdas...}: a visitor for std::visit built from lambdas.
#pragma once

namespace clientele {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;  // for compilers without aggregate deduction (clang 16)

}  // namespace clientele
