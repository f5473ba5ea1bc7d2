// The JSON Lines tokenization filter (see tokenize_stream.h).
#include "tokenizer/tokenize_stream.h"

#include <ostream>

#include "core/errors.h"
#include "core/jsonl.h"
#include "tokenizer/chat_template.h"

namespace ds::tok {

namespace {

std::vector<int32_t> read_ids(const json& line, const Tokenizer& tok, const std::string& where) {
  if (!line.is_object() || !line.contains("ids"))
    throw DataError(where, "missing field 'ids'", "write {\"ids\": [15496, 995]} on every line");
  const json& ids = line["ids"];
  if (!ids.is_array())
    throw DataError(where, "field 'ids' must be an array of token ids",
                    "write {\"ids\": [15496, 995]}");
  std::vector<int32_t> out;
  out.reserve(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    const json& v = ids[i];
    if (!v.is_number_integer() || v.get<long long>() < 0 || v.get<long long>() >= tok.vocab_size())
      throw DataError(
          where, "ids[" + std::to_string(i) + "] = " + v.dump() + " is not a token id",
          "ids are integers in 0.." + std::to_string(tok.vocab_size() - 1) + " for this tokenizer");
    out.push_back(v.get<int32_t>());
  }
  return out;
}

}  // namespace

size_t tokenize_stream(const Tokenizer& tok, std::istream& in, std::ostream& out,
                       const TokenizeStreamOptions& options) {
  if (!options.chat_template.empty())
    apply_chat_template(options.chat_template, "");  // validate name
  size_t written = 0;
  for_each_jsonl_stream(in, options.source, [&](const json& line, size_t line_no) {
    std::string where = location(options.source, line_no);
    json result;
    if (options.decode) {
      result["text"] = tok.decode(read_ids(line, tok, where));
    } else {
      if (!line.is_object() || !line.contains("text"))
        throw DataError(where, "missing field 'text'", "write {\"text\": \"...\"} on every line");
      if (!line["text"].is_string())
        throw DataError(where, "field 'text' must be a string", "write {\"text\": \"...\"}");
      std::string text = line["text"].get<std::string>();
      if (!options.chat_template.empty())
        text = apply_chat_template(options.chat_template, text, options.system);
      result["ids"] = tok.encode(text);
    }
    out << result.dump() << '\n';
    ++written;
  });
  out.flush();
  return written;
}

}  // namespace ds::tok
