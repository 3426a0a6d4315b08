//! Exporters: pure functions from results to bytes; [`crate::record::store`] and the commands do the I/O.
//!
//! | module | what |
//! |---|---|
//! | [`table`] | the `harness bench` summary (terminal or Markdown table) |

pub mod table;
