//! Every TDP, load-curve, RAM and unit value of CodeCarbon 3.3.2's golden file (tests/golden/codecarbon.json),
//! reproduced by the model meter's functions; plus the model meter end to end over a fixture `/proc`.

use energy::clock::ManualClock;
use energy::codecarbon;
use energy::meter::model::{self, Arch, ModelConfig, ModelMeter, TrackingMode};
use energy::meter::tdp::{self, CpuInfo, Tdp};
use energy::meter::{Component, EnergyMeter, MeterChoice, MeterConfig, Source, select};
use energy::units::{Joules, KilowattHours, Seconds, Watts};
use serde_json::Value;
use std::fs;
use std::path::Path;
use std::sync::Arc;

fn golden() -> Value {
    serde_json::from_str(include_str!("golden/codecarbon.json")).expect("golden json")
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

/// Bit-exact, or within 2 ulp-ish for values CodeCarbon computes in a different order.
fn same(a: f64, b: f64) -> bool {
    a == b || (a - b).abs() <= 4.0 * f64::EPSILON * a.abs().max(b.abs())
}

#[test]
fn tdp_lookup_matches_every_golden_cpu() {
    let g = golden();
    let cases = g["cpu_tdp_lookup"].as_object().expect("object");
    assert!(!cases.is_empty());
    for (raw, want) in cases {
        let (matched, w) = tdp::lookup(raw).unwrap_or_else(|| panic!("{raw} not matched"));
        assert_eq!(matched, want["match"].as_str().expect("match"), "{raw}");
        assert_eq!(w, Watts(num(&want["tdp_W"])), "{raw}");
    }
    assert_eq!(tdp::table().len() as f64, num(&g["cpu_power_csv_rows"]));
}

#[test]
fn this_vm_cpu_is_unknown_and_gets_four_watts_per_thread() {
    // The golden emissions sample was produced on this VM: "AMD EPYC", 2 threads → 8 W (methodology A.5).
    assert_eq!(
        tdp::lookup("AMD EPYC"),
        None,
        "ambiguous token-set match must be refused"
    );
    let t = Tdp::resolve(&CpuInfo {
        model: Some("AMD EPYC".into()),
        threads: 2,
        sockets: 1,
    });
    assert_eq!(t.max_power(), Watts(8.0));
}

#[test]
fn machine_mode_load_curve() {
    let g = golden();
    for (key, tdp) in [("tdp85", 85.0), ("tdp240", 240.0)] {
        for (load, want) in g["cpu_load_machine_mode_W"][key]
            .as_object()
            .expect("object")
        {
            let load: f64 = load.parse().expect("load");
            let got = model::machine_power(Watts(tdp), load / 100.0).0;
            assert!(same(got, num(want)), "{key} load {load}: {got} vs {want}");
        }
    }
}

#[test]
fn process_and_constant_modes() {
    let g = golden();
    let p = model::process_power(Watts(85.0), Seconds(4.0), Seconds(2.0), 8);
    assert_eq!(
        p.0,
        num(&g["cpu_load_process_mode_W"]["example_tdp85_cpucount8_cpu_seconds4_wall2"])
    );
    assert_eq!(
        model::constant_power(Watts(85.0)).0,
        num(&g["cpu_constant_mode_W"]["tdp85"])
    );
}

#[test]
fn ram_rule_for_every_size() {
    let g = golden();
    for (gb, want) in g["ram_power_W_by_GB"].as_object().expect("object") {
        let gb: f64 = gb.parse().expect("GB");
        assert_eq!(
            f64::from(model::ram_dimms(gb)),
            num(&want["dimms"]),
            "{gb} GB dimms"
        );
        assert_eq!(
            model::ram_power(gb, Arch::X86).0,
            num(&want["x86_W"]),
            "{gb} GB x86"
        );
        assert_eq!(
            model::ram_power(gb, Arch::Arm).0,
            num(&want["arm_W"]),
            "{gb} GB arm"
        );
    }
}

#[test]
fn codecarbon_units() {
    let u = &golden()["units"];
    assert_eq!(
        codecarbon::kwh_from_ujoules(1e6).0,
        num(&u["Energy.from_ujoules(1e6)_kWh"])
    );
    assert_eq!(
        codecarbon::kwh_from_ujoules(3.6e12).0,
        num(&u["Energy.from_ujoules(3.6e12)_kWh"])
    );
    assert_eq!(
        codecarbon::kwh_from_millijoules(3.6e9).0,
        num(&u["Energy.from_millijoules(3.6e9)_kWh"])
    );
    let kwh = codecarbon::kwh_from_power_and_time(Watts(100.0), Seconds(15.0)).0;
    assert!(
        same(kwh, num(&u["Energy.from_power_and_time(100W,15s)_kWh"])),
        "{kwh}"
    );
    let w = codecarbon::power_from_energies_and_delay(
        KilowattHours(1e-4),
        KilowattHours(0.0),
        Seconds(3.6),
    );
    assert!(
        same(
            w.0,
            num(&u["Power.from_energies_and_delay(1e-4kWh over 3.6s)_W"])
        ),
        "{w:?}"
    );
    // Ours is exact: 1 kWh is 3.6e6 J.
    assert_eq!(Joules(3.6e6).to_kwh(), KilowattHours(1.0));
}

fn fake_proc(dir: &Path, model_name: &str, threads: u32, mem_kb: u64, stat: &str) {
    let mut cpuinfo = String::new();
    for i in 0..threads {
        cpuinfo.push_str(&format!(
            "processor\t: {i}\nmodel name\t: {model_name}\nphysical id\t: 0\n\n"
        ));
    }
    fs::write(dir.join("cpuinfo"), cpuinfo).expect("cpuinfo");
    fs::write(
        dir.join("meminfo"),
        format!("MemTotal:       {mem_kb} kB\n"),
    )
    .expect("meminfo");
    fs::write(dir.join("stat"), stat).expect("stat");
}

#[test]
fn model_meter_machine_mode_integrates_load_curve_and_ram() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Xeon Gold 6248 (150 W), 4 threads, 24 GiB → 20 W RAM.
    fake_proc(
        dir.path(),
        "Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz",
        4,
        24 * 1024 * 1024,
        "cpu  0 0 0 0 0 0 0 0 0 0\n",
    );
    let clock = ManualClock::new();
    let cfg = ModelConfig {
        proc_root: dir.path().into(),
        ..ModelConfig::default()
    };
    let mut m = ModelMeter::open_with_clock(cfg, Arc::new(clock.clone())).expect("open");
    assert_eq!(m.tdp().max_power(), Watts(150.0));
    m.start().expect("start");
    // 2 s at 50 % load: busy 400 ticks of 800.
    fs::write(dir.path().join("stat"), "cpu  300 0 100 400 0 0 0 0 0 0\n").expect("stat");
    clock.advance(Seconds(2.0));
    let r = m.read().expect("read");
    assert_eq!(r.source, Source::Model);
    assert!(
        same(
            r.get(Component::CpuModel).0,
            model::machine_power(Watts(150.0), 0.5).0 * 2.0
        ),
        "{r:?}"
    );
    assert_eq!(r.get(Component::RamModel), Joules(40.0));
    // 1 s idle: the 10 % floor.
    fs::write(dir.path().join("stat"), "cpu  300 0 100 800 0 0 0 0 0 0\n").expect("stat");
    clock.advance(Seconds(1.0));
    let r = m.read().expect("read");
    assert!(
        same(r.get(Component::CpuModel).0, 31.875 * 2.0 + 15.0),
        "{r:?}"
    );
    assert!(
        m.describe().contains("Intel Xeon Gold 6248"),
        "{}",
        m.describe()
    );
}

