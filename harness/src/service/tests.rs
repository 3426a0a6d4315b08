//! Lifecycle tests against real processes on 127.0.0.1: python3's `http.server` as the service.

use super::*;

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

fn plan(start: &str, port: u16, timeout: Duration) -> ServicePlan {
    ServicePlan {
        start: start.to_string(),
        stop: None,
        health: reqwest::Url::parse(&format!("http://127.0.0.1:{port}/")).expect("url"),
        health_timeout: timeout,
        log: None,
    }
}

fn http_server(port: u16) -> String {
    // Through a shell that does not exec it (`cd` first): the server is a child of the started process.
    format!("cd . && python3 -m http.server {port} --bind 127.0.0.1")
}

fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| !s.contains(") Z "))
        .unwrap_or(false)
}

fn comm(pid: u32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .unwrap_or_default()
        .trim()
        .to_string()
}

#[test]
fn starts_waits_for_health_charges_the_server_and_stops_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let service = plan(&http_server(port), port, Duration::from_secs(20))
        .start(dir.path())
        .expect("healthy");
    let pid = service.server_pid();
    assert!(
        comm(pid).starts_with("python"),
        "server pid {pid} is `{}`, not the python server under the shell",
        comm(pid)
    );
    let answer = reqwest::blocking::get(format!("http://127.0.0.1:{port}/")).expect("get");
    assert!(answer.status().is_success());
    service.stop().expect("stopped");
    assert!(!alive(pid), "the server {pid} outlived stop()");
}

#[test]
fn a_command_that_exits_first_is_named_with_its_output() {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let err = plan(
        "echo 'Address already in use' >&2; exit 3",
        port,
        Duration::from_secs(20),
    )
    .start(dir.path())
    .expect_err("exited");
    let text = err.to_string();
    assert!(text.contains("exited (exit status: 3)"), "{text}");
    assert!(text.contains("Address already in use"), "{text}");
    assert!(text.contains("foreground"), "{text}");
}

#[test]
fn no_answer_within_the_timeout_is_an_error_and_the_service_is_killed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let marker = dir.path().join("pid");
    let start = format!(
        "echo $$ > {}; echo listening nowhere; exec sleep 60",
        marker.display()
    );
    let err = plan(&start, port, Duration::from_millis(500))
        .start(dir.path())
        .expect_err("unhealthy");
    let text = err.to_string();
    assert!(
        text.contains(&format!(
            "--health-url http://127.0.0.1:{port}/: no 2xx answer within 500ms"
        )),
        "{text}"
    );
    assert!(text.contains("--health-timeout"), "{text}");
    assert!(text.contains("listening nowhere"), "{text}");
    let pid: u32 = std::fs::read_to_string(&marker)
        .expect("pid")
        .trim()
        .parse()
        .expect("number");
    assert!(!alive(pid), "the unhealthy service {pid} was left running");
}

#[test]
fn a_stop_command_gets_the_server_pid_and_a_failing_one_is_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let mut p = plan(&http_server(port), port, Duration::from_secs(20));
    p.stop = Some("kill $SERVICE_PID && echo stopped > stop.log".to_string());
    let service = p.start(dir.path()).expect("healthy");
    let pid = service.server_pid();
    service.stop().expect("stop command");
    assert!(!alive(pid));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("stop.log")).expect("stop ran in the dir"),
        "stopped\n"
    );

    let port = free_port();
    let mut p = plan(&http_server(port), port, Duration::from_secs(20));
    p.stop = Some("exit 4".to_string());
    let service = p.start(dir.path()).expect("healthy");
    let pid = service.server_pid();
    let err = service.stop().expect_err("failing stop");
    assert!(
        err.to_string().starts_with("--stop `exit 4`: exited"),
        "{err}"
    );
    assert!(!alive(pid), "killed anyway");
}

#[test]
fn dropping_a_running_service_stops_it_and_the_log_is_kept_where_asked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let mut p = plan(&http_server(port), port, Duration::from_secs(20));
    let log = dir.path().join("service.log");
    p.log = Some(log.clone());
    let service = p.start(dir.path()).expect("healthy");
    let pid = service.server_pid();
    reqwest::blocking::get(format!("http://127.0.0.1:{port}/logged")).expect("get");
    drop(service);
    assert!(!alive(pid));
    let text = std::fs::read_to_string(&log).expect("log");
    assert!(text.contains("GET /logged"), "{text}");
}
