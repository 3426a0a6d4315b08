//! Cost of recording one operation in a driver's `Recorder` (target: under 100 ns), and of one spin op as a reference.
//! Run: `cargo bench -p harness --bench record`.

use criterion::{Criterion, criterion_group, criterion_main};
use harness::load::recorder::Recorder;
use std::hint::black_box;
use std::time::{Duration, Instant};

fn record(c: &mut Criterion) {
    let mut group = c.benchmark_group("recorder");
    let mut rec = Recorder::new();
    // Spread of latencies like a real run (1 µs .. ~1 s), so the histogram's buckets are all exercised.
    let latencies: Vec<Duration> = (0..1024u64)
        .map(|i| Duration::from_micros(1 + i * i * 977 % 1_000_000))
        .collect();
    let mut i = 0usize;
    group.bench_function("record_ok", |b| {
        b.iter(|| {
            rec.record_ok(black_box(latencies[i & 1023]));
            i = i.wrapping_add(1);
        })
    });
    // What a driver does per op around the workload call: read the clock twice and record.
    let mut rec2 = Recorder::new();
    group.bench_function("clock_and_record_ok", |b| {
        b.iter(|| {
            let t = Instant::now();
            rec2.record_ok(black_box(t.elapsed()));
        })
    });
    group.finish();
    black_box((rec.ops(), rec2.ops()));
}

criterion_group!(benches, record);
criterion_main!(benches);
