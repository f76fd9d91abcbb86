// Overloaded{lambdas...}: a visitor for std::visit built from lambdas.
#pragma once

namespace clientele {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};

}  // namespace clientele
