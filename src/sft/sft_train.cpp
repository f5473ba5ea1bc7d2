// The supervised warm-start training loop (see sft_train.h).
#include "sft/sft_train.h"

#include <fmt/format.h>
#include <sys/resource.h>

#include <chrono>
#include <cmath>
#include <optional>

#include "core/errors.h"
#include "core/log.h"
#include "core/progress.h"
#include "core/rng.h"
#include "core/timer.h"
#include "rl/optimizer.h"

namespace ds::sft {

namespace {

constexpr uint64_t kInitKey = 0x5346542d696e6974ull;  // "SFT-init"
constexpr uint64_t kDataKey = 0x5346542d64617461ull;  // "SFT-data"

torch::Tensor to_tensor(const std::vector<int32_t>& v, int rows, int cols, torch::Device device) {
  auto t = torch::from_blob(const_cast<int32_t*>(v.data()), {rows, cols}, torch::kInt32);
  return t.to(device, torch::kInt64);  // copies: the batch's vectors may go away
}

// The device tensors of one batch.
struct BatchTensors {
  torch::Tensor ids;      // (B, T) int64, right-padded
  torch::Tensor rows;     // (N) int64 flat indices b * T + t where a loss applies
  torch::Tensor targets;  // (N) int64 the next tokens there
};

BatchTensors to_tensors(const SftBatch& b, torch::Device device) {
  BatchTensors t;
  t.ids = to_tensor(b.ids, b.rows, b.seq_len, device);
  torch::Tensor targets = to_tensor(b.targets, b.rows, b.seq_len, device).view(-1);  // (B*T)
  t.rows = torch::nonzero(targets >= 0).view(-1);                                    // (N)
  t.targets = targets.index_select(0, t.rows);                                       // (N)
  return t;
}

// Mean cross-entropy over the loss positions of one batch: (). Rows are right-padded, so the
// plain causal mask keeps real tokens from attending to padding, and positions are 0, 1, ...
torch::Tensor batch_loss(model::TransformerImpl& model, const BatchTensors& t) {
  model::ForwardInput in;
  in.ids = t.ids;
  torch::Tensor hidden = model.forward_hidden(in);  // (B, T, C)
  torch::Tensor picked = hidden.reshape({-1, hidden.size(-1)}).index_select(0, t.rows);  // (N, C)
  torch::Tensor logits = model.logits(picked);                                           // (N, V)
  return torch::nn::functional::cross_entropy(logits, t.targets);
}

}  // namespace

model::ModelConfig sft_model_config(const SftModelOptions& m, int64_t vocab_size, int32_t eos_id) {
  model::ModelConfig c;
  try {
    c = model::make_builtin_config(m.preset, vocab_size);
  } catch (const ConfigError& e) {
    throw ConfigError("model.preset", e.problem(), e.hint());
  }
  auto positive = [](int64_t v, const char* field) {
    if (v < 0)
      throw ConfigError(std::string("model.") + field, fmt::format("must be >= 0 (got {})", v),
                        "use 0 for the preset's value or a positive size");
  };
  positive(m.hidden_size, "hidden_size");
  positive(m.intermediate_size, "intermediate_size");
  positive(m.num_layers, "num_layers");
  positive(m.num_heads, "num_heads");
  positive(m.num_kv_heads, "num_kv_heads");
  positive(m.max_positions, "max_positions");
  if (m.hidden_size > 0) c.hidden_size = m.hidden_size;
  if (m.intermediate_size > 0) c.intermediate_size = m.intermediate_size;
  if (m.num_layers > 0) c.num_hidden_layers = m.num_layers;
  if (m.num_heads > 0) c.num_attention_heads = m.num_heads;
  if (m.num_kv_heads > 0) c.num_key_value_heads = m.num_kv_heads;
  if (m.max_positions > 0) c.max_position_embeddings = m.max_positions;
  if (c.hidden_size % c.num_attention_heads != 0)
    throw ConfigError(
        "model.num_heads",
        fmt::format("{} heads do not divide hidden_size {}", c.num_attention_heads, c.hidden_size),
        "choose num_heads so that hidden_size / num_heads is an integer");
  if (c.num_attention_heads % c.num_key_value_heads != 0)
    throw ConfigError("model.num_kv_heads",
                      fmt::format("{} kv heads do not divide num_heads {}", c.num_key_value_heads,
                                  c.num_attention_heads),
                      "choose num_kv_heads dividing num_heads (e.g. 1 or 2)");
  c.head_dim = c.hidden_size / c.num_attention_heads;
  if (c.head_dim % 2 != 0)
    throw ConfigError("model.num_heads",
                      fmt::format("head size hidden_size / num_heads = {} is odd", c.head_dim),
                      "rotary embeddings need an even head size; change num_heads");
  c.eos_token_ids = {eos_id};
  c.validate("sft model options");
  return c;
}

uint64_t sft_init_seed(int64_t seed) {
  return Rng::derive(static_cast<uint64_t>(seed), kInitKey);
}

SftResult train_sft(model::TransformerImpl& model, const std::vector<TokenizedExample>& examples,
                    int32_t pad_id, const SftOptions& options, bool show_progress) {
  DS_CHECK(!examples.empty(), "train_sft needs a non-empty corpus");
  rl::OptimizerOptions oo = options.optim;
  if (oo.total_steps == 0) oo.total_steps = options.steps;
  const torch::Device device = model.device();

  // Decoupled weight decay (on matrices only unless optim.decay_1d).
  std::unique_ptr<torch::optim::AdamW> adamw = rl::make_adamw(model.hf_named_parameters(), oo);
  torch::optim::AdamW& optimizer = *adamw;
  std::vector<torch::Tensor> params = model.parameters();

  SftBatcher batcher(examples, options.batch_size, pad_id,
                     Rng::derive(static_cast<uint64_t>(options.seed), kDataKey));
  SftResult r;
  r.examples = static_cast<int64_t>(examples.size());
  r.parameters = model.num_parameters();
  model.train();

  const double cpu0 = process_cpu_seconds();
  const Stopwatch wall;
  auto wall_since = [&] { return wall.seconds(); };
  std::optional<Progress> progress;
  if (show_progress) progress.emplace("sft", static_cast<size_t>(options.steps));
  double window_loss = 0;  // token-weighted loss sum since the last record
  int64_t window_targets = 0;
  double lr = 0;
  for (int step = 0; step < options.steps; ++step) {
    if (options.max_seconds > 0 && wall_since() >= options.max_seconds) {
      r.stopped_by_time = true;
      break;
    }
    lr = rl::learning_rate_at(step, oo);
    rl::set_learning_rate(optimizer, lr);
    SftBatch batch = batcher.next();
    BatchTensors t = to_tensors(batch, device);
    optimizer.zero_grad();
    torch::Tensor loss = batch_loss(model, t);
    loss.backward();
    if (oo.grad_clip > 0) torch::nn::utils::clip_grad_norm_(params, oo.grad_clip);
    optimizer.step();

    const double l = loss.item<double>();
    DS_CHECK(std::isfinite(l), fmt::format("SFT loss is not finite at step {}", step + 1));
    window_loss += l * static_cast<double>(batch.target_tokens);
    window_targets += batch.target_tokens;
    r.tokens += batch.tokens;
    r.target_tokens += batch.target_tokens;
    r.steps = step + 1;
    const bool last = step + 1 == options.steps;
    if ((step + 1) % options.log_every == 0 || last) {
      SftLogEntry e;
      e.step = r.steps;
      e.loss = window_loss / static_cast<double>(std::max<int64_t>(1, window_targets));
      e.lr = lr;
      e.tokens = r.tokens;
      e.cpu_seconds = process_cpu_seconds() - cpu0;
      e.wall_seconds = wall_since();
      r.log.push_back(e);
      window_loss = 0;
      window_targets = 0;
      if (progress)
        progress->advance(static_cast<size_t>(r.steps) - progress->done(),
                          fmt::format("loss {:.4f} lr {:.2e} {:.0f} tok/s", e.loss, lr,
                                      e.wall_seconds > 0 ? r.tokens / e.wall_seconds : 0.0));
    }
  }
  if (window_targets > 0) {  // stopped by time between records
    SftLogEntry e;
    e.step = r.steps;
    e.loss = window_loss / static_cast<double>(window_targets);
    e.lr = lr;
    e.tokens = r.tokens;
    e.cpu_seconds = process_cpu_seconds() - cpu0;
    e.wall_seconds = wall_since();
    r.log.push_back(e);
  }
  model.eval();
  r.cpu_seconds = process_cpu_seconds() - cpu0;
  r.wall_seconds = wall_since();
  r.epochs = batcher.epochs();
  if (!r.log.empty()) {
    r.first_loss = r.log.front().loss;
    r.final_loss = r.log.back().loss;
  }
  if (progress)
    progress->finish(
        fmt::format("loss {:.4f}, {} steps, {:.1f} epochs", r.final_loss, r.steps, r.epochs));
  return r;
}

double sft_eval_loss(model::TransformerImpl& model, const std::vector<TokenizedExample>& examples,
                     int32_t pad_id, int batch_size) {
  DS_CHECK(!examples.empty(), "sft_eval_loss needs examples");
  torch::NoGradGuard no_grad;
  SftBatcher batcher(examples, batch_size, pad_id, 0, /*repeat=*/false);
  double sum = 0;
  int64_t count = 0;
  while (!batcher.done()) {
    SftBatch batch = batcher.next();
    if (batch.target_tokens == 0) continue;
    BatchTensors t = to_tensors(batch, model.device());
    sum += batch_loss(model, t).item<double>() * static_cast<double>(batch.target_tokens);
    count += batch.target_tokens;
  }
  return count > 0 ? sum / static_cast<double>(count) : 0.0;
}

}  // namespace ds::sft
