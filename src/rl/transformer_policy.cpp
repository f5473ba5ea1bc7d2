// Transformer adapter for the trainer (see transformer_policy.h).
#include "rl/transformer_policy.h"

#include "core/errors.h"
#include "model/checkpoint.h"

namespace ds::rl {

torch::Tensor TransformerPolicy::logits(const torch::Tensor& ids, const torch::Tensor& positions) {
  ds::model::ForwardInput in;
  in.ids = ids;                // (B, T), right-padded: the plain causal mask is exact
  in.positions = positions;    // (B, T)
  return model_->forward(in);  // (B, T, V) float32
}

torch::Tensor TransformerPolicy::logits_at(const torch::Tensor& ids, const torch::Tensor& positions,
                                           const torch::Tensor& at) {
  ds::model::ForwardInput in;
  in.ids = ids;
  in.positions = positions;
  torch::Tensor hidden = model_->forward_hidden(in);  // (B, T, C)
  torch::Tensor picked =
      hidden.gather(1, at.unsqueeze(-1).expand({at.size(0), at.size(1), hidden.size(2)}));
  return model_->logits(picked);  // (B, R, V) float32
}

void TransformerPolicy::save(const std::string& dir) {
  ds::model::save_model(*model_, dir, tokenizer_);
}

void TransformerPolicy::load(const std::string& dir) {
  NamedTensors params = named_parameters();
  DS_CHECK(!params.empty(), "model without parameters");
  const torch::Tensor& first = params.front().second;
  ds::model::Transformer saved = ds::model::load_model(dir, first.scalar_type(), first.device());
  const auto& a = model_->config();
  const auto& b = saved->config();
  if (a.hidden_size != b.hidden_size || a.num_hidden_layers != b.num_hidden_layers ||
      a.vocab_size != b.vocab_size || a.intermediate_size != b.intermediate_size ||
      a.num_attention_heads != b.num_attention_heads ||
      a.num_key_value_heads != b.num_key_value_heads ||
      a.tie_word_embeddings != b.tie_word_embeddings)
    throw DataError(dir + "/config.json", "the checkpoint's model has a different architecture",
                    "resume with the model configuration this run was started with");
  model_->copy_weights_from(*saved);
}

}  // namespace ds::rl
