#!/usr/bin/python3
"""Independent float64 reference of the Qwen2 / Llama decoder, for tests/test_model_parity.cpp.

Written from the Hugging Face modeling code's math (not from our C++): reads a model directory
(config.json + model.safetensors, parsed here by hand since the safetensors package is not
installed), runs the forward pass on given ids / positions / boolean mask, the token-level
cross-entropy with labels (-100 = ignored), its gradients for every parameter, and the loss after
one SGD step. Usage: ref_transformer.py INPUT.json OUTPUT.json where INPUT holds
{"cases": [{"dir", "ids", "positions"?, "mask"?, "labels", "lr"}]}.
"""
import json
import struct
import sys

import torch

DTYPES = {"F32": torch.float32, "F64": torch.float64, "BF16": torch.bfloat16, "F16": torch.float16,
          "I64": torch.int64, "I32": torch.int32}


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        b, e = info["data_offsets"]
        buf = bytearray(raw[base + b:base + e])
        t = torch.frombuffer(buf, dtype=DTYPES[info["dtype"]]) if buf else torch.empty(0, dtype=DTYPES[info["dtype"]])
        out[name] = t.reshape(info["shape"]).to(torch.float64)
    return out


def rms_norm(x, w, eps):
    return w * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps))


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


class Reference:
    def __init__(self, model_dir):
        with open(model_dir + "/config.json") as f:
            self.cfg = json.load(f)
        c = self.cfg
        self.heads = c["num_attention_heads"]
        self.kv_heads = c.get("num_key_value_heads") or self.heads
        self.head_dim = c.get("head_dim") or c["hidden_size"] // self.heads
        self.eps = c["rms_norm_eps"]
        self.theta = c.get("rope_theta", 10000.0)
        self.layers = c["num_hidden_layers"]
        self.tied = c.get("tie_word_embeddings", False)
        self.p = {k: v.clone().requires_grad_(True)
                  for k, v in read_safetensors(model_dir + "/model.safetensors").items()}

    def linear(self, x, name):
        y = x @ self.p[name + ".weight"].T
        if name + ".bias" in self.p:
            y = y + self.p[name + ".bias"]
        return y

    def forward(self, ids, positions, mask):
        B, T = ids.shape
        x = self.p["model.embed_tokens.weight"][ids]
        d = self.head_dim
        inv_freq = 1.0 / (self.theta ** (torch.arange(0, d, 2, dtype=torch.float64) / d))
        freqs = positions.to(torch.float64)[..., None] * inv_freq  # (B, T, d/2)
        emb = torch.cat((freqs, freqs), dim=-1)
        cos, sin = emb.cos()[:, None], emb.sin()[:, None]  # (B, 1, T, d)
        neg = torch.finfo(torch.float64).min
        for i in range(self.layers):
            pre = "model.layers.%d." % i
            h = rms_norm(x, self.p[pre + "input_layernorm.weight"], self.eps)
            q = self.linear(h, pre + "self_attn.q_proj").view(B, T, self.heads, d).transpose(1, 2)
            k = self.linear(h, pre + "self_attn.k_proj").view(B, T, self.kv_heads, d).transpose(1, 2)
            v = self.linear(h, pre + "self_attn.v_proj").view(B, T, self.kv_heads, d).transpose(1, 2)
            q = q * cos + rotate_half(q) * sin
            k = k * cos + rotate_half(k) * sin
            rep = self.heads // self.kv_heads
            k = k.repeat_interleave(rep, dim=1)
            v = v.repeat_interleave(rep, dim=1)
            s = (q @ k.transpose(2, 3)) / (d ** 0.5)  # (B, H, T, T)
            s = s.masked_fill(~mask, neg)
            a = torch.softmax(s, dim=-1) @ v  # (B, H, T, d)
            a = a.transpose(1, 2).reshape(B, T, self.heads * d)
            x = x + self.linear(a, pre + "self_attn.o_proj")
            h = rms_norm(x, self.p[pre + "post_attention_layernorm.weight"], self.eps)
            g = self.linear(h, pre + "mlp.gate_proj")
            u = self.linear(h, pre + "mlp.up_proj")
            x = x + self.linear(torch.nn.functional.silu(g) * u, pre + "mlp.down_proj")
        x = rms_norm(x, self.p["model.norm.weight"], self.eps)
        head = self.p["model.embed_tokens.weight"] if self.tied else self.p["lm_head.weight"]
        return x @ head.T


def run_case(case):
    ref = Reference(case["dir"])
    ids = torch.tensor(case["ids"], dtype=torch.int64)
    B, T = ids.shape
    positions = torch.tensor(case["positions"]) if "positions" in case else \
        torch.arange(T).expand(B, T)
    if "mask" in case:
        mask = torch.tensor(case["mask"], dtype=torch.bool)
    else:
        mask = torch.tril(torch.ones(T, T, dtype=torch.bool))[None, None].expand(B, 1, T, T)
    labels = torch.tensor(case["labels"], dtype=torch.int64)

    def loss_fn():
        logits = ref.forward(ids, positions, mask)
        return logits, torch.nn.functional.cross_entropy(
            logits.reshape(B * T, -1), labels.reshape(-1), ignore_index=-100)

    logits, loss = loss_fn()
    loss.backward()
    grads = {k: v.grad.reshape(-1).tolist() for k, v in ref.p.items() if v.grad is not None}
    with torch.no_grad():
        for v in ref.p.values():
            if v.grad is not None:
                v -= case["lr"] * v.grad
        _, loss_after = loss_fn()
    return {"logits": logits.detach().reshape(-1).tolist(), "loss": loss.item(),
            "grads": grads, "loss_after_sgd": loss_after.item()}


def main():
    torch.manual_seed(0)
    with open(sys.argv[1]) as f:
        cases = json.load(f)["cases"]
    out = {"results": [run_case(c) for c in cases]}
    with open(sys.argv[2], "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
