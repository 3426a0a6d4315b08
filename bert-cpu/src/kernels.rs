//! CPU kernels for BERT inference ([`crate::Encoder`]): a dense layer whose weights are packed once at load time,
//! layer normalisation with the residual add fused in, erf-GELU, and masked multi-head attention.
//!
//! Why hand-written: a single sentence is 5–20 token rows, so every dense layer is a skinny `[rows, k] · [k, n]`
//! product and the forward is dominated by streaming the weights (all-MiniLM-L6-v2: 42 MB of f32 per forward) and by
//! per-op overhead. Candle's general path re-packs every weight matrix on every call and allocates a tensor per op;
//! measured side by side in `benches/predict.rs` (`bert-minilm` vs `bert-minilm-candle`), this path is several times
//! faster on one core. The weights are laid out once in column panels of [`NR`] so the micro-kernel reads them
//! strictly sequentially, and [`MR`] rows of activations are multiplied per pass (the classic register-blocked GEMM
//! tile, as in BLIS: Van Zee & van de Geijn, "BLIS: A Framework for Rapidly Instantiating BLAS Functionality", 2015).
//!
//! On x86-64 CPUs with AVX2 and FMA (checked once at run time) the micro-kernel is written with those intrinsics
//! (the compiler's own vectorisation of the plain loop spilled the accumulators to the stack); elsewhere a portable
//! loop runs. Both give the same results to within float rounding (tests compare them with a naive product, and
//! `workloads/tests/predict_bert.rs` compares the whole forward with candle's).

use rayon::prelude::*;

/// Columns of a weight panel: one tile's width (two AVX2 registers of f32).
pub(crate) const NR: usize = 16;
/// Activation rows per tile (6 × 16 accumulators fill 12 of AVX2's 16 registers).
pub(crate) const MR: usize = 6;
/// Below this many multiply-adds a dense product stays on the calling thread.
const PARALLEL_MIN_FLOPS: usize = 1 << 22;

/// The instruction set the micro-kernel was compiled for, chosen once per process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Isa {
    /// x86-64 with AVX2 and FMA.
    Avx2Fma,
    /// Whatever the target's baseline is (SSE2 on x86-64).
    Baseline,
}

impl Isa {
    /// The best instruction set this CPU supports.
    pub(crate) fn detect() -> Isa {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            return Isa::Avx2Fma;
        }
        Isa::Baseline
    }
}

/// A dense layer `y = x · Wᵀ + b` with `W` given as `[n, k]` (PyTorch's `nn.Linear` layout), stored as column
/// panels: panel `p` holds columns `p·NR .. p·NR+NR` of `Wᵀ` as `k` rows of `NR` floats (zero-padded past `n`).
#[derive(Debug, Clone)]
pub(crate) struct Dense {
    k: usize,
    n: usize,
    panels: Vec<f32>,
    bias: Vec<f32>,
}

impl Dense {
    /// Packs `weight` (`[n, k]`, row-major) and `bias` (`[n]`). Panics only on a caller bug (wrong lengths).
    pub(crate) fn new(weight: &[f32], bias: &[f32], n: usize, k: usize) -> Dense {
        assert_eq!(weight.len(), n * k, "weight is [n, k]");
        assert_eq!(bias.len(), n, "bias is [n]");
        let n_panels = n.div_ceil(NR);
        let mut panels = vec![0.0; n_panels * k * NR];
        for (j, row) in weight.chunks_exact(k).enumerate() {
            let panel = &mut panels[(j / NR) * k * NR..][..k * NR];
            for (kk, w) in row.iter().enumerate() {
                panel[kk * NR + j % NR] = *w;
            }
        }
        let mut padded_bias = vec![0.0; n_panels * NR];
        padded_bias[..n].copy_from_slice(bias);
        Dense {
            k,
            n,
            panels,
            bias: padded_bias,
        }
    }

