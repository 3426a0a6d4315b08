//! `harness import`: turn another benchmark harness's output into a result file that `compare`, `report`, `push`
//! and the Action read like one `harness bench` wrote.
//!
//! | module | what |
//! |---|---|
//! | [`criterion`] | criterion's `target/criterion/**/new/{benchmark,sample}.json`, time and (with [`crate::criterion::Energy`]) energy |

pub mod criterion;