#[test]
fn model_meter_process_mode_follows_own_cpu_time() {
    let dir = tempfile::tempdir().expect("tempdir");
    fake_proc(
        dir.path(),
        "AMD EPYC 7B12",
        2,
        8 * 1024 * 1024,
        "cpu  0 0 0 0 0 0 0 0 0 0\n",
    );
    let cfg = ModelConfig {
        proc_root: dir.path().into(),
        mode: TrackingMode::Process(energy::cputime::ProcessRef::Current),
        ram: false,
        ..ModelConfig::default()
    };
    let mut m = ModelMeter::open(cfg).expect("open");
    let before = energy::cputime::process_cpu_time().expect("cpu");
    m.start().expect("start");
    let t0 = energy::cputime::process_cpu_time().expect("cpu");
    let mut x = 0u64;
    while energy::cputime::process_cpu_time().expect("cpu").0 - t0.0 < 0.05 {
        x = std::hint::black_box(x.wrapping_add(1));
    }
    let r = m.read().expect("read");
    let after = energy::cputime::process_cpu_time().expect("cpu");
    // 240 W over 2 threads: 120 W per CPU-second of this process. The process also holds the other
    // test threads (cargo runs tests in parallel), so bound by its whole CPU time around the window,
    // not by wall time: at least our own 0.05 s busy loop, at most everything the process burned.
    let j = r.get(Component::CpuModel).0;
    assert!(
        j >= 0.05 * 120.0 * 0.99 && j <= (after.0 - before.0) * 120.0 * 1.000_001,
        "{j} J over {:?}, process CPU {:.4} s",
        r.duration,
        after.0 - before.0
    );
    assert_eq!(r.energy.get(&Component::RamModel), None);
}

#[test]
fn auto_selection_on_a_machine_without_counters_uses_the_model_and_says_why() {
    let proc_dir = tempfile::tempdir().expect("tempdir");
    fake_proc(
        proc_dir.path(),
        "AMD EPYC",
        2,
        23 * 1024 * 1024,
        "cpu  1 0 1 10 0 0 0 0 0 0\n",
    );
    let mut cfg = MeterConfig::default();
    cfg.rapl.root = proc_dir.path().join("no-powercap");
    cfg.model.proc_root = proc_dir.path().into();
    cfg.nvml_library = Some(proc_dir.path().join("libnvidia-ml.so.1"));
    let sel = select(MeterChoice::Auto, &cfg).expect("auto never fails");
    let by = |s: Source| {
        sel.considered
            .iter()
            .find(|m| m.source == s)
            .expect("listed")
            .clone()
    };
    assert!(!by(Source::Rapl).available && by(Source::Rapl).detail.contains("does not exist"));
    assert!(!by(Source::Nvml).available && by(Source::Nvml).detail.contains("driver"));
    let model = by(Source::Model);
    assert!(model.available && model.used, "{model:?}");
    assert!(model.detail.contains("4 W × 2 threads"), "{}", model.detail);
    assert!(by(Source::Fake).available && !by(Source::Fake).used);
    assert_eq!(sel.used_sources(), "model");
    assert!(sel.warnings.iter().any(|w| w.contains("estimated")));
    let err = select(MeterChoice::Rapl, &cfg).expect_err("explicit rapl must fail here");
    assert!(err.to_string().contains("rapl meter unavailable"), "{err}");
    let fake = select(MeterChoice::Fake, &cfg).expect("fake");
    assert_eq!(fake.used_sources(), "fake");
    assert!(fake.warnings[0].contains("not a measurement"));
}