    /// Fuses several layers that read the same input into one (`[q; k; v]` projections): outputs side by side.
    pub(crate) fn concat(parts: &[(&[f32], &[f32], usize)], k: usize) -> Dense {
        let weight: Vec<f32> = parts
            .iter()
            .flat_map(|(w, _, _)| w.iter().copied())
            .collect();
        let bias: Vec<f32> = parts
            .iter()
            .flat_map(|(_, b, _)| b.iter().copied())
            .collect();
        let n = parts.iter().map(|(_, _, n)| n).sum();
        Dense::new(&weight, &bias, n, k)
    }

    /// `out = x · Wᵀ + b` for `x` of `rows × k`; `out` is resized to `rows × n`. Large products are split by rows
    /// across the rayon pool (which `RAYON_NUM_THREADS` sizes).
    pub(crate) fn forward(&self, isa: Isa, x: &[f32], out: &mut Vec<f32>) {
        let rows = x.len() / self.k;
        out.clear();
        out.resize(rows * self.n, 0.0);
        let threads = rayon::current_num_threads();
        if threads < 2 || rows * self.k * self.n < PARALLEL_MIN_FLOPS || rows < 2 * MR {
            self.forward_rows(isa, x, out);
            return;
        }
        let chunk_rows = rows.div_ceil(threads).next_multiple_of(MR);
        x.par_chunks(chunk_rows * self.k)
            .zip(out.par_chunks_mut(chunk_rows * self.n))
            .for_each(|(x, out)| self.forward_rows(isa, x, out));
    }

    /// The single-threaded product: panels outside (each is read from memory once), row tiles inside.
    fn forward_rows(&self, isa: Isa, x: &[f32], out: &mut [f32]) {
        let rows = x.len() / self.k;
        let packed: Vec<Vec<f32>> = (0..rows)
            .step_by(MR)
            .map(|r0| self.pack_rows(x, r0, rows))
            .collect();
        for (p, panel) in self.panels.chunks_exact(self.k * NR).enumerate() {
            let cols = (self.n - p * NR).min(NR);
            let bias: &[f32; NR] = self.bias[p * NR..][..NR]
                .try_into()
                .expect("the bias is padded to whole panels");
            for (t, xt) in packed.iter().enumerate() {
                let tile = run_tile(isa, xt, panel, bias);
                let r0 = t * MR;
                for (r, acc) in tile.iter().take((rows - r0).min(MR)).enumerate() {
                    out[(r0 + r) * self.n + p * NR..][..cols].copy_from_slice(&acc[..cols]);
                }
            }
        }
    }

    /// Rows `r0 .. r0+MR` of `x` (fewer at the end), transposed to `k` groups of that many values.
    fn pack_rows(&self, x: &[f32], r0: usize, rows: usize) -> Vec<f32> {
        let r = (rows - r0).min(MR);
        let mut packed = vec![0.0; self.k * r];
        for i in 0..r {
            for (kk, v) in x[(r0 + i) * self.k..][..self.k].iter().enumerate() {
                packed[kk * r + i] = *v;
            }
        }
        packed
    }
}

/// Calls `$tile::<R>(args)` with `R` the tile height `$rows` (1..=MR) as a constant, so each height gets its own
/// fully unrolled kernel.
macro_rules! by_rows {
    ($tile:ident, $rows:expr, $($arg:expr),*) => {
        match $rows {
            1 => $tile::<1>($($arg),*),
            2 => $tile::<2>($($arg),*),
            3 => $tile::<3>($($arg),*),
            4 => $tile::<4>($($arg),*),
            5 => $tile::<5>($($arg),*),
            _ => $tile::<MR>($($arg),*),
        }
    };
}

/// Picks the tile height's kernel (`xt.len() / k` rows) for the instruction set.
fn run_tile(isa: Isa, xt: &[f32], panel: &[f32], bias: &[f32; NR]) -> [[f32; NR]; MR] {
    let k = panel.len() / NR;
    match isa {
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2Fma => {
            // SAFETY: `Isa::Avx2Fma` is only produced by `Isa::detect` after checking for AVX2 and FMA.
            unsafe { avx2::tile_dispatch(xt.len() / k, xt, panel, bias) }
        }
        _ => by_rows!(tile, xt.len() / k, xt, panel, bias),
    }
}

