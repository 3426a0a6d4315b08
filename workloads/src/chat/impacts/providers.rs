//! LLM providers EcoLogits 0.11.3 knows, and each one's data-centre configuration (location, PUE, WUE).
//!
//! Source: EcoLogits 0.11.3 provider configuration (MPL-2.0), as listed in `/work/shared/reference/methodology.md`
//! B.4 and `workloads/tests/fixtures/ecologits_golden.json` → `provider_config`:
//!
//! | provider | location | PUE | WUE (L/kWh) |
//! |---|---|---|---|
//! | openai | USA | 1.20 | 0.569 |
//! | anthropic | USA | 1.09–1.14 | 0.13–0.999 |
//! | mistralai | SWE | 1.16 | 0.09 |
//! | huggingface_hub | USA | 1.09–1.14 | 0.13–0.99 |
//! | cohere | USA | 1.09 | 0.999 |
//! | google_genai | USA | 1.09 | 0.999 |
//!
//! `google` is accepted on input as another name for `google_genai` (EcoLogits' older provider name).

use super::range::Range;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A provider of hosted LLMs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Provider {
    /// Anthropic.
    Anthropic,
    /// Cohere.
    Cohere,
    /// Google Gemini API (`google_genai`).
    GoogleGenai,
    /// Hugging Face Inference (`huggingface_hub`).
    HuggingfaceHub,
    /// Mistral AI.
    Mistralai,
    /// OpenAI.
    Openai,
}

/// Where a provider's requests run and how efficient the data centre is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Datacenter {
    /// Electricity-mix zone used when the caller names none.
    pub location: &'static str,
    /// Power usage effectiveness.
    pub pue: Range,
    /// On-site water usage effectiveness, L/kWh.
    pub wue_l_per_kwh: Range,
}

impl Provider {
    /// Every provider, in name order.
    pub const ALL: [Provider; 6] = [
        Provider::Anthropic,
        Provider::Cohere,
        Provider::GoogleGenai,
        Provider::HuggingfaceHub,
        Provider::Mistralai,
        Provider::Openai,
    ];

    /// EcoLogits' name for the provider.
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Anthropic => "anthropic",
            Provider::Cohere => "cohere",
            Provider::GoogleGenai => "google_genai",
            Provider::HuggingfaceHub => "huggingface_hub",
            Provider::Mistralai => "mistralai",
            Provider::Openai => "openai",
        }
    }

    /// The provider with this name (`google` is accepted for `google_genai`).
    pub fn from_name(name: &str) -> Option<Provider> {
        if name == "google" {
            return Some(Provider::GoogleGenai);
        }
        Provider::ALL.into_iter().find(|p| p.as_str() == name)
    }

    /// The provider's data-centre configuration.
    pub fn datacenter(self) -> Datacenter {
        let (location, pue, wue) = match self {
            Provider::Openai => ("USA", Range::point(1.2), Range::point(0.569)),
            Provider::Anthropic => ("USA", Range::new(1.09, 1.14), Range::new(0.13, 0.999)),
            Provider::Mistralai => ("SWE", Range::point(1.16), Range::point(0.09)),
            Provider::HuggingfaceHub => ("USA", Range::new(1.09, 1.14), Range::new(0.13, 0.99)),
            Provider::Cohere => ("USA", Range::point(1.09), Range::point(0.999)),
            Provider::GoogleGenai => ("USA", Range::point(1.09), Range::point(0.999)),
        };
        Datacenter {
            location,
            pue,
            wue_l_per_kwh: wue,
        }
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for p in Provider::ALL {
            assert_eq!(Provider::from_name(p.as_str()), Some(p));
        }
        assert_eq!(Provider::from_name("google"), Some(Provider::GoogleGenai));
        assert_eq!(Provider::from_name("OpenAI"), None);
    }
}
