//! The `/chat` HTML page: a message box, and after a submit the LLM's answer with its impact ranges.
//!
//! Rendered on the server (no JavaScript): `GET /chat` shows the form, `GET /chat?text=…` also shows the answer or the
//! error. Everything that came from the user or the LLM is HTML-escaped.

use super::emissions::{ChatEmissions, ChatServiceError};
use super::impacts::Range;
use html_escape::{encode_double_quoted_attribute, encode_text};

fn range(r: Range, unit: &str) -> String {
    format!("{:.3e} – {:.3e} {unit}", r.min, r.max)
}

fn answer(e: &ChatEmissions) -> String {
    let i = &e.impacts.impacts;
    let rows = [
        ("Energy", range(i.energy_kwh, "kWh")),
        ("Global warming (GWP)", range(i.gwp_kgco2eq, "kgCO2eq")),
        ("Abiotic resources (ADPe)", range(i.adpe_kgsbeq, "kgSbeq")),
        ("Primary energy (PE)", range(i.pe_mj, "MJ")),
        ("Water (WCF)", range(i.wcf_l, "L")),
    ];
    let mut html = format!(
        "<h2>Answer</h2>\n<p class=\"answer\">{}</p>\n<p>{} · {} prompt + {} completion tokens · {:.3} s</p>\n",
        encode_text(&e.chat_response),
        encode_text(&e.model),
        e.usage.prompt_tokens,
        e.usage.completion_tokens,
        e.latency_s
    );
    html.push_str("<h2>Estimated impacts (EcoLogits method, min – max)</h2>\n<table>\n");
    for (name, value) in rows {
        html.push_str(&format!("<tr><th>{name}</th><td>{value}</td></tr>\n"));
    }
    html.push_str("</table>\n");
    for w in &e.warnings {
        html.push_str(&format!(
            "<p class=\"warning\">warning: {}</p>\n",
            encode_text(w)
        ));
    }
    html
}

/// The whole page; `outcome` is None before the first submit.
pub fn render(
    text: Option<&str>,
    outcome: Option<&Result<ChatEmissions, ChatServiceError>>,
) -> String {
    let body = match outcome {
        None => String::new(),
        Some(Ok(e)) => answer(e),
        Some(Err(e)) => format!(
            "<p class=\"error\">Error: {}</p>\n",
            encode_text(&e.to_string())
        ),
    };
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Chat with impacts</title></head>\n<body>\n\
         <h1>Chat with impacts</h1>\n<form method=\"get\" action=\"/chat\">\n\
         <input name=\"text\" size=\"60\" value=\"{}\" placeholder=\"Ask the LLM something\">\n\
         <button type=\"submit\">Send</button>\n</form>\n{body}</body></html>\n",
        encode_double_quoted_attribute(text.unwrap_or(""))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_page_has_the_form() {
        let html = render(None, None);
        assert!(html.contains("<form method=\"get\" action=\"/chat\">"));
        assert!(!html.contains("Error"));
    }

    #[test]
    fn user_text_and_errors_are_escaped() {
        let err: Result<ChatEmissions, ChatServiceError> = Err(ChatServiceError::MissingText);
        let html = render(Some("\"><script>alert(1)</script>"), Some(&err));
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("&quot;&gt;&lt;script&gt;"), "{html}");
        assert!(html.contains("Error: missing query parameter"), "{html}");
    }
}
