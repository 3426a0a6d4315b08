//! `predict` in-process: the `tiny` classifier shipped in the workloads binary, loaded once and shared by every
//! worker; one op classifies the workshop's example sentence. The forward pass is CPU-bound and runs on the worker
//! thread, as `spin` does. A model error is a failed op of kind `predict`.

use super::{OpError, OpFuture, SAMPLE_TEXT, Workload};
use workloads::predict::Classifier as _;
use workloads::predict::tiny::TinyClassifier;

/// The predict workload with its loaded model.
#[derive(Debug)]
pub struct Predict {
    classifier: TinyClassifier,
}

impl Predict {
    /// Load the embedded `tiny` model (no file or network access).
    pub fn start() -> anyhow::Result<Self> {
        Ok(Self {
            classifier: TinyClassifier::embedded()?,
        })
    }
}

impl Workload for Predict {
    fn name(&self) -> &str {
        "predict"
    }

    fn op(&self) -> OpFuture<'_> {
        Box::pin(async move {
            let p = self
                .classifier
                .classify(SAMPLE_TEXT)
                .map_err(|e| OpError::new("predict", e.to_string()))?;
            std::hint::black_box(p);
            Ok(())
        })
    }
}