/// `R` rows × `NR` columns: `acc[r][j] = bias[j] + Σ_k xt[k][r] · panel[k][j]` (portable version).
fn tile<const R: usize>(xt: &[f32], panel: &[f32], bias: &[f32; NR]) -> [[f32; NR]; MR] {
    let mut out = [[0.0; NR]; MR];
    out[..R].fill(*bias);
    for (x, w) in xt.as_chunks::<R>().0.iter().zip(panel.as_chunks::<NR>().0) {
        for (acc, x) in out.iter_mut().zip(x) {
            for (a, w) in acc.iter_mut().zip(w) {
                *a += x * w;
            }
        }
    }
    out
}

/// The AVX2 + FMA micro-kernel: each row's 16 accumulators live in two 256-bit registers for the whole `k` loop.
#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::{MR, NR};
    use std::arch::x86_64::{
        __m256, _mm256_fmadd_ps, _mm256_loadu_ps, _mm256_set1_ps, _mm256_storeu_ps,
    };

    #[target_feature(enable = "avx2,fma")]
    pub(super) fn tile_dispatch(
        rows: usize,
        xt: &[f32],
        panel: &[f32],
        bias: &[f32; NR],
    ) -> [[f32; NR]; MR] {
        by_rows!(tile, rows, xt, panel, bias)
    }

    #[target_feature(enable = "avx2,fma")]
    fn load(v: &[f32; NR]) -> [__m256; 2] {
        // SAFETY: `v` holds 16 floats; unaligned loads of 8 at offsets 0 and 8 stay inside it.
        unsafe {
            [
                _mm256_loadu_ps(v.as_ptr()),
                _mm256_loadu_ps(v.as_ptr().add(8)),
            ]
        }
    }

    #[target_feature(enable = "avx2,fma")]
    fn tile<const R: usize>(xt: &[f32], panel: &[f32], bias: &[f32; NR]) -> [[f32; NR]; MR] {
        let mut acc = [load(bias); R];
        for (x, w) in xt.as_chunks::<R>().0.iter().zip(panel.as_chunks::<NR>().0) {
            let w = load(w);
            for r in 0..R {
                let a = _mm256_set1_ps(x[r]);
                acc[r][0] = _mm256_fmadd_ps(a, w[0], acc[r][0]);
                acc[r][1] = _mm256_fmadd_ps(a, w[1], acc[r][1]);
            }
        }
        let mut out = [[0.0; NR]; MR];
        for (o, a) in out.iter_mut().zip(&acc) {
            // SAFETY: `o` holds 16 floats; the two unaligned stores of 8 stay inside it.
            unsafe {
                _mm256_storeu_ps(o.as_mut_ptr(), a[0]);
                _mm256_storeu_ps(o.as_mut_ptr().add(8), a[1]);
            }
        }
        out
    }
}

/// Layer normalisation over rows of `weight.len()` values, in place: `x = LN(x + residual)` (`residual` may be
/// empty for a plain normalisation). Two-pass mean and variance, biased variance as in PyTorch.
pub(crate) fn add_layer_norm(
    x: &mut [f32],
    residual: &[f32],
    weight: &[f32],
    bias: &[f32],
    eps: f32,
) {
    let h = weight.len();
    if !residual.is_empty() {
        for (a, b) in x.iter_mut().zip(residual) {
            *a += b;
        }
    }
    for row in x.chunks_exact_mut(h) {
        let mean = row.iter().sum::<f32>() / h as f32;
        let var = row.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / h as f32;
        let inv = 1.0 / (var + eps).sqrt();
        for ((v, w), b) in row.iter_mut().zip(weight).zip(bias) {
            *v = (*v - mean) * inv * w + b;
        }
    }
}

