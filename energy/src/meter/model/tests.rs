use super::*;

#[test]
fn rss_from_statm_is_resident_pages_times_the_page_size() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("statm");
    fs::write(&path, "5000 1234 300 10 0 2000 0\n").expect("fixture");
    assert_eq!(
        rss_bytes(&mut ProcFile::new(path.clone())).expect("rss"),
        1234 * page_size()
    );
    fs::write(&path, "5000\n").expect("fixture");
    let err = rss_bytes(&mut ProcFile::new(path.clone())).expect_err("malformed");
    assert!(err.to_string().contains("statm"), "{err}");
}

#[test]
fn process_mode_rereads_the_resident_set_once_a_refresh_interval() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("meminfo"), "MemTotal: 8388608 kB\n").expect("meminfo");
    fs::write(dir.path().join("cpuinfo"), "processor\t: 0\n").expect("cpuinfo");
    fs::create_dir(dir.path().join("self")).expect("self");
    let statm = dir.path().join("self").join("statm");
    let pages = |gib: u64| format!("1 {} 0 0 0 0 0\n", (gib << 30) / page_size());
    fs::write(&statm, pages(1)).expect("statm");
    let clock = clock::ManualClock::new();
    let config = ModelConfig {
        proc_root: dir.path().into(),
        mode: TrackingMode::Process(ProcessRef::Current),
        ..ModelConfig::default()
    };
    let mut m = ModelMeter::open_with_clock(config, Arc::new(clock.clone())).expect("open");
    let ram = |r: &Reading| r.energy[&Component::RamModel].0;
    m.start().expect("start");
    clock.advance(Seconds(0.5));
    // 1 GiB resident: two DIMMs' worth (the floor), 10 W.
    assert!((ram(&m.read().expect("read")) - 5.0).abs() < 1e-9);
    // 40 GiB resident (four DIMMs, 20 W), but the 1 GiB reading is 0.9 s old: still 10 W.
    fs::write(&statm, pages(40)).expect("statm");
    clock.advance(Seconds(0.9));
    assert!((ram(&m.read().expect("read")) - 14.0).abs() < 1e-9);
    // 1.0 s old: re-read, 20 W for this interval.
    clock.advance(Seconds(0.1));
    assert!((ram(&m.read().expect("read")) - 16.0).abs() < 1e-9);
    // A new window re-reads at its first read whatever the age.
    fs::write(&statm, pages(1)).expect("statm");
    m.start().expect("start");
    clock.advance(Seconds(0.5));
    assert!((ram(&m.read().expect("read")) - 5.0).abs() < 1e-9);
}

#[test]
fn a_sample_integrates_like_a_read_without_building_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("meminfo"), "MemTotal: 8388608 kB\n").expect("meminfo");
    fs::write(
        dir.path().join("cpuinfo"),
        "processor\t: 0\nprocessor\t: 1\n",
    )
    .expect("cpuinfo");
    let stat = dir.path().join("stat");
    fs::write(&stat, "cpu  0 0 0 0 0 0 0 0\n").expect("stat");
    let clock = clock::ManualClock::new();
    let open = || {
        let config = ModelConfig {
            proc_root: dir.path().into(),
            ..ModelConfig::default()
        };
        let mut m = ModelMeter::open_with_clock(config, Arc::new(clock.clone())).expect("open");
        m.start().expect("start");
        m
    };
    let (mut sampled, mut read, mut once) = (open(), open(), open());
    assert!(matches!(
        ModelMeter::open(ModelConfig {
            proc_root: dir.path().into(),
            ..ModelConfig::default()
        })
        .expect("open")
        .sample(),
        Err(MeterError::NotStarted(Source::Model))
    ));
    // 1 s fully busy, then 1 s idle: the cubic curve makes per-interval integration differ from one read at
    // the end, so a sample that did not integrate would show.
    fs::write(&stat, "cpu  200 0 0 0 0 0 0 0\n").expect("stat");
    clock.advance(Seconds(1.0));
    sampled.sample().expect("sample");
    read.read().expect("read");
    fs::write(&stat, "cpu  200 0 0 200 0 0 0 0\n").expect("stat");
    clock.advance(Seconds(1.0));
    let (a, b, c) = (
        sampled.read().expect("read"),
        read.read().expect("read"),
        once.read().expect("read"),
    );
    assert_eq!(a, b);
    let cpu = |r: &Reading| r.energy[&Component::CpuModel].0;
    assert!(cpu(&a) > cpu(&c) * 1.5, "{a:?} vs one read {c:?}");
}

#[test]
fn rss_from_statm_agrees_with_vm_rss_on_the_real_procfs() {
    let from_status = || {
        let text = fs::read_to_string("/proc/self/status").expect("status");
        kb_field(&text, "VmRSS:").expect("VmRSS") * 1024
    };
    let before = from_status();
    let statm = rss_bytes(&mut ProcFile::new(PathBuf::from("/proc/self/statm"))).expect("rss");
    let after = from_status();
    let (lo, hi) = (before.min(after), before.max(after));
    // The test harness's other threads may allocate between the reads: allow 1 MiB of drift.
    assert!(
        statm + (1 << 20) >= lo && statm <= hi + (1 << 20),
        "statm {statm} B vs VmRSS {before}..{after} B"
    );
}
