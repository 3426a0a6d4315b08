//! CPU detection and TDP lookup, CodeCarbon 3.3.2-compatible (`core/cpu.py::TDP`).
//!
//! The table is CodeCarbon's `data/hardware/cpu_power.csv` (MIT licence, 4,918 rows, embedded from
//! `energy/data/cpu_power.csv`). Matching, in order, as `TDP._get_matching_cpu`:
//! 1. the raw model name equals a table name, case-insensitively;
//! 2. after removing `(R)`, the ` CPU @ …` tail, ` CPU` and ` @ x.xxGHz`, equal case-insensitively;
//! 3. token-set match (rapidfuzz `token_set_ratio == 100` with `default_process`: lower-case, non-alphanumerics
//!    become spaces): one name's token set contains the other's. Accepted only when exactly one table row matches.
//!
//! No match but a detected CPU: 4 W × logical threads. No CPU detected: 85 W (`[generic]`). Either way the TDP is
//! multiplied by the socket count (distinct `physical id`s in `/proc/cpuinfo`, default 1).

use crate::units::Watts;
use std::collections::BTreeSet;
use std::fmt;
use std::fs;
use std::path::Path;
use std::sync::OnceLock;

/// CodeCarbon's `DEFAULT_POWER_PER_CORE` (per logical thread, in fact).
pub const POWER_PER_THREAD: Watts = Watts(4.0);
/// CodeCarbon's `POWER_CONSTANT`, used when the CPU cannot be detected.
pub const GENERIC_TDP: Watts = Watts(85.0);

const CPU_POWER_CSV: &str = include_str!("../../data/cpu_power.csv");

/// The CPU as `/proc/cpuinfo` describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CpuInfo {
    /// `model name` of the first processor, when present.
    pub model: Option<String>,
    /// Logical threads (`processor` entries).
    pub threads: u32,
    /// Sockets (distinct `physical id`s), at least 1.
    pub sockets: u32,
}

impl CpuInfo {
    /// Reads `<proc_root>/cpuinfo`; a missing file gives an undetected CPU with the thread count from the OS.
    pub fn detect(proc_root: &Path) -> Self {
        let threads =
            std::thread::available_parallelism().map_or(1, |n| u32::try_from(n.get()).unwrap_or(1));
        match fs::read_to_string(proc_root.join("cpuinfo")) {
            Ok(text) => Self::parse(&text, threads),
            Err(_) => Self {
                model: None,
                threads,
                sockets: 1,
            },
        }
    }

    /// Parses cpuinfo text; `fallback_threads` when it lists no `processor`.
    pub fn parse(text: &str, fallback_threads: u32) -> Self {
        let mut model = None;
        let mut threads = 0u32;
        let mut sockets = BTreeSet::new();
        for line in text.lines() {
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            match key.trim() {
                "processor" => threads += 1,
                "model name" if model.is_none() => {
                    model = Some(value.trim().to_string()).filter(|m| !m.is_empty())
                }
                "physical id" => {
                    sockets.insert(value.trim().to_string());
                }
                _ => {}
            }
        }
        Self {
            model,
            threads: if threads == 0 {
                fallback_threads
            } else {
                threads
            },
            sockets: u32::try_from(sockets.len()).unwrap_or(1).max(1),
        }
    }
}

/// How the TDP was obtained.
#[derive(Debug, Clone, PartialEq)]
pub enum TdpOrigin {
    /// Matched a row of CodeCarbon's table.
    Table { matched: String },
    /// CPU detected but not in the table: 4 W × threads.
    PerThread { threads: u32 },
    /// CPU not detected: 85 W.
    Generic,
    /// Given by the user (`--tdp`).
    Override,
}

/// The CPU's thermal design power as the model meter uses it.
#[derive(Debug, Clone, PartialEq)]
pub struct Tdp {
    /// TDP of one socket.
    pub per_socket: Watts,
    pub sockets: u32,
    pub origin: TdpOrigin,
    /// Detected model name, `None` when undetected.
    pub model: Option<String>,
}

impl Tdp {
    /// CodeCarbon's `max_power`: TDP × sockets.
    pub fn max_power(&self) -> Watts {
        Watts(self.per_socket.0 * f64::from(self.sockets))
    }

    /// Resolves the TDP of `cpu` the way CodeCarbon does.
    pub fn resolve(cpu: &CpuInfo) -> Self {
        let (per_socket, origin) = match &cpu.model {
            Some(model) => match lookup(model) {
                Some((matched, tdp)) => (tdp, TdpOrigin::Table { matched }),
                None => (
                    Watts(POWER_PER_THREAD.0 * f64::from(cpu.threads)),
                    TdpOrigin::PerThread {
                        threads: cpu.threads,
                    },
                ),
            },
            None => (GENERIC_TDP, TdpOrigin::Generic),
        };
        Self {
            per_socket,
            sockets: cpu.sockets,
            origin,
            model: cpu.model.clone(),
        }
    }
}

impl fmt::Display for Tdp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let model = self.model.as_deref().unwrap_or("undetected CPU");
        let why = match &self.origin {
            TdpOrigin::Table { matched } => format!("CodeCarbon table row {matched:?}"),
            TdpOrigin::PerThread { threads } => {
                format!("not in CodeCarbon's table, so 4 W × {threads} threads")
            }
            TdpOrigin::Generic => {
                "CPU model not detected, so CodeCarbon's generic 85 W".to_string()
            }
            TdpOrigin::Override => "given with --tdp".to_string(),
        };
        write!(
            f,
            "TDP {} W × {} socket(s) for {model} ({why})",
            self.per_socket.0, self.sockets
        )
    }
}

