//! A `VarBuilder` backend that creates missing parameters from a seeded ChaCha8 generator.
//!
//! Why: candle's CPU device ignores `Device::set_seed` and draws initial weights from the thread RNG, so a `VarMap`
//! built the usual way differs on every run. Training must be reproducible from a seed, so every parameter is drawn
//! here, in construction order, from one seeded stream. Created parameters are kept as trainable [`Var`]s.

use candle_core::{DType, Device, Result, Shape, Tensor, Var};
use candle_nn::init::NormalOrUniform;
use candle_nn::var_builder::SimpleBackend;
use candle_nn::{Init, VarMap};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::sync::Mutex;

/// Seeded parameter store: hand it to `VarBuilder::from_backend`, keep a clone of [`SeededInit::vars`].
pub(crate) struct SeededInit {
    vars: VarMap,
    rng: Mutex<ChaCha8Rng>,
}

impl std::fmt::Debug for SeededInit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SeededInit").finish_non_exhaustive()
    }
}

impl SeededInit {
    pub(crate) fn new(seed: u64) -> SeededInit {
        SeededInit {
            vars: VarMap::new(),
            rng: Mutex::new(ChaCha8Rng::seed_from_u64(seed)),
        }
    }

    /// The store of created parameters (shares its storage with this backend).
    pub(crate) fn vars(&self) -> VarMap {
        self.vars.clone()
    }
}

fn normal(rng: &mut ChaCha8Rng, mean: f64, std: f64) -> f32 {
    // Box–Muller: two uniforms in (0, 1] give one standard normal.
    let u1: f64 = 1.0 - rng.random::<f64>();
    let u2: f64 = rng.random::<f64>();
    (mean + std * (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()) as f32
}

fn draw(rng: &mut ChaCha8Rng, shape: &Shape, init: Init) -> Vec<f32> {
    let n = shape.elem_count();
    let uniform =
        |rng: &mut ChaCha8Rng, lo: f64, up: f64| (lo + (up - lo) * rng.random::<f64>()) as f32;
    match init {
        Init::Const(v) => vec![v as f32; n],
        Init::Randn { mean, stdev } => (0..n).map(|_| normal(rng, mean, stdev)).collect(),
        Init::Uniform { lo, up } => (0..n).map(|_| uniform(rng, lo, up)).collect(),
        Init::Kaiming {
            dist,
            fan,
            non_linearity,
        } => {
            let std = non_linearity.gain() / (fan.for_shape(shape) as f64).sqrt();
            match dist {
                NormalOrUniform::Normal => (0..n).map(|_| normal(rng, 0.0, std)).collect(),
                NormalOrUniform::Uniform => {
                    let bound = 3f64.sqrt() * std;
                    (0..n).map(|_| uniform(rng, -bound, bound)).collect()
                }
            }
        }
    }
}

impl SimpleBackend for SeededInit {
    fn get(&self, s: Shape, name: &str, h: Init, dtype: DType, dev: &Device) -> Result<Tensor> {
        let mut data = self
            .vars
            .data()
            .lock()
            .map_err(|_| candle_core::Error::Msg("poisoned lock".into()))?;
        if let Some(v) = data.get(name) {
            if v.shape() != &s {
                candle_core::bail!("shape mismatch on {name}: {s:?} <> {:?}", v.shape());
            }
            return Ok(v.as_tensor().clone());
        }
        let values = {
            let mut rng = self
                .rng
                .lock()
                .map_err(|_| candle_core::Error::Msg("poisoned lock".into()))?;
            draw(&mut rng, &s, h)
        };
        let var = Var::from_tensor(&Tensor::from_vec(values, s, dev)?.to_dtype(dtype)?)?;
        let t = var.as_tensor().clone();
        data.insert(name.to_string(), var);
        Ok(t)
    }

    fn get_unchecked(&self, name: &str, _dtype: DType, _dev: &Device) -> Result<Tensor> {
        candle_core::bail!("the seeded initialiser needs a shape for {name}")
    }

    fn contains_tensor(&self, name: &str) -> bool {
        self.vars
            .data()
            .lock()
            .map(|d| d.contains_key(name))
            .unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_nn::VarBuilder;

    fn build(seed: u64) -> Vec<f32> {
        let init = SeededInit::new(seed);
        let vb = VarBuilder::from_backend(Box::new(init), DType::F32, Device::Cpu);
        let t = vb
            .get_with_hints(
                (4, 8),
                "w",
                Init::Randn {
                    mean: 0.0,
                    stdev: 1.0,
                },
            )
            .expect("creates");
        t.flatten_all().and_then(|t| t.to_vec1()).expect("reads")
    }

    #[test]
    fn same_seed_same_weights_other_seed_other_weights() {
        assert_eq!(build(7), build(7));
        assert_ne!(build(7), build(8));
        let v = build(7);
        let mean = v.iter().sum::<f32>() / v.len() as f32;
        assert!(
            mean.abs() < 0.6 && v.iter().any(|x| *x < 0.0),
            "not a centred normal: {v:?}"
        );
    }
}
