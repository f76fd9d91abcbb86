#include "domain/ids.h"

#include <uuid/uuid.h>

namespace clientele {

std::string DerivedUuid(std::string_view name) {
  // The namespace of Clientele's derived ids (itself a random UUID, fixed forever).
  static const uuid_t kNamespace = {0x6c, 0x1e, 0x5b, 0x0a, 0x93, 0x4f, 0x4d, 0x2e,
                                    0xa8, 0x71, 0x3c, 0x55, 0x0f, 0xd2, 0x19, 0xe4};
  uuid_t bin;
  uuid_generate_sha1(bin, kNamespace, name.data(), name.size());
  char out[37];
  uuid_unparse_lower(bin, out);
  return std::string(out, 36);
}

Result<std::string> ParseUuid(std::string_view text, std::string_view field) {
  if (text.size() != 36) {
    return Error(Status::InvalidArgument(std::string(field), "invalid_uuid",
                                         std::string(field) +
                                             " must be a UUID like "
                                             "'0b8a7c1e-4f3d-4c2a-9e1f-2d3c4b5a6978'"));
  }
  std::string copy(text);
  uuid_t bin;
  if (uuid_parse(copy.c_str(), bin) != 0) {
    return Error(Status::InvalidArgument(std::string(field), "invalid_uuid",
                                         std::string(field) + " is not a valid UUID"));
  }
  char out[37];
  uuid_unparse_lower(bin, out);
  return std::string(out, 36);
}

Status ValidateNodeId(std::string_view node, std::string_view field) {
  if (node == kHqNode) return Status::OK();
  bool ok = !node.empty() && node.size() <= 12 && node[0] >= 'a' && node[0] <= 'z';
  for (char c : node) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'));
  }
  if (!ok) {
    return Status::InvalidArgument(
        std::string(field), "invalid_node_id",
        std::string(field) +
            " must be 'hq' or a store id: a lowercase letter then up to 11 letters or digits");
  }
  return Status::OK();
}

}  // namespace clientele
