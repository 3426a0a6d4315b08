#!/usr/bin/env python3
"""PyTorch's latency for all-MiniLM-L6-v2 on one sentence, to set beside `cargo bench --workspace --bench predict`.

Not part of CI (it needs torch, transformers and sentence-transformers from PyPI):
    python3 -m venv /tmp/torchenv && /tmp/torchenv/bin/pip install torch transformers sentence-transformers
    /tmp/torchenv/bin/python scripts/bench-torch-minilm.py "$(scripts/fetch-minilm.sh)" [--threads 1]

Prints the median and 10th/90th percentiles of (a) the raw forward (tokenised input, `torch.inference_mode`, mean
pooling) and (b) sentence-transformers `encode()` on the same sentence the Rust bench uses, after a warm-up.
"""
import argparse
import statistics
import time

import torch
from sentence_transformers import SentenceTransformer, models
from transformers import AutoModel, AutoTokenizer

SENTENCE = "driving 10 hours"


def timed(fn, seconds):
    for _ in range(20):
        fn()
    samples = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    samples.sort()
    pick = lambda q: samples[min(len(samples) - 1, int(q * len(samples)))] * 1e3
    return f"median {statistics.median(samples) * 1e3:.3f} ms (p10 {pick(0.1):.3f}, p90 {pick(0.9):.3f}, n={len(samples)})"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model_dir")
    ap.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0: torch's default)")
    ap.add_argument("--seconds", type=float, default=5.0)
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    tok = AutoTokenizer.from_pretrained(args.model_dir)
    model = AutoModel.from_pretrained(args.model_dir).eval()
    inputs = tok([SENTENCE], return_tensors="pt")

    def forward():
        with torch.inference_mode():
            out = model(**inputs).last_hidden_state
            m = inputs["attention_mask"].unsqueeze(-1).float()
            return (out * m).sum(1) / m.sum(1)

    st = SentenceTransformer(
        modules=[models.Transformer(args.model_dir), models.Pooling(384, pooling_mode="mean")], device="cpu"
    )
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, tokens {inputs['input_ids'].shape[1]}")
    print(f"raw forward + mean pool: {timed(forward, args.seconds)}")
    print(f"sentence-transformers encode(): {timed(lambda: st.encode([SENTENCE]), args.seconds)}")


if __name__ == "__main__":
    main()
