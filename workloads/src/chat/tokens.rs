//! Deterministic token counting for the mock LLM (an approximation of a BPE tokenizer, not a real one).
//!
//! A text's tokens: every whitespace-separated word counts `ceil(chars / 4)` tokens (OpenAI's rule of thumb of about
//! four characters per token). A chat prompt adds OpenAI's framing: 3 tokens per message plus its role's tokens, and
//! 3 tokens priming the reply (the `num_tokens_from_messages` recipe of the OpenAI cookbook).
//!
//! Generated text is made of words of at most four characters, so a completion of `n` words counts exactly `n`
//! tokens under the same rule.

use super::openai::ChatMessage;

/// Tokens framing each message.
pub const TOKENS_PER_MESSAGE: u64 = 3;
/// Tokens priming the assistant's reply.
pub const REPLY_PRIMING_TOKENS: u64 = 3;

/// Words the mock's answers are made of (each at most four characters, so one token each).
const VOCABULARY: [&str; 16] = [
    "the", "grid", "is", "low", "on", "wind", "and", "sun", "now", "so", "we", "run", "jobs", "at",
    "noon", "ok",
];

/// Tokens of one text.
pub fn count_text(text: &str) -> u64 {
    text.split_whitespace()
        .map(|w| (w.chars().count() as u64).div_ceil(4))
        .sum()
}

/// Tokens of a chat prompt.
pub fn count_prompt(messages: &[ChatMessage]) -> u64 {
    let framed: u64 = messages
        .iter()
        .map(|m| TOKENS_PER_MESSAGE + count_text(&m.role) + count_text(&m.content))
        .sum();
    framed + REPLY_PRIMING_TOKENS
}

/// A reply of exactly `tokens` tokens, starting at vocabulary word `offset`.
pub fn reply_text(tokens: u64, offset: u64) -> String {
    let words = (0..tokens).map(|i| VOCABULARY[((offset + i) % VOCABULARY.len() as u64) as usize]);
    words.collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(role: &str, content: &str) -> ChatMessage {
        ChatMessage {
            role: role.into(),
            content: content.into(),
        }
    }

    #[test]
    fn words_count_one_token_per_four_characters() {
        assert_eq!(count_text(""), 0);
        assert_eq!(count_text("hi"), 1);
        assert_eq!(count_text("four five"), 2);
        assert_eq!(count_text("electricity  is\tcheap"), 3 + 1 + 2);
        assert_eq!(count_text("évé"), 1, "characters, not bytes");
    }

    #[test]
    fn prompt_adds_framing() {
        assert_eq!(count_prompt(&[msg("user", "hello there")]), 3 + 1 + 4 + 3);
        let two = [msg("system", "be brief"), msg("user", "hi")];
        assert_eq!(
            count_prompt(&two),
            (3 + 2 + 3) + (3 + 1 + 1) + 3,
            "system=2, be=1, brief=2"
        );
    }

    #[test]
    fn replies_have_exactly_the_requested_tokens() {
        for n in [0, 1, 7, 16, 50, 333] {
            assert_eq!(count_text(&reply_text(n, n * 7)), n);
        }
    }
}