/// The activation BERT checkpoints name in `hidden_act`, applied in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activation {
    /// `x · Φ(x)` with the exact error function (`"gelu"`).
    GeluErf,
    /// The tanh approximation (`"gelu_approximate"`/`"gelu_new"`).
    GeluTanh,
    /// `max(x, 0)`.
    Relu,
}

impl Activation {
    /// Applies the activation to every value.
    pub fn apply(self, x: &mut [f32]) {
        match self {
            Activation::GeluErf => x.iter_mut().for_each(|v| {
                *v = 0.5 * *v * (1.0 + libm::erff(*v * std::f32::consts::FRAC_1_SQRT_2))
            }),
            Activation::GeluTanh => x.iter_mut().for_each(|v| {
                let c = (2.0 / std::f32::consts::PI).sqrt();
                *v = 0.5 * *v * (1.0 + (c * (*v + 0.044715 * *v * *v * *v)).tanh());
            }),
            Activation::Relu => x.iter_mut().for_each(|v| *v = v.max(0.0)),
        }
    }
}

/// Shape of one attention call: `seqs` sequences of `len` tokens, `heads` heads of `head_dim` values.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AttentionShape {
    pub(crate) seqs: usize,
    pub(crate) len: usize,
    pub(crate) heads: usize,
    pub(crate) head_dim: usize,
}

