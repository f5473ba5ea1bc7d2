// Collation of samples into padded tensors (see sample_batch.h).
#include "rl/sample_batch.h"

#include <algorithm>

#include "core/errors.h"

namespace ds::rl {

int64_t SampleBatch::num_response_tokens() const {
  int64_t n = 0;
  for (int64_t l : response_lens) n += l;
  return n;
}

SampleBatch collate(const std::vector<Sample>& samples,
                    const std::vector<std::vector<float>>& advantages, int64_t pad_id,
                    const torch::Device& device) {
  DS_CHECK(advantages.size() == samples.size(), "one advantage vector per sample");
  const int64_t b = static_cast<int64_t>(samples.size());
  int64_t t_max = 1, r_max = 1;
  for (const auto& s : samples) {
    check_sample(s);
    t_max = std::max(t_max, s.total_length());
    r_max = std::max(r_max, s.response_length());
  }

  SampleBatch out;
  auto i64 = torch::TensorOptions().dtype(torch::kInt64);
  auto f32 = torch::TensorOptions().dtype(torch::kFloat32);
  torch::Tensor ids = torch::full({b, t_max}, pad_id, i64);     // (B, T)
  torch::Tensor attn = torch::zeros({b, t_max}, torch::kBool);  // (B, T)
  torch::Tensor resp = torch::full({b, r_max}, pad_id, i64);    // (B, R)
  torch::Tensor index = torch::zeros({b, r_max}, i64);          // (B, R)
  torch::Tensor mask = torch::zeros({b, r_max}, f32);           // (B, R)
  torch::Tensor adv = torch::zeros({b, r_max}, f32);            // (B, R)
  torch::Tensor slp = torch::zeros({b, r_max}, f32);            // (B, R)
  torch::Tensor has_slp = torch::zeros({b}, torch::kBool);      // (B)
  auto ids_a = ids.accessor<int64_t, 2>();
  auto attn_a = attn.accessor<bool, 2>();
  auto resp_a = resp.accessor<int64_t, 2>();
  auto index_a = index.accessor<int64_t, 2>();
  auto mask_a = mask.accessor<float, 2>();
  auto adv_a = adv.accessor<float, 2>();
  auto slp_a = slp.accessor<float, 2>();
  auto has_a = has_slp.accessor<bool, 1>();

  for (int64_t i = 0; i < b; ++i) {
    const Sample& s = samples[i];
    const int64_t p = static_cast<int64_t>(s.prompt_ids.size());
    const int64_t r = s.response_length();
    DS_CHECK(static_cast<int64_t>(advantages[i].size()) == r,
             "advantages must have one value per response token");
    for (int64_t t = 0; t < p; ++t) {
      ids_a[i][t] = s.prompt_ids[t];
      attn_a[i][t] = true;
    }
    // Padding columns point at p: a column that survives trimming, whose logits (at p - 1 >= 0)
    // exist; the mask zeroes them.
    for (int64_t j = 0; j < r_max; ++j) index_a[i][j] = j < r ? p + j : p;
    for (int64_t j = 0; j < r; ++j) {
      ids_a[i][p + j] = s.response_ids[j];
      attn_a[i][p + j] = true;
      resp_a[i][j] = s.response_ids[j];
      mask_a[i][j] = 1.0f;
      adv_a[i][j] = advantages[i][j];
      if (s.has_sampling_logprobs()) slp_a[i][j] = s.sampling_logprobs[j];
    }
    has_a[i] = s.has_sampling_logprobs();
    out.prompt_lens.push_back(p);
    out.response_lens.push_back(r);
    out.groups.push_back(s.group);
  }
  out.ids = ids;
  out.positions = torch::arange(t_max, i64).unsqueeze(0).expand({b, t_max}).contiguous();
  out.attention_mask = attn;
  out.response_ids = resp;
  out.response_index = index;
  out.response_mask = mask;
  out.advantages = adv;
  out.sampling_logp = slp;
  out.has_sampling_logp = has_slp;
  return device == torch::Device(torch::kCPU) ? out : out.to(device);
}

SampleBatch SampleBatch::select(const std::vector<int64_t>& rows) const {
  DS_CHECK(!rows.empty(), "select() needs at least one row");
  SampleBatch out;
  int64_t t_max = 1, r_max = 1;
  for (int64_t r : rows) {
    DS_CHECK(r >= 0 && r < size(), "row index out of range");
    out.prompt_lens.push_back(prompt_lens[r]);
    out.response_lens.push_back(response_lens[r]);
    out.groups.push_back(groups[r]);
    t_max = std::max(t_max, prompt_lens[r] + response_lens[r]);
    r_max = std::max(r_max, response_lens[r]);
  }
  auto idx = torch::tensor(rows, torch::TensorOptions().dtype(torch::kInt64)).to(ids.device());
  auto take = [&](const torch::Tensor& x, int64_t width) {
    return x.index_select(0, idx).narrow(1, 0, width).contiguous();
  };
  out.ids = take(ids, t_max);
  out.positions = take(positions, t_max);
  out.attention_mask = take(attention_mask, t_max);
  out.response_ids = take(response_ids, r_max);
  out.response_index = take(response_index, r_max);
  out.response_mask = take(response_mask, r_max);
  out.advantages = take(advantages, r_max);
  out.sampling_logp = take(sampling_logp, r_max);
  out.has_sampling_logp = has_sampling_logp.index_select(0, idx);
  return out;
}

SampleBatch SampleBatch::to(const torch::Device& device) const {
  SampleBatch out = *this;
  out.ids = ids.to(device);
  out.positions = positions.to(device);
  out.attention_mask = attention_mask.to(device);
  out.response_ids = response_ids.to(device);
  out.response_index = response_index.to(device);
  out.response_mask = response_mask.to(device);
  out.advantages = advantages.to(device);
  out.sampling_logp = sampling_logp.to(device);
  out.has_sampling_logp = has_sampling_logp.to(device);
  return out;
}

}  // namespace ds::rl
