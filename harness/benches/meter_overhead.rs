//! Does metering change what it measures? Alternates 1 s closed-loop windows of `spin:200000` with the run's meter
//! off and on (sampling every 0.5 s, as `harness bench` does), and reports the on/off throughput and CPU-per-op ratios
//! (target: under 1 % apart), plus the cost of one read of the selected meters and of a 10 Hz sampler (target: under
//! 0.1 % of one core).
//! Run: `cargo bench -p harness --bench meter_overhead`.

use energy::cputime::{ProcessRef, process_cpu_time};
use energy::meter::{MeterChoice, MeterConfig, select};
use harness::load::spin::Spin;
use harness::load::{Bound, LoadShape, Workload, drive};
use harness::runner::meter::{Charge, RunMeter};
use std::sync::Arc;
use std::time::{Duration, Instant};

const PAIRS: usize = 10;
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

    // The sampler's whole cost at 10 Hz: timer wake-ups and meter reads, as the process's own CPU time over 10 s
    // while nothing else runs in it (a tokio interval loop, like RunMeter's and the app's energy sampler).
    let sampler_rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let seconds = 10.0;
    let fraction = sampler_rt.block_on(async {
        let selection = select(MeterChoice::Auto, &MeterConfig::default()).expect("a meter");
        let (mut set, _, _) = selection.into_parts();
        set.start().expect("start");
        // The same 10 Hz loop without the read: what waking up 10 times a second costs on this machine by itself.
        let idle0 = process_cpu_time().expect("cpu");
        let i0 = Instant::now();
        let mut tick = tokio::time::interval(Duration::from_millis(100));
        while i0.elapsed().as_secs_f64() < seconds {
            tick.tick().await;
        }
        let idle = (process_cpu_time().expect("cpu").0 - idle0.0) / i0.elapsed().as_secs_f64();
        println!(
            "10 Hz timer alone: {:.4} % of one core (the floor any 10 Hz sampler pays here)",
            idle * 100.0
        );
        let cpu0 = process_cpu_time().expect("cpu");
        let t0 = Instant::now();
        let mut tick = tokio::time::interval(Duration::from_millis(100));
        let mut reads = 0u32;
        let mut in_read = Duration::ZERO;
        while t0.elapsed().as_secs_f64() < seconds {
            tick.tick().await;
            let r = Instant::now();
            set.read().expect("read");
            in_read += r.elapsed();
            reads += 1;
        }
        println!("  wall time inside read(): {:.1} µs per read", in_read.as_secs_f64() / f64::from(reads) * 1e6);
        let cpu = process_cpu_time().expect("cpu").0 - cpu0.0;
        let wall = t0.elapsed().as_secs_f64();
        println!(
            "sampler at 10 Hz: {reads} reads in {wall:.1} s cost {:.2} ms CPU = {:.4} % of one core (target < 0.1 %); \
             the reads alone add {:.4} %",
            cpu * 1e3,
            cpu / wall * 100.0,
            (cpu / wall - idle) * 100.0
        );
        cpu / wall
    });
    drop(sampler_rt);
    assert!(fraction.is_finite());

    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let workload: Arc<dyn Workload> = Arc::new(Spin::new(200_000));
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get() as u32);
        let shape = LoadShape::Closed { concurrency: cores };
        let (mut meter, _) =
            RunMeter::select(MeterChoice::Auto, Charge::Process(ProcessRef::Current)).expect("meter");
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
