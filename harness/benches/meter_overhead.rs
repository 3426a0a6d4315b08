//! Does metering change what it measures? Alternates 1 s closed-loop windows of `spin:200000` with the run's meter
//! off and on (sampling every 0.5 s, as `harness bench` does), and reports the on/off throughput and CPU-per-op ratios
//! (target: under 1 % apart), plus the cost of one read of the selected meters and of a 10 Hz sampler thread
//! ([`Sampler`], target: under 0.1 % of one core).
//! Run: `cargo bench -p harness --bench meter_overhead`.

use energy::cputime::{ProcessRef, process_cpu_time};
use energy::meter::model::{ModelConfig, TrackingMode};
use energy::meter::sampler::Sampler;
use energy::meter::{MeterChoice, MeterConfig, select};
use harness::load::spin::Spin;
use harness::load::{Bound, LoadShape, Workload, drive};
use harness::runner::meter::{Charge, RunMeter};
use std::os::unix::fs::FileExt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// One sampler tick's work.
type Tick = Box<dyn FnMut() + Send>;

const PAIRS: usize = 10;
/// Interleaved rounds of the 10 Hz sampler measurements.
const ROUNDS: usize = 3;
const WINDOW: Duration = Duration::from_secs(1);

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

async fn window(workload: &Arc<dyn Workload>, shape: LoadShape) -> (f64, f64) {
    let cpu0 = process_cpu_time().expect("cpu clock").0;
    let r = drive(Arc::clone(workload), shape, Bound::Duration(WINDOW)).await;
    let cpu = process_cpu_time().expect("cpu clock").0 - cpu0;
    let ops = r.recorder.ops() as f64;
    (ops / r.wall.as_secs_f64(), cpu / ops)
}