/// The embedded table: (name, TDP) in file order. Four rows hold an unparsable TDP (`27.29.5`); they take part in
/// matching like in CodeCarbon but give no TDP.
pub fn table() -> &'static [(String, Option<Watts>)] {
    static TABLE: OnceLock<Vec<(String, Option<Watts>)>> = OnceLock::new();
    TABLE.get_or_init(|| {
        CPU_POWER_CSV
            .lines()
            .skip(1)
            .filter_map(|line| {
                let (name, tdp) = line.rsplit_once(',')?;
                Some((
                    name.trim_matches('"').to_string(),
                    tdp.trim().parse().ok().map(Watts),
                ))
            })
            .collect()
    })
}

/// CodeCarbon's matching rules; returns the matched table name and its TDP.
pub fn lookup(model_raw: &str) -> Option<(String, Watts)> {
    let (name, tdp) = exact(model_raw)
        .or_else(|| exact(&strip(model_raw)))
        .or_else(|| token_set(&strip(model_raw)))?;
    Some((name, tdp?))
}

fn exact(name: &str) -> Option<(String, Option<Watts>)> {
    let lower = name.to_lowercase();
    table()
        .iter()
        .find(|(n, _)| n.to_lowercase() == lower)
        .cloned()
}

/// `(R)` removed, ` CPU @ …` cut, ` CPU` removed, ` @ x.xxGHz` removed.
fn strip(raw: &str) -> String {
    let mut s = raw.replace("(R)", "");
    if let Some(i) = s.find(" CPU @ ").filter(|&i| i > 0) {
        s.truncate(i);
    }
    s = s.replace(" CPU", "");
    remove_ghz(&s)
}

/// Removes every ` @<spaces>d+.d+GHz` (CodeCarbon's `re.sub(r" @\s*\d+\.\d+GHz", "", s)`).
fn remove_ghz(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find(" @") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        match ghz_len(after) {
            Some(n) => rest = &after[n..],
            None => {
                out.push_str(" @");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn ghz_len(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut i = b.iter().take_while(|c| c.is_ascii_whitespace()).count();
    let digits = |i: usize| b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
    let d1 = digits(i);
    if d1 == 0 || b.get(i + d1) != Some(&b'.') {
        return None;
    }
    i += d1 + 1;
    let d2 = digits(i);
    if d2 == 0 || !s[i + d2..].starts_with("GHz") {
        return None;
    }
    Some(i + d2 + 3)
}

/// rapidfuzz `utils.default_process` then whitespace tokens.
fn tokens(s: &str) -> BTreeSet<String> {
    let processed: String = s
        .chars()
        .map(|c| {
            if c.is_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                ' '
            }
        })
        .collect();
    processed.split_whitespace().map(str::to_string).collect()
}

fn token_set(name: &str) -> Option<(String, Option<Watts>)> {
    let wanted = tokens(name);
    if wanted.is_empty() {
        return None;
    }
    let mut hits = table().iter().filter(|(n, _)| {
        let t = tokens(n);
        !t.is_empty() && (t.is_subset(&wanted) || wanted.is_subset(&t))
    });
    let first = hits.next()?;
    hits.next().is_none().then(|| first.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_has_every_row() {
        assert_eq!(table().len(), 4918);
    }

    #[test]
    fn strip_follows_codecarbon() {
        assert_eq!(
            strip("Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz"),
            "Intel Xeon Gold 6248"
        );
        assert_eq!(strip("Foo CPU bar @ 3.1GHz"), "Foo bar");
        assert_eq!(strip("Foo @ fast"), "Foo @ fast");
    }

    #[test]
    fn cpuinfo_counts_threads_and_sockets() {
        let text = "processor\t: 0\nmodel name\t: AMD EPYC 7B12\nphysical id\t: 0\n\nprocessor\t: 1\nmodel name\t: AMD EPYC 7B12\nphysical id\t: 1\n";
        let c = CpuInfo::parse(text, 9);
        assert_eq!(
            c,
            CpuInfo {
                model: Some("AMD EPYC 7B12".into()),
                threads: 2,
                sockets: 2
            }
        );
        assert_eq!(Tdp::resolve(&c).max_power(), Watts(480.0));
        assert_eq!(
            CpuInfo::parse("", 3),
            CpuInfo {
                model: None,
                threads: 3,
                sockets: 1
            }
        );
    }

    #[test]
    fn unknown_and_undetected_cpus() {
        let vm = CpuInfo {
            model: Some("AMD EPYC".into()),
            threads: 2,
            sockets: 1,
        };
        let t = Tdp::resolve(&vm);
        assert_eq!(
            (t.max_power(), t.origin.clone()),
            (Watts(8.0), TdpOrigin::PerThread { threads: 2 })
        );
        assert!(t.to_string().contains("4 W × 2 threads"), "{t}");
        let none = Tdp::resolve(&CpuInfo {
            model: None,
            threads: 4,
            sockets: 1,
        });
        assert_eq!(
            (none.max_power(), none.origin),
            (GENERIC_TDP, TdpOrigin::Generic)
        );
    }
}
