use super::*;

#[test]
fn labels_are_validated() {
    assert_eq!(
        parse_label("runner=ci-3").expect("ok"),
        ("runner".into(), "ci-3".into())
    );
    assert!(parse_label("runner").is_err());
    assert!(parse_label("9x=1").is_err());
    assert!(parse_label("__x=1").is_err());
    assert!(parse_label("workload=a").is_err());
    assert!(parse_label("a-b=1").is_err());
}

#[test]
fn redaction_hides_user_info() {
    let u = Url::parse("http://alice:s3cret@127.0.0.1:9091/x").expect("url");
    let shown = redact(&u);
    assert!(
        !shown.contains("s3cret") && !shown.contains("alice"),
        "{shown}"
    );
    assert_eq!(
        redact_str("http://alice:s3cret@bad host"),
        "http://<redacted>@bad host"
    );
}

#[test]
fn credentials_debug_and_scrub_hide_secrets() {
    let c = Credentials {
        username: "alice".into(),
        password: "s3cret-pw".into(),
    };
    assert!(!format!("{c:?}").contains("s3cret"));
    assert_eq!(
        c.scrub("bad s3cret-pw for alice"),
        "bad <redacted> for <redacted>"
    );
}
