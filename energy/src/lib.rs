//! Energy and carbon measurement shared by `workloads` (live app metrics, mock grid) and `harness` (bench, monitor).
//!
//! | module | what |
//! |---|---|
//! | [`units`] | unit newtypes (`Joules`, `Watts`, `Seconds`, `GramsCo2e`, `GramsPerKwh`, `KilowattHours`) |
//! | [`meter`] | the `EnergyMeter` trait, RAPL / NVML / model / fake meters, `select`, attribution |
//! | [`carbon`] | carbon intensity in one place: CodeCarbon's country table (`carbon::table`: ISO-3/ISO-2 lookup, world average 475 g/kWh), the `IntensitySource` trait with the fixed and country sources, the normalised `Zone` |
//! | [`cputime`] | exact process CPU time and machine CPU time |
//! | [`clock`] | monotonic and manual clocks for meters |
//! | [`codecarbon`] | CodeCarbon 3.3.2's own unit constants, for bit-compatible numbers |

pub mod carbon;
pub mod clock;
pub mod codecarbon;
pub mod cputime;
pub mod meter;
pub mod units;
