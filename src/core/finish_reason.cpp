// Names of the finish reasons (see finish_reason.h).
#include "core/finish_reason.h"

namespace ds {

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

}  // namespace ds
