//! Reading an upstream answer with a size cap. The Electricity Maps client and the LLM client read at most
//! [`MAX_UPSTREAM_BODY_BYTES`] of a body: a longer one (announced by `Content-Length` or found while streaming) is
//! dropped after the cap, so one hostile or broken upstream cannot raise the app's memory by the size of its answer
//! (a 300 MB answer used to raise the app's peak RSS to 326 MB and 628 MB, issue #15). The app answers such a
//! request with a 502 "upstream answer too large".

/// The largest upstream body read (1 MiB): a real Electricity Maps answer is under 1 KB, a chat completion a few KB.
pub const MAX_UPSTREAM_BODY_BYTES: usize = 1 << 20;

/// Why a capped read failed.
#[derive(Debug)]
pub enum BodyError {
    /// The body is longer than the cap (the rest is not read).
    TooLarge {
        /// The cap, in bytes.
        limit: usize,
    },
    /// The transport failed while reading.
    Transport(reqwest::Error),
}

impl std::fmt::Display for BodyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BodyError::TooLarge { limit } => write!(
                f,
                "upstream answer too large (more than {} KiB)",
                limit / 1024
            ),
            BodyError::Transport(e) => write!(f, "reading the answer failed: {e}"),
        }
    }
}

/// The whole body of `response` when it is at most `limit` bytes long.
pub async fn read_body(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<Vec<u8>, BodyError> {
    if response.content_length().is_some_and(|n| n > limit as u64) {
        return Err(BodyError::TooLarge { limit });
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(BodyError::Transport)? {
        if body.len() + chunk.len() > limit {
            return Err(BodyError::TooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}
