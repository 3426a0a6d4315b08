//! Small HTML pages (no external fonts or scripts). Every piece of user or upstream text goes through
//! [`escape`] before it reaches a page.

/// HTML-escapes text for element content and double-quoted attributes.
pub fn escape(text: &str) -> String {
    html_escape::encode_double_quoted_attribute(text).into_owned()
}

/// A complete page around already-escaped `body_html`.
pub fn page(title: &str, body_html: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title>\
         <style>body{{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto}}</style></head>\
         <body>{}</body></html>\n",
        escape(title),
        body_html
    )
}

/// An error page: the status line and the message, escaped.
pub fn error_page(status: u16, message: &str) -> String {
    page(
        &format!("Error {status}"),
        &format!("<h1>Error {status}</h1><p>{}</p>", escape(message)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape("<b>\"x\" & 'y'</b>"),
            "&lt;b&gt;&quot;x&quot; &amp; 'y'&lt;/b&gt;"
        );
        assert!(error_page(400, "<script>").contains("&lt;script&gt;"));
    }
}
