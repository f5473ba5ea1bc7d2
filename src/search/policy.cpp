// Names of the policy vocabulary (see policy.h).
#include "search/policy.h"

namespace ds::search {

const char* finish_reason_name(FinishReason reason) {
  switch (reason) {
    case FinishReason::kEos:
      return "eos";
    case FinishReason::kLength:
      return "length";
    case FinishReason::kDelimiter:
      return "delimiter";
    case FinishReason::kContext:
      return "context";
  }
  return "?";
}

}  // namespace ds::search