/// Scaled dot-product attention per sequence and head. `qkv` is `[seqs·len, 3·hidden]` (query, key and value side
/// by side, as [`Dense::concat`] produces them); keys where `mask` is 0 get no weight. Writes `[seqs·len, hidden]`.
pub(crate) fn attention(shape: AttentionShape, qkv: &[f32], mask: &[u32], out: &mut Vec<f32>) {
    let AttentionShape {
        seqs,
        len,
        heads,
        head_dim,
    } = shape;
    let hidden = heads * head_dim;
    out.clear();
    out.resize(seqs * len * hidden, 0.0);
    let scale = 1.0 / (head_dim as f32).sqrt();
    let mut scores = vec![0.0f32; len];
    for s in 0..seqs {
        let seq = &qkv[s * len * 3 * hidden..][..len * 3 * hidden];
        let keep = &mask[s * len..][..len];
        for h in 0..heads {
            for i in 0..len {
                let q = &seq[i * 3 * hidden + h * head_dim..][..head_dim];
                let mut max = f32::NEG_INFINITY;
                for (j, sc) in scores.iter_mut().enumerate() {
                    *sc = if keep[j] == 0 {
                        f32::NEG_INFINITY
                    } else {
                        let k = &seq[j * 3 * hidden + hidden + h * head_dim..][..head_dim];
                        q.iter().zip(k).map(|(a, b)| a * b).sum::<f32>() * scale
                    };
                    max = max.max(*sc);
                }
                let mut total = 0.0;
                for sc in scores.iter_mut() {
                    *sc = if *sc == f32::NEG_INFINITY {
                        0.0
                    } else {
                        (*sc - max).exp()
                    };
                    total += *sc;
                }
                let o = &mut out[(s * len + i) * hidden + h * head_dim..][..head_dim];
                for (j, p) in scores.iter().enumerate().filter(|(_, p)| **p > 0.0) {
                    let v = &seq[j * 3 * hidden + 2 * hidden + h * head_dim..][..head_dim];
                    for (o, v) in o.iter_mut().zip(v) {
                        *o += p / total * v;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(x: &[f32], w: &[f32], b: &[f32], n: usize, k: usize) -> Vec<f32> {
        let rows = x.len() / k;
        let mut y = vec![0.0; rows * n];
        for r in 0..rows {
            for j in 0..n {
                y[r * n + j] = b[j] + (0..k).map(|i| x[r * k + i] * w[j * k + i]).sum::<f32>();
            }
        }
        y
    }

    fn pseudo(len: usize, seed: u32) -> Vec<f32> {
        (0..len)
            .map(|i| {
                ((i as u32).wrapping_mul(2_654_435_761).wrapping_add(seed) % 1000) as f32 / 500.0
                    - 1.0
            })
            .collect()
    }

    #[test]
    fn dense_matches_the_naive_product_for_every_tile_height_and_ragged_width() {
        for (rows, n, k) in [
            (1, 16, 8),
            (5, 37, 19),
            (6, 32, 64),
            (13, 50, 33),
            (40, 70, 24),
        ] {
            let (x, w, b) = (pseudo(rows * k, 1), pseudo(n * k, 2), pseudo(n, 3));
            let want = naive(&x, &w, &b, n, k);
            for isa in [Isa::detect(), Isa::Baseline] {
                let mut got = Vec::new();
                Dense::new(&w, &b, n, k).forward(isa, &x, &mut got);
                assert_eq!(got.len(), want.len());
                for (g, e) in got.iter().zip(&want) {
                    assert!(
                        (g - e).abs() < 1e-4,
                        "{isa:?} rows {rows} n {n} k {k}: {g} vs {e}"
                    );
                }
            }
        }
    }

    #[test]
    fn concat_puts_outputs_side_by_side() {
        let (wa, ba, wb, bb) = (
            pseudo(3 * 4, 1),
            pseudo(3, 2),
            pseudo(5 * 4, 3),
            pseudo(5, 4),
        );
        let x = pseudo(2 * 4, 5);
        let mut fused = Vec::new();
        Dense::concat(&[(&wa, &ba, 3), (&wb, &bb, 5)], 4).forward(Isa::detect(), &x, &mut fused);
        let (a, b) = (naive(&x, &wa, &ba, 3, 4), naive(&x, &wb, &bb, 5, 4));
        for r in 0..2 {
            let want: Vec<f32> = a[r * 3..][..3]
                .iter()
                .chain(&b[r * 5..][..5])
                .copied()
                .collect();
            for (g, e) in fused[r * 8..][..8].iter().zip(&want) {
                assert!((g - e).abs() < 1e-5);
            }
        }
    }

    #[test]
    fn layer_norm_centres_and_scales_each_row() {
        let mut x = vec![1.0, 2.0, 3.0, 4.0, 10.0, 10.0, 10.0, 10.0];
        add_layer_norm(&mut x, &[], &[1.0; 4], &[0.5; 4], 1e-12);
        let row: Vec<f32> = x[..4].iter().map(|v| v - 0.5).collect();
        assert!(row.iter().sum::<f32>().abs() < 1e-5);
        assert!((row.iter().map(|v| v * v).sum::<f32>() / 4.0 - 1.0).abs() < 1e-4);
        assert_eq!(&x[4..], &[0.5; 4], "a constant row normalises to the bias");
    }

    #[test]
    fn gelu_matches_known_values() {
        let mut x = vec![-3.0, -1.0, 0.0, 1.0, 3.0];
        Activation::GeluErf.apply(&mut x);
        for (g, e) in x
            .iter()
            .zip([-0.004_049_7, -0.158_655_3, 0.0, 0.841_344_7, 2.995_950_3])
        {
            assert!((g - e).abs() < 1e-6, "{g} vs {e}");
        }
    }

    #[test]
    fn attention_ignores_masked_keys_and_averages_values() {
        // One sequence of 3 tokens, 1 head of width 2; the third token is padding.
        let shape = AttentionShape {
            seqs: 1,
            len: 3,
            heads: 1,
            head_dim: 2,
        };
        // q, k, v per token; identical keys → uniform weights over the two real tokens.
        let qkv = [
            1.0, 0.0, 1.0, 1.0, 2.0, 4.0, //
            0.0, 1.0, 1.0, 1.0, 4.0, 8.0, //
            5.0, 5.0, 9.0, 9.0, 100.0, 100.0,
        ];
        let mut out = Vec::new();
        attention(shape, &qkv, &[1, 1, 0], &mut out);
        for row in out.chunks(2) {
            assert_eq!(row, [3.0, 6.0]);
        }
    }
}
