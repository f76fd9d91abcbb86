// Fresh event and customer ids. Random ids are an effect, so they are made
// here, at the edge, and handed to the pure domain.
#pragma once

#include <string>

namespace clientele {

// A fresh random (version 4) UUID in text form, lower case. Thread-safe.
std::string NewUuid();

}  // namespace clientele
