#include "eventstore/uuid.h"

#include <openssl/rand.h>
#include <uuid/uuid.h>

namespace clientele {

std::string NewUuid() {
  // OpenSSL's DRBG rather than uuid_generate_random, which costs several system
  // calls per id; libuuid still does the formatting.
  uuid_t bin;
  if (RAND_bytes(bin, sizeof(bin)) != 1) uuid_generate_random(bin);
  bin[6] = (bin[6] & 0x0f) | 0x40;  // version 4
  bin[8] = (bin[8] & 0x3f) | 0x80;  // RFC 4122 variant
  char text[37];
  uuid_unparse_lower(bin, text);
  return std::string(text, 36);
}

}  // namespace clientele
