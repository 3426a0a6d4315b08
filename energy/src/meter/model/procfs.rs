//! Small `/proc` helpers of the model meter: the page size that `statm` counts in, and `kB` fields of `status`-style
//! files.

/// The kernel's page size (the unit of `statm`).
pub(super) fn page_size() -> u64 {
    // SAFETY: sysconf only reads a configuration value.
    let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    u64::try_from(size).ok().filter(|s| *s > 0).unwrap_or(4096)
}

/// The number after `key` on its line of `text` (e.g. `MemTotal:` in `/proc/meminfo`), in the file's unit (kB).
pub(super) fn kb_field(text: &str, key: &str) -> Option<u64> {
    text.lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|n| n.parse().ok())
}