fn main() {
    let selection = select(MeterChoice::Auto, &MeterConfig::default()).expect("a meter");
    let sources = selection.used_sources();
    let (mut set, _, _) = selection.into_parts();
    set.start().expect("start");
    let n = 2000;
    let t = Instant::now();
    for _ in 0..n {
        set.read().expect("read");
    }
    let read_us = t.elapsed().as_secs_f64() / f64::from(n) * 1e6;
    println!(
        "meter read ({sources}): {read_us:.1} µs per read; at 2 reads/s that is {:.4} % of one core",
        read_us * 2.0 / 1e6 * 100.0
    );

    // The sampler's whole cost at 10 Hz: wake-ups and meter reads, as the process's own CPU time over 10 s while
    // nothing else runs in it: an empty tick (the wake-up floor), a bare /proc/stat read, the model meter in both
    // modes; then a tokio interval loop for comparison (what the sampler used to be).
    let seconds = 10.0;
    // Process mode (the model meter's CPU share of this process, RSS from statm): what the app's live energy metrics
    // sample. `harness bench` and `harness monitor` use the default, machine mode.
    let process_mode = MeterConfig {
        model: ModelConfig {
            mode: TrackingMode::Process(ProcessRef::Current),
            ..ModelConfig::default()
        },
        ..MeterConfig::default()
    };
    // One 10 Hz sampler running `tick` for `seconds`: the process's CPU time over that span, as a fraction of one
    // core, and the number of ticks.
    let sampler_cost = |mut tick: Tick| {
        let ticks = Arc::new(AtomicU32::new(0));
        let counted = Arc::clone(&ticks);
        let cpu0 = process_cpu_time().expect("cpu").0;
        let t0 = Instant::now();
        let sampler = Sampler::spawn("bench-sampler", Duration::from_millis(100), move || {
            tick();
            counted.fetch_add(1, Ordering::Relaxed);
        })
        .expect("sampler thread");
        std::thread::sleep(Duration::from_secs_f64(seconds));
        sampler.stop();
        let cpu = process_cpu_time().expect("cpu").0 - cpu0;
        (
            cpu / t0.elapsed().as_secs_f64(),
            ticks.load(Ordering::Relaxed),
        )
    };
    // `read` builds a reading every tick (the app's live metrics, `harness monitor`); `sample` only advances the
    // integration (the `harness bench` sampler, which reads at the window's end).
    let reading = |config: &MeterConfig, build: bool| -> Tick {
        let (mut set, _, _) = select(MeterChoice::Auto, config)
            .expect("a meter")
            .into_parts();
        set.start().expect("start");
        Box::new(move || {
            if build {
                set.read().map(drop).expect("read");
            } else {
                set.sample().expect("sample");
            }
        })
    };
    // The least any machine-mode sampler can do per tick: one pread of /proc/stat, nothing parsed.
    let bare_proc_stat = || -> Tick {
        let file = std::fs::File::open("/proc/stat").expect("/proc/stat");
        let mut buf = vec![0u8; 16 << 10];
        Box::new(move || {
            std::hint::black_box(file.read_at(&mut buf, 0).expect("read /proc/stat"));
        })
    };
    // Interleaved rounds, so a noisy neighbour or a drifting host shifts every case alike; medians reported.
    let cases: [(&str, &dyn Fn() -> Tick); 6] = [
        ("empty tick (the wake-up floor here)", &|| Box::new(|| {})),
        (
            "one bare pread of /proc/stat (least a machine-mode tick can do)",
            &bare_proc_stat,
        ),
        ("machine mode, sample (harness bench)", &|| {
            reading(&MeterConfig::default(), false)
        }),
        ("machine mode, read (harness monitor)", &|| {
            reading(&MeterConfig::default(), true)
        }),
        ("process mode, sample", &|| reading(&process_mode, false)),
        ("process mode, read (the app's live metrics)", &|| {
            reading(&process_mode, true)
        }),
    ];
    let mut results = vec![(Vec::new(), 0u32); cases.len()];
    for _ in 0..ROUNDS {
        for ((_, make), (fractions, ticks)) in cases.iter().zip(results.iter_mut()) {
            let (f, n) = sampler_cost(make());
            fractions.push(f);
            *ticks += n;
        }
    }
    let floor = median(results[0].0.clone());
    println!(
        "sampler thread at 10 Hz, {ROUNDS} interleaved rounds of {seconds:.0} s, {sources} meter; target < 0.1 % of one core:"
    );
    for ((name, _), (fractions, ticks)) in cases.iter().zip(&results) {
        let lo = fractions.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = fractions.iter().copied().fold(0.0, f64::max);
        let m = median(fractions.clone());
        println!(
            "  {name}: {ticks} ticks, median {:.4} % (range {:.4}–{:.4} %); above the floor {:.4} %",
            m * 100.0,
            lo * 100.0,
            hi * 100.0,
            (m - floor) * 100.0
        );
    }
    let (fraction, process_fraction) = (median(results[3].0.clone()), median(results[5].0.clone()));
    let tokio_rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let tokio_fraction = tokio_rt.block_on(async {
        let cpu0 = process_cpu_time().expect("cpu").0;
        let t0 = Instant::now();
        let mut tick = tokio::time::interval(Duration::from_millis(100));
        while t0.elapsed().as_secs_f64() < seconds {
            tick.tick().await;
            set.read().expect("read");
        }
        (process_cpu_time().expect("cpu").0 - cpu0) / t0.elapsed().as_secs_f64()
    });
    drop(tokio_rt);
    println!(
        "for comparison, a tokio interval loop reading at 10 Hz: {:.4} % of one core",
        tokio_fraction * 100.0
    );
    assert!(fraction.is_finite() && process_fraction.is_finite() && tokio_fraction.is_finite());

    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let workload: Arc<dyn Workload> = Arc::new(Spin::new(200_000));
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get() as u32);
        let shape = LoadShape::Closed { concurrency: cores };
        let (mut meter, _) =
            RunMeter::select(
                MeterChoice::Auto,
                &energy::meter::MeterConfig::default(),
                Charge::Process(ProcessRef::Current),
            ).expect("meter");
        window(&workload, shape).await; // warm-up
        let (mut tput, mut cpu) = (Vec::new(), Vec::new());
        for _ in 0..PAIRS {
            let off = window(&workload, shape).await;
            meter.begin().expect("begin");
            let on = window(&workload, shape).await;
            meter.end(None).expect("end");
            tput.push(on.0 / off.0);
            cpu.push(on.1 / off.1);
        }
        println!(
            "{PAIRS} on/off pairs of {WINDOW:?}: throughput ratio median {:.4} (min {:.4}, max {:.4}); CPU-per-op ratio median {:.4}",
            median(tput.clone()),
            tput.iter().copied().fold(f64::INFINITY, f64::min),
            tput.iter().copied().fold(0.0, f64::max),
            median(cpu)
        );
    });
}
