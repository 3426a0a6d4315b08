//! Which process is the server: a start command such as `sh -c 'cd app && python3 server.py'` or `npm start` leaves
//! the server one or more generations below the process the harness started. [`server_process`] walks down from the
//! started process while it has exactly one child, so `--server-pid` charges the process that does the work. A
//! process with several children (a pre-fork server's master and its workers) is where the walk stops: its own CPU
//! time is what gets charged, and the README says so.
//!
//! Parent links come from `<proc root>/<pid>/stat` (field 4, after the parenthesised command name, which may itself
//! hold spaces and parentheses). The root is injectable so tests use fixture trees.

use std::path::Path;

/// Where the process tables live on Linux.
pub const DEFAULT_PROC_ROOT: &str = energy::cputime::DEFAULT_PROC_ROOT;

/// The deepest walk down a chain of only children: a guard against a malformed (cyclic) table.
const MAX_DEPTH: usize = 32;

/// The state letter, parent pid and process group in the text of a `/proc/<pid>/stat` file.
fn stat_fields(stat: &str) -> Option<(char, u32, u32)> {
    let mut fields = stat[stat.rfind(')')? + 1..].split_whitespace();
    let state = fields.next()?.chars().next()?;
    let ppid = fields.next()?.parse().ok()?;
    let pgrp = fields.next()?.parse().ok()?;
    Some((state, ppid, pgrp))
}

/// Every process in the table with its stat fields, in ascending pid order.
fn table(proc_root: &Path) -> Vec<(u32, (char, u32, u32))> {
    let Ok(entries) = std::fs::read_dir(proc_root) else {
        return Vec::new();
    };
    let mut out: Vec<(u32, (char, u32, u32))> = entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let stat =
                std::fs::read_to_string(proc_root.join(pid.to_string()).join("stat")).ok()?;
            Some((pid, stat_fields(&stat)?))
        })
        .collect();
    out.sort_unstable_by_key(|(pid, _)| *pid);
    out
}

/// The live (not zombie) pids whose parent is `pid`, in ascending order.
pub fn children(proc_root: &Path, pid: u32) -> Vec<u32> {
    table(proc_root)
        .into_iter()
        .filter(|(_, (state, ppid, _))| *ppid == pid && !is_dead(*state))
        .map(|(child, _)| child)
        .collect()
}

/// The live (not zombie) members of process group `pgrp`: a zombie whose parent never reaps it (a container whose
/// PID 1 is not an init) must not count as a running server.
pub fn group_members(proc_root: &Path, pgrp: u32) -> Vec<u32> {
    table(proc_root)
        .into_iter()
        .filter(|(_, (state, _, group))| *group == pgrp && !is_dead(*state))
        .map(|(pid, _)| pid)
        .collect()
}

fn is_dead(state: char) -> bool {
    matches!(state, 'Z' | 'X' | 'x')
}

/// The process doing the work under `started`: down the chain of only children, as far as it goes.
pub fn server_process(proc_root: &Path, started: u32) -> u32 {
    let mut pid = started;
    for _ in 0..MAX_DEPTH {
        match children(proc_root, pid).as_slice() {
            [only] => pid = *only,
            _ => break,
        }
    }
    pid
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proc_tree(entries: &[(u32, &str, u32)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("tempdir");
        for (pid, comm, ppid) in entries {
            let p = dir.path().join(pid.to_string());
            std::fs::create_dir_all(&p).expect("mkdir");
            // A comm of "zombie" marks a zombie; every process is in group 10.
            let state = if *comm == "zombie" { 'Z' } else { 'S' };
            std::fs::write(
                p.join("stat"),
                format!("{pid} ({comm}) {state} {ppid} 10 {pid} 0 -1 4194560 0 0"),
            )
            .expect("write");
        }
        std::fs::create_dir_all(dir.path().join("self")).expect("self");
        std::fs::write(dir.path().join("stat"), "cpu 1 2 3").expect("machine stat");
        dir
    }

    #[test]
    fn fields_are_read_after_the_last_parenthesis_of_the_name() {
        assert_eq!(stat_fields("42 (sh) S 7 40 42 0"), Some(('S', 7, 40)));
        assert_eq!(
            stat_fields("42 (my (odd) name) R 9 8 42"),
            Some(('R', 9, 8))
        );
        assert_eq!(stat_fields("garbage"), None);
    }

    #[test]
    fn zombies_are_neither_children_nor_group_members() {
        let root = proc_tree(&[(10, "sh", 1), (11, "zombie", 10), (12, "python", 10)]);
        assert_eq!(children(root.path(), 10), [12]);
        assert_eq!(group_members(root.path(), 10), [10, 12]);
        assert!(group_members(root.path(), 99).is_empty());
    }

    #[test]
    fn walks_down_a_chain_of_only_children_to_the_server() {
        // sh (100) -> npm (101) -> node (102); 200 is unrelated.
        let root = proc_tree(&[
            (1, "init", 0),
            (100, "sh", 1),
            (101, "npm", 100),
            (102, "node", 101),
            (200, "bash", 1),
        ]);
        assert_eq!(children(root.path(), 100), [101]);
        assert_eq!(server_process(root.path(), 100), 102);
        // A process with no children is the server itself (sh exec'd it).
        assert_eq!(server_process(root.path(), 102), 102);
    }

    #[test]
    fn stops_at_a_process_with_several_children() {
        // sh (10) -> gunicorn master (11) -> workers 12, 13.
        let root = proc_tree(&[
            (10, "sh", 1),
            (11, "gunicorn", 10),
            (12, "gunicorn", 11),
            (13, "gunicorn", 11),
        ]);
        assert_eq!(server_process(root.path(), 10), 11);
    }

    #[test]
    fn a_cyclic_table_ends_the_walk() {
        let root = proc_tree(&[(5, "a", 6), (6, "b", 5)]);
        let pid = server_process(root.path(), 5);
        assert!(pid == 5 || pid == 6);
        assert_eq!(
            server_process(Path::new("/no/such/proc"), 77),
            77,
            "no table: the started process"
        );
    }
}
