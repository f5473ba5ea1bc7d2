#!/usr/bin/env python3
"""Development-time reference for the tokenizer tests (never run by the build or the tests).

An independent implementation of the three pre-tokenizer split rules with the `regex` module and a
plain byte-level BPE written for this check. It produced split_golden.jsonl:

    python3 make_golden.py golden 20240601 120 > split_golden.jsonl

Each line: a random text (seeded; code points assigned in Unicode 14 only, so the Unicode versions
of Python and libutf8proc agree), its pieces under the gpt2 / qwen2 / llama3 rules, and its Qwen2 and
GPT-2 ids with the shared vocabularies. Other modes: `gen SEED N` prints random {"text"} lines;
`check IN OUT` compares a JSONL of C++ results against this reference.
"""
import regex, json, random, unicodedata, sys
QWEN = r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
LLAMA3 = QWEN.replace(r"|\p{N}|", r"|\p{N}{1,3}|")
GPT2 = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
pats = {"qwen2": regex.compile(QWEN), "gpt2": regex.compile(GPT2), "llama3": regex.compile(LLAMA3)}

def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~")+1))+list(range(ord("¡"), ord("¬")+1))+list(range(ord("®"), ord("ÿ")+1))
    cs = bs[:]; n = 0
    for b in range(256):
        if b not in bs: bs.append(b); cs.append(256+n); n += 1
    return dict(zip(bs, [chr(c) for c in cs]))
B2U = bytes_to_unicode()

class BPE:
    def __init__(self, d):
        self.vocab = json.load(open(d + "/vocab.json", encoding="utf-8"))
        lines = open(d + "/merges.txt", encoding="utf-8").read().split("\n")
        self.ranks = {}
        for i, l in enumerate([l for l in lines if l and not l.startswith("#version")]):
            a, b = l.split(" ")
            self.ranks[(a, b)] = i
        self.cache = {}
    def word(self, w):
        if w in self.cache: return self.cache[w]
        parts = list(w)
        while len(parts) > 1:
            best = None
            for i in range(len(parts)-1):
                r = self.ranks.get((parts[i], parts[i+1]))
                if r is not None and (best is None or r < best[0]): best = (r, i)
            if best is None: break
            i = best[1]
            parts[i:i+2] = [parts[i] + parts[i+1]]
        ids = [self.vocab[p] for p in parts]
        self.cache[w] = ids
        return ids
    def encode(self, text, pat):
        out = []
        for piece in pat.findall(text):
            out += self.word("".join(B2U[b] for b in piece.encode("utf-8")))
        return out

def pool():
    ws = [" ", " ", " ", "\t", "\n", "\n", "\r", "\r\n", "\x0b", "\x0c", "\x85", "\xa0", "\u2003", "\u3000", "\u2028", "\u202f"]
    ascii_ = [chr(c) for c in range(0x21, 0x7f)] + ["'", "'", "'s", "'S", "'ll", "'LL", "'re", "'Ve", "'d", "'m", "'t", "'ſ"]
    words = ["Hello", "world", "the", "Qwen", "x", "ab", "123", "4567", "3.14", "$x^2$", "\\frac{1}{2}", "don't", "I'M"]
    uni = ["é", "ß", "Ä", "ñ", "е", "Привет", "мир", "中文", "日本語", "한국어", "مرحبا", "नमस्ते", "e\u0301", "\u0301", "\u200d", "½", "²", "٣", "Ⅻ", "🦙", "😀", "👍🏽", "🇺🇸", "✅", "—", "…", "«", "»", "€", "∑", "∫", "ǅ", "ʰ", "ｱ", "Ａ", "１"]
    return ws, ascii_, words, uni

def rand_text(rng):
    ws, ascii_, words, uni = pool()
    n = rng.randint(0, 14)
    parts = []
    for _ in range(n):
        k = rng.random()
        if k < 0.3: parts.append(rng.choice(ws) * rng.randint(1, 3))
        elif k < 0.5: parts.append(rng.choice(ascii_))
        elif k < 0.75: parts.append(rng.choice(words))
        elif k < 0.92: parts.append(rng.choice(uni))
        else:
            while True:
                c = chr(rng.randint(0xA0, 0x2FFFF))
                cat = unicodedata.category(c)
                if cat not in ("Cn", "Cs", "Co"): break
            parts.append(c)
    return "".join(parts)

def main():
    mode = sys.argv[1]
    if mode == "gen":
        rng = random.Random(int(sys.argv[2])); n = int(sys.argv[3])
        for _ in range(n): print(json.dumps({"text": rand_text(rng)}))
    elif mode == "check":
        q = BPE("/work/shared/data/tokenizers/qwen2"); g = BPE("/work/shared/data/tokenizers/gpt2")
        bad = 0
        for li, (a, b) in enumerate(zip(open(sys.argv[2], encoding="utf-8"), open(sys.argv[3], encoding="utf-8"))):
            t = json.loads(a)["text"]; o = json.loads(b)
            exp = {k: p.findall(t) for k, p in pats.items()}
            exp["ids_qwen2"] = q.encode(t, pats["qwen2"]); exp["ids_gpt2"] = g.encode(t, pats["gpt2"])
            for k in exp:
                if exp[k] != o[k]:
                    bad += 1
                    if bad < 15: print("MISMATCH", li, k, repr(t), "\n exp", exp[k], "\n got", o[k])
        print("mismatches:", bad)
    elif mode == "golden":
        golden(int(sys.argv[2]), int(sys.argv[3]))

def golden(seed, n):
    q = BPE("/work/shared/data/tokenizers/qwen2"); g = BPE("/work/shared/data/tokenizers/gpt2")
    rng = random.Random(seed)
    for _ in range(n):
        t = rand_text(rng)
        o = {"text": t}
        for k, p in pats.items(): o["pieces_" + k] = p.findall(t)
        o["ids_qwen2"] = q.encode(t, pats["qwen2"]); o["ids_gpt2"] = g.encode(t, pats["gpt2"])
        print(json.dumps(o, ensure_ascii=False))


if __name__ == "__main__":
    main()
